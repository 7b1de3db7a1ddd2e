"""The bundled samples: ``wb.read_sample(name)`` and their known truth.

Samples live in ``data/samples/<name>/`` at the top of the repository. They are
synthetic (see :mod:`workbench.data.synth`), written by ``make samples`` from a fixed
seed, and small enough to commit.

Examples
--------
>>> import workbench as wb
>>> ds = wb.read_sample("kota_contoh")
>>> len(ds.units)
12
>>> truth = read_truth("kota_contoh")
>>> int(truth.raters["kind"].eq("lenient").sum()) > 0
True
"""

from __future__ import annotations

import copy
import os
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import pandas as pd

from workbench.data.dataset import Dataset
from workbench.data.synth import Truth
from workbench.errors import DataContractError

__all__ = ["list_samples", "read_sample", "read_truth", "sample_path"]


def _root() -> Path:
    env = os.environ.get("WORKBENCH_SAMPLES")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "data" / "samples"


def list_samples() -> list[str]:
    """Names of the bundled samples."""
    return sorted(p.name for p in _root().iterdir() if p.is_dir())


def sample_path(name: str) -> Path:
    """The folder of a bundled sample."""
    path = _root() / name
    if not path.is_dir():
        raise DataContractError(
            f"No sample named '{name}' in {_root()}. Available: {', '.join(list_samples()) or 'none'}. "
            "Run `make samples` to write them, or set WORKBENCH_SAMPLES to the samples folder.")
    return path


@lru_cache(maxsize=8)
def _read_cached(name: str) -> Dataset:
    from workbench.data.load import load

    ds = load(sample_path(name))
    return replace(ds, name=name)


def read_sample(name: str = "kota_contoh") -> Dataset:
    """Load a bundled sample through the ordinary loader.

    Parameters
    ----------
    name
        ``"kota_contoh"`` (a fictional city: 12 OPD, about 1,200 ASN, four quarters
        and the year), ``"messy"`` (a small e-Kinerja-style export full of the
        mistakes real files have), ``"ekinerja_export"`` (a folder as downloaded
        from BKN e-Kinerja: the Laporan SKP, a Tahunan and two monthly Laporan
        Penilaian SKP, and the org ratings, with acting (Plt) posts and a transfer)
        or ``"rekap_bkd"`` (a BKD recap made for printing: merged cells, a title and
        a signature block).

    Returns
    -------
    Dataset
        A fresh copy; changing it does not change the next call's result.
    """
    ds = _read_cached(name)
    return replace(ds, ratings=ds.ratings.copy(), roster=ds.roster.copy(), predikat=ds.predikat.copy(),
                   org_ratings=ds.org_ratings.copy(), meta=copy.deepcopy(ds.meta))


def read_truth(name: str = "kota_contoh") -> Truth:
    """The planted truth of a synthetic sample (employees, raters, generator parameters)."""
    folder = sample_path(name) / "truth"
    if not folder.is_dir():
        raise DataContractError(f"The sample '{name}' has no truth/ folder; only generated samples do.")
    params = pd.read_csv(folder / "params.csv", dtype=str).set_index("param")["value"].to_dict()
    return Truth(
        employees=pd.read_csv(folder / "employees.csv", dtype={"employee_id": str}),
        raters=pd.read_csv(folder / "raters.csv", dtype={"rater_id": str}),
        params=params,
    )
