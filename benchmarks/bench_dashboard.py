"""First render and control changes of the dashboards in Voila + headless Chromium, on the
Kota Contoh sample (1,200 employees) and on a generated city of 5,000 employees.

Goals: first render under 3 s, a control change shows its finding within 0.5 s.

Measured per dashboard and dataset (median and range over the visits):

* ringkasan_pimpinan: first render, a period change, a drill-down (unit) change;
* simulasi_rubrik: first render, a preset change, then three changes of a threshold slider:
  one step at once after the preset change ("slider step": the page computes nothing ahead
  so soon after a change, so this is the uncomputed case), one more step after reading the
  page ``PAUSE_S`` seconds ("step, read": meanwhile the page computes ahead the findings of
  each slider one step either way), and, after reading again, the slider moved
  :data:`JUMP` steps at once ("jump": a state nobody computed ahead, the honest case of a
  slider dragged).

Two figures per change: "first change" (the first visible change: a title, a finding or a
table of the page has changed) and "complete" (every figure redrawn, no "Sedang
menghitung..." left). The slider changes have a third, "findings": the time until the page
shows the findings *of the new state* (how many OPD meet their curve, how many employees
change predikat), read exactly as the panel shows them for that state, from its findings
page (the third of its four display steps) or from its whole page. The expected texts are
computed beforehand in this process by the same dashboard code on the same data
(:func:`whatif_expectation`), and the page is watched on every animation frame from just
before the (first) key press. The findings before each change read differently (checked),
so no earlier display step can match.

The first render is measured from navigation to the first figure on screen: when the
browser paints the first dashboard figure, read from its own timeline (the
largest-contentful-paint entries, recorded by a script that runs before the page's own).
The time at which this process sees that figure with no panel busy is printed beside
it: it comes later and varies more, since the page's main thread, busy with Voila's
scripts, answers the driver's polls late. Voila's own start-up (before the page is
requested) is not counted.
The page shows its first state as a static picture before Voila's scripts have run
(:mod:`workbench.views.static`), so the first render is usually that picture; its
"complete" column is the time until the page is interactive (the live widgets show and
the picture is gone).
Requests to hosts other than the loopback fail in the browser (they are sent to a closed
port, ``NO_OTHER_HOSTS``) and are reported as errors. Requests are not held in this
process as the browser tests hold them: that adds a round trip to each of the page's ~90
scripts (``--intercept`` measures that way, as this benchmark did before).
Voila runs with the repository's voila.json, as ``make dashboard`` does: a preheated
kernel has already executed the dashboard before a visitor arrives, so each visit starts
once Voila reports its kernel pool filled (as it is on a served dashboard between
visitors). The visitor reads the page for ``PAUSE_S`` seconds before the first change
(meanwhile the overview computes the pages of other periods and units ahead) and before
the what-if's "step, read" and "jump"; the other changes follow each other at once.

The 5,000-employee city is generated at run time into a temporary folder
(:func:`workbench.data.synth.generate`, fixed seed) and served through ``WORKBENCH_DATA``.

Voila reports its pool filled when the pooled kernel has started, not when it has run the
dashboard: a visit at once (``--settle 0``) waits for that run, the worst case; with
``--settle 30`` the visitor arrives after it, as most visitors of a served dashboard do.

Run: ``.venv/bin/python benchmarks/bench_dashboard.py [--repeats N] [--pause S] [--wait S] [--settle S] [--quick]
[--dashboard NAME] [--data sample|synth] [--intercept]`` (uses /usr/bin/chromium; ``--quick``: the sample
only, one visit; ``--dashboard`` and ``--data``: only that dashboard or dataset).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _machine import load_text, wait_for_quiet  # noqa: E402
from conftest import CHROMIUM, CHROMIUM_ARGS, LIVE, NO_OTHER_HOSTS, PageProbe, VoilaServer  # noqa: E402

__all__ = ["main"]

FINDINGS = "() => [...document.querySelectorAll('.kw-section')].map(e => e.innerText)"
# from just before a change: on every animation frame, compare the panel's findings with
# the expected texts; record when one matches (milliseconds after arming)
WATCH = """(expected) => {
  const read = () => JSON.stringify([...document.querySelectorAll('.kw-panel .kw-finding')]
                                    .map(e => e.innerText.trim()));
  const want = expected.map(e => JSON.stringify(e));
  if (want.includes(read())) throw new Error('the expected findings are on the page before the change');
  const t0 = performance.now();
  window.__kwFindingsAt = null;
  const check = () => {
    if (want.includes(read())) { window.__kwFindingsAt = performance.now() - t0; return; }
    requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
}"""
SHOWN = "() => window.__kwFindingsAt"
# before the page's own scripts: when the browser first paints a dashboard figure (the
# largest-contentful-paint entries, in milliseconds after navigation), from its own timeline
PAINTED = """window.__kwFigurePainted = null;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (window.__kwFigurePainted === null && e.element && e.element.closest && e.element.closest('.kw-section')
        && e.element.tagName === 'IMG') {
      window.__kwFigurePainted = e.renderTime || e.startTime;
    }
  }
}).observe({type: 'largest-contentful-paint', buffered: true});"""
IDLE = "() => document.querySelectorAll('.kw-busy').length === 0"
PAUSE_S = 8.0
SEED = 5000


def _changed(page, before: list[str]) -> None:
    page.wait_for_function(
        "(b) => JSON.stringify([...document.querySelectorAll('.kw-section')].map(e => e.innerText))"
        " !== JSON.stringify(b)", arg=before, timeout=120_000)


def _timed(page, act: Callable[[object], None],
           expected: list[list[str]] | None = None) -> tuple[float, float, float | None]:
    """Seconds until the first visible change, until the page is complete and, given
    ``expected`` (the finding texts of the new state, any of them), until those show."""
    before = page.evaluate(FINDINGS)
    if expected is not None:
        page.evaluate(WATCH, expected)
    t0 = time.perf_counter()
    act(page)
    _changed(page, before)
    t1 = time.perf_counter()
    page.wait_for_timeout(50)
    page.wait_for_function(IDLE, timeout=120_000)
    t2 = time.perf_counter() - t0
    shown = None
    if expected is not None:
        try:
            page.wait_for_function(SHOWN, timeout=5_000)
        except Exception as exc:  # the page is complete and never showed them
            raise RuntimeError(f"the new state's findings {expected} never showed; the page shows "
                               f"{page.evaluate(FINDINGS)}") from exc
        shown = page.evaluate(SHOWN) / 1000
    return t1 - t0, t2, shown


def _select(css: str, label: str) -> Callable[[object], None]:
    return lambda page: page.select_option(css, label=label)  # type: ignore[attr-defined]


SLIDER = "threshold.perilaku_kerja.di_atas"
PRESET = "Predikat Kinerja Pegawai, rinci (IKI dan BerAKHLAK)"


JUMP = 4
"""Steps the slider moves at once in the "jump" (key presses in a row)."""


def _slider_steps(n: int) -> Callable[[object], None]:
    """Ambang Di Atas Ekspektasi (perilaku kerja) ``n`` steps down, by ``n`` key presses."""
    def act(page: object) -> None:
        handle = page.locator(".kw-slider-" + SLIDER.replace(".", "-") + " .noUi-handle")  # type: ignore[attr-defined]
        handle.focus()
        for _ in range(n):
            page.keyboard.press("ArrowLeft")  # type: ignore[attr-defined]

    return act


_slider_step = _slider_steps(1)


@contextlib.contextmanager
def _environ(env: dict[str, str]) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def whatif_expectation(env: dict[str, str]) -> tuple[list[str], dict[str, list[list[str]]]]:
    """The what-if's findings before the benchmark's first slider change and, for each slider
    change of :data:`CHANGES`, the findings the page shows for its new state (from its
    findings page, then from its whole page), as the served dashboard computes them: the
    same dashboard code on the same data (``env``), here in this process, driven as the
    browser drives it (:data:`CHANGES`; the slider set to each change's last value).

    Raises ValueError when the findings before a change read as one of its new state's:
    the browser could not tell them apart (pick other steps in :data:`CHANGES`)."""
    from workbench import views
    from workbench.views.controls import WhatIfControls

    with _environ(env):
        ds = views.dashboard_data()
    page: Any = views.rubric_whatif(ds, warm_ahead=False)
    controls = next(w for w in page.children if isinstance(w, WhatIfControls))
    panel = page.panels[0]
    controls.pick(dict(controls._preset.options)[PRESET])  # as the browser picks it, by its label
    page.wait()
    first = list(panel.findings)
    out: dict[str, list[list[str]]] = {}
    for name, steps in SLIDER_CHANGES.items():
        before = list(panel.findings)
        seen: list[list[str]] = []

        def watch(change: dict[str, Any], seen: list[list[str]] = seen) -> None:
            seen.append(list(change["new"]))

        panel.observe(watch, names="findings")
        slider = controls.sliders[SLIDER]
        slider.value = round(slider.value - steps * slider.step, 10)  # the browser's ArrowLeft, ``steps`` times
        page.wait()  # the findings step runs before the whole page, in the panels' one worker
        panel.unobserve(watch, names="findings")
        if not seen or before in seen:
            raise ValueError(f"the {name}'s findings {seen} cannot be told from those before it ({before}): "
                             "pick other steps in CHANGES")
        out[name] = seen
    return first, out


SLIDER_CHANGES = {"slider step": 1, "step, read": 1, "jump": JUMP}
"""The what-if's slider changes of :data:`CHANGES`, by name: the steps each moves the slider."""

CHANGES: dict[str, list[tuple[str, Callable[[object], None]]]] = {
    "ringkasan_pimpinan": [("period change", _select(".kw-period select", "2025-Q1")),
                           ("period change", _select(".kw-period select", "2025")),
                           ("unit change", _select(".kw-unit select", "Dinas Kesehatan")),
                           ("unit change", _select(".kw-unit select", "Satpol PP"))],
    # the what-if starts from the rule in force (the overview's numbers); the detailed rubric is picked
    "simulasi_rubrik": [("preset change", _select(".kw-preset select", PRESET)),
                        *((name, _slider_steps(n)) for name, n in SLIDER_CHANGES.items())],
}
READ_FIRST = {"step, read", "jump"}
"""Changes the visitor makes after reading the page ``PAUSE_S`` seconds (the others follow
the change before at once)."""


def _pool_ready(log: Path, n_filled: int) -> None:
    """Wait (up to 180 s) until Voila has filled its preheated kernel pool ``n_filled`` times,
    as a served dashboard is between visitors."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if log.read_text(errors="replace").count("is filled with") >= n_filled:
            return
        time.sleep(0.5)
    print("  (kernel pool not refilled within 180 s: this visit starts a kernel)", flush=True)


Timing = tuple[float, float, float | None]


def measure(browser: object, dashboard: str, env: dict[str, str], repeats: int, pause: float,
            settle: float = 0.0, expected: dict[str, list[list[str]]] | None = None,
            intercept: bool = False, first_only: bool = False) -> dict[str, list[Timing]]:
    """Visit ``dashboard`` ``repeats`` times: first render, then each change of :data:`CHANGES`
    (a slider change also until ``expected[name]``, its new state's findings, show)."""
    server = VoilaServer(ROOT / "dashboards" / f"{dashboard}.ipynb", env=env)
    log = ROOT / "test-artifacts" / f"voila-{dashboard}.log"
    out: dict[str, list[Timing]] = {"first render": []}
    try:
        for visit in range(repeats):
            _pool_ready(log, visit + 1)
            time.sleep(settle)  # the pooled kernel runs the dashboard meanwhile (--settle)
            probe = PageProbe(browser, intercept=intercept)
            page = probe.page
            page.add_init_script(PAINTED)
            t0 = time.perf_counter()
            page.goto(server.url, wait_until="domcontentloaded", timeout=180_000)
            page.locator(".kw-section img:visible").first.wait_for(state="visible", timeout=180_000)
            page.wait_for_function(IDLE, timeout=180_000)
            seen = time.perf_counter() - t0
            page.wait_for_function(LIVE, timeout=180_000, polling="raf")
            page.wait_for_function(IDLE, timeout=180_000)
            live = time.perf_counter() - t0
            painted = page.evaluate("() => window.__kwFigurePainted")
            first = painted / 1000 if painted is not None else seen
            out["first render"].append((first, live, None))
            line = [f"first render: figure painted {first:.2f} s (seen by the driver {seen:.2f} s), "
                    f"interactive {live:.2f} s"]
            if first_only:
                print(f"  {dashboard} visit {visit + 1}: " + "; ".join(line), flush=True)
                page.goto("about:blank")
                probe.close()
                continue
            page.wait_for_timeout(pause * 1000)  # the visitor reads the page
            for name, act in CHANGES[dashboard]:
                if name in READ_FIRST:
                    page.wait_for_timeout(pause * 1000)
                f, c, shown = _timed(page, act, (expected or {}).get(name))
                out.setdefault(name, []).append((f, c, shown))
                line.append(f"{name} {f:.2f}/" + (f"{shown:.2f}/" if shown is not None else "") + f"{c:.2f} s")
            print(f"  {dashboard} visit {visit + 1}: " + "; ".join(line), flush=True)
            if probe.console_errors or probe.blocked:
                raise RuntimeError(f"console errors {probe.console_errors} / blocked {probe.blocked}")
            page.goto("about:blank")  # end the page's kernel before the next one
            probe.close()
    finally:
        server.stop()
    return out


def _fmt(xs: list[float | None]) -> str:
    ys = [x for x in xs if x is not None]
    if not ys:
        return "-"
    return f"{statistics.median(ys):6.2f} ({min(ys):.2f}-{max(ys):.2f})"


def main(argv: list[str] | None = None) -> None:
    from playwright.sync_api import sync_playwright

    from workbench.data import synth

    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--repeats", type=int, default=3, help="visits per dashboard and dataset")
    args.add_argument("--pause", type=float, default=PAUSE_S, help="seconds the visitor reads before a change")
    args.add_argument("--quick", action="store_true", help="the sample only, one visit")
    args.add_argument("--wait", type=float, default=120.0, help="seconds to wait at most for a quiet machine")
    args.add_argument("--settle", type=float, default=0.0,
                      help="seconds between the kernel pool's refill and the visit: 0 (default) is the worst "
                           "case, a visitor arriving while the pooled kernel still runs the dashboard (about "
                           "7 s on the sample); 30 is a visitor arriving later, who gets the finished page")
    args.add_argument("--dashboard", choices=sorted(CHANGES), help="only this dashboard")
    args.add_argument("--intercept", action="store_true",
                      help="hold every request in this process, as the browser tests do and as this benchmark "
                           "did before (it adds a round trip to each of the page's ~90 scripts); by default "
                           "requests to other hosts fail in the browser instead, and any one is still an error")
    args.add_argument("--data", choices=["sample", "synth"], help="only this dataset")
    args.add_argument("--first-only", action="store_true", help="time the first render only (no changes)")
    opts = args.parse_args(argv)
    repeats = 1 if opts.quick else opts.repeats
    dashboards = [opts.dashboard] if opts.dashboard else list(CHANGES)
    rows: list[tuple[str, str, str, list[Timing]]] = []
    with tempfile.TemporaryDirectory(prefix="kinerja-bench-") as tmp:
        datasets: list[tuple[str, dict[str, str]]] = [] if opts.data == "synth" else [("sample 1,200", {})]
        if not opts.quick and opts.data != "sample":
            t0 = time.perf_counter()
            folder = synth.write_sample(synth.generate(n_employees=5000, seed=SEED), Path(tmp) / "kota_5000")
            print(f"generated 5,000 employees in {time.perf_counter() - t0:.1f} s ({folder})", flush=True)
            datasets.append(("synth 5,000", {"WORKBENCH_DATA": str(folder)}))
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, NO_OTHER_HOSTS])
            for label, env in datasets:
                for dashboard in dashboards:
                    expected = None
                    if dashboard == "simulasi_rubrik" and not opts.first_only:
                        t0 = time.perf_counter()
                        before, expected = whatif_expectation(env)
                        print(f"  slider changes, findings before: {before}; expected after: {expected} "
                              f"(computed in {time.perf_counter() - t0:.1f} s)", flush=True)
                    wait_for_quiet(opts.wait)
                    print(f"== {dashboard}, {label}; load average {load_text()}", flush=True)
                    for name, xs in measure(browser, dashboard, env, repeats, opts.pause, opts.settle,
                                            expected, opts.intercept, opts.first_only).items():
                        rows.append((dashboard, label, name, xs))
            browser.close()
    print(f"\nVoila + headless Chromium; medians (min-max) in seconds; goals: first render < 3 s, "
          f"findings < 0.5 s; load average at the end {load_text()}; first render: 'first change' = the "
          f"first state on screen, 'complete' = interactive")
    print(f"{'dashboard':<20} {'data':<13} {'measure':<14} {'first change':>19} {'findings':>19} "
          f"{'complete':>19}  n")
    for dashboard, label, name, xs in rows:
        print(f"{dashboard:<20} {label:<13} {name:<14} {_fmt([f for f, _, _ in xs]):>19} "
              f"{_fmt([s for _, _, s in xs]):>19} {_fmt([c for _, c, _ in xs]):>19}  {len(xs)}")


if __name__ == "__main__":
    main()
