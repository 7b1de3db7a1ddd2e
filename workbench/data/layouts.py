"""What the eye sees in a real BKD file: merged cells, title rows, signature blocks, periods in titles.

Files that a BKD (Badan Kepegawaian Daerah) analyst has are made for printing: a
title in merged cells above the header, the period written in the title
(``Tahunan 2025``, ``Bulan Maret 2025``), the unit written once and merged down its
block, and a signature block below the data (``Mengetahui``, ``Kepala BKPSDM``, a
name, ``NIP. ...``, ``Kota Contoh, 31 Desember 2025``). The helpers here turn that
back into a table; :func:`workbench.load` uses them and reports what they did.

Examples
--------
>>> period_from_text("LAPORAN PENILAIAN SKP BULAN MARET 2025")
'2025-03'
>>> period_from_text("Penilaian SKP Januari - Desember 2025"), period_from_text("Tahunan 2025")
('2025', '2025')
>>> period_from_text("Rekap Triwulan II 2025"), period_from_text("Daftar Pegawai") is None
('2025-Q2', True)
>>> a1((5, 1, 12, 1))
'B5:B12'
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from workbench.data.normalize import ascii_digits, normalize_period, value_mask

__all__ = ["MONTHS", "a1", "fill_merged", "period_bounds", "period_from_text", "signature_rows"]

MONTHS: dict[str, int] = {
    "januari": 1, "februari": 2, "pebruari": 2, "maret": 3, "april": 4, "mei": 5, "juni": 6, "juli": 7,
    "agustus": 8, "september": 9, "oktober": 10, "nopember": 11, "november": 11, "desember": 12,
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "august": 8,
    "october": 10, "december": 12,
}
"""Month names (Indonesian and English, lower case) and their numbers."""

_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_RANGE = re.compile(rf"\b({_MONTH_RE})\b\s*(?:-|–|s\.?\s*d\.?|sampai(?: dengan)?|to)\s*\b({_MONTH_RE})\b\s*((?:19|20)\d{{2}})")
_MONTH_YEAR = re.compile(rf"\b({_MONTH_RE})\b\s*((?:19|20)\d{{2}})\b")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


_STAMP = re.compile(r"diperbarui|pembaruan|update|dicetak|tanggal cetak|per tanggal|\d{4}-\d{2}-\d{2}[ t]\d{2}:\d{2}")


def period_from_text(text: str, year: str | None = None) -> str | None:
    """The appraisal period a title, sheet name or file name speaks of, or ``None``.

    ``Januari - Desember 2025`` and ``Tahunan 2025`` are the year (``2025``), ``Bulan
    Maret 2025`` the month (``2025-03``), ``Triwulan II 2025`` the quarter; any other
    text with one year in it is that year. A text without a year (a sheet named
    ``Maret`` or ``Tahunan``) takes ``year`` when given. An update or print time
    (``Diperbarui: 2026-01-15 08:00``) names no period.

    >>> period_from_text("Maret", year="2025"), period_from_text("Tahunan", year="2025")
    ('2025-03', '2025')
    >>> period_from_text("Diperbarui: 2026-01-15 08:00") is None
    True
    """
    low = re.sub(r"[_\s]+", " ", str(text).lower())
    if _STAMP.search(low):
        return None
    if year is not None and not _YEAR.search(low):
        m = re.search(rf"\b({_MONTH_RE})\b", low)
        if re.search(r"\btahunan\b|\bjanuari\s*-\s*desember\b", low):
            return year
        if m:
            return f"{year}-{MONTHS[m.group(1)]:02d}"
        return None
    m = _RANGE.search(low)
    if m:
        first, last, year = MONTHS[m.group(1)], MONTHS[m.group(2)], m.group(3)
        if (first, last) == (1, 12):
            return year
        if first == last:
            return f"{year}-{first:02d}"
        quarter = {(1, 3): "Q1", (4, 6): "Q2", (7, 9): "Q3", (10, 12): "Q4", (1, 6): "S1", (7, 12): "S2"}
        return f"{year}-{quarter[(first, last)]}" if (first, last) in quarter else year
    m = _MONTH_YEAR.search(low)
    if m and "tahunan" not in low:
        return f"{m.group(2)}-{MONTHS[m.group(1)]:02d}"
    if re.search(r"(?:^|[^a-z])(?:q|tw|triwulan|kuartal|quarter|s|sem|semester)\s*[-_]?\s*(?:iv|iii|ii|i|[1-4])(?![a-z0-9])",
                 low):
        years = _YEAR.findall(low)
        if len(set(years)) == 1:
            got = normalize_period(pd.Series([low]))[0].iloc[0]
            if got is not None:
                return str(got)
    distinct = set(_YEAR.findall(low))
    return distinct.pop() if len(distinct) == 1 else None


def a1(rng: tuple[int, int, int, int]) -> str:
    """A merged range ``(first_line, first_col, last_line, last_col)`` in Excel notation."""
    def col(c: int) -> str:
        out = ""
        c += 1
        while c:
            c, r = divmod(c - 1, 26)
            out = chr(65 + r) + out
        return out

    l1, c1, l2, c2 = rng
    return f"{col(c1)}{l1}:{col(c2)}{l2}"


def fill_merged(frame: pd.DataFrame, merged: list[tuple[int, int, int, int]]) -> pd.DataFrame:
    """Write the value of each merged range's first cell into every cell of the range."""
    if not merged:
        return frame
    frame = frame.copy()
    cols = [c for c in frame.columns if c != "_line"]
    lines = pd.Index(frame["_line"].to_numpy())
    for l1, c1, l2, c2 in merged:
        rows = lines.get_indexer(np.arange(l1, l2 + 1))
        rows = rows[rows >= 0]
        targets = [str(c) for c in range(c1, c2 + 1) if str(c) in cols]
        if len(rows) == 0 or not targets or str(c1) not in cols:
            continue
        first = lines.get_indexer([l1])[0]
        if first < 0:
            continue
        value = frame.iloc[first, frame.columns.get_loc(str(c1))]
        positions = [frame.columns.get_loc(c) for c in targets]
        frame.iloc[rows, positions] = value
    return frame


