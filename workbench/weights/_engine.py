"""Re-scoring under many weight sets at once: the matrix form of a rubric.

:func:`weight_model` reads the ratings once, with the scorer's own reader
(:func:`workbench.rubric._compute.rating_cube`: the same parsing of e-Kinerja labels, the
same scale check), into a per-employee array of rater-role means ``U[n, indicator,
role]`` mapped onto each dimension's scale by the compiled rubric
(:mod:`workbench.rubric._compiled`), and the rubric's weights into one flat parameter
vector ``theta`` (rater-role weights per dimension, indicator weights, dimension
weights). :meth:`WeightModel.evaluate` then scores ``c`` weight sets in one go: for a
weighted-mean dimension the scores are a matrix product per *presence pattern*
(employees rated by the same roles on the same indicators), so no Python loop runs over
employees or draws; categories, matrix, bands and conditions are the compiled rubric's,
the ones ``wb.score`` applies.

Examples
--------
>>> import workbench as wb
>>> from workbench.rubric import load_rubric
>>> m = weight_model(wb.read_sample("kota_contoh"), load_rubric("permenpanrb-6-2022-rinci"))
>>> out = m.evaluate(m.theta0[None, :])
>>> out.predikat.shape == (m.n, 1)
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.data.contract import RATER_ROLES
from workbench.errors import ParameterError
from workbench.rubric._compiled import CompiledRubric, compile_rubric
from workbench.rubric._compute import rating_cube
from workbench.rubric._wide import TRUE_TEXTS
from workbench.rubric.model import Rubric, WeightSet

__all__ = ["Evaluation", "Subset", "WeightModel", "block_ranks", "draw_ranks", "row_ranks", "select_period",
           "sorted_band_predikat", "weight_model"]

_TILE_CELLS = 2**14  # composites per tile in WeightModel._composite_into (a tile stays in cache)


@dataclass(frozen=True)
class Evaluation:
    """Scores of ``n`` employee-periods under ``c`` weight sets.

    ``dims``: ``(n, c, D)`` dimension scores; ``composite``: ``(n, c)`` (NaN for a matrix
    rubric); ``predikat``: ``(n, c)`` int8 predikat rank (0 = best, -1 = not scored);
    ``value``: ``(n, c)`` the value employees are ranked on (higher is better).
    """

    dims: np.ndarray
    composite: np.ndarray
    predikat: np.ndarray
    value: np.ndarray


@dataclass(frozen=True, eq=False)
class WeightModel:
    """A rubric and a dataset in matrix form (see the module docstring)."""

    rubric: Rubric
    keys: pd.DataFrame  # period, employee_id, unit (one row per employee and period)
    indicators: tuple[str, ...]
    roles: tuple[str, ...]
    u: np.ndarray  # (n, p, R) role means on the dimension scale, 0 where absent
    present: np.ndarray  # (n, p, R) bool
    applies: np.ndarray  # (n, p) bool
    flags: dict[str, np.ndarray]
    params: pd.DataFrame  # name, group, kind, dimension, indicator, role, baseline, free
    theta0: np.ndarray
    patterns: np.ndarray  # (n,) pattern id
    period_codes: np.ndarray
    unit_codes: np.ndarray
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)
    """Memoised forms of the arrays and ``params``, each keyed by all it reads of
    ``rubric`` (the columns of a design): none depends on the rubric's weights or
    thresholds, so a copy with another rubric of the same shape (``dataclasses.replace``,
    as a what-if slider step makes) may share it."""

    @property
    def compiled(self) -> CompiledRubric:
        """The compiled rubric (shared with ``wb.score``)."""
        return compile_rubric(self.rubric)

    @property
    def n(self) -> int:
        """Number of employee-periods."""
        return len(self.keys)

    @property
    def free(self) -> np.ndarray:
        """Indices of the parameters that can vary (a group of two or more weights)."""
        return np.flatnonzero(self.params["free"].to_numpy())

    def subset(self, rows: np.ndarray) -> WeightModel:
        """The same model on some employee-periods (a boolean mask or indices)."""
        idx = np.flatnonzero(rows) if np.asarray(rows).dtype == bool else np.asarray(rows)
        _, patterns = np.unique(self.patterns[idx], return_inverse=True)
        return WeightModel(
            rubric=self.rubric, keys=self.keys.iloc[idx].reset_index(drop=True), indicators=self.indicators,
            roles=self.roles, u=self.u[idx], present=self.present[idx], applies=self.applies[idx],
            flags={k: v[idx] for k, v in self.flags.items()}, params=self.params, theta0=self.theta0,
            patterns=patterns.ravel(), period_codes=self.period_codes[idx], unit_codes=self.unit_codes[idx])

    def scorable(self) -> np.ndarray:
        """Rows that get a predikat: missing ratings, not weights, decide it (positive
        weights stay positive under every perturbation)."""
        return self.evaluate(self.theta0[None, :]).predikat[:, 0] >= 0

    def theta_of(self, ws: WeightSet | str) -> np.ndarray:
        """The parameter vector of a weight set of the rubric (or any WeightSet)."""
        if isinstance(ws, str):
            if ws not in self.rubric.weights:
                raise ParameterError(f"`weights` must be one of {{{', '.join(map(repr, self.rubric.weights))}}};"
                                     f" got {ws!r}.")
            ws = self.rubric.weights[ws]
        return _theta(self.params, ws)

    def normalise(self, theta: np.ndarray) -> np.ndarray:
        """Rescale each weight group of ``theta`` (``(c, K)``) to sum to 1."""
        theta = np.array(theta, dtype=float, copy=True)
        for idx in self._groups():
            s = theta[:, idx].sum(axis=1, keepdims=True)
            theta[:, idx] = np.where(s > 0, theta[:, idx] / np.where(s > 0, s, 1.0), theta[:, idx])
        return theta

    def _groups(self) -> list[np.ndarray]:
        if "groups" not in self._cache:
            g = self.params.groupby("group", sort=False).indices
            self._cache["groups"] = [np.asarray(v) for v in g.values()]
        return self._cache["groups"]

    # -- scoring -------------------------------------------------------------------------
    def evaluate(self, theta: np.ndarray) -> Evaluation:
        """Score every employee-period under each row of ``theta`` (``(c, K)``)."""
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        r = self.rubric
        c = theta.shape[0]
        n_dim = len(r.dimensions)
        pos = self._positions()
        by_dim = np.full((n_dim, self.n, c), np.nan)  # one contiguous (n, c) block per dimension
        for d in range(n_dim):
            self._dimension_into(d, theta, by_dim[d])
        dims = np.moveaxis(by_dim, 0, -1)  # (n, c, D) view
        comp = self.compiled
        composite = np.full((self.n, c), np.nan)
        if r.rule == "matrix" and r.matrix is not None:
            pred = comp.predikat(dims).astype(np.int8)
            scaled = (dims - comp.dim_lo) / comp.dim_span
            tie = np.nan_to_num(scaled).sum(axis=2) / np.maximum((~np.isnan(scaled)).sum(axis=2), 1)
            value = (len(r.predikat) - pred) + tie
            value[pred < 0] = np.nan
        else:
            delta = np.stack([theta[:, pos[f"dimensions.{d.id}"]] for d in r.dimensions], axis=1)  # (c, D)
            composite = np.zeros((self.n, c))
            for d in range(n_dim):
                composite += by_dim[d] * delta[None, :, d]
            pred = comp.predikat(dims, composite, self.flags).astype(np.int8)
            value = composite
        return Evaluation(dims, composite, pred, value)

    def _positions(self) -> dict[str, int]:
        if "positions" not in self._cache:
            self._cache["positions"] = {nm: k for k, nm in enumerate(self.params["name"].to_numpy())}
        return self._cache["positions"]

    def dimension_columns(self, d: int) -> np.ndarray:
        """Columns of ``theta`` that dimension ``d``'s scores depend on: its rater-role and
        indicator weights (after normalisation, which is within each group)."""
        pos = self._positions()
        dim = self.rubric.dimensions[d]
        return np.array([pos[f"raters.{dim.id}.{role}"] for role in self.roles]
                        + [pos[f"indicators.{i}"] for i in dim.indicators])

    def dimension_scores(self, d: int, theta: np.ndarray) -> np.ndarray:
        """Scores ``(n, c)`` of dimension ``d`` under each row of ``theta`` (``(c, K)``): the
        ``dims[:, :, d]`` of :meth:`evaluate`, bit for bit (the same code). They depend on
        the columns :meth:`dimension_columns` only, so weight sets that agree there share
        them."""
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        out = np.full((self.n, theta.shape[0]), np.nan)
        self._dimension_into(d, theta, out)
        return out

    def _dimension_into(self, d: int, theta: np.ndarray, out: np.ndarray) -> None:
        """Dimension ``d``'s scores under each row of ``theta`` into ``out`` (``(n, c)``)."""
        c = theta.shape[0]
        dim = self.rubric.dimensions[d]
        p_ix = {i: j for j, i in enumerate(self.indicators)}
        pos = self._positions()
        cols = [p_ix[i] for i in dim.indicators]
        rho = np.stack([theta[:, pos[f"raters.{dim.id}.{role}"]] for role in self.roles], axis=1)  # (c, R)
        omega = np.stack([theta[:, pos[f"indicators.{i}"]] for i in dim.indicators], axis=1)  # (c, k)
        for _g, rows, pres, app, ug, cells in self._designs(d, cols):
            w, coef, total, bad = _pattern_weights(dim, rho, omega, pres, app)
            if dim.aggregation == "weighted_mean":
                full = (w[:, :, None] * coef) / np.where(total > 0, total, 1.0)[:, None, None]
                # only the rated (indicator, role) cells carry weight: (m, cells) @ (cells, c)
                s = ug @ full.reshape(c, -1)[:, cells].T  # (m, c)
            else:
                ugf = self.u[rows][:, cols, :]  # (m, k, R)
                v = np.einsum("mkr,ckr->mck", ugf, coef)  # (m, c, k)
                if dim.aggregation == "geometric_mean":
                    with np.errstate(divide="ignore", invalid="ignore"):
                        logs = np.where(w[None] > 0, w[None] * np.log(np.where(v > 0, v, 1.0)), 0.0)
                        s = np.exp(logs.sum(axis=2) / np.where(total > 0, total, 1.0)[None])
                    s = np.where(((v <= 0) & (w[None] > 0)).any(axis=2), 0.0, s)
                else:
                    s = np.where(w[None] > 0, v, np.inf).min(axis=2)
            s[:, bad] = np.nan
            if len(rows) == self.n:
                out[...] = s
            else:
                out[rows] = s

    def _designs(self, d: int, cols: list[int]) -> list[tuple[Any, ...]]:
        """Per presence pattern of dimension ``d``: its rows, presence (k, R), applicability
        (k,), the rated cells of ``u`` as an ``(m, cells)`` matrix and the cell mask; built
        once per model (the gather of ``u`` is the costly part of a chunk)."""
        key = f"design.{d}.{tuple(cols)}"  # (the columns come from the rubric: a shared cache keys them)
        if key not in self._cache:
            out = []
            for g in np.unique(self.patterns):
                rows = np.flatnonzero(self.patterns == g)
                pres = self.present[rows[0]][cols]
                cells = pres.ravel()
                # one gather of the rated (indicator, role) cells (of the pattern's rows, when not all)
                ci, ri = np.nonzero(pres)
                ci = np.asarray(cols)[ci]
                ug = self.u[:, ci, ri] if len(rows) == self.n else self.u[rows[:, None], ci[None, :], ri[None, :]]
                out.append((g, rows, pres, self.applies[rows[0]][cols], np.ascontiguousarray(ug), cells))
            self._cache[key] = out
        return self._cache[key]

    @property
    def ranks_on_composite(self) -> bool:
        """Whether :meth:`draw_block` can leave the predikat to the sort of the ranks: a
        bands rubric whose dimensions are all weighted means ranks on the composite, and
        its predikat follow from the sorted composites (:func:`sorted_band_predikat`)."""
        r = self.rubric
        return (r.rule != "matrix" or r.matrix is None) and all(
            d.aggregation == "weighted_mean" for d in r.dimensions)

    def draw_block(self, theta: np.ndarray, predikat: bool = True) -> tuple[np.ndarray | None, np.ndarray]:
        """Predikat rank and ranking value of every employee-period under each row of
        ``theta`` (``(c, K)``), draws in rows: ``(c, n)`` int8 and ``(c, n)`` float.

        The numbers of :meth:`evaluate`, bit for bit, laid out for one contiguous sort per
        draw. For a bands rubric of weighted means (:attr:`ranks_on_composite`) only the
        composite is formed: per presence pattern and dimension one matrix product for
        all the draws, summed into the composite in :meth:`evaluate`'s order (a composite
        at a band edge, e.g. 120 of 120, stays on it); ``predikat=False`` then leaves the
        predikat to the caller (``None``, see :func:`sorted_band_predikat`). Other rubrics
        go through :meth:`evaluate`.
        """
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        if not self.ranks_on_composite:
            ev = self.evaluate(theta)
            return np.ascontiguousarray(ev.predikat.T), np.ascontiguousarray(ev.value.T)
        value = self._composite_into(theta, np.empty((theta.shape[0], self.n)), {})
        if not predikat:
            return None, value
        flags = {k: v[None, :] for k, v in self.flags.items()}
        pred = self.compiled.apply_conditions(self.compiled.band_predikat(value), value, flags)
        return pred.astype(np.int8), value

    def _composite_into(self, theta: np.ndarray, out: np.ndarray, work: dict[str, np.ndarray]) -> np.ndarray:
        """The composites of a bands rubric of weighted means under each row of ``theta``
        (``(c, K)``) into ``out`` (``(c, n)``, draws in rows), equal to :meth:`evaluate`'s.

        Per presence pattern and dimension one matrix product for all the draws (the same
        ``(m, cells) @ (cells, c)`` call as :meth:`dimension_scores`: a product's last bits
        depend on its shape), then per tile of rows the composite ``s_0 d_0 + s_1 d_1 + ...``
        in :meth:`evaluate`'s order, in cache, written transposed. ``work`` holds scratch
        arrays reused from call to call (a fresh array of many megabytes costs its page
        faults on every call)."""
        r = self.rubric
        c = theta.shape[0]
        if not r.dimensions:
            out[...] = 0.0
            return out
        p_ix = {i: j for j, i in enumerate(self.indicators)}
        pos = self._positions()
        designs, weights = [], []
        for d, dim in enumerate(r.dimensions):
            designs.append(self._designs(d, [p_ix[i] for i in dim.indicators]))
            weights.append((np.stack([theta[:, pos[f"raters.{dim.id}.{role}"]] for role in self.roles], axis=1),
                            np.stack([theta[:, pos[f"indicators.{i}"]] for i in dim.indicators], axis=1),
                            theta[:, pos[f"dimensions.{dim.id}"]]))
        tile = max(1, _TILE_CELLS // c)
        acc, tmp = _scratch(work, "acc", tile * c), _scratch(work, "tmp", tile * c)
        reps = _scratch(work, "reps", tile * c * len(r.dimensions)).reshape(len(r.dimensions), -1)
        for d in range(len(r.dimensions)):  # each draw's dimension weight, repeated along a tile's rows
            reps[d].reshape(tile, c)[...] = weights[d][2][None, :]
        # every row is in one presence pattern, the same in every dimension
        for g in range(len(designs[0])):
            rows = designs[0][g][1]
            m = len(rows)
            prods = []
            for d, dim in enumerate(r.dimensions):
                _g, _rows, pres, app, ug, cells = designs[d][g]
                rho, omega, _delta = weights[d]
                w, coef, total, bad = _pattern_weights(dim, rho, omega, pres, app)  # evaluate's arithmetic
                full = (w[:, :, None] * coef) / np.where(total > 0, total, 1.0)[:, None, None]
                sc = _scratch(work, f"prod{d}", m * c).reshape(m, c)
                np.matmul(ug, full.reshape(c, -1)[:, cells].T, out=sc)  # (m, c): every draw in one product
                if bad.any():
                    sc[:, bad] = np.nan
                prods.append(sc.reshape(-1))
            for a in range(0, m, tile):
                b = min(m, a + tile)
                span = (b - a) * c
                ac, tm = acc[:span], tmp[:span]
                np.multiply(prods[0][a * c:b * c], reps[0, :span], out=ac)
                for d in range(1, len(prods)):
                    np.multiply(prods[d][a * c:b * c], reps[d, :span], out=tm)
                    ac += tm
                if m == self.n:
                    out[:, a:b] = ac.reshape(b - a, c).T
                else:
                    out[:, rows[a:b]] = ac.reshape(b - a, c).T
        return out

    def ranks(self, value: np.ndarray) -> np.ndarray:
        """Competition ranks within each period (1 = best, ties share the best rank).

        ``value``: ``(n, c)``; returns ``(n, c)`` float with NaN where ``value`` is NaN.
        Vectorised over the ``c`` columns: one sort per period.
        """
        out = np.full(value.shape, np.nan)
        for p in np.unique(self.period_codes):
            rows = np.flatnonzero(self.period_codes == p)
            out[rows] = _competition_ranks(value[rows])
        return out


def draw_ranks(model: WeightModel, value: np.ndarray) -> np.ndarray:
    """Competition ranks within each period as ``(c, n)`` uint32, draws in rows (0 where
    ``value`` is NaN); the same ties as :meth:`WeightModel.ranks`, without float copies."""
    out = np.zeros(value.shape[::-1], dtype=np.uint32)
    for p in np.unique(model.period_codes):
        rows = np.flatnonzero(model.period_codes == p)
        sub = value if len(rows) == model.n else value[rows]
        out[:, rows] = _ranks_t(np.array(sub.T, order="C"))  # draws in rows, each contiguous
    return out


def _ranks_t(v: np.ndarray) -> np.ndarray:
    """Row-wise competition ranks of ``v`` (``(c, m)``): uint32, 0 for NaN (:func:`block_ranks`)."""
    out = np.empty(v.shape, dtype=np.uint32)
    block_ranks(v, out)
    return out


def block_ranks(v: np.ndarray, out: np.ndarray) -> None:
    """Competition ranks of every row of ``v`` (``(c, m)`` float) into ``out`` (``(c, m)``
    uint32): row by row the ranks of :func:`row_ranks` (highest = 1, values within a
    relative 1e-10 of the one before share its rank, 0 for NaN), from one sort call and
    array operations across the rows instead of a Python loop over them. ``v`` is left
    alone.

    The ranks depend only on the sorted values (equal values are always in one run of
    ties), so any order that sorts a row gives them (:func:`_sort_rows`). A run of ties
    takes the rank of its first position: the running maximum of the positions that
    start a run.
    """
    c, m = v.shape
    if c == 0 or m == 0:
        return
    key = np.negative(v)
    order, sv = _sort_rows(key)
    flat = order + (np.arange(c) * m)[:, None]  # positions in the flattened rows
    nan = np.isnan(sv) if bool(np.isnan(sv[:, -1]).any()) else None
    if nan is not None:
        sv[nan] = np.inf
    pos = np.broadcast_to(np.arange(1, m + 1, dtype=np.uint32), (c, m)).copy()
    if m > 1:
        with np.errstate(invalid="ignore"):  # sorted: >= 0 (NaN between two infinities: a tie)
            diff = np.subtract(sv[:, 1:], sv[:, :-1])
            # a tie needs diff <= 1e-10 max(|a|, |b|) <= 1e-10 max |row|: test those few exactly
            bound = 1e-10 * np.maximum(np.abs(sv[:, 0]), np.abs(sv[:, -1]))
            r, j = np.divmod(np.flatnonzero(~(diff > bound[:, None])), m - 1)
            a, b = sv[r, j], sv[r, j + 1]
            tie = ~(np.abs(b - a) > 1e-10 * np.maximum(np.abs(b), np.abs(a)))
        if tie.any():
            pos[r[tie], j[tie] + 1] = 0  # tied to the position before: not the start of a run
            rows = np.unique(r[tie])
            pos[rows] = np.maximum.accumulate(pos[rows], axis=1)
    if nan is not None:
        pos[nan] = 0
    if out.flags.c_contiguous:
        out.ravel()[flat.ravel()] = pos.ravel()
    else:
        np.put_along_axis(out, order, pos, axis=1)


def _sort_rows(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An order that sorts each row of ``key`` (``(c, m)`` float64, NaN last) and the
    sorted rows.

    A sort of the values alone is much faster than an argsort, so the position of each
    value is written into the lowest ``ceil(log2 m)`` bits of its mantissa and the rows
    are sorted as values: positions that differ only in those bits (relative 2**-39 for
    5,000 values) may come out in either order, everything else in the order of the
    values. The position bits give the order, and a row whose values, read in that
    order, do not ascend (two values within those bits in the wrong order), or that holds
    an infinity or NaN (whose bits are not a number to sort), is argsorted instead. Each
    order returned is checked to sort its row, so the sorted rows are those of an argsort.
    """
    c, m = key.shape
    bits = max(1, (m - 1).bit_length())
    fast = np.isfinite(key).all(axis=1) if bits <= 24 else np.zeros(c, dtype=bool)
    every = bool(fast.all())
    if fast.any():
        low = np.uint64((1 << bits) - 1)
        packed = (key if every else key[fast]).view(np.uint64) & ~low
        packed |= np.arange(m, dtype=np.uint64)
        packed.view(np.float64).sort(axis=1)
        packed &= low  # the positions, in place
        picked = packed.view(np.int64).astype(np.intp, copy=False)
    if every:
        order = picked
        sv = key.ravel().take(order + (np.arange(c) * m)[:, None])
    else:
        order = np.empty((c, m), dtype=np.intp)
        sv = np.empty_like(key)
        if fast.any():
            rows = np.flatnonzero(fast)
            order[rows] = picked
            sv[rows] = np.take_along_axis(key[rows], picked, axis=1)
    slow = ~fast
    if fast.any() and m > 1:
        slow |= (sv[:, 1:] < sv[:, :-1]).any(axis=1)
    if slow.any():
        rows = np.flatnonzero(slow)
        order[rows] = np.argsort(key[rows], axis=1)  # NaN sorts last
        sv[rows] = np.take_along_axis(key[rows], order[rows], axis=1)
    return order, sv


def row_ranks(v: np.ndarray, out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Competition ranks of one draw ``v`` (``(m,)`` float, overwritten) into ``out``
    (``(m,)`` uint32): highest = 1, ties (values within a relative 1e-10) share the best
    rank, 0 for NaN. One argsort, then the ranks written through the inverse permutation.

    Returns the sort order and the sorted keys (``-v``, NaN as +inf, ascending), from which
    :func:`sorted_band_predikat` reads the bands without searching every value."""
    order, sv, _ = _row_ranks(v, out)
    return order, sv


def _row_ranks(v: np.ndarray, out: np.ndarray, work: dict[Any, np.ndarray] | None = None
               ) -> tuple[np.ndarray, np.ndarray, int]:
    """:func:`row_ranks`, and the number of NaN values (the last ones in the order).

    With ``work`` (scratch arrays reused from call to call) the sort is of 64-bit integer
    keys instead of an argsort (see :func:`_packed_order`); the order of exactly equal
    values may then differ from the argsort's, nothing else: the sorted keys, and the
    ranks, are the same. The returned order is then one of ``work``'s arrays (valid until
    the next call)."""
    m = v.shape[0]
    packed = _packed_order(v, work) if work is not None else None  # before v is negated
    key = np.negative(v, out=v)
    order = np.argsort(key) if packed is None else packed  # NaN sorts last
    sv = key.take(order)
    n_nan = m - int(np.searchsorted(sv, np.nan)) if m and np.isnan(sv[-1]) else 0
    if n_nan:
        sv[m - n_nan:] = np.inf
    bound = 1e-10 * float(np.max(np.abs(sv[[0, -1]]))) if m else 0.0
    while True:
        with np.errstate(invalid="ignore"):  # sorted: >= 0 (NaN between two infinities: a tie)
            diff = np.subtract(sv[1:], sv[:-1])
            # a tie needs diff <= 1e-10 max(|a|, |b|) <= 1e-10 max |sv|: test those few exactly
            if m and np.isfinite(sv[0]) and np.isfinite(sv[-1]):  # no NaN difference: one pass less
                cand = np.flatnonzero(diff <= bound)
            else:
                cand = np.flatnonzero(~(diff > bound))
        if packed is None or not len(cand):
            break
        # the integer keys order values only to their top bits: a step down (a candidate,
        # diff < 0) is inside a bucket of values that share them, re-sorted exactly
        down = cand[diff[cand] < 0]
        if not len(down):
            break
        _sort_buckets(order, sv, down)
        bound = 1e-10 * float(np.max(np.abs(sv[[0, -1]])))
        packed = None
    if work is None:
        ranks = np.arange(1, m + 1, dtype=np.uint32)
    elif ("ranks", m) in work:
        ranks = work[("ranks", m)]
    else:
        ranks = work[("ranks", m)] = np.arange(1, m + 1, dtype=np.uint32)
    if len(cand):
        a, b = sv[cand], sv[cand + 1]
        with np.errstate(invalid="ignore"):
            tie = ~(np.abs(b - a) > 1e-10 * np.maximum(np.abs(b), np.abs(a)))
        tied = cand[tie] + 1  # sorted positions that share the rank of the one before
        if len(tied):
            # a run of consecutive tied positions takes the rank of the position before it
            first = np.ones(len(tied), dtype=bool)
            first[1:] = np.diff(tied) != 1
            if work is not None:
                ranks = ranks.copy()  # the cached 1 .. m stays as it is
            ranks[tied] = ranks[tied[first] - 1][np.cumsum(first) - 1]
    out[order] = ranks
    if n_nan:
        out[order[m - n_nan:]] = 0
    return order, sv, n_nan


_PACK_MAX_BITS = 24  # _packed_order: index bits at most (rows per sort); more and the buckets coarsen
_INF_BITS = np.uint64(0x7FF0000000000000)  # bits of +inf: above them only NaN, with the sign bit negatives


def _packed_order(v: np.ndarray, work: dict[Any, np.ndarray]) -> np.ndarray | None:
    """The order of ``v`` (``(m,)`` float64) from largest to smallest, up to the order
    within buckets of nearly equal values; ``None`` where it does not apply (NaN, a
    negative value or -0.0, more than ``2**24`` values).

    The bits of a float64 ``x >= +0.0`` read as an integer increase with ``x``; their
    complement, with its low ``b`` bits (``b`` the bits of an index below ``m``) replaced
    by the value's index, is one int64 per value, and a sort of those (a vectorised sort,
    where an argsort of the floats is not) orders the values from largest to smallest
    except within a bucket of values that share all bits above the low ``b``: at most a
    relative ``2**(b - 52)`` apart (tied under the ``1e-10`` rule for ``b`` up to 18, not
    always above), and not always in order. The index is the low bits of the sorted keys.
    :func:`_row_ranks` re-sorts exactly every bucket it finds out of order
    (:func:`_sort_buckets`), so the order is the argsort's for every ``b`` up to 24."""
    m = v.shape[0]
    nb = max(1, (m - 1).bit_length())
    if m < 2 or nb > _PACK_MAX_BITS or v.view(np.uint64).max() > _INF_BITS:
        return None
    high = ("pack_high", m)
    hi_idx = work.get(high)
    if hi_idx is None:  # the high bits set, the index in the low ones
        hi_idx = work[high] = np.arange(m, dtype=np.int64) | np.int64(-(1 << nb))
    buf = work.get("pack")
    if buf is None or buf.size < m:
        buf = work["pack"] = np.empty(m, dtype=np.int64)
    keys = buf[:m]
    # (x & high) ^ (high | index): the complement of x's high bits, the index below them
    np.bitwise_and(v.view(np.int64), np.int64(-(1 << nb)), out=keys)
    np.bitwise_xor(keys, hi_idx, out=keys)
    keys.sort()
    return np.bitwise_and(keys, np.int64((1 << nb) - 1), out=keys)


def _sort_buckets(order: np.ndarray, sv: np.ndarray, down: np.ndarray) -> None:
    """Sort exactly, in place, the buckets of :func:`_packed_order` that hold a step down
    (sorted positions ``down``, ``sv[p + 1] < sv[p]``): ``order`` and ``sv`` by ``sv``. A bucket is a run of sorted positions whose values (``-sv``) share their high bits."""
    m = sv.shape[0]
    nb = max(1, (m - 1).bit_length())
    bucket = np.bitwise_and(np.negative(sv).view(np.int64), np.int64(-(1 << nb)))
    starts = np.flatnonzero(bucket[1:] != bucket[:-1]) + 1
    edges = np.concatenate([[0], starts, [m]])
    j = np.unique(np.searchsorted(starts, down, side="right"))  # the buckets holding a step down
    lengths = edges[j + 1] - edges[j]
    blk = np.repeat(np.arange(len(j)), lengths)
    pos = np.arange(int(lengths.sum())) + np.repeat(edges[j] - (np.cumsum(lengths) - lengths), lengths)
    sub = pos[np.lexsort((sv[pos], blk))]
    order[pos] = order[sub]
    sv[pos] = sv[sub]


def _scratch(work: dict[str, np.ndarray], name: str, size: int) -> np.ndarray:
    """A float64 scratch array of ``size`` elements from ``work`` (grown when too small)."""
    buf = work.get(name)
    if buf is None or buf.size < size:
        buf = work[name] = np.empty(size)
    return buf[:size]


def _pattern_weights(dim: Any, rho: np.ndarray, omega: np.ndarray, pres: np.ndarray, app: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One presence pattern of a dimension under ``c`` draws: the indicator weights ``w``
    ``(c, k)``, the rater coefficients ``coef`` ``(c, k, R)`` (each indicator's rater
    weights over the roles that rated it), the weight totals ``(c,)`` and the draws whose
    score is missing ``(c,)`` (no weight, or an unrated weighted indicator under
    ``missing: propagate``). Shared by :meth:`WeightModel.dimension_scores` and
    :meth:`WeightModel.draw_block`, so that both keep one arithmetic."""
    den = rho @ pres.T.astype(float)  # (c, k)
    rated = den > 0
    coef = np.where(rated[:, :, None], rho[:, None, :] * pres[None, :, :]
                    / np.where(rated, den, 1.0)[:, :, None], 0.0)  # (c, k, R)
    w = omega * app[None, :]
    missing = (~rated) & (w > 0)
    if dim.missing == "renormalise":
        w = np.where(rated, w, 0.0)
    total = w.sum(axis=1)  # (c,)
    bad = (total <= 0) | (missing.any(axis=1) if dim.missing == "propagate" else False)
    return w, coef, total, bad


def sorted_band_predikat(compiled: CompiledRubric, sv: np.ndarray, order: np.ndarray,
                         flags: dict[str, np.ndarray]) -> np.ndarray:
    """Predikat rank (bands rule, with the conditions) of the composites whose negatives
    are ``sv`` (ascending, from :func:`row_ranks`), in that sorted order.

    The band slot of a composite ``x`` is ``#(E < x) + #(E <= x)`` over the band edges
    ``E`` (see :meth:`CompiledRubric.band_predikat`); along the sorted row it only steps
    down, at the ``2 len(E)`` positions that two binary searches of each edge in ``sv``
    give, so the slots are runs of one value. NaN composites (``sv`` = +inf) come out as
    the lowest slot: the caller sets them to -1. ``flags`` are per employee (unsorted).
    Composites within rounding of the scales' ends count as on them, as in
    :meth:`CompiledRubric.snap` (a monotone map: the order stays sorted)."""
    return _sorted_bands(compiled, sv, order, flags, np.dtype(np.int64))


def _sorted_bands(compiled: CompiledRubric, sv: np.ndarray, order: np.ndarray, flags: dict[str, np.ndarray],
                  dtype: np.dtype[Any], n_nan: int = 0, none: int = -1) -> np.ndarray:
    """:func:`sorted_band_predikat` as ``dtype``, the last ``n_nan`` (NaN) and the
    composites in no band set to ``none``."""
    m = sv.shape[0]
    if len(compiled.dim_lo):
        # snap moves only composites above the scales' top or below their bottom: the
        # head and the tail of the sorted row
        hi = float(np.max(compiled.dim_lo + compiled.dim_span))
        head = int(np.searchsorted(sv, -hi, side="left"))
        tail = int(np.searchsorted(sv, -float(np.min(compiled.dim_lo)), side="right"))
        if head or tail < m:
            sv = sv.copy()
            sv[:head] = -compiled.snap(-sv[:head])
            sv[tail:] = -compiled.snap(-sv[tail:])
    neg = -compiled.band_edges
    cuts = np.sort(np.concatenate([np.searchsorted(sv, neg, side="left"),
                                   np.searchsorted(sv, neg, side="right")]))
    slot = np.arange(len(cuts), -1, -1)  # before the first cut: every edge counted twice
    lengths = np.diff(np.concatenate([[0], cuts, [m]]))
    if compiled.conditions:
        rank = np.repeat(compiled.band_rank_table.take(slot), lengths)
        rank = compiled.apply_conditions(rank, -sv, {k: f.take(order) for k, f in flags.items()})
        if none != -1:
            rank[rank < 0] = none
        rank = rank.astype(dtype, copy=False)
    else:
        runs = compiled.band_rank_table.take(slot)
        rank = np.repeat(np.where(runs < 0, none, runs).astype(dtype), lengths)
    if n_nan:
        rank[m - n_nan:] = none
    return rank


def _competition_ranks(v: np.ndarray) -> np.ndarray:
    """Column-wise competition ranks of ``v`` (``(m, c)``), highest = 1, NaN stays NaN.

    Values within a relative 1e-10 of each other tie, so that rescaling all weights (which
    changes rounding, not order) leaves the ranks unchanged.
    """
    m = v.shape[0]
    key = np.ascontiguousarray(np.where(np.isnan(v), np.inf, -v).T)  # (c, m): sort along rows
    order = np.argsort(key, axis=1)
    sv = np.take_along_axis(key, order, axis=1)
    new = np.ones(sv.shape, dtype=bool)
    # values equal up to floating-point rounding (1e-10 relative) are ties
    new[:, 1:] = np.abs(sv[:, 1:] - sv[:, :-1]) > 1e-10 * np.maximum(np.abs(sv[:, 1:]), np.abs(sv[:, :-1]))
    start = np.maximum.accumulate(np.where(new, np.arange(m)[None, :], 0), axis=1)
    ranks_t = np.empty(key.shape)
    np.put_along_axis(ranks_t, order, (start + 1).astype(float), axis=1)
    ranks = ranks_t.T
    ranks[np.isnan(v)] = np.nan
    return ranks


def _params(rubric: Rubric, roles: tuple[str, ...], base: WeightSet) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for dim in rubric.dimensions:
        rw = base.raters.get(dim.id, {})
        n_pos = sum(1 for r in roles if rw.get(r, 0.0) > 0)
        for r in roles:
            rows.append({"name": f"raters.{dim.id}.{r}", "group": f"raters.{dim.id}", "kind": "raters",
                         "dimension": dim.id, "indicator": "", "role": r,
                         "free": n_pos >= 2 and rw.get(r, 0.0) > 0})
        n_pos = sum(1 for i in dim.indicators if base.indicators.get(i, 0.0) > 0)
        for i in dim.indicators:
            rows.append({"name": f"indicators.{i}", "group": f"indicators.{dim.id}", "kind": "indicators",
                         "dimension": dim.id, "indicator": i, "role": "",
                         "free": n_pos >= 2 and base.indicators.get(i, 0.0) > 0})
    bands = rubric.rule == "bands"
    n_pos = sum(1 for d in rubric.dimensions if base.dimensions.get(d.id, 0.0) > 0) if bands else 0
    for dim in rubric.dimensions:
        rows.append({"name": f"dimensions.{dim.id}", "group": "dimensions", "kind": "dimensions",
                     "dimension": dim.id, "indicator": "", "role": "",
                     "free": bands and n_pos >= 2 and base.dimensions.get(dim.id, 0.0) > 0})
    params = pd.DataFrame(rows)
    params["baseline"] = _theta(params, base)
    return params


def _theta(params: pd.DataFrame, ws: WeightSet) -> np.ndarray:
    out = np.zeros(len(params))
    for k, (kind, dim, ind, role) in enumerate(zip(params["kind"], params["dimension"], params["indicator"],
                                                   params["role"], strict=True)):
        if kind == "raters":
            out[k] = ws.raters.get(dim, {}).get(role, 0.0)
        elif kind == "indicators":
            out[k] = ws.indicators.get(ind, 0.0)
        else:
            out[k] = ws.dimensions.get(dim, 0.0) if ws.dimensions else 0.0
    return out


class Subset:
    """A dataset restricted to some periods (``ratings`` and ``roster`` only)."""

    def __init__(self, ratings: pd.DataFrame, roster: pd.DataFrame) -> None:
        self.ratings = ratings
        self.roster = roster


def select_period(ds: Any, period: str | list[str] | None) -> Any:
    """``ds`` restricted to ``period`` (one period or a list); ``None`` returns ``ds``."""
    if period is None:
        return ds
    wanted = [str(period)] if isinstance(period, str) else [str(p) for p in period]
    ratings = ds.ratings[ds.ratings["period"].astype(str).isin(wanted)]
    if len(ratings) == 0:
        have = sorted(map(str, ds.ratings["period"].unique()))
        raise ParameterError(f"No ratings in period {period!r}; the data have {have}.")
    roster = ds.roster[ds.roster["period"].astype(str).isin(wanted)] if "period" in ds.roster else ds.roster
    return Subset(ratings, roster)


def weight_model(ds: Any, rubric: Rubric, weights: str = "baseline", *,
                 period: str | list[str] | None = None) -> WeightModel:
    """Build the matrix form of ``rubric`` on dataset ``ds`` (see the module docstring).

    Parameters
    ----------
    ds
        A :class:`workbench.Dataset` (``.ratings`` and ``.roster``).
    rubric
        The rubric.
    weights
        The weight set whose values are the baseline ``theta0``.
    period
        Only these periods (one or a list); default all.
    """
    ds = select_period(ds, period)
    if not isinstance(rubric, Rubric):
        raise ParameterError(f"`rubric` must be a Rubric (wb.load_rubric(...)); got {type(rubric).__name__}.")
    if weights not in rubric.weights:
        raise ParameterError(f"`weights` must be one of {{{', '.join(map(repr, rubric.weights))}}}; "
                             f"got {weights!r}.")
    ratings = ds.ratings
    compiled = compile_rubric(rubric)
    ind_ids = [i.id for i in rubric.indicators]
    all_ids = list(compiled.inputs)
    roles = tuple(RATER_ROLES)
    try:
        # rater-adjusted ratings (rubric.adjust.adjusted_dataset) are continuous, inside each
        # scale's range but between its levels: checked for the range only, as wb.score does
        adjusted = bool((getattr(ds, "meta", None) or {}).get("rater_adjustment"))
        cube = rating_cube(ratings[ratings["indicator"].isin(all_ids)], rubric,
                           out_of_scale="clip" if adjusted else "raise")
    except KeyError as exc:
        raise ParameterError(f"The ratings table lacks the column {exc}; it must follow the data contract "
                             "(period, employee_id, rater_id, rater_role, indicator, score).") from exc
    n, p = cube.n, len(ind_ids)
    if n == 0:
        raise ParameterError(f"The data hold no ratings of the indicators of rubric {rubric.id!r} "
                             f"({', '.join(ind_ids[:5])}{' ...' if len(ind_ids) > 5 else ''}); map them first "
                             "(workbench.rubric.map_indicators).")
    sums, cnts = cube.sums, cube.counts  # every role: (n, inputs, roles)
    means = np.where(cnts > 0, sums / np.maximum(cnts, 1), np.nan)
    u = np.nan_to_num(compiled.to_dimension_scale(np.moveaxis(means[:, :p, :], 1, 2))).transpose(0, 2, 1)
    present = cnts[:, :p, :] > 0
    key_frame = pd.DataFrame({"period": np.asarray(cube.period, dtype=object).astype(str),
                              "employee_id": np.asarray(cube.employee_id, dtype=object).astype(str)})
    roster = ds.roster.copy()
    roster["period"] = roster["period"].astype(str)
    roster["employee_id"] = roster["employee_id"].astype(str)
    wide = key_frame.merge(roster.drop_duplicates(["employee_id", "period"]),
                           on=["period", "employee_id"], how="left")
    applies = np.ones((n, p), dtype=bool)
    for j, i in enumerate(ind_ids):
        a = rubric.indicator(i).applies_to
        if a is not None:
            applies[:, j] = wide[a.column].isin(a.values).to_numpy() if a.column in wide else False
    flags: dict[str, np.ndarray] = {}
    for f in rubric.flags:
        val = np.zeros(n, dtype=bool)
        if f.roster_column and f.roster_column in wide:
            col = wide[f.roster_column]
            val |= col.astype(str).str.strip().str.lower().isin(TRUE_TEXTS).to_numpy() | (
                pd.to_numeric(col, errors="coerce").fillna(0).to_numpy() > 0)
        if f.indicator:
            j = all_ids.index(f.indicator)
            val |= np.nan_to_num(_role_combined(means[:, j, :], cnts[:, j, :])) > 0
        flags[f.id] = val
    # presence pattern: which (indicator, role) cells are rated and which indicators apply
    sig = np.concatenate([present.reshape(n, -1), applies], axis=1)
    _, patterns = _unique_rows(np.packbits(sig, axis=1))
    base = rubric.weights[weights]
    params = _params(rubric, roles, base)
    keys_out = wide[["period", "employee_id"]].copy()
    keys_out["unit"] = wide["unit"].astype(str) if "unit" in wide else "-"
    return WeightModel(
        rubric=rubric, keys=keys_out, indicators=tuple(ind_ids), roles=roles, u=u, present=present,
        applies=applies, flags=flags, params=params, theta0=params["baseline"].to_numpy(dtype=float),
        patterns=patterns.ravel(), period_codes=pd.factorize(keys_out["period"])[0],
        unit_codes=pd.factorize(keys_out["unit"])[0])


def _unique_rows(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(packed, axis=0, return_inverse=True)`` of a uint8 matrix: rows of up to
    8 bytes read as one big-endian integer each (the same lexicographic order, so the
    same ids), a 1-D unique instead of a sort of structured rows."""
    if packed.shape[1] > 8 or packed.shape[0] == 0:
        return np.unique(packed, axis=0, return_inverse=True)
    key = np.zeros(packed.shape[0], dtype=np.uint64)
    for j in range(packed.shape[1]):
        key <<= np.uint64(8)
        key |= packed[:, j]
    uniq, inv = np.unique(key, return_inverse=True)
    return uniq, inv


def _role_combined(means: np.ndarray, cnts: np.ndarray) -> np.ndarray:
    """Equal-weight mean over the roles that rated (flag indicators outside any dimension)."""
    with np.errstate(invalid="ignore"):
        return np.nanmean(np.where(cnts > 0, means, np.nan), axis=1)
