"""The many-facet Rasch model: oracles (R's VGAM and eRm, raschpy), recovery on data from
the model, fit statistics against planted raters, non-estimable raters, subsets, fair
averages and adjusted scores, tables, invariances and errors."""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import workbench as wb
from workbench.errors import DataContractError, ParameterError
from workbench.objectivity import _rasch_prune as rp
from workbench.objectivity import rasch_facets, rater_effects, rater_feedback
from workbench.objectivity._simulate_rasch import simulate_rasch
from workbench.objectivity.rasch import (
    CATEGORY_COLUMNS,
    EMPLOYEE_COLUMNS,
    FACET_COLUMNS,
    INDICATOR_COLUMNS,
    RATER_COLUMNS,
)

# ---------------------------------------------------------------------------------------
# Oracle data. Design: employee n (E00, E01, ...) is rated by raters R{n % 8},
# R{(n + 1) % 8} and R{(n + 3) % 8} on indicators I0, I1, I2; the scores (1-4) follow in
# that order (employee, then rater, then indicator). They were drawn once from the
# rating-scale model with numpy's default_rng(2026): measures N(0, 1), severities
# N(0, 0.6), difficulties (-0.4, 0.1, 0.3), thresholds (-1.2, 0, 1.2).
# ---------------------------------------------------------------------------------------
JMLE_SCORES = (
    "21122221143232441221111221141234321333344244332312222221143232323123233422223322"
    "33332333224322422212323231222322133141121114413123334423313213223232222214442344"
    "23331213312111111312113221232334421231113224332443422432314424432423444334433312"
    "21333332333211111121132331131122132222343434444444442332233434231322222122323142"
    "2132413212122121121232222434432332232424"
)
CML_SCORES = (
    "12121133412213212111131122234431144221123343233322124231132211122344221211131143"
    "31232421212314324443311113212224433224332112322122221111223312211321113223214232"
    "12233442333211111111211233122434242323231321211212213212332221443222224331212432"
    "13234232332312231131143323232212122311132443243432222143423144423121114133143433"
    "23211214212113322412423313442124424342432212214422112222113223223323443434433223"
    "33223422323242444433232311221212444424444443344434434443444444311422111423123434"
    "34444332141122143332122111221143223133222233342443333211213111131323333322122211"
    "11231112112211211211113334324432312323223324432212333111221423422323211222311311"
    "12313121424334444111121211322443442443212432121233131223221221423334311222222232"
    "44433244312131311122124343344321132221234332233211111312122111221221142213111112"
    "24113432114244434441221112111113121112322112313222221323424443342321223313212321"
    "12211332323211111121111113111232212422322423122232321213433321444212221232233334"
    "23343333133221234343134233221231312112111111111132232223321131111124233142344421"
    "23341113222214234233232334442333123324314332234331122212112322213424342214222214"
    "43434444444324234322212443434432421222323111111111111111111232111221323324343121"
    "21211133123122134234434443331233332242332212112232322211111122143232422322112121"
    "32321113232114222111123313133322423434424233422224131212442113322114332123312112"
    "11221221312221322111111211313343341331111211111334121121111211222312312341443343"
)


def _oracle_data(scores: str) -> pd.DataFrame:
    n_emp = len(scores) // 9
    rows = [(f"E{n:02d}", f"R{j}", f"I{i}") for n in range(n_emp)
            for j in (n % 8, (n + 1) % 8, (n + 3) % 8) for i in range(3)]
    df = pd.DataFrame(rows, columns=["employee_id", "rater_id", "indicator"])
    return df.assign(score=[float(c) for c in scores])


