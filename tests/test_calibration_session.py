"""Calibration sessions: refusals, calibrated scores and curve, the agenda, the trail's
tamper evidence through the session, resuming in a new process, concurrent meetings,
the minutes and the calibrated aggregates for leadership."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench import calibration
from workbench.errors import ParameterError
from workbench.store import StoreError

ROOT = Path(__file__).resolve().parents[1]
RUBRIC = "permenpanrb-6-2022"
REASON = "realisasi IKI triwulan III dan IV di bawah target"


@pytest.fixture()
def session(kota, tmp_path):
    return calibration.open(kota, RUBRIC, unit="Bappeda", period="2025", store=tmp_path / "w.db", by="hr.bkpsdm")


# -- refusals ---------------------------------------------------------------------------
def test_a_change_without_a_reason_is_refused(session):
    emp = session.employees[0]
    for reason in ("", "   ", "ok", None):
        with pytest.raises(ParameterError, match=r"needs a reason of at least 5 characters \(employee"):
            session.propose(emp, "Butuh Perbaikan", reason=reason, by="hr")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="needs `by`"):
        session.propose(emp, "Butuh Perbaikan", reason=REASON, by="")
    assert session.history().empty


def test_unknown_predikat_and_outside_employee_are_refused(session, kota):
    emp = session.employees[0]
    with pytest.raises(ParameterError, match="`to_predikat` must be one of .*'Butuh Perbaikan'.*got 'Baik sekali'"):
        session.propose(emp, "Baik sekali", reason=REASON, by="hr")
    roster = kota.roster[kota.roster["period"] == "2025"]
    other = roster.loc[roster["unit"] == "Inspektorat", "employee_id"].iloc[0]
    with pytest.raises(ParameterError, match=rf"Employee '{other}' is not in session .*\['Inspektorat'\]"):
        session.propose(other, "Butuh Perbaikan", reason=REASON, by="hr")
    with pytest.raises(ParameterError, match="is not in session"):
        session.propose("123", "Butuh Perbaikan", reason=REASON, by="hr")
    current = session.calibrated().frame.set_index("employee_id").loc[emp, "predikat"]
    with pytest.raises(ParameterError, match="already has predikat"):
        session.propose(emp, current, reason=REASON, by="hr")
    assert session.history().empty


def test_predikat_by_id_label_or_english_and_nip_with_spaces(session):
    a, b, c = session.employees[:3]
    assert session.propose(a, "butuh_perbaikan", reason=REASON, by="hr").to_predikat == "butuh_perbaikan"
    assert session.propose(b, "needs improvement", reason=REASON, by="hr").to_predikat == "butuh_perbaikan"
    spaced = f"{c[:8]} {c[8:14]} {c[14]} {c[15:]}"
    assert session.propose(spaced, "BUTUH  PERBAIKAN", reason=REASON, by="hr").employee_id == c


def test_a_closed_session_is_frozen(session):
    session.propose(session.employees[0], "Butuh Perbaikan", reason=REASON, by="hr")
    closing = session.close(by="kepala.bkpsdm", note="rapat selesai")
    assert session.closed and session.status == "closed" and session.head == closing.hash
    for call in (lambda: session.propose(session.employees[1], "Butuh Perbaikan", reason=REASON, by="hr"),
                 lambda: session.withdraw(session.employees[0], reason=REASON, by="hr"),
                 lambda: session.note("tambahan", by="hr"),
                 lambda: session.close(by="hr")):
        with pytest.raises(StoreError, match="is closed"):
            call()
    payload = json.loads(session.store.entries(session.id)[-1]["payload"])
    assert payload["n_changes"] == 1 and payload["counts_after"]["Butuh Perbaikan"] == \
        payload["counts_before"]["Butuh Perbaikan"] + 1


# -- calibrated scores and the curve --------------------------------------------------------
def test_calibrated_scores_and_curve_equal_a_hand_made_check(session):
    before = session.calibrated().to_frame()
    moved = session.agenda()["employee_id"].head(4).tolist()
    for emp in moved[:3]:
        session.propose(emp, "Butuh Perbaikan", reason=REASON, by="hr")
    session.propose(moved[3], "Kurang/Misconduct", reason=REASON, by="hr")
    cal = session.calibrated().to_frame().set_index("employee_id")
    assert (cal.loc[moved[:3], "predikat"] == "Butuh Perbaikan").all()
    assert cal.loc[moved[3], "predikat"] == "Kurang/Misconduct"
    assert (cal.loc[moved, "predikat_before"] == "Baik").all()
    assert cal.loc[moved, "reason"].eq(REASON).all() and cal.loc[moved, "changed_by"].eq("hr").all()
    others = cal.drop(index=moved)
    assert (others["predikat"] == others["predikat_before"]).all() and others["reason"].isna().all()
    assert len(cal) == len(before)
    # the curve after the changes is the curve check of the changed table
    hand = before.copy()
    hand["predikat"] = hand["predikat"].astype(object)
    hand.loc[hand["employee_id"].isin(moved[:3]), "predikat"] = "Butuh Perbaikan"
    hand.loc[hand["employee_id"] == moved[3], "predikat"] = "Kurang/Misconduct"
    expected = wb.curve_check(hand, {"Bappeda": "Baik"}, rubric=session.rubric).to_frame()
    got = session.curve().to_frame()
    cols = ["n_employees", "Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang/Misconduct", "Sangat Kurang", "ok",
            "violations", "n_changes"]
    pd.testing.assert_frame_equal(got[cols], expected[cols])
    assert got.loc[0, "Baik"] == before["predikat"].eq("Baik").sum() - 4


def test_moving_the_suggested_agenda_meets_the_curve(session):
    assert not session.curve().to_frame().loc[0, "ok"]
    agenda = session.agenda()
    suggested = agenda[agenda["suggested"]]
    assert len(suggested) == session.curve_before().to_frame().loc[0, "n_changes"] == 10
    for row in suggested.itertuples():
        session.propose(row.employee_id, row.to_predikat, reason=REASON, by="hr")
    frame = session.curve().to_frame()
    assert frame.loc[0, "ok"] and frame.loc[0, "n_changes"] == 0
    assert session.agenda().empty
    d = session.distribution().set_index("predikat")
    assert d.loc["Baik"].tolist() == ["baik", 43, 33] and d.loc["Butuh Perbaikan", "after"] == 10
    assert d["before"].sum() == d["after"].sum() == 48 and session.n_changes == 10
    assert session.distribution("en")["predikat"].iloc[0] == "Very Good"


def test_withdraw_returns_to_the_predikat_before(session):
    emp = session.employees[0]
    start = session.calibrated().to_frame().set_index("employee_id").loc[emp, "predikat"]
    session.propose(emp, "Butuh Perbaikan", reason=REASON, by="hr")
    session.propose(emp, "Kurang/Misconduct", reason="perilaku: catatan disiplin", by="hr")
    w = session.withdraw(emp, reason="catatan disiplin belum diverifikasi", by="hr")
    assert (w.from_predikat, w.to_predikat, w.ref_seq) == ("kurang_misconduct", "butuh_perbaikan", 2)
    assert session.calibrated().to_frame().set_index("employee_id").loc[emp, "predikat"] == "Butuh Perbaikan"
    session.withdraw(emp, reason="kembali ke penilaian atasan", by="hr")
    assert session.calibrated().to_frame().set_index("employee_id").loc[emp, "predikat"] == start
    with pytest.raises(ParameterError, match="no change in effect"):
        session.withdraw(emp, reason="lagi-lagi", by="hr")
    hist = session.history()
    assert hist["kind"].tolist() == ["propose", "propose", "withdraw", "withdraw"]
    assert not hist["active"].any()  # every change withdrawn; the entries stay


# -- the agenda ---------------------------------------------------------------------------
def test_agenda_is_ranked_by_distance_then_quarterly_evidence_then_hash(kota, tmp_path):
    s = calibration.open(kota, RUBRIC, unit="Dinas Pendidikan", period="2025", store=tmp_path, by="hr")
    agenda = s.agenda()
    assert agenda["rank"].tolist() == list(range(1, len(agenda) + 1))
    keys = list(zip(agenda["distance"].round(9), agenda["distance_periodic"].fillna(np.inf).round(9), strict=True))
    assert keys == sorted(keys)
    # the quarterly ratings break the ties of the annual ratings (1, 2 or 3)
    assert agenda["distance"].nunique() < agenda[["distance", "distance_periodic"]].drop_duplicates().shape[0]
    # hand check of one distance: a Baik with hasil Sesuai (2) is 0.5 category widths from Butuh Perbaikan
    row = agenda.iloc[0]
    frame = s.calibrated().to_frame().set_index("employee_id")
    assert frame.loc[row["employee_id"], "hasil_kerja"] == 2.0 and row["distance"] == 0.5
    quarters = kota.ratings[(kota.ratings["employee_id"] == row["employee_id"])
                            & kota.ratings["period"].str.startswith("2025-Q")
                            & (kota.ratings["indicator"] == "hasil_kerja")]["score"].mean()
    assert row["distance_periodic"] == pytest.approx(max(quarters - 1.5, 0.0))
    # NIP order (birth date first) plays no part: the list is not sorted by NIP within a tie
    tie = agenda[(agenda["distance"] == 0.5) & (agenda["distance_periodic"] == 0.5)]["employee_id"].tolist()
    assert len(tie) > 10 and tie != sorted(tie)


def test_agenda_with_the_detailed_rubric_uses_the_real_scores(kota, tmp_path):
    s = calibration.open(kota, "permenpanrb-6-2022-rinci", unit="Bappeda", period="2025", store=tmp_path, by="hr")
    agenda = s.agenda()
    frame = s.calibrated().to_frame().set_index("employee_id")
    first = agenda.iloc[0]
    # Baik -> Butuh Perbaikan: hasil kerja must fall below 85 (width 25 of Sesuai Ekspektasi)
    assert first["distance"] == pytest.approx((frame.loc[first["employee_id"], "hasil_kerja"] - 85) / 25)
    assert agenda["distance"].is_monotonic_increasing
    assert agenda.loc[agenda["suggested"], "employee_id"].tolist() == \
        s.curve().borderline["employee_id"].tolist()


# -- tamper evidence through the session -----------------------------------------------------
def test_direct_database_edit_is_detected_and_blocks_resuming(session, kota):
    for emp in session.employees[:3]:
        session.propose(emp, "Butuh Perbaikan", reason=REASON, by="hr")
    assert session.verify().ok
    con = sqlite3.connect(session.store.path, isolation_level=None)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE trail SET to_predikat = 'sangat_baik' WHERE seq = 2")
    con.execute("DROP TRIGGER trail_no_update")
    con.execute("UPDATE trail SET to_predikat = 'sangat_baik' WHERE seq = 2")
    check = session.verify()
    assert not check.ok and check.to_frame()["seq"].tolist() == [2]
    with pytest.raises(StoreError, match="fails verification .*entry 2"):
        calibration.open(kota, RUBRIC, unit="Bappeda", period="2025", store=session.store.path)


def test_changed_data_blocks_resuming(session, kota):
    session.propose(session.employees[0], "Butuh Perbaikan", reason=REASON, by="hr")
    ratings = kota.ratings.copy()
    emp = session.employees[5]
    hit = (ratings["employee_id"] == emp) & (ratings["period"] == "2025") & (ratings["indicator"] == "hasil_kerja")
    ratings.loc[hit, "score"] = 3.0 if ratings.loc[hit, "score"].iloc[0] != 3.0 else 1.0
    other = wb.Dataset.trusted(ratings, kota.roster, name="kota_contoh")
    with pytest.raises(StoreError, match="changed since session"):
        calibration.open(other, RUBRIC, unit="Bappeda", period="2025", store=session.store.path)
    fresh = calibration.open(other, RUBRIC, unit="Bappeda", period="2025", store=session.store.path, new=True)
    assert fresh.id != session.id and fresh.history().empty


# -- resuming in a new process, two meetings at once -------------------------------------------
_MEETING = textwrap.dedent("""
    import json, sys, time
    import workbench as wb
    from workbench import calibration
    store, unit, tag, start, out, plan = sys.argv[1:7]
    with open(plan) as f:
        mine = json.loads(f.read())[tag]
    ds = wb.read_sample("kota_contoh")
    s = calibration.open(ds, "permenpanrb-6-2022", unit=unit, period="2025", store=store, by=tag)
    while time.time() < float(start):
        time.sleep(0.001)
    for emp in mine:
        s.propose(emp, "Butuh Perbaikan", reason="disepakati rapat " + tag, by=tag)
        time.sleep(0.01)
    if tag == "A":
        s.withdraw(mine[0], reason="ditinjau ulang oleh " + tag, by=tag)
    s.calibrated().to_frame()[["employee_id", "predikat", "reason"]].to_csv(out, index=False)
    print(s.id)
