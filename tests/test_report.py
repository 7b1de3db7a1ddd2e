"""The page model (workbench.report) and the audit (workbench.privacy.audit) on the pages
leaders see: the bundled sample in the control states a viewer can reach, and crafted
data with units of 1-4 people."""

from __future__ import annotations

import copy
import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.errors import WorkbenchError
from workbench.privacy import audit
from workbench.report import (
    Page,
    finding_keys,
    leadership_page,
    protect,
    whatif_page,
    whatif_protect,
)
from workbench.views import _sources as src
from workbench.views import publish as pub

K = 5


@pytest.fixture(scope="module")
def ds():
    return wb.read_sample("kota_contoh")


@pytest.fixture(scope="module")
def scores(ds):
    return src.baseline_scores(ds)


def _check_page(page: Page) -> None:
    report = audit(page)
    assert report.ok, report.intervals[~report.intervals["ok"]].to_string()
    iv = report.intervals
    # the attacker's interval always holds the truth, and every small cell was attacked
    assert ((iv["low"] <= iv["value"] + 1e-6) | (iv["kind"] == "share")).all()
    small = [f for f in page.facts.values() if f.status == "small" and f.expr is not None and f.expr.any()]
    assert len(iv) == len(small)
    for f in page.facts.values():  # nothing small is ever shown
        if f.kind == "count" and not f.hidden:
            assert not 0 < f.value < page.min_cell


def test_unprotected_sample_page_fails_the_audit_and_the_protected_one_passes(ds, scores):
    check = src.curve(ds, "2025", src.default_org_rating(ds))
    bare = leadership_page(scores, ds.roster, check, "2025", min_cell=K, suppress=False)
    report = audit(bare)
    assert not report.ok
    # the published report's attack: Sangat Baik of Dinas Sosial pinned by moves and share
    pinned = report.intervals.set_index("key").loc["ringkasan_pimpinan/count/2025/Dinas Sosial/Sangat Baik"]
    assert pinned["low"] == pinned["high"] == pinned["value"]
    page = src.leadership(ds, "2025", None, None, K)
    _check_page(page)
    counts = page.n_hidden()
    assert counts["protected"] > 0 and counts["small"] == bare.n_hidden()["small"]


@pytest.mark.parametrize("period", ["2025", "2025-Q4"])
@pytest.mark.parametrize("unit", ["", "Dinas Kesehatan", "Inspektorat"])
def test_leadership_pages_pass_the_audit(ds, period, unit):
    _check_page(src.leadership(ds, period, None, unit or None, K))


@pytest.mark.parametrize("rating", ["Istimewa", "Butuh Perbaikan", "Kurang", "Sangat Kurang"])
def test_every_org_rating_passes_the_audit(ds, rating):
    _check_page(src.leadership(ds, "2025", dict.fromkeys(ds.units, rating), None, K))


def test_one_unit_org_rating_and_threshold_pass_the_audit(ds):
    org = src.default_org_rating(ds) | {"Disdukcapil": "Butuh Perbaikan"}
    _check_page(src.leadership(ds, "2025", org, "Disdukcapil", K))
    _check_page(src.leadership(ds, "2025", None, None, 3))
    _check_page(src.leadership(ds, "2025", None, None, 8))


@pytest.mark.parametrize("change", [None, ("perilaku_kerja", "di_atas", 3.25)])
def test_whatif_pages_pass_the_audit(ds, change):
    rubric = src.whatif_base(src.WHATIF_RUBRIC)
    if change:
        rubric = rubric.with_thresholds(categories={change[0]: {change[1]: change[2]}})
    page = src.whatif(ds, rubric, "2025", None, K)
    _check_page(page)
    # joined with the overview's numbers, the page still shows most of its own: the last
    # pass of the suppression shows again what a later choice made unnecessary (without
    # it the detailed rubric's page hid 93 of its 107 numbers)
    own = [f for f in page.facts.values() if not f.locked]
    assert sum(f.hidden for f in own) < len(own) / 2
    # the distribution after the change and the curve table are one set of numbers
    after = page.frame("distribution").loc["after"]
    curve = page.frame("curve")[list(page.extra["labels"])]
    for p, v in after.items():
        if np.isfinite(v) and curve[p].notna().all():
            assert curve[p].sum() == v


