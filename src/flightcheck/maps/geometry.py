"""Track geometry for maps: legs split into observed stretches (solid) and silences (dashed),
simplified to a vertex budget so a million-point track still gives a small, fast page.

Everything here is vectorised: points are grouped with numpy, lines are built and simplified
with shapely 2 on arrays of geometries. The first and last fix of every observed stretch
(the ends of each silence) and every point listed in ``keep`` (stops, events) survive
simplification unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from flightcheck.geo import EARTH_RADIUS_KM, destination, haversine_km
from flightcheck.settings import DEFAULT

SILENT_S = DEFAULT.leg_covered_gap_s
"""Consecutive fixes more than this many seconds apart are a silent stretch (drawn dashed):
by default the gap that breaks a leg's coverage (``EngineSettings.leg_covered_gap_s``)."""

MAX_VERTICES = 60_000
"""Vertex budget for all track lines of one map (~1.3 MB of coordinates)."""

COORD_DECIMALS = 5
"""Decimals kept in coordinates (1e-5 degree is about 1 m)."""


Silence = float | np.ndarray
"""A silence threshold in s: one value, or one per fix (the step to fix i uses entry i)."""


def _longer(t: np.ndarray, silent_s: Silence) -> np.ndarray:
    """Per step i -> i + 1: True when it is longer than the threshold (of fix i + 1)."""
    limit = silent_s[1:] if isinstance(silent_s, np.ndarray) else silent_s
    return np.diff(t) > limit


def observed_pieces(
    t: np.ndarray, group: np.ndarray, keep: np.ndarray | None = None, silent_s: Silence = SILENT_S
) -> tuple[np.ndarray, np.ndarray]:
    """Split fixes into observed pieces: maximal runs of one ``group`` (leg) whose consecutive
    fixes (time-sorted within the group, ``t`` in Unix s) are at most ``silent_s`` apart.

    A point where ``keep`` is True ends one piece and starts the next, so it becomes a line
    end that simplification keeps. Returns ``(index, piece)``: positions into ``t`` (kept
    points appear twice) and the piece number of each; single-point pieces are left out.
    """
    n = len(t)
    if n < 2:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    starts_run = np.ones(n, dtype=bool)
    starts_run[1:] = _longer(t, silent_s) | (group[1:] != group[:-1])
    split = np.zeros(n, dtype=bool) if keep is None else keep.astype(bool).copy()
    split &= ~starts_run
    split[-1] = False
    index = np.repeat(np.arange(n), 1 + split)
    second_copy = np.zeros(len(index), dtype=bool)
    second_copy[1:] = index[1:] == index[:-1]
    new_piece = np.where(second_copy, True, starts_run[index])
    piece = np.cumsum(new_piece) - 1
    ok = np.bincount(piece)[piece] >= 2
    return index[ok], piece[ok]


def silences(t: np.ndarray, group: np.ndarray, silent_s: Silence = SILENT_S) -> np.ndarray:
    """Positions ``i`` where fix ``i + 1`` of the same group comes more than ``silent_s`` later."""
    if len(t) < 2:
        return np.empty(0, dtype=np.int64)
    return np.flatnonzero(_longer(t, silent_s) & (group[1:] == group[:-1]))


def _lines(lat: np.ndarray, lon: np.ndarray, index: np.ndarray, piece: np.ndarray) -> np.ndarray:
    if len(index) == 0:
        return np.empty(0, dtype=object)
    _, dense = np.unique(piece, return_inverse=True)
    return shapely.linestrings(np.column_stack([lon[index], lat[index]]), indices=dense)


def _simplified(lines: np.ndarray, tolerance_deg: float) -> np.ndarray:
    return (
        shapely.simplify(lines, tolerance_deg, preserve_topology=False)
        if (tolerance_deg > 0 and len(lines))
        else lines
    )


def fit_budget(
    lines: np.ndarray, budget: int = MAX_VERTICES, max_rounds: int = 16
) -> tuple[np.ndarray, float]:
    """Simplify ``lines`` (Douglas–Peucker, degrees) with the smallest doubling tolerance,
    starting at 1e-4° (~10 m), that brings the total vertex count within ``budget``.
    Returns the lines and the tolerance used (0 when they already fit)."""
    if len(lines) == 0 or shapely.get_num_coordinates(lines).sum() <= budget:
        return lines, 0.0
    tol = 1e-4
    for _ in range(max_rounds):
        out = _simplified(lines, tol)
        if shapely.get_num_coordinates(out).sum() <= budget:
            break
        tol *= 2
    return out, tol


def _nested(coords: np.ndarray, line: np.ndarray) -> list[list[list[float]]]:
    """Group ``[lon, lat]`` vertices by ``line`` into Leaflet's ``[[[lat, lon], ...], ...]``."""
    if len(line) == 0:
        return []
    pts = np.round(coords[:, ::-1], COORD_DECIMALS)
    cuts = np.flatnonzero(np.diff(line)) + 1
    return [chunk.tolist() for chunk in np.split(pts, cuts)]


