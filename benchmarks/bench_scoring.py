"""Benchmark of rubric scoring: in memory, against a pandas groupby/apply baseline, and via Dask.

Usage::

    python benchmarks/bench_scoring.py [--quick] [--in-memory-only] [--shuffled] [--no-wait]

1. In memory: N employees x 28 indicators (7 IKI + the 21 BerAKHLAK behaviour indicators),
   one atasan rating each, scored with a matrix rubric (default N = 1,000,000, i.e. 28 M
   rating rows; built directly with numpy, categorical key columns as Parquet would give;
   the rows in employee and indicator order, as an export per employee lists them, which
   the scorer reads as its cube without counting; ``--shuffled`` also scores the same rows
   in random order, through the general aggregation).
   Next to it, in the same run and on the same table, the floor: the aggregation as one
   ``np.bincount`` of the (employee, indicator) code (sums and counts), the means, and one
   matrix product for the two dimension scores; and polars (group-by mean, pivot-free
   dimension means, roster join), when polars is installed (else a printed skip).
   Peak memory is the process's high-water mark during the stage (reset after the table
   is built; it includes the input table).
2. Baseline: a straightforward ``groupby("employee_id").apply(python function)`` on a
   subset, next to the vectorised scorer on the same subset.
3. National scale: 6,000,000 employees x the two e-Kinerja ratings (hasil_kerja,
   perilaku_kerja; 12 M rows) written as partitioned Parquet to a temporary directory
   (one file per employee bucket), read with Dask and scored with ``shuffle=False``,
   with the roster joined. The directory is deleted afterwards.

Each stage runs in its own process so that its peak memory (max RSS) is its own. Before
each stage the script prints the load average and, while the 1-minute load average is above
1.5 (other processes on the 2 cores), waits (polling every 15 s, 5 minutes at most;
``--no-wait`` skips this).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import load_text, wait_for_quiet

__all__ = ["main"]

ROLES = ["atasan", "rekan", "bawahan", "diri", "pelanggan"]
MAX_WAIT_S = 300.0  # seconds a run may wait for a quiet machine



def _rubric(n_hasil: int = 7, n_perilaku: int = 21) -> Any:
    from workbench.rubric import load_rubric, rubric_from_spec

    spec = dict(load_rubric("permenpanrb-6-2022-rinci").spec)
    inds = [{"id": f"iki_{k}", "dimension": "hasil_kerja", "scale": "realisasi", "label": f"IKI {k}"}
            for k in range(n_hasil)]
    inds += [{"id": f"perilaku_{k}", "dimension": "perilaku_kerja", "scale": "likert5", "label": f"P {k}"}
             for k in range(n_perilaku)]
    spec["indicators"] = inds
    spec["weights"] = {"baseline": {"raters": {"atasan": 1.0}}}
    spec["assumptions"] = []
    return rubric_from_spec(spec)


def _table(n: int, seed: int = 0) -> pd.DataFrame:
    """n employees x 28 indicators, one atasan rating each, categorical keys."""
    rubric = _rubric()
    ids = [i.id for i in rubric.indicators]
    k = len(ids)
    rng = np.random.default_rng(seed)
    emp_codes = np.repeat(np.arange(n, dtype=np.int32), k)
    ind_codes = np.tile(np.arange(k, dtype=np.int8), n)
    hasil = rng.normal(100, 10, (n, 7)).clip(0, 200).round(1)
    perilaku = rng.integers(1, 6, (n, 21)).astype(float)
    score = np.concatenate([hasil, perilaku], axis=1).ravel()
    employees = pd.Index(np.char.add("E", np.arange(n).astype("U8")), dtype="str")
    return pd.DataFrame({
        "period": pd.Categorical.from_codes(np.zeros(n * k, dtype=np.int8), categories=pd.Index(["2025"])),
        "employee_id": pd.Categorical.from_codes(emp_codes, categories=employees),
        "rater_id": pd.Categorical.from_codes(emp_codes, categories=employees),
        "rater_role": pd.Categorical.from_codes(np.zeros(n * k, dtype=np.int8), categories=ROLES),
        "indicator": pd.Categorical.from_codes(ind_codes, categories=pd.Index(ids)),
        "score": score,
    })


def _peak_mib() -> float:
    """High-water mark of resident memory since :func:`_reset_peak` (Linux), else since start."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> None:
    """Start the high-water mark anew (Linux: writing 5 to clear_refs), so that a stage's
    peak is its own and not the building of its input."""
    import gc

    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:  # pragma: no cover - not Linux, or not allowed
        pass


