"""Kinerja Workbench: appraisal analytics for Indonesia's civil servants (ASN).

Examples
--------
>>> import workbench as wb
>>> ds = wb.read_sample("kota_contoh")
>>> ds.report.ok
True
"""

__version__ = "0.1.0"

from workbench import data, errors, objectivity, reliability, rubric, weights
from workbench.data import Dataset, load, read_sample
from workbench.errors import (
    DataContractError,
    ParameterError,
    RubricError,
    WorkbenchError,
)
from workbench.rubric import CurveCheck, Rubric, Scores, curve_check, load_rubric, score

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
    "weights",
]
