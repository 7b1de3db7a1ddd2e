"""Kendall's coefficient of concordance W and simple percent agreement."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from workbench.errors import ParameterError, check_fraction
from workbench.reliability._long import cells, require_min
from workbench.reliability._result import Estimate, bootstrap_ci, normal_ci

__all__ = ["KendallW", "PercentAgreement", "kendall_w", "percent_agreement"]


@dataclass(frozen=True, eq=False, repr=False)
class KendallW(Estimate):
    """Kendall's W; see :func:`kendall_w`. Extra: ``chi2``, ``df`` (Friedman test)."""

    chi2: float = math.nan
    df: int = 0


@dataclass(frozen=True, eq=False, repr=False)
class PercentAgreement(Estimate):
    """Percent agreement; see :func:`percent_agreement`."""


def _w_from_matrix(x: np.ndarray) -> tuple[float, float]:
    """W and the tie term from a complete subjects x raters matrix (ranks per rater)."""
    n, m = x.shape
    ranks = stats.rankdata(x, axis=0)
    # tie correction: sum over raters and tied groups of t^3 - t
    xs = np.sort(x, axis=0)
    new = np.vstack([np.ones((1, m), dtype=bool), xs[1:] != xs[:-1]])
    group = np.cumsum(new.ravel(order="F"))
    t = np.bincount(group)[1:].astype(np.float64)
    ties = float(np.sum(t**3 - t))
    r_sum = ranks.sum(1)
    s = float(np.sum((r_sum - m * (n + 1) / 2.0) ** 2))
    den = m * m * (n**3 - n) - m * ties
    return (12.0 * s / den if den > 0 else math.nan), ties


def kendall_w(
    df: Any,
    subject: str = "employee_id",
    rater: str = "rater_id",
    score: str = "score",
    *,
    n_boot: int = 0,
    seed: int | None = 0,
    confidence: float = 0.95,
) -> KendallW:
    """Kendall's coefficient of concordance W, corrected for ties, with its chi-square test.

    Parameters
    ----------
    df
        Long table (pandas or Dask), one row per rating.
    subject, rater, score
        Column names (default: the data contract).
    n_boot, seed
        Subject bootstrap for the CI and SE (0, the default: none).
    confidence
        Level of the percentile interval.

    Returns
    -------
    KendallW
        ``to_frame()`` columns ``coefficient, estimate, se, ci_low, ci_high, pval,
        n_subjects, n_raters, method``; ``chi2`` and ``df`` of the Friedman test.

    Notes
    -----
    Each rater's scores are ranked across subjects (mid-ranks for ties);
    W = 12 S / (m^2 (n^3 - n) - m T), S the sum of squared deviations of the subjects'
    rank sums from their mean, T = sum (t^3 - t) over tied groups (Kendall & Babington
    Smith 1939). chi2 = m (n - 1) W on n - 1 df. W answers "do the raters *order* the
    employees alike?" and ignores leniency; it needs every rater to rate every subject,
    so only subjects rated by all raters enter (the count left out is in ``notes``).

    References
    ----------
    Kendall, M. G., & Babington Smith, B. (1939). The problem of m rankings. Annals of
    Mathematical Statistics, 10(3), 275-287.

    Examples
    --------
    >>> import workbench as wb
    >>> r = wb.read_sample("kota_contoh").ratings
    >>> one = r[(r["period"] == "2025") & (r["indicator"] == "kolaboratif") & (r["rater_role"] != "diri")]
    >>> # raters as positions (atasan, first peer, second peer), so that every employee has the same three
    >>> one = one.assign(rater_id=one["rater_role"].astype(str)
    ...                  + one.groupby(["employee_id", "rater_role"], observed=True).cumcount().astype(str))
    >>> round(float(wb.reliability.kendall_w(one)), 3)
    0.708
    """
    check_fraction("confidence", confidence)
    if n_boot < 0:
        raise ParameterError(f"`n_boot` must be 0 or more; got {n_boot!r}.")
    c = cells(df, subject, rater, score, "kendall_w")
    c.require_single("kendall_w")
    fix = f"Kendall's W ranks the {subject}s within each {rater}."
    require_min(c.n_raters, 2, f"raters ({rater})", "kendall_w", fix)
    m = c.n_raters
    per_subject = np.bincount(c.subject, minlength=c.n_subjects)
    complete = per_subject == m
    notes = []
    if not complete.all():
        notes.append(
            f"{int((~complete).sum())} {subject}(s) not rated by all {m} raters are left out."
        )
    new_code = np.cumsum(complete) - 1
    keep = complete[c.subject]
    n = int(complete.sum())
    require_min(n, 2, f"subjects rated by every rater ({subject})", "kendall_w", fix)
    x = np.empty((n, m))
    x[new_code[c.subject[keep]], c.rater[keep]] = c.total[keep]
    w, _ = _w_from_matrix(x)
    chi2 = m * (n - 1) * w
    pval = float(stats.chi2.sf(chi2, n - 1)) if np.isfinite(chi2) else math.nan
    lo = hi = se = math.nan
    if n_boot > 0:
        rng = np.random.default_rng(seed)
        draws = np.array([_w_from_matrix(x[rng.integers(0, n, n)])[0] for _ in range(n_boot)])
        lo, hi, se = bootstrap_ci(draws, confidence)
    return KendallW(
        coefficient="kendall_w",
        estimate=w,
        se=se,
        ci_low=lo,
        ci_high=hi,
        pval=pval,
        n_subjects=n,
        n_raters=m,
        method="kendall-1939 tie-corrected" + (f"; subject bootstrap ({n_boot})" if n_boot else ""),
        notes=tuple(notes),
        parameters={"subject": subject, "rater": rater, "score": score, "n_boot": n_boot,
                    "seed": seed, "confidence": confidence},
        _data=df,
        chi2=chi2,
        df=n - 1,
    )


