"""Cohen's, Fleiss' kappa, Gwet's AC, Kendall's W, percent agreement."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import cohens_kappa as sm_cohens_kappa
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa
from test_reliability_helpers import SHROUT_FLEISS, long_from_wide, random_scores

from workbench.errors import DataContractError, ParameterError
from workbench.reliability import (
    cohen_kappa,
    fleiss_kappa,
    gwet_ac,
    kendall_w,
    percent_agreement,
)

DATA = Path(__file__).parent / "data" / "reliability"
NAN = np.nan


def _from_counts(counts: np.ndarray) -> pd.DataFrame:
    """Subjects x categories counts (categories 1..q) -> long table, raters numbered per subject."""
    rows = []
    for i, row in enumerate(counts):
        j = 0
        for k, c in enumerate(row):
            for _ in range(int(c)):
                rows.append((f"P{i:02d}", f"slot{j}", float(k + 1)))
                j += 1
    return pd.DataFrame(rows, columns=["employee_id", "rater_id", "score"])


def test_fleiss_1971_published_values():
    counts = pd.read_csv(DATA / "fleiss_1971.csv").to_numpy()
    assert counts.shape == (30, 5) and (counts.sum(1) == 6).all()
    res = fleiss_kappa(_from_counts(counts))
    assert round(float(res), 3) == 0.430  # Fleiss (1971), p. 380
    # per-category kappas (Fleiss 1971): .245, .245, .520, .471, .566
    assert res.per_category["kappa"].round(3).tolist() == [0.245, 0.245, 0.520, 0.471, 0.566]
    assert list(res.per_category.columns) == ["category", "proportion", "kappa", "se", "z", "pval"]
    assert res.n_subjects == 30
    assert round(float(res) / res.se, 1) == 17.7  # z of irr::kappam.fleiss(diagnoses)
    assert res.ci_low < float(res) < res.ci_high


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fleiss_matches_statsmodels(seed):
    rng = np.random.default_rng(seed)
    x = random_scores(rng, 40, 5, categories=4)
    counts = np.stack([(x == c).sum(1) for c in range(1, 5)], axis=1)
    assert float(fleiss_kappa(long_from_wide(x))) == pytest.approx(sm_fleiss_kappa(counts), abs=1e-9)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
@pytest.mark.parametrize("seed", [0, 1])
def test_cohen_matches_statsmodels_and_sklearn(weights, seed):
    rng = np.random.default_rng(seed)
    x = random_scores(rng, 80, 2, categories=5)
    x[:5] = [[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]]  # every category used
    res = cohen_kappa(long_from_wide(x), weighting=weights)
    table = pd.crosstab(x[:, 0], x[:, 1]).reindex(index=range(1, 6), columns=range(1, 6), fill_value=0)
    wt = {None: None, "linear": "linear", "quadratic": "quadratic"}[weights]
    ref = sm_cohens_kappa(table.to_numpy(), wt=wt)
    assert float(res) == pytest.approx(ref.kappa, abs=1e-9)
    assert float(res) == pytest.approx(cohen_kappa_score(x[:, 0], x[:, 1], weights=weights), abs=1e-9)
    assert res.se == pytest.approx(np.sqrt(ref.var_kappa), abs=1e-9)
    assert res.se0 == pytest.approx(np.sqrt(ref.var_kappa0), abs=1e-9)
    assert res.table.to_numpy().sum() == 80


def test_cohen_with_missing_uses_pairs_and_says_so():
    x = random_scores(np.random.default_rng(3), 30, 2, categories=3)
    x[:4, 1] = NAN
    res = cohen_kappa(long_from_wide(x))
    assert res.n_subjects == 26
    assert "4 employee_id(s)" in res.notes[0]
    assert float(res) == pytest.approx(cohen_kappa_score(x[4:, 0], x[4:, 1]), abs=1e-9)


def test_cohen_needs_two_raters():
    df = long_from_wide(random_scores(np.random.default_rng(0), 10, 3, categories=3))
    with pytest.raises(DataContractError, match="exactly two raters; column 'rater_id' has 3"):
        cohen_kappa(df)
    with pytest.raises(ParameterError, match=r"`weighting` must be one of \{None, 'linear', 'quadratic'\}; got 'squared'\."):
        cohen_kappa(df, weighting="squared")


def test_weights_is_deprecated_for_weighting():
    x = random_scores(np.random.default_rng(3), 30, 2, categories=4)
    df = long_from_wide(x)
    with pytest.warns(DeprecationWarning, match="weighting"):
        old = gwet_ac(df, weights="quadratic")
    new = gwet_ac(df, weighting="quadratic")
    assert float(old) == float(new) and new.weighting == "quadratic"
    with pytest.warns(DeprecationWarning, match="weighting"):
        assert new.weights == "quadratic"
    two = long_from_wide(x[:, :2])
    with pytest.warns(DeprecationWarning):
        assert float(cohen_kappa(two, weights="linear")) == float(cohen_kappa(two, weighting="linear"))


def test_gwet_published_values():
    # Gwet (2014/2021), Handbook of Inter-Rater Reliability: 4 raters x 12 subjects, AC1 = 0.7754
    a = np.array([[0, 0, NAN, 0], [1, 1, 2, 1], [2, 2, 2, 2], [2, 2, 2, 2], [1, 1, 1, 1],
                  [0, 1, 2, 3], [3, 3, 3, 3], [0, 0, 1, 0], [1, 1, 1, 1], [NAN, 4, 4, 4],
                  [NAN, NAN, 0, 0], [NAN, NAN, 2, NAN]])
    assert round(float(gwet_ac(long_from_wide(a))), 4) == 0.7754
    # 5 raters x 20 subjects: AC1 = 0.5021, AC2 (quadratic) = 0.8224
    b = np.array([[1, 1, 2, NAN, 2], [1, 1, 0, 1, NAN], [2, 3, 3, 3, NAN], [NAN, 0, 0, NAN, 0],
                  [0, 0, 0, NAN, 0], [0, 0, 0, NAN, 0], [1, 0, 2, NAN, 1], [1, NAN, 2, 0, NAN],
                  [2, 2, 2, NAN, 2], [2, 1, 1, 1, NAN], [NAN, 1, 0, 0, NAN], [0, 0, 0, 0, NAN],
                  [1, 2, 2, 2, NAN], [3, 3, 2, 2, 3], [1, 1, 1, NAN, 1], [1, 1, 1, NAN, 1],
                  [2, 1, 2, NAN, 2], [1, 2, 3, 3, NAN], [1, 1, 0, 1, NAN], [0, 0, 0, NAN, 0]])
    assert round(float(gwet_ac(long_from_wide(b))), 4) == 0.5021
    res = gwet_ac(long_from_wide(b), weighting="quadratic")
    assert round(float(res), 4) == 0.8224
    assert res.coefficient == "gwet_ac2 (quadratic)"
    assert 0 < res.se < 0.2 and res.ci_low < float(res) < res.ci_high


def _gwet_loop(x: np.ndarray) -> float:
    """Independent, loop-based AC1 (Gwet 2014, eq. 2.9-2.10) used as an oracle."""
    cats = np.unique(x[~np.isnan(x)])
    q = len(cats)
    pa, n2, pis = 0.0, 0, np.zeros(q)
    rows = [r[~np.isnan(r)] for r in x]
    rows = [r for r in rows if r.size]
    for r in rows:
        cnt = np.array([(r == c).sum() for c in cats], dtype=float)
        pis += cnt / r.size
        if r.size >= 2:
            n2 += 1
            pa += sum(c * (c - 1) for c in cnt) / (r.size * (r.size - 1))
    pa /= n2
    pis /= len(rows)
    pe = sum(p * (1 - p) for p in pis) / (q - 1)
    return (pa - pe) / (1 - pe)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gwet_ac1_matches_loop_oracle_with_missing(seed):
    x = random_scores(np.random.default_rng(seed), 40, 5, missing=0.3, categories=4)
    assert float(gwet_ac(long_from_wide(x))) == pytest.approx(_gwet_loop(x), abs=1e-12)


def test_kendall_w_published_and_friedman():
    # Shrout & Fleiss data (6 targets ranked by 4 judges): tie-corrected W = 0.887 (Gwet 2014)
    res = kendall_w(long_from_wide(SHROUT_FLEISS))
    assert round(float(res), 3) == 0.887
    x = SHROUT_FLEISS
    friedman = stats.friedmanchisquare(*x)  # groups = subjects, blocks = raters
    assert res.chi2 == pytest.approx(friedman.statistic, rel=1e-9)
    assert float(res) == pytest.approx(friedman.statistic / (4 * 5), rel=1e-9)
    assert res.pval == pytest.approx(friedman.pvalue, rel=1e-9)
    assert res.df == 5
    # Clark-Carter: 4 raters ranking 5 items, no ties: W = 0.6875
    ranks = np.array([[1, 2, 3, 4, 5], [2, 1, 4, 3, 5], [3, 2, 1, 5, 4], [1, 3, 2, 4, 5]], float)
    assert float(kendall_w(long_from_wide(ranks.T))) == pytest.approx(0.6875, abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_kendall_w_matches_friedman_with_ties_and_drops_incomplete(seed):
    x = random_scores(np.random.default_rng(seed), 25, 4, categories=5)
    full = kendall_w(long_from_wide(x))
    f = stats.friedmanchisquare(*x)
    assert float(full) == pytest.approx(f.statistic / (4 * 24), rel=1e-9)
    x2 = x.copy()
    x2[0, 1] = NAN
    part = kendall_w(long_from_wide(x2), n_boot=50, seed=0)
    assert part.n_subjects == 24 and part.notes
    assert float(part) == pytest.approx(stats.friedmanchisquare(*x[1:]).statistic / (4 * 23), rel=1e-9)
    assert part.ci_low <= part.ci_high


def test_percent_agreement():
    x = np.array([[1, 1], [2, 2], [3, 1], [2, 2]], float)
    assert float(percent_agreement(long_from_wide(x))) == pytest.approx(0.75)
    y = np.array([[1, 1, 1], [1, 1, 2], [1, 2, 3]], float)  # 1, 1/3, 0
    res = percent_agreement(long_from_wide(y))
    assert float(res) == pytest.approx((1 + 1 / 3 + 0) / 3)
    assert 0 <= res.ci_low <= res.ci_high <= 1


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(4, 25), k=st.integers(2, 5),
       weights=st.sampled_from([None, "linear", "quadratic"]))
def test_ranges_and_perfect_agreement(seed, n, k, weights):
    rng = np.random.default_rng(seed)
    noisy = random_scores(rng, n, k, missing=0.1, categories=4)
    noisy[:2, :2] = [[1, 1], [4, 4]]
    for res in (fleiss_kappa(long_from_wide(noisy)), gwet_ac(long_from_wide(noisy), weighting=weights)):
        assert -1 - 1e-12 <= float(res) <= 1 + 1e-12
    two = noisy[:, :2]
    two = two[~np.isnan(two).any(1)]
    ck = float(cohen_kappa(long_from_wide(two), weighting=weights))
    assert np.isnan(ck) or -1 - 1e-12 <= ck <= 1 + 1e-12
    truth = rng.integers(1, 5, size=(n, 1)).astype(float)
    truth[:2, 0] = [1, 4]
    perfect = long_from_wide(np.repeat(truth, k, axis=1))
    assert float(fleiss_kappa(perfect)) == pytest.approx(1.0)
    assert float(gwet_ac(perfect, weighting=weights)) == pytest.approx(1.0)
    assert float(percent_agreement(perfect)) == pytest.approx(1.0)
    assert float(cohen_kappa(long_from_wide(np.repeat(truth, 2, axis=1)), weighting=weights)) == pytest.approx(1.0)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_permuting_labels_changes_nothing(seed):
    rng = np.random.default_rng(seed)
    x = random_scores(rng, 15, 4, missing=0.2, categories=4)
    df = long_from_wide(x)
    perm = df.sample(frac=1, random_state=seed).reset_index(drop=True)
    order = rng.permutation(4)
    perm["rater_id"] = perm["rater_id"].map({f"R{j:02d}": f"Q{order[j]}" for j in range(4)})
    perm["employee_id"] = "X" + perm["employee_id"].str[::-1]
    for f in (fleiss_kappa, gwet_ac, percent_agreement, kendall_w):
        try:
            a = float(f(df))
        except DataContractError:  # e.g. fewer than 2 employees rated by every rater (W)
            with pytest.raises(DataContractError):
                f(perm)
            continue
        assert a == pytest.approx(float(f(perm)), abs=1e-12, nan_ok=True)
