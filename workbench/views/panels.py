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

import dataclasses
import threading
import time
from typing import Any

import traitlets

from workbench.rubric import Rubric
from workbench.views import sections as sec
from workbench.views._base import _EXECUTOR, Panel
from workbench.views._sources import (
    whatif_base,
    whatif_draft,
    whatif_findings,
    whatif_interim,
    whatif_ready,
)

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
    per OPD, and the predikat distribution and transitions against the rubric in force.

    A state whose page is not computed yet (a slider moved to a new value) is shown in
    four steps, so that the reader sees at once that the change is being worked on and
    never a number that has not passed the protection:

    1. at once: the sections' titles and "menghitung..." (the previous state's numbers
       and figures are taken away);
    2. within a fraction of a second (or once the protection of a state already left has
       ended): the tables with the numbers the page shares with the overview (:func:`~workbench.views._sources.whatif_draft`, locked numbers only,
       :func:`~workbench.views.sections.whatif_pending`), the rest "menghitung...";
    3. right after: the findings (how many OPD meet their curve under the rubric, which
       ones, and how many employees change predikat), from the page of the findings only
       (:func:`~workbench.views._sources.whatif_findings`, protected in a fraction of the
       time of the whole page);
    4. once the control has rested ``settle`` seconds (a slider stepped several times is
       protected once, at its last value) and the page is protected
       (:func:`~workbench.views._sources.whatif`, built on the page of step 3, so that a
       finding shown there stays shown): every number, the findings, the figures.

    A state computed ahead (:func:`~workbench.views._sources.warm_whatif`) is shown at once:
    every number of its whole page when that is ready (its figures once the control has
    rested, as in step 4: a slider stepped through states computed ahead draws no figure
    of a state it passed), else its findings (step 3) when its draft and findings page are
    ready (:func:`~workbench.views._sources.whatif_interim`), then its whole page as above.
    """

    period = traitlets.Unicode("2025").tag(sync=False)
    rubric = traitlets.Instance(Rubric, allow_none=True).tag(sync=False)
    org_rating = traitlets.Dict(default_value=None, allow_none=True).tag(sync=False)
    _refresh_on = ("lang", "min_cell", "period", "rubric", "org_rating")
    n_views = 2
    settle = 0.35
    """Seconds a control must rest before the protection of a new state starts (in the
    background only; a synchronous refresh protects at once)."""
    settle_findings = 0.08
    """The same for the findings (step 3; shorter: its page is protected in a few
    hundredths of a second on 5,000 employees, and the draft before it takes about as
    long; key presses in a row, a key held down, still protect the last step only)."""

    def build(self) -> list[sec.Section]:
        sections = self._sections()
        with self._write_lock:  # the protected page takes over: no interim page after it
            self._finalising = self._building
        return sections

    def _sections(self) -> list[sec.Section]:
        rubric = self.rubric or whatif_base()
        return [
            sec.curve_section(self._ds, self.period, self.org_rating, self.lang, self.min_cell, rubric=rubric),
            sec.transitions_section(self._ds, self.period, rubric, self.lang, self.min_cell,
                                    org_rating=self.org_rating),
        ]

    # -- the interim steps ------------------------------------------------------------
    def _state(self) -> tuple[Any, ...]:
        return (self._ds, self.rubric or whatif_base(), self.period, self.org_rating, self.min_cell)

    def refresh(self) -> None:
        self._changed_at = time.monotonic()
        if not hasattr(self, "_write_lock"):
            self._write_lock = threading.Lock()
            self._finalising = self._building = -1
        super().refresh()

    def _started(self, generation: int) -> None:
        state = self._state()
        if whatif_ready(*state):  # computed ahead: its numbers here and now, its figures in step 4
            if self.background:  # (a synchronous refresh shows them all at once, right after)
                sections = self._sections()
                with self._write_lock:
                    if self._current(generation) and self._finalising != generation:
                        for view, section in zip(self._views, sections, strict=True):
                            view.show_text(dataclasses.replace(section, draw=None))  # no figure of another state
                        self.findings = [s.finding for s in sections]
            return
        interim = whatif_interim(*state)
        if interim is not None:  # its findings computed ahead: step 3, here and now
            self._pending(generation, *interim, state)
            return
        self._pending(generation, None)  # step 1, here and now
        if self.background:
            # the panels' one worker, ahead of this state's protection (a second worker thread
            # made the test interpreter abort at exit, "terminate called without an active exception")
            _EXECUTOR.submit(self._draft, generation)
        else:
            self._draft(generation)

    def _pending(self, generation: int, draft: Any, findings: Any = None,
                 state: tuple[Any, ...] | None = None) -> None:
        """Show the interim sections of ``generation`` (in ``state``, default the current
        one) unless a newer state or this state's own protected page has taken over."""
        ds, rubric, period, org, k = state or self._state()
        sections = sec.whatif_pending(ds, period, rubric, self.lang, k, org, draft, findings)
        with self._write_lock:
            if not self._current(generation) or self._finalising == generation:
                return
            for view, section in zip(self._views, sections, strict=True):
                view.show_text(section)
            if findings is not None:
                self.findings = [s.finding for s in sections]

    def _draft(self, generation: int) -> None:  # steps 2 and 3
        if not self._current(generation):
            return
        state = self._state()
        try:
            draft = whatif_draft(*state)
            self._pending(generation, draft, state=state)
            if self.background and whatif_interim(*state) is None:
                # a slider held down: protect the findings of the step it rests on
                while self._current(generation) and time.monotonic() - self._changed_at < self.settle_findings:
                    time.sleep(0.02)
            if self._current(generation):
                self._pending(generation, draft, whatif_findings(*state), state)
        except Exception:  # the protected page says what went wrong (step 4)
            pass

    def _work(self, generation: int) -> None:  # step 4
        if self.background:
            while self._current(generation) and time.monotonic() - self._changed_at < self.settle:
                time.sleep(0.05)
        if not self._current(generation):
            return
        self._building = generation
        super()._work(generation)
        if self._current(generation) and self.error:
            for view in self._views:
                view.clear()  # no "menghitung..." left beside the message
