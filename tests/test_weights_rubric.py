"""compare, uncertainty, sensitivity and effective weights on the sample and rubric presets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.errors import ParameterError
from workbench.rubric import load_rubric, map_indicators, score
from workbench.weights import compare, effective_weights, scores_frame, sensitivity, uncertainty
from workbench.weights._engine import weight_model
from workbench.weights.uncertainty import draw_weights

BERAKHLAK_TO_PP46 = {"orientasi_pelayanan": "berorientasi_pelayanan", "integritas": "akuntabel",
                     "komitmen": "loyal", "disiplin": "adaptif", "kerja_sama": ["kolaboratif", "harmonis"],
                     "kepemimpinan": "kompeten"}


@pytest.fixture(scope="module")
def ds():
    return wb.read_sample("kota_contoh")


@pytest.fixture(scope="module")
def rinci():
    return load_rubric("permenpanrb-6-2022-rinci")


@pytest.fixture(scope="module")
def pp46_ds(ds):
    """The annual sample mapped onto PP 46/2011: SKP from the IKI, perilaku from BerAKHLAK."""
    r = ds.ratings[ds.ratings["period"] == "2025"]
    skp = map_indicators(r, {"skp": ["iki_kuantitas", "iki_kualitas", "iki_waktu"]})
    skp["score"] = skp["score"].clip(0, 120)
    beh = map_indicators(r, BERAKHLAK_TO_PP46, from_scale=(1, 5), to_scale=(0, 100))
    ratings = pd.concat([skp, beh], ignore_index=True)
    return type("DS", (), {"ratings": ratings, "roster": ds.roster[ds.roster["period"] == "2025"]})()


# -- the matrix engine reproduces wb.score -----------------------------------------------------

@pytest.mark.parametrize("rid", ["permenpanrb-6-2022", "permenpanrb-6-2022-rinci"])
def test_fast_scorer_matches_score(ds, rid):
    rubric = load_rubric(rid)
    ref = score(ds, rubric).to_frame()
    mine = scores_frame(ds, rubric)
    j = ref.merge(mine, on=["period", "employee_id"], suffixes=("", "_w"))
    assert len(j) == len(ref)
    assert (j["predikat"].astype(object).fillna("-") == j["predikat_w"].astype(object).fillna("-")).all()
    # the dimension categories too: a third copy of the threshold rule once missed the tie tolerance
    for dim in rubric.dimensions:
        col = f"{dim.id}_category"
        assert (j[col].astype(object).fillna("-") == j[col + "_w"].astype(object).fillna("-")).all(), col


def test_draw_ranks_leaves_its_input_alone(ds):
    from workbench.weights._engine import draw_ranks, weight_model

    # one period and one draw: the case in which a transpose needs no copy
    model = weight_model(ds.subset(period="2025"), load_rubric("permenpanrb-6-2022-rinci"))
    assert len(np.unique(model.period_codes)) == 1
    value = np.linspace(0.0, 1.0, model.n)[:, None]
    before = value.copy()
    draw_ranks(model, value)
    np.testing.assert_array_equal(value, before)


def test_fast_scorer_matches_score_on_bands_rubric_with_applicability(pp46_ds):
    rubric = load_rubric("pp-46-2011")
    alt = rubric.with_weights("alt", dimensions={"skp": 0.5, "perilaku": 0.5})
    for r, w in ((rubric, "baseline"), (alt, "alt")):
        ref = score(pp46_ds.ratings, r, w, roster=pp46_ds.roster).to_frame()
        mine = scores_frame(pp46_ds, r, w)
        j = ref.merge(mine, on=["period", "employee_id"], suffixes=("", "_w"))
        assert len(j) == len(ref) == 1200
        np.testing.assert_allclose(j["composite"], j["composite_w"], rtol=1e-12)
        assert (j["predikat"].astype(str) == j["predikat_w"].astype(str)).all()


# -- compare ------------------------------------------------------------------------------------

def _frame(pred, unit, dim):
    return pd.DataFrame({"employee_id": [f"e{i}" for i in range(len(pred))], "period": "2025", "unit": unit,
                         "predikat": pred, "hasil": dim})


def test_transition_matrix_hand_computed():
    a = _frame(["Baik", "Baik", "Baik", "Sangat Baik", "Butuh Perbaikan", "Baik"],
               ["U1", "U1", "U2", "U2", "U2", "U1"], [2.0, 2, 2, 3, 1, 2])
    b = _frame(["Baik", "Sangat Baik", "Butuh Perbaikan", "Sangat Baik", "Baik", "Baik"],
               ["U1", "U1", "U2", "U2", "U2", "U1"], [2.0, 3, 1, 3, 2, 2])
    cmp = compare(a, b)
    m = cmp.transition_matrix()
    assert list(m.index) == ["Sangat Baik", "Baik", "Butuh Perbaikan"]
    expected = pd.DataFrame([[1, 0, 0], [1, 2, 1], [0, 1, 0]], index=m.index, columns=m.columns)
    assert (m.to_numpy() == expected.to_numpy()).all()
    shares = cmp.transition_matrix(normalize=True)
    assert shares.loc["Baik", "Baik"] == pytest.approx(0.5)
    u2 = cmp.transition_matrix(unit="U2")
    assert u2.loc["Baik", "Butuh Perbaikan"] == 1 and u2.loc["Butuh Perbaikan", "Baik"] == 1
    assert u2.to_numpy().sum() == 3
    t = cmp.transitions
    assert (t.groupby(["period", "unit"])["share"].sum().round(12) == 1).all()
    assert set(cmp.movers["employee_id"]) == {"e1", "e2", "e4"}
    assert (cmp.movers.set_index("employee_id").loc[["e1", "e2", "e4"], "steps"] == [1, -1, 1]).all()
    assert (cmp.movers["moved_by"] == "hasil").all()
    row = cmp.rank_agreement.iloc[0]
    assert row["n"] == 6 and row["n_changed"] == 3


def test_identical_scores_agree_perfectly(ds, rinci):
    f = scores_frame(ds, rinci)
    cmp = compare(f, f)
    assert cmp.movers.empty
    ra = cmp.rank_agreement.set_index("period").loc["2025"]
    assert ra["spearman"] == pytest.approx(1) and ra["kendall_tau_b"] == pytest.approx(1)
    assert ra["top_k_overlap"] == 1


def test_compare_two_weight_sets_names_the_moving_dimension(ds, rinci):
    a, b = score(ds, rinci, "baseline"), score(ds, rinci, "atasan_saja")
    cmp = compare(a, b)
    assert len(cmp.movers) > 0
    # only the perilaku rater weights differ, so only perilaku can move anyone
    assert set(cmp.movers["moved_by"]) == {"perilaku_kerja"}
    assert int(cmp.transition_matrix().to_numpy().sum()) == 1200


def test_compare_composite_weights_moved_by_contribution(pp46_ds):
    r = load_rubric("pp-46-2011")
    alt = r.with_weights("alt", dimensions={"skp": 0.3, "perilaku": 0.7})
    cmp = compare(score(pp46_ds.ratings, r, roster=pp46_ds.roster),
                  score(pp46_ds.ratings, alt, "alt", roster=pp46_ds.roster))
    assert cmp.rank_agreement.loc[0, "ranked_on"] == "composite"
    assert len(cmp.movers) > 0 and set(cmp.movers["moved_by"]) <= {"skp", "perilaku"}


# -- uncertainty ----------------------------------------------------------------------------------

def test_uncertainty_columns_and_intervals(ds, rinci):
    u = uncertainty(ds, rinci, n_draws=100, perturb=0.2, seed=1)
    f = u.to_frame()
    ids = [p.id for p in rinci.predikat]
    assert list(f.columns[:6]) == ["employee_id", "period", "rank_nominal", "rank_median", "rank_p05", "rank_p95"]
    assert [f"p_{i}" for i in ids] == list(f.columns[6:6 + len(ids)])
    assert f.columns[6 + len(ids)] == "unstable"
    np.testing.assert_allclose(f[[f"p_{i}" for i in ids]].sum(axis=1), 1.0)
    assert ((f.rank_p05 <= f.rank_median) & (f.rank_median <= f.rank_p95)).all()
    assert len(f) == 1200 and u.notes  # the quarters have no BerAKHLAK ratings
    assert 0 < u.n_unstable < 1200
    units = u.unit_frame()
    assert (units.ci_low <= units.ci_high).all()
    g = units.groupby(["period", "unit"])
    np.testing.assert_allclose(g["expected"].sum(), g["n_nominal"].sum())


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**16), scheme=st.sampled_from(["uniform", "dirichlet"]))
def test_perturb_zero_collapses_and_seed_reproduces(ds, rinci, seed, scheme):
    zero = uncertainty(ds, rinci, n_draws=8, perturb=0.0, seed=seed, scheme=scheme).to_frame()
    assert (zero.rank_p05 == zero.rank_nominal).all() and (zero.rank_p95 == zero.rank_nominal).all()
    assert (zero.p_nominal == 1).all() and not zero.unstable.any()
    a = uncertainty(ds, rinci, n_draws=8, perturb=0.3, seed=seed, scheme=scheme).to_frame()
    b = uncertainty(ds, rinci, n_draws=8, perturb=0.3, seed=seed, scheme=scheme).to_frame()
    pd.testing.assert_frame_equal(a, b)


@pytest.fixture(scope="module")
def pp46_model(pp46_ds):
    return weight_model(pp46_ds, load_rubric("pp-46-2011"))


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(factor=st.floats(0.05, 50))
def test_scaling_all_weights_leaves_ranks_unchanged(pp46_model, factor):
    m = pp46_model
    theta = m.theta0[None, :]
    r1 = m.ranks(m.evaluate(theta).value)
    # scaling a group's weights together changes no within-dimension mean, and scaling the
    # dimension weights scales the composite: the ranks stay
    r2 = m.ranks(m.evaluate(theta * factor).value)
    np.testing.assert_array_equal(r1, r2)


def test_draws_respect_groups_and_bounds(ds, rinci):
    m = weight_model(ds, rinci)
    th = draw_weights(m, 500, 0.1, 0, "uniform")
    for idx in m.params.groupby("group").indices.values():
        s = th[:, idx].sum(axis=1)
        np.testing.assert_allclose(s, m.theta0[idx].sum())
    free = m.free
    ratio = th[:, free] / m.theta0[free]
    assert ratio.min() > 0.8 and ratio.max() < 1.25


def test_uncertainty_rejects_bad_parameters(ds, rinci):
    with pytest.raises(ParameterError, match="perturb"):
        uncertainty(ds, rinci, n_draws=5, perturb=1.5)
    with pytest.raises(ParameterError, match="scheme"):
        uncertainty(ds, rinci, n_draws=5, scheme="normal")  # type: ignore[arg-type]


# -- sensitivity and effective weights ----------------------------------------------------------

def test_sensitivity_outputs_and_groups(ds, rinci):
    s = sensitivity(ds, rinci, n_base=64, seed=0, groups="dimension", n_boot=0,
                    org_rating="Baik", period="2025").to_frame()
    assert set(s["output"]) == {"mean_abs_rank_shift", "n_predikat_changes", "share_sangat_baik",
                                "curve_violations"}
    assert set(s["factor"]) == {"dimension.hasil_kerja", "dimension.perilaku_kerja"}
    rs = s[s.output == "mean_abs_rank_shift"].set_index("factor")
    assert (rs["st"] >= -0.05).all() and rs["st"].sum() > 0.5


def test_sensitivity_defaults_give_indices_in_range(ds, rinci):
    # with the uncentred estimator S1 of share_sangat_baik ranged from -1.69 to 1.45 here
    s = sensitivity(ds, rinci).to_frame()
    assert s["s1"].between(-0.1, 1.0).all(), s.loc[~s["s1"].between(-0.1, 1.0), ["output", "factor", "s1"]]
    assert (s["s1"] <= s["st"] + 0.1).all()
    assert s["s1_ci_low"].notna().all()  # intervals by default (n_boot = DEFAULT_N_BOOT)


def test_sensitivity_without_free_weights_raises(ds):
    with pytest.raises(ParameterError, match="nothing to vary"):
        sensitivity(ds, load_rubric("permenpanrb-6-2022"), n_base=16)


def test_effective_weights_covariance_identity():
    rng = np.random.default_rng(2)
    x = pd.DataFrame(rng.normal(size=(300, 3)) * [1.0, 3.0, 0.2], columns=["a", "b", "c"])
    e = effective_weights(x, indicators={"a": 1, "b": 1, "c": 1}).to_frame().set_index("indicator")
    assert e["effective"].sum() == pytest.approx(1.0)
    c = x.sum(axis=1)
    np.testing.assert_allclose(e["effective"], x.apply(lambda col: col.cov(c)) / c.var(), rtol=1e-10)
    assert e.loc["b", "effective"] > e.loc["a", "effective"] > e.loc["c", "effective"]


def test_effective_weights_on_bands_rubric(pp46_ds):
    e = effective_weights(pp46_ds, rubric=load_rubric("pp-46-2011")).to_frame()
    assert set(e["target"]) == {"composite"}
    assert e["nominal"].sum() == pytest.approx(1) and e["effective"].sum() == pytest.approx(1)
    assert e.set_index("indicator").loc["skp", "nominal"] == pytest.approx(0.6)


def test_fast_scorer_reads_ekinerja_labels_as_the_scorer_does(ds):
    # the e-Kinerja ratings written as labels, as an export has them, not as 1/2/3
    q1 = ds.ratings[(ds.ratings["period"] == "2025-Q1")
                    & ds.ratings["indicator"].isin(["hasil_kerja", "perilaku_kerja"])]
    labels = {1.0: "Di Bawah Ekspektasi", 2.0: "sesuai ekspektasi", 3.0: "DIATAS EKSPEKTASI"}
    texts = q1.assign(score=q1["score"].map(labels).astype(object))
    data = type("DS", (), {"ratings": texts, "roster": ds.roster[ds.roster["period"] == "2025-Q1"]})()
    rubric = load_rubric("permenpanrb-6-2022")
    ref = score(q1, rubric, roster=data.roster).to_frame()
    mine = scores_frame(data, rubric)
    j = ref.merge(mine, on=["period", "employee_id"], suffixes=("", "_w"))
    assert len(j) == len(ref) == len(mine) == 1200
    assert (j["predikat"].astype(str) == j["predikat_w"].astype(str)).all()


# -- compare: thresholds and periods ------------------------------------------------------------

def test_compare_thresholds_only_attributes_movers_to_thresholds(ds, rinci):
    strict = rinci.with_thresholds(categories={"perilaku_kerja": {"di_atas": 4.0}})
    a, b = score(ds, rinci, period="2025"), score(ds, strict, period="2025")
    m = compare(a, b).movers
    assert len(m) > 0
    # the audit's finding: every mover read "(weights)" with change 0.0
    assert set(m["moved_by"]) == {"thresholds:perilaku_kerja"}
    np.testing.assert_allclose(m["moved_by_change"], 4.0 - 3.75)
    assert (m["steps"] < 0).all()  # a stricter threshold only moves people down
    # the same from plain tables (no rubric to replay): read from the categories
    fa = a.to_frame().drop(columns=["explanation"])
    fb = b.to_frame().drop(columns=["explanation"])
    m2 = compare(fa, fb).movers
    assert set(m2["moved_by"]) == {"thresholds:perilaku_kerja"}
    assert list(m2["employee_id"]) == list(m["employee_id"])


def test_compare_band_thresholds_only(pp46_ds):
    r = load_rubric("pp-46-2011")
    bands = {b.predikat: b.min for b in r.bands if np.isfinite(b.min)}
    top = r.predikat[0].id
    moved_up = r.with_thresholds(bands={top: bands[top] - 3})
    cmp = compare(score(pp46_ds.ratings, r, roster=pp46_ds.roster),
                  score(pp46_ds.ratings, moved_up, roster=pp46_ds.roster))
    m = cmp.movers
    assert len(m) > 0 and set(m["moved_by"]) == {"thresholds:bands"}
    np.testing.assert_allclose(m["moved_by_change"], -3.0)
    assert (m["steps"] == 1).all()


def test_compare_weights_and_thresholds_is_not_all_thresholds(ds, rinci):
    strict = rinci.with_thresholds(categories={"perilaku_kerja": {"di_atas": 4.0}})
    m = compare(score(ds, rinci, "baseline", period="2025"),
                score(ds, strict, "atasan_saja", period="2025")).movers
    assert "perilaku_kerja" in set(m["moved_by"]) and "thresholds:perilaku_kerja" in set(m["moved_by"])


def test_compare_two_periods_under_two_rubrics(ds, pp46_ds):
    # before: 2024 under PP 46/2011 (Sangat Baik .. Buruk); after: 2025 under PermenPANRB 6/2022
    old = score(pp46_ds.ratings.assign(period="2024"), load_rubric("pp-46-2011"),
                roster=pp46_ds.roster.assign(period="2024"))
    new = score(ds, "permenpanrb-6-2022", period="2025")
    cmp = compare(old, new)  # was a raw TypeError
    ra = cmp.rank_agreement.iloc[0]
    assert ra["period"] == "2024 -> 2025" and ra["n"] == 1200
    m = cmp.transition_matrix()
    assert list(m.index) == [p.label.id for p in load_rubric("pp-46-2011").predikat]
    assert list(m.columns) == [p.label.id for p in load_rubric("permenpanrb-6-2022").predikat]
    assert int(m.to_numpy().sum()) == 1200
    assert any("across periods" in n for n in cmp.notes)
    same = compare(old, new, period=("2024", "2025"))
    pd.testing.assert_frame_equal(same.rank_agreement, cmp.rank_agreement)
    assert set(cmp.movers["moved_by"]) <= {"(rubric)", "(weights)"} | {d.id for d in load_rubric("pp-46-2011").dimensions}
    with pytest.raises(ParameterError, match="no period"):
        compare(old, new, period=("2023", "2025"))


def test_compare_period_selects_one_period(ds, rinci):
    a, b = score(ds, rinci, "baseline"), score(ds, rinci, "atasan_saja")
    one = compare(a, b, period="2025")
    assert list(one.rank_agreement["period"]) == ["2025"]


# -- one API: weights names a weight set, period everywhere, one engine -----------------------------

def test_effective_weights_old_spellings_warn(ds, rinci):
    x = pd.DataFrame({"a": [0.0, 1, 2, 3], "b": [1.0, 0, 1, 0]})
    new = effective_weights(x, indicators={"a": 1, "b": 1}).to_frame()
    with pytest.warns(DeprecationWarning, match="indicators"):
        old = effective_weights(x, weights={"a": 1, "b": 1}).to_frame()
    pd.testing.assert_frame_equal(old, new)
    with pytest.warns(DeprecationWarning, match="weight_set"):
        a = effective_weights(ds, rubric=rinci, weight_set="atasan_saja").to_frame()
    pd.testing.assert_frame_equal(a, effective_weights(ds, rubric=rinci, weights="atasan_saja").to_frame())


def test_period_is_accepted_by_the_laboratory(ds, rinci):
    one = effective_weights(ds, rubric=rinci, period="2025").to_frame()
    assert (one["n"] == 1200).all()
    u = uncertainty(ds, rinci, n_draws=10, perturb=0.1, seed=0, period="2025").to_frame()
    assert set(u["period"]) == {"2025"} and len(u) == 1200
    f = scores_frame(ds, rinci, period="2025")
    assert set(f["period"]) == {"2025"}
    with pytest.raises(ParameterError, match="period"):
        uncertainty(ds, rinci, n_draws=5, period="1999")


def test_one_compiled_rubric_serves_both_scorers(ds, rinci):
    from workbench.rubric._compiled import compile_rubric

    model = weight_model(ds, rinci)
    assert model.compiled is compile_rubric(rinci) is compile_rubric(load_rubric("permenpanrb-6-2022-rinci"))
    # the laboratory now reads the ratings as the scorer does: a score off the scale is an error
    bad = ds.ratings.copy()
    bad.loc[bad.index[bad["indicator"] == "kolaboratif"][0], "score"] = 99.0
    with pytest.raises(Exception, match="outside the scale"):
        weight_model(type("DS", (), {"ratings": bad, "roster": ds.roster})(), rinci)
