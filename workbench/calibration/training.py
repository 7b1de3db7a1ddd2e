"""Training needs: the indicators on which employees, units and jabatan groups fall
furthest below their peers, after rater leniency is taken out.

From the detailed indicators of a rubric (the seven BerAKHLAK values and the IKI of
``permenpanrb-6-2022-rinci``), every employee's value on every indicator is compared
with their peers (the employees of the same jabatan in the period, by default) as a
z-score. An employee *needs* training on an indicator when they are at least
``threshold`` standard deviations below their peers. Per unit the indicators are ranked
by how many employees need them; the scores are rater-adjusted first
(``wb.score(..., adjust_raters=True)``), so that a unit rated by strict atasan does not
look weak on everything.

Examples
--------
>>> import workbench as wb
>>> from workbench.calibration import training_needs
>>> needs = training_needs(wb.read_sample("kota_contoh"), period="2025")
>>> list(needs.to_frame().columns[:5])
['unit', 'indicator', 'label', 'dimension', 'rank']
>>> int(needs.to_frame()["n_employees"].max())
300
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from workbench.errors import ParameterError, check_option
from workbench.privacy import check_min_cell, suppress_rows
from workbench.results import Provenance, frame_html
from workbench.rubric import Rubric, load_rubric
from workbench.rubric import score as score_fn

__all__ = ["NEED_COLUMNS", "TrainingNeeds", "training_needs"]

NEED_COLUMNS = ["unit", "indicator", "label", "dimension", "rank", "n_employees", "n_need", "share_need",
                "mean_z", "mean_value"]
EMPLOYEE_COLUMNS = ["employee_id", "unit", "group", "indicator", "value", "peer_mean", "peer_sd", "z", "need",
                    "rank_in_employee"]
Lang = Literal["id", "en"]


@dataclass(frozen=True, eq=False)
class TrainingNeeds:
    """Training needs per unit, jabatan group and employee (see :func:`training_needs`).

    Attributes
    ----------
    table
        See :meth:`to_frame`.
    employee_table
        See :meth:`employees` (identifies employees: HR only).
    notes
        Plain-language remarks (the rater adjustment, indicators left out).
    """

    table: pd.DataFrame
    employee_table: pd.DataFrame = field(repr=False)
    rubric_id: str = ""
    notes: tuple[str, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict, repr=False)
    _data: Any = field(default=None, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per unit and indicator, ranked within the unit: ``unit, indicator, label,
        dimension, rank`` (1 = the most needed), ``n_employees`` (with a value),
        ``n_need`` (at least ``threshold`` SD below their peers), ``share_need``,
        ``mean_z`` (the unit's mean standing against its peers; negative = below) and
        ``mean_value`` (on the indicator's scale)."""
        return self.table.copy()

    def employees(self) -> pd.DataFrame:
        """One row per employee and indicator: ``employee_id, unit, group, indicator, value,
        peer_mean, peer_sd, z, need, rank_in_employee`` (1 = the employee's furthest-below
        indicator). Names people: for HR only."""
        return self.employee_table.copy()

    def for_unit(self, unit: str, top: int | None = None) -> pd.DataFrame:
        """The ranked list of one unit (the first ``top`` rows)."""
        units = sorted(self.table["unit"].unique())
        check_option("unit", unit, units)
        out = self.table[self.table["unit"] == unit].reset_index(drop=True)
        return out.head(top) if top else out

    def groups(self, by: str = "group") -> pd.DataFrame:
        """The same ranking per jabatan group (``by="group"``, the peer groups) or per any
        column of :meth:`employees`: ``<by>, indicator, n_employees, n_need, share_need,
        mean_z, rank``."""
        e = self.employee_table
        if by not in e:
            raise ParameterError(f"`by` must be a column of employees(): {list(e.columns)}; got {by!r}.")
        return _ranked(e, by)

    def summary(self, min_cell: int | None = 5) -> pd.DataFrame:
        """:meth:`to_frame` for leaders: a unit with fewer than ``min_cell`` employees is
        hidden, and so is a number of employees in need between 1 and ``min_cell - 1``
        (with its share)."""
        k = check_min_cell(min_cell)
        out = suppress_rows(self.table, "n_employees", ["n_need", "share_need", "mean_z", "mean_value"], k)
        small = out["n_need"].between(1, k - 1)
        out.loc[small, ["n_need", "share_need"]] = np.nan
        return out

    @property
    def provenance(self) -> Provenance:
        """Data hash, rubric and parameters."""
        return Provenance.build(self._data if self._data is not None else self.table, parameters=self.parameters,
                                rubric_id=self.rubric_id)

    def _repr_html_(self) -> str:
        top = self.table[self.table["rank"] <= 3]
        notes = "".join(f"<p><em>{n}</em></p>" for n in self.notes)
        return frame_html("Training needs: the three most needed indicators per unit", top, max_rows=60) + notes


def _ranked(e: pd.DataFrame, by: str) -> pd.DataFrame:
    g = e.dropna(subset=["z"]).groupby([by, "indicator"], observed=True)
    out = g.agg(n_employees=("z", "size"), n_need=("need", "sum"), mean_z=("z", "mean"),
                mean_value=("value", "mean")).reset_index()
    out["n_need"] = out["n_need"].astype(int)
    out["share_need"] = out["n_need"] / out["n_employees"]
    out = out.sort_values([by, "n_need", "mean_z", "indicator"], ascending=[True, False, True, True], kind="stable")
    out["rank"] = out.groupby(by).cumcount() + 1
    return out.reset_index(drop=True)


