"""Raw Mode S / ADS-B messages: AVR text, timestamped CSV and Beast binary (FORMATS.md s. 7).

Formats:

* ``avr``: dump1090 "raw" lines. ``*HEX;`` / ``:HEX;`` carry no time at all; ``@``/``%`` +
  12 hex digits (a free-running 48-bit **12 MHz receiver counter**, not wall-clock time) +
  message + ``;``; ``<`` + counter + 2 hex signal + message + ``;``. Loggers that stamp each
  line put a Unix time (seconds, or 13-digit milliseconds) and a space or comma in front:
  ``1700000000.000 *8D40621D58C382D690C8AC2863A7;``; those lines are read with that time.
* ``modes-csv``: one message per line after a Unix-seconds time, comma/tab/semicolon
  separated, extra columns ignored: ``1457996400,"8D406B90...",406B90,19`` (pyModeS sample),
  ``1753827785.8086092,8DADA5...`` (rs1090), ``ts,msg``. A header line is skipped.
* ``beast``: binary frames ``1A <type> <6-byte 12 MHz counter> <signal> <message>`` with every
  ``1A`` inside a frame doubled. Types ``'1'`` (Mode A/C), ``'2'`` (56-bit), ``'3'`` (112-bit);
  other types (status ``'4'``, readsb extensions) are counted and skipped.

Time: the counter formats (``@ % <`` AVR and Beast) need the capture's wall-clock start
(``ReadOptions.start_time``, CLI ``--start-time``): time = start + (counter - first counter) /
12 MHz. Frames arrive slightly out of counter order when a receiver merges its decoder
threads: a step back of at most ``COUNTER_RESET_S`` is re-ordered by counter and counted in a
note; a larger step back is a receiver restart (reported: times after it are wrong); a wrap of
the 48-bit counter (271 days) is unwrapped and noted. Bare ``*`` AVR lines have no
per-message time at all: with a start time every position is stamped with that start time
(a note says so) and the decoder pairs frames on a nominal 1 ms-per-line clock. Without a
start time both are an error.

Decoding: pyModeS 3 ``PipeDecoder`` (pairs even/odd CPR frames of one address received within
10 s, then decodes single frames locally against the last accepted position, and rejects
positions that imply impossible motion or are not corroborated by the first few fixes).
Positions come from DF17/18 extended squitter only: its address is in plain text and
protected by the CRC. Messages with a bad CRC are dropped and counted. DF0/4/5/11/16/20/21
replies carry the address in the parity and no position: they are counted as dropped, give
Comm-B callsigns (BDS 2,0) to the positions of the same address, and go with every other
message into the presence table (``ctx.presence``, :mod:`flightcheck.io.presence`): per
address first and last time, message counts, altitudes, selected altitude (BDS 4,0).
Surface positions (TC 5-8) need a reference position (``ReadOptions.receiver``, CLI
``--receiver LAT,LON``, within 45 NM); without it they are counted as unresolved.

Output: one row per resolved position. ``alt_ft`` barometric (TC 9-18), ``alt_geom_ft`` GNSS
height (TC 20-22), ``on_ground`` True for surface positions (which carry their own ground
speed and track), ``gs_kt``/``track_deg``/``vrate_fpm`` from the latest TC 19 velocity of that
address received within ``VELOCITY_MAX_AGE_S``, ``callsign`` from the latest TC 1-4 or
Comm-B BDS 2,0 message.
``position_source``: ``adsb`` (DF17, DF18 CF 0/1), ``tisb`` (DF18 CF 2/3/5), ``adsr`` (DF18
CF 6); non-ICAO addresses (DF18 CF 1 and 5) get a ``~`` prefix. ``row``: line number (text)
or 1-based frame number (Beast).
"""

from __future__ import annotations

import re
from datetime import UTC
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from flightcheck.io.context import ReadContext
from flightcheck.io.lines import content_lines
from flightcheck.io.presence import presence_table

FORMATS = ("avr", "modes-csv", "beast")
TIME_ORDERED: frozenset[str] = frozenset()

