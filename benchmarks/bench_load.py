"""Loading a 1,000,000-row ratings CSV: the workbench loader against the plain readers.

Run: ``python benchmarks/bench_load.py [--rows N | --quick] [--repeat R] [--no-wait]``
(``--quick``: 200,000 rows, what ``make bench`` runs). The file is generated in a
temporary folder (never committed): ``;``-separated with decimal commas, as Indonesian
office exports are. Each measurement runs in a fresh process so that the peak resident
memory (``VmHWM``) belongs to it alone; ``base MiB`` is that process's memory after
its imports, before reading, so ``peak - base`` is what the reading itself cost. Times
are the best of ``R`` runs, ``first`` the first one (cold caches of the process);
``cpu s`` is the least processor time of the ``R`` runs (all threads), which a busy
machine inflates far less than the wall-clock time.

* ``pandas.read_csv``: reading text into a frame with no checks at all (the reference);
* ``pyarrow.csv``: pyarrow's multi-threaded reader, into an Arrow table;
* ``polars.read_csv``: polars' reader (skipped, with a line saying so, when polars is
  not installed);
* ``workbench.load``: reading plus every normalisation and check, with the report
  (``result MiB`` is the memory of the ratings frame it returns).

The machine's load average is printed before and after; unless ``--no-wait``, timing
waits (a few minutes at most) for the machine to be quiet.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import load_text, wait_for_quiet

CHILD = r"""
import json, resource, sys, time
path, mode, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
def rss():
    # the high-water mark of this process's own memory (VmHWM: ru_maxrss would carry the
    # parent's peak across fork and exec)
    try:
        with open("/proc/self/status") as fh:
            return next(int(ln.split()[1]) for ln in fh if ln.startswith("VmHWM")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
if mode == "pandas":
    import pandas as pd
elif mode == "pyarrow":
    import pyarrow as pa
    from pyarrow import csv as pacsv
elif mode == "polars":
    import polars as pl
else:
    import pandas as pd
    import workbench as wb
    import workbench.data.load, pyarrow.csv  # what the first load would import
base = rss()
times, cpus, result_mib = [], [], 0.0
for _ in range(repeat):
    t, c = time.perf_counter(), time.process_time()
    if mode == "pandas":
        df = pd.read_csv(path, sep=";", decimal=",", dtype={"NIP": str, "NIP Penilai": str})
        n = len(df)
    elif mode == "pyarrow":
        df = pacsv.read_csv(path, parse_options=pacsv.ParseOptions(delimiter=";"),
                            convert_options=pacsv.ConvertOptions(
                                decimal_point=",", column_types={"NIP": pa.string(), "NIP Penilai": pa.string()}))
        n = df.num_rows
    elif mode == "polars":
        df = pl.read_csv(path, separator=";", decimal_comma=True,
                         schema_overrides={"NIP": pl.Utf8, "NIP Penilai": pl.Utf8})
        n = df.height
    else:
        ds = wb.load(path)
        df = ds.ratings
        n = len(df)
        rep = ds.report
        assert rep.rows_read == rep.rows_kept + rep.rows_rejected
        result_mib = df.memory_usage(deep=True).sum() / 2**20
        del ds, rep  # the next run starts with nothing of this one held
    times.append(time.perf_counter() - t)
    cpus.append(time.process_time() - c)
    del df
print(json.dumps({"seconds": min(times), "first": times[0], "cpu": min(cpus), "rows": n,
                  "base_mib": base, "peak_mib": rss(), "result_mib": result_mib}))
"""

MODES = {"pandas": "pandas.read_csv", "pyarrow": "pyarrow.csv", "polars": "polars.read_csv",
         "workbench": "workbench.load"}


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


def measure(path: Path, mode: str, repeat: int) -> dict[str, float]:
    # run in the file's folder: the workbench measured is the one on PYTHONPATH (or installed),
    # never one that happens to sit in the working folder
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), mode, str(repeat)], capture_output=True,
                         text=True, check=True, cwd=path.parent)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="200,000 rows (what make bench runs)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per reader; the best is reported")
    parser.add_argument("--no-wait", action="store_true", help="time at once, however busy the machine")
    args = parser.parse_args()
    rows = 200_000 if args.quick else args.rows
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ratings.csv"
        make_file(path, rows)
        size = path.stat().st_size / 2**20
        print(f"ratings CSV: {rows:,} rows, {size:.0f} MiB, ';' separators, decimal commas")
        modes = list(MODES)
        if importlib.util.find_spec("polars") is None:
            print("polars.read_csv: skipped (polars is not installed)")
            modes.remove("polars")
        if not args.no_wait:
            wait_for_quiet()
        print(f"load average before: {load_text()}")
        print(f"{'implementation':<18}{'best s':>8}{'first s':>9}{'cpu s':>7}{'base MiB':>10}{'peak MiB':>10}"
              f"{'result MiB':>12}{'rows':>12}")
        results = {}
        for mode in modes:
            r = results[mode] = measure(path, mode, args.repeat)
            result = f"{r['result_mib']:>12.0f}" if mode == "workbench" else f"{'':>12}"
            print(f"{MODES[mode]:<18}{r['seconds']:>8.2f}{r['first']:>9.2f}{r['cpu']:>7.2f}{r['base_mib']:>10.0f}"
                  f"{r['peak_mib']:>10.0f}{result}{r['rows']:>12,}", flush=True)
        print(f"load average after: {load_text()}")
        wb_ = results["workbench"]
        for mode in modes[:-1]:
            print(f"workbench.load / {MODES[mode]} = {wb_['seconds'] / results[mode]['seconds']:.1f}x "
                  f"(cpu {wb_['cpu'] / results[mode]['cpu']:.1f}x)")
        print(f"workbench.load memory: peak - base = {wb_['peak_mib'] - wb_['base_mib']:.0f} MiB for a "
              f"{wb_['result_mib']:.0f} MiB result ({(wb_['peak_mib'] - wb_['base_mib']) / wb_['result_mib']:.1f}x)")


if __name__ == "__main__":
    main()
