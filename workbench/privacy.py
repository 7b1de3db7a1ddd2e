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

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from workbench.errors import ParameterError

__all__ = [
    "DEFAULT_MIN_CELL",
    "MIN_CELL_FLOOR",
    "NIP_PATTERN",
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

NIP_PATTERN = re.compile(r"(?<!\d)\d{18}(?!\d)")
"""An 18-digit NIP anywhere in a text."""


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
    """
    found = NIP_PATTERN.findall(text)
    for name in names:
        if name and str(name) in text:
            found.append(str(name))
    return found
