"""The views' sources: pages computed ahead (warm) are the pages a view would compute."""

from __future__ import annotations

import pytest

from workbench.report import leadership_page
from workbench.report.pages import predikat_labels
from workbench.views import _sources as src


def _published(page):
    return {k: page.label(k) for k in page.facts}


def test_leadership_states_put_the_other_periods_of_the_city_first():
    states = src.leadership_states(["2025", "2025-Q1", "2025-Q2"], ["A", "B"], "2025-Q1")
    assert sorted(states[:2]) == [("2025", None), ("2025-Q2", None)]
    assert states[2:4] == [("2025-Q1", "A"), ("2025-Q1", "B")]
    assert ("2025-Q1", None) not in states and len(states) == 2 + 3 * 2


def test_warmed_pages_are_cached_and_equal_to_fresh_ones(kota):
    ds = kota
    rating = src.default_org_rating(ds, "2025")
    states = [("2025-Q4", None), ("2025", "BKPSDM")]
    assert src.warm(ds, states, rating, 5) == 2
    for period, unit in states:
        key = (id(ds), "page", period, src._org_key(rating), unit or "", 5)
        assert key in src._CACHE
        cached = src._CACHE[key][1]
        check = src.curve(ds, period, rating)
        public = src.leadership(ds, period, rating, None, 5) if unit else \
            src.leadership_trend(ds, predikat_labels(check), None, 5)
        trend = [src.leadership(ds, q, rating, None, 5) for q in public.tables["trend"].index] if unit else ()
        fresh = leadership_page(src.baseline_scores(ds), ds.roster, check, period, unit, 5, public=public,
                                city_pages=trend)
        assert _published(cached) == _published(fresh)
        assert src.leadership(ds, period, rating, unit, 5) is cached  # a view finds it ready


def test_warm_stops_when_asked_and_waits_for_idle(kota):
    assert src.warm(kota, [("2025-Q3", None)], None, 5, stop=lambda: True) == 0
    calls = []

    def idle():
        calls.append(1)
        return len(calls) > 2  # busy twice, then idle

    assert src.warm(kota, [("2025-Q3", "Inspektorat")], None, 5, idle=idle) == 1
    assert len(calls) == 3


def test_warmed_whatif_pages_are_the_pages_a_pick_finds(kota):
    ds = kota
    rating = src.default_org_rating(ds, "2025")
    rubrics = [r for _, _, r in src.whatif_choices(ds)]
    assert src.warm_whatif(ds, rubrics[:1], ["2025"], rating, 5, stop=lambda: True) == 0
    assert src.warm_whatif(ds, rubrics[:1], ["2025"], rating, 5) == 1
    key = (id(ds), "whatif_page", rubrics[0].hash, "2025", src._org_key(rating), 5)
    assert key in src._CACHE
    assert src.whatif(ds, rubrics[0], "2025", rating, 5) is src._CACHE[key][1]  # the view finds it ready


def _traced_whatif(mp, order):
    """Record in ``order`` each whole page, draft and findings page :func:`warm_whatif` asks
    for (not those a page asks for itself)."""
    real, real_findings, real_draft = src.whatif, src.whatif_findings, src.whatif_draft
    inside: list[bool] = []  # a whole page builds on its findings: that call is not the warm's own

    def traced(real_fn, label: str, always: bool = False):
        def call(ds, rubric, period, *args):
            if always or not inside:
                order.append(f"{label}{period}")
            inside.append(True)  # a whole page builds on its findings, a findings page on its draft
            try:
                return real_fn(ds, rubric, period, *args)
            finally:
                inside.pop()

        return call

    mp.setattr(src, "whatif", traced(real, "", always=True))
    mp.setattr(src, "whatif_findings", traced(real_findings, "findings "))
    mp.setattr(src, "whatif_draft", traced(real_draft, "draft "))


def test_whatif_slider_steps_findings_come_before_every_whole_page(kota):
    ds = kota
    rating = src.default_org_rating(ds, "2025")
    base = src.whatif_base()
    order: list[str] = []

    def neighbours():
        order.append("neighbours")
        return [base]

    with pytest.MonkeyPatch.context() as mp:
        _traced_whatif(mp, order)
        # stopped before its turn: nothing is computed
        assert src.warm_whatif(ds, [base], ["2025"], rating, 5, stop=lambda: True, neighbours=neighbours) == 0
        assert order == []
        assert src.warm_whatif(ds, [base], ["2025"], rating, 5, neighbours=neighbours) == 2
    # each step's draft and findings first, then the starting points' whole pages, then the steps'
    assert order == ["neighbours", "draft 2025", "findings 2025", "2025", "2025"]
    assert src.whatif_ready(ds, base, "2025", rating, 5)


def test_whatif_slider_steps_findings_wait_for_their_own_idleness(kota):
    ds = kota
    rating = src.default_org_rating(ds, "2025")
    step = src.whatif_base().with_thresholds(categories={"hasil_kerja": {"sesuai": 1.4}})
    order: list[str] = []
    with pytest.MonkeyPatch.context() as mp:
        _traced_whatif(mp, order)
        # the page is not idle long enough for a whole page, long enough for a step's findings:
        # those are computed, and no whole page is
        done = src.warm_whatif(ds, [src.whatif_base(src.WHATIF_RUBRIC)], ["2025"], rating, 5,
                               stop=lambda: "findings 2025" in order, idle=lambda: False,
                               neighbours=lambda: [step], idle_steps=lambda: True)
    assert done == 0 and order == ["draft 2025", "findings 2025"]
    assert src.whatif_interim(ds, step, "2025", rating, 5) is not None  # a view shows them at once
    assert not src.whatif_ready(ds, step, "2025", rating, 5)


