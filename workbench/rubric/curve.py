"""Check each unit's predikat counts against the distribution curve, and what would fix them.

Each curve row (one per Predikat Kinerja Organisasi) is a list of constraints on the
count of one or more predikat: a minimum share, a maximum share, or "must be present".
Shares become counts explicitly (``rounding``), then the smallest set of changes that
satisfies every constraint is found as a tiny integer programme (moves between predikat,
fewest employees first, then the shortest moves), and the borderline employees closest to
each boundary are found. :meth:`CurveCheck.summary` is the privacy-safe view for
leaders (aggregates and texts that name predikat and numbers only, small cells hidden);
:attr:`CurveCheck.borderline` names the employees, for HR only.

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

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from workbench.data.normalize import canonical_name, canonical_text
from workbench.errors import ParameterError, RubricError, check_option
from workbench.i18n import t
from workbench.privacy import check_min_cell, suppress_counts
from workbench.results import ProvenanceMixin, frame_html
from workbench.rubric._curve_flow import move_costs, solve_flow
from workbench.rubric.load import load_rubric
from workbench.rubric.model import CurveConstraint, CurveRow, Rubric

__all__ = ["ASSUMED", "GIVEN", "RULE_IN_FORCE", "CurveCheck", "curve_check", "dataset_org_ratings"]

Rounding = Literal["conservative", "lenient", "nearest"]
SmallUnits = Literal["report", "strict", "pool"]
_EPS = 1e-9
RULE_IN_FORCE = "permenpanrb-6-2022"
"""The rubric a Dataset without recorded predikat is scored under by :func:`curve_check`."""
GIVEN = "given"
"""``org_rating_source`` of a unit whose org rating was passed as ``org_rating``."""
ASSUMED = "assumed Baik"
"""``org_rating_source`` of a unit with no known org rating, checked as Baik."""
MAJORITY = 0.5
"""A maximum share of at least this much caps the unit's majority predikat ("sebagian besar
(maksimal 70%)"): it must allow at least one employee, else the unit is too small for it."""


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