@pytest.mark.parametrize("change", [("hasil_kerja", "sesuai", 1.45), ("perilaku_kerja", "di_atas", 3.25)])
def test_a_slider_steps_findings_shown_first_are_the_whole_pages_own(ds, change):
    """A slider step shows its findings (each OPD's verdict, who changes predikat) from a
    page protected with every other number hidden, before the whole page is protected.
    What the reader then saw is the findings page and the whole page together: the whole
    page must show every number the findings page showed, alike, and pass the audit."""
    rubric = src.whatif_base(src.WHATIF_RUBRIC).with_thresholds(categories={change[0]: {change[1]: change[2]}})
    first = src.whatif_findings(ds, rubric, "2025", None, K)
    whole = src.whatif(ds, rubric, "2025", None, K)
    _check_page(first)
    _check_page(whole)
    shown_first = [f for f in first.facts.values() if not f.hidden]
    assert all(whole.shown(f.key) and whole.facts[f.key].value == f.value for f in shown_first)
    findings = finding_keys(first)
    assert len(findings) == len(first.tables["curve"]) + 1  # one verdict per OPD, and who changes
    assert any(first.shown(k) for k in findings)
    draft = src.whatif_draft(ds, rubric, "2025", None, K)
    own = [f for f in first.facts.values() if f.key not in findings and not draft.facts[f.key].locked]
    assert own and all(f.hidden for f in own)  # every other number of its own waits
    assert sum(not f.hidden for f in whole.facts.values()) > len(shown_first)  # the whole page shows more


def test_a_whole_what_if_page_refuses_the_findings_of_another_state(ds):
    start = src.whatif_base(src.WHATIF_RUBRIC)
    moved = start.with_thresholds(categories={"hasil_kerja": {"sesuai": 1.45}})
    with pytest.raises(ValueError, match="findings page of the same state"):
        whatif_protect(src.whatif_draft(ds, start, "2025", None, K), first=src.whatif_findings(ds, moved, "2025", None, K))


def test_the_states_a_reader_switches_between_are_protected_together(ds):
    """A reader sees the city, then drills into an OPD, then picks another period: what
    all these views show together must narrow no hidden cell. Before, the city view
    showed a count the BKPSDM drill-down hid (together they gave away its small cells),
    and the 2025-Q2 page hid a trend share the other periods showed."""
    city = src.leadership(ds, "2025", None, None, K)
    drill = src.leadership(ds, "2025", None, "BKPSDM", K)
    seen = copy.deepcopy(drill)
    for key, fact in city.facts.items():
        assert key in seen.facts  # the drill-down holds every number of the city view ...
        if not fact.hidden:
            seen.facts[key].status = "shown"  # ... and the reader saw what the city showed
    assert audit(seen).ok
    pages = [src.leadership(ds, p, None, None, K) for p in ("2025", "2025-Q2", "2025-Q3")]
    for a, b in itertools.combinations(pages, 2):  # one trend, shown alike in every period
        common = set(a.facts) & set(b.facts)
        assert common and all(a.facts[k].status == b.facts[k].status for k in common)


