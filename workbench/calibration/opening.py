"""Opening a calibration session: :func:`open` starts one on a unit and period, or resumes
the open one; :func:`sessions` lists the history of past cycles in a store.

Examples
--------
>>> import tempfile, pathlib
>>> import workbench as wb
>>> db = pathlib.Path(tempfile.mkdtemp()) / "workbench.db"
>>> s = open(wb.read_sample("kota_contoh"), "permenpanrb-6-2022", unit="Inspektorat", period="2025", store=db)
>>> s.unit, s.status, len(s.employees)
('Inspektorat', 'open', 48)
>>> sessions(db)[["unit", "period", "status"]].values.tolist()
[['Inspektorat', '2025', 'open']]
"""

from __future__ import annotations

import dataclasses
import getpass
import hashlib
import os
from typing import Any, Literal

import pandas as pd

from workbench.calibration.distance import periodic_points, sub_periods
from workbench.calibration.session import Session, _find_open
from workbench.data.normalize import canonical_name
from workbench.errors import ParameterError, WorkbenchError, check_option
from workbench.rubric import Rubric, Scores, load_rubric
from workbench.rubric import score as score_fn
from workbench.store import StoreError, open_store

__all__ = ["open", "sessions"]

Lang = Literal["id", "en"]


def _frame_hash(frame: pd.DataFrame, cols: list[str]) -> str:
    f = frame[cols].copy()
    for c in cols:
        if pd.api.types.is_float_dtype(f[c]):
            f[c] = f[c].round(9)
        else:
            f[c] = f[c].astype(str)
    values = pd.util.hash_pandas_object(f.sort_values(["period", "employee_id"]), index=False).to_numpy()
    return hashlib.sha256(values.tobytes()).hexdigest()[:16]


