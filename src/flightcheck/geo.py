"""Vectorised spherical geometry in numpy: distances, bearings, cross- and along-track.

All functions take degrees (WGS-84 latitude/longitude, arrays or scalars that broadcast) and
return numpy arrays. Distances are great-circle kilometres on a sphere of radius 6371.0088 km
(the IUGG mean Earth radius); the error against the WGS-84 ellipsoid is below 0.5 %. For a
single distance shown to a reader, prefer geopy's ``geodesic``.
"""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6371.0088
"""IUGG mean Earth radius in km."""


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km between point 1 and point 2 (arrays broadcast)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlam = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def initial_bearing_deg(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Initial great-circle bearing from point 1 to point 2, degrees true in [0, 360)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlam = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    y = np.sin(dlam) * np.cos(p2)
    x = np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(dlam)
    return np.degrees(np.arctan2(y, x)) % 360.0


def destination(lat, lon, bearing_deg, distance_km) -> tuple[np.ndarray, np.ndarray]:
    """The point reached from (lat, lon) after ``distance_km`` on initial bearing ``bearing_deg``.

    Returns (lat, lon) in degrees, longitude normalised to [-180, 180).
    """
    p1, l1 = np.radians(lat), np.radians(lon)
    theta = np.radians(bearing_deg)
    delta = np.asarray(distance_km, dtype=float) / EARTH_RADIUS_KM
    p2 = np.arcsin(np.sin(p1) * np.cos(delta) + np.cos(p1) * np.sin(delta) * np.cos(theta))
    l2 = l1 + np.arctan2(np.sin(theta) * np.sin(delta) * np.cos(p1),
                         np.cos(delta) - np.sin(p1) * np.sin(p2))
    return np.degrees(p2), (np.degrees(l2) + 180.0) % 360.0 - 180.0


def cross_track_km(lat, lon, lat1, lon1, lat2, lon2) -> np.ndarray:
    """Signed distance in km of point (lat, lon) from the great circle through points 1 -> 2.

    Positive to the right of the direction 1 -> 2, negative to the left.
    """
    d13 = haversine_km(lat1, lon1, lat, lon) / EARTH_RADIUS_KM
    t13 = np.radians(initial_bearing_deg(lat1, lon1, lat, lon))
    t12 = np.radians(initial_bearing_deg(lat1, lon1, lat2, lon2))
    return EARTH_RADIUS_KM * np.arcsin(np.clip(np.sin(d13) * np.sin(t13 - t12), -1.0, 1.0))


def along_track_km(lat, lon, lat1, lon1, lat2, lon2) -> np.ndarray:
    """Signed distance in km from point 1, along the great circle 1 -> 2, to the foot of the
    perpendicular from (lat, lon). Negative when the point lies behind point 1."""
    d13 = haversine_km(lat1, lon1, lat, lon) / EARTH_RADIUS_KM
    t13 = np.radians(initial_bearing_deg(lat1, lon1, lat, lon))
    t12 = np.radians(initial_bearing_deg(lat1, lon1, lat2, lon2))
    # Napier's rule for the right spherical triangle: tan(along) = tan(d13) * cos(t13 - t12).
    return EARTH_RADIUS_KM * np.arctan2(np.sin(d13) * np.cos(t13 - t12), np.cos(d13))


def intermediate_points(lat1, lon1, lat2, lon2, fraction) -> tuple[np.ndarray, np.ndarray]:
    """Points at ``fraction`` (0..1, array) of the great circle from point 1 to point 2 (deg)."""
    p1, l1, p2, l2 = (np.radians(np.asarray(v, dtype=float)) for v in (lat1, lon1, lat2, lon2))
    f = np.asarray(fraction, dtype=float)
    d = 2 * np.arcsin(np.sqrt(np.sin((p2 - p1) / 2) ** 2
                              + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2))
    if np.all(d == 0):
        return np.full_like(f, np.degrees(p1)), np.full_like(f, np.degrees(l1))
    a = np.sin((1 - f) * d) / np.sin(d)
    b = np.sin(f * d) / np.sin(d)
    x = a * np.cos(p1) * np.cos(l1) + b * np.cos(p2) * np.cos(l2)
    y = a * np.cos(p1) * np.sin(l1) + b * np.cos(p2) * np.sin(l2)
    z = a * np.sin(p1) + b * np.sin(p2)
    return (np.degrees(np.arctan2(z, np.hypot(x, y))), np.degrees(np.arctan2(y, x)))
