"""The numerical core of :func:`workbench.objectivity.rasch_facets` (private).

Joint maximum-likelihood (JMLE) estimation of the many-facet Rasch model

    log P(x = k) / P(x = k - 1) = theta_n - alpha_j - delta_i - tau_{g,k}

for ratings of employee ``n`` by rater ``j`` on item ``i`` (group ``g`` = one for the
rating-scale model, the item for the partial-credit model). Everything is computed per
rating in flat arrays and summed per element with ``np.bincount`` or a sparse matrix
product; no Python loop runs over employees or raters.

Each iteration takes one *joint* Newton step for employees, raters, items and
thresholds: the employee block of the information matrix is diagonal, so it is absorbed
and the step solves a sparse system in the other parameters (conjugate gradients), whose
rater-and-item part also gives the standard errors. It converges in 5-10 iterations
where element-by-element updates (FACETS) need hundreds on a sparse design. Which
ratings enter the estimation is decided first, in :mod:`._rasch_prune`.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.linalg import blas, lapack
from scipy.sparse.csgraph import reverse_cuthill_mckee
from scipy.sparse.linalg import LinearOperator, cg

from workbench.errors import DataContractError

try:
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover - a dependency; without it BLAS keeps its threads
    threadpool_limits = None

__all__ = [
    "BLOCK",
    "DENSE_LIMIT",
    "EXTREME_ADJUST",
    "Core",
    "State",
    "category_probs",
    "cumulative_thresholds",
    "fit_stats",
    "jmle",
    "measure_given",
    "standard_errors",
]

DENSE_LIMIT = 6000
"""Up to this many raters + items, standard errors use the exact pseudo-inverse."""

BLOCK = 1500
"""Raters per block of the blockwise standard errors (above :data:`DENSE_LIMIT`)."""

EXTREME_ADJUST = 0.3
"""Score points by which an extreme raw score is moved inward to measure it (FACETS)."""

BLAS_THREADS = 1
"""BLAS threads for the dense inverses of the standard errors (see ``_blas_threads``)."""

def _group_sum(index: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(index, weights=weights, minlength=size)


def cumulative_thresholds(tau: np.ndarray, n_cat: np.ndarray) -> np.ndarray:
    """``groups x Kmax`` cumulative thresholds, +inf for categories a group lacks."""
    g, s = tau.shape
    cum = np.concatenate([np.zeros((g, 1)), np.cumsum(tau, axis=1)], axis=1)
    cum[np.arange(s + 1)[None, :] >= n_cat[:, None]] = np.inf
    return cum


def category_probs(eta: np.ndarray, cum: np.ndarray) -> np.ndarray:
    """Category probabilities, ``len(eta) x Kmax``; ``cum`` is per rating (rows)."""
    k = np.arange(cum.shape[1])
    psi = eta[:, None] * k - cum
    psi -= psi.max(axis=1, keepdims=True)
    p = np.exp(psi)
    p /= p.sum(axis=1, keepdims=True)
    return p


@dataclass
class Core:
    """Estimates on the core (compact) index sets."""

    theta: np.ndarray
    alpha: np.ndarray
    delta: np.ndarray
    tau: np.ndarray
    iterations: int
    converged: bool
    max_change: float
    log_lik: float


class _Pattern:
    """A fixed sparsity pattern: sums values given per source entry into a sorted CSR."""

    def __init__(self, rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> None:
        key = rows.astype(np.int64) * shape[1] + cols
        uniq, self.inv = np.unique(key, return_inverse=True)
        self.indices = (uniq % shape[1]).astype(np.int64)
        counts = np.bincount(uniq // shape[1], minlength=shape[0])
        self.indptr = np.r_[0, np.cumsum(counts)].astype(np.int64)
        self.shape = shape
        self.n = uniq.size

    def matrix(self, values: np.ndarray) -> sp.csr_matrix:
        data = np.bincount(self.inv, weights=values, minlength=self.n)
        return sp.csr_matrix((data, self.indices, self.indptr), shape=self.shape)


class State:
    """The core ratings and everything that does not change during the iterations.

    The Newton system's parameters ``gamma`` are the raters, the items and the free
    thresholds (one column per group and step), employees being absorbed.
    """

    def __init__(self, emp, rat, item, code, group_of_item, n_cat, n_emp, n_rat, n_item,
                 rat_subset):
        self.emp, self.rat, self.item, self.x = emp, rat, item, code.astype(float)
        self.group_of_item, self.n_cat = group_of_item, n_cat
        self.n_emp, self.n_rat, self.n_item = n_emp, n_rat, n_item
        self.n_group = n_cat.size
        self.rat_subset = rat_subset
        self.n_sub = int(rat_subset.max()) + 1
        self.group = group_of_item[item]
        steps = max(int(n_cat.max()) - 1, 1)
        self.valid = np.arange(1, steps + 1)[None, :] < n_cat[:, None]
        self.tau_col = np.full(self.valid.shape, -1)
        self.tau_col[self.valid] = np.arange(int(self.valid.sum()))
        self.n_tau = int(self.valid.sum())
        self.ge_obs = (self.x[:, None] >= np.arange(1, steps + 1)[None, :]).astype(float)
        self.sub_size = np.bincount(rat_subset, minlength=self.n_sub).astype(float)
        first = np.full(self.n_sub, -1)
        order = np.argsort(rat_subset, kind="stable")
        sub_sorted = rat_subset[order]
        starts = np.flatnonzero(np.r_[True, sub_sorted[1:] != sub_sorted[:-1]])
        first[sub_sorted[starts]] = order[starts]
        anchors = np.zeros(n_rat + n_item + self.n_tau, dtype=bool)
        anchors[first] = True
        anchors[n_rat] = True
        anchors[n_rat + n_item + self.tau_col[self.valid[:, 0], 0]] = True
        self.anchors = anchors
        self.free = np.flatnonzero(~anchors)
        self.prior = 0.0

    def set_prior(self, precision: float) -> None:
        """A normal prior N(0, 1 / precision) on the severities (0: fixed effects). It makes
        the subsets' common shifts identified, so the raters need no anchor."""
        self.prior = float(precision)
        anchors = self.anchors.copy()
        if self.prior > 0:
            anchors[:self.n_rat] = False
        self.free = np.flatnonzero(~anchors)

    def eta(self, theta, alpha, delta):
        return theta[self.emp] - alpha[self.rat] - delta[self.item]

    def probs(self, theta, alpha, delta, tau):
        cum = cumulative_thresholds(tau, self.n_cat)[self.group]
        p = category_probs(self.eta(theta, alpha, delta), cum)
        ll = float(np.log(np.maximum(p[np.arange(p.shape[0]), self.x.astype(int)], 1e-300)).sum())
        return p, ll - 0.5 * self.prior * float(alpha @ alpha)

    def _patterns(self) -> None:
        """The sparsity patterns of ``B`` and ``H``, with or without thresholds."""
        n_r, n_i = self.n_rat, self.n_item
        e, a, i = self.emp, self.rat, n_r + self.item
        ok = self.valid[self.group]
        self.r_idx, self.h_idx = np.nonzero(ok)
        t = n_r + n_i + self.tau_col[self.group[self.r_idx], self.h_idx]
        pair = ok[:, :, None] & ok[:, None, :]
        self.r2, self.h1, self.h2 = np.nonzero(pair)
        g2 = self.group[self.r2]
        t1 = n_r + n_i + self.tau_col[g2, self.h1]
        t2 = n_r + n_i + self.tau_col[g2, self.h2]
        ra, ia = self.rat[self.r_idx], n_r + self.item[self.r_idx]
        self.pattern = {}
        for with_tau in (False, True):
            size = n_r + n_i + (self.n_tau if with_tau else 0)
            b_rows, b_cols = [e, e], [a, i]
            h_rows, h_cols = [a, i, a, i], [a, i, i, a]
            if with_tau:
                b_rows.append(self.emp[self.r_idx])
                b_cols.append(t)
                h_rows += [ra, t, ia, t, t1]
                h_cols += [t, ra, t, ia, t2]
            self.pattern[with_tau] = (
                _Pattern(np.concatenate(b_rows), np.concatenate(b_cols), (self.n_emp, size)),
                _Pattern(np.concatenate(h_rows), np.concatenate(h_cols), (size, size)))

    def absorbed(self, p: np.ndarray, thresholds: bool):
        """``B`` (employees x gamma), the absorbed information ``C`` and ``D_E``.

        With ``thresholds=False`` gamma holds the raters and items only (standard errors).
        """
        if not hasattr(self, "pattern"):
            self._patterns()
        with_tau = bool(thresholds and self.n_tau)
        _, v = _moments(p)
        d_e = _group_sum(self.emp, v, self.n_emp)
        b_vals, h_vals = [v, v], [v, v, v, v]
        if with_tau:
            ge = _at_least(p)[:, :self.valid.shape[1]]
            cov_u = _cov_steps(ge)                      # N x S x S
            w = cov_u.sum(axis=2)[self.r_idx, self.h_idx]  # Cov(k, u_h)
            b_vals.append(w)
            h_vals += [w, w, w, w, cov_u[self.r2, self.h1, self.h2]]
        pat_b, pat_h = self.pattern[with_tau]
        b = pat_b.matrix(np.concatenate(b_vals))
        h = pat_h.matrix(np.concatenate(h_vals))
        c = (h - b.T @ (b.multiply(1.0 / d_e[:, None])).tocsr()).tocsr()
        if self.prior > 0:
            n_r = self.n_rat
            c = (c + sp.diags(np.r_[np.full(n_r, self.prior), np.zeros(c.shape[0] - n_r)])).tocsr()
        return b, c, d_e

    def gradient(self, p: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Score of the (penalised) log-likelihood for the employees and for gamma."""
        if not hasattr(self, "pattern"):
            self._patterns()
        e, _ = _moments(p)
        res = self.x - e
        g_theta = _group_sum(self.emp, res, self.n_emp)
        ge = _at_least(p)[:, :self.valid.shape[1]]
        diff = (ge - self.ge_obs)[self.r_idx, self.h_idx]
        g_tau = np.bincount(self.tau_col[self.group[self.r_idx], self.h_idx], weights=diff,
                            minlength=self.n_tau)
        g_gamma = np.r_[-_group_sum(self.rat, res, self.n_rat) - self.prior * alpha,
                        -_group_sum(self.item, res, self.n_item), g_tau]
        return g_theta, g_gamma

    def centre(self, dg: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Split a gamma step into raters, items, thresholds, moved along the null space
        so that raters are centred per subset, items overall and thresholds per group."""
        n_r, n_i = self.n_rat, self.n_item
        da, dd = dg[:n_r], dg[n_r:n_r + n_i].copy()
        dtau = np.zeros(self.valid.shape)
        dtau[self.valid] = dg[n_r + n_i:]
        c = dtau.sum(axis=1) / np.maximum(self.valid.sum(axis=1), 1)
        dtau = np.where(self.valid, dtau - c[:, None], 0.0)
        dd += c[self.group_of_item]
        da = da - (np.bincount(self.rat_subset, weights=da, minlength=self.n_sub)
                   / self.sub_size)[self.rat_subset]
        return da, dd - dd.mean(), dtau


def _at_least(p: np.ndarray) -> np.ndarray:
    """``P(x >= h)`` for ``h = 1 .. Kmax - 1``."""
    return np.cumsum(p[:, ::-1], axis=1)[:, ::-1][:, 1:]


def _cov_steps(ge: np.ndarray) -> np.ndarray:
    """``Cov(u_h, u_h')`` of the step indicators ``u_h = [x >= h]``, per rating."""
    hi = np.maximum.outer(np.arange(ge.shape[1]), np.arange(ge.shape[1]))
    return ge[:, hi] - ge[:, :, None] * ge[:, None, :]


def _moments(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    k = np.arange(p.shape[1], dtype=float)
    e = p @ k
    v = np.maximum(p @ (k * k) - e * e, 1e-12)
    return e, v


def _solve_spd(a: sp.csr_matrix, rhs: np.ndarray) -> np.ndarray:
    """Solve a sparse symmetric positive definite system by Jacobi-preconditioned
    conjugate gradients (the matrix is a graph Laplacian of the raters plus a few dense
    rows: sparse LU fills in on well-linked designs, dense Cholesky costs n^3)."""
    n = rhs.size
    diag = np.maximum(a.diagonal(), 1e-300)
    pre = LinearOperator((n, n), matvec=lambda x: x / diag, dtype=np.float64)
    x, info = cg(a, rhs, rtol=1e-12, atol=0.0, maxiter=50 * n, M=pre)
    if info != 0:  # pragma: no cover - not reached on linked designs
        raise _singular()
    return np.asarray(x)


def _singular() -> DataContractError:
    return DataContractError(
        "`rasch_facets`: the design is not identified (the Newton system is singular); check "
        "that every indicator is rated by raters of every subset.")


def _newton_step(st: State, p: np.ndarray, alpha: np.ndarray, max_step: float = 2.0):
    """One joint Newton step for employees, raters, items and thresholds."""
    g_theta, g_gamma = st.gradient(p, alpha)
    b, c, d_e = st.absorbed(p, thresholds=True)
    rhs = g_gamma + b.T @ (g_theta / d_e)
    free = st.free
    dg = np.zeros(rhs.size)
    dg[free] = _solve_spd(c[free][:, free], rhs[free])
    da, dd, dtau = st.centre(dg)
    dt = (g_theta + b @ np.r_[da, dd, dtau[st.valid]]) / d_e
    big = max(float(np.abs(dt).max(initial=0.0)), float(np.abs(da).max(initial=0.0)),
              float(np.abs(dd).max(initial=0.0)), float(np.abs(dtau).max(initial=0.0)))
    scale = min(1.0, max_step / max(big, 1e-300))
    return dt * scale, da * scale, dd * scale, dtau * scale


def jmle(st: State, theta: np.ndarray, alpha: np.ndarray, delta: np.ndarray,
         tau: np.ndarray, tol: float, max_iter: int) -> Core:
    """Joint Newton steps (halved while the likelihood would fall) to convergence."""
    p, ll = st.probs(theta, alpha, delta, tau)
    change = np.inf
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        steps = _newton_step(st, p, alpha)
        for _ in range(30):
            dt, da, dd, dtau = steps
            p_new, ll_new = st.probs(theta + dt, alpha + da, delta + dd, tau + dtau)
            if ll_new >= ll - 1e-9 * abs(ll):
                break
            steps = tuple(x / 2 for x in steps)
        theta, alpha, delta, tau = theta + dt, alpha + da, delta + dd, tau + dtau
        p, ll = p_new, ll_new
        change = max(float(np.abs(x).max(initial=0.0)) for x in (dt, da, dd, dtau))
        if change < tol:
            break
    return Core(theta=theta, alpha=alpha, delta=delta, tau=tau, iterations=it,
                converged=bool(change < tol), max_change=change, log_lik=ll)


def measure_given(emp: np.ndarray, offset: np.ndarray, cum: np.ndarray, target: np.ndarray,
                  n_emp: int, start: np.ndarray, max_iter: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Employee measures that reproduce ``target`` raw scores (codes), all other facets known.

    ``offset`` is ``alpha_j + delta_i`` per rating and ``cum`` its cumulative thresholds.
    Returns the measures and the sum of the model variances (the information).
    """
    theta = start.astype(float).copy()
    info = np.zeros(n_emp)
    for _ in range(max_iter):
        p = category_probs(theta[emp] - offset, cum)
        e, v = _moments(p)
        info = _group_sum(emp, v, n_emp)
        step = np.clip((target - _group_sum(emp, e, n_emp)) / np.maximum(info, 1e-12), -1, 1)
        theta += step
        if np.abs(step).max(initial=0.0) < 1e-9:
            break
    return theta, info


def standard_errors(st: State, core: Core) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Joint standard errors of employees, raters and items (employees absorbed).

    The covariance of the centred (rater, item) estimates is the Moore-Penrose inverse
    of the absorbed information ``C``, and an employee's variance is
    ``1 / D_n + b_n' C+ b_n / D_n^2``. Exact (one dense inverse) up to
    :data:`DENSE_LIMIT` raters and items; above, blockwise: the raters are ordered by
    reverse Cuthill-McKee and cut into blocks of :data:`BLOCK` raters, and each block is
    inverted together with its raters two links away, which leaves out only the
    uncertainty of raters further away (in checks on designs of 5,000-8,000 raters the
    blockwise standard errors were 0-8 % below the exact ones).
    """
    p, _ = st.probs(core.theta, core.alpha, core.delta, core.tau)
    b, c, d_e = st.absorbed(p, thresholds=False)
    n_r, n_i = st.n_rat, st.n_item
    c = c.tocsr()
    blocks, method = _blocks(st, c[:n_r, :n_r])
    adj = (c[:n_r, :n_r] != 0).astype(np.float64).tocsr()
    block_of = np.empty(n_r, dtype=np.int64)
    for k, core_r in enumerate(blocks):
        block_of[core_r] = k
    owner = block_of[b.indices[b.indptr[:-1]]]       # the block of each employee's first rater
    var_g = np.full(n_r + n_i, np.nan)
    quad = np.zeros(st.n_emp)
    for k, core_r in enumerate(blocks):
        ext = np.zeros(n_r, dtype=bool)
        ext[core_r] = True
        if st.sub_size[st.rat_subset[core_r[0]]] > core_r.size:   # a part of a large subset
            ext |= adj @ ext > 0               # every co-rater of the block's employees
            grown = ext | (adj @ ext > 0)
            if grown.sum() <= 2 * BLOCK:
                ext = grown
        ext_r = np.flatnonzero(ext)
        idx = np.r_[ext_r, n_r + np.arange(n_i)]
        inv = _pseudo_inverse(c[idx][:, idx].toarray(order="F"), _null_basis(st, ext_r))
        local = np.full(n_r + n_i, -1)
        local[idx] = np.arange(idx.size)
        var_g[core_r] = np.diag(inv)[local[core_r]]
        if k == 0:  # the largest block
            var_g[n_r:] = np.diag(inv)[ext_r.size:]
        rows = np.flatnonzero(owner == k)
        sub = b[rows].tocsr()
        sub.indices = local[sub.indices]
        quad[rows] = _row_quadratic(sub, inv, off_diagonal=True)
        del inv
    b2 = b.copy()
    b2.data = b2.data ** 2
    quad += b2 @ np.nan_to_num(var_g)   # each variance from the block where it is central
    var_t = 1.0 / d_e + quad / d_e ** 2
    return (np.sqrt(var_t), np.sqrt(np.maximum(var_g[:n_r], 0)),
            np.sqrt(np.maximum(var_g[n_r:], 0)), method)


def _blocks(st: State, c_rr: sp.csr_matrix) -> tuple[list[np.ndarray], str]:
    """Rater blocks for :func:`standard_errors`, the largest first: all raters if they fit
    in :data:`DENSE_LIMIT`; else one block per subset that fits, and the larger subsets
    cut into :data:`BLOCK` raters along a reverse Cuthill-McKee order."""
    if st.n_rat + st.n_item <= DENSE_LIMIT:
        return [np.arange(st.n_rat)], "exact"
    order = reverse_cuthill_mckee(c_rr, symmetric_mode=True)
    blocks = []
    big = False
    for s in np.argsort(-st.sub_size, kind="stable"):
        members = order[st.rat_subset[order] == s]
        if members.size + st.n_item <= DENSE_LIMIT:
            blocks.append(members)
        else:
            big = True
            blocks.extend(np.array_split(members, int(np.ceil(members.size / BLOCK))))
    return blocks, "blockwise" if big else "exact"


def _null_basis(st: State, ext_r: np.ndarray) -> np.ndarray:
    """Orthonormal null vectors of ``C`` on (``ext_r`` raters + all items): the items'
    common shift and each subset that lies wholly inside ``ext_r`` (none under a prior)."""
    n_ext = ext_r.size
    subs = st.rat_subset[ext_r]
    inside = (np.bincount(subs, minlength=st.n_sub) == st.sub_size) & (st.prior == 0)
    whole = np.flatnonzero(inside)
    u = np.zeros((n_ext + st.n_item, whole.size + 1))
    col = np.full(st.n_sub, -1)
    col[whole] = np.arange(whole.size)
    sel = inside[subs]
    u[np.flatnonzero(sel), col[subs[sel]]] = 1.0 / np.sqrt(st.sub_size[subs[sel]])
    u[n_ext:, -1] = 1.0 / np.sqrt(st.n_item)
    return u


def _blas_threads() -> AbstractContextManager:
    """One BLAS thread for the dense inverses: on a machine shared with other work,
    OpenBLAS's waiting threads made them 5-7 times slower than a single thread."""
    if threadpool_limits is None:  # pragma: no cover
        return nullcontext()
    return threadpool_limits(limits=BLAS_THREADS, user_api="blas")


def _pseudo_inverse(c: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Lower triangle of ``C+ = (C + UU')^-1 - UU'`` (``U``: orthonormal null vectors of
    ``C``), computed in place in ``c`` (Cholesky, LAPACK); the upper triangle is junk."""
    with _blas_threads():
        m = blas.dsyrk(1.0, u, beta=1.0, c=c, lower=1, overwrite_c=1)
        chol, info = lapack.dpotrf(m, lower=1, clean=0, overwrite_a=1)
        inv, info2 = lapack.dpotri(chol, lower=1, overwrite_c=1)
    if info != 0 or info2 != 0:  # pragma: no cover - C + UU' is positive definite
        raise _singular()
    return blas.dsyrk(-1.0, u, beta=1.0, c=inv, lower=1, overwrite_c=1)


def _row_quadratic(b: sp.csr_matrix, m: np.ndarray, off_diagonal: bool = False) -> np.ndarray:
    """``b_n' M b_n`` for every row ``n`` of a sparse ``b``, from the pairs of its non-zeros
    (``M`` symmetric, read from its lower triangle); only the pairs ``a != b`` if
    ``off_diagonal``."""
    lens = np.diff(b.indptr)
    row_of = np.repeat(np.arange(b.shape[0]), lens)          # per non-zero
    reps = lens[row_of]
    first = np.repeat(np.arange(row_of.size), reps)           # per pair
    block = np.cumsum(reps) - reps
    second = b.indptr[row_of[first]] + np.arange(first.size) - np.repeat(block, reps)
    i, j = b.indices[first], b.indices[second]
    vals = b.data[first] * b.data[second] * m[np.maximum(i, j), np.minimum(i, j)]
    if off_diagonal:
        vals[first == second] = 0.0
    return np.bincount(row_of[first], weights=vals, minlength=b.shape[0])


def fit_stats(x: np.ndarray, p: np.ndarray, index: np.ndarray, size: int) -> dict[str, np.ndarray]:
    """Infit and outfit mean squares and their Wilson-Hilferty standardisations."""
    k = np.arange(p.shape[1], dtype=float)
    e, v = _moments(p)
    c4 = ((k[None, :] - e[:, None]) ** 4 * p).sum(axis=1)
    res2 = (x - e) ** 2
    n = _group_sum(index, np.ones(x.size), size)
    sum_v = _group_sum(index, v, size)
    with np.errstate(invalid="ignore", divide="ignore"):
        outfit = _group_sum(index, res2 / v, size) / n
        infit = _group_sum(index, res2, size) / sum_v
        q_out = np.sqrt(np.maximum(_group_sum(index, c4 / v ** 2, size) / n ** 2 - 1.0 / n, 1e-12))
        q_in = np.sqrt(np.maximum(_group_sum(index, c4 - v ** 2, size) / sum_v ** 2, 1e-12))
        z_out = (np.cbrt(outfit) - 1.0) * (3.0 / q_out) + q_out / 3.0
        z_in = (np.cbrt(infit) - 1.0) * (3.0 / q_in) + q_in / 3.0
    return {"infit": infit, "infit_z": z_in, "outfit": outfit, "outfit_z": z_out,
            "expected": _group_sum(index, e, size), "n": n}
