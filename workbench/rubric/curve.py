"""Check each unit's predikat counts against the distribution curve, and what would fix them.

Each curve row (one per Predikat Kinerja Organisasi) is a list of constraints on the
count of one or more predikat: a minimum share, a maximum share, or "must be present".
Shares become counts explicitly (``rounding``), then the smallest set of changes that
satisfies every constraint is found as a tiny integer programme (moves between predikat,
fewest employees first, then the shortest moves), and the borderline employees closest to
each boundary are named.

Examples
--------
>>> import workbench as wb
>>> scores = wb.score(wb.read_sample("kota_contoh"), "permenpanrb-6-2022", period="2025")
>>> check = wb.curve_check(scores, "Baik")
>>> frame = check.to_frame()
>>> list(frame.columns[:3]), len(frame)
(['unit', 'org_rating', 'n_employees'], 12)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from workbench.data.normalize import canonical_name
from workbench.errors import ParameterError, RubricError, check_option
from workbench.results import Provenance, frame_html
from workbench.rubric.model import CurveConstraint, CurveRow, Rubric

__all__ = ["CurveCheck", "curve_check"]

Rounding = Literal["conservative", "lenient", "nearest"]
_EPS = 1e-9


def _bounds(c: CurveConstraint, n: int, rounding: Rounding) -> tuple[int, int]:
    """Allowed count range of a constraint for a unit of ``n`` scored employees."""

    def down(x: float) -> int:
        return math.floor(x + _EPS)

    def up(x: float) -> int:
        return math.ceil(x - _EPS)

    def near(x: float) -> int:
        return math.floor(x + 0.5 + _EPS)

    lo, hi = 0, n
    if c.min is not None:
        lo = {"conservative": up, "lenient": down, "nearest": near}[rounding](c.min * n)
    if c.max is not None:
        hi = {"conservative": down, "lenient": up, "nearest": near}[rounding](c.max * n)
    if c.present:
        lo = max(lo, 1)
    return lo, hi


def _solve(counts: np.ndarray, cons: list[tuple[list[int], int, int]]) -> np.ndarray | None:
    """Fewest moves, then shortest, then fewest upward: x[p, q] so that every constraint holds.

    ``p`` and ``q`` are predikat ranks (0 = best); returns None if no solution exists.
    """
    k = len(counts)
    pairs = [(p, q) for p in range(k) for q in range(k) if p != q]
    n = int(counts.sum())
    step = n + 1  # the upward-move tie-break never outweighs one unit of distance
    per_move = (k * n + 1) * step  # distance and tie-break never outweigh one extra move
    cost = np.array([per_move + abs(p - q) * step + (q < p) for p, q in pairs], dtype=float)
    rows, lo, hi = [], [], []
    for p in range(k):  # cannot move more than there are
        rows.append([1.0 if a == p else 0.0 for a, _ in pairs])
        lo.append(0)
        hi.append(counts[p])
    for idx, c_lo, c_hi in cons:
        row = [(1.0 if q in idx else 0.0) - (1.0 if p in idx else 0.0) for p, q in pairs]
        base = counts[idx].sum()
        rows.append(row)
        lo.append(c_lo - base)
        hi.append(c_hi - base)
    res = milp(cost, constraints=LinearConstraint(np.array(rows), lo, hi),
               integrality=np.ones(len(pairs)), bounds=Bounds(0, n), options={"mip_rel_gap": 0})
    if res.x is None or res.status != 0:
        return None
    moves = np.zeros((k, k), dtype=int)
    for (p, q), x in zip(pairs, np.round(res.x).astype(int), strict=True):
        moves[p, q] = x
    return moves


@dataclass(frozen=True, eq=False)
class CurveCheck:
    """The curve check per unit.

    Attributes
    ----------
    units
        See :meth:`to_frame`.
    changes
        One row per proposed move: ``unit, employee_id, from_predikat, to_predikat,
        priority`` (the score that ranked the employee as borderline).
    constraints
        One row per unit and constraint: ``unit, constraint, count, min_count,
        max_count, ok``.
    """

    units: pd.DataFrame
    changes: pd.DataFrame
    constraints: pd.DataFrame
    rubric_id: str
    rubric_hash: str
    parameters: dict[str, Any] = field(default_factory=dict)
    _data: Any = field(default=None, repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per unit: ``unit, org_rating, n_employees``, one count column per
        predikat (best first), ``n_unscored, ok, violations, changes, n_changes``."""
        return self.units.copy()

    @property
    def provenance(self) -> Provenance:
        """Data hash, rubric id and hash, parameters and version."""
        if "provenance" not in self._cache:
            self._cache["provenance"] = Provenance.build(
                self._data, parameters=self.parameters, rubric_id=self.rubric_id, rubric_hash=self.rubric_hash)
        return self._cache["provenance"]

    def _repr_html_(self) -> str:
        return frame_html("Curve check per unit", self.units, max_rows=40)


