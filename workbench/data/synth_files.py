"""Synthetic files in the layouts a BKD really has: BKN e-Kinerja exports and a printed BKD recap.

The writers take plain tables and lay them out as the real files are laid out
(title rows, merged cells, a signature block), so tests can plant exactly what they
check; :func:`write_ekinerja_sample` and :func:`write_recap_sample` write the bundled
samples ``ekinerja_export`` and ``rekap_bkd`` from a fixed seed.

Examples
--------
>>> import tempfile, pathlib, workbench as wb
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> truth = write_ekinerja_sample(folder, seed=1)
>>> ds = wb.load(folder)
>>> sorted(ds.periods)
['2025', '2025-03', '2025-08']
>>> ds.report.rows_read == ds.report.rows_kept + ds.report.rows_rejected
True
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["write_bkd_recap", "write_ekinerja_sample", "write_org_ratings", "write_penilaian",
           "write_recap_sample", "write_skp_master"]

UNITS = ("Dinas Pendidikan", "Dinas Kesehatan", "Badan Keuangan Daerah", "Dinas Sosial")
_SUB = ("Sekretariat", "Bidang Program", "Bidang Layanan")
_FIRST = ("Budi", "Siti", "Agus", "Dewi", "Rudi", "Sri", "Andi", "Rina", "Joko", "Wati", "Hendra", "Yuni",
          "Bambang", "Lestari", "Dedi", "Nur", "Eko", "Fitri", "Hadi", "Maya")
_LAST = ("Santoso", "Rahayu", "Wijaya", "Lestari", "Hidayat", "Susanti", "Saputra", "Kurniawan", "Pratama",
         "Handayani")
_JABATAN = ("Analis Kebijakan Ahli Muda", "Pengelola Keuangan", "Kepala Seksi Pelayanan", "Pranata Komputer",
            "Kepala Bidang Program", "Guru Ahli Pertama", "Perawat Terampil", "Pengadministrasi Umum")
RATING_LABELS = ("Di Bawah Ekspektasi", "Sesuai Ekspektasi", "Di Atas Ekspektasi")


_STAMP = (2026, 1, 1, 0, 0, 0)


def _save(book: object, path: str | Path) -> Path:
    """Save a workbook byte for byte the same on every run (fixed times in the zip and the properties)."""
    import io
    import re
    import zipfile

    buffer = io.BytesIO()
    book.save(buffer)  # type: ignore[attr-defined]
    path = Path(path)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2026-01-01T00:00:00Z", data)
            info = zipfile.ZipInfo(item.filename, date_time=_STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, data)
    return path


def _sheet(ws: object, title_rows: list[str], header: list[str], rows: list[list[object]],
           first_row: int) -> None:
    """Title rows from row 1, the header at ``first_row - 1``, data below (NIPs as text)."""
    for i, text in enumerate(title_rows, start=1):
        ws.cell(row=i, column=1, value=text)  # type: ignore[attr-defined]
    for j, h in enumerate(header, start=1):
        ws.cell(row=first_row - 1, column=j, value=h)  # type: ignore[attr-defined]
    for i, row in enumerate(rows, start=first_row):
        for j, v in enumerate(row, start=1):
            cell = ws.cell(row=i, column=j, value=v)  # type: ignore[attr-defined]
            if isinstance(v, str) and v.isdigit():
                cell.number_format = "@"


def write_skp_master(path: str | Path, skp: pd.DataFrame, year: int = 2025,
                     instansi: str = "Pemerintah Kota Contoh") -> Path:
    """A *Laporan SKP*: the title with the year in A1, ``Instansi ...`` in A2, the header in row 4.

    ``skp`` has the export's snake_case columns (``id, nip, nama, is_plt_plh,
    periode_awal, periode_akhir, skp_status, skp_jabatan, skp_unor_nama,
    skp_unor_induk``).
    """
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Laporan SKP"
    _sheet(ws, [f"LAPORAN SKP TAHUN {year}", f"Instansi {instansi}"], list(skp.columns),
           skp.astype(object).where(skp.notna(), None).values.tolist(), first_row=5)
    return _save(book, path)


def write_penilaian(path: str | Path, rows: pd.DataFrame, title: str,
                    instansi: str = "Pemerintah Kota Contoh", sheet: str | None = None) -> Path:
    """A *Laporan Penilaian SKP*: the title in A1 (``... Tahunan 2025`` / ``Bulan Maret 2025``),
    ``Instansi ...`` in A2, an update time in A6 and the header in row 8 (``id``, ``hasil_akhir``, ...)."""
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet or "Penilaian"
    _sheet(ws, [title, f"Instansi {instansi}", "", "", "", "Diperbarui: 2026-01-15 08:00"], list(rows.columns),
           rows.astype(object).where(rows.notna(), None).values.tolist(), first_row=9)
    return _save(book, path)


def write_org_ratings(path: str | Path, org: pd.DataFrame) -> Path:
    """Org ratings (``Unit Kerja``, ``Predikat Kinerja Organisasi``, optional ``Periode``) as CSV or xlsx."""
    path = Path(path)
    if path.suffix == ".csv":
        org.to_csv(path, index=False, sep=";")
    else:
        import openpyxl

        book = openpyxl.Workbook()
        _sheet(book.active, ["PREDIKAT KINERJA ORGANISASI"], list(org.columns), org.values.tolist(), first_row=3)
        _save(book, path)
    return path


def write_bkd_recap(path: str | Path, rows: pd.DataFrame, title: list[str], unit_column: str = "Unit Kerja",
                    signature: bool = True, merge_units: bool = True) -> Path:
    """A BKD recap made for printing: merged title rows, a ``No`` column, the unit merged down its
    block, and a signature block below (a date line, ``Kepala BKPSDM``, a name, ``NIP. ...``).

    ``rows`` holds the columns after ``No`` in order, sorted by unit; the header is
    in row ``len(title) + 2``.
    """
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Rekap"
    header = ["No", *rows.columns]
    width = len(header)
    first = len(title) + 3
    _sheet(ws, title, header, [[i + 1, *r] for i, r in enumerate(rows.values.tolist())], first_row=first)
    for i in range(1, len(title) + 1):
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=width)
    if merge_units and unit_column in rows.columns:
        col = header.index(unit_column) + 1
        units = rows[unit_column].tolist()
        start = 0
        for k in range(1, len(units) + 1):
            if k == len(units) or units[k] != units[start]:
                if k - start > 1:
                    for r in range(first + start + 1, first + k):
                        ws.cell(row=r, column=col, value=None)
                    ws.merge_cells(start_row=first + start, start_column=col, end_row=first + k - 1, end_column=col)
                start = k
    if signature:
        foot = first + len(rows) + 1
        for i, text in enumerate(["Kota Contoh, 31 Desember 2025", "Mengetahui,", "Kepala BKPSDM Kota Contoh",
                                  "", "", "Drs. Ahmad Fauzi, M.Si", "NIP. 197501012000031002"]):
            if text:
                ws.cell(row=foot + i, column=width - 1, value=text)
    return _save(book, path)


def _nip(rng: np.random.Generator, n: int) -> list[str]:
    birth = pd.Timestamp("1965-01-01") + pd.to_timedelta(rng.integers(0, 35 * 365, n), unit="D")
    out = []
    for i, b in enumerate(birth):
        tmt = b.year + int(rng.integers(20, 30))
        out.append(f"{b:%Y%m%d}{min(tmt, 2023)}{int(rng.integers(1, 13)):02d}{int(rng.integers(1, 3))}{i + 1:03d}")
    return out


def _people(rng: np.random.Generator, n: int) -> pd.DataFrame:
    return pd.DataFrame({
        "nip": _nip(rng, n),
        "nama": [f"{_FIRST[i % len(_FIRST)]} {_LAST[(i * 7 + int(rng.integers(0, 3))) % len(_LAST)]}"
                 for i in range(n)],
        "unit": [UNITS[i % len(UNITS)] for i in range(n)],
        "sub": [_SUB[int(rng.integers(0, len(_SUB)))] for _ in range(n)],
        "jabatan": [_JABATAN[int(rng.integers(0, len(_JABATAN)))] for _ in range(n)],
    })


def _predikat(hasil: int, perilaku: int) -> str:
    """The PermenPANRB 6/2022 matrix on the two rating codes (1 below, 2 as, 3 above expectation)."""
    if hasil == 3 and perilaku == 3:
        return "Sangat Baik"
    if hasil >= 2 and perilaku >= 2:
        return "Baik"
    if hasil == 1 and perilaku == 1:
        return "Sangat Kurang"
    return "Butuh Perbaikan" if hasil == 1 else "Kurang/Misconduct"


def write_ekinerja_sample(folder: str | Path, seed: int = 20250101, n: int = 40, year: int = 2025) -> pd.DataFrame:
    """Write an e-Kinerja export folder; return the planted facts (one row per SKP).

    Files: ``laporan_skp_<year>.xlsx`` (the SKP master, with two acting (Plt) SKPs
    and one employee transferred on 1 July), ``penilaian_skp_tahunan_<year>.xlsx``,
    ``penilaian_skp_maret_<year>.xlsx`` and ``penilaian_skp_agustus_<year>.xlsx``
    (with the two ratings as labels; one employee not yet rated: ``-``), and
    ``predikat_kinerja_organisasi_<year>.csv``.
    """
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    people = _people(rng, n)
    rows = []
    for _, p in people.iterrows():
        rows.append({"nip": p["nip"], "nama": p["nama"], "is_plt_plh": 0, "periode_awal": f"{year}-01-01",
                     "periode_akhir": f"{year}-12-31", "skp_jabatan": p["jabatan"],
                     "skp_unor_nama": f"{p['sub']} {p['unit']}", "skp_unor_induk": p["unit"], "kind": "own"})
    moved = 1  # transferred on 1 July from UNITS[1] to UNITS[2]
    rows[moved].update(periode_akhir=f"{year}-06-30", kind="before_transfer")
    rows.append({**rows[moved], "periode_awal": f"{year}-07-01", "periode_akhir": f"{year}-12-31",
                 "skp_unor_nama": f"Sekretariat {UNITS[2]}", "skp_unor_induk": UNITS[2], "kind": "after_transfer"})
    for k in (4, 9):  # acting heads of another unit
        rows.append({**rows[k], "is_plt_plh": 1, "skp_jabatan": "Plt. Kepala Bidang Layanan",
                     "skp_unor_nama": f"Bidang Layanan {UNITS[(k + 1) % 4]}",
                     "skp_unor_induk": UNITS[(k + 1) % 4], "kind": "acting"})
    skp = pd.DataFrame(rows)
    skp.insert(0, "id", [f"skp-{year}-{i + 1:04d}" for i in range(len(skp))])
    skp["skp_status"] = "persetujuan"
    hasil = rng.choice([1, 2, 3], size=len(skp), p=[0.05, 0.8, 0.15])
    perilaku = np.where(hasil == 3, rng.choice([2, 3], size=len(skp)), rng.choice([1, 2], size=len(skp),
                                                                                    p=[0.05, 0.95]))
    skp["hasil_kerja"], skp["perilaku_kerja"] = hasil, perilaku
    skp["predikat"] = [_predikat(h, b) for h, b in zip(hasil, perilaku, strict=True)]
    master = skp[["id", "nip", "nama", "is_plt_plh", "periode_awal", "periode_akhir", "skp_status",
                  "skp_jabatan", "skp_unor_nama", "skp_unor_induk"]]
    write_skp_master(folder / f"laporan_skp_{year}.xlsx", master, year)
    tahunan = skp[["id", "nip", "nama"]].assign(hasil_akhir=skp["predikat"].str.upper())
    not_rated = n - 1
    tahunan.loc[not_rated, "hasil_akhir"] = "-"
    write_penilaian(folder / f"penilaian_skp_tahunan_{year}.xlsx", tahunan,
                    f"LAPORAN PENILAIAN SKP TAHUNAN {year}", sheet="Tahunan")
    for name, live in (("Maret", skp["kind"] != "after_transfer"),
                       ("Agustus", skp["kind"] != "before_transfer")):
        sub = skp[live]
        monthly = pd.DataFrame({"id": sub["id"], "nama": sub["nama"],
                                "rating_hasil_kerja": [RATING_LABELS[h - 1] for h in sub["hasil_kerja"]],
                                "rating_perilaku_kerja": [RATING_LABELS[b - 1] for b in sub["perilaku_kerja"]],
                                "hasil_akhir": sub["predikat"]})
        write_penilaian(folder / f"penilaian_skp_{name.lower()}_{year}.xlsx", monthly,
                        f"LAPORAN PENILAIAN SKP BULAN {name.upper()} {year}", sheet=name)
    org = pd.DataFrame({"Unit Kerja": list(UNITS), "Predikat Kinerja Organisasi": ["Istimewa", "Baik", "Baik",
                                                                                  "Butuh Perbaikan"],
                        "Periode": str(year)})
    write_org_ratings(folder / f"predikat_kinerja_organisasi_{year}.csv", org)
    skp.loc[not_rated, "predikat_tahunan"] = "-"
    return skp.drop(columns=["skp_status"])


def write_recap_sample(folder: str | Path, seed: int = 20250101, n: int = 30, year: int = 2025) -> pd.DataFrame:
    """Write a printed BKD recap (``rekap_penilaian_kinerja_<year>.xlsx``); return its rows.

    Merged title rows, a ``No`` column, the unit merged down its block, the two
    ratings as labels, the recorded predikat, a signature block and no rater column.
    """
    rng = np.random.default_rng(seed + 1)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    people = _people(rng, n).sort_values("unit", kind="stable").reset_index(drop=True)
    hasil = rng.choice([1, 2, 3], size=n, p=[0.05, 0.8, 0.15])
    perilaku = np.where(hasil == 3, rng.choice([2, 3], size=n), 2)
    rows = pd.DataFrame({
        "Unit Kerja": people["unit"], "NIP": people["nip"], "Nama": people["nama"], "Jabatan": people["jabatan"],
        "Rating Hasil Kerja": [RATING_LABELS[h - 1] for h in hasil],
        "Rating Perilaku Kerja": [RATING_LABELS[b - 1] for b in perilaku],
        "Predikat Kinerja": [_predikat(h, b) for h, b in zip(hasil, perilaku, strict=True)],
    })
    write_bkd_recap(folder / f"rekap_penilaian_kinerja_{year}.xlsx", rows,
                    ["REKAPITULASI PENILAIAN KINERJA PEGAWAI", "PEMERINTAH KOTA CONTOH", f"TAHUN {year}"])
    return rows
