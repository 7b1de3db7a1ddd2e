"""Long table -> subjects x raters cells: the one aggregation step of the suite.

Every coefficient in :mod:`workbench.reliability` starts from the *cell table*: one
row per (subject, rater) cell with the number of ratings, their sum and their sum of
squares. It is a group-by aggregate, so it is computed the same way from a pandas or
a Dask DataFrame (``df.groupby([subject, rater]).agg(...)``; only that aggregate is
brought into memory with ``.compute()``). For pandas input a faster equivalent
(factorize + ``np.bincount``) produces the identical table: integer ids in a compact
range are used as codes directly, pyarrow string ids grouped in runs (the usual export,
one employee's ratings on consecutive rows) hash only the run heads, and when every cell
holds one rating the rows *are* the cells (nothing is copied). A complete design also
gets its dense subjects x raters ``grid`` (one scatter, or a reshape when the rows are
already in cell order).

Orientation is subjects x raters everywhere: ``Cells.subject`` holds integer codes
``0 .. n_subjects - 1`` and ``Cells.rater`` codes ``0 .. n_raters - 1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench._frames import check_columns, is_dask
from workbench.errors import DataContractError

__all__ = ["Cells", "cells", "check_columns", "check_finite", "is_dask", "require_min"]

_DENSE_LIMIT = 20_000_000  # subject x rater grids up to this size are counted densely
_RUN_PROBE = 4096  # rows probed before looking for runs of equal ids






def check_finite(values: np.ndarray, index: Any, column: str, func: str) -> None:
    """Raise :class:`DataContractError` when a score is +/-inf, naming the rows.

    A missing score (NaN) is a missing rating; an infinite one is an error in the data
    (a division by zero upstream, a bad export) and would otherwise turn into a silent
    NaN in one coefficient and a category of its own in another. ``index``: the row
    labels (None when unknown, e.g. after a Dask aggregation).
    """
    bad = np.isinf(values)
    if not bad.any():
        return
    rows = np.flatnonzero(bad)
    lines = np.asarray(index)[rows] if index is not None else np.full(rows.size, np.nan)
    cases = pd.DataFrame({"file": "", "line": lines, "column": column, "value": values[rows],
                          "reason": "infinite score"})
    shown = ", ".join(str(x) for x in lines[:5]) + (" ..." if rows.size > 5 else "")
    where = f" (rows {shown})" if index is not None else ""
    raise DataContractError(
        f"`{func}`: {rows.size} score(s) in column {column!r} are infinite{where}; a score must "
        "be a finite number on the indicator's scale. Fix those rows or drop them "
        f"(df[np.isfinite(df[{column!r}])]).", failure_cases=cases)


def require_min(count: int, minimum: int, what: str, func: str, fix: str) -> None:
    """Raise :class:`DataContractError` when ``count < minimum`` (what, where, how to fix)."""
    if count < minimum:
        raise DataContractError(
            f"`{func}` needs at least {minimum} {what}; the data have {count}. {fix}"
        )


@dataclass(frozen=True, eq=False)
class Cells:
    """The cell table: one entry per (subject, rater) cell that holds a rating.

    Attributes
    ----------
    subject, rater
        Integer codes of the cell's subject and rater.
    count, total, total_sq
        Number of ratings in the cell, their sum and their sum of squares (``count``
        may be a read-only broadcast of 1 when every cell holds one rating).
    subject_labels, rater_labels
        The labels behind the codes.
    names
        The column names used: ``(subject, rater, score)``.
    grid
        For a complete design with one rating per cell (every subject rated by every
        rater once), the ``n_subjects x n_raters`` array of ratings; else None.
    """

    subject: np.ndarray
    rater: np.ndarray
    count: np.ndarray
    total: np.ndarray
    _total_sq: np.ndarray | None
    subject_labels: pd.Index
    rater_labels: pd.Index
    names: tuple[str, str, str]
    grid: np.ndarray | None = None

    @property
    def total_sq(self) -> np.ndarray:
        """Sum of squares of each cell's ratings (computed on demand for single ratings)."""
        if self._total_sq is None:
            return self.total * self.total
        return self._total_sq

    @property
    def n_subjects(self) -> int:
        return len(self.subject_labels)

    @property
    def n_raters(self) -> int:
        return len(self.rater_labels)

    @property
    def value(self) -> np.ndarray:
        """The rating of each cell (the mean if a cell holds several)."""
        return self.total / self.count

    def require_single(self, func: str) -> None:
        """Raise :class:`DataContractError` if any cell holds more than one rating."""
        dup = self.count > 1
        if not dup.any():
            return
        subject, rater, _ = self.names
        idx = np.flatnonzero(dup)
        first = idx[:5]
        cases = pd.DataFrame(
            {
                "file": "",
                "line": np.nan,
                "column": rater,
                "value": [
                    f"{self.subject_labels[s]!s}/{self.rater_labels[r]!s}"
                    for s, r in zip(self.subject[first], self.rater[first], strict=True)
                ],
                "reason": [f"{c} ratings in one {subject} x {rater} cell" for c in self.count[first]],
            }
        )
        example = cases["value"].iloc[0]
        raise DataContractError(
            f"`{func}` needs one rating per {subject} and {rater}; {idx.size} cells have "
            f"several (e.g. {subject}/{rater} {example} with {int(self.count[first[0]])} "
            f"ratings). Filter to one indicator first (df[df['indicator'] == ...]), average "
            f"them (df.groupby([{subject!r}, {rater!r}], as_index=False)[{self.names[2]!r}]"
            f".mean()), or use reliability.by_group(df, by='indicator').",
            failure_cases=cases,
        )


