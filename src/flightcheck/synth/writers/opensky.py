"""OpenSky state vectors (FORMATS.md section 5a) as CSV and parquet.

One row per aircraft every 10 s while its last fix is at most 60 s old, repeating the last
position until a new one arrives (``lastposupdate`` = time of that fix). Units: metres,
m/s; ``callsign`` padded to 8; booleans ``True``/``False``; baro altitude, velocity and
heading are empty on the ground, as in real OpenSky data.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from flightcheck.synth.receivers import state_vectors_grid

FT = 0.3048
KT = 1852.0 / 3600.0
COLUMNS = [
    "time",
    "icao24",
    "lat",
    "lon",
    "velocity",
    "heading",
    "vertrate",
    "callsign",
    "onground",
    "alert",
    "spi",
    "squawk",
    "baroaltitude",
    "geoaltitude",
    "lastposupdate",
    "lastcontact",
]


def state_vectors(points: pd.DataFrame, step_s: float = 10.0) -> pd.DataFrame:
    """The state-vector table (OpenSky column names and units)."""
    g = state_vectors_grid(points, step_s)
    ground = g["on_ground"].to_numpy(bool)
    return pd.DataFrame(
        {
            "time": g["time"].round().astype("int64").to_numpy(),
            "icao24": g["icao24"].to_numpy(),
            "lat": g["lat"].round(6).to_numpy(),
            "lon": g["lon"].round(6).to_numpy(),
            "velocity": np.where(ground, np.nan, (g["gs_kt"] * KT).round(2)),
            "heading": np.where(ground, np.nan, g["track_deg"].round(2)),
            "vertrate": np.where(ground, 0.0, (g["vrate_fpm"] * FT / 60.0).round(2)),
            "callsign": [f"{c:<8.8}" for c in g["callsign"]],
            "onground": ground,
            "alert": False,
            "spi": False,
            "squawk": g["squawk"].to_numpy(),
            "baroaltitude": np.where(ground, np.nan, (g["alt_ft"] * FT).round(2)),
            "geoaltitude": np.where(ground, np.nan, (g["alt_geom_ft"] * FT).round(2)),
            "lastposupdate": g["lastposupdate"].round(3).to_numpy(),
            "lastcontact": g["lastposupdate"].round(3).to_numpy(),
        },
        columns=COLUMNS,
    )


def opensky_csv(points: pd.DataFrame) -> bytes:
    """State vectors as the public dataset CSV."""
    buf = io.StringIO()
    state_vectors(points).to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode()


def opensky_parquet(points: pd.DataFrame) -> bytes:
    """State vectors as parquet (as saved from a Trino query), with an ``hour`` column."""
    sv = state_vectors(points)
    sv["hour"] = (sv["time"] // 3600 * 3600).astype("int64")
    buf = io.BytesIO()
    sv.to_parquet(buf, index=False, compression="zstd")
    return buf.getvalue()