def _org_rows(rubric: Rubric, org_rating: Any, units: list[str]) -> dict[str, CurveRow]:
    curve = rubric.curve
    if curve is None:
        raise RubricError(f"Rubric '{rubric.id}' has no distribution curve; add a `curve:` section "
                          "(see the permenpanrb-6-2022 preset).", key="curve", file=rubric.file)
    names: dict[str, str] = {}
    for rid, row in curve.rows.items():
        for text in (rid, row.label.id, row.label.en):
            names[canonical_name(pd.Series([text])).iloc[0]] = rid
    for alias, rid in curve.aliases.items():
        names[canonical_name(pd.Series([alias])).iloc[0]] = rid
    mapping = dict.fromkeys(units, org_rating) if isinstance(org_rating, str) else dict(org_rating)
    absent = [u for u in units if u not in mapping]
    if absent:
        raise ParameterError(f"`org_rating` gives no Predikat Kinerja Organisasi for {len(absent)} units "
                             f"({', '.join(absent[:5])}{' ...' if len(absent) > 5 else ''}); give one per "
                             "unit, or one string for all.")
    out = {}
    for unit in units:
        key = canonical_name(pd.Series([str(mapping[unit])])).iloc[0]
        if key not in names:
            raise ParameterError(f"`org_rating` for unit '{unit}' must be one of "
                                 f"{{{', '.join(repr(r.label.id) for r in curve.rows.values())}}}; "
                                 f"got {mapping[unit]!r}.")
        out[unit] = curve.rows[names[key]]
    return out


