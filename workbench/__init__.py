"""Kinerja Workbench: appraisal analytics for Indonesia's civil servants (ASN).

Examples
--------
>>> import workbench as wb
>>> ds = wb.read_sample("kota_contoh")
>>> ds.report.ok
True
"""

__version__ = "0.1.0"

from workbench import data, errors, objectivity, reliability  # noqa: E402
from workbench.data import Dataset, load, read_sample  # noqa: E402
from workbench.errors import (  # noqa: E402
    DataContractError,
    ParameterError,
    RubricError,
    WorkbenchError,
)

__all__ = [
    "DataContractError",
    "Dataset",
    "ParameterError",
    "RubricError",
    "WorkbenchError",
    "__version__",
    "data",
    "errors",
    "load",
    "objectivity",
    "read_sample",
    "reliability",
]
