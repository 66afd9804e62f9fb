"""Airports and runways (OurAirports): look-up by code or name, nearest airports, runway geometry.

The packaged OurAirports snapshot is used unless a newer dump is pointed at, with
:func:`use_csv` (CLI ``--airports-csv``/``--runways-csv``) or the environment variables
``FLIGHTCHECK_AIRPORTS_CSV`` / ``FLIGHTCHECK_RUNWAYS_CSV``; :func:`flightcheck.reference.versions`
then records that file's sha256. Data are loaded on first use and cached.

Codes: OurAirports' ``ident`` is its primary key and usually, but not always, the ICAO code;
``icao`` (``icao_code``) may differ or be empty, ``gps_code`` often holds the ICAO code. For
example the row with ident HEBA (Alexandria International, formerly Borg El Arab) has icao
and gps code HEAX. :func:`get` tries ident, then icao, then gps code, then IATA code.

Units: degrees (WGS-84), feet for elevations and runway dimensions, kilometres for distances.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from flightcheck.errors import ReferenceDataError
from flightcheck.geo import KM_PER_DEG, along_track_km, cross_track_km, haversine_km

DATA_DIR = Path(__file__).with_name("data")
AIRPORTS_ENV = "FLIGHTCHECK_AIRPORTS_CSV"
RUNWAYS_ENV = "FLIGHTCHECK_RUNWAYS_CSV"

ALL_TYPES = (
    "large_airport",
    "medium_airport",
    "small_airport",
    "heliport",
    "seaplane_base",
    "balloonport",
    "closed",
)
"""OurAirports airport types."""

LANDABLE_TYPES = ("large_airport", "medium_airport", "small_airport")
"""Default of :func:`nearest`: open fields a fixed-wing aircraft can land at (military air
bases are among them; OurAirports has no military type)."""

_TYPE_RANK = {name: rank for rank, name in enumerate(ALL_TYPES)}


@dataclass(frozen=True)
class Runway:
    """One runway. ``le`` is the low-numbered end, ``he`` the high end; thresholds in degrees,
    headings in degrees true, elevations, length and width in feet; None when unknown."""

    le_ident: str | None
    he_ident: str | None
    le_lat: float | None
    le_lon: float | None
    he_lat: float | None
    he_lon: float | None
    le_heading_deg: float | None
    he_heading_deg: float | None
    length_ft: float | None
    width_ft: float | None
    surface: str | None
    closed: bool
    le_elevation_ft: float | None
    he_elevation_ft: float | None
    lighted: bool = False

    @property
    def name(self) -> str:
        """The runway as pilots name it, e.g. ``"12L/30R"``."""
        return "/".join(end for end in (self.le_ident, self.he_ident) if end) or "?"

    @property
    def has_thresholds(self) -> bool:
        """True when both threshold coordinates are known."""
        return None not in (self.le_lat, self.le_lon, self.he_lat, self.he_lon)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict, ``name`` first."""
        return {"name": self.name, **asdict(self)}


@dataclass(frozen=True)
class Airport:
    """One OurAirports row with its runways (``country`` is ISO 3166-1 alpha-2)."""

    ident: str
    icao: str | None
    iata: str | None
    gps_code: str | None
    name: str
    type: str
    country: str | None
    lat: float
    lon: float
    elevation_ft: float | None
    municipality: str | None
    runways: tuple[Runway, ...] = ()

    @property
    def code(self) -> str:
        """The ICAO code when there is one (icao, else a 4-letter gps code), else the ident."""
        for value in (self.icao, self.gps_code):
            if value and re.fullmatch(r"[A-Z]{4}", value):
                return value
        return self.ident

    def to_dict(self) -> dict[str, Any]:
        """The CLI's JSON shape."""
        return {
            "ident": self.ident,
            "icao": self.icao,
            "iata": self.iata,
            "name": self.name,
            "type": self.type,
            "country": self.country,
            "lat": self.lat,
            "lon": self.lon,
            "elevation_ft": self.elevation_ft,
            "gps_code": self.gps_code,
            "municipality": self.municipality,
            "runways": [r.to_dict() for r in self.runways],
        }


