"""Many small readsb trace files read as one: the blocks :func:`flightcheck.io.read.read_block`
would make of each, with the fixed per-file numpy and pandas work paid once per batch.

A ``globe_history`` day holds 50,000+ trace files of a few hundred points; read one by one,
the reader's and :func:`~flightcheck.track.blocks.table_block`'s fixed cost (~0.6 ms per file)
was ten times the cost of parsing the file. Here the points of every file of a batch are
extracted together (:func:`flightcheck.io.readsb._extract_points`), checked together and
cut back into one :class:`~flightcheck.track.blocks.Block` per file.

Only clean batches take this path: when any file of the batch has anything a per-file read
would drop, count, refuse or read differently (a bad point, a value out of range, a column
that does not cast as a whole, a time out of order, a big document), :func:`trace_blocks`
returns None and every file of the batch is read on its own, with the exact per-file result
and error messages. So the result is the per-file one by construction.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import orjson

from flightcheck.errors import InputError
from flightcheck.io import readsb
from flightcheck.io.context import ReadContext
from flightcheck.runtime.gcpause import gc_paused
from flightcheck.track.blocks import Block, Flags, Text, table_block

BATCH_FILES = 256
"""Trace files read together (a few hundred points each: ~100,000 points a batch)."""
MAX_BYTES = readsb._SPLIT_MIN_BYTES
"""Larger documents are read on their own (piece by piece, see :mod:`readsb`)."""


def trace_blocks(datas: list[bytes], ctxs: list[ReadContext]) -> list[Block] | None:
    """One :class:`Block` per trace document of ``datas`` (``ctxs``: their read contexts,
    which get ``records`` and ``notes`` as the per-file read sets them), equal to
    :func:`flightcheck.io.read.read_block`'s; None when the batch is not clean (see the module
    docstring)."""
    if any(len(d) >= MAX_BYTES for d in datas):
        return None
    with gc_paused():
        docs = []
        for data, ctx in zip(datas, ctxs, strict=True):
            try:
                doc = orjson.loads(data)
                if not isinstance(doc, dict):
                    return None
                icao, timestamp = readsb._trace_header(doc, ctx)
            except (orjson.JSONDecodeError, InputError):
                return None
            docs.append((doc, icao.strip().lower(), float(timestamp)))
        try:
            return _blocks(docs, ctxs)
        finally:
            del docs


def _blocks(
    docs: list[tuple[dict[str, Any], str, float]], ctxs: list[ReadContext]
) -> list[Block] | None:
    counts = np.array([len(d["trace"]) for d, _, _ in docs], dtype=np.int64)
    if (counts == 0).any():
        return None
    try:
        pts = readsb._extract_points([p for d, _, _ in docs for p in d["trace"]], whole=False)
    except readsb._Whole:
        return None
    n = int(counts.sum())
    starts = np.cumsum(counts) - counts
    file_of = np.repeat(np.arange(len(docs)), counts)
    timestamp = np.array([ts for _, _, ts in docs])[file_of]
    dt, lat, lon = pts.dt, pts.lat, pts.lon
    t_s = timestamp + dt
    if (
        pts.not_list.any()
        or pts.short.any()
        or pts.bad_alt.any()
        or (np.isnan(dt) | np.isnan(lat) | np.isnan(lon)).any()
        or not ((t_s >= 0) & (t_s < readsb.MAX_UNIX_S)).all()
    ):
        return None
    # the arithmetic of readsb._trace_columns, point by point
    gs, track, flags, vrate, alt_geom, geom_rate = pts.numbers
    alt = pts.alt
    has_flags = (flags >= 0) & (flags < 2**16)
    flag_bits = np.where(has_flags, flags, 0).astype(np.int64)
    geom_flag = (flag_bits & readsb._FLAG_ALT_GEOM) != 0
    alt_geom = np.where(geom_flag & np.isnan(alt_geom), alt, alt_geom)
    alt = np.where(geom_flag, np.nan, alt)
    vrate = np.where(np.isnan(vrate), geom_rate, vrate)
    alt_geom = np.where(np.isnan(alt_geom), pts.detail_geom, alt_geom)
    unix_us = np.round(timestamp * 1e6) + np.rint(dt * 1e6)
    per_file = np.arange(len(docs))
    raw: dict[str, Any] = {
        "time": unix_us.astype(np.int64) * 1000,
        "icao24": Text(tuple(readsb._text(icao) for _, icao, _ in docs), file_of),
        "callsign": _carry_forward(pts.detail_at, pts.flights, file_of, starts),
        "registration": Text(tuple(readsb._text(d.get("r")) for d, _, _ in docs), per_file),
        "typecode": Text(tuple(readsb._text(d.get("t")) for d, _, _ in docs), per_file),
        "lat": lat,
        "lon": lon,
        "alt_ft": alt,
        "alt_geom_ft": alt_geom,
        "on_ground": Flags(pts.ground, pts.alt_unknown),
        "gs_kt": gs,
        "track_deg": track,
        "vrate_fpm": vrate,
        "squawk": _carry_forward(pts.detail_at, pts.squawks, file_of, starts),
        "position_source": Text(tuple(pts.source_pool), pts.source_codes),
        "stale": Flags((flag_bits & readsb._FLAG_STALE) != 0, ~has_flags),
        "new_leg": Flags((flag_bits & readsb._FLAG_NEW_LEG) != 0, ~has_flags),
        "row": np.arange(n, dtype=np.int64) - np.repeat(starts, counts) + 1,
    }
    for name in ("registration", "typecode"):  # one value per file, spread over its rows
        column = raw[name]
        raw[name] = Text(column.pool, file_of)
    # table_block's checks and cleaning once for the batch: anything it would drop or count
    # sends the batch back to the per-file read (which raises or counts it as usual)
    scratch = ReadContext(ctxs[0].path, dataclasses.replace(ctxs[0].options, skip_bad=True))
    block = table_block(raw, n, scratch)
    if scratch.dropped or block.n != n:
        return None
    t = block.columns["time"]
    inside = np.ones(max(n - 1, 0), dtype=bool)
    inside[starts[1:] - 1] = False
    if (t[1:][inside] < t[:-1][inside]).any():  # check_block_time_order would drop points
        return None
    for doc, icao, ctx, k in zip(
        (d for d, _, _ in docs), (i for _, i, _ in docs), ctxs, counts.tolist(), strict=True
    ):
        readsb._note_db_flags(doc.get("dbFlags"), icao, ctx)
        ctx.records = k
    return _split(block, starts, counts, ctxs)


def _carry_forward(
    where: np.ndarray, values: list[Any], file_of: np.ndarray, starts: np.ndarray
) -> Text:
    """:func:`readsb._carry_forward` of every file at once: a value is carried forward only
    within its own file."""
    n = len(file_of)
    codes, uniques = readsb._factorize(values)
    cleaned = [readsb._text(u) for u in uniques]
    usable = np.array([c is not None for c in cleaned] + [False])
    code_at = np.full(n, -1, dtype=np.int64)
    code_at[where] = np.where(usable[codes], codes, -1)
    last = np.maximum.accumulate(np.where(code_at >= 0, np.arange(n), -1)) if n else code_at
    last = np.where(last >= starts[file_of], code_at[np.maximum(last, 0)], -1)
    return Text(tuple(cleaned), last)


def _split(
    block: Block, starts: np.ndarray, counts: np.ndarray, ctxs: list[ReadContext]
) -> list[Block]:
    """One block per file, as :func:`table_block` makes it for that file alone: one-valued
    text columns as their value, the others with a pool of the file's own values."""
    n_files = len(counts)
    file_of = np.repeat(np.arange(n_files), counts)
    ends = (starts + counts).tolist()
    per_file: dict[str, list[Any]] = {}
    for name, column in block.columns.items():
        if isinstance(column, Text) and column.codes is not None:
            per_file[name] = _split_text(column, file_of, starts, counts)
    out = []
    for f, (a, b, ctx) in enumerate(zip(starts.tolist(), ends, ctxs, strict=True)):
        columns: dict[str, Any] = {}
        for name, column in block.columns.items():
            if name == "source":
                columns[name] = Text((ctx.path,))
            elif name in per_file:
                columns[name] = per_file[name][f]
            elif isinstance(column, Text):
                columns[name] = column
            elif isinstance(column, Flags):
                columns[name] = Flags(column.values[a:b], column.mask[a:b])
            else:
                columns[name] = column[a:b]
        out.append(Block(b - a, columns))
    return out


