"""Where the views get their numbers: thin adapters over the computational core.

Views never compute a statistic (STYLE rule 1). Everything a panel shows comes from the
core, through the functions here:

* predikat under the rule in force: :func:`workbench.rubric.score` (``permenpanrb-6-2022``),
  counted by :meth:`workbench.rubric.Scores.counts`;
* the distribution curve: :func:`workbench.rubric.curve_check` and its privacy-safe
  :meth:`~workbench.rubric.CurveCheck.summary` (small cells hidden by
  :mod:`workbench.privacy`, no employee named);
* the rubric what-if: a :class:`~workbench.rubric.Rubric` built with
  :meth:`~workbench.rubric.Rubric.with_weights` and
  :meth:`~workbench.rubric.Rubric.with_thresholds`, scored by the fast scorer
  :func:`workbench.weights.scores_frame` (same predikat as ``wb.score``), compared with
  :func:`workbench.weights.compare`;
* rater quality: :mod:`workbench.reliability` and :mod:`workbench.objectivity`.

Results are cached per dataset (a slider move re-scores, it never reloads). Frames that
hold identifiers (scores per employee) stay in the kernel; only the aggregates of
:mod:`workbench.views.sections` reach a widget.

What stays here has no core home and is a reshaping, each says so: the share "Baik or
better" (two count columns added), the row shares a stacked bar is drawn from, and the
margins of the core's transition matrix.

Examples
--------
>>> import workbench as wb
>>> ds = wb.read_sample("kota_contoh")
>>> counts = predikat_counts(baseline_scores(ds), period="2025")
>>> list(counts.columns) == list(PREDIKAT), int(counts.to_numpy().sum())
(True, 1200)
>>> check = curve(ds, "2025", default_org_rating(ds))
>>> check.summary(min_cell=5).loc[0, "changes"]
'pindahkan 12 pegawai dari Baik ke Butuh Perbaikan'
"""

from __future__ import annotations

import atexit
import dataclasses
import functools
import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from workbench.data import Dataset
from workbench.errors import ParameterError
from workbench.privacy import check_min_cell, suppress_counts
from workbench.report.pages import NATIONAL_SHARE_BAIK
from workbench.rubric import CurveCheck, Rubric, Scores, curve_check, load_rubric
from workbench.rubric.curve import dataset_org_ratings
from workbench.viz.palette import PREDIKAT_ORDER

__all__ = [
    "BASE_RUBRIC",
    "BERAKHLAK",
    "NATIONAL_SHARE_BAIK",
    "PREDIKAT",
    "WHATIF_RUBRIC",
    "WHATIF_WEIGHTS",
    "baseline_scores",
    "curve",
    "default_org_rating",
    "org_overrides",
    "distribution",
    "org_ratings",
    "predikat_counts",
    "rater_summary",
    "rater_table",
    "reliability_summary",
    "share_baik",
    "shares",
    "trend",
    "WHATIF_PRESETS",
    "whatif_after",
    "whatif_base",
    "whatif_before",
    "whatif_choice_label",
    "whatif_choices",
    "whatif_comparison",
    "whatif_curve",
    "whatif_draft",
    "whatif_interim",
    "whatif_periods",
    "whatif_ready",
    "whatif_scores",
    "leadership",
    "leadership_states",
    "warm",
    "org_label",
    "whatif",
]

BASE_RUBRIC = "permenpanrb-6-2022"
"""The rule in force: the PermenPANRB 6/2022 matrix of the two e-Kinerja ratings."""

WHATIF_RUBRIC = "permenpanrb-6-2022-rinci"
"""The what-if rubric: detailed indicators (IKI, BerAKHLAK) rolled up into the two
categories through weights and thresholds, then the same matrix and curve."""

WHATIF_WEIGHTS = "simulasi"
"""Name of the weight set the what-if controls write (a copy of ``baseline`` at first)."""

PREDIKAT: tuple[str, ...] = PREDIKAT_ORDER
"""Predikat Kinerja Pegawai (PermenPANRB 6/2022), best first: the labels of both rubrics."""


BERAKHLAK: tuple[str, ...] = ("berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis",
                              "loyal", "adaptif", "kolaboratif")
"""The seven BerAKHLAK values, scored 1-5 in the annual period by several raters."""


# ---------------------------------------------------------------------------------
# Cache (per dataset; the dataset itself is kept so that a reused id() never hits)
# ---------------------------------------------------------------------------------
_CACHE: OrderedDict[tuple[Any, ...], tuple[Dataset, Any]] = OrderedDict()
_CACHE_SIZE = 320
"""Entries kept: the pages :func:`warm` and :func:`warm_whatif` compute ahead (at most
:data:`WARM_MAX` each; a what-if page of another rubric brings three entries of its own:
its scores, its predikat and its curve check) and the views' own states. A page holds a
few MB (its facts over the atoms)."""
_LOCK = threading.Lock()
_PENDING: dict[tuple[Any, ...], threading.Event] = {}


def _cached(key: tuple[Any, ...], ds: Dataset, compute: Callable[[], Any], size: int | None = None) -> Any:
    """The cached value of ``key``, computed once: a caller that asks while another thread
    computes the same key waits for that result instead of computing it again."""
    full = (id(ds), *key)
    while True:
        with _LOCK:
            hit = _CACHE.get(full)
            if hit is not None and hit[0] is ds:
                _CACHE.move_to_end(full)
                return hit[1]
            pending = _PENDING.get(full)
            if pending is None:
                _PENDING[full] = threading.Event()
                break
        pending.wait()  # computed elsewhere: read it (or, if that failed, compute it here)
    try:
        value = compute()
        with _LOCK:
            _CACHE[full] = (ds, value)
            while len(_CACHE) > (size or _CACHE_SIZE):
                _CACHE.popitem(last=False)
    finally:
        with _LOCK:
            _PENDING.pop(full).set()
    return value


_MISS = object()


def _peek(key: tuple[Any, ...], ds: Dataset) -> Any:
    """The cached value of ``key`` (as :func:`_cached` keys it), or :data:`_MISS`; never computes."""
    with _LOCK:
        hit = _CACHE.get((id(ds), *key))
    return hit[1] if hit is not None and hit[0] is ds else _MISS


