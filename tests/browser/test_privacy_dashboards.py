"""The attacker behind the browser: drive each control of the leadership dashboards and
audit what the page then shows.

For every control state a viewer reaches (the period, the OPD drilled into, an org rating
picked, a threshold moved) the test reads every table the browser shows and checks that it
is exactly the table built from the page model of that state
(:func:`workbench.report.leadership_page`, :func:`~workbench.report.whatif_page`), and that
the page passes :func:`workbench.privacy.audit`: no hidden number can be narrowed below the
protection level from the numbers shown.
"""

from __future__ import annotations

import re

import pytest

import workbench as wb
from workbench.privacy import audit
from workbench.views import _sources as src
from workbench.views import sections as sec
from workbench.views.controls import WhatIfControls

pytestmark = pytest.mark.browser

LOAD = 120_000
K = 5


@pytest.fixture(scope="module")
def ds() -> wb.Dataset:
    return wb.read_sample("kota_contoh")


def _open(probe, server) -> None:
    probe.page.goto(server.url, wait_until="domcontentloaded", timeout=LOAD)
    probe.wait_live(LOAD)
    probe.page.wait_for_selector(".kw-finding", timeout=LOAD)
    _settle(probe)


def _start(voila_factory, probe, ds, dashboard: str):
    """Open ``dashboard``; return the page, the period it shows and its starting org ratings."""
    _open(probe, voila_factory(f"dashboards/{dashboard}.ipynb"))
    period = probe.page.eval_on_selector(".kw-period select", "s => s.options[s.selectedIndex].text")
    return probe.page, period, src.default_org_rating(ds, period)


def _settle(probe) -> None:
    probe.page.wait_for_function("() => document.querySelectorAll('.kw-busy').length === 0", timeout=LOAD)


SHOWN = ".kw-finding, .kw-card, table.kw-table"
"""What a control change can alter: the findings, the headline band, the tables."""


def _findings(probe) -> list[str]:
    return probe.page.locator(SHOWN).all_inner_texts()


def _change(probe, act) -> None:
    """Do ``act`` and wait until what the page shows has changed and no panel is busy."""
    before = _findings(probe)
    act()
    probe.page.wait_for_function(
        f"(before) => {{ const now = [...document.querySelectorAll('{SHOWN}')].map(e => e.innerText);"
        " return JSON.stringify(now) !== JSON.stringify(before); }", arg=before, timeout=LOAD)
    _settle(probe)


def _shown(probe, key: str) -> list[list[str]]:
    """The body cells of the table of section ``key`` as the browser shows them (the
    section's view is a box whose heading carries the key and whose body the table)."""
    return probe.page.eval_on_selector_all(
        f"div.kw-section:has(section[data-key='{key}']) table.kw-table tbody tr",
        "rows => rows.map(r => [...r.querySelectorAll('td')].map(c => c.innerText.trim()))")


def _expected(section: sec.Section) -> list[list[str]]:
    if section.table is None or not len(section.table):
        return []
    return [[str(v).strip() for v in row] for row in section.table.astype(str).to_numpy().tolist()]


def _check_leadership(probe, ds, period: str, unit: str | None, org: dict[str, str]) -> int:
    page = src.leadership(ds, period, org, unit, K)
    assert audit(page).ok, f"a hidden number is recoverable in state {period=} {unit=}"
    sections = [sec.curve_section(ds, period, org, "id", K, unit=unit),
                sec.share_section(ds, period, "id", K, org_rating=org, unit=unit),
                sec.trend_section(ds, unit, "id", K, period=period, org_rating=org)]
    if unit:
        sections.append(sec.unit_section(ds, period, unit, org, "id", K))
    for s in sections:
        assert _shown(probe, s.key) == _expected(s), f"section {s.key} differs from its page model"
    return sum(f.hidden for f in page.facts.values())


def test_every_control_of_the_leadership_overview_shows_only_an_audited_page(voila_factory, probe, ds):
    page, period, org = _start(voila_factory, probe, ds, "ringkasan_pimpinan")
    hidden = [_check_leadership(probe, ds, period, None, org)]

    unit = "Dinas Pendidikan"  # the drill-down
    _change(probe, lambda: page.select_option(".kw-unit select", label=unit))
    hidden.append(_check_leadership(probe, ds, period, unit, org))

    _change(probe, lambda: page.select_option(".kw-period select", label="2025-Q1"))
    hidden.append(_check_leadership(probe, ds, "2025-Q1", unit, org))

    # an org rating picked: a minimum-share rule (60 % Butuh Perbaikan) on a small OPD,
    # the attack that turned the number of moves into a hidden count
    counts = src.predikat_counts(src.baseline_scores(ds), "2025-Q1").sum(axis=1)
    small = str(counts.sort_values().index[0])
    page.locator(".kw-org").get_by_text("Predikat Kinerja Organisasi").first.click()
    box = page.locator(".kw-org .widget-dropdown").filter(has=page.locator(f"label:text-is('{small}')"))
    label = box.locator("option").filter(has_text="Kurang").first.inner_text()
    _change(probe, lambda: box.locator("select").select_option(label=label))
    org = {**org, small: box.locator("select").input_value()}
    assert org[small] != "Baik"
    hidden.append(_check_leadership(probe, ds, "2025-Q1", unit, org))
    assert all(n > 0 for n in hidden)  # the sample has small cells in every state
    probe.screenshot("privacy_ringkasan_pimpinan_org_picked")
    assert probe.console_errors == [] and probe.blocked == []


def test_the_threshold_slider_of_the_rubric_simulation_shows_only_an_audited_page(voila_factory, probe, ds):
    page, period, org = _start(voila_factory, probe, ds, "simulasi_rubrik")
    controls = WhatIfControls()
    rinci = "preset:" + src.WHATIF_RUBRIC  # the detailed rubric, picked as a person does
    _change(probe, lambda: page.select_option(".kw-preset select", value=None,
                                              label=src.whatif_base(src.WHATIF_RUBRIC).label.get("id")))
    controls.pick(rinci)  # its page alone is audited in tests/test_report.py
    handle = page.locator(".kw-slider-threshold-perilaku_kerja-di_atas .noUi-handle")

    def slide() -> None:
        handle.focus()
        page.keyboard.press("ArrowLeft")  # Ambang Di Atas Ekspektasi (perilaku kerja) 3.75 -> 3.70

    _change(probe, slide)
    controls.sliders["threshold.perilaku_kerja.di_atas"].value = 3.7
    rubric = controls.rubric
    assert audit(src.whatif(ds, rubric, period, org, K)).ok
    for s in (sec.curve_section(ds, period, org, "id", K, rubric=rubric),
              sec.transitions_section(ds, period, rubric, "id", K, org_rating=org)):
        assert _shown(probe, s.key) == _expected(s), f"section {s.key} differs from its page model"
    probe.screenshot("privacy_simulasi_rubrik_threshold")
    # what a person sees: the picked rubric's numbers, nothing cut, no identifier, no error
    text, content = page.inner_text("body"), page.content()
    assert "Aturan simulasi" in text and "permenpanrb-6-2022-rinci, dengan bobot atau ambang yang diubah" in text
    assert "Traceback" not in text and "Maaf" not in text
    assert not re.search(r"(?<!\d)\d{18}(?!\d)", content), "an 18-digit NIP reached the browser"
    assert not [n for n in set(ds.roster["name"].dropna()) if n in content]
    assert probe.cut_text() == []
    assert probe.console_errors == [] and probe.blocked == []
