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
from scipy.linalg import lapack
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import LinearOperator, cg

from workbench.errors import DataContractError, ParameterError
from workbench.objectivity._common import (
    CellTable,
    bh_qvalues,
    cell_table,
    check_columns,
    check_level,
)
from workbench.results import Provenance, frame_html

__all__ = ["EFFECT_COLUMNS", "RaterEffects", "adjusted_scores", "rater_effects"]

EFFECT_COLUMNS = [
    "rater_id", "leniency", "se", "ci_low", "ci_high", "n_ratings", "flag",
    "direction", "n_ratees", "leniency_raw", "z", "pval", "qval", "component",
]
"""The columns of :meth:`RaterEffects.to_frame`, in order."""

EXACT_SE_LIMIT = 2000
"""Up to this many linked raters the standard errors use the exact inverse; above, an
approximation (second-order Neumann series, within a few per cent; see Notes)."""


@dataclass(frozen=True, eq=False)
class RaterEffects:
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

    @property
    def provenance(self) -> Provenance:
        """Where the result came from (see :class:`workbench.results.Provenance`)."""
        if "provenance" not in self._cache:
            self._cache["provenance"] = Provenance.build(self._data, parameters=self.parameters)
        return self._cache["provenance"]

    def _repr_html_(self) -> str:
        head = (f"<p>tau2 = {self.tau2:.4g}, sigma2 = {self.sigma2:.4g}; "
                f"{int(self.table['flag'].sum())} of {self.n_raters} raters flagged</p>")
        notes = "".join(f"<p>{n}</p>" for n in self.notes)
        return frame_html("Rater effects (leniency + / severity -)", self.flagged) + head + notes


def _solve(matvec: Any, rhs: np.ndarray, diag: np.ndarray) -> np.ndarray:
    """Jacobi-preconditioned conjugate gradients for a symmetric PSD operator."""
    n = rhs.size
    if n == 0:
        return rhs.copy()
    op = LinearOperator((n, n), matvec=matvec, dtype=np.float64)
    pre = LinearOperator((n, n), matvec=lambda v: v / diag, dtype=np.float64)
    x, info = cg(op, rhs, rtol=1e-10, atol=0.0, maxiter=20 * n + 1000, M=pre)
    if info > 0:  # pragma: no cover - not reached on linked designs
        raise DataContractError(
            "`rater_effects`: the solver did not converge; the rater-employee design is "
            "badly linked. Check the component column and drop weakly linked raters."
        )
    return np.asarray(x)


def _inverse_diagonal(a: sp.csr_matrix) -> tuple[np.ndarray, str]:
    """Diagonal of the inverse of a sparse SPD matrix: exact if small, else Neumann."""
    n = a.shape[0]
    if n <= EXACT_SE_LIMIT:
        chol, info = lapack.dpotrf(a.toarray(), lower=1)
        inv, info2 = lapack.dpotri(chol, lower=1)
        if info == 0 and info2 == 0:
            return np.diag(inv).copy(), "exact"
    d = a.diagonal()
    off = (a - sp.diags(d)).tocsr()
    off.data = off.data**2
    second = np.asarray(off @ (1.0 / d)).ravel() / d
    return (1.0 + second) / d, "neumann-2"


def _fit(cells: CellTable, alpha: float, level: float, min_effect: float) -> dict[str, Any]:
    s, r, y = cells.subject, cells.rater, cells.mean
    ne, nr, m = cells.n_subjects, cells.n_raters, y.size
    n_i = np.bincount(s, minlength=ne).astype(float)
    n_j = np.bincount(r, minlength=nr).astype(float)
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

    def c_matvec(v: np.ndarray) -> np.ndarray:
        return n_sub * v - q_sub @ v

    raw = np.full(nr, np.nan)
    if idx.size:
        b = _solve(c_matvec, rhs[idx], np.maximum(c_diag[idx], 1e-12))
        comp = rater_comp[idx]
        b -= (np.bincount(comp, weights=b, minlength=n_comp) / np.maximum(
            np.bincount(comp, minlength=n_comp), 1))[comp]
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
    blup = np.full(nr, np.nan)
    pev = np.full(nr, np.nan)
    se_method = "none"
    if tau2 > 0 and idx.size:
        lam = sigma2 / tau2
        blup[idx] = _solve(lambda v: c_matvec(v) + lam * v, rhs[idx], c_diag[idx] + lam)
        a = (sp.diags(n_sub + lam) - q_sub).tocsr()
        inv_diag, se_method = _inverse_diagonal(a)
        pev[idx] = sigma2 * inv_diag
        shrink = np.clip(1.0 - pev / tau2, 1e-12, None)
        sd0 = np.sqrt(pev * shrink)
        z = blup / sd0
        margin = shrink * min_effect / sd0
        pval = stats.norm.sf(np.abs(z) - margin) + stats.norm.sf(np.abs(z) + margin)
    else:
        blup[idx] = 0.0
        pev[idx] = 0.0
        z = np.where(linked, 0.0, np.nan)
        pval = np.where(linked, 1.0, np.nan)
    qval = bh_qvalues(pval)
    flag = np.nan_to_num(qval, nan=1.0) < alpha
    se = np.sqrt(pev)
    crit = stats.norm.ppf(0.5 + level / 2)
    comp_size = np.bincount(rater_comp[idx], minlength=n_comp)
    comp_ids = np.full(n_comp, -1)
    multi = np.flatnonzero(comp_size > 1)
    comp_ids[multi[np.argsort(-comp_size[multi], kind="stable")]] = np.arange(multi.size)
    return {
        "blup": blup, "se": se, "crit": crit, "raw": raw, "z": z, "pval": pval, "qval": qval,
        "flag": flag, "n_cells": n_j, "component": np.where(linked, comp_ids[rater_comp], -1),
        "sigma2": sigma2, "tau2": tau2, "se_method": se_method, "n_linked_comp": multi.size,
        "n_unlinked": int(nr - idx.size),
    }


