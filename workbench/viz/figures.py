"""Charts a leader reads at a glance: pure functions from aggregate tables to a Figure.

Every function takes a small table that is already aggregated and already suppressed
(:mod:`workbench.privacy`; ``NaN`` marks a hidden cell), draws it with the fixed
palette of :mod:`workbench.viz.palette`, titles it with the finding ("9 dari 12 OPD
memenuhi kurva distribusi") in the chosen language, and returns a
:class:`matplotlib.figure.Figure` on the Agg canvas (no display, no pyplot state).
Nothing here computes a statistic; titles only count rows of the given table.

Examples
--------
>>> import pandas as pd
>>> shares = pd.DataFrame({"Sangat Baik": [0.1, 0.05], "Baik": [0.6, 0.9],
...                        "Butuh Perbaikan": [0.2, 0.05], "Kurang/Misconduct": [0.1, float("nan")],
...                        "Sangat Kurang": [0.0, float("nan")]}, index=["A", "B"])
>>> check = pd.DataFrame({"ok": [True, False]}, index=["A", "B"])
>>> fig = curve_figure(shares, check)
>>> fig.axes[0].get_title(loc="left")
'1 dari 2 OPD memenuhi kurva distribusi'
>>> png_bytes(fig)[:4]
b'\\x89PNG'
"""

from __future__ import annotations

import base64
import io
import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from workbench.i18n import number, t
from workbench.privacy import check_min_cell
from workbench.viz.palette import (
    ACCENT,
    FAIL,
    MUTED,
    PASS,
    PREDIKAT_COLORS,
    PREDIKAT_ORDER,
    SUPPRESSED,
)

__all__ = [
    "curve_figure",
    "curve_title",
    "data_uri",
    "png_bytes",
    "raters_figure",
    "reliability_figure",
    "share_figure",
    "transitions_figure",
    "trend_figure",
    "unit_figure",
]

_RC: dict[str, Any] = {"font.size": 10, "axes.titlesize": 12, "axes.titleweight": "bold", "axes.edgecolor": MUTED,
       "axes.spines.top": False, "axes.spines.right": False}


def _figure(width: float, height: float, left: float = 1.7, right: float = 1.1, top: float = 0.45,
            bottom: float = 0.95) -> Figure:
    """A Figure on the Agg canvas with fixed margins in inches (faster than a layout engine)."""
    import matplotlib as mpl

    with mpl.rc_context(_RC):  # type: ignore[arg-type]
        fig = Figure(figsize=(width, height), dpi=100)
        FigureCanvasAgg(fig)
    fig.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height,
                        bottom=bottom / height)
    return fig


def _names(index: Any, width: int = 24) -> tuple[list[str], float]:
    """Unit names as tick labels: a long name wraps onto two lines (a longer one ends in
    "..."), and the left margin in inches that fits the longest line."""
    import textwrap

    labels = []
    for name in (str(i) for i in index):
        lines = textwrap.wrap(name, width) or [""]
        if len(lines) > 2:
            lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), width, placeholder="...")]
        labels.append("\n".join(lines))
    longest = max((len(line) for label in labels for line in label.split("\n")), default=8)
    return labels, max(1.2, 0.3 + 0.075 * longest)


def _style(ax: object) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)  # type: ignore[attr-defined]
    ax.tick_params(colors=MUTED)  # type: ignore[attr-defined]


def _label(p: str, lang: str) -> str:
    return t(f"predikat.{p}", lang)


def _legend_handles(lang: str, suppressed: bool, k: int) -> list[Patch]:
    handles = [Patch(facecolor=PREDIKAT_COLORS[p], edgecolor="white", label=_label(p, lang)) for p in PREDIKAT_ORDER]
    if suppressed:
        handles.append(Patch(facecolor=SUPPRESSED, hatch="//", edgecolor="white", label=t("fig.hidden", lang)))
    return handles


