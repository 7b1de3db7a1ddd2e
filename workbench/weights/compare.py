"""Compare two rubrics (or two weight sets of one rubric) on the same employees.

:func:`compare` joins two score tables on ``employee_id, period`` and reports how far the
rankings agree (Spearman, Kendall tau-b, top-k overlap), the predikat transition matrix
(overall and per unit) and the *movers*: the employees whose predikat changes, with the
dimension that moved them.

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
from workbench.results import Provenance, frame_html

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
class Comparison:
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
        ``steps`` > 0 is an improvement.
    predikat
        The predikat labels, best first.
    """

    rank_agreement: pd.DataFrame
    transitions: pd.DataFrame
    movers: pd.DataFrame
    predikat: tuple[str, ...]
    notes: tuple[str, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict, repr=False)
    _data: Any = field(default=None, repr=False)

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
        m = t.pivot_table(index="predikat_a", columns="predikat_b", values="count", aggfunc="sum",
                          observed=False).reindex(index=list(self.predikat), columns=list(self.predikat))
        m = m.fillna(0).astype(np.int64)
        if normalize:
            return m.div(m.sum(axis=1).replace(0, np.nan), axis=0)
        return m

    @property
    def provenance(self) -> Provenance:
        """Where the result came from."""
        return Provenance.build(self._data if self._data is not None else self.rank_agreement,
                                parameters=self.parameters)

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
    return df


def _order(a: pd.Series, b: pd.Series) -> list[str]:
    """Predikat labels, worst first."""
    for s in (a, b):
        if isinstance(s.dtype, pd.CategoricalDtype) and s.cat.ordered:
            cats = [str(c) for c in s.cat.categories]
            other = set(map(str, pd.concat([a, b]).dropna().unique()))
            if other <= set(cats):
                return cats
    seen = set(map(str, pd.concat([a, b]).dropna().unique()))
    unknown = seen - set(_KNOWN_ORDER)
    if unknown:
        raise ParameterError(f"Cannot order the predikat {sorted(unknown)}; pass ordered categorical "
                             "`predikat` columns (as wb.score returns).")
    return [p for p in _KNOWN_ORDER if p in seen]


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


