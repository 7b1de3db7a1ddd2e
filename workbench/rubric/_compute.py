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

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from workbench.data.contract import RATER_ROLES
from workbench.data.normalize import RATING_LABELS, canonical_name, canonical_text
from workbench.errors import DataContractError
from workbench.rubric._compiled import TIE_TOL, category_index, compile_rubric
from workbench.rubric.explain import band_phrases, matrix_explanations, message
from workbench.rubric.model import Dimension, Rubric, WeightSet

__all__ = ["IND_PREFIX", "TIE_TOL", "RatingCube", "finish", "indicator_cube", "indicator_table",
           "input_indicators", "rating_cube"]

IND_PREFIX = "indicator:"
"""Prefix of the indicator columns in the wide table (ids may equal dimension ids)."""

_TRUE = {"1", "true", "ya", "y", "yes", "benar", "ada"}

def input_indicators(rubric: Rubric) -> list[str]:
    """The rubric's indicators, then the flag indicators that are not also rubric indicators."""
    return list(compile_rubric(rubric).inputs)


def _scores(ratings: pd.DataFrame, rubric: Rubric) -> np.ndarray:
    """The score column as floats; e-Kinerja labels (any case/spacing) become their levels."""
    s = ratings["score"]
    if pd.api.types.is_numeric_dtype(s):
        return s.to_numpy(dtype=float)
    labels = dict(RATING_LABELS)
    for ind in rubric.indicators:
        for level, label in ind.scale.labels:
            labels[canonical_text(label.id)] = level
            labels[canonical_text(label.en)] = level
    codes, uniques = pd.factorize(s.astype(str), use_na_sentinel=False)
    u = pd.Series(uniques)
    text = u.str.strip().str.replace(r"^([+-]?\d+),(\d+)$", r"\1.\2", regex=True)
    values = pd.to_numeric(text, errors="coerce").astype(float)
    values = values.where(values.notna(), canonical_name(u).map(labels))
    return values.to_numpy(dtype=float)[codes]


_CHUNK = 1 << 18
"""Rows per block of the row-wise checks (keeps the temporaries in cache)."""


def _integer_levels(levels: tuple[float, ...], lo: float, hi: float) -> bool:
    """Whether ``levels`` are exactly the integers of ``[lo, hi]`` (a Likert scale), so that
    "in range and a whole number" is the same test as "one of the levels"."""
    if not levels or not all(float(v).is_integer() for v in levels) or hi - lo > 1e6:
        return False
    return {int(v) for v in levels} == set(range(int(np.ceil(lo)), int(np.floor(hi)) + 1))


def _invalid(score: np.ndarray, ind: np.ndarray, lo: np.ndarray, hi: np.ndarray,
             levels: list[tuple[float, ...]]) -> np.ndarray:
    """True where a score is missing, outside its indicator's range or not one of its levels.

    One pass over the rows in cache-sized blocks (no hashing of the score column); only an
    indicator whose levels are not simply the whole numbers of its range gets an extra
    ``np.isin`` on its own rows."""
    whole = np.array([_integer_levels(lev, lo[j], hi[j]) for j, lev in enumerate(levels)], dtype=bool)
    bad = np.empty(len(score), dtype=bool)
    check_whole = bool(whole.any())
    for a in range(0, len(score), _CHUNK):
        s, i = score[a:a + _CHUNK], ind[a:a + _CHUNK].astype(np.intp)
        b = bad[a:a + _CHUNK]
        np.not_equal(np.clip(s, lo.take(i), hi.take(i)), s, out=b)  # outside, or NaN
        if check_whole:
            b |= whole.take(i) & (np.rint(s) != s)
    for j, lev in enumerate(levels):
        if lev and not whole[j]:
            rows = np.flatnonzero(ind == j)
            bad[rows] |= ~np.isin(score[rows], lev)
    return bad


