"""Calibration sessions: the meeting that decides who changes predikat, and why, on record.

:func:`workbench.calibration.open` starts (or resumes) a session on one unit and period: the unit's scores
under a rubric and its curve check. :meth:`Session.propose` records a change of one
employee's predikat with the reason and who decided; :meth:`Session.withdraw` takes a
change back with a new entry (the trail is never edited); :meth:`Session.close` freezes
the session. :meth:`Session.calibrated` and :meth:`Session.curve` give the scores and
the curve check after the changes, :meth:`Session.agenda` the employees closest to the
boundary of each move the curve still needs, :meth:`Session.history` the trail, and
:meth:`Session.verify` checks that nobody edited it. Everything is read back from the
store (:mod:`workbench.store`), so a session resumed in another process, or by a
colleague, gives the same result.

Examples
--------
>>> import tempfile, pathlib
>>> import workbench as wb
>>> ds = wb.read_sample("kota_contoh")
>>> db = pathlib.Path(tempfile.mkdtemp()) / "workbench.db"
>>> s = wb.calibration.open(ds, "permenpanrb-6-2022", unit="Bappeda", period="2025", store=db, by="hr.bkpsdm")
>>> first = s.agenda().iloc[0]
>>> first["predikat"], first["to_predikat"], round(float(first["distance"]), 2)
('Baik', 'Butuh Perbaikan', 0.5)
>>> _ = s.propose(first["employee_id"], "Butuh Perbaikan", reason="IKI triwulan III dan IV di bawah target",
...               by="hr.bkpsdm")
>>> s.curve().to_frame().loc[0, "violations"]
'Baik: 42 of 48, harus <= 33'
>>> bool(s.verify())
True
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from workbench.calibration.distance import rank_candidates
from workbench.data.normalize import canonical_name
from workbench.errors import ParameterError
from workbench.rubric import CurveCheck, Rubric, Scores, curve_check
from workbench.store import TRAIL_COLUMNS, Store, StoreError, TrailCheck, active_changes

__all__ = ["AGENDA_COLUMNS", "HISTORY_COLUMNS", "MIN_REASON", "Session", "TrailEntry"]

MIN_REASON = 5
"""A reason must have at least this many characters (blanks do not count)."""

AGENDA_COLUMNS = ["unit", "employee_id", "name", "jabatan", "predikat", "to_predikat", "distance",
                  "distance_periodic", "rank", "n_needed", "suggested"]
HISTORY_COLUMNS = ["seq", "at", "kind", "employee_id", "name", "from_predikat", "to_predikat", "reason", "by",
                   "ref_seq", "active", "hash"]
Lang = Literal["id", "en"]


@dataclass(frozen=True)
class TrailEntry:
    """One entry of a session's trail, as stored (predikat as ids)."""

    session_id: str
    seq: int
    kind: str
    employee_id: str | None
    from_predikat: str | None
    to_predikat: str | None
    reason: str | None
    by: str
    at: str
    ref_seq: int | None
    hash: str


def _entry(d: Mapping[str, Any]) -> TrailEntry:
    return TrailEntry(d["session_id"], int(d["seq"]), d["kind"], d["employee_id"], d["from_predikat"],
                      d["to_predikat"], d["reason"], d["by"], d["at"], d["ref_seq"], d["hash"])


def _who(by: str | None, what: str) -> str:
    text = str(by or "").strip()
    if not text:
        raise ParameterError(f"{what} needs `by`: who decides it (a name or a user id), e.g. by='hr.bkpsdm'. "
                             "The trail records who made every change.")
    return text


