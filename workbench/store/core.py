"""The :class:`Store`: one SQLite file per workspace (see :mod:`workbench.store`).

Examples
--------
>>> import tempfile, pathlib
>>> store = Store(pathlib.Path(tempfile.mkdtemp()) / "workbench.db")
>>> store.schema_version == SCHEMA_VERSION
True
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.errors import ParameterError, WorkbenchError
from workbench.store.schema import (
    APPLICATION_ID,
    ENTRY_FIELDS,
    ENTRY_KINDS,
    MIGRATIONS,
    SCHEMA_VERSION,
    TRAIL_COLUMNS,
    split_statements,
)
from workbench.store.trail import (
    TrailCheck,
    active_changes,
    canonical,
    entry_hash,
    header_hash,
    verify_entries,
)

__all__ = ["Scenario", "Store", "StoreError", "default_store_path", "open_store"]

_PACKAGE = Path(__file__).resolve().parents[1]  # the workbench package


class StoreError(WorkbenchError):
    """A store file that cannot be used (not SQLite, damaged, foreign, too new), or a
    write the store refuses (a change to a closed session)."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _resolve(location: str | os.PathLike[str]) -> Path:
    text = os.fspath(location)
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///"):]  # sqlite:///rel/path or sqlite:////abs/path
    elif "://" in text:
        raise ParameterError(f"`store` must be a path or an sqlite:/// URL; got {text!r}. The store is one "
                             "SQLite file per workspace, e.g. store='rapat/workbench.db'.")
    path = Path(text).expanduser().resolve()
    if path == _PACKAGE or _PACKAGE in path.parents:
        raise ParameterError(f"The store may not live inside the workbench package ({path}); pass a path in "
                             "your workspace, e.g. store='workbench.db'.")
    if path.is_dir() or (not path.exists() and not path.suffix):
        path = path / "workbench.db"  # a folder (existing, or a name without a file suffix)
    return path


def default_store_path(ds: Any = None) -> Path:
    """Where the store lives when no ``store=`` is given.

    ``WORKBENCH_STORE`` (a path) when set; else ``workbench.db`` beside the data: in the
    data folder for a folder dataset, in the file's folder for a file. A bundled sample or
    an in-memory dataset has no folder of its own to write into, so its store is
    ``workbench.db`` in the current directory.

    Examples
    --------
    >>> import workbench as wb
    >>> default_store_path(wb.read_sample("kota_contoh")).suffix
    '.db'
    """
    env = os.environ.get("WORKBENCH_STORE", "").strip()
    if env:
        return _resolve(env)
    source = str(getattr(ds, "source", "") or "")
    if source and source != "memory" and "://" not in source and not source.startswith("workbench."):
        src = Path(source).expanduser().resolve()
        from workbench.data.samples import _root

        samples = _root().resolve()
        if src.exists() and samples not in src.parents and src != samples:
            return (src if src.is_dir() else src.parent) / "workbench.db"
    return Path.cwd().resolve() / "workbench.db"


@dataclass(frozen=True)
class Scenario:
    """A saved scenario: a named rubric variant with its parameters, the hash of the data
    it was computed on and a summary of its results.

    ``rubric`` is rebuilt from the stored specification, so a colleague who opens the store
    gets exactly the rubric that was saved (same :attr:`~workbench.rubric.Rubric.hash`).
    """

    name: str
    version: int
    rubric_id: str
    rubric_hash: str
    weights: str
    parameters: dict[str, Any]
    data_hash: str | None
    summary: pd.DataFrame = field(repr=False)
    note: str | None
    created_by: str
    created_at: str
    spec: dict[str, Any] = field(repr=False)

    @property
    def rubric(self) -> Any:
        """The saved rubric, rebuilt from its specification."""
        from workbench.rubric import rubric_from_spec

        return rubric_from_spec(self.spec)

    def to_frame(self) -> pd.DataFrame:
        """The saved summary table."""
        return self.summary.copy()


