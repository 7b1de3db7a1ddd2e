"""``python -m workbench.data``: write the bundled samples, or synthetic national data.

``python -m workbench.data [ROOT]`` writes the bundled samples from their fixed seeds under
``ROOT`` (default ``data/samples``).

``python -m workbench.data national FOLDER --employees N [--buckets B] [--seed S] [--values V]``
writes N synthetic employees as partitioned Parquet split by employee buckets
(:func:`workbench.data.synth_national.write_national`); put FOLDER outside the repository.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from workbench.data import synth, synth_files

SEED = 20250101


def main(root: str = "data/samples") -> None:
    """Write ``kota_contoh``, ``messy``, ``ekinerja_export`` and ``rekap_bkd`` under ``root``."""
    syn = synth.generate(seed=SEED)
    synth.write_sample(syn, Path(root) / "kota_contoh")
    planted = synth.write_messy(syn, Path(root) / "messy" / "rekap_penilaian_2025.csv")
    planted.to_csv(Path(root) / "messy" / "_planted.csv", index=False)
    synth_files.write_ekinerja_sample(Path(root) / "ekinerja_export", seed=SEED)
    synth_files.write_recap_sample(Path(root) / "rekap_bkd", seed=SEED)
    print(f"wrote {root}/kota_contoh, {root}/messy, {root}/ekinerja_export and {root}/rekap_bkd")


def national(argv: list[str]) -> None:
    """``national FOLDER --employees N ...``: partitioned Parquet of N synthetic employees."""
    from workbench.data.synth_national import write_national

    parser = argparse.ArgumentParser(prog="python -m workbench.data national",
                                     description="Write N synthetic employees as partitioned Parquet, "
                                                 "split by employee buckets (ratings/ and roster/).")
    parser.add_argument("folder", help="output folder (outside the repository; ~1 GB per 6 million)")
    parser.add_argument("--employees", type=int, required=True, help="number of employees, e.g. 6000000")
    parser.add_argument("--buckets", type=int, default=None, help="files per table (default: one per 250,000)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--values", type=int, default=1, help="BerAKHLAK values each of two peers scores (1-7)")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    files = write_national(args.folder, args.employees, n_buckets=args.buckets, seed=args.seed,
                           n_values=args.values)
    print(f"wrote {files.n_employees:,} employees ({files.n_rating_rows:,} rating rows, {files.n_units:,} units, "
          f"{files.n_instansi:,} instansi) in {len(files.ratings)} buckets to {files.folder} "
          f"in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    if sys.argv[1:2] == ["national"]:
        national(sys.argv[2:])
    else:
        main(*sys.argv[1:])
