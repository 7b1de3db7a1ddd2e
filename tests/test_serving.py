"""Serving: Voila reads the repository's voila.json (offline template) from any folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
from voila.app import Voila
app = Voila()
app.load_config_file("voila", path=app.config_file_paths)
print(app.config.VoilaConfiguration.template)
"""


def test_voila_reads_voila_json_outside_the_repository(tmp_path):
    env = {**os.environ, "JUPYTER_CONFIG_PATH": str(ROOT), "JUPYTER_PATH": str(ROOT / "share" / "jupyter")}
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, env=env, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "kinerja"
    bare = {k: v for k, v in env.items() if k != "JUPYTER_CONFIG_PATH"}
    without = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, env=bare, capture_output=True,
                             text=True, check=True)
    assert without.stdout.strip() != "kinerja"  # the defect the setting fixes


def test_make_dashboard_and_the_browser_tests_set_the_config_path():
    assert "JUPYTER_CONFIG_PATH=$(CURDIR)" in (ROOT / "Makefile").read_text()
    assert '"JUPYTER_CONFIG_PATH": str(ROOT)' in (ROOT / "tests" / "browser" / "conftest.py").read_text()
