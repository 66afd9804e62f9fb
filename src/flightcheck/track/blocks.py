"""A track table as plain arrays (:class:`Block`), one per input file, and the one DataFrame
built from many of them.

A pandas DataFrame per input file costs milliseconds of fixed work, and archives hold tens
of thousands of small files. So readers that can (readsb) hand over typed columns, which are
validated here with exactly the checks and messages of
:func:`flightcheck.track.table.to_track_table` (:func:`table_block`), travel back from pool
workers as arrays, and become one DataFrame for all inputs at the end (:func:`combine_blocks`,
equal to ``track.clean`` of all the per-file tables). Text columns stay as a few distinct
values plus a code per row until then.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.arrays import ArrowStringArray

from flightcheck.runtime.compat import boolean_parts, utc_datetimes
from flightcheck.track.table import (
    _STR,
    DUPLICATE_COLUMNS,
    MEASUREMENT_COLUMNS,
    POSITION_SOURCES,
    REQUIRED,
    SCHEMA,
    VALUE_RANGES,
    RecordLog,
    _arrow_text,
    _bool_array,
    _clean_arrow,
    _keep_in_time_order,
    _repeat_arrow,
    as_time,
    clean,
    duplicate_rows,
    empty,
    float_array,
    time_bounds_ns,
)

# ------------------------------------------------------------------- tables as plain arrays
# One input file becomes a Block (numpy arrays, arrow strings, a few distinct text values);
# the DataFrame is built once for all inputs (:func:`combine_blocks`): a DataFrame per file
# costs milliseconds, and archives hold tens of thousands of small files.

_NAT = np.iinfo("int64").min


class Text(NamedTuple):
    """A text column as its few distinct values and a code per row: ``pool`` (str or None
    values) and ``codes`` (int64 positions in ``pool``, -1 = missing), or ``codes`` None
    when every row holds ``pool[0]`` (one address, registration, source... per file)."""

    pool: tuple[str | None, ...]
    codes: np.ndarray | None = None


class TextRuns(NamedTuple):
    """A long text column as runs: ``lengths[i]`` (> 0) rows of ``pool[codes[i]]`` (-1:
    missing); what :func:`concat_blocks` makes of one value per file."""

    pool: tuple[str | None, ...]
    codes: np.ndarray
    lengths: np.ndarray


class Flags(NamedTuple):
    """A nullable boolean column: ``values`` and ``mask`` (True = missing), numpy bool."""

    values: np.ndarray
    mask: np.ndarray


@dataclass
class Block:
    """A track table as plain arrays, one entry per :data:`SCHEMA` column: ``time`` int64
    ns since the epoch (NaT = int64 min), float64 and int64 numpy arrays, :class:`Flags`
    for boolean columns, :class:`Text` or an arrow large_string array for text columns.
    ``files``: rows of each input file, in order, when the block holds several (a batch of
    trace files read together, :mod:`flightcheck.io.readsb_batch`); None: one file."""

    n: int
    columns: dict[str, Any]
    files: np.ndarray | None = None

    def file_rows(self) -> np.ndarray:
        """Rows of each input file of this block (int64)."""
        return np.array([self.n], dtype=np.int64) if self.files is None else self.files

    def take(self, rows: np.ndarray) -> Block:
        """The rows ``rows`` (a boolean mask, or positions in a block of one file)."""
        columns = {c: _take(v, rows) for c, v in self.columns.items()}
        if rows.dtype != bool:
            if self.files is not None:
                raise ValueError("positions would mix the files of a batch; take a mask")
            return Block(len(rows), columns)
        kept = np.r_[0, np.cumsum(rows, dtype=np.int64)]
        ends = np.cumsum(self.file_rows())
        files = None if self.files is None else kept[ends] - kept[ends - self.files]
        return Block(int(kept[-1]), columns, files)


class FilePart(NamedTuple):
    """Input file ``file`` of a batch ``block`` (its rows: ``block.files[file]``): what
    :func:`flightcheck.io.read.read` collects for a file read in a batch, so the batch's
    arrays are neither cut per file nor copied back together (:func:`combine_blocks`)."""

    block: Block
    file: int

    @property
    def n(self) -> int:
        assert self.block.files is not None
        return int(self.block.files[self.file])


def _take(column: Any, rows: np.ndarray) -> Any:
    if isinstance(column, TextRuns):
        if rows.dtype != bool:
            return Text(column.pool, np.repeat(column.codes, column.lengths)[rows])
        if not len(column.lengths):
            return column
        starts = np.cumsum(column.lengths) - column.lengths
        kept = np.add.reduceat(rows.astype(np.int64), starts)
        return TextRuns(column.pool, column.codes[kept > 0], kept[kept > 0])
    if isinstance(column, Text):
        return column if column.codes is None else Text(column.pool, column.codes[rows])
    if isinstance(column, Flags):
        return Flags(column.values[rows], column.mask[rows])
    if isinstance(column, (pa.Array, pa.ChunkedArray)):
        return column.filter(rows) if rows.dtype == bool else column.take(rows)
    return column[rows]


def text_arrow(
    column: Text | TextRuns | pa.Array | pa.ChunkedArray, n: int
) -> pa.Array | pa.ChunkedArray:
    """A block's text column as arrow large_string of ``n`` rows."""
    if isinstance(column, TextRuns):
        return _arrow_of_runs(column.pool, column.codes, column.lengths)
    if not isinstance(column, Text):
        return column
    if column.codes is None:
        return _repeat_arrow(column.pool[0], n)
    codes = column.codes
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if n else codes
    if len(starts) <= _MAX_RUNS + n // 64:
        return _arrow_of_runs(column.pool, codes[starts], np.diff(np.r_[starts, n]))
    return _decode(column.pool, codes)