def _bounds_array(c: CurveConstraint, n: np.ndarray, rounding: Rounding) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_bounds` for many unit sizes at once: the arrays ``lo, hi`` (the same integers)."""
    n = np.asarray(n, dtype=np.int64)
    funcs = {"down": lambda x: np.floor(x + _EPS), "up": lambda x: np.ceil(x - _EPS),
             "near": lambda x: np.floor(x + 0.5 + _EPS)}
    lo, hi = np.zeros_like(n), n.copy()
    if c.min is not None:
        lo = funcs[{"conservative": "up", "lenient": "down", "nearest": "near"}[rounding]](c.min * n).astype(np.int64)
    if c.max is not None:
        hi = funcs[{"conservative": "down", "lenient": "up", "nearest": "near"}[rounding]](c.max * n).astype(np.int64)
    if c.present:
        lo = np.maximum(lo, 1)
    return lo, hi


def _unmeetable(c: CurveConstraint, n: int, lo: int, hi: int) -> str | None:
    """Why a constraint cannot be met in a unit of ``n`` (its rounded bounds ``lo, hi``),
    or None. The rules state shares of a unit; a unit too small to hold a share in whole
    people cannot meet the rule's intent:

    * ``cap``: a cap on the majority predikat (``max >= MAJORITY``, "sebagian besar
      (maksimal 70%)") that rounds to no one (one employee of one is 100 %);
    * ``min``: a minimum share below 100 % that would take every employee of the unit;
    * ``present``: "harus ada" (some employees with a predikat, beside the others) in a unit
      of one.

    A cap below ``MAJORITY`` that rounds to 0 is not impossible: it means no one in a unit
    that small (e.g. Sangat Baik at most 10 % of 5 employees).
    """
    if n <= 0:
        return None
    if c.max is not None and MAJORITY <= c.max < 1 and hi < 1:
        return "cap"
    if c.min is not None and 0 < c.min < 1 and lo > n - 1:
        return "min"
    if c.present and n < 2:
        return "present"
    return None


def _solve(counts: np.ndarray, cons: list[tuple[list[int], int, int]]) -> np.ndarray | None:
    """Fewest moves, then shortest, then fewest upward: x[p, q] so that every constraint holds.

    ``p`` and ``q`` are predikat ranks (0 = best); returns None if no solution exists.
    The programme depends only on the counts and the rounded bounds, which repeat across
    units of the same size and distribution: each distinct one is solved once (cached).
    It is solved as a minimum-cost circulation (:mod:`workbench.rubric._curve_flow`) when
    that answer is certain, else (a tie, overlapping constraint groups) by the MILP.
    """
    key = (tuple(int(c) for c in counts), tuple((tuple(int(i) for i in idx), int(lo), int(hi))
                                               for idx, lo, hi in cons))
    moves = _solve_cached(*key)
    return None if moves is None else np.array(moves, dtype=int)


@lru_cache(maxsize=4096)
def _solve_cached(counts_key: tuple[int, ...],
                  cons_key: tuple[tuple[tuple[int, ...], int, int], ...]) -> tuple[tuple[int, ...], ...] | None:
    decided, flow = solve_flow(counts_key, cons_key)
    if decided:  # the network's unique optimum, or no fix at all: what the MILP returns
        return flow
    moves = _solve_milp(np.array(counts_key, dtype=np.int64), [(list(i), lo, hi) for i, lo, hi in cons_key])
    return None if moves is None else tuple(tuple(int(x) for x in row) for row in moves)


def _solve_milp(counts: np.ndarray, cons: list[tuple[list[int], int, int]]) -> np.ndarray | None:
    """The integer programme of :func:`_solve`, solved with HiGHS."""
    k = len(counts)
    pairs = [(p, q) for p in range(k) for q in range(k) if p != q]
    n = int(counts.sum())
    costs = move_costs(k, n)  # the flow's costs: one move outweighs any distance, one unit of distance any tie-break
    cost = np.array([costs[p][q] for p, q in pairs], dtype=float)
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
               integrality=np.ones(len(pairs)), bounds=Bounds(0, n), options={"mip_rel_gap": 0, "presolve": False})
    if res.x is None or res.status != 0:
        return None
    moves = np.zeros((k, k), dtype=int)
    for (p, q), x in zip(pairs, np.round(res.x).astype(int), strict=True):
        moves[p, q] = x
    return moves


@dataclass(frozen=True, eq=False)
class CurveCheck(ProvenanceMixin):
    """The curve check per unit.

    Attributes
    ----------
    units
        See :meth:`to_frame` (its ``changes`` text names borderline employees: not for
        leaders; use :meth:`summary`).
    changes
        One row per proposed move: ``unit, employee_id, from_predikat, to_predikat,
        priority, distance`` (the distance to the target predikat that ranked the employee
        as borderline; see :func:`workbench.calibration.boundary_distance`). Identifies
        employees: for HR only (also available as :attr:`borderline`).
    constraints
        One row per unit and constraint: ``unit, constraint, count, min_count,
        max_count, ok``, and the rule itself: ``predikat_ids`` (``+``-joined ids),
        ``min_share, max_share, present``.
    moves
        The smallest fix as aggregates, one row per unit and move: ``unit,
        from_predikat, to_predikat`` (predikat ids) and ``n_employees``.
    """

    units: pd.DataFrame
    changes: pd.DataFrame
    constraints: pd.DataFrame
    rubric_id: str
    rubric_hash: str
    parameters: dict[str, Any] = field(default_factory=dict)
    _data: Any = field(default=None, repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)
    moves: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["unit", "from_predikat", "to_predikat", "n_employees"]))
    _rubric: Any = field(default=None, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per unit: ``unit, org_rating, n_employees``, one count column per
        predikat (best first), ``n_unscored, ok, violations, changes, n_changes``.

        The ``changes`` text names up to ``max_named`` borderline employees per move and
        ``violations`` gives exact counts: for analysts and HR. Leaders see
        :meth:`summary`.
        """
        return self.units.copy()

    @property
    def borderline(self) -> pd.DataFrame:
        """The employees closest to each boundary that the smallest fix would move:
        ``unit, employee_id, from_predikat, to_predikat, priority, distance``. For HR only: it
        identifies people, and who moves is a person's decision, not the tool's."""
        return self.changes.copy()

    def summary(self, lang: str = "id", min_cell: int | None = None) -> pd.DataFrame:
        """The privacy-safe aggregate view: what a leader may see.

        Parameters
        ----------
        lang
            ``"id"`` (default) or ``"en"``: labels of predikat and organisation rating
            (from the rubric) and of the texts (from :mod:`workbench.i18n`).
        min_cell
            ``None``: exact counts (for analysts). An integer (at least 3, e.g. the
            default 5): small cells are hidden by :mod:`workbench.privacy`: predikat
            counts by :func:`~workbench.privacy.suppress_counts` (``NaN``); a unit with
            fewer than ``min_cell`` scored employees keeps only its name and
            organisation rating; a number of employees to move, or ``n_changes``, in
            1 .. ``min_cell - 1`` is written ``<min_cell``.

        Returns
        -------
        pandas.DataFrame
            One row per unit: ``unit, org_rating, n_employees`` (every roster employee),
            one count column per predikat (labels in ``lang``, best first), ``ok``
            (nullable boolean), ``violations`` (the rules broken, as shares: "Baik maks.
            70%"), ``changes`` (e.g. "pindahkan 12 pegawai dari Baik ke Butuh
            Perbaikan"), ``n_changes``, ``n_rated`` (the employees the curve is checked
            over), ``n_unscored`` ("belum dinilai") and ``org_rating_source`` (the
            file's name, "ditetapkan"/"given" or "diasumsikan Baik"/"assumed Baik"). No text names an employee or gives a count of the unit's
            employees in a predikat.

        Examples
        --------
        >>> import workbench as wb
        >>> scores = wb.score(wb.read_sample("kota_contoh"), "permenpanrb-6-2022", period="2025")
        >>> s = wb.curve_check(scores, "Baik").summary()
        >>> s.loc[0, ["violations", "changes"]].tolist()
        ['Baik maks. 70%', 'pindahkan 12 pegawai dari Baik ke Butuh Perbaikan']
        >>> wb.curve_check(scores, "Baik").summary("en").loc[0, "violations"]
        'Good at most 70%'
        """
        check_option("lang", lang, ["id", "en"])
        k = None if min_cell is None else check_min_cell(min_cell)
        rubric = self._rubric
        pred = list(rubric.predikat)
        labels = [p.label.get(lang) for p in pred]
        own = [p.label.get(self.parameters.get("lang", "id")) for p in pred]
        u = self.units
        counts = u[own].astype(float).set_axis(labels, axis=1)
        counts.index = u.index
        n = u["n_employees"].astype(float)
        unscored = u["n_unscored"].astype(float) if "n_unscored" in u else pd.Series(0.0, index=u.index)
        rated = n - unscored
        small = pd.Series(False, index=u.index)
        if k is not None:
            counts = suppress_counts(counts, k)
            small = rated < k
        label_of = {p.id: p.label.get(lang) for p in pred}

        def shown(x: int) -> str:
            return f"<{k}" if k is not None and 0 < x < k else f"{x:,}"

        viol: dict[str, list[str]] = {}
        unmet = self.constraints["meetable"] if "meetable" in self.constraints else True
        for r in self.constraints[~self.constraints["ok"] & unmet].itertuples(index=False):
            name = " + ".join(label_of[p] for p in str(r.predikat_ids).split("+"))
            parts = []
            if r.present and r.count == 0:
                parts.append(t("curve.rule.present", lang, predikat=name))
            if r.min_share is not None and not pd.isna(r.min_share) and r.count < r.min_count:
                parts.append(t("curve.rule.min", lang, predikat=name, share=float(r.min_share)))
            if r.max_share is not None and not pd.isna(r.max_share) and r.count > r.max_count:
                parts.append(t("curve.rule.max", lang, predikat=name, share=float(r.max_share)))
            if not parts:  # the rounded bounds cross (a unit too small for the rule)
                parts.append(t("curve.rule.present", lang, predikat=name) if r.present else
                             t("curve.rule.min" if r.min_share is not None and not pd.isna(r.min_share)
                               else "curve.rule.max", lang, predikat=name,
                               share=float(r.min_share if r.min_share is not None and not pd.isna(r.min_share)
                                           else r.max_share)))
            viol.setdefault(str(r.unit), []).extend(parts)
        moves: dict[str, list[str]] = {}
        for m in self.moves.itertuples(index=False):
            moves.setdefault(str(m.unit), []).append(t("curve.move", lang, n=shown(int(m.n_employees)),
                                                      source=label_of[m.from_predikat],
                                                      target=label_of[m.to_predikat]))
        org_label = {row.label.get(self.parameters.get("lang", "id")): row.label.get(lang)
                     for row in (rubric.curve.rows.values() if rubric.curve is not None else [])}
        n_changes = u["n_changes"].astype(float)
        texts = []
        small_text: dict[str, str] = {}
        if "meetable" in self.constraints:
            for r in self.constraints[~self.constraints["meetable"]].itertuples(index=False):
                name = " + ".join(label_of[p] for p in str(r.predikat_ids).split("+"))
                rule = (t("curve.rule.present", lang, predikat=name) if r.present else
                        t("curve.rule.min" if r.min_share is not None and not pd.isna(r.min_share)
                          else "curve.rule.max", lang, predikat=name,
                          share=float(r.min_share if r.min_share is not None and not pd.isna(r.min_share)
                                      else r.max_share)))
                small_text.setdefault(str(r.unit), "")
                small_text[str(r.unit)] += ("; " if small_text[str(r.unit)] else "") + rule
        for i, unit in zip(u.index, u["unit"].astype(str), strict=True):
            parts = [t("curve.infeasible", lang)] if n_changes[i] < 0 else list(moves.get(unit, []))
            if unit in small_text:
                parts.append(t("curve.too_small", lang, rules=small_text[unit]))
            texts.append("; ".join(parts))
        out = pd.DataFrame({"unit": u["unit"].astype(str), "org_rating": u["org_rating"].map(org_label)
                            .fillna(u["org_rating"]), "n_employees": n.mask(small)})
        out = pd.concat([out, counts], axis=1)
        out["ok"] = pd.array(u["ok"], dtype="boolean")
        out["violations"] = ["; ".join(viol.get(unit, [])) for unit in u["unit"].astype(str)]
        out["changes"] = texts
        out["n_changes"] = n_changes
        out["n_rated"] = rated.mask(small)
        out["n_unscored"] = unscored
        out["org_rating_source"] = (u["org_rating_source"].map(lambda x: source_label(str(x), lang))
                                    if "org_rating_source" in u else "")
        if k is not None:
            out.loc[small, "ok"] = pd.NA
            out.loc[small, ["violations", "changes"]] = ""
            hide = small | ((n_changes > 0) & (n_changes < k))
            out["n_changes"] = n_changes.mask(hide)
            out["n_unscored"] = unscored.mask((unscored > 0) & (unscored < k))
        else:
            out["n_employees"] = out["n_employees"].astype(int)
            out[labels] = out[labels].astype(int)
            out["n_changes"] = out["n_changes"].astype(int)
            out[["n_rated", "n_unscored"]] = out[["n_rated", "n_unscored"]].astype(int)
        return out.reset_index(drop=True)

    def headline(self, lang: str = "id", min_cell: int | None = None) -> str:
        """Where the org ratings came from and how many employees are not yet rated, in one
        sentence (aggregates only; a count of 1 .. ``min_cell - 1`` is written ``<min_cell``).

        Examples
        --------
        >>> import workbench as wb
        >>> scores = wb.score(wb.read_sample("kota_contoh"), "permenpanrb-6-2022", period="2025")
        >>> wb.curve_check(scores).headline()
        'Predikat organisasi: diasumsikan Baik untuk 12 OPD (tidak ada data predikat organisasi). Belum dinilai: 0 pegawai.'
        """
        check_option("lang", lang, ["id", "en"])
        k = None if min_cell is None else check_min_cell(min_cell)
        u = self.units
        src = u["org_rating_source"].astype(str) if "org_rating_source" in u else pd.Series(dtype=str)
        unscored = int(u["n_unscored"].sum()) if "n_unscored" in u else 0
        shown = f"<{k}" if k is not None and 0 < unscored < k else f"{unscored:,}"
        return org_source_sentence(src.tolist(), lang) + " " + t("curve.unscored", lang, n=shown)

    def _repr_html_(self) -> str:
        head = f"<p><em>{html.escape(self.headline())}</em></p>" if len(self.units) else ""
        return head + frame_html("Curve check per unit", self.units, max_rows=40)


def org_source_sentence(sources: Sequence[str], lang: str = "id") -> str:
    """Where the units' org ratings came from, in one sentence: each file's name, "set by
    hand" or "assumed Baik", with the number of units (``sources``: one entry per unit, as
    ``CurveCheck.units["org_rating_source"]``).

    >>> org_source_sentence(["org.csv", "org.csv", "assumed Baik"])
    'Predikat organisasi: dari org.csv untuk 2 OPD; diasumsikan Baik untuk 1 OPD (tidak ada data predikat organisasi).'
    """
    src = pd.Series(list(sources), dtype=object).astype(str)
    parts = [t("curve.org_source.file", lang, source=name, n=int((src == name).sum()))
             for name in sorted(set(src) - {GIVEN, ASSUMED})]
    if (src == GIVEN).any():
        parts.append(t("curve.org_source.given", lang, n=int((src == GIVEN).sum())))
    if (src == ASSUMED).any():
        parts.append(t("curve.org_source.assumed", lang, n=int((src == ASSUMED).sum())))
    return t("curve.org_source", lang, sources="; ".join(parts))


def _one_period(periods: list[str], period: str | None, holder: str) -> str:
    """The period to check: ``period`` (one of ``periods``), or the only one there is."""
    if period is None:
        if len(periods) != 1:
            raise ParameterError(f"The {holder} hold{'s' if holder == 'dataset' else ''} {len(periods)} periods "
                                 f"({', '.join(periods)}); pass `period=` to check one of them.")
        return periods[0]
    check_option("period", period, periods)
    return period


def source_label(source: str, lang: str) -> str:
    """A unit's org-rating source as a column shows it (a file's name, \"ditetapkan\" or \"diasumsikan Baik\")."""
    if source == GIVEN:
        return t("curve.org_source.given_label", lang)
    if source == ASSUMED:
        return t("curve.org_source.assumed_label", lang)
    return source


@lru_cache(maxsize=256)
def _min_size(row: CurveRow, rounding: Rounding) -> int:
    """The smallest unit in which every rule of ``row`` can be met (at most 100)."""
    for n in range(1, 101):
        if all(_unmeetable(c, n, *_bounds(c, n, rounding)) is None for c in row.constraints):
            lo_hi = [_bounds(c, n, rounding) for c in row.constraints]
            if all(lo <= hi for lo, hi in lo_hi):
                return n
    return 101


def _pool(work: pd.DataFrame, frame: pd.DataFrame, rows_by_unit: dict[str, CurveRow], rubric: Rubric,
          pool: Any, rounding: Rounding, lang: str) -> tuple[pd.DataFrame, dict[str, CurveRow], int]:
    """Merge the units too small for their rule, per pool group and organisation rating."""
    if pool is None:
        raise ParameterError("`small_units='pool'` needs `pool=`: a {unit: group} mapping (e.g. each work "
                             "unit's OPD) or a column of the scores table that names the group.")
    if isinstance(pool, str):
        if pool not in frame.columns:
            raise ParameterError(f"`pool` names column {pool!r}, which the scores table lacks; columns: "
                                 f"{', '.join(map(str, frame.columns[:12]))}. Pass a {{unit: group}} mapping.")
        group_of = frame.groupby("unit", observed=True)[pool].first().astype(str).to_dict()
    else:
        group_of = {str(k): str(v) for k, v in dict(pool).items()}
    n_scored = work[work["rank"].notna()].groupby("unit").size()
    label = "small units" if lang == "en" else "unit kecil"
    new_rows = dict(rows_by_unit)
    rename: dict[str, str] = {}
    for unit, row in rows_by_unit.items():
        if int(n_scored.get(unit, 0)) >= _min_size(row, rounding):
            continue
        group = group_of.get(unit)
        if group is None:
            continue
        same = [u for u, r in rows_by_unit.items() if r.id != row.id and group_of.get(u) == group]
        name = f"{group} ({label})" if not same else f"{group} ({label}, {row.label.get(lang)})"  # type: ignore[arg-type]
        rename[unit] = name
        new_rows[name] = row
    if not rename:
        return work, rows_by_unit, 0
    work = work.assign(unit=work["unit"].map(lambda u: rename.get(u, u)))
    return work, new_rows, len(rename)


def _lookup(values: pd.Series, table: dict[Any, Any]) -> np.ndarray:
    """``values.map(table).to_numpy()`` (NaN where ``table`` lacks a value), looking each
    distinct value up once."""
    codes, uniques = pd.factorize(values)
    found = np.array([table.get(u, np.nan) for u in uniques] + [np.nan], dtype=object)
    return found[codes]


def _is_dataset(x: Any) -> bool:
    return all(hasattr(x, a) for a in ("ratings", "roster", "predikat", "org_ratings"))


def _from_dataset(ds: Any, rubric: Rubric | str | None, period: str | None,
                  lang: Literal["id", "en"] | None) -> tuple[Any, Rubric, str, str]:
    """What :func:`curve_check` checks for a Dataset: ``(scores, rubric, period, predikat_source)``.

    The recorded predikat of ``period`` (with the roster as the denominator) when the
    dataset holds some, else the ratings scored under ``rubric``.
    """
    from workbench.rubric.score import score

    rubric = load_rubric(rubric or RULE_IN_FORCE) if not isinstance(rubric, Rubric) else rubric
    period = _one_period(list(ds.periods), period, "dataset")
    rec = ds.predikat[ds.predikat["period"].astype(str) == period]
    if rec.empty:
        return score(ds, rubric, period=period, lang=lang or "id"), rubric, period, "rubric"
    lang = lang or "id"
    check_option("lang", lang, ["id", "en"])
    names = {canonical_name(pd.Series([x], dtype=object)).iloc[0]: p.label.get(lang)
             for p in rubric.predikat for x in (p.id, p.label.id, p.label.en)}
    roster = ds.roster
    if "period" in roster.columns:
        roster = roster[roster["period"].astype(str) == period]
    people = roster[["employee_id", "unit"]].astype({"employee_id": str}).drop_duplicates("employee_id")
    rec = rec.astype({"employee_id": str}).drop_duplicates("employee_id", keep="last")
    frame = people.merge(rec[["employee_id", "predikat"]], on="employee_id", how="outer")
    text = frame["predikat"].astype(object)
    label = canonical_name(text.where(text.notna(), "").astype(object)).map(names)
    frame = frame.assign(period=period, predikat=pd.Categorical(
        label, categories=[p.label.get(lang) for p in reversed(rubric.predikat)], ordered=True))
    frame = frame.loc[:, ["period", "employee_id", "unit", "predikat"]].sort_values(
        ["unit", "employee_id"], na_position="last").reset_index(drop=True)
    frame.attrs["not_on_roster"] = int(frame["unit"].isna().sum())
    return frame, rubric, period, "recorded"


def dataset_org_ratings(ds: Any, period: str | None = None) -> tuple[dict[str, str], str]:
    """The dataset's org ratings ``{unit: org predikat}`` for ``period`` (rows of the period
    win over rows without one; ``None``: the latest period's) and their source (the
    file's name, ``ds.meta["org_ratings_source"]``; ``""`` when there are none).

    Examples
    --------
    >>> import workbench as wb
    >>> dataset_org_ratings(wb.read_sample("kota_contoh"))
    ({}, '')
    """
    if period is None and ds is not None and len(ds.periods):
        period = ds.periods[-1]
    return _ds_org(ds, str(period))


def _ds_org(ds: Any, period: str) -> tuple[dict[str, str], str]:
    """The dataset's org ratings for ``period`` (rows of the period win over rows without
    one) and their source (the file's name)."""
    org = ds.org_ratings if ds is not None else None
    if org is None or org.empty:
        return {}, ""
    general = org[org["period"].isna()]
    own = org[org["period"].astype(str) == str(period)]
    mapping = {str(u): str(v) for u, v in zip(general["unit"], general["org_predikat"], strict=True)
               if not pd.isna(v)}
    mapping.update({str(u): str(v) for u, v in zip(own["unit"], own["org_predikat"], strict=True)
                    if not pd.isna(v)})
    source = str(getattr(ds, "meta", {}).get("org_ratings_source") or "org_ratings")
    return mapping, source


def _resolve_org(org_rating: Any, ds: Any, period: str, units: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """``({unit: org rating}, {unit: source})`` for every unit."""
    if isinstance(org_rating, str):
        return dict.fromkeys(units, org_rating), dict.fromkeys(units, GIVEN)
    given = {} if org_rating is None else {str(k): v for k, v in dict(org_rating).items()}
    known, source = _ds_org(ds, period)
    if ds is None and org_rating is not None:
        absent = [u for u in units if u not in given]
        if absent:
            raise ParameterError(f"`org_rating` gives no Predikat Kinerja Organisasi for {len(absent)} units "
                                 f"({', '.join(absent[:5])}{' ...' if len(absent) > 5 else ''}); give one per "
                                 "unit, or one string for all.")
    mapping, sources = {}, {}
    for unit in units:
        if unit in given:
            mapping[unit], sources[unit] = given[unit], GIVEN
        elif unit in known:
            mapping[unit], sources[unit] = known[unit], source
        else:
            mapping[unit], sources[unit] = "Baik", ASSUMED
    return mapping, sources


def _overall_source(sources: dict[str, str]) -> str:
    """The distinct sources of the units' org ratings, files first, then given, then assumed."""
    distinct = set(sources.values())
    order = sorted(distinct - {GIVEN, ASSUMED}) + [x for x in (GIVEN, ASSUMED) if x in distinct]
    return " + ".join(order)


def _canonical(texts: list[Any]) -> list[str]:
    """:func:`~workbench.data.normalize.canonical_name` of a few values, as a list: for text
    (every name of a curve row, every org rating given) its :func:`canonical_text` directly,
    without building a Series."""
    if all(type(x) is str for x in texts):
        return [canonical_text(x) for x in texts]
    return canonical_name(pd.Series(texts, dtype=object)).tolist()


def _org_rows(rubric: Rubric, org_rating: Any, units: list[str]) -> dict[str, CurveRow]:
    curve = rubric.curve
    if curve is None:
        raise RubricError(f"Rubric '{rubric.id}' has no distribution curve; add a `curve:` section "
                          "(see the permenpanrb-6-2022 preset).", key="curve", file=rubric.file)
    texts = [(text, rid) for rid, row in curve.rows.items() for text in (rid, row.label.id, row.label.en)]
    texts += list(curve.aliases.items())
    canon = _canonical([x for x, _ in texts])
    names = {c: rid for c, (_, rid) in zip(canon, texts, strict=True)}
    mapping = dict.fromkeys(units, org_rating) if isinstance(org_rating, str) else dict(org_rating)
    absent = [u for u in units if u not in mapping]
    if absent:
        raise ParameterError(f"`org_rating` gives no Predikat Kinerja Organisasi for {len(absent)} units "
                             f"({', '.join(absent[:5])}{' ...' if len(absent) > 5 else ''}); give one per "
                             "unit, or one string for all.")
    given = sorted({str(mapping[u]) for u in units})
    canon_given = dict(zip(given, _canonical(given), strict=True))
    out = {}
    for unit in units:
        key = canon_given[str(mapping[unit])]
        if key not in names:
            raise ParameterError(f"`org_rating` for unit '{unit}' must be one of "
                                 f"{{{', '.join(repr(r.label.id) for r in curve.rows.values())}}}; "
                                 f"got {mapping[unit]!r}.")
        out[unit] = curve.rows[names[key]]
    return out


def curve_check(scores: Any, org_rating: dict[str, str] | pd.Series | str | None = None, *,
                period: str | None = None,
                rounding: Rounding = "conservative", max_named: int = 10, rubric: Rubric | str | None = None,
                lang: Literal["id", "en"] | None = None, small_units: SmallUnits = "report",
                pool: dict[str, str] | str | None = None) -> CurveCheck:
    """Check each unit's predikat distribution against the curve of the scores' rubric.

    Parameters
    ----------
    scores
        :class:`~workbench.rubric.score.Scores` (with ``unit`` joined from the roster), a
        DataFrame with ``period, employee_id, unit, predikat`` (the rubric's labels)
        and the dimension columns, such as :func:`workbench.weights.scores_frame`
        returns (then ``rubric`` is required), or a :class:`~workbench.data.Dataset`:
        its recorded predikat (:attr:`~workbench.data.Dataset.predikat`) when it holds
        some for ``period``, else its ratings scored under ``rubric`` (default the rule
        in force, ``permenpanrb-6-2022``); its roster is the denominator.
    org_rating
        Predikat Kinerja Organisasi per unit (``{unit: "Istimewa" | "Baik" |
        "Butuh Perbaikan" (or "Cukup") | "Kurang" | "Sangat Kurang"}``, any case), or one
        string for every unit. Default (and for the units a mapping leaves out, with a
        Dataset): the dataset's :attr:`~workbench.data.Dataset.org_ratings` (the rows of
        ``period``, else those without a period). A unit with no known rating is checked
        as "Baik", and the result says so: ``org_rating_source`` is ``"assumed Baik"``
        and the unit is listed in ``parameters["units_without_org_rating"]``. (With
        Scores or a DataFrame, a mapping that leaves out units is an error.)
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
    rubric
        The rubric of a DataFrame ``scores`` (a ``Scores`` carries its own); for a
        Dataset, the rubric (or preset id) its ratings are scored under when it holds no
        recorded predikat for ``period`` (default ``"permenpanrb-6-2022"``).
    lang
        Language of the labels in ``to_frame()``; default the language of ``scores``
        (``"id"`` for a DataFrame). :meth:`CurveCheck.summary` takes its own.
    small_units
        What to do in a unit too small for a rule (see Notes): ``"report"`` (default):
        check the rules the unit can meet, say which it cannot (``ok`` is ``<NA>`` when one
        cannot be met) and demand no move for them; ``"strict"``: demand the rounded
        counts whatever the size (the behaviour before 0.2); ``"pool"``: check the units
        too small for their rule together, per group of ``pool`` and organisation rating.
    pool
        With ``small_units="pool"``: the group of each unit, a ``{unit: group}`` mapping
        (e.g. each work unit's OPD) or a column of the scores table (e.g. ``"opd"``).

    Returns
    -------
    CurveCheck
        ``.to_frame()``: ``unit, org_rating, n_employees`` (every roster employee of the
        unit in the period), counts per predikat, ``n_unscored`` (those without a
        predikat: "belum dinilai"), ``ok, violations, changes, n_changes,
        org_rating_source`` (the org-ratings file's name, ``"given"`` or ``"assumed
        Baik"``); ``.parameters`` records ``predikat_source`` (``"recorded"`` or
        ``"rubric"``), ``org_rating_source`` and ``units_without_org_rating``;
        ``.headline(lang)`` says both in one sentence; ``.summary(lang, min_cell)``
        the same per unit without identifiers and with small cells hidden;
        ``.borderline`` the employees the fix would move (HR only). ``.constraints`` has
        ``meetable`` per unit and rule.

    Notes
    -----
    The smallest set of changes minimises the number of employees whose predikat changes,
    then the total distance moved (a move Baik -> Butuh Perbaikan is shorter than Baik ->
    Sangat Kurang), then the number of upward moves (the curve is a check on leniency). Borderline
    employees of a move are those closest to the target predikat's region: the distance of
    :func:`workbench.calibration.boundary_distance` (in category widths of each
    dimension, or of the composite's bands). Ties (common with the plain e-Kinerja ratings)
    are broken by a keyed hash of period and employee id, never by NIP order (which ranks
    by age): the list shows who is *eligible*, a person decides. ``priority`` keeps the
    mean rescaled dimension score (the composite for a bands rubric). With recorded predikat
    there are no scores to rank by: the moves are counted, and no employee is named.

    **The roster is the denominator.** ``n_employees`` counts every roster employee of the
    unit in the period, rated or not; the curve is checked over the rated ones (*n*, the
    sum of the predikat counts): employees without a predikat ("belum dinilai") are
    counted in ``n_unscored`` and left out of *n*.

    **Small units.** The rules state shares of a unit, which ``rounding`` turns into whole
    employees. In a unit of a few employees some rules cannot be met as the rules mean
    them: a cap on the majority predikat ("sebagian besar (maksimal 70%)") rounds to no
    one in a unit of one; a minimum share below 100 % (60 % Butuh Perbaikan) would take
    every employee of a unit of one or two; "harus ada" (some employees with Butuh
    Perbaikan or Kurang, beside the others) cannot hold in a unit of one. With
    ``small_units="report"`` a unit smaller than its row needs (the smallest size in which
    every rule of the row can be met together) is reported (``violations``; ``ok`` is
    ``<NA>``; in :meth:`~CurveCheck.summary` "aturan ... tidak dapat dipenuhi pada unit
    sekecil ini") instead of being told to move its only employee. A cap below 50 % that
    rounds to 0 is applied (Sangat Baik at most 10 % of 5 employees: none). With the
    PermenPANRB 6/2022 curve and conservative rounding, the Istimewa and Baik rows need 2
    employees, the other rows 3. ``"pool"`` checks the small units of one group (an OPD's
    work units) as one unit, named ``"<group> (unit kecil)"``.

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
    # imported here, not at the top: the calibration layer imports the rubric
    from workbench.calibration.distance import boundary_distance, tie_keys

    check_option("rounding", rounding, ["conservative", "lenient", "nearest"])
    ds = scores if _is_dataset(scores) else None
    predikat_source = "rubric"
    if ds is not None:
        scores, rubric, period, predikat_source = _from_dataset(ds, rubric, period, lang)
    elif isinstance(rubric, str):
        rubric = load_rubric(rubric)

    if isinstance(scores, pd.DataFrame):
        if not isinstance(rubric, Rubric):
            raise ParameterError("`rubric` is required when `scores` is a DataFrame; pass the Rubric the "
                                 "scores came from.")
        missing = [c for c in ("period", "employee_id", "unit", "predikat") if c not in scores.columns]
        if missing:
            raise ParameterError(f"`scores` lacks the column(s) {missing}; pass wb.score(...) or "
                                 "workbench.weights.scores_frame(...).")
        frame = scores
        label_to_id = {p.label.en: p.id for p in rubric.predikat}
        label_to_id.update({p.label.id: p.id for p in rubric.predikat})
        all_ids: pd.Series | None = pd.Series(_lookup(frame["predikat"], label_to_id), index=frame.index,
                                              dtype=object)
        lang = lang or "id"
    else:
        rubric = scores.rubric
        frame = scores.frame
        all_ids = None  # Scores.predikat_ids(), read below for the period's rows only
        lang = lang or scores.lang
    if not isinstance(rubric, Rubric):  # (for the type checker: every branch above set one)
        raise ParameterError("`rubric` must be a Rubric or a preset id.")
    check_option("lang", lang, ["id", "en"])
    period = _one_period(sorted(frame["period"].unique().tolist()), period, "scores")
    frame = frame[frame["period"] == period]
    pred_ids = [p.id for p in rubric.predikat]
    labels = [p.label.get(lang) for p in rubric.predikat]
    rank_of: dict[Any, float] = {p: float(i) for i, p in enumerate(pred_ids)}
    column = frame["predikat"]
    if all_ids is None and isinstance(column.dtype, pd.CategoricalDtype):
        # the rank of each category's id (as Scores.predikat_ids maps it), taken by code: one
        # lookup per category instead of mapping every employee of every period
        id_of = {p.label.get(scores.lang): p.id for p in rubric.predikat}
        per_category = [rank_of.get(id_of.get(c), np.nan) for c in column.cat.categories]
        rank = np.array([*per_category, np.nan], dtype=float)[column.cat.codes.to_numpy()]
    else:
        if all_ids is None:
            all_ids = scores.predikat_ids()
        ids = all_ids.loc[frame.index]
        rank = _lookup(ids, rank_of).astype(float)
    if predikat_source == "recorded":
        priority = np.full(len(frame), np.nan)
    elif rubric.rule == "bands":
        priority = frame["composite"].to_numpy(dtype=float)
    else:
        parts = [(frame[d.id].to_numpy(dtype=float) - d.scale.min) / (d.scale.max - d.scale.min)
                 for d in rubric.dimensions]
        priority = np.mean(parts, axis=0)
    check_option("small_units", small_units, ["report", "strict", "pool"])
    # the columns read below, as arrays (a frame of them is built only to pool small units)
    unit_values = frame["unit"].to_numpy()
    emp_ids = frame["employee_id"].to_numpy(dtype=object)
    units = sorted(frame["unit"].dropna().unique().tolist())
    mapping, sources = _resolve_org(org_rating, ds, period, units)
    rows_by_unit = _org_rows(rubric, mapping, units)
    notes: list[str] = []
    if frame.attrs.get("not_on_roster"):
        notes.append(f"{frame.attrs['not_on_roster']} employee(s) with a recorded predikat are not on the roster "
                     f"of {period} and have no unit; they are left out. Add them to the roster to count them.")
    if small_units == "pool":
        work = pd.DataFrame({"unit": unit_values, "employee_id": emp_ids, "rank": rank, "priority": priority})
        work, rows_by_unit, pooled = _pool(work, frame, rows_by_unit, rubric, pool, rounding, lang)
        if pooled:
            notes.append(f"{pooled} unit(s) too small for their rule are checked together per group.")
        unit_values = work["unit"].to_numpy()
    en = lang == "en"
    unit_rows, change_rows, cons_rows, move_rows = [], [], [], []
    # counts and bounds of every unit at once; Python runs per unit only to write its rows
    codes, unit_keys = pd.factorize(unit_values, sort=True)  # the groups of groupby("unit"); -1: no unit
    n_pred = len(pred_ids)
    rank_f = np.asarray(rank, dtype=float)
    scored_rows = (codes >= 0) & ~np.isnan(rank_f)
    n_units = len(unit_keys)
    n_rows = np.bincount(codes[codes >= 0], minlength=n_units)
    rank_i = np.where(scored_rows, rank_f, -1).astype(np.int64)
    counts_all = np.bincount(codes[scored_rows] * n_pred + rank_i[scored_rows],
                             minlength=n_units * n_pred).reshape(n_units, n_pred)
    n_all = counts_all.sum(axis=1)
    row_of = [rows_by_unit[str(u)] for u in unit_keys]
    checked: dict[CurveRow, dict[str, Any]] = {}  # per curve row: its units' bounds, counts, verdicts
    units_of: dict[CurveRow, list[int]] = {}
    for i, r in enumerate(row_of):
        units_of.setdefault(r, []).append(i)
    for row, member_list in units_of.items():
        members = np.array(member_list, dtype=np.int64)
        pos = np.empty(n_units, dtype=np.int64)
        pos[members] = np.arange(len(members))
        n_m = n_all[members]
        idx = [[pred_ids.index(p) for p in c.predikat] for c in row.constraints]
        bounds = [_bounds_array(c, n_m, rounding) for c in row.constraints]
        sums = [counts_all[members][:, i].sum(axis=1) for i in idx]
        checked[row] = {"pos": pos, "idx": idx, "lo": [b[0] for b in bounds], "hi": [b[1] for b in bounds],
                        "count": sums, "ok": [(b[0] <= s) & (s <= b[1]) for b, s in zip(bounds, sums, strict=True)],
                        "names": [" + ".join(labels[i] for i in ix) for ix in idx],
                        "min_size": _min_size(row, rounding)}
    # the rows of each unit (in the order of the table), for the borderline employees
    order = np.argsort(codes, kind="stable")
    starts = np.r_[0, np.cumsum(n_rows)] + int((codes < 0).sum())
    prio = np.asarray(priority, dtype=float)
    near_to: dict[str, np.ndarray] = {}  # rounded distance of every row to each target predikat

    def nearest(q: str) -> np.ndarray:
        if q not in near_to:
            near_to[q] = boundary_distance(frame, rubric, np.full(len(frame), q, dtype=object))
        return near_to[q]

    frame_periods = frame["period"].to_numpy(dtype=object)

    def tie(rows: np.ndarray) -> np.ndarray:
        """The keyed hashes of ``rows`` (a row's own: hashed only for the rows that need one)."""
        return tie_keys(frame_periods[rows], emp_ids[rows])

    overall_source = _overall_source(sources)

    for u, unit in enumerate(unit_keys):
        row = row_of[u]
        info = checked[row]  # (an equal row shares the entry: the same constraints)
        j_u = info["pos"][u]
        counts = counts_all[u]
        n = int(n_all[u])
        cons, violations, small = [], [], []
        too_small = small_units != "strict" and n < info["min_size"]
        for j, c in enumerate(row.constraints):
            lo, hi = int(info["lo"][j][j_u]), int(info["hi"][j][j_u])
            count = int(info["count"][j][j_u])
            ok = bool(info["ok"][j][j_u])
            name = info["names"][j]
            cons_rows.append((unit, name, count, lo, hi, ok, "+".join(c.predikat), c.min, c.max, c.present,
                              not too_small))
            if too_small:
                continue
            cons.append((info["idx"][j], lo, hi))
            if not ok:
                need = f">= {lo}" if count < lo else f"<= {hi}"
                violations.append(f"{name}: {count} of {n}, {'must be' if en else 'harus'} {need}")
        if too_small:
            names = "; ".join(info["names"])
            small.append((f"the rule of an organisation rated {row.label.get(lang)} ({names}) cannot be met in "
                          f"a unit of {n} employee(s); it needs {info['min_size']}") if en else
                         (f"aturan organisasi {row.label.get(lang)} ({names}) tidak dapat dipenuhi pada unit "
                          f"{n} pegawai; perlu minimal {info['min_size']}"))
        moves = _solve(counts, cons) if violations else np.zeros((n_pred,) * 2, dtype=int)
        texts = []
        if moves is None:
            texts.append("no distribution of these employees satisfies the curve" if en else
                         "tidak ada distribusi yang memenuhi kurva untuk unit ini")
        else:
            rows_u = order[starts[u]:starts[u + 1]]
            rows_u = rows_u[scored_rows[rows_u]]
            taken: set[str] = set()
            for p, q in zip(*np.nonzero(moves), strict=True):
                k = int(moves[p, q])
                move_rows.append((unit, pred_ids[p], pred_ids[q], k))
                if predikat_source == "recorded":  # no scores to find the borderline employees by
                    texts.append(t("curve.move", lang, n=k, source=labels[p], target=labels[q]))
                    continue
                cand = rows_u[rank_i[rows_u] == p]
                if taken:
                    cand = cand[np.array([e not in taken for e in emp_ids[cand]], dtype=bool)]
                dist = nearest(pred_ids[q])
                # the order of rank_candidates: by distance (to 1e-9), then the keyed hash; the
                # first k are among those no farther than the k-th nearest (hashed only them)
                d = np.round(dist[cand], 9)
                if k < len(cand):
                    kth = np.partition(d, k - 1)[k - 1]
                    if not np.isnan(kth):
                        keep = d <= kth
                        cand, d = cand[keep], d[keep]
                chosen = cand[np.lexsort((tie(cand), d))][:k]
                taken.update(emp_ids[chosen])
                for emp, pr, dist_e in zip(emp_ids[chosen], prio[chosen].tolist(), dist[chosen].tolist(),
                                           strict=True):
                    change_rows.append((unit, emp, labels[p], labels[q], pr, dist_e))
                named = ", ".join(emp_ids[chosen][:max_named])
                more = " ..." if k > max_named else ""
                texts.append(f"move {k} employees from {labels[p]} to {labels[q]} (borderline: {named}{more})"
                             if en else f"pindahkan {k} pegawai dari {labels[p]} ke {labels[q]} "
                             f"(terdekat ke batas: {named}{more})")
        unit_rows.append({
            "unit": unit, "org_rating": row.label.get(lang), "n_employees": int(n_rows[u]),
            **{labels[i]: int(counts[i]) for i in range(n_pred)},
            "n_unscored": int(n_rows[u] - n),
            "ok": (pd.NA if small and not violations else not violations),
            "violations": "; ".join(violations + small),
            "changes": "; ".join(texts), "n_changes": int(moves.sum()) if moves is not None else -1,
            "org_rating_source": sources.get(str(unit), overall_source)})
    units_frame = pd.DataFrame(unit_rows)
    if len(units_frame):
        units_frame["ok"] = pd.array(units_frame["ok"].tolist(), dtype="boolean")
    changes = pd.DataFrame(change_rows, columns=["unit", "employee_id", "from_predikat", "to_predikat",
                                                 "priority", "distance"])
    constraints = pd.DataFrame(cons_rows, columns=["unit", "constraint", "count", "min_count", "max_count",
                                                   "ok", "predikat_ids", "min_share", "max_share", "present",
                                                   "meetable"])
    moves_frame = pd.DataFrame(move_rows, columns=["unit", "from_predikat", "to_predikat", "n_employees"])
    params = {"period": period, "rounding": rounding, "lang": lang, "small_units": small_units,
              "pool": pool if isinstance(pool, str | None) else dict(pool), "notes": tuple(notes),
              "org_rating": org_rating if isinstance(org_rating, str | None) else dict(org_rating),
              "predikat_source": predikat_source,
              "org_rating_source": _overall_source(sources),
              "units_without_org_rating": tuple(sorted(u for u, v in sources.items() if v == ASSUMED))}
    return CurveCheck(units_frame, changes, constraints, rubric.id, rubric.hash, params, frame,
                      moves=moves_frame, _rubric=rubric)
