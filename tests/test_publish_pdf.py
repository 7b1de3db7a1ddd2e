"""The published PDF carries the HTML's text and tables, with page numbers (pypdf reads it back)."""

from __future__ import annotations

import html
import re

import pandas as pd
import pypdf
import pytest

import workbench as wb
from workbench.errors import ParameterError
from workbench.privacy import find_identifiers
from workbench.views import publish as pub
from workbench.views.pdf import render_pdf
from workbench.views.sections import HeadLine, Section

HEAD = re.compile(r"<p class='kw-[^']*'>([^<]*)</p>")


def _norm(text: str) -> str:
    """Whitespace collapsed: text extraction breaks lines where the layout wraps them."""
    return " ".join(str(text).split())


def _read(path):
    reader = pypdf.PdfReader(path)
    pages = [_norm(p.extract_text()) for p in reader.pages]
    return reader, pages, " ".join(pages)


@pytest.fixture(scope="module")
def ds():
    return wb.read_sample("kota_contoh")


@pytest.fixture(scope="module")
def leadership(tmp_path_factory, ds):
    out = tmp_path_factory.mktemp("pdf") / "r.html"
    pub.publish("ringkasan_pimpinan", ds, out, pdf=True)
    return out


def _head(doc: str) -> list[str]:
    """The lines under the HTML's title (before the first section)."""
    return [html.unescape(m) for m in HEAD.findall(doc.split("<section", 1)[0])]


def _same_content(doc: str, sections: list[Section], text: str) -> None:
    title = html.unescape(re.search(r"<h1>([^<]*)</h1>", doc).group(1))
    assert text.startswith(_norm(title))
    for line in _head(doc):
        assert _norm(line) in text, line
    at = 0
    for s in sections:  # in the HTML's order, each with its finding, table rows and notes
        assert _norm(s.title) in doc and _norm(s.title) in text
        at = text.index(_norm(s.title), at)
        assert _norm(s.finding) in text[at:], s.finding
        for note in s.notes:
            assert _norm(note) in text[at:], note
        if s.table is not None:
            assert _norm(" ".join(str(c) for c in s.table.columns)) in text[at:]
            for row in s.table.itertuples(index=False, name=None):
                cells = " ".join(_norm(c) for c in row if _norm(c))
                assert cells in text[at:], cells


def _numbered(reader, pages: list[str], word: str, of: str) -> None:
    n = len(reader.pages)
    assert n >= 2
    for i, page in enumerate(pages, start=1):
        assert f"{word} {i} {of} {n}" in page


def test_pdf_carries_the_title_head_sections_and_tables_of_the_html(leadership, ds):
    doc = leadership.read_text(encoding="utf-8")
    reader, pages, text = _read(leadership.with_suffix(".pdf"))
    sections = pub.build_sections("ringkasan_pimpinan", ds)
    _same_content(doc, sections, text)
    rule = html.unescape(re.search(r"kw-rule'>([^<]*)<", doc).group(1))
    assert _norm(rule) in text
    cards = re.findall(r"<div class='kw-card-label'>([^<]*)</div><div class='kw-card-value'>([^<]*)</div>"
                       r"<div class='kw-card-finding'>([^<]*)</div>", doc)
    assert len(cards) == 4  # the headline band: each figure as one line of the PDF
    for label, value, finding in cards:
        assert _norm(html.unescape(f"{label}: {value}. {finding}")) in text
    date = re.search(r"Dibuat (\d{4}-\d\d-\d\d \d\d:\d\d UTC) dengan Kinerja Workbench", text)
    assert date and f"Dibuat {date.group(1)}" in doc
    assert all(date.group(1) in page for page in pages)  # the footer's date, on every page
    assert sum(s.table is not None for s in sections) == 3


def test_pdf_pages_are_numbered_and_carry_the_title(leadership):
    reader, pages, _ = _read(leadership.with_suffix(".pdf"))
    _numbered(reader, pages, "Halaman", "dari")
    assert all("Ringkasan Pimpinan" in page for page in pages)
    assert reader.metadata.title == "Ringkasan Pimpinan"
    assert reader.metadata.author == "Kinerja Workbench"
    assert reader.metadata.creation_date is not None
    assert reader.pages[0].mediabox.width == pytest.approx(595.3, abs=1)  # A4 portrait
    assert reader.pages[0].mediabox.height == pytest.approx(841.9, abs=1)


def test_pdf_shows_hidden_cells_literally_and_no_identifier(leadership, ds):
    _, _, text = _read(leadership.with_suffix(".pdf"))
    assert "<5" in text and "&lt;" not in text and "disembunyikan" in text
    names = ds.roster["name"].dropna().astype(str).unique().tolist()
    assert find_identifiers(text, names) == []
    assert not re.search(r"(?<!\d)\d{18}(?!\d)", text)


def test_english_pdf(tmp_path, ds):
    out = pub.publish("ringkasan_pimpinan", ds, tmp_path / "en.html", pdf=True, lang="en")
    reader, pages, text = _read(out.with_suffix(".pdf"))
    _numbered(reader, pages, "Page", "of")
    assert "Halaman" not in text and text.startswith("Leadership Overview")
    _same_content(out.read_text(encoding="utf-8"), pub.build_sections("ringkasan_pimpinan", ds, lang="en"), text)


@pytest.mark.parametrize("dashboard", ["simulasi_rubrik", "kualitas_penilai"])
def test_other_dashboards_publish_a_pdf(tmp_path, ds, dashboard):
    out = pub.publish(dashboard, ds, tmp_path / "r.html", pdf=True)
    reader, pages, text = _read(out.with_suffix(".pdf"))
    _numbered(reader, pages, "Halaman", "dari")
    _same_content(out.read_text(encoding="utf-8"), pub.build_sections(dashboard, ds), text)
    names = ds.roster["name"].dropna().astype(str).unique().tolist()
    assert find_identifiers(text, names) == []


def test_render_pdf_escapes_markup_and_embeds_a_font_for_text_beyond_latin1():
    table = pd.DataFrame({"OPD": ["Dinas A & B", "Dinas Ω"], "Pegawai": ["<5", "<b>12</b>"]})
    section = Section("share", "Porsi <i>Baik</i>", "1 dari 2 OPD \u2264 95%", table, ("catatan: a < b & c > d",))
    pdf = render_pdf("Ringkasan Pimpinan", [HeadLine("rule", "Aturan: contoh.")], [section], [], lang="en",
                     date="2025-01-01 00:00 UTC")
    import io

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = _norm(reader.pages[0].extract_text())
    for expected in ("Porsi <i>Baik</i>", "1 dari 2 OPD \u2264 95%", "Dinas A & B <5", "Dinas Ω <b>12</b>",
                     "catatan: a < b & c > d", "Page 1 of 1", "2025-01-01 00:00 UTC"):
        assert expected in text, expected


def test_render_pdf_wants_one_figure_per_drawing_section():
    section = Section("share", "Porsi", "1 dari 2 OPD", draw=lambda: None)  # type: ignore[arg-type,return-value]
    with pytest.raises(ParameterError, match="one figure per section that draws one"):
        render_pdf("Ringkasan Pimpinan", [], [section], [], lang="id")