_MAX_RUNS = 1 << 16
"""Runs of equal codes up to which :func:`text_arrow` copies runs instead of decoding codes
per row (one value per file: 8x faster on millions of rows)."""


def _arrow_of_runs(
    pool: tuple[str | None, ...], codes: np.ndarray, lengths: np.ndarray
) -> pa.Array:
    """Arrow large_string of ``lengths[i]`` copies of ``pool[codes[i]]`` (-1: missing),
    built from buffers: the offsets and the bytes of a run are each one slice assignment;
    many short runs (one value per file of an archive) are decoded by arrow."""
    if len(codes) > _MANY_RUNS and int(lengths.max()) <= _STEPS:
        return _decode(pool, np.repeat(codes, lengths))
    encoded = [None if v is None else v.encode() for v in pool]
    size = np.array([0 if e is None else len(e) for e in encoded] + [0], dtype=np.int64)
    null = np.array([e is None for e in encoded] + [True])
    n = int(lengths.sum())
    run_null = null[codes]
    if run_null.all():
        return pa.nulls(n, pa.large_string())
    offsets, data = _few_runs(encoded, codes, lengths, size[codes])
    nulls = 0
    validity = None
    if run_null.any():
        missing = np.repeat(run_null, lengths)
        nulls = int(missing.sum())
        validity = pa.py_buffer(np.packbits(~missing, bitorder="little"))
    return pa.LargeStringArray.from_buffers(
        n, pa.py_buffer(offsets), pa.py_buffer(data), validity, nulls
    )


def _decode(pool: tuple[str | None, ...], codes: np.ndarray) -> pa.Array:
    """Arrow large_string of ``pool[codes[i]]`` per row (-1: missing): a dictionary array
    cast to plain strings, so arrow copies the bytes (10M rows of 50,000 file paths: 2x
    faster than joining Python bytes per run, 7x for short values; 2x faster than a take)."""
    index_type = pa.int32() if len(pool) < 2**31 else pa.int64()
    indices = pa.array(codes, mask=codes < 0, type=index_type)
    words = pa.DictionaryArray.from_arrays(indices, pa.array(pool, pa.large_string()))
    return words.cast(pa.large_string())


_STEPS = 1 << 16
"""Rows of a run whose offsets :func:`_arrow_of_runs` writes at a time."""
_MANY_RUNS = 256
"""More runs than this (one value per file of an archive) are decoded by arrow."""


