"""Where the views get their numbers: thin adapters over the computational core.

Views never compute a statistic (STYLE rule 1). Everything a panel shows comes from
the functions here, which call the core (``workbench.rubric``, ``workbench.weights``,
``workbench.reliability``, ``workbench.objectivity``) and reshape the results into
the small aggregate tables the figures draw. Every table that leaves this module is an
aggregate over employees; suppression of small cells happens in
:mod:`workbench.privacy` before anything is displayed.

A few small aggregates have no home in the core yet (predikat counts per group, the
share of "Baik or better", the trend of shares across periods); they are pure
functions here, clearly marked, and candidates to move into ``workbench.rubric``.

Examples
--------
>>> import workbench as wb
>>> ds = wb.read_sample("kota_contoh")
>>> s = scores_frame(ds)
>>> sorted(set(s["predikat"])) == sorted(PREDIKAT)
True
>>> counts = predikat_counts(s, period="2025")
>>> int(counts.to_numpy().sum()) == int(ds.roster["period"].eq("2025").sum())
True
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench.data import Dataset
from workbench.errors import ParameterError, check_option

__all__ = [
    "BERAKHLAK",
    "DIMENSIONS",
    "NATIONAL_SHARE_BAIK",
    "ORG_RATINGS",
    "PREDIKAT",
    "CurveRule",
    "WhatIf",
    "curve_check",
    "curve_rules",
    "default_org_rating",
    "predikat_counts",
    "rater_summary",
    "rater_table",
    "reliability_summary",
    "scores_frame",
    "share_baik",
    "transitions",
    "trend",
]

PREDIKAT: tuple[str, ...] = ("Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang/Misconduct", "Sangat Kurang")
"""Predikat Kinerja Pegawai (PermenPANRB 6/2022), best first."""

ORG_RATINGS: tuple[str, ...] = ("Istimewa", "Baik", "Butuh Perbaikan", "Kurang", "Sangat Kurang")
"""Predikat Kinerja Organisasi, the five levels that choose a unit's curve."""

DIMENSIONS: tuple[str, ...] = ("hasil_kerja", "perilaku_kerja")
"""The two e-Kinerja ratings (1 = Di Bawah, 2 = Sesuai, 3 = Di Atas Ekspektasi)."""

NATIONAL_SHARE_BAIK = 0.95
"""About 95 % of SKP nationally are Baik or Sangat Baik (MenPANRB, Rakornas May 2023;
BKN data 2023: >94 % Baik, ~5 % Sangat Baik). See domain notes §5."""

BERAKHLAK: tuple[str, ...] = ("berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis",
                              "loyal", "adaptif", "kolaboratif")
"""The seven BerAKHLAK values, scored 1-5 in the annual period by several raters."""

# ---------------------------------------------------------------------------------
# Scores and the rubric what-if
# ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class WhatIf:
    """A what-if rule for the two e-Kinerja ratings: weights and thresholds.

    The composite is ``w_hasil * hasil + w_perilaku * perilaku`` (weights rescaled to
    sum to 1) on the 1-3 scale. Perilaku "Di Bawah" keeps the matrix's veto (poor
    behaviour dominates: Kurang/Misconduct, or Sangat Kurang with hasil "Di Bawah").
    Otherwise a composite of at least ``sangat_baik`` is Sangat Baik, at least ``baik``
    is Baik, and the rest Butuh Perbaikan. The defaults (0.6, 0.4, 2.8, 1.9) reproduce
    the PermenPANRB 6/2022 matrix exactly, so a leader starts from the rule in force.
    """

    hasil_kerja: float = 0.6
    perilaku_kerja: float = 0.4
    sangat_baik: float = 2.8
    baik: float = 1.9

    def __post_init__(self) -> None:
        if self.hasil_kerja < 0 or self.perilaku_kerja < 0 or self.hasil_kerja + self.perilaku_kerja <= 0:
            raise ParameterError("The weights of `hasil_kerja` and `perilaku_kerja` must be non-negative "
                                 f"and not both 0; got {self.hasil_kerja}, {self.perilaku_kerja}.")
        if not 1.0 <= self.baik <= self.sangat_baik <= 3.0:
            raise ParameterError("Thresholds must satisfy 1 <= `baik` <= `sangat_baik` <= 3; "
                                 f"got baik={self.baik}, sangat_baik={self.sangat_baik}.")

    @property
    def is_baseline(self) -> bool:
        """True when this rule reproduces the matrix in force."""
        return self == WhatIf()


