"""Rater severity on the ordinal scale: the many-facet Rasch model (employee, rater, indicator).

:func:`rasch_facets` measures every rater's severity, every indicator's difficulty and
every employee's performance on one logit scale, from ordinal ratings (the 1-5
BerAKHLAK values, or the three e-Kinerja levels). Unlike the additive model of
:func:`~workbench.objectivity.rater_effects`, it does not treat the step from 1 to 2 as
equal to the step from 2 to 3, and it reads a rating at the rarely used end of the
scale as the strong signal it is.

Examples
--------
Ratings drawn from the model itself, with known severities:

>>> from workbench.objectivity._simulate_rasch import simulate_rasch
>>> sim = simulate_rasch(300, "crossed", n_raters=30, seed=1)
>>> fit = rasch_facets(sim.ratings)
>>> fit.converged, fit.n_subsets
(True, 1)
>>> m = fit.to_frame().merge(sim.raters, on="rater_id", suffixes=("", "_true"))
>>> bool(m["severity"].corr(m["severity_true"]) > 0.9)
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from workbench.errors import DataContractError, ParameterError, check_option
from workbench.objectivity import _rasch_tables as rt
from workbench.objectivity._common import check_columns, check_level, to_pandas
from workbench.results import Provenance, frame_html, short_repr

__all__ = [
    "CATEGORY_COLUMNS",
    "EMPLOYEE_COLUMNS",
    "FACET_COLUMNS",
    "INDICATOR_COLUMNS",
    "MAX_CATEGORIES",
    "RATER_COLUMNS",
    "RaschFacets",
    "rasch_facets",
]

RATER_COLUMNS = rt.RATER_COLUMNS
"""The columns of :meth:`RaschFacets.to_frame` (one row per rater), in order."""
EMPLOYEE_COLUMNS = rt.EMPLOYEE_COLUMNS
"""The columns of :attr:`RaschFacets.employees`."""
INDICATOR_COLUMNS = rt.INDICATOR_COLUMNS
"""The columns of :attr:`RaschFacets.indicators`."""
CATEGORY_COLUMNS = rt.CATEGORY_COLUMNS
"""The columns of :attr:`RaschFacets.categories`."""
FACET_COLUMNS = rt.FACET_COLUMNS
"""The columns of :attr:`RaschFacets.facets` (separation and the fixed chi-square)."""
MAX_CATEGORIES = 15
"""More distinct score values than this is not an ordinal rating scale."""


@dataclass(frozen=True, eq=False)
class RaschFacets:
    """A fitted many-facet Rasch model: raters, employees, indicators and categories.

    ``to_frame()`` is the rater table (:data:`RATER_COLUMNS`); the other tables are the
    properties :attr:`employees`, :attr:`indicators`, :attr:`categories`,
    :attr:`facets` and :attr:`subsets` (each returns a copy). ``adjust(df)`` adds a
    rater-adjusted score to every rating, like :meth:`RaterEffects.adjust`.

    Attributes
    ----------
    model
        ``"rating_scale"`` or ``"partial_credit"``.
    n_ratings, n_used
        Scored ratings in the input, and ratings in the joint estimation.
    n_employees, n_raters, n_indicators
        Elements in the input (estimable or not).
    n_subsets
        Disconnected subsets of the employee-rater design (1 = fully linked).
    converged, iterations, max_change, log_likelihood
        The JMLE run (``max_change`` in logits at the last iteration; the
        log-likelihood includes the prior's penalty when ``shrink=True``).
    bias_factor
        The factor applied to every measure (1 = no correction).
    rater_sd
        With ``shrink=True`` the estimated spread (sd, logits) of the severities, the
        prior they are shrunk with; NaN otherwise.
    se_method
        ``"exact"`` or ``"blockwise"`` (see Notes of :func:`rasch_facets`).
    notes
        Plain-language remarks: raters left out and why, subsets, disordered categories.
    """

    model: str
    n_ratings: int
    n_used: int
    n_employees: int
    n_raters: int
    n_indicators: int
    n_subsets: int
    converged: bool
    iterations: int
    max_change: float
    log_likelihood: float
    bias_factor: float
    rater_sd: float
    se_method: str
    notes: tuple[str, ...] = ()
    names: tuple[str, str, str, str] = field(
        default=("employee_id", "rater_id", "indicator", "score"), repr=False)
    parameters: dict[str, Any] = field(default_factory=dict, repr=False)
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    _scale: dict[str, Any] = field(default_factory=dict, repr=False)
    _data: Any = field(default=None, repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per rater, columns :data:`RATER_COLUMNS` (a copy)."""
        return self._tables["raters"].copy()

    @property
    def employees(self) -> pd.DataFrame:
        """One row per employee, columns :data:`EMPLOYEE_COLUMNS` (a copy)."""
        return self._tables["employees"].copy()

    @property
    def indicators(self) -> pd.DataFrame:
        """One row per indicator, columns :data:`INDICATOR_COLUMNS` (a copy)."""
        return self._tables["indicators"].copy()

    @property
    def categories(self) -> pd.DataFrame:
        """One row per category (and indicator, for partial credit): :data:`CATEGORY_COLUMNS`."""
        return self._tables["categories"].copy()

    @property
    def facets(self) -> pd.DataFrame:
        """Separation, strata, reliability and fixed chi-square per facet: :data:`FACET_COLUMNS`."""
        return self._tables["facets"].copy()

    @property
    def subsets(self) -> pd.DataFrame:
        """``subset, n_raters, n_employees, n_ratings`` per disconnected subset (0 = largest)."""
        return self._tables["subsets"].copy()

    @property
    def flagged(self) -> pd.DataFrame:
        """Raters flagged as lenient or severe (FDR-controlled), most extreme first."""
        t = self._tables["raters"]
        t = t[t["flag"]]
        return t.reindex(t["z"].abs().sort_values(ascending=False).index)

    def adjust(self, df: Any, subject: str | None = None, rater: str | None = None,
               item: str | None = None, score: str | None = None) -> Any:
        """Return ``df`` with an ``adjusted_score`` column: the rater's severity taken out.

        ``adjusted_score = score - (E[x | theta_n, rater j, item i] - E[x | theta_n,
        average rater, item i])``: the rater's effect in score points *at that employee's
        level* on that indicator (the Rasch counterpart of
        :meth:`RaterEffects.adjust`, whose shift is the same for everyone). Ratings by a
        rater without an estimate, of an employee or indicator not in the fit, keep
        their score. Adjusted scores are continuous and may leave the scale's range.
        """
        subject = subject or self.names[0]
        rater = rater or self.names[1]
        item = item or self.names[2]
        score = score or self.names[3]
        check_columns(df, {"subject": subject, "rater": rater, "item": item, "score": score},
                      "RaschFacets.adjust")
        s = self._scale
        theta = df[subject].astype(str).map(s["theta"])
        alpha = df[rater].astype(str).map(s["alpha"])
        code = df[item].astype(str).map(s["item_code"])
        ok = theta.notna() & alpha.notna() & code.notna()
        shift = pd.Series(0.0, index=df.index)
        if ok.any():
            t = theta[ok].to_numpy(float)
            a = alpha[ok].to_numpy(float)
            i = code[ok].to_numpy(int)
            d = s["delta"][i]
            g = s["group_of_item"][i]
            with_rater = rt.expected_value(t - a - d, g, s["cum"], s["cat_values"])
            average = rt.expected_value(t - d, g, s["cum"], s["cat_values"])
            shift[ok] = with_rater - average
        return df.assign(adjusted_score=df[score] - shift)

    @property
    def provenance(self) -> Provenance:
        """Where the result came from (see :class:`workbench.results.Provenance`)."""
        if "provenance" not in self._cache:
            self._cache["provenance"] = Provenance.build(self._data, parameters=self.parameters)
        return self._cache["provenance"]

    def __repr__(self) -> str:
        return short_repr(self)

    def _repr_html_(self) -> str:
        t = self._tables["raters"]
        head = (f"<p>{self.model.replace('_', ' ')} model, {self.n_used} of {self.n_ratings} "
                f"ratings; {int(t['estimable'].sum())} of {self.n_raters} raters estimable, "
                f"{int(t['flag'].sum())} flagged</p>")
        notes = "".join(f"<p>{n}</p>" for n in self.notes)
        return (frame_html("Rater severity (logits, + = more severe)", self.flagged) + head
                + frame_html("Facets", self._tables["facets"]) + notes)


def _codes(series: pd.Series) -> tuple[np.ndarray, pd.Index]:
    codes, labels = pd.factorize(series.astype(str), sort=True)
    return np.asarray(codes, dtype=np.int64), pd.Index(labels)


def rasch_facets(
    df: Any,
    subject: str = "employee_id",
    rater: str = "rater_id",
    item: str = "indicator",
    score: str = "score",
    model: Literal["rating_scale", "partial_credit"] = "rating_scale",
    *,
    bias_correction: bool = True,
    shrink: bool = False,
    alpha: float = 0.05,
    confidence: float = 0.95,
    fit_limits: tuple[float, float] = (0.5, 1.5),
    tol: float = 1e-6,
    max_iter: int = 200,
) -> RaschFacets:
    """Fit the many-facet Rasch model (employee, rater, indicator) to ordinal ratings.

    Parameters
    ----------
    df
        Long table, one row per rating (pandas or Dask; the four columns used are
        brought into memory). Use **one** ordinal scale per call under the
        rating-scale model (e.g. the BerAKHLAK values, 1-5); rows with a missing
        score are left out.
    subject, rater, item, score
        Column names of the employee, the rater, the indicator and the score.
    model
        ``"rating_scale"`` (Andrich: one set of thresholds for all indicators) or
        ``"partial_credit"`` (Masters: thresholds per indicator, for indicators on
        different scales or used differently).
    bias_correction
        Multiply every measure by ``prod (L_f - 1) / L_f`` over the facets (``L_f`` the
        mean number of ratings per element), the Wright-Douglas correction of the JMLE
        bias (see Notes).
    shrink
        ``False`` (default): severities are fixed effects, as in FACETS. ``True``: they
        are random, from a normal distribution whose variance is estimated from the
        fixed-effects fit (its ``adj_sd``), and reported as empirical-Bayes (shrunk)
        values with their posterior standard errors, the Rasch counterpart of the
        additive model's BLUP. Use it for fair averages and :meth:`~RaschFacets.adjust`
        when raters have few ratees (see Notes).
    alpha
        False discovery rate of ``flag`` (severity different from the average rater).
    confidence
        Coverage of ``ci_low, ci_high`` (``level`` means the level of measurement
        elsewhere in the workbench, so intervals are always ``confidence=``).
    fit_limits
        Mean squares below the first value are ``"muted"``, above the second
        ``"noisy"`` (in the ``fit`` column, when their z is also beyond 2 in size).
    tol, max_iter
        Convergence: largest change of any estimate, in logits; iteration limit.

    Returns
    -------
    RaschFacets
        ``.to_frame()``: one row per rater: ``severity`` (logits; + = more severe,
        i.e. lower scores; centred within each subset), ``se``, ``ci_low``,
        ``ci_high``; ``leniency_points`` (+ = more generous, in score points for an
        average employee on the average indicator, comparable with the additive
        ``leniency``); ``fair_average`` (that employee's expected score from this
        rater); ``observed_average`` and ``expected_average`` (over the ratings in the
        estimation); ``n_ratings``, ``n_ratees``; ``infit``, ``infit_z``, ``outfit``,
        ``outfit_z``; ``fit`` (``"muted"``, ``"noisy"`` or ``""``); ``flag``,
        ``direction``, ``z``, ``pval``, ``qval``; ``estimable`` and ``reason`` (why
        not: ``single ratee``, ``extreme scores only``, ``unlinked``, ``no usable
        ratings``); ``subset`` (-1: not estimable). ``.employees`` (``measure``,
        ``se``, ``fair_average`` ...), ``.indicators``, ``.categories``, ``.facets``,
        ``.subsets``: see :class:`RaschFacets`.

    Notes
    -----
    **Model.** For employee ``n`` rated by rater ``j`` on indicator ``i``::

        log P(x = k) / P(x = k - 1) = theta_n - severity_j - difficulty_i - tau_k

    with the Rasch-Andrich thresholds ``tau_k`` shared by all indicators (rating scale)
    or per indicator (``tau_ik``, partial credit). Categories are the distinct score
    values observed, in order. Identification: severities are centred within each
    subset and difficulties over the indicators (and the thresholds of each set sum to
    0), so employee measures carry the location.

    **Estimation: JMLE, and why.** Joint maximum likelihood treats every employee as a
    fixed parameter, as FACETS (Linacre) does and as the additive model treats
    employees: a severe rater who happens to rate weak employees is not mistaken for a
    good judge, and no distribution of performance is assumed (marginal ML would assume
    a normal one, which forced-distribution appraisal data are not). It works on any
    sparse design, yields the residuals that the standard infit/outfit statistics are
    defined on, and with a joint Newton step (employees absorbed, then one sparse
    solve for raters and indicators) fits 200,000 ratings in seconds; conditional ML
    would need the elementary symmetric functions of each employee's own mix of raters
    and indicators. JMLE's known weakness is a statistical bias that stretches the
    whole logit scale by about ``L / (L - 1)`` per facet with ``L`` ratings per
    element (Andersen's inconsistency). The default correction multiplies every
    measure by ``prod_f (L_f - 1) / L_f``, the Wright-Douglas factor applied to each
    facet (``bias_factor``). In simulations from the model (an atasan and a peer per
    employee, 14 ratings each) the uncorrected scale was stretched by 14 %, the
    corrected one by 0-5 %, and on a seeded test set the corrected severities agree
    with conditional ML (R's eRm) within 0.01 logits. Standard errors are not rescaled:
    the information understates the spread of the uncorrected estimates by about the
    same factor, and intervals kept their 95 % coverage in the simulations. The fit
    statistics and everything on the score scale (``fair_average``,
    ``expected_average``, ``leniency_points``, :meth:`~RaschFacets.adjust`) use the
    maximum-likelihood estimates, at which the expected scores reproduce the observed
    ones.

    **Fixed or shrunk severities (``shrink``).** Fixed effects are what FACETS reports
    and what the oracles in the tests compute; they are unbiased but noisy for a rater
    with few ratees. Fair averages and adjusted scores built on them carry that noise
    into every ratee's score: in simulations of the e-Kinerja design (an atasan with four
    employees, one peer per employee) the fixed-effects fair averages ranked employees
    *worse* than their raw averages (Spearman 0.88-0.89 against the truth vs 0.89-0.90),
    the shrunk ones better (0.92-0.93), and on the sample likewise (0.83 and 0.94 vs
    0.93 raw). So: ``shrink=False`` to describe and compare raters, ``shrink=True``
    for fair averages or adjusted scores that feed scoring. With ``shrink=True`` the
    flag's test divides the shrunk severity by its sd under "severity = 0",
    ``sqrt(PEV (1 - PEV / rater_sd^2))``, as the additive model does.

    **Severity in score points.** A logit is not a score point. The expected score
    falls by ``Var(x)`` points per logit of severity, which depends on where the
    employee sits on the scale: on a 1-5 scale with well-spread thresholds about 0.7-1
    point per logit near the middle, much less near the ends; on the e-Kinerja scale,
    where almost everyone is *Sesuai* (thresholds far apart), often only 0.1-0.3 point
    per logit. ``leniency_points`` gives the effect for an average employee;
    :meth:`~RaschFacets.adjust` for each rating.

    **Fit: halo, central tendency, randomness.** Mean squares have expectation 1 for
    data that fit. ``infit`` weighs ratings of well-targeted employees, ``outfit`` is
    sensitive to single unexpected ratings. Above 1 (*noisy*, e.g. > 1.5): more
    variation than the model predicts, i.e. erratic or random rating, inconsistent use
    of the scale or a rater who judges something else. Below 1 (*muted*, e.g. < 0.5):
    ratings too predictable: **halo** (the same score on every indicator of an
    employee), **central tendency** (the middle categories overused, so ratings vary
    less with the employee than the model expects), or rating by a fixed rule. A
    muted fit does not say which: compare with
    :func:`~workbench.objectivity.halo` and :func:`~workbench.objectivity.spread`.
    The ``_z`` columns (Wilson-Hilferty) test fit; with few ratings (e.g. 4 employees x
    7 values) only large misfit is significant, with thousands almost any is. Wright &
    Linacre's productive range is 0.5-1.5 (``fit_limits``).

    **Not estimable.** A rater with a single ratee (severity confounded with that one
    relationship), with only extreme scores (all lowest or all highest: severity
    infinite), who shares no ratee with another rater (*unlinked*), or whose ratings are
    all above (or all below) the other raters' of the same employees wherever they
    differ (*no finite estimate*: the joint MLE does not exist, Fischer 1981) gets NaN
    and the reason, and their ratings leave the joint estimation. Data ordered so
    perfectly that the thresholds themselves run off to infinity (typically one rating
    per employee and rater) raise :class:`~workbench.errors.DataContractError`. Employees with extreme scores
    are measured afterwards with their raw score moved 0.3 points inward (as FACETS
    does), column ``extreme``; employees rated only by non-estimable raters are
    measured as if those raters were average (``rater_adjusted`` False).

    **Subsets.** Raters and employees that share no ratings with the rest form a
    separate subset: their measures are comparable only under the assumption that the
    average rater of each subset is equally severe (as in the additive model).

    **Standard errors** come from the joint information of employees, raters and
    indicators (employees absorbed), so they include the uncertainty of the ratees'
    measures; FACETS' "model S.E." leaves it out and is too small on sparse designs.
    Exact up to 6,000 raters plus indicators in one subset (a dense inverse); above,
    computed in blocks of 2,000 raters with their neighbours, a few per cent too small
    (``se_method``).
    Separation uses these standard errors: ``adj_sd = sqrt(sd^2 - rmse^2)``,
    separation ``G = adj_sd / rmse``, strata ``(4G + 1) / 3``, reliability
    ``adj_sd^2 / sd^2``; the fixed chi-square tests "all elements are equally severe".

    References
    ----------
    Linacre, J. M. (1989). *Many-facet Rasch measurement*. Chicago: MESA Press.
    Andrich, D. (1978). A rating formulation for ordered response categories.
    *Psychometrika*, 43(4), 561-573.
    Masters, G. N. (1982). A Rasch model for partial credit scoring. *Psychometrika*,
    47(2), 149-174.
    Wright, B. D., & Douglas, G. A. (1977). Best procedures for sample-free item
    analysis. *Applied Psychological Measurement*, 1(2), 281-295.
    Wright, B. D., & Masters, G. N. (1982). *Rating scale analysis*. Chicago: MESA Press.
    Wright, B. D., & Linacre, J. M. (1994). Reasonable mean-square fit values. *Rasch
    Measurement Transactions*, 8(3), 370.
    Myford, C. M., & Wolfe, E. W. (2004). Detecting and measuring rater effects using
    many-facet Rasch measurement: Part II. *Journal of Applied Measurement*, 5(2),
    189-227.
    Fischer, G. H. (1981). On the existence and uniqueness of maximum-likelihood
    estimates in the Rasch model. *Psychometrika*, 46(1), 59-77.
    Eckes, T. (2015). *Introduction to many-facet Rasch measurement* (2nd ed.).
    Frankfurt: Peter Lang.

    Examples
    --------
    >>> import workbench as wb
    >>> r = wb.read_sample("kota_contoh").ratings
    >>> values = r[(r["period"] == "2025") & r["indicator"].isin(wb.data.synth.BERAKHLAK)
    ...            & (r["rater_role"] != "diri")]
    >>> fit = rasch_facets(values)
    >>> t = fit.to_frame()
    >>> t["reason"].value_counts().to_dict()
    {'': 1183, 'single ratee': 15, 'extreme scores only': 2, 'no finite estimate': 1}
    >>> bool(t.loc[~t["estimable"], "severity"].isna().all())
    True
    >>> rel = fit.facets.set_index("facet")["reliability"]
    >>> bool(rel["employee"] > 0.7)
    True

    For scoring, shrink the severities and take the fair averages:

    >>> fair = rasch_facets(values, shrink=True).employees[["employee_id", "fair_average"]]
    >>> bool(fair["fair_average"].between(1, 5).all())
    True
    """
    check_option("model", model, ["rating_scale", "partial_credit"])
    check_level(alpha, "alpha")
    check_level(confidence, "confidence")
    lo, hi = (float(v) for v in fit_limits)
    if not 0 < lo < 1 < hi:
        raise ParameterError(f"`fit_limits` must be (low, high) with 0 < low < 1 < high; got {fit_limits!r}.")
    if not tol > 0 or int(max_iter) < 1:
        raise ParameterError(f"`tol` must be > 0 and `max_iter` >= 1; got {tol!r}, {max_iter!r}.")
    cols = {"subject": subject, "rater": rater, "item": item, "score": score}
    check_columns(df, cols, "rasch_facets")
    part = to_pandas(df[[subject, rater, item, score]])
    n_missing = int(part[score].isna().sum())
    part = part[part[score].notna()]
    bad_id = part[[subject, rater, item]].isna().any(axis=1)
    if bad_id.any():
        raise DataContractError(
            f"`rasch_facets`: {int(bad_id.sum())} scored row(s) have no {subject!r}, {rater!r} "
            f"or {item!r} (first at index {part.index[bad_id.to_numpy()][0]!r}); drop or fill "
            "them first.")
    try:
        value = pd.to_numeric(part[score]).to_numpy(np.float64)
    except (TypeError, ValueError) as exc:
        raise DataContractError(
            f"`rasch_facets`: column {score!r} must hold numbers (the ordinal scale's values, "
            f"e.g. 1-5 or the e-Kinerja levels 1-3); convert it first.") from exc
    levels = np.unique(value)
    if levels.size > MAX_CATEGORIES:
        raise DataContractError(
            f"`rasch_facets`: column {score!r} has {levels.size} distinct values; the Rasch "
            f"model needs an ordinal rating scale (at most {MAX_CATEGORIES} categories). "
            "Select the indicators of one rating scale, e.g. the BerAKHLAK values.")
    if levels.size < 2:
        raise DataContractError(
            f"`rasch_facets`: every score is {levels[0] if levels.size else 'missing'}; "
            "with a single category nothing can be measured.")
    e, e_lab = _codes(part[subject])
    r, r_lab = _codes(part[rater])
    i, i_lab = _codes(part[item])
    goi = np.arange(i_lab.size) if model == "partial_credit" else np.zeros(i_lab.size, dtype=np.int64)
    est = rt.estimate(e, r, i, value, goi, e_lab.size, r_lab.size, i_lab.size,
                      bias_correction=bias_correction, shrink=bool(shrink), tol=float(tol),
                      max_iter=int(max_iter))
    crit = float(stats.norm.ppf(0.5 + confidence / 2))
    tables, scale, notes = rt.tables(est, e, r, i, value, goi, e_lab, r_lab, i_lab,
                                     crit=crit, alpha=alpha, fit_limits=(lo, hi),
                                     model=model)
    if n_missing:
        notes.insert(0, f"{n_missing} row(s) without a score were left out.")
    return RaschFacets(
        model=model, n_ratings=int(value.size), n_used=int(est.prep.keep.sum()),
        n_employees=int(e_lab.size), n_raters=int(r_lab.size), n_indicators=int(i_lab.size),
        n_subsets=est.prep.n_subsets, converged=est.core.converged,
        iterations=est.core.iterations, max_change=float(est.core.max_change),
        log_likelihood=float(est.core.log_lik), bias_factor=float(est.bias_factor),
        rater_sd=float(est.prior_sd),
        se_method=est.se_method, notes=tuple(notes), names=(subject, rater, item, score),
        parameters={"subject": subject, "rater": rater, "item": item, "score": score,
                    "model": model, "bias_correction": bias_correction, "shrink": shrink,
                    "alpha": alpha,
                    "confidence": confidence, "fit_limits": (lo, hi), "tol": tol, "max_iter": max_iter},
        _tables=tables, _scale=scale, _data=df,
    )
