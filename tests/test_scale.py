"""The national chain: the Dask paths (threads, dask.distributed) give the pandas path's results."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from workbench.data.synth_national import write_national
from workbench.errors import ParameterError
from workbench.reliability import by_group, oneway_icc_by_group
from workbench.scale import STEPS, national_chain, read_partitioned

dask = pytest.importorskip("dask")
distributed = pytest.importorskip("dask.distributed")

INSTANSI = "Instansi 001"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_national(tmp_path_factory.mktemp("national") / "data", 2_000, n_buckets=4, instansi_size=500,
                          seed=7)


@pytest.fixture(scope="module")
def runs(files, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    pandas_run = national_chain(files.folder, backend="pandas", instansi=INSTANSI, out=out / "pandas.html")
    with dask.config.set(scheduler="threads"):
        threads = national_chain(files.folder, instansi=INSTANSI, out=out / "threads.html")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster):
        dist = national_chain(files.folder, instansi=INSTANSI, out=out / "distributed.html")
        dist_scores = dist.scores.compute()
        dist_borderline = dist.borderline.compute()
    return {"pandas": (pandas_run, pandas_run.scores, pandas_run.borderline),
            "threads": (threads, threads.scores.compute(), threads.borderline.compute()),
            "distributed": (dist, dist_scores, dist_borderline)}


def _by_employee(frame):
    return frame.sort_values(["period", "employee_id"]).reset_index(drop=True)


def _report(run):
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "DATE", run.report.read_text(encoding="utf-8"))


@pytest.mark.parametrize("mode", ["threads", "distributed"])
def test_every_step_of_the_dask_chain_equals_the_pandas_chain(runs, files, mode):
    ref, ref_scores, ref_border = runs["pandas"]
    run, scores, border = runs[mode]
    assert run.to_frame()["step"].tolist() == list(STEPS)
    assert run.parameters["backend"] == "dask" and ref.parameters["backend"] == "pandas"
    # validate: every row read and kept
    assert run.validation.rows_read == ref.validation.rows_read == files.n_rating_rows
    assert run.validation.rows_rejected == ref.validation.rows_rejected == 0
    # score: one row per roster employee, the same rows
    assert len(scores) == files.n_employees
    pd.testing.assert_frame_equal(_by_employee(scores), _by_employee(ref_scores))
    # curve per unit, its rules and moves; the borderline employees
    assert len(run.curve.units) == files.n_units
    for table in ("units", "constraints", "moves"):
        pd.testing.assert_frame_equal(getattr(run.curve, table), getattr(ref.curve, table))
    assert run.curve.parameters == ref.curve.parameters
    assert len(ref_border) > 0
    key = ["unit", "employee_id"]
    pd.testing.assert_frame_equal(border.sort_values(key).reset_index(drop=True),
                                  ref_border.sort_values(key).reset_index(drop=True), check_dtype=False)
    # leadership aggregates, reliability, the published report
    pd.testing.assert_frame_equal(run.leadership, ref.leadership)
    pd.testing.assert_frame_equal(run.reliability, ref.reliability, rtol=1e-12)
    assert _report(run) == _report(ref)


def test_the_chain_agrees_with_the_in_memory_functions(runs, files):
    """The pandas chain is what one calls by hand: wb.score, wb.curve_check, the counts."""
    import workbench as wb

    run = runs["pandas"][0]
    ratings, roster, _ = read_partitioned(files.folder, backend="pandas")
    scores = wb.score(ratings, "permenpanrb-6-2022", roster=roster, period=files.period)
    check = wb.curve_check(scores, period=files.period)
    pd.testing.assert_frame_equal(run.curve.units, check.units)
    assert len(run.borderline) == len(check.changes)
    counts = scores.counts("unit")
    lead = run.leadership.set_index("unit")
    np.testing.assert_array_equal(lead[counts.columns].to_numpy(), counts.to_numpy())
    good = counts.iloc[:, :2].sum(axis=1) / counts.sum(axis=1)
    np.testing.assert_allclose(lead["share_baik"], good)
    assert run.report is not None and "Ringkasan" in run.report.read_text(encoding="utf-8")
    assert INSTANSI in run.report.read_text(encoding="utf-8")


def test_oneway_icc_by_group_equals_by_group_with_dask(runs, files):
    import dask.dataframe as dd

    ratings, roster, _ = read_partitioned(files.folder, backend="pandas")
    peers = ratings[ratings["rater_role"] == "rekan"].merge(roster[["employee_id", "unit"]], on="employee_id")
    loop = by_group(peers, "unit", coefficients=("icc",))
    fast = oneway_icc_by_group(peers, "unit")
    cols = ["estimate", "ci_low", "ci_high"]
    np.testing.assert_allclose(fast[cols].to_numpy(float), loop[cols].to_numpy(float), rtol=1e-9)
    assert fast["n_subjects"].tolist() == loop["n_subjects"].tolist()
    assert fast["n_raters"].tolist() == loop["n_raters"].tolist()
    lazy = oneway_icc_by_group(dd.from_pandas(peers, npartitions=3), "unit")  # shuffled by employee
    pd.testing.assert_frame_equal(lazy, fast, rtol=1e-12)
    pd.testing.assert_frame_equal(runs["pandas"][0].reliability.drop(columns=["note"]),
                                  fast.drop(columns=["note"]), rtol=1e-12)


def test_rejected_rows_are_counted_and_not_scored_on_both_paths(files):
    import dask.dataframe as dd

    ratings, roster = pd.read_parquet(files.ratings[0]), pd.read_parquet(files.roster[0])  # one bucket
    bad = ratings.copy()
    bad.loc[0, "score"] = np.nan  # not a number
    bad.loc[5, "rater_role"] = "boss"  # not a role
    extra = bad.iloc[[1]].assign(score=3.0 if bad.loc[1, "score"] != 3.0 else 2.0)  # conflicting duplicate
    stranger = bad.iloc[[2]].assign(employee_id="X0000000001")  # not on the roster
    bad = pd.concat([bad, extra, stranger], ignore_index=True)
    mem = national_chain(bad, roster=roster)
    assert mem.validation.rows_read == len(bad)
    assert mem.validation.rows_rejected == 5  # both rows of the conflicting duplicate
    reasons = set(mem.validation.problems["reason"])
    assert reasons == {"score_not_numeric", "rater_role_invalid", "conflicting_duplicate",
                       "employee_not_in_roster"}
    assert "X0000000001" not in set(mem.scores["employee_id"])
    lazy = national_chain(dd.from_pandas(bad, npartitions=2), roster=roster, aligned=False)
    assert lazy.validation.rows_rejected == 5
    assert set(lazy.validation.problems["reason"]) == reasons
    pd.testing.assert_frame_equal(_by_employee(lazy.scores.compute()), _by_employee(mem.scores))
    pd.testing.assert_frame_equal(lazy.leadership, mem.leadership)


def test_buckets_hold_the_same_employees_and_arguments_are_checked(files, tmp_path):
    for r, o in zip(files.ratings, files.roster, strict=True):
        assert set(pd.read_parquet(r, columns=["employee_id"])["employee_id"]) == set(
            pd.read_parquet(o, columns=["employee_id"])["employee_id"])
    roster = pd.concat([pd.read_parquet(o) for o in files.roster])
    assert roster["employee_id"].is_unique and len(roster) == files.n_employees
    assert roster.groupby("unit")["instansi"].nunique().max() == 1  # units nested in instansi
    with pytest.raises(ParameterError, match="both"):
        national_chain(files.folder, backend="pandas", instansi=INSTANSI)
    with pytest.raises(ParameterError, match="n_employees"):
        write_national(tmp_path, 5)


def test_command_line_writes_the_layout(tmp_path, capsys):
    from workbench.data.__main__ import national

    national([str(tmp_path / "nat"), "--employees", "300", "--buckets", "3", "--values", "2"])
    assert "300 employees" in capsys.readouterr().out
    ratings, roster, names = read_partitioned(tmp_path / "nat", backend="pandas")
    assert names == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    assert len(roster) == 300 and len(ratings) == 300 * (2 + 2 * 2)


@pytest.mark.parametrize("dtype", ["str", "object"])
def test_peers_are_the_merge_with_the_rosters_first_row_per_employee(dtype):
    from workbench.scale import _peers

    rng = np.random.default_rng(4)
    n, m = 500, 150
    ratings = pd.DataFrame({"period": rng.choice(["2025", "2024"], n, p=[0.9, 0.1]),
                            "employee_id": [f"E{i}" for i in rng.integers(0, 160, n)],
                            "rater_id": [f"R{i}" for i in rng.integers(0, 9, n)],
                            "rater_role": rng.choice(["rekan", "atasan"], n), "score": rng.random(n)})
    roster = pd.DataFrame({"employee_id": [f"E{i}" for i in rng.integers(0, 170, m)],  # duplicates, strangers
                           "period": rng.choice(["2025", "2024"], m, p=[0.8, 0.2]),
                           "unit": [f"U{i}" for i in rng.integers(0, 4, m)]})
    ratings.loc[rng.random(n) < 0.05, "employee_id"] = None
    roster.loc[rng.random(m) < 0.05, "employee_id"] = None
    ratings, roster = ratings.astype(dtype), roster.astype(dtype)
    ratings["score"] = ratings["score"].astype(float)
    for ro in (roster, roster.drop(columns="period")):
        units = ro.loc[ro["period"] == "2025", ["employee_id", "unit"]] if "period" in ro else ro
        want = ratings.loc[(ratings["rater_role"] == "rekan") & (ratings["period"] == "2025"),
                           ["employee_id", "rater_id", "score"]].merge(units.drop_duplicates("employee_id"),
                                                                       on="employee_id")
        pd.testing.assert_frame_equal(_peers(ratings, ro, "rekan", "2025"), want, check_exact=True)
