"""Reading raw tables from CSV, XLSX and Parquet, with the line of every row.

Files from Indonesian offices come with ``;`` separators and decimal commas, UTF-8
with a BOM or Windows-1252 text, title lines above the header, empty trailing rows,
headers repeated mid-file and NIPs stored as numbers. The readers here return every
cell as text, with the 1-based line (or spreadsheet row) of each record, and leave
the judging to :mod:`workbench.data.clean`.

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

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.data.xlsx import cell_text, read_xlsx
from workbench.errors import DataContractError

__all__ = ["RawTable", "read_raw", "SUPPORTED"]

SUPPORTED = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".parquet", ".pq")


@dataclass
class RawTable:
    """One sheet or file as text cells.

    ``frame`` has string columns ``"0"``, ``"1"``, ... (header not yet detected) and
    ``_line``, the 1-based line of the record in its file (the row number in a
    spreadsheet). ``header`` is set when the file type carries its own header
    (Parquet). ``merged`` lists a spreadsheet's merged ranges as ``(first_line,
    first_col, last_line, last_col)``: lines as in ``_line``, columns as 0-based
    positions (the frame's ``"0"``, ``"1"``, ...); only the top-left cell of a range
    holds its value.
    """

    file: str
    frame: pd.DataFrame
    sheet: str | None = None
    separator: str | None = None
    encoding: str | None = None
    header: list[str] | None = None
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)


def _decode(data: bytes, file: str) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def _separator(text: str) -> str:
    sample = [ln for ln in text[:20000].splitlines() if ln.strip()][:20]
    best, best_score = ",", -1.0
    for sep in (";", ",", "\t", "|"):
        counts = [ln.count(sep) for ln in sample]
        if not counts or max(counts) == 0:
            continue
        score = float(np.median(counts))
        if score > best_score:
            best, best_score = sep, score
    return best


def _read_csv(path: Path) -> RawTable:
    data = path.read_bytes()
    if not data.strip():
        raise DataContractError(f"{path}: the file is empty. Export the data again or remove the file.")
    if data[:4] == b"PK\x03\x04":
        raise DataContractError(
            f"{path}: this is a spreadsheet (XLSX) with a .csv name. Rename it to .xlsx and load again.")
    text, encoding = _decode(data, str(path))
    sep = _separator(text)
    kwargs = dict(sep=sep, dtype=str, keep_default_na=False, header=None, skip_blank_lines=False,
                  quotechar='"', engine="c")
    try:
        frame = pd.read_csv(io.StringIO(text), **kwargs)  # type: ignore[call-overload]
    except pd.errors.ParserError:
        width = max(ln.count(sep) for ln in text.splitlines()) + 1
        frame = pd.read_csv(io.StringIO(text), names=list(range(width)), **kwargs)  # type: ignore[call-overload]
    frame.columns = [str(c) for c in frame.columns]
    if len(frame) and text.endswith(("\n", "\r")) is False:
        pass
    frame["_line"] = np.arange(1, len(frame) + 1)
    return RawTable(file=str(path), frame=frame, separator=sep, encoding=encoding)


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
        s = df[c]
        if pd.api.types.is_string_dtype(s) or isinstance(s.dtype, pd.CategoricalDtype):
            frame[str(i)] = s.astype(object).where(s.notna(), "").astype(str).to_numpy()
        elif pd.api.types.is_integer_dtype(s):
            frame[str(i)] = s.astype("Int64").astype(str).replace("<NA>", "").to_numpy()
        elif pd.api.types.is_float_dtype(s):
            # vectorised; floats too big to hold an 18-digit id exactly keep the
            # scientific notation that marks them as damaged
            text = s.astype(str).where(s.notna(), "")
            big = s.abs() >= 1e15
            if big.any():
                text[big] = s[big].map(_cell_text)
            frame[str(i)] = text.to_numpy()
        else:
            frame[str(i)] = s.map(_cell_text).to_numpy()
    frame["_line"] = np.arange(1, len(df) + 1)
    return RawTable(file=str(path), frame=frame, header=[str(c) for c in df.columns])


def read_raw(path: str | Path) -> list[RawTable]:
    """Read one file into raw text tables (one per spreadsheet sheet).

    Raises
    ------
    DataContractError
        When the file does not exist, is empty, or is not a CSV, XLSX or Parquet file.
    """
    path = Path(path)
    if not path.exists():
        raise DataContractError(f"{path}: no such file. Check the path (it is relative to {Path.cwd()}).")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return [_read_csv(path)]
    if suffix in (".xlsx", ".xlsm"):
        return _read_excel(path)
    if suffix in (".parquet", ".pq"):
        return [_read_parquet(path)]
    if suffix == ".xls":
        raise DataContractError(
            f"{path}: old Excel 97-2003 (.xls) files are not read. Save it as .xlsx or CSV and load again.")
    raise DataContractError(
        f"{path}: unsupported file type '{suffix}'. Use .csv, .xlsx or .parquet.")