def png_bytes(fig: Figure, dpi: int = 100) -> bytes:
    """Render ``fig`` to PNG bytes (Agg)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def data_uri(fig: Figure, dpi: int = 100) -> str:
    """``data:image/png;base64,...`` of ``fig``, for an ``<img>`` with no request."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(fig, dpi)).decode("ascii")


def _stacked(ax: object, table: pd.DataFrame, lang: str, k: int, names: list[str]) -> bool:
    """Horizontal stacked bars of ``table`` (rows = groups, tick labels ``names``); hidden
    remainder in grey."""
    y = np.arange(len(table))
    left = np.zeros(len(table))
    for p in PREDIKAT_ORDER:
        vals = table[p].to_numpy(dtype=float)
        width = np.nan_to_num(vals)
        ax.barh(y, width, left=left, color=PREDIKAT_COLORS[p], edgecolor="white", height=0.7)  # type: ignore[attr-defined]
        left = left + width
    totals = table.attrs.get("totals")
    rest = (np.asarray(totals, dtype=float) if totals is not None else np.ones(len(table))) - left
    cells = table[list(PREDIKAT_ORDER)].isna().to_numpy()
    hidden = bool(cells.any())
    shown_any = (np.nan_to_num(table[list(PREDIKAT_ORDER)].to_numpy(dtype=float)) > 0).any(axis=1)
    whole = cells.any(axis=1) & ~shown_any  # nothing of the row is shown: no bar at all, a word instead
    if hidden:
        ax.barh(y, np.where(whole, 0.0, np.clip(np.nan_to_num(rest), 0, None)), left=left,  # type: ignore[attr-defined]
                color=SUPPRESSED, hatch="//", edgecolor="white", height=0.7)
    for i in np.flatnonzero(whole):
        ax.text(0.01, y[i], t("fig.hidden", lang), va="center", color=MUTED,  # type: ignore[attr-defined]
                transform=ax.get_yaxis_transform())  # type: ignore[attr-defined]
    ax.set_yticks(y, names)  # type: ignore[attr-defined]
    ax.invert_yaxis()  # type: ignore[attr-defined]
    return hidden


def curve_title(ok: int, hidden: int, n: int, lang: str = "id") -> str:
    """How many of ``n`` OPD meet their curve, and how many verdicts are hidden: a hidden
    verdict is never counted as met, and the sentence says it is hidden, so that "0 of 12"
    never stands for seven results the page cannot show. The curve chart's title, and the
    finding the views write above it.

    Examples
    --------
    >>> curve_title(3, 0, 12)
    '3 dari 12 OPD memenuhi kurva distribusi'
    >>> curve_title(0, 7, 12, "en")
    '0 of 12 units meet the distribution curve; the result of 7 is not shown (small groups)'
    """
    return t("fig.curve.title_hidden" if hidden else "fig.curve.title", lang, ok=ok, n=n, h=hidden)


def curve_figure(shares: pd.DataFrame, check: pd.DataFrame, lang: str = "id", min_cell: int | None = None) -> Figure:
    """Predikat distribution per unit, each marked as meeting its curve or not.

    Parameters
    ----------
    shares
        Rows = units, columns = the five predikat, shares in [0, 1]; ``NaN`` = hidden.
    check
        Indexed by unit with an ``ok`` column (the curve check: 1 meets, 0 fails, ``NaN``
        hidden).
    lang
        ``"id"`` or ``"en"``.
    min_cell
        The suppression threshold, for the legend.
    """
    k = check_min_cell(min_cell)
    names, left = _names(shares.index)
    fig = _figure(9.5, 0.42 * len(shares) + 2.1, left=left, right=1.6, bottom=1.25)
    ax = fig.add_subplot()
    hidden = _stacked(ax, shares, lang, k, names)
    verdicts = check.reindex(shares.index)["ok"].astype(float)  # NaN: the verdict is hidden
    ok = verdicts.fillna(0).astype(bool)
    for i, v in enumerate(verdicts):
        if math.isnan(v):  # a hidden verdict is said as hidden, never as "fails"
            ax.text(1.01, i, t("fig.hidden", lang), va="center", color=MUTED, transform=ax.get_yaxis_transform())
            continue
        ax.text(1.01, i, t("fig.curve.meets" if v else "fig.curve.fails", lang), va="center",
                color=PASS if v else FAIL, fontweight="bold", transform=ax.get_yaxis_transform())
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _: number(v, ".0%", lang))
    ax.set_xlabel(t("fig.curve.xlabel", lang))
    ax.set_title(curve_title(int(ok.sum()), int(verdicts.isna().sum()), len(shares), lang), loc="left")
    _style(ax)
    fig.legend(handles=_legend_handles(lang, hidden, k), loc="lower center", ncol=3, frameon=False)  # fits
    return fig