def test_jmle_matches_vgam_exactly():
    # R 4.2.2, VGAM 1.1-7 (Debian), the joint MLE as an adjacent-category logit model:
    #   fit <- vglm(ordered(score) ~ employee_id + rater_id + indicator,
    #               family = acat(parallel = TRUE, reverse = FALSE), data = d,
    #               control = vglm.control(epsilon = 1e-12))
    # severity = -(rater coefficients incl. R0 = 0), centred; difficulty likewise;
    # thresholds = -(intercepts), centred; employee measures put on the same origin.
    fit = rasch_facets(_oracle_data(JMLE_SCORES), bias_correction=False, tol=1e-10)
    assert fit.bias_factor == 1.0 and fit.n_used == 360
    sev = fit.to_frame().set_index("rater_id")["severity"]
    r_sev = [-0.016654, -0.580931, -0.757362, 0.485157, 0.091488, 0.206731, 1.144829, -0.573257]
    np.testing.assert_allclose(sev.loc[[f"R{j}" for j in range(8)]], r_sev, atol=2e-6)
    dif = fit.indicators.set_index("indicator")["difficulty"]
    np.testing.assert_allclose(dif.loc[["I0", "I1", "I2"]], [-0.483469, 0.313023, 0.170446], atol=2e-6)
    thr = fit.categories["threshold"].dropna()
    np.testing.assert_allclose(thr, [-1.442542, 0.151541, 1.291001], atol=2e-6)
    emp = fit.employees.set_index("employee_id")["measure"]
    r_emp = [-1.784766, 0.064262, -2.488083, 0.700325, 1.375667, -0.168755, -0.279282, -0.321228]
    np.testing.assert_allclose(emp.loc[[f"E{n:02d}" for n in range(8)]], r_emp, atol=2e-6)
    assert fit.log_likelihood == pytest.approx(-373.472137, abs=1e-5)


def test_bias_corrected_jmle_agrees_with_conditional_ml_of_erm():
    # R 4.2.2, eRm 1.0-2 (Debian): conditional ML of the same model as a linear partial
    # credit model, one virtual item per (rater, indicator), W coding -h for the rater
    # and indicator and -1 for every threshold up to h (R0, I0 and tau_1 fixed at 0),
    # LPCM(X, W, sum0 = FALSE); estimates centred. Conditional ML has no incidental-
    # parameter bias, so it is the reference for the Wright-Douglas correction.
    d = _oracle_data(CML_SCORES)
    corrected = rasch_facets(d)
    raw = rasch_facets(d, bias_correction=False)
    cml_sev = [-0.167892, 1.188310, -0.062731, -1.203575, 1.390822, -1.185305, 0.154112, -0.113740]
    names = [f"R{j}" for j in range(8)]
    sev = corrected.to_frame().set_index("rater_id").loc[names, "severity"]
    sev_raw = raw.to_frame().set_index("rater_id").loc[names, "severity"]
    assert np.abs(sev - cml_sev).max() < 0.01
    assert np.abs(sev_raw - cml_sev).max() > 0.1   # the uncorrected JMLE is stretched
    dif = corrected.indicators.set_index("indicator").loc[["I0", "I1", "I2"], "difficulty"]
    assert np.abs(dif - [-0.412057, -0.045528, 0.457584]).max() < 0.005
    thr = corrected.categories["threshold"].dropna().to_numpy()
    assert np.abs(thr - [-1.286610, 0.060140, 1.226471]).max() < 0.07
    # the employees with extreme scores leave the estimation, as they do in CML
    assert (corrected.employees["extreme"] != "").sum() == 3


@cache
def _crossed(kinds: tuple[tuple[str, int], ...] = (), seed: int = 7):
    sim = simulate_rasch(600, "crossed", n_raters=60, raters_per_employee=3,
                         kinds=dict(kinds), seed=seed)
    return sim, rasch_facets(sim.ratings)


@cache
def _ekinerja():
    sim = simulate_rasch(900, "ekinerja", seed=1)
    return sim, rasch_facets(sim.ratings)


def _rater_truth(sim, fit):
    m = fit.to_frame().merge(sim.raters, on="rater_id", suffixes=("", "_true"))
    ok = m["estimable"]
    return m, ok, m["severity_true"] - m.loc[ok, "severity_true"].mean()


def test_agrees_with_raschpy():
    import raschpy
    sim = simulate_rasch(300, "crossed", n_raters=30, raters_per_employee=3, seed=4)
    ours = rasch_facets(sim.ratings)
    wide = sim.ratings.pivot_table(index=["rater_id", "employee_id"], columns="indicator",
                                   values="score") - 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = raschpy.MFRM(wide, max_score=4)
        peer.calibrate(model="global")
        peer.facet_fit_statistics_global()
    theirs = pd.Series(peer.raters_global)
    t = ours.to_frame().set_index("rater_id")
    assert np.corrcoef(t.loc[theirs.index, "severity"], theirs)[0, 1] > 0.998
    assert (t.loc[theirs.index, "severity"] - theirs).abs().max() < 0.06
    infit = pd.Series(peer.rater_infit_ms_global)
    assert np.corrcoef(t.loc[infit.index, "infit"], infit)[0, 1] > 0.99
    items = pd.Series(peer.items_global)
    dif = ours.indicators.set_index("indicator")["difficulty"]
    assert (dif.loc[items.index] - items).abs().max() < 0.02


