"""The pages leaders see, built in one pass from the core results.

* :func:`leadership_page`: Ringkasan Pimpinan (and its published report): predikat per
  OPD against the curve (counts, verdicts, violated rules, the moves of the smallest
  fix), the share rated Baik or better per OPD, the quarterly trend (city or one OPD),
  flags, and the drill-down into one OPD by jabatan.
* :func:`whatif_page`: Simulasi Rubrik: the what-if curve per OPD and the transitions
  from the rule in force (matrix, distribution before and after, employees who change).

Each page is protected as a whole (:func:`workbench.report.protect`) before it is
returned; every number a view draws or a report prints is read from it.

Examples
--------
>>> import workbench as wb
>>> ds = wb.read_sample("kota_contoh")
>>> scores = wb.score(ds, "permenpanrb-6-2022")
>>> check = wb.curve_check(scores, dict.fromkeys(ds.units, "Baik"), period="2025")
>>> page = leadership_page(scores, ds.roster, check, period="2025")
>>> from workbench.privacy import audit
>>> audit(page).ok
True
"""

from __future__ import annotations

import copy
import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.privacy import DEFAULT_PROTECTION, audit, check_min_cell
from workbench.report._model import PROTECTED, SHOWN, SMALL, Fact, Page, Relation, _strict, protect

__all__ = ["NATIONAL_SHARE_BAIK", "NEAR_ALL", "UNSCORED", "leadership_page", "trend_page", "whatif_page"]

UNSCORED = "(belum dinilai)"
"""The predikat of a roster employee without one in the period (never a label of a rubric)."""

NATIONAL_SHARE_BAIK = 0.997
"""The national share of PNS appraisal reports rated Baik or Sangat Baik: 99.7 % of
10,290,209 reports in 2022-2024 (Sangat Baik 11.27 %, Baik 88.46 %; BKN data via
birokratmenulis.org; domain notes, "the national figure")."""

NEAR_ALL = 0.99
"""A unit where at least this share is Baik or better is flagged."""


def _labels(check: Any) -> tuple[list[str], dict[str, str]]:
    """Predikat labels in the check's language (best first) and id -> label."""
    lang = check.parameters.get("lang", "id")
    pred = list(check._rubric.predikat)
    return [p.label.get(lang) for p in pred], {p.id: p.label.get(lang) for p in pred}


def predikat_labels(check: Any) -> list[str]:
    """The predikat of a curve check's rubric, best first, in the check's language (the
    labels the pages use)."""
    return _labels(check)[0]


