"""Figures: fixed palette, titles that state the finding, both languages, PNG output."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from workbench.viz import figures as F
from workbench.viz.palette import PREDIKAT_COLORS, PREDIKAT_ORDER

P = list(PREDIKAT_ORDER)


@pytest.fixture()
def shares():
    return pd.DataFrame([[0.1, 0.6, 0.2, 0.1, 0.0], [0.05, 0.9, 0.05, np.nan, np.nan]], index=["A", "B"], columns=P)


def test_palette_is_okabe_ito_and_fixed():
    okabe = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"}
    assert set(PREDIKAT_COLORS.values()) <= okabe
    assert list(PREDIKAT_COLORS) == P


def test_curve_figure_title_and_colours(shares):
    check = pd.DataFrame({"ok": [True, False]}, index=["A", "B"])
    fig = F.curve_figure(shares, check)
    ax = fig.axes[0]
    assert ax.get_title(loc="left") == "1 dari 2 OPD memenuhi kurva distribusi"
    colours = {matplotlib.colors.to_hex(p.get_facecolor()).upper() for p in ax.patches}
    assert PREDIKAT_COLORS["Baik"].upper() in colours
    en = F.curve_figure(shares, check, lang="en")
    assert en.axes[0].get_title(loc="left") == "1 of 2 units meet the distribution curve"


def test_share_figure_counts_units_above_national():
    fig = F.share_figure(pd.Series([0.97, 0.90, np.nan], index=["A", "B", "C"]), national=0.95)
    assert fig.axes[0].get_title(loc="left").startswith("1 dari 3 OPD di atas angka nasional 95,0%")


def test_transitions_marks_hidden_cells():
    m = pd.DataFrame(np.diag([10.0, 100, 8, 6, 0]), index=P, columns=P)
    m.iloc[1, 0] = np.nan
    fig = F.transitions_figure(m, changed=float("nan"))
    texts = [t.get_text() for t in fig.axes[0].texts]
    # a hidden cell may be small or hidden for another's sake: the figure never says "<5"
    assert "(tersembunyi)" in texts and "100" in texts and "<5" not in texts
    assert "(tersembunyi) pegawai" in fig.axes[0].get_title(loc="left")


def test_png_and_data_uri(shares):
    fig = F.trend_figure(shares, pd.Series([0.7, 0.95], index=shares.index))
    assert F.png_bytes(fig)[:8] == b"\x89PNG\r\n\x1a\n"
    assert F.data_uri(fig).startswith("data:image/png;base64,")


def test_figures_are_drawn_on_agg():
    fig = F.reliability_figure(pd.DataFrame({"unit": ["A"], "estimate": [0.8], "ci_low": [0.7], "ci_high": [0.9]}))
    assert type(fig.canvas).__name__ == "FigureCanvasAgg"
