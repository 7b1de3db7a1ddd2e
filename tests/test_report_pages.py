"""How the what-if page is built (workbench.report.pages): its atoms, the overview's numbers
it joins, and the page model's expressions, each against the plain computation it stands
for."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.report import Page, whatif_page
from workbench.report import pages as pg
from workbench.views import _sources as src

K = 5


@pytest.fixture(scope="module")
def frames(kota):
    before = src.whatif_before(kota)
    return before, src.whatif_after(kota, src.whatif_base(src.WHATIF_RUBRIC))


def _variants(before: pd.DataFrame, after: pd.DataFrame) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Starting points and what-ifs: row for row, shuffled, partly overlapping, with missing
    units and predikat, with ids that repeat or are not text."""
    holes_a, holes_b = after.copy(), before.copy()
    holes_a.iloc[::7, holes_a.columns.get_loc("predikat")] = None
    holes_a.iloc[::11, holes_a.columns.get_loc("unit")] = None
    holes_b.iloc[::5, holes_b.columns.get_loc("unit")] = None
    holes_b.iloc[::13, holes_b.columns.get_loc("predikat")] = np.nan
    renamed = after.copy()
    renamed["unit"] = renamed["unit"].str.upper()
    return {
        "aligned": (before, after),
        "start": (before, before),
        "subsets": (before.iloc[::2], after.iloc[1::3]),
        "shuffled": (before.sample(frac=1, random_state=1), after.iloc[::-1]),
        "holes": (holes_b, holes_a),
        "holes, aligned": (before, holes_a),
        "holes at the start": (holes_b, after),
        "other units": (holes_b, renamed),
        "overlap": (holes_b.iloc[: len(before) // 2], holes_a.iloc[len(after) // 3:]),
        "repeated ids": (before, pd.concat([after, after.iloc[:40]])),
        "repeated start": (pd.concat([before, before.iloc[:40]]), after),
        "object ids": (before.astype({"employee_id": object}), after),
        "empty what-if": (before, after.iloc[:0]),
    }


@pytest.mark.parametrize("variant", ["aligned", "start", "subsets", "shuffled", "holes", "holes, aligned",
                                     "holes at the start", "other units", "overlap", "repeated ids",
                                     "repeated start", "object ids", "empty what-if"])
def test_the_what_if_atoms_are_the_outer_merges(frames, variant):
    """The atoms counted on codes (``_transitions``) are exactly those of the outer merge and
    group-by they replace (``_transitions_merged``): values, order and dtypes."""
    before, after = _variants(*frames)[variant]
    for period in ("2025", "2025-Q2"):
        b = before.loc[before["period"].astype(str) == period, pg._COLUMNS]
        a = after.loc[after["period"].astype(str) == period, pg._COLUMNS]
        pd.testing.assert_frame_equal(pg._transitions(before, after, period), pg._transitions_merged(b, a),
                                      check_exact=True)


def test_a_starting_point_is_read_once_per_frame_and_period(frames):
    """The starting point's rows are kept for the frame passed (held, so that its id names
    it alone), and another frame with the same id slot is read afresh."""
    before, after = frames
    first = pg._start(before, "2025")
    assert pg._start(before, "2025") is first
    assert pg._start(before, "2025-Q1") is not first
    other = before.copy()
    other.loc[other["period"] == "2025", "predikat"] = None  # nobody rated
    key = (id(other), len(other), "2025")
    pg._STARTS[key] = (before, first)  # a stale entry under the new frame's id
    atoms = pg._transitions(other, after, "2025")
    assert set(atoms["before"]) == {pg.UNSCORED}


def test_the_overview_numbers_joined_are_computed_once_per_page(kota, frames):
    """Two states of one period share the overview's numbers over the groups, and a page
    joined from the cache is the page joined afresh."""
    before, after = frames
    rubric = src.whatif_base(src.WHATIF_RUBRIC)
    check = src.whatif_curve(kota, rubric, "2025", None)
    public = src.leadership(kota, "2025", None, None, K)

    def build() -> Page:
        return whatif_page(before, after, check, "2025", K, predikat=list(src.PREDIKAT), public=public,
                           suppress=False)

    def joined() -> list[object]:  # this overview page's entries (a background thread of another
        return [v[1] for v in list(pg._JOINABLE.values()) if v[0] is public]  # test may add its own)

    pg._JOINABLE.clear()
    fresh = build()
    first = joined()
    assert len(first) == 1
    cached = build()
    assert len(joined()) == 1 and joined()[0] is first[0]  # joined from the cache, not again
    assert list(fresh.facts) == list(cached.facts)
    for key, f in fresh.facts.items():
        g = cached.facts[key]
        assert (f.kind, f.value, f.status, f.locked, f.requires, f.cost) == (g.kind, g.value, g.status, g.locked,
                                                                             g.requires, g.cost)
        assert (f.expr is None) == (g.expr is None)
        assert f.expr is None or np.array_equal(f.expr, g.expr)
    assert len(fresh.relations) == len(cached.relations)
    for r, s in zip(fresh.relations, cached.relations, strict=True):
        assert r.needs == s.needs and np.array_equal(r.coef, s.coef)
    assert sum(f.locked for f in fresh.facts.values()) > len(public.facts) // 2  # the overview's numbers joined


def test_expressions_match_the_atoms_they_name():
    """``Page.expr`` (conditions kept per page) against the atoms' columns compared as text:
    one value, several, a value no atom has, a missing value; a result changed by its reader
    leaves the next one alone."""
    atoms = pd.DataFrame({"unit": ["a", "a", "b", None, "c"], "predikat": ["x", "y", "x", "y", "x"],
                          "n": [3, 4, 5, 6, 7]})
    page = Page("demo", {}, atoms, min_cell=K)
    text = atoms.astype({"unit": str, "predikat": str})
    cases = [{}, {"unit": "a"}, {"unit": ["a", "b"]}, {"unit": ("b",), "predikat": "x"}, {"unit": "zz"},
             {"unit": []}, {"unit": {"a", "c"}, "predikat": ["x", "y"]}, {"predikat": "y", "unit": "a"}]
    for where in cases:
        want = np.ones(len(atoms), dtype=bool)
        for col, val in where.items():
            values = [str(v) for v in (val if isinstance(val, list | tuple | set) else [val])]
            want &= text[col].isin(values).to_numpy() & atoms[col].notna().to_numpy()
        got = page.expr(**where)
        assert got.dtype == float and np.array_equal(got, want.astype(float)), where
        got[:] = 9.0
        assert np.array_equal(page.expr(**where), want.astype(float)), where
    with pytest.raises(KeyError):
        page.expr(jabatan="JPT")


def test_records_are_the_frames_to_dict(kota):
    """``_records`` gives what ``DataFrame.to_dict("records")`` gives, value and type."""
    def typed(rows):
        return [[(k, type(v), repr(v)) for k, v in row.items()] for row in rows]

    check = src.whatif_curve(kota, src.whatif_base(src.WHATIF_RUBRIC), "2025", None)
    odd = pd.DataFrame({"a": pd.array([1, None], dtype="Int64"), "b": np.array([np.float64(1.5), None], dtype=object),
                        "c": pd.array([True, None], dtype="boolean"), "d": ["x", None], "e": [1.0, np.nan],
                        "f": [True, False], "g": np.array([np.int64(2), "s"], dtype=object)})
    for frame in (check.constraints, check.moves, check.units, odd, odd.iloc[:0]):
        assert typed(pg._records(frame)) == typed(frame.to_dict("records"))
