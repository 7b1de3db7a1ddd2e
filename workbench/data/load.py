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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from workbench.data.clean import REASONS, _clean_ratings, clean_ratings, clean_roster, indicator_id
from workbench.data.contract import (
    RATING_COLUMNS,
    ROSTER_COLUMNS,
    coerce_org_ratings,
    coerce_predikat,
)
from workbench.data.dataset import Dataset
from workbench.data.layouts import (
    a1,
    fill_merged,
    period_from_text,
    signature_rows,
)
from workbench.data.normalize import (
    canonical_equals,
    canonical_name,
    canonical_text,
    is_blank,
    normalize_id,
    parse_score,
    value_codes,
)
from workbench.data.org_ratings import org_header_role
from workbench.data.read import SUPPORTED, RawTable, file_kind, read_raw
from workbench.data.report import PROBLEM_COLUMNS, ValidationReport, empty_problems
from workbench.data.tables import (
    SKP_COLUMNS,
    clean_org_ratings,
    clean_predikat,
    clean_skp,
    roster_from_skp,
)
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
    "name": ["nama", "namapegawai", "name", "namalengkap", "namaasn"],
    # BKN e-Kinerja exports (Laporan SKP, Laporan Penilaian SKP) and BKD recaps
    "skp_id": ["id", "idskp", "skpid"],
    "is_plt_plh": ["ispltplh", "pltplh", "isplt", "plt"],
    "period_start": ["periodeawal", "tanggalawal", "tanggalmulai"],
    "period_end": ["periodeakhir", "tanggalakhir", "tanggalselesai"],
    "skp_status": ["skpstatus", "statusskp"],
    "unit_induk": ["skpunorinduk", "unorinduk", "unitinduk", "unitkerjainduk", "opdinduk"],
    "predikat": ["hasilakhir", "predikat", "predikatkinerja", "predikatkinerjapegawai", "predikatpegawai",
                 "predikatakhir"],
    "org_predikat": ["predikatkinerjaorganisasi", "predikatorganisasi", "orgpredikat", "predikatopd",
                     "predikatunit", "predikatkinerjaunit", "predikatkinerjaopd"],
    "row_number": ["no", "nomor", "nourut", "number"],
}
_ALIASES["unit"] += ["skpunor", "skpunornama", "unornama", "namaunitkerja", "namaunor"]
_ALIASES["jabatan"] += ["skpjabatan", "jabatanakhir"]
COLUMN_ALIASES: dict[str, str] = {alias: col for col, aliases in _ALIASES.items() for alias in aliases}
"""Recognised headers (lower-case, letters and digits only) and the contract column each names."""

KNOWN_INDICATORS = frozenset({
    "hasil_kerja", "perilaku_kerja", "berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis",
    "loyal", "adaptif", "kolaboratif", "skp", "orientasi_pelayanan", "integritas", "komitmen", "disiplin",
    "kerja_sama", "kepemimpinan", "inisiatif_kerja", "iki_kuantitas", "iki_kualitas", "iki_waktu",
})
"""Indicator ids that mark a column of a wide file as an indicator."""

_ROSTER_ONLY = ("unit", "jabatan", "golongan", "gender", "birth_year", "supervisor_id", "name")


_EKINERJA_SKP = ("skp_id", "employee_id", "name", "is_plt_plh", "period_start", "period_end", "skp_status",
                 "jabatan", "unit", "unit_kerja", "period")


def _problems(file: str, lines: object, reason: str, severity: str, column: object = "",
              value: object = "", message: str | None = None) -> pd.DataFrame:
    """Problem rows for one reason: ``lines`` (one or many) and ``value`` (one or one per line)."""
    lines = np.atleast_1d(np.asarray(lines, dtype=object))
    return pd.DataFrame({"file": file, "line": lines, "column": column, "value": value, "reason": reason,
                         "severity": severity, "message": message or REASONS[reason]}, columns=PROBLEM_COLUMNS)


def _where(t: RawTable) -> str:
    return f"{t.file} (sheet '{t.sheet}')" if t.sheet else t.file