# ---------------------------------------------------------------------------------------------
# Loading

_override: dict[str, str | None] = {"airports": None, "runways": None}


def use_csv(
    airports_csv: str | os.PathLike | None = None, runways_csv: str | os.PathLike | None = None
) -> None:
    """Use a newer OurAirports dump instead of the packaged snapshot (None = packaged/env).

    When only ``airports_csv`` is given, a ``runways.csv`` next to it is used if present,
    otherwise the packaged runways.
    """
    for key, value in (("airports", airports_csv), ("runways", runways_csv)):
        if value is not None and not Path(value).is_file():
            raise ReferenceDataError(f"{value}: no such OurAirports {key} file")
        _override[key] = None if value is None else str(value)


def sources() -> tuple[str | None, str | None]:
    """The (airports, runways) CSV paths in use; None means the packaged snapshot."""
    airports_csv = _override["airports"] or os.environ.get(AIRPORTS_ENV) or None
    runways_csv = _override["runways"] or os.environ.get(RUNWAYS_ENV) or None
    if airports_csv and not runways_csv:
        sibling = Path(airports_csv).with_name("runways.csv")
        runways_csv = str(sibling) if sibling.is_file() else None
    for path in (airports_csv, runways_csv):
        if path and not Path(path).is_file():
            raise ReferenceDataError(
                f"{path}: no such file (set by --airports-csv/--runways-csv or "
                f"{AIRPORTS_ENV}/{RUNWAYS_ENV})"
            )
    return airports_csv, runways_csv


class AirportData:
    """The airports and runways tables plus the indexes built over them."""

    def __init__(self, table: pd.DataFrame, runways: pd.DataFrame) -> None:
        self.table = table
        self.runways = runways
        if not table["ident"].is_monotonic_increasing:
            table = self.table = table.sort_values("ident", kind="stable").reset_index(drop=True)
        if not runways["airport_ident"].is_monotonic_increasing:
            runways = runways.sort_values("airport_ident", kind="stable").reset_index(drop=True)
            self.runways = runways
        rank = pd.Index(ALL_TYPES).get_indexer(table["type"].to_numpy(object))
        self.rank = np.where(rank < 0, len(ALL_TYPES), rank)
        self.idents = table["ident"].to_numpy(object)
        self.rw_ident = runways["airport_ident"].to_numpy(object)
        self._codes: dict[str, pd.Index] = {}

    def rows_of(self, column: str, code: str) -> list[int]:
        """Rows whose ``column`` equals ``code``, best airport type first."""
        if column == "ident":  # sorted and unique
            i = int(np.searchsorted(self.idents, code))
            return [i] if i < len(self.idents) and self.idents[i] == code else []
        if column not in self._codes:
            self._codes[column] = pd.Index(self.table[column].to_numpy(object))
        try:
            loc = self._codes[column].get_loc(code)
        except KeyError:
            return []
        rows = np.atleast_1d(np.arange(len(self.idents))[loc])
        return rows[np.lexsort((rows, self.rank[rows]))].tolist()

    def runway_rows(self, ident: str) -> slice:
        lo = np.searchsorted(self.rw_ident, ident, side="left")
        hi = np.searchsorted(self.rw_ident, ident, side="right")
        return slice(int(lo), int(hi))

    @functools.cached_property
    def folded(self) -> dict[str, pd.Series]:
        """Lower-case, accent-free name, municipality and keywords for fragment search."""
        return {col: _fold(self.table[col]) for col in ("name", "municipality", "keywords")}


def _fold(series: pd.Series) -> pd.Series:
    text = series.fillna("").astype("str").str.normalize("NFKD")
    return text.str.replace(r"[\u0300-\u036f]", "", regex=True).str.casefold()


def _fold_one(text: str) -> str:
    return _fold(pd.Series([text])).iloc[0]


@functools.cache
def _load(airports_csv: str | None, runways_csv: str | None) -> AirportData:
    from flightcheck.reference.ourairports import read_airports_csv, read_runways_csv

    if airports_csv:
        table = read_airports_csv(airports_csv)
    else:
        table = pd.read_parquet(DATA_DIR / "airports.parquet")
    if runways_csv:
        runways = read_runways_csv(runways_csv)
    else:
        runways = pd.read_parquet(DATA_DIR / "runways.parquet")
    return AirportData(table, runways)


