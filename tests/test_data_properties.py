"""Hypothesis: whatever happens to the rows of a file, the counts add up and nothing vanishes."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb

HEADER = ["NIP", "Penilai", "Peran Penilai", "Indikator", "Nilai", "Periode"]
GOOD = ["198609262015051001", "197501012000031002", "atasan", "kolaboratif", "4", "2025"]

cell = st.one_of(st.sampled_from(["", " ", "x", "3,5", "1.9E+17", "rekan", "Di Atas Ekspektasi", "2025-Q5",
                                  "19860926 201505 1 001", "NaN", "-"]),
                 st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\n\r\";"),
                         max_size=8))


@st.composite
def corrupted_rows(draw):
    n = draw(st.integers(1, 25))
    rows = []
    for i in range(n):
        row = list(GOOD)
        row[0] = str(198609262015051001 + i)
        for j in draw(st.lists(st.integers(0, 5), max_size=3)):
            row[j] = draw(cell)
        kind = draw(st.sampled_from(["row", "row", "row", "blank", "header", "duplicate"]))
        if kind == "blank":
            row = [""] * 6
        elif kind == "header":
            row = list(HEADER)
        elif kind == "duplicate" and rows:
            row = list(rows[-1])
        rows.append(row)
    return rows


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=corrupted_rows(), sep=st.sampled_from([";", ","]))
def test_counts_always_add_up(tmp_path_factory, rows, sep):
    path = tmp_path_factory.mktemp("p") / "r.csv"
    text = sep.join(HEADER) + "\n" + "\n".join(sep.join(r) for r in rows) + "\n"
    path.write_text(text, encoding="utf-8")
    ds = wb.load(path)
    r = ds.report
    assert r.rows_read == len(rows)
    assert r.rows_read == r.rows_kept + r.rows_rejected
    assert r.rows_kept == len(ds.ratings)
    ds.validate()  # what the loader kept satisfies the pandera schemas
    rejected_lines = set(r.errors["line"].dropna().astype(int))
    assert len(rejected_lines) == r.rows_rejected  # every rejected row is in the report, once per line
    kept_and_rejected = rejected_lines & set(range(2, len(rows) + 2))
    assert len(kept_and_rejected) == r.rows_rejected


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(["3,5", "4", "Diatas Ekspektasi", "x", ""]), min_size=1, max_size=30))
def test_from_frames_counts(scores):
    df = pd.DataFrame({"period": "2025", "employee_id": [f"E{i}" for i in range(len(scores))],
                       "rater_id": "R1", "rater_role": "atasan", "indicator": "adaptif", "score": scores})
    ds = wb.Dataset.from_frames(df)
    assert ds.report.rows_read == len(scores) == ds.report.rows_kept + ds.report.rows_rejected
    assert ds.report.rows_rejected == sum(s in ("x", "") for s in scores)


# --- the readers: quoted line breaks, invisible characters, spreadsheets with gaps -----------------

QHEADER = ["NIP", "Penilai", "Indikator", "Nilai", "Periode", "Catatan"]
RATER = "197501012000031002"


@st.composite
def quoted_rows(draw):
    n = draw(st.integers(1, 15))
    rows = []
    for i in range(n):
        good = draw(st.booleans())
        breaks = draw(st.integers(0, 3))
        note = "\n".join(["baris"] * (breaks + 1))
        nip = str(198609262015051001 + i)
        if draw(st.booleans()):
            nip = draw(st.sampled_from(["\u200b", "\ufeff", "\u00a0", " "])) + nip
        rows.append((nip, "4" if good else "x", note, good))
    return rows


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=quoted_rows(), crlf=st.booleans())
def test_quoted_line_breaks_keep_line_numbers(tmp_path_factory, rows, crlf):
    path = tmp_path_factory.mktemp("q") / "q.csv"
    lines, starts, line = [";".join(QHEADER)], [], 2
    for nip, score, note, _ in rows:
        starts.append(line)
        lines.append(f'{nip};{RATER};kolaboratif;{score};2025;"{note}"')
        line += note.count("\n") + 1
    nl = "\r\n" if crlf else "\n"
    path.write_bytes((nl.join(lines) + nl).encode("utf-8"))
    ds = wb.load(path)
    r = ds.report
    assert r.rows_read == len(rows) == r.rows_kept + r.rows_rejected
    good = [str(198609262015051001 + i) for i, row in enumerate(rows) if row[3]]
    assert sorted(ds.ratings["employee_id"]) == good
    bad_lines = [s for s, row in zip(starts, rows, strict=True) if not row[3]]
    assert sorted(r.errors["line"].astype(int)) == bad_lines


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(gaps=st.lists(st.tuples(st.integers(0, 3), st.booleans()), min_size=1, max_size=12),
       title=st.integers(0, 3), stale=st.booleans())
def test_xlsx_rows_with_gaps_keep_their_sheet_rows(tmp_path_factory, gaps, title, stale):
    import zipfile

    import openpyxl

    path = tmp_path_factory.mktemp("x") / "x.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    for t in range(title):
        ws.cell(t + 1, 1, f"Judul {t}")
    row = title + 1
    for c, h in enumerate(QHEADER[:5], start=1):
        ws.cell(row, c, h)
    expected = []
    for i, (gap, good) in enumerate(gaps):
        row += 1 + gap
        nip = str(198609262015051001 + i)
        for c, v in enumerate([nip, RATER, "kolaboratif", 4 if good else "x", 2025], start=1):
            ws.cell(row, c, v)
        expected.append((row, nip, good))
    book.save(path)
    if stale:  # a <dimension> that says the sheet is two cells
        tmp = path.with_suffix(".tmp")
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w") as dst:
            for item in src.infolist():
                data = src.read(item.filename)
                if item.filename.startswith("xl/worksheets/"):
                    text = data.decode()
                    start = text.index("<dimension")
                    data = (text[:start] + '<dimension ref="A1:B2"/>' + text[text.index("/>", start) + 2:]).encode()
                dst.writestr(item, data)
        tmp.replace(path)
    ds = wb.load(path)
    r = ds.report
    assert r.rows_read == len(gaps) == r.rows_kept + r.rows_rejected
    assert sorted(ds.ratings["employee_id"]) == [nip for _, nip, good in expected if good]
    assert sorted(r.errors["line"].astype(int)) == [line for line, _, good in expected if not good]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1600, 2300), st.integers(0, 99), st.integers(0, 99), st.integers(1600, 9999),
                          st.integers(0, 99), st.integers(0, 9), st.integers(0, 999)), min_size=1, max_size=40))
def test_nip_digit_checks_agree_with_calendar(parts):
    """The arithmetic checks of 18-digit NIPs give what pandas' calendar gives (leap days,
    month lengths, years beyond pandas' dates)."""
    from workbench.data.normalize import _nip_checks

    nips = pd.Series([f"{y:04d}{m:02d}{d:02d}{ty:04d}{tm:02d}{g}{r:03d}" for y, m, d, ty, tm, g, r in parts])
    birth = pd.to_datetime(nips.str[:8], format="%Y%m%d", errors="coerce")
    tmt = pd.to_datetime(nips.str[8:14] + "01", format="%Y%m%d", errors="coerce")
    bad_birth = (birth.isna() | (birth.dt.year < 1940) | (birth.dt.year > 2010)).to_numpy(dtype=bool)
    bad_tmt = (tmt.isna() | (tmt.dt.year > 2035) | ((tmt.dt.year - birth.dt.year) < 17)).to_numpy(dtype=bool)
    got_birth, got_tmt, got_gender = _nip_checks(nips.to_numpy(dtype=object))
    assert (got_birth == bad_birth).all()
    assert (got_tmt[~bad_birth] == bad_tmt[~bad_birth]).all()  # a bad birth date is the reason given
    assert (got_gender == ~nips.str[14].isin(["1", "2"]).to_numpy(dtype=bool)).all()
