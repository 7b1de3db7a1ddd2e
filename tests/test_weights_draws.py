"""run_draws: bounded-memory rank quantiles against the exact percentiles of stored ranks."""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.rubric import load_rubric
from workbench.rubric._compiled import _band_loop, compile_rubric
from workbench.weights import _engine
from workbench.weights._engine import Subset, weight_model
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


def _pp30_dataset():
    """The sample's ratings as the indicators of PP 30/2019 (a bands rubric with the
    innovation condition), over two periods, some employees left without a perilaku rating
    (not scored: NaN composite)."""
    ds = wb.read_sample("kota_contoh")
    r = ds.ratings[ds.ratings["period"].isin(["2025", "2025-Q1"])]
    skp = r[r["indicator"] == "iki_kualitas"].assign(indicator="skp")
    skp = skp.assign(score=skp["score"].clip(upper=120))
    beh = r[(r["indicator"] == "kolaboratif") & (r["rater_role"] == "atasan")]
    beh = beh[~beh["employee_id"].isin(beh["employee_id"].unique()[:25])]
    parts = [skp] + [beh.assign(indicator=i, score=beh["score"] * 24) for i in
                     ("orientasi_pelayanan", "komitmen", "inisiatif_kerja", "kerja_sama", "kepemimpinan")]
    inov = skp.assign(indicator="inovasi", score=(skp["score"] > 110).astype(float))
    return Subset(pd.concat([*parts, inov], ignore_index=True), ds.roster)


@pytest.mark.parametrize("rubric_id", ["pp-30-2019", "pp-46-2011"])
def test_band_lookup_is_the_band_by_band_test(rubric_id):
    c = compile_rubric(load_rubric(rubric_id))
    edges = np.concatenate([c.band_min, c.band_max])
    x = np.concatenate([edges, np.nextafter(edges, np.inf), np.nextafter(edges, -np.inf),
                        np.random.default_rng(0).uniform(-10, 130, 500), [np.nan, np.inf, -np.inf]])
    # one step past a scale's end (120.00000000000001, rounding) counts as on it
    want = _band_loop(c.snap(x), c.band_min, c.band_max, c.band_min_inc, c.band_max_inc)
    assert (c.snap(x) != x).sum() >= 1 and np.isnan(c.snap(x)).sum() == 1
    np.testing.assert_array_equal(c.band_index(x), want)
    np.testing.assert_array_equal(c.band_predikat(x), np.where(want >= 0, c.band_rank[want], -1))


def test_category_index_is_the_tolerant_binary_search():
    from workbench.rubric._compiled import TIE_TOL, category_index

    thr = np.array([1.5, 2.5])
    s = np.concatenate([thr, thr * (1 - 1e-10), np.nextafter(thr, 0), thr * (1 - 1e-8),
                        np.random.default_rng(1).uniform(0, 4, 200), [np.nan, np.inf, -np.inf, 0.0]])
    for t in (thr, thr[:1], np.zeros(0), np.linspace(1, 3, 12)):  # 12 thresholds: the search itself
        with np.errstate(invalid="ignore"):
            want = np.where(np.isnan(s), -1, np.searchsorted(t, s + TIE_TOL * np.maximum(np.abs(s), 1.0),
                                                             side="right"))
            got = category_index(s, t)
        np.testing.assert_array_equal(got, want)
        assert got.dtype == want.dtype
        with np.errstate(invalid="ignore"):
            small = category_index(s, t, np.int16)
        np.testing.assert_array_equal(small, want)
        assert small.dtype == np.int16
    assert category_index(2.0, thr).shape == () and int(category_index(np.nan, thr)) == -1


def test_draw_block_and_sorted_bands_agree_with_evaluate():
    model = weight_model(_pp30_dataset(), load_rubric("pp-30-2019"))
    assert model.ranks_on_composite and len(np.unique(model.period_codes)) == 2
    theta = draw_weights(model, 9, 0.3, seed=3)
    ev = model.evaluate(theta)
    assert (ev.predikat < 0).any() and (ev.predikat == 0).any()  # unscored rows, and the condition's upgrade
    pred, value = model.draw_block(theta)
    np.testing.assert_array_equal(pred, ev.predikat.T)
    np.testing.assert_allclose(value, ev.value.T, rtol=1e-12)
    s = run_draws(model, theta)  # predikat read from the sorted composites
    want = np.stack([(ev.predikat == j).sum(axis=1) for j in range(len(model.rubric.predikat))], axis=1)
    np.testing.assert_array_equal(s.pred_counts, want)
    ranked = ~np.isnan(ev.value[:, 0])  # (NaN only where ratings are missing: in every draw alike)
    exact, _ = _exact(model.subset(ranked), theta)
    np.testing.assert_array_equal(s.rank_q[ranked], exact)
    assert (s.rank_q[~ranked] == 0).all()