def test_recovery_on_a_crossed_design():
    sim, fit = _crossed()
    m, ok, true = _rater_truth(sim, fit)
    assert ok.all() and fit.converged and fit.n_subsets == 1
    assert np.corrcoef(m["severity"], true)[0, 1] > 0.95
    assert 0.9 < np.polyfit(true, m["severity"], 1)[0] < 1.1
    cover = (np.abs(m["severity"] - true) <= 1.96 * m["se"]).mean()
    assert 0.88 <= cover <= 1.0
    assert np.abs(m["ci_high"] - m["ci_low"] - 2 * stats.norm.ppf(0.975) * m["se"]).max() < 1e-9
    e = fit.employees.merge(sim.employees, on="employee_id", suffixes=("", "_true"))
    inner = e["extreme"] == ""
    assert np.corrcoef(e.loc[inner, "measure"], e.loc[inner, "measure_true"])[0, 1] > 0.9
    assert (np.abs(e["measure"] - e["measure_true"]) <= 1.96 * e["se"])[inner].mean() >= 0.88
    dif = fit.indicators.merge(sim.indicators, on="indicator", suffixes=("", "_true"))
    assert (np.abs(dif["difficulty"] - dif["difficulty_true"]) <= 3 * dif["se"]).all()
    thr = fit.categories["threshold"].dropna().to_numpy()
    assert np.abs(thr - np.array([-2.0, -0.7, 0.7, 2.0])).max() < 0.15
    for table in (m, e[inner], fit.indicators):   # data that fit: mean squares near 1
        assert 0.9 < table["infit"].median() < 1.1
        assert 0.9 < table["outfit"].median() < 1.1
    assert (m["infit_z"].abs() > 2).mean() <= 0.1


def test_recovery_on_the_ekinerja_design():
    # each atasan rates about four employees, one peer per employee adds the links
    sim, fit = _ekinerja()
    m, ok, true = _rater_truth(sim, fit)
    assert ok.all() and fit.n_subsets == 1
    assert set(sim.raters["role"]) == {"atasan", "rekan"}
    assert sim.raters.loc[sim.raters["role"] == "atasan", "n_ratees"].between(3, 5).all()
    assert np.corrcoef(m["severity"], true)[0, 1] > 0.6
    assert 0.85 < np.polyfit(true, m["severity"], 1)[0] < 1.15
    assert (np.abs(m["severity"] - true) <= 1.96 * m["se"]).mean() >= 0.9
    e = fit.employees.merge(sim.employees, on="employee_id", suffixes=("", "_true"))
    inner = e["extreme"] == ""
    assert np.corrcoef(e.loc[inner, "measure"], e.loc[inner, "measure_true"])[0, 1] > 0.8
    assert (np.abs(e["measure"] - e["measure_true"]) <= 1.96 * e["se"])[inner].mean() >= 0.9
    assert 0.9 < m["infit"].median() < 1.1 and 0.9 < m["outfit"].median() < 1.1


def test_uncorrected_jmle_is_stretched_and_the_correction_removes_it():
    sim, fit = _ekinerja()
    raw = rasch_facets(sim.ratings, bias_correction=False)
    m, _, true = _rater_truth(sim, raw)
    slope_raw = np.polyfit(true, m["severity"], 1)[0]
    assert slope_raw > 1.08                     # 14 ratings per employee: ~ 14/13 * 24/23
    assert fit.bias_factor == pytest.approx(slope_raw ** -1, abs=0.05)
    assert fit.bias_factor == pytest.approx(13 / 14 * (1 - 1 / 24) * (1 - 1 / 1800), abs=0.01)


def test_shrunk_severities_recover_better_and_make_fair_averages_better():
    sim, fixed = _ekinerja()
    shrunk = rasch_facets(sim.ratings, shrink=True)
    assert np.isnan(fixed.rater_sd)
    assert shrunk.rater_sd == pytest.approx(sim.raters["severity"].std(), abs=0.15)
    rmse = {}
    for name, fit in (("fixed", fixed), ("shrunk", shrunk)):
        m, ok, true = _rater_truth(sim, fit)
        rmse[name] = float(np.sqrt(((m["severity"] - true) ** 2).mean()))
        assert (np.abs(m["severity"] - true) <= 1.96 * m["se"]).mean() >= 0.9
    assert rmse["shrunk"] < 0.8 * rmse["fixed"]
    rank = {}
    for name, fit in (("fixed", fixed), ("shrunk", shrunk)):
        e = fit.employees.merge(sim.employees, on="employee_id", suffixes=("", "_true"))
        rank[name] = stats.spearmanr(e["fair_average"], e["measure_true"])[0]
        rank["observed"] = stats.spearmanr(e["observed_average"], e["measure_true"])[0]
    assert rank["shrunk"] > rank["observed"] + 0.01 and rank["shrunk"] > rank["fixed"] + 0.01
    assert shrunk.parameters["shrink"] and shrunk.to_frame()["estimable"].all()