def _roster(ratings: pd.DataFrame, n: int) -> pd.DataFrame:
    return pd.DataFrame({"employee_id": ratings["employee_id"].cat.categories.astype("str"),
                         "period": "2025", "unit": "Unit " + pd.Series(np.arange(n) % 500).astype(str)})


def _in_memory(n: int, queue: Any, shuffled: bool = False) -> None:
    from workbench.rubric import score

    rubric = _rubric()
    t0 = time.perf_counter()
    ratings = _table(n)
    if shuffled:  # the rows in random order: the general aggregation (one bincount per aggregate)
        ratings = ratings.take(np.random.default_rng(2).permutation(len(ratings))).reset_index(drop=True)
    built = time.perf_counter() - t0
    roster = _roster(ratings, n)
    score(ratings.iloc[:28_000], rubric, roster=roster.iloc[:1000])  # warm: imports, compiled rubric
    _reset_peak()
    t0, c0 = time.perf_counter(), time.process_time()
    scores = score(ratings, rubric, roster=roster)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    counts = scores.frame["predikat"].value_counts().to_dict()
    queue.put({"stage": "in-memory", "employees": n, "rows": len(ratings), "build_s": built, "shuffled": shuffled,
               "score_s": elapsed, "cpu_s": cpu, "peak_mib": _peak_mib(), "counts": counts})


def _floor(n: int, queue: Any) -> None:
    """The floor on the same table: one bincount of the (employee, indicator) code for sums
    and counts, the means divided in place, one matrix product for the dimension scores,
    the unit taken by the employee code (the roster lists the categories in order)."""
    ratings = _table(n)
    roster = _roster(ratings, n)
    k = 28
    w = np.zeros((k, 2))
    w[:7, 0], w[7:, 1] = 1 / 7, 1 / 21
    _reset_peak()
    t0, c0 = time.perf_counter(), time.process_time()
    code = ratings["employee_id"].array.codes.astype(np.int64)
    code *= k
    code += ratings["indicator"].array.codes
    sums = np.bincount(code, weights=ratings["score"].to_numpy(), minlength=n * k)
    cnt = np.bincount(code, minlength=n * k)
    del code
    sums /= cnt
    t_agg = time.perf_counter() - t0
    dims = sums.reshape(n, k) @ w
    unit = roster["unit"].to_numpy()
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    queue.put({"stage": "floor", "agg_s": t_agg, "score_s": elapsed, "cpu_s": cpu, "peak_mib": _peak_mib(),
               "check": float(dims[:, 1].mean()) + len(unit)})


def _polars(n: int, queue: Any) -> None:
    """polars on the same table: mean per employee and indicator, the two dimension means
    (one group-by), the roster joined."""
    import polars as pl

    ratings = _table(n)
    roster = pl.from_pandas(_roster(ratings, n))
    frame = pl.from_pandas(ratings[["employee_id", "indicator", "score"]])
    _reset_peak()
    t0, c0 = time.perf_counter(), time.process_time()
    dim = pl.when(pl.col("indicator").cast(pl.String).str.starts_with("iki")).then(pl.lit("hasil_kerja")).otherwise(
        pl.lit("perilaku_kerja"))
    means = frame.group_by("employee_id", "indicator").agg(pl.col("score").mean())
    dims = means.with_columns(dim.alias("dimension")).group_by("employee_id", "dimension").agg(
        pl.col("score").mean())
    out = dims.with_columns(pl.col("employee_id").cast(pl.String)).join(roster, on="employee_id", how="left")
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    queue.put({"stage": "polars", "score_s": elapsed, "cpu_s": cpu, "peak_mib": _peak_mib(), "rows": out.height})


