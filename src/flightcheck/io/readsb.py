"""readsb / tar1090 JSON: trace files (ADS-B Exchange, adsb.lol, airplanes.live...) and snapshots.

``readsb-trace``: ``trace_full_<hex>.json`` / ``trace_recent_<hex>.json`` (live folders and
``globe_history/YYYY/MM/DD/traces/xx/``): one aircraft, points ``[dt, lat, lon, alt, gs, track,
flags, vrate, details, source, alt_geom, geom_rate, ias, roll(, receiver)]`` of 9, 14 or 15
elements, time = ``timestamp + dt``. ``row`` is the 1-based index into ``trace``.

``readsb-aircraft``: ``aircraft.json`` snapshots (``{"now": s, "aircraft": [...]}``) and the
v2 API shape (``{"ac": [...], "now": ms}``): one row per aircraft with a position, time =
``now - seen_pos``. ``row`` is the 1-based index into the aircraft list.

Field meanings and quirks: FORMATS.md section 1 and 2. The trace path is vectorised:
``orjson.loads``, an object grid, then numpy per column; big documents a piece of the
``trace`` array at a time (:func:`_read_trace_in_chunks`), with the same result.
:func:`read_columns` gives a trace as plain arrays (no DataFrame) for ``flightcheck.read``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import repeat
from typing import Any, NamedTuple, TypeGuard

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
from pandas.api.types import pandas_dtype
from pandas.arrays import ArrowStringArray

from flightcheck.errors import InputError
from flightcheck.io.context import ReadContext
from flightcheck.runtime.compat import utc_datetimes
from flightcheck.runtime.gcpause import gc_paused
from flightcheck.track.blocks import Block, Flags, Text

FORMATS = ("readsb-trace", "readsb-aircraft")
TIME_ORDERED = frozenset({"readsb-trace"})

SOURCE_TYPES = {
    "adsb_icao": "adsb",
    "adsb_icao_nt": "adsb",
    "adsb_other": "adsb",
    "mlat": "mlat",
    "tisb_icao": "tisb",
    "tisb_other": "tisb",
    "tisb_trackfile": "tisb",
    "adsr_icao": "adsr",
    "adsr_other": "adsr",
    "adsc": "adsc",
    "mode_s": "other",
    "mode_ac": "other",
    "other": "other",
    "unknown": "unknown",
}
"""readsb address/source type (``type``, trace index 9) -> track-table ``position_source``."""

DB_FLAG_NOTES = {
    1: "military (readsb database flag)",
    4: "PIA: FAA privacy ICAO address, the hex is not the aircraft's permanent one",
    8: "LADD: FAA limited aircraft data display list",
}
"""``dbFlags`` bits worth telling an investigator about (bit -> note)."""

MAX_UNIX_S = 9.0e9
"""Latest plausible time (year 2255): beyond it nanosecond timestamps overflow."""

_TRACE_START = re.compile(rb'^\s*\{\s*"icao"\s*:')
_TRACE_KEYS = re.compile(rb'"icao"\s*:\s*"~?[0-9a-fA-F]{6}"')
_TRACE_BODY = re.compile(rb'"(?:trace|timestamp)"\s*:')
_SNAPSHOT_LIST = re.compile(rb'"(?:aircraft|ac)"\s*:\s*\[')
_SNAPSHOT_KEY = re.compile(rb'"(?:now|hex)"\s*:')

_GROUND = "ground"
FLAG_STALE, FLAG_NEW_LEG, _FLAG_ALT_GEOM = 1, 2, 8
_MIN_POINT_LEN = 7


def sniff(head: bytes, name: str) -> str | None:
    """``readsb-trace`` for a trace document, ``readsb-aircraft`` for a snapshot, else None."""
    start = head[:256]
    if start.lstrip()[:1] != b"{":
        return None
    if _TRACE_START.match(start) or (_TRACE_KEYS.search(start) and _TRACE_BODY.search(start)):
        return "readsb-trace"
    if _SNAPSHOT_LIST.search(head[:4096]) and _SNAPSHOT_KEY.search(head):
        return "readsb-aircraft"
    return None


def read(data: bytes, ctx: ReadContext, fmt: str) -> pd.DataFrame:
    """Read one readsb JSON document (see the module docstring) into track-table columns."""
    if fmt == "readsb-trace":
        return _columns_frame(*_trace_data_columns(data, ctx))
    with gc_paused():
        doc = _load(data, ctx)
        try:
            return _read_snapshot(doc, ctx)
        finally:
            del doc  # free the parsed objects while the collector is still paused


def read_columns(data: bytes, ctx: ReadContext, fmt: str) -> tuple[dict[str, Any], int] | None:
    """:func:`read` as plain arrays for :func:`flightcheck.track.blocks.table_block`:
    (columns, rows), no DataFrame (it costs more than parsing a small trace). None for snapshots."""
    if fmt != "readsb-trace":
        return None
    return _trace_data_columns(data, ctx)


def read_fixes(data: bytes, ctx: ReadContext) -> tuple[dict[str, Any], int]:
    """A trace document's fixes as :func:`read_columns` gives them, after every one of its
    checks (the same errors and drops), without the text and flag columns: (columns, rows)
    with ``time`` (int64 ns), ``icao24``, ``lat``, ``lon``, ``alt_ft``, ``alt_geom_ft``,
    ``gs_kt``, ``track_deg``, ``vrate_fpm`` and ``row``. For callers that need only where and
    when each fix was (the scan's quick path, :mod:`flightcheck.scan.trace_quick`)."""
    return _trace_data_columns(data, ctx, fixes_only=True)


def _trace_data_columns(
    data: bytes, ctx: ReadContext, fixes_only: bool = False
) -> tuple[dict[str, Any], int]:
    """:func:`read_columns` (or :func:`read_fixes`) of a trace document."""
    with gc_paused():
        columns = _read_trace_in_chunks(data, ctx, fixes_only)
        if columns is not None:
            return columns
        doc = _load(data, ctx)
        try:
            return _read_trace_columns(doc, ctx, fixes_only)
        finally:
            del doc  # free the parsed objects while the collector is still paused


def _load(data: bytes, ctx: ReadContext) -> dict[str, Any]:
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ctx.fail(f"truncated or invalid JSON ({exc}); re-download the file") from None
    if not isinstance(doc, dict):
        raise ctx.fail(
            f"truncated or invalid JSON (top level is a {type(doc).__name__}, expected an object)"
        )
    return doc


# ---------------------------------------------------------------------------------- traces


def _read_trace(doc: dict[str, Any], ctx: ReadContext) -> pd.DataFrame:
    return _columns_frame(*_read_trace_columns(doc, ctx))


def _read_trace_columns(
    doc: dict[str, Any], ctx: ReadContext, fixes_only: bool = False
) -> tuple[dict[str, Any], int]:
    icao, timestamp = trace_header(doc, ctx)
    points = extract_points(doc["trace"], text=not fixes_only)
    return _trace_columns(doc, icao, timestamp, [points], ctx, fixes_only)


def trace_header(doc: dict[str, Any], ctx: ReadContext) -> tuple[str, float]:
    """(address, ``timestamp``) of a trace document; fails on a missing or bad one."""
    icao = doc.get("icao")
    trace = doc.get("trace")
    timestamp = doc.get("timestamp")
    if not isinstance(icao, str) or not icao.strip():
        raise ctx.fail('no "icao" address in the trace file; not a readsb trace?')
    if not isinstance(trace, list):
        raise ctx.fail('no "trace" list in the trace file; the file is incomplete')
    if not _is_number(timestamp):
        raise ctx.fail('no numeric "timestamp" in the trace file; the file is incomplete')
    if not 0 <= timestamp < MAX_UNIX_S:
        raise ctx.fail(f'"timestamp" {timestamp} is not a plausible Unix time in seconds')
    return icao, timestamp


# Big trace documents are parsed a piece of the ``trace`` array at a time: the memory of one
# piece is reused for the next, where one 100,000-point document would touch ~100 MB of
# fresh pages (page faults made ``orjson.loads`` twice as slow per point).
SPLIT_MIN_BYTES = 2 << 20
"""Documents smaller than this are parsed whole."""
_PIECE_BYTES = 512 << 10
"""Approximate JSON bytes of ``trace`` per piece (~5,000 points)."""
_TRACE_KEY = re.compile(rb'"trace"\s*:\s*\[')
_JSON_SPACE = b" \t\r\n"


class NotWhole(Exception):
    """The document cannot be read piece by piece: read it whole (same result, slower)."""


def _read_trace_in_chunks(
    data: bytes, ctx: ReadContext, fixes_only: bool = False
) -> tuple[dict[str, Any], int] | None:
    """:func:`_read_trace` of a big document, parsing its ``trace`` array in pieces; None
    when the document is small or not laid out as readsb writes it (``"trace"`` the first
    key of that name and the last key of the top-level object) or a piece does not parse:
    then the whole document is read as usual.

    A piece is cut at a ``],[`` and parsed as ``[`` + piece + ``]``. A cut inside a string
    or inside a point leaves an unterminated string or unbalanced brackets in the piece
    that ends there, so every piece parsing proves every cut was between two points.
    """
    if len(data) < SPLIT_MIN_BYTES:
        return None
    first = data.find(b'"trace"')  # a key of that name: the head check below
    if first < 0:
        return None
    key = _TRACE_KEY.match(data, first)
    end = _last_non_space(data, len(data) - 1)
    close = _last_non_space(data, end - 1)
    if key is None or data[end] != ord("}") or data[close] != ord("]") or close < key.end():
        return None
    head = data[: key.end()] + b"]" + data[close + 1 :]
    if b"\\" in head:  # escaped keys could hide a second "trace"
        return None
    try:
        doc = orjson.loads(head)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(doc, dict) or doc.get("trace") != []:
        return None
    try:
        icao, timestamp = trace_header(doc, ctx)
        parts = [
            extract_points(points, whole=False, text=not fixes_only)
            for points in _trace_pieces(data, key.end(), close)
        ]
    except (NotWhole, InputError):
        return None  # the whole-document read raises the right error, if any
    if not parts:
        return None
    return _trace_columns(doc, icao, timestamp, parts, ctx, fixes_only)


def _last_non_space(data: bytes, i: int) -> int:
    while i > 0 and data[i] in _JSON_SPACE:
        i -= 1
    return i


def _trace_pieces(data: bytes, start: int, close: int) -> Iterator[list[Any]]:
    """The points of ``data[start:close]`` (the inside of the ``trace`` array), parsed a
    piece at a time; raises :class:`NotWhole` when a piece is not a list of points."""
    pos = start
    while pos < close:
        cut = data.find(b"],[", pos + _PIECE_BYTES, close)
        stop = close if cut < 0 else cut + 1
        try:
            points = orjson.loads(b"[" + data[pos:stop] + b"]")
        except orjson.JSONDecodeError:
            raise NotWhole from None
        yield points
        del points
        pos = stop + 1  # past the comma


class TracePoints(NamedTuple):
    """Columns extracted from a run of trace points (:func:`extract_points`). The masks
    cover every point; the other arrays only the usable ones (lists of >= 7 elements)."""

    not_list: np.ndarray
    short: np.ndarray
    dt: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    alt: np.ndarray
    ground: np.ndarray
    alt_unknown: np.ndarray
    bad_alt: np.ndarray
    numbers: list[np.ndarray]  # gs, track, flags, vrate, alt_geom, geom_rate
    detail_at: np.ndarray
    flights: list[Any]
    squawks: list[Any]
    detail_geom: np.ndarray
    source_codes: np.ndarray
    source_pool: list[str | None]


_NUMBER_COLUMNS = (4, 5, 6, 7, 10, 11)


def extract_points(points: list[Any], whole: bool = True, text: bool = True) -> TracePoints:
    """The columns of ``points`` (no checks: :func:`_trace_frame` applies them in order).

    ``whole``: the points are the whole trace. A column that does not cast to numbers as a
    whole is read strictly (numbers only), so a piece raises :class:`NotWhole` instead.
    ``text``: also the text values (flight, squawk, source type; else left empty)."""
    n = len(points)
    not_list = np.zeros(n, dtype=bool)
    if set(map(type, points)) - {list}:
        not_list = np.fromiter((type(p) is not list for p in points), dtype=bool, count=n)
        points = [p for p, bad in zip(points, not_list, strict=True) if not bad]
    lengths = np.fromiter(map(len, points), dtype=np.int64, count=len(points))
    short = np.zeros(n, dtype=bool)
    short[np.flatnonzero(~not_list)] = lengths < _MIN_POINT_LEN
    if (lengths < _MIN_POINT_LEN).any():
        points = [p for p, k in zip(points, lengths >= _MIN_POINT_LEN, strict=True) if k]
    grid = _object_grid(points)
    del points

    def col(i: int) -> np.ndarray:
        """Point element ``i`` of every point (None where the points are shorter)."""
        return grid[:, i] if i < grid.shape[1] else np.full(len(grid), None, dtype=object)

    dt, lat, lon = _strict_block(grid[:, :3])
    alt, ground, alt_unknown, bad_alt = _altitudes(col(3))
    numbers = _number_block(grid, _NUMBER_COLUMNS, whole)
    detail_at, flights, squawks, detail_geom = _detail_values(col(8), whole, text)
    source_codes, source_pool = _position_source_codes(
        grid[:, 9] if text and grid.shape[1] > 9 else None, len(grid)
    )
    return TracePoints(
        not_list,
        short,
        dt,
        lat,
        lon,
        alt,
        ground,
        alt_unknown,
        bad_alt,
        numbers,
        detail_at,
        flights,
        squawks,
        detail_geom,
        source_codes,
        source_pool,
    )


def _join_points(parts: list[TracePoints]) -> TracePoints:
    """One :class:`TracePoints` of consecutive pieces."""
    if len(parts) == 1:
        return parts[0]
    usable = np.cumsum([0] + [len(p.dt) for p in parts[:-1]])
    pool: dict[str | None, int] = {}
    codes = []
    for p in parts:
        remap = np.array([pool.setdefault(v, len(pool)) for v in p.source_pool] + [-1])
        codes.append(remap[p.source_codes])
    not_list, short, dt, lat, lon, alt, ground, alt_unknown, bad_alt = (
        np.concatenate([getattr(p, f) for p in parts]) for f in TracePoints._fields[:9]
    )
    return TracePoints(
        not_list,
        short,
        dt,
        lat,
        lon,
        alt,
        ground,
        alt_unknown,
        bad_alt,
        [np.concatenate([p.numbers[i] for p in parts]) for i in range(len(_NUMBER_COLUMNS))],
        np.concatenate([p.detail_at + off for p, off in zip(parts, usable, strict=True)]),
        [v for p in parts for v in p.flights],
        [v for p in parts for v in p.squawks],
        np.concatenate([p.detail_geom for p in parts]),
        np.concatenate(codes),
        list(pool),
    )


def _trace_columns(
    doc: dict[str, Any],
    icao: str,
    timestamp: float,
    parts: list[TracePoints],
    ctx: ReadContext,
    fixes_only: bool = False,
) -> tuple[dict[str, Any], int]:
    """The reader columns of a trace (see :func:`read_columns`): checks the points in order
    (bad records) and builds the columns. ``parts``: the extracted points, in trace order.
    ``fixes_only``: only the columns of :func:`read_fixes`."""
    icao = icao.strip().lower()
    note_db_flags(doc.get("dbFlags"), icao, ctx)
    pts = _join_points(parts)
    ctx.records = n = len(pts.not_list)
    rows = np.arange(1, n + 1, dtype=np.int64)
    if pts.not_list.any():
        keep = ctx.drop_bad(pts.not_list, rows, "trace point is not a list")
        rows, short = rows[keep], pts.short[keep]
    else:
        short = pts.short
    if short.any():
        keep = ctx.drop_bad(short, rows, f"trace point has fewer than {_MIN_POINT_LEN} elements")
        rows = rows[keep]

    dt, lat, lon = pts.dt, pts.lat, pts.lon
    bad = np.isnan(dt) | np.isnan(lat) | np.isnan(lon)
    keep = ctx.drop_bad(bad, rows, "trace point has a missing or non-numeric time, lat or lon")
    t_s = float(timestamp) + dt
    out_of_range = keep & ~((t_s >= 0) & (t_s < MAX_UNIX_S))
    keep &= ctx.drop_bad(out_of_range, rows, "trace point time is out of range")

    keep &= ctx.drop_bad(
        keep & pts.bad_alt, rows, 'trace point altitude is not a number, "ground" or null'
    )
    n_kept = len(rows)
    dt = np.where(keep, dt, 0.0)  # bad points are dropped below; keep their times finite
    v = fix_values(pts, float(timestamp), dt)
    if fixes_only:
        fixes = {
            "time": v.time_ns,
            "icao24": Text((text_value(icao),)),
            "lat": lat,
            "lon": lon,
            "alt_ft": v.alt,
            "alt_geom_ft": v.alt_geom,
            "gs_kt": v.gs,
            "track_deg": v.track,
            "vrate_fpm": v.vrate,
            "row": rows,
        }
        return _kept(fixes, n_kept, keep)
    columns = point_columns(
        pts,
        v,
        rows,
        icao24=Text((text_value(icao),)),
        callsign=_carry_forward(pts.detail_at, pts.flights, n_kept),
        registration=Text((text_value(doc.get("r")),)),
        typecode=Text((text_value(doc.get("t")),)),
        squawk=_carry_forward(pts.detail_at, pts.squawks, n_kept),
    )
    return _kept(columns, n_kept, keep)


def point_columns(pts: TracePoints, v: FixValues, rows: np.ndarray, **text: Any) -> dict[str, Any]:
    """The reader columns of trace points (the per-file read and the batch read build them
    alike): ``v`` their values (:func:`fix_values`), ``rows`` their record numbers, ``text``
    the columns that are one value per trace or carried forward (``icao24``, ``callsign``,
    ``registration``, ``typecode``, ``squawk``)."""
    return {
        "time": v.time_ns,
        "icao24": text["icao24"],
        "callsign": text["callsign"],
        "registration": text["registration"],
        "typecode": text["typecode"],
        "lat": pts.lat,
        "lon": pts.lon,
        "alt_ft": v.alt,
        "alt_geom_ft": v.alt_geom,
        "on_ground": Flags(pts.ground, pts.alt_unknown),
        "gs_kt": v.gs,
        "track_deg": v.track,
        "vrate_fpm": v.vrate,
        "squawk": text["squawk"],
        "position_source": Text(tuple(pts.source_pool), pts.source_codes),
        "stale": v.flag(FLAG_STALE),
        "new_leg": v.flag(FLAG_NEW_LEG),
        "row": rows,
    }


class FixValues(NamedTuple):
    """The numeric columns of trace points after readsb's rules (:func:`fix_values`)."""

    time_ns: np.ndarray
    alt: np.ndarray  # barometric altitude, ft (NaN when the point's altitude is geometric)
    alt_geom: np.ndarray  # geometric altitude, ft
    gs: np.ndarray
    track: np.ndarray
    vrate: np.ndarray  # barometric rate, else the geometric one, ft/min
    flag_bits: np.ndarray
    has_flags: np.ndarray  # False where the flags are null or corrupt (unknown)

    def flag(self, bit: int) -> Flags:
        """The nullable boolean column of one flag bit (``stale``, ``new_leg``)."""
        return Flags((self.flag_bits & bit) != 0, ~self.has_flags)


def fix_values(pts: TracePoints, timestamp: float | np.ndarray, dt: np.ndarray) -> FixValues:
    """The arithmetic of trace points, shared by the per-file read and the batch read
    (:mod:`.readsb_batch`): time = ``timestamp`` (Unix s, one per trace or one per point)
    + ``dt`` (s), in ns rounded to the microsecond; the alt_geom flag bit moves the altitude
    to the geometric column; the geometric rate and the detail's geometric altitude fill
    what is missing."""
    gs, track, flags, vrate, alt_geom, geom_rate = pts.numbers
    alt = pts.alt
    has_flags = (flags >= 0) & (flags < 2**16)
    flag_bits = np.where(has_flags, flags, 0).astype(np.int64)
    geom_flag = (flag_bits & _FLAG_ALT_GEOM) != 0
    alt_geom = np.where(geom_flag & np.isnan(alt_geom), alt, alt_geom)
    alt = np.where(geom_flag, np.nan, alt)
    vrate = np.where(np.isnan(vrate), geom_rate, vrate)
    alt_geom = np.where(np.isnan(alt_geom), pts.detail_geom, alt_geom)
    unix_us = np.round(np.asarray(timestamp) * 1e6) + np.rint(dt * 1e6)
    time_ns = unix_us.astype(np.int64) * 1000
    return FixValues(time_ns, alt, alt_geom, gs, track, vrate, flag_bits, has_flags)


def _kept(columns: dict[str, Any], n: int, keep: np.ndarray) -> tuple[dict[str, Any], int]:
    """(columns, rows) of the ``keep`` rows of ``n``."""
    if keep.all():
        return columns, n
    kept = Block(n, columns).take(keep)
    return kept.columns, kept.n


def _columns_frame(columns: dict[str, Any], n: int) -> pd.DataFrame:
    """The reader frame of :func:`read_columns`' columns (what :func:`read` returns)."""
    frame = {}
    for name, column in columns.items():
        if name == "time":
            column = _utc_ns(column)
        elif isinstance(column, Text):
            column = (
                _text_column(list(column.pool), column.codes)
                if column.codes is not None
                else _constant(column.pool[0], n)
            )
        elif isinstance(column, Flags):
            column = pd.arrays.BooleanArray(column.values, column.mask)
        frame[name] = column
    return pd.DataFrame(frame, index=pd.RangeIndex(n), copy=False)


def _object_grid(points: list[list[Any]]) -> np.ndarray:
    """Ragged list of lists -> 2-D object array padded with None (C speed)."""
    if not points:
        return np.empty((0, _MIN_POINT_LEN), dtype=object)
    try:
        from pandas._libs.lib import to_object_array  # what DataFrame(list) uses, ~5x faster

        return to_object_array(points)
    except (ImportError, AttributeError, TypeError):  # pragma: no cover - pandas internals
        return pd.DataFrame(points, dtype=object).to_numpy()


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_NUMBER_TYPES = frozenset({int, float, type(None)})
"""Element types that ``astype(float64)`` reads exactly as numbers (None -> NaN)."""


def _only_numbers(values: np.ndarray) -> bool:
    """True when every element is an int, a float or None (one C-speed type scan).

    ``values`` hold parsed JSON (Python objects only), so pandas' float check, 3x faster,
    settles the usual all-float column (it also passes None, and nothing else JSON makes)."""
    flat = values if values.ndim == 1 else values.ravel()
    return _all_floats(flat) or _NUMBER_TYPES.issuperset(map(type, flat))


def _all_floats(values: np.ndarray) -> bool:
    """True when a 1-D object array of parsed JSON holds only floats and None."""
    try:
        from pandas._libs.lib import is_float_array  # C speed; treats None as a float

        return bool(is_float_array(values))
    except (ImportError, AttributeError, TypeError):  # pragma: no cover - pandas internals
        return False


def _numbers(values: np.ndarray, strict: bool = False) -> np.ndarray:
    """Object column -> float64; None and non-numbers become NaN.

    ``strict``: also turn numeric *strings* ("50.1") and booleans into NaN, which the plain
    cast would accept (costs one type scan; used for time, position and altitude).
    """
    if not strict or _only_numbers(values):
        try:
            return values.astype(np.float64)
        except (TypeError, ValueError):
            pass
    numeric = np.fromiter(map(_is_number, values), dtype=bool, count=len(values))
    out = np.full(len(values), np.nan)
    out[numeric] = values[numeric].astype(np.float64)
    return out


def _strict_block(block: np.ndarray) -> list[np.ndarray]:
    """Columns of a 2-D object block as strict :func:`_numbers`, in one cast when clean."""
    if all(_only_numbers(block[:, i]) for i in range(block.shape[1])):  # no copy of the block
        return [block[:, i].astype(np.float64) for i in range(block.shape[1])]
    return [_numbers(block[:, i], strict=True) for i in range(block.shape[1])]


def _number_block(
    grid: np.ndarray, columns: tuple[int, ...], whole: bool = True
) -> list[np.ndarray]:
    """Point elements ``columns`` as non-strict :func:`_numbers` (NaN where points are
    shorter), cast in one go unless a column holds something that is not a number (then
    :class:`NotWhole` unless ``whole``: the column's other pieces would read differently)."""
    n, width = grid.shape
    present = [c for c in columns if c < width]
    try:
        floats = [grid[:, c].astype(np.float64) for c in present]
    except (TypeError, ValueError):
        if not whole:
            raise NotWhole from None
        floats = [_numbers(grid[:, c]) for c in present]
    by_column = dict(zip(present, floats, strict=True))
    return [by_column[c] if c in by_column else np.full(n, np.nan) for c in columns]


def _altitudes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Index 3 (int ft | "ground" | null) -> (alt ft, on ground, ground unknown, bad value)."""
    ground = values == _GROUND
    if ground.any():
        values = values.copy()
        values[ground] = None
    if _only_numbers(values):
        alt = values.astype(np.float64)
        missing = np.isnan(alt)
        bad = np.zeros(len(alt), dtype=bool)
    else:
        missing = pd.isna(values)
        alt = _numbers(values, strict=True)
        bad = np.isnan(alt) & ~missing
        missing |= bad
    return alt, ground, missing & ~ground, bad


def _detail_values(
    details: np.ndarray, whole: bool = True, text: bool = True
) -> tuple[np.ndarray, list[Any], list[Any], np.ndarray]:
    """The detail objects (index 8, every ~4th point): (their positions, their ``flight``
    and ``squawk`` values, for :func:`_carry_forward`, and each point's own ``alt_geom``,
    ft). A detail that is not an object is read as empty. ``whole``: see
    :func:`_number_block`; without ``text`` the flight and squawk lists are left empty."""
    n = len(details)
    where = np.flatnonzero(~pd.isna(details))
    objs = details[where].tolist()
    if not _DICT_ONLY.issuperset(map(type, objs)):
        objs = [d if type(d) is dict else {} for d in objs]
    flights = list(map(dict.get, objs, repeat("flight"))) if text else []
    squawks = list(map(dict.get, objs, repeat("squawk"))) if text else []
    geoms = _object_array(list(map(dict.get, objs, repeat("alt_geom"))))
    geom = np.full(n, np.nan)
    if not whole:
        try:
            geom[where] = geoms.astype(np.float64)
        except (TypeError, ValueError):
            raise NotWhole from None
    else:
        geom[where] = _numbers(geoms)
    return where, flights, squawks, geom


_DICT_ONLY = frozenset({dict})


def _object_array(values: list[Any]) -> np.ndarray:
    """A 1-D object array even when the values are themselves lists."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def text_value(value: Any) -> str | None:
    """A stripped non-empty string (numbers are formatted), else None."""
    if _is_number(value):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def _factorize(values: list[Any]) -> tuple[np.ndarray, list[Any]]:
    """(codes, distinct values) of a small-vocabulary list, None included as a value.

    A dict does this at C speed with far less fixed cost than ``pd.factorize`` (this runs
    three times per file). Unhashable values (lists, objects) are read as None.
    """
    try:
        index = {v: i for i, v in enumerate(dict.fromkeys(values))}
    except TypeError:
        values = [v if isinstance(v, (str, int, float)) else None for v in values]
        index = {v: i for i, v in enumerate(dict.fromkeys(values))}
    codes = np.fromiter(map(index.__getitem__, values), dtype=np.int64, count=len(values))
    return codes, list(index)


def _carry_forward(where: np.ndarray, values: list[Any], n: int) -> Text:
    """Text column of length ``n``: ``values`` at positions ``where``, forward-filled.

    The few distinct values are cleaned once (:func:`text_value`).
    """
    return carry_forward_within(where, values, np.zeros(n, dtype=np.int64), np.zeros(1, np.int64))


def carry_forward_within(
    where: np.ndarray, values: list[Any], file_of: np.ndarray, starts: np.ndarray
) -> Text:
    """:func:`_carry_forward` of the rows of several files at once (``file_of``: each row's
    file, ``starts``: each file's first row): a value is carried forward only within its
    own file."""
    n = len(file_of)
    codes, uniques = _factorize(values)
    cleaned = [text_value(u) for u in uniques]
    usable = np.array([c is not None for c in cleaned] + [False])  # [-1] -> False
    code_at = np.full(n, -1, dtype=np.int64)
    code_at[where] = np.where(usable[codes], codes, -1)
    last = np.maximum.accumulate(np.where(code_at >= 0, np.arange(n), -1)) if n else code_at
    last = np.where(last >= starts[file_of], code_at[np.maximum(last, 0)], -1)
    return Text(tuple(cleaned), last)


def _text_column(pool: list[str | None], codes: np.ndarray) -> Any:
    """``pool[codes]`` (-1 = missing) as a pandas "str" array, built in arrow
    (large_string: the pandas "str" storage type, so no cast)."""
    indices = pa.array(codes, mask=codes < 0, type=pa.int64())
    return _str_array(pa.array(pool, type=pa.large_string()).take(indices))


def _str_array(values: pa.Array) -> ArrowStringArray:
    """An arrow large_string array as a pandas "str" array, without a copy or a cast."""
    return ArrowStringArray(values, dtype=_STR)


_STR = pandas_dtype("str")


def _position_source_codes(
    values: np.ndarray | None, n: int
) -> tuple[np.ndarray, list[str | None]]:
    """Index 9 / ``type`` strings (None: no point has one) of ``n`` points -> position_source
    as (codes, pool) for :func:`_text_column`; other values are missing."""
    if values is None:  # no point has index 9: all missing
        return np.zeros(n, dtype=np.int64), [None] if n else []
    codes, uniques = _factorize(values.tolist())
    return codes, [SOURCE_TYPES.get(u, "other") if isinstance(u, str) else None for u in uniques]


def _constant(value: Any, n: int) -> Any:
    """A text column of ``n`` copies of ``value`` (missing when it is not text)."""
    text = text_value(value)
    column = (
        pa.repeat(pa.scalar(text, pa.large_string()), n) if text else pa.nulls(n, pa.large_string())
    )
    return _str_array(column)


def _utc(unix_us: np.ndarray) -> pd.arrays.DatetimeArray:
    """Whole Unix microseconds -> UTC datetimes (exact: no float rounding into the ns)."""
    return _utc_ns(unix_us.astype(np.int64) * 1000)


def _utc_ns(ns: np.ndarray) -> pd.arrays.DatetimeArray:
    """int64 Unix nanoseconds -> UTC datetimes."""
    return utc_datetimes(ns)


def note_db_flags(value: Any, icao: str, ctx: ReadContext) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        return
    for bit, text in DB_FLAG_NOTES.items():
        if value & bit:
            ctx.notes.append(f"{icao}: dbFlags {value}: {text}")


# ------------------------------------------------------------------------------- snapshots


def _read_snapshot(doc: dict[str, Any], ctx: ReadContext) -> pd.DataFrame:
    aircraft = doc.get("aircraft", doc.get("ac"))
    now = doc.get("now")
    if not isinstance(aircraft, list):
        raise ctx.fail('no "aircraft" (or "ac") list in the snapshot; the file is incomplete')
    if not _is_number(now):
        raise ctx.fail('no numeric "now" time in the snapshot; the file is incomplete')
    now_s = now / 1000.0 if now > 1e11 else float(now)  # the v2 API gives milliseconds
    ctx.records = len(aircraft)
    rows = np.arange(1, len(aircraft) + 1, dtype=np.int64)
    not_obj = np.array([type(a) is not dict for a in aircraft], dtype=bool)
    keep = ctx.drop_bad(not_obj, rows, "aircraft entry is not an object")
    entries = [_snapshot_entry(a, now_s) for a, k in zip(aircraft, keep, strict=True) if k]
    rows = rows[keep]
    columns = list(_SNAPSHOT_COLUMNS)
    frame = (
        pd.DataFrame.from_records(entries, columns=columns)
        if entries
        else pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    )
    frame["row"] = rows
    for c in ("lat", "lon", "time"):
        frame[c] = _numbers(frame[c].to_numpy(dtype=object))
    no_pos = frame["lat"].isna().to_numpy() | frame["lon"].isna().to_numpy()
    ctx.drop("no position", int(no_pos.sum()))
    frame = frame[~no_pos].reset_index(drop=True)
    bad_time = ~((frame["time"] >= 0) & (frame["time"] < MAX_UNIX_S)).to_numpy()
    keep = ctx.drop_bad(
        bad_time,
        frame["row"].to_numpy(),
        "aircraft position time is missing or out of range (now - seen_pos)",
    )
    frame = frame[keep].reset_index(drop=True)
    frame["time"] = _utc(np.rint(frame["time"].to_numpy() * 1e3) * 1e3)
    return frame


_SNAPSHOT_COLUMNS = (
    "time",
    "icao24",
    "callsign",
    "registration",
    "typecode",
    "lat",
    "lon",
    "alt_ft",
    "alt_geom_ft",
    "on_ground",
    "gs_kt",
    "track_deg",
    "vrate_fpm",
    "squawk",
    "position_source",
)


def _snapshot_entry(a: dict[str, Any], now_s: float) -> tuple[Any, ...]:
    """One aircraft.json object -> values in :data:`_SNAPSHOT_COLUMNS` order.

    Position: ``lat``/``lon``, else ``lastPosition`` (never the rough ``rr_lat``/``rr_lon``).
    Old dump1090 keys (``altitude``, ``speed``, ``vert_rate``) are accepted. Without
    ``seen_pos`` the position is taken as current (time = ``now``).
    """
    lat, lon, seen_pos = a.get("lat"), a.get("lon"), a.get("seen_pos")
    if not (_is_number(lat) and _is_number(lon)):
        last = a.get("lastPosition")
        last = last if isinstance(last, dict) else {}
        lat, lon, seen_pos = last.get("lat"), last.get("lon"), last.get("seen_pos")
    seen_pos = seen_pos if _is_number(seen_pos) else 0.0
    alt = a.get("alt_baro", a.get("altitude"))
    on_ground = None
    if alt == _GROUND:
        alt, on_ground = None, True
    elif _is_number(alt):
        on_ground = False
    else:
        alt = None
    rate = a.get("baro_rate", a.get("vert_rate"))
    if not _is_number(rate):
        rate = a.get("geom_rate")
    source = a.get("type")
    if isinstance(source, str):
        source = SOURCE_TYPES.get(source, "other")
    elif "lat" in (a.get("mlat") or ()):
        source = "mlat"
    elif "lat" in (a.get("tisb") or ()):
        source = "tisb"
    return (
        now_s - seen_pos,
        text_value(a.get("hex")),
        text_value(a.get("flight")),
        text_value(a.get("r")),
        text_value(a.get("t")),
        lat if _is_number(lat) else None,
        lon if _is_number(lon) else None,
        alt,
        _num(a.get("alt_geom")),
        on_ground,
        _num(a.get("gs", a.get("speed"))),
        _num(a.get("track")),
        _num(rate),
        text_value(a.get("squawk")),
        source,
    )


def _num(value: Any) -> float | None:
    return value if _is_number(value) else None
