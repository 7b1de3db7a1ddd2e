"""Panels and dashboards tested through their traits (no browser)."""

from __future__ import annotations

import re

import ipywidgets as widgets
import pytest

import workbench as wb
from workbench import views
from workbench.views import _base
from workbench.views._sources import WhatIf, scores_frame

NIP = re.compile(r"(?<!\d)\d{18}(?!\d)")


@pytest.fixture(scope="module")
def ds():
    return wb.read_sample("kota_contoh")


@pytest.fixture(autouse=True)
def synchronous(monkeypatch):
    monkeypatch.setattr(_base.Panel, "background", False)


def _widget_state(w: widgets.Widget) -> str:
    """Everything a widget tree would sync to the browser, as text."""
    state = w.get_state()
    out = [repr({k: v for k, v in state.items() if not isinstance(v, bytes | memoryview)})]
    out += [_widget_state(child) for child in getattr(w, "children", ())]
    return "\n".join(out)


def test_rule_in_force_matches_permenpanrb_matrix(ds):
    s = scores_frame(ds)
    cells = s.groupby(["hasil_kerja", "perilaku_kerja"], observed=True)["predikat"].agg(lambda x: set(x))
    expected = {(3, 3): "Sangat Baik", (3, 2): "Baik", (2, 2): "Baik", (2, 3): "Baik", (3, 1): "Kurang/Misconduct",
                (2, 1): "Kurang/Misconduct", (1, 1): "Sangat Kurang", (1, 2): "Butuh Perbaikan",
                (1, 3): "Butuh Perbaikan"}
    for cell, labels in cells.items():
        assert labels == {expected[cell]}
    assert (scores_frame(ds, WhatIf())["predikat"] == s["predikat"]).all()


def test_curve_panel_reacts_to_period_lang_and_org_rating(ds):
    p = views.CurvePanel(ds, period="2025")
    assert p.findings == ["0 dari 12 OPD memenuhi kurva distribusi"]
    first = p.updates
    p.period = "2025-Q1"
    assert p.updates == first + 1
    p.lang = "en"
    assert p.findings[0].endswith("units meet the distribution curve")
    table_before = p._views[0]._body.value
    p.org_rating = dict.fromkeys(ds.units, "Istimewa")
    assert p.findings == ["12 of 12 units meet the distribution curve"]
    assert p._views[0]._body.value != table_before
    assert p._views[0]._image.value[:4] == b"\x89PNG"


def test_unit_panel_is_the_drill_down(ds):
    p = views.UnitPanel(ds, period="2025")
    assert p.layout.display == "none" and p.findings == []
    p.unit = "Dinas Pendidikan"
    assert p.layout.display is None
    assert p.findings[0].startswith("Dinas Pendidikan: 300 pegawai")


def test_trend_panel_follows_unit(ds):
    p = views.TrendPanel(ds)
    city = p.findings[0]
    p.unit = "Bappeda"
    assert p.findings[0] != city or p._views[0]._body.value


def test_whatif_panel_changes_with_rule(ds):
    p = views.WhatIfPanel(ds, period="2025")
    assert p.findings[1] == "0 pegawai berubah predikat dengan aturan simulasi"
    p.rule = WhatIf(baik=2.2)
    assert p.findings[0] == "12 dari 12 OPD memenuhi kurva distribusi"
    assert p.findings[1] != "0 pegawai berubah predikat dengan aturan simulasi"


def test_whatif_controls_produce_valid_rules():
    c = views.WhatIfControls()
    assert c.rule == WhatIf()
    c.sliders["baik"].value = 2.9  # above sangat_baik: clamped, never an invalid rule
    assert c.rule.baik <= c.rule.sangat_baik
    c.reset()
    assert c.rule.is_baseline


def test_invalid_min_cell_is_refused(ds):
    with pytest.raises(wb.ParameterError):
        views.SharePanel(ds, min_cell=2)
    page = views.leadership_overview(ds, min_cell=2)
    assert isinstance(page, widgets.HTML) and "Maaf" in page.value and "Traceback" not in page.value


def test_errors_become_a_readable_message(ds, monkeypatch):
    from workbench.views import sections

    def boom(*a, **k):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(sections, "share_section", boom)
    p = views.SharePanel(ds, period="2025")
    assert p.error.startswith("Maaf, bagian ini tidak dapat ditampilkan")
    assert "secret internals" not in p._status.value and "Traceback" in p.last_traceback


def test_leadership_overview_language_switch_and_no_identifiers(ds):
    page = views.leadership_overview(ds)
    assert isinstance(page, views.Dashboard)
    assert "Ringkasan Pimpinan" in page._header.value
    page.toggle.value = "en"
    assert "Leadership Overview" in page._header.value
    assert all(p.lang == "en" for p in page.panels)
    state = _widget_state(page)
    assert not NIP.search(state)
    names = set(ds.roster["name"])
    assert not [n for n in names if n in state]


def test_rater_quality_names_only_for_hr(ds, monkeypatch):
    names = set(ds.roster["name"])
    monkeypatch.delenv("WORKBENCH_VIEWER", raising=False)
    page = views.rater_quality(ds)
    state = _widget_state(page)
    assert not [n for n in names if n in state] and not NIP.search(state)
    monkeypatch.setenv("WORKBENCH_VIEWER", "hr")
    hr_page = views.rater_quality(ds)
    assert [n for n in names if n in _widget_state(hr_page)]
    assert not NIP.search(_widget_state(hr_page))


def test_background_refresh_finishes(ds, monkeypatch):
    monkeypatch.setattr(_base.Panel, "background", True)
    p = views.SharePanel(ds, period="2025")
    p.wait(60)
    assert not p.busy and p.findings
