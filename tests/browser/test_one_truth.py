"""One truth: the overview, the rubric what-if at its starting point and the published
report show the same key numbers for the same data, in a real browser.

The overview's headline band and curve table, the what-if's curve table and its
distribution before and after (equal at the start: nobody changes), and the report's band
and curve table are read as a person sees them and compared with each other.
"""

from __future__ import annotations

import html
import re

import pytest

import workbench as wb
from workbench.views.publish import publish

pytestmark = pytest.mark.browser

LOAD = 120_000


def _open(probe, server) -> None:
    probe.page.goto(server.url, wait_until="domcontentloaded", timeout=LOAD)
    probe.wait_live(LOAD)
    probe.page.wait_for_selector(".kw-finding", timeout=LOAD)
    probe.page.wait_for_function("() => document.querySelectorAll('.kw-busy').length === 0", timeout=LOAD)


def _rows(page, key: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        f"div.kw-section:has(section[data-key='{key}']) table.kw-table tbody tr",
        "rows => rows.map(r => [...r.querySelectorAll('td')].map(c => c.innerText.trim()))")


def _cards(page) -> dict[str, tuple[str, str]]:
    return {c["key"]: (c["value"], c["finding"]) for c in page.eval_on_selector_all(
        ".kw-card", "cs => cs.map(c => ({key: c.dataset.key, value: c.querySelector('.kw-card-value').innerText,"
        " finding: c.querySelector('.kw-card-finding').innerText}))")}


def _report_cards(text: str) -> dict[str, tuple[str, str]]:
    found = re.findall(r"data-key='(\w+)'><div class='kw-card-label'>[^<]*</div><div class='kw-card-value'>"
                       r"([^<]*)</div><div class='kw-card-finding'>([^<]*)</div>", text)
    return {k: (html.unescape(v), html.unescape(f)) for k, v, f in found}


def _report_rows(text: str, key: str) -> list[list[str]]:
    block = text.split(f'data-key="{key}"', 1)[1].split("</section>", 1)[0]
    body = block.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td>(.*?)</td>", r, re.S)]
            for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_overview_whatif_start_and_report_show_the_same_numbers(voila_factory, probe, browser, tmp_path):
    _open(probe, voila_factory("dashboards/ringkasan_pimpinan.ipynb"))
    page = probe.page
    period = page.eval_on_selector(".kw-period select", "s => s.options[s.selectedIndex].text")
    overview_rule = page.inner_text(".kw-rule")
    cards = _cards(page)
    curve = _rows(page, "curve")
    assert set(cards) == {"share", "curve", "unscored", "flags"} and len(curve) == 12
    ok = sum(row[5] == "ya" for row in curve)  # the "Memenuhi kurva" column
    assert cards["curve"][0] == f"{ok} dari {len(curve)}"
    assert "99,7%" in cards["share"][1]
    probe.screenshot("one_truth_ringkasan_pimpinan")
    assert probe.console_errors == [] and probe.blocked == []

    probe = type(probe)(browser)  # a page of its own for the second dashboard
    page = probe.page
    _open(probe, voila_factory("dashboards/simulasi_rubrik.ipynb"))
    assert page.eval_on_selector(".kw-period select", "s => s.options[s.selectedIndex].text") == period
    assert page.inner_text(".kw-rule").startswith(overview_rule.split(" Predikat organisasi")[0])
    assert "titik awalnya angka Ringkasan Pimpinan" in page.inner_text(".kw-rule")
    assert page.eval_on_selector(".kw-preset select", "s => s.options[s.selectedIndex].text").replace(
        "\xa0", " ").startswith("Aturan berlaku")
    assert _rows(page, "whatif_curve") == curve  # the same table, hidden cells included
    dist = _rows(page, "transitions")
    assert len(dist) == 5 and all(row[1] == row[2] for row in dist)  # before = after at the start
    finding = page.locator("div.kw-section:has(section[data-key='transitions']) .kw-finding").first.inner_text()
    assert finding.startswith("0 pegawai")
    probe.screenshot("one_truth_simulasi_rubrik_start")

    out = publish("ringkasan_pimpinan", wb.read_sample("kota_contoh"), tmp_path / "r.html", period=period)
    text = out.read_text(encoding="utf-8")
    assert _report_cards(text) == cards
    assert _report_rows(text, "curve") == curve
    assert probe.console_errors == [] and probe.blocked == []
    probe.close()
