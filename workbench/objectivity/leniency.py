"""Leniency of the organisation: how many employees a unit rates Baik or better, against
the distribution curve and against the national figure.

Rater leniency (:func:`~workbench.objectivity.rater_effects`) is relative: it finds the
raters who are more generous than their colleagues. When a whole unit is generous it
cannot be seen that way; :func:`organisation_leniency` looks at the level instead.

It takes the predikat as input (one row per employee and period with ``unit`` and
``predikat``), so it composes with ``wb.score(...)``. :func:`predikat_matrix` applies the
PermenPANRB 6/2022 matrix (the preset's own, compiled once) to two ratings coded 1-3, for
illustrative rules such as a perilaku rating derived from BerAKHLAK scores.

Examples
--------
>>> import workbench as wb
>>> scores = wb.score(wb.read_sample("kota_contoh"), "permenpanrb-6-2022", period="2025")
>>> o = organisation_leniency(scores.to_frame())
>>> bool(o.to_frame()["share_baik_or_better"].between(0, 1).all())
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from workbench._deprecation import renamed
from workbench.errors import DataContractError, ParameterError
from workbench.objectivity._common import RaterTable, check_columns, check_level, to_pandas

__all__ = [
    "CURVE_MODAL_CAP",
    "NATIONAL_BAIK_OR_BETTER",
    "PREDIKAT",
    "organisation_leniency",
    "predikat_matrix",
]

NATIONAL_BAIK_OR_BETTER = 0.95
"""Share of ASN rated Baik or Sangat Baik nationally: about 95 %.