def test_rubrics_that_give_the_same_predikat_share_one_page(kota):
    start = src.whatif_base()
    a = start.with_thresholds(categories={"hasil_kerja": {"di_atas": 2.45}})
    b = start.with_thresholds(categories={"hasil_kerja": {"di_atas": 2.4}})
    assert a.hash != b.hash
    # the rule in force rates each dimension in whole numbers: both steps give the same predikat
    assert src.whatif_after(kota, a).equals(src.whatif_after(kota, b))
    pa, pb = src.whatif_draft(kota, a, "2025"), src.whatif_draft(kota, b, "2025")  # each built from its rubric
    assert pa.atoms.equals(pb.atoms) and pa.extra.keys() == pb.extra.keys()
    assert {k: (f.value, f.status, f.locked) for k, f in pa.facts.items()} == \
        {k: (f.value, f.status, f.locked) for k, f in pb.facts.items()}
    assert len(pa.relations) == len(pb.relations)
    assert all((ra.coef == rb.coef).all() and (ra.lb == rb.lb).all() and (ra.ub == rb.ub).all()
               for ra, rb in zip(pa.relations, pb.relations, strict=True))
    assert not src.whatif_ready(kota, b, "2025")
    page = src.whatif(kota, a, "2025")
    assert src.whatif_ready(kota, b, "2025") and src.whatif(kota, b, "2025") is page


def test_whatif_predikat_read_by_position_equal_the_joined_frames(kota, monkeypatch):
    import pandas as pd

    ds = kota
    rule, rubric = src.whatif_base(), src.whatif_base(src.WHATIF_RUBRIC).with_thresholds(
        categories={"hasil_kerja": {"sesuai": 84}})
    old, new = src.whatif_scores(ds, rule), src.whatif_scores(ds, rubric)
    assert src._aligned(ds, rule, old, new) is not None and src._before_rows(ds)  # the fast paths apply
    assert src._aligned(ds, rule, old, new.iloc[::-1].reset_index(drop=True)) is None  # other rows: joined
    fast_after = src.whatif_after(ds, rubric).copy()
    fast_curve = src.whatif_curve(ds, rubric, "2025", None).to_frame()
    with src._LOCK:
        src._CACHE.clear()
    try:
        monkeypatch.setattr(src, "_aligned", lambda *args: None)
        monkeypatch.setattr(src, "_before_rows", lambda ds: False)
        pd.testing.assert_frame_equal(fast_after, src.whatif_after(ds, rubric))
        pd.testing.assert_frame_equal(fast_curve, src.whatif_curve(ds, rubric, "2025", None).to_frame())
    finally:
        with src._LOCK:  # no page computed with the stand-ins stays
            src._CACHE.clear()



def test_the_overview_computes_the_shown_periods_drill_downs_ahead_and_again_after_a_period_change(kota, monkeypatch):
    import threading

    from workbench import views

    calls: list[tuple[list, object]] = []
    done = threading.Event()

    def record(ds, states, rating, k, stop, idle):  # what the background thread is given
        calls.append((list(states), stop))
        done.set()
        return 0

    monkeypatch.setattr(src, "warm", record)
    page = views.leadership_overview(kota, warm_ahead=True)
    picker, units = page.children[3].children
    assert done.wait(30)
    first = picker.period
    states, stop = calls[-1]
    others = [p for p in kota.periods if p != first]
    assert states[:len(others)] == [(p, None) for p in sorted(others, key=lambda p: abs(
        kota.periods.index(p) - kota.periods.index(first)))]  # the city's other periods first
    assert states[len(others):] == [(first, u) for u in kota.units]  # then the shown period's drill-downs
    assert not stop()
    done.clear()
    picker.period = others[0]
    assert done.wait(30) and stop()  # the first thread ends ...
    states, stop = calls[-1]
    assert [s for s in states if s[1] is not None] == [(others[0], u) for u in kota.units]  # ... a new one starts
    assert not stop()
    page.wait()


def test_moved_is_the_digest_of_the_periods_ids_and_predikat(kota):
    import hashlib
    import json

    rubric = src.whatif_base(src.WHATIF_RUBRIC).with_thresholds(categories={"hasil_kerja": {"sesuai": 84}})
    for r in (rubric, src.whatif_base()):
        for period in ("2025", "2025-Q1"):
            after = src.whatif_after(kota, r)
            values = after.loc[after["period"] == period, ["employee_id", "predikat"]].astype(str)
            text = json.dumps([values["employee_id"].tolist(), values["predikat"].tolist()])
            assert src._moved(kota, r, period) == hashlib.sha256(text.encode()).hexdigest()


def test_slider_steps_share_the_model_memo_and_score_as_a_fresh_model(kota):
    import pandas as pd

    from workbench.weights import scores_frame
    from workbench.weights._engine import weight_model

    base = src.whatif_base(src.WHATIF_RUBRIC)
    for r in (base.with_thresholds(categories={"hasil_kerja": {"sesuai": 84}}),
              base.with_thresholds(categories={"hasil_kerja": {"sesuai": 70}})):
        weights = src.WHATIF_WEIGHTS if src.WHATIF_WEIGHTS in r.weights else "baseline"
        pd.testing.assert_frame_equal(src.whatif_scores(kota, r), scores_frame(kota, r, weights,
                                                                                model=weight_model(kota, r)))
