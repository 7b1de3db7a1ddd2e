"""Calibration: from statistics to decisions.

* :func:`open` a calibration session on one unit and period; record changes of predikat
  with their reasons (:meth:`Session.propose`), take them back (:meth:`Session.withdraw`),
  close the session; the trail is append-only and hash-chained (:meth:`Session.verify`);
* :func:`sessions`: the history of past calibration cycles in a store;
* :func:`boundary_distance`: how far an employee is from another predikat (the agenda's
  order);
* :func:`calibrated_scores`, :func:`calibrated_curve`, :func:`calibration_status`: the
  results of the closed sessions of a period, for leadership views (aggregates only).
"""

from workbench.calibration.distance import boundary_distance, dimension_units, rank_candidates
from workbench.calibration.published import calibrated_curve, calibrated_scores, calibration_status
from workbench.calibration.session import Session, TrailEntry, open, sessions

__all__ = [
    "Session",
    "TrailEntry",
    "boundary_distance",
    "calibrated_curve",
    "calibrated_scores",
    "calibration_status",
    "dimension_units",
    "open",
    "rank_candidates",
    "sessions",
]
