"""by_group: one tidy row per group x coefficient, NaN and a note instead of exceptions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_reliability_helpers import long_from_wide, random_scores

from workbench.errors import DataContractError, ParameterError
from workbench.reliability import by_group, icc, krippendorff_alpha


def _units() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    parts = []
    for unit, n in [("Dinas A", 20), ("Dinas B", 12), ("Kecil", 3)]:
        df = long_from_wide(random_scores(rng, n, 3, missing=0.1, categories=5), subject_prefix=unit[:2])
        parts.append(df.assign(unit=unit))
    return pd.concat(parts, ignore_index=True)


def test_tidy_table_with_notes():
    df = _units()
    out = by_group(df, by="unit", coefficients=("icc", "alpha", "fleiss_kappa", "cohen_kappa"), n_boot=50)
    assert list(out.columns) == ["unit", "coefficient", "estimate", "ci_low", "ci_high",
                                 "n_subjects", "n_raters", "note"]
    assert len(out) == 12
    a = out[(out.unit == "Dinas A") & (out.coefficient == "ICC(1,1)")].iloc[0]
    ref = icc(df[df.unit == "Dinas A"]).to_frame().loc["ICC(1,1)"]
    assert a.estimate == pytest.approx(ref["icc"]) and a.ci_low == pytest.approx(ref["ci_low"])
    b = out[(out.unit == "Dinas B") & out.coefficient.str.startswith("krippendorff")].iloc[0]
    assert b.estimate == pytest.approx(float(krippendorff_alpha(df[df.unit == "Dinas B"], n_boot=0)))
    small = out[out.unit == "Kecil"]
    assert small["estimate"].isna().all()
    assert small["note"].str.contains("at least 5").all()
    cohen = out[(out.coefficient == "cohen_kappa") & (out.unit != "Kecil")]
    assert cohen["estimate"].isna().all() and cohen["note"].str.contains("exactly two").all()


def test_by_several_columns_and_errors():
    df = _units().assign(indicator=lambda d: np.where(d.index % 2 == 0, "a", "b"))
    out = by_group(df, by=["unit", "indicator"], coefficients=("ICC(3,1)",), min_subjects=2)
    assert set(out.columns[:2]) == {"unit", "indicator"}
    assert (out["coefficient"] == "ICC(3,1)").all()
    with pytest.raises(DataContractError, match="merge the roster"):
        by_group(df, by="golongan")
    with pytest.raises(ParameterError, match="coefficients"):
        by_group(df, by="unit", coefficients=("kappa",))


def _peer_rows(seed: int, n_emp: int, dtype: str, missing: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    emp = np.repeat(np.arange(n_emp), rng.integers(1, 6, n_emp))
    n = emp.size
    df = pd.DataFrame({"employee_id": pd.array([f"A{e:05d}" for e in emp], dtype=dtype),
                       "rater_id": pd.array([f"R{r}" for r in rng.integers(0, 12, n)], dtype=dtype),
                       "score": rng.normal(3, 1, n) ** 3,
                       "unit": pd.array([f"Unit {e % 7}" for e in emp], dtype=dtype),
                       "level": (emp % 3).astype(np.int64)})
    df.loc[rng.random(n) < 0.05, "score"] = np.nan
    if missing:
        df.loc[rng.random(n) < 0.05, "rater_id"] = None
    return df


@pytest.mark.parametrize("dtype", ["str", "string", "object", "category"])
@pytest.mark.parametrize("missing", [False, True])
@pytest.mark.parametrize("by", [["unit"], ["unit", "level"]])
def test_group_sums_from_codes_equal_the_pandas_group_bys_bit_for_bit(dtype, missing, by):
    from workbench.reliability.grouped import (
        _group_raters,
        _group_raters_grouped,
        _subject_sums,
        _subject_sums_grouped,
    )

    for seed, n_emp in [(0, 0), (1, 2), (2, 300), (3, 4000)]:
        df = _peer_rows(seed, n_emp, dtype, missing)
        shuffled = df.sample(frac=1, random_state=seed)
        for part in (df, shuffled):
            pd.testing.assert_frame_equal(_subject_sums(part, by, "employee_id", "rater_id", "score"),
                                          _subject_sums_grouped(part, by, "employee_id", "rater_id", "score"),
                                          check_exact=True)
            pd.testing.assert_frame_equal(_group_raters(part, by, "rater_id", "score"),
                                          _group_raters_grouped(part, by, "rater_id", "score"), check_exact=True)