def _org_key(org_rating: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(k), str(v)) for k, v in org_rating.items()))


# ---------------------------------------------------------------------------------
# The rule in force
# ---------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _rubric(rubric_id: str) -> Rubric:
    return load_rubric(rubric_id)


def org_ratings() -> tuple[str, ...]:
    """Predikat Kinerja Organisasi, best first: the rows of the rubric's curve."""
    curve_rows = _rubric(BASE_RUBRIC).curve
    return tuple(row.label.id for row in curve_rows.rows.values()) if curve_rows is not None else ()


def default_org_rating(ds: Dataset, period: str | None = None) -> dict[str, str]:
    """Each OPD's Predikat Kinerja Organisasi as the dataset knows it
    (:func:`workbench.rubric.curve.dataset_org_ratings`: its org-ratings file, the rows of
    ``period`` first), and "Baik" for an OPD with none (an assumption the curve check
    records and every view states in its headline).

    The dashboards offer a picker per OPD, starting from these values.
    """
    known, _ = dataset_org_ratings(ds, period)
    return {u: known.get(u, "Baik") for u in ds.units}


def org_overrides(ds: Dataset, period: str, org_rating: Mapping[str, str]) -> dict[str, str]:
    """The entries of ``org_rating`` (a picker's full mapping) that differ from
    :func:`default_org_rating`: what a person set on the page, as opposed to what the
    dataset says or what is assumed."""
    default = default_org_rating(ds, period)
    return {str(u): str(v) for u, v in org_rating.items() if default.get(str(u)) != str(v)}


def baseline_scores(ds: Dataset) -> Scores:
    """Every employee and period under the rule in force (:func:`workbench.rubric.score`).

    Holds identifiers: it stays in the kernel and is never displayed.
    """
    return _cached(("scores",), ds, lambda: _score(ds))


def _score(ds: Dataset) -> Scores:
    """The rule in force, with the recorded predikat in the periods the files recorded it
    (:meth:`workbench.rubric.Scores.prefer_recorded`)."""
    from workbench.rubric import score

    return score(ds, _rubric(BASE_RUBRIC)).prefer_recorded()


def predikat_counts(scores: Scores, period: str | None = None, by: str = "unit", unit: str | None = None,
                    roster: pd.DataFrame | None = None) -> pd.DataFrame:
    """Employees per group and predikat (:meth:`workbench.rubric.Scores.counts`).

    Parameters
    ----------
    scores
        The scores (labels in Bahasa Indonesia).
    period, unit
        Keep only this period, only this OPD (the drill-down).
    by
        The row grouping: a column of the scores (``"unit"``, ``"period"``) or of the
        ``roster`` (``"jabatan"``), joined on ``employee_id, period``.

    Returns
    -------
    pandas.DataFrame
        Rows = groups, columns = :data:`PREDIKAT`, integer counts (unsuppressed).
    """
    frame = scores.frame
    if period:
        frame = frame[frame["period"] == period]
    if unit:
        frame = frame[frame["unit"] == unit]
    if by not in frame.columns:
        if roster is None:
            raise ParameterError(f"`by={by!r}` is not a column of the scores; pass `roster=` to join it.")
        keys = ["employee_id", "period"]
        frame = frame.merge(roster[[*keys, by]].drop_duplicates(keys).astype({"period": str}), on=keys,
                            how="left")
    table = dataclasses.replace(scores, frame=frame, _cache={}).counts(by=by)
    table = table.reindex(columns=list(PREDIKAT), fill_value=0)
    table.columns = pd.Index(list(PREDIKAT))
    table.index.name = by
    return table.astype(int)


def trend(scores: Scores, unit: str | None = None) -> pd.DataFrame:
    """Employees per predikat in each quarterly period (rows = periods, sorted); all
    periods when there are no quarters."""
    quarters = scores.frame["period"].astype(str).str.contains("Q")
    if quarters.any():
        scores = dataclasses.replace(scores, frame=scores.frame[quarters], _cache={})
    return predikat_counts(scores, unit=unit, by="period").sort_index()


def share_baik(counts: pd.DataFrame) -> pd.DataFrame:
    """Per row of a counts table: ``n`` and ``baik`` (Sangat Baik + Baik), unsuppressed.

    No core home: the leaders' "Baik or better" figure is two count columns added; the
    share itself is formed (and hidden where small) by :func:`workbench.privacy.suppress_share`.
    """
    return pd.DataFrame({"n": counts.sum(axis=1), "baik": counts["Sangat Baik"] + counts["Baik"]},
                        index=counts.index)


def shares(counts: pd.DataFrame, n: pd.Series | None = None, min_cell: int | None = None) -> pd.DataFrame:
    """Row shares of a counts table for a stacked bar, after small-cell suppression.

    No core home: a drawing aid. Cells are hidden by
    :func:`workbench.privacy.suppress_counts` (unless ``counts`` is already suppressed and
    ``n``, the row totals, is given); rows with fewer than ``min_cell`` employees are
    hidden entirely.
    """
    k = check_min_cell(min_cell)
    if n is None:
        n = counts.sum(axis=1).astype(float)
        counts = suppress_counts(counts, k)
    n = n.astype(float)
    return counts.astype(float).div(n.where(n >= k), axis=0)


def curve(ds: Dataset, period: str, org_rating: Mapping[str, str] | None = None) -> CurveCheck:
    """The core curve check of one period (cached): :func:`workbench.rubric.curve_check` of
    the dataset (its recorded predikat, else the rule in force; its org ratings), with
    the entries of ``org_rating`` that differ from :func:`default_org_rating` as given.
    Each unit's org-rating source and the unrated count are in the result."""
    given = org_overrides(ds, period, org_rating or {})
    return _cached(("curve", period, _org_key(given)), ds,
                   lambda: curve_check(ds, given or None, period=period, rubric=_rubric(BASE_RUBRIC)))


