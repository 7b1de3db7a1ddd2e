"""The quicker paths of the compiled rubric and of the privacy checks equal the ones they replaced."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

import workbench as wb
from workbench import privacy
from workbench.report import Page, protect
from workbench.rubric._compiled import TIE_TOL, category_index, compile_rubric


def _searchsorted_categories(s, thresholds):
    s = np.asarray(s, dtype=float)
    idx = np.searchsorted(thresholds, s + TIE_TOL * np.maximum(np.abs(s), 1.0), side="right")
    return np.where(np.isnan(s), -1, idx)


def test_category_index_equals_searchsorted():
    rng = np.random.default_rng(3)
    for thresholds in ([], [2.0], [1.5, 2.5], [60.0, 85.0, 100.0], list(np.linspace(0, 9, 12))):
        t = np.array(thresholds, dtype=float)
        s = rng.uniform(-1, 11, 3000)
        s[::7] = np.repeat(t, 1 + 430 // max(len(t), 1))[: len(s[::7])] if len(t) else 0.0  # on a threshold
        s[1::11] -= 1e-12                                                                  # just below one
        s[2::13] = np.nan
        s[3::17] = np.inf
        got = category_index(s.reshape(100, 30), t)
        assert got.dtype == _searchsorted_categories(s, t).dtype
        np.testing.assert_array_equal(got, _searchsorted_categories(s, t).reshape(100, 30))
    assert int(category_index(np.float64(2.0), np.array([2.0]))) == 1


def test_matrix_rank_equals_the_table_lookup():
    comp = compile_rubric(wb.load_rubric("permenpanrb-6-2022-rinci"))
    r_n, c_n = comp.matrix_table.shape
    rng = np.random.default_rng(4)
    rows, cols = rng.integers(-1, r_n, (50, 40)), rng.integers(-1, c_n, (50, 40))
    want = np.where((rows >= 0) & (cols >= 0), comp.matrix_table[np.maximum(rows, 0), np.maximum(cols, 0)], -1)
    np.testing.assert_array_equal(comp.matrix_rank(rows, cols), want)


def test_visible_equals_the_character_filter():
    rng = np.random.default_rng(5)
    alphabet = [chr(c) for c in range(0, 0x2100)] + ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
    for _ in range(300):
        text = "".join(rng.choice(alphabet, rng.integers(0, 40)))
        assert privacy._visible(text) == "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def test_audit_liveness_equals_the_relation_by_relation_definition():
    atoms = pd.DataFrame({"row": list("aabbcc"), "col": list("xyxyxy"), "n": [40, 2, 30, 9, 3, 12]})
    page = Page("demo", {}, atoms, min_cell=5)
    for r in "abc":
        for c in "xy":
            page.count(f"{r}/{c}", page.expr(row=r, col=c))
        page.count(f"{r}/total", page.expr(row=r), kind="total")
        page.share(f"{r}/share", page.expr(row=r, col="y"), page.expr(row=r))
    page.fact("move/a", "move", 1.0, requires=("a/total",))
    page.relate(("move/a", "a/total"), page.expr(row="a", col="y"), 0.0, 4.0)
    protect(page)
    m = privacy._merged(page)
    hid = np.array([f.hidden for f in page.facts.values()])
    live = np.ones(len(page.relations), dtype=bool)
    live[m["need_rel"][hid[m["need_fact"]]]] = False
    want = [all(not page.facts[k].hidden for k in r.needs if k in page.facts) for r in page.relations]
    assert hid.any() and not all(want)
    assert live.tolist() == want
