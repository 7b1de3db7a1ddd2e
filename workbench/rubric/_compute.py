"""The two vectorised stages of scoring, on one pandas partition each.

Stage 1, :func:`indicator_table`: the long ratings -> one row per employee and period
with one column per indicator (rater roles combined). Stage 2, :func:`finish`: that
wide table (with roster columns joined) -> dimension scores, categories, composite,
predikat and explanation. Both are plain pandas/numpy functions, so
:func:`workbench.rubric.score` runs them directly in memory or per partition of a
Dask DataFrame. There is no Python loop over employees; loops run over indicators,
dimensions and bands only.

Examples
--------
>>> import workbench as wb
>>> rubric = wb.load_rubric("permenpanrb-6-2022")
>>> ds = wb.read_sample("kota_contoh")
>>> wide = indicator_table(ds.ratings, rubric, rubric.weights["baseline"])
>>> wide.shape
(6000, 5)
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from workbench.data.contract import RATER_ROLES
from workbench.data.normalize import RATING_LABELS, canonical_name
from workbench.errors import DataContractError
from workbench.rubric.explain import band_phrases, matrix_explanations, message
from workbench.rubric.model import Dimension, Rubric, WeightSet

__all__ = ["IND_PREFIX", "finish", "indicator_table", "input_indicators"]

IND_PREFIX = "indicator:"
"""Prefix of the indicator columns in the wide table (ids may equal dimension ids)."""

_TRUE = {"1", "true", "ya", "y", "yes", "benar", "ada"}


def input_indicators(rubric: Rubric) -> list[str]:
    """The rubric's indicators, then the flag indicators that are not also rubric indicators."""
    ids = [i.id for i in rubric.indicators]
    return ids + [f.indicator for f in rubric.flags if f.indicator and f.indicator not in ids]


def _role_weights(rubric: Rubric, ws: WeightSet, ids: list[str]) -> np.ndarray:
    """Rater-role weights per input indicator: shape (n_indicators, n_roles)."""
    out = np.zeros((len(ids), len(RATER_ROLES)))
    dims = {i.id: i.dimension for i in rubric.indicators}
    for j, ind in enumerate(ids):
        roles = ws.raters[dims[ind]] if ind in dims else dict.fromkeys(RATER_ROLES, 1.0)
        for r, role in enumerate(RATER_ROLES):
            out[j, r] = roles.get(role, 0.0)
    return out


def _scores(ratings: pd.DataFrame, rubric: Rubric) -> np.ndarray:
    """The score column as floats; e-Kinerja labels (any case/spacing) become their levels."""
    s = ratings["score"]
    if pd.api.types.is_numeric_dtype(s):
        return s.to_numpy(dtype=float)
    labels = dict(RATING_LABELS)
    for ind in rubric.indicators:
        for level, label in ind.scale.labels:
            labels[canonical_name(pd.Series([label.id])).iloc[0]] = level
            labels[canonical_name(pd.Series([label.en])).iloc[0]] = level
    codes, uniques = pd.factorize(s.astype(str), use_na_sentinel=False)
    u = pd.Series(uniques)
    text = u.str.strip().str.replace(r"^([+-]?\d+),(\d+)$", r"\1.\2", regex=True)
    values = pd.to_numeric(text, errors="coerce").astype(float)
    values = values.where(values.notna(), canonical_name(u).map(labels))
    return values.to_numpy(dtype=float)[codes]


