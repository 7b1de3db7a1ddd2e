"""From a fitted many-facet Rasch model to its tables (private; see ``rasch.py``).

:func:`estimate` runs the whole pipeline on integer-coded arrays: pruning
(:func:`~workbench.objectivity._rasch_prune.prepare`), JMLE, the bias correction, the
standard errors, the measures of the employees left out of the joint estimation, and the
fit statistics; :func:`tables` turns its output into the result's DataFrames.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats
from scipy.sparse.csgraph import connected_components

from workbench.errors import DataContractError
from workbench.objectivity import _rasch_fit as rf
from workbench.objectivity import _rasch_prune as rp
from workbench.objectivity._common import bh_qvalues

__all__ = [
    "CATEGORY_COLUMNS",
    "EMPLOYEE_COLUMNS",
    "FACET_COLUMNS",
    "INDICATOR_COLUMNS",
    "RATER_COLUMNS",
    "SUBSET_COLUMNS",
    "Estimate",
    "estimate",
    "expected_value",
]

RATER_COLUMNS = [
    "rater_id", "severity", "se", "ci_low", "ci_high", "leniency_points", "fair_average",
    "observed_average", "expected_average", "n_ratings", "n_ratees", "infit", "infit_z",
    "outfit", "outfit_z", "fit", "flag", "direction", "z", "pval", "qval", "estimable",
    "reason", "subset",
]
EMPLOYEE_COLUMNS = [
    "employee_id", "measure", "se", "ci_low", "ci_high", "fair_average", "observed_average",
    "n_ratings", "n_raters", "infit", "infit_z", "outfit", "outfit_z", "extreme",
    "rater_adjusted", "subset",
]
INDICATOR_COLUMNS = [
    "indicator", "difficulty", "se", "ci_low", "ci_high", "fair_average", "observed_average",
    "expected_average", "n_ratings", "infit", "infit_z", "outfit", "outfit_z", "estimable",
    "reason",
]
CATEGORY_COLUMNS = [
    "indicator", "category", "count", "percent", "average_measure", "expected_measure",
    "outfit", "threshold", "threshold_se", "disordered_threshold", "disordered_measure",
]
FACET_COLUMNS = [
    "facet", "n", "mean", "sd", "rmse", "adj_sd", "separation", "strata", "reliability",
    "chi2", "df", "pval",
]
SUBSET_COLUMNS = ["subset", "n_raters", "n_employees", "n_ratings"]

DIVERGED = 25.0
"""A rater or indicator measure (or half a threshold) beyond this many logits means the
joint MLE does not exist (a separation the pruning did not catch)."""

MIN_PRIOR_VAR = 1e-4
"""Floor of the estimated variance of the severities (``shrink=True``)."""

FEW_RATINGS = 10
"""Below this mean number of ratings per employee or per rater, a note warns that the
estimates are unstable (FACETS advises about 30 per element)."""


def expected_value(eta: np.ndarray, group: np.ndarray, cum: np.ndarray,
                   cat_values: np.ndarray) -> np.ndarray:
    """Expected score on the original scale, ``sum_k value_k P(k)``, per row."""
    p = rf.category_probs(eta, cum[group])
    return (p * np.nan_to_num(cat_values[group])).sum(axis=1)


@dataclass
class Estimate:
    """Every per-element array the tables need, on the full index sets."""

    theta: np.ndarray
    theta_se: np.ndarray
    alpha: np.ndarray
    alpha_se: np.ndarray
    delta: np.ndarray
    delta_se: np.ndarray
    tau: np.ndarray
    tau_se: np.ndarray
    prep: rp.Prepared
    core: rf.Core
    bias_factor: float
    se_method: str
    emp_used: np.ndarray       # per rating: used for the employee's measure
    emp_adjusted: np.ndarray   # per employee: measured with estimated rater severities
    per_element: tuple[float, float]  # mean ratings per core employee, per core rater
    z: np.ndarray              # per rater: the test statistic of severity = 0
    prior_sd: float            # the severities' prior sd (reported scale), NaN if fixed
    fits: dict[str, dict[str, np.ndarray]]
    p_core: np.ndarray
    eta_core: np.ndarray


def _check_item_links(emp: np.ndarray, rat: np.ndarray, item: np.ndarray,
                      n_emp: int, n_rat: int, n_item: int) -> None:
    for other, n_other, name in ((emp, n_emp, "employees"), (rat, n_rat, "raters")):
        g = sp.csr_matrix((np.ones(item.size), (other, n_other + item)),
                          shape=(n_other + n_item,) * 2)
        _, lab = connected_components(g, directed=False)
        if np.unique(lab[n_other:][np.bincount(item, minlength=n_item) > 0]).size > 1:
            raise DataContractError(
                "`rasch_facets`: the indicators fall into groups that share no "
                f"{name}, so their difficulties cannot be compared; fit each group of "
                "indicators separately (filter the `indicator` column).")


def estimate(emp: np.ndarray, rat: np.ndarray, item: np.ndarray, value: np.ndarray,
             group_of_item: np.ndarray, n_emp: int, n_rat: int, n_item: int, *,
             bias_correction: bool, shrink: bool, tol: float, max_iter: int) -> Estimate:
    """Prune, fit, correct, measure everyone and compute the fit statistics."""
    prep = rp.prepare(emp, rat, item, value, group_of_item, n_emp, n_rat, n_item)
    keep = prep.keep
    if not keep.any() or prep.n_subsets == 0:
        raise DataContractError(
            "`rasch_facets`: no rater can be estimated: every rater has a single ratee, only "
            "extreme scores, or shares no ratee with another rater (see the reasons with a "
            "larger table). Use ratings from several raters per employee (atasan and peers).")
    e_c, e_idx = np.unique(emp[keep], return_inverse=True)
    r_c, r_idx = np.unique(rat[keep], return_inverse=True)
    i_c, i_idx = np.unique(item[keep], return_inverse=True)
    _check_item_links(e_idx, r_idx, i_idx, e_c.size, r_c.size, i_c.size)
    n_cat = prep.n_cat
    st = rf.State(e_idx, r_idx, i_idx, prep.code[keep], group_of_item[i_c], n_cat,
                   e_c.size, r_c.size, i_c.size, prep.rater_subset[r_c])
    # start values: employees from their raw scores, thresholds from category counts
    kmax = st.valid.shape[1] + 1
    cnt = np.zeros((n_cat.size, kmax))
    np.add.at(cnt, (st.group, st.x.astype(int)), 1.0)
    with np.errstate(divide="ignore"):
        tau0 = np.where(st.valid, np.log((cnt[:, :-1] + 0.5) / (cnt[:, 1:] + 0.5)), 0.0)
    tau0 = np.where(st.valid, tau0 - (tau0 * st.valid).sum(1, keepdims=True)
                    / np.maximum(st.valid.sum(1, keepdims=True), 1), 0.0)
    top = (n_cat[st.group] - 1).astype(float)
    raw = rf._group_sum(e_idx, st.x, e_c.size)
    mx = rf._group_sum(e_idx, top, e_c.size)
    theta0 = np.log((raw + 0.5) / (mx - raw + 0.5))
    core = rf.jmle(st, theta0, np.zeros(r_c.size), np.zeros(i_c.size), tau0, tol, max_iter)
    per_emp = float(np.bincount(e_idx).mean())
    per_rat = float(np.bincount(r_idx).mean())
    if max(np.abs(core.tau).max(initial=0.0) / 2, np.abs(core.alpha).max(initial=0.0),
           np.abs(core.delta).max(initial=0.0)) > DIVERGED:
        raise DataContractError(
            "`rasch_facets`: the ratings are ordered too perfectly for the model to be "
            "estimated (a Guttman pattern: the measures and thresholds run off to infinity). "
            f"This happens with few ratings per element: here {per_emp:.1f} per employee and "
            f"{per_rat:.1f} per rater on average. Add ratings (more indicators, raters or "
            "periods in one table), or use the additive `rater_effects`.")
    factor = 1.0
    if bias_correction:  # Wright-Douglas (L - 1) / L for every facet, L = ratings per element
        for idx in (e_idx, r_idx, i_idx):
            length = float(np.bincount(idx).mean())
            factor *= (length - 1.0) / length if length > 1 else 1.0
    theta_se_c, alpha_se_c, delta_se_c, se_method = rf.standard_errors(st, core)
    z_c = core.alpha / alpha_se_c
    prior_sd = np.nan
    if shrink:  # empirical Bayes: the severities' true variance from the fixed-effects fit
        var = max(float(core.alpha.var() - np.mean(alpha_se_c ** 2)), MIN_PRIOR_VAR)
        st.set_prior(1.0 / var)
        core = rf.jmle(st, core.theta, core.alpha, core.delta, core.tau, tol, max_iter)
        theta_se_c, alpha_se_c, delta_se_c, se_method = rf.standard_errors(st, core)
        pev = alpha_se_c ** 2    # under H0 (severity 0) the shrunk estimate has this sd:
        z_c = core.alpha / np.sqrt(np.maximum(pev * (1.0 - pev / var), 1e-300))
        prior_sd = factor * np.sqrt(var)
    # back to the full index sets
    alpha = np.full(n_rat, np.nan)
    alpha_se = np.full(n_rat, np.nan)
    alpha[r_c], alpha_se[r_c] = core.alpha, alpha_se_c
    z = np.full(n_rat, np.nan)
    z[r_c] = z_c
    delta = np.full(n_item, np.nan)
    delta_se = np.full(n_item, np.nan)
    delta[i_c], delta_se[i_c] = core.delta, delta_se_c
    theta = np.full(n_emp, np.nan)
    theta_se = np.full(n_emp, np.nan)
    theta[e_c], theta_se[e_c] = core.theta, theta_se_c
    # employees left out of the joint estimation: extreme scores, or no estimable rater
    item_ok = ~np.isnan(delta)
    rat_ok = ~np.isnan(alpha)
    est_rating = item_ok[item] & rat_ok[rat]
    has_est = np.bincount(emp, weights=est_rating, minlength=n_emp) > 0
    emp_used = keep.copy()
    emp_adjusted = np.isin(np.arange(n_emp), e_c)
    aside = np.isnan(theta)
    if aside.any():
        use = aside[emp] & item_ok[item] & np.where(has_est[emp], rat_ok[rat], True)
        emp_used |= use
        emp_adjusted |= aside & has_est
        codes = prep.code[use]
        e_u = emp[use]
        g_u = group_of_item[item[use]]
        top_u = (n_cat[g_u] - 1).astype(float)
        raw_u = rf._group_sum(e_u, codes.astype(float), n_emp)
        mx_u = rf._group_sum(e_u, top_u, n_emp)
        target = np.clip(raw_u, rf.EXTREME_ADJUST, np.maximum(mx_u - rf.EXTREME_ADJUST, 0))
        offset = np.nan_to_num(alpha[rat[use]]) + delta[item[use]]
        cum = rf.cumulative_thresholds(core.tau, n_cat)[g_u]
        start = np.log((target + 0.5) / (mx_u - target + 0.5))
        th, info = rf.measure_given(e_u, offset, cum, target, n_emp, start)
        measured = aside & (mx_u > 0)
        theta[measured] = th[measured]
        theta_se[measured] = 1.0 / np.sqrt(info[measured])
    # fit statistics on the core ratings, at the final estimates
    cum_core = rf.cumulative_thresholds(core.tau, n_cat)[st.group]
    eta_core = st.eta(core.theta, core.alpha, core.delta)
    p_core = rf.category_probs(eta_core, cum_core)
    fits = {
        "rater": _expand(rf.fit_stats(st.x, p_core, r_idx, r_c.size), r_c, n_rat),
        "item": _expand(rf.fit_stats(st.x, p_core, i_idx, i_c.size), i_c, n_item),
        "employee": _expand(rf.fit_stats(st.x, p_core, e_idx, e_c.size), e_c, n_emp),
    }
    ge = rf._at_least(p_core)[:, :st.valid.shape[1]]
    info_tau = np.zeros(st.valid.shape)
    np.add.at(info_tau, st.group, ge * (1.0 - ge))
    tau_se = np.where(st.valid, 1.0 / np.sqrt(np.maximum(info_tau, 1e-12)), np.nan)
    core_full = rf.Core(theta=theta, alpha=alpha, delta=delta, tau=core.tau,
                        iterations=core.iterations, converged=core.converged,
                        max_change=core.max_change, log_lik=core.log_lik)
    return Estimate(theta=theta, theta_se=theta_se, alpha=alpha, alpha_se=alpha_se,
                    delta=delta, delta_se=delta_se, tau=core.tau, tau_se=tau_se, prep=prep,
                    core=core_full, bias_factor=factor, se_method=se_method,
                    emp_used=emp_used, emp_adjusted=emp_adjusted,
                    per_element=(per_emp, per_rat), z=z, prior_sd=prior_sd, fits=fits,
                    p_core=p_core, eta_core=eta_core)


def _expand(fit: dict[str, np.ndarray], codes: np.ndarray, size: int) -> dict[str, np.ndarray]:
    out = {}
    for key, val in fit.items():
        full = np.full(size, np.nan)
        full[codes] = val
        out[key] = full
    return out


def separation(facet: str, measure: np.ndarray, se: np.ndarray) -> dict[str, Any]:
    """Separation, strata, reliability and the fixed (all same) chi-square of a facet."""
    ok = np.isfinite(measure) & np.isfinite(se) & (se > 0)
    m, s = measure[ok], se[ok]
    n = int(m.size)
    row: dict[str, Any] = {"facet": facet, "n": n}
    if n < 2:
        return row | {c: np.nan for c in FACET_COLUMNS[2:]}
    sd = float(m.std())
    rmse = float(np.sqrt(np.mean(s ** 2)))
    adj = float(np.sqrt(max(sd ** 2 - rmse ** 2, 0.0)))
    g = adj / rmse
    w = 1.0 / s ** 2
    chi2 = float((w * m ** 2).sum() - (w * m).sum() ** 2 / w.sum())
    return row | {"mean": float(m.mean()), "sd": sd, "rmse": rmse, "adj_sd": adj,
                  "separation": g, "strata": (4 * g + 1) / 3,
                  "reliability": adj ** 2 / sd ** 2 if sd > 0 else np.nan,
                  "chi2": chi2, "df": n - 1, "pval": float(stats.chi2.sf(chi2, n - 1))}


def rater_flags(severity: np.ndarray, z: np.ndarray, alpha: float) -> dict[str, np.ndarray]:
    """z-test of every estimable rater's severity against 0, with BH false discovery rate."""
    pval = 2 * stats.norm.sf(np.abs(z))
    qval = bh_qvalues(pval)
    flag = np.nan_to_num(qval, nan=1.0) < alpha
    direction = np.where(flag, np.where(severity > 0, "severe", "lenient"), "")
    return {"z": z, "pval": pval, "qval": qval, "flag": flag, "direction": direction}


