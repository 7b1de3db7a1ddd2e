"""Small-cell suppression and identifier checks for everything a leader sees.

Leadership views and published reports show aggregates only. A cell that counts
fewer than ``min_cell`` employees (default 5, never below 3) is suppressed, so that
nobody can read one person's predikat from a table of a small unit. This module is
the one place that rule lives; views and the publisher call it.

Rules
-----
* **Primary suppression**: a count of 1 .. ``min_cell - 1`` is hidden (``NaN``);
  a count of 0 is shown (an empty cell discloses nobody's rating).
* **Groups**: a row (e.g. an OPD) with fewer than ``min_cell`` employees in total is
  hidden entirely.
* **Secondary suppression**: when a row shows its total and exactly one cell is
  hidden, that cell could be recovered by subtraction, so the smallest other cell of
  the row (a zero if there is one) is hidden as well: the reader then learns only that
  a few employees fall somewhere among the hidden categories.
* **Shares**: a share ``k / n`` is hidden when ``n < min_cell`` or when ``k`` or
  ``n - k`` lies in 1 .. ``min_cell - 1`` (its complement would disclose a small cell).

Examples
--------
>>> import pandas as pd
>>> counts = pd.DataFrame({"Baik": [40, 3], "Butuh Perbaikan": [2, 0]}, index=["A", "B"])
>>> suppress_counts(counts)
   Baik  Butuh Perbaikan
A   NaN              NaN
B   NaN              NaN
>>> suppress_counts(pd.DataFrame({"Baik": [40], "Sangat Baik": [7], "Butuh Perbaikan": [2]}))
   Baik  Sangat Baik  Butuh Perbaikan
0  40.0          NaN              NaN
>>> check_min_cell(2)
Traceback (most recent call last):
...
workbench.errors.ParameterError: `min_cell` must be at least 3 (small-cell suppression cannot be weakened further); got 2.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import re
import sys
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench._threads import one_blas_thread
from workbench.errors import ParameterError

__all__ = [
    "DEFAULT_MIN_CELL",
    "DEFAULT_PROTECTION",
    "AuditReport",
    "audit",
    "MIN_CELL_FLOOR",
    "NIP_PATTERN",
    "NIP_SPACED",
    "check_min_cell",
    "find_identifiers",
    "suppress_counts",
    "suppress_rows",
    "suppress_share",
]

DEFAULT_MIN_CELL = 5
"""Default threshold: cells with fewer employees than this are hidden."""

MIN_CELL_FLOOR = 3
"""The threshold can be configured, but never below this."""

DEFAULT_PROTECTION = 3
"""A hidden cell is protected when the published numbers leave it an interval whose
ends are at least this far apart (e.g. 0 .. 3)."""

NIP_PATTERN = re.compile(r"(?<!\d)\d{18}(?!\d)")
"""An 18-digit NIP anywhere in a text."""

NIP_SPACED = re.compile(r"(?<!\d)\d{8}[\s.\-]{1,3}\d{6}[\s.\-]{1,3}\d[\s.\-]{1,3}\d{3}(?!\d)")
"""A NIP in its official spaced form (``19860926 201505 1 001``: birth date, appointment
month, sex, number), with spaces, non-breaking spaces, dots or hyphens."""


def check_min_cell(min_cell: int | None) -> int:
    """Return a valid suppression threshold (``None`` gives the default, 5).

    Raises
    ------
    ParameterError
        When ``min_cell`` is below :data:`MIN_CELL_FLOOR` (3) or not an integer.

    Examples
    --------
    >>> check_min_cell(None), check_min_cell(3)
    (5, 3)
    """
    if min_cell is None:
        return DEFAULT_MIN_CELL
    if isinstance(min_cell, bool) or not isinstance(min_cell, int | np.integer):
        raise ParameterError(f"`min_cell` must be an integer of at least {MIN_CELL_FLOOR}; got {min_cell!r}.")
    if min_cell < MIN_CELL_FLOOR:
        raise ParameterError(
            f"`min_cell` must be at least {MIN_CELL_FLOOR} (small-cell suppression cannot be "
            f"weakened further); got {min_cell}.")
    return int(min_cell)


def _small(values: np.ndarray, k: int) -> np.ndarray:
    return (values > 0) & (values < k)


def suppress_counts(counts: pd.DataFrame, min_cell: int | None = None, secondary: bool = True) -> pd.DataFrame:
    """Hide small cells of a table of counts (rows = groups, columns = categories).

    Parameters
    ----------
    counts
        Non-negative integer counts of employees, e.g. OPD x predikat.
    min_cell
        Threshold (default 5, at least 3).
    secondary
        Also hide a second cell in rows where only one is hidden (see module notes).

    Returns
    -------
    pandas.DataFrame
        The same shape, float, with ``NaN`` for every suppressed cell. Rows whose total
        is below ``min_cell`` are entirely ``NaN``.
    """
    k = check_min_cell(min_cell)
    values = counts.to_numpy(dtype=float, copy=True)
    if values.size == 0:
        return counts.astype(float)
    hide = _small(values, k)
    totals = np.nansum(values, axis=1)
    hide[totals < k, :] = True
    if secondary:
        for i in range(values.shape[0]):
            if hide[i].sum() == 1 and not hide[i].all():
                candidates = np.where(~hide[i], values[i], np.inf)
                j = int(np.argmin(candidates))
                if np.isfinite(candidates[j]):
                    hide[i, j] = True
    values[hide] = np.nan
    return pd.DataFrame(values, index=counts.index, columns=counts.columns)


def suppress_share(numerator: pd.Series, denominator: pd.Series, min_cell: int | None = None) -> pd.Series:
    """The share ``numerator / denominator``, hidden where it would disclose a small cell.

    Examples
    --------
    >>> import pandas as pd
    >>> suppress_share(pd.Series([46, 40, 3]), pd.Series([48, 48, 4])).round(3).tolist()
    [nan, 0.833, nan]
    """
    k = check_min_cell(min_cell)
    num = numerator.astype(float)
    den = denominator.astype(float)
    share = num / den.where(den > 0)
    hide = (den < k) | _small(num.to_numpy(), k) | _small((den - num).to_numpy(), k)
    return share.mask(hide)


def suppress_rows(frame: pd.DataFrame, n_column: str, columns: Iterable[str], min_cell: int | None = None) -> pd.DataFrame:
    """Blank ``columns`` in every row whose ``n_column`` is below ``min_cell``.

    For summaries per group (a coefficient per OPD, a count of flagged raters per
    OPD) where the group size is the only small number.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"unit": ["A", "B"], "n": [12, 4], "icc": [0.6, 0.9]})
    >>> suppress_rows(f, "n", ["icc"])["icc"].tolist()
    [0.6, nan]
    """
    k = check_min_cell(min_cell)
    out = frame.copy()
    small = out[n_column].astype(float) < k
    for c in columns:
        out[c] = out[c].astype(float).mask(small)
    return out


def find_identifiers(text: str, names: Iterable[str] = ()) -> list[str]:
    """Return every 18-digit NIP and every one of ``names`` found in ``text``.

    The publisher and the browser tests use it as a last check that no identifier
    reaches a leader's screen.

    Examples
    --------
    >>> find_identifiers("NIP 198012212004011001, Budi Santoso", names=["Budi Santoso", "Ani"])
    ['198012212004011001', 'Budi Santoso']

    The official spaced form and a NIP split by invisible characters are found too:

    >>> find_identifiers("NIP 19860926 201505 1 001 / 19860926\u200b2015051\u200c001")
    ['198609262015051001', '198609262015051001']
    """
    text = _visible(text)
    found = NIP_PATTERN.findall(text)
    found += [re.sub(r"\D", "", m) for m in NIP_SPACED.findall(text)]
    wanted = [_visible(str(name)) if name else "" for name in names]
    short = _short_runs(text, max(map(len, wanted), default=0)) if len(wanted) > 20 else text
    for name in wanted:
        if name and name in (text if _RUN.fullmatch(name) or "\0" in name else short):
            found.append(name)
    return found


_B64 = "[A-Za-z0-9+/=]"
"""A character of base64 (a report's embedded figures are long runs of them)."""
_RUN = re.compile(_B64 + "+")


def _short_runs(text: str, longest: int) -> str:
    """``text`` with each run of base64 characters longer than ``2 * longest + 2`` cut to
    its first and last ``longest`` characters, joined by a NUL.

    A name holding a character outside those runs overlaps a run only by a prefix or a
    suffix shorter than itself, so it occurs in ``text`` exactly when it occurs in the
    result (and a NUL-free name never matches across the cut): the names are then looked
    for in a text without the bulk of the embedded images.
    """
    if longest == 0:
        return text
    return re.sub(f"{_B64}{{{2 * longest + 3},}}", lambda m: m.group()[:longest] + "\0" + m.group()[-longest:],
                  text)


def _visible(text: str) -> str:
    """``text`` without invisible format characters (zero-width spaces and joiners, word
    joiner, BOM, soft hyphen, bidi marks), which could split a NIP or a name."""
    if text.isascii():  # no format character is ASCII
        return text
    import unicodedata

    return _NON_ASCII.sub(lambda m: "".join(ch for ch in m.group() if unicodedata.category(ch) != "Cf"), text)


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


@dataclass(frozen=True)
class AuditReport:
    """The attacker's result on a page: per hidden count, the interval the page leaves.

    Attributes
    ----------
    intervals
        One row per hidden count: ``key, kind, status, value, low, high, width, ok``.
    protection
        The width an interval needs (default 3).
    """

    intervals: pd.DataFrame
    protection: int

    @property
    def ok(self) -> bool:
        """True when no hidden cell can be narrowed below the protection level."""
        return bool(self.intervals["ok"].all()) if len(self.intervals) else True

    @property
    def failures(self) -> list[str]:
        """Keys of the hidden cells the published numbers pin down too closely."""
        return self.intervals.loc[~self.intervals["ok"].astype(bool), "key"].tolist() if len(self.intervals) else []


def _integral(x: np.ndarray | None, A: np.ndarray, lb: np.ndarray, ub: np.ndarray) -> np.ndarray | None:
    """``x`` rounded to integers when the result is a non-negative point of ``lb <= A x <= ub``
    (checked in floating point with a 1e-9 margin), else ``None``."""
    if x is None:
        return None
    z = np.round(np.asarray(x, dtype=float))
    if (z < 0).any():
        return None
    got = A @ z if len(A) else np.zeros(0)
    return z if ((got >= lb - 1e-9) & (got <= ub + 1e-9)).all() else None


_LOCAL = threading.local()
_CALLS = itertools.count()
_BANNER = threading.Lock()


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence the process's standard output (file descriptor 1), where HiGHS writes its
    banner when its first instance is made (a kernel would show it in a cell)."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no descriptor 1 to silence
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


def _highs() -> Any:
    """This thread's HiGHS instance (one per thread: an instance is not shared), silent."""
    h = getattr(_LOCAL, "highs", None)
    if h is None:
        import highspy

        with _BANNER:
            first = not getattr(_highs, "made", False)
            with _quiet_stdout() if first else contextlib.nullcontext():
                h = highspy.Highs()
            _highs.made = True  # type: ignore[attr-defined]
        h.setOptionValue("output_flag", False)
        _LOCAL.highs = h
    return h


def _lp_ends(A: np.ndarray, lb: np.ndarray, ub: np.ndarray, c: np.ndarray, block: Any = None,
             signs: tuple[float, ...] = (1.0, -1.0)) -> list[tuple[float, np.ndarray | None]]:
    """The minimum and the maximum of ``c @ x`` over the non-negative reals with
    ``lb <= A x <= ub`` (the linear relaxation), each with the point reaching it;
    ``(-inf or inf, None)`` when unbounded; ``[]`` when HiGHS gives no optimum.

    One model is solved twice (the second run starts from the first's basis), through
    HiGHS directly: the same solver as :func:`scipy.optimize.linprog` without its
    per-call checks, which cost as much as the solve on the small programmes of a page.
    ``block``: a token for the matrix ``A``; the next call with the same token only
    changes the objective and the rows' bounds, and starts from the last basis (an
    audit's cells of one block share their system, and the attacks on a page keep one
    model per block, the rows of hidden numbers given no bounds). Presolve is off: on
    these programmes it costs more than it saves. ``signs``: which ends, in order (``1.0`` the minimum, ``-1.0`` the maximum).
    """
    import highspy

    h = _highs()
    if block is None or getattr(_LOCAL, "block", None) != block:
        _LOCAL.block = None
        _pass_model(h, A, lb, ub, c, block)
        _LOCAL.block = block
    else:
        h.changeColsCost(len(c), np.arange(len(c), dtype=np.int32), np.asarray(c, dtype=float))
        h.changeRowsBounds(len(lb), np.arange(len(lb), dtype=np.int32), *_row_bounds(highspy, lb, ub))
    out: list[tuple[float, np.ndarray | None]] = []
    for sign in signs:
        h.changeObjectiveSense(highspy.ObjSense.kMinimize if sign > 0 else highspy.ObjSense.kMaximize)
        h.run()
        status = h.getModelStatus()
        if status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible):
            out.append((-sign * np.inf, None))  # the page's own numbers are a point: feasible
        elif status == highspy.HighsModelStatus.kOptimal:
            out.append((float(h.getInfo().objective_function_value), np.asarray(h.getSolution().col_value)))
        else:
            _LOCAL.block = None
            return []
    return out


