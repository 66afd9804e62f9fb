"""Vectorised distances and local planar geometry for the stop engine (numpy, kilometres).

``haversine_km`` is the exact great-circle distance on a sphere of radius 6371.0088 km (the
IUGG mean radius); ``step_km`` is the equirectangular approximation used between consecutive
fixes of one aircraft (error < 0.1 % below 100 km), about four times cheaper.
``geodesic_km`` (geopy, WGS-84 ellipsoid) is for the single distances shown to a reader.
"""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEG = np.pi * EARTH_RADIUS_KM / 180.0
KT_TO_KMS = 1.852 / 3600.0
"""Knots to km/s."""


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km between points given in degrees (arrays broadcast)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlam = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def step_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Equirectangular distance in km: fast and accurate for short steps (< 100 km)."""
    dlon = (np.asarray(lon2) - np.asarray(lon1) + 180.0) % 360.0 - 180.0
    x = dlon * np.cos(np.radians((np.asarray(lat1) + np.asarray(lat2)) / 2))
    y = np.asarray(lat2) - np.asarray(lat1)
    return KM_PER_DEG * np.hypot(x, y)


def local_xy_km(lat, lon, lat0: float, lon0: float) -> tuple[np.ndarray, np.ndarray]:
    """East/north offsets in km of points from (lat0, lon0): a local tangent-plane projection."""
    dlon = (np.asarray(lon) - lon0 + 180.0) % 360.0 - 180.0
    x = dlon * np.cos(np.radians(lat0)) * KM_PER_DEG
    y = (np.asarray(lat) - lat0) * KM_PER_DEG
    return x, y


def bearing_deg(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Initial great-circle bearing in degrees true (0-360) from point 1 to point 2."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlam = np.radians(np.asarray(lon2) - np.asarray(lon1))
    y = np.sin(dlam) * np.cos(p2)
    x = np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(dlam)
    return np.degrees(np.arctan2(y, x)) % 360.0


def angle_diff_deg(a, b) -> np.ndarray:
    """Absolute difference of two headings in degrees, 0-180."""
    return np.abs((np.asarray(a) - np.asarray(b) + 180.0) % 360.0 - 180.0)


def geodesic_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """WGS-84 geodesic distance in km (geopy), for distances reported to a reader."""
    from geopy.distance import geodesic

    return float(geodesic((lat1, lon1), (lat2, lon2)).km)
