"""The validation report that every load returns beside the data.

A loader never drops a row silently: each row it does not keep is in
``report.problems`` with its file, line, column, value and reason, and the counts
add up: ``rows_read == rows_kept + rows_rejected``. Warnings about rows that were
kept (an implausible NIP, a non-standard spelling) are in the same table with
``severity == "warning"``.

Examples
--------
>>> import pandas as pd
>>> r = ValidationReport.from_parts(
...     counts=pd.DataFrame({"file": ["a.csv"], "table": ["ratings"],
...                          "rows_read": [3], "rows_kept": [2], "rows_rejected": [1]}),
...     problems=pd.DataFrame({"file": ["a.csv"], "line": [4], "column": ["score"],
...                            "value": ["x"], "reason": ["score_not_numeric"],
...                            "severity": ["error"], "message": ["not a number"]}))
>>> r.rows_read == r.rows_kept + r.rows_rejected
True
>>> r.ok
False
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from workbench.results import frame_html

__all__ = ["COUNT_COLUMNS", "PROBLEM_COLUMNS", "ValidationReport", "empty_problems"]

PROBLEM_COLUMNS = ["file", "line", "column", "value", "reason", "severity", "message"]
COUNT_COLUMNS = ["file", "table", "rows_read", "rows_kept", "rows_rejected"]


_EMPTY = pd.DataFrame({c: pd.Series(dtype="object") for c in PROBLEM_COLUMNS}).astype({"line": "Int64"})


def empty_problems() -> pd.DataFrame:
    """An empty problems table with the right columns."""
    return _EMPTY.copy()


@dataclass(frozen=True)
class ValidationReport:
    """What a load read, kept and rejected, and why.

    Attributes
    ----------
    counts
        One row per file and table: ``file, table, rows_read, rows_kept, rows_rejected``.
    problems
        One row per problem: ``file, line, column, value, reason, severity, message``.
        ``severity`` is ``"error"`` for a rejected row and ``"warning"`` for a kept one.
        ``line`` is the 1-based line of the file (the header is line 1 in a CSV; in a
        spreadsheet it is the sheet's row number).
    """

    counts: pd.DataFrame
    problems: pd.DataFrame

    @classmethod
    def from_parts(cls, counts: pd.DataFrame, problems: pd.DataFrame) -> ValidationReport:
        """Build a report, normalising column order and sort."""
        problems = problems.reindex(columns=PROBLEM_COLUMNS)
        problems["line"] = pd.to_numeric(problems["line"], errors="coerce").astype("Int64")
        problems = problems.sort_values(["file", "line", "column"], kind="stable", na_position="first")
        counts = (counts.reindex(columns=COUNT_COLUMNS)
                  .groupby(["file", "table"], sort=False, as_index=False)
                  [["rows_read", "rows_kept", "rows_rejected"]].sum())
        return cls(counts=counts, problems=problems.reset_index(drop=True))

    @classmethod
    def merge(cls, reports: list[ValidationReport]) -> ValidationReport:
        """Combine the reports of several files into one."""
        counts = pd.concat([r.counts for r in reports], ignore_index=True)
        problems = pd.concat([r.problems for r in reports if len(r.problems)] or [empty_problems()],
                             ignore_index=True)
        return cls.from_parts(counts, problems)

    def _total(self, column: str, table: str | None) -> int:
        counts = self.counts if table is None else self.counts[self.counts["table"] == table]
        return int(counts[column].sum())

    @property
    def rows_read(self) -> int:
        """Data rows read from all files (header lines are not rows)."""
        return self._total("rows_read", None)

    @property
    def rows_kept(self) -> int:
        """Rows that are in the dataset."""
        return self._total("rows_kept", None)

    @property
    def rows_rejected(self) -> int:
        """Rows that were not kept; each is in :attr:`problems` with severity ``error``."""
        return self._total("rows_rejected", None)

    @property
    def errors(self) -> pd.DataFrame:
        """Problems that made a row be rejected."""
        return self.problems[self.problems["severity"] == "error"].reset_index(drop=True)

    @property
    def warnings(self) -> pd.DataFrame:
        """Problems on rows that were kept."""
        return self.problems[self.problems["severity"] == "warning"].reset_index(drop=True)

    @property
    def ok(self) -> bool:
        """True when no row was rejected."""
        return self.rows_rejected == 0

    def summary(self) -> pd.DataFrame:
        """Problems grouped by reason: ``severity, reason, n, files, first_lines, example``."""
        if self.problems.empty:
            return pd.DataFrame(columns=["severity", "reason", "n", "files", "first_lines", "example"])
        g = self.problems.groupby(["severity", "reason"], sort=True, observed=True)
        out = g.agg(
            n=("reason", "size"),
            files=("file", lambda s: ", ".join(sorted(set(map(str, s))))),
            first_lines=("line", lambda s: ", ".join(str(x) for x in s.dropna().head(5))),
            example=("message", "first"),
        ).reset_index()
        return out.sort_values(["severity", "n"], ascending=[True, False]).reset_index(drop=True)

    def to_frame(self) -> pd.DataFrame:
        """The per-file counts (``file, table, rows_read, rows_kept, rows_rejected``)."""
        return self.counts.copy()

    def __str__(self) -> str:
        lines = [
            f"rows read {self.rows_read:,}, kept {self.rows_kept:,}, rejected {self.rows_rejected:,}; "
            f"{len(self.warnings):,} warnings on kept rows",
        ]
        for _, row in self.counts[self.counts["rows_read"] > 0].iterrows():
            lines.append(
                f"  {row['file']} [{row['table']}]: read {row['rows_read']:,}, kept "
                f"{row['rows_kept']:,}, rejected {row['rows_rejected']:,}"
            )
        summary = self.summary()
        for _, s in summary.iterrows():
            lines.append(f"{s['severity'].upper()} {s['reason']} ({s['n']:,}): {s['example']}")
            sub = self.problems[(self.problems["reason"] == s["reason"])
                                & (self.problems["severity"] == s["severity"])].head(3)
            for _, p in sub.iterrows():
                line = "" if pd.isna(p["line"]) else f" line {p['line']}"
                lines.append(f"    {p['file']}{line}, column {p['column']!s}: {p['value']!r}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = (f"<p>Rows read {self.rows_read:,}; kept {self.rows_kept:,}; "
                f"rejected {self.rows_rejected:,}; warnings {len(self.warnings):,}.</p>")
        return head + frame_html("Problems by reason", self.summary())
