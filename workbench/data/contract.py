"""The data contract: the ratings table and the roster, as pandera schemas.

Everything in the workbench speaks one long table of ratings (one row per single
rating) and one roster (one row per employee and period). This module names their
columns, their allowed values, and the pandera schemas that check them
(:class:`RatingsSchema`, :class:`RosterSchema`; pandera is imported the first time one
of them is used, so that ``import workbench`` stays light).

Examples
--------
>>> import pandas as pd
>>> ratings = pd.DataFrame({
...     "period": ["2025"], "employee_id": ["198609262015051001"],
...     "rater_id": ["197501012000031002"], "rater_role": ["atasan"],
...     "indicator": ["kolaboratif"], "score": [4.0]})
>>> from workbench.data.contract import RatingsSchema
>>> RatingsSchema.validate(coerce_ratings(ratings)).shape
(1, 6)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # imported on first use (see __getattr__ below)
    from workbench.data._schemas import RatingsSchema, RosterSchema

__all__ = [
    "GENDERS",
    "GOLONGAN",
    "JABATAN",
    "ORG_PREDIKAT_LABELS",
    "ORG_RATING_COLUMNS",
    "PREDIKAT_COLUMNS",
    "PREDIKAT_LABELS",
    "RATER_ROLES",
    "RATING_COLUMNS",
    "ROSTER_COLUMNS",
    "RatingsSchema",
    "RosterSchema",
    "coerce_org_ratings",
    "coerce_predikat",
    "coerce_ratings",
    "coerce_roster",
]

RATING_COLUMNS: tuple[str, ...] = (
    "period",
    "employee_id",
    "rater_id",
    "rater_role",
    "indicator",
    "score",
)
"""Columns of the ratings table, in order."""

ROSTER_COLUMNS: tuple[str, ...] = (
    "employee_id",
    "period",
    "unit",
    "jabatan",
    "golongan",
    "gender",
    "birth_year",
    "supervisor_id",
)
"""Required columns of the roster, in order; other columns are kept as extras."""

RATER_ROLES: tuple[str, ...] = ("atasan", "rekan", "bawahan", "diri", "pelanggan")
"""Who gave a rating: supervisor, peer, subordinate, self, service user."""

JABATAN: tuple[str, ...] = ("JPT", "administrator", "pengawas", "pelaksana", "fungsional")
"""Kinds of post (UU 20/2023): JPT, administrasi (administrator/pengawas/pelaksana), fungsional."""

_ROMAN = ("I", "II", "III", "IV")
GOLONGAN: tuple[str, ...] = tuple(
    [f"{r}/{x}" for r in _ROMAN for x in "abcd"]
    + ["IV/e"]
    + ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV",
       "XV", "XVI", "XVII"]
)
"""PNS golongan/ruang (I/a .. IV/e) and PPPK grades (I .. XVII)."""

PREDIKAT_LABELS: tuple[str, ...] = (
    "Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang/Misconduct", "Sangat Kurang")
"""The five predikat kinerja pegawai of PermenPANRB 6/2022, best first."""

ORG_PREDIKAT_LABELS: tuple[str, ...] = ("Istimewa", "Baik", "Butuh Perbaikan", "Kurang", "Sangat Kurang")
"""The five predikat kinerja organisasi of PermenPANRB 6/2022, best first."""

PREDIKAT_COLUMNS: tuple[str, ...] = ("period", "employee_id", "predikat")
"""Columns of the recorded-predikat table: what the source file says each employee got."""

ORG_RATING_COLUMNS: tuple[str, ...] = ("period", "unit", "org_predikat")
"""Columns of the org-ratings table (*Predikat Kinerja Organisasi* per unit and period)."""

GENDERS: tuple[str, ...] = ("L", "P")
"""L = laki-laki (male), P = perempuan (female), as on Indonesian forms."""

PERIOD_PATTERN = r"^\d{4}(-(Q[1-4]|S[12]|0[1-9]|1[0-2]))?$"
"""A year (``2025``), quarter (``2025-Q1``), semester (``2025-S1``) or month (``2025-03``)."""


def coerce_ratings(df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` with the contract's column order and dtypes (no validation)."""
    out = df.loc[:, list(RATING_COLUMNS)].copy()
    for col in ("period", "employee_id", "rater_id", "indicator"):
        out[col] = out[col].astype(str)
    out["rater_role"] = pd.Categorical(out["rater_role"], categories=list(RATER_ROLES))
    out["score"] = pd.to_numeric(out["score"]).astype(float)
    return out.reset_index(drop=True)


def coerce_roster(df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` with the required roster columns first and contract dtypes."""
    out = df.copy()
    for col in ROSTER_COLUMNS:
        if col not in out.columns:
            out[col] = pd.NA
    extras = [c for c in out.columns if c not in ROSTER_COLUMNS]
    out = out.loc[:, list(ROSTER_COLUMNS) + extras]
    for col in ("employee_id", "period", "unit"):
        out[col] = out[col].astype(str)
    for col in ("jabatan", "golongan", "gender", "supervisor_id"):
        # pandas' string dtype; a missing value stays missing (it does not become "None")
        out[col] = out[col].astype("object").where(out[col].notna(), None).astype(str)
    out["birth_year"] = pd.to_numeric(out["birth_year"], errors="coerce").astype("Int64")
    return out.reset_index(drop=True)


def coerce_predikat(df: pd.DataFrame | None) -> pd.DataFrame:
    """Return the recorded-predikat table with its columns and dtypes (empty when ``None``).

    ``predikat`` is one of :data:`PREDIKAT_LABELS`, or missing for an employee not yet
    rated (``-`` or empty in an e-Kinerja export).
    """
    if df is None:
        df = pd.DataFrame(columns=list(PREDIKAT_COLUMNS))
    out = df.loc[:, list(PREDIKAT_COLUMNS)].copy()
    for col in ("period", "employee_id"):
        out[col] = out[col].astype(str)
    out["predikat"] = pd.Categorical(out["predikat"], categories=list(PREDIKAT_LABELS))
    return out.reset_index(drop=True)


def coerce_org_ratings(df: pd.DataFrame | None) -> pd.DataFrame:
    """Return the org-ratings table with its columns and dtypes (empty when ``None``).

    ``period`` may be missing: the rating then holds for every period of the dataset.
    """
    if df is None:
        df = pd.DataFrame(columns=list(ORG_RATING_COLUMNS))
    out = df.loc[:, list(ORG_RATING_COLUMNS)].copy()
    out["period"] = out["period"].astype("object").where(out["period"].notna(), None)
    out["unit"] = out["unit"].astype(str)
    out["org_predikat"] = pd.Categorical(out["org_predikat"], categories=list(ORG_PREDIKAT_LABELS))
    return out.reset_index(drop=True)


_SCHEMAS = ("RatingsSchema", "RosterSchema")


def __getattr__(name: str) -> Any:
    """The pandera schemas, imported with pandera the first time they are asked for."""
    if name in _SCHEMAS:
        from workbench.data import _schemas

        return getattr(_schemas, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