def compare(scores_a: Any, scores_b: Any, *, top_k: float = 0.1) -> Comparison:
    """Compare two score tables of the same employees.

    Parameters
    ----------
    scores_a, scores_b
        ``wb.score(...)`` results (or their ``to_frame()``): ``employee_id, period,
        predikat`` and optionally ``unit``, ``composite`` and dimension score columns.
    top_k
        The top group for the overlap: a share of each period's employees (``0 < top_k <
        1``) or a count (``>= 1``).

    Returns
    -------
    Comparison
        ``.rank_agreement``, ``.transitions``, ``.movers`` (see :class:`Comparison`).

    Notes
    -----
    Employees are ranked within each period on the ``composite`` when both tables have one,
    else on the predikat (worst = 0). Spearman's rho uses average ranks; Kendall's tau-b
    corrects for the many ties of a predikat scale. The top group holds everyone ranked
    ``<= k`` (ties at the boundary included); ``top_k_overlap = |A & B| / max(|A|, |B|)``.
    ``moved_by`` is the dimension whose category changed or, failing that, whose score
    changed most in standard deviations (pooled over both tables); when no dimension score
    changed it is the dimension whose weighted contribution to the composite changed most
    (if both results carry their rubric), otherwise ``"(weights)"``.

    Examples
    --------
    >>> import workbench as wb
    >>> from workbench.rubric import load_rubric
    >>> from workbench.weights import compare
    >>> from workbench.weights._engine import weight_model
    >>> from workbench.weights.uncertainty import scores_frame
    >>> ds = wb.read_sample("kota_contoh")
    >>> rinci = load_rubric("permenpanrb-6-2022-rinci")
    >>> a = scores_frame(ds, rinci, "baseline")
    >>> b = scores_frame(ds, rinci, "atasan_saja")
    >>> cmp = compare(a, b)
    >>> cmp.rank_agreement.loc[0, "n"]
    np.int64(1200)
    """
    a, b = _frame(scores_a, "scores_a"), _frame(scores_b, "scores_b")
    if not (0 < top_k):
        raise ParameterError(f"`top_k` must be positive; got {top_k!r}.")
    order = _order(a["predikat"], b["predikat"])
    code = {p: i for i, p in enumerate(order)}
    dims = _dimensions(a, b)
    cols_a = ["employee_id", "period", "predikat"] + (["unit"] if "unit" in a else []) + \
        (["composite"] if "composite" in a else []) + dims + [f"{d}_category" for d in dims if f"{d}_category" in a]
    cols_b = ["employee_id", "period", "predikat"] + (["composite"] if "composite" in b else []) + dims + \
        [f"{d}_category" for d in dims if f"{d}_category" in b]
    j = a[cols_a].astype({"employee_id": str, "period": str}).merge(
        b[cols_b].astype({"employee_id": str, "period": str}), on=["employee_id", "period"],
        suffixes=("_a", "_b"), how="inner")
    notes = []
    if len(j) < max(len(a), len(b)):
        notes.append(f"{max(len(a), len(b)) - len(j)} employee-periods are in only one table and are left out.")
    j["pa"] = j["predikat_a"].astype(object).map(code)
    j["pb"] = j["predikat_b"].astype(object).map(code)
    unscored = j["pa"].isna() | j["pb"].isna()
    if unscored.any():
        notes.append(f"{int(unscored.sum())} employee-periods without a predikat in one table are left out.")
        j = j[~unscored].copy()
    j["pa"], j["pb"] = j["pa"].astype(int), j["pb"].astype(int)
    if "unit" not in j:
        j["unit"] = ALL_UNITS
    j["unit"] = j["unit"].astype(str)
    has_comp = "composite_a" in j and "composite_b" in j and j["composite_a"].notna().any() \
        and j["composite_b"].notna().any()
    va = j["composite_a"].to_numpy(float) if has_comp else j["pa"].to_numpy(float)
    vb = j["composite_b"].to_numpy(float) if has_comp else j["pb"].to_numpy(float)
    j["_va"], j["_vb"] = va, vb

    agree = []
    for period, g in j.groupby("period", sort=True):
        n = len(g)
        k = int(np.ceil(top_k * n)) if top_k < 1 else int(top_k)
        ra = g["_va"].rank(ascending=False, method="min")
        rb = g["_vb"].rank(ascending=False, method="min")
        top_a, top_b = set(g.index[ra <= k]), set(g.index[rb <= k])
        overlap = len(top_a & top_b) / max(len(top_a), len(top_b), 1)
        with np.errstate(invalid="ignore"):
            rho = stats.spearmanr(g["_va"], g["_vb"]).statistic if n > 2 else np.nan
            tau = stats.kendalltau(g["_va"], g["_vb"], variant="b").statistic if n > 2 else np.nan
        changed = int((g["pa"] != g["pb"]).sum())
        agree.append([period, n, changed, changed / n if n else np.nan, float(rho), float(tau), k, overlap,
                      "composite" if has_comp else "predikat"])
    agreement = pd.DataFrame(agree, columns=AGREEMENT_COLUMNS)

    # transitions: counts over (period, unit, a, b), zeros included
    best_first = order[::-1]
    P = len(order)
    pieces = []
    for unit_level in (ALL_UNITS, "unit"):
        units = j["unit"] if unit_level == "unit" else pd.Series(ALL_UNITS, index=j.index)
        if unit_level == "unit" and (j["unit"] == ALL_UNITS).all():
            continue
        cnt = j.groupby([j["period"], units, j["pa"], j["pb"]]).size()
        groups = pd.MultiIndex.from_frame(pd.DataFrame({"period": j["period"], "unit": units}).drop_duplicates()
                                          .sort_values(["period", "unit"]))
        full = pd.MultiIndex.from_tuples([(p, u, x, y) for p, u in groups for x in range(P - 1, -1, -1)
                                          for y in range(P - 1, -1, -1)])
        c = cnt.reindex(full, fill_value=0)
        t = c.reset_index()
        t.columns = ["period", "unit", "pa", "pb", "count"]
        pieces.append(t)
    t = pd.concat(pieces, ignore_index=True)
    tot = t.groupby(["period", "unit"])["count"].transform("sum")
    row = t.groupby(["period", "unit", "pa"])["count"].transform("sum")
    t["share"] = t["count"] / tot.replace(0, np.nan)
    t["row_share"] = t["count"] / row.replace(0, np.nan)
    t["predikat_a"] = pd.Categorical([order[i] for i in t["pa"]], categories=best_first, ordered=False)
    t["predikat_b"] = pd.Categorical([order[i] for i in t["pb"]], categories=best_first, ordered=False)
    t["count"] = t["count"].astype(np.int64)
    transitions = t[TRANSITION_COLUMNS].reset_index(drop=True)

    movers = _movers(j, dims, order, scores_a, scores_b)
    params = {"top_k": top_k, "n_a": len(a), "n_b": len(b)}
    return Comparison(agreement, transitions, movers, tuple(best_first), tuple(notes), params, j[
        ["employee_id", "period", "pa", "pb"]])


