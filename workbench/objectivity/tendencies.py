"""Rater tendencies other than leniency: halo, central tendency / range restriction,
self- and peer-versus-atasan gaps, and drift across periods.

Each function takes the long table and returns a :class:`RaterTable` with one row per
rater (``.to_frame()``), a test statistic, a p-value, a Benjamini-Hochberg q-value and
a ``flag`` at false discovery rate ``alpha``. Everything is a group-by aggregate; no
loop runs over raters.

Which one when:

* :func:`halo` - a rater whose scores on different indicators of the same employee
  move together far more than other raters' do (one overall impression).
* :func:`spread` - a rater who uses a narrow part of the scale (central tendency,
  range restriction) or an unusually wide one, compared with the other raters of the
  *same* employees.
* :func:`role_gaps` - how self (diri) and peer (rekan) ratings differ from the atasan's
  ratings of the same employees and indicators.
* :func:`drift` - a rater whose scores for the same employees rise or fall over the
  periods more than everybody's do.

Examples
--------
>>> import workbench as wb
>>> r = wb.read_sample("kota_contoh").ratings
>>> values = r[(r["period"] == "2025") & r["indicator"].isin(wb.data.synth.BERAKHLAK)]
>>> h = halo(values)
>>> list(h.to_frame().columns[:3])
['rater_id', 'n_ratees', 'n_indicators']
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from workbench._deprecation import renamed
from workbench.errors import DataContractError
from workbench.objectivity._common import (
    RaterTable,
    bh_qvalues,
    cell_table,
    check_columns,
    check_level,
    reject_infinite,
    to_pandas,
)

__all__ = ["drift", "halo", "role_gaps", "spread"]


def _flag(table: pd.DataFrame, alpha: float) -> pd.DataFrame:
    table["qval"] = bh_qvalues(table["pval"].to_numpy(float))
    table["flag"] = table["qval"].fillna(1.0).to_numpy() < alpha
    return table


def halo(
    df: Any,
    subject: str = "employee_id",
    rater: str = "rater_id",
    score: str = "score",
    indicator: str = "indicator",
    *,
    alpha: float = 0.05,
) -> RaterTable:
    """Halo: does a rater's score of one indicator predict their scores of the others?

    Parameters
    ----------
    df
        Long table with several indicators per employee and rater on one scale.
    subject, rater, score, indicator
        Column names.
    alpha
        False discovery rate for ``flag``.

    Returns
    -------
    RaterTable
        One row per rater: ``rater_id, n_ratees, n_indicators, mean_r, pooled_r,
        sd_within, sd_within_pooled, halo_index, f, df1, df2, pval, qval, flag``.

    Notes
    -----
    ``mean_r`` is the mean correlation between indicators across the rater's ratees
    (NaN below 3 ratees or when an indicator does not vary), ``pooled_r`` the same
    over all raters' cells: the descriptive halo measure the literature uses. It is
    too noisy with a handful of ratees to test, so the test uses the variance
    decomposition of each rater's (indicator-centred) scores: within-ratee mean square
    ``MS_w`` (across indicators) over between-ratee mean square ``MS_b``.
    ``halo_index = (MS_w / MS_b) / (pooled MS_w / pooled MS_b)``; below 1 the rater's
    indicators move together more than usual. Under "same structure as the pool",
    ``halo_index ~ F(n(K-1), n-1)``; ``pval`` is its lower tail. Dividing by ``MS_b``
    keeps a rater with a narrow range (central tendency, see :func:`spread`) from
    looking like halo. A true halo and a ratee who really is even across the values
    look the same; talk to the rater before concluding.

    References
    ----------
    Saal, F. E., Downey, R. G., & Lahey, M. A. (1980). Rating the ratings: Assessing the
    psychometric quality of rating data. *Psychological Bulletin*, 88(2), 413-428.

    Examples
    --------
    >>> import workbench as wb
    >>> r = wb.read_sample("kota_contoh").ratings
    >>> values = r[(r["period"] == "2025") & r["indicator"].isin(wb.data.synth.BERAKHLAK)]
    >>> t = halo(values).to_frame()
    >>> bool((t.loc[t["flag"], "halo_index"] < 1).all())
    True
    """
    check_level(alpha, "alpha")
    check_columns(df, {"subject": subject, "rater": rater, "score": score,
                       "indicator": indicator}, "halo")
    reject_infinite(df, score, "halo")
    agg = to_pandas(df.groupby([rater, subject, indicator], observed=True)[score].mean())
    wide = agg.unstack(indicator).dropna()
    k = wide.shape[1]
    if k < 2 or len(wide) == 0:
        raise DataContractError(
            "`halo` needs at least 2 indicators scored by the same rater for the same "
            f"employee; the data have {k}. Pass the ratings of several indicators on one "
            "scale (e.g. the seven BerAKHLAK values)."
        )
    x = wide.to_numpy(float)
    x = x - x.mean(axis=0)
    raters = wide.index.get_level_values(0).astype(str)
    codes, labels = pd.factorize(raters, sort=True)
    n = np.bincount(codes).astype(float)
    cell_mean = x.mean(axis=1)
    ss_w = np.bincount(codes, weights=((x - cell_mean[:, None]) ** 2).sum(axis=1))
    r_mean = np.bincount(codes, weights=cell_mean) / n
    ss_b = k * np.bincount(codes, weights=(cell_mean - r_mean[codes]) ** 2)
    df1, df2 = n * (k - 1), n - 1
    ms_w_pool = ss_w.sum() / df1.sum()
    ms_b_pool = ss_b.sum() / max(df2.sum(), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (ss_w / df1) / (ss_b / df2) / (ms_w_pool / ms_b_pool)
        ok = (df2 > 0) & (ss_b > 0)
        pval = np.where(ok, stats.f.cdf(ratio, df1, np.maximum(df2, 1)), np.nan)
    # mean inter-indicator correlation per rater, from sums and cross-products
    s1 = np.stack([np.bincount(codes, weights=x[:, a]) for a in range(k)], axis=1)
    var = np.stack([np.bincount(codes, weights=x[:, a] ** 2) for a in range(k)], axis=1)
    var = var - s1**2 / n[:, None]
    r_sum = np.zeros(len(labels))
    r_cnt = np.zeros(len(labels))
    pooled = np.corrcoef(x, rowvar=False)
    for a in range(k):
        for b in range(a + 1, k):
            cov = np.bincount(codes, weights=x[:, a] * x[:, b]) - s1[:, a] * s1[:, b] / n
            with np.errstate(divide="ignore", invalid="ignore"):
                rr = cov / np.sqrt(var[:, a] * var[:, b])
            good = np.isfinite(rr) & (n >= 3) & (var[:, a] > 1e-12) & (var[:, b] > 1e-12)
            r_sum += np.where(good, rr, 0.0)
            r_cnt += good
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_r = np.where(r_cnt > 0, r_sum / r_cnt, np.nan)
    table = pd.DataFrame({
        "rater_id": labels.astype(str), "n_ratees": n.astype(np.int64), "n_indicators": k,
        "mean_r": mean_r, "pooled_r": float(np.nanmean(pooled[np.triu_indices(k, 1)])),
        "sd_within": np.sqrt(ss_w / df1), "sd_within_pooled": float(np.sqrt(ms_w_pool)),
        "halo_index": np.where(ok, ratio, np.nan), "f": np.where(ok, ratio, np.nan),
        "df1": df1, "df2": df2, "pval": pval,
    })
    table = _flag(table, alpha)
    notes = []
    if (~ok).any():
        notes.append(f"{int((~ok).sum())} rater(s) with one ratee or identical scores for "
                     "all their ratees: halo_index is NaN (not testable).")
    return RaterTable("Halo (halo_index < 1: indicators move together)", table, tuple(notes),
                      parameters={"subject": subject, "rater": rater, "score": score,
                                  "indicator": indicator, "alpha": alpha}, _data=df)


def spread(
    df: Any,
    subject: str = "employee_id",
    rater: str = "rater_id",
    score: str = "score",
    *,
    alpha: float = 0.05,
) -> RaterTable:
    """Central tendency and range restriction: a rater's spread against that of others.

    Parameters
    ----------
    df
        Long table on one scale.
    subject, rater, score
        Column names.
    alpha
        False discovery rate for ``flag``.

    Returns
    -------
    RaterTable
        One row per rater: ``rater_id, n_ratees, sd, sd_same_ratees, sd_pooled,
        spread_ratio, f, df1, df2, pval, qval, flag, direction`` (``narrow`` for
        central tendency / range restriction, ``wide``, or ``""``).

    Notes
    -----
    The unit is the rater's mean score of each employee (so that several indicators of
    one employee do not count as independent). ``sd`` is the SD of the rater's cell
    means; ``sd_same_ratees`` the SD of the *other* raters' cell means for the same
    employees, the fair comparison: a rater whose team really is homogeneous is not
    blamed for it. ``sd_pooled`` (all cells) is shown for context.
    ``spread_ratio = sd / sd_same_ratees``; ``f = spread_ratio**2`` is tested with an
    F test (two-sided). Central tendency (everyone near the middle) and range
    restriction (everyone in a narrow band, anywhere on the scale) both show as
    ``narrow``; the rater's mean (see :func:`~workbench.objectivity.rater_effects`)
    tells them apart. Needs 3 or more ratees; with fewer the row is NaN.

    Examples
    --------
    >>> import workbench as wb
    >>> r = wb.read_sample("kota_contoh").ratings
    >>> values = r[(r["period"] == "2025") & r["indicator"].isin(wb.data.synth.BERAKHLAK)]
    >>> t = spread(values).to_frame()
    >>> set(t["direction"]) <= {"narrow", "wide", ""}
    True
    """
    check_level(alpha, "alpha")
    c = cell_table(df, subject, rater, score, "spread")
    s, r, y = c.subject, c.rater, c.mean
    n_i = np.bincount(s, minlength=c.n_subjects).astype(float)
    t_i = np.bincount(s, weights=y, minlength=c.n_subjects)
    q_i = np.bincount(s, weights=y * y, minlength=c.n_subjects)
    nr = c.n_raters
    n = np.bincount(r, minlength=nr).astype(float)
    m1 = np.bincount(r, weights=y, minlength=nr)
    m2 = np.bincount(r, weights=y * y, minlength=nr)
    o_n = np.bincount(r, weights=n_i[s] - 1, minlength=nr)
    o1 = np.bincount(r, weights=t_i[s] - y, minlength=nr)
    o2 = np.bincount(r, weights=q_i[s] - y * y, minlength=nr)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.where(n >= 3, (m2 - m1**2 / n) / (n - 1), np.nan)
        var_o = np.where(o_n >= 3, (o2 - o1**2 / o_n) / (o_n - 1), np.nan)
        f = var / var_o
        f = np.where(var_o > 1e-12, f, np.nan)
    df1, df2 = n - 1, o_n - 1
    lower = stats.f.cdf(f, df1, np.maximum(df2, 1))
    pval = np.where(np.isfinite(f), np.minimum(1.0, 2 * np.minimum(lower, 1 - lower)), np.nan)
    table = pd.DataFrame({
        "rater_id": c.rater_labels.astype(str), "n_ratees": n.astype(np.int64),
        "sd": np.sqrt(var), "sd_same_ratees": np.sqrt(var_o), "sd_pooled": float(np.std(y, ddof=1)),
        "spread_ratio": np.sqrt(f), "f": f, "df1": df1, "df2": df2, "pval": pval,
    })
    table = _flag(table, alpha)
    table["direction"] = np.where(table["flag"], np.where(table["f"] < 1, "narrow", "wide"), "")
    notes = []
    n_na = int(table["f"].isna().sum())
    if n_na:
        notes.append(f"{n_na} rater(s) with fewer than 3 ratees (or no other raters of their "
                     "ratees): not testable, NaN.")
    return RaterTable("Spread (spread_ratio < 1: central tendency / range restriction)", table,
                      tuple(notes), parameters={"subject": subject, "rater": rater,
                                                "score": score, "alpha": alpha}, _data=df)


def role_gaps(
    df: Any,
    subject: str = "employee_id",
    rater: str = "rater_id",
    score: str = "score",
    role: str = "rater_role",
    indicator: str = "indicator",
    *,
    reference: str = "atasan",
    alpha: float = 0.05,
    confidence: float = 0.95,
    level: float | None = None,
) -> RaterTable:
    """Self-vs-atasan and peer-vs-atasan gaps: each rater's scores minus the atasan's.

    Parameters
    ----------
    df
        Long table with a role column; the reference role and the others must score the
        same employees and indicators.
    subject, rater, score, role, indicator
        Column names.
    reference
        The role everyone is compared with (``"atasan"``).
    alpha, confidence
        False discovery rate for ``flag``; coverage of the intervals (``level`` is the
        deprecated name of ``confidence``).

    Returns
    -------
    RaterTable
        One row per non-reference rater: ``rater_id, rater_role, n_ratees, gap, se,
        ci_low, ci_high, t, pval, qval, flag``. ``.summary()``: one row per role with
        ``n_raters, gap`` (mean over raters), ``se, ci_low, ci_high``.

    Notes
    -----
    For every rating of a non-reference rater the gap is its score minus the mean
    reference score of the same employee and indicator; a rater's ``gap`` is the mean
    over their ratees of their mean gap, tested with a one-sample t test across ratees.
    A self-rater has one ratee (themselves), so their row has no test; read the role
    summary instead (the typical self-inflation). A positive peer gap is peer
    leniency *or* atasan severity: the gap cannot say which.

    Examples
    --------
    >>> import workbench as wb
    >>> r = wb.read_sample("kota_contoh").ratings
    >>> values = r[(r["period"] == "2025") & r["indicator"].isin(wb.data.synth.BERAKHLAK)]
    >>> g = role_gaps(values)
    >>> s = g.summary().set_index("rater_role")
    >>> bool(s.loc["diri", "gap"] > s.loc["rekan", "gap"])
    True
    """
    confidence = renamed("role_gaps", "level", "confidence", level, confidence, default=0.95)
    check_level(alpha, "alpha")
    check_level(confidence, "confidence")
    check_columns(df, {"subject": subject, "rater": rater, "score": score, "role": role,
                       "indicator": indicator}, "role_gaps")
    reject_infinite(df, score, "role_gaps")
    part = to_pandas(df[[subject, rater, role, indicator, score]]).dropna(subset=[score])
    part = part.assign(**{role: part[role].astype(str)})
    is_ref = part[role] == reference
    if not is_ref.any():
        raise DataContractError(
            f"`role_gaps`: no rows with {role} == {reference!r}; roles present: "
            f"{sorted(part[role].unique())}. Pass reference= one of them."
        )
    ref = part[is_ref].groupby([subject, indicator], observed=True)[score].mean().rename("_ref")
    other = part[~is_ref].join(ref, on=[subject, indicator]).dropna(subset=["_ref"])
    other["_gap"] = other[score] - other["_ref"]
    cell = other.groupby([rater, role, subject], observed=True)["_gap"].mean().reset_index()
    g = cell.groupby([rater, role], observed=True)["_gap"].agg(["mean", "std", "count"])
    g = g.reset_index()
    n = g["count"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.where(n >= 2, g["std"].to_numpy(float) / np.sqrt(n), np.nan)
        tstat = g["mean"].to_numpy(float) / se
    crit = stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1))
    pval = np.where(np.isfinite(tstat), 2 * stats.t.sf(np.abs(tstat), np.maximum(n - 1, 1)), np.nan)
    table = pd.DataFrame({
        "rater_id": g[rater].astype(str).to_numpy(), "rater_role": g[role].astype(str).to_numpy(),
        "n_ratees": n.astype(np.int64), "gap": g["mean"].to_numpy(float), "se": se,
        "ci_low": g["mean"].to_numpy(float) - crit * se,
        "ci_high": g["mean"].to_numpy(float) + crit * se, "t": tstat, "pval": pval,
    })
    table = _flag(table, alpha)
    summ = table.groupby("rater_role")["gap"].agg(["mean", "std", "count"]).reset_index()
    sn = summ["count"].to_numpy(float)
    s_se = summ["std"].to_numpy(float) / np.sqrt(sn)
    s_crit = stats.t.ppf(0.5 + confidence / 2, np.maximum(sn - 1, 1))
    summary = pd.DataFrame({
        "rater_role": summ["rater_role"], "n_raters": sn.astype(np.int64),
        "gap": summ["mean"], "se": s_se, "ci_low": summ["mean"] - s_crit * s_se,
        "ci_high": summ["mean"] + s_crit * s_se,
    })
    return RaterTable(f"Gap to {reference} (score units)", table, (), summary_frame=summary,
                      parameters={"reference": reference, "alpha": alpha, "confidence": confidence},
                      _data=df)


def drift(
    df: Any,
    subject: str = "employee_id",
    rater: str = "rater_id",
    score: str = "score",
    period: str = "period",
    *,
    periods: list[str] | None = None,
    alpha: float = 0.05,
) -> RaterTable:
    """Drift: the trend of a rater's scores of the same employees across periods.

    Parameters
    ----------
    df
        Long table with the same rater scoring the same employees in several periods
        (e.g. the quarterly ``hasil_kerja`` / ``perilaku_kerja`` ratings).
    subject, rater, score, period
        Column names.
    periods
        The periods to use, in time order. Default: all, sorted as strings (right for
        ``2025-Q1 .. 2025-Q4`` or ``2025-01 .. 2025-12``; do not mix a year with its
        quarters).
    alpha
        False discovery rate for ``flag``.

    Returns
    -------
    RaterTable
        One row per rater: ``rater_id, n_ratees, n_periods, slope`` (score units per
        period step, beyond the city-wide trend), ``se, t, df, pval, qval, flag``
        (``se`` from the larger of the rater's own and the pooled residual variance).

    Notes
    -----
    Scores are first averaged per rater, employee and period and centred on the
    period's mean over all raters (so a city-wide change is not drift). Within each
    rater-employee pair the scores and the period index are centred (a fixed effect
    per pair: only changes for the *same* employee count), then the slope is the
    pooled within-pair regression per rater. Its standard error uses the larger of the
    rater's own residual variance and the variance pooled over all raters, and the
    t test the rater's own degrees of freedom. On 1-3 ratings a rater's own residuals
    are often all 0 (the same rating every quarter), which alone gave standard errors of
    1e-5 and flagged 17 % of raters on data without any drift; with the floor the flag
    rate on such data stays at or below ``alpha`` (tested on generated data). A real
    change in the employees' performance looks like drift; compare with objective
    indicators (IKI realisation) before concluding.

    Examples
    --------
    >>> import workbench as wb
    >>> r = wb.read_sample("kota_contoh").ratings
    >>> quarters = r[r["period"].str.contains("Q") & (r["indicator"] == "perilaku_kerja")]
    >>> d = drift(quarters)
    >>> int(d.to_frame()["n_periods"].max())
    4
    """
    check_level(alpha, "alpha")
    check_columns(df, {"subject": subject, "rater": rater, "score": score, "period": period},
                  "drift")
    reject_infinite(df, score, "drift")
    agg = to_pandas(df.groupby([rater, subject, period], observed=True)[score].mean())
    agg = agg.dropna().reset_index()
    agg[period] = agg[period].astype(str)
    order = sorted(agg[period].unique()) if periods is None else [str(p) for p in periods]
    pos = {p: i for i, p in enumerate(order)}
    agg = agg[agg[period].isin(pos)]
    if len(pos) < 2 or agg[period].nunique() < 2:
        raise DataContractError(
            f"`drift` needs at least 2 periods; the data have {agg[period].nunique()}. "
            "Pass the periodic (e.g. quarterly) ratings."
        )
    t = agg[period].map(pos).to_numpy(float)
    y = agg[score].to_numpy(float)
    y = y - agg.groupby(period)[score].transform("mean").to_numpy(float)
    pair = pd.factorize(agg[rater].astype(str) + "\x1f" + agg[subject].astype(str))[0]
    cnt = np.bincount(pair).astype(float)
    tc = t - (np.bincount(pair, weights=t) / cnt)[pair]
    yc = y - (np.bincount(pair, weights=y) / cnt)[pair]
    rc, labels = pd.factorize(agg[rater].astype(str), sort=True)
    sxx = np.bincount(rc, weights=tc * tc)
    sxy = np.bincount(rc, weights=tc * yc)
    syy = np.bincount(rc, weights=yc * yc)
    n = np.bincount(rc).astype(float)
    pair_rater = np.zeros(pair.max() + 1, dtype=np.int64)
    pair_rater[pair] = rc
    n_pairs = np.bincount(pair_rater, minlength=len(labels)).astype(float)
    dof = n - n_pairs - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(sxx > 0, sxy / sxx, np.nan)
        rss = np.maximum(syy - np.nan_to_num(slope) * sxy, 0.0)
        own = np.where(dof > 0, rss / dof, np.nan)
    # pooled residual variance over every rater: one rater's few, discrete scores (the same
    # rating each quarter) must not give a standard error of ~0
    df_pool = float(np.sum(np.where(np.isfinite(slope), dof, 0.0)))
    pooled = float(np.sum(rss[np.isfinite(slope)]) / df_pool) if df_pool > 0 else np.nan
    var = np.fmax(own, pooled) if np.isfinite(pooled) else own
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.where((dof > 0) & (sxx > 0), np.sqrt(var / sxx), np.nan)
        tstat = slope / se
    pval = np.where(np.isfinite(tstat), 2 * stats.t.sf(np.abs(tstat), np.maximum(dof, 1)), np.nan)
    n_per = agg.groupby(agg[rater].astype(str))[period].nunique().reindex(labels).to_numpy()
    table = pd.DataFrame({
        "rater_id": labels.astype(str), "n_ratees": n_pairs.astype(np.int64),
        "n_periods": n_per.astype(np.int64), "slope": slope, "se": se, "t": tstat,
        "df": dof, "pval": pval,
    })
    table = _flag(table, alpha)
    return RaterTable("Drift (score units per period)", table, (),
                      parameters={"periods": order, "alpha": alpha}, _data=df)
