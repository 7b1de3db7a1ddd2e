"""Group disparities: do scores (or predikat) differ by gender, golongan, jabatan or unit,
raw and once objective performance, the rater and the unit are held fixed?

:func:`group_disparity` compares each level of a group column with all other employees,
in five models, each with a bootstrap interval (employees resampled):

* ``raw`` - the plain difference in mean score;
* ``performance`` - holding objective performance fixed (e.g. the IKI realisation,
  see :func:`hasil_realisation`), a linear adjustment;
* ``rater`` - within raters (a fixed effect per rater): the same rater scoring a woman
  and a man;
* ``rater+performance`` - both;
* ``stratified`` - within strata (a fixed effect per unit), plus one row per stratum.

A row's ``reversal`` is True when its estimate has the opposite sign of the pooled raw
difference, the signature of Simpson's paradox: then the raw figure must not be
reported alone. Groups with fewer than ``min_group`` employees are suppressed (NaN and
``suppressed = True``), so that no small group can be singled out.

Examples
--------
>>> import workbench as wb
>>> ds = wb.read_sample("kota_contoh")
>>> r = ds.with_roster(["unit", "gender"])
>>> values = r[(r["period"] == "2025") & r["indicator"].isin(wb.data.synth.BERAKHLAK)
...            & (r["rater_role"] != "diri")]
>>> d = group_disparity(values, "gender", n_boot=50, seed=1)
>>> row = d.to_frame().query("level == 'P' and model == 'rater' and stratum == '(all)'")
>>> float(row["estimate"].iloc[0]) < 0
True
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from workbench._deprecation import renamed
from workbench.errors import DataContractError, ParameterError
from workbench.objectivity._common import (
    RaterTable,
    check_columns,
    check_level,
    reject_infinite,
    to_pandas,
)
from workbench.results import DEFAULT_N_BOOT

__all__ = ["DISPARITY_COLUMNS", "MODELS", "group_disparity", "hasil_realisation"]

MODELS = ("raw", "performance", "rater", "rater+performance", "stratified")
"""The models of :func:`group_disparity`, in the order of its rows."""

DISPARITY_COLUMNS = [
    "group", "level", "reference", "model", "stratum", "n_focal", "n_reference",
    "estimate", "smd", "ci_low", "ci_high", "suppressed", "reversal",
]
"""The columns of the :func:`group_disparity` table."""

IKI = ("iki_kuantitas", "iki_kualitas", "iki_waktu")


def hasil_realisation(
    df: Any,
    subject: str = "employee_id",
    score: str = "score",
    indicator: str = "indicator",
    indicators: tuple[str, ...] = IKI,
) -> pd.Series:
    """Objective performance per employee: the mean IKI realisation (% of target).

    Examples
    --------
    >>> import workbench as wb
    >>> perf = hasil_realisation(wb.read_sample("kota_contoh").ratings)
    >>> 90 < float(perf.median()) < 110
    True
    """
    check_columns(df, {"subject": subject, "score": score, "indicator": indicator},
                  "hasil_realisation")
    part = df[df[indicator].isin(list(indicators))]
    out = to_pandas(part.groupby(subject)[score].mean())
    if len(out) == 0:
        raise DataContractError(
            f"`hasil_realisation`: no rows with {indicator} in {list(indicators)}.")
    return pd.Series(out, name="performance")


def _absorb(v: np.ndarray, fe: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted within transformation: subtract the weighted mean per fixed-effect level."""
    sw = np.bincount(fe, weights=w)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.bincount(fe, weights=w * v) / sw
    return v - np.nan_to_num(mean)[fe]


