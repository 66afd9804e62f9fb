"""Phase-1 read of a batch of track files (readsb traces or anything ``inspect`` reads).

Most files of a global archive belong to aircraft that never come near the requested
airports. A clean readsb trace file of such an aircraft is answered straight from its parsed
JSON (:mod:`.trace_quick`: fix times and "not near", exact by construction), with no reader
frame at all. Every other file is read by its reader, and its frame is first checked on its
raw lat/lon/alt: only files of aircraft with a raw fix near an airport get the full track
table (:func:`track.to_track_table`, ~3 ms a file). The raw check passes every fix the track
table would keep with the same values, so it never misses a candidate. For the other files
only what the spans need is computed: the times and addresses of the fixes the full path
would keep, by the same rules (:func:`kept_fixes`; a test compares it with
:func:`flightcheck.io.read.read_one` on every sample file).
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from flightcheck.errors import InputError, UnreadableInput
from flightcheck.io.context import ReadContext, ReadOptions
from flightcheck.runtime.compat import utc_datetimes
from flightcheck.scan.partitions import Partition
from flightcheck.scan.phase1 import Phase1Rows, in_window
from flightcheck.scan.prefilter import Airports, candidates, near_points
from flightcheck.scan.trace_quick import TRACE_NAME, QuickTrace, quick_trace
from flightcheck.track import table as track
from flightcheck.track.blocks import check_fixes


def _addresses(values: pd.Series) -> pa.Array:
    """icao24 exactly as the track table will hold it: ``track.clean_text`` (trim,
    '' -> null) then lower case, kept in pyarrow."""
    out = pc.utf8_lower(track.clean_text(values))
    return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out


def _times_ns(values: pd.Series) -> np.ndarray:
    """``track.as_time`` as int64 ns (NaT = int64 min), skipping it when already UTC ns."""
    if str(values.dtype) == track.TIME_DTYPE:
        return values.array.asi8
    return np.asarray(track.as_time(values).asi8)


def _raw_near(frame: pd.DataFrame, airports: Airports, radius_km: float) -> np.ndarray:
    alt = track.float_array(frame["alt_ft"]) if "alt_ft" in frame else np.full(len(frame), np.nan)
    return near_points(
        track.float_array(frame["lat"]),
        track.float_array(frame["lon"]),
        alt,
        airports,
        radius_km,
        airports.max_alt_ft,
    )


def full_table(frame: pd.DataFrame, ctx: ReadContext, time_ordered: bool) -> pd.DataFrame:
    """The track table of a reader frame, as :func:`flightcheck.io.read.read_one` makes it."""
    table = track.to_track_table(frame, ctx)
    if time_ordered:
        table = track.check_time_order(table, ctx)
    if ctx.options.icao24 and table["icao24"].isna().all():
        table["icao24"] = ctx.options.icao24.lower()
    return table


def kept_fixes(
    frame: pd.DataFrame, ctx: ReadContext, time_ordered: bool, hexes: pa.Array | None = None
) -> tuple[pa.Array, np.ndarray]:
    """(icao24, int64 ns time) of the rows :func:`full_table` keeps, in order, by the same
    rules (:func:`flightcheck.track.blocks.check_fixes`, the time order check), so with the
    same messages (strict mode raises on the same first record).
    ``hexes``: ``_addresses(frame["icao24"])`` when already computed."""
    n = len(frame)
    rows = frame["row"].to_numpy(dtype="int64")
    try:
        t = _times_ns(frame["time"])
    except (ValueError, TypeError, OverflowError) as exc:
        raise ctx.fail(f"unreadable time values ({exc})") from None
    if hexes is None:
        hexes = _addresses(frame["icao24"]) if n else pa.array([], pa.large_string())
    columns = {
        "time": t,
        "lat": track.float_array(frame["lat"]),
        "lon": track.float_array(frame["lon"]),
        "icao24": hexes,
        **{c: track.float_array(frame[c]) for c in track.VALUE_RANGES if c in frame},
    }
    keep = check_fixes(columns, n, rows, ctx)
    if not keep.all():
        mask = pa.array(keep)
        hexes, t, rows = hexes.filter(mask), t[keep], rows[keep]
    if time_ordered and len(t) >= 2 and _maybe_backwards(hexes, t):
        small = pd.DataFrame(
            {"time": utc_datetimes(t), "icao24": pd.array(hexes, dtype="str"), "row": rows}
        )
        small = track.check_time_order(small, ctx)
        if len(small) < len(t):
            hexes = small["icao24"].array.__arrow_array__().combine_chunks()
            t = track.time_ns(small)
    return hexes, t


def _maybe_backwards(hexes: pa.Array, t: np.ndarray) -> bool:
    """False when ``track.check_time_order`` surely drops nothing: one aircraft whose times
    never go back (the usual trace file); else the full check must run."""
    if pc.count_distinct(hexes).as_py() != 1:
        return True
    return bool((t[1:] < np.maximum.accumulate(t)[:-1]).any())


def read_batch(
    part: Partition,
    options: ReadOptions,
    airports: Airports,
    since: datetime | None,
    until: datetime | None,
    radius_km: float,
) -> Phase1Rows:
    """Phase-1 rows of a batch of files. Unreadable files are listed in ``bad`` (with their
    position in the batch, so the order does not depend on which path read them)."""
    from flightcheck.io.read import load_detected

    out = Phase1Rows(track.empty())
    frames: list[tuple[int, pd.DataFrame, ReadContext, bool, pa.Array, set[str]]] = []
    quick: list[tuple[int, str, bool, QuickTrace]] = []
    near_hexes: set[str] = set()
    explicit = part.explicit or (False,) * len(part.paths)
    for i, (path, expl) in enumerate(zip(part.paths, explicit, strict=True)):
        try:
            detected = shortcut = None
            if TRACE_NAME.search(path):  # loaded once, for the shortcut and the full read
                detected = load_detected(path, options, expl)
                if detected is None:
                    out.not_track += 1
                    continue
                shortcut = _shortcut(detected, options, airports, radius_km)
            if shortcut is not None and not shortcut.near:
                quick.append((i, path, expl, shortcut))
                continue
            got = _frame(path, options, expl, airports, radius_km, detected)
        except UnreadableInput as exc:
            out.unreadable.append((i, path, exc.message))
            continue
        except InputError as exc:
            out.bad.append((i, path, _reason(exc)))
            continue
        except OSError as exc:
            out.unreadable.append((i, path, f"cannot read: {exc.strerror or exc}"))
            continue
        if got is None:
            out.not_track += 1
            continue
        frames.append((i, *got[:5]))
        if got[5]:
            near_hexes |= got[4]
    for i, path, expl, shortcut in quick:
        if shortcut.icao24 in near_hexes:  # near in another file: read it the full way
            try:
                got = _frame(path, options, expl, airports, radius_km)
            except (InputError, OSError) as exc:  # pragma: no cover - it was read a moment ago
                out.bad.append(
                    (
                        i,
                        path,
                        _reason(exc) if isinstance(exc, InputError) else f"cannot read: {exc}",
                    )
                )
                continue
            if got is not None:
                frames.append((i, *got[:5]))
            continue
        t = shortcut.t_ns[in_window(shortcut.t_ns, since, until)]
        out.points += len(t)
        if len(t):
            out.others.append(
                (pa.array([shortcut.icao24] * 2, pa.large_string()), np.array([t.min(), t.max()]))
            )
    frames.sort(key=lambda f: f[0])  # input order, whichever path read them
    tables = []
    for i, frame, ctx, time_ordered, addresses, hexes in frames:
        try:
            if hexes & near_hexes or (ctx.options.icao24 and not hexes):
                tables.append(full_table(frame, ctx, time_ordered))
            else:
                h, t = kept_fixes(frame, ctx, time_ordered, addresses)
                keep = in_window(t, since, until)
                if not keep.all():
                    h, t = h.filter(pa.array(keep)), t[keep]
                out.points += len(t)
                if len(hexes) == 1 and len(t) > 2:  # only the first and last time matter
                    h, t = h.slice(0, 2), np.array([t.min(), t.max()])
                out.others.append((h, t))
        except InputError as exc:
            out.bad.append((i, ctx.path, _reason(exc)))
    out.bad.sort()
    out.unreadable.sort()
    df = pd.concat(tables, ignore_index=True) if tables else track.empty()
    keep = in_window(track.time_ns(df), since, until)
    df = df[keep] if not keep.all() else df
    out.points += len(df)
    cand = candidates(df, airports, radius_km)
    is_cand = np.isin(df["icao24"].to_numpy(dtype=object), cand)
    out.fixes = df[is_cand].reset_index(drop=True)
    rest = df[~is_cand]
    out.others.append(
        (
            rest["icao24"].array.__arrow_array__().combine_chunks()
            if len(rest)
            else pa.array([], pa.large_string()),
            track.time_ns(rest),
        )
    )
    return out


def _shortcut(
    detected: tuple, options: ReadOptions, airports: Airports, radius_km: float
) -> QuickTrace | None:
    """The clean-trace shortcut (:mod:`.trace_quick`) of a loaded readsb trace, else None.
    ``detected``: what :func:`flightcheck.io.read.load_detected` returned for the file."""
    data, _, fmt, _ = detected
    return quick_trace(data, airports, radius_km, options) if fmt == "readsb-trace" else None


def _frame(
    path: str,
    options: ReadOptions,
    explicit: bool,
    airports: Airports,
    radius_km: float,
    detected: tuple | None = None,
):
    """(frame, ctx, time_ordered, addresses, hexes, near) of one file read the full way
    (from ``detected`` when already loaded), None when it is not track data."""
    from flightcheck.io.read import read_frame

    got = read_frame(path, options, explicit, detected)
    if got is None:
        return None
    frame, ctx, fmt, module, _ = got
    for col in (*track.REQUIRED, "row"):
        if col not in frame.columns:  # the same message as to_track_table's
            raise ctx.fail(f"reader produced no {col!r} column (internal error, please report)")
    time_ordered = fmt in getattr(module, "TIME_ORDERED", ())
    addresses = _addresses(frame["icao24"]) if len(frame) else pa.array([], pa.large_string())
    hexes = set(pc.unique(addresses).drop_null().to_pylist())
    return (
        frame,
        ctx,
        time_ordered,
        addresses,
        hexes,
        bool(_raw_near(frame, airports, radius_km).any()),
    )


def _reason(exc: InputError) -> str:
    return exc.message if exc.record is None else f"record {exc.record}: {exc.message}"