_CACHE: OrderedDict[tuple[int, WhatIf | None], tuple[Dataset, pd.DataFrame]] = OrderedDict()


def _ratings_wide(ds: Dataset) -> pd.DataFrame:
    r = ds.ratings
    r = r[r["indicator"].isin(DIMENSIONS) & (r["rater_role"] == "atasan")]
    wide = (r.pivot_table(index=["period", "employee_id"], columns="indicator", values="score",
                          aggfunc="first", observed=True)
            .reindex(columns=list(DIMENSIONS)).dropna().astype(int).reset_index())
    roster = ds.roster[["employee_id", "period", "unit", "jabatan"]]
    return wide.merge(roster, on=["employee_id", "period"], how="left")


def _baseline_predikat(ds: Dataset, wide: pd.DataFrame) -> np.ndarray:
    """Predikat under the rule in force, from the core (``workbench.rubric.score``)."""
    from workbench import rubric

    scored = rubric.score(ds, rubric.load_rubric("permenpanrb-6-2022")).to_frame()
    merged = wide[["period", "employee_id"]].merge(scored[["period", "employee_id", "predikat"]],
                                                    on=["period", "employee_id"], how="left")
    return merged["predikat"].astype(object).to_numpy()


def _whatif_predikat(h: np.ndarray, p: np.ndarray, rule: WhatIf) -> np.ndarray:
    total = rule.hasil_kerja + rule.perilaku_kerja
    composite = (rule.hasil_kerja * h + rule.perilaku_kerja * p) / total
    out = np.where(composite >= rule.sangat_baik - 1e-9, "Sangat Baik",
                   np.where(composite >= rule.baik - 1e-9, "Baik", "Butuh Perbaikan")).astype(object)
    veto = p == 1
    out[veto] = np.where(h[veto] == 1, "Sangat Kurang", "Kurang/Misconduct")
    return out


def scores_frame(ds: Dataset, rule: WhatIf | None = None) -> pd.DataFrame:
    """Predikat of every employee and period under the matrix in force or a what-if rule.

    Parameters
    ----------
    ds
        The dataset (its atasan's ``hasil_kerja`` and ``perilaku_kerja`` ratings).
    rule
        ``None`` for the PermenPANRB 6/2022 matrix, or a :class:`WhatIf` rule.

    Returns
    -------
    pandas.DataFrame
        ``period, employee_id, hasil_kerja, perilaku_kerja, unit, jabatan, predikat``.
        Cached per dataset and rule (the last 16), so a slider move costs milliseconds.
        The frame holds identifiers: it stays in the kernel and is never displayed.
    """
    key = (id(ds), rule)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is ds:
        _CACHE.move_to_end(key)
        return hit[1]
    wide = _ratings_wide(ds) if (id(ds), None) not in _CACHE else _CACHE[(id(ds), None)][1]
    wide = wide.drop(columns=["predikat"], errors="ignore")
    h = wide["hasil_kerja"].to_numpy()
    p = wide["perilaku_kerja"].to_numpy()
    pred = _baseline_predikat(ds, wide) if rule is None else _whatif_predikat(h, p, rule)
    out = wide.assign(predikat=pd.Categorical(pred, categories=list(PREDIKAT)))
    _CACHE[key] = (ds, out)
    while len(_CACHE) > 16:
        _CACHE.popitem(last=False)
    return out


