"""Rater feedback: a one-page, private view of how one rater's ratings compare.

Meant for rater training (kalibrasi penilai): the rater sees their own leniency, spread
and halo against the distribution over the other raters of their unit and of the whole
city. It holds **no employee ids or names**, only the rater's own id, and is never to be
published with names to others.

Examples
--------
>>> import workbench as wb
>>> r = wb.read_sample("kota_contoh").with_roster(["unit"])
>>> values = r[(r["period"] == "2025") & r["indicator"].isin(wb.data.synth.BERAKHLAK)]
>>> rid = values["rater_id"].value_counts().index[0]
>>> fb = rater_feedback(values, rid)
>>> list(fb.to_frame()["metric"])
['leniency', 'spread_ratio', 'halo_index']
>>> others = set(values["employee_id"]) - {rid}
>>> any(e in fb.text or e in fb.to_frame().to_string() for e in others)
False
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from workbench.errors import DataContractError, check_option
from workbench.objectivity._common import check_columns, to_pandas
from workbench.objectivity.effects import RaterEffects, rater_effects
from workbench.objectivity.rasch import RaschFacets, rasch_facets
from workbench.objectivity.tendencies import halo, spread
from workbench.results import ProvenanceMixin, frame_html

__all__ = ["MESSAGES", "REASONS_ID", "RaterFeedback", "rater_feedback", "rater_feedback_pages"]

MESSAGES: dict[str, dict[str, str]] = {
    "id": {
        "title": "Umpan balik penilai {rater}",
        "intro": "Anda menilai {n} pegawai. Dibandingkan dengan {n_unit} penilai di unit "
                 "{unit} dan {n_city} penilai di seluruh instansi:",
        "leniency+": "Nilai Anda rata-rata {v:+.2f} poin lebih tinggi daripada penilai lain "
                     "untuk pegawai yang sama (lebih murah hati dari {p:.0%} penilai).",
        "leniency-": "Nilai Anda rata-rata {v:+.2f} poin lebih rendah daripada penilai lain "
                     "untuk pegawai yang sama (lebih ketat dari {p:.0%} penilai).",
        "spread_narrow": "Sebaran nilai Anda sempit ({v:.2f} kali sebaran penilai lain): "
                         "Anda cenderung memberi nilai yang mirip kepada semua pegawai.",
        "spread_ok": "Sebaran nilai Anda wajar ({v:.2f} kali sebaran penilai lain).",
        "halo": "Nilai Anda antar-nilai BerAKHLAK sangat seragam untuk tiap pegawai "
                "(indeks halo {v:.2f}; 1 = biasa): nilailah setiap nilai secara terpisah.",
        "halo_ok": "Anda membedakan antar-nilai BerAKHLAK seperti penilai lain "
                   "(indeks halo {v:.2f}).",
        "flag": "Catatan: pola ini signifikan secara statistik ({metrics}).",
        "na_few": "Kemurahan hati Anda tidak dapat diperkirakan: hanya {n} pegawai yang Anda "
                  "nilai juga dinilai penilai lain (perlu minimal {k}). Satu penilaian tidak "
                  "dapat membedakan kecenderungan Anda dari penilaian Anda atas pegawai itu.",
        "na_unlinked": "Kemurahan hati Anda tidak dapat diperkirakan: tidak ada pegawai yang "
                       "Anda nilai yang juga dinilai penilai lain.",
        "na_spread": "Sebaran nilai Anda tidak dapat diperkirakan (perlu minimal 3 pegawai).",
        "metric.leniency": "kemurahan hati", "metric.spread_ratio": "sebaran",
        "metric.halo_index": "efek halo", "metric.infit": "kecocokan (infit)",
        "metric.outfit": "kecocokan (outfit)",
        "private": "Dokumen ini hanya untuk penilai yang bersangkutan dan pelatihan penilai.",
        "fit_muted": "Nilai Anda lebih mudah ditebak daripada yang diharapkan model Rasch "
                     "(infit {v:.2f}): tanda efek halo atau kecenderungan memberi nilai tengah.",
        "fit_noisy": "Nilai Anda lebih acak daripada yang diharapkan model Rasch "
                     "(infit {v:.2f}): periksa konsistensi penilaian Anda.",
        "fit_ok": "Pola nilai Anda sesuai dengan model Rasch (infit {v:.2f}).",
        "fit_uncertain": "Kecocokan nilai Anda dengan model Rasch jauh dari 1 (infit {v:.2f}), tetapi "
                         "penilaian Anda terlalu sedikit untuk menyimpulkannya.",
        "not_estimable": "Keketatan Anda tidak dapat diperkirakan dengan model Rasch: {reason}.",
    },
    "en": {
        "title": "Rater feedback for {rater}",
        "intro": "You rated {n} employees. Compared with {n_unit} raters in {unit} and "
                 "{n_city} raters in the whole organisation:",
        "leniency+": "Your scores are on average {v:+.2f} points higher than other raters' "
                     "for the same employees (more generous than {p:.0%} of raters).",
        "leniency-": "Your scores are on average {v:+.2f} points lower than other raters' "
                     "for the same employees (stricter than {p:.0%} of raters).",
        "spread_narrow": "Your scores have a narrow spread ({v:.2f} times that of other "
                         "raters): you tend to give everyone similar scores.",
        "spread_ok": "The spread of your scores is typical ({v:.2f} times that of others).",
        "halo": "Your scores across the BerAKHLAK values are very uniform for each employee "
                "(halo index {v:.2f}; 1 = usual): rate each value on its own.",
        "halo_ok": "You distinguish between the BerAKHLAK values like other raters "
                   "(halo index {v:.2f}).",
        "flag": "Note: this pattern is statistically significant ({metrics}).",
        "na_few": "Your leniency cannot be estimated: only {n} of the employees you rated "
                  "were also rated by other raters (at least {k} are needed). One rating cannot "
                  "tell your tendency from your judgement of that employee.",
        "na_unlinked": "Your leniency cannot be estimated: none of the employees you rated was "
                       "also rated by another rater.",
        "na_spread": "The spread of your scores cannot be estimated (at least 3 employees needed).",
        "metric.leniency": "leniency", "metric.spread_ratio": "spread",
        "metric.halo_index": "halo", "metric.infit": "infit", "metric.outfit": "outfit",
        "private": "For the rater concerned and rater training only.",
        "fit_muted": "Your scores are more predictable than the Rasch model expects (infit "
                     "{v:.2f}): a sign of halo or of a preference for the middle categories.",
        "fit_noisy": "Your scores are more erratic than the Rasch model expects (infit "
                     "{v:.2f}): check the consistency of your ratings.",
        "fit_ok": "Your scores fit the Rasch model (infit {v:.2f}).",
        "fit_uncertain": "Your fit to the Rasch model is far from 1 (infit {v:.2f}), but you gave too "
                         "few ratings to draw a conclusion.",
        "not_estimable": "Your severity cannot be estimated with the Rasch model: {reason}.",
    },
}
"""The feedback texts, Bahasa Indonesia (default) and English."""

REASONS_ID = {
    "single ratee": "Anda hanya menilai satu pegawai",
    "extreme scores only": "semua nilai Anda berada di kategori terendah atau tertinggi",
    "unlinked": "pegawai yang Anda nilai tidak dinilai penilai lain",
    "no usable ratings": "tidak ada penilaian Anda yang dapat dipakai",
    "no finite estimate": "nilai Anda selalu di atas (atau di bawah) penilai lain",
}
"""The reasons of :func:`~workbench.objectivity.rasch_facets`, in Bahasa Indonesia."""


@dataclass(frozen=True, eq=False)
class RaterFeedback(ProvenanceMixin):
    """One rater's feedback: ``metrics`` (a table) and ``text`` (short paragraphs).

    ``to_frame()`` columns: ``metric, value, unit_median, city_median,
    percentile_unit, percentile_city, n_raters_unit, n_raters_city, flag, estimable,
    reason``. A metric the design cannot estimate for this rater (e.g. leniency with a
    single shared ratee) has ``value`` NaN, ``estimable`` False and the reason; it is never
    called significant.
    """

    rater_id: str
    unit: str
    metrics: pd.DataFrame
    text: str
    lang: str = "id"
    parameters: dict[str, Any] = field(default_factory=dict, repr=False)
    _data: Any = field(default=None, repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """The metrics table (a copy)."""
        return self.metrics.copy()

    def _repr_html_(self) -> str:
        paras = "".join(f"<p>{line}</p>" for line in self.text.split("\n"))
        return frame_html(MESSAGES[self.lang]["title"].format(rater=self.rater_id),
                          self.metrics) + paras


def _percentile(values: np.ndarray, v: float) -> float:
    values = values[np.isfinite(values)]
    if values.size == 0 or not np.isfinite(v):
        return float("nan")
    return float((values < v).mean() + 0.5 * (values == v).mean())


def rater_feedback(
    df: Any,
    rater_id: str,
    *,
    subject: str = "employee_id",
    rater: str = "rater_id",
    score: str = "score",
    indicator: str = "indicator",
    unit: str | None = "unit",
    lang: Literal["id", "en"] = "id",
    effects: RaterEffects | None = None,
    model: Literal["additive", "rasch"] = "additive",
    rasch: RaschFacets | None = None,
) -> RaterFeedback:
    """Build one rater's feedback page: leniency, spread and halo against their peers.

    Parameters
    ----------
    df
        Long table of one scale (e.g. the BerAKHLAK values), with a ``unit`` column
        (``ds.with_roster(["unit"])``) for the within-unit comparison.
    rater_id
        The rater to report on.
    subject, rater, score, indicator, unit
        Column names; ``unit=None`` compares with the whole organisation only. A rater's
        unit is the most frequent unit of their ratees.
    lang
        ``"id"`` (Bahasa Indonesia) or ``"en"``.
    effects
        A precomputed :func:`~workbench.objectivity.rater_effects` result on ``df``, to
        avoid refitting when producing many feedback pages.
    model
        ``"additive"`` (default): leniency from :func:`rater_effects`; ``"rasch"``:
        leniency in score points (``leniency_points``) and the flag from
        :func:`~workbench.objectivity.rasch_facets`, plus its ``infit`` and ``outfit``
        rows and a sentence on fit (or on why the severity cannot be estimated).
    rasch
        A precomputed :func:`~workbench.objectivity.rasch_facets` result on ``df``.

    Returns
    -------
    RaterFeedback
        ``.to_frame()``: one row per metric (``leniency``, ``spread_ratio``,
        ``halo_index``, and with ``model="rasch"`` ``infit`` and ``outfit``) with the
        rater's value, unit and city medians, the rater's
        percentile among unit and city raters and the flag; ``.text``: the summary.

    Notes
    -----
    Percentiles are mid-rank (0.5 = typical). Read leniency with its uncertainty: a
    rater with few ratees has a shrunk, uncertain estimate (see ``rater_effects``).
    Use this page to start a conversation, not as a verdict.

    Examples
    --------
    >>> import workbench as wb
    >>> r = wb.read_sample("kota_contoh").with_roster(["unit"])
    >>> values = r[(r["period"] == "2025") & r["indicator"].isin(wb.data.synth.BERAKHLAK)]
    >>> rid = values["rater_id"].value_counts().index[0]
    >>> print(rater_feedback(values, rid, lang="en").text.splitlines()[-1])
    For the rater concerned and rater training only.
    """
    _check(df, subject, rater, score, indicator, unit, lang, model)
    rid = str(rater_id)
    mine = to_pandas(df[df[rater].astype(str) == rid])
    if len(mine) == 0:
        raise DataContractError(
            f"`rater_feedback`: rater {rid!r} has no ratings in the table; check the id "
            f"and the column {rater!r}.")
    ctx = _context(df, subject, rater, score, indicator, unit, lang, effects, model, rasch)
    return _page(ctx, rid, int(mine[subject].nunique()))


def rater_feedback_pages(
    df: Any,
    raters: Sequence[str] | None = None,
    *,
    subject: str = "employee_id",
    rater: str = "rater_id",
    score: str = "score",
    indicator: str = "indicator",
    unit: str | None = "unit",
    lang: Literal["id", "en"] = "id",
    effects: RaterEffects | None = None,
    model: Literal["additive", "rasch"] = "additive",
    rasch: RaschFacets | None = None,
) -> dict[str, RaterFeedback]:
    """Every rater's feedback page from one pass over the rater table.

    The same pages as :func:`rater_feedback` called once per rater (same parameters),
    but the rater effects (or the Rasch fit), spread, halo, the raters' units and the
    unit distributions are computed once, so that thousands of pages take seconds.

    Parameters
    ----------
    df
        As for :func:`rater_feedback`.
    raters
        The raters to report on (default: every rater in ``df``, sorted by id).
    subject, rater, score, indicator, unit, lang, effects, model, rasch
        As for :func:`rater_feedback`.

    Returns
    -------
    dict of str to RaterFeedback
        One page per rater id, in the order of ``raters``.

    Examples
    --------
    >>> import workbench as wb
    >>> r = wb.read_sample("kota_contoh").with_roster(["unit"])
    >>> values = r[(r["period"] == "2025") & r["indicator"].isin(wb.data.synth.BERAKHLAK)]
    >>> pages = rater_feedback_pages(values)
    >>> len(pages) == values["rater_id"].nunique()
    True
    >>> rid = next(iter(pages))
    >>> pages[rid].text == rater_feedback(values, rid).text
    True
    """
    ctx = _context(df, subject, rater, score, indicator, unit, lang, effects, model, rasch)
    table = to_pandas(df[[rater, subject]])
    ids = table[rater].astype(str)
    n_ratees = table[subject].groupby(ids.to_numpy()).nunique()
    wanted = sorted(n_ratees.index) if raters is None else [str(r) for r in raters]
    absent = [r for r in wanted if r not in n_ratees.index]
    if absent:
        raise DataContractError(
            f"`rater_feedback_pages`: {len(absent)} rater(s) have no ratings in the table "
            f"({', '.join(map(repr, absent[:5]))}{' ...' if len(absent) > 5 else ''}); check the ids "
            f"and the column {rater!r}.")
    counts = n_ratees.to_dict()
    return {rid: _page(ctx, rid, int(counts[rid])) for rid in wanted}


@dataclass
class _Context:
    """What every feedback page of one table shares (computed once)."""

    df: Any
    lang: str
    model: str
    effects: RaterEffects | None
    fit: Any
    ras: pd.DataFrame | None
    eff: pd.DataFrame
    spr: pd.DataFrame
    hal: pd.DataFrame
    metrics: dict[str, tuple[pd.Series, pd.Series]]
    units: pd.Series | None
    peers_of: dict[str, pd.Index] = field(default_factory=dict)
    unit_stats: dict[str, dict[str, tuple[np.ndarray, float]]] = field(default_factory=dict)
    city: dict[str, tuple[np.ndarray, float]] = field(default_factory=dict)
    lookup: dict[str, tuple[dict[Any, Any], dict[Any, Any]]] = field(default_factory=dict)


def _check(df: Any, subject: str, rater: str, score: str, indicator: str, unit: str | None,
           lang: str, model: str) -> None:
    check_option("lang", lang, list(MESSAGES))
    check_option("model", model, ["additive", "rasch"])
    cols = {"subject": subject, "rater": rater, "score": score, "indicator": indicator}
    if unit is not None:
        cols["unit"] = unit
    check_columns(df, cols, "rater_feedback")


def _context(df: Any, subject: str, rater: str, score: str, indicator: str, unit: str | None,
             lang: str, effects: RaterEffects | None, model: str, rasch: RaschFacets | None) -> _Context:
    _check(df, subject, rater, score, indicator, unit, lang, model)
    ras = None
    fit = None
    if model == "rasch":
        fit = rasch or rasch_facets(df, subject, rater, indicator, score)
        ras = fit.to_frame().set_index("rater_id")
        eff = ras.rename(columns={"leniency_points": "leniency"})[["leniency", "flag", "estimable", "reason"]]
        eff = eff.assign(n_linked_ratees=ras["n_ratees"], component=ras["subset"])
    else:
        eff = (effects or rater_effects(df, subject, rater, score)).to_frame().set_index("rater_id")
        if "estimable" not in eff:  # a result from before the estimability columns
            eff = eff.assign(estimable=eff["leniency"].notna(), reason="", n_linked_ratees=np.nan)
    spr = spread(df, subject, rater, score).to_frame().set_index("rater_id")
    hal = halo(df, subject, rater, score, indicator).to_frame().set_index("rater_id")
    metrics = {"leniency": (eff["leniency"], eff["flag"]),
               "spread_ratio": (spr["spread_ratio"], spr["flag"]),
               "halo_index": (hal["halo_index"], hal["flag"])}
    if ras is not None:
        misfit = ras["fit"] != ""
        metrics |= {"infit": (ras["infit"], misfit), "outfit": (ras["outfit"], misfit)}
    units = None
    if unit is not None:
        size = to_pandas(df.groupby([rater, unit], observed=True).size())
        size = size.rename("_n").reset_index()
        size = size.sort_values([rater, "_n", unit], ascending=[True, False, True])
        first = size.drop_duplicates(rater)
        units = pd.Series(first[unit].astype(str).to_numpy(),
                          index=first[rater].astype(str).to_numpy())
    ctx = _Context(df, lang, model, effects, fit, ras, eff, spr, hal, metrics, units)
    for name, (values, _) in metrics.items():
        city_vals = values.to_numpy(float)
        ctx.city[name] = (np.sort(city_vals[np.isfinite(city_vals)]), float(np.nanmedian(city_vals)))
    return ctx


def _percentile_sorted(finite_sorted: np.ndarray, v: float) -> float:
    """:func:`_percentile` from the sorted finite values (the same number)."""
    if finite_sorted.size == 0 or not np.isfinite(v):
        return float("nan")
    below = int(np.searchsorted(finite_sorted, v, side="left"))
    equal = int(np.searchsorted(finite_sorted, v, side="right")) - below
    return float(below / finite_sorted.size + 0.5 * (equal / finite_sorted.size))


def _page(ctx: _Context, rid: str, n_ratees: int) -> RaterFeedback:
    """One rater's page from the shared context."""
    eff, ras, metrics = ctx.eff, ctx.ras, ctx.metrics
    if ctx.units is not None:
        my_unit = str(ctx.units.get(rid, ""))
        if my_unit not in ctx.peers_of:
            ctx.peers_of[my_unit] = pd.Index(ctx.units.index[ctx.units.to_numpy() == my_unit])
        peers = ctx.peers_of[my_unit]
    else:
        my_unit, peers = "", eff.index
    if my_unit not in ctx.unit_stats:
        stats = {}
        for name, (values, _) in metrics.items():
            unit_vals = values.reindex(peers).to_numpy(float)
            finite = np.isfinite(unit_vals)
            stats[name] = (np.sort(unit_vals[finite]),
                           float(np.nanmedian(unit_vals)) if finite.any() else np.nan)
        ctx.unit_stats[my_unit] = stats
    if not ctx.lookup:
        for name, (values, flags) in metrics.items():
            ctx.lookup[name] = (dict(values.items()), dict(flags.items()))
    mine_eff = eff.loc[rid] if rid in eff.index else None
    spread_v = ctx.lookup["spread_ratio"][0].get(rid, np.nan)
    halo_v = ctx.lookup["halo_index"][0].get(rid, np.nan)
    reasons = {
        "leniency": "" if mine_eff is None or bool(mine_eff["estimable"]) else str(mine_eff["reason"]),
        "spread_ratio": "" if np.isfinite(float(spread_v))
        else "fewer than 3 ratees, or no other raters of them",
        "halo_index": "" if np.isfinite(float(halo_v))
        else "one ratee, or identical scores for all ratees",
    }
    if ras is not None:
        reasons["infit"] = reasons["outfit"] = reasons["leniency"]
    rows = []
    for name in metrics:
        value_of, flag_of = ctx.lookup[name]
        v = float(value_of.get(rid, np.nan))
        unit_sorted, unit_median = ctx.unit_stats[my_unit][name]
        city_sorted, city_median = ctx.city[name]
        rows.append({
            "metric": name, "value": v,
            "unit_median": unit_median,
            "city_median": city_median,
            "percentile_unit": _percentile_sorted(unit_sorted, v),
            "percentile_city": _percentile_sorted(city_sorted, v),
            "n_raters_unit": int(unit_sorted.size),
            "n_raters_city": int(city_sorted.size),
            "flag": bool(flag_of.get(rid, False)) and np.isfinite(v),
            "estimable": bool(np.isfinite(v)),
            "reason": reasons[name],
        })
    table = pd.DataFrame(rows)
    lang = ctx.lang
    msg = MESSAGES[lang]
    val = {r["metric"]: float(r["value"]) for r in rows}
    pct = {r["metric"]: float(r["percentile_city"]) for r in rows}
    lines = [msg["intro"].format(n=n_ratees, n_unit=len(peers), unit=my_unit or "-", n_city=len(eff))]
    len_v, len_p = val["leniency"], pct["leniency"]
    if np.isfinite(len_v):
        key = "leniency+" if len_v >= 0 else "leniency-"
        lines.append(msg[key].format(v=len_v, p=len_p if len_v >= 0 else 1 - len_p))
    elif ras is not None:
        pass  # the Rasch model says why, with its own reason, below
    elif mine_eff is not None and int(mine_eff["component"]) >= 0:
        lines.append(msg["na_few"].format(n=int(mine_eff["n_linked_ratees"]),
                                          k=int(getattr(ctx.effects, "parameters", {}).get("min_ratees", 2))))
    else:
        lines.append(msg["na_unlinked"])
    if np.isfinite(val["spread_ratio"]):
        key = "spread_narrow" if val["spread_ratio"] < 0.7 else "spread_ok"
        lines.append(msg[key].format(v=val["spread_ratio"]))
    else:
        lines.append(msg["na_spread"])
    if np.isfinite(val["halo_index"]):
        key = "halo" if val["halo_index"] < 0.5 else "halo_ok"
        lines.append(msg[key].format(v=val["halo_index"]))
    if ras is not None and rid in ras.index:
        row = ras.loc[rid]
        if not row["estimable"]:
            reason = str(row["reason"])
            lines.append(msg["not_estimable"].format(
                reason=REASONS_ID.get(reason, reason) if lang == "id" else reason))
        else:
            lo, hi = ctx.fit.parameters.get("fit_limits", (0.5, 1.5))
            infit = float(row["infit"])
            key = {"muted": "fit_muted", "noisy": "fit_noisy"}.get(
                str(row["fit"]), "fit_ok" if lo < infit < hi else "fit_uncertain")
            lines.append(msg[key].format(v=infit))
    flagged = [r["metric"] for r in rows if r["flag"]]
    if flagged:
        lines.append(msg["flag"].format(metrics=", ".join(msg[f"metric.{m}"] for m in flagged)))
    lines.append(msg["private"])
    return RaterFeedback(rater_id=rid, unit=my_unit, metrics=table, text="\n".join(lines),
                         lang=lang, parameters={"rater_id": rid, "lang": lang, "model": ctx.model},
                         _data=ctx.df)