def org_label(label: str, lang: str) -> str:
    """An organisation rating (as the curve check names it, in Bahasa Indonesia) in ``lang``.

    >>> org_label("Butuh Perbaikan", "en")
    'Needs Improvement'
    """
    curve_rows = _rubric(BASE_RUBRIC).curve
    for row in (curve_rows.rows.values() if curve_rows is not None else []):
        if label in (row.label.id, row.label.en):
            return str(row.label.en if lang == "en" else row.label.id)
    return label


def leadership(ds: Dataset, period: str, org_rating: Mapping[str, str] | None = None, unit: str | None = None,
               min_cell: int | None = None) -> Any:
    """The Ringkasan Pimpinan page in one control state (:func:`workbench.report.leadership_page`,
    protected as a whole; cached per state)."""
    from workbench.report import leadership_page
    from workbench.report.pages import predikat_labels

    k = check_min_cell(min_cell)
    org = dict(org_rating) if org_rating is not None else default_org_rating(ds, period)
    # the same reader sees every state, so they are protected together: the city's page
    # of every period joins one trend page, a drill-down joins its period's city page
    # and shows its unit's trend as the city pages of the trend's periods do
    def compute() -> Any:
        from workbench.privacy import audit

        check = curve(ds, period, org)
        if unit:  # the unit's trend reads as each period's city page does
            city = leadership(ds, period, org, None, k)
            trend = [leadership(ds, q, org_rating, None, k) if q != period else city
                     for q in city.tables["trend"].index]
            return leadership_page(baseline_scores(ds), ds.roster, check, period, unit, k,
                                   public=city, city_pages=trend)
        page = leadership_page(baseline_scores(ds), ds.roster, check, period, None, k,
                               public=leadership_trend(ds, predikat_labels(check), None, k))
        if not audit(page, reuse=True).ok:  # the trend's fixed numbers leave a cell of this period open:
            page = leadership_page(baseline_scores(ds), ds.roster, check, period, None, k)  # protect it alone
        return page

    return _cached(("page", period, _org_key(org), unit or "", k), ds, compute)


def leadership_trend(ds: Dataset, labels: list[str], unit: str | None = None, min_cell: int | None = None) -> Any:
    """The trend of Ringkasan Pimpinan (the city's or ``unit``'s), protected on its own
    and shown alike in every period (:func:`workbench.report.trend_page`; cached)."""
    from workbench.report import trend_page

    k = check_min_cell(min_cell)
    return _cached(("trend_page", tuple(labels), unit or "", k), ds,
                   lambda: trend_page(baseline_scores(ds), ds.roster, labels, unit or None, k))


WARM_MAX = 96
"""At most this many pages are computed ahead by :func:`warm` (memory stays bounded)."""


def leadership_states(periods: list[str], units: list[str], period: str, unit: str | None = None
                      ) -> list[tuple[str, str | None]]:
    """The (period, unit) states of Ringkasan Pimpinan other than the shown one, the
    likeliest next first: the other periods of the city view (nearest first), then the
    units of the shown period, then the units of the other periods.

    Examples
    --------
    >>> leadership_states(["2025", "2025-Q1", "2025-Q2"], ["A", "B"], "2025-Q1")[:4]
    [('2025', None), ('2025-Q2', None), ('2025-Q1', 'A'), ('2025-Q1', 'B')]
    """
    others = sorted((p for p in periods if p != period),
                    key=lambda p: abs(periods.index(p) - periods.index(period)) if period in periods else 0)
    states: list[tuple[str, str | None]] = [(p, None) for p in others]
    states += [(p, u) for p in [period, *others] for u in units]
    return [s for s in states if s != (period, unit or None)][:WARM_MAX]


def warm(ds: Dataset, states: list[tuple[str, str | None]], org_rating: Mapping[str, str] | None = None,
         min_cell: int | None = None, stop: Callable[[], bool] | None = None,
         idle: Callable[[], bool] | None = None) -> int:
    """Compute the Ringkasan Pimpinan pages of ``states`` (period, unit) into the cache,
    so that a control change finds its page ready (:func:`leadership`).

    Meant for a background thread: before each page it waits until ``idle()`` is true
    (the views are not computing a reader's own change) and it ends as soon as
    ``stop()`` is true (e.g. the org ratings were changed: these pages would not be
    asked for). A page a view asks for while it is being computed here is computed
    once (the view waits for it). Returns the number of pages computed or found.
    """
    return _warm([functools.partial(leadership, ds, period, org_rating, unit, min_cell)
                  for period, unit in states[:WARM_MAX]], stop, idle)


def warm_whatif(ds: Dataset, rubrics: list[Rubric], periods: list[str], org_rating: Mapping[str, str] | None = None,
                min_cell: int | None = None, stop: Callable[[], bool] | None = None,
                idle: Callable[[], bool] | None = None,
                neighbours: Callable[[], Sequence[Rubric]] | None = None,
                idle_steps: Callable[[], bool] | None = None) -> int:
    """Compute the Simulasi Rubrik pages of ``rubrics`` (e.g. the picker's other starting
    points) in each of ``periods`` into the cache (:func:`whatif`), so that picking one
    finds its page ready; ``stop`` and ``idle`` as in :func:`warm`. Returns the number of
    whole pages computed or found.

    ``neighbours`` gives the rubrics one slider step away from the shown one
    (:meth:`workbench.views.controls.WhatIfControls.neighbours`, called here, in the
    background, once the page is idle), the likeliest next state first. The likeliest
    next change on the page is a slider step, so the cheap part of each step's page comes
    first: its draft (:func:`whatif_draft`) and its findings (:func:`whatif_findings`),
    each a task of a fraction of a second, step by step, before any whole page (a step
    the reader then takes shows its findings at once, and its whole page is built on
    them). ``idle_steps`` (default ``idle``) says when these may run: the page may set a
    shorter wait after its last change than for a whole page (which holds the interpreter
    for seconds). Then the whole pages of ``rubrics`` in the first of ``periods`` (the
    shown one), of the neighbours in that period, and of ``rubrics`` in the other periods.

    Examples
    --------
    A page the reader has already changed away from is not computed:

    >>> import workbench as wb
    >>> ds = wb.read_sample("kota_contoh")
    >>> warm_whatif(ds, [whatif_base()], ["2025"], stop=lambda: True, neighbours=lambda: [whatif_base()])
    0
    """
    def pages(rubrics: Sequence[Rubric], periods: Sequence[str]) -> Sequence[Callable[[], Any]]:
        return [functools.partial(whatif, ds, rubric, period, org_rating, min_cell)
                for period in periods for rubric in rubrics][:WARM_MAX]

    found: list[Rubric] = []
    if neighbours is not None and _warm([lambda: found.extend(neighbours())], stop, idle_steps or idle):
        steps = [functools.partial(step, ds, rubric, periods[0], org_rating, min_cell)
                 for rubric in found[:WARM_MAX] for step in (whatif_draft, whatif_findings)]
        _warm(steps, stop, idle_steps or idle)
    done = _warm(pages(rubrics, periods[:1]), stop, idle)
    if found:
        done += _warm(pages(found, periods[:1]), stop, idle)
    return done + _warm(pages(rubrics, periods[1:]), stop, idle)


