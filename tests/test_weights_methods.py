"""Weighting methods: AHP against published examples, CRITIC/entropy/PCA properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.errors import ParameterError
from workbench.weights import ahp, critic_weights, entropy_weights, equal_weights, pca_weights
from workbench.weights.methods import RANDOM_INDEX

# "Choosing a leader" (Wikipedia, Analytic hierarchy process - leader example): criteria
# experience, education, charisma, age; published priorities .547, .127, .270, .056.
LEADER = {("experience", "education"): 4, ("experience", "charisma"): 3, ("experience", "age"): 7,
          ("education", "charisma"): 1 / 3, ("education", "age"): 3, ("charisma", "age"): 5}


def test_ahp_leader_example_matches_published_priorities():
    res = ahp(LEADER)
    assert res.criteria == ("experience", "education", "charisma", "age")
    np.testing.assert_allclose(res.weights, [0.547, 0.127, 0.270, 0.056], atol=0.0015)
    assert res.lambda_max == pytest.approx(4.1184, abs=1e-4)
    assert res.ci == pytest.approx((res.lambda_max - 4) / 3)
    assert res.cr == pytest.approx(0.044, abs=5e-4)
    assert res.consistent


def test_ahp_consistent_matrix_has_zero_cr_and_exact_weights():
    w = np.array([0.5, 0.3, 0.2])
    a = w[:, None] / w[None, :]
    for method in ("eigenvector", "geometric_mean"):
        res = ahp(a, ["a", "b", "c"], method=method)
        np.testing.assert_allclose(res.weights, w, atol=1e-12)
        assert res.cr == pytest.approx(0.0, abs=1e-10)


def test_ahp_flags_inconsistent_judgements():
    # a > b (9), b > c (9) but c > a (9): a cycle
    res = ahp({("a", "b"): 9, ("b", "c"): 9, ("a", "c"): 1 / 9})
    assert res.cr > 0.10 and not res.consistent
    assert not res.summary().loc[0, "consistent"]


def test_saaty_random_index_table():
    assert [RANDOM_INDEX[n] for n in range(3, 11)] == [0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49]


def test_ahp_rejects_non_reciprocal_matrix():
    with pytest.raises(ParameterError, match="not reciprocal"):
        ahp(np.array([[1, 3], [3, 1]]))


def test_equal_and_data_driven_weights_sum_to_one():
    rng = np.random.default_rng(0)
    base = rng.normal(size=200)
    x = pd.DataFrame({"a": base + rng.normal(0, .3, 200), "b": base + rng.normal(0, .3, 200),
                      "c": rng.normal(size=200)})
    for res in (equal_weights(x.columns), critic_weights(x), entropy_weights(x), pca_weights(x)):
        assert sum(res.as_dict().values()) == pytest.approx(1.0)
        assert list(res.to_frame().columns) == ["indicator", "weight"]
    c = critic_weights(x).as_dict()
    assert c["c"] > c["a"] and c["c"] > c["b"]  # the uncorrelated indicator carries more information


def test_critic_hand_computed():
    x = pd.DataFrame({"a": [0.0, 1, 2], "b": [0.0, 2, 1]})
    # min-max: a = (0, .5, 1), b = (0, 1, .5); sd equal; r = 0.5 -> C equal -> w = .5/.5
    np.testing.assert_allclose(critic_weights(x).weights, [0.5, 0.5])


def test_methods_reject_constant_indicator():
    x = pd.DataFrame({"a": [1.0, 2, 3], "b": [1.0, 1, 1]})
    for f in (critic_weights, entropy_weights, pca_weights):
        with pytest.raises(ParameterError):
            f(x)
