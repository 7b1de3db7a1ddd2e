"""The low-level readers: every file a BKD has is read, no row is lost, no traceback."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import workbench as wb
from workbench.data import xlsx as xlsx_mod
from workbench.data.read import read_raw
from workbench.errors import DataContractError

NIP_A = "198609262015051001"
NIP_B = "197501012000031002"
RATER = "196805121990031003"
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RNS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


# --------------------------------------------------------------------------- helpers


def raw_xlsx(path: Path, sheets: dict[str, str], shared: list[str] | None = None, styles: str | None = None,
             date1904: bool = False) -> Path:
    """Write a minimal xlsx by hand: ``sheets`` maps a name to the XML inside <worksheet>."""
    ct = ['<?xml version="1.0" encoding="UTF-8"?>',
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">',
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>',
          '<Default Extension="xml" ContentType="application/xml"/>', '</Types>']
    rels = (f'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{RNS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    wb_rels = [f'<Relationship Id="rId{i + 1}" Type="{RNS}/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
               for i in range(len(sheets))]
    if shared is not None:
        wb_rels.append(f'<Relationship Id="rIdS" Type="{RNS}/sharedStrings" Target="sharedStrings.xml"/>')
    if styles is not None:
        wb_rels.append(f'<Relationship Id="rIdT" Type="{RNS}/styles" Target="styles.xml"/>')
    book = (f'<?xml version="1.0"?><workbook xmlns="{NS}" xmlns:r="{RNS}">'
            + ('<workbookPr date1904="1"/>' if date1904 else "")
            + "<sheets>" + "".join(f'<sheet name="{n}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                                   for i, n in enumerate(sheets)) + "</sheets></workbook>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "".join(ct))
        z.writestr("_rels/.rels", rels)
        z.writestr("xl/workbook.xml", book)
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'relationships">' + "".join(wb_rels) + "</Relationships>")
        for i, body in enumerate(sheets.values()):
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml",
                       f'<?xml version="1.0"?><worksheet xmlns="{NS}" xmlns:r="{RNS}">{body}</worksheet>')
        if shared is not None:
            z.writestr("xl/sharedStrings.xml", f'<?xml version="1.0"?><sst xmlns="{NS}">'
                       + "".join(f"<si><t>{s}</t></si>" for s in shared) + "</sst>")
        if styles is not None:
            z.writestr("xl/styles.xml", f'<?xml version="1.0"?><styleSheet xmlns="{NS}">{styles}</styleSheet>')
    return path


def rows_xml(rows: list[list[str]], start: int = 1) -> str:
    """Inline-string rows, ``rows[0]`` on sheet row ``start``."""
    out = []
    for i, row in enumerate(rows):
        cells = "".join(f'<c r="{xlsx_mod._col_name(j)}{start + i}" t="inlineStr"><is><t>{v}</t></is></c>'
                        for j, v in enumerate(row) if v != "")
        out.append(f'<row r="{start + i}">{cells}</row>')
    return "".join(out)


def set_dimension(path: Path, ref: str) -> None:
    """Rewrite the <dimension> of every sheet of an openpyxl-written file (a stale or huge one)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                text = data.decode()
                start = text.index("<dimension")
                end = text.index("/>", start) + 2
                data = (text[:start] + f'<dimension ref="{ref}"/>' + text[end:]).encode()
            dst.writestr(item, data)
    tmp.replace(path)


RATING_HEADER = ["NIP", "Penilai", "Indikator", "Nilai", "Periode"]


def rating_rows(n: int) -> list[list[object]]:
    return [[str(198609262015051001 + i), RATER, "kolaboratif", 3 + i % 2, "2025"] for i in range(n)]


def openpyxl_book(path: Path, rows: list[list[object]], title: str = "Data") -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = title
    for r in rows:
        ws.append(r)
    book.save(path)
    return path


# --------------------------------------------------------------------------- xlsx


