"""``flightcheck.read``: many inputs in, one cleaned track table with provenance out."""

from __future__ import annotations

import os
from collections import Counter
from datetime import datetime
from pathlib import Path

import pandas as pd

from flightcheck import io as readers_
from flightcheck.blocks import (
    Block,
    Text,
    all_missing,
    block_frame,
    check_block_time_order,
    combine_blocks,
    frame_columns,
    table_block,
)
from flightcheck.errors import InputError, UsageError
from flightcheck.forking import fork_context, usable_cpus
from flightcheck.io.containers import load
from flightcheck.io.context import ReadContext, ReadOptions
from flightcheck.io.paths import expand
from flightcheck.provenance import InputRecord, sha256_file
from flightcheck.tracks import Tracks


def read_frame(
    path: str, options: ReadOptions, explicit: bool = True,
    detected: tuple[bytes, tuple[str, ...], str, object] | None = None,
) -> tuple[pd.DataFrame, ReadContext, str, object, tuple[str, ...]] | None:
    """The reader's own frame of one file, before :func:`track.to_track_table`: (frame, ctx,
    format, reader module, container wrappers). None when a non-explicit file is not track
    data. For callers that can skip most files cheaply (``flightcheck scan``); ``detected``:
    what :func:`load_detected` already returned for this file (it is not read again)."""
    got = detected if detected is not None else load_detected(path, options, explicit)
    if got is None:
        return None
    data, wrappers, fmt, module = got
    ctx = ReadContext(path=path, options=options)
    return module.read(data, ctx, fmt), ctx, fmt, module, wrappers


def load_detected(
    path: str, options: ReadOptions, explicit: bool
) -> tuple[bytes, tuple[str, ...], str, object] | None:
    """(decompressed bytes, container wrappers, format, reader module) of one file; None
    when a non-explicit file is not track data."""
    data, wrappers = load(path, options.max_decompressed)
    if options.format:
        known = readers_.formats()
        if options.format not in known:
            raise UsageError(
                f"unknown format {options.format!r}; known: {', '.join(sorted(known))}"
            )
        return data, wrappers, options.format, known[options.format]
    found = readers_.detect(data, Path(path).name)
    if found is None and options.columns:  # the user mapped the columns (or keys)
        fmt = "json-records" if data.lstrip()[:1] in (b"[", b"{") else "csv"
        found = (fmt, readers_.formats()[fmt])
    if found is None:
        if not explicit:
            return None
        head = data[:24].decode("utf-8", "replace").replace("\n", "\\n")
        raise InputError(
            path,
            f"not a recognised track format (starts with {head!r}); "
            "name the format with --format",
        )
    return data, wrappers, *found


def read_one(
    path: str, options: ReadOptions, explicit: bool = True
) -> tuple[pd.DataFrame, InputRecord] | None:
    """Read one file. Returns None when a non-explicit file is not track data (skipped)."""
    got = read_block(path, options, explicit)
    if got is None:
        return None
    block, record = got
    return block_frame(block), record


def read_block(
    path: str, options: ReadOptions, explicit: bool = True
) -> tuple[Block, InputRecord] | None:
    """:func:`read_one` with the table as a :class:`Block` (plain arrays): what
    :func:`read` collects, building one DataFrame for all files at the end. Readers with a
    ``read_columns`` function (readsb traces) skip their own frame too."""
    got = load_detected(path, options, explicit)  # refuses FIFOs and devices before hashing
    try:
        record = InputRecord(path=path, sha256=sha256_file(path), size=os.path.getsize(path))
    except OSError as exc:
        raise InputError(path, f"cannot read file ({exc.strerror or exc})") from None
    if got is None:
        return None
    data, record.compressed, fmt, module = got
    ctx = ReadContext(path=path, options=options)
    read_columns = getattr(module, "read_columns", None)
    columns = read_columns(data, ctx, fmt) if read_columns else None
    if columns is None:
        frame = module.read(data, ctx, fmt)
        columns = frame_columns(frame, ctx), len(frame)
    del data
    block = table_block(*columns, ctx)
    if fmt in getattr(module, "TIME_ORDERED", ()):
        block = check_block_time_order(block, ctx)
    if options.icao24 and all_missing(block.columns["icao24"], block.n):
        block.columns["icao24"] = Text((options.icao24.lower(),))
    record.format = ctx.format or fmt
    record.reader = module.__name__
    record.records = ctx.records
    record.points = block.n
    record.dropped = ctx.dropped
    record.notes = ctx.notes
    record.presence = ctx.presence
    return block, record