def _coef(y: np.ndarray, g: np.ndarray, w: np.ndarray, fe: np.ndarray | None,
          perf: np.ndarray | None) -> float:
    """Weighted least-squares coefficient of ``g`` with optional FE and covariate."""
    if fe is None:
        fe = np.zeros(y.size, dtype=np.int64)
    cols = [g] if perf is None else [g, perf]
    x = np.stack([_absorb(c, fe, w) for c in cols], axis=1)
    yy = _absorb(y, fe, w)
    xtx = (x * w[:, None]).T @ x
    if abs(np.linalg.det(xtx)) < 1e-12:
        return float("nan")
    return float(np.linalg.solve(xtx, (x * w[:, None]).T @ yy)[0])


def _estimates(y: np.ndarray, g: np.ndarray, w: np.ndarray, rater: np.ndarray,
               strat: np.ndarray | None, perf: np.ndarray | None, n_strata: int) -> np.ndarray:
    """All estimates for one focal level: the five models, then one per stratum."""
    out = [_coef(y, g, w, None, None),
           _coef(y, g, w, None, perf) if perf is not None else np.nan,
           _coef(y, g, w, rater, None),
           _coef(y, g, w, rater, perf) if perf is not None else np.nan,
           _coef(y, g, w, strat, None) if strat is not None else np.nan]
    if strat is not None:
        key = strat * 2 + g.astype(np.int64)
        sw = np.bincount(key, weights=w, minlength=2 * n_strata).reshape(n_strata, 2)
        sy = np.bincount(key, weights=w * y, minlength=2 * n_strata).reshape(n_strata, 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            means = sy / sw
        out.extend(means[:, 1] - means[:, 0])
    return np.asarray(out, dtype=float)


_BOOT_BLOCK = 2**23
"""Employee counts (draws x employees) handled at once by :func:`_boot_estimates`."""


def _boot_estimates(y: np.ndarray, gs: list[np.ndarray], w0: np.ndarray, emp_codes: np.ndarray,
                    boots: np.ndarray, rater: np.ndarray, strat: np.ndarray | None,
                    perf: np.ndarray | None, n_strata: int) -> list[np.ndarray]:
    """:func:`_estimates` for every bootstrap draw at once, for each focal indicator in ``gs``:
    one ``(n_draws, 5 + n_strata)`` array per entry of ``gs``.

    Draw ``b`` weights cell ``i`` by ``w0[i] * boots[b, emp_codes[i]]``. Every weighted
    least-squares coefficient only needs weighted sums per fixed-effect level (of ``1, g,
    y, perf``) and over all cells (of their products); each such sum is one product of
    a sparse (levels x employees) matrix with the draws' employee counts ``boots``, so
    all draws cost a handful of matrix products instead of a Python loop per draw. With
    ``g`` 0/1 the centred ``sum w (g - mean_fe g)^2`` is ``sum_fe sum_w_g (1 - gbar)``,
    exactly 0 when no level varies in ``g`` (as in the loop, the coefficient is then NaN).
    The results equal :func:`_estimates` per draw up to rounding.
    """
    from scipy import sparse

    n_emp = boots.shape[1]
    block = max(1, _BOOT_BLOCK // max(n_emp, 1))  # draws at a time: bounded working memory
    if boots.shape[0] > block:
        parts = [_boot_estimates(y, gs, w0, emp_codes, boots[k:k + block], rater, strat, perf, n_strata)
                 for k in range(0, boots.shape[0], block)]
        return [np.concatenate([part[j] for part in parts]) for j in range(len(gs))]
    counts = boots.astype(float)
    counts_t = np.ascontiguousarray(counts.T)  # (employees, draws), for the sparse products

    def by_level(values: list[np.ndarray], fe: np.ndarray, n_levels: int) -> list[np.ndarray]:
        # one sparse (levels x employees) matrix per value, all of the same structure, so
        # that sums of equal values agree to the last bit; each result is (draws, levels)
        rows = np.concatenate([fe + k * n_levels for k in range(len(values))])
        cols = np.tile(emp_codes, len(values))
        mat = sparse.csr_matrix((np.concatenate([w0 * v for v in values]), (rows, cols)),
                                shape=(len(values) * n_levels, n_emp))
        prod = np.asarray(mat @ counts_t)
        return [prod[k * n_levels:(k + 1) * n_levels].T for k in range(len(values))]

    def total(v: np.ndarray) -> np.ndarray:
        return counts @ np.bincount(emp_codes, weights=w0 * v, minlength=n_emp)

    def rowdot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.einsum("ij,ij->i", a, b)

    def ratio(a: np.ndarray, sw: np.ndarray) -> np.ndarray:
        # the mean per level; 0 for a level without weight in a draw (as in _absorb)
        return np.divide(a, sw, out=np.zeros_like(a), where=sw > 0)

    n_draws = boots.shape[0]
    outs = [np.full((n_draws, len(MODELS) + (n_strata if strat is not None else 0)), np.nan) for _ in gs]
    fes: list[tuple[int, np.ndarray, int]] = [(0, np.zeros(y.size, dtype=np.int64), 1),
                                              (2, rater, int(rater.max()) + 1)]
    if strat is not None:
        fes.append((4, strat, n_strata))
    t_gy = [total(g * y) for g in gs]
    if perf is not None:
        t_gp = [total(g * perf) for g in gs]
        t_pp, t_py = total(perf * perf), total(perf * y)
    for col, fe, n_levels in fes:
        with_perf = perf is not None and col < 4
        sums = by_level([np.ones_like(y), y] + ([perf] if perf is not None and with_perf else []), fe, n_levels)
        sw, sy = sums[:2]
        if with_perf:
            pbar = ratio(sums[2], sw)
            s_pp = t_pp - rowdot(pbar, sums[2])
            s_py = t_py - rowdot(pbar, sy)
        sgs = by_level(gs, fe, n_levels)
        for j, sg in enumerate(sgs):
            gbar = ratio(sg, sw)
            s_gg = rowdot(sg, 1.0 - gbar)  # sum_fe sw gbar (1 - gbar)
            s_gy = t_gy[j] - rowdot(gbar, sy)
            with np.errstate(divide="ignore", invalid="ignore"):
                outs[j][:, col] = np.where(np.abs(s_gg) < 1e-12, np.nan, s_gy / s_gg)
            if with_perf:
                s_gp = t_gp[j] - rowdot(gbar, sums[2])
                det = s_gg * s_pp - s_gp * s_gp
                with np.errstate(divide="ignore", invalid="ignore"):
                    outs[j][:, col + 1] = np.where(np.abs(det) < 1e-12, np.nan,
                                                   (s_pp * s_gy - s_gp * s_py) / det)
    if strat is not None:
        for j, g in enumerate(gs):
            w1, y1, w0_, y0 = by_level([g, g * y, 1.0 - g, (1.0 - g) * y], strat, n_strata)
            with np.errstate(divide="ignore", invalid="ignore"):
                outs[j][:, len(MODELS):] = y1 / w1 - y0 / w0_
    return outs


def group_disparity(
    df: Any,
    group: str = "gender",
    *,
    subject: str = "employee_id",
    rater: str = "rater_id",
    score: str = "score",
    strata: str | None = "unit",
    performance: str | pd.Series | None = None,
    levels: list[str] | None = None,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = 0,
    min_group: int = 5,
    confidence: float = 0.95,
    level: float | None = None,
) -> RaterTable:
    """Differences in scores between groups, raw and conditional, with bootstrap intervals.

    Parameters
    ----------
    df
        Long table with the group (and strata) column joined on, e.g.
        ``ds.with_roster(["unit", "gender"])``. For predikat, pass one row per employee
        with ``score`` = 1 if Baik or better else 0 and ``rater`` = the atasan: the
        estimates are then differences in proportions.
    group
        The column to compare (``gender``, ``golongan``, ``jabatan``, ``unit``).
    subject, rater, score
        Column names.
    strata
        Column to stratify by (``unit``), or None. Ignored when equal to ``group``.
    performance
        Objective performance per employee: a column of ``df`` or a Series indexed by
        employee (see :func:`hasil_realisation`). None skips the performance models.
    levels
        The levels to report (each against all others); default all.
    n_boot, seed
        Bootstrap draws (employees resampled with replacement; default
        :data:`~workbench.results.DEFAULT_N_BOOT`) and the seed.
    min_group
        Smallest number of employees on either side of a comparison that is shown
        (default 5, never below 3); smaller cells are suppressed.
    confidence
        Coverage of the percentile bootstrap interval (``level`` is its deprecated name).

    Returns
    -------
    RaterTable
        ``.to_frame()`` has :data:`DISPARITY_COLUMNS`: one row per level, model and
        stratum (``"(all)"`` for the pooled models). ``estimate`` is in score units
        (focal minus the rest); ``smd`` is it divided by the pooled within-group SD of
        the employees' mean scores (the same SD for every model, so rows compare).

    Notes
    -----
    **Which estimate when.** ``raw`` is what employees experience; ``rater`` answers
    "does the *same* rater score this group lower?" and is the one to read for rater
    bias, because it is immune to groups being spread unevenly over lenient and
    severe raters or units. ``performance`` removes differences that objective
    results explain; an adjustment for a noisy covariate removes only part of it.
    ``stratified`` pools within-unit differences. Where a conditional row shows
    ``reversal``, report it next to the raw figure, not instead of it.

    The unit of analysis is the employee x rater cell (mean score), weighted so that
    every employee counts once in total; the coefficient is weighted least squares
    with the fixed effect absorbed. The bootstrap resamples employees (their cells
    move together), ``n_boot`` times with ``numpy.random.default_rng(seed)``.

    Examples
    --------
    >>> import workbench as wb
    >>> r = wb.read_sample("kota_contoh").with_roster(["unit", "jabatan"])
    >>> q4 = r[(r["period"] == "2025-Q4") & (r["indicator"] == "perilaku_kerja")]
    >>> d = group_disparity(q4, "jabatan", n_boot=20, seed=0)
    >>> bool(d.to_frame()["suppressed"].any())
    True
    """
    confidence = renamed("group_disparity", "level", "confidence", level, confidence, default=0.95)
    check_level(confidence, "confidence")
    if int(min_group) < 3:
        raise ParameterError(
            f"`min_group` must be at least 3 (smaller groups could identify people); got "
            f"{min_group!r}.")
    if int(n_boot) < 1:
        raise ParameterError(f"`n_boot` must be a positive number of draws; got {n_boot!r}.")
    cols = {"subject": subject, "rater": rater, "score": score, "group": group}
    if strata is not None and strata != group:
        cols["strata"] = strata
    else:
        strata = None
    if isinstance(performance, str):
        cols["performance"] = performance
    check_columns(df, cols, "group_disparity")
    reject_infinite(df, score, "group_disparity")
    keep = list(dict.fromkeys(cols.values()))
    cells = to_pandas(df[keep]).dropna(subset=[score])
    by = [subject, rater]
    first = [c for c in keep if c not in (subject, rater, score)]
    agg = cells.groupby(by, observed=True).agg(
        _y=(score, "mean"), **{f"_{c}": (c, "first") for c in first}).reset_index()
    if isinstance(performance, pd.Series):
        agg["_perf"] = agg[subject].map(performance).astype(float)
    elif isinstance(performance, str):
        agg["_perf"] = agg[f"_{performance}"].astype(float)
    if "_perf" in agg and agg["_perf"].isna().any():
        n_miss = int(agg.loc[agg["_perf"].isna(), subject].nunique())
        agg = agg.dropna(subset=["_perf"])
        miss_note = [f"{n_miss} employee(s) without objective performance left out."]
    else:
        miss_note = []
    emp_codes, _ = pd.factorize(agg[subject])
    n_emp = int(emp_codes.max()) + 1
    w0 = 1.0 / np.bincount(emp_codes)[emp_codes]
    y = agg["_y"].to_numpy(float)
    r_codes = pd.factorize(agg[rater])[0]
    s_codes, s_labels = (pd.factorize(agg[f"_{strata}"].astype(str), sort=True)
                         if strata is not None else (None, pd.Index([])))
    perf = agg["_perf"].to_numpy(float) if "_perf" in agg else None
    gval = agg[f"_{group}"].astype(str).to_numpy()
    all_levels = sorted(pd.unique(gval)) if levels is None else [str(v) for v in levels]
    emp_level = pd.Series(gval).groupby(emp_codes).first()
    emp_y = pd.Series(y * w0).groupby(emp_codes).sum()
    sd = float(np.sqrt(emp_y.groupby(emp_level.to_numpy()).var(ddof=1).mean()))
    rng = np.random.default_rng(seed)
    boots = rng.multinomial(n_emp, np.full(n_emp, 1.0 / n_emp), size=int(n_boot))
    n_str = len(s_labels)
    stratum_names = ["(all)"] * len(MODELS) + list(s_labels.astype(str))
    model_names = list(MODELS) + ["stratum"] * n_str
    rows = []
    gs = [(gval == lev).astype(float) for lev in all_levels]
    all_draws = _boot_estimates(y, gs, w0, emp_codes, boots, r_codes, s_codes, perf, n_str)
    for lev, g, draws in zip(all_levels, gs, all_draws, strict=True):
        est = _estimates(y, g, w0, r_codes, s_codes, perf, n_str)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            lo = np.nanquantile(draws, (1 - confidence) / 2, axis=0) if n_boot > 1 else est
            hi = np.nanquantile(draws, (1 + confidence) / 2, axis=0) if n_boot > 1 else est
        emp_g = (emp_level.to_numpy() == lev)
        n_f = np.full(est.size, int(emp_g.sum()))
        n_r = np.full(est.size, int((~emp_g).sum()))
        if s_codes is not None:
            emp_s = pd.Series(s_codes).groupby(emp_codes).first().to_numpy()
            n_f[len(MODELS):] = np.bincount(emp_s[emp_g], minlength=n_str)
            n_r[len(MODELS):] = np.bincount(emp_s[~emp_g], minlength=n_str)
        rows.append(pd.DataFrame({
            "group": group, "level": lev, "reference": f"not {lev}", "model": model_names,
            "stratum": stratum_names, "n_focal": n_f, "n_reference": n_r,
            "estimate": est, "ci_low": lo, "ci_high": hi,
        }))
    table = pd.concat(rows, ignore_index=True)
    table = table[~table["estimate"].isna() | (table["model"] == "stratum")].reset_index(drop=True)
    sup = (table["n_focal"] < min_group) | (table["n_reference"] < min_group)
    table.loc[sup, ["estimate", "ci_low", "ci_high"]] = np.nan
    table["smd"] = table["estimate"] / sd if sd > 0 else np.nan
    table["suppressed"] = sup.to_numpy()
    raw = table[table["model"] == "raw"].set_index("level")["estimate"]
    base = table["level"].map(raw).to_numpy(float)
    est_v = table["estimate"].to_numpy(float)
    table["reversal"] = (table["model"] != "raw") & (np.sign(est_v) * np.sign(base) < 0)
    notes = miss_note + [f"{int(sup.sum())} comparison(s) suppressed (fewer than {min_group} "
                         "employees on one side)."] * bool(sup.any())
    rev = table[table["reversal"] & (table["model"] != "stratum")]
    if len(rev):
        notes.append("Sign reversal against the raw difference (Simpson's paradox) for: "
                     + "; ".join(f"{a} / {b}" for a, b in zip(rev["level"], rev["model"],
                                                               strict=True)) + ".")
    return RaterTable(f"Disparity by {group} (focal minus the rest)",
                      table[DISPARITY_COLUMNS], tuple(notes),
                      parameters={"group": group, "strata": strata, "n_boot": n_boot,
                                  "seed": seed, "min_group": min_group, "confidence": confidence},
                      _data=df)
