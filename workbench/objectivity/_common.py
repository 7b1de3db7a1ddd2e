"""Shared pieces of the objectivity audit: input checks, cell table, FDR, result class.

Everything here works from group-by aggregates, so that a pandas and a Dask
DataFrame go through the same code: only the aggregate (one row per employee x
rater cell) is brought into memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from workbench._deprecation import MethodFrame
from workbench._frames import check_columns, is_dask, to_pandas
from workbench.errors import DataContractError, check_fraction
from workbench.reliability._long import check_finite
from workbench.results import ProvenanceMixin, frame_html

__all__ = [
    "CellTable",
    "RaterTable",
    "bh_qvalues",
    "cell_table",
    "check_columns",
    "check_level",
    "is_dask",
    "reject_infinite",
    "to_pandas",
]








def reject_infinite(df: Any, score: str, func: str) -> None:
    """Raise :class:`DataContractError` naming the rows whose score is +/-inf (pandas input;
    a Dask table is checked on its aggregates by the caller)."""
    if is_dask(df) or score not in df.columns:
        return
    col = df[score]
    if not pd.api.types.is_numeric_dtype(col):
        return
    check_finite(col.to_numpy(dtype=np.float64, na_value=np.nan), df.index, score, func)


def check_level(level: float, name: str = "level") -> None:
    """Raise :class:`ParameterError` unless ``0 < level < 1``."""
    check_fraction(name, level)


def bh_qvalues(pvals: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values); NaN p-values stay NaN."""
    p = np.asarray(pvals, dtype=float)
    q = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        q[ok] = stats.false_discovery_control(p[ok], method="bh")
    return q


@dataclass(frozen=True, eq=False)
class CellTable:
    """One row per (subject, rater) cell: integer codes, the cell mean and its count."""

    subject: np.ndarray
    rater: np.ndarray
    mean: np.ndarray
    count: np.ndarray
    subject_labels: pd.Index
    rater_labels: pd.Index

    @property
    def n_subjects(self) -> int:
        return len(self.subject_labels)

    @property
    def n_raters(self) -> int:
        return len(self.rater_labels)


def cell_table(df: Any, subject: str, rater: str, score: str, func: str) -> CellTable:
    """Aggregate a long table to its employee x rater cells (mean score and count).

    Rows with a missing score are missing ratings and are left out. For Dask input only
    the aggregate is computed.
    """
    check_columns(df, {"subject": subject, "rater": rater, "score": score}, func)
    reject_infinite(df, score, func)
    part = df[[subject, rater, score]].dropna(subset=[score])
    try:
        # dropna=False keeps rows with a missing id, so that the check below can report them
        agg = part.groupby([subject, rater], observed=True, dropna=False)[score].agg(["sum", "count"])
        agg = to_pandas(agg).reset_index()
    except TypeError as exc:
        raise DataContractError(
            f"`{func}`: column {score!r} must hold numbers (the score on the indicator's "
            f"scale); convert it first, e.g. pd.to_numeric(df[{score!r}])."
        ) from exc
    if agg[subject].isna().any() or agg[rater].isna().any():
        raise DataContractError(
            f"`{func}`: columns {subject!r} and {rater!r} must not be missing in rows that "
            "hold a score; drop or fill those rows first."
        )
    if len(agg) == 0:
        raise DataContractError(f"`{func}`: the table holds no scored ratings.")
    check_finite(agg["sum"].to_numpy(np.float64), None, score, func)
    s_codes, s_labels = pd.factorize(agg[subject].astype(str), sort=True)
    r_codes, r_labels = pd.factorize(agg[rater].astype(str), sort=True)
    count = agg["count"].to_numpy(np.float64)
    return CellTable(
        subject=np.asarray(s_codes, dtype=np.int64),
        rater=np.asarray(r_codes, dtype=np.int64),
        mean=agg["sum"].to_numpy(np.float64) / count,
        count=count,
        subject_labels=pd.Index(s_labels),
        rater_labels=pd.Index(r_labels),
    )


@dataclass(frozen=True, eq=False)
class RaterTable(ProvenanceMixin):
    """A tidy result table (usually one row per rater) with notes and provenance.

    ``to_frame()`` returns a copy of the table; ``summary()`` a summary table where the
    function makes one (e.g. one row per rater role), else None; ``notes`` holds
    plain-language remarks (raters left out and why); ``provenance`` is built from the
    input on first access.
    """

    title: str
    table: pd.DataFrame
    notes: tuple[str, ...] = ()
    summary_frame: pd.DataFrame | None = field(default=None, repr=False)
    parameters: dict[str, Any] = field(default_factory=dict, repr=False)
    _data: Any = field(default=None, repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """The result table (a copy)."""
        return self.table.copy()

    @property
    def summary(self) -> MethodFrame:
        """``summary()``: the summary table (a copy), or None. Reading ``.summary`` as a
        DataFrame (``result.summary.set_index(...)``) still works, with a DeprecationWarning."""
        def compute() -> pd.DataFrame | None:
            return None if self.summary_frame is None else self.summary_frame.copy()

        return MethodFrame(compute, "summary")

    @property
    def flagged(self) -> pd.DataFrame:
        """The rows with ``flag == True`` (empty if the table has no flag column)."""
        if "flag" not in self.table:
            return self.table.iloc[0:0].copy()
        return self.table[self.table["flag"].fillna(False).astype(bool)].copy()

    def _repr_html_(self) -> str:
        notes = "".join(f"<p>{n}</p>" for n in self.notes)
        extra = "" if self.summary_frame is None else frame_html("Summary", self.summary_frame)
        return frame_html(self.title, self.table) + extra + notes

    def __len__(self) -> int:
        return len(self.table)
