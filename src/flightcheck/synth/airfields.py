"""Airports and runway ends for the generator, from ``flightcheck.reference.airports``.

A runway end is where a take-off starts or a landing aims: its threshold position, the
true heading of a movement in that direction and the threshold elevation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from flightcheck.synth import geo


@dataclass(frozen=True)
class RunwayEnd:
    """One usable direction of a runway (degrees, metres, feet)."""

    airport: str
    ident: str
    lat: float
    lon: float
    heading_deg: float
    length_m: float
    elevation_ft: float


@dataclass(frozen=True)
class Airfield:
    """An airport with its usable runway ends and a parking spot (degrees, feet)."""

    ident: str
    name: str
    country: str
    lat: float
    lon: float
    elevation_ft: float
    ends: tuple[RunwayEnd, ...]
    parking_lat: float
    parking_lon: float

    def end(self, ident: str | None = None) -> RunwayEnd:
        """The runway end called ``ident`` (e.g. "12L"), or the first of the longest runway."""
        if ident is None:
            return self.ends[0]
        for end in self.ends:
            if end.ident == ident:
                return end
        raise KeyError(
            f"{self.ident} has no runway end {ident!r}; "
            f"known: {', '.join(e.ident for e in self.ends)}"
        )

    def end_for_course(self, course_deg: float) -> RunwayEnd:
        """The end of the main runway whose heading is closest to ``course_deg``."""
        main = [e for e in self.ends if e.length_m == self.ends[0].length_m][:2]
        diffs = [abs(float(geo.wrap180(e.heading_deg - course_deg))) for e in main]
        return main[int(np.argmin(diffs))]


def _ends(airport) -> list[RunwayEnd]:
    elev = float(airport.elevation_ft or 0.0)
    ends: list[RunwayEnd] = []
    runways = sorted(
        (r for r in airport.runways if not r.closed and _finite(r.le_lat, r.he_lat)),
        key=lambda r: -(r.length_ft or 0.0),
    )
    for r in runways:
        length_m = float(geo.distance_m(r.le_lat, r.le_lon, r.he_lat, r.he_lon))
        if length_m < 300:
            continue
        pairs = (
            (r.le_ident, r.le_lat, r.le_lon, r.he_lat, r.he_lon, r.le_elevation_ft),
            (r.he_ident, r.he_lat, r.he_lon, r.le_lat, r.le_lon, r.he_elevation_ft),
        )
        for ident, lat, lon, olat, olon, e in pairs:
            heading = float(geo.bearing_deg(lat, lon, olat, olon))
            ends.append(
                RunwayEnd(
                    airport.ident,
                    str(ident),
                    float(lat),
                    float(lon),
                    heading,
                    length_m,
                    float(e) if _finite(e) else elev,
                )
            )
    return ends


def _finite(*values) -> bool:
    try:
        return all(v is not None and np.isfinite(float(v)) for v in values)
    except (TypeError, ValueError):
        return False


@lru_cache(maxsize=4096)
def airfield(code: str) -> Airfield:
    """The :class:`Airfield` for an ICAO code or OurAirports ident, with its runway ends.

    The heading of a runway end is the bearing from its threshold to the opposite threshold
    (more precise than the rounded ``*_heading_degT`` columns, and present when those are
    empty). The parking spot is 350 m to the left of the main runway's midpoint.
    """
    from flightcheck.reference import airports

    ap = airports.get(code)  # raises ReferenceDataError when unknown
    ends = _ends(ap)
    if not ends:
        raise ValueError(f"airport {code} has no open runway with threshold coordinates")
    main = ends[0]
    mid_lat, mid_lon = geo.destination(main.lat, main.lon, main.heading_deg, main.length_m / 2)
    p_lat, p_lon = geo.destination(mid_lat, mid_lon, main.heading_deg - 90.0, 350.0)
    return Airfield(
        ap.ident,
        ap.name,
        ap.country or "",
        float(ap.lat),
        float(ap.lon),
        float(ap.elevation_ft or 0.0),
        tuple(ends),
        float(p_lat),
        float(p_lon),
    )
