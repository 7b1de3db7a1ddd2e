"""The panels every dashboard composes. Each is a widget whose state lives in traitlets;
setting a trait (``period``, ``unit``, ``lang``, ``rubric``, ...) rebuilds what it shows.
Panels only call :mod:`workbench.views.sections`; they compute nothing themselves.

Examples
--------
>>> import workbench as wb
>>> from workbench.views.panels import CurvePanel
>>> p = CurvePanel(wb.read_sample("kota_contoh"), period="2025")
>>> p.wait()  # the work runs in a background thread
>>> p.findings
['0 dari 12 OPD memenuhi kurva distribusi']
>>> p.lang = "en"
>>> p.wait()
>>> p.findings
['0 of 12 units meet the distribution curve']
"""

from __future__ import annotations

import traitlets

from workbench.rubric import Rubric
from workbench.views import sections as sec
from workbench.views._base import Panel
from workbench.views._sources import whatif_base

__all__ = [
    "CurvePanel",
    "FlagsPanel",
    "RaterQualityPanel",
    "ReliabilityPanel",
    "SharePanel",
    "TrendPanel",
    "UnitPanel",
    "WhatIfPanel",
]


class CurvePanel(Panel):
    """Predikat distribution per OPD against its curve (organisation rating per OPD)."""

    period = traitlets.Unicode("2025").tag(sync=False)
    unit = traitlets.Unicode("").tag(sync=False)
    org_rating = traitlets.Dict(default_value=None, allow_none=True).tag(sync=False)
    _refresh_on = ("lang", "min_cell", "period", "org_rating", "unit")

    def build(self) -> list[sec.Section]:
        return [sec.curve_section(self._ds, self.period, self.org_rating, self.lang, self.min_cell,
                                  unit=self.unit or None)]


class SharePanel(Panel):
    """Share rated Baik or better per OPD against the national ~95 %."""

    period = traitlets.Unicode("2025").tag(sync=False)
    unit = traitlets.Unicode("").tag(sync=False)
    org_rating = traitlets.Dict(default_value=None, allow_none=True).tag(sync=False)
    _refresh_on = ("lang", "min_cell", "period", "org_rating", "unit")

    def build(self) -> list[sec.Section]:
        return [sec.share_section(self._ds, self.period, self.lang, self.min_cell, org_rating=self.org_rating,
                                  unit=self.unit or None)]


class TrendPanel(Panel):
    """Predikat shares across the quarters, for the city or one OPD (``unit``)."""

    unit = traitlets.Unicode("").tag(sync=False)
    period = traitlets.Unicode("2025").tag(sync=False)
    org_rating = traitlets.Dict(default_value=None, allow_none=True).tag(sync=False)
    _refresh_on = ("lang", "min_cell", "unit", "period", "org_rating")

    def build(self) -> list[sec.Section]:
        return [sec.trend_section(self._ds, self.unit or None, self.lang, self.min_cell, period=self.period,
                                  org_rating=self.org_rating)]


class UnitPanel(Panel):
    """The drill-down into one OPD: predikat by jabatan and its curve check; hidden for the city."""

    period = traitlets.Unicode("2025").tag(sync=False)
    unit = traitlets.Unicode("").tag(sync=False)
    org_rating = traitlets.Dict(default_value=None, allow_none=True).tag(sync=False)
    _refresh_on = ("lang", "min_cell", "period", "unit", "org_rating")

    def build(self) -> list[sec.Section]:
        self.layout.display = None if self.unit else "none"
        if not self.unit:
            return []
        return [sec.unit_section(self._ds, self.period, self.unit, self.org_rating, self.lang, self.min_cell)]


class FlagsPanel(Panel):
    """Flags for leadership: OPD off their curve, OPD where nearly everyone is Baik or better."""

    period = traitlets.Unicode("2025").tag(sync=False)
    unit = traitlets.Unicode("").tag(sync=False)
    org_rating = traitlets.Dict(default_value=None, allow_none=True).tag(sync=False)
    _refresh_on = ("lang", "min_cell", "period", "org_rating", "unit")

    def build(self) -> list[sec.Section]:
        return [sec.flags_section(self._ds, self.period, self.org_rating, self.lang, self.min_cell,
                                  unit=self.unit or None)]


class ReliabilityPanel(Panel):
    """Inter-rater reliability per OPD (ICC of the BerAKHLAK scores)."""

    period = traitlets.Unicode("2025").tag(sync=False)
    _refresh_on = ("lang", "min_cell", "period")

    def build(self) -> list[sec.Section]:
        return [sec.reliability_section(self._ds, self.period, self.lang, self.min_cell)]


class RaterQualityPanel(Panel):
    """Rater tendencies per OPD; flagged raters by name only when ``hr`` is True."""

    period = traitlets.Unicode("2025").tag(sync=False)
    unit = traitlets.Unicode("").tag(sync=False)
    hr = traitlets.Bool(False).tag(sync=False)
    _refresh_on = ("lang", "min_cell", "period", "unit", "hr")
    n_views = 2

    def build(self) -> list[sec.Section]:
        out = [sec.raters_section(self._ds, self.period, self.lang, self.min_cell)]
        if self.hr:
            out.append(sec.rater_names_section(self._ds, self.period, self.unit or None, self.lang))
        return out


class WhatIfPanel(Panel):
    """The rubric what-if under ``rubric`` (default: the rubric in force): the curve check
    per OPD, and the predikat distribution and transitions against the rubric in force."""

    period = traitlets.Unicode("2025").tag(sync=False)
    rubric = traitlets.Instance(Rubric, allow_none=True).tag(sync=False)
    org_rating = traitlets.Dict(default_value=None, allow_none=True).tag(sync=False)
    _refresh_on = ("lang", "min_cell", "period", "rubric", "org_rating")
    n_views = 2

    def build(self) -> list[sec.Section]:
        rubric = self.rubric or whatif_base()
        return [
            sec.curve_section(self._ds, self.period, self.org_rating, self.lang, self.min_cell, rubric=rubric),
            sec.transitions_section(self._ds, self.period, rubric, self.lang, self.min_cell,
                                    org_rating=self.org_rating),
        ]
