"""``wb.load``: read a folder, CSV, XLSX or Parquet file into a :class:`Dataset`.

The loader recognises Indonesian and English headers (``NIP``, ``Nama``,
``Unit Kerja``, ``Penilai``, ``Nilai``, ...), finds the header row below any title
lines, and accepts two layouts:

* **long**: one row per rating, with an indicator column and a score column;
* **wide**: one column per indicator (an e-Kinerja export with ``Rating Hasil Kerja``
  and ``Rating Perilaku`` columns is wide).

A file may hold ratings, the roster, or both (the roster is then taken from the
rating rows). Nothing is dropped silently: ``report.rows_read == report.rows_kept +
report.rows_rejected``, where a *row* is one rating (a line of a long file, a filled
cell of a wide file) or one roster line.

Examples
--------
>>> import workbench as wb
>>> ds = wb.load(wb.data.sample_path("kota_contoh"))
>>> ds.report.rows_rejected
0
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from workbench.data.clean import REASONS, clean_ratings, clean_roster, indicator_id
from workbench.data.contract import RATING_COLUMNS, ROSTER_COLUMNS
from workbench.data.dataset import Dataset
from workbench.data.normalize import canonical_name, canonical_text, is_blank, parse_score
from workbench.data.read import SUPPORTED, RawTable, file_kind, read_raw
from workbench.data.report import PROBLEM_COLUMNS, ValidationReport, empty_problems
from workbench.errors import DataContractError, check_option

__all__ = ["COLUMN_ALIASES", "KNOWN_INDICATORS", "load"]

_ALIASES: dict[str, list[str]] = {
    "employee_id": ["nip", "nippegawai", "nipyangdinilai", "nippns", "nipasn", "nipnipppk", "nippppk",
                    "employeeid", "employee", "idpegawai", "pegawaiid", "nomorindukpegawai", "nipdinilai",
                    "pegawaiyangdinilai"],
    "rater_id": ["penilai", "nippenilai", "raterid", "rater", "pejabatpenilai", "nippejabatpenilai",
                 "pejabatpenilaikinerja", "nippejabatpenilaikinerja", "idpenilai"],
    "rater_role": ["peranpenilai", "perananpenilai", "jenispenilai", "raterrole", "role", "hubunganpenilai",
                   "sumberpenilaian"],
    "indicator": ["indikator", "indicator", "aspek", "aspekpenilaian", "item", "unsur", "indikatorperilaku"],
    "score": ["nilai", "skor", "score", "rating", "value", "angka"],
    "period": ["periode", "period", "periodepenilaian", "tahun", "year", "tahunpenilaian"],
    "unit": ["unitkerja", "unit", "opd", "satuankerja", "satker", "perangkatdaerah", "skpd", "unitorganisasi"],
    "jabatan": ["jenisjabatan", "jabatan", "namajabatan", "jobtype", "kategorijabatan", "position"],
    "golongan": ["golongan", "gol", "golruang", "golonganruang", "pangkatgolongan", "pangkatgolruang",
                 "grade"],
    "gender": ["jeniskelamin", "jk", "gender", "sex", "kelamin", "lp"],
    "birth_year": ["tahunlahir", "birthyear", "thnlahir", "tanggallahir", "tgllahir", "birthdate"],
    "supervisor_id": ["atasan", "nipatasan", "atasanlangsung", "nipatasanlangsung", "supervisorid",
                      "supervisor", "nipatasanpejabatpenilai"],
    "name": ["nama", "namapegawai", "name", "namalengkap"],
}
COLUMN_ALIASES: dict[str, str] = {alias: col for col, aliases in _ALIASES.items() for alias in aliases}
"""Recognised headers (lower-case, letters and digits only) and the contract column each names."""

KNOWN_INDICATORS = frozenset({
    "hasil_kerja", "perilaku_kerja", "berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis",
    "loyal", "adaptif", "kolaboratif", "skp", "orientasi_pelayanan", "integritas", "komitmen", "disiplin",
    "kerja_sama", "kepemimpinan", "inisiatif_kerja", "iki_kuantitas", "iki_kualitas", "iki_waktu",
})
"""Indicator ids that mark a column of a wide file as an indicator."""

_ROSTER_ONLY = ("unit", "jabatan", "golongan", "gender", "birth_year", "supervisor_id", "name")


def _problems(file: str, lines: object, reason: str, severity: str, column: str = "",
              value: object = "") -> pd.DataFrame:
    """Problem rows for one reason: ``lines`` (one or many) and ``value`` (one or one per line)."""
    lines = np.atleast_1d(np.asarray(lines, dtype=object))
    return pd.DataFrame({"file": file, "line": lines, "column": column, "value": value, "reason": reason,
                         "severity": severity, "message": REASONS[reason]}, columns=PROBLEM_COLUMNS)


def _where(t: RawTable) -> str:
    return f"{t.file} (sheet '{t.sheet}')" if t.sheet else t.file


def _header(t: RawTable, user: Mapping[str, str]) -> tuple[int | None, list[str]]:
    """Find the header row: the first of the first 30 rows naming 2+ known columns."""
    if t.header is not None:
        return None, t.header
    cells = t.frame.drop(columns="_line").head(30)
    known = set(COLUMN_ALIASES) | {canonical_text(k) for k in user}
    for i in range(len(cells)):
        row = cells.iloc[i].tolist()
        names = canonical_name(pd.Series(row, dtype=str)).tolist()
        if sum(n in known for n in names) >= 2:
            header = [str(x).strip() for x in row]
            while header and header[-1] == "":
                header.pop()  # trailing empty cells are not columns; data there is "too many fields"
            return i, header
    return -1, []


def _map_columns(header: list[str], user: Mapping[str, str]) -> list[str | None]:
    user_canon = {canonical_text(k): v for k, v in user.items()}
    mapped: list[str | None] = []
    seen: set[str] = set()
    for h in header:
        c = canonical_text(h)
        target = user.get(h) or user_canon.get(c) or COLUMN_ALIASES.get(c)
        if target in seen:
            target = None
        if target:
            seen.add(target)
        mapped.append(target)
    return mapped


def _split(t: RawTable, user: Mapping[str, str]) -> tuple[pd.DataFrame, pd.DataFrame, list[str], pd.DataFrame]:
    """Header, blank rows, repeated headers and overlong rows: return (data, names, problems)."""
    where = _where(t)
    h, header = _header(t, user)
    if h == -1:
        raise DataContractError(
            f"{where}: no header row found in the first 30 lines. The loader needs a header naming at "
            "least two columns such as NIP, Penilai, Indikator, Nilai, Periode or Unit Kerja; add one, or "
            "pass a mapping, e.g. wb.load(path, columns={'Kolom A': 'employee_id'}).")
    frame = t.frame
    problems: list[pd.DataFrame] = []
    if h is not None:
        if h > 0:
            problems.append(_problems(where, frame["_line"].iloc[:h].to_numpy(), "preamble", "warning"))
        frame = frame.iloc[h + 1:]
    width = len(header)
    cells = frame.drop(columns="_line")
    extra = cells.iloc[:, width:]
    data = cells.iloc[:, :width].copy()
    names = [str(x) for x in header]
    data.columns = [f"c{i}" for i in range(width)]
    data["_line"] = frame["_line"].to_numpy()
    body = data.drop(columns="_line")
    empty = np.column_stack([is_blank(body[c]).to_numpy(dtype=bool) for c in body.columns]) \
        if width else np.ones((len(data), 0), dtype=bool)
    extra_filled = (np.column_stack([~is_blank(extra[c]).to_numpy(dtype=bool) for c in extra.columns]).any(axis=1)
                    if extra.shape[1] else np.zeros(len(data), dtype=bool))
    blank = pd.Series(empty.all(axis=1) & ~extra_filled, index=data.index)
    head_canon = canonical_name(pd.Series(names, dtype=str)).to_numpy()
    same = np.column_stack([canonical_name(body[c]).to_numpy() == head_canon[i]
                            for i, c in enumerate(body.columns)]) if width else np.zeros((len(data), 0))
    repeated = pd.Series(same.sum(axis=1) >= max(2, int(0.6 * width)), index=data.index) & ~blank
    overlong = pd.Series(extra_filled, index=data.index) & ~blank & ~repeated
    for mask, code in ((blank, "blank_row"), (repeated, "repeated_header"), (overlong, "too_many_fields")):
        if mask.any():
            problems.append(_problems(where, data.loc[mask, "_line"].to_numpy(), code, "error"))
    rejected = data[blank | repeated | overlong]
    data = data[~(blank | repeated | overlong)]
    return data, rejected, names, pd.concat(problems or [empty_problems()], ignore_index=True)


def _is_indicator_column(name: str, values: pd.Series) -> bool:
    if indicator_id(name) in KNOWN_INDICATORS:
        return True
    v = values.astype(str).str.strip()
    v = v[v != ""]
    if len(v) == 0:
        return False
    parsed, _ = parse_score(v.head(200))
    return bool(parsed.notna().mean() >= 0.8) and not v.head(200).str.fullmatch(r"\d{9,}").any()


def _table_parts(
    t: RawTable,
    user: Mapping[str, str],
    indicators: Sequence[str] | None,
    period: str | None,
    layout: str,
) -> tuple[pd.DataFrame | None, pd.DataFrame | None, pd.DataFrame, pd.DataFrame]:
    """Return (long ratings raw, roster raw, rejected-structure counts, problems)."""
    where = _where(t)
    data, rejected, names, problems = _split(t, user)
    mapped = _map_columns(names, user)
    cols = {m: f"c{i}" for i, m in enumerate(mapped) if m}
    probs = [problems]
    unmapped = [i for i, m in enumerate(mapped) if not m]
    if period is not None and "period" not in cols:
        data["_period"] = period
        cols["period"] = "_period"
    wanted_ind = {indicator_id(x) for x in (indicators or [])}
    has_long = "score" in cols and layout != "wide"
    ind_cols: list[int] = []
    if not has_long:
        ind_cols = [i for i in unmapped
                    if (indicator_id(names[i]) in wanted_ind) if indicators] \
            if indicators else [i for i in unmapped if _is_indicator_column(names[i], data[f"c{i}"])]
    is_ratings = has_long or bool(ind_cols)
    is_roster = "unit" in cols
    if not is_ratings and not is_roster:
        raise DataContractError(
            f"{where}: neither ratings (a score column such as 'Nilai', or one column per indicator) nor a "
            f"roster (a 'Unit Kerja' column) was recognised among the headers {names}. Rename the headers "
            "or pass columns={...} and/or indicators=[...].")
    header_line = None if t.header is not None else int(data["_line"].min()) - 1 if len(data) else None
    ratings = roster = None
    n_structural = len(rejected)
    if is_ratings:
        if "period" not in cols:
            raise DataContractError(
                f"{where}: there is no period column (Periode/Tahun). Add one, or say which period the "
                "whole file is for: wb.load(path, period='2025').")
        if "rater_id" not in cols:
            if "supervisor_id" in cols:
                cols["rater_id"] = cols["supervisor_id"]
            else:
                raise DataContractError(
                    f"{where}: there is no rater column (Penilai / NIP Penilai / Atasan). Add the NIP of "
                    "whoever gave each rating, or map a column with columns={'Your Header': 'rater_id'}.")
        if "rater_role" not in cols:
            data["_role"] = "atasan"
            cols["rater_role"] = "_role"
            probs.append(_problems(where, header_line, "assumed_rater_role", "warning", column="rater_role"))
        base = {k: data[v] for k, v in cols.items() if k in ("period", "employee_id", "rater_id", "rater_role")}
        base["_line"] = data["_line"]
        if has_long:
            ratings = pd.DataFrame(base)
            ratings["indicator"] = data[cols["indicator"]] if "indicator" in cols else ""
            ratings["score"] = data[cols["score"]]
        else:
            parts = []
            filled_any = pd.Series(False, index=data.index)
            for i in ind_cols:
                cell = data[f"c{i}"].astype(str).str.strip()
                filled = cell != ""
                filled_any |= filled
                part = pd.DataFrame({k: v[filled] for k, v in base.items()})
                part["indicator"] = indicator_id(names[i])
                part["score"] = cell[filled]
                part["_score_column"] = names[i]
                parts.append(part)
            empty = ~filled_any
            if empty.any():
                n_structural += int(empty.sum())
                probs.append(_problems(where, data.loc[empty, "_line"].to_numpy(), "no_scores", "error"))
            ratings = pd.concat(parts, ignore_index=True).sort_values("_line", kind="stable")
        ratings["_file"] = where
    used = set(cols.values()) | {f"c{i}" for i in ind_cols}
    if is_roster:
        rcols = {k: v for k, v in cols.items() if k in ROSTER_COLUMNS or k == "name"}
        roster = pd.DataFrame({k: data[v] for k, v in rcols.items()})
        for i in unmapped:
            if f"c{i}" not in used and names[i].strip():
                roster[indicator_id(names[i]) or f"column_{i}"] = data[f"c{i}"]
                used.add(f"c{i}")
        roster["_line"] = data["_line"].to_numpy()
        roster["_file"] = where
    for i, m in enumerate(mapped):
        if f"c{i}" not in used and names[i].strip() and m != "name":
            probs.append(_problems(where, header_line, "column_not_used", "warning", column=names[i]))
    structural = pd.DataFrame({"file": [where], "table": ["ratings" if is_ratings else "roster"],
                               "rows_read": [n_structural], "rows_kept": [0], "rows_rejected": [n_structural]})
    return ratings, roster, structural, pd.concat(probs, ignore_index=True)


def _skip_reason(p: Path) -> str | None:
    """Why a folder entry is not read (a reason code of REASONS), or None when it is read."""
    if p.is_dir():
        return "folder_not_read"
    if p.name.startswith("~$"):
        return "file_lock"
    if p.name.startswith((".", "_")):
        return "file_skipped_name"
    if file_kind(p) not in SUPPORTED:
        return "file_unsupported"
    return None


def _files(path: Path) -> tuple[list[Path], pd.DataFrame]:
    """The files a folder's load reads, and a warning for every entry it does not read."""
    if not path.is_dir():
        return [path], empty_problems()
    entries = sorted(path.iterdir())
    reasons = {p: _skip_reason(p) for p in entries}
    files = [p for p, r in reasons.items() if r is None]
    skipped = [_problems(str(p), None, r, "warning", value=p.name) for p, r in reasons.items() if r]
    if not files:
        raise DataContractError(
            f"{path}: the folder holds no .csv, .csv.gz, .xlsx, .xls, .ods or .parquet file to read "
            f"({len(entries)} entries skipped). Put the ratings (and roster) there.")
    return files, pd.concat(skipped or [empty_problems()], ignore_index=True)


