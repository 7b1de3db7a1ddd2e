"""Recorded predikat and org ratings are data; the roster is the denominator (issue 10, items 3-5)."""

from __future__ import annotations

import dask.dataframe as dd
import pandas as pd
import pytest

from workbench.data import Dataset
from workbench.errors import ParameterError
from workbench.rubric import curve_check, score

# (hasil, perilaku) -> predikat under PermenPANRB 6/2022
BAIK, SANGAT_BAIK, BP = (2, 2), (3, 3), (1, 2)


def _ratings(cells: dict[str, tuple[int, int]], period: str = "2025") -> pd.DataFrame:
    rows = []
    for emp, (h, p) in cells.items():
        for ind, v in (("hasil_kerja", h), ("perilaku_kerja", p)):
            rows.append({"period": period, "employee_id": emp, "rater_id": f"R{emp}", "rater_role": "atasan",
                         "indicator": ind, "score": float(v)})
    return pd.DataFrame(rows, columns=["period", "employee_id", "rater_id", "rater_role", "indicator", "score"])


def _roster(units: dict[str, list[str]], period: str = "2025") -> pd.DataFrame:
    return pd.DataFrame([{"employee_id": e, "period": period, "unit": u} for u, ids in units.items() for e in ids])


def _ds(cells, units, predikat=None, org=None, meta=None) -> Dataset:
    ds = Dataset.trusted(_ratings(cells), _roster(units), name="t", predikat=predikat, org_ratings=org)
    if meta:
        ds.meta.update(meta)
    return ds


def test_unrated_roster_employees_are_kept_as_rows_without_predikat():
    cells = {"a1": BAIK, "a2": SANGAT_BAIK, "a3": BP}
    ds = _ds(cells, {"A": ["a1", "a2", "a3", "a4", "a5"]})
    s = score(ds, "permenpanrb-6-2022")
    f = s.to_frame().set_index("employee_id")
    assert len(f) == 5
    assert f.loc[["a4", "a5"], "predikat"].isna().all()
    assert f.loc[["a4", "a5"], "n_ratings"].eq(0).all()
    assert f.loc["a1", "predikat"] == "Baik" and f.loc["a3", "predikat"] == "Butuh Perbaikan"
    assert f.loc["a4", "explanation"].startswith("Tidak dapat dinilai")
    assert f.loc["a4", "unit"] == "A"
    assert any("2 pegawai di roster belum dinilai" in n and "2 roster employee(s)" in n for n in s.notes)
    # counts() still counts the rated ones only
    assert int(s.counts().to_numpy().sum()) == 3
    # detail keeps one row per frame row
    assert len(s.detail) == 5 and list(s.detail["employee_id"]) == list(s.to_frame()["employee_id"])


def test_unrated_rows_only_in_scored_periods():
    ds = Dataset.trusted(_ratings({"a1": BAIK}), pd.concat([_roster({"A": ["a1", "a2"]}),
                                                           _roster({"A": ["a1", "a2"]}, "2024")]))
    f = score(ds, "permenpanrb-6-2022").to_frame()
    assert sorted(f["period"].unique()) == ["2025"] and len(f) == 2
    f24 = score(ds, "permenpanrb-6-2022", period=["2024", "2025"]).to_frame()
    assert len(f24) == 4 and f24.loc[f24["period"] == "2024", "predikat"].isna().all()


def test_pandas_and_dask_agree_with_unrated_rows():
    cells = {"a1": BAIK, "a2": SANGAT_BAIK, "b1": BP}
    roster = _roster({"A": ["a1", "a2", "a3"], "B": ["b1", "b2"]})
    ratings = _ratings(cells)
    expected = score(ratings, "permenpanrb-6-2022", roster=roster).to_frame()
    got = score(dd.from_pandas(ratings, npartitions=2), "permenpanrb-6-2022", roster=roster).to_frame()
    pd.testing.assert_frame_equal(expected, got)
    assert expected["predikat"].isna().sum() == 2


