"""Which ratings enter the joint estimation of :func:`~workbench.objectivity.rasch_facets`,
and why the others do not (private).

The joint maximum-likelihood estimates exist only for elements with something to
estimate: :func:`prepare` removes, until nothing changes, employees with extreme scores
(measured afterwards), raters with a single ratee, with extreme scores only, unlinked
to other raters, or whose severity has no finite estimate (:func:`separated`), and
indicators with one category; then it numbers the disconnected subsets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog
from scipy.sparse.csgraph import connected_components

from workbench.objectivity._rasch_fit import _group_sum

__all__ = ["MIN_RATEES", "REASONS", "Prepared", "prepare", "recode", "separated"]

MIN_RATEES = 2

REASONS = {
    "extreme": "extreme scores only",
    "single": "single ratee",
    "unlinked": "unlinked",
    "nothing": "no usable ratings",
    "one_category": "one category only",
    "separated": "no finite estimate",
}


def recode(value: np.ndarray, group: np.ndarray, keep: np.ndarray,
           n_group: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Category codes 0..K_g-1 of the values observed in ``keep``, per group.

    Returns ``code`` (per rating; a value not observed in its group's kept ratings gets
    the code of the nearest observed value below, or 0), ``cat_values`` (groups x Kmax,
    NaN-padded) and ``n_cat`` per group.
    """
    levels = np.unique(value)
    vidx = np.searchsorted(levels, value)
    present = np.zeros((n_group, levels.size), dtype=bool)
    present[group[keep], vidx[keep]] = True
    rank = np.cumsum(present, axis=1) - 1
    code = np.maximum(rank[group, vidx], 0)
    n_cat = present.sum(axis=1)
    kmax = max(int(n_cat.max()), 1)
    cat_values = np.full((n_group, kmax), np.nan)
    g_idx, v_idx = np.nonzero(present)
    cat_values[g_idx, rank[g_idx, v_idx]] = levels[v_idx]
    return code, cat_values, n_cat


@dataclass
class Prepared:
    """The result of pruning: which ratings enter the joint estimation, and why not."""

    keep: np.ndarray            # per rating: in the core (estimation) set
    code: np.ndarray            # category code per rating (core categories)
    cat_values: np.ndarray      # groups x Kmax
    n_cat: np.ndarray           # per group
    rater_reason: np.ndarray    # "" = estimable
    item_reason: np.ndarray
    emp_extreme: np.ndarray     # +1 all top, -1 all bottom, 0 otherwise (core ratings)
    rater_subset: np.ndarray    # -1 = not in the core
    emp_subset: np.ndarray
    n_subsets: int


