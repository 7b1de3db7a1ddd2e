"""Krippendorff's alpha: published values, the krippendorff package as oracle, properties."""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_reliability_helpers import KRIPPENDORFF_2011, long_from_wide, random_scores

from workbench.errors import DataContractError, ParameterError
from workbench.reliability import KrippendorffAlpha, krippendorff_alpha

LEVELS = ["nominal", "ordinal", "interval", "ratio"]


def _long_2011() -> pd.DataFrame:
    return long_from_wide(KRIPPENDORFF_2011.T)  # units x observers


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_2011_published_values(level, published):
    res = krippendorff_alpha(_long_2011(), level=level, n_boot=0)
    assert isinstance(res, KrippendorffAlpha)
    assert round(float(res), 3) == published
    assert res.n_subjects == 11  # unit 12 has a single value: not pairable
    assert res.n_raters == 4
    assert res.n_pairable == 40
    assert any("single rating" in n for n in res.notes)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("seed", [0, 1])
def test_matches_krippendorff_package_with_missing(level, seed):
    rng = np.random.default_rng(seed)
    x = random_scores(rng, 60, 6, missing=0.3, categories=5)
    ours = krippendorff_alpha(long_from_wide(x), level=level, n_boot=0)
    ref = krippendorff.alpha(reliability_data=x.T, level_of_measurement=level)
    assert float(ours) == pytest.approx(ref, abs=1e-9)


@pytest.mark.parametrize("level", LEVELS)
def test_matches_krippendorff_package_on_continuous_scores(level):
    rng = np.random.default_rng(7)
    x = np.exp(random_scores(rng, 80, 4, missing=0.25) / 2)  # positive, continuous
    ours = krippendorff_alpha(long_from_wide(x), level=level, n_boot=0)
    ref = krippendorff.alpha(reliability_data=x.T, level_of_measurement=level)
    assert float(ours) == pytest.approx(ref, abs=1e-9)


def test_scale_and_shift_do_not_matter_for_interval():
    rng = np.random.default_rng(2)
    x = random_scores(rng, 50, 3, missing=0.2)
    a = krippendorff_alpha(long_from_wide(x), n_boot=0)
    b = krippendorff_alpha(long_from_wide(1e6 + 1e3 * x), n_boot=0)
    assert float(a) == pytest.approx(float(b), abs=1e-9)


def test_bootstrap_is_seeded_and_brackets_the_estimate():
    df = long_from_wide(random_scores(np.random.default_rng(4), 80, 4, missing=0.2, categories=5))
    for level in LEVELS:
        a = krippendorff_alpha(df, level=level, n_boot=300, seed=1)
        b = krippendorff_alpha(df, level=level, n_boot=300, seed=1)
        assert (a.ci_low, a.ci_high, a.se) == (b.ci_low, b.ci_high, b.se)
        assert a.ci_low < float(a) < a.ci_high
        assert a.se > 0
    c = krippendorff_alpha(df, n_boot=300, seed=2)
    assert c.ci_low != krippendorff_alpha(df, n_boot=300, seed=1).ci_low
    none = krippendorff_alpha(df, n_boot=0)
    assert np.isnan(none.ci_low) and np.isnan(none.se)


def test_result_object():
    res = krippendorff_alpha(_long_2011(), level="interval", n_boot=50)
    frame = res.to_frame()
    assert list(frame.columns) == [
        "coefficient", "estimate", "se", "ci_low", "ci_high", "pval", "n_subjects", "n_raters", "method",
    ]
    assert len(frame) == 1
    assert frame["estimate"].iloc[0] == float(res)
    assert "krippendorff" in res._repr_html_()
    assert res.provenance.parameters["level"] == "interval"
    assert len(res.provenance.data_hash) == 16
    with pytest.raises(AttributeError):
        res.estimate = 0.0  # frozen


def test_errors():
    df = _long_2011()
    with pytest.raises(ParameterError, match=r"`level` must be one of \{'nominal', 'ordinal', 'interval', 'ratio'\}; got 'ordnal'\."):
        krippendorff_alpha(df, level="ordnal")
    with pytest.raises(ParameterError, match="n_boot"):
        krippendorff_alpha(df, n_boot=-1)
    neg = df.assign(score=df["score"] - 3)
    with pytest.raises(DataContractError, match="ratio"):
        krippendorff_alpha(neg, level="ratio", n_boot=0)
    with pytest.raises(DataContractError, match="at least 2 raters"):
        krippendorff_alpha(df[df.rater_id == "R00"], n_boot=0)


def test_no_variation_gives_nan_with_a_note():
    df = long_from_wide(np.full((5, 3), 4.0))
    res = krippendorff_alpha(df, n_boot=0)
    assert np.isnan(float(res))
    assert res.notes


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    level=st.sampled_from(LEVELS),
    n=st.integers(3, 20),
    k=st.integers(2, 5),
)
def test_perfect_agreement_is_one_and_alpha_at_most_one(seed, level, n, k):
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 6, size=(n, 1)).astype(float)
    truth[:2, 0] = [1.0, 5.0]  # some variation between units
    perfect = np.repeat(truth, k, axis=1)
    perfect[rng.random(perfect.shape) < 0.2] = np.nan
    perfect[:, :2] = truth  # two ratings per unit remain
    assert float(krippendorff_alpha(long_from_wide(perfect), level=level, n_boot=0)) == pytest.approx(1.0)
    noisy = random_scores(rng, n, k, missing=0.2, categories=5)
    noisy[:2, :2] = [[1, 2], [5, 4]]
    a = float(krippendorff_alpha(long_from_wide(noisy), level=level, n_boot=0))
    assert np.isnan(a) or a <= 1.0 + 1e-12


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), level=st.sampled_from(LEVELS))
def test_permuting_labels_changes_nothing(seed, level):
    rng = np.random.default_rng(seed)
    x = random_scores(rng, 15, 4, missing=0.25, categories=5)
    df = long_from_wide(x)
    ref = float(krippendorff_alpha(df, level=level, n_boot=0))
    perm = df.sample(frac=1, random_state=seed).reset_index(drop=True)
    perm["employee_id"] = perm["employee_id"].map(lambda s: f"Z{hash(s) % 997}{s}")
    perm["rater_id"] = perm["rater_id"].map({f"R{j:02d}": f"P{(7 * j) % 4}" for j in range(4)})
    out = float(krippendorff_alpha(perm, level=level, n_boot=0))
    assert out == pytest.approx(ref, abs=1e-12, nan_ok=True)
