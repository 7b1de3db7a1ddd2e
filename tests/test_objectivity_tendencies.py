"""Halo, spread, role gaps and drift: recovery on planted data and the null."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.errors import DataContractError
from workbench.objectivity import drift, halo, role_gaps, spread
from workbench.objectivity._simulate import simulate

# 30 ratees per rater: spread and halo need more ratees than leniency does
SIM = simulate(n_employees=1500, n_raters=150, raters_per_employee=3, share_halo=0.1,
               share_central=0.1, seed=3)
NULL = simulate(n_employees=1500, n_raters=150, raters_per_employee=3, rater_effects=False,
                seed=4)


def _m(result):
    return result.to_frame().merge(SIM.truth, on="rater_id", suffixes=("", "_true"))


def test_spread_finds_central_tendency():
    m = _m(spread(SIM.ratings))
    planted = m["kind"] == "central"
    tp = (m["flag"] & planted).sum()
    assert tp / m["flag"].sum() >= 0.8 and tp / planted.sum() >= 0.8
    assert (m.loc[m["flag"], "direction"] == "narrow").all()


def test_halo_index_is_low_for_halo_raters_and_flags_are_right():
    m = _m(halo(SIM.ratings))
    by_kind = m.groupby("kind")["halo_index"].mean()
    assert by_kind["halo"] < 0.8 < by_kind["none"]
    # central raters are not mistaken for halo
    assert by_kind["central"] > 0.9
    if m["flag"].any():
        assert (m.loc[m["flag"], "kind"] == "halo").mean() >= 0.8
    assert m.groupby("kind")["mean_r"].mean()["halo"] > m["pooled_r"].iloc[0]


def test_null_flag_rates():
    assert spread(NULL.ratings).to_frame()["flag"].mean() <= 0.05
    assert halo(NULL.ratings).to_frame()["flag"].mean() <= 0.05
    assert (spread(NULL.ratings).to_frame()["pval"] < 0.05).mean() <= 0.09


def test_role_gaps_on_the_sample():
    r = wb.read_sample("kota_contoh").ratings
    values = r[(r["period"] == "2025") & r["indicator"].isin(wb.data.synth.BERAKHLAK)]
    g = role_gaps(values)
    s = g.summary().set_index("rater_role")
    assert 0.3 < s.loc["diri", "gap"] < 0.8          # self_bias 0.4 plus the disparity
    assert s.loc["rekan", "ci_low"] < 0.05             # peers close to the atasan
    t = g.to_frame()
    assert t.loc[t["rater_role"] == "diri", "se"].isna().all()  # one ratee: no test
    assert "atasan" not in set(t["rater_role"])


def test_drift_finds_a_planted_trend():
    rng = np.random.default_rng(0)
    rows = []
    for rater in range(20):
        slope = 0.4 if rater < 3 else 0.0
        for emp in range(10):
            level = rng.normal(3, 0.8)
            for q in range(4):
                rows.append({"rater_id": f"R{rater}", "employee_id": f"E{rater}_{emp}",
                             "period": f"2025-Q{q + 1}",
                             "score": level + slope * q + rng.normal(0, 0.3)})
    t = drift(pd.DataFrame(rows)).to_frame().set_index("rater_id")
    flagged = set(t.index[t["flag"]])
    assert {"R0", "R1", "R2"} <= flagged and len(flagged - {"R0", "R1", "R2"}) <= 1
    assert t.loc["R0", "slope"] == pytest.approx(0.4 * 17 / 20, abs=0.15)
    assert (t["n_periods"] == 4).all()


def test_drift_needs_two_periods():
    df = pd.DataFrame({"rater_id": ["a"], "employee_id": ["b"], "period": ["2025"],
                       "score": [2.0]})
    with pytest.raises(DataContractError, match="2 periods"):
        drift(df)


def test_halo_needs_two_indicators():
    one = SIM.ratings[SIM.ratings["indicator"] == "nilai_1"]
    with pytest.raises(DataContractError, match="2 indicators"):
        halo(one)


@pytest.mark.parametrize("seed", [20250101, 4, 6])
def test_drift_null_flag_rate_at_or_below_nominal(seed):
    # generated e-Kinerja data without rater tendencies: 1-3 ratings, mostly Sesuai; before the
    # fix a rater with the same rating every quarter got se ~1e-5 and 17-20 % were flagged
    from workbench.data.synth import generate

    r = generate(rater_effects=False, seed=seed).dataset.ratings
    for indicator in ("hasil_kerja", "perilaku_kerja"):
        q = r[r["period"].str.contains("Q") & (r["indicator"] == indicator)]
        t = drift(q).to_frame()
        assert t["flag"].mean() <= 0.05
        assert (t["pval"] < 0.05).mean() <= 0.05


def test_drift_constant_rater_is_not_certain():
    rng = np.random.default_rng(1)
    rows = []
    for rater in range(12):
        for emp in range(6):
            base = rng.integers(1, 4)
            for q in range(4):
                noisy = rater > 0 and rng.random() < 0.3
                rows.append({"rater_id": f"R{rater}", "employee_id": f"E{rater}_{emp}",
                             "period": f"2025-Q{q + 1}",
                             "score": float(np.clip(base + (rng.choice([-1, 1]) if noisy else 0), 1, 3))})
    t = drift(pd.DataFrame(rows)).to_frame().set_index("rater_id")
    # R0 gives every employee the same rating each quarter: its own residual variance is 0
    assert t.loc["R0", "se"] > 0.01 and t.loc["R0", "pval"] > 0.05 and not t.loc["R0", "flag"]


def test_summary_is_a_method_and_old_names_warn():
    r = wb.read_sample("kota_contoh").ratings
    values = r[(r["period"] == "2025") & r["indicator"].isin(wb.data.synth.BERAKHLAK)]
    g = role_gaps(values, confidence=0.9)
    table = g.summary()
    assert list(table.columns) == ["rater_role", "n_raters", "gap", "se", "ci_low", "ci_high"]
    with pytest.warns(DeprecationWarning, match=r"summary\(\)"):
        old = g.summary.set_index("rater_role")
    pd.testing.assert_frame_equal(old, table.set_index("rater_role"))
    with pytest.warns(DeprecationWarning, match="confidence"):
        by_level = role_gaps(values, level=0.9)
    pd.testing.assert_frame_equal(by_level.summary(), table)
    assert halo(values).summary() is None
