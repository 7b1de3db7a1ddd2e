"""What the benchmarks share: reading the machine's load and waiting for it to settle.

Timings on a 2-core machine are only worth reporting when nothing else runs; each
benchmark prints the load average and, unless told not to, waits for it to drop.
"""

from __future__ import annotations

import os
import time

__all__ = ["MAX_LOAD", "load_text", "wait_for_quiet"]

MAX_LOAD = 1.5  # 1-minute load average above which timing waits (2 cores)
POLL_S = 15.0


def load_text() -> str:
    """The 1, 5 and 15-minute load averages, as text."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def wait_for_quiet(budget_s: float = 300.0) -> float:
    """Wait while the 1-minute load average is above :data:`MAX_LOAD`, polling every 15 s
    for at most ``budget_s`` seconds (0: do not wait); return the seconds waited."""
    waited = 0.0
    while os.getloadavg()[0] > MAX_LOAD and waited < budget_s:
        print(f"  load average {load_text()} > {MAX_LOAD}; waiting {POLL_S:.0f} s", flush=True)
        time.sleep(POLL_S)
        waited += POLL_S
    if os.getloadavg()[0] > MAX_LOAD:
        print(f"  load average {load_text()} > {MAX_LOAD}: timing anyway, expect noisy numbers",
              flush=True)
    return waited
