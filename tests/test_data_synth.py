"""The generator: reproducible, realistic, and its truth is really in the data."""

from __future__ import annotations

import numpy as np
import pandas as pd

import workbench as wb
from workbench.data import synth


def test_same_seed_same_data_and_different_seed_differs():
    a = synth.generate(n_employees=150, seed=3).dataset.ratings
    b = synth.generate(n_employees=150, seed=3).dataset.ratings
    c = synth.generate(n_employees=150, seed=4).dataset.ratings
    pd.testing.assert_frame_equal(a, b)
    assert not a["score"].equals(c["score"])


def test_committed_sample_is_what_the_generator_writes(kota):
    from workbench.data.__main__ import SEED

    syn = synth.generate(seed=SEED)
    pd.testing.assert_frame_equal(syn.dataset.ratings, kota.ratings)
    truth = wb.data.read_truth("kota_contoh")
    np.testing.assert_allclose(truth.employees["true_hasil"], syn.truth.employees["true_hasil"], atol=1e-6)


def test_nips_are_plausible_and_unique(kota):
    from workbench.data.normalize import nip_warnings

    ids = kota.roster["employee_id"].drop_duplicates()
    assert ids.str.fullmatch(r"\d{18}").all()
    assert nip_warnings(ids).isna().all()
    year = kota.roster[kota.roster["period"] == "2025"]
    assert year["birth_year"].astype(str).eq(year["employee_id"].str[:4]).all()
    assert year["gender"].eq(year["employee_id"].str[14].map({"1": "L", "2": "P"})).all()


def test_overall_leniency_matches_the_national_picture(kota):
    # about 95 % of ASN are rated Baik or better: most e-Kinerja ratings are "Sesuai"
    ek = kota.ratings[kota.ratings["indicator"].isin(["hasil_kerja", "perilaku_kerja"])]
    wide = ek.pivot_table(index=["employee_id", "period"], columns="indicator", values="score")
    baik_or_better = ((wide["hasil_kerja"] >= 2) & (wide["perilaku_kerja"] >= 2)).mean()
    assert 0.90 <= baik_or_better <= 0.98


def test_planted_leniency_shows_in_the_data():
    syn = synth.generate(n_employees=600, seed=11)
    r = syn.dataset.ratings
    year = r[(r["period"] == "2025") & (r["rater_role"] != "diri") & r["indicator"].isin(synth.BERAKHLAK)]
    # a rater's score minus the employee's mean over all raters: leniency shows, true performance cancels
    resid = year["score"] - year.groupby("employee_id")["score"].transform("mean")
    by_rater = resid.groupby(year["rater_id"]).mean()
    kinds = syn.truth.raters.set_index("rater_id")["kind"].reindex(by_rater.index)
    assert by_rater[kinds == "lenient"].mean() > by_rater[kinds == "none"].mean() + 0.3
    assert by_rater[kinds == "severe"].mean() < by_rater[kinds == "none"].mean() - 0.3


def test_objective_iki_does_not_depend_on_rater_but_on_truth():
    syn = synth.generate(n_employees=800, seed=5)
    r = syn.dataset.ratings
    iki = r[r["indicator"] == "iki_kuantitas"].groupby("employee_id")["score"].mean()
    truth = syn.truth.employees.set_index("employee_id")["true_hasil"].reindex(iki.index)
    assert np.corrcoef(iki, truth)[0, 1] > 0.9


def test_no_rater_effects_option_plants_none():
    syn = synth.generate(n_employees=100, seed=2, rater_effects=False)
    assert (syn.truth.raters["leniency"] == 0).all() and (syn.truth.raters["kind"] == "none").all()
