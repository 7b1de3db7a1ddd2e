"""The kernel's side of a what-if step nobody computed ahead, part by part.

A reader moves a slider of the Simulasi Rubrik dashboard to a state whose page is not in
the cache. Before the browser shows the new findings, the kernel computes, in order:

* ``after``: every employee's predikat under the new rubric (:func:`whatif_after`) and
  the digest that keys the page (two states that give everyone the same predikat share it);
* ``curve``: the distribution-curve check of that predikat (:func:`whatif_curve`);
* ``draft``: the page's numbers before protection (:func:`whatif_draft`);
* ``findings``: the findings page, protected as a whole (:func:`whatif_findings`).

The browser adds a fixed part to this (the control's rest time, ``settle_findings``, and a
round trip): ``benchmarks/bench_dashboard.py`` times the whole step in Chromium.

The data are the synthetic city of ``bench_dashboard.py`` (5,000 employees, seed 5000;
``--quick``: 1,200). The steps are those of the detailed preset's slider "Ambang Di Atas
Ekspektasi (perilaku kerja)" taken down one step at a time from its start, each a new
rubric (period 2025; a step that gives everyone the predikat of the step before shares its
page, and its draft and findings then cost nearly nothing: on 1,200 employees some do).
Printed: the median and range of each part over the steps.

Usage::

    python benchmarks/bench_whatif.py [--quick] [--steps N] [--no-wait]

To compare two versions, run the script of one with ``PYTHONPATH`` set to the other tree.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import load_text, wait_for_quiet

SLIDER = "threshold.perilaku_kerja.di_atas"
PARTS = ("after", "curve", "draft", "findings", "total")


def main(argv: list[str] | None = None) -> None:
    import workbench as wb
    from workbench.data import synth
    from workbench.views import _sources as src
    from workbench.views.controls import WhatIfControls

    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--quick", action="store_true", help="1,200 employees and 5 steps")
    args.add_argument("--steps", type=int, default=15, help="slider steps timed (each a new state)")
    args.add_argument("--no-wait", action="store_true", help="do not wait for a quiet machine")
    opts = args.parse_args(argv)
    n_employees, steps = (1200, 5) if opts.quick else (5000, opts.steps)
    with tempfile.TemporaryDirectory(prefix="kinerja-bench-") as tmp:
        folder = synth.write_sample(synth.generate(n_employees=n_employees, seed=5000), Path(tmp) / "kota")
        ds = wb.load(folder)
        controls = WhatIfControls()
        controls.pick(controls.choices[1])  # the detailed preset
        slider = controls.sliders[SLIDER]
        # the preset's own page first, as a visit computes it before any step
        src.whatif_findings(ds, controls.build(), "2025")
        if not opts.no_wait:
            wait_for_quiet()
        print(f"what-if step on {n_employees:,} employees, {steps} steps of {SLIDER}; load average {load_text()}")
        times: dict[str, list[float]] = {part: [] for part in PARTS}
        for k in range(1, steps + 1):
            rubric = controls.build({SLIDER: round(slider.value - k * slider.step, 6)})
            t0 = time.perf_counter()
            src.whatif_after(ds, rubric)
            src._moved(ds, rubric, "2025")
            t1 = time.perf_counter()
            src.whatif_curve(ds, rubric, "2025", None)
            t2 = time.perf_counter()
            src.whatif_draft(ds, rubric, "2025")
            t3 = time.perf_counter()
            src.whatif_findings(ds, rubric, "2025")
            t4 = time.perf_counter()
            for part, value in zip(PARTS, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0), strict=True):
                times[part].append(value)
        print(f"{'part':10} {'median s':>9} {'range s':>15}")
        for part, values in times.items():
            print(f"{part:10} {statistics.median(values):9.3f} {min(values):7.3f}-{max(values):.3f}")
        print(f"load average at the end {load_text()}")


if __name__ == "__main__":
    main()
