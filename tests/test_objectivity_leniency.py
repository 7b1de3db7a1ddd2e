"""Organisation leniency and the PermenPANRB 6/2022 matrix helper."""

from __future__ import annotations

import pandas as pd
import pytest

import workbench as wb
from workbench.errors import DataContractError, ParameterError
from workbench.objectivity import NATIONAL_BAIK_OR_BETTER, organisation_leniency
from workbench.objectivity.leniency import _ekinerja_predikat, _predikat_matrix


def test_matrix_all_nine_cells():
    h = [3, 3, 3, 2, 2, 2, 1, 1, 1]
    p = [1, 2, 3, 1, 2, 3, 1, 2, 3]
    assert _predikat_matrix(h, p).tolist() == [
        "Kurang/Misconduct", "Baik", "Sangat Baik",
        "Kurang/Misconduct", "Baik", "Baik",
        "Sangat Kurang", "Butuh Perbaikan", "Butuh Perbaikan"]
    with pytest.raises(DataContractError, match="1, 2 or 3"):
        _predikat_matrix([4], [1])


def test_counts_shares_and_curve():
    pred = pd.DataFrame({
        "unit": ["A"] * 10 + ["B"] * 10,
        "predikat": ["Baik"] * 6 + ["Sangat Baik"] * 2 + ["Butuh Perbaikan"] * 2
        + ["Baik"] * 10,
    })
    t = organisation_leniency(pred).to_frame().set_index("unit")
    assert t.loc["A", "share_baik_or_better"] == pytest.approx(0.8)
    assert t.loc["A", "n_Baik"] == 6 and t.loc["(all)", "n"] == 20
    assert bool(t.loc["A", "curve_ok"]) and not bool(t.loc["B", "curve_ok"])
    assert t.loc["B", "excess_national"] == pytest.approx(1 - NATIONAL_BAIK_OR_BETTER)
    assert t.loc["A", "ci_low"] < 0.8 < t.loc["A", "ci_high"]
    t2 = organisation_leniency(pred, org_rating={"A": "Kurang"}).to_frame().set_index("unit")
    assert pd.isna(t2.loc["A", "curve_ok"])
    with pytest.raises(ParameterError, match="org_rating"):
        organisation_leniency(pred, org_rating="Hebat")
    with pytest.raises(DataContractError, match="not predikat"):
        organisation_leniency(pred.assign(predikat="Bagus"))


def test_sample_is_lenient_like_the_nation():
    ds = wb.read_sample("kota_contoh")
    pred = _ekinerja_predikat(ds.ratings, ds.roster)
    t = organisation_leniency(pred[pred["period"] == "2025"]).to_frame()
    city = t[t["unit"] == "(all)"].iloc[0]
    assert 0.9 < city["share_baik_or_better"] < 0.99
    assert not city["curve_ok"]  # > 70 % Baik breaks the curve of a 'Baik' organisation


def test_public_matrix_is_the_presets_and_old_names_warn():
    from workbench.objectivity import predikat_matrix

    ds = wb.read_sample("kota_contoh")
    s = wb.score(ds, "permenpanrb-6-2022", period="2025").to_frame()
    got = predikat_matrix(s["hasil_kerja"].round(), s["perilaku_kerja"].round())
    assert (got == s["predikat"].astype(str).to_numpy()).all()
    with pytest.warns(DeprecationWarning, match="confidence"):
        old = organisation_leniency(s, level=0.9).to_frame()
    pd.testing.assert_frame_equal(old, organisation_leniency(s, confidence=0.9).to_frame())
    both = wb.score(ds, "permenpanrb-6-2022").to_frame()
    with pytest.raises(ParameterError, match="period"):
        organisation_leniency(both)
    one = organisation_leniency(both, period="2025").to_frame()
    pd.testing.assert_frame_equal(one, organisation_leniency(s).to_frame())