def test_recovery_on_a_small_sparse_design():
    sim = simulate_rasch(80, "crossed", n_raters=10, raters_per_employee=2, n_indicators=3,
                         severity_sd=0.8, seed=3)
    fit = rasch_facets(sim.ratings)
    m, ok, true = _rater_truth(sim, fit)
    assert ok.all()
    assert np.corrcoef(m["severity"], true)[0, 1] > 0.85
    assert (np.abs(m["severity"] - true) <= 1.96 * m["se"]).mean() >= 0.8
    assert any("Few ratings per element" in n for n in fit.notes)


def test_three_level_scale_with_most_ratings_at_sesuai():
    # the e-Kinerja levels: Di Bawah (1), Sesuai (2), Di Atas Ekspektasi (3)
    sim = simulate_rasch(800, "ekinerja", peers_per_employee=2, thresholds=(-2.0, 2.0), seed=2)
    assert (sim.ratings["score"] == 2).mean() > 0.6
    fit = rasch_facets(sim.ratings)
    m, ok, true = _rater_truth(sim, fit)
    assert ok.mean() > 0.97
    assert np.corrcoef(m.loc[ok, "severity"], true[ok])[0, 1] > 0.5
    assert (np.abs(m["severity"] - true) <= 1.96 * m["se"])[ok].mean() >= 0.9
    # a logit is worth few score points on this scale, many on the 1-5 scale
    per_logit = (m["leniency_points"] / -m["severity"])[ok & (m["severity"].abs() > 0.2)]
    _, five = _ekinerja()
    t5 = five.to_frame()
    per_logit5 = (t5["leniency_points"] / -t5["severity"])[t5["severity"].abs() > 0.2]
    assert per_logit.median() < 0.4 < per_logit5.median()


def test_partial_credit_recovers_the_thresholds_of_each_indicator():
    sim = simulate_rasch(800, "crossed", n_raters=60, raters_per_employee=3, n_indicators=4,
                         model="partial_credit", seed=5)
    fit = rasch_facets(sim.ratings, model="partial_credit")
    cats = fit.categories.dropna(subset=["threshold"])
    assert set(cats["indicator"]) == set(sim.indicators["indicator"])
    truth = sim.thresholds.sort_values(["indicator", "step"])["threshold"].to_numpy()
    est = cats.sort_values(["indicator", "category"])["threshold"].to_numpy()
    assert np.corrcoef(est, truth)[0, 1] > 0.97
    assert np.abs(est - truth).max() < 0.5
    m, _, true = _rater_truth(sim, fit)
    assert np.corrcoef(m["severity"], true)[0, 1] > 0.95


def test_fit_statistics_detect_halo_and_central_tendency_raters():
    sim, fit = _crossed((("halo", 4), ("central", 4), ("random", 4)))
    m = fit.to_frame().merge(sim.raters[["rater_id", "kind"]], on="rater_id")
    for kind in ("halo", "central"):     # too predictable: muted
        r = m[m["kind"] == kind]
        assert len(r) == 4
        assert (r["infit"] < 0.75).all() and (r["infit_z"] < -2).all()
        assert (r["outfit"] < 0.75).all() and (r["outfit_z"] < -2).all()
        assert (r["fit"] != "noisy").all()
    assert (m.loc[m["kind"] == "central", "fit"] == "muted").all()
    random = m[m["kind"] == "random"]    # erratic: noisy
    assert (random["infit"] > 1.4).all() and (random["fit"] == "noisy").all()
    normal = m[m["kind"] == "none"]
    assert 0.9 < normal["infit"].median() < 1.1
    assert (normal["fit"] != "").mean() <= 0.1


def _base(seed: int = 9) -> pd.DataFrame:
    return simulate_rasch(200, "crossed", n_raters=20, raters_per_employee=3, seed=seed).ratings


