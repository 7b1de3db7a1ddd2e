"""Speed and memory of workbench.reliability against its peers, measured in the same run.

Run ``python benchmarks/bench_reliability.py`` (``--quick`` for a smaller run). Times are
the best of 5 (``time.perf_counter``; ours and the peer's calls alternate, so that load
from other processes hits both); peak memory is the tracemalloc peak of one extra
run (numpy and pandas allocations are traced). The machine is shared: before timing, the
run waits (polling every 15 s, for up to 5 minutes in all) until the 1-minute load
average is at most 1.5, and it prints the load average before and after each task (and
in the ``load_1min`` column) so that a noisy run is visible (``--no-wait`` skips the wait).

1. ICC, 100,000 employees x 5 raters, long format with string ids, vs
   ``pingouin.intraclass_corr`` (goal: < 0.07 s and >= 5x faster).
2. Krippendorff's alpha, 20 raters x 100,000 units, 20 % missing, scores 1-5, all four
   levels, vs the ``krippendorff`` package (goal: no slower). Each takes its native
   input: ours the long table (integer ids), theirs the raters x units matrix;
   both give the point estimate (``n_boot=0``).
3. Interval alpha, 1,000,000 units x 3 raters of continuous scores (goal: seconds). The
   peer builds a units x values x values array: its memory need is reported, and it is
   run at a size that stays near 1 GiB.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench import reliability as rel

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import MAX_LOAD, load_text, wait_for_quiet

REPEAT = 5
MAX_WAIT_S = 300.0  # seconds a run may wait for a quiet machine



def _best(func: Callable[[], Any], repeat: int = REPEAT) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - t0)
    return best


def _best_pair(ours: Callable[[], Any], theirs: Callable[[], Any],
               repeat: int = REPEAT) -> tuple[float, float]:
    """Best of ``repeat`` for two functions, called alternately so that a burst of load
    from other processes hits both."""
    best = [float("inf"), float("inf")]
    for _ in range(repeat):
        for i, func in enumerate((ours, theirs)):
            t0 = time.perf_counter()
            func()
            best[i] = min(best[i], time.perf_counter() - t0)
    return best[0], best[1]


def _peak_mib(func: Callable[[], Any]) -> float:
    tracemalloc.start()
    func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def _row(task: str, impl: str, seconds: float, mib: float, note: str = "") -> dict[str, Any]:
    return {"task": task, "implementation": impl, "seconds": seconds, "peak_MiB": mib, "note": note}


def bench_icc(n: int, k: int = 5) -> list[dict[str, Any]]:
    import pingouin as pg

    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 1)) + rng.normal(size=(1, k)) + rng.normal(size=(n, k))
    df = pd.DataFrame(
        {
            "employee_id": np.repeat([f"19{i:016d}" for i in range(n)], k),
            "rater_id": np.tile([f"R{j:03d}" for j in range(k)], n),
            "score": x.ravel(),
        }
    )
    task = f"ICC, {n:,} x {k} long, string ids"
    ours, theirs = _best_pair(
        lambda: rel.icc(df),
        lambda: pg.intraclass_corr(df, targets="employee_id", raters="rater_id", ratings="score"),
    )
    a = rel.icc(df).to_frame()["icc"].to_numpy()
    b = pg.intraclass_corr(df, targets="employee_id", raters="rater_id", ratings="score")["ICC"]
    diff = float(np.max(np.abs(a - b.to_numpy())))
    return [
        _row(task, "workbench.reliability.icc", ours, _peak_mib(lambda: rel.icc(df)),
             f"{theirs / ours:.1f}x faster; max |diff| {diff:.1e}"),
        _row(task, "pingouin.intraclass_corr", theirs, _peak_mib(
            lambda: pg.intraclass_corr(df, targets="employee_id", raters="rater_id", ratings="score")
        )),
    ]


def bench_alpha(units: int, raters: int = 20) -> list[dict[str, Any]]:
    import krippendorff

    rng = np.random.default_rng(1)
    x = rng.integers(1, 6, size=(raters, units)).astype(float)
    x[rng.random(x.shape) < 0.2] = np.nan
    r, u = np.nonzero(~np.isnan(x))
    df = pd.DataFrame({"employee_id": u, "rater_id": r, "score": x[r, u]})
    rows = []
    for level in ("nominal", "ordinal", "interval", "ratio"):
        task = f"alpha {level}, {raters} x {units:,}, 20% missing"

        def ours(level: str = level) -> float:
            return float(rel.krippendorff_alpha(df, level=level, n_boot=0))

        def theirs(level: str = level) -> float:
            return float(krippendorff.alpha(reliability_data=x, level_of_measurement=level))

        t_o, t_t = _best_pair(ours, theirs)
        diff = abs(ours() - theirs())
        rows.append(_row(task, "workbench.reliability.krippendorff_alpha", t_o, _peak_mib(ours),
                         f"{t_t / t_o:.1f}x vs peer; |diff| {diff:.1e}"))
        rows.append(_row(task, "krippendorff.alpha", t_t, _peak_mib(theirs)))
    return rows


def bench_alpha_continuous(units: int, raters: int = 3) -> list[dict[str, Any]]:
    import krippendorff

    rng = np.random.default_rng(2)
    x = rng.normal(size=(units, 1)) + rng.normal(size=(units, raters))
    x[rng.random(x.shape) < 0.1] = np.nan
    s, r = np.nonzero(~np.isnan(x))
    df = pd.DataFrame({"employee_id": s, "rater_id": r, "score": x[s, r]})
    task = f"alpha interval, {units:,} units x {raters}, continuous"
    t = _best(lambda: rel.krippendorff_alpha(df, level="interval", n_boot=0))
    rows = [_row(task, "workbench.reliability.krippendorff_alpha", t,
                 _peak_mib(lambda: rel.krippendorff_alpha(df, level="interval", n_boot=0)))]
    n_values = int((~np.isnan(x)).sum())  # continuous: every value is distinct
    # the peer allocates a units x values x values float64 array (its _coincidences)
    need_gib = units * float(n_values) ** 2 * 8 / 2**30
    # largest peer run with u * (0.9 * raters * u)^2 * 8 bytes <= 256 MiB (it makes ~4 copies)
    small = int((2**28 / (8 * (0.9 * raters) ** 2)) ** (1 / 3))
    xs = x[:small].T
    t_peer = _best(lambda: krippendorff.alpha(reliability_data=xs, level_of_measurement="interval"), 1)
    t_small = _best(lambda: rel.krippendorff_alpha(df[df.employee_id < small], n_boot=0))
    rows.append(_row(task, "krippendorff.alpha", float("nan"), need_gib * 1024,
                     f"not run: needs ~{need_gib:.2e} GiB (units x values x values array)"))
    rows.append(_row(f"alpha interval, {small:,} units x {raters}, continuous", "krippendorff.alpha",
                     t_peer, _peak_mib(lambda: krippendorff.alpha(reliability_data=xs,
                                                                  level_of_measurement="interval")),
                     f"largest size run (~1 GiB peak); ours {t_small:.3f} s here"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (about 10x)")
    parser.add_argument("--no-wait", action="store_true",
                        help=f"time at once, even if the load average is above {MAX_LOAD}")
    args = parser.parse_args(argv)
    scale = 10 if args.quick else 1
    print(f"{os.cpu_count()} CPUs; load average (1, 5, 15 min) at start: {load_text()}")
    rows: list[dict[str, Any]] = []
    budget = 0.0 if args.no_wait else MAX_WAIT_S  # one 5-minute wait budget for the run
    for bench, size in ((bench_icc, 100_000), (bench_alpha, 100_000),
                        (bench_alpha_continuous, 1_000_000)):
        budget -= wait_for_quiet(budget)
        before = load_text()
        new = bench(size // scale)
        print(f"  {bench.__name__}: load average {before} before, {load_text()} after", flush=True)
        rows += [{**row, "load_1min": float(before.split()[0])} for row in new]
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_colwidth", 80,
                           "display.float_format", lambda v: f"{v:.4f}"):
        print(table.to_string(index=False))
    print(f"load average (1, 5, 15 min) at end: {load_text()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
