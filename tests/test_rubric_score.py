"""Scoring: the nine matrix cells, band edges, conditions, pandas vs Dask, properties."""

from __future__ import annotations

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.errors import DataContractError, ParameterError
from workbench.rubric import load_rubric, score
from workbench.rubric._compute import IND_PREFIX, finish

MATRIX = {  # (hasil, perilaku) -> predikat, PermenPANRB 6/2022 (domain notes 1(a))
    (3, 1): "Kurang/Misconduct", (3, 2): "Baik", (3, 3): "Sangat Baik",
    (2, 1): "Kurang/Misconduct", (2, 2): "Baik", (2, 3): "Baik",
    (1, 1): "Sangat Kurang", (1, 2): "Butuh Perbaikan", (1, 3): "Butuh Perbaikan",
}


def _ratings(rows: list[tuple], period: str = "2025") -> pd.DataFrame:
    """rows: (employee_id, indicator, score[, rater_role])"""
    out = []
    for r in rows:
        role = r[3] if len(r) > 3 else "atasan"
        out.append({"period": period, "employee_id": r[0], "rater_id": f"R-{role}-{r[0]}",
                    "rater_role": role, "indicator": r[1], "score": r[2]})
    return pd.DataFrame(out)


def _roster(ids: list[str], **cols) -> pd.DataFrame:
    return pd.DataFrame({"employee_id": ids, "period": "2025", "unit": "Unit A", **cols})


def test_all_nine_matrix_cells():
    rows, ids = [], []
    for k, (h, p) in enumerate(MATRIX):
        ids.append(f"e{k}")
        rows += [(f"e{k}", "hasil_kerja", float(h)), (f"e{k}", "perilaku_kerja", float(p))]
    frame = score(_ratings(rows), "permenpanrb-6-2022", roster=_roster(ids)).to_frame().set_index("employee_id")
    for k, cell in enumerate(MATRIX):
        assert frame.loc[f"e{k}", "predikat"] == MATRIX[cell], cell
    assert frame.loc["e0", "explanation"] == "Perilaku Kerja Di Bawah Ekspektasi -> Kurang/Misconduct"
    assert frame.loc["e7", "explanation"] == "Hasil Kerja Di Bawah Ekspektasi -> Butuh Perbaikan"
    assert frame["unit"].eq("Unit A").all()


def test_labels_accepted_any_case_and_spacing():
    rows = [("a", "hasil_kerja", "Di Atas Ekspektasi"), ("a", "perilaku_kerja", "diatas  ekspektasi"),
            ("b", "hasil_kerja", "SESUAI EKSPEKTASI"), ("b", "perilaku_kerja", "Di Bawah Ekspektasi")]
    frame = score(_ratings(rows), "permenpanrb-6-2022").to_frame().set_index("employee_id")
    assert frame.loc["a", "predikat"] == "Sangat Baik"
    assert frame.loc["b", "predikat"] == "Kurang/Misconduct"


def test_english_labels():
    frame = score(_ratings([("a", "hasil_kerja", 1.0), ("a", "perilaku_kerja", 1.0)]),
                  "permenpanrb-6-2022", lang="en").to_frame()
    assert frame.loc[0, "predikat"] == "Very Poor"
    assert frame.loc[0, "explanation"] == ("Work results Below Expectations and Work behaviour Below "
                                           "Expectations -> Very Poor")


def test_out_of_scale_raises_with_rows():
    with pytest.raises(DataContractError, match=r"1 rows have scores outside.*'hasil_kerja'.*levels") as info:
        score(_ratings([("a", "hasil_kerja", 2.5), ("a", "perilaku_kerja", 2.0)]), "permenpanrb-6-2022")
    assert info.value.failure_cases["value"].tolist() == [2.5]


def _pp46(skp: float, perilaku: float, jabatan: str = "pelaksana") -> pd.Series:
    aspects = ["orientasi_pelayanan", "integritas", "komitmen", "disiplin", "kerja_sama"]
    rows = [("a", "skp", skp)] + [("a", a, perilaku) for a in aspects]
    frame = score(_ratings(rows), "pp-46-2011", roster=_roster(["a"], jabatan=[jabatan])).to_frame()
    return frame.iloc[0]


