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
from workbench.i18n import number, t
from workbench.privacy import check_min_cell, suppress_counts, suppress_rows
from workbench.report import Page, finding_keys
from workbench.rubric import Rubric
from workbench.rubric.curve import org_source_sentence, source_label
from workbench.views import _sources as src
from workbench.viz import figures as fig

__all__ = [
    "HeadLine",
    "Section",
    "curve_section",
    "flags_section",
    "band",
    "org_line",
    "rule_line",
    "rater_names_section",
    "raters_section",
    "reliability_section",
    "section_html",
    "share_section",
    "transitions_section",
    "trend_section",
    "unit_section",
    "whatif_pending",
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


@dataclass(frozen=True)
class HeadLine:
    """One line under a published report's title (the HTML and the PDF show the same lines).

    Attributes
    ----------
    kind
        ``"data"`` (data name and periods), ``"privacy"``, ``"loaded"`` (loading counts),
        ``"rule"``, ``"generated"`` (date and version) or ``"card"`` (a figure of the
        headline band).
    text
        The line, in the chosen language.
    card
        The band's figure a ``"card"`` line writes out (the HTML shows it as a card).
    """

    kind: str
    text: str
    card: Card | None = None


def _k(min_cell: int | None) -> int:
    return check_min_cell(min_cell)


def _fmt_count(v: float, lang: str, k: int) -> str:
    return t("fig.suppressed", lang, k=k) if isinstance(v, float) and math.isnan(v) else number(int(v), ",", lang)


def _pred(label: str, lang: str) -> str:
    return " + ".join(t(f"predikat.{p}", lang) for p in label.split(" + "))


def _rules(page: Page, unit: str, lang: str) -> str:
    """The rules of the curve a unit breaks (shown only with its verdict)."""
    key = page.tables["curve"].loc[unit, "ok"]
    if page.facts[key].hidden:
        return ""
    parts = []
    for name, mn, mx, present, broken in page.extra["violations"].get(unit, []):
        if not broken:
            continue
        if mx is not None:
            parts.append(t("curve.rule.max", lang, predikat=_pred(name, lang), share=mx))
        elif mn is not None:
            parts.append(t("curve.rule.min", lang, predikat=_pred(name, lang), share=mn))
        elif present:
            parts.append(t("curve.rule.present", lang, predikat=_pred(name, lang)))
    return "; ".join(parts)


def _moves(page: Page, unit: str, lang: str) -> str:
    """The smallest fix as texts; a hidden number becomes "<5" or "some"."""
    out = []
    for key, source, target in page.extra["moves"].get(unit, []):
        f = page.facts[key]
        names = {"source": t(f"predikat.{source}", lang), "target": t(f"predikat.{target}", lang)}
        if f.status == "protected":
            out.append(t("curve.move_hidden", lang, **names))
        else:
            out.append(t("curve.move", lang, n=page.label(key, lang), **names))
    return "; ".join(out)


def _curve_table(page: Page, sources: Mapping[str, str], lang: str, label: Callable[[str], str],
                 detail: list[str], fix: list[str]) -> pd.DataFrame:
    """The curve table of ``page``, each number written by ``label`` (a fact key -> text)."""
    keys = page.tables["curve"]
    units = keys.index.astype(str).tolist()
    return pd.DataFrame({
        t("col.unit", lang): units,
        t("col.org_rating", lang): [src.org_label(str(page.extra["org_rating"].get(u, "")), lang) for u in units],
        t("col.n", lang): [label(keys.loc[u, "total" if "total" in keys else "n"]) for u in units],
        **({t("col.unscored", lang): [label(keys.loc[u, "unscored"]) for u in units]} if "unscored" in keys else {}),
        t("col.org_source", lang): [source_label(str(sources.get(u, "")), lang) for u in units],
        t("col.ok", lang): [label(keys.loc[u, "ok"]) for u in units],
        t("col.detail", lang): detail,
        t("col.fix", lang): fix,
    })


def _distribution_table(page: Page, lang: str, label: Callable[[str], str]) -> pd.DataFrame:
    """The predikat distribution before and after of a what-if page, written by ``label``."""
    dist = page.tables["distribution"]
    labels = list(page.extra["labels"])
    return pd.DataFrame({
        t("col.predikat", lang): [t(f"predikat.{p}", lang) for p in src.PREDIKAT],
        t("fig.transitions.before", lang): [label(dist.loc["before", lab]) for lab in labels],
        t("fig.transitions.after", lang): [label(dist.loc["after", lab]) for lab in labels],
    })


def _curve_from(page: Page, key: str, title: str, lang: str, notes: tuple[str, ...],
                sources: Mapping[str, str]) -> Section:
    keys = page.tables["curve"]
    labels = list(page.extra["labels"])
    values = page.frame("curve")
    n = values["n"]
    shares = values[labels].set_axis(list(src.PREDIKAT), axis=1).div(n, axis=0)
    ok = values["ok"].fillna(0).astype(bool)
    finding = fig.curve_title(int(ok.sum()), int(values["ok"].isna().sum()), len(keys), lang)
    units = keys.index.astype(str).tolist()
    table = _curve_table(page, sources, lang, lambda key: page.label(key, lang),
                         [_rules(page, u, lang) for u in units],
                         [_moves(page, u, lang) if not page.facts[keys.loc[u, "ok"]].hidden else "" for u in units])
    indexed = pd.DataFrame({"ok": values["ok"].to_numpy(dtype=float)}, index=pd.Index(units, name="unit"))
    return Section(key, title, finding, table, notes,
                   lambda: fig.curve_figure(shares, indexed, lang, page.min_cell))


def curve_section(ds: Dataset, period: str, org_rating: Mapping[str, str] | None = None, lang: str = "id",
                  min_cell: int | None = None, rubric: Rubric | None = None, unit: str | None = None) -> Section:
    """Predikat distribution per OPD against the curve of its organisation rating.

    ``rubric``: a what-if rubric instead of the rule in force. Every number is read from
    the page model (:func:`workbench.report.leadership_page` or
    :func:`~workbench.report.whatif_page`), protected as a whole.
    """
    sources = _sources(ds, period, org_rating)  # the org ratings' source: in the table and the rule line
    if rubric is None:
        page = src.leadership(ds, period, org_rating, unit, min_cell)
        return _curve_from(page, "curve", t("section.curve", lang), lang, (), sources)
    page = src.whatif(ds, rubric, period, org_rating, min_cell)
    return _curve_from(page, "whatif_curve", t("section.whatif_curve", lang), lang, (), sources)


def _sources(ds: Dataset, period: str, org_rating: Mapping[str, str] | None) -> dict[str, str]:
    """Each unit's org-rating source (a file's name, "given" or "assumed Baik")."""
    units = src.curve(ds, period, org_rating).units
    if "org_rating_source" not in units:
        return {}
    return dict(zip(units["unit"].astype(str), units["org_rating_source"].astype(str), strict=True))


def rule_line(ds: Dataset, period: str, lang: str = "id", rubric: Rubric | None = None,
              whatif: bool = False) -> str:
    """The rule a view's predikat follow, in one line: the rubric (label and id) and,
    when the dataset records predikat for ``period``, that those come first. With
    ``whatif``, also the rubric simulated (``rubric``) and whether its weights or
    thresholds differ from its preset.

    Examples
    --------
    >>> import workbench as wb
    >>> ds = wb.read_sample("kota_contoh")
    >>> rule_line(ds, "2025")
    'Aturan: Predikat Kinerja Pegawai (PermenPANRB 6/2022), rubrik permenpanrb-6-2022.'
    """
    r = src._rubric(src.BASE_RUBRIC)  # the views' cached copy: parsed once per process
    pred = ds.predikat
    recorded = bool(len(pred)) and bool(pred.loc[pred["period"].astype(str) == period, "predikat"].notna().any())
    line = t("page.rule_recorded" if recorded else "page.rule", lang, rubric=r.label.get(lang), id=r.id)  # type: ignore[arg-type]
    if not whatif:
        return line
    sim = rubric or src.whatif_base()
    changed = sim.hash != src.whatif_base(sim.id).hash if sim.id in src.WHATIF_PRESETS else False
    return line + " " + t("page.rule_whatif", lang, rubric=sim.label.get(lang), id=sim.id,  # type: ignore[arg-type]
                          changed=t("page.rule_whatif_changed", lang) if changed else "")


def org_line(ds: Dataset, period: str, org_rating: Mapping[str, str] | None = None, lang: str = "id") -> str:
    """Where each OPD's org rating came from, in one sentence (shown with the rule)."""
    return org_source_sentence(list(_sources(ds, period, org_rating).values()), lang)


def _unscored(page: Page, key: str | None, lang: str) -> str:
    """ "Belum dinilai: n pegawai." from a fact of the page (none: 0)."""
    if key is not None and page.facts[key].status == "protected":
        return t("curve.unscored_hidden", lang)
    return t("curve.unscored", lang, n=page.label(key, lang) if key else "0")


def share_section(ds: Dataset, period: str, lang: str = "id", min_cell: int | None = None,
                  national: float = src.NATIONAL_SHARE_BAIK, org_rating: Mapping[str, str] | None = None,
                  unit: str | None = None) -> Section:
    """Share rated Baik or better per OPD against the national figure."""
    page = src.leadership(ds, period, org_rating, unit, min_cell)
    keys = page.tables["share"]["share"]
    share = page.frame("share")["share"]
    above = int((share > national).sum())
    finding = t("fig.share.title", lang, above=above, n=len(share), national=national)
    table = pd.DataFrame({t("col.unit", lang): share.index.astype(str),
                          t("col.share", lang): [page.label(k, lang) for k in keys]})
    return Section("share", t("section.share", lang), finding, table, (),
                   lambda: fig.share_figure(share, national, lang, page.min_cell))


def trend_section(ds: Dataset, unit: str | None = None, lang: str = "id", min_cell: int | None = None,
                  period: str | None = None, org_rating: Mapping[str, str] | None = None) -> Section:
    """Predikat shares across the quarterly periods, for the city or one OPD."""
    period = period or ("2025" if "2025" in ds.periods else ds.periods[-1])
    page = src.leadership(ds, period, org_rating, unit, min_cell)
    keys = page.tables["trend"]
    labels = list(page.extra["labels"])
    values = page.frame("trend")
    shares = values[labels].set_axis(list(src.PREDIKAT), axis=1)
    baik = values["baik"]
    vals = baik.to_numpy(dtype=float)
    single = len(vals) < 2  # one period: no trend to draw, said in words
    if single:
        finding = t("trend.single", lang, period=str(baik.index[0]) if len(vals) else period)
    elif np.isfinite(vals[[0, -1]]).all():
        finding = t("fig.trend.title", lang, first=vals[0], last=vals[-1], p0=baik.index[0], p1=baik.index[-1])
    else:
        finding = t("section.trend", lang)
    table = pd.DataFrame({t("control.period", lang): keys.index.astype(str),
                          **{t(f"predikat.{p}", lang): [page.label(k, lang) for k in keys[lab]]
                             for p, lab in zip(src.PREDIKAT, labels, strict=True)}})
    title = t("section.trend", lang) + (f" ({unit})" if unit else "")
    return Section("trend", title, finding, table, (),
                   None if single else (lambda: fig.trend_figure(shares, baik, lang)))


def _curve_flags(page: Page, lang: str, units: list[str] | None = None) -> list[str]:
    keys = page.tables["curve"]
    out = []
    for u in (units if units is not None else keys.index.astype(str).tolist()):
        ok = page.facts[keys.loc[u, "ok"]]
        if ok.hidden or ok.value:
            continue
        changes = f"{page.name}/changes/{page.extra['curve_period']}/{u}"
        out.append(t("flag.curve", lang, unit=u, rating=src.org_label(str(page.extra["org_rating"].get(u, "")), lang),
                     detail=_rules(page, u, lang), changes=page.label(changes, lang) if changes in page.facts
                     else "0"))
    return out


def _attention(page: Page, lang: str) -> tuple[list[tuple[str, list[str]]], list[str], int]:
    """What needs attention: the OPD off their curve grouped by the rule they break (most
    OPD first), the OPD where nearly everyone is Baik or better (shown facts only), and
    how many OPD are flagged either way."""
    keys = page.tables["curve"]
    by_rule: dict[str, list[str]] = {}
    for u in keys.index.astype(str):
        ok = page.facts[keys.loc[u, "ok"]]
        if not ok.hidden and not ok.value:
            by_rule.setdefault(_rules(page, u, lang) or "-", []).append(u)
    period = page.extra["curve_period"]
    near = [u for u in page.extra["share_flags"] if page.shown(f"{page.name}/flag_share/{period}/{u}")]
    flagged = len({u for units in by_rule.values() for u in units} | set(near))
    return sorted(by_rule.items(), key=lambda item: -len(item[1])), near, flagged


def flags_section(ds: Dataset, period: str, org_rating: Mapping[str, str] | None = None, lang: str = "id",
                  min_cell: int | None = None, near_all: float = 0.99, unit: str | None = None) -> Section:
    """Flags for leadership: OPD off their curve, OPD where (nearly) everyone is Baik or better."""
    page = src.leadership(ds, period, org_rating, unit, min_cell)
    # what needs attention, one line per kind (the per-OPD detail is in the curve table)
    groups, near, flagged = _attention(page, lang)
    notes = [t("flag.curve_group", lang, rule=rule, n=len(units), units=", ".join(units)) for rule, units in groups]
    if near:
        notes.append(t("flag.share_group", lang, n=len(near), units=", ".join(near), share=near_all))
    finding = t("flag.none", lang) if not notes else t("flag.count", lang, n=flagged)
    return Section("flags", t("section.flags", lang), finding, None, tuple(notes) or (t("flag.none", lang),))


@dataclass(frozen=True)
class Card:
    """One figure of the headline band: what it is, the number, and a one-line finding."""

    key: str
    label: str
    value: str
    finding: str


def band(ds: Dataset, period: str, org_rating: Mapping[str, str] | None = None, lang: str = "id",
         min_cell: int | None = None, unit: str | None = None) -> list[Card]:
    """The overview's headline band, read from the leadership page (protected as a whole):
    the city's share Baik or better against the national figure, the OPD meeting their
    curve, the employees not yet rated, and the OPD that need attention.

    Examples
    --------
    >>> import workbench as wb
    >>> cards = band(wb.read_sample("kota_contoh"), "2025", min_cell=5)
    >>> [(c.label, c.value) for c in cards]  # doctest: +NORMALIZE_WHITESPACE
    [('Baik ke atas', '94,6%'), ('OPD memenuhi kurva', '0 dari 12'),
     ('Belum dinilai', '0 pegawai'), ('Perlu perhatian', '12 OPD')]
    >>> cards[0].finding[:46]
    '5,1 poin di bawah angka nasional 99,7% (lapora'
    """
    return _band(src.leadership(ds, period, org_rating, unit, min_cell), period, lang)


def _band(page: Page, period: str, lang: str) -> list[Card]:
    national = float(page.extra["national"])
    cards = []
    key = page.headlines.get("city_share")
    if key is None or page.facts[key].hidden:
        cards.append(Card("share", t("band.share.label", lang), page.label(key, lang) or "-",
                          t("band.share.hidden", lang, k=page.min_cell)))
    else:
        diff = round(100 * (national - round(page.value(key), 3)), 1)  # in points, as the page rounds
        text = ("band.share.level" if diff == 0 else "band.share.below" if diff > 0 else "band.share.above")
        cards.append(Card("share", t("band.share.label", lang), page.label(key, lang),
                          t(text, lang, diff=number(abs(diff), ".1f", lang), national=national)))
    keys = page.tables["curve"]
    verdicts = [page.facts[keys.loc[u, "ok"]] for u in keys.index]
    shown = [f for f in verdicts if not f.hidden]
    ok = sum(bool(f.value) for f in shown)
    finding = t("band.curve.all", lang) if ok == len(shown) else t("band.curve.some", lang, off=len(shown) - ok)
    if len(shown) < len(verdicts):
        finding += " " + t("band.curve.hidden", lang, h=len(verdicts) - len(shown))
    cards.append(Card("curve", t("band.curve.label", lang), t("band.curve.value", lang, ok=ok, n=len(verdicts)),
                      finding))
    key = page.headlines.get("unscored")
    if key is None:
        cards.append(Card("unscored", t("band.unscored.label", lang), t("band.unscored.value", lang, n=0),
                          t("band.unscored.none", lang, period=period)))
    elif page.facts[key].status == "protected":
        cards.append(Card("unscored", t("band.unscored.label", lang), page.label(key, lang),
                          t("band.unscored.hidden", lang)))
    else:
        cards.append(Card("unscored", t("band.unscored.label", lang),
                          t("band.unscored.value", lang, n=page.label(key, lang)),
                          t("band.unscored.some", lang, period=period)))
    groups, near, flagged = _attention(page, lang)
    if groups:
        finding = t("band.flags.top", lang, rule=groups[0][0], n=len(groups[0][1]))
    elif near:
        finding = t("band.flags.near", lang, n=len(near))
    else:
        finding = t("flag.none", lang)
    cards.append(Card("flags", t("band.flags.label", lang), t("band.flags.value", lang, n=flagged), finding))
    return cards


def band_html(cards: list[Card]) -> str:
    """The headline band as HTML (escaped): one card per figure."""
    return ("<div class='kw-headline kw-band'>" + "".join(
        f"<div class='kw-card' data-key='{c.key}'><div class='kw-card-label'>{html.escape(c.label)}</div>"
        f"<div class='kw-card-value'>{html.escape(c.value)}</div>"
        f"<div class='kw-card-finding'>{html.escape(c.finding)}</div></div>" for c in cards) + "</div>")


HEAD_CSS = """
.kw-rule { color: #222; font-size: 0.95em; border-left: 4px solid #0b3d66; padding: 2px 8px; background: #f7f7f7; }
.kw-band { display: flex; flex-wrap: wrap; gap: 10px; margin: 0.6em 0 0.8em 0; }
.kw-card { flex: 1 1 200px; border: 1px solid #c9d6e3; border-radius: 6px; padding: 8px 12px; background: #f4f8fb; }
.kw-card-label { font-size: 0.85em; color: #444; text-transform: uppercase; letter-spacing: 0.02em; }
.kw-card-value { font-size: 1.7em; font-weight: 700; color: #0b3d66; margin: 2px 0; line-height: 1.2; }
.kw-card-finding { font-size: 0.88em; color: #222; line-height: 1.35; }
"""
"""The style of the rule line and the headline band, shared by the dashboards and the
published report."""


def unit_section(ds: Dataset, period: str, unit: str, org_rating: Mapping[str, str] | None = None,
                 lang: str = "id", min_cell: int | None = None) -> Section:
    """The drill-down: one OPD's predikat by jabatan and its curve check."""
    page = src.leadership(ds, period, org_rating, unit, min_cell)
    if "unit" not in page.tables or page.tables["unit"].empty:
        return Section("unit", t("section.unit", lang, unit=unit), t("status.no_data", lang))
    keys = page.tables["unit"]
    labels = list(page.extra["labels"])
    values = page.frame("unit")
    hidden = values[labels].set_axis(list(src.PREDIKAT), axis=1)
    hidden.index = pd.Index([_jabatan(j, lang) for j in hidden.index.astype(str)])
    hidden.attrs["totals"] = values["n"].fillna(0).to_numpy()
    n = page.value(page.headlines["unit_n"]) if "unit_n" in page.headlines else math.nan
    share_key = page.headlines.get("unit_share")
    share = page.value(share_key) if share_key else math.nan
    if math.isnan(n):
        finding = t("status.no_data", lang)
    elif math.isnan(share):  # a hidden share is said in words, never as "<5 Baik ke atas"
        finding = t("fig.unit.title_hidden", lang, unit=unit, n=int(n))
    else:
        finding = t("fig.unit.title", lang, unit=unit, n=int(n), share=page.label(share_key, lang))
    table = pd.DataFrame({t("jabatan.label", lang): [_jabatan(j, lang) for j in keys.index.astype(str)],
                          **{t(f"predikat.{p}", lang): [page.label(k, lang) for k in keys[lab]]
                             for p, lab in zip(src.PREDIKAT, labels, strict=True)},
                          t("col.n", lang): [page.label(k, lang) for k in keys["n"]]})
    notes = tuple(_curve_flags(page, lang, [unit] if unit in page.tables["curve"].index else []))
    curve = page.tables["curve"]
    if "unscored" in curve and unit in curve.index and page.value(curve.loc[unit, "unscored"]) != 0:
        notes += (_unscored(page, curve.loc[unit, "unscored"], lang),)
    return Section("unit", t("section.unit", lang, unit=unit), finding, table, notes,
                   lambda: fig.unit_figure(hidden, unit, n, share, lang, page.min_cell))


def _jabatan(code: str, lang: str) -> str:
    """A position type by its label ("Fungsional"); a code the catalogue does not know as is."""
    from workbench.i18n import catalogue

    return t(f"jabatan.{code}", lang) if f"jabatan.{code}" in catalogue() else code


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
        t("col.estimate", lang): [t("fig.suppressed", lang, k=k) if math.isnan(v) else number(v, ".2f", lang) for v in est],
        t("col.ci", lang): [("" if math.isnan(a) else f"{number(a, '.2f', lang)} - {number(b, '.2f', lang)}") for a, b in zip(rel["ci_low"], rel["ci_high"], strict=True)],
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
        t("col.spread", lang): [t("fig.suppressed", lang, k=k) if math.isnan(v) else number(v, ".2f", lang) for v in summ["spread"]],
        t("col.lenient", lang): [_fmt_count(float(v), lang, k) for v in flagged["lenient"]],
        t("col.severe", lang): [_fmt_count(float(v), lang, k) for v in flagged["severe"]],
    })
    drawn = pd.DataFrame({"unit": summ["unit"].to_numpy(), "lenient": flagged["lenient"].to_numpy(dtype=float),
                          "severe": flagged["severe"].to_numpy(dtype=float)})
    return Section("raters", t("section.raters", lang), finding, table, (),
                   lambda: fig.raters_figure(drawn, float(city["lenient"]), float(city["severe"]), lang, k))


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
                        min_cell: int | None = None, org_rating: Mapping[str, str] | None = None) -> Section:
    """Employees moving between predikat from the rubric in force to a what-if rubric.

    The matrix, the distribution before and after and the number who change are read
    from :func:`workbench.report.whatif_page`, protected together with the what-if curve.
    """
    rubric = rubric or src.whatif_base()
    page = src.whatif(ds, rubric, period, org_rating, min_cell)
    matrix = page.frame("transitions").set_axis(list(src.PREDIKAT), axis=0).set_axis(list(src.PREDIKAT), axis=1)
    changed_key = page.headlines["changed"]
    changed = page.value(changed_key)
    finding = t("fig.transitions.title", lang, changed=page.label(changed_key, lang))
    table = _distribution_table(page, lang, lambda key: page.label(key, lang))
    return Section("transitions", t("section.transitions", lang), finding, table, (),
                   lambda: fig.transitions_figure(matrix, changed, lang, page.min_cell))


