"""Reading delimited text files whatever their encoding, quoting or shape.

:func:`read_delimited` returns every record as text cells with ``_line``, the
physical line of the file where the record starts (a quoted value may hold line
breaks, so records and lines differ). Its cost grows with the data, not its shape:

* a record with more than :data:`~workbench.data.xlsx.MAX_COLUMNS` fields, or a file
  needing more than :data:`~workbench.data.xlsx.MAX_CELLS` cells, is refused at once
  with an error naming the limit and the line;
* a quote that opens a value and is never closed is an error naming the line where
  it opened (it would swallow the rest of the file into one cell);
* UTF-8 (with or without a BOM), UTF-16 and Windows-1252 are read; a file mixing
  UTF-8 and Windows-1252 lines is decoded line by line and the Windows-1252 lines are
  returned as warnings.

The common file (no quotes, as wide as its first line) is parsed by :mod:`pyarrow.csv`
into dictionary-encoded (categorical) columns, so that every later check runs once per
distinct value; when pyarrow cannot read it exactly as pandas' C parser would (a short
or long line, a quote, a byte-order mark), pandas' C parser reads it, and anything that
parser refuses goes to the :mod:`csv` module. The three give the same cells.

Examples
--------
>>> t = read_delimited('NIP;Catatan\\n1;"dua\\nbaris"\\n2;x\\n', "a.csv")
>>> t.frame["_line"].tolist(), t.separator
([1, 2, 4], ';')
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench._memory import release_memory
from workbench.data import xlsx
from workbench.errors import DataContractError

__all__ = ["Delimited", "decode", "read_ascii", "read_ascii_file", "read_delimited"]

_SEPARATORS = (";", ",", "\t", "|")


@dataclass
class Delimited:
    """A parsed text file: cells, separator, encoding and warnings ``(reason, line, value)``."""

    frame: pd.DataFrame
    separator: str
    encoding: str
    warnings: list[tuple[str, int | None, str]] = field(default_factory=list)


def decode(data: bytes) -> tuple[str, str, list[int]]:
    """Decode bytes; return ``(text, encoding, lines decoded as Windows-1252 in a UTF-8 file)``.

    >>> decode("é".encode("utf-8") + b"\\n" + "é".encode("cp1252"))
    ('é\\né', 'utf-8+cp1252', [2])
    """
    bom = data.startswith(b"\xef\xbb\xbf")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16", []
        except UnicodeDecodeError:
            pass
    body = data[3:] if bom else data
    try:
        return body.decode("utf-8"), "utf-8-sig" if bom else "utf-8", []
    except UnicodeDecodeError:
        pass
    lines = body.split(b"\n")
    out, fallback, utf8_evidence = [], [], False
    for i, raw in enumerate(lines, start=1):
        try:
            s = raw.decode("utf-8")
            utf8_evidence = utf8_evidence or not raw.isascii()
        except UnicodeDecodeError:
            s = raw.decode("cp1252", errors="replace")
            fallback.append(i)
        out.append(s)
    if not bom and not utf8_evidence:
        return body.decode("cp1252", errors="replace"), "cp1252", []
    return "\n".join(out), "utf-8+cp1252", fallback


def _separator(text: str) -> str:
    sample = [ln for ln in text[:20000].split("\n") if ln.strip()][:20]
    best, best_score = ",", -1.0
    for sep in _SEPARATORS:
        counts = [ln.count(sep) for ln in sample]
        if not counts or max(counts) == 0:
            continue
        score = float(np.median(counts))
        if score > best_score:
            best, best_score = sep, score
    return best


def _too_wide(where: str, line: int, n: int) -> DataContractError:
    return DataContractError(
        f"{where}: line {line:,} has {n:,} fields, beyond the reader's limit of MAX_COLUMNS = "
        f"{xlsx.MAX_COLUMNS:,}. This is not a table (a line of separators, or the wrong separator); "
        "delete that line or export the data again.")


def _too_many(where: str, line: int) -> DataContractError:
    return DataContractError(
        f"{where}: the file needs more than MAX_CELLS = {xlsx.MAX_CELLS:,} cells (lines x widest line, "
        f"reached at line {line:,}). Delete stray separators that make a few lines very wide, or split the "
        "file, then load again.")


def _unclosed(where: str, line: int) -> DataContractError:
    return DataContractError(
        f"{where}: line {line:,}: a quote (\") opens a value that is never closed, so the rest of the file "
        "would be read as one cell. Close the quote or delete it, then load again.")


def _fast(text: str, sep: str) -> pd.DataFrame | None:
    """pandas' C parser, or None when the file needs the careful path."""
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, header=None,
                            skip_blank_lines=False, quotechar='"', engine="c")
    except pd.errors.ParserError:
        return None  # more fields than the first line, or an unclosed quote
    except pd.errors.EmptyDataError:
        return pd.DataFrame(columns=["0"], dtype=object)
    frame.columns = [str(c) for c in frame.columns]
    if frame.isna().to_numpy().any():
        frame = frame.fillna("")
    if '"' in text:
        # a quoted value may hold line breaks: a record spans 1 + that many lines
        extra = np.zeros(len(frame), dtype=np.int64)
        for c in frame.columns:
            s = frame[c]
            has = s.str.contains("\n", regex=False).to_numpy(dtype=bool)
            if has.any():
                extra[has] += s[has].str.count("\n").to_numpy(dtype=np.int64)
        starts = np.concatenate([[1], 1 + np.cumsum(1 + extra)[:-1]]) if len(frame) else extra
        frame["_line"] = starts.astype(np.int64)
    else:
        frame["_line"] = np.arange(1, len(frame) + 1, dtype=np.int64)
    return frame


