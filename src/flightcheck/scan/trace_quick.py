"""Phase-1 shortcut for readsb trace files of aircraft that never come near the airports.

A day of global history is ~50,000 ``trace_full_<hex>.json`` files, and almost all of them
belong to aircraft far from the airports asked for. Of those files phase 1 needs only the
fix times (for the spans and the point count) and the answer "no fix near an airport". This
module gets both straight from the parsed JSON (positions, altitudes and the altitude flag
bit, as 2-D numpy blocks), skipping the reader's frame and the track table.

It is exact by construction: it answers only for a *clean* file, one in which the full path
(:func:`flightcheck.io.readsb.read`, :func:`flightcheck.track.table.to_track_table`,
:func:`flightcheck.track.table.check_time_order`) would keep every point unchanged: a valid header,
every point a list of at least 7 elements, numeric time/lat/lon in range, altitudes numbers,
``"ground"`` or null, a numeric flags element, times never going back, a plain 6-hex address.
The near test sees the same lat/lon/altitude values as the full path's (barometric altitude
unknown where the flags say the altitude is geometric). Anything else returns None and the
caller reads the file the full way, which reports the same errors and drops as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import orjson

from flightcheck.io import readsb
from flightcheck.runtime.gcpause import gc_paused
from flightcheck.scan.prefilter import Airports, near_points

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


def quick_trace(data: bytes, airports: Airports, radius_km: float) -> QuickTrace | None:
    """The shortcut's answer for one decompressed trace document, None when it is not clean."""
    with gc_paused():
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError:
            return None
        try:
            return _clean_trace(doc, airports, radius_km)
        finally:
            del doc  # free the parsed objects while the collector is still paused


def _clean_trace(doc: object, airports: Airports, radius_km: float) -> QuickTrace | None:
    if not isinstance(doc, dict):
        return None
    icao, trace, timestamp = doc.get("icao"), doc.get("trace"), doc.get("timestamp")
    if not (
        isinstance(icao, str)
        and _HEX.fullmatch(icao.strip().lower())
        and isinstance(trace, list)
        and readsb._is_number(timestamp)
        and 0 <= timestamp < readsb.MAX_UNIX_S
    ):
        return None
    icao = icao.strip().lower()
    if not trace:
        return QuickTrace(icao, np.zeros(0, dtype=np.int64), False)
    if set(map(type, trace)) != {list}:
        return None
    lengths = np.fromiter(map(len, trace), dtype=np.int64, count=len(trace))
    if (lengths < readsb._MIN_POINT_LEN).any():
        return None
    grid = readsb._object_grid(trace)
    fix = grid[:, :3]
    if not readsb._only_numbers(fix):
        return None
    dt, lat, lon = fix.astype(np.float64).T
    t_s = float(timestamp) + dt
    with np.errstate(invalid="ignore"):
        if not (
            (t_s >= 0)
            & (t_s < readsb.MAX_UNIX_S)
            & (lat >= -90)
            & (lat <= 90)
            & (lon >= -180)
            & (lon <= 180)
        ).all():
            return None  # also catches None (NaN) elements
    alt = _altitudes(grid[:, 3])
    flags = _flags(grid[:, 6])
    if alt is None or flags is None:
        return None
    t_us = np.round(float(timestamp) * 1e6) + np.rint(dt * 1e6)
    t_ns = t_us.astype(np.int64) * 1000  # as readsb._utc
    if len(t_ns) > 1 and (t_ns[1:] < np.maximum.accumulate(t_ns)[:-1]).any():
        return None
    geometric = (flags & readsb._FLAG_ALT_GEOM) != 0
    alt = np.where(geometric, np.nan, alt)
    near = bool(near_points(lat, lon, alt, airports, radius_km, airports.max_alt_ft).any())
    return QuickTrace(icao, t_ns, near)


def _altitudes(values: np.ndarray) -> np.ndarray | None:
    """Barometric altitude (ft, NaN for "ground"/null), None when any other value appears."""
    ground = values == readsb._GROUND
    if ground.any():
        values = values.copy()
        values[ground] = None
    if not readsb._only_numbers(values):
        return None
    return values.astype(np.float64)


def _flags(values: np.ndarray) -> np.ndarray | None:
    """Flag bits as the reader reads them (unknown = 0), None when not castable."""
    try:
        flags = values.astype(np.float64)
    except (TypeError, ValueError):
        return None
    known = (flags >= 0) & (flags < 2**16)
    return np.where(known, flags, 0).astype(np.int64)