def test_recorded_predikat_column_and_disagreement_note():
    cells = {"a1": BAIK, "a2": SANGAT_BAIK, "a3": BP}
    rec = pd.DataFrame({"period": "2025", "employee_id": ["a1", "a2", "a3", "a4"],
                        "predikat": ["Baik", "Baik", "Butuh Perbaikan", None]})
    s = score(_ds(cells, {"A": ["a1", "a2", "a3", "a4"]}, predikat=rec), "permenpanrb-6-2022")
    f = s.to_frame().set_index("employee_id")
    assert "recorded_predikat" in f.columns
    assert f.loc["a2", "recorded_predikat"] == "Baik" and f.loc["a2", "predikat"] == "Sangat Baik"
    assert pd.isna(f.loc["a4", "recorded_predikat"])
    assert list(f["recorded_predikat"].cat.categories) == list(f["predikat"].cat.categories)
    audit = [n for n in s.notes if "recorded_predikat" in n]
    assert len(audit) == 1
    assert "Temuan audit" in audit[0] and "1 dari 3 pegawai" in audit[0]
    assert "1 of 3 employees" in audit[0]
    en = score(_ds(cells, {"A": ["a1", "a2", "a3", "a4"]}, predikat=rec), "permenpanrb-6-2022", lang="en")
    assert en.to_frame().set_index("employee_id").loc["a2", "recorded_predikat"] == "Good"


def test_no_recorded_column_or_note_when_dataset_has_none_or_all_agree():
    cells = {"a1": BAIK}
    assert "recorded_predikat" not in score(_ds(cells, {"A": ["a1"]}), "permenpanrb-6-2022").to_frame()
    rec = pd.DataFrame({"period": "2025", "employee_id": ["a1"], "predikat": ["Baik"]})
    s = score(_ds(cells, {"A": ["a1"]}, predikat=rec), "permenpanrb-6-2022")
    assert s.to_frame()["recorded_predikat"].tolist() == ["Baik"]
    assert not any("Temuan audit" in n for n in s.notes)


def _recorded_only(n_a: int = 10, n_b: int = 4, org=None, meta=None) -> Dataset:
    ids_a = [f"a{i}" for i in range(n_a)]
    ids_b = [f"b{i}" for i in range(n_b)]
    labels = (["Baik"] * (n_a - 3) + ["Sangat Baik", "Butuh Perbaikan"]) + [None]  # a{n_a-1}: not yet rated
    rec = pd.DataFrame({"period": "2025", "employee_id": ids_a + ids_b[:2],
                        "predikat": labels + ["Baik", "Baik"]})
    ratings = pd.DataFrame(columns=["period", "employee_id", "rater_id", "rater_role", "indicator", "score"])
    ds = Dataset.trusted(ratings, _roster({"Dinas A": ids_a, "Dinas B": ids_b}), name="rec",
                         predikat=rec, org_ratings=org)
    if meta:
        ds.meta.update(meta)
    return ds


def test_curve_check_on_a_dataset_with_recorded_predikat_only():
    ds = _recorded_only()
    check = curve_check(ds, period="2025")
    f = check.to_frame().set_index("unit")
    assert check.parameters["predikat_source"] == "recorded"
    assert f.loc["Dinas A", "n_employees"] == 10 and f.loc["Dinas A", "n_unscored"] == 1
    assert f.loc["Dinas A", ["Sangat Baik", "Baik", "Butuh Perbaikan"]].tolist() == [1, 7, 1]
    assert f.loc["Dinas B", "n_employees"] == 4 and f.loc["Dinas B", "n_unscored"] == 2
    # 7 of 9 rated are Baik: above 70 % -> a move, counted, with no employee named
    assert not f.loc["Dinas A", "ok"]
    assert f.loc["Dinas A", "changes"] == "pindahkan 1 pegawai dari Baik ke Butuh Perbaikan"
    assert check.borderline.empty
    # period defaults when the dataset holds one
    assert curve_check(ds).parameters["period"] == "2025"
    assert check.parameters["notes"] == ()
    # a recorded predikat of someone not on the roster: left out, and said so
    extra = pd.DataFrame({"period": ["2025"], "employee_id": ["z9"], "predikat": ["Baik"]})
    ds2 = Dataset.trusted(ds.ratings, ds.roster, predikat=pd.concat([ds.predikat, extra]))
    check2 = curve_check(ds2, period="2025")
    assert check2.to_frame()["n_employees"].sum() == 14
    assert check2.parameters["notes"] == ("1 employee(s) with a recorded predikat are not on the roster of 2025 "
                                          "and have no unit; they are left out. Add them to the roster to count "
                                          "them.",)


