"""Rater reliability: ICC, Krippendorff's alpha, kappas, Gwet's AC, Kendall's W, G-theory.

Every function takes the long ratings table (one row per rating; pandas or Dask) and
the names of its columns, defaulting to the data contract (``subject="employee_id",
rater="rater_id", score="score"``). Internally the orientation is subjects x raters
everywhere, and every statistic is computed from group-by aggregates (see
``workbench.reliability._long``).

Which statistic when
--------------------
* scores treated as numbers, same question for every employee: :func:`icc` (six forms;
  ``ICC(1,·)`` when each employee has raters of their own, the only forms a nested design
  can estimate) or :func:`krippendorff_alpha` (``level="interval"``), with any missing
  ratings;
* a 1-5 scale read as ordered labels: ``krippendorff_alpha(level="ordinal")``,
  weighted :func:`cohen_kappa` (two raters) or :func:`gwet_ac` (``weighting=...``);
* categories (e.g. predikat): :func:`fleiss_kappa`, :func:`gwet_ac` (robust when
  nearly everyone gets the same predikat), :func:`percent_agreement` as a companion;
* do raters *rank* employees alike: :func:`kendall_w`;
* how many raters or indicators are needed: :func:`g_study` and its D-study,
  :func:`spearman_brown` / :func:`raters_needed`;
* per OPD, rater role or indicator: :func:`by_group`; ICC(1,1) per group from additive sums
  (any size, pandas or Dask): :func:`oneway_icc_by_group`.

One vocabulary: ``level`` is the level of measurement; intervals take ``confidence=``;
kappa weighting is ``weighting=`` (``weights`` always names a rubric's weight set);
bootstraps take ``n_boot=`` (default :data:`workbench.results.DEFAULT_N_BOOT`) and ``seed=``.
Every function returns a result object with ``.to_frame()``, ``notes`` and
``.provenance``. No variation gives NaN with a note; too few subjects, or an infinite
score, an error that says what and how to fix it.
"""

from workbench.reliability._result import Estimate
from workbench.reliability.agreement import KendallW, PercentAgreement, kendall_w, percent_agreement
from workbench.reliability.alpha import KrippendorffAlpha, krippendorff_alpha
from workbench.reliability.grouped import by_group, oneway_icc_by_group
from workbench.reliability.gtheory import DStudy, GStudy, g_study, raters_needed, spearman_brown
from workbench.reliability.icc import ICC, ICC_FORMS, icc
from workbench.reliability.kappa import (
    CohenKappa,
    FleissKappa,
    GwetAC,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac,
)

__all__ = [
    "ICC",
    "ICC_FORMS",
    "CohenKappa",
    "DStudy",
    "Estimate",
    "FleissKappa",
    "GStudy",
    "GwetAC",
    "KendallW",
    "KrippendorffAlpha",
    "PercentAgreement",
    "by_group",
    "cohen_kappa",
    "fleiss_kappa",
    "g_study",
    "gwet_ac",
    "icc",
    "kendall_w",
    "oneway_icc_by_group",
    "krippendorff_alpha",
    "percent_agreement",
    "raters_needed",
    "spearman_brown",
]
