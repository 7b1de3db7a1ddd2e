"""The three dashboards, each one call: ``views.leadership_overview(ds)`` and friends.

A dashboard is a widget built from the controls and panels; it links the controls'
traits to the panels' traits and nothing else. Any error while building it becomes a
readable message in Bahasa Indonesia, never a traceback.

Examples
--------
>>> import workbench as wb
>>> from workbench import views
>>> d = views.leadership_overview(wb.read_sample("kota_contoh"), warm_ahead=False)
>>> d.lang
'id'
"""

from __future__ import annotations

import html
import os
import threading
import time
from collections.abc import Callable, Mapping

import ipywidgets as widgets
import traitlets

from workbench.data import Dataset
from workbench.errors import WorkbenchError
from workbench.i18n import t
from workbench.privacy import check_min_cell
from workbench.views import _sources
from workbench.views import sections as sec
from workbench.views._base import Panel, run_safely
from workbench.views._sources import default_org_rating, whatif_periods
from workbench.views.controls import (
    DatasetPicker,
    LanguageToggle,
    OrgRatingPicker,
    UnitFilter,
    WhatIfControls,
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
from workbench.views.static import STATIC_MIME, static_page

__all__ = ["CSS", "Dashboard", "dashboard_data", "leadership_overview", "rater_quality", "rubric_whatif", "viewer_is_hr"]

CSS = """
<style>
.kw-dashboard { font-family: "Noto Sans", "DejaVu Sans", Arial, sans-serif; color: #222; max-width: 1000px; }
.kw-dashboard h1 { font-size: 1.7em; margin: 0.2em 0; }
.kw-section h3 { margin: 0.9em 0 0.2em 0; font-size: 1.15em; }
.kw-finding { font-size: 1.05em; font-weight: 600; color: #0b3d66; margin: 0.2em 0 0.4em 0; }
.kw-table { border-collapse: collapse; font-size: 0.9em; margin: 0.4em 0; }
.kw-table th, .kw-table td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; }
.kw-error { background: #fff3e0; border-left: 4px solid #D55E00; padding: 8px 12px; }
.kw-busy { color: #555; font-style: italic; }
.kw-note { color: #444; font-size: 0.9em; }
""" + sec.HEAD_CSS + """
</style>
"""


def viewer_is_hr() -> bool:
    """True when the viewer is configured as HR (``WORKBENCH_VIEWER=hr``)."""
    return os.environ.get("WORKBENCH_VIEWER", "").strip().lower() == "hr"


class DataUnavailable:
    """Stands in for the dataset when ``WORKBENCH_DATA`` cannot be read: the dashboard
    then opens and shows why, in its own words, instead of a server error page."""

    def __init__(self, path: str, error: BaseException) -> None:
        self.path, self.error = path, error

    def message(self, lang: str = "id") -> str:
        if isinstance(self.error, FileNotFoundError) or not os.path.exists(self.path):
            reason = t("status.data_missing", lang)
        elif isinstance(self.error, WorkbenchError):
            reason = str(self.error)
        else:
            reason = t("status.error_unexpected", lang)
        return t("status.data_unavailable", lang, path=self.path, reason=reason)


def _require(ds: Dataset | DataUnavailable, lang: str) -> Dataset:
    if isinstance(ds, DataUnavailable):
        raise WorkbenchError(ds.message(lang))
    return ds


def dashboard_data(default: str = "kota_contoh") -> Dataset:
    """The dataset a dashboard serves: ``WORKBENCH_DATA`` (a path) or a bundled sample.

    A path that cannot be read gives a :class:`DataUnavailable` (typed as the dataset:
    the dashboards accept it and show the reason in Bahasa Indonesia).
    """
    import workbench as wb

    path = os.environ.get("WORKBENCH_DATA", "").strip()
    if not path:
        return wb.read_sample(default)
    try:
        return wb.load(path)
    except Exception as exc:  # shown by the dashboard, never as a traceback
        return DataUnavailable(path, exc)  # type: ignore[return-value]


class Dashboard(widgets.VBox):
    """A page: header, language toggle, controls and panels, kept in step by ``lang``."""

    lang = traitlets.Unicode("id").tag(sync=False)

    def __init__(self, page: str, ds: Dataset, controls: list[widgets.Widget], panels: list[Panel],
                 lang: str = "id", min_cell: int | None = None,
                 band: Callable[[str], str] | None = None, rule: Callable[[str], str] | None = None) -> None:
        self.page = page
        self._band = band
        self._rule = rule
        self.panels = panels
        self._k = check_min_cell(min_cell)
        self._ds_name = ds.name or ds.source
        self._periods = ", ".join(ds.periods)
        self.toggle = LanguageToggle(lang)
        self._header = widgets.HTML()
        super().__init__([widgets.HTML(CSS), self._header, self.toggle, *controls, *panels])
        self.add_class("kw-dashboard")
        self.lang = lang
        self._relabel()
        traitlets.link((self.toggle, "value"), (self, "lang"))
        for w in _walk([*controls, *panels]):
            if w.has_trait("lang"):
                traitlets.dlink((self, "lang"), (w, "lang"))
        self.observe(lambda c: self._relabel(), names="lang")

    def _relabel(self) -> None:
        lang = self.lang
        self._header.value = (
            f"<h1 class='kw-title'>{html.escape(t(f'page.{self.page}', lang))}</h1>"
            f"<p class='kw-note'>{html.escape(t('page.data', lang, name=self._ds_name, periods=self._periods))} "
            f"{html.escape(t('page.privacy', lang, k=self._k))}</p>"
            + (f"<p class='kw-note kw-rule'>{html.escape(self._rule(lang))}</p>" if self._rule is not None else "")
            + (self._band(lang) if self._band is not None else ""))

    def wait(self, timeout: float = 120.0) -> None:
        """Block until every panel has finished its refresh."""
        for p in self.panels:
            p.wait(timeout)

    def _repr_mimebundle_(self, **kwargs: object) -> dict[str, object] | None:
        """The widget's display data and, under :data:`~workbench.views.static.STATIC_MIME`,
        its static picture (:func:`~workbench.views.static.static_page`), which Voila's
        kinerja template shows while the interactive page loads. Only in a kernel Voila
        started (``VOILA_APP_PORT`` is set): JupyterLab shows the widget at once, and a
        saved notebook would carry the picture's figures for nothing."""
        data = super()._repr_mimebundle_(**kwargs)
        if data is not None and os.environ.get("VOILA_APP_PORT"):
            data[STATIC_MIME] = static_page(self, self.lang)
        return data


def _walk(items: list[widgets.Widget]) -> list[widgets.Widget]:
    """The widgets and, inside plain boxes, their children."""
    out: list[widgets.Widget] = []
    for w in items:
        out.append(w)
        if type(w) in (widgets.HBox, widgets.VBox, widgets.Box):
            out.extend(_walk(list(w.children)))
    return out


def _link(source: widgets.Widget, name: str, panels: list[Panel], target: str | None = None) -> None:
    for p in panels:
        if p.has_trait(target or name):
            traitlets.dlink((source, name), (p, target or name))


def leadership_overview(ds: Dataset, lang: str = "id", min_cell: int | None = None,
                        org_rating: Mapping[str, str] | None = None, warm_ahead: bool | None = None) -> widgets.Widget:
    """Ringkasan Pimpinan: predikat per OPD against the curve, Baik-or-better against the
    national figure, trends, flags, and a drill-down from the city to one OPD.

    Parameters
    ----------
    ds
        The dataset.
    lang
        ``"id"`` (default) or ``"en"``; the page has a toggle.
    min_cell
        Small-cell threshold (default 5, never below 3).
    org_rating
        Predikat Kinerja Organisasi per OPD; default: the dataset's org ratings
        (``ds.org_ratings``) and "Baik" for an OPD without one, changeable per OPD in the
        page. The headline says where they came from and how many employees of the
        period are not yet rated ("belum dinilai").
    warm_ahead
        After the first render, compute the city's pages of the other periods and the
        drill-down pages of the shown period's OPD (with the org ratings in force) in a
        background thread that gives way to the reader's own changes
        (:func:`workbench.views._sources.warm`), so that a control change finds its
        numbers ready; it starts again when the period or the org ratings change.
        Default: on, unless ``WORKBENCH_WARM=0`` (the test suite sets it).
    """
    def build() -> widgets.Widget:
        _require(ds, lang)
        k = check_min_cell(min_cell)
        picker = DatasetPicker(ds, lang=lang)
        units = UnitFilter(ds.units, lang=lang)
        orgs = OrgRatingPicker(dict(org_rating or default_org_rating(ds, picker.period)), lang=lang)
        common = {"lang": lang, "min_cell": k}
        rating = dict(orgs.org_rating)
        panels: list[Panel] = [
            UnitPanel(ds, period=picker.period, org_rating=rating, **common),
            CurvePanel(ds, period=picker.period, org_rating=rating, **common),
            SharePanel(ds, period=picker.period, org_rating=rating, **common),
            TrendPanel(ds, period=picker.period, org_rating=rating, **common),
            FlagsPanel(ds, period=picker.period, org_rating=rating, **common),
        ]
        _link(picker, "period", panels)
        _link(units, "unit", panels)
        _link(orgs, "org_rating", panels)
        controls = [widgets.HBox([picker, units]), orgs]

        def band(lang: str) -> str:  # the headline figures, read from the protected page
            return sec.band_html(sec.band(ds, picker.period, dict(orgs.org_rating), lang, k, units.unit or None))

        def rule(lang: str) -> str:  # the rule and the org ratings' source, in view at once
            return (sec.rule_line(ds, picker.period, lang) + " "
                    + sec.org_line(ds, picker.period, dict(orgs.org_rating), lang))

        dash = Dashboard("ringkasan_pimpinan", ds, controls, panels, lang, k, band=band, rule=rule)
        picker.observe(lambda c: dash._relabel(), names="period")
        orgs.observe(lambda c: dash._relabel(), names="org_rating")
        units.observe(lambda c: dash._relabel(), names="unit")

        rested = _rested(panels)

        def idle() -> bool:  # a page takes a fraction of a second: a reader who acts at once finds the interpreter free
            return rested(WARM_GRACE_STEP)

        def warm(change: object = None) -> None:  # the pages one control change away, ahead
            rating, period = dict(orgs.org_rating), picker.period
            # the city's other periods (a drill-down's page is protected with them), then the
            # drill-downs of the shown period: about 0.3 s each once the city's pages are known
            # (5,000 employees), so a reader's change waits at most that long behind one; the
            # other periods' drill-downs are left (five times as many, seldom asked for)
            states = [s for s in _sources.leadership_states(picker.periods, list(ds.units), period,
                                                            units.unit or None) if s[1] is None or s[0] == period]
            threading.Thread(target=_sources.warm, name=_sources.WARM_THREAD, daemon=True,
                             args=(ds, states, rating, k,
                                   lambda: dict(orgs.org_rating) != rating or picker.period != period,
                                   idle)).start()

        dash.warm = warm  # type: ignore[attr-defined]
        orgs.observe(warm, names="org_rating")
        picker.observe(warm, names="period")
        return dash

    return _warmed(_ready(run_safely(build, lang)), warm_ahead)


def rater_quality(ds: Dataset, lang: str = "id", min_cell: int | None = None, hr: bool | None = None) -> widgets.Widget:
    """Kualitas Penilai: inter-rater reliability and rater tendencies per OPD.

    Rater names appear only when ``hr`` is True (default: ``WORKBENCH_VIEWER=hr``).
    """
    def build() -> widgets.Widget:
        _require(ds, lang)
        k = check_min_cell(min_cell)
        is_hr = viewer_is_hr() if hr is None else hr
        berakhlak_periods = [p for p in ds.periods if "Q" not in p] or ds.periods
        picker = DatasetPicker(ds, periods=berakhlak_periods, lang=lang)
        common = {"lang": lang, "min_cell": k}
        panels: list[Panel] = [
            ReliabilityPanel(ds, period=picker.period, **common),
            RaterQualityPanel(ds, period=picker.period, hr=is_hr, **common),
        ]
        controls: list[widgets.Widget] = [picker]
        if is_hr:
            units = UnitFilter(ds.units, lang=lang)
            _link(units, "unit", panels)
            controls.append(units)
        else:
            note = widgets.HTML()
            note.add_class("kw-note")

            def relabel(change: object = None) -> None:
                note.value = f"<p class='kw-note'>{html.escape(t('status.hr_only', dash.lang))}</p>"

            controls.append(note)
        _link(picker, "period", panels)
        dash = Dashboard("kualitas_penilai", ds, controls, panels, lang, k)
        if not is_hr:
            relabel()
            dash.observe(relabel, names="lang")
        return dash

    return _ready(run_safely(build, lang))


def rubric_whatif(ds: Dataset, lang: str = "id", min_cell: int | None = None,
                  org_rating: Mapping[str, str] | None = None, warm_ahead: bool | None = None) -> widgets.Widget:
    """Simulasi Rubrik: start from the overview's numbers (the rule in force, recorded
    predikat first), pick a rubric (a preset or a scenario saved next to the data), move
    its weights and thresholds, and watch the curve check per OPD, the predikat
    distribution and the transitions change. At the starting point every number equals
    the overview's.

    ``warm_ahead``: after the first render, compute the findings of each slider one
    step either way (1.5 s after the page was shown, :data:`WARM_GRACE_STEP`),
    then the pages of the picker's other starting points and of the slider steps (the
    shown period first, then the picker's starting points in the others; after
    :data:`WARM_GRACE`) in a background thread that gives way to the reader's changes,
    and again when the period, the org ratings or the rubric change
    (:func:`workbench.views._sources.warm_whatif`); default on, unless
    ``WORKBENCH_WARM=0``.

    A state not computed ahead shows its titles at once, then the numbers it shares
    with the overview, and every number once its page is protected
    (:class:`~workbench.views.panels.WhatIfPanel`)."""
    def build() -> widgets.Widget:
        _require(ds, lang)
        k = check_min_cell(min_cell)
        picker = DatasetPicker(ds, periods=whatif_periods(ds), lang=lang)
        orgs = OrgRatingPicker(dict(org_rating or default_org_rating(ds, picker.period)), lang=lang)
        controls = WhatIfControls(lang=lang, ds=ds)
        panel = WhatIfPanel(ds, period=picker.period, org_rating=dict(orgs.org_rating), rubric=controls.rubric,
                            lang=lang, min_cell=k)
        _link(picker, "period", [panel])
        _link(orgs, "org_rating", [panel])
        _link(controls, "rubric", [panel])

        def rule(lang: str) -> str:
            return (sec.rule_line(ds, picker.period, lang, rubric=controls.rubric, whatif=True) + " "
                    + sec.org_line(ds, picker.period, dict(orgs.org_rating), lang))

        dash = Dashboard("simulasi_rubrik", ds, [picker, controls, orgs], [panel], lang, k, rule=rule)
        for widget, name in ((picker, "period"), (orgs, "org_rating"), (controls, "rubric")):
            widget.observe(lambda c: dash._relabel(), names=name)

        idle = _rested([panel])

        def warm(change: object = None) -> None:  # the other starting points and the slider steps, ahead
            rating, period, rubric = dict(orgs.org_rating), picker.period, controls.rubric
            rubrics = [r for _, _, r in controls._choices]
            periods = [period, *(p for p in picker.periods if p != period)]
            threading.Thread(target=_sources.warm_whatif, name=_sources.WARM_THREAD, daemon=True,
                             args=(ds, rubrics, periods, rating, k,
                                   lambda: (dict(orgs.org_rating) != rating or picker.period != period
                                            or controls.rubric is not rubric),
                                   lambda: idle(WARM_GRACE), controls.neighbours,
                                   lambda: idle(WARM_GRACE_STEP))).start()

        dash.warm = warm  # type: ignore[attr-defined]
        orgs.observe(warm, names="org_rating")
        picker.observe(warm, names="period")
        controls.observe(warm, names="rubric")
        return dash

    return _warmed(_ready(run_safely(build, lang)), warm_ahead)


WARM_GRACE = 3.0
"""Seconds the what-if waits after showing a page before it computes a whole page ahead
(seconds of work each): a reader who acts at once (the next slider step) finds the
interpreter free."""

WARM_GRACE_STEP = 1.5
"""Seconds the what-if waits after showing a page before it computes the drafts and the
findings of the slider steps one step away (and the overview, before it computes a
drill-down page ahead) (:func:`workbench.views._sources.warm_whatif`):
each is a task of a fraction of a second, so a reader's own change waits at most that
long behind one, and a reader who reads the page for two seconds or more finds the next
step's findings ready. Longer than a reader's reaction (a change made at once, e.g. a
slider step right after a preset change, finds the interpreter free), shorter than
:data:`WARM_GRACE`."""


def _rested(panels: list[Panel]) -> Callable[[float], bool]:
    """A test of whether ``panels`` are all idle and have been for ``grace`` seconds since
    the last one finished (a reader acts soon after a page shows)."""
    finished = [time.monotonic()]
    for p in panels:
        p.observe(lambda c: finished.__setitem__(0, time.monotonic()), names="busy")
    return lambda grace: not any(p.busy for p in panels) and time.monotonic() - finished[0] > grace


def _warmed(page: widgets.Widget, warm_ahead: bool | None) -> widgets.Widget:
    """Start ``page``'s computing ahead (its ``warm``) unless ``warm_ahead`` is False, or,
    when it is None, ``WORKBENCH_WARM=0``; return the page."""
    if warm_ahead is None:
        warm_ahead = os.environ.get("WORKBENCH_WARM", "1").strip() != "0"
    if isinstance(page, Dashboard) and warm_ahead:
        page.warm()  # type: ignore[attr-defined]
    return page


def _ready(page: widgets.Widget, timeout: float = 300.0) -> widgets.Widget:
    """Return ``page`` once its panels have finished their first refresh.

    In Voila the browser fetches the state of every widget once, when the page
    connects, and only then opens a channel per widget; an update the kernel sends in
    between (a panel finishing in the background while the page loads) is dropped, and
    the page would keep showing "Sedang menghitung..." for ever. Waiting here makes the
    first state the browser fetches the final one; later updates (a control change)
    arrive on open channels.
    """
    if isinstance(page, Dashboard):
        try:
            page.wait(timeout)
        except Exception:  # the panel already shows the message; the page still opens
            pass
    return page
