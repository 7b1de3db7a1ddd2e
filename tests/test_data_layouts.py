"""The files a BKD really has: e-Kinerja exports and printed recaps, what was loaded and what was reported."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.data import synth_files as sf
from workbench.data.layouts import fill_merged, period_from_text, signature_rows
from workbench.data.read import read_raw
from workbench.errors import DataContractError

NIP = ["198609262015051001", "199001012019032002", "198203152008011003", "197912302005022004",
       "198811112014031005"]
RATER = "197501012000031002"
UNITS5 = ["Dinas Pendidikan", "Dinas Kesehatan", "Badan Keuangan Daerah", "Dinas Sosial", "Inspektorat"]


def per_file_adds_up(ds: wb.Dataset) -> None:
    c = ds.report.counts
    assert (c["rows_read"] == c["rows_kept"] + c["rows_rejected"]).all()
    assert ds.report.rows_read == ds.report.rows_kept + ds.report.rows_rejected
    # every rejected row is an error in the report
    assert ds.report.rows_rejected == len(ds.report.errors[ds.report.errors["line"].notna()])


def reasons(ds: wb.Dataset, severity: str | None = None) -> list[str]:
    p = ds.report.problems
    if severity:
        p = p[p["severity"] == severity]
    return sorted(set(p["reason"]))


def skp_master(rows: list[dict]) -> pd.DataFrame:
    base = {"is_plt_plh": 0, "periode_awal": "2025-01-01", "periode_akhir": "2025-12-31", "skp_status": "persetujuan",
            "skp_jabatan": "Analis Kebijakan Ahli Muda"}
    out = pd.DataFrame([{**base, **r} for r in rows])
    return out[["id", "nip", "nama", "is_plt_plh", "periode_awal", "periode_akhir", "skp_status", "skp_jabatan",
                "skp_unor_nama", "skp_unor_induk"]]


@pytest.fixture
def ekinerja(tmp_path):
    """A master with an acting post (Plt) and a transfer, a Tahunan and a March Penilaian, org ratings."""
    master = skp_master([
        {"id": "s1", "nip": NIP[0], "nama": "Budi", "skp_unor_nama": "Bidang SD Dinas Pendidikan",
         "skp_unor_induk": "Dinas Pendidikan"},
        {"id": "s2", "nip": NIP[1], "nama": "Siti", "periode_akhir": "2025-06-30",
         "skp_unor_nama": "Sekretariat Dinas Kesehatan", "skp_unor_induk": "Dinas Kesehatan"},
        {"id": "s3", "nip": NIP[1], "nama": "Siti", "periode_awal": "2025-07-01",
         "skp_unor_nama": "Bidang Anggaran", "skp_unor_induk": "Badan Keuangan Daerah"},
        {"id": "s4", "nip": NIP[2], "nama": "Agus", "skp_unor_nama": "Bidang Layanan",
         "skp_unor_induk": "Dinas Sosial"},
        {"id": "s5", "nip": NIP[0], "nama": "Budi", "is_plt_plh": 1, "skp_jabatan": "Plt. Kepala Bidang",
         "skp_unor_nama": "Bidang Layanan", "skp_unor_induk": "Dinas Sosial"},
        {"id": "s6", "nip": NIP[3], "nama": "Dewi", "skp_unor_nama": "Sekretariat",
         "skp_unor_induk": "Dinas Sosial"},
    ])
    sf.write_skp_master(tmp_path / "laporan_skp.xlsx", master)
    tahunan = pd.DataFrame({"id": ["s1", "s2", "s3", "s4", "s5", "s6", "s9"],
                            "nama": ["Budi", "Siti", "Siti", "Agus", "Budi", "Dewi", "X"],
                            "hasil_akhir": ["SANGAT BAIK", "Baik", "baik", "-", "Baik", "Istimewa", "Baik"]})
    sf.write_penilaian(tmp_path / "penilaian_tahunan.xlsx", tahunan, "LAPORAN PENILAIAN SKP TAHUNAN 2025")
    maret = pd.DataFrame({"id": ["s1", "s2", "s4", "s6"], "rating_hasil_kerja": ["Di Atas Ekspektasi"] * 4,
                          "rating_perilaku_kerja": ["Sesuai Ekspektasi"] * 4,
                          "hasil_akhir": ["Baik", "Baik", "Baik", "Baik"]})
    sf.write_penilaian(tmp_path / "penilaian_maret.xlsx", maret, "LAPORAN PENILAIAN SKP BULAN MARET 2025")
    org = pd.DataFrame({"Unit Kerja": ["Dinas Pendidikan", "Dinas Sosial"],
                        "Predikat Kinerja Organisasi": ["ISTIMEWA", "Baik"]})
    sf.write_org_ratings(tmp_path / "org.csv", org)
    return tmp_path


# -- e-Kinerja exports -------------------------------------------------------------------------

def test_ekinerja_folder_loads_as_one_dataset(ekinerja):
    ds = wb.load(ekinerja)
    per_file_adds_up(ds)
    tables = set(ds.report.counts["table"])
    assert {"skp", "predikat", "ratings", "org_ratings"} <= tables
    assert sorted(ds.periods) == ["2025", "2025-03"]
    # the OPD is skp_unor_induk, the work unit is kept beside it
    year = ds.roster[ds.roster["period"] == "2025"].set_index("employee_id")
    assert year.loc[NIP[0], "unit"] == "Dinas Pendidikan"
    assert year.loc[NIP[0], "unit_kerja"] == "Bidang SD Dinas Pendidikan"
    assert year.loc[NIP[0], "jabatan"] == "fungsional"


def test_acting_post_is_not_the_employees_appraisal(ekinerja):
    ds = wb.load(ekinerja)
    year = ds.roster[ds.roster["period"] == "2025"]
    # Budi's Plt post in Dinas Sosial does not put him there; he is on the roster once, in his own unit
    assert year[year["employee_id"] == NIP[0]]["unit"].tolist() == ["Dinas Pendidikan"]
    w = ds.report.warnings
    assert w[w["reason"] == "acting_post"]["line"].tolist() == [9]  # s5 is the 4th data row below row 4
    e = ds.report.errors
    acting = e[e["reason"] == "acting_post"]
    assert set(acting["file"].str.contains("penilaian_tahunan")) == {True} and len(acting) == 1
    assert ds.meta["skp"].set_index("skp_id").loc["s5", "status"] == "acting"


def test_transfer_sits_in_the_unit_of_the_latest_skp(ekinerja):
    ds = wb.load(ekinerja)
    siti = ds.roster[ds.roster["employee_id"] == NIP[1]].set_index("period")["unit"]
    assert siti["2025"] == "Badan Keuangan Daerah"  # the SKP ending 31 December
    assert siti["2025-03"] == "Dinas Kesehatan"  # in March the first SKP was in force
    w = ds.report.warnings
    sup = w[w["reason"] == "skp_superseded"]
    assert sup["line"].tolist() == [6] and sup["value"].tolist() == ["Dinas Kesehatan"]
    # both SKPs were rated in the Tahunan: the latest SKP's predikat is the year's
    e = ds.report.errors
    assert e[e["reason"] == "predikat_superseded"]["line"].tolist() == [10]


def test_recorded_predikat_and_not_yet_rated(ekinerja):
    ds = wb.load(ekinerja)
    year = ds.predikat[ds.predikat["period"] == "2025"].set_index("employee_id")["predikat"]
    assert year[NIP[0]] == "Sangat Baik" and year[NIP[1]] == "Baik"
    assert pd.isna(year[NIP[2]])  # '-' = not yet rated: kept, with no predikat
    assert NIP[3] not in year.index  # 'Istimewa' is not an employee predikat
    e = ds.report.errors
    assert e[e["reason"] == "predikat_invalid"]["value"].tolist() == ["Istimewa"]
    assert e[e["reason"] == "skp_id_unknown"]["line"].tolist() == [15]  # s9: no such SKP, no NIP
    # Dewi has no valid predikat but stays on the roster: the roster is the denominator
    assert NIP[3] in set(ds.roster[ds.roster["period"] == "2025"]["employee_id"])
    pred = ds.report.counts[ds.report.counts["table"] == "predikat"]
    tahunan = pred[pred["file"].str.contains("tahunan")].iloc[0]
    assert (tahunan["rows_read"], tahunan["rows_kept"], tahunan["rows_rejected"]) == (7, 3, 4)


def test_period_from_the_title_rows(ekinerja):
    ds = wb.load(ekinerja)
    march = ds.ratings[ds.ratings["period"] == "2025-03"]
    assert sorted(march["employee_id"].unique()) == sorted([NIP[0], NIP[1], NIP[2], NIP[3]])
    assert set(march["indicator"]) == {"hasil_kerja", "perilaku_kerja"} and set(march["score"]) == {2.0, 3.0}
    # no rater column: the atasan is implied, one pseudo rater per employee
    assert set(march["rater_id"]) == {f"atasan:{n}" for n in NIP[:4]}
    w = ds.report.warnings
    inferred = w[w["reason"] == "period_inferred"]["value"].tolist()
    assert any("BULAN MARET 2025' -> 2025-03" in v for v in inferred)
    assert "assumed_rater" in reasons(ds, "warning")


def test_org_ratings_recognised_by_their_header(ekinerja):
    ds = wb.load(ekinerja)
    org = ds.org_ratings.set_index("unit")
    assert org.loc["Dinas Pendidikan", "org_predikat"] == "Istimewa"
    assert org["period"].isna().all()  # no period column: holds for every period
    assert ds.meta["org_ratings_source"].endswith("org.csv")
    alone = wb.load(ekinerja / "org.csv")
    assert len(alone.org_ratings) == 2 and len(alone.ratings) == 0
    assert alone.report.counts.set_index("table").loc["org_ratings", "rows_kept"] == 2


def test_org_ratings_rejected_labels_and_periods(tmp_path):
    org = pd.DataFrame({"Unit Kerja": ["A", "B", "C", "C"], "Predikat Organisasi": ["Baik", "Luar biasa", "Kurang",
                                                                                      "Baik"],
                        "Tahun": ["2025", "2025", "2025", "2025"]})
    sf.write_org_ratings(tmp_path / "org.xlsx", org)
    ds = wb.load(tmp_path / "org.xlsx")
    per_file_adds_up(ds)
    assert ds.org_ratings[["period", "unit", "org_predikat"]].values.tolist() == [["2025", "A", "Baik"]]
    assert sorted(ds.report.errors["reason"]) == ["conflicting_duplicate", "conflicting_duplicate",
                                                  "org_predikat_invalid"]


def test_nip_is_read_as_text(tmp_path):
    master = skp_master([
        {"id": "s1", "nip": "19860926 201505 1 001", "nama": "Budi", "skp_unor_nama": "X",
         "skp_unor_induk": "Dinas Pendidikan"},
        # an 18-digit number cannot be held by a spreadsheet number: its last digits are lost
        {"id": "s2", "nip": float(NIP[1]), "nama": "Siti", "skp_unor_nama": "X", "skp_unor_induk": "Dinas Sosial"}])
    sf.write_skp_master(tmp_path / "skp.xlsx", master)
    ds = wb.load(tmp_path / "skp.xlsx")
    per_file_adds_up(ds)
    assert ds.roster["employee_id"].tolist() == [NIP[0]]
    assert ds.meta["skp"]["employee_id"].tolist() == [NIP[0]]
    e = ds.report.errors
    assert e[["line", "reason"]].values.tolist() == [[6, "id_scientific_notation"]]


def test_master_alone_is_the_roster_with_period_from_its_title(tmp_path):
    master = skp_master([{"id": f"s{i}", "nip": NIP[i], "nama": "N", "skp_unor_nama": "X",
                          "skp_unor_induk": UNITS5[i]} for i in range(5)])
    sf.write_skp_master(tmp_path / "skp.xlsx", master, year=2024)
    ds = wb.load(tmp_path / "skp.xlsx")
    per_file_adds_up(ds)
    assert ds.roster["period"].unique().tolist() == ["2024"] and len(ds.roster) == 5
    assert ds.report.counts.set_index("table").loc["skp", "rows_read"] == 5


@pytest.mark.parametrize(("text", "period"), [
    ("LAPORAN PENILAIAN SKP TAHUNAN 2025", "2025"), ("Bulan Maret 2025", "2025-03"),
    ("Januari - Desember 2025", "2025"), ("Periode: Januari s.d. Maret 2025", "2025-Q1"),
    ("penilaian_skp_agustus_2025", "2025-08"), ("Triwulan II 2025", "2025-Q2"), ("Daftar Pegawai", None),
    ("Diperbarui 2026, data 2025", None),
])
def test_period_from_text(text, period):
    assert period_from_text(text) == period


def test_period_from_sheet_name_file_name_and_period_argument(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Mei 2025"
    ws.append(["NIP", "NIP Penilai", "hasil_kerja"])
    ws.append([NIP[0], RATER, 3])
    book.save(tmp_path / "rekap.xlsx")
    assert wb.load(tmp_path / "rekap.xlsx").ratings["period"].tolist() == ["2025-05"]
    (tmp_path / "nilai_2024.csv").write_text(f"NIP;NIP Penilai;hasil_kerja\n{NIP[0]};{RATER};3\n")
    assert wb.load(tmp_path / "nilai_2024.csv").ratings["period"].tolist() == ["2024"]
    (tmp_path / "nilai.csv").write_text(f"NIP;NIP Penilai;hasil_kerja\n{NIP[0]};{RATER};3\n")
    assert wb.load(tmp_path / "nilai.csv", period="2023").ratings["period"].tolist() == ["2023"]
    with pytest.raises(DataContractError, match="no period column.*title rows"):
        wb.load(tmp_path / "nilai.csv")


def test_sheet_without_period_is_reported_with_the_true_reason(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Rekap"
    ws.append(["NIP", "NIP Penilai", "Periode", "hasil_kerja"])
    ws.append([NIP[0], RATER, "2025", 3])
    other = book.create_sheet("Lampiran")
    other.append(["NIP", "NIP Penilai", "hasil_kerja"])
    other.append([NIP[1], RATER, 2])
    book.save(tmp_path / "book.xlsx")
    ds = wb.load(tmp_path / "book.xlsx")
    ignored = ds.report.warnings[ds.report.warnings["reason"] == "sheet_ignored"]
    assert ignored["file"].tolist() == [f"{tmp_path / 'book.xlsx'} (sheet 'Lampiran')"]
    assert "no period column" in ignored["message"].iloc[0] and "header" not in ignored["message"].iloc[0]
    assert ds.ratings["employee_id"].tolist() == [NIP[0]]


# -- BKD recaps --------------------------------------------------------------------------------

def review_recap(n: int = 50, rater: bool = False) -> pd.DataFrame:
    units = [UNITS5[i // 10] for i in range(n)]
    nips = [f"19{80 + i % 20:02d}0{1 + i % 9}1{i % 3}20100{1 + i % 9}1{(i % 2) + 1}{i:03d}" for i in range(n)]
    rows = pd.DataFrame({"Unit Kerja": units, "NIP": nips, "Nama": [f"Pegawai {i}" for i in range(n)],
                         "Jabatan": "Pengelola Keuangan",
                         "Rating Hasil Kerja": ["Di Atas Ekspektasi" if i % 5 == 0 else "Sesuai Ekspektasi"
                                                for i in range(n)],
                         "Rating Perilaku Kerja": "Sesuai Ekspektasi",
                         "Predikat Kinerja": ["Sangat Baik" if i % 5 == 0 else "Baik" for i in range(n)]})
    if rater:
        rows.insert(4, "NIP Penilai", RATER)
    return rows


TITLE = ["REKAPITULASI PENILAIAN KINERJA PEGAWAI", "PEMERINTAH KOTA CONTOH", "TAHUN 2025"]


def test_review_recap_loads_instead_of_a_traceback(tmp_path):
    """Used to end in ``ValueError: No objects to concatenate``."""
    rows = review_recap()
    path = sf.write_bkd_recap(tmp_path / "rekap.xlsx", rows, TITLE)
    ds = wb.load(path)
    per_file_adds_up(ds)
    assert len(ds.ratings) == 100 and set(ds.ratings["indicator"]) == {"hasil_kerja", "perilaku_kerja"}
    assert set(ds.ratings["period"]) == {"2025"}
    assert ds.roster.set_index("employee_id")["unit"].to_dict() == dict(zip(rows["NIP"], rows["Unit Kerja"],
                                                                              strict=True))
    assert ds.predikat["predikat"].value_counts().to_dict() == {"Baik": 40, "Sangat Baik": 10,
                                                                "Butuh Perbaikan": 0, "Kurang/Misconduct": 0,
                                                                "Sangat Kurang": 0}
    w = ds.report.warnings
    merged = w[w["reason"] == "merged_cells_filled"]
    assert merged["value"].tolist() == ["B6:B15", "B16:B25", "B26:B35", "B36:B45", "B46:B55"]
    assert set(merged["column"]) == {"Unit Kerja"}
    assert w[w["reason"] == "preamble"]["line"].tolist() == [1, 2, 3]  # row 4 is empty: not read
    sig = w[w["reason"] == "signature_block"]["line"].tolist()
    assert sig == [57, 58, 59, 62, 63]  # the date, Mengetahui, Kepala, the name, NIP (empty rows are not read)
    assert w[w["reason"] == "row_number_column"]["column"].tolist() == ["No"]
    assert "no" not in set(ds.ratings["indicator"])
    assert ds.report.ok


def test_recap_with_a_rater_column_keeps_every_unit(tmp_path):
    """Used to lose the unit of 45 of 50 employees (the merged cells were empty)."""
    rows = review_recap(rater=True)
    ds = wb.load(sf.write_bkd_recap(tmp_path / "rekap.xlsx", rows, TITLE))
    per_file_adds_up(ds)
    assert len(ds.roster) == 50 and ds.roster["unit"].notna().all()
    assert ds.roster.groupby("unit").size().to_dict() == dict.fromkeys(UNITS5, 10)
    assert set(ds.ratings["rater_id"]) == {RATER}
    assert "unit_missing" not in reasons(ds)


def test_numeric_no_column_is_never_an_indicator(tmp_path):
    """A numeric ``No`` used to become an indicator scored 1-50."""
    lines = ["No;NIP;NIP Penilai;Periode;Unit Kerja;hasil_kerja"]
    lines += [f"{i + 1};{NIP[i]};{RATER};2025;Dinas A;3" for i in range(5)]
    p = tmp_path / "r.csv"
    p.write_text("\n".join(lines) + "\n")
    ds = wb.load(p)
    assert set(ds.ratings["indicator"]) == {"hasil_kerja"} and len(ds.ratings) == 5
    assert "no" not in ds.roster.columns
    for header in ("No.", "Nomor"):
        q = tmp_path / f"{header}.csv"
        q.write_text("\n".join([lines[0].replace("No;", f"{header};", 1), *lines[1:]]) + "\n")
        assert set(wb.load(q).ratings["indicator"]) == {"hasil_kerja"}


def test_unknown_column_is_reported_never_silently_an_indicator(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text(f"NIP;NIP Penilai;Periode;hasil_kerja;Skor Tambahan;Keterangan\n{NIP[0]};{RATER};2025;3;2;ok\n")
    ds = wb.load(p)
    w = ds.report.warnings
    assert w[w["reason"] == "indicator_guessed"][["column", "value"]].values.tolist() == [
        ["Skor Tambahan", "skor_tambahan"]]
    assert w[w["reason"] == "column_not_used"]["column"].tolist() == ["Keterangan"]
    with_roster = tmp_path / "s.csv"
    with_roster.write_text(f"NIP;Unit Kerja;Periode;Keterangan\n{NIP[0]};Dinas A;2025;pindahan\n")
    ds = wb.load(with_roster)
    assert ds.roster["keterangan"].tolist() == ["pindahan"]  # kept as a roster extra


def test_roster_conflict_does_not_raise(tmp_path):
    """Used to raise ``TypeError: sequence item 2: expected str instance, float found``."""
    p = tmp_path / "roster.csv"
    p.write_text("NIP;Unit Kerja;Periode;Jabatan;Tahun Lahir\n"
                 f"{NIP[0]};Dinas A;2025;Staf;1986\n{NIP[0]};Dinas B;2025;Staf;1986\n"
                 f"{NIP[1]};Dinas A;2025;;\n{NIP[1]};Dinas A;2025;;\n")
    ds = wb.load(p)
    per_file_adds_up(ds)
    assert ds.roster["employee_id"].tolist() == [NIP[1]]
    e = ds.report.errors
    assert e[["line", "reason"]].values.tolist() == [[2, "roster_conflict"], [3, "roster_conflict"],
                                                     [5, "duplicate_row"]]
    # an employee flagged as an error is not also kept
    flagged = set(e[e["reason"] == "roster_conflict"]["value"])
    assert flagged.isdisjoint(ds.roster["employee_id"])


def test_conflict_in_a_roster_derived_from_ratings_is_reported(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text(f"NIP;Penilai;Periode;Unit Kerja;hasil_kerja\n{NIP[0]};{RATER};2025;Dinas A;3\n"
                 f"{NIP[0]};197501012000031003;2025;Dinas B;3\n")
    ds = wb.load(p)
    assert NIP[0] not in set(ds.roster["employee_id"])
    assert {"roster_conflict", "employee_not_in_roster"} <= set(reasons(ds, "warning"))


def test_signature_rows_and_merged_fill_helpers():
    body = pd.DataFrame({"0": ["1", "2", "", "", "", ""], "1": [NIP[0], NIP[1], "", "", "", ""],
                         "2": ["a", "b", "", "Mengetahui,", "Drs. Budi", "NIP. 197501012000031002"]})
    assert signature_rows(body, "1").tolist() == [False, False, True, True, True, True]
    # a signature-like word in a data row with an id is data
    body.loc[1, "2"] = "Kepala Seksi"
    assert signature_rows(body, "1")[:2].tolist() == [False, False]
    frame = pd.DataFrame({"0": ["x", "", ""], "1": ["A", "", ""], "_line": [5, 6, 7]})
    assert fill_merged(frame, [(5, 1, 7, 1)])["1"].tolist() == ["A", "A", "A"]


def test_merged_ranges_read_from_the_workbook(tmp_path):
    path = sf.write_bkd_recap(tmp_path / "r.xlsx", review_recap(20), TITLE, signature=False)
    ranges = read_raw(path)[0].merged
    assert (6, 1, 15, 1) in ranges and (1, 0, 1, 7) in ranges  # title across No + 7 columns


def test_empty_sheet_next_to_a_good_one_is_reported(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["NIP", "NIP Penilai", "Periode", "hasil_kerja"])
    book.active.append([NIP[0], RATER, "2025", 3])
    book.create_sheet("Kosong")
    book.save(tmp_path / "b.xlsx")
    ds = wb.load(tmp_path / "b.xlsx")
    msg = ds.report.warnings.query("reason == 'sheet_ignored'")["message"].tolist()
    assert len(msg) == 1 and "empty" in msg[0]


def test_workbook_with_no_readable_sheet_is_a_contract_error(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["NIP", "NIP Penilai", "hasil_kerja"])
    book.active.append([NIP[0], RATER, 3])
    book.active.title = "Lampiran"
    book.save(tmp_path / "b.xlsx")
    with pytest.raises(DataContractError, match="no sheet could be read.*no period column"):
        wb.load(tmp_path / "b.xlsx")


# -- the bundled samples -----------------------------------------------------------------------

def test_ekinerja_sample():
    ds = wb.load(wb.data.sample_path("ekinerja_export"))
    per_file_adds_up(ds)
    assert sorted(ds.periods) == ["2025", "2025-03", "2025-08"]
    assert ds.roster.groupby("period").size().tolist() == [40, 40, 40]
    assert len(ds.org_ratings) == 4 and "predikat_kinerja_organisasi" in ds.meta["org_ratings_source"]
    assert (ds.meta["skp"]["status"].value_counts().to_dict()
            == {"own": 40, "acting": 2, "superseded": 1})
    assert ds.predikat.groupby("period").size().tolist() == [40, 40, 40]
    assert int(ds.predikat["predikat"].isna().sum()) == 1  # one employee not yet rated
    assert sum(f.stat().st_size for f in wb.data.sample_path("ekinerja_export").iterdir()) < 200_000


def test_recap_sample():
    ds = wb.read_sample("rekap_bkd")
    per_file_adds_up(ds)
    assert len(ds.roster) == 30 and len(ds.predikat) == 30 and len(ds.ratings) == 60
    assert "merged_cells_filled" in reasons(ds, "warning") and "signature_block" in reasons(ds, "warning")
    assert ds.report.ok


def test_one_sheet_per_month_takes_the_year_of_the_file(tmp_path):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, labels in (("Maret", ["Baik", "Baik"]), ("April", ["Sangat Baik", "-"]), ("Tahunan", ["Baik", "Baik"])):
        ws = book.create_sheet(name)
        ws.append(["LAPORAN PENILAIAN SKP"])
        ws.append(["Diperbarui: 2026-01-15 08:00"])  # an update time is not the period
        ws.append(["nip", "nama", "hasil_akhir"])
        for nip, label in zip(NIP[:2], labels, strict=True):
            ws.append([nip, "N", label])
    book.save(tmp_path / "penilaian_skp_2025.xlsx")
    ds = wb.load(tmp_path / "penilaian_skp_2025.xlsx")
    per_file_adds_up(ds)
    got = ds.predikat.assign(predikat=ds.predikat["predikat"].astype(object))
    assert sorted(got["period"].unique()) == ["2025", "2025-03", "2025-04"]
    april = got[got["period"] == "2025-04"].set_index("employee_id")["predikat"]
    assert april[NIP[0]] == "Sangat Baik" and pd.isna(april[NIP[1]])


def test_penilaian_without_its_laporan_skp_reports_the_unknown_ids(tmp_path):
    rows = pd.DataFrame({"id": ["s1", "s2"], "nama": ["A", "B"], "hasil_akhir": ["Baik", "Baik"]})
    sf.write_penilaian(tmp_path / "p.xlsx", rows, "LAPORAN PENILAIAN SKP TAHUNAN 2025")
    ds = wb.load(tmp_path / "p.xlsx")
    per_file_adds_up(ds)
    assert len(ds.predikat) == 0
    assert ds.report.errors["reason"].tolist() == ["skp_id_unknown", "skp_id_unknown"]


def test_supervisor_column_is_the_implied_rater(tmp_path):
    rows = review_recap(10)
    rows.insert(3, "NIP Atasan", RATER)
    ds = wb.load(sf.write_bkd_recap(tmp_path / "r.xlsx", rows, TITLE))
    assert set(ds.ratings["rater_id"]) == {RATER}
    w = ds.report.warnings
    assert w[w["reason"] == "assumed_rater"]["value"].tolist() == ["from 'NIP Atasan'"]
    assert set(ds.roster["supervisor_id"]) == {RATER}


def test_org_ratings_units_are_spelt_like_the_roster(tmp_path):
    """A unit with a non-breaking space or a zero-width space is the roster's unit, not a second one."""
    (tmp_path / "roster.csv").write_text(f"NIP;Unit Kerja;Periode\n{NIP[0]};Dinas Sosial;2025\n", encoding="utf-8")
    (tmp_path / "org.csv").write_text("Unit Kerja;Predikat Kinerja Organisasi\nDinas\u00a0Sosial\u200b;Baik\n",
                                      encoding="utf-8")
    ds = wb.load(tmp_path)
    assert ds.org_ratings["unit"].tolist() == ds.roster["unit"].tolist() == ["Dinas Sosial"]


