"""run_draws: bounded-memory rank quantiles against the exact percentiles of stored ranks."""

from __future__ import annotations

import numpy as np
import pytest

import workbench as wb
from workbench.rubric import load_rubric
from workbench.weights._engine import weight_model
from workbench.weights.uncertainty import _quantile_positions, draw_weights, run_draws


@pytest.fixture(scope="module")
def model():
    full = weight_model(wb.read_sample("kota_contoh"), load_rubric("permenpanrb-6-2022-rinci"))
    return full.subset(full.scorable())


def _exact(model, theta):
    ranks = model.ranks(model.evaluate(theta).value)  # (n, k) float, every row scorable
    return np.percentile(ranks, [50, 5, 95], axis=1, method="inverted_cdf").T, ranks


@pytest.mark.parametrize("k", [1, 7, 40, 101])
def test_exact_when_bins_are_one_rank_wide(model, k):
    theta = draw_weights(model, k, 0.3, seed=k)
    s = run_draws(model, theta)
    assert (s.bin_width == 1).all()
    exact, ranks = _exact(model, theta)
    np.testing.assert_array_equal(s.rank_q, exact)
    assert s.pred_counts.sum() == model.n * k


@pytest.mark.parametrize("k", [5, 64])
def test_binned_quantiles_within_one_bin(model, k):
    theta = draw_weights(model, k, 0.4, seed=1)
    s = run_draws(model, theta, max_memory_mb=0.05)  # forces wide bins (>= 16 bins)
    assert s.bin_width.max() > 1
    # histogram within half the budget (or the 16-bin floor), plus O(n) and O(draws x groups) counts
    hist = s.nbytes - 8 * model.n - s.pred_counts.nbytes - s.group_counts.nbytes
    assert hist == model.n * s.n_bins * 2 <= max(0.05 * 2**20 / 2, 16 * model.n * 2)
    exact, ranks = _exact(model, theta)
    err = np.abs(s.rank_q - exact)
    assert (err <= s.bin_width.max() - 1).all()
    # clipped to the exact extremes, and ordered like the exact quantiles
    assert (s.rank_q >= ranks.min(axis=1)[:, None]).all() and (s.rank_q <= ranks.max(axis=1)[:, None]).all()
    assert ((s.rank_q[:, 1] <= s.rank_q[:, 0]) & (s.rank_q[:, 0] <= s.rank_q[:, 2])).all()


def test_summaries_do_not_grow_with_draws(model):
    a = run_draws(model, draw_weights(model, 10, 0.1, 0), max_memory_mb=1)
    b = run_draws(model, draw_weights(model, 200, 0.1, 0), max_memory_mb=1)
    # only the small per-draw group counts grow
    assert b.nbytes - a.nbytes == b.group_counts.nbytes - a.group_counts.nbytes


def test_quantile_positions_match_numpy():
    for k in (1, 2, 19, 20, 100, 1000):
        x = np.arange(1, k + 1)
        np.testing.assert_array_equal(_quantile_positions(k),
                                      np.percentile(x, [50, 5, 95], method="inverted_cdf"))