def share_figure(share: pd.Series, national: float = 0.997, lang: str = "id", min_cell: int | None = None) -> Figure:
    """Share rated Baik or better per unit against the national figure.

    Parameters
    ----------
    share
        Indexed by unit, share in [0, 1]; ``NaN`` = hidden.
    national
        The national share (0.997: PNS reports 2022-2024, BKN).
    """
    check_min_cell(min_cell)  # validated; a hidden share is drawn without its reason
    labels, left = _names(share.index)
    fig = _figure(9, 0.38 * len(share) + 1.8, left=left, bottom=1.05)
    ax = fig.add_subplot()
    y = np.arange(len(share))
    vals = share.to_numpy(dtype=float)
    lo = min(0.5, float(np.nanmin(vals)) - 0.05) if np.isfinite(vals).any() else 0.5
    # a hidden share gets no bar (a bar to 100 % would read as everyone), only the word
    ax.barh(y, np.where(np.isnan(vals), 0.0, vals - lo), left=lo, color=PREDIKAT_COLORS["Baik"], height=0.65)
    for i, v in enumerate(vals):
        ax.text(v + 0.003 if not math.isnan(v) else lo + 0.01, i,
                number(v, ".1%", lang) if not math.isnan(v) else t("fig.hidden", lang), va="center", color=MUTED)
    line = ax.axvline(national, color=ACCENT, linestyle="--", linewidth=2,
                      label=t("fig.share.national", lang, national=national))
    fig.legend(handles=[line], loc="lower center", frameon=False)  # below the axis, never over the title
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(lo, 1.02)
    ax.xaxis.set_major_formatter(lambda v, _: number(v, ".0%", lang))
    ax.set_xlabel(t("fig.share.xlabel", lang))
    above = int(np.nansum(vals > national))
    ax.set_title(t("fig.share.title", lang, above=above, n=len(share), national=national), loc="left")
    _style(ax)
    return fig


def trend_figure(shares: pd.DataFrame, baik_share: pd.Series, lang: str = "id") -> Figure:
    """Predikat shares across periods: Baik or better (left) and the lower predikat (right).

    Parameters
    ----------
    shares
        Rows = periods (sorted), columns = the five predikat, shares in [0, 1] (``NaN`` = hidden).
    baik_share
        Share rated Baik or better per period (``NaN`` = hidden).
    """
    fig = _figure(9, 3.6, bottom=1.0, right=0.3)
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.3])
    x = [str(p) for p in shares.index]
    left.plot(x, baik_share.to_numpy(dtype=float), marker="o", color=PREDIKAT_COLORS["Sangat Baik"], linewidth=2.5)
    left.yaxis.set_major_formatter(lambda v, _: number(v, ".1%", lang))  # ticks a few tenths apart stay distinct
    left.set_ylabel(t("fig.trend.ylabel", lang))
    left.set_title(t("col.share", lang), loc="left", fontsize=10)
    for p in ("Sangat Baik", "Butuh Perbaikan", "Kurang/Misconduct", "Sangat Kurang"):
        right.plot(x, shares[p].to_numpy(dtype=float), marker="o", color=PREDIKAT_COLORS[p], label=_label(p, lang),
                   linewidth=2, markeredgecolor=MUTED if p == "Butuh Perbaikan" else PREDIKAT_COLORS[p])
    right.yaxis.set_major_formatter(lambda v, _: number(v, ".1%", lang))
    fig.legend(*right.get_legend_handles_labels(), frameon=False, fontsize=9, loc="lower center",
               ncol=4)  # below the charts: no label cut at the figure's edge
    for ax in (left, right):
        _style(ax)
    vals = baik_share.to_numpy(dtype=float)
    if len(vals) and np.isfinite(vals[[0, -1]]).all():
        title = t("fig.trend.title", lang, first=vals[0], last=vals[-1], p0=x[0], p1=x[-1])
    else:
        title = t("section.trend", lang)
    fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=12)
    return fig


