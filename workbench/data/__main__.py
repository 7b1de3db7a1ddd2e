"""``python -m workbench.data``: write the bundled samples from their fixed seeds."""

from __future__ import annotations

import sys
from pathlib import Path

from workbench.data import synth

SEED = 20250101


def main(root: str = "data/samples") -> None:
    """Write ``kota_contoh`` and ``messy`` under ``root``."""
    syn = synth.generate(seed=SEED)
    synth.write_sample(syn, Path(root) / "kota_contoh")
    planted = synth.write_messy(syn, Path(root) / "messy" / "rekap_penilaian_2025.csv")
    planted.to_csv(Path(root) / "messy" / "_planted.csv", index=False)
    print(f"wrote {root}/kota_contoh and {root}/messy")


if __name__ == "__main__":
    main(*sys.argv[1:])
