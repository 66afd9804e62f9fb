"""The cheap pre-filter of a scan: which aircraft came anywhere near the airports asked for.

Only aircraft with at least one fix within ``RADIUS_KM`` of a requested airport and below
``MAX_ALT_FT`` go on to the stop engine. The radius is generous on purpose: an inferred stop
may rest on fixes up to ``segment.stops.INFER_RADIUS_KM`` (80 km) from the airport, inside an
approach envelope that allows ``ENVELOPE_BASE_FT + ENVELOPE_FT_PER_KM x km`` of height above it
(about 30,000 ft at 80 km), so both bounds sit above that envelope.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from flightcheck.errors import UsageError
from flightcheck.geo import haversine_km
from flightcheck.segment import stops as stops_mod

RADIUS_KM = stops_mod.INFER_RADIUS_KM + 20.0
"""Fixes closer than this to a requested airport make the aircraft a candidate, km."""
MAX_ALT_FT = stops_mod.ENVELOPE_BASE_FT + stops_mod.ENVELOPE_FT_PER_KM * RADIUS_KM + 5000.0
"""...if also below this barometric altitude (unknown altitude counts as low), ft."""

_KM_PER_DEG = 111.2


@dataclass(frozen=True)
class Airports:
    """The requested airports: ``codes`` (idents as the stop engine reports them), ``lat``,
    ``lon`` (deg)."""

    codes: tuple[str, ...]
    lat: tuple[float, ...]
    lon: tuple[float, ...]


def resolve(codes: list[str]) -> Airports:
    """Look up ``codes`` (ICAO / ident / IATA) in the packaged reference; UsageError when
    unknown or ambiguous."""
    from flightcheck.errors import ReferenceDataError
    from flightcheck.reference import airports

    found = []
    for code in codes:
        try:
            hit = airports.resolve(code)
        except ReferenceDataError as exc:
            raise UsageError(f"--airport {code}: {exc}") from None
        if isinstance(hit, list):
            if len(hit) != 1:
                raise UsageError(
                    f"--airport {code}: not one airport ({len(hit)} match); "
                    "give the ICAO code or OurAirports ident"
                )
            hit = hit[0]
        found.append(hit)
    if not found:
        raise UsageError("give at least one --airport")
    return Airports(
        tuple(a.ident for a in found),
        tuple(float(a.lat) for a in found),
        tuple(float(a.lon) for a in found),
    )


def near_mask(
    df: pd.DataFrame,
    airports: Airports,
    radius_km: float = RADIUS_KM,
    max_alt_ft: float = MAX_ALT_FT,
) -> np.ndarray:
    """Per fix: within ``radius_km`` of any airport and below ``max_alt_ft`` (vectorised; a
    latitude/longitude box first, haversine only inside it)."""
    alt = df["alt_ft"].to_numpy(dtype=float) if "alt_ft" in df else np.full(len(df), np.nan)
    return near_points(
        df["lat"].to_numpy(dtype=float),
        df["lon"].to_numpy(dtype=float),
        alt,
        airports,
        radius_km,
        max_alt_ft,
    )


def near_points(
    lat: np.ndarray,
    lon: np.ndarray,
    alt: np.ndarray,
    airports: Airports,
    radius_km: float = RADIUS_KM,
    max_alt_ft: float = MAX_ALT_FT,
) -> np.ndarray:
    """:func:`near_mask` on float64 arrays: lat, lon (deg), barometric alt (ft, NaN unknown)."""
    low = ~(alt > max_alt_ft)
    near = np.zeros(len(lat), dtype=bool)
    dlat = radius_km / _KM_PER_DEG
    for a_lat, a_lon in zip(airports.lat, airports.lon, strict=True):
        dlon = dlat / max(np.cos(np.radians(a_lat)), 0.01)
        dl = np.abs((lon - a_lon + 180.0) % 360.0 - 180.0)
        box = low & (np.abs(lat - a_lat) <= dlat) & (dl <= dlon)
        idx = np.flatnonzero(box)
        if len(idx):
            near[idx[haversine_km(lat[idx], lon[idx], a_lat, a_lon) <= radius_km]] = True
    return near


def candidates(df: pd.DataFrame, airports: Airports, radius_km: float = RADIUS_KM) -> np.ndarray:
    """Sorted icao24 of the aircraft with any fix passing :func:`near_mask`."""
    near = near_mask(df, airports, radius_km)
    return np.unique(df["icao24"].to_numpy(dtype=object)[near].astype(str))