_SIGNATURE = re.compile(
    r"^\s*(?:mengetahui|menyetujui|disetujui|diketahui|kepala\b|sekretaris\b|a\.?\s*n\.?\s|plt\.?\s|plh\.?\s|"
    r"nip\.?\s*[:.]?\s*\d|pembina\b|penata\b|ditetapkan|dibuat\s+(?:oleh|di)|ttd\b|tanda\s*tangan|pejabat\s+penilai)",
    re.IGNORECASE)
_DATE_LINE = re.compile(rf"\b\d{{1,2}}\s+(?:{_MONTH_RE})\s+(?:19|20)\d{{2}}\b", re.IGNORECASE)


def _signature_text(values: pd.Series) -> pd.Series:
    s = values.str.strip()
    return s.str.contains(_SIGNATURE) | s.str.contains(_DATE_LINE)


def _looks_like_id(u: pd.Series) -> np.ndarray:
    """Which values are nine or more digits, spaces, dots or dashes (an identifier); values of
    ASCII digits only (the common NIP) are judged by their length alone."""
    plain = ascii_digits(u.to_numpy(dtype=object))
    out = plain & (u.str.len().to_numpy(dtype=float, na_value=0) >= 9)
    rest = ~plain
    if rest.any():
        out[rest] = u[rest].str.strip().str.fullmatch(r"[\d .\-]{9,}").fillna(False).to_numpy(dtype=bool)
    return out


def signature_rows(body: pd.DataFrame, id_column: str | None, n_filled: np.ndarray | None = None) -> np.ndarray:
    """Rows of the signature block at the foot of a table (a boolean mask).

    The block is the last run of rows that are blank, short (three filled cells or
    fewer) or signature lines (``Mengetahui``, ``Kepala ...``, ``NIP. ...``, a date
    line), none with an identifier in ``id_column``, starting at its first
    signature line. ``n_filled``, the number of cells of each row that are not
    blank, is counted here unless the caller has it.
    """
    n = len(body)
    if n == 0:
        return np.zeros(0, dtype=bool)
    if n_filled is None:
        n_filled = np.zeros(n, dtype=np.int64)
        for c in body.columns:  # each check once per distinct value of the column
            n_filled += ~value_mask(body[c], lambda u: u.str.strip().eq(""))
    mask = np.zeros(n, dtype=bool)
    # only the rows below the last one with four or more filled cells can be the block
    long_rows = np.flatnonzero(n_filled > 3)
    start = int(long_rows[-1]) + 1 if len(long_rows) else 0
    if start == n:
        return mask
    if id_column is not None and id_column in body.columns:
        ids = body[id_column].iloc[start:]
        if isinstance(ids.dtype, pd.CategoricalDtype):  # its few values, not every category
            ids = ids.astype(object)
        has_id = value_mask(ids, _looks_like_id)
    else:
        has_id = np.zeros(n - start, dtype=bool)
    suffix = np.cumprod((~has_id)[::-1])[::-1].astype(bool)  # rows from which everything below is tail-like
    if not suffix.any():
        return mask
    top = start + int(np.argmax(suffix))  # only the foot of the table is searched for signature lines
    tail = body.iloc[top:]
    sig = np.zeros(n - top, dtype=bool)
    for c in tail.columns:
        values = tail[c].astype(object) if isinstance(tail[c].dtype, pd.CategoricalDtype) else tail[c]
        sig |= value_mask(values, _signature_text)
    starts = np.flatnonzero(sig)
    if len(starts):
        first = top + starts[0]
        while first > top and n_filled[first - 1] == 0:
            first -= 1
        mask[first:] = True
    return mask


def period_bounds(period: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last day of a contract period (``2025``, ``2025-Q1``, ``2025-S2``, ``2025-03``)."""
    m = re.fullmatch(r"(\d{4})(?:-(Q[1-4]|S[12]|\d{2}))?", str(period))
    if not m:
        return None
    year, part = int(m.group(1)), m.group(2)
    if part is None:
        first, last = 1, 12
    elif part.startswith("Q"):
        q = int(part[1])
        first, last = 3 * q - 2, 3 * q
    elif part.startswith("S"):
        first, last = (1, 6) if part == "S1" else (7, 12)
    else:
        first = last = int(part)
    start = pd.Timestamp(year=year, month=first, day=1)
    end = pd.Timestamp(year=year, month=last, day=1) + pd.offsets.MonthEnd(0)
    return start, end
