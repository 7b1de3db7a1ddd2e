"""Calibration: from statistics to decisions.

* :func:`open` a calibration session on one unit and period; record changes of predikat
  with their reasons (:meth:`Session.propose`), take them back (:meth:`Session.withdraw`),
  close the session; the trail is append-only and hash-chained (:meth:`Session.verify`);
* :func:`sessions`: the history of past calibration cycles in a store;
* :func:`boundary_distance`: how far an employee is from another predikat (the agenda's
  order).
"""

from workbench.calibration.distance import boundary_distance, dimension_units, rank_candidates
from workbench.calibration.session import Session, TrailEntry, open, sessions

__all__ = [
    "Session",
    "TrailEntry",
    "boundary_distance",
    "dimension_units",
    "open",
    "rank_candidates",
    "sessions",
]
