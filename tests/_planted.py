"""A small generator with planted indicator problems, for the training-need and the
indicator-review tests (kept here, apart from ``workbench.data.synth``).

Four units of 48 employees, rated in one period on the ``permenpanrb-6-2022-rinci``
indicators: the seven BerAKHLAK values (1-5) by the unit's atasan and two peers drawn
from a pool that spans the units (so that every rater is linked to the others), and the
three IKI realisations (percent) by the atasan. Planted:

* weak indicators: in unit A 70 % of the employees are weak on ``kolaboratif``; in unit B
  on ``adaptif``; in unit C the IKI ``iki_waktu`` lags;
* severe raters: the two atasan of unit D score 1 point lower than they should (no
  weakness is planted in unit D);
* a ceiling indicator: ``loyal`` is nearly always rated 5;
* a redundant pair: ``akuntabel`` repeats ``berorientasi_pelayanan`` up to a little noise;
* a hard-to-measure indicator: ``harmonis`` has little true spread and noisy raters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

import workbench as wb

BERAKHLAK = wb.data.synth.BERAKHLAK
IKI = ("iki_kuantitas", "iki_kualitas", "iki_waktu")
UNITS = ("Unit A", "Unit B", "Unit C", "Unit D")
WEAK = {"Unit A": "kolaboratif", "Unit B": "adaptif", "Unit C": "iki_waktu"}


@dataclass(frozen=True)
class Planted:
    dataset: wb.Dataset
    weak: pd.DataFrame  # employee_id, unit, indicator: the planted weaknesses
    severe_raters: tuple[str, ...]


def planted(seed: int = 7, n_per_unit: int = 48, weak_share: float = 0.7, weak_size: float = 1.3,
            severity: float = -1.0) -> Planted:
    rng = np.random.default_rng(seed)
    n = n_per_unit * len(UNITS)
    emp = np.array([f"E{k:04d}" for k in range(n)])
    unit = np.repeat(UNITS, n_per_unit)
    jabatan = rng.choice(["pelaksana", "fungsional"], n)
    theta = rng.normal(0, 0.6, n)
    # atasan: two per unit, each rating half of the unit
    atasan = np.array([f"ATS-{u[-1]}{(k % 2) + 1}" for u, k in zip(unit, np.arange(n), strict=True)])
    severe = tuple(sorted({a for a, u in zip(atasan, unit, strict=True) if u == "Unit D"}))
    pool = np.array([f"PEER{k:03d}" for k in range(60)])
    peers = np.stack([rng.choice(pool, n), rng.choice(pool, n)], axis=1)
    same = peers[:, 0] == peers[:, 1]
    peers[same, 1] = np.roll(pool, 1)[np.searchsorted(pool, peers[same, 0])]
    lenient = {r: rng.normal(0, 0.15) for r in pool}
    lenient.update({a: (severity if a in severe else rng.normal(0, 0.15)) for a in set(atasan)})
    weak_rows = []
    is_weak = {}
    for u, ind in WEAK.items():
        members = np.flatnonzero(unit == u)
        chosen = rng.choice(members, int(round(weak_share * len(members))), replace=False)
        mask = np.zeros(n, dtype=bool)
        mask[chosen] = True
        is_weak[ind] = mask | is_weak.get(ind, np.zeros(n, dtype=bool))
        weak_rows += [(emp[i], u, ind) for i in chosen]
    rows = []
    pair = ("berorientasi_pelayanan", "akuntabel")
    shared_u = rng.normal(0, 0.5, n)  # the redundant pair shares its latent and its rating noise
    shared_noise = [rng.normal(0, 0.45, n) for _ in range(3)]
    for ind in BERAKHLAK:
        spread = 0.25 if ind == "harmonis" else 1.0
        u_ei = shared_u if ind in pair else rng.normal(0, 0.5 * spread, n)
        latent = spread * theta + u_ei - weak_size * is_weak.get(ind, np.zeros(n, dtype=bool))
        for slot, (role, raters) in enumerate((("atasan", atasan), ("rekan", peers[:, 0]), ("rekan", peers[:, 1]))):
            if ind == pair[0]:
                noise = shared_noise[slot]
            elif ind == pair[1]:
                noise = shared_noise[slot] + rng.normal(0, 0.12, n)
            else:
                noise = rng.normal(0, 1.1 if ind == "harmonis" else 0.45, n)
            level = 5.4 if ind == "loyal" else 3.0
            y = level + 0.9 * latent + np.array([lenient[r] for r in raters]) + noise
            rows.append(pd.DataFrame({"period": "2025", "employee_id": emp, "rater_id": raters, "rater_role": role,
                                      "indicator": ind, "score": np.clip(np.rint(y), 1, 5)}))
    for ind in IKI:
        real = 100 + 8 * theta + rng.normal(0, 5, n) - 14 * is_weak.get(ind, np.zeros(n, dtype=bool))
        rows.append(pd.DataFrame({"period": "2025", "employee_id": emp, "rater_id": atasan, "rater_role": "atasan",
                                  "indicator": ind, "score": np.clip(real, 40, 150).round(1)}))
    ratings = pd.concat(rows, ignore_index=True)
    roster = pd.DataFrame({"employee_id": emp, "period": "2025", "unit": unit, "jabatan": jabatan,
                           "supervisor_id": atasan, "name": [f"Pegawai {k}" for k in range(n)]})
    ds = wb.Dataset.trusted(ratings, roster, name="planted", source="tests._planted")
    return Planted(ds, pd.DataFrame(weak_rows, columns=["employee_id", "unit", "indicator"]), severe)
