"""The distance to a predikat's region: consistent with the scorer, hand-checked in two
dimensions and on bands with a condition, ties broken by a keyed hash."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.calibration.distance import (
    boundary_distance,
    dimension_units,
    periodic_points,
    rank_candidates,
    sub_periods,
    tie_keys,
)
from workbench.errors import ParameterError


@pytest.mark.parametrize("rubric_id, period", [("permenpanrb-6-2022", "2025"), ("permenpanrb-6-2022-rinci", "2025"),
                                               ("pp-30-2019", None)])
def test_distance_is_zero_exactly_for_the_predikat_the_scorer_gives(kota, rubric_id, period):
    rubric = wb.load_rubric(rubric_id)
    ratings = kota.ratings
    if rubric_id == "pp-30-2019":  # a bands rubric: build its indicators from the sample's 1-5 and IKI scores
        r = ratings[ratings["period"] == "2025"]
        skp = r[r["indicator"] == "iki_kualitas"].assign(indicator="skp")
        skp = skp.assign(score=skp["score"].clip(upper=120))
        beh = r[(r["indicator"] == "kolaboratif") & (r["rater_role"] == "atasan")]
        parts = [skp]
        for ind in ("orientasi_pelayanan", "komitmen", "inisiatif_kerja", "kerja_sama", "kepemimpinan"):
            parts.append(beh.assign(indicator=ind, score=beh["score"] * 24))
        inov = skp.assign(indicator="inovasi", score=(skp["score"] > 110).astype(float))
        ratings = pd.concat([*parts, inov], ignore_index=True)
    scores = wb.score(ratings, rubric, roster=kota.roster, period=period)
    frame = scores.to_frame()
    own = scores.predikat_ids()
    ok = own.notna().to_numpy()
    d = boundary_distance(frame[ok], rubric, own[ok].to_numpy())
    assert (d == 0).all()
    for p in rubric.predikat:
        other = own[ok] != p.id
        dist = boundary_distance(frame[ok], rubric, np.full(int(ok.sum()), p.id, dtype=object))
        assert (dist[~other.to_numpy()] == 0).all()
        # elsewhere strictly positive, except scores sitting exactly on a threshold
        assert (dist[other.to_numpy()] >= 0).all()
        assert (dist[other.to_numpy()] > 0).mean() > 0.9


def test_hand_checked_distances_in_the_matrix():
    rubric = wb.load_rubric("permenpanrb-6-2022-rinci")
    assert dimension_units(rubric) == {"hasil_kerja": 25.0, "perilaku_kerja": 1.75}
    f = pd.DataFrame({"hasil_kerja": [100.0, 100.0, 80.0, 120.0],
                      "perilaku_kerja": [3.0, 3.0, 1.5, 3.0]})
    d = boundary_distance(f, rubric, ["butuh_perbaikan", "sangat_baik", "sangat_kurang", "kurang_misconduct"])
    # Baik -> BP: hasil below 85: 15/25; Baik -> SB: hasil >= 110 (10/25) and perilaku >= 3.75 (0.75/1.75)
    assert d[0] == pytest.approx(15 / 25)
    assert d[1] == pytest.approx(np.hypot(10 / 25, 0.75 / 1.75))
    assert d[2] == 0.0  # already both Di Bawah
    assert d[3] == pytest.approx(1.0 / 1.75)  # perilaku below 2.0
    # a missing score or an unreachable predikat is infinitely far
    f2 = pd.DataFrame({"hasil_kerja": [np.nan], "perilaku_kerja": [3.0]})
    assert np.isinf(boundary_distance(f2, rubric, ["baik"])[0])
    with pytest.raises(ParameterError, match="unknown predikat ids"):
        boundary_distance(f, rubric, ["baik", "baik", "baik", "luar biasa"])
    with pytest.raises(ParameterError, match="one predikat id per row"):
        boundary_distance(f, rubric, ["baik"])


def test_bands_with_a_condition():
    rubric = wb.load_rubric("pp-30-2019")
    f = pd.DataFrame({"composite": [100.0, 112.0, 112.0, 60.0, 112.0],
                      "inovasi": [True, False, True, False, True]})
    d = boundary_distance(f, rubric, ["sangat_baik", "sangat_baik", "baik", "baik", "sangat_baik"])
    unit = dimension_units(rubric)["composite"]
    assert d[0] == pytest.approx(10 / unit)   # needs 110 with innovation
    assert np.isinf(d[1])                    # no innovation: Sangat Baik cannot be reached by score
    assert d[2] == pytest.approx(2 / unit)    # with innovation, Baik means below 110
    assert d[3] == pytest.approx(30 / unit)
    assert d[4] == 0.0


@settings(max_examples=30, deadline=None)
@given(st.permutations(range(8)))
def test_permuting_rows_permutes_distances(order):
    rubric = wb.load_rubric("permenpanrb-6-2022")
    rng = np.random.default_rng(0)
    f = pd.DataFrame({"hasil_kerja": rng.uniform(1, 3, 8), "perilaku_kerja": rng.uniform(1, 3, 8)})
    target = np.array(["butuh_perbaikan", "sangat_baik"] * 4, dtype=object)
    d = boundary_distance(f, rubric, target)
    idx = list(order)
    assert np.allclose(boundary_distance(f.iloc[idx].reset_index(drop=True), rubric, target[idx]), d[idx])


def test_ties_by_quarters_then_a_keyed_hash_not_by_nip():
    rubric = wb.load_rubric("permenpanrb-6-2022")
    ids = [f"19{70 + k}01012000011001" for k in range(6)]  # NIP order = birth order
    f = pd.DataFrame({"period": "2025", "employee_id": ids, "hasil_kerja": 2.0, "perilaku_kerja": 2.0})
    sub = pd.DataFrame({"employee_id": ids[:2], "hasil_kerja": [1.75, 2.25], "perilaku_kerja": [2.0, 2.0]})
    r = rank_candidates(f, rubric, ["butuh_perbaikan"] * 6, periodic=periodic_points(f, sub, rubric))
    assert (r["distance"] == 0.5).all()
    assert r["distance_periodic"].tolist()[:2] == [0.25, 0.75] and r["distance_periodic"].isna().sum() == 4
    order = r.sort_values("order")
    assert order["order"].tolist() == list(range(6))
    assert f.loc[order.index[:2], "employee_id"].tolist() == [ids[0], ids[1]]
    rest = f.loc[order.index[2:], "employee_id"].tolist()
    assert rest == sorted(ids[2:], key=lambda e: tie_keys("2025", [e])[0])
    assert tie_keys("2025", ids).tolist() == tie_keys("2025", ids).tolist()  # the same on every call
    assert sub_periods("2025", ["2025-Q2", "2025", "2025-Q1", "2026-Q1", "2025-03"]) == ["2025-03", "2025-Q1", "2025-Q2"]


def test_tie_keys_are_the_hash_of_period_and_id_on_every_call():
    import hashlib

    def direct(period, ids):
        p = np.broadcast_to(np.asarray(period, dtype=object), np.shape(ids))
        return [hashlib.sha256(f"{a}\x1f{b}".encode()).hexdigest()[:16] for a, b in zip(p, ids, strict=True)]

    cases = [("2025", ["198001012005011001", "199901012020012001"]),
             (["2025", "2025-Q1", "2025"], ["a", "b", "a"]),
             ("2025", [1, 2.0, "1", None, np.nan]),  # not text: hashed as written, never mixed up with text
             ([2025, 2025.0], ["a", "a"]),
             ("2025", np.array([np.str_("a"), "a"], dtype=object)),
             ("2025", [])]
    for period, ids in cases:
        for _ in range(2):  # the second call reads the memo
            assert tie_keys(period, ids).tolist() == direct(period, ids)
