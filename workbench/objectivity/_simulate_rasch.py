"""Ratings generated from the many-facet Rasch model itself, with known parameters.

For the recovery tests and the benchmark of :func:`~workbench.objectivity.rasch_facets`.
Every rating of employee ``n`` by rater ``j`` on indicator ``i`` is drawn from the
rating-scale (or partial-credit) model::

    P(x = k) ~ exp(k * (theta_n - severity_j - difficulty_i) - sum_{h <= k} tau_h)

with categories ``1 .. n_categories`` (code ``k = score - 1``). Two designs:

* ``"crossed"``: each employee is rated by ``raters_per_employee`` raters drawn in the
  balanced rounds of :func:`workbench.objectivity._simulate.simulate` (its design is
  reused), so every rater has about ``n_employees * raters_per_employee / n_raters``
  ratees;
* ``"ekinerja"``: each atasan rates a team of about ``ratees_per_atasan`` employees,
  and ``peers_per_employee`` peers (raters who each rate ``ratees_per_peer`` employees
  of other teams) add the links that make atasan comparable.

Raters of a planted ``kind`` break the model on purpose: ``"halo"`` gives one draw (at
the employee's average indicator) to every indicator, ``"central"`` uses thresholds
stretched by :data:`CENTRAL_STRETCH` (the middle categories), ``"random"`` replaces half
of the ratings by a uniformly random category.

Examples
--------
>>> sim = simulate_rasch(n_employees=200, design="ekinerja", seed=1)
>>> sorted(sim.ratings["score"].unique().tolist())
[1.0, 2.0, 3.0, 4.0, 5.0]
>>> bool(abs(sim.raters["severity"].mean()) < 1e-12)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from workbench.errors import ParameterError, check_option
from workbench.objectivity._simulate import simulate

__all__ = ["CENTRAL_STRETCH", "SimulatedRasch", "simulate_rasch"]

CENTRAL_STRETCH = 3.0
"""How much a central-tendency rater widens the thresholds (the middle categories)."""

DEFAULT_THRESHOLDS = (-2.0, -0.7, 0.7, 2.0)


@dataclass(frozen=True, eq=False)
class SimulatedRasch:
    """Generated ``ratings`` (the contract's long table) and the true parameters.

    ``raters``: ``rater_id, severity, kind, role, n_ratees`` (severity centred);
    ``employees``: ``employee_id, measure``; ``indicators``: ``indicator, difficulty``
    (centred); ``thresholds``: ``indicator, step, threshold`` (``indicator`` is
    ``"(all)"`` for the rating-scale model).
    """

    ratings: pd.DataFrame
    raters: pd.DataFrame
    employees: pd.DataFrame
    indicators: pd.DataFrame
    thresholds: pd.DataFrame


def _ekinerja_design(n_emp: int, team: int, peers: int, per_peer: int,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(employee, rater, is_peer) per employee-rater pair, and the number of atasan."""
    n_atasan = max(1, int(round(n_emp / team)))
    team_of = rng.permutation(np.arange(n_emp) % n_atasan)
    emp = [np.arange(n_emp)]
    rat = [team_of]
    n_peers = int(np.ceil(n_emp * peers / per_peer)) if peers else 0
    for _ in range(peers):
        slots = rng.permutation(np.arange(n_emp) % max(n_peers, 1))
        emp.append(np.arange(n_emp))
        rat.append(n_atasan + slots)
    e = np.concatenate(emp)
    r = np.concatenate(rat)
    pair = pd.DataFrame({"e": e, "r": r}).drop_duplicates()
    return pair["e"].to_numpy(), pair["r"].to_numpy(), pair["r"].to_numpy() >= n_atasan, n_atasan


def simulate_rasch(
    n_employees: int = 400,
    design: Literal["crossed", "ekinerja"] = "ekinerja",
    *,
    n_raters: int = 100,
    raters_per_employee: int = 3,
    ratees_per_atasan: int = 4,
    peers_per_employee: int = 1,
    ratees_per_peer: int = 3,
    n_indicators: int = 7,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    model: Literal["rating_scale", "partial_credit"] = "rating_scale",
    measure_sd: float = 1.0,
    severity_sd: float = 0.5,
    difficulty_sd: float = 0.3,
    kinds: dict[str, int] | None = None,
    seed: int = 0,
) -> SimulatedRasch:
    """Generate ratings from the many-facet Rasch model with known parameters.

    Parameters
    ----------
    n_employees
        Employees (``E000000`` ...), measures drawn from N(0, ``measure_sd``).
    design
        ``"crossed"`` (``n_raters`` raters, ``raters_per_employee`` each) or
        ``"ekinerja"`` (atasan teams plus linking peers); see the module docstring.
    thresholds
        Rasch-Andrich thresholds, centred before use; ``len + 1`` categories, scored
        ``1 .. len + 1``. For the partial-credit model each indicator's thresholds are
        these plus N(0, 0.3) noise.
    severity_sd, difficulty_sd
        Spread of the rater severities and the indicator difficulties (logits); both
        are centred to mean 0.
    kinds
        Number of raters of each planted kind, e.g. ``{"halo": 3, "central": 3}``;
        they are drawn among the raters with at least 4 ratees.
    seed
        Seed of the random generator.

    Returns
    -------
    SimulatedRasch
    """
    check_option("design", design, ["crossed", "ekinerja"])
    check_option("model", model, ["rating_scale", "partial_credit"])
    tau = np.asarray(thresholds, dtype=float)
    if tau.ndim != 1 or tau.size < 1:
        raise ParameterError("`thresholds` must hold at least one threshold (two categories).")
    tau = tau - tau.mean()
    rng = np.random.default_rng(seed)
    if design == "crossed":
        base = simulate(n_employees, n_raters, raters_per_employee, n_indicators=1,
                        rater_effects=False, seed=seed)
        e_idx = base.ratings["employee_id"].str[1:].astype(int).to_numpy()
        r_idx = base.ratings["rater_id"].str[1:].astype(int).to_numpy()
        is_peer = np.ones(e_idx.size, dtype=bool)
        n_rat = n_raters
        n_atasan = 0
        rater_ids = np.array([f"R{j:05d}" for j in range(n_rat)])
    else:
        e_idx, r_idx, is_peer, n_atasan = _ekinerja_design(
            n_employees, ratees_per_atasan, peers_per_employee, ratees_per_peer, rng)
        n_rat = int(r_idx.max()) + 1
        rater_ids = np.array([f"A{j:05d}" if j < n_atasan else f"P{j - n_atasan:05d}"
                              for j in range(n_rat)])
    theta = rng.normal(0.0, measure_sd, n_employees)
    severity = rng.normal(0.0, severity_sd, n_rat)
    severity -= severity.mean()
    difficulty = rng.normal(0.0, difficulty_sd, n_indicators)
    difficulty -= difficulty.mean()
    n_steps = tau.size
    if model == "partial_credit":
        tau_i = tau[None, :] + rng.normal(0.0, 0.3, (n_indicators, n_steps))
        tau_i -= tau_i.mean(axis=1, keepdims=True)
    else:
        tau_i = np.broadcast_to(tau, (n_indicators, n_steps))
    n_ratees = np.bincount(r_idx, minlength=n_rat)
    kind = np.full(n_rat, "none", dtype=object)
    eligible = rng.permutation(np.flatnonzero(n_ratees >= 4))
    start = 0
    for name, count in (kinds or {}).items():
        check_option("kinds", name, ["halo", "central", "random"])
        kind[eligible[start:start + count]] = name
        start += count
    m = e_idx.size
    eta = (theta[e_idx, None] - severity[r_idx, None] - difficulty[None, :])  # m x items
    stretch = np.where(kind[r_idx] == "central", CENTRAL_STRETCH, 1.0)
    k = np.arange(n_steps + 1)
    cum = np.concatenate([np.zeros((n_indicators, 1)), np.cumsum(tau_i, axis=1)], axis=1)
    psi = eta[:, :, None] * k - stretch[:, None, None] * cum[None, :, :]
    halo = kind[r_idx] == "halo"
    if halo.any():  # one draw at the average indicator, given to every indicator
        psi[halo] = (theta[e_idx[halo], None, None] - severity[r_idx[halo], None, None]) * k \
            - cum.mean(axis=0)[None, None, :]
    prob = np.exp(psi - psi.max(axis=2, keepdims=True))
    prob /= prob.sum(axis=2, keepdims=True)
    u = rng.random((m, n_indicators, 1))
    code = (prob.cumsum(axis=2) < u).sum(axis=2)
    code = np.minimum(code, n_steps)
    if halo.any():
        code[halo] = code[halo][:, [0]]
    noisy = (kind[r_idx] == "random")[:, None] & (rng.random((m, n_indicators)) < 0.5)
    code[noisy] = rng.integers(0, n_steps + 1, int(noisy.sum()))
    emp_ids = np.array([f"E{n:06d}" for n in range(n_employees)])
    items = np.array([f"nilai_{i + 1}" for i in range(n_indicators)])
    ratings = pd.DataFrame({
        "period": "2025",
        "employee_id": np.repeat(emp_ids[e_idx], n_indicators),
        "rater_id": np.repeat(rater_ids[r_idx], n_indicators),
        "rater_role": np.repeat(np.where(is_peer, "rekan", "atasan"), n_indicators),
        "indicator": np.tile(items, m),
        "score": (code.ravel() + 1).astype(float),
    })
    role = np.where(np.arange(n_rat) < n_atasan, "atasan", "rekan")
    raters = pd.DataFrame({"rater_id": rater_ids, "severity": severity,
                           "kind": kind.astype(str), "role": role, "n_ratees": n_ratees})
    thr = pd.DataFrame({
        "indicator": np.repeat(items if model == "partial_credit" else ["(all)"],
                               n_steps),
        "step": np.tile(np.arange(1, n_steps + 1),
                        n_indicators if model == "partial_credit" else 1),
        "threshold": (tau_i if model == "partial_credit" else tau[None, :]).ravel(),
    })
    return SimulatedRasch(
        ratings=ratings,
        raters=raters,
        employees=pd.DataFrame({"employee_id": emp_ids, "measure": theta}),
        indicators=pd.DataFrame({"indicator": items, "difficulty": difficulty}),
        thresholds=thr,
    )