def _unit_scores(ds: Any, rubric: Rubric, weights: str, unit: str, period: str, lang: Lang) -> tuple[Scores, Any]:
    roster = ds.roster
    in_period = roster[roster["period"] == period] if "period" in roster else roster
    units = sorted(in_period["unit"].dropna().astype(str).unique())
    if period not in set(ds.periods):
        raise ParameterError(f"`period` must be one of the dataset's periods {ds.periods}; got {period!r}.")
    if unit not in units:
        import difflib

        close = difflib.get_close_matches(unit, units, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ParameterError(f"`unit` {unit!r} has no employees in period {period} of {ds.name or 'the data'}.{hint} "
                             f"Units: {', '.join(units)}.")
    people = in_period.loc[in_period["unit"].astype(str) == unit, "employee_id"].astype(str)
    ratings = ds.ratings[ds.ratings["employee_id"].astype(str).isin(set(people))]
    roster_unit = roster[roster["employee_id"].astype(str).isin(set(people))]
    scores = score_fn(ratings, rubric, weights, roster=roster_unit, period=period, lang=lang)
    scores = dataclasses.replace(scores, frame=scores.frame[scores.frame["unit"] == unit].reset_index(drop=True),
                                 detail=scores.detail[scores.frame["unit"] == unit].reset_index(drop=True),
                                 _cache={})
    subs = sub_periods(period, ds.periods)
    periodic = None
    if subs:
        try:
            sub = score_fn(ratings, rubric, weights, roster=roster_unit, period=subs, lang=lang).frame
            periodic = periodic_points(scores.frame, sub, rubric).reset_index(drop=True)
        except WorkbenchError:
            periodic = None
    return scores, periodic


def open(ds: Any, rubric: Rubric | str, *, unit: str, period: str, store: Any = None,
         org_rating: str | None = None, weights: str = "baseline", by: str | None = None,
         session_id: str | None = None, new: bool = False, create: bool = True, lang: Lang = "id") -> Session:
    """Start or resume a calibration session on one unit and period.

    Parameters
    ----------
    ds
        The dataset (``wb.read_sample(...)``, ``wb.load(...)``).
    rubric
        The rubric (or a preset id), e.g. ``"permenpanrb-6-2022"`` for the e-Kinerja
        ratings in force.
    unit, period
        The unit (OPD) and the appraisal period.
    store
        A :class:`~workbench.store.Store`, a path or an ``sqlite:///`` URL; default
        ``workbench.db`` beside the data (see :func:`workbench.store.default_store_path`).
    org_rating
        The unit's Predikat Kinerja Organisasi (``"Baik"``, ``"Istimewa"``, ...); default
        for a new session the dataset's (``ds.org_ratings``), else ``"Baik"``; the recorded
        one for a resumed session.
    weights
        The rubric's weight set.
    by
        Who opens the session (default ``WORKBENCH_USER`` or the login name).
    session_id
        Resume this session (open or closed; a closed one is read-only).
    new
        Start a new session even when an open one exists for the same unit, period and
        rubric.
    create
        ``False``: when no session exists yet, do not write one now; the session is
        written with its first entry (a dashboard can show a unit without leaving an
        empty session behind).
    lang
        Language of the labels in the results.

    Returns
    -------
    Session
        Resumed when the store holds an open session for the same unit, period, rubric
        and weights (its trail is verified first), else new.

    Raises
    ------
    StoreError
        The resumed session's trail fails verification, or its data changed since it was
        opened.
    """
    check_option("lang", lang, ["id", "en"])
    if not isinstance(rubric, Rubric):
        rubric = load_rubric(rubric)
    if rubric.curve is None:
        raise ParameterError(f"Rubric {rubric.id!r} has no distribution curve to calibrate against; use a rubric "
                             "with a `curve:` section, e.g. 'permenpanrb-6-2022'.")
    if weights not in rubric.weights:
        check_option("weights", weights, list(rubric.weights))
    st = open_store(store, ds)
    scores, periodic = _unit_scores(ds, rubric, weights, unit, period, lang)
    dims = [d.id for d in rubric.dimensions]
    data_hash = _frame_hash(scores.frame.assign(predikat=scores.predikat_ids()),
                            ["period", "employee_id", "unit", *dims, "predikat"])
    if session_id is None and not new:
        session_id = _find_open(st, unit, period, rubric, weights)
    if session_id is not None:
        header = st.session_header(session_id)
        for key, want in (("unit", unit), ("period", period), ("rubric_hash", rubric.hash), ("weights", weights)):
            if header.get(key) != want:
                raise ParameterError(f"Session {session_id} was opened for {key}={header.get(key)!r}, not {want!r}; "
                                     "pass the same unit, period, rubric and weights, or leave session_id out.")
        if org_rating is not None and _org_id(rubric, org_rating) != header["org_rating"]:
            raise ParameterError(f"Session {session_id} was opened with organisation rating "
                                 f"{header['org_rating']!r}; open a new session (new=True) to use {org_rating!r}.")
        verdict = st.verify_trail(session_id)
        if not verdict.ok:
            first = verdict.problems.iloc[0]
            raise StoreError(f"The trail of session {session_id} in {st.path} fails verification ({len(verdict.problems)} "
                             f"problem(s); first at entry {first['seq']}: {first['problem']}). The file was edited "
                             "outside the workbench: inspect it with store.verify_trail(...) and restore a backup.")
        if header.get("data_hash") != data_hash:
            raise StoreError(f"The data of {unit} ({period}) changed since session {session_id} was opened (scores "
                             f"hash {data_hash}, recorded {header.get('data_hash')}). Resume it with the data it was "
                             "opened on, or start a new session with new=True.")
    else:
        who = str(by or os.environ.get("WORKBENCH_USER") or getpass.getuser())
        if org_rating is None and hasattr(ds, "org_ratings"):
            from workbench.rubric.curve import dataset_org_ratings

            org_rating = dataset_org_ratings(ds, period)[0].get(unit)
        org = _org_id(rubric, org_rating or "Baik")
        header = {"unit": unit, "period": period, "rubric_id": rubric.id, "rubric_hash": rubric.hash,
                  "rubric_spec": rubric.spec, "weights": weights, "org_rating": org, "data_hash": data_hash,
                  "dataset": getattr(ds, "name", "") or "", "n_employees": int(len(scores.frame))}
        if create:
            session_id = st.create_session(header, by=who)
            header = st.session_header(session_id)
        else:
            header = {**header, "opened_by": who}
    return Session(st, session_id, header, ds, rubric, scores, periodic, lang)


def _org_id(rubric: Rubric, value: str) -> str:
    assert rubric.curve is not None
    texts = {}
    for rid, row in rubric.curve.rows.items():
        for name in (rid, row.label.id, row.label.en):
            texts[canonical_name(pd.Series([name])).iloc[0]] = rid
    for alias, rid in rubric.curve.aliases.items():
        texts[canonical_name(pd.Series([alias])).iloc[0]] = rid
    key = canonical_name(pd.Series([str(value)])).iloc[0]
    if key not in texts:
        allowed = ", ".join(repr(r.label.id) for r in rubric.curve.rows.values())
        raise ParameterError(f"`org_rating` must be one of {{{allowed}}}; got {value!r}.")
    return texts[key]


def sessions(store: Any = None, ds: Any = None) -> pd.DataFrame:
    """Every session in a store, oldest first: the history of past calibration cycles.

    Columns: ``session_id, unit, period, rubric_id, data_hash, opened_by, opened_at,
    n_entries, n_changes, status, closed_at, closed_by, head``.
    """
    return open_store(store, ds).sessions()
