"""Flightradar24 flight-details JSON: the ``clickhandler`` / playback response (FORMATS.md 3d).

``fr24-json`` reads two shapes:

* **track** (playback): ``{"result": {"request": ..., "response": {"data": {"flight": {...}}}}}``
  (also the bare ``{"data": {"flight": ...}}`` or the ``flight`` object itself). The flight holds
  ``track``, a list of ``{latitude, longitude, altitude{feet, meters}, speed{kts, kmh, mph},
  verticalSpeed{fpm, ms}, heading, squawk, timestamp}`` (Unix seconds, UTC), plus
  ``identification`` (``callsign``, ``number``), ``aircraft`` (``identification.modes`` hex,
  ``registration``, ``model.code``) and ``airport`` (``origin``, ``destination``, ``real``).
* **trail** (older clickhandler): the same metadata at the top level and ``trail``, a list of
  ``{lat, lng, alt (ft), spd (kt), ts (Unix s), hd}``, newest first.

Units are already track-table units (feet, knots, ft/min, degrees). FR24's ground rule applies:
altitude 0 means on the ground (:func:`flightcheck.io.fr24.ground_from_altitude`). Squawk
``"0"`` means none. ``position_source`` is ``unknown`` (FR24 does not mark estimated points).

Aircraft address: ``--hex`` when given, else ``aircraft.identification.modes`` (FR24 writes it
in upper case), else a ``~`` pseudo-address. The origin and destination airports are what FR24
*declares* for the flight: they go into the provenance notes as the source's claim, never into
the track table or the stops (a diverted flight keeps its planned destination).

``row`` is the 1-based index of the point in ``track`` (or ``trail``).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import orjson
import pandas as pd

from flightcheck.io.context import ReadContext
from flightcheck.io.fr24 import ground_from_altitude
from flightcheck.io.pseudo_address import aircraft_address, user_address

FORMATS = ("fr24-json",)
TIME_ORDERED: frozenset[str] = frozenset()
"""The trail form is newest first; the cleaner sorts every table by time."""

_OPENING = re.compile(rb'\A(?:\xef\xbb\xbf)?\s*\{\s*"(?:result|data|identification)"\s*:')
_FLIGHT_KEYS = (b'"identification"', b'"aircraft"', b'"airport"')
_POINTS = re.compile(rb'"(?:track|trail)"\s*:\s*\[')
_HEX = re.compile(r"[0-9a-f]{6}")

TRACK_FIELDS = {"lat": "latitude", "lon": "longitude", "time": "timestamp"}
TRAIL_FIELDS = {"lat": "lat", "lon": "lng", "time": "ts"}


def sniff(head: bytes, name: str) -> str | None:
    """``fr24-json`` for an object opening with FR24's keys and holding track/trail points."""
    if not _OPENING.match(head):
        return None
    if all(key in head for key in _FLIGHT_KEYS) and _POINTS.search(head):
        return "fr24-json"
    return None


