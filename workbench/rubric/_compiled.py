"""The rubric compiled once into arrays: the one representation that scores.

:func:`compile_rubric` turns a :class:`~workbench.rubric.model.Rubric` into a
:class:`CompiledRubric` (cached per rubric content): indicator scales and directions,
rater-role weights per weight set, dimension category thresholds, the predikat rule as
arrays (matrix table, bands, conditions). Both scorers use it: :func:`workbench.score`
(one weight set, with explanations, per pandas or Dask partition) and the weighting
laboratory's matrix engine (:mod:`workbench.weights._engine`, many weight sets at once),
and so does :func:`workbench.weights.compare` to replay one rubric's rules on another's
scores. A rule is therefore written once.

Examples
--------
>>> import numpy as np
>>> import workbench as wb
>>> c = compile_rubric(wb.load_rubric("permenpanrb-6-2022"))
>>> c.categories(0, np.array([1.0, 1.6, 2.5, np.nan])).tolist()
[0, 1, 2, -1]
>>> c.matrix_rank(np.array([2, 1]), np.array([2, 0])).tolist()   # di_atas/di_atas, sesuai/di_bawah
[0, 3]
>>> compile_rubric(wb.load_rubric("permenpanrb-6-2022")) is c
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from workbench.data.contract import RATER_ROLES
from workbench.rubric.model import Rubric, WeightSet

__all__ = ["TIE_TOL", "CompiledRubric", "category_index", "compile_rubric"]

TIE_TOL = 1e-9
"""Relative tolerance with which a dimension score reaches a category threshold."""


def category_index(s: np.ndarray, thresholds: np.ndarray, dtype: Any = np.intp) -> np.ndarray:
    """Category index per score (-1 where the score is missing).

    ``thresholds``: the lower bounds of the categories after the first, increasing. A score
    that reaches a threshold up to floating-point rounding (``TIE_TOL`` relative) reaches
    it: a perilaku mean of exactly 2 from 21 weights of 1/21 is 1.9999999999999998.
    ``dtype``: of the result (a small integer type saves memory on many scores).
    """
    s = np.asarray(s, dtype=float)
    if s.ndim == 0:
        return category_index(s.reshape(1), thresholds, dtype).reshape(())
    x = np.abs(s)  # x = s + TIE_TOL * max(|s|, 1), in place
    np.maximum(x, 1.0, out=x)
    x *= TIE_TOL
    x += s
    if len(thresholds) > 8:
        idx = np.searchsorted(thresholds, x, side="right").astype(dtype, copy=False)
    else:  # the same count of thresholds <= x, a comparison per threshold (faster than a search)
        idx = (x >= thresholds[0]).astype(dtype) if len(thresholds) else np.zeros(x.shape, dtype=dtype)
        for t in thresholds[1:]:
            idx += x >= t
        nan = np.isnan(x)  # a NaN score, or -inf (x NaN)
        if not nan.any():
            return idx
        idx[nan] = len(thresholds)  # where searchsorted puts NaN (s = -inf)
    return np.where(np.isnan(s), -1, idx).astype(dtype, copy=False)


@dataclass(frozen=True, eq=False)
class CompiledRubric:
    """A rubric as arrays (see the module docstring). Built by :func:`compile_rubric`.

    Attributes
    ----------
    inputs
        Input indicator ids: the rubric's indicators, then flag indicators that are not
        also rubric indicators.
    roles
        The rater roles of the data contract, in order.
    ind_lo, ind_span, ind_reverse, ind_dim
        Per rubric indicator: its scale's minimum and span, whether lower is better, and
        the index of its dimension.
    dim_lo, dim_span
        Per dimension: its scale's minimum and span.
    thresholds
        Per dimension: the lower bounds of its categories after the first (empty when the
        dimension has no categories).
    band_min, band_max, band_min_inc, band_max_inc, band_rank
        The bands of the composite (bands rule), in rubric order; the last matching wins.
    matrix_rows, matrix_cols, matrix_table
        The matrix rule: the two dimensions' indices and the predikat rank per pair of
        category indices (matrix rule), else -1 and an empty table.
    conditions
        ``(replaces rank, predikat rank, minimum composite, flag id)`` per condition.
    """

    rubric: Rubric
    inputs: tuple[str, ...]
    roles: tuple[str, ...]
    ind_lo: np.ndarray
    ind_span: np.ndarray
    ind_reverse: np.ndarray
    ind_dim: np.ndarray
    dim_lo: np.ndarray
    dim_span: np.ndarray
    thresholds: tuple[np.ndarray, ...]
    band_min: np.ndarray
    band_max: np.ndarray
    band_min_inc: np.ndarray
    band_max_inc: np.ndarray
    band_rank: np.ndarray
    matrix_rows: int
    matrix_cols: int
    matrix_table: np.ndarray
    conditions: tuple[tuple[int, int, float, str], ...]
    pred_rank: dict[str, int] = field(default_factory=dict)
    band_edges: np.ndarray = field(default_factory=lambda: np.zeros(0))
    band_table: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    band_rank_table: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))

    @property
    def n_indicators(self) -> int:
        """Number of rubric indicators (the first entries of :attr:`inputs`)."""
        return len(self.rubric.indicators)

    def role_weights(self, ws: WeightSet) -> np.ndarray:
        """Rater-role weights per input indicator, ``(len(inputs), len(roles))``: the weight
        set's roles of the indicator's dimension (flag indicators: every role, equally)."""
        out = np.ones((len(self.inputs), len(self.roles)))
        for j in range(self.n_indicators):
            roles = ws.raters[self.rubric.dimensions[int(self.ind_dim[j])].id]
            out[j] = [roles.get(r, 0.0) for r in self.roles]
        return out

    def to_dimension_scale(self, values: np.ndarray) -> np.ndarray:
        """Indicator values (last axis: the rubric's indicators) mapped linearly onto their
        dimension's scale, reversed for ``lower_is_better``."""
        unit = (values - self.ind_lo) / self.ind_span
        unit = np.where(self.ind_reverse, 1.0 - unit, unit)
        return self.dim_lo[self.ind_dim] + unit * self.dim_span[self.ind_dim]

    def categories(self, d: int, s: np.ndarray) -> np.ndarray:
        """Category index of dimension ``d`` per score (-1 where missing)."""
        return category_index(s, self.thresholds[d])

    def matrix_rank(self, row_cat: np.ndarray, col_cat: np.ndarray) -> np.ndarray:
        """Predikat rank of each pair of category indices (-1 where either is missing)."""
        ok = (row_cat >= 0) & (col_cat >= 0)
        # (one look-up in the flattened table: cell row * columns + column)
        cell = np.add(np.multiply(np.maximum(row_cat, 0), self.matrix_table.shape[1], dtype=np.intp),
                      np.maximum(col_cat, 0), dtype=np.intp)
        return np.where(ok, self.matrix_table.ravel().take(cell), -1)

    def snap(self, composite: np.ndarray) -> np.ndarray:
        """Composites within rounding (1e-9, relative) beyond the ends of the dimensions'
        scales, put on those ends: a weighted mean of perfect scores summed in floating
        point can come out as 120.00000000000001, above a scale's 120, and fall in no
        band."""
        x = np.asarray(composite, dtype=float)
        if not len(self.dim_lo):
            return x
        lo, hi = float(np.min(self.dim_lo)), float(np.max(self.dim_lo + self.dim_span))
        above, below = x > hi, x < lo
        if not (above.any() or below.any()):
            return x
        x = np.where(above & (x <= hi + 1e-9 * max(1.0, abs(hi))), hi, x)
        return np.where(below & (x >= lo - 1e-9 * max(1.0, abs(lo))), lo, x)

    def band_index(self, composite: np.ndarray) -> np.ndarray:
        """Index of the band each composite falls in (-1: none); the last match wins.

        Two binary searches in the sorted band edges and one table look-up per value
        (see :func:`_band_table`), whatever the number of bands; a composite within
        rounding of the scales' ends counts as on them (:meth:`snap`)."""
        x = self.snap(composite)
        lo = np.searchsorted(self.band_edges, x, side="left")
        lo += np.searchsorted(self.band_edges, x, side="right")
        return self.band_table.take(lo)

    def band_predikat(self, composite: np.ndarray) -> np.ndarray:
        """Predikat rank of the band each composite falls in (-1: none), before conditions:
        ``band_rank[band_index(composite)]`` in one look-up."""
        x = self.snap(composite)
        lo = np.searchsorted(self.band_edges, x, side="left")
        lo += np.searchsorted(self.band_edges, x, side="right")
        return self.band_rank_table.take(lo)

    def apply_conditions(self, rank: np.ndarray, composite: np.ndarray,
                         flags: Mapping[str, np.ndarray]) -> np.ndarray:
        """Upgrade ranks where a condition's flag holds (e.g. innovation for Sangat Baik)."""
        for replaces, target, low, flag in self.conditions:
            has = np.asarray(flags.get(flag, False), dtype=bool)
            if has.ndim == 1 and np.ndim(rank) == 2:
                has = has[:, None]
            rank = np.where((rank == replaces) & (composite >= low) & has, target, rank)
        return rank

    def predikat(self, dims: np.ndarray, composite: np.ndarray | None = None,
                 flags: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
        """Predikat rank (0 = best, -1 = not scored) from dimension scores ``(..., D)``
        (matrix rule) or the composite (bands rule, with the conditions' ``flags``)."""
        if self.rubric.rule == "matrix":
            return self.matrix_rank(self.categories(self.matrix_rows, dims[..., self.matrix_rows]),
                                    self.categories(self.matrix_cols, dims[..., self.matrix_cols]))
        if composite is None:
            raise ValueError("a bands rubric needs the composite")
        return self.apply_conditions(self.band_predikat(composite), composite, flags or {})


def _band_loop(x: np.ndarray, band_min: np.ndarray, band_max: np.ndarray, min_inc: np.ndarray,
               max_inc: np.ndarray) -> np.ndarray:
    """Band index of each value of ``x`` by testing every band in turn (the last match wins)."""
    out = np.full(np.shape(x), -1, dtype=np.int64)
    for b in range(band_min.size):
        above = x >= band_min[b] if min_inc[b] else x > band_min[b]
        below = x <= band_max[b] if max_inc[b] else x < band_max[b]
        out = np.where(above & below, b, out)
    return out


def _band_table(band_min: np.ndarray, band_max: np.ndarray, min_inc: np.ndarray,
                max_inc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The bands as a step function: sorted distinct edges ``E`` (ending with +inf) and a
    table of ``2 len(E) + 1`` band indices. A value ``x`` reads slot
    ``searchsorted(E, x, "left") + searchsorted(E, x, "right")``: slot ``2i`` is the open
    interval below ``E[i]`` (above ``E[i - 1]``), slot ``2i + 1`` the edge ``E[i]`` itself,
    and the last slot only NaN (-1). Each slot is filled by the band-by-band test at one
    point of it, so the look-up gives exactly what that test gives."""
    edges = np.unique(np.concatenate([band_min, band_max, [np.inf]]))
    edges = edges[~np.isnan(edges)]
    probe = np.empty(2 * len(edges))
    probe[1::2] = edges
    probe[0] = np.nextafter(edges[0], -np.inf)
    probe[2::2] = np.nextafter(edges[:-1], np.inf)  # inside (E[i-1], E[i]) when it is not empty
    table = np.append(_band_loop(probe, band_min, band_max, min_inc, max_inc), -1)
    return edges, table


@lru_cache(maxsize=64)
def compile_rubric(rubric: Rubric) -> CompiledRubric:
    """Compile ``rubric`` (cached per content: equal rubrics share one compiled form)."""
    ids = [i.id for i in rubric.indicators]
    inputs = ids + [f.indicator for f in rubric.flags if f.indicator and f.indicator not in ids]
    dim_pos = {d.id: k for k, d in enumerate(rubric.dimensions)}
    rank = {p.id: p.rank for p in rubric.predikat}
    inds = rubric.indicators
    matrix_rows = matrix_cols = -1
    table = np.zeros((0, 0), dtype=np.int64)
    if rubric.rule == "matrix" and rubric.matrix is not None:
        m = rubric.matrix
        matrix_rows, matrix_cols = dim_pos[m.rows], dim_pos[m.columns]
        rcat = [c.id for c in rubric.dimension(m.rows).categories]
        ccat = [c.id for c in rubric.dimension(m.columns).categories]
        table = np.array([[rank[m.cells[(r, c)]] for c in ccat] for r in rcat], dtype=np.int64)
    bands = rubric.bands
    band_min = np.array([b.min for b in bands], dtype=float)
    band_max = np.array([b.max for b in bands], dtype=float)
    band_min_inc = np.array([b.min_inclusive for b in bands], dtype=bool)
    band_max_inc = np.array([b.max_inclusive for b in bands], dtype=bool)
    edges, slots = _band_table(band_min, band_max, band_min_inc, band_max_inc)
    return CompiledRubric(
        rubric=rubric,
        inputs=tuple(inputs),
        roles=tuple(RATER_ROLES),
        ind_lo=np.array([i.scale.min for i in inds], dtype=float),
        ind_span=np.array([i.scale.max - i.scale.min for i in inds], dtype=float),
        ind_reverse=np.array([i.direction == "lower_is_better" for i in inds], dtype=bool),
        ind_dim=np.array([dim_pos[i.dimension] for i in inds], dtype=np.int64),
        dim_lo=np.array([d.scale.min for d in rubric.dimensions], dtype=float),
        dim_span=np.array([d.scale.max - d.scale.min for d in rubric.dimensions], dtype=float),
        thresholds=tuple(np.array([c.min for c in d.categories[1:]], dtype=float)
                         for d in rubric.dimensions),
        band_min=band_min,
        band_max=band_max,
        band_min_inc=band_min_inc,
        band_max_inc=band_max_inc,
        band_rank=np.array([rank[b.predikat] for b in bands], dtype=np.int64),
        matrix_rows=matrix_rows,
        matrix_cols=matrix_cols,
        matrix_table=table,
        conditions=tuple((rank[c.replaces], rank[c.predikat], float(c.min), c.flag)
                         for c in rubric.conditions),
        pred_rank=rank,
        band_edges=edges,
        band_table=slots,
        band_rank_table=np.array([rank[bands[b].predikat] if b >= 0 else -1 for b in slots], dtype=np.int64),
    )


