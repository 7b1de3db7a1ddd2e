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
from workbench.rubric import CurveCheck, Rubric
from workbench.views import _sources as src
from workbench.viz import figures as fig

__all__ = [
    "Section",
    "curve_section",
    "flags_section",
    "headline",
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
    """The org ratings set on the page; none = what the dataset knows (or assumes), which
    :func:`src.curve` fills in per period."""
    return org_rating if org_rating is not None else {}


def _counts_of(summary: pd.DataFrame) -> pd.DataFrame:
    """The predikat count columns of a curve summary, renamed to :data:`src.PREDIKAT`
    (the summary labels them in the page's language, best first, like PREDIKAT)."""
    cols = list(summary.columns[3:list(summary.columns).index("ok")])
    return summary.set_index("unit")[cols].set_axis(list(src.PREDIKAT), axis=1)


def _yes_no(ok: object, lang: str, k: int) -> str:
    return t("fig.suppressed", lang, k=k) if ok is pd.NA or ok is None else t(
        "answer.yes" if bool(ok) else "answer.no", lang)


def _curve_from(check: CurveCheck, key: str, title: str, lang: str, k: int,
                notes: tuple[str, ...]) -> Section:
    summary = check.summary(lang, min_cell=k)
    n = summary.set_index("unit")["n_rated"]  # the curve is checked over the rated employees
    shares = src.shares(_counts_of(summary), n, k)
    ok = summary["ok"].fillna(False).astype(bool)
    finding = t("fig.curve.title", lang, ok=int(ok.sum()), n=len(summary))
    table = pd.DataFrame({
        t("col.unit", lang): summary["unit"],
        t("col.org_rating", lang): summary["org_rating"],
        t("col.n", lang): [_fmt_count(float(v), lang, k) for v in summary["n_employees"]],
        t("col.unscored", lang): [_fmt_count(float(v), lang, k) for v in summary["n_unscored"]],
        t("col.org_source", lang): summary["org_rating_source"],
        t("col.ok", lang): [_yes_no(v, lang, k) for v in summary["ok"]],
        t("col.detail", lang): summary["violations"],
        t("col.fix", lang): summary["changes"],
    })
    indexed = pd.DataFrame({"ok": ok.to_numpy()}, index=summary["unit"])
    return Section(key, title, finding, table, notes, lambda: fig.curve_figure(shares, indexed, lang, k))


def curve_section(ds: Dataset, period: str, org_rating: Mapping[str, str] | None = None, lang: str = "id",
                  min_cell: int | None = None, rubric: Rubric | None = None) -> Section:
    """Predikat distribution per OPD against the curve of its organisation rating.

    ``rubric``: a what-if rubric (scored by :func:`src.whatif_scores`) instead of the
    rule in force. The numbers come from :meth:`workbench.rubric.CurveCheck.summary`.
    """
    k = _k(min_cell)
    org = _org(org_rating, ds)
    # the headline: where the org ratings came from, how many are not yet rated (from the core)
    notes = (headline(ds, period, org_rating, lang, k),)
    if rubric is None:
        return _curve_from(src.curve(ds, period, org), "curve", t("section.curve", lang), lang, k, notes)
    org = {**src.default_org_rating(ds, period), **org}
    return _curve_from(src.whatif_curve(ds, rubric, period, org), "whatif_curve", t("section.whatif_curve", lang),
                       lang, k, notes)


def headline(ds: Dataset, period: str, org_rating: Mapping[str, str] | None = None, lang: str = "id",
             min_cell: int | None = None) -> str:
    """The org ratings' source and the "belum dinilai" count of ``period``
    (:meth:`workbench.rubric.CurveCheck.headline`)."""
    return src.curve(ds, period, _org(org_rating, ds)).headline(lang, min_cell=_k(min_cell))


def share_section(ds: Dataset, period: str, lang: str = "id", min_cell: int | None = None,
                  national: float = src.NATIONAL_SHARE_BAIK) -> Section:
    """Share rated Baik or better per OPD against the national figure."""
    k = _k(min_cell)
    counts = src.predikat_counts(src.baseline_scores(ds), period)
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
    counts = src.trend(src.baseline_scores(ds), unit=unit or None)
    shares = src.shares(counts, min_cell=k)
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


def _curve_flags(summary: pd.DataFrame, lang: str, k: int) -> list[str]:
    return [t("flag.curve", lang, unit=r.unit, rating=r.org_rating, detail=r.violations,
              changes=_fmt_count(float(r.n_changes), lang, k))
            for r in summary.itertuples(index=False) if r.ok is not pd.NA and not bool(r.ok)]


def flags_section(ds: Dataset, period: str, org_rating: Mapping[str, str] | None = None, lang: str = "id",
                  min_cell: int | None = None, near_all: float = 0.99) -> Section:
    """Flags for leadership: OPD off their curve, OPD where (nearly) everyone is Baik or better."""
    k = _k(min_cell)
    summary = src.curve(ds, period, _org(org_rating, ds)).summary(lang, min_cell=k)
    notes = _curve_flags(summary, lang, k)
    sb = src.share_baik(src.predikat_counts(src.baseline_scores(ds), period))
    share = suppress_share(sb["baik"], sb["n"], k)
    notes += [t("flag.share", lang, unit=u, share=v) for u, v in share.items() if v >= near_all]
    finding = t("flag.none", lang) if not notes else t("flag.count", lang, n=len(notes))
    return Section("flags", t("section.flags", lang), finding, None, tuple(notes) or (t("flag.none", lang),))


def unit_section(ds: Dataset, period: str, unit: str, org_rating: Mapping[str, str] | None = None,
                 lang: str = "id", min_cell: int | None = None) -> Section:
    """The drill-down: one OPD's predikat by jabatan and its curve check."""
    k = _k(min_cell)
    summary = src.curve(ds, period, _org(org_rating, ds)).summary(lang, min_cell=k)
    row = summary[summary["unit"] == unit]
    unrated: tuple[str, ...] = ()
    if len(row) and row["n_unscored"].iloc[0] != 0:  # "belum dinilai": from the core's curve check
        unrated = (t("curve.unscored", lang, n=_fmt_count(float(row["n_unscored"].iloc[0]), lang, k)),)
    counts = src.predikat_counts(src.baseline_scores(ds), period, unit=unit, by="jabatan", roster=ds.roster)
    if counts.empty:
        return Section("unit", t("section.unit", lang, unit=unit), t("status.no_data", lang), notes=unrated)
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
    table = pd.DataFrame({t("jabatan.label", lang): hidden.index.astype(str),
                          **{t(f"predikat.{p}", lang): [_fmt_count(v, lang, k) for v in hidden[p]]
                             for p in src.PREDIKAT}})
    notes = tuple(_curve_flags(row, lang, k)) + unrated
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


def transitions_section(ds: Dataset, period: str, rubric: Rubric | None = None, lang: str = "id",
                        min_cell: int | None = None) -> Section:
    """Employees moving between predikat from the rubric in force to a what-if rubric.

    The transition matrix and the number of employees who change come from
    :func:`workbench.weights.compare`; the table shows the predikat distribution before
    and after, with small cells hidden.
    """
    k = _k(min_cell)
    rubric = rubric or src.whatif_base()
    cmp = src.whatif_comparison(ds, rubric, period)
    matrix = cmp.transition_matrix(period).reindex(index=list(src.PREDIKAT), columns=list(src.PREDIKAT),
                                                   fill_value=0)
    agreement = cmp.rank_agreement.set_index("period")
    changed_n = int(agreement.loc[period, "n_changed"]) if period in agreement.index else 0
    changed = float(changed_n) if changed_n == 0 or changed_n >= k else float("nan")
    hidden = suppress_counts(matrix, k, secondary=False)
    dist = suppress_counts(src.distribution(matrix), k)
    finding = t("fig.transitions.title", lang, changed=_fmt_count(changed, lang, k))
    table = pd.DataFrame({
        t("col.predikat", lang): [t(f"predikat.{p}", lang) for p in src.PREDIKAT],
        t("fig.transitions.before", lang): [_fmt_count(float(v), lang, k) for v in dist.loc["before"]],
        t("fig.transitions.after", lang): [_fmt_count(float(v), lang, k) for v in dist.loc["after"]],
    })
    return Section("transitions", t("section.transitions", lang), finding, table, (),
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