def test_a_units_trend_reads_alike_in_every_periods_drill_down(ds):
    """The drill-down's trend of one OPD is the same cells whatever the period drilled
    in. Before, Inspektorat's share of Baik in 2025-Q4 showed in the 2025 drill-down and
    was hidden in the 2025-Q4 one; a reader who saw both had the hidden number."""
    a, b = (src.leadership(ds, p, None, "Inspektorat", K) for p in ("2025", "2025-Q4"))
    keys = a.tables["trend"].to_numpy().ravel()
    assert list(keys) == list(b.tables["trend"].to_numpy().ravel())
    assert [a.facts[k].status for k in keys] == [b.facts[k].status for k in keys]
    assert any(a.facts[k].hidden for k in keys) and not all(a.facts[k].hidden for k in keys)
    city = src.leadership(ds, "2025-Q4", None, None, K)  # as the city's page of the quarter shows it
    n = city.facts["ringkasan_pimpinan/n/2025-Q4/Inspektorat"]
    for lab in a.extra["labels"]:
        count = city.facts[f"ringkasan_pimpinan/count/2025-Q4/Inspektorat/{lab}"]
        trend = a.facts[f"ringkasan_pimpinan/trend/Inspektorat/2025-Q4/{lab}"]
        assert trend.hidden == (count.hidden or n.hidden)
    assert audit(a).ok and audit(b).ok


def _tiny(ds, scores, sizes: dict[str, int]):
    """The sample with some units cut down to 1-4 people (every period)."""
    frame = scores.frame
    keep = []
    for unit, g in frame.groupby("unit", observed=True):
        ids = sorted(g["employee_id"].unique())
        keep.extend(ids[: sizes.get(str(unit), len(ids))])
    small = frame[frame["employee_id"].isin(keep)]
    return dataclasses.replace(scores, frame=small, _cache={})


@pytest.mark.parametrize("sizes", [{"Inspektorat": 1, "Bappeda": 2}, {"Inspektorat": 3, "Satpol PP": 4},
                                   {"BKPSDM": 4, "BPKAD": 2, "Bappeda": 1}])
def test_crafted_small_units_pass_the_audit(ds, scores, sizes):
    small = _tiny(ds, scores, sizes)
    for unit in [None, *sizes]:
        check = wb.curve_check(small, src.default_org_rating(ds), period="2025")
        page = leadership_page(small, ds.roster, check, "2025", unit, min_cell=K)
        _check_page(page)
        for u in sizes:  # a unit under min_cell shows nothing but its name
            assert page.facts[f"ringkasan_pimpinan/n/2025/{u}"].status == "small"


def test_crafted_groups_of_one_to_four_in_a_table():
    """A table whose every row is a group of 1-4 people: nothing is recoverable."""
    rows = []
    for i, size in enumerate([1, 2, 3, 4, 12, 30]):
        for j in range(size):
            rows.append((f"u{i}", ["Baik", "Sangat Baik", "Butuh Perbaikan"][j % 3]))
    atoms = pd.DataFrame(rows, columns=["unit", "predikat"]).value_counts().rename("n").reset_index()
    page = Page("demo", {}, atoms, min_cell=K)
    for u in atoms["unit"].unique():
        for p in ["Baik", "Sangat Baik", "Butuh Perbaikan"]:
            page.count(f"{u}/{p}", page.expr(unit=u, predikat=p))
        page.count(f"{u}/n", page.expr(unit=u), kind="total")
        page.share(f"{u}/share", page.expr(unit=u, predikat=["Sangat Baik", "Baik"]), page.expr(unit=u))
    for p in ["Baik", "Sangat Baik", "Butuh Perbaikan"]:
        page.count(f"all/{p}", page.expr(predikat=p), kind="total")
    page.count("all/n", page.expr(), kind="total")
    protect(page)
    _check_page(page)
    for u in ("u0", "u1", "u2", "u3"):  # groups under min_cell: size and cells hidden as small
        assert page.facts[f"{u}/n"].status == "small" and page.label(f"{u}/n") == "<5"
    # the city totals minus the large groups give the small groups' sum, never one cell
    assert audit(page).intervals.set_index("key").loc["u0/Baik", "width"] >= 3