def _few_runs(
    encoded: list[bytes | None], codes: np.ndarray, lengths: np.ndarray, run_size: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, bytes) of the runs, a run at a time: no temporary the size of a long run."""
    n = int(lengths.sum())
    byte_end = np.cumsum(run_size * lengths)
    row_end = np.cumsum(lengths)
    offsets = np.empty(n + 1, dtype=np.int64)
    offsets[n] = byte_end[-1]
    data = np.empty(int(byte_end[-1]), dtype=np.uint8)
    steps = np.arange(min(int(lengths.max()), _STEPS), dtype=np.int64)
    for c, end, k, last, z in zip(
        codes.tolist(),
        row_end.tolist(),
        lengths.tolist(),
        byte_end.tolist(),
        run_size.tolist(),
        strict=True,
    ):
        first = last - k * z
        for at in range(end - k, end, _STEPS):  # once, unless the run is very long
            run = offsets[at : min(at + _STEPS, end)]
            np.multiply(steps[: len(run)], z, out=run)
            run += first + (at - end + k) * z
        if z:
            _fill_repeated(data[first:last], encoded[c])
    return offsets, data


def _fill_repeated(dest: np.ndarray, raw: bytes) -> None:
    """``dest`` (uint8) filled with copies of ``raw``: ``bytes * k`` for small runs, else
    doubling inside ``dest`` (no temporary the size of the run: fresh pages are slow)."""
    if len(dest) <= 1 << 20:
        dest[:] = np.frombuffer(raw * (len(dest) // len(raw)), dtype=np.uint8)
        return
    dest[: len(raw)] = np.frombuffer(raw, dtype=np.uint8)
    filled = len(raw)
    while filled < len(dest):
        step = min(filled, len(dest) - filled)
        dest[filled : filled + step] = dest[:step]
        filled += step


def _pool_mask(column: Text, n: int, test, missing: bool) -> np.ndarray:
    """``test(value)`` for every row of a :class:`Text` (``missing`` where code is -1)."""
    per_value = np.array([bool(test(v)) for v in column.pool] + [missing])
    return np.full(n, per_value[0]) if column.codes is None else per_value[column.codes]


def all_missing(column: Text | pa.Array, n: int) -> bool:
    """True when every row of a block's text column is missing (or there are none)."""
    return bool(_is_null(column, n).all())


def _is_null(column: Text | pa.Array, n: int) -> np.ndarray:
    if isinstance(column, Text):
        return _pool_mask(column, n, lambda v: v is None, True)
    return np.asarray(column.is_null())


def _clean_pool(pool: tuple[str | None, ...], lower: bool) -> tuple[str | None, ...]:
    """:func:`clean_text` (and ``utf8_lower``) of a few distinct values. Values that
    neither start nor end with whitespace need no trim (ASCII: ``str.lower`` is arrow's)."""
    if all(
        v is None or (v.isascii() and "!" <= v[:1] <= "~" and "!" <= v[-1] <= "~") for v in pool
    ):
        return tuple(v if v is None else v.lower() for v in pool) if lower else pool
    return _clean_pool_arrow(pool, lower)


@functools.lru_cache(maxsize=1 << 12)
def _clean_pool_arrow(pool: tuple[str | None, ...], lower: bool) -> tuple[str | None, ...]:
    cleaned = _clean_arrow(pa.array(pool, pa.large_string()))
    return tuple((pc.utf8_lower(cleaned) if lower else cleaned).to_pylist())


def _clean_column(column: Text | pa.Array, lower: bool = False) -> Text | pa.Array:
    if isinstance(column, Text):
        return Text(_clean_pool(column.pool, lower), column.codes)
    cleaned = _clean_arrow(column)
    return pc.utf8_lower(cleaned) if lower else cleaned


def _missing(dtype: str, n: int) -> Any:
    if dtype == "float64":
        return np.full(n, np.nan)
    if dtype == "boolean":
        return Flags(np.zeros(n, dtype=bool), np.ones(n, dtype=bool))
    if dtype == "int64":
        return np.zeros(n, dtype="int64")
    return Text((None,))


