"""Build and run the scan's Dask graph, in-process (threads or processes) or on a cluster."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from flightcheck.errors import FlightcheckError, UsageError
from flightcheck.io.context import ReadOptions
from flightcheck.runtime import parallel
from flightcheck.scan import progress, tasks
from flightcheck.scan.partitions import BATCH_BYTES, discover
from flightcheck.scan.prefilter import prefilter_radius_km, resolve
from flightcheck.scan.summary import summarise
from flightcheck.scan.visits import empty, normalise
from flightcheck.settings import DEFAULT, EngineSettings


@dataclass
class ScanResult:
    """``visits`` (see :mod:`.visits`), ``summary`` (see :mod:`.summary`), ``partitions``
    (phase-1 counters per partition), ``bad`` (inputs read but not valid track data, and
    why) and ``unreadable`` (inputs whose bytes could not be had, and why)."""

    visits: pd.DataFrame
    summary: pd.DataFrame
    partitions: list[dict] = field(default_factory=list)
    bad: list[tuple[str, str]] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    settings: EngineSettings = DEFAULT
    """The engine thresholds the visits were found with."""

    @property
    def points(self) -> int:
        return sum(p["points"] for p in self.partitions)

    @property
    def inputs(self) -> int:
        """Inputs the scan tried (files, URLs, archive members, dataset files)."""
        return sum(p["files"] for p in self.partitions)

    def to_dict(self) -> dict[str, Any]:
        """The ``scan --json`` object. ``scanned``: ``inputs`` tried, of which ``read``
        (bytes had) and ``unreadable`` (not); of those read, ``bad_files`` were not valid
        track data and ``not_track`` were not track data at all (met in a folder)."""
        from flightcheck.output.jsonout import plain

        def records(frame: pd.DataFrame) -> list[dict]:
            cols = list(frame.columns)
            return [
                dict(zip(cols, row, strict=True))
                for row in frame.itertuples(index=False, name=None)
            ]

        totals = {
            k: sum(p[k] for p in self.partitions)
            for k in ("files", "points", "candidates", "not_track")
        }
        return plain(
            {
                "scanned": {
                    "partitions": len(self.partitions),
                    **totals,
                    "inputs": self.inputs,
                    "read": self.inputs - len(self.unreadable),
                    "unreadable": len(self.unreadable),
                    "bad_files": len(self.bad),
                },
                "bad": [{"path": p, "reason": r} for p, r in self.bad],
                "unreadable": [{"path": p, "reason": r} for p, r in self.unreadable],
                "visits": records(self.visits),
                "summary": records(self.summary),
                "settings": self.settings.to_dict(),
            }
        )


MAX_UNREADABLE = 0.01
"""Default share of inputs that may be unreadable before a scan fails (see
:func:`check_readable`)."""


class TooManyUnreadable(FlightcheckError):
    """More inputs could not be read than the scan was allowed to lose (exit code 2)."""

    exit_code = 2


def check_readable(result: ScanResult, max_share: float) -> None:
    """Raise :class:`TooManyUnreadable` (one line) when every input, or more than
    ``max_share`` of them, could not be read: a scan that silently read nothing would
    report "no visits" for an airport it never looked at."""
    n, lost = result.inputs, len(result.unreadable)
    if not lost or (lost < n and lost <= max_share * n):
        return
    path, why = result.unreadable[0]
    where = (
        f"all {n:,} inputs could not be read"
        if lost == n
        else f"{lost:,} of {n:,} inputs could not be read (more than the {max_share:.0%} allowed "
        "by --max-unreadable)"
    )
    raise TooManyUnreadable(
        f"{where}, e.g. "
        f"{path}: {why}; on a cluster every worker must see the inputs at the same path "
        "(or give URLs); no result was written"
    )


def _graph(
    parts, airports, buckets, options, since, until, radius_km, checkpoint=None, settings=DEFAULT
):
    from dask import delayed

    from flightcheck.scan.checkpoint import entry_key

    phase1 = [
        delayed(tasks.scan_partition, pure=True)(
            p,
            airports,
            buckets,
            options,
            since,
            until,
            radius_km,
            (checkpoint, entry_key(p, airports, options, since, until, radius_km))
            if checkpoint
            else None,
            dask_key_name=f"read-{i}",
        )
        for i, p in enumerate(parts)
    ]
    counters = [
        delayed(tasks.stats, pure=True)(r, dask_key_name=f"stats-{i}") for i, r in enumerate(phase1)
    ]
    phase2 = []
    for b in range(buckets):
        picked = [
            delayed(tasks.pick, pure=True)(r, b, dask_key_name=f"pick-{i}-{b}")
            for i, r in enumerate(phase1)
        ]
        phase2.append(
            delayed(tasks.detect_bucket, pure=True)(
                picked, airports, settings, dask_key_name=f"detect-{b}"
            )
        )
    return phase2, counters


def scan(
    paths: list[str],
    airports: list[str],
    since: datetime | None = None,
    until: datetime | None = None,
    scheduler: str | None = None,
    options: ReadOptions | None = None,
    workers: parallel.Workers = 1,
    show_progress: bool | None = None,
    batch_bytes: int = BATCH_BYTES,
    radius_km: float | None = None,
    buckets: int | None = None,
    checkpoint: str | None = None,
    max_unreadable: float = MAX_UNREADABLE,
    settings: EngineSettings = DEFAULT,
) -> ScanResult:
    """Every stop at ``airports`` in the archives ``paths`` (files, folders, globs, URLs,
    day archives, datasets from :func:`flightcheck.scan.convert`), as a visits table and
    summary.

    ``scheduler``: address of an existing Dask scheduler (``tcp://host:8786``) or a
    ``distributed.Client``; None runs on this machine: ``workers`` 1 (the default) in this
    thread, n or "auto" on threads or, for large file archives, forked processes
    (:func:`local_scheduler`). Bad files are skipped and listed in
    ``bad``; inputs that cannot be read at all are listed in ``unreadable``, and when they
    are all of them or more than ``max_unreadable`` (a share, 0..1) of them the scan raises
    :class:`TooManyUnreadable`. ``checkpoint``: folder keeping each finished partition's
    findings (:mod:`.checkpoint`); a re-run skips those partitions. ``settings``: the engine
    thresholds; the pre-filter follows them (``radius_km`` None:
    :func:`~flightcheck.scan.prefilter.prefilter_radius_km`).
    """
    codes = resolve(list(airports), settings)
    if radius_km is None:
        radius_km = prefilter_radius_km(settings)
    options = options or ReadOptions(skip_bad=True)
    parts = discover(list(paths), since, until, batch_bytes)
    if not parts:
        raise UsageError("no input files found (check the paths and --since/--until)")
    if checkpoint is not None:
        from flightcheck.scan.checkpoint import prepare

        checkpoint = prepare(checkpoint)
    n_buckets = buckets or max(1, min(len(parts), 16))
    phase2, counters = _graph(
        parts, codes, n_buckets, options, since, until, radius_km, checkpoint, settings
    )
    shown = progress.wanted(show_progress)
    meter = progress.Meter(len(parts), len(parts) * (2 + n_buckets) + n_buckets)
    if scheduler is None:
        import dask

        with progress.bar("scanning", meter, shown) as advance:
            callbacks = [progress.local_callback(advance)] if shown else []
            with (
                parallel.dask_local(workers, local_scheduler(parts, workers)) as how,
                dask.config.set({"callbacks": set(callbacks)}),
            ):
                visits, stats = dask.compute(phase2, counters, **how)
    else:
        visits, stats = _distributed(scheduler, phase2, counters, shown, meter)
    bad = [b for s in stats for b in s["bad"]]
    unreadable = [u for s in stats for u in s["unreadable"]]
    frames = [v for v in visits if len(v)]
    table = normalise(pd.concat(frames, ignore_index=True)) if frames else empty()
    result = ScanResult(table, summarise(table), list(stats), bad, unreadable, settings)
    check_readable(result, max_unreadable)
    return result


def local_scheduler(parts: list, workers: parallel.Workers | None) -> str:
    """Dask's local scheduler for ``parts`` (:func:`flightcheck.runtime.parallel.dask_scheduler`):
    the stored bytes of the file batches decide; parquet datasets do not count (pyarrow
    reads them without holding the GIL, so threads serve)."""
    batches = [p for p in parts if not p.dataset]
    total = sum(sum(part.sizes) for part in batches)
    return parallel.dask_scheduler(workers, len(batches), total)


def _distributed(scheduler: Any, phase2: list, counters: list, shown: bool, meter: progress.Meter):
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise UsageError(
            "--scheduler needs the `distributed` package (pip install 'dask[distributed]')"
        ) from None
    own = not isinstance(scheduler, Client)
    try:
        client = Client(scheduler) if own else scheduler
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
    try:
        if shown and client.dashboard_link:
            progress.note(f"Dask dashboard: {client.dashboard_link}")
        futures = client.compute(phase2 + counters)
        is_stats = {f.key: i >= len(phase2) for i, f in enumerate(futures)}
        meter.total = len(futures)
        with progress.bar("scanning", meter, shown) as advance:
            for fut in as_completed(futures):
                advance(1, fut.result() if shown and is_stats[fut.key] else None)
        results = client.gather(futures)
    finally:
        if own:
            client.close()
    return results[: len(phase2)], results[len(phase2) :]
