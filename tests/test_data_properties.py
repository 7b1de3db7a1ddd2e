"""Hypothesis: whatever happens to the rows of a file, the counts add up and nothing vanishes."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb

HEADER = ["NIP", "Penilai", "Peran Penilai", "Indikator", "Nilai", "Periode"]
GOOD = ["198609262015051001", "197501012000031002", "atasan", "kolaboratif", "4", "2025"]

cell = st.one_of(st.sampled_from(["", " ", "x", "3,5", "1.9E+17", "rekan", "Di Atas Ekspektasi", "2025-Q5",
                                  "19860926 201505 1 001", "NaN", "-"]),
                 st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\n\r\";"),
                         max_size=8))


@st.composite
def corrupted_rows(draw):
    n = draw(st.integers(1, 25))
    rows = []
    for i in range(n):
        row = list(GOOD)
        row[0] = str(198609262015051001 + i)
        for j in draw(st.lists(st.integers(0, 5), max_size=3)):
            row[j] = draw(cell)
        kind = draw(st.sampled_from(["row", "row", "row", "blank", "header", "duplicate"]))
        if kind == "blank":
            row = [""] * 6
        elif kind == "header":
            row = list(HEADER)
        elif kind == "duplicate" and rows:
            row = list(rows[-1])
        rows.append(row)
    return rows


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=corrupted_rows(), sep=st.sampled_from([";", ","]))
def test_counts_always_add_up(tmp_path_factory, rows, sep):
    path = tmp_path_factory.mktemp("p") / "r.csv"
    text = sep.join(HEADER) + "\n" + "\n".join(sep.join(r) for r in rows) + "\n"
    path.write_text(text, encoding="utf-8")
    ds = wb.load(path)
    r = ds.report
    assert r.rows_read == len(rows)
    assert r.rows_read == r.rows_kept + r.rows_rejected
    assert r.rows_kept == len(ds.ratings)
    ds.validate()  # what the loader kept satisfies the pandera schemas
    rejected_lines = set(r.errors["line"].dropna().astype(int))
    assert len(rejected_lines) == r.rows_rejected  # every rejected row is in the report, once per line
    kept_and_rejected = rejected_lines & set(range(2, len(rows) + 2))
    assert len(kept_and_rejected) == r.rows_rejected


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(["3,5", "4", "Diatas Ekspektasi", "x", ""]), min_size=1, max_size=30))
def test_from_frames_counts(scores):
    df = pd.DataFrame({"period": "2025", "employee_id": [f"E{i}" for i in range(len(scores))],
                       "rater_id": "R1", "rater_role": "atasan", "indicator": "adaptif", "score": scores})
    ds = wb.Dataset.from_frames(df)
    assert ds.report.rows_read == len(scores) == ds.report.rows_kept + ds.report.rows_rejected
    assert ds.report.rows_rejected == sum(s in ("x", "") for s in scores)
