"""Row-level cleaning of the ratings table and the roster, with a full account.

:func:`clean_ratings` and :func:`clean_roster` take tables whose columns already
carry the contract's names (values may still be raw strings), normalise every
value, and split the rows into *kept* and *rejected*. Every rejected row, and every
warning on a kept row, is a row of the returned report's ``problems``; the counts
always add up.

Examples
--------
>>> import pandas as pd
>>> raw = pd.DataFrame({"period": ["2025", "2025"], "employee_id": ["1", "2"],
...                     "rater_id": ["9", "9"], "rater_role": ["Atasan", "atasan"],
...                     "indicator": ["Kolaboratif", "kolaboratif"], "score": ["3,5", "abc"]})
>>> kept, report = clean_ratings(raw, file="x.csv")
>>> kept["score"].tolist(), report.rows_rejected, report.problems["reason"].tolist()
([3.5], 1, ['score_not_numeric'])
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from workbench._memory import release_memory
from workbench.data.contract import (
    RATER_ROLES,
    RATING_COLUMNS,
    ROSTER_COLUMNS,
    coerce_roster,
)
from workbench.data.normalize import (
    _on_uniques,
    ascii_digits,
    nip_warnings,
    normalize_gender,
    normalize_golongan,
    normalize_id,
    normalize_jabatan,
    normalize_period,
    normalize_rater_role,
    normalize_unit,
    parse_score,
    value_codes,
)
from workbench.data.report import PROBLEM_COLUMNS, ValidationReport, empty_problems
from workbench.errors import DataContractError

__all__ = ["REASONS", "canonical_indicator", "clean_ratings", "clean_roster", "indicator_id", "problems_frame"]

REASONS: dict[str, str] = {
    "id_missing": "The identifier is empty. Fill in the NIP (or pseudonym) or delete the row.",
    "id_scientific_notation": (
        "The NIP was stored as a number and shown in scientific notation, so its last digits are lost. "
        "Format the column as Text in the spreadsheet and export again."),
    "id_invalid_characters": (
        "The identifier holds control or private-use characters that cannot be typed or seen. Type the "
        "NIP again (18 digits) in the source file."),
    "nip_length": "This all-digit identifier is not an 18-digit NIP. Check for lost leading digits.",
    "nip_birth_date": "Digits 1-8 of this NIP are not a plausible birth date (YYYYMMDD, 1940-2010).",
    "nip_tmt": "Digits 9-14 of this NIP are not a plausible appointment month (YYYYMM, 17+ years after birth).",
    "nip_gender_digit": "Digit 15 of this NIP must be 1 (male) or 2 (female).",
    "score_missing": "The score is empty. Enter the rating or delete the row.",
    "score_not_numeric": (
        "The score is not a number or a known rating label. Write a number (3.5 or 3,5) or "
        "Di Bawah / Sesuai / Di Atas Ekspektasi."),
    "period_missing": "The period is empty. Write the year (2025), quarter (2025-Q1) or month (2025-03).",
    "period_invalid": "The period is not understood. Write 2025, 2025-Q1, 2025-S1 or 2025-03.",
    "rater_role_unknown": (
        "Unknown rater role. Use atasan, rekan, bawahan, diri or pelanggan "
        "(English: supervisor, peer, subordinate, self, customer)."),
    "indicator_missing": "The indicator is empty. Name the indicator as in the rubric.",
    "indicator_invalid": "An indicator id must start with a letter (e.g. 'kolaboratif', 'iki_1'). Rename it as in the rubric.",
    "duplicate_row": "Exact copy of an earlier row (same period, employee, rater, indicator and score); the first copy was kept.",
    "conflicting_duplicate": (
        "Same period, employee, rater and indicator as another row but a different score; none of the "
        "copies was kept. Keep the correct one and load again."),
    "blank_row": "The row is empty and was skipped.",
    "preamble": "Title line above the header; not data.",
    "repeated_header": "The header row is repeated inside the data (pages pasted together) and was skipped.",
    "too_many_fields": "The row has more fields than the header. Check for an unquoted separator in a value.",
    "no_scores": "The row has none of the indicator columns filled in.",
    "unit_missing": "The unit (OPD) is empty. Fill in the Unit Kerja.",
    "jabatan_unknown": "The kind of post is not recognised; it was left empty. Use JPT, administrator, pengawas, pelaksana or fungsional.",
    "golongan_unknown": "The golongan is not recognised; it was left empty. Write e.g. III/a (PNS) or IX (PPPK).",
    "gender_unknown": "The gender is not recognised; it was left empty. Write L or P.",
    "birth_year_invalid": "The birth year is not a year between 1940 and 2010; it was left empty.",
    "roster_conflict": "The same employee and period appear twice in the roster with different values; none was kept.",
    "employee_not_in_roster": "This employee has ratings but no roster row for the period, so has no unit.",
    "assumed_rater_role": "The file has no rater-role column; every rating was taken as given by the atasan.",
    "column_not_used": "This column is not part of the data contract and was not loaded.",
    "sheet_ignored": "This sheet was not read; the message says why and what to do.",
    "signature_block": "Signature block below the data (Mengetahui, Kepala ..., NIP. ..., a date line); not data.",
    "merged_cells_filled": (
        "Merged cells (the range in 'value') were read as what the eye sees: the first cell's value "
        "fills every row of the range. Check that the block is right."),
    "row_number_column": "A row-number column (No / No. / Nomor); it is not data and was not loaded.",
    "indicator_guessed": (
        "This column is not a known indicator but holds numbers or rating labels, so it was loaded as "
        "an indicator (id in 'value'). If it is not one, pass indicators=[...] or rename it."),
    "assumed_rater": (
        "The file has no rater column; the atasan is implied: the supervisor column if there is one, else "
        "a pseudo rater 'atasan:<employee_id>' per employee (shown in 'value')."),
    "period_inferred": "The table has no period column; the period was read from its title, sheet or file name.",
    "skp_id_missing": "The SKP id ('id') is empty. Export the Laporan SKP again with the id column.",
    "skp_id_unknown": (
        "This SKP id is not in any Laporan SKP that was loaded, and the row has no NIP. Put the "
        "Laporan SKP of the same period in the folder."),
    "acting_post": (
        "The SKP is for an acting post (is_plt_plh not 0: Plt/Plh), not the employee's own appraisal; "
        "it does not put the employee in the roster and its predikat is not the employee's."),
    "skp_superseded": (
        "The employee has a later SKP in the same period (a transfer); the unit of the SKP with the "
        "latest periode_akhir is used, this one is kept as history (unit in 'value')."),
    "predikat_superseded": (
        "Another predikat of this employee and period comes from the SKP with the latest periode_akhir; "
        "that one was kept."),
    "predikat_invalid": (
        "The recorded predikat is not one of Sangat Baik, Baik, Butuh Perbaikan, Kurang/Misconduct or "
        "Sangat Kurang (or '-' for not yet rated). Correct the label and load again."),
    "org_predikat_invalid": (
        "The Predikat Kinerja Organisasi is not one of Istimewa, Baik, Butuh Perbaikan (Cukup), Kurang or "
        "Sangat Kurang. Correct the label and load again."),
    "mixed_encoding": (
        "This line is not UTF-8 while the rest of the file is, so it was read as Windows-1252. Check its "
        "accented letters, and save the file as UTF-8 (CSV UTF-8 in Excel)."),
    "file_lock": (
        "An Excel lock file (~$...), left while a workbook is open; not data and not read. Close the "
        "workbook in Excel and the lock file disappears."),
    "file_skipped_name": (
        "Files whose names start with '.' (hidden) or '_' (notes) are not read. Rename the file without "
        "the leading character if it holds data."),
    "file_unsupported": (
        "This kind of file is not read. Save the data as .csv (or .csv.gz), .xlsx, .xls, .ods or .parquet."),
    "folder_not_read": (
        "Sub-folders are not read. Move the files into the folder you load, or load the sub-folder itself."),
}
"""Every reason code a loader can report, with what it means and how to fix it."""


def problems_frame(
    mask: pd.Series | np.ndarray,
    data: pd.DataFrame,
    column: str,
    reason: str | pd.Series,
    severity: str,
    file: str,
    value: pd.Series | None = None,
) -> pd.DataFrame:
    """One problem row per ``True`` in ``mask``, with line numbers from ``data['_line']``."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return empty_problems()
    sub = data.loc[mask]
    reasons = reason[mask] if isinstance(reason, pd.Series) else pd.Series(reason, index=sub.index)
    vals = (value if value is not None else sub[column] if column in sub else pd.Series("", index=sub.index))
    columns: object = column
    if column == "score" and "_score_column" in sub.columns:
        columns = sub["_score_column"].to_numpy()
    out = pd.DataFrame({
        "file": sub["_file"].to_numpy() if "_file" in sub.columns else file,
        "line": sub["_line"].to_numpy(),
        "column": columns,
        "value": vals[mask].astype(str).to_numpy() if value is not None else vals.astype(str).to_numpy(),
        "reason": reasons.to_numpy(),
        "severity": severity,
    })
    out["message"] = out["reason"].map(REASONS)
    return out[PROBLEM_COLUMNS]