def _arrow(text: str, sep: str, width: int) -> pd.DataFrame | None:
    """pyarrow's reader (on one thread), every column dictionary-encoded (a pandas
    Categorical); None when the file needs pandas' C parser or the careful path.

    Only files that both readers split the same way are taken: no quote character,
    no byte-order mark, at least two columns and every line exactly as wide as the
    first (a blank line is a row of empty cells in both).
    """
    if width < 2 or '"' in text or text.startswith("\ufeff"):
        return None
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: leave it to the text readers
        return None
    return _arrow_bytes(data, 0, sep, width)


def _arrow_bytes(data: bytes, start: int, sep: str, width: int) -> pd.DataFrame | None:
    """:func:`_arrow` on UTF-8 bytes from offset ``start`` (checked by the caller)."""
    import pyarrow as pa

    return _arrow_stream(pa.BufferReader(pa.py_buffer(data).slice(start)), sep, width)


def _arrow_stream(source: object, sep: str, width: int) -> pd.DataFrame | None:
    """:func:`_arrow` on a pyarrow input stream of UTF-8 bytes (checked by the caller)."""
    import pyarrow as pa
    from pyarrow import csv as pacsv

    names = [str(i) for i in range(width)]
    kind = pa.dictionary(pa.int32(), pa.string())
    try:
        # one thread: the memory a parser thread frees stays in that thread's heap of pyarrow's pool
        # (mimalloc), out of reach of release_memory (30 MiB of a 1,000,000-row file, to the end of
        # the load); on the 1,000,000-row benchmark the load took no longer (1.66 s against 1.83 s)
        table = pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 22, use_threads=False),
            parse_options=pacsv.ParseOptions(delimiter=sep, quote_char=False, double_quote=False,
                                             escape_char=False, newlines_in_values=False,
                                             ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, kind),
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowCapacityError):
        return None  # a ragged line, a line longer than a block, a dictionary too large
    n = table.num_rows
    columns = table.columns
    del table
    cells = {}
    for i, name in enumerate(names):  # column by column, each let go once converted
        cells[name] = _categorical(columns[i])
        columns[i] = None  # type: ignore[call-overload]
    del columns
    release_memory()  # the table's buffers and the parser's, back to the system
    frame = pd.DataFrame(cells, copy=False)
    frame["_line"] = np.arange(1, n + 1, dtype=np.int64)
    return frame


