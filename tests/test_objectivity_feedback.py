"""Rater feedback: content, language, privacy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.errors import DataContractError, ParameterError
from workbench.objectivity import rater_effects, rater_feedback, rater_feedback_pages

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


def test_one_pass_pages_equal_the_single_rater_pages():
    """rater_feedback_pages shares one fit and per-unit distributions between pages; each
    page equals what rater_feedback builds alone (metrics table, text, unit), for raters
    of every unit, a rater who cannot be estimated, both languages and both models."""
    emp = VALUES.loc[VALUES["rater_role"] == "atasan", "employee_id"].iloc[0]
    one = VALUES[(VALUES["employee_id"] == emp) & (VALUES["rater_role"] == "atasan")].assign(
        rater_id="PENILAI_SATU", rater_role="rekan", score=1.0)
    values = pd.concat([VALUES, one], ignore_index=True)
    eff = rater_effects(values)
    pages = rater_feedback_pages(values, effects=eff)
    assert list(pages) == sorted(values["rater_id"].astype(str).unique())
    by_unit = values.groupby("unit")["rater_id"].first().tolist()
    sample = sorted(set(by_unit) | {"PENILAI_SATU", *EFF.flagged["rater_id"].head(3)})
    for rid in sample:
        alone = rater_feedback(values, rid, effects=eff)
        assert pages[rid].text == alone.text
        assert pages[rid].unit == alone.unit and pages[rid].rater_id == alone.rater_id
        pd.testing.assert_frame_equal(pages[rid].to_frame(), alone.to_frame(), check_exact=True)
    # the mid-rank percentile, recomputed from the raw leniencies
    lens = eff.to_frame().set_index("rater_id")["leniency"].dropna()
    rid = sample[0]
    v = lens.get(rid, np.nan)
    if np.isfinite(v):
        want = (lens < v).mean() + 0.5 * (lens == v).mean()
        got = pages[rid].to_frame().set_index("metric").loc["leniency", "percentile_city"]
        assert got == pytest.approx(want, abs=1e-15)
    en = rater_feedback_pages(values, sample[:3], lang="en", effects=eff)
    assert list(en) == sample[:3]
    for rid in sample[:3]:
        assert en[rid].text == rater_feedback(values, rid, lang="en", effects=eff).text
    with pytest.raises(DataContractError, match="no ratings"):
        rater_feedback_pages(values, ["nobody"], effects=eff)


def test_one_pass_pages_with_the_rasch_model():
    small = VALUES[VALUES["unit"].isin(sorted(VALUES["unit"].unique())[:3])]
    fit = wb.objectivity.rasch_facets(small)
    pages = rater_feedback_pages(small, model="rasch", rasch=fit)
    for rid in list(pages)[:: max(1, len(pages) // 8)]:
        alone = rater_feedback(small, rid, model="rasch", rasch=fit)
        assert pages[rid].text == alone.text
        pd.testing.assert_frame_equal(pages[rid].to_frame(), alone.to_frame(), check_exact=True)