def _header(t: RawTable, user: Mapping[str, str]) -> tuple[int | None, list[str]]:
    """Find the header row: the first of the first 30 rows naming 2+ known columns."""
    if t.header is not None:
        return None, t.header
    cells = t.frame.drop(columns="_line").head(30)
    known = set(COLUMN_ALIASES) | {canonical_text(k) for k in user}
    for i in range(len(cells)):
        row = [cells.iat[i, j] for j in range(cells.shape[1])]  # cell by cell: no row of mixed types
        names = canonical_name(pd.Series(row, dtype=str)).tolist()
        if sum(n in known or org_header_role(n) is not None for n in names) >= 2:
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
        # the org-ratings reader's rule for the headers the aliases do not know ("Nama OPD", "PKO")
        target = user.get(h) or user_canon.get(c) or COLUMN_ALIASES.get(c) or org_header_role(c)
        if target in seen:
            target = None
        if target:
            seen.add(target)
        mapped.append(target)
    return mapped


@dataclass
class _Table:
    """One sheet or file after the header was found and the columns were named."""

    file: str
    sheet: str | None
    where: str
    data: pd.DataFrame
    rejected: pd.DataFrame
    names: list[str]
    mapped: list[str | None]
    cols: dict[str, str]
    problems: list[pd.DataFrame]
    header_line: int | None
    title: str


def _is_name(values: pd.Series, name: str) -> np.ndarray:
    """Which values read as the header ``name`` (lower case, letters and digits only)."""
    return canonical_equals(values, name)


def _blank_columns(cells: pd.DataFrame) -> dict[int, np.ndarray]:
    """Which cells are blank, for each column (by position) that has a blank cell; a column
    without one is left out. Each value is judged once, per column."""
    out = {}
    for j, c in enumerate(cells.columns):
        codes, uniques = value_codes(cells[c])
        if len(uniques) == 0:
            continue
        per_value = np.asarray(is_blank(pd.Series(uniques, dtype=object)), dtype=bool)
        if per_value.any():
            mask = per_value[codes]
            if mask.any():
                out[j] = mask
    return out


def _count(masks: Iterable[np.ndarray], n: int) -> np.ndarray:
    """How many of ``masks`` hold, row by row."""
    out = np.zeros(n, dtype=np.int64)
    for m in masks:
        out += m
    return out


def _header_matches(body: pd.DataFrame, names: np.ndarray) -> np.ndarray:
    """For each row, how many of its cells read as the header of their column (``names``,
    canonical); each value judged once per column."""
    out = np.zeros(len(body), dtype=np.int64)
    for i, c in enumerate(body.columns):
        codes, uniques = value_codes(body[c])
        if len(uniques) == 0:
            continue
        per_value = np.asarray(_is_name(pd.Series(uniques, dtype=object), names[i]), dtype=bool)
        hits = np.flatnonzero(per_value)
        if len(hits) > 4:
            out += per_value[codes]
        for k in hits if len(hits) <= 4 else ():  # a header's own spelling or two: compared, not looked up
            out += codes == k
    return out


