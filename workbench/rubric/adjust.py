"""Rater-adjusted ratings: the scores with each rater's estimated leniency taken out.

:func:`adjusted_ratings` fits :func:`workbench.objectivity.rater_effects` once per period
and per group of indicators that share a scale (e.g. the seven BerAKHLAK values on
1-5), subtracts each rater's leniency from their scores and keeps the result inside the
scale's range. ``wb.score(..., adjust_raters=True)`` scores these ratings;
:func:`adjusted_dataset` gives a dataset of them for the weighting laboratory and the
rubric what-if (``wb.weights.uncertainty(adjusted_dataset(ds, rubric), rubric)``).

Examples
--------
>>> import workbench as wb
>>> ds = wb.read_sample("kota_contoh")
>>> rubric = wb.load_rubric("permenpanrb-6-2022-rinci")
>>> adj, notes = adjusted_ratings(ds.subset(period="2025").ratings, rubric)
>>> len(adj) == len(ds.subset(period="2025").ratings)
True
>>> notes[0].split(":")[0]
'2025, scale 0-200 (iki_kualitas, iki_kuantitas, iki_waktu)'
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

import numpy as np
import pandas as pd

from workbench._frames import is_dask
from workbench.errors import DataContractError, ParameterError
from workbench.rubric._compute import _scores
from workbench.rubric.model import Rubric, Scale

__all__ = ["adjusted_dataset", "adjusted_ratings"]


def _groups(rubric: Rubric) -> list[tuple[Scale, list[str]]]:
    """The rubric's indicators grouped by scale (equal scales share one rater model)."""
    out: list[tuple[Scale, list[str]]] = []
    for ind in rubric.indicators:
        for scale, members in out:
            if scale == ind.scale:
                members.append(ind.id)
                break
        else:
            out.append((ind.scale, [ind.id]))
    return out


def _role_effects(rest: pd.DataFrame, roles: pd.Series, employee_mean: pd.Series) -> pd.Series:
    """Each role's leniency among raters with no estimate of their own: the mean gap between
    their ratings and the employee's rater-adjusted mean from the estimable raters."""
    gap = rest["_score"] - rest["_subject"].map(employee_mean).astype(float)
    return gap.groupby(roles.to_numpy()).mean().dropna()


