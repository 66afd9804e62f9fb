"""Export tracks, legs, stops, events and gaps as GeoJSON, KML (Google Earth) or CSV.

* GeoJSON: a FeatureCollection; each leg is a LineString with the fix times in
  ``properties.times`` (ISO 8601 Z), stops and events are Points, gaps LineStrings between
  the two fixes around the silence (``properties.kind = "gap"``).
* KML: one Folder per aircraft, one Folder per leg holding a time-stamped ``gx:Track``
  (altitude in metres, absolute), stops and events as Placemarks with TimeSpan/TimeStamp,
  so Google Earth's time slider replays the route.
* CSV: the track table with each fix's ``leg`` number, plus ``NAME.stops.csv``,
  ``NAME.legs.csv`` and ``NAME.gaps.csv`` beside it. Text cells that start with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return get a leading ``'`` (OWASP's rule against
  formula injection: a callsign ``=HYPERLINK(...)`` must not run in a spreadsheet);
  numbers stay numbers. ``spreadsheet_safe=False`` (``--raw-csv``) writes text verbatim.
All text from inputs is escaped (XML) or JSON-encoded; files are written atomically.
"""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from flightcheck.findings import text
from flightcheck.output.atomic import write_bytes, write_text
from flightcheck.output.jsonout import dumps, iso, plain
from flightcheck.routes import RouteSet
from flightcheck.track.flags import unflagged
from flightcheck.track.tracks import Tracks

FORMATS = ("geojson", "kml", "csv")


def _leg_numbers(rows: pd.DataFrame, legs: pd.DataFrame) -> np.ndarray:
    out = np.zeros(len(rows), dtype="int64")
    for leg in legs.to_dict("records"):
        if leg["first_index"] >= 0:
            out[leg["first_index"] : leg["last_index"] + 1] = leg["leg"]
    return out


def _usable(rows: pd.DataFrame) -> pd.DataFrame:
    """A leg's fixes the data does not refute: a flagged fix (``flag``) is not drawn (the CSV
    export keeps it, with its flag)."""
    return unflagged(rows)


def _coords(rows: pd.DataFrame) -> tuple[list[list[float]], list[float | None]]:
    """A line's positions and altitudes (m). Positions are ``[lon, lat, alt]`` when every fix
    has an altitude, else ``[lon, lat]`` for all (RFC 7946 allows either, but one line mixing
    them is rejected by shapely and most GIS tools); the altitudes, None where unknown, are
    returned too for ``properties.alt_m``."""
    alt_m = rows["alt_ft"].fillna(rows["alt_geom_ft"]).to_numpy(dtype=float) * 0.3048
    lon, lat = rows["lon"].to_numpy(dtype=float), rows["lat"].to_numpy(dtype=float)
    known = np.isfinite(alt_m)
    alts: list[float | None] = [
        round(float(z), 1) if ok else None for z, ok in zip(alt_m, known, strict=True)
    ]
    if len(alt_m) and known.all():
        return (
            [
                [round(float(x), 6), round(float(y), 6), round(float(z), 1)]
                for x, y, z in zip(lon, lat, alt_m, strict=True)
            ],
            alts,
        )
    return [[round(float(x), 6), round(float(y), 6)] for x, y in zip(lon, lat, strict=True)], alts


