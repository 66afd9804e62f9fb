"""OpenSky Network state vectors: historical CSV / parquet exports and the REST ``/states/all``.

Formats (see FORMATS.md section 5):

* ``opensky-csv``: the ``state_vectors_data4`` columns (``time,icao24,lat,lon,velocity,heading,
  vertrate,callsign,onground,alert,spi,squawk,baroaltitude,geoaltitude,lastposupdate,
  lastcontact``, optionally ``serials``, ``hour``), in any order or a subset with time, icao24,
  lat and lon. Units: m, m/s. ``timestamp`` is accepted for ``time``.
  Also the traffic/pyopensky style (``format_history``): ``timestamp, latitude, longitude,
  altitude, groundspeed, track, vertical_rate, geoaltitude, last_position`` -- these files are
  already in **feet, knots and ft/min** (traffic's default ``nautical_units=True``).
* ``opensky-parquet``: the same columns in a parquet file (Trino/pyopensky caches, traffic).
* ``opensky-json``: the REST ``{"time": ..., "states": [[icao24, callsign, origin_country,
  time_position, last_contact, longitude, latitude, ...], ...]}`` response (**lon before lat**).

Stale repeats: the state-vector table holds one row per aircraft per second (10 s in the public
samples) and repeats the last position until a new one arrives. A real fix is identified by
``lastposupdate``: of the rows of one aircraft with the same ``lastposupdate`` only the earliest
(by ``time``) is kept, the others are counted as "stale repeat". The point's ``time`` is
``lastposupdate`` (when the position was actually received), not ``time`` (when the state was
sampled); speed, track, altitudes and flags come from that earliest row. Without
``lastposupdate`` every row is kept with its ``time``.

Times (``time``, ``lastposupdate``) may be Unix seconds (int or float), Unix milliseconds
(recognised by magnitude, noted), naive datetimes (UTC), datetimes in any zone (NumPy or
Arrow-backed, as pyopensky/Trino return them) or ISO 8601 strings.

``row``: the line number in the CSV (header = line 1), the 1-based data row in parquet, the
1-based index into ``states`` in the REST JSON.
"""

from __future__ import annotations

import io
import re

import numpy as np
import orjson
import pandas as pd

from flightcheck.io.context import ReadContext
from flightcheck.io.lines import check_csv_header
from flightcheck.track.table import as_time, ns_utc
from flightcheck.units import FPM_PER_MS, FT_PER_M, KT_PER_MS

FORMATS = ("opensky-csv", "opensky-parquet", "opensky-json")
TIME_ORDERED: frozenset[str] = frozenset()

PARQUET_MAGIC = b"PAR1"

NATIVE_COLUMNS = (
    "time",
    "icao24",
    "lat",
    "lon",
    "velocity",
    "heading",
    "vertrate",
    "callsign",
    "onground",
    "squawk",
    "baroaltitude",
    "geoaltitude",
    "lastposupdate",
    "position_source",
)
"""OpenSky state-vector columns the reader uses (metres, m/s)."""

NATIVE_SPECIFIC = frozenset(
    {
        "velocity",
        "vertrate",
        "baroaltitude",
        "geoaltitude",
        "lastposupdate",
        "lastcontact",
        "onground",
    }
)
"""Column names that mark a CSV with time/icao24/lat/lon as OpenSky (not a plain CSV)."""

TRAFFIC_NAMES = {
    "timestamp": "time",
    "latitude": "lat",
    "longitude": "lon",
    "groundspeed": "velocity",
    "track": "heading",
    "vertical_rate": "vertrate",
    "altitude": "baroaltitude",
    "last_position": "lastposupdate",
}
"""traffic's ``format_history`` names -> OpenSky names (values then in ft, kt, ft/min)."""

TEXT_COLUMNS = frozenset({"icao24", "callsign", "squawk", "onground"})
"""CSV columns read as text (a squawk of 0200 or an all-digit hex address stay as written)."""

RAW_COLUMNS = frozenset({"rawmsg", "mintime"})
"""Columns that make a table an OpenSky raw-message table (``opensky-rawmsg``)."""

POSITION_SOURCES = {0: "adsb", 1: "other", 2: "mlat", 3: "other"}
"""OpenSky ``position_source``: 0 ADS-B, 1 ASTERIX, 2 MLAT, 3 FLARM."""

STATE_FIELDS = (
    "icao24",
    "callsign",
    "origin_country",
    "time_position",
    "last_contact",
    "lon",
    "lat",
    "baroaltitude",
    "onground",
    "velocity",
    "heading",
    "vertrate",
    "sensors",
    "geoaltitude",
    "squawk",
    "spi",
    "position_source",
)
"""The first 17 entries of a REST state vector (an 18th, ``category``, is optional)."""

