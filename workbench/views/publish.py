"""Publish a dashboard as one self-contained HTML file (and a PDF on request).

``workbench publish DASHBOARD --data PATH --out report.html [--pdf] [--lang id|en]
[--min-cell 5] [--period 2025] [--org-rating FILE]`` builds the same sections as the dashboard (the same numbers, the same
small-cell suppression, no identifiers: rater names are never published), embeds every
figure as a base64 PNG and the style inline, and writes no script, link or reference to
any other host, so the file opens on a laptop with no network and makes no request.
Before writing, the HTML is scanned for 18-digit NIPs and roster names; a hit aborts.

Examples
--------
>>> import tempfile, pathlib
>>> import workbench as wb
>>> from workbench.views.publish import publish
>>> out = pathlib.Path(tempfile.mkdtemp()) / "ringkasan.html"
>>> path = publish("ringkasan_pimpinan", wb.read_sample("kota_contoh"), out)
>>> text = path.read_text(encoding="utf-8")
>>> "<script" in text, "http://" in text or "https://" in text, text.count('src="data:image/png;base64,')
(False, False, 3)
"""

from __future__ import annotations

import argparse
import dataclasses
import html
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench._output import check_output, write_atomic
from workbench.data import Dataset
from workbench.errors import ParameterError, WorkbenchError, check_option
from workbench.i18n import LANGUAGES, t
from workbench.privacy import audit, check_min_cell, find_identifiers
from workbench.rubric import Rubric
from workbench.views import _sources as src
from workbench.views import sections as sec
from workbench.viz import data_uri

__all__ = ["DASHBOARDS", "build_pages", "build_sections", "head_lines", "publish", "render_html", "run_command"]

DASHBOARDS: tuple[str, ...] = ("ringkasan_pimpinan", "kualitas_penilai", "simulasi_rubrik")
"""Dashboards that can be published (the notebook names in ``dashboards/``)."""

_STYLE = """
body { font-family: "Noto Sans", "DejaVu Sans", Arial, sans-serif; color: #222; max-width: 980px;
       margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.8em; margin-bottom: 0.2em; }
.kw-note { color: #444; font-size: 0.9em; }
.kw-section { page-break-inside: avoid; margin-top: 1.5em; }
.kw-finding { font-size: 1.05em; font-weight: 600; color: #0b3d66; }
.kw-figure { max-width: 100%; height: auto; display: block; }
.kw-table { border-collapse: collapse; font-size: 0.9em; margin: 0.5em 0; }
.kw-table th, .kw-table td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; }
""" + sec.HEAD_CSS


def _name(dashboard: str) -> str:
    name = Path(dashboard).stem if dashboard.endswith(".ipynb") else dashboard
    check_option("dashboard", name, DASHBOARDS)
    return name


def _period(ds: Dataset, period: str | None) -> str:
    """The period to report: ``period`` (checked), else 2025 when present, else the latest."""
    if period is not None:
        check_option("period", period, ds.periods)
        return period
    if not ds.periods:
        raise ParameterError("The dataset holds no period (no ratings and no recorded predikat); nothing to "
                             "publish.")
    return "2025" if "2025" in ds.periods else ds.periods[-1]


def build_sections(dashboard: str, ds: Dataset, period: str | None = None, lang: str = "id",
                   min_cell: int | None = None, org_rating: Mapping[str, str] | None = None,
                   rubric: Rubric | None = None, unit: str | None = None) -> list[sec.Section]:
    """The sections of ``dashboard`` for a static report (never the HR-only rater names);
    ``unit``: the leadership report drilled into one OPD (its jabatan table and trend)."""
    name = _name(dashboard)
    k = check_min_cell(min_cell)
    period = _period(ds, period)
    if name == "ringkasan_pimpinan":
        unit = _unit(ds, unit)
        drill = [sec.unit_section(ds, period, unit, org_rating, lang, k)] if unit else []
        return [*drill,
                sec.curve_section(ds, period, org_rating, lang, k, unit=unit),
                sec.share_section(ds, period, lang, k, org_rating=org_rating, unit=unit),
                sec.trend_section(ds, unit, lang, k, period=period, org_rating=org_rating),
                sec.flags_section(ds, period, org_rating, lang, k, unit=unit)]
    if name == "kualitas_penilai":
        return [sec.reliability_section(ds, period, lang, k), sec.raters_section(ds, period, lang, k)]
    rubric = rubric or src.whatif_base()
    periods = src.whatif_periods(ds, rubric)
    period = period if period in periods else (periods[-1] if periods else period)
    return [sec.curve_section(ds, period, org_rating, lang, k, rubric=rubric),
            sec.transitions_section(ds, period, rubric, lang, k, org_rating=org_rating)]