def _check_scale(ratings: pd.DataFrame, score: np.ndarray, ind: np.ndarray, rubric: Rubric,
                 ids: list[str], out_of_scale: str) -> np.ndarray:
    known = {i.id for i in rubric.indicators}
    lo = np.array([rubric.indicator(i).scale.min if i in known else -np.inf for i in ids])
    hi = np.array([rubric.indicator(i).scale.max if i in known else np.inf for i in ids])
    levels = [rubric.indicator(i).scale.levels if i in known else () for i in ids]
    codes, uniques = pd.factorize(score, use_na_sentinel=False)
    u = np.asarray(uniques, dtype=float)
    if len(u) <= 100_000:
        # validity of each (indicator, distinct score) pair, then one lookup per row
        valid = (u[None, :] >= lo[:, None]) & (u[None, :] <= hi[:, None]) & ~np.isnan(u)[None, :]
        for j, lev in enumerate(levels):
            if lev:
                valid[j] &= np.isin(u, lev)
        bad = ~valid[ind, codes]
    else:
        bad = np.isnan(score) | (score < lo[ind]) | (score > hi[ind])
        for j, lev in enumerate(levels):
            if lev:
                sel = ind == j
                bad[sel] |= ~np.isin(score[sel], lev)
    if not bad.any():
        return score
    if out_of_scale == "clip":
        return np.clip(np.nan_to_num(score, nan=-np.inf), lo[ind], hi[ind])
    rows = np.flatnonzero(bad)
    which = pd.Series(np.asarray(ids)[ind[rows]]).value_counts()
    first, n_first = which.index[0], int(which.iloc[0])
    scale = rubric.indicator(first).scale
    lines = ", ".join(str(x) for x in ratings.index[rows[:5]])
    failure = pd.DataFrame({
        "file": "<ratings>", "line": ratings.index[rows], "column": "score",
        "value": ratings["score"].to_numpy()[rows], "reason": "score_outside_scale"})
    raise DataContractError(
        f"{len(rows)} rows have scores outside the scale of their indicator ({n_first} on "
        f"'{first}', scale {scale.min:g}-{scale.max:g}{', levels ' + str(list(scale.levels)) if scale.levels else ''};"
        f" rows {lines}{' ...' if len(rows) > 5 else ''}). Fix the data, or pass out_of_scale='clip'.",
        failure_cases=failure)


def _str_dtype(s: pd.Series) -> object:
    """The string dtype of a key column (a categorical's categories dtype), default ``str``."""
    dtype = s.dtype.categories.dtype if isinstance(s.dtype, pd.CategoricalDtype) else s.dtype
    return dtype if isinstance(dtype, pd.StringDtype) else "str"


