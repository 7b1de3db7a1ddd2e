"""The dashboard that `make dashboard` serves renders in a real headless Chromium."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

NIP = re.compile(r"\b\d{18}\b")


def test_leadership_dashboard_renders_without_errors(voila_factory, probe):
    server = voila_factory("dashboards/ringkasan_pimpinan.ipynb")
    probe.page.goto(server.url, wait_until="domcontentloaded", timeout=90_000)
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
    html = urllib.request.urlopen(server.url, timeout=60).read().decode()
    assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html  # the offline template is in use
    # no code is shown, so the syntax-colour extension is not loaded (three requests fewer per visit)
    assert "jupyterlab_pygments" not in html and "@jupyter-widgets/jupyterlab-manager" in html


def _kernels(server) -> int:
    """The kernels the Voila server runs (its ipykernel child processes)."""
    import psutil

    return sum("ipykernel" in " ".join(c.cmdline()) for c in psutil.Process(server.proc.pid).children(recursive=True))


def _wait_for(count, predicate, seconds: float) -> int:
    import time

    deadline = time.monotonic() + seconds
    while True:
        n = count()
        if predicate(n) or time.monotonic() > deadline:
            return n
        time.sleep(0.5)


def test_a_closed_visits_kernel_is_shut_down_and_the_preheated_one_kept(voila_factory, probe):
    """A Voila page sends no shutdown when its tab closes: without culling every visit
    left a kernel running (and computing pages ahead) beside the next visitor's. voila.json
    culls a kernel idle for 10 minutes with no page connected; here the same settings with
    a 3 s timeout, and the preheated kernel (idle too, never connected) must survive."""
    server = voila_factory("dashboards/ringkasan_pimpinan.ipynb",
                           args=("--MappingKernelManager.cull_idle_timeout=3", "--MappingKernelManager.cull_interval=1"))
    assert _wait_for(lambda: _kernels(server), lambda n: n >= 1, 60) == 1  # the preheated kernel
    visit = probe
    visit.page.goto(server.url, wait_until="domcontentloaded", timeout=90_000)
    visit.page.wait_for_selector("text=Ringkasan Pimpinan", timeout=90_000)
    # the pool refills 10 s after the visitor takes its kernel (voila.json): two kernels,
    # and the connected one is not culled however idle it is
    assert _wait_for(lambda: _kernels(server), lambda n: n >= 2, 60) == 2
    import time

    time.sleep(5)
    assert _kernels(server) == 2
    visit.page.close()  # the tab closes: its websocket goes, no shutdown is sent
    assert _wait_for(lambda: _kernels(server), lambda n: n <= 1, 60) == 1
    time.sleep(5)  # and the preheated one stays
    assert _kernels(server) == 1

