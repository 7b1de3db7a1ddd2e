"""Benchmark: the slow corners at 5,000 employees, each against its reference in the same run.

Usage: ``python benchmarks/bench_corners.py [--quick] [--repeat R] [--no-wait]``

Workloads (issue 15, item 4) and their references:

* ``group_disparity`` with defaults (1,000 bootstrap draws) on 5,000 employees; reference:
  the per-draw loop of the weighted least-squares estimates (``_estimates`` once per draw,
  the path before the vectorised bootstrap), on a few draws, extrapolated linearly;
* ``weights.sensitivity`` with defaults (``n_base=256``, one index per weight) on the
  ``permenpanrb-6-2022-rinci`` rubric; no reference in the issue (its time is printed);
* rater feedback for 5,000 raters (200,000 ratings): ``rater_feedback_pages`` (one pass)
  against ``rater_feedback`` called per rater (with the effects precomputed) on a sample
  of raters, extrapolated linearly;
* ``curve_check`` for 3,000 units of 10 employees; reference: the count per unit
  (bincount) plus one MILP per violating unit (the smallest fix, no sharing);
* ``workbench publish ringkasan_pimpinan`` on 5,000 generated employees (written as a sample
  folder by :func:`workbench.data.synth.write_sample`), through the function the command
  line calls (:func:`workbench.views.publish.run_command`: load, score, curve, protection
  and audit of the page, figures, HTML); reference: loading the folder and scoring it
  (``wb.load`` + ``wb.score``), the floor of what publish must do;
* ``import workbench`` (in a fresh interpreter) against ``import pandas``, and whether
  pandera was imported.

``--quick``: 1,000 employees / 1,000 raters / 600 units. Each workbench time is the median
of ``--repeat`` runs (default 3). The load average is printed before each workload; while
the 1-minute load is above 1.5 the script waits (15 s polls, 2 minutes at most;
``--no-wait`` skips the wait).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import workbench as wb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import load_text, wait_for_quiet

MAX_WAIT_S = 120.0


def _times(func, repeat):
    out, secs = None, []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = func()
        secs.append(time.perf_counter() - t0)
    return out, secs


def _fmt(secs):
    return f"{statistics.median(secs):.2f} s (median of {len(secs)}: {', '.join(f'{s:.2f}' for s in secs)})"


def _head(title, wait):
    print(f"\n-- {title}")
    if wait:
        wait_for_quiet(MAX_WAIT_S)
    print(f"  load average before: {load_text()}")


def bench_disparity(n_emp, repeat, wait):
    from workbench.data import synth
    from workbench.objectivity.disparity import _estimates

    ds = synth.generate(n_employees=n_emp, seed=1).dataset
    r = ds.with_roster(["unit", "gender"])
    values = r[(r["period"] == "2025") & r["indicator"].isin(synth.BERAKHLAK) & (r["rater_role"] != "diri")]
    _head(f"group_disparity, defaults, {values['employee_id'].nunique():,} employees, "
          f"{len(values):,} ratings", wait)
    wb.objectivity.group_disparity(values, "gender", n_boot=5)  # warm-up (imports)
    _, secs = _times(lambda: wb.objectivity.group_disparity(values, "gender"), repeat)
    print(f"  workbench (vectorised bootstrap, 1,000 draws): {_fmt(secs)}")
    # the reference: the same estimates, one draw at a time
    cells = values.groupby(["employee_id", "rater_id"], observed=True).agg(
        y=("score", "mean"), unit=("unit", "first"), gender=("gender", "first")).reset_index()
    import pandas as pd

    emp = pd.factorize(cells["employee_id"])[0]
    w0 = 1.0 / np.bincount(emp)[emp]
    rater = pd.factorize(cells["rater_id"])[0]
    strat, labels = pd.factorize(cells["unit"].astype(str), sort=True)
    y = cells["y"].to_numpy(float)
    boots = np.random.default_rng(0).multinomial(emp.max() + 1, np.full(emp.max() + 1, 1 / (emp.max() + 1)),
                                                 size=20)
    n_levels = cells["gender"].nunique()
    t0 = time.perf_counter()
    for lev in sorted(cells["gender"].astype(str).unique()):
        g = (cells["gender"].astype(str) == lev).to_numpy(float)
        for b in boots:
            _estimates(y, g, w0 * b[emp], rater, strat, None, len(labels))
    per_draw = (time.perf_counter() - t0) / len(boots)
    print(f"  reference (per-draw loop, {n_levels} levels): {per_draw * 1000:.1f} ms a draw -> "
          f"{per_draw * 1000:.1f} s for 1,000 draws (extrapolated from {len(boots)})")


def bench_sensitivity(n_emp, repeat, wait):
    from workbench.data import synth
    from workbench.rubric import load_rubric

    ds = synth.generate(n_employees=n_emp, seed=1).dataset
    rubric = load_rubric("permenpanrb-6-2022-rinci")
    _head(f"weights.sensitivity, defaults (n_base=256), {n_emp:,} employees, {rubric.id}", wait)
    wb.weights.sensitivity(ds, rubric, n_base=8, n_boot=0)  # warm-up
    res, secs = _times(lambda: wb.weights.sensitivity(ds, rubric), repeat)
    print(f"  workbench: {_fmt(secs)}; {res.n_evaluations:,} evaluations of the rubric "
          "(no reference in the issue)")


def bench_feedback(n_raters, repeat, wait):
    from workbench.objectivity import rater_effects, rater_feedback, rater_feedback_pages
    from workbench.objectivity._simulate import simulate

    sim = simulate(n_employees=5 * n_raters, n_raters=n_raters, raters_per_employee=4, n_indicators=2,
                   seed=20250101)
    df = sim.ratings
    _head(f"rater feedback pages, {n_raters:,} raters, {len(df):,} ratings", wait)
    eff = rater_effects(df)
    pages, secs = _times(lambda: rater_feedback_pages(df, effects=eff), repeat)
    print(f"  workbench rater_feedback_pages (one pass, all {len(pages):,} pages): {_fmt(secs)}")
    ids = list(pages)[:: max(1, len(pages) // 10)]
    t0 = time.perf_counter()
    for rid in ids:
        rater_feedback(df, rid, effects=eff)
    per = (time.perf_counter() - t0) / len(ids)
    print(f"  reference (rater_feedback per rater, effects precomputed): {per:.2f} s a page -> "
          f"{per * len(pages):.0f} s for {len(pages):,} (extrapolated from {len(ids)})")


def bench_curve(n_units, repeat, wait):
    from workbench.rubric import load_rubric
    from workbench.rubric.curve import _bounds, _solve_cached, _solve_milp

    ds = wb.read_sample("kota_contoh")
    f = wb.score(ds, "permenpanrb-6-2022", period="2025").frame
    rng = np.random.default_rng(0)
    n = 10 * n_units
    frame = f.iloc[rng.integers(0, len(f), n)].reset_index(drop=True)
    frame["employee_id"] = [f"E{i:07d}" for i in range(n)]
    frame["unit"] = [f"U{u:05d}" for u in np.repeat(np.arange(n_units), 10)]
    rubric = load_rubric("permenpanrb-6-2022")
    _head(f"curve_check, {n_units:,} units of 10 employees", wait)

    def run():
        _solve_cached.cache_clear()
        return wb.curve_check(frame, "Baik", rubric=rubric)

    chk, secs = _times(run, repeat)
    bad = int((~chk.to_frame()["ok"].fillna(True)).sum())
    print(f"  workbench: {_fmt(secs)}; {bad:,} units violate the curve")
    # the reference: counts per unit in one bincount, then one MILP per violating unit
    ids = [p.id for p in rubric.predikat]
    t0 = time.perf_counter()
    rank = frame["predikat"].map({p.label.id: i for i, p in enumerate(rubric.predikat)}).to_numpy()
    unit = np.repeat(np.arange(n_units), 10)
    counts = np.bincount(unit * len(ids) + rank, minlength=n_units * len(ids)).reshape(n_units, -1)
    row = rubric.curve.rows["baik"] if "baik" in rubric.curve.rows else next(iter(rubric.curve.rows.values()))
    n_milp = 0
    for c_u in counts:
        m = int(c_u.sum())
        cons = []
        ok = True
        for c in row.constraints:
            idx = [ids.index(p) for p in c.predikat]
            lo, hi = _bounds(c, m, "conservative")
            cons.append((idx, lo, hi))
            ok &= lo <= int(c_u[idx].sum()) <= hi
        if not ok:
            _solve_milp(c_u, cons)
            n_milp += 1
    print(f"  reference (bincount counts, one MILP per violating unit, {n_milp:,} MILPs): "
          f"{time.perf_counter() - t0:.2f} s")


def bench_publish(n_emp, repeat, wait):
    import argparse as ap
    import tempfile

    from workbench.data import synth
    from workbench.views.publish import run_command

    with tempfile.TemporaryDirectory(prefix="kinerja-corners-") as tmp:
        folder = synth.write_sample(synth.generate(n_employees=n_emp, seed=1), Path(tmp) / "kota")
        out = Path(tmp) / "ringkasan.html"
        args = ap.Namespace(dashboard="ringkasan_pimpinan", data=str(folder), out=str(out), pdf=False, lang="id",
                            min_cell=None, period=None, unit=None, org_rating=None)
        _head(f"workbench publish ringkasan_pimpinan, {n_emp:,} employees", wait)
        small = synth.write_sample(synth.generate(n_employees=200, seed=2), Path(tmp) / "small")
        run_command(ap.Namespace(**{**vars(args), "data": str(small)}))  # warm-up (imports, fonts)
        _, secs = _times(lambda: run_command(args), repeat)
        print(f"  workbench (run_command, as the CLI): {_fmt(secs)}")

        def floor():
            ds = wb.load(str(folder))
            return wb.score(ds, "permenpanrb-6-2022", period="2025")

        _, ref = _times(floor, repeat)
        print(f"  reference (load the folder and score it): {_fmt(ref)}")


def bench_import(repeat, wait):
    _head("import workbench (fresh interpreter)", wait)

    def timed(code):
        secs = []
        for _ in range(repeat):
            out = subprocess.run([sys.executable, "-c", "import time; t = time.perf_counter(); "
                                  f"{code}; print(time.perf_counter() - t)"],
                                 capture_output=True, text=True, check=True)
            secs.append(float(out.stdout.split()[-1]))
        return secs

    wb_secs = timed("import workbench")
    pd_secs = timed("import pandas")
    pandera = subprocess.run([sys.executable, "-c", "import workbench, sys; print('pandera' in sys.modules)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    print(f"  workbench: {_fmt(wb_secs)}; pandera imported: {pandera}")
    print(f"  reference import pandas: {_fmt(pd_secs)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1,000 employees/raters, 600 units")
    parser.add_argument("--repeat", type=int, default=3, help="runs per workbench timing (median)")
    parser.add_argument("--no-wait", action="store_true", help="do not wait for a quiet machine")
    parser.add_argument("--only", default="", help="comma-separated: disparity,sensitivity,feedback,curve,publish,import")
    args = parser.parse_args()
    n = 1000 if args.quick else 5000
    wait = not args.no_wait
    only = set(filter(None, args.only.split(",")))
    print(f"cores: {os.cpu_count()}; load average at start: {load_text()}")
    steps = {
        "disparity": lambda: bench_disparity(n, args.repeat, wait),
        "sensitivity": lambda: bench_sensitivity(n, args.repeat, wait),
        "feedback": lambda: bench_feedback(n, args.repeat, wait),
        "curve": lambda: bench_curve(600 if args.quick else 3000, args.repeat, wait),
        "publish": lambda: bench_publish(n, args.repeat, wait),
        "import": lambda: bench_import(args.repeat, wait),
    }
    for name, step in steps.items():
        if not only or name in only:
            step()
    print(f"\nload average at the end: {load_text()}")


if __name__ == "__main__":
    main()
