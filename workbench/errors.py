"""Exceptions raised by the workbench.

Every exception a user can cause derives from :class:`WorkbenchError`. A message
says *what* is wrong, *where* (file, line, column, or the YAML key) and *how to fix
it*. The command line and the dashboards turn these into one readable message,
never a traceback.

Examples
--------
>>> from workbench.errors import ParameterError, WorkbenchError
>>> issubclass(ParameterError, WorkbenchError)
True
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

__all__ = [
    "DataContractError",
    "ParameterError",
    "RubricError",
    "WorkbenchError",
    "check_fraction",
    "check_option",
]

FAILURE_COLUMNS = ["file", "line", "column", "value", "reason"]


class WorkbenchError(Exception):
    """Base class of every error the workbench raises on purpose."""


class DataContractError(WorkbenchError, ValueError):
    """Input data that cannot be read or breaks the data contract.

    Parameters
    ----------
    message
        What is wrong, where, and how to fix it.
    failure_cases
        The failing rows as data, with columns ``file, line, column, value, reason``.
    """

    def __init__(self, message: str, failure_cases: pd.DataFrame | None = None) -> None:
        super().__init__(message)
        if failure_cases is None:
            failure_cases = pd.DataFrame(columns=FAILURE_COLUMNS)
        self.failure_cases = failure_cases


class RubricError(WorkbenchError, ValueError):
    """A rubric (YAML) that is malformed or inconsistent.

    Parameters
    ----------
    message
        What is wrong and how to fix it.
    key
        The dotted YAML key at fault, e.g. ``weights.baseline.kolaboratif``.
    line
        The 1-based line of that key in the YAML file, when known.
    file
        The YAML file, when the rubric came from a file.
    """

    def __init__(
        self,
        message: str,
        key: str | None = None,
        line: int | None = None,
        file: str | None = None,
    ) -> None:
        where = []
        if file:
            where.append(str(file))
        if line is not None:
            where.append(f"line {line}")
        if key:
            where.append(f"key '{key}'")
        full = f"{message} ({', '.join(where)})" if where else message
        super().__init__(full)
        self.key = key
        self.line = line
        self.file = file


class ParameterError(WorkbenchError, ValueError):
    """A function argument outside its allowed values."""


def check_option(name: str, value: Any, allowed: Iterable[Any]) -> None:
    """Raise :class:`ParameterError` unless ``value`` is one of ``allowed``.

    The message follows one template: "`level` must be one of {...}; got 'ordnal'."

    Examples
    --------
    >>> check_option("level", "ordinal", ["nominal", "ordinal"])
    >>> check_option("level", "ordnal", ["nominal", "ordinal"])
    Traceback (most recent call last):
    ...
    workbench.errors.ParameterError: `level` must be one of {'nominal', 'ordinal'}; got 'ordnal'.
    """
    allowed = list(allowed)
    if value not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        raise ParameterError(f"`{name}` must be one of {{{options}}}; got {value!r}.")


def check_fraction(name: str, value: Any) -> None:
    """Raise :class:`ParameterError` unless ``0 < value < 1`` (a confidence level, a target).

    Examples
    --------
    >>> check_fraction("confidence", 0.95)
    >>> check_fraction("confidence", 95)
    Traceback (most recent call last):
    ...
    workbench.errors.ParameterError: `confidence` must lie strictly between 0 and 1 (e.g. 0.95); got 95.
    """
    try:
        ok = 0 < float(value) < 1
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ParameterError(f"`{name}` must lie strictly between 0 and 1 (e.g. 0.95); got {value!r}.")
