"""Reading raw tables from CSV, XLSX, XLS, ODS and Parquet, with the line of every row.

Files from Indonesian offices come with ``;`` separators and decimal commas, UTF-8
with a BOM or Windows-1252 text, title lines above the header, empty trailing rows,
headers repeated mid-file and NIPs stored as numbers. The readers here return every
cell as text, with the 1-based line (or spreadsheet row) of each record, and leave
the judging to :mod:`workbench.data.clean`. Text files may be gzip-compressed
(``.csv.gz``); spreadsheets are read cell by cell, never by their declared size
(:mod:`workbench.data.xlsx`, :mod:`workbench.data.csvread`).

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
>>> _ = p.write_bytes("NIP;Nilai\\n198609262015051001;3,5\\n".encode("cp1252"))
>>> t = read_raw(p)[0]
>>> t.frame.to_dict("records"), t.separator, t.encoding
([{'0': 'NIP', '1': 'Nilai', '_line': 1}, {'0': '198609262015051001', '1': '3,5', '_line': 2}], ';', 'utf-8')
"""

from __future__ import annotations

import gzip
import stat
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.data import xlsx
from workbench.data.csvread import decode, read_ascii, read_ascii_file, read_delimited
from workbench.data.xlsx import cell_text, read_xlsx
from workbench.errors import DataContractError

__all__ = ["MAX_BYTES", "RawTable", "SUPPORTED", "file_kind", "read_raw"]

SUPPORTED = (".csv", ".txt", ".tsv", ".csv.gz", ".txt.gz", ".tsv.gz", ".xlsx", ".xlsm", ".xls", ".ods",
             ".parquet", ".pq")
"""File endings :func:`read_raw` reads (compare with :func:`file_kind`, which sees ``.csv.gz``)."""

MAX_BYTES = 2**31
"""Largest decompressed ``.gz`` file read (2 GiB)."""

_TEXT = (".csv", ".txt", ".tsv")


@dataclass
class RawTable:
    """One sheet or file as text cells.

    ``frame`` has string columns ``"0"``, ``"1"``, ... (header not yet detected) and
    ``_line``, the 1-based line of the record in its file (the row number in a
    spreadsheet). ``header`` is set when the file type carries its own header
    (Parquet). ``merged`` lists a spreadsheet's merged ranges as ``(first_line,
    first_col, last_line, last_col)``: lines as in ``_line``, columns as 0-based
    positions (the frame's ``"0"``, ``"1"``, ...); only the top-left cell of a range
    holds its value. ``warnings`` are ``(reason, line, value)`` the reader noticed
    (e.g. ``mixed_encoding`` for a line decoded as Windows-1252 in a UTF-8 file).
    """

    file: str
    frame: pd.DataFrame
    sheet: str | None = None
    separator: str | None = None
    encoding: str | None = None
    header: list[str] | None = None
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    warnings: list[tuple[str, int | None, str]] = field(default_factory=list)


def _check_file(path: Path) -> None:
    """Refuse, with a DataContractError saying why, what cannot be opened as a file."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise DataContractError(f"{path}: cannot be read ({exc.strerror}). Check the path and its folders' "
                                "permissions.") from exc
    if stat.S_ISDIR(mode):
        raise DataContractError(f"{path}: is a folder, not a file. Pass the folder itself to wb.load to read "
                                "every file in it, or name one file inside it.")
    if not stat.S_ISREG(mode):
        raise DataContractError(f"{path}: is not a regular file (a pipe, socket or device) and is not read. "
                                "Copy the data into a .csv or .xlsx file and load that.")
    try:
        with open(path, "rb"):
            pass
    except PermissionError as exc:
        raise _denied(path) from exc
    except OSError as exc:
        raise _unreadable(path, exc) from exc


def _denied(path: Path) -> DataContractError:
    return DataContractError(
        f"{path}: permission denied. Give your user read access to the file (e.g. chmod u+r, or copy it "
        "into your own folder) and load again.")


def _unreadable(path: Path, exc: OSError) -> DataContractError:
    return DataContractError(f"{path}: cannot be read ({exc.strerror or exc}). Check that the file is not "
                             "open elsewhere or on a disconnected drive, then load again.")


def _read_bytes(path: Path) -> bytes:
    """The file's bytes (a ``.gz`` file decompressed), or a DataContractError saying why not."""
    _check_file(path)
    try:
        if path.suffix.lower() == ".gz":
            with gzip.open(path, "rb") as fh:
                data = fh.read(MAX_BYTES + 1)
            if len(data) > MAX_BYTES:
                raise DataContractError(
                    f"{path}: decompresses to more than MAX_BYTES = {MAX_BYTES:,} bytes. Split the file or "
                    "load it uncompressed in parts.")
            return data
        return path.read_bytes()
    except PermissionError as exc:
        raise _denied(path) from exc
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise DataContractError(
            f"{path}: is not a valid gzip file ({exc}). Compress the CSV again (gzip file.csv) or load the "
            "uncompressed .csv.") from exc
    except OSError as exc:
        raise _unreadable(path, exc) from exc


