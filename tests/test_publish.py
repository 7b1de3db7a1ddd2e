"""`workbench publish`: a self-contained HTML report (and PDF) with the dashboards' privacy rules."""

from __future__ import annotations

import base64
import re

import pytest

import workbench as wb
from workbench.cli import main
from workbench.errors import WorkbenchError
from workbench.views import publish as pub

IMG = re.compile(r'<img[^>]*src="data:image/png;base64,([^"]+)"')


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("pub") / "ringkasan.html"
    assert main(["publish", "ringkasan_pimpinan", "--data", "kota_contoh", "--out", str(out), "--pdf"]) == 0
    return out


def test_html_is_self_contained(report):
    text = report.read_text(encoding="utf-8")
    assert "<script" not in text.lower()
    assert "<link" not in text.lower()
    assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), "reference to another host"
    assert "Ringkasan Pimpinan" in text and "<style>" in text
    images = IMG.findall(text)
    assert len(images) == 3
    for b64 in images:
        assert base64.b64decode(b64)[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_identifiers_in_report(report):
    ds = wb.read_sample("kota_contoh")
    text = report.read_text(encoding="utf-8")
    assert not re.search(r"(?<!\d)\d{18}(?!\d)", text)
    assert not [n for n in set(ds.roster["name"]) if n in text]


def test_pdf_written(report):
    pdf = report.with_suffix(".pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"


@pytest.mark.parametrize("dashboard", ["kualitas_penilai", "dashboards/simulasi_rubrik.ipynb"])
def test_other_dashboards_in_english(tmp_path, dashboard):
    out = tmp_path / "r.html"
    assert main(["publish", dashboard, "--data", "kota_contoh", "--out", str(out), "--lang", "en"]) == 0
    text = out.read_text(encoding="utf-8")
    assert "<html lang='en'>" in text and len(IMG.findall(text)) == 2
    ds = wb.read_sample("kota_contoh")
    assert not [n for n in set(ds.roster["name"]) if n in text]


def test_bad_arguments_give_a_message_not_a_traceback(tmp_path, capsys):
    out = tmp_path / "r.html"
    assert main(["publish", "ringkasan_pimpinan", "--data", "kota_contoh", "--out", str(out), "--min-cell", "2"]) == 2
    assert "at least 3" in capsys.readouterr().err
    assert main(["publish", "nope", "--data", "kota_contoh", "--out", str(out)]) == 2
    assert main(["publish", "ringkasan_pimpinan", "--data", "no/such/path", "--out", str(out)]) == 2
    assert not out.exists()


def test_identifier_scan_blocks_writing(tmp_path, monkeypatch):
    ds = wb.read_sample("kota_contoh")
    real = pub.render_html

    def leaky(*a, **k):
        doc, figs = real(*a, **k)
        return doc + ds.roster["employee_id"].iloc[0], figs

    monkeypatch.setattr(pub, "render_html", leaky)
    with pytest.raises(WorkbenchError, match="identifier"):
        pub.publish("ringkasan_pimpinan", ds, tmp_path / "x.html")
    assert not (tmp_path / "x.html").exists()
