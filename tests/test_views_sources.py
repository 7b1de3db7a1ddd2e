"""The views' sources: pages computed ahead (warm) are the pages a view would compute."""

from __future__ import annotations

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