COUNTER_HZ = 12e6
"""Tick rate of the AVR ``@``/``<`` and Beast MLAT counter."""

BARE_AVR_STEP_S = 1e-3
"""Nominal spacing of bare ``*`` AVR lines on the decoder's pairing clock (not output)."""

VELOCITY_MAX_AGE_S = 30.0
"""A TC 19 velocity older than this (seconds) is not carried onto a position."""

COUNTER_RESET_S = 5.0
"""A counter step back longer than this (seconds) is a receiver restart; shorter ones are
frames merged out of order (0.27 s at most in a real dump1090 capture)."""

COUNTER_WRAP = 1 << 48
"""The counter is 48 bits wide: it wraps after 2**48 / 12 MHz = 271 days."""

_TIMED_PREFIX = {"@": 12, "%": 12, "<": 14}
"""AVR prefix -> hex digits before the message (counter, plus 2 signal digits for ``<``)."""

_AVR_LINE = re.compile(
    r"^(?:(\d{9,10}(?:\.\d*)?|\d{13})[ \t]*[ ,\t][ \t]*)?([*:@%<])([0-9A-Fa-f]+);?\s*$"
)
"""An AVR line, optionally after a logger's Unix time (seconds or 13-digit milliseconds)."""
_CSV_LINE = re.compile(
    r'^\s*(\d{9,10}(?:\.\d*)?)\s*[,\t;]\s*"?([0-9A-Fa-f]{28}|[0-9A-Fa-f]{14})"?\s*(?:[,\t;].*)?$'
)
_ESC = rb"(?:\x1a\x1a|[^\x1a])"
_BEAST_TOKEN = re.compile(
    rb"\x1a\x1a|\x1a(?:1(" + _ESC + rb"{9})|2(" + _ESC + rb"{14})|3(" + _ESC + rb"{21})|([^\x1a]))",
    re.DOTALL,
)
"""Beast tokens: a doubled 1A (skipped), a Mode A/C, short or long frame, or another type."""

_MSG_LENGTHS = (4, 14, 28)
"""Hex digits of a Mode A/C reply, a 56-bit and a 112-bit Mode S message."""

_DF18_SOURCE = {0: "adsb", 1: "adsb", 2: "tisb", 3: "tisb", 5: "tisb", 6: "adsr"}
_DF18_ANONYMOUS = frozenset((1, 5))


# --------------------------------------------------------------------------- sniffing


def _text_lines(head: bytes, n: int = 20) -> list[str] | None:
    try:
        text = head[:8192].decode("ascii")
    except UnicodeDecodeError:
        return None
    lines = [ln.strip() for ln in text.splitlines()]
    lines = [ln for ln in lines[:-1] if ln and not ln.startswith("#")] if len(lines) > 1 else lines
    return lines[:n]


def _is_avr(line: str) -> bool:
    m = _AVR_LINE.match(line)
    if not m or not line.rstrip().endswith(";"):
        return False
    return len(m.group(3)) - _TIMED_PREFIX.get(m.group(2), 0) in _MSG_LENGTHS


def sniff(head: bytes, name: str) -> str | None:
    """``beast`` for ``1A 31/32/33`` frames, ``avr`` for ``*HEX;`` lines, ``modes-csv`` for
    (Unix time, 14/28 hex digits) lines; all of the first non-blank lines must match."""
    if head[:1] == b"\x1a" and head[1:2] in (b"1", b"2", b"3"):
        tokens = list(_BEAST_TOKEN.finditer(head[:512]))
        frames = [t for t in tokens if t.group(0) != b"\x1a\x1a"]
        if frames and frames[0].start() == 0 and frames[0].lastindex in (1, 2, 3):
            return "beast"
        return None
    lines = _text_lines(head)
    if not lines:
        return None
    if all(_is_avr(ln) for ln in lines):
        return "avr"
    body = lines[1:] if lines and not _CSV_LINE.match(lines[0]) else lines
    if body and all(_CSV_LINE.match(ln) for ln in body):
        return "modes-csv"
    return None


# --------------------------------------------------------------------------- parsing


