"""PP 46/2011 per-activity SKP formula."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.errors import ParameterError
from workbench.rubric.skp import activity_value, efficiency_value, skp_value


def test_worked_example_full_achievement_12_of_12_months_gives_92():
    assert activity_value(to=1, ro=1, tk=100, rk=100, tw=12, rw=12)[0] == pytest.approx(92.0)
    assert efficiency_value(12, 12) == pytest.approx(76.0)


def test_quality_90_gives_266_over_3():
    assert activity_value(to=10, ro=10, tk=100, rk=90, tw=12, rw=12)[0] == pytest.approx(266 / 3)


def test_efficiency_branches():
    # e <= 24: ((1.76 TW - RW) / TW) * 100 ; e > 24: 76 - ((((1.76 TW - RW)/TW)*100) - 100)
    tw = np.array([12.0, 12.0, 10.0])
    rw = np.array([10.0, 6.0, 7.6])   # e = 16.7 %, 50 %, 24 %
    expected = [(1.76 * 12 - 10) / 12 * 100, 76 - ((1.76 * 12 - 6) / 12 * 100 - 100), (1.76 * 10 - 7.6) / 10 * 100]
    np.testing.assert_allclose(efficiency_value(tw, rw), expected)


def test_cost_aspect_and_zero_output():
    v = activity_value(to=[1, 1, 1], ro=[1, 1, 0], tk=100, rk=100, tw=12, rw=12,
                       tb=[np.nan, 1000, 1000], rb=[np.nan, 1000, 1000])
    np.testing.assert_allclose(v, [92.0, (100 + 100 + 76 + 76) / 4, 0.0])


def test_skp_value_and_errors():
    acts = pd.DataFrame({"employee_id": ["a", "a", "b"], "to": 1, "ro": [1, 1, 1], "tk": 100,
                         "rk": [100, 80, 100], "tw": 12, "rw": 12})
    out = skp_value(acts).set_index("employee_id")
    assert out.loc["a", "skp"] == pytest.approx((92 + (100 + 80 + 76) / 3) / 2)
    assert out.loc["b", "n_activities"] == 1
    with pytest.raises(ParameterError, match="above 0"):
        activity_value(to=0, ro=1, tk=100, rk=100, tw=12, rw=12)
    with pytest.raises(ParameterError, match="lacks the columns"):
        skp_value(acts.drop(columns="rw"))
