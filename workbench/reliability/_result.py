"""The result object shared by every scalar reliability coefficient."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from workbench.results import ProvenanceMixin, frame_html, short_repr

__all__ = ["ESTIMATE_COLUMNS", "Estimate", "bootstrap_ci", "normal_ci", "resample_weights"]

ESTIMATE_COLUMNS = [
    "coefficient",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "pval",
    "n_subjects",
    "n_raters",
    "method",
]


@dataclass(frozen=True, eq=False)
class Estimate(ProvenanceMixin):
    """One reliability coefficient: point estimate, uncertainty and sample sizes.

    ``float(result)`` is the point estimate. ``to_frame()`` gives one row with the
    columns ``coefficient, estimate, se, ci_low, ci_high, pval, n_subjects, n_raters,
    method``. ``notes`` holds plain-language remarks (e.g. subjects left out and why).
    ``provenance`` (data hash, parameters, version) is built on first access, from
    the input table as it is at that moment.
    """

    coefficient: str
    estimate: float
    se: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan
    pval: float = math.nan
    n_subjects: int = 0
    n_raters: int = 0
    method: str = ""
    notes: tuple[str, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict, repr=False)
    _data: Any = field(default=None, repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def __float__(self) -> float:
        return float(self.estimate)

    def to_frame(self) -> pd.DataFrame:
        """One row: ``coefficient, estimate, se, ci_low, ci_high, pval, n_subjects,
        n_raters, method``."""
        row = {c: getattr(self, c) for c in ESTIMATE_COLUMNS}
        return pd.DataFrame([row], columns=ESTIMATE_COLUMNS)

    def __repr__(self) -> str:
        return short_repr(self)

    def _repr_html_(self) -> str:
        html = frame_html(self.coefficient, self.to_frame())
        if self.notes:
            html += "".join(f"<p><em>{n}</em></p>" for n in self.notes)
        return html


def normal_ci(estimate: float, se: float, confidence: float, df: float | None = None) -> tuple[float, float]:
    """Wald interval ``estimate -/+ q * se`` (t quantile when ``df`` is given)."""
    if not np.isfinite(se):
        return math.nan, math.nan
    p = 0.5 + confidence / 2
    q = float(stats.t.ppf(p, df)) if df is not None and df > 0 else float(stats.norm.ppf(p))
    return estimate - q * se, estimate + q * se


def bootstrap_ci(draws: np.ndarray, confidence: float) -> tuple[float, float, float]:
    """Percentile interval and standard error of bootstrap ``draws`` (NaN if none)."""
    draws = draws[np.isfinite(draws)]
    if draws.size < 2:
        return math.nan, math.nan, math.nan
    a = (1 - confidence) / 2
    lo, hi = np.quantile(draws, [a, 1 - a])
    return float(lo), float(hi), float(draws.std(ddof=1))


def resample_weights(n_units: int, n_boot: int, seed: int | None, chunk_cells: int = 20_000_000):
    """Yield blocks of bootstrap weights: each row counts how often each unit was drawn.

    Units are drawn with replacement, ``n_units`` per replicate; blocks have as many
    rows as fit in ``chunk_cells`` numbers.
    """
    rng = np.random.default_rng(seed)
    rows = max(1, min(n_boot, chunk_cells // max(n_units, 1)))
    done = 0
    while done < n_boot:
        b = min(rows, n_boot - done)
        idx = rng.integers(0, n_units, size=(b, n_units))
        idx += (np.arange(b, dtype=np.int64) * n_units)[:, None]
        yield np.bincount(idx.ravel(), minlength=b * n_units).reshape(b, n_units).astype(np.float64)
        done += b