def _read_csv(path: Path) -> RawTable:
    streamed = file_kind(path) in _TEXT
    if streamed:  # the commonest file, streamed from the disk (never held whole)
        _check_file(path)
        try:
            d = read_ascii_file(path, str(path))
        except PermissionError as exc:
            raise _denied(path) from exc
        except OSError as exc:
            raise _unreadable(path, exc) from exc
        if d is not None:
            return RawTable(file=str(path), frame=d.frame, separator=d.separator, encoding=d.encoding)
    data = _read_bytes(path)
    if not data or data.isspace():
        raise DataContractError(f"{path}: the file is empty. Export the data again or remove the file.")
    if data[:4] == b"PK\x03\x04":
        raise DataContractError(
            f"{path}: this is a spreadsheet (XLSX) with a .csv name. Rename it to .xlsx and load again.")
    # the commonest file, read from its bytes (a streamed file was not: the text readers give the
    # same cells, and a file pyarrow refused is not parsed twice more)
    d = None if streamed else read_ascii(data, str(path))
    recoded: list[int] = []
    if d is None:
        text, encoding, recoded = decode(data)
        del data
        d = read_delimited(text, str(path), encoding)
    warnings: list[tuple[str, int | None, str]] = [("mixed_encoding", line, "") for line in recoded]
    return RawTable(file=str(path), frame=d.frame, separator=d.separator, encoding=d.encoding,
                    warnings=warnings)


_cell_text = cell_text


def _read_excel(path: Path) -> list[RawTable]:
    """Read every sheet with the streaming reader of :mod:`workbench.data.xlsx`."""
    return [RawTable(file=str(path), frame=sh.frame, sheet=sh.name, merged=sh.merged)
            for sh in read_xlsx(path)]


def _read_parquet(path: Path) -> RawTable:
    try:
        df = pd.read_parquet(path)
    except Exception as exc:
        raise DataContractError(
            f"{path}: cannot be read as Parquet ({exc}). Write it again with pandas.DataFrame.to_parquet "
            "or export it as CSV.") from exc
    frame = pd.DataFrame(index=range(len(df)))
    for i, c in enumerate(df.columns):
        frame[str(i)] = _parquet_text(df[c])
    frame["_line"] = np.arange(1, len(df) + 1)
    return RawTable(file=str(path), frame=frame, header=[str(c) for c in df.columns])


def _string_text(s: pd.Series) -> np.ndarray:
    return s.astype(object).where(s.notna(), "").astype(str).to_numpy()


def _integer_text(s: pd.Series) -> np.ndarray:
    return s.astype("Int64").astype(str).replace("<NA>", "").to_numpy()


def _float_text(s: pd.Series) -> np.ndarray:
    # vectorised; floats too big to hold an 18-digit id exactly keep the scientific
    # notation that marks them as damaged
    text = s.astype(str).where(s.notna(), "")
    big = s.abs() >= 1e15
    if big.any():
        text[big] = s[big].map(_cell_text)
    return text.to_numpy()


def _parquet_text(s: pd.Series) -> Any:
    """A Parquet column as cell text (``str``, ``""`` where missing), for a frame column.

    Each conversion is element by element, so it runs once per distinct value (a column
    of ratings holds a few) and the texts are spread to the rows by their codes; a float
    column's values are told apart by their bits (``-0.0`` and ``0.0`` are two texts).
    """
    if pd.api.types.is_string_dtype(s) or isinstance(s.dtype, pd.CategoricalDtype):
        return _per_value(s, s, _string_text)
    if pd.api.types.is_integer_dtype(s):
        return _per_value(s, s, _integer_text)
    if pd.api.types.is_float_dtype(s):
        if isinstance(s.dtype, np.dtype) and s.dtype == np.float64:
            return _per_value(s, s.to_numpy().view(np.int64), _float_text)
        return _float_text(s)
    return s.map(_cell_text).to_numpy()


def _per_value(s: pd.Series, keys: Any, text: Callable[[pd.Series], np.ndarray]) -> Any:
    """``text(s)`` for an element-wise ``text``, computed on the distinct ``keys`` of ``s``,
    as the array a frame column of those texts holds (the type pandas gives the distinct
    texts is the one it gives all of them)."""
    codes, _ = pd.factorize(keys, use_na_sentinel=False)  # a missing value is a value too
    codes = np.asarray(codes, dtype=np.intp)
    first = np.empty(int(codes.max()) + 1 if len(codes) else 0, dtype=np.intp)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # the first row of each value
    return pd.Series(np.asarray(text(s.iloc[first]), dtype=object)).array.take(codes)


