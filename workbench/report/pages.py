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
from collections.abc import Sequence
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
    unscored = UNSCORED in set(page.atoms[column].astype(str))
    if unscored:
        columns += ["unscored", "total"]
    cells: dict[str, list[str]] = {c: [] for c in columns}
    # the constraints and moves of every unit in one pass each (filtering the frames per
    # unit grew with the square of the units)
    cons = check.constraints
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for c in cons.loc[cons["meetable"].astype(bool)].to_dict("records"):
        by_unit.setdefault(str(c["unit"]), []).append(c)
    moves_of: dict[str, list[dict[str, Any]]] = {}
    for m in check.moves.to_dict("records"):
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
    page.extra["org_rating"] = dict(zip(check.units["unit"].astype(str), check.units["org_rating"], strict=True))
    if "org_rating_source" in check.units:
        page.extra["org_source"] = dict(zip(check.units["unit"].astype(str),
                                            check.units["org_rating_source"].astype(str), strict=True))
    page.extra["curve_period"] = period


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
    b = before.loc[before["period"].astype(str) == period, ["employee_id", "unit", "predikat"]]
    a = after.loc[after["period"].astype(str) == period, ["employee_id", "unit", "predikat"]]
    both = b.merge(a, on="employee_id", how="outer", suffixes=("_b", "_a"))
    both["unit"] = both["unit_b"].fillna(both["unit_a"]).astype(object).fillna("-").astype(str)
    both["before"] = both["predikat_b"].astype(object).where(both["predikat_b"].notna(), UNSCORED).astype(str)
    both["after"] = both["predikat_a"].astype(object).where(both["predikat_a"].notna(), UNSCORED).astype(str)
    atoms = both.groupby(["unit", "before", "after"], observed=True).size().rename("n").reset_index()
    page = Page("simulasi_rubrik", {"period": period}, atoms, min_cell=k, protection=protection)
    page.extra["labels"] = labels
    _curve(page, check, period, labels, label_of, {}, column="after")
    matrix = pd.DataFrame(index=pd.Index(labels, name="before"), columns=labels, dtype=object)
    for p in labels:
        for q in labels:
            key = f"{page.name}/transition/{period}/{p}>{q}"
            page.count(key, page.expr(before=p, after=q))
            matrix.loc[p, q] = key
    page.tables["transitions"] = matrix
    dist = pd.DataFrame(index=["before", "after"], columns=labels, dtype=object)
    for p in labels:
        dist.loc["before", p] = f"{page.name}/before/{period}/{p}"
        page.count(dist.loc["before", p], page.expr(before=p), kind="total")
        dist.loc["after", p] = f"{page.name}/after/{period}/{p}"
        page.count(dist.loc["after", p], page.expr(after=p), kind="total")
    page.tables["distribution"] = dist
    changed = page.expr(before=labels) - sum((page.expr(before=p, after=p) for p in labels), np.zeros(len(atoms)))
    page.count(f"{page.name}/changed/{period}", changed, kind="total")
    page.headline("changed", f"{page.name}/changed/{period}")
    if public is not None:
        _join_public(page, public, period)
    if suppress:
        protect(page)
    return page


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


def _join_public(page: Page, public: Page, period: str) -> None:
    """Add the numbers of ``public`` (the overview's page) that the what-if's atoms can
    express, with their statuses fixed, and fix the status of each what-if number equal
    to one of them (see :func:`whatif_page`)."""
    pa = public.atoms
    wa = page.atoms
    groups: dict[tuple[str, str], int] = {}
    for g in zip(wa["unit"].astype(str), wa["before"].astype(str), strict=True):
        groups.setdefault(g, len(groups))
    w_group = np.array([groups[g] for g in zip(wa["unit"].astype(str), wa["before"].astype(str), strict=True)])
    same = np.zeros(len(pa), dtype=bool)
    p_group = np.full(len(pa), -1)
    for i, (per, unit, pred) in enumerate(zip(pa["period"].astype(str), pa["unit"].astype(str),
                                              pa["predikat"].astype(str), strict=True)):
        if per == period and (unit, pred) in groups:
            same[i] = True
            p_group[i] = groups[(unit, pred)]

    # each group's overview atoms side by side (stable: in the atoms' order), so that one
    # reduction per group reads every number at once
    cols = np.flatnonzero(same)
    order = np.argsort(p_group[cols], kind="stable")
    cols, gs = cols[order], p_group[cols][order]
    starts = np.flatnonzero(np.r_[True, gs[1:] != gs[:-1]]) if len(gs) else np.zeros(0, dtype=np.intp)

    def convert(coefs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows over the overview's atoms as rows over the what-if's, and which rows can be
        (a row that tells the jabatan apart, which this page's atoms do not, cannot)."""
        ok = ~(coefs[:, ~same] != 0).any(axis=1)
        out = np.zeros((len(coefs), len(groups)))
        if len(starts):
            lo = np.minimum.reduceat(coefs[:, cols], starts, axis=1)
            ok &= (lo == np.maximum.reduceat(coefs[:, cols], starts, axis=1)).all(axis=1)
            out[:, gs[starts]] = lo
        return ok, out[:, w_group]

    added: set[str] = set()
    twins: dict[tuple[str, bytes], str] = {}
    numbers = [(f.key, f.expr) for f in public.facts.values() if f.expr is not None]
    converted: dict[str, np.ndarray | None] = {}
    for at in range(0, len(numbers), _CHUNK):  # a few hundred rows at a time: memory stays bounded
        chunk = numbers[at:at + _CHUNK]
        ok, exprs = convert(np.vstack([e for _, e in chunk]))
        converted.update({key: (exprs[i] if ok[i] else None) for i, (key, _) in enumerate(chunk)})
    for f in public.facts.values():
        expr = converted.get(f.key)
        if f.expr is not None and expr is None:
            continue
        added.add(f.key)
        page.facts[f.key] = Fact(f.key, f.kind, f.value, expr, f.status, f.requires, f.cost, locked=True)
        if expr is not None:
            twins[(f.kind, expr.tobytes())] = f.key
    joined = [rel for rel in public.relations if set(rel.needs) <= added]
    for start in range(0, len(joined), _CHUNK):
        part = joined[start:start + _CHUNK]
        ok, rows = convert(np.vstack([rel.coef for rel in part]))
        at = 0
        for rel in part:
            size = len(rel.coef)
            if ok[at:at + size].all():
                page.relations.append(Relation(rel.needs, rows[at:at + size], rel.lb, rel.ub))
            at += size
    # a unit the rubric does not change: its what-if curve is the overview's, shown alike
    changed = set(wa.loc[(wa["before"] != wa["after"]) & (wa["n"] > 0), "unit"].astype(str))
    prefix = f"{page.name}/"
    for f in list(page.facts.values()):
        if f.locked or not f.key.startswith(prefix):
            continue
        twin = twins.get((f.kind, f.expr.tobytes())) if f.expr is not None else None
        if twin is None and f.kind in ("verdict", "move", "flag"):
            unit = f.key.split("/")[3] if f.key.count("/") >= 3 else ""
            other = f"{public.name}/{f.key[len(prefix):]}"
            if unit and unit not in changed and other in public.facts:
                twin = other
        if twin is not None:
            f.status = public.facts[twin].status
            f.locked = True
