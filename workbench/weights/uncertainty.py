"""Weight uncertainty: how stable are ranks and predikat when the weights are not exact?

:func:`uncertainty` draws ``n_draws`` weight sets around the rubric's baseline, re-scores
every employee under each (as a matrix product, in chunks of draws, never calling the
full scorer in a loop) and summarises, per employee, the rank interval and the
probability of each predikat, and per unit the expected predikat counts with intervals.
:func:`scores_frame` is the same fast scorer for one weight set (for what-if sliders).

Examples
--------
>>> import workbench as wb
>>> from workbench.rubric import load_rubric
>>> ds = wb.read_sample("kota_contoh")
>>> u = uncertainty(ds, load_rubric("permenpanrb-6-2022-rinci"), n_draws=50, perturb=0.2, seed=0)
>>> list(u.to_frame().columns[:6])
['employee_id', 'period', 'rank_nominal', 'rank_median', 'rank_p05', 'rank_p95']
>>> bool((u.to_frame()["rank_p05"] <= u.to_frame()["rank_p95"]).all())
True
"""

from __future__ import annotations

import copy
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from workbench._threads import one_blas_thread
from workbench.errors import ParameterError, check_option
from workbench.results import ProvenanceMixin, frame_html
from workbench.rubric.model import Rubric, WeightSet
from workbench.weights._engine import (
    WeightModel,
    _row_ranks,
    _sorted_bands,
    select_period,
    weight_model,
)

__all__ = ["DrawSummary", "Uncertainty", "draw_weights", "run_draws", "scores_frame", "uncertainty"]

Scheme = Literal["uniform", "dirichlet"]


def draw_weights(model: WeightModel, n_draws: int, perturb: float, seed: int,
                 scheme: Scheme = "uniform", base: np.ndarray | None = None) -> np.ndarray:
    """Weight sets around ``base`` (default the model's baseline): ``(n_draws, K)``.

    ``"uniform"``: every free weight is multiplied by ``U(1 - perturb, 1 + perturb)``, then
    each weight group (the rater roles of one dimension, the indicators of one dimension,
    the dimensions of the composite) is rescaled to sum to 1. ``"dirichlet"``: each group is
    drawn from ``Dirichlet(base / perturb**2)``, so a weight ``w`` has standard deviation
    about ``perturb * sqrt(w (1 - w))``. Weights that are 0, and groups of a single weight,
    never move; ``perturb = 0`` returns the base weights exactly.
    """
    check_option("scheme", scheme, ["uniform", "dirichlet"])
    if not 0 <= perturb < 1:
        raise ParameterError(f"`perturb` must be in [0, 1); got {perturb!r}.")
    if n_draws < 1:
        raise ParameterError(f"`n_draws` must be at least 1; got {n_draws!r}.")
    theta0 = model.theta0 if base is None else np.asarray(base, dtype=float)
    theta = np.repeat(theta0[None, :], n_draws, axis=0)
    if perturb == 0:
        return theta
    rng = np.random.default_rng(seed)
    free = model.params["free"].to_numpy()
    if scheme == "uniform":
        mult = rng.uniform(1 - perturb, 1 + perturb, size=theta.shape)
        theta = np.where(free[None, :], theta * mult, theta)
        return model.normalise(theta)
    for _, idx in model.params.groupby("group", sort=False).indices.items():
        idx = np.asarray(idx)
        idx = idx[free[idx]]
        if len(idx) >= 2:
            total = theta0[idx].sum()
            g = rng.gamma(theta0[idx] / total / perturb**2, size=(n_draws, len(idx)))
            theta[:, idx] = g / g.sum(axis=1, keepdims=True) * total
    return theta


def _predikat_labels(rubric: Rubric) -> list[str]:
    return [p.label.id for p in rubric.predikat]