def _start_seconds(ctx: ReadContext, what: str) -> float:
    start = ctx.options.start_time
    if start is None:
        raise ctx.fail(f"{what} has no wall-clock time; give the capture start with --start-time")
    if start.tzinfo is None:
        start = start.replace(tzinfo=ZoneInfo(ctx.options.tz or "UTC"))
    return start.astimezone(UTC).timestamp()


def _parse_avr(text: str, ctx: ReadContext) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """(messages, counter ticks or NaN, line numbers, logger Unix seconds or NaN) of the AVR
    lines in ``text``."""
    msgs: list[str] = []
    ticks: list[float] = []
    rows: list[int] = []
    stamps: list[float] = []
    bad: list[int] = []
    for lineno, line in content_lines(text):
        m = _AVR_LINE.match(line)
        skip = _TIMED_PREFIX.get(m.group(2), 0) if m else 0
        body = m.group(3) if m else ""
        if not m or len(body) - skip not in _MSG_LENGTHS:
            bad.append(lineno)
            continue
        msgs.append(body[skip:].upper())
        ticks.append(float(int(body[:12], 16)) if skip else np.nan)
        rows.append(lineno)
        stamps.append(_logger_seconds(m.group(1)))
    _drop_unreadable(bad, ctx, "not an AVR message line (*HEX; or @COUNTER HEX;)")
    return (
        msgs,
        np.array(ticks, dtype="float64"),
        np.array(rows, dtype="int64"),
        np.array(stamps, dtype="float64"),
    )


def _logger_seconds(prefix: str | None) -> float:
    """Unix seconds of a logger's line stamp (13 digits: milliseconds); NaN without one."""
    if not prefix:
        return np.nan
    return int(prefix) / 1000.0 if len(prefix) == 13 else float(prefix)


def _parse_csv(text: str, ctx: ReadContext) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(messages, Unix seconds, line numbers) of ``time,message`` lines; a header is skipped."""
    msgs: list[str] = []
    times: list[float] = []
    rows: list[int] = []
    bad: list[int] = []
    for lineno, line in content_lines(text):
        m = _CSV_LINE.match(line)
        if not m:
            if lineno == 1 or not msgs and not bad:
                continue  # header
            bad.append(lineno)
            continue
        times.append(float(m.group(1)))
        msgs.append(m.group(2).upper())
        rows.append(lineno)
    _drop_unreadable(bad, ctx, "not a (Unix time, Mode S hex message) line")
    return msgs, np.array(times, dtype="float64"), np.array(rows, dtype="int64")


def _parse_beast(data: bytes, ctx: ReadContext) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(messages, counter ticks, 1-based frame numbers) of the Beast Mode S/A-C frames."""
    msgs: list[str] = []
    ticks: list[float] = []
    rows: list[int] = []
    frame = 0
    other = 0
    for token in _BEAST_TOKEN.finditer(data):
        kind = token.lastindex
        if kind is None:
            continue  # a doubled 1A outside a frame: resynchronising
        frame += 1
        if kind == 4:
            other += 1
            continue
        body = token.group(kind).replace(b"\x1a\x1a", b"\x1a")
        ticks.append(float(int.from_bytes(body[:6], "big")))
        msgs.append(body[7:].hex().upper())
        rows.append(frame)
    ctx.drop("Beast frame of another type (status, receiver id, extensions)", other)
    return msgs, np.array(ticks, dtype="float64"), np.array(rows, dtype="int64")


def _drop_unreadable(bad: list[int], ctx: ReadContext, message: str) -> None:
    if bad:
        rows = np.array(bad, dtype="int64")
        ctx.drop_bad(np.ones(len(rows), dtype=bool), rows, message)


