"""The project store: one SQLite file per workspace for calibration sessions, their audit
trails, and saved scenarios.

The store is the only part of the workbench that writes state. It uses the standard
library's :mod:`sqlite3` in WAL mode (readers never block the writer; a second process
that writes waits its turn instead of failing), with the schema versioned by
``PRAGMA user_version`` and upgraded by numbered migrations when an older file is opened.
A file that is not SQLite, is damaged, belongs to another application or was written by
a newer workbench is refused with a message that says which file, what is wrong and
what to do.

The calibration trail is **append-only**: triggers refuse every ``UPDATE`` and ``DELETE``
of the trail and of the session headers, and refuse entries after a session's ``close``
entry. Each entry carries the SHA-256 hash of the previous one (the first the hash of
the session header), so that an edit made outside the workbench (a tool that drops the
triggers) is detected by :meth:`Store.verify_trail`. A hash chain without a secret key
detects changes, not a forger who recomputes every later hash: the head hash printed in
the minutes of a closed session is the external anchor that catches that too (pass it as
``expected_head``).

Examples
--------
>>> import tempfile, pathlib
>>> store = Store(pathlib.Path(tempfile.mkdtemp()) / "workbench.db")
>>> store.schema_version == SCHEMA_VERSION
True
>>> sid = store.create_session({"unit": "Bappeda", "period": "2025"}, by="hr.bkpsdm")
>>> e = store.append_entry(sid, {"kind": "note", "reason": "rapat dibuka", "by": "hr.bkpsdm"})
>>> e["seq"], store.verify_trail(sid).ok
(1, True)
"""

from workbench.store.core import Scenario, Store, StoreError, default_store_path, open_store
from workbench.store.schema import (
    APPLICATION_ID,
    ENTRY_KINDS,
    MIGRATIONS,
    SCHEMA_VERSION,
    TRAIL_COLUMNS,
)
from workbench.store.trail import TrailCheck, active_changes, entry_hash, verify_entries

__all__ = [
    "APPLICATION_ID",
    "ENTRY_KINDS",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "TRAIL_COLUMNS",
    "Scenario",
    "Store",
    "StoreError",
    "TrailCheck",
    "active_changes",
    "default_store_path",
    "entry_hash",
    "open_store",
    "verify_entries",
]