def unit_figure(counts: pd.DataFrame, unit: str, n: float, share: float, lang: str = "id",
                min_cell: int | None = None) -> Figure:
    """One unit's predikat by jabatan (the drill-down), employees per cell.

    Parameters
    ----------
    counts
        Rows = jabatan, columns = the five predikat, counts (``NaN`` = hidden); its
        ``attrs["totals"]`` may hold the row totals (the hidden remainder is drawn grey).
    unit
        The unit's name.
    n, share
        Employees in the unit and the share rated Baik or better (``NaN`` = hidden).
    """
    k = check_min_cell(min_cell)
    names, left = _names(counts.index)
    fig = _figure(9, 0.5 * max(len(counts), 1) + 2.2, left=left, bottom=1.25)
    ax = fig.add_subplot()
    hidden = _stacked(ax, counts, lang, k, names)
    ax.set_xlabel(t("fig.unit.xlabel", lang))
    size = int(n) if not math.isnan(n) else 0
    ax.set_title(t("fig.unit.title_hidden", lang, unit=unit, n=size) if math.isnan(share) else
                 t("fig.unit.title", lang, unit=unit, n=size, share=number(share, ".1%", lang)), loc="left")
    _style(ax)
    fig.legend(handles=_legend_handles(lang, hidden, k), loc="lower center", ncol=3, frameon=False)  # fits
    return fig


def reliability_figure(rel: pd.DataFrame, lang: str = "id", threshold: float = 0.75) -> Figure:
    """Inter-rater reliability per unit with its 95 % CI, and a reference line.

    Parameters
    ----------
    rel
        Columns ``unit, estimate, ci_low, ci_high`` (``NaN`` = hidden or not computable).
    threshold
        Reference for "good" reliability (0.75, Koo & Li 2016).
    """
    fig = _figure(9, 0.38 * len(rel) + 1.6)
    ax = fig.add_subplot()
    y = np.arange(len(rel))
    est = rel["estimate"].to_numpy(dtype=float)
    lo = est - rel["ci_low"].to_numpy(dtype=float)
    hi = rel["ci_high"].to_numpy(dtype=float) - est
    colors = [FAIL if v < threshold else PASS for v in np.nan_to_num(est, nan=1.0)]
    ax.errorbar(est, y, xerr=[lo, hi], fmt="none", ecolor=MUTED, capsize=3)
    ax.scatter(est, y, c=colors, s=60, zorder=3)
    ax.axvline(threshold, color=ACCENT, linestyle="--")
    ax.set_yticks(y, rel["unit"].astype(str).tolist())
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(t("fig.reliability.xlabel", lang))
    low = int(np.nansum(est < threshold))
    ax.set_title(t("fig.reliability.title", lang, low=low, n=int(np.isfinite(est).sum()), threshold=threshold), loc="left")
    _style(ax)
    return fig


