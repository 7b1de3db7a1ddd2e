"""environment.yml is generated from pyproject.toml and must not drift from it."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _generator():
    spec = importlib.util.spec_from_file_location("envgen", ROOT / "tools" / "environment.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_environment_yml_matches_pyproject():
    committed = (ROOT / "environment.yml").read_text()
    assert committed == _generator().render(), (
        "environment.yml is out of date: run `make environment` (python tools/environment.py > environment.yml)")


def test_every_dependency_is_in_environment_yml():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = meta["dependencies"] + [d for extra in meta["optional-dependencies"].values() for d in extra]
    text = (ROOT / "environment.yml").read_text()
    for dep in deps:
        name = re.split(r"[<>=!~\[ ]", dep, maxsplit=1)[0]
        assert re.search(rf"^\s+- {re.escape(name)}\b", text, flags=re.M), name