def _split_text(
    column: Text, file_of: np.ndarray, starts: np.ndarray, counts: np.ndarray
) -> list[Text]:
    """Per file, ``column``'s rows as a :class:`Text` of that file's own values (one value:
    no codes, as a per-file reader gives a file's address or registration)."""
    assert column.codes is not None
    codes = column.codes
    width = len(column.pool) + 1
    key = file_of * width + (codes + 1)
    uniq, inverse = np.unique(key, return_inverse=True)
    uniq_file = uniq // width
    first = np.searchsorted(uniq_file, np.arange(len(counts)))
    local = inverse.ravel() - first[file_of]
    missing = codes < 0
    # a file's missing rows take local code 0 when "missing" sorts first: shift the rest
    has_missing = uniq % width == 0
    local = local - has_missing[first][file_of]
    local[missing] = -1
    pool = column.pool
    values = [None if k == 0 else pool[k - 1] for k in (uniq % width).tolist()]
    bounds = np.r_[first, len(uniq)].tolist()
    out = []
    for f, (a, b) in enumerate(zip(starts.tolist(), (starts + counts).tolist(), strict=True)):
        lo, hi = bounds[f], bounds[f + 1]
        file_values = values[lo:hi]
        if has_missing[lo]:
            file_values = file_values[1:]
        if len(file_values) == 1 and not has_missing[lo]:
            out.append(Text((file_values[0],)))
        else:
            out.append(Text(tuple(file_values), local[a:b]))
    return out
