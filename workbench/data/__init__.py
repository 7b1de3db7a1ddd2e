"""Data layer: the contract, loading with a full account, and synthetic samples."""

from workbench.data import synth
from workbench.data.contract import (
    RATER_ROLES,
    RATING_COLUMNS,
    ROSTER_COLUMNS,
    RatingsSchema,
    RosterSchema,
)
from workbench.data.dataset import Dataset
from workbench.data.load import load
from workbench.data.report import ValidationReport
from workbench.data.samples import list_samples, read_sample, read_truth, sample_path

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
