"""The distribution curve: rounding, violations, the smallest fix, borderline employees."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from workbench.errors import ParameterError, RubricError
from workbench.rubric import curve_check, score
from workbench.rubric.curve import _bounds
from workbench.rubric.model import CurveConstraint

CELL = {"Sangat Baik": (3, 3), "Baik": (2, 2), "Butuh Perbaikan": (1, 2), "Kurang/Misconduct": (2, 1),
        "Sangat Kurang": (1, 1)}
CODE = {"Sangat Baik": "SB", "Baik": "B", "Butuh Perbaikan": "BP", "Kurang/Misconduct": "K", "Sangat Kurang": "SK"}


def _scores(units: dict[str, dict[str, int]], rubric: str = "permenpanrb-6-2022"):
    rows, roster = [], []
    for unit, counts in units.items():
        for pred, n in counts.items():
            h, p = CELL[pred]
            for k in range(n):
                emp = f"{unit}-{CODE[pred]}-{k:02d}"
                rows += [(emp, "hasil_kerja", h), (emp, "perilaku_kerja", p)]
                roster.append((emp, unit))
    ratings = pd.DataFrame([{"period": "2025", "employee_id": e, "rater_id": "x", "rater_role": "atasan",
                             "indicator": i, "score": float(s)} for e, i, s in rows])
    ros = pd.DataFrame(roster, columns=["employee_id", "unit"]).assign(period="2025")
    return score(ratings, rubric, roster=ros)


def test_rounding_is_explicit():
    c = CurveConstraint(("baik",), min=0.6, max=0.7)
    assert _bounds(c, 10, "conservative") == (6, 7)
    assert _bounds(c, 5, "conservative") == (3, 3)
    assert _bounds(c, 4, "conservative") == (3, 2)   # 2.4 -> 3 needed, 2.8 -> 2 allowed: infeasible
    assert _bounds(c, 4, "lenient") == (2, 3)
    assert _bounds(c, 4, "nearest") == (2, 3)
    assert _bounds(CurveConstraint(("baik",), present=True), 3, "lenient") == (1, 3)


def test_baik_unit_needs_bp_and_at_most_70_percent_baik():
    s = _scores({"A": {"Baik": 9, "Sangat Baik": 1}, "B": {"Baik": 7, "Sangat Baik": 2, "Butuh Perbaikan": 1}})
    frame = curve_check(s, "Baik").to_frame().set_index("unit")
    assert not frame.loc["A", "ok"] and frame.loc["B", "ok"]
    assert frame.loc["A", "Baik"] == 9 and frame.loc["A", "n_employees"] == 10
    # Baik 9 > 7 allowed and no BP/K present: two moves Baik -> Butuh Perbaikan fix both
    assert frame.loc["A", "n_changes"] == 2
    assert frame.loc["A", "changes"].startswith("pindahkan 2 pegawai dari Baik ke Butuh Perbaikan")
    assert "Baik: 9 of 10, harus <= 7" in frame.loc["A", "violations"]
    assert frame.loc["B", "changes"] == "" and frame.loc["B", "n_changes"] == 0


def test_borderline_employees_by_distance_then_keyed_hash_not_by_id():
    from workbench.calibration.distance import tie_keys

    # 10 Baik: seven rated Sesuai/Sesuai (0.5 category widths above Butuh Perbaikan), three
    # Di Atas/Sesuai (1.5 widths away). floor(0.7 * 10) = 7 Baik allowed: three must move.
    near = [f"A-{k:02d}" for k in range(7)]
    far = [f"A-{k:02d}" for k in range(7, 10)]
    rows = [(e, "hasil_kerja", 2.0) for e in near] + [(e, "hasil_kerja", 3.0) for e in far]
    rows += [(e, "perilaku_kerja", 2.0) for e in near + far]
    ratings = pd.DataFrame([{"period": "2025", "employee_id": e, "rater_id": "x", "rater_role": "atasan",
                             "indicator": i, "score": v} for e, i, v in rows])
    roster = pd.DataFrame({"employee_id": near + far, "unit": "A", "period": "2025"})
    moved = curve_check(score(ratings, "permenpanrb-6-2022", roster=roster), {"A": "baik"}).changes
    assert len(moved) == 3
    assert moved["from_predikat"].eq("Baik").all() and moved["to_predikat"].eq("Butuh Perbaikan").all()
    assert moved["distance"].tolist() == [0.5, 0.5, 0.5]
    assert not set(moved["employee_id"]) & set(far)
    # ties among the seven are broken by a keyed hash of period and id, not by NIP (age) order
    keys = dict(zip(near, tie_keys("2025", near), strict=True))
    assert moved["employee_id"].tolist() == sorted(near, key=keys.__getitem__)[:3]
    assert moved["employee_id"].tolist() != near[:3]


def test_sangat_kurang_row_and_english():
    s = _scores({"A": {"Sangat Kurang": 5, "Baik": 4, "Sangat Baik": 1}})
    frame = curve_check(s, "Sangat Kurang").to_frame()
    row = frame.iloc[0]
    # min 60% SK (6 of 10), min 10% K or BP (1), no Sangat Baik: two moves are needed
    assert not row["ok"]
    assert row["n_changes"] == 2
    check = curve_check(_scores({"A": {"Baik": 3}}), "Istimewa")
    assert check.to_frame().iloc[0]["ok"]


def test_infeasible_small_unit_is_reported():
    s = _scores({"A": {"Baik": 4}})
    row = curve_check(s, "Butuh Perbaikan").to_frame().iloc[0]
    assert row["ok"] is False or not row["ok"]
    assert row["n_changes"] == 3  # ceil(0.6*4) = 3 Butuh Perbaikan
    s2 = _scores({"A": {"Kurang/Misconduct": 3}})
    # Kurang: min 60% K (2 of 3), min 10% BP (1): one move suffices
    assert curve_check(s2, "Kurang").to_frame().iloc[0]["n_changes"] == 1


def test_errors():
    s = _scores({"A": {"Baik": 3}, "B": {"Baik": 3}})
    with pytest.raises(ParameterError, match=r"no Predikat Kinerja Organisasi for 1 units \(B\)"):
        curve_check(s, {"A": "Baik"})
    with pytest.raises(ParameterError, match=r"must be one of"):
        curve_check(s, "Luar Biasa")
    with pytest.raises(ParameterError, match=r"`rounding` must be one of"):
        curve_check(s, "Baik", rounding="floor")


def test_needs_single_period(kota):
    s = score(kota, "permenpanrb-6-2022")
    with pytest.raises(ParameterError, match=r"hold 5 periods"):
        curve_check(s, "Baik")
    check = curve_check(s, "Cukup", period="2025-Q1")
    assert check.to_frame()["n_employees"].sum() == 1200
    assert check.to_frame()["org_rating"].eq("Butuh Perbaikan").all()
    assert check.provenance.rubric_id == "permenpanrb-6-2022"


def test_rubric_without_curve():
    ratings = pd.DataFrame({"period": "2025", "employee_id": ["a"], "rater_id": "x", "rater_role": "atasan",
                            "indicator": "skp", "score": 80.0})
    with pytest.raises(RubricError, match="has no distribution curve"):
        curve_check(score(ratings, "pp-46-2011"), "Baik")


# -- the privacy-safe summary and the borderline list ------------------------------------
NIP18 = r"(?<!\d)\d{18}(?!\d)"


def test_summary_names_no_employee_and_counts_equal_the_detail(kota):
    check = curve_check(score(kota, "permenpanrb-6-2022", period="2025"), "Baik")
    detail = check.to_frame()
    assert detail["changes"].str.contains(NIP18).any()  # the detailed frame names employees
    for lang in ("id", "en"):
        summary = check.summary(lang)
        text = summary.astype(str).to_csv()
        assert not re.search(NIP18, text)
        assert not set(check.borderline["employee_id"]) & set(re.findall(r"\S+", text))
        counts = summary.iloc[:, 3:8].to_numpy()
        assert (counts == detail.iloc[:, 3:8].to_numpy()).all()
        assert (summary["n_employees"] == detail["n_employees"]).all()
        assert (summary["n_changes"] == detail["n_changes"]).all()
        assert summary["ok"].tolist() == detail["ok"].tolist()
    # the moves add up to the borderline list, unit by unit
    per_unit = check.moves.groupby("unit")["n_employees"].sum()
    assert per_unit.to_dict() == check.borderline.groupby("unit").size().to_dict()
    assert check.summary().loc[0, "changes"] == "pindahkan 12 pegawai dari Baik ke Butuh Perbaikan"
    assert check.summary("en").loc[0, "changes"] == "move 12 employees from Good to Needs Improvement"
    assert check.summary("en").loc[0, "org_rating"] == "Good"


def test_summary_texts_use_shares_not_counts():
    s = _scores({"A": {"Baik": 9, "Sangat Baik": 1}})
    row = curve_check(s, "Baik").summary().iloc[0]
    assert row["violations"] == "Baik maks. 70%; Butuh Perbaikan + Kurang/Misconduct harus ada"
    assert "9" not in row["violations"] and "10" not in row["violations"]
    en = curve_check(s, "Baik").summary("en").iloc[0]
    assert en["violations"] == "Good at most 70%; Needs Improvement + Poor/Misconduct must be present"
    row = curve_check(_scores({"A": {"Baik": 10}}), "Butuh Perbaikan").summary().iloc[0]
    assert "Butuh Perbaikan min. 60%" in row["violations"]


def test_summary_suppresses_small_cells():
    s = _scores({"A": {"Baik": 30, "Sangat Baik": 2, "Butuh Perbaikan": 8}, "B": {"Baik": 3}})
    check = curve_check(s, "Baik")
    exact = check.summary()
    assert exact.set_index("unit").loc["A", "Sangat Baik"] == 2
    safe = check.summary(min_cell=5).set_index("unit")
    assert pd.isna(safe.loc["A", "Sangat Baik"])          # 2 < 5: hidden
    assert safe.loc["A", "Baik"] == 30                      # secondary suppression hid a zero
    assert pd.isna(safe.loc["B", "n_employees"]) and pd.isna(safe.loc["B", "ok"])  # unit of 3: hidden
    assert safe.loc["B", "violations"] == "" and safe.loc["B", "changes"] == ""
    # A: 30 Baik of 40 > 28 allowed: 2 moves, a small number, written "<5"
    assert safe.loc["A", "changes"] == "pindahkan <5 pegawai dari Baik ke Butuh Perbaikan"
    assert pd.isna(safe.loc["A", "n_changes"])
    with pytest.raises(ParameterError, match="min_cell"):
        check.summary(min_cell=2)


def test_curve_check_of_a_scores_frame_matches_scores(kota):
    from workbench.rubric import load_rubric
    from workbench.weights import scores_frame

    rinci = load_rubric("permenpanrb-6-2022-rinci")
    a = curve_check(score(kota, rinci, period="2025"), "Baik").summary()
    b = curve_check(scores_frame(kota, rinci), "Baik", period="2025", rubric=rinci).summary()
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(ParameterError, match="`rubric` is required"):
        curve_check(scores_frame(kota, rinci), "Baik", period="2025")


# -- small units --------------------------------------------------------------------------------

def test_one_person_baik_unit_is_not_told_to_move_its_only_employee():
    s = _scores({"Solo": {"Baik": 1}, "Big": {"Baik": 9, "Butuh Perbaikan": 1}})
    check = curve_check(s, "Baik")
    f = check.to_frame().set_index("unit")
    # before: "pindahkan 1 pegawai dari Baik ke Butuh Perbaikan"
    assert pd.isna(f.loc["Solo", "ok"]) and f.loc["Solo", "n_changes"] == 0
    assert f.loc["Solo", "changes"] == "" and check.borderline.query("unit == 'Solo'").empty
    assert "tidak dapat dipenuhi pada unit 1 pegawai" in f.loc["Solo", "violations"]
    summ = check.summary().set_index("unit")
    assert "tidak dapat dipenuhi pada unit sekecil ini" in summ.loc["Solo", "changes"]
    assert "pindahkan 1 pegawai" not in summ.loc["Solo", "changes"]
    assert pd.isna(summ.loc["Solo", "ok"])
    en = check.summary("en").set_index("unit")
    assert "cannot be met in a unit this small" in en.loc["Solo", "changes"]
    # the big unit is checked as before
    assert f.loc["Big", "ok"] == False  # noqa: E712  (nullable boolean)
    assert f.loc["Big", "n_changes"] == 2


@pytest.mark.parametrize(("org", "counts", "ok", "n_changes"), [
    # Baik: at most 70 % Baik (conservative: floor) and some Butuh Perbaikan / Kurang
    ("Baik", {"Baik": 1}, pd.NA, 0),                      # cannot be met with one employee
    ("Baik", {"Baik": 2}, False, 1),                      # 1 Baik + 1 Butuh Perbaikan
    ("Baik", {"Baik": 3}, False, 1),                      # floor(2.1) = 2 Baik
    ("Baik", {"Baik": 3, "Butuh Perbaikan": 1}, False, 1),  # floor(2.8) = 2 Baik
    ("Baik", {"Baik": 2, "Butuh Perbaikan": 1}, True, 0),
    # Istimewa: at most 70 % Sangat Baik
    ("Istimewa", {"Sangat Baik": 1}, pd.NA, 0),
    ("Istimewa", {"Sangat Baik": 2}, False, 1),
    # Butuh Perbaikan: at least 60 % BP (ceil), Sangat Baik at most 10 %
    ("Butuh Perbaikan", {"Baik": 1}, pd.NA, 0),           # 60 % of 1 would be the whole unit
    ("Butuh Perbaikan", {"Baik": 2}, pd.NA, 0),           # ceil(1.2) = 2 of 2
    ("Butuh Perbaikan", {"Baik": 3}, False, 2),           # ceil(1.8) = 2 of 3
    ("Butuh Perbaikan", {"Baik": 3, "Sangat Baik": 1}, False, 3),  # and no SB (10 % of 4 < 1)
    # Kurang: at least 60 % Kurang and 10 % BP
    ("Kurang", {"Baik": 2}, pd.NA, 0),
    ("Kurang", {"Baik": 3}, False, 3),
    # Sangat Kurang: at least 60 % SK and 10 % K/BP, no SB
    ("Sangat Kurang", {"Sangat Kurang": 1}, pd.NA, 0),
    ("Sangat Kurang", {"Sangat Kurang": 2, "Butuh Perbaikan": 1}, True, 0),
])
def test_units_of_one_to_four_follow_the_rounding(org, counts, ok, n_changes):
    f = curve_check(_scores({"U": counts}), org).to_frame().set_index("unit")
    got = f.loc["U", "ok"]
    assert (pd.isna(got) and pd.isna(ok)) or (not pd.isna(ok) and bool(got) == ok), (got, f.loc["U", "violations"])
    assert f.loc["U", "n_changes"] == n_changes, f.loc["U", "changes"]


def test_minimum_sizes_of_the_permenpanrb_rows():
    from workbench.rubric import load_rubric
    from workbench.rubric.curve import _min_size

    rows = load_rubric("permenpanrb-6-2022").curve.rows
    sizes = {k: _min_size(r, "conservative") for k, r in rows.items()}
    assert sizes == {"istimewa": 2, "baik": 2, "butuh_perbaikan": 3, "kurang": 3, "sangat_kurang": 3}


def test_strict_keeps_the_old_literal_reading():
    f = curve_check(_scores({"Solo": {"Baik": 1}}), "Baik", small_units="strict").to_frame()
    assert f.loc[0, "n_changes"] == 1 and f.loc[0, "ok"] == False  # noqa: E712


def test_small_units_can_be_pooled_within_an_opd():
    s = _scores({"OPD1-a": {"Baik": 1}, "OPD1-b": {"Baik": 1}, "OPD1-c": {"Butuh Perbaikan": 1},
                 "OPD2-a": {"Baik": 1}, "OPD1-big": {"Baik": 9, "Butuh Perbaikan": 1}})
    opd = {"OPD1-a": "OPD1", "OPD1-b": "OPD1", "OPD1-c": "OPD1", "OPD1-big": "OPD1", "OPD2-a": "OPD2"}
    check = curve_check(s, "Baik", small_units="pool", pool=opd)
    f = check.to_frame().set_index("unit")
    assert "OPD1 (unit kecil)" in f.index and "OPD1-a" not in f.index
    pooled = f.loc["OPD1 (unit kecil)"]
    assert pooled["n_employees"] == 3 and pooled["ok"] == True  # noqa: E712  2 Baik + 1 BP: 67 %
    assert pd.isna(f.loc["OPD2 (unit kecil)", "ok"])   # alone in its OPD: still one employee
    assert f.loc["OPD1-big", "n_changes"] == 2          # big units are not pooled
    with pytest.raises(ParameterError, match="pool"):
        curve_check(s, "Baik", small_units="pool")


def test_cached_solve_equals_the_milp_on_random_units():
    """Distinct (counts, bounds) programmes are solved once and shared between units: the
    shared answer is the MILP's for every unit, and a caller cannot change it."""
    import numpy as np

    from workbench.rubric import load_rubric
    from workbench.rubric.curve import _solve, _solve_milp

    rubric = load_rubric("permenpanrb-6-2022")
    rows = list(rubric.curve.rows.values())
    ids = [p.id for p in rubric.predikat]
    rng = np.random.default_rng(5)
    seen = 0
    for _ in range(60):
        row = rows[rng.integers(len(rows))]
        counts = np.bincount(rng.integers(0, len(ids), rng.integers(3, 25)), minlength=len(ids))
        cons = []
        for c in row.constraints:
            lo, hi = _bounds(c, int(counts.sum()), "conservative")
            cons.append(([ids.index(p) for p in c.predikat], lo, hi))
        want = _solve_milp(counts, cons)
        got = _solve(counts, cons)
        if want is None:
            assert got is None
            continue
        seen += 1
        assert np.array_equal(got, want)
        got[0, 1] += 7  # the caller's copy, not the cached answer
        assert np.array_equal(_solve(counts, cons), want)
    assert seen > 20
