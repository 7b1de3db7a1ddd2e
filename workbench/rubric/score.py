"""Score employees with a rubric, in memory (pandas) or at national scale (Dask).

Examples
--------
>>> import workbench as wb
>>> ds = wb.read_sample("kota_contoh")
>>> scores = wb.score(ds, "permenpanrb-6-2022", period="2025")
>>> frame = scores.to_frame()
>>> list(frame.columns[:6])
['period', 'employee_id', 'unit', 'hasil_kerja', 'hasil_kerja_category', 'perilaku_kerja']
>>> len(frame), int(frame["predikat"].isna().sum())
(1200, 0)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from workbench._frames import is_dask
from workbench.errors import ParameterError, check_option
from workbench.results import ProvenanceMixin, frame_html
from workbench.rubric._compute import (
    IND_PREFIX,
    _indicator_frame,
    finish,
    indicator_table,
    indicator_values,
    input_indicators,
)
from workbench.rubric._wide import WideTable, finish_table
from workbench.rubric.load import load_rubric
from workbench.rubric.model import Rubric, WeightSet

__all__ = ["Scores", "score"]

Lang = Literal["id", "en"]
_KEYS = ["period", "employee_id"]


@lru_cache(maxsize=16)
def _map_table(items: tuple[tuple[str, str], ...]) -> pd.Series:
    """The table ``Series.map`` builds of the dict ``items`` (values indexed by the keys):
    built once per rubric and language (it is only read)."""
    if not items:
        return pd.Series({}, dtype=np.float64)
    return pd.Series([v for _, v in items], index=pd.Index([k for k, _ in items], tupleize_cols=False))


@dataclass(frozen=True, eq=False)
class Scores(ProvenanceMixin):
    """Scores of employees under a rubric: one row per employee and period.

    Attributes
    ----------
    frame
        See :meth:`to_frame`.
    detail
        ``period, employee_id`` and one column per indicator: the rater-combined value
        on the indicator's own scale (before rescaling and direction).
    rubric
        The :class:`~workbench.rubric.model.Rubric` used.
    weights
        The name of the weight set used.
    lang
        Language of the labels: ``"id"`` or ``"en"``.
    notes
        Plain-language remarks (e.g. a flag that was not found in the data).
    """

    frame: pd.DataFrame
    detail: pd.DataFrame
    rubric: Rubric
    weights: str
    lang: Lang
    notes: tuple[str, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict, repr=False)
    _data: Any = field(default=None, repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per employee and period.

        Columns: ``period, employee_id, unit``; per dimension its score (on the
        dimension's scale) and, when the dimension has categories, ``<dimension>_category``;
        ``composite`` (NaN for matrix rubrics); one boolean column per flag used by a
        condition (e.g. ``inovasi``); ``predikat`` (ordered categorical, worst first,
        labels in ``lang``; missing when the employee could not be scored, among them
        the roster's employees with no rating in a scored period, "belum dinilai");
        ``explanation`` (which rule decided); ``n_ratings`` (ratings used); and, when
        the dataset holds the predikat recorded in its source files,
        ``recorded_predikat`` (same labels and categories as ``predikat``; missing when
        the file says "not yet rated" or holds no row for the employee).
        """
        return self.frame.copy()

    @property
    def rubric_id(self) -> str:
        """The rubric's id."""
        return self.rubric.id

    @property
    def rubric_hash(self) -> str:
        """The rubric's content hash."""
        return self.rubric.hash

    def predikat_ids(self) -> pd.Series:
        """The predikat as stable ids (``sangat_baik`` ...), whatever ``lang`` was."""
        labels = {p.label.get(self.lang): p.id for p in self.rubric.predikat}
        column = self.frame["predikat"]
        if not isinstance(column.dtype, pd.CategoricalDtype):
            return column.astype(object).map(labels)
        # the same map (a lookup table of the labels, taken at each value's position in it),
        # looked up once per category and taken by code (a missing value, code -1, is
        # filled as the map fills a value it lacks)
        table = _map_table(tuple(labels.items()))
        at = np.append(table.index.get_indexer(column.cat.categories), -1)[column.cat.codes.to_numpy()]
        values = pd.api.extensions.take(table.array, at, allow_fill=True)
        return pd.Series(values, index=column.index, copy=False).__finalize__(column, method="map")

    def counts(self, by: str | list[str] | None = "unit") -> pd.DataFrame:
        """Employees per predikat (columns, best first), one row per group of ``by``."""
        keys = [by] if isinstance(by, str) else list(by or [])
        frame = self.frame.assign(_all="all") if not keys else self.frame
        table = pd.crosstab([frame[k] for k in (keys or ["_all"])], frame["predikat"])
        order = [p.label.get(self.lang) for p in self.rubric.predikat]
        return table.reindex(columns=order, fill_value=0)

    def prefer_recorded(self) -> Scores:
        """These scores with ``predikat`` replaced by ``recorded_predikat`` in every period
        for which the dataset recorded predikat (what was decided, as the leadership views
        report it); the rubric's predikat elsewhere. ``self`` when nothing was recorded.

        The dimension scores stay the rubric's; ``notes`` says which periods were replaced.
        """
        periods = list(self.parameters.get("recorded_periods", ()))
        if "recorded_predikat" not in self.frame or not periods:
            return self
        frame = self.frame.copy()
        use = frame["period"].isin(periods)
        frame["predikat"] = frame["predikat"].where(~use, frame["recorded_predikat"])
        note = (f"Predikat tercatat dipakai untuk periode {', '.join(periods)}. / The recorded predikat is used "
                f"for the period(s) {', '.join(periods)}.")
        return replace(self, frame=frame, notes=(*self.notes, note), _cache={})

    def __repr__(self) -> str:
        return (f"Scores(rubric={self.rubric.id!r}, weights={self.weights!r}, rows={len(self.frame):,}, "
                f"periods={sorted(self.frame['period'].unique().tolist())})")

    def _repr_html_(self) -> str:
        title = f"Scores: {self.rubric.label.get(self.lang)} (weights {self.weights})"
        counts = self.counts(by=["period"]).reset_index()
        counts.columns.name = None
        notes = "".join(f"<p><em>{n}</em></p>" for n in self.notes)
        return frame_html(title, counts) + frame_html("First rows", self.frame.head(10)) + notes