def _categorical(column: Any) -> pd.Categorical:
    """A chunked dictionary-encoded string column as a pandas Categorical, as ``to_pandas`` gives
    it (categories in order of first appearance), without unifying the chunks' dictionaries into
    a second copy of the codes: each chunk's codes are mapped straight into the result."""
    import pyarrow as pa
    import pyarrow.compute as pc

    chunks = [c for c in column.chunks if len(c)]
    if not chunks:
        return pd.Categorical.from_codes(np.zeros(0, dtype=np.int8),
                                         categories=pd.Index(pa.array([], pa.string()).to_pandas()))
    if len(chunks) == 1:
        categories = chunks[0].dictionary
        codes = chunks[0].indices.to_numpy(zero_copy_only=False)
    else:
        # one encoding of the chunks' dictionaries, put end to end, gives the categories and
        # where each chunk's entries sit among them
        encoded = pc.dictionary_encode(pa.concat_arrays([c.dictionary for c in chunks]))
        categories = encoded.dictionary
        size = len(categories)
        kind = np.int8 if size < 2**7 else np.int16 if size < 2**15 else np.int32
        where_all = encoded.indices.to_numpy(zero_copy_only=False).astype(kind)
        del encoded
        codes = np.empty(len(column), dtype=kind)
        at = first = 0
        for c in chunks:
            where = where_all[first:first + len(c.dictionary)]
            first += len(c.dictionary)
            codes[at:at + len(c)] = where[c.indices.to_numpy(zero_copy_only=False)]
            at += len(c)
    return pd.Categorical.from_codes(codes, categories=pd.Index(categories.to_pandas()), validate=False)


def _plain_ascii(head: bytes | bytearray, start: int, complete: bool) -> tuple[str, int] | None:
    """``(separator, width)`` of a file whose first bytes are ``head`` (the whole file when
    ``complete``; a BOM of ``start`` bytes skipped), or None when its first line is not within
    ``head``, or is narrower than two columns or wider than the reader's limit."""
    end = head.find(b"\n", start)
    if end < 0 and not complete:
        return None  # a first line longer than a chunk: the text readers judge it
    sep = _separator(head[start:start + 20000].decode("ascii"))
    first = head[start:] if end < 0 else head[start:end]
    width = first.count(sep.encode()) + 1
    if width < 2 or width > xlsx.MAX_COLUMNS:
        return None
    return sep, width


def _clean_bytes(buf: bytes | bytearray, lo: int, hi: int) -> bool:
    """Whether ``buf[lo:hi]`` is ASCII without a quote, carriage return or NUL (no copy made)."""
    if hi > lo and np.frombuffer(buf, dtype=np.uint8, count=hi - lo, offset=lo).max() >= 0x80:
        return False
    return not any(buf.find(c, lo, hi) >= 0 for c in (b'"', b"\r", b"\x00"))


_CHUNK = 1 << 23
"""Bytes scanned at a time by :func:`read_ascii_file` (8 MiB)."""


def read_ascii(data: bytes, where: str) -> Delimited | None:
    """The commonest file straight from its bytes, without decoding it to text first:
    ASCII (after an optional UTF-8 byte-order mark), no quote, carriage return or NUL,
    as wide as its first line and within the reader's limits. None for any other file,
    which :func:`decode` and :func:`read_delimited` then read; both give the same cells.

    >>> read_ascii(b"NIP;Nilai\\n1;3,5\\n", "a.csv").frame.astype(str).to_dict("list")
    {'0': ['NIP', '1'], '1': ['Nilai', '3,5'], '_line': ['1', '2']}
    """
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    if len(data) <= start or not _clean_bytes(data, start, len(data)):
        return None
    shape = _plain_ascii(data, start, complete=True)
    if shape is None:
        return None
    sep, width = shape
    n_lines = data.count(b"\n", start) + (not data.endswith(b"\n"))
    if n_lines * width > xlsx.MAX_CELLS:
        return None
    frame = _arrow_bytes(data, start, sep, width)
    if frame is None:
        return None
    return Delimited(frame=frame, separator=sep, encoding="utf-8-sig" if start else "utf-8")


