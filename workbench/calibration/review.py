"""Indicator review: which indicators of a rubric are hard to measure, saturated or
redundant, with the evidence.

Indicators are revised when they prove hard to measure. For every indicator of a rubric
:func:`indicator_review` reports the share of ratings at the scale's ceiling and floor,
the spread of the employees' values, the share of scored employees without a rating,
the reliability across raters (ICC), the correlation with the other indicators of its
dimension (redundancy) and its effective weight in the dimension, and flags:

* ``hard_to_measure``: ICC(1,1) below ``min_reliability`` (raters disagree);
* ``saturated``: at least ``max_ceiling`` of the ratings at the top of the scale (or
  ``floor``: at the bottom), so the indicator cannot tell employees apart;
* ``redundant``: correlation of at least ``max_correlation`` with another indicator of
  the same dimension (it measures the same thing twice);
* ``often_missing``: at least ``max_missing`` of the scored employees lack a rating.

Examples
--------
>>> import workbench as wb
>>> from workbench.calibration import indicator_review
>>> review = indicator_review(wb.read_sample("kota_contoh"), "permenpanrb-6-2022-rinci", period="2025")
>>> row = review.to_frame().set_index("indicator").loc["loyal"]
>>> round(float(row["reliability"]), 3), row["flags"]
(0.572, '')
>>> review.flagged.empty
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from workbench.errors import DataContractError, ParameterError, check_fraction, check_option
from workbench.i18n import t
from workbench.results import Provenance, frame_html
from workbench.rubric import Rubric, load_rubric
from workbench.rubric import score as score_fn

__all__ = ["FLAGS", "REVIEW_COLUMNS", "IndicatorReview", "indicator_review"]

FLAGS: tuple[str, ...] = ("hard_to_measure", "saturated", "floor", "redundant", "often_missing")
"""The flags of :func:`indicator_review`, in the order they are listed."""

REVIEW_COLUMNS = ["indicator", "label", "dimension", "n_employees", "n_ratings", "raters_per_employee",
                  "share_ceiling", "share_floor", "sd", "sd_share", "missing_share", "reliability",
                  "reliability_mean", "item_rest", "max_correlation", "redundant_with", "nominal_weight",
                  "effective_weight", "flags", "evidence"]
Lang = Literal["id", "en"]


@dataclass(frozen=True, eq=False)
class IndicatorReview:
    """The review of a rubric's indicators (see :func:`indicator_review`)."""

    table: pd.DataFrame
    correlations: pd.DataFrame = field(repr=False)
    rubric_id: str = ""
    notes: tuple[str, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict, repr=False)
    _data: Any = field(default=None, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per indicator: ``indicator, label, dimension, n_employees, n_ratings,
        raters_per_employee, share_ceiling, share_floor`` (of the ratings), ``sd`` (of the
        employees' values, on the indicator's scale), ``sd_share`` (of the scale's span),
        ``missing_share``, ``reliability`` (ICC(1,1): one rating), ``reliability_mean``
        (ICC(1,k): the mean of the employee's raters), ``item_rest`` (correlation with the
        mean of the other indicators of the dimension), ``max_correlation`` and
        ``redundant_with`` (the most correlated indicator of the same dimension),
        ``nominal_weight, effective_weight`` (in the dimension), ``flags`` (``;``-joined
        ids from :data:`FLAGS`) and ``evidence`` (one sentence per flag)."""
        return self.table.copy()

    @property
    def flagged(self) -> pd.DataFrame:
        """The indicators with at least one flag."""
        return self.table[self.table["flags"] != ""].reset_index(drop=True)

    def has(self, flag: str) -> list[str]:
        """The indicators that carry ``flag``."""
        check_option("flag", flag, FLAGS)
        return [i for i, f in zip(self.table["indicator"], self.table["flags"], strict=True) if flag in f.split(";")]

    @property
    def provenance(self) -> Provenance:
        """Data hash, rubric and parameters."""
        return Provenance.build(self._data if self._data is not None else self.table, parameters=self.parameters,
                                rubric_id=self.rubric_id)

    def _repr_html_(self) -> str:
        cols = ["indicator", "dimension", "share_ceiling", "sd_share", "reliability", "max_correlation",
                "effective_weight", "flags"]
        return frame_html(f"Indicator review ({self.rubric_id})", self.table[cols], max_rows=40) + "".join(
            f"<p><em>{n}</em></p>" for n in self.notes)


def _icc(part: pd.DataFrame) -> tuple[float, float]:
    from workbench.reliability import icc

    per = part.groupby("employee_id")["rater_id"].nunique()
    if len(per) < 3 or per.max() < 2:
        return np.nan, np.nan
    try:
        f = icc(part).to_frame()
    except DataContractError:
        return np.nan, np.nan
    return float(f.loc["ICC(1,1)", "icc"]), float(f.loc["ICC(1,k)", "icc"])


def indicator_review(ds: Any, rubric: Rubric | str = "permenpanrb-6-2022-rinci", period: str | None = None, *,
                     weights: str = "baseline", min_reliability: float = 0.4, max_ceiling: float = 0.5,
                     max_correlation: float = 0.9, max_missing: float = 0.2,
                     exclude_roles: tuple[str, ...] = ("diri",), lang: Lang = "id") -> IndicatorReview:
    """Review every indicator of a rubric: can it be measured, does it discriminate, is it
    redundant, what does it weigh.

    Parameters
    ----------
    ds
        The dataset.
    rubric
        The rubric (default ``permenpanrb-6-2022-rinci``).
    period
        The period (required when the rubric scores several periods of the data).
    weights
        The weight set (nominal and effective weights, rater roles).
    min_reliability
        Flag ``hard_to_measure`` below this ICC(1,1) (default 0.4: below the mean
        inter-rater reliability of peer ratings, 0.42, in Viswesvaran et al. 1996).
    max_ceiling
        Flag ``saturated`` (``floor``) when at least this share of ratings is at the
        scale's maximum (minimum).
    max_correlation
        Flag ``redundant`` at or above this correlation with an indicator of the same
        dimension.
    max_missing
        Flag ``often_missing`` when at least this share of the scored employees (to whom
        the indicator applies) has no rating.
    exclude_roles
        Rater roles left out of the reliability (default self-ratings, which are not an
        independent view of the employee).
    lang
        Language of the labels and the evidence.

    Returns
    -------
    IndicatorReview
        ``to_frame()`` (see :meth:`IndicatorReview.to_frame`), ``flagged``, ``has(flag)``,
        ``correlations`` (the employees' values, indicator x indicator).

    Notes
    -----
    Values per employee are the rubric's own (raters of a role averaged, roles combined
    by the weight set). Reliability is the one-way ICC, because each employee has their
    own raters: ICC(1,1) is the reliability of one rating, ICC(1,k) of the mean of the
    employee's raters (Shrout & Fleiss 1979). An indicator rated by one rater per
    employee (the atasan's IKI realisation) has no inter-rater reliability (NaN): it is
    measured, not judged, and is never flagged for it. The effective weight is the
    indicator's share of its dimension's variance
    (:func:`workbench.weights.effective_weights`). Correlations among the BerAKHLAK
    values are inflated by halo (one overall impression), so ``redundant`` is meant
    for pairs that are nearly identical, not for values that merely go together.

    References
    ----------
    Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations. *Psychological
    Bulletin*, 86(2), 420-428.
    Viswesvaran, C., Ones, D. S., & Schmidt, F. L. (1996). Comparative analysis of the
    reliability of job performance ratings. *Journal of Applied Psychology*, 81(5), 557-574.
    """
    from workbench.rubric._compute import _scores
    from workbench.weights import effective_weights

    check_option("lang", lang, ["id", "en"])
    for name, value in (("min_reliability", min_reliability), ("max_ceiling", max_ceiling),
                        ("max_correlation", max_correlation),
                        ("max_missing", max_missing)):
        check_fraction(name, value)
    if not isinstance(rubric, Rubric):
        rubric = load_rubric(rubric)
    scores = score_fn(ds, rubric, weights, period=period, lang=lang)
    periods = sorted(scores.frame["period"].unique())
    if len(periods) != 1:
        raise ParameterError(f"The rubric scores {len(periods)} periods of these data ({', '.join(periods)}); pass "
                             "`period=` to review one of them.")
    p = periods[0]
    detail = scores.detail
    ids = [i.id for i in rubric.indicators]
    ratings = ds.ratings[(ds.ratings["period"] == p) & ds.ratings["indicator"].isin(ids)].copy()
    ratings["score"] = _scores(ratings, rubric)
    sub = ds.subset(period=p)
    try:
        eff = effective_weights(sub, rubric=rubric, weights=weights).to_frame().set_index("indicator")
    except ParameterError:
        eff = pd.DataFrame(columns=["effective", "nominal"])
    corr = detail[ids].corr()
    rows = []
    ws = rubric.weights[weights]
    for ind in rubric.indicators:
        mine = ratings[ratings["indicator"] == ind.id]
        values = detail[ind.id]
        span = ind.scale.max - ind.scale.min
        n_emp = int(values.notna().sum())
        ceiling = float((mine["score"] >= ind.scale.max).mean()) if len(mine) else np.nan
        floor = float((mine["score"] <= ind.scale.min).mean()) if len(mine) else np.nan
        if ind.direction == "lower_is_better":
            ceiling, floor = floor, ceiling
        sd = float(values.std())
        applies = pd.Series(True, index=detail.index)
        if ind.applies_to is not None and ind.applies_to.column in ds.roster:
            r = ds.roster[ds.roster["period"] == p].drop_duplicates("employee_id").set_index("employee_id")
            applies = detail["employee_id"].map(r[ind.applies_to.column]).isin(ind.applies_to.values)
        missing = float(values[applies].isna().mean()) if applies.any() else np.nan
        rel = _icc(mine[~mine["rater_role"].astype(str).isin(exclude_roles)][["employee_id", "rater_id", "score"]])
        dim = rubric.dimension(ind.dimension)
        others = [i for i in dim.indicators if i != ind.id]
        if others:
            rest = detail[others].mean(axis=1)
            item_rest = float(values.corr(rest))
            c = corr.loc[ind.id, others]
            partner = str(c.idxmax()) if c.notna().any() else ""
            top = float(c.max()) if c.notna().any() else np.nan
        else:
            item_rest, partner, top = np.nan, "", np.nan
        rows.append({
            "indicator": ind.id, "label": ind.label.get(lang), "dimension": ind.dimension, "n_employees": n_emp,
            "n_ratings": int(len(mine)),
            "raters_per_employee": float(mine.groupby("employee_id")["rater_id"].nunique().mean()) if len(mine) else 0.0,
            "share_ceiling": ceiling, "share_floor": floor, "sd": sd, "sd_share": sd / span if span else np.nan,
            "missing_share": missing, "reliability": rel[0], "reliability_mean": rel[1], "item_rest": item_rest,
            "max_correlation": top, "redundant_with": partner,
            "nominal_weight": float(ws.indicators.get(ind.id, 0.0)),
            "effective_weight": float(eff["effective"].get(ind.id, np.nan)) if len(eff) else np.nan})
    table = pd.DataFrame(rows)
    flags, evidence = [], []
    for r in table.itertuples(index=False):
        f, ev = [], []
        if not np.isnan(r.reliability) and r.reliability < min_reliability:
            f.append("hard_to_measure")
            ev.append(t("review.hard_to_measure", lang, icc=r.reliability, k=r.reliability_mean, limit=min_reliability))
        if r.share_ceiling >= max_ceiling:
            f.append("saturated")
            ev.append(t("review.saturated", lang, share=r.share_ceiling))
        if r.share_floor >= max_ceiling:
            f.append("floor")
            ev.append(t("review.floor", lang, share=r.share_floor))
        if not np.isnan(r.max_correlation) and r.max_correlation >= max_correlation:
            f.append("redundant")
            ev.append(t("review.redundant", lang, other=r.redundant_with, r=r.max_correlation))
        if not np.isnan(r.missing_share) and r.missing_share >= max_missing:
            f.append("often_missing")
            ev.append(t("review.often_missing", lang, share=r.missing_share))
        flags.append(";".join(f))
        evidence.append(" ".join(ev))
    table["flags"] = flags
    table["evidence"] = evidence
    notes = []
    single = table.loc[table["reliability"].isna() & (table["n_ratings"] > 0), "indicator"].tolist()
    if single:
        notes.append(f"One rater per employee for {', '.join(single)}: no inter-rater reliability (measured, not "
                     "judged, or a design without a second rater).")
    params = {"rubric_id": rubric.id, "period": p, "weights": weights, "min_reliability": min_reliability,
              "max_ceiling": max_ceiling, "max_correlation": max_correlation,
              "max_missing": max_missing, "exclude_roles": list(exclude_roles)}
    return IndicatorReview(table[REVIEW_COLUMNS], corr.round(3), rubric.id, tuple(notes), params, ds.ratings)