def _weight_set(rubric: Rubric, weights: str | WeightSet) -> WeightSet:
    if isinstance(weights, WeightSet):
        return weights
    check_option("weights", weights, list(rubric.weights))
    return rubric.weights[weights]


def _roster_columns(rubric: Rubric) -> list[str]:
    cols = ["unit"]
    cols += [i.applies_to.column for i in rubric.indicators if i.applies_to is not None]
    cols += [f.roster_column for f in rubric.flags if f.roster_column]
    return list(dict.fromkeys(cols))


def _duplicate_roster(keys: list[str]) -> ParameterError:
    return ParameterError(f"The roster has several rows for some {' and '.join(keys)}; keep one row "
                          "per employee and period.")


def _join_roster(wide: pd.DataFrame, right: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``wide.merge(right, on=keys, how="left")`` for a roster with one row per key: each key
    column is factorised once over both tables, and the roster columns are taken by one
    integer indexer (no string hashing per merge step, no copy of ``wide``)."""
    extra = [c for c in right.columns if c not in keys]
    if any(c in wide.columns for c in extra):
        if right.duplicated(keys).any():
            raise _duplicate_roster(keys)
        return wide.merge(right, on=keys, how="left")
    n_right = len(right)
    code_right = np.zeros(n_right, dtype=np.int64)
    code_wide = np.zeros(len(wide), dtype=np.int64)
    for k in keys:
        codes, uniques = pd.factorize(pd.concat([right[k], wide[k]], ignore_index=True), use_na_sentinel=False)
        code_right = code_right * len(uniques) + codes[:n_right]
        code_wide = code_wide * len(uniques) + codes[n_right:]
    index = pd.Index(code_right)
    if index.has_duplicates:
        raise _duplicate_roster(keys)
    take = index.get_indexer(code_wide)
    cols = {c: pd.api.extensions.take(right[c].array, take, allow_fill=True) for c in extra}
    return pd.concat([wide, pd.DataFrame(cols, index=wide.index, copy=False)], axis=1)


@dataclass(frozen=True)
class _KeyCodes:
    """The rated keys as codes into the ratings' distinct periods and employees (from
    :func:`~workbench.rubric._compute.indicator_cube`): a roster is matched to them by
    looking its keys up once in those distinct values, never by hashing the rated keys."""

    periods: pd.Index
    employees: pd.Index
    period_codes: np.ndarray  # per rated key (row of the wide table)
    employee_codes: np.ndarray

    def roster_codes(self, right: pd.DataFrame, keys: list[str], as_text: bool = False) -> np.ndarray:
        """Per roster row, the code ``period * n_employees + employee`` of its key (-1 when
        a key value is not among the ratings'); with ``keys == ["employee_id"]`` the period
        code is 0. ``as_text``: compare the values as text (as the "belum dinilai" rule
        does), else as they are (as a merge does)."""
        n_e = max(len(self.employees), 1)
        code = _lookup(self.employees, right["employee_id"], as_text)
        if "period" in keys:
            p = _lookup(self.periods, right["period"], as_text)
            code = np.where((code >= 0) & (p >= 0), p * n_e + code, -1)
        return code

    def wide_codes(self, keys: list[str]) -> np.ndarray:
        """Per rated key, its code as :meth:`roster_codes` gives it."""
        if "period" in keys:
            return self.period_codes * max(len(self.employees), 1) + self.employee_codes
        return self.employee_codes

    @property
    def size(self) -> int:
        return max(len(self.periods), 1) * max(len(self.employees), 1)


def _is_text(x: Any) -> bool:
    return isinstance(x.dtype, pd.StringDtype)


def _lookup(values: pd.Index, column: pd.Series, as_text: bool) -> np.ndarray:
    """Position of each value of ``column`` among the distinct ``values`` (-1: absent).
    A column that holds exactly ``values`` in their order (a roster listed as the ratings'
    categories) is recognised by one comparison; text against text is one hash look-up in
    Arrow; anything else goes through pandas."""
    if as_text:
        values, column = values.astype("str"), column.astype("str")
    if _is_text(values) and _is_text(column):
        try:
            if len(column) == len(values) and bool(pc.all(pc.equal(pa.array(column.array),
                                                                   pa.array(values.array))).as_py()):
                return np.arange(len(values), dtype=np.int64)
            col = pa.array(column.array)
            if len(values) <= 4:  # a few values (periods): one comparison each, no hash table
                out = np.full(len(column), -1, dtype=np.int64)
                for j, value in enumerate(values.array):
                    out[pc.equal(col, value).fill_null(False).to_numpy(zero_copy_only=False)] = j
                return out
            found = pc.index_in(col, value_set=pa.array(values.array))
            return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError):  # pragma: no cover - other storage
            pass
    return values.get_indexer(column).astype(np.int64)


def _unique_values(index: pd.Index, as_text: bool = False) -> bool:
    """Whether ``index`` (a categorical's categories or factorised keys, so distinct as
    they are) stays distinct as text (``as_text``)."""
    if not as_text or _is_text(index):
        return bool(index.is_unique) if not _is_text(index) else True
    return bool(index.astype("str").is_unique)


def _roster_take(right: pd.DataFrame, keys: list[str], codes: _KeyCodes,
                 taken: set[str]) -> dict[str, pd.Series] | None:
    """The roster's columns (other than ``keys``) for the rated keys, in their order (what
    :func:`_join_roster` adds to the wide table), found through the key codes of the
    ratings: the roster's keys are looked up once in the ratings' distinct values, and each
    rated key finds its roster row in a table indexed by code. None, for the caller to
    :func:`_join_roster`, when a roster column would clash with a column of the wide table
    (``taken``) or a distinct-value index is not unique."""
    extra = [c for c in right.columns if c not in keys]
    if (any(c in taken for c in extra) or not _unique_values(codes.employees)
            or not _unique_values(codes.periods)):
        return None
    code_right = codes.roster_codes(right, keys)
    known = code_right >= 0
    seen = np.bincount(code_right[known], minlength=codes.size)
    if (seen > 1).any() or (not known.all() and right[~known].duplicated(keys).any()):
        raise _duplicate_roster(keys)
    table = np.full(codes.size, -1, dtype=np.int64)
    table[code_right[known]] = np.flatnonzero(known)
    take = table[codes.wide_codes(keys)]
    return {c: pd.Series(pd.api.extensions.take(right[c].array, take, allow_fill=True), copy=False)
            for c in extra}


def _empty_wide(table: WideTable) -> pd.DataFrame:
    """The wide table of ``table`` with no rows: its columns, in order, and their dtypes."""
    assert table.values is not None and table.n_ratings is not None
    wide = _indicator_frame(table.values[:0], table.period[:0], table.employee_id[:0], table.n_ratings[:0],
                            table.ids)
    for c, s in table.columns.items():
        wide[c] = s.array[:0]
    return wide


def _periods_of(frame: pd.DataFrame, codes: _KeyCodes | None) -> set[str]:
    """The distinct periods of ``frame`` as text; with ``codes`` (of its rows), read at the
    starts of the runs of equal period codes only."""
    col = frame["period"]
    kp = codes.period_codes if codes is not None else None
    if kp is not None and len(kp) == len(frame):
        starts = np.flatnonzero(np.concatenate([[True], kp[1:] != kp[:-1]])) if len(kp) else kp
        col = col.iloc[starts]
    return set(col.astype(str).unique().tolist())


def _sort_order(frame: pd.DataFrame) -> np.ndarray | None:
    """Row order by period, then employee (stable; text order); None when already sorted."""
    table = pa.table({k: pa.array(frame[k].array) for k in _KEYS})
    order = pc.sort_indices(table, sort_keys=[(k, "ascending") for k in _KEYS]).to_numpy()
    return None if bool((order == np.arange(len(order))).all()) else order


def _notes(rubric: Rubric, detail: pd.DataFrame, roster_cols: list[str]) -> list[str]:
    notes = []
    for flag in rubric.flags:
        in_roster = flag.roster_column in roster_cols
        col = flag.indicator
        in_ratings = bool(col and col in detail and detail[col].notna().any())
        if not (in_roster or in_ratings):
            where = " or ".join(x for x in (
                f"roster column '{flag.roster_column}'" if flag.roster_column else "",
                f"indicator '{flag.indicator}'" if flag.indicator else "") if x)
            notes.append(f"Flag '{flag.id}' was not found in the data ({where}); it is treated as "
                         "absent for every employee.")
    return notes


def _unrated_rows(frame: pd.DataFrame, wide_meta: pd.DataFrame, roster: Any, keys: list[str],
                  roster_cols: list[str], periods: list[str], rubric: Rubric, ws: WeightSet,
                  lang: Lang, columns: list[str], codes: _KeyCodes | None = None) -> pd.DataFrame:
    """The roster's employees of ``periods`` who have no row in ``frame``, scored with no
    rating (predikat missing, the explanation says why), in the ``columns`` of
    :func:`finish`. ``wide_meta``: the wide table's columns and dtypes (its rows are not
    read); ``codes``: the key codes of ``frame``'s rows (in memory), to match the roster by."""
    if roster is None or not periods:
        return pd.DataFrame(columns=columns)
    cols = list(dict.fromkeys([*keys, *roster_cols]))
    right = roster[cols]
    if is_dask(right):
        right = right.compute()
    if "period" in keys:
        in_periods = pd.Index(periods, dtype="str")
        if _is_text(right["period"]):  # (a few text values: compared, not hashed)
            right = right[_lookup(in_periods, right["period"], as_text=False) >= 0]
        else:
            right = right[right["period"].isin(periods)]
    else:
        right = pd.concat([right.assign(period=p) for p in periods], ignore_index=True)
    text_unique = codes is not None and all(_unique_values(v, as_text=True) for v in (codes.periods,
                                                                                     codes.employees))
    if codes is not None and text_unique:
        # the rated keys as codes into the ratings' distinct values, compared as text
        code_right = codes.roster_codes(right, _KEYS, as_text=True)
        rated = np.zeros(codes.size + 1, dtype=bool)
        rated[codes.wide_codes(_KEYS)] = True  # (the last slot, for -1, stays False)
        keep = ~rated[code_right]
    else:
        # (period, employee) pairs as integer codes over both tables: no string hashing per pair
        n_right = len(right)
        code_right = np.zeros(n_right, dtype=np.int64)
        code_frame = np.zeros(len(frame), dtype=np.int64)
        for k in _KEYS:
            both = pd.concat([right[k].astype(str), frame[k].astype(str)], ignore_index=True)
            fcodes, uniques = pd.factorize(both)
            code_right = code_right * len(uniques) + fcodes[:n_right]
            code_frame = code_frame * len(uniques) + fcodes[n_right:]
        keep = ~np.isin(code_right, code_frame)
    if not keep.any():
        return pd.DataFrame(columns=columns)
    missing = right[keep].astype({"period": str, "employee_id": str})
    missing = missing[~missing.duplicated(_KEYS)]  # one row per employee and period (the first)
    wide = wide_meta.iloc[:0].reindex(range(len(missing)))
    for col in missing.columns:
        wide[col] = missing[col].to_numpy()
    wide["n_ratings"] = 0
    return finish(wide, rubric, ws, lang).loc[:, columns]


