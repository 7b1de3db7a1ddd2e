"""Benchmark: the many-facet Rasch model on the sample and on 200,000 ratings, against a peer.

Usage: ``python benchmarks/bench_rasch.py [--quick] [--no-wait]``

Ours: :func:`workbench.objectivity.rasch_facets` (JMLE with a joint Newton step, employees
absorbed, conjugate gradients; exact standard errors up to 6,000 raters, blockwise above).
Runs: the Kota Contoh sample (BerAKHLAK values 2025, 1,200 employees); 200,000 ratings
from 5,000 raters (crossed, 4 raters per employee, 7 values); the e-Kinerja design at
200,000 ratings (atasan teams plus one linking peer, about 8,300 raters). Peer: raschpy's
MFRM (pairwise conditional estimation) on growing samples of the crossed design until a
fit takes longer than the time budget, with the agreement of its severities with ours.
Peak memory is measured with ``tracemalloc`` (Python allocations, incl. NumPy buffers).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
import warnings

import numpy as np
from _machine import load_text, wait_for_quiet

import workbench as wb
from workbench.objectivity import rasch_facets, rater_effects
from workbench.objectivity._simulate_rasch import simulate_rasch


def _measure(func, *args, **kwargs):
    tracemalloc.start()
    t0 = time.perf_counter()
    out = func(*args, **kwargs)
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return out, seconds, peak / 2**20


def _recovery(fit, sim) -> str:
    t = fit.to_frame().merge(sim.raters, on="rater_id", suffixes=("", "_true"))
    ok = t["estimable"]
    true = t.loc[ok, "severity_true"] - t.loc[ok, "severity_true"].mean()
    corr = np.corrcoef(t.loc[ok, "severity"], true)[0, 1]
    cover = float((np.abs(t.loc[ok, "severity"] - true) <= 1.96 * t.loc[ok, "se"]).mean())
    return f"corr(severity, truth)={corr:.3f}, 95% coverage={cover:.3f}"


def _raschpy(df):
    import raschpy

    wide = df.pivot_table(index=["rater_id", "employee_id"], columns="indicator",
                          values="score") - 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = raschpy.MFRM(wide, max_score=int(wide.max().max()))
        model.calibrate(model="global")
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1,000 raters instead of 5,000")
    parser.add_argument("--no-wait", action="store_true", help="do not wait for a quiet machine")
    args = parser.parse_args()
    wait_for_quiet(0 if args.no_wait else 300)
    print(f"load average at start: {load_text()}")

    r = wb.read_sample("kota_contoh").ratings
    values = r[(r["period"] == "2025") & r["indicator"].isin(wb.data.synth.BERAKHLAK)]
    rasch_facets(simulate_rasch(200, "crossed", n_raters=20, seed=1).ratings)  # warm-up
    for label, df in (("sample, atasan + peers", values[values["rater_role"] != "diri"]),
                      ("sample, with self-ratings", values)):
        fit, sec, mem = _measure(rasch_facets, df)
        print(f"{label}: {len(df):,} ratings, {df['employee_id'].nunique():,} employees, "
              f"{df['rater_id'].nunique():,} raters -> {sec:.2f} s, peak {mem:.0f} MiB, "
              f"{fit.iterations} iterations, se={fit.se_method}")

    n_raters = 1000 if args.quick else 5000
    n_emp = round(n_raters * 40 / 28)      # 4 raters x 7 values = 28 ratings per employee
    sim = simulate_rasch(n_emp, "crossed", n_raters=n_raters, raters_per_employee=4, seed=5)
    df = sim.ratings
    fit, sec, mem = _measure(rasch_facets, df)
    print(f"crossed: {len(df):,} ratings, {n_emp:,} employees, {n_raters:,} raters -> "
          f"{sec:.2f} s, peak {mem:.0f} MiB, {fit.iterations} iterations, "
          f"se={fit.se_method}, {_recovery(fit, sim)}")
    _, sec_add, _ = _measure(rater_effects, df)
    print(f"  for reference, the additive rater_effects on the same data: {sec_add:.2f} s")

    ek = simulate_rasch(round(len(df) / 14), "ekinerja", seed=6)
    fit, sec, mem = _measure(rasch_facets, ek.ratings)
    print(f"e-Kinerja design: {len(ek.ratings):,} ratings, {ek.ratings['employee_id'].nunique():,} "
          f"employees, {len(ek.raters):,} raters -> {sec:.2f} s, peak {mem:.0f} MiB, "
          f"{fit.iterations} iterations, se={fit.se_method}, {_recovery(fit, ek)}")

    budget = 5.0 if args.quick else 20.0
    print("peer: raschpy MFRM (global), the crossed design at growing sizes")
    for k in (50, 100, 200, 400, 800, 1600):
        if k > n_raters:
            break
        small = simulate_rasch(round(k * 40 / 28), "crossed", n_raters=k, raters_per_employee=4,
                               seed=k).ratings
        peer, s_peer, m_peer = _measure(_raschpy, small)
        ours, s_ours, m_ours = _measure(rasch_facets, small)
        t = ours.to_frame().set_index("rater_id")
        theirs = peer.raters_global
        corr = np.corrcoef(t.loc[theirs.index, "severity"], theirs)[0, 1]
        diff = float((t.loc[theirs.index, "severity"] - theirs).abs().max())
        print(f"  {k:5d} raters, {len(small):7,} ratings: raschpy {s_peer:7.2f} s, peak "
              f"{m_peer:6.0f} MiB | workbench {s_ours:5.2f} s, peak {m_ours:4.0f} MiB | "
              f"corr {corr:.4f}, max |diff| {diff:.3f} logits")
        if s_peer > budget:
            break
    print(f"load average at end: {load_text()}")


if __name__ == "__main__":
    main()