def _ratings(rater: str, employees: list[str], scores: list[list[int]]) -> pd.DataFrame:
    rows = [(e, rater, f"nilai_{i + 1}", float(s)) for e, row in zip(employees, scores, strict=True)
            for i, s in enumerate(row)]
    return pd.DataFrame(rows, columns=["employee_id", "rater_id", "indicator", "score"])


def _with_problem_raters() -> pd.DataFrame:
    base = _base()[["employee_id", "rater_id", "indicator", "score"]]
    mixed = [2, 3, 3, 4, 3, 2, 3]
    top = [5] * 7
    extra = [
        _ratings("X_SINGLE", ["E000000"], [mixed]),
        _ratings("X_EXTREME", ["E000001", "E000002", "E000003"], [top] * 3),
        _ratings("X_LONER", ["N1", "N2"], [mixed, [3, 4, 4, 3, 4, 3, 4]]),
        # S1 gets only 5s from two raters and 4s and 5s from X_SEP, who gives E000004
        # only 1s: X_SEP's severity and S1's measure run off to infinity together
        _ratings("R00000", ["S1"], [top]), _ratings("R00001", ["S1"], [top]),
        _ratings("X_SEP", ["S1", "E000004"], [[4, 5, 4, 5, 4, 4, 5], [1] * 7]),
    ]
    return pd.concat([base, *extra], ignore_index=True)


def test_non_estimable_raters_get_a_reason_never_a_number():
    df = _with_problem_raters()
    fit = rasch_facets(df)
    t = fit.to_frame().set_index("rater_id")
    reasons = {"X_SINGLE": "single ratee", "X_EXTREME": "extreme scores only",
               "X_LONER": "unlinked", "X_SEP": "no finite estimate"}
    for rid, reason in reasons.items():
        row = t.loc[rid]
        assert row["reason"] == reason and not row["estimable"]
        for col in ("severity", "se", "ci_low", "leniency_points", "infit", "outfit", "z"):
            assert np.isnan(row[col])
        assert not row["flag"] and row["subset"] == -1
    assert t.drop(list(reasons))["estimable"].all()
    assert any("4 rater(s) not estimable" in n for n in fit.notes)
    # the problem raters' ratings leave the estimation: the others are as without them
    alone = rasch_facets(_base()).to_frame().set_index("rater_id")
    np.testing.assert_allclose(t.loc[alone.index, "severity"], alone["severity"], atol=1e-6)
    emp = fit.employees.set_index("employee_id")
    assert emp.loc["S1", "extreme"] == "maximum" and emp.loc["S1", "rater_adjusted"]
    assert np.isfinite(emp.loc[["N1", "N2"], "measure"]).all()
    assert not emp.loc[["N1", "N2"], "rater_adjusted"].any()


def test_separation_by_the_graph_and_by_the_linear_programme_agree():
    df = _with_problem_raters()
    df = df[~df["rater_id"].isin(["X_SINGLE", "X_EXTREME", "X_LONER"])]
    e, _ = pd.factorize(df["employee_id"])
    r, r_lab = pd.factorize(df["rater_id"])
    i, _ = pd.factorize(df["indicator"])
    value = df["score"].to_numpy(float)
    code, _, n_cat = rp.recode(value, np.zeros(i.size, dtype=int), np.ones(i.size, bool), 1)
    args = (e, r, i, code, np.full(i.size, n_cat[0] - 1), e.max() + 1, r.max() + 1, i.max() + 1)
    graph = rp.separated(*args)
    lp = rp._separated_lp(*args)
    assert list(r_lab[graph]) == ["X_SEP"]
    np.testing.assert_array_equal(graph, lp)


def test_disconnected_subsets_are_detected_and_reported():
    a = _base(9)
    b = _base(10).assign(employee_id=lambda d: "F" + d["employee_id"],
                         rater_id=lambda d: "Q" + d["rater_id"])
    fit = rasch_facets(pd.concat([a, b], ignore_index=True))
    assert fit.n_subsets == 2
    subsets = fit.subsets
    assert subsets["n_raters"].tolist() == [20, 20]
    assert subsets["n_employees"].sum() == 400
    t = fit.to_frame()
    assert set(t["subset"]) == {0, 1}
    assert (t["subset"] == t["rater_id"].str.startswith("Q").astype(int)).all() or \
        (t["subset"] == 1 - t["rater_id"].str.startswith("Q").astype(int)).all()
    assert t.groupby("subset")["severity"].mean().abs().max() < 1e-9
    assert any("2 disconnected subsets" in n for n in fit.notes)
    emp = fit.employees
    assert (emp["subset"] >= 0).all()