def _counter_times(
    ticks: np.ndarray, start: float, ctx: ReadContext
) -> tuple[np.ndarray, np.ndarray]:
    """(Unix seconds, decoding order) from 12 MHz counter ticks (NaN: carry the previous
    counter forward).

    Wraps are unwrapped; steps back beyond ``COUNTER_RESET_S`` are reported as restarts;
    smaller ones are counted, and the order sorts them by counter between restarts.
    """
    if not len(ticks):
        return ticks, np.arange(0)
    ticks = pd.Series(ticks).ffill().bfill().to_numpy()
    step = np.diff(ticks)
    margin = COUNTER_RESET_S * COUNTER_HZ
    wrapped = (step < 0) & (ticks[:-1] > COUNTER_WRAP - margin) & (ticks[1:] < margin)
    if wrapped.any():
        ticks = ticks + COUNTER_WRAP * np.concatenate(([0], np.cumsum(wrapped)))
        step = np.diff(ticks)
        ctx.notes.append(
            f"the 48-bit receiver counter wrapped {int(wrapped.sum())} times "
            "(every 271 days); unwrapped"
        )
    resets = step < -margin
    if resets.any():
        ctx.notes.append(
            f"receiver counter jumped back by more than {COUNTER_RESET_S:g} s "
            f"{int(resets.sum())} times (receiver restart?): times after a reset "
            "are wrong"
        )
    segment = np.concatenate(([0], np.cumsum(resets)))
    behind = pd.Series(ticks).groupby(segment).cummax().to_numpy() - ticks
    late = behind > 0
    if late.any():
        ctx.notes.append(
            f"{int(late.sum())} frames arrived out of counter order (at most "
            f"{behind.max() / COUNTER_HZ:.3g} s late); decoded in counter order"
        )
    order = np.lexsort((ticks, segment))  # by counter within each run between restarts
    return start + (ticks - ticks[0]) / COUNTER_HZ, order


# --------------------------------------------------------------------------- decoding


def _decode(msgs: list[str], clock: np.ndarray, ctx: ReadContext) -> tuple[list[dict], np.ndarray]:
    """Run every Mode S message through one PipeDecoder, in order; returns (results, index
    into msgs). Mode A/C replies (4 hex digits, no address) are counted and skipped."""
    from pyModeS import PipeDecoder

    pipe = PipeDecoder(surface_ref=ctx.options.receiver)
    results: list[dict] = []
    index: list[int] = []
    mode_ac = 0
    decode = pipe.decode
    for i, msg in enumerate(msgs):
        if len(msg) == 4:
            mode_ac += 1
            continue
        results.append(decode(msg, timestamp=float(clock[i])))
        index.append(i)
    pipe.flush()
    ctx.drop("Mode A/C reply (no address)", mode_ac)
    stats = pipe.stats
    if stats["position_rejected"] or stats["altitude_mismatch"] or stats["velocity_mismatch"]:
        ctx.notes.append(
            f"pyModeS rejected {stats['position_rejected']} implausible positions, "
            f"{stats['altitude_mismatch']} altitudes and {stats['velocity_mismatch']} "
            "velocities (FRUIT / corrupted frames)"
        )
    return results, np.array(index, dtype="int64")


def _get(results: list[dict], key: str) -> np.ndarray:
    return np.array([np.nan if (v := r.get(key)) is None else v for r in results], dtype="float64")


