"""Sea ports: NGA World Port Index (Pub 150), for port-visit detection on AIS tracks.

``data/ports.csv.gz``: one row per WPI port (3,803 after de-duplicating by WPI number), columns
``wpi_number, name, alternate_names, country`` (ISO 3166-1 alpha-2) ``, unlocode, lat, lon``
(degrees WGS-84, one point per port, usually the harbour or town, to about 1 arc-minute)
``, harbor_size`` (Very Small / Small / Medium / Large / empty). Derived by :func:`build` from
``wpi_ports.csv`` (see /work/shared/data/ports/README.md), itself from NGA's
``UpdatedPub150.csv`` of 2026-08-12. Public domain (US Government work); "Source: NGA World
Port Index (Pub 150)". Large ports spread over several km: use a radius of several km.
"""

from __future__ import annotations

import functools
import gzip
from pathlib import Path

import numpy as np
import pandas as pd

from flightcheck.geo import haversine_km

DATA_FILE = Path(__file__).with_name("data") / "ports.csv.gz"
COLUMNS = (
    "wpi_number",
    "name",
    "alternate_names",
    "country",
    "unlocode",
    "lat",
    "lon",
    "harbor_size",
)
_CHUNK = 4096
"""Query points per distance-matrix block (4096 x 3803 float64 = 125 MB at most)."""


@functools.cache
def _table() -> pd.DataFrame:
    return pd.read_csv(
        DATA_FILE,
        dtype={"wpi_number": "int64", "lat": "float64", "lon": "float64"},
        keep_default_na=False,
        na_values={"harbor_size": [""], "unlocode": [""], "alternate_names": [""]},
    )


def table() -> pd.DataFrame:
    """All ports (a copy), columns :data:`COLUMNS`."""
    return _table().copy()


def nearest(lat, lon, radius_km: float = 10.0, k: int = 1) -> pd.DataFrame:
    """Up to ``k`` ports within ``radius_km`` of each point, nearest first.

    ``lat``/``lon``: degrees, scalars or equal-length arrays. Returns one row per (point,
    port) match: ``point`` (0-based index of the query point), the port columns and
    ``distance_km`` (great circle), sorted by point then distance. Points with no port in
    range have no row.
    """
    lat = np.atleast_1d(np.asarray(lat, dtype="float64"))
    lon = np.atleast_1d(np.asarray(lon, dtype="float64"))
    ports = _table()
    plat, plon = ports["lat"].to_numpy(), ports["lon"].to_numpy()
    k = max(1, min(int(k), len(ports)))
    points: list[np.ndarray] = []
    idx: list[np.ndarray] = []
    dist: list[np.ndarray] = []
    for start in range(0, len(lat), _CHUNK):
        d = haversine_km(
            lat[start : start + _CHUNK, None],
            lon[start : start + _CHUNK, None],
            plat[None, :],
            plon[None, :],
        )
        d = np.where(np.isnan(d), np.inf, d)
        best = (
            np.argpartition(d, k - 1, axis=1)[:, :k]
            if k < d.shape[1]
            else np.broadcast_to(np.arange(d.shape[1]), d.shape)
        )
        best_d = np.take_along_axis(d, best, axis=1)
        row, col = np.nonzero(best_d <= radius_km)
        points.append(row + start)
        idx.append(best[row, col])
        dist.append(best_d[row, col])
    point = np.concatenate(points) if points else np.empty(0, dtype="int64")
    port = np.concatenate(idx) if idx else np.empty(0, dtype="int64")
    out = ports.iloc[port].reset_index(drop=True)
    out.insert(0, "point", point)
    out["distance_km"] = np.concatenate(dist) if dist else np.empty(0)
    return out.sort_values(["point", "distance_km"], kind="stable").reset_index(drop=True)


def build(source: str | Path, dest: str | Path = DATA_FILE) -> None:
    """Write the packaged file from ``wpi_ports.csv`` (de-duplicated by WPI number)."""
    src = pd.read_csv(source, dtype="str", keep_default_na=False)
    out = (
        pd.DataFrame(
            {
                "wpi_number": src["wpi_number"].astype("int64"),
                "name": src["port_name"],
                "alternate_names": src["alternate_names"],
                "country": src["country_code"],
                "unlocode": src["unlocode"],
                "lat": src["latitude"].astype("float64"),
                "lon": src["longitude"].astype("float64"),
                "harbor_size": src["harbor_size"],
            }
        )
        .drop_duplicates("wpi_number")
        .sort_values("wpi_number")
    )
    text = out.to_csv(index=False, lineterminator="\n")
    with open(dest, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0) as gz:
        gz.write(text.encode("utf-8"))
