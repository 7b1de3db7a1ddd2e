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


def test_a_first_visit_fetches_no_script_that_the_page_does_not_preload(voila_factory, probe):
    # Voila's scripts come in four waves, each asked for once the one before has run; the
    # template asks for all of them at once from the head (preload.html.j2). Their names
    # carry content hashes: after an upgrade of Voila or ipywidgets this fails, and
    # `python tools/voila_preload.py` writes the list again.
    import urllib.request
    from pathlib import Path
    from urllib.parse import urlparse

    server = voila_factory("dashboards/ringkasan_pimpinan.ipynb")
    fetched: list[tuple[str, str]] = []
    warnings: list[str] = []
    probe.page.on("request", lambda r: fetched.append((r.url, r.resource_type)))
    probe.page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    probe.page.goto(server.url, wait_until="domcontentloaded", timeout=90_000)
    probe.page.locator(".kw-section img:visible").first.wait_for(state="visible", timeout=90_000)
    probe.page.wait_for_function("() => document.querySelectorAll('.kw-busy').length === 0", timeout=90_000)
    preloaded = probe.page.evaluate(
        "() => [...document.querySelectorAll('link[rel=preload]')].map(l => [l.href, l.as])")
    listed = (Path(__file__).resolve().parents[2] / "share" / "jupyter" / "voila" / "templates" / "kinerja"
              / "preload.html.j2").read_text().count('rel="preload"')
    assert len(preloaded) == listed > 50  # the whole list reaches the page's head
    urls = {url for url, _ in preloaded}
    missing = [url for url, kind in fetched
               if kind in ("script", "font") and url not in urls and "voila-style.js" not in url]
    assert missing == [], "scripts fetched without a preload: run `python tools/voila_preload.py`"
    for url in urls:  # each one exists (no preload of a file an upgrade removed)
        assert urlparse(url).hostname == "127.0.0.1"
        with urllib.request.urlopen(url, timeout=30) as answer:
            assert answer.status == 200, url
    probe.page.wait_for_timeout(3500)  # Chromium warns of a preload unused 3 s after the load event
    assert [w for w in warnings if "preload" in w] == [], "a preloaded file was fetched again, unused"
    assert probe.console_errors == []
