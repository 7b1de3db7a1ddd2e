"""curve_check's all-units-at-once path equals the per-unit definitions it replaced."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.calibration.distance import rank_candidates
from workbench.rubric import load_rubric
from workbench.rubric.curve import _bounds, _bounds_array
from workbench.rubric.model import CurveConstraint


@pytest.mark.parametrize("rounding", ["conservative", "lenient", "nearest"])
def test_bounds_array_equals_bounds(rounding):
    n = np.arange(0, 400)
    for c in [CurveConstraint(("baik",), min=0.6, max=0.7), CurveConstraint(("sangat_baik",), max=0.1),
              CurveConstraint(("butuh_perbaikan", "kurang"), present=True),
              CurveConstraint(("baik",), min=0.35, present=True), CurveConstraint(("baik",), min=1 / 3, max=2 / 3)]:
        lo, hi = _bounds_array(c, n, rounding)
        assert [(int(a), int(b)) for a, b in zip(lo, hi, strict=True)] == [_bounds(c, int(m), rounding) for m in n]


def test_borderline_employees_are_those_rank_candidates_orders_first():
    """Random small units: the employees named for each move are the first ``k`` of
    rank_candidates over the unit's employees of the source predikat (the per-unit path)."""
    rubric = load_rubric("permenpanrb-6-2022-rinci")
    f = wb.score(wb.read_sample("kota_contoh"), rubric, period="2025").frame
    rng = np.random.default_rng(7)
    sizes = rng.integers(1, 16, 40)
    frame = f.iloc[rng.integers(0, len(f), int(sizes.sum()))].reset_index(drop=True)
    frame["employee_id"] = [f"E{i:04d}" for i in rng.permutation(len(frame))]
    frame["unit"] = [f"U{u:02d}" for u in np.repeat(rng.permutation(len(sizes)), sizes)]
    org = {f"U{u:02d}": ["Istimewa", "Baik", "Butuh Perbaikan", "Kurang"][u % 4] for u in range(len(sizes))}
    chk = wb.curve_check(frame, org, rubric=rubric)
    ids = {p.label.id: p.id for p in rubric.predikat}
    moves = chk.moves
    assert len(moves) > 10
    for m in moves.itertuples(index=False):
        ch = chk.changes
        got = ch[(ch["unit"] == m.unit) & (ch["from_predikat"] == _label(rubric, m.from_predikat))
                 & (ch["to_predikat"] == _label(rubric, m.to_predikat))]
        earlier = chk.changes[(chk.changes["unit"] == m.unit) & (chk.changes.index < got.index.min())]
        pool = frame[(frame["unit"] == m.unit) & (frame["predikat"].astype(object).map(ids) == m.from_predikat)
                     & ~frame["employee_id"].isin(earlier["employee_id"])]
        near = rank_candidates(pool, rubric, np.full(len(pool), m.to_predikat, dtype=object))
        by = np.argsort(near["order"].to_numpy(), kind="stable")[:m.n_employees]
        assert got["employee_id"].tolist() == pool["employee_id"].to_numpy()[by].tolist()
        np.testing.assert_array_equal(got["distance"].to_numpy(), near["distance"].to_numpy()[by])
    # the unit table counts what a groupby per unit counts
    counts = frame.groupby("unit")["predikat"].value_counts().unstack(fill_value=0)
    units = chk.to_frame().set_index("unit")
    for p in rubric.predikat:
        col = counts[p.label.id] if p.label.id in counts else 0
        assert (units[p.label.id] == pd.Series(col, index=units.index)).all()


def _label(rubric, pid):
    return next(p.label.id for p in rubric.predikat if p.id == pid)
