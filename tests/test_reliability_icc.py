"""ICC: published values, pingouin as oracle, Henderson III against least squares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_reliability_helpers import SHROUT_FLEISS, long_from_wide, random_scores

from workbench.errors import DataContractError, ParameterError
from workbench.reliability import ICC_FORMS, icc
from workbench.reliability._long import cells
from workbench.reliability.icc import _components


def test_shrout_fleiss_table_2_published_values():
    out = icc(long_from_wide(SHROUT_FLEISS)).to_frame()
    assert list(out.index) == ICC_FORMS
    assert list(out.columns[:7]) == ["icc", "ci_low", "ci_high", "f", "df1", "df2", "pval"]
    # Shrout & Fleiss (1979), Table 4: .17, .29, .71, .44, .62, .91
    assert out["icc"].round(2).tolist() == [0.17, 0.29, 0.71, 0.44, 0.62, 0.91]
    assert out.attrs["method"] == "anova"
    assert (out["method"] == "anova").all()
    assert out.attrs["n_subjects"] == 6 and out.attrs["n_raters"] == 4


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_pingouin_on_complete_designs(seed):
    rng = np.random.default_rng(seed)
    df = long_from_wide(random_scores(rng, n=int(rng.integers(5, 40)), k=int(rng.integers(2, 7))))
    ours = icc(df).to_frame()
    ref = pg.intraclass_corr(df, targets="employee_id", raters="rater_id", ratings="score")
    np.testing.assert_allclose(ours["icc"], ref["ICC"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours["f"], ref["F"], rtol=1e-9)
    np.testing.assert_allclose(ours["df1"], ref["df1"])
    np.testing.assert_allclose(ours["df2"], ref["df2"])
    np.testing.assert_allclose(ours["pval"], ref["pval"], rtol=1e-7, atol=1e-12)
    ci = np.vstack(ref["CI95"].to_numpy())
    # pingouin rounds its CIs to two decimals
    np.testing.assert_allclose(ours[["ci_low", "ci_high"]].to_numpy(), ci, atol=0.005 + 1e-12)


def test_general_path_equals_anova_on_complete_designs():
    rng = np.random.default_rng(5)
    c = cells(long_from_wide(random_scores(rng, 30, 4)), "employee_id", "rater_id", "score", "t")
    a, b = _components(c), _components(c, general=True)
    for key in ("msb", "msw", "ms_s", "ms_r", "mse", "k3", "n2", "n0", "k_avg"):
        assert a[key] == pytest.approx(b[key], rel=1e-9, abs=1e-12)


def _least_squares_ss(x: np.ndarray) -> tuple[float, float, float]:
    """SS(subjects | raters), SS(raters | subjects), SSE by dense least squares (oracle)."""
    s, r = np.nonzero(~np.isnan(x))
    y = x[s, r]
    n, k = x.shape
    ds = np.eye(n)[s]
    dr = np.eye(k)[r]
    one = np.ones((y.size, 1))

    def rss(design):
        beta, *_ = np.linalg.lstsq(design, y, rcond=None)
        return float(np.sum((y - design @ beta) ** 2))

    full = rss(np.hstack([ds, dr]))
    return rss(np.hstack([one, dr])) - full, rss(np.hstack([one, ds])) - full, full


def test_incomplete_design_uses_henderson_iii():
    rng = np.random.default_rng(11)
    x = random_scores(rng, 25, 5, missing=0.3)
    x[np.isnan(x).sum(1) > 3, 0] = 1.0  # every subject keeps at least two ratings
    df = long_from_wide(x)
    out = icc(df).to_frame()
    assert out.attrs["method"] == "henderson3"
    assert out.attrs["n_subjects"] == 25  # nobody dropped
    ss_s, ss_r, sse = _least_squares_ss(x)
    n_obs = int((~np.isnan(x)).sum())
    n, k = x.shape
    df_e = n_obs - n - k + 1
    ms_s, mse = ss_s / (n - 1), sse / df_e
    assert out.loc["ICC(2,1)", "df1"] == n - 1 and ss_r > 0
    assert out.loc["ICC(3,1)", "f"] == pytest.approx(ms_s / mse, rel=1e-9)
    assert out.loc["ICC(3,1)", "df2"] == df_e
    # variance components by Henderson III: E[SS(s|r)] = (n-1) s2e + (N - k) s2s, etc.
    s2s = (ss_s - (n - 1) * mse) / (n_obs - k)
    s2r = (ss_r - (k - 1) * mse) / (n_obs - n)
    assert out.loc["ICC(3,1)", "icc"] == pytest.approx(s2s / (s2s + mse), rel=1e-9)
    assert out.loc["ICC(2,1)", "icc"] == pytest.approx(s2s / (s2s + s2r + mse), rel=1e-9)
    kk = out.attrs["k"]
    assert kk == pytest.approx(n / np.sum(1 / (~np.isnan(x)).sum(1)))
    assert out.loc["ICC(3,k)", "icc"] == pytest.approx(s2s / (s2s + mse / kk), rel=1e-9)
    assert (out["ci_low"] <= out["icc"]).all() and (out["icc"] <= out["ci_high"]).all()


def test_disconnected_design_is_handled():
    # two blocks of raters that never rate the same subjects
    x = np.full((8, 4), np.nan)
    rng = np.random.default_rng(3)
    x[:4, :2] = rng.normal(size=(4, 2))
    x[4:, 2:] = rng.normal(size=(4, 2))
    out = icc(long_from_wide(x)).to_frame()
    ss_s, _, sse = _least_squares_ss(x)
    df_e = 16 - 8 - 4 + 2
    assert out.loc["ICC(3,1)", "df2"] == df_e
    assert out.loc["ICC(3,1)", "f"] == pytest.approx((ss_s / (8 - 2)) / (sse / df_e), rel=1e-9)


def test_errors_say_what_and_how():
    df = long_from_wide(SHROUT_FLEISS)
    with pytest.raises(DataContractError, match="at least 2 raters"):
        icc(df[df["rater_id"] == "R00"]).to_frame()
    with pytest.raises(DataContractError, match="column"):
        icc(df, subject="nip").to_frame()
    with pytest.raises(ParameterError, match="confidence"):
        icc(df, confidence=95).to_frame()
    dup = pd.concat([df, df.head(2)])
    with pytest.raises(DataContractError, match="one rating per employee_id and rater_id") as exc:
        icc(dup).to_frame()
    assert len(exc.value.failure_cases) == 2
    assert list(exc.value.failure_cases.columns) == ["file", "line", "column", "value", "reason"]


def test_missing_scores_are_missing_ratings():
    df = long_from_wide(SHROUT_FLEISS)
    df.loc[0, "score"] = np.nan
    out = icc(df).to_frame()
    assert out.attrs["n_ratings"] == 23
    assert out.attrs["method"] == "henderson3"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), missing=st.sampled_from([0.0, 0.2]))
def test_permuting_labels_changes_nothing(seed, missing):
    rng = np.random.default_rng(seed)
    x = random_scores(rng, 12, 4, missing=missing)
    x[:, :2] = np.where(np.isnan(x[:, :2]), 0.5, x[:, :2])
    df = long_from_wide(x)
    ref = icc(df).to_frame()
    perm = df.sample(frac=1, random_state=seed).reset_index(drop=True)
    subj = {s: f"X{v}" for s, v in zip(df.employee_id.unique(), rng.permutation(12), strict=True)}
    rat = {s: f"Q{v}" for s, v in zip(df.rater_id.unique(), rng.permutation(4), strict=True)}
    perm["employee_id"] = perm["employee_id"].map(subj)
    perm["rater_id"] = perm["rater_id"].map(rat)
    out = icc(perm).to_frame()
    np.testing.assert_allclose(out.iloc[:, :7].to_numpy(), ref.iloc[:, :7].to_numpy(), rtol=1e-9, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(3, 15), k=st.integers(2, 5), seed=st.integers(0, 1000))
def test_perfect_agreement_gives_one(n, k, seed):
    rng = np.random.default_rng(seed)
    truth = rng.normal(size=(n, 1)) + np.arange(n)[:, None]
    out = icc(long_from_wide(np.repeat(truth, k, axis=1))).to_frame()
    np.testing.assert_allclose(out["icc"], 1.0, atol=1e-9)