def percent_agreement(
    df: Any,
    subject: str = "employee_id",
    rater: str = "rater_id",
    score: str = "score",
    *,
    confidence: float = 0.95,
) -> PercentAgreement:
    """Share of rater pairs that give the same score, averaged over subjects.

    Parameters
    ----------
    df
        Long table (pandas or Dask), one row per rating; any pattern of missing ratings.
    subject, rater, score
        Column names (default: the data contract).
    confidence
        Level of the interval (t quantile, clipped to [0, 1]).

    Returns
    -------
    PercentAgreement
        ``to_frame()`` columns ``coefficient, estimate, se, ci_low, ci_high, pval,
        n_subjects, n_raters, method``; the estimate is a proportion (0-1).

    Notes
    -----
    For subject i with m_i >= 2 ratings, a_i = sum_k x_ik (x_ik - 1) / (m_i (m_i - 1)),
    x_ik the raters giving score k; the estimate is the mean of a_i, its SE the standard
    deviation of a_i over sqrt(n). With two raters it is the share of exact agreement.
    It is easy to explain but ignores chance agreement: report it next to a kappa, AC1
    or alpha, never alone.

    Examples
    --------
    >>> import workbench as wb
    >>> r = wb.read_sample("kota_contoh").ratings
    >>> one = r[(r["period"] == "2025") & (r["indicator"] == "kolaboratif") & (r["rater_role"] != "diri")]
    >>> # raters as positions (atasan, first peer, second peer), so that every employee has the same three
    >>> one = one.assign(rater_id=one["rater_role"].astype(str)
    ...                  + one.groupby(["employee_id", "rater_role"], observed=True).cumcount().astype(str))
    >>> round(float(wb.reliability.percent_agreement(one)), 3)
    0.425
    """
    check_fraction("confidence", confidence)
    c = cells(df, subject, rater, score, "percent_agreement")
    c.require_single("percent_agreement")
    vals, code = np.unique(c.total, return_inverse=True)
    key = c.subject * vals.size + code
    _, first, cnt = np.unique(key, return_index=True, return_counts=True)
    subj = c.subject[first]
    pairs = np.bincount(subj, weights=cnt * (cnt - 1.0), minlength=c.n_subjects)
    m = np.bincount(c.subject, minlength=c.n_subjects).astype(np.float64)
    ok = m >= 2
    notes = []
    if not ok.all():
        notes.append(f"{int((~ok).sum())} {subject}(s) with a single rating are left out.")
    n = int(ok.sum())
    require_min(n, 1, f"subjects with two or more ratings ({subject})", "percent_agreement",
                f"Each {subject} needs ratings from at least two {rater}s.")
    a = pairs[ok] / (m[ok] * (m[ok] - 1))
    est = float(a.mean())
    se = float(a.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    lo, hi = normal_ci(est, se, confidence, df=n - 1)
    return PercentAgreement(
        coefficient="percent_agreement",
        estimate=est,
        se=se,
        ci_low=max(lo, 0.0) if np.isfinite(lo) else lo,
        ci_high=min(hi, 1.0) if np.isfinite(hi) else hi,
        n_subjects=n,
        n_raters=c.n_raters,
        method="mean pairwise exact agreement",
        notes=tuple(notes),
        parameters={"subject": subject, "rater": rater, "score": score, "confidence": confidence},
        _data=df,
    )
