"""Build and run the scan's Dask graph, in-process (threads or processes) or on a cluster."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from flightcheck.errors import UsageError
from flightcheck.forking import fork_context, usable_cpus
from flightcheck.io.context import ReadOptions
from flightcheck.scan import progress, tasks
from flightcheck.scan.partitions import BATCH_BYTES, discover
from flightcheck.scan.prefilter import RADIUS_KM, resolve
from flightcheck.scan.summary import summarise
from flightcheck.scan.visits import empty, normalise


@dataclass
class ScanResult:
    """``visits`` (see :mod:`.visits`), ``summary`` (see :mod:`.summary`), ``partitions``
    (phase-1 counters per partition) and ``bad`` (unreadable files and why)."""

    visits: pd.DataFrame
    summary: pd.DataFrame
    partitions: list[dict] = field(default_factory=list)
    bad: list[tuple[str, str]] = field(default_factory=list)

    @property
    def points(self) -> int:
        return sum(p["points"] for p in self.partitions)

    def to_dict(self) -> dict[str, Any]:
        """The ``scan --json`` object."""
        from flightcheck.jsonout import plain

        def records(frame: pd.DataFrame) -> list[dict]:
            cols = list(frame.columns)
            return [dict(zip(cols, row, strict=True))
                    for row in frame.itertuples(index=False, name=None)]

        totals = {k: sum(p[k] for p in self.partitions)
                  for k in ("files", "points", "candidates", "not_track")}
        return plain({"scanned": {"partitions": len(self.partitions), **totals,
                                  "bad_files": len(self.bad)},
                      "bad": [{"path": p, "reason": r} for p, r in self.bad],
                      "visits": records(self.visits), "summary": records(self.summary)})


def _graph(parts, airports, buckets, options, since, until, radius_km):
    from dask import delayed

    phase1 = [delayed(tasks.scan_partition, pure=True)(
        p, airports, buckets, options, since, until, radius_km,
        dask_key_name=f"read-{i}") for i, p in enumerate(parts)]
    counters = [delayed(tasks.stats, pure=True)(r, dask_key_name=f"stats-{i}")
                for i, r in enumerate(phase1)]
    phase2 = []
    for b in range(buckets):
        picked = [delayed(tasks.pick, pure=True)(r, b, dask_key_name=f"pick-{i}-{b}")
                  for i, r in enumerate(phase1)]
        phase2.append(delayed(tasks.detect_bucket, pure=True)(
            picked, airports, dask_key_name=f"detect-{b}"))
    return phase2, counters


def scan(paths: list[str], airports: list[str], since: datetime | None = None,
         until: datetime | None = None, scheduler: str | None = None,
         options: ReadOptions | None = None, workers: int | None = None,
         show_progress: bool | None = None, batch_bytes: int = BATCH_BYTES,
         radius_km: float = RADIUS_KM, buckets: int | None = None) -> ScanResult:
    """Every stop at ``airports`` in the archives ``paths`` (files, folders, globs,
    datasets from :func:`flightcheck.scan.convert`), as a visits table and summary.

    ``scheduler``: address of an existing Dask scheduler (``tcp://host:8786``) or a
    ``distributed.Client``; None runs in-process with ``workers`` threads or, for large file
    archives, processes (see :func:`local_scheduler`). Unreadable files are skipped and listed
    in ``bad``, never fatal.
    """
    codes = resolve(list(airports))
    options = options or ReadOptions(skip_bad=True)
    parts = discover(list(paths), since, until, batch_bytes)
    if not parts:
        raise UsageError("no input files found (check the paths and --since/--until)")
    n_buckets = buckets or max(1, min(len(parts), 16))
    phase2, counters = _graph(parts, codes, n_buckets, options, since, until, radius_km)
    shown = progress.wanted(show_progress)
    n_tasks = len(parts) * (2 + n_buckets) + n_buckets
    if scheduler is None:
        import dask

        with progress.bar("scanning", n_tasks, shown) as advance:
            callbacks = [progress.local_callback(advance)] if shown else []
            with dask.config.set({"callbacks": set(callbacks), **PROCESS_SETTINGS}):
                visits, stats = dask.compute(phase2, counters,
                                             scheduler=local_scheduler(parts, workers),
                                             num_workers=workers)
    else:
        visits, stats = _distributed(scheduler, phase2, counters, shown)
    frames = [v for v in visits if len(v)]
    table = normalise(pd.concat(frames, ignore_index=True)) if frames else empty()
    bad = [b for s in stats for b in s["bad"]]
    return ScanResult(table, summarise(table), list(stats), bad)


PROCESS_SETTINGS = {"multiprocessing.context": "fork", "chunksize": 1}
"""Dask settings of local worker processes: forked (no re-import of the caller's script),
one task per dispatch (dask's default batches 6, which put most partitions on one core)."""
PROCESSES_MIN_BYTES = 64 << 20
"""Input files (as stored) above which an in-process scan runs in worker processes."""


def local_scheduler(parts: list, workers: int | None) -> str:
    """Dask's local scheduler for ``parts``: "processes" when there are several batches of
    files worth more than :data:`PROCESSES_MIN_BYTES` and more than one worker may run.
    JSON parsing holds the GIL, so threads would share one core; a worker process costs
    about a second to start, which only pays on large archives. Parquet datasets (read by
    pyarrow, which releases the GIL) and small inputs stay on threads. Workers are forked
    (Linux only, see :mod:`flightcheck.forking`), so a caller's script needs no guard."""
    batches = [p for p in parts if not p.dataset]
    if workers == 1 or usable_cpus() < 2 or len(batches) < 2 or fork_context() is None:
        return "threads"
    total = 0
    for part in batches:
        for path in part.paths:
            try:
                total += os.path.getsize(path)
            except OSError:
                continue  # reported as a bad file when read
            if total >= PROCESSES_MIN_BYTES:
                return "processes"
    return "threads"


def _distributed(scheduler: Any, phase2: list, counters: list, shown: bool):
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise UsageError("--scheduler needs the `distributed` package "
                         "(pip install 'dask[distributed]')") from None
    own = not isinstance(scheduler, Client)
    try:
        client = Client(scheduler) if own else scheduler
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
    try:
        futures = client.compute(phase2 + counters)
        with progress.bar("scanning", len(futures), shown) as advance:
            for _ in as_completed(futures):
                advance(1)
        results = client.gather(futures)
    finally:
        if own:
            client.close()
    return results[:len(phase2)], results[len(phase2):]