# ---------------------------------------------------------------------------------
# Aggregates (candidates for workbench.rubric)
# ---------------------------------------------------------------------------------
def predikat_counts(scores: pd.DataFrame, period: str, unit: str | None = None,
                    by: str = "unit") -> pd.DataFrame:
    """Employees per group and predikat in one period (rows = groups, columns = PREDIKAT).

    ``unit`` restricts to one OPD first (the drill-down); ``by`` is the row grouping
    (``"unit"``, ``"jabatan"``, ``"period"``).
    """
    s = scores[scores["period"] == period] if period else scores
    if unit:
        s = s[s["unit"] == unit]
    table = pd.crosstab(s[by], s["predikat"]).reindex(columns=list(PREDIKAT), fill_value=0)
    table.columns.name = None
    table.index.name = by
    return table.astype(int)


def share_baik(counts: pd.DataFrame) -> pd.DataFrame:
    """Per row of a counts table: ``n`` and ``baik`` (Sangat Baik + Baik), unsuppressed."""
    return pd.DataFrame({"n": counts.sum(axis=1), "baik": counts["Sangat Baik"] + counts["Baik"]},
                        index=counts.index)


def trend(scores: pd.DataFrame, unit: str | None = None) -> pd.DataFrame:
    """Employees per predikat in each quarterly period (rows = periods, sorted)."""
    s = scores[scores["period"].str.contains("Q")]
    if s.empty:
        s = scores
    return predikat_counts(s, period="", unit=unit, by="period").sort_index()


# ---------------------------------------------------------------------------------
# The distribution curve
# ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class CurveRule:
    """One constraint of a curve: the share of ``predikat`` within [min, max], or present."""

    predikat: tuple[str, ...]
    min: float | None = None
    max: float | None = None
    present: bool = False


def curve_rules() -> dict[str, tuple[CurveRule, ...]]:
    """The allowed distribution per Predikat Kinerja Organisasi (domain notes §1(b)).

    "Baik": at most 70 % Baik and some Butuh Perbaikan and/or Kurang/Misconduct;
    "Istimewa": at most 70 % Sangat Baik; "Butuh Perbaikan": at least 60 % Butuh
    Perbaikan, at most 10 % Sangat Baik; "Kurang": at least 60 % Kurang/Misconduct, at
    least 10 % Butuh Perbaikan, at most 10 % Sangat Baik; "Sangat Kurang": at least 60 %
    Sangat Kurang, at least 10 % Kurang/Misconduct or Butuh Perbaikan, no Sangat Baik.
    """
    return {
        "Istimewa": (CurveRule(("Sangat Baik",), max=0.70),),
        "Baik": (CurveRule(("Baik",), max=0.70), CurveRule(("Butuh Perbaikan", "Kurang/Misconduct"), present=True)),
        "Butuh Perbaikan": (CurveRule(("Butuh Perbaikan",), min=0.60), CurveRule(("Sangat Baik",), max=0.10)),
        "Kurang": (CurveRule(("Kurang/Misconduct",), min=0.60), CurveRule(("Butuh Perbaikan",), min=0.10),
                   CurveRule(("Sangat Baik",), max=0.10)),
        "Sangat Kurang": (CurveRule(("Sangat Kurang",), min=0.60),
                          CurveRule(("Kurang/Misconduct", "Butuh Perbaikan"), min=0.10),
                          CurveRule(("Sangat Baik",), max=0.0)),
    }


def default_org_rating(ds: Dataset) -> dict[str, str]:
    """The documented assumption for the sample: every OPD's organisation rating is "Baik".

    Real data should pass the Predikat Kinerja Organisasi set by each unit's superior;
    the dashboards offer a picker per OPD.
    """
    return dict.fromkeys(ds.units, "Baik")


