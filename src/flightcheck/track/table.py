"""The track table: one row per position report, one schema for every source.

Column names are the contract (see DESIGN.md). Units: degrees WGS-84, feet (``alt_ft`` is
barometric pressure altitude, ``alt_geom_ft`` GNSS / geometric), knots, degrees true, ft/min.
``source`` is the input's path and ``row`` the 1-based record number inside it, so every
finding traces back to the exact input record. ``flag`` marks fixes the data refutes
(:mod:`flightcheck.track.flags`): they keep their row, and inference leaves them out.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import pandas_dtype

from flightcheck.errors import InputError
from flightcheck.runtime.compat import utc_datetimes


class RecordLog(Protocol):
    """How table checks report bad records: what :class:`flightcheck.io.context.ReadContext`
    provides (a structural type, so the track layer imports nothing from ``io``)."""

    path: str

    @property
    def options(self) -> Any: ...  # its ``allow_future`` is read

    def fail(self, message: str, record: int | None = None) -> InputError: ...

    def drop(self, reason: str, count: int = 1) -> None: ...

    def drop_bad(self, mask: np.ndarray, rows: np.ndarray, message: str) -> np.ndarray: ...


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
    "flag": "str",
}
"""Column -> pandas dtype, in table order. ``flag``: why the data refutes the fix (a reason
of :data:`flightcheck.track.flags.REASONS`), missing for good fixes; readers never set it,
:func:`flightcheck.read` does (a table from one reader alone has it all missing)."""

_TIME = pd.DatetimeTZDtype("ns", "UTC")

REQUIRED = ("time", "icao24", "lat", "lon")
"""Columns a reader must supply; the rest are filled with missing values when absent."""

POSITION_SOURCES = ("adsb", "mlat", "tisb", "adsr", "adsc", "estimated", "other", "unknown")
"""Values of ``position_source``: how the position was obtained, for down-weighting."""

VALUE_RANGES: dict[str, tuple[float, float]] = {
    "alt_ft": (-5_000.0, 200_000.0),
    "alt_geom_ft": (-5_000.0, 200_000.0),
    "gs_kt": (0.0, 5_000.0),
    "track_deg": (-360.0, 360.0),
    "vrate_fpm": (-100_000.0, 100_000.0),
}
"""Inclusive bounds of measurements a report may carry (missing, NaN, is always allowed):
twice what any aircraft reaches (Concorde cruised at 60,000 ft and 1,180 kt), so only
corrupt or hostile values (inf, 1e300) fail; they are bad records, never table values."""

FUTURE_SLACK_NS = 86_400 * 10**9
"""Fix times may lie up to one day (ns) after now: receivers' clocks drift, exports are
made in every time zone; later is a bad record unless ``allow_future``."""


def time_bounds_ns(allow_future: bool = False) -> tuple[int, int]:
    """Accepted fix times, int64 ns since the epoch: 1970-01-01 .. now + one day (or up to
    2262, what pandas holds, with ``allow_future``; times beyond it stay refused)."""
    import time

    hi = _NS_MAX - 1 if allow_future else time.time_ns() + FUTURE_SLACK_NS
    return 0, int(hi)


MEASUREMENT_COLUMNS = (
    "time",
    "icao24",
    "lat",
    "lon",
    "alt_ft",
    "alt_geom_ft",
    "on_ground",
    "gs_kt",
    "track_deg",
    "vrate_fpm",
)
"""Columns that define an exact duplicate report (same aircraft, moment and measurements)."""


def empty() -> pd.DataFrame:
    """An empty track table with the full schema."""
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in SCHEMA.items()})


_NS_MAX = np.iinfo("int64").max
_NS_MIN = np.iinfo("int64").min  # NaT


def _ns_ints(raw: np.ndarray) -> np.ndarray:
    """int64 ns of a numpy datetime64 array of any unit; instants the ns range cannot hold
    (before 1677, after 2262) become the extreme values, which the range check refuses."""
    unit = np.datetime_data(raw.dtype)[0]
    src = raw.view("int64")
    if unit == "ns":
        return src.copy()
    per = int(np.timedelta64(1, unit) / np.timedelta64(1, "ns"))  # type: ignore[call-overload]
    lim = _NS_MAX // per
    ints = np.clip(src, -lim, lim) * per
    ints[src > lim] = _NS_MAX
    ints[(src < -lim) & (src != _NS_MIN)] = _NS_MIN + 1
    ints[src == _NS_MIN] = _NS_MIN
    return ints


def ns_utc(values: pd.Series) -> pd.Series:
    """Datetimes of any resolution (naive = UTC) as the table's ``datetime64[ns, UTC]``,
    never raising: see :func:`_ns_ints` for instants outside the nanosecond range."""
    naive = (
        values.dt.tz_convert("UTC").dt.tz_localize(None)
        if isinstance(values.dtype, pd.DatetimeTZDtype)
        else values
    )
    ints = _ns_ints(np.asarray(naive.to_numpy(), dtype=naive.dtype))
    return pd.Series(utc_datetimes(ints), index=values.index, name=values.name)


def as_time(values: pd.Series) -> pd.arrays.DatetimeArray:
    """A reader's time column (UTC datetimes, naive = UTC, or float Unix seconds rounded to
    the microsecond) as the table's UTC nanosecond array; unreadable values become NaT and
    instants beyond the nanosecond range the extremes the range check refuses."""
    if values.dtype == _TIME and values.dtype.tz is _TIME.tz:  # already the table's (readsb)
        return values.array
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return ns_utc(values).array
    if pd.api.types.is_numeric_dtype(values.dtype):
        # round float seconds to the microsecond so 1760000001.7 does not gain float noise
        sec = values.to_numpy(dtype="float64", na_value=np.nan)
        with np.errstate(invalid="ignore", over="ignore"):
            micros = np.round(sec * 1e6)  # exact in float64 up to 2**53 us (year 2255)
            ok = np.abs(micros) <= 9.2e15
            ints = np.where(ok, micros, 0).astype("int64") * 1000
            ints[~ok & (micros > 0)] = _NS_MAX  # +inf, 1e18 s: refused by the range check
            ints[~ok & (micros < 0)] = _NS_MIN + 1
        ints[np.isnan(micros)] = _NS_MIN  # NaT
        return utc_datetimes(ints)
    return ns_utc(pd.to_datetime(values, utc=True, format="ISO8601")).array


def _arrow_text(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    """A text column's arrow strings (large_string), cast to "str" when it is not one."""
    arr = values.array
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        return arr.__arrow_array__()  # the arrow protocol: the very array pandas holds
    return values.astype("str").array.__arrow_array__()


