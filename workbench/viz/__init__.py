"""Figures for leaders: pure functions from aggregate tables to matplotlib Figures.

Every chart uses the fixed, colour-blind-safe predikat palette of
:mod:`workbench.viz.palette` and a title that states the finding. Figures are drawn on
the Agg canvas; nothing here touches pyplot or a display.
"""

from workbench.viz.figures import (
    curve_figure,
    data_uri,
    png_bytes,
    raters_figure,
    reliability_figure,
    share_figure,
    transitions_figure,
    trend_figure,
    unit_figure,
)
from workbench.viz.palette import PREDIKAT_COLORS, PREDIKAT_ORDER

__all__ = [
    "PREDIKAT_COLORS",
    "PREDIKAT_ORDER",
    "curve_figure",
    "data_uri",
    "png_bytes",
    "raters_figure",
    "reliability_figure",
    "share_figure",
    "transitions_figure",
    "trend_figure",
    "unit_figure",
]
