"""Stored notebook outputs must survive a re-run on another machine.

nbval compares each cell's stored output with a fresh run's. A float printed with all
its digits differs in the last ones between machines (BLAS kernels, summation order),
so notebooks show rounded values; this test fails when a stored output holds a float
with more than eight digits after the point.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "dashboards").glob("*.ipynb"))
LONG_FLOAT = re.compile(r"(?<![\w.])\d+\.\d{9,}")


def _texts(cell: dict) -> list[tuple[str, str]]:
    out = []
    for o in cell.get("outputs", []):
        for mime, value in (o.get("data") or {}).items():
            if mime.startswith("text/"):
                out.append((mime, "".join(value) if isinstance(value, list) else str(value)))
        if "text" in o:
            out.append(("stream", "".join(o["text"])))
    return out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_unrounded_float_in_stored_outputs(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    found = [(i, mime, m) for i, cell in enumerate(nb["cells"]) for mime, text in _texts(cell)
             for m in LONG_FLOAT.findall(text)]
    assert not found, f"{path.name}: unrounded floats in stored outputs (cell, mime, value): {found[:5]}"


def test_the_guard_sees_a_long_float() -> None:
    assert LONG_FLOAT.findall("estimate=0.7210472416256286, n=1200, 93.7%")  == ["0.7210472416256286"]
