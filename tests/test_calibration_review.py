"""Indicator review: a planted ceiling indicator, a planted redundant pair and a planted
hard-to-measure indicator are flagged, with the evidence; nothing else is."""

from __future__ import annotations

import numpy as np
import pytest
from _planted import planted

import workbench as wb
from workbench.calibration import indicator_review
from workbench.errors import ParameterError


@pytest.fixture(scope="module")
def review():
    return indicator_review(planted(7).dataset)


def test_planted_problems_are_flagged_and_nothing_else(review):
    assert review.has("saturated") == ["loyal"]
    assert sorted(review.has("redundant")) == ["akuntabel", "berorientasi_pelayanan"]
    assert review.has("hard_to_measure") == ["harmonis"]
    assert sorted(review.flagged["indicator"]) == ["akuntabel", "berorientasi_pelayanan", "harmonis", "loyal"]
    t = review.to_frame().set_index("indicator")
    assert t.loc["akuntabel", "redundant_with"] == "berorientasi_pelayanan"
    assert "korelasi 0,9" in t.loc["akuntabel", "evidence"]  # Indonesian decimals
    assert t.loc["loyal", "share_ceiling"] > 0.6 and "penilaian di nilai tertinggi" in t.loc["loyal", "evidence"]
    assert t.loc["harmonis", "reliability"] < 0.25 and "ICC(1,1)" in t.loc["harmonis", "evidence"]


def test_review_numbers_match_independent_computations(review):
    p = planted(7)
    r = p.dataset.ratings
    t = review.to_frame().set_index("indicator")
    loyal = r[r["indicator"] == "loyal"]["score"]
    assert t.loc["loyal", "share_ceiling"] == pytest.approx((loyal == 5).mean())
    assert t.loc["loyal", "share_floor"] == pytest.approx((loyal == 1).mean())
    pingouin = pytest.importorskip("pingouin")
    part = r[r["indicator"] == "kompeten"].copy()
    part["slot"] = part.groupby("employee_id").cumcount()  # one-way: raters differ per employee
    ref = pingouin.intraclass_corr(part, targets="employee_id", raters="slot", ratings="score").set_index("Type")
    assert t.loc["kompeten", "reliability"] == pytest.approx(ref.loc["ICC(1,1)", "ICC"], abs=1e-6)
    assert t.loc["kompeten", "reliability_mean"] == pytest.approx(ref.loc["ICC(1,k)", "ICC"], abs=1e-6)
    detail = wb.score(p.dataset, "permenpanrb-6-2022-rinci").detail
    assert t.loc["akuntabel", "max_correlation"] == pytest.approx(
        np.corrcoef(detail["akuntabel"], detail["berorientasi_pelayanan"])[0, 1])
    # IKI: one rater per employee, no inter-rater reliability, never flagged for it
    assert np.isnan(t.loc["iki_waktu", "reliability"]) and t.loc["iki_waktu", "flags"] == ""
    # effective weights of a dimension add up to 1
    assert t.groupby("dimension")["effective_weight"].sum().round(9).tolist() == [1.0, 1.0]


def test_the_sample_has_no_flag_and_english_evidence(kota):
    review = indicator_review(kota, period="2025", lang="en")
    assert review.flagged.empty
    strict = indicator_review(planted(7).dataset, lang="en")
    assert "Saturated: " in strict.to_frame().set_index("indicator").loc["loyal", "evidence"]
    with pytest.raises(ParameterError, match="pass `period=`"):
        indicator_review(kota)
    with pytest.raises(ParameterError, match="max_correlation"):
        indicator_review(kota, period="2025", max_correlation=1.5)
    with pytest.raises(ParameterError, match="flag"):
        review.has("jenuh")
