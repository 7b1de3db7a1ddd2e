"""Benchmark: rater effects for 200,000 ratings from 5,000 raters, against a peer.

Usage: ``python benchmarks/bench_objectivity.py [--quick]``

Ours: :func:`workbench.objectivity.rater_effects` (sparse absorption + conjugate
gradients + Henderson III + BLUP). Peer: statsmodels OLS with employee and rater dummies
(the textbook fixed-effects fit), on growing subsamples of raters until one fit takes
longer than the time budget, reporting the largest size it handled and the agreement
of its rater coefficients with our ``leniency_raw`` on the same data. Peak memory is
measured with ``tracemalloc`` (Python allocations, incl. NumPy buffers).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

from workbench.objectivity import rater_effects
from workbench.objectivity._simulate import simulate


def _measure(func, *args, **kwargs):
    tracemalloc.start()
    t0 = time.perf_counter()
    out = func(*args, **kwargs)
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return out, seconds, peak / 2**20


def _ols(df):
    import statsmodels.formula.api as smf

    return smf.ols("score ~ C(employee_id) + C(rater_id, Sum)", data=df).fit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1,000 raters instead of 5,000 (about 30 s)")
    args = parser.parse_args()
    n_raters = 1000 if args.quick else 5000
    n_emp = n_raters * 5
    budget = 5.0 if args.quick else 20.0
    # 5 employees per rater, 4 raters per employee, 2 indicators: 40 ratings per rater
    sim = simulate(n_employees=n_emp, n_raters=n_raters, raters_per_employee=4,
                   n_indicators=2, seed=20250101)
    df = sim.ratings[["employee_id", "rater_id", "score"]]
    print(f"data: {len(df):,} ratings, {df['employee_id'].nunique():,} employees, "
          f"{df['rater_id'].nunique():,} raters")
    rater_effects(simulate(n_employees=200, n_raters=50, seed=1).ratings)  # warm-up (imports)
    eff, sec, mem = _measure(rater_effects, df)
    t = eff.to_frame().merge(sim.truth, on="rater_id", suffixes=("", "_true"))
    corr = t["leniency"].corr(t["leniency_true"])
    print(f"workbench rater_effects: {sec:.2f} s, peak {mem:.0f} MiB, se={eff.se_method}, "
          f"corr(leniency, truth)={corr:.3f}, flagged={int(t['flag'].sum())}")

    print("peer: statsmodels OLS with employee and rater dummies (same design, 1 indicator)")
    largest = 0
    for k in (50, 100, 200, 400, 800, 1600, 3200):
        if k > n_raters:
            break
        # the same design at a smaller size (5 employees per rater, 4 raters each)
        small = simulate(n_employees=5 * k, n_raters=k, raters_per_employee=4,
                         n_indicators=1, seed=k)
        sub = small.ratings[["employee_id", "rater_id", "score"]]
        fit, s_peer, m_peer = _measure(_ols, sub)
        ours, s_ours, m_ours = _measure(rater_effects, sub)
        names = sorted(sub["rater_id"].unique())
        coef = np.array([fit.params.get(f"C(rater_id, Sum)[S.{r}]", np.nan) for r in names[:-1]])
        coef = np.append(coef, -np.nansum(coef))
        ours_raw = ours.to_frame().set_index("rater_id").loc[names, "leniency_raw"].to_numpy()
        diff = float(np.nanmax(np.abs(coef - ours_raw)))
        print(f"  {len(names):5d} raters, {len(sub):6,} ratings: statsmodels {s_peer:7.2f} s, "
              f"peak {m_peer:6.0f} MiB | workbench {s_ours:5.3f} s, peak {m_ours:4.0f} MiB | "
              f"max |diff| {diff:.1e}")
        if s_peer > budget:
            break
        largest = len(names)
    print(f"peer: largest fit within the {budget:.0f} s budget: {largest} raters; "
          f"workbench did {n_raters} raters in {sec:.2f} s")


if __name__ == "__main__":
    main()