def frame_columns(frame: pd.DataFrame, ctx: RecordLog) -> dict[str, Any]:
    """A reader's frame as the raw columns :func:`table_block` takes (see there)."""
    for col in (*REQUIRED, "row"):
        if col not in frame.columns:
            raise ctx.fail(f"reader produced no {col!r} column (internal error, please report)")
    raw: dict[str, Any] = {}
    for col, dtype in SCHEMA.items():
        if col in ("source", "flag") or col not in frame.columns:
            continue  # set by flightcheck.read, never by a reader's data
        values = frame[col]
        if col == "time":
            try:
                raw[col] = as_time(values).asi8
            except (ValueError, TypeError, OverflowError) as exc:
                raise ctx.fail(f"unreadable time values ({exc})") from None
        elif dtype == "str":
            raw[col] = _arrow_text(values)
        elif dtype == "boolean":
            arr = _bool_array(values)
            raw[col] = Flags(*boolean_parts(arr))
        elif dtype == "int64":
            raw[col] = values.to_numpy(dtype="int64")
        else:
            raw[col] = float_array(values)
    return raw


def table_block(raw: dict[str, Any], n: int, ctx: RecordLog) -> Block:
    """Validate a reader's columns and return them as a :class:`Block` of the track table.

    ``raw``: ``n`` rows of ``time`` (int64 ns, NaT = int64 min), ``icao24``, ``lat``,
    ``lon``, ``row`` and any other schema columns (text as :class:`Text` or arrow strings,
    not yet cleaned; booleans as :class:`Flags`). The checks of :func:`to_track_table`.
    """
    out: dict[str, Any] = {}
    rows = raw["row"]
    for col, dtype in SCHEMA.items():
        if col == "source":
            out[col] = Text((ctx.path,))
        elif col in raw:
            out[col] = _clean_column(raw[col], col == "icao24") if dtype == "str" else raw[col]
        elif col == "kind":
            out[col] = Text(("aircraft",))
        else:
            out[col] = _missing(dtype, n)
    if "position_source" in raw:
        _position_flags(out, raw, n)
    keep = check_fixes(out, n, rows, ctx)
    block = Block(n, out)
    return block if keep.all() else block.take(keep)


def check_fixes(columns: Mapping[str, Any], n: int, rows: np.ndarray, ctx: RecordLog) -> np.ndarray:
    """The track table's rules for the ``n`` fixes of one input: the mask of those it keeps.

    The one place these rules are written: :func:`table_block` (every reader) and the scan's
    quick paths (:mod:`flightcheck.scan`) both call it. In order: no position (NaN lat or
    lon) is dropped and counted; then latitude outside [-90, 90], longitude outside
    [-180, 180], a missing time, a time outside :func:`time_bounds_ns`, a measurement
    outside :data:`VALUE_RANGES` and a missing address are bad records (``ctx`` raises on
    the first in strict mode, else counts them).

    ``columns``: ``time`` (int64 ns, NaT = int64 min), ``lat`` and ``lon`` (float64
    degrees), ``icao24`` (:class:`Text` or arrow strings, cleaned) and any measurement
    columns of :data:`VALUE_RANGES` (float64; absent ones are not checked). ``rows``: the
    record numbers that bad records are reported under.
    """
    lat = columns["lat"]
    lon = columns["lon"]
    no_pos = np.isnan(lat) | np.isnan(lon)
    if no_pos.any():
        ctx.drop("no position", int(no_pos.sum()))
    keep = ~no_pos
    with np.errstate(invalid="ignore"):
        bad_lat = keep & ~((lat >= -90) & (lat <= 90))
        keep &= ctx.drop_bad(bad_lat, rows, "latitude out of range [-90, 90]")
        bad_lon = keep & ~((lon >= -180) & (lon <= 180))
        keep &= ctx.drop_bad(bad_lon, rows, "longitude out of range [-180, 180]")
    bad_time = keep & (columns["time"] == _NAT)
    keep &= ctx.drop_bad(bad_time, rows, "missing or unreadable time")
    _check_ranges(columns, rows, keep, ctx)
    bad_hex = keep & _is_null(columns["icao24"], n)
    keep &= ctx.drop_bad(bad_hex, rows, "missing aircraft address")
    return keep