def _frame_from(model: WeightModel, theta: np.ndarray) -> pd.DataFrame:
    r = model.rubric
    ev = model.evaluate(theta[None, :])
    cols: dict[str, Any] = {}
    for d, dim in enumerate(r.dimensions):
        cols[dim.id] = ev.dims[:, 0, d]
        if dim.categories:
            idx = model.compiled.categories(d, ev.dims[:, 0, d])
            cols[dim.id + "_category"] = pd.Categorical.from_codes(
                idx, categories=[k.label.id for k in dim.categories], ordered=True)
    cols["composite"] = ev.composite[:, 0]
    n_pred = len(r.predikat)
    rank = ev.predikat[:, 0].astype(int)
    cols["predikat"] = pd.Categorical.from_codes(np.where(rank >= 0, n_pred - 1 - rank, -1),
                                                 categories=_predikat_labels(r)[::-1], ordered=True)
    keys = model.keys
    if keys.columns.is_unique and keys.columns.intersection(list(cols)).empty:
        # the keys beside the new columns in one step (a column set at a time inserts a block each)
        out = pd.concat([keys, pd.DataFrame(cols, index=keys.index)], axis=1)
        out.attrs = copy.deepcopy(keys.attrs)
        return out
    out = keys.copy()
    for name, values in cols.items():
        out[name] = values
    return out


def scores_frame(ds: Any, rubric: Rubric, weights: str | WeightSet = "baseline", *,
                 model: WeightModel | None = None, period: str | list[str] | None = None) -> pd.DataFrame:
    """Score every employee-period under one weight set, fast (no explanations).

    Parameters
    ----------
    ds
        The dataset (ignored when ``model`` is given).
    rubric
        The rubric.
    weights
        A weight-set name of ``rubric`` or a :class:`~workbench.rubric.model.WeightSet`.
    model
        A prebuilt :func:`~workbench.weights._engine.weight_model` of ``ds`` and ``rubric``
        to reuse (e.g. inside a slider callback).
    period
        Only these periods (one or a list); default all.

    Returns
    -------
    pandas.DataFrame
        ``period, employee_id, unit``, one column per dimension (and ``<dimension>_category``
        where the dimension has categories), ``composite`` (NaN for a matrix rubric),
        ``predikat`` (ordered categorical, worst first), matching ``wb.score`` on these
        columns.

    Examples
    --------
    >>> import workbench as wb
    >>> from workbench.rubric import load_rubric
    >>> f = scores_frame(wb.read_sample("kota_contoh"), load_rubric("permenpanrb-6-2022"))
    >>> f["predikat"].value_counts().index[0]
    'Baik'
    """
    m = model if model is not None else weight_model(ds, rubric, period=period)
    theta = m.theta_of(weights)
    out = _frame_from(m, theta)
    if model is not None and period is not None:
        wanted = [str(period)] if isinstance(period, str) else [str(x) for x in period]
        out = out[out["period"].isin(wanted)].reset_index(drop=True)
    return out