def _calamine_text(v: object) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return cell_text(v)


def _read_calamine(path: Path) -> list[RawTable]:
    """Read an ``.xls`` (Excel 97-2003) or ``.ods`` (OpenDocument) workbook with python-calamine."""
    from python_calamine import CalamineWorkbook

    kind = "Excel 97-2003 (.xls)" if path.suffix.lower() == ".xls" else "OpenDocument (.ods)"
    _check_file(path)  # the same checks (folder, pipe, permission) as every file
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own kinds for broken or encrypted files
        protected = "password" in str(exc).lower() or type(exc).__name__ == "PasswordError"
        raise DataContractError(
            f"{path}: cannot be read as an {kind} workbook"
            + (" because it is password-protected" if protected else f" ({exc})")
            + ". Open it in Excel or LibreOffice, " + ("remove the password, " if protected else "")
            + "save it as .xlsx, or export it as CSV.") from exc
    tables = []
    for name in book.sheet_names:
        where = f"{path} (sheet '{name}')"
        try:
            sheet = book.get_sheet_by_name(name)
        except Exception as exc:
            raise DataContractError(f"{where}: cannot be read ({exc}). Save the workbook as .xlsx or export "
                                    "the sheet as CSV.") from exc
        r1, c1 = sheet.end or (-1, -1)
        if c1 >= xlsx.MAX_COLUMNS:
            raise DataContractError(
                f"{where}: a value sits in column {c1 + 1:,}, beyond the reader's limit of MAX_COLUMNS = "
                f"{xlsx.MAX_COLUMNS:,}. Delete the stray value or move the data into the first columns.")
        if (r1 + 1) * (c1 + 1) > xlsx.MAX_CELLS:
            raise DataContractError(
                f"{where}: the sheet needs more than MAX_CELLS = {xlsx.MAX_CELLS:,} cells. Split it or "
                "export it as CSV.")
        rows, lines = [], []
        width = c1 + 1
        # from cell A1, whatever the first filled cell: positions match the sheet and its merges
        for i, row in enumerate(sheet.to_python(skip_empty_area=False) if width else []):
            cells = [_calamine_text(v) for v in row]
            if any(cells):
                rows.append(cells + [""] * (width - len(cells)))
                lines.append(i + 1)
        frame = pd.DataFrame(rows, columns=[str(i) for i in range(width)], dtype=object)
        frame["_line"] = np.asarray(lines, dtype=np.int64)
        last = lines[-1] if lines else 0
        merged = sorted((a[0] + 1, a[1], min(b[0] + 1, last), min(b[1], width - 1))
                        for a, b in (sheet.merged_cell_ranges or []) if a[0] + 1 <= last and a[1] < width)
        tables.append(RawTable(file=str(path), frame=frame, sheet=str(name), merged=merged))
    if all(len(t.frame) == 0 for t in tables):
        raise DataContractError(
            f"{path}: the workbook is empty: no cell of its sheets holds a value. Check that you saved the "
            "right file, fill in the data, or export it again.")
    return tables


def file_kind(path: str | Path) -> str:
    """The ending that decides how a file is read: ``'.csv.gz'``, ``'.xlsx'``, ... (lower case).

    >>> file_kind("Rekap.CSV.gz"), file_kind("a.xlsx"), file_kind("b.gz")
    ('.csv.gz', '.xlsx', '.gz')
    """
    suffixes = [s.lower() for s in Path(path).suffixes]
    if len(suffixes) >= 2 and suffixes[-1] == ".gz" and suffixes[-2] in _TEXT:
        return suffixes[-2] + ".gz"
    return suffixes[-1] if suffixes else ""


def read_raw(path: str | Path) -> list[RawTable]:
    """Read one file into raw text tables (one per spreadsheet sheet).

    Raises
    ------
    DataContractError
        When the file does not exist, cannot be opened (a folder, a pipe, no
        permission), is empty or damaged, exceeds a reader limit, or is not one of
        :data:`SUPPORTED`; the message names the file (and sheet) and what to do.
    """
    path = Path(path)
    if not path.exists():
        raise DataContractError(f"{path}: no such file. Check the path (it is relative to {Path.cwd()}).")
    kind = file_kind(path)
    if kind in _TEXT or kind.removesuffix(".gz") in _TEXT:
        return [_read_csv(path)]
    if kind in (".xlsx", ".xlsm"):
        _check_file(path)
        return _read_excel(path)
    if kind in (".xls", ".ods"):
        return _read_calamine(path)
    if kind in (".parquet", ".pq"):
        _check_file(path)
        return [_read_parquet(path)]
    raise DataContractError(
        f"{path}: unsupported file type '{kind}'. Use .csv (or .csv.gz), .xlsx, .xls, .ods or .parquet.")