WARM_THREAD = "workbench-warm"
"""The name of the threads that compute pages ahead (:func:`warm`, :func:`warm_whatif`)."""

_EXITING = threading.Event()


@atexit.register
def _end_warming() -> None:
    """At exit, stop the threads computing ahead and let each end the page it is on: a
    daemon thread still inside the solver when the interpreter ends aborts the process
    ("terminate called without an active exception", exit status 134)."""
    _EXITING.set()
    for thread in threading.enumerate():
        if thread.name == WARM_THREAD and thread is not threading.current_thread():
            thread.join(timeout=120)


def _warm(tasks: Sequence[Callable[[], Any]], stop: Callable[[], bool] | None,
          idle: Callable[[], bool] | None) -> int:
    done = 0
    for task in tasks:
        while idle is not None and not idle():
            if _EXITING.is_set() or (stop is not None and stop()):
                return done
            time.sleep(0.05)
        if _EXITING.is_set() or (stop is not None and stop()):
            return done
        task()
        done += 1
    return done


def _whatif_key(ds: Dataset, rubric: Rubric, period: str, org_rating: Mapping[str, str] | None,
                min_cell: int | None) -> tuple[tuple[Any, ...], dict[str, str], int]:
    """The cache key of a what-if page, its org ratings and small-cell threshold.

    A page is a function of the predikat ``rubric`` gives in ``period`` (with the org
    ratings and the threshold): two rubrics that give every employee of the period the
    same predikat (two steps of a threshold between the same scores) have one page, keyed
    by those predikat (:func:`_moved`). The starting point keeps its own key (its curve
    check is the overview's)."""
    k = check_min_cell(min_cell)
    org = dict(org_rating) if org_rating is not None else default_org_rating(ds, period)
    if _at_start(rubric):
        return ("whatif_page", rubric.hash, period, _org_key(org), k), org, k
    return ("whatif_page", "predikat", _moved(ds, rubric, period), period, _org_key(org), k), org, k


def _scored(ds: Dataset, rubric: Rubric, period: str) -> bool:
    """Whether :func:`_whatif_key` of ``rubric`` is known without scoring it."""
    if _at_start(rubric):
        return True
    return _peek(("moved", rubric.hash, period), ds) is not _MISS


def _moved(ds: Dataset, rubric: Rubric, period: str) -> str:
    """A digest of the predikat of :func:`whatif_after` in ``period`` (cached per rubric):
    the SHA-256 of ``json.dumps([ids, predikat])`` over the period's rows, each value as
    ``astype(str)`` gives it (unambiguous)."""
    def compute() -> str:
        after = whatif_after(ds, rubric)
        rows, head = _moved_rows(ds, period)
        values = after["predikat"].to_numpy()[rows]
        codes, uniques = pd.factorize(values)
        if all(type(u) is str for u in uniques):  # (the predikat are labels) each distinct one encoded once
            encoded = np.array([json.dumps(u) for u in uniques] + ["NaN"], dtype=object)  # -1: missing
            tail = ", ".join(encoded[codes].tolist()) + "]]"
        else:  # what the whole dump writes of other values
            tail = json.dumps(after["predikat"].iloc[rows].astype(str).tolist())[1:] + "]"
        return hashlib.sha256(head + tail.encode()).hexdigest()

    return str(_cached(("moved", rubric.hash, period), ds, compute))


def _moved_rows(ds: Dataset, period: str) -> tuple[np.ndarray, bytes]:
    """The rows of ``period`` in :func:`whatif_before` (every :func:`whatif_after` has its
    rows, with only the predikat changed) and the start of the text :func:`_moved` hashes,
    up to the predikat: their ids are the same at every step of a slider, so they are
    written once per dataset and period."""
    def compute() -> tuple[np.ndarray, bytes]:
        before = whatif_before(ds)
        rows = np.flatnonzero((before["period"] == period).to_numpy(dtype=bool))
        ids = before["employee_id"].iloc[rows].astype(str).tolist()
        return rows, (json.dumps([ids, []])[:-3] + "[").encode()

    return _cached(("moved_rows", period), ds, compute)  # type: ignore[no-any-return]


def whatif(ds: Dataset, rubric: Rubric, period: str, org_rating: Mapping[str, str] | None = None,
           min_cell: int | None = None) -> Any:
    """The Simulasi Rubrik page in one control state (:func:`workbench.report.whatif_page`),
    protected as a whole, built on :func:`whatif_findings` (every number that page shows,
    this one shows too)."""
    from workbench.report import whatif_protect

    key, org, k = _whatif_key(ds, rubric, period, org_rating, min_cell)
    # the findings page a view showed may have left the cache since: it is computed again,
    # and the protection is deterministic (a seeded attack, one solver thread, a fresh
    # cache per page), so it is the page the reader saw
    return _cached(key, ds, lambda: whatif_protect(whatif_draft(ds, rubric, period, org, k),
                                                   first=whatif_findings(ds, rubric, period, org, k)))