def _own_positions(results: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """Each frame's own position: its CPR decoded locally against the pipe's position.

    PipeDecoder gives both frames of an even/odd pair the position of the newer one; decoding
    each frame against that (validated, metres away) reference restores its own position.
    """
    from pyModeS.position import airborne_position_with_ref, surface_position_with_ref

    lat = np.full(len(results), np.nan)
    lon = np.full(len(results), np.nan)
    for i, r in enumerate(results):
        ref_lat, ref_lon = r.get("latitude"), r.get("longitude")
        if ref_lat is None or ref_lon is None:
            continue
        local = airborne_position_with_ref if r["bds"] == "0,5" else surface_position_with_ref
        lat[i], lon[i] = local(r["cpr_format"], r["cpr_lat"], r["cpr_lon"], ref_lat, ref_lon)
    return lat, lon


def _to_rows(
    results: list[dict],
    index: np.ndarray,
    msgs: list[str],
    times: np.ndarray,
    rows: np.ndarray,
    ctx: ReadContext,
    addresses: np.ndarray | None = None,
    heard: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Decoded messages -> one row per resolved position, with carried-forward extras.

    Positions come from DF17/18 only. Callsigns come from ADS-B identification and Comm-B
    BDS 2,0. Every message with an address also goes into ``ctx.presence``. ``addresses``:
    the address of each message where the input names it (OpenSky's ``icao24``), used for
    replies whose address is otherwise recovered from the parity; ``heard``: (last times,
    counts) per message where the input aggregates repeats (``maxtime``, ``msgcount``).
    """
    n = len(results)
    tc = _get(results, "typecode")
    dfs = np.array([r.get("df", -1) for r in results], dtype="int64").reshape(n)
    es = (dfs == 17) | (dfs == 18)
    crc_ok = np.array([r.get("crc_valid") is True for r in results], dtype=bool).reshape(n)
    ctx.drop("bad CRC", int(np.sum(es & ~crc_ok)))
    ctx.drop("Mode S reply other than DF17/18 (no position)", int(np.sum(~es)))
    first = np.array([int(msgs[i][:2], 16) for i in index], dtype="int64").reshape(n)
    cf = first & 7
    df18 = dfs == 18
    icao = pd.Series([r.get("icao") or "" for r in results], dtype="str").str.lower()
    if addresses is not None:
        icao = icao.where(es, pd.Series(addresses[index], dtype="str"))
    anonymous = df18 & np.isin(cf, list(_DF18_ANONYMOUS))
    icao = icao.where(~anonymous, "~" + icao)
    source = np.where(df18, pd.Series(cf).map(_DF18_SOURCE).fillna("other").to_numpy(), "adsb")
    lat, lon = _own_positions(results)
    surface = es & (tc >= 5) & (tc <= 8)
    airborne = es & (((tc >= 9) & (tc <= 18)) | ((tc >= 20) & (tc <= 22)))
    velocity = es & (tc == 19) & crc_ok
    ident = es & (tc >= 1) & (tc <= 4) & crc_ok
    bds = np.array([r.get("bds") for r in results], dtype=object).reshape(n)
    commb_ident = ~es & (bds == "2,0")
    position = (surface | airborne) & crc_ok
    resolved = position & ~np.isnan(lat) & ~np.isnan(lon)
    unresolved = position & ~resolved
    if (unresolved & surface).any() and ctx.options.receiver is None:
        ctx.notes.append(
            "surface positions need a reference: give the receiver position with --receiver LAT,LON"
        )
    ctx.drop(
        "position not resolved (no even/odd CPR pair in 10 s, or rejected)", int(unresolved.sum())
    )
    ctx.drop(
        "ADS-B identification/velocity (merged into position rows)", int((velocity | ident).sum())
    )
    ctx.drop(
        "ADS-B message of another type (status, operational)",
        int((crc_ok & ~position & ~velocity & ~ident).sum()),
    )

    t = times[index]
    alt = _get(results, "altitude")
    gs, trk = _get(results, "groundspeed"), _get(results, "track")
    vr = _get(results, "vertical_rate")
    callsign = pd.Series([r.get("callsign") for r in results], dtype="object")
    named = ident | commb_ident
    frame = pd.DataFrame(
        {
            "icao24": icao,
            "vel_t": np.where(velocity, t, np.nan),
            "vel_gs": np.where(velocity, gs, np.nan),
            "vel_trk": np.where(velocity, trk, np.nan),
            "vel_vr": np.where(velocity, vr, np.nan),
            "callsign": callsign.where(named),
        }
    )
    carried = frame.groupby("icao24", sort=False).ffill()
    fresh = (t - carried["vel_t"].to_numpy()) <= VELOCITY_MAX_AGE_S
    out = pd.DataFrame(
        {
            "time": t,
            "icao24": icao,
            "lat": lat,
            "lon": lon,
            "alt_ft": np.where(airborne & (tc <= 18), alt, np.nan),
            "alt_geom_ft": np.where(airborne & (tc >= 20), alt, np.nan),
            "on_ground": pd.array(np.where(surface, True, False), dtype="boolean"),
            "gs_kt": np.where(surface, gs, np.where(fresh, carried["vel_gs"], np.nan)),
            "track_deg": np.where(surface, trk, np.where(fresh, carried["vel_trk"], np.nan)),
            "vrate_fpm": np.where(surface, np.nan, np.where(fresh, carried["vel_vr"], np.nan)),
            "callsign": carried["callsign"].astype("str"),
            "position_source": source,
            "row": rows[index],
        }
    )
    has_address = (~es | crc_ok) & (icao.str.len() > 0).to_numpy()
    baro = np.where((airborne & (tc <= 18)) | np.isin(dfs, (0, 4, 16, 20)), alt, np.nan)
    selected = np.array([_selected_altitude(r) for r in results], dtype="float64").reshape(n)
    t_last, counts = (
        (heard[0][index], heard[1][index]) if heard is not None else (t, np.ones(n, dtype="int64"))
    )
    k = has_address
    ctx.presence = presence_table(
        icao.to_numpy()[k],
        t[k],
        t_last[k],
        rows[index][k],
        counts[k],
        (es & crc_ok)[k],
        resolved[k],
        callsign.where(named).to_numpy()[k],
        baro[k],
        selected[k],
    )
    return out[resolved].reset_index(drop=True)


def _selected_altitude(result: dict) -> float:
    """Comm-B BDS 4,0 selected altitude (MCP/FCU, else FMS), feet; NaN when absent."""
    value = result.get("selected_altitude_mcp")
    if value is None:
        value = result.get("selected_altitude_fms")
    return np.nan if value is None else float(value)


# --------------------------------------------------------------------------- entry point


def read(data: bytes, ctx: ReadContext, fmt: str) -> pd.DataFrame:
    """Decode raw Mode S into track rows (see the module docstring)."""
    stamps = None
    if fmt == "beast":
        msgs, ticks, rows = _parse_beast(data, ctx)
        what = "Beast binary capture (12 MHz receiver counter only)"
    elif fmt == "modes-csv":
        msgs, ticks, rows = _parse_csv(data.decode("ascii", "replace"), ctx)
    else:
        msgs, ticks, rows, stamps = _parse_avr(data.decode("ascii", "replace"), ctx)
        what = "bare AVR log"
    ctx.records = len(msgs)
    if not msgs:
        raise ctx.fail(f"no Mode S messages found in this {fmt} file")
    if fmt == "modes-csv":
        times = clock = ticks
    elif stamps is not None and not np.isnan(stamps).all():
        unstamped = np.isnan(stamps)
        keep = ctx.drop_bad(
            unstamped, rows, "AVR line without the Unix time the other lines of this log carry"
        )
        msgs = [m for m, k in zip(msgs, keep, strict=True) if k]
        times = clock = stamps[keep]
        rows = rows[keep]
    elif fmt == "avr" and np.isnan(ticks).all():
        start = _start_seconds(ctx, what)
        times = np.full(len(msgs), start)
        clock = start + np.arange(len(msgs)) * BARE_AVR_STEP_S
        ctx.notes.append(
            "bare AVR log: messages carry no time; every position is stamped "
            "with --start-time, ordered by line number only"
        )
    else:
        start = _start_seconds(
            ctx, "AVR log with a 12 MHz receiver counter" if fmt == "avr" else what
        )
        times, order = _counter_times(ticks, start, ctx)
        msgs = [msgs[i] for i in order]
        times, rows = times[order], rows[order]
        clock = times
    return decode_messages(msgs, times, clock, rows, ctx)


def decode_messages(
    msgs: list[str],
    times: np.ndarray,
    clock: np.ndarray,
    rows: np.ndarray,
    ctx: ReadContext,
    addresses: np.ndarray | None = None,
    heard: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Mode S hex messages (upper case, 4, 14 or 28 digits, in time order) -> track rows.

    ``times``: Unix seconds stamped on the output; ``clock``: the decoder's pairing clock
    (the same, except for bare AVR); ``rows``: record numbers. Sets ``ctx.presence``. The
    one decoding path of every raw Mode S reader (AVR, Beast, CSV, OpenSky raw tables).
    """
    results, index = _decode(msgs, clock, ctx)
    return _to_rows(results, index, msgs, times, rows, ctx, addresses, heard)
