"""Long table -> subjects x raters cells: the one aggregation step of the suite.

Every coefficient in :mod:`workbench.reliability` starts from the *cell table*: one
row per (subject, rater) cell with the number of ratings, their sum and their sum of
squares. It is a group-by aggregate, so it is computed the same way from a pandas or
a Dask DataFrame (``df.groupby([subject, rater]).agg(...)``; only that aggregate is
brought into memory with ``.compute()``). For pandas input a faster equivalent
(factorize + ``np.bincount``) produces the identical table.

Orientation is subjects x raters everywhere: ``Cells.subject`` holds integer codes
``0 .. n_subjects - 1`` and ``Cells.rater`` codes ``0 .. n_raters - 1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import DataContractError

__all__ = ["Cells", "cells", "check_columns", "is_dask", "require_min"]

_DENSE_LIMIT = 20_000_000  # subject x rater grids up to this size are counted densely


def is_dask(df: Any) -> bool:
    """Return True for a Dask DataFrame (checked without importing Dask)."""
    return type(df).__module__.split(".")[0] == "dask"


def check_columns(df: Any, columns: dict[str, str], func: str) -> None:
    """Raise :class:`DataContractError` unless every column named in ``columns`` exists.

    ``columns`` maps the argument name (``subject``) to the column name given.
    """
    if not hasattr(df, "columns"):
        raise DataContractError(
            f"`{func}` needs a long DataFrame (one row per rating); got {type(df).__name__}."
        )
    have = list(df.columns)
    missing = {arg: col for arg, col in columns.items() if col not in have}
    if missing:
        what = ", ".join(f"{arg}={col!r}" for arg, col in missing.items())
        raise DataContractError(
            f"`{func}`: column(s) not found: {what}. The table has columns {have}; "
            f"pass the right names, e.g. {func}(df, subject='employee_id', "
            f"rater='rater_id', score='score')."
        )


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
        Number of ratings in the cell, their sum and their sum of squares.
    subject_labels, rater_labels
        The labels behind the codes.
    names
        The column names used: ``(subject, rater, score)``.
    """

    subject: np.ndarray
    rater: np.ndarray
    count: np.ndarray
    total: np.ndarray
    total_sq: np.ndarray
    subject_labels: pd.Index
    rater_labels: pd.Index
    names: tuple[str, str, str]

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


def _from_codes(
    s_codes: np.ndarray,
    r_codes: np.ndarray,
    y: np.ndarray,
    s_labels: pd.Index,
    r_labels: pd.Index,
    names: tuple[str, str, str],
) -> Cells:
    n_r = max(len(r_labels), 1)
    key = s_codes.astype(np.int64) * n_r + r_codes
    if len(s_labels) * n_r <= _DENSE_LIMIT:
        size = len(s_labels) * n_r
        cnt = np.bincount(key, minlength=size)
        present = np.flatnonzero(cnt)
        if present.size == key.size:  # one rating per cell: the cells are the rows
            return Cells(
                subject=s_codes.astype(np.int64, copy=False),
                rater=r_codes.astype(np.int64, copy=False),
                count=np.ones(key.size, dtype=np.int64),
                total=y,
                total_sq=y * y,
                subject_labels=s_labels,
                rater_labels=r_labels,
                names=names,
            )
        tot = np.bincount(key, weights=y, minlength=size)[present]
        tsq = np.bincount(key, weights=y * y, minlength=size)[present]
        cnt = cnt[present]
        ukey = present
    else:
        codes, ukey = pd.factorize(key, sort=True)
        cnt = np.bincount(codes)
        tot = np.bincount(codes, weights=y)
        tsq = np.bincount(codes, weights=y * y)
    return Cells(
        subject=(ukey // n_r).astype(np.int64),
        rater=(ukey % n_r).astype(np.int64),
        count=cnt.astype(np.int64),
        total=tot,
        total_sq=tsq,
        subject_labels=s_labels,
        rater_labels=r_labels,
        names=names,
    )


def _factorize(values: pd.Series, sort: bool) -> tuple[np.ndarray, pd.Index]:
    """Integer codes and labels; integer ids in a compact range skip hashing (labels sorted)."""
    if values.dtype.kind in "iu" and len(values):
        x = values.to_numpy()
        lo, hi = int(x.min()), int(x.max())
        if hi - lo <= 4 * x.size + 1024:
            present = np.bincount(x - lo, minlength=hi - lo + 1) > 0
            mapping = np.cumsum(present) - 1
            return mapping[x - lo], pd.Index(np.flatnonzero(present) + lo)
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
        s_codes, s_labels = pd.factorize(agg[subject], sort=True)
        r_codes, r_labels = pd.factorize(agg[rater], sort=True)
        n_r = max(len(r_labels), 1)
        order = np.argsort(s_codes.astype(np.int64) * n_r + r_codes, kind="stable")
        return Cells(
            subject=s_codes[order].astype(np.int64),
            rater=r_codes[order].astype(np.int64),
            count=agg["_n"].to_numpy(np.int64)[order],
            total=agg["_s"].to_numpy(np.float64)[order],
            total_sq=agg["_q"].to_numpy(np.float64)[order],
            subject_labels=pd.Index(s_labels),
            rater_labels=pd.Index(r_labels),
            names=names,
        )
    y = _numeric(df[score], score, func)
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
