"""The quicker paths of the privacy checks equal the ones they replaced."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

from workbench import privacy
from workbench.report import Page, protect


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


def test_names_found_in_a_text_with_long_base64_runs_as_in_the_whole_text():
    """find_identifiers looks for names in the text with its long base64 runs (the
    report's images) cut short: it finds the same names as a search of the whole text."""
    rng = np.random.default_rng(11)
    alphabet = list("ABa01+/=" * 6 + " .,'-\u200b")  # long runs of base64 characters, a few others
    cut = 0
    for _ in range(300):
        text = "".join(rng.choice(alphabet, rng.integers(0, 400)))
        names = ["".join(rng.choice(alphabet, rng.integers(0, 5))) for _ in range(rng.integers(21, 40))]
        cut += privacy._short_runs(text, 4) != text
        want = [v for v in (privacy._visible(n) for n in names) if v and v in privacy._visible(text)]
        assert privacy.find_identifiers(text, names) == privacy.find_identifiers(text, []) + want
    assert cut > 100  # the cut was exercised