def loaded() -> AirportData:
    """The airports and runways of the configured sources, loaded once (cached)."""
    return _load(*sources())


# ---------------------------------------------------------------------------------------------
# Tables


def table() -> pd.DataFrame:
    """All airports: ident, icao, iata, gps_code, name, type, lat, lon, elevation_ft,
    country (ISO-2), municipality, keywords. One row per OurAirports ident, sorted by ident."""
    return loaded().table.copy()


def runways_table() -> pd.DataFrame:
    """All runways: airport_ident, le_ident, he_ident, le_lat, le_lon, he_lat, he_lon,
    le_heading_deg, he_heading_deg, le_elevation_ft, he_elevation_ft, length_ft, width_ft,
    surface, lighted, closed (bool). Sorted by airport_ident."""
    return loaded().runways.copy()


# ---------------------------------------------------------------------------------------------
# Look-up


def _value(v: Any) -> Any:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v


def _airport(data: AirportData, row: int) -> Airport:
    rec = {k: _value(v) for k, v in data.table.iloc[row].items()}
    rws = data.runways.iloc[data.runway_rows(rec["ident"])]
    runways = tuple(
        Runway(**{f: _value(r[f]) for f in Runway.__dataclass_fields__ if f in r})
        for r in rws.to_dict("records")
    )
    return Airport(
        ident=rec["ident"],
        icao=rec["icao"],
        iata=rec["iata"],
        gps_code=rec["gps_code"],
        name=rec["name"] or "",
        type=rec["type"] or "",
        country=rec["country"],
        lat=float(rec["lat"]),
        lon=float(rec["lon"]),
        elevation_ft=rec["elevation_ft"],
        municipality=rec["municipality"],
        runways=runways,
    )


def _find_code(data: AirportData, code: str) -> int | None:
    for column in ("ident", "icao", "gps_code", "iata"):
        rows = data.rows_of(column, code)
        if rows:
            return rows[0]
    return None


def get(code: str) -> Airport:
    """The airport with this code: OurAirports ident, ICAO, GPS or IATA code (any case).

    Tried in that order; a code shared by several rows (IATA codes of closed fields) gives the
    largest open airport. Raises :class:`ReferenceDataError` with suggestions when unknown.
    """
    key = str(code).strip().upper()
    data = loaded()
    row = _find_code(data, key) if key else None
    if row is None:
        raise ReferenceDataError(unknown_message(data, str(code)))
    return _airport(data, row)


def unknown_message(data: AirportData, code: str) -> str:
    hits = _search_rows(data, code, 5) if code.strip() else []
    if not hits:
        prefix = code.strip().upper()[:3]
        if prefix:
            idents = data.table["ident"].to_numpy(object)
            rows = np.flatnonzero(data.table["ident"].str.startswith(prefix).to_numpy())
            rows = rows[np.argsort(data.rank[rows], kind="stable")][:5]
            hits = [int(r) for r in rows if idents[r]]
    message = f"unknown airport code {code!r}: no OurAirports ident, ICAO, GPS or IATA code matches"
    if hits:
        names = ", ".join(
            f"{data.table['ident'].iat[r]} ({data.table['name'].iat[r]})" for r in hits
        )
        return message + f"; did you mean {names}? Search by name with `flightcheck airport NAME`."
    return message + ". Search by name with `flightcheck airport NAME`."


def _search_rows(data: AirportData, text: str, limit: int) -> list[int]:
    key = text.strip().upper()
    exact = [r for col in ("ident", "icao", "gps_code", "iata") for r in data.rows_of(col, key)]
    folded = _fold_one(text.strip())
    if not folded:
        return list(dict.fromkeys(exact))[:limit]
    name = data.folded["name"]
    starts = name.str.startswith(folded).to_numpy(bool)
    in_name = name.str.contains(folded, regex=False).to_numpy(bool)
    other = (
        data.folded["municipality"].str.contains(folded, regex=False)
        | data.folded["keywords"].str.contains(folded, regex=False)
    ).to_numpy(bool)
    tier = np.select([starts, in_name, other], [1, 2, 3], default=9)
    rows = np.flatnonzero(tier < 9)
    order = np.lexsort((rows, data.rank[rows], tier[rows]))
    return list(dict.fromkeys(exact + rows[order].tolist()))[:limit]


