"""The ``workbench`` command line.

``workbench validate FILE...`` prints the validation report of each file or folder
(counts, problems grouped by reason, the first rows of each) and exits with 1 when
rows were rejected, 2 when a file could not be read at all. Bad input never
produces a traceback.

Examples
--------
>>> from workbench.cli import main
>>> import workbench as wb
>>> main(["validate", str(wb.data.sample_path("kota_contoh"))])  # doctest: +ELLIPSIS
== .../kota_contoh
rows read 69,600, kept 69,600, rejected 0; 1 warnings on kept rows
...
WARNING folder_not_read (1): Sub-folders are not read. ...
    .../kota_contoh/truth, column : 'truth'
0
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from workbench.errors import WorkbenchError
from workbench.i18n import LANGUAGES

__all__ = ["main"]


def _validate(args: argparse.Namespace) -> int:
    from workbench._output import check_output, neutralise_formulas, write_atomic
    from workbench.data.load import load

    if args.problems:
        check_output(args.problems, args.files, example="masalah.csv")
    status = 0
    problems = []
    for path in args.files:
        print(f"== {path}")
        try:
            ds = load(path, period=args.period)
        except WorkbenchError as exc:
            print(f"ERROR: {exc}")
            status = max(status, 2)
            continue
        print(ds.report)
        problems.append(ds.report.problems)
        if ds.report.rows_rejected:
            status = max(status, 1)
    if args.problems:
        import pandas as pd

        frames = [p for p in problems if len(p)]
        table = pd.concat(frames, ignore_index=True) if frames else (problems[0] if problems else pd.DataFrame())
        write_atomic(args.problems, neutralise_formulas(table).to_csv(index=False))
        print(f"problems of {len(problems)} file(s) written to {args.problems}")
    return status


def _publish(args: argparse.Namespace) -> int:
    # the dashboards' modules (ipywidgets, matplotlib) load only for this command
    from workbench.views.publish import run_command

    return run_command(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workbench", description="Kinerja Workbench command line.")
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate", help="check appraisal files against the data contract")
    v.add_argument("files", nargs="+", help="CSV, XLSX or Parquet files, or folders")
    v.add_argument("--period", help="period of every row, for files without a period column (e.g. 2025)")
    v.add_argument("--problems", metavar="CSV", help="also write every problem to this CSV file")
    v.set_defaults(func=_validate)
    p = sub.add_parser("publish", help="write a dashboard as a self-contained HTML report (and PDF)")
    p.add_argument("dashboard", help="the dashboard's name (as in dashboards/, e.g. ringkasan_pimpinan) "
                                     "or the notebook's path")
    p.add_argument("--data", required=True, help="a data file or folder, or a bundled sample name")
    p.add_argument("--out", required=True, help="the HTML file to write")
    p.add_argument("--pdf", action="store_true", help="also write a PDF next to the HTML file")
    p.add_argument("--lang", default="id", choices=list(LANGUAGES), help="language (default id)")
    p.add_argument("--min-cell", type=int, default=None,
                   help="hide cells with fewer employees (default 5, min 3)")
    p.add_argument("--period", default=None, help="period to report (default: the year, e.g. 2025)")
    p.add_argument("--unit", default=None, help="the leadership report of one OPD (its drill-down first)")
    p.add_argument("--org-rating", metavar="FILE", default=None,
                   help="CSV or xlsx of Predikat Kinerja Organisasi (a unit column, an org-predikat column, "
                        "optionally a period column); default: the org ratings in the data, else 'Baik' "
                        "assumed (the report says so)")
    p.set_defaults(func=_publish)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except WorkbenchError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
