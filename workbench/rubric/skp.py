"""The per-activity SKP formula of PP 46/2011 (Perka BKN 1/2013), vectorised.

Notation: TO/RO target/realised output (quantity), TK/RK target/realised quality,
TW/RW target/realised time, TB/RB target/realised cost.

* kuantitas = RO / TO x 100
* kualitas = RK / TK x 100
* waktu: efficiency ``e = 100 - RW / TW x 100``; if ``e <= 24``:
  ``((1.76 TW - RW) / TW) x 100``; else ``76 - ((((1.76 TW - RW) / TW) x 100) - 100)``
* biaya: the same rule with TB/RB, only where the activity has a cost target
* activity value = sum of the aspect values / number of aspects (3, or 4 with cost);
  0 when the realised quantity is 0.

Examples
--------
The worked example: full achievement, 12 of 12 months, no cost target.

>>> activity_value(to=1, ro=1, tk=100, rk=100, tw=12, rw=12)
array([92.])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import ParameterError

__all__ = ["activity_value", "efficiency_value", "skp_value"]


def efficiency_value(target: Any, realised: Any) -> np.ndarray:
    """The time (or cost) aspect value from target and realisation.

    Parameters
    ----------
    target, realised
        Arrays (or scalars) of target and realised time (or cost), target > 0.

    Returns
    -------
    numpy.ndarray
        ``((1.76 T - R) / T) x 100`` when the efficiency ``100 - R/T x 100`` is at most
        24 %, else ``76 - ((((1.76 T - R) / T) x 100) - 100)``.

    Notes
    -----
    The cost branch (C1 in the domain notes) is the same rule applied to cost, dividing by
    the *target* cost: a public implementation divides by the realised cost above 24 %,
    which looks like a bug and is not copied.

    Examples
    --------
    Done in 12 of 12 months gives 76; much faster (efficiency above 24 %) scores lower,
    exactly as the formula says:

    >>> efficiency_value([12, 12, 12], [12, 9, 6]).round(2)
    array([76., 75., 50.])
    """
    t = np.asarray(target, dtype=float)
    r = np.asarray(realised, dtype=float)
    if np.any(t <= 0):
        raise ParameterError("Target time and cost must be above 0; leave the cost empty (NaN) when an "
                             "activity has no cost target.")
    base = (1.76 * t - r) / t * 100
    efficiency = 100 - r / t * 100
    return np.where(efficiency <= 24, base, 76 - (base - 100))


def activity_value(to: Any, ro: Any, tk: Any, rk: Any, tw: Any, rw: Any,
                   tb: Any = None, rb: Any = None) -> np.ndarray:
    """The value of each SKP activity (vectorised over activities).

    Parameters
    ----------
    to, ro
        Target and realised output (quantity).
    tk, rk
        Target and realised quality (the target is normally 100).
    tw, rw
        Target and realised time (e.g. months).
    tb, rb
        Target and realised cost; ``None`` or NaN where the activity has no cost target
        (then it is averaged over 3 aspects instead of 4).

    Returns
    -------
    numpy.ndarray
        The activity values; 0 where the realised output is 0.

    Examples
    --------
    >>> activity_value(to=[10, 10], ro=[10, 0], tk=100, rk=[90, 90], tw=12, rw=12).round(2)
    array([88.67,  0.  ])
    """
    to_, ro_ = np.asarray(to, dtype=float), np.asarray(ro, dtype=float)
    if np.any(np.asarray(to_) <= 0) or np.any(np.asarray(tk, dtype=float) <= 0):
        raise ParameterError("Target output and target quality must be above 0.")
    quantity = ro_ / to_ * 100
    quality = np.asarray(rk, dtype=float) / np.asarray(tk, dtype=float) * 100
    time = efficiency_value(tw, rw)
    total, n = quantity + quality + time, np.full(np.broadcast(quantity, quality, time).shape, 3.0)
    if tb is not None:
        tb_, rb_ = np.broadcast_arrays(np.asarray(tb, dtype=float), np.asarray(rb, dtype=float))
        has = ~np.isnan(tb_) & ~np.isnan(rb_)
        cost = np.where(has, efficiency_value(np.where(has, tb_, 1.0), np.where(has, rb_, 1.0)), 0.0)
        total, n = total + cost, n + has
    return np.atleast_1d(np.where(ro_ == 0, 0.0, total / n))


def skp_value(activities: pd.DataFrame, by: str | list[str] = "employee_id") -> pd.DataFrame:
    """Nilai SKP per employee: the mean of the activity values.

    Parameters
    ----------
    activities
        One row per activity with columns ``to, ro, tk, rk, tw, rw`` and optionally
        ``tb, rb``, plus the ``by`` columns.
    by
        The grouping columns (e.g. ``["employee_id", "period"]``).

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, ``skp`` (mean activity value) and ``n_activities``. Tugas
        tambahan and kreativitas points (uncertain in the sources) are not added.

    Examples
    --------
    >>> acts = pd.DataFrame({"employee_id": ["a", "a", "b"], "to": 1, "ro": [1, 1, 0],
    ...                      "tk": 100, "rk": 100, "tw": 12, "rw": 12})
    >>> skp_value(acts)
      employee_id   skp  n_activities
    0           a  92.0             2
    1           b   0.0             1
    """
    missing = [c for c in ("to", "ro", "tk", "rk", "tw", "rw") if c not in activities]
    if missing:
        raise ParameterError(f"`activities` lacks the columns {missing}.")
    cost = {"tb": activities["tb"], "rb": activities["rb"]} if "tb" in activities else {}
    values = activity_value(*(activities[c] for c in ("to", "ro", "tk", "rk", "tw", "rw")), **cost)
    keys = [by] if isinstance(by, str) else list(by)
    frame = activities[keys].assign(skp=values)
    return frame.groupby(keys, as_index=False, sort=True).agg(
        skp=("skp", "mean"), n_activities=("skp", "size"))
