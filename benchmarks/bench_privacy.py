"""Joint suppression on the Kota Contoh sample: information loss and the time it adds.

Printed:

* the cells of the published leadership report (``workbench publish ringkasan_pimpinan``,
  period 2025, every OPD rated "Baik") hidden by the old per-cell rule
  (:func:`workbench.privacy.suppress_counts` with secondary suppression per row, the
  share rule, the move rule of ``CurveCheck.summary``) and by the page model, counted
  over the same numbers (sizes, predikat counts, shares, verdicts, move texts, flags and
  the quarterly trend);
* for the page model, how many of the hidden numbers are small cells ("<5") and how
  many are hidden for another's sake ("disembunyikan"), and whether each page passes
  the audit (the old one does not: its hidden cells can be recovered);
* the time a control change spends building a page: the numbers alone
  (``suppress=False``), the joint suppression on top, and the audit, for the control
  states a viewer reaches (period, unit drilled into, an org rating changed).

Run: ``.venv/bin/python benchmarks/bench_privacy.py``.
"""

from __future__ import annotations

import math
import statistics
import time

import workbench as wb
from workbench.privacy import audit, suppress_counts, suppress_share
from workbench.report import leadership_page
from workbench.views import _sources as src

__all__ = ["main"]

K = 5


def _old_hidden(ds: wb.Dataset, period: str) -> tuple[int, int]:
    """Cells the old per-cell rules hid in the leadership report, out of all its numbers."""
    check = src.curve(ds, period, src.default_org_rating(ds))
    summary = check.summary("id", min_cell=K)
    counts = summary.iloc[:, 3:3 + len(src.PREDIKAT)]
    hidden = int(counts.isna().sum().sum()) + int(summary["n_employees"].isna().sum())
    hidden += int(summary["ok"].isna().sum())
    moves = check.moves
    n_moves = len(moves)
    hidden += int(((moves["n_employees"] > 0) & (moves["n_employees"] < K)).sum())
    total = counts.size + len(summary) * 2 + n_moves
    c = src.predikat_counts(src.baseline_scores(ds), period)
    sb = src.share_baik(c)
    share = suppress_share(sb["baik"], sb["n"], K)
    hidden += int(share.isna().sum())
    total += len(share)
    trend = src.trend(src.baseline_scores(ds))
    t_hidden = suppress_counts(trend, K)
    tb = src.share_baik(trend)
    hidden += int(t_hidden.isna().sum().sum()) + int(suppress_share(tb["baik"], tb["n"], K).isna().sum())
    total += t_hidden.size + len(tb)
    return hidden, total


def _timed(fn, *args, repeat: int = 1, **kwargs) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(*args, **kwargs)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ds = wb.read_sample("kota_contoh")
    scores = src.baseline_scores(ds)
    old, total = _old_hidden(ds, "2025")
    check = src.curve(ds, "2025", src.default_org_rating(ds))
    bare = leadership_page(scores, ds.roster, check, "2025", min_cell=K, suppress=False)
    page = leadership_page(scores, ds.roster, check, "2025", min_cell=K)
    counts = page.n_hidden()
    print("Leadership report, Kota Contoh, 2025 (every OPD 'Baik'):")
    print(f"  numbers published:             {len(page.facts)} (old rules counted over {total})")
    print(f"  hidden, old per-cell rules:    {old} (audit of the same small cells: "
          f"{'passes' if audit(bare).ok else 'FAILS, ' + str(len(audit(bare).failures)) + ' cell(s) recoverable'})")
    print(f"  hidden, page model:            {counts['small'] + counts['protected']} "
          f"= {counts['small']} small ('<5') + {counts['protected']} protected ('disembunyikan'); "
          f"audit {'passes' if audit(page).ok else 'FAILS'}")
    states = [("period 2025, city", "2025", None, None),
              ("drill-down Dinas Kesehatan", "2025", "Dinas Kesehatan", None),
              ("org rating: Disdukcapil -> Butuh Perbaikan", "2025", None,
               src.default_org_rating(ds) | {"Disdukcapil": "Butuh Perbaikan"}),
              ("period 2025-Q4, city", "2025-Q4", None, None)]
    print("\nTime per control change (median of 2; seconds):")
    print(f"  {'state':45s} {'numbers':>8s} {'+joint suppression':>19s} {'audit':>7s} {'hidden':>7s}")
    for label, period, unit, org in states:
        org = org or src.default_org_rating(ds)
        chk = wb.curve_check(scores, dict(org), period=period)
        t_bare = _timed(leadership_page, scores, ds.roster, chk, period, unit, K, suppress=False, repeat=2)
        t_full = _timed(leadership_page, scores, ds.roster, chk, period, unit, K, repeat=2)
        p = leadership_page(scores, ds.roster, chk, period, unit, K)
        t_audit = _timed(audit, p)
        hid = p.n_hidden()
        print(f"  {label:45s} {t_bare:8.2f} {t_full - t_bare:19.2f} {t_audit:7.2f} "
              f"{hid['small']:>3d}+{hid['protected']:<3d}")
    assert not math.isnan(t_full)


if __name__ == "__main__":
    main()
