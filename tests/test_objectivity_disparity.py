"""Group disparities: recovery of a planted gap, Simpson's paradox, suppression."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.errors import DataContractError, ParameterError
from workbench.objectivity import group_disparity, hasil_realisation
from workbench.objectivity._simulate import simulate
from workbench.objectivity.disparity import DISPARITY_COLUMNS


def test_planted_disparity_is_recovered_with_sign_and_size():
    sim = simulate(n_employees=1500, n_raters=150, raters_per_employee=3, disparity=-0.35, seed=5)
    # the latent -0.35 shows on the clipped 1-5 scale as a slightly smaller shift
    target = sim.disparity_observed
    assert -0.35 < target < -0.2
    d = group_disparity(sim.ratings, "gender", performance="performance", n_boot=200, seed=1)
    t = d.to_frame()
    assert list(t.columns) == DISPARITY_COLUMNS
    pooled = t[(t["level"] == "P") & (t["stratum"] == "(all)")].set_index("model")
    for model in ["raw", "performance", "rater", "rater+performance", "stratified"]:
        row = pooled.loc[model]
        assert row["ci_high"] < 0, model
        assert row["ci_low"] <= target <= row["ci_high"], model
        assert not row["reversal"]
    # the other side is the mirror image
    male = t[(t["level"] == "L") & (t["model"] == "raw")]["estimate"].iloc[0]
    assert male == pytest.approx(-pooled.loc["raw", "estimate"])


def test_no_disparity_interval_covers_zero():
    sim = simulate(n_employees=800, n_raters=100, raters_per_employee=3, disparity=0.0, seed=8)
    t = group_disparity(sim.ratings, "gender", n_boot=200, seed=2).to_frame()
    row = t[(t["level"] == "P") & (t["model"] == "rater")].iloc[0]
    assert row["ci_low"] <= 0 <= row["ci_high"]


def _simpson(seed=0):
    """Two units: in each, women score 0.5 lower; women sit mostly in the lenient unit."""
    rng = np.random.default_rng(seed)
    rows = []
    for unit, base, share_p in (("A", 4.0, 0.8), ("B", 2.0, 0.2)):
        for i in range(100):
            g = "P" if rng.random() < share_p else "L"
            for r in range(2):
                rows.append({"employee_id": f"{unit}{i}", "rater_id": f"{unit}r{r}{i % 5}",
                             "unit": unit, "gender": g,
                             "score": base - 0.5 * (g == "P") + rng.normal(0, 0.3)})
    return pd.DataFrame(rows)


def test_simpson_reversal_is_flagged_not_hidden():
    d = group_disparity(_simpson(), "gender", n_boot=100, seed=3)
    t = d.to_frame().query("level == 'P'").set_index(["model", "stratum"])
    assert t.loc[("raw", "(all)"), "estimate"] > 0
    assert t.loc[("stratified", "(all)"), "estimate"] < 0
    assert t.loc[("stratified", "(all)"), "reversal"]
    assert t.loc[("rater", "(all)"), "reversal"]
    assert (t.xs("stratum", level="model")["estimate"] < 0).all()
    assert any("Simpson" in n for n in d.notes)


def test_small_groups_are_suppressed():
    df = _simpson()
    df.loc[df["employee_id"].isin(["B1", "B2", "B3", "B4"]) | (df["unit"] == "B"), "gender"] = "L"
    df.loc[df["employee_id"].isin(["B1", "B2"]), "gender"] = "X"
    t = group_disparity(df, "gender", n_boot=20, seed=0, min_group=5).to_frame()
    x = t[t["level"] == "X"]
    assert x["suppressed"].all() and x["estimate"].isna().all() and x["ci_low"].isna().all()
    with pytest.raises(ParameterError, match="min_group"):
        group_disparity(df, "gender", min_group=2)


def test_sample_disparity_and_predikat_outcome():
    ds = wb.read_sample("kota_contoh")
    r = ds.with_roster(["unit", "gender"])
    values = r[(r["period"] == "2025") & r["indicator"].isin(wb.data.synth.BERAKHLAK)
               & (r["rater_role"] != "diri")]
    perf = hasil_realisation(ds.ratings)
    t = group_disparity(values, "gender", performance=perf, n_boot=100, seed=0).to_frame()
    row = t[(t["level"] == "P") & (t["model"] == "rater+performance")].iloc[0]
    assert row["ci_low"] <= -0.35 <= row["ci_high"] and row["ci_high"] < 0
    # the same call works on a 0/1 outcome (e.g. Baik or better) with the atasan as rater
    q = r[(r["period"] == "2025-Q4") & (r["indicator"] == "perilaku_kerja")]
    q = q.assign(score=(q["score"] >= 2).astype(float))
    t2 = group_disparity(q, "gender", n_boot=50, seed=0).to_frame()
    assert t2["estimate"].dropna().between(-1, 1).all()


def test_same_seed_same_intervals_and_errors():
    df = _simpson()
    a = group_disparity(df, "gender", n_boot=30, seed=7).to_frame()
    b = group_disparity(df, "gender", n_boot=30, seed=7).to_frame()
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(DataContractError, match="gender"):
        group_disparity(df.drop(columns="gender"), "gender")
    with pytest.raises(ParameterError, match="n_boot"):
        group_disparity(df, "gender", n_boot=0)
