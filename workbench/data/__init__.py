"""Data layer: the contract, loading with a full account, and synthetic samples."""

from typing import TYPE_CHECKING, Any

from workbench.data import synth
from workbench.data.contract import (
    RATER_ROLES,
    RATING_COLUMNS,
    ROSTER_COLUMNS,
)
from workbench.data.dataset import Dataset
from workbench.data.load import load
from workbench.data.report import ValidationReport
from workbench.data.samples import list_samples, read_sample, read_truth, sample_path

if TYPE_CHECKING:  # imported with pandera on first use (see __getattr__ below)
    from workbench.data.contract import RatingsSchema, RosterSchema

__all__ = [
    "RATER_ROLES",
    "RATING_COLUMNS",
    "ROSTER_COLUMNS",
    "Dataset",
    "RatingsSchema",
    "RosterSchema",
    "ValidationReport",
    "list_samples",
    "load",
    "read_sample",
    "read_truth",
    "sample_path",
    "synth",
]


def __getattr__(name: str) -> Any:
    """``RatingsSchema`` and ``RosterSchema``, imported with pandera on first use."""
    if name in ("RatingsSchema", "RosterSchema"):
        from workbench.data import contract

        return getattr(contract, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