def adjusted_ratings(ratings: pd.DataFrame, rubric: Rubric, *, alpha: float = 0.05,
                     out_of_scale: Literal["raise", "clip"] = "clip") -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The ratings with every score of a linked rater adjusted for their leniency.

    Parameters
    ----------
    ratings
        Long ratings table (pandas), e.g. ``ds.ratings``.
    rubric
        The rubric: which indicators share a scale.
    alpha
        Passed to :func:`~workbench.objectivity.rater_effects` (it only affects its flags).
    out_of_scale
        ``"clip"`` (default): a raw score outside its scale is clipped before fitting;
        ``"raise"``: it raises :class:`~workbench.errors.DataContractError` (as the scorer).

    Returns
    -------
    (DataFrame, tuple of str)
        The same rows in the same order, ``score`` replaced by the adjusted score (a
        float inside the indicator's range; continuous, so no longer one of the scale's
        levels), and notes: one per period and scale group, saying how many raters were
        adjusted or why none could be.

    Notes
    -----
    Per period and scale group the model is that of
    :func:`~workbench.objectivity.rater_effects`: employee fixed effects, a random effect
    per rater, BLUP shrinkage. A rater is the pair (``rater_id``, ``rater_role``): the
    same person's leniency as a peer and as a self-rater are estimated apart. A pair that
    rates too few employees to be estimated (every self-rating; see ``min_ratees`` of
    :func:`~workbench.objectivity.rater_effects`) gets its role's leniency instead: the mean
    gap between such ratings and the employee's adjusted mean from the estimable raters,
    so the self-rating bias is removed as one effect of the role. Leniency is relative to the other raters of the same
    linked group: a group rated by one rater per employee (the atasan's IKI, the
    e-Kinerja ratings) cannot be separated from the employees' merit and is left as it
    is, with a note. Indicators that are not the rubric's are left unchanged.
    """
    from workbench.objectivity import rater_effects

    if is_dask(ratings):
        raise ParameterError("Rater adjustment needs the ratings in memory (pandas); compute the unit or period "
                             "you score first (ratings.compute()), or score without adjust_raters.")
    out = ratings.copy()
    values = _scores(out, rubric)
    score = pd.Series(values, index=out.index, dtype=float)
    notes: list[str] = []
    period = out["period"].astype(str)
    for scale, members in _groups(rubric):
        in_group = out["indicator"].astype(str).isin(members).to_numpy() & ~np.isnan(values)
        if not in_group.any():
            continue
        raw = score[in_group]
        bad = (raw < scale.min) | (raw > scale.max)
        if bad.any() and out_of_scale == "raise":
            rows = ", ".join(str(i) for i in raw.index[bad][:5])
            raise DataContractError(f"{int(bad.sum())} ratings of {sorted(members)} are outside the scale "
                                    f"{scale.min:g}-{scale.max:g} (rows {rows}); fix them or pass out_of_scale='clip'.")
        score[in_group] = raw.clip(scale.min, scale.max)
        for p in sorted(period[in_group].unique()):
            rows = in_group & (period == p).to_numpy()
            part = pd.DataFrame({"_subject": out.loc[rows, "employee_id"].astype(str).to_numpy(),
                                 "_rater": (out.loc[rows, "rater_id"].astype(str) + "|"
                                            + out.loc[rows, "rater_role"].astype(str)).to_numpy(),
                                 "_score": score[rows].to_numpy()}, index=out.index[rows])
            what = f"{p}, scale {scale.min:g}-{scale.max:g} ({', '.join(sorted(members))})"
            try:
                eff = rater_effects(part, subject="_subject", rater="_rater", score="_score", alpha=alpha)
            except DataContractError:
                notes.append(f"{what}: not adjusted; every employee has one rater here, so leniency cannot be "
                             "told apart from merit.")
                continue
            adjusted = eff.adjust(part, rater="_rater", score="_score")["adjusted_score"]
            leniency = eff.to_frame().set_index("rater_id")["leniency"]
            alone = part["_rater"].map(leniency).isna().to_numpy()
            roles = _role_effects(part[alone], out.loc[part.index[alone], "rater_role"].astype(str),
                                  adjusted[~alone].groupby(part.loc[~alone, "_subject"].to_numpy()).mean())
            if len(roles):
                shift = out.loc[part.index[alone], "rater_role"].astype(str).map(roles).fillna(0.0)
                adjusted[alone] = part.loc[alone, "_score"] - shift.to_numpy()
            score[rows] = adjusted.clip(scale.min, scale.max).to_numpy()
            role_text = "".join(f"; raters with too few ratees of their own, as role '{r}': {v:+.2f}"
                                for r, v in roles.items())
            notes.append(f"{what}: {int(leniency.notna().sum())} of {eff.n_raters} raters adjusted for "
                         f"leniency (rater variance {eff.tau2:.3g}, residual {eff.sigma2:.3g}){role_text}.")
    out["score"] = score.to_numpy()
    return out, tuple(notes)


def adjusted_dataset(ds: Any, rubric: Rubric, **kwargs: Any) -> Any:
    """A copy of dataset ``ds`` whose ratings are :func:`adjusted_ratings` (the notes go to
    ``meta["rater_adjustment"]``); for the weighting laboratory and the what-if.

    Examples
    --------
    >>> import workbench as wb
    >>> from workbench.weights import scores_frame
    >>> rubric = wb.load_rubric("permenpanrb-6-2022-rinci")
    >>> adj = adjusted_dataset(wb.read_sample("kota_contoh").subset(period="2025"), rubric)
    >>> int(scores_frame(adj, rubric)["predikat"].notna().sum())
    1200
    """
    ratings, notes = adjusted_ratings(ds.ratings, rubric, **kwargs)
    return dataclasses.replace(ds, ratings=ratings, meta={**dict(getattr(ds, "meta", {}) or {}),
                                                          "rater_adjustment": notes})