_STATES_KEY = re.compile(rb'"states"\s*:\s*(?:null|\[\s*[\[\]])')
_HEX = r"~?[0-9a-f]{6}"


def _header(head: bytes) -> list[str]:
    line = head.split(b"\n", 1)[0].decode("utf-8", "replace").lstrip("\ufeff").strip()
    return [c.strip().strip('"').strip().lower() for c in line.split(",")]


def csv_style(columns: set[str]) -> str | None:
    """``"native"`` (m, m/s), ``"traffic"`` (ft, kt) or None when not OpenSky columns."""
    if (
        {"icao24", "lat", "lon"} <= columns
        and columns & {"time", "timestamp"}
        and columns & NATIVE_SPECIFIC
    ):
        return "native"
    if {"icao24", "latitude", "longitude", "timestamp"} <= columns and (
        "last_position" in columns or ("onground" in columns and columns & {"spi", "alert"})
    ):
        return "traffic"
    return None


def sniff(head: bytes, name: str) -> str | None:
    """OpenSky if parquet magic, a ``"states"`` JSON array, or an OpenSky CSV header."""
    if head[:4] == PARQUET_MAGIC:
        return "opensky-parquet"
    stripped = head.lstrip()
    if stripped[:1] == b"{":
        return "opensky-json" if _STATES_KEY.search(stripped[:2048]) else None
    if csv_style(set(_header(head))):
        return "opensky-csv"
    return None


def read(data: bytes, ctx: ReadContext, fmt: str) -> pd.DataFrame:
    """Read OpenSky state vectors into track-table columns (see the module docstring)."""
    if fmt == "opensky-json":
        return _read_json(data, ctx)
    if fmt == "opensky-parquet" and set(parquet_columns(data, ctx)) >= RAW_COLUMNS:
        from flightcheck.io import opensky_rawmsg

        ctx.format = "opensky-rawmsg"  # the footer, not the head, names the columns
        return opensky_rawmsg.read(data, ctx, "opensky-rawmsg")
    wanted = set(NATIVE_COLUMNS) | set(TRAFFIC_NAMES)
    frame, rows = (
        read_parquet(data, ctx, wanted) if fmt == "opensky-parquet" else read_csv(data, ctx)
    )
    ctx.records = len(frame)
    columns = set(frame.columns)
    style = csv_style(columns) or ("traffic" if {"latitude", "longitude"} <= columns else "native")
    if style == "traffic":
        frame = frame.rename(columns=TRAFFIC_NAMES)
    elif "time" not in columns and "timestamp" in columns:
        frame = frame.rename(columns={"timestamp": "time"})
    missing = [c for c in ("time", "icao24", "lat", "lon") if c not in frame.columns]
    if missing:
        found = ", ".join(sorted(columns)) or "none"
        raise ctx.fail(
            f"not OpenSky state vectors: no {', '.join(missing)} column (columns: {found})"
        )
    return _to_track(frame, rows, ctx, nautical=style == "traffic")


