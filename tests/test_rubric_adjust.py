"""Rater-adjusted scoring: wb.score(..., adjust_raters=True) and the adjusted dataset."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.errors import DataContractError, ParameterError
from workbench.rubric.adjust import adjusted_dataset, adjusted_ratings

RINCI = "permenpanrb-6-2022-rinci"


@pytest.fixture(scope="module")
def pair(kota):
    adj = wb.score(kota, RINCI, period="2025", adjust_raters=True)
    raw = wb.score(kota, RINCI, period="2025")
    return adj, raw


def _residual(frame: pd.DataFrame, truth: pd.Series) -> pd.Series:
    y = frame["perilaku_kerja"]
    return y - np.polyval(np.polyfit(truth, y, 1), truth)


def test_adjustment_removes_the_planted_leniency_of_the_atasan(kota, pair):
    adj, raw = (s.to_frame().set_index("employee_id") for s in pair)
    truth = wb.data.read_truth("kota_contoh")
    true_perilaku = truth.employees.set_index("employee_id")["true_perilaku"].reindex(adj.index)
    kind = (kota.roster[kota.roster["period"] == "2025"].set_index("employee_id")["supervisor_id"]
            .reindex(adj.index).map(truth.raters.set_index("rater_id")["kind"]))
    r_raw = _residual(raw, true_perilaku).groupby(kind).mean()
    r_adj = _residual(adj, true_perilaku).groupby(kind).mean()
    # employees of a lenient (severe) atasan score higher (lower) than their true behaviour
    # explains; the adjustment removes most of it
    assert r_raw["lenient"] > 0.3 and r_raw["severe"] < -0.3
    assert abs(r_adj["lenient"]) < r_raw["lenient"] / 3 and abs(r_adj["severe"]) < -r_raw["severe"] / 3
    assert np.corrcoef(adj["perilaku_kerja"], true_perilaku)[0, 1] > \
        np.corrcoef(raw["perilaku_kerja"], true_perilaku)[0, 1]


def test_adjusted_scores_stay_in_the_scale_and_notes_say_what_was_adjusted(pair):
    adj, raw = pair
    detail = adj.detail
    assert detail[list(wb.data.synth.BERAKHLAK)].stack().between(1, 5).all()
    # IKI has one rater per employee: left as it is, and said so
    pd.testing.assert_frame_equal(detail[["iki_kuantitas", "iki_kualitas", "iki_waktu"]],
                                  raw.detail[["iki_kuantitas", "iki_kualitas", "iki_waktu"]])
    assert any("iki_kualitas" in n and "not adjusted" in n for n in adj.notes)
    assert any("scale 1-5" in n and "adjusted for leniency" in n for n in adj.notes)
    assert adj.parameters["adjust_raters"] and not raw.parameters["adjust_raters"]
    assert not (detail["kolaboratif"] == raw.detail["kolaboratif"]).all()


def test_one_rater_per_employee_changes_nothing(kota):
    adj = wb.score(kota, "permenpanrb-6-2022", period="2025", adjust_raters=True)
    raw = wb.score(kota, "permenpanrb-6-2022", period="2025")
    assert (adj.to_frame()["predikat"] == raw.to_frame()["predikat"]).all()
    assert all("not adjusted" in n for n in adj.notes if n.startswith("2025"))


def test_bad_scores_are_still_refused_and_dask_is_refused(kota):
    ratings = kota.subset(period="2025").ratings.copy()
    ratings.loc[ratings.index[ratings["indicator"] == "loyal"][0], "score"] = 7.0
    with pytest.raises(DataContractError, match="outside the scale"):
        wb.score(ratings, RINCI, roster=kota.roster, adjust_raters=True)
    clipped, _ = adjusted_ratings(ratings, wb.load_rubric(RINCI))
    assert clipped["score"].max() <= 200 and clipped.loc[ratings["indicator"] == "loyal", "score"].max() <= 5
    dd = pytest.importorskip("dask.dataframe")
    with pytest.raises(ParameterError, match="in memory"):
        wb.score(dd.from_pandas(ratings, npartitions=2), RINCI, roster=kota.roster, adjust_raters=True)


def test_rater_is_the_pair_of_person_and_role(kota):
    rubric = wb.load_rubric(RINCI)
    ratings = kota.subset(period="2025").ratings
    out, _ = adjusted_ratings(ratings, rubric)
    berakhlak = ratings["indicator"].isin(wb.data.synth.BERAKHLAK)
    shift = (out.loc[berakhlak, "score"] - ratings.loc[berakhlak, "score"]).groupby(
        ratings.loc[berakhlak, "rater_role"].astype(str)).mean()
    # self-ratings carry the planted self bias (+0.4): their adjustment is downward on average
    assert shift["diri"] < -0.1 < shift["atasan"]


def test_adjusted_dataset_feeds_the_weighting_laboratory(kota):
    rubric = wb.load_rubric(RINCI)
    ds = adjusted_dataset(kota.subset(period="2025"), rubric)
    assert ds.meta["rater_adjustment"]
    fast = wb.weights.scores_frame(ds, rubric).set_index("employee_id")["predikat"]
    slow = wb.score(kota, rubric, period="2025", adjust_raters=True).to_frame().set_index("employee_id")["predikat"]
    assert (fast.reindex(slow.index).astype(str) == slow.astype(str)).all()
    u = wb.weights.uncertainty(ds, rubric, n_draws=20, perturb=0.0)
    assert bool((u.to_frame()["p_nominal"] == 1).all())
