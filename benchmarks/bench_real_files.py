"""The files a BKD really has: pathological small files and a 200,000-row e-Kinerja workbook.

Run: ``python benchmarks/bench_real_files.py [--rows N] [--no-wait]``. Every file is
generated in a temporary folder (never committed). Each case runs in a fresh process,
and twice: ``seconds`` is the best of 3 runs (1 for the big workbook) without tracing;
``peak MiB`` is the peak of memory allocated during one more call, traced by
:mod:`tracemalloc` (Python objects and NumPy/pandas buffers, not what importing took).

* ``csv 100k separators``: 100 KB, one line of 100,000 ``;`` (took 65 s and 800 MB
  before the readers were rewritten): refused at once, naming ``MAX_COLUMNS``;
* ``csv 2 MB one line``: one 2 MB line without separator (killed at 14 GB before): read
  as one cell, then refused for having no header;
* ``xlsx A1:XFD1048576``: a 5 KB workbook whose stored dimension claims the whole sheet;
* ``xlsx cell XFD1048576``: one value in the last cell of the sheet: refused, naming
  ``MAX_COLUMNS``;
* ``xlsx stale dimension``: 10 rows under a ``<dimension>`` of ``A1:B2`` (2 rows were
  loaded before);
* ``xlsx e-Kinerja N rows``: title rows, then ``id, nip, nama, unit_kerja, ...,
  hasil_akhir`` with the two ratings as labels, read by ``read_raw`` and by
  ``wb.load``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import load_text, wait_for_quiet

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time, tracemalloc
path, how, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
import workbench as wb
from workbench.data.read import read_raw
from workbench.errors import DataContractError
best, outcome, peak = float("inf"), "", 0
for run in range(repeat + 1):
    if run == repeat:
        tracemalloc.start()
    t = time.perf_counter()
    try:
        if how == "read":
            tables = read_raw(path)
            outcome = f"read {sum(len(x.frame) for x in tables):,} rows"
        else:
            ds = wb.load(path)
            r = ds.report
            assert r.rows_read == r.rows_kept + r.rows_rejected
            outcome = f"kept {r.rows_kept:,} of {r.rows_read:,}"
    except DataContractError as exc:
        text = str(exc)
        limit = next((w for w in ("MAX_COLUMNS", "MAX_CELLS", "no header") if w in text), "error")
        outcome = f"refused ({limit})"
    if run < repeat:
        best = min(best, time.perf_counter() - t)
    else:
        peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({"seconds": best, "peak_mib": peak / 2**20, "outcome": outcome}))
"""

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RNS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def write_xlsx(path: Path, rows: list[list[object]] | None = None, dimension: str | None = None,
               body: str | None = None) -> None:
    """A workbook written part by part, as export tools do: shared strings, numbers as numbers."""
    strings: dict[str, int] = {}
    parts = []
    for r, row in enumerate(rows or [], start=1):
        cells = []
        for c, v in enumerate(row):
            ref = f"{_col(c)}{r}"
            if v is None or v == "":
                continue
            if isinstance(v, (int, float)):
                cells.append(f'<c r="{ref}"><v>{v}</v></c>')
            else:
                idx = strings.setdefault(str(v), len(strings))
                cells.append(f'<c r="{ref}" t="s"><v>{idx}</v></c>')
        parts.append(f'<row r="{r}">{"".join(cells)}</row>')
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}">{dim}'
             f'<sheetData>{body if body is not None else "".join(parts)}</sheetData></worksheet>')
    sst = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}" count="{len(strings)}">'
           + "".join(f"<si><t>{_esc(s)}</t></si>" for s in strings) + "</sst>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   f'package/2006/relationships"><Relationship Id="rId1" Type="{RNS}/officeDocument" '
                   'Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook xmlns="{NS}" xmlns:r="{RNS}"><sheets>'
                   '<sheet name="Laporan" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                   f'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{RNS}/worksheet" '
                   f'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{RNS}/sharedStrings" '
                   'Target="sharedStrings.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        z.writestr("xl/sharedStrings.xml", sst)