def _movers(j: pd.DataFrame, dims: list[str], order: list[str], scores_a: Any, scores_b: Any) -> pd.DataFrame:
    m = j[j["pa"] != j["pb"]].copy()
    if m.empty:
        return pd.DataFrame(columns=MOVER_COLUMNS)
    change = pd.DataFrame(index=m.index)
    cat_changed = pd.DataFrame(False, index=m.index, columns=dims)
    for d in dims:
        sd = np.nanstd(np.concatenate([j[f"{d}_a"].to_numpy(float), j[f"{d}_b"].to_numpy(float)]))
        change[d] = (m[f"{d}_b"] - m[f"{d}_a"]) / (sd if sd > 0 else 1.0)
        if f"{d}_category_a" in m and f"{d}_category_b" in m:
            cat_changed[d] = (m[f"{d}_category_a"].astype(object) != m[f"{d}_category_b"].astype(object)).to_numpy()
    moved_by = pd.Series("(weights)", index=m.index, dtype=object)
    size = pd.Series(0.0, index=m.index)
    if dims:
        mag = change.abs().fillna(0.0)
        key = mag + cat_changed.astype(float) * 1e6
        any_change = mag.max(axis=1) > 1e-12
        best = key.idxmax(axis=1)
        moved_by = moved_by.where(~any_change, best)
        size = size.where(~any_change, pd.Series(
            change.to_numpy()[np.arange(len(m)), [dims.index(x) for x in best]], index=m.index))
        wa, wb = _dimension_weights(scores_a), _dimension_weights(scores_b)
        if wa and wb and (~any_change).any():
            contrib = pd.DataFrame({d: wb.get(d, 0.0) * m[f"{d}_b"] - wa.get(d, 0.0) * m[f"{d}_a"] for d in dims})
            sign = np.sign(m["pb"] - m["pa"]).to_numpy()[:, None]
            signed = contrib * sign
            best_w = signed.idxmax(axis=1)
            sel = ~any_change
            moved_by[sel] = best_w[sel]
            size[sel] = signed.max(axis=1)[sel]
    out = pd.DataFrame({
        "employee_id": m["employee_id"], "period": m["period"], "unit": m["unit"],
        "predikat_a": [order[i] for i in m["pa"]], "predikat_b": [order[i] for i in m["pb"]],
        "steps": (m["pb"] - m["pa"]).astype(np.int64), "moved_by": moved_by.astype(str),
        "moved_by_change": size.astype(float),
        "composite_a": m["composite_a"] if "composite_a" in m else np.nan,
        "composite_b": m["composite_b"] if "composite_b" in m else np.nan,
    })
    return out.sort_values(["period", "unit", "employee_id"]).reset_index(drop=True)[MOVER_COLUMNS]
