"""JSON records: an array of flat objects, or JSON lines, one object per point.

This is what pandas ``DataFrame.to_json(orient="records")`` (or ``lines=True``) writes, and
what traffic's sample flights are (gzip is sniffed by the container layer, as for every
format). Keys are matched like plain-CSV column names (:data:`flightcheck.io.plaincsv.ALIASES`:
``timestamp``, ``icao24``, ``callsign``, ``latitude``/``longitude``, ``altitude``,
``groundspeed``, ``track``, ``vertical_rate``, ``onground``, ...), ``--column TRACK=KEY``
overrides them, and units follow the same rules (feet, knots, ft/min unless the key says
otherwise). Times are Unix seconds, Unix milliseconds (pandas' default; values above 1e11)
or ISO 8601 strings.

OpenSky's own state-vector names (``baroaltitude``, ``geoaltitude``, ``velocity``,
``vertrate``, with ``time``/``icao24``/``lat``/``lon``) are in OpenSky's units, metres and
m/s, and are converted; traffic's names (``altitude``, ``groundspeed``, ``vertical_rate``,
``geoaltitude`` next to ``latitude``/``longitude``) are already feet, knots and ft/min.

Stale repeats: OpenSky state vectors (and traffic's samples drawn from them) repeat the last
position every second until a new one arrives. When the records carry the position's own time
(``last_position`` or ``lastposupdate``, seconds or milliseconds), OpenSky's rule applies (see
:mod:`flightcheck.io.opensky`): of the records of one aircraft with the same position time only
the earliest is kept, the others are counted as "stale repeat", and the fix's ``time`` is the
position time.

``row`` is the 1-based index of the object in the array, or the line number in JSON lines.
Squawks written as numbers (``7014``) become 4-digit strings.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import orjson
import pandas as pd

from flightcheck.errors import names_excerpt
from flightcheck.io import opensky, plaincsv
from flightcheck.io.context import ReadContext

FORMATS = ("json-records",)
TIME_ORDERED: frozenset[str] = frozenset()

_BOM = "\ufeff"
OPENSKY_METRIC = {
    "baroaltitude": "baroaltitude_m",
    "geoaltitude": "geoaltitude_m",
    "velocity": "velocity_ms",
    "vertrate": "vertrate_ms",
}
"""OpenSky names -> names whose unit suffix the plain-CSV rules read as metres and m/s."""

POSITION_TIME_KEYS = ("last_position", "lastposupdate")
"""Keys holding when the position was received (traffic's and OpenSky's names)."""

_SQUAWK = re.compile(r"\d{1,4}")


def _first_object(text: str) -> tuple[dict | None, bool]:
    """(the first record, whether the text is an array) from the start of a document."""
    stripped = text.lstrip(_BOM + " \t\r\n")
    array = stripped.startswith("[")
    start = stripped.find("{") if array else 0
    if start < 0 or stripped[start : start + 1] != "{" or stripped[1:start].strip():
        return None, array
    try:
        record, _ = json.JSONDecoder().raw_decode(stripped, start)
    except ValueError:
        return None, array
    return (record if isinstance(record, dict) else None), array


def sniff(head: bytes, name: str) -> str | None:
    """``json-records`` when the first record names time, latitude and longitude keys."""
    start = head.lstrip()[:1]
    if start not in (b"[", b"{") and not head.startswith(_BOM.encode()):
        return None
    record, _ = _first_object(head.decode("utf-8", "replace"))
    if not record:
        return None
    found = plaincsv.match_columns([str(k) for k in record])
    return "json-records" if all(c in found for c in plaincsv.REQUIRED) else None


def read(data: bytes, ctx: ReadContext, fmt: str) -> pd.DataFrame:
    """Read JSON records into track-table columns (see the module docstring)."""
    text = data.decode("utf-8", "replace").lstrip(_BOM)
    if text.lstrip()[:1] == "[":
        records, rows = _array(text, ctx)
    else:
        records, rows = _lines(text, ctx)
    ctx.records = len(records)
    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    if frame.shape[1] > plaincsv.MAX_COLUMNS:
        raise ctx.fail(
            f"records hold {frame.shape[1]:,} distinct keys, more than "
            f"{plaincsv.MAX_COLUMNS:,}; refusing"
        )
    names = [str(c) for c in frame.columns]
    frame.columns = names
    if ctx.options.columns is None and opensky.csv_style(set(names)) == "native":
        frame = frame.rename(columns=OPENSKY_METRIC)
        names = list(frame.columns)
    try:
        columns = plaincsv.match_columns(names, ctx.options.columns)
    except KeyError as exc:
        raise ctx.fail(
            f"--column maps to {exc.args[0]!r}, which no record has (keys: {names_excerpt(names)})"
        ) from None
    for need, what in (("time", "time"), ("lat", "latitude"), ("lon", "longitude")):
        if need not in columns:
            raise ctx.fail(
                f"no {what} key found; map one with --column {need}=KEY "
                f"(keys: {names_excerpt(names)})"
            )
    if "squawk" in columns:
        frame[columns["squawk"]] = _squawks(frame[columns["squawk"]])
    out = plaincsv.to_track(frame, rows, columns, ",", ctx)
    return _drop_stale_repeats(out, frame, rows, ctx)


def _drop_stale_repeats(
    out: pd.DataFrame, frame: pd.DataFrame, rows: np.ndarray, ctx: ReadContext
) -> pd.DataFrame:
    """Keep one record per (aircraft, position time), timed at the position (module doc)."""
    key = next((k for k in POSITION_TIME_KEYS if k in frame.columns), None)
    if key is None or out.empty:
        return out
    seconds = pd.to_numeric(frame[key], errors="coerce").to_numpy(dtype="float64")
    known = np.isfinite(seconds)
    if not known.any():
        return out
    if np.abs(seconds[known]).max() > 1e11:
        seconds = seconds / 1000.0
    t_pos = pd.Series(seconds, index=rows).reindex(out["row"].to_numpy()).to_numpy()
    t_row = out["time"].to_numpy(dtype="datetime64[ns]").astype("int64") / 1e9
    stale = opensky.stale_repeats(out["icao24"], t_row, t_pos)
    ctx.drop("stale repeat", int(stale.sum()))
    out = out[~stale].reset_index(drop=True)
    t_pos = t_pos[~stale]
    fix_time = opensky.seconds_to_time(t_pos)
    out["time"] = fix_time.where(np.isfinite(t_pos), out["time"]).to_numpy()
    return out


def _array(text: str, ctx: ReadContext) -> tuple[list[dict], np.ndarray]:
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ctx.fail(f"invalid JSON ({exc}); is the file truncated?") from None
    if not isinstance(doc, list):
        raise ctx.fail("not a JSON array of records")
    return _objects(doc, np.arange(1, len(doc) + 1, dtype="int64"), ctx)


def _lines(text: str, ctx: ReadContext) -> tuple[list[dict], np.ndarray]:
    values, numbers = [], []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            values.append(orjson.loads(line))
        except orjson.JSONDecodeError as exc:
            ctx.bad(f"invalid JSON line ({exc})", number)
            continue
        numbers.append(number)
    return _objects(values, np.asarray(numbers, dtype="int64"), ctx)


def _objects(
    values: list[Any], rows: np.ndarray, ctx: ReadContext
) -> tuple[list[dict], np.ndarray]:
    """The records that are JSON objects; any other value is a bad record."""
    is_object = np.array([isinstance(v, dict) for v in values], dtype=bool)
    keep = ctx.drop_bad(~is_object, rows, "record is not a JSON object")
    return [v for v, k in zip(values, keep, strict=True) if k], rows[keep]


def _squawks(values: pd.Series) -> pd.Series:
    """Squawks as 4-digit strings: ``7014``, ``7014.0`` and ``"416"`` -> ``"7014"``, ``"0416"``."""

    def one(value: Any) -> Any:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        return text.zfill(4) if _SQUAWK.fullmatch(text) else text

    return values.map(one).astype(object)