def curve_check(scores: Any, org_rating: dict[str, str] | pd.Series | str, *, period: str | None = None,
                rounding: Rounding = "conservative", max_named: int = 10) -> CurveCheck:
    """Check each unit's predikat distribution against the curve of the scores' rubric.

    Parameters
    ----------
    scores
        :class:`~workbench.rubric.score.Scores` (with ``unit`` joined from the roster).
    org_rating
        Predikat Kinerja Organisasi per unit (``{unit: "Istimewa" | "Baik" |
        "Butuh Perbaikan" (or "Cukup") | "Kurang" | "Sangat Kurang"}``, any case), or one
        string for every unit.
    period
        The period to check; required when the scores hold several periods.
    rounding
        How a share becomes a count for a unit of *n* scored employees:
        ``"conservative"`` (default): a maximum allows ``floor(share * n)`` and a minimum
        needs ``ceil(share * n)``, so the unit satisfies the share exactly or better;
        ``"lenient"``: ``ceil`` for maximums, ``floor`` for minimums;
        ``"nearest"``: round half up for both. "Must be present" always needs 1.
    max_named
        At most this many borderline employees are named per move in ``changes`` text
        (all of them are in ``.changes``).

    Returns
    -------
    CurveCheck
        ``.to_frame()``: ``unit, org_rating, n_employees``, counts per predikat,
        ``n_unscored, ok, violations, changes, n_changes``.

    Notes
    -----
    The smallest set of changes minimises the number of employees whose predikat changes,
    then the total distance moved (a move Baik -> Butuh Perbaikan is shorter than Baik ->
    Sangat Kurang), then the number of upward moves (the curve is a check on leniency). Borderline employees for a move down are those with the lowest
    priority in their predikat, for a move up the highest. The priority is the composite
    score for a bands rubric; for a matrix rubric the mean of the dimension scores, each
    rescaled to 0-1 (detailed scores in e.g. ``permenpanrb-6-2022-rinci``). Ties (always
    the case for the plain e-Kinerja ratings) are broken by employee id, which is arbitrary:
    the list shows who is *eligible*, a person decides. Employees without a predikat are
    counted in ``n_unscored`` and left out of *n*.

    Examples
    --------
    >>> import workbench as wb
    >>> scores = wb.score(wb.read_sample("kota_contoh"), "permenpanrb-6-2022", period="2025")
    >>> check = wb.curve_check(scores, "Baik")
    >>> bool(check.to_frame()["ok"].all())
    False
    >>> check.to_frame().loc[0, "changes"].split(" (")[0]
    'pindahkan 12 pegawai dari Baik ke Butuh Perbaikan'
    """
    check_option("rounding", rounding, ["conservative", "lenient", "nearest"])
    rubric: Rubric = scores.rubric
    frame = scores.frame
    periods = sorted(frame["period"].unique().tolist())
    if period is None:
        if len(periods) != 1:
            raise ParameterError(f"The scores hold {len(periods)} periods ({', '.join(periods)}); pass "
                                 "`period=` to check one of them.")
        period = periods[0]
    check_option("period", period, periods)
    frame = frame[frame["period"] == period]
    lang = scores.lang
    pred_ids = [p.id for p in rubric.predikat]
    labels = [p.label.get(lang) for p in rubric.predikat]
    ids = scores.predikat_ids().loc[frame.index]
    rank = ids.map({p: i for i, p in enumerate(pred_ids)})
    if rubric.rule == "bands":
        priority = frame["composite"].to_numpy(dtype=float)
    else:
        parts = [(frame[d.id].to_numpy(dtype=float) - d.scale.min) / (d.scale.max - d.scale.min)
                 for d in rubric.dimensions]
        priority = np.mean(parts, axis=0)
    work = pd.DataFrame({"unit": frame["unit"].to_numpy(), "employee_id": frame["employee_id"].to_numpy(),
                         "rank": rank.to_numpy(), "priority": priority})
    units = sorted(work["unit"].dropna().unique().tolist())
    rows_by_unit = _org_rows(rubric, org_rating, units)
    en = lang == "en"
    unit_rows, change_rows, cons_rows = [], [], []
    for unit, g in work.groupby("unit", sort=True):
        row = rows_by_unit[str(unit)]
        scored = g[g["rank"].notna()]
        counts = np.bincount(scored["rank"].astype(int), minlength=len(pred_ids))
        n = int(counts.sum())
        cons, violations = [], []
        for c in row.constraints:
            idx = [pred_ids.index(p) for p in c.predikat]
            lo, hi = _bounds(c, n, rounding)
            count = int(counts[idx].sum())
            ok = lo <= count <= hi
            name = " + ".join(labels[i] for i in idx)
            cons.append((idx, lo, hi))
            cons_rows.append((unit, name, count, lo, hi, ok))
            if not ok:
                need = f">= {lo}" if count < lo else f"<= {hi}"
                violations.append(f"{name}: {count} of {n}, {'must be' if en else 'harus'} {need}")
        moves = _solve(counts, cons) if violations else np.zeros((len(pred_ids),) * 2, dtype=int)
        texts = []
        if moves is None:
            texts.append("no distribution of these employees satisfies the curve" if en else
                         "tidak ada distribusi yang memenuhi kurva untuk unit ini")
        else:
            taken: set[str] = set()
            for p, q in zip(*np.nonzero(moves), strict=True):
                k = int(moves[p, q])
                pool = scored[(scored["rank"] == p) & ~scored["employee_id"].isin(taken)].sort_values(
                    ["priority", "employee_id"], ascending=[bool(q > p), True], kind="stable").head(k)
                taken.update(pool["employee_id"])
                for emp, pr in zip(pool["employee_id"], pool["priority"], strict=True):
                    change_rows.append((unit, emp, labels[p], labels[q], pr))
                named = ", ".join(pool["employee_id"].head(max_named))
                more = " ..." if k > max_named else ""
                texts.append(f"move {k} employees from {labels[p]} to {labels[q]} (borderline: {named}{more})"
                             if en else f"pindahkan {k} pegawai dari {labels[p]} ke {labels[q]} "
                             f"(terdekat ke batas: {named}{more})")
        unit_rows.append({
            "unit": unit, "org_rating": row.label.get(lang), "n_employees": n,
            **{labels[i]: int(counts[i]) for i in range(len(pred_ids))},
            "n_unscored": int(len(g) - n), "ok": not violations, "violations": "; ".join(violations),
            "changes": "; ".join(texts), "n_changes": int(moves.sum()) if moves is not None else -1})
    units_frame = pd.DataFrame(unit_rows)
    changes = pd.DataFrame(change_rows, columns=["unit", "employee_id", "from_predikat", "to_predikat",
                                                 "priority"])
    constraints = pd.DataFrame(cons_rows, columns=["unit", "constraint", "count", "min_count", "max_count",
                                                   "ok"])
    params = {"period": period, "rounding": rounding,
              "org_rating": org_rating if isinstance(org_rating, str) else dict(org_rating)}
    return CurveCheck(units_frame, changes, constraints, rubric.id, rubric.hash, params, frame)
