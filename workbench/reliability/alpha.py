"""Krippendorff's alpha at the four levels of measurement, from sufficient statistics."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from workbench.errors import DataContractError, ParameterError, check_fraction, check_option
from workbench.reliability._long import cells, require_min
from workbench.reliability._result import Estimate, bootstrap_ci, resample_weights
from workbench.results import DEFAULT_N_BOOT

__all__ = ["LEVELS", "KrippendorffAlpha", "krippendorff_alpha"]

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS = ("nominal", "ordinal", "interval", "ratio")
_MAX_VALUES_BOOT = 1000  # above this many distinct values D_e is held fixed in the bootstrap
_BLOCK = 4_000_000  # numbers per block in the O(V^2) ratio sum
_DENSE = 50_000_000  # units x values tables up to this size are held densely
_EXACT = 2.0**52  # whole numbers below this are exact in float64 and int64


@dataclass(frozen=True, eq=False, repr=False)
class KrippendorffAlpha(Estimate):
    """Krippendorff's alpha; see :func:`krippendorff_alpha`.

    Extra attributes: ``level``, ``n_pairable`` (pairable values), ``d_observed`` and
    ``d_expected`` (the observed and expected disagreement; alpha = 1 - D_o / D_e).
    """

    level: str = "interval"
    n_pairable: int = 0
    d_observed: float = math.nan
    d_expected: float = math.nan


def _unit_pairs(unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All ordered pairs (i, j) of rows that share a unit; rows sorted by unit."""
    rows = unit.size
    per_unit = np.bincount(unit)
    start = np.cumsum(per_unit) - per_unit
    rep = per_unit[unit]
    left = np.repeat(np.arange(rows), rep)
    offset = np.repeat(np.cumsum(rep) - rep, rep)
    right = start[unit[left]] + (np.arange(left.size) - offset)
    return left, right