def whatif_findings(ds: Dataset, rubric: Rubric, period: str, org_rating: Mapping[str, str] | None = None,
                    min_cell: int | None = None) -> Any:
    """The Simulasi Rubrik page of one control state showing its findings only: each
    OPD's verdict under ``rubric`` and the number of employees who change predikat,
    besides the overview's numbers (:func:`workbench.report.whatif_protect` with
    ``findings_only``), protected as a whole.

    It is protected in a fraction of the time of the whole page (:func:`whatif`), so a
    view shows it first; the whole page then shows every number this one shows (it is
    built on it), so that the reader who saw both learns no more than the whole page says.

    Examples
    --------
    >>> import workbench as wb
    >>> ds = wb.read_sample("kota_contoh")
    >>> first = whatif_findings(ds, whatif_base(WHATIF_RUBRIC), "2025")
    >>> first.shown("simulasi_rubrik/changed/2025"), first.shown("simulasi_rubrik/transition/2025/Baik>Baik")
    (True, False)
    """
    from workbench.report import whatif_protect

    key, org, k = _whatif_key(ds, rubric, period, org_rating, min_cell)
    return _cached(("whatif_findings", *key[1:]), ds,
                   lambda: whatif_protect(whatif_draft(ds, rubric, period, org, k), findings_only=True))


def whatif_ready(ds: Dataset, rubric: Rubric, period: str, org_rating: Mapping[str, str] | None = None,
                 min_cell: int | None = None) -> bool:
    """Whether :func:`whatif` of this state is already computed (a view then shows it at
    once, without the interim page of :func:`whatif_draft`).

    >>> import workbench as wb
    >>> ds = wb.read_sample("kota_contoh")
    >>> rubric = whatif_base().with_thresholds(categories={"hasil_kerja": {"sesuai": 1.45}})
    >>> whatif_ready(ds, rubric, "2025")
    False
    """
    if not _scored(ds, rubric, period):
        return False  # finding its key would mean scoring it here
    key, _, _ = _whatif_key(ds, rubric, period, org_rating, min_cell)
    return _peek(key, ds) is not _MISS


def whatif_interim(ds: Dataset, rubric: Rubric, period: str, org_rating: Mapping[str, str] | None = None,
                   min_cell: int | None = None) -> tuple[Any, Any] | None:
    """The draft (:func:`whatif_draft`) and the findings page (:func:`whatif_findings`) of
    this state when both are already computed (e.g. ahead, by :func:`warm_whatif`), else
    ``None``; nothing is computed here. A view then shows the findings at once.

    >>> import workbench as wb
    >>> ds = wb.read_sample("kota_contoh")
    >>> rubric = whatif_base().with_thresholds(categories={"hasil_kerja": {"sesuai": 1.4}})
    >>> whatif_interim(ds, rubric, "2025") is None
    True
    >>> first = whatif_findings(ds, rubric, "2025")
    >>> whatif_interim(ds, rubric, "2025") == (whatif_draft(ds, rubric, "2025"), first)
    True
    """
    if not _scored(ds, rubric, period):
        return None  # finding its key would mean scoring it here
    key, _, _ = _whatif_key(ds, rubric, period, org_rating, min_cell)
    draft, findings = (_peek((kind, *key[1:]), ds) for kind in ("whatif_draft", "whatif_findings"))
    return None if draft is _MISS or findings is _MISS else (draft, findings)


def whatif_draft(ds: Dataset, rubric: Rubric, period: str, org_rating: Mapping[str, str] | None = None,
                 min_cell: int | None = None) -> Any:
    """The Simulasi Rubrik page of one control state *before* its protection
    (:func:`workbench.report.whatif_page` with ``suppress=False``), cached: the pages of
    :func:`whatif_findings` and :func:`whatif` are protected copies of it (do not change it).

    It costs a fraction of a second where the protected page (:func:`whatif`) costs
    seconds, and it tells which of the page's numbers are the overview's: the *locked*
    facts, equal to a number of the overview's page (:func:`leadership`, protected and
    public) and shown or hidden as it is there, a status the protection never changes.
    Only those may be shown from it (:func:`workbench.views.sections.whatif_pending`
    does so); every other number waits for :func:`whatif`.

    Examples
    --------
    >>> import workbench as wb
    >>> ds = wb.read_sample("kota_contoh")
    >>> rubric = whatif_base(WHATIF_RUBRIC)
    >>> draft = whatif_draft(ds, rubric, "2025")
    >>> draft.facts["simulasi_rubrik/n/2025/BKPSDM"].locked  # an OPD's size: the overview's
    True
    >>> draft.facts["simulasi_rubrik/changed/2025"].locked  # who changes: waits for the protection
    False
    """
    from workbench.report import whatif_page

    key, org, k = _whatif_key(ds, rubric, period, org_rating, min_cell)
    return _cached(("whatif_draft", *key[1:]), ds,
                   lambda: whatif_page(whatif_before(ds), whatif_after(ds, rubric),
                                       whatif_curve(ds, rubric, period, org), period, k, predikat=list(PREDIKAT),
                                       public=leadership(ds, period, org, None, k), suppress=False))


# ---------------------------------------------------------------------------------
# The rubric what-if
# ---------------------------------------------------------------------------------
WHATIF_PRESETS: tuple[str, ...] = (BASE_RUBRIC, WHATIF_RUBRIC)
"""The presets the what-if offers, the rule in force first (its starting point)."""


@lru_cache(maxsize=8)
def whatif_base(rubric_id: str = BASE_RUBRIC) -> Rubric:
    """A what-if starting point: the preset with a weight set :data:`WHATIF_WEIGHTS` equal
    to its baseline (so the rule in force and the what-if are scored alike). The default
    is the rule in force: the what-if starts from the overview's numbers."""
    rubric = load_rubric(rubric_id)
    return rubric.with_weights(WHATIF_WEIGHTS, base="baseline")