def _check_ranges(
    out: Mapping[str, Any], rows: np.ndarray, keep: np.ndarray, ctx: RecordLog
) -> None:
    """Times outside 1970 .. now + 1 day and measurements outside :data:`VALUE_RANGES` are
    bad records (``keep`` is narrowed in place): the one place every reader's values pass."""
    lo, hi = time_bounds_ns(ctx.options.allow_future)
    t = out["time"]
    bad = keep & ((t < lo) | (t > hi))
    keep &= ctx.drop_bad(
        bad, rows, "time before 1970 or after now + 1 day (--allow-future accepts later times)"
    )
    for col, (low, high) in VALUE_RANGES.items():
        values = out.get(col)
        if not isinstance(values, np.ndarray) or values.dtype.kind != "f":
            continue
        if not (np.fmin.reduce(values, initial=np.inf) < low) and not (
            np.fmax.reduce(values, initial=-np.inf) > high
        ):
            continue  # all within (fmin/fmax skip NaN, missing: allowed): one pass each
        bad = keep & ((values < low) | (values > high))  # NaN (missing) compares False
        keep &= ctx.drop_bad(bad, rows, f"{col} outside [{low:g}, {high:g}]")


def _position_flags(out: dict[str, Any], raw: dict[str, Any], n: int) -> None:
    """Unknown ``position_source`` values -> "other"; ``mlat``/``tisb`` from it when the
    reader gave none (missing where the source is unknown)."""
    ps = out["position_source"]
    if isinstance(ps, Text):
        pool = tuple(v if v is None or v in POSITION_SOURCES else "other" for v in ps.pool)
        out["position_source"] = ps = Text(pool, ps.codes)
        unknown = _pool_mask(ps, n, lambda v: v is None or v == "unknown", True)
        for flag in ("mlat", "tisb"):
            if flag not in raw:
                value = _pool_mask(ps, n, lambda v, f=flag: v == f, False) & ~unknown
                out[flag] = Flags(value, unknown.copy())
        return
    known = pc.or_kleene(pc.is_null(ps), pc.is_in(ps, pa.array(POSITION_SOURCES)))
    if not pc.all(known).as_py():
        ps = pc.if_else(known, ps, pa.scalar("other", ps.type))
        out["position_source"] = ps
    unknown = np.asarray(pc.or_kleene(pc.is_null(ps), pc.equal(ps, "unknown")))
    for flag in ("mlat", "tisb"):
        if flag not in raw:
            value = np.asarray(pc.fill_null(pc.equal(ps, flag), False)) & ~unknown
            out[flag] = Flags(value, unknown.copy())


