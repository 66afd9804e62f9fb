"""Airports and runways as numpy arrays, with a fast "airports near this point" search.

Built once from the packaged OurAirports tables (``flightcheck.reference.airports``). Only
places an aircraft can land at are kept: large, medium and small airports (heliports,
seaplane bases, balloonports and closed airports are left out). Runways are segments between
their two thresholds; runways without threshold coordinates count only through the airport
reference point.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from flightcheck.geo import KM_PER_DEG, bearing_deg, haversine_km, wrap180
from flightcheck.segment.runwayfit import PAVED, UNPAVED_SURFACE, surface_class

LANDABLE_TYPES = ("large_airport", "medium_airport", "small_airport")
TYPE_RANK = {"large_airport": 3, "medium_airport": 2, "small_airport": 1}


@dataclass
class AirportIndex:
    """Landable airports sorted by latitude, and their open runways.

    Airport arrays (one entry per airport): ``code`` (ICAO code, else OurAirports ident),
    ``name``, ``country`` (ISO-2), ``type_rank`` (3 large, 2 medium, 1 small), ``lat``,
    ``lon``, ``elev_ft``, ``longest_ft`` (longest open runway, NaN unknown) and the longest
    of known paved, known unpaved and unknown surface (``longest_paved_ft``,
    ``longest_unpaved_ft``, ``longest_surface_unknown_ft``; NaN none). Runway arrays:
    ``rw_airport`` (index into the airport arrays), ``rw_le``/``rw_he`` (end idents),
    ``rw_lat1``, ``rw_lon1`` (low end), ``rw_lat2``, ``rw_lon2`` (high end), ``rw_hdg``
    (degrees true from low to high end), ``rw_len_ft``, ``rw_width_ft``.
    """

    code: np.ndarray
    name: np.ndarray
    country: np.ndarray
    type_rank: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    elev_ft: np.ndarray
    longest_ft: np.ndarray
    longest_paved_ft: np.ndarray
    longest_unpaved_ft: np.ndarray
    longest_surface_unknown_ft: np.ndarray
    rw_airport: np.ndarray
    rw_le: np.ndarray
    rw_he: np.ndarray
    rw_lat1: np.ndarray
    rw_lon1: np.ndarray
    rw_lat2: np.ndarray
    rw_lon2: np.ndarray
    rw_hdg: np.ndarray
    rw_len_ft: np.ndarray
    rw_width_ft: np.ndarray

    def __len__(self) -> int:
        return len(self.code)

    @functools.cached_property
    def _rw_by_airport(self) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(self.rw_airport, kind="stable")
        starts = np.searchsorted(self.rw_airport[order], np.arange(len(self.code) + 1))
        return order, starts

    def runways_of(self, i: int) -> np.ndarray:
        """Indices into the runway arrays of airport ``i``."""
        order, starts = self._rw_by_airport
        return order[starts[i] : starts[i + 1]]

    def near(self, lat: float, lon: float, radius_km: float) -> tuple[np.ndarray, np.ndarray]:
        """Airports within ``radius_km`` of one point: (indices, distances in km), nearest first."""
        dlat = radius_km / KM_PER_DEG
        lo = np.searchsorted(self.lat, lat - dlat, side="left")
        hi = np.searchsorted(self.lat, lat + dlat, side="right")
        if hi <= lo:
            return np.empty(0, dtype=np.int64), np.empty(0)
        idx = np.arange(lo, hi)
        coslat = max(np.cos(np.radians(lat)), 1e-6)
        dlon = np.abs((self.lon[idx] - lon + 180.0) % 360.0 - 180.0)
        idx = idx[dlon <= min(radius_km / (KM_PER_DEG * coslat) + 0.01, 360.0)]
        d = haversine_km(lat, lon, self.lat[idx], self.lon[idx])
        keep = d <= radius_km
        idx, d = idx[keep], d[keep]
        order = np.argsort(d, kind="stable")
        return idx[order], d[order]

    @functools.cached_property
    def _grid(self) -> tuple[np.ndarray, np.ndarray]:
        """Airports sorted by 1-degree latitude row, then longitude: (sort key, index)."""
        row = np.floor(self.lat).clip(-90, 89) + 90
        key = row * 1000.0 + (self.lon + 180.0)
        order = np.argsort(key, kind="stable")
        return key[order], order

    def near_many(
        self, lat: np.ndarray, lon: np.ndarray, radius_km: float, chunk: int = 2_000_000
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Airports within ``radius_km`` of many points at once: (query number, airport index,
        distance km) of every pair, grouped by query, airports in index order. Vectorised:
        per query, the boxes (one per 1-degree latitude row, at most two where the longitude
        window crosses the antimeridian) of a grid that hold every airport of its latitude
        band and longitude window, then the exact band, window and haversine tests (at most
        ``chunk`` box pairs at a time)."""
        lat = np.asarray(lat, dtype=np.float64)
        lon = np.asarray(lon, dtype=np.float64)
        dlat = radius_km / KM_PER_DEG
        lat_lo, lat_hi = lat - dlat, lat + dlat
        coslat = np.maximum(np.cos(np.radians(lat)), 1e-6)
        dlon_max = np.minimum(radius_km / (KM_PER_DEG * coslat) + 0.01, 360.0)
        box_q, box_lo, box_hi = self._boxes(lat_lo, lat_hi, lon, dlon_max)
        n = box_hi - box_lo
        key, order = self._grid
        cum = np.cumsum(n)
        cuts = np.searchsorted(cum, np.arange(chunk, int(cum[-1]) if len(cum) else 0, chunk))
        bounds = np.unique(np.concatenate([[0], cuts, [len(n)]]))
        qs, aps, ds = [], [], []
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            m = n[a:b]
            q = np.repeat(box_q[a:b], m)
            idx = order[np.repeat(box_lo[a:b] - (np.cumsum(m) - m), m) + np.arange(len(q))]
            alat = self.lat[idx]
            ok = (alat >= lat_lo[q]) & (alat <= lat_hi[q])  # the latitude band, exactly
            q, idx = q[ok], idx[ok]
            dlon = np.abs(wrap180(self.lon[idx] - lon[q]))
            ok = dlon <= dlon_max[q]
            q, idx = q[ok], idx[ok]
            d = haversine_km(lat[q], lon[q], self.lat[idx], self.lon[idx])
            ok = d <= radius_km
            qs.append(q[ok])
            aps.append(idx[ok])
            ds.append(d[ok])
        if not qs:
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
        q, ap, d = np.concatenate(qs), np.concatenate(aps), np.concatenate(ds)
        o = np.lexsort((ap, q))
        return q[o], ap[o], d[o]

    def near_many_ranked(
        self, lat: np.ndarray, lon: np.ndarray, radius_km: float, min_rank: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`near_many` of the airports of ``type_rank`` >= ``min_rank`` only: the same
        pairs as filtering its result, but only those airports are searched (a tenth of
        them for medium and large ones: most landable airports are small)."""
        sub, where = self._ranked(min_rank)
        q, ap, d = sub.near_many(lat, lon, radius_km)
        return q, where[ap], d

    def _ranked(self, min_rank: int) -> tuple[AirportIndex, np.ndarray]:
        """(an index of the airports of rank >= ``min_rank``, their positions here); built
        once per rank. Their order is kept, so results come grouped and sorted alike."""
        cache = self.__dict__.setdefault("_ranked_cache", {})
        if min_rank not in cache:
            where = np.flatnonzero(self.type_rank >= min_rank)
            airport = {
                f.name: getattr(self, f.name)[where]
                for f in dataclasses.fields(self)
                if not f.name.startswith("rw_")
            }
            runways = {
                f.name: getattr(self, f.name)[:0]
                for f in dataclasses.fields(self)
                if f.name.startswith("rw_")
            }
            cache[min_rank] = AirportIndex(**airport, **runways), where
        return cache[min_rank]

    def _boxes(
        self, lat_lo: np.ndarray, lat_hi: np.ndarray, lon: np.ndarray, dlon: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(query, lo, hi) per grid box: positions ``lo:hi`` of :attr:`_grid` hold every
        airport with latitude in [lat_lo, lat_hi] within ``dlon`` degrees of longitude ``lon``
        (a superset, with slack for rounding); queries with a non-finite position get none."""
        key, _ = self._grid
        ok = np.isfinite(lat_lo) & np.isfinite(lat_hi) & np.isfinite(lon) & np.isfinite(dlon)
        r0 = (np.floor(np.where(ok, lat_lo, 0.0)).clip(-90, 89) + 90).astype(np.int64)
        r1 = (np.floor(np.where(ok, lat_hi, 0.0)).clip(-90, 89) + 90).astype(np.int64)
        nrow = np.where(ok, r1 - r0 + 1, 0)
        q = np.repeat(np.arange(len(lat_lo)), nrow)
        row = np.repeat(r0 - (np.cumsum(nrow) - nrow), nrow) + np.arange(len(q))
        slack = 1e-6
        width = 2 * dlon[q] + 2 * slack
        whole = width >= 360.0
        west = np.where(whole, -180.0, (lon[q] - dlon[q] - slack + 180.0) % 360.0 - 180.0)
        east = np.where(whole, 180.0, west + width)  # beyond 180: continues west of -180
        base = row * 1000.0 + 180.0
        lo1 = np.searchsorted(key, base + west - slack, side="left")
        hi1 = np.searchsorted(key, base + np.minimum(east, 180.0) + slack, side="right")
        lo2 = np.searchsorted(key, base - 180.0 - slack, side="left")
        hi2 = np.searchsorted(
            key, base + np.where(east > 180.0, east - 360.0 + slack, -181.0), side="right"
        )
        hi1, hi2 = np.maximum(hi1, lo1), np.maximum(hi2, lo2)
        # the wrapped part must not overlap the first one (an airport counted twice)
        hi2 = np.minimum(hi2, np.maximum(lo1, lo2))
        qq = np.concatenate([q, q])
        o = np.argsort(qq, kind="stable")
        return qq[o], np.concatenate([lo1, lo2])[o], np.concatenate([hi1, hi2])[o]

    def index_of(self, code: str) -> int | None:
        """Position of an airport code (ICAO or ident), or None."""
        hits = np.flatnonzero(self.code == code.upper())
        return int(hits[0]) if len(hits) else None


def _frame_or_none(getter: str) -> pd.DataFrame | None:
    try:
        from flightcheck.reference import airports as ref
    except ImportError:
        return None
    func = getattr(ref, getter, None)
    return func() if func is not None else None


def _fallback_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the raw OurAirports CSVs of the shared data folder (development fallback)."""
    from pathlib import Path

    base = Path(__file__).resolve().parents[4] / "shared" / "data" / "ourairports"
    if not base.exists():
        base = Path("/work/shared/data/ourairports")
    ap = pd.read_csv(base / "airports.csv", keep_default_na=False, na_values=[""])
    ap = ap.rename(
        columns={
            "latitude_deg": "lat",
            "longitude_deg": "lon",
            "iso_country": "country",
            "icao_code": "icao",
        }
    )
    rw = pd.read_csv(base / "runways.csv", keep_default_na=False, na_values=[""])
    rw = rw.rename(
        columns={
            "le_latitude_deg": "le_lat",
            "le_longitude_deg": "le_lon",
            "he_latitude_deg": "he_lat",
            "he_longitude_deg": "he_lon",
            "le_heading_degT": "le_heading_deg",
        }
    )
    return ap, rw


def build_index(airports: pd.DataFrame, runways: pd.DataFrame) -> AirportIndex:
    """An :class:`AirportIndex` from an airports table and a runways table (OurAirports columns)."""
    ap = airports[airports["type"].isin(LANDABLE_TYPES)].copy()
    ap = ap[np.isfinite(ap["lat"].astype(float)) & np.isfinite(ap["lon"].astype(float))]
    ap = ap.sort_values("lat", kind="stable").reset_index(drop=True)
    icao = ap["icao"].astype("object") if "icao" in ap else pd.Series([None] * len(ap))
    code = np.where(
        icao.notna() & (icao.astype(str).str.len() == 4), icao.astype(str), ap["ident"].astype(str)
    ).astype(object)
    pos = pd.Series(np.arange(len(ap)), index=ap["ident"].astype(str).to_numpy())
    rw = runways.copy()
    closed = rw["closed"].fillna(0).astype(bool) if "closed" in rw else False
    # a set: pandas' isin on arrow strings makes an arrow scalar per value (0.5 s here)
    idents = set(pos.index.tolist())
    known = np.array([v in idents for v in rw["airport_ident"].astype(str).tolist()], dtype=bool)
    rw = rw[~closed & known]
    ok = rw[["le_lat", "le_lon", "he_lat", "he_lon"]].astype(float).notna().all(axis=1)
    length = pd.to_numeric(rw["length_ft"], errors="coerce")
    owner = rw["airport_ident"].astype(str)
    longest = length.groupby(owner).max()
    surface = surface_class(rw["surface"]) if "surface" in rw else np.zeros(len(rw), dtype=np.int8)
    by_surface = [
        length.where(surface == k).groupby(owner).max() for k in (PAVED, UNPAVED_SURFACE, 0)
    ]
    geo = rw[ok.to_numpy()]
    lat1 = geo["le_lat"].to_numpy(float)
    lon1 = geo["le_lon"].to_numpy(float)
    lat2 = geo["he_lat"].to_numpy(float)
    lon2 = geo["he_lon"].to_numpy(float)
    return AirportIndex(
        code=code,
        name=ap["name"].astype(str).to_numpy(object),
        country=ap["country"].astype(object).where(ap["country"].notna(), None).to_numpy(object),
        type_rank=ap["type"].map(TYPE_RANK).to_numpy(np.int8),
        lat=ap["lat"].to_numpy(float),
        lon=ap["lon"].to_numpy(float),
        elev_ft=pd.to_numeric(ap["elevation_ft"], errors="coerce").to_numpy(float),
        longest_ft=ap["ident"].astype(str).map(longest).to_numpy(float),
        longest_paved_ft=ap["ident"].astype(str).map(by_surface[0]).to_numpy(float),
        longest_unpaved_ft=ap["ident"].astype(str).map(by_surface[1]).to_numpy(float),
        longest_surface_unknown_ft=ap["ident"].astype(str).map(by_surface[2]).to_numpy(float),
        rw_airport=pos.loc[geo["airport_ident"].astype(str).to_numpy()].to_numpy(np.int64),
        rw_le=geo["le_ident"].astype(str).to_numpy(object),
        rw_he=geo["he_ident"].astype(str).to_numpy(object),
        rw_lat1=lat1,
        rw_lon1=lon1,
        rw_lat2=lat2,
        rw_lon2=lon2,
        rw_hdg=bearing_deg(lat1, lon1, lat2, lon2),
        rw_len_ft=pd.to_numeric(geo["length_ft"], errors="coerce").to_numpy(float),
        rw_width_ft=pd.to_numeric(geo["width_ft"], errors="coerce").to_numpy(float),
    )


@functools.lru_cache(maxsize=1)
def default_index() -> AirportIndex:
    """The index over the packaged reference data (falls back to the shared raw CSVs)."""
    ap = _frame_or_none("table")
    rw = _frame_or_none("runways_table")
    if ap is None or rw is None:
        ap, rw = _fallback_tables()
    return build_index(ap, rw)
