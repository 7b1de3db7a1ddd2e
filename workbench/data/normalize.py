"""Vectorised normalisers for the values that real Indonesian office files hold.

Each function takes a pandas Series of strings and returns the cleaned Series plus,
where a value cannot be understood, a Series of reason codes (``None`` where fine).
They never loop over rows in Python.

Examples
--------
>>> import pandas as pd
>>> normalize_id(pd.Series(["19860926 201505 1 001", "1.98609E+17", "\u200b١٩٨٦٠٩٢٦٢٠١٥٠٥١٠٠١"]))[0].tolist()
['198609262015051001', '1.98609E+17', '198609262015051001']
>>> normalize_unit(pd.Series(["Dinas\u00a0 Pendidikan\u200b", "Dinas Pendidikan"])).tolist()
['Dinas Pendidikan', 'Dinas Pendidikan']
>>> parse_score(pd.Series(["3,5", "Diatas Ekspektasi", "x"]))[0].tolist()
[3.5, 3.0, nan]
>>> normalize_period(pd.Series(["2025", "Triwulan II 2025", "2025-3", "2025.0"]))[0].tolist()
['2025', '2025-Q2', '2025-03', '2025']
>>> label, why = normalize_predikat(pd.Series(["SANGAT BAIK", "kurang", "-", "Istimewa"]))
>>> label.tolist()[:2], label.isna().tolist()[2:], why.notna().tolist()
(['Sangat Baik', 'Kurang/Misconduct'], [True, True], [False, False, False, True])
>>> normalize_org_predikat(pd.Series(["ISTIMEWA", "Cukup"]))[0].tolist()
['Istimewa', 'Butuh Perbaikan']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import wraps
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "RATING_LABELS",
    "ascii_digits",
    "canonical_equals",
    "canonical_name",
    "canonical_text",
    "is_blank",
    "nip_warnings",
    "normalize_gender",
    "normalize_golongan",
    "normalize_id",
    "normalize_jabatan",
    "normalize_period",
    "normalize_org_predikat",
    "normalize_predikat",
    "normalize_rater_role",
    "normalize_unit",
    "parse_score",
    "value_codes",
    "value_mask",
    "visible_text",
]

RATING_LABELS: dict[str, float] = {
    "dibawahekspektasi": 1.0, "dibawah": 1.0, "belowexpectation": 1.0, "belowexpectations": 1.0,
    "sesuaiekspektasi": 2.0, "sesuai": 2.0, "meetsexpectation": 2.0, "meetsexpectations": 2.0,
    "diatasekspektasi": 3.0, "diatas": 3.0, "aboveexpectation": 3.0, "aboveexpectations": 3.0,
}
"""The three e-Kinerja rating labels (any case or spacing) and their codes 1, 2, 3."""

_SCI = re.compile(r"^[+-]?\d([.,]\d+)?[eE][+-]?\d+$")


def value_codes(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, uniques)`` of ``s`` read as text: ``uniques[codes]`` is ``s.astype(str)``.

    A categorical column of text (as :mod:`pyarrow.csv` reads a file) gives its own
    codes and categories at no cost; any other column is factorised.

    >>> codes, uniques = value_codes(pd.Series(pd.Categorical(["b", "a", "b"])))
    >>> codes.tolist(), uniques.tolist()
    ([1, 0, 1], ['a', 'b'])
    """
    if isinstance(s.dtype, pd.CategoricalDtype) and s.cat.categories.inferred_type in ("string", "empty"):
        codes = s.cat.codes.to_numpy()
        if len(codes) == 0 or codes.min() >= 0:
            return codes, np.asarray(s.cat.categories, dtype=object)
    codes, uniques = pd.factorize(s.astype(str), use_na_sentinel=False)
    return codes, np.asarray(uniques, dtype=object)


def value_mask(s: pd.Series, test: Callable[[pd.Series], Any]) -> np.ndarray:
    """A boolean array: ``test`` (a function of a Series of text) run once per distinct value
    of ``s`` and spread back to every row.

    >>> value_mask(pd.Series(["a", " ", "a"]), lambda u: u.str.strip() == "").tolist()
    [False, True, False]
    """
    codes, uniques = value_codes(s)
    if len(uniques) == 0:
        return np.zeros(len(s), dtype=bool)
    return np.asarray(test(pd.Series(uniques, dtype=object)), dtype=bool)[codes]


