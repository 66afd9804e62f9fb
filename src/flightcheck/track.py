"""The track table: one row per position report, one schema for every source.

Column names are the contract (see DESIGN.md). Units: degrees WGS-84, feet (``alt_ft`` is
barometric pressure altitude, ``alt_geom_ft`` GNSS / geometric), knots, degrees true, ft/min.
``source`` is the input's path and ``row`` the 1-based record number inside it, so every
finding traces back to the exact input record.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from flightcheck.io.context import ReadContext

TIME_DTYPE = "datetime64[ns, UTC]"

SCHEMA: dict[str, str] = {
    "time": TIME_DTYPE,
    "icao24": "str",
    "kind": "str",
    "callsign": "str",
    "registration": "str",
    "typecode": "str",
    "lat": "float64",
    "lon": "float64",
    "alt_ft": "float64",
    "alt_geom_ft": "float64",
    "on_ground": "boolean",
    "gs_kt": "float64",
    "track_deg": "float64",
    "vrate_fpm": "float64",
    "squawk": "str",
    "position_source": "str",
    "mlat": "boolean",
    "tisb": "boolean",
    "stale": "boolean",
    "new_leg": "boolean",
    "source": "str",
    "row": "int64",
}
"""Column -> pandas dtype, in table order."""

REQUIRED = ("time", "icao24", "lat", "lon")
"""Columns a reader must supply; the rest are filled with missing values when absent."""

POSITION_SOURCES = ("adsb", "mlat", "tisb", "adsr", "adsc", "estimated", "other", "unknown")
"""Values of ``position_source``: how the position was obtained, for down-weighting."""

MEASUREMENT_COLUMNS = (
    "time", "icao24", "lat", "lon", "alt_ft", "alt_geom_ft", "on_ground",
    "gs_kt", "track_deg", "vrate_fpm",
)
"""Columns that define an exact duplicate report (same aircraft, moment and measurements)."""


def empty() -> pd.DataFrame:
    """An empty track table with the full schema."""
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in SCHEMA.items()})


def _as_time(values: pd.Series) -> pd.Series:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").astype(TIME_DTYPE)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.dt.tz_localize("UTC").astype(TIME_DTYPE)
    if pd.api.types.is_numeric_dtype(values.dtype):
        # round float seconds to the microsecond so 1760000001.7 does not gain float noise
        us = np.round(values.to_numpy(dtype="float64") * 1e6)
        out = pd.Series(pd.to_datetime(us, unit="us", utc=True), index=values.index)
        return out.astype(TIME_DTYPE)
    return pd.to_datetime(values, utc=True, format="ISO8601").astype(TIME_DTYPE)


def _repeat(value: str, n: int, index: pd.Index) -> pd.Series:
    """A str column holding ``value`` n times (via pyarrow: ~40x faster than a list)."""
    return pd.Series(pd.array(pa.repeat(pa.scalar(value), n), dtype="str"), index=index)


def _missing(dtype: str, n: int, index: pd.Index) -> pd.Series:
    if dtype == "float64":
        return pd.Series(np.full(n, np.nan), index=index)
    if dtype == "boolean":
        return pd.Series(pd.array(np.zeros(n, dtype=bool), dtype="boolean"), index=index).where(
            np.zeros(n, dtype=bool)
        )
    if dtype == "int64":
        return pd.Series(np.zeros(n, dtype="int64"), index=index)
    return pd.Series([None] * n, index=index, dtype=dtype)


def to_track_table(frame: pd.DataFrame, ctx: ReadContext) -> pd.DataFrame:
    """Validate a reader's frame and return it in the exact track-table schema.

    ``frame`` must have ``time`` (UTC datetimes or Unix seconds), ``icao24``, ``lat``, ``lon``
    and ``row``; any other schema column is optional. Rows with no position (NaN lat/lon)
    are dropped and counted as "no position". Positions out of range, missing times and
    empty addresses are bad records: an error in strict mode, dropped with ``skip_bad``.
    ``source`` is set to ``ctx.path``.
    """
    for col in (*REQUIRED, "row"):
        if col not in frame.columns:
            raise ctx.fail(f"reader produced no {col!r} column (internal error, please report)")
    out: dict[str, pd.Series] = {}
    n = len(frame)
    index = pd.RangeIndex(n)
    rows = frame["row"].to_numpy(dtype="int64")
    for col, dtype in SCHEMA.items():
        if col == "source":
            out[col] = _repeat(ctx.path, n, index)
        elif col in frame.columns:
            values = frame[col].reset_index(drop=True)
            if col == "time":
                try:
                    out[col] = _as_time(values)
                except (ValueError, TypeError, OverflowError) as exc:
                    raise ctx.fail(f"unreadable time values ({exc})") from None
            elif dtype == "str":
                s = values.astype("str") if values.dtype != "str" else values
                s = s.where(values.notna()).str.strip()
                out[col] = s.where(s != "").astype("str")
            elif dtype == "boolean":
                out[col] = values.astype("boolean")
            else:
                out[col] = pd.to_numeric(values, errors="coerce").astype(dtype)
        elif col == "kind":
            out[col] = _repeat("aircraft", n, index)
        else:
            out[col] = _missing(dtype, n, index)
    table = pd.DataFrame(out)
    table["icao24"] = table["icao24"].str.lower()
    if "position_source" in frame.columns:
        ps = table["position_source"]
        known = ps.isna() | ps.isin(POSITION_SOURCES)
        table.loc[~known, "position_source"] = "other"
        known_src = ps.notna() & (ps != "unknown")
        if "mlat" not in frame.columns:
            table["mlat"] = (ps == "mlat").astype("boolean").where(known_src)
        if "tisb" not in frame.columns:
            table["tisb"] = (ps == "tisb").astype("boolean").where(known_src)
    lat = table["lat"].to_numpy()
    lon = table["lon"].to_numpy()
    no_pos = np.isnan(lat) | np.isnan(lon)
    if no_pos.any():
        ctx.drop("no position", int(no_pos.sum()))
    keep = ~no_pos
    bad_lat = keep & ~((lat >= -90) & (lat <= 90))
    keep &= ctx.drop_bad(bad_lat, rows, "latitude out of range [-90, 90]")
    bad_lon = keep & ~((lon >= -180) & (lon <= 180))
    keep &= ctx.drop_bad(bad_lon, rows, "longitude out of range [-180, 180]")
    bad_time = keep & table["time"].isna().to_numpy()
    keep &= ctx.drop_bad(bad_time, rows, "missing or unreadable time")
    bad_hex = keep & table["icao24"].isna().to_numpy()
    keep &= ctx.drop_bad(bad_hex, rows, "missing aircraft address")
    if not keep.all():
        table = table[keep].reset_index(drop=True)
    return table


def time_ns(table: pd.DataFrame) -> np.ndarray:
    """The ``time`` column as int64 nanoseconds since the Unix epoch (fast numpy view)."""
    return table["time"].array.asi8


def time_s(table: pd.DataFrame) -> np.ndarray:
    """The ``time`` column as float64 Unix seconds."""
    return table["time"].array.asi8 / 1e9


def check_time_order(table: pd.DataFrame, ctx: ReadContext) -> pd.DataFrame:
    """Reject time going backwards within each aircraft of a time-ordered format.

    For formats that are written in time order (traces, FR24 and KML tracks) a step back in
    time means a corrupt or hand-edited file. Equal times are allowed. With ``skip_bad`` the
    records that go back are dropped.
    """
    if len(table) < 2:
        return table
    t = time_ns(table)
    same = table["icao24"].to_numpy()[1:] == table["icao24"].to_numpy()[:-1]
    if not same.any():
        return table
    codes = pd.factorize(table["icao24"])[0]
    running = pd.Series(t).groupby(codes).cummax().to_numpy()
    prev_max = np.empty_like(running)
    prev_max[0] = np.iinfo("int64").min
    prev_max[1:] = running[:-1]
    same_full = np.concatenate([[False], codes[1:] == codes[:-1]])
    back = same_full & (t < prev_max)
    keep = ctx.drop_bad(back, table["row"].to_numpy(), "time goes backwards")
    return table if keep.all() else table[keep].reset_index(drop=True)


def clean(table: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Sort per aircraft by time, drop exact duplicates, carry callsigns forward.

    Exact duplicates are reports with identical :data:`MEASUREMENT_COLUMNS`, e.g. the same
    points in two overlapping ``trace_full`` files; the first input's copy is kept. Callsigns
    are carried forward (then back) within each aircraft and source: formats send them
    rarely. Returns the cleaned table and the number of duplicates removed.
    """
    if table.empty:
        return table.reset_index(drop=True), 0
    hex_codes, _ = pd.factorize(table["icao24"], sort=True)
    src_codes, _ = pd.factorize(table["source"])  # input order
    t = time_ns(table)
    order = np.lexsort((table["row"].to_numpy(), src_codes, t, hex_codes))
    if not (order == np.arange(len(order))).all():
        table = table.take(order)
        hex_codes, t = hex_codes[order], t[order]
    table = table.reset_index(drop=True)
    # only reports sharing (aircraft, time) with a neighbour can be exact duplicates
    same = (hex_codes[1:] == hex_codes[:-1]) & (t[1:] == t[:-1])
    removed = 0
    if same.any():
        cand = np.zeros(len(table), dtype=bool)
        cand[1:] |= same
        cand[:-1] |= same
        idx = np.flatnonzero(cand)
        dup = table.iloc[idx].duplicated(subset=list(MEASUREMENT_COLUMNS), keep="first")
        drop = idx[dup.to_numpy()]
        removed = len(drop)
        if removed:
            keep = np.ones(len(table), dtype=bool)
            keep[drop] = False
            table = table[keep].reset_index(drop=True)
    if table["callsign"].isna().any() and table["callsign"].notna().any():
        keys = [table["icao24"], table["source"]]
        table["callsign"] = table.groupby(keys, sort=False)["callsign"].ffill()
        table["callsign"] = table.groupby(keys, sort=False)["callsign"].bfill()
    return table, removed


def validate(table: pd.DataFrame) -> None:
    """Assert that ``table`` has the exact schema (columns, order and dtypes). For tests/API."""
    if list(table.columns[: len(SCHEMA)]) != list(SCHEMA):
        raise ValueError(f"columns {list(table.columns)} differ from {list(SCHEMA)}")
    for col, dtype in SCHEMA.items():
        if str(table[col].dtype) != str(pd.Series(dtype=dtype).dtype):
            raise ValueError(f"column {col!r} has dtype {table[col].dtype}, expected {dtype}")