def raters_figure(summary: pd.DataFrame, lenient: float, severe: float, lang: str = "id",
                  min_cell: int | None = None) -> Figure:
    """Raters flagged too lenient and too severe in each unit: what the title counts,
    drawn per unit (stacked bars; a hidden count has no bar and says so).

    Parameters
    ----------
    summary
        Columns ``unit, lenient, severe`` (flagged raters; ``NaN`` = hidden).
    lenient, severe
        City-wide numbers of flagged lenient and severe raters, for the title
        (``NaN`` = hidden).
    """
    check_min_cell(min_cell)
    names, left = _names(summary["unit"].astype(str).tolist())
    fig = _figure(9 + left - 1.7, 0.45 * len(summary) + 2.0, left=left, bottom=1.2)
    ax = fig.add_subplot()
    y = np.arange(len(summary))
    len_v = summary["lenient"].to_numpy(dtype=float)
    sev_v = summary["severe"].to_numpy(dtype=float)
    hidden = np.isnan(len_v) | np.isnan(sev_v)
    a, b = np.nan_to_num(len_v), np.nan_to_num(sev_v)  # a hidden part has no bar
    ax.barh(y, a, height=0.65, color=PREDIKAT_COLORS["Kurang/Misconduct"], label=t("fig.raters.lenient", lang))
    ax.barh(y, b, left=a, height=0.65, color=PREDIKAT_COLORS["Sangat Baik"], label=t("fig.raters.severe", lang))
    top = float(np.nanmax(a + b)) if len(a) else 1.0
    for i in range(len(summary)):
        shown = a[i] + b[i]
        text = number(int(shown), ",", lang) if not hidden[i] else (
            f"{number(int(shown), ',', lang)} + {t('fig.hidden', lang)}" if shown else t("fig.hidden", lang))
        ax.text(a[i] + b[i] + 0.01 * max(top, 1.0), i, text, va="center", color=MUTED)
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlim(0, max(top, 1.0) * 1.15)
    ax.set_xlabel(t("fig.raters.xlabel", lang))
    fig.legend(loc="lower center", ncol=2, frameon=False, bbox_to_anchor=(0.5, 0.0))

    def fmt(v: float) -> str:
        return t("fig.hidden", lang) if math.isnan(v) else number(v, ",.0f", lang)

    ax.set_title(t("fig.raters.title", lang, lenient=fmt(lenient), severe=fmt(severe)), loc="left")
    _style(ax)
    return fig


def transitions_figure(matrix: pd.DataFrame, changed: float, lang: str = "id", min_cell: int | None = None) -> Figure:
    """Heat map of employees moving from each predikat (rows) to each predikat (columns).

    Parameters
    ----------
    matrix
        Five by five counts, rows = rule in force, columns = what-if (``NaN`` = hidden).
    changed
        Employees whose predikat changes (``NaN`` = hidden).
    """
    check_min_cell(min_cell)
    fig = _figure(8, 4.4, left=2.0, right=0.3, top=0.45, bottom=1.3)
    ax = fig.add_subplot()
    labels = [_label(p, lang) for p in PREDIKAT_ORDER]
    values = matrix.reindex(index=list(PREDIKAT_ORDER), columns=list(PREDIKAT_ORDER)).to_numpy(dtype=float)
    shade = np.log1p(np.nan_to_num(values))
    ax.imshow(shade, cmap="Blues", vmin=0, vmax=max(float(shade.max()), 1.0) * 1.15, aspect="auto")
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            v = values[i, j]
            text = t("fig.hidden", lang) if math.isnan(v) else number(v, ",.0f", lang)
            dark = not math.isnan(v) and shade[i, j] > 0.6 * shade.max()
            ax.text(j, i, text, ha="center", va="center", color="white" if dark else "black",
                    fontweight="bold" if i == j else "normal")
    ax.set_xticks(range(5), labels, rotation=20, ha="right")
    ax.set_yticks(range(5), labels)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_ylabel(t("fig.transitions.before", lang))
    ax.set_xlabel(t("fig.transitions.after", lang))
    ax.tick_params(axis="x", rotation=20)
    ax.tick_params(axis="y", rotation=0)
    changed_text = t("fig.hidden", lang) if math.isnan(changed) else number(changed, ",.0f", lang)
    ax.set_title(t("fig.transitions.title", lang, changed=changed_text), loc="left")
    return fig