PARALLEL_MIN_FILES = 4
PARALLEL_MIN_BYTES = 16 << 20


def _plan_workers(cands: list, workers: int | None) -> int:
    """How many processes to read with: parallel only when it pays (several files, enough
    bytes to outweigh starting processes and sending tables back) and workers can be forked
    (:mod:`flightcheck.forking`); ``workers`` overrides."""
    if workers is not None:
        return max(1, int(workers))
    if len(cands) < PARALLEL_MIN_FILES or fork_context() is None:
        return 1
    total = sum(os.path.getsize(c.path) for c in cands)
    return min(usable_cpus(), len(cands)) if total >= PARALLEL_MIN_BYTES else 1


def _attempt(path: str, options: ReadOptions, explicit: bool):
    """read_block, with an InputError returned instead of raised (so order is kept); with
    ``skip_bad`` a reader's unexpected failure on a file's data is returned as one. Runs in
    pool workers too: a block is plain arrays, cheap to pickle (one-valued text columns such
    as ``source`` and ``icao24`` travel as that one value)."""
    try:
        return read_block(path, options, explicit)
    except InputError as exc:
        return exc
    except (MemoryError, RecursionError, ValueError, TypeError, KeyError, IndexError,
            OverflowError, ArithmeticError) as exc:
        if not options.skip_bad:
            raise
        # a reader failed on this file's data: with --skip-bad it is skipped and counted
        return InputError(path, f"unreadable ({type(exc).__name__}: {str(exc)[:80]})")


def _read_each(cands: list, options: ReadOptions, workers: int | None):
    """read_block's outcome for every candidate, in order, in-process or in a process pool."""
    n = _plan_workers(cands, workers)
    if n <= 1:
        for c in cands:
            yield _attempt(c.path, options, c.explicit)
        return
    from concurrent.futures import ProcessPoolExecutor

    # a few files per task: fewer round trips, still balanced between the workers
    chunk = max(1, min(16, len(cands) // (32 * n)))
    with ProcessPoolExecutor(n, mp_context=fork_context()) as pool:
        yield from pool.map(_attempt, [c.path for c in cands], [options] * len(cands),
                            [c.explicit for c in cands], chunksize=chunk)


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
    allow_future: bool = False,
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
    ``allow_future``: accept fix times later than now plus one day (see
    :func:`flightcheck.blocks.table_block`).
    ``workers``: processes reading files in parallel; None = one per CPU when there are
    several large inputs on Linux (see :func:`_plan_workers`), 1 = in this process.
    Raises :class:`~flightcheck.errors.InputError` (exit code 2) on the first bad input
    unless ``skip_bad``.
    """
    options = ReadOptions(format=format, skip_bad=skip_bad, tz=tz, columns=columns,
                          icao24=icao24, start_time=start_time, receiver=receiver,
                          max_decompressed=max_decompressed, allow_future=allow_future)
    blocks: list[Block] = []
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
        block, record = result
        if record.sha256 in by_hash:
            skipped.append((cand.path, f"same content as {by_hash[record.sha256]}"))
            continue
        by_hash[record.sha256] = cand.path
        blocks.append(block)
        inputs.append(record)
    if not inputs and not skipped:
        raise UsageError("no input files found")
    cleaned, duplicates = combine_blocks(blocks)
    _flag(cleaned, inputs)
    return Tracks(cleaned, inputs, skipped, len(duplicates), duplicate_reports=duplicates)


def _flag(table: pd.DataFrame, inputs: list[InputRecord]) -> None:
    """Fill the ``flag`` column of the combined table (:func:`flightcheck.flags.flag_fixes`:
    across inputs, per aircraft) and count each input's flagged fixes by reason."""
    from flightcheck.flags import count_by_source, flag_fixes

    flag = flag_fixes(table)
    table["flag"] = flag
    counts = count_by_source(table, flag)
    for record in inputs:
        record.flagged = counts.get(record.path, Counter())