def _codes(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.cat.codes.to_numpy(), np.asarray(s.cat.categories, dtype=object)
    codes, uniques = pd.factorize(s)
    return codes, np.asarray(uniques, dtype=object)


def indicator_table(ratings: pd.DataFrame, rubric: Rubric, ws: WeightSet,
                    out_of_scale: Literal["raise", "clip"] = "raise") -> pd.DataFrame:
    """Combine raters per indicator: one row per ``period, employee_id``.

    For indicator *i* of employee *e*: the mean score of each rater role, combined as a
    weighted mean with the weight set's role weights for *i*'s dimension, renormalised
    over the roles that actually rated *e* on *i*. Columns: ``period, employee_id``,
    ``indicator:<id>`` per input indicator (NaN where unrated), ``n_ratings``.
    """
    ids = input_indicators(rubric)
    wr = _role_weights(rubric, ws, ids)
    ind_codes, ind_uniques = _codes(ratings["indicator"])
    lookup = np.array([ids.index(u) if u in ids else -1 for u in ind_uniques] + [-1], dtype=np.int64)
    ind = lookup[ind_codes]
    role = ratings["rater_role"]
    if not (isinstance(role.dtype, pd.CategoricalDtype) and list(role.cat.categories) == list(RATER_ROLES)):
        role = pd.Series(pd.Categorical(role, categories=list(RATER_ROLES)), index=ratings.index)
    role_codes = role.cat.codes.to_numpy().astype(np.int64)
    keep = (ind >= 0) & (role_codes >= 0)
    keep[keep] = wr[ind[keep], role_codes[keep]] > 0
    sub = ratings[keep] if not keep.all() else ratings
    ind, role_codes = ind[keep], role_codes[keep]
    score = _check_scale(sub, _scores(sub, rubric), ind, rubric, ids, out_of_scale)
    p_codes, p_uni = _codes(sub["period"])
    e_codes, e_uni = _codes(sub["employee_id"])
    key_codes, key_uni = pd.factorize(p_codes.astype(np.int64) * max(len(e_uni), 1) + e_codes)
    used = np.flatnonzero(wr.any(axis=0))
    compact = np.full(len(RATER_ROLES), -1)
    compact[used] = np.arange(len(used))
    n_k, n_i, n_r = len(key_uni), len(ids), max(len(used), 1)
    flat = (key_codes.astype(np.int64) * n_i + ind) * n_r + compact[role_codes]
    size = n_k * n_i * n_r
    sums = np.bincount(flat, weights=score, minlength=size).reshape(n_k, n_i, n_r)
    cnts = np.bincount(flat, minlength=size).reshape(n_k, n_i, n_r)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(cnts > 0, sums / np.maximum(cnts, 1), 0.0)
        w = wr[:, used][None, :, :] * (cnts > 0)
        den = w.sum(axis=2)
        values = np.where(den > 0, (w * means).sum(axis=2) / np.where(den > 0, den, 1), np.nan)
    n_e = max(len(e_uni), 1)
    out = pd.DataFrame({
        "period": pd.array(np.asarray(p_uni, dtype=object)[key_uni // n_e], dtype=_str_dtype(sub["period"])),
        "employee_id": pd.array(np.asarray(e_uni, dtype=object)[key_uni % n_e],
                                dtype=_str_dtype(sub["employee_id"])),
    })
    for j, i in enumerate(ids):
        out[IND_PREFIX + i] = values[:, j]
    out["n_ratings"] = cnts.sum(axis=(1, 2)).astype(np.int64)
    return out


def _dimension_values(wide: pd.DataFrame, rubric: Rubric, dim: Dimension, ws: WeightSet,
                      lang: str) -> tuple[np.ndarray, pd.Series]:
    """One dimension's score per row and, where it cannot be computed, the reason."""
    n = len(wide)
    k = len(dim.indicators)
    v = np.empty((n, k))
    wmat = np.empty((n, k))
    for j, ind_id in enumerate(dim.indicators):
        ind = rubric.indicator(ind_id)
        x = wide[IND_PREFIX + ind_id].to_numpy(dtype=float)
        unit = (x - ind.scale.min) / (ind.scale.max - ind.scale.min)
        if ind.direction == "lower_is_better":
            unit = 1 - unit
        v[:, j] = dim.scale.min + unit * (dim.scale.max - dim.scale.min)
        w = np.full(n, ws.indicators.get(ind_id, 0.0))
        if ind.applies_to is not None:
            col = ind.applies_to.column
            applies = wide[col].isin(ind.applies_to.values).to_numpy() if col in wide else np.zeros(n, bool)
            w = np.where(applies, w, 0.0)
        wmat[:, j] = w
    missing = np.isnan(v) & (wmat > 0)
    if dim.missing == "renormalise":
        wmat = np.where(np.isnan(v), 0.0, wmat)
    vz = np.where(np.isnan(v), 0.0, v)
    total = wmat.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        if dim.aggregation == "weighted_mean":
            s = (wmat * vz).sum(axis=1) / total
        elif dim.aggregation == "geometric_mean":
            logs = np.where(wmat > 0, wmat * np.log(np.where(vz > 0, vz, 1.0)), 0.0)
            zero = ((vz <= 0) & (wmat > 0)).any(axis=1)
            s = np.where(zero, 0.0, np.exp(logs.sum(axis=1) / total))
        else:
            s = np.where(wmat > 0, vz, np.inf).min(axis=1)
    bad = (total <= 0) | (missing.any(axis=1) if dim.missing == "propagate" else False)
    s = np.where(bad, np.nan, s)
    reason = pd.Series("", index=wide.index, dtype=object)
    if bad.any():
        for j, ind_id in enumerate(dim.indicators):
            reason = reason.where(~(missing[:, j] & bad), reason + ind_id + " ")
        label = dim.label.get(lang)  # type: ignore[arg-type]
        text = message("no_ratings", lang) + " " + reason.str.strip().str.replace(" ", ", ")
        reason = pd.Series(np.where(bad, label + ": " + text, ""), index=wide.index, dtype=object)
    return s, reason


def _categories(s: np.ndarray, dim: Dimension) -> np.ndarray:
    """Category index per score (-1 where the score is missing)."""
    thresholds = np.array([c.min for c in dim.categories[1:]], dtype=float)
    idx = np.searchsorted(thresholds, s, side="right")
    return np.where(np.isnan(s), -1, idx)


def _flag(wide: pd.DataFrame, rubric: Rubric, flag_id: str) -> np.ndarray:
    flag = next(f for f in rubric.flags if f.id == flag_id)
    out = np.zeros(len(wide), dtype=bool)
    if flag.roster_column and flag.roster_column in wide:
        col = wide[flag.roster_column]
        out |= canonical_name(col.astype(str)).isin(_TRUE).to_numpy() | (
            pd.to_numeric(col, errors="coerce").fillna(0).to_numpy() > 0)
    if flag.indicator and IND_PREFIX + flag.indicator in wide:
        out |= np.nan_to_num(wide[IND_PREFIX + flag.indicator].to_numpy(dtype=float)) > 0
    return out


def finish(wide: pd.DataFrame, rubric: Rubric, ws: WeightSet, lang: Literal["id", "en"] = "id") -> pd.DataFrame:
    """Dimension scores and categories, composite, predikat and explanation per row."""
    n_pred = len(rubric.predikat)
    out = wide[["period", "employee_id"]].copy()
    out["unit"] = wide["unit"] if "unit" in wide else pd.Series(pd.NA, index=wide.index, dtype="str")
    scores: dict[str, np.ndarray] = {}
    cat_idx: dict[str, np.ndarray] = {}
    why_missing = pd.Series("", index=wide.index, dtype=object)
    for dim in rubric.dimensions:
        s, reason = _dimension_values(wide, rubric, dim, ws, lang)
        scores[dim.id] = s
        out[dim.id] = s
        joined = np.where(why_missing == "", reason, why_missing + "; " + reason)
        why_missing = pd.Series(np.where(reason == "", why_missing, joined), index=wide.index, dtype=object)
        if dim.categories:
            cat_idx[dim.id] = _categories(s, dim)
            labels = [c.label.get(lang) for c in dim.categories]
            out[dim.id + "_category"] = pd.Categorical.from_codes(
                cat_idx[dim.id].astype(np.int64), categories=pd.Index(labels), ordered=True)
    rank = np.full(len(wide), -1)
    if rubric.rule == "matrix" and rubric.matrix is not None:
        m = rubric.matrix
        rcat = [c.id for c in rubric.dimension(m.rows).categories]
        ccat = [c.id for c in rubric.dimension(m.columns).categories]
        ranks = {p.id: p.rank for p in rubric.predikat}
        table = np.array([[ranks[m.cells[(r, c)]] for c in ccat] for r in rcat])
        ri, ci = cat_idx[m.rows], cat_idx[m.columns]
        ok = (ri >= 0) & (ci >= 0)
        rank = np.where(ok, table[np.maximum(ri, 0), np.maximum(ci, 0)], -1)
        texts = matrix_explanations(rubric, lang)
        cell = np.where(ok, np.maximum(ri, 0) * len(ccat) + np.maximum(ci, 0), len(texts))
        explanation = pd.Series(np.asarray([*texts, ""], dtype=object)[cell], index=wide.index)
        out["composite"] = np.nan
    else:
        comp = np.zeros(len(wide))
        for dim in rubric.dimensions:
            comp = comp + ws.dimensions[dim.id] * scores[dim.id]
        out["composite"] = comp
        phrases = band_phrases(rubric, lang)
        band_idx = np.full(len(wide), -1)
        for b, band in enumerate(rubric.bands):
            above = comp >= band.min if band.min_inclusive else comp > band.min
            below = comp <= band.max if band.max_inclusive else comp < band.max
            band_idx = np.where(above & below, b, band_idx)
        ranks_arr = np.array([rubric.predikat[[p.id for p in rubric.predikat].index(b.predikat)].rank
                              for b in rubric.bands])
        rank = np.where(band_idx >= 0, ranks_arr[np.maximum(band_idx, 0)], -1)
        phrase = np.asarray([*phrases, ""], dtype=object)[np.where(band_idx >= 0, band_idx, len(phrases))]
        for c, cond in enumerate(rubric.conditions):
            flag = _flag(wide, rubric, cond.flag)
            out[cond.flag] = flag
            pr = {p.id: p.rank for p in rubric.predikat}
            hit = (rank == pr[cond.replaces]) & (comp >= cond.min)
            rank = np.where(hit & flag, pr[cond.predikat], rank)
            extra = band_phrases(rubric, lang, condition=c)
            phrase = np.where(hit & flag, extra[0], np.where(hit & ~flag, extra[1], phrase))
        label = rubric.composite_label.get(lang) if rubric.composite_label else "Nilai"
        values = pd.Series(np.round(comp, 2), index=wide.index).astype(str)
        explanation = label + " " + values + " " + pd.Series(phrase, index=wide.index)
    explanation = explanation.where(why_missing == "", message("not_scored", lang) + ": " + why_missing)
    labels = [p.label.get(lang) for p in reversed(rubric.predikat)]
    codes = np.where(rank >= 0, n_pred - 1 - rank, -1)
    out["predikat"] = pd.Categorical.from_codes(codes.astype(np.int64), categories=pd.Index(labels),
                                               ordered=True)
    out["explanation"] = explanation.astype(object)
    out["n_ratings"] = wide["n_ratings"].to_numpy()
    for col in wide.columns:
        if col.startswith(IND_PREFIX):
            out[col] = wide[col].to_numpy()
    return out
