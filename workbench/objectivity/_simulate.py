"""A crossed, well-linked rating design with known rater effects (tests and benchmarks).

:func:`workbench.data.synth.generate` reproduces a real city, where most peer raters
rate only two or three colleagues; that is too thin to check recovery. This generator
builds the design the estimators need: each employee is rated by ``raters_per_employee``
distinct raters drawn in balanced rounds from one city-wide pool, so every rater has
about ``n_employees * raters_per_employee / n_raters`` ratees and all raters form one
linked component. The score model is the one of ``synth`` for the BerAKHLAK values::

    perceived = (1 - halo_r) * (true_i + u_ik) + halo_r * impression_ri
    y         = 3 + 0.9 * spread_r * perceived + leniency_r + disparity * [gender_i == P] + e
    score     = clip(round(y), 1, 5)

Examples
--------
>>> sim = simulate(n_employees=200, n_raters=50, seed=1)
>>> int(sim.truth["n_ratees"].min()) >= 8
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Simulated", "simulate"]


@dataclass(frozen=True, eq=False)
class Simulated:
    """``ratings`` (long, with ``unit``, ``gender``, ``performance``), rater ``truth``.

    ``disparity_observed`` is the planted disparity as it shows on the rounded, clipped
    1-5 scale: the mean of (score - the same score without the disparity) over the
    ratings of group P, from the same random draws. Clipping at 1 and 5 makes it
    smaller in size than the latent ``disparity``.
    """

    ratings: pd.DataFrame
    truth: pd.DataFrame
    employees: pd.DataFrame
    disparity_observed: float = 0.0


def simulate(
    n_employees: int = 600,
    n_raters: int = 150,
    raters_per_employee: int = 3,
    n_indicators: int = 7,
    *,
    share_lenient: float = 0.08,
    share_severe: float = 0.05,
    share_halo: float = 0.0,
    share_central: float = 0.0,
    effect_size: float = 0.8,
    leniency_sd: float = 0.1,
    disparity: float = -0.35,
    rater_effects: bool = True,
    n_units: int = 6,
    seed: int = 0,
) -> Simulated:
    """Simulate a balanced crossed design with planted rater effects and a disparity."""
    rng = np.random.default_rng(seed)
    k = raters_per_employee
    emp = np.array([f"E{i:06d}" for i in range(n_employees)])
    gender = np.where(rng.random(n_employees) < 0.5, "P", "L")
    unit = np.array([f"U{u:02d}" for u in range(n_units)])[rng.integers(0, n_units, n_employees)]
    true = rng.normal(0, 1, n_employees)
    performance = 100 + 9 * (0.5 * true + np.sqrt(0.75) * rng.normal(0, 1, n_employees))
    # balanced rounds: in each round every rater gets n_employees / n_raters ratees
    slots = [rng.permutation(np.arange(n_employees) % n_raters) for _ in range(k)]
    assign = np.stack(slots, axis=1)
    for j in range(1, k):  # repair the rare repeat of a rater for one employee
        clash = (assign[:, :j] == assign[:, [j]]).any(axis=1)
        assign[clash, j] = (assign[clash, j] + 1 + j) % n_raters
    kind = np.full(n_raters, "none", dtype=object)
    leniency = rng.normal(0, leniency_sd, n_raters) if rater_effects else np.zeros(n_raters)
    halo = np.zeros(n_raters)
    spread = np.ones(n_raters)
    if rater_effects:
        order = rng.permutation(n_raters)
        cuts = np.cumsum([share_lenient, share_severe, share_halo, share_central]) * n_raters
        g = np.split(order, cuts.round().astype(int))
        kind[g[0]], leniency[g[0]] = "lenient", effect_size
        kind[g[1]], leniency[g[1]] = "severe", -effect_size
        kind[g[2]], halo[g[2]] = "halo", 0.85
        kind[g[3]], spread[g[3]] = "central", 0.35
    e_idx = np.repeat(np.arange(n_employees), k)
    r_idx = assign.ravel()
    m = e_idx.size
    impression = true[e_idx] + rng.normal(0, 0.3, m)
    latent = true[e_idx, None] + rng.normal(0, 0.5, (m, n_indicators))
    h = halo[r_idx, None]
    perceived = (1 - h) * latent + h * impression[:, None]
    y = (3 + 0.9 * spread[r_idx, None] * perceived + leniency[r_idx, None]
         + disparity * (gender[e_idx, None] == "P") + rng.normal(0, 0.45, (m, n_indicators)))
    score = np.clip(np.rint(y), 1, 5)
    is_p = np.broadcast_to(gender[e_idx, None] == "P", y.shape)
    without = np.clip(np.rint(y - disparity * is_p), 1, 5)
    observed = float((score - without)[is_p].mean()) if is_p.any() else 0.0
    indicators = np.array([f"nilai_{i + 1}" for i in range(n_indicators)])
    rater_ids = np.array([f"R{j:05d}" for j in range(n_raters)])
    ratings = pd.DataFrame({
        "period": "2025",
        "employee_id": np.repeat(emp[e_idx], n_indicators),
        "rater_id": np.repeat(rater_ids[r_idx], n_indicators),
        "rater_role": "rekan",
        "indicator": np.tile(indicators, m),
        "score": score.ravel(),
        "unit": np.repeat(unit[e_idx], n_indicators),
        "gender": np.repeat(gender[e_idx], n_indicators),
        "performance": np.repeat(performance[e_idx], n_indicators),
    })
    n_ratees = np.bincount(r_idx, minlength=n_raters)
    truth = pd.DataFrame({"rater_id": rater_ids, "leniency": leniency, "halo": halo,
                          "spread": spread, "kind": kind.astype(str), "n_ratees": n_ratees})
    employees = pd.DataFrame({"employee_id": emp, "unit": unit, "gender": gender,
                              "true": true, "performance": performance})
    return Simulated(ratings=ratings, truth=truth, employees=employees,
                     disparity_observed=observed)
