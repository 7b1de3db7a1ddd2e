"""G-theory: ANOVA components against statsmodels, links to ICC, nested designs, D-studies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from test_reliability_helpers import SHROUT_FLEISS, long_from_wide, random_scores

from workbench.errors import DataContractError, ParameterError
from workbench.reliability import g_study, icc, raters_needed, spearman_brown


def test_p_x_r_reproduces_the_icc_table():
    df = long_from_wide(SHROUT_FLEISS)
    g = g_study(df)
    frame = g.to_frame()
    assert list(frame.columns[:3]) == ["component", "variance", "share"]
    assert frame["component"].tolist() == ["employee_id", "rater_id", "employee_id x rater_id, e"]
    assert frame["share"].sum() == pytest.approx(1.0)
    assert g.method == "anova"
    t = icc(df).to_frame()["icc"]
    one = g.d_study({"rater_id": 1})
    four = g.d_study({"rater_id": 4})
    assert one.e_rho2 == pytest.approx(t["ICC(3,1)"], abs=1e-12)
    assert one.phi == pytest.approx(t["ICC(2,1)"], abs=1e-12)
    assert four.e_rho2 == pytest.approx(t["ICC(3,k)"], abs=1e-12)
    assert four.phi == pytest.approx(t["ICC(2,k)"], abs=1e-12)
    assert g.d_study().n == {"rater_id": 4.0}  # default: as observed
    # Spearman-Brown: ICC(2,1) = .29 -> 10 raters for .80 (phi)
    assert g.n_for(0.80, "rater_id", coefficient="phi") == raters_needed(t["ICC(2,1)"], 0.80)
    assert g.n_for(0.80, coefficient="e_rho2") == 2
    table = g.d_study_table("rater_id", range(1, 6))
    assert list(table.columns) == ["n", "e_rho2", "phi", "rel_error", "abs_error"]
    assert table["phi"].is_monotonic_increasing


def _pri_data(seed: int, drop: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p, r, i = np.meshgrid(range(15), range(3), range(4), indexing="ij")
    y = (rng.normal(size=15)[p] + 0.5 * rng.normal(size=3)[r] + 0.4 * rng.normal(size=4)[i]
         + 0.3 * rng.normal(size=(15, 3))[p, r] + rng.normal(size=p.shape))
    df = pd.DataFrame({"employee_id": p.ravel(), "rater_id": r.ravel(), "indicator": i.ravel(),
                       "score": y.ravel()})
    if drop:
        df = df.drop(index=rng.choice(len(df), drop, replace=False))
    return df


def test_p_x_r_x_i_matches_expected_mean_squares():
    df = _pri_data(0)
    g = g_study(df, facets=("rater_id", "indicator"))
    model = smf.ols("score ~ C(employee_id) * C(rater_id) + C(employee_id) * C(indicator)"
                    " + C(rater_id) * C(indicator)", data=df).fit()
    ms = sm.stats.anova_lm(model, typ=1)["mean_sq"].to_numpy()
    ms_p, ms_r, ms_i, ms_pr, ms_pi, ms_ri, ms_e = ms
    n_p, n_r, n_i = 15, 3, 4
    expected = {
        "employee_id": (ms_p - ms_pr - ms_pi + ms_e) / (n_r * n_i),
        "rater_id": (ms_r - ms_pr - ms_ri + ms_e) / (n_p * n_i),
        "indicator": (ms_i - ms_pi - ms_ri + ms_e) / (n_p * n_r),
        "employee_id x rater_id": (ms_pr - ms_e) / n_i,
        "employee_id x indicator": (ms_pi - ms_e) / n_r,
        "rater_id x indicator": (ms_ri - ms_e) / n_p,
        "employee_id x rater_id x indicator, e": ms_e,
    }
    got = dict(zip(g.components["component"], g.components["raw_variance"], strict=True))
    assert got.keys() == expected.keys()
    for k, v in expected.items():
        assert got[k] == pytest.approx(v, rel=1e-9, abs=1e-12)
    # D-study by hand (Brennan 2001, eq. 4.21-4.22)
    v = {k: max(x, 0.0) for k, x in expected.items()}
    d = g.d_study({"rater_id": 2, "indicator": 7})
    rel = v["employee_id x rater_id"] / 2 + v["employee_id x indicator"] / 7 + v["employee_id x rater_id x indicator, e"] / 14
    ab = rel + v["rater_id"] / 2 + v["indicator"] / 7 + v["rater_id x indicator"] / 14
    assert d.e_rho2 == pytest.approx(v["employee_id"] / (v["employee_id"] + rel), rel=1e-12)
    assert d.phi == pytest.approx(v["employee_id"] / (v["employee_id"] + ab), rel=1e-12)


def test_unbalanced_design_is_documented_and_close():
    g = g_study(_pri_data(1, drop=30), facets=("rater_id", "indicator"))
    assert g.method == "henderson1"
    assert g.n_subjects == 15
    assert g.to_frame()["variance"].ge(0).all()


def test_nested_r_in_p_equals_one_way_icc():
    rng = np.random.default_rng(2)
    x = random_scores(rng, 30, 3, missing=0.15)
    x[:, 0] = np.where(np.isnan(x[:, 0]), 0.0, x[:, 0])
    x[:, 1] = np.where(np.isnan(x[:, 1]), 0.0, x[:, 1])
    df = long_from_wide(x)
    # rater labels R00..R02 are reused by every employee: declare the nesting
    g = g_study(df, nested={"rater_id": "employee_id"})
    assert g.components["component"].tolist() == ["employee_id", "rater_id:employee_id, e"]
    assert g.nesting == {"rater_id": ("employee_id",)}
    one_way = icc(df).to_frame().loc["ICC(1,1)", "icc"]
    var = g.components["raw_variance"].to_numpy()
    assert var[0] / var.sum() == pytest.approx(one_way, rel=1e-9)
    d = g.d_study({"rater_id": 1})
    assert d.e_rho2 == pytest.approx(d.phi)  # nested: no separate rater main effect


def test_raters_within_units():
    rng = np.random.default_rng(5)
    rows = []
    for u in range(4):
        for p in range(6):
            for r in range(3):
                rows.append((f"U{u}", f"U{u}P{p}", f"U{u}R{r}", rng.normal() + u))
    df = pd.DataFrame(rows, columns=["unit", "employee_id", "rater_id", "score"])
    g = g_study(df, nested={"rater_id": "unit"})
    names = g.components["component"].tolist()
    assert names == ["unit", "employee_id:unit", "rater_id:unit", "employee_id x rater_id:unit, e"]
    assert g.n_observed == {"rater_id": 3.0}
    assert 0 <= g.d_study().phi <= g.d_study().e_rho2 <= 1


def test_negative_estimates_are_zeroed_with_a_note():
    x = np.array([[1, 5], [5, 1], [1, 5], [5, 1], [2, 4.0]])  # raters disagree wildly
    g = g_study(long_from_wide(x))
    frame = g.to_frame()
    assert (frame["variance"] >= 0).all()
    assert (frame["raw_variance"] < 0).any()
    assert any("Negative" in n for n in g.notes)


def test_errors():
    df = _pri_data(0)
    with pytest.raises(DataContractError, match="one rating per cell"):
        g_study(df)  # indicator missing from facets
    with pytest.raises(DataContractError, match="single level"):
        g_study(df[df.indicator == 0], facets=("rater_id", "indicator"))
    with pytest.raises(ParameterError, match="`n` must be one of"):
        g_study(df, facets=("rater_id", "indicator")).d_study({"rater": 2})
    with pytest.raises(ParameterError, match="coefficient"):
        g_study(df, facets=("rater_id", "indicator")).n_for(0.8, coefficient="rho")


def test_spearman_brown():
    assert spearman_brown(0.29, 4) == pytest.approx(4 * 0.29 / (1 + 3 * 0.29))
    np.testing.assert_allclose(spearman_brown(0.5, np.array([1, 2, 3])), [0.5, 2 / 3, 0.75])
    assert raters_needed(0.5, 0.8) == 4
    assert spearman_brown(0.29, raters_needed(0.29, 0.8)) >= 0.8
    assert spearman_brown(0.29, raters_needed(0.29, 0.8) - 1) < 0.8
    with pytest.raises(ParameterError):
        raters_needed(0.0, 0.8)
    with pytest.raises(ParameterError):
        raters_needed(0.3, 1.2)
