"""`workbench publish`: a self-contained HTML report (and PDF) with the dashboards' privacy rules."""

from __future__ import annotations

import base64
import re

import pytest

import workbench as wb
from workbench.cli import main
from workbench.errors import WorkbenchError
from workbench.privacy import audit
from workbench.views import _sources as src
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


def _org_csv(path, units, rating="Istimewa"):
    lines = ["Predikat Kinerja Organisasi Tahun 2025", "Nama OPD;Predikat Organisasi;Tahun"]
    lines += [f"{u};{rating};2025" for u in units]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _card(text: str, key: str) -> tuple[str, str, str]:
    """A card of the headline band: label, value, finding (as written, unescaped)."""
    import html as _html

    m = re.search(rf"data-key='{key}'><div class='kw-card-label'>([^<]*)</div><div class='kw-card-value'>([^<]*)"
                  r"</div><div class='kw-card-finding'>([^<]*)</div>", text)
    assert m is not None, f"no card {key!r} in the headline band"
    return tuple(_html.unescape(g) for g in m.groups())  # type: ignore[return-value]


def test_publish_org_rating_file_and_period(tmp_path):
    ds = wb.read_sample("kota_contoh")
    org = _org_csv(tmp_path / "pko_2025.csv", ds.units[:5])
    out = tmp_path / "r.html"
    assert main(["publish", "ringkasan_pimpinan", "--data", "kota_contoh", "--out", str(out),
                 "--org-rating", str(org), "--period", "2025"]) == 0
    text = out.read_text(encoding="utf-8")
    head = re.search(r"kw-rule'>([^<]*)<", text).group(1)
    assert "dari pko_2025.csv untuk 5 OPD" in head and "diasumsikan Baik untuk 7 OPD" in head
    assert _card(text, "unscored") == ("Belum dinilai", "0 pegawai",
                                       "Semua pegawai dalam daftar periode 2025 sudah punya predikat.")
    assert "Sumber predikat organisasi" in text and text.count("pko_2025.csv") >= 6
    en = tmp_path / "en.html"
    assert main(["publish", "ringkasan_pimpinan", "--data", "kota_contoh", "--out", str(en), "--lang", "en",
                 "--org-rating", str(org)]) == 0
    assert "from pko_2025.csv for 5 unit(s)" in en.read_text(encoding="utf-8")


def test_publish_bad_org_rating_file_or_period_gives_a_message(tmp_path, capsys):
    bad = tmp_path / "pko.csv"
    bad.write_text("OPD,Predikat Organisasi\nDinas A,Luar Biasa\n", encoding="utf-8")
    out = tmp_path / "r.html"
    assert main(["publish", "ringkasan_pimpinan", "--data", "kota_contoh", "--out", str(out),
                 "--org-rating", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "pko.csv" in err and "lines 2" in err and "Istimewa" in err
    assert main(["publish", "ringkasan_pimpinan", "--data", "kota_contoh", "--out", str(out),
                 "--period", "2031"]) == 2
    assert "`period` must be one of" in capsys.readouterr().err
    assert not out.exists()


def test_publish_a_dataset_with_recorded_predikat_only(tmp_path):
    import pandas as pd

    from workbench.data import Dataset

    ids = [f"1980010120000110{i:02d}" for i in range(24)]
    roster = pd.DataFrame({"employee_id": ids, "period": "2025", "unit": ["Dinas A"] * 12 + ["Dinas B"] * 12})
    labels = ["Baik"] * 9 + ["Sangat Baik", "Butuh Perbaikan", None] + ["Baik"] * 6 + [None] * 6
    rec = pd.DataFrame({"period": "2025", "employee_id": ids, "predikat": labels})
    org = pd.DataFrame({"period": [None], "unit": ["Dinas A"], "org_predikat": ["Istimewa"]})
    ratings = pd.DataFrame(columns=["period", "employee_id", "rater_id", "rater_role", "indicator", "score"])
    ds = Dataset.trusted(ratings, roster, name="rekap", predikat=rec, org_ratings=org)
    ds.meta["org_ratings_source"] = "pko.xlsx"
    text = pub.publish("ringkasan_pimpinan", ds, tmp_path / "r.html").read_text(encoding="utf-8")
    head = re.search(r"kw-rule'>([^<]*)<", text).group(1)
    assert head.endswith("Predikat organisasi: dari pko.xlsx untuk 1 OPD; diasumsikan Baik untuk 1 OPD (tidak ada "
                         "data predikat organisasi).")
    # 1 unrated in Dinas A (a small cell) and 6 in Dinas B: the city's 7 and Dinas B's 6
    # together would give Dinas A's 1, so the page hides one of them (which one is the
    # suppression's choice) and the card says what the page model says
    page = src.leadership(ds, "2025", None, None, 5)
    city, dinas_b = page.facts["ringkasan_pimpinan/unscored/2025"], page.facts["ringkasan_pimpinan/unscored/2025/Dinas B"]
    assert city.hidden or dinas_b.hidden
    assert _card(text, "unscored")[:2] == ("Belum dinilai", "disembunyikan" if city.hidden else "7 pegawai")
    assert audit(page).ok
    assert "1 dari 2 OPD" in text or "0 dari 2 OPD" in text
    assert not any(i in text for i in ids)