def read_ascii_file(path: str | os.PathLike[str], where: str) -> Delimited | None:
    """:func:`read_ascii` of an uncompressed file, read from the disk in chunks: the file is
    never held whole in memory (pyarrow streams it block by block). The same cells, or None
    for the same files (and for one that starts like a zip archive, or whose first line is
    longer than 8 MiB), which the caller then reads from its bytes.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_bytes(b"NIP;Nilai\\n1;3,5\\n")
    >>> read_ascii_file(p, "a.csv").frame.astype(str).to_dict("list")
    {'0': ['NIP', '1'], '1': ['Nilai', '3,5'], '_line': ['1', '2']}
    """
    import pyarrow as pa

    buf = bytearray(_CHUNK)
    view = memoryview(buf)
    n_lines = 0
    last = b""
    with open(path, "rb") as fh:
        n = fh.readinto(buf)
        if n == 0 or buf.startswith(b"PK\x03\x04"):
            return None
        start = 3 if buf.startswith(b"\xef\xbb\xbf") else 0
        if n <= start or not _clean_bytes(buf, start, n):
            return None
        shape = _plain_ascii(buf[:n], start, complete=n < _CHUNK)
        if shape is None:
            return None
        sep, width = shape
        offset = start
        while n:
            n_lines += buf.count(b"\n", offset, n)
            last = bytes(view[n - 1:n])
            if n_lines * width > xlsx.MAX_CELLS:
                return None
            offset = 0
            n = fh.readinto(buf)
            if n and not _clean_bytes(buf, 0, n):  # each further chunk checked once, as the first was
                return None
    del view, buf
    n_lines += last != b"\n"
    if n_lines * width > xlsx.MAX_CELLS:
        return None
    with pa.OSFile(os.fspath(path), "rb") as source:
        source.seek(start)
        frame = _arrow_stream(source, sep, width)
    if frame is None:
        return None
    return Delimited(frame=frame, separator=sep, encoding="utf-8-sig" if start else "utf-8")


def _careful(text: str, sep: str, where: str) -> pd.DataFrame:
    """The csv module, record by record, with the physical line of each and the limits checked."""
    reader = csv.reader(io.StringIO(text), delimiter=sep, quotechar='"', strict=False)
    rows: list[list[str]] = []
    lines: list[int] = []
    width = prev = 0
    try:
        for row in reader:
            start, prev = prev + 1, reader.line_num
            n = len(row)
            if n > xlsx.MAX_COLUMNS:
                raise _too_wide(where, start, n)
            if n > width:
                width = n
            if (len(rows) + 1) * width > xlsx.MAX_CELLS:
                raise _too_many(where, start)
            rows.append(row)
            lines.append(start)
    except csv.Error as exc:  # e.g. a field larger than csv.field_size_limit()
        raise DataContractError(
            f"{where}: line {prev + 1:,} cannot be read ({exc}). Check the quotes on that line, or export "
            "the data again.") from exc
    if rows and rows[-1]:
        tail = "\n".join(text.split("\n")[lines[-1] - 1:])
        try:
            list(csv.reader(io.StringIO(tail), delimiter=sep, quotechar='"', strict=True))
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise _unclosed(where, text.count("\n") - rows[-1][-1].count("\n") + 1) from None
    width = max(width, 1)
    frame = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], columns=[str(i) for i in range(width)],
                         dtype=object)
    frame["_line"] = np.asarray(lines, dtype=np.int64)
    return frame


def read_delimited(text: str, where: str, encoding: str = "utf-8") -> Delimited:
    """Split decoded text into records of text cells; see the module docstring."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        text = text.replace("\x00", "")
    sep = _separator(text)
    end = text.find("\n")
    first = text if end < 0 else text[:end]
    width = first.count(sep) + 1
    if width > xlsx.MAX_COLUMNS and '"' not in first:
        raise _too_wide(where, 1, width)
    n_lines = text.count("\n") + (not text.endswith("\n"))
    frame = None
    if width <= xlsx.MAX_COLUMNS and n_lines * width <= xlsx.MAX_CELLS:
        frame = _arrow(text, sep, width)
        if frame is None:
            frame = _fast(text, sep)
    if frame is None:
        frame = _careful(text, sep, where)
    return Delimited(frame=frame, separator=sep, encoding=encoding)
