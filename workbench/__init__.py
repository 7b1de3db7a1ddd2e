"""Kinerja Workbench: appraisal analytics for Indonesia's civil servants (ASN).

The computational modules (``rubric``, ``weights``, ``reliability``,
``objectivity``, ``calibration``) and the ``store`` are imported on first use, so that ``import workbench`` and a
dashboard's first render stay fast.

Examples
--------
>>> import workbench as wb
>>> ds = wb.read_sample("kota_contoh")
>>> ds.report.ok
True
>>> wb.load_rubric("permenpanrb-6-2022").id
'permenpanrb-6-2022'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from workbench import data, errors
from workbench.data import Dataset, load, read_sample
from workbench.errors import DataContractError, ParameterError, RubricError, WorkbenchError

if TYPE_CHECKING:  # the lazy names below, for type checkers and editors
    from workbench import calibration, objectivity, reliability, rubric, store, weights

    # `score` is left out: mypy takes it for the submodule workbench.rubric.score
    from workbench.rubric import CurveCheck, Rubric, Scores, curve_check, load_rubric

_LAZY_MODULES = {"objectivity", "reliability", "rubric", "weights", "viz", "views", "privacy", "i18n",
                 "calibration", "store"}
_LAZY_NAMES = {name: "workbench.rubric"
               for name in ("CurveCheck", "Rubric", "Scores", "curve_check", "load_rubric", "score")}

__all__ = [
    "CurveCheck",
    "DataContractError",
    "Dataset",
    "ParameterError",
    "Rubric",
    "RubricError",
    "Scores",
    "WorkbenchError",
    "__version__",
    "calibration",
    "curve_check",
    "data",
    "errors",
    "load",
    "load_rubric",
    "objectivity",
    "read_sample",
    "reliability",
    "rubric",
    "score",
    "store",
    "weights",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        return importlib.import_module(f"workbench.{name}")
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(_LAZY_NAMES[name]), name)
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY_MODULES | set(_LAZY_NAMES))
