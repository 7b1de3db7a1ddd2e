"""Rater leniency and severity: a crossed two-way model that separates rater and employee.

:func:`rater_effects` estimates, for every rater, how much higher (leniency, +) or lower
(severity, -) they score than the people they rate deserve, where "deserve" is the
consensus of the *other* raters of the same employees. :func:`adjusted_scores` removes
the estimated rater effect from every score.

The model, fitted to the employee x rater cells (the mean of a rater's scores of one
employee; one observation per cell)::

    y_ij = a_i + b_j + e_ij,     b_j ~ N(0, tau2),   e_ij ~ N(0, sigma2)

with ``a_i`` a fixed effect per employee (it absorbs the grand mean), ``b_j`` a random
effect per rater. Employees are fixed on purpose: a lenient rater who happens to rate
strong employees is not confused with a good judge, whatever the distribution of true
performance. The rater effects are predicted by BLUP (shrunk towards 0 by
``lambda = sigma2 / tau2``), the variance components by Henderson's method III, which
needs only sufficient statistics. Everything is a sparse matrix product or a
conjugate-gradient solve; no Python loop runs over raters.

Examples
--------
>>> import workbench as wb
>>> ds = wb.read_sample("kota_contoh")
>>> r = ds.ratings
>>> perilaku = r[(r["period"] == "2025") & r["indicator"].isin(wb.data.synth.BERAKHLAK)]
>>> eff = rater_effects(perilaku)
>>> list(eff.to_frame().columns[:7])
['rater_id', 'leniency', 'se', 'ci_low', 'ci_high', 'n_ratings', 'flag']
>>> eff.tau2 > 0
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats
from scipy.sparse.csgraph import connected_components

from workbench._deprecation import renamed
from workbench.errors import DataContractError, ParameterError
from workbench.objectivity._common import (
    CellTable,
    bh_qvalues,
    cell_table,
    check_columns,
    check_level,
)
from workbench.objectivity._mixed import (
    Eigen,
    eigen,
    exact_diagonals,
    neumann_diagonals,
    posterior_effects,
    solve,
)
from workbench.results import ProvenanceMixin, frame_html

__all__ = ["EFFECT_COLUMNS", "RaterEffects", "adjusted_scores", "rater_effects"]

EFFECT_COLUMNS = [
    "rater_id", "leniency", "se", "ci_low", "ci_high", "n_ratings", "flag",
    "direction", "n_ratees", "leniency_raw", "z", "pval", "qval", "component",
    "estimable", "reason", "n_linked_ratees",
]
"""The columns of :meth:`RaterEffects.to_frame`, in order."""

EXACT_SE_LIMIT = 2000
"""Linked components of up to this many raters get exact standard errors and tests (an
eigen-decomposition per component); larger ones a second-order Neumann approximation."""


@dataclass(frozen=True, eq=False)
class RaterEffects(ProvenanceMixin):
    """Estimated leniency (+) / severity (-) of every rater, in score units.

    Attributes
    ----------
    table
        One row per rater, columns :data:`EFFECT_COLUMNS`.
    sigma2, tau2
        Residual (cell) variance and rater variance (Henderson III).
    n_components
        Connected components of the rater-employee graph that hold at least two raters.
    notes
        Plain-language remarks: unlinked raters, the standard-error method.
    """

    table: pd.DataFrame
    sigma2: float
    tau2: float
    n_components: int
    n_cells: int
    n_subjects: int
    n_raters: int
    se_method: str
    names: tuple[str, str, str] = ("employee_id", "rater_id", "score")
    notes: tuple[str, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict, repr=False)
    _data: Any = field(default=None, repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per rater: ``rater_id, leniency, se, ci_low, ci_high, n_ratings, flag,
        direction, n_ratees, leniency_raw, z, pval, qval, component``."""
        return self.table.copy()

    @property
    def flagged(self) -> pd.DataFrame:
        """Raters flagged as lenient or severe (FDR-controlled), most extreme first."""
        t = self.table[self.table["flag"]]
        return t.reindex(t["z"].abs().sort_values(ascending=False).index)

    def variance_components(self) -> pd.DataFrame:
        """``component, variance, share``: rater (tau2) and residual (sigma2)."""
        v = np.array([self.tau2, self.sigma2])
        total = v.sum()
        share = v / total if total > 0 else np.full(2, np.nan)
        return pd.DataFrame({"component": ["rater", "residual"], "variance": v, "share": share})

    def adjust(self, df: Any, rater: str | None = None, score: str | None = None) -> Any:
        """Return ``df`` with an ``adjusted_score`` column: score minus the rater's leniency.

        Raters without an estimate (no linkage, or not in the fitted data) are not
        adjusted. Adjusted scores are continuous and may leave the scale's range.
        """
        rater = rater or self.names[1]
        score = score or self.names[2]
        check_columns(df, {"rater": rater, "score": score}, "RaterEffects.adjust")
        shift = self.table.set_index("rater_id")["leniency"].fillna(0.0)
        effect = df[rater].astype(str).map(shift).fillna(0.0)
        return df.assign(adjusted_score=df[score] - effect)

    def _repr_html_(self) -> str:
        head = (f"<p>tau2 = {self.tau2:.4g}, sigma2 = {self.sigma2:.4g}; "
                f"{int(self.table['flag'].sum())} of {self.n_raters} raters flagged</p>")
        notes = "".join(f"<p>{n}</p>" for n in self.notes)
        return frame_html("Rater effects (leniency + / severity -)", self.flagged) + head + notes


