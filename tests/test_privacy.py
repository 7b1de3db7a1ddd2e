"""Small-cell suppression and the identifier scan (workbench.privacy)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.errors import ParameterError
from workbench.privacy import (
    check_min_cell,
    find_identifiers,
    suppress_counts,
    suppress_rows,
    suppress_share,
)


def test_default_is_five_and_floor_is_three():
    assert check_min_cell(None) == 5
    assert check_min_cell(3) == 3
    for bad in (2, 0, -1):
        with pytest.raises(ParameterError, match="at least 3"):
            check_min_cell(bad)
    with pytest.raises(ParameterError):
        check_min_cell(4.5)  # type: ignore[arg-type]


def test_primary_secondary_and_small_groups():
    counts = pd.DataFrame({"Baik": [40, 3, 50], "Butuh Perbaikan": [2, 0, 6], "Sangat Baik": [0, 0, 9]},
                          index=["A", "B", "C"])
    out = suppress_counts(counts)
    assert np.isnan(out.loc["A", "Butuh Perbaikan"])           # primary: 2 < 5
    assert np.isnan(out.loc["A", "Sangat Baik"])               # secondary: the zero
    assert out.loc["A", "Baik"] == 40
    assert out.loc["B"].isna().all()                           # group of 3 hidden entirely
    assert out.loc["C"].tolist() == [50, 6, 9]                 # nothing small


def test_threshold_is_configurable():
    counts = pd.DataFrame({"Baik": [40], "Butuh Perbaikan": [4], "Sangat Baik": [6]})
    assert suppress_counts(counts, min_cell=3).notna().all().all()
    assert suppress_counts(counts, min_cell=5).isna().sum().sum() == 2


@given(st.lists(st.lists(st.integers(0, 30), min_size=3, max_size=5), min_size=1, max_size=8).filter(
    lambda rows: len({len(r) for r in rows}) == 1), st.integers(3, 10))
def test_no_shown_cell_is_small_and_no_row_has_a_single_hidden_cell(rows, k):
    counts = pd.DataFrame(rows)
    out = suppress_counts(counts, k)
    shown = out.to_numpy()
    assert not ((shown > 0) & (shown < k)).any()
    hidden_per_row = out.isna().sum(axis=1)
    assert not (hidden_per_row == 1).any()


def test_share_hides_small_complements():
    share = suppress_share(pd.Series([46, 40, 48, 3]), pd.Series([48, 48, 48, 4]))
    assert np.isnan(share[0]) and share[1] == pytest.approx(40 / 48) and share[2] == 1.0 and np.isnan(share[3])


def test_rows_below_threshold_are_blanked():
    f = pd.DataFrame({"unit": ["A", "B"], "n": [12, 4], "icc": [0.6, 0.9]})
    assert suppress_rows(f, "n", ["icc"])["icc"].isna().tolist() == [False, True]


def test_find_identifiers():
    assert find_identifiers("x 198012212004011001 y") == ["198012212004011001"]
    assert find_identifiers("1980122120040110019") == []  # 19 digits is not a NIP
    assert find_identifiers("Budi Santoso hadir", ["Budi Santoso"]) == ["Budi Santoso"]


def test_linear_relaxation_with_a_kept_model_equals_a_fresh_one():
    """The audit keeps one HiGHS model per block and changes only its objective: the
    ends must be those of a model built afresh (and of scipy's linprog)."""
    from scipy.optimize import linprog

    from workbench.privacy import _lp_ends

    rng = np.random.default_rng(3)
    for trial in range(5):
        A = rng.integers(0, 3, size=(12, 9)).astype(float)
        x = rng.integers(0, 8, size=9).astype(float)
        lb, ub = A @ x - rng.integers(0, 2, 12), A @ x + rng.integers(0, 2, 12)
        ub[0] = np.inf
        for j in range(4):
            c = np.zeros(9)
            c[rng.choice(9, size=2, replace=False)] = 1.0
            kept = [v for v, _ in _lp_ends(A, lb, ub, c, block=("test", trial))]
            fresh = [v for v, _ in _lp_ends(A, lb, ub, c)]
            a_ub = np.vstack([A[np.isfinite(ub)], -A])
            b_ub = np.concatenate([ub[np.isfinite(ub)], -lb])
            ref = [linprog(s * c, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs") for s in (1, -1)]
            want = [s * r.fun if r.status == 0 else -s * np.inf for r, s in zip(ref, (1, -1), strict=True)]
            assert np.allclose(kept, fresh) and np.allclose(kept, want), (trial, j)


def test_a_kept_model_follows_the_rows_shown():
    """The audit keeps one model per block of a page across attacks and frees the rows whose
    numbers are hidden (no bounds) instead of building it again: each attack's ends must
    be those of a model of the shown rows alone, built afresh (and of scipy's linprog)."""
    from scipy.optimize import linprog

    from workbench.privacy import _lp_ends

    rng = np.random.default_rng(5)
    for trial in range(5):
        A = rng.integers(0, 3, size=(12, 9)).astype(float)
        x = rng.integers(0, 8, size=9).astype(float)
        lb, ub = A @ x - rng.integers(0, 2, 12), A @ x + rng.integers(0, 2, 12)
        states = []
        for _ in range(6):
            c = np.zeros(9)
            c[rng.choice(9, size=2, replace=False)] = 1.0
            states.append((rng.random(12) < 0.6, c))
        # one model for all the states (solved in a row: a model built between them would
        # replace the kept one), then each state afresh
        kepts = [[v for v, _ in _lp_ends(A, np.where(shown, lb, -np.inf), np.where(shown, ub, np.inf), c,
                                         block=("rows", trial))] for shown, c in states]
        for j, ((shown, c), kept) in enumerate(zip(states, kepts, strict=True)):
            fresh = [v for v, _ in _lp_ends(A[shown], lb[shown], ub[shown], c)] if shown.any() else [0.0, np.inf]
            a_ub = np.vstack([A[shown], -A[shown]])
            b_ub = np.concatenate([ub[shown], -lb[shown]])
            ref = [linprog(s * c, A_ub=a_ub if len(a_ub) else None, b_ub=b_ub if len(b_ub) else None,
                           bounds=(0, None), method="highs") for s in (1, -1)]
            want = [s * r.fun if r.status == 0 else -s * np.inf for r, s in zip(ref, (1, -1), strict=True)]
            assert np.allclose(kept, fresh) and np.allclose(kept, want), (trial, j)


def test_attacks_with_the_pages_kept_models_equal_fresh_ones(kota):
    """Hiding numbers one after another on a page (as the suppression does) attacks it with
    the models kept from the attacks before: every interval must be that of the same page
    attacked afresh, in integers and in the linear relaxation."""
    import copy

    from workbench.privacy import _attack
    from workbench.views import _sources as src

    page = copy.deepcopy(src.whatif_draft(kota, src.whatif_base(src.WHATIF_RUBRIC), "2025"))
    page.__dict__.pop("_audit_cache", None)
    free = [f for f in page.facts.values() if f.status == "shown" and not f.locked and f.expr is not None]
    assert len(free) >= 8
    for f in free[:8]:
        f.status = "protected"
        for integer in (False, True):
            kept = _attack(page, protected=True, integer=integer)[0]
            fresh_page = copy.deepcopy(page)
            fresh_page.__dict__.pop("_audit_cache", None)
            fresh = _attack(fresh_page, protected=True, integer=integer)[0]
            assert [r[:7] for r in kept] == [r[:7] for r in fresh], (f.key, integer)
    assert page._audit_cache["models"]  # the attacks above kept their blocks' models


def test_the_solver_prints_nothing():
    """HiGHS writes a banner to the process's standard output at its first instance; a
    kernel would show it in a dashboard's cell."""
    code = "from workbench.privacy import _highs; _highs()"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "" and out.stderr == ""


def _share_system(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A small system like a page's: exact counts (some rows summed) and shares rounded to
    0.1 (two rows each, fractional coefficients), holding an integer point."""
    x = rng.integers(0, 9, size=6).astype(float)
    rows, lb, ub = [], [], []
    for _ in range(3):  # exact counts
        a = rng.integers(0, 2, size=6).astype(float)
        rows.append(a)
        lb.append(a @ x)
        ub.append(a @ x)
    for _ in range(2):  # a share num / den shown as r = round(share, 1)
        num = np.zeros(6)
        num[rng.choice(6)] = 1.0
        den = np.maximum(num, rng.integers(0, 2, size=6).astype(float))
        share = (num @ x) / (den @ x) if den @ x else 0.0
        r, half = round(share, 1), 0.05 + 1e-9
        rows += [num - (r - half) * den, num - (r + half) * den]
        lb += [0.0, -np.inf]
        ub += [np.inf, 0.0]
    return np.array(rows), np.array(lb), np.array(ub), x


@pytest.mark.parametrize("own", [True, False], ids=["scipy-highs-direct", "scipy-milp"])
def test_integer_ends_are_scipys_milp(own, monkeypatch):
    """The integer programmes run on scipy's build of HiGHS directly (or, without it,
    through :func:`scipy.optimize.milp`): their ends are those of ``milp``, also where the
    linear relaxation's end is fractional or unbounded."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    from workbench import privacy

    if not own:
        monkeypatch.setattr(privacy._milp_core, "core", None)
    elif privacy._milp_core() is None:
        pytest.skip("this scipy has no binding of its HiGHS")
    rng = np.random.default_rng(11)
    fractional = unbounded = 0
    for trial in range(40):
        A, lb, ub, x = _share_system(rng)
        c = np.zeros(6)
        c[rng.choice(6, size=rng.integers(1, 3), replace=False)] = 1.0
        want = []
        for s in (1.0, -1.0):
            res = milp(s * c, constraints=[LinearConstraint(A, lb, ub)], integrality=np.ones(6),
                       bounds=Bounds(0, np.inf), options={"presolve": True})
            want.append(s * res.fun if res.status == 0 else -s * np.inf)
        relaxed = [v for v, _ in privacy._lp_ends(A, lb, ub, c)]
        fractional += any(np.isfinite(v) and abs(v - round(v)) > 1e-6 for v in relaxed)
        unbounded += not np.isfinite(relaxed[1])
        for level, known in ((None, None), (3, None), (3, x[None, :])):
            lo, hi, points = privacy._bounds_of(A, lb, ub, c, level, True, known)
            rounded = [np.ceil(relaxed[0] - 1e-6), np.floor(relaxed[1] + 1e-6)]
            if level is not None and np.isfinite(rounded).all() and rounded[1] - rounded[0] < level:
                assert [lo, hi] == rounded, trial  # too narrow for the relaxation already
            else:
                assert [lo, hi] == pytest.approx(want, abs=1e-9), (trial, level)  # (the ulp of another point's sum)
            for z in points:  # witnesses are integer points of the system
                assert np.array_equal(z, np.round(z)) and (A @ z >= lb - 1e-9).all() and (A @ z <= ub + 1e-9).all()
    assert fractional and unbounded  # both cases were met
