"""Stage 2 of scoring: the wide table -> dimension scores, categories, composite, predikat
and explanation (:func:`finish`, and :func:`finish_table` on arrays).

The wide table has one row per employee and period: the key columns, one column per input
indicator (the rater-combined value on the indicator's own scale, see
:func:`workbench.rubric._compute.indicator_table`), ``n_ratings`` and the roster columns
joined to it. :class:`WideTable` reads it either from a DataFrame (a Dask partition, the
roster's employees with no rating) or from the in-memory scorer's arrays: the indicator
values as one ``(n, inputs)`` array, never copied into a DataFrame, and the roster columns
taken by code. The rows are worked in blocks that stay in cache; each row gets exactly the
arithmetic it would get on the whole table.

Examples
--------
>>> import numpy as np
>>> import pandas as pd
>>> import workbench as wb
>>> rubric = wb.load_rubric("permenpanrb-6-2022")
>>> table = WideTable(values=np.array([[3.0, 2.0], [1.0, np.nan]]), ids=("hasil_kerja", "perilaku_kerja"),
...                   period=pd.array(["2025", "2025"]), employee_id=pd.array(["a", "b"]),
...                   n_ratings=np.array([2, 1]), columns={})
>>> out = finish_table(table, rubric, rubric.weights["baseline"], "en")
>>> out["predikat"].tolist()
['Good', nan]
>>> out["explanation"].iloc[1]
'Not scored: Work behaviour: no ratings for perilaku_kerja'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from workbench.data.normalize import canonical_name
from workbench.rubric._compiled import compile_rubric
from workbench.rubric.explain import band_phrases, matrix_explanations, message
from workbench.rubric.model import Dimension, Rubric, WeightSet

__all__ = ["IND_PREFIX", "WideTable", "finish", "finish_table"]

IND_PREFIX = "indicator:"
"""Prefix of the indicator columns in the wide table (ids may equal dimension ids)."""

TRUE_TEXTS = frozenset({"1", "true", "ya", "y", "yes", "benar", "ada"})
"""What a yes/no indicator cell may say for yes (compared stripped and in lower case)."""

_BLOCK = 1 << 16
"""Values (rows x indicators) per block of a dimension's arithmetic (about 0.5 MB a temporary)."""


@dataclass(frozen=True, eq=False)
class WideTable:
    """The wide table as the finishing stage reads it.

    Either ``frame`` (a wide DataFrame: its ``indicator:<id>`` columns, keys, ``n_ratings``
    and roster columns are read from it) or the arrays: ``values`` ``(n, len(ids))`` with
    the indicator ``ids`` of its columns, the key arrays ``period`` and ``employee_id``,
    ``n_ratings`` and the roster ``columns`` (Series aligned to the rows, positional).
    """

    values: np.ndarray | None = None
    ids: tuple[str, ...] = ()
    period: Any = None
    employee_id: Any = None
    n_ratings: np.ndarray | None = None
    columns: Mapping[str, pd.Series] = field(default_factory=dict)
    frame: pd.DataFrame | None = None

    @classmethod
    def from_frame(cls, wide: pd.DataFrame) -> WideTable:
        """A table that reads the wide DataFrame ``wide``."""
        return cls(frame=wide)

    def __len__(self) -> int:
        return len(self.frame) if self.frame is not None else len(self.period)

    @property
    def index(self) -> pd.Index:
        """The rows' index: the frame's, else 0 .. n-1."""
        return self.frame.index if self.frame is not None else pd.RangeIndex(len(self))

    def has(self, name: str) -> bool:
        """Whether the table has the (non-indicator) column ``name``."""
        if self.frame is not None:
            return name in self.frame
        return name in self.columns or name in ("period", "employee_id", "n_ratings")

    def column(self, name: str) -> pd.Series:
        """The (non-indicator) column ``name`` as a Series."""
        if self.frame is not None:
            return self.frame[name]
        if name in self.columns:
            return self.columns[name]
        value = {"period": self.period, "employee_id": self.employee_id, "n_ratings": self.n_ratings}[name]
        return pd.Series(value, index=self.index, copy=False)

    def key_array(self, name: str) -> Any:
        """The key column ``name`` (``period`` or ``employee_id``) as an array."""
        if self.frame is not None:
            return self.frame[name].array
        return self.period if name == "period" else self.employee_id

    def has_indicator(self, ind: str) -> bool:
        """Whether the table has the indicator ``ind``."""
        return (IND_PREFIX + ind in self.frame) if self.frame is not None else ind in self.ids

    def block(self, ids: list[str]) -> np.ndarray:
        """The indicators ``ids`` as a float ``(n, len(ids))`` array: a view of ``values``
        when they are adjacent columns in that order (never written to)."""
        if self.frame is not None:
            return self.frame[[IND_PREFIX + i for i in ids]].to_numpy(dtype=float)
        assert self.values is not None
        missing = [i for i in ids if i not in self.ids]
        if missing:
            raise KeyError(f"{[IND_PREFIX + i for i in missing]} not in the wide table")
        pos = [self.ids.index(i) for i in ids]
        if pos and pos == list(range(pos[0], pos[0] + len(pos))):
            return self.values[:, pos[0]:pos[0] + len(pos)]
        return self.values[:, pos]

    def ratings_count(self) -> np.ndarray:
        """``n_ratings`` as an array."""
        if self.frame is not None:
            return self.frame["n_ratings"].to_numpy()
        return np.asarray(self.n_ratings)


