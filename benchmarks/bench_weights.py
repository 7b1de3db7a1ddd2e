"""Benchmark: weight uncertainty by chunked matrix products against a per-draw pandas loop.

Usage: ``python benchmarks/bench_weights.py [--quick]``

Full size: 1,000 weight draws x 100,000 employees x 28 indicators (4 dimensions of 7,
a bands rubric on a 0-100 composite). ``--quick``: 100 draws x 10,000 employees.
The pandas loop (pivoted indicator table, then per draw: weighted means per dimension,
composite, ``pd.cut`` into bands, ``rank``) runs on a few draws only and is extrapolated
linearly to all draws; the script says so in its output. The floor, in the same run: one
matrix product for the composites of a block of draws and one ``argsort`` per draw (what
any ranking of every draw must do), with wall and CPU time (CPU above wall would mean
spinning BLAS threads). Peak memory is measured with
tracemalloc around the vectorised run (numpy allocations are traced), and the process's
peak RSS is printed too. Before timing, the script prints the load average and, while the
1-minute load average is above 1.5 (other processes on the 2 cores), waits (polling every
15 s, 5 minutes at most; ``--no-wait`` skips this).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.rubric import rubric_from_spec
from workbench.weights._engine import weight_model
from workbench.weights.uncertainty import draw_weights, run_draws

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import load_text, wait_for_quiet

N_DIM, PER_DIM = 4, 7
MAX_WAIT_S = 300.0  # seconds a run may wait for a quiet machine



def make_rubric():
    dims = [f"d{k}" for k in range(N_DIM)]
    inds = [f"i{k}_{j}" for k in range(N_DIM) for j in range(PER_DIM)]
    rng = np.random.default_rng(0)
    raw = rng.uniform(0.5, 1.5, len(inds))
    w = {}
    for k in range(N_DIM):
        block = raw[k * PER_DIM:(k + 1) * PER_DIM]
        for j, v in enumerate(block / block.sum()):
            w[f"i{k}_{j}"] = float(v)
    spec = {
        "id": "bench-28", "version": "1", "label": {"id": "Bench", "en": "Bench"},
        "scales": {"s100": {"min": 0, "max": 100}},
        "indicators": [{"id": i, "dimension": f"d{i[1]}", "scale": "s100", "label": {"id": i, "en": i}}
                       for i in inds],
        "dimensions": [{"id": d, "label": {"id": d, "en": d}, "aggregation": "weighted_mean", "scale": "s100"}
                       for d in dims],
        "weights": {"baseline": {"raters": {"atasan": 1.0}, "indicators": w,
                                 "dimensions": {d: 0.25 for d in dims}}},
        "predikat": {"labels": [{"id": p, "label": {"id": p, "en": p}} for p in
                                ("sangat_baik", "baik", "cukup", "kurang", "buruk")],
                     "rule": "bands",
                     "bands": [{"predikat": "buruk", "max": 50, "max_inclusive": True},
                               {"predikat": "kurang", "min": 50, "min_inclusive": False, "max": 61},
                               {"predikat": "cukup", "min": 61, "max": 76},
                               {"predikat": "baik", "min": 76, "max": 91},
                               {"predikat": "sangat_baik", "min": 91}]},
    }
    return rubric_from_spec(spec), inds, dims


def make_data(n: int, inds: list[str], seed: int = 0):
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 1))
    x = np.clip(75 + 8 * latent + rng.normal(0, 8, size=(n, len(inds))) * rng.uniform(0.3, 1.5, len(inds)), 0, 100)
    emp = np.array([f"E{k:07d}" for k in range(n)], dtype=object)
    ratings = pd.DataFrame({
        "period": "2025", "employee_id": np.repeat(emp, len(inds)), "rater_id": "R",
        "rater_role": "atasan", "indicator": np.tile(np.array(inds, dtype=object), n), "score": x.ravel()})
    roster = pd.DataFrame({"employee_id": emp, "period": "2025", "unit": [f"U{k % 40:02d}" for k in range(n)]})
    return type("DS", (), {"ratings": ratings, "roster": roster})(), x


def pandas_loop(wide: pd.DataFrame, theta: np.ndarray, model, dims: list[str], bands) -> float:
    names = list(model.params["name"])
    t0 = time.perf_counter()
    for th in theta:
        w = pd.Series(th, index=names)
        dim_scores = {}
        for d in dims:
            cols = [c for c in wide.columns if c.startswith(f"i{d[1]}_")]
            wi = w[[f"indicators.{c}" for c in cols]].to_numpy()
            dim_scores[d] = (wide[cols] * wi).sum(axis=1) / wi.sum()
        comp = sum(w[f"dimensions.{d}"] * dim_scores[d] for d in dims)
        pred = pd.cut(comp, bins=bands, right=False)
        _ = comp.rank(ascending=False, method="min"), pred.value_counts()
    return time.perf_counter() - t0


def floor(x: np.ndarray, theta: np.ndarray, model, block: int = 64) -> tuple[float, float]:
    """One matrix product per block of draws for the composites (indicator weights times
    dimension weights), then one argsort per draw: (wall s, CPU s)."""
    names = list(model.params["name"])
    cols = [names.index(f"indicators.{c}") for c in model.indicators]
    dims = [names.index(f"dimensions.d{c[1]}") for c in model.indicators]
    xt = np.ascontiguousarray(x.T)
    t0, c0 = time.perf_counter(), time.process_time()
    for a in range(0, len(theta), block):
        th = theta[a:a + block]
        comp = (th[:, cols] * th[:, dims]) @ xt  # (block, n)
        for row in comp:
            np.argsort(-row)
    return time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="100 draws x 10,000 employees")
    ap.add_argument("--pandas-draws", type=int, default=5, help="draws timed in the pandas loop")
    ap.add_argument("--no-wait", action="store_true", help="do not wait for a quiet machine")
    args = ap.parse_args()
    n, k = (10_000, 100) if args.quick else (100_000, 1000)
    rubric, inds, dims = make_rubric()
    ds, x = make_data(n, inds)
    print(f"problem: {k} draws x {n:,} employees x {len(inds)} indicators ({len(dims)} dimensions)")

    t0 = time.perf_counter()
    model = weight_model(ds, rubric)
    t_build = time.perf_counter() - t0
    theta = draw_weights(model, k, 0.1, 0)

    print(f'load average (1, 5, 15 min): {load_text()}', flush=True)
    wait_for_quiet(0.0 if args.no_wait else MAX_WAIT_S)
    tracemalloc.start()
    t0, c0 = time.perf_counter(), time.process_time()
    summary = run_draws(model, theta, max_memory_mb=256)
    t_vec, c_vec = time.perf_counter() - t0, time.process_time() - c0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    store = summary.nbytes

    print(f'load average (1, 5, 15 min): {load_text()}', flush=True)
    wait_for_quiet(0.0 if args.no_wait else MAX_WAIT_S)
    t_floor, c_floor = floor(x, theta, model)

    wide = pd.DataFrame(x, columns=inds)
    bands = [-np.inf, 50.000001, 61, 76, 91, np.inf]
    n_pd = min(args.pandas_draws, k)
    print(f'load average (1, 5, 15 min): {load_text()}', flush=True)
    wait_for_quiet(0.0 if args.no_wait else MAX_WAIT_S)
    t_pd = pandas_loop(wide, theta[:n_pd], model, dims, bands)
    t_pd_all = t_pd / n_pd * k

    print(f"build matrix form (once):             {t_build:8.2f} s")
    print(f"vectorised, chunked ({k} draws):      {t_vec:8.2f} s  ({t_vec / k * 1000:.1f} ms per draw; "
          f"CPU {c_vec:.2f} s)")
    print(f"floor: one product + one argsort per draw: {t_floor:8.2f} s  (CPU {c_floor:.2f} s); "
          f"workbench / floor = {t_vec / t_floor:.1f}x")
    print(f"pandas per-draw loop, {n_pd} draws timed: {t_pd:8.2f} s  ({t_pd / n_pd * 1000:.1f} ms per draw)")
    print(f"pandas loop extrapolated to {k} draws:  {t_pd_all:8.1f} s  (linear extrapolation, not run)")
    print(f"speed-up (extrapolated pandas / vectorised): {t_pd_all / t_vec:.1f}x")
    print(f"peak traced memory during the vectorised run: {peak / 2**20:.0f} MiB "
          f"(of which running summaries: rank histogram {summary.n_bins} bins x {n:,} employees + counts "
          f"{store / 2**20:.0f} MiB; budget 256 MiB); rank quantiles within "
          f"{int(summary.bin_width.max()) - 1} ranks of exact (bin width {int(summary.bin_width.max())})")
    print(f"peak RSS of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")


if __name__ == "__main__":
    main()
