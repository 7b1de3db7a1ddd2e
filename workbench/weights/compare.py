"""Compare two rubrics (or two weight sets of one rubric, or two periods) on the same employees.

:func:`compare` joins two score tables on ``employee_id, period`` (or, for a before/after
across periods, on ``employee_id``) and reports how far the rankings agree (Spearman,
Kendall tau-b, top-k overlap), the predikat transition matrix (overall and per unit) and
the *movers*: the employees whose predikat changes, with what moved them (a dimension's
score, or a threshold of the rubric).

Examples
--------
>>> import pandas as pd
>>> a = pd.DataFrame({"employee_id": list("pqrs"), "period": "2025", "unit": ["U1", "U1", "U2", "U2"],
...                   "predikat": ["Baik", "Baik", "Sangat Baik", "Butuh Perbaikan"],
...                   "hasil": [2.0, 2, 3, 1]})
>>> b = a.assign(predikat=["Baik", "Sangat Baik", "Sangat Baik", "Baik"], hasil=[2.0, 3, 3, 2])
>>> cmp = compare(a, b)
>>> cmp.movers[["employee_id", "predikat_a", "predikat_b", "steps", "moved_by"]]
  employee_id       predikat_a   predikat_b  steps moved_by
0           q             Baik  Sangat Baik      1    hasil
1           s  Butuh Perbaikan         Baik      1    hasil
>>> int(cmp.transition_matrix().loc["Baik", "Sangat Baik"])
1
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from workbench.errors import ParameterError
from workbench.results import ProvenanceMixin, frame_html
from workbench.rubric._compiled import compile_rubric
from workbench.rubric.model import Rubric

__all__ = ["ALL_UNITS", "Comparison", "compare"]

ALL_UNITS = "(all)"
"""The ``unit`` value of the rows that pool every unit."""

_KNOWN_ORDER = ["Sangat Kurang", "Buruk", "Kurang/Misconduct", "Kurang", "Butuh Perbaikan", "Cukup",
                "Baik", "Sangat Baik"]
_NOT_DIMENSIONS = {"composite", "n_ratings", "rank", "value"}

AGREEMENT_COLUMNS = ["period", "n", "n_changed", "share_changed", "spearman", "kendall_tau_b", "top_k",
                     "top_k_overlap", "ranked_on"]
TRANSITION_COLUMNS = ["period", "unit", "predikat_a", "predikat_b", "count", "share", "row_share"]
MOVER_COLUMNS = ["employee_id", "period", "unit", "predikat_a", "predikat_b", "steps", "moved_by",
                 "moved_by_change", "composite_a", "composite_b"]


@dataclass(frozen=True, eq=False)
class Comparison(ProvenanceMixin):
    """Two score tables compared (see :func:`compare`).

    Attributes
    ----------
    rank_agreement
        One row per period: ``period, n, n_changed, share_changed, spearman, kendall_tau_b,
        top_k, top_k_overlap, ranked_on``.
    transitions
        Long table ``period, unit, predikat_a, predikat_b, count, share, row_share``; unit
        ``"(all)"`` pools the units; ``share`` is of the unit's employees, ``row_share`` of
        those with ``predikat_a``. Every pair of predikat appears (zeros included).
    movers
        ``employee_id, period, unit, predikat_a, predikat_b, steps, moved_by,
        moved_by_change, composite_a, composite_b``: the employees whose predikat changes;
        ``steps`` > 0 is an improvement (positions on each table's own scale, best first).
        ``moved_by`` is a dimension id (its score moved them; ``moved_by_change`` in
        pooled standard deviations, or the change of weighted contribution), or
        ``thresholds:<dimension id>`` / ``thresholds:bands`` (the same score, another
        threshold; ``moved_by_change`` is how far the threshold moved, in score units),
        ``matrix`` (the same categories, another matrix cell), ``(weights)`` or
        ``(rubric)`` when nothing finer can be said.
    predikat
        The predikat labels, best first (of ``scores_b``; ``predikat_a`` and
        ``predikat_b`` when the two rubrics use different labels).
    """

    rank_agreement: pd.DataFrame
    transitions: pd.DataFrame
    movers: pd.DataFrame
    predikat: tuple[str, ...]
    notes: tuple[str, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict, repr=False)
    _data: Any = field(default=None, repr=False)
    predikat_a: tuple[str, ...] = ()
    predikat_b: tuple[str, ...] = ()
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """The rank agreement, one row per period (see the class docstring)."""
        return self.rank_agreement.copy()

    def transition_matrix(self, period: str | None = None, unit: str = ALL_UNITS,
                          normalize: bool = False) -> pd.DataFrame:
        """Counts (or row shares) of ``predikat_a`` (rows) -> ``predikat_b`` (columns).

        ``period=None`` sums over all periods; rows and columns are best first.
        """
        t = self.transitions[self.transitions["unit"] == unit]
        if period is not None:
            t = t[t["period"] == period]
        if t.empty:
            raise ParameterError(f"No transitions for period={period!r}, unit={unit!r}.")
        rows = list(self.predikat_a or self.predikat)
        cols = list(self.predikat_b or self.predikat)
        m = t.pivot_table(index="predikat_a", columns="predikat_b", values="count", aggfunc="sum",
                          observed=False).reindex(index=rows, columns=cols)
        m = m.fillna(0).astype(np.int64)
        if normalize:
            return m.div(m.sum(axis=1).replace(0, np.nan), axis=0)
        return m

    def _provenance_data(self) -> Any:
        return self._data if self._data is not None else self.rank_agreement

    def _repr_html_(self) -> str:
        html = frame_html("Rank agreement", self.rank_agreement)
        html += frame_html("Transitions (all units, all periods)", self.transition_matrix().reset_index())
        html += frame_html(f"Movers ({len(self.movers)})", self.movers)
        return html


def _frame(scores: Any, name: str) -> pd.DataFrame:
    df = scores.to_frame() if hasattr(scores, "to_frame") and not isinstance(scores, pd.DataFrame) else scores
    if not isinstance(df, pd.DataFrame):
        raise ParameterError(f"`{name}` must be a Scores object or a DataFrame; got {type(scores).__name__}.")
    missing = [c for c in ("employee_id", "period", "predikat") if c not in df.columns]
    if missing:
        raise ParameterError(f"`{name}` lacks the column(s) {missing}; pass wb.score(...) or its to_frame().")
    return df.astype({"employee_id": str, "period": str})


def _order(s: pd.Series) -> list[str]:
    """One table's predikat labels, worst first."""
    if isinstance(s.dtype, pd.CategoricalDtype) and s.cat.ordered:
        cats = [str(c) for c in s.cat.categories]
        if set(map(str, s.dropna().unique())) <= set(cats):
            return cats
    seen = set(map(str, s.dropna().unique()))
    unknown = seen - set(_KNOWN_ORDER)
    if unknown:
        raise ParameterError(f"Cannot order the predikat {sorted(unknown)}; pass ordered categorical "
                             "`predikat` columns (as wb.score returns).")
    return [p for p in _KNOWN_ORDER if p in seen]


def _orders(a: pd.Series, b: pd.Series) -> tuple[list[str], list[str]]:
    """Worst-first labels of each table; one shared list when the labels are one scale."""
    oa, ob = _order(a), _order(b)
    if set(oa) <= set(ob):
        return ob, ob
    if set(ob) <= set(oa):
        return oa, oa
    union = set(oa) | set(ob)
    if union <= set(_KNOWN_ORDER) and not (isinstance(a.dtype, pd.CategoricalDtype)
                                           or isinstance(b.dtype, pd.CategoricalDtype)):
        merged = [p for p in _KNOWN_ORDER if p in union]
        return merged, merged
    return oa, ob


def _dimensions(a: pd.DataFrame, b: pd.DataFrame) -> list[str]:
    out = []
    for c in a.columns:
        if c in b.columns and c not in _NOT_DIMENSIONS and not str(c).startswith("indicator:") \
                and c not in ("employee_id", "period", "unit") \
                and pd.api.types.is_float_dtype(a[c]) and pd.api.types.is_float_dtype(b[c]):
            out.append(str(c))
    return out


def _dimension_weights(scores: Any) -> dict[str, float]:
    rubric = getattr(scores, "rubric", None)
    name = getattr(scores, "weights", "baseline")
    if rubric is None or getattr(rubric, "rule", "") != "bands":
        return {}
    ws = rubric.weights.get(name) if isinstance(name, str) else name
    return dict(getattr(ws, "dimensions", {}) or {})


def _select(a: pd.DataFrame, b: pd.DataFrame, period: Any) -> tuple[pd.DataFrame, pd.DataFrame, str | None,
                                                                   list[str]]:
    """Restrict to ``period`` and decide the join: on ``employee_id, period`` (same periods)
    or on ``employee_id`` alone (a before/after across two periods). Returns the tables,
    the across-period label (``"2024 -> 2025"``) or None, and notes."""
    pa, pb = sorted(a["period"].unique()), sorted(b["period"].unique())
    if period is not None and not isinstance(period, str | tuple | list):
        raise ParameterError(f"`period` must be a period, or a pair (before, after); got {period!r}.")
    if isinstance(period, tuple | list):
        if len(period) != 2:
            raise ParameterError(f"`period` as a pair must be (before, after); got {period!r}.")
        before, after = str(period[0]), str(period[1])
        for p, name, have in ((before, "scores_a", pa), (after, "scores_b", pb)):
            if p not in have:
                raise ParameterError(f"`{name}` has no period {p!r}; it has {have}.")
        a, b = a[a["period"] == before], b[b["period"] == after]
        return a, b, (None if before == after else f"{before} -> {after}"), []
    if period is not None:
        for name, have in (("scores_a", pa), ("scores_b", pb)):
            if period not in have:
                raise ParameterError(f"`{name}` has no period {period!r}; it has {have}.")
        return a[a["period"] == period], b[b["period"] == period], None, []
    if set(pa) & set(pb):
        notes = []
        if set(pa) != set(pb):
            notes.append(f"Only the periods in both tables are compared ({sorted(set(pa) & set(pb))}).")
        return a, b, None, notes
    if len(pa) == 1 and len(pb) == 1:
        return a, b, f"{pa[0]} -> {pb[0]}", [f"Before/after across periods: {pa[0]} (scores_a) against "
                                               f"{pb[0]} (scores_b), joined on employee_id."]
    raise ParameterError(f"The tables share no period (scores_a: {pa}; scores_b: {pb}). Pass "
                         "`period=(before, after)` to compare one period of each, e.g. "
                         f"period=({pa[-1]!r}, {pb[-1]!r}).")


def compare(scores_a: Any, scores_b: Any, *, period: str | tuple[str, str] | None = None,
            top_k: float = 0.1) -> Comparison:
    """Compare two score tables of the same employees.

    Parameters
    ----------
    scores_a, scores_b
        ``wb.score(...)`` results (or their ``to_frame()``): ``employee_id, period,
        predikat`` and optionally ``unit``, ``composite`` and dimension score columns. They
        may come from different rubrics (different predikat labels too) and different
        periods.
    period
        ``None`` (default): the periods both tables hold; when they share none and each
        holds one, a before/after of those two. A period (``"2025"``): that period of both.
        A pair (``("2024", "2025")``): ``scores_a`` in the first against ``scores_b`` in the
        second, joined on ``employee_id`` (e.g. last year under the old rubric against
        this year under the new one).
    top_k
        The top group for the overlap: a share of each period's employees (``0 < top_k <
        1``) or a count (``>= 1``).

    Returns
    -------
    Comparison
        ``.rank_agreement``, ``.transitions``, ``.movers`` (see :class:`Comparison`). A
        before/after across periods is labelled ``"2024 -> 2025"`` in the ``period``
        columns; its ``unit`` is the unit in ``scores_b``.

    Notes
    -----
    Employees are ranked within each period on the ``composite`` when both tables have one,
    else on the predikat (worst = 0). Spearman's rho uses average ranks; Kendall's tau-b
    corrects for the many ties of a predikat scale. The top group holds everyone ranked
    ``<= k`` (ties at the boundary included); ``top_k_overlap = |A & B| / max(|A|, |B|)``.

    **What moved each mover.** When both results carry their rubric, ``scores_b``'s
    numbers are first put through ``scores_a``'s rules (thresholds, bands, matrix,
    conditions; the rubric's compiled form). If that gives back the old predikat, the
    *rules* moved the employee: ``thresholds:<dimension>`` (a category threshold of that
    dimension moved past an unchanged score), ``thresholds:bands`` or ``matrix``. Else
    the *numbers* moved them: the dimension whose category changed or, failing that,
    whose score changed most in standard deviations (pooled over both tables); when no
    dimension score changed, the dimension whose weighted contribution to the composite
    changed most. Without rubrics the same is read from the tables: a category that
    changed while its score did not is a threshold.

    Examples
    --------
    >>> import workbench as wb
    >>> from workbench.rubric import load_rubric
    >>> from workbench.weights import compare
    >>> from workbench.weights.uncertainty import scores_frame
    >>> ds = wb.read_sample("kota_contoh")
    >>> rinci = load_rubric("permenpanrb-6-2022-rinci")
    >>> a = scores_frame(ds, rinci, "baseline")
    >>> b = scores_frame(ds, rinci, "atasan_saja")
    >>> cmp = compare(a, b)
    >>> cmp.rank_agreement.loc[0, "n"]
    np.int64(1200)
    >>> strict = rinci.with_thresholds(categories={"perilaku_kerja": {"di_atas": 4.0}})
    >>> moved = compare(wb.score(ds, rinci, period="2025"), wb.score(ds, strict, period="2025")).movers
    >>> sorted(set(moved["moved_by"])), float(moved["moved_by_change"].iloc[0])
    (['thresholds:perilaku_kerja'], 0.25)
    """
    a, b = _frame(scores_a, "scores_a"), _frame(scores_b, "scores_b")
    if not (0 < top_k):
        raise ParameterError(f"`top_k` must be positive; got {top_k!r}.")
    a, b, across, notes = _select(a, b, period)
    order_a, order_b = _orders(a["predikat"], b["predikat"])
    same_scale = order_a == order_b
    code_a = {p: i for i, p in enumerate(order_a)}
    code_b = {p: i for i, p in enumerate(order_b)}
    dims = _dimensions(a, b)
    flags_b = [c for c in b.columns if pd.api.types.is_bool_dtype(b[c]) and c not in a.columns]
    cols_a = ["employee_id", "period", "predikat"] + (["unit"] if "unit" in a else []) + \
        (["composite"] if "composite" in a else []) + dims + [f"{d}_category" for d in dims if f"{d}_category" in a]
    cols_b = ["employee_id", "period", "predikat"] + (["unit"] if "unit" in b else []) + \
        (["composite"] if "composite" in b else []) + dims + \
        [f"{d}_category" for d in dims if f"{d}_category" in b] + flags_b
    keys = ["employee_id"] if across else ["employee_id", "period"]
    right = b[cols_b].drop(columns=["period"]) if across else b[cols_b]
    if across:
        a = a.assign(period=across)
    left = a[cols_a]
    if "unit" in right.columns and "unit" in left.columns:
        left = left.drop(columns=["unit"]) if across else left
        right = right if across else right.drop(columns=["unit"])
    j = left.merge(right, on=keys, suffixes=("_a", "_b"), how="inner")
    if across:
        j["period"] = across
    if len(j) < max(len(a), len(b)):
        notes.append(f"{max(len(a), len(b)) - len(j)} employee(s) are in only one table and are left out.")
    j["pa"] = j["predikat_a"].astype(object).map(code_a)
    j["pb"] = j["predikat_b"].astype(object).map(code_b)
    unscored = j["pa"].isna() | j["pb"].isna()
    if unscored.any():
        notes.append(f"{int(unscored.sum())} employee-periods without a predikat in one table are left out.")
        j = j[~unscored].copy()
    if j.empty:
        raise ParameterError("No employee has a predikat in both tables (after the period selection); "
                             "nothing to compare.")
    j["pa"], j["pb"] = j["pa"].astype(int), j["pb"].astype(int)
    if "unit" not in j:
        j["unit"] = ALL_UNITS
    j["unit"] = j["unit"].astype(str)
    has_comp = "composite_a" in j and "composite_b" in j and j["composite_a"].notna().any() \
        and j["composite_b"].notna().any()
    va = j["composite_a"].to_numpy(float) if has_comp else j["pa"].to_numpy(float)
    vb = j["composite_b"].to_numpy(float) if has_comp else j["pb"].to_numpy(float)
    j["_va"], j["_vb"] = va, vb
    # best-first positions on each table's own scale; a mover is a change of label
    j["_sa"] = len(order_a) - 1 - j["pa"]
    j["_sb"] = len(order_b) - 1 - j["pb"]
    j["_moved"] = (j["predikat_a"].astype(object) != j["predikat_b"].astype(object)).to_numpy()

    agree = []
    for per, g in j.groupby("period", sort=True):
        n = len(g)
        k = int(np.ceil(top_k * n)) if top_k < 1 else int(top_k)
        ra = g["_va"].rank(ascending=False, method="min")
        rb = g["_vb"].rank(ascending=False, method="min")
        top_a, top_b = set(g.index[ra <= k]), set(g.index[rb <= k])
        overlap = len(top_a & top_b) / max(len(top_a), len(top_b), 1)
        with np.errstate(invalid="ignore"):
            rho = stats.spearmanr(g["_va"], g["_vb"]).statistic if n > 2 else np.nan
            tau = stats.kendalltau(g["_va"], g["_vb"], variant="b").statistic if n > 2 else np.nan
        changed = int(g["_moved"].sum())
        agree.append([per, n, changed, changed / n if n else np.nan, float(rho), float(tau), k, overlap,
                      "composite" if has_comp else "predikat"])
    agreement = pd.DataFrame(agree, columns=AGREEMENT_COLUMNS)

    # transitions: counts over (period, unit, a, b), zeros included
    best_a, best_b = order_a[::-1], order_b[::-1]
    pieces = []
    for unit_level in (ALL_UNITS, "unit"):
        units = j["unit"] if unit_level == "unit" else pd.Series(ALL_UNITS, index=j.index)
        if unit_level == "unit" and (j["unit"] == ALL_UNITS).all():
            continue
        cnt = j.groupby([j["period"], units, j["pa"], j["pb"]]).size()
        groups = pd.MultiIndex.from_frame(pd.DataFrame({"period": j["period"], "unit": units}).drop_duplicates()
                                          .sort_values(["period", "unit"]))
        full = pd.MultiIndex.from_tuples([(p, u, x, y) for p, u in groups for x in range(len(order_a) - 1, -1, -1)
                                          for y in range(len(order_b) - 1, -1, -1)])
        c = cnt.reindex(full, fill_value=0)
        t = c.reset_index()
        t.columns = ["period", "unit", "pa", "pb", "count"]
        pieces.append(t)
    t = pd.concat(pieces, ignore_index=True)
    tot = t.groupby(["period", "unit"])["count"].transform("sum")
    row = t.groupby(["period", "unit", "pa"])["count"].transform("sum")
    t["share"] = t["count"] / tot.replace(0, np.nan)
    t["row_share"] = t["count"] / row.replace(0, np.nan)
    t["predikat_a"] = pd.Categorical([order_a[i] for i in t["pa"]], categories=best_a, ordered=False)
    t["predikat_b"] = pd.Categorical([order_b[i] for i in t["pb"]], categories=best_b, ordered=False)
    t["count"] = t["count"].astype(np.int64)
    transitions = t[TRANSITION_COLUMNS].reset_index(drop=True)

    movers = _movers(j, dims, order_a, order_b, scores_a, scores_b)
    params = {"top_k": top_k, "period": period, "n_a": len(a), "n_b": len(b)}
    return Comparison(agreement, transitions, movers, tuple(best_b), tuple(notes), params,
                      j[["employee_id", "period", "pa", "pb"]],
                      predikat_a=() if same_scale else tuple(best_a),
                      predikat_b=() if same_scale else tuple(best_b))


def _rubric(scores: Any) -> Rubric | None:
    r = getattr(scores, "rubric", None)
    return r if isinstance(r, Rubric) else None


def _rules(m: pd.DataFrame, dims: list[str], scores_a: Any, scores_b: Any,
           order_a: list[str]) -> tuple[pd.Series, pd.Series] | None:
    """Movers whose predikat comes back when ``b``'s numbers go through ``a``'s rules:
    ``(moved_by, moved_by_change)`` for them (others NaN), or None without both rubrics."""
    ra, rb = _rubric(scores_a), _rubric(scores_b)
    if ra is None or rb is None or ra.rule != rb.rule:
        return None
    ca, cb = compile_rubric(ra), compile_rubric(rb)
    dim_ids = [d.id for d in ra.dimensions]
    if not set(dim_ids) <= set(dims) or [d.id for d in rb.dimensions] != dim_ids:
        return None
    nums = np.stack([m[f"{d}_b"].to_numpy(float) for d in dim_ids], axis=-1)
    comp = m["composite_b"].to_numpy(float) if "composite_b" in m else None
    flags = {c: m[c].to_numpy(bool) for c in m.columns if c in {f.id for f in ra.flags}}
    if ra.rule == "bands" and comp is None:
        return None
    cf_rank = ca.predikat(nums, comp, flags)
    label_a = {p.rank: p.label.id for p in ra.predikat}
    label_a.update({p.rank: p.label.en for p in ra.predikat if p.label.en in order_a
                    and p.label.id not in order_a})
    cf_label = np.array([label_a.get(int(r), "") for r in cf_rank], dtype=object)
    back = cf_label == m["predikat_a"].astype(object).to_numpy()
    moved_by = pd.Series(np.nan, index=m.index, dtype=object)
    change = pd.Series(np.nan, index=m.index, dtype=float)
    if not back.any():
        return moved_by, change
    if ra.rule == "matrix":
        which = [ca.matrix_rows, ca.matrix_cols]
        found = np.zeros(len(m), dtype=bool)
        for d in which:
            cat_a = ca.categories(d, nums[:, d])
            cat_b = cb.categories(d, nums[:, d])
            hit = back & ~found & (cat_a != cat_b)
            if hit.any():
                edge = np.maximum(cat_a, cat_b)[hit] - 1
                ta, tb = ca.thresholds[d], cb.thresholds[d]
                delta = (tb[edge] - ta[edge]) if ta.size == tb.size else np.full(edge.size, np.nan)
                moved_by[m.index[hit]] = f"thresholds:{dim_ids[d]}"
                change[m.index[hit]] = delta
                found |= hit
        moved_by[m.index[back & ~found]] = "matrix"
        change[m.index[back & ~found]] = 0.0
    elif comp is not None:
        band_a, band_b = ca.band_index(comp), cb.band_index(comp)
        lower_a = dict(zip(ca.band_rank.tolist(), ca.band_min.tolist(), strict=True))
        lower_b = dict(zip(cb.band_rank.tolist(), cb.band_min.tolist(), strict=True))
        best = np.minimum(ca.band_rank[np.maximum(band_a, 0)], cb.band_rank[np.maximum(band_b, 0)])
        delta = np.array([lower_b.get(int(r), np.nan) - lower_a.get(int(r), np.nan) for r in best])
        moved_by[m.index[back]] = "thresholds:bands"
        change[m.index[back]] = delta[back]
    return moved_by, change


def _movers(j: pd.DataFrame, dims: list[str], order_a: list[str], order_b: list[str], scores_a: Any,
            scores_b: Any) -> pd.DataFrame:
    m = j[j["_moved"]].copy()
    if m.empty:
        return pd.DataFrame(columns=MOVER_COLUMNS)
    change = pd.DataFrame(index=m.index)
    cat_changed = pd.DataFrame(False, index=m.index, columns=dims)
    for d in dims:
        sd = np.nanstd(np.concatenate([j[f"{d}_a"].to_numpy(float), j[f"{d}_b"].to_numpy(float)]))
        change[d] = (m[f"{d}_b"] - m[f"{d}_a"]) / (sd if sd > 0 else 1.0)
        if f"{d}_category_a" in m and f"{d}_category_b" in m:
            cat_changed[d] = (m[f"{d}_category_a"].astype(object) != m[f"{d}_category_b"].astype(object)).to_numpy()
    moved_by = pd.Series("(weights)" if dims else "(rubric)", index=m.index, dtype=object)
    size = pd.Series(0.0 if dims else np.nan, index=m.index)
    if dims:
        mag = change.abs().fillna(0.0)
        key = mag + cat_changed.astype(float) * 1e6
        any_change = mag.max(axis=1) > 1e-12
        best = key.idxmax(axis=1)
        moved_by = moved_by.where(~any_change, best)
        size = size.where(~any_change, pd.Series(
            change.to_numpy()[np.arange(len(m)), [dims.index(x) for x in best]], index=m.index))
        wa, wb = _dimension_weights(scores_a), _dimension_weights(scores_b)
        comp_same = ("composite_a" in m and "composite_b" in m
                     and np.allclose(m["composite_a"], m["composite_b"], rtol=1e-12, atol=1e-12, equal_nan=True))
        if wa and wb and (~any_change).any() and not comp_same:
            contrib = pd.DataFrame({d: wb.get(d, 0.0) * m[f"{d}_b"] - wa.get(d, 0.0) * m[f"{d}_a"] for d in dims})
            sign = np.sign(m["_sa"] - m["_sb"]).to_numpy()[:, None]
            signed = contrib * sign
            best_w = signed.idxmax(axis=1)
            sel = ~any_change
            moved_by[sel] = best_w[sel]
            size[sel] = signed.max(axis=1)[sel]
        # without rubrics: a category that changed under an unchanged score is a threshold
        still = (~any_change) & cat_changed.any(axis=1)
        if still.any():
            moved_by[still] = "thresholds:" + cat_changed[still].idxmax(axis=1)
            size[still] = np.nan
        if "composite_a" in m and "composite_b" in m:
            same = (~any_change) & ~cat_changed.any(axis=1) & np.isclose(
                m["composite_a"], m["composite_b"], rtol=1e-12, atol=1e-12)
            moved_by[same] = "thresholds:bands"
            size[same] = np.nan
    rules = _rules(m, dims, scores_a, scores_b, order_a)
    if rules is not None:
        by_rule, rule_change = rules
        hit = by_rule.notna()
        moved_by[hit] = by_rule[hit]
        size[hit] = rule_change[hit]
    out = pd.DataFrame({
        "employee_id": m["employee_id"], "period": m["period"], "unit": m["unit"],
        "predikat_a": [order_a[i] for i in m["pa"]], "predikat_b": [order_b[i] for i in m["pb"]],
        "steps": (m["_sa"] - m["_sb"]).astype(np.int64), "moved_by": moved_by.astype(str),
        "moved_by_change": size.astype(float),
        "composite_a": m["composite_a"] if "composite_a" in m else np.nan,
        "composite_b": m["composite_b"] if "composite_b" in m else np.nan,
    })
    return out.sort_values(["period", "unit", "employee_id"]).reset_index(drop=True)[MOVER_COLUMNS]