def fit_label(fit: dict[str, np.ndarray], limits: tuple[float, float]) -> np.ndarray:
    """``"noisy"`` / ``"muted"`` / ``""`` from the mean squares and their z (|z| >= 2)."""
    lo, hi = limits
    noisy = ((fit["infit"] > hi) & (fit["infit_z"] >= 2)) | ((fit["outfit"] > hi) & (fit["outfit_z"] >= 2))
    muted = ((fit["infit"] < lo) & (fit["infit_z"] <= -2)) | ((fit["outfit"] < lo) & (fit["outfit_z"] <= -2))
    return np.where(noisy, "noisy", np.where(muted, "muted", ""))


def frame_from(columns: list[str], data: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame({c: data[c] for c in columns})[columns]


def _mean_over_items(eta_base: np.ndarray, est: Estimate, goi: np.ndarray, cum: np.ndarray,
                     cat_values: np.ndarray) -> np.ndarray:
    """Mean over the estimable indicators of E[score | eta_base - difficulty_i], per row."""
    items = np.flatnonzero(np.isfinite(est.delta))
    eta = eta_base[:, None] - est.delta[items][None, :]
    g = np.broadcast_to(goi[items][None, :], eta.shape)
    ev = expected_value(eta.ravel(), g.ravel(), cum, cat_values).reshape(eta.shape)
    return ev.mean(axis=1)


def tables(est: Estimate, e: np.ndarray, r: np.ndarray, i: np.ndarray, value: np.ndarray,
           goi: np.ndarray, e_lab: pd.Index, r_lab: pd.Index, i_lab: pd.Index, *,
           crit: float, alpha: float, fit_limits: tuple[float, float],
           model: str) -> tuple[dict[str, pd.DataFrame], dict[str, Any], list[str]]:
    """The result's tables, the maximum-likelihood scale for ``adjust`` and the notes."""
    prep, f = est.prep, est.bias_factor
    n_emp, n_rat, n_item = e_lab.size, r_lab.size, i_lab.size
    keep = prep.keep
    cum = rf.cumulative_thresholds(est.tau, prep.n_cat)
    cat_values = prep.cat_values
    g_core = goi[i[keep]]
    ev_core = (est.p_core * np.nan_to_num(cat_values[g_core])).sum(axis=1)
    v_core = value[keep]
    ones = np.ones(int(keep.sum()))

    def core_mean(index: np.ndarray, size: int, what: np.ndarray) -> np.ndarray:
        n = rf._group_sum(index, ones, size)
        with np.errstate(invalid="ignore", divide="ignore"):
            return rf._group_sum(index, what, size) / n

    core_emp = np.isfinite(est.theta) & (prep.emp_subset >= 0)
    theta_bar = float(est.theta[core_emp].mean())
    base = float(_mean_over_items(np.array([theta_bar]), est, goi, cum, cat_values)[0])
    # raters
    ok_r = np.isfinite(est.alpha)
    fair_r = np.full(n_rat, np.nan)
    fair_r[ok_r] = _mean_over_items(theta_bar - est.alpha[ok_r], est, goi, cum, cat_values)
    all_n_r = np.bincount(r, minlength=n_rat)
    obs_all_r = np.bincount(r, weights=value, minlength=n_rat) / np.maximum(all_n_r, 1)
    cells = np.unique(e.astype(np.int64) * n_rat + r)
    sev, sev_se = f * est.alpha, est.alpha_se
    fr = est.fits["rater"]
    flags = rater_flags(sev, est.z, alpha)
    raters = frame_from(RATER_COLUMNS, {
        "rater_id": r_lab.astype(str), "severity": sev, "se": sev_se,
        "ci_low": sev - crit * sev_se, "ci_high": sev + crit * sev_se,
        "leniency_points": fair_r - base, "fair_average": fair_r,
        "observed_average": np.where(ok_r, core_mean(r[keep], n_rat, v_core), obs_all_r),
        "expected_average": core_mean(r[keep], n_rat, ev_core),
        "n_ratings": all_n_r.astype(np.int64),
        "n_ratees": np.bincount((cells % n_rat).astype(np.int64), minlength=n_rat).astype(np.int64),
        **{k: fr[k] for k in ("infit", "infit_z", "outfit", "outfit_z")},
        "fit": fit_label(fr, fit_limits), **flags, "estimable": ok_r,
        "reason": prep.rater_reason.astype(str), "subset": prep.rater_subset.astype(np.int64),
    })
    # employees
    used = est.emp_used
    n_used = np.bincount(e[used], minlength=n_emp)
    emp_cells = np.unique(e[used].astype(np.int64) * n_rat + r[used])
    fe = est.fits["employee"]
    fair_e = np.full(n_emp, np.nan)
    ok_e = np.isfinite(est.theta)
    fair_e[ok_e] = _mean_over_items(est.theta[ok_e], est, goi, cum, cat_values)
    sub_e = prep.emp_subset.copy()
    rs = np.where(used, prep.rater_subset[r], -1)
    sub_e = np.maximum(sub_e, np.bincount(e, minlength=n_emp) * 0 - 1)
    np.maximum.at(sub_e, e, rs)
    th, th_se = f * est.theta, est.theta_se
    with np.errstate(invalid="ignore", divide="ignore"):
        obs_e = np.bincount(e[used], weights=value[used], minlength=n_emp) / n_used
    employees = frame_from(EMPLOYEE_COLUMNS, {
        "employee_id": e_lab.astype(str), "measure": th, "se": th_se,
        "ci_low": th - crit * th_se, "ci_high": th + crit * th_se, "fair_average": fair_e,
        "observed_average": obs_e, "n_ratings": n_used.astype(np.int64),
        "n_raters": np.bincount((emp_cells // n_rat).astype(np.int64), minlength=n_emp).astype(np.int64),
        **{k: fe[k] for k in ("infit", "infit_z", "outfit", "outfit_z")},
        "extreme": np.select([prep.emp_extreme > 0, prep.emp_extreme < 0], ["maximum", "minimum"], ""),
        "rater_adjusted": est.emp_adjusted, "subset": sub_e.astype(np.int64),
    })
    # indicators
    ok_i = np.isfinite(est.delta)
    fair_i = np.full(n_item, np.nan)
    items = np.flatnonzero(ok_i)
    fair_i[items] = expected_value(theta_bar - est.delta[items], goi[items], cum, cat_values)
    fi = est.fits["item"]
    dif, dif_se = f * est.delta, est.delta_se
    indicators = frame_from(INDICATOR_COLUMNS, {
        "indicator": i_lab.astype(str), "difficulty": dif, "se": dif_se,
        "ci_low": dif - crit * dif_se, "ci_high": dif + crit * dif_se, "fair_average": fair_i,
        "observed_average": core_mean(i[keep], n_item, v_core),
        "expected_average": core_mean(i[keep], n_item, ev_core),
        "n_ratings": np.bincount(i, minlength=n_item).astype(np.int64),
        **{k: fi[k] for k in ("infit", "infit_z", "outfit", "outfit_z")},
        "estimable": ok_i, "reason": prep.item_reason.astype(str),
    })
    categories = _categories(est, g_core, goi, i_lab, model)
    facets = pd.DataFrame([
        separation("employee", th[core_emp], th_se[core_emp]),
        separation("rater", sev, sev_se),
        separation("indicator", dif, dif_se),
    ])[FACET_COLUMNS]
    core_r = prep.rater_subset[r[keep]]
    subsets = pd.DataFrame({
        "subset": np.arange(prep.n_subsets),
        "n_raters": np.bincount(prep.rater_subset[prep.rater_subset >= 0], minlength=prep.n_subsets),
        "n_employees": np.bincount(prep.emp_subset[prep.emp_subset >= 0], minlength=prep.n_subsets),
        "n_ratings": np.bincount(core_r, minlength=prep.n_subsets),
    })[SUBSET_COLUMNS]
    scale = {
        "theta": pd.Series(est.theta, index=e_lab.astype(str)).dropna(),
        "alpha": pd.Series(est.alpha, index=r_lab.astype(str)).dropna(),
        "item_code": pd.Series(np.arange(n_item), index=i_lab.astype(str))[ok_i],
        "delta": est.delta, "group_of_item": goi, "cum": cum, "cat_values": cat_values,
    }
    notes = _notes(est, raters, employees, categories, value, i, goi, n_item, model)
    return ({"raters": raters, "employees": employees, "indicators": indicators,
             "categories": categories, "facets": facets, "subsets": subsets}, scale, notes)


def _categories(est: Estimate, g_core: np.ndarray, goi: np.ndarray, i_lab: pd.Index,
                model: str) -> pd.DataFrame:
    prep, f = est.prep, est.bias_factor
    kmax = prep.cat_values.shape[1]
    n_g = prep.n_cat.size
    code = prep.code[prep.keep]
    key = g_core * kmax + code
    size = n_g * kmax
    count = np.bincount(key, minlength=size)
    eta = f * est.eta_core
    k = np.arange(kmax, dtype=float)
    e_code = est.p_core @ k
    v = np.maximum(est.p_core @ (k * k) - e_code ** 2, 1e-12)
    z2 = (code - e_code) ** 2 / v
    with np.errstate(invalid="ignore", divide="ignore"):
        avg = np.bincount(key, weights=eta, minlength=size) / count
        outfit = np.bincount(key, weights=z2, minlength=size) / count
        pw = np.zeros((n_g, kmax))
        pe = np.zeros((n_g, kmax))
        np.add.at(pw, g_core, est.p_core)
        np.add.at(pe, g_core, est.p_core * eta[:, None])
        expected = (pe / pw).ravel()
    g_idx, c_idx = np.divmod(np.arange(size), kmax)
    valid = c_idx < prep.n_cat[g_idx]
    thr = np.full((n_g, kmax), np.nan)
    thr_se = np.full((n_g, kmax), np.nan)
    thr[:, 1:] = np.where(est.tau_se > 0, f * est.tau, np.nan)[:, :kmax - 1]
    thr_se[:, 1:] = est.tau_se[:, :kmax - 1]
    totals = np.bincount(g_core, minlength=n_g)
    label = np.full(n_g, "(all)", dtype=object)
    if model == "partial_credit":
        label[goi] = np.asarray(i_lab.astype(str))
    t = pd.DataFrame({
        "indicator": label[g_idx], "category": prep.cat_values.ravel(),
        "count": count.astype(np.int64),
        "percent": 100 * count / np.maximum(totals[g_idx], 1),
        "average_measure": avg, "expected_measure": expected, "outfit": outfit,
        "threshold": thr.ravel(), "threshold_se": thr_se.ravel(),
    })
    t = t[valid & (totals[g_idx] > 0)].reset_index(drop=True)
    prev_thr = t.groupby("indicator", sort=False)["threshold"].shift(1)
    prev_avg = t.groupby("indicator", sort=False)["average_measure"].shift(1)
    t["disordered_threshold"] = (t["threshold"] < prev_thr).fillna(False).astype(bool)
    t["disordered_measure"] = (t["average_measure"] <= prev_avg).fillna(False).astype(bool)
    return t[CATEGORY_COLUMNS]


def _notes(est: Estimate, raters: pd.DataFrame, employees: pd.DataFrame,
           categories: pd.DataFrame, value: np.ndarray, i: np.ndarray, goi: np.ndarray,
           n_item: int, model: str) -> list[str]:
    notes = []
    not_est = raters.loc[~raters["estimable"], "reason"].value_counts()
    if len(not_est):
        parts = ", ".join(f"{n} {reason}" for reason, n in not_est.items())
        notes.append(f"{int(not_est.sum())} rater(s) not estimable ({parts}): severity NaN, "
                     "their ratings left out of the joint estimation.")
    if est.prep.n_subsets > 1:
        notes.append(f"The design falls into {est.prep.n_subsets} disconnected subsets; "
                     "severities are centred within each subset and comparable across subsets "
                     "only if their average raters are equally severe.")
    n_ext = int((employees["extreme"] != "").sum())
    if n_ext:
        notes.append(f"{n_ext} employee(s) have extreme scores (all lowest or all highest "
                     f"category): measured with the raw score moved {rf.EXTREME_ADJUST} inward.")
    n_unadj = int((~employees["rater_adjusted"] & employees["measure"].notna()).sum())
    if n_unadj:
        notes.append(f"{n_unadj} employee(s) are rated only by non-estimable raters: measured "
                     "as if those raters were average (not rater-adjusted).")
    bad = categories[categories["disordered_threshold"] | categories["disordered_measure"]]
    if len(bad):
        where = ", ".join(f"{a} {b:g}" for a, b in zip(bad["indicator"], bad["category"], strict=True))
        notes.append(f"Disordered categories ({where}): a higher category is not a step up "
                     "everywhere on the scale; consider merging it with its neighbour.")
    thin = categories[categories["count"] < 10]
    if len(thin):
        notes.append(f"{len(thin)} category(ies) used fewer than 10 times: their thresholds are "
                     "imprecise.")
    if model == "rating_scale" and n_item > 1:
        lo = pd.Series(value).groupby(i).min()
        hi = pd.Series(value).groupby(i).max()
        if lo.nunique() > 1 or hi.nunique() > 1:
            notes.append("The indicators use different ranges of scores; if they are on "
                         "different scales, fit model='partial_credit' or one scale at a time.")
    per_emp, per_rat = est.per_element
    if min(per_emp, per_rat) < FEW_RATINGS:
        notes.append(f"Few ratings per element ({per_emp:.1f} per employee, {per_rat:.1f} per "
                     "rater on average): estimates this thin are unstable and the intervals "
                     "wide (FACETS advises about 30 per element).")
    if not est.core.converged:
        notes.append(f"Not converged: the largest change at the last iteration was "
                     f"{est.core.max_change:.2g} logits; raise max_iter.")
    if est.se_method != "exact":
        notes.append(f"More than {rf.DENSE_LIMIT} raters and indicators in one subset: standard "
                     f"errors are computed in blocks of {rf.BLOCK} raters (a few per cent too small).")
    return notes
