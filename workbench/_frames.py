"""Helpers that every core module needs for long tables, pandas or Dask alike.

Examples
--------
>>> import pandas as pd
>>> is_dask(pd.DataFrame())
False
>>> check_columns(pd.DataFrame({"a": [1]}), {"subject": "employee_id"}, "icc")
Traceback (most recent call last):
...
workbench.errors.DataContractError: `icc`: column(s) not found: subject='employee_id'. The table has columns ['a']; pass the right column names as keywords (e.g. subject='employee_id', rater='rater_id', score='score'), or join roster columns first with ds.with_roster([...]).
"""

from __future__ import annotations

from typing import Any

from workbench.errors import DataContractError

__all__ = ["check_columns", "is_dask", "to_pandas"]


def is_dask(df: Any) -> bool:
    """Return True for a Dask DataFrame or Series (checked without importing Dask)."""
    return type(df).__module__.split(".")[0] in ("dask", "dask_expr")


def to_pandas(df: Any) -> Any:
    """Compute a Dask DataFrame (only call this on aggregates or small selections)."""
    return df.compute() if is_dask(df) else df


def check_columns(df: Any, columns: dict[str, str], func: str) -> None:
    """Raise :class:`DataContractError` unless every column named in ``columns`` exists.

    ``columns`` maps the argument name (``subject``) to the column name given.
    """
    if not hasattr(df, "columns"):
        raise DataContractError(
            f"`{func}` needs a long DataFrame (one row per rating); got {type(df).__name__}.")
    have = list(df.columns)
    missing = {arg: col for arg, col in columns.items() if col not in have}
    if missing:
        what = ", ".join(f"{arg}={col!r}" for arg, col in missing.items())
        raise DataContractError(
            f"`{func}`: column(s) not found: {what}. The table has columns {have}; pass the right "
            "column names as keywords (e.g. subject='employee_id', rater='rater_id', score='score'), "
            "or join roster columns first with ds.with_roster([...]).")