class Store:
    """A workbench store: one SQLite file (see the module docstring).

    Parameters
    ----------
    location
        A path (``"workbench.db"``; a folder, or a new name without a suffix such as
        ``"rapat"``, means ``<folder>/workbench.db``) or an ``sqlite:///path`` URL. The file is created (with its folder) when missing and
        upgraded when it has an older schema.

    Raises
    ------
    StoreError
        The file is not an SQLite database or is damaged, belongs to another application,
        or was written by a newer workbench.
    """

    def __init__(self, location: str | os.PathLike[str]) -> None:
        self.path = _resolve(location)
        self._lock = threading.RLock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = sqlite3.connect(self.path, timeout=60.0, isolation_level=None,
                                         check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"Cannot open the store {self.path}: {exc}. Check that the folder exists and is "
                             "writable, or pass another path with store=...") from exc
        try:
            self._setup()
        except BaseException:
            self._conn.close()
            raise

    # -- opening ---------------------------------------------------------------------
    def _setup(self) -> None:
        c = self._conn
        try:
            c.execute("PRAGMA busy_timeout = 60000")
            app_id = int(c.execute("PRAGMA application_id").fetchone()[0])
            version = int(c.execute("PRAGMA user_version").fetchone()[0])
            tables = [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            check = c.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{self.path} is not a workbench store: it is not an SQLite database, or it is damaged "
                f"({exc}). Pass another path with store=..., or restore the file from a backup.") from exc
        if check != "ok":
            raise StoreError(f"The store {self.path} is damaged (SQLite integrity check: {check}). Restore it "
                             "from a backup, or pass another path with store=...")
        if app_id != APPLICATION_ID and (tables or app_id != 0):
            raise StoreError(
                f"{self.path} is an SQLite database of another application (tables: "
                f"{', '.join(sorted(tables)[:6]) or 'none'}); the workbench does not write into it. Pass a path "
                "for a new store, e.g. store='workbench.db'.")
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"The store {self.path} has schema version {version}, written by a newer workbench (this one "
                f"reads up to {SCHEMA_VERSION}). Upgrade the workbench (pip install -U kinerja-workbench).")
        mode = c.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StoreError(f"The store {self.path} cannot use write-ahead logging (journal mode {mode!r}); "
                             "keep the store on a local disk, not a network share.")
        c.execute("PRAGMA synchronous = FULL")
        c.execute("PRAGMA foreign_keys = ON")
        if version < SCHEMA_VERSION:
            self._migrate(version)

    def _migrate(self, version: int) -> None:
        with self._write() as c:
            now = int(c.execute("PRAGMA user_version").fetchone()[0])  # another process may have done it
            for k in range(now, SCHEMA_VERSION):
                for statement in split_statements(MIGRATIONS[k]):
                    c.execute(statement)
            c.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            c.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @property
    def schema_version(self) -> int:
        """The file's schema version (``SCHEMA_VERSION`` after opening)."""
        with self._lock:
            return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken before any read (``BEGIN IMMEDIATE``), so that two
        processes that append at once are serialised and neither loses its entry."""
        with self._lock:
            c = self._conn
            c.execute("BEGIN IMMEDIATE")
            try:
                yield c
            except BaseException:
                c.execute("ROLLBACK")
                raise
            else:
                c.execute("COMMIT")

    def close(self) -> None:
        """Close the connection (the file stays)."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r}, schema_version={SCHEMA_VERSION})"

    # -- sessions --------------------------------------------------------------------
    def create_session(self, header: Mapping[str, Any], by: str, session_id: str | None = None) -> str:
        """Record a new session header; return its id.

        ``header`` is any JSON-serialisable mapping (the session's unit, period, rubric,
        data hash, ...); it is stored as canonical JSON and its hash starts the trail.
        """
        sid = session_id or f"kal-{uuid.uuid4().hex[:12]}"
        at = _now()
        text = canonical({**dict(header), "session_id": sid, "opened_by": by, "opened_at": at})
        with self._write() as c:
            c.execute("INSERT INTO sessions (session_id, header, header_hash, unit, period, rubric_id, data_hash, "
                      "opened_by, opened_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      (sid, text, header_hash(text), header.get("unit"), header.get("period"),
                       header.get("rubric_id"), header.get("data_hash"), by, at))
        return sid

    def session_header(self, session_id: str) -> dict[str, Any]:
        """The stored header of a session (with ``session_id``, ``opened_by``, ``opened_at``)."""
        with self._lock:
            row = self._conn.execute("SELECT header FROM sessions WHERE session_id = ?", (session_id,)).fetchone()
        if row is None:
            raise ParameterError(f"No calibration session {session_id!r} in the store {self.path}; list them "
                                 "with workbench.calibration.sessions(store).")
        return dict(json.loads(row[0]))

    def sessions(self) -> pd.DataFrame:
        """One row per session: ``session_id, unit, period, rubric_id, data_hash, opened_by,
        opened_at, n_changes`` (active changes), ``n_entries, status`` (``open``/``closed``),
        ``closed_at, closed_by, head``; oldest first."""
        with self._lock:
            heads = pd.read_sql_query(
                "SELECT s.session_id, s.unit, s.period, s.rubric_id, s.data_hash, s.opened_by, s.opened_at, "
                "COUNT(t.seq) AS n_entries, MAX(t.seq) AS last_seq FROM sessions s LEFT JOIN trail t "
                "ON t.session_id = s.session_id GROUP BY s.session_id ORDER BY s.opened_at, s.session_id",
                self._conn)
            trail = pd.read_sql_query("SELECT session_id, seq, kind, employee_id, ref_seq, by, at, hash FROM trail",
                                      self._conn)
        closes = trail[trail["kind"] == "close"].set_index("session_id")
        last = trail.sort_values("seq").groupby("session_id")["hash"].last()
        active = {sid: len(active_changes(g.to_dict("records"))) for sid, g in trail.groupby("session_id")}
        heads["n_changes"] = heads["session_id"].map(active).fillna(0).astype(int)
        heads["status"] = ["closed" if s in closes.index else "open" for s in heads["session_id"]]
        heads["closed_at"] = heads["session_id"].map(closes["at"]) if len(closes) else None
        heads["closed_by"] = heads["session_id"].map(closes["by"]) if len(closes) else None
        heads["head"] = heads["session_id"].map(last)
        return heads.drop(columns="last_seq")

    def entries(self, session_id: str, after: int = 0) -> list[dict[str, Any]]:
        """The trail entries of a session with ``seq > after``, in order."""
        with self._lock:
            cur = self._conn.execute(f"SELECT {', '.join(TRAIL_COLUMNS)} FROM trail WHERE session_id = ? AND "
                                     "seq > ? ORDER BY seq", (session_id, after))
            return [dict(zip(TRAIL_COLUMNS, row, strict=True)) for row in cur.fetchall()]

    def append_entry(self, session_id: str, entry: Mapping[str, Any],
                     check: Callable[[list[dict[str, Any]], dict[str, Any]], dict[str, Any] | None] | None = None
                     ) -> dict[str, Any]:
        """Append one entry to a session's trail, atomically, and return it as stored.

        Parameters
        ----------
        session_id
            The session.
        entry
            ``kind`` (one of :data:`ENTRY_KINDS`), ``by`` and, as the kind needs,
            ``employee_id, from_predikat, to_predikat, reason, ref_seq, payload`` (payload:
            JSON-serialisable).
        check
            Called inside the write transaction with the session's current entries and the
            new entry; it may raise to refuse the entry, or return an updated entry (e.g.
            with ``from_predikat`` read from the current state). Because the transaction
            holds the write lock, no other process can append in between.

        Raises
        ------
        StoreError
            When the session is closed (also enforced by a trigger in the file).
        """
        kind = entry.get("kind")
        if kind not in ENTRY_KINDS:
            raise ParameterError(f"`kind` must be one of {{{', '.join(map(repr, ENTRY_KINDS))}}}; got {kind!r}.")
        with self._write() as c:
            exists = c.execute("SELECT header_hash FROM sessions WHERE session_id = ?", (session_id,)).fetchone()
            if exists is None:
                raise ParameterError(f"No calibration session {session_id!r} in the store {self.path}.")
            cur = c.execute(f"SELECT {', '.join(TRAIL_COLUMNS)} FROM trail WHERE session_id = ? ORDER BY seq",
                            (session_id,))
            current = [dict(zip(TRAIL_COLUMNS, row, strict=True)) for row in cur.fetchall()]
            if any(e["kind"] == "close" for e in current):
                raise StoreError(f"Session {session_id} is closed: its trail is frozen. Open a new session "
                                 "for further changes.")
            new = {k: entry.get(k) for k in ENTRY_FIELDS}
            new["session_id"] = session_id
            new["seq"] = len(current) + 1
            new["at"] = _now()
            if isinstance(new["payload"], Mapping | list):
                new["payload"] = canonical(new["payload"])
            if check is not None:
                new = dict(check(current, new) or new)
            prev = current[-1]["hash"] if current else exists[0]
            new["prev_hash"] = prev
            new["hash"] = entry_hash(prev, new)
            c.execute(f"INSERT INTO trail ({', '.join(TRAIL_COLUMNS)}) VALUES ({', '.join('?' * len(TRAIL_COLUMNS))})",
                      [new[k] for k in TRAIL_COLUMNS])
        return new

    def verify_trail(self, session_id: str, expected_head: str | None = None) -> TrailCheck:
        """Recompute a session's hash chain and report every break.

        Checks that the header still hashes to the stored value, that the entries are
        numbered 1, 2, ... without gaps, that each entry links to the previous hash and
        hashes to its own stored value, that nothing follows a ``close`` entry, that every
        ``withdraw`` names an earlier change, and (with ``expected_head``, e.g. the code in
        the minutes) that the chain ends where it ended then.
        """
        with self._lock:
            row = self._conn.execute("SELECT header, header_hash FROM sessions WHERE session_id = ?",
                                     (session_id,)).fetchone()
        if row is None:
            raise ParameterError(f"No calibration session {session_id!r} in the store {self.path}.")
        return verify_entries(session_id, row[0], row[1], self.entries(session_id), expected_head)

    # -- scenarios -------------------------------------------------------------------
    def save_scenario(self, name: str, rubric: Any, *, weights: str = "baseline", by: str,
                      data: Any = None, summary: pd.DataFrame | Mapping[str, Any] | None = None,
                      parameters: Mapping[str, Any] | None = None, note: str | None = None) -> Scenario:
        """Save a named rubric variant; saving a name again adds a new version.

        Parameters
        ----------
        name
            The scenario's name (e.g. ``"perilaku 40%"``).
        rubric
            The :class:`~workbench.rubric.Rubric` (its full specification is stored).
        weights
            The weight set of ``rubric`` the scenario uses.
        by
            Who saves it.
        data
            The dataset (or ratings table) the results came from; its hash is stored.
        summary
            A small results table (e.g. ``curve_check(...).summary(min_cell=5)``) or mapping.
        parameters
            Anything else needed to replay the scenario (period, organisation ratings, ...).
        note
            A remark.
        """
        from workbench.results import data_hash

        if not str(name or "").strip():
            raise ParameterError("`name` must be a non-empty text, e.g. name='perilaku 40%'.")
        if not str(by or "").strip():
            raise ParameterError("`by` must say who saves the scenario, e.g. by='tim.kebijakan'.")
        if weights not in getattr(rubric, "weights", {}):
            raise ParameterError(f"`weights` must be one of the rubric's weight sets "
                                 f"{sorted(getattr(rubric, 'weights', {}))}; got {weights!r}.")
        table = summary if isinstance(summary, pd.DataFrame) else pd.DataFrame([dict(summary or {})])
        ratings = getattr(data, "ratings", data)
        dh = data_hash(ratings) if ratings is not None else None
        at = _now()
        with self._write() as c:
            version = int(c.execute("SELECT COALESCE(MAX(version), 0) FROM scenarios WHERE name = ?",
                                    (name,)).fetchone()[0]) + 1
            c.execute("INSERT INTO scenarios (name, version, rubric_id, rubric_hash, rubric_spec, weights, "
                      "parameters, data_hash, summary, note, created_by, created_at) VALUES "
                      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      (name, version, rubric.id, rubric.hash, canonical(rubric.spec), weights,
                       canonical(dict(parameters or {})), dh, table.to_json(orient="split", date_format="iso"),
                       note, by, at))
        return self.load_scenario(name, version)

    def scenarios(self) -> pd.DataFrame:
        """One row per saved version: ``name, version, rubric_id, rubric_hash, weights,
        data_hash, note, created_by, created_at``."""
        with self._lock:
            return pd.read_sql_query("SELECT name, version, rubric_id, rubric_hash, weights, data_hash, note, "
                                     "created_by, created_at FROM scenarios ORDER BY name, version", self._conn)

    def load_scenario(self, name: str, version: int | None = None) -> Scenario:
        """A saved scenario (default: its latest version)."""
        with self._lock:
            if version is None:
                row = self._conn.execute("SELECT * FROM scenarios WHERE name = ? ORDER BY version DESC LIMIT 1",
                                         (name,)).fetchone()
            else:
                row = self._conn.execute("SELECT * FROM scenarios WHERE name = ? AND version = ?",
                                         (name, version)).fetchone()
            cols = [d[0] for d in self._conn.execute("SELECT * FROM scenarios LIMIT 0").description]
        if row is None:
            known = self.scenarios()["name"].unique().tolist()
            raise ParameterError(f"No scenario {name!r}{'' if version is None else f' version {version}'} in the "
                                 f"store {self.path}; saved: {known or 'none'}.")
        r = dict(zip(cols, row, strict=True))
        from io import StringIO

        return Scenario(name=r["name"], version=int(r["version"]), rubric_id=r["rubric_id"],
                        rubric_hash=r["rubric_hash"], weights=r["weights"], parameters=json.loads(r["parameters"]),
                        data_hash=r["data_hash"], summary=pd.read_json(StringIO(r["summary"]), orient="split"),
                        note=r["note"], created_by=r["created_by"], created_at=r["created_at"],
                        spec=json.loads(r["rubric_spec"]))


def open_store(store: Store | str | os.PathLike[str] | None = None, ds: Any = None) -> Store:
    """A :class:`Store`: the one given, one at a path or URL, or the default beside the data
    (see :func:`default_store_path`)."""
    if isinstance(store, Store):
        return store
    return Store(store if store is not None else default_store_path(ds))
