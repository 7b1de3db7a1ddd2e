"""Panels and dashboards tested through their traits (no browser)."""

from __future__ import annotations

import copy
import re

import ipywidgets as widgets
import pytest

import workbench as wb
from workbench import views
from workbench.views import _base, sections
from workbench.views import _sources as src

NIP = re.compile(r"(?<!\d)\d{18}(?!\d)")
MODEL_REF = re.compile(r"IPY_MODEL_[0-9a-f]{32}")


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
    # widget references are random hex uuids, which now and then hold 18 digits in a row
    return MODEL_REF.sub("IPY_MODEL_", "\n".join(out))


def test_rule_in_force_is_the_core_scorer(ds):
    s = src.baseline_scores(ds)
    assert s.rubric.id == "permenpanrb-6-2022"
    counts = src.predikat_counts(s, "2025")
    assert counts.equals(wb.score(ds, "permenpanrb-6-2022", period="2025").counts().astype(int))
    # the what-if baseline is the detailed rubric in force, scored like wb.score
    fast = src.whatif_scores(ds, src.whatif_base(src.WHATIF_RUBRIC))
    full = wb.score(ds, "permenpanrb-6-2022-rinci", period="2025").to_frame()
    merged = full.merge(fast, on=["period", "employee_id"], suffixes=("", "_fast"))
    assert len(merged) == 1200
    assert (merged["predikat"].astype(str) == merged["predikat_fast"].astype(str)).all()


def test_whatif_rubric_is_scored_like_wb_score(ds):
    rubric = src.whatif_base(src.WHATIF_RUBRIC).with_weights(src.WHATIF_WEIGHTS, dimension_raters={
        "perilaku_kerja": {"atasan": 0.3, "rekan": 0.5, "bawahan": 0.1, "diri": 0.1}}).with_thresholds(
        categories={"hasil_kerja": {"sesuai": 95}, "perilaku_kerja": {"di_atas": 3.5}})
    fast = src.whatif_scores(ds, rubric)
    full = wb.score(ds, rubric, src.WHATIF_WEIGHTS, period="2025").to_frame()
    merged = full.merge(fast, on=["period", "employee_id"], suffixes=("", "_fast"))
    assert (merged["predikat"].astype(str) == merged["predikat_fast"].astype(str)).all()
    cmp = src.whatif_comparison(ds, rubric, "2025")
    assert int(cmp.rank_agreement.loc[0, "n_changed"]) > 0


def test_views_hold_no_private_curve_check():
    assert not hasattr(src, "curve_rules") and not hasattr(src, "WhatIf") and not hasattr(src, "transitions")


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