def _pass_model(h: Any, A: np.ndarray, lb: np.ndarray, ub: np.ndarray, c: np.ndarray, block: Any = None) -> None:
    """Load ``min c x, lb <= A x <= ub, x >= 0`` into the HiGHS instance ``h``."""
    import highspy

    h.clearModel()
    h.setOptionValue("presolve", "off")
    _load(h, highspy, A, lb, ub, c, block=block)


def _load(h: Any, lib: Any, A: np.ndarray, lb: np.ndarray, ub: np.ndarray, c: np.ndarray, integer: bool = False,
          block: Any = None) -> None:
    """Pass ``min c x, lb <= A x <= ub, x >= 0`` (``integer``: x integral) to the instance
    ``h`` of ``lib`` (:mod:`highspy`, or scipy's own build of HiGHS: both bind the same
    interface) as arrays, which HiGHS reads as they are (a ``HighsLp`` built in Python
    converts its arrays element by element: a millisecond for a block of a page).
    ``block``: see :func:`_csc`."""
    inf = lib.kHighsInf
    n = A.shape[1]
    start, index, value = _csc(A, block)
    kind = lib.HighsVarType.kInteger if integer else lib.HighsVarType.kContinuous
    h.passModel(n, A.shape[0], len(index), int(lib.MatrixFormat.kColwise), int(lib.ObjSense.kMinimize), 0.0,
                np.asarray(c, dtype=float), np.zeros(n), np.full(n, inf),
                *_row_bounds(lib, lb, ub), start, index, value, np.full(n, int(kind), dtype=np.int32))