def test_stale_dimension_loads_every_row(tmp_path):
    # the old reader trusted <dimension ref="A1:B2"> and loaded 2 of 10 rows
    path = openpyxl_book(tmp_path / "stale.xlsx", [RATING_HEADER, *rating_rows(9)])
    set_dimension(path, "A1:B2")
    t = read_raw(path)[0]
    assert len(t.frame) == 10 and t.frame["_line"].tolist() == list(range(1, 11))
    assert t.frame.shape[1] == 6  # five columns and _line
    ds = wb.load(path)
    assert ds.report.rows_read == ds.report.rows_kept == 9
    assert sorted(ds.ratings["employee_id"]) == [str(198609262015051001 + i) for i in range(9)]


def test_huge_declared_dimension_is_ignored(tmp_path):
    path = openpyxl_book(tmp_path / "huge.xlsx", [RATING_HEADER, *rating_rows(3)])
    set_dimension(path, "A1:XFD1048576")
    assert path.stat().st_size < 10_000
    t = read_raw(path)[0]
    assert t.frame.shape == (4, 6)
    assert wb.load(path).report.rows_kept == 3


def test_single_cell_far_away_is_refused_with_the_limit(tmp_path):
    book = openpyxl.Workbook()
    book.active["XFD1048576"] = "x"
    book.save(tmp_path / "far.xlsx")
    with pytest.raises(DataContractError, match=r"far\.xlsx \(sheet 'Sheet'\).*XFD1048576.*MAX_COLUMNS"):
        read_raw(tmp_path / "far.xlsx")


