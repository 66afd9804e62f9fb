"""Many small readsb trace files read as one: the blocks :func:`flightcheck.io.read.read_block`
would make of each, with the fixed per-file numpy and pandas work paid once per batch.

A ``globe_history`` day holds 50,000+ trace files of a few hundred points; read one by one,
the reader's and :func:`~flightcheck.track.blocks.table_block`'s fixed cost (~0.6 ms per file)
was ten times the cost of parsing the file. Here the points of every file of a batch are
extracted together (:func:`flightcheck.io.readsb.extract_points`) and checked together
into one :class:`~flightcheck.track.blocks.Block` of the batch, which knows each file's rows;
each file's result is a :class:`~flightcheck.track.blocks.FilePart` of it, so the arrays are
not cut per file (50,000 files: 2.6 s) nor joined back (4 s), and a pool worker sends one
set of arrays per batch.

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
from flightcheck.track.blocks import Block, FilePart, Text, table_block

BATCH_FILES = 256
"""Trace files read together (a few hundred points each: ~100,000 points a batch)."""
MAX_BYTES = readsb.SPLIT_MIN_BYTES
"""Larger documents are read on their own (piece by piece, see :mod:`readsb`)."""


def trace_blocks(datas: list[bytes], ctxs: list[ReadContext]) -> list[FilePart] | None:
    """Per trace document of ``datas`` (``ctxs``: their read contexts, which get ``records``
    and ``notes`` as the per-file read sets them), its rows of the batch's block: equal to
    :func:`flightcheck.io.read.read_block`'s block of the file alone; None when the batch is
    not clean (see the module docstring)."""
    if any(len(d) >= MAX_BYTES for d in datas):
        return None
    with gc_paused():
        docs = []
        for data, ctx in zip(datas, ctxs, strict=True):
            try:
                doc = orjson.loads(data)
                if not isinstance(doc, dict):
                    return None
                icao, timestamp = readsb.trace_header(doc, ctx)
            except (orjson.JSONDecodeError, InputError):
                return None
            docs.append((doc, icao.strip().lower(), float(timestamp)))
        try:
            return _blocks(docs, ctxs)
        finally:
            del docs


def _blocks(
    docs: list[tuple[dict[str, Any], str, float]], ctxs: list[ReadContext]
) -> list[FilePart] | None:
    counts = np.array([len(d["trace"]) for d, _, _ in docs], dtype=np.int64)
    if (counts == 0).any():
        return None
    try:
        pts = readsb.extract_points([p for d, _, _ in docs for p in d["trace"]], whole=False)
    except readsb.NotWhole:
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
    v = readsb.fix_values(pts, timestamp, dt)
    raw = readsb.point_columns(
        pts,
        v,
        np.arange(n, dtype=np.int64) - np.repeat(starts, counts) + 1,
        icao24=Text(tuple(readsb.text_value(icao) for _, icao, _ in docs), file_of),
        callsign=readsb.carry_forward_within(pts.detail_at, pts.flights, file_of, starts),
        registration=Text(tuple(readsb.text_value(d.get("r")) for d, _, _ in docs), file_of),
        typecode=Text(tuple(readsb.text_value(d.get("t")) for d, _, _ in docs), file_of),
        squawk=readsb.carry_forward_within(pts.detail_at, pts.squawks, file_of, starts),
    )
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
        readsb.note_db_flags(doc.get("dbFlags"), icao, ctx)
        ctx.records = k
    block.columns["source"] = Text(tuple(ctx.path for ctx in ctxs), file_of)
    batch = Block(n, block.columns, counts)
    return [FilePart(batch, k) for k in range(len(docs))]
