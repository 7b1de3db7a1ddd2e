"""Shared fixtures for the reliability tests: wide <-> long helpers and random designs."""

from __future__ import annotations

import numpy as np
import pandas as pd

SHROUT_FLEISS = np.array(
    [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]],
    dtype=float,
)  # Shrout & Fleiss (1979), Table 2: 6 targets x 4 judges

NAN = np.nan
KRIPPENDORFF_2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ]
)  # Krippendorff (2011), observers A-D (rows) x units 1-12 (columns)


def long_from_wide(x: np.ndarray, subject_prefix: str = "E", rater_prefix: str = "R") -> pd.DataFrame:
    """Subjects x raters matrix (NaN = missing) -> long contract table with string ids."""
    s, r = np.nonzero(~np.isnan(x))
    return pd.DataFrame(
        {
            "employee_id": [f"{subject_prefix}{i:04d}" for i in s],
            "rater_id": [f"{rater_prefix}{j:02d}" for j in r],
            "score": x[s, r],
        }
    )


def random_scores(
    rng: np.random.Generator, n: int, k: int, missing: float = 0.0, categories: int | None = None
) -> np.ndarray:
    """Subjects x raters scores with a subject effect, a rater effect and noise."""
    x = rng.normal(size=(n, 1)) + 0.5 * rng.normal(size=(1, k)) + rng.normal(size=(n, k))
    if categories is not None:
        x = np.clip(np.round(x + (categories + 1) / 2), 1, categories)
    if missing:
        x[rng.random(x.shape) < missing] = np.nan
    return x


def test_every_confidence_level_is_checked():
    import pandas as pd
    import pytest

    import workbench as wb
    from workbench.errors import ParameterError

    df = pd.DataFrame({"employee_id": [e for e in range(6) for _ in range(2)], "rater_id": ["a", "b"] * 6,
                       "score": [1, 1, 2, 2, 3, 2, 1, 1, 3, 3, 2, 1]})
    rel = wb.reliability
    for call in (rel.icc, rel.cohen_kappa, rel.fleiss_kappa, rel.gwet_ac, rel.krippendorff_alpha,
                 rel.kendall_w, rel.percent_agreement):
        with pytest.raises(ParameterError, match="between 0 and 1"):
            call(df, confidence=95)