@dataclass
class TrackLines:
    """Map lines of many legs, keyed by leg number (the ``group`` passed in).

    ``observed[g]``: polylines ``[[lat, lon], ...]`` through consecutive fixes at most
    ``silent_s`` apart; ``silent[g]``: two-point lines across each longer silence;
    ``tolerance_deg``: the simplification applied; ``points``/``vertices``: fixes in, kept.
    """

    observed: dict[int, list[list[list[float]]]] = field(default_factory=dict)
    silent: dict[int, list[list[list[float]]]] = field(default_factory=dict)
    tolerance_deg: float = 0.0
    points: int = 0
    vertices: int = 0


def track_lines(
    t: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    group: np.ndarray,
    keep: np.ndarray | None = None,
    silent_s: Silence = SILENT_S,
    budget: int = MAX_VERTICES,
) -> TrackLines:
    """Observed and silent lines of every group (leg) of fixes, simplified to ``budget``.

    Fixes must be sorted by group, then time; ``group`` < 0 marks fixes on no leg (on the
    ground at a stop), which are not drawn. ``keep`` marks fixes that must stay (events).
    """
    on_leg = group >= 0
    t, lat, lon, group = t[on_leg], lat[on_leg], lon[on_leg], group[on_leg]
    keep = keep[on_leg] if keep is not None else None
    if isinstance(silent_s, np.ndarray):
        silent_s = silent_s[on_leg]
    index, piece = observed_pieces(t, group, keep, silent_s)
    lines, tol = fit_budget(_lines(lat, lon, index, piece), budget)
    out = TrackLines(tolerance_deg=tol, points=int(on_leg.sum()))
    if len(lines):
        first = np.r_[True, piece[1:] != piece[:-1]]
        piece_group = group[index[first]]
        coords, line = shapely.get_coordinates(lines, return_index=True)
        out.vertices = len(coords)
        for g in np.unique(piece_group):
            mine = np.flatnonzero(piece_group == g)
            sel = (line >= mine[0]) & (line <= mine[-1])
            out.observed[int(g)] = _nested(coords[sel], line[sel])
    gaps = silences(t, group, silent_s)
    pairs = np.round(
        np.column_stack([lat[gaps], lon[gaps], lat[gaps + 1], lon[gaps + 1]]), COORD_DECIMALS
    ).tolist()
    for g, (a, b, c, d) in zip(group[gaps].tolist(), pairs, strict=True):
        out.silent.setdefault(int(g), []).append([[a, b], [c, d]])
    out.vertices += 2 * len(gaps)
    return out


def reach_ellipse(
    lat0: float, lon0: float, lat1: float, lon1: float, reach_km: float, n: int = 72
) -> list[list[float]] | None:
    """Boundary ``[[lat, lon], ...]`` of the places P with |AP| + |PB| <= ``reach_km`` (km,
    great-circle), A and B the fixes either side of a silence: where the aircraft can have
    been. None when ``reach_km`` does not exceed |AB| (no slack). Longitudes are unwrapped
    around the ellipse's centre so it is drawn whole across the antimeridian.
    """
    direct = float(haversine_km(lat0, lon0, lat1, lon1))
    if not np.isfinite(reach_km) or reach_km <= direct:
        return None
    v0 = np.array(
        [
            np.cos(np.radians(lat0)) * np.cos(np.radians(lon0)),
            np.cos(np.radians(lat0)) * np.sin(np.radians(lon0)),
            np.sin(np.radians(lat0)),
        ]
    )
    v1 = np.array(
        [
            np.cos(np.radians(lat1)) * np.cos(np.radians(lon1)),
            np.cos(np.radians(lat1)) * np.sin(np.radians(lon1)),
            np.sin(np.radians(lat1)),
        ]
    )
    mid = v0 + v1 if np.linalg.norm(v0 + v1) > 1e-9 else v0
    mlat = float(np.degrees(np.arcsin(mid[2] / np.linalg.norm(mid))))
    mlon = float(np.degrees(np.arctan2(mid[1], mid[0])))
    bearing = np.linspace(0.0, 360.0, n, endpoint=False)
    lo = np.zeros(n)
    hi = np.full(n, min((reach_km + direct) / 2, 0.95 * np.pi * EARTH_RADIUS_KM))
    for _ in range(40):  # bisection along each bearing, all bearings at once
        r = (lo + hi) / 2
        plat, plon = destination(mlat, mlon, bearing, r)
        total = haversine_km(lat0, lon0, plat, plon) + haversine_km(plat, plon, lat1, lon1)
        inside = total <= reach_km
        lo, hi = np.where(inside, r, lo), np.where(inside, hi, r)
    plat, plon = destination(mlat, mlon, bearing, lo)
    plon = mlon + (plon - mlon + 180.0) % 360.0 - 180.0
    return np.round(np.column_stack([plat, plon]), 3).tolist()