@pytest.mark.parametrize(("value", "predikat"), [
    (100, "Sangat Baik"), (91, "Sangat Baik"), (90.99, "Baik"), (76, "Baik"), (75.99, "Cukup"),
    (61, "Cukup"), (60.99, "Kurang"), (50.01, "Kurang"), (50, "Buruk"), (0, "Buruk")])
def test_pp46_band_edges(value, predikat):
    row = _pp46(value, value)
    assert row["composite"] == pytest.approx(value)
    assert row["predikat"] == predikat


def test_pp46_composite_60_40_and_kepemimpinan_only_structural():
    row = _pp46(90, 70)
    assert row["composite"] == pytest.approx(0.6 * 90 + 0.4 * 70)
    aspects = ["orientasi_pelayanan", "integritas", "komitmen", "disiplin", "kerja_sama"]
    rows = [(e, "skp", 80.0) for e in "ab"] + [(e, a, 70.0) for e in "ab" for a in aspects]
    rows += [(e, "kepemimpinan", 100.0) for e in "ab"]
    roster = _roster(["a", "b"], jabatan=["pengawas", "pelaksana"])
    frame = score(_ratings(rows), "pp-46-2011", roster=roster).to_frame().set_index("employee_id")
    assert frame.loc["a", "perilaku"] == pytest.approx((5 * 70 + 100) / 6)
    assert frame.loc["b", "perilaku"] == pytest.approx(70)
    # a structural post without a kepemimpinan score cannot be scored
    rows = [("c", "skp", 80.0)] + [("c", a, 70.0) for a in aspects]
    frame = score(_ratings(rows), "pp-46-2011", roster=_roster(["c"], jabatan=["JPT"])).to_frame()
    assert pd.isna(frame.loc[0, "predikat"])
    assert "kepemimpinan" in frame.loc[0, "explanation"]


def _pp30(value: float, inovasi: bool | None = None, weights: str = "baseline") -> pd.Series:
    aspects = ["orientasi_pelayanan", "komitmen", "inisiatif_kerja", "kerja_sama"]
    rows = [("a", "skp", value)] + [("a", a, value) for a in aspects]
    extra = {} if inovasi is None else {"inovasi": [inovasi]}
    roster = _roster(["a"], jabatan=["pelaksana"], **extra)
    return score(_ratings(rows), "pp-30-2019", weights, roster=roster).to_frame().iloc[0]


@pytest.mark.parametrize(("value", "inovasi", "predikat"), [
    (120, True, "Sangat Baik"), (110, True, "Sangat Baik"), (120, False, "Baik"), (110, False, "Baik"),
    (109.99, True, "Baik"), (90, True, "Baik"), (89.99, False, "Cukup"), (70, False, "Cukup"),
    (69.99, False, "Kurang"), (50, False, "Kurang"), (49.99, False, "Sangat Kurang"), (0, False, "Sangat Kurang")])
def test_pp30_band_edges_and_innovation(value, inovasi, predikat):
    row = _pp30(value, inovasi)
    assert row["composite"] == pytest.approx(value)
    assert row["predikat"] == predikat
    if value >= 110 and not inovasi:
        assert "tanpa inovasi" in row["explanation"]


def test_pp30_innovation_from_indicator_and_note_when_absent():
    aspects = ["orientasi_pelayanan", "komitmen", "inisiatif_kerja", "kerja_sama"]
    rows = [("a", "skp", 115.0), ("a", "inovasi", 1.0)] + [("a", a, 115.0) for a in aspects]
    s = score(_ratings(rows), "pp-30-2019", roster=_roster(["a"], jabatan=["pelaksana"]))
    assert s.to_frame().loc[0, "predikat"] == "Sangat Baik"
    s = score(_ratings(rows[:1] + rows[2:]), "pp-30-2019", roster=_roster(["a"], jabatan=["pelaksana"]))
    assert s.to_frame().loc[0, "predikat"] == "Baik"
    assert any("'inovasi' was not found" in n for n in s.notes)


def test_pp30_360_weights():
    aspects = ["orientasi_pelayanan", "komitmen", "inisiatif_kerja", "kerja_sama"]
    rows = [("a", "skp", 100.0)] + [("a", a, 80.0) for a in aspects] + [("a", a, 40.0, "rekan") for a in aspects]
    roster = _roster(["a"], jabatan=["pelaksana"])
    base = score(_ratings(rows), "pp-30-2019", roster=roster).to_frame().iloc[0]
    assert base["composite"] == pytest.approx(0.7 * 100 + 0.3 * 80)  # atasan only
    r360 = score(_ratings(rows), "pp-30-2019", "metode_360", roster=roster).to_frame().iloc[0]
    perilaku = (0.4 * 80 + 0.25 * 40) / 0.65  # renormalised over the roles present
    assert r360["perilaku"] == pytest.approx(perilaku)
    assert r360["composite"] == pytest.approx(0.6 * 100 + 0.4 * perilaku)