def prepare(emp: np.ndarray, rat: np.ndarray, item: np.ndarray, value: np.ndarray,
            group_of_item: np.ndarray, n_emp: int, n_rat: int, n_item: int) -> Prepared:
    """Prune extreme and non-estimable elements until the core set is stable."""
    n_group = int(group_of_item.max()) + 1
    group = group_of_item[item]
    keep = np.ones(emp.size, dtype=bool)
    rater_reason = np.full(n_rat, "", dtype=object)
    item_reason = np.full(n_item, "", dtype=object)
    emp_extreme = np.zeros(n_emp, dtype=np.int8)
    cells, cell_of = np.unique(emp.astype(np.int64) * n_rat + rat, return_inverse=True)
    cell_rat = (cells % n_rat).astype(np.int64)
    has_rating = np.bincount(rat, minlength=n_rat) > 0
    while True:
        code, cat_values, n_cat = recode(value, group, keep, n_group)
        k_top = n_cat[group] - 1
        top = keep & (code == k_top)
        bottom = keep & (code == 0)
        kf = keep.astype(float)
        cnt_e = _group_sum(emp, kf, n_emp)
        cnt_r = _group_sum(rat, kf, n_rat)
        cnt_i = _group_sum(item, kf, n_item)
        new_r = np.full(n_rat, "", dtype=object)
        new_i = np.full(n_item, "", dtype=object)
        one_cat = (cnt_i > 0) & (n_cat[group_of_item] <= 1)
        new_i[one_cat] = REASONS["one_category"]
        ext_i = (cnt_i > 0) & ~one_cat & ((_group_sum(item, top, n_item) == cnt_i)
                                          | (_group_sum(item, bottom, n_item) == cnt_i))
        new_i[ext_i] = REASONS["extreme"]
        top_e = _group_sum(emp, top, n_emp) == cnt_e
        bot_e = _group_sum(emp, bottom, n_emp) == cnt_e
        ext_e = (cnt_e > 0) & (top_e | bot_e)
        emp_extreme[ext_e] = np.where(top_e[ext_e], 1, -1)
        ext_r = (cnt_r > 0) & ((_group_sum(rat, top, n_rat) == cnt_r)
                               | (_group_sum(rat, bottom, n_rat) == cnt_r))
        new_r[ext_r] = REASONS["extreme"]
        kept_cells = np.bincount(cell_of, weights=kf, minlength=cells.size) > 0
        ratees = np.bincount(cell_rat, weights=kept_cells, minlength=n_rat)
        single = (cnt_r > 0) & (ratees < MIN_RATEES) & (new_r == "")
        new_r[single] = REASONS["single"]
        nothing = has_rating & (cnt_r == 0) & (rater_reason == "")
        new_r[nothing] = REASONS["nothing"]
        drop = (new_r[rat] != "") | (new_i[item] != "") | ext_e[emp]
        live = keep & ~drop
        comp, n_comp = _components(emp[live], rat[live], n_emp, n_rat)
        rat_comp = comp[n_emp:]
        live_r = _group_sum(rat[live], np.ones(int(live.sum())), n_rat) > 0
        size = np.bincount(rat_comp[live_r], minlength=n_comp)
        alone = live_r & (size[rat_comp] == 1)
        new_r[alone] = REASONS["unlinked"]
        changed = (new_r != "") & (rater_reason == "")
        changed_i = (new_i != "") & (item_reason == "")
        rater_reason[changed] = new_r[changed]
        item_reason[changed_i] = new_i[changed_i]
        new_keep = keep & (rater_reason[rat] == "") & (item_reason[item] == "") & (emp_extreme[emp] == 0)
        if np.array_equal(new_keep, keep):
            sep = separated(emp[keep], rat[keep], item[keep], code[keep], k_top[keep],
                            n_emp, n_rat, n_item) & (rater_reason == "")
            if not sep.any():
                break
            rater_reason[sep] = REASONS["separated"]
            new_keep = keep & (rater_reason[rat] == "")
        keep = new_keep
    comp, n_comp = _components(emp[keep], rat[keep], n_emp, n_rat)
    live_r = _group_sum(rat[keep], np.ones(int(keep.sum())), n_rat) > 0
    live_e = _group_sum(emp[keep], np.ones(int(keep.sum())), n_emp) > 0
    rat_comp = comp[n_emp:]
    size = np.bincount(rat_comp[live_r], minlength=n_comp)
    order = np.argsort(-size, kind="stable")
    relabel = np.full(n_comp, -1)
    relabel[order[size[order] > 0]] = np.arange(int((size > 0).sum()))
    rater_subset = np.where(live_r, relabel[rat_comp], -1)
    emp_subset = np.where(live_e, relabel[comp[:n_emp]], -1)
    return Prepared(keep=keep, code=code, cat_values=cat_values, n_cat=n_cat,
                    rater_reason=rater_reason, item_reason=item_reason,
                    emp_extreme=emp_extreme, rater_subset=rater_subset, emp_subset=emp_subset,
                    n_subsets=int((size > 0).sum()))


