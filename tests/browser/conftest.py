"""Browser fixtures: a Voila server on 127.0.0.1 and headless Debian Chromium.

Chromium comes from Debian (``apt-get install chromium``; ``.ci/run`` installs it)
and is driven by Python's playwright with ``executable_path``; playwright's own
browser download is never used. Every request to an address other than the
loopback is aborted and recorded, so a test can assert that none happened.
Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("WORKBENCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
NO_OTHER_HOSTS = "--proxy-server=http://127.0.0.1:9"  # a closed port; the loopback is never proxied
"""A Chromium argument: every request but the loopback's goes to a closed port, and fails
(with ``PageProbe(intercept=False)``, which records it)."""
LIVE = ("() => !document.getElementById('kw-static')"
        " && document.querySelector('#rendered_cells .kw-dashboard, #rendered_cells .jupyter-widgets') !== null")
"""True once the dashboard's interactive page shows and its static first picture
(:mod:`workbench.views.static`, shown while the scripts load) is gone."""



def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class VoilaServer:
    """A Voila process serving one notebook on 127.0.0.1 with sources stripped."""

    def __init__(self, notebook: Path, env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        log = self.log = ARTIFACTS / f"voila-{notebook.stem}{'-' if args else ''}{abs(hash(args)) if args else ''}.log"
        ARTIFACTS.mkdir(exist_ok=True)
        self._log = log.open("w")
        self.proc = subprocess.Popen(
            # the settings are in voila.json at the top of the repository, as for `make dashboard`
            [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={self.port}",
             "--VoilaConfiguration.http_keep_alive_timeout=60", *args],
            cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT,
            env={**os.environ, "JUPYTER_PATH": str(ROOT / "share" / "jupyter"),
                 "JUPYTER_CONFIG_PATH": str(ROOT), **(env or {})})
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"voila exited early; see {log}")
            try:
                urllib.request.urlopen(self.url + "api/status", timeout=2)
                return
            except urllib.error.HTTPError:
                return  # any HTTP answer means the server is up
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"voila did not start within 90 s; see {log}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """A headless Debian Chromium, shared by the browser tests."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: run `apt-get install chromium` (.ci/run does it).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


class PageProbe:
    """A page with its console errors and the non-loopback requests it tried.

    By default every request is held until this process lets it through (loopback) or
    aborts it. ``intercept=False`` only records the requests, for timing (holding each
    request for this process adds a round trip to every one of a page's ~90 scripts); the
    browser must then be launched with :data:`NO_OTHER_HOSTS`, which fails any other host.
    """

    def __init__(self, browser: object, intercept: bool = True) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.blocked: list[str] = []
        self.page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.console_errors.append(str(e)))

        def _route(route: object) -> None:
            host = urlparse(route.request.url).hostname or ""  # type: ignore[attr-defined]
            if route.request.url.startswith(("data:", "blob:")) or host in LOOPBACK:  # type: ignore[attr-defined]
                route.continue_()  # type: ignore[attr-defined]
            else:
                self.blocked.append(route.request.url)  # type: ignore[attr-defined]
                route.abort()  # type: ignore[attr-defined]

        def _record(request: object) -> None:
            url = request.url  # type: ignore[attr-defined]
            if not url.startswith(("data:", "blob:")) and (urlparse(url).hostname or "") not in LOOPBACK:
                self.blocked.append(url)

        if intercept:
            self.context.route("**/*", _route)
        else:
            self.page.on("request", _record)

    def wait_live(self, timeout: float = 120_000) -> None:
        """Wait until the page shows the live dashboard (:data:`LIVE`), not its static picture."""
        self.page.wait_for_function(LIVE, timeout=timeout)

    def screenshot(self, name: str) -> Path:
        """The whole page: Voila scrolls inside its own container, so the window grows to the
        tallest scrolling element for the shot (a "full page" screenshot would stop at the
        window), then returns to its size."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        size = self.page.viewport_size or {"width": 1400, "height": 1000}
        height = self.page.evaluate(
            "() => Math.max(...[...document.querySelectorAll('*')].map(e => e.scrollHeight))")
        self.page.set_viewport_size({"width": size["width"], "height": max(size["height"],
                                                                           min(int(height) + 40, 8000))})
        self.page.screenshot(path=str(path), full_page=True)
        self.page.set_viewport_size(size)
        return path

    def cut_text(self) -> list[str]:
        """Texts the page cuts: visible labels, buttons, headings, cells and readouts whose
        content is wider than their box (an ellipsis or a clipped word)."""
        return self.page.evaluate(
            """() => [...document.querySelectorAll(
                   'button, label, .widget-label, .widget-readout, h1, h3, h4, th, td, .kw-finding, .kw-note')]
                 .filter(e => e.offsetParent !== null && e.innerText.trim() !== ''
                              && e.scrollWidth > e.clientWidth + 1
                              && getComputedStyle(e).overflowX !== 'visible')
                 .map(e => e.innerText.trim())""")

    def close(self) -> None:
        self.context.close()


@pytest.fixture()
def probe(browser: object) -> Iterator[PageProbe]:
    p = PageProbe(browser)
    yield p
    p.close()


@pytest.fixture()
def new_probe(browser: object) -> Iterator[object]:
    """Open more pages, each in its own context (a fresh visitor); all closed at the end."""
    opened: list[PageProbe] = []

    def open_() -> PageProbe:
        opened.append(PageProbe(browser))
        return opened[-1]

    yield open_
    for p in opened:
        p.close()


@pytest.fixture(scope="session")
def voila_factory() -> Iterator[object]:
    """Start Voila servers on demand; all are stopped at the end of the session."""
    servers: dict[str, VoilaServer] = {}

    def start(notebook: str, env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> VoilaServer:
        key = notebook + repr(sorted((env or {}).items())) + repr(args)
        if key not in servers:
            servers[key] = VoilaServer(ROOT / notebook, env=env, args=args)
        return servers[key]

    yield start
    for s in servers.values():
        s.stop()