def _ratio_delta(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    den = a + b
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(den == 0, 0.0, (a - b) / den)
    return d * d


def _ratio_expected(vals: np.ndarray, counts: np.ndarray) -> float:
    """sum_c sum_k n_c n_k delta_ck for the ratio metric, in blocks (O(V^2) time, O(V) memory)."""
    v = vals.size
    rows = max(1, _BLOCK // max(v, 1))
    total = 0.0
    for i0 in range(0, v, rows):
        d = _ratio_delta(vals[i0 : i0 + rows, None], vals[None, :])
        total += float(counts[i0 : i0 + rows] @ d @ counts)
    return total


def _delta_matrix(vals: np.ndarray, level: str) -> np.ndarray:
    if level == "nominal":
        return 1.0 - np.eye(vals.size)
    return _ratio_delta(vals[:, None], vals[None, :])


def _value_counts(unit: np.ndarray, code: np.ndarray, n_units: int, n_values: int):
    """Counts n_uc per (unit, value): returns (unit, value code, count), sorted by unit."""
    key = unit.astype(np.int64) * n_values + code
    if n_units * n_values <= _DENSE:
        cnt = np.bincount(key, minlength=n_units * n_values)
        ukey = np.flatnonzero(cnt)
        cnt = cnt[ukey]
    else:
        ukey, cnt = np.unique(key, return_counts=True)
    return ukey // n_values, ukey % n_values, cnt.astype(np.float64)


def _codes(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted distinct values, the code of each value and the count of each distinct value."""
    if y.size:
        lo, hi = float(y.min()), float(y.max())
        if -_EXACT < lo and hi < _EXACT and hi - lo <= 4 * y.size + 1024:
            # whole-number scores in a compact range (rating scales): count, do not hash
            yi = y.astype(np.int64)
            if lo:
                yi -= int(lo)
            if np.array_equal(yi + lo, y):
                counts = np.bincount(yi, minlength=int(hi - lo) + 1)
                present = counts > 0
                if present.all():
                    return np.arange(lo, hi + 1), yi, counts
                mapping = np.cumsum(present) - 1
                return np.flatnonzero(present) + lo, mapping[yi], counts[present]
    code, vals = pd.factorize(y, sort=True)
    code = np.asarray(code, dtype=np.int64)
    return np.asarray(vals, dtype=np.float64), code, np.bincount(code, minlength=len(vals))


def krippendorff_alpha(
    df: Any,
    subject: str = "employee_id",
    rater: str = "rater_id",
    score: str = "score",
    level: Level = "interval",
    *,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int | None = 0,
    confidence: float = 0.95,
) -> KrippendorffAlpha:
    """Krippendorff's alpha for any number of raters and any pattern of missing ratings.

    Parameters
    ----------
    df
        Long table (pandas or Dask), one row per rating; a subject is a *unit*, a rater
        a *coder*. Rows with a missing score are missing ratings. One rating per
        subject x rater cell.
    subject, rater, score
        Column names (default: the data contract).
    level
        ``"nominal"``, ``"ordinal"``, ``"interval"`` or ``"ratio"``: the metric of
        disagreement between two scores.
    n_boot
        Bootstrap replicates for the CI and SE (default
        :data:`~workbench.results.DEFAULT_N_BOOT`; 0: point estimate only).
    seed
        Seed of the bootstrap.
    confidence
        Level of the percentile interval.

    Returns
    -------
    KrippendorffAlpha
        ``float()`` is alpha; ``to_frame()`` columns ``coefficient, estimate, se,
        ci_low, ci_high, pval, n_subjects, n_raters, method``.

    Notes
    -----
    alpha = 1 - D_o / D_e = 1 - (n - 1) sum_ck o_ck d_ck / sum_ck n_c n_k d_ck over the
    ``n`` pairable values (units with at least two ratings; Krippendorff 2011). All
    sums come from per-unit aggregates, never from a value-by-value matrix:

    * interval: the within-unit sums of squares, sum_u m_u SS_u / (m_u - 1), against
      n times the total sum of squares;
    * ordinal: the ordinal metric is the interval metric on the *mid-ranks* of the
      pooled values, P_c = sum_{g<c} n_g + n_c / 2, so it reduces to the interval case
      after one sort (this also serves continuous scores);
    * nominal: per unit m_u^2 - sum_c n_uc^2 against n^2 - sum_c n_c^2;
    * ratio: observed disagreement from the pairs of distinct values inside each
      unit; expected disagreement summed over distinct values in blocks (quadratic in
      the number of *distinct* values, which is small for rating scales).

    The interval is a subject-level (cluster) bootstrap: units are resampled with
    replacement and alpha is recomputed from the resampled per-unit sums, the metric
    (ordinal mid-ranks) held at the full sample; for nominal and ratio data with more
    than 1000 distinct values D_e is held at the full-sample value.

    Use nominal for categories without order, ordinal for rating scales whose steps
    are not equal (e.g. the 1-5 behaviour scale read as labels), interval for scores
    treated as numbers, ratio for scores with a true zero. alpha >= 0.80 is the usual
    bar for drawing conclusions, 0.667 for tentative ones (Krippendorff 2004).

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability.
    Krippendorff, K. (2004). Content Analysis (2nd ed.), ch. 11. Sage.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from workbench.reliability import krippendorff_alpha
    >>> d = pd.DataFrame({"employee_id": [1, 1, 2, 2, 3, 3], "rater_id": list("ABABAB"),
    ...                   "score": [1, 1, 2, 2, 3, 4]})
    >>> round(float(krippendorff_alpha(d, level="interval", n_boot=0)), 3)
    0.878
    """
    check_fraction("confidence", confidence)
    check_option("level", level, LEVELS)
    if n_boot < 0:
        raise ParameterError(f"`n_boot` must be 0 or more; got {n_boot!r}.")
    c = cells(df, subject, rater, score, "krippendorff_alpha")
    c.require_single("krippendorff_alpha")
    fix = "Alpha compares ratings of the same subject by different raters."
    require_min(c.n_raters, 2, f"raters ({rater})", "krippendorff_alpha", fix)
    y = c.total
    m_all = np.bincount(c.subject, minlength=c.n_subjects)
    notes: list[str] = []
    n_single = int(np.sum(m_all == 1))
    if n_single:
        notes.append(
            f"{n_single} {subject}(s) with a single rating hold no pairable values and do not "
            "enter alpha (Krippendorff's rule)."
        )
    if m_all.size and m_all.min() >= 2:  # every unit pairable: no rows to drop
        unit = c.subject
        n_units = m_all.size
        m = m_all.astype(np.float64)
    else:
        pairable = m_all[c.subject] >= 2
        new_code = np.cumsum(m_all >= 2) - 1
        unit = new_code[c.subject[pairable]]
        y = y[pairable]
        n_units = int(new_code[-1]) + 1 if m_all.size else 0
        m = m_all[m_all >= 2].astype(np.float64)
    n = y.size
    if n == 0:
        raise DataContractError(
            f"`krippendorff_alpha`: no {subject} has two or more ratings, so there is "
            f"nothing to compare. Each {subject} needs ratings from at least two {rater}s."
        )
    # with one unit the expected disagreement is that unit's own: alpha is 0 by
    # construction and every bootstrap replicate too, an interval of (0, 0) that says nothing
    require_min(n_units, 2, f"subjects with two or more ratings ({subject})", "krippendorff_alpha",
                "Alpha compares disagreement within subjects with disagreement between them.")
    fixed_de = False

    if level in ("interval", "ordinal"):
        if level == "ordinal":
            vals, inv, counts = _codes(y)
            z = (np.cumsum(counts) - counts / 2.0)[inv]
        else:
            z = y
        z = z - z.mean()
        s_u = np.bincount(unit, weights=z, minlength=n_units)
        dev = z - (s_u / m)[unit]
        dev *= dev
        ss_u = np.bincount(unit, weights=dev, minlength=n_units)
        d_u = m * ss_u / (m - 1)
        observed = float(d_u.sum())
        dev = np.subtract(z, z.mean(), out=dev)
        dev *= dev
        expected = n * float(dev.sum())
        parts = [m, d_u, s_u]  # the bootstrap adds q_u = sum z^2 per unit
    else:
        vals, code, pooled_n = _codes(y)
        if level == "ratio" and vals[0] < 0:
            raise DataContractError(
                f"`krippendorff_alpha(level='ratio')` needs scores >= 0 (a ratio scale has "
                f"a true zero); column {score!r} has {vals[0]!r}. Use level='interval'."
            )
        pooled = pooled_n.astype(np.float64)
        small = vals.size <= _MAX_VALUES_BOOT and n_units * vals.size <= _DENSE
        if small:  # units x values counts held densely
            counts_u = np.bincount(unit * vals.size + code, minlength=n_units * vals.size)
            counts_u = counts_u.reshape(n_units, vals.size).astype(np.float64)
            delta = _delta_matrix(vals, level)
            if level == "nominal":
                d_u = (m * m - (counts_u * counts_u).sum(1)) / (m - 1)
            else:
                d_u = ((counts_u @ delta) * counts_u).sum(1) / (m - 1)
            parts = [m, d_u, counts_u]
        else:
            uu, vv, cc = _value_counts(unit, code, n_units, vals.size)
            if level == "nominal":
                sq_u = np.bincount(uu, weights=cc * cc, minlength=n_units)
                d_u = (m * m - sq_u) / (m - 1)
            else:
                left, right = _unit_pairs(uu)
                w = cc[left] * cc[right] * _ratio_delta(vals[vv[left]], vals[vv[right]])
                d_u = np.bincount(uu[left], weights=w, minlength=n_units) / (m - 1)
            parts = [m, d_u]
            fixed_de = True
        if level == "nominal":
            expected = float(n * n - pooled @ pooled)
        elif small:
            expected = float(pooled @ delta @ pooled)
        else:
            expected = _ratio_expected(vals, pooled)
        observed = float(d_u.sum())

    if expected <= 0:
        estimate = math.nan
        notes.append("All pairable scores are equal: there is no variation, alpha is undefined.")
    else:
        estimate = 1.0 - (n - 1) * observed / expected
    d_o = observed / n
    d_e = expected / (n * (n - 1)) if n > 1 else math.nan

    ci_low = ci_high = se = math.nan
    if n_boot > 0 and np.isfinite(estimate):
        if level in ("interval", "ordinal"):
            parts.append(np.bincount(unit, weights=z * z, minlength=n_units))
        table = np.column_stack(parts)
        draws = []
        for w_block in resample_weights(n_units, n_boot, seed, chunk_cells=5_000_000):
            sums = w_block @ table
            nb, ob = sums[:, 0], sums[:, 1]
            with np.errstate(divide="ignore", invalid="ignore"):
                if level in ("interval", "ordinal"):
                    eb = nb * sums[:, 3] - sums[:, 2] ** 2
                    draws.append(1 - (nb - 1) * ob / eb)
                elif fixed_de:
                    draws.append(1 - (ob / nb) / d_e)
                else:
                    cb = sums[:, 2:]
                    eb = np.einsum("bv,vw,bw->b", cb, delta, cb)
                    draws.append(1 - (nb - 1) * ob / eb)
        ci_low, ci_high, se = bootstrap_ci(np.concatenate(draws), confidence)
        if fixed_de:
            notes.append("Bootstrap: too many distinct values for the resampled D_e; D_e held "
                         "at the full sample.")

    method = f"krippendorff-{level}"
    if n_boot > 0:
        method += f"; subject bootstrap ({n_boot})"
    return KrippendorffAlpha(
        coefficient=f"krippendorff_alpha ({level})",
        estimate=estimate,
        se=se,
        ci_low=ci_low,
        ci_high=ci_high,
        n_subjects=n_units,
        n_raters=c.n_raters,
        method=method,
        notes=tuple(notes),
        parameters={
            "subject": subject,
            "rater": rater,
            "score": score,
            "level": level,
            "n_boot": n_boot,
            "seed": seed,
            "confidence": confidence,
        },
        _data=df,
        level=level,
        n_pairable=n,
        d_observed=d_o,
        d_expected=d_e,
    )

