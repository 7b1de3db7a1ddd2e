"""The sections of the dashboards and reports: aggregate, suppress, label, draw.

A :class:`Section` is everything one block of a dashboard shows: a title, the finding
in one sentence, a suppressed and labelled table, notes, and a function that draws the
figure. Panels (:mod:`workbench.views.panels`) and the publisher
(:mod:`workbench.views.publish`) build the same sections, so a published report shows
exactly what the dashboard shows, under the same privacy rules. Numbers come from
:mod:`workbench.views._sources`; small cells are hidden by :mod:`workbench.privacy`.

Examples
--------
>>> import workbench as wb
>>> ds = wb.read_sample("kota_contoh")
>>> s = curve_section(ds, period="2025")
>>> s.finding
'0 dari 12 OPD memenuhi kurva distribusi'
>>> list(s.table.columns)[:3]
['OPD', 'Predikat organisasi', 'Pegawai']
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from workbench.data import Dataset
from workbench.i18n import t
from workbench.privacy import check_min_cell, suppress_counts, suppress_rows, suppress_share
from workbench.views import _sources as src
from workbench.viz import figures as fig

__all__ = [
    "Section",
    "curve_section",
    "flags_section",
    "rater_names_section",
    "raters_section",
    "reliability_section",
    "section_html",
    "share_section",
    "transitions_section",
    "trend_section",
    "unit_section",
]


@dataclass(frozen=True)
class Section:
    """One block of a dashboard or report.

    Attributes
    ----------
    key
        Stable id (``"curve"``, ``"share"``, ...).
    title
        Heading, in the chosen language.
    finding
        The finding in one sentence (also the figure's title).
    table
        A labelled table with hidden cells written ``<k``, or ``None``.
    notes
        Sentences shown under the table (flags, assumptions).
    draw
        Zero-argument function that draws the figure, or ``None``.
    """

    key: str
    title: str
    finding: str
    table: pd.DataFrame | None = None
    notes: tuple[str, ...] = ()
    draw: Callable[[], Figure] | None = field(default=None, repr=False)


def _k(min_cell: int | None) -> int:
    return check_min_cell(min_cell)


def _fmt_count(v: float, lang: str, k: int) -> str:
    return t("fig.suppressed", lang, k=k) if isinstance(v, float) and math.isnan(v) else f"{int(v):,}"


def _fmt_share(v: float, lang: str, k: int) -> str:
    return t("fig.suppressed", lang, k=k) if math.isnan(v) else f"{v:.1%}"


def _org(org_rating: Mapping[str, str] | None, ds: Dataset) -> Mapping[str, str]:
    return org_rating if org_rating is not None else src.default_org_rating(ds)


def _shares(counts: pd.DataFrame, k: int) -> pd.DataFrame:
    n = counts.sum(axis=1).astype(float)
    hidden = suppress_counts(counts, k)
    return hidden.div(n.where(n >= k), axis=0)


def curve_section(ds: Dataset, period: str, org_rating: Mapping[str, str] | None = None, lang: str = "id",
                  min_cell: int | None = None, rule: src.WhatIf | None = None) -> Section:
    """Predikat distribution per OPD against the curve of its organisation rating."""
    k = _k(min_cell)
    scores = src.scores_frame(ds, rule)
    counts = src.predikat_counts(scores, period)
    check = src.curve_check(scores, period, _org(org_rating, ds))
    shares = _shares(counts, k)
    n_ok = int(check["ok"].sum())
    finding = t("fig.curve.title", lang, ok=n_ok, n=len(check))
    n = check["n"].astype(float).where(check["n"] >= k)
    table = pd.DataFrame({
        t("col.unit", lang): check["unit"],
        t("col.org_rating", lang): [t(f"org.{r}", lang) for r in check["org_rating"]],
        t("col.n", lang): [_fmt_count(v, lang, k) for v in n],
        t("col.ok", lang): [t("answer.yes" if ok else "answer.no", lang) for ok in check["ok"]],
        t("col.changes", lang): check["changes_needed"].astype(int),
        t("col.detail", lang): check["detail"],
    })
    indexed = check.set_index("unit")
    return Section("curve", t("section.curve", lang), finding, table,
                   (t("control.org_assumption", lang),) if org_rating is None else (),
                   lambda: fig.curve_figure(shares, indexed, lang, k))


def share_section(ds: Dataset, period: str, lang: str = "id", min_cell: int | None = None,
                  national: float = src.NATIONAL_SHARE_BAIK) -> Section:
    """Share rated Baik or better per OPD against the national figure."""
    k = _k(min_cell)
    counts = src.predikat_counts(src.scores_frame(ds), period)
    sb = src.share_baik(counts)
    share = suppress_share(sb["baik"], sb["n"], k)
    above = int((share > national).sum())
    finding = t("fig.share.title", lang, above=above, n=len(share), national=national)
    table = pd.DataFrame({t("col.unit", lang): share.index.astype(str),
                          t("col.share", lang): [_fmt_share(v, lang, k) for v in share]})
    return Section("share", t("section.share", lang), finding, table, (),
                   lambda: fig.share_figure(share, national, lang, k))


def trend_section(ds: Dataset, unit: str | None = None, lang: str = "id", min_cell: int | None = None) -> Section:
    """Predikat shares across the quarterly periods, for the city or one OPD."""
    k = _k(min_cell)
    counts = src.trend(src.scores_frame(ds), unit=unit or None)
    shares = _shares(counts, k)
    sb = src.share_baik(counts)
    baik = suppress_share(sb["baik"], sb["n"], k)
    vals = baik.to_numpy(dtype=float)
    if len(vals) and np.isfinite(vals[[0, -1]]).all():
        finding = t("fig.trend.title", lang, first=vals[0], last=vals[-1], p0=baik.index[0], p1=baik.index[-1])
    else:
        finding = t("section.trend", lang)
    table = pd.DataFrame({t("control.period", lang): counts.index.astype(str),
                          **{t(f"predikat.{p}", lang): [_fmt_share(v, lang, k) for v in shares[p]] for p in src.PREDIKAT}})
    title = t("section.trend", lang) + (f" ({unit})" if unit else "")
    return Section("trend", title, finding, table, (), lambda: fig.trend_figure(shares, baik, lang))


def flags_section(ds: Dataset, period: str, org_rating: Mapping[str, str] | None = None, lang: str = "id",
                  min_cell: int | None = None, near_all: float = 0.99) -> Section:
    """Flags for leadership: OPD off their curve, OPD where (nearly) everyone is Baik or better."""
    k = _k(min_cell)
    scores = src.scores_frame(ds)
    check = src.curve_check(scores, period, _org(org_rating, ds))
    notes = [t("flag.curve", lang, unit=r.unit, rating=t(f"org.{r.org_rating}", lang), detail=r.detail,
               changes=int(r.changes_needed)) for r in check.itertuples() if not r.ok]
    sb = src.share_baik(src.predikat_counts(scores, period))
    share = suppress_share(sb["baik"], sb["n"], k)
    notes += [t("flag.share", lang, unit=u, share=v) for u, v in share.items() if v >= near_all]
    finding = t("flag.none", lang) if not notes else t("flag.count", lang, n=len(notes))
    return Section("flags", t("section.flags", lang), finding, None, tuple(notes) or (t("flag.none", lang),))


def unit_section(ds: Dataset, period: str, unit: str, org_rating: Mapping[str, str] | None = None,
                 lang: str = "id", min_cell: int | None = None) -> Section:
    """The drill-down: one OPD's predikat by jabatan and its curve check."""
    k = _k(min_cell)
    scores = src.scores_frame(ds)
    counts = src.predikat_counts(scores, period, unit=unit, by="jabatan")
    if counts.empty:
        return Section("unit", t("section.unit", lang, unit=unit), t("status.no_data", lang))
    hidden = suppress_counts(counts, k)
    totals = counts.sum(axis=1).astype(float)
    hidden.attrs["totals"] = totals.where(totals >= k).fillna(0).to_numpy()
    n = float(totals.sum())
    sb = src.share_baik(counts.sum().to_frame().T)
    share = float(suppress_share(sb["baik"], sb["n"], k).iloc[0])
    n_shown = n if n >= k else float("nan")
    share_text = _fmt_share(share, lang, k)
    finding = t("fig.unit.title", lang, unit=unit, n=int(n), share=share_text) if n >= k \
        else t("status.no_data", lang)
    check = src.curve_check(scores[scores["unit"] == unit], period, _org(org_rating, ds))
    table = pd.DataFrame({t("jabatan.label", lang): hidden.index.astype(str),
                          **{t(f"predikat.{p}", lang): [_fmt_count(v, lang, k) for v in hidden[p]]
                             for p in src.PREDIKAT}})
    notes = tuple(t("flag.curve", lang, unit=r.unit, rating=t(f"org.{r.org_rating}", lang), detail=r.detail,
                    changes=int(r.changes_needed)) for r in check.itertuples() if not r.ok)
    return Section("unit", t("section.unit", lang, unit=unit), finding, table, notes,
                   lambda: fig.unit_figure(hidden, unit, n_shown, share, lang, k))


def reliability_section(ds: Dataset, period: str = "2025", lang: str = "id", min_cell: int | None = None,
                        threshold: float = 0.75) -> Section:
    """Inter-rater reliability (ICC) of the BerAKHLAK scores per OPD."""
    k = _k(min_cell)
    rel = src.reliability_summary(ds, period)
    if rel.empty:
        return Section("reliability", t("section.reliability", lang), t("status.no_data", lang))
    rel = suppress_rows(rel, "n_subjects", ["estimate", "ci_low", "ci_high"], k)
    est = rel["estimate"].to_numpy(dtype=float)
    finding = t("fig.reliability.title", lang, low=int(np.nansum(est < threshold)), n=int(np.isfinite(est).sum()),
                threshold=threshold)
    table = pd.DataFrame({
        t("col.unit", lang): rel["unit"],
        t("col.estimate", lang): [t("fig.suppressed", lang, k=k) if math.isnan(v) else f"{v:.2f}" for v in est],
        t("col.ci", lang): [("" if math.isnan(a) else f"{a:.2f} - {b:.2f}") for a, b in zip(rel["ci_low"], rel["ci_high"], strict=True)],
        t("col.n", lang): rel["n_subjects"].astype(int),
    })
    return Section("reliability", t("section.reliability", lang), finding, table, (),
                   lambda: fig.reliability_figure(rel, lang, threshold))


def raters_section(ds: Dataset, period: str = "2025", lang: str = "id", min_cell: int | None = None) -> Section:
    """Rater tendencies per OPD, aggregates only (no rater is named)."""
    k = _k(min_cell)
    summ = src.rater_summary(ds, period)
    if summ.empty:
        return Section("raters", t("section.raters", lang), t("status.no_data", lang))
    summ = suppress_rows(summ, "n_raters", ["spread"], k)
    flagged = suppress_counts(summ.set_index("unit")[["lenient", "severe", "unflagged"]], k)
    city = suppress_counts(summ[["lenient", "severe", "unflagged"]].sum().to_frame().T, k).iloc[0]
    finding = t("fig.raters.title", lang, lenient=_fmt_count(float(city["lenient"]), lang, k),
                severe=_fmt_count(float(city["severe"]), lang, k))
    table = pd.DataFrame({
        t("col.unit", lang): summ["unit"],
        t("col.raters", lang): summ["n_raters"].astype(int),
        t("col.spread", lang): [t("fig.suppressed", lang, k=k) if math.isnan(v) else f"{v:.2f}" for v in summ["spread"]],
        t("col.lenient", lang): [_fmt_count(float(v), lang, k) for v in flagged["lenient"]],
        t("col.severe", lang): [_fmt_count(float(v), lang, k) for v in flagged["severe"]],
    })
    return Section("raters", t("section.raters", lang), finding, table, (),
                   lambda: fig.raters_figure(summ, float(city["lenient"]), float(city["severe"]), lang, k))


def rater_names_section(ds: Dataset, period: str = "2025", unit: str | None = None, lang: str = "id") -> Section:
    """Flagged raters by name: for HR viewers only (never in a leadership view or report)."""
    names = src.rater_table(ds, period, unit)
    table = pd.DataFrame({
        t("col.name", lang): names["name"],
        t("col.unit", lang): names["unit"],
        t("col.leniency", lang): names["leniency"].round(2),
        t("col.ratings", lang): names["n_ratings"].astype(int),
        t("col.direction", lang): [t(f"fig.raters.{d}", lang) for d in names["direction"]],
    })
    return Section("rater_names", t("section.rater_names", lang), f"{len(table)}", table)


def transitions_section(ds: Dataset, period: str, rule: src.WhatIf, lang: str = "id",
                        min_cell: int | None = None) -> Section:
    """Employees moving between predikat from the rule in force to a what-if rule."""
    k = _k(min_cell)
    before = src.scores_frame(ds)
    after = src.scores_frame(ds, rule)
    matrix = src.transitions(before, after, period)
    changed_n = int(matrix.to_numpy().sum() - np.trace(matrix.to_numpy()))
    changed = float(changed_n) if changed_n == 0 or changed_n >= k else float("nan")
    hidden = suppress_counts(matrix, k, secondary=False)
    finding = t("fig.transitions.title", lang, changed=_fmt_count(changed, lang, k))
    return Section("transitions", t("section.transitions", lang), finding, None, (),
                   lambda: fig.transitions_figure(hidden, changed, lang, k))


def section_html(section: Section, image_src: str | None = None, lang: str = "id") -> str:
    """HTML of a section (escaped; the figure as ``<img src=image_src>`` when given)."""
    parts = [f'<section class="kw-section" data-key="{section.key}">',
             f"<h3>{html.escape(section.title)}</h3>",
             f'<p class="kw-finding">{html.escape(section.finding)}</p>']
    if image_src:
        parts.append(f'<img class="kw-figure" alt="{html.escape(section.finding)}" src="{image_src}"/>')
    if section.table is not None and len(section.table):
        parts.append(section.table.to_html(index=False, escape=True, border=0, classes="kw-table"))
    if section.notes:
        parts.append("<ul class='kw-notes'>" + "".join(f"<li>{html.escape(n)}</li>" for n in section.notes) + "</ul>")
    parts.append("</section>")
    return "\n".join(parts)
