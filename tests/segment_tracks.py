"""Hand-built realistic tracks for the stop-engine tests (not a test module).

``path(...)`` samples a piecewise-linear trajectory through waypoints (lat, lon, alt_ft or
None for ground, gs_kt) every ``step_s`` seconds, with track and vertical rate derived from
the motion, and returns a track-table DataFrame built with ``to_track_table``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from flightcheck.geo import bearing_deg, haversine_km
from flightcheck.io.context import ReadContext
from flightcheck.track.table import to_track_table

T0 = pd.Timestamp("2024-10-05T12:00:00Z").timestamp()


def offset(lat: float, lon: float, bearing: float, km: float) -> tuple[float, float]:
    """Point ``km`` from (lat, lon) along ``bearing`` (flat approximation, fine < 100 km)."""
    b = np.radians(bearing)
    return (
        lat + km * np.cos(b) / 111.195,
        lon + km * np.sin(b) / (111.195 * np.cos(np.radians(lat))),
    )


def path(
    waypoints: list[tuple[float, float, float | None, float]], t0: float, step_s: float = 5.0
) -> pd.DataFrame:
    """Columns time, lat, lon, alt_ft, on_ground, gs_kt, track_deg, vrate_fpm (no icao24)."""
    rows = []
    t = t0
    for (la1, lo1, a1, g1), (la2, lo2, a2, g2) in zip(waypoints[:-1], waypoints[1:], strict=True):
        d = float(haversine_km(la1, lo1, la2, lo2))
        v = max((g1 + g2) / 2, 1.0) * 1.852 / 3600
        dur = max(d / v, step_s) if d > 0 else step_s * 20
        n = max(int(dur // step_s), 1)
        trk = float(bearing_deg(la1, lo1, la2, lo2)) if d > 0 else np.nan
        alt1 = np.nan if a1 is None else a1
        alt2 = np.nan if a2 is None else a2
        for k in range(n):
            f = k / n
            ground = a1 is None and (a2 is None or f < 0.5)
            alt = (
                np.nan
                if ground
                else (
                    alt1 + f * (alt2 - alt1)
                    if a1 is not None and a2 is not None
                    else (alt2 if a1 is None else alt1)
                )
            )
            rows.append(
                (
                    t,
                    la1 + f * (la2 - la1),
                    lo1 + f * (lo2 - lo1),
                    alt,
                    ground,
                    g1 + f * (g2 - g1),
                    trk,
                    0.0
                    if ground
                    else (alt2 - alt1) / dur * 60
                    if a1 is not None and a2 is not None
                    else 0.0,
                )
            )
            t += dur / n
    la, lo, a, g = waypoints[-1]
    rows.append((t, la, lo, np.nan if a is None else a, a is None, g, np.nan, 0.0))
    return pd.DataFrame(
        rows,
        columns=["time", "lat", "lon", "alt_ft", "on_ground", "gs_kt", "track_deg", "vrate_fpm"],
    )


def table(
    parts: list[pd.DataFrame], icao24: str = "010070", source: str = "/data/trace_full_010070.json"
) -> pd.DataFrame:
    """Concatenate path pieces (silences between them stay) into a track table."""
    frame = pd.concat(parts, ignore_index=True)
    frame["icao24"] = icao24
    frame["row"] = np.arange(1, len(frame) + 1)
    frame["time"] = pd.to_datetime(frame["time"], unit="s", utc=True)
    return to_track_table(frame, ReadContext(source))


def approach(
    lat: float,
    lon: float,
    hdg: float,
    t0: float,
    from_km: float = 40.0,
    elev: float = 300.0,
    to_ground: bool = True,
) -> pd.DataFrame:
    """Straight-in approach on heading ``hdg`` to the threshold at (lat, lon)."""
    start = offset(lat, lon, hdg + 180, from_km)
    wps = [(*start, elev + from_km * 172 * 1.0, 220.0), (lat, lon, elev + 50, 140.0)]
    if to_ground:
        wps.append((*offset(lat, lon, hdg, 1.5), None, 20.0))
    return path(wps, t0)


def climb_out(
    lat: float,
    lon: float,
    hdg: float,
    t0: float,
    to_km: float = 40.0,
    elev: float = 300.0,
    from_ground: bool = True,
) -> pd.DataFrame:
    """Take-off roll from (lat, lon) on heading ``hdg`` and a climb to ``to_km`` out."""
    lift = offset(lat, lon, hdg, 1.8)
    wps = ([(lat, lon, None, 10.0)] if from_ground else []) + [
        (*lift, elev + 50, 150.0),
        (*offset(lat, lon, hdg, to_km), elev + to_km * 300, 260.0),
    ]
    return path(wps, t0)