def _recorded(frame: pd.DataFrame, recorded: pd.DataFrame, rubric: Rubric, lang: Lang) -> tuple[pd.Series, int, int]:
    """``recorded_predikat`` for the rows of ``frame`` (the rubric's labels in ``lang``), the
    number of employees whose recorded predikat differs from the rubric's, and the number
    compared (both rated)."""
    from workbench.data.normalize import canonical_name

    labels = [p.label.get(lang) for p in reversed(rubric.predikat)]
    names = {}
    for p in rubric.predikat:
        for text in (p.id, p.label.id, p.label.en):
            names[canonical_name(pd.Series([text], dtype=object)).iloc[0]] = p.label.get(lang)
    rec = recorded.astype({"period": str, "employee_id": str}).drop_duplicates(_KEYS, keep="last")
    rec_text = rec["predikat"].astype(object)
    keys = canonical_name(rec_text.where(rec_text.notna(), "").astype(object))
    rec = rec.assign(label=keys.map(names).to_numpy())
    idx = pd.MultiIndex.from_frame(rec[_KEYS]).get_indexer(
        pd.MultiIndex.from_arrays([frame["period"].astype(str), frame["employee_id"].astype(str)]))
    values = np.where(idx >= 0, rec["label"].to_numpy(dtype=object)[np.maximum(idx, 0)], None)
    out = pd.Series(pd.Categorical(values, categories=pd.Index(labels), ordered=True), index=frame.index)
    both = out.notna() & frame["predikat"].notna()
    differ = both & (out.astype(object) != frame["predikat"].astype(object))
    return out, int(differ.sum()), int(both.sum())


