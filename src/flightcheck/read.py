"""``flightcheck.read``: many inputs in, one cleaned track table with provenance out."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pandas as pd

from flightcheck import io as readers_
from flightcheck import track
from flightcheck.errors import InputError, UsageError
from flightcheck.io.containers import load
from flightcheck.io.context import ReadContext, ReadOptions
from flightcheck.io.paths import expand
from flightcheck.provenance import InputRecord, sha256_file
from flightcheck.tracks import Tracks


def read_frame(
    path: str, options: ReadOptions, explicit: bool = True
) -> tuple[pd.DataFrame, ReadContext, str, object, tuple[str, ...]] | None:
    """The reader's own frame of one file, before :func:`track.to_track_table`: (frame, ctx,
    format, reader module, container wrappers). None when a non-explicit file is not track
    data. For callers that can skip most files cheaply (``flightcheck scan``)."""
    data, wrappers = load(path, options.max_decompressed)
    if options.format:
        known = readers_.formats()
        if options.format not in known:
            raise UsageError(
                f"unknown format {options.format!r}; known: {', '.join(sorted(known))}"
            )
        fmt, module = options.format, known[options.format]
    else:
        found = readers_.detect(data, Path(path).name)
        if found is None and options.columns:
            found = ("csv", readers_.formats()["csv"])  # the user mapped the columns
        if found is None:
            if not explicit:
                return None
            head = data[:24].decode("utf-8", "replace").replace("\n", "\\n")
            raise InputError(
                path,
                f"not a recognised track format (starts with {head!r}); "
                "name the format with --format",
            )
        fmt, module = found
    ctx = ReadContext(path=path, options=options)
    return module.read(data, ctx, fmt), ctx, fmt, module, wrappers


def read_one(
    path: str, options: ReadOptions, explicit: bool = True
) -> tuple[pd.DataFrame, InputRecord] | None:
    """Read one file. Returns None when a non-explicit file is not track data (skipped)."""
    size = os.path.getsize(path)
    record = InputRecord(path=path, sha256=sha256_file(path), size=size)
    got = read_frame(path, options, explicit)
    if got is None:
        return None
    frame, ctx, fmt, module, record.compressed = got
    table = track.to_track_table(frame, ctx)
    if fmt in getattr(module, "TIME_ORDERED", ()):
        table = track.check_time_order(table, ctx)
    if options.icao24 and table["icao24"].isna().all():
        table["icao24"] = options.icao24.lower()
    record.format = fmt
    record.reader = module.__name__
    record.records = ctx.records
    record.points = len(table)
    record.dropped = ctx.dropped
    record.notes = ctx.notes
    return table, record


PARALLEL_MIN_FILES = 4
PARALLEL_MIN_BYTES = 16 << 20


def _plan_workers(cands: list, workers: int | None) -> int:
    """How many processes to read with: parallel only when it pays (several files, enough
    bytes to outweigh starting processes and sending tables back)."""
    if workers is not None:
        return max(1, int(workers))
    if len(cands) < PARALLEL_MIN_FILES:
        return 1
    total = sum(os.path.getsize(c.path) for c in cands)
    return min(os.cpu_count() or 1, len(cands)) if total >= PARALLEL_MIN_BYTES else 1


def _attempt(path: str, options: ReadOptions, explicit: bool):
    """read_one, with an InputError returned instead of raised (so order is kept)."""
    try:
        return read_one(path, options, explicit)
    except InputError as exc:
        return exc


def _attempt_in_worker(path: str, options: ReadOptions, explicit: bool):
    """:func:`_attempt` in a pool worker. Text columns holding one value on every row
    (``source``, and often ``icao24``, ``kind``, ``registration``...) travel back as that
    value, not as a column: less to pickle and copy. :func:`_restore_columns` rebuilds them."""
    outcome = _attempt(path, options, explicit)
    if not isinstance(outcome, tuple):
        return outcome
    table, record = outcome
    constant = {"source": path}
    for col in ("icao24", "kind", "callsign", "registration", "typecode", "squawk"):
        value = track.single_text(table[col])
        if value is not track.MIXED:
            constant[col] = value
    return table.drop(columns=list(constant)), record, constant


def _restore_columns(outcome):
    """The outcome of :func:`_attempt_in_worker` as :func:`_attempt` returns it."""
    if not isinstance(outcome, tuple):
        return outcome
    table, record, constant = outcome
    n = len(table)
    columns = {col: track.repeat_text(constant[col], n) if col in constant else table[col].array
               for col in track.SCHEMA}
    return pd.DataFrame(columns, index=table.index, copy=False), record


def _read_each(cands: list, options: ReadOptions, workers: int | None):
    """read_one's outcome for every candidate, in order, in-process or in a process pool."""
    n = _plan_workers(cands, workers)
    if n <= 1:
        for c in cands:
            yield _attempt(c.path, options, c.explicit)
        return
    from concurrent.futures import ProcessPoolExecutor

    # a few files per task: fewer round trips, still balanced between the workers
    chunk = max(1, min(16, len(cands) // (32 * n)))
    with ProcessPoolExecutor(n) as pool:
        outcomes = pool.map(_attempt_in_worker, [c.path for c in cands], [options] * len(cands),
                            [c.explicit for c in cands], chunksize=chunk)
        for outcome in outcomes:
            yield _restore_columns(outcome)


def read(
    paths: str | Path | list[str | Path],
    *,
    format: str | None = None,
    skip_bad: bool = False,
    tz: str | None = None,
    columns: dict[str, str] | None = None,
    icao24: str | None = None,
    start_time: datetime | None = None,
    receiver: tuple[float, float] | None = None,
    max_decompressed: int = 2 << 30,
    workers: int | None = None,
) -> Tracks:
    """Read track exports into one cleaned track table.

    ``paths``: files, folders (walked recursively) or globs; compression is sniffed.
    ``format``: force a reader (see ``flightcheck.io.formats()``) instead of sniffing.
    ``skip_bad``: drop and count bad records / unreadable files instead of failing.
    ``tz``: time zone of formats that carry none (SBS logs of dump1090 forks); None = UTC,
    noted in the provenance as an assumption.
    ``columns``: plain-CSV mapping, track-table column -> input column name.
    ``icao24``: address for formats that carry none (FR24 CSV/KML, FlightAware KML).
    ``start_time``: wall-clock start of raw Mode-S captures without times (AVR, Beast).
    ``receiver``: (lat, lon) of the Mode-S receiver, reference for surface positions.
    ``workers``: processes reading files in parallel; None = one per CPU when there are
    several large inputs (see :func:`_plan_workers`), 1 = in this process.
    Raises :class:`~flightcheck.errors.InputError` (exit code 2) on the first bad input
    unless ``skip_bad``.
    """
    options = ReadOptions(format=format, skip_bad=skip_bad, tz=tz, columns=columns,
                          icao24=icao24, start_time=start_time, receiver=receiver,
                          max_decompressed=max_decompressed)
    tables: list[pd.DataFrame] = []
    inputs: list[InputRecord] = []
    skipped: list[tuple[str, str]] = []
    by_hash: dict[str, str] = {}
    cands = expand(paths)
    for cand, outcome in zip(cands, _read_each(cands, options, workers), strict=True):
        if isinstance(outcome, InputError):
            if not skip_bad:
                raise outcome
            skipped.append((cand.path, outcome.message if outcome.record is None
                            else f"record {outcome.record}: {outcome.message}"))
            continue
        result = outcome
        if result is None:
            skipped.append((cand.path, "not track data"))
            continue
        table, record = result
        if record.sha256 in by_hash:
            skipped.append((cand.path, f"same content as {by_hash[record.sha256]}"))
            continue
        by_hash[record.sha256] = cand.path
        tables.append(table)
        inputs.append(record)
    if not inputs and not skipped:
        raise UsageError("no input files found")
    cleaned, duplicates = track.combine(tables)
    return Tracks(cleaned, inputs, skipped, duplicates)