def whatif_choices(ds: Dataset | None = None) -> list[tuple[str, str, Rubric]]:
    """What the what-if can start from: ``(key, label id, rubric)`` for each preset of
    :data:`WHATIF_PRESETS` (the rule in force first) and each scenario saved in the
    dataset's store (``workbench.db`` next to the data, when there is one) whose predikat
    are those of the rule in force. The labels are in Bahasa Indonesia; a view asks
    :func:`whatif_choice_label` for another language.

    Examples
    --------
    Without a dataset (or without a store next to it) the presets only:

    >>> [key for key, _, _ in whatif_choices()]
    ['preset:permenpanrb-6-2022', 'preset:permenpanrb-6-2022-rinci']
    """
    out = [(f"preset:{rid}", rid, whatif_base(rid)) for rid in WHATIF_PRESETS]
    if ds is None:
        return out
    from workbench.store import default_store_path, open_store

    path = default_store_path(ds)
    if not path.is_file():  # opening a store would create one: never from a dashboard
        return out
    ids = [p.id for p in whatif_base().predikat]
    try:
        store = open_store(path)
        saved = store.scenarios()
        for name in saved["name"].astype(str).unique().tolist() if len(saved) else []:
            scenario = store.load_scenario(name)
            rubric = scenario.rubric
            if [p.id for p in rubric.predikat] != ids:
                continue
            out.append((f"scenario:{name}", name, rubric.with_weights(WHATIF_WEIGHTS, base=scenario.weights)))
    except Exception:  # a store the dashboard cannot read offers the presets only
        return out
    return out


def whatif_choice_label(key: str, name: str, rubric: Rubric, lang: str = "id") -> str:
    """How the what-if's picker names a starting point: the rule in force says so, a
    preset by its label, a saved scenario by its name.

    >>> [whatif_choice_label(*choice, lang="en") for choice in whatif_choices()]  # doctest: +NORMALIZE_WHITESPACE
    ['Rule in force: Employee performance rating (PermenPANRB 6/2022)',
     'Employee performance rating, detailed (IKI and BerAKHLAK)']
    """
    from workbench.i18n import t

    if key == f"preset:{BASE_RUBRIC}":
        return t("control.preset_rule", lang, rubric=rubric.label.get(lang))  # type: ignore[arg-type]
    if key.startswith("scenario:"):
        return t("control.preset_scenario", lang, name=name)
    return str(rubric.label.get(lang))  # type: ignore[arg-type]


def whatif_before(ds: Dataset) -> pd.DataFrame:
    """The what-if's starting point: every employee and period with the overview's
    predikat (:func:`baseline_scores`: the recorded predikat where the data has them,
    else the rule in force). Holds identifiers; stays in the kernel."""
    def compute() -> pd.DataFrame:
        frame = baseline_scores(ds).frame[["period", "employee_id", "unit", "predikat"]].copy()
        frame["period"] = frame["period"].astype(str)
        frame["predikat"] = frame["predikat"].astype(object)
        return frame.reset_index(drop=True)

    return _cached(("whatif_before",), ds, compute)


def _at_start(rubric: Rubric) -> bool:
    """Whether ``rubric`` is the what-if's starting point (the rule in force, unchanged)."""
    return rubric.hash == whatif_base(BASE_RUBRIC).hash


def whatif_after(ds: Dataset, rubric: Rubric) -> pd.DataFrame:
    """The predikat under ``rubric``, from the overview's starting point.

    An employee changes predikat only where ``rubric`` gives another predikat than the
    rule in force on the same ratings (both scored by :func:`whatif_scores`); everyone
    else keeps the overview's predikat (a recorded one stays recorded). At the starting
    point nobody changes, so the what-if shows exactly the overview's numbers. An
    employee ``rubric`` cannot score (an indicator it needs was not rated) is not rated
    under it.

    Examples
    --------
    >>> import workbench as wb
    >>> ds = wb.read_sample("kota_contoh")
    >>> before = whatif_before(ds)
    >>> whatif_after(ds, whatif_base()).equals(before)  # the starting point changes nobody
    True
    >>> after = whatif_after(ds, whatif_base(WHATIF_RUBRIC))
    >>> changed = before["predikat"].astype(str) != after["predikat"].astype(str)
    >>> int((changed & (before["period"] == "2025")).sum())  # employees who move in 2025
    246
    """
    before = whatif_before(ds)
    if _at_start(rubric):
        return before

    def compute() -> pd.DataFrame:
        keys = ["period", "employee_id"]
        rule = whatif_base(BASE_RUBRIC)
        old = whatif_scores(ds, rule)
        new = whatif_scores(ds, rubric)
        at = _aligned(ds, rule, old, new)
        if at is not None:  # the rule's rows: each employee's predikat taken by position
            # (the rule's own column is the same at every step: taken once)
            a = _cached(("whatif_rule_taken", rule.hash), ds, lambda: _taken(old["predikat"], at).to_numpy())
            b = _taken(new["predikat"], at).to_numpy()
        else:
            old = old[[*keys, "predikat"]].astype({"period": str, "predikat": object})
            new = new[[*keys, "predikat"]].astype({"period": str, "predikat": object})
            both = before[keys].merge(old, on=keys, how="left").merge(new, on=keys, how="left",
                                                                       suffixes=("_old", "_new"))
            a, b = both["predikat_old"].to_numpy(), both["predikat_new"].to_numpy()
        a_missing, b_missing = pd.isna(a), pd.isna(b)
        differs = a_missing != b_missing
        both = ~a_missing & ~b_missing
        differs[both] = a[both] != b[both]
        after = before.copy()
        after["predikat"] = pd.Series(np.where(differs, b, before["predikat"].to_numpy()), index=before.index,
                                      dtype=object)
        return after

    return _cached(("whatif_after", rubric.hash), ds, compute)