def test_guttman_ordered_data_raise_a_clear_error():
    sim = simulate_rasch(1200, "ekinerja", peers_per_employee=2, thresholds=(-2.0, 2.0),
                         n_indicators=1, severity_sd=1.0, seed=1)
    with pytest.raises(DataContractError, match="Guttman"):
        rasch_facets(sim.ratings)


def test_dichotomous_data_with_untied_indicators_fit():
    sim = simulate_rasch(60, "crossed", n_raters=12, raters_per_employee=2, n_indicators=3,
                         thresholds=(0.0,), severity_sd=1.0, seed=1)
    fit = rasch_facets(sim.ratings)
    t = fit.to_frame()
    assert fit.converged and t["estimable"].all()
    assert t["severity"].abs().max() < 5


def test_extreme_employees_are_measured_beyond_the_others():
    df = _base()
    top = _ratings("R00003", ["TOP"], [[5] * 7])
    also = _ratings("R00004", ["TOP"], [[5] * 7])
    fit = rasch_facets(pd.concat([df, top, also], ignore_index=True))
    emp = fit.employees.set_index("employee_id")
    assert emp.loc["TOP", "extreme"] == "maximum"
    inner = emp[emp["extreme"] == ""]
    assert emp.loc["TOP", "measure"] > inner["measure"].max()
    assert inner["fair_average"].max() < emp.loc["TOP", "fair_average"] < 5
    assert np.isfinite(emp.loc["TOP", "se"]) and np.isnan(emp.loc["TOP", "infit"])


def test_fair_averages_take_out_rater_severity():
    sim = simulate_rasch(600, "crossed", n_raters=60, raters_per_employee=2,
                         severity_sd=1.0, seed=12)
    fit = rasch_facets(sim.ratings)
    e = fit.employees.merge(sim.employees, on="employee_id", suffixes=("", "_true"))
    assert e["fair_average"].between(1, 5).all()
    r_fair = stats.spearmanr(e["fair_average"], e["measure_true"])[0]
    r_obs = stats.spearmanr(e["observed_average"], e["measure_true"])[0]
    assert r_fair > r_obs + 0.02
    # the fair average is the expected score for an average rater: monotone in the measure
    assert stats.spearmanr(e["fair_average"], e["measure"])[0] > 0.9999


def test_adjust_mirrors_the_additive_adjust():
    sim, fit = _crossed()
    df = sim.ratings
    adj = fit.adjust(df)
    assert list(adj.columns) == [*df.columns, "adjusted_score"] and len(adj) == len(df)
    add = rater_effects(df).adjust(df)
    assert list(add.columns) == list(adj.columns)
    shift = (adj["adjusted_score"] - adj["score"]).groupby(adj["rater_id"]).mean()
    t = fit.to_frame().set_index("rater_id")
    assert stats.spearmanr(shift.loc[t.index], t["severity"])[0] > 0.95
    lenient = t.index[t["severity"] < -0.5]
    assert (shift.loc[lenient] < 0).all()
    # a rater not in the fit keeps the scores
    other = df.head(7).assign(rater_id="NOT_FITTED")
    assert (fit.adjust(other)["adjusted_score"] == other["score"]).all()
    e = adj.groupby("employee_id")[["score", "adjusted_score"]].mean().join(
        sim.employees.set_index("employee_id")["measure"])
    assert stats.spearmanr(e["adjusted_score"], e["measure"])[0] > \
        stats.spearmanr(e["score"], e["measure"])[0]


def test_leniency_points_have_the_opposite_sign_of_severity():
    _, fit = _crossed()
    t = fit.to_frame()
    big = t["severity"].abs() > 0.05
    assert (np.sign(t.loc[big, "leniency_points"]) == -np.sign(t.loc[big, "severity"])).all()
    base = (t["fair_average"] - t["leniency_points"]).to_numpy()
    assert np.ptp(base) < 1e-9


