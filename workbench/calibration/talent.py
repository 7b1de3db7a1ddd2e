"""The talent view: hasil kerja x perilaku kerja as a 3 x 3 grid (the 9-box), movement
across periods, and promotion candidates.

Under PermenPANRB 6/2022 every employee has a category of hasil kerja and one of
perilaku kerja (Di Bawah / Sesuai / Di Atas Ekspektasi): the rubric's matrix is the
grid. :func:`nine_box` places every employee and period in it. Boxes are numbered
1 .. 9 from the bottom left (both Di Bawah) to the top right (both Di Atas, the *top
box*, Sangat Baik). HR sees employees (:meth:`NineBox.to_frame`,
:meth:`NineBox.candidates`); leaders see counts with small cells hidden
(:meth:`NineBox.summary`).

Examples
--------
>>> import workbench as wb
>>> from workbench.calibration import nine_box
>>> box = nine_box(wb.read_sample("kota_contoh"), "permenpanrb-6-2022")
>>> box.periods
['2025-Q1', '2025-Q2', '2025-Q3', '2025-Q4']
>>> int(box.grid("Bappeda", "2025-Q4").to_numpy().sum())
48
>>> len(box.candidates(k=3, n=4)) > 0
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from workbench.errors import ParameterError, check_option
from workbench.privacy import check_min_cell, suppress_counts
from workbench.results import Provenance, frame_html
from workbench.rubric import Rubric, Scores, load_rubric
from workbench.rubric import score as score_fn

__all__ = ["BOX_COLUMNS", "CANDIDATE_COLUMNS", "NineBox", "nine_box", "period_key"]

BOX_COLUMNS = ["period", "employee_id", "unit", "hasil", "perilaku", "row", "col", "box", "predikat"]
CANDIDATE_COLUMNS = ["employee_id", "unit", "n_periods", "n_top", "share_top", "streak", "last_box", "first_top",
                     "rank_nominal", "rank_p05", "rank_median", "rank_p95", "p_top"]
Lang = Literal["id", "en"]


def period_key(period: str) -> tuple[int, int, int, str]:
    """Sort key of a period: by year, then end month; at the same end month a month comes
    before a quarter and a quarter before the year (``2025-Q4`` < ``2025``).

    Examples
    --------
    >>> sorted(["2025", "2025-Q4", "2025-Q1", "2024", "2025-03"], key=period_key)
    ['2024', '2025-03', '2025-Q1', '2025-Q4', '2025']
    """
    text = str(period)
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", text):
        return int(m[1]), 3 * int(m[2]), 0, text
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        return int(m[1]), int(m[2]), -1, text
    if m := re.fullmatch(r"(\d{4})", text):
        return int(m[1]), 12, 1, text
    return 99999, 0, 0, text


def _granularity(period: str) -> int:
    return period_key(period)[2]


@dataclass(frozen=True, eq=False)
class NineBox:
    """Employees in the hasil x perilaku grid (see :func:`nine_box`).

    Attributes
    ----------
    frame
        See :meth:`to_frame`.
    rows, cols
        Category labels of hasil kerja (rows) and perilaku kerja (columns), lowest first.
    periods
        The periods in the view, oldest first.
    """

    frame: pd.DataFrame
    rows: tuple[str, ...]
    cols: tuple[str, ...]
    periods: list[str]
    rubric_id: str = ""
    parameters: dict[str, Any] = field(default_factory=dict, repr=False)
    _data: Any = field(default=None, repr=False)

    @property
    def top_box(self) -> int:
        """The number of the top box (both dimensions in their highest category)."""
        return len(self.rows) * len(self.cols)

    def to_frame(self) -> pd.DataFrame:
        """One row per employee and period: ``period, employee_id, unit, hasil, perilaku``
        (category labels), ``row, col`` (0 = lowest), ``box`` (1 .. 9, 9 = top) and
        ``predikat``. Identifies employees: for HR only."""
        return self.frame.copy()

    def counts(self) -> pd.DataFrame:
        """Employees per box, one row per period, unit and box (zeros included):
        ``period, unit, box, hasil, perilaku, n``."""
        f = self.frame
        units = sorted(f["unit"].dropna().unique())
        boxes = np.arange(1, self.top_box + 1)
        idx = pd.MultiIndex.from_product([self.periods, units, boxes], names=["period", "unit", "box"])
        n = f.groupby(["period", "unit", "box"]).size().reindex(idx, fill_value=0).rename("n").reset_index()
        n["hasil"] = [self.rows[(b - 1) // len(self.cols)] for b in n["box"]]
        n["perilaku"] = [self.cols[(b - 1) % len(self.cols)] for b in n["box"]]
        return n[["period", "unit", "box", "hasil", "perilaku", "n"]]

    def grid(self, unit: str | None = None, period: str | None = None) -> pd.DataFrame:
        """The grid as a table: hasil kerja rows (highest first) x perilaku kerja columns
        (lowest first), counts of employees; ``unit=None`` pools the units."""
        period = self._period(period)
        f = self.frame[self.frame["period"] == period]
        if unit is not None:
            check_option("unit", unit, sorted(self.frame["unit"].dropna().unique()))
            f = f[f["unit"] == unit]
        table = pd.crosstab(pd.Categorical(f["hasil"], categories=list(self.rows)),
                            pd.Categorical(f["perilaku"], categories=list(self.cols)), dropna=False)
        table = table.reindex(index=list(self.rows)[::-1], columns=list(self.cols), fill_value=0)
        table.index.name, table.columns.name = "hasil_kerja", "perilaku_kerja"
        return table

    def summary(self, min_cell: int | None = 5, period: str | None = None) -> pd.DataFrame:
        """What a leader may see: per unit (and ``(semua)`` for all), the employees in each
        box (columns ``box_1`` .. ``box_9``), with :func:`workbench.privacy.suppress_counts`
        hiding small cells (and a second cell where one hidden cell could be recovered)."""
        period = self._period(period)
        c = self.counts()
        c = c[c["period"] == period].pivot_table(index="unit", columns="box", values="n", aggfunc="sum")
        c.loc["(semua)"] = c.sum()
        c.columns = [f"box_{b}" for b in c.columns]
        out = suppress_counts(c, check_min_cell(min_cell))
        out.insert(0, "n_employees", c.sum(axis=1).where(c.sum(axis=1) >= check_min_cell(min_cell)))
        return out.reset_index().rename(columns={"index": "unit"})

    def movement(self, from_period: str, to_period: str) -> pd.DataFrame:
        """Per employee scored in both periods: ``employee_id, unit, box_from, box_to,
        hasil_from, perilaku_from, hasil_to, perilaku_to, steps`` (row and column steps
        added: + = towards the top box) and ``move`` (``up``, ``down``, ``same``, ``across``)."""
        a = self.frame[self.frame["period"] == self._period(from_period)].set_index("employee_id")
        b = self.frame[self.frame["period"] == self._period(to_period)].set_index("employee_id")
        both = a.index.intersection(b.index)
        a, b = a.loc[both], b.loc[both]
        steps = (b["row"] - a["row"]) + (b["col"] - a["col"])
        same = b["box"] == a["box"]
        move = np.where(same, "same", np.where(steps > 0, "up", np.where(steps < 0, "down", "across")))
        return pd.DataFrame({"employee_id": both, "unit": b["unit"].to_numpy(), "box_from": a["box"].to_numpy(),
                             "box_to": b["box"].to_numpy(), "hasil_from": a["hasil"].to_numpy(),
                             "perilaku_from": a["perilaku"].to_numpy(), "hasil_to": b["hasil"].to_numpy(),
                             "perilaku_to": b["perilaku"].to_numpy(), "steps": steps.to_numpy(),
                             "move": move}).reset_index(drop=True)

    def transitions(self, from_period: str, to_period: str, unit: str | None = None) -> pd.DataFrame:
        """Counts of employees from each box (rows) to each box (columns) between two periods."""
        m = self.movement(from_period, to_period)
        if unit is not None:
            m = m[m["unit"] == unit]
        boxes = list(range(1, self.top_box + 1))
        return pd.crosstab(pd.Categorical(m["box_from"], categories=boxes),
                           pd.Categorical(m["box_to"], categories=boxes), dropna=False).rename_axis(
            index="box_from", columns="box_to")

    def candidates(self, k: int = 2, n: int = 3, *, uncertainty: Any = None) -> pd.DataFrame:
        """Promotion candidates: employees in the top box in at least ``k`` of the last
        ``n`` periods.

        Parameters
        ----------
        k, n
            At least ``k`` top-box periods among the last ``n`` (``1 <= k <= n``).
        uncertainty
            Optional :class:`workbench.weights.Uncertainty` of a detailed rubric: adds the
            rank band of each candidate (``rank_nominal, rank_p05, rank_median, rank_p95``)
            and ``p_top``, the share of weight draws that give them the top predikat, in
            the latest period the uncertainty covers.

        Returns
        -------
        pandas.DataFrame
            ``employee_id, unit, n_periods`` (scored in the window), ``n_top, share_top,
            streak`` (top-box periods in a row up to the last period), ``last_box,
            first_top`` (first top-box period of the window), and the rank band columns
            (NaN without ``uncertainty``); most stable first. For HR only.
        """
        if not (isinstance(k, int) and isinstance(n, int) and 1 <= k <= n):
            raise ParameterError(f"`k` and `n` must be integers with 1 <= k <= n; got k={k!r}, n={n!r}.")
        window = self.periods[-n:]
        f = self.frame[self.frame["period"].isin(window)]
        top = f.assign(is_top=f["box"] == self.top_box)
        g = top.groupby("employee_id")
        out = pd.DataFrame({"unit": g["unit"].last(), "n_periods": g.size(), "n_top": g["is_top"].sum()})
        out = out[out["n_top"] >= k]
        out["share_top"] = out["n_top"] / len(window)
        wide = top.pivot_table(index="employee_id", columns="period", values="is_top", aggfunc="max")
        wide = wide.reindex(columns=window).reindex(out.index)
        streak = np.zeros(len(out), dtype=int)
        alive = np.ones(len(out), dtype=bool)
        for p in window[::-1]:
            hit = wide[p].fillna(False).to_numpy(dtype=bool)
            alive &= hit
            streak += alive
        out["streak"] = streak
        last = f.sort_values("period", key=lambda s: s.map(period_key)).groupby("employee_id")["box"].last()
        out["last_box"] = last.reindex(out.index).astype("Int64")
        firsts = top[top["is_top"]].sort_values("period", key=lambda s: s.map(period_key)).groupby("employee_id")
        out["first_top"] = firsts["period"].first().reindex(out.index)
        for col in ("rank_nominal", "rank_p05", "rank_median", "rank_p95", "p_top"):
            out[col] = np.nan
        if uncertainty is not None:
            u = uncertainty.to_frame()
            latest = max(u["period"].unique(), key=period_key)
            u = u[u["period"] == latest].set_index("employee_id")
            top_id = self.parameters.get("top_predikat", "sangat_baik")
            for col in ("rank_nominal", "rank_p05", "rank_median", "rank_p95"):
                out[col] = u[col].reindex(out.index).astype(float)
            if f"p_{top_id}" in u:
                out["p_top"] = u[f"p_{top_id}"].reindex(out.index).astype(float)
        out = out.reset_index().sort_values(["n_top", "streak", "rank_median", "employee_id"],
                                            ascending=[False, False, True, True], na_position="last")
        return out.reset_index(drop=True)[CANDIDATE_COLUMNS]

    def _period(self, period: str | None) -> str:
        if period is None:
            return self.periods[-1]
        check_option("period", period, self.periods)
        return period

    @property
    def provenance(self) -> Provenance:
        """Data hash, rubric and parameters."""
        return Provenance.build(self._data if self._data is not None else self.frame, parameters=self.parameters,
                                rubric_id=self.rubric_id)

    def _repr_html_(self) -> str:
        return frame_html(f"9-box, all units, {self.periods[-1]}", self.grid().reset_index())


def nine_box(data: Any, rubric: Rubric | str | None = None, periods: list[str] | None = None, *,
             weights: str = "baseline", lang: Lang = "id") -> NineBox:
    """Place every employee and period in the hasil kerja x perilaku kerja grid.

    Parameters
    ----------
    data
        :class:`~workbench.rubric.score.Scores` of a matrix rubric (e.g. calibrated scores
        of a session), or a dataset with ``rubric``.
    rubric
        The matrix rubric (with a dataset), e.g. ``"permenpanrb-6-2022"``.
    periods
        The periods of the view. Default: the periods of the finest kind in the data (the
        quarters when there are quarters and a year), so that movement compares like
        with like.
    weights, lang
        Weight set and label language (with a dataset).

    Returns
    -------
    NineBox
        ``to_frame()``, ``counts()``, ``grid(unit, period)``, ``summary(min_cell)``,
        ``movement(a, b)``, ``transitions(a, b)``, ``candidates(k, n)``.
    """
    if isinstance(data, Scores):
        scores = data
    else:
        if rubric is None:
            raise ParameterError("Pass `rubric=` with a dataset, e.g. nine_box(ds, 'permenpanrb-6-2022').")
        scores = score_fn(data, rubric if isinstance(rubric, Rubric) else load_rubric(rubric), weights, lang=lang)
    rub = scores.rubric
    if rub.rule != "matrix" or rub.matrix is None:
        raise ParameterError(f"The 9-box needs a matrix rubric (two dimensions with categories); {rub.id!r} uses "
                             f"'{rub.rule}'. Use e.g. 'permenpanrb-6-2022' or 'permenpanrb-6-2022-rinci'.")
    m = rub.matrix
    rcol, ccol = f"{m.rows}_category", f"{m.columns}_category"
    f = scores.frame
    f = f[f[rcol].notna() & f[ccol].notna()]  # employee-periods the rubric could place
    have = sorted(f["period"].unique(), key=period_key)
    if periods is None:
        if not have:
            raise ParameterError("The scores hold no period; score a dataset with ratings first.")
        counts = pd.Series([_granularity(p) for p in have]).value_counts()
        best = min(counts[counts == counts.max()].index)
        periods = [p for p in have if _granularity(p) == best]
    else:
        missing = [p for p in periods if p not in have]
        if missing:
            raise ParameterError(f"`periods` {missing} are not scored by {rub.id!r} in these data (no category of "
                                 f"{m.rows} and {m.columns}); the scored periods are {have}.")
        periods = sorted(periods, key=period_key)
    f = f[f["period"].isin(periods)]
    rows = tuple(f[rcol].cat.categories) if isinstance(f[rcol].dtype, pd.CategoricalDtype) else ()
    cols = tuple(f[ccol].cat.categories) if isinstance(f[ccol].dtype, pd.CategoricalDtype) else ()
    r = f[rcol].cat.codes.to_numpy()
    c = f[ccol].cat.codes.to_numpy()
    frame = pd.DataFrame({"period": f["period"].to_numpy(), "employee_id": f["employee_id"].to_numpy(),
                          "unit": f["unit"].to_numpy(), "hasil": f[rcol].astype(str).to_numpy(),
                          "perilaku": f[ccol].astype(str).to_numpy(), "row": r, "col": c,
                          "box": r * len(cols) + c + 1, "predikat": f["predikat"].astype(object).to_numpy()})
    top_cat = (rub.dimension(m.rows).categories[-1].id, rub.dimension(m.columns).categories[-1].id)
    params = {"rubric_id": rub.id, "periods": periods, "top_predikat": m.cells[top_cat]}
    return NineBox(frame.reset_index(drop=True), rows, cols, list(periods), rub.id, params, scores._data)
