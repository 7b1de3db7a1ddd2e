"""The calibration dashboard as widgets: the HR gate, a refused and a saved move, the
verdict update, withdrawal, the minutes download, closing, the language switch."""

from __future__ import annotations

import base64
import re

import ipywidgets as widgets
import pytest

from workbench import calibration
from workbench.views.calibration import CalibrationMeeting, calibration_meeting

NIP = re.compile(r"(?<!\d)\d{18}(?!\d)")


def _html(w: widgets.Widget) -> str:
    out = []
    if isinstance(w, widgets.HTML):
        out.append(w.value)
    if isinstance(w, widgets.Dropdown):
        out.extend(str(o) for o in w.options)
    for c in getattr(w, "children", ()):
        out.append(_html(c))
    return "\n".join(out)


def test_only_hr_sees_the_meeting(kota, tmp_path, monkeypatch):
    monkeypatch.delenv("WORKBENCH_VIEWER", raising=False)
    page = calibration_meeting(kota, store=tmp_path)
    text = _html(page)
    assert "hanya untuk pengguna SDM" in text and not NIP.search(text)
    assert not any(n in text for n in kota.roster["name"].head(50))
    assert not (tmp_path / "workbench.db").exists() or calibration.sessions(tmp_path).empty
    monkeypatch.setenv("WORKBENCH_VIEWER", "hr")
    assert isinstance(calibration_meeting(kota, store=tmp_path, unit="Bappeda"), CalibrationMeeting)


@pytest.fixture()
def page(kota, tmp_path):
    return calibration_meeting(kota, hr=True, store=tmp_path, unit="Bappeda", period="2025")


def test_a_move_without_a_reason_is_refused_and_one_with_a_reason_updates_the_verdict(page, tmp_path):
    assert page.verdict.startswith('Bappeda belum memenuhi kurva distribusi untuk organisasi "Baik": Baik maks. 70%')
    assert page.verdict.endswith("Masih perlu 10 perubahan.")
    first = page.session.agenda().iloc[0]
    assert page._employee.value == first["employee_id"] and page._target.value == "butuh_perbaikan"
    page._by.value = "sekretaris.bkpsdm"
    page._reason.value = "  "
    page._submit.click()
    assert page.message == "Perubahan ditolak: alasan wajib diisi (minimal 5 karakter)."
    assert "role='alert'" in page._message.value and page.n_changes == 0
    assert calibration.sessions(tmp_path).empty  # nothing was written
    page._reason.value = "IKI triwulan III-IV di bawah target"
    page._submit.click()
    assert page.message == f"Tersimpan: {first['employee_id']} dari Baik ke Butuh Perbaikan."
    assert page.n_changes == 1 and page.verdict.endswith("Masih perlu 9 perubahan.")
    assert "IKI triwulan III-IV di bawah target" in page._history.value
    assert len(calibration.sessions(tmp_path)) == 1
    # the same employee again: the core refuses, the page says why
    page._employee.value = first["employee_id"]
    page._target.value = "butuh_perbaikan"
    page._reason.value = "sekali lagi, tetap sama"
    page._submit.click()
    assert page.message.startswith("Perubahan ditolak:") and "already has predikat" in page.message
    # nobody named: refused
    page._by.value = ""
    page._reason.value = "alasan yang cukup panjang"
    page._submit.click()
    assert page.message == "Perubahan ditolak: isi siapa yang memutuskan."


def test_withdraw_export_close_and_language(page, tmp_path):
    page._by.value = "hr"
    emp = page._employee.value
    page._reason.value = "bukti evaluasi periodik"
    page._submit.click()
    page._employee.value = emp
    page._reason.value = "bukti belum diverifikasi"
    page._withdraw.click()
    assert page.message.startswith(f"Ditarik kembali: {emp} kembali ke Baik") and page.n_changes == 0
    page._reason.value = "kinerja triwulan IV rendah"
    page._submit.click()
    page._export.click()
    link = re.search(r"href='data:text/html;charset=utf-8;base64,([^']+)'", page._download.value)
    minutes = base64.b64decode(link[1]).decode("utf-8")
    assert "kinerja triwulan IV rendah" in minutes and "Berita Acara" in minutes
    assert list(tmp_path.glob("berita_acara_*.html"))
    page._close.click()
    assert page.message.startswith("Sesi ditutup; kode verifikasi ") and page._submit.disabled
    assert page.session.verify(expected_head=page.message.split()[-1].rstrip(".")).ok
    page.toggle.value = "en"
    assert page.verdict.startswith("Bappeda does not meet the distribution curve") and "closed" in page._status.value
    assert page._submit.description == "Save change"


def test_switching_units_previews_without_writing(page, tmp_path):
    page._unit.value = "Inspektorat"
    assert page.unit == "Inspektorat" and page.verdict.startswith("Inspektorat belum memenuhi")
    assert calibration.sessions(tmp_path).empty
