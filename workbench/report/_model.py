"""The page model: every number a page shows, how the numbers relate, and what is hidden.

A :class:`Page` holds

* **atoms**: the finest counts the page's numbers are sums of (for the leadership page:
  employees per period, unit, jabatan and predikat). They are never shown; they are the
  unknowns of an attacker's linear programme;
* **facts**: each number the page shows (a count, a rounded share, a "move N employees"
  text, a flag, a curve verdict), with its true value, the linear expression over the
  atoms it depends on, and its status: ``shown``, ``small`` (hidden by the small-cell
  rule, written "<5") or ``protected`` (hidden for another cell's sake, written
  "disembunyikan");
* **relations**: what a reader learns when a set of facts is shown, as linear
  constraints ``lb <= coef @ atoms <= ub`` (an exact count; a share rounded to 0.1 %
  as two inequalities; a curve verdict as the bounds of the curve; the moves of the
  curve's smallest fix as the count they leave).

Views and the publisher render a page; :func:`workbench.privacy.audit` attacks it;
:func:`protect` chooses the secondary suppression of all its tables together.

Examples
--------
>>> import numpy as np
>>> atoms = pd.DataFrame({"row": ["a", "a", "b", "b"], "col": ["x", "y", "x", "y"], "n": [40, 2, 30, 9]})
>>> page = Page("demo", {}, atoms, min_cell=5)
>>> for r in ("a", "b"):
...     for c in ("x", "y"):
...         _ = page.count(f"{r}/{c}", page.expr(row=r, col=c))
...     _ = page.count(f"{r}/total", page.expr(row=r), kind="total")
>>> for c in ("x", "y"):
...     _ = page.count(f"{c}/total", page.expr(col=c), kind="total")
>>> page.facts["a/y"].status
'small'
>>> protect(page)
>>> sorted(k for k, f in page.facts.items() if f.hidden)
['a/total', 'a/y', 'y/total']
>>> page.label("a/y"), page.label("y/total"), page.label("a/x")
('<5', 'disembunyikan', '40')
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from workbench._threads import one_blas_thread
from workbench.i18n import number, t
from workbench.privacy import DEFAULT_PROTECTION, _attack, audit, check_min_cell

__all__ = ["Fact", "Page", "Relation", "protect"]

SHOWN, SMALL, PROTECTED = "shown", "small", "protected"

_COST = {"count": 1.0, "total": 3.0, "share": 1.0, "move": 0.5, "flag": 0.25, "verdict": 2.0}
"""Information lost by hiding one number of each kind (the suppression minimises the sum):
a derived text (a move, a flag) goes first, a total last."""


@dataclass
class Fact:
    """One number a page shows (or hides).

    Attributes
    ----------
    key
        Stable id, e.g. ``"curve/BKPSDM/Baik"``.
    kind
        ``count``, ``total``, ``share``, ``move``, ``flag`` or ``verdict``.
    value
        The true value (a share as a fraction; a verdict 1 = meets, 0 = fails).
    expr
        For counts and shares: the count (for a share, its numerator) as a linear
        expression over the page's atoms; the audit computes its interval when hidden.
    status
        ``shown``, ``small`` or ``protected``.
    requires
        Keys of facts without which this one cannot be shown (a move text needs the
        unit's size: the reader turns it into a count with it).
    locked
        Already published elsewhere (another page the same readers see): its status is
        fixed, the suppression neither hides nor shows it.
    """

    key: str
    kind: str
    value: float
    expr: np.ndarray | None = None
    status: str = SHOWN
    requires: tuple[str, ...] = ()
    cost: float = 1.0
    locked: bool = False

    @property
    def hidden(self) -> bool:
        return self.status != SHOWN


@dataclass
class Relation:
    """What a reader learns once every fact of ``needs`` is shown: ``lb <= coef @ atoms <= ub``."""

    needs: tuple[str, ...]
    coef: np.ndarray
    lb: np.ndarray
    ub: np.ndarray


@dataclass
class Page:
    """The numbers of one page in one control state (see the module notes).

    Attributes
    ----------
    name
        ``"ringkasan_pimpinan"`` or ``"simulasi_rubrik"``.
    state
        The control state the page was computed for (period, unit, org rating, ...).
    atoms
        One row per atom: its key columns and ``n`` (the count).
    facts, relations
        See the module notes.
    tables
        Named tables of fact keys (rows x columns, ``None`` where a cell does not exist).
    headlines
        Named single numbers (fact keys) a finding or headline shows; other modules add
        theirs with :meth:`headline`.
    extra
        Non-numeric page content (labels, org ratings, rule texts) for the renderers.
    """

    name: str
    state: dict[str, Any]
    atoms: pd.DataFrame
    min_cell: int = 5
    protection: int = DEFAULT_PROTECTION
    facts: dict[str, Fact] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    headlines: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.min_cell = check_min_cell(self.min_cell)
        self._values = self.atoms["n"].to_numpy(dtype=float) if len(self.atoms) else np.zeros(0)

    # ------------------------------------------------------------------ building
    def expr(self, **where: Any) -> np.ndarray:
        """0/1 vector over the atoms matching every ``column=value`` (a list: any of)."""
        mask: np.ndarray | None = None
        for col, val in where.items():
            match = self._match(col, tuple(str(v) for v in (val if isinstance(val, list | tuple | set) else [val])))
            mask = match if mask is None else mask & match
        return np.ones(len(self.atoms)) if mask is None else mask.astype(float)

    def _match(self, col: str, values: tuple[str, ...]) -> np.ndarray:
        """Which atoms have ``col`` (as text) equal to one of ``values`` (read only: it is kept).

        A page asks the same few conditions hundreds of times (each unit with each
        predikat), so each is computed once per page from the column's integer codes."""
        memo = self.__dict__.get("_matches")
        if memo is None:  # each column as integer codes, and each value's code
            codes: dict[str, tuple[np.ndarray, dict[str, int]]] = {}
            for c in self.atoms.columns:
                if c != "n":
                    code, uniques = pd.factorize(self.atoms[c].astype(str).to_numpy(dtype=object))
                    codes[c] = (code.astype(np.int32), {str(v): i for i, v in enumerate(uniques)})
            self.__dict__["_codes"] = codes
            memo = self.__dict__["_matches"] = {}
        key = (col, values)
        match = memo.get(key)
        if match is None:
            code, of = self.__dict__["_codes"][col]
            wanted = [of[v] for v in values if v in of]
            lookup = np.zeros(len(of) + 1, dtype=bool)  # code -> wanted (one spare: no value, no code)
            lookup[wanted] = True
            match = memo[key] = lookup[code]
        return match

    def _small(self, v: float) -> bool:
        return 0 < v < self.min_cell

    def _add(self, fact: Fact) -> Fact:
        if fact.key in self.facts:  # the same number in two places is one fact
            return self.facts[fact.key]
        self.facts[fact.key] = fact
        return fact

    def count(self, key: str, expr: np.ndarray, kind: str = "count", hide: bool = False) -> Fact:
        """A count shown as a number: small (1 .. min_cell-1) or ``hide`` means hidden."""
        if key in self.facts:  # the same number in two places is one fact
            return self.facts[key]
        value = float(expr @ self._values)
        fact = self._add(Fact(key, kind, value, expr, SMALL if hide or self._small(value) else SHOWN,
                              cost=_COST[kind] + value / 1000.0))
        self.relations.append(Relation((key,), expr[None, :], np.array([value]), np.array([value])))
        return fact

    def share(self, key: str, num: np.ndarray, den: np.ndarray, decimals: int = 3, hide: bool = False,
              complement: bool = True) -> Fact:
        """A share ``num / den`` shown rounded to ``decimals`` (3: one decimal of a percent).

        Hidden (small) when the denominator is below ``min_cell`` or the numerator (or, if
        ``complement``, the rest) is a small count.
        """
        k, n = float(num @ self._values), float(den @ self._values)
        value = k / n if n > 0 else math.nan
        small = hide or n < self.min_cell or self._small(k) or (complement and self._small(n - k))
        if key in self.facts:
            return self.facts[key]
        fact = self._add(Fact(key, "share", value, num, SMALL if small else SHOWN, cost=_COST["share"]))
        if n > 0:
            half = 0.5 * 10.0 ** (-decimals) + 1e-9
            r = round(value, decimals)
            coef = np.vstack([num - (r - half) * den, num - (r + half) * den])
            self.relations.append(Relation((key,), coef, np.array([0.0, -np.inf]), np.array([np.inf, 0.0])))
        return fact

    def fact(self, key: str, kind: str, value: float, requires: tuple[str, ...] = (), hide: bool = False) -> Fact:
        """A derived number (a move, a flag, a verdict); its relations are added by the caller."""
        return self._add(Fact(key, kind, value, None, SMALL if hide else SHOWN, requires, _COST[kind]))

    def relate(self, needs: tuple[str, ...], coef: np.ndarray, lb: float, ub: float) -> None:
        """Record that showing every fact of ``needs`` tells ``lb <= coef @ atoms <= ub``."""
        self.relations.append(Relation(needs, np.asarray(coef, dtype=float)[None, :], np.array([lb]),
                                       np.array([ub])))

    def headline(self, name: str, key: str) -> None:
        """Register a fact as a headline number (``name`` -> fact key)."""
        self.headlines[name] = key

    # ------------------------------------------------------------------ reading
    def true_values(self) -> np.ndarray:
        """The atoms' counts (never shown; for the audit's feasibility check and tests)."""
        return self._values.copy()

    def shown(self, key: str) -> bool:
        return key in self.facts and not self.facts[key].hidden

    def value(self, key: str) -> float:
        """The value as published: ``NaN`` when hidden."""
        f = self.facts[key]
        return math.nan if f.hidden else f.value

    def label(self, key: str | None, lang: str = "id") -> str:
        """The text a cell shows: the number, "<5" (small) or "disembunyikan" (protected)."""
        if key is None or key not in self.facts:
            return ""
        f = self.facts[key]
        if f.status == SMALL:  # a share of a small group is not "<5 %": say what is small
            return t("privacy.small_share" if f.kind == "share" else "fig.suppressed", lang, k=self.min_cell)
        if f.status == PROTECTED:
            return t("privacy.protected", lang)
        if f.kind == "share":
            return "" if math.isnan(f.value) else number(f.value, ".1%", lang)
        if f.kind == "verdict":
            return t("answer.yes" if f.value else "answer.no", lang)
        return number(int(round(f.value)), ",", lang)

    def frame(self, table: str, values: bool = True) -> pd.DataFrame:
        """A table as published values (``NaN`` hidden) or, ``values=False``, statuses."""
        keys = self.tables[table]
        if values:
            return keys.map(lambda k: self.value(k) if k is not None else math.nan).astype(float)
        return keys.map(lambda k: self.facts[k].status if k is not None else "")

    def n_hidden(self) -> dict[str, int]:
        """How many facts each status holds (``small``, ``protected``, ``shown``)."""
        out = {SHOWN: 0, SMALL: 0, PROTECTED: 0}
        for f in self.facts.values():
            out[f.status] += 1
        return out


def _strict(share: float) -> float:
    """The smallest positive value of ``count - share * n`` over integers (for strict
    inequalities: a broken maximum means ``count - share * n >= _strict(share)``)."""
    return 1.0 / Fraction(share).limit_denominator(1000).denominator


def _propagate(page: Page) -> None:
    changed = True
    while changed:
        changed = False
        for f in page.facts.values():
            if f.requires and not f.hidden and not f.locked \
                    and any(page.facts[r].hidden for r in f.requires if r in page.facts):
                f.status = PROTECTED
                changed = True


def _support(rel: Relation) -> np.ndarray:
    """The atoms a relation touches (kept on the relation: its coefficients are fixed)."""
    s = rel.__dict__.get("_support")
    if s is None:
        s = rel.__dict__["_support"] = (np.abs(rel.coef) > 0).any(axis=0)
    return s


class _Shape:
    """A page's fixed structure as arrays, built once per protection: the searches below
    ask which facts and relations touch a set of atoms hundreds of times, and looping over
    the facts and relations in Python for each question made a page of 100 OPD cost
    minutes (the work grew with the square of the page).

    ``rsup``: relations x atoms, the atoms each relation touches; ``fsup``: facts x atoms,
    the atoms of the relations that need each fact (what showing it tells about); ``enz``:
    facts x atoms, the atoms of each fact's own expression; ``need_rel``, ``need_fact``:
    the (relation, fact) pairs of the relations' needs."""

    def __init__(self, page: Page) -> None:
        self.facts = list(page.facts.values())
        self.index = {f.key: i for i, f in enumerate(self.facts)}
        n_atoms, n_facts = len(page.atoms), len(self.facts)
        self.rsup = np.zeros((len(page.relations), n_atoms), dtype=bool)
        self.fsup = np.zeros((n_facts, n_atoms), dtype=bool)
        pairs = []
        for i, rel in enumerate(page.relations):
            s = self.rsup[i] = _support(rel)
            for key in rel.needs:
                j = self.index.get(key)
                if j is not None:  # (a need that is not on the page is never shown: ignored, as the audit does)
                    self.fsup[j] |= s
                    pairs.append((i, j))
        need = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        self.need_rel, self.need_fact = need[:, 0], need[:, 1]
        self.enz = np.zeros((n_facts, n_atoms), dtype=bool)
        for j, f in enumerate(self.facts):
            if f.expr is not None:
                self.enz[j] = f.expr != 0
        self.locked = np.fromiter((f.locked for f in self.facts), dtype=bool, count=n_facts)

    def hidden(self) -> np.ndarray:
        return np.fromiter((f.status != SHOWN for f in self.facts), dtype=bool, count=len(self.facts))

    def live(self, hidden: np.ndarray) -> np.ndarray:
        """The relations whose facts are all shown."""
        live = np.ones(len(self.rsup), dtype=bool)
        live[self.need_rel[hidden[self.need_fact]]] = False
        return live

    def grown(self, own: np.ndarray) -> np.ndarray:
        """``own`` widened by each relation in turn (in the page's order) that touches the
        atoms gathered so far: a relation that only touches atoms a later relation adds
        is not taken (one pass, as the search has always read it)."""
        support = own.copy()
        hit = np.asarray(self.rsup[:, support].any(axis=1))
        pos = 0
        while True:
            nxt = np.flatnonzero(hit[pos:])
            if not len(nxt):
                return support
            i = pos + int(nxt[0])
            new = self.rsup[i] & ~support
            if new.any():
                support |= new
                hit |= self.rsup[:, new].any(axis=1)
            pos = i + 1


def protect(page: Page, max_rounds: int = 500, tries: int = 6, reshow: bool = True) -> None:
    """Secondary suppression of the whole page, in place.

    Starting from the small cells, repeatedly attack the page
    (:func:`workbench.privacy.audit`); for the first hidden cell whose interval is too
    narrow, hide the cheapest shown number that shares an atom with it (a move or flag
    text before a share, a share or count before a total; among counts the smallest),
    until no hidden cell can be narrowed below the protection level. Every hidden cell
    is then protected against all the page's numbers together. A last pass shows again
    what a later choice made unnecessary; ``reshow=False`` skips it (it audits every
    hidden cell near each candidate, which costs most on a page joined with another's
    numbers, yet there it matters most: without it the what-if page of the detailed
    rubric on the sample hides 93 of its 107 numbers, with it 36).

    The search widens at most ``max_rounds`` cells; if a cell is still too narrow then,
    every number that is not locked is hidden (a page with too few numbers beats a page
    that gives a small group away). A page whose locked numbers alone give a cell away
    stays open; the publishing and the dashboards' audits refuse it.
    """
    with one_blas_thread():
        _protect(page, max_rounds, tries, reshow)


def _protect(page: Page, max_rounds: int, tries: int, reshow: bool) -> None:
    _propagate(page)
    shape = _Shape(page)
    rounds = 0
    unhidden = False
    memo: dict[tuple[str, bytes], float] = {}
    while rounds < max_rounds:
        report = audit(page, reuse=True)
        state = _hidden_state(page)
        memo.update({(k, state): float(w) for k, w in zip(report.intervals["key"], report.intervals["width"],
                                                         strict=True)})
        if report.ok:
            if unhidden or not reshow:
                return
            _unhide(page, shape)  # screened by the linear relaxation ...
            unhidden = True
            continue  # ... so the page is attacked again in integers
        for key in report.failures:
            width = _width(page, key, memo)
            if width is None or width >= page.protection - 1e-6:
                continue  # an earlier choice already protects it
            rounds += 1
            _widen(page, page.facts[key], shape, tries, memo)
    if not audit(page, reuse=True).ok:
        _hide_all(page)


def _hide_all(page: Page) -> None:
    """The search ran out of rounds with a cell still narrow: hide every number the
    suppression may hide (all but the locked ones), so that the page is never left open."""
    for f in page.facts.values():
        if f.status == SHOWN and not f.locked:
            f.status = PROTECTED
    _propagate(page)


def _hidden_state(page: Page) -> bytes:
    return np.packbits(np.fromiter((f.status != SHOWN for f in page.facts.values()), dtype=bool,
                                   count=len(page.facts))).tobytes()


def _width(page: Page, key: str, memo: dict[tuple[str, bytes], float]) -> float | None:
    """The width of a small cell's interval under the integer attack, remembered per set of
    hidden numbers (the search asks again for the state it has just tried); ``None``
    when the cell is not attacked."""
    state = (key, _hidden_state(page))
    if state not in memo:
        rows, _ = _attack(page, keys=[key], reuse=True)
        if not rows:
            return None
        memo[state] = float(rows[0][6])  # the width
    return memo[state]


def _widen(page: Page, target: Fact, shape: _Shape, tries: int, memo: dict[tuple[str, bytes], float]) -> None:
    """Hide numbers touching ``target`` until its interval is wide enough."""
    own = shape.enz[shape.index[target.key]]
    touching = shape.rsup[:, own].any(axis=1)  # the relations that share an atom with the target
    for _ in range(len(page.facts)):
        before = _width(page, target.key, memo)
        assert before is not None
        if before >= page.protection - 1e-6:
            return
        hidden = shape.hidden()
        # two steps: the atoms of the shown relations that share one with the target
        support = own | shape.rsup[shape.live(hidden) & touching].any(axis=0)
        free = ~hidden & ~shape.locked
        near = free & shape.fsup[:, support].any(axis=1)
        # nothing left to hide that touches it: hide every shown fact
        candidates = [shape.facts[i] for i in np.flatnonzero(near if near.any() else free)]
        if not candidates:
            return
        candidates.sort(key=lambda f: (f.cost, f.key))
        pick = candidates[0]
        for cand in candidates[:tries]:  # the cheapest number whose hiding widens the interval
            cand.status = PROTECTED
            after = _width(page, target.key, memo)
            widened = after is not None and after > before + 1e-9
            cand.status = SHOWN
            if widened:
                pick = cand
                break
        pick.status = PROTECTED
        _propagate(page)


_WORTH_SHOWING = ("total", "verdict", "count", "share", "move", "flag")
"""The kinds the final pass tries to show again (a share or a move text hidden on the way
stays hidden: trying them all costs more than it gives)."""


def _unhide(page: Page, shape: _Shape) -> None:
    """Show again every protected number (the costliest first) that the page can afford:
    the greedy search may have hidden one that a later choice made unnecessary."""
    for f in sorted((f for f in page.facts.values()
                     if f.status == PROTECTED and f.kind in _WORTH_SHOWING and not f.locked),
                    key=lambda f: (-f.cost, f.key)):
        if any(page.facts[r].hidden for r in f.requires if r in page.facts):
            continue
        i = shape.index[f.key]
        own = shape.fsup[i]  # the atoms the numbers ``f`` tells about
        support = shape.grown(own)
        close = shape.hidden() & shape.enz[:, support].any(axis=1)
        close[i] = False
        rows = np.flatnonzero(close).tolist()
        f.status = SHOWN
        if f.expr is not None:
            rows.append(i)
        # the cells that the numbers ``f`` tells about touch first: the likeliest to fail,
        # and the first failure ends the attack (which cells pass does not depend on the order)
        first = np.asarray(shape.enz[:, own].any(axis=1))
        rows.sort(key=lambda j: not first[j])
        near = [shape.facts[j].key for j in rows]
        if not all(row[7] for row in _attack(page, keys=near, first=True, integer=False, reuse=True,
                                             ordered=True)[0]):
            f.status = PROTECTED
