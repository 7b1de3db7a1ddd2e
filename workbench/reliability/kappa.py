"""Chance-corrected agreement on category scales: Cohen's, Fleiss' kappa, Gwet's AC1/AC2."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from workbench._deprecation import renamed, warn
from workbench.errors import DataContractError, check_fraction, check_option
from workbench.reliability._long import Cells, cells, require_min
from workbench.reliability._result import Estimate, normal_ci

__all__ = ["CohenKappa", "FleissKappa", "GwetAC", "cohen_kappa", "fleiss_kappa", "gwet_ac"]

Weights = Literal["linear", "quadratic"] | None
WEIGHTS = (None, "linear", "quadratic")
_MAX_CELLS = 50_000_000


@dataclass(frozen=True, eq=False, repr=False)
class CohenKappa(Estimate):
    """Cohen's kappa; see :func:`cohen_kappa`. Extra: ``weighting``, ``p_observed``,
    ``p_expected``, ``se0`` (SE under no agreement beyond chance), ``table``
    (the agreement table, rater 1 in rows)."""

    weighting: str | None = None
    p_observed: float = math.nan
    p_expected: float = math.nan
    se0: float = math.nan
    table: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)


@dataclass(frozen=True, eq=False, repr=False)
class FleissKappa(Estimate):
    """Fleiss' kappa; see :func:`fleiss_kappa`. Extra: ``per_category`` (columns
    ``category, proportion, kappa, se, z, pval``), ``p_observed``, ``p_expected``."""

    p_observed: float = math.nan
    p_expected: float = math.nan
    per_category: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)


@dataclass(frozen=True, eq=False, repr=False)
class GwetAC(Estimate):
    """Gwet's AC1 (unweighted) or AC2 (weighted); see :func:`gwet_ac`.
    Extra: ``weighting``, ``p_observed``, ``p_expected``."""

    weighting: str | None = None
    p_observed: float = math.nan
    p_expected: float = math.nan


def _categories(c: Cells, func: str) -> tuple[np.ndarray, np.ndarray]:
    vals, code = np.unique(c.total, return_inverse=True)
    if c.n_subjects * vals.size > _MAX_CELLS:
        raise DataContractError(
            f"`{func}` is for category scales; column {c.names[2]!r} has {vals.size} distinct "
            f"values. Use icc or krippendorff_alpha(level='interval') for continuous scores."
        )
    return vals, code


def _counts(c: Cells, code: np.ndarray, q: int) -> np.ndarray:
    """Subjects x categories: how many raters put subject i in category k."""
    r = np.zeros((c.n_subjects, q))
    np.add.at(r, (c.subject, code), 1.0)
    return r


def _weight_matrix(vals: np.ndarray, weighting: str | None) -> np.ndarray:
    """Agreement weights between category *values* (1 on the diagonal)."""
    if weighting is None or vals.size < 2:
        return np.eye(vals.size)
    span = vals[-1] - vals[0]
    d = np.abs(vals[:, None] - vals[None, :]) / span
    return 1 - d if weighting == "linear" else 1 - d * d


def _weighting(func: str, weighting: Weights, weights: Any) -> Weights:
    """``weighting``, or the deprecated ``weights=`` (which now always names a weight set)."""
    if weights is None:
        return weighting
    return renamed(func, "weights", "weighting", weights, weighting, default=None)


def _weights_property(self: Any) -> str | None:
    warn("`.weights` of a kappa result is deprecated; use `.weighting`.", stacklevel=3)
    return self.weighting


def _params(subject: str, rater: str, score: str, **kw: Any) -> dict[str, Any]:
    return {"subject": subject, "rater": rater, "score": score, **kw}


def cohen_kappa(
    df: Any,
    subject: str = "employee_id",
    rater: str = "rater_id",
    score: str = "score",
    weighting: Weights = None,
    *,
    confidence: float = 0.95,
    weights: Weights = None,
) -> CohenKappa:
    """Cohen's kappa for exactly two raters, unweighted or weighted.

    Parameters
    ----------
    df
        Long table (pandas or Dask), one row per rating, exactly two raters.
    subject, rater, score
        Column names (default: the data contract).
    weighting
        ``None`` (exact agreement), ``"linear"`` or ``"quadratic"``: partial credit
        ``1 - |x - y| / (max - min)`` (squared for quadratic) between category values.
        (``weights=`` is its deprecated name: ``weights`` always names a weight set.)
    confidence
        Level of the Wald interval.

    Returns
    -------
    CohenKappa
        ``to_frame()`` columns ``coefficient, estimate, se, ci_low, ci_high, pval,
        n_subjects, n_raters, method``.

    Notes
    -----
    kappa = (p_o - p_e) / (1 - p_e) with weighted observed and chance agreement. The
    SE is the large-sample SE of Fleiss, Cohen & Everitt (1969), used for the CI; the
    p-value tests kappa = 0 with their SE under the null (``se0``). Only subjects rated
    by both raters enter (the count left out is in ``notes``). Quadratic-weighted kappa
    is close to ICC(3,1); use it for ordered scales, unweighted kappa for categories.

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales. EPM 20, 37-46.
    Fleiss, J. L., Cohen, J., & Everitt, B. S. (1969). Large sample standard errors of
    kappa and weighted kappa. Psychological Bulletin, 72(5), 323-327.

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench.reliability import cohen_kappa
    >>> d = pd.DataFrame({"employee_id": [1, 1, 2, 2, 3, 3, 4, 4],
    ...                   "rater_id": list("ABABABAB"), "score": [1, 1, 2, 2, 3, 3, 1, 2]})
    >>> round(float(cohen_kappa(d)), 3)
    0.636
    """
    weighting = _weighting("cohen_kappa", weighting, weights)
    check_fraction("confidence", confidence)
    check_option("weighting", weighting, WEIGHTS)
    c = cells(df, subject, rater, score, "cohen_kappa")
    c.require_single("cohen_kappa")
    if c.n_raters != 2:
        raise DataContractError(
            f"`cohen_kappa` needs exactly two raters; column {rater!r} has {c.n_raters} "
            f"({', '.join(map(str, c.rater_labels[:5]))}{'...' if c.n_raters > 5 else ''}). "
            "Filter df to two raters, or use fleiss_kappa / gwet_ac / krippendorff_alpha."
        )
    both = np.bincount(c.subject, minlength=c.n_subjects)[c.subject] == 2
    notes = []
    n_left = c.n_subjects - int(both.sum()) // 2
    if n_left:
        notes.append(f"{n_left} {subject}(s) rated by only one rater are left out.")
    vals, code = _categories(c, "cohen_kappa")
    code, sub, rat = code[both], c.subject[both], c.rater[both]
    n = sub.size // 2
    require_min(n, 2, f"subjects rated by both raters ({subject})", "cohen_kappa",
                "Both raters must rate the same subjects.")
    q = vals.size
    first = np.full(c.n_subjects, -1)
    second = np.full(c.n_subjects, -1)
    first[sub[rat == 0]] = code[rat == 0]
    second[sub[rat == 1]] = code[rat == 1]
    keep = first >= 0
    table = np.bincount(first[keep] * q + second[keep], minlength=q * q).reshape(q, q)
    p = table / n
    w = _weight_matrix(vals, weighting)
    row, col = p.sum(1), p.sum(0)
    p_o = float((w * p).sum())
    p_e = float((w * np.outer(row, col)).sum())
    if p_e >= 1:
        kappa = se = se0 = math.nan
        notes.append("Both raters used a single category: kappa is undefined.")
    else:
        kappa = (p_o - p_e) / (1 - p_e)
        w_row = w @ col  # mean weight of row category i against the column marginal
        w_col = row @ w
        fac = 1.0 / (n * (1 - p_e) ** 2)
        var = (p * (w - (w_row[:, None] + w_col[None, :]) * (1 - kappa)) ** 2).sum()
        var = (var - (kappa - p_e * (1 - kappa)) ** 2) * fac
        var0 = (np.outer(row, col) * (w - (w_row[:, None] + w_col[None, :])) ** 2).sum()
        var0 = (var0 - p_e**2) * fac
        se, se0 = math.sqrt(max(var, 0.0)), math.sqrt(max(var0, 0.0))
    lo, hi = normal_ci(kappa, se, confidence)
    pval = float(2 * stats.norm.sf(abs(kappa / se0))) if se0 and np.isfinite(se0) else math.nan
    name = "cohen_kappa" if weighting is None else f"cohen_kappa ({weighting})"
    labels = pd.Index(vals, name=score)
    return CohenKappa(
        coefficient=name,
        estimate=kappa,
        se=se,
        ci_low=lo,
        ci_high=hi,
        pval=pval,
        n_subjects=n,
        n_raters=2,
        method="fleiss-cohen-everitt-1969",
        notes=tuple(notes),
        parameters=_params(subject, rater, score, weighting=weighting, confidence=confidence),
        _data=df,
        weighting=weighting,
        p_observed=p_o,
        p_expected=p_e,
        se0=se0,
        table=pd.DataFrame(table, index=labels, columns=labels.copy()),
    )


def fleiss_kappa(
    df: Any,
    subject: str = "employee_id",
    rater: str = "rater_id",
    score: str = "score",
    *,
    confidence: float = 0.95,
) -> FleissKappa:
    """Fleiss' kappa for any number of raters, with a kappa per category.

    Parameters
    ----------
    df
        Long table (pandas or Dask), one row per rating; raters need not be the same
        people for every subject.
    subject, rater, score
        Column names (default: the data contract).
    confidence
        Level of the Wald interval.

    Returns
    -------
    FleissKappa
        ``to_frame()`` columns ``coefficient, estimate, se, ci_low, ci_high, pval,
        n_subjects, n_raters, method``; ``per_category``: ``category, proportion,
        kappa, se, z, pval``.

    Notes
    -----
    kappa = (P - P_e) / (1 - P_e), P the mean over subjects of the share of agreeing
    rater pairs, P_e = sum_k p_k^2 (Fleiss 1971). Subjects with fewer than two ratings
    are left out; with unequal numbers of ratings m_i each subject's agreement uses
    its own m_i (with equal m_i this is exactly Fleiss' formula). The per-category
    kappa is kappa_k = 1 - sum_i x_ik (m_i - x_ik) / (m_i (m_i - 1)) / (n p_k q_k).
    The SEs are those of Fleiss, Nee & Landis (1979) under the hypothesis of no
    agreement beyond chance, with m the mean number of ratings per subject; they give
    the z tests and a Wald interval (an approximation away from kappa = 0).

    References
    ----------
    Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
    Psychological Bulletin, 76(5), 378-382.
    Fleiss, J. L., Nee, J. C. M., & Landis, J. R. (1979). Large sample variance of kappa
    in the case of different sets of raters. Psychological Bulletin, 86(5), 974-977.

    Examples
    --------
    >>> import workbench as wb
    >>> r = wb.read_sample("kota_contoh").ratings
    >>> one = r[(r["period"] == "2025") & (r["indicator"] == "kolaboratif") & (r["rater_role"] != "diri")]
    >>> # raters as positions (atasan, first peer, second peer), so that every employee has the same three
    >>> one = one.assign(rater_id=one["rater_role"].astype(str)
    ...                  + one.groupby(["employee_id", "rater_role"], observed=True).cumcount().astype(str))
    >>> round(float(wb.reliability.fleiss_kappa(one)), 3)
    0.225
    """
    check_fraction("confidence", confidence)
    c = cells(df, subject, rater, score, "fleiss_kappa")
    c.require_single("fleiss_kappa")
    vals, code = _categories(c, "fleiss_kappa")
    r = _counts(c, code, vals.size)
    m = r.sum(1)
    notes = []
    if np.any(m < 2):
        notes.append(f"{int(np.sum(m < 2))} {subject}(s) with fewer than two ratings are left out.")
    r, m = r[m >= 2], m[m >= 2]
    n = r.shape[0]
    require_min(n, 2, f"subjects with two or more ratings ({subject})", "fleiss_kappa",
                f"Each {subject} needs ratings from at least two {rater}s.")
    p_k = r.sum(0) / m.sum()
    q_k = 1 - p_k
    p_i = ((r * r).sum(1) - m) / (m * (m - 1))
    p_bar = float(p_i.mean())
    p_e = float(p_k @ p_k)
    mbar = float(m.mean())
    pq = p_k * q_k
    spq = float(pq.sum())
    if spq <= 0:  # every rating in one category: chance agreement is 1, kappa undefined
        notes.append("Every rating is in a single category: there is no variation, kappa is "
                     "undefined (percent agreement is 1).")
        kappa = se = math.nan
        k_cat = np.full(vals.size, np.nan)
        se_cat = math.nan
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            kappa = (p_bar - p_e) / (1 - p_e)
            var0 = 2.0 / (n * mbar * (mbar - 1)) * (spq**2 - float(pq @ (q_k - p_k))) / spq**2
            se = math.sqrt(var0) if var0 > 0 else math.nan
            k_cat = 1 - (r * (m[:, None] - r) / (m * (m - 1))[:, None]).sum(0) / (n * pq)
            se_cat = math.sqrt(2.0 / (n * mbar * (mbar - 1)))
    lo, hi = normal_ci(kappa, se, confidence)
    z = kappa / se if np.isfinite(se) else math.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        z_cat = k_cat / se_cat
    per_category = pd.DataFrame(
        {
            "category": vals,
            "proportion": p_k,
            "kappa": k_cat,
            "se": se_cat,
            "z": z_cat,
            "pval": 2 * stats.norm.sf(np.abs(z_cat)),
        }
    )
    return FleissKappa(
        coefficient="fleiss_kappa",
        estimate=kappa,
        se=se,
        ci_low=lo,
        ci_high=hi,
        pval=float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else math.nan,
        n_subjects=n,
        n_raters=c.n_raters,
        method="fleiss-1971; se fleiss-nee-landis-1979",
        notes=tuple(notes),
        parameters=_params(subject, rater, score, confidence=confidence),
        _data=df,
        p_observed=p_bar,
        p_expected=p_e,
        per_category=per_category,
    )


def gwet_ac(
    df: Any,
    subject: str = "employee_id",
    rater: str = "rater_id",
    score: str = "score",
    weighting: Weights = None,
    *,
    confidence: float = 0.95,
    weights: Weights = None,
) -> GwetAC:
    """Gwet's AC1 (``weighting=None``) or AC2 (weighted) for any number of raters.

    Parameters
    ----------
    df
        Long table (pandas or Dask), one row per rating; any pattern of missing ratings.
    subject, rater, score
        Column names (default: the data contract).
    weighting
        ``None`` (AC1), ``"linear"`` or ``"quadratic"`` (AC2), on the category values
        (``weights=`` is its deprecated name).
    confidence
        Level of the interval (t quantile with n - 1 df, clipped to [-1, 1]).

    Returns
    -------
    GwetAC
        ``to_frame()`` columns ``coefficient, estimate, se, ci_low, ci_high, pval,
        n_subjects, n_raters, method``.

    Notes
    -----
    AC = (p_a - p_e) / (1 - p_e), p_a the mean over subjects with two or more ratings
    of sum_k r_ik (r*_ik - 1) / (r_i (r_i - 1)) (r*_ik the weighted counts), and
    p_e = T_w / (q (q - 1)) sum_k pi_k (1 - pi_k), T_w the sum of the weights. Unlike
    kappa, AC1 stays stable when nearly all scores fall in one category (the "kappa
    paradox", common when most ASN are rated "Baik"). The SE is Gwet's linearisation
    over subjects (2008; 2014, ch. 5), without finite-population correction.

    References
    ----------
    Gwet, K. L. (2008). Computing inter-rater reliability and its variance in the
    presence of high agreement. BJMSP, 61(1), 29-48.
    Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.). Advanced Analytics.

    Examples
    --------
    >>> import workbench as wb
    >>> r = wb.read_sample("kota_contoh").ratings
    >>> one = r[(r["period"] == "2025") & (r["indicator"] == "kolaboratif") & (r["rater_role"] != "diri")]
    >>> # raters as positions (atasan, first peer, second peer), so that every employee has the same three
    >>> one = one.assign(rater_id=one["rater_role"].astype(str)
    ...                  + one.groupby(["employee_id", "rater_role"], observed=True).cumcount().astype(str))
    >>> round(float(wb.reliability.gwet_ac(one)), 3)
    0.294
    """
    weighting = _weighting("gwet_ac", weighting, weights)
    check_fraction("confidence", confidence)
    check_option("weighting", weighting, WEIGHTS)
    c = cells(df, subject, rater, score, "gwet_ac")
    c.require_single("gwet_ac")
    vals, code = _categories(c, "gwet_ac")
    q = vals.size
    r = _counts(c, code, q)
    r_i = r.sum(1)
    n = r.shape[0]
    two = r_i >= 2
    n2 = int(two.sum())
    require_min(n2, 2, f"subjects with two or more ratings ({subject})", "gwet_ac",
                f"Each {subject} needs ratings from at least two {rater}s.")
    name = "gwet_ac1" if weighting is None else f"gwet_ac2 ({weighting})"
    w = _weight_matrix(vals, weighting)
    notes: list[str] = []
    if q < 2:
        notes.append("All ratings fall in one category: AC is undefined.")
        est = se = lo = hi = pval = p_a = p_e = math.nan
    else:
        rstar = r @ w
        den = np.where(two, r_i * (r_i - 1), 1.0)
        pa_i = np.where(two, (r * (rstar - 1)).sum(1) / den, 0.0)
        p_a = float(pa_i[two].sum() / n2)
        pi_k = (r / r_i[:, None]).mean(0)
        t_w = float(w.sum()) / (q * (q - 1))
        p_e = t_w * float(pi_k @ (1 - pi_k))
        est = (p_a - p_e) / (1 - p_e)
        ac_i = np.where(two, (n / n2) * (pa_i - p_e) / (1 - p_e), 0.0)
        pe_i = t_w * (r @ (1 - pi_k)) / r_i
        ac_x = ac_i - 2 * (1 - est) * (pe_i - p_e) / (1 - p_e)
        se = math.sqrt(float(np.sum((ac_x - est) ** 2)) / (n * (n - 1)))
        lo, hi = normal_ci(est, se, confidence, df=n - 1)
        lo, hi = max(lo, -1.0), min(hi, 1.0)
        pval = float(2 * stats.t.sf(abs(est / se), n - 1)) if se > 0 else math.nan
    return GwetAC(
        coefficient=name,
        estimate=est,
        se=se,
        ci_low=lo,
        ci_high=hi,
        pval=pval,
        n_subjects=n,
        n_raters=c.n_raters,
        method="gwet-2014",
        notes=tuple(notes),
        parameters=_params(subject, rater, score, weighting=weighting, confidence=confidence),
        _data=df,
        weighting=weighting,
        p_observed=p_a,
        p_expected=p_e,
    )


CohenKappa.weights = property(_weights_property)  # type: ignore[attr-defined]
GwetAC.weights = property(_weights_property)  # type: ignore[attr-defined]
