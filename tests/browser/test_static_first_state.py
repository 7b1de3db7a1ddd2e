"""A dashboard shows its first state before its scripts have run, and the live page then
takes over with the same numbers (workbench.views.static and the kinerja Voila template).

The static picture is what a leader reads during the seconds the browser spends on
Voila's scripts: it must show the findings, the headline, the figures and the tables the
live page will show, with every control greyed out and a note that they are loading,
and nothing the live page would not show.
"""

from __future__ import annotations

import re

import pytest

import workbench as wb

pytestmark = pytest.mark.browser

LOAD = 120_000
NIP = re.compile(r"(?<!\d)\d{18}(?!\d)")
READ = """(root) => {
  const r = document.querySelector(root);
  const texts = (css) => [...r.querySelectorAll(css)].filter(e => e.offsetParent !== null)
                                                    .map(e => e.innerText.trim());
  return {findings: texts('.kw-finding'), cards: texts('.kw-card'), titles: texts('.kw-section h3'),
          cells: texts('.kw-section td'), rule: texts('.kw-rule'),
          images: [...r.querySelectorAll('.kw-section img')].filter(e => e.offsetParent !== null).length};
}"""


@pytest.mark.parametrize("dashboard", ["ringkasan_pimpinan", "simulasi_rubrik"])
def test_first_state_shows_before_the_scripts_and_equals_the_live_page(voila_factory, new_probe, dashboard):
    server = voila_factory(f"dashboards/{dashboard}.ipynb")
    names = set(wb.read_sample("kota_contoh").roster["name"].dropna())

    # 1. the page without its scripts: what shows in the seconds before they have run
    still = new_probe()
    page = still.page
    page.route("**/static/voila.js", lambda route: route.abort())
    page.goto(server.url, wait_until="load", timeout=LOAD)
    page.wait_for_selector("#kw-static .kw-section img", timeout=LOAD)
    static = page.evaluate(READ, "#kw-static")
    assert page.locator("#loading").is_hidden(), "the spinner hides the first state"
    assert page.locator("#rendered_cells").is_hidden()
    note = page.inner_text(".kw-s-loading")
    assert "Memuat kontrol interaktif" in note
    enabled = page.eval_on_selector_all("#kw-static select, #kw-static input, #kw-static button",
                                        "es => es.filter(e => !e.disabled).length")
    assert enabled == 0, "a control of the static picture looks usable"
    assert page.locator("#kw-static select").count() >= 2
    if dashboard == "simulasi_rubrik":
        assert page.locator("#kw-static input[type=range]").count() >= 4
    html = page.content()
    assert not NIP.search(html) and not [n for n in names if n in html]
    assert still.blocked == []
    assert still.cut_text() == [], "text cut by its box"
    still.screenshot(f"static_{dashboard}")

    # 2. the page with its scripts: the live page replaces the picture, with the same numbers
    live = new_probe()
    page = live.page
    page.goto(server.url, wait_until="domcontentloaded", timeout=LOAD)
    live.wait_live(LOAD)
    page.wait_for_function("() => document.querySelectorAll('.kw-busy').length === 0", timeout=LOAD)
    shown = page.evaluate(READ, "#rendered_cells")
    assert shown == static
    assert static["findings"] and static["images"] >= 1 and static["cells"]
    assert page.locator(".kw-dashboard").count() == 1, "the static picture is still on the page"
    assert "kw-s-loading" not in page.content(), "the picture was sent twice (in the widget's output too)"
    if dashboard == "simulasi_rubrik":
        readouts = page.eval_on_selector_all(".widget-readout", "es => es.map(e => e.innerText.trim())")
        assert readouts and all(re.fullmatch(r"\d+\.\d\d", r) for r in readouts)
    assert live.console_errors == [] and live.blocked == []