def test_tables_have_the_documented_columns():
    _, fit = _crossed()
    assert list(fit.to_frame().columns) == RATER_COLUMNS
    assert list(fit.employees.columns) == EMPLOYEE_COLUMNS
    assert list(fit.indicators.columns) == INDICATOR_COLUMNS
    assert list(fit.categories.columns) == CATEGORY_COLUMNS
    assert list(fit.facets.columns) == FACET_COLUMNS
    assert list(fit.facets["facet"]) == ["employee", "rater", "indicator"]
    assert len(fit.to_frame()) == fit.n_raters == 60
    assert len(fit.employees) == fit.n_employees and len(fit.indicators) == 7
    for table in (fit.to_frame(), fit.employees, fit.indicators, fit.categories):
        assert not any(table[c].map(lambda v: isinstance(v, (list, np.ndarray))).any()
                       for c in table.columns)
    copy = fit.to_frame()
    copy.loc[0, "severity"] = 99.0                  # a copy: the result does not change
    assert fit.to_frame().loc[0, "severity"] != 99.0
    assert "RaschFacets(model='rating_scale'" in repr(fit)
    assert "Rater severity" in fit._repr_html_()
    assert fit.provenance.parameters["model"] == "rating_scale"


def test_separation_reliability_and_fixed_chi_square_follow_their_formulas():
    _, fit = _crossed()
    t = fit.to_frame()
    row = fit.facets.set_index("facet").loc["rater"]
    sd = t["severity"].std(ddof=0)
    rmse = np.sqrt((t["se"] ** 2).mean())
    adj = np.sqrt(sd ** 2 - rmse ** 2)
    assert row["separation"] == pytest.approx(adj / rmse)
    assert row["strata"] == pytest.approx((4 * adj / rmse + 1) / 3)
    assert row["reliability"] == pytest.approx(adj ** 2 / sd ** 2)
    w = 1 / t["se"] ** 2
    chi2 = (w * t["severity"] ** 2).sum() - (w * t["severity"]).sum() ** 2 / w.sum()
    assert row["chi2"] == pytest.approx(chi2) and row["df"] == 59
    assert row["reliability"] > 0.7 and row["pval"] < 1e-6


def test_the_category_table_flags_disordered_thresholds():
    sim = simulate_rasch(600, "crossed", n_raters=60, raters_per_employee=3,
                         thresholds=(-1.0, 0.8, 0.2, 1.5), seed=8)
    fit = rasch_facets(sim.ratings)
    cats = fit.categories
    assert cats.loc[cats["category"] == 4.0, "disordered_threshold"].item()
    assert cats["disordered_threshold"].sum() == 1
    assert any("Disordered categories" in n for n in fit.notes)
    _, ordered = _crossed()
    c = ordered.categories
    assert not c["disordered_threshold"].any() and not c["disordered_measure"].any()
    assert c["count"].sum() == ordered.n_used and c["percent"].sum() == pytest.approx(100)
    assert c["average_measure"].is_monotonic_increasing


def test_row_order_and_a_shift_of_the_scores_change_no_measure():
    sim, fit = _crossed()
    df = sim.ratings.sample(frac=1.0, random_state=3)
    shuffled = rasch_facets(df).to_frame().set_index("rater_id")
    t = fit.to_frame().set_index("rater_id")
    np.testing.assert_allclose(shuffled.loc[t.index, "severity"], t["severity"], atol=1e-7)
    shifted = rasch_facets(sim.ratings.assign(score=sim.ratings["score"] + 10))
    s = shifted.to_frame().set_index("rater_id")
    np.testing.assert_allclose(s.loc[t.index, "severity"], t["severity"], atol=1e-7)
    np.testing.assert_allclose(s.loc[t.index, "fair_average"], t["fair_average"] + 10, atol=1e-7)


def test_dask_input_gives_the_same_fit():
    import dask.dataframe as dd
    sim, fit = _crossed()
    lazy = rasch_facets(dd.from_pandas(sim.ratings, npartitions=3)).to_frame()
    np.testing.assert_allclose(lazy["severity"], fit.to_frame()["severity"], atol=1e-7)


def test_missing_scores_are_left_out_and_counted():
    df = _base().copy()
    df.loc[:4, "score"] = np.nan
    fit = rasch_facets(df)
    assert fit.n_ratings == len(df) - 5
    assert fit.notes[0].startswith("5 row(s) without a score")