def test_unknown_weight_set():
    with pytest.raises(ParameterError, match=r"`weights` must be one of"):
        score(_ratings([("a", "skp", 1.0)]), "pp-30-2019", "metode360")


@pytest.mark.parametrize("rubric", ["permenpanrb-6-2022", "permenpanrb-6-2022-rinci", "pp-30-2019"])
def test_pandas_and_dask_identical(kota, rubric):
    ratings = kota.ratings
    if rubric == "pp-30-2019":
        mapping = {"skp": ["iki_kuantitas"], "orientasi_pelayanan": ["berorientasi_pelayanan"],
                   "komitmen": ["loyal"], "inisiatif_kerja": ["adaptif"], "kerja_sama": ["kolaboratif"],
                   "kepemimpinan": ["kompeten"]}
        ratings = wb.rubric.map_indicators(ratings[ratings["indicator"] != "iki_kuantitas"], {
            k: v for k, v in mapping.items() if k != "skp"}, (1, 5), (0, 120))
        skp = wb.rubric.map_indicators(kota.ratings, {"skp": "iki_kuantitas"})
        ratings = pd.concat([ratings, skp.assign(score=skp["score"].clip(0, 120))], ignore_index=True)
    expected = score(ratings, rubric, roster=kota.roster).to_frame()
    ddf = dd.from_pandas(ratings, npartitions=4)
    got = score(ddf, rubric, roster=kota.roster).to_frame()
    pd.testing.assert_frame_equal(expected, got)
    roster_ddf = dd.from_pandas(kota.roster, npartitions=3)
    got2 = score(ddf, rubric, roster=roster_ddf).to_frame()
    pd.testing.assert_frame_equal(expected, got2)
    assert len(expected) == 6000 if rubric != "pp-30-2019" else len(expected) > 0


def test_sample_scores_carry_provenance(kota):
    s = score(kota, "permenpanrb-6-2022", period="2025")
    assert s.provenance.rubric_id == "permenpanrb-6-2022"
    assert s.provenance.rubric_hash == load_rubric("permenpanrb-6-2022").hash
    assert s.counts().to_numpy().sum() == 1200
    assert "<table" in s._repr_html_()


# -- properties ----------------------------------------------------------------------------
weights = st.lists(st.floats(0.05, 10), min_size=7, max_size=7)


@settings(max_examples=20, deadline=None)
@given(w=weights, c=st.floats(0.01, 100), seed=st.integers(0, 10_000))
def test_scaling_weights_keeps_ranking(w, c, seed):
    rubric = load_rubric("permenpanrb-6-2022-rinci")
    values = ["berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal", "adaptif", "kolaboratif"]
    a = rubric.with_weights("a", indicators=dict(zip(values, w, strict=True)), normalize=True)
    b = rubric.with_weights("b", indicators={v: c * x for v, x in zip(values, w, strict=True)}, normalize=True)
    rng = np.random.default_rng(seed)
    wide = pd.DataFrame({"period": "2025", "employee_id": [f"e{i}" for i in range(40)], "n_ratings": 10})
    for ind in rubric.indicators:
        lo, hi = ind.scale.min, ind.scale.max
        wide[IND_PREFIX + ind.id] = rng.uniform(lo, hi, 40)
    sa = finish(wide, rubric, a.weights["a"])["perilaku_kerja"]
    sb = finish(wide, rubric, b.weights["b"])["perilaku_kerja"]
    np.testing.assert_allclose(sa, sb, rtol=1e-9)
    assert (sa.rank(method="first") == sb.rank(method="first")).all()


@settings(max_examples=20, deadline=None)
@given(w=st.lists(st.floats(0.01, 10), min_size=2, max_size=2), seed=st.integers(0, 10_000),
       rubric_id=st.sampled_from(["pp-30-2019", "pp-46-2011"]))
