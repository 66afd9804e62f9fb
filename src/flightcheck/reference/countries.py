"""Country of a position (Natural Earth admin-0 polygons), and country names.

Codes are ISO 3166-1 alpha-2 from Natural Earth's ``ISO_A2_EH`` (not ``ISO_A2``, which is -99
for France, Norway and Kosovo). Natural Earth draws de facto boundaries: Kosovo is ``XK``,
Taiwan ``TW``. Three polygons have no ISO code at all; they are reported as the ISO state
OurAirports files their airports under: Somaliland ``SO``, Northern Cyprus ``CY``, and the
Indian-administered Siachen Glacier ``IN``. Positions at sea (in no polygon) give None.

The 1:50m polygons are generalised: a coastal or island airport can fall just outside every
polygon. For an airport use its own OurAirports ``country``; use this for raw track points.
"""

from __future__ import annotations

import functools
import json
import threading
from pathlib import Path

import numpy as np
import pandas as pd

from flightcheck.errors import ReferenceDataError

DATA_DIR = Path(__file__).with_name("data")
SCALES = ("50m", "110m")


def _check_scale(scale: str) -> str:
    if scale not in SCALES:
        raise ReferenceDataError(f"unknown Natural Earth scale {scale!r}; expected 50m or 110m")
    return scale


@functools.cache
def _layer(scale: str) -> pd.DataFrame:
    import shapely

    table = pd.read_parquet(DATA_DIR / f"countries_{_check_scale(scale)}.parquet")
    geoms = shapely.from_wkb(table["geometry"].to_numpy(object))
    table["geometry"] = geoms
    return table


@functools.cache
def _index(scale: str):
    import shapely

    geoms = _layer(scale)["geometry"].to_numpy(object)
    shapely.prepare(geoms)
    return shapely.STRtree(geoms), geoms, _layer(scale)["iso2"].to_numpy(object)


def geometries(scale: str = "50m") -> pd.DataFrame:
    """Country outlines: columns ``iso2`` (None for none), ``name`` (English), ``admin``
    (Natural Earth ADMIN), ``iso_a2_eh`` (as published) and ``geometry`` (shapely, lon/lat)."""
    return _layer(scale).copy()


def country_of(lat, lon, scale: str = "50m") -> np.ndarray:
    """ISO-2 code of the country containing each position, None at sea (vectorised).

    ``lat``/``lon`` in degrees, scalars or arrays that broadcast; longitudes are wrapped to
    [-180, 180]. A position on a border (or on the 180th meridian) counts as inside (where
    outlines touch or overlap, the first country of the layer). Returns a numpy object array
    shaped like the broadcast inputs.

    Positions are answered through their 1 x 1 degree cell (:class:`_Cells`): a cell that no
    outline touches is sea, one that a single outline covers is that country; in the other
    cells (coasts, borders) only the outlines touching the cell are tested, point by point,
    without making point geometries. The answers are those of the point-in-polygon test
    over every outline (:func:`_exact`), which took 9.3 s of ``route`` on 10 million fixes.
    """
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    lat, lon = np.broadcast_arrays(lat, lon)
    shape = lat.shape
    lat, lon = lat.ravel(), lon.ravel()
    lon = np.where(np.abs(lon) <= 180.0, lon, (lon + 180.0) % 360.0 - 180.0)
    result = np.full(lat.shape, None, dtype=object)
    valid = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    if not len(valid):
        return result.reshape(shape)
    vlat, vlon = lat[valid], lon[valid]
    on_grid = np.abs(vlat) <= 90.0
    if not on_grid.all():  # a latitude past a pole: only the exact test knows
        off = np.flatnonzero(~on_grid)
        result[valid[off]] = _exact(vlat[off], vlon[off], scale)
        valid, vlat, vlon = valid[on_grid], vlat[on_grid], vlon[on_grid]
    row = np.clip(np.floor(vlat), -90, 89).astype(np.int64) + 90
    col = np.clip(np.floor(vlon), -180, 179).astype(np.int64) + 180
    found = _cells(scale).lookup(row * 360 + col, vlat, vlon)
    codes = _index(scale)[2]
    inside = found >= 0
    result[valid[inside]] = codes[found[inside]]
    return result.reshape(shape)


