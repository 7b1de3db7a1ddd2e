"""A streaming XLSX reader that reads the cells a sheet holds, not the size it declares.

An ``.xlsx`` file is a zip of XML parts. This reader walks them with
:mod:`zipfile` and :func:`xml.etree.ElementTree.iterparse`, one ``<row>`` at a time,
so its cost grows with the cells that hold a value:

* the stored ``<dimension>`` (``A1:B2`` in a sheet of 10 rows, or ``A1:XFD1048576``
  in a 5 KB file) is never read: rows and columns come from the cells themselves;
* only rows holding at least one non-empty cell are kept, each with ``_line``, its
  true row number in the sheet; the frame is as wide as the last filled column;
* every value is text: shared and inline strings, booleans (``True``/``False``),
  error cells (``#N/A``), the cached value of a formula, dates (by the cell's
  number format) as ISO text, and numbers written as :func:`cell_text` writes them,
  so a NIP stored as a number keeps its scientific notation and is seen as damaged;
* merged ranges (``<mergeCells>``) are returned as ``(first_line, first_col,
  last_line, last_col)``: lines are sheet rows (1-based, like ``_line``), columns are
  0-based positions (like the frame's column names ``"0"``, ``"1"``, ...), clipped to
  the filled area.

Limits: a value beyond column :data:`MAX_COLUMNS`, or a sheet needing more than
:data:`MAX_CELLS` cells, raises :class:`~workbench.errors.DataContractError` naming
the limit, the sheet and the cell.

Examples
--------
>>> import tempfile, pathlib, openpyxl
>>> p = pathlib.Path(tempfile.mkdtemp()) / "a.xlsx"
>>> book = openpyxl.Workbook(); ws = book.active; ws.title = "Data"
>>> ws["A1"], ws["B1"], ws["A3"], ws["B3"] = "NIP", "Nilai", 198609262015051001, 3.5
>>> ws.merge_cells("A1:A2"); book.save(p)
>>> sheet = read_xlsx(p)[0]
>>> sheet.name, sheet.frame.to_dict("records"), sheet.merged
('Data', [{'0': 'NIP', '1': 'Nilai', '_line': 1}, {'0': '1.986093E+17', '1': '3.5', '_line': 3}], [(1, 0, 2, 0)])
"""

from __future__ import annotations

import datetime as _dt
import math
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal
from xml.etree.ElementTree import ParseError, iterparse
from xml.parsers import expat

import numpy as np
import pandas as pd

from workbench.errors import DataContractError

__all__ = ["MAX_CELLS", "MAX_COLUMNS", "Sheet", "cell_text", "read_xlsx"]

MAX_COLUMNS = 2_000
"""Widest sheet read: a value in a column beyond this (``BXX``) is an error, not 16,384 columns."""

MAX_CELLS = 50_000_000
"""Most cells (rows x width of the filled area) one sheet may need; beyond it the file is refused."""

_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .xls, or an encrypted OOXML file
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CELL_REF = re.compile(r"([A-Za-z]{1,3})(\d+)$")
_DATE_BUILTIN = set(range(14, 23)) | set(range(27, 37)) | set(range(45, 48)) | set(range(50, 59))
_DATE_CODE = re.compile(r"[dmyhs]")
_FMT_STRIP = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')


@dataclass
class Sheet:
    """One worksheet: its name, its text cells and its merged ranges."""

    name: str
    frame: pd.DataFrame
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)


def cell_text(v: object) -> str:
    """Text of a spreadsheet value as the loader sees it.

    Integral numbers lose their ``.0``; a number of 10**15 or more (a NIP typed as a
    number, which a double cannot hold exactly) is written in scientific notation so
    that the id check rejects it instead of keeping wrong digits.

    >>> cell_text(4.0), cell_text(3.5), cell_text(198609262015051001.0), cell_text(None)
    ('4', '3.5', '1.986093E+17', '')
    """
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if math.isnan(v):
            return ""
        if math.isinf(v):
            return str(v)
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        if abs(v) >= 1e15:
            return f"{v:.6E}"
        return repr(float(v))
    if hasattr(v, "isoformat"):
        return v.isoformat()  # type: ignore[no-any-return]
    return str(v)


