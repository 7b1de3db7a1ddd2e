"""The project store: schema and migrations, refusal of foreign or damaged files, the
append-only hash-chained trail, concurrent writers in two processes, saved scenarios."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

import workbench as wb
from workbench.errors import ParameterError
from workbench.store import (
    APPLICATION_ID,
    MIGRATIONS,
    SCHEMA_VERSION,
    Store,
    StoreError,
    default_store_path,
    entry_hash,
    open_store,
)
from workbench.store.schema import split_statements

ROOT = Path(__file__).resolve().parents[1]


def _raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def _session_with_entries(store: Store, n: int = 3) -> str:
    sid = store.create_session({"unit": "Bappeda", "period": "2025"}, by="hr")
    for k in range(n):
        store.append_entry(sid, {"kind": "propose", "employee_id": f"e{k}", "from_predikat": "baik",
                                 "to_predikat": "butuh_perbaikan", "reason": f"alasan {k}", "by": "hr"})
    return sid


# -- opening, schema, migrations ---------------------------------------------------------
def test_new_store_has_current_schema_wal_and_our_application_id(tmp_path):
    store = Store(tmp_path / "w.db")
    assert store.schema_version == SCHEMA_VERSION == 2
    con = _raw(tmp_path / "w.db")
    assert con.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"sessions", "trail", "scenarios"} <= tables


def test_a_version_1_file_is_migrated_and_keeps_its_sessions(tmp_path):
    path = tmp_path / "old.db"
    con = _raw(path)
    for statement in split_statements(MIGRATIONS[0]):
        con.execute(statement)
    con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    con.execute("PRAGMA user_version = 1")
    con.close()
    old = Store(path)  # opens a version-1 file: migrates it to the current version
    assert old.schema_version == SCHEMA_VERSION
    sid = _session_with_entries(old)
    old.close()
    # a second open is a no-op; the session and its trail are intact
    again = Store(path)
    assert again.verify_trail(sid).ok and again.verify_trail(sid).n_entries == 3
    assert again.scenarios().empty


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "new.db"
    Store(path).close()
    _raw(path).execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer workbench"):
        Store(path)


def test_foreign_sqlite_file_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "other.db"
    con = _raw(path)
    con.execute("CREATE TABLE invoices (id INTEGER)")
    con.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="another application .*invoices"):
        Store(path)
    assert path.read_bytes() == before


@pytest.mark.parametrize("content", [b"NIP;Nama\n1980;Budi\n", b"\x00" * 100 + b"garbage" * 200])
def test_a_file_that_is_not_sqlite_is_refused(tmp_path, content):
    path = tmp_path / "rekap.db"
    path.write_bytes(content)
    with pytest.raises(StoreError, match="not a workbench store.*not an SQLite database"):
        Store(path)


def test_a_damaged_store_is_refused(tmp_path):
    path = tmp_path / "w.db"
    store = Store(path)
    _session_with_entries(store, 40)
    con = store._conn
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 3 * page
    data[2 * page + 10: 3 * page - 10] = b"\xff" * (page - 20)  # smash the middle of a page
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="damaged|not an SQLite database"):
        Store(path)


def test_an_empty_file_becomes_a_new_store(tmp_path):
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    assert Store(path).schema_version == SCHEMA_VERSION


def test_locations_url_folder_and_refusals(tmp_path, monkeypatch):
    assert Store(f"sqlite:///{tmp_path}/via-url.db").path == (tmp_path / "via-url.db").resolve()
    assert Store(tmp_path / "rapat").path == (tmp_path / "rapat" / "workbench.db").resolve()
    with pytest.raises(ParameterError, match="inside the workbench package"):
        Store(Path(wb.__file__).parent / "x.db")
    with pytest.raises(ParameterError, match="sqlite:/// URL"):
        Store("postgresql://host/db")
    monkeypatch.setenv("WORKBENCH_STORE", str(tmp_path / "env.db"))
    assert default_store_path().name == "env.db"
    monkeypatch.delenv("WORKBENCH_STORE")
    csv = tmp_path / "data" / "rekap.csv"
    csv.parent.mkdir()
    csv.write_text("x")
    assert default_store_path(SimpleNamespace(source=str(csv))) == csv.parent / "workbench.db"
    assert default_store_path(SimpleNamespace(source=str(csv.parent))) == csv.parent / "workbench.db"
    monkeypatch.chdir(tmp_path)  # a bundled sample never gets a store inside data/samples
    assert default_store_path(wb.read_sample("kota_contoh")) == tmp_path.resolve() / "workbench.db"
    assert isinstance(open_store(tmp_path / "o.db"), Store)


# -- the trail: append-only, hash chain, tamper evidence ------------------------------------
def test_entry_hash_covers_every_field():
    base = {"session_id": "s", "seq": 1, "kind": "propose", "employee_id": "e", "from_predikat": "baik",
            "to_predikat": "butuh_perbaikan", "reason": "r", "by": "hr", "at": "t", "ref_seq": None, "payload": None}
    h = entry_hash("p" * 64, base)
    for key, other in [("session_id", "s2"), ("seq", 2), ("kind", "note"), ("employee_id", "f"),
                       ("from_predikat", "sangat_baik"), ("to_predikat", "kurang"), ("reason", "R"),
                       ("by", "x"), ("at", "u"), ("ref_seq", 1), ("payload", "{}")]:
        assert entry_hash("p" * 64, {**base, key: other}) != h, key
    assert entry_hash("q" * 64, base) != h


def test_trail_links_each_entry_to_the_previous_hash(tmp_path):
    store = Store(tmp_path / "w.db")
    sid = _session_with_entries(store, 4)
    entries = store.entries(sid)
    assert [e["seq"] for e in entries] == [1, 2, 3, 4]
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(entries, entries[1:], strict=False))
    check = store.verify_trail(sid, expected_head=entries[-1]["hash"])
    assert check.ok and bool(check) and check.head == entries[-1]["hash"] and check.to_frame().empty


@pytest.mark.parametrize("sql", [
    "UPDATE trail SET reason = 'lain' WHERE seq = 2",
    "DELETE FROM trail WHERE seq = 3",
    "UPDATE sessions SET unit = 'Inspektorat'",
    "DELETE FROM sessions",
])
def test_the_file_itself_refuses_updates_and_deletes(tmp_path, sql):
    store = Store(tmp_path / "w.db")
    _session_with_entries(store)
    con = _raw(tmp_path / "w.db")
    with pytest.raises(sqlite3.DatabaseError, match="append-only|never"):
        con.execute(sql)


def test_nothing_can_be_added_after_close_not_even_by_sql(tmp_path):
    store = Store(tmp_path / "w.db")
    sid = _session_with_entries(store)
    store.append_entry(sid, {"kind": "close", "by": "hr"})
    with pytest.raises(StoreError, match="closed"):
        store.append_entry(sid, {"kind": "note", "reason": "terlambat", "by": "hr"})
    con = _raw(tmp_path / "w.db")
    with pytest.raises(sqlite3.DatabaseError, match="closed"):
        con.execute("INSERT INTO trail (session_id, seq, kind, by, at, prev_hash, hash) "
                    "VALUES (?, 99, 'note', 'x', 'y', 'a', 'b')", (sid,))


def _tamper(path: Path, *sql: str) -> None:
    """Edit the file the way a tool outside the workbench could: drop the guards first."""
    con = _raw(path)
    for trigger in ("trail_no_update", "trail_no_delete", "sessions_no_update"):
        con.execute(f"DROP TRIGGER {trigger}")
    for statement in sql:
        con.execute(statement)
    con.close()


def test_a_direct_update_is_detected_by_verify(tmp_path):
    store = Store(tmp_path / "w.db")
    sid = _session_with_entries(store, 5)
    assert store.verify_trail(sid).ok
    _tamper(tmp_path / "w.db", "UPDATE trail SET to_predikat = 'sangat_baik' WHERE seq = 3")
    check = store.verify_trail(sid)
    assert not check.ok
    assert check.to_frame()["seq"].tolist() == [3]
    assert "edited" in check.to_frame().loc[0, "problem"]


def test_removed_entries_and_an_edited_header_are_detected(tmp_path):
    store = Store(tmp_path / "w.db")
    sid = _session_with_entries(store, 5)
    head = store.verify_trail(sid).head
    _tamper(tmp_path / "w.db", "DELETE FROM trail WHERE seq = 2")
    problems = store.verify_trail(sid).to_frame()
    assert {3} <= set(problems["seq"]) and problems["problem"].str.contains("removed").any()
    sid2 = _session_with_entries(store, 2)
    _tamper_header = f"UPDATE sessions SET header = replace(header, 'Bappeda', 'BPKAD') WHERE session_id = '{sid2}'"
    con = _raw(tmp_path / "w.db")
    con.execute(_tamper_header)
    assert store.verify_trail(sid2).to_frame()["seq"].tolist() == [0]
    # removing the last entries keeps the chain consistent: only the code issued earlier tells
    sid3 = _session_with_entries(store, 4)
    code = store.verify_trail(sid3).head
    con.execute(f"DELETE FROM trail WHERE session_id = '{sid3}' AND seq = 4")
    assert store.verify_trail(sid3).ok
    late = store.verify_trail(sid3, expected_head=code)
    assert not late.ok and "expected verification code" in late.to_frame().loc[0, "problem"]
    assert head  # the first session's code was issued before its edit


# -- two processes writing at once --------------------------------------------------------
_WRITER = textwrap.dedent("""
    import sys, time
    import workbench as wb
    from workbench.store import Store
    path, sid, tag, n, start = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
    store = Store(path)
    rubric = wb.load_rubric("permenpanrb-6-2022")
    while time.time() < start:
        time.sleep(0.001)
    for k in range(n):
        store.append_entry(sid, {"kind": "note", "reason": f"{tag}-{k}", "by": tag})
        if k % 10 == 0:
            store.save_scenario("bersama", rubric, by=tag, summary={"writer": tag, "k": k})
        time.sleep(0.004)  # a little work between writes, as in a meeting
    print("done", tag)