def _prepare(t: RawTable, user: Mapping[str, str]) -> _Table:
    """Merged cells filled, header found, title rows and signature block set apart, columns named."""
    where = _where(t)
    merged = list(t.merged)
    frame = fill_merged(t.frame, merged)
    cells = frame.drop(columns="_line")
    # which cells are blank, judged once per distinct value of each column: only the columns
    # that have blank cells are kept (by position)
    n_columns = cells.shape[1]
    blank_cells = _blank_columns(cells)
    all_blank = len(cells) == 0 or (len(blank_cells) == n_columns and all(m.all() for m in blank_cells.values()))
    if t.header is None and (n_columns == 0 or all_blank):
        raise DataContractError(f"{where}: the {'sheet' if t.sheet else 'file'} is empty. Remove it or "
                                "fill it in.")
    h, header = _header(replace(t, frame=frame), user)
    if h == -1:
        raise DataContractError(
            f"{where}: no header row found in the first 30 lines. The loader needs a header naming at "
            "least two columns such as NIP, Penilai, Indikator, Nilai, Periode or Unit Kerja; add one, or "
            "pass a mapping, e.g. wb.load(path, columns={'Kolom A': 'employee_id'}).")
    problems: list[pd.DataFrame] = []
    title = ""
    header_line: int | None = None
    if h is not None:
        header_line = int(frame["_line"].iloc[h])
        if h > 0:
            problems.append(_problems(where, frame["_line"].iloc[:h].to_numpy(), "preamble", "warning"))
            rows_text = [" ".join(dict.fromkeys(x.strip() for x in r if str(x).strip()))  # merged: once
                         for r in cells.iloc[:h].astype(str).to_numpy()]
            title = "\n".join(dict.fromkeys(r for r in rows_text if r))
        frame = frame.iloc[h + 1:]
        blank_cells = {j: m[h + 1:] for j, m in blank_cells.items()}
    width = len(header)
    names = [str(x) for x in header]
    mapped = _map_columns(names, user)
    cells = frame.drop(columns="_line")
    body = cells.iloc[:, :width]  # no copy: pandas copies on write
    body.columns = [f"c{i}" for i in range(width)]
    id_col = next((f"c{i}" for i, m in enumerate(mapped) if m in ("employee_id", "skp_id")), None)
    sig = signature_rows(cells, None if id_col is None else str(int(id_col[1:])),
                         n_filled=n_columns - _count(blank_cells.values(), len(frame))) \
        if width else np.zeros(len(frame), dtype=bool)
    if sig.any():
        problems.append(_problems(where, frame["_line"].to_numpy()[sig], "signature_block", "warning"))
        frame, cells, body = frame[~sig], cells[~sig], body[~sig]
        blank_cells = {j: m[~sig] for j, m in blank_cells.items()}
    for rng in merged:
        l1, c1, l2, _ = rng
        if header_line is not None and l1 > header_line and l2 > l1:
            col = names[c1] if c1 < width else ""
            problems.append(_problems(where, l1, "merged_cells_filled", "warning", column=col, value=a1(rng)))
    data = body.copy(deep=False)
    data["_line"] = frame["_line"].to_numpy()
    empty = _count((m for j, m in blank_cells.items() if j < width), len(data)) == width
    extra_filled = _count((m for j, m in blank_cells.items() if j >= width), len(data)) < n_columns - width
    del blank_cells
    blank = pd.Series(empty & ~extra_filled, index=data.index)
    head_canon = canonical_name(pd.Series(names, dtype=str)).to_numpy()
    same = _header_matches(body, head_canon)
    repeated = pd.Series(same >= max(2, int(0.6 * width)), index=data.index) & ~blank
    overlong = pd.Series(extra_filled, index=data.index) & ~blank & ~repeated
    for mask, code in ((blank, "blank_row"), (repeated, "repeated_header"), (overlong, "too_many_fields")):
        if mask.any():
            problems.append(_problems(where, data.loc[mask, "_line"].to_numpy(), code, "error"))
    out = blank | repeated | overlong
    rejected = data[out]
    if out.any():
        data = data[~out]
    cols = {m: f"c{i}" for i, m in enumerate(mapped) if m}
    if "unit_induk" in cols:  # e-Kinerja: the OPD is the unit of the contract, the work unit an extra
        if "unit" in cols:
            cols["unit_kerja"] = cols.pop("unit")
        cols["unit"] = cols.pop("unit_induk")
    return _Table(file=t.file, sheet=t.sheet, where=where, data=data, rejected=rejected, names=names,
                  mapped=mapped, cols=cols, problems=problems, header_line=header_line, title=title)


def _plain(s: pd.Series) -> pd.Series:
    """A column as the text readers give it: a categorical one (as :mod:`pyarrow.csv` reads
    a file, for checks once per distinct value) as plain text, for tables that keep values."""
    return s.astype(str) if isinstance(s.dtype, pd.CategoricalDtype) else s


def _make_plain(tb: _Table) -> None:
    for c in tb.data.columns:
        if isinstance(tb.data[c].dtype, pd.CategoricalDtype):
            tb.data[c] = _plain(tb.data[c])


def _infer_period(tb: _Table, period: str | None) -> None:
    """Give a table without a period column the period of ``period=``, its title, sheet or file name."""
    if "period" in tb.cols:
        return
    found = None
    if period is not None:
        found = (period, "period=", period)
    else:
        texts = [("title", line) for line in tb.title.split("\n")] + [("file name", Path(tb.file).stem)]
        years = [period_from_text(t) for _, t in texts]
        hint = next((y[:4] for y in years if y), None)  # the year a month-only sheet name belongs to
        candidates = [*texts[:-1], ("sheet name", tb.sheet or ""), texts[-1]]
        for source, text in candidates:
            got = period_from_text(text) if text else None
            if got is None and text and source == "sheet name" and hint:
                got = period_from_text(text, year=hint)
            if got:
                found = (got, source, text)
                break
    if found is None:
        return
    got, source, text = found
    tb.data["_period"] = got
    tb.cols["period"] = "_period"
    if source != "period=":
        tb.problems.append(_problems(tb.where, tb.header_line, "period_inferred", "warning", column="period",
                                     value=f"{source} '{text[:80]}' -> {got}"))