def _recorded_note(n_differ: int, n_compared: int, rubric: Rubric) -> str:
    return (f"Temuan audit: predikat tercatat {n_differ:,} dari {n_compared:,} pegawai berbeda dari aturan "
            f"'{rubric.id}' (kolom `recorded_predikat`). / Audit finding: the recorded predikat of "
            f"{n_differ:,} of {n_compared:,} employees differs from the rule '{rubric.id}' "
            "(column `recorded_predikat`).")


def _unrated_note(n: int) -> str:
    return (f"{n:,} pegawai di roster belum dinilai (tidak ada penilaian pada periode itu); mereka tetap "
            f"menjadi baris tanpa predikat. / {n:,} roster employee(s) have no rating in a scored period "
            "(belum dinilai); they are kept as rows with no predikat.")


def score(
    data: Any,
    rubric: Rubric | str,
    weights: str | WeightSet = "baseline",
    *,
    roster: Any = None,
    period: str | list[str] | None = None,
    lang: Lang = "id",
    out_of_scale: Literal["raise", "clip"] = "raise",
    shuffle: bool = True,
    adjust_raters: bool = False,
) -> Scores:
    """Score every employee and period with a rubric.

    Parameters
    ----------
    data
        A :class:`~workbench.data.Dataset`, or a ratings table (pandas or Dask
        DataFrame) in the contract's long format. ``score`` may hold numbers or the
        e-Kinerja labels ("Di Atas Ekspektasi", any case and spacing).
    rubric
        A :class:`Rubric`, or a preset id / YAML path for :func:`load_rubric`.
    weights
        Name of the rubric's weight set (default ``"baseline"``), or a ``WeightSet``.
    roster
        Roster table (pandas or Dask); default the dataset's roster. ``unit`` is joined
        into the result, as are the columns the rubric needs (e.g. ``jabatan`` for an
        indicator that applies only to structural posts, or a flag column).
    period
        Score only these periods.
    lang
        ``"id"`` (default) or ``"en"``: language of categories, predikat and explanation.
    out_of_scale
        ``"raise"`` (default): a score outside its indicator's scale (or not one of its
        levels) raises :class:`~workbench.errors.DataContractError` with the rows;
        ``"clip"``: clip to the scale.
    shuffle
        Dask only: bring each employee's ratings into one partition first. Pass
        ``False`` when they already are (e.g. Parquet written per unit or per employee
        bucket) to save the shuffle.
    adjust_raters
        Score the rater-adjusted ratings: each rater's estimated leniency is taken out
        of their scores first (:func:`workbench.rubric.adjust.adjusted_ratings`, the
        model of :func:`workbench.objectivity.rater_effects`, per period and scale).
        Indicators rated by one rater per employee cannot be adjusted and stay as they
        are; ``notes`` says which. pandas only.

    Returns
    -------
    Scores
        ``.to_frame()``: ``period, employee_id, unit``, per dimension its score and
        ``<dimension>_category``, ``composite``, flags, ``predikat``, ``explanation``,
        ``n_ratings`` and, when the dataset recorded predikat, ``recorded_predikat``;
        sorted by period and employee.

    Notes
    -----
    Per indicator, raters of one role are averaged, and roles are combined with the
    weight set's role weights for the indicator's dimension, renormalised over the roles
    present. Each dimension rescales its indicators linearly onto its scale (reversed
    for ``lower_is_better``) and aggregates them (weighted mean, weighted geometric
    mean, or minimum); a missing indicator makes the dimension missing unless the
    dimension says ``missing: renormalise``. Then the predikat comes from the matrix of
    dimension categories, or from the bands of the composite (the weighted mean of the
    dimension scores) with any conditions (e.g. innovation).

    **The roster is the denominator.** A scored period is one in which someone has a
    rating of the rubric's indicators (or one named in ``period``, or one with recorded
    predikat). Every roster employee of a scored period appears: one with no rating
    ("belum dinilai") is a row with no predikat and ``n_ratings`` 0, and ``notes`` counts
    them. Without a roster, only rated employees appear.

    **Recorded predikat.** When the dataset holds the predikat its files recorded
    (:attr:`~workbench.data.Dataset.predikat`), ``recorded_predikat`` shows it beside the
    rubric's, and ``notes`` counts the employees whose two predikat differ: an audit
    finding (the rule was not applied as written, or the data behind it differ).

    The Dask path runs the same two pandas stages per partition and returns an
    identical (computed) result.

    Examples
    --------
    >>> import workbench as wb
    >>> ds = wb.read_sample("kota_contoh")
    >>> s = wb.score(ds, "permenpanrb-6-2022", period="2025", lang="en")
    >>> s.to_frame()["predikat"].cat.categories[-1]
    'Very Good'
    >>> s.rubric_id
    'permenpanrb-6-2022'
    """
    if not isinstance(rubric, Rubric):
        rubric = load_rubric(rubric)
    check_option("lang", lang, ["id", "en"])
    check_option("out_of_scale", out_of_scale, ["raise", "clip"])
    ws = _weight_set(rubric, weights)
    ratings = data.ratings if hasattr(data, "ratings") else data
    recorded = getattr(data, "predikat", None)
    if not isinstance(recorded, pd.DataFrame) or recorded.empty:
        recorded = None
    if roster is None and hasattr(data, "roster"):
        roster = data.roster
    missing = [c for c in ("period", "employee_id", "rater_role", "indicator", "score") if c not in ratings.columns]
    if missing:
        raise ParameterError(f"The ratings table lacks the columns {missing}; it must follow the data "
                             "contract (period, employee_id, rater_id, rater_role, indicator, score).")
    periods: list[str] | None = None
    if period is not None:
        periods = [period] if isinstance(period, str) else list(period)
        ratings = ratings[ratings["period"].isin(periods)]
    wanted = input_indicators(rubric)
    ind_col = ratings["indicator"]
    if not (isinstance(ind_col.dtype, pd.CategoricalDtype) and set(ind_col.cat.categories) <= set(wanted)):
        ratings = ratings[ind_col.isin(wanted)]
    adjust_notes: tuple[str, ...] = ()
    if adjust_raters:
        from workbench.rubric.adjust import adjusted_ratings

        if not is_dask(ratings):  # (adjusted_ratings refuses Dask with a clear message)
            indicator_table(ratings, rubric, ws, out_of_scale)  # the raw scores pass the scale check first
        ratings, adjust_notes = adjusted_ratings(ratings, rubric, out_of_scale=out_of_scale)
    params = {"weights": ws.name, "period": period, "lang": lang, "out_of_scale": out_of_scale,
              "adjust_raters": adjust_raters}
    if adjust_raters:
        out_of_scale = "clip"  # adjusted scores are continuous, inside each scale's range
    roster_cols = [c for c in _roster_columns(rubric) if roster is not None and c in roster.columns]
    keys = _KEYS if roster is not None and "period" in roster.columns else ["employee_id"]
    right = roster[list(dict.fromkeys([*keys, *roster_cols]))] if roster is not None else None
    if is_dask(ratings) and right is not None and not is_dask(right) and right.duplicated(keys).any():
        raise _duplicate_roster(keys)
    args = (rubric, ws)
    codes: _KeyCodes | None = None
    values: np.ndarray | None = None  # in memory: the indicator values, one row per row of `frame`
    inputs = tuple(input_indicators(rubric))
    if is_dask(ratings):
        if shuffle:
            ratings = ratings.shuffle(on="employee_id")
        meta_wide = indicator_table(ratings._meta, rubric, ws, out_of_scale)
        wide = ratings.map_partitions(indicator_table, *args, out_of_scale, meta=meta_wide)
        if right is not None:
            wide = wide.merge(right, on=keys, how="left")
        meta = finish(wide._meta, *args, lang)
        wide_meta = wide._meta
        frame = wide.map_partitions(finish, *args, lang, meta=meta).compute()
        presorted = False
    else:
        # rows in text order of period and employee (the distinct values sorted, not the rows)
        values, cube = indicator_values(ratings, rubric, ws, out_of_scale, text_order=True)
        codes = _KeyCodes(cube.period_values, cube.employee_values,  # type: ignore[arg-type]
                          cube.period_codes, cube.employee_codes)  # type: ignore[arg-type]
        if right is not None and is_dask(right):
            right = right.compute()
        taken = {*_KEYS, "n_ratings", *(IND_PREFIX + i for i in inputs)}
        joined = {} if right is None else _roster_take(right, keys, codes, taken)
        if joined is None:  # a roster column named like a column of the wide table: merged
            wide_meta = _join_roster(_indicator_frame(values, cube.period, cube.employee_id, cube.n_ratings,
                                                      inputs), right, keys)
            frame = finish(wide_meta, *args, lang)
            values = None
        else:  # the indicator values stay one array, read by the finishing stage in place
            table = WideTable(values=values, ids=inputs, period=cube.period, employee_id=cube.employee_id,
                              n_ratings=cube.n_ratings, columns=joined)
            wide_meta = _empty_wide(table)
            frame = finish_table(table, *args, lang)
        del cube
        presorted = True
    # the indicator values apart from the frame: the detail
    if values is not None:
        ind = pd.DataFrame(values, columns=list(inputs), index=frame.index, copy=False)
    else:
        in_frame = [c for c in frame.columns if c.startswith(IND_PREFIX)]
        ind = frame[in_frame].rename(columns=lambda c: c.removeprefix(IND_PREFIX))
        frame = frame.drop(columns=in_frame)
    scored = _periods_of(frame, codes)
    if recorded is not None:
        in_rec = recorded["period"].astype(str)
        scored |= set((in_rec[in_rec.isin(periods)] if periods is not None else in_rec).unique().tolist())
    scored |= set(periods or [])
    ind_prefixed = [IND_PREFIX + c for c in ind.columns]
    unrated = _unrated_rows(frame, wide_meta, roster, keys, roster_cols, sorted(scored), rubric, ws, lang,
                            [*frame.columns, *ind_prefixed], codes)
    if len(unrated):
        frame = pd.concat([frame, unrated.loc[:, list(frame.columns)]], ignore_index=True)
        ind = pd.concat([ind, unrated.loc[:, ind_prefixed].set_axis(list(ind.columns), axis=1)],
                        ignore_index=True)
        presorted = False
    for col in ("period", "employee_id", "unit"):
        frame[col] = frame[col].astype("str")
    order = None if presorted else _sort_order(frame)
    detail = ind
    detail.insert(0, "period", frame["period"].array)
    detail.insert(1, "employee_id", frame["employee_id"].array)
    if order is not None:
        frame, detail = frame.take(order), detail.take(order)
    frame, detail = frame.reset_index(drop=True), detail.reset_index(drop=True)
    notes = _notes(rubric, detail, roster_cols) + list(adjust_notes)
    if len(unrated):
        notes.append(_unrated_note(len(unrated)))
    if recorded is not None:
        params["recorded_periods"] = sorted(set(recorded["period"].astype(str)) & scored)
        frame["recorded_predikat"], n_differ, n_compared = _recorded(frame, recorded, rubric, lang)
        if n_differ:
            notes.append(_recorded_note(n_differ, n_compared, rubric))
    if roster is None:
        notes.append("No roster was given: `unit` is empty.")
    return Scores(frame=frame, detail=detail, rubric=rubric, weights=ws.name, lang=lang,
                  notes=tuple(notes), parameters=params, _data=ratings if not is_dask(ratings) else None)