def read(data: bytes, ctx: ReadContext, fmt: str) -> pd.DataFrame:
    """Read an FR24 flight JSON into track-table columns (see the module docstring)."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ctx.fail(f"invalid JSON ({exc}); is the file truncated?") from None
    flight = _flight(doc)
    if flight is None:
        raise ctx.fail(
            "not an FR24 flight JSON: no result.response.data.flight with a "
            '"track" list, and no "trail" list'
        )
    trail = "track" not in flight
    points = flight["trail" if trail else "track"]
    ctx.records = len(points)
    frame = _points(points, TRAIL_FIELDS if trail else TRACK_FIELDS, trail, ctx)
    _note_declared_airports(flight, ctx)
    frame.insert(1, "icao24", _address(flight, frame, ctx))
    for column, value in _aircraft_text(flight).items():
        frame[column] = value
    return frame


def _flight(doc: Any) -> dict | None:
    """The flight object (with a ``track`` or ``trail`` list) inside any accepted wrapping."""
    for path in (("result", "response", "data", "flight"), ("data", "flight"), ()):
        node = doc
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict):
            for key in ("track", "trail"):
                if isinstance(node.get(key), list):
                    return node
    return None


def _get(obj: Any, *keys: str) -> Any:
    """``obj[k1][k2]...`` or None when any level is missing or not an object."""
    for key in keys:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


def _number(value: Any) -> float:
    """A JSON number as float; None -> NaN; anything else raises ValueError."""
    if value is None:
        return np.nan
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(value)
    return float(value)


def _points(points: list, fields: dict[str, str], trail: bool, ctx: ReadContext) -> pd.DataFrame:
    """The points as columns; a point that is not an object or lacks time/position is bad."""
    n = len(points)
    cols = {
        c: np.full(n, np.nan)
        for c in ("time", "lat", "lon", "alt_ft", "gs_kt", "track_deg", "vrate_fpm")
    }
    squawk = np.full(n, None, dtype=object)
    keep = np.ones(n, dtype=bool)
    for i, point in enumerate(points):
        if not isinstance(point, dict):
            ctx.bad("point is not a JSON object", i + 1)
            keep[i] = False
            continue
        if trail:
            raw = {
                "alt_ft": point.get("alt"),
                "gs_kt": point.get("spd"),
                "track_deg": point.get("hd"),
                "vrate_fpm": None,
            }
        else:
            raw = {
                "alt_ft": _get(point, "altitude", "feet"),
                "gs_kt": _get(point, "speed", "kts"),
                "track_deg": point.get("heading"),
                "vrate_fpm": _get(point, "verticalSpeed", "fpm"),
            }
        raw.update({c: point.get(key) for c, key in fields.items()})
        try:
            for column, value in raw.items():
                cols[column][i] = _number(value)
        except ValueError:
            ctx.bad(f"unreadable {column} value {str(value)[:20]!r} (expected a number)", i + 1)
            keep[i] = False
            continue
        if np.isnan(cols["time"][i]) or np.isnan(cols["lat"][i]) or np.isnan(cols["lon"][i]):
            ctx.bad(f"point without {fields['time']}, {fields['lat']} or {fields['lon']}", i + 1)
            keep[i] = False
            continue
        code = point.get("squawk")
        if code not in (None, "", "0", 0):
            squawk[i] = str(code).zfill(4)
    rows = np.arange(1, n + 1, dtype="int64")[keep]
    cols = {c: v[keep] for c, v in cols.items()}
    alt_ft, on_ground = ground_from_altitude(cols["alt_ft"], cols["gs_kt"], ctx)
    cols["alt_ft"] = alt_ft
    return pd.DataFrame(
        {
            **cols,
            "on_ground": on_ground,
            "squawk": squawk[keep],
            "position_source": "unknown",
            "row": rows,
        }
    )


def _address(flight: dict, frame: pd.DataFrame, ctx: ReadContext) -> str:
    given = user_address(ctx)
    if given:
        return given
    modes = _get(flight, "aircraft", "identification", "modes")
    if isinstance(modes, str) and _HEX.fullmatch(modes.strip().lower()):
        return modes.strip().lower()
    registration = _get(flight, "aircraft", "identification", "registration")
    return aircraft_address(ctx, "this FR24 JSON", registration or None)


def _aircraft_text(flight: dict) -> dict[str, str]:
    """callsign, registration and typecode the flight object names (only those present)."""
    found = {
        "callsign": _get(flight, "identification", "callsign"),
        "registration": _get(flight, "aircraft", "identification", "registration"),
        "typecode": _get(flight, "aircraft", "model", "code"),
    }
    return {k: v.strip() for k, v in found.items() if isinstance(v, str) and v.strip()}


def _airport_text(airport: Any) -> str | None:
    code = _get(airport, "code", "icao") or _get(airport, "code", "iata")
    if not isinstance(code, str) or not code:
        return None
    name = _get(airport, "name")
    return f"{code} ({name})" if isinstance(name, str) and name else code


def _note_declared_airports(flight: dict, ctx: ReadContext) -> None:
    """Origin / destination / actual airport as FR24 declares them: a claim, not a finding."""
    parts = []
    for key, label in (
        ("origin", "origin"),
        ("destination", "destination"),
        ("real", "actual destination"),
    ):
        text = _airport_text(_get(flight, "airport", key))
        if text:
            parts.append(f"{label} {text}")
    if parts:
        ctx.notes.append(
            "FR24 declares " + ", ".join(parts) + " (the source's claim, not a "
            "finding: stops come from the track)"
        )