def curve_check(scores: pd.DataFrame, period: str, org_rating: Mapping[str, str]) -> pd.DataFrame:
    """Check each unit's predikat distribution against the curve of its organisation rating.

    Returns
    -------
    pandas.DataFrame
        One row per unit: ``unit, org_rating, n, ok, violations`` (number of broken
        constraints), ``changes_needed`` (the fewest employees whose predikat would have
        to change to meet every broken constraint, counted per constraint), and one
        ``rule_<i>`` text per broken constraint is folded into ``detail`` (predikat,
        bound, observed share).
    """
    counts = predikat_counts(scores, period=period)
    rules = curve_rules()
    rows: list[dict[str, Any]] = []
    for unit, row in counts.iterrows():
        rating = org_rating.get(str(unit), "Baik")
        check_option(f"org_rating[{unit!r}]", rating, ORG_RATINGS)
        n = int(row.sum())
        broken: list[str] = []
        changes = 0
        for rule in rules[rating]:
            k = int(sum(int(row[p]) for p in rule.predikat))
            share = k / n if n else 0.0
            if rule.present and k == 0:
                broken.append(f"{' / '.join(rule.predikat)} > 0")
                changes += 1
            if rule.max is not None and share > rule.max + 1e-12:
                broken.append(f"{' / '.join(rule.predikat)} <= {rule.max:.0%}")
                changes += k - int(np.floor(rule.max * n + 1e-9))
            if rule.min is not None and share < rule.min - 1e-12:
                broken.append(f"{' / '.join(rule.predikat)} >= {rule.min:.0%}")
                changes += int(np.ceil(rule.min * n - 1e-9)) - k
        rows.append({"unit": str(unit), "org_rating": rating, "n": n, "ok": not broken,
                     "violations": len(broken), "changes_needed": changes, "detail": "; ".join(broken)})
    return pd.DataFrame(rows, columns=["unit", "org_rating", "n", "ok", "violations", "changes_needed", "detail"])


def transitions(before: pd.DataFrame, after: pd.DataFrame, period: str) -> pd.DataFrame:
    """Employees moving from each predikat (rows, before) to each predikat (columns, after)."""
    keys = ["period", "employee_id"]
    a = before.loc[before["period"] == period, [*keys, "predikat"]]
    b = after.loc[after["period"] == period, [*keys, "predikat"]]
    both = a.merge(b, on=keys, suffixes=("_before", "_after"))
    table = pd.crosstab(both["predikat_before"], both["predikat_after"], dropna=False)
    table = table.reindex(index=list(PREDIKAT), columns=list(PREDIKAT), fill_value=0)
    table.index.name, table.columns.name = "before", "after"
    return table.astype(int)


# ---------------------------------------------------------------------------------
# Rater quality
# ---------------------------------------------------------------------------------
def _berakhlak(ds: Dataset, period: str) -> pd.DataFrame:
    r = ds.ratings
    r = r[(r["period"] == period) & r["indicator"].isin(BERAKHLAK)]
    return r.merge(ds.roster[["employee_id", "period", "unit"]], on=["employee_id", "period"], how="left")


def reliability_summary(ds: Dataset, period: str = "2025") -> pd.DataFrame:
    """Inter-rater reliability of the BerAKHLAK scores per OPD (atasan and rekan, not self).

    Each rater's seven BerAKHLAK scores of an employee are averaged into one score per
    employee and rater; ICC(1,1) (each employee has own raters) per unit comes from
    :func:`workbench.reliability.by_group`.

    Returns
    -------
    pandas.DataFrame
        ``unit, estimate, ci_low, ci_high, n_subjects, n_raters, note``; empty when the
        period holds no BerAKHLAK scores.
    """
    return _cached("reliability", ds, period, _reliability_uncached).copy()


def _reliability_uncached(ds: Dataset, period: str) -> pd.DataFrame:
    from workbench import reliability

    r = _berakhlak(ds, period)
    r = r[r["rater_role"].isin(["atasan", "rekan"])]
    cols = ["unit", "estimate", "ci_low", "ci_high", "n_subjects", "n_raters", "note"]
    if r.empty:
        return pd.DataFrame(columns=cols)
    cells = r.groupby(["unit", "employee_id", "rater_id"], as_index=False, observed=True)["score"].mean()
    table = reliability.by_group(cells, "unit", coefficients=("icc",))
    table["n_subjects"] = pd.to_numeric(table["n_subjects"], errors="coerce")
    return table.loc[:, cols].reset_index(drop=True)


