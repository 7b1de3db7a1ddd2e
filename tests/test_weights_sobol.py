"""Sobol machinery against the Ishigami function's analytic indices (and SALib as oracle)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from workbench.errors import ParameterError
from workbench.weights import ishigami, ishigami_indices, sobol_indices

PI = np.pi
BOUNDS = {"x1": (-PI, PI), "x2": (-PI, PI), "x3": (-PI, PI)}


def test_analytic_ishigami_values():
    ref = ishigami_indices(7, 0.1)
    np.testing.assert_allclose(ref.s1, [0.3139, 0.4424, 0.0], atol=1e-4)
    np.testing.assert_allclose(ref.st, [0.5576, 0.4424, 0.2437], atol=1e-4)


def test_sobol_recovers_ishigami():
    res = sobol_indices(ishigami, BOUNDS, n_base=2**14, seed=3, n_boot=50).to_frame()
    np.testing.assert_allclose(res.s1, [0.3139, 0.4424, 0.0], atol=0.02)
    np.testing.assert_allclose(res.st, [0.5576, 0.4424, 0.2437], atol=0.02)
    assert (res.s1_ci_low <= res.s1_ci_high).all()


def test_grouped_indices_of_all_factors_is_one():
    res = sobol_indices(ishigami, BOUNDS, n_base=2**12, seed=0, n_boot=0,
                        groups={"x1x3": ["x1", "x3"], "x2": ["x2"]}).to_frame().set_index("factor")
    # S1 of {x1, x3} = (V1 + V13) / V = ST1; ST of x2 = S1 of x2
    assert res.loc["x1x3", "s1"] == pytest.approx(0.5576, abs=0.03)
    assert res.loc["x2", "st"] == pytest.approx(0.4424, abs=0.03)


def test_same_seed_same_result():
    a = sobol_indices(ishigami, BOUNDS, n_base=256, seed=5, n_boot=10).to_frame()
    b = sobol_indices(ishigami, BOUNDS, n_base=256, seed=5, n_boot=10).to_frame()
    assert a.equals(b)


def test_agrees_with_salib_on_same_design():
    from SALib.analyze import sobol as salib_analyze

    from workbench.weights.sobol import saltelli_design, sobol_analyze
    n = 1024
    x = saltelli_design(np.array(list(BOUNDS.values())), n, 1, [[0], [1], [2]])
    y = ishigami(x)
    y = (y - y.mean()) / y.std()  # SALib standardises the outputs first
    ours = sobol_analyze(y, n, 3, n_boot=0)
    # SALib's layout (calc_second_order=False): per row block A, AB_1..AB_d, B
    a, b, ab = y[:n], y[n:2 * n], y[2 * n:].reshape(3, n)
    salib_y = np.column_stack([a, *ab, b]).ravel()
    problem = {"num_vars": 3, "names": list(BOUNDS), "bounds": list(BOUNDS.values())}
    ref = salib_analyze.analyze(problem, salib_y, calc_second_order=False, num_resamples=10, seed=1)
    np.testing.assert_allclose(ours["s1"][:, 0], ref["S1"], atol=1e-10)
    np.testing.assert_allclose(ours["st"][:, 0], ref["ST"], atol=1e-10)


def test_bad_groups_raise():
    with pytest.raises(ParameterError, match="group"):
        sobol_indices(ishigami, BOUNDS, n_base=64, groups={"g": ["x1", "x2"]})


# Two thresholds: y = c + 1[x1 > t1] + 2 * 1[x2 > t2] on [0, 1]^2. Additive, so the analytic
# indices are V_i / V with V_1 = p1 (1 - p1), V_2 = 4 p2 (1 - p2): S1 = ST = (.1841, .8159).
T1, T2 = 0.3137, 0.6071


def _steps(offset):
    return lambda x: offset + (x[:, 0] > T1) + 2.0 * (x[:, 1] > T2)


def _steps_analytic():
    v1 = (1 - T1) * T1
    v2 = 4 * (1 - T2) * T2
    return np.array([v1, v2]) / (v1 + v2)


@pytest.mark.parametrize("offset", [0.0, 20.0, -1000.0])
def test_first_order_is_shift_invariant_and_near_analytic(offset):
    ref = _steps_analytic()
    np.testing.assert_allclose(ref, [0.1841, 0.8159], atol=1e-4)
    bounds = {"x1": (0.0, 1.0), "x2": (0.0, 1.0)}
    base = sobol_indices(_steps(0.0), bounds, n_base=256, seed=0, n_boot=0).to_frame()
    res = sobol_indices(_steps(offset), bounds, n_base=256, seed=0, n_boot=0).to_frame()
    # an offset of the output changes no index (the audit found .25/.65 at offset 20)
    np.testing.assert_allclose(res.s1, base.s1, atol=1e-9)
    np.testing.assert_allclose(res.st, base.st, atol=1e-9)
    np.testing.assert_allclose(res.s1, ref, atol=0.05)
    np.testing.assert_allclose(res.st, ref, atol=0.05)


def test_offset_model_agrees_with_salib_unstandardised():
    from SALib.analyze import sobol as salib_analyze

    from workbench.weights.sobol import saltelli_design, sobol_analyze
    n = 512
    x = saltelli_design(np.array([[0.0, 1.0], [0.0, 1.0]]), n, 2, [[0], [1]])
    y = _steps(20.0)(x)  # raw outputs: SALib centres (and scales) them itself
    ours = sobol_analyze(y, n, 2, n_boot=0)
    a, b, ab = y[:n], y[n:2 * n], y[2 * n:].reshape(2, n)
    problem = {"num_vars": 2, "names": ["x1", "x2"], "bounds": [[0, 1], [0, 1]]}
    ref = salib_analyze.analyze(problem, np.column_stack([a, *ab, b]).ravel(),
                                calc_second_order=False, num_resamples=10, seed=1)
    np.testing.assert_allclose(ours["s1"][:, 0], ref["S1"], atol=1e-10)
    np.testing.assert_allclose(ours["st"][:, 0], ref["ST"], atol=1e-10)


def test_wide_intervals_warn_and_are_noted():
    bounds = {"x1": (0.0, 1.0), "x2": (0.0, 1.0)}
    with pytest.warns(UserWarning, match="wide"):
        res = sobol_indices(_steps(20.0), bounds, n_base=8, seed=0, n_boot=100)
    assert any("n_base" in n for n in res.notes)


def test_n_bootstrap_is_deprecated_for_n_boot():
    with pytest.warns(DeprecationWarning, match="n_boot"):
        old = sobol_indices(ishigami, BOUNDS, n_base=512, seed=5, n_bootstrap=10).to_frame()
    new = sobol_indices(ishigami, BOUNDS, n_base=512, seed=5, n_boot=10).to_frame()
    assert old.equals(new)


def test_bootstrap_in_blocks_equals_the_loop_over_resamples():
    """sobol_analyze evaluates the resamples in blocks; the intervals are those of the
    one-resample-at-a-time loop (same draws of the generator), to the last bit."""
    from workbench.weights.sobol import _estimate, sobol_analyze

    rng = np.random.default_rng(4)
    n_base, n_groups, n_boot = 40, 4, 60
    y = rng.normal(size=(n_base * (n_groups + 2), 3))
    y[:, 1] = 2.0  # an output that does not vary: NaN indices and intervals
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the constant output's all-NaN draws
        got = sobol_analyze(y, n_base, n_groups, n_boot=n_boot, seed=9)
    yc = y - y.mean(axis=0)
    fa, fb = yc[:n_base], yc[n_base:2 * n_base]
    fab = yc[2 * n_base:].reshape(n_groups, n_base, -1)
    draws = np.random.default_rng(9)
    b1, bt = [], []
    for _ in range(n_boot):
        i = draws.integers(0, n_base, n_base)
        s1, st = _estimate(fa[i], fb[i], fab[:, i])
        b1.append(s1)
        bt.append(st)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        q = [(1 - 0.95) / 2 * 100, (1 + 0.95) / 2 * 100]
        lo, hi = np.nanpercentile(np.array(b1), q, axis=0)
        lo_t, hi_t = np.nanpercentile(np.array(bt), q, axis=0)
    for key, want in (("s1_ci_low", lo), ("s1_ci_high", hi), ("st_ci_low", lo_t), ("st_ci_high", hi_t)):
        assert np.array_equal(got[key], want, equal_nan=True), key
    assert np.isnan(got["s1_ci_low"][:, 1]).all() and np.isfinite(got["s1_ci_low"][:, 0]).all()
