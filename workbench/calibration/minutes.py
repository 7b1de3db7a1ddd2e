"""The minutes (berita acara) of a calibration session: one offline HTML page.

The page holds what the meeting decided and nothing it did not: the unit, period,
organisation rating and rubric; every change in effect with the employee, the predikat
before and after, the reason, who decided and when; the changes withdrawn; the notes;
the predikat distribution and the curve verdict before and after; whether the trail is
intact, and its verification code (the hash of the last entry), which anyone can later
check against the store with ``session.verify(expected_head=code)``. It is in Bahasa
Indonesia by default (English on request), carries its style inline and has no script,
link or reference to another host, so it opens on any laptop without a network. It
names employees: it is for HR and the meeting, never for publication.

Examples
--------
>>> import tempfile, pathlib
>>> import workbench as wb
>>> ds = wb.read_sample("kota_contoh")
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> s = wb.calibration.open(ds, "permenpanrb-6-2022", unit="Bappeda", period="2025", store=folder, by="hr")
>>> page = s.minutes_html()
>>> "Berita Acara Rapat Kalibrasi" in page, "<script" in page, "http" in page
(True, False, False)
"""

from __future__ import annotations

import html
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from workbench.i18n import t

if TYPE_CHECKING:
    from workbench.calibration.session import Session

__all__ = ["minutes_html", "write_minutes"]

Lang = Literal["id", "en"]

_STYLE = """
body { font-family: "Noto Sans", "DejaVu Sans", Arial, sans-serif; color: #222; max-width: 1000px;
       margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 1.4em; }
.kw-confidential { color: #8a1c00; font-weight: 600; }
.kw-summary { font-size: 1.05em; font-weight: 600; color: #0b3d66; }
.kw-table { border-collapse: collapse; font-size: 0.9em; margin: 0.4em 0; }
.kw-table th, .kw-table td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
.kw-meta th { background: #f3f3f3; width: 14em; }
.kw-code { font-family: "DejaVu Sans Mono", monospace; word-break: break-all; }
.kw-ok { color: #1b5e20; } .kw-warn { color: #8a1c00; font-weight: 600; }
.kw-sign td { border: none; padding: 0 4em 0 0; height: 7em; vertical-align: bottom; }
.kw-note { color: #555; font-size: 0.85em; }
"""


def _table(frame: pd.DataFrame, cls: str = "kw-table") -> str:
    return frame.to_html(index=False, escape=True, border=0, classes=cls, na_rep="")


def _verdict(check: Any, lang: Lang) -> tuple[bool, str]:
    row = check.to_frame().iloc[0]
    ok = bool(row["ok"])
    return ok, t("kal.verdict.ok" if ok else "kal.verdict.fail", lang)


