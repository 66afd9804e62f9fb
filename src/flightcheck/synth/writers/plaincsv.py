"""A plain CSV with track-table column names (what a user's own tool might export)."""

from __future__ import annotations

import io

import pandas as pd

COLUMNS = [
    "time",
    "icao24",
    "callsign",
    "lat",
    "lon",
    "alt_ft",
    "gs_kt",
    "track_deg",
    "vrate_fpm",
    "on_ground",
]


def plain_csv(points: pd.DataFrame) -> bytes:
    """``time`` ISO 8601 UTC with Z, the rest in track-table units."""
    pts = points.sort_values(["time", "icao24"], kind="stable")
    out = pd.DataFrame(
        {
            "time": pd.to_datetime(pts["time"], unit="s", utc=True)
            .dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
            .str[:-3]
            + "Z",
            "icao24": pts["icao24"],
            "callsign": pts["callsign"],
            "lat": pts["lat"].round(6),
            "lon": pts["lon"].round(6),
            "alt_ft": pts["alt_ft"].round().astype("int64"),
            "gs_kt": pts["gs_kt"].round(1),
            "track_deg": pts["track_deg"].round(1),
            "vrate_fpm": pts["vrate_fpm"].round(),
            "on_ground": pts["on_ground"].map({True: "true", False: "false"}),
        }
    )
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode()
