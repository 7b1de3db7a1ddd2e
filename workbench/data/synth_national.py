"""Synthetic national appraisal data, written as partitioned Parquet split by employee buckets.

:func:`write_national` writes *N* fictional ASN of several hundred instansi and tens of
thousands of units (at 6 million employees: 600 instansi, 30,000 units) in the layout a
national export would have and that :func:`workbench.scale.national_chain` reads:

``<folder>/ratings/part-00000.parquet ...`` and ``<folder>/roster/part-00000.parquet ...``,
one file per employee bucket; employee number *i* is in bucket ``i % n_buckets`` in both
tables, so bucket *b* of the ratings and bucket *b* of the roster hold the same employees
(a roster join needs no shuffle).

Each employee has, in period ``{year}``: the two e-Kinerja ratings of the atasan
(``hasil_kerja``, ``perilaku_kerja``, coded 1 = Di Bawah, 2 = Sesuai, 3 = Di Atas
Ekspektasi; lenient as in the national data, about 95 % Baik or better), and the first
``n_values`` BerAKHLAK values scored 1-5 by two peers (``rekan``) drawn from a pool of
raters of the employee's unit (for reliability per unit). A fifth of the units are
lenient (almost everyone Di Atas or Sesuai). The roster has the contract's columns and
``instansi``. Buckets are generated one at a time from ``(seed, bucket)``, so memory stays
that of one bucket and the same arguments give the same files.

Command line::

    python -m workbench.data national /tmp/asn_6m --employees 6000000 --buckets 24

Examples
--------
>>> import tempfile
>>> files = write_national(tempfile.mkdtemp(), 1_000, n_buckets=2, seed=1)
>>> files.n_employees, len(files.ratings), files.n_units, files.n_instansi
(1000, 2, 5, 1)
>>> import pandas as pd
>>> pd.read_parquet(files.roster[0]).columns.tolist()[:3]
['employee_id', 'period', 'unit']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.data.synth import BERAKHLAK
from workbench.errors import ParameterError

__all__ = ["NationalFiles", "write_national"]

_JABATAN = np.array(["JPT", "administrator", "pengawas", "pelaksana", "fungsional"])
_JABATAN_P = np.array([0.01, 0.03, 0.10, 0.36, 0.50])
_GOLONGAN = {
    "JPT": ["IV/b", "IV/c", "IV/d"],
    "administrator": ["III/d", "IV/a", "IV/b"],
    "pengawas": ["III/b", "III/c", "III/d"],
    "pelaksana": ["II/a", "II/b", "II/c", "II/d", "III/a", "III/b"],
    "fungsional": ["III/a", "III/b", "III/c", "III/d", "IV/a", "IV/b"],
}
_RATERS_PER_UNIT = 12  # peers and supervisors are drawn from pools of this size per unit


@dataclass(frozen=True)
class NationalFiles:
    """What :func:`write_national` wrote.

    Attributes
    ----------
    folder
        The folder holding ``ratings/`` and ``roster/``.
    ratings, roster
        The Parquet files, one per employee bucket, in bucket order.
    n_employees, n_units, n_instansi, n_rating_rows
        Sizes of what was written.
    period
        The appraisal period.
    """

    folder: Path
    ratings: tuple[Path, ...]
    roster: tuple[Path, ...]
    n_employees: int
    n_units: int
    n_instansi: int
    n_rating_rows: int
    period: str


def _bucket(b: int, n_employees: int, n_buckets: int, unit_p: np.ndarray, lenient: np.ndarray,
            n_instansi: int, year: int, seed: int, values: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng([seed, b])
    num = np.arange(b, n_employees, n_buckets, dtype=np.int64)
    n = len(num)
    n_units = len(unit_p)
    ids = pd.Series(num).map("A{:010d}".format).to_numpy(dtype=object)
    unit = rng.choice(n_units, n, p=unit_p)
    inst = unit * n_instansi // n_units
    kind = rng.choice(len(_JABATAN), n, p=_JABATAN_P)
    jab = _JABATAN[kind]
    gol = np.empty(n, dtype=object)
    for k, name in enumerate(_JABATAN):
        sel = kind == k
        gol[sel] = np.asarray(_GOLONGAN[str(name)], dtype=object)[rng.integers(0, len(_GOLONGAN[str(name)]), sel.sum())]
    gender = np.where(rng.random(n) < 0.54, "P", "L")
    birth = year - np.clip(rng.normal(42, 9, n).round(), 23, 58).astype(int)
    pool = np.char.add(np.char.add("R", np.char.zfill(unit.astype(str), 5)), "-")
    supervisor = np.char.add(pool, np.char.zfill(rng.integers(0, 3, n).astype(str), 2)).astype(object)
    period = str(year)
    roster = pd.DataFrame({
        "employee_id": ids, "period": period,
        "unit": pd.Series(unit).map("Unit {:05d}".format).to_numpy(dtype=object),
        "jabatan": jab.astype(object), "golongan": gol, "gender": gender.astype(object),
        "birth_year": birth, "supervisor_id": supervisor,
        "instansi": pd.Series(inst).map("Instansi {:03d}".format).to_numpy(dtype=object)})
    true_h = rng.normal(0, 1, n)
    true_p = 0.5 * true_h + np.sqrt(0.75) * rng.normal(0, 1, n)
    shift = np.where(lenient[unit], 1.2, 0.0)
    z_h = true_h + rng.normal(0, 0.55, n) + shift
    z_p = true_p + rng.normal(0, 0.55, n) + shift
    hk = np.where(z_h > 1.45, 3.0, np.where(z_h < -2.3, 1.0, 2.0))
    pk = np.where(z_p > 1.45, 3.0, np.where(z_p < -2.45, 1.0, 2.0))
    emp = [ids, ids]
    rater = [supervisor, supervisor]
    role = ["atasan", "atasan"]
    indicator = ["hasil_kerja", "perilaku_kerja"]
    score = [hk, pk]
    for j in range(2):  # two peers per employee, from the unit's pool (never the atasan's slots)
        peer = np.char.add(pool, np.char.zfill(rng.integers(3 + 4 * j, 7 + 4 * j, n).astype(str), 2)).astype(object)
        lean = rng.normal(0, 0.3, n)
        for value in values:
            y = 3 + 0.9 * true_p + lean + rng.normal(0, 0.6, n)
            emp.append(ids)
            rater.append(peer)
            role.append("rekan")
            indicator.append(value)
            score.append(np.clip(np.rint(y), 1, 5))
    # one employee's rows together (as an export writes them)
    ratings = pd.DataFrame({
        "period": period,
        "employee_id": np.column_stack(emp).ravel(),
        "rater_id": np.column_stack(rater).ravel(),
        "rater_role": np.tile(np.array(role, dtype=object), n),
        "indicator": np.tile(np.array(indicator, dtype=object), n),
        "score": np.column_stack(score).ravel()})
    return ratings, roster


def write_national(folder: str | Path, n_employees: int, *, n_buckets: int | None = None,
                   unit_size: int = 200, instansi_size: int = 10_000, year: int = 2025,
                   seed: int = 20250101, n_values: int = 1) -> NationalFiles:
    """Write ``n_employees`` synthetic ASN as partitioned Parquet, split by employee buckets.

    Parameters
    ----------
    folder
        Where ``ratings/`` and ``roster/`` are written (created; existing part files are
        replaced). At national scale put it outside the repository (e.g. under ``/tmp``):
        6 million employees take about 1 GB.
    n_employees
        Number of employees (at least 10).
    n_buckets
        Number of employee buckets (files per table); default one per 250,000 employees,
        at least 1.
    unit_size, instansi_size
        Mean employees per unit and per instansi (unit sizes vary: log-normal).
    year
        The appraisal period.
    seed
        Seed; bucket *b* is generated from ``(seed, b)``.
    n_values
        How many BerAKHLAK values (1-7, in :data:`workbench.data.synth.BERAKHLAK` order)
        each of the two peers scores.

    Returns
    -------
    NationalFiles
    """
    if n_employees < 10:
        raise ParameterError(f"`n_employees` must be at least 10; got {n_employees}.")
    if not 1 <= n_values <= len(BERAKHLAK):
        raise ParameterError(f"`n_values` must be between 1 and {len(BERAKHLAK)}; got {n_values}.")
    n_buckets = n_buckets or max(1, round(n_employees / 250_000))
    if n_buckets < 1:
        raise ParameterError(f"`n_buckets` must be at least 1; got {n_buckets}.")
    folder = Path(folder)
    rng = np.random.default_rng(seed)
    n_units = max(1, round(n_employees / unit_size))
    n_instansi = max(1, round(n_employees / instansi_size))
    weight = rng.lognormal(0, 0.6, n_units)
    unit_p = weight / weight.sum()
    lenient = rng.random(n_units) < 0.2
    out: dict[str, list[Path]] = {"ratings": [], "roster": []}
    for name in out:
        (folder / name).mkdir(parents=True, exist_ok=True)
        for old in (folder / name).glob("part-*.parquet"):
            old.unlink()
    rows = 0
    for b in range(n_buckets):
        ratings, roster = _bucket(b, n_employees, n_buckets, unit_p, lenient, n_instansi, year, seed,
                                  BERAKHLAK[:n_values])
        for name, frame in (("ratings", ratings), ("roster", roster)):
            path = folder / name / f"part-{b:05d}.parquet"
            frame.to_parquet(path, index=False, compression="zstd")
            out[name].append(path)
        rows += len(ratings)
    return NationalFiles(folder=folder, ratings=tuple(out["ratings"]), roster=tuple(out["roster"]),
                         n_employees=n_employees, n_units=n_units, n_instansi=n_instansi,
                         n_rating_rows=rows, period=str(year))
