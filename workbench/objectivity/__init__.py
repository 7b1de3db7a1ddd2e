"""Objectivity audit: rater leniency, other rater tendencies, group disparities,
organisation leniency and rater feedback.

Which function when:

* :func:`rater_effects` / :func:`adjusted_scores` - who rates more generously or more
  strictly than the other raters of the same employees, and scores with that removed;
* :func:`rasch_facets` - the same question on the ordinal scale (many-facet Rasch
  model): rater severity in logits, rater fit (halo, central tendency, randomness),
  indicator difficulty, category thresholds and fair averages per employee;
* :func:`halo`, :func:`spread`, :func:`role_gaps`, :func:`drift` - halo, central
  tendency / range restriction, self- and peer-vs-atasan gaps, drift over periods;
* :func:`group_disparity` - score gaps by gender, golongan, jabatan or unit, raw and
  conditional on objective performance, rater and unit;
* :func:`organisation_leniency` - Baik-or-better shares per unit against the curve and
  the national figure;
* :func:`rater_feedback` - a private one-page view for one rater;
  :func:`rater_feedback_pages` - every rater's page in one pass.

Examples
--------
>>> import workbench as wb
>>> from workbench import objectivity
>>> r = wb.read_sample("kota_contoh").ratings
>>> values = r[(r["period"] == "2025") & r["indicator"].isin(wb.data.synth.BERAKHLAK)]
>>> objectivity.rater_effects(values).n_raters > 1000
True
"""

from workbench.objectivity._common import RaterTable
from workbench.objectivity.disparity import group_disparity, hasil_realisation
from workbench.objectivity.effects import RaterEffects, adjusted_scores, rater_effects
from workbench.objectivity.feedback import RaterFeedback, rater_feedback, rater_feedback_pages
from workbench.objectivity.leniency import (
    NATIONAL_BAIK_OR_BETTER,
    organisation_leniency,
    predikat_matrix,
)
from workbench.objectivity.rasch import RaschFacets, rasch_facets
from workbench.objectivity.tendencies import drift, halo, role_gaps, spread

__all__ = [
    "NATIONAL_BAIK_OR_BETTER",
    "RaterEffects",
    "RaterFeedback",
    "RaschFacets",
    "RaterTable",
    "adjusted_scores",
    "drift",
    "group_disparity",
    "halo",
    "hasil_realisation",
    "organisation_leniency",
    "predikat_matrix",
    "rasch_facets",
    "rater_effects",
    "rater_feedback",
    "rater_feedback_pages",
    "role_gaps",
    "spread",
]
