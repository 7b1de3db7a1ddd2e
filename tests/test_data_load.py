"""Loaders that lose nothing: every kind of messy input, what was kept and what was reported."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.errors import DataContractError

HEADER = "NIP;Penilai;Peran Penilai;Indikator;Nilai;Periode"
NIP_A = "198609262015051001"
NIP_B = "199001012019032002"
RATER = "197501012000031002"


def write(tmp_path, text: str, name: str = "f.csv", encoding: str = "utf-8") -> str:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return str(p)


def counts_add_up(ds: wb.Dataset) -> None:
    r = ds.report
    assert r.rows_read == r.rows_kept + r.rows_rejected
    assert r.rows_rejected == r.errors["line"].notna().sum() or r.rows_rejected <= len(r.errors)


def test_semicolon_and_decimal_comma(tmp_path):
    path = write(tmp_path, f"{HEADER}\n{NIP_A};{RATER};atasan;kolaboratif;3,5;2025\n"
                           f"{NIP_B};{RATER};atasan;kolaboratif;4;2025\n")
    ds = wb.load(path)
    assert ds.ratings["score"].tolist() == [3.5, 4.0]
    assert ds.report.rows_read == 2 and ds.report.ok


def test_comma_separated_with_decimal_point(tmp_path):
    text = HEADER.replace(";", ",") + f"\n{NIP_A},{RATER},atasan,kolaboratif,3.25,2025\n"
    assert wb.load(write(tmp_path, text)).ratings["score"].tolist() == [3.25]


@pytest.mark.parametrize(("encoding", "prefix"), [("utf-8", b"\xef\xbb\xbf"), ("cp1252", b""), ("utf-8", b"")])
def test_bom_and_windows_1252(tmp_path, encoding, prefix):
    text = f"NIP;Penilai;Indikator;Nilai;Periode;Unit Kerja;Nama\n{NIP_A};{RATER};kolaboratif;4;2025;Dinas Pendidikan;José Ñoño\n"
    p = tmp_path / "f.csv"
    p.write_bytes(prefix + text.encode(encoding))
    ds = wb.load(p)
    assert list(ds.ratings.columns) == list(wb.data.RATING_COLUMNS)
    assert ds.ratings["employee_id"].tolist() == [NIP_A]  # the BOM did not stick to the first header
    assert ds.roster["name"].tolist() == ["José Ñoño"]
    assert ds.roster["unit"].tolist() == ["Dinas Pendidikan"]


@pytest.mark.parametrize("label", ["Di Atas Ekspektasi", "Diatas Ekspektasi", "DIATAS EKSPEKTASI",
                                   "di  atas ekspektasi", "di_atas_ekspektasi"])
def test_rating_label_spellings(tmp_path, label):
    path = write(tmp_path, f"{HEADER}\n{NIP_A};{RATER};atasan;hasil_kerja;{label};2025\n"
                           f"{NIP_B};{RATER};atasan;hasil_kerja;Di Bawah Ekspektasi;2025\n"
                           f"{NIP_A};{RATER};atasan;perilaku_kerja;sesuai ekspektasi;2025\n")
    ds = wb.load(path)
    assert ds.ratings["score"].tolist() == [3.0, 1.0, 2.0]
    assert ds.report.ok


def test_nip_with_spaces_is_repaired(tmp_path):
    spaced = "19860926 201505 1 001"
    path = write(tmp_path, f"{HEADER}\n{spaced};{RATER};atasan;kolaboratif;4;2025\n")
    ds = wb.load(path)
    assert ds.ratings["employee_id"].tolist() == [NIP_A]
    assert ds.report.warnings.empty


def test_nip_in_scientific_notation_is_rejected_with_fix(tmp_path):
    path = write(tmp_path, f"{HEADER}\n1.98609E+17;{RATER};atasan;kolaboratif;4;2025\n"
                           f"{NIP_B};{RATER};atasan;kolaboratif;4;2025\n")
    ds = wb.load(path)
    assert ds.ratings["employee_id"].tolist() == [NIP_B]
    err = ds.report.errors.iloc[0]
    assert (err["line"], err["column"], err["reason"]) == (2, "employee_id", "id_scientific_notation")
    assert "Text" in err["message"]  # says how to fix it


def test_nip_stored_as_number_with_trailing_zero(tmp_path):
    path = write(tmp_path, f"{HEADER}\n{NIP_A}.0;{RATER};atasan;kolaboratif;4;2025\n")
    assert wb.load(path).ratings["employee_id"].tolist() == [NIP_A]


def test_nip_that_lost_a_digit_is_a_warning_not_an_error(tmp_path):
    short = NIP_A[1:]
    path = write(tmp_path, f"{HEADER}\n{short};{RATER};atasan;kolaboratif;4;2025\n")
    ds = wb.load(path)
    assert ds.ratings["employee_id"].tolist() == [short]
    assert ds.report.ok
    assert ds.report.warnings["reason"].tolist() == ["nip_length"]


@pytest.mark.parametrize(("nip", "reason"), [
    ("198613262015051001", "nip_birth_date"),   # month 13
    ("198609261995051001", "nip_tmt"),          # appointed at 8 years old
    ("198609262015053001", "nip_gender_digit"),  # digit 15 is 3
])
def test_implausible_nips_are_warnings(tmp_path, nip, reason):
    ds = wb.load(write(tmp_path, f"{HEADER}\n{nip};{RATER};atasan;kolaboratif;4;2025\n"))
    assert len(ds.ratings) == 1
    assert ds.report.warnings["reason"].tolist() == [reason]
    assert ds.report.warnings["line"].tolist() == [2]


def test_duplicates_exact_and_conflicting(tmp_path):
    rows = [f"{NIP_A};{RATER};atasan;kolaboratif;4;2025",
            f"{NIP_A};{RATER};atasan;kolaboratif;4;2025",   # exact copy: later one rejected
            f"{NIP_B};{RATER};atasan;kolaboratif;3;2025",
            f"{NIP_B};{RATER};atasan;kolaboratif;5;2025"]   # conflict: both rejected
    ds = wb.load(write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n"))
    assert ds.ratings[["employee_id", "score"]].values.tolist() == [[NIP_A, 4.0]]
    errors = ds.report.errors.set_index("line")["reason"].to_dict()
    assert errors == {3: "duplicate_row", 4: "conflicting_duplicate", 5: "conflicting_duplicate"}
    counts_add_up(ds)


def test_empty_trailing_rows_and_repeated_header(tmp_path):
    text = (f"{HEADER}\n{NIP_A};{RATER};atasan;kolaboratif;4;2025\n{HEADER}\n"
            f"{NIP_B};{RATER};atasan;kolaboratif;3;2025\n;;;;;\n;;;;;\n")
    ds = wb.load(write(tmp_path, text))
    assert len(ds.ratings) == 2
    assert ds.report.errors.set_index("line")["reason"].to_dict() == {
        3: "repeated_header", 5: "blank_row", 6: "blank_row"}
    assert (ds.report.rows_read, ds.report.rows_kept, ds.report.rows_rejected) == (5, 2, 3)


def test_title_lines_above_header(tmp_path):
    text = f"REKAP PENILAIAN\nDinas X\n{HEADER}\n{NIP_A};{RATER};atasan;kolaboratif;4;2025\n"
    ds = wb.load(write(tmp_path, text))
    assert len(ds.ratings) == 1 and ds.report.rows_read == 1
    assert ds.report.warnings["reason"].tolist() == ["preamble", "preamble"]


def test_row_with_too_many_fields_is_reported(tmp_path):
    text = f"{HEADER}\n{NIP_A};{RATER};atasan;kolaboratif;4;2025\n{NIP_B};{RATER};atasan;kolaboratif;3;2025;extra\n"
    ds = wb.load(write(tmp_path, text))
    assert len(ds.ratings) == 1
    assert ds.report.errors[["line", "reason"]].values.tolist() == [[3, "too_many_fields"]]


def test_bad_values_name_file_line_column_and_value(tmp_path):
    text = (f"{HEADER}\n{NIP_A};{RATER};atasan;kolaboratif;empat;2025\n"
            f"{NIP_A};{RATER};kepala;kolaboratif;4;2025\n"
            f"{NIP_A};{RATER};atasan;adaptif;4;kemarin\n"
            f"{NIP_A};{RATER};atasan;adaptif;;2025\n")
    path = write(tmp_path, text)
    ds = wb.load(path)
    assert ds.ratings.empty
    e = ds.report.errors[["file", "line", "column", "value", "reason"]]
    assert e.values.tolist() == [
        [path, 2, "score", "empat", "score_not_numeric"],
        [path, 3, "rater_role", "kepala", "rater_role_unknown"],
        [path, 4, "period", "kemarin", "period_invalid"],
        [path, 5, "score", "", "score_missing"],
    ]
    assert ds.report.errors["message"].str.len().min() > 20


def test_english_headers_and_user_mapping(tmp_path):
    text = f"Employee ID,Rater,Rater Role,Indicator,Score,Period\n{NIP_A},{RATER},supervisor,Kolaboratif,4,2025-Q1\n"
    ds = wb.load(write(tmp_path, text))
    assert ds.ratings.iloc[0][["rater_role", "indicator", "period"]].tolist() == ["atasan", "kolaboratif", "2025-Q1"]
    text2 = f"Pegawai Dinilai;Penilai;Butir;Skor Akhir;Periode\n{NIP_A};{RATER};adaptif;4;2025\n"
    ds2 = wb.load(write(tmp_path, text2, "g.csv"),
                  columns={"Pegawai Dinilai": "employee_id", "Butir": "indicator", "Skor Akhir": "score"})
    assert ds2.ratings[["employee_id", "indicator", "score"]].values.tolist() == [[NIP_A, "adaptif", 4.0]]


def test_wide_ekinerja_export_with_roster_columns(tmp_path):
    text = ("NIP;Nama;Unit Kerja;Jabatan;Gol/Ruang;NIP Penilai;Periode;Rating Hasil Kerja;Rating Perilaku;Predikat\n"
            f"{NIP_A};Budi Santoso;Dinas Sosial;Kepala Seksi Rehabilitasi;Penata, III/c;{RATER};2025;Sesuai Ekspektasi;Di Atas Ekspektasi;Baik\n"
            f"{NIP_B};Siti Rahayu;Dinas Sosial;Analis Kebijakan Ahli Pertama;III/a;{RATER};2025;Diatas Ekspektasi;;Baik\n")
    ds = wb.load(write(tmp_path, text))
    got = ds.ratings.sort_values(["employee_id", "indicator"])[["employee_id", "indicator", "score"]]
    assert got.values.tolist() == [[NIP_A, "hasil_kerja", 2.0], [NIP_A, "perilaku_kerja", 3.0],
                                   [NIP_B, "hasil_kerja", 3.0]]
    assert (ds.ratings["rater_role"] == "atasan").all()
    assert "assumed_rater_role" in ds.report.warnings["reason"].tolist()
    roster = ds.roster.set_index("employee_id")
    assert roster.loc[NIP_A, "jabatan"] == "pengawas" and roster.loc[NIP_B, "jabatan"] == "fungsional"
    assert roster.loc[NIP_A, "golongan"] == "III/c"
    assert roster.loc[NIP_B, "gender"] == "P" and roster.loc[NIP_B, "birth_year"] == 1990  # from the NIP
    assert "predikat" not in roster.columns  # the recorded predikat is data of its own
    assert ds.predikat[["employee_id", "predikat"]].values.tolist() == [[NIP_A, "Baik"], [NIP_B, "Baik"]]
    counts = ds.report.counts.set_index("table")["rows_read"]
    assert counts["ratings"] == 3 and counts["predikat"] == 2  # a wide row counts one row per filled cell
    assert ds.report.ok


def test_wide_row_with_no_scores_is_reported(tmp_path):
    text = f"NIP;NIP Penilai;Periode;hasil_kerja;perilaku_kerja\n{NIP_A};{RATER};2025;;\n{NIP_B};{RATER};2025;2;3\n"
    ds = wb.load(write(tmp_path, text))
    assert ds.report.errors[["line", "reason"]].values.tolist() == [[2, "no_scores"]]
    assert (ds.report.rows_read, ds.report.rows_kept) == (3, 2)


def test_period_given_for_a_file_without_one(tmp_path):
    text = f"NIP;NIP Penilai;hasil_kerja;perilaku_kerja\n{NIP_A};{RATER};2;3\n"
    with pytest.raises(DataContractError, match="period='2025'"):
        wb.load(write(tmp_path, text))
    assert wb.load(write(tmp_path, text), period="2025").periods == ["2025"]


def test_xlsx_with_numbers_for_nips_and_several_sheets(tmp_path):
    # an xlsx cell holds a number as a double, as Excel does: an 18-digit NIP typed as a
    # number has lost digits; typed as text it survives
    path = tmp_path / "book.xlsx"
    good = pd.DataFrame({"NIP": pd.Series([NIP_A, int(NIP_B)], dtype=object), "Penilai": [RATER, RATER],
                         "Indikator": ["kolaboratif", "adaptif"], "Nilai": [4, 3.5], "Periode": [2025, 2025]})
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"Catatan": ["tidak ada data di sini"]}).to_excel(xl, sheet_name="Info", index=False)
        good.to_excel(xl, sheet_name="Penilaian", index=False)
    ds = wb.load(path)
    assert ds.ratings["employee_id"].tolist() == [NIP_A]
    err = ds.report.errors.iloc[0]
    assert (err["reason"], err["line"], err["file"]) == ("id_scientific_notation", 3, f"{path} (sheet 'Penilaian')")
    assert "sheet_ignored" in ds.report.warnings["reason"].tolist()
    assert ds.ratings["score"].tolist() == [4.0] and ds.periods == ["2025"]


def test_parquet_round_trip_and_folder(tmp_path, kota):
    folder = tmp_path / "data"
    folder.mkdir()
    sub = kota.subset(unit="Inspektorat")
    sub.ratings.assign(rater_role=sub.ratings["rater_role"].astype(str)).to_parquet(folder / "ratings.parquet")
    sub.roster.to_csv(folder / "roster.csv", index=False)
    (folder / "_notes.csv").write_text("ignored")
    ds = wb.load(folder)
    pd.testing.assert_frame_equal(ds.ratings, sub.ratings)
    assert ds.report.ok and len(ds.roster) == len(sub.roster)


def test_parquet_cells_are_converted_once_per_value_as_each_cell_alone(tmp_path):
    """The Parquet reader converts each distinct value once and spreads the texts: the
    same cells (and column types) as converting the whole column; -0.0 and 0.0 are two
    values (two texts), NaN and None are blank, floats too big for an id keep their
    scientific notation."""
    from workbench.data.read import _float_text, _integer_text, _read_parquet, _string_text

    rng = np.random.default_rng(3)
    n = 400
    floats = rng.choice([1.0, 2.5, -0.0, 0.0, np.nan, 1e15, 1e16, 198609262015051001.0, 0.1 + 0.2, -4.25], n)
    floats[::9] = rng.normal(size=len(floats[::9]))
    df = pd.DataFrame({"s": rng.choice(["a", "b", None, "\u00c4 x", ""], n),
                       "cat": pd.Categorical(rng.choice(["p", "q", None], n)),
                       "catint": pd.Categorical(rng.choice([1, 2, 30], n)),
                       "i": rng.integers(-5, 5, n),
                       "f": floats})
    df.to_parquet(tmp_path / "x.parquet")
    got = _read_parquet(tmp_path / "x.parquet").frame
    back = pd.read_parquet(tmp_path / "x.parquet")
    want = pd.DataFrame(index=range(n))
    for i, (c, text) in enumerate([("s", _string_text), ("cat", _string_text), ("catint", _string_text),
                                   ("i", _integer_text), ("f", _float_text)]):
        want[str(i)] = text(back[c])
    want["_line"] = np.arange(1, n + 1)
    pd.testing.assert_frame_equal(got, want)
    assert {"0.0", "-0.0", "", "1.986093E+17", "1.000000E+15"} <= set(got["4"])


def test_ratings_for_employees_missing_from_roster_are_flagged(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "ratings.csv").write_text(f"{HEADER}\n{NIP_A};{RATER};atasan;kolaboratif;4;2025\n"
                                        f"{NIP_B};{RATER};atasan;kolaboratif;4;2025\n")
    (folder / "roster.csv").write_text(f"NIP,Periode,Unit Kerja\n{NIP_A},2025,Inspektorat\n")
    ds = wb.load(folder)
    assert len(ds.ratings) == 2
    assert ds.report.warnings["reason"].tolist() == ["employee_not_in_roster"]


@pytest.mark.parametrize(("content", "match"), [
    (None, "no such file"),
    (b"", "empty"),
    (b"PK\x03\x04garbage", "Rename it to .xlsx"),
    (b"a;b\n1;2\n", "no header row found"),
    (b"Nama;Penilai;Indikator;Nilai\nBudi;1;x;3\n", "period"),
])
def test_unreadable_files_raise_with_a_fix(tmp_path, content, match):
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DataContractError, match=match):
        wb.load(path)


def test_unsupported_types(tmp_path):
    for name, match in (("old.xls", "Excel 97-2003"), ("data.json", "unsupported file type")):
        p = tmp_path / name
        p.write_text("x")
        with pytest.raises(DataContractError, match=match):
            wb.load(p)


def test_messy_sample_reports_every_planted_problem():
    ds = wb.read_sample("messy")
    planted = pd.read_csv(wb.data.sample_path("messy") / "_planted.csv")
    problems = ds.report.problems
    for _, p in planted.iterrows():
        reason = p["problem"].split(" ")[0]
        if p["problem"].endswith("(kept)"):
            continue
        assert ((problems["line"] == p["line"]) & (problems["reason"] == reason)).any(), p.to_dict()
    counts_add_up(ds)
    assert ds.report.rows_rejected == 13


def test_from_frames_validates_like_a_file(kota):
    bad = kota.ratings.head(10).astype({"score": object})
    bad.loc[3, "score"] = "x"
    ds = wb.Dataset.from_frames(bad, kota.roster.head(5))
    assert len(ds.ratings) == 9 and ds.report.rows_rejected == 1
    assert ds.report.errors.iloc[0][["file", "line", "reason"]].tolist() == ["<ratings>", 4, "score_not_numeric"]


def test_sample_shape(kota):
    assert len(kota.units) == 12
    n = kota.roster.groupby("period")["employee_id"].nunique()
    assert n.between(1000, 1500).all() and set(n.index) == {"2025", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"}
    year = kota.ratings[kota.ratings["period"] == "2025"]
    assert set(year["rater_role"].astype(str)) == {"atasan", "rekan", "diri"}
    ek = kota.ratings[kota.ratings["indicator"].isin(["hasil_kerja", "perilaku_kerja"])]
    assert set(ek["score"]) == {1.0, 2.0, 3.0}
    assert np.isclose(kota.roster["gender"].eq("P").mean(), 0.54, atol=0.05)


def test_validate_checks_the_pandera_schemas(kota):
    assert kota.validate() is kota
    bad = wb.Dataset.trusted(kota.ratings.head(3).assign(indicator="Bad Id"), kota.roster.head(3))
    with pytest.raises(DataContractError) as info:
        bad.validate()
    cases = info.value.failure_cases
    assert set(cases["column"]) == {"indicator"} and cases["line"].tolist() == [1, 2, 3]


def test_raw_cells_are_let_go_before_the_kept_rows_are_built(monkeypatch):
    """The raw table handed to the ratings cleaner is freed before the result is built (the
    peak memory of a large load): no empty slice of it is kept, which would hold its columns."""
    import gc
    import weakref

    from workbench.data import clean

    line = np.arange(2, 1002, dtype=np.int64)
    raw = pd.DataFrame({"period": "2025", "employee_id": NIP_A, "rater_id": RATER, "rater_role": "atasan",
                        "indicator": [f"i{k}" for k in range(1000)], "score": "3,5", "_line": line}, copy=False)
    alive = weakref.ref(line)
    del line
    assert alive() is not None  # the table holds the array itself, not a copy
    freed: list[bool] = []

    def kept_rows(*args, **kwargs):
        gc.collect()
        freed.append(alive() is None)
        return build(*args, **kwargs)

    build = clean._kept_rows
    monkeypatch.setattr(clean, "_kept_rows", kept_rows)
    tables = [raw]
    del raw
    kept, report = clean._clean_ratings(tables, file="f.csv")
    assert freed == [True]
    assert len(kept) == 1000 and report.rows_kept == 1000
