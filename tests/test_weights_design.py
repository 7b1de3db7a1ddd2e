"""Reliability-aware rubric design: the D-study of a rubric's composite against known
variance components, Spearman-Brown, role weights, and dropping or merging indicators."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _planted import planted

import workbench as wb
from workbench.errors import ParameterError, RubricError
from workbench.reliability import spearman_brown
from workbench.weights.design import (
    drop_indicator,
    indicator_variants,
    merge_indicators,
    merge_ratings,
    rater_design,
)

RINCI = "permenpanrb-6-2022-rinci"
BERAKHLAK = list(wb.data.synth.BERAKHLAK)


def _known(n_emp=3000, n_raters=3, s_p=0.5, s_pi=0.1, s_rp=0.2, s_e=0.4, seed=5, atasan=False):
    """Ratings of the seven values with known variance components: (r:p) x i."""
    rng = np.random.default_rng(seed)
    k = len(BERAKHLAK)
    p = rng.normal(0, np.sqrt(s_p), n_emp)
    pi = rng.normal(0, np.sqrt(s_pi), (n_emp, k))
    rows = []
    for r in range(n_raters + (1 if atasan else 0)):
        role = "atasan" if atasan and r == n_raters else "rekan"
        rp = rng.normal(0, np.sqrt(s_rp), n_emp)
        y = 3 + p[:, None] + pi + rp[:, None] + rng.normal(0, np.sqrt(s_e), (n_emp, k))
        rows.append(pd.DataFrame({"period": "2025", "employee_id": np.repeat([f"E{i}" for i in range(n_emp)], k),
                                  "rater_id": np.repeat([f"{role}{r}-{i}" for i in range(n_emp)], k),
                                  "rater_role": role, "indicator": np.tile(BERAKHLAK, n_emp), "score": y.ravel()}))
    ratings = pd.concat(rows, ignore_index=True)
    roster = pd.DataFrame({"employee_id": [f"E{i}" for i in range(n_emp)], "period": "2025", "unit": "U"})
    return wb.Dataset.trusted(ratings, roster, name="known")


def test_d_study_of_the_composite_recovers_known_components():
    ds = _known()
    d = rater_design(ds, RINCI, "perilaku_kerja", roles=["rekan"])
    k = len(BERAKHLAK)
    tau, e1 = 0.5 + 0.1 / k, 0.2 + 0.4 / k  # indicators fixed, equal weights
    assert d.tau == pytest.approx(tau, abs=0.03) and d.rater_error == pytest.approx(e1, abs=0.02)
    for n in (1, 3, 8):
        assert d.reliability({"rekan": n}) == pytest.approx(tau / (tau + e1 / n), abs=0.01)
    assert d.n_observed == {"rekan": 3.0}
    # the number of raters for 0.9: the smallest n with tau / (tau + e1 / n) >= 0.9
    exact = int(np.ceil(0.9 / 0.1 * e1 / tau))
    assert abs(d.n_needed("rekan", 0.9) - exact) <= 1


def test_one_role_follows_spearman_brown():
    d = rater_design(_known(n_emp=600, seed=9), RINCI, "perilaku_kerja", roles=["rekan"])
    r1 = d.reliability({"rekan": 1})
    for n in range(1, 12):
        assert d.reliability({"rekan": n}) == pytest.approx(spearman_brown(r1, n), abs=1e-12)
    assert d.table("rekan")["reliability"].is_monotonic_increasing


def test_role_weights_cap_what_more_peers_can_do():
    ds = _known(n_emp=800, seed=2, atasan=True)
    rubric = wb.load_rubric(RINCI)  # perilaku: atasan 0.6, rekan 0.2 (diri, bawahan absent or left out)
    d = rater_design(ds, rubric, "perilaku_kerja")
    assert d.role_weights == pytest.approx({"atasan": 0.75, "rekan": 0.25})
    assert d.n_observed == {"atasan": 1.0, "rekan": 3.0}
    many = [d.reliability({"rekan": n}) for n in (1, 10, 1000)]
    assert many[0] < many[1] < many[2] < d.limit("rekan")
    assert d.limit("rekan") == pytest.approx(d.tau / (d.tau + d.rater_error * 0.75 ** 2), rel=1e-12)
    equal = rubric.with_weights("setara", dimension_raters={"perilaku_kerja": {"atasan": 0.5, "rekan": 0.5}})
    d2 = rater_design(ds, equal, "perilaku_kerja", weights="setara")
    assert d2.reliability() > d.reliability()  # averaging 4 raters evenly beats leaning on one
    assert "Self-ratings (diri) are left out" in " ".join(d.notes)


def test_indicator_weights_enter_through_their_sum_of_squares():
    ds = _known(n_emp=1500, seed=4)
    rubric = wb.load_rubric(RINCI)
    one = rubric.with_weights("satu", indicators={i: (1.0 if i == "kompeten" else 0.0) for i in BERAKHLAK})
    d_all = rater_design(ds, rubric, "perilaku_kerja", roles=["rekan"])
    d_one = rater_design(ds, one, "perilaku_kerja", weights="satu", roles=["rekan"])
    # all weight on one indicator: its person x indicator and its residual variance count in full
    assert d_one.tau == pytest.approx(0.5 + 0.1, abs=0.05) and d_one.rater_error == pytest.approx(0.2 + 0.4, abs=0.05)
    assert d_all.tau == pytest.approx(0.5 + 0.1 / 7, abs=0.05)
    assert d_all.rater_error == pytest.approx(0.2 + 0.4 / 7, abs=0.03)
    s_pi = d_all.g.to_frame().set_index("component").loc["employee_id x indicator", "variance"]
    assert d_one.tau - d_all.tau == pytest.approx((1 - 1 / 7) * s_pi, rel=1e-9)
    assert d_one.reliability() < d_all.reliability()


def test_drop_and_merge_give_valid_rubrics():
    rubric = wb.load_rubric(RINCI)
    dropped = drop_indicator(rubric, "harmonis")
    assert "harmonis" not in [i.id for i in dropped.indicators] and dropped.hash != rubric.hash
    for ws in dropped.weights.values():
        assert sum(ws.indicators[i] for i in dropped.dimension("perilaku_kerja").indicators) == pytest.approx(1)
    merged = merge_indicators(rubric, ["berorientasi_pelayanan", "akuntabel"], "pelayanan_akuntabel")
    assert merged.indicator("pelayanan_akuntabel").scale == rubric.indicator("akuntabel").scale
    assert len(merged.dimension("perilaku_kerja").indicators) == 6
    with pytest.raises(ParameterError, match="one dimension and one scale"):
        merge_indicators(rubric, ["iki_waktu", "loyal"])
    with pytest.raises(ParameterError, match="`indicator` must be one of"):
        drop_indicator(rubric, "integritas")
    with pytest.raises(RubricError, match="only indicator"):
        drop_indicator(wb.load_rubric("permenpanrb-6-2022"), "hasil_kerja")
    r = pd.DataFrame({"indicator": ["akuntabel", "loyal", "berorientasi_pelayanan"], "score": [1, 2, 3]})
    assert merge_ratings(r, ["berorientasi_pelayanan", "akuntabel"], "x")["indicator"].tolist() == ["x", "loyal", "x"]


def test_variants_on_planted_problems():
    p = planted(7)
    cmp = indicator_variants(p.dataset, RINCI, drop=["harmonis", "loyal"],
                             merge=[["berorientasi_pelayanan", "akuntabel"]])
    t = cmp.to_frame().set_index("variant")
    # dropping the hard-to-measure indicator makes the composite more reliable
    assert t.loc["tanpa harmonis", "reliability_change"] > 0.02
    # merging the redundant pair hardly moves anyone
    assert t.loc["gabung berorientasi_pelayanan + akuntabel", "share_changed"] < 0.05
    # the movers are exactly the employees whose predikat differs between the two rubrics
    base = wb.score(p.dataset, RINCI).to_frame().set_index("employee_id")["predikat"].astype(str)
    alt = wb.score(p.dataset, drop_indicator(wb.load_rubric(RINCI), "loyal")).to_frame()
    alt = alt.set_index("employee_id")["predikat"].astype(str)
    changed = set(base.index[base != alt.reindex(base.index)])
    assert set(cmp.movers("tanpa loyal")["employee_id"]) == changed
    assert t.loc["tanpa loyal", "n_changed"] == len(changed) > 0
    assert t.loc["rubrik", "n_changed"] == 0 and t.loc["rubrik", "reliability_change"] == 0


def test_no_multi_rater_dimension_is_refused(kota):
    with pytest.raises(ParameterError, match="two or more raters per employee"):
        rater_design(kota, "permenpanrb-6-2022", period="2025")