""")


def _run(script: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(script), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT)


def test_resumed_in_a_new_process_gives_the_same_result_and_two_meetings_lose_nothing(kota, tmp_path):
    script = tmp_path / "meeting.py"
    script.write_text(_MEETING)
    db = tmp_path / "w.db"
    first = calibration.open(kota, RUBRIC, unit="Bappeda", period="2025", store=db, by="hr")  # the session exists
    agenda = first.agenda()["employee_id"].tolist()
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"A": agenda[0:10:2], "B": agenda[1:10:2]}))
    start = time.time() + 15.0
    procs = [_run(script, str(db), "Bappeda", tag, str(start), str(tmp_path / f"{tag}.csv"), str(plan))
             for tag in "AB"]
    ids = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        ids.append(out.strip())
    assert ids[0] == ids[1]  # both processes resumed the same session
    s = calibration.open(kota, RUBRIC, unit="Bappeda", period="2025", store=db)
    assert s.id == ids[0] and s.verify().ok
    hist = s.history()
    assert len(hist) == 11 and hist["seq"].tolist() == list(range(1, 12))
    assert sorted(hist["by"].unique()) == ["A", "B"]
    assert int(hist["active"].sum()) == 9
    # the last writer's view of the calibrated scores equals the one a new process rebuilds
    mine = s.calibrated().to_frame()[["employee_id", "predikat", "reason"]]
    last = max("AB", key=lambda tag: hist.loc[hist["by"] == tag, "seq"].max())
    theirs = pd.read_csv(tmp_path / f"{last}.csv", dtype=str, keep_default_na=False)
    assert mine.astype(object).fillna("").astype(str).to_numpy().tolist() == \
        theirs.astype(object).fillna("").astype(str).to_numpy().tolist()
    assert (mine["predikat"] == "Butuh Perbaikan").sum() == \
        (s.calibrated().to_frame()["predikat_before"] == "Butuh Perbaikan").sum() + 9


def test_history_of_cycles_and_the_same_session_is_resumed(kota, tmp_path):
    a = calibration.open(kota, RUBRIC, unit="Bappeda", period="2025", store=tmp_path, by="hr")
    assert calibration.open(kota, RUBRIC, unit="Bappeda", period="2025", store=tmp_path).id == a.id
    a.close(by="hr")
    b = calibration.open(kota, RUBRIC, unit="Bappeda", period="2025", store=tmp_path, by="hr")
    assert b.id != a.id  # a closed session is not resumed: a new cycle starts
    q1 = calibration.open(kota, RUBRIC, unit="Bappeda", period="2025-Q1", store=tmp_path, by="hr")
    cycles = calibration.sessions(tmp_path)
    assert cycles["session_id"].tolist() == [a.id, b.id, q1.id]
    assert cycles["status"].tolist() == ["closed", "open", "open"]
    with pytest.raises(ParameterError, match="organisation rating"):
        calibration.open(kota, RUBRIC, unit="Bappeda", period="2025", store=tmp_path, org_rating="Istimewa")
    with pytest.raises(ParameterError, match="Did you mean 'Bappeda'"):
        calibration.open(kota, RUBRIC, unit="Bapeda", period="2025", store=tmp_path)


def _table_rows(fragment: str) -> list[list[str]]:
    """The rows of an HTML table as lists of cell texts (header cells included)."""
    from html.parser import HTMLParser

    class Rows(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.rows: list[list[str]] = []
            self.cell: list[str] | None = None

        def handle_starttag(self, tag, attrs):
            if tag == "tr":
                self.rows.append([])
            elif tag in ("td", "th"):
                self.cell = []

        def handle_endtag(self, tag):
            if tag in ("td", "th") and self.cell is not None:
                self.rows[-1].append("".join(self.cell).strip())
                self.cell = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell.append(data)

    parser = Rows()
    parser.feed(fragment)
    return [r for r in parser.rows if r]


# -- minutes --------------------------------------------------------------------------------
def test_minutes_hold_changes_reasons_people_distribution_and_the_code(session, tmp_path):
    agenda = session.agenda()
    for row in agenda[agenda["suggested"]].itertuples():
        session.propose(row.employee_id, "Butuh Perbaikan", reason=f"{REASON} ({row.rank})", by="sekretaris.bkpsdm")
    gone = agenda.iloc[0]["employee_id"]
    session.withdraw(gone, reason="bukti belum lengkap", by="kepala.bkpsdm")
    session.note("Rapat dihadiri Kepala BKPSDM dan Sekretaris Bappeda", by="sekretaris.bkpsdm")
    closing = session.close(by="kepala.bkpsdm")
    path = session.export_minutes(tmp_path / "ba.html")
    page = path.read_text(encoding="utf-8")
    assert "Berita Acara Rapat Kalibrasi Predikat Kinerja Pegawai" in page and "<script" not in page
    assert "http" not in page and "<link" not in page
    assert "9 perubahan predikat disepakati" in page and "sebelum kalibrasi" in page
    for row in agenda[agenda["suggested"]].iloc[1:].itertuples():
        assert row.employee_id in page and f"({row.rank})" in page
        assert str(row.name) in page
    assert "bukti belum lengkap" in page and "Perubahan yang ditarik kembali" in page
    assert "Rapat dihadiri Kepala BKPSDM" in page and "kepala.bkpsdm" in page
    assert "Jejak audit utuh: 13 entri" in page and closing.hash in page
    # final distribution: Baik 43 -> 34 (the curve allows 33, one change was withdrawn)
    rows = {r[0]: r[1:] for r in _table_rows(page.split("Distribusi predikat")[1].split("</table>")[0])}
    assert rows["Baik"] == ["43", "34"] and rows["Jumlah"] == ["48", "48"]
    assert rows["Predikat"] == ["Sebelum", "Sesudah"]
    assert session.verify(expected_head=closing.hash).ok
    english = session.minutes_html("en")
    assert "Minutes of the Employee Performance Rating Calibration Meeting" in english
    assert "Needs Improvement" in english and "9 changes of predikat agreed" in english


def test_calibrated_results_for_leadership_come_from_closed_sessions_only(kota, tmp_path):
    before = wb.curve_check(wb.score(kota, RUBRIC, period="2025"), "Baik").to_frame().set_index("unit")
    closed = calibration.open(kota, RUBRIC, unit="Bappeda", period="2025", store=tmp_path, by="hr")
    for row in closed.agenda().query("suggested").itertuples():
        closed.propose(row.employee_id, row.to_predikat, reason=REASON, by="hr")
    closed.close(by="hr")
    still_open = calibration.open(kota, RUBRIC, unit="Inspektorat", period="2025", store=tmp_path, by="hr")
    for row in still_open.agenda().query("suggested").itertuples():
        still_open.propose(row.employee_id, row.to_predikat, reason=REASON, by="hr")
    scores = calibration.calibrated_scores(kota, RUBRIC, "2025", tmp_path).to_frame()
    assert scores.loc[scores["unit"] == "Bappeda", "calibrated"].all()
    assert not scores.loc[scores["unit"] != "Bappeda", "calibrated"].any()
    curve = calibration.calibrated_curve(kota, RUBRIC, "Baik", "2025", tmp_path).to_frame().set_index("unit")
    assert curve.loc["Bappeda", "ok"] and not curve.loc["Inspektorat", "ok"]  # open changes do not count
    assert curve.loc["Inspektorat", "Baik"] == before.loc["Inspektorat", "Baik"]
    summary = calibration.calibrated_curve(kota, RUBRIC, "Baik", "2025", tmp_path).summary(min_cell=5)
    assert not re.search(r"\d{18}", summary.to_string())
    status = calibration.calibration_status(kota, RUBRIC, "2025", tmp_path).set_index("unit")
    assert status.loc["Bappeda", "status"] == "closed" and status.loc["Inspektorat", "status"] == "open"
    assert status.loc["Dinas Sosial", "status"] == "none" and status.loc["Bappeda", "n_changes"] == 10


def test_a_session_opened_without_create_is_written_with_its_first_entry(kota, tmp_path):
    a = calibration.open(kota, RUBRIC, unit="Bappeda", period="2025", store=tmp_path, by="hr.a", create=False)
    assert not a.saved and a.history().empty and calibration.sessions(tmp_path).empty
    assert len(a.agenda()) > 0 and not a.curve().to_frame().loc[0, "ok"]  # reads need no row in the store
    b = calibration.open(kota, RUBRIC, unit="Bappeda", period="2025", store=tmp_path, by="hr.b", create=False)
    a.propose(a.employees[0], "Butuh Perbaikan", reason=REASON, by="hr.a")
    assert a.saved and len(calibration.sessions(tmp_path)) == 1
    b.propose(b.employees[1], "Butuh Perbaikan", reason=REASON, by="hr.b")  # joins a's session
    assert b.id == a.id and len(calibration.sessions(tmp_path)) == 1
    assert a.history()["by"].tolist() == ["hr.a", "hr.b"] and a.header["opened_by"] == "hr.a"