def test_errors_say_what_and_how_to_fix(kota):
    df = _base()
    with pytest.raises(DataContractError, match="column"):
        rasch_facets(df, rater="penilai")
    with pytest.raises(ParameterError, match="model"):
        rasch_facets(df, model="partial")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="fit_limits"):
        rasch_facets(df, fit_limits=(1.2, 1.5))
    with pytest.raises(ParameterError, match="alpha"):
        rasch_facets(df, alpha=5)
    iki = kota.ratings[kota.ratings["indicator"] == "iki_kualitas"]
    with pytest.raises(DataContractError, match="ordinal rating scale"):
        rasch_facets(iki)
    with pytest.raises(DataContractError, match="single category"):
        rasch_facets(df.assign(score=3.0))
    with pytest.raises(DataContractError, match="numbers"):
        rasch_facets(df.assign(score="baik"))
    with pytest.raises(DataContractError, match="have no 'employee_id', 'rater_id'"):
        rasch_facets(df.assign(rater_id=lambda d: d["rater_id"].where(d.index > 0)))
    one_each = df.drop_duplicates("employee_id").assign(rater_id=lambda d: "X" + d["employee_id"])
    with pytest.raises(DataContractError, match="no rater can be estimated"):
        rasch_facets(one_each)


@pytest.fixture(scope="module")
def sample_values(kota):
    r = kota.with_roster(["unit"])
    return r[(r["period"] == "2025") & r["indicator"].isin(wb.data.synth.BERAKHLAK)
             & (r["rater_role"] != "diri")]


@pytest.fixture(scope="module")
def sample_fit(sample_values):
    return rasch_facets(sample_values)


def test_on_the_sample_rasch_and_additive_leniency_agree(sample_values, sample_fit):
    t = sample_fit.to_frame()
    add = rater_effects(sample_values).to_frame()
    m = t.merge(add, on="rater_id", suffixes=("", "_add"))
    ok = m["estimable"] & m["leniency_raw"].notna()
    assert np.corrcoef(m.loc[ok, "leniency_points"], m.loc[ok, "leniency_raw"])[0, 1] > 0.95
    truth = wb.data.read_truth("kota_contoh").raters
    k = t.merge(truth, on="rater_id", suffixes=("", "_true")).groupby("kind")["severity"].median()
    assert k["lenient"] < -1 < 1 < k["severe"]
    assert sample_fit.converged and sample_fit.n_subsets == 1
    assert (~t["estimable"]).sum() < 0.05 * len(t)


def test_feedback_page_can_use_the_rasch_model(sample_values, sample_fit):
    t = sample_fit.to_frame()
    rid = t.loc[t["flag"], "rater_id"].iloc[0]
    fb = rater_feedback(sample_values, rid, model="rasch", rasch=sample_fit, lang="en")
    metrics = fb.to_frame().set_index("metric")
    assert list(metrics.index) == ["leniency", "spread_ratio", "halo_index", "infit", "outfit"]
    row = t.set_index("rater_id").loc[rid]
    assert metrics.loc["leniency", "value"] == pytest.approx(row["leniency_points"])
    assert metrics.loc["infit", "value"] == pytest.approx(row["infit"])
    assert metrics.loc["leniency", "flag"]
    assert "Rasch model" in fb.text
    bad = t.loc[~t["estimable"]].iloc[0]
    fb_id = rater_feedback(sample_values, bad["rater_id"], model="rasch", rasch=sample_fit)
    assert "tidak dapat diperkirakan" in fb_id.text
    assert np.isnan(fb_id.to_frame().set_index("metric").loc["leniency", "value"])
    default = rater_feedback(sample_values, rid)
    assert list(default.to_frame()["metric"]) == ["leniency", "spread_ratio", "halo_index"]
    with pytest.raises(ParameterError, match="model"):
        rater_feedback(sample_values, rid, model="irt")  # type: ignore[arg-type]


def test_feedback_never_says_fits_when_infit_is_far_from_one():
    """A rater with infit outside the fit limits but too few ratings for a flag is told the
    evidence is thin, not that the ratings fit (found on the sample: infit 0.50, 'fits')."""
    import workbench as wb
    from workbench import objectivity as obj

    ds = wb.read_sample("kota_contoh")
    r = ds.with_roster(["unit"])
    values = r[(r["period"] == "2025") & r["indicator"].isin(wb.data.synth.BERAKHLAK)
               & (r["rater_role"] != "diri")]
    ras = obj.rasch_facets(values)
    frame = ras.to_frame()
    lo, hi = ras.parameters["fit_limits"]
    far = frame[frame["estimable"] & (frame["fit"] == "") & ~frame["infit"].between(lo, hi)]
    assert len(far)
    text = obj.rater_feedback(values, far["rater_id"].iloc[0], model="rasch", rasch=ras).text
    assert "sesuai dengan model Rasch" not in text and "terlalu sedikit" in text
