"""Write environment.yml (for conda users) from pyproject.toml: ``python tools/environment.py``.

``tests/test_environment.py`` fails when the committed file and this output drift.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# names that differ between PyPI and conda-forge
CONDA_NAMES = {"dask[dataframe,distributed]": "dask", "playwright": "playwright"}
PIP_ONLY = {"nbval", "types-PyYAML", "krippendorff", "raschpy"}


def render() -> str:
    """The environment.yml text for the current pyproject.toml."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = list(meta["dependencies"])
    for extra in ("dashboards", "scale", "dev"):
        deps += meta["optional-dependencies"][extra]
    conda, pip = [], []
    for dep in deps:
        name = re.split(r"[<>=!~ ]", dep, maxsplit=1)[0]
        spec = dep[len(name):]
        target = pip if name in PIP_ONLY else conda
        target.append(CONDA_NAMES.get(name, name) + spec)
    lines = [
        "# Generated from pyproject.toml by tools/environment.py; do not edit by hand.",
        "name: kinerja-workbench",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        f"  - python{meta['requires-python']}",
        "  - pip",
        *[f"  - {d}" for d in conda],
        "  - pip:",
        *[f"      - {d}" for d in pip],
        "      - -e .",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
