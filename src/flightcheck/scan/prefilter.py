"""The cheap pre-filter of a scan: which aircraft came anywhere near the airports asked for.

Only aircraft with at least one fix within :func:`prefilter_radius_km` of a requested airport
and below :func:`prefilter_max_alt_ft` go on to the stop engine. The radius is generous on
purpose: an inferred stop may rest on fixes up to ``infer_radius_km`` (80 km by default) from
the airport, inside an approach envelope that allows ``envelope_base_ft + envelope_ft_per_km x
km`` of height above it (about 30,000 ft at 80 km), so both bounds sit above that envelope.
Both follow the engine's settings (:class:`~flightcheck.settings.EngineSettings`), so a wider
envelope widens the filter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from flightcheck.errors import UsageError
from flightcheck.geo import haversine_km
from flightcheck.settings import DEFAULT, EngineSettings


def prefilter_radius_km(s: EngineSettings = DEFAULT) -> float:
    """Fixes closer than this to a requested airport make the aircraft a candidate, km."""
    return s.infer_radius_km + 20.0


def prefilter_max_alt_ft(s: EngineSettings = DEFAULT) -> float:
    """...if also below this barometric altitude (unknown altitude counts as low), ft."""
    return s.envelope_base_ft + s.envelope_ft_per_km * prefilter_radius_km(s) + 5000.0


RADIUS_KM = prefilter_radius_km()
"""The default radius (scan's ``radius_km`` default), km."""

_KM_PER_DEG = 111.2


@dataclass(frozen=True)
class Airports:
    """The requested airports: ``codes`` (idents as the stop engine reports them), ``lat``,
    ``lon`` (deg), and ``max_alt_ft``: the altitude below which a fix near them counts
    (:func:`prefilter_max_alt_ft`)."""

    codes: tuple[str, ...]
    lat: tuple[float, ...]
    lon: tuple[float, ...]
    max_alt_ft: float = prefilter_max_alt_ft()


def resolve(codes: list[str], s: EngineSettings = DEFAULT) -> Airports:
    """Look up ``codes`` (ICAO / ident / IATA) in the packaged reference; UsageError when
    unknown or ambiguous. ``s``: the engine settings the pre-filter follows."""
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
        prefilter_max_alt_ft(s),
    )


def near_mask(
    df: pd.DataFrame,
    airports: Airports,
    radius_km: float = RADIUS_KM,
    max_alt_ft: float | None = None,
) -> np.ndarray:
    """Per fix: within ``radius_km`` of any airport and below ``max_alt_ft`` (None: that of
    ``airports``) (vectorised; a latitude/longitude box first, haversine only inside it)."""
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
    max_alt_ft: float | None = None,
) -> np.ndarray:
    """:func:`near_mask` on float64 arrays: lat, lon (deg), barometric alt (ft, NaN unknown)."""
    low = ~(alt > (airports.max_alt_ft if max_alt_ft is None else max_alt_ft))
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