def test_bins_held_a_few_draws_at_a_time_give_the_histogram_of_every_rank():
    """Two periods, rows never ranked (NaN composites), wide bins and a few draws' bins held
    at a time: the quantiles of the histogram of every stored rank."""
    from workbench.weights.uncertainty import _histogram_quantiles

    model = weight_model(_pp30_dataset(), load_rubric("pp-30-2019"))
    k = 45
    theta = draw_weights(model, k, 0.3, seed=4)
    s = run_draws(model, theta, max_memory_mb=0.05)
    assert 0.05 / 8 * 2**20 // (2 * model.n) < k // 3 and s.bin_width.max() > 1  # three passes or more
    with np.errstate(invalid="ignore"):  # the reference subtracts infinities
        ranks = model.ranks(model.evaluate(theta).value)  # (n, k), NaN where not ranked
    ranked = ~np.isnan(ranks)
    assert (~ranked).any() and ranked.any(axis=1).any()
    _, period_idx = np.unique(model.period_codes, return_inverse=True)
    w = s.bin_width[period_idx.ravel()]
    hist = np.zeros((model.n, s.n_bins), dtype=np.uint16)
    rows, cols = np.nonzero(ranked)
    np.add.at(hist, (rows, (ranks[rows, cols].astype(np.int64) - 1) // w[rows]), 1)
    r_min = np.where(ranked.any(axis=1), np.nanmin(np.where(ranked, ranks, np.inf), axis=1), 2**32 - 1)
    r_max = np.nan_to_num(np.nanmax(np.where(ranked, ranks, 0), axis=1))
    want = _histogram_quantiles(hist, w, r_min.astype(np.uint32), r_max.astype(np.uint32),
                                _quantile_positions(k))
    np.testing.assert_array_equal(s.rank_q, want)


@pytest.mark.parametrize("case", ["matrix", "bands"])
def test_saltelli_outputs_equal_the_evaluate_path(case):
    """sensitivity's per-dimension scoring of a Saltelli design gives the outcomes of
    WeightModel.evaluate bit for bit: a matrix rubric over all periods with unscored rows
    (NaN dimension scores) and the curve, and a bands rubric with a condition and NaN
    composites over two periods (ranks within each)."""
    from workbench.weights.sensitivity import _Nominal, _outputs_evaluate, _saltelli_outputs
    from workbench.weights.sobol import saltelli_design

    if case == "matrix":
        full = weight_model(wb.read_sample("kota_contoh"), load_rubric("permenpanrb-6-2022-rinci"))
        keep = full.scorable()
        keep[np.flatnonzero(~keep)[::16]] = True  # a few unscored rows of the other periods
        model, org = full.subset(keep), "Baik"
    else:
        model, org = weight_model(_pp30_dataset(), load_rubric("pp-30-2019")), None
    free = model.free
    groups = [[0, 1], *[[j] for j in range(2, len(free))]]  # a group of two, the rest alone
    n_base = 8
    x = saltelli_design(np.tile([0.6, 1.4], (len(free), 1)), n_base, 7, groups)
    theta = np.repeat(model.theta0[None, :], len(x), axis=0)
    theta[:, free] *= x
    theta = model.normalise(theta)
    ev = model.evaluate(model.theta0[None, :])
    scored = ev.predikat[:, 0] >= 0
    assert not scored.all()  # unscored rows are in the test
    nom = _Nominal(scored, _engine.draw_ranks(model, ev.value)[0, scored].astype(np.int64),
                   ev.predikat[scored, 0])
    n_out = 3 + (org is not None)
    want = _outputs_evaluate(model, theta, 40, nom, org, n_out)
    got = _saltelli_outputs(model, theta, n_base, len(groups) + 2, 40, nom, org, n_out)
    assert np.isnan(model.evaluate(theta[:3]).value).any()
    assert np.ptp(want, axis=0).min() > 0  # every outcome moves
    np.testing.assert_array_equal(got, want)


def test_row_ranks_runs_of_ties_and_nan_match_the_column_ranks():
    """Runs of tied values (within 1e-10 relative), one value alone between runs, infinities
    and NaN: the same competition ranks as the sort-per-column reference, and the NaN count."""
    rng = np.random.default_rng(5)
    v = np.concatenate([np.repeat([3.0, 1.0, 2.0], [4, 1, 3]), [2.0 * (1 + 5e-11), 1.0 + 1e-9, -np.inf, np.inf],
                        rng.normal(size=20), [np.nan, np.nan]])
    rng.shuffle(v)
    with np.errstate(invalid="ignore"):  # the reference subtracts infinities
        want = _engine._competition_ranks(v[:, None])[:, 0]
    out = np.empty(len(v), dtype=np.uint32)
    order, sv, n_nan = _engine._row_ranks(v.copy(), out)
    assert n_nan == 2 and (sv[-2:] == np.inf).all() and (sv[1:] >= sv[:-1]).all()
    np.testing.assert_array_equal(out, np.nan_to_num(want, nan=0).astype(np.uint32))
    out2 = np.empty(len(v), dtype=np.uint32)
    _engine.row_ranks(v.copy(), out2)
    np.testing.assert_array_equal(out2, out)


@pytest.mark.parametrize("case", ["spread", "levels", "last_bits", "near_ties", "edges", "nan", "negative"])
def test_row_ranks_on_integer_keys_are_the_argsort_ranks(case, monkeypatch):
    """The sort of packed integer keys (scratch arrays given) against the argsort: the same
    ranks and sorted keys, the order a permutation that sorts; values one unit in the last
    place apart share a bucket out of order and are re-sorted; NaN or a negative value
    (or -0.0) take the argsort."""
    rng = np.random.default_rng(len(case))
    m = 4000
    v = {"spread": lambda: rng.uniform(0, 100, m),
         "levels": lambda: rng.integers(0, 5, m) * 25.0,
         "last_bits": lambda: rng.choice(rng.uniform(1, 100, 4), m) * (1 + rng.integers(-3, 4, m) * 2.0**-52),
         "near_ties": lambda: rng.choice([1.5, 61.0, 76.0], m) * (1 + rng.choice([0, 1e-11, 9e-11, 1e-10, 3e-10], m)),
         "edges": lambda: rng.choice([0.0, 5e-324, 1e-310, 2.2250738585072014e-308, 1.0, 1.0 + 2**-52, np.inf], m),
         "nan": lambda: np.where(rng.random(m) < 0.05, np.nan, rng.uniform(0, 100, m)),
         "negative": lambda: np.where(rng.random(m) < 0.5, -0.0, rng.uniform(-1, 100, m))}[case]()
    calls = []
    sort_buckets = _engine._sort_buckets
    monkeypatch.setattr(_engine, "_sort_buckets", lambda *a: calls.append(1) or sort_buckets(*a))
    want = np.empty(m, dtype=np.uint32)
    _, sv_want, nan_want = _engine._row_ranks(v.copy(), want)
    work: dict = {}
    for _ in range(2):  # the second time on the cached arrays
        got = np.empty(m, dtype=np.uint32)
        order, sv, n_nan = _engine._row_ranks(v.copy(), got, work)
        np.testing.assert_array_equal(got, want)
        assert n_nan == nan_want and sv.tobytes() == sv_want.tobytes()
        np.testing.assert_array_equal(np.sort(order), np.arange(m))
        np.testing.assert_array_equal(-v[order[:m - n_nan]], sv[:m - n_nan])
    assert ("pack" in work) == (case not in ("nan", "negative"))
    assert bool(calls) == (case in ("last_bits", "edges"))  # (0.0 and the smallest subnormals share a bucket)


def _row_by_row(v):
    want = np.empty(v.shape, dtype=np.uint32)
    for j in range(v.shape[0]):
        _engine.row_ranks(v[j].copy(), want[j])
    return want


@pytest.mark.parametrize("seed", range(4))
def test_block_ranks_are_the_row_ranks_of_every_row(seed):
    """block_ranks gives row_ranks row by row: runs of ties, values a few ulps apart (whose
    packed sort keys share their high bits and may come out in the wrong order: those rows
    are argsorted), signed zeros, tiny subnormals, and rows with infinities or NaN; into a
    contiguous and a strided output; its input is left alone."""
    rng = np.random.default_rng(seed)
    c, m = 7, 300
    base = rng.choice([1.0, -2.5, 0.0, -0.0, 1e-310, 3.0, 2.0 * (1 + 5e-11)], size=(c, m))
    v = base.copy()
    for step in range(3):  # 0 to 3 ulps above the base value
        v = np.where(rng.integers(0, 4, size=(c, m)) > step, np.nextafter(v, np.inf), v)
    v[0] = rng.normal(size=m)  # no ties
    v[1] = np.round(rng.normal(size=m), 1)  # exact ties only
    v[2, [3, 50]] = np.nan
    v[3, 7] = np.inf
    v[4, 9] = -np.inf
    before = v.copy()
    with np.errstate(invalid="ignore"):  # the reference subtracts infinities
        want = _row_by_row(v)
        got = np.empty((c, m), dtype=np.uint32)
        _engine.block_ranks(v, got)
        strided = np.zeros((m, c), dtype=np.uint32).T
        _engine.block_ranks(v, strided)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(strided, want)
    np.testing.assert_array_equal(v, before)
    order, sv = _engine._sort_rows(-v)
    np.testing.assert_array_equal(np.sort(order, axis=1), np.broadcast_to(np.arange(m), (c, m)))
    np.testing.assert_array_equal(sv, np.sort(-v, axis=1))


def test_histogram_quantiles_search_is_the_first_bin_reaching_the_target():
    from workbench.weights.uncertainty import _histogram_quantiles

    rng = np.random.default_rng(6)
    n, n_bins, k = 300, 37, 25
    hist = np.zeros((n, n_bins), dtype=np.uint16)
    centre = rng.integers(0, n_bins, n)
    for _ in range(k):
        np.add.at(hist, (np.arange(n), np.clip(centre + rng.integers(-4, 5, n), 0, n_bins - 1)), 1)
    hist[::11] = 0  # never ranked
    width = rng.integers(1, 9, n).astype(np.uint32)
    r_min, r_max = (centre * width).astype(np.uint32), (centre * width + 40).astype(np.uint32)
    pos = _quantile_positions(k)
    got = _histogram_quantiles(hist, width, r_min, r_max, pos, block=64)
    cum = np.cumsum(hist, axis=1)
    total = cum[:, -1]
    for q, p in enumerate(pos):
        target = np.minimum(p, np.maximum(total, 1))
        b = np.minimum((cum < target[:, None]).sum(axis=1), n_bins - 1)  # the linear scan
        before = np.where(b > 0, cum[np.arange(n), np.maximum(b - 1, 0)], 0)
        in_bin = np.maximum(cum[np.arange(n), b] - before, 1)
        est = b * width + 1 + np.floor((target - before - 0.5) / in_bin * width).astype(np.int64)
        np.testing.assert_array_equal(got[:, q], np.where(total > 0, np.clip(est, r_min, r_max), 0))


@pytest.mark.parametrize("case", ["matrix", "bands"])
@pytest.mark.parametrize("mb", [0.05, 256])
def test_two_threads_give_the_one_thread_summary_exactly(case, mb, monkeypatch):
    """The second thread's half of each block's draws, its rank extremes and its half of the
    histogram and counts: every array as on one thread (odd draws, so the halves differ;
    wide bins and a few held draws at a time with the small budget; two periods and rows
    never ranked in the bands case)."""
    unc = importlib.import_module("workbench.weights.uncertainty")  # the module, not the function

    monkeypatch.setattr(unc, "_cores", lambda: 2)  # the two-thread path even on one core
    if case == "matrix":
        full = weight_model(wb.read_sample("kota_contoh"), load_rubric("permenpanrb-6-2022-rinci"))
        model = full.subset(full.scorable())
    else:
        model = weight_model(_pp30_dataset(), load_rubric("pp-30-2019"))
    theta = draw_weights(model, 37, 0.3, seed=5)
    groups = np.arange(model.n) % 7
    one = run_draws(model, theta, max_memory_mb=mb, groups=groups, threads=1)
    two = run_draws(model, theta, max_memory_mb=mb, groups=groups, threads=2)
    assert unc.draw_threads(model.n, 2) == 2
    for f in ("rank_q", "pred_counts", "group_counts", "bin_width"):
        a, b = getattr(one, f), getattr(two, f)
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    assert (one.n_bins, one.nbytes) == (two.n_bins, two.nbytes)


def test_draw_threads_never_exceed_the_cores(monkeypatch):
    from workbench.errors import ParameterError
    unc = importlib.import_module("workbench.weights.uncertainty")  # the module, not the function

    monkeypatch.setattr(unc, "_cores", lambda: 1)
    assert unc.draw_threads(100_000) == unc.draw_threads(100_000, 2) == 1
    monkeypatch.setattr(unc, "_cores", lambda: 8)
    assert unc.draw_threads(100_000) == unc.draw_threads(100_000, 4) == 2
    assert unc.draw_threads(unc._MIN_THREADED - 1) == 1  # few employees: one thread unless asked
    with pytest.raises(ParameterError, match="threads"):
        unc.draw_threads(10, 0)
