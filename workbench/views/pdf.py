"""The PDF of a published report: the same title, header lines, sections and tables as the HTML.

:func:`render_pdf` lays out an A4 portrait document with reportlab's platypus layer: the
report's title, the lines under it (data and periods, privacy, loading counts, the rule,
the date, the headline), then per section its title, finding, figure (scaled to the page
width), table (its header row repeated when it runs onto the next page, long cells
wrapped) and notes. Every page carries a footer with the title, the date and "Halaman i
dari n" ("Page i of n"). It is given what :func:`workbench.views.publish.render_html` is
given, so both files say the same thing.

reportlab is imported only when a PDF is rendered (``import workbench`` stays light).

Examples
--------
>>> import pandas as pd
>>> from workbench.views.sections import HeadLine, Section
>>> table = pd.DataFrame({"OPD": ["Dinas A", "Dinas B"], "Pegawai": ["<5", "12"]})
>>> pdf = render_pdf("Ringkasan Pimpinan", [HeadLine("rule", "Aturan: contoh.")],
...                  [Section("share", "Porsi", "1 dari 2 OPD", table)], [], lang="id")
>>> pdf[:5]
b'%PDF-'
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import ParameterError, WorkbenchError
from workbench.i18n import t

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from workbench.views.sections import HeadLine, Section

__all__ = ["render_pdf"]

AUTHOR = "Kinerja Workbench"
FIGURE_DPI = 150
"""Resolution of the figures' PNGs in the PDF."""

# DejaVu Sans covers the scripts Helvetica (Latin-1 only) cannot; matplotlib ships a copy
_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)

_CM = 72 / 2.54
_MARGIN = 1.8 * _CM
_FOOTER = 1.0 * _CM  # baseline of the footer, above the page's lower edge
_FIRST_ROWS = 3  # a table starts on a new page unless its header and this many rows fit


def _escape(text: object) -> str:
    """``text`` for reportlab's Paragraph mini-markup ("<5" stays "<5", "&" stays "&")."""
    return html.escape(str(text), quote=False)


def _strings(title: str, head: Sequence[HeadLine], sections: Sequence[Section]) -> list[str]:
    out = [title, *(h.text for h in head)]
    for s in sections:
        out += [s.title, s.finding, *s.notes]
        if s.table is not None:
            out += [str(c) for c in s.table.columns]
            out += [str(v) for v in s.table.to_numpy().ravel()]
    return out


def _dejavu() -> tuple[Path, Path] | None:
    """DejaVu Sans and its bold face: the system's copy, else matplotlib's."""
    import matplotlib

    for d in (*_FONT_DIRS, Path(matplotlib.get_data_path()) / "fonts" / "ttf"):
        regular, bold = d / "DejaVuSans.ttf", d / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


def _fonts(texts: Sequence[str]) -> tuple[str, str]:
    """Helvetica when every text is in its encoding (Windows-1252), else DejaVu Sans
    (registered once); Helvetica again when no DejaVu file is found."""
    try:
        for text in texts:
            text.encode("cp1252")
        return "Helvetica", "Helvetica-Bold"
    except UnicodeEncodeError:
        pass
    files = _dejavu()
    if files is None:
        return "Helvetica", "Helvetica-Bold"
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "KwDejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("KwDejaVuSans", str(files[0])))
        pdfmetrics.registerFont(TTFont("KwDejaVuSans-Bold", str(files[1])))
    return "KwDejaVuSans", "KwDejaVuSans-Bold"