def _baseline_one(g: pd.DataFrame, rubric: Any) -> pd.Series:
    """Straightforward per-employee scoring, as one would write it without vectorising."""
    means = g.groupby("indicator", observed=True)["score"].mean()
    hasil = np.mean([means[i.id] for i in rubric.indicators if i.dimension == "hasil_kerja"])
    perilaku = np.mean([means[i.id] for i in rubric.indicators if i.dimension == "perilaku_kerja"])
    h = 0 if hasil < 85 else (1 if hasil < 110 else 2)
    p = 0 if perilaku < 2.0 else (1 if perilaku < 3.75 else 2)
    cats = ["di_bawah", "sesuai", "di_atas"]
    return pd.Series({"hasil_kerja": hasil, "perilaku_kerja": perilaku,
                      "predikat": rubric.matrix.cells[(cats[h], cats[p])]})


def _baseline(n: int, queue: Any) -> None:
    from workbench.rubric import score

    rubric = _rubric()
    ratings = _table(n, seed=1)
    t0 = time.perf_counter()
    base = ratings.groupby("employee_id", observed=True).apply(_baseline_one, rubric, include_groups=False)
    t_base = time.perf_counter() - t0
    t0 = time.perf_counter()
    ours = score(ratings, rubric).frame
    t_ours = time.perf_counter() - t0
    ids = {p.label.id: p.id for p in rubric.predikat}
    ours_ids = ours.set_index("employee_id")["predikat"].astype(object).map(ids)
    same = bool((ours_ids.reindex(base.index.astype(str)).to_numpy() == base["predikat"].to_numpy()).all())
    queue.put({"stage": "baseline", "employees": n, "baseline_s": t_base, "vectorised_s": t_ours,
               "agree": same, "peak_mib": _peak_mib()})


