"""What leadership views show after calibration: the calibrated scores and curve of the
closed sessions, for a whole period.

A unit whose latest closed session (same rubric, weights, period and data) exists takes
that session's calibrated predikat; every other unit keeps the predikat the rubric
gave. Open sessions never count: until a meeting closes its session, its changes are
proposals. The results are per employee (HR); a leadership view shows only their
aggregates, e.g. ``calibrated_curve(...).summary(min_cell=5)``.

Examples
--------
>>> import tempfile, pathlib
>>> import workbench as wb
>>> from workbench.calibration import calibrated_curve, calibration_status
>>> ds = wb.read_sample("kota_contoh")
>>> db = pathlib.Path(tempfile.mkdtemp()) / "workbench.db"
>>> s = wb.calibration.open(ds, "permenpanrb-6-2022", unit="Bappeda", period="2025", store=db, by="hr")
>>> for emp in s.agenda().query("suggested")["employee_id"]:
...     _ = s.propose(emp, "Butuh Perbaikan", reason="disepakati rapat kalibrasi", by="hr")
>>> _ = s.close(by="hr")
>>> summary = calibrated_curve(ds, "permenpanrb-6-2022", "Baik", period="2025", store=db).summary(min_cell=5)
>>> bool(summary.set_index("unit").loc["Bappeda", "ok"]), int(summary["ok"].sum())
(True, 1)
>>> calibration_status(ds, "permenpanrb-6-2022", period="2025", store=db).set_index("unit").loc["Bappeda", "status"]
'closed'
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

import pandas as pd

from workbench.errors import WorkbenchError
from workbench.rubric import CurveCheck, Rubric, Scores, curve_check, load_rubric
from workbench.rubric import score as score_fn
from workbench.store import open_store

__all__ = ["STATUS_COLUMNS", "calibrated_curve", "calibrated_scores", "calibration_status"]

STATUS_COLUMNS = ["unit", "status", "session_id", "n_changes", "closed_at"]
Lang = Literal["id", "en"]


def _closed(st: Any, rubric: Rubric, period: str, weights: str) -> dict[str, str]:
    """Latest closed session per unit for this rubric, weights and period."""
    known = st.sessions()
    known = known[(known["status"] == "closed") & (known["period"] == period) & (known["rubric_id"] == rubric.id)]
    out: dict[str, str] = {}
    for row in known.sort_values("closed_at").itertuples(index=False):
        header = st.session_header(row.session_id)
        if header.get("rubric_hash") == rubric.hash and header.get("weights") == weights:
            out[str(row.unit)] = str(row.session_id)
    return out


def calibrated_scores(ds: Any, rubric: Rubric | str, period: str, store: Any = None, *,
                      weights: str = "baseline", lang: Lang = "id") -> Scores:
    """Scores of every employee in ``period``, calibrated where a closed session exists.

    Returns
    -------
    Scores
        As :func:`workbench.score`, plus ``predikat_before`` (the rubric's predikat),
        ``calibrated`` (True for the units taken from a closed session) and
        ``session_id``; ``predikat`` is the calibrated predikat. ``notes`` name any unit
        whose closed session was left out (its trail fails verification, or the data
        changed since).
    """
    from workbench.calibration.opening import open as open_session

    if not isinstance(rubric, Rubric):
        rubric = load_rubric(rubric)
    st = open_store(store, ds)
    base = score_fn(ds, rubric, weights, period=period, lang=lang)
    frame = base.frame.copy()
    frame["predikat_before"] = frame["predikat"]
    frame["calibrated"] = False
    frame["session_id"] = pd.Series([None] * len(frame), dtype=object)
    notes = list(base.notes)
    for unit, sid in _closed(st, rubric, period, weights).items():
        try:
            session = open_session(ds, rubric, unit=unit, period=period, store=st, weights=weights,
                                   session_id=sid, lang=lang)
        except WorkbenchError as exc:
            notes.append(f"{unit}: closed session {sid} left out ({exc})")
            continue
        cal = session.calibrated().frame.set_index("employee_id")["predikat"].astype(object)
        rows = frame["unit"] == unit
        frame.loc[rows, "predikat"] = frame.loc[rows, "employee_id"].map(cal).to_numpy()
        frame.loc[rows, "calibrated"] = True
        frame.loc[rows, "session_id"] = sid
    frame["predikat"] = pd.Categorical(frame["predikat"].astype(object), categories=base.frame["predikat"].cat.categories,
                                       ordered=True)
    params = {**base.parameters, "calibrated_from": str(st.path)}
    return dataclasses.replace(base, frame=frame, notes=tuple(notes), parameters=params, _cache={})


def calibrated_curve(ds: Any, rubric: Rubric | str, org_rating: Any, period: str, store: Any = None, *,
                     weights: str = "baseline", lang: Lang = "id") -> CurveCheck:
    """The curve check of :func:`calibrated_scores`; leaders see its ``summary(min_cell=...)``."""
    return curve_check(calibrated_scores(ds, rubric, period, store, weights=weights, lang=lang), org_rating)


def calibration_status(ds: Any, rubric: Rubric | str, period: str, store: Any = None, *,
                       weights: str = "baseline") -> pd.DataFrame:
    """Where calibration stands, one row per unit of ``period``: ``unit, status``
    (``none``, ``open``, ``closed``), ``session_id`` (the latest closed session, else the
    latest open one), ``n_changes`` (in effect) and ``closed_at``. Names no employee."""
    if not isinstance(rubric, Rubric):
        rubric = load_rubric(rubric)
    st = open_store(store, ds)
    roster = ds.roster
    units = sorted(roster.loc[roster["period"] == period, "unit"].dropna().astype(str).unique()) \
        if "period" in roster else sorted(roster["unit"].dropna().astype(str).unique())
    known = st.sessions()
    known = known[(known["period"] == period) & (known["rubric_id"] == rubric.id)]
    known = known[[st.session_header(s).get("rubric_hash") == rubric.hash
                   and st.session_header(s).get("weights") == weights for s in known["session_id"]]]
    rows: list[tuple[Any, ...]] = []
    for unit in units:
        mine = known[known["unit"] == unit]
        if mine.empty:
            rows.append((unit, "none", None, 0, None))
            continue
        closed = mine[mine["status"] == "closed"]
        last = (closed if len(closed) else mine).iloc[-1]
        rows.append((unit, str(last["status"]), str(last["session_id"]), int(last["n_changes"]), last["closed_at"]))
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)