PRED_LABELS = ["Sangat Baik", "BAIK", "butuh perbaikan", "-", "", "Istimewa", "Luar Biasa"]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_property_recaps_count_and_keep_exactly_the_good_rows(tmp_path_factory, data):
    n = data.draw(st.integers(1, 12), label="employees")
    units = sorted(data.draw(st.lists(st.sampled_from(UNITS5), min_size=n, max_size=n), label="units"))
    labels = data.draw(st.lists(st.sampled_from(PRED_LABELS), min_size=n, max_size=n), label="predikat")
    hasil = data.draw(st.lists(st.sampled_from([*sf.RATING_LABELS, ""]), min_size=n, max_size=n), label="hasil")
    signature = data.draw(st.booleans(), label="signature")
    nips = [f"1986092620150510{i:02d}" for i in range(n)]
    rows = pd.DataFrame({"Unit Kerja": units, "NIP": nips, "Nama": "N", "Rating Hasil Kerja": hasil,
                         "Rating Perilaku Kerja": "Sesuai Ekspektasi", "Predikat Kinerja": labels})
    path = sf.write_bkd_recap(tmp_path_factory.mktemp("p") / "r.xlsx", rows, TITLE, signature=signature)
    ds = wb.load(path)
    per_file_adds_up(ds)
    valid = [lab not in ("Istimewa", "Luar Biasa") for lab in labels]
    assert len(ds.predikat) == sum(valid)
    assert int(ds.predikat["predikat"].isna().sum()) == sum(lab in ("-", "") for lab in labels)
    assert len(ds.ratings) == n + sum(h != "" for h in hasil)
    assert ds.roster.set_index("employee_id")["unit"].to_dict() == dict(zip(nips, units, strict=True))
    assert ds.report.errors[ds.report.errors["reason"] == "predikat_invalid"]["line"].tolist() == [
        6 + i for i, ok in enumerate(valid) if not ok]


