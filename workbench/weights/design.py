"""Reliability-aware rubric design: how many raters a rubric's composite needs, and what
dropping or merging an indicator does to reliability and to who changes predikat.

:func:`rater_design` runs a G-study (:func:`workbench.reliability.g_study`) on the
ratings of one dimension, raters nested in employees and crossed with the indicators,
and a D-study on the rubric's *own* composite: the indicators fixed with the weight
set's indicator weights, the rater roles combined with its role weights. It answers
"how many peers (rekan) per employee does perilaku kerja need to reach 0.80?".
:func:`indicator_variants` compares the rubric with variants that drop or merge
indicators (e.g. those :func:`workbench.calibration.indicator_review` flags): the
composite's reliability and the employees whose predikat changes.

Examples
--------
>>> import workbench as wb
>>> from workbench.weights.design import rater_design
>>> design = rater_design(wb.read_sample("kota_contoh"), "permenpanrb-6-2022-rinci", period="2025")
>>> design.n_observed
{'atasan': 1.0, 'rekan': 2.0}
>>> round(design.reliability(), 3), round(design.limit("rekan"), 3)
(0.871, 0.877)
>>> design.n_needed("rekan", 0.875), design.n_needed("rekan", 0.9) is None
(6, True)
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import ParameterError, RubricError, check_fraction, check_option
from workbench.results import Provenance, frame_html
from workbench.rubric import Rubric, load_rubric, rubric_from_spec
from workbench.rubric import score as score_fn

__all__ = ["DESIGN_COLUMNS", "VARIANT_COLUMNS", "DesignComparison", "RaterDesign", "drop_indicator",
           "indicator_variants", "merge_indicators", "merge_ratings", "rater_design"]

DESIGN_COLUMNS = ["role", "weight", "n_observed", "reliability", "n_needed", "reliability_at_n_needed", "limit"]
VARIANT_COLUMNS = ["variant", "change", "dimension", "n_indicators", "reliability", "reliability_change", "n_scored",
                   "n_changed", "share_changed", "n_up", "n_down"]


@dataclass(frozen=True, eq=False)
class RaterDesign:
    """A D-study of one dimension's composite by rater role (see :func:`rater_design`).

    Attributes
    ----------
    g
        The :class:`~workbench.reliability.GStudy` (``g.to_frame()``: the variance
        components).
    dimension
        The dimension studied.
    role_weights
        Weight of each rater role in the composite (renormalised over the roles studied).
    indicator_weights
        Weight of each indicator in the dimension (renormalised).
    n_observed
        Raters per employee of each role in the data (harmonic mean).
    tau, rater_error
        Universe-score variance of the composite and the error variance of one rater's
        composite score.
    target
        The reliability aimed at.
    """

    g: Any
    dimension: str
    role_weights: dict[str, float]
    indicator_weights: dict[str, float]
    n_observed: dict[str, float]
    tau: float
    rater_error: float
    target: float = 0.8
    notes: tuple[str, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict, repr=False)
    _data: Any = field(default=None, repr=False)

    def reliability(self, n: Mapping[str, float] | None = None) -> float:
        """Generalizability coefficient of the composite with ``n`` raters per role (the
        roles not named keep their observed numbers)."""
        sizes = dict(self.n_observed)
        for role, k in (n or {}).items():
            check_option("role", role, list(self.role_weights))
            if not k > 0:
                raise ParameterError(f"`n[{role!r}]` must be a positive number of raters; got {k!r}.")
            sizes[role] = float(k)
        delta = self.rater_error * sum(v ** 2 / sizes[r] for r, v in self.role_weights.items())
        return float(self.tau / (self.tau + delta)) if self.tau + delta > 0 else float("nan")

    def table(self, role: str, ns: Iterable[int] = range(1, 11)) -> pd.DataFrame:
        """Reliability for a range of raters of ``role`` (others as observed): ``n, reliability``."""
        check_option("role", role, list(self.role_weights))
        grid = [int(k) for k in ns]
        return pd.DataFrame({"n": grid, "reliability": [self.reliability({role: k}) for k in grid]})

    def limit(self, role: str) -> float:
        """The reliability with unlimited raters of ``role``: the ceiling set by the other roles."""
        check_option("role", role, list(self.role_weights))
        others = sum(v ** 2 / self.n_observed[r] for r, v in self.role_weights.items() if r != role)
        return float(self.tau / (self.tau + self.rater_error * others)) if self.tau > 0 else float("nan")

    def n_needed(self, role: str, target: float | None = None, max_n: int = 100) -> int | None:
        """Smallest number of raters of ``role`` for which the composite reaches ``target``
        (default :attr:`target`), or ``None`` when even ``max_n`` raters do not (see
        :meth:`limit`)."""
        target = self.target if target is None else target
        check_fraction("target", target)
        for k in range(1, max_n + 1):
            if self.reliability({role: k}) >= target - 1e-12:
                return k
        return None

    def to_frame(self) -> pd.DataFrame:
        """One row per role: ``role, weight, n_observed, reliability`` (as observed),
        ``n_needed`` (for :attr:`target`, others as observed), ``reliability_at_n_needed,
        limit``."""
        rows = []
        for role, v in self.role_weights.items():
            need = self.n_needed(role)
            rows.append((role, v, self.n_observed[role], self.reliability(), need,
                         self.reliability({role: need}) if need else np.nan, self.limit(role)))
        return pd.DataFrame(rows, columns=DESIGN_COLUMNS)

    @property
    def provenance(self) -> Provenance:
        """Data hash and parameters."""
        return Provenance.build(self._data if self._data is not None else self.to_frame(), parameters=self.parameters,
                                rubric_id=self.parameters.get("rubric_id"))

    def _repr_html_(self) -> str:
        return frame_html(f"Raters needed for {self.dimension} (target {self.target:.2f})", self.to_frame()) + \
            frame_html("G-study", self.g.to_frame())


def _component(g: Any, effect: set[str]) -> float:
    for e, v in zip(g.effects, g.to_frame()["variance"], strict=True):
        if set(e) == effect:
            return float(v)
    return 0.0


def rater_design(ds: Any, rubric: Rubric | str, dimension: str | None = None, period: str | None = None, *,
                 weights: str = "baseline", roles: Sequence[str] | None = None, target: float = 0.8) -> RaterDesign:
    """How reliable a dimension's composite is, and how many raters per role it needs.

    Parameters
    ----------
    ds
        The dataset.
    rubric
        The rubric (a detailed one, e.g. ``permenpanrb-6-2022-rinci``).
    dimension
        The dimension (default: the first one rated by two or more raters per employee).
    period
        The period (default: the only one, or the last period that has such ratings).
    weights
        The weight set whose role and indicator weights make the composite.
    roles
        The rater roles studied (default: the roles with a positive weight for the
        dimension, except ``diri``: a self-rating is not an independent rater).
    target
        The reliability to reach (default 0.80).

    Returns
    -------
    RaterDesign
        ``reliability({"rekan": 4})``, ``n_needed("rekan")``, ``table("rekan")``,
        ``limit("rekan")`` and ``to_frame()`` (one row per role).

    Notes
    -----
    G-study: design (r:p) x i on the dimension's ratings of the studied roles, raters
    nested in employees (each employee has their own atasan and peers) and crossed with
    the indicators; roles share one rater facet (their variance components are pooled,
    an assumption: an atasan and a peer err alike). D-study on the composite
    ``sum_k v_k mean_r sum_i w_i y_pri``: the indicators are fixed (the rubric names
    them), so the person x indicator variance belongs to the universe score, weighted by
    ``sum_i w_i^2``::

        tau   = s2(p) + sum_i w_i^2 * s2(pi)
        e_1   = s2(r:p) + sum_i w_i^2 * s2(ri:p,e)          (one rater's error)
        delta = e_1 * sum_k v_k^2 / n_k
        E rho^2 = tau / (tau + delta)

    With raters nested in employees the absolute and relative errors coincide, so
    ``phi`` equals ``E rho^2``. Unequal role weights matter: when the atasan weighs 0.75,
    adding peers raises reliability only up to :meth:`limit`.

    References
    ----------
    Brennan, R. L. (2001). *Generalizability Theory*. Springer. Ch. 4 (fixed facets) and 9-10
    (composites).
    """
    from workbench.reliability import g_study

    check_fraction("target", target)
    if not isinstance(rubric, Rubric):
        rubric = load_rubric(rubric)
    ws = rubric.weights.get(weights)
    if ws is None:
        check_option("weights", weights, list(rubric.weights))
        raise AssertionError  # pragma: no cover
    ratings = ds.ratings
    dims = [dimension] if dimension is not None else [d.id for d in rubric.dimensions]
    for d in dims:
        check_option("dimension", d, [x.id for x in rubric.dimensions])
    chosen = None
    for d in dims:
        inds = list(rubric.dimension(d).indicators)
        use = list(roles) if roles is not None else [r for r, v in ws.raters[d].items() if v > 0 and r != "diri"]
        part = ratings[ratings["indicator"].isin(inds) & ratings["rater_role"].astype(str).isin(use)]
        if period is not None:
            part = part[part["period"] == period]
        elif part["period"].nunique() > 1:
            multi = part.groupby(["period", "employee_id"])["rater_id"].nunique().groupby(level=0).mean()
            part = part[part["period"] == multi.idxmax()]
        if len(part) and part.groupby("employee_id")["rater_id"].nunique().max() >= 2:
            chosen = (d, inds, [r for r in use if (part["rater_role"].astype(str) == r).any()], part)
            break
    if chosen is None:
        raise ParameterError(f"No dimension of {rubric.id!r} is rated by two or more raters per employee in these data"
                             f"{'' if period is None else f' (period {period})'}; a rater D-study needs several raters "
                             "per employee (e.g. the BerAKHLAK values scored by atasan and peers).")
    dim, inds, use, part = chosen
    used_period = str(part["period"].iloc[0])
    part = part[["employee_id", "rater_id", "rater_role", "indicator", "score"]].copy()
    part["rater_role"] = part["rater_role"].astype(str)
    for col in ("employee_id", "rater_id", "indicator"):
        part[col] = part[col].astype(str)
    # one score per rater and indicator (a merged indicator holds two ratings of each rater)
    part = part.groupby(["employee_id", "rater_role", "rater_id", "indicator"], as_index=False)["score"].mean()
    slot = part.groupby(["employee_id", "rater_role", "indicator"], observed=True).cumcount()
    part["slot"] = part["rater_role"] + slot.astype(str)
    g = g_study(part, facets=("slot", "indicator"), score="score", nested={"slot": "employee_id"})
    w = np.array([ws.indicators.get(i, 0.0) for i in inds], dtype=float)
    w = w / w.sum()
    sum_w2 = float((w ** 2).sum())
    s_p = _component(g, {"employee_id"})
    s_pi = _component(g, {"employee_id", "indicator"})
    s_rp = _component(g, {"employee_id", "slot"})
    s_rip = _component(g, {"employee_id", "slot", "indicator"})
    v = np.array([ws.raters[dim].get(r, 0.0) for r in use], dtype=float)
    if v.sum() <= 0:
        v = np.ones(len(use))
    v = v / v.sum()
    per = part.groupby(["employee_id", "rater_role"])["rater_id"].nunique().unstack()
    n_obs = {r: float(round(per[r].dropna().size / np.sum(1.0 / per[r].dropna()), 9)) for r in use}
    notes = list(g.notes)
    if roles is None and ws.raters[dim].get("diri", 0) > 0:
        notes.append("Self-ratings (diri) are left out: a self-rating is not an independent rater; the other roles' "
                     "weights are renormalised.")
    params = {"rubric_id": rubric.id, "weights": weights, "dimension": dim, "roles": use, "period": used_period}
    return RaterDesign(g=g, dimension=dim, role_weights=dict(zip(use, v.tolist(), strict=True)),
                       indicator_weights=dict(zip(inds, w.tolist(), strict=True)), n_observed=n_obs,
                       tau=s_p + sum_w2 * s_pi, rater_error=s_rp + sum_w2 * s_rip, target=target,
                       notes=tuple(notes), parameters=params, _data=part)


# -- variants: dropping and merging indicators -------------------------------------------------
def _respread(spec: dict[str, Any], dimension: str, members: list[str], rubric: Rubric) -> None:
    """Rescale every weight set's indicator weights of ``dimension`` to sum to 1."""
    for ws in spec.get("weights", {}).values():
        weights = ws.get("indicators")
        if not weights:
            continue
        total = sum(float(weights.get(i, 0.0)) for i in members)
        if total <= 0:
            raise RubricError(f"After the change every weight of dimension '{dimension}' is 0.", key="weights")
        for i in members:
            weights[i] = float(weights.get(i, 0.0)) / total


def drop_indicator(rubric: Rubric, indicator: str) -> Rubric:
    """The rubric without ``indicator``; the other weights of its dimension are rescaled to
    sum to 1 in every weight set (so their proportions stay).

    Examples
    --------
    >>> import workbench as wb
    >>> r = drop_indicator(wb.load_rubric("permenpanrb-6-2022-rinci"), "loyal")
    >>> len(r.dimension("perilaku_kerja").indicators), round(r.weights["baseline"].indicators["adaptif"], 4)
    (6, 0.1667)
    """
    check_option("indicator", indicator, [i.id for i in rubric.indicators])
    dim = rubric.indicator(indicator).dimension
    members = [i for i in rubric.dimension(dim).indicators if i != indicator]
    if not members:
        raise RubricError(f"'{indicator}' is the only indicator of dimension '{dim}'; it cannot be dropped.",
                          key="indicators")
    spec = copy.deepcopy(rubric.spec)
    spec["indicators"] = [i for i in spec["indicators"] if i.get("id") != indicator]
    for ws in spec.get("weights", {}).values():
        if ws.get("indicators"):
            ws["indicators"].pop(indicator, None)
    _respread(spec, dim, members, rubric)
    spec["id"] = f"{rubric.id}-tanpa-{indicator}"
    label = spec.get("label", {})
    spec["label"] = {"id": f"{label.get('id', rubric.id)} tanpa {indicator}",
                     "en": f"{label.get('en', rubric.id)} without {indicator}"}
    return rubric_from_spec(spec)


def merge_indicators(rubric: Rubric, indicators: Sequence[str], new_id: str | None = None) -> Rubric:
    """The rubric with ``indicators`` (of one dimension and one scale) merged into one,
    ``new_id`` (default the ids joined by ``_``), whose weight is the mean of theirs
    (then the dimension's weights are rescaled to sum to 1). Score it on
    :func:`merge_ratings` of the data: the merged indicator is the mean of the originals.

    Examples
    --------
    >>> import workbench as wb
    >>> r = merge_indicators(wb.load_rubric("permenpanrb-6-2022-rinci"), ["akuntabel", "loyal"])
    >>> r.indicator("akuntabel_loyal").label.id, len(r.dimension("perilaku_kerja").indicators)
    ('Akuntabel + Loyal', 6)
    """
    ids = list(indicators)
    if len(ids) < 2 or len(set(ids)) != len(ids):
        raise ParameterError(f"`indicators` must name two or more different indicators; got {ids}.")
    for i in ids:
        check_option("indicator", i, [x.id for x in rubric.indicators])
    objs = [rubric.indicator(i) for i in ids]
    if len({o.dimension for o in objs}) > 1 or len({o.scale for o in objs}) > 1:
        raise ParameterError(f"Only indicators of one dimension and one scale can be merged; {ids} are in "
                             f"{sorted({o.dimension for o in objs})} with scales "
                             f"{sorted({f'{o.scale.min:g}-{o.scale.max:g}' for o in objs})}.")
    new = new_id or "_".join(ids)
    if new in [x.id for x in rubric.indicators if x.id not in ids]:
        raise ParameterError(f"`new_id` {new!r} is already an indicator of {rubric.id!r}; choose another.")
    dim = objs[0].dimension
    spec = copy.deepcopy(rubric.spec)
    first = next(i for i in spec["indicators"] if i.get("id") == ids[0])
    merged = {**copy.deepcopy(first), "id": new,
              "label": {"id": " + ".join(o.label.id for o in objs), "en": " + ".join(o.label.en for o in objs)}}
    spec["indicators"] = [merged if i.get("id") == ids[0] else i for i in spec["indicators"] if i.get("id") not in ids[1:]]
    for ws in spec.get("weights", {}).values():
        if ws.get("indicators"):
            ws["indicators"][new] = float(np.mean([float(ws["indicators"].pop(i, 0.0)) for i in ids]))
    members = [new if i == ids[0] else i for i in rubric.dimension(dim).indicators if i not in ids[1:]]
    _respread(spec, dim, members, rubric)
    spec["id"] = f"{rubric.id}-gabung-{new}"
    return rubric_from_spec(spec)


def merge_ratings(ratings: pd.DataFrame, indicators: Sequence[str], new_id: str | None = None) -> pd.DataFrame:
    """The ratings with ``indicators`` renamed to ``new_id`` (their ratings then average)."""
    new = new_id or "_".join(indicators)
    out = ratings.copy()
    ind = out["indicator"].astype(str)
    out["indicator"] = ind.where(~ind.isin(list(indicators)), new)
    return out


@dataclass(frozen=True, eq=False)
class DesignComparison:
    """A rubric against variants that drop or merge indicators (see :func:`indicator_variants`).

    Attributes
    ----------
    table
        See :meth:`to_frame`.
    rubrics
        The rubric of each variant, by name.
    comparisons
        The :class:`~workbench.weights.Comparison` of each variant with the rubric.
    """

    table: pd.DataFrame
    rubrics: dict[str, Rubric] = field(repr=False)
    comparisons: dict[str, Any] = field(repr=False)
    parameters: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per variant (the first is the rubric itself): ``variant, change,
        dimension, n_indicators, reliability`` (of the dimension's composite, raters as
        observed), ``reliability_change, n_scored, n_changed, share_changed, n_up,
        n_down`` (predikat changes against the rubric)."""
        return self.table.copy()

    def movers(self, variant: str) -> pd.DataFrame:
        """The employees whose predikat the variant changes (HR only; see
        :attr:`workbench.weights.Comparison.movers`)."""
        check_option("variant", variant, list(self.comparisons))
        return self.comparisons[variant].movers.copy()

    def _repr_html_(self) -> str:
        return frame_html("Rubric variants: reliability and predikat changes", self.table)


def indicator_variants(ds: Any, rubric: Rubric | str, period: str | None = None, *, drop: Iterable[str] = (),
                       merge: Iterable[Sequence[str]] = (), weights: str = "baseline",
                       roles: Sequence[str] | None = None) -> DesignComparison:
    """What dropping or merging indicators does to reliability and to who changes predikat.

    Parameters
    ----------
    ds, rubric, period, weights
        The data, the rubric, the period and the weight set.
    drop
        Indicators to drop, one variant each.
    merge
        Groups of indicators to merge, one variant each (e.g. a redundant pair).
    roles
        Rater roles of the reliability (see :func:`rater_design`).

    Returns
    -------
    DesignComparison
        ``to_frame()`` (one row per variant), ``movers(variant)``, ``rubrics``.

    Examples
    --------
    >>> import workbench as wb
    >>> cmp = indicator_variants(wb.read_sample("kota_contoh"), "permenpanrb-6-2022-rinci", period="2025",
    ...                          drop=["loyal"], merge=[["akuntabel", "kompeten"]])
    >>> cmp.to_frame()["variant"].tolist()
    ['rubrik', 'tanpa loyal', 'gabung akuntabel + kompeten']
    >>> int(cmp.to_frame().loc[0, "n_changed"])
    0
    """
    from workbench.weights import compare

    if not isinstance(rubric, Rubric):
        rubric = load_rubric(rubric)
    drop, merge = list(drop), [list(g) for g in merge]
    base_scores = score_fn(ds, rubric, weights, period=period)
    variants: list[tuple[str, str, Rubric, Any, str]] = [("rubrik", "", rubric, ds, "")]
    for ind in drop:
        variants.append((f"tanpa {ind}", f"drop {ind}", drop_indicator(rubric, ind), ds, rubric.indicator(ind).dimension))
    for group in merge:
        ids = list(group)
        new_r = merge_indicators(rubric, ids)
        new_ds = _with_ratings(ds, merge_ratings(ds.ratings, ids))
        variants.append((f"gabung {' + '.join(ids)}", f"merge {' + '.join(ids)}", new_r, new_ds,
                         rubric.indicator(ids[0]).dimension))
    target_dims = sorted({v[4] for v in variants if v[4]}) or [rubric.dimensions[-1].id]
    rows, rubrics, comparisons = [], {}, {}
    base_rel: dict[str, float] = {}
    for name, change, r, data, dim in variants:
        dims = [dim] if dim else target_dims
        rels = []
        for d in dims:
            try:
                rels.append(rater_design(data, r, d, period, weights=weights, roles=roles).reliability())
            except ParameterError:
                rels.append(np.nan)
        s = base_scores if r is rubric else score_fn(data, r, weights, period=period)
        cmp = compare(base_scores, s)
        comparisons[name] = cmp
        rubrics[name] = r
        movers = cmp.movers
        n_scored = int(s.frame["predikat"].notna().sum())
        for d, rel in zip(dims, rels, strict=True):
            if not dim:
                base_rel[d] = rel
            rows.append({"variant": name, "change": change, "dimension": d,
                         "n_indicators": len(r.dimension(d).indicators), "reliability": rel,
                         "reliability_change": rel - base_rel.get(d, np.nan), "n_scored": n_scored,
                         "n_changed": len(movers), "share_changed": len(movers) / n_scored if n_scored else np.nan,
                         "n_up": int((movers["steps"] > 0).sum()), "n_down": int((movers["steps"] < 0).sum())})
    table = pd.DataFrame(rows, columns=VARIANT_COLUMNS)
    params = {"rubric_id": rubric.id, "period": period, "weights": weights, "drop": drop, "merge": merge}
    return DesignComparison(table, rubrics, comparisons, params)


def _with_ratings(ds: Any, ratings: pd.DataFrame) -> Any:
    import dataclasses

    return dataclasses.replace(ds, ratings=ratings)