def _aligned(ds: Dataset, rule: Rubric, old: pd.DataFrame, new: pd.DataFrame) -> np.ndarray | None:
    """For each row of :func:`whatif_before`, the position of its ``period, employee_id``
    in the scores of the rule in force (-1: not there), when ``old`` (those scores) and
    ``new`` (another rubric's) both hold the keys the positions were found in, row for
    row, each key once; else ``None`` (then :func:`whatif_after` joins the frames). The
    positions are found once per dataset: a slider step reads its predikat by position
    instead of joining three frames."""
    def compute() -> tuple[pd.DataFrame, np.ndarray | None]:
        keys = old[["period", "employee_id"]]
        text = keys.astype({"period": str})
        if text.duplicated().any():
            return keys, None
        before = whatif_before(ds)[["period", "employee_id"]]
        index = pd.MultiIndex.from_frame(text)
        return keys, index.get_indexer(pd.MultiIndex.from_frame(before))

    keys, at = _cached(("whatif_align", rule.hash), ds, compute)  # the rule's scores are its hash's
    if at is None:
        return None
    # both frames: the same values of the same type in the same rows (else they are joined)
    same = all(len(frame) == len(keys) and frame[c].dtype == keys[c].dtype and frame[c].equals(keys[c])
               for frame in (old, new) for c in ("period", "employee_id"))
    return at if same else None


def _taken(values: pd.Series, at: np.ndarray) -> pd.Series:
    """``values`` (a predikat column) as objects at positions ``at``, NaN where -1 (what a
    left join on the keys gives)."""
    out = values.astype(object).to_numpy()[np.maximum(at, 0)]  # a new array (taken by position)
    out[at < 0] = np.nan
    return pd.Series(out, dtype=object)


def _model(ds: Dataset, rubric: Rubric) -> Any:
    """The matrix form of the rubric on the dataset (built once, ~0.2 s).

    It depends on the indicators, scales and rater roles only, which
    :meth:`Rubric.with_weights` and :meth:`Rubric.with_thresholds` never change; weights
    are passed at scoring time, and thresholds are read from the model's rubric, so a
    what-if swaps in its rubric (:func:`whatif_scores`) instead of rebuilding.
    """
    from workbench.weights._engine import weight_model

    shape = (rubric.id, tuple((i.id, i.dimension, i.scale) for i in rubric.indicators),
             tuple((d.id, d.scale) for d in rubric.dimensions))
    return _cached(("model", shape), ds, lambda: weight_model(ds, rubric))


def whatif_scores(ds: Dataset, rubric: Rubric | None = None) -> pd.DataFrame:
    """Every employee and period under ``rubric`` (default :func:`whatif_base`) computed
    from the ratings, scored by :func:`workbench.weights.scores_frame` with the weight set
    :data:`WHATIF_WEIGHTS` (recorded predikat play no part: see :func:`whatif_after`).

    Returns the scorer's frame (``period, employee_id, unit``, dimension scores and
    categories, ``predikat``); holds identifiers, stays in the kernel.
    """
    from workbench.weights import scores_frame

    rubric = rubric or whatif_base()

    def compute() -> pd.DataFrame:
        base = _model(ds, rubric)
        # the model's memo (the costly gathers of the ratings per presence pattern) does not
        # depend on the rubric's thresholds or weights: each step of a slider shares it
        model = dataclasses.replace(base, rubric=rubric, _cache=base._cache)
        weights = WHATIF_WEIGHTS if WHATIF_WEIGHTS in rubric.weights else "baseline"
        return scores_frame(ds, rubric, weights, model=model)

    return _cached(("whatif", rubric.hash), ds, compute)


def whatif_periods(ds: Dataset, rubric: Rubric | None = None) -> list[str]:
    """The periods the what-if offers: those in which the overview shows anyone's
    predikat (``rubric`` is accepted for compatibility; the starting point decides)."""
    frame = whatif_before(ds)
    return sorted(frame.loc[frame["predikat"].notna(), "period"].unique().tolist())


def _before_rows(ds: Dataset) -> bool:
    """Whether :func:`whatif_before` (and so every :func:`whatif_after`) has the rows of
    the overview's scores in their order, each ``period, employee_id`` once: then a
    what-if predikat column stands in for the overview's as it is."""
    def compute() -> bool:
        frame = baseline_scores(ds).frame
        before = whatif_before(ds)
        return (len(before) == len(frame) and not before.duplicated(["period", "employee_id"]).any()
                and np.array_equal(before["period"].to_numpy(), frame["period"].astype(str).to_numpy())
                and np.array_equal(before["employee_id"].to_numpy(), frame["employee_id"].to_numpy()))

    return bool(_cached(("whatif_before_rows",), ds, compute))


def whatif_curve(ds: Dataset, rubric: Rubric, period: str, org_rating: Mapping[str, str] | None) -> CurveCheck:
    """The core curve check of the what-if: at the starting point the overview's own
    check (:func:`curve`); otherwise :func:`workbench.rubric.curve_check` of the
    overview's scores with the predikat of :func:`whatif_after` and the same org ratings
    (their sources are the overview's)."""
    org = dict(org_rating) if org_rating is not None else default_org_rating(ds, period)
    if _at_start(rubric):
        return curve(ds, period, org)

    def compute() -> CurveCheck:
        after = whatif_after(ds, rubric)
        scores = baseline_scores(ds)
        frame = scores.frame.copy(deep=False)  # (copy on write: setting a column leaves the overview's alone)
        labels = frame["predikat"].cat.categories if hasattr(frame["predikat"], "cat") else None
        if _before_rows(ds):  # ``after`` holds the overview's rows in their order
            new = after["predikat"].to_numpy()
        else:
            values = pd.Series(after["predikat"].to_numpy(),
                               index=pd.MultiIndex.from_frame(after[["period", "employee_id"]]))
            key = pd.MultiIndex.from_arrays([frame["period"].astype(str), frame["employee_id"]])
            new = values.reindex(key).to_numpy()
        if labels is not None:  # pd.Categorical(new, categories=labels), each distinct value looked up once
            codes, uniques = pd.factorize(new)
            at = np.append(labels.get_indexer(uniques), -1)  # -1: missing, or not a label
            frame["predikat"] = pd.Categorical.from_codes(at[codes], dtype=pd.CategoricalDtype(labels, ordered=True))
        else:
            frame["predikat"] = new
        return curve_check(dataclasses.replace(scores, frame=frame, _cache={}), org, period=period)

    return _cached(("whatif_curve", rubric.hash, period, _org_key(org)), ds, compute)