@dataclass(frozen=True, eq=False)
class Uncertainty(ProvenanceMixin):
    """Ranks and predikat under weight uncertainty (see :func:`uncertainty`).

    ``to_frame()``: ``employee_id, period, rank_nominal, rank_median, rank_p05, rank_p95``,
    one ``p_<predikat>`` column per predikat (share of draws, predikat ids in snake_case),
    ``unstable``, then ``unit, predikat_nominal, p_nominal``. Employee-periods that the
    rubric cannot score (missing ratings) are left out and counted in ``notes``.
    """

    frame: pd.DataFrame = field(repr=False)
    units: pd.DataFrame = field(repr=False)
    weights: pd.DataFrame = field(repr=False)
    n_draws: int
    perturb: float
    seed: int
    scheme: str
    notes: tuple[str, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict, repr=False)
    _data: Any = field(default=None, repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per scored employee-period (see the class docstring)."""
        return self.frame.copy()

    def unit_frame(self) -> pd.DataFrame:
        """Per period, unit and predikat: ``period, unit, predikat, n_nominal, expected,
        ci_low, ci_high`` (the 5th and 95th percentiles of the count over draws)."""
        return self.units.copy()

    def weights_frame(self) -> pd.DataFrame:
        """The drawn weights: ``parameter, baseline, mean, p05, p95`` (free weights only)."""
        return self.weights.copy()

    @property
    def n_unstable(self) -> int:
        """Number of employee-periods flagged unstable."""
        return int(self.frame["unstable"].sum())


    def _repr_html_(self) -> str:
        title = (f"Weight uncertainty: {self.n_draws} draws, perturb {self.perturb:g} ({self.scheme}); "
                 f"{self.n_unstable} of {len(self.frame)} unstable")
        return frame_html(title, self.frame) + frame_html("Per unit", self.units)


@dataclass(frozen=True, eq=False)
class DrawSummary:
    """What :func:`run_draws` keeps of the draws (memory independent of ``n_draws``).

    ``rank_q``: ``(n, 3)`` rank median, 5th and 95th percentile (``inverted_cdf``; 0 where
    never ranked); ``pred_counts``: ``(n, P)`` draws per predikat (rank order, best first);
    ``group_counts``: ``(n_draws, G, P)`` employees per group and predikat in each draw;
    ``bin_width``: ranks per histogram bin in each period (1 = exact quantiles);
    ``nbytes``: bytes held by the running summaries (histogram, min/max, counts).
    """

    rank_q: np.ndarray
    pred_counts: np.ndarray
    group_counts: np.ndarray
    bin_width: np.ndarray
    n_bins: int
    nbytes: int


def _chunk(n: int, n_dims: int, max_memory_mb: float, sorted_bands: bool = False) -> int:
    # per draw and employee, as first budgeted: the ranking value (float64), the predikat
    # (int8) and the int64 codes of two predikat bincounts; a bands rubric that is not read
    # from the sorted composites adds the band look-up (two int64 slots and the rank), a
    # matrix rubric its dimension scores twice. The block it gives is kept as it is: the
    # composites' last bits depend on the shape of their products. (The sorted-bands path
    # now holds the value, one float64 product per dimension and two bytes: within the 48
    # bytes up to four dimensions.)
    per_draw = n * (48 if sorted_bands else 8 * (2 * n_dims + 4) + 16)
    return int(max(1, min(4096, max_memory_mb * 2**20 // max(per_draw, 1))))


def _quantile_positions(k: int) -> np.ndarray:
    """1-based positions in the sorted draws that ``np.percentile(..., [50, 5, 95],
    method="inverted_cdf")`` returns."""
    return np.percentile(np.arange(1, k + 1), [50, 5, 95], method="inverted_cdf").astype(np.int64)


_MIN_THREADED = 4096  # employees below which the draws stay on one thread (the per-draw Python dominates)


def _cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def draw_threads(n: int, threads: int | None = None) -> int:
    """Threads :func:`run_draws` uses for ``n`` employees: 1 or 2, never more than the
    cores the process may use.

    Parameters
    ----------
    n
        Employees in the run. Below :data:`_MIN_THREADED` a second thread costs more than
        it saves, so ``threads=None`` gives 1.
    threads
        ``None`` (default) chooses as above; ``1`` forces one thread (the result is the
        same either way: tests compare them exactly); ``2`` or more asks for two.

    Returns
    -------
    int
        1 or 2.

    Raises
    ------
    ParameterError
        ``threads`` below 1.

    Examples
    --------
    >>> draw_threads(100)
    1
    >>> draw_threads(100, threads=1)
    1
    >>> draw_threads(1_000_000) <= 2
    True
    """
    if threads is not None and threads < 1:
        raise ParameterError(f"`threads` must be at least 1 (or None for automatic); got {threads!r}.")
    want = (2 if n >= _MIN_THREADED else 1) if threads is None else threads
    return int(max(1, min(want, 2, _cores())))


class _DrawState:
    """One thread's scratch for ranking draws, and its running extremes of the ranks."""

    def __init__(self, n: int) -> None:
        self.work: dict[Any, np.ndarray] = {}  # the ranks' sorts, draw to draw
        self.rank = np.empty(n, dtype=np.uint32)  # one draw's ranks, 0 = not ranked
        self.below = np.empty(n, dtype=np.uint32)
        self.slot_codes = np.empty(n, dtype=np.intp)  # group and predikat slot of every employee in one draw
        self.r_min = np.full(n, np.iinfo(np.uint32).max, dtype=np.uint32)
        self.r_max = np.zeros(n, dtype=np.uint32)
        self.all_ranked = True  # every employee ranked in the draws held since the last count


def run_draws(model: WeightModel, theta: np.ndarray, *, max_memory_mb: float = 256,
              groups: np.ndarray | None = None, threads: int | None = None) -> DrawSummary:
    """Evaluate ``theta`` (``(n_draws, K)``) in chunks of draws and summarise as they go.

    Half of ``max_memory_mb`` bounds the working memory of a chunk, the other half the
    per-employee rank histogram: ``n_bins`` bins per employee (uint16 counts; uint32 from
    65,536 draws), each ``bin_width = ceil(n_period / n_bins)`` ranks wide, plus the exact
    minimum and maximum rank per employee. ``groups``: one code per employee (e.g. period
    and unit) for the per-draw predikat counts of ``group_counts`` (default one group).
    ``threads``: 1 or 2 (see :func:`draw_threads`; default 2 when two cores are free and
    there are at least 4,096 employees): the second thread ranks half of every chunk's
    draws and counts half of the employees' histograms; the summaries are the same bit
    for bit. It adds one draw's scratch (about 40 bytes per employee) outside the budget.
    """
    k = theta.shape[0]
    n = model.n
    n_pred = len(model.rubric.predikat)
    n_thr = draw_threads(n, threads)
    periods, period_idx = np.unique(model.period_codes, return_inverse=True)
    n_per = np.bincount(period_idx.ravel(), minlength=len(periods)) if n else np.zeros(0, dtype=np.int64)
    count_dtype = np.dtype(np.uint16 if k < 2**16 else np.uint32)
    cap = int(max_memory_mb * 2**20 / 2 // max(n * count_dtype.itemsize, 1))
    n_bins = int(max(1, min(int(n_per.max()) if n else 1, max(cap, 16))))
    width = np.maximum(1, -(-n_per // n_bins)).astype(np.uint32)  # ceil(n_period / n_bins)
    w_row = width[period_idx.ravel()] if n else np.zeros(0, dtype=np.uint32)
    hist = np.zeros(n * n_bins, dtype=count_dtype)
    base = np.arange(n, dtype=np.int64) * n_bins
    grp = np.zeros(n, dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
    n_g = int(grp.max()) + 1 if n else 1
    group_counts = np.zeros((k, n_g, n_pred), dtype=np.int32)
    sorted_bands = model.ranks_on_composite
    # a quarter of the budget for the working memory of a product block; the blocks are as
    # they were (the last bits of a matrix product depend on its shape): runs of `step`
    # draws, cut at every `outer` draws (once the span of a block of uint32 ranks)
    step = _chunk(n, len(model.rubric.dimensions), max_memory_mb / 4, sorted_bands)
    outer = int(max(step, min(k, max_memory_mb / 8 * 2**20 // max(4 * n, 1))))
    blocks = [(start, min(o_start + outer, k, start + step)) for o_start in range(0, k, outer)
              for start in range(o_start, min(k, o_start + outer), step)]
    # an eighth for each draw's histogram bin of every employee, which the histogram takes
    # in one pass over many draws (fewer passes over it, fewer cache misses)
    bin_dtype = np.dtype(np.uint16 if n_bins < 2**16 - 1 else np.uint32)
    unranked = 2**(8 * bin_dtype.itemsize) - 1  # the bin of a NaN composite (not ranked)
    held_draws = int(max(1, min(k, max_memory_mb / 8 * 2**20 // max(bin_dtype.itemsize * n, 1))))
    # per period its rows (ranks are within a period); None: one period, the whole row
    per_period = None if len(periods) <= 1 else [np.flatnonzero(period_idx.ravel() == j)
                                                  for j in range(len(periods))]
    parts = [np.arange(n)] if per_period is None else per_period
    slots = n_pred + 1  # predikat ranks 0 .. P-1, and P for "not scored"
    grp_slot = (grp * slots).astype(np.intp)
    emp_counts = np.zeros((n_pred, n), dtype=np.int64)  # draws per predikat and employee
    compiled = model.compiled
    part_flags = [model.flags if len(rows) == n else {f: v[rows] for f, v in model.flags.items()}
                  for rows in parts]
    tile = 512  # employees per histogram update
    work: dict[str, np.ndarray] = {}  # scratch arrays of the composites, reused block to block
    value_buf = np.empty((min(step, k) if sorted_bands else 0, n))
    pred_buf = np.empty((min(step, k), n), dtype=np.int8)
    eq = np.empty((min(step, k, 255), n), dtype=bool)
    bins = np.empty((held_draws, n), dtype=bin_dtype)  # rows 0 .. n_held - 1: the draws not yet counted
    one_width = width[0] if len(width) == 1 else None  # one period: divide by a scalar
    states = [_DrawState(n) for _ in range(n_thr)]
    # the employees' halves: tiles of the histogram, columns of the predikat counts
    n_tiles = -(-n // tile)
    tile_cut = min(n, (n_tiles + 1) // 2 * tile) if n_thr == 2 else n
    emp_cuts = [(0, tile_cut), (tile_cut, n)][:n_thr]

    def rank_draws(value: np.ndarray, pred: np.ndarray, start: int, d0: int, d1: int, row0: int,
                   st: _DrawState) -> None:
        """Draws ``d0 .. d1 - 1`` of the block at ``start``: ranks, extremes, histogram bins
        (into rows ``row0 ..`` of ``bins``), predikat (sorted bands) and group counts."""
        rank, below = st.rank, st.below
        for d in range(d0, d1):
            ranked_all = True
            for rows, flags in zip(parts, part_flags, strict=True):
                whole = len(rows) == n
                part = rank if whole else np.empty(len(rows), dtype=np.uint32)
                order, sv, n_nan = _row_ranks(value[d] if whole else value[d, rows], part, st.work)
                ranked_all = ranked_all and not n_nan
                if not whole:
                    rank[rows] = part
                if sorted_bands:  # the predikat from the sorted composites
                    bands = _sorted_bands(compiled, sv, order, flags, np.dtype(np.int8), n_nan, n_pred)
                    if whole:
                        pred[d][order] = bands
                    else:
                        pr = np.empty(len(rows), dtype=np.int8)
                        pr[order] = bands
                        pred[d, rows] = pr
            # the exact extremes, and the histogram bin (rank - 1) // width
            np.maximum(st.r_max, rank, out=st.r_max)
            np.subtract(rank, np.uint32(1), out=below)
            if ranked_all:
                np.minimum(st.r_min, rank, out=st.r_min)
            else:  # rank 0: not ranked
                np.minimum(st.r_min, rank, out=st.r_min, where=rank > 0)
            row = bins[row0 + d - d0]
            np.floor_divide(below, w_row if one_width is None else one_width, out=row,
                            casting="unsafe")  # bins below n_bins fit
            if not ranked_all:
                row[rank == 0] = unranked
                st.all_ranked = False
            # per group the employees in each predikat
            if n_g == 1:
                counts = np.bincount(pred[d], minlength=slots)
            else:
                np.add(grp_slot, pred[d], out=st.slot_codes)
                counts = np.bincount(st.slot_codes, minlength=n_g * slots)
            group_counts[start + d] = counts.reshape(n_g, slots)[:, :n_pred]

    def count_held(n_held: int, all_ranked: bool, lo: int, hi: int) -> None:
        """The held draws' bins of employees ``lo .. hi - 1`` into the rank histogram, tile
        by tile of employees (their rows stay in cache), every held draw at once;
        np.add.at counts an index as often as it occurs."""
        held = bins[:n_held]
        for a in range(lo, hi, tile):
            b_ = min(hi, a + tile)
            sub = held[:, a:b_]
            idx = sub.astype(np.int64)
            idx += base[:b_ - a]
            np.add.at(hist[a * n_bins:b_ * n_bins], idx.ravel() if all_ranked else idx[sub != unranked],
                      count_dtype.type(1))

    def count_predikat(pred: np.ndarray, lo: int, hi: int) -> None:
        """Per employee ``lo .. hi - 1`` the block's draws in each predikat (in bytes, at
        most 255 draws at a time)."""
        c = pred.shape[0]
        for a in range(0, c, 255):
            sub = pred[a:a + 255, lo:hi]
            e = eq[:sub.shape[0], lo:hi]
            for j in range(n_pred):
                np.equal(sub, j, out=e)
                emp_counts[j, lo:hi] += e.view(np.uint8).sum(axis=0, dtype=np.uint8)

    pool = ThreadPoolExecutor(max_workers=1) if n_thr == 2 else None

    def both(fn: Any, args0: tuple[Any, ...], args1: tuple[Any, ...] | None) -> None:
        """``fn(*args0)`` here and, with two threads, ``fn(*args1)`` on the other at once."""
        fut = pool.submit(fn, *args1) if pool is not None and args1 is not None else None
        try:
            fn(*args0)
        finally:
            if fut is not None:
                fut.result()

    def count_all_held(n_held: int) -> None:
        """The held draws into the histogram, each thread its employees' half."""
        ranked = all(st.all_ranked for st in states)
        both(count_held, (n_held, ranked, *emp_cuts[0]), (n_held, ranked, *emp_cuts[-1]) if n_thr == 2 else None)
        for st in states:
            st.all_ranked = True

    n_held = 0
    try:
        with one_blas_thread():  # the products are a small part: a second BLAS thread would spin between them
            for start, end in blocks:
                block = theta[start:end]
                c = block.shape[0]
                if sorted_bands:
                    value = model._composite_into(block, value_buf[:c], work)
                    pred = pred_buf[:c]
                else:
                    got, value = model.draw_block(block)
                    pred = np.where(got < 0, np.int8(n_pred), got) if got is not None else pred_buf[:c]
                d = 0
                while d < c:  # the block's draws in runs that fit the held bins, halved between the threads
                    s = min(c - d, held_draws - n_held)
                    h = d + (s + 1) // 2 if n_thr == 2 else d + s
                    both(rank_draws, (value, pred, start, d, h, n_held, states[0]),
                         (value, pred, start, h, d + s, n_held + h - d, states[-1]) if h < d + s else None)
                    d += s
                    n_held += s
                    if n_held == held_draws:
                        count_all_held(n_held)
                        n_held = 0
                both(count_predikat, (pred, *emp_cuts[0]), (pred, *emp_cuts[-1]) if n_thr == 2 else None)
                del value, pred
            if n_held:
                count_all_held(n_held)
            r_min, r_max = states[0].r_min, states[0].r_max
            for st in states[1:]:
                np.minimum(r_min, st.r_min, out=r_min)
                np.maximum(r_max, st.r_max, out=r_max)
            pred_counts = np.ascontiguousarray(emp_counts.T)
            positions = _quantile_positions(k)
            h2d = hist.reshape(n, n_bins)
            rank_q = np.zeros((n, len(positions)))
            halves = [(lo, hi) for lo, hi in emp_cuts if hi > lo] or [(0, 0)]

            def quantiles(lo: int, hi: int) -> None:
                rank_q[lo:hi] = _histogram_quantiles(h2d[lo:hi], w_row[lo:hi], r_min[lo:hi], r_max[lo:hi],
                                                     positions)

            both(quantiles, halves[0], halves[1] if len(halves) == 2 else None)
    finally:
        if pool is not None:
            pool.shutdown()
    held = hist.nbytes + r_min.nbytes + r_max.nbytes + pred_counts.nbytes + group_counts.nbytes
    return DrawSummary(rank_q, pred_counts, group_counts, width, n_bins, held)


def _histogram_quantiles(hist: np.ndarray, width: np.ndarray, r_min: np.ndarray, r_max: np.ndarray,
                         positions: np.ndarray, block: int | None = None) -> np.ndarray:
    """Rank quantiles from per-employee rank histograms: the ``positions``-th smallest rank
    (1-based), located in its bin and interpolated linearly within it, then clipped to the
    employee's exact minimum and maximum. Exact for bins one rank wide; otherwise within
    ``width - 1`` ranks of the exact value."""
    n = hist.shape[0]
    if block is None:  # employees per pass: about 2**21 cumulative counts (8 MiB) at a time
        block = int(max(1, 2**21 // max(hist.shape[1], 1)))
    out = np.zeros((n, len(positions)))
    n_b = hist.shape[1]
    for a in range(0, n, block):
        cum = np.cumsum(hist[a:a + block], axis=1, dtype=np.int32 if positions.max() < 2**31 else np.int64)
        m = cum.shape[0]
        rows = np.arange(m)
        flat = cum.reshape(-1)
        total: np.ndarray = cum[:, -1]
        w = width[a:a + block].astype(np.int64)
        for q, pos in enumerate(positions):
            target = np.minimum(pos, np.maximum(total, 1))
            # first bin reaching the target (the count of bins below it): a binary search
            # of every row at once, in the row's nondecreasing cumulative counts
            lo, hi = np.zeros(m, dtype=np.int64), np.full(m, n_b, dtype=np.int64)
            for _ in range(max(1, int(n_b).bit_length())):
                mid = (lo + hi) >> 1
                below = flat.take(rows * n_b + np.minimum(mid, n_b - 1)) < target
                below &= mid < hi
                lo = np.where(below, mid + 1, lo)
                hi = np.where(below, hi, mid)
            b = np.minimum(lo, n_b - 1)
            before = np.where(b > 0, cum[np.arange(m), np.maximum(b - 1, 0)], 0)
            in_bin = np.maximum(cum[np.arange(m), b] - before, 1)
            est = b * w + 1 + np.floor((target - before - 0.5) / in_bin * w).astype(np.int64)
            est = np.clip(est, r_min[a:a + block], r_max[a:a + block])
            out[a:a + block, q] = np.where(total > 0, est, 0)
    return out


def uncertainty(
    ds: Any,
    rubric: Rubric,
    n_draws: int = 1000,
    perturb: float = 0.1,
    seed: int = 0,
    *,
    weights: str = "baseline",
    scheme: Scheme = "uniform",
    stability: float = 0.9,
    max_memory_mb: float = 256,
    period: str | list[str] | None = None,
) -> Uncertainty:
    """Ranks and predikat of every employee under weights drawn around the baseline.

    Parameters
    ----------
    ds
        The dataset (``wb.read_sample(...)``, ``wb.load(...)``).
    rubric
        The rubric (``load_rubric(...)``).
    n_draws
        Number of weight sets drawn.
    perturb
        Size of the perturbation: relative half-width of the uniform multiplier, or the
        Dirichlet spread (see :func:`draw_weights`). 0 reproduces the nominal result.
    seed
        Seed of the draws; the same seed gives the same result.
    weights
        The weight set of ``rubric`` to perturb.
    scheme
        ``"uniform"`` (bounded: no weight moves more than ``perturb`` relative to the
        baseline before renormalising) or ``"dirichlet"`` (unbounded, sums exactly to 1).
    stability
        An employee is ``unstable`` when their nominal predikat comes out in fewer than
        this share of the draws.
    max_memory_mb
        Working memory for one chunk of draws; ranks of all draws are kept as 16- or
        32-bit integers (``n * n_draws * 2`` or ``4`` bytes).
    period
        Only these periods (one or a list); default all (ranks within each period).

    Returns
    -------
    Uncertainty
        ``to_frame()``: ``employee_id, period, rank_nominal, rank_median, rank_p05,
        rank_p95, p_<predikat>..., unstable, unit, predikat_nominal, p_nominal``;
        ``unit_frame()``: expected predikat counts per unit with 90 % intervals.

    Notes
    -----
    Ranks are competition ranks within a period (1 = best; ties share the best rank) on
    the composite, or for a matrix rubric on the predikat with the mean of the
    dimension scores (each rescaled to 0-1) breaking ties. The perturbation expresses
    *policy* uncertainty about the weights, not sampling error of the ratings: a wide
    rank band says the ranking depends on a choice nobody can defend to two decimals.

    Examples
    --------
    >>> import workbench as wb
    >>> from workbench.rubric import load_rubric
    >>> ds = wb.read_sample("kota_contoh")
    >>> u = uncertainty(ds, load_rubric("permenpanrb-6-2022-rinci"), n_draws=20, perturb=0.0)
    >>> f = u.to_frame()
    >>> bool((f.rank_p05 == f.rank_nominal).all() and (f.p_nominal == 1).all())
    True
    """
    if not isinstance(rubric, Rubric):
        raise ParameterError(f"`rubric` must be a Rubric; got {type(rubric).__name__}.")
    if not 0 < stability <= 1:
        raise ParameterError(f"`stability` must be in (0, 1]; got {stability!r}.")
    ds = select_period(ds, period)
    full = weight_model(ds, rubric, weights)
    scored_all = full.scorable()
    model = full.subset(scored_all)
    theta = draw_weights(model, n_draws, perturb, seed, scheme)
    nominal = model.evaluate(model.theta0[None, :])
    rank_nom = model.ranks(nominal.value)[:, 0]
    pred_nom = nominal.predikat[:, 0].astype(int)
    keys = model.keys
    grp, uniq = pd.factorize(pd.MultiIndex.from_frame(keys[["period", "unit"]]))
    summary = run_draws(model, theta, max_memory_mb=max_memory_mb, groups=grp)
    ids = [p.id for p in rubric.predikat]
    labels = _predikat_labels(rubric)
    probs = summary.pred_counts / n_draws
    q = summary.rank_q if model.n else np.full((0, 3), np.nan)
    p_nom = probs[np.arange(model.n), pred_nom]
    frame = pd.DataFrame({"employee_id": model.keys["employee_id"].to_numpy(),
                          "period": model.keys["period"].to_numpy(),
                          "rank_nominal": rank_nom, "rank_median": q[:, 0], "rank_p05": q[:, 1],
                          "rank_p95": q[:, 2]})
    for i, pid in enumerate(ids):
        frame[f"p_{pid}"] = probs[:, i]
    frame["unstable"] = p_nom < stability
    frame["unit"] = model.keys["unit"].to_numpy()
    frame["predikat_nominal"] = [labels[i] for i in pred_nom]
    frame["p_nominal"] = p_nom
    frame = frame.sort_values(["period", "rank_nominal", "employee_id"]).reset_index(drop=True)
    notes = []
    if (~scored_all).any():
        notes.append(f"{int((~scored_all).sum())} employee-periods cannot be scored by {rubric.id} "
                     "(missing ratings) and are left out.")
    units = _unit_counts(summary.group_counts, grp, uniq, pred_nom, labels)
    wf = model.params[model.params["free"]][["name", "baseline"]].rename(columns={"name": "parameter"})
    free = model.free
    wf["mean"] = theta[:, free].mean(axis=0)
    wf["p05"] = np.percentile(theta[:, free], 5, axis=0)
    wf["p95"] = np.percentile(theta[:, free], 95, axis=0)
    params = {"n_draws": n_draws, "perturb": perturb, "seed": seed, "weights": weights, "scheme": scheme,
              "stability": stability, "period": period, "rubric_id": rubric.id, "rubric_hash": rubric.hash}
    return Uncertainty(frame, units, wf.reset_index(drop=True), n_draws, perturb, seed, scheme, tuple(notes),
                       params, ds.ratings)


def _unit_counts(cnt: np.ndarray, grp: np.ndarray, uniq: pd.MultiIndex, pred_nom: np.ndarray,
                 labels: list[str]) -> pd.DataFrame:
    """Per (period, unit) and predikat: nominal count, mean over draws and 90 % interval;
    ``cnt``: ``(n_draws, G, P)`` counts from :func:`run_draws`."""
    n_g, n_p = len(uniq), len(labels)
    cnt = cnt[:, :n_g]
    nom = np.bincount(grp * n_p + np.maximum(pred_nom, 0), minlength=n_g * n_p).reshape(n_g, n_p)
    lo, hi = np.percentile(cnt, [5, 95], axis=0)
    out = pd.DataFrame({
        "period": np.repeat(uniq.get_level_values(0), n_p), "unit": np.repeat(uniq.get_level_values(1), n_p),
        "predikat": np.tile(labels, n_g), "n_nominal": nom.ravel(), "expected": cnt.mean(axis=0).ravel(),
        "ci_low": lo.ravel(), "ci_high": hi.ravel()})
    return out.sort_values(["period", "unit"], kind="stable").reset_index(drop=True)
