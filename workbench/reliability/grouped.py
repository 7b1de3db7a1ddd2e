"""Reliability per group (unit, rater_role, indicator, ...) in one tidy table."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench._deprecation import renamed
from workbench.errors import DataContractError, ParameterError, WorkbenchError, check_option
from workbench.reliability._long import _factorize, check_columns, is_dask
from workbench.reliability.agreement import kendall_w, percent_agreement
from workbench.reliability.alpha import LEVELS, Level, krippendorff_alpha
from workbench.reliability.icc import ICC_FORMS, icc
from workbench.reliability.kappa import WEIGHTS, Weights, cohen_kappa, fleiss_kappa, gwet_ac
from workbench.results import DEFAULT_N_BOOT

__all__ = ["BY_GROUP_COLUMNS", "COEFFICIENTS", "by_group", "oneway_icc_by_group"]

COEFFICIENTS = (
    "icc",
    *ICC_FORMS,
    "alpha",
    "cohen_kappa",
    "fleiss_kappa",
    "gwet_ac",
    "kendall_w",
    "percent_agreement",
)
BY_GROUP_COLUMNS = ["coefficient", "estimate", "ci_low", "ci_high", "n_subjects", "n_raters", "note"]


def _one(
    name: str, part: Any, cols: tuple[str, str, str], level: Level, icc_form: str,
    weighting: Weights, n_boot: int, seed: int | None,
) -> dict[str, Any]:
    s, r, y = cols
    if name == "icc" or name in ICC_FORMS:
        form = icc_form if name == "icc" else name
        result = icc(part, s, r, y)
        row = result.to_frame().loc[form]
        return {"coefficient": form, "estimate": row["icc"], "ci_low": row["ci_low"],
                "ci_high": row["ci_high"], "n_subjects": result.n_subjects,
                "n_raters": result.n_raters, "note": " ".join([result.method, *result.notes])}
    if name == "alpha":
        res: Any = krippendorff_alpha(part, s, r, y, level=level, n_boot=n_boot, seed=seed)
    elif name == "cohen_kappa":
        res = cohen_kappa(part, s, r, y, weighting=weighting)
    elif name == "fleiss_kappa":
        res = fleiss_kappa(part, s, r, y)
    elif name == "gwet_ac":
        res = gwet_ac(part, s, r, y, weighting=weighting)
    elif name == "kendall_w":
        res = kendall_w(part, s, r, y, n_boot=n_boot, seed=seed)
    else:
        res = percent_agreement(part, s, r, y)
    return {"coefficient": res.coefficient, "estimate": res.estimate, "ci_low": res.ci_low,
            "ci_high": res.ci_high, "n_subjects": res.n_subjects, "n_raters": res.n_raters,
            "note": " ".join(res.notes)}


def _label(name: str, level: str, icc_form: str, weighting: str | None) -> str:
    """The coefficient name a row gets (the same as the result's ``coefficient``)."""
    if name == "icc":
        return icc_form
    if name == "alpha":
        return f"krippendorff_alpha ({level})"
    if name == "gwet_ac":
        return "gwet_ac1" if weighting is None else f"gwet_ac2 ({weighting})"
    if name == "cohen_kappa" and weighting is not None:
        return f"cohen_kappa ({weighting})"
    return name


def by_group(
    df: Any,
    by: str | Sequence[str],
    coefficients: Iterable[str] = ("icc", "alpha"),
    subject: str = "employee_id",
    rater: str = "rater_id",
    score: str = "score",
    *,
    level: Level = "interval",
    icc_form: str = "ICC(1,1)",
    weighting: Weights = None,
    min_subjects: int = 5,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int | None = 0,
    weights: Weights = None,
) -> pd.DataFrame:
    """Reliability coefficients per group, as one tidy table for a dashboard.

    Parameters
    ----------
    df
        Long table (pandas or Dask), one row per rating, holding the ``by`` columns
        (merge the roster first to group by ``unit``).
    by
        Column(s) to group by, e.g. ``"unit"``, ``["unit"]``, ``"rater_role"``,
        ``"indicator"``.
    coefficients
        Any of ``"icc"`` (the form ``icc_form``), ``"ICC(1,1)"`` ... ``"ICC(3,k)"``,
        ``"alpha"`` (at ``level``), ``"cohen_kappa"``, ``"fleiss_kappa"``,
        ``"gwet_ac"``, ``"kendall_w"``, ``"percent_agreement"``.
    subject, rater, score
        Column names (default: the data contract).
    level
        Level of measurement for alpha.
    icc_form
        The ICC form reported for ``"icc"``; default ``ICC(1,1)``, right when each
        employee has own raters (see :func:`workbench.reliability.icc`).
    weighting
        Weighting of ``cohen_kappa`` and ``gwet_ac`` (``weights=`` is its deprecated name).
    min_subjects
        Groups with fewer subjects get NaN and a note.
    n_boot, seed
        Bootstrap for alpha (and Kendall's W) CIs (default
        :data:`~workbench.results.DEFAULT_N_BOOT`; 0: none).

    Returns
    -------
    pandas.DataFrame
        One row per group x coefficient: the ``by`` columns, then ``coefficient,
        estimate, ci_low, ci_high, n_subjects, n_raters, note``. A group where a
        coefficient cannot be computed (too few subjects, one rater, ...) gets NaN and
        the reason in ``note``; it never raises.

    Examples
    --------
    >>> import workbench as wb
    >>> ds = wb.read_sample("kota_contoh")
    >>> peers = ds.with_roster(["unit"]).query(
    ...     "period == '2025' and indicator == 'kolaboratif' and rater_role == 'rekan'")
    >>> peers = peers.assign(rater_id="rekan" + peers.groupby("employee_id").cumcount().astype(str))
    >>> table = wb.reliability.by_group(peers, by="unit", coefficients=("icc",))
    >>> table.columns.tolist()
    ['unit', 'coefficient', 'estimate', 'ci_low', 'ci_high', 'n_subjects', 'n_raters', 'note']
    >>> first = table.iloc[0]
    >>> first["unit"], first["coefficient"], int(first["n_subjects"])
    ('BKPSDM', 'ICC(1,1)', 48)
    """
    by_cols = [by] if isinstance(by, str) else list(by)
    if not by_cols:
        raise ParameterError("`by` must name at least one column, e.g. 'unit'.")
    coefs = list(coefficients)
    for c in coefs:
        check_option("coefficients", c, COEFFICIENTS)
    check_option("level", level, LEVELS)
    check_option("icc_form", icc_form, ICC_FORMS)
    if weights is not None:
        weighting = renamed("by_group", "weights", "weighting", weights, weighting, default=None)
    check_option("weighting", weighting, WEIGHTS)
    missing = [c for c in by_cols if c not in list(df.columns)]
    if missing:
        raise DataContractError(
            f"`by_group`: column(s) {missing} not in the ratings table. To group by unit, "
            "merge the roster first: df.merge(ds.roster[['employee_id', 'period', 'unit']], "
            "on=['employee_id', 'period'])."
        )
    cols = {"subject": subject, "rater": rater, "score": score}
    check_columns(df, cols, "by_group")
    if is_dask(df):
        keys = df[by_cols].drop_duplicates().compute().sort_values(by_cols)
        parts = []
        for key in keys.itertuples(index=False):
            mask = None
            for col, val in zip(by_cols, key, strict=True):
                m = df[col] == val
                mask = m if mask is None else mask & m
            parts.append((tuple(key), df[mask]))
    else:
        parts = [
            ((k,) if not isinstance(k, tuple) else k, g)
            for k, g in df.groupby(by_cols, observed=True, sort=True)
        ]
    rows = []
    for key, part in parts:
        n_sub = None if is_dask(part) else int(part.loc[part[score].notna(), subject].nunique())
        for name in coefs:
            label = _label(name, level, icc_form, weighting)
            row: dict[str, Any] = dict(zip(by_cols, key, strict=True))
            if n_sub is not None and n_sub < min_subjects:
                row.update(coefficient=label, estimate=math.nan, ci_low=math.nan,
                           ci_high=math.nan, n_subjects=n_sub, n_raters=math.nan,
                           note=f"only {n_sub} {subject}(s); at least {min_subjects} needed")
            else:
                try:
                    row.update(_one(name, part, (subject, rater, score), level, icc_form, weighting, n_boot,
                                    seed))
                    if row["n_subjects"] < min_subjects:
                        row.update(estimate=math.nan, ci_low=math.nan, ci_high=math.nan,
                                   note=f"only {row['n_subjects']} {subject}(s); at least "
                                   f"{min_subjects} needed")
                except WorkbenchError as exc:
                    row.update(coefficient=label, estimate=math.nan, ci_low=math.nan,
                               ci_high=math.nan, n_subjects=n_sub if n_sub is not None else np.nan,
                               n_raters=math.nan, note=str(exc))
            rows.append(row)
    out = pd.DataFrame(rows, columns=[*by_cols, *BY_GROUP_COLUMNS])
    out["n_subjects"] = out["n_subjects"].astype("Int64")
    out["n_raters"] = out["n_raters"].astype("Int64")
    out.attrs["parameters"] = {"by": by_cols, "coefficients": coefs, "level": level, "weighting": weighting,
                               "icc_form": icc_form, "min_subjects": min_subjects,
                               "n_boot": n_boot, "seed": seed, **cols}
    return out


_SUMS = ["n_subjects", "n_obs", "sum_y", "sum_y2", "sum_s2_n", "sum_n2", "sum_inv_n"]


def _row_codes(part: pd.DataFrame, cols: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, missing)``: one integer per row for its combination of ``cols``.

    Equal combinations get equal codes, a missing value counting as a value of its own (as
    in ``drop_duplicates``); ``missing`` marks the rows with a missing value in one of
    ``cols`` (which a group-by leaves out). Each column is factorized once (pyarrow strings
    in runs hash only the run heads) and the codes are combined as integers.
    """
    key = np.zeros(len(part), dtype=np.int64)
    missing = np.zeros(len(part), dtype=bool)
    for i, col in enumerate(cols):
        codes, labels = _factorize(part[col], sort=False)
        codes = np.asarray(codes, dtype=np.int64)
        missing |= codes < 0
        if i:
            key *= len(labels) + 1
        key += codes + 1
        if i < len(cols) - 1:
            key = np.asarray(pd.factorize(key)[0], dtype=np.int64)
    return key, missing


def _first_codes(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes ``0, 1, ...`` in order of first appearance, and the first row of each code."""
    codes = np.asarray(pd.factorize(key)[0], dtype=np.int64)
    new = np.ones(codes.size, dtype=bool)
    if codes.size > 1:
        new[1:] = codes[1:] > np.maximum.accumulate(codes)[:-1]
    return codes, np.flatnonzero(new)


def _coded(part: pd.DataFrame, cols: list[str]) -> bool:
    """Whether the columns are text or integers, whose codes group rows as pandas does."""
    return all(isinstance(part[c].dtype, pd.StringDtype) or part[c].dtype.kind in "iu" for c in cols)


def _subject_sums(part: pd.DataFrame, by_cols: list[str], subject: str, rater: str, score: str) -> pd.DataFrame:
    """Per group: the subject-level sums of the one-way model (cells averaged first).

    The same table, to the last bit, as grouping by the columns with pandas
    (``groupby([*by, subject, rater]).mean()``, then per subject and per group ``sum``;
    groups in order of appearance, each sum over its rows in row order), computed from
    integer codes: the string columns are factorized once instead of once per group-by.
    """
    if not _coded(part, [*by_cols, subject, rater]):
        return _subject_sums_grouped(part, by_cols, subject, rater, score)
    values = part[score]
    key_g, miss_g = _row_codes(part, by_cols)
    key_s, miss_s = _row_codes(part, [subject])
    key_r, miss_r = _row_codes(part, [rater])
    scored = values.notna().to_numpy()
    if (scored & (miss_g | miss_s | miss_r)).any():
        # a missing key makes pandas' group numbers (and so its summation path) differ
        return _subject_sums_grouped(part, by_cols, subject, rater, score)
    keep = scored
    rows = None if keep.all() else np.flatnonzero(keep)
    if rows is not None:
        key_g, key_s, key_r, values = key_g[rows], key_s[rows], key_r[rows], values.iloc[rows]
    # subjects within groups, cells within subjects, numbered in order of appearance
    g_of_row, g_first = _first_codes(key_g)
    s_of_row = np.asarray(pd.factorize(g_of_row * (int(key_s.max()) + 1 if key_s.size else 1) + key_s)[0],
                          dtype=np.int64)
    c_of_row = np.asarray(pd.factorize(s_of_row * (int(key_r.max()) + 1 if key_r.size else 1) + key_r)[0],
                          dtype=np.int64)
    n_cells = int(c_of_row.max()) + 1 if c_of_row.size else 0
    n_subj = int(s_of_row.max()) + 1 if s_of_row.size else 0
    y = pd.Series(values.array, copy=False).groupby(c_of_row, sort=False).mean()
    s_of_cell = np.empty(n_cells, dtype=np.int64)
    s_of_cell[c_of_row] = s_of_row
    g_of_subj = np.empty(n_subj, dtype=np.int64)
    g_of_subj[s_of_row] = g_of_row
    cell = pd.DataFrame({"y": y.array, "y2": (y * y).array})
    grouped = cell.groupby(s_of_cell, sort=False)
    n = grouped.size().astype(float)
    s, q = grouped["y"].sum(), grouped["y2"].sum()
    sub = pd.DataFrame({"n_subjects": 1.0, "n_obs": n, "sum_y": s, "sum_y2": q,
                        "sum_s2_n": s * s / n, "sum_n2": n * n, "sum_inv_n": 1.0 / n})
    sums = sub.groupby(g_of_subj[sub.index.to_numpy()], sort=False).sum()[_SUMS]
    firsts = g_first[sums.index.to_numpy()]
    keys = part[by_cols] if rows is None else part[by_cols].iloc[rows]
    out = keys.iloc[firsts].reset_index(drop=True)
    for col in _SUMS:
        out[col] = sums[col].to_numpy()
    return out


def _group_raters(part: pd.DataFrame, by_cols: list[str], rater: str, score: str) -> pd.DataFrame:
    """The distinct (group, rater) pairs among the scored rows (``drop_duplicates``, from codes)."""
    if not _coded(part, [*by_cols, rater]):
        return _group_raters_grouped(part, by_cols, rater, score)
    scored = part[score].notna().to_numpy()
    pairs = part.loc[scored, [*by_cols, rater]]
    key, _ = _row_codes(pairs, [*by_cols, rater])
    _, first = _first_codes(key)
    return pairs.iloc[first] if len(first) < len(pairs) else pairs


def _subject_sums_grouped(part: pd.DataFrame, by_cols: list[str], subject: str, rater: str, score: str) -> pd.DataFrame:
    """:func:`_subject_sums` by pandas group-bys on the columns themselves (any dtype)."""
    part = part[part[score].notna()]
    cell = part.groupby([*by_cols, subject, rater], observed=True, sort=False)[score].mean().rename("y")
    cell = cell.reset_index()
    cell["y2"] = cell["y"] * cell["y"]
    subj = cell.groupby([*by_cols, subject], observed=True, sort=False).agg(
        n=("y", "size"), s=("y", "sum"), q=("y2", "sum"))
    n = subj["n"].astype(float)
    sub = pd.DataFrame({"n_subjects": 1.0, "n_obs": n, "sum_y": subj["s"], "sum_y2": subj["q"],
                        "sum_s2_n": subj["s"] * subj["s"] / n, "sum_n2": n * n, "sum_inv_n": 1.0 / n},
                       index=subj.index)
    return sub.groupby(level=list(range(len(by_cols))), observed=True, sort=False).sum()[_SUMS].reset_index()


def _group_raters_grouped(part: pd.DataFrame, by_cols: list[str], rater: str, score: str) -> pd.DataFrame:
    """:func:`_group_raters` by ``drop_duplicates`` (any dtype)."""
    return part.loc[part[score].notna(), [*by_cols, rater]].drop_duplicates()


def oneway_icc_by_group(
    df: Any,
    by: str | Sequence[str],
    subject: str = "employee_id",
    rater: str = "rater_id",
    score: str = "score",
    *,
    min_subjects: int = 5,
    confidence: float = 0.95,
    shuffle: bool = True,
) -> pd.DataFrame:
    """ICC(1,1) per group from additive sums: the reliability table at national scale.

    The one-way random model (each employee rated by raters of their own, the usual
    360-degree case) needs, per group, only sums over subjects: the number of subjects and
    of cells, the sum and the sum of squares of the cell values, and per subject
    ``s_i^2 / n_i``, ``n_i^2`` and ``1 / n_i``. Those add up across partitions, so a Dask
    table of any size is reduced to one small row per group without a loop over groups
    (:func:`by_group` loops, and filters a Dask table once per group). The estimate,
    confidence interval and F test are those of :func:`workbench.reliability.icc`'s
    ``ICC(1,1)`` (its ``n0`` design constant, any balance), computed for all groups at once.

    Parameters
    ----------
    df
        Long table (pandas or Dask), one row per rating, holding the ``by`` columns. A
        cell (subject x rater) holding several ratings (several indicators) is averaged
        first; rows with a missing score are left out.
    by
        Column(s) to group by, e.g. ``"unit"``.
    subject, rater, score
        Column names (default: the data contract).
    min_subjects
        Groups with fewer subjects get NaN and a note, as in :func:`by_group`.
    confidence
        Level of the confidence interval.
    shuffle
        Dask only: bring each subject's ratings into one partition first. Pass ``False``
        when they already are (Parquet split by employee bucket).

    Returns
    -------
    pandas.DataFrame
        One row per group, sorted: the ``by`` columns, then ``coefficient`` (``ICC(1,1)``),
        ``estimate, ci_low, ci_high, n_subjects, n_raters, note`` (the columns of
        :func:`by_group`), and ``f, df1, df2, pval``.

    Examples
    --------
    >>> import workbench as wb
    >>> ds = wb.read_sample("kota_contoh")
    >>> peers = ds.with_roster(["unit"]).query(
    ...     "period == '2025' and indicator == 'kolaboratif' and rater_role == 'rekan'")
    >>> peers = peers.assign(rater_id="rekan" + peers.groupby("employee_id").cumcount().astype(str))
    >>> fast = oneway_icc_by_group(peers, "unit")
    >>> loop = by_group(peers, "unit", coefficients=("icc",))
    >>> bool(np.allclose(fast["estimate"], loop["estimate"])), int(fast.loc[0, "n_subjects"])
    (True, 48)
    """
    from scipy import stats

    by_cols = [by] if isinstance(by, str) else list(by)
    if not by_cols:
        raise ParameterError("`by` must name at least one column, e.g. 'unit'.")
    missing = [c for c in by_cols if c not in list(df.columns)]
    if missing:
        raise DataContractError(f"`oneway_icc_by_group`: column(s) {missing} not in the ratings table; join "
                                "the roster first (ds.with_roster(['unit'])).")
    check_columns(df, {"subject": subject, "rater": rater, "score": score}, "oneway_icc_by_group")
    cols = [*by_cols, subject, rater, score]
    if is_dask(df):
        part = df[cols]
        if shuffle:
            part = part.shuffle(on=subject)
        import dask

        meta = _subject_sums(part._meta, by_cols, subject, rater, score)
        lazy_sums = part.map_partitions(_subject_sums, by_cols, subject, rater, score, meta=meta).groupby(
            by_cols, observed=True).sum()
        meta_r = _group_raters(part._meta, by_cols, rater, score)
        pairs = part.map_partitions(_group_raters, by_cols, rater, score, meta=meta_r).drop_duplicates()
        # one pass: each partition of ``df`` (read, filtered, joined) is computed once for both
        sums, raters = dask.compute(lazy_sums, pairs.groupby(by_cols, observed=True).size())
    else:
        sums = _subject_sums(df[cols], by_cols, subject, rater, score).groupby(by_cols, observed=True).sum()
        raters = _group_raters(df[cols], by_cols, rater, score).groupby(by_cols, observed=True).size()
    sums = sums.sort_index()
    raters = raters.reindex(sums.index).fillna(0).astype(int)
    n, n_obs, sy, sy2, r_s, n2, inv = (sums[c].to_numpy(dtype=float) for c in _SUMS)
    few = n < min_subjects
    single = ~few & (n_obs - n <= 0)
    ok = ~few & ~single
    # the one-way model of icc(): mean squares, n0, F test and the Shrout-Fleiss interval
    with np.errstate(all="ignore"):
        df_b, df_w = n - 1, n_obs - n
        msb = (r_s - sy * sy / n_obs) / df_b
        msw = (sy2 - r_s) / df_w
        n0 = (n_obs - n2 / n_obs) / df_b
        a = 1 - confidence
        f1 = msb / msw
        icc1 = (msb - msw) / (msb + (n0 - 1) * msw)
        f1l = f1 / stats.f.ppf(1 - a / 2, df_b, df_w)
        f1u = f1 * stats.f.ppf(1 - a / 2, df_w, df_b)
        low, high = (f1l - 1) / (f1l + n0 - 1), (f1u - 1) / (f1u + n0 - 1)
        pval = stats.f.sf(f1, df_b, df_w)
    del inv  # (the k forms' harmonic k is not reported here)
    keys = sums.index.to_frame(index=False) if isinstance(sums.index, pd.MultiIndex) else \
        pd.DataFrame({by_cols[0]: sums.index.to_numpy()})
    notes = np.where(few, [f"only {int(x)} {subject}(s); at least {min_subjects} needed" for x in n],
                     np.where(single, f"every {subject} has a single rating; ICC needs at least two {rater}s per "
                              f"{subject}", "anova-oneway (from group sums)"))
    out = keys.assign(coefficient="ICC(1,1)", estimate=np.where(ok, icc1, np.nan),
                      ci_low=np.where(ok, low, np.nan), ci_high=np.where(ok, high, np.nan),
                      n_subjects=n.astype(int), n_raters=raters.to_numpy(), note=notes,
                      f=np.where(ok, f1, np.nan), df1=np.where(ok, df_b, np.nan), df2=np.where(ok, df_w, np.nan),
                      pval=np.where(ok, pval, np.nan))
    out = out[[*by_cols, *BY_GROUP_COLUMNS, "f", "df1", "df2", "pval"]]
    out["n_subjects"] = out["n_subjects"].astype("Int64")
    out["n_raters"] = out["n_raters"].astype("Int64")
    out.attrs["parameters"] = {"by": by_cols, "min_subjects": min_subjects, "confidence": confidence,
                               "subject": subject, "rater": rater, "score": score}
    return out
