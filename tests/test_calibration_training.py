"""Training needs recover the weakest indicators planted by a generator, and rater
adjustment keeps a unit with strict atasan from looking weak on everything."""

from __future__ import annotations

import pytest
from _planted import WEAK, planted

from workbench.calibration import training_needs
from workbench.errors import ParameterError


@pytest.mark.parametrize("seed", [7, 11, 23])
def test_the_planted_weak_indicator_ranks_first_in_its_unit(seed):
    p = planted(seed)
    needs = training_needs(p.dataset)
    for unit, indicator in WEAK.items():
        ranked = needs.for_unit(unit)
        assert ranked.loc[0, "indicator"] == indicator, (seed, unit, ranked.head(3))
        assert ranked.loc[0, "mean_z"] < -0.4
    # unit D has no planted weakness: nothing stands out once its strict atasan are corrected
    d = needs.for_unit("Unit D")
    assert d.loc[0, "mean_z"] > -0.4


def test_rater_adjustment_removes_the_strict_atasan(tmp_path):
    p = planted(7)
    adjusted = training_needs(p.dataset).to_frame().groupby("unit")["n_need"].sum()
    raw = training_needs(p.dataset, adjust_raters=False).to_frame().groupby("unit")["n_need"].sum()
    others_raw = raw.drop("Unit D").mean()
    assert raw["Unit D"] > 1.5 * others_raw  # strict atasan make unit D look weak everywhere
    assert adjusted["Unit D"] < 1.25 * adjusted.drop("Unit D").mean()
    assert any("adjusted for leniency" in n for n in training_needs(p.dataset).notes)


def test_employees_planted_weak_have_that_indicator_among_their_weakest():
    p = planted(7)
    e = training_needs(p.dataset).employees()
    weak = p.weak.merge(e, on=["employee_id", "unit", "indicator"])
    others = e[e["unit"].isin(WEAK) & ~e.set_index(["employee_id", "indicator"]).index.isin(
        p.weak.set_index(["employee_id", "indicator"]).index)]
    assert weak["need"].mean() > 2 * others["need"].mean()
    assert (weak["rank_in_employee"] <= 2).mean() > 0.5


def test_counts_add_up_and_leaders_see_no_small_cell():
    p = planted(7)
    needs = training_needs(p.dataset)
    t = needs.to_frame()
    e = needs.employees()
    assert t["n_need"].sum() == int(e["need"].sum())
    assert (t.groupby("unit")["rank"].apply(list) == [list(range(1, 11))] * 4).all()
    assert (t["n_employees"] == 48).all()
    s = needs.summary(min_cell=5)
    shown = s["n_need"].dropna()
    assert not shown.between(1, 4).any() and len(shown) < len(s)
    g = needs.groups()
    assert set(g["group"]) == {"pelaksana", "fungsional"}


def test_bad_arguments_say_how_to_fix(kota):
    with pytest.raises(ParameterError, match="pass `period=`"):
        training_needs(kota.subset(period=["2025", "2025-Q1"]), "permenpanrb-6-2022")
    with pytest.raises(ParameterError, match="roster column"):
        training_needs(kota, period="2025", peers="eselon")
    with pytest.raises(ParameterError, match="positive number"):
        training_needs(kota, period="2025", threshold=0)
    with pytest.raises(ParameterError, match="does not have"):
        training_needs(kota, period="2025", indicators=["integritas"])