""")


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "w.db"
    store = Store(path)
    sid = store.create_session({"unit": "Bappeda", "period": "2025"}, by="hr")
    script = tmp_path / "writer.py"
    script.write_text(_WRITER)
    start = time.time() + 3.0
    n = 60
    procs = [subprocess.Popen([sys.executable, str(script), str(path), sid, tag, str(n), str(start)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
             for tag in ("A", "B")]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    entries = store.entries(sid)
    assert [e["seq"] for e in entries] == list(range(1, 2 * n + 1))
    by_writer = {tag: [e["reason"] for e in entries if e["by"] == tag] for tag in "AB"}
    assert by_writer == {tag: [f"{tag}-{k}" for k in range(n)] for tag in "AB"}
    # the writes interleaved (both were writing at the same time) and the chain is intact
    order = [e["by"] for e in entries]
    assert sum(a != b for a, b in zip(order, order[1:], strict=False)) > 2
    assert store.verify_trail(sid).ok
    saved = store.scenarios()
    assert sorted(saved["version"]) == list(range(1, 2 * len(range(0, n, 10)) + 1))


# -- scenarios --------------------------------------------------------------------------
def test_scenarios_are_versioned_and_replay_the_same_rubric(tmp_path):
    store = Store(tmp_path / "w.db")
    ds = wb.read_sample("kota_contoh")
    rubric = wb.load_rubric("permenpanrb-6-2022-rinci").with_weights(
        "perilaku_atasan", dimension_raters={"perilaku_kerja": {"atasan": 1.0}})
    check = wb.curve_check(wb.score(ds, rubric, "perilaku_atasan", period="2025"), "Baik")
    first = store.save_scenario("hanya atasan", rubric, weights="perilaku_atasan", by="tim.kebijakan", data=ds,
                                summary=check.summary(min_cell=5), parameters={"period": "2025", "org": "Baik"},
                                note="uji coba")
    second = store.save_scenario("hanya atasan", rubric, weights="perilaku_atasan", by="tim.kebijakan",
                                 summary={"n_ok": int(check.to_frame()["ok"].sum())})
    assert (first.version, second.version) == (1, 2)
    other = Store(tmp_path / "w.db")  # a colleague opening the same file
    back = other.load_scenario("hanya atasan", 1)
    assert back.rubric.hash == rubric.hash and back.rubric_hash == rubric.hash
    assert back.parameters == {"period": "2025", "org": "Baik"}
    assert back.data_hash == wb.results.data_hash(ds.ratings)
    pd.testing.assert_frame_equal(back.to_frame().reset_index(drop=True),
                                  check.summary(min_cell=5).reset_index(drop=True), check_dtype=False)
    assert other.load_scenario("hanya atasan").version == 2
    assert other.scenarios()["name"].tolist() == ["hanya atasan", "hanya atasan"]
    with pytest.raises(ParameterError, match="No scenario 'x'.*hanya atasan"):
        other.load_scenario("x")
    with pytest.raises(ParameterError, match="weight sets"):
        other.save_scenario("y", rubric, weights="nope", by="a")
    with pytest.raises(ParameterError, match="who saves"):
        other.save_scenario("y", rubric, by=" ")
