"""The page model: every number a leadership page or report shows, computed in one pass
from the core results, related to the others, and protected as a whole.

See :mod:`workbench.report._model` (the model and the joint suppression) and
:mod:`workbench.report.pages` (the pages). The audit is :func:`workbench.privacy.audit`.
"""

from workbench.report._model import Fact, Page, Relation, protect
from workbench.report.pages import (
           NATIONAL_SHARE_BAIK,
           NEAR_ALL,
           finding_keys,
           leadership_page,
           trend_page,
           whatif_page,
           whatif_protect,
)

__all__ = ["NATIONAL_SHARE_BAIK", "NEAR_ALL", "Fact", "Page", "Relation", "finding_keys", "leadership_page", "protect",
           "trend_page", "whatif_page", "whatif_protect"]
