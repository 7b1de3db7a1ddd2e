"""The leadership dashboard on recorded predikat only, with an org-ratings file (issue 10).

The data are files in a temporary folder, as a BKD analyst has them: a recap of the
recorded predikat (NIP, unit, period, predikat; ``-`` = not yet rated, labels in any
case), a roster with employees the recap does not rate, and an org-ratings CSV that
rates two of the three OPD. The page must render, say in its headline where the org
ratings came from (the file's name; "diasumsikan Baik" for the OPD it leaves out) and
how many employees are not yet rated, and show both per OPD in the curve table.

The dashboard is the one ``make dashboard`` serves, with ``WORKBENCH_DATA`` set to the
folder: ``wb.load`` reads the three files as one dataset.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

NIP = re.compile(r"(?<!\d)\d{18}(?!\d)")
LOAD = 120_000
UNITS = {"Dinas Kesehatan": 30, "Dinas Pendidikan": 40, "Badan Keuangan Daerah": 20}


def _files(folder) -> tuple[int, int]:
    """Write the recap, the roster and the org ratings; return (employees, not yet rated)."""
    roster, recap = ["nip,unit_kerja,periode"], ["NIP,Unit Kerja,Periode,Predikat"]
    labels = ["BAIK", "Baik", "sangat baik", "Butuh Perbaikan", "Baik", "Baik", "Baik", "-"]
    n, unrated = 0, 0
    for u, size in UNITS.items():
        for i in range(size):
            nip = f"19800101{2000 + n:04d}01{1001 + n:04d}"[:18]
            roster.append(f"{nip},{u},2025")
            n += 1
            if i % 10 == 9:  # on the roster, not in the recap: not yet rated
                unrated += 1
                continue
            label = labels[(n * 7) % len(labels)]
            unrated += label == "-"
            recap.append(f"{nip},{u},2025,{label}")
    (folder / "roster.csv").write_text("\n".join(roster) + "\n", encoding="utf-8")
    (folder / "rekap_predikat_2025.csv").write_text("\n".join(recap) + "\n", encoding="utf-8")
    (folder / "predikat_organisasi_2025.csv").write_text(
        "Predikat Kinerja Organisasi Tahun 2025\nNama OPD;Predikat Organisasi\nDinas Kesehatan;Istimewa\n"
        "Dinas Pendidikan;Butuh Perbaikan\n", encoding="utf-8")
    return n, unrated


def test_leadership_dashboard_on_recorded_predikat_and_an_org_ratings_file(voila_factory, probe, tmp_path):
    n, unrated = _files(tmp_path)
    # the dashboard as served, on the folder: wb.load reads the recap, the roster and the org ratings
    server = voila_factory("dashboards/ringkasan_pimpinan.ipynb", env={"WORKBENCH_DATA": str(tmp_path)})
    page = probe.page
    page.goto(server.url, wait_until="domcontentloaded", timeout=LOAD)
    probe.wait_live(LOAD)
    page.wait_for_selector(".kw-headline", timeout=LOAD)
    page.wait_for_function("() => document.querySelectorAll('.kw-busy').length === 0", timeout=LOAD)
    probe.screenshot("dashboard_ringkasan_predikat_tercatat")

    assert "Ringkasan Pimpinan" in page.inner_text("h1.kw-title")
    rule = page.inner_text(".kw-rule")
    assert rule.endswith("Predikat organisasi: dari predikat_organisasi_2025.csv untuk 2 OPD; diasumsikan Baik "
                         "untuk 1 OPD (tidak ada data predikat organisasi).")
    card = page.inner_text(".kw-card[data-key='unscored']").split("\n")
    assert card[:2] == ["Belum dinilai".upper(), f"{unrated} pegawai"]
    text = page.inner_text("body")
    assert "OPD memenuhi kurva distribusi" in text
    assert "Sumber predikat organisasi" in text and "Belum dinilai" in text
    row = page.locator("tr", has_text="Badan Keuangan Daerah").first.inner_text()
    assert "diasumsikan Baik" in row
    row = page.locator("tr", has_text="Dinas Pendidikan").first.inner_text()
    assert "predikat_organisasi_2025.csv" in row and "Butuh Perbaikan" in row and "40" in row
    assert page.locator(".kw-section img:visible").count() >= 2

    assert "Traceback" not in text and "Error" not in text and "Maaf" not in text
    assert not NIP.search(page.content()), "an 18-digit NIP reached the browser"
    assert probe.console_errors == [] and probe.blocked == []

    page.get_by_role("button", name="English").click()
    page.wait_for_function("() => document.querySelector('.kw-headline').innerText.includes('NOT YET RATED')",
                           timeout=60_000)
    assert f"{unrated} employee(s)" in page.inner_text(".kw-card[data-key='unscored']")
    page.wait_for_function("() => document.querySelectorAll('.kw-busy').length === 0", timeout=LOAD)
    page.wait_for_selector("text=Source of the organisational rating", timeout=LOAD)
    assert "assumed Baik" in page.locator("tr", has_text="Badan Keuangan Daerah").first.inner_text()
    probe.screenshot("dashboard_ringkasan_predikat_tercatat_en")
    assert n == sum(UNITS.values())