def to_geojson(tracks: Tracks, routes: RouteSet) -> dict:
    """GeoJSON FeatureCollection of every route's legs, stops, events and gaps."""
    features = []
    for route in routes:
        rows = tracks.rows_of(route.icao24).reset_index(drop=True)
        for leg in route.legs.to_dict("records"):
            if leg["first_index"] < 0 or leg["last_index"] - leg["first_index"] < 1:
                continue
            seg = _usable(rows.iloc[leg["first_index"] : leg["last_index"] + 1])
            if len(seg) < 2:
                continue
            coords, alt_m = _coords(seg)
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": coords},
                    "properties": {
                        "kind": "leg",
                        "icao24": route.icao24,
                        "leg": leg["leg"],
                        "from": leg["from"],
                        "to": leg["to"],
                        "departure": iso(leg["departure"]),
                        "arrival": iso(leg["arrival"]),
                        "coverage": leg["coverage"],
                        "sources": list(leg["sources"]),
                        "overflown": leg.get("overflown_chain"),
                        "times": [iso(t) for t in seg["time"]],
                        "alt_m": alt_m,
                    },
                }
            )
        for stop in route.stops.to_dict("records"):
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [stop["lon"], stop["lat"]]},
                    "properties": {
                        **{k: v for k, v in stop.items() if k not in ("lat", "lon")},
                        "kind": "stop",
                        "stop_kind": stop.get("kind"),
                    },
                }
            )
        for ev in route.events.to_dict("records"):
            if ev.get("lat") is None or pd.isna(ev.get("lat")):
                continue
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [ev["lon"], ev["lat"]]},
                    "properties": {
                        "kind": "event",
                        "event": ev.get("kind"),
                        **{k: v for k, v in ev.items() if k not in ("lat", "lon", "kind")},
                    },
                }
            )
        for gap in route.gaps.to_dict("records"):
            if not all(k in gap for k in ("lat0", "lon0", "lat1", "lon1")):
                continue
            features.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "LineString",
                        "coordinates": [[gap["lon0"], gap["lat0"]], [gap["lon1"], gap["lat1"]]],
                    },
                    "properties": {
                        **{
                            k: v
                            for k, v in gap.items()
                            if k not in ("lat0", "lon0", "lat1", "lon1")
                        },
                        "kind": "gap",
                    },
                }
            )
    return plain({"type": "FeatureCollection", "features": features})


def _kml_when(values: pd.Series) -> list[str]:
    return [iso(t) or "" for t in values]