def separated(emp: np.ndarray, rat: np.ndarray, item: np.ndarray, code: np.ndarray,
              k_top: np.ndarray, n_emp: int, n_rat: int, n_item: int) -> np.ndarray:
    """Raters whose severity has no finite JML estimate (a separated, Guttman-like pattern).

    The joint MLE exists unless some direction ``d`` of the measures leaves every rating
    in an inner category unchanged and moves every rating in the top (bottom) category
    up (down). When the indicators are tied together by inner-category ratings, such
    a direction is constant on the components of the inner-rating graph, and it exists
    exactly when the digraph of the top and bottom ratings between those components is
    not strongly connected (Fischer, 1981). The raters outside the strong component with
    the most raters (in each connected piece) are returned. Otherwise a linear
    programme decides.
    """
    inner = (code > 0) & (code < k_top)
    items = np.unique(item)
    if items.size > 1:
        cells, cell_of = np.unique(emp[inner].astype(np.int64) * n_rat + rat[inner],
                                   return_inverse=True)
        g = sp.csr_matrix((np.ones(cell_of.size), (cell_of, cells.size + item[inner])),
                          shape=(cells.size + n_item,) * 2)
        lab = connected_components(g, directed=False)[1]
        if np.unique(lab[cells.size + items]).size > 1:
            return _separated_lp(emp, rat, item, code, k_top, n_emp, n_rat, n_item)
    labels, n_comp = _components(emp[inner], rat[inner], n_emp, n_rat)
    out = ~inner
    a, b = labels[emp[out]], labels[n_emp + rat[out]]
    top = code[out] == k_top[out]
    src, dst = np.where(top, b, a), np.where(top, a, b)   # edge x -> y: y >= x
    m = src != dst
    graph = sp.csr_matrix((np.ones(int(m.sum())), (src[m], dst[m])), shape=(n_comp, n_comp))
    n_scc, scc = connected_components(graph, directed=True, connection="strong")
    if n_scc == n_comp and not m.any():
        return np.zeros(n_rat, dtype=bool)
    weak = connected_components(graph, directed=True, connection="weak")[1]
    raters = np.unique(rat)
    r_scc = scc[labels[n_emp + raters]]
    r_weak = weak[labels[n_emp + raters]]
    count = np.bincount(r_scc, minlength=n_scc)
    order = np.lexsort((-count[r_scc], r_weak))
    first = np.r_[True, r_weak[order][1:] != r_weak[order][:-1]]
    main = np.full(int(weak.max()) + 1, -1)
    main[r_weak[order][first]] = r_scc[order][first]
    out_r = np.zeros(n_rat, dtype=bool)
    out_r[raters] = r_scc != main[r_weak]
    return out_r


def _separated_lp(emp: np.ndarray, rat: np.ndarray, item: np.ndarray, code: np.ndarray,
                  k_top: np.ndarray, n_emp: int, n_rat: int, n_item: int) -> np.ndarray:
    """The linear programme of :func:`separated` when the indicators are not tied."""
    kind = np.where(code == k_top, 1, np.where(code == 0, -1, 0))
    rows = np.unique(np.stack([emp, rat, item, kind], axis=1), axis=0)
    n = rows.shape[0]
    n_var = n_emp + n_rat + n_item
    a = sp.csr_matrix((np.tile([1.0, -1.0, -1.0], n),
                       (np.repeat(np.arange(n), 3),
                        np.stack([rows[:, 0], n_emp + rows[:, 1], n_emp + n_rat + rows[:, 2]],
                                 axis=1).ravel())), shape=(n, n_var))
    k = rows[:, 3]
    objective = -np.asarray(a.T @ k.astype(float)).ravel()
    res = linprog(objective, A_ub=a[k != 0].multiply(-k[k != 0][:, None]).tocsr(),
                  b_ub=np.zeros(int((k != 0).sum())), A_eq=a[k == 0], b_eq=np.zeros(int((k == 0).sum())),
                  bounds=(-1.0, 1.0), method="highs")
    out_r = np.zeros(n_rat, dtype=bool)
    if res.status != 0 or -res.fun <= 1e-7:
        return out_r
    d = np.round(res.x[n_emp:n_emp + n_rat], 6)
    raters = np.unique(rat)
    vals, counts = np.unique(d[raters], return_counts=True)
    out_r[raters] = d[raters] != vals[np.argmax(counts)]
    return out_r


def _components(emp: np.ndarray, rat: np.ndarray, n_emp: int, n_rat: int) -> tuple[np.ndarray, int]:
    """Connected components of the employee-rater graph (employees first, then raters)."""
    ones = np.ones(emp.size)
    graph = sp.csr_matrix((ones, (emp, n_emp + rat)), shape=(n_emp + n_rat,) * 2)
    n_comp, labels = connected_components(graph, directed=False)
    return labels, n_comp