class Session:
    """A calibration session on one unit and period (see the module docstring).

    Do not build it directly: use :func:`workbench.calibration.open`.
    """

    def __init__(self, store: Store, session_id: str | None, header: dict[str, Any], ds: Any, rubric: Rubric,
                 scores: Scores, periodic: pd.DataFrame | None, lang: Lang) -> None:
        self.store = store
        self.id: str | None = session_id
        self.header = header
        self.rubric = rubric
        self.lang: Lang = lang
        self._ds = ds
        self._scores = scores
        self._periodic = periodic
        self._lock = threading.RLock()
        self._entries: list[dict[str, Any]] = []
        self._base_ids = scores.predikat_ids().to_numpy(dtype=object)
        self._employees = scores.frame["employee_id"].astype(str).to_numpy()
        self._index = {e: i for i, e in enumerate(self._employees)}
        self._pred = {p.id: p for p in rubric.predikat}
        roster = getattr(ds, "roster", None)
        self._people = pd.DataFrame(index=pd.Index(self._employees, name="employee_id"))
        if roster is not None and len(roster):
            r = roster[(roster["employee_id"].astype(str).isin(self._index))]
            if "period" in r:
                r = r[r["period"] == self.period]
            r = r.drop_duplicates("employee_id").set_index(r["employee_id"].astype(str).rename("employee_id"))
            for col in ("name", "jabatan"):
                if col in r:
                    self._people[col] = r[col].reindex(self._people.index).astype(object)
        self._refresh()

    # -- identity --------------------------------------------------------------------
    @property
    def unit(self) -> str:
        """The unit (OPD) under calibration."""
        return str(self.header["unit"])

    @property
    def period(self) -> str:
        """The appraisal period."""
        return str(self.header["period"])

    @property
    def org_rating(self) -> str:
        """The unit's Predikat Kinerja Organisasi (id of the curve row)."""
        return str(self.header["org_rating"])

    @property
    def employees(self) -> list[str]:
        """The employees in the session (the unit's scored and unscored employees)."""
        return list(self._employees)

    @property
    def people(self) -> pd.DataFrame:
        """The session's employees (index ``employee_id``) with ``name`` and ``jabatan`` from
        the roster, where it has them. Personal data: for HR and the meeting only."""
        return self._people.copy()

    @property
    def saved(self) -> bool:
        """Whether the session is in the store (a session opened with ``create=False`` is
        written with its first entry)."""
        return self.id is not None

    def _save(self) -> str:
        """Write the session header now if it is not in the store yet; return the id. An
        open session for the same unit, period, rubric and weights that another user saved
        in the meantime is joined instead of creating a second one."""
        with self._lock:
            if self.id is None:
                draft = {k: v for k, v in self.header.items() if k not in ("opened_by", "opened_at", "session_id")}
                found = _find_open(self.store, self.unit, self.period, self.rubric, str(self.header["weights"]))
                if found is not None and self.store.session_header(found).get("data_hash") == draft["data_hash"]:
                    self.id = found
                else:
                    self.id = self.store.create_session(draft, by=str(self.header["opened_by"]))
                self.header = self.store.session_header(self.id)
            return self.id

    @property
    def closed(self) -> bool:
        """Whether the session is closed (frozen)."""
        return any(e["kind"] == "close" for e in self._refresh())

    @property
    def status(self) -> str:
        """``"open"`` or ``"closed"``."""
        return "closed" if self.closed else "open"

    @property
    def head(self) -> str:
        """The hash of the last entry: the session's verification code (printed in the minutes)."""
        entries = self._refresh()
        if entries:
            return str(entries[-1]["hash"])
        return self.store.verify_trail(self.id).head if self.id is not None else ""

    def __repr__(self) -> str:
        return (f"Session({self.id!r}, unit={self.unit!r}, period={self.period!r}, rubric={self.rubric.id!r}, "
                f"status={self.status!r}, changes={len(self._changes())})")

    # -- state -----------------------------------------------------------------------
    def _refresh(self) -> list[dict[str, Any]]:
        with self._lock:
            if self.id is None:
                return []
            last = self._entries[-1]["seq"] if self._entries else 0
            self._entries.extend(self.store.entries(self.id, after=last))
            return list(self._entries)

    def _changes(self, entries: list[dict[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
        """Active change per employee."""
        active = active_changes(self._refresh() if entries is None else entries)
        return {e["employee_id"]: e for e in active.values()}

    def _current_ids(self, entries: list[dict[str, Any]] | None = None) -> np.ndarray:
        ids = self._base_ids.copy()
        for emp, e in self._changes(entries).items():
            ids[self._index[emp]] = e["to_predikat"]
        return ids

    def _label(self, pid: Any, lang: Lang | None = None) -> Any:
        if pid is None or (isinstance(pid, float) and np.isnan(pid)):
            return None
        return self._pred[pid].label.get(lang or self.lang)

    def _predikat_id(self, value: Any) -> str:
        text = str(value or "").strip()
        options: dict[str, str] = {}
        for p in self.rubric.predikat:
            for name in (p.id, p.label.id, p.label.en):
                options[canonical_name(pd.Series([name])).iloc[0]] = p.id
        key = canonical_name(pd.Series([text])).iloc[0] if text else ""
        if key not in options:
            allowed = ", ".join(repr(p.label.get(self.lang)) for p in self.rubric.predikat)
            raise ParameterError(f"`to_predikat` must be one of {{{allowed}}} (or their ids, e.g. "
                                 f"'butuh_perbaikan'); got {value!r} (session {self.id}, {self.unit}, {self.period}).")
        return options[key]

    def _employee(self, employee_id: Any) -> str:
        emp = "".join(str(employee_id or "").split())
        if emp not in self._index:
            roster = getattr(self._ds, "roster", None)
            where = ""
            if roster is not None and len(roster):
                hit = roster[roster["employee_id"].astype(str) == emp]
                if len(hit):
                    where = f" The employee belongs to {sorted(hit['unit'].astype(str).unique())}: open a session there."
            raise ParameterError(
                f"Employee {emp or employee_id!r} is not in session {self.id} ({self.unit}, period {self.period}; "
                f"{len(self._employees)} employees).{where or ' Check the NIP against session.employees.'}")
        return emp

    def _writable(self) -> None:
        if self.closed:
            raise StoreError(f"Session {self.id} ({self.unit}, {self.period}) is closed: its trail is frozen. Open "
                             "a new session (wb.calibration.open(..., new=True)) for further changes.")

    # -- changes ---------------------------------------------------------------------
    def propose(self, employee_id: str, to_predikat: str, *, reason: str, by: str) -> TrailEntry:
        """Record a change of one employee's predikat.

        Parameters
        ----------
        employee_id
            The employee (NIP); spaces are ignored.
        to_predikat
            The new predikat: a label (``"Butuh Perbaikan"``, any case, either language)
            or an id (``"butuh_perbaikan"``).
        reason
            Why (at least :data:`MIN_REASON` characters): the evidence the meeting used.
        by
            Who decides.

        Returns
        -------
        TrailEntry
            The stored entry, with ``from_predikat`` (the predikat before this change) and
            its hash.

        Raises
        ------
        ParameterError
            No reason, no ``by``, an unknown predikat, an employee outside the session, or
            a change to the predikat the employee already has.
        StoreError
            The session is closed.
        """
        emp = self._employee(employee_id)
        target = self._predikat_id(to_predikat)
        text = " ".join(str(reason or "").split())
        if len(text) < MIN_REASON:
            raise ParameterError(
                f"A change needs a reason of at least {MIN_REASON} characters (employee {emp}, session {self.id}); "
                f"got {reason!r}. Write the evidence the meeting relied on, e.g. reason='IKI kualitas 62% dari "
                "target pada triwulan III dan IV'.")
        who = _who(by, "A change")
        self._writable()

        def check(current: list[dict[str, Any]], new: dict[str, Any]) -> dict[str, Any]:
            now = self._current_ids(current)[self._index[emp]]
            if now == target:
                raise ParameterError(f"Employee {emp} already has predikat '{self._label(target)}' in session "
                                     f"{self.id}; nothing to change.")
            return {**new, "from_predikat": now}

        stored = self.store.append_entry(self._save(), {"kind": "propose", "employee_id": emp, "to_predikat": target,
                                                   "reason": text, "by": who}, check=check)
        self._refresh()
        return _entry(stored)

    def withdraw(self, employee_id: str, *, reason: str, by: str) -> TrailEntry:
        """Take back the employee's change in effect with a new entry (the change stays in
        the trail, marked inactive); the employee returns to the predikat before it."""
        emp = self._employee(employee_id)
        text = " ".join(str(reason or "").split())
        if len(text) < MIN_REASON:
            raise ParameterError(f"Withdrawing a change needs a reason of at least {MIN_REASON} characters "
                                 f"(employee {emp}, session {self.id}); got {reason!r}.")
        who = _who(by, "Withdrawing a change")
        self._writable()

        def check(current: list[dict[str, Any]], new: dict[str, Any]) -> dict[str, Any]:
            change = self._changes(current).get(emp)
            if change is None:
                raise ParameterError(f"Employee {emp} has no change in effect in session {self.id}; nothing to "
                                     "withdraw (see session.history()).")
            before = self._current_ids(current)[self._index[emp]]
            after = self._current_ids([*current, {**new, "ref_seq": change["seq"]}])[self._index[emp]]
            return {**new, "ref_seq": change["seq"], "from_predikat": before, "to_predikat": after}

        stored = self.store.append_entry(self._save(), {"kind": "withdraw", "employee_id": emp, "reason": text,
                                                   "by": who}, check=check)
        self._refresh()
        return _entry(stored)

    def note(self, text: str, *, by: str) -> TrailEntry:
        """Record a remark of the meeting (no change of predikat)."""
        body = " ".join(str(text or "").split())
        if not body:
            raise ParameterError("A note needs a text, e.g. session.note('Rapat dihadiri Kepala BKPSDM', by=...).")
        who = _who(by, "A note")
        self._writable()
        stored = self.store.append_entry(self._save(), {"kind": "note", "reason": body, "by": who})
        self._refresh()
        return _entry(stored)

    def close(self, *, by: str, note: str | None = None) -> TrailEntry:
        """Close the session: the trail is frozen and the final distribution recorded.

        The returned entry's ``hash`` is the verification code of the session (also
        :attr:`head`); the minutes print it.
        """
        who = _who(by, "Closing a session")
        self._writable()
        before = self._scores.counts(by=None).iloc[0].astype(int).to_dict()
        after = self.calibrated().counts(by=None).iloc[0].astype(int).to_dict()
        payload = {"counts_before": before, "counts_after": after, "n_changes": len(self._changes()),
                   "curve_ok": bool(self.curve().to_frame()["ok"].all())}
        stored = self.store.append_entry(self._save(), {"kind": "close", "reason": " ".join(str(note or "").split()) or None,
                                                   "by": who, "payload": payload})
        self._refresh()
        return _entry(stored)

    # -- results ---------------------------------------------------------------------
    def calibrated(self) -> Scores:
        """The unit's scores after the changes in effect.

        Returns
        -------
        Scores
            ``.to_frame()`` as :func:`workbench.score`, with ``predikat`` the calibrated
            predikat and ``predikat_before`` the one the rubric gave, ``reason``,
            ``changed_by``, ``changed_at`` and ``change_seq`` (empty where unchanged).
        """
        entries = self._refresh()
        frame = self._scores.frame.copy()
        ids = self._current_ids(entries)
        cats = frame["predikat"].cat.categories
        labels = [self._label(p) if p is not None and p == p else None for p in ids]
        frame["predikat_before"] = frame["predikat"]
        frame["predikat"] = pd.Categorical(labels, categories=cats, ordered=True)
        changes = self._changes(entries)
        for col, key in (("reason", "reason"), ("changed_by", "by"), ("changed_at", "at"), ("change_seq", "seq")):
            frame[col] = pd.Series([changes[e][key] if e in changes else None for e in self._employees],
                                   dtype=object)
        notes = (*self._scores.notes, f"Calibrated in session {self.id} ({len(changes)} change(s), {self.status}).")
        params = {**self._scores.parameters, "session_id": self.id, "head": entries[-1]["hash"] if entries else None}
        return dataclasses.replace(self._scores, frame=frame, notes=notes, parameters=params, _cache={})

    @property
    def n_changes(self) -> int:
        """Changes of predikat in effect (withdrawn ones do not count)."""
        return len(self._changes())

    def distribution(self, lang: Lang | None = None) -> pd.DataFrame:
        """Employees per predikat before and after the changes, best first: ``predikat_id,
        predikat`` (label in ``lang``, default the session's), ``before, after``."""
        frame = self.calibrated().frame
        own = [p.label.get(self.lang) for p in self.rubric.predikat]
        before = frame["predikat_before"].astype(object).value_counts()
        after = frame["predikat"].astype(object).value_counts()
        return pd.DataFrame({"predikat_id": [p.id for p in self.rubric.predikat],
                             "predikat": [p.label.get(lang or self.lang) for p in self.rubric.predikat],
                             "before": [int(before.get(x, 0)) for x in own],
                             "after": [int(after.get(x, 0)) for x in own]})

    def curve(self, rounding: Literal["conservative", "lenient", "nearest"] = "conservative") -> CurveCheck:
        """The curve check of the unit after the changes in effect."""
        return curve_check(self.calibrated(), {self.unit: self.org_rating}, rounding=rounding)

    def curve_before(self, rounding: Literal["conservative", "lenient", "nearest"] = "conservative") -> CurveCheck:
        """The curve check of the unit as the rubric scored it (before any change)."""
        return curve_check(self._scores, {self.unit: self.org_rating}, rounding=rounding)

    def agenda(self) -> pd.DataFrame:
        """Who to discuss next: for every move the curve still needs, the unit's employees
        who could make it, closest to the boundary first.

        Returns
        -------
        pandas.DataFrame
            ``unit, employee_id, name, jabatan, predikat`` (now), ``to_predikat`` (the move),
            ``distance`` (to the boundary, in category widths; see
            :func:`~workbench.calibration.distance.boundary_distance`), ``distance_periodic``
            (the same from the sub-period scores), ``rank`` (1 = closest), ``n_needed``
            (employees the move needs) and ``suggested`` (rank <= n_needed). Employees
            already changed in the session are not listed; an empty frame means the curve
            is met.

        Notes
        -----
        The moves are the curve check's smallest fix of the calibrated counts. Within a
        move the order is by distance, then the sub-period distance, then a keyed hash
        (never the NIP, which would rank by age). The list says who is *eligible*; who
        moves is the meeting's decision.
        """
        check = self.curve()
        frame = self.calibrated().frame
        ids = self._current_ids()
        changed = set(self._changes())
        rows = []
        for m in check.moves.itertuples(index=False):
            pool = np.flatnonzero((ids == m.from_predikat) & ~np.isin(self._employees, list(changed)))
            if not len(pool):
                continue
            sub = frame.iloc[pool]
            periodic = self._periodic.iloc[pool] if self._periodic is not None else None
            ranked = rank_candidates(sub, self.rubric, np.full(len(pool), m.to_predikat, dtype=object),
                                     periodic=periodic)
            part = pd.DataFrame({
                "unit": self.unit, "employee_id": self._employees[pool],
                "predikat": [self._label(m.from_predikat)] * len(pool),
                "to_predikat": [self._label(m.to_predikat)] * len(pool),
                "distance": ranked["distance"].to_numpy(), "distance_periodic": ranked["distance_periodic"].to_numpy(),
                "rank": ranked["order"].to_numpy() + 1, "n_needed": int(m.n_employees)})
            rows.append(part)
        if not rows:
            return pd.DataFrame(columns=AGENDA_COLUMNS)
        out = pd.concat(rows, ignore_index=True)
        out["suggested"] = out["rank"] <= out["n_needed"]
        out = out.join(self._people, on="employee_id")
        for col in ("name", "jabatan"):
            if col not in out:
                out[col] = None
        return out.sort_values(["to_predikat", "rank"], kind="stable").reset_index(drop=True)[AGENDA_COLUMNS]

    def history(self) -> pd.DataFrame:
        """The trail, one row per entry: ``seq, at, kind`` (``propose``, ``withdraw``,
        ``note``, ``close``), ``employee_id, name, from_predikat, to_predikat`` (labels),
        ``reason, by, ref_seq`` (the change a withdrawal takes back), ``active`` (a change
        still in effect) and ``hash``."""
        entries = self._refresh()
        active = {e["seq"] for e in active_changes(entries).values()}
        f = pd.DataFrame(entries, columns=TRAIL_COLUMNS)
        if f.empty:
            return pd.DataFrame(columns=HISTORY_COLUMNS)
        f["from_predikat"] = [self._label(p) for p in f["from_predikat"]]
        f["to_predikat"] = [self._label(p) for p in f["to_predikat"]]
        f["active"] = f["seq"].isin(active)
        f["ref_seq"] = f["ref_seq"].astype("Int64")
        names = self._people["name"] if "name" in self._people else pd.Series(dtype=object)
        f["name"] = f["employee_id"].map(names)
        return f[HISTORY_COLUMNS].reset_index(drop=True)

    def verify(self, expected_head: str | None = None) -> TrailCheck:
        """Recompute the trail's hash chain (see :meth:`workbench.store.Store.verify_trail`);
        ``bool(result)`` is True when nothing was edited, removed or inserted."""
        return self.store.verify_trail(self._save(), expected_head)

    def minutes_html(self, lang: Lang = "id") -> str:
        """The minutes (berita acara) as one self-contained HTML page."""
        from workbench.calibration.minutes import minutes_html

        self._save()
        return minutes_html(self, lang)

    def export_minutes(self, path: str | os.PathLike[str] | None = None, lang: Lang = "id") -> Path:
        """Write the minutes as an offline HTML page (default: ``berita_acara_<session>.html``
        beside the store) and return its path."""
        from workbench.calibration.minutes import write_minutes

        target = Path(path) if path is not None else self.store.path.parent / f"berita_acara_{self._save()}.html"
        return write_minutes(self, target, lang)


def _find_open(st: Store, unit: str, period: str, rubric: Rubric, weights: str) -> str | None:
    """The latest open session for this unit, period, rubric and weights."""
    known = st.sessions()
    same = known[(known["unit"] == unit) & (known["period"] == period) & (known["rubric_id"] == rubric.id)
                 & (known["status"] == "open")]
    for sid in reversed(same["session_id"].tolist()):
        h = st.session_header(sid)
        if h.get("rubric_hash") == rubric.hash and h.get("weights") == weights:
            return str(sid)
    return None