def to_kml(tracks: Tracks, routes: RouteSet) -> str:
    """KML 2.2 with gx:Track per leg (opens in Google Earth with a time slider)."""
    out = io.StringIO()
    w = out.write
    w(
        '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2" '
        'xmlns:gx="http://www.google.com/kml/ext/2.2">\n<Document><name>flightcheck export</name>\n'
    )
    palette = ["ff0000ff", "ff00a5ff", "ff00ff00", "ffff0000", "ffff00ff", "ff00ffff"]
    for i, c in enumerate(palette):
        w(f'<Style id="leg{i}"><LineStyle><color>{c}</color><width>3</width></LineStyle></Style>\n')
    for route in routes:
        rows = tracks.rows_of(route.icao24).reset_index(drop=True)
        w(f"<Folder><name>{escape(route.summary)}</name>\n")
        for leg in route.legs.to_dict("records"):
            if leg["first_index"] < 0:
                continue
            seg = _usable(rows.iloc[leg["first_index"] : leg["last_index"] + 1])
            name = f"Leg {leg['leg']}: {text(leg['from']) or '?'} → {text(leg['to']) or '?'}"
            w(
                f"<Folder><name>{escape(name)}</name>\n<Placemark><name>{escape(name)}</name>"
                f"<styleUrl>#leg{(leg['leg'] - 1) % len(palette)}</styleUrl>\n"
                "<gx:Track><altitudeMode>absolute</altitudeMode>\n"
            )
            for t in _kml_when(seg["time"]):
                w(f"<when>{t}</when>\n")
            alt_m = (seg["alt_ft"].fillna(seg["alt_geom_ft"]).fillna(0) * 0.3048).to_numpy()
            for x, y, z in zip(seg["lon"].to_numpy(), seg["lat"].to_numpy(), alt_m, strict=True):
                w(f"<gx:coord>{x:.6f} {y:.6f} {z:.1f}</gx:coord>\n")
            w("</gx:Track></Placemark></Folder>\n")
        for stop in route.stops.to_dict("records"):
            begin, end = iso(stop.get("arrival")), iso(stop.get("departure"))
            span = "".join(
                [f"<begin>{begin}</begin>" if begin else "", f"<end>{end}</end>" if end else ""]
            )
            desc = "\n".join(str(e) for e in (stop.get("evidence") or []))
            label = f"{stop.get('airport')} ({stop.get('kind')})"
            w(
                f"<Placemark><name>{escape(label)}</name><description>{escape(desc)}</description>"
                f"<TimeSpan>{span}</TimeSpan><Point><coordinates>{stop['lon']:.6f},"
                f"{stop['lat']:.6f},0</coordinates></Point></Placemark>\n"
            )
        for ev in route.events.to_dict("records"):
            if ev.get("lat") is None or pd.isna(ev.get("lat")):
                continue
            w(
                f"<Placemark><name>{escape(str(ev.get('kind')))} {escape(str(ev.get('airport')))}"
                f"</name><TimeStamp><when>{iso(ev.get('time'))}</when></TimeStamp><Point>"
                f"<coordinates>{ev['lon']:.6f},{ev['lat']:.6f},0</coordinates></Point>"
                "</Placemark>\n"
            )
        w("</Folder>\n")
    w("</Document>\n</kml>\n")
    return out.getvalue()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A text cell starting with one of these is run as a formula by spreadsheets (OWASP CSV
injection); such cells are written with a leading single quote."""


def defuse(value: object) -> object:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(frame: pd.DataFrame, spreadsheet_safe: bool = True) -> bytes:
    """CSV bytes of ``frame``; with ``spreadsheet_safe`` text cells are :func:`defuse`-d
    (numeric columns are left as numbers: ``-12.5`` stays a number)."""
    frame = frame.copy()
    for col in frame.columns:
        if frame[col].map(lambda v: isinstance(v, (list, dict, tuple))).any():
            frame[col] = frame[col].map(
                lambda v: (
                    dumps(v, indent=False).decode() if isinstance(v, (list, dict, tuple)) else v
                )
            )
        elif isinstance(frame[col].dtype, pd.DatetimeTZDtype):
            frame[col] = frame[col].map(iso)
        if spreadsheet_safe and not (
            pd.api.types.is_numeric_dtype(frame[col].dtype)
            or pd.api.types.is_bool_dtype(frame[col].dtype)
        ):
            frame[col] = frame[col].map(defuse)
    return frame.to_csv(index=False, lineterminator="\n").encode()


def export_paths(fmt: str, path: str | Path) -> list[Path]:
    """Every file :func:`export` writes for ``fmt`` at ``path`` (CSV writes sidecars)."""
    path = Path(path)
    if fmt != "csv":
        return [path]
    stem = path.with_suffix("")
    return [path] + [Path(f"{stem}.{part}.csv") for part in ("stops", "legs", "gaps")]


def export(
    tracks: Tracks, routes: RouteSet, fmt: str, path: str | Path, spreadsheet_safe: bool = True
) -> list[Path]:
    """Write ``fmt`` (geojson | kml | csv) to ``path``; returns the files written.
    ``spreadsheet_safe``: CSV text cells are defused (see the module doc)."""
    path = Path(path)
    if fmt == "geojson":
        return [write_bytes(path, dumps(to_geojson(tracks, routes)))]
    if fmt == "kml":
        return [write_text(path, to_kml(tracks, routes))]
    if fmt == "csv":
        parts = []
        points, stops, legs, gaps = [], [], [], []
        for route in routes:
            rows = tracks.rows_of(route.icao24).reset_index(drop=True)
            rows = rows.assign(leg=_leg_numbers(rows, route.legs))
            points.append(rows)
            stops.append(route.stops)
            legs.append(route.legs.drop(columns=["first_index", "last_index"], errors="ignore"))
            gaps.append(route.gaps)
        for frame, target in zip((points, stops, legs, gaps), export_paths(fmt, path), strict=True):
            nonempty = [f for f in frame if len(f)]
            table = pd.concat(nonempty, ignore_index=True) if nonempty else pd.DataFrame()
            parts.append(write_bytes(target, csv_bytes(table, spreadsheet_safe)))
        return parts
    from flightcheck.errors import UsageError

    raise UsageError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