def rater_effects(
    df: Any,
    subject: str = "employee_id",
    rater: str = "rater_id",
    score: str = "score",
    *,
    alpha: float = 0.05,
    level: float = 0.95,
    min_effect: float = 0.0,
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
    level
        Coverage of ``ci_low, ci_high``.
    min_effect
        Smallest leniency worth flagging, in score units (>= 0). ``0`` tests "the
        rater's effect is 0"; e.g. ``0.3`` tests "the effect is larger than 0.3 in
        size" (an interval null), so that raters with a real but negligible effect are
        not flagged. See Notes.

    Returns
    -------
    RaterEffects
        ``.to_frame()``: one row per rater with ``rater_id``; ``leniency`` (BLUP, score
        units; + = scores higher than the other raters of the same employees);
        ``se`` (root prediction-error variance); ``ci_low, ci_high``; ``n_ratings``
        (rows); ``flag`` (significant after FDR control); ``direction`` (``lenient``,
        ``severe`` or ``""``); ``n_ratees`` (cells); ``leniency_raw`` (the unshrunk
        fixed-effects estimate); ``z, pval, qval``; ``component`` (linked component,
        0 = the largest; -1 = not linked, leniency NaN).

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
    The flag's test divides the BLUP by its standard deviation under ``b_j = 0``,
    ``sqrt(PEV * (1 - PEV / tau2))``; on a balanced design this is the fixed-effects
    z-test. A CI that excludes 0 is therefore not the same as ``flag`` (which also
    corrects for testing many raters).

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

    **Standard errors.** ``PEV = sigma2 * diag((C + lambda I)^-1)``, with ``C`` the
    rater information matrix after absorbing employees. Up to :data:`EXACT_SE_LIMIT`
    linked raters the diagonal is exact (Cholesky); above, it uses the second-order
    Neumann series ``(1 + sum_k C_jk^2 / (D_j D_k)) / D_j``, which in checks stayed
    within 1-7 % below the exact value.

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
    check_level(alpha, "alpha")
    check_level(level, "level")
    if not min_effect >= 0:
        raise ParameterError(f"`min_effect` must be >= 0 (score units); got {min_effect!r}.")
    cells = cell_table(df, subject, rater, score, "rater_effects")
    fit = _fit(cells, alpha, level, float(min_effect))
    n_ratings = np.bincount(cells.rater, weights=cells.count, minlength=cells.n_raters)
    blup, se = fit["blup"], fit["se"]
    direction = np.where(fit["flag"], np.where(blup > 0, "lenient", "severe"), "")
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
        "leniency_raw": fit["raw"],
        "z": fit["z"],
        "pval": fit["pval"],
        "qval": fit["qval"],
        "component": fit["component"].astype(np.int64),
    })[EFFECT_COLUMNS]
    notes = []
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
        notes.append("No rater variance detected (tau2 = 0): every leniency is 0, none flagged.")
    if fit["se_method"] == "neumann-2":
        notes.append(f"More than {EXACT_SE_LIMIT} linked raters: standard errors use the "
                     "second-order Neumann approximation (slightly too small).")
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
                    "level": level, "min_effect": min_effect},
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
    return rater_effects(df, subject, rater, score, alpha=alpha, min_effect=min_effect).adjust(df)

