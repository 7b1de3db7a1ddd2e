"""The calibration trail's integrity: entry hashes, the hash chain and its verification.

Each entry carries the SHA-256 hash of the previous entry (the first: the hash of the
session header). :func:`verify_entries` recomputes the chain and names every break.

Examples
--------
>>> header = canonical({"unit": "Bappeda"})
>>> first = {"session_id": "s", "seq": 1, "kind": "note", "by": "hr", "at": "t"}
>>> first["prev_hash"] = header_hash(header)
>>> first["hash"] = entry_hash(first["prev_hash"], first)
>>> verify_entries("s", header, header_hash(header), [first]).ok
True
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from workbench.results import frame_html
from workbench.store.schema import ENTRY_FIELDS

__all__ = ["TrailCheck", "active_changes", "canonical", "entry_hash", "header_hash", "verify_entries"]


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def entry_hash(prev_hash: str, entry: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of a trail entry chained to the previous entry's hash.

    The hashed text is the canonical JSON of ``[prev_hash, session_id, seq, kind,
    employee_id, from_predikat, to_predikat, reason, by, at, ref_seq, payload]``.

    Examples
    --------
    >>> e = {"session_id": "s", "seq": 1, "kind": "note", "by": "hr", "at": "2026-01-01"}
    >>> entry_hash("0" * 64, e) == entry_hash("0" * 64, dict(e))
    True
    >>> entry_hash("0" * 64, e) != entry_hash("0" * 64, {**e, "by": "someone else"})
    True
    """
    return hashlib.sha256(canonical([prev_hash, *(entry.get(k) for k in ENTRY_FIELDS)]).encode()).hexdigest()


def header_hash(header_text: str) -> str:
    return hashlib.sha256(header_text.encode()).hexdigest()


@dataclass(frozen=True)
class TrailCheck:
    """The result of verifying a session's trail (see :meth:`Store.verify_trail`).

    ``ok`` is True when nothing was found; ``problems`` has one row per finding
    (``seq, problem``); ``head`` is the hash of the last entry (the verification code);
    ``n_entries`` the entries read. ``bool(check)`` is ``ok``.
    """

    session_id: str
    ok: bool
    n_entries: int
    head: str
    problems: pd.DataFrame = field(repr=False)

    def __bool__(self) -> bool:
        return self.ok

    def to_frame(self) -> pd.DataFrame:
        """``seq, problem``: one row per finding (empty when the trail is intact)."""
        return self.problems.copy()

    def _repr_html_(self) -> str:
        state = "intact" if self.ok else f"{len(self.problems)} problem(s)"
        return frame_html(f"Trail of {self.session_id}: {state}, head {self.head[:16]}", self.problems)


def verify_entries(session_id: str, header_text: str, stored_header_hash: str, entries: list[dict[str, Any]],
                   expected_head: str | None = None) -> TrailCheck:
    """Recompute a session's hash chain from its header and entries (see
    :meth:`workbench.store.Store.verify_trail` for what is checked)."""
    problems: list[tuple[int, str]] = []
    if header_hash(header_text) != stored_header_hash:
        problems.append((0, "the session header was changed after it was written"))
    prev = stored_header_hash
    closed_at = None
    proposes = set()
    for i, e in enumerate(entries, start=1):
        seq = int(e["seq"])
        if seq != i:
            problems.append((seq, f"entry numbers jump from {i - 1} to {seq}: entries were removed"))
        if e["prev_hash"] != prev:
            problems.append((seq, "the link to the previous entry is broken"))
        if entry_hash(e["prev_hash"], e) != e["hash"]:
            problems.append((seq, "the entry's content no longer matches its hash (it was edited)"))
        if closed_at is not None:
            problems.append((seq, f"entry after the session was closed (entry {closed_at})"))
        if e["kind"] == "close":
            closed_at = seq
        if e["kind"] == "propose":
            proposes.add(seq)
        if e["kind"] == "withdraw" and e["ref_seq"] not in proposes:
            problems.append((seq, f"withdraws entry {e['ref_seq']}, which is not an earlier change"))
        prev = e["hash"]
    if expected_head is not None and prev != expected_head:
        problems.append((len(entries), "the trail does not end at the expected verification code: entries "
                         "were added or removed after it was issued"))
    frame = pd.DataFrame(problems, columns=["seq", "problem"])
    return TrailCheck(session_id, not problems, len(entries), prev, frame)


def active_changes(entries: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The ``propose`` entries still in effect: not withdrawn and not replaced by a later
    change of the same employee; keyed by ``seq``."""
    withdrawn = {e["ref_seq"] for e in entries if e["kind"] == "withdraw"}
    latest: dict[str, dict[str, Any]] = {}
    for e in entries:
        if e["kind"] == "propose" and e["seq"] not in withdrawn:
            latest[e["employee_id"]] = e
    return {e["seq"]: e for e in latest.values()}
