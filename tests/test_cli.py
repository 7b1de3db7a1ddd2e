"""`workbench validate`: the report, exit codes, and no traceback for bad input."""

from __future__ import annotations

import subprocess
import sys

import workbench as wb
from workbench.cli import main


def test_validate_clean_sample_exits_zero(capsys):
    assert main(["validate", str(wb.data.sample_path("kota_contoh"))]) == 0
    assert "rejected 0" in capsys.readouterr().out


def test_validate_messy_file_exits_one_and_groups_problems(capsys, tmp_path):
    out_csv = tmp_path / "problems.csv"
    assert main(["validate", str(wb.data.sample_path("messy")), "--problems", str(out_csv)]) == 1
    out = capsys.readouterr().out
    assert "rejected 13" in out
    assert "ERROR id_scientific_notation (2)" in out and "line 6" in out
    assert out_csv.read_text().count("\n") == len(wb.read_sample("messy").report.problems) + 1


def test_validate_unreadable_file_no_traceback(tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("a;b\n1;2\n")
    proc = subprocess.run([sys.executable, "-m", "workbench.cli", "validate", str(bad)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "no header row found" in proc.stdout