def _on_uniques(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Apply a normaliser to the distinct values only, then spread the result back.

    Appraisal columns repeat a few values (periods, roles, indicators, scores) or a
    few thousand ids across many rows; this makes the normalisers cost O(distinct).
    """

    @wraps(fn)
    def wrapper(s: pd.Series, *args: Any, **kwargs: Any) -> Any:
        codes, uniques = value_codes(s)
        result = fn(pd.Series(uniques, dtype=object), *args, **kwargs)
        # take() keeps each result's own array type (Arrow strings stay Arrow: no round trip)
        if isinstance(result, tuple):
            return tuple(pd.Series(r.array.take(codes), index=s.index) for r in result)
        return pd.Series(result.array.take(codes), index=s.index)

    return wrapper


@_on_uniques
def is_blank(s: pd.Series) -> pd.Series:
    """True where a cell is empty or white space only."""
    return s.astype(str).str.strip() == ""


_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def canonical_text(text: object) -> str:
    """Lower-case, letters and digits only: ``'Di Atas  Ekspektasi'`` -> ``'diatasekspektasi'``."""
    return _NOT_ALNUM.sub("", str(text).lower())


@_on_uniques
def canonical_name(s: pd.Series) -> pd.Series:
    """:func:`canonical_text` of every value (computed once per distinct value)."""
    return s.astype(str).map(canonical_text)


def _arrow_text(values: np.ndarray) -> tuple[np.ndarray, Any]:
    """``(is_text, arrow strings)`` of an object array: which values are ``str``, and the values
    as a :mod:`pyarrow` string array (``""`` for the others)."""
    import pyarrow as pa

    text = ~pd.isna(values)
    try:
        return text, pa.array(np.where(text, values, ""), type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not only text: judged one by one
        text = np.fromiter((type(v) is str for v in values), dtype=bool, count=len(values))
        return text, pa.array(np.where(text, values, ""), type=pa.string())


def ascii_digits(values: np.ndarray) -> np.ndarray:
    """Which values of an object array are text of ASCII digits only (``0``-``9``, at least one).

    >>> ascii_digits(np.array(["198609262015051001", "1 2", "", "\uff11", None], dtype=object)).tolist()
    [True, False, False, False, False]
    """
    import pyarrow.compute as pc

    text, arr = _arrow_text(values)
    return np.asarray(pc.match_substring_regex(arr, "^[0-9]+$"), dtype=bool) & text


def canonical_equals(s: pd.Series, name: str) -> np.ndarray:
    """Whether :func:`canonical_text` of each value equals ``name`` (a boolean array).

    ASCII text is lowered and stripped by :mod:`pyarrow.compute` in one pass (the same
    result as :func:`canonical_text` for ASCII); any other value goes through
    :func:`canonical_text` itself.

    >>> canonical_equals(pd.Series(["NIP Penilai", "x", "Nip-penilai", "nip penilai"]), "nippenilai").tolist()
    [True, False, True, True]
    """
    import pyarrow.compute as pc

    values = s.to_numpy(dtype=object)
    text, arr = _arrow_text(values)
    ascii_ = np.asarray(pc.string_is_ascii(arr), dtype=bool) & text
    if re.fullmatch("[a-z0-9]*", name):  # its letters and digits in order, anything else around them
        pattern = "^[^a-z0-9]*" + "".join(f"{ch}[^a-z0-9]*" for ch in name) + "$"
        out = np.asarray(pc.match_substring_regex(pc.ascii_lower(arr), pattern), dtype=bool) & ascii_
    else:  # no canonical text holds other characters
        out = np.zeros(len(values), dtype=bool)
    rest = np.flatnonzero(~ascii_)
    if len(rest):
        out[rest] = [canonical_text(v) == name for v in values[rest]]
    return out


def _visible(text: str) -> str:
    """NFKC, digits of any script as ASCII, format characters dropped, white space as one space."""
    text = unicodedata.normalize("NFKC", text)
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Cf":
            continue  # zero-width space, BOM, LTR/RTL marks, soft hyphen: invisible
        if cat == "Nd":
            ch = str(unicodedata.digit(ch))
        elif cat.startswith("Z") or ch in "\t\n\r\x0b\x0c\x85":
            ch = " "
        out.append(ch)
    return " ".join("".join(out).split())


def visible_text(s: pd.Series) -> pd.Series:
    """What a reader sees: invisible characters dropped, NBSP and runs of white space as one
    space, fullwidth or Arabic-Indic digits as ASCII, trimmed. Pure-ASCII values only lose
    their surrounding and repeated spaces (the fast path).
    """
    raw = s.astype(str)
    ascii_ = raw.str.isascii().fillna(True).to_numpy(dtype=bool)
    out = raw.str.strip()
    spaced = out.str.contains(r"\s\s|[\t\r\n\x0b\x0c]", regex=True).fillna(False).to_numpy(dtype=bool)
    if spaced.any():
        out[spaced] = out[spaced].str.split().str.join(" ")
    if not ascii_.all():
        out[~ascii_] = raw[~ascii_].map(_visible)
    return out


_HIDDEN = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ue000-\uf8ff\ud800-\udfff]")


@_on_uniques
def normalize_unit(s: pd.Series) -> pd.Series:
    """Unit (OPD) names as a reader sees them (:func:`visible_text`); the spelling is kept."""
    return visible_text(s)


@_on_uniques
def normalize_id(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Clean identifiers (NIP or pseudonym); return ``(ids, reason)``.

    Invisible characters (zero-width space, BOM, direction marks), non-breaking
    spaces and digits of other scripts (fullwidth, Arabic-Indic) are normalised first
    (:func:`visible_text`), so that a copied NIP is never a second person. Spaces,
    dots and dashes inside an all-digit NIP are removed (the official spaced form
    ``19860926 201505 1 001``), a trailing ``.0`` that a spreadsheet added is dropped.
    A number in scientific notation (``1.98609E+17``) has lost its last digits and
    cannot be repaired: its reason is ``id_scientific_notation``. An id that still
    holds control or private-use characters gets ``id_invalid_characters``; an empty
    value gets ``id_missing``.
    """
    raw = visible_text(s)
    digits_only = raw.str.fullmatch(r"[\d .\-]+") & raw.str.contains(r"\d", regex=True)
    trailing_zero = raw.str.fullmatch(r"\d+\.0+")
    out = raw.where(~trailing_zero, raw.str.replace(r"\.0+$", "", regex=True))
    out = out.where(~(digits_only & ~trailing_zero), out.str.replace(r"[ .\-]", "", regex=True))
    reason = pd.Series(None, index=s.index, dtype="object")
    reason[raw.str.fullmatch(_SCI.pattern)] = "id_scientific_notation"
    reason[raw.str.contains(_HIDDEN.pattern, regex=True)] = "id_invalid_characters"
    reason[raw.isin(["", "nan", "None", "NaN", "<NA>"])] = "id_missing"
    out = out.where(reason != "id_scientific_notation", raw)
    return out, reason


@_on_uniques
def nip_warnings(ids: pd.Series) -> pd.Series:
    """Plausibility of 18-digit NIPs; return a reason code per value or ``None``.

    Only all-digit identifiers are checked (pseudonyms pass). Codes:
    ``nip_length`` (15 to 21 digits but not 18: a NIP that lost or gained digits;
    shorter all-digit ids are taken as pseudonyms), ``nip_birth_date`` (digits 1-8 are not a date
    between 1940 and 2010), ``nip_tmt`` (digits 9-14 are not a year-month at least 17
    years after birth), ``nip_gender_digit`` (digit 15 is not 1 or 2).

    NIPs of 18 ASCII digits (nearly all) are judged on their digits as numbers, any other
    with :func:`pandas.to_datetime`; both by the same rules.

    >>> nip_warnings(pd.Series(["198609262015051001", "198602302015051001", "198609262015053001",
    ...                         "19860926201505100", "x"])).tolist()
    [nan, 'nip_birth_date', 'nip_gender_digit', 'nip_length', nan]
    """
    ids = ids.astype(str)
    digits = ids.str.fullmatch(r"\d+")
    reason = pd.Series(None, index=ids.index, dtype="object")
    n = ids.str.len()
    reason[digits & n.between(15, 21) & (n != 18)] = "nip_length"
    full = digits & (n == 18)
    if not full.any():
        return reason
    nip = ids[full]
    if nip.str.isascii().all():  # digits of ASCII only
        bad_birth, bad_tmt, bad_gender = _nip_checks(nip.to_numpy(dtype=object))
    else:  # digits of another script: as text
        birth = pd.to_datetime(nip.str[:8], format="%Y%m%d", errors="coerce")
        tmt = pd.to_datetime(nip.str[8:14] + "01", format="%Y%m%d", errors="coerce")
        bad_birth = (birth.isna() | (birth.dt.year < 1940) | (birth.dt.year > 2010)).to_numpy(dtype=bool)
        bad_tmt = (tmt.isna() | (tmt.dt.year > 2035) | ((tmt.dt.year - birth.dt.year) < 17)).to_numpy(dtype=bool)
        bad_gender = (~nip.str[14].isin(["1", "2"])).to_numpy(dtype=bool)
    r = pd.Series(None, index=nip.index, dtype="object")
    r[bad_gender] = "nip_gender_digit"
    r[bad_tmt & ~bad_birth] = "nip_tmt"
    r[bad_birth] = "nip_birth_date"
    reason[full] = r
    return reason


_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _nip_checks(nips: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(bad birth date, bad appointment month, bad gender digit)`` of NIPs of exactly 18 ASCII
    digits (an object array), computed on their digits: what :func:`pandas.to_datetime` with
    ``%Y%m%d`` accepts (a day of the calendar, leap years included) within the years allowed."""
    d = (np.frombuffer("".join(nips).encode("ascii"), dtype=np.uint8).reshape(-1, 18) - 48).astype(np.int64)

    def number(first: int, last: int) -> np.ndarray:
        out = np.zeros(len(d), dtype=np.int64)
        for i in range(first, last):
            out = out * 10 + d[:, i]
        return out

    year, month, day = number(0, 4), number(4, 6), number(6, 8)
    tmt_year, tmt_month = number(8, 12), number(12, 14)
    ok_month = (month >= 1) & (month <= 12)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    days = _DAYS[np.where(ok_month, month, 0)] + ((month == 2) & leap)
    bad_birth = ~(ok_month & (day >= 1) & (day <= days) & (year >= 1940) & (year <= 2010))
    # with a good birth year (1940-2010), "17 years after it" keeps the year within pandas' dates
    bad_tmt = (tmt_month < 1) | (tmt_month > 12) | (tmt_year > 2035) | (tmt_year - year < 17)
    bad_gender = (d[:, 14] != 1) & (d[:, 14] != 2)
    return bad_birth, bad_tmt, bad_gender


@_on_uniques
def parse_score(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse scores: numbers with a decimal point or comma, or e-Kinerja rating labels.

    Returns ``(scores, reason)``: a float Series and ``score_missing`` /
    ``score_not_numeric`` where no number could be read.
    """
    raw = s.astype(str).str.strip()
    label = canonical_name(raw).map(RATING_LABELS)
    text = raw.str.replace(r"^([+-]?\d+),(\d+)$", r"\1.\2", regex=True)
    number = pd.to_numeric(text, errors="coerce")
    out = number.astype(float).where(label.isna(), label)
    reason = pd.Series(None, index=s.index, dtype="object")
    missing = raw.isin(["", "nan", "NaN", "None", "<NA>", "-"])
    reason[out.isna() & ~missing] = "score_not_numeric"
    reason[missing] = "score_missing"
    reason[np.isinf(out.fillna(0).to_numpy())] = "score_not_numeric"
    return out.where(reason.isna()), reason


_ROMAN_Q = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "1": "1", "2": "2", "3": "3", "4": "4"}


@_on_uniques
def normalize_period(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Normalise appraisal periods to ``2025``, ``2025-Q1``, ``2025-S1`` or ``2025-03``.

    Accepts ``2025.0``, ``Q1 2025``, ``2025 Q1``, ``TW I 2025``, ``Triwulan I 2025``,
    ``Semester 1 2025``, ``2025-3`` and ``03/2025``; anything else gets ``period_invalid``.
    """
    raw = s.astype(str).str.strip()
    low = raw.str.lower()
    out = pd.Series(None, index=s.index, dtype="object")
    year = low.str.extract(r"((?:19|20)\d{2})", expand=False)
    is_year = low.str.fullmatch(r"(?:19|20)\d{2}(\.0+)?")
    out[is_year] = year[is_year]
    q = low.str.extract(r"(?:^|[^a-z])(?:q|tw|triwulan|kuartal|quarter)\s*[-_]?\s*(iv|iii|ii|i|[1-4])(?![a-z0-9])",
                        expand=False)
    q2 = low.str.extract(r"(?:19|20)\d{2}\s*[-/ ]\s*q([1-4])$", expand=False)
    q = q.fillna(q2)
    has_q = q.notna() & year.notna()
    out[has_q] = year[has_q] + "-Q" + q[has_q].map(_ROMAN_Q)
    sem = low.str.extract(r"(?:^|[^a-z])(?:s|sem|semester)\s*[-_]?\s*(ii|i|[12])(?![a-z0-9])", expand=False)
    has_s = sem.notna() & year.notna() & out.isna()
    out[has_s] = year[has_s] + "-S" + sem[has_s].map({"i": "1", "ii": "2", "1": "1", "2": "2"})
    ym = low.str.extract(r"^((?:19|20)\d{2})[-/](\d{1,2})$")
    md = low.str.extract(r"^(\d{1,2})[-/]((?:19|20)\d{2})$")
    month = ym[1].fillna(md[0])
    yr = ym[0].fillna(md[1])
    ok_month = month.notna() & out.isna() & pd.to_numeric(month, errors="coerce").between(1, 12)
    out[ok_month] = yr[ok_month] + "-" + month[ok_month].str.zfill(2)
    reason = pd.Series(None, index=s.index, dtype="object")
    reason[out.isna()] = "period_invalid"
    reason[raw.isin(["", "nan", "None", "<NA>"])] = "period_missing"
    return out, reason


_ROLE = {
    "atasan": "atasan", "atasanlangsung": "atasan", "pejabatpenilai": "atasan",
    "pejabatpenilaikinerja": "atasan", "supervisor": "atasan", "ppk": "atasan",
    "rekan": "rekan", "rekankerja": "rekan", "peer": "rekan", "sejawat": "rekan",
    "bawahan": "bawahan", "subordinate": "bawahan",
    "diri": "diri", "dirisendiri": "diri", "self": "diri", "penilaiandiri": "diri",
    "pelanggan": "pelanggan", "customer": "pelanggan", "penggunalayanan": "pelanggan",
    "serviceuser": "pelanggan", "masyarakat": "pelanggan",
}


@_on_uniques
def normalize_rater_role(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Map rater-role spellings (Indonesian or English) onto the five contract roles."""
    out = canonical_name(s).map(_ROLE)
    reason = pd.Series(None, index=s.index, dtype="object")
    reason[out.isna()] = "rater_role_unknown"
    return out, reason


_GENDER = {"l": "L", "lakilaki": "L", "pria": "L", "m": "L", "male": "L", "1": "L",
           "p": "P", "perempuan": "P", "wanita": "P", "f": "P", "female": "P", "2": "P"}


@_on_uniques
def normalize_gender(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``L``/``P`` from L, P, Laki-laki, Perempuan, Pria, Wanita, M, F, 1, 2."""
    name = canonical_name(s)
    out = name.map(_GENDER)
    reason = pd.Series(None, index=s.index, dtype="object")
    reason[out.isna() & ~name.isin(["", "nan", "none"])] = "gender_unknown"
    return out, reason


_ROMAN_NUM = {"1": "I", "2": "II", "3": "III", "4": "IV"}
_PPPK = ["XVII", "XVI", "XV", "XIV", "XIII", "XII", "XI", "X", "IX", "VIII", "VII", "VI", "V",
         "IV", "III", "II", "I"]


@_on_uniques
def normalize_golongan(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``III/a`` from ``III/a``, ``III-a``, ``III a``, ``IIIa``, ``3a``, ``Penata Muda, III/a``; PPPK ``IX``."""
    raw = s.astype(str).str.strip()
    up = raw.str.upper()
    m = up.str.extract(r"(?<![A-Z])(IV|III|II|I|[1-4])\s*[/\-]?\s*([A-E])(?![A-Z])")
    roman = m[0].map(lambda x: _ROMAN_NUM.get(x, x) if isinstance(x, str) else x)
    out = (roman + "/" + m[1].str.lower()).where(m[0].notna())
    valid_pns = out.isin([f"{r}/{x}" for r in ("I", "II", "III", "IV") for x in "abcd"] + ["IV/e"])
    out = out.where(valid_pns)
    pppk = up.str.fullmatch("|".join(_PPPK)) & out.isna()
    out[pppk] = up[pppk]
    reason = pd.Series(None, index=s.index, dtype="object")
    reason[out.isna() & ~raw.isin(["", "nan", "None", "<NA>"])] = "golongan_unknown"
    return out, reason


_JABATAN_RULES: list[tuple[str, str]] = [
    (r"\bjpt\b|pimpinan tinggi|sekretaris daerah|kepala dinas|kepala badan|inspektur\b|asisten|staf ahli|\beselon i{1,2}\b",
     "JPT"),
    (r"administrator|kepala bidang|kabid|sekretaris dinas|sekretaris badan|kepala bagian|kabag|camat|inspektur pembantu|\beselon iii\b",
     "administrator"),
    (r"pengawas|kepala seksi|kasi\b|kepala sub|kasubag|kasubbag|lurah|\beselon iv\b", "pengawas"),
    (r"fungsional|\bjf\b|\bjft\b|ahli pertama|ahli muda|ahli madya|ahli utama|terampil|mahir|penyelia|pemula|guru|dokter|perawat|bidan",
     "fungsional"),
    (r"pelaksana|\bjfu\b|\bstaf\b|staff|pengadministrasi|pengelola|operator|teknisi|klerek|pranata|pengemudi",
     "pelaksana"),
]


@_on_uniques
def normalize_jabatan(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Map a post's kind or title onto JPT / administrator / pengawas / pelaksana / fungsional."""
    low = s.astype(str).str.strip().str.lower()
    out = pd.Series(None, index=s.index, dtype="object")
    for pattern, value in _JABATAN_RULES:
        hit = out.isna() & low.str.contains(pattern, regex=True)
        out[hit] = value
    reason = pd.Series(None, index=s.index, dtype="object")
    reason[out.isna() & ~low.isin(["", "nan", "none", "<na>"])] = "jabatan_unknown"
    return out, reason


_PREDIKAT = {
    "sangatbaik": "Sangat Baik", "outstanding": "Sangat Baik",
    "verygood": "Sangat Baik",
    "baik": "Baik", "good": "Baik",
    "butuhperbaikan": "Butuh Perbaikan", "perluperbaikan": "Butuh Perbaikan", "cukup": "Butuh Perbaikan",
    "needsimprovement": "Butuh Perbaikan",
    "kurang": "Kurang/Misconduct", "kurangmisconduct": "Kurang/Misconduct", "misconduct": "Kurang/Misconduct",
    "poor": "Kurang/Misconduct",
    "sangatkurang": "Sangat Kurang", "verypoor": "Sangat Kurang",
}
_NOT_RATED = {"", "-", "--", "nan", "none", "<na>", "belumdinilai", "notrated"}


@_on_uniques
def normalize_predikat(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Map predikat spellings (any case, Indonesian or English) onto the five canonical labels.

    ``-``, empty and ``belum dinilai`` mean *not yet rated*: the value is missing and
    no reason is given. ``Istimewa`` is not a PermenPANRB 6/2022 label, so it gets
    ``predikat_invalid`` like any other unknown text.
    """
    raw = s.astype(str).str.strip()
    key = raw.str.lower().str.replace(r"[^a-z]", "", regex=True)
    out = key.map(_PREDIKAT)
    not_rated = raw.str.lower().isin(_NOT_RATED) | key.isin(_NOT_RATED)
    out = out.where(~not_rated)
    reason = pd.Series(None, index=s.index, dtype="object")
    reason[out.isna() & ~not_rated] = "predikat_invalid"
    return out.astype("object").where(out.notna(), None), reason


_ORG_PREDIKAT = {
    "istimewa": "Istimewa", "baik": "Baik", "butuhperbaikan": "Butuh Perbaikan", "cukup": "Butuh Perbaikan",
    "perluperbaikan": "Butuh Perbaikan", "kurang": "Kurang", "sangatkurang": "Sangat Kurang",
    "outstanding": "Istimewa", "good": "Baik", "needsimprovement": "Butuh Perbaikan", "poor": "Kurang",
    "verypoor": "Sangat Kurang",
}


@_on_uniques
def normalize_org_predikat(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Map *Predikat Kinerja Organisasi* spellings onto Istimewa, Baik, Butuh Perbaikan,
    Kurang and Sangat Kurang (``Cukup`` is the older name of Butuh Perbaikan)."""
    key = s.astype(str).str.strip().str.lower().str.replace(r"[^a-z]", "", regex=True)
    out = key.map(_ORG_PREDIKAT)
    reason = pd.Series(None, index=s.index, dtype="object")
    reason[out.isna()] = "org_predikat_invalid"
    return out.astype("object").where(out.notna(), None), reason