def _no_period(tb: _Table) -> DataContractError:
    return DataContractError(
        f"{tb.where}: there is no period column (Periode/Tahun), and neither the title rows, the sheet name "
        "nor the file name name a period (such as 'Tahunan 2025' or 'Bulan Maret 2025'). Add a Periode "
        "column, or say which period the whole file is for: wb.load(path, period='2025').")


def _is_indicator_column(name: str, values: pd.Series) -> bool:
    if indicator_id(name) in KNOWN_INDICATORS:
        return True
    v = values.astype(str).str.strip()
    v = v[v != ""]
    if len(v) == 0:
        return False
    parsed, _ = parse_score(v.head(200))
    return bool(parsed.notna().mean() >= 0.8) and not v.head(200).str.fullmatch(r"\d{9,}").any()


@dataclass
class _Parts:
    ratings: pd.DataFrame | None = None
    roster: pd.DataFrame | None = None
    predikat: pd.DataFrame | None = None
    counts: list[pd.DataFrame] = field(default_factory=list)
    problems: list[pd.DataFrame] = field(default_factory=list)


def _structural(where: str, table: str, n: int) -> pd.DataFrame:
    return pd.DataFrame({"file": [where], "table": [table], "rows_read": [n], "rows_kept": [0],
                         "rows_rejected": [n]})


