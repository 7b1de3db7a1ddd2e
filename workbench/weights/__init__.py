"""The weighting laboratory: compare, stress-test and derive the weights of a rubric.

* :func:`compare` two score tables (two rubrics, or two weight sets of one rubric);
* :func:`uncertainty` of ranks and predikat under weights drawn around the baseline;
* :func:`sensitivity`: Sobol indices of each weight (or group of weights) on outcomes;
* :func:`effective_weights`: what each indicator really contributes to the composite;
* weighting methods: :func:`equal_weights`, :func:`pca_weights`, :func:`critic_weights`,
  :func:`entropy_weights` and :func:`ahp` (with Saaty's consistency ratio);
* reliability-aware design: :func:`rater_design` (raters per role the composite needs) and
  :func:`indicator_variants` (what dropping or merging indicators does).
"""

from workbench.weights.compare import Comparison, compare
from workbench.weights.design import (
    DesignComparison,
    RaterDesign,
    drop_indicator,
    indicator_variants,
    merge_indicators,
    merge_ratings,
    rater_design,
)
from workbench.weights.effective import EffectiveWeights, effective_weights
from workbench.weights.methods import (
    AHPResult,
    MethodWeights,
    ahp,
    critic_weights,
    entropy_weights,
    equal_weights,
    pca_weights,
)
from workbench.weights.sensitivity import curve_violations, sensitivity
from workbench.weights.sobol import SobolResult, ishigami, ishigami_indices, sobol_indices
from workbench.weights.uncertainty import Uncertainty, draw_weights, scores_frame, uncertainty

__all__ = [
    "AHPResult",
    "Comparison",
    "DesignComparison",
    "EffectiveWeights",
    "MethodWeights",
    "RaterDesign",
    "SobolResult",
    "Uncertainty",
    "ahp",
    "compare",
    "critic_weights",
    "curve_violations",
    "draw_weights",
    "drop_indicator",
    "effective_weights",
    "entropy_weights",
    "equal_weights",
    "indicator_variants",
    "ishigami",
    "ishigami_indices",
    "merge_indicators",
    "merge_ratings",
    "pca_weights",
    "rater_design",
    "scores_frame",
    "sensitivity",
    "sobol_indices",
    "uncertainty",
]