def _write_national(folder: Path, n: int, parts: int) -> float:
    t0 = time.perf_counter()
    rng = np.random.default_rng(6)
    per = n // parts
    units = np.array([f"OPD {u:05d}" for u in range(20_000)])
    for b in range(parts):
        start = b * per
        ids = np.char.add("E", np.arange(start, start + per).astype("U9"))
        h = rng.choice([1.0, 2.0, 3.0], per, p=[0.03, 0.85, 0.12])
        p = rng.choice([1.0, 2.0, 3.0], per, p=[0.04, 0.88, 0.08])
        ratings = pd.DataFrame({
            "period": "2025", "employee_id": np.repeat(ids, 2), "rater_id": np.repeat(ids, 2),
            "rater_role": "atasan", "indicator": np.tile(["hasil_kerja", "perilaku_kerja"], per),
            "score": np.column_stack([h, p]).ravel()})
        ratings.to_parquet(folder / "ratings" / f"part-{b:03d}.parquet", index=False)
        roster = pd.DataFrame({"employee_id": ids, "period": "2025",
                               "unit": units[(np.arange(start, start + per) // 300) % len(units)]})
        roster.to_parquet(folder / "roster" / f"part-{b:03d}.parquet", index=False)
    return time.perf_counter() - t0


def _national(n: int, parts: int, queue: Any) -> None:
    import dask
    import dask.dataframe as dd

    from workbench.rubric import score

    folder = Path(tempfile.mkdtemp(prefix="bench_national_"))
    try:
        (folder / "ratings").mkdir()
        (folder / "roster").mkdir()
        t_write = _write_national(folder, n, parts)
        size = sum(f.stat().st_size for f in folder.rglob("*.parquet")) / 2**20
        dask.config.set(scheduler="threads", num_workers=2)
        t0 = time.perf_counter()
        ratings = dd.read_parquet(folder / "ratings")
        roster = dd.read_parquet(folder / "roster")
        scores = score(ratings, "permenpanrb-6-2022", roster=roster, shuffle=False)
        elapsed = time.perf_counter() - t0
        counts = scores.frame["predikat"].value_counts().to_dict()
        queue.put({"stage": "national", "employees": n, "rows": 2 * n, "partitions": parts,
                   "write_s": t_write, "parquet_mib": size, "score_s": elapsed, "peak_mib": _peak_mib(),
                   "units": int(scores.frame["unit"].nunique()), "counts": counts})
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run(target: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue), kwargs=kwargs)
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--no-wait", action="store_true", help="do not wait for a quiet machine")
    parser.add_argument("--in-memory-only", action="store_true",
                        help="only the in-memory stage and its references (no baseline, no Dask)")
    parser.add_argument("--shuffled", action="store_true",
                        help="also score the in-memory table with its rows shuffled (ratings not in "
                             "employee and indicator order: no cell-order shortcut)")
    args = parser.parse_args()
    wait = not args.no_wait
    n_mem, n_base, n_nat, parts = (50_000, 2_000, 300_000, 4) if args.quick else (
        1_000_000, 20_000, 6_000_000, 24)
    print(f"machine: {os.cpu_count()} cores; sizes: in-memory {n_mem:,}, baseline {n_base:,}, national {n_nat:,}")

    print(f'  load average (1, 5, 15 min): {load_text()}', flush=True)
    wait_for_quiet(MAX_WAIT_S if wait else 0.0)
    r = _run(_in_memory, n_mem)
    print(f"[in-memory] {r['employees']:,} employees x 28 indicators = {r['rows']:,} rating rows: "
          f"built in {r['build_s']:.1f} s, scored in {r['score_s']:.2f} s (CPU {r['cpu_s']:.2f} s; "
          f"{r['rows'] / r['score_s'] / 1e6:.1f} M rows/s); peak RSS {r['peak_mib']:,.0f} MiB")
    print(f"            predikat: {r['counts']}")
    if args.shuffled:
        print(f'  load average (1, 5, 15 min): {load_text()}', flush=True)
        s = _run(_in_memory, n_mem, shuffled=True)
        print(f"[shuffled ] the same rows in random order: scored in {s['score_s']:.2f} s (CPU "
              f"{s['cpu_s']:.2f} s); peak RSS {s['peak_mib']:,.0f} MiB; same predikat counts: "
              f"{s['counts'] == r['counts']}")
    print(f'  load average (1, 5, 15 min): {load_text()}', flush=True)
    f = _run(_floor, n_mem)
    print(f"[floor    ] numpy on the same table: bincount aggregation {f['agg_s']:.2f} s, + means and one "
          f"matrix product {f['score_s']:.2f} s (CPU {f['cpu_s']:.2f} s); peak RSS {f['peak_mib']:,.0f} MiB; "
          f"workbench / floor = {r['score_s'] / f['score_s']:.1f}x")
    try:
        import polars  # noqa: F401
    except ImportError:
        print("[polars   ] skipped: polars is not installed")
    else:
        print(f'  load average (1, 5, 15 min): {load_text()}', flush=True)
        q = _run(_polars, n_mem)
        print(f"[polars   ] group-by means + dimension means + roster join on the same table: "
              f"{q['score_s']:.2f} s (CPU {q['cpu_s']:.2f} s); peak RSS {q['peak_mib']:,.0f} MiB; "
              f"workbench / polars = {r['score_s'] / q['score_s']:.1f}x")
    if args.in_memory_only:
        return

    print(f'  load average (1, 5, 15 min): {load_text()}', flush=True)
    wait_for_quiet(MAX_WAIT_S if wait else 0.0)
    b = _run(_baseline, n_base)
    per_emp = b["baseline_s"] / b["employees"]
    print(f"[baseline ] pandas groupby('employee_id').apply on {b['employees']:,} employees: "
          f"{b['baseline_s']:.2f} s ({per_emp * 1e3:.2f} ms/employee, ~{per_emp * n_mem / 60:.1f} min "
          f"extrapolated to {n_mem:,}); vectorised on the same: {b['vectorised_s']:.3f} s "
          f"(x{b['baseline_s'] / b['vectorised_s']:.0f}); same predikat: {b['agree']}")

    print(f'  load average (1, 5, 15 min): {load_text()}', flush=True)
    wait_for_quiet(MAX_WAIT_S if wait else 0.0)
    d = _run(_national, n_nat, parts)
    print(f"[national ] {d['employees']:,} employees x 2 e-Kinerja ratings = {d['rows']:,} rows in "
          f"{d['partitions']} Parquet parts ({d['parquet_mib']:.0f} MiB, written in {d['write_s']:.1f} s): "
          f"Dask read + score + roster join + compute in {d['score_s']:.1f} s; peak RSS "
          f"{d['peak_mib']:,.0f} MiB; units {d['units']:,}")
    print(f"            predikat: {d['counts']}")


if __name__ == "__main__":
    main()
