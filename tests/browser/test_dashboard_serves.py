"""The dashboard that `make dashboard` serves renders in a real headless Chromium."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

NIP = re.compile(r"\b\d{18}\b")


def test_leadership_dashboard_renders_without_errors(voila_factory, probe):
    server = voila_factory("dashboards/ringkasan_pimpinan.ipynb")
    probe.page.goto(server.url, wait_until="domcontentloaded", timeout=90_000)
    probe.wait_live(90_000)
    probe.page.wait_for_selector("text=Ringkasan Pimpinan", timeout=90_000)
    probe.page.wait_for_load_state("networkidle", timeout=90_000)
    probe.screenshot("ringkasan_pimpinan")
    text = probe.page.inner_text("body")
    assert "Ringkasan Pimpinan" in text
    assert "Traceback" not in text and "Error" not in text
    assert not NIP.search(probe.page.content()), "an 18-digit NIP reached the browser"
    assert probe.console_errors == []
    assert probe.blocked == []


def test_voila_listens_on_loopback_only(voila_factory):
    server = voila_factory("dashboards/ringkasan_pimpinan.ipynb")
    import psutil

    conns = [c for c in psutil.Process(server.proc.pid).net_connections(kind="inet") if c.status == "LISTEN"]
    assert conns, "voila is not listening"
    assert {c.laddr.ip for c in conns} <= {"127.0.0.1", "::1"}


def test_served_with_the_repository_settings(voila_factory):
    import json
    import urllib.request
    from pathlib import Path

    settings = json.loads((Path(__file__).resolve().parents[2] / "voila.json").read_text())
    assert settings["Voila"]["ip"] == "127.0.0.1"
    assert settings["VoilaConfiguration"]["show_tracebacks"] is False
    server = voila_factory("dashboards/ringkasan_pimpinan.ipynb")
    with urllib.request.urlopen(server.url, timeout=60) as response:
        html = response.read().decode()
    assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html  # the offline template is in use
    # no code is shown, so the syntax-colour extension is not loaded (three requests fewer per visit)
    assert "jupyterlab_pygments" not in html and "@jupyter-widgets/jupyterlab-manager" in html