def test_far_row_keeps_its_true_line_and_no_empty_rows(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws["A1"], ws["B1"], ws["C1048576"] = "a", "b", "z"
    ws["A5"].number_format = "0.00"  # a styled cell without a value is not a row
    book.save(tmp_path / "far_row.xlsx")
    f = read_raw(tmp_path / "far_row.xlsx")[0].frame
    assert f["_line"].tolist() == [1, 1048576]
    assert f.drop(columns="_line").values.tolist() == [["a", "b", ""], ["", "", "z"]]


def test_cell_limit_is_named(tmp_path, monkeypatch):
    path = openpyxl_book(tmp_path / "big.xlsx", [RATING_HEADER, *rating_rows(30)])
    monkeypatch.setattr(xlsx_mod, "MAX_CELLS", 50)
    with pytest.raises(DataContractError, match=r"MAX_CELLS = 50 .*Split it"):
        read_raw(path)


def test_merged_ranges_are_exposed_not_filled(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Rekap"
    ws["A1"] = "REKAP PENILAIAN KINERJA 2025"
    ws.merge_cells("A1:E1")
    for r, row in enumerate([["No", "NIP", "Nama", "Unit Kerja", "Nilai"], [1, NIP_A, "Budi", "Dinas A", 3],
                             [2, NIP_B, "Siti", None, 2], [3, RATER, "Adi", None, 3]], start=3):
        for c, v in enumerate(row, start=1):
            ws.cell(r, c, v)
    ws.merge_cells("D4:D6")
    ws.merge_cells("G1:H1")  # outside the filled area: dropped
    ws.merge_cells("E6:Z9")  # clipped to the filled area
    book.save(tmp_path / "rekap.xlsx")
    t = read_raw(tmp_path / "rekap.xlsx")[0]
    assert t.sheet == "Rekap"
    assert t.merged == [(1, 0, 1, 4), (4, 3, 6, 3), (6, 4, 6, 4)]
    f = t.frame.set_index("_line")
    assert f.loc[4, "3"] == "Dinas A" and f.loc[5, "3"] == "" and f.loc[6, "3"] == ""
    assert f.index.tolist() == [1, 3, 4, 5, 6]


def test_cell_kinds_shared_inline_bool_error_formula_number_date(tmp_path):
    styles = ('<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>'
              '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/>'
              '<xf numFmtId="4"/></cellXfs>')
    body = ('<dimension ref="A1"/><sheetData>'
            '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr">'
            '<is><r><t>in</t></r><r><t>line</t></r></is></c><c r="D1" t="b"><v>1</v></c>'
            '<c r="E1" t="e"><v>#N/A</v></c><c r="F1" t="str"><f>A1&amp;"x"</f><v>NIPx</v></c></row>'
            '<row r="2"><c r="A2"><v>1.98609262015051E+17</v></c><c r="B2"><v>198609262015051001</v></c>'
            '<c r="C2"><v>4</v></c><c r="D2"><v>3.5</v></c><c r="E2" s="1"><v>45658</v></c>'
            '<c r="F2" s="2"><v>45717.5</v></c><c r="G2" s="3"><v>1234.5</v></c>'
            '<c r="H2"><f>1+1</f><v>2</v></c><c r="I2"><f>1+1</f></c></row>'
            '<row><c><v>7</v></c><c t="b"><v>0</v></c></row>'  # no r attributes: next row, next column
            '</sheetData>')
    path = raw_xlsx(tmp_path / "kinds.xlsx", {"S": body}, shared=["NIP", "Nilai"], styles=styles)
    f = read_raw(path)[0].frame
    assert f.loc[0, ["0", "1", "2", "3", "4", "5"]].tolist() == ["NIP", "Nilai", "inline", "True", "#N/A", "NIPx"]
    assert f.loc[1, ["0", "1", "2", "3", "4", "5", "6", "7"]].tolist() == [
        "1.986093E+17", "1.986093E+17", "4", "3.5", "2025-01-01T00:00:00", "2025-03-01T12:00:00", "1234.5",
        "2"]
    assert f.shape[1] == 9  # I2 is a formula without a cached value: not a column
    assert f.loc[2, ["0", "1"]].tolist() == ["7", "False"] and f["_line"].tolist() == [1, 2, 3]


def test_numbers_are_written_as_before(tmp_path):
    # the same text the openpyxl-based reader produced: a NIP typed as a number is damaged
    body = "<sheetData><row r=\"1\">" + "".join(
        f'<c r="{xlsx_mod._col_name(i)}1"><v>{v}</v></c>'
        for i, v in enumerate(["007", "1E+17", "0.1", "-3", "1e-05", "123456789012345"])) + "</row></sheetData>"
    f = read_raw(raw_xlsx(tmp_path / "n.xlsx", {"S": body}))[0].frame
    assert f.drop(columns="_line").iloc[0].tolist() == ["7", "1.000000E+17", "0.1", "-3", "1e-05",
                                                        "123456789012345"]


def test_date1904_workbook(tmp_path):
    body = '<sheetData><row r="1"><c r="A1" s="1"><v>0</v></c></row></sheetData>'
    styles = '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs>'
    f = read_raw(raw_xlsx(tmp_path / "d.xlsx", {"S": body}, styles=styles, date1904=True))[0].frame
    assert f.loc[0, "0"] == dt.datetime(1904, 1, 1).isoformat()


def test_sheets_in_workbook_order_and_empty_sheet_kept_for_the_report(tmp_path):
    path = raw_xlsx(tmp_path / "order.xlsx", {
        "Zeta": "<sheetData>" + rows_xml([RATING_HEADER, [NIP_A, RATER, "kolaboratif", "4", "2025"]]) + "</sheetData>",
        "Kosong": "<sheetData/>",
        "Alpha": "<sheetData>" + rows_xml([["x"]]) + "</sheetData>"})
    tables = read_raw(path)
    assert [t.sheet for t in tables] == ["Zeta", "Kosong", "Alpha"]
    assert len(tables[1].frame) == 0
    ds = wb.load(path)
    assert ds.report.rows_kept == 1
    ignored = ds.report.warnings[ds.report.warnings["reason"] == "sheet_ignored"]["file"].tolist()
    assert sorted(ignored) == [f"{path} (sheet 'Alpha')", f"{path} (sheet 'Kosong')"]


@pytest.mark.parametrize("sheets", [{"Sheet1": "<sheetData/>"}, {"A": "<sheetData/>", "B": "<sheetData><row r=\"3\"/></sheetData>"}])
def test_empty_workbook_names_file_and_sheets(tmp_path, sheets):
    path = raw_xlsx(tmp_path / "kosong.xlsx", sheets)
    with pytest.raises(DataContractError, match=r"kosong\.xlsx: the workbook is empty.*'" + list(sheets)[-1]):
        wb.load(path)


def test_workbook_without_worksheets(tmp_path):
    path = raw_xlsx(tmp_path / "none.xlsx", {})
    with pytest.raises(DataContractError, match="holds no worksheet"):
        wb.load(path)


@pytest.mark.parametrize(("make", "match"), [
    (lambda p: p.write_bytes(b"PK\x03\x04" + b"\0" * 100), "not a valid .xlsx zip file"),
    (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
                             + "EncryptedPackage".encode("utf-16-le")), "password-protected"),
    (lambda p: zipfile.ZipFile(p, "w").writestr("hello.txt", "hi"), "holds no Excel workbook"),
])
def test_broken_and_encrypted_workbooks(tmp_path, make, match):
    path = tmp_path / "rusak.xlsx"
    make(path)
    with pytest.raises(DataContractError, match=match) as info:
        wb.load(path)
    assert "rusak.xlsx" in str(info.value)


def test_truncated_workbook(tmp_path):
    good = openpyxl_book(tmp_path / "ok.xlsx", [RATING_HEADER, *rating_rows(50)])
    bad = tmp_path / "cut.xlsx"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(DataContractError, match=r"cut\.xlsx.*save it again"):
        wb.load(bad)


def test_damaged_sheet_xml_names_the_part(tmp_path):
    path = raw_xlsx(tmp_path / "xml.xlsx", {"S": "<sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></row></sheetData>"})
    with pytest.raises(DataContractError, match=r"xml\.xlsx: the part 'xl/worksheets/sheet1.xml'.*damaged"):
        wb.load(path)


def test_xlsx_rows_read_equal_kept_plus_rejected_with_title_rows(tmp_path):
    rows = [["Laporan 2025"], [], RATING_HEADER, *rating_rows(4), [NIP_B, RATER, "adaptif", "x", "2025"]]
    path = openpyxl_book(tmp_path / "t.xlsx", rows)
    ds = wb.load(path)
    r = ds.report
    assert (r.rows_read, r.rows_kept, r.rows_rejected) == (5, 4, 1)
    err = r.errors.iloc[0]
    assert (err["reason"], err["line"]) == ("score_not_numeric", 8)
    assert pd.Series(r.warnings["reason"]).tolist().count("preamble") == 1  # row 2 is empty, not a row


# --------------------------------------------------------------------------- csv


def write(tmp_path: Path, text: str | bytes, name: str = "r.csv") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return p


CSV_HEADER = "NIP;Penilai;Indikator;Nilai;Periode"


def test_line_numbers_are_physical_lines_after_a_quoted_newline(tmp_path):
    # the old reader numbered records: the row after a two-line value was reported one line too early
    text = (f"{CSV_HEADER};Catatan\n{NIP_A};{RATER};kolaboratif;4;2025;\"baris satu\nbaris dua\"\n"
            f"{NIP_B};{RATER};kolaboratif;x;2025;ok\n")
    path = write(tmp_path, text)
    assert read_raw(path)[0].frame["_line"].tolist() == [1, 2, 4]
    err = wb.load(path).report.errors.iloc[0]
    assert (err["reason"], err["line"]) == ("score_not_numeric", 4)


def test_unclosed_quote_names_the_line_where_it_opened(tmp_path):
    text = f"{CSV_HEADER}\n{NIP_A};{RATER};kolaboratif;4;2025\n{NIP_B};\"{RATER};adaptif;3;2025\n{NIP_A};{RATER};adaptif;3;2025\n"
    with pytest.raises(DataContractError, match=r"r\.csv: line 3: a quote"):
        wb.load(write(tmp_path, text))


def test_bom_followed_by_windows_1252_is_read_with_a_warning(tmp_path):
    data = ("\ufeff" + CSV_HEADER + ";Unit Kerja\n").encode("utf-8") \
        + f"{NIP_A};{RATER};kolaboratif;4;2025;Dinas Pendidikan\n".encode() \
        + f"{NIP_B};{RATER};kolaboratif;3;2025;Kecamatan Pondok Cabé\n".encode("cp1252")
    path = write(tmp_path, data)
    t = read_raw(path)[0]
    assert t.encoding == "utf-8+cp1252" and t.warnings == [("mixed_encoding", 3, "")]
    assert t.frame.loc[2, "5"] == "Kecamatan Pondok Cabé"
    ds = wb.load(path)
    assert ds.report.rows_kept == 2
    w = ds.report.warnings[ds.report.warnings["reason"] == "mixed_encoding"]
    assert w["line"].tolist() == [3] and "UTF-8" in w["message"].iloc[0]


def test_plain_windows_1252_has_no_warning(tmp_path):
    path = write(tmp_path, "Nama;Unit Kerja\nCabé;Dinas\n".encode("cp1252"))
    t = read_raw(path)[0]
    assert (t.encoding, t.warnings, t.frame.loc[1, "0"]) == ("cp1252", [], "Cabé")


def test_one_line_of_separators_is_refused_with_the_limit(tmp_path):
    path = write(tmp_path, ";" * 100_000)
    with pytest.raises(DataContractError, match=r"line 1 has 100,001 fields.*MAX_COLUMNS = 2,000"):
        read_raw(path)


def test_wide_line_below_the_header_is_refused_with_its_line(tmp_path):
    path = write(tmp_path, f"{CSV_HEADER}\n{NIP_A};{RATER};kolaboratif;4;2025\n" + ";" * 5000 + "\n")
    with pytest.raises(DataContractError, match=r"line 3 has 5,001 fields"):
        read_raw(path)


def test_two_megabyte_single_line_is_read_as_one_cell(tmp_path):
    path = write(tmp_path, "x" * 2_000_000)
    f = read_raw(path)[0].frame
    assert f.shape == (1, 2) and len(f.loc[0, "0"]) == 2_000_000
    with pytest.raises(DataContractError, match="no header row found"):
        wb.load(path)


def test_cells_limit_for_text(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_mod, "MAX_CELLS", 100)
    path = write(tmp_path, "a" + ";" * 50 + "\n" + "\n".join("b" for _ in range(10)) + "\n")
    with pytest.raises(DataContractError, match="MAX_CELLS = 100"):
        read_raw(path)


def test_more_fields_than_the_first_line_with_quotes(tmp_path):
    text = f"{CSV_HEADER}\n{NIP_A};{RATER};\"kola;boratif\";4;2025\n{NIP_B};{RATER};adaptif;3;2025;extra\n"
    f = read_raw(write(tmp_path, text))[0].frame
    assert f.loc[1, "2"] == "kola;boratif" and f.loc[2, "5"] == "extra" and f["_line"].tolist() == [1, 2, 3]
    ds = wb.load(write(tmp_path, text))
    assert ds.report.errors["reason"].tolist() == ["too_many_fields"] and ds.report.rows_kept == 1


def test_line_terminators_cr_and_crlf(tmp_path):
    text = f"{CSV_HEADER}\r\n{NIP_A};{RATER};kolaboratif;4;2025\r{NIP_B};{RATER};kolaboratif;3;2025\r\n"
    f = read_raw(write(tmp_path, text))[0].frame
    assert f["_line"].tolist() == [1, 2, 3] and f.loc[2, "0"] == NIP_B


def test_vertical_tab_inside_a_value_is_not_a_line(tmp_path):
    # str.splitlines() breaks at \x0b, \x1c, \u2028...; the file's lines do not
    text = f"{CSV_HEADER}\n{NIP_A};{RATER};kolaboratif;4;2025\x0bx,y\n{NIP_B};{RATER};kolaboratif;3;2025\n"
    ds = wb.load(write(tmp_path, text))
    assert ds.report.rows_read == 2


def test_unreadable_paths(tmp_path, monkeypatch):
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(DataContractError, match=r"folder\.csv: is a folder"):
        read_raw(tmp_path / "folder.csv")
    import os
    os.mkfifo(tmp_path / "pipe.csv")
    with pytest.raises(DataContractError, match=r"pipe\.csv: is not a regular file"):
        read_raw(tmp_path / "pipe.csv")
    path = write(tmp_path, f"{CSV_HEADER}\n")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("builtins.open", denied)
    with pytest.raises(DataContractError, match=r"r\.csv: permission denied.*chmod"):
        read_raw(path)


def test_csv_gz_is_read_and_bad_gzip_refused(tmp_path):
    import gzip
    text = f"{CSV_HEADER}\n{NIP_A};{RATER};kolaboratif;4;2025\n"
    path = tmp_path / "r.csv.gz"
    path.write_bytes(gzip.compress(text.encode()))
    ds = wb.load(path)
    assert ds.ratings["employee_id"].tolist() == [NIP_A]
    bad = write(tmp_path, b"not gzip", "bad.csv.gz")
    with pytest.raises(DataContractError, match=r"bad\.csv\.gz: is not a valid gzip file"):
        wb.load(bad)


# --------------------------------------------------------------------------- xls, ods


def test_xls_is_read_with_merged_ranges(tmp_path):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    ws = book.add_sheet("Rekap")
    ws.write_merge(0, 0, 0, 4, "REKAP 2025")
    for c, h in enumerate(RATING_HEADER):
        ws.write(2, c, h)
    ws.write(3, 0, NIP_A)
    ws.write(4, 0, float(NIP_B))  # a NIP typed as a number
    for r in (3, 4):
        ws.write(r, 1, RATER)
        ws.write(r, 2, "kolaboratif")
        ws.write(r, 3, 4.0)
        ws.write(r, 4, 2025)
    path = tmp_path / "rekap.xls"
    book.save(str(path))
    t = read_raw(path)[0]
    assert t.sheet == "Rekap" and t.merged == [(1, 0, 1, 4)]
    assert t.frame["_line"].tolist() == [1, 3, 4, 5]
    assert t.frame.loc[2, ["0", "3", "4"]].tolist() == [NIP_A, "4", "2025"]
    ds = wb.load(path)
    assert ds.ratings["employee_id"].tolist() == [NIP_A]
    assert ds.report.errors["reason"].tolist() == ["id_scientific_notation"]


def ods(path: Path, rows: list[list[str]]) -> Path:
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    body = "".join("<table:table-row>" + "".join(
        f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>' for v in row)
        + "</table:table-row>" for row in rows)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml",
                   '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:'
                   'xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type='
                   '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path='
                   '"content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
        z.writestr("content.xml", f'<?xml version="1.0"?><office:document-content {ns}><office:body>'
                   f'<office:spreadsheet><table:table table:name="Nilai">{body}</table:table>'
                   "</office:spreadsheet></office:body></office:document-content>")
    return path


def test_ods_is_read(tmp_path):
    path = ods(tmp_path / "nilai.ods", [RATING_HEADER, [NIP_A, RATER, "adaptif", "3", "2025"]])
    ds = wb.load(path)
    assert ds.ratings["employee_id"].tolist() == [NIP_A] and ds.ratings["score"].tolist() == [3.0]


def test_broken_xls_and_ods(tmp_path):
    for name, match in (("old.xls", "Excel 97-2003"), ("x.ods", "OpenDocument")):
        with pytest.raises(DataContractError, match=match):
            wb.load(write(tmp_path, b"garbage", name))


# --------------------------------------------------------------------------- folders


def test_folder_reports_every_file_it_does_not_read(tmp_path):
    import gzip
    folder = tmp_path / "bkd"
    folder.mkdir()
    openpyxl_book(folder / "penilaian.xlsx", [RATING_HEADER, *rating_rows(2)])
    (folder / "tambahan.csv.gz").write_bytes(gzip.compress(
        f"{CSV_HEADER}\n{NIP_B};{RATER};adaptif;3;2025\n".encode()))
    ods(folder / "lain.ods", [RATING_HEADER, [RATER, NIP_A, "adaptif", "2", "2025"]])
    (folder / "~$penilaian.xlsx").write_bytes(b"lock")
    (folder / ".DS_Store").write_bytes(b"x")
    (folder / "_catatan.csv").write_text("x")
    (folder / "surat.pdf").write_bytes(b"%PDF")
    (folder / "arsip").mkdir()
    ds = wb.load(folder)
    assert ds.report.rows_kept == 4
    w = ds.report.warnings
    w = w[w["reason"].str.startswith(("file_", "folder_"))]
    skipped = dict(zip(w["value"], w["reason"], strict=False))
    assert skipped == {"~$penilaian.xlsx": "file_lock", ".DS_Store": "file_skipped_name",
                       "_catatan.csv": "file_skipped_name", "surat.pdf": "file_unsupported",
                       "arsip": "folder_not_read"}
    assert w["message"].str.len().gt(20).all()


def test_folder_with_an_unreadable_file_names_it(tmp_path):
    folder = tmp_path / "bkd"
    folder.mkdir()
    openpyxl_book(folder / "a.xlsx", [RATING_HEADER, *rating_rows(2)])
    (folder / "b.xlsx").write_bytes(b"PK\x03\x04broken")
    with pytest.raises(DataContractError, match=r"b\.xlsx: cannot be read as an Excel workbook"):
        wb.load(folder)


# --------------------------------------------------------------------------- ids and units

NIP_VARIANTS = [
    NIP_A,
    "19860926 201505 1 001",                      # the official spaced form
    "\u200b198609262015051001",                    # zero-width space from a copy-paste
    "\ufeff198609262015051001",                    # a BOM glued to the cell
    "\u200f198609262015051001\u200e",              # RTL and LTR marks
    "19860926\u00a0201505\u00a01\u00a0001",         # non-breaking spaces
    "１９８６０９２６２０１５０５１００１",          # fullwidth digits
    "١٩٨٦٠٩٢٦٢٠١٥٠٥١٠٠١",                      # Arabic-Indic digits
    " 19860926-201505-1-001 ",
]


def test_nip_variants_are_one_person():
    from workbench.data.normalize import normalize_id
    ids, reason = normalize_id(pd.Series(NIP_VARIANTS))
    assert ids.tolist() == [NIP_A] * len(NIP_VARIANTS)
    assert reason.isna().all()


def test_ids_with_control_characters_are_rejected_not_kept():
    from workbench.data.normalize import normalize_id
    ids, reason = normalize_id(pd.Series(["1986\x0709262015051001", "\ue000" + NIP_A, NIP_A]))
    assert reason.iloc[:2].tolist() == ["id_invalid_characters"] * 2 and pd.isna(reason.iloc[2])


def test_loaded_nip_variants_and_unit_spellings_merge(tmp_path):
    rows = [f"{nip};{RATER};{ind};4;2025" for nip, ind in zip(NIP_VARIANTS, [
        "kolaboratif", "adaptif", "loyal", "harmonis", "kompeten", "akuntabel", "berorientasi_pelayanan",
        "iki_kuantitas", "iki_kualitas"], strict=True)]
    path = write(tmp_path, CSV_HEADER + "\n" + "\n".join(rows) + "\n")
    ds = wb.load(path)
    assert ds.report.rows_kept == len(NIP_VARIANTS)
    assert ds.ratings["employee_id"].unique().tolist() == [NIP_A]
    roster = write(tmp_path, f"NIP,Periode,Unit Kerja\n{NIP_A},2025,Dinas  Pendidikan\u200b\n"
                             f"\u200b{NIP_B},2025,Dinas\u00a0Pendidikan\n{RATER},2025, Dinas Pendidikan\n",
                   "roster.csv")
    r = wb.load(roster).roster
    assert r["unit"].unique().tolist() == ["Dinas Pendidikan"]
    assert r["employee_id"].tolist() == [NIP_A, NIP_B, RATER]


def test_xls_data_not_starting_at_a1_keeps_rows_and_columns(tmp_path):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    ws = book.add_sheet("S")
    ws.write(2, 1, "B3")
    ws.write(3, 2, "C4")
    book.save(str(tmp_path / "g.xls"))
    f = read_raw(tmp_path / "g.xls")[0].frame
    assert f.to_dict("records") == [{"0": "", "1": "B3", "2": "", "_line": 3},
                                    {"0": "", "1": "", "2": "C4", "_line": 4}]
