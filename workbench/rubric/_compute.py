"""The two vectorised stages of scoring, on one pandas partition each.

Stage 1, :func:`indicator_table`: the long ratings -> one row per employee and period
with one column per indicator (rater roles combined). Stage 2, :func:`finish` (in
:mod:`workbench.rubric._wide`, re-exported here): that wide table (with roster columns
joined) -> dimension scores, categories, composite, predikat and explanation. Both are
plain pandas/numpy functions, so :func:`workbench.rubric.score` runs them directly in
memory or per partition of a Dask DataFrame. In memory, :func:`indicator_values` hands the
indicator values on as one array, never a DataFrame. There is no Python loop over
employees; loops run over indicators, dimensions, bands and blocks of rows only.

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
from workbench.rubric._compiled import TIE_TOL, compile_rubric
from workbench.rubric._wide import IND_PREFIX, finish
from workbench.rubric.model import Rubric, WeightSet

__all__ = ["IND_PREFIX", "TIE_TOL", "RatingCube", "finish", "indicator_cube", "indicator_table",
           "indicator_values", "input_indicators", "rating_cube"]


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


def _scale_arrays(rubric: Rubric, ids: list[str]) -> tuple[np.ndarray, np.ndarray, list[tuple[float, ...]]]:
    """Per input indicator: its scale's minimum and maximum (-inf, inf for a flag indicator
    that is not a rubric indicator) and its levels (empty: any value in the range)."""
    known = {i.id for i in rubric.indicators}
    lo = np.array([rubric.indicator(i).scale.min if i in known else -np.inf for i in ids], dtype=float)
    hi = np.array([rubric.indicator(i).scale.max if i in known else np.inf for i in ids], dtype=float)
    levels = [rubric.indicator(i).scale.levels if i in known else () for i in ids]
    return lo, hi, levels


def _check_scale(ratings: pd.DataFrame, score: np.ndarray, ind: np.ndarray, rubric: Rubric,
                 ids: list[str], out_of_scale: str) -> np.ndarray:
    lo, hi, levels = _scale_arrays(rubric, ids)
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


_CELL_CHUNK = 8192
"""Employee-periods per block of the cell check (a block's temporaries stay in cache)."""


def _cells_in_scale(sums: np.ndarray, counts: np.ndarray, flat: np.ndarray | None, score: np.ndarray,
                    ind: np.ndarray, rubric: Rubric, ids: list[str], single: bool = False) -> bool:
    """Whether every rating lies on its indicator's scale (what :func:`_invalid` tests row
    by row), read off the aggregated cells ``(keys, inputs, roles)`` where it can be.

    A cell rated once holds that rating itself (``0.0 + x`` is ``x``), so its test is the
    row's test, with the indicator's bounds the same down the cell's column instead of
    gathered per row: in a block of cells rated once, each run of adjacent columns with
    the same scale is tested by its minimum and maximum (NaN fails) and, on a scale of
    whole numbers, by rounding. Only the rows of cells rated more than once are tested one
    by one (their sum says nothing about each rating; ``flat`` gives each row's cell).
    ``single``: every cell is rated once (no count to read). ``False`` sends the caller to
    :func:`_check_scale` on the rows, which raises with the rows, or clips."""
    lo, hi, levels = _scale_arrays(rubric, ids)
    whole = np.array([_integer_levels(lev, lo[j], hi[j]) for j, lev in enumerate(levels)], dtype=bool)
    other = [j for j, lev in enumerate(levels) if lev and not whole[j]]  # levels that are not 1, 2, ...
    lo3, hi3, part3 = lo[None, :, None], hi[None, :, None], ~whole[None, :, None]
    # runs of adjacent columns with one scale: (first, end, min, max, whole numbers)
    edges = [j for j in range(1, len(ids))
             if (lo[j], hi[j], whole[j]) != (lo[j - 1], hi[j - 1], whole[j - 1])]
    runs = [(a, b, lo[a], hi[a], bool(whole[a])) for a, b in zip([0, *edges], [*edges, len(ids)], strict=True)
            if b > a]
    several = False
    for a in range(0, sums.shape[0], _CELL_CHUNK):
        s = sums[a:a + _CELL_CHUNK]
        c = None if single else counts[a:a + _CELL_CHUNK]
        once = None
        if c is None or not (c != 1).any():  # every cell of the block rated once
            for j0, j1, low, high, is_whole in runs:
                x = s[:, j0:j1]
                if not x.size:
                    continue
                if not (x.min() >= low and x.max() <= high):  # (a NaN fails both)
                    return False
                if is_whole and (np.rint(x) != x).any():
                    return False
        else:
            ok = s >= lo3  # (NaN fails both)
            ok &= s <= hi3
            if whole.any():
                ok &= (np.rint(s) == s) | part3
            once = c == 1
            if (once & ~ok).any():
                return False
            several = several or bool((c > 1).any())
        for j in other:
            col = s[:, j]
            if not np.isin(col if once is None else col[once[:, j]], levels[j]).all():
                return False
    if several and flat is not None:
        rows = np.flatnonzero(counts.reshape(-1).take(flat) > 1)
        if _invalid(score[rows], ind[rows], lo, hi, levels).any():
            return False
    return True


def _in_cell_order(p_codes: np.ndarray | None, e_codes: np.ndarray, ind: np.ndarray, role: np.ndarray | None,
                   n_e: int, n_i: int, n_r: int) -> bool:
    """Whether row ``r`` of the ratings is cell ``r`` of the cube, for every row (every cell
    rated once, the rows in the cells' order): with ``m = n_i * n_r`` rows per key, row
    ``k * m + i * n_r + r`` has key ``k`` (period ``k // n_e``, employee ``k % n_e``),
    indicator ``i`` and role ``r``. The codes are compared with that pattern in blocks of
    keys, in their own small integer types; stops at the first block that differs."""
    m = n_i * n_r
    n_k = len(e_codes) // m if m else 0
    if not m or n_k * m != len(e_codes):
        return False
    ind_pattern = np.repeat(np.arange(n_i), n_r).astype(ind.dtype)
    role_pattern = np.tile(np.arange(n_r), n_i)
    step = max((1 << 16) // m, 1)
    for a in range(0, n_k, step):
        b = min(a + step, n_k)
        keys = np.arange(a, b)
        if not (ind[a * m:b * m].reshape(b - a, m) == ind_pattern).all():
            return False
        if not (e_codes[a * m:b * m].reshape(b - a, m) == (keys % n_e)[:, None]).all():
            return False
        if p_codes is not None and not (p_codes[a * m:b * m].reshape(b - a, m) == (keys // n_e)[:, None]).all():
            return False
        if role is not None and not (role[a * m:b * m].reshape(b - a, m) == role_pattern).all():
            return False
    return True


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
    join without hashing the keys again. ``n_ratings``: the ratings counted per key (the
    sum of ``counts`` over indicators and roles). ``single``: every cell was rated exactly
    once (``counts`` is then a read-only broadcast 1, and ``sums`` hold the ratings).
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
    n_ratings: np.ndarray | None = None
    single: bool = False

    @property
    def n(self) -> int:
        """Number of employee-periods."""
        return self.sums.shape[0]


def _text_order(values: pd.Index) -> tuple[np.ndarray, np.ndarray] | None:
    """The distinct values in text order (as ``str``; stable): ``(order, rank)`` with
    ``values[order]`` sorted and ``rank[code]`` each code's place; None when they already
    are in text order."""
    import pyarrow as pa
    import pyarrow.compute as pc

    order = pc.sort_indices(pa.array(pd.Index(values).astype("str").array)).to_numpy().astype(np.int64)
    if bool((order == np.arange(len(order))).all()):
        return None
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return order, rank


def _ranked(codes: np.ndarray, ranks: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    """Non-negative ``codes`` as int64, mapped through the text ranks when there are any."""
    return codes.astype(np.int64) if ranks is None else ranks[1][codes]


def _weights(score: np.ndarray) -> np.ndarray:
    """``score`` as ``np.bincount`` reads its weights in place. bincount copies a read-only
    array first (pandas hands out its columns read-only, under copy-on-write): a view of
    the same memory that may be written (it never is) spares that copy of every rating."""
    if score.flags.writeable or score.dtype != np.float64 or not score.flags.c_contiguous:
        return score
    view = score.view()
    try:
        view.flags.writeable = True
    except ValueError:  # (memory that is read-only itself)
        return score
    return view


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
    score = _scores(sub, rubric)
    n_p, n_e = max(len(p_uni), 1), max(len(e_uni), 1)
    used = np.flatnonzero(wr.any(axis=0))
    n_i, n_r = len(ids), max(len(used), 1)
    role_c = None
    if n_r > 1:
        compact = np.full(n_roles, -1)
        compact[used] = np.arange(len(used))
        role_c = compact[role_codes]
    # text order: the distinct values are sorted and the rows' codes mapped through their
    # ranks, so the keys are counted in text order (the rows and the sums are not sorted)
    p_ranks = _text_order(p_uni) if text_order and n_p > 1 else None
    e_ranks = _text_order(e_uni) if text_order else None
    key_uni: np.ndarray | None
    if len(score) == n_p * n_e * n_i * n_r and _in_cell_order(
            p_codes if n_p > 1 else None, e_codes, ind, role_c, n_e, n_i, n_r):
        # every cell rated once, the rows in the cells' order: the ratings already are the
        # cube (counted 1 each); text order only reorders its keys
        n_k = n_p * n_e
        key_uni = np.arange(n_k)
        order = None if p_ranks is None and e_ranks is None else (
            (p_ranks[0] if p_ranks is not None else np.arange(n_p))[:, None] * n_e
            + (e_ranks[0] if e_ranks is not None else np.arange(n_e))[None, :]).ravel()

        def cells(x: np.ndarray) -> np.ndarray:
            # (+ 0.0, as the sums of a count start from 0.0: a -0.0 rating sums to 0.0)
            out = x.reshape(n_k, n_i, n_r)[order] if order is not None else x.reshape(n_k, n_i, n_r).copy()
            out += 0.0
            return out

        counts = np.broadcast_to(np.int32(1), (n_k, n_i, n_r))  # (read-only, no memory)
        sums = cells(score)
        single = True
        if not _cells_in_scale(sums, counts, None, score, ind, rubric, ids, single=True):
            score = _check_scale(sub, score, ind, rubric, ids, out_of_scale)
            sums = cells(score)
        n_ratings = np.full(n_k, n_i * n_r, dtype=np.int64)
    else:
        single = False
        if n_p == 1:  # one period: the employee code is the key
            key = _ranked(e_codes, e_ranks)
        else:
            key = _ranked(p_codes, p_ranks)
            key *= n_e
            key += _ranked(e_codes, e_ranks)
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
        if role_c is not None:
            flat *= n_r
            flat += role_c
        del key, key_codes, role_c
        size = n_k * n_i * n_r
        # the counts first, kept as int32 (a rating row is counted once), then the sums: the
        # flat codes, the sums and one full-width count array are the peak
        counts = np.bincount(flat, minlength=size).astype(np.int32).reshape(n_k, n_i, n_r)
        sums = np.bincount(flat, weights=_weights(score), minlength=size).reshape(n_k, n_i, n_r)
        if not _cells_in_scale(sums, counts, flat, score, ind, rubric, ids):
            # a rating off its scale: the rows' own check raises with the rows, or clips them
            score = _check_scale(sub, score, ind, rubric, ids, out_of_scale)
            sums = np.bincount(flat, weights=score, minlength=size).reshape(n_k, n_i, n_r)
        del flat
        # (int32 sums cannot overflow: a key counts fewer ratings than there are rows)
        n_ratings = np.einsum("ij->i", counts.reshape(n_k, -1)).astype(np.int64) if len(score) < 2**31 else \
            counts.reshape(n_k, -1).sum(axis=1, dtype=np.int64)
        if key_uni is None:
            key_uni = np.flatnonzero(n_ratings)
            if len(key_uni) < n_k:
                sums, counts, n_ratings = sums[key_uni], counts[key_uni], n_ratings[key_uni]
    # back from the ranks to the codes of the distinct values
    kp = key_uni // n_e if p_ranks is None else p_ranks[0].take(key_uni // n_e)
    ke = key_uni % n_e if e_ranks is None else e_ranks[0].take(key_uni % n_e)
    return RatingCube(period=_key_values(p_uni, kp, sub["period"]),
                      employee_id=_key_values(e_uni, ke, sub["employee_id"]),
                      sums=sums, counts=counts, roles=used if len(used) else np.zeros(1, dtype=np.int64),
                      rows=sub, period_codes=kp, employee_codes=ke, period_values=pd.Index(p_uni),
                      employee_values=pd.Index(e_uni), n_ratings=n_ratings, single=single)


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
    values, cube = indicator_values(ratings, rubric, ws, out_of_scale, text_order=text_order)
    return _indicator_frame(values, cube.period, cube.employee_id, cube.n_ratings,
                            compile_rubric(rubric).inputs), cube


def _indicator_frame(values: np.ndarray, period: Any, employee_id: Any, n_ratings: Any,
                     inputs: tuple[str, ...]) -> pd.DataFrame:
    """The wide table of :func:`indicator_table` around ``values`` (not copied)."""
    out = pd.DataFrame(values, columns=[IND_PREFIX + i for i in inputs], copy=False)
    out.insert(0, "period", period)
    out.insert(1, "employee_id", employee_id)
    out["n_ratings"] = n_ratings
    return out


def indicator_values(ratings: pd.DataFrame, rubric: Rubric, ws: WeightSet,
                     out_of_scale: Literal["raise", "clip"] = "raise",
                     text_order: bool = False) -> tuple[np.ndarray, RatingCube]:
    """The indicator values of :func:`indicator_table` as one ``(n_keys, len(inputs))``
    array (rows as the cube's keys), and the :class:`RatingCube`. With one rater role, the
    array is the cube's sums divided in place (the cube's ``sums`` then hold the means)."""
    compiled = compile_rubric(rubric)
    wr = compiled.role_weights(ws)
    cube = rating_cube(ratings, rubric, wr, out_of_scale, text_order=text_order)
    sums, cnts, used = cube.sums, cube.counts, cube.roles
    n_k, n_i, n_r = sums.shape
    with np.errstate(invalid="ignore", divide="ignore"):
        if n_r == 1 and cube.single:  # every cell rated once: the sums are the means (x / 1 is x)
            values = sums[:, :, 0]
        elif n_r == 1:
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
    return values, cube