def _cells(section_html: str) -> list[list[str]]:
    return [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", section_html, re.S)]


def test_whatif_panel_changes_with_rubric(ds, monkeypatch):
    p = views.WhatIfPanel(ds, period="2025")
    assert p.findings[1] == "0 pegawai berubah predikat dengan aturan simulasi"
    curve_before = p.findings[0]
    shown: list[tuple[str, str]] = []  # every (finding, body) the views show, in order
    show = _base.SectionView.show_text
    monkeypatch.setattr(_base.SectionView, "show_text",
                        lambda self, s: (show(self, s), shown.append((self._head.value, self._body.value))))
    p.rubric = src.whatif_base(src.WHATIF_RUBRIC).with_thresholds(categories={"hasil_kerja": {"sesuai": 100}})
    assert p.findings[1] != "0 pegawai berubah predikat dengan aturan simulasi"
    assert p.findings[0] != curve_before
    body = p._views[1]._body.value
    assert "Aturan berlaku" in body and "Aturan simulasi" in body
    # shown in four steps: titles, the overview's numbers, the findings, the protected page
    assert len(shown) == 8
    assert all("Menghitung angka aturan simulasi" in head for head, _ in shown[:4])
    assert [body for _, body in shown[:2]] == ["\n</section>", "\n</section>"]
    assert [head for head, _ in shown[4:6]] == [head for head, _ in shown[6:]]  # the findings come first
    final = [_cells(body) for _, body in shown[6:]]
    for step in (2, 4):
        for (_, body), full in zip(shown[step:step + 2], final, strict=True):
            interim = _cells(body)
            assert len(interim) == len(full) > 0
            kept = [(a, b) for ra, rb in zip(interim, full, strict=True) for a, b in zip(ra, rb, strict=True)
                    if a != "menghitung..."]
            assert all(a == b for a, b in kept)  # an interim number is the protected page's own
            assert len(kept) < sum(map(len, full))
    assert all(row[2] != "menghitung..." for row in _cells(shown[2][1]))  # each OPD's size at once
    assert all(row[1:] == ["menghitung...", "menghitung..."] for row in _cells(shown[3][1]))
    verdicts = [row[-3] for row in _cells(shown[4][1])]  # then each OPD's verdict, where the findings show it
    assert "menghitung..." not in verdicts and verdicts == [row[-3] for row in final[0]]
    assert all(row[-2:] == ["menghitung...", "menghitung..."] for row in _cells(shown[4][1]))  # rules, moves wait
    shown.clear()
    p.lang = "en"  # a page already computed is shown at once
    assert len(shown) == 2 and "computing" not in shown[0][0]


def test_whatif_controls_build_rubrics_through_the_core():
    c = views.WhatIfControls()
    # the starting point is the rule in force (the overview's rule): only its thresholds move
    assert c.rubric == src.whatif_base() and c.rubric.id == src.BASE_RUBRIC
    assert c.choices == ["preset:" + r for r in src.WHATIF_PRESETS]
    assert set(c.sliders) == {"threshold.hasil_kerja.sesuai", "threshold.hasil_kerja.di_atas",
                              "threshold.perilaku_kerja.sesuai", "threshold.perilaku_kerja.di_atas"}
    assert c._preset.label.startswith("Aturan berlaku")
    c.pick("preset:" + src.WHATIF_RUBRIC)
    assert c.rubric == src.whatif_base(src.WHATIF_RUBRIC)
    keys = set(c.sliders)
    assert {"raters.perilaku_kerja.atasan", "indicators.iki_waktu", "threshold.hasil_kerja.sesuai",
            "threshold.perilaku_kerja.di_atas"} <= keys
    c.sliders["threshold.perilaku_kerja.di_atas"].value = 4.0
    assert c.rubric.dimension("perilaku_kerja").categories[2].min == 4.0
    c.sliders["raters.perilaku_kerja.rekan"].value = 0.6
    w = c.rubric.weights[src.WHATIF_WEIGHTS].raters["perilaku_kerja"]
    assert abs(sum(w.values()) - 1) < 1e-9 and w["rekan"] > 0.2
    good = c.rubric
    c.sliders["threshold.hasil_kerja.sesuai"].value = 150  # above "Di Atas" (110): refused, never invalid
    assert c.rubric == good and "tidak dapat dipakai" in c._message.value
    c.lang = "en"
    assert c.sliders["threshold.hasil_kerja.sesuai"].description == "Threshold: Meets Expectations"
    assert "cannot be used" in c._message.value
    c.reset()  # back to the rule in force, not only to the picked preset's start
    assert c.rubric == src.whatif_base() and c._message.value == ""


def test_the_whatif_computes_ahead_each_slider_one_step_either_way():
    c = views.WhatIfControls()
    steps = c.neighbours()
    assert len(steps) == 2 * len(c.sliders)
    for rubric in steps:  # one threshold one step away, the others where they are
        moved = [(d.id, a.id) for d in rubric.dimensions for a, b in zip(d.categories, c.rubric.dimension(d.id).categories,
                                                                         strict=True) if a.min != b.min]
        assert len(moved) == 1
        dim, cat = moved[0]
        assert abs(rubric.dimension(dim).categories[[x.id for x in rubric.dimension(dim).categories].index(cat)].min
                   - c.sliders[f"threshold.{dim}.{cat}"].value) == pytest.approx(0.05)
    c.sliders["threshold.perilaku_kerja.sesuai"].value = 1.05  # one step above the refused 1.0
    steps = c.neighbours()
    assert steps[0].dimension("perilaku_kerja").categories[1].min == pytest.approx(1.1)
    assert len(steps) == 2 * len(c.sliders) - 1  # a rule the rubric refuses is left out
    c.sliders["threshold.hasil_kerja.sesuai"].value = 1.55  # the slider moved last comes first, onward first
    assert [r.dimension("hasil_kerja").categories[1].min for r in c.neighbours()[:2]] == [1.6, 1.5]


def test_the_whatif_protects_only_the_value_a_slider_settles_on(ds, monkeypatch):
    import workbench.report as report

    monkeypatch.setattr(src, "_CACHE", type(src._CACHE)())  # no page of another test (nor of this one) stays
    start = src.whatif_base()
    steps = [start.with_thresholds(categories={"hasil_kerja": {"di_atas": 2.45}}),  # three rubrics, three
             start.with_thresholds(categories={"hasil_kerja": {"di_atas": 2.0}}),  # different pages
             start.with_thresholds(categories={"perilaku_kerja": {"di_atas": 2.0}})]
    org = src.default_org_rating(ds, "2025")
    src.leadership(ds, "2025", org, None, 5)  # what runs the solver, here in the main thread
    src.curve(ds, "2025", org)
    for rubric in steps:
        src.whatif_curve(ds, rubric, "2025", org)
    protected = []
    # the protection is asked for, counted, and left out: the background worker runs no solver
    # (the solver run from a second thread made the interpreter abort at exit)
    monkeypatch.setattr(report, "whatif_protect", lambda page, findings_only=False, first=None: (
        protected.append("findings" if findings_only else "whole"), copy.deepcopy(page))[1])
    monkeypatch.setattr(_base.Panel, "background", True)
    p = views.WhatIfPanel(ds, period="2025", rubric=steps[0])
    p.wait(120)
    protected.clear()
    for rubric in steps[1:]:  # two more steps in quick succession
        p.rubric = rubric
    p.wait(120)  # the last step's work, queued behind the earlier ones (which end at once)
    assert not p.busy and protected.count("whole") == 1  # one protection of the page: the settled value
    assert protected == ["findings", "whole"]  # its findings first, and only the settled value's
    assert p.findings[1] == sections_finding(ds, p.rubric)


def test_the_whatif_shows_findings_computed_ahead_at_once(ds, monkeypatch):
    start = src.whatif_base()
    step = start.with_thresholds(categories={"hasil_kerja": {"di_atas": 2.0}})
    org = src.default_org_rating(ds, "2025")
    p = views.WhatIfPanel(ds, period="2025", rubric=start, org_rating=org)
    before = list(p.findings)
    src.whatif_findings(ds, step, "2025", org, 5)  # computed ahead (as warm_whatif does)
    assert src.whatif_interim(ds, step, "2025", org, 5) is not None
    assert not src.whatif_ready(ds, step, "2025", org, 5)
    # only what the change itself shows: no draft, findings or whole page is computed after it
    later = []
    monkeypatch.setattr(p, "_draft", lambda generation: later.append("draft"))
    monkeypatch.setattr(p, "_work", lambda generation: later.append("whole"))
    p.rubric = step
    assert later == ["whole"]  # no interim step computed: shown at _started
    expected = [s.finding for s in sections.whatif_pending(
        ds, "2025", step, "id", 5, org, src.whatif_draft(ds, step, "2025", org, 5),
        src.whatif_findings(ds, step, "2025", org, 5))]
    assert p.findings == expected != before
    assert p.findings[1] == sections_finding(ds, step)  # the whole page will say the same


def test_the_whatif_shows_a_page_computed_ahead_at_once(ds, monkeypatch):
    """A state whose whole page is ready shows its numbers when the control changes, not
    after the panel's settle time (its figures wait for it: none of another state shows)."""
    from workbench.views import sections

    monkeypatch.setattr(_base.Panel, "background", True)
    start = src.whatif_base()
    step = start.with_thresholds(categories={"hasil_kerja": {"di_atas": 2.0}})
    org = src.default_org_rating(ds, "2025")
    p = views.WhatIfPanel(ds, period="2025", rubric=start, org_rating=org)
    p.wait(120)
    before = list(p.findings)
    src.whatif(ds, step, "2025", org, 5)  # computed ahead (as warm_whatif does)
    assert src.whatif_ready(ds, step, "2025", org, 5)
    later = []
    monkeypatch.setattr(p, "_work", lambda generation: later.append("whole"))  # step 4 never comes here
    p.rubric = step
    expected = [sections.curve_section(ds, "2025", org, rubric=step).finding,
                sections.transitions_section(ds, "2025", step, org_rating=org).finding]
    assert later == ["whole"] and p.findings == expected != before
    assert all(view._image.layout.display == "none" for view in p._views)  # the start's figures are gone


def test_picking_a_preset_tells_the_panel_before_making_its_sliders(monkeypatch):
    """The new starting point's page is asked for before the detailed preset's sliders are
    made: their widget messages would reach the browser first."""
    c = views.WhatIfControls()
    events = []
    make = c._slider
    monkeypatch.setattr(c, "_slider", lambda *a, **k: (events.append("slider"), make(*a, **k))[1])
    c.observe(lambda change: events.append(change["new"].id), names="rubric")
    c.pick("preset:" + src.WHATIF_RUBRIC)
    assert events[0] == src.WHATIF_RUBRIC and events.count("slider") == len(c.sliders) > 4
    assert "threshold.perilaku_kerja.di_atas" in c.sliders and c.build().id == src.WHATIF_RUBRIC
    assert c.neighbours() and all(r.id == src.WHATIF_RUBRIC for r in c.neighbours())


def sections_finding(ds, rubric):
    from workbench.views import sections

    return sections.transitions_section(ds, "2025", rubric).finding


def test_rubric_whatif_page_reacts_to_a_slider(ds):
    page = views.rubric_whatif(ds)
    panel = page.panels[0]
    assert panel.findings[1].startswith("0 pegawai")
    # at its start the what-if shows the overview's curve table, cell for cell
    from workbench.views import sections

    start = sections.curve_section(ds, "2025", rubric=src.whatif_base())
    assert start.table.equals(sections.curve_section(ds, "2025").table)
    controls = next(w for w in page.children if isinstance(w, views.WhatIfControls))
    controls.pick("preset:" + src.WHATIF_RUBRIC)
    assert not panel.findings[1].startswith("0 pegawai")  # the detailed rubric differs from the matrix
    assert "permenpanrb-6-2022-rinci" in page._header.value
    controls.sliders["threshold.perilaku_kerja.di_atas"].value = 3.25
    assert not panel.findings[1].startswith("0 pegawai")
    state = _widget_state(page)
    assert not NIP.search(state) and not [n for n in set(ds.roster["name"]) if n in state]


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


def test_the_whatif_offers_the_scenarios_saved_next_to_the_data(ds, tmp_path, monkeypatch):
    from workbench.store import open_store

    db = tmp_path / "workbench.db"
    monkeypatch.setenv("WORKBENCH_STORE", str(db))
    assert [k for k, _, _ in src.whatif_choices(ds)] == ["preset:" + r for r in src.WHATIF_PRESETS]
    assert not db.exists()  # asking never creates a store
    rinci = wb.load_rubric(src.WHATIF_RUBRIC).with_thresholds(categories={"perilaku_kerja": {"di_atas": 3.5}})
    store = open_store(db)
    store.save_scenario("ambang perilaku 3,5", rinci, by="tim.kebijakan")
    store.save_scenario("pp 30", wb.load_rubric("pp-30-2019"), by="tim.kebijakan")  # other predikat: not offered
    store.close()
    c = views.WhatIfControls(ds=ds)
    assert c.choices == [*("preset:" + r for r in src.WHATIF_PRESETS), "scenario:ambang perilaku 3,5"]
    assert c.rubric == src.whatif_base()  # still the rule in force until a person picks
    c.pick("scenario:ambang perilaku 3,5")
    assert c.rubric.id == src.WHATIF_RUBRIC and c.sliders["threshold.perilaku_kerja.di_atas"].value == 3.5
    assert "Skenario tersimpan: ambang perilaku 3,5" in [label for label, _ in c._preset.options]


def test_the_org_rating_picker_makes_its_dropdowns_when_first_opened():
    picker = views.OrgRatingPicker({"BKPSDM": "Baik", "Inspektorat": "Istimewa"}, lang="id")
    assert picker._acc.selected_index is None and picker._grid.children == ()  # the page loads none
    picker._acc.selected_index = 0
    boxes = {dd.description: dd for dd in picker._grid.children}
    assert {u: dd.value for u, dd in boxes.items()} == {"BKPSDM": "Baik", "Inspektorat": "Istimewa"}
    boxes["BKPSDM"].value = "Kurang"
    assert picker.org_rating == {"BKPSDM": "Kurang", "Inspektorat": "Istimewa"}
    picker.lang = "en"  # relabelled, picks kept
    assert boxes["BKPSDM"].value == "Kurang" and picker.org_rating["BKPSDM"] == "Kurang"
    picker._acc.selected_index = None
    picker._acc.selected_index = 0  # made once
    assert list(picker._grid.children) == list(boxes.values())