@example(w=[1.5, 2.75], seed=858, rubric_id="pp-30-2019")  # a perfect score summed to 120.00000000000001
def test_composites_stay_within_scale(w, seed, rubric_id):
    rubric = load_rubric(rubric_id).with_weights("w", dimensions={"skp": w[0], "perilaku": w[1]}, normalize=True)
    rng = np.random.default_rng(seed)
    n = 50
    wide = pd.DataFrame({"period": "2025", "employee_id": [f"e{i}" for i in range(n)], "n_ratings": 6,
                         "jabatan": rng.choice(["JPT", "pelaksana"], n)})
    for ind in rubric.indicators:
        # extremes included: the scale's own min and max
        wide[IND_PREFIX + ind.id] = rng.choice([ind.scale.min, ind.scale.max, *rng.uniform(
            ind.scale.min, ind.scale.max, 3)], n)
    out = finish(wide, rubric, rubric.weights["w"])
    lo = min(d.scale.min for d in rubric.dimensions)
    hi = max(d.scale.max for d in rubric.dimensions)
    assert out["composite"].between(lo, hi).all()
    for d in rubric.dimensions:
        assert out[d.id].between(d.scale.min, d.scale.max).all()
    assert out["predikat"].notna().all()


def test_mean_exactly_on_a_threshold_reaches_it():
    # 21 behaviour indicators of weight 1/21 averaging exactly 2.0: floating point gives
    # 1.9999999999999998, which must still reach 'Sesuai Ekspektasi' (threshold 2)
    rubric = load_rubric("permenpanrb-6-2022-rinci")
    spec = dict(rubric.spec)
    spec["indicators"] = [{"id": f"p{k}", "dimension": "perilaku_kerja", "scale": "likert5", "label": f"P {k}"}
                          for k in range(21)] + [{"id": "h", "dimension": "hasil_kerja", "scale": "realisasi",
                                                  "label": "H"}]
    spec["weights"] = {"baseline": {"raters": {"atasan": 1.0}}}
    spec["assumptions"] = []
    r = wb.rubric.rubric_from_spec(spec)
    values = [1.0] * 4 + [2.0] * 13 + [3.0] * 4  # sum 42 = 2 x 21
    rows = [("a", f"p{k}", v) for k, v in enumerate(values)] + [("a", "h", 100.0)]
    frame = score(_ratings(rows), r).to_frame()
    assert frame.loc[0, "perilaku_kerja_category"] == "Sesuai Ekspektasi"


def test_categorical_keys_give_the_result_of_text_keys():
    """Categories in no text order (E10 before E2), two periods, a roster in another order
    with an employee who has no rating and one the ratings do not know: scoring the
    categorical table (key codes, categories sorted) equals scoring the same table with
    plain text columns (factorised, rows sorted)."""
    rng = np.random.default_rng(5)
    emp = [f"E{k}" for k in (10, 2, 1, 33, 4, 20)]
    rows = [(p, e, "atasan", ind, float(rng.integers(1, 4))) for p in ("2025", "2024") for e in emp[:5]
            for ind in ("hasil_kerja", "perilaku_kerja")]
    text = pd.DataFrame(rows, columns=["period", "employee_id", "rater_role", "indicator", "score"]).assign(
        rater_id="R")
    cat = text.astype({"period": pd.CategoricalDtype(["2025", "2024"]),
                       "employee_id": pd.CategoricalDtype(emp), "rater_role": "category",
                       "indicator": "category"})
    roster = pd.DataFrame({"employee_id": ["E4", "E20", "E1", "E10", "E33", "E2", "E99"],
                           "unit": list("ABCDEFG")})
    a = score(cat, "permenpanrb-6-2022", roster=roster)
    b = score(text, "permenpanrb-6-2022", roster=roster)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    pd.testing.assert_frame_equal(a.detail, b.detail)
    assert a.to_frame()["employee_id"].tolist()[:7] == ["E1", "E10", "E2", "E20", "E33", "E4", "E99"]
    assert a.to_frame().loc[lambda f: f["employee_id"] == "E20", "predikat"].isna().all()
    with pytest.raises(ParameterError, match="several rows"):
        score(cat, "permenpanrb-6-2022", roster=pd.concat([roster, roster.iloc[[6]]]))