def _widths(rows: list[list[str]], fonts: list[str], size: float, avail: float, pad: float) -> list[float]:
    """Column widths: each column's natural width when they fit, else at least its longest
    word and the rest of ``avail`` shared by how much each column would like more."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    ncol = len(rows[0])
    natural = [0.0] * ncol
    least = [0.0] * ncol
    for row, font in zip(rows, fonts, strict=True):
        for j, cell in enumerate(row):
            natural[j] = max(natural[j], stringWidth(cell, font, size) + 2 * pad)
            words = cell.split() or [""]
            least[j] = max(least[j], max(stringWidth(w, font, size) for w in words) + 2 * pad)
    if sum(natural) <= avail:
        return natural
    if sum(least) >= avail:
        return [w * avail / sum(least) for w in least]
    want = [n - m for n, m in zip(natural, least, strict=True)]
    spare = avail - sum(least)
    return [m + spare * w / sum(want) for m, w in zip(least, want, strict=True)]


def render_pdf(title: str, head_lines: Sequence[HeadLine], sections: Sequence[Section],
               figures: Sequence[Figure], lang: str = "id", date: str = "") -> bytes:
    """The report as an A4 portrait PDF.

    Parameters
    ----------
    title
        The report's title (also the PDF's title metadata and the footer's).
    head_lines
        The lines under the title, in order (:class:`workbench.views.sections.HeadLine`);
        a ``"card"`` line (a figure of the headline band) is set as a finding, the others as notes.
    sections
        The report's sections (:class:`workbench.views.sections.Section`); their tables hold
        already-formatted text (hidden cells as "<5" or "disembunyikan").
    figures
        The drawn figures, in section order, one per section whose ``draw`` is not ``None``
        (as :func:`workbench.views.publish.render_html` returns them).
    lang
        ``"id"`` or ``"en"``: the footer's "Halaman i dari n" or "Page i of n".
    date
        The generation date shown in the footer.

    Returns
    -------
    bytes
        The PDF file.

    Raises
    ------
    ParameterError
        When the number of figures is not the number of sections that draw one.
    WorkbenchError
        When reportlab is not installed.
    """
    try:
        from reportlab.lib import colors
    except ImportError as exc:
        raise WorkbenchError("Writing the PDF needs reportlab, which is not installed; nothing was written. "
                             "Install it with `pip install 'kinerja-workbench[dashboards]'` (or `pip install "
                             "reportlab`), or publish without --pdf.") from exc
    from reportlab import platypus as pl
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfgen.canvas import Canvas

    from workbench.viz import png_bytes

    drawn = [s for s in sections if s.draw is not None]
    if len(drawn) != len(figures):
        raise ParameterError(f"`figures` must hold one figure per section that draws one ({len(drawn)}: "
                             f"{', '.join(s.key for s in drawn) or 'none'}); got {len(figures)}. Pass the "
                             "figures render_html returns for the same sections.")
    regular, bold = _fonts(_strings(title, head_lines, sections))
    page_w, page_h = A4
    avail_w = page_w - 2 * _MARGIN
    avail_h = page_h - 2 * _MARGIN
    st = {
        "title": ParagraphStyle("kw-title", fontName=bold, fontSize=18, leading=22, spaceAfter=6),
        "note": ParagraphStyle("kw-note", fontName=regular, fontSize=8.5, leading=11, spaceAfter=3,
                               textColor=colors.HexColor("#444444")),
        "headline": ParagraphStyle("kw-headline", fontName=bold, fontSize=10, leading=13, spaceBefore=3,
                                   spaceAfter=3, textColor=colors.HexColor("#0b3d66")),
        "section": ParagraphStyle("kw-section", fontName=bold, fontSize=13, leading=16, spaceBefore=14,
                                  spaceAfter=4, keepWithNext=1),
        "finding": ParagraphStyle("kw-finding", fontName=bold, fontSize=10, leading=13, spaceAfter=6,
                                  textColor=colors.HexColor("#0b3d66"), keepWithNext=1),
        "cell": ParagraphStyle("kw-cell", fontName=regular, fontSize=7.5, leading=9),
        "th": ParagraphStyle("kw-th", fontName=bold, fontSize=7.5, leading=9),
        "bullet": ParagraphStyle("kw-bullet", fontName=regular, fontSize=8.5, leading=11, leftIndent=10,
                                 bulletIndent=0, spaceAfter=2),
    }
    pad = 3.0

    def grid(rows: list[list[str]], widths: list[float]) -> pl.Table:
        cells = [[pl.Paragraph(_escape(c), st["th"]) for c in rows[0]]]
        cells += [[pl.Paragraph(_escape(c), st["cell"]) for c in row] for row in rows[1:]]
        out = pl.Table(cells, colWidths=widths, repeatRows=1, hAlign="LEFT")
        out.setStyle(pl.TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6")),
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#cccccc")),
        ]))
        return out

    def table(frame: Any) -> list[Any]:
        """The table, after a page break when fewer than its header and first rows fit."""
        rows = [[str(c) for c in frame.columns]]
        rows += [[str(v) for v in row] for row in frame.itertuples(index=False, name=None)]
        widths = _widths(rows, [bold] + [regular] * (len(rows) - 1), st["cell"].fontSize, avail_w, pad)
        _, first = grid(rows[:1 + _FIRST_ROWS], widths).wrap(avail_w, avail_h)
        return [pl.CondPageBreak(first + 6), pl.Spacer(1, 6), grid(rows, widths)]

    def image(figure: Figure) -> pl.Image:
        w_in, h_in = figure.get_size_inches()
        w, h = avail_w, avail_w * float(h_in) / float(w_in)
        if h > 0.7 * avail_h:  # a tall figure leaves room for its section's title on the page
            w, h = w * 0.7 * avail_h / h, 0.7 * avail_h
        return pl.Image(io.BytesIO(png_bytes(figure, FIGURE_DPI)), width=w, height=h)

    story: list[Any] = [pl.Paragraph(_escape(title), st["title"])]
    for line in head_lines:
        story.append(pl.Paragraph(_escape(line.text), st["headline" if line.kind in ("headline", "card") else "note"]))
    pictures = iter(figures)
    for s in sections:
        block: list[Any] = [pl.Paragraph(_escape(s.title), st["section"]), pl.Paragraph(_escape(s.finding), st["finding"])]
        if s.draw is not None:
            block.append(image(next(pictures)))
        story.append(pl.KeepTogether(block))
        if s.table is not None and len(s.table):
            story += table(s.table)
        if s.notes:
            story.append(pl.Spacer(1, 4))
            story += [pl.Paragraph(_escape(n), st["bullet"], bulletText="\u2022") for n in s.notes]

    footer_left = " \u00b7 ".join(x for x in (title, date) if x)

    class _Numbered(Canvas):
        """Keeps every page until the end, then writes the footers with the page total."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._kw_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # reportlab's name
            self._kw_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._kw_pages)
            for number, state in enumerate(self._kw_pages, start=1):
                self.__dict__.update(state)
                self.saveState()
                self.setStrokeColor(colors.HexColor("#bbbbbb"))
                self.setLineWidth(0.4)
                self.line(_MARGIN, _FOOTER + 10, page_w - _MARGIN, _FOOTER + 10)
                self.setFillColor(colors.HexColor("#555555"))
                self.setFont(regular, 7.5)
                self.drawString(_MARGIN, _FOOTER, footer_left)
                self.drawRightString(page_w - _MARGIN, _FOOTER, t("page.number", lang, page=number, pages=total))
                self.restoreState()
                super().showPage()
            super().save()

    buffer = io.BytesIO()
    doc = pl.SimpleDocTemplate(buffer, pagesize=A4, leftMargin=_MARGIN, rightMargin=_MARGIN, topMargin=_MARGIN,
                            bottomMargin=_MARGIN, title=title, author=AUTHOR, creator=AUTHOR, lang=lang)
    doc.build(story, canvasmaker=_Numbered)
    return buffer.getvalue()