def _check_scale(ratings: pd.DataFrame, score: np.ndarray, ind: np.ndarray, rubric: Rubric,
                 ids: list[str], out_of_scale: str) -> np.ndarray:
    known = {i.id for i in rubric.indicators}
    lo = np.array([rubric.indicator(i).scale.min if i in known else -np.inf for i in ids])
    hi = np.array([rubric.indicator(i).scale.max if i in known else np.inf for i in ids])
    levels = [rubric.indicator(i).scale.levels if i in known else () for i in ids]
    bad = _invalid(score, ind, lo, hi, levels)
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


def _codes(s: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (-1 = missing) and the distinct values of a key column; a categorical
    reuses its codes, anything else is factorised once."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.array.codes, s.cat.categories  # type: ignore[attr-defined]  # (the codes themselves, no copy)
    codes, uniques = pd.factorize(s)
    return codes, pd.Index(uniques)


def _present(codes: np.ndarray, n_values: int) -> tuple[np.ndarray, bool]:
    """Which of ``n_values`` codes occur, and whether a missing code (-1) occurs."""
    if len(codes) and n_values:
        lo, hi = int(codes.min()), int(codes.max())
        if lo == hi:  # one value (e.g. every rating by the atasan): no count needed
            seen = np.zeros(n_values, dtype=bool)
            if lo >= 0:
                seen[lo] = True
            return seen, lo < 0
    if codes.dtype.itemsize <= 2:  # small codes: one bincount on the unsigned view, -1 lands last
        counts = np.bincount(codes.view(np.dtype(f"u{codes.dtype.itemsize}")).ravel(),
                             minlength=max(n_values, 1))
        return counts[:n_values] > 0, bool(counts[n_values:].any())
    missing = bool(len(codes)) and int(codes.min()) < 0
    ok = codes[codes >= 0] if missing else codes
    return np.bincount(ok, minlength=n_values)[:n_values] > 0, missing


def _key_values(uniques: pd.Index, idx: np.ndarray, like: pd.Series) -> pd.api.extensions.ExtensionArray:
    """The key values ``uniques[idx]`` as the key column's string dtype (default ``str``)."""
    return pd.array(uniques.take(idx), dtype=_str_dtype(like))  # type: ignore[arg-type]


def _dense(codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Compact non-negative integer ``codes`` (all ``< size``) onto ``0 .. m-1`` in increasing
    order of code: returns ``(dense codes, distinct codes)``. A presence table and a
    cumulative sum when ``size`` is not much larger than the data, else a sorted factorise."""
    if size <= 4 * len(codes) + 4096:
        seen = np.zeros(size, dtype=bool)
        seen[codes] = True
        if seen.all():  # every code occurs: already dense
            return codes, np.arange(size)
        remap = np.cumsum(seen, dtype=np.int64) - 1
        return remap[codes], np.flatnonzero(seen)
    dense, uniques = pd.factorize(codes, sort=True)
    return dense.astype(np.int64, copy=False), np.asarray(uniques, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class RatingCube:
    """Ratings summed per (employee-period, input indicator, rater role): the one reading of
    the ratings that both scorers share (see :func:`rating_cube`).

    ``sums`` and ``counts`` have shape ``(n_keys, len(inputs), len(roles))``; ``roles`` are
    indices into the contract's rater roles; ``period`` and ``employee_id`` the keys (in
    the order of their codes, or in text order when asked for); ``rows`` the ratings rows
    used. ``period_codes`` and ``employee_codes`` give each key as codes into the distinct
    values ``period_values`` and ``employee_values`` (a categorical's categories), for a
    join without hashing the keys again.
    """

    period: Any
    employee_id: Any
    sums: np.ndarray
    counts: np.ndarray
    roles: np.ndarray
    rows: pd.DataFrame
    period_codes: np.ndarray | None = None
    employee_codes: np.ndarray | None = None
    period_values: pd.Index | None = None
    employee_values: pd.Index | None = None

    @property
    def n(self) -> int:
        """Number of employee-periods."""
        return self.sums.shape[0]


def _text_rank(values: pd.Index) -> np.ndarray:
    """Rank of each distinct value in text order (as ``str``; stable): ``rank[code]``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    order = pc.sort_indices(pa.array(pd.Index(values).astype("str").array)).to_numpy()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


def rating_cube(ratings: pd.DataFrame, rubric: Rubric, role_weights: np.ndarray | None = None,
                out_of_scale: Literal["raise", "clip"] = "raise", *, text_order: bool = False) -> RatingCube:
    """Read the ratings once: sums and counts per employee-period, input indicator and role.

    ``role_weights`` (``(len(inputs), len(roles))``, from :meth:`CompiledRubric.role_weights`)
    says which (indicator, role) pairs count; ``None`` keeps every role (the weighting
    laboratory varies them). Scores are parsed as the scorer does (e-Kinerja labels become
    their levels) and checked against each indicator's scale (``out_of_scale``). The key
    columns are factorised once into integer codes (categoricals reuse their codes); every
    aggregate is one ``np.bincount`` over a flat (key, indicator, role) code. Ratings with a
    missing period or employee are not used. ``text_order``: keys in text order of period,
    then employee (the scorer's output order), got by sorting the distinct values, not
    the rows.
    """
    compiled = compile_rubric(rubric)
    ids = list(compiled.inputs)
    n_roles = len(RATER_ROLES)
    wr = np.ones((len(ids), n_roles)) if role_weights is None else role_weights
    ind_codes, ind_uniques = _codes(ratings["indicator"])
    lookup = np.array([ids.index(u) if u in ids else -1 for u in ind_uniques] + [-1], dtype=np.int64)
    role = ratings["rater_role"]
    if not (isinstance(role.dtype, pd.CategoricalDtype) and list(role.cat.categories) == list(RATER_ROLES)):
        role = pd.Series(pd.Categorical(role, categories=list(RATER_ROLES)), index=ratings.index)
    role_codes = role.array.codes  # type: ignore[attr-defined]
    p_codes, p_uni = _codes(ratings["period"])
    e_codes, e_uni = _codes(ratings["employee_id"])
    # which (indicator value, role) pairs count: a small table; code -1 (missing) reads the
    # last row / column, which stays False
    usable = np.zeros((len(ind_uniques) + 1, n_roles + 1), dtype=bool)
    known = lookup[:-1] >= 0
    usable[:-1, :-1][known] = wr[lookup[:-1][known]] > 0
    role_seen, role_na = _present(role_codes, n_roles)
    if not role_na and bool(usable[:-1, :-1][:, role_seen].all()):
        # every indicator value counts for the roles present: only a missing one matters
        ind_na = bool(len(ind_codes)) and int(ind_codes.min()) < 0
        all_usable = not ind_na
    else:
        ind_seen, ind_na = _present(ind_codes, len(ind_uniques))
        all_usable = not (ind_na or role_na) and bool(usable[:-1, :-1][np.ix_(ind_seen, role_seen)].all())
    key_na = bool(len(p_codes)) and (int(p_codes.min()) < 0 or int(e_codes.min()) < 0)
    if all_usable and not key_na:  # every row counts: no per-row test, no copy
        sub = ratings
    else:
        keep = np.ones(len(ratings), dtype=bool)
        if not all_usable:
            pair = ind_codes.astype(np.int64) * (n_roles + 1)
            pair += role_codes
            pair[role_codes < 0] = -1
            keep = usable.ravel()[pair]
        if key_na:
            keep &= (p_codes >= 0) & (e_codes >= 0)
        sub = ratings[keep]
        ind_codes, role_codes, p_codes, e_codes = (ind_codes[keep], role_codes[keep], p_codes[keep],
                                                   e_codes[keep])
    identity = len(ind_uniques) == len(ids) and bool((lookup[:-1] == np.arange(len(ids))).all())
    # (indicator codes that already are input positions: no per-row look-up)
    ind = ind_codes if identity and not ind_na else lookup.take(ind_codes.astype(np.intp))
    score = _check_scale(sub, _scores(sub, rubric), ind, rubric, ids, out_of_scale)
    n_p, n_e = max(len(p_uni), 1), max(len(e_uni), 1)
    used = np.flatnonzero(wr.any(axis=0))
    n_i, n_r = len(ids), max(len(used), 1)
    if n_p == 1:  # one period: the employee code is the key
        key = e_codes.astype(np.int64)
    else:
        key = p_codes.astype(np.int64) * n_e
        key += e_codes
    if n_p * n_e * n_i * n_r <= 2 * len(key) + 4096:
        # every possible key is cheap to count: no compaction of the rows' codes first,
        # the keys that occur are read off the counts
        key_codes, key_uni = key, None
        n_k = n_p * n_e
    else:
        key_codes, key_uni = _dense(key, n_p * n_e)
        n_k = len(key_uni)
    flat = key_codes
    flat *= n_i
    flat += ind
    if n_r > 1:
        compact = np.full(n_roles, -1)
        compact[used] = np.arange(len(used))
        flat *= n_r
        flat += compact[role_codes]
    del key, key_codes
    size = n_k * n_i * n_r
    # the counts first, kept as int32 (a rating row is counted once), then the sums: the
    # flat codes, the sums and one full-width count array are the peak
    counts = np.bincount(flat, minlength=size).astype(np.int32).reshape(n_k, n_i, n_r)
    sums = np.bincount(flat, weights=score, minlength=size).reshape(n_k, n_i, n_r)
    del flat
    if key_uni is None:
        occurs = counts.reshape(n_k, -1).any(axis=1)
        key_uni = np.flatnonzero(occurs)
        if len(key_uni) < n_k:
            sums, counts = sums[key_uni], counts[key_uni]
    if text_order and len(key_uni) > 1:
        sort_key = _text_rank(p_uni)[key_uni // n_e] * n_e if n_p > 1 else np.zeros(len(key_uni), dtype=np.int64)
        sort_key += _text_rank(e_uni)[key_uni % n_e]
        if not bool((sort_key[1:] > sort_key[:-1]).all()):  # not already in text order
            order = np.argsort(sort_key, kind="stable")
            key_uni, sums, counts = key_uni[order], sums[order], counts[order]
    kp, ke = key_uni // n_e, key_uni % n_e
    return RatingCube(period=_key_values(p_uni, kp, sub["period"]),
                      employee_id=_key_values(e_uni, ke, sub["employee_id"]),
                      sums=sums, counts=counts, roles=used if len(used) else np.zeros(1, dtype=np.int64),
                      rows=sub, period_codes=kp, employee_codes=ke, period_values=pd.Index(p_uni),
                      employee_values=pd.Index(e_uni))


def indicator_table(ratings: pd.DataFrame, rubric: Rubric, ws: WeightSet,
                    out_of_scale: Literal["raise", "clip"] = "raise") -> pd.DataFrame:
    """Combine raters per indicator: one row per ``period, employee_id``.

    For indicator *i* of employee *e*: the mean score of each rater role, combined as a
    weighted mean with the weight set's role weights for *i*'s dimension, renormalised
    over the roles that actually rated *e* on *i*. Columns: ``period, employee_id``,
    ``indicator:<id>`` per input indicator (NaN where unrated), ``n_ratings``. Rows are in
    the order of the key codes (categories or first appearance), not sorted. The ratings
    are read by :func:`rating_cube`, as the weighting laboratory reads them.
    """
    return indicator_cube(ratings, rubric, ws, out_of_scale)[0]


def indicator_cube(ratings: pd.DataFrame, rubric: Rubric, ws: WeightSet,
                   out_of_scale: Literal["raise", "clip"] = "raise",
                   text_order: bool = False) -> tuple[pd.DataFrame, RatingCube]:
    """:func:`indicator_table` and the :class:`RatingCube` it was read from (its key codes
    join the roster); ``text_order``: rows in text order of period, then employee."""
    compiled = compile_rubric(rubric)
    wr = compiled.role_weights(ws)
    cube = rating_cube(ratings, rubric, wr, out_of_scale, text_order=text_order)
    sums, cnts, used = cube.sums, cube.counts, cube.roles
    n_k, n_i, n_r = sums.shape
    with np.errstate(invalid="ignore", divide="ignore"):
        if n_r == 1:
            # one role: the weighted mean over roles is that role's mean (NaN where unrated),
            # divided in place (the sums are not needed afterwards)
            values = np.divide(sums[:, :, 0], cnts[:, :, 0],
                               out=sums[:, :, 0] if sums.dtype == np.float64 else None)
        else:
            num = np.zeros((n_k, n_i))
            den = np.zeros((n_k, n_i))
            for r in range(n_r):
                has = cnts[:, :, r] > 0
                wcol = np.where(has, wr[:, used[r]][None, :], 0.0)
                num += wcol * np.where(has, sums[:, :, r] / np.maximum(cnts[:, :, r], 1), 0.0)
                den += wcol
            values = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    out = pd.DataFrame(values, columns=[IND_PREFIX + i for i in compiled.inputs], copy=False)
    out.insert(0, "period", cube.period)
    out.insert(1, "employee_id", cube.employee_id)
    out["n_ratings"] = cnts.sum(axis=(1, 2)).astype(np.int64)
    return out, cube


def _reason_texts(missing: np.ndarray, label: str, names: list[str], lang: str) -> tuple[np.ndarray, list[str]]:
    """Codes into a list of texts "<label>: no ratings for a, b", one text per distinct
    pattern of missing indicators (rows of ``missing``; code -1 where nothing is missing)."""
    code = np.full(len(missing), -1, dtype=np.int64)
    rows = np.flatnonzero(missing.any(axis=1)) if missing.size else np.zeros(0, dtype=np.int64)
    if not len(rows):
        return code, []
    patterns, inverse = np.unique(missing[rows], axis=0, return_inverse=True)
    code[rows] = inverse.ravel()
    texts = [f"{label}: {message('no_ratings', lang)} "
             + ", ".join(n for n, m in zip(names, pat, strict=True) if m) for pat in patterns]
    return code, texts


def _dimension_values(wide: pd.DataFrame, rubric: Rubric, dim: Dimension, ws: WeightSet,
                      lang: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """One dimension's score per row and, where it cannot be computed, the reason: a code
    per row (-1 when scored) into a list of texts (one per distinct pattern of missing
    indicators, so no string is built per row)."""
    n = len(wide)
    compiled = compile_rubric(rubric)
    inds = [rubric.indicator(i) for i in dim.indicators]
    pos = [compiled.inputs.index(i.id) for i in inds]
    # one row per employee, C order (the row sums below keep numpy's pairwise order); the
    # columns are read from the wide table's block at once, not one strided column at a time
    v = np.array(wide[[IND_PREFIX + i.id for i in inds]].to_numpy(dtype=float), dtype=float, order="C", copy=True)
    v -= compiled.ind_lo[pos]
    v /= compiled.ind_span[pos]
    rev = compiled.ind_reverse[pos]
    if rev.any():
        v[:, rev] = 1 - v[:, rev]
    v *= dim.scale.max - dim.scale.min
    v += dim.scale.min
    wvec = np.array([ws.indicators.get(i.id, 0.0) for i in inds])
    per_row = any(i.applies_to is not None for i in inds)
    if per_row:
        wmat = np.repeat(wvec[None, :], n, axis=0)
        for j, ind in enumerate(inds):
            if ind.applies_to is not None:
                col = ind.applies_to.column
                applies = wide[col].isin(ind.applies_to.values).to_numpy() if col in wide else np.zeros(n, bool)
                wmat[~applies, j] = 0.0
    nan = np.isnan(v)
    has_nan = bool(nan.any())
    if not has_nan and not per_row:
        # every indicator rated (the usual case): nothing is missing, nothing to blank
        missing = np.zeros((n, len(inds)), dtype=bool)
    else:
        missing = nan & ((wmat > 0) if per_row else (wvec > 0)[None, :])
        if dim.missing == "renormalise":
            wmat = np.where(nan, 0.0, wmat if per_row else wvec[None, :])
            per_row = True
        np.copyto(v, 0.0, where=nan)
    del nan
    w = wmat if per_row else wvec[None, :]
    # (same summation as a per-row weight matrix would get)
    total = w.sum(axis=1) if per_row else np.full(n, wvec[None, :].sum(axis=1)[0])
    with np.errstate(invalid="ignore", divide="ignore"):
        if dim.aggregation == "weighted_mean":
            s = (w * v).sum(axis=1) / total
        elif dim.aggregation == "geometric_mean":
            logs = np.where(w > 0, w * np.log(np.where(v > 0, v, 1.0)), 0.0)
            zero = ((v <= 0) & (w > 0)).any(axis=1)
            s = np.where(zero, 0.0, np.exp(logs.sum(axis=1) / total))
        else:
            s = np.where(w > 0, v, np.inf).min(axis=1)
    bad = (total <= 0) | (missing.any(axis=1) if dim.missing == "propagate" and has_nan else False)
    s[bad] = np.nan
    label = dim.label.get(lang)  # type: ignore[arg-type]
    if has_nan:
        code, texts = _reason_texts(missing & bad[:, None], label, list(dim.indicators), lang)
    else:
        code, texts = np.full(n, -1, dtype=np.int64), []
    if (bad & (code < 0)).any():  # e.g. every weight zero: nothing to name
        texts.append(f"{label}: {message('no_ratings', lang)} ")
        code[bad & (code < 0)] = len(texts) - 1
    return s, code, texts


def _categories(s: np.ndarray, dim: Dimension) -> np.ndarray:
    """Category index per score (-1 where the score is missing): the compiled rule
    (:func:`workbench.rubric._compiled.category_index`) on the dimension's thresholds."""
    return category_index(s, np.array([c.min for c in dim.categories[1:]], dtype=float))


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


def _combine(codes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """One code per row for a tuple of codes (each ``>= -1``): ``(code, distinct tuples as
    rows, in code order)``; the explanation is then built once per distinct tuple."""
    n = len(codes[0])
    flat = np.zeros(n, dtype=np.int64)
    for c in codes:
        if n and c.max() >= 0:
            flat, _ = pd.factorize(flat * (int(c.max()) + 2) + (c + 1))
    _, first = np.unique(flat, return_index=True)
    return flat, np.stack([c[first] for c in codes], axis=1)


def finish(wide: pd.DataFrame, rubric: Rubric, ws: WeightSet, lang: Literal["id", "en"] = "id") -> pd.DataFrame:
    """Dimension scores and categories, composite, predikat and explanation per row.

    Explanations are built once per distinct combination of what decides them (matrix
    cell or band and condition, the composite rounded to 2 decimals, the reasons a row
    cannot be scored) and mapped onto the rows.
    """
    n = len(wide)
    n_pred = len(rubric.predikat)
    compiled = compile_rubric(rubric)
    cols: dict[str, object] = {
        "period": wide["period"].array, "employee_id": wide["employee_id"].array,
        "unit": wide["unit"].array if "unit" in wide else pd.array([pd.NA] * n, dtype="str")}
    scores: dict[str, np.ndarray] = {}
    cat_idx: dict[str, np.ndarray] = {}
    why_codes: list[np.ndarray] = []
    why_texts: list[list[str]] = []
    for d, dim in enumerate(rubric.dimensions):
        s, code, texts = _dimension_values(wide, rubric, dim, ws, lang)
        scores[dim.id] = s
        cols[dim.id] = s
        why_codes.append(code)
        why_texts.append(texts)
        if dim.categories:
            cat_idx[dim.id] = compiled.categories(d, s)
            labels = [c.label.get(lang) for c in dim.categories]
            cols[dim.id + "_category"] = pd.Categorical.from_codes(
                cat_idx[dim.id].astype(np.int64), categories=pd.Index(labels), ordered=True)
    rank = np.full(n, -1)
    parts: list[np.ndarray] = []  # codes that decide the explanation
    if rubric.rule == "matrix" and rubric.matrix is not None:
        m = rubric.matrix
        n_cols = compiled.matrix_table.shape[1]
        ri, ci = cat_idx[m.rows], cat_idx[m.columns]
        ok = (ri >= 0) & (ci >= 0)
        rank = compiled.matrix_rank(ri, ci)
        texts = matrix_explanations(rubric, lang)
        cell = np.where(ok, np.maximum(ri, 0) * n_cols + np.maximum(ci, 0), -1)
        parts = [cell]
        cols["composite"] = np.full(n, np.nan)

        def decided(c: np.ndarray) -> str:
            return texts[c[0]] if c[0] >= 0 else ""
    else:
        comp = np.zeros(n)
        for dim in rubric.dimensions:
            comp = comp + ws.dimensions[dim.id] * scores[dim.id]
        comp = compiled.snap(comp)  # rounding past the scale's ends puts no one outside it
        cols["composite"] = comp
        phrases = band_phrases(rubric, lang)
        band_idx = compiled.band_index(comp)
        rank = np.where(band_idx >= 0, compiled.band_rank[np.maximum(band_idx, 0)], -1)
        phrase = np.where(band_idx >= 0, band_idx, -1)
        all_phrases = list(phrases)
        for c, (replaces, target, low, flag_id) in enumerate(compiled.conditions):
            flag = _flag(wide, rubric, flag_id)
            cols[flag_id] = flag
            hit = (rank == replaces) & (comp >= low)
            rank = np.where(hit & flag, target, rank)
            extra = band_phrases(rubric, lang, condition=c)
            k = len(all_phrases)
            all_phrases += extra
            phrase = np.where(hit & flag, k, np.where(hit & ~flag, k + 1, phrase))
        label = rubric.composite_label.get(lang) if rubric.composite_label else "Nilai"
        value_code, value_uni = pd.factorize(np.round(comp, 2), use_na_sentinel=False)
        values = pd.Series(np.asarray(value_uni, dtype=float)).astype(str).tolist()
        parts = [value_code.astype(np.int64), phrase]

        def decided(c: np.ndarray) -> str:
            return f"{label} {values[c[0]]} {all_phrases[c[1]] if c[1] >= 0 else ''}"
    n_dec = len(parts)
    code, combos = _combine(parts + why_codes)
    not_scored = message("not_scored", lang)
    texts_out = []
    for combo in combos:
        why = [why_texts[d][k] for d, k in enumerate(combo[n_dec:]) if k >= 0]
        texts_out.append(f"{not_scored}: {'; '.join(why)}" if why else decided(combo[:n_dec]))
    labels = [p.label.get(lang) for p in reversed(rubric.predikat)]
    codes = np.where(rank >= 0, n_pred - 1 - rank, -1)
    cols["predikat"] = pd.Categorical.from_codes(codes.astype(np.int64), categories=pd.Index(labels),
                                                 ordered=True)
    explanation = np.asarray(texts_out, dtype=object)[code] if n else np.empty(0, dtype=object)
    cols["explanation"] = pd.Series(explanation, index=wide.index, dtype=object, copy=False)
    cols["n_ratings"] = wide["n_ratings"].to_numpy()
    for col in wide.columns:
        if col.startswith(IND_PREFIX):
            cols[col] = wide[col].to_numpy()
    return pd.DataFrame(cols, index=wide.index, copy=False)