# -- the in-memory aggregation: ratings that already are the cube, the scale check on cells ---
def _grid(n_e: int = 12, seed: int = 3) -> tuple[pd.DataFrame, wb.Rubric]:
    """Every (period, employee, indicator, role) cell rated once, the rows in the cells'
    order (categorical codes), employees whose codes are not in text order."""
    from workbench.data.contract import RATER_ROLES

    roles = ["atasan", "rekan", "bawahan", "diri"]
    rubric = load_rubric("permenpanrb-6-2022-rinci").with_weights(
        "alle", dimension_raters={d: {"atasan": 0.6, "rekan": 0.2, "bawahan": 0.1, "diri": 0.1}
                                  for d in ("hasil_kerja", "perilaku_kerja")})
    ids = [i.id for i in rubric.indicators]
    rng = np.random.default_rng(seed)
    p, e, i, r = (x.ravel() for x in np.meshgrid(np.arange(2), np.arange(n_e), np.arange(len(ids)),
                                                  np.arange(len(roles)), indexing="ij"))
    hasil = np.array([rubric.indicator(x).dimension == "hasil_kerja" for x in ids])[i]
    score_ = np.where(hasil, rng.normal(100, 10, len(i)).round(1), rng.integers(1, 6, len(i)))
    grid = pd.DataFrame({
        "period": pd.Categorical.from_codes(p, categories=pd.Index(["2025", "2024"])),
        "employee_id": pd.Categorical.from_codes(e, categories=pd.Index([f"E{k}" for k in rng.permutation(n_e)])),
        "rater_id": "R1",
        "rater_role": pd.Categorical.from_codes(np.array([RATER_ROLES.index(x) for x in roles])[r],
                                                categories=list(RATER_ROLES)),
        "indicator": pd.Categorical.from_codes(i, categories=pd.Index(ids)),
        "score": score_.astype(float)})
    return grid, rubric


def test_ratings_in_cell_order_score_as_in_any_order():
    grid, rubric = _grid()
    a = score(grid, rubric, "alle")
    b = score(grid.sample(frac=1.0, random_state=0), rubric, "alle")
    pd.testing.assert_frame_equal(a.frame, b.frame, check_exact=True)
    pd.testing.assert_frame_equal(a.detail, b.detail, check_exact=True)
    assert a.frame["period"].tolist() == sorted(a.frame["period"].tolist())
    assert (a.frame["n_ratings"] == 40).all()


@pytest.mark.parametrize("shuffled", [False, True])
def test_a_rating_off_its_scale_is_found_in_a_cell_rated_once(shuffled):
    grid, rubric = _grid()
    row = int(np.flatnonzero(grid["indicator"].astype(str) == "kompeten")[5])
    grid.loc[row, "score"] = 2.5  # inside 1-5 but not one of its levels
    data = grid.sample(frac=1.0, random_state=1) if shuffled else grid
    with pytest.raises(DataContractError) as err:
        score(data, rubric, "alle")
    assert list(err.value.failure_cases["line"]) == [row]
    clipped = score(data, rubric, "alle", out_of_scale="clip").detail
    assert clipped["kompeten"].notna().all()


def test_ratings_off_their_scale_are_found_in_a_cell_rated_several_times():
    # three atasan ratings 0, 3 and 6 on the 1-3 scale: their mean, 3, is on it
    rows = [("e1", "hasil_kerja", 2), ("e1", "perilaku_kerja", 0), ("e1", "perilaku_kerja", 3),
            ("e1", "perilaku_kerja", 6)]
    ratings = _ratings(rows)
    with pytest.raises(DataContractError) as err:
        score(ratings, "permenpanrb-6-2022")
    assert sorted(err.value.failure_cases["line"]) == [1, 3]


def test_predikat_ids_are_the_labels_mapped_to_ids_whatever_is_missing(kota):
    import dataclasses

    s = score(kota, "permenpanrb-6-2022", period="2025")
    labels = {p.label.get(s.lang): p.id for p in s.rubric.predikat}
    frame = s.frame.copy()
    frame.loc[frame.index[:5], "predikat"] = np.nan  # not scored
    extra = frame.copy()
    extra["predikat"] = extra["predikat"].cat.add_categories(["Lain"])
    extra.loc[extra.index[5:8], "predikat"] = "Lain"  # a label the rubric does not give
    for f in (s.frame, frame, extra, frame.iloc[:0], frame.astype({"predikat": object})):
        got = dataclasses.replace(s, frame=f).predikat_ids()
        pd.testing.assert_series_equal(got, f["predikat"].astype(object).map(labels), check_exact=True)
