"""Benchmark of the whole appraisal chain at national scale, on both Dask schedulers.

Usage::

    python benchmarks/bench_national.py [--employees 6000000] [--buckets B] [--data DIR] [--workers 2]
    make bench-national N=6000000

Synthetic national data (``python -m workbench.data national``: N employees, 4 rating
rows each, split by employee buckets; 6 million employees are 600 instansi and 30,000
units) is written under ``/tmp`` (never into the repository; ``--data`` to choose, kept for
the next run unless ``--clean``), then :func:`workbench.scale.national_chain` runs load,
validate, score, curve, leadership, reliability and the published report of one instansi:

1. with Dask's default scheduler (threads, one per core);
2. with ``dask.distributed`` (a ``LocalCluster`` of ``--workers`` processes, one thread each).

Each run has its own process, so its peak memory is its own. For every step the script
prints the time and the peak resident memory during the step, sampled every 0.1 s: of the
process running the chain and, with ``dask.distributed``, of the workers (the sum of their
resident memory, and the largest single worker); at the end the peak RSS of each process
(``ru_maxrss``). The load average is printed before each run; while the 1-minute load is
above 1.5 the script waits (5 minutes at most; ``--no-wait`` skips this). Not part of
``make bench`` (it takes minutes and GBs).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import load_text, wait_for_quiet

__all__ = ["main"]

MAX_WAIT_S = 300.0
SAMPLE_S = 0.1


class _Sampler:
    """Resident memory of this process and of its child processes (the workers), sampled."""

    def __init__(self) -> None:
        import psutil

        self.me = psutil.Process()
        self.samples: list[tuple[float, float, float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            own = self.me.memory_info().rss
            kids = []
            for child in self.me.children(recursive=True):
                try:
                    kids.append(child.memory_info().rss)
                except psutil.Error:
                    pass
            self.samples.append((time.perf_counter(), own / 2**20, sum(kids) / 2**20, max(kids, default=0) / 2**20))
            time.sleep(SAMPLE_S)

    def __enter__(self) -> _Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, start: float, end: float) -> tuple[float, float, float]:
        inside = [s for s in self.samples if start <= s[0] <= end] or [
            min(self.samples, key=lambda s: abs(s[0] - end))]
        return (max(s[1] for s in inside), max(s[2] for s in inside), max(s[3] for s in inside))


def _chain(folder: str, scheduler: str, workers: int, out: str, queue: Any) -> None:
    import dask

    from workbench.scale import national_chain

    client = cluster = None
    if scheduler == "distributed":
        from dask.distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        dask.config.set(scheduler="threads")
    with _Sampler() as sampler:
        t0 = time.perf_counter()
        run = national_chain(folder, instansi="Instansi 000", out=out)
        rows = []
        start = t0
        for step, seconds in run.timings:
            rows.append((step, seconds, *sampler.peak(start, start + seconds)))
            start += seconds
    worker_peak: dict[str, float] = {}
    if client is not None:
        worker_peak = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        client.close()
        cluster.close()  # type: ignore[union-attr]
    queue.put({"scheduler": scheduler, "rows": rows, "total": sum(r[1] for r in rows),
               "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
               "worker_peak_mib": sorted(worker_peak.values()), "units": len(run.leadership),
               "share_baik": run.share_baik, "violating": int((~run.curve.units["ok"].fillna(True)).sum()),
               "rows_read": run.validation.rows_read})


def _run(target: Any, *args: Any) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def _print(r: dict[str, Any], workers: bool) -> None:
    head = f"  {'step':<12} {'seconds':>8} {'peak RSS MiB':>13}"
    head += f" {'workers sum':>12} {'max worker':>11}" if workers else ""
    print(head)
    for step, seconds, own, kids, big in r["rows"]:
        line = f"  {step:<12} {seconds:8.1f} {own:13,.0f}"
        line += f" {kids:12,.0f} {big:11,.0f}" if workers else ""
        print(line)
    print(f"  {'total':<12} {r['total']:8.1f}   process peak (ru_maxrss) {r['peak_mib']:,.0f} MiB"
          + (f"; workers' peaks {', '.join(f'{w:,.0f}' for w in r['worker_peak_mib'])} MiB" if workers else ""))
    print(f"  {r['rows_read']:,} rating rows; {r['units']:,} units, {r['violating']:,} violate the curve; "
          f"share Baik or better {r['share_baik']:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=6_000_000)
    parser.add_argument("--buckets", type=int, default=None, help="employee buckets (default one per 250,000)")
    parser.add_argument("--data", default=None, help="data folder (default /tmp/workbench_national_<N>)")
    parser.add_argument("--workers", type=int, default=2, help="dask.distributed worker processes")
    parser.add_argument("--clean", action="store_true", help="delete the data folder afterwards")
    parser.add_argument("--no-wait", action="store_true", help="do not wait for a quiet machine")
    args = parser.parse_args()
    n = args.employees
    folder = Path(args.data or Path(tempfile.gettempdir()) / f"workbench_national_{n}")
    repo = Path(__file__).resolve().parent.parent
    if repo in folder.resolve().parents or folder.resolve() == repo:
        parser.error(f"--data {folder} lies inside the repository; write the data under /tmp.")
    print(f"machine: {os.cpu_count()} cores; {n:,} employees; data {folder}")
    stamp = folder / f".complete-{n}-{args.buckets}"
    if not stamp.exists():
        from workbench.data.synth_national import write_national

        t0 = time.perf_counter()
        files = write_national(folder, n, n_buckets=args.buckets)
        stamp.touch()
        print(f"  wrote {files.n_rating_rows:,} rating rows in {len(files.ratings)} buckets "
              f"({files.n_units:,} units, {files.n_instansi:,} instansi) in {time.perf_counter() - t0:.0f} s")
    size = sum(f.stat().st_size for f in folder.rglob("*.parquet")) / 2**20
    print(f"  Parquet: {size:,.0f} MiB in {len(list((folder / 'ratings').glob('*.parquet')))} buckets per table")
    out = Path(tempfile.mkdtemp(prefix="bench_national_report_"))
    try:
        for scheduler in ("threads", "distributed"):
            print(f"  load average (1, 5, 15 min): {load_text()}", flush=True)
            wait_for_quiet(MAX_WAIT_S if not args.no_wait else 0.0)
            label = "Dask default scheduler (threads)" if scheduler == "threads" else \
                f"dask.distributed LocalCluster({args.workers} worker processes x 1 thread)"
            print(f"[{label}]", flush=True)
            r = _run(_chain, str(folder), scheduler, args.workers, str(out / f"{scheduler}.html"))
            _print(r, scheduler == "distributed")
        print(f"  load average (1, 5, 15 min): {load_text()}")
    finally:
        shutil.rmtree(out, ignore_errors=True)
        if args.clean:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
