"""Dashboards and panels (ipywidgets) for leaders: one call per dashboard.

>>> import workbench as wb
>>> from workbench import views
>>> ds = wb.read_sample("kota_contoh")
>>> page = views.leadership_overview(ds)   # doctest: +SKIP

Panels keep their state in traitlets and compute nothing themselves; the numbers come
from the core through :mod:`workbench.views._sources`, small cells are hidden by
:mod:`workbench.privacy`, figures come from :mod:`workbench.viz`, and every label from
:mod:`workbench.i18n`.
"""

from workbench.views.controls import (
    DatasetPicker,
    LanguageToggle,
    OrgRatingPicker,
    UnitFilter,
    WhatIfControls,
)
from workbench.views.dashboards import (
    Dashboard,
    dashboard_data,
    leadership_overview,
    rater_quality,
    rubric_whatif,
    viewer_is_hr,
)
from workbench.views.panels import (
    CurvePanel,
    FlagsPanel,
    RaterQualityPanel,
    ReliabilityPanel,
    SharePanel,
    TrendPanel,
    UnitPanel,
    WhatIfPanel,
)

__all__ = [
    "CurvePanel",
    "Dashboard",
    "DatasetPicker",
    "FlagsPanel",
    "LanguageToggle",
    "OrgRatingPicker",
    "RaterQualityPanel",
    "ReliabilityPanel",
    "SharePanel",
    "TrendPanel",
    "UnitFilter",
    "UnitPanel",
    "WhatIfControls",
    "WhatIfPanel",
    "dashboard_data",
    "leadership_overview",
    "rater_quality",
    "rubric_whatif",
    "viewer_is_hr",
]
