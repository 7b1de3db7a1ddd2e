"""``python -m workbench.data``: write the bundled samples from their fixed seeds."""

from __future__ import annotations

import sys
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


if __name__ == "__main__":
    main(*sys.argv[1:])