_SLOW: OrderedDict[tuple[str, int, str], tuple[Dataset, pd.DataFrame]] = OrderedDict()


def _cached(kind: str, ds: Dataset, period: str, compute: Any) -> pd.DataFrame:
    key = (kind, id(ds), period)
    hit = _SLOW.get(key)
    if hit is not None and hit[0] is ds:
        return hit[1]
    value = compute(ds, period)
    _SLOW[key] = (ds, value)
    while len(_SLOW) > 16:
        _SLOW.popitem(last=False)
    return value


def _effects(ds: Dataset, period: str) -> pd.DataFrame:
    return _cached("effects", ds, period, _effects_uncached)


def _effects_uncached(ds: Dataset, period: str) -> pd.DataFrame:
    from workbench import objectivity

    r = _berakhlak(ds, period)
    r = r[r["rater_role"].isin(["atasan", "rekan"])]
    if r.empty:
        return pd.DataFrame(columns=["rater_id", "leniency", "flag", "direction", "unit"])
    eff = objectivity.rater_effects(r.drop(columns=["unit"])).to_frame()
    home = ds.roster.loc[ds.roster["period"] == period, ["employee_id", "unit"]].rename(
        columns={"employee_id": "rater_id"})
    return eff.merge(home, on="rater_id", how="left")


def rater_summary(ds: Dataset, period: str = "2025") -> pd.DataFrame:
    """Rater effects per OPD (of the rater's own unit), aggregates only.

    Returns
    -------
    pandas.DataFrame
        ``unit, n_raters, lenient, severe, unflagged`` (raters flagged after FDR control by
        :func:`workbench.objectivity.rater_effects` on the BerAKHLAK scores) and ``spread``
        (standard deviation of the raters' leniency in score points: how differently the
        unit's raters score the same kind of work).
    """
    eff = _effects(ds, period)
    cols = ["unit", "n_raters", "lenient", "severe", "unflagged", "spread"]
    if eff.empty:
        return pd.DataFrame(columns=cols)
    eff = eff.assign(lenient=eff["flag"] & (eff["direction"] == "lenient"),
                     severe=eff["flag"] & (eff["direction"] == "severe"))
    out = eff.groupby("unit", observed=True).agg(
        n_raters=("rater_id", "nunique"), lenient=("lenient", "sum"), severe=("severe", "sum"),
        spread=("leniency", "std")).reset_index()
    out["unflagged"] = out["n_raters"] - out["lenient"] - out["severe"]
    return out.loc[:, cols]


def rater_table(ds: Dataset, period: str = "2025", unit: str | None = None) -> pd.DataFrame:
    """Flagged raters with their names, for HR only (``WORKBENCH_VIEWER=hr``).

    Returns
    -------
    pandas.DataFrame
        ``name, unit, leniency, ci_low, ci_high, n_ratings, direction``, flagged raters only,
        most extreme first. Holds names: never shown in a leadership view.
    """
    eff = _effects(ds, period)
    eff = eff[eff["flag"]]
    if unit:
        eff = eff[eff["unit"] == unit]
    names = ds.roster.loc[ds.roster["period"] == period, ["employee_id", "name"]] if "name" in ds.roster else None
    if names is not None:
        eff = eff.merge(names.rename(columns={"employee_id": "rater_id"}), on="rater_id", how="left")
    else:
        eff = eff.assign(name=eff["rater_id"])
    eff = eff.reindex(eff["leniency"].abs().sort_values(ascending=False).index)
    return eff.loc[:, ["name", "unit", "leniency", "ci_low", "ci_high", "n_ratings", "direction"]].reset_index(drop=True)