def _unit(ds: Dataset, unit: str | None) -> str | None:
    if unit is not None:
        check_option("unit", unit, ds.units)
    return unit or None


def build_pages(dashboard: str, ds: Dataset, period: str | None = None, min_cell: int | None = None,
                org_rating: Mapping[str, str] | None = None, rubric: Rubric | None = None,
                unit: str | None = None) -> list[Any]:
    """The page models (:mod:`workbench.report`) a report of ``dashboard`` is rendered from,
    in the same state as :func:`build_sections` (the audit runs on them)."""
    name = _name(dashboard)
    k = check_min_cell(min_cell)
    period = period or ("2025" if "2025" in ds.periods else ds.periods[-1])
    if name == "ringkasan_pimpinan":
        return [src.leadership(ds, period, org_rating, _unit(ds, unit), k)]
    if name == "kualitas_penilai":
        return []
    rubric = rubric or src.whatif_base()
    periods = src.whatif_periods(ds, rubric)
    period = period if period in periods else (periods[-1] if periods else period)
    return [src.whatif(ds, rubric, period, org_rating, k)]


def _loaded(ds: Dataset, lang: str) -> str:
    """The loading counts (rows read, kept, rejected), when the dataset was loaded from files."""
    rep = ds.report
    if not rep.rows_read:  # built in memory (Dataset.from_frames): nothing was loaded
        return ""
    return t("page.loaded", lang, read=rep.rows_read, kept=rep.rows_kept, rejected=rep.rows_rejected)


def head_lines(ds: Dataset, lang: str = "id", min_cell: int | None = None, band: list[sec.Card] | None = None,
               rule: str | None = None, date: str = "") -> list[sec.HeadLine]:
    """The lines under a report's title, shown by both the HTML and the PDF: the data and
    its periods, the privacy rule, the loading counts (when loaded from files), ``rule``
    (:func:`workbench.views.sections.rule_line` and the org ratings' source), the
    generation ``date`` and version, and the headline ``band``
    (:func:`workbench.views.sections.band`, one line per figure); empty ones are left out."""
    from workbench import __version__

    k = check_min_cell(min_cell)
    lines = [sec.HeadLine("data", t("page.data", lang, name=ds.name or "data", periods=", ".join(ds.periods))),
             sec.HeadLine("privacy", t("page.privacy", lang, k=k)),
             sec.HeadLine("loaded", _loaded(ds, lang)),
             sec.HeadLine("rule", rule or ""),
             sec.HeadLine("generated", t("page.generated", lang, date=date, version=__version__))]
    lines += [sec.HeadLine("card", f"{c.label}: {c.value}. {c.finding}", c) for c in band or []]
    return [line for line in lines if line.text]


def render_html(title: str, head: Sequence[sec.HeadLine], sections: Sequence[sec.Section],
                lang: str = "id") -> tuple[str, list[Any]]:
    """The report's HTML and the figures drawn for it, in section order (one per section
    whose ``draw`` is not ``None``; :func:`workbench.views.pdf.render_pdf` takes them);
    ``head``: the lines under the title (:func:`head_lines`)."""
    figures = []
    body = []
    for s in sections:
        src = None
        if s.draw is not None:
            figure = s.draw()
            figures.append(figure)
            src = data_uri(figure)
        body.append(sec.section_html(s, src, lang))
    top = f"<h1>{html.escape(title)}</h1>" + "".join(
        f"<p class='kw-note kw-{line.kind}'>{html.escape(line.text)}</p>" for line in head if line.card is None)
    cards = [line.card for line in head if line.card is not None]
    top += sec.band_html(cards) if cards else ""  # the band as cards; the PDF has their lines
    doc = (f"<!DOCTYPE html>\n<html lang='{lang}'><head><meta charset='utf-8'>"
           f"<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">"
           f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
           f"<body>{top}{''.join(body)}</body></html>\n")
    return doc, figures