LABELS = ["Di Bawah Ekspektasi", "Sesuai Ekspektasi", "Di Atas Ekspektasi"]
PREDIKAT = ["Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang", "Sangat Kurang", "-"]


def ekinerja_rows(n: int, seed: int = 0) -> list[list[object]]:
    """Title rows, then one row per SKP in the column names of the e-Kinerja export."""
    rng = np.random.default_rng(seed)
    header = ["id", "nip", "nama", "unit_kerja", "jabatan", "nip_atasan", "periode", "rating_hasil_kerja",
              "rating_perilaku", "hasil_akhir"]
    rows: list[list[object]] = [["LAPORAN PENILAIAN SKP TAHUNAN 2025"], ["Instansi Pemerintah Kota Contoh"], [],
                                header]
    units = [f"Dinas {i}" for i in range(40)]
    nips = 198001012005011000 + np.arange(n)
    bosses = 197001011995031000 + rng.integers(0, max(n // 10, 1), n)
    hk, pk, pr, un = (rng.integers(0, 3, n), rng.integers(0, 3, n), rng.integers(0, 6, n),
                      rng.integers(0, 40, n))
    for i in range(n):
        rows.append([i + 1, str(nips[i]), f"Pegawai {i}", units[un[i]], "Pelaksana", str(bosses[i]), "2025",
                     LABELS[hk[i]], LABELS[pk[i]], PREDIKAT[pr[i]]])
    return rows


def make_files(folder: Path, rows: int) -> list[tuple[str, Path, str, int]]:
    """(case, file, how, repeat) for every case."""
    cases = []
    p = folder / "separators.csv"
    p.write_bytes(b";" * 100_000)
    cases.append(("csv 100k separators", p, "load", 3))
    p = folder / "one_line.csv"
    p.write_bytes(b"x" * 2_000_000)
    cases.append(("csv 2 MB one line", p, "load", 3))
    small = [["NIP", "NIP Penilai", "Indikator", "Nilai", "Periode"]] + [
        [str(198609262015051001 + i), "197501012000031002", "kolaboratif", 4, "2025"] for i in range(9)]
    p = folder / "declared.xlsx"
    write_xlsx(p, small[:4], dimension="A1:XFD1048576")
    cases.append(("xlsx A1:XFD1048576", p, "load", 3))
    p = folder / "far_cell.xlsx"
    write_xlsx(p, body='<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>',
               dimension="A1:XFD1048576")
    cases.append(("xlsx cell XFD1048576", p, "load", 3))
    p = folder / "stale.xlsx"
    write_xlsx(p, small, dimension="A1:B2")
    cases.append(("xlsx stale dimension", p, "load", 3))
    p = folder / "ekinerja.xlsx"
    write_xlsx(p, ekinerja_rows(rows), dimension="A1:J4")
    cases.append((f"xlsx e-Kinerja {rows:,} rows", p, "read", 1))
    cases.append(("  the same, wb.load", p, "load", 1))
    return cases


def measure(path: Path, how: str, repeat: int) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), how, str(repeat)], capture_output=True,
                         text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--no-wait", action="store_true", help="time at once, whatever the machine's load")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cases = make_files(Path(tmp), args.rows)
        if not args.no_wait:
            wait_for_quiet()
        print(f"load average {load_text()}")
        print(f"{'file':<28}{'size':>10}{'seconds':>10}{'peak MiB':>10}  outcome")
        for name, path, how, repeat in cases:
            r = measure(path, how, repeat)
            size = path.stat().st_size
            size_text = f"{size / 2**20:.1f} MiB" if size >= 2**20 else f"{size / 1024:.0f} KiB"
            print(f"{name:<28}{size_text:>10}{r['seconds']:>10.2f}{r['peak_mib']:>10.0f}  {r['outcome']}")


if __name__ == "__main__":
    main()