def whatif_comparison(ds: Dataset, rubric: Rubric, period: str) -> Any:
    """:func:`workbench.weights.compare` of the starting point (the overview's predikat)
    and the what-if, in one period.

    ``.transition_matrix(period)`` gives the transitions, ``.rank_agreement`` the number
    of employees who change predikat (``n_changed``).
    """
    from workbench.weights import compare

    def compute() -> Any:
        a = whatif_before(ds)
        b = whatif_after(ds, rubric)
        keep = (a["period"] == period) & a["predikat"].notna() & b["predikat"].notna()
        return compare(a[keep], b[keep])

    return _cached(("compare", rubric.hash, period), ds, compute)


def distribution(matrix: pd.DataFrame) -> pd.DataFrame:
    """Employees per predikat before and after (rows ``before, after``; columns best first).

    No core home: the margins of :meth:`workbench.weights.Comparison.transition_matrix`.
    """
    values = matrix.to_numpy()
    return pd.DataFrame(np.vstack([values.sum(axis=1), values.sum(axis=0)]), index=["before", "after"],
                        columns=[str(c) for c in matrix.columns])


# ---------------------------------------------------------------------------------
# Rater quality
# ---------------------------------------------------------------------------------
def _berakhlak(ds: Dataset, period: str) -> pd.DataFrame:
    r = ds.ratings
    r = r[(r["period"] == period) & r["indicator"].isin(BERAKHLAK)]
    return r.merge(ds.roster[["employee_id", "period", "unit"]], on=["employee_id", "period"], how="left")


def reliability_summary(ds: Dataset, period: str = "2025") -> pd.DataFrame:
    """Inter-rater reliability of the BerAKHLAK scores per OPD (atasan and rekan, not self).

    Each rater's seven BerAKHLAK scores of an employee are averaged into one score per
    employee and rater; ICC(1,1) (each employee has own raters) per unit comes from
    :func:`workbench.reliability.by_group`.

    Returns
    -------
    pandas.DataFrame
        ``unit, estimate, ci_low, ci_high, n_subjects, n_raters, note``; empty when the
        period holds no BerAKHLAK scores.
    """
    return _cached(("reliability", period), ds, lambda: _reliability_uncached(ds, period)).copy()


def _reliability_uncached(ds: Dataset, period: str) -> pd.DataFrame:
    from workbench import reliability

    r = _berakhlak(ds, period)
    r = r[r["rater_role"].isin(["atasan", "rekan"])]
    cols = ["unit", "estimate", "ci_low", "ci_high", "n_subjects", "n_raters", "note"]
    if r.empty:
        return pd.DataFrame(columns=cols)
    cells = r.groupby(["unit", "employee_id", "rater_id"], as_index=False, observed=True)["score"].mean()
    table = reliability.by_group(cells, "unit", coefficients=("icc",))
    table["n_subjects"] = pd.to_numeric(table["n_subjects"], errors="coerce")
    return table.loc[:, cols].reset_index(drop=True)


def _effects(ds: Dataset, period: str) -> pd.DataFrame:
    return _cached(("effects", period), ds, lambda: _effects_uncached(ds, period))


def _effects_uncached(ds: Dataset, period: str) -> pd.DataFrame:
    from workbench import objectivity

    r = _berakhlak(ds, period)
    r = r[r["rater_role"].isin(["atasan", "rekan"])]
    if r.empty:
        return pd.DataFrame(columns=["rater_id", "leniency", "flag", "direction", "unit"])
    eff = objectivity.rater_effects(r.drop(columns=["unit"])).to_frame()
    home = ds.roster.loc[ds.roster["period"] == period, ["employee_id", "unit"]].rename(
        columns={"employee_id": "rater_id"})
    return eff.merge(home, on="rater_id", how="left")


def rater_summary(ds: Dataset, period: str = "2025") -> pd.DataFrame:
    """Rater effects per OPD (of the rater's own unit), aggregates only.

    Returns
    -------
    pandas.DataFrame
        ``unit, n_raters, lenient, severe, unflagged`` (raters flagged after FDR control by
        :func:`workbench.objectivity.rater_effects` on the BerAKHLAK scores) and ``spread``
        (standard deviation of the raters' leniency in score points: how differently the
        unit's raters score the same kind of work).
    """
    eff = _effects(ds, period)
    cols = ["unit", "n_raters", "lenient", "severe", "unflagged", "spread"]
    if eff.empty:
        return pd.DataFrame(columns=cols)
    eff = eff.assign(lenient=eff["flag"] & (eff["direction"] == "lenient"),
                     severe=eff["flag"] & (eff["direction"] == "severe"))
    out = eff.groupby("unit", observed=True).agg(
        n_raters=("rater_id", "nunique"), lenient=("lenient", "sum"), severe=("severe", "sum"),
        spread=("leniency", "std")).reset_index()
    out["unflagged"] = out["n_raters"] - out["lenient"] - out["severe"]
    return out.loc[:, cols]


def rater_table(ds: Dataset, period: str = "2025", unit: str | None = None) -> pd.DataFrame:
    """Flagged raters with their names, for HR only (``WORKBENCH_VIEWER=hr``).

    Returns
    -------
    pandas.DataFrame
        ``name, unit, leniency, ci_low, ci_high, n_ratings, direction``, flagged raters only,
        most extreme first. Holds names: never shown in a leadership view.
    """
    eff = _effects(ds, period)
    eff = eff[eff["flag"]]
    if unit:
        eff = eff[eff["unit"] == unit]
    names = ds.roster.loc[ds.roster["period"] == period, ["employee_id", "name"]] if "name" in ds.roster else None
    if names is not None:
        eff = eff.merge(names.rename(columns={"employee_id": "rater_id"}), on="rater_id", how="left")
    else:
        eff = eff.assign(name=eff["rater_id"])
    eff = eff.reindex(eff["leniency"].abs().sort_values(ascending=False).index)
    return eff.loc[:, ["name", "unit", "leniency", "ci_low", "ci_high", "n_ratings", "direction"]].reset_index(drop=True)
