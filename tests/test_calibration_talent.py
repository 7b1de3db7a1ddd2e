"""The 9-box: counts against a hand count from the raw ratings, box numbering, movement,
promotion candidates, the suppressed view for leaders."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.calibration import nine_box
from workbench.errors import ParameterError

LEVEL = {1.0: "Di Bawah Ekspektasi", 2.0: "Sesuai Ekspektasi", 3.0: "Di Atas Ekspektasi"}


@pytest.fixture(scope="module")
def box(kota):
    return nine_box(kota, "permenpanrb-6-2022")


def _hand(kota, period: str) -> pd.DataFrame:
    """hasil and perilaku ratings of each employee in a period, straight from the ratings table."""
    r = kota.ratings[(kota.ratings["period"] == period) & kota.ratings["indicator"].isin(["hasil_kerja", "perilaku_kerja"])]
    wide = r.pivot_table(index="employee_id", columns="indicator", values="score", aggfunc="mean", observed=True)
    units = kota.roster[kota.roster["period"] == period].set_index("employee_id")["unit"]
    return wide.assign(unit=units.reindex(wide.index))


def test_grid_counts_equal_a_hand_count(kota, box):
    assert box.periods == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    for unit in ("Bappeda", "Dinas Pendidikan", "Satpol PP"):
        for period in ("2025-Q1", "2025-Q4"):
            hand = _hand(kota, period)
            hand = hand[hand["unit"] == unit]
            expected = pd.crosstab(hand["hasil_kerja"].map(LEVEL), hand["perilaku_kerja"].map(LEVEL))
            grid = box.grid(unit, period)
            for h in LEVEL.values():
                for p in LEVEL.values():
                    want = int(expected.loc[h, p]) if h in expected.index and p in expected.columns else 0
                    assert grid.loc[h, p] == want, (unit, period, h, p)
            assert int(grid.to_numpy().sum()) == len(hand)
    # rows highest first, columns lowest first; the pooled grid adds up the units
    assert list(box.grid().index) == ["Di Atas Ekspektasi", "Sesuai Ekspektasi", "Di Bawah Ekspektasi"]
    pooled = sum(box.grid(u, "2025-Q4") for u in kota.units)
    pd.testing.assert_frame_equal(pooled, box.grid(None, "2025-Q4"))


def test_box_numbers_follow_the_matrix(box):
    f = box.to_frame()
    assert box.top_box == 9
    assert set(f.loc[f["box"] == 9, "predikat"]) <= {"Sangat Baik"}
    assert set(f.loc[f["box"] == 1, "predikat"]) <= {"Sangat Kurang"}
    assert set(f.loc[f["box"].isin([2, 3]), "predikat"]) <= {"Butuh Perbaikan"}
    assert set(f.loc[f["box"].isin([4, 7]), "predikat"]) <= {"Kurang/Misconduct"}
    assert (f["box"] == f["row"] * 3 + f["col"] + 1).all()
    counts = box.counts()
    assert len(counts) == 4 * 12 * 9
    assert counts.groupby("period")["n"].sum().tolist() == [1200] * 4


def test_movement_and_transitions_against_the_ratings(kota, box):
    a, b = _hand(kota, "2025-Q3"), _hand(kota, "2025-Q4")
    rank = {1.0: 0, 2.0: 1, 3.0: 2}
    steps = (b["hasil_kerja"].map(rank) + b["perilaku_kerja"].map(rank)) - (
        a["hasil_kerja"].map(rank) + a["perilaku_kerja"].map(rank))
    m = box.movement("2025-Q3", "2025-Q4").set_index("employee_id")
    assert (m["steps"] == steps.reindex(m.index)).all()
    assert (m.loc[m["move"] == "up", "steps"] > 0).all() and (m.loc[m["move"] == "same", "steps"] == 0).all()
    t = box.transitions("2025-Q3", "2025-Q4")
    assert int(t.to_numpy().sum()) == len(m) and int(np.trace(t.to_numpy())) == int((m["move"] == "same").sum())


def test_candidates_are_top_box_in_k_of_the_last_n_periods(kota, box):
    top = {p: set(h.index[(h["hasil_kerja"] == 3) & (h["perilaku_kerja"] == 3)])
           for p in box.periods for h in [_hand(kota, p)]}
    counts = pd.Series([e for p in box.periods[-3:] for e in top[p]]).value_counts()
    expected = set(counts.index[counts >= 2])
    cand = box.candidates(k=2, n=3)
    assert set(cand["employee_id"]) == expected and len(expected) > 5
    assert (cand["n_top"] >= 2).all() and cand["n_top"].is_monotonic_decreasing
    row = cand.iloc[0]
    assert row["share_top"] == row["n_top"] / 3 and 0 <= row["streak"] <= row["n_top"]
    all_four = box.candidates(k=4, n=4)
    assert set(all_four["employee_id"]) == set.intersection(*top.values())
    assert (all_four["streak"] == 4).all() and (all_four["first_top"] == "2025-Q1").all()
    with pytest.raises(ParameterError, match="1 <= k <= n"):
        box.candidates(k=3, n=2)


def test_candidates_carry_rank_bands_of_a_detailed_rubric(kota):
    rinci = wb.load_rubric("permenpanrb-6-2022-rinci")
    u = wb.weights.uncertainty(kota, rinci, n_draws=50, perturb=0.2, seed=3)
    b = nine_box(kota, rinci)
    assert b.periods == ["2025"]  # the quarters have no BerAKHLAK scores
    cand = b.candidates(k=1, n=1, uncertainty=u)
    assert len(cand) == int((b.to_frame()["box"] == 9).sum())
    assert cand[["rank_p05", "rank_median", "rank_p95"]].notna().all().all()
    assert (cand["rank_p05"] <= cand["rank_median"]).all() and (cand["rank_median"] <= cand["rank_p95"]).all()
    assert cand["p_top"].between(0, 1).all()


def test_leaders_see_suppressed_counts_only(box):
    s = box.summary(min_cell=5, period="2025-Q4")
    assert "employee_id" not in s.columns and s["unit"].iloc[-1] == "(semua)"
    cells = s[[f"box_{k}" for k in range(1, 10)]].to_numpy()
    shown = cells[~np.isnan(cells)]
    assert not ((shown > 0) & (shown < 5)).any()
    # no row has exactly one hidden cell (it could be recovered from the row total)
    assert (np.isnan(cells).sum(axis=1) != 1).all()


def test_bands_rubric_and_unknown_period_are_refused(kota, box):
    with pytest.raises(ParameterError, match="needs a matrix rubric"):
        nine_box(kota, "pp-30-2019")
    with pytest.raises(ParameterError, match="not scored by"):
        nine_box(kota, "permenpanrb-6-2022", periods=["2024"])