def test_curve_check_on_a_dataset_without_recorded_predikat_scores_the_rule_in_force():
    ds = _ds({"a1": BAIK, "a2": BP}, {"A": ["a1", "a2", "a3"]})
    check = curve_check(ds, period="2025")
    assert check.parameters["predikat_source"] == "rubric" and check.rubric_id == "permenpanrb-6-2022"
    row = check.to_frame().iloc[0]
    assert (row["n_employees"], row["n_unscored"], row["Baik"], row["Butuh Perbaikan"]) == (3, 1, 1, 1)


def test_org_ratings_from_the_dataset_and_units_without_one_reported():
    org = pd.DataFrame({"period": [None], "unit": ["Dinas A"], "org_predikat": ["Istimewa"]})
    ds = _recorded_only(org=org, meta={"org_ratings_source": "predikat_organisasi.csv"})
    check = curve_check(ds, period="2025")
    f = check.to_frame().set_index("unit")
    assert f.loc["Dinas A", "org_rating"] == "Istimewa"
    assert f.loc["Dinas A", "org_rating_source"] == "predikat_organisasi.csv"
    assert f.loc["Dinas B", "org_rating"] == "Baik" and f.loc["Dinas B", "org_rating_source"] == "assumed Baik"
    assert check.parameters["units_without_org_rating"] == ("Dinas B",)
    assert check.parameters["org_rating_source"] == "predikat_organisasi.csv + assumed Baik"
    head = check.headline()
    assert "dari predikat_organisasi.csv untuk 1 OPD" in head
    assert "diasumsikan Baik untuk 1 OPD" in head and "Belum dinilai: 3 pegawai" in head
    assert "assumed Baik (good) for 1 unit(s)" in check.headline("en")
    s = check.summary(min_cell=3).set_index("unit")
    assert s.loc["Dinas B", "org_rating_source"] == "diasumsikan Baik"
    assert s.loc["Dinas A", "n_unscored"] != s.loc["Dinas A", "n_unscored"]  # 1 < 3: hidden (NaN)
    assert s.loc["Dinas A", "n_rated"] == 9
    assert check.headline(min_cell=5) .endswith("Belum dinilai: <5 pegawai.")


def test_period_rows_of_org_ratings_win_and_given_ratings_override():
    org = pd.DataFrame({"period": [None, "2025"], "unit": ["Dinas A", "Dinas A"],
                        "org_predikat": ["Istimewa", "Kurang"]})
    ds = _recorded_only(org=org)
    f = curve_check(ds, period="2025").to_frame().set_index("unit")
    assert f.loc["Dinas A", "org_rating"] == "Kurang"
    assert f.loc["Dinas A", "org_rating_source"] == "org_ratings"  # no file name recorded in meta
    g = curve_check(ds, {"Dinas B": "Istimewa"}, period="2025")
    fg = g.to_frame().set_index("unit")
    assert fg.loc["Dinas B", "org_rating_source"] == "given" and fg.loc["Dinas A", "org_rating"] == "Kurang"
    assert g.parameters["units_without_org_rating"] == ()


def test_scores_without_org_rating_are_checked_as_assumed_baik_and_say_so():
    scores = score(_ds({"a1": BAIK, "a2": BP}, {"A": ["a1", "a2"]}), "permenpanrb-6-2022")
    check = curve_check(scores)
    assert check.to_frame()["org_rating_source"].tolist() == ["assumed Baik"]
    assert check.parameters["units_without_org_rating"] == ("A",)
    with pytest.raises(ParameterError, match="no Predikat Kinerja Organisasi for 1 units"):
        curve_check(scores, {"B": "Baik"})


def test_curve_check_dataset_needs_a_period_when_several():
    ds = Dataset.trusted(pd.concat([_ratings({"a1": BAIK}), _ratings({"a1": BAIK}, "2024")]),
                         pd.concat([_roster({"A": ["a1"]}), _roster({"A": ["a1"]}, "2024")]))
    with pytest.raises(ParameterError, match="2 periods"):
        curve_check(ds)
    with pytest.raises(ParameterError, match="`period` must be one of"):
        curve_check(ds, period="2030")


def test_consumers_of_scores_ignore_unrated_rows_where_a_score_is_needed():
    from workbench.weights import compare

    ds = _ds({f"a{i}": BAIK for i in range(6)} | {"a6": BP}, {"A": [f"a{i}" for i in range(9)]})
    s = score(ds, "permenpanrb-6-2022")
    assert s.to_frame()["predikat"].isna().sum() == 2
    comp = compare(s, s)
    assert int(comp.rank_agreement["n_changed"].sum()) == 0
    check = curve_check(s)
    row = check.to_frame().iloc[0]
    assert (row["n_employees"], row["n_unscored"]) == (9, 2)
    assert row[["Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang/Misconduct", "Sangat Kurang"]].sum() == 7


