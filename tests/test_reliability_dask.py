"""The same code path on Dask: group-by aggregates, compute only the aggregate."""

from __future__ import annotations

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from test_reliability_helpers import long_from_wide, random_scores

from workbench import reliability as rel


@pytest.fixture(scope="module")
def frames():
    rng = np.random.default_rng(0)
    x = random_scores(rng, 60, 4, missing=0.2, categories=5)
    pdf = long_from_wide(x)
    pdf["indicator"] = np.where(np.arange(len(pdf)) % 3 == 0, "kompeten", "loyal")
    return pdf, dd.from_pandas(pdf, npartitions=3)


def _same(a, b):
    fa = a.to_frame().drop(columns=["coefficient", "method"]).to_numpy(float)
    fb = b.to_frame().drop(columns=["coefficient", "method"]).to_numpy(float)
    np.testing.assert_allclose(fa, fb, rtol=1e-9, atol=1e-12, equal_nan=True)


def test_icc(frames):
    pdf, ddf = frames
    pd.testing.assert_frame_equal(rel.icc(pdf).to_frame(), rel.icc(ddf).to_frame(), check_exact=False, rtol=1e-9)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_alpha(frames, level):
    pdf, ddf = frames
    _same(rel.krippendorff_alpha(pdf, level=level, n_boot=100, seed=3),
          rel.krippendorff_alpha(ddf, level=level, n_boot=100, seed=3))


def test_agreement_family(frames):
    pdf, ddf = frames
    _same(rel.fleiss_kappa(pdf), rel.fleiss_kappa(ddf))
    _same(rel.gwet_ac(pdf, weighting="quadratic"), rel.gwet_ac(ddf, weighting="quadratic"))
    _same(rel.kendall_w(pdf), rel.kendall_w(ddf))
    _same(rel.percent_agreement(pdf), rel.percent_agreement(ddf))
    two = pdf[pdf.rater_id.isin(["R00", "R01"])]
    _same(rel.cohen_kappa(two, weighting="linear"),
          rel.cohen_kappa(dd.from_pandas(two, npartitions=3), weighting="linear"))


def test_g_study_and_by_group(frames):
    pdf, ddf = frames
    a, b = rel.g_study(pdf), rel.g_study(ddf)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame(), check_exact=False, rtol=1e-9)
    assert a.d_study().phi == pytest.approx(b.d_study().phi, rel=1e-12)
    ga = rel.by_group(pdf, by="indicator", coefficients=("icc", "alpha"), n_boot=0)
    gb = rel.by_group(ddf, by="indicator", coefficients=("icc", "alpha"), n_boot=0)
    pd.testing.assert_frame_equal(ga, gb, check_exact=False, rtol=1e-9)
    assert rel.krippendorff_alpha(ddf, n_boot=0).provenance.data_hash