Source: MenPANRB Abdullah Azwar Anas at the Rakornas of May 2023 ("about 95 % of SKP
nationally are Baik/Sangat Baik"; reported by bidikbanten.com, 19 May 2023), and BKN data
for 2023 (> 94 % Baik and ~5 % Sangat Baik, cited in jawawa.id, "Meritocracy on paper").
See ``domain/asn-appraisal.md`` section 5. An approximate public figure (C2 only as
"about 95-99 %"), not an official statistic; pass ``national=`` to use another."""

PREDIKAT = ("Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang/Misconduct", "Sangat Kurang")
"""The five predikat of PermenPANRB 6/2022, best first."""

GOOD = ("Sangat Baik", "Baik")
LOW = ("Butuh Perbaikan", "Kurang/Misconduct")

CURVE_MODAL_CAP = {"Istimewa": ("Sangat Baik", 0.70), "Baik": ("Baik", 0.70)}
"""Capaian Kinerja Organisasi -> (the modal predikat, its maximum share), from the
KemenPANRB 2023 distribution guidance (domain notes section 1(b); C2 for these two rows).
Under "Baik" the unit must also have some Butuh Perbaikan and/or Kurang/Misconduct.
The full curve check (all five organisation ratings) is ``wb.curve_check``."""

def predikat_matrix(hasil: Any, perilaku: Any) -> np.ndarray:
    """PermenPANRB 6/2022 matrix: ratings coded 1/2/3 (Di Bawah/Sesuai/Di Atas) -> predikat.

    The matrix is the ``permenpanrb-6-2022`` preset's, in its compiled form (the one the
    scorer uses), so it cannot disagree with ``wb.score``.

    >>> predikat_matrix([3, 2, 1, 3], [3, 3, 2, 1]).tolist()
    ['Sangat Baik', 'Baik', 'Butuh Perbaikan', 'Kurang/Misconduct']
    """
    from workbench.rubric import load_rubric
    from workbench.rubric._compiled import compile_rubric

    h = np.asarray(hasil, dtype=float)
    p = np.asarray(perilaku, dtype=float)
    bad = ~np.isin(h, [1, 2, 3]) | ~np.isin(p, [1, 2, 3])
    if bad.any():
        raise DataContractError(
            f"{int(bad.sum())} rating(s) are not 1, 2 or 3 (Di Bawah / Sesuai / Di Atas "
            "Ekspektasi); recode them before computing predikat.")
    rubric = load_rubric("permenpanrb-6-2022")
    rank = compile_rubric(rubric).matrix_rank(h.astype(int) - 1, p.astype(int) - 1)
    labels = np.array([q.label.id for q in rubric.predikat], dtype=object)
    return labels[rank]


_predikat_matrix = predikat_matrix


def _ekinerja_predikat(ratings: pd.DataFrame, roster: pd.DataFrame | None = None,
                       hasil: str = "hasil_kerja", perilaku: str = "perilaku_kerja",
                       score: str = "score") -> pd.DataFrame:
    """Predikat per employee and period from the atasan's two e-Kinerja ratings.

    Returns ``employee_id, period, rater_id, hasil_kerja, perilaku_kerja, predikat``
    (and ``unit`` when a roster is given). A stand-in until ``wb.score`` exists.
    """
    part = ratings[ratings["indicator"].isin([hasil, perilaku])]
    wide = part.pivot_table(index=["employee_id", "period", "rater_id"], columns="indicator",
                            values=score, aggfunc="mean", observed=True).reset_index()
    wide = wide.dropna(subset=[hasil, perilaku])
    wide["predikat"] = _predikat_matrix(wide[hasil].round(), wide[perilaku].round())
    wide.columns.name = None
    if roster is not None:
        wide = wide.merge(roster[["employee_id", "period", "unit"]], on=["employee_id", "period"],
                          how="left")
    return wide


def organisation_leniency(
    predikat: Any,
    unit: str = "unit",
    column: str = "predikat",
    *,
    org_rating: str | dict[str, str] = "Baik",
    national: float = NATIONAL_BAIK_OR_BETTER,
    confidence: float = 0.95,
    period: str | None = None,
    level: float | None = None,
) -> RaterTable:
    """Share of Baik-or-better per unit against the curve and the national figure.

    Parameters
    ----------
    predikat
        One row per employee (and period): a ``unit`` and a ``predikat`` column, e.g.
        from ``wb.score(...).to_frame()``. Use one period at a time.
    unit, column
        Column names of the unit and the predikat.
    org_rating
        Capaian Kinerja Organisasi: one for all units or ``{unit: rating}``. Only
        ``Istimewa`` and ``Baik`` carry a modal cap here; other ratings are reported
        without a curve verdict (use ``wb.curve_check``).
    national
        The national share of Baik or better (default :data:`NATIONAL_BAIK_OR_BETTER`).
    confidence
        Coverage of the Wilson interval of the share (``level`` is its deprecated name).
    period
        Use this period only (the table must then have a ``period`` column); without it
        the table must hold one period.

    Returns
    -------
    RaterTable
        One row per unit (and ``(all)``): ``unit, n, n_<predikat>`` for each predikat,
        ``share_baik_or_better, ci_low, ci_high, national, excess_national, pval_national,
        org_rating, modal_predikat, modal_share, modal_cap, has_low, curve_ok``.

    Notes
    -----
    ``excess_national`` is the unit's share minus the national figure; ``pval_national``
    is a two-sided exact binomial test of the national share. The national figure is
    itself the symptom of leniency the 2022 reform targets, so "at the national level"
    does not mean "not lenient": the curve is the yardstick. Under organisation rating
    ``Baik`` the curve allows at most 70 % Baik and requires some Butuh Perbaikan or
    Kurang/Misconduct; ``curve_ok`` checks these two conditions only.

    Examples
    --------
    >>> import workbench as wb
    >>> ds = wb.read_sample("kota_contoh")
    >>> pred = _ekinerja_predikat(ds.ratings, ds.roster)
    >>> t = organisation_leniency(pred[pred["period"] == "2025"]).to_frame()
    >>> float(t.loc[t["unit"] == "(all)", "share_baik_or_better"].iloc[0]) > 0.8
    True
    """
    confidence = renamed("organisation_leniency", "level", "confidence", level, confidence, default=0.95)
    check_level(confidence, "confidence")
    check_level(national, "national")
    check_columns(predikat, {"unit": unit, "column": column}, "organisation_leniency")
    predikat = _one_period(predikat, period)
    data = to_pandas(predikat[[unit, column]]).dropna()
    unknown = sorted(set(data[column].astype(str)) - set(PREDIKAT))
    if unknown:
        raise DataContractError(
            f"`organisation_leniency`: column {column!r} holds values that are not predikat: "
            f"{unknown[:5]}. Allowed: {list(PREDIKAT)}.")
    counts = pd.crosstab(data[unit].astype(str), data[column].astype(str))
    counts = counts.reindex(columns=list(PREDIKAT), fill_value=0)
    counts.loc["(all)"] = counts.sum()
    n = counts.sum(axis=1).to_numpy()
    good = counts[list(GOOD)].sum(axis=1).to_numpy()
    share = good / n
    z = stats.norm.ppf(0.5 + confidence / 2)
    centre = (share + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(share * (1 - share) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    pvals = [stats.binomtest(int(k), int(m), national).pvalue for k, m in zip(good, n, strict=True)]
    units = counts.index.astype(str)
    if isinstance(org_rating, str):
        ratings = pd.Series(org_rating, index=units)
    else:
        ratings = pd.Series(units.map(lambda u: org_rating.get(u, "")), index=units)
    if any(r and r not in ("Istimewa", "Baik", "Butuh Perbaikan", "Cukup", "Kurang",
                           "Sangat Kurang") for r in ratings):
        raise ParameterError("`org_rating` values must be one of 'Istimewa', 'Baik', "
                             "'Butuh Perbaikan', 'Kurang', 'Sangat Kurang'.")
    modal = ratings.map(lambda r: CURVE_MODAL_CAP.get(r, ("", np.nan))[0])
    cap = ratings.map(lambda r: CURVE_MODAL_CAP.get(r, ("", np.nan))[1]).astype(float)
    modal_share = np.array([counts.loc[u, m] / n[i] if m else np.nan
                            for i, (u, m) in enumerate(zip(units, modal, strict=True))])
    has_low = counts[list(LOW)].sum(axis=1).to_numpy() > 0
    curve_ok = np.where(cap.isna(), np.nan, (modal_share <= cap.to_numpy() + 1e-12)
                        & np.where(ratings.to_numpy() == "Baik", has_low, True))
    table = pd.DataFrame({"unit": units, "n": n})
    for p in PREDIKAT:
        table[f"n_{p}"] = counts[p].to_numpy()
    table = table.assign(
        share_baik_or_better=share, ci_low=centre - half, ci_high=centre + half,
        national=national, excess_national=share - national, pval_national=pvals,
        org_rating=ratings.to_numpy(), modal_predikat=modal.to_numpy(), modal_share=modal_share,
        modal_cap=cap.to_numpy(), has_low=has_low,
        curve_ok=pd.array([None if np.isnan(v) else bool(v) for v in curve_ok], dtype="boolean"),
    )
    return RaterTable("Organisation leniency (share Baik or better)", table,
                      (f"National reference: {national:.0%} Baik or better (MenPANRB 2023, BKN "
                       "2023; approximate).",),
                      parameters={"org_rating": org_rating, "national": national,
                                  "confidence": confidence, "period": period}, _data=predikat)


def _one_period(predikat: Any, period: str | None) -> Any:
    """The rows of ``period``; without it, the table's only period (or the table)."""
    if "period" not in predikat.columns:
        if period is not None:
            raise ParameterError("`period` was given but the table has no 'period' column.")
        return predikat
    periods = sorted(map(str, to_pandas(predikat["period"].drop_duplicates())))
    if period is None:
        if len(periods) > 1:
            raise ParameterError(f"The table holds {len(periods)} periods ({', '.join(periods[:6])}); "
                                 "pass `period=` to use one of them (shares mix otherwise).")
        return predikat
    if str(period) not in periods:
        raise ParameterError(f"`period` must be one of {{{', '.join(map(repr, periods))}}}; got {period!r}.")
    return predikat[predikat["period"].astype(str) == str(period)]