def _diagonals(c: sp.csr_matrix, comp: np.ndarray, lam: float,
               eig: Eigen | None) -> tuple[dict[str, np.ndarray], str]:
    """Exact diagonals for components up to :data:`EXACT_SE_LIMIT` raters, else Neumann."""
    if eig is not None:
        return exact_diagonals(eig, lam), "exact"
    sizes = np.bincount(comp)
    big = sizes[comp] > EXACT_SE_LIMIT
    out = neumann_diagonals(c, comp, lam)
    small = np.flatnonzero(~big)
    if small.size:
        _, sub_comp = np.unique(comp[small], return_inverse=True)
        exact = exact_diagonals(eigen(c[small][:, small].tocsr(), sub_comp.ravel()), lam)
        for key in out:
            out[key][small] = exact[key]
    return out, "neumann-2"


def _fit(cells: CellTable, alpha: float, confidence: float, min_effect: float,
         min_ratees: int, vc_uncertainty: bool) -> dict[str, Any]:
    s, r, y = cells.subject, cells.rater, cells.mean
    ne, nr, m = cells.n_subjects, cells.n_raters, y.size
    n_i = np.bincount(s, minlength=ne).astype(float)
    n_j = np.bincount(r, minlength=nr).astype(float)
    # ratees a rater shares with another rater: the only ones that say anything about them
    n_linked = np.bincount(r, weights=(n_i[s] >= 2).astype(float), minlength=nr)
    resid_a = y - (np.bincount(s, weights=y, minlength=ne) / n_i)[s]
    rhs = np.bincount(r, weights=resid_a, minlength=nr)
    incid = sp.csr_matrix((np.ones(m), (s, r)), shape=(ne, nr))
    q = (incid.T @ sp.diags(1.0 / n_i) @ incid).tocsr()
    c_diag = n_j - q.diagonal()
    graph = sp.csr_matrix((np.ones(m), (s, ne + r)), shape=(ne + nr, ne + nr))
    n_comp, labels = connected_components(graph, directed=False)
    rater_comp = labels[ne:]
    linked = c_diag > 1e-12
    idx = np.flatnonzero(linked)
    q_sub = q[idx][:, idx].tocsr()
    n_sub = n_j[idx]
    c_sub = (sp.diags(n_sub) - q_sub).tocsr()

    def c_matvec(v: np.ndarray) -> np.ndarray:
        return n_sub * v - q_sub @ v

    raw = np.full(nr, np.nan)
    comp = np.zeros(0, dtype=np.int64)
    if idx.size:
        b = solve(c_matvec, rhs[idx], np.maximum(c_diag[idx], 1e-12))
        _, comp = np.unique(rater_comp[idx], return_inverse=True)
        comp = comp.ravel()
        b -= (np.bincount(comp, weights=b) / np.bincount(comp))[comp]
        raw[idx] = b
    reduction = float(np.nansum(raw * rhs))
    df_resid = m - ne - nr + n_comp
    if df_resid <= 0 or idx.size == 0:
        raise DataContractError(
            f"`rater_effects`: the data cannot separate raters from employees ({m} cells, "
            f"{ne} employees, {nr} raters, {idx.size} raters share a ratee with another "
            "rater). Each rater needs ratees who are also rated by other raters; use "
            "ratings from several raters per employee (peers, atasan, self)."
        )
    sigma2 = max((float(np.sum(resid_a**2)) - reduction) / df_resid, 1e-12)
    trace_c = float(np.sum(1.0 - 1.0 / n_i[s]))
    tau2 = max((reduction - (nr - n_comp) * sigma2) / trace_c, 0.0)
    lam = sigma2 / tau2 if tau2 > 0 else np.inf
    blup = np.full(nr, np.nan)
    se = np.full(nr, np.nan)
    z = np.full(nr, np.nan)
    shrink = np.full(nr, np.nan)
    exact = idx.size > 0 and int(np.bincount(comp).max()) <= EXACT_SE_LIMIT
    eig = eigen(c_sub, comp) if exact else None
    diag, se_method = _diagonals(c_sub, comp, lam, eig) if idx.size else ({}, "none")
    if np.isfinite(lam):
        blup[idx] = solve(lambda v: c_matvec(v) + lam * v, rhs[idx], c_diag[idx] + lam)
        sd0 = np.sqrt(sigma2 * diag["aca"])
        se[idx] = np.sqrt(sigma2 * diag["contrast"])
        shrink[idx] = 1.0 - lam * diag["a"]  # E[b_hat_j | b = m e_j] = shrink_j m
        with np.errstate(divide="ignore", invalid="ignore"):
            z[idx] = blup[idx] / sd0
            margin = shrink[idx] * min_effect / sd0
    else:
        # tau2 = 0: every BLUP is 0; the test of b_j = 0 is the limit lam -> inf of the
        # same statistic, the score test r_j / sqrt(sigma2 C_jj)
        blup[idx] = 0.0
        se[idx] = 0.0
        cd = c_diag[idx]
        z[idx] = rhs[idx] / np.sqrt(sigma2 * cd)
        margin = min_effect * np.sqrt(cd / sigma2)
    interval = "plug-in"
    if eig is not None and vc_uncertainty:
        post_mean, post_var, _ = posterior_effects(eig, rhs[idx], float(np.sum(resid_a**2)), m - ne)
        blup[idx] = post_mean
        se[idx] = np.sqrt(post_var)
        interval = "posterior"
    estimable = linked & (n_linked >= min_ratees)
    zi = z[idx]
    pval = np.full(nr, np.nan)
    tdist = stats.t(df_resid)
    pval[idx] = tdist.sf(np.abs(zi) - margin) + tdist.sf(np.abs(zi) + margin)
    pval[~estimable] = np.nan
    qval = bh_qvalues(pval)
    flag = np.nan_to_num(qval, nan=1.0) < alpha
    crit = float(tdist.ppf(0.5 + confidence / 2))
    comp_size = np.bincount(rater_comp[idx], minlength=n_comp)
    comp_ids = np.full(n_comp, -1)
    multi = np.flatnonzero(comp_size > 1)
    comp_ids[multi[np.argsort(-comp_size[multi], kind="stable")]] = np.arange(multi.size)
    return {
        "blup": blup, "se": se, "crit": crit, "raw": raw, "z": z, "pval": pval, "qval": qval,
        "flag": flag, "n_cells": n_j, "component": np.where(linked, comp_ids[rater_comp], -1),
        "sigma2": sigma2, "tau2": tau2, "se_method": se_method, "n_linked_comp": multi.size,
        "n_unlinked": int(nr - idx.size), "estimable": estimable, "n_linked": n_linked,
        "linked": linked, "df_resid": df_resid, "interval": interval,
    }


