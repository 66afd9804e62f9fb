"""Phase-1 shortcut for readsb trace files of aircraft that never come near the airports.

A day of global history is ~50,000 ``trace_full_<hex>.json`` files, and almost all of them
belong to aircraft far from the airports asked for. Of those files phase 1 needs only the
fix times (for the spans and the point count) and the answer "no fix near an airport". This
module gets both from the reader's fixes (:func:`flightcheck.io.readsb.read_fixes`: its plain
columns without the text ones), skipping the reader's frame and the track table.

It is exact by construction, and writes no rule of its own: it answers only for a *clean*
file, one in which the full path (:func:`flightcheck.io.readsb.read`,
:func:`flightcheck.track.table.to_track_table`, :func:`flightcheck.track.table.check_time_order`)
keeps every point unchanged. It runs the same checks, in strict mode: the reader's own
(:func:`~flightcheck.io.readsb.read_fixes`), the track table's
(:func:`flightcheck.track.blocks.check_fixes`) and the time order
(:func:`flightcheck.track.blocks.check_block_time_order`); a file any of them would report,
or that loses a point, returns None, and the caller reads it the full way, which reports
the same errors and drops as before. It also asks for a plain 6-hex address. The near test
sees the track table's lat/lon/``alt_ft`` (barometric altitude unknown where the flags say
the altitude is geometric).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from flightcheck.errors import InputError
from flightcheck.io import readsb
from flightcheck.io.context import ReadContext, ReadOptions
from flightcheck.scan.prefilter import Airports, near_points
from flightcheck.track.blocks import Block, check_block_time_order, check_fixes

TRACE_NAME = re.compile(r"trace_(?:full|recent)_")
"""File names worth trying the shortcut on (content still decides)."""

_HEX = re.compile(r"~?[0-9a-f]{6}")


@dataclass(frozen=True)
class QuickTrace:
    """A clean trace file: its address, fix times (int64 ns since the Unix epoch, in file
    order) and whether any fix is near a requested airport (see :func:`near_points`)."""

    icao24: str
    t_ns: np.ndarray
    near: bool


def quick_trace(
    data: bytes, airports: Airports, radius_km: float, options: ReadOptions | None = None
) -> QuickTrace | None:
    """The shortcut's answer for one decompressed trace document, None when it is not clean.
    ``options``: the scan's reading options (their ``allow_future`` applies; bad records are
    never skipped here, they make the file unclean)."""
    ctx = ReadContext(path="", options=replace(options or ReadOptions(), skip_bad=False))
    try:
        columns, n = readsb.read_fixes(data, ctx)
        icao = columns["icao24"].pool[0]
        if n != ctx.records or not _HEX.fullmatch(icao):
            return None
        if not check_fixes(columns, n, columns["row"], ctx).all():
            return None
        check_block_time_order(Block(n, columns), ctx)
    except InputError:
        return None
    if ctx.dropped:
        return None
    t_ns = columns["time"]
    near = near_points(
        columns["lat"], columns["lon"], columns["alt_ft"], airports, radius_km, airports.max_alt_ft
    )
    return QuickTrace(icao, t_ns, bool(near.any()))
