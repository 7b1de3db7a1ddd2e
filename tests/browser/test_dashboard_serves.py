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


def test_the_kernel_of_a_closed_page_ends_and_the_waiting_ones_stay(voila_factory, new_probe):
    """voila.json's kernel manager (workbench.views.serving) culls the kernel of a page that
    was opened and closed, and neither the kernel kept ready for the next visitor nor one
    handed to a page still loading, however long they were idle (Jupyter's own culler
    ended those, and a page that took such a kernel never showed). A kernel handed to a
    page that never connects ends once the timeout has passed."""
    import time

    server = voila_factory("dashboards/ringkasan_pimpinan.ipynb", env={"WORKBENCH_WARM": "0"},
                           args=("--MappingKernelManager.cull_idle_timeout=2", "--MappingKernelManager.cull_interval=1"))
    deadline = time.monotonic() + 120
    while "is filled with" not in server.log.read_text(errors="replace") and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(5)  # the kept kernel is idle for longer than the timeout
    probe = new_probe()
    probe.page.goto(server.url, wait_until="domcontentloaded", timeout=120_000)
    probe.wait_live(120_000)
    config = probe.page.text_content("#jupyter-config-data") or ""
    visited = re.search(r'"kernelId": *"([0-9a-f-]+)"', config).group(1)
    probe.page.goto("about:blank")  # the page leaves
    deadline = time.monotonic() + 60
    culled: list[str] = []
    while visited not in culled and time.monotonic() < deadline:
        time.sleep(0.5)
        culled = re.findall(r"Culling '\w+' kernel '\w+' \(([0-9a-f-]+)\)", server.log.read_text(errors="replace"))
    assert visited in culled, "the kernel of the closed page is still running"
    deadline = time.monotonic() + 120  # the next visitor's kernel, prepared 10 s after the visit
    while server.log.read_text(errors="replace").count("is filled with") < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(5)  # ... stays, idle as it is
    culled = re.findall(r"Culling '\w+' kernel '\w+' \(([0-9a-f-]+)\)", server.log.read_text(errors="replace"))
    assert culled == [visited]

    # a page closed before its scripts connected: the kernel it was handed ends too, once
    # the next visitor's kernel is ready and the timeout has passed
    import urllib.request

    with urllib.request.urlopen(server.url, timeout=120) as answer:  # the HTML only: no script runs
        html = answer.read().decode()
    unclaimed = re.search(r'"kernelId": *"([0-9a-f-]+)"', html).group(1)
    deadline = time.monotonic() + 120
    while unclaimed not in culled and time.monotonic() < deadline:
        time.sleep(0.5)
        culled = re.findall(r"(?:Culling '\w+' kernel '\w+' \(|Culling kernel )([0-9a-f-]+)",
                            server.log.read_text(errors="replace"))
    assert unclaimed in culled, "the kernel of a page that never connected is still running"
    assert server.log.read_text(errors="replace").count("is filled with") == 3  # the next visitor's is kept
