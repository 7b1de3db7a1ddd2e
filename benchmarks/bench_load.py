"""Loading a 1,000,000-row ratings CSV: the workbench loader against plain pandas.

Run: ``python benchmarks/bench_load.py [--rows N]``. The file is generated in a
temporary folder (never committed): ``;``-separated with decimal commas, as Indonesian
office exports are. Each measurement runs in a fresh process so that the peak
resident memory (``ru_maxrss``) belongs to it alone; times are the best of 3.

* ``pandas.read_csv``: the floor, reading text into a frame with no checks at all;
* ``workbench.load``: reading plus every normalisation and check, with the report.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
path, mode = sys.argv[1], sys.argv[2]
import pandas as pd
import workbench as wb
best = float("inf")
for _ in range(3):
    t = time.perf_counter()
    if mode == "pandas":
        df = pd.read_csv(path, sep=";", decimal=",", dtype={"NIP": str, "NIP Penilai": str})
        n = len(df)
    else:
        ds = wb.load(path)
        n = len(ds.ratings)
        assert ds.report.rows_read == ds.report.rows_kept + ds.report.rows_rejected
    best = min(best, time.perf_counter() - t)
print(json.dumps({"seconds": best, "rows": n,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def make_file(path: Path, rows: int, seed: int = 0) -> None:
    from workbench.data.synth import _nips

    rng = np.random.default_rng(seed)
    n_emp = rows // 20
    birth = rng.integers(1965, 2000, n_emp)
    gender = np.where(rng.random(n_emp) < 0.5, "L", "P")
    emp = _nips(rng, birth, gender, birth + rng.integers(22, 26, n_emp))
    raters = emp[rng.integers(0, n_emp, n_emp)]
    idx = np.repeat(np.arange(n_emp), 20)[:rows]
    indicators = np.array(["berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal",
                           "adaptif", "kolaboratif", "iki_kuantitas", "iki_kualitas", "iki_waktu"])
    scores = np.round(rng.uniform(1, 5, rows), 1).astype(str)
    df = pd.DataFrame({
        "NIP": emp[idx], "NIP Penilai": raters[idx],
        "Peran Penilai": np.where(np.arange(rows) % 20 < 10, "atasan", "rekan"),
        "Indikator": indicators[np.arange(rows) % 10],
        "Nilai": np.char.replace(scores, ".", ","),
        "Periode": np.where(np.arange(rows) % 20 < 10, "2025", "2025-Q4"),
    })
    df.to_csv(path, sep=";", index=False)


def measure(path: Path, mode: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), mode], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ratings.csv"
        make_file(path, args.rows)
        size = path.stat().st_size / 2**20
        print(f"ratings CSV: {args.rows:,} rows, {size:.0f} MiB, ';' separators, decimal commas")
        print(f"{'implementation':<18}{'seconds':>10}{'peak MiB':>10}{'rows kept':>12}")
        results = {mode: measure(path, mode) for mode in ("pandas", "workbench")}
        for mode, r in results.items():
            label = "pandas.read_csv" if mode == "pandas" else "workbench.load"
            print(f"{label:<18}{r['seconds']:>10.2f}{r['peak_mib']:>10.0f}{r['rows']:>12,}")
        ratio = results["workbench"]["seconds"] / results["pandas"]["seconds"]
        print(f"workbench.load / pandas.read_csv = {ratio:.1f}x (the price of every check and the report)")


if __name__ == "__main__":
    main()