def publish(dashboard: str, ds: Dataset, out: str | Path, pdf: bool = False, lang: str = "id",
            min_cell: int | None = None, period: str | None = None,
            org_rating: Mapping[str, str] | None = None, unit: str | None = None) -> Path:
    """Write the self-contained HTML report of ``dashboard`` (and ``<out>.pdf`` if ``pdf``).

    Parameters
    ----------
    dashboard
        ``"ringkasan_pimpinan"``, ``"kualitas_penilai"`` or ``"simulasi_rubrik"`` (or a
        path to the notebook).
    ds
        The dataset.
    out
        The HTML file to write.
    pdf
        Also write an A4 PDF next to it (same name, ``.pdf``) that carries what the HTML
        carries: the title, the lines under it, and every section's title, finding,
        figure, table and notes (:func:`workbench.views.pdf.render_pdf`), with the title,
        date and "Halaman i dari n" ("Page i of n") in every page's footer.
    lang, min_cell, period, org_rating
        As in the dashboards. Without ``org_rating``, the dataset's org ratings
        (``ds.org_ratings``) are used, and "Baik" is assumed for a unit without one; the
        report's headline says which, and how many employees are not yet rated.
    unit
        The leadership report of one OPD: its drill-down by jabatan first, its trend,
        the city's curve and shares for comparison (protected and audited as one page).

    Returns
    -------
    pathlib.Path
        The HTML file.

    Raises
    ------
    WorkbenchError
        When an identifier (NIP or roster name) would be written, or when the audit
        (:func:`workbench.privacy.audit`) narrows a hidden cell of the page below the
        protection level.
    """
    check_option("lang", lang, LANGUAGES)
    for page in build_pages(dashboard, ds, period, min_cell, org_rating, unit=unit):
        report = audit(page, reuse=True)  # which cells are ok is the same; the suppression's points settle most
        if not report.ok:
            raise WorkbenchError(
                f"The report would let a reader narrow {len(report.failures)} hidden cell(s) to fewer than "
                f"{report.protection} possible values from the numbers it shows; nothing was written. "
                "Raise --min-cell or report an issue.")
    sections = build_sections(dashboard, ds, period, lang, min_cell, org_rating, unit=unit)
    band = rule = None
    shown = _period(ds, period)
    if _name(dashboard) == "ringkasan_pimpinan":
        band = sec.band(ds, shown, org_rating, lang, min_cell, unit)
        rule = sec.rule_line(ds, shown, lang) + " " + sec.org_line(ds, shown, org_rating, lang)
    elif _name(dashboard) == "simulasi_rubrik":
        rule = (sec.rule_line(ds, shown, lang, rubric=src.whatif_base(), whatif=True) + " "
                + sec.org_line(ds, shown, org_rating, lang))
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    title = t(f"page.{_name(dashboard)}", lang)
    lines = head_lines(ds, lang, min_cell, band=band, rule=rule, date=date)
    doc, figures = render_html(title, lines, sections, lang)
    names = ds.roster["name"].dropna().astype(str).unique().tolist() if "name" in ds.roster else []
    leaks = find_identifiers(doc, names)
    if leaks:
        raise WorkbenchError(f"The report would contain {len(leaks)} personal identifier(s) "
                             "(NIP or name); nothing was written.")
    inputs = [ds.source] if ds.source and Path(str(ds.source)).exists() else []
    out = check_output(out, inputs)
    document = None
    if pdf:
        from workbench.views.pdf import render_pdf

        check_output(out.with_suffix(".pdf"), inputs)
        document = render_pdf(title, lines, sections, figures, lang, date)
    write_atomic(out, doc)
    if document is not None:
        write_atomic(out.with_suffix(".pdf"), document)
    return out


def run_command(args: argparse.Namespace) -> int:
    """Carry out ``workbench publish`` (the command line declares its arguments)."""
    import workbench as wb

    data = str(args.data)
    if Path(data).exists():
        ds = wb.load(data)
    elif data in wb.data.list_samples():
        ds = wb.read_sample(data)
    else:
        raise ParameterError(f"`--data` must be a file or folder, or a bundled sample "
                             f"({', '.join(wb.data.list_samples())}); got {data!r}.")
    if getattr(args, "org_rating", None):
        from workbench.data.org_ratings import read_org_ratings

        org_file = Path(args.org_rating)
        ds = dataclasses.replace(ds, org_ratings=read_org_ratings(org_file),
                                 meta={**ds.meta, "org_ratings_source": org_file.name})
    path = publish(args.dashboard, ds, args.out, pdf=args.pdf, lang=args.lang, min_cell=args.min_cell,
                   period=args.period, unit=getattr(args, "unit", None))
    print(f"written {path}" + (f" and {path.with_suffix('.pdf')}" if args.pdf else ""))
    return 0