def _table_parts(tb: _Table, indicators: Sequence[str] | None, layout: str) -> _Parts:
    """Ratings, roster and recorded predikat of one ordinary table (a recap, a roster, a ratings file)."""
    where, data, names, mapped, cols = tb.where, tb.data, tb.names, tb.mapped, tb.cols
    probs = list(tb.problems)
    unmapped = [i for i, m in enumerate(mapped) if not m]
    wanted_ind = {indicator_id(x) for x in (indicators or [])}
    has_long = "score" in cols and layout != "wide"
    ind_cols: list[int] = []
    if not has_long:
        if indicators:
            ind_cols = [i for i in unmapped if indicator_id(names[i]) in wanted_ind]
        else:
            ind_cols = [i for i in unmapped if names[i].strip() and _is_indicator_column(names[i], data[f"c{i}"])]
            guessed = [names[i] for i in ind_cols if indicator_id(names[i]) not in KNOWN_INDICATORS]
            for name in guessed:
                probs.append(_problems(where, tb.header_line, "indicator_guessed", "warning", column=name,
                                       value=indicator_id(name)))
    is_ratings = has_long or bool(ind_cols)
    is_roster = "unit" in cols
    has_predikat = "predikat" in cols
    if not (is_ratings or is_roster or has_predikat):
        raise DataContractError(
            f"{where}: neither ratings (a score column such as 'Nilai', or one column per indicator), a "
            "roster (a 'Unit Kerja' column) nor a recorded predikat ('Predikat', 'hasil_akhir') was "
            f"recognised among the headers {names}. Rename the headers or pass columns={{...}} and/or "
            "indicators=[...].")
    if (is_ratings or has_predikat) and "period" not in cols:
        raise _no_period(tb)
    out = _Parts()
    n_structural = len(tb.rejected)
    if is_ratings:
        if "rater_id" not in cols:
            if "supervisor_id" in cols:
                cols["rater_id"] = cols["supervisor_id"]
                probs.append(_problems(where, tb.header_line, "assumed_rater", "warning", column="rater_id",
                                       value=f"from '{names[int(cols['supervisor_id'][1:])]}'"))
            elif "employee_id" in cols:
                ids = normalize_id(data[cols["employee_id"]])[0]
                data["_rater"] = "atasan:" + ids.astype(str)
                cols["rater_id"] = "_rater"
                probs.append(_problems(where, tb.header_line, "assumed_rater", "warning", column="rater_id",
                                       value="atasan:<employee_id>"))
            else:
                raise DataContractError(
                    f"{where}: there is no rater column (Penilai / NIP Penilai / Atasan) and no NIP column. "
                    "Add the NIP of each employee and of whoever rated them, or map the columns with "
                    "columns={'Your Header': 'employee_id'}.")
        if "rater_role" not in cols:
            data["_role"] = "atasan"
            cols["rater_role"] = "_role"
            probs.append(_problems(where, tb.header_line, "assumed_rater_role", "warning", column="rater_role"))
        rated = data
        if "_acting" in data.columns and data["_acting"].any():  # ratings of an acting post (Plt/Plh)
            acting = data["_acting"].to_numpy(dtype=bool)
            cells = [(cols["score"], "skp_id")] if has_long else [(f"c{i}", names[i]) for i in ind_cols]
            for c, name in cells:  # one problem per rating that is not kept
                hit = acting & ~is_blank(data[c]).to_numpy(dtype=bool) if not has_long else acting
                n_structural += int(hit.sum())
                probs.append(_problems(where, data.loc[hit, "_line"].to_numpy(), "acting_post", "error",
                                       column=name, value=data.loc[hit, c].to_numpy()))
            rated = data[~acting]
        base = {k: rated[v] for k, v in cols.items() if k in ("period", "employee_id", "rater_id", "rater_role")}
        base["_line"] = rated["_line"]
        if has_long:
            ratings = pd.DataFrame(base)
            ratings["indicator"] = rated[cols["indicator"]] if "indicator" in cols else ""
            ratings["score"] = rated[cols["score"]]
        else:
            parts = []
            filled_any = pd.Series(False, index=rated.index)
            for i in ind_cols:
                cell = rated[f"c{i}"].astype(str).str.strip()
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
                probs.append(_problems(where, rated.loc[empty, "_line"].to_numpy(), "no_scores", "error"))
            ratings = pd.concat(parts, ignore_index=True).sort_values("_line", kind="stable")
        ratings["_file"] = pd.Categorical.from_codes(np.zeros(len(ratings), dtype=np.int8), [where])
        out.ratings = ratings
    used = {v for k, v in cols.items() if k != "row_number"} | {f"c{i}" for i in ind_cols}
    if has_predikat:
        emp = data[cols["employee_id"]] if "employee_id" in cols else pd.Series("", index=data.index)
        pred = pd.DataFrame({"period": _plain(data[cols["period"]]), "employee_id": _plain(emp),
                             "predikat": _plain(data[cols["predikat"]]), "_line": data["_line"]})
        for extra in ("_skp_unknown", "_acting", "_rank"):
            if extra in data.columns:
                pred[extra] = data[extra]
        pred["_file"] = where
        out.predikat = pred
    if is_roster:
        rcols = {k: v for k, v in cols.items() if k in ROSTER_COLUMNS or k in ("name", "unit_kerja")}
        roster = pd.DataFrame({k: _plain(data[v]) for k, v in rcols.items()})
        for i in unmapped:
            if f"c{i}" not in used and names[i].strip():
                roster[indicator_id(names[i]) or f"column_{i}"] = _plain(data[f"c{i}"])
                used.add(f"c{i}")
        roster["_line"] = data["_line"].to_numpy()
        roster["_file"] = where
        out.roster = roster
    for i, m in enumerate(mapped):
        if f"c{i}" not in used and names[i].strip() and m != "name":
            code = "row_number_column" if m == "row_number" else "column_not_used"
            probs.append(_problems(where, tb.header_line, code, "warning", column=names[i]))
    table = "ratings" if is_ratings else "roster" if is_roster else "predikat"
    out.counts.append(_structural(where, table, n_structural))
    out.problems = probs
    return out


def _skp_part(tb: _Table, period: str | None) -> tuple[pd.DataFrame, pd.DataFrame, list[pd.DataFrame]]:
    """The rows of a *Laporan SKP* (one per SKP document), not yet judged."""
    _infer_period(tb, period)
    raw = pd.DataFrame({k: tb.data[tb.cols[k]] for k in _EKINERJA_SKP if k in tb.cols})
    if "period" not in raw.columns:
        raw["period"] = ""
    raw["_line"] = tb.data["_line"].to_numpy()
    raw["_file"] = tb.where
    probs = list(tb.problems)
    for i, m in enumerate(tb.mapped):
        if (m == "row_number" or f"c{i}" not in tb.cols.values()) and tb.names[i].strip() and m != "name":
            code = "row_number_column" if m == "row_number" else "column_not_used"
            probs.append(_problems(tb.where, tb.header_line, code, "warning", column=tb.names[i]))
    return raw, _structural(tb.where, "skp", len(tb.rejected)), probs