def _reason_texts(missing: np.ndarray, label: str, names: list[str], lang: str) -> tuple[np.ndarray, list[str]]:
    """Codes into a list of texts "<label>: no ratings for a, b", one text per distinct
    pattern of missing indicators (rows of ``missing``; code -1 where nothing is missing)."""
    code = np.full(len(missing), -1, dtype=np.int64)
    rows = np.flatnonzero(missing.any(axis=1)) if missing.size else np.zeros(0, dtype=np.int64)
    if not len(rows):
        return code, []
    patterns, inverse = np.unique(missing[rows], axis=0, return_inverse=True)
    code[rows] = inverse.ravel()
    texts = [f"{label}: {message('no_ratings', lang)} "
             + ", ".join(n for n, m in zip(names, pat, strict=True) if m) for pat in patterns]
    return code, texts


def _dimension_block(x: np.ndarray, wrow: np.ndarray | None, wvec: np.ndarray, dim: Dimension,
                     lo: np.ndarray, span: np.ndarray,
                     rev: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """One block of rows of a dimension: its score per row, whether the row is left
    unscored, and, when an indicator is missing, the missing-and-weighted indicators of
    the unscored rows (``None`` when nothing is missing). ``x``: the block's indicator
    values (not written to); ``wrow`` the per-row weights (indicators that apply only to
    some posts) or ``None`` (``wvec`` for every row)."""
    v = np.array(x, dtype=float, order="C", copy=True)  # (a C-ordered block of its own, worked in place)
    v -= lo
    v /= span
    if rev.any():
        v[:, rev] = 1 - v[:, rev]
    v *= dim.scale.max - dim.scale.min
    v += dim.scale.min
    per_row = wrow is not None
    nan = np.isnan(v)
    has_nan = bool(nan.any())
    missing = None
    if has_nan or per_row:
        missing = nan & ((wrow > 0) if wrow is not None else (wvec > 0)[None, :])
        if dim.missing == "renormalise":
            wrow = np.where(nan, 0.0, wrow if wrow is not None else wvec[None, :])
            per_row = True
        np.copyto(v, 0.0, where=nan)
    del nan
    w = wrow if per_row and wrow is not None else wvec[None, :]
    # (same summation as a per-row weight matrix would get)
    total = w.sum(axis=1) if per_row else np.full(len(v), wvec[None, :].sum(axis=1)[0])
    with np.errstate(invalid="ignore", divide="ignore"):
        if dim.aggregation == "weighted_mean":
            v *= w  # (v is not read again)
            s = v.sum(axis=1)
            s /= total
        elif dim.aggregation == "geometric_mean":
            logs = np.where(w > 0, w * np.log(np.where(v > 0, v, 1.0)), 0.0)
            zero = ((v <= 0) & (w > 0)).any(axis=1)
            s = np.where(zero, 0.0, np.exp(logs.sum(axis=1) / total))
        else:
            s = np.where(w > 0, v, np.inf).min(axis=1)
    bad = total <= 0
    if dim.missing == "propagate" and has_nan and missing is not None:
        bad |= missing.any(axis=1)
    s[bad] = np.nan
    if not has_nan or missing is None:
        return s, bad, None
    missing &= bad[:, None]
    return s, bad, missing


def _dimension_values(table: WideTable, rubric: Rubric, dim: Dimension, ws: WeightSet,
                      lang: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """One dimension's score per row and, where it cannot be computed, the reason: a code
    per row (-1 when scored) into a list of texts (one per distinct pattern of missing
    indicators, so no string is built per row).

    Per block of rows (C order, so the row sums keep numpy's pairwise order): the values
    rescaled onto the dimension's scale (reversed for ``lower_is_better``), missing ones
    blanked or renormalised over, then aggregated."""
    n = len(table)
    compiled = compile_rubric(rubric)
    inds = [rubric.indicator(i) for i in dim.indicators]
    pos = [compiled.inputs.index(i.id) for i in inds]
    source = table.block([i.id for i in inds])
    lo, span, rev = compiled.ind_lo[pos], compiled.ind_span[pos], compiled.ind_reverse[pos]
    wvec = np.array([ws.indicators.get(i.id, 0.0) for i in inds])
    applies: list[tuple[int, np.ndarray]] = []
    for j, ind in enumerate(inds):
        if ind.applies_to is not None:
            col = ind.applies_to.column
            ok = table.column(col).isin(ind.applies_to.values).to_numpy() if table.has(col) else np.zeros(n, bool)
            applies.append((j, ok))
    s = np.empty(n)
    bad = np.empty(n, dtype=bool)
    missing: np.ndarray | None = None  # (n, k), made when a block leaves a row unscored for a missing one
    step = max(_BLOCK // max(len(inds), 1), 64)
    for a in range(0, n, step):
        b = min(a + step, n)
        wrow = None
        if applies:
            wrow = np.repeat(wvec[None, :], b - a, axis=0)
            for j, ok in applies:
                wrow[~ok[a:b], j] = 0.0
        s[a:b], bad[a:b], miss = _dimension_block(source[a:b], wrow, wvec, dim, lo, span, rev)
        if miss is not None and miss.any():
            if missing is None:
                missing = np.zeros((n, len(inds)), dtype=bool)
            missing[a:b] = miss
    label = dim.label.get(lang)  # type: ignore[arg-type]
    if missing is not None:
        code, texts = _reason_texts(missing, label, list(dim.indicators), lang)
    else:
        code, texts = np.full(n, -1, dtype=np.int64), []
    unnamed = bad & (code < 0)
    if unnamed.any():  # e.g. every weight zero: nothing to name
        texts.append(f"{label}: {message('no_ratings', lang)} ")
        code[unnamed] = len(texts) - 1
    return s, code, texts


def _flag(table: WideTable, rubric: Rubric, flag_id: str) -> np.ndarray:
    flag = next(f for f in rubric.flags if f.id == flag_id)
    out = np.zeros(len(table), dtype=bool)
    if flag.roster_column and table.has(flag.roster_column):
        col = table.column(flag.roster_column)
        out |= canonical_name(col.astype(str)).isin(TRUE_TEXTS).to_numpy() | (
            pd.to_numeric(col, errors="coerce").fillna(0).to_numpy() > 0)
    if flag.indicator and table.has_indicator(flag.indicator):
        out |= np.nan_to_num(table.block([flag.indicator])[:, 0]) > 0
    return out


def _combine(codes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """One code per row for a tuple of codes (each ``>= -1``): ``(code, distinct tuples as
    rows, in code order)``; the explanation is then built once per distinct tuple.

    The codes are numbered in order of first appearance (as ``pd.factorize`` numbers), so
    each tuple's first row is where the running maximum of the code grows."""
    n = len(codes[0])
    flat = np.zeros(n, dtype=np.int64)
    for c in codes:
        if n and c.max() >= 0:
            flat, _ = pd.factorize(flat * (int(c.max()) + 2) + (c + 1))
    if n:
        top = np.maximum.accumulate(flat)
        new = np.empty(n, dtype=bool)
        new[0] = True
        np.greater(top[1:], top[:-1], out=new[1:])
        first = np.flatnonzero(new)
    else:
        first = np.zeros(0, dtype=np.intp)
    return flat, np.stack([c[first] for c in codes], axis=1)


def finish_table(table: WideTable, rubric: Rubric, ws: WeightSet,
                 lang: Literal["id", "en"] = "id") -> pd.DataFrame:
    """:func:`finish` on a :class:`WideTable`, without the indicator columns."""
    return pd.DataFrame(_finish_columns(table, rubric, ws, lang), index=table.index, copy=False)


def _finish_columns(table: WideTable, rubric: Rubric, ws: WeightSet, lang: Literal["id", "en"]) -> dict[str, object]:
    """The columns of :func:`finish_table`, in order.

    Explanations are built once per distinct combination of what decides them (matrix
    cell or band and condition, the composite rounded to 2 decimals, the reasons a row
    cannot be scored) and mapped onto the rows.
    """
    n = len(table)
    n_pred = len(rubric.predikat)
    compiled = compile_rubric(rubric)
    index = table.index
    cols: dict[str, object] = {
        "period": table.key_array("period"), "employee_id": table.key_array("employee_id"),
        "unit": table.column("unit").array if table.has("unit") else pd.array([pd.NA] * n, dtype="str")}
    scores: dict[str, np.ndarray] = {}
    cat_idx: dict[str, np.ndarray] = {}
    why_codes: list[np.ndarray] = []
    why_texts: list[list[str]] = []
    for d, dim in enumerate(rubric.dimensions):
        s, code, texts = _dimension_values(table, rubric, dim, ws, lang)
        scores[dim.id] = s
        cols[dim.id] = s
        why_codes.append(code)
        why_texts.append(texts)
        if dim.categories:
            cat_idx[dim.id] = compiled.categories(d, s)
            labels = [c.label.get(lang) for c in dim.categories]
            cols[dim.id + "_category"] = pd.Categorical.from_codes(
                cat_idx[dim.id].astype(np.int64), categories=pd.Index(labels), ordered=True)
    rank = np.full(n, -1)
    parts: list[np.ndarray] = []  # codes that decide the explanation
    if rubric.rule == "matrix" and rubric.matrix is not None:
        m = rubric.matrix
        n_cols = compiled.matrix_table.shape[1]
        ri, ci = cat_idx[m.rows], cat_idx[m.columns]
        ok = (ri >= 0) & (ci >= 0)
        rank = compiled.matrix_rank(ri, ci)
        texts = matrix_explanations(rubric, lang)
        cell = np.where(ok, np.maximum(ri, 0) * n_cols + np.maximum(ci, 0), -1)
        parts = [cell]
        cols["composite"] = np.full(n, np.nan)

        def decided(c: np.ndarray) -> str:
            return texts[c[0]] if c[0] >= 0 else ""
    else:
        comp = np.zeros(n)
        for dim in rubric.dimensions:
            comp = comp + ws.dimensions[dim.id] * scores[dim.id]
        comp = compiled.snap(comp)  # rounding past the scale's ends puts no one outside it
        cols["composite"] = comp
        phrases = band_phrases(rubric, lang)
        band_idx = compiled.band_index(comp)
        rank = np.where(band_idx >= 0, compiled.band_rank[np.maximum(band_idx, 0)], -1)
        phrase = np.where(band_idx >= 0, band_idx, -1)
        all_phrases = list(phrases)
        for c, (replaces, target, low, flag_id) in enumerate(compiled.conditions):
            flag = _flag(table, rubric, flag_id)
            cols[flag_id] = flag
            hit = (rank == replaces) & (comp >= low)
            rank = np.where(hit & flag, target, rank)
            extra = band_phrases(rubric, lang, condition=c)
            k = len(all_phrases)
            all_phrases += extra
            phrase = np.where(hit & flag, k, np.where(hit & ~flag, k + 1, phrase))
        label = rubric.composite_label.get(lang) if rubric.composite_label else "Nilai"
        value_code, value_uni = pd.factorize(np.round(comp, 2), use_na_sentinel=False)
        values = pd.Series(np.asarray(value_uni, dtype=float)).astype(str).tolist()
        parts = [value_code.astype(np.int64), phrase]

        def decided(c: np.ndarray) -> str:
            return f"{label} {values[c[0]]} {all_phrases[c[1]] if c[1] >= 0 else ''}"
    n_dec = len(parts)
    code, combos = _combine(parts + why_codes)
    not_scored = message("not_scored", lang)
    texts_out = []
    for combo in combos:
        why = [why_texts[d][k] for d, k in enumerate(combo[n_dec:]) if k >= 0]
        texts_out.append(f"{not_scored}: {'; '.join(why)}" if why else decided(combo[:n_dec]))
    labels = [p.label.get(lang) for p in reversed(rubric.predikat)]
    codes = np.where(rank >= 0, n_pred - 1 - rank, -1)
    cols["predikat"] = pd.Categorical.from_codes(codes.astype(np.int64), categories=pd.Index(labels),
                                                 ordered=True)
    explanation = np.asarray(texts_out, dtype=object)[code] if n else np.empty(0, dtype=object)
    cols["explanation"] = pd.Series(explanation, index=index, dtype=object, copy=False)
    cols["n_ratings"] = table.ratings_count()
    return cols


def finish(wide: pd.DataFrame, rubric: Rubric, ws: WeightSet, lang: Literal["id", "en"] = "id") -> pd.DataFrame:
    """Dimension scores and categories, composite, predikat and explanation per row of the
    wide table ``wide`` (see :func:`finish_table`), then its indicator columns as they are.
    """
    cols = _finish_columns(WideTable.from_frame(wide), rubric, ws, lang)
    for col in wide.columns:
        if col.startswith(IND_PREFIX):
            cols[col] = wide[col].to_numpy()
    return pd.DataFrame(cols, index=wide.index, copy=False)
