"""Rater feedback: content, language, privacy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.errors import DataContractError, ParameterError
from workbench.objectivity import rater_effects, rater_feedback

DS = wb.read_sample("kota_contoh")
R = DS.with_roster(["unit"])
VALUES = R[(R["period"] == "2025") & R["indicator"].isin(wb.data.synth.BERAKHLAK)]
EFF = rater_effects(VALUES)


def test_feedback_for_a_flagged_rater():
    rid = EFF.flagged["rater_id"].iloc[0]
    fb = rater_feedback(VALUES, rid, effects=EFF)
    t = fb.to_frame().set_index("metric")
    assert t.loc["leniency", "flag"]
    assert 0 <= t.loc["leniency", "percentile_city"] <= 1
    assert t.loc["leniency", "n_raters_city"] == int(EFF.to_frame()["estimable"].sum())
    assert "Umpan balik" in fb._repr_html_() and "signifikan" in fb.text
    en = rater_feedback(VALUES, rid, effects=EFF, lang="en")
    assert "statistically significant" in en.text


def test_one_ratee_rater_is_not_estimable_and_never_significant():
    # a peer who rated one colleague (also rated by an atasan) with the lowest score on every value
    emp = VALUES.loc[VALUES["rater_role"] == "atasan", "employee_id"].iloc[0]
    one = VALUES[(VALUES["employee_id"] == emp) & (VALUES["rater_role"] == "atasan")].assign(
        rater_id="PENILAI_SATU", rater_role="rekan", score=1.0)
    values = pd.concat([VALUES, one], ignore_index=True)
    eff = rater_effects(values).to_frame().set_index("rater_id").loc["PENILAI_SATU"]
    assert not eff["estimable"] and not eff["flag"] and np.isnan(eff["leniency"])
    for lang, phrase, banned in (("id", "tidak dapat diperkirakan", "signifikan"),
                                 ("en", "cannot be estimated", "significant")):
        fb = rater_feedback(values, "PENILAI_SATU", lang=lang)
        assert phrase in fb.text and "1" in fb.text
        assert banned not in fb.text
        row = fb.to_frame().set_index("metric").loc["leniency"]
        assert not row["estimable"] and not row["flag"] and "1 ratee" in row["reason"]


def test_feedback_holds_no_employee_ids_or_names():
    rid = VALUES["rater_id"].value_counts().index[0]
    fb = rater_feedback(VALUES, rid, effects=EFF)
    blob = fb.text + fb.to_frame().to_string() + fb._repr_html_()
    others = set(VALUES["employee_id"]) - {rid}
    assert not any(e in blob for e in others)
    names = set(DS.roster["name"])
    assert not any(n in blob for n in names)


def test_feedback_errors():
    with pytest.raises(DataContractError, match="no ratings"):
        rater_feedback(VALUES, "nobody", effects=EFF)
    with pytest.raises(ParameterError, match="lang"):
        rater_feedback(VALUES, VALUES["rater_id"].iloc[0], lang="fr")