def whatif_pending(ds: Dataset, period: str, rubric: Rubric, lang: str = "id", min_cell: int | None = None,
                   org_rating: Mapping[str, str] | None = None, draft: Page | None = None,
                   findings: Page | None = None) -> list[Section]:
    """The what-if's two sections (curve check, transitions) while their page is being
    protected: what is safe to show before the protection completes.

    With ``draft`` (:func:`workbench.views._sources.whatif_draft`, the page before its
    protection) a cell shows its number only when the number is *locked*: one of the
    overview's (protected and public), shown or hidden as there, a status the protection
    never changes (such as each OPD's number of employees). Every other number, the
    findings (how many OPD meet the curve, how many employees change predikat) and the
    figures wait: they read "menghitung...". Without ``draft`` the tables wait too. The
    OPD, their org ratings and where those come from are the reader's own choices, not
    numbers of the page.

    With ``findings`` as well (:func:`workbench.views._sources.whatif_findings`, the page
    of the findings only, protected) the findings are shown: each OPD's verdict under the
    what-if rubric and the number of employees who change predikat, where that page shows
    them (the whole page will show them too). A finding it hides still waits: the whole
    page may show it.

    Examples
    --------
    >>> import workbench as wb
    >>> ds = wb.read_sample("kota_contoh")
    >>> rubric = src.whatif_base(src.WHATIF_RUBRIC)
    >>> curve, moves = whatif_pending(ds, "2025", rubric, draft=src.whatif_draft(ds, rubric, "2025"))
    >>> curve.finding, curve.draw is None
    ('Menghitung angka aturan simulasi: angka tampil setelah lolos perlindungan sel kecil.', True)
    >>> curve.table.iloc[0, :3].tolist(), curve.table.iloc[0, -3:].tolist()
    (['BKPSDM', 'Baik', '48'], ['menghitung...', 'menghitung...', 'menghitung...'])
    >>> moves.table.iloc[0].tolist()
    ['Sangat Baik', 'menghitung...', 'menghitung...']
    >>> curve, moves = whatif_pending(ds, "2025", rubric, draft=src.whatif_draft(ds, rubric, "2025"),
    ...                               findings=src.whatif_findings(ds, rubric, "2025"))
    >>> curve.finding, moves.finding
    ('3 dari 12 OPD memenuhi kurva distribusi', '246 pegawai berubah predikat dengan aturan simulasi')
    >>> curve.table.iloc[0, -3:].tolist()
    ['tidak', 'menghitung...', 'menghitung...']
    """
    wait = t("status.pending_cell", lang)
    finding = t("status.whatif_pending", lang)
    curve_title, moves_title = t("section.whatif_curve", lang), t("section.transitions", lang)
    if draft is None:
        return [Section("whatif_curve", curve_title, finding), Section("transitions", moves_title, finding)]

    first = set(finding_keys(findings)) if findings is not None else set()

    def label(key: str | None) -> str:  # a locked number as the page will show it; any other waits
        fact = draft.facts.get(key) if key is not None else None
        if fact is not None and fact.locked:
            return draft.label(key, lang)
        if findings is not None and key in first and findings.shown(key):
            return findings.label(key, lang)
        return wait

    waiting = [wait] * len(draft.tables["curve"])
    curve = _curve_table(draft, _sources(ds, period, org_rating), lang, label, waiting, waiting)
    moves = _distribution_table(draft, lang, label)
    curve_text = moves_finding = finding
    if findings is not None:
        verdicts = [findings.facts[k] for k in findings.tables["curve"]["ok"]]
        curve_text = fig.curve_title(sum(1 for f in verdicts if not f.hidden and f.value),
                                     sum(1 for f in verdicts if f.hidden), len(verdicts), lang)
        changed = findings.headlines["changed"]
        if findings.shown(changed):
            moves_finding = t("fig.transitions.title", lang, changed=findings.label(changed, lang))
    return [Section("whatif_curve", curve_title, curve_text, curve),
            Section("transitions", moves_title, moves_finding, moves)]


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