def block_frame(block: Block, columns: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The track table (exact :data:`SCHEMA` dtypes) of a :class:`Block`; only ``columns``
    when given."""
    n = block.n
    out: dict[str, Any] = {}
    for col in columns or SCHEMA:
        dtype = SCHEMA[col]
        value = block.columns[col]
        if col == "time":
            out[col] = utc_datetimes(value)
        elif dtype == "str":
            out[col] = ArrowStringArray(text_arrow(value, n), dtype=_STR)
        elif dtype == "boolean":
            out[col] = pd.arrays.BooleanArray(value.values, value.mask)
        else:
            out[col] = value
    return pd.DataFrame(out, index=pd.RangeIndex(n), copy=False)


def concat_blocks(blocks: list[Block]) -> Block:
    """One :class:`Block` of ``blocks`` one after the other (at least one block), with the
    rows of every input file (``files``)."""
    files = np.concatenate([b.file_rows() for b in blocks])
    if len(blocks) == 1:  # no copy
        return Block(blocks[0].n, dict(blocks[0].columns), files)
    lengths = [b.n for b in blocks]
    out: dict[str, Any] = {}
    for col, dtype in SCHEMA.items():
        parts = [b.columns[col] for b in blocks]
        if dtype == "str":
            out[col] = _concat_text(parts, lengths)
        elif dtype == "boolean":
            out[col] = Flags(
                np.concatenate([p.values for p in parts]), np.concatenate([p.mask for p in parts])
            )
        else:
            out[col] = np.concatenate(parts)
    return Block(sum(lengths), out, files)


def _concat_text(parts: list[Any], lengths: list[int]) -> Text | TextRuns | pa.Array:
    """Text columns one after the other: runs of codes into one pool of distinct values
    when the runs are few (one value per file), else codes; arrow strings when a part is
    arrow strings."""
    if not all(isinstance(p, Text) for p in parts):
        arrays = [text_arrow(p, n) for p, n in zip(parts, lengths, strict=True)]
        return pa.chunked_array(
            [c for a in arrays for c in (a.chunks if isinstance(a, pa.ChunkedArray) else [a])],
            pa.large_string(),
        )
    index: dict[str | None, int] = {}
    remaps = [
        np.array([index.setdefault(v, len(index)) for v in p.pool] + [-1], dtype=np.int64)
        for p in parts
    ]
    counts = np.array(lengths, dtype=np.int64)
    if all(p.codes is None for p in parts):
        codes = np.array([r[0] for r in remaps], dtype=np.int64)
        codes, counts = codes[counts > 0], counts[counts > 0]
    else:
        zeros = np.zeros(max(lengths, default=0), dtype=np.int64)
        rows = np.concatenate(
            [
                r[zeros[:n] if p.codes is None else p.codes]
                for p, r, n in zip(parts, remaps, lengths, strict=True)
            ]
        )
        codes, counts = rows, np.ones(len(rows), dtype=np.int64)
        if len(rows):
            starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
            codes, counts = rows[starts], np.diff(np.r_[starts, len(rows)])
    if len(codes):  # merge runs of one value
        starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
        codes, counts = codes[starts], np.add.reduceat(counts, starts)
    pool = tuple(index)
    if len(codes) > _MAX_RUNS + int(counts.sum()) // 64:
        return Text(pool, np.repeat(codes, counts))
    return TextRuns(pool, codes, counts)


def check_block_time_order(block: Block, ctx: RecordLog) -> Block:
    """:func:`check_time_order` of a :class:`Block`."""
    if block.n < 2:
        return block
    t = block.columns["time"]
    if (t[1:] >= t[:-1]).all():
        return block
    icao = block.columns["icao24"]
    single = isinstance(icao, Text) and icao.codes is None
    codes = None
    if not single:
        codes, uniques = pd.factorize(
            pd.Series(ArrowStringArray(text_arrow(icao, block.n), dtype=_STR))
        )
        codes = None if len(uniques) == 1 else codes
    keep = _keep_in_time_order(t, codes, block.columns["row"], ctx)
    return block if keep.all() else block.take(keep)


def combine_blocks(
    blocks: list[Block | FilePart],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``track.clean`` of the per-input :class:`Block` s and :class:`FilePart` s (in input
    order) one after the other, with one DataFrame built for all of them. When each input
    file holds one aircraft from one source, already in (time, row) order, and the files do
    not interleave in time (trace files, one per aircraft and day), their rows are gathered
    in sorted order instead of sorting millions of rows, and duplicates and callsigns are
    handled per file. Returns the table and the removed duplicates (``track.clean``'s)."""
    if not blocks:
        return clean(empty())
    table = concat_blocks(_whole_batches(blocks))
    plan = _file_order(table)
    if plan is None:
        return clean(block_frame(table))
    return _clean_sorted_files(table, *plan)


def _whole_batches(items: list[Block | FilePart]) -> list[Block]:
    """``items`` as blocks: consecutive parts of one batch become the batch itself (or the
    rows of those of its files that are there: a file left out as a duplicate input)."""
    out: list[Block] = []
    at = 0
    while at < len(items):
        item = items[at]
        at += 1
        if isinstance(item, Block):
            out.append(item)
            continue
        batch, indices = item.block, [item.file]
        while at < len(items):
            nxt = items[at]
            if not isinstance(nxt, FilePart) or nxt.block is not batch:
                break
            indices.append(nxt.file)
            at += 1
        files = batch.file_rows()
        if indices == list(range(len(files))):
            out.append(batch)
            continue
        chosen = np.zeros(len(files), dtype=bool)
        chosen[indices] = True
        part = batch.take(np.repeat(chosen, files))
        out.append(Block(part.n, part.columns, files[chosen]))
    return out


def _file_order(
    table: Block,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """When the rows of each input file of ``table`` are one contiguous run of the order
    ``track.clean`` sorts rows in (see :func:`combine_blocks`): (files in that order, the
    rows and first row of each non-empty file, each file's aircraft as a rank in sorted
    address order); None when rows interleave, or a file has several or no addresses or
    sources, or two files share a source."""
    lengths = table.file_rows()
    lengths = lengths[lengths > 0]
    n = table.n
    if not n:
        return None
    starts = np.cumsum(lengths) - lengths
    t = table.columns["time"]
    rows = table.columns["row"]
    ordered = (t[1:] > t[:-1]) | ((t[1:] == t[:-1]) & (rows[1:] >= rows[:-1]))
    ordered[starts[1:] - 1] = True  # a file may start before the one before it ends
    if not ordered.all():
        return None
    icao = _file_ranks(table.columns["icao24"], n, starts)
    source = _file_ranks(table.columns["source"], n, starts)
    if icao is None or source is None or len(np.unique(source)) < len(source):
        return None
    first, last = t[starts], t[starts + lengths - 1]
    index = np.arange(len(lengths))
    order = np.lexsort((index, first, icao))
    same = icao[order][1:] == icao[order][:-1]
    before, after = order[:-1], order[1:]
    touching = (last[before] == first[after]) & (index[before] > index[after])
    if (same & ((last[before] > first[after]) | touching)).any():
        return None  # two files of one aircraft overlap in time
    return order, lengths, starts, icao


def _file_ranks(column: Any, n: int, starts: np.ndarray) -> np.ndarray | None:
    """Per input file (first rows ``starts``), the rank of its one value of the text
    ``column`` among the column's distinct values in sorted order; None when a file holds
    several values or a missing one."""
    if isinstance(column, Text) and column.codes is None:
        return None if column.pool[0] is None else np.zeros(len(starts), dtype=np.int64)
    if isinstance(column, TextRuns):
        codes, pool = np.repeat(column.codes, column.lengths), column.pool
    elif isinstance(column, Text):
        assert column.codes is not None
        codes, pool = column.codes, column.pool
    else:
        encoded = pa.chunked_array([column] if isinstance(column, pa.Array) else column.chunks)
        encoded = encoded.combine_chunks().dictionary_encode()
        codes = np.asarray(encoded.indices.fill_null(-1), dtype=np.int64)
        pool = tuple(encoded.dictionary.to_pylist())
    ranks: dict[str | None, int] = {
        v: k for k, v in enumerate(sorted({v for v in pool if v is not None}))
    }
    rank_of = np.array([ranks.get(v, -1) for v in pool] + [-1], dtype=np.int64)
    row_rank = rank_of[codes]
    per_file = row_rank[starts]
    lengths = np.diff(np.r_[starts, n])
    single = np.logical_and.reduceat(row_rank == np.repeat(per_file, lengths), starts)
    return per_file if (single & (per_file >= 0)).all() else None


def _clean_sorted_files(
    table: Block, order: np.ndarray, lengths: np.ndarray, starts: np.ndarray, icao: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``track.clean`` of ``table`` whose input files, taken in ``order``, are in sorted
    order (see :func:`_file_order`): the rows are gathered file by file, not sorted, in one
    pass over each column (with the duplicates left out), and a text column holding one
    value per file is reordered as runs, not rows."""
    sizes = lengths[order]
    positions = np.repeat(starts[order] - (np.cumsum(sizes) - sizes), sizes)
    positions += np.arange(table.n)
    columns = table.columns
    t = columns["time"][positions]
    # rows of one file share the aircraft; at a file boundary compare the files'
    hex_of_file = icao[order]
    same = t[1:] == t[:-1]
    boundary = np.cumsum(sizes)[:-1] - 1
    same[boundary] &= hex_of_file[1:] == hex_of_file[:-1]

    def rows_of(at: np.ndarray, names: tuple[str, ...]) -> pd.DataFrame:
        picked = positions[at]
        return block_frame(Block(len(at), {c: _take(columns[c], picked) for c in names}), names)

    drop = duplicate_rows(same, lambda idx: rows_of(idx, MEASUREMENT_COLUMNS))
    removed = rows_of(drop, DUPLICATE_COLUMNS)
    keep = None
    if len(drop):
        keep = np.ones(table.n, dtype=bool)
        keep[drop] = False
        sizes = np.add.reduceat(keep.astype(np.int64), np.cumsum(sizes) - sizes)
        sizes = sizes[sizes > 0]
        positions = positions[keep]
    out = Block(len(positions), {})
    for name in list(columns):
        column = columns.pop(name)  # each column freed as soon as it is gathered
        runs = _file_runs(column, starts, order, lengths) if isinstance(column, TextRuns) else None
        if runs is None:
            out.columns[name] = _take(column, positions)
        else:
            out.columns[name] = runs if keep is None else _take(runs, keep)
    _carry_callsigns(out, np.cumsum(sizes) - sizes)
    return block_frame(out), removed


def _file_runs(
    column: TextRuns, starts: np.ndarray, order: np.ndarray, lengths: np.ndarray
) -> TextRuns | None:
    """``column`` with its files in ``order`` when it holds one value per file (its runs
    start only where files start: address, registration, source, ...), else None."""
    run_starts = np.cumsum(column.lengths) - column.lengths
    if not np.isin(run_starts, starts).all():
        return None
    file_codes = column.codes[np.searchsorted(run_starts, starts, side="right") - 1][order]
    file_sizes = lengths[order]
    first = np.flatnonzero(np.r_[True, file_codes[1:] != file_codes[:-1]])
    return TextRuns(column.pool, file_codes[first], np.add.reduceat(file_sizes, first))


def _carry_callsigns(table: Block, file_starts: np.ndarray) -> None:
    """Missing callsigns filled forward, then backward, within each input file (first rows
    ``file_starts``), as ``track.clean`` does per aircraft and source: on the codes of a
    :class:`Text` column, else on arrow strings."""
    column = table.columns["callsign"]
    if isinstance(column, Text) and column.codes is None:
        return  # one value (or none) for every row: nothing to fill
    if isinstance(column, (Text, TextRuns)):
        codes = (
            column.codes if isinstance(column, Text) else np.repeat(column.codes, column.lengths)
        )
        assert codes is not None
        usable = np.array([v is not None for v in column.pool] + [False])
        missing = ~usable[codes]
        if missing.any() and not missing.all():
            src = _fill_sources(missing, file_starts)
            table.columns["callsign"] = Text(column.pool, np.where(src < 0, -1, codes[src]))
        return
    callsign = text_arrow(column, table.n)
    missing = np.asarray(callsign.is_null())
    if missing.any() and not missing.all():
        src = _fill_sources(missing, file_starts)
        table.columns["callsign"] = callsign.take(pa.array(src, mask=src < 0, type=pa.int64()))


def _fill_sources(missing: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The row each row takes its callsign from when missing ones are filled forward, then
    backward, within runs (-1: none); ``starts``: first row of each run."""
    n = len(missing)
    idx = np.arange(n)
    ends = np.r_[starts[1:], n]
    run_len = ends - starts
    start_of = np.repeat(starts, run_len)
    end_of = np.repeat(ends, run_len)
    prev = np.maximum.accumulate(np.where(missing, -1, idx))
    nxt = np.minimum.accumulate(np.where(missing, n, idx)[::-1])[::-1]
    return np.where(
        ~missing, idx, np.where(prev >= start_of, prev, np.where(nxt < end_of, nxt, -1))
    )