def _reasons(linked: np.ndarray, n_linked: np.ndarray, min_ratees: int) -> np.ndarray:
    """Why a rater's effect cannot be estimated ('' when it can)."""
    n = n_linked.astype(np.int64)
    few = np.char.add(np.char.add(n.astype(str), np.where(n == 1, " ratee", " ratees")),
                      f" shared with other raters; needs {min_ratees} to tell the rater's "
                      "tendency from their view of those employees")
    out = np.where(linked, np.where(n >= min_ratees, "", few),
                   "no ratee shared with another rater: leniency cannot be told from the "
                   "employees' merit")
    return out.astype(object)


def rater_effects(
    df: Any,
    subject: str = "employee_id",
    rater: str = "rater_id",
    score: str = "score",
    *,
    alpha: float = 0.05,
    confidence: float = 0.95,
    min_effect: float = 0.0,
    min_ratees: int = 2,
    vc_uncertainty: bool = True,
    level: float | None = None,
) -> RaterEffects:
    """Estimate each rater's leniency (+) or severity (-) in a crossed rater x employee model.

    Parameters
    ----------
    df
        Long table, one row per rating (pandas or Dask). Use scores on **one** scale
        (e.g. the BerAKHLAK values, 1-5); do not mix 1-3 ratings with 1-5 scores.
    subject, rater, score
        Column names of the employee, the rater and the score.
    alpha
        False discovery rate for ``flag`` (Benjamini-Hochberg over all linked raters).
    confidence
        Coverage of ``ci_low, ci_high`` (``level`` is its deprecated name).
    min_effect
        Smallest leniency worth flagging, in score units (>= 0). ``0`` tests "the
        rater's effect is 0"; e.g. ``0.3`` tests "the effect is larger than 0.3 in
        size" (an interval null), so that raters with a real but negligible effect are
        not flagged. See Notes.
    min_ratees
        Fewest ratees shared with other raters for an effect to be reported (default 2).
        A rater below it (e.g. a self-rater, or a peer who rated one colleague) is kept in
        the model but reported as not estimable, with the reason.
    vc_uncertainty
        Average ``leniency`` and its interval over the uncertainty of the variance ratio
        ``tau2 / sigma2`` (default; see Notes). ``False`` gives the plug-in BLUP and its
        plug-in interval at the moment estimates.

    Returns
    -------
    RaterEffects
        ``.to_frame()``: one row per rater with ``rater_id``; ``leniency`` (the shrunk
        estimate, score units; + = scores higher than the other raters of the same
        employees; see Notes); ``se`` (its posterior / prediction-error SD, relative to
        the component's mean); ``ci_low, ci_high``; ``n_ratings``
        (rows); ``flag`` (significant after FDR control); ``direction`` (``lenient``,
        ``severe`` or ``""``); ``n_ratees`` (cells); ``leniency_raw`` (the unshrunk
        fixed-effects estimate); ``z, pval, qval``; ``component`` (linked component,
        0 = the largest; -1 = not linked, leniency NaN); ``estimable`` (False: leniency,
        interval and test are NaN and ``flag`` is False); ``reason`` (why not, else "");
        ``n_linked_ratees`` (ratees also rated by another rater).

    Notes
    -----
    **Which statistic when.** Use ``leniency`` (shrunk) to rank raters or to adjust
    scores: it has the smallest error and does not exaggerate raters with few
    ratings. Use ``flag`` to decide whom to talk to: it is a test of "this rater's
    effect is 0" with the false discovery rate held at ``alpha``. ``leniency_raw`` is
    the classic fixed-effects estimate, unbiased but noisy for raters with few ratees.

    **Model and assumptions.** Cells ``y_ij`` (a rater's mean score of one employee)
    follow ``y_ij = a_i + b_j + e_ij`` with employee fixed effects ``a_i``, rater
    effects ``b_j ~ N(0, tau2)`` and independent errors of equal variance. The effect of
    a rater is assumed the same for all their ratees and indicators (use
    :func:`~workbench.objectivity.tendencies.spread` and
    :func:`~workbench.objectivity.tendencies.halo` for other tendencies). ``tau2`` and
    ``sigma2`` come from Henderson's method III (the reduction in sums of squares due to
    raters after employees); ``b`` is predicted by BLUP with ``lambda = sigma2/tau2``.
    The flag's test divides the BLUP by its exact standard deviation under "no rater
    effects", ``sqrt(sigma2 [A C A]_jj)`` with ``A = (C + lambda I)^-1``; on a complete
    design this is exactly the fixed-effects t of OLS with employee and rater dummies
    (for any ``lambda``), referred to the t distribution with the residual degrees of
    freedom. When ``tau2`` is estimated as 0 the BLUPs are 0 and the test is its limit,
    the score test ``r_j / sqrt(sigma2 C_jj)``. A CI that excludes 0 is not the same as
    ``flag`` (which also corrects for testing many raters).

    **Uncertainty of the variance ratio.** A plug-in interval takes ``lambda`` as known;
    on sparse designs (atasan with four ratees, peers with one to three) ``tau2`` is
    poorly determined and plug-in intervals covered 86-91 % instead of 95 % in
    simulations (0 % when the moment estimate of ``tau2`` was 0). By default
    (``vc_uncertainty=True``) ``leniency`` and its interval average the BLUP over the
    posterior of ``rho = tau2 / sigma2``: the exact restricted likelihood from one
    eigen-decomposition per linked component, ``sigma2`` integrated out, a flat prior on
    ``rho``; the variance adds the spread of the BLUP across ``rho`` (law of total
    variance). With a well-determined ``tau2`` this is the BLUP and its PEV. Seeded
    simulations from the model (tests/test_objectivity_effects_inference.py): 95 %
    intervals cover 95.1 % (30 employees x 6 raters) and 94.5 % (e-Kinerja design).

    **Significant is not the same as important.** In real data every rater has *some*
    effect. With many ratees a test of "exactly 0" flags raters whose effect is real
    but small (0.2 on a 1-5 scale). For a shortlist for rater training set
    ``min_effect`` to the smallest effect that matters; the p-value is then that of the
    interval null ``|b_j| <= min_effect`` (evaluated at its boundary).

    **Linkage.** A rater's effect can only be told apart from their employees' merit
    through employees they share with other raters. Leniency is *relative to the other
    raters of the same linked component* of the rater-employee graph (each component's
    mean is 0): leniency shared by everyone (organisation-wide inflation) is invisible
    here, see :func:`~workbench.objectivity.leniency.organisation_leniency`. Raters in
    no component with another rater get NaN and a note. Estimates need roughly 8 or
    more ratees per rater, each also rated by others, to be reliable; with the usual
    2-4 ratees per peer rater expect wide intervals.

    **Standard errors.** Leniency is relative to the mean of the rater's component, so
    ``se`` is the prediction-error SD of ``b_j`` minus that mean: ``sigma2 *
    diag((C + lambda I)^-1) - tau2 / k`` (``C`` the rater information matrix after
    absorbing employees, ``k`` the raters of the component). The common mean itself is
    not identifiable and its variance (``tau2 / k``) is not part of any rater's error;
    leaving it in made intervals cover 99 % instead of 95 % on small designs. The
    diagonals are exact (one eigen-decomposition per linked component) for components of
    up to :data:`EXACT_SE_LIMIT` raters; above, second-order Neumann series (within
    10 % in checks).

    **Not estimable.** A rater whose ratees are not also rated by someone else
    (unlinked), or who shares fewer than ``min_ratees`` ratees with other raters,
    gets NaN and the reason: one rating cannot tell a tendency of the rater from their
    judgement of that one employee, and with one ratee the "effect" is that single
    rating's residual.

    References
    ----------
    Henderson, C. R. (1953). Estimation of variance and covariance components.
    *Biometrics*, 9(2), 226-252.
    Robinson, G. K. (1991). That BLUP is a good thing. *Statistical Science*, 6(1), 15-32.
    Benjamini, Y., & Hochberg, Y. (1995). Controlling the false discovery rate.
    *JRSS B*, 57(1), 289-300.

    Examples
    --------
    >>> import workbench as wb
    >>> ds = wb.read_sample("kota_contoh")
    >>> r = ds.ratings
    >>> values = r[(r["period"] == "2025") & r["indicator"].isin(wb.data.synth.BERAKHLAK)]
    >>> eff = rater_effects(values)
    >>> t = eff.to_frame()
    >>> bool((t.loc[t["flag"], "leniency"].abs() > 0.3).all())
    True
    >>> adjusted = eff.adjust(values)
    >>> "adjusted_score" in adjusted.columns
    True
    """
    confidence = renamed("rater_effects", "level", "confidence", level, confidence, default=0.95)
    check_level(alpha, "alpha")
    check_level(confidence, "confidence")
    if not min_effect >= 0:
        raise ParameterError(f"`min_effect` must be >= 0 (score units); got {min_effect!r}.")
    if int(min_ratees) < 1:
        raise ParameterError(f"`min_ratees` must be at least 1; got {min_ratees!r}.")
    cells = cell_table(df, subject, rater, score, "rater_effects")
    fit = _fit(cells, alpha, confidence, float(min_effect), int(min_ratees), bool(vc_uncertainty))
    n_ratings = np.bincount(cells.rater, weights=cells.count, minlength=cells.n_raters)
    est = fit["estimable"]
    blup = np.where(est, fit["blup"], np.nan)
    se = np.where(est, fit["se"], np.nan)
    z = np.where(est, fit["z"], np.nan)
    direction = np.where(fit["flag"], np.where(fit["z"] > 0, "lenient", "severe"), "")
    table = pd.DataFrame({
        "rater_id": cells.rater_labels.astype(str),
        "leniency": blup,
        "se": se,
        "ci_low": blup - fit["crit"] * se,
        "ci_high": blup + fit["crit"] * se,
        "n_ratings": n_ratings.astype(np.int64),
        "flag": fit["flag"],
        "direction": direction,
        "n_ratees": fit["n_cells"].astype(np.int64),
        "leniency_raw": np.where(est, fit["raw"], np.nan),
        "z": z,
        "pval": fit["pval"],
        "qval": fit["qval"],
        "component": fit["component"].astype(np.int64),
        "estimable": est,
        "reason": _reasons(fit["linked"], fit["n_linked"], int(min_ratees)),
        "n_linked_ratees": fit["n_linked"].astype(np.int64),
    })[EFFECT_COLUMNS]
    notes = []
    n_few = int((fit["linked"] & ~est).sum())
    if n_few:
        notes.append(
            f"{n_few} rater(s) share fewer than {int(min_ratees)} ratees with other raters: "
            "not estimable (NaN, never flagged); see the reason column.")
    if fit["n_unlinked"]:
        notes.append(
            f"{fit['n_unlinked']} rater(s) share no ratee with another rater (component -1): "
            "their leniency cannot be separated from their employees' merit and is NaN."
        )
    if fit["n_linked_comp"] > 1:
        notes.append(
            f"The raters fall into {fit['n_linked_comp']} separate linked components; "
            "leniency is relative to the raters of the same component only."
        )
    if fit["tau2"] == 0:
        notes.append("The moment estimate of the rater variance is 0 (tau2 = 0): the test of "
                     "each rater is the score test of b_j = 0"
                     + ("; leniency and intervals average over the variance ratios the data "
                        "allow." if fit["interval"] == "posterior" else "; every leniency is 0."))
    if vc_uncertainty and fit["interval"] != "posterior":
        notes.append("Intervals are plug-in (the variance ratio taken as known): a component "
                     f"has more than {EXACT_SE_LIMIT} raters.")
    if fit["se_method"] == "neumann-2":
        notes.append(f"A linked component has more than {EXACT_SE_LIMIT} raters: its standard "
                     "errors and tests use the second-order Neumann approximation.")
    return RaterEffects(
        table=table,
        sigma2=float(fit["sigma2"]),
        tau2=float(fit["tau2"]),
        n_components=int(fit["n_linked_comp"]),
        n_cells=int(cells.mean.size),
        n_subjects=cells.n_subjects,
        n_raters=cells.n_raters,
        se_method=fit["se_method"],
        names=(subject, rater, score),
        notes=tuple(notes),
        parameters={"subject": subject, "rater": rater, "score": score, "alpha": alpha,
                    "confidence": confidence, "min_effect": min_effect, "min_ratees": min_ratees,
                    "vc_uncertainty": vc_uncertainty},
        _data=df,
    )


def adjusted_scores(
    df: Any,
    subject: str = "employee_id",
    rater: str = "rater_id",
    score: str = "score",
    *,
    alpha: float = 0.05,
    min_effect: float = 0.0,
    min_ratees: int = 2,
) -> Any:
    """Return ``df`` with ``adjusted_score`` = score minus the rater's estimated leniency.

    A shortcut for ``rater_effects(df, ...).adjust(df)``; see :func:`rater_effects` for
    the model. Use adjusted scores in scoring or in the weighting laboratory to see
    what a rubric gives once rater leniency is taken out; unlinked raters keep their
    raw scores.

    Examples
    --------
    >>> import workbench as wb
    >>> r = wb.read_sample("kota_contoh").ratings
    >>> values = r[(r["period"] == "2025") & r["indicator"].isin(wb.data.synth.BERAKHLAK)]
    >>> out = adjusted_scores(values)
    >>> round(float(out["adjusted_score"].mean() - out["score"].mean()), 1)
    0.0
    """
    return rater_effects(df, subject, rater, score, alpha=alpha, min_effect=min_effect,
                         min_ratees=min_ratees).adjust(df)