_INDICATOR_ALIASES = {"perilaku": "perilaku_kerja", "hasil": "hasil_kerja",
                      "perilaku_kerja_pegawai": "perilaku_kerja"}


def indicator_id(text: object) -> str:
    """``'Berorientasi Pelayanan'`` -> ``'berorientasi_pelayanan'``; ``'Rating Perilaku'`` -> ``'perilaku_kerja'``."""
    out = re.sub(r"[^a-z0-9]+", "_", str(text).strip().lower()).strip("_")
    out = re.sub(r"^rating_", "", out)
    return _INDICATOR_ALIASES.get(out, out)


@_on_uniques
def canonical_indicator(s: pd.Series) -> pd.Series:
    """:func:`indicator_id` of every value (computed once per distinct value)."""
    return s.astype(str).map(indicator_id)


def _reason(mask: pd.Series | np.ndarray, code: str, index: pd.Index) -> pd.Series:
    """A reason-code Series: ``code`` where ``mask`` holds, ``None`` elsewhere."""
    out = pd.Series(None, index=index, dtype=object)
    out[np.asarray(mask, dtype=bool)] = code
    return out


def _with_lines(df: pd.DataFrame, first_line: int) -> pd.DataFrame:
    df = df.reset_index(drop=True)
    if "_line" not in df.columns:
        df = df.assign(_line=np.arange(first_line, first_line + len(df)))
    return df