def search(text: str, limit: int = 20) -> list[Airport]:
    """Airports whose code equals ``text`` or whose name, municipality or keywords contain it
    (case- and accent-insensitive: "urumqi" finds Ürümqi). Exact code matches first, then names
    starting with the text, then other matches; larger open airports first within each."""
    data = loaded()
    return [_airport(data, row) for row in _search_rows(data, str(text), limit)]


# ---------------------------------------------------------------------------------------------
# Geometry


@functools.cache
def _tree(types: tuple[str, ...], key: tuple[str | None, str | None]):
    """STRtree over the airport points (lon, lat) of these types; rows into the table."""
    import shapely

    data = _load(*key)
    t = data.table
    keep = (
        t["type"].isin(types).to_numpy() & t["lat"].notna().to_numpy() & t["lon"].notna().to_numpy()
    )
    rows = np.flatnonzero(keep)
    lat = t["lat"].to_numpy(float)[rows]
    lon = t["lon"].to_numpy(float)[rows]
    return shapely.STRtree(shapely.points(lon, lat)), rows


def _check_types(types: tuple[str, ...] | None) -> tuple[str, ...]:
    if types is None:
        return LANDABLE_TYPES
    types = (types,) if isinstance(types, str) else tuple(types)
    unknown = sorted(set(types) - set(ALL_TYPES))
    if unknown:
        raise ReferenceDataError(
            f"unknown airport type(s) {', '.join(unknown)}; expected some of {', '.join(ALL_TYPES)}"
        )
    return tuple(sorted(set(types)))


