"""Which weights matter? Sobol indices of a rubric's weights on the outcomes people see.

:func:`sensitivity` treats every free weight of a rubric (rater roles per dimension,
indicators within a dimension, dimensions in the composite) as uncertain, uniform within
``+/- perturb`` of its baseline (then renormalised within its group), and estimates
first-order and total Sobol indices (:mod:`workbench.weights.sobol`) on four outcomes:

* ``mean_abs_rank_shift``: mean absolute change of rank against the nominal weights;
* ``n_predikat_changes``: employees whose predikat differs from the nominal one;
* ``share_<top predikat>``: share of employees with the best predikat (e.g. Sangat Baik);
* ``curve_violations``: units that break the distribution curve (with ``org_rating``).

Examples
--------
>>> import workbench as wb
>>> from workbench.rubric import load_rubric
>>> ds = wb.read_sample("kota_contoh")
>>> s = sensitivity(ds, load_rubric("permenpanrb-6-2022-rinci"), n_base=32, groups="group",
...                 n_boot=0, seed=0)
>>> sorted(s.to_frame()["factor"].unique())
['indicators.hasil_kerja', 'indicators.perilaku_kerja', 'raters.perilaku_kerja']
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from workbench._deprecation import renamed
from workbench._threads import one_blas_thread
from workbench.data.normalize import canonical_text
from workbench.errors import ParameterError, check_option
from workbench.results import DEFAULT_N_BOOT
from workbench.rubric._compiled import category_index
from workbench.rubric.model import Rubric
from workbench.weights._engine import (
    WeightModel,
    block_ranks,
    draw_ranks,
    select_period,
    weight_model,
)
from workbench.weights.sobol import SobolResult, interval_notes, sobol_indices

__all__ = ["curve_violations", "sensitivity"]

Grouping = Literal["weight", "group", "dimension"]


def _org_rows(model: WeightModel, org_rating: str | dict[str, str]) -> list[Any]:
    curve = model.rubric.curve
    if curve is None:
        raise ParameterError(f"Rubric {model.rubric.id!r} has no distribution curve; drop `org_rating`.")
    names: dict[str, str] = {}
    for rid, row in curve.rows.items():
        for text in (rid, row.label.id, row.label.en):
            names[canonical_text(text)] = rid
    for alias, rid in curve.aliases.items():
        names[canonical_text(alias)] = rid
    units = pd.unique(model.keys["unit"])
    mapping = dict.fromkeys(units, org_rating) if isinstance(org_rating, str) else dict(org_rating)
    rows = []
    for u in units:
        if u not in mapping:
            raise ParameterError(f"`org_rating` gives no rating for unit {u!r}; give one per unit or one string.")
        key = canonical_text(mapping[u])
        if key not in names:
            raise ParameterError(f"`org_rating` for unit {u!r} must be one of "
                                 f"{{{', '.join(repr(r.label.id) for r in curve.rows.values())}}}; "
                                 f"got {mapping[u]!r}.")
        rows.append(curve.rows[names[key]])
    return rows


def curve_violations(model: WeightModel, pred: np.ndarray, org_rating: str | dict[str, str]) -> np.ndarray:
    """Number of (period, unit) groups that break the curve, per column of ``pred``.

    ``pred``: ``(n, c)`` predikat ranks (-1 = not scored). Shares become counts
    conservatively, as ``curve_check`` does by default: a maximum allows
    ``floor(share * n)``, a minimum needs ``ceil(share * n)``, "present" needs 1.
    """
    rows = _org_rows(model, org_rating)
    unit_rows = dict(zip(pd.unique(model.keys["unit"]), rows, strict=True))
    rank_of = {p.id: p.rank for p in model.rubric.predikat}
    grp, uniq = pd.factorize(pd.MultiIndex.from_frame(model.keys[["period", "unit"]]))
    n_g, n_p, c = len(uniq), len(rank_of), pred.shape[1]
    p = pred.astype(np.int64)
    flat = (np.arange(c)[None, :] * n_g + grp[:, None]) * n_p + np.maximum(p, 0)
    cnt = np.bincount(flat.ravel(), weights=(p >= 0).ravel(), minlength=c * n_g * n_p).reshape(c, n_g, n_p)
    total = cnt.sum(axis=2)
    bad = np.zeros((c, n_g), dtype=bool)
    for g, (_, unit) in enumerate(uniq):
        for con in unit_rows[unit].constraints:
            s = cnt[:, g, [rank_of[x] for x in con.predikat]].sum(axis=1)
            n = total[:, g]
            if con.min is not None:
                bad[:, g] |= s < np.ceil(con.min * n - 1e-9)
            if con.max is not None:
                bad[:, g] |= s > np.floor(con.max * n + 1e-9)
            if con.present:
                bad[:, g] |= (s == 0) & (n > 0)
    return bad.sum(axis=1)


@dataclass(frozen=True)
class _Nominal:
    """The nominal result the outcomes compare against: which rows are scored, their
    competition ranks (int64) and predikat ranks."""

    scored: np.ndarray
    rank: np.ndarray
    predikat: np.ndarray


def _fill_outcomes(model: WeightModel, rk: np.ndarray, pr: np.ndarray, nom: _Nominal,
                   org_rating: str | dict[str, str] | None, y: np.ndarray) -> None:
    """The outcomes of a block of draws into ``y`` (``(c, m)``) from the ranks ``rk``
    (``(c, n)`` uint32) and predikat ``pr`` (``(c, n)`` int8), draws in rows. The sums are
    of integers (exact in any order), so the layout does not change them."""
    every = bool(nom.scored.all())
    rs, ps = (rk, pr) if every else (rk[:, nom.scored], pr[:, nom.scored])
    # (ranks below 2**31: int32 differences; the mean sums them as float64, exactly)
    y[:, 0] = np.abs(rs.view(np.int32) - nom.rank.astype(np.int32)[None, :]).mean(axis=1)
    y[:, 1] = (ps != nom.predikat[None, :]).sum(axis=1)
    y[:, 2] = (ps == 0).mean(axis=1)
    if org_rating is not None:
        y[:, 3] = curve_violations(model, np.ascontiguousarray(pr.T), org_rating)


def _outputs_evaluate(model: WeightModel, theta: np.ndarray, step: int, nom: _Nominal,
                      org_rating: str | dict[str, str] | None, n_out: int) -> np.ndarray:
    """The outcomes under each row of ``theta`` through :meth:`WeightModel.evaluate`, in
    chunks of ``step`` draws: the reference :func:`_saltelli_outputs` must reproduce."""
    y = np.empty((len(theta), n_out))
    for s in range(0, len(theta), step):
        ev = model.evaluate(theta[s:s + step])
        rk = draw_ranks(model, ev.value)
        _fill_outcomes(model, rk, np.ascontiguousarray(ev.predikat.T), nom, org_rating, y[s:s + step])
    return y


def _saltelli_outputs(model: WeightModel, theta: np.ndarray, n_base: int, n_blocks: int, step: int,
                      nom: _Nominal, org_rating: str | dict[str, str] | None, n_out: int) -> np.ndarray:
    """:func:`_outputs_evaluate` on a Saltelli design (``n_blocks`` blocks of ``n_base``
    weight sets: A, B, AB_1, ...), bit for bit, with each dimension scored once per
    distinct weight set of that dimension.

    An ``AB_g`` block differs from ``A`` only in group ``g``'s weights, so every other
    dimension's scores are ``A``'s. The draws go in chunks of base rows, every block of
    a base row in the same chunk; per dimension the distinct rows of its weight columns
    (:meth:`WeightModel.dimension_columns`) are scored with
    :meth:`WeightModel.dimension_scores`, the code of :meth:`WeightModel.evaluate`. The
    predikat and ranking value then follow element by element in evaluate's arithmetic
    (the same sums in the same order: a score at a category or band edge stays on it),
    laid out with draws in rows for one contiguous sort per draw (:func:`block_ranks`).
    """
    r = model.rubric
    comp = model.compiled
    n, n_dim = model.n, len(r.dimensions)
    matrix = r.rule == "matrix" and r.matrix is not None
    dcols = [model.dimension_columns(d) for d in range(n_dim)]
    pos = model._positions()
    delta = None if matrix else theta[:, [pos[f"dimensions.{d.id}"] for d in r.dimensions]]
    flags = {k: v[None, :] for k, v in model.flags.items()}
    periods = np.unique(model.period_codes)
    parts = None if len(periods) <= 1 else [np.flatnonzero(model.period_codes == p) for p in periods]
    # chunks of base rows: every block of a base row together, a few MiB of scores a chunk
    per = int(max(1, min(step, max(1, 2**19 // max(n, 1))) // n_blocks))
    y = np.empty((len(theta), n_out))
    for a in range(0, n_base, per):
        idx = (np.arange(n_blocks)[:, None] * n_base + np.arange(a, min(n_base, a + per))[None, :]).ravel()
        th = theta[idx]
        c = len(idx)
        gathered = []
        for d in range(n_dim):
            _, first, inv = np.unique(th[:, dcols[d]], axis=0, return_index=True, return_inverse=True)
            inv = inv.ravel()
            # at least two weight sets a product (a single column would take another BLAS path)
            src = th[np.r_[first, first[:1]] if len(first) == 1 else first]
            scores = np.ascontiguousarray(model.dimension_scores(d, src).T)[:len(first)]  # (u, n)
            gathered.append((scores, inv))
        if matrix:
            # comp.predikat and the tie-break of evaluate, per distinct row, then gathered
            # (comp.matrix_rank as one look-up: the categories shifted by one, -1 -> 0 -> -1)
            rows_d, cols_d = comp.matrix_rows, comp.matrix_cols
            n_c = comp.matrix_table.shape[1] + 1
            table = np.full((comp.matrix_table.shape[0] + 1, n_c), -1, dtype=np.int8)
            table[1:, 1:] = comp.matrix_table
            cat_r = category_index(gathered[rows_d][0], comp.thresholds[rows_d], np.int16)
            cat_r += 1
            cat_r *= n_c
            cat_c = category_index(gathered[cols_d][0], comp.thresholds[cols_d], np.int16)
            cat_c += 1
            code = cat_r[gathered[rows_d][1]]
            code += cat_c[gathered[cols_d][1]]
            pred = table.ravel().take(code)
            tie_sum: np.ndarray | None = None
            count: np.ndarray | int = 0
            scaled = [(scores - comp.dim_lo[d]) / comp.dim_span[d] for d, (scores, _) in enumerate(gathered)]
            finite = all(bool(np.isfinite(x).all()) for x in scaled)  # nan_to_num changes nothing
            some_nan = not finite and any(bool(np.isnan(x).any()) for x in scaled)
            for d, (_, inv) in enumerate(gathered):
                # evaluate sums the D scaled scores one after the other (a strided axis)
                part = (scaled[d] if finite else np.nan_to_num(scaled[d]))[inv]
                if tie_sum is None:
                    tie_sum = part
                else:
                    tie_sum += part
                if some_nan:
                    count = count + (~np.isnan(scaled[d]))[inv]
            # no missing score: every count is D (the same division as by an array of D);
            # then (P - predikat) + tie, in place (a sum of two terms: either order)
            assert tie_sum is not None
            value = np.divide(tie_sum, np.maximum(count, 1) if some_nan else max(n_dim, 1), out=tie_sum)
            value += len(r.predikat) - pred
            if some_nan:
                value[pred < 0] = np.nan
        else:
            assert delta is not None
            value = np.zeros((c, n))
            for d, (scores, inv) in enumerate(gathered):
                value += scores[inv] * delta[idx, d][:, None]
            pred = comp.apply_conditions(comp.band_predikat(value), value, flags).astype(np.int8)
        del gathered
        rk = np.empty((c, n), dtype=np.uint32)
        if parts is None:
            block_ranks(value, rk)
        else:
            for rows in parts:
                out = np.empty((c, len(rows)), dtype=np.uint32)
                block_ranks(value[:, rows], out)
                rk[:, rows] = out
        out_c = np.empty((c, n_out))
        _fill_outcomes(model, rk, pred, nom, org_rating, out_c)
        y[idx] = out_c
    return y

def _factor_groups(model: WeightModel, names: list[str], groups: Grouping) -> dict[str, list[str]] | None:
    if groups == "weight":
        return None
    p = model.params.set_index("name")
    out: dict[str, list[str]] = {}
    for n in names:
        key = p.loc[n, "group"] if groups == "group" else (
            f"dimension.{p.loc[n, 'dimension']}" if p.loc[n, "kind"] != "dimensions" else "dimensions")
        out.setdefault(str(key), []).append(n)
    return out


def sensitivity(
    ds: Any,
    rubric: Rubric,
    *,
    perturb: float = 0.2,
    n_base: int = 256,
    seed: int = 0,
    groups: Grouping = "weight",
    org_rating: str | dict[str, str] | None = None,
    weights: str = "baseline",
    period: str | None = None,
    n_boot: int = DEFAULT_N_BOOT,
    max_memory_mb: float = 256,
    n_bootstrap: int | None = None,
) -> SobolResult:
    """First-order and total Sobol indices of a rubric's weights on appraisal outcomes.

    Parameters
    ----------
    ds
        The dataset.
    rubric
        The rubric whose weight set ``weights`` is analysed.
    perturb
        Each free weight is uniform on ``baseline * [1 - perturb, 1 + perturb]`` before its
        group is renormalised to sum to 1.
    n_base
        Base sample size ``N``; the rubric is re-scored ``N * (G + 2)`` times (``G``
        factors or groups). Use a power of 2.
    seed
        Seed of the Sobol sequence and the bootstrap.
    groups
        ``"weight"``: one index per weight; ``"group"``: per weight group (e.g. all
        BerAKHLAK indicator weights); ``"dimension"``: everything about one dimension
        (its rater and indicator weights), the composite's dimension weights together.
    org_rating
        Predikat Kinerja Organisasi per unit (or one for all) to count curve violations;
        without it that outcome is left out.
    period
        Restrict to one period (default: all periods, ranks within each).
    n_boot
        Bootstrap resamples for the 95 % intervals (``n_bootstrap`` is its deprecated
        name).
    max_memory_mb
        Working memory of one chunk of evaluations.

    Returns
    -------
    SobolResult
        ``to_frame()``: ``output, factor, s1, s1_ci_low, s1_ci_high, st, st_ci_low,
        st_ci_high``; outputs ``mean_abs_rank_shift``, ``n_predikat_changes``,
        ``share_<top predikat id>`` and, with ``org_rating``, ``curve_violations``.

    Notes
    -----
    The outcomes are step functions of the weights (a predikat changes at a threshold),
    so their indices need larger ``N`` than smooth models to settle; check the intervals.
    An output that never varies (e.g. no weight can move anyone across a threshold) has
    NaN indices. Grouped indices answer "does this whole block of weights matter?" with
    ``G`` small, which is much cheaper than one index per weight.

    References
    ----------
    Saisana, M., Saltelli, A., Tarantola, S. (2005). Uncertainty and sensitivity analysis
    techniques as tools for the quality assessment of composite indicators. *JRSS A* 168(2).
    """
    n_boot = renamed("sensitivity", "n_bootstrap", "n_boot", n_bootstrap, n_boot, default=DEFAULT_N_BOOT)
    check_option("groups", groups, ["weight", "group", "dimension"])
    if not 0 < perturb < 1:
        raise ParameterError(f"`perturb` must be in (0, 1); got {perturb!r}.")
    ds = select_period(ds, period)
    full = weight_model(ds, rubric, weights)
    model = full.subset(full.scorable())
    free = model.free
    if len(free) == 0:
        raise ParameterError(f"Weight set {weights!r} of {rubric.id!r} has no group of two or more weights; "
                             "there is nothing to vary.")
    names = list(model.params["name"].to_numpy()[free])
    nominal = model.evaluate(model.theta0[None, :])
    pred_nom = nominal.predikat
    scored = pred_nom[:, 0] >= 0
    # competition ranks as integers, draws in rows (one contiguous sort per draw): the
    # ranks of WeightModel.ranks, and exact sums of their differences
    rank_nom = draw_ranks(model, nominal.value)[0, scored].astype(np.int64)
    pred_nom_scored = pred_nom[scored, 0]
    top = rubric.predikat[0].id
    outputs = ["mean_abs_rank_shift", "n_predikat_changes", f"share_{top}"] + (
        ["curve_violations"] if org_rating is not None else [])
    if org_rating is not None:
        _org_rows(model, org_rating)  # fail early on a bad rating
    step = int(max(1, max_memory_mb * 2**20 // max(model.n * 8 * (len(rubric.dimensions) + 4), 1)))
    nom = _Nominal(scored, rank_nom, pred_nom_scored)
    gidx = _factor_groups(model, names, groups)
    n_blocks = (len(names) if gidx is None else len(gidx)) + 2  # A, B and one AB block per factor

    def run(x: np.ndarray) -> np.ndarray:
        theta = np.repeat(model.theta0[None, :], len(x), axis=0)
        theta[:, free] = theta[:, free] * x
        theta = model.normalise(theta)
        with one_blas_thread():
            return _saltelli_outputs(model, theta, n_base, n_blocks, step, nom, org_rating, len(outputs))

    bounds = {n: (1 - perturb, 1 + perturb) for n in names}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # warned once below, from this call
        res = sobol_indices(run, bounds, n_base=n_base, seed=seed, groups=gidx,
                            n_boot=n_boot, output_names=outputs)
    params = {**res.parameters, "perturb": perturb, "groups": groups, "weights": weights, "period": period,
              "org_rating": org_rating, "rubric_id": rubric.id, "rubric_hash": rubric.hash}
    return SobolResult(res.frame, res.n_base, res.n_evaluations, params, ds.ratings,
                       interval_notes(res.frame, n_base))
