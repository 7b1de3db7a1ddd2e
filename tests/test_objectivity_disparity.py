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


def test_vectorised_bootstrap_equals_the_loop_per_draw():
    """All draws at once (sparse products of the employee counts) give what ``_estimates``
    gives draw by draw: every model, with performance, strata, three levels (one of them
    never rated by a rater who also rates the rest, so its within-rater estimate is NaN)."""
    from workbench.objectivity.disparity import _boot_estimates, _estimates

    rng = np.random.default_rng(11)
    n_emp, n_cells = 40, 130
    emp = np.sort(np.r_[np.arange(n_emp), rng.integers(0, n_emp, n_cells - n_emp)])
    level = np.where(np.arange(n_emp) < 6, 2, rng.integers(0, 2, n_emp))[emp]
    # level 2: employees 0-5, rated only by raters 0-2 who rate no one else
    rater = np.where(level == 2, emp % 3, 3 + rng.integers(0, 9, n_cells))
    strat = rng.integers(0, 4, n_emp)[emp]
    perf = rng.normal(100, 9, n_emp)[emp]
    y = rng.normal(3, 1, n_cells) + 0.2 * level
    w0 = 1.0 / np.bincount(emp)[emp]
    boots = rng.multinomial(n_emp, np.full(n_emp, 1.0 / n_emp), size=25)
    gs = [(level == k).astype(float) for k in range(3)]
    fast = _boot_estimates(y, gs, w0, emp, boots, rater, strat, perf, 4)
    for g, got in zip(gs, fast, strict=True):
        loop = np.stack([_estimates(y, g, w0 * b[emp], rater, strat, perf, 4) for b in boots])
        assert got.shape == loop.shape
        np.testing.assert_allclose(got, loop, rtol=1e-9, atol=1e-11)
        assert (np.isnan(got) == np.isnan(loop)).all()
    assert np.isnan(fast[2][:, 2]).all()  # level 2 never shares a rater with the rest
    assert np.isfinite(fast[0][:, :4]).all()
    # without performance and strata
    fast = _boot_estimates(y, gs[:1], w0, emp, boots, rater, None, None, 0)[0]
    loop = np.stack([_estimates(y, gs[0], w0 * b[emp], rater, None, None, 0) for b in boots])
    np.testing.assert_allclose(fast, loop, rtol=1e-9, atol=1e-11)
    assert (np.isnan(fast) == np.isnan(loop)).all()


def test_vectorised_bootstrap_in_blocks_of_draws_is_the_same(monkeypatch):
    """Large tables are bootstrapped a block of draws at a time: the same numbers (up to
    the rounding of the matrix products)."""
    from workbench.objectivity import disparity

    df = _simpson()
    whole = group_disparity(df, "gender", n_boot=40, seed=2).to_frame()
    monkeypatch.setattr(disparity, "_BOOT_BLOCK", 7 * 200)  # 7 draws of 200 employees a block
    blocks = group_disparity(df, "gender", n_boot=40, seed=2).to_frame()
    pd.testing.assert_frame_equal(whole, blocks, check_exact=False, rtol=1e-12, atol=1e-14)