def _number_text(text: str) -> str:
    text = text.strip()
    if text.isdigit():
        if len(text) < 16:
            return text.lstrip("0") or "0"
        return cell_text(float(text))  # a sheet's numbers are doubles: 16+ digits are not exact
    try:
        return cell_text(float(text))
    except ValueError:
        return text


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def _col_name(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _is_date_format(code: str) -> bool:
    low = _FMT_STRIP.sub("", code.lower())
    return low not in ("general", "") and bool(_DATE_CODE.search(low))


def _serial_to_text(serial: float, date1904: bool) -> str:
    base = _dt.datetime(1904, 1, 1) if date1904 else _dt.datetime(1899, 12, 30)
    if not date1904 and serial < 60:
        serial += 1  # Excel's phantom 29 February 1900
    try:
        when = base + _dt.timedelta(days=serial)
    except OverflowError:
        return cell_text(serial)
    if 0 <= serial < 1 and not date1904:
        return when.time().replace(microsecond=0).isoformat()
    return when.replace(microsecond=0).isoformat()


class _Book:
    """The workbook's parts: sheet names and paths, shared strings, date styles."""

    def __init__(self, zf: zipfile.ZipFile, where: str):
        self.zf, self.where = zf, where
        names = set(zf.namelist())
        self.names = names
        wb_path = self._main_part()
        rels = self._rels(wb_path)
        self.sheets: list[tuple[str, str]] = []
        self.date1904 = False
        shared = styles = None
        for rel_id, (kind, target) in rels.items():
            if kind.endswith("/sharedStrings"):
                shared = target
            elif kind.endswith("/styles"):
                styles = target
            del rel_id
        for _, el in self._parse(wb_path):
            tag = _local(el.tag)
            if tag == "sheet":
                rid = el.get(f"{{{_REL}}}id") or next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
                kind, target = rels.get(rid or "", ("", ""))
                if kind.endswith("/worksheet") or (not kind and target):
                    self.sheets.append((el.get("name") or target, target))
            elif tag == "workbookPr":
                self.date1904 = el.get("date1904", "0").lower() in ("1", "true")
        self.strings = self._shared(shared) if shared in names else []
        self.date_styles = self._styles(styles) if styles in names else frozenset()

    def _parse(self, part: str, events: tuple[Literal["start", "end"], ...] = ("end",)) -> Any:
        try:
            with self.zf.open(part) as fh:
                yield from iterparse(fh, events=events)
        except RuntimeError as exc:  # zipfile: "File ... is encrypted, password required"
            raise self.encrypted(exc) from exc
        except (ParseError, zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            raise self.damaged(part, exc) from exc

    def encrypted(self, exc: Exception) -> DataContractError:
        return DataContractError(
            f"{self.where}: the workbook is password-protected ({exc}). Remove the password in Excel "
            "(File > Info > Protect Workbook), save it again as .xlsx, or export it as CSV.")

    def damaged(self, part: str, exc: Exception) -> DataContractError:
        return DataContractError(
            f"{self.where}: the part '{part}' of the workbook is damaged ({exc}). Open the file in Excel "
            "or LibreOffice, save it again as .xlsx, or export it as CSV.")

    def _main_part(self) -> str:
        if "_rels/.rels" in self.names:
            for _, el in self._parse("_rels/.rels"):
                if _local(el.tag) == "Relationship" and el.get("Type", "").endswith("/officeDocument"):
                    return el.get("Target", "").lstrip("/")
        if "xl/workbook.xml" in self.names:
            return "xl/workbook.xml"
        raise DataContractError(
            f"{self.where}: this zip file holds no Excel workbook (no xl/workbook.xml). Check that it is an "
            ".xlsx file; open it in Excel or LibreOffice and save it again as .xlsx.")

    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        folder, name = posixpath.split(part)
        rels_part = posixpath.join(folder, "_rels", name + ".rels")
        out: dict[str, tuple[str, str]] = {}
        if rels_part not in self.names:
            return out
        for _, el in self._parse(rels_part):
            if _local(el.tag) == "Relationship":
                target = el.get("Target", "")
                target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                    posixpath.join(folder, target))
                out[el.get("Id", "")] = (el.get("Type", ""), target)
        return out

    def _shared(self, part: str) -> list[str]:
        out: list[str] = []
        for _, el in self._parse(part):
            if _local(el.tag) == "si":
                out.append("".join(t.text or "" for t in el.iter() if _local(t.tag) == "t"
                                   and not _in_phonetic(el, t)))
                el.clear()
        return out

    def _styles(self, part: str) -> frozenset[int]:
        custom: dict[int, str] = {}
        xfs: list[int] = []
        for _, el in self._parse(part):
            tag = _local(el.tag)
            if tag == "numFmt":
                try:
                    custom[int(el.get("numFmtId", "-1"))] = el.get("formatCode", "")
                except ValueError:
                    pass
            elif tag == "cellXfs":
                for xf in el:
                    try:
                        xfs.append(int(xf.get("numFmtId", "0")))
                    except ValueError:
                        xfs.append(0)
        dates = {i for i, fmt in enumerate(xfs)
                 if (fmt in custom and _is_date_format(custom[fmt])) or (fmt not in custom and fmt in _DATE_BUILTIN)}
        return frozenset(dates)


def _in_phonetic(si: Any, t: Any) -> bool:
    """True when ``t`` sits inside an ``<rPh>`` (phonetic reading) run of ``si``."""
    for rph in si:
        if _local(rph.tag) == "rPh" and any(x is t for x in rph.iter()):
            return True
    return False


def _too_wide(where: str, ref: str, col: int) -> DataContractError:
    return DataContractError(
        f"{where}: cell {ref} holds a value in column {col + 1:,}, beyond the reader's limit of "
        f"MAX_COLUMNS = {MAX_COLUMNS:,} columns. Delete the stray value (Ctrl+End in Excel shows the last "
        "used cell) or move the data into the first columns, then load again.")


def _too_many(where: str, line: int) -> DataContractError:
    return DataContractError(
        f"{where}: the sheet needs more than MAX_CELLS = {MAX_CELLS:,} cells (reached at row {line:,}). "
        "Split it into several files (one per unit or period) or export it as CSV, then load again.")


_PLAIN = frozenset({"c", "v", "t", "row", "is", "f", "r"})


class _SheetParser:
    """Expat callbacks for one worksheet: a cell's value is kept only when it holds text."""

    def __init__(self, book: _Book, where: str):
        self.where = where
        self.strings, self.dates, self.date1904 = book.strings, book.date_styles, book.date1904
        self.rows: list[list[str]] = []
        self.lines: list[int] = []
        self.merged: list[str] = []
        self.width = self.cells = self.line = 0
        self.values: dict[int, str] = {}
        self.col = -1
        self.ref: str | None = None
        self.kind = "n"
        self.style: str | None = None
        self.buf: list[str] = []
        self.collect = False
        self.in_cell = False
        self.phonetic = 0
        self.local: dict[str, str] = {}
        self.columns: dict[str, int] = {}

    def _name(self, name: str) -> str:
        local = self.local.get(name)
        if local is None:
            local = self.local[name] = name.rsplit(":", 1)[-1]
        return local

    def _column(self, ref: str | None) -> int:
        if not ref:
            return self.col + 1
        letters = ref.rstrip("0123456789")
        col = self.columns.get(letters)
        if col is None:
            m = _CELL_REF.match(ref)
            col = self.columns[letters] = _col_index(m.group(1)) if m else self.col + 1
        return col

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = name if name in _PLAIN else self._name(name)
        if tag == "c":
            self.in_cell = True
            ref = self.ref = attrs.get("r")
            self.col = self._column(ref)
            self.kind = attrs.get("t", "n")
            self.style = attrs.get("s")
            self.buf = []
        elif tag == "v" or (tag == "t" and self.in_cell):
            self.collect = self.phonetic == 0
        elif tag == "row":
            r = attrs.get("r")
            self.line = int(r) if r and r.isdigit() else self.line + 1
            self.values = {}
            self.col = -1
        elif tag == "rPh":
            self.phonetic += 1
        elif tag == "mergeCell":
            ref = attrs.get("ref")
            if ref:
                self.merged.append(ref)

    def text(self, data: str) -> None:
        if self.collect:
            self.buf.append(data)

    def end(self, name: str) -> None:
        tag = name if name in _PLAIN else self._name(name)
        if tag == "v" or tag == "t":
            self.collect = False
        elif tag == "c":
            self.in_cell = False
            if self.buf:
                self._cell("".join(self.buf))
        elif tag == "row":
            self._row()
        elif tag == "rPh":
            self.phonetic -= 1

    def _cell(self, text: str) -> None:
        kind = self.kind
        if kind == "s":
            try:
                text = self.strings[int(text)]
            except (ValueError, IndexError):
                raise DataContractError(
                    f"{self.where}: cell {self._ref()} points at shared string {text}, which the file does not "
                    "hold. Open it in Excel or LibreOffice and save it again.") from None
        elif kind == "n":
            s = self.style
            if s is not None and self.dates and s.isdigit() and int(s) in self.dates:
                try:
                    text = _serial_to_text(float(text), self.date1904)
                except ValueError:
                    pass
            else:
                text = _number_text(text)
        elif kind == "b":
            text = "True" if text.strip() in ("1", "true") else "False"
        # "str" (a formula's text), "e" (#N/A, #REF!), "d" (ISO date), "inlineStr": as stored
        if text == "":
            return
        if self.col >= MAX_COLUMNS:
            raise _too_wide(self.where, self._ref(), self.col)
        self.values[self.col] = text

    def _ref(self) -> str:
        return self.ref or _col_name(self.col) + str(self.line)

    def _row(self) -> None:
        values = self.values
        if not values:
            return
        n = max(values) + 1
        self.cells += n
        if self.cells > MAX_CELLS:
            raise _too_many(self.where, self.line)
        row = [""] * n
        for k, v in values.items():
            row[k] = v
        self.rows.append(row)
        self.lines.append(self.line)
        self.width = max(self.width, n)
        self.values = {}


def _read_sheet(book: _Book, name: str, part: str) -> Sheet:
    where = f"{book.where} (sheet '{name}')"
    if part not in book.names:
        raise DataContractError(
            f"{where}: the sheet's part '{part}' is missing from the file. Open it in Excel or LibreOffice "
            "and save it again as .xlsx.")
    sp = _SheetParser(book, where)
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = sp.start
    parser.EndElementHandler = sp.end
    parser.CharacterDataHandler = sp.text
    try:
        with book.zf.open(part) as fh:
            while chunk := fh.read(1 << 20):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except RuntimeError as exc:
        raise book.encrypted(exc) from exc
    except (expat.ExpatError, zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise book.damaged(part, exc) from exc
    rows, lines, width = sp.rows, sp.lines, sp.width
    if len(rows) * width > MAX_CELLS:
        raise _too_many(where, lines[-1])
    for row in rows:
        if len(row) < width:
            row.extend([""] * (width - len(row)))
    columns = [str(i) for i in range(width)]
    frame = pd.DataFrame(rows, columns=columns, dtype=object) if rows else pd.DataFrame(columns=columns,
                                                                                         dtype=object)
    frame["_line"] = np.asarray(lines, dtype=np.int64)
    last = lines[-1] if lines else 0
    return Sheet(name=name, frame=frame, merged=_merged(sp.merged, last, width))


def _merged(refs: list[str], last_line: int, width: int) -> list[tuple[int, int, int, int]]:
    out = []
    for ref in refs:
        parts = ref.split(":")
        ms = [_CELL_REF.match(p.replace("$", "")) for p in parts]
        if len(ms) not in (1, 2):
            continue
        a, b = ms[0], ms[-1]
        if a is None or b is None:
            continue
        l1, l2 = sorted((int(a.group(2)), int(b.group(2))))
        c1, c2 = sorted((_col_index(a.group(1)), _col_index(b.group(1))))
        if l1 > last_line or c1 >= width:
            continue  # wholly outside the filled area
        out.append((l1, c1, min(l2, last_line), min(c2, width - 1)))
    return sorted(out)


def _open_error(path: Path, head: bytes) -> DataContractError:
    if head.startswith(_CFB):
        return DataContractError(
            f"{path}: this file is password-protected (encrypted) or an old Excel 97-2003 workbook with an "
            ".xlsx name. Open it in Excel, remove the password (File > Info > Protect Workbook) and save it "
            "again as .xlsx, or export the sheet as CSV.")
    return DataContractError(
        f"{path}: cannot be read as an Excel workbook (it is not a valid .xlsx zip file; the file may be "
        "truncated or damaged). Open it in Excel or LibreOffice and save it again as .xlsx, or export it "
        "as CSV.")


def read_xlsx(path: str | Path | IO[bytes], name: str | None = None) -> list[Sheet]:
    """Read every worksheet of an ``.xlsx``/``.xlsm`` file, in workbook order.

    Parameters
    ----------
    path
        The file (or an open binary file object, then give ``name`` for messages).
    name
        How the file is named in error messages (default: ``path``).

    Returns
    -------
    list of Sheet
        One per worksheet (chart sheets have no cells and are left out); a sheet with
        no value has an empty frame.

    Raises
    ------
    DataContractError
        When the file is not a valid workbook, is encrypted, holds no worksheet or no
        value at all, or exceeds :data:`MAX_COLUMNS` / :data:`MAX_CELLS`.
    """
    where = name or str(path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        head = b""
        if isinstance(path, (str, Path)):
            with open(path, "rb") as fh:
                head = fh.read(8)
        raise _open_error(Path(where), head) from exc
    with zf:
        book = _Book(zf, where)
        if not book.sheets:
            raise DataContractError(
                f"{where}: the workbook holds no worksheet. Put the data on a sheet, or export it as CSV.")
        sheets = [_read_sheet(book, n, part) for n, part in book.sheets]
    if all(len(s.frame) == 0 for s in sheets):
        names = ", ".join(f"'{s.name}'" for s in sheets)
        raise DataContractError(
            f"{where}: the workbook is empty: no cell of its sheet{'s' if len(sheets) > 1 else ''} ({names}) "
            "holds a value. Check that you saved the right file, fill in the data, or export it again.")
    return sheets
