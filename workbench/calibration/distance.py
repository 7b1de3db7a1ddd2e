"""How far an employee is from another predikat: the distance that ranks a calibration agenda.

A predikat is a region of the rubric's score space: for a matrix rubric (PermenPANRB
6/2022) a union of cells of the two dimensions' categories, for a bands rubric a union
of intervals of the composite (with conditions such as innovation). The distance of an
employee to a target predikat is the Euclidean distance from their scores to the nearest
point of the target's region, each dimension measured in units of its own category
width (see :func:`dimension_units`), so that a gap of 0.2 reads "a fifth of a category
away from the boundary" on either axis. It is 0 inside the region and infinite when the
region is empty or a score is missing.

Ties (common with the plain e-Kinerja ratings, which are 1, 2 or 3) are broken first
by the same distance computed from the employee's scores in the sub-periods of the
period (the quarterly evaluations of a year, when present), then by a keyed hash of
period and employee id: never by NIP order, which would rank by age and by the date of
appointment.

Examples
--------
>>> import pandas as pd
>>> import workbench as wb
>>> rubric = wb.load_rubric("permenpanrb-6-2022-rinci")
>>> f = pd.DataFrame({"hasil_kerja": [90.0, 100.0], "perilaku_kerja": [3.0, 3.0]})
>>> boundary_distance(f, rubric, ["butuh_perbaikan", "butuh_perbaikan"]).round(2).tolist()
[0.2, 0.6]
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import ParameterError
from workbench.rubric._compute import TIE_TOL
from workbench.rubric.model import Dimension, Rubric

__all__ = ["boundary_distance", "dimension_units", "periodic_points", "rank_candidates", "sub_periods",
           "tie_keys"]

_INF = np.inf


def _intervals(dim: Dimension) -> list[tuple[float, float]]:
    """``[lo, hi)`` of each category of a dimension (the first from -inf, the last to +inf)."""
    mins = [c.min for c in dim.categories]
    lows = [-_INF] + [float(m) for m in mins[1:]]  # type: ignore[arg-type]
    return [(lo, hi) for lo, hi in zip(lows, [*lows[1:], _INF], strict=True)]


def dimension_units(rubric: Rubric) -> dict[str, float]:
    """The unit each dimension's distance is measured in: the mean width of its bounded
    categories (e.g. 25 points of IKI realisation for *Sesuai Ekspektasi* in
    ``permenpanrb-6-2022-rinci``, 1 rating step for the plain e-Kinerja ratings); the
    scale's span when no category is bounded on both sides. For a bands rubric the unit of
    the composite (key ``"composite"``) is the mean width of its finite bands.

    Examples
    --------
    >>> import workbench as wb
    >>> dimension_units(wb.load_rubric("permenpanrb-6-2022-rinci"))
    {'hasil_kerja': 25.0, 'perilaku_kerja': 1.75}
    """
    out: dict[str, float] = {}
    if rubric.rule == "bands":
        widths = [b.max - b.min for b in rubric.bands if np.isfinite(b.min) and np.isfinite(b.max)]
        span = max(d.scale.max - d.scale.min for d in rubric.dimensions)
        out["composite"] = float(np.mean(widths)) if widths else float(span)
        return out
    for dim in rubric.dimensions:
        widths = [hi - lo for lo, hi in _intervals(dim) if np.isfinite(lo) and np.isfinite(hi)]
        out[dim.id] = float(np.mean(widths)) if widths else float(dim.scale.max - dim.scale.min) or 1.0
    return out


def _gap(s: np.ndarray, lo: float, hi: float, tie: bool = True) -> np.ndarray:
    """Distance of ``s`` to the interval from ``lo`` to ``hi`` (the infimum: an excluded end
    point is at distance 0). With ``tie``, the scorer's rule for category thresholds: a score
    within ``TIE_TOL`` (relative) below a threshold has reached it."""
    tol = TIE_TOL * np.maximum(np.abs(s), 1.0) if tie else 0.0
    return np.maximum(np.maximum((lo - tol) - s, s - hi), 0.0)


def _matrix_distance(frame: pd.DataFrame, rubric: Rubric, target: np.ndarray, units: Mapping[str, float]) -> np.ndarray:
    m = rubric.matrix
    assert m is not None
    rdim, cdim = rubric.dimension(m.rows), rubric.dimension(m.columns)
    rcats, ccats = [c.id for c in rdim.categories], [c.id for c in cdim.categories]
    rint, cint = _intervals(rdim), _intervals(cdim)
    r = frame[rdim.id].to_numpy(dtype=float)
    c = frame[cdim.id].to_numpy(dtype=float)
    out = np.full(len(frame), _INF)
    for q in pd.unique(target):
        rows = np.flatnonzero(target == q)
        best = np.full(rows.size, _INF)
        for (ri, ci), pid in m.cells.items():
            if pid != q:
                continue
            gr = _gap(r[rows], *rint[rcats.index(ri)]) / units[rdim.id]
            gc = _gap(c[rows], *cint[ccats.index(ci)]) / units[cdim.id]
            best = np.fmin(best, np.hypot(gr, gc))
        out[rows] = best
    out[np.isnan(r) | np.isnan(c)] = _INF
    return out


def _bands_distance(frame: pd.DataFrame, rubric: Rubric, target: np.ndarray, units: Mapping[str, float]) -> np.ndarray:
    comp = frame["composite"].to_numpy(dtype=float)
    conds = rubric.conditions
    states = np.zeros((len(frame), len(conds)), dtype=bool)
    for j, cond in enumerate(conds):
        if cond.flag in frame:
            states[:, j] = frame[cond.flag].fillna(False).to_numpy(dtype=bool)
    combos, combo_of = (np.unique(states, axis=0, return_inverse=True) if len(frame)
                        else (np.zeros((0, len(conds)), dtype=bool), np.zeros(0, dtype=np.int64)))
    combo_of = np.asarray(combo_of).ravel()
    out = np.full(len(frame), _INF)
    for q in pd.unique(target):
        for k, state in enumerate(combos):
            sel = (target == q) & (combo_of == k)
            intervals: list[tuple[float, float]] = []
            for b in rubric.bands:
                lo, hi = b.min, b.max
                for cond, met in zip(conds, state, strict=True):
                    if met and b.predikat == cond.replaces:  # the part above cond.min changes predikat
                        if q == cond.predikat:
                            intervals.append((max(lo, cond.min), hi))
                        hi = min(hi, cond.min)
                if b.predikat == q and lo < hi:
                    intervals.append((lo, hi))
            best = np.full(int(sel.sum()), _INF)
            for lo, hi in intervals:
                best = np.fmin(best, _gap(comp[sel], lo, hi, tie=False) / units["composite"])
            out[sel] = best
    out[np.isnan(comp)] = _INF
    return out


def boundary_distance(frame: pd.DataFrame, rubric: Rubric, target: Sequence[str] | pd.Series | np.ndarray,
                      *, units: Mapping[str, float] | None = None) -> np.ndarray:
    """Distance of each row's scores to the region of its target predikat.

    Parameters
    ----------
    frame
        Scores, one row per employee: the rubric's dimension columns (``hasil_kerja``,
        ``perilaku_kerja``, ...) for a matrix rubric; ``composite`` and any condition flag
        column for a bands rubric (as in ``wb.score(...).to_frame()``).
    rubric
        The rubric the scores came from.
    target
        One predikat id per row (e.g. ``"butuh_perbaikan"``).
    units
        The unit of each dimension (default :func:`dimension_units`).

    Returns
    -------
    numpy.ndarray
        Non-negative distances in category widths; 0 inside the target's region,
        ``inf`` when the target cannot be reached by scores (no cell or band gives it) or
        a score is missing.

    Notes
    -----
    For a matrix rubric with categories ``[lo, hi)`` per dimension, the distance to a
    cell is ``sqrt(g_r^2 + g_c^2)`` with ``g = max(lo - s, s - hi, 0) / unit``, and the
    distance to a predikat the smallest over the cells that give it. For a bands rubric it
    is the gap of the composite to the nearest band of the target, where a condition
    (e.g. *Sangat Baik* needs innovation) counts only for employees who meet it.
    """
    target = np.asarray(target, dtype=object)
    if len(target) != len(frame):
        raise ParameterError(f"`target` has {len(target)} values for {len(frame)} rows; give one predikat id "
                             "per row.")
    known = {p.id for p in rubric.predikat}
    distinct = pd.unique(target)
    # (the ids as text: their distinct values are the set of their texts)
    names = set(distinct) if all(type(q) is str for q in distinct) else {str(q) for q in target}
    unknown = sorted(names - known)
    if unknown:
        raise ParameterError(f"`target` holds unknown predikat ids {unknown}; the rubric's are {sorted(known)}.")
    units = dict(units or dimension_units(rubric))
    if rubric.rule == "matrix":
        return _matrix_distance(frame, rubric, target, units)
    return _bands_distance(frame, rubric, target, units)


def tie_keys(period: Any, employee_id: Any) -> np.ndarray:
    """A fixed pseudo-random key per employee and period (hex of a SHA-256), to break ties
    without ranking by NIP (which encodes birth date and appointment date).

    Examples
    --------
    >>> k = tie_keys(["2025", "2025"], ["198001012005011001", "199901012020012001"])
    >>> len(k[0]), bool(k[0] != k[1])
    (16, True)
    """
    p = np.broadcast_to(np.asarray(period, dtype=object), np.shape(employee_id))
    ids = np.asarray(employee_id, dtype=object)
    if ids.ndim != 1:
        return np.array([_tie_key(a, b) for a, b in zip(p, ids, strict=True)], dtype=object)
    if _TIE_COUNT[0] > _TIE_MEMO_SIZE:
        _TIE_MEMO.clear()
        _TIE_COUNT[0] = 0
    # one period, as text (the usual call): its employees' keys are looked up by id at once
    found: list[str | None] = [None] * len(ids)
    try:
        periods = pd.unique(p) if len(p) else p
        one = _TIE_MEMO.get(periods[0]) if len(periods) == 1 and type(periods[0]) is str else None
        if one is not None:
            found = [one.get(b) for b in ids]
    except TypeError:  # a value that cannot be hashed: no lookup (the text is still hashed below)
        pass
    out = []
    for a, b, key in zip(p, ids, found, strict=True):
        if key is None:
            key = _tie_key(a, b)
            if type(a) is str and type(b) is str:  # (text equal to text is the same text)
                _TIE_MEMO.setdefault(a, {})[b] = key
                _TIE_COUNT[0] += 1
        out.append(key)
    return np.array(out, dtype=object)


def _tie_key(period: Any, employee_id: Any) -> str:
    """The keyed hash of one employee in one period (see :func:`tie_keys`)."""
    return hashlib.sha256(f"{period}\x1f{employee_id}".encode()).hexdigest()[:16]


_TIE_MEMO: dict[str, dict[str, str]] = {}
""":func:`tie_keys` of text, ``{period: {employee_id: key}}``: the curve check and the agenda
ask again for the same employees (each step of a what-if slider), and a lookup is several
times cheaper than the hash. Only text is kept: a hit is the hash of the same text."""
_TIE_COUNT = [0]
_TIE_MEMO_SIZE = 1 << 16
"""Keys kept before :data:`_TIE_MEMO` starts afresh (a few MB; a city's employees over
several periods)."""


def sub_periods(period: str, periods: Sequence[str]) -> list[str]:
    """The periods inside ``period``: ``2025-Q1`` .. ``2025-Q4`` or ``2025-01`` .. inside ``2025``.

    Examples
    --------
    >>> sub_periods("2025", ["2025", "2025-Q1", "2025-Q2", "2024-Q4"])
    ['2025-Q1', '2025-Q2']
    """
    return sorted(p for p in periods if p != period and str(p).startswith(f"{period}-"))


def periodic_points(frame: pd.DataFrame, sub: pd.DataFrame, rubric: Rubric) -> pd.DataFrame:
    """Each employee's mean scores over the sub-periods, where they have them.

    ``frame``: the period's scores (``employee_id`` and the dimension columns, or
    ``composite``); ``sub``: the same columns for the sub-periods. A dimension the
    sub-periods do not score (e.g. BerAKHLAK, rated once a year) keeps the period's own
    score; an employee with no sub-period score gets NaN everywhere.
    """
    cols = ["composite"] if rubric.rule == "bands" else [d.id for d in rubric.dimensions]
    extra = [c.flag for c in rubric.conditions if c.flag in frame]
    means = sub.groupby("employee_id")[cols].mean() if len(sub) else pd.DataFrame(columns=cols)
    out = frame[["employee_id", *cols, *extra]].copy()
    m = means.reindex(out["employee_id"].to_numpy())
    have = m.notna().any(axis=1).to_numpy()
    for c in cols:
        own = out[c].to_numpy(dtype=float)
        out[c] = np.where(have, np.where(m[c].notna().to_numpy(), m[c].to_numpy(dtype=float), own), np.nan)
    return out


def rank_candidates(frame: pd.DataFrame, rubric: Rubric, target: Sequence[str] | pd.Series | np.ndarray,
                    *, periodic: pd.DataFrame | None = None) -> pd.DataFrame:
    """Distances and the agenda order for moving each row to its target predikat.

    Returns a frame aligned with ``frame``: ``distance`` (see :func:`boundary_distance`),
    ``distance_periodic`` (the same from :func:`periodic_points`; NaN without sub-periods),
    ``tie_key`` and ``order`` (0 = closest to the boundary: by distance, then periodic
    distance, then tie key).

    Examples
    --------
    >>> import pandas as pd
    >>> import workbench as wb
    >>> rubric = wb.load_rubric("permenpanrb-6-2022")
    >>> f = pd.DataFrame({"period": "2025", "employee_id": ["a", "b", "c"],
    ...                   "hasil_kerja": [2.0, 2.0, 3.0], "perilaku_kerja": [2.0, 2.0, 2.0]})
    >>> q = pd.DataFrame({"employee_id": ["a", "b"], "hasil_kerja": [2.0, 1.5], "perilaku_kerja": [2.0, 2.0]})
    >>> r = rank_candidates(f, rubric, ["butuh_perbaikan"] * 3, periodic=periodic_points(f, q, rubric))
    >>> r["order"].tolist(), r["distance"].tolist()
    ([1, 0, 2], [0.5, 0.5, 1.5])
    """
    d = boundary_distance(frame, rubric, target)
    dp = np.full(len(frame), np.nan)
    if periodic is not None:
        if len(periodic) != len(frame):
            raise ParameterError(f"`periodic` has {len(periodic)} rows for {len(frame)}; build it with "
                                 "periodic_points(frame, ...).")
        dp = boundary_distance(periodic.reset_index(drop=True), rubric, target)
        dp = np.where(np.isfinite(dp), dp, np.nan)
    period = frame["period"].to_numpy(dtype=object) if "period" in frame else ""
    tie = tie_keys(period, frame["employee_id"].to_numpy(dtype=object))
    key_d = np.round(d, 9)
    key_p = np.where(np.isnan(dp), _INF, np.round(dp, 9))
    order_idx = np.lexsort((tie, key_p, key_d))
    order = np.empty(len(frame), dtype=np.int64)
    order[order_idx] = np.arange(len(frame))
    return pd.DataFrame({"distance": d, "distance_periodic": dp, "tie_key": tie, "order": order}, index=frame.index)
