"""The three dashboards and the published report in headless Chromium, network blocked.

Each dashboard renders with no error text and no console errors; changing a control
(unit, period, weight) changes what is shown; the language switch relabels the page;
no NIP (18 digits) and no roster name reaches a leadership page. Screenshots go to
test-artifacts/.
"""

from __future__ import annotations

import base64
import re

import pytest

import workbench as wb

pytestmark = pytest.mark.browser

NIP = re.compile(r"(?<!\d)\d{18}(?!\d)")
LOAD = 120_000


@pytest.fixture(scope="module")
def names() -> set[str]:
    return set(wb.read_sample("kota_contoh").roster["name"].dropna())


def _open(probe, server) -> None:
    probe.page.goto(server.url, wait_until="domcontentloaded", timeout=LOAD)
    probe.wait_live(LOAD)
    probe.page.wait_for_selector(".kw-finding", timeout=LOAD)
    probe.page.wait_for_function(
        "() => document.querySelectorAll('.kw-busy').length === 0", timeout=LOAD)


def _findings(probe) -> list[str]:
    return probe.page.locator(".kw-finding").all_inner_texts()


def _assert_clean(probe, names: set[str]) -> None:
    text = probe.page.inner_text("body")
    html = probe.page.content()
    assert "Traceback" not in text and "Error" not in text and "Maaf" not in text
    assert not NIP.search(html), "an 18-digit NIP reached the browser"
    leaked = [n for n in names if n in html]
    assert not leaked, f"employee names reached the browser: {leaked[:3]}"
    assert probe.console_errors == []
    assert probe.blocked == []
    assert probe.cut_text() == [], "text cut by its box"


def _wait_change(probe, before: list[str]) -> None:
    probe.page.wait_for_function(
        "(before) => { const now = [...document.querySelectorAll('.kw-finding')].map(e => e.innerText);"
        " return JSON.stringify(now) !== JSON.stringify(before); }", arg=before, timeout=60_000)


def test_ringkasan_pimpinan(voila_factory, probe, names):
    server = voila_factory("dashboards/ringkasan_pimpinan.ipynb")
    _open(probe, server)
    page = probe.page
    assert "Ringkasan Pimpinan" in page.inner_text("h1.kw-title")
    assert any("OPD memenuhi kurva distribusi" in f for f in _findings(probe))
    assert page.locator(".kw-section img:visible").count() >= 3
    probe.screenshot("dashboard_ringkasan_pimpinan")
    _assert_clean(probe, names)

    # drill-down: city -> one OPD
    before = _findings(probe)
    page.select_option(".kw-unit select", label="Dinas Pendidikan")
    _wait_change(probe, before)
    page.wait_for_selector("text=Dinas Pendidikan: 300 pegawai", timeout=60_000)
    page.wait_for_function("() => document.querySelectorAll('.kw-busy').length === 0", timeout=LOAD)
    probe.screenshot("dashboard_ringkasan_pimpinan_opd")

    # period
    before = _findings(probe)
    page.select_option(".kw-period select", label="2025-Q1")
    _wait_change(probe, before)

    # language
    page.get_by_role("button", name="English").click()
    page.wait_for_selector("text=Leadership Overview", timeout=60_000)
    page.wait_for_function("() => [...document.querySelectorAll('.kw-finding')]"
                           ".some(e => e.innerText.includes('units meet the distribution curve'))", timeout=60_000)
    assert "Periode" not in page.inner_text(".kw-period")
    probe.screenshot("dashboard_ringkasan_pimpinan_en")
    _assert_clean(probe, names)


def test_kualitas_penilai(voila_factory, probe, names):
    server = voila_factory("dashboards/kualitas_penilai.ipynb")
    _open(probe, server)
    page = probe.page
    assert "Kualitas Penilai" in page.inner_text("h1.kw-title")
    findings = _findings(probe)
    assert any("keandalan antar-penilai" in f for f in findings)
    assert any("penilai terlalu murah hati" in f for f in findings)
    assert page.locator(".kw-section img:visible").count() == 2
    probe.screenshot("dashboard_kualitas_penilai")
    _assert_clean(probe, names)
    page.get_by_role("button", name="English").click()
    page.wait_for_selector("text=Rater Quality", timeout=60_000)
    _wait_change(probe, findings)
    _assert_clean(probe, names)


def test_published_report_makes_no_request(tmp_path, probe, names):
    from workbench.views.publish import publish

    out = publish("ringkasan_pimpinan", wb.read_sample("kota_contoh"), tmp_path / "r.html")
    doc = out.read_text(encoding="utf-8")
    probe.page.set_content(doc, wait_until="load")
    imgs = probe.page.locator("img")
    assert imgs.count() == 3
    for i in range(imgs.count()):
        src = imgs.nth(i).get_attribute("src") or ""
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
        assert imgs.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
    probe.screenshot("published_ringkasan_pimpinan")
    assert probe.blocked == []
    _assert_clean(probe, names)
