"""Generalizability theory: G-studies (variance components) and D-studies, Spearman-Brown."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, Literal

import numpy as np
import pandas as pd

from workbench.errors import DataContractError, ParameterError, check_fraction, check_option
from workbench.reliability._long import _numeric, check_columns, check_finite, is_dask
from workbench.results import ProvenanceMixin, frame_html

__all__ = ["DStudy", "GStudy", "g_study", "raters_needed", "spearman_brown"]

Coefficient = Literal["e_rho2", "phi"]
COMPONENT_COLUMNS = ["component", "variance", "share", "raw_variance", "n_levels"]


def spearman_brown(r: Any, k: Any) -> Any:
    """Reliability of the mean of ``k`` ratings when one rating has reliability ``r``.

    ``k r / (1 + (k - 1) r)``; works element-wise on arrays. ``k`` may be fractional.

    Examples
    --------
    >>> round(spearman_brown(0.29, 4), 3)
    0.62
    """
    r = np.asarray(r, dtype=float)
    k = np.asarray(k, dtype=float)
    out = k * r / (1 + (k - 1) * r)
    return float(out) if out.ndim == 0 else out


def raters_needed(r: float, target: float = 0.80) -> int:
    """Smallest number of ratings whose mean reaches reliability ``target`` (Spearman-Brown).

    The exact solution is ``k = target (1 - r) / (r (1 - target))``; this returns its
    ceiling.

    Examples
    --------
    >>> raters_needed(0.29, 0.80)
    10
    """
    check_fraction("target", target)
    if not 0 < r < 1:
        raise ParameterError(
            f"`r` must be between 0 and 1 (a single-rating reliability); got {r!r}. With "
            "r <= 0 no number of raters reaches the target."
        )
    k = target * (1 - r) / (r * (1 - target))
    return max(1, math.ceil(k - 1e-9))


@dataclass(frozen=True, eq=False)
class DStudy:
    """A decision study: error variances and coefficients for chosen facet sizes.

    Attributes
    ----------
    n
        Levels of each facet averaged over (e.g. ``{"rater_id": 3}``).
    tau
        Universe-score variance (the object of measurement).
    rel_error, abs_error
        Relative (delta) and absolute (Delta) error variance.
    e_rho2
        Generalizability coefficient tau / (tau + delta): for rank-ordering employees.
    phi
        Dependability coefficient tau / (tau + Delta): for absolute decisions
        (cut-offs such as the predikat thresholds).
    """

    n: dict[str, float]
    tau: float
    rel_error: float
    abs_error: float
    e_rho2: float
    phi: float

    def to_frame(self) -> pd.DataFrame:
        """One row: ``n_<facet>...``, ``tau, rel_error, abs_error, e_rho2, phi``."""
        row: dict[str, float] = {f"n_{k}": v for k, v in self.n.items()}
        row.update(tau=self.tau, rel_error=self.rel_error, abs_error=self.abs_error,
                   e_rho2=self.e_rho2, phi=self.phi)
        return pd.DataFrame([row])

    def _repr_html_(self) -> str:
        return frame_html("D-study", self.to_frame())


@dataclass(frozen=True, eq=False)
class GStudy(ProvenanceMixin):
    """A G-study: estimated variance components; see :func:`g_study`.

    Attributes
    ----------
    components
        ``component, variance, share, raw_variance, n_levels`` (``variance`` is the
        estimate set to 0 when negative; ``raw_variance`` the estimate itself).
    subject, facets
        The object of measurement and the facets of measurement.
    nesting
        Which factor is nested in which (declared or found in the data).
    n_observed
        Observed levels of each facet per employee (harmonic mean): the D-study default.
    method, notes, n_subjects
        Estimator used, remarks, number of subjects.
    """

    components: pd.DataFrame
    subject: str
    facets: tuple[str, ...]
    nesting: dict[str, tuple[str, ...]]
    n_observed: dict[str, float]
    method: str
    n_subjects: int
    notes: tuple[str, ...] = ()
    effects: tuple[tuple[str, ...], ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict, repr=False)
    _data: Any = field(default=None, repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """The variance components: ``component, variance, share, raw_variance, n_levels``."""
        return self.components.copy()

    def _repr_html_(self) -> str:
        html = frame_html(f"G-study ({self.method})", self.components)
        return html + "".join(f"<p><em>{n}</em></p>" for n in self.notes)

    def _measurement(self) -> set[str]:
        """The subject and every factor it is nested in: the object of measurement."""
        out = {self.subject}
        out.update(self.nesting.get(self.subject, ()))
        return out

    def _sizes(self, n: Mapping[str, float] | None) -> dict[str, Any]:
        sizes: dict[str, Any] = dict(self.n_observed)
        for key, value in (n or {}).items():
            check_option("n", key, list(self.n_observed))
            sizes[key] = value
        return sizes

    def _errors(self, sizes: Mapping[str, Any]) -> tuple[float, Any, Any]:
        meas = self._measurement()
        var = self.components["variance"].to_numpy()
        tau = 0.0
        rel: Any = 0.0
        ab: Any = 0.0
        for effect, v in zip(self.effects, var, strict=True):
            facets_in = [f for f in effect if f not in meas]
            if not facets_in:
                tau += float(v)
                continue
            div: Any = 1.0
            for f in facets_in:
                div = div * np.asarray(sizes[f], dtype=float)
            ab = ab + v / div
            if self.subject in effect:
                rel = rel + v / div
        return tau, rel, ab

    def d_study(self, n: Mapping[str, float] | None = None) -> DStudy:
        """D-study for facet sizes ``n`` (default: as observed), e.g. ``{"rater_id": 3}``."""
        sizes = self._sizes(n)
        tau, rel, ab = self._errors(sizes)
        with np.errstate(divide="ignore", invalid="ignore"):
            e_rho2 = tau / (tau + rel) if tau + rel > 0 else math.nan
            phi = tau / (tau + ab) if tau + ab > 0 else math.nan
        return DStudy(n={k: float(v) for k, v in sizes.items()}, tau=float(tau),
                      rel_error=float(rel), abs_error=float(ab), e_rho2=float(e_rho2),
                      phi=float(phi))

    def d_study_table(
        self, facet: str | None = None, ns: Iterable[int] = range(1, 11),
        n: Mapping[str, float] | None = None,
    ) -> pd.DataFrame:
        """D-studies for a range of sizes of one facet: ``n, e_rho2, phi, rel_error, abs_error``."""
        facet = self._facet(facet)
        grid = np.asarray(list(ns), dtype=float)
        sizes = self._sizes(n)
        sizes[facet] = grid
        tau, rel, ab = self._errors(sizes)
        rel = np.broadcast_to(rel, grid.shape)
        ab = np.broadcast_to(ab, grid.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            return pd.DataFrame({"n": grid.astype(int), "e_rho2": tau / (tau + rel),
                                 "phi": tau / (tau + ab), "rel_error": rel, "abs_error": ab})

    def n_for(
        self, target: float = 0.80, facet: str | None = None,
        coefficient: Coefficient = "e_rho2", n: Mapping[str, float] | None = None,
        max_n: int = 1000,
    ) -> int | None:
        """Smallest number of levels of ``facet`` for which ``coefficient`` reaches ``target``.

        Other facets stay at ``n`` (default: as observed). ``None`` if not reached
        within ``max_n`` (e.g. when the universe-score variance is 0).
        """
        check_option("coefficient", coefficient, ("e_rho2", "phi"))
        check_fraction("target", target)
        table = self.d_study_table(facet, range(1, max_n + 1), n)
        hit = np.flatnonzero(table[coefficient].to_numpy() >= target - 1e-12)
        return int(table["n"].iloc[hit[0]]) if hit.size else None

    def _facet(self, facet: str | None) -> str:
        if facet is None:
            return next(iter(self.n_observed))
        check_option("facet", facet, list(self.n_observed))
        return facet


def _combine(codes: list[np.ndarray], sizes: list[int]) -> tuple[np.ndarray, int]:
    key = np.zeros(codes[0].size, dtype=np.int64)
    span = 1
    for c, s in zip(codes, sizes, strict=True):
        if span * s < 2**62:
            key = key * s + c
            span *= s
        else:  # re-densify before overflowing
            key, uniq = pd.factorize(key)
            key = key.astype(np.int64) * s + c
            span = len(uniq) * s
    out, uniq = pd.factorize(key)
    return out.astype(np.int64), len(uniq)


def _effect_name(effect: tuple[str, ...], nesting: Mapping[str, tuple[str, ...]]) -> str:
    inner = [f for f in effect if not any(f in nesting.get(g, ()) for g in effect if g != f)]
    outer = [f for f in effect if f not in inner]
    name = " x ".join(inner)
    return f"{name}:{' x '.join(outer)}" if outer else name


def g_study(
    df: Any,
    subject: str = "employee_id",
    facets: Iterable[str] | str = ("rater_id",),
    score: str = "score",
    nested: Mapping[str, str] | None = None,
) -> GStudy:
    """G-study: variance components of a crossed or nested random-effects design.

    Parameters
    ----------
    df
        Long table (pandas or Dask), one row per rating; one rating per cell of
        ``subject`` x facets.
    subject
        The object of measurement (the appraised employee).
    facets
        Facets of measurement, e.g. ``("rater_id",)`` (p x r) or
        ``("rater_id", "indicator")`` (p x r x i).
    score
        The score column.
    nested
        ``{factor: parent}``: ``factor`` is nested in ``parent``, e.g.
        ``{"rater_id": "employee_id"}`` (r:p, each employee has own raters; rater labels
        may repeat across employees) or ``{"rater_id": "unit"}`` (raters within OPD).
        A parent that is not a facet becomes a factor of the design. Nesting that the
        data show (every level of A within one level of B) is detected as well.

    Returns
    -------
    GStudy
        ``to_frame()``: ``component, variance, share, raw_variance, n_levels``;
        ``d_study({...})`` gives ``e_rho2`` and ``phi``; ``n_for(0.80, "rater_id")`` the
        number of raters needed.

    Notes
    -----
    All factors are random. Components are estimated by the ANOVA (expected mean
    squares) method in its general form, Henderson's method I -- Brennan's (2001)
    "analogous ANOVA" of urGENOVA: for every effect the T-term sum(total^2 / count)
    over its levels is equated to its expectation. In a balanced design this is
    exactly the ANOVA estimator; in unbalanced or incomplete designs it stays
    unbiased (``method`` says which). The highest-order interaction is confounded
    with error ("..., e"). Negative estimates are set to 0 (with a note), as Brennan
    recommends; ``raw_variance`` keeps the estimate.

    In the D-study the universe-score variance is that of the subject (and of any
    factor it is nested in); effects with the subject and a facet make up the
    relative error, all effects with a facet the absolute error, each divided by the
    product of the D-study sizes of its facets.

    References
    ----------
    Brennan, R. L. (2001). Generalizability Theory. Springer. Ch. 3-4, 7.
    Shavelson, R. J., & Webb, N. M. (1991). Generalizability Theory: A Primer. Sage.
    Henderson, C. R. (1953). Estimation of variance and covariance components.
    Biometrics, 9(2), 226-252.

    Examples
    --------
    >>> import workbench as wb
    >>> r = wb.read_sample("kota_contoh").ratings
    >>> peers = r[(r["period"] == "2025") & (r["rater_role"] == "rekan")
    ...           & r["indicator"].isin(["kolaboratif", "adaptif", "loyal"])]
    >>> peers = peers.assign(rater_id="rekan" + peers.groupby(["employee_id", "indicator"]).cumcount().astype(str))
    >>> g = wb.reliability.g_study(peers, facets=("rater_id", "indicator"))
    >>> round(float(g.to_frame().set_index("component").loc["employee_id", "share"]), 3)
    0.571
    >>> round(g.d_study({"rater_id": 3, "indicator": 3}).e_rho2, 3)
    0.892
    """
    facets = (facets,) if isinstance(facets, str) else tuple(facets)
    if not facets:
        raise ParameterError("`facets` must name at least one column, e.g. ('rater_id',).")
    nested = dict(nested or {})
    factors = [subject, *facets]
    for parent in nested.values():
        if parent not in factors:
            factors.append(parent)
    for child in nested:
        check_option("nested key", child, factors)
    check_columns(df, {f"factor {f}": f for f in factors} | {"score": score}, "g_study")
    part = df[[*factors, score]].dropna(subset=[score])
    if not is_dask(part):
        check_finite(_numeric(part[score], score, "g_study"), part.index, score, "g_study")
        bad = [f for f in factors if part[f].isna().any()]
        if bad:
            raise DataContractError(
                f"`g_study`: column(s) {bad} have missing ids in rows that hold a score; "
                "drop or fill those rows first."
            )
    agg = part.groupby(factors, observed=True).agg(_n=(score, "count"), _s=(score, "sum"))
    if is_dask(agg):
        agg = agg.compute()
    agg = agg.reset_index()
    check_finite(agg["_s"].to_numpy(np.float64), None, score, "g_study")
    if (agg["_n"] > 1).any():
        n_dup = int((agg["_n"] > 1).sum())
        raise DataContractError(
            f"`g_study` needs one rating per cell of {' x '.join(factors)}; {n_dup} cells "
            f"have several. Add the facet that tells them apart (e.g. facets=(..., "
            "'indicator')), filter, or average them first."
        )
    y = agg["_s"].to_numpy(np.float64)
    n_obs = y.size
    codes: dict[str, np.ndarray] = {}
    levels: dict[str, int] = {}
    for f in factors:
        c, u = pd.factorize(agg[f], sort=True)
        codes[f], levels[f] = np.asarray(c, dtype=np.int64), len(u)
    for child, parent in nested.items():
        codes[child], levels[child] = _combine([codes[parent], codes[child]],
                                               [levels[parent], levels[child]])
    for f in factors:
        if levels[f] < 2:
            raise DataContractError(
                f"`g_study`: factor {f!r} has a single level, so its variance cannot be "
                "estimated. Drop it from facets or use data with several levels."
            )
    # nesting relation from the data: A within B when each A level meets one B level
    parents: dict[str, set[str]] = {f: set() for f in factors}
    for a in factors:
        for b in factors:
            if a == b:
                continue
            _, n_ab = _combine([codes[a], codes[b]], [levels[a], levels[b]])
            if n_ab == levels[a]:
                if n_ab == levels[b]:
                    raise DataContractError(
                        f"`g_study`: factors {a!r} and {b!r} are confounded (one-to-one), "
                        "so their variances cannot be told apart. Drop one of them."
                    )
                parents[a].add(b)
    effects: list[tuple[str, ...]] = []
    for size in range(1, len(factors) + 1):
        for combo in combinations(factors, size):
            if all(parents[f] <= set(combo) for f in combo):
                effects.append(combo)
    # T-terms and their expectations (Henderson I)
    groups: dict[tuple[str, ...], tuple[np.ndarray, int]] = {}

    def group(effect: tuple[str, ...]) -> tuple[np.ndarray, int]:
        key = tuple(f for f in factors if f in effect)
        if key not in groups:
            groups[key] = _combine([codes[f] for f in key], [levels[f] for f in key])
        return groups[key]

    shift = y.mean()
    yc = y - shift
    n_eff = len(effects)
    k_mat = np.zeros((n_eff + 1, n_eff + 1))
    t_vec = np.zeros(n_eff + 1)
    counts = {e: np.bincount(group(e)[0]) for e in effects}
    k_mat[0, 0] = n_obs
    t_vec[0] = yc.sum() ** 2 / n_obs
    for j, f_eff in enumerate(effects, start=1):
        k_mat[0, j] = float(np.sum(counts[f_eff].astype(float) ** 2)) / n_obs
    for i, e_eff in enumerate(effects, start=1):
        g_e, n_e = group(e_eff)
        sums = np.bincount(g_e, weights=yc, minlength=n_e)
        t_vec[i] = float(np.sum(sums**2 / counts[e_eff]))
        k_mat[i, 0] = n_obs
        for j, f_eff in enumerate(effects, start=1):
            g_u, n_u = group(tuple(set(e_eff) | set(f_eff)))
            cnt_u = np.bincount(g_u, minlength=n_u).astype(float)
            first = np.full(n_u, -1)
            first[g_u] = np.arange(n_obs)
            e_of_u = g_e[first]
            k_mat[i, j] = float(np.sum(cnt_u**2 / counts[e_eff][e_of_u]))
    # mu^2 is estimated from the centred data; its column is only there to absorb it
    try:
        cond = np.linalg.cond(k_mat)
        if not np.isfinite(cond) or cond > 1e12:
            raise np.linalg.LinAlgError
        theta = np.linalg.solve(k_mat, t_vec)
    except np.linalg.LinAlgError as exc:
        raise DataContractError(
            "`g_study`: the design does not separate the variance components (some "
            "effects are confounded in these data). Check the facets and `nested`."
        ) from exc
    raw = theta[1:]
    notes: list[str] = []
    negative = [(_effect_name(e, _nest_map(e, parents)), v) for e, v in zip(effects, raw, strict=True) if v < 0]
    if negative:
        notes.append(
            "Negative estimates set to 0: "
            + ", ".join(f"{name} ({v:.4g})" for name, v in negative) + "."
        )
    var = np.clip(raw, 0.0, None)
    total = var.sum()
    names = [_effect_name(e, _nest_map(e, parents)) for e in effects]
    names[-1] = names[-1] + ", e"
    comp = pd.DataFrame(
        {
            "component": names,
            "variance": var,
            "share": var / total if total > 0 else np.nan,
            "raw_variance": raw,
            "n_levels": [group(e)[1] for e in effects],
        },
        columns=COMPONENT_COLUMNS,
    )
    balanced = all(np.all(counts[e] == counts[e][0]) for e in effects)
    method = "anova" if balanced else "henderson1"
    # D-study defaults: levels of each facet per subject (and per its nesting parents)
    meas = {subject} | parents[subject]
    n_observed: dict[str, float] = {}
    for f in factors:
        if f in meas:
            continue
        base = tuple(sorted(({subject} | parents[f]) - {f}, key=factors.index))
        g_b, n_b = group(base)
        g_bf, n_bf = group((*base, f))
        first = np.full(n_bf, -1)
        first[g_bf] = np.arange(n_obs)
        per = np.bincount(g_b[first], minlength=n_b)
        per = per[per > 0]
        n_observed[f] = round(float(per.size / np.sum(1.0 / per)), 9)
    return GStudy(
        components=comp,
        subject=subject,
        facets=facets,
        nesting={f: tuple(sorted(p, key=factors.index)) for f, p in parents.items() if p},
        n_observed=n_observed,
        method=method,
        n_subjects=levels[subject],
        notes=tuple(notes),
        effects=tuple(effects),
        parameters={"subject": subject, "facets": facets, "score": score, "nested": nested},
        _data=df,
    )


def _nest_map(effect: tuple[str, ...], parents: Mapping[str, set[str]]) -> dict[str, tuple[str, ...]]:
    return {f: tuple(p for p in parents[f] if p in effect) for f in effect}