def _org_part(tb: _Table, period: str | None) -> tuple[pd.DataFrame, pd.DataFrame, list[pd.DataFrame]]:
    """The rows of an org-ratings table (unit and Predikat Kinerja Organisasi), not yet judged."""
    if "period" not in tb.cols and period is not None:
        _infer_period(tb, period)
    raw = pd.DataFrame({"unit": tb.data[tb.cols["unit"]], "org_predikat": tb.data[tb.cols["org_predikat"]]})
    raw["period"] = tb.data[tb.cols["period"]] if "period" in tb.cols else None
    raw["_line"] = tb.data["_line"].to_numpy()
    raw["_file"] = tb.where
    probs = list(tb.problems)
    for i, m in enumerate(tb.mapped):
        if (m == "row_number" or f"c{i}" not in tb.cols.values()) and tb.names[i].strip():
            code = "row_number_column" if m == "row_number" else "column_not_used"
            probs.append(_problems(tb.where, tb.header_line, code, "warning", column=tb.names[i]))
    return raw, _structural(tb.where, "org_ratings", len(tb.rejected)), probs


def _read_tables(f: Path, user: Mapping[str, str], problems: list[pd.DataFrame], ignored: list[str]) -> list[_Table]:
    """The tables of one file, prepared (the raw cells are let go on return)."""
    out = []
    for t in read_raw(f):
        problems.extend(_problems(_where(t), line, reason, "warning", value=value)
                        for reason, line, value in t.warnings)
        try:
            out.append(_prepare(t, user))
        except DataContractError as exc:
            if t.sheet is None:
                raise
            problems.append(_problems(_where(t), None, "sheet_ignored", "warning", message=str(exc)))
            ignored.append(str(exc))
    return out


def _kind(tb: _Table) -> str:
    c = tb.cols
    if "org_predikat" in c and "unit" in c and "employee_id" not in c and "skp_id" not in c:
        return "org_ratings"
    if "skp_id" in c and "employee_id" in c and "predikat" not in c and "score" not in c \
            and ({"is_plt_plh", "period_start", "period_end", "skp_status"} & set(c)):
        return "skp"
    return "table"


_NO_SKP = pd.DataFrame({"skp_id": pd.Series(dtype=object), "employee_id": pd.Series(dtype=object),
                        "status": pd.Series(dtype=object), "_end": pd.Series(dtype="datetime64[ns]")})


def _join_skp(tb: _Table, skp: pd.DataFrame) -> None:
    """Give the rows of a *Laporan Penilaian SKP* the NIP of their SKP (joined by the SKP ``id``)."""
    if "skp_id" not in tb.cols:
        return
    _make_plain(tb)
    ids = tb.data[tb.cols["skp_id"]].astype(str).str.strip()
    by_id = skp.drop_duplicates("skp_id", keep="first").set_index("skp_id")
    known = ids.isin(by_id.index)
    nip = ids.map(by_id["employee_id"]).astype(object)
    if "employee_id" in tb.cols:
        nip = nip.where(known, tb.data[tb.cols["employee_id"]])
        tb.cols["employee_id_in_file"] = tb.cols["employee_id"]
    tb.data["_employee"] = nip.fillna("").astype(str)
    tb.data["_skp_unknown"] = ~known & (nip.fillna("").astype(str).str.strip() == "")
    tb.data["_acting"] = ids.map(by_id["status"]).eq("acting").to_numpy()
    tb.data["_rank"] = pd.to_datetime(ids.map(by_id["_end"].to_dict()), errors="coerce")
    tb.cols["employee_id"] = "_employee"


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


def _not_in_roster(path: Path, roster: pd.DataFrame, table: pd.DataFrame, has_roster: bool) -> pd.DataFrame | None:
    if not has_roster or not len(table):
        return None
    known = pd.MultiIndex.from_frame(roster[["employee_id", "period"]].astype(str))
    keys = pd.MultiIndex.from_frame(table[["employee_id", "period"]].astype(str))
    missing = ~keys.isin(known)
    if not missing.any():
        return None
    miss = table.loc[missing, ["employee_id", "period"]].astype(str).drop_duplicates()
    return _problems(str(path), [None] * len(miss), "employee_not_in_roster", "warning", column="employee_id",
                     value=(miss["employee_id"] + " / " + miss["period"]).to_numpy())


_EMPTY_ROSTER: list[pd.DataFrame] = []