def load(
    path: str | Path,
    columns: Mapping[str, str] | None = None,
    indicators: Sequence[str] | None = None,
    period: str | None = None,
    layout: Literal["auto", "long", "wide"] = "auto",
) -> Dataset:
    """Load appraisal data from a folder, CSV, XLSX or Parquet file.

    Parameters
    ----------
    path
        A file, or a folder whose .csv/.csv.gz/.xlsx/.xls/.ods/.parquet files are all
        read. Names starting with ``_``, ``.`` or ``~$`` (Excel's lock files), other
        file types and sub-folders are not read; each is a warning in the report.
    columns
        Your file's headers mapped to contract columns, for headers that are not
        recognised, e.g. ``{"NIP Yang Dinilai": "employee_id", "Skor Akhir": "score"}``.
    indicators
        For a wide file: the headers that are indicators. By default, every
        unrecognised column whose values are numbers or e-Kinerja rating labels.
    period
        The period of every row, for files without a period column (``"2025"``).
    layout
        ``"auto"`` (long when there is a score column), ``"long"`` or ``"wide"``.

    Returns
    -------
    Dataset
        ``.ratings``, ``.roster`` and ``.report``. The report lists every rejected
        row and every warning with file, line, column, value, reason and a fix.

    Raises
    ------
    DataContractError
        When a file cannot be read at all (missing, empty, damaged, encrypted, no
        permission, beyond a reader limit, no header, no rater or period column);
        the message names the file (and sheet) and says what to do. In a folder, the
        first such file stops the load (a partial dataset would hide its rows).

    Notes
    -----
    A *row* in the counts is one rating (a line of a long file, a filled cell of a
    wide file) or one roster line; title lines above the header are warnings, not
    rows. NIPs are checked for plausibility (18 digits, birth date, appointment
    month, gender digit) and reported as warnings, never rejected for it.

    Examples
    --------
    >>> import workbench as wb
    >>> ds = wb.load(wb.data.sample_path("messy"))
    >>> ds.report.rows_read == ds.report.rows_kept + ds.report.rows_rejected
    True
    >>> sorted(ds.report.errors["reason"].unique())[:3]
    ['blank_row', 'conflicting_duplicate', 'duplicate_row']
    """
    check_option("layout", layout, ["auto", "long", "wide"])
    path = Path(path)
    user = dict(columns or {})
    ratings_raw, roster_raw, structural, problems, rosters_from_ratings = [], [], [], [], []
    files, skipped = _files(path)
    problems.append(skipped)
    for f in files:
        for t in read_raw(f):
            problems.extend(_problems(_where(t), line, reason, "warning", value=value)
                            for reason, line, value in t.warnings)
            try:
                r, o, s, p = _table_parts(t, user, indicators, period, layout)
            except DataContractError as exc:
                if t.sheet is None:
                    raise
                problems.append(_problems(_where(t), None, "sheet_ignored", "warning"))
                del exc
                continue
            structural.append(s)
            problems.append(p)
            if r is not None:
                ratings_raw.append(r)
                if o is not None:
                    rosters_from_ratings.append(o)
            elif o is not None:
                roster_raw.append(o)
    reports = [ValidationReport.from_parts(pd.concat(structural, ignore_index=True),
                                           pd.concat(problems, ignore_index=True))]
    if ratings_raw:
        ratings, rep = clean_ratings(pd.concat(ratings_raw, ignore_index=True), file=str(path))
    else:
        ratings, rep = clean_ratings(pd.DataFrame(columns=list(RATING_COLUMNS)), file=str(path))
    reports.append(rep)
    if roster_raw:
        roster, rep = clean_roster(pd.concat(roster_raw, ignore_index=True), file=str(path))
        reports.append(rep)
    elif rosters_from_ratings:
        derived = pd.concat(rosters_from_ratings, ignore_index=True)
        keep = [c for c in derived.columns if not c.startswith("_")]
        derived = derived.drop_duplicates(subset=keep)
        roster, rep = clean_roster(derived, file=str(path), count=False)
        # ids and periods were already judged, row by row, as ratings
        own = ~rep.problems["column"].isin(["employee_id", "period"])
        reports.append(ValidationReport.from_parts(rep.counts, rep.problems[own]))
    else:
        roster = clean_roster(pd.DataFrame(columns=["employee_id", "period", "unit"]), count=False)[0]
    report = ValidationReport.merge(reports)
    if len(roster) and len(ratings):
        known = pd.MultiIndex.from_frame(roster[["employee_id", "period"]])
        keys = pd.MultiIndex.from_frame(ratings[["employee_id", "period"]])
        missing = ~keys.isin(known)
        if missing.any():
            miss = ratings.loc[missing, ["employee_id", "period"]].drop_duplicates()
            extra = _problems(str(path), [None] * len(miss), "employee_not_in_roster", "warning",
                              column="employee_id",
                              value=(miss["employee_id"] + " / " + miss["period"]).to_numpy())
            report = ValidationReport.from_parts(report.counts, pd.concat([report.problems, extra]))
    return Dataset(ratings=ratings, roster=roster, report=report, name=path.stem, source=str(path))