@pytest.mark.parametrize("header", ["Nama OPD;Predikat Organisasi", "OPD;PKO", "Unit Kerja;Predikat Kinerja Organisasi (PKO)",
                                    "Perangkat Daerah;Capaian Kinerja Organisasi", "Nama Unit;Predikat Organisasi"])
def test_the_loader_reads_every_org_ratings_header_the_org_reader_reads(tmp_path, header):
    from workbench.data.org_ratings import read_org_ratings

    path = tmp_path / "predikat_organisasi_2025.csv"
    path.write_text(f"Predikat Kinerja Organisasi Tahun 2025\n{header}\nDinas Kesehatan;Istimewa\n"
                    "Dinas Pendidikan;Butuh Perbaikan\n", encoding="utf-8")
    expected = read_org_ratings(path)[["unit", "org_predikat"]].values.tolist()
    assert expected == [["Dinas Kesehatan", "Istimewa"], ["Dinas Pendidikan", "Butuh Perbaikan"]]
    ds = wb.load(path)
    assert ds.org_ratings[["unit", "org_predikat"]].values.tolist() == expected


def test_a_folder_of_a_predikat_recap_a_roster_and_org_ratings_loads_as_one_dataset(tmp_path):
    roster = ["nip,unit_kerja,periode"] + [f"19800101200{i % 10}01{1001 + i:04d}"[:18] + f",Dinas {'AB'[i % 2]},2025"
                                           for i in range(20)]
    recap = ["NIP,Unit Kerja,Periode,Predikat"] + [
        r.split(",")[0] + f",Dinas {'AB'[i % 2]},2025," + ["BAIK", "sangat baik", "-"][i % 3]
        for i, r in enumerate(roster[1:17])]
    (tmp_path / "roster.csv").write_text("\n".join(roster) + "\n", encoding="utf-8")
    (tmp_path / "rekap_predikat_2025.csv").write_text("\n".join(recap) + "\n", encoding="utf-8")
    (tmp_path / "predikat_organisasi_2025.csv").write_text(
        "Predikat Kinerja Organisasi Tahun 2025\nNama OPD;Predikat Organisasi\nDinas A;Istimewa\n", encoding="utf-8")
    ds = wb.load(tmp_path)
    rep = ds.report
    assert rep.rows_read == rep.rows_kept + rep.rows_rejected == 20 + 16 + 1
    assert ds.org_ratings[["unit", "org_predikat"]].values.tolist() == [["Dinas A", "Istimewa"]]
    assert ds.meta["org_ratings_source"] == "predikat_organisasi_2025.csv"
    assert len(ds.roster) == 20 and ds.predikat["predikat"].notna().sum() == 11
    check = wb.curve_check(ds, period="2025")
    units = check.units.set_index("unit")
    assert units["n_unscored"].sum() == 20 - 11
    assert units.loc["Dinas A", "org_rating_source"] == "predikat_organisasi_2025.csv"
    assert units.loc["Dinas B", "org_rating_source"] == "assumed Baik"