def _require(df: pd.DataFrame, columns: tuple[str, ...] | list[str], file: str, table: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataContractError(
            f"{file}: the {table} table has no column for {', '.join(missing)}. "
            f"Rename the header(s) or pass a mapping, e.g. wb.load(path, columns={{'Your Header': '{missing[0]}'}}).",
            pd.DataFrame({"file": [file] * len(missing), "line": [1] * len(missing), "column": missing,
                          "value": [""] * len(missing), "reason": ["column_missing"] * len(missing)}),
        )


def _counts(df: pd.DataFrame, file: str, table: str, kept_mask: np.ndarray) -> pd.DataFrame:
    kept_mask = np.asarray(kept_mask, dtype=bool)
    one_file = "_file" in df.columns and isinstance(df["_file"].dtype, pd.CategoricalDtype) \
        and len(df["_file"].cat.categories) == 1  # one file's table: its codes, no hashing
    if one_file:
        codes, files = df["_file"].cat.codes.to_numpy(), np.asarray(df["_file"].cat.categories, dtype=object)
    elif "_file" in df.columns:  # files in order of first appearance; rows without a file are not counted
        codes, files = pd.factorize(df["_file"])
    else:
        codes, files = np.zeros(len(df), dtype=np.int64), np.asarray([file], dtype=object)
    ok = codes >= 0
    if not ok.all():
        codes, kept_mask = codes[ok], kept_mask[ok]
    read = np.bincount(codes, minlength=len(files)).astype(np.int64)
    kept = np.bincount(codes[kept_mask], minlength=len(files)).astype(np.int64)
    seen = read > 0  # a categorical's unused categories are no files
    out = pd.DataFrame({"file": pd.Index(np.asarray(files, dtype=object)[seen]), "rows_read": read[seen],
                        "rows_kept": kept[seen]})
    if out.empty:
        out = pd.DataFrame({"file": [file], "rows_read": [0], "rows_kept": [0]})
    out["table"] = table
    out["rows_rejected"] = out["rows_read"] - out["rows_kept"]
    return out


def clean_ratings(
    df: pd.DataFrame, file: str = "<ratings>", first_line: int = 2
) -> tuple[pd.DataFrame, ValidationReport]:
    """Normalise and check a ratings table; return ``(kept, report)``.

    Parameters
    ----------
    df
        Columns named as in the contract (``period, employee_id, rater_id,
        rater_role, indicator, score``), values raw or clean; an optional ``_line``
        column gives each row's line in its file (else rows are numbered from
        ``first_line``).
    file
        The file name to put in the report.
    first_line
        Line number of the first row when ``df`` has no ``_line`` column.

    Returns
    -------
    kept : DataFrame
        The rows that pass, in contract dtypes.
    report : ValidationReport
        ``rows_read == rows_kept + rows_rejected``; each rejected row has at least one
        problem with severity ``error``.
    """
    return _clean_ratings([df], file, first_line)


def _clean_ratings(tables: list[pd.DataFrame], file: str, first_line: int = 2) -> tuple[pd.DataFrame, ValidationReport]:
    """:func:`clean_ratings` of the tables popped from ``tables`` (put together): the raw cells are
    let go before the kept rows are built, unless the caller holds them too."""
    df = tables.pop() if len(tables) == 1 else pd.concat(tables, ignore_index=True)
    tables.clear()
    _require(df, RATING_COLUMNS, file, "ratings")
    df = _with_lines(df, first_line)
    n = len(df)
    problems: list[pd.DataFrame] = []
    bad = np.zeros(n, dtype=bool)
    # every value is judged once per distinct raw value; a column is (codes per row, values per code)
    columns: dict[str, tuple[np.ndarray, pd.Series]] = {}

    def _distinct(column: str) -> tuple[np.ndarray, pd.Series]:
        codes, uniques = value_codes(df[column])
        return codes, pd.Series(uniques, dtype=object)

    def _note(column: str, codes: np.ndarray, reason: pd.Series, severity: str = "error") -> None:
        nonlocal bad
        flagged = reason.notna().to_numpy(dtype=bool)
        if not flagged.any():  # no value has this problem: no row has it
            return
        mask = flagged[codes]
        if mask.any():
            per_row = pd.Series(None, index=df.index, dtype=object)
            per_row[mask] = np.asarray(reason, dtype=object)[codes[mask]]
            problems.append(problems_frame(mask, df, column, per_row, severity, file))
        if severity == "error":
            bad |= mask

    def _take(column: str, codes: np.ndarray, values: pd.Series, reason: pd.Series) -> None:
        _note(column, codes, reason)
        columns[column] = (codes, values)

    for col, (codes, ids, reason, warn) in zip(("employee_id", "rater_id"),
                                               _id_columns([df["employee_id"], df["rater_id"]]), strict=True):
        _take(col, codes, ids, reason)
        _note(col, codes, warn, "warning")
    codes, raw = _distinct("period")
    _take("period", codes, *normalize_period(raw))
    codes, raw = _distinct("rater_role")
    _take("rater_role", codes, *normalize_rater_role(raw))
    codes, raw = _distinct("indicator")
    indicator = canonical_indicator(raw)
    invalid = ~indicator.str.fullmatch(r"[a-z][a-z0-9_]*").fillna(False).astype(bool)
    reason = _reason(invalid, "indicator_invalid", raw.index)
    reason[indicator.isin(["", "nan", "none"]).to_numpy()] = "indicator_missing"
    _take("indicator", codes, indicator, reason)
    codes, raw = _distinct("score")
    _take("score", codes, *parse_score(raw))

    # duplicates among otherwise good rows, found on one integer key per row
    good = np.flatnonzero(~bad) if bad.any() else None  # None: every row
    key = _row_key(_key_part(*columns[c], good) for c in ("period", "employee_id", "rater_id", "indicator"))
    if good is None:
        good = np.arange(n)
    ordered = np.sort(key)  # a sort finds whether any key repeats faster than a hash table
    has_dup = bool(len(ordered) > 1 and (ordered[1:] == ordered[:-1]).any())
    del ordered
    dup_any = pd.Series(key).duplicated(keep=False).to_numpy() if has_dup else None
    if dup_any is not None and dup_any.any():
        score = _key_part(*columns["score"], good)[0]  # equal scores, equal integers
        n_scores = pd.DataFrame({"k": key[dup_any], "s": score[dup_any]}).groupby(
            "k", sort=False)["s"].transform("nunique").to_numpy()
        conflict = np.zeros(len(good), dtype=bool)
        conflict[dup_any] = n_scores > 1
        exact_later = pd.Series(_row_key([key, score])).duplicated(keep="first").to_numpy() & ~conflict
        score_codes, score_values = columns["score"]
        for mask, reason_code in ((conflict, "conflicting_duplicate"), (exact_later, "duplicate_row")):
            full = np.zeros(n, dtype=bool)
            full[good[mask]] = True
            text = pd.Series("", index=df.index, dtype=object)
            text[full] = pd.Series(score_values.to_numpy()[score_codes[full]]).astype(str).to_numpy()
            problems.append(problems_frame(full, df, "score", reason_code, "error", file, value=text))
            bad |= full

    del key, good, dup_any
    report = ValidationReport.from_parts(
        _counts(df, file, "ratings", ~bad),
        pd.concat([p for p in problems if len(p)] or [empty_problems()], ignore_index=True),
    )
    # the raw cells, let go before the kept rows are built: all of them (the empty columns of
    # ``df.iloc[:0]`` are views that keep the full ones, and a categorical keeps its categories)
    df = pd.DataFrame()
    return _kept_rows(columns, np.flatnonzero(~bad) if bad.any() else None), report


def _id_columns(series: list[pd.Series]) -> list[tuple[np.ndarray, pd.Series, pd.Series, pd.Series]]:
    """``(codes, ids, reason, nip warning)`` of each id column, every distinct value of all the
    columns judged once (a rater is usually also an employee). Values of ASCII digits only are
    already clean (:func:`normalize_id` returns them as they are, with no reason) and skip it."""
    parts = [value_codes(s) for s in series]
    codes_all, raw = pd.factorize(np.concatenate([u for _, u in parts]), use_na_sentinel=False)
    raw = pd.Series(np.asarray(raw, dtype=object), dtype=object)
    plain = ascii_digits(raw.to_numpy())
    ids = raw.copy()
    reason = pd.Series(None, index=raw.index, dtype=object)
    if not plain.all():
        rest = ~plain
        got, why = normalize_id(raw[rest])
        ids[rest] = got.to_numpy(dtype=object)
        reason[rest] = why.to_numpy(dtype=object)
    warn = nip_warnings(ids).where(reason.isna())
    out = []
    start = 0
    for codes, uniques in parts:
        at = codes_all[start:start + len(uniques)]
        start += len(uniques)
        out.append((codes, ids.iloc[at].reset_index(drop=True), reason.iloc[at].reset_index(drop=True),
                    warn.iloc[at].reset_index(drop=True)))
    return out


def _kept_rows(columns: dict[str, tuple[np.ndarray, pd.Series]], keep: np.ndarray | None) -> pd.DataFrame:
    """The kept rows (``None``: all) in the contract's columns and dtypes (as
    :func:`coerce_ratings` gives them), each column converted once per distinct value and
    taken row by row (no second copy)."""
    release_memory()  # what the checks freed, before the result is built
    kept = {}
    for col in RATING_COLUMNS:
        codes, values = columns.pop(col)
        if keep is not None:
            codes = codes[keep]
        if col == "rater_role":  # kept rows have a known role
            role = pd.Categorical(values, categories=list(RATER_ROLES)).codes
            kept[col] = pd.Categorical.from_codes(role[codes], categories=list(RATER_ROLES))
            continue
        if col == "score":
            values = pd.to_numeric(values).astype(float)
        else:  # kept rows have a value: the missing ones only stand for rejected rows
            values = values.where(values.notna(), "").astype(str)
        # take() keeps the array type of the text (Arrow strings stay Arrow: no round trip)
        kept[col] = values.array.take(codes)
        del codes, values
        release_memory()  # what building the column freed (mimalloc keeps it a while), before the next one
    return pd.DataFrame(kept, copy=False)


def _key_part(codes: np.ndarray, values: pd.Series, rows: np.ndarray | None) -> tuple[np.ndarray, int]:
    """``(part, size)`` for :func:`_row_key`: per row (of ``rows``; None: all) an integer
    naming its normalised value, from 0 (missing) to ``size - 1``, bounded by the number of
    distinct values rather than by a pass over the rows."""
    value_ids = pd.factorize(values, use_na_sentinel=True)[0].astype(np.int64) + 1
    if rows is not None:
        codes = codes[rows]
    return value_ids[codes] if len(value_ids) else np.zeros(len(codes), dtype=np.int64), \
        int(value_ids.max()) + 1 if len(value_ids) else 1


def _row_key(parts: Iterable[np.ndarray | tuple[np.ndarray, int]]) -> np.ndarray:
    """One int64 per row, equal exactly where every part is equal (parts: non-negative
    integers or -1, one per row, or ``(integers from 0, their bound)`` as :func:`_key_part`
    gives them, taken one at a time); renumbered whenever the product could overflow."""
    key: np.ndarray | None = None
    top = 1  # above every key so far
    for part in parts:
        if isinstance(part, tuple):
            p, size = part
        else:
            p = np.asarray(part, dtype=np.int64) + 1
            size = int(p.max()) + 1 if len(p) else 1
        if key is None:
            key = np.zeros(len(p), dtype=np.int64)
        if top * size >= 2**62:
            key = pd.factorize(key)[0].astype(np.int64)
            top = int(key.max()) + 1 if len(key) else 1
        key *= size
        key += p
        top *= size
        del p
    return key if key is not None else np.zeros(0, dtype=np.int64)


def clean_roster(
    df: pd.DataFrame, file: str = "<roster>", first_line: int = 2, count: bool = True
) -> tuple[pd.DataFrame, ValidationReport]:
    """Normalise and check a roster; return ``(kept, report)``.

    Rows without an employee id, period or unit are rejected; unrecognised jabatan,
    golongan, gender or birth year are kept as empty with a warning. A missing birth
    year or gender is taken from an 18-digit NIP (digits 1-4 and 15). The same
    employee and period twice with different values: none is kept
    (``roster_conflict``); an exact repeat: the first is kept (``duplicate_row``).
    ``count=False`` records no counts (for a roster derived from a ratings file,
    whose rows are counted as ratings).
    """
    _require(df, ["employee_id", "period", "unit"], file, "roster")
    df = _with_lines(df, first_line)
    n = len(df)
    problems: list[pd.DataFrame] = []
    bad = np.zeros(n, dtype=bool)
    out = df.drop(columns=[c for c in df.columns if c.startswith("_") and c != "_line"]).copy()
    out = out.loc[:, ~out.columns.duplicated()]
    for col in ROSTER_COLUMNS:
        if col not in out.columns:
            out[col] = None

    def _note(column: str, values: pd.Series, reason: pd.Series, severity: str) -> None:
        nonlocal bad
        mask = reason.notna().to_numpy()
        problems.append(problems_frame(mask, df, column, reason, severity, file))
        if severity == "error":
            bad |= mask
        out[column] = values.array  # keeps Arrow strings as Arrow (no round trip through NumPy)

    ids, reason = normalize_id(df["employee_id"])
    _note("employee_id", ids, reason, "error")
    warn = nip_warnings(ids).where(reason.isna())
    problems.append(problems_frame(warn.notna().to_numpy(), df, "employee_id", warn, "warning", file))
    period, reason = normalize_period(df["period"])
    _note("period", period, reason, "error")
    unit = normalize_unit(df["unit"])
    _note("unit", unit, _reason(unit.isin(["", "nan", "None"]), "unit_missing", df.index), "error")
    for col, fn in (("jabatan", normalize_jabatan), ("golongan", normalize_golongan),
                    ("gender", normalize_gender)):
        if col in df.columns:
            if col == "jabatan":
                out["jabatan_nama"] = df[col].to_numpy()
            values, reason = fn(df[col])
            _note(col, values, reason, "warning")
    if "supervisor_id" in df.columns:
        sup, _ = normalize_id(df["supervisor_id"])
        out["supervisor_id"] = sup.where(~sup.isin(["", "nan", "None"]), None).to_numpy()
    if "birth_year" in df.columns:
        raw = df["birth_year"].astype(str).str.strip()
        year = pd.to_numeric(raw.str.extract(r"((?:19|20)\d{2})", expand=False), errors="coerce")
        invalid = (year.isna() | ~year.between(1940, 2010)) & ~raw.isin(["", "nan", "None", "<NA>"])
        _note("birth_year", year.where(~invalid),
              _reason(invalid, "birth_year_invalid", df.index), "warning")
    nip18 = pd.Series(out["employee_id"]).astype(str).str.fullmatch(r"\d{18}") & warn.isna().to_numpy()
    by = pd.to_numeric(pd.Series(out["birth_year"]), errors="coerce")
    fill_by = nip18 & by.isna()
    out.loc[fill_by, "birth_year"] = pd.to_numeric(out.loc[fill_by, "employee_id"].astype(str).str[:4])
    fill_g = nip18 & pd.Series(out["gender"]).isna()
    out.loc[fill_g, "gender"] = out.loc[fill_g, "employee_id"].astype(str).str[14].map({"1": "L", "2": "P"})
    if "jabatan_nama" in out.columns and (out["jabatan_nama"].astype(str).str.strip().str.lower()
                                          == out["jabatan"].astype(str).str.lower()).all():
        out = out.drop(columns="jabatan_nama")

    key = ["employee_id", "period"]
    good = out.loc[~bad]
    dup_any = good.duplicated(key, keep=False)
    if dup_any.any():
        compare = [c for c in ROSTER_COLUMNS if c not in key and c in good.columns]
        # missing values may be NaN or None in any column: spell each as text before comparing
        sub = good.loc[dup_any, compare]
        sig = pd.Series(["|".join("" if pd.isna(v) else str(v) for v in row)
                         for row in sub.itertuples(index=False)], index=sub.index, dtype=object)
        n_sig = sig.groupby([good.loc[dup_any, k] for k in key], sort=False).transform("nunique")
        conflict = pd.Series(False, index=good.index)
        conflict[n_sig.index] = n_sig > 1
        exact_later = good.duplicated(key, keep="first") & ~conflict
        for mask, code in ((conflict, "roster_conflict"), (exact_later, "duplicate_row")):
            full = np.zeros(n, dtype=bool)
            full[good.index[mask.to_numpy()]] = True
            problems.append(problems_frame(full, df, "employee_id", code, "warning" if not count else "error",
                                           file))
            bad |= full

    kept = coerce_roster(out.loc[~bad].drop(columns="_line"))
    counts = _counts(df, file, "roster", ~bad) if count else _counts(df.iloc[:0], file, "roster", ~bad[:0])
    report = ValidationReport.from_parts(
        counts, pd.concat([p for p in problems if len(p)] or [empty_problems()], ignore_index=True))
    return kept, report
