"""The generator's geometry in metres, on the sphere of :mod:`flightcheck.geo`.

The generator works in metres (runway lengths, turn radii, glide distances); these are the
same spherical formulas as :mod:`flightcheck.geo` on the same radius, written in metres so the
generated sample files stay byte-identical. Bearings come from :mod:`flightcheck.geo`.
"""

from __future__ import annotations

import numpy as np

from flightcheck.geo import EARTH_RADIUS_KM, bearing_deg

__all__ = [
    "EARTH_RADIUS_M",
    "bearing_deg",
    "destination",
    "distance_m",
    "great_circle",
    "offset_local",
    "wrap180",
]

EARTH_RADIUS_M = EARTH_RADIUS_KM * 1000.0
"""Mean Earth radius (IUGG), metres."""


def distance_m(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle (haversine) distance in metres."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def destination(lat, lon, bearing, dist_m) -> tuple[np.ndarray, np.ndarray]:
    """The point ``dist_m`` metres from (lat, lon) along initial ``bearing`` (degrees)."""
    p1, l1 = np.radians(lat), np.radians(lon)
    b, d = np.radians(bearing), np.asarray(dist_m) / EARTH_RADIUS_M
    p2 = np.arcsin(np.sin(p1) * np.cos(d) + np.cos(p1) * np.sin(d) * np.cos(b))
    l2 = l1 + np.arctan2(np.sin(b) * np.sin(d) * np.cos(p1), np.cos(d) - np.sin(p1) * np.sin(p2))
    return np.degrees(p2), (np.degrees(l2) + 540.0) % 360.0 - 180.0


def great_circle(lat1, lon1, lat2, lon2, step_m: float = 10_000.0) -> tuple[np.ndarray, np.ndarray]:
    """Points every <= ``step_m`` along the great circle, both ends included (slerp)."""
    total = float(distance_m(lat1, lon1, lat2, lon2))
    n = max(2, int(np.ceil(total / step_m)) + 1)
    f = np.linspace(0.0, 1.0, n)
    p1, l1, p2, l2 = map(np.radians, (lat1, lon1, lat2, lon2))
    v1 = np.array([np.cos(p1) * np.cos(l1), np.cos(p1) * np.sin(l1), np.sin(p1)])
    v2 = np.array([np.cos(p2) * np.cos(l2), np.cos(p2) * np.sin(l2), np.sin(p2)])
    omega = total / EARTH_RADIUS_M
    if omega < 1e-12:
        return np.full(n, float(lat1)), np.full(n, float(lon1))
    w1 = np.sin((1 - f) * omega) / np.sin(omega)
    w2 = np.sin(f * omega) / np.sin(omega)
    v = w1[:, None] * v1 + w2[:, None] * v2
    lat = np.degrees(np.arctan2(v[:, 2], np.hypot(v[:, 0], v[:, 1])))
    lon = np.degrees(np.arctan2(v[:, 1], v[:, 0]))
    return lat, lon


def wrap180(angle) -> np.ndarray:
    """Angle difference folded into (-180, 180] degrees."""
    return 180.0 - (180.0 - np.asarray(angle, dtype=float)) % 360.0


def offset_local(lat, lon, east_m, north_m) -> tuple[np.ndarray, np.ndarray]:
    """Shift points by small east/north offsets in metres (flat-earth, for noise and outliers)."""
    dlat = np.degrees(np.asarray(north_m) / EARTH_RADIUS_M)
    dlon = np.degrees(np.asarray(east_m) / (EARTH_RADIUS_M * np.cos(np.radians(lat))))
    return np.asarray(lat) + dlat, (np.asarray(lon) + dlon + 540.0) % 360.0 - 180.0