def test_a_share_rounded_to_one_decimal_is_an_interval():
    """n = 48 and 95.8 % shown: the attacker knows the numerator is exactly 46."""
    atoms = pd.DataFrame({"g": ["good", "bad"], "n": [46, 2]})
    page = Page("demo", {}, atoms)
    page.count("n", page.expr(), kind="total")
    page.share("share", page.expr(g="good"), page.expr(), hide=False, complement=False)
    page.count("bad", page.expr(g="bad"))
    r = audit(page)
    assert r.intervals.loc[0, ["low", "high"]].tolist() == [2.0, 2.0] and not r.ok
    protect(page)
    assert page.facts["share"].status == "protected" and audit(page).ok


@pytest.mark.parametrize("rounds", [0, 1, 2])
def test_a_search_out_of_rounds_still_leaves_the_page_safe(ds, scores, rounds):
    """The suppression's search stops after ``max_rounds`` widened cells; it used to stop
    there in silence, with a small cell still recoverable from the numbers shown."""
    check = src.curve(ds, "2025", src.default_org_rating(ds))
    page = leadership_page(scores, ds.roster, check, "2025", None, min_cell=K, suppress=False)
    assert not audit(page).ok
    protect(page, max_rounds=rounds)
    assert audit(page).ok
    if rounds == 0:  # no search at all: every number the suppression may hide is hidden
        assert all(f.hidden for f in page.facts.values() if not f.locked)


def test_publish_refuses_a_page_the_audit_breaks(ds, scores, tmp_path, monkeypatch):
    def bare(ds_, period, org_rating=None, unit=None, min_cell=None):
        check = src.curve(ds_, period, src.default_org_rating(ds_))
        return leadership_page(scores, ds_.roster, check, period, unit, min_cell=K, suppress=False)

    monkeypatch.setattr(src, "leadership", bare)
    out = tmp_path / "r.html"
    with pytest.raises(WorkbenchError, match="narrow"):
        pub.publish("ringkasan_pimpinan", ds, out)
    assert not out.exists()


def test_overview_report_and_drill_down_read_the_same_numbers(ds):
    page = src.leadership(ds, "2025", None, "BPKAD", K)
    assert page.headlines["unit_n"] == page.tables["curve"].loc["BPKAD", "n"]
    assert page.headlines["unit_share"] == page.tables["share"].loc["BPKAD", "share"]
    unit = page.frame("unit")
    shown = page.frame("curve").loc["BPKAD", list(page.extra["labels"])]
    for p, v in shown.items():  # a shown column total is the sum of the drill-down's column
        if np.isfinite(v) and unit[p].notna().all():
            assert unit[p].sum() == v


def test_whatif_page_builds_from_frames(ds):
    base = src.whatif_scores(ds, src.whatif_base(src.WHATIF_RUBRIC))
    check = src.whatif_curve(ds, src.whatif_base(src.WHATIF_RUBRIC), "2025", src.default_org_rating(ds))
    page = whatif_page(base, base, check, "2025", min_cell=K, predikat=list(src.PREDIKAT))
    assert page.value(page.headlines["changed"]) == 0
    assert audit(page).ok


def test_the_search_widens_a_support_through_the_relations_in_the_page_order():
    """``_Shape.grown`` (vectorised) takes the relations one pass in order, each when it
    touches the atoms gathered so far, as the loop it replaces did."""
    from types import SimpleNamespace

    from workbench.report._model import _Shape

    rng = np.random.default_rng(7)
    for _ in range(300):
        n_rel, n_atoms = rng.integers(0, 12), rng.integers(1, 15)
        rsup = rng.random((n_rel, n_atoms)) < rng.uniform(0.05, 0.4)
        own = rng.random(n_atoms) < 0.2
        expected = own.copy()
        for s in rsup:  # the loop of the search before it read arrays
            if (s & expected).any():
                expected = expected | s
        got = _Shape.grown(SimpleNamespace(rsup=rsup), own)  # type: ignore[arg-type]
        assert np.array_equal(got, expected)
        assert not np.shares_memory(got, own)
