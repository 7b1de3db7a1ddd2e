"""The fixed, colour-blind-safe palette of every chart (Okabe-Ito).

Each predikat has one colour in every view, figure and report, ordered from blue
(Sangat Baik) through yellow to vermillion (Sangat Kurang), so that the scale reads
the same for viewers with any common form of colour-vision deficiency. Suppressed
cells are grey.

References
----------
Okabe, M. and Ito, K. (2008). Color Universal Design (CUD): how to make figures and
presentations that are friendly to colorblind people. https://jfly.uni-koeln.de/color/

Examples
--------
>>> PREDIKAT_COLORS["Sangat Baik"]
'#0072B2'
>>> len(set(PREDIKAT_COLORS.values())) == len(PREDIKAT_COLORS)
True
"""

from __future__ import annotations

__all__ = ["ACCENT", "FAIL", "MUTED", "OKABE_ITO", "PASS", "PREDIKAT_COLORS", "PREDIKAT_ORDER", "SUPPRESSED"]

OKABE_ITO: dict[str, str] = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}
"""The eight Okabe-Ito colours."""

PREDIKAT_ORDER: tuple[str, ...] = ("Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang/Misconduct", "Sangat Kurang")
"""Predikat Kinerja Pegawai, best first (the order of every legend and stack)."""

PREDIKAT_COLORS: dict[str, str] = {
    "Sangat Baik": OKABE_ITO["blue"],
    "Baik": OKABE_ITO["sky_blue"],
    "Butuh Perbaikan": OKABE_ITO["yellow"],
    "Kurang/Misconduct": OKABE_ITO["orange"],
    "Sangat Kurang": OKABE_ITO["vermillion"],
}
"""One fixed colour per predikat."""

SUPPRESSED = "#BBBBBB"
"""Grey for hidden (small) cells."""

PASS = OKABE_ITO["bluish_green"]
"""Marks a unit that meets its curve."""

FAIL = OKABE_ITO["vermillion"]
"""Marks a unit that does not."""

ACCENT = OKABE_ITO["reddish_purple"]
"""Reference lines (the national figure)."""

MUTED = "#555555"
"""Text and axes."""