def test_read_org_ratings_csv_and_xlsx(tmp_path):
    from workbench.data.org_ratings import read_org_ratings
    from workbench.errors import DataContractError

    csv = tmp_path / "pko.csv"
    csv.write_text("Rekap PKO\n\nunit_kerja,predikat_kinerja_organisasi,periode\nDinas A,Baik,2025\n,,\n"
                   "Dinas B,Sangat Kurang,\n", encoding="utf-8")
    got = read_org_ratings(csv)
    assert got["unit"].tolist() == ["Dinas A", "Dinas B"]
    assert got["org_predikat"].astype(str).tolist() == ["Baik", "Sangat Kurang"]
    assert got["period"].tolist() == ["2025", None]
    xlsx = tmp_path / "pko.xlsx"
    pd.DataFrame({"OPD": ["Dinas C"], "Predikat Organisasi": ["istimewa"]}).to_excel(xlsx, index=False)
    assert read_org_ratings(xlsx)["org_predikat"].astype(str).tolist() == ["Istimewa"]
    bad = tmp_path / "bad.csv"
    bad.write_text("OPD,Predikat Organisasi\nDinas A,Baik\nDinas B,Hebat\n,Baik\n", encoding="utf-8")
    with pytest.raises(DataContractError, match=r"2 row\(s\) of the org-ratings file bad.csv") as err:
        read_org_ratings(bad)
    cases = err.value.failure_cases
    assert cases[["line", "column", "value", "reason"]].values.tolist() == [
        [3, "Predikat Organisasi", "Hebat", "org_predikat_invalid"], [4, "OPD", "", "unit_missing"]]
    none = tmp_path / "none.csv"
    none.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DataContractError, match="no header row with a unit column"):
        read_org_ratings(none)


def test_leadership_views_use_the_dataset_org_ratings_and_show_the_headline():
    from workbench import views
    from workbench.views import _sources as src
    from workbench.views import sections as sec

    org = pd.DataFrame({"period": [None], "unit": ["Dinas A"], "org_predikat": ["Istimewa"]})
    ds = _recorded_only(n_a=12, n_b=6, org=org, meta={"org_ratings_source": "pko.csv"})
    assert src.default_org_rating(ds, "2025") == {"Dinas A": "Istimewa", "Dinas B": "Baik"}
    section = sec.curve_section(ds, "2025", min_cell=3)
    assert sec.org_line(ds, "2025").startswith("Predikat organisasi: dari pko.csv untuk 1 OPD; diasumsikan Baik")
    table = section.table.set_index("OPD")
    assert table.loc["Dinas A", "Sumber predikat organisasi"] == "pko.csv"
    assert table.loc["Dinas A", "Belum dinilai"] == "<3" and table.loc["Dinas A", "Pegawai"] == "12"
    # 2 rated of 6: too few to show the unit (its size would give the rated count); its 4 unrated
    # are hidden too, since the city's 5 in the headline minus 4 would give Dinas A's hidden 1
    assert table.loc["Dinas B", "Pegawai"] == "<3"
    assert table.loc["Dinas B", "Belum dinilai"] == "disembunyikan"
    from workbench.privacy import audit

    page = src.leadership(ds, "2025", None, None, 3)
    assert audit(page).ok
    # a rating set on the page is "given"; the rest keep their source
    changed = sec.curve_section(ds, "2025", {"Dinas A": "Istimewa", "Dinas B": "Kurang"}, min_cell=3)
    assert changed.table.set_index("OPD").loc["Dinas B", "Sumber predikat organisasi"] == "ditetapkan"
    d = views.leadership_overview(ds, min_cell=3)
    assert "kw-headline" in d._header.value and "pko.csv" in d._header.value
    assert "<div class='kw-card-label'>Belum dinilai</div><div class='kw-card-value'>5 pegawai</div>" in d._header.value
    d.lang = "en"
    assert "<div class='kw-card-label'>Not yet rated</div><div class='kw-card-value'>5 employee(s)</div>" in \
        d._header.value
    # shares and trend come from the recorded predikat
    share = sec.share_section(ds, "2025", min_cell=3)
    assert share.table.shape[0] == 2


