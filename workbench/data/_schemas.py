"""The pandera schemas of the data contract (see :mod:`workbench.data.contract`).

Kept apart so that pandera, which costs about 0.3 s to import, is loaded only when a
schema is first used (``Dataset.validate`` or ``contract.RatingsSchema``).

Examples
--------
>>> from workbench.data._schemas import RosterSchema
>>> sorted(RosterSchema.to_schema().columns)[:2]
['birth_year', 'employee_id']
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from workbench.data.contract import GENDERS, GOLONGAN, JABATAN, PERIOD_PATTERN, RATER_ROLES

__all__ = ["RatingsSchema", "RosterSchema"]


class RatingsSchema(pa.DataFrameModel):
    """One row per single rating."""

    period: Series[str] = pa.Field(str_matches=PERIOD_PATTERN)
    employee_id: Series[str] = pa.Field(str_length={"min_value": 1})
    rater_id: Series[str] = pa.Field(str_length={"min_value": 1})
    rater_role: Series[pd.CategoricalDtype] = pa.Field(isin=list(RATER_ROLES))
    indicator: Series[str] = pa.Field(str_matches=r"^[a-z][a-z0-9_]*$")
    score: Series[float] = pa.Field(nullable=False)

    class Config:
        strict = True
        ordered = False


class RosterSchema(pa.DataFrameModel):
    """One row per employee and period; extra columns are kept as they are."""

    employee_id: Series[str] = pa.Field(str_length={"min_value": 1})
    period: Series[str] = pa.Field(str_matches=PERIOD_PATTERN)
    unit: Series[str] = pa.Field(str_length={"min_value": 1})
    jabatan: Series[str] = pa.Field(isin=list(JABATAN), nullable=True)
    golongan: Series[str] = pa.Field(isin=list(GOLONGAN), nullable=True)
    gender: Series[str] = pa.Field(isin=list(GENDERS), nullable=True)
    birth_year: Series[pd.Int64Dtype] = pa.Field(ge=1940, le=2010, nullable=True)
    supervisor_id: Series[str] = pa.Field(nullable=True)

    class Config:
        strict = False
        unique = ["employee_id", "period"]
