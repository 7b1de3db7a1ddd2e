"""Rater effects: recovery on planted data, an independent fit, properties, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.errors import DataContractError, ParameterError
from workbench.objectivity import adjusted_scores, rater_effects
from workbench.objectivity._simulate import simulate
from workbench.objectivity.effects import EFFECT_COLUMNS

# every rater is linked to >= 10 employees, each also rated by 2 other raters
SIM = simulate(n_employees=600, n_raters=150, raters_per_employee=3, seed=1)


def _merged(result, truth):
    return result.to_frame().merge(truth, on="rater_id", suffixes=("", "_true"))


def test_design_links_every_rater_to_eight_or_more_employees():
    assert SIM.truth["n_ratees"].min() >= 8


def test_leniency_recovers_truth():
    m = _merged(rater_effects(SIM.ratings), SIM.truth)
    assert list(m.columns[: len(EFFECT_COLUMNS)]) == EFFECT_COLUMNS
    assert np.corrcoef(m["leniency"], m["leniency_true"])[0, 1] >= 0.9
    assert m["component"].eq(0).all()


def test_flags_find_planted_raters_with_min_effect():
    m = _merged(rater_effects(SIM.ratings, min_effect=0.3), SIM.truth)
    planted = m["kind"].isin(["lenient", "severe"])
    tp = (m["flag"] & planted).sum()
    assert tp / m["flag"].sum() >= 0.8
    assert tp / planted.sum() >= 0.8
    signs = np.sign(m.loc[m["flag"], "leniency"]) == np.sign(m.loc[m["flag"], "leniency_true"])
    assert signs.all()
    assert set(m.loc[m["flag"], "direction"]) <= {"lenient", "severe"}


def test_default_flags_are_real_effects():
    # min_effect=0 also (rightly) flags background raters with a real effect of ~0.2
    m = _merged(rater_effects(SIM.ratings), SIM.truth)
    planted = m["kind"].isin(["lenient", "severe"])
    assert (m["flag"] & planted).sum() / planted.sum() >= 0.8
    real = m["leniency_true"].abs() >= 0.1
    assert (m["flag"] & real).sum() / m["flag"].sum() >= 0.8


@pytest.mark.parametrize("seed", [11, 12])
def test_null_data_flag_rate_stays_nominal(seed):
    sim = simulate(600, 150, 3, rater_effects=False, seed=seed)
    t = rater_effects(sim.ratings).to_frame()
    assert t["flag"].mean() <= 0.05
    # the per-rater test itself is calibrated: about 5 % of p-values below 0.05
    assert (t["pval"] < 0.05).mean() <= 0.05 + 0.04


def _small():
    sim = simulate(n_employees=90, n_raters=18, raters_per_employee=3, n_indicators=1, seed=4)
    return sim.ratings


def test_raw_effects_match_statsmodels_ols_with_dummies():
    df = _small()
    ours = rater_effects(df).to_frame().set_index("rater_id")["leniency_raw"]
    fit = smf.ols("score ~ C(employee_id) + C(rater_id, Sum)", data=df).fit()
    raters = sorted(df["rater_id"].unique())
    coef = np.array([fit.params.get(f"C(rater_id, Sum)[S.{r}]", np.nan) for r in raters[:-1]])
    coef = np.append(coef, -coef.sum())  # sum-to-zero coding: the last is minus the rest
    np.testing.assert_allclose(ours.loc[raters].to_numpy(), coef, atol=1e-6)
    # residual variance matches OLS
    assert rater_effects(df).sigma2 == pytest.approx(fit.scale, rel=1e-6)


def test_blup_shrinks_raw_towards_zero():
    t = rater_effects(SIM.ratings).to_frame()
    # shrinkage is joint, not per rater: the spread shrinks, the order mostly stays
    assert t["leniency"].std() < t["leniency_raw"].std()
    assert np.corrcoef(t["leniency"], t["leniency_raw"])[0, 1] > 0.95
    assert (t["ci_low"] < t["leniency"]).all() and (t["ci_high"] > t["leniency"]).all()


@settings(max_examples=6, deadline=None)
@given(shift=st.floats(-1.5, 1.5), which=st.integers(0, 17))
def test_shifting_one_rater_shifts_only_that_rater(shift, which):
    df = _small()
    target = sorted(df["rater_id"].unique())[which]
    moved = df.assign(score=np.where(df["rater_id"] == target, df["score"] + shift, df["score"]))
    a = rater_effects(df).to_frame().set_index("rater_id")["leniency_raw"]
    b = rater_effects(moved).to_frame().set_index("rater_id")["leniency_raw"]
    others = a.index != target
    # effects are relative to the component mean, so compare against the others' mean
    da = a[target] - a[others].mean()
    db = b[target] - b[others].mean()
    assert db - da == pytest.approx(shift, abs=1e-6)
    np.testing.assert_allclose((b - a)[others].to_numpy(), (b - a)[others].iloc[0], atol=1e-6)


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 1000))
def test_row_order_changes_nothing(seed):
    df = _small()
    shuffled = df.sample(frac=1.0, random_state=seed)
    a = rater_effects(df).to_frame()
    b = rater_effects(shuffled).to_frame()
    np.testing.assert_allclose(a["leniency"], b["leniency"], atol=1e-8)


def test_unlinked_rater_gets_nan_and_a_note():
    df = _small()
    lone = pd.DataFrame({"employee_id": ["X1", "X2"], "rater_id": ["LONE", "LONE"],
                         "score": [4.0, 5.0]})
    t = rater_effects(pd.concat([df, lone], ignore_index=True))
    row = t.to_frame().set_index("rater_id").loc["LONE"]
    assert np.isnan(row["leniency"]) and row["component"] == -1 and not row["flag"]
    assert any("share no ratee" in n for n in t.notes)


def test_adjust_removes_the_estimated_effect():
    df = SIM.ratings
    eff = rater_effects(df)
    out = eff.adjust(df)
    lenient = eff.to_frame().sort_values("leniency").iloc[-1]
    rows = out["rater_id"] == lenient["rater_id"]
    np.testing.assert_allclose(out.loc[rows, "score"] - out.loc[rows, "adjusted_score"],
                               lenient["leniency"])
    pd.testing.assert_frame_equal(adjusted_scores(df), out)


def test_dask_gives_the_same_answer():
    dd = pytest.importorskip("dask.dataframe")
    df = _small()
    a = rater_effects(df).to_frame()
    b = rater_effects(dd.from_pandas(df, npartitions=3)).to_frame()
    np.testing.assert_allclose(a["leniency"], b["leniency"], atol=1e-8)


def test_result_object_has_provenance_and_html():
    eff = rater_effects(_small())
    assert eff.provenance.parameters["alpha"] == 0.05
    assert "Rater effects" in eff._repr_html_()
    assert set(eff.variance_components()["component"]) == {"rater", "residual"}


def test_errors_name_the_problem():
    df = _small()
    with pytest.raises(DataContractError, match="column"):
        rater_effects(df, rater="penilai")
    with pytest.raises(ParameterError, match="alpha"):
        rater_effects(df, alpha=1.5)
    with pytest.raises(ParameterError, match="min_effect"):
        rater_effects(df, min_effect=-1)
    one = df[df["rater_id"] == df["rater_id"].iloc[0]]
    with pytest.raises(DataContractError, match="separate raters"):
        rater_effects(one)


def test_missing_ids_are_an_error_not_silently_dropped():
    import numpy as np
    import pandas as pd
    import pytest

    from workbench.errors import DataContractError
    from workbench.objectivity import rater_effects

    df = pd.DataFrame({"employee_id": ["e1", "e1", "e2", "e2", None],
                       "rater_id": ["r1", "r2", "r1", "r2", "r1"],
                       "score": [3.0, 4.0, 2.0, 3.0, 5.0]})
    with pytest.raises(DataContractError, match="must not be missing"):
        rater_effects(df)
    assert np.isfinite(rater_effects(df.dropna()).to_frame()["leniency"]).all()
