"""The store's schema: tables, append-only triggers and numbered migrations.

Migration *k* (1-based) brings a file from schema version *k - 1* to *k*; the version is
kept in ``PRAGMA user_version`` and the application id in ``PRAGMA application_id``.

Examples
--------
>>> SCHEMA_VERSION
2
>>> len(split_statements(MIGRATIONS[0])) > 5
True
"""

from __future__ import annotations

import sqlite3

__all__ = ["APPLICATION_ID", "ENTRY_FIELDS", "ENTRY_KINDS", "MIGRATIONS", "SCHEMA_VERSION", "TRAIL_COLUMNS",
           "split_statements"]

APPLICATION_ID = 0x4B57424E
"""``PRAGMA application_id`` of a workbench store ("KWBN"): tells our files from others."""

ENTRY_KINDS: tuple[str, ...] = ("propose", "withdraw", "note", "close")
"""Kinds of trail entries: a change, the withdrawal of a change, a remark, the closing."""

_TRIGGERS = """
CREATE TRIGGER trail_no_update BEFORE UPDATE ON trail BEGIN
  SELECT RAISE(ABORT, 'the calibration trail is append-only: withdraw a change with a new entry');
END;
CREATE TRIGGER trail_no_delete BEFORE DELETE ON trail BEGIN
  SELECT RAISE(ABORT, 'the calibration trail is append-only: entries are never deleted');
END;
CREATE TRIGGER sessions_no_update BEFORE UPDATE ON sessions BEGIN
  SELECT RAISE(ABORT, 'a session header never changes: open a new session');
END;
CREATE TRIGGER sessions_no_delete BEFORE DELETE ON sessions BEGIN
  SELECT RAISE(ABORT, 'sessions are never deleted');
END;
CREATE TRIGGER trail_after_close BEFORE INSERT ON trail
WHEN EXISTS (SELECT 1 FROM trail WHERE session_id = NEW.session_id AND kind = 'close') BEGIN
  SELECT RAISE(ABORT, 'the session is closed: open a new session for further changes');
END;
"""

MIGRATIONS: tuple[str, ...] = (
    # 1: calibration sessions and their hash-chained, append-only trail
    """
    CREATE TABLE sessions (
        session_id  TEXT PRIMARY KEY,
        header      TEXT NOT NULL,
        header_hash TEXT NOT NULL,
        unit        TEXT,
        period      TEXT,
        rubric_id   TEXT,
        data_hash   TEXT,
        opened_by   TEXT NOT NULL,
        opened_at   TEXT NOT NULL
    );
    CREATE TABLE trail (
        session_id    TEXT NOT NULL REFERENCES sessions(session_id),
        seq           INTEGER NOT NULL CHECK (seq >= 1),
        kind          TEXT NOT NULL CHECK (kind IN ('propose', 'withdraw', 'note', 'close')),
        employee_id   TEXT,
        from_predikat TEXT,
        to_predikat   TEXT,
        reason        TEXT,
        by            TEXT NOT NULL,
        at            TEXT NOT NULL,
        ref_seq       INTEGER,
        payload       TEXT,
        prev_hash     TEXT NOT NULL,
        hash          TEXT NOT NULL,
        PRIMARY KEY (session_id, seq)
    );
    CREATE INDEX sessions_by_unit ON sessions(unit, period);
    """ + _TRIGGERS,
    # 2: saved scenarios (named rubric variants with parameters, data hash and a summary)
    """
    CREATE TABLE scenarios (
        scenario_id INTEGER PRIMARY KEY AUTOINCREMENT,
        name        TEXT NOT NULL,
        version     INTEGER NOT NULL,
        rubric_id   TEXT NOT NULL,
        rubric_hash TEXT NOT NULL,
        rubric_spec TEXT NOT NULL,
        weights     TEXT NOT NULL,
        parameters  TEXT NOT NULL,
        data_hash   TEXT,
        summary     TEXT NOT NULL,
        note        TEXT,
        created_by  TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        UNIQUE (name, version)
    );
    """,
)
"""Schema migrations; migration *k* brings a file from version *k - 1* to *k*."""

SCHEMA_VERSION = len(MIGRATIONS)
"""The schema version this workbench writes."""

ENTRY_FIELDS = ("session_id", "seq", "kind", "employee_id", "from_predikat", "to_predikat", "reason",
                 "by", "at", "ref_seq", "payload")
TRAIL_COLUMNS = [*ENTRY_FIELDS, "prev_hash", "hash"]

def split_statements(script: str) -> list[str]:
    """Split a migration script into statements (triggers keep their inner semicolons)."""
    out, buf = [], []
    for line in script.strip().splitlines():
        buf.append(line)
        text = "\n".join(buf).strip()
        if text.endswith(";") and sqlite3.complete_statement(text):
            out.append(text)
            buf = []
    if "\n".join(buf).strip():
        out.append("\n".join(buf).strip())
    return out