def _curve(page: Page, check: Any, period: str, labels: list[str], label_of: dict[str, str],
           where: dict[str, Any], column: str = "predikat") -> None:
    """The curve table: size, counts, verdict, violated rules and moves of every unit."""
    units = check.units["unit"].astype(str).tolist()
    columns = ["n", *labels, "ok"]
    moves: dict[str, list[tuple[str, str, str]]] = {}
    violations: dict[str, list[tuple[str, float | None, float | None, bool, bool]]] = {}
    k = page.min_cell
    unscored = UNSCORED in set(page.atoms[column].astype(str).tolist())
    if unscored:
        columns += ["unscored", "total"]
    cells: dict[str, list[str]] = {c: [] for c in columns}
    # the constraints and moves of every unit in one pass each (filtering the frames per
    # unit grew with the square of the units)
    cons = check.constraints
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for c in _records(cons.loc[cons["meetable"].astype(bool)]):
        by_unit.setdefault(str(c["unit"]), []).append(c)
    moves_of: dict[str, list[dict[str, Any]]] = {}
    for m in _records(check.moves):
        moves_of.setdefault(str(m["unit"]), []).append(m)
    for u, verdict in zip(units, check.units["ok"].tolist(), strict=True):
        n_expr = page.expr(**where, unit=u, **{column: labels})  # the rated: the curve's n
        n_key = f"{page.name}/n/{period}/{u}"
        small = 0 < float(n_expr @ page._values) < k
        page.count(n_key, n_expr, kind="total", hide=small)
        cells["n"].append(n_key)
        if unscored:  # "belum dinilai": roster employees without a predikat, a count like the others
            uk = f"{page.name}/unscored/{period}/{u}"
            page.count(uk, page.expr(**where, unit=u, **{column: UNSCORED}))
            cells["unscored"].append(uk)
            tk = f"{page.name}/total/{period}/{u}"  # every roster employee of the unit, rated or not
            page.count(tk, page.expr(**where, unit=u), kind="total", hide=small)
            cells["total"].append(tk)
        for lab in labels:
            ck = f"{page.name}/count/{period}/{u}/{lab}"
            page.count(ck, page.expr(**where, unit=u, **{column: lab}), hide=small)
            cells[lab].append(ck)
        ok_key = f"{page.name}/ok/{period}/{u}"
        verdict_na = verdict is pd.NA or verdict is None
        page.fact(ok_key, "verdict", 0.0 if verdict_na else float(bool(verdict)), requires=(),
                  hide=small or verdict_na)
        cells["ok"].append(ok_key)
        groups = []
        for c in by_unit.get(u, []):
            ids = str(c["predikat_ids"]).split("+")
            g = page.expr(**where, unit=u, **{column: [label_of[i] for i in ids]})
            mn = None if c["min_share"] is None or pd.isna(c["min_share"]) else float(c["min_share"])
            mx = None if c["max_share"] is None or pd.isna(c["max_share"]) else float(c["max_share"])
            groups.append((ids, g, int(c["count"]), int(c["min_count"]), int(c["max_count"])))
            broken = not bool(c["ok"])
            violations.setdefault(u, []).append((" + ".join(label_of[i] for i in ids), mn, mx, bool(c["present"]),
                                                 broken))
            if mn is not None:
                if c["count"] < c["min_count"]:
                    page.relate((ok_key,), g - mn * n_expr, -np.inf, -_strict(mn))
                else:
                    page.relate((ok_key,), g - mn * n_expr, 0.0, np.inf)
            if mx is not None:
                if c["count"] > c["max_count"]:
                    page.relate((ok_key,), g - mx * n_expr, _strict(mx), np.inf)
                else:
                    page.relate((ok_key,), g - mx * n_expr, -np.inf, 0.0)
            if bool(c["present"]):
                page.relate((ok_key,), g, *((1.0, np.inf) if c["count"] >= 1 else (0.0, 0.0)))
        mv = moves_of.get(u, [])
        move_keys = []
        net: dict[str, int] = {}
        for m in mv:
            mk = f"{page.name}/move/{period}/{u}/{m['from_predikat']}>{m['to_predikat']}"
            n_move = int(m["n_employees"])
            page.fact(mk, "move", n_move, requires=(n_key, ok_key), hide=small or 0 < n_move < k)
            move_keys.append(mk)
            moves.setdefault(u, []).append((mk, label_of[m["from_predikat"]], label_of[m["to_predikat"]]))
            net[m["from_predikat"]] = net.get(m["from_predikat"], 0) + n_move
            net[m["to_predikat"]] = net.get(m["to_predikat"], 0) - n_move
        if move_keys:
            needs = (*move_keys, n_key, ok_key)
            for ids, g, count, lo, hi in groups:
                out = sum(net.get(i, 0) for i in ids)
                after = count - out  # a valid fix ends inside the bounds ...
                low, high = float(lo + out), float(hi + out)
                if (count > hi and after == hi) or (count < lo and after == lo):
                    low = high = float(count)  # ... and the smallest one lands on the bound it broke
                page.relate(needs, g, low, high)
            page.fact(f"{page.name}/changes/{period}/{u}", "flag", float(sum(int(m["n_employees"]) for m in mv)),
                      requires=tuple(move_keys))
    keys = pd.DataFrame(cells, index=pd.Index(units, name="unit"), columns=columns, dtype=object)
    page.tables["curve"] = keys
    page.extra.setdefault("moves", {}).update(moves)
    page.extra.setdefault("violations", {}).update(violations)
    page.extra["org_rating"] = dict(zip(units, check.units["org_rating"].tolist(), strict=True))
    if "org_rating_source" in check.units:
        page.extra["org_source"] = dict(zip(units, check.units["org_rating_source"].astype(str).tolist(),
                                            strict=True))
    page.extra["curve_period"] = period


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as dicts with Python scalars and ``None`` for ``pd.NA``, as
    ``frame.to_dict("records")`` gives them, read column by column (several times faster
    on a few rows)."""
    def native(v: Any) -> Any:
        return None if v is pd.NA else v.item() if isinstance(v, np.number | np.bool_) else v

    columns = [values.tolist() if isinstance(values.dtype, np.dtype) and values.dtype.kind in "biuf"  # Python's
               else [native(v) for v in values.tolist()] for _, values in frame.items()]
    names = frame.columns.tolist()
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def leadership_page(scores: Any, roster: pd.DataFrame, check: Any, period: str, unit: str | None = None,
                    min_cell: int | None = None, protection: int = DEFAULT_PROTECTION,
                    national: float = NATIONAL_SHARE_BAIK, near_all: float = NEAR_ALL,
                    suppress: bool = True, public: Page | Sequence[Page] | None = None,
                    city_pages: Sequence[Page] = ()) -> Page:
    """Ringkasan Pimpinan in one control state, protected as a whole.

    Parameters
    ----------
    scores
        :class:`workbench.rubric.Scores` of the rule in force (every period).
    roster
        The dataset's roster (for the jabatan of the drill-down).
    check
        :func:`workbench.rubric.curve_check` of ``scores`` in ``period`` under the
        organisation ratings in force.
    period, unit
        The period picked and the OPD drilled into (``None``: the city).
    min_cell, protection
        Small-cell threshold (default 5, at least 3) and the interval width every hidden
        cell keeps.
    national, near_all
        The national share of Baik or better; the share that raises a flag.
    suppress
        ``False`` leaves only the small cells hidden (to measure what the joint
        suppression adds).
    public
        Pages the same reader sees in other states, over some of this page's atoms: the
        trend's page (:func:`trend_page`) and, with ``unit``, the city's page of the same
        period and org ratings. Their numbers join this page with their status fixed
        (the city's curve, shares and trend show or hide here as there), so that the
        views together narrow no hidden cell: this page hides its own numbers instead.
        Without it, on the sample, the city view showed a count the BKPSDM drill-down
        hid, and the two together gave away small cells.
    city_pages
        With ``unit``: the city's pages (``unit=None``, protected) of the trend's periods,
        the ones the same reader sees. The unit's trend shows a period's share where that
        period's city page shows the count and the size it is the ratio of, and hides it
        where that page hides one, so the unit's trend reads alike whatever the period
        drilled in. Without it the trend was protected with each period's drill-down,
        and one period's drill-down could show a share that another's hid.

    Returns
    -------
    Page
        Tables ``curve`` (unit x n, predikat, ok; ``unscored`` when some roster employees
        have no predikat: "belum dinilai", with ``n`` the rated ones and ``total`` every
        roster employee), ``share`` (unit x share), ``trend``
        (period x predikat shares and ``baik``) and, with ``unit``, ``unit`` (jabatan x
        predikat and ``n``); headlines ``city_share`` (the city's share Baik or better),
        ``unit_n``, ``unit_share`` and ``unscored`` (the period's employees not yet rated). ``extra["org_source"]``: each unit's org-rating
        source.
    """
    k = check_min_cell(min_cell)
    labels, label_of = _labels(check)
    frame, trend_periods = _frame(scores, roster)
    frame = frame[frame["period"].isin({period, *trend_periods})]
    atoms = _atoms(frame)
    page = Page("ringkasan_pimpinan", {"period": period, "unit": unit or "",
                                       "org_rating": dict(check.parameters.get("org_rating") or {})},
                atoms, min_cell=k, protection=protection)
    page.extra["labels"] = labels
    page.extra["national"] = national
    _curve(page, check, period, labels, label_of, {"period": period})
    good = labels[:2]
    units = page.tables["curve"].index.tolist()
    share_keys = pd.DataFrame(index=pd.Index(units, name="unit"), columns=["share"], dtype=object)
    flags: list[str] = []
    for u in units:
        sk = f"{page.name}/share/{period}/{u}"
        num, den = page.expr(period=period, unit=u, predikat=good), page.expr(period=period, unit=u, predikat=labels)
        f = page.share(sk, num, den)
        share_keys.loc[u, "share"] = sk
        if f.value >= near_all:
            fk = f"{page.name}/flag_share/{period}/{u}"
            page.fact(fk, "flag", f.value, requires=(sk,))
            page.relate((fk,), num - near_all * den, 0.0, np.inf)
            flags.append(u)
    page.tables["share"] = share_keys
    page.extra["share_flags"] = flags
    ck = f"{page.name}/city_share/{period}"  # the headline band: the city against the national figure
    page.share(ck, page.expr(period=period, predikat=good), page.expr(period=period, predikat=labels))
    page.headline("city_share", ck)
    _trend(page, trend_periods, labels, unit)  # the trend, for the city or the unit drilled into
    if unit:
        _trend_as_city(page, unit, city_pages)
        sub = atoms[(atoms["period"] == period) & (atoms["unit"] == unit) & atoms["predikat"].isin(labels)]
        order = [j for j in ("JPT", "administrator", "pengawas", "fungsional", "pelaksana")
                 if j in set(sub["jabatan"])] + sorted(set(sub["jabatan"]) - {"JPT", "administrator", "pengawas",
                                                                           "fungsional", "pelaksana"})
        table = pd.DataFrame(index=pd.Index(order, name="jabatan"), columns=[*labels, "n"], dtype=object)
        for j in order:
            for lab in labels:
                dk = f"{page.name}/unit/{period}/{unit}/{j}/{lab}"
                page.count(dk, page.expr(period=period, unit=unit, jabatan=j, predikat=lab))
                table.loc[j, lab] = dk
            nk = f"{page.name}/unit_n/{period}/{unit}/{j}"
            page.count(nk, page.expr(period=period, unit=unit, jabatan=j, predikat=labels), kind="total")
            table.loc[j, "n"] = nk
        page.tables["unit"] = table
        if unit in units:
            page.headline("unit_n", str(page.tables["curve"].loc[unit, "n"]))
            page.headline("unit_share", str(share_keys.loc[unit, "share"]))
    if (frame["predikat"] == UNSCORED).any():
        uk = f"{page.name}/unscored/{period}"
        page.count(uk, page.expr(period=period, predikat=UNSCORED), kind="total")
        page.headline("unscored", uk)
    for other in ([] if public is None else [public] if isinstance(public, Page) else list(public)):
        _join_same(page, other)
    if suppress:
        protect(page)
    return page


def trend_page(scores: Any, roster: pd.DataFrame, labels: Sequence[str], unit: str | None = None,
               min_cell: int | None = None, protection: int = DEFAULT_PROTECTION) -> Page:
    """The trend of Ringkasan Pimpinan alone (the city's, or ``unit``'s), protected on its
    own: the numbers every period's page shows alike.

    Each period's :func:`leadership_page` joins it (``public``), so that the trend shows
    or hides the same cells whatever the period picked: a reader who switches periods
    sees one trend, and no period's page narrows a cell through a trend number another
    period's page shows. Before, on the sample, the 2025-Q2 page hid the share of
    Butuh Perbaikan in 2025-Q2 that the other periods' pages showed, and with it the
    Q2 page gave away the share of Sangat Kurang.

    Parameters
    ----------
    scores, roster
        As in :func:`leadership_page`.
    labels
        The predikat, best first (``leadership_page(...).extra["labels"]``).
    unit
        The OPD drilled into (``None``: the city).
    min_cell, protection
        As in :func:`leadership_page`.
    """
    frame, trend_periods = _frame(scores, roster)
    atoms = _atoms(frame[frame["period"].isin(set(trend_periods))])
    page = Page("ringkasan_pimpinan", {"unit": unit or ""}, atoms, min_cell=check_min_cell(min_cell),
                protection=protection)
    page.extra["labels"] = list(labels)
    _trend(page, trend_periods, list(labels), unit)
    protect(page)
    return page


def _frame(scores: Any, roster: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Every employee and period with predikat and jabatan; and the trend's periods
    (the quarters, else every period)."""
    frame = scores.frame[["period", "employee_id", "unit", "predikat"]].copy()
    frame["period"] = frame["period"].astype(str)
    frame["predikat"] = frame["predikat"].astype(object).where(frame["predikat"].notna(), UNSCORED).astype(str)
    jab = roster[["employee_id", "period", "jabatan"]].drop_duplicates(["employee_id", "period"]).astype(
        {"period": str})
    frame = frame.merge(jab, on=["employee_id", "period"], how="left")
    frame["jabatan"] = frame["jabatan"].astype(object).fillna("-").astype(str)
    quarters = sorted(p for p in frame["period"].unique() if "Q" in p)
    return frame, quarters or sorted(frame["period"].unique())


_ATOM_COLUMNS = ["period", "unit", "jabatan", "predikat"]


def _atoms(frame: pd.DataFrame) -> pd.DataFrame:
    atoms = frame.groupby(_ATOM_COLUMNS, observed=True).size().rename("n").reset_index()
    atoms["unit"] = atoms["unit"].astype(str)
    return atoms


def _trend(page: Page, trend_periods: list[str], labels: list[str], unit: str | None) -> None:
    """The trend table: per period, each predikat's share and the share Baik or better."""
    where: dict[str, Any] = {"unit": unit} if unit else {}
    good = labels[:2]
    trend = pd.DataFrame(index=pd.Index(trend_periods, name="period"), columns=[*labels, "baik"], dtype=object)
    scope = unit or "*"
    for q in trend_periods:
        den = page.expr(period=q, predikat=labels, **where)
        for lab in labels:
            tk = f"{page.name}/trend/{scope}/{q}/{lab}"
            page.share(tk, page.expr(period=q, predikat=lab, **where), den, complement=False)
            trend.loc[q, lab] = tk
        bk = f"{page.name}/trend/{scope}/{q}/baik"
        page.share(bk, page.expr(period=q, predikat=good, **where), den)
        trend.loc[q, "baik"] = bk
    page.tables["trend"] = trend


def _trend_as_city(page: Page, unit: str, city_pages: Sequence[Page]) -> None:
    """Fix the status of ``unit``'s trend cells to what the city's page of their period
    shows of the same ratio: the count and the size for a predikat's share, the unit's
    share for Baik or better (a share already small by its own rule stays small)."""
    trend = page.tables["trend"]
    for city in city_pages:
        q = str(city.state.get("period"))
        if q not in trend.index or city.state.get("unit"):
            continue
        n = city.facts.get(f"{city.name}/n/{q}/{unit}")
        for lab in trend.columns:
            fact = page.facts[trend.loc[q, lab]]
            if lab == "baik":
                source = city.facts.get(f"{city.name}/share/{q}/{unit}")
                status = None if source is None else source.status
            else:
                count = city.facts.get(f"{city.name}/count/{q}/{unit}/{lab}")
                if count is None or n is None:
                    continue
                status = (SHOWN if not (count.hidden or n.hidden) else
                          SMALL if SMALL in (count.status, n.status) else PROTECTED)
            if status is None:
                continue
            fact.status = SMALL if fact.status == SMALL else status
            fact.locked = True


def _join_same(page: Page, public: Page) -> None:
    """Add every number of ``public`` (a page over some of ``page``'s atoms) to ``page``
    with its status fixed (``Fact.locked``), with its relations; a number both pages hold
    takes ``public``'s status."""
    index = pd.MultiIndex.from_frame(page.atoms[_ATOM_COLUMNS].astype(str))
    pos = index.get_indexer(pd.MultiIndex.from_frame(public.atoms[_ATOM_COLUMNS].astype(str)))
    if (pos < 0).any() or not np.array_equal(page.atoms["n"].to_numpy()[pos], public.atoms["n"].to_numpy()):
        raise ValueError("leadership_page(public=...): a joined page is not over the same employees and "
                         "periods; build it from the same scores and roster (and org ratings, for the city's).")

    def convert(coef: np.ndarray) -> np.ndarray:
        out = np.zeros((*coef.shape[:-1], len(page.atoms)))
        out[..., pos] = coef
        return out

    added: set[str] = set()
    for f in public.facts.values():
        own = page.facts.get(f.key)
        if own is None:
            page.facts[f.key] = dataclasses.replace(f, expr=None if f.expr is None else convert(f.expr), locked=True)
            added.add(f.key)
        else:
            own.status, own.locked = f.status, True
    page.relations.extend(Relation(rel.needs, convert(rel.coef), rel.lb, rel.ub)
                          for rel in public.relations if added & set(rel.needs))


def whatif_page(before: pd.DataFrame, after: pd.DataFrame, check: Any, period: str,
                min_cell: int | None = None, protection: int = DEFAULT_PROTECTION,
                predikat: Sequence[str] | None = None, suppress: bool = True,
                public: Page | None = None) -> Page:
    """Simulasi Rubrik in one control state, protected as a whole.

    Parameters
    ----------
    before, after
        Predikat per employee (``period, employee_id, unit, predikat``; none: not rated)
        at the starting point (the overview's) and under the what-if rubric.
    check
        :func:`workbench.rubric.curve_check` of ``after`` in ``period``.
    period, min_cell, protection, suppress
        As in :func:`leadership_page`.
    public
        The overview's page of the same period and org ratings (:func:`leadership_page`),
        which the same readers see: every number of it that this page's atoms can
        express joins this page with its status fixed, so that the two pages together
        narrow no hidden cell, and a number of this page equal to one of the overview
        (the what-if curve of a unit the rubric does not change) shows or hides as the
        overview does.
    Returns
    -------
    Page
        Tables ``curve`` (the what-if curve per unit), ``transitions`` (before x after),
        ``distribution`` (rows ``before, after``); headline ``changed``.
    """
    k = check_min_cell(min_cell)
    labels, label_of = _labels(check)
    labels = list(predikat) if predikat is not None else labels
    atoms = _transitions(before, after, period)
    page = Page("simulasi_rubrik", {"period": period}, atoms, min_cell=k, protection=protection)
    page.extra["labels"] = labels
    _curve(page, check, period, labels, label_of, {}, column="after")
    # the tables' keys are gathered first and framed once (setting cells one by one cost
    # more than the numbers themselves)
    matrix: list[list[str]] = []
    for p in labels:
        matrix.append([])
        for q in labels:
            key = f"{page.name}/transition/{period}/{p}>{q}"
            page.count(key, page.expr(before=p, after=q))
            matrix[-1].append(key)
    page.tables["transitions"] = pd.DataFrame(matrix, index=pd.Index(labels, name="before"), columns=labels,
                                              dtype=object)
    dist: dict[str, list[str]] = {"before": [], "after": []}
    for p in labels:
        for row in ("before", "after"):
            dist[row].append(f"{page.name}/{row}/{period}/{p}")
            page.count(dist[row][-1], page.expr(**{row: p}), kind="total")
    page.tables["distribution"] = pd.DataFrame([dist["before"], dist["after"]], index=["before", "after"],
                                               columns=labels, dtype=object)
    changed = page.expr(before=labels) - sum((page.expr(before=p, after=p) for p in labels), np.zeros(len(atoms)))
    page.count(f"{page.name}/changed/{period}", changed, kind="total")
    page.headline("changed", f"{page.name}/changed/{period}")
    if public is not None:
        _join_public(page, public, period)
    if suppress:
        protect(page)
    return page


_COLUMNS = ["employee_id", "unit", "predikat"]
_LOCK = threading.Lock()
_KEPT_SIZE = 8
"""How many results each of :data:`_STARTS` and :data:`_JOINABLE` keeps (the latest used)."""


def _kept(store: OrderedDict[tuple[Any, ...], tuple[Any, Any]], key: tuple[Any, ...], owner: Any,
          compute: Callable[[], Any]) -> Any:
    """The result kept in ``store`` under ``key`` for the object ``owner``, else
    ``compute()``, kept with it (the :data:`_KEPT_SIZE` latest used).

    ``key`` starts with ``id(owner)``, and the object is held with its result, so that its
    id names no other object while the result is kept (a hit is checked to be the same
    object)."""
    with _LOCK:
        hit = store.get(key)
        if hit is not None and hit[0] is owner:
            store.move_to_end(key)
            return hit[1]
    value = compute()
    with _LOCK:
        store[key] = (owner, value)
        while len(store) > _KEPT_SIZE:
            store.popitem(last=False)
    return value


class _Start:
    """A starting point's employees in one period (``before`` of :func:`whatif_page`), as
    every what-if state of the period reads them (:func:`_start`).

    Attributes
    ----------
    frame
        Its rows of the period (``employee_id, unit, predikat``).
    rows
        Their positions in ``before``.
    index
        Their employee ids, or ``None`` where the ids repeat or are missing, or a unit or
        predikat column is not text (the what-if is then merged, :func:`_transitions_merged`).
    unit, predikat
        The columns as arrays (``NaN`` where missing); ``unit_na``: where the unit is.
    unit_codes, predikat_codes
        :func:`_text_codes` of the unit (where none is missing) and of the predikat.
    """

    def __init__(self, before: pd.DataFrame, period: str) -> None:
        self.rows = np.flatnonzero((before["period"].astype(str) == period).to_numpy(dtype=bool))
        self.frame = before.iloc[self.rows][_COLUMNS]
        ids = self.frame["employee_id"].to_numpy(dtype=object)
        index = pd.Index(ids)
        usable = _text(self.frame) and index.is_unique and not pd.isna(ids).any()
        self.index = index if usable else None
        self.unit = self.frame["unit"].to_numpy(dtype=object)
        self.predikat = self.frame["predikat"].to_numpy(dtype=object)
        self.unit_na = pd.isna(self.unit)
        self.unit_codes = None if self.unit_na.any() else _text_codes(self.unit, "-")
        self.predikat_codes = _text_codes(self.predikat, UNSCORED)


_STARTS: OrderedDict[tuple[Any, ...], tuple[pd.DataFrame, _Start]] = OrderedDict()


def _start(before: pd.DataFrame, period: str) -> _Start:
    """:class:`_Start` of ``before`` in ``period``, computed once per frame and period.

    The frame is known by its identity and held with the result (so its id names no other
    frame while it is kept): a caller passes the same starting point, unchanged, for every
    state (:func:`workbench.views._sources.whatif_before` is cached and never changed)."""
    return _kept(_STARTS, (id(before), len(before), period), before,  # type: ignore[no-any-return]
                 lambda: _Start(before, period))


def _text(frame: pd.DataFrame) -> bool:
    """Whether the unit and predikat columns of ``frame`` hold text (object or string)."""
    return all(pd.api.types.is_object_dtype(frame[c].dtype) or isinstance(frame[c].dtype, pd.StringDtype)
               for c in ("unit", "predikat"))


def _transitions(before: pd.DataFrame, after: pd.DataFrame, period: str) -> pd.DataFrame:
    """The what-if's atoms in ``period``: employees per ``unit, before, after`` (predikat;
    ``UNSCORED`` where an employee has none on that side), in the order of those columns.

    Each employee's unit is the starting point's, else the what-if's, else ``"-"``. With
    unique employee ids and text columns, the employees are matched and counted on integer
    codes, the starting point's read once per period (:func:`_start`), and a what-if of
    the same rows (:func:`workbench.views._sources.whatif_after` copies the starting
    point's) matched by position; otherwise by an outer merge
    (:func:`_transitions_merged`: the same atoms, slower).
    """
    start = _start(before, period)
    aligned = (start.index is not None and _text(after) and len(after) == len(before)
               and after["period"].equals(before["period"]) and after["employee_id"].equals(before["employee_id"]))
    if aligned:  # row for row the starting point's employees
        a_unit = start.unit if after["unit"].equals(before["unit"]) else after["unit"].iloc[start.rows].to_numpy(
            dtype=object)
        a_pred = after["predikat"].to_numpy(dtype=object)[start.rows]
        at, only = np.arange(len(start.rows)), np.zeros(0, dtype=np.intp)
    else:
        a = after.loc[after["period"].astype(str) == period, _COLUMNS]
        if (start.index is None or not _text(a) or start.frame["employee_id"].dtype != a["employee_id"].dtype):
            return _transitions_merged(start.frame, a)
        a_id = a["employee_id"].to_numpy(dtype=object)
        at = start.index.get_indexer(a_id)  # each what-if row's employee at the starting point (-1: none)
        only = np.flatnonzero(at < 0)
        if (pd.isna(a_id).any() or np.bincount(at[at >= 0], minlength=len(start.rows)).max(initial=0) > 1
                or not pd.Index(a_id[only]).is_unique):
            return _transitions_merged(start.frame, a)
        a_unit, a_pred = a["unit"].to_numpy(dtype=object), a["predikat"].to_numpy(dtype=object)
    # one row per employee: the starting point's, then those only the what-if holds
    held = at >= 0
    pred_a = np.full(len(start.rows), np.nan, dtype=object)  # the what-if's predikat of each employee
    pred_a[at[held]] = a_pred[held]
    after_codes = _text_codes(np.concatenate([pred_a, a_pred[only]]), UNSCORED)
    if start.unit_codes is not None and not len(only):
        unit_codes, before_codes = start.unit_codes, start.predikat_codes
    else:
        unit_a = np.full(len(start.rows), np.nan, dtype=object)
        unit_a[at[held]] = a_unit[held]
        unit_codes = _text_codes(np.concatenate([np.where(start.unit_na, unit_a, start.unit), a_unit[only]]), "-")
        before_codes = _text_codes(np.concatenate([start.predikat, np.full(len(only), np.nan, dtype=object)]),
                                   UNSCORED)
    (u, units), (b, befores), (q, afters) = unit_codes, before_codes, after_codes
    n_b, n_a = len(befores), len(afters)
    key, n = np.unique((u * n_b + b) * n_a + q, return_counts=True)  # sorted, as the texts
    out = {name: pd.Series(texts[code], dtype=object).astype(str) for name, texts, code in
           zip(("unit", "before", "after"), (units, befores, afters), (key // (n_b * n_a), key // n_a % n_b,
                                                                       key % n_a), strict=True)}
    out["n"] = pd.Series(n.astype(np.int64))
    return pd.DataFrame(out)


def _text_codes(values: np.ndarray, missing: str) -> tuple[np.ndarray, np.ndarray]:
    """Each value as its text (``missing`` where it is missing) coded in the texts' sorted
    order: the codes and the sorted texts."""
    na = pd.isna(values)
    codes, uniques = pd.factorize(values[~na])
    texts, order = np.unique(np.array([*(str(u) for u in uniques), missing], dtype=object), return_inverse=True)
    out = np.full(len(values), order[-1], dtype=np.int64)
    out[~na] = order[codes]
    return out, texts


def _transitions_merged(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """:func:`_transitions` by an outer merge: any employee ids and column types."""
    both = before.merge(after, on="employee_id", how="outer", suffixes=("_b", "_a"))
    both["unit"] = both["unit_b"].fillna(both["unit_a"]).astype(object).fillna("-").astype(str)
    both["before"] = both["predikat_b"].astype(object).where(both["predikat_b"].notna(), UNSCORED).astype(str)
    both["after"] = both["predikat_a"].astype(object).where(both["predikat_a"].notna(), UNSCORED).astype(str)
    return both.groupby(["unit", "before", "after"], observed=True).size().rename("n").reset_index()


def whatif_protect(page: Page, findings_only: bool = False, first: Page | None = None) -> Page:
    """A protected copy of an unprotected what-if page (:func:`whatif_page` with
    ``suppress=False``), which is left as it is.

    Parameters
    ----------
    page
        The unprotected page.
    findings_only
        Show only the findings (each OPD's verdict under the what-if rubric and the number
        of employees who change predikat, :func:`finding_keys`) besides the numbers fixed
        by the overview (locked); every other number is hidden before the protection.
        Such a page is protected in a fraction of the time of the whole page (few
        relations are left to attack), so a view shows it first
        (:func:`workbench.views._sources.whatif_findings`).
    first
        The ``findings_only`` page of the same state, already shown to the reader: every
        number it shows is shown here too (locked), so that the two pages together tell
        no more than this one, which passes the audit with them shown. Hiding everything
        else gives back ``first`` itself, which passed the audit: the protection always
        ends.

    Returns
    -------
    Page

    Examples
    --------
    >>> import workbench as wb
    >>> from workbench.views import _sources as src
    >>> ds = wb.read_sample("kota_contoh")
    >>> draft = src.whatif_draft(ds, src.whatif_base(src.WHATIF_RUBRIC), "2025")
    >>> first = whatif_protect(draft, findings_only=True)
    >>> whole = whatif_protect(draft, first=first)
    >>> changed = draft.headlines["changed"]
    >>> draft.facts[changed].status, first.shown(changed), whole.shown(changed)
    ('shown', True, True)
    >>> sum(f.hidden for f in first.facts.values()) > sum(f.hidden for f in whole.facts.values())
    True
    """
    page = _copy(page)
    if findings_only:
        for f in page.facts.values():
            if not f.locked and f.status == SHOWN and not _finding(page, f):
                f.status, f.locked = PROTECTED, True  # waits for the whole page
    if first is not None:
        for f in first.facts.values():
            if not f.hidden and not f.locked:  # a finding shown first: it stays shown
                mine = page.facts.get(f.key)
                if mine is None or mine.status != SHOWN or mine.value != f.value:
                    raise ValueError(f"whatif_protect: the number {f.key!r} of the first page is not this page's; "
                                     "pass the findings page of the same state.")
                mine.locked = True
    protect(page)
    if findings_only and not audit(page, reuse=True).ok:  # shown alone first: it must pass by itself
        raise RuntimeError("whatif_protect: the findings page did not pass the audit within the protection's "
                           "rounds; report this with the data and the rubric.")
    return page


def _copy(page: Page) -> Page:
    """A copy of ``page`` whose facts (their statuses) can change without changing it: the
    protection changes nothing else (relations, atoms, tables and expressions are read
    only), so those are shared; the audit's cache is left behind (it belongs to one set of
    statuses' attacks)."""
    out = copy.copy(page)
    out.__dict__.pop("_audit_cache", None)
    out.facts = {key: dataclasses.replace(f) for key, f in page.facts.items()}
    return out


def _finding(page: Page, fact: Fact) -> bool:
    """Whether ``fact`` is one of a what-if page's findings: an OPD's verdict under the
    what-if rubric, or the number of employees who change predikat."""
    return fact.key == page.headlines.get("changed") or (
        fact.kind == "verdict" and fact.key.startswith(f"{page.name}/ok/"))


def finding_keys(page: Page) -> list[str]:
    """The keys of the findings of a what-if page (see :func:`whatif_protect`), in the
    page's order: each OPD's verdict under the what-if rubric, then the number of
    employees who change predikat.

    Examples
    --------
    >>> import workbench as wb
    >>> from workbench.views import _sources as src
    >>> draft = src.whatif_draft(wb.read_sample("kota_contoh"), src.whatif_base(), "2025")
    >>> keys = finding_keys(draft)
    >>> len(keys), keys[0], keys[-1]
    (13, 'simulasi_rubrik/ok/2025/BKPSDM', 'simulasi_rubrik/changed/2025')
    """
    return [f.key for f in page.facts.values() if _finding(page, f)]


_CHUNK = 256
"""Numbers of the overview converted at once when they join a what-if page (each is a row
over the overview's atoms: the rows of a chunk are held densely, with copies)."""


@dataclasses.dataclass(frozen=True)
class _Joinable:
    """What of the overview's page (``public``) a what-if page can join, over the what-if's
    groups of atoms (``unit, before``): it depends on the overview's atoms, numbers and
    relations and on the groups only, not on the what-if rubric, so every state of the
    same starting point and period shares it (:func:`_joinable`).

    Attributes
    ----------
    keys
        The joinable numbers, in the overview's order: a number the groups cannot express
        (it tells the jabatan apart) is left out.
    with_expr, exprs
        Those of them with an expression, and their expressions over the groups (one row each).
    relations
        The joinable relations (every number they need joins) and their rows over the groups.
    twins
        ``(kind, row over the groups as bytes)`` -> the key of the (last) number of that
        kind with that expression.
    """

    keys: list[str]
    with_expr: list[str]
    exprs: np.ndarray
    relations: list[tuple[Relation, np.ndarray]]
    twins: dict[tuple[str, bytes], str]


_JOINABLE: OrderedDict[tuple[Any, ...], tuple[Page, _Joinable]] = OrderedDict()


def _joinable(public: Page, period: str, groups: tuple[tuple[str, str], ...]) -> _Joinable:
    """:class:`_Joinable` of ``public`` in ``period`` over ``groups``, computed once per
    page, period and groups.

    The page is known by its identity and held with the result (so its id names no other
    page while it is kept), with its numbers' and relations' count as a check: a page is
    built once and only its statuses change later (the protection), which are read
    afresh by :func:`_join_public`.
    """
    return _kept(_JOINABLE, (id(public), len(public.facts), len(public.relations), period, groups),  # type: ignore[no-any-return]
                 public, lambda: _joinable_now(public, period, groups))


def _joinable_now(public: Page, period: str, groups: tuple[tuple[str, str], ...]) -> _Joinable:
    """:func:`_joinable`, computed."""
    pa = public.atoms
    group_of = {g: i for i, g in enumerate(groups)}
    p_group = np.array([-1 if per != period else group_of.get((unit, pred), -1) for per, unit, pred in zip(
        pa["period"].astype(str).tolist(), pa["unit"].astype(str).tolist(), pa["predikat"].astype(str).tolist(),
        strict=True)], dtype=np.intp)
    same = p_group >= 0

    # each group's overview atoms side by side (stable: in the atoms' order), so that one
    # reduction per group reads every number at once
    cols = np.flatnonzero(same)
    order = np.argsort(p_group[cols], kind="stable")
    cols, gs = cols[order], p_group[cols][order]
    starts = np.flatnonzero(np.r_[True, gs[1:] != gs[:-1]]) if len(gs) else np.zeros(0, dtype=np.intp)

    def convert(coefs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows over the overview's atoms as rows over the groups, and which rows can be
        (a row that tells the jabatan apart, which this page's atoms do not, cannot)."""
        ok = ~(coefs[:, ~same] != 0).any(axis=1)
        out = np.zeros((len(coefs), len(groups)))
        if len(starts):
            lo = np.minimum.reduceat(coefs[:, cols], starts, axis=1)
            ok &= (lo == np.maximum.reduceat(coefs[:, cols], starts, axis=1)).all(axis=1)
            out[:, gs[starts]] = lo
        return ok, out

    numbers = [(f.key, f.expr) for f in public.facts.values() if f.expr is not None]
    converted: dict[str, np.ndarray | None] = {}
    for at in range(0, len(numbers), _CHUNK):  # a few hundred rows at a time: memory stays bounded
        chunk = numbers[at:at + _CHUNK]
        ok, rows = convert(np.vstack([e for _, e in chunk]))
        converted.update({key: (rows[i] if ok[i] else None) for i, (key, _) in enumerate(chunk)})
    keys: list[str] = []
    row_of: dict[str, np.ndarray] = {}
    twins: dict[tuple[str, bytes], str] = {}
    for f in public.facts.values():
        row = converted.get(f.key)
        if f.expr is not None and row is None:
            continue
        keys.append(f.key)
        if row is not None:
            row_of[f.key] = row
            twins[(f.kind, row.tobytes())] = f.key
    added = set(keys)
    joined = [rel for rel in public.relations if set(rel.needs) <= added]
    relations: list[tuple[Relation, np.ndarray]] = []
    for start in range(0, len(joined), _CHUNK):
        part = joined[start:start + _CHUNK]
        ok, coefs = convert(np.vstack([rel.coef for rel in part]))
        at = 0
        for rel in part:
            size = len(rel.coef)
            if ok[at:at + size].all():
                relations.append((rel, coefs[at:at + size]))
            at += size
    exprs = np.array(list(row_of.values()), dtype=float).reshape(len(row_of), len(groups))
    return _Joinable(keys, list(row_of), exprs, relations, twins)


def _join_public(page: Page, public: Page, period: str) -> None:
    """Add the numbers of ``public`` (the overview's page) that the what-if's atoms can
    express, with their statuses fixed, and fix the status of each what-if number equal
    to one of them (see :func:`whatif_page`)."""
    wa = page.atoms
    # the what-if's atoms by group (unit, before): an overview number joins when it is the
    # same over every atom of a group (the what-if tells the groups apart, not the jabatan)
    group_of: dict[tuple[str, str], int] = {}
    w_group = np.array([group_of.setdefault(g, len(group_of)) for g in zip(
        wa["unit"].astype(str).tolist(), wa["before"].astype(str).tolist(), strict=True)], dtype=np.intp)
    first = np.unique(w_group, return_index=True)[1]  # each group's first atom
    joinable = _joinable(public, period, tuple(group_of))
    over_atoms = dict(zip(joinable.with_expr, joinable.exprs[:, w_group], strict=True))
    for key in joinable.keys:
        f = public.facts[key]
        page.facts[key] = Fact(key, f.kind, f.value, over_atoms.get(key), f.status, f.requires, f.cost,
                               locked=True)
    if joinable.relations:
        rows = np.vstack([coef for _, coef in joinable.relations])[:, w_group]
        at = 0
        for rel, coef in joinable.relations:
            page.relations.append(Relation(rel.needs, rows[at:at + len(coef)], rel.lb, rel.ub))
            at += len(coef)
    # a what-if number equal to a joined one: the same over every atom of a group (bit for
    # bit) and, per group, the same row
    own = [(f, f.expr) for f in page.facts.values()
           if not f.locked and f.key.startswith(f"{page.name}/") and f.expr is not None]
    twin_of: dict[str, str] = {}
    if own:
        bits = np.vstack([expr for _, expr in own]).view(np.uint64)
        per_group = bits[:, first]
        alike = (per_group[:, w_group] == bits).all(axis=1)
        for (f, _), row, ok in zip(own, per_group, alike, strict=True):
            twin = joinable.twins.get((f.kind, row.tobytes())) if ok else None
            if twin is not None:
                twin_of[f.key] = twin
    # a unit the rubric does not change: its what-if curve is the overview's, shown alike
    changed = set(wa.loc[(wa["before"] != wa["after"]) & (wa["n"] > 0), "unit"].astype(str).tolist())
    prefix = f"{page.name}/"
    for f in list(page.facts.values()):
        if f.locked or not f.key.startswith(prefix):
            continue
        twin = twin_of.get(f.key)
        if twin is None and f.kind in ("verdict", "move", "flag"):
            unit = f.key.split("/")[3] if f.key.count("/") >= 3 else ""
            other = f"{public.name}/{f.key[len(prefix):]}"
            if unit and unit not in changed and other in public.facts:
                twin = other
        if twin is not None:
            f.status = public.facts[twin].status
            f.locked = True