def read_csv(
    data: bytes, ctx: ReadContext, text_cols: frozenset[str] = TEXT_COLUMNS
) -> tuple[pd.DataFrame, np.ndarray]:
    """(frame with lower-case column names, line numbers) of an OpenSky CSV; blank lines and
    repeated header lines are left out. ``text_cols`` are read as text, never as numbers."""
    check_csv_header(data, ctx, "an OpenSky CSV")
    options = {"encoding": "utf-8-sig", "encoding_errors": "replace"}
    try:
        names = pd.read_csv(io.BytesIO(data), nrows=0, **options).columns
        dtypes = {n: "str" for n in names if str(n).strip().lower() in text_cols}
        frame = pd.read_csv(
            io.BytesIO(data), dtype=dtypes, skip_blank_lines=False, low_memory=False, **options
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ctx.fail(f"unreadable OpenSky CSV ({msg})") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    rows = np.arange(2, len(frame) + 2, dtype="int64")
    keep = ~frame.isna().all(axis=1).to_numpy()
    if "icao24" in frame.columns:
        header_again = (frame["icao24"] == "icao24").fillna(False).to_numpy(dtype=bool)
        if header_again.any():
            ctx.drop("repeated header line", int(header_again.sum()))
            keep &= ~header_again
    if not keep.all():
        frame, rows = frame[keep].reset_index(drop=True), rows[keep]
    return frame, rows


def parquet_columns(data: bytes, ctx: ReadContext) -> list[str]:
    """The lower-case column names in a parquet file's footer."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return [n.lower() for n in pq.ParquetFile(pa.BufferReader(data)).schema_arrow.names]
    except (pa.ArrowException, OSError, ValueError, TypeError) as exc:
        raise ctx.fail(f"unreadable parquet file ({exc})") from None


def read_parquet(
    data: bytes, ctx: ReadContext, wanted: set[str]
) -> tuple[pd.DataFrame, np.ndarray]:
    """(frame of the ``wanted`` columns, lower-cased, 1-based data rows) of a parquet file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(pa.BufferReader(data))
        names = [n for n in parquet.schema_arrow.names if n.lower() in wanted]
        frame = parquet.read(columns=names).to_pandas()
    except (pa.ArrowException, OSError, ValueError, TypeError) as exc:
        raise ctx.fail(f"unreadable parquet file ({exc})") from None
    frame.columns = [c.lower() for c in frame.columns]
    return frame, np.arange(1, len(frame) + 1, dtype="int64")


def _read_json(data: bytes, ctx: ReadContext) -> pd.DataFrame:
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ctx.fail(f"invalid JSON ({exc}); is the file truncated?") from None
    if not isinstance(doc, dict) or "states" not in doc:
        raise ctx.fail('not an OpenSky /states response (no "states" key)')
    states = doc["states"] or []
    if not isinstance(states, list):
        raise ctx.fail('"states" is not a list')
    ctx.records = len(states)
    rows = np.arange(1, len(states) + 1, dtype="int64")
    ok = np.array([isinstance(s, list) and len(s) >= len(STATE_FIELDS) for s in states], dtype=bool)
    keep = ctx.drop_bad(
        ~ok, rows, f"state vector is not a list of {len(STATE_FIELDS)} or more values"
    )
    good = [s[: len(STATE_FIELDS)] for s, k in zip(states, keep, strict=True) if k]
    frame = pd.DataFrame(good, columns=list(STATE_FIELDS), dtype=object)
    frame["time"] = frame.pop("time_position")
    frame.loc[frame["time"].isna(), ["lat", "lon"]] = None  # no position in the last 15 s
    return _to_track(frame, rows[keep], ctx, nautical=False)


def numeric(
    frame: pd.DataFrame, col: str, rows: np.ndarray, ctx: ReadContext, keep: np.ndarray
) -> np.ndarray:
    """Column ``col`` as float64 (NaN when absent or empty); unreadable values are bad."""
    if col not in frame.columns:
        return np.full(len(frame), np.nan)
    raw = frame[col]
    if pd.api.types.is_bool_dtype(raw.dtype) or isinstance(raw.dtype, pd.DatetimeTZDtype):
        raise ctx.fail(f"column {col!r} holds {raw.dtype} values, expected numbers")
    values = pd.to_numeric(raw, errors="coerce").astype("float64").to_numpy()
    unreadable = keep & np.isnan(values) & raw.notna().to_numpy()
    if unreadable.any():
        if raw.dtype == object or pd.api.types.is_string_dtype(raw.dtype):
            text = raw.astype("str").str.strip()
            unreadable &= (text != "").to_numpy()
        keep &= ctx.drop_bad(unreadable, rows, f"unreadable number in column {col!r}")
    return values


MILLISECONDS_ABOVE = 1e11
"""Numeric times above this are Unix milliseconds (1e11 s is the year 5138), as in the
plain-CSV and JSON-records readers."""


def unix_seconds(
    frame: pd.DataFrame, col: str, rows: np.ndarray, ctx: ReadContext, keep: np.ndarray
) -> np.ndarray:
    """Column ``col`` as float Unix seconds.

    Accepts numbers (seconds, or milliseconds when the column's largest value exceeds
    ``MILLISECONDS_ABOVE``; int or float), datetimes (naive = UTC, tz-aware in any zone,
    NumPy or Arrow-backed, as pyopensky/Trino return them) and ISO 8601 strings.
    """
    if col not in frame.columns:
        return np.full(len(frame), np.nan)
    raw = frame[col]
    if pd.api.types.is_bool_dtype(raw.dtype):
        raise ctx.fail(f"column {col!r} holds {raw.dtype} values, expected times")
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        stamps = pd.to_datetime(raw, utc=True)  # naive -> UTC; any zone -> UTC
    else:
        numbers = (
            raw if pd.api.types.is_numeric_dtype(raw.dtype) else pd.to_numeric(raw, errors="coerce")
        )
        if numbers.notna().sum() == raw.notna().sum():
            return _scaled_seconds(numbers.astype("float64").to_numpy(), col, ctx)
        stamps = pd.to_datetime(
            raw.astype("str").where(raw.notna()), utc=True, format="ISO8601", errors="coerce"
        )
    ns = ns_utc(stamps).array.asi8
    values = np.where(stamps.isna().to_numpy(), np.nan, ns / 1e9)
    unreadable = keep & np.isnan(values) & raw.notna().to_numpy()
    keep &= ctx.drop_bad(unreadable, rows, f"unreadable time in column {col!r}")
    return values


def _scaled_seconds(values: np.ndarray, col: str, ctx: ReadContext) -> np.ndarray:
    """Unix seconds from numeric times: milliseconds are recognised by their magnitude."""
    finite = np.isfinite(values)
    if finite.any() and np.abs(values[finite]).max() > MILLISECONDS_ABOVE:
        ctx.notes.append(f"column {col!r}: times are Unix milliseconds (values above 1e11)")
        return values / 1000.0
    return values


def _booleans(frame: pd.DataFrame, col: str) -> pd.Series | None:
    if col not in frame.columns:
        return None
    raw = frame[col]
    if pd.api.types.is_bool_dtype(raw.dtype):
        return raw.astype("boolean")
    text = raw.astype("str").str.strip().str.lower().where(raw.notna())
    truth = {
        "true": True,
        "1": True,
        "1.0": True,
        "t": True,
        "false": False,
        "0": False,
        "0.0": False,
        "f": False,
    }
    return text.map(truth).astype("boolean")


def _texts(frame: pd.DataFrame, col: str) -> pd.Series | None:
    if col not in frame.columns:
        return None
    raw = frame[col]
    return raw.astype("str").str.strip().where(raw.notna())


def seconds_to_time(seconds: np.ndarray) -> pd.Series:
    """Float Unix seconds -> UTC datetimes, rounded to the microsecond (NaN -> NaT).

    Rounding keeps ``1760000001.7`` at ``.700000`` instead of float noise in nanoseconds;
    inf and 1e18 become times the track table's range check refuses (never an error here).
    """
    return pd.Series(as_time(pd.Series(np.asarray(seconds, dtype="float64"))))


def stale_repeats(icao: pd.Series, t_row: np.ndarray, t_pos: np.ndarray) -> np.ndarray:
    """Mask of rows repeating an earlier row's (icao24, lastposupdate): stale positions."""
    has_pos = ~np.isnan(t_pos)
    order = np.argsort(t_row, kind="stable")
    keys = pd.DataFrame({"icao24": icao.to_numpy()[order], "t": t_pos[order]})
    dup_sorted = keys.duplicated(keep="first").to_numpy() & has_pos[order]
    dup = np.zeros(len(t_row), dtype=bool)
    dup[order] = dup_sorted
    return dup


def _to_track(
    frame: pd.DataFrame, rows: np.ndarray, ctx: ReadContext, nautical: bool
) -> pd.DataFrame:
    """OpenSky-named columns -> track-table columns; drops stale repeats (module docstring)."""
    frame = frame.reset_index(drop=True)
    keep = np.ones(len(frame), dtype=bool)
    icao = frame["icao24"].astype("str").str.strip().str.lower().where(frame["icao24"].notna())
    bad_hex = ~icao.fillna("").str.fullmatch(_HEX).to_numpy(dtype=bool)
    keep &= ctx.drop_bad(bad_hex, rows, "icao24 is not a 6-digit hex address")
    t_row = unix_seconds(frame, "time", rows, ctx, keep)
    t_pos = unix_seconds(frame, "lastposupdate", rows, ctx, keep)
    lat = numeric(frame, "lat", rows, ctx, keep)
    lon = numeric(frame, "lon", rows, ctx, keep)
    stale = keep & stale_repeats(icao, t_row, t_pos)
    if stale.any():
        ctx.drop("stale repeat", int(stale.sum()))
        keep &= ~stale
    speed_factor, vrate_factor, alt_factor = (
        (1.0, 1.0, 1.0) if nautical else (KT_PER_MS, FPM_PER_MS, FT_PER_M)
    )
    out = pd.DataFrame(
        {
            "time": seconds_to_time(np.where(np.isnan(t_pos), t_row, t_pos)),
            "icao24": icao,
            "lat": lat,
            "lon": lon,
            "alt_ft": numeric(frame, "baroaltitude", rows, ctx, keep) * alt_factor,
            "alt_geom_ft": numeric(frame, "geoaltitude", rows, ctx, keep) * alt_factor,
            "gs_kt": numeric(frame, "velocity", rows, ctx, keep) * speed_factor,
            "track_deg": numeric(frame, "heading", rows, ctx, keep),
            "vrate_fpm": numeric(frame, "vertrate", rows, ctx, keep) * vrate_factor,
            "row": rows,
        }
    )
    for col, src in (("callsign", "callsign"), ("squawk", "squawk")):
        values = _texts(frame, src)
        if values is not None:
            out[col] = values
    on_ground = _booleans(frame, "onground")
    if on_ground is not None:
        out["on_ground"] = on_ground
    out["position_source"] = "unknown"
    if "position_source" in frame.columns:
        codes = pd.to_numeric(frame["position_source"], errors="coerce")
        out["position_source"] = codes.map(POSITION_SOURCES).fillna("unknown").astype("str")
    return out[keep].reset_index(drop=True)
