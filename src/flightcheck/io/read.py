"""``flightcheck.read``: many inputs in, one cleaned track table with provenance out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from flightcheck import io as readers_
from flightcheck.errors import InputError, UsageError
from flightcheck.io import Reader
from flightcheck.io.containers import load, load_hashed
from flightcheck.io.context import ReadContext, ReadOptions
from flightcheck.io.inputs import expand_inputs
from flightcheck.io.sources import size_of
from flightcheck.runtime import parallel
from flightcheck.runtime.pool import run_parts
from flightcheck.settings import DEFAULT, EngineSettings
from flightcheck.track.blocks import (
    Block,
    FilePart,
    Text,
    all_missing,
    block_frame,
    check_block_time_order,
    combine_blocks,
    frame_columns,
    table_block,
)
from flightcheck.track.provenance import InputRecord
from flightcheck.track.tracks import Tracks


def read_frame(
    path: str,
    options: ReadOptions,
    explicit: bool = True,
    detected: tuple[bytes, str, str, Reader] | None = None,
) -> tuple[pd.DataFrame, ReadContext, str, Reader, str] | None:
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
) -> tuple[bytes, str, str, Reader] | None:
    """(decompressed bytes, container wrappers, format, reader module) of one file; None
    when a non-explicit file is not track data."""
    got = _load_detected(path, options, explicit, hashed=False)
    return None if got is None else got[:4]


def _load_detected(
    path: str, options: ReadOptions, explicit: bool, hashed: bool = True
) -> tuple[bytes, str, str, Reader, str, int] | None:
    """:func:`load_detected` plus the SHA-256 (unless not ``hashed``: "") and size of the
    file as stored on disk (of the very bytes that were decompressed and read)."""
    if hashed:
        data, wrappers, digest, size = load_hashed(path, options.max_decompressed)
    else:
        (data, wrappers), digest, size = load(path, options.max_decompressed), "", 0
    if options.format:
        known = readers_.formats()
        if options.format not in known:
            raise UsageError(
                f"unknown format {options.format!r}; known: {', '.join(sorted(known))}"
            )
        return data, wrappers, options.format, known[options.format], digest, size
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
            f"not a recognised track format (starts with {head!r}); name the format with --format",
        )
    return data, wrappers, *found, digest, size


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
    got = _load_record(path, options, explicit)
    if got is None:
        return None
    data, fmt, module, record = got
    return _read_loaded(data, fmt, module, record, options)


def _load_record(
    path: str, options: ReadOptions, explicit: bool
) -> tuple[bytes, str, Reader, InputRecord] | None:
    """(decompressed bytes, format, reader module, record with the file's hash and size) of
    one file; None when a non-explicit file is not track data. The hash is of the bytes
    read, as stored on disk (the file is read once)."""
    got = _load_detected(path, options, explicit)  # refuses FIFOs and devices
    if got is None:
        return None
    data, wrappers, fmt, module, digest, size = got
    record = InputRecord(path=path, sha256=digest, size=size)
    record.compressed = wrappers
    return data, fmt, module, record


def _read_loaded(
    data: bytes, fmt: str, module: Reader, record: InputRecord, options: ReadOptions
) -> tuple[Block, InputRecord]:
    """The block of one loaded file (:func:`read_block` after loading)."""
    ctx = ReadContext(path=record.path, options=options)
    read_columns = getattr(module, "read_columns", None)
    columns: tuple[dict[str, Any], int] | None = (
        read_columns(data, ctx, fmt) if read_columns else None
    )
    if columns is None:
        frame = module.read(data, ctx, fmt)
        columns = frame_columns(frame, ctx), len(frame)
    del data
    raw, n = columns
    block = table_block(raw, n, ctx)
    if fmt in getattr(module, "TIME_ORDERED", ()):
        block = check_block_time_order(block, ctx)
    if options.icao24 and all_missing(block.columns["icao24"], block.n):
        block.columns["icao24"] = Text((options.icao24.lower(),))
    return block, _finish(record, ctx, fmt, module, block)


def _finish(
    record: InputRecord, ctx: ReadContext, fmt: str, module: Reader, block: Block | FilePart
) -> InputRecord:
    record.format = ctx.format or fmt
    record.reader = module.__name__
    record.records = ctx.records
    record.points = block.n
    record.dropped = ctx.dropped
    record.notes = ctx.notes
    record.presence = ctx.presence
    return record


def _processes(cands: list, workers: parallel.Workers) -> int:
    """How many processes to read ``cands`` with (:mod:`flightcheck.runtime.parallel`)."""
    return parallel.processes(
        workers,
        lambda: parallel.read_processes(len(cands), lambda: sum(size_of(c.path) for c in cands)),
    )


_READER_FAILURES = (
    MemoryError,
    RecursionError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    OverflowError,
    ArithmeticError,
)
"""What a reader raises on data it cannot cope with: with ``skip_bad``, the file is skipped."""


def _guarded(path: str, options: ReadOptions, step, *args):
    """``step(*args)`` for the file ``path``, its InputError returned instead of raised."""
    try:
        return step(*args)
    except InputError as exc:
        return exc
    except _READER_FAILURES as exc:
        if not options.skip_bad:
            return _Crash(exc)  # raised in file order (:func:`_in_order`)
        # a reader failed on this file's data: with --skip-bad it is skipped and counted
        return InputError(path, f"unreadable ({type(exc).__name__}: {str(exc)[:80]})")


class _Crash(NamedTuple):
    """A reader's unexpected failure on one file, raised when its turn comes: a batch reads
    all its files before any is looked at, and an earlier file's input error comes first."""

    error: BaseException


def _in_order(outcomes: list):
    """The outcomes of a batch, raising a :class:`_Crash` where it stands."""
    for outcome in outcomes:
        if isinstance(outcome, _Crash):
            raise outcome.error
        yield outcome


def _attempt_many(paths: list[str], options: ReadOptions, explicits: list[bool]) -> list:
    """:func:`read_block` of each file, in order, an InputError returned instead of raised
    (so order is kept; with ``skip_bad`` a reader's unexpected failure is returned as one,
    without it as a :class:`_Crash`). Small readsb trace files are read together
    (:mod:`flightcheck.io.readsb_batch`: the same blocks, a fraction of the fixed cost per
    file); the rest, and every file of a batch that is not clean, one by one. Runs in pool
    workers too: a block is plain arrays, cheap to pickle (one-valued text columns such as
    ``source`` and ``icao24`` travel as that one value)."""
    from flightcheck.io import readsb, readsb_batch

    outcomes: list = [None] * len(paths)
    loaded: dict[int, tuple[bytes, str, Reader, InputRecord]] = {}
    for i, (path, explicit) in enumerate(zip(paths, explicits, strict=True)):
        got = _guarded(path, options, _load_record, path, options, explicit)
        if isinstance(got, tuple):
            loaded[i] = got
        else:
            outcomes[i] = got
    batch = [
        i
        for i, (data, fmt, module, _) in loaded.items()
        if module is readsb and fmt == "readsb-trace" and len(data) < readsb_batch.MAX_BYTES
    ]
    if len(batch) > 1:
        ctxs = [ReadContext(path=loaded[i][3].path, options=options) for i in batch]
        try:
            blocks = readsb_batch.trace_blocks([loaded[i][0] for i in batch], ctxs)
        except (InputError, *_READER_FAILURES):  # the per-file read says what is wrong
            blocks = None
        if blocks is not None:
            for i, ctx, block in zip(batch, ctxs, blocks, strict=True):
                _, fmt, module, record = loaded.pop(i)
                outcomes[i] = block, _finish(record, ctx, fmt, module, block)
    for i, (data, fmt, module, record) in loaded.items():
        outcomes[i] = _guarded(
            record.path, options, _read_loaded, data, fmt, module, record, options
        )
    return outcomes


def _read_each(cands: list, options: ReadOptions, workers: parallel.Workers):
    """read_block's outcome for every candidate, in order, in this process or shared out
    between forked workers (:mod:`flightcheck.runtime.pool`), a batch of files per part
    (:func:`_attempt_many`)."""
    from flightcheck.io.readsb_batch import BATCH_FILES

    n = _processes(cands, workers)
    size = BATCH_FILES if n <= 1 else max(1, min(BATCH_FILES, len(cands) // (4 * n)))

    def setup() -> tuple[list[list], Callable[[list], list]]:
        groups = [cands[i : i + size] for i in range(0, len(cands), size)]
        return groups, lambda g: _attempt_many(
            [c.path for c in g], options, [c.explicit for c in g]
        )

    if n <= 1:  # one batch at a time: a batch's blocks are kept, its file bytes are not
        groups, work = setup()
        for group in groups:
            yield from _in_order(work(group))
        return
    for outcomes in run_parts(setup, n):
        yield from _in_order(outcomes)


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
    workers: parallel.Workers = 1,
    allow_future: bool = False,
    settings: EngineSettings = DEFAULT,
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
    :func:`flightcheck.track.blocks.table_block`).
    ``settings``: the thresholds that flag fixes the data refutes (:mod:`flightcheck.track.flags`).
    ``workers``: processes reading files: 1 (this one), n, or "auto" (several when there are
    several large inputs and workers can be forked: :mod:`flightcheck.runtime.parallel`).
    Raises :class:`~flightcheck.errors.InputError` (exit code 2) on the first bad input
    unless ``skip_bad``.
    """
    options = ReadOptions(
        format=format,
        skip_bad=skip_bad,
        tz=tz,
        columns=columns,
        icao24=icao24,
        start_time=start_time,
        receiver=receiver,
        max_decompressed=max_decompressed,
        allow_future=allow_future,
    )
    blocks: list[Block | FilePart] = []
    inputs: list[InputRecord] = []
    skipped: list[tuple[str, str]] = []
    by_hash: dict[str, str] = {}
    cands = expand_inputs(paths)
    for cand, outcome in zip(cands, _read_each(cands, options, workers), strict=True):
        if isinstance(outcome, InputError):
            if not skip_bad:
                raise outcome
            skipped.append(
                (
                    cand.path,
                    outcome.message
                    if outcome.record is None
                    else f"record {outcome.record}: {outcome.message}",
                )
            )
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
    _flag(cleaned, inputs, settings)
    return Tracks(cleaned, inputs, skipped, len(duplicates), duplicate_reports=duplicates)


def _flag(table: pd.DataFrame, inputs: list[InputRecord], settings: EngineSettings) -> None:
    """Fill the ``flag`` column of the combined table (:func:`flightcheck.track.flags.flag_fixes`:
    across inputs, per aircraft) and count each input's flagged fixes by reason."""
    from flightcheck.track.flags import count_by_source, flag_fixes

    flag = flag_fixes(table, settings)
    table["flag"] = flag
    counts = count_by_source(table, flag)
    for record in inputs:
        record.flagged = counts.get(record.path, Counter())