def _empty_roster() -> pd.DataFrame:
    """The roster of a load without one (what :func:`clean_roster` makes of no rows), made once."""
    if not _EMPTY_ROSTER:
        _EMPTY_ROSTER.append(clean_roster(pd.DataFrame(columns=["employee_id", "period", "unit"]), count=False)[0])
    return _EMPTY_ROSTER[0].copy(deep=True)


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
        unrecognised column whose values are numbers or e-Kinerja rating labels
        (each such column not named like a known indicator is reported as
        ``indicator_guessed``).
    period
        The period of every row, for files without a period column (``"2025"``).
        Without it, the period is read from the title rows above the header
        (``Tahunan 2025``, ``Bulan Maret 2025``, ``Januari - Desember 2025``), else
        the sheet name, else the file name (warning ``period_inferred``).
    layout
        ``"auto"`` (long when there is a score column), ``"long"`` or ``"wide"``.

    Returns
    -------
    Dataset
        ``.ratings``, ``.roster``, ``.predikat`` (the recorded predikat),
        ``.org_ratings`` and ``.report``. The report lists every rejected row and
        every warning with file, line, column, value, reason and a fix.
        ``.meta["org_ratings_source"]`` names the org-ratings file(s) and
        ``.meta["skp"]`` holds the SKP documents of an e-Kinerja export.

    Raises
    ------
    DataContractError
        When a file cannot be read at all (missing, empty, damaged, encrypted, no
        permission, beyond a reader limit, no header, no rater column, no period
        column and none in its title or name); the message names the file (and
        sheet) and says what to do. In a folder, the first such file stops the load
        (a partial dataset would hide its rows); a sheet that cannot be read is
        reported (``sheet_ignored``, with the true reason) while the others load.

    Notes
    -----
    Layouts recognised without a mapping:

    * a long or wide ratings file, a roster, or both in one table;
    * a BKD recap made for printing: title rows, merged cells (read as the eye sees
      them: a unit merged down its block fills the block, warning
      ``merged_cells_filled`` naming the range), a ``No`` column (a row number,
      never an indicator), a signature block below the data (``signature_block``);
    * the BKN e-Kinerja *Laporan SKP* (columns ``id``, ``nip``, ``is_plt_plh``,
      ``periode_awal``, ``periode_akhir``, ``skp_unor_induk``, ...) and *Laporan
      Penilaian SKP* (``id`` and ``hasil_akhir``), joined by the SKP ``id``; the
      roster of each period comes from the SKPs (acting posts left out, a
      transferred employee in the unit of the latest SKP);
    * an org-ratings table: a unit and its *Predikat Kinerja Organisasi*.

    When ratings have no rater column, the atasan is implied: the supervisor
    column if there is one, else a pseudo rater ``atasan:<employee_id>`` per
    employee (warning ``assumed_rater``): statistics that compare raters treat
    each employee's atasan as a rater of their own.

    A *row* in the counts is one rating (a line of a long file, a filled cell of a
    wide file), one roster line, one SKP, one recorded predikat or one org rating;
    title lines above the header and signature lines below are warnings, not rows.
    NIPs are checked for plausibility (18 digits, birth date, appointment month,
    gender digit) and reported as warnings, never rejected for it.

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
    ratings_raw, roster_raw, pred_raw, skp_raw, org_raw = [], [], [], [], []
    structural, problems, rosters_from_ratings = [], [], []
    ignored: list[str] = []
    tables: list[_Table] = []
    files, skipped = _files(path)
    problems.append(skipped)
    for f in files:
        tables.extend(_read_tables(f, user, problems, ignored))
    kinds = [_kind(tb) for tb in tables]
    for tb, kind in zip(tables, kinds, strict=True):
        if kind != "table":  # small tables, read as they are: no categorical columns
            _make_plain(tb)
    for tb, kind in zip(tables, kinds, strict=True):
        if kind == "skp":
            raw, counts, probs = _skp_part(tb, period)
            skp_raw.append(raw)
            structural.append(counts)
            problems.extend(probs)
    skp = None
    reports: list[ValidationReport] = []
    if skp_raw:
        skp, rep = clean_skp(pd.concat(skp_raw, ignore_index=True))
        reports.append(rep)
    for tb, kind in zip(tables, kinds, strict=True):
        try:
            if kind == "org_ratings":
                raw, counts, probs = _org_part(tb, period)
                org_raw.append(raw)
                structural.append(counts)
                problems.extend(probs)
                continue
            if kind == "skp":
                continue
            if skp is not None or ("skp_id" in tb.cols and "employee_id" not in tb.cols):
                _join_skp(tb, skp if skp is not None else _NO_SKP)
            _infer_period(tb, period)
            parts = _table_parts(tb, indicators, layout)
        except DataContractError as exc:
            if tb.sheet is None:
                raise
            problems.append(_problems(tb.where, None, "sheet_ignored", "warning", message=str(exc)))
            ignored.append(str(exc))
            continue
        structural.extend(parts.counts)
        problems.extend(parts.problems)
        if parts.predikat is not None:
            pred_raw.append(parts.predikat)
        if parts.ratings is not None:
            ratings_raw.append(parts.ratings)
            if parts.roster is not None:
                rosters_from_ratings.append(parts.roster)
        elif parts.roster is not None:
            if parts.predikat is not None:
                rosters_from_ratings.append(parts.roster)
            else:
                roster_raw.append(parts.roster)
    if ignored and not structural:
        raise DataContractError(f"{path}: no sheet could be read. " + " ".join(ignored))
    reports.insert(0, ValidationReport.from_parts(
        pd.concat(structural, ignore_index=True) if structural else
        pd.DataFrame(columns=["file", "table", "rows_read", "rows_kept", "rows_rejected"]),
        pd.concat(problems, ignore_index=True) if problems else empty_problems()))
    tables.clear()  # the cells still needed live on in the parts
    tb = parts = None  # type: ignore[assignment]
    if ratings_raw:
        # the raw tables are handed over (one as it is: clean_ratings numbers its rows afresh) and
        # let go before the kept rows are built
        ratings, rep = _clean_ratings(ratings_raw, file=str(path))
    else:
        ratings, rep = clean_ratings(pd.DataFrame(columns=list(RATING_COLUMNS)), file=str(path))
    reports.append(rep)
    predikat = org = None
    if pred_raw:
        predikat, rep = clean_predikat(pd.concat(pred_raw, ignore_index=True))
        reports.append(rep)
    if org_raw:
        org, rep = clean_org_ratings(pd.concat(org_raw, ignore_index=True))
        reports.append(rep)
    if roster_raw:
        roster, rep = clean_roster(pd.concat(roster_raw, ignore_index=True), file=str(path))
        reports.append(rep)
    elif skp is not None or rosters_from_ratings:
        if skp is not None:
            periods = set(ratings["period"]) | (set(predikat["period"]) if predikat is not None else set())
            derived = roster_from_skp(skp, sorted(periods))
        else:
            derived = pd.concat(rosters_from_ratings, ignore_index=True)
            keep = [c for c in derived.columns if not c.startswith("_")]
            derived = derived.drop_duplicates(subset=keep)
        roster, rep = clean_roster(derived, file=str(path), count=False)
        # ids and periods were already judged, row by row, as ratings, predikat or SKPs
        own = rep.problems[~rep.problems["column"].isin(["employee_id", "period"])
                           | rep.problems["reason"].isin(["roster_conflict"])]
        own = own.drop_duplicates(["file", "line", "column", "reason"])
        reports.append(ValidationReport.from_parts(rep.counts.iloc[:0], own))  # its rows were counted before
    else:
        roster = _empty_roster()
    report = ValidationReport.merge(reports)
    has_roster = bool(roster_raw or rosters_from_ratings or skp is not None)
    extra = [p for p in (_not_in_roster(path, roster, ratings, has_roster),
                         _not_in_roster(path, roster, predikat if predikat is not None else ratings.iloc[:0],
                                        has_roster))
             if p is not None]
    if extra:
        report = ValidationReport.from_parts(report.counts, pd.concat([report.problems, *extra]))
    meta: dict[str, object] = {}
    if org_raw:
        # the file's name, as the headlines say it (a server's folders are nobody's business)
        meta["org_ratings_source"] = ", ".join(dict.fromkeys(Path(str(r["_file"].iloc[0])).name
                                                             for r in org_raw if len(r)))
    if skp is not None:
        meta["skp"] = skp.reindex(columns=list(SKP_COLUMNS) + ["_file", "_line"]).rename(
            columns={"_file": "file", "_line": "line"})
    return Dataset(ratings=ratings, roster=roster, report=report, name=path.stem, source=str(path), meta=meta,
                   predikat=coerce_predikat(predikat), org_ratings=coerce_org_ratings(org))