def _exact(lat: np.ndarray, lon: np.ndarray, scale: str) -> np.ndarray:
    """:func:`country_of` of finite positions (longitudes in [-180, 180]) by the
    point-in-polygon test over every outline: the first of the layer that contains or
    touches each position."""
    import shapely

    tree, geoms, codes = _index(scale)
    result = np.full(len(lat), None, dtype=object)
    q, cand = tree.query(shapely.points(lon, lat))
    inside = shapely.intersects_xy(geoms[cand], lon[q], lat[q])
    q, cand = q[inside], cand[inside]
    order = np.lexsort((cand, q))
    q, cand = q[order], cand[order]
    first = np.ones(len(q), dtype=bool)
    first[1:] = q[1:] != q[:-1]
    result[q[first]] = codes[cand[first]]
    return result


_SEA, _BORDER, _UNKNOWN = -1, -2, -3
"""Values of a cell besides an outline's index: no outline touches it; several do, or one
does without covering it (its outlines decide, position by position); not classified yet."""


class _Cells:
    """The 1 x 1 degree cells of one scale (cell ``row * 360 + column``, row 0 the latitudes
    -90..-89, column 0 the longitudes -180..-179), each classified the first time a position
    falls in it (all 64,800 at once took seconds): the index of the one outline that covers
    the whole closed cell and is the only one touching it, :data:`_SEA` when no outline
    touches it, else :data:`_BORDER` with the outlines touching it (in layer order)."""

    def __init__(self, scale: str) -> None:
        self.scale = scale
        self.value = np.full(180 * 360, _UNKNOWN, dtype=np.int64)
        self.start = np.zeros(180 * 360, dtype=np.int64)
        self.count = np.zeros(180 * 360, dtype=np.int64)
        self.outlines = np.zeros(0, dtype=np.int64)
        self._lock = threading.Lock()

    def lookup(self, cells: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """The index of the first outline containing or touching each position (in cell
        ``cells``), -1 for none."""
        import shapely

        self._classify(cells)
        found = self.value[cells]
        border = np.flatnonzero(found == _BORDER)
        found[found < 0] = -1
        if not len(border):
            return found
        geoms = _index(self.scale)[1]
        c = cells[border]
        start, count = self.start[c], self.count[c]
        for k in range(int(count.max())):  # each position's outlines in layer order
            todo = np.flatnonzero((count > k) & (found[border] < 0))
            if not len(todo):
                break
            outline = self.outlines[start[todo] + k]
            at = border[todo]
            hit = shapely.intersects_xy(geoms[outline], lon[at], lat[at])
            found[at[hit]] = outline[hit]
        return found

    def _classify(self, cells: np.ndarray) -> None:
        import shapely

        if not (self.value[cells] == _UNKNOWN).any():
            return
        with self._lock:
            todo = np.unique(cells[self.value[cells] == _UNKNOWN])
            if not len(todo):
                return
            tree, geoms, _ = _index(self.scale)
            south = (todo // 360 - 90).astype(float)
            west = (todo % 360 - 180).astype(float)
            boxes = shapely.box(west, south, west + 1.0, south + 1.0)
            q, outline = tree.query(boxes, predicate="intersects")
            order = np.lexsort((outline, q))
            q, outline = q[order], outline[order]
            touching = np.bincount(q, minlength=len(todo))
            value = np.where(touching == 0, _SEA, _BORDER)
            alone = np.flatnonzero(touching[q] == 1)
            covered = alone[shapely.covers(geoms[outline[alone]], boxes[q[alone]])]
            value[q[covered]] = outline[covered]
            border = value == _BORDER
            listed = border[q]
            first = np.searchsorted(q, np.arange(len(todo)))  # each cell's first pair
            rank = np.cumsum(listed) - 1  # a listed pair's place among the listed ones
            self.start[todo[border]] = len(self.outlines) + rank[first[border]]
            self.count[todo[border]] = touching[border]
            self.outlines = np.concatenate([self.outlines, outline[listed]])
            self.value[todo] = value


@functools.cache
def _cells(scale: str) -> _Cells:
    return _Cells(scale)


@functools.cache
def _names() -> dict[str, str]:
    names = json.loads((DATA_DIR / "country_names.json").read_text(encoding="utf-8"))
    layer = _layer("50m")
    for code, name in zip(layer["iso2"], layer["name"], strict=True):
        if code and code not in names:
            names[code] = name
    return names


def name_of(iso2: str) -> str:
    """English name of an ISO 3166-1 alpha-2 code (OurAirports' country list, then Natural
    Earth): ``name_of("RS") == "Serbia"``. Raises :class:`ReferenceDataError` when unknown."""
    key = str(iso2).strip().upper()
    try:
        return _names()[key]
    except KeyError:
        raise ReferenceDataError(
            f"unknown country code {iso2!r}: expected an ISO 3166-1 alpha-2 code such as RS"
        ) from None


BOUNDARY_STEP_DEG = 0.05
"""Country outlines are densified to a vertex at least every 0.05 degrees (<= 5.6 km) before
distances to them are taken, so the nearest vertex is never far from the nearest edge."""


@functools.cache
def _outline(iso2: str, scale: str) -> tuple[np.ndarray, float]:
    """(unit vectors of the densified outline's vertices, shape (n, 3); half the longest
    great-circle step between consecutive vertices, km)."""
    import shapely

    from flightcheck.geo import haversine_km

    layer = _layer(scale)
    parts = layer.loc[layer["iso2"] == iso2, "geometry"].to_numpy(object)
    if not len(parts):
        raise ReferenceDataError(f"no outline for country {iso2!r} in Natural Earth {scale}")
    rings = shapely.boundary(shapely.segmentize(parts, BOUNDARY_STEP_DEG))
    half_step = 0.0
    vectors = []
    for ring in shapely.get_parts(rings):
        xy = shapely.get_coordinates(ring)
        if len(xy) > 1:
            half_step = max(
                half_step,
                float(haversine_km(xy[:-1, 1], xy[:-1, 0], xy[1:, 1], xy[1:, 0]).max()) / 2,
            )
        vectors.append(_unit(xy[:, 1], xy[:, 0]))
    return np.concatenate(vectors), half_step


def _unit(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    phi, lam = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


def distance_km(iso2: str, lat, lon, scale: str = "50m") -> np.ndarray:
    """A lower bound of the great-circle distance (km) from each position to the territory of
    country ``iso2`` (0 inside it), never more than the true distance to the outline.

    The distance to the nearest vertex of the densified outline, less half the longest step
    between its vertices (any point of an edge lies that close to a vertex), so the bound is
    at most ~6 km under the true distance. Vectorised: a matrix product in chunks.
    """
    from flightcheck.geo import EARTH_RADIUS_KM

    code = str(iso2).strip().upper()
    lat = np.atleast_1d(np.asarray(lat, dtype=float))
    lon = np.atleast_1d(np.asarray(lon, dtype=float))
    out = np.zeros(len(lat))
    outside = np.flatnonzero(country_of(lat, lon, scale) != code)
    if not len(outside):
        return out
    vertices, half_step = _outline(code, scale)
    q = _unit(lat[outside], lon[outside])
    best = np.empty(len(outside))
    chunk = max(1, 4_000_000 // max(len(vertices), 1))
    for s in range(0, len(q), chunk):
        best[s : s + chunk] = (q[s : s + chunk] @ vertices.T).max(axis=1)
    km = np.arccos(np.clip(best, -1.0, 1.0)) * EARTH_RADIUS_KM
    out[outside] = np.maximum(km - half_step, 0.0)
    return out