def test_sample_consumers_ignore_unrated_roster_employees_and_curve_counts_them(kota, tmp_path):
    import dataclasses

    from workbench import calibration as cal
    from workbench.weights import compare

    unit = "Dinas Pendidikan"
    extra = kota.roster[(kota.roster["unit"] == unit) & (kota.roster["period"] == "2025")].head(6).copy()
    extra["employee_id"] = [f"1999010120990110{i:02d}" for i in range(6)]
    ds = dataclasses.replace(kota, roster=pd.concat([kota.roster, extra], ignore_index=True))
    s = score(ds, "permenpanrb-6-2022", period="2025")
    assert len(s.to_frame()) == 1206 and s.to_frame()["predikat"].isna().sum() == 6
    assert int(compare(s, s).rank_agreement.loc[0, "n"]) == 1200  # ranked over the rated only
    f = curve_check(s, "Baik").to_frame().set_index("unit")
    assert f.loc[unit, ["n_employees", "n_unscored"]].tolist() == [306, 6]
    sess = cal.open(ds, "permenpanrb-6-2022", unit=unit, period="2025", store=tmp_path / "s.sqlite",
                    org_rating="Baik")
    assert int(sess.distribution()["before"].sum()) == 300
    calibrated = cal.calibrated_curve(ds, "permenpanrb-6-2022", "Baik", "2025", tmp_path / "s.sqlite")
    assert calibrated.to_frame().set_index("unit").loc[unit, "n_unscored"] == 6


def test_a_new_calibration_session_takes_the_unit_org_rating_from_the_dataset(tmp_path):
    from workbench import calibration as cal

    cells = {f"a{i}": BAIK for i in range(5)}
    org = pd.DataFrame({"period": ["2025"], "unit": ["A"], "org_predikat": ["Istimewa"]})
    ds = _ds(cells, {"A": list(cells), "B": []}, org=org)
    sess = cal.open(ds, "permenpanrb-6-2022", unit="A", period="2025", store=tmp_path / "s.sqlite")
    assert sess.curve().to_frame().loc[0, "org_rating"] == "Istimewa"
    plain = _ds(cells, {"A": list(cells)})
    sess_b = cal.open(plain, "permenpanrb-6-2022", unit="A", period="2025", store=tmp_path / "t.sqlite")
    assert sess_b.curve().to_frame().loc[0, "org_rating"] == "Baik"


def test_the_unit_drill_down_counts_its_unrated_employees():
    import dataclasses

    from workbench.views import _sources as src
    from workbench.views import sections as sec

    ds = _recorded_only(n_a=12, n_b=6)
    # Dinas B: 2 rated (too few to show) and 4 unrated, hidden with them: the city's 5
    # unrated in the headline minus 4 would give Dinas A's hidden 1
    section = sec.unit_section(ds, "2025", "Dinas B", min_cell=3)
    assert section.finding == "Tidak ada data untuk pilihan ini."
    assert section.notes == ("Belum dinilai: disembunyikan (agar sel kecil lain tidak dapat dihitung).",)
    ds = dataclasses.replace(ds, roster=ds.roster.assign(jabatan="pelaksana"))
    section = sec.unit_section(ds, "2025", "Dinas A", min_cell=3)
    # Dinas A's only jabatan counts its 11 rated employees: the number the city view hides
    # (its 12 on the roster minus 11 would give its 1 unrated), so the drill-down hides it too
    city = src.leadership(ds, "2025", None, None, 3)
    assert city.facts["ringkasan_pimpinan/n/2025/Dinas A"].hidden
    assert section.table is not None and section.table["Pegawai"].tolist() == ["disembunyikan"]
    assert "Not yet rated (belum dinilai): <3 employee(s)." in sec.unit_section(ds, "2025", "Dinas A", lang="en",
                                                                                   min_cell=3).notes


def test_given_org_ratings_are_named_as_such_in_the_headline_and_the_html():
    scores = score(_ds({"a1": BAIK, "a2": BP}, {"A": ["a1", "a2"], "B": []}), "permenpanrb-6-2022")
    check = curve_check(scores, "Istimewa")
    assert check.headline() == "Predikat organisasi: ditetapkan secara manual untuk 1 OPD. Belum dinilai: 0 pegawai."
    assert check.headline("en").startswith("Organisational ratings: set by hand for 1 unit(s).")
    assert check._repr_html_().startswith("<p><em>Predikat organisasi: ditetapkan secara manual")
