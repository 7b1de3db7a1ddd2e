"""Cleaning of the e-Kinerja tables beside the ratings: SKP documents, recorded predikat, org ratings.

Like :func:`workbench.data.clean.clean_ratings`, each function takes raw rows with
``_line`` and ``_file`` columns and returns ``(kept, report)``; the counts add up
(table ``skp``, ``predikat`` or ``org_ratings``).

Rules of *Laporan SKP* (the SKP master; one row per SKP document):

* an SKP with ``is_plt_plh`` not 0 is an acting post (Plt/Plh), not the employee's
  own appraisal: it is kept as an SKP (status ``acting``) but never puts the employee
  in the roster (warning ``acting_post``);
* an employee with two own SKPs in a period (a transfer) sits in the unit of the SKP
  with the latest ``periode_akhir``; the other is kept with status ``superseded``
  (warning ``skp_superseded``).

Examples
--------
>>> import pandas as pd
>>> raw = pd.DataFrame({"period": ["2025"] * 2, "employee_id": ["198609262015051001"] * 2,
...                     "predikat": ["BAIK", "Istimewa"], "_line": [5, 6], "_file": "p.xlsx"})
>>> kept, rep = clean_predikat(raw)
>>> kept["predikat"].tolist(), rep.errors["reason"].tolist()
(['Baik'], ['predikat_invalid'])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.data.clean import _counts, _reason, problems_frame
from workbench.data.contract import coerce_org_ratings, coerce_predikat
from workbench.data.layouts import period_bounds
from workbench.data.normalize import (
    nip_warnings,
    normalize_id,
    normalize_org_predikat,
    normalize_period,
    normalize_predikat,
    normalize_unit,
)
from workbench.data.report import ValidationReport, empty_problems

__all__ = ["SKP_COLUMNS", "clean_org_ratings", "clean_predikat", "clean_skp", "roster_from_skp"]

SKP_COLUMNS = ("skp_id", "employee_id", "period", "name", "unit", "unit_kerja", "jabatan", "is_plt_plh",
               "period_start", "period_end", "skp_status", "status")
"""Columns of the kept SKP documents (``ds.meta["skp"]``); ``status`` is own, acting or superseded."""

_NOT_ACTING = {"", "0", "0.0", "false", "tidak", "no", "n", "bukan", "none", "nan"}


def _dates(s: pd.Series) -> pd.Series:
    text = s.astype(str).str.strip().str.replace(r"T00:00:00$", "", regex=True)
    iso = pd.to_datetime(text, errors="coerce", format="%Y-%m-%d")
    other = pd.to_datetime(text.where(iso.isna()), errors="coerce", dayfirst=True, format="mixed")
    return iso.fillna(other)


def _report(df: pd.DataFrame, table: str, bad: np.ndarray, problems: list[pd.DataFrame]) -> ValidationReport:
    return ValidationReport.from_parts(
        _counts(df, "<" + table + ">", table, ~bad),
        pd.concat([p for p in problems if len(p)] or [empty_problems()], ignore_index=True))


def clean_skp(df: pd.DataFrame) -> tuple[pd.DataFrame, ValidationReport]:
    """Judge the SKP documents of one or more *Laporan SKP*; return ``(kept, report)``.

    Rows without an SKP id, NIP, period or unit are rejected; acting posts and
    superseded SKPs of a transfer are kept with their status and a warning.
    """
    df = df.reset_index(drop=True)
    n = len(df)
    bad = np.zeros(n, dtype=bool)
    problems: list[pd.DataFrame] = []
    out = pd.DataFrame({"_line": df["_line"].to_numpy(), "_file": df["_file"].to_numpy()})
    for col in ("name", "jabatan", "unit_kerja", "skp_status", "is_plt_plh", "period_start", "period_end"):
        out[col] = df[col].astype(str).str.strip().to_numpy() if col in df.columns else ""

    def _take(column: str, values: pd.Series, reason: pd.Series, severity: str = "error") -> None:
        nonlocal bad
        mask = reason.notna().to_numpy()
        problems.append(problems_frame(mask, df, column, reason, severity, "<skp>"))
        if severity == "error":
            bad |= mask
        out[column] = np.asarray(values, dtype=object)

    skp_id = df["skp_id"].astype(str).str.strip()
    _take("skp_id", skp_id, _reason(skp_id.isin(["", "nan", "None"]), "skp_id_missing", df.index))
    ids, reason = normalize_id(df["employee_id"])
    _take("employee_id", ids, reason)
    warn = nip_warnings(ids).where(reason.isna())
    problems.append(problems_frame(warn.notna().to_numpy(), df, "employee_id", warn, "warning", "<skp>"))
    end = _dates(out["period_end"])
    start = _dates(out["period_start"])
    raw_period = df["period"].astype(str).str.strip()
    year = end.dt.year.fillna(start.dt.year).astype("Int64").astype(str)
    raw_period = raw_period.where(~raw_period.isin(["", "nan", "None"]), year.where(year != "<NA>", ""))
    period, reason = normalize_period(raw_period)
    _take("period", period, reason)
    unit_raw = df["unit"] if "unit" in df.columns else pd.Series("", index=df.index)
    unit = normalize_unit(unit_raw.astype(str))
    if "unit_kerja" in df.columns:
        unit = unit.where(~unit.isin(["", "nan", "None"]), normalize_unit(df["unit_kerja"].astype(str)))
    _take("unit", unit, _reason(unit.isin(["", "nan", "None"]), "unit_missing", df.index))
    acting = ~out["is_plt_plh"].str.lower().isin(_NOT_ACTING).to_numpy() & ~bad
    problems.append(problems_frame(acting, df, "is_plt_plh", "acting_post", "warning", "<skp>"))
    dup_id = pd.Series(skp_id).where(~bad).duplicated(keep="first").to_numpy() & ~bad
    problems.append(problems_frame(dup_id, df, "skp_id", "duplicate_row", "error", "<skp>"))
    bad |= dup_id
    out["_end"] = end.fillna(start)
    own = ~bad & ~acting
    order = out[own].assign(_e=out["_end"].fillna(pd.Timestamp.min)).sort_values(["_e", "_line"], kind="stable")
    latest = order.drop_duplicates(["employee_id", "period"], keep="last").index
    superseded = own.copy()
    superseded[latest] = False
    problems.append(problems_frame(superseded, df, "period_end", "skp_superseded", "warning", "<skp>",
                                   value=pd.Series(unit.to_numpy(), index=df.index)))
    out["status"] = np.where(acting, "acting", np.where(superseded, "superseded", "own"))
    kept = out.loc[~bad].reset_index(drop=True)
    return kept, _report(df, "skp", bad, problems)


def roster_from_skp(skp: pd.DataFrame, periods: list[str]) -> pd.DataFrame:
    """The roster of each period from the kept SKP documents (raw roster rows with ``_line``).

    The SKP's own period takes the employee's current SKP (status ``own``); a shorter
    period of the same year (a month, a quarter) takes, among the employee's own
    SKPs of the year, the one in force then with the latest ``periode_akhir``.
    Acting posts never count.
    """
    own = skp[skp["status"] != "acting"]
    parts = []
    for p in sorted(set(periods) | set(own["period"])):
        if p in set(own["period"]):
            rows = own[(own["period"] == p) & (own["status"] == "own")]
        else:
            bounds = period_bounds(p)
            rows = own[own["period"] == p[:4]]
            if bounds is None or rows.empty:
                continue
            start = _dates(rows["period_start"])
            end = rows["_end"]
            live = (start.isna() | (start <= bounds[1])) & (end.isna() | (end >= bounds[0]))
            rows = (rows[live].assign(_e=end[live].fillna(pd.Timestamp.min))
                    .sort_values(["_e", "_line"], kind="stable").drop_duplicates("employee_id", keep="last"))
        if len(rows):
            parts.append(rows.assign(period=p))
    if not parts:
        return pd.DataFrame(columns=["employee_id", "period", "unit", "_line", "_file"])
    rows = pd.concat(parts, ignore_index=True)
    keep = ["employee_id", "period", "unit", "jabatan", "name", "unit_kerja", "skp_id", "_line", "_file"]
    return rows[keep].replace({"jabatan": {"": None}})


def clean_predikat(df: pd.DataFrame) -> tuple[pd.DataFrame, ValidationReport]:
    """Judge recorded predikat rows (``period, employee_id, predikat``); return ``(kept, report)``.

    ``-`` or empty is *not yet rated*: kept with a missing predikat. Unknown labels,
    ids and periods are rejected; a predikat of an acting post (Plt/Plh) is rejected
    (``acting_post``); two predikat for one employee and period: the one of the SKP
    with the latest ``periode_akhir`` is kept (``predikat_superseded`` for the other),
    without SKP dates an exact copy is a ``duplicate_row`` and differing ones are all
    rejected (``conflicting_duplicate``).
    """
    df = df.reset_index(drop=True)
    n = len(df)
    bad = np.zeros(n, dtype=bool)
    problems: list[pd.DataFrame] = []
    out = pd.DataFrame({"_line": df["_line"].to_numpy()})

    def _take(column: str, values: pd.Series, reason: pd.Series) -> None:
        nonlocal bad
        mask = reason.notna().to_numpy() & ~bad
        problems.append(problems_frame(mask, df, column, reason, "error", "<predikat>"))
        bad |= mask
        out[column] = np.asarray(values, dtype=object)

    if "_skp_unknown" in df.columns:
        unknown = df["_skp_unknown"].fillna(False).to_numpy(dtype=bool)
        problems.append(problems_frame(unknown, df, "skp_id", "skp_id_unknown", "error", "<predikat>",
                                       value=pd.Series("", index=df.index)))
        bad |= unknown
    ids, reason = normalize_id(df["employee_id"])
    _take("employee_id", ids, reason)
    period, reason = normalize_period(df["period"])
    _take("period", period, reason)
    label, reason = normalize_predikat(df["predikat"])
    _take("predikat", label, reason)
    if "_acting" in df.columns:
        acting = df["_acting"].fillna(False).to_numpy(dtype=bool) & ~bad
        problems.append(problems_frame(acting, df, "predikat", "acting_post", "error", "<predikat>"))
        bad |= acting
    rank = pd.to_datetime(df["_rank"], errors="coerce") if "_rank" in df.columns else pd.Series(pd.NaT, index=df.index)
    good = out.loc[~bad].assign(_rank=rank[~bad])
    key = ["period", "employee_id"]
    dup = good.duplicated(key, keep=False)
    if dup.any():
        g = good[dup]
        n_labels = g.groupby(key, sort=False)["predikat"].transform(lambda s: s.fillna("-").nunique())
        ranked = g.groupby(key, sort=False)["_rank"].transform("count") > 0
        order = g.assign(_e=g["_rank"].fillna(pd.Timestamp.min)).sort_values(["_e", "_line"], kind="stable")
        last = order.drop_duplicates(key, keep="last").index
        first = order.drop_duplicates(key, keep="first").index
        for code, mask in (
            ("duplicate_row", (n_labels == 1) & ~ranked & ~g.index.isin(first)),
            ("predikat_superseded", ranked & ~g.index.isin(last)),
            ("conflicting_duplicate", (n_labels > 1) & ~ranked),
        ):
            full = np.zeros(n, dtype=bool)
            full[g.index[np.asarray(mask, dtype=bool)]] = True
            problems.append(problems_frame(full, df, "predikat", code, "error", "<predikat>"))
            bad |= full
    kept = coerce_predikat(out.loc[~bad])
    return kept, _report(df, "predikat", bad, problems)


def clean_org_ratings(df: pd.DataFrame) -> tuple[pd.DataFrame, ValidationReport]:
    """Judge org-rating rows (``unit, org_predikat`` and an optional ``period``); return ``(kept, report)``.

    A missing period means the rating holds for every period. A unit rated twice
    for one period with different labels: none is kept (``conflicting_duplicate``).
    """
    df = df.reset_index(drop=True)
    n = len(df)
    bad = np.zeros(n, dtype=bool)
    problems: list[pd.DataFrame] = []
    out = pd.DataFrame({"_line": df["_line"].to_numpy()})

    def _take(column: str, values: pd.Series, reason: pd.Series) -> None:
        nonlocal bad
        mask = reason.notna().to_numpy() & ~bad
        problems.append(problems_frame(mask, df, column, reason, "error", "<org_ratings>"))
        bad |= mask
        out[column] = np.asarray(values, dtype=object)

    unit = normalize_unit(df["unit"].astype(str))
    _take("unit", unit, _reason(unit.isin(["", "nan", "None"]), "unit_missing", df.index))
    label, reason = normalize_org_predikat(df["org_predikat"])
    _take("org_predikat", label, reason)
    raw_period = df["period"].astype(object).where(df["period"].notna(), "").astype(str).str.strip()
    given = ~raw_period.isin(["", "nan", "None", "<NA>"])
    period, reason = normalize_period(raw_period)
    _take("period", period.where(given, None), reason.where(given))
    good = out.loc[~bad].assign(_p=lambda d: d["period"].fillna("*"))
    key = ["_p", "unit"]
    dup = good.duplicated(key, keep=False)
    if dup.any():
        g = good[dup]
        n_labels = g.groupby(key, sort=False)["org_predikat"].transform("nunique")
        for code, mask in (("duplicate_row", (n_labels == 1) & g.duplicated(key, keep="first")),
                           ("conflicting_duplicate", n_labels > 1)):
            full = np.zeros(n, dtype=bool)
            full[g.index[np.asarray(mask, dtype=bool)]] = True
            problems.append(problems_frame(full, df, "org_predikat", code, "error", "<org_ratings>"))
            bad |= full
    kept = coerce_org_ratings(out.loc[~bad])
    return kept, _report(df, "org_ratings", bad, problems)
