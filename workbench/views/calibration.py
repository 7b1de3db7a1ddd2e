"""Rapat Kalibrasi: the HR dashboard of a calibration meeting (one call,
``views.calibration_meeting(ds)``).

Pick a unit and a period; see the unit's curve against the rules, the agenda (who is
closest to the boundary of each move the curve still needs) and the trail; change an
employee's predikat with a reason, watch the verdict update; make the minutes. It only
renders: every number comes from a :class:`workbench.calibration.Session`. The page
names employees, so it opens for HR only (``WORKBENCH_VIEWER=hr``, the same gate as
rater names); anyone else sees a one-line notice. Sessions are kept in the store
(``WORKBENCH_STORE``, else ``workbench.db`` beside the data); a unit that is only
looked at leaves nothing behind, the first change writes its session.

Examples
--------
>>> import tempfile, pathlib
>>> import workbench as wb
>>> from workbench.views.calibration import calibration_meeting
>>> page = calibration_meeting(wb.read_sample("kota_contoh"), hr=True, unit="Bappeda",
...                            store=pathlib.Path(tempfile.mkdtemp()))
>>> page.verdict.split(":")[0]
'Bappeda belum memenuhi kurva distribusi untuk organisasi "Baik"'
>>> calibration_meeting(wb.read_sample("kota_contoh"), hr=False).children[-1].value[:40]
"<p class='kw-note'>Rapat kalibrasi hanya"
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
import pandas as pd
import traitlets

from workbench.calibration import MIN_REASON, Session
from workbench.calibration import open as open_session
from workbench.data import Dataset
from workbench.errors import WorkbenchError
from workbench.i18n import t
from workbench.rubric import Rubric, load_rubric
from workbench.store import open_store
from workbench.views._base import error_message
from workbench.views.controls import LanguageToggle
from workbench.views.dashboards import CSS, viewer_is_hr

__all__ = ["AGENDA_ROWS", "CalibrationMeeting", "calibration_meeting"]

AGENDA_ROWS = 15
"""Rows of the agenda shown (the closest to the boundary)."""

_EXTRA_CSS = """
<style>
.kw-calibration .kw-message { margin: 0.3em 0; }
.kw-calibration .kw-ok-message { background: #e8f5e9; border-left: 4px solid #2e7d32; padding: 6px 12px; }
.kw-calibration textarea { font-family: inherit; }
.kw-calibration .kw-minutes-link { font-weight: 600; color: #0b3d66; text-decoration: underline; }
</style>
"""


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, escape=True, border=0, classes="kw-table", na_rep="")


class CalibrationMeeting(widgets.VBox):
    """The calibration dashboard (see the module docstring). State: ``lang``, ``unit``,
    ``period``; what it shows: ``verdict`` (the curve finding), ``message`` (the last
    answer to an action) and ``n_changes``."""

    lang = traitlets.Unicode("id").tag(sync=False)
    unit = traitlets.Unicode("").tag(sync=False)
    period = traitlets.Unicode("").tag(sync=False)
    verdict = traitlets.Unicode("").tag(sync=False)
    message = traitlets.Unicode("").tag(sync=False)
    n_changes = traitlets.Int(0).tag(sync=False)

    def __init__(self, ds: Dataset, rubric: Rubric, store: Any, org_rating: Mapping[str, str], lang: str = "id",
                 unit: str | None = None, period: str | None = None, by: str = "") -> None:
        self._ds = ds
        self._rubric = rubric
        self._store = open_store(store, ds)
        self._org = dict(org_rating)
        self.session: Session | None = None
        periods = [p for p in ds.periods]
        self._title = widgets.HTML()
        self.toggle = LanguageToggle(lang)
        self._unit = widgets.Dropdown(options=ds.units, value=unit if unit in ds.units else ds.units[0])
        self._unit.add_class("kw-unit")
        self._period = widgets.Dropdown(options=periods, value=period if period in periods else
                                        ("2025" if "2025" in periods else periods[-1]))
        self._period.add_class("kw-period")
        self._by = widgets.Text(value=by or os.environ.get("WORKBENCH_USER", ""))
        self._by.add_class("kw-by")
        self._status = widgets.HTML()
        self._status.add_class("kw-session")
        self._curve = widgets.HTML()
        self._agenda = widgets.HTML()
        self._employee = widgets.Dropdown(layout=widgets.Layout(width="640px"))
        self._employee.add_class("kw-employee")
        self._target = widgets.Dropdown()
        self._target.add_class("kw-target")
        self._reason = widgets.Textarea(layout=widgets.Layout(width="640px", height="70px"))
        self._reason.add_class("kw-reason")
        self._submit = widgets.Button(button_style="primary", layout=widgets.Layout(width="auto"))
        self._submit.add_class("kw-submit")
        self._withdraw = widgets.Button(layout=widgets.Layout(width="auto"))
        self._withdraw.add_class("kw-withdraw")
        self._message = widgets.HTML()
        self._message.add_class("kw-message")
        self._history = widgets.HTML()
        self._export = widgets.Button(layout=widgets.Layout(width="auto"))
        self._export.add_class("kw-export")
        self._close = widgets.Button(button_style="warning", layout=widgets.Layout(width="auto"))
        self._close.add_class("kw-close")
        self._download = widgets.HTML()
        self._download.add_class("kw-download")
        self._move_head = widgets.HTML()
        form = widgets.VBox([self._move_head, self._employee, self._target, self._reason, self._by,
                             widgets.HBox([self._submit, self._withdraw]), self._message])
        form.add_class("kw-move")
        super().__init__([widgets.HTML(CSS + _EXTRA_CSS), self._title, self.toggle,
                          widgets.HBox([self._unit, self._period]), self._status, self._curve, form,
                          self._agenda, self._history, widgets.HBox([self._export, self._close]), self._download])
        self.add_class("kw-dashboard")
        self.add_class("kw-calibration")
        traitlets.link((self.toggle, "value"), (self, "lang"))
        self.lang = lang
        self._unit.observe(lambda c: self._open(), names="value")
        self._period.observe(lambda c: self._open(), names="value")
        self.observe(lambda c: self._render(), names="lang")
        self._submit.on_click(lambda b: self.propose())
        self._withdraw.on_click(lambda b: self.withdraw())
        self._export.on_click(lambda b: self.export())
        self._close.on_click(lambda b: self.close())
        self._open()

    # -- actions ---------------------------------------------------------------------
    def _open(self) -> None:
        self.unit, self.period = str(self._unit.value), str(self._period.value)
        self.message = ""
        try:
            self.session = open_session(self._ds, self._rubric, unit=self.unit, period=self.period, store=self._store,
                                        org_rating=self._org.get(self.unit), by=self._by.value or None,
                                        create=False, lang="id")
        except WorkbenchError as exc:
            self.session = None
            self._say(error_message(exc, self.lang), ok=False)
        self._render()

    def _who(self) -> str | None:
        who = self._by.value.strip()
        if not who:
            self._say(t("kal.move.no_by", self.lang), ok=False)
        return who or None

    def propose(self) -> None:
        """Save the change in the form (refused on screen without a reason or a name)."""
        s = self.session
        if s is None or self._employee.value is None:
            return
        reason = " ".join(self._reason.value.split())
        if len(reason) < MIN_REASON:
            self._say(t("kal.move.no_reason", self.lang, n=MIN_REASON), ok=False)
            return
        who = self._who()
        if who is None:
            return
        try:
            e = s.propose(self._employee.value, self._target.value, reason=reason, by=who)
        except WorkbenchError as exc:
            self._say(t("kal.move.refused", self.lang, reason=str(exc)), ok=False)
            return
        self._reason.value = ""
        self._employee.value = None  # on to the top of the agenda
        self._say(t("kal.move.saved", self.lang, employee=e.employee_id, before=self._label(e.from_predikat),
                    after=self._label(e.to_predikat)), ok=True)
        self._render(keep_message=True)

    def withdraw(self) -> None:
        """Withdraw the chosen employee's change (the reason field gives why)."""
        s = self.session
        if s is None or self._employee.value is None:
            return
        reason = " ".join(self._reason.value.split())
        if len(reason) < MIN_REASON:
            self._say(t("kal.move.no_reason", self.lang, n=MIN_REASON), ok=False)
            return
        who = self._who()
        if who is None:
            return
        try:
            e = s.withdraw(self._employee.value, reason=reason, by=who)
        except WorkbenchError as exc:
            self._say(t("kal.move.refused", self.lang, reason=str(exc)), ok=False)
            return
        self._reason.value = ""
        self._say(t("kal.move.withdrawn", self.lang, employee=e.employee_id, after=self._label(e.to_predikat)), ok=True)
        self._render(keep_message=True)

    def close(self) -> None:
        """Close the session (its trail is frozen)."""
        s = self.session
        who = self._who() if s is not None else None
        if s is None or who is None:
            return
        try:
            e = s.close(by=who)
        except WorkbenchError as exc:
            self._say(error_message(exc, self.lang), ok=False)
            return
        self._say(t("kal.closed", self.lang, code=e.hash), ok=True)
        self._render(keep_message=True)

    def export(self) -> None:
        """Write the minutes beside the store and offer them as a download."""
        s = self.session
        if s is None:
            return
        try:
            path = s.export_minutes(lang=self.lang)  # type: ignore[arg-type]
        except WorkbenchError as exc:
            self._say(error_message(exc, self.lang), ok=False)
            return
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        self._download.value = (f"<p class='kw-note'>{html.escape(t('kal.exported', self.lang, path=str(path)))} "
                                f"<a class='kw-minutes-link' download='{html.escape(path.name)}' "
                                f"href='data:text/html;charset=utf-8;base64,{data}'>"
                                f"{html.escape(t('kal.download', self.lang))}</a></p>")
        self._render(keep_message=True)

    # -- rendering -------------------------------------------------------------------
    def _say(self, text: str, ok: bool) -> None:
        self.message = text
        css = "kw-ok-message" if ok else "kw-error"
        role = "status" if ok else "alert"
        self._message.value = f"<div class='{css}' role='{role}'>{html.escape(text)}</div>"

    def _label(self, pid: Any) -> str:
        if pid is None:
            return ""
        return next((p.label.get(self.lang) for p in self._rubric.predikat if p.id == pid), str(pid))  # type: ignore[arg-type]

    def _render(self, keep_message: bool = False) -> None:
        lang = self.lang
        self._title.value = (f"<h1 class='kw-title'>{html.escape(t('page.kalibrasi', lang))}</h1><p class='kw-note'>"
                             f"{html.escape(t('page.data', lang, name=self._ds.name, periods=', '.join(self._ds.periods)))}"
                             f" {html.escape(t('kal.minutes.confidential', lang))}</p>")
        self._unit.description = t("control.unit", lang)
        self._period.description = t("control.period", lang)
        self._by.description = t("kal.move.by", lang)
        self._employee.description = t("kal.move.employee", lang)
        self._target.description = t("kal.move.to", lang)
        self._reason.description = t("kal.move.reason", lang)
        self._reason.placeholder = t("kal.move.reason_hint", lang)
        for w in (self._employee, self._target, self._reason, self._by):
            w.style = {"description_width": "140px"}
        self._submit.description = t("kal.move.submit", lang)
        self._withdraw.description = t("kal.move.withdraw", lang)
        self._export.description = t("kal.export", lang)
        self._close.description = t("kal.close", lang)
        self._move_head.value = f"<h3>{html.escape(t('kal.section.move', lang))}</h3>"
        if not keep_message:
            self._message.value = ""
        s = self.session
        if s is None:
            for w in (self._status, self._curve, self._agenda, self._history):
                w.value = ""
            return
        self._render_session(s, lang)

    def _render_session(self, s: Session, lang: str) -> None:
        check = s.curve().summary(lang)
        row = check.iloc[0]
        org = row["org_rating"]
        changes = s.history()
        self.n_changes = s.n_changes
        if bool(row["ok"]):
            self.verdict = t("kal.finding.ok", lang, unit=s.unit, rating=org, n=self.n_changes)
        elif pd.isna(row["n_changes"]) or int(row["n_changes"]) < 0:
            self.verdict = t("kal.finding.infeasible", lang, unit=s.unit, rating=org)
        else:
            self.verdict = t("kal.finding.fail", lang, unit=s.unit, rating=org, detail=row["violations"],
                             k=int(row["n_changes"]))
        status = t("kal.status.closed" if s.closed else "kal.status.open", lang)
        d = s.distribution(lang)  # type: ignore[arg-type]
        counts = pd.DataFrame({t("col.predikat", lang): d["predikat"], t("kal.col.before", lang): d["before"],
                               t("kal.col.after", lang): d["after"]})
        agenda = s.agenda()
        if agenda.empty:
            body = f"<p>{html.escape(t('kal.agenda.empty', lang))}</p>"
        else:
            shown = agenda.head(AGENDA_ROWS)
            view = pd.DataFrame({
                t("kal.col.rank", lang): shown["rank"], t("kal.col.nip", lang): shown["employee_id"],
                t("kal.col.name", lang): shown["name"], t("kal.col.jabatan", lang): shown["jabatan"],
                t("kal.col.now", lang): [self._label(_pid(self._rubric, x)) for x in shown["predikat"]],
                t("kal.col.to", lang): [self._label(_pid(self._rubric, x)) for x in shown["to_predikat"]],
                t("kal.col.distance", lang): shown["distance"].round(2),
                t("kal.col.distance_periodic", lang): shown["distance_periodic"].round(2),
                t("kal.col.suggested", lang): [t("answer.yes" if v else "answer.no", lang) for v in shown["suggested"]]})
            body = f"<p class='kw-note'>{html.escape(t('kal.agenda.help', lang))}</p>{_table(view)}"
        self._agenda.value = (f"<section class='kw-section kw-agenda'><h3>{html.escape(t('kal.section.agenda', lang))}"
                              f"</h3>{body}</section>")
        self._render_form(s, agenda, lang)
        if len(changes):
            hist = pd.DataFrame({
                t("kal.col.no", lang): changes["seq"], t("kal.col.kind", lang): [t(f"kal.kind.{k}", lang) for k in changes["kind"]],
                t("kal.col.nip", lang): changes["employee_id"].fillna(""), t("kal.col.name", lang): changes["name"].fillna(""),
                t("kal.col.before", lang): [self._label(_pid(self._rubric, x)) for x in changes["from_predikat"]],
                t("kal.col.after", lang): [self._label(_pid(self._rubric, x)) for x in changes["to_predikat"]],
                t("kal.col.reason", lang): changes["reason"].fillna(""), t("kal.col.by", lang): changes["by"],
                t("kal.col.at", lang): [str(x)[:19] for x in changes["at"]],
                t("kal.col.active", lang): [t("answer.yes" if a else "answer.no", lang) for a in changes["active"]]})
            table = _table(hist)
        else:
            table = f"<p>{html.escape(t('kal.minutes.no_changes', lang))}</p>"
        self._history.value = (f"<section class='kw-section kw-history'><h3>{html.escape(t('kal.section.history', lang))}"
                               f"</h3>{table}</section>")
        frozen = s.closed
        for w in (self._submit, self._withdraw, self._close, self._employee, self._target, self._reason):
            w.disabled = frozen
        # the verdict last: when it changes on the page, everything above is up to date
        self._status.value = (f"<p class='kw-note'>{html.escape(t('kal.session', lang, id=s.id or '-', status=status, n=self.n_changes))}</p>")
        self._curve.value = (f"<section class='kw-section'><h3>{html.escape(t('kal.section.curve', lang))}</h3>"
                             f"<p class='kw-finding kw-verdict'>{html.escape(self.verdict)}</p>{_table(counts)}</section>")

    def _render_form(self, s: Session, agenda: pd.DataFrame, lang: str) -> None:
        now = s.calibrated().to_frame().set_index("employee_id")["predikat"].astype(object)
        people = s.people
        names = people["name"] if "name" in people else pd.Series(dtype=object)
        first = list(dict.fromkeys(agenda["employee_id"].tolist()))
        order = first + [e for e in s.employees if e not in set(first)]
        options = [(f"{e} - {names.get(e, '') if isinstance(names.get(e, ''), str) else ''} "
                    f"({self._label(_pid(self._rubric, now.get(e)))})", e) for e in order]
        keep = self._employee.value
        self._employee.options = options
        self._employee.value = keep if keep in order else (order[0] if order else None)
        targets = [(p.label.get(lang), p.id) for p in self._rubric.predikat]  # type: ignore[arg-type]
        keep_t = self._target.value
        self._target.options = targets
        default = (_pid(self._rubric, agenda.iloc[0]["to_predikat"]) if len(agenda) else targets[-1][1])
        self._target.value = keep_t if keep_t in [v for _, v in targets] else default


def _pid(rubric: Rubric, label: Any) -> str | None:
    """The predikat id of a label (in either language) or id."""
    if label is None or (isinstance(label, float) and pd.isna(label)):
        return None
    for p in rubric.predikat:
        if label in (p.id, p.label.id, p.label.en):
            return p.id
    return None


def calibration_meeting(ds: Dataset, lang: str = "id", hr: bool | None = None, store: Any = None,
                        rubric: Rubric | str = "permenpanrb-6-2022", org_rating: Mapping[str, str] | None = None,
                        unit: str | None = None, period: str | None = None, by: str = "") -> widgets.Widget:
    """Rapat Kalibrasi: the calibration meeting of one unit at a time (HR only).

    Parameters
    ----------
    ds
        The dataset.
    lang
        ``"id"`` (default) or ``"en"``; the page has a toggle.
    hr
        Whether the viewer is HR (default: ``WORKBENCH_VIEWER=hr``); anyone else sees a
        notice and no employee.
    store
        The store (default ``WORKBENCH_STORE``, else ``workbench.db`` beside the data).
    rubric
        The rubric whose predikat are calibrated (default the rule in force).
    org_rating
        Predikat Kinerja Organisasi per unit (default ``"Baik"`` for every unit).
    unit, period
        The unit and period shown first.
    by
        Who is recording (default ``WORKBENCH_USER``); the form asks when empty.
    """
    is_hr = viewer_is_hr() if hr is None else hr
    if not is_hr:
        note = widgets.HTML(f"<p class='kw-note'>{html.escape(t('kal.hr_only', lang))}</p>")
        title = widgets.HTML(f"<h1 class='kw-title'>{html.escape(t('page.kalibrasi', lang))}</h1>")
        box = widgets.VBox([widgets.HTML(CSS), title, note])
        box.add_class("kw-dashboard")
        return box
    try:
        r = rubric if isinstance(rubric, Rubric) else load_rubric(rubric)
        return CalibrationMeeting(ds, r, store, dict(org_rating or {}), lang=lang, unit=unit, period=period, by=by)
    except Exception as exc:  # a dashboard shows a message, never a traceback
        return widgets.HTML(f"<div class='kw-error' role='alert'>{html.escape(error_message(exc, lang))}</div>")
