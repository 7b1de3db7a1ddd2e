"""Calibration: from statistics to decisions.

* :func:`open` a calibration session on one unit and period; record changes of predikat
  with their reasons (:meth:`Session.propose`), take them back (:meth:`Session.withdraw`),
  close the session; the trail is append-only and hash-chained (:meth:`Session.verify`);
* :func:`sessions`: the history of past calibration cycles in a store;
* :func:`boundary_distance`: how far an employee is from another predikat (the agenda's
  order);
* :func:`calibrated_scores`, :func:`calibrated_curve`, :func:`calibration_status`: the
  results of the closed sessions of a period, for leadership views (aggregates only);
* :func:`nine_box`: the talent view (hasil x perilaku), movement and promotion candidates;
* :func:`training_needs`: the indicators on which units fall furthest below their peers;
* :func:`indicator_review`: indicators that are hard to measure, saturated or redundant.
"""

from workbench.calibration.distance import boundary_distance, dimension_units, rank_candidates
from workbench.calibration.opening import open, sessions
from workbench.calibration.published import calibrated_curve, calibrated_scores, calibration_status
from workbench.calibration.review import IndicatorReview, indicator_review
from workbench.calibration.session import MIN_REASON, Session, TrailEntry
from workbench.calibration.talent import NineBox, nine_box, period_key
from workbench.calibration.training import TrainingNeeds, training_needs

__all__ = [
    "MIN_REASON",
    "IndicatorReview",
    "NineBox",
    "Session",
    "TrailEntry",
    "TrainingNeeds",
    "boundary_distance",
    "calibrated_curve",
    "calibrated_scores",
    "calibration_status",
    "dimension_units",
    "indicator_review",
    "nine_box",
    "open",
    "period_key",
    "rank_candidates",
    "sessions",
    "training_needs",
]
