"""Edge cases the audit found: the ICC result object, nested designs, identical ratings,
one subject, infinite scores. References: R psych::ICC and lme4::lmer (values transcribed,
see below), g_study(nested=...), and the other coefficients' own behaviour."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from workbench.errors import DataContractError
from workbench.reliability import (
    ICC,
    cohen_kappa,
    fleiss_kappa,
    g_study,
    gwet_ac,
    icc,
    kendall_w,
    krippendorff_alpha,
    percent_agreement,
)

# 10 employees, each rated by 3 raters of their own (raters nested in employees)
NESTED = np.array([[3, 3, 1], [4, 3, 5], [4, 5, 4], [4, 4, 3], [4, 5, 4], [1, 2, 1], [3, 1, 3],
                   [1, 1, 1], [3, 3, 3], [4, 4, 5]], dtype=float)
# 12 employees with 2-4 raters of their own
UNBALANCED = [(0, 3), (0, 4), (1, 4), (1, 5), (1, 5), (2, 2), (2, 3), (2, 4), (2, 3), (3, 4), (3, 5),
              (3, 3), (4, 5), (4, 5), (4, 5), (4, 5), (5, 4), (5, 2), (5, 2), (5, 2), (6, 1), (6, 2),
              (6, 3), (6, 3), (7, 1), (7, 1), (7, 1), (7, 2), (8, 3), (8, 4), (8, 3), (9, 4), (9, 3),
              (9, 3), (9, 4), (10, 4), (10, 3), (11, 5), (11, 5)]


def _nested(x: np.ndarray) -> pd.DataFrame:
    n, k = x.shape
    return pd.DataFrame({"employee_id": np.repeat([f"E{i:02d}" for i in range(n)], k),
                         "rater_id": [f"E{i:02d}-R{j}" for i in range(n) for j in range(k)],
                         "score": x.ravel()})


def _unbalanced() -> pd.DataFrame:
    return pd.DataFrame({"employee_id": [f"E{i:02d}" for i, _ in UNBALANCED],
                         "rater_id": [f"R{j:03d}" for j in range(len(UNBALANCED))],
                         "score": [float(s) for _, s in UNBALANCED]})


def test_icc_returns_a_result_object_and_old_access_warns():
    res = icc(_nested(NESTED))
    assert isinstance(res, ICC)
    frame = res.to_frame()
    assert list(frame.columns) == ["icc", "ci_low", "ci_high", "f", "df1", "df2", "pval", "method"]
    assert res.n_subjects == 10 and res.n_ratings == 30
    one = res.form("ICC(1,1)")
    assert float(one) == pytest.approx(frame.loc["ICC(1,1)", "icc"])
    assert one.to_frame().loc[0, "coefficient"] == "ICC(1,1)"
    assert res.provenance.parameters["confidence"] == 0.95
    with pytest.warns(DeprecationWarning, match="to_frame"):
        assert res["icc"].equals(frame["icc"])
    with pytest.warns(DeprecationWarning):
        assert res.loc["ICC(1,1)", "icc"] == frame.loc["ICC(1,1)", "icc"]
    with pytest.warns(DeprecationWarning):
        assert list(res.columns) == list(frame.columns)
    with pytest.warns(DeprecationWarning):
        assert res.attrs["n_subjects"] == 10
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res.to_frame(), res.form(), repr(res), res._repr_html_()


def test_icc_on_a_nested_design_matches_psych_and_lme4():
    res = icc(_nested(NESTED))
    t = res.to_frame()
    # R 4.2.2, psych 2.2.9: ICC(x, lmer = FALSE) on the 10 x 3 matrix NESTED (columns =
    # first, second, third rater of each employee): ICC1 .7272727273, F 9 on 9 and 20 df,
    # p 2.536505059e-05, 95 % CI .4200514685-.9142909781; ICC1k .8888888889, CI
    # .6848282127-.9696989434. lme4 1.1.31, lmer(score ~ 1 + (1 | emp), REML = TRUE):
    # employee variance 1.422222225, residual .533333333: ICC(1,1) = .7272727278.
    assert t.loc["ICC(1,1)", "icc"] == pytest.approx(0.7272727273, abs=1e-9)
    assert t.loc["ICC(1,1)", "f"] == pytest.approx(9.0)
    assert (t.loc["ICC(1,1)", "df1"], t.loc["ICC(1,1)", "df2"]) == (9, 20)
    assert t.loc["ICC(1,1)", "pval"] == pytest.approx(2.536505059e-05, rel=1e-8)
    assert t.loc["ICC(1,1)", ["ci_low", "ci_high"]].tolist() == pytest.approx([0.4200514685, 0.9142909781], abs=1e-9)
    assert t.loc["ICC(1,k)", "icc"] == pytest.approx(0.8888888889, abs=1e-9)
    assert t.loc["ICC(1,k)", ["ci_low", "ci_high"]].tolist() == pytest.approx([0.6848282127, 0.9696989434], abs=1e-9)
    assert 1.422222225 / (1.422222225 + 0.533333333) == pytest.approx(t.loc["ICC(1,1)", "icc"], abs=1e-8)
    # the two-way forms cannot be estimated when raters are nested: NaN and a note
    assert t.loc[["ICC(2,1)", "ICC(3,1)", "ICC(2,k)", "ICC(3,k)"], "icc"].isna().all()
    assert any("nested" in n for n in res.notes)


def test_icc_on_an_unbalanced_nested_design_matches_g_study_and_r_anova():
    df = _unbalanced()
    t = icc(df).to_frame()
    g = g_study(df, nested={"rater_id": "employee_id"})
    var = g.components.set_index("component")["raw_variance"]
    assert t.loc["ICC(1,1)", "icc"] == pytest.approx(var.iloc[0] / var.sum(), rel=1e-9)
    # R 4.2.2 anova(lm(score ~ emp)): employees 11 df, mean square 4.439393939; residuals
    # 27 df, 0.512345679; F 8.66484 (lme4's REML estimate, .690, is a different estimator)
    assert t.loc["ICC(1,1)", "f"] == pytest.approx(4.439393939 / 0.512345679, rel=1e-8)
    assert (t.loc["ICC(1,1)", "df1"], t.loc["ICC(1,1)", "df2"]) == (11, 27)


def test_fleiss_kappa_on_identical_ratings_is_nan_with_a_note():
    df = _nested(np.full((6, 3), 2.0)).assign(rater_id=lambda d: d["rater_id"].str[-2:])
    res = fleiss_kappa(df)
    assert np.isnan(float(res)) and np.isnan(res.se) and np.isnan(res.ci_low)
    assert any("single category" in n or "no variation" in n for n in res.notes)
    # as the other coefficients on the same table
    assert np.isnan(float(gwet_ac(df))) or float(gwet_ac(df)) == pytest.approx(1.0)
    assert np.isnan(float(krippendorff_alpha(df, n_boot=0)))
    assert float(percent_agreement(df)) == 1.0


def test_one_subject_raises_for_alpha_as_for_icc():
    one = _nested(NESTED[:1]).assign(rater_id=lambda d: d["rater_id"].str[-2:])
    with pytest.raises(DataContractError, match="at least 2"):
        icc(one)
    with pytest.raises(DataContractError, match="at least 2"):
        krippendorff_alpha(one, n_boot=100)


@pytest.mark.parametrize("func", [icc, krippendorff_alpha, fleiss_kappa, gwet_ac, kendall_w,
                                  percent_agreement, cohen_kappa])
@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_infinite_scores_are_rejected_with_the_rows(func, bad):
    df = _nested(NESTED[:6, :2]).assign(rater_id=lambda d: d["rater_id"].str[-2:])
    df.loc[3, "score"] = bad
    with pytest.raises(DataContractError, match="infinite") as exc:
        func(df)
    cases = exc.value.failure_cases
    assert list(cases["line"]) == [3] and cases["column"].iloc[0] == "score"


def test_infinite_scores_are_rejected_by_g_study_and_objectivity():
    from workbench.objectivity import halo, rater_effects, spread

    df = _nested(NESTED[:6, :2]).assign(rater_id=lambda d: d["rater_id"].str[-2:], indicator="x")
    df.loc[3, "score"] = np.inf
    for call in (lambda: g_study(df), lambda: rater_effects(df), lambda: spread(df)):
        with pytest.raises(DataContractError, match="infinite"):
            call()
    with pytest.raises(DataContractError, match="infinite"):
        halo(pd.concat([df, df.assign(indicator="y")], ignore_index=True))
