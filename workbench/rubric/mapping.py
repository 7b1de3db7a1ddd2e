"""Map the indicators of one system onto another's (e.g. BerAKHLAK onto PP 46 aspects).

Examples
--------
>>> import workbench as wb
>>> ds = wb.read_sample("kota_contoh")
>>> mapped = map_indicators(ds.ratings, {"kerja_sama": ["kolaboratif", "harmonis"]},
...                         from_scale=(1, 5), to_scale=(0, 100))
>>> sorted(mapped["indicator"].unique())
['kerja_sama']
>>> float(mapped["score"].min()), float(mapped["score"].max())
(0.0, 100.0)
"""

from __future__ import annotations

import pandas as pd

from workbench.errors import ParameterError

__all__ = ["map_indicators"]


def map_indicators(ratings: pd.DataFrame, mapping: dict[str, list[str] | str],
                   from_scale: tuple[float, float] | None = None,
                   to_scale: tuple[float, float] | None = None) -> pd.DataFrame:
    """Rename (and linearly rescale) source indicators into target indicators.

    Parameters
    ----------
    ratings
        The long ratings table.
    mapping
        ``{target_indicator: source_indicator or [source indicators]}``. A rating of a
        source indicator becomes a rating of each target it is listed under, so a target
        with several sources is later averaged over them (within each rater).
    from_scale, to_scale
        ``(min, max)`` of the sources and of the targets: scores are rescaled linearly,
        ``to_min + (x - from_min) / (from_max - from_min) * (to_max - to_min)``.

    Returns
    -------
    pandas.DataFrame
        The ratings of the target indicators only, same columns as ``ratings``.
    """
    pairs = [(t, s) for t, srcs in mapping.items() for s in ([srcs] if isinstance(srcs, str) else srcs)]
    if not pairs:
        raise ParameterError("`mapping` is empty; give {target: [sources]}.")
    table = pd.DataFrame(pairs, columns=["_target", "indicator"])
    out = ratings.merge(table, on="indicator", how="inner")
    out["indicator"] = out.pop("_target").astype(ratings["indicator"].dtype)
    if (from_scale is None) != (to_scale is None):
        raise ParameterError("Give both `from_scale` and `to_scale`, or neither.")
    if from_scale is not None and to_scale is not None:
        (a, b), (c, d) = from_scale, to_scale
        out["score"] = c + (out["score"] - a) / (b - a) * (d - c)
    return out[list(ratings.columns)]