def training_needs(ds: Any, rubric: Rubric | str = "permenpanrb-6-2022-rinci", period: str | None = None, *,
                   peers: str | None = "jabatan", threshold: float = 1.0, adjust_raters: bool = True,
                   weights: str = "baseline", indicators: list[str] | None = None, lang: Lang = "id") -> TrainingNeeds:
    """Rank, per unit, the indicators on which employees fall furthest below their peers.

    Parameters
    ----------
    ds
        The dataset.
    rubric
        A rubric with detailed indicators (default ``permenpanrb-6-2022-rinci``).
    period
        The period (required when the data hold several that the rubric scores).
    peers
        The roster column whose groups are the peers (default ``jabatan``: a pelaksana is
        compared with pelaksana); ``None`` compares everyone with everyone.
    threshold
        An employee needs training on an indicator when their z-score is at or below
        ``-threshold`` (default 1 SD below their peers).
    adjust_raters
        Use rater-adjusted scores (default True; see :func:`workbench.score`).
    weights
        The rubric's weight set (how rater roles combine per indicator).
    indicators
        The indicators to consider (default all of the rubric's).
    lang
        Language of the indicator labels.

    Returns
    -------
    TrainingNeeds
        ``to_frame()``: ``unit, indicator, label, dimension, rank, n_employees, n_need,
        share_need, mean_z, mean_value``; ``employees()`` per employee (HR only);
        ``groups()`` per jabatan group; ``summary(min_cell)`` for leaders.

    Notes
    -----
    The value of an employee on an indicator is the rubric's own: raters of a role
    averaged, roles combined with the weight set's role weights, on the indicator's
    scale and turned so that higher is better. ``z = (value - peer mean) / peer SD``,
    with the peers' mean and SD over all units of the period. Within a unit the
    indicators are ranked by the number of employees in need, then by the unit's mean
    z (lowest first). Rater adjustment removes each rater's leniency relative to the
    other raters of the same employees; it cannot correct a whole organisation's
    leniency, nor indicators with one rater per employee (the IKI realisations, which
    are measured, not judged). A z-score says where someone stands among peers, not that
    training will help: the list is a starting point for a conversation.
    """
    check_option("lang", lang, ["id", "en"])
    if not threshold > 0:
        raise ParameterError(f"`threshold` must be a positive number of standard deviations; got {threshold!r}.")
    if not isinstance(rubric, Rubric):
        rubric = load_rubric(rubric)
    scores = score_fn(ds, rubric, weights, period=period, lang=lang, adjust_raters=adjust_raters)
    periods = sorted(scores.frame["period"].unique())
    if len(periods) != 1:
        raise ParameterError(f"The rubric scores {len(periods)} periods of these data ({', '.join(periods)}); pass "
                             "`period=` to rank the training needs of one of them.")
    chosen = list(indicators) if indicators is not None else [i.id for i in rubric.indicators]
    known = [i.id for i in rubric.indicators]
    unknown = [i for i in chosen if i not in known]
    if unknown:
        raise ParameterError(f"`indicators` names {unknown}, which rubric {rubric.id!r} does not have; it has {known}.")
    detail = scores.detail
    frame = scores.frame
    roster = ds.roster
    people = frame[["employee_id", "unit"]].copy()
    if peers is not None:
        if peers not in roster:
            raise ParameterError(f"`peers` must be a roster column ({list(roster.columns)}) or None; got {peers!r}.")
        r = roster[roster["period"] == periods[0]] if "period" in roster else roster
        people["group"] = people["employee_id"].map(
            r.drop_duplicates("employee_id").set_index("employee_id")[peers]).astype(object).fillna("-").astype(str)
    else:
        people["group"] = "all"
    values = detail[chosen].to_numpy(dtype=float).copy()
    for j, ind in enumerate(chosen):
        if rubric.indicator(ind).direction == "lower_is_better":
            values[:, j] = -values[:, j]
    long = pd.DataFrame({"employee_id": np.repeat(people["employee_id"].to_numpy(), len(chosen)),
                         "unit": np.repeat(people["unit"].to_numpy(), len(chosen)),
                         "group": np.repeat(people["group"].to_numpy(), len(chosen)),
                         "indicator": np.tile(np.array(chosen, dtype=object), len(people)),
                         "value": values.ravel()})
    g = long.groupby(["group", "indicator"])["value"]
    long["peer_mean"] = g.transform("mean")
    long["peer_sd"] = g.transform("std")
    with np.errstate(invalid="ignore", divide="ignore"):
        long["z"] = (long["value"] - long["peer_mean"]) / long["peer_sd"].where(long["peer_sd"] > 0)
    long["need"] = long["z"] <= -threshold
    long["rank_in_employee"] = long.groupby("employee_id")["z"].rank(method="first").astype("Int64")
    signs = {i: (-1.0 if rubric.indicator(i).direction == "lower_is_better" else 1.0) for i in chosen}
    long["value"] = long["value"] * long["indicator"].map(signs)
    long["peer_mean"] = long["peer_mean"] * long["indicator"].map(signs)
    table = _ranked(long, "unit")
    table["label"] = table["indicator"].map({i.id: i.label.get(lang) for i in rubric.indicators})
    table["dimension"] = table["indicator"].map({i.id: i.dimension for i in rubric.indicators})
    notes = [n for n in scores.notes if "adjust" in n]
    small = long.groupby("group")["employee_id"].nunique()
    if (small < 10).any():
        notes.append(f"Peer groups with fewer than 10 employees ({', '.join(small[small < 10].index)}): their "
                     "z-scores rest on few peers.")
    params = {"rubric_id": rubric.id, "period": periods[0], "peers": peers, "threshold": threshold,
              "adjust_raters": adjust_raters, "weights": weights}
    return TrainingNeeds(table[NEED_COLUMNS], long[EMPLOYEE_COLUMNS].reset_index(drop=True), rubric.id, tuple(notes),
                         params, ds.ratings)
