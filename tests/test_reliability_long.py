"""The long -> cells step: fast paths agree with the plain pandas route they replace."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_reliability_helpers import long_from_wide, random_scores

from workbench.errors import DataContractError
from workbench.reliability import icc, krippendorff_alpha
from workbench.reliability._long import _RUN_PROBE, _factorize, cells
from workbench.reliability.alpha import _codes

N = 3 * _RUN_PROBE  # long enough for the pyarrow paths


def _check_factorize(values: pd.Series, sort: bool) -> None:
    codes, labels = _factorize(values, sort=sort)
    ref_codes, ref_labels = pd.factorize(values, sort=True)
    assert len(labels) == len(ref_labels)
    assert labels.dtype == pd.Index(ref_labels).dtype
    # same partition of the rows, and each row's label is its value
    assert (labels.take(codes) == values.to_numpy()).all()
    if sort:
        np.testing.assert_array_equal(codes, ref_codes)
        assert labels.equals(pd.Index(ref_labels))
    else:
        assert sorted(labels.tolist()) == sorted(ref_labels.tolist())


def _ids(rng: np.random.Generator, layout: str, n_ids: int = 900) -> np.ndarray:
    ids = np.array([f"19{i * 7919 % 10**6:016d}" for i in range(n_ids)])
    if layout == "sorted":  # grouped, in increasing order (the usual export)
        return np.sort(np.repeat(ids, N // n_ids))
    if layout == "grouped":  # grouped, in no order; one id in two separate runs
        x = np.repeat(rng.permutation(ids), N // n_ids)
        x[: N // n_ids // 2] = ids[3]
        return x
    return rng.choice(ids, size=N)  # rows in no order


@pytest.mark.parametrize("layout", ["sorted", "grouped", "shuffled"])
@pytest.mark.parametrize(
    "dtype", ["str", "string[pyarrow]", pd.ArrowDtype(pa.large_string()), object, "string[python]"]
)
@pytest.mark.parametrize("sort", [False, True])
def test_factorize_strings_matches_pandas(layout, dtype, sort):
    values = pd.Series(_ids(np.random.default_rng(0), layout), dtype=dtype)
    _check_factorize(values, sort)


@pytest.mark.parametrize(
    "ids",
    [
        np.repeat(np.arange(500), 7),  # 0 .. n-1: the ids are the codes
        np.repeat(np.arange(500) * 3 - 700, 7),  # negative, with gaps
        np.arange(2000) * 10**9,  # sparse: hashed
        np.random.default_rng(1).permutation(np.repeat(np.arange(50, 90, dtype=np.int32), 3)),
        np.repeat(np.arange(300, dtype=np.uint16), 2),
    ],
)
def test_factorize_integers_matches_pandas(ids):
    _check_factorize(pd.Series(ids), sort=True)


@settings(max_examples=25, deadline=None)
@given(
    runs=st.lists(st.sampled_from(["a", "b", "ab", "ba", "Zz", "é", "ä", ""]), min_size=1, max_size=30),
    lengths=st.lists(st.integers(1, 600), min_size=30, max_size=30),
    sort=st.booleans(),
)
def test_factorize_runs_property(runs, lengths, sort):
    values = np.repeat(np.array(runs, dtype=object), lengths[: len(runs)])
    reps = -(-(_RUN_PROBE + 1) // len(values))  # long enough for the run path
    _check_factorize(pd.Series(np.tile(values, reps), dtype="str"), sort)


def _complete(n: int = 2000, k: int = 4) -> pd.DataFrame:
    x = random_scores(np.random.default_rng(3), n, k)
    return long_from_wide(x)


def test_grid_of_a_complete_design_in_any_row_order():
    df = _complete()
    wide = df.pivot(index="employee_id", columns="rater_id", values="score")
    for d in (df, df.sample(frac=1, random_state=1), df.astype({"employee_id": object})):
        c = cells(d, "employee_id", "rater_id", "score", "t")
        assert c.grid is not None
        got = pd.DataFrame(c.grid, index=c.subject_labels, columns=c.rater_labels)
        pd.testing.assert_frame_equal(got.loc[wide.index, wide.columns], wide,
                                      check_names=False, check_index_type=False,
                                      check_column_type=False)
        np.testing.assert_array_equal(c.grid[c.subject, c.rater], c.total)
        np.testing.assert_array_equal(c.total_sq, c.total**2)


def test_no_grid_for_incomplete_designs_and_counts_for_duplicates():
    df = _complete(50, 3)
    assert cells(df.iloc[1:], "employee_id", "rater_id", "score", "t").grid is None
    dup = pd.concat([df, df.iloc[:2].assign(score=[10.0, 20.0])], ignore_index=True)
    c = cells(dup, "employee_id", "rater_id", "score", "t")
    assert c.grid is None and int(c.count.max()) == 2
    first = (c.subject == c.subject[np.argmax(c.count)]) & (c.rater == c.rater[np.argmax(c.count)])
    assert c.total_sq[first][0] == pytest.approx(df.score.iloc[0] ** 2 + 100.0)
    with pytest.raises(DataContractError, match="cells have several"):
        c.require_single("icc")


@pytest.mark.parametrize("layout", ["sorted", "shuffled", "object", "integer"])
def test_icc_and_alpha_do_not_depend_on_the_layout(layout):
    x = random_scores(np.random.default_rng(4), 1500, 4, missing=0.1, categories=5)
    df = long_from_wide(x)
    ref_icc, ref_alpha = icc(df).to_frame(), krippendorff_alpha(df, level="ordinal", n_boot=50)
    if layout == "shuffled":
        df = df.sample(frac=1, random_state=2)
    elif layout == "object":
        df = df.astype({"employee_id": object, "rater_id": object})
    elif layout == "integer":
        df = df.assign(employee_id=df.employee_id.str[1:].astype(int) + 10**6,
                       rater_id=df.rater_id.str[1:].astype(int))
    np.testing.assert_allclose(icc(df).to_frame().iloc[:, :7].to_numpy(), ref_icc.iloc[:, :7].to_numpy(),
                               rtol=1e-11)
    got = krippendorff_alpha(df, level="ordinal", n_boot=50)
    assert got.estimate == pytest.approx(ref_alpha.estimate, rel=1e-11)
    if layout != "shuffled":  # the bootstrap draws employees in order of appearance
        assert (got.ci_low, got.ci_high) == pytest.approx((ref_alpha.ci_low, ref_alpha.ci_high),
                                                          rel=1e-11)


@pytest.mark.parametrize(
    "y",
    [
        np.array([3.0, 1.0, 5.0, 1.0, 3.0]),  # a gap (no 2, no 4)
        np.array([-2.0, 0.0, -0.0, 7.0, 7.0, -2.0]),
        np.array([1.0, 2.5, 1.0]),  # not whole numbers: hashed
        np.array([0.0, 1e300, 5.0]),  # out of the exact range
        np.arange(10.0),
    ],
)
def test_alpha_value_codes_match_factorize(y):
    vals, code, counts = _codes(y)
    ref_code, ref_vals = pd.factorize(y, sort=True)
    np.testing.assert_array_equal(vals, ref_vals)
    np.testing.assert_array_equal(code, ref_code)
    np.testing.assert_array_equal(counts, np.bincount(ref_code))