def _row_bounds(lib: Any, lb: np.ndarray, ub: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``lb, ub`` as HiGHS reads them (its infinity where they are infinite)."""
    inf = lib.kHighsInf
    return np.where(np.isfinite(lb), lb, -inf).astype(float), np.where(np.isfinite(ub), ub, inf).astype(float)


def _csc(A: np.ndarray, block: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The columns of ``A`` in compressed form (what a CSC matrix holds: each column's
    start, then the rows and values of its non-zeros), without scipy's checks. ``block``:
    a token for ``A`` (see :func:`_lp_ends`); the last token's arrays are kept, for the
    integer programmes of the block that follow its relaxation."""
    kept = getattr(_LOCAL, "csc", None)
    if block is not None and kept is not None and kept[0] == block:
        return kept[1]  # type: ignore[no-any-return]
    cols, rows = np.nonzero(A.T)
    counts = np.bincount(cols, minlength=A.shape[1])
    out = ((np.cumsum(counts) - counts).astype(np.int32), rows.astype(np.int32), np.asarray(A[rows, cols], dtype=float))
    if block is not None:
        _LOCAL.csc = (block, out)
    return out


def _milp_core() -> Any:
    """The HiGHS build that :func:`scipy.optimize.milp` runs (scipy's private binding of
    it), or ``None`` when this scipy has none (older releases bound HiGHS otherwise): the
    integer programmes are then solved through :func:`scipy.optimize.milp` itself."""
    core = getattr(_milp_core, "core", False)
    if core is False:
        try:
            from scipy.optimize._highspy import _core as core  # type: ignore[import-not-found,no-redef]
        except ImportError:
            core = None
        if core is not None and not all(hasattr(core, name) for name in (
                "_Highs", "HighsOptions", "HighsVarType", "MatrixFormat", "ObjSense", "HighsModelStatus", "kHighsInf")):
            core = None
        _milp_core.core = core  # type: ignore[attr-defined]
    return core


def _milp_min(A: np.ndarray, lb: np.ndarray, ub: np.ndarray, c: np.ndarray,
              block: Any = None) -> tuple[float, np.ndarray | None]:
    """The minimum of ``c @ x`` over the non-negative integer points of ``lb <= A x <= ub``,
    with the point reaching it; ``(-inf, None)`` when unbounded. ``block``: see :func:`_csc`.

    The solver and its options are those of :func:`scipy.optimize.milp` (scipy's build of
    HiGHS, presolve on, no limits, the default gaps), run on this thread's own instance
    without scipy's per-call checks and conversions (a fifth of the time on a page's small
    programmes), and without HiGHS's feasibility-jump heuristic: a search for a first
    integer point run before the root's linear programme, which on these programmes cost
    half the solve while the root's own rounding found the optimum. A heuristic only
    proposes points: which optimum is proved does not depend on it, the point reaching it
    may differ.

    Raises
    ------
    RuntimeError
        When HiGHS gives neither an optimum nor unboundedness.
    """
    core = _milp_core()
    if core is None:
        from scipy.optimize import Bounds, LinearConstraint, milp

        res = milp(c, constraints=[LinearConstraint(A, lb, ub)] if len(A) else [], integrality=np.ones(len(c)),
                   bounds=Bounds(0, np.inf), options={"presolve": True})
        if res.status == 3 or (res.status != 0 and res.x is None and "unbounded" in str(res.message).lower()):
            return -np.inf, None
        if res.status != 0:
            raise RuntimeError(f"audit: the page's relations are not solvable ({res.message}).")
        return float(res.fun), res.x
    h = getattr(_LOCAL, "milp", None)
    if h is None:
        h = core._Highs()
        options = core.HighsOptions()
        options.log_to_console = False  # scipy's ``disp=False``
        options.output_flag = False
        options.presolve = "on"  # scipy's ``presolve=True``
        if hasattr(options, "mip_heuristic_run_feasibility_jump"):
            options.mip_heuristic_run_feasibility_jump = False
        h.passOptions(options)
        _LOCAL.milp = h
    _load(h, core, A, lb, ub, c, integer=True, block=block)
    h.run()
    status = h.getModelStatus()
    if status == core.HighsModelStatus.kOptimal:
        return float(h.getInfo().objective_function_value), np.asarray(h.getSolution().col_value)
    if status in (core.HighsModelStatus.kUnbounded, core.HighsModelStatus.kUnboundedOrInfeasible):
        return -np.inf, None  # the page's own numbers are a point: feasible
    raise RuntimeError(f"audit: the page's relations are not solvable ({h.modelStatusToString(status)}).")


def _bounds_of(A: np.ndarray, lb: np.ndarray, ub: np.ndarray, c: np.ndarray,
               level: float | None = None, integer: bool = True,
               known: np.ndarray | None = None, block: Any = None) -> tuple[float, float, list[np.ndarray]]:
    """The interval of ``c @ x`` over the non-negative (integer) points of ``lb <= A x <= ub``,
    and the integer points found on the way (witnesses for later attacks on the same page).

    ``known``: integer points of the system (rows); one at an end of the LP relaxation's
    interval settles that end without an integer programme. ``block``: see :func:`_lp_ends`."""
    points: list[np.ndarray] = []
    if not integer and level is not None and len(A) and known is not None and len(known):
        # a screen whose known points reach down to ``low``: the relaxation's maximum alone
        # may show the interval wide enough (its minimum is at most ``low``), one solve of two
        low = float(math.ceil(float((known @ c).min()) - 1e-6))
        top = _lp_ends(A, lb, ub, c, block, signs=(-1.0,))
        if top and (not np.isfinite(top[0][0]) or math.floor(top[0][0] + 1e-6) - low >= level - 1e-6):
            z = _integral(top[0][1], A, lb, ub)
            if z is not None:
                points.append(z)
            return low, (float(math.floor(top[0][0] + 1e-6)) if np.isfinite(top[0][0]) else top[0][0]), points
    settled: list[float | None] = [None, None]  # integer ends the LP already reaches
    if level is not None and len(A):
        # the LP relaxation's interval holds the integer one: when even its rounded
        # ends are closer than ``level``, the cell fails without branching
        ends: list[float] = []
        for i, (end_value, x) in enumerate(_lp_ends(A, lb, ub, c, block)):
            sign = 1.0 if i == 0 else -1.0
            ends.append(end_value)
            if x is not None:
                z = _integral(x, A, lb, ub)
                if z is not None:
                    points.append(z)
                # an integer point at the LP's (rounded) end is the integer end too
                end = math.ceil(ends[-1] - 1e-6) if sign > 0 else math.floor(ends[-1] + 1e-6)
                seen = [float(c @ z)] if z is not None else []
                if known is not None and len(known):
                    seen += (known @ c).tolist()
                if any(abs(v - end) < 1e-6 for v in seen):
                    settled[i] = float(end)
            elif not np.isfinite(end_value):
                # an unbounded relaxation: the integer programme is unbounded too (its data
                # are rational and the page's own numbers are an integer point of it)
                settled[i] = end_value
        if len(ends) == 2 and not integer:
            return (float(math.ceil(ends[0] - 1e-6)) if np.isfinite(ends[0]) else ends[0],
                    float(math.floor(ends[1] + 1e-6)) if np.isfinite(ends[1]) else ends[1], points)
        if len(ends) == 2 and np.isfinite(ends).all() and math.floor(ends[1] + 1e-6) - math.ceil(ends[0] - 1e-6) < level - 1e-6:
            return float(math.ceil(ends[0] - 1e-6)), float(math.floor(ends[1] + 1e-6)), points

    out = []
    for i, sign in enumerate((1.0, -1.0)):
        if settled[i] is not None:
            out.append(float(settled[i]))  # type: ignore[arg-type]
            continue
        value, x = _milp_min(A, lb, ub, sign * c, block)
        out.append(sign * value)
        if x is not None:
            z = _integral(x, A, lb, ub)
            if z is not None:
                points.append(z)
    return out[0], out[1], points


_POOL = 128
"""How many integer points found by attacks on a page are kept to settle later attacks."""

_SOLVED = 4096
"""How many answers of repeated attacks (``reuse``) a page keeps, per cell and system."""


def _merged(page: Any) -> dict[str, Any]:
    """The page's relations over merged atoms (atoms that every relation and fact treats
    alike are one unknown: their sum), cached on the page (its relations are fixed once
    built), and checked against the page's own numbers."""
    cache = page.__dict__.setdefault("_audit_cache", {})
    key = (len(page.relations), len(page.facts))
    if cache.get("key") == key:
        return cache
    n_atoms = len(page.true_values())
    coefs = [r.coef for r in page.relations]
    parts = coefs + [f.expr[None, :] for f in page.facts.values() if f.expr is not None]
    pattern = np.vstack(parts) if parts else np.zeros((0, n_atoms))
    rng = np.random.default_rng(0)
    sig = np.round(rng.normal(size=(2, len(pattern))) @ pattern, 6)
    _, first, inverse = np.unique(sig[0] + 1e3 * sig[1], return_index=True, return_inverse=True)
    order = np.argsort(first)
    first = np.asarray(first)[order]
    rank = np.empty(len(order), dtype=int)
    rank[order] = np.arange(len(order))
    truth = np.bincount(rank[np.ravel(inverse)], weights=page.true_values(), minlength=len(first))
    A = np.vstack(coefs) if coefs else np.zeros((0, n_atoms))
    lb = np.concatenate([r.lb for r in page.relations]) if coefs else np.zeros(0)
    ub = np.concatenate([r.ub for r in page.relations]) if coefs else np.zeros(0)
    got = A @ page.true_values()
    if len(got) and ((got < lb - 1e-6) | (got > ub + 1e-6)).any():
        raise RuntimeError("audit: a recorded relation does not hold for the page's own numbers.")
    owner = np.concatenate([np.full(len(r.lb), i) for i, r in enumerate(page.relations)]) if coefs \
        else np.zeros(0, dtype=int)
    pos = {k: i for i, k in enumerate(page.facts)}
    needs = np.array([(i, pos[k]) for i, r in enumerate(page.relations) for k in r.needs if k in pos],
                     dtype=np.int64).reshape(-1, 2)
    need_rel, need_fact = needs[:, 0], needs[:, 1]
    A_m = A[:, first]
    nz = A_m != 0
    cache.update(key=key, first=first, A=A_m, lb=lb, ub=ub, owner=owner, truth=truth, points={},
                 need_rel=need_rel, need_fact=need_fact, nonzero=nz.any(axis=1), nz=nz,
                 exprs={}, truth_values=A_m @ truth, values={}, solved={}, rev=0, stack=(-1, None, None), models={})
    # ``values``: the rows' values (``A @ point``) at the true numbers and each pooled point,
    # computed once: an attack then checks which points meet the shown numbers by comparing
    return cache


def _block(nz: np.ndarray, support: np.ndarray) -> np.ndarray:
    """The columns connected to ``support`` through the rows of the incidence matrix
    ``nz`` (rows x columns, True where a row uses a column): the union of the connected
    components that ``support`` touches."""
    touched = support.copy()
    used = np.zeros(len(nz), dtype=bool)
    while True:
        new_rows = ~used & nz[:, touched].any(axis=1) if len(nz) else used
        if not new_rows.any():
            return touched
        used |= new_rows
        touched = touched | nz[new_rows].any(axis=0)


def audit(page: Any, protection: int | None = None, first: bool = False,
          keys: Iterable[str] | None = None, protected: bool = False, integer: bool = True,
          reuse: bool = False) -> AuditReport:
    """Attack a page: for every small (hidden) count, the smallest and largest value its
    published numbers allow.

    The unknowns are the page's atoms (non-negative integers); every relation whose
    facts are all shown is a constraint (exact counts, shares as the interval their
    rounding leaves, curve verdicts and moves). Each hidden count is minimised and
    maximised (integer programme, HiGHS); it is protected when ``high - low`` is at
    least ``protection`` (default :data:`DEFAULT_PROTECTION`, or the page's own).

    Parameters
    ----------
    page
        A :class:`workbench.report.Page` (anything with ``facts``, ``relations``,
        ``true_values()`` and ``protection``).
    protection
        The interval width a hidden cell needs.
    first
        Stop at the first cell that fails (used by the suppression).
    keys
        Only these hidden facts.
    integer
        ``False``: the linear relaxation only (rounded inwards), a quicker screen whose
        intervals can be wider than the attacker's; the default solves integer
        programmes.
    protected
        Also attack the cells hidden only for another's sake (by default only the small
        cells, the ones the rule protects, are attacked).
    reuse
        ``True``: a cell that integer points found by earlier attacks on this page (and
        its true numbers) already prove wide enough is reported ok without solving, with
        the range those points span (a part of its interval) as ``low, high``; with
        ``integer=False``, a cell whose relaxed maximum lies far enough above those points
        is reported ok after that one solve, with their lowest value as ``low``. Which
        cells are ok is the same; the suppression uses it for its repeated attacks.

    Returns
    -------
    AuditReport

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench.report import Page
    >>> atoms = pd.DataFrame({"col": ["x", "y"], "n": [40, 2]})
    >>> page = Page("demo", {}, atoms)
    >>> _ = page.count("x", page.expr(col="x")), page.count("y", page.expr(col="y"))
    >>> _ = page.count("total", page.expr(), kind="total")
    >>> r = audit(page)
    >>> r.ok, r.failures, r.intervals.loc[0, ["low", "high"]].tolist()
    (False, ['y'], [2.0, 2.0])
    """
    with one_blas_thread():  # hundreds of small products per page: OpenBLAS's waiting threads slowed them
        return _audit(page, protection, first, keys, protected, integer, reuse)


_COLUMNS = ["key", "kind", "status", "value", "low", "high", "width", "ok"]


def _audit(page: Any, protection: int | None, first: bool, keys: Iterable[str] | None, protected: bool,
           integer: bool, reuse: bool) -> AuditReport:
    rows, level = _attack(page, protection, first, keys, protected, integer, reuse)
    return AuditReport(pd.DataFrame(rows, columns=_COLUMNS) if rows else pd.DataFrame(columns=_COLUMNS), level)


def _attack(page: Any, protection: int | None = None, first: bool = False, keys: Iterable[str] | None = None,
            protected: bool = False, integer: bool = True, reuse: bool = False,
            ordered: bool = False) -> tuple[list[tuple[Any, ...]], int]:
    """The rows of :func:`audit`'s intervals (in the order of :data:`_COLUMNS`) and the
    protection level, without the table: the suppression asks hundreds of times.
    ``ordered``: attack the cells in the order of ``keys`` (the likeliest to fail first,
    with ``first``), not by key."""
    level = int(protection if protection is not None else getattr(page, "protection", DEFAULT_PROTECTION))
    def attacked(f: Any) -> bool:
        return f.hidden and f.expr is not None and f.expr.any() and (protected or f.status == "small")

    if keys is None:
        hidden = [f for f in page.facts.values() if attacked(f)]
    else:  # only these (the suppression asks about a few cells of a large page at a time)
        keys = list(keys)
        hidden = [page.facts[k] for k in dict.fromkeys(keys) if k in page.facts]
        hidden = [f for f in hidden if attacked(f)]
    hidden.sort(key=lambda f: f.key)
    if ordered and keys is not None:
        rank = {k: i for i, k in enumerate(keys)}
        hidden.sort(key=lambda f: rank[f.key])
    if not hidden:
        return [], level
    m = _merged(page)
    # a relation is live when every fact it needs is shown
    hid = np.fromiter((f.hidden for f in page.facts.values()), dtype=bool, count=len(page.facts))
    live = np.ones(len(page.relations), dtype=bool)
    live[m["need_rel"][hid[m["need_fact"]]]] = False
    rows_on = (live[m["owner"]] & m["nonzero"]) if len(m["owner"]) else np.zeros(0, dtype=bool)
    lb_m, ub_m, nz = m["lb"][rows_on], m["ub"][rows_on], m["nz"][rows_on]
    exprs = m["exprs"]
    for f in hidden:
        if f.key not in exprs:
            exprs[f.key] = np.asarray(f.expr, dtype=float)[m["first"]]
    # the unknowns fall apart into independent blocks (units, periods): solve each
    # target over the block(s) it touches only (the atoms linked to its own by the shown
    # relations, found by widening its support through them; these matrices are small
    # and dense, so plain boolean products beat building sparse graphs for each attack)
    pool = m["points"]
    call = next(_CALLS)  # this attack's systems (the block token of :func:`_lp_ends`)
    if reuse:  # the known integer points that still meet every shown number
        if m["stack"][0] != m["rev"]:  # stacked once per change of the pool, not per attack
            m["stack"] = (m["rev"], np.vstack([m["truth_values"], *(m["values"][k] for k in pool)]),
                          np.vstack([m["truth"], *pool.values()]))
        got = m["stack"][1][:, rows_on]
        meets = ((got >= lb_m - 1e-9) & (got <= ub_m + 1e-9)).all(axis=1)
        P = m["stack"][2][meets]
    rows: list[tuple[Any, ...]] = []
    blocks: dict[bytes, np.ndarray] = {}
    systems: dict[bytes, tuple[np.ndarray, np.ndarray, np.ndarray, bytes, Any]] = {}
    solved = m["solved"]
    on_rows = np.flatnonzero(rows_on).astype(np.int32)
    for f in hidden:
        c = exprs[f.key]
        if reuse:
            seen = P @ c
            lo, hi = float(seen.min()), float(seen.max())
            if hi - lo >= level - 1e-6:
                rows.append((f.key, f.kind, f.status, f.value, lo, hi, hi - lo, True))
                continue
        support = c != 0
        touched = blocks.get(support.tobytes())
        if touched is None:
            touched = blocks[support.tobytes()] = _block(nz, support)
        t_key = touched.tobytes()
        if t_key not in systems:  # the cells of one block share its system (cut once per attack)
            r_keep = nz[:, touched].any(axis=1) if len(nz) else np.zeros(0, dtype=bool)
            rows_key = on_rows[r_keep].tobytes()
            if r_keep.any():
                # the block's model holds every row of the page that touches it, the rows not
                # shown now free (no bounds): the same system, kept in the solver between
                # attacks, whose next solve starts from the last one's basis
                model = m["models"].get(t_key)
                if model is None:
                    every = np.flatnonzero(m["nonzero"] & m["nz"][:, touched].any(axis=1))
                    model = m["models"][t_key] = (next(_CALLS), every, m["A"][np.ix_(every, touched)])
                token, every, A_b = model
                live_b = rows_on[every]
                lb_b = np.where(live_b, m["lb"][every], -np.inf)
                ub_b = np.where(live_b, m["ub"][every], np.inf)
                systems[t_key] = (A_b, lb_b, ub_b, rows_key, token)
            else:  # no shown row touches the block: no constraint
                systems[t_key] = (np.zeros((0, int(touched.sum()))), np.zeros(0), np.zeros(0), rows_key, (call, t_key))
        A_b, lb_b, ub_b, rows_key, token = systems[t_key]
        # the cell's system: the shown relations of its block (the same system has the
        # same answer: hiding a number outside the block, or one whose relations are
        # already silent, leaves it as it was)
        system = (f.key, integer, level, t_key, rows_key) if reuse else None
        if system in solved:
            lo, hi = solved[system]
            found: list[np.ndarray] = []
        else:
            lo, hi, found = _bounds_of(A_b, lb_b, ub_b, c[touched], level, integer, P[:, touched] if reuse else None,
                                       token)
            if system is not None:
                solved[system] = (lo, hi)
                if len(solved) > _SOLVED:
                    del solved[next(iter(solved))]
        for z in found:
            point = m["truth"].copy()
            point[touched] = z
            key = point.tobytes()
            if key not in pool:
                m["values"][key] = m["A"] @ point
                if reuse:  # it meets every shown number too: a witness for the next cells
                    P = np.vstack([P, point])
            pool[key] = point
            m["rev"] += 1
            if len(pool) > _POOL:
                del m["values"][next(iter(pool))]
                del pool[next(iter(pool))]
        width = hi - lo
        ok = bool(width >= level - 1e-6)
        rows.append((f.key, f.kind, f.status, f.value, lo, hi, width, ok))
        if first and not ok:
            break
    return rows, level