def _clean_arrow(pa_arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Arrow strings stripped, with empty strings null (see :func:`clean_text`)."""
    trimmed = pc.utf8_trim_whitespace(pa_arr)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, trimmed.type), trimmed)


def clean_text(values: pd.Series) -> pa.ChunkedArray | pa.Array:
    """A text column as pyarrow strings: stripped, with empty strings and missing values null.

    Done in pyarrow (one pass each for trim and empty->null), several times faster than the
    pandas string accessor on the small frames of single files."""
    return _clean_arrow(_arrow_text(values))


def _repeat_arrow(value: str | None, n: int) -> pa.Array:
    """``value`` (None: missing) n times as arrow large_string, built from buffers (``bytes
    * n`` and an arange of offsets: several times faster than ``pa.repeat``)."""
    if value is None:
        return pa.nulls(n, pa.large_string())
    raw = value.encode()
    offsets = (
        np.arange(0, (n + 1) * len(raw), len(raw), dtype=np.int64)
        if raw
        else np.zeros(n + 1, dtype=np.int64)
    )
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(raw * n))


def _bool_array(values: pd.Series):
    if values.dtype == "boolean":
        return values.array
    return values.astype("boolean").array


def float_array(values: pd.Series) -> np.ndarray:
    """A numeric column as float64 numpy (anything unreadable becomes NaN)."""
    if values.dtype == "float64":
        return values.to_numpy()
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.to_numpy(dtype="float64", na_value=np.nan)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


_STR = pandas_dtype("str")


def to_track_table(frame: pd.DataFrame, ctx: RecordLog) -> pd.DataFrame:
    """Validate a reader's frame and return it in the exact track-table schema.

    ``frame`` must have ``time`` (UTC datetimes or Unix seconds), ``icao24``, ``lat``, ``lon``
    and ``row``; any other schema column is optional. Rows with no position (NaN lat/lon)
    are dropped and counted as "no position". Positions out of range, missing times and
    empty addresses are bad records: an error in strict mode, dropped with ``skip_bad``.
    ``source`` is set to ``ctx.path``. (:func:`table_block` of :func:`frame_columns`.)
    """
    from flightcheck.track.blocks import block_frame, frame_columns, table_block

    return block_frame(table_block(frame_columns(frame, ctx), len(frame), ctx))


def _keep_in_time_order(
    t: np.ndarray, codes: np.ndarray | None, rows: np.ndarray, ctx: RecordLog
) -> np.ndarray:
    """Mask of the rows that do not go back in time within their aircraft (``codes``:
    aircraft per row; None = one aircraft)."""
    lowest = np.iinfo("int64").min
    if codes is None:
        running = np.maximum.accumulate(t)
        prev_max = np.concatenate([[lowest], running[:-1]])
    else:  # compare with the latest time of the same aircraft, even when rows interleave
        running = pd.Series(t).groupby(codes).cummax()
        prev_max = running.groupby(codes).shift(1, fill_value=lowest).to_numpy(dtype="int64")
    return ctx.drop_bad(t < prev_max, rows, "time goes backwards")


def time_ns(table: pd.DataFrame) -> np.ndarray:
    """The ``time`` column as int64 nanoseconds since the Unix epoch (fast numpy view)."""
    return table["time"].array.asi8


def time_s(table: pd.DataFrame) -> np.ndarray:
    """The ``time`` column as float64 Unix seconds."""
    return table["time"].array.asi8 / 1e9


def check_time_order(table: pd.DataFrame, ctx: RecordLog) -> pd.DataFrame:
    """Reject time going backwards within each aircraft of a time-ordered format.

    For formats that are written in time order (traces, FR24 and KML tracks) a step back in
    time means a corrupt or hand-edited file. Equal times are allowed. With ``skip_bad`` the
    records that go back are dropped.
    """
    if len(table) < 2:
        return table
    t = time_ns(table)
    if (t[1:] >= t[:-1]).all():  # in time order overall, so within each aircraft too
        return table
    codes, uniques = pd.factorize(table["icao24"])
    keep = _keep_in_time_order(
        t, None if len(uniques) == 1 else codes, table["row"].to_numpy(), ctx
    )
    return table if keep.all() else table[keep].reset_index(drop=True)


def duplicate_rows(same: np.ndarray, measurements) -> np.ndarray:
    """Positions of exact duplicate reports to drop, the first copy kept. Only rows that share
    (aircraft, time) with a neighbour can be duplicates (``same[i]``: rows i and i+1 do), so
    only those are compared, on ``measurements(positions)``: a DataFrame of their
    :data:`MEASUREMENT_COLUMNS`."""
    if not same.any():
        return np.zeros(0, dtype=np.int64)
    candidate = np.zeros(len(same) + 1, dtype=bool)
    candidate[1:] |= same
    candidate[:-1] |= same
    idx = np.flatnonzero(candidate)
    return idx[measurements(idx).duplicated(keep="first").to_numpy()]


DUPLICATE_COLUMNS = ("icao24", "time", "lat", "lon", "source", "row")
"""Columns of the record of removed exact duplicates: the removed report's own citation
(``source``, ``row``) and what finds the kept copy (``icao24``, ``time``, ``lat``, ``lon``)."""


def no_duplicates() -> pd.DataFrame:
    """An empty record of removed duplicates (:data:`DUPLICATE_COLUMNS`)."""
    return empty()[list(DUPLICATE_COLUMNS)]


def clean(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sort per aircraft by time, drop exact duplicates, carry callsigns forward.

    Exact duplicates are reports with identical :data:`MEASUREMENT_COLUMNS`, e.g. the same
    points in two overlapping ``trace_full`` files, or a Beast capture and its SBS decode;
    the first input's copy is kept. Callsigns are carried forward (then back) within each
    aircraft and source: formats send them rarely. Returns the cleaned table and the removed
    duplicates (:data:`DUPLICATE_COLUMNS`, one row each): a removed copy from another input
    is still a source that saw the fix (``routes`` reports it).
    """
    if table.empty:
        return table.reset_index(drop=True), no_duplicates()
    hex_codes, _ = pd.factorize(table["icao24"], sort=True)
    src_codes, _ = pd.factorize(table["source"])  # input order
    t = time_ns(table)
    order = np.lexsort((table["row"].to_numpy(), src_codes, t, hex_codes))
    if not (order == np.arange(len(order))).all():
        table = table.take(order)
        hex_codes, t = hex_codes[order], t[order]
    table = table.reset_index(drop=True)
    same = (hex_codes[1:] == hex_codes[:-1]) & (t[1:] == t[:-1])
    drop = duplicate_rows(same, lambda idx: table.iloc[idx][list(MEASUREMENT_COLUMNS)])
    removed = table.iloc[drop][list(DUPLICATE_COLUMNS)].reset_index(drop=True)
    if len(drop):
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
