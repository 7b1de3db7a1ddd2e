"""The :class:`Dataset`: ratings, roster and the validation report, together.

Examples
--------
>>> import workbench as wb
>>> ds = wb.read_sample("kota_contoh")
>>> sorted(ds.periods)[:2]
['2025', '2025-Q1']
>>> ds.report.rows_read == ds.report.rows_kept + ds.report.rows_rejected
True
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from workbench.data.contract import (
    RATING_COLUMNS,
    coerce_org_ratings,
    coerce_predikat,
    coerce_ratings,
    coerce_roster,
)
from workbench.data.report import ValidationReport, empty_problems
from workbench.results import frame_html

__all__ = ["Dataset"]


@dataclass(frozen=True)
class Dataset:
    """Appraisal data that satisfies the data contract.

    Attributes
    ----------
    ratings
        Long table, one row per single rating: ``period, employee_id, rater_id,
        rater_role, indicator, score``.
    roster
        One row per employee and period: ``employee_id, period, unit, jabatan,
        golongan, gender, birth_year, supervisor_id`` and any extra columns.
    report
        The :class:`~workbench.data.report.ValidationReport` of the load.
    name
        A short name (the sample's or the file's).
    source
        Where the data came from.
    meta
        Free-form facts about the load (for instance ``org_ratings_source``, the file
        the org ratings came from).
    predikat
        What the source file recorded as each employee's predikat: ``period,
        employee_id, predikat`` (one of
        :data:`~workbench.data.contract.PREDIKAT_LABELS`, or missing when the file
        says the employee is not yet rated). Empty when the files hold none.
    org_ratings
        *Predikat Kinerja Organisasi* per unit: ``period, unit, org_predikat``
        (``period`` missing = every period). Empty when no org-ratings file was given.
    """

    ratings: pd.DataFrame
    roster: pd.DataFrame
    report: ValidationReport
    name: str = ""
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    predikat: pd.DataFrame = field(default_factory=lambda: coerce_predikat(None))
    org_ratings: pd.DataFrame = field(default_factory=lambda: coerce_org_ratings(None))

    @classmethod
    def from_frames(
        cls, ratings: pd.DataFrame, roster: pd.DataFrame | None = None, name: str = "memory", *,
        predikat: pd.DataFrame | None = None, org_ratings: pd.DataFrame | None = None,
    ) -> Dataset:
        """Build a dataset from in-memory tables, cleaning and validating them like a file.

        Rows that break the contract are rejected into the report exactly as
        :func:`workbench.load` does for files (the "file" is ``<ratings>`` or
        ``<roster>``, the "line" the 1-based row position).
        """
        from workbench.data.clean import clean_ratings, clean_roster

        kept_r, rep_r = clean_ratings(ratings, file="<ratings>", first_line=1)
        if roster is None:
            roster = pd.DataFrame(columns=["employee_id", "period", "unit"])
        kept_o, rep_o = clean_roster(roster, file="<roster>", first_line=1)
        return cls(
            ratings=kept_r,
            roster=kept_o,
            report=ValidationReport.merge([rep_r, rep_o]),
            name=name,
            source="memory",
            predikat=coerce_predikat(predikat),
            org_ratings=coerce_org_ratings(org_ratings),
        )

    @classmethod
    def trusted(cls, ratings: pd.DataFrame, roster: pd.DataFrame, name: str = "", source: str = "", *,
                predikat: pd.DataFrame | None = None, org_ratings: pd.DataFrame | None = None) -> Dataset:
        """Wrap tables that are known to satisfy the contract (no cleaning, only dtypes)."""
        n_r, n_o = len(ratings), len(roster)
        counts = pd.DataFrame({
            "file": [source or "<ratings>", source or "<roster>"], "table": ["ratings", "roster"],
            "rows_read": [n_r, n_o], "rows_kept": [n_r, n_o], "rows_rejected": [0, 0]})
        return cls(
            ratings=coerce_ratings(ratings),
            roster=coerce_roster(roster),
            report=ValidationReport.from_parts(counts, empty_problems()),
            name=name,
            source=source,
            predikat=coerce_predikat(predikat),
            org_ratings=coerce_org_ratings(org_ratings),
        )

    # -- views -----------------------------------------------------------------
    @property
    def periods(self) -> list[str]:
        """The appraisal periods present in the ratings or the recorded predikat, sorted."""
        return sorted(set(self.ratings["period"].unique().tolist())
                      | set(self.predikat["period"].unique().tolist()))

    @property
    def units(self) -> list[str]:
        """The units (OPD) in the roster, sorted."""
        return sorted(self.roster["unit"].dropna().unique().tolist())

    @property
    def indicators(self) -> list[str]:
        """The indicators present in the ratings, sorted."""
        return sorted(self.ratings["indicator"].unique().tolist())

    def subset(
        self,
        period: str | list[str] | None = None,
        unit: str | list[str] | None = None,
        indicator: str | list[str] | None = None,
        rater_role: str | list[str] | None = None,
    ) -> Dataset:
        """Return a dataset restricted to some periods, units, indicators or rater roles."""

        def _as_list(v: str | list[str]) -> list[str]:
            return [v] if isinstance(v, str) else list(v)

        ratings, roster, predikat, org = self.ratings, self.roster, self.predikat, self.org_ratings
        if period is not None:
            ratings = ratings[ratings["period"].isin(_as_list(period))]
            roster = roster[roster["period"].isin(_as_list(period))]
            predikat = predikat[predikat["period"].isin(_as_list(period))]
            org = org[org["period"].isna() | org["period"].isin(_as_list(period))]
        if unit is not None:
            roster = roster[roster["unit"].isin(_as_list(unit))]
            keys = roster[["employee_id", "period"]]
            ratings = ratings.merge(keys, on=["employee_id", "period"], how="inner")
            predikat = predikat.merge(keys, on=["employee_id", "period"], how="inner")
            org = org[org["unit"].isin(_as_list(unit))]
        if indicator is not None:
            ratings = ratings[ratings["indicator"].isin(_as_list(indicator))]
        if rater_role is not None:
            ratings = ratings[ratings["rater_role"].isin(_as_list(rater_role))]
        return replace(
            self,
            ratings=ratings.loc[:, list(RATING_COLUMNS)].reset_index(drop=True),
            roster=roster.reset_index(drop=True),
            predikat=predikat.reset_index(drop=True),
            org_ratings=org.reset_index(drop=True),
        )

    def with_roster(self, columns: list[str] | None = None) -> pd.DataFrame:
        """Ratings joined with roster columns (default ``unit, jabatan, golongan, gender``)."""
        columns = columns or ["unit", "jabatan", "golongan", "gender"]
        right = self.roster[["employee_id", "period", *columns]]
        return self.ratings.merge(right, on=["employee_id", "period"], how="left")

    def validate(self) -> Dataset:
        """Check both tables against the pandera schemas; return ``self``.

        The loaders already guarantee the contract (the test suite checks it on
        arbitrary corrupted input), so this is for tables built or changed by hand.

        Raises
        ------
        DataContractError
            With ``failure_cases`` listing every failing cell.
        """
        import pandera.errors

        from workbench.data.contract import RatingsSchema, RosterSchema
        from workbench.errors import DataContractError

        for name, schema, frame in (("ratings", RatingsSchema, self.ratings),
                                    ("roster", RosterSchema, self.roster)):
            try:
                schema.validate(frame, lazy=True)
            except pandera.errors.SchemaErrors as exc:
                cases = exc.failure_cases.rename(columns={"failure_case": "value", "check": "reason"})
                cases = cases.assign(file=f"<{name}>", line=cases["index"].astype("Int64") + 1)
                raise DataContractError(
                    f"The {name} table breaks the data contract in {len(cases)} cell(s); see "
                    "`.failure_cases`. Load files with wb.load, which cleans and reports them.",
                    cases.reindex(columns=["file", "line", "column", "value", "reason"])) from exc
        return self

    def to_frame(self) -> pd.DataFrame:
        """A one-row-per-period summary: employees, raters, ratings, units."""
        g = self.ratings.groupby("period", observed=True)
        out = g.agg(
            employees=("employee_id", "nunique"),
            raters=("rater_id", "nunique"),
            ratings=("score", "size"),
        )
        units = self.roster.groupby("period")["unit"].nunique().rename("units")
        return out.join(units).reset_index()

    def __repr__(self) -> str:
        return (f"Dataset(name={self.name!r}, ratings={len(self.ratings):,} rows, "
                f"roster={len(self.roster):,} rows, periods={self.periods}, "
                f"rejected={self.report.rows_rejected:,})")

    def _repr_html_(self) -> str:
        return frame_html(f"Dataset {self.name}", self.to_frame()) + self.report._repr_html_()
