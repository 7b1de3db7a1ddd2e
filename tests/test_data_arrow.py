"""The pyarrow reading path of CSV files gives the same dataset and report as the careful paths.

:mod:`workbench.data.csvread` reads the common file with :mod:`pyarrow.csv` into
categorical columns (checks once per distinct value); pandas' C parser and the
:mod:`csv` module read the rest. Whichever reads a file, ``wb.load`` must return
identical frames and an identical report.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.data import csvread

HEADER = "NIP;NIP Penilai;Peran Penilai;Indikator;Nilai;Periode"
ROWS = [
    "198609262015051001;197905142002042001;atasan;kolaboratif;3,5;2025",
    "198609262015051001;197905142002042001;Atasan ;Kolaboratif;3,5;2025",  # exact duplicate once normalised
    "198609262015051001;197905142002042001;atasan;adaptif;3,5;2025",
    "198609262015051001;197905142002042001;atasan;adaptif;4;2025",  # conflicting duplicate
    "19860926 201505 1 002;197905142002042001;rekan;loyal;2,0;Triwulan I 2025",
    "1.98609E+17;197905142002042001;rekan;harmonis;2;2025",  # id in scientific notation
    ";197905142002042001;rekan;harmonis;2;2025",  # id missing
    "198609262015051002;197905142002042001;boss;harmonis;x;2025",  # unknown role, score not numeric
    "198609262015051002;197905142002042001;diri;9bad;;20x5",  # indicator, score, period
    ";;;;;",  # blank row
    HEADER,  # repeated header
    "198609262015051003;197905142002042001;pelanggan;akuntabel;Diatas Ekspektasi;2025-Q1",
    "198609262015051003;197905142002042001;pelanggan;akuntabel;3,0;2025-Q1",  # label 3 = 3,0: duplicate
]
INVISIBLE = [
    "19860926\u200b2015051004;197905142002042001;rekan;loyal;4,5;2025",  # zero-width space: kept, cleaned
    "198609262015051004\ue000;197905142002042001;rekan;kompeten;4;2025",  # private use: rejected
    "\uff11\uff19\uff18\uff16\uff10\uff19\uff12\uff16\uff12\uff10\uff11\uff15\uff10\uff15\uff11\uff10\uff10\uff14"
    ";197905142002042001;rekan;loyal;4,5;2025",  # fullwidth digits: the same rating as above, twice
]
WIDE = ("NIP;Periode;Unit Kerja;Berorientasi Pelayanan;Akuntabel;Catatan\n"
        "198609262015051001;2025;Dinas\u00a0Pendidikan;3,5;4;baik\n"
        "198609262015051002;2025;Dinas Pendidikan;;;\n"
        "198609262015051003;2025;Dinas Kesehatan;2;x;\n")

FILES = {
    "invisible.csv": HEADER + "\n" + "\n".join(ROWS + INVISIBLE) + "\n",  # not ASCII: decoded, then pyarrow
    "title.csv": "Rekap Penilaian Tahunan 2025;;;;;\n;;;;;\n" + HEADER + "\n" + "\n".join(ROWS)
    + "\nMengetahui;;;;;\nKepala Dinas;;;;;\n",  # ASCII: pyarrow straight from the bytes
    "wide.csv": WIDE,
    "ragged.csv": HEADER + "\n" + "\n".join(ROWS) + "\n1;2;atasan;loyal;3;2025;lebih\n",  # pyarrow gives up
}


def _load(path: Path, path_kind: str, monkeypatch: pytest.MonkeyPatch) -> wb.Dataset:
    with monkeypatch.context() as m:
        if path_kind != "arrow":
            m.setattr(csvread, "_arrow_stream", lambda *a, **k: None)  # every pyarrow path
        if path_kind == "csv":
            m.setattr(csvread, "_fast", lambda *a, **k: None)
        return wb.load(path)


def _assert_same(a: wb.Dataset, b: wb.Dataset, roster_dtypes: bool = True) -> None:
    pd.testing.assert_frame_equal(a.ratings, b.ratings)
    # the csv module's cells are objects where pandas' parser gives text: a roster's extra
    # columns (kept as they are) differ in dtype only, as they always did
    pd.testing.assert_frame_equal(a.roster, b.roster, check_dtype=roster_dtypes)
    pd.testing.assert_frame_equal(a.report.problems, b.report.problems)
    pd.testing.assert_frame_equal(a.report.counts, b.report.counts)


@pytest.mark.parametrize("name", sorted(FILES))
def test_arrow_and_careful_paths_give_identical_datasets(
        name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / name
    path.write_text(FILES[name], encoding="utf-8")
    arrow, careful = _load(path, "arrow", monkeypatch), _load(path, "csv", monkeypatch)
    _assert_same(arrow, careful, roster_dtypes=False)
    if name == "wide.csv":  # pandas' C parser, the path between the two
        _assert_same(arrow, _load(path, "pandas", monkeypatch))
    rep = arrow.report
    assert rep.rows_read == rep.rows_kept + rep.rows_rejected
    assert rep.rows_rejected > 0 and len(arrow.ratings) > 0


def test_the_files_exercise_what_they_should(tmp_path: Path) -> None:
    path = tmp_path / "invisible.csv"
    path.write_text(FILES["invisible.csv"], encoding="utf-8")
    ds = wb.load(path)
    reasons = set(ds.report.problems["reason"])
    assert {"conflicting_duplicate", "duplicate_row", "id_invalid_characters", "id_scientific_notation",
            "id_missing", "blank_row", "repeated_header", "score_not_numeric", "period_invalid"} <= reasons
    assert 3.5 in ds.ratings["score"].tolist()  # a decimal comma
    assert "198609262015051004" in set(ds.ratings["employee_id"])  # the zero-width space is gone


def test_arrow_reads_the_common_file_and_not_a_ragged_one(tmp_path: Path) -> None:
    ok = (HEADER + "\n" + "\n".join(ROWS) + "\n").encode()
    d = csvread.read_ascii(ok, "a.csv")
    assert d is not None and isinstance(d.frame["0"].dtype, pd.CategoricalDtype)
    np.testing.assert_array_equal(d.frame["_line"], np.arange(1, len(ROWS) + 2))
    assert csvread.read_ascii(FILES["ragged.csv"].encode(), "r.csv") is None
    assert csvread.read_ascii(b'NIP;Catatan\n1;"a;b"\n', "q.csv") is None  # quotes: the text readers
    text = FILES["invisible.csv"]  # not ASCII: decoded first, then read by pyarrow all the same
    frame = csvread.read_delimited(text, "i.csv").frame
    assert isinstance(frame["0"].dtype, pd.CategoricalDtype)


STREAMED = {
    "plain.csv": (HEADER + "\n" + "\n".join(ROWS) + "\n").encode(),
    "bom.csv": b"\xef\xbb\xbf" + (HEADER + "\n" + "\n".join(ROWS)).encode(),  # no newline at the end
    "title.csv": FILES["title.csv"].encode(),
    "ragged.csv": FILES["ragged.csv"].encode(),
    "quoted.csv": b'NIP;Catatan\n1;"a;b"\n',
    "crlf.csv": (HEADER + "\r\n" + ROWS[0] + "\r\n").encode(),
    "utf8.csv": FILES["invisible.csv"].encode(),
    "one_column.csv": b"NIP\n1\n",
    "zip.csv": b"PK\x03\x04;a\n1;2\n",
}


@pytest.mark.parametrize("chunk", [8, 64, 1 << 23])
def test_streamed_file_reads_as_its_bytes(chunk: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """read_ascii_file (the file scanned in chunks, then streamed to pyarrow) gives the cells of
    read_ascii on the whole bytes, and gives up on the same files (and on a zip, a first line
    longer than a chunk), which read_raw then reads from the bytes."""
    monkeypatch.setattr(csvread, "_CHUNK", chunk)
    for name, data in STREAMED.items():
        path = tmp_path / name
        path.write_bytes(data)
        got, want = csvread.read_ascii_file(path, name), csvread.read_ascii(data, name)
        if got is None:
            first = data.find(b"\n")
            assert want is None or name == "zip.csv" or first < 0 or first >= chunk, name
            continue
        assert want is not None, name
        pd.testing.assert_frame_equal(got.frame, want.frame)
        assert (got.separator, got.encoding) == (want.separator, want.encoding)
    if chunk > 100:  # the first line within a chunk: the common file is streamed
        assert csvread.read_ascii_file(tmp_path / "plain.csv", "p") is not None


def test_chunked_dictionaries_become_the_categorical_pyarrow_gives() -> None:
    import pyarrow as pa

    chunks = [pa.array(v, pa.string()).dictionary_encode() for v in (["b", "a", "b"], ["c", "a"], [], ["d", "c", "b"])]
    column = pa.chunked_array(chunks, type=chunks[0].type)
    got = pd.Series(csvread._categorical(column))
    want = column.to_pandas()
    pd.testing.assert_series_equal(got, want)
    assert got.cat.categories.tolist() == ["b", "a", "c", "d"]  # in order of first appearance
    many = pa.chunked_array([pa.array([str(i) for i in range(k, k + 200)]).dictionary_encode() for k in (0, 100)])
    assert pd.Series(csvread._categorical(many)).cat.codes.dtype == many.to_pandas().cat.codes.dtype == np.int16
