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

__all__ = ["Simulated", "simulate", "simulate_cells"]


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


def simulate_cells(
    design: str = "complete",
    *,
    n_employees: int = 30,
    n_raters: int = 6,
    ratees_per_atasan: int = 4,
    peer_share: float = 0.5,
    tau: float = 0.3,
    sigma: float = 0.5,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.Series]:
    """One cell per (employee, rater) from ``y = a_i + b_j + e``: a table and the true ``b``.

    ``design="complete"``: ``n_employees`` x ``n_raters``, everyone rates everyone (the
    textbook two-way design). ``design="ekinerja"``: each employee has one atasan, who
    rates about ``ratees_per_atasan`` employees; a share ``peer_share`` of employees is
    also rated by one or two peers (colleagues under the same atasan, drawn at random),
    so peer raters have one to a few ratees and the design is sparse. ``a ~ N(0, 1)``,
    ``b ~ N(0, tau^2)`` (``tau=0``: no rater effects), ``e ~ N(0, sigma^2)``; scores are
    not rounded (the model's own assumptions hold, so interval coverage is checkable).

    Returns ``(cells, truth)``: ``employee_id, rater_id, score`` and the true rater
    effects indexed by ``rater_id``.

    Examples
    --------
    >>> cells, truth = simulate_cells("ekinerja", n_employees=40, seed=1)
    >>> int(cells.groupby("employee_id").size().max()) <= 3
    True
    """
    rng = np.random.default_rng(seed)
    if design == "complete":
        emp = np.repeat(np.arange(n_employees), n_raters)
        rat = np.tile(np.arange(n_raters), n_employees)
        labels = np.array([f"R{j:03d}" for j in range(n_raters)])
    elif design == "ekinerja":
        n_atasan = max(1, round(n_employees / ratees_per_atasan))
        boss = rng.permutation(np.arange(n_employees) % n_atasan)
        emp_l, rat_l = [np.arange(n_employees)], [boss]
        # peers: colleagues of the same atasan, one or two, for a share of the employees
        order = np.argsort(boss, kind="stable")
        team_start = np.searchsorted(boss[order], np.arange(n_atasan))
        team_size = np.bincount(boss, minlength=n_atasan)
        with_peers = rng.random(n_employees) < peer_share
        for k in (1, 2):
            take = with_peers & (team_size[boss] > k) & ((k == 1) | (rng.random(n_employees) < 0.5))
            e = np.flatnonzero(take)
            offset = rng.integers(1, team_size[boss[e]])
            rank_in_team = np.empty(n_employees, dtype=np.int64)
            rank_in_team[order] = np.arange(n_employees) - np.repeat(team_start, team_size)
            peer_rank = (rank_in_team[e] + offset * k) % team_size[boss[e]]
            peer = order[team_start[boss[e]] + peer_rank]
            ok = peer != e
            emp_l.append(e[ok])
            rat_l.append(n_atasan + peer[ok])  # peer raters are employees, after the atasan
        emp = np.concatenate(emp_l)
        rat = np.concatenate(rat_l)
        cell = np.unique(emp * (n_atasan + n_employees) + rat)
        emp, rat = cell // (n_atasan + n_employees), cell % (n_atasan + n_employees)
        labels = np.array([f"A{j:04d}" for j in range(n_atasan)]
                          + [f"P{j:05d}" for j in range(n_employees)])
    else:
        raise ValueError(f"design must be 'complete' or 'ekinerja'; got {design!r}")
    b = rng.normal(0.0, tau, len(labels)) if tau > 0 else np.zeros(len(labels))
    a = rng.normal(0.0, 1.0, n_employees)
    y = 3.0 + a[emp] + b[rat] + rng.normal(0.0, sigma, emp.size)
    cells = pd.DataFrame({"employee_id": [f"E{i:05d}" for i in emp], "rater_id": labels[rat],
                          "score": y})
    used = np.unique(rat)
    return cells, pd.Series(b[used], index=pd.Index(labels[used], name="rater_id"), name="leniency")