def _single(
    s_codes: np.ndarray,
    r_codes: np.ndarray,
    y: np.ndarray,
    s_labels: pd.Index,
    r_labels: pd.Index,
    names: tuple[str, str, str],
    grid: np.ndarray | None = None,
) -> Cells:
    """Cells of a table with one rating per cell: the cells are the rows, nothing copied."""
    return Cells(
        subject=s_codes.astype(np.int64, copy=False),
        rater=r_codes.astype(np.int64, copy=False),
        count=np.broadcast_to(np.int64(1), y.shape),
        total=y,
        _total_sq=None,
        subject_labels=s_labels,
        rater_labels=r_labels,
        names=names,
        grid=grid,
    )


def _from_codes(
    s_codes: np.ndarray,
    r_codes: np.ndarray,
    y: np.ndarray,
    s_labels: pd.Index,
    r_labels: pd.Index,
    names: tuple[str, str, str],
) -> Cells:
    n_s, n_r = len(s_labels), max(len(r_labels), 1)
    key = np.multiply(s_codes, n_r, dtype=np.int64)  # linear cell index subject * k + rater
    key += r_codes
    size = n_s * n_r
    if key.size == size and size and bool(np.all(key[1:] > key[:-1])):
        # rows in cell order, every cell once (the usual layout of a complete design)
        return _single(s_codes, r_codes, y, s_labels, r_labels, names, y.reshape(n_s, n_r))
    if size <= _DENSE_LIMIT:
        cnt = np.bincount(key, minlength=size)
        if key.size == 0 or cnt.max() <= 1:  # one rating per cell
            grid = None
            if key.size == size:  # complete design: scatter once into the dense grid
                flat = np.empty(size)
                flat[key] = y
                grid = flat.reshape(n_s, n_r)
            return _single(s_codes, r_codes, y, s_labels, r_labels, names, grid)
        present = np.flatnonzero(cnt)
        tot = np.bincount(key, weights=y, minlength=size)[present]
        tsq = np.bincount(key, weights=y * y, minlength=size)[present]
        cnt = cnt[present]
        ukey = present
    else:
        codes, ukey = pd.factorize(key, sort=True)
        cnt = np.bincount(codes)
        if cnt.size == key.size:  # one rating per cell (incomplete: no grid)
            return _single(s_codes, r_codes, y, s_labels, r_labels, names)
        tot = np.bincount(codes, weights=y)
        tsq = np.bincount(codes, weights=y * y)
    return Cells(
        subject=(ukey // n_r).astype(np.int64),
        rater=(ukey % n_r).astype(np.int64),
        count=cnt.astype(np.int64),
        total=tot,
        _total_sq=tsq,
        subject_labels=s_labels,
        rater_labels=r_labels,
        names=names,
    )


def _int_codes(x: np.ndarray) -> tuple[np.ndarray, pd.Index] | None:
    """Codes of integer ids in a compact range, without hashing (labels sorted); else None."""
    lo, hi = int(x.min()), int(x.max())
    if hi - lo > 4 * x.size + 1024:
        return None
    shifted = x - lo if lo else x
    present = np.bincount(shifted, minlength=hi - lo + 1) > 0
    if present.all():  # ids lo .. hi all used: the shifted ids are the codes
        return shifted, pd.Index(np.arange(lo, hi + 1, dtype=x.dtype))
    mapping = np.cumsum(present) - 1
    return mapping[shifted], pd.Index((np.flatnonzero(present) + lo).astype(x.dtype))


def _arrow(values: pd.Series) -> Any:
    """The pyarrow array behind a pyarrow-backed string column without nulls, else None."""
    dtype = values.dtype
    arrow_backed = (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow") or (
        isinstance(dtype, pd.ArrowDtype) and dtype.kind in "OU"
    )
    if not arrow_backed or len(values) < _RUN_PROBE:
        return None
    import pyarrow as pa

    arr = pa.array(values.array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.null_count or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    return arr


def _run_starts(arr: Any) -> np.ndarray | None:
    """First row of each run of equal consecutive ids, or None when the runs are short.

    Long tables are usually grouped by employee (all of an employee's ratings on
    consecutive rows); then only the run heads need hashing, or nothing at all when
    the heads are already in strictly increasing order.
    """
    import pyarrow.compute as pc

    n = len(arr)
    probe = arr.slice(0, _RUN_PROBE)
    if pc.sum(pc.not_equal(probe.slice(1), probe.slice(0, _RUN_PROBE - 1))).as_py() > _RUN_PROBE // 2:
        return None  # rows alternate between ids (e.g. a rater column): runs do not pay
    change = pc.not_equal(arr.slice(1), arr.slice(0, n - 1)).to_numpy(zero_copy_only=False)
    starts = np.flatnonzero(change)
    if starts.size >= n // 2:
        return None
    starts += 1
    return np.concatenate([np.zeros(1, dtype=starts.dtype), starts])


def _factorize_runs(
    values: pd.Series, arr: Any, starts: np.ndarray, sort: bool
) -> tuple[np.ndarray, pd.Index]:
    """Factorize a string column from its run heads (see :func:`_run_starts`)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    heads = arr.take(pa.array(starts))
    lengths = np.diff(np.append(starts, len(arr)))
    if len(heads) < 2 or pc.all(pc.less(heads.slice(0, len(heads) - 1), heads.slice(1))).as_py():
        # heads strictly increasing: all distinct and already sorted
        codes = np.repeat(np.arange(len(heads), dtype=np.int64), lengths)
        return codes, pd.Index(pd.array(heads, dtype=values.dtype))
    enc = pc.dictionary_encode(heads)  # dictionary in order of first appearance
    head_codes = enc.indices.to_numpy().astype(np.int64)
    labels = pd.Index(pd.array(enc.dictionary, dtype=values.dtype))
    if sort:
        order = np.asarray(labels.argsort())
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        head_codes = rank[head_codes]
        labels = labels[order]
    return np.repeat(head_codes, lengths), labels


def _factorize_arrow(values: pd.Series, arr: Any, sort: bool) -> tuple[np.ndarray, pd.Index]:
    """Factorize a pyarrow string column by dictionary encoding (codes not copied)."""
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(arr)  # dictionary in order of first appearance
    codes = enc.indices.to_numpy()
    labels = pd.Index(pd.array(enc.dictionary, dtype=values.dtype))
    if sort and len(labels) > 1:
        order = np.asarray(labels.argsort())
        if np.any(order != np.arange(order.size)):
            rank = np.empty_like(order)
            rank[order] = np.arange(order.size)
            codes = rank[codes]
            labels = labels[order]
    return codes, labels


def _factorize(values: pd.Series, sort: bool) -> tuple[np.ndarray, pd.Index]:
    """Integer codes and labels of an id column (labels sorted when ``sort``).

    Fast paths give the same codes and labels as ``pd.factorize(values, sort=sort)`` up
    to the order of the labels when ``sort=False``: integer ids in a compact range skip
    hashing (labels sorted), and pyarrow strings grouped in runs hash only the run heads.
    """
    if values.dtype.kind in "iu" and len(values):
        out = _int_codes(values.to_numpy())
        if out is not None:
            return out
    arr = _arrow(values)
    if arr is not None:
        starts = _run_starts(arr)
        if starts is not None:
            return _factorize_runs(values, arr, starts, sort)
        return _factorize_arrow(values, arr, sort)
    codes, labels = pd.factorize(values, sort=sort)
    return np.asarray(codes), pd.Index(labels)


def _numeric(values: Any, score: str, func: str) -> np.ndarray:
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataContractError(
            f"`{func}`: column {score!r} must hold numbers (the score on the indicator's "
            f"scale); convert it first, e.g. pd.to_numeric(df[{score!r}])."
        ) from exc


def cells(df: Any, subject: str, rater: str, score: str, func: str) -> Cells:
    """Aggregate a long table into its cell table (see :class:`Cells`).

    Rows with a missing score are missing ratings and are left out. Works for pandas
    and Dask DataFrames; for Dask only the aggregate is computed.
    """
    check_columns(df, {"subject": subject, "rater": rater, "score": score}, func)
    names = (subject, rater, score)
    if is_dask(df):
        part = df[[subject, rater, score]].dropna(subset=[score])
        part = part.assign(_sq=part[score] * part[score])
        agg = (
            part.groupby([subject, rater])
            .agg(_n=(score, "count"), _s=(score, "sum"), _q=("_sq", "sum"))
            .compute()
            .reset_index()
        )
        check_finite(agg["_s"].to_numpy(np.float64), None, score, func)
        s_codes, s_labels = pd.factorize(agg[subject], sort=True)
        r_codes, r_labels = pd.factorize(agg[rater], sort=True)
        count = agg["_n"].to_numpy(np.int64)
        if (count == 1).all():  # one rating per cell: the same cells as for pandas
            return _from_codes(s_codes, r_codes, agg["_s"].to_numpy(np.float64),
                               pd.Index(s_labels), pd.Index(r_labels), names)
        n_r = max(len(r_labels), 1)
        order = np.argsort(s_codes.astype(np.int64) * n_r + r_codes, kind="stable")
        return Cells(
            subject=s_codes[order].astype(np.int64),
            rater=r_codes[order].astype(np.int64),
            count=count[order],
            total=agg["_s"].to_numpy(np.float64)[order],
            _total_sq=agg["_q"].to_numpy(np.float64)[order],
            subject_labels=pd.Index(s_labels),
            rater_labels=pd.Index(r_labels),
            names=names,
        )
    y = _numeric(df[score], score, func)
    check_finite(y, df.index, score, func)
    keep = ~np.isnan(y)
    subj = df[subject]
    rat = df[rater]
    if not keep.all():
        subj, rat, y = subj[keep], rat[keep], y[keep]
    if subj.isna().any() or rat.isna().any():
        col = subject if subj.isna().any() else rater
        raise DataContractError(
            f"`{func}`: column {col!r} has missing ids in rows that hold a score; every "
            f"rating needs its {subject} and {rater}. Drop or fill those rows first."
        )
    # subjects in order of appearance (sorting 10^5+ labels costs more than all the rest)
    s_codes, s_labels = _factorize(subj, sort=False)
    r_codes, r_labels = _factorize(rat, sort=True)
    return _from_codes(s_codes, r_codes, y, s_labels, r_labels, names)