def nearest(
    lat, lon, radius_km: float = 30.0, k: int = 5, types: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """The ``k`` nearest airports within ``radius_km`` of each position (vectorised).

    ``lat``/``lon`` are scalars or arrays (degrees). ``types`` selects OurAirports types;
    None means :data:`LANDABLE_TYPES` (large, medium and small airports: no heliports,
    seaplane bases, balloonports or closed fields); pass :data:`ALL_TYPES` for everything.
    Distances are to the airport reference point (great circle, km).

    Returns one row per (position, airport): ``query`` (index into the inputs), ``ident``,
    ``icao``, ``name``, ``type``, ``country``, ``lat``, ``lon``, ``distance_km``; sorted by
    query, then distance. Positions with no airport in range (or NaN) have no rows.
    """
    import shapely

    lat = np.atleast_1d(np.asarray(lat, dtype=float))
    lon = np.atleast_1d(np.asarray(lon, dtype=float))
    lat, lon = np.broadcast_arrays(lat, lon)
    lat, lon = lat.ravel(), lon.ravel()
    data = loaded()
    tree, rows = _tree(_check_types(types), sources())
    valid = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    qlat, qlon = lat[valid], (lon[valid] + 180.0) % 360.0 - 180.0
    dlat = radius_km / KM_PER_DEG * 1.01 + 1e-6
    coslat = np.cos(np.radians(np.minimum(np.abs(qlat) + dlat, 90.0)))
    dlon = np.minimum(dlat / np.maximum(coslat, 1e-12), 180.0)
    # boxes crossing the antimeridian are split in two: [west, 180] and [-180, east]
    west, east = qlon - dlon, qlon + dlon
    wraps_w, wraps_e = np.flatnonzero(west < -180.0), np.flatnonzero(east > 180.0)
    box_query = np.concatenate([np.arange(len(valid)), wraps_w, wraps_e])
    boxes = shapely.box(
        np.concatenate(
            [np.maximum(west, -180.0), west[wraps_w] + 360.0, np.full(len(wraps_e), -180.0)]
        ),
        np.concatenate([qlat - dlat, qlat[wraps_w] - dlat, qlat[wraps_e] - dlat]),
        np.concatenate(
            [np.minimum(east, 180.0), np.full(len(wraps_w), 180.0), east[wraps_e] - 360.0]
        ),
        np.concatenate([qlat + dlat, qlat[wraps_w] + dlat, qlat[wraps_e] + dlat]),
    )
    b, hit = tree.query(boxes)
    q, airport = valid[box_query[b]], rows[hit]
    if len(q):
        pairs = np.unique(np.stack([q, airport]), axis=1)
        q, airport = pairs[0], pairs[1]
    t = data.table
    alat, alon = t["lat"].to_numpy(float)[airport], t["lon"].to_numpy(float)[airport]
    dist = haversine_km(lat[q], lon[q], alat, alon)
    inside = dist <= radius_km
    q, airport, dist = q[inside], airport[inside], dist[inside]
    order = np.lexsort((data.rank[airport], dist, q))
    q, airport, dist = q[order], airport[order], dist[order]
    first = np.searchsorted(q, q, side="left")
    take = (np.arange(len(q)) - first) < k
    q, airport, dist = q[take], airport[take], dist[take]
    out = t.iloc[airport][["ident", "icao", "name", "type", "country", "lat", "lon"]]
    out = out.reset_index(drop=True)
    out.insert(0, "query", q.astype(np.int64))
    out["distance_km"] = dist
    return out


def runway_distances(code: str, lat, lon) -> pd.DataFrame:
    """Distance of each position to each runway centreline of the airport ``code`` (vectorised).

    One row per (position, runway with both threshold coordinates): ``query`` (index into
    the inputs), ``runway`` ("12L/30R"), ``closed``, ``length_km`` (threshold to threshold),
    ``cross_track_km`` (signed: positive right of the le -> he direction), ``along_track_km``
    (from the le threshold towards he) and ``within`` (0 <= along_track_km <= length_km).
    Runways without threshold coordinates are left out.
    """
    airport = get(code)
    lat = np.atleast_1d(np.asarray(lat, dtype=float)).ravel()
    lon = np.atleast_1d(np.asarray(lon, dtype=float)).ravel()
    if lat.shape != lon.shape:
        raise ReferenceDataError(f"lat and lon differ in length ({len(lat)} vs {len(lon)})")
    frames = []
    for rw in airport.runways:
        if not rw.has_thresholds:
            continue
        length = float(haversine_km(rw.le_lat, rw.le_lon, rw.he_lat, rw.he_lon))
        along = along_track_km(lat, lon, rw.le_lat, rw.le_lon, rw.he_lat, rw.he_lon)
        frames.append(
            pd.DataFrame(
                {
                    "query": np.arange(len(lat), dtype=np.int64),
                    "runway": rw.name,
                    "closed": rw.closed,
                    "length_km": length,
                    "cross_track_km": cross_track_km(
                        lat, lon, rw.le_lat, rw.le_lon, rw.he_lat, rw.he_lon
                    ),
                    "along_track_km": along,
                    "within": (along >= 0.0) & (along <= length),
                }
            )
        )
    columns = [
        "query",
        "runway",
        "closed",
        "length_km",
        "cross_track_km",
        "along_track_km",
        "within",
    ]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in columns})
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["query", "runway"], kind="stable").reset_index(drop=True)


def resolve(text: str, limit: int = 20) -> Airport | list[Airport]:
    """What a user typed: an :class:`Airport` for a code or a name fragment with one match,
    else the list of candidates (best first, at most ``limit``). Raises
    :class:`ReferenceDataError` with suggestions when nothing matches."""
    text = str(text).strip()
    if not text:
        raise ReferenceDataError("empty airport code or name: give an ICAO/IATA code or a name")
    data = loaded()
    row = _find_code(data, text.upper())
    if row is not None:
        return _airport(data, row)
    rows = _search_rows(data, text, limit)
    if not rows:
        raise ReferenceDataError(
            unknown_message(data, text).replace("unknown airport code", "no airport matches")
        )
    if len(rows) == 1:
        return _airport(data, rows[0])
    return [_airport(data, r) for r in rows]