def minutes_html(session: Session, lang: Lang = "id") -> str:
    """The minutes of ``session`` as one self-contained HTML page (see the module notes)."""
    import workbench

    e = html.escape
    header = session.header
    hist = session.history()
    trail = session.verify()
    before, after = session.curve_before(), session.curve()
    ok_before, word_before = _verdict(before, lang)
    ok_after, word_after = _verdict(after, lang)
    rubric = session.rubric
    org = rubric.curve.rows[session.org_rating].label.get(lang) if rubric.curve else session.org_rating
    label = {p.label.get(session.lang): p.label.get(lang) for p in rubric.predikat}

    def lab(x: Any) -> str:
        return "" if x is None or (isinstance(x, float) and pd.isna(x)) else label.get(x, str(x))

    closes = hist[hist["kind"] == "close"]
    meta = [(t("kal.minutes.unit", lang), session.unit), (t("kal.minutes.period", lang), session.period),
            (t("kal.minutes.org_rating", lang), org),
            (t("kal.minutes.rubric", lang), f"{rubric.label.get(lang)} ({rubric.id}, {rubric.hash})"),
            (t("kal.minutes.session", lang), session.id),
            (t("kal.minutes.data", lang), f"{header.get('dataset') or '-'} ({header.get('data_hash')})"),
            ("", t("kal.minutes.opened", lang, by=header["opened_by"], at=header["opened_at"][:19]))]
    if len(closes):
        c = closes.iloc[-1]
        meta.append(("", t("kal.minutes.closed", lang, by=c["by"], at=str(c["at"])[:19])))
    parts = [f"<h1>{e(t('kal.minutes.title', lang))}</h1>",
             f"<p class='kw-confidential'>{e(t('kal.minutes.confidential', lang))}</p>",
             "<table class='kw-table kw-meta'>" + "".join(f"<tr><th>{e(k)}</th><td>{e(str(v))}</td></tr>"
                                                          for k, v in meta) + "</table>"]
    if not len(closes):
        parts.append(f"<p class='kw-warn'>{e(t('kal.minutes.still_open', lang))}</p>")
    changes = hist[(hist["kind"] == "propose") & hist["active"]] if len(hist) else hist
    parts.append(f"<p class='kw-summary'>{e(t('kal.minutes.summary', lang, n=session.n_changes, before=word_before, after=word_after))}</p>")
    # distribution before and after
    d = session.distribution(lang)
    dist = pd.DataFrame({t("col.predikat", lang): d["predikat"], t("kal.col.before", lang): d["before"],
                         t("kal.col.after", lang): d["after"]})
    total = pd.DataFrame({dist.columns[0]: [t("kal.minutes.total", lang)], dist.columns[1]: [int(d["before"].sum())],
                          dist.columns[2]: [int(d["after"].sum())]})
    parts += [f"<h2>{e(t('kal.minutes.distribution', lang))}</h2>", _table(pd.concat([dist, total]))]
    for ok, check in ((ok_before, before), (ok_after, after)):
        if not ok:
            detail = check.summary(lang).loc[0, "violations"]
            parts.append(f"<p class='kw-note'>{e(t('kal.col.before' if check is before else 'kal.col.after', lang))}: "
                         f"{e(t('kal.minutes.rules', lang, detail=detail))}</p>")
    # the changes in effect
    parts.append(f"<h2>{e(t('kal.minutes.changes', lang))}</h2>")
    if len(changes):
        jab = session.people["jabatan"] if "jabatan" in session.people else pd.Series(dtype=object)
        table = pd.DataFrame({
            t("kal.col.no", lang): range(1, len(changes) + 1),
            t("kal.col.nip", lang): changes["employee_id"].to_numpy(),
            t("kal.col.name", lang): changes["name"].fillna("").to_numpy(),
            t("kal.col.jabatan", lang): changes["employee_id"].map(jab).fillna("").to_numpy(),
            t("kal.col.before", lang): [lab(x) for x in changes["from_predikat"]],
            t("kal.col.after", lang): [lab(x) for x in changes["to_predikat"]],
            t("kal.col.reason", lang): changes["reason"].to_numpy(),
            t("kal.col.by", lang): changes["by"].to_numpy(),
            t("kal.col.at", lang): [str(x)[:19] for x in changes["at"]]})
        parts.append(_table(table))
    else:
        parts.append(f"<p>{e(t('kal.minutes.no_changes', lang))}</p>")
    # withdrawn changes and notes
    gone = hist[hist["kind"] == "withdraw"]
    if len(gone):
        parts += [f"<h2>{e(t('kal.minutes.withdrawn', lang))}</h2>", _table(pd.DataFrame({
            t("kal.col.nip", lang): gone["employee_id"].to_numpy(), t("kal.col.name", lang): gone["name"].fillna("").to_numpy(),
            t("kal.col.before", lang): [lab(x) for x in gone["from_predikat"]],
            t("kal.col.after", lang): [lab(x) for x in gone["to_predikat"]],
            t("kal.col.reason", lang): gone["reason"].to_numpy(), t("kal.col.by", lang): gone["by"].to_numpy(),
            t("kal.col.at", lang): [str(x)[:19] for x in gone["at"]]}))]
    notes = hist[hist["kind"] == "note"]
    closing = [r for r in closes["reason"] if isinstance(r, str) and r]
    if len(notes) or closing:
        items = [f"<li>{e(str(r.at)[:19])}, {e(r.by)}: {e(r.reason)}</li>" for r in notes.itertuples()]
        items += [f"<li>{e(t('kal.minutes.closing_note', lang, note=r))}</li>" for r in closing]
        parts += [f"<h2>{e(t('kal.minutes.notes', lang))}</h2>", "<ul>" + "".join(items) + "</ul>"]
    # integrity
    if trail.ok:
        parts.append(f"<p class='kw-ok'>{e(t('kal.minutes.verify_ok', lang, n=trail.n_entries))}</p>")
    else:
        parts.append(f"<p class='kw-warn'>{e(t('kal.minutes.verify_fail', lang, n=len(trail.problems)))}</p>")
    parts.append(f"<p>{e(t('kal.minutes.code', lang))}: <span class='kw-code'>{e(trail.head)}</span></p>")
    sign = "".join(f"<td>{e(t(k, lang))}<br/><br/><br/><br/>____________________<br/>{e(t('kal.minutes.sign_name', lang))}</td>"
                   for k in ("kal.minutes.sign_chair", "kal.minutes.sign_secretary"))
    parts.append(f"<table class='kw-sign'><tr>{sign}</tr></table>")
    now = datetime.now(UTC).isoformat(timespec="seconds")
    parts.append(f"<p class='kw-note'>{e(t('kal.minutes.generated', lang, at=now, version=workbench.__version__))}</p>")
    title = e(f"{t('kal.minutes.title', lang)}: {session.unit}, {session.period}")
    return (f"<!DOCTYPE html>\n<html lang='{e(lang)}'><head><meta charset='utf-8'/><title>{title}</title>"
            f"<style>{_STYLE}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n")


def write_minutes(session: Session, path: str | os.PathLike[str], lang: Lang = "id") -> Path:
    """Write the minutes atomically (a temporary file, then a rename) and return the path."""
    target = Path(path).expanduser().resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    text = minutes_html(session, lang)
    fd, tmp = tempfile.mkstemp(prefix=".minutes-", suffix=".html", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
