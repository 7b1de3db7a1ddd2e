"""The whole appraisal chain at national scale, on pandas or Dask, in one call.

:func:`national_chain` runs, for partitioned Parquet split by employee buckets (the layout
``python -m workbench.data national`` writes; :func:`read_partitioned`): load, validate,
score under a rubric, check the curve of every unit, the leadership page's aggregates
(predikat per unit, share Baik or better), reliability per unit, and the published report
of one instansi. With Dask it never brings the employee-level table onto one worker: each
employee bucket of the ratings is scored with the same bucket of the roster (no shuffle),
the scores stay in the workers' memory (``persist``), the curve is checked per partition
after a shuffle of the scores by unit (a unit never spans two partitions; the integer
programme runs only for violating units, inside :func:`workbench.rubric.curve_check`), and
only per-unit tables come back. With pandas frames it runs the same steps in memory, with
the same results (the tests check every step).

Where to run it
---------------
* **One machine, threads** (Dask's default scheduler): nothing to set up. Good while the
  scores plus one partition per core fit in memory (1 million employees in 8 buckets peaked
  at 0.9 GB in ``benchmarks/bench_national.py``).
* **One machine, processes**: ``from dask.distributed import Client, LocalCluster;
  client = Client(LocalCluster(n_workers=2))``; then call :func:`national_chain` as
  usual: Dask uses the client it finds. Pure-Python parts (the curve check per unit) run
  in parallel, which threads cannot do.
* **A cluster of machines**: start ``dask scheduler`` on one host and ``dask worker
  tcp://HOST:8786`` on each machine, put the Parquet folder where every worker can read it
  (a shared file system, or ``s3://...`` with ``s3fs``), then ``client =
  Client("tcp://HOST:8786")`` and call :func:`national_chain` with the same arguments. You
  need one when the persisted scores plus one partition per core no longer fit in one
  machine's RAM (the scores are a few hundred MB per million employees; ratings are read
  partition by partition and are not kept), or when the curve check of tens of thousands
  of units takes too long on one machine's cores.

Examples
--------
>>> import tempfile
>>> from workbench.data.synth_national import write_national
>>> files = write_national(tempfile.mkdtemp(), 2_000, n_buckets=2, seed=1)
>>> run = national_chain(files.folder, backend="pandas")
>>> run.to_frame()["step"].tolist()
['load', 'validate', 'score', 'curve', 'leadership', 'reliability', 'publish']
>>> int(run.leadership["n_employees"].sum())
2000
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from workbench._frames import is_dask
from workbench.data.contract import PERIOD_PATTERN, RATER_ROLES, RATING_COLUMNS
from workbench.data.report import PROBLEM_COLUMNS, ValidationReport
from workbench.errors import DataContractError, ParameterError, check_option
from workbench.results import frame_html
from workbench.rubric.curve import ASSUMED, GIVEN, CurveCheck, curve_check
from workbench.rubric.load import load_rubric
from workbench.rubric.model import Rubric
from workbench.rubric.score import score

__all__ = ["STEPS", "NationalRun", "national_chain", "read_partitioned"]

STEPS = ("load", "validate", "score", "curve", "leadership", "reliability", "publish")
"""The steps of :func:`national_chain`, in order."""

_CHANGES = ["unit", "employee_id", "from_predikat", "to_predikat", "priority", "distance"]
_MAX_EXAMPLES = 20  # problem rows kept per partition and reason


def _files(folder: Path, table: str) -> list[Path]:
    files = sorted((folder / table).glob("*.parquet"))
    if not files:
        raise DataContractError(f"{folder / table}: no .parquet file found; the national layout is "
                                f"{folder}/ratings/part-*.parquet and {folder}/roster/part-*.parquet "
                                "(python -m workbench.data national FOLDER --employees N writes it).")
    return files


def read_partitioned(folder: str | Path, backend: Literal["dask", "pandas"] = "dask") -> tuple[Any, Any, list[str]]:
    """Read ``<folder>/ratings/*.parquet`` and ``<folder>/roster/*.parquet``.

    Returns ``(ratings, roster, files)``: Dask DataFrames with one partition per file
    (``backend="dask"``: partition *i* of both tables is file *i* in name order, the same
    employee bucket) or pandas DataFrames, and the ratings files' names (partition order).
    """
    check_option("backend", backend, ["dask", "pandas"])
    folder = Path(folder)
    ratings, roster = _files(folder, "ratings"), _files(folder, "roster")
    if len(ratings) != len(roster):
        raise DataContractError(f"{folder}: {len(ratings)} ratings files but {len(roster)} roster files; "
                                "write one roster file per employee bucket, or pass the tables with "
                                "aligned=False.")
    names = [p.name for p in ratings]
    if backend == "pandas":
        return (pd.concat([pd.read_parquet(p) for p in ratings], ignore_index=True),
                pd.concat([pd.read_parquet(p) for p in roster], ignore_index=True), names)
    import dask.dataframe as dd

    r = dd.read_parquet([str(p) for p in ratings], split_row_groups=False)
    o = dd.read_parquet([str(p) for p in roster], split_row_groups=False)
    if r.npartitions != len(ratings) or o.npartitions != len(roster):
        raise DataContractError(f"{folder}: Dask read {r.npartitions} partitions from {len(ratings)} files; "
                                "one partition per file is needed to join the roster bucket by bucket.")
    return r, o, names


@dataclass(frozen=True, eq=False)
class NationalRun:
    """What :func:`national_chain` computed, step by step, with each step's time.

    Attributes
    ----------
    ratings, roster
        The input tables (Dask: lazy, read from Parquet again when used).
    validation
        :class:`~workbench.data.report.ValidationReport`: rows read, kept and rejected per
        file, and the problems (at most 20 example rows per file and reason; the counts
        are complete).
    scores
        One row per employee (``wb.score(...).to_frame()`` columns). Dask: persisted, its
        partitions in the workers' memory; ``.compute()`` it only for a small selection.
    curve
        :class:`~workbench.rubric.CurveCheck` of every unit (``.to_frame()``,
        ``.summary()``, ``.constraints``, ``.moves``); its ``changes`` is empty: the
        employees a fix would move are in :attr:`borderline`.
    borderline
        ``unit, employee_id, from_predikat, to_predikat, priority, distance`` (HR only;
        Dask: persisted).
    leadership
        One row per unit: ``instansi`` (when the roster has it), ``unit, n_employees``, one
        count per predikat (best first), ``n_unscored, n_rated, share_baik`` (Baik or better
        among the rated).
    reliability
        ICC(1,1) of the peers' ratings per unit
        (:func:`workbench.reliability.oneway_icc_by_group`).
    report
        The published HTML report of one instansi, or None.
    timings
        ``step, seconds`` (see :meth:`to_frame`).
    """

    ratings: Any
    roster: Any
    validation: ValidationReport
    scores: Any
    curve: CurveCheck
    borderline: Any
    leadership: pd.DataFrame
    reliability: pd.DataFrame
    report: Path | None
    timings: tuple[tuple[str, float], ...]
    parameters: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """One row per step: ``step, seconds``."""
        return pd.DataFrame(list(self.timings), columns=["step", "seconds"])

    @property
    def share_baik(self) -> float:
        """The share of rated employees with Baik or better, over every unit."""
        rated = self.leadership["n_rated"].sum()
        return float(self.leadership["share_baik"].mul(self.leadership["n_rated"]).sum() / rated) if rated else np.nan

    def __repr__(self) -> str:
        steps = ", ".join(f"{s} {t:.1f} s" for s, t in self.timings)
        return f"NationalRun(units={len(self.leadership):,}, steps: {steps})"

    def _repr_html_(self) -> str:
        return frame_html("National chain: time per step", self.to_frame())


def _problems(part: pd.DataFrame, bad: np.ndarray, column: str, reason: str, file: str,
              severity: str = "error") -> pd.DataFrame:
    rows = np.flatnonzero(bad)[:_MAX_EXAMPLES]
    vals = part[column].iloc[rows].astype(str).to_numpy() if column in part else np.full(len(rows), "")
    return pd.DataFrame({"file": file, "line": rows + 1, "column": column, "value": vals, "reason": reason,
                         "severity": severity, "message": f"{int(bad.sum()):,} row(s) in {file}"})


def _isin(values: pd.Series, pool: pd.Series) -> np.ndarray:
    """``values.isin(pool)`` as a boolean array (Arrow's hash set for text: fast for big pools)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        found = pc.is_in(pa.array(values.astype("str").array), value_set=pa.array(pool.astype("str").array))
        return np.asarray(found.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
    except (pa.ArrowException, TypeError):
        return values.isin(pool).to_numpy()


def _check_part(ratings: pd.DataFrame, roster: pd.DataFrame | None, file: str) -> tuple[np.ndarray, pd.DataFrame]:
    """``(rejected mask, problems)`` of one ratings partition: the contract's checks, vectorised.

    A rejected row is never scored and is counted; ``line`` is the row's 1-based position
    in the file (Parquet has no lines).
    """
    n = len(ratings)
    bad = np.zeros(n, dtype=bool)
    found = []
    for col in ("period", "employee_id", "rater_id", "indicator"):
        text = ratings[col].astype("str")
        miss = text.isna().to_numpy() | text.str.strip().eq("").fillna(False).to_numpy(dtype=bool)
        if miss.any():
            found.append(_problems(ratings, miss, col, "id_missing" if col.endswith("_id") else f"{col}_missing",
                                   file))
            bad |= miss
    checks = [("period", lambda u: u.str.fullmatch(PERIOD_PATTERN), "period_invalid"),
              ("rater_role", lambda u: u.isin(RATER_ROLES), "rater_role_invalid")]
    for col, test, reason in checks:
        codes, uniques = pd.factorize(ratings[col].astype(str))
        ok = np.asarray(test(pd.Series(uniques, dtype=object).astype(str)).fillna(False), dtype=bool)
        wrong = ~ok[codes] & (codes >= 0)
        if wrong.any():
            found.append(_problems(ratings, wrong, col, reason, file))
            bad |= wrong
    values = pd.to_numeric(ratings["score"], errors="coerce").to_numpy(dtype=float)
    wrong = ~np.isfinite(values)
    if wrong.any():
        found.append(_problems(ratings, wrong, "score", "score_not_numeric", file))
        bad |= wrong
    key = ["period", "employee_id", "rater_id", "indicator"]
    dup = ratings.duplicated(key, keep=False).to_numpy() & ~bad
    if dup.any():
        where = np.flatnonzero(dup)
        nunique = ratings.iloc[where].groupby(key, sort=False)["score"].transform("nunique").to_numpy()
        conflict = np.zeros(n, dtype=bool)
        conflict[where[nunique > 1]] = True
        plain = ratings.duplicated([*key, "score"], keep="first").to_numpy() & dup & ~conflict
        if conflict.any():
            found.append(_problems(ratings, conflict, "score", "conflicting_duplicate", file))
        if plain.any():
            found.append(_problems(ratings, plain, "employee_id", "duplicate_row", file))
        bad |= conflict | plain
    if roster is not None:
        out = ~_isin(ratings["employee_id"], roster["employee_id"]) & ~bad
        if out.any():
            found.append(_problems(ratings, out, "employee_id", "employee_not_in_roster", file))
            bad |= out
    problems = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=PROBLEM_COLUMNS)
    return bad, problems


def _validate_part(ratings: pd.DataFrame, roster: pd.DataFrame | None, file: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(counts, problems)`` of one ratings partition."""
    bad, problems = _check_part(ratings, roster, file)
    counts = pd.DataFrame({"file": [file], "table": ["ratings"], "rows_read": [len(ratings)],
                           "rows_kept": [int(len(ratings) - bad.sum())], "rows_rejected": [int(bad.sum())]})
    return counts, problems


def _score_part(ratings: pd.DataFrame, roster: pd.DataFrame, rubric: Rubric, period: str, lang: str,
                clean: bool) -> pd.DataFrame:
    """Score one employee bucket with its roster bucket (``wb.score`` in memory)."""
    if clean:
        bad, _ = _check_part(ratings, roster, "")
        ratings = ratings[~bad]
    frame = score(ratings, rubric, roster=roster, period=period, lang=lang).frame  # type: ignore[arg-type]
    return frame.drop(columns=["recorded_predikat"], errors="ignore")


def _curve_columns(rubric: Rubric, columns: list[str]) -> list[str]:
    want = ["period", "employee_id", "unit", "predikat", *[d.id for d in rubric.dimensions], "composite"]
    want += [f.id for f in rubric.flags]
    return [c for c in dict.fromkeys(want) if c in columns]


def _curve_part(frame: pd.DataFrame, rubric: Rubric, org_rating: Any, period: str,
                options: dict[str, Any]) -> dict[str, Any]:
    """:func:`curve_check` of the units of one partition (each unit whole in it)."""
    frame = frame.sort_values(["unit", "employee_id"], kind="stable").reset_index(drop=True)
    if frame.empty:
        return {}
    if org_rating is not None and not isinstance(org_rating, str):
        org_rating = {u: org_rating[u] for u in frame["unit"].unique() if u in org_rating}
    check = curve_check(frame, org_rating, rubric=rubric, period=period, **options)
    return {"units": check.units, "constraints": check.constraints, "moves": check.moves,
            "changes": check.changes, "parameters": check.parameters}


def _curve_whole(pieces: list[dict[str, Any]], rubric: Rubric, org_rating: Any) -> CurveCheck:
    """One :class:`CurveCheck` from the per-partition pieces (units sorted, as one call gives)."""
    pieces = [p for p in pieces if p]
    if not pieces:
        raise DataContractError("No unit has a scored employee in the period; nothing to check.")

    def cat(name: str) -> pd.DataFrame:
        out = pd.concat([p[name] for p in pieces], ignore_index=True)
        return out.sort_values("unit", kind="stable").reset_index(drop=True)

    units = cat("units")
    units["ok"] = pd.array(units["ok"].tolist(), dtype="boolean")
    params = dict(pieces[0]["parameters"])
    sources = set(units["org_rating_source"].astype(str))
    params["org_rating"] = org_rating if isinstance(org_rating, str | None) else dict(org_rating)
    params["org_rating_source"] = " + ".join(sorted(sources - {GIVEN, ASSUMED})
                                             + [x for x in (GIVEN, ASSUMED) if x in sources])
    params["units_without_org_rating"] = tuple(sorted(units.loc[units["org_rating_source"] == ASSUMED, "unit"]))
    params["notes"] = tuple(dict.fromkeys(n for p in pieces for n in p["parameters"].get("notes", ())))
    return CurveCheck(units, pd.DataFrame(columns=_CHANGES), cat("constraints"), rubric.id, rubric.hash, params,
                      None, moves=cat("moves"), _rubric=rubric)


def _leadership(counts: Any, rubric: Rubric, lang: Literal["id", "en"], instansi: pd.Series | None) -> pd.DataFrame:
    """Per unit: counts per predikat (best first), unscored, rated, share Baik or better."""
    labels = [p.label.get(lang) for p in rubric.predikat]
    table = counts.unstack("predikat", fill_value=0) if len(counts) else pd.DataFrame(index=pd.Index([], name="unit"))
    table = table.reindex(columns=[*labels, "_none"], fill_value=0).astype(int)
    table.columns.name = None
    out = table[labels].copy()
    out.insert(0, "n_employees", table.sum(axis=1))
    out["n_unscored"] = table["_none"]
    out["n_rated"] = table[labels].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share_baik"] = table[labels[:2]].sum(axis=1) / out["n_rated"].where(out["n_rated"] > 0)
    out = out.sort_index().reset_index()
    if instansi is not None:
        out.insert(0, "instansi", out["unit"].map(instansi).to_numpy())
    return out


def _predikat_counts(scores: pd.DataFrame) -> pd.DataFrame:
    pred = scores["predikat"].astype(object).where(scores["predikat"].notna(), "_none")
    return pd.DataFrame({"unit": scores["unit"].to_numpy(), "predikat": pred.to_numpy()}).groupby(
        ["unit", "predikat"]).size().rename("n").reset_index()


def _peers(ratings: pd.DataFrame, roster: pd.DataFrame, role: str, period: str) -> pd.DataFrame:
    """The ``role`` ratings of ``period`` with the employee's unit (one bucket)."""
    r = ratings.loc[(ratings["rater_role"] == role) & (ratings["period"] == period), ["employee_id", "rater_id", "score"]]
    units = roster.loc[roster["period"] == period, ["employee_id", "unit"]] if "period" in roster else \
        roster[["employee_id", "unit"]]
    left, right = r["employee_id"].dtype, units["employee_id"].dtype
    if not (isinstance(left, pd.StringDtype) and left == right and left.storage == "pyarrow"):
        return r.merge(units.drop_duplicates("employee_id"), on="employee_id")
    # the merge with the roster's first row per employee, by Arrow's hash look-up (the same rows, in order)
    import pyarrow as pa
    import pyarrow.compute as pc

    at = pc.index_in(pa.array(r["employee_id"].array), value_set=pa.array(units["employee_id"].array),
                     skip_nulls=False)
    found = np.asarray(at.is_valid())
    pos = np.asarray(at.fill_null(0))[found]
    rows = np.flatnonzero(found)
    return pd.DataFrame({"employee_id": r["employee_id"].array.take(rows), "rater_id": r["rater_id"].array.take(rows),
                         "score": r["score"].array.take(rows), "unit": units["unit"].array.take(pos)})


def _step(timings: list[tuple[str, float]], name: str, t0: float) -> float:
    now = time.perf_counter()
    timings.append((name, now - t0))
    return now


def _persist(frame: Any) -> Any:
    """Persist a Dask collection and wait until it is in memory (on the workers)."""
    frame = frame.persist()
    try:
        from distributed import default_client, wait

        default_client()
        wait(frame)
    except (ImportError, ValueError):
        pass
    return frame


def national_chain(
    source: str | Path | Any,
    rubric: Rubric | str = "permenpanrb-6-2022",
    *,
    roster: Any = None,
    backend: Literal["dask", "pandas"] = "dask",
    period: str | None = None,
    org_rating: str | Mapping[str, str] | None = None,
    instansi: str | None = None,
    out: str | Path | None = None,
    lang: Literal["id", "en"] = "id",
    min_cell: int | None = None,
    reliability_role: str = "rekan",
    aligned: bool = True,
    rounding: Literal["conservative", "lenient", "nearest"] = "conservative",
    small_units: Literal["report", "strict", "pool"] = "report",
) -> NationalRun:
    """Run the appraisal chain on a whole country's data: load to the published report.

    Parameters
    ----------
    source
        A folder in the national layout (``ratings/*.parquet`` and ``roster/*.parquet``,
        one file per employee bucket; :func:`read_partitioned`), or a ratings table
        (pandas or Dask) with ``roster=``.
    rubric
        The rubric or a preset id (default the rule in force, ``permenpanrb-6-2022``).
    roster
        The roster, when ``source`` is a table. It needs ``unit``; ``instansi`` (optional)
        groups units for the report and the leadership table.
    backend
        For a folder: ``"dask"`` (default) or ``"pandas"`` (everything in memory; small data).
    period
        The period to check; default the only one in the roster.
    org_rating
        Predikat Kinerja Organisasi: one for every unit, a ``{unit: rating}`` mapping, or
        None ("Baik" assumed for every unit, and said so).
    instansi, out
        Publish the leadership report (``ringkasan_pimpinan``) of this instansi to ``out``
        (HTML). Both or neither.
    lang, min_cell
        Labels' language; small-cell threshold of the report.
    reliability_role
        Whose ratings the reliability per unit is computed on (default the peers, ``rekan``).
    aligned
        Dask only: partition *i* of the ratings and of the roster hold the same employees
        (files split by employee bucket): the roster is joined bucket by bucket. ``False``:
        both are shuffled by employee first (a hash shuffle: slower).
    rounding, small_units
        As in :func:`workbench.rubric.curve_check`.

    Returns
    -------
    NationalRun
        Each step's output and ``.to_frame()``: ``step, seconds`` for ``load``,
        ``validate``, ``score``, ``curve``, ``leadership``, ``reliability``, ``publish``.

    Raises
    ------
    DataContractError
        When a required column is missing, or every row of the ratings is rejected.
        Rejected rows (listed in ``validation``) are otherwise left out of the scores.

    Notes
    -----
    **What is brought to one place.** With Dask, only per-unit tables (curve, leadership,
    reliability sums), the validation counts and examples, and the ratings of the one
    instansi that is published are computed into the client. The scores and the borderline
    employees stay in the workers' memory. To run on a cluster, create the client first
    (``Client("tcp://HOST:8786")``); see the module's documentation for when one is needed.

    **Identical results.** Scoring runs :func:`workbench.score` on each employee bucket
    (an employee's ratings are never split), and the curve check runs
    :func:`workbench.curve_check` on each group of whole units; so every per-unit number is
    the same as that of one in-memory call on the whole table.
    """
    check_option("backend", backend, ["dask", "pandas"])
    check_option("lang", lang, ["id", "en"])
    if (instansi is None) != (out is None):
        raise ParameterError("Pass both `instansi=` and `out=` to publish a report, or neither.")
    rubric = rubric if isinstance(rubric, Rubric) else load_rubric(rubric)
    timings: list[tuple[str, float]] = []
    t0 = time.perf_counter()
    # load
    if isinstance(source, str | Path):
        ratings, roster, files = read_partitioned(source, backend)
    else:
        if roster is None:
            raise ParameterError("Pass `roster=` with a ratings table (or a folder as `source`).")
        ratings = source
        files = [f"<partition {i}>" for i in range(ratings.npartitions)] if is_dask(ratings) else ["<ratings>"]
    dask = is_dask(ratings)
    if not dask and is_dask(roster):
        roster = roster.compute()
    missing = [c for c in RATING_COLUMNS if c not in ratings.columns]
    missing += [f"roster.{c}" for c in ("employee_id", "unit") if c not in roster.columns]
    if missing:
        raise DataContractError(f"The tables lack the column(s) {missing}; the ratings need {list(RATING_COLUMNS)} "
                                "and the roster employee_id and unit.")
    if dask and (not aligned or not is_dask(roster) or roster.npartitions != ratings.npartitions):
        import dask.dataframe as dd

        if not is_dask(roster):
            roster = dd.from_pandas(roster, npartitions=1)
        ratings = ratings.shuffle(on="employee_id", npartitions=ratings.npartitions)
        roster = roster.shuffle(on="employee_id", npartitions=ratings.npartitions)
        files = [f"<partition {i}>" for i in range(ratings.npartitions)]
    if period is None:
        periods = roster["period"].drop_duplicates() if "period" in roster.columns else \
            ratings["period"].drop_duplicates()
        periods = sorted(str(p) for p in (periods.compute() if dask else periods))
        if len(periods) != 1:
            raise ParameterError(f"The data hold {len(periods)} periods ({', '.join(periods[:8])}); pass `period=`.")
        period = periods[0]
    t0 = _step(timings, "load", t0)

    # validate
    if dask:
        import dask.dataframe as dd
        from dask import compute as dask_compute
        from dask import delayed

        parts = [delayed(_validate_part)(r, o, f)
                 for r, o, f in zip(ratings.to_delayed(), roster.to_delayed(), files, strict=True)]
        done = dask_compute(*parts)
    else:
        done = (_validate_part(ratings, roster, files[0] if len(files) == 1 else "<ratings>"),)
    counts = pd.concat([c for c, _ in done], ignore_index=True)
    found = [p for _, p in done if len(p)]
    problems = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=PROBLEM_COLUMNS)
    validation = ValidationReport.from_parts(counts, problems)
    if validation.rows_kept == 0:
        raise DataContractError("Every rating row was rejected; see the problems.", failure_cases=problems)
    clean = validation.rows_rejected > 0
    t0 = _step(timings, "validate", t0)

    # score
    if dask:
        meta_r = ratings.partitions[0].head(200, npartitions=1)
        meta_o = roster.partitions[0].compute()
        meta = _score_part(meta_r, meta_o[meta_o["employee_id"].isin(meta_r["employee_id"])], rubric, period,
                           lang, clean).iloc[:0]
        scores = _persist(ratings.map_partitions(_score_part, roster, rubric, period, lang, clean, meta=meta,
                                                 align_dataframes=False))
    else:
        scores = _score_part(ratings, roster, rubric, period, lang, clean)
    t0 = _step(timings, "score", t0)

    # curve: units whole in one partition, per-unit tables back
    options = {"rounding": rounding, "small_units": small_units, "lang": lang}
    cols = _curve_columns(rubric, list(scores.columns))
    if dask:
        narrow = scores[cols]
        narrow = narrow[~narrow["unit"].isna()].shuffle(on="unit", npartitions=scores.npartitions)
        pieces = _persist_delayed([delayed(_curve_part)(p, rubric, org_rating, period, options)
                                   for p in narrow.to_delayed()])
        small = dask_compute(*[delayed(_without_changes)(p) for p in pieces])
        curve = _curve_whole(list(small), rubric, org_rating)
        borderline = dd.from_delayed([delayed(_changes)(p) for p in pieces],
                                     meta=pd.DataFrame({c: pd.Series(dtype=object) for c in _CHANGES}).astype(
                                         {"priority": float, "distance": float}), verify_meta=False)
    else:
        piece = _curve_part(scores.loc[scores["unit"].notna(), cols], rubric, org_rating, period, options)
        curve = _curve_whole([piece], rubric, org_rating)
        borderline = piece["changes"].sort_values(["unit", "employee_id"]).reset_index(drop=True)
    t0 = _step(timings, "curve", t0)

    # leadership aggregates
    inst = None
    if "instansi" in roster.columns:
        pairs = roster[["unit", "instansi"]].drop_duplicates()
        pairs = pairs.compute() if dask else pairs
        inst = pairs.drop_duplicates("unit").set_index("unit")["instansi"]
    if dask:
        per = scores.map_partitions(_predikat_counts, meta=_predikat_counts(scores._meta))
        cnt = per.groupby(["unit", "predikat"]).n.sum().compute()
    else:
        cnt = _predikat_counts(scores).set_index(["unit", "predikat"])["n"]
    leadership = _leadership(cnt, rubric, lang, inst)
    t0 = _step(timings, "leadership", t0)

    # reliability per unit
    from workbench.reliability.grouped import oneway_icc_by_group

    if dask:
        meta_p = _peers(ratings._meta, roster._meta, reliability_role, period)
        peers = ratings.map_partitions(_peers, roster, reliability_role, period, meta=meta_p,
                                       align_dataframes=False)
    else:
        peers = _peers(ratings, roster, reliability_role, period)
    reliability = oneway_icc_by_group(peers, "unit", shuffle=False)
    t0 = _step(timings, "reliability", t0)

    # the published report of one instansi
    report = None
    if instansi is not None:
        report = _publish(ratings, roster, instansi, Path(str(out)), period, org_rating, lang, min_cell, dask)
    _step(timings, "publish", t0)
    params = {"rubric": rubric.id, "period": period, "org_rating": org_rating, "instansi": instansi,
              "backend": "dask" if dask else "pandas", "aligned": aligned, "partitions": len(files)}
    return NationalRun(ratings, roster, validation, scores, curve, borderline, leadership, reliability, report,
                       tuple(timings), params)


def _persist_delayed(items: list[Any]) -> list[Any]:
    import dask

    out = list(dask.persist(*items))
    try:
        from distributed import default_client, wait

        default_client()
        wait(out)
    except (ImportError, ValueError):
        pass
    return out


def _without_changes(piece: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in piece.items() if k != "changes"}


def _changes(piece: dict[str, Any]) -> pd.DataFrame:
    if not piece:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in _CHANGES}).astype({"priority": float,
                                                                                  "distance": float})
    return piece["changes"]


def _publish(ratings: Any, roster: Any, instansi: str, out: Path, period: str, org_rating: Any, lang: str,
             min_cell: int | None, dask: bool) -> Path:
    """The leadership report of one instansi (its employees' rows only are collected)."""
    from workbench.data.dataset import Dataset
    from workbench.views.publish import publish

    if "instansi" not in roster.columns:
        raise ParameterError("`instansi=` needs an `instansi` column in the roster.")
    ro = roster[roster["instansi"] == instansi]
    ro = ro.compute() if dask else ro
    if ro.empty:
        raise ParameterError(f"No employee of instansi {instansi!r} is on the roster; check the name.")
    ids = set(ro["employee_id"].astype(str))
    r = ratings[ratings["employee_id"].isin(list(ids))]
    r = r.compute() if dask else r
    ds = Dataset.trusted(r.reset_index(drop=True), ro.reset_index(drop=True), name=instansi)
    org = None if org_rating is None else (dict.fromkeys(ro["unit"].unique(), org_rating)
                                           if isinstance(org_rating, str) else
                                           {u: org_rating[u] for u in ro["unit"].unique() if u in org_rating})
    return publish("ringkasan_pimpinan", ds, out, lang=lang, min_cell=min_cell, period=period, org_rating=org)
