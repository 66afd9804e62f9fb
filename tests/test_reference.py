"""Reference data: airports and runways, countries, ICAO address blocks, provenance, CLI."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from flightcheck import geo, reference
from flightcheck.cli import main
from flightcheck.errors import ReferenceDataError
from flightcheck.reference import airports, countries, icao

SHARED = Path("/work/shared/data")


# --- geo helpers ------------------------------------------------------------------------------


def test_haversine_and_bearing_known_values():
    assert geo.haversine_km(0.0, 0.0, 1.0, 0.0) == pytest.approx(111.195, abs=1e-3)
    d = geo.haversine_km(np.array([0.0, 10.0]), 0.0, np.array([0.0, 10.0]), np.array([1.0, 0.0]))
    assert d.shape == (2,) and d[1] == 0.0 and d[0] == pytest.approx(111.195, abs=1e-3)
    assert geo.bearing_deg(0, 0, 0, 1) == pytest.approx(90.0)
    assert geo.bearing_deg(0, 0, -1, 0) == pytest.approx(180.0)
    # across the antimeridian: 0.2 degrees of longitude, heading east
    assert geo.haversine_km(0, 179.9, 0, -179.9) == pytest.approx(22.239, abs=1e-3)
    assert geo.bearing_deg(0, 179.9, 0, -179.9) == pytest.approx(90.0)


def test_destination_cross_and_along_track():
    lat, lon = geo.destination(45.0, 20.0, 125.0, 2.0)
    assert geo.haversine_km(45.0, 20.0, lat, lon) == pytest.approx(2.0, rel=1e-9)
    # 0.3 km to the right of the path (bearing 125 + 90), 1 km along it
    mid_lat, mid_lon = geo.destination(45.0, 20.0, 125.0, 1.0)
    p_lat, p_lon = geo.destination(mid_lat, mid_lon, 215.0, 0.3)
    assert geo.cross_track_km(p_lat, p_lon, 45.0, 20.0, lat, lon) == pytest.approx(0.3, abs=2e-3)
    assert geo.along_track_km(p_lat, p_lon, 45.0, 20.0, lat, lon) == pytest.approx(1.0, abs=2e-3)
    q_lat, q_lon = geo.destination(45.0, 20.0, 305.0, 0.5)  # behind the start, on the line
    assert geo.along_track_km(q_lat, q_lon, 45.0, 20.0, lat, lon) == pytest.approx(-0.5, abs=1e-6)
    assert abs(geo.cross_track_km(q_lat, q_lon, 45.0, 20.0, lat, lon)) < 1e-6


# --- airports: look-up ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "ident", "name"),
    [
        ("LYBT", "LYBT", "Batajnica Air Base"),
        ("lybe", "LYBE", "Belgrade Nikola Tesla Airport"),
        ("HECA", "HECA", "Cairo International Airport"),
        ("HEAZ", "HEAZ", "Almaza Air Force Base"),
        ("HECW", "HECW", "Cairo West Air Base"),
        ("ZWWW", "ZWWW", "Ürümqi Tianshan International Airport"),
        ("BJY", "LYBT", "Batajnica Air Base"),  # IATA
        (" beg ", "LYBE", "Belgrade Nikola Tesla Airport"),
    ],
)
def test_get_by_code(code, ident, name):
    ap = airports.get(code)
    assert (ap.ident, ap.name) == (ident, name)


def test_ident_and_icao_code_disagree_heba_heax():
    by_icao = airports.get("HEAX")
    assert by_icao.ident == "HEBA" and by_icao.icao == "HEAX" and by_icao.gps_code == "HEAX"
    assert by_icao.code == "HEAX"
    assert airports.get("heba") == by_icao
    table = airports.table()
    assert "HEAX" not in set(table["ident"])  # El Nouzha no longer has it
    assert airports.search("HEAX")[0].ident == "HEBA"


def test_batajnica_runways_and_json_shape():
    ap = airports.get("LYBT")
    assert ap.country == "RS" and ap.iata == "BJY" and ap.type == "medium_airport"
    by_name = {r.name: r for r in ap.runways}
    assert set(by_name) == {"12/30", "12L/30R", "12R/30L"}
    assert by_name["12R/30L"].closed and not by_name["12L/30R"].closed
    assert by_name["12/30"].surface == "GRS" and by_name["12L/30R"].length_ft == 8181
    assert all(r.has_thresholds for r in ap.runways)
    d = ap.to_dict()
    for key in (
        "ident",
        "icao",
        "iata",
        "name",
        "type",
        "country",
        "lat",
        "lon",
        "elevation_ft",
        "runways",
    ):
        assert key in d
    assert d["runways"][0]["name"] and json.dumps(d)


def test_unknown_code_raises_with_suggestions():
    with pytest.raises(ReferenceDataError, match=r"unknown airport code 'LYBX'.*LYBE.*LYBT"):
        airports.get("LYBX")
    with pytest.raises(ReferenceDataError):
        airports.get("")


def test_search_by_name_fragment_accent_and_case_insensitive():
    assert [a.ident for a in airports.search("Batajnica")] == ["LYBT"]
    assert airports.search("urumqi", limit=3)[0].ident == "ZWWW"
    assert airports.search("ALMAZA")[0].ident == "HEAZ"
    cairo = [a.ident for a in airports.search("cairo")]
    assert cairo[:2] == ["HECA", "HECW"]  # large before medium, then the rest
    assert len(airports.search("airport", limit=7)) == 7


def test_resolve_code_unique_name_and_ambiguous_name():
    assert airports.resolve("bjy").ident == "LYBT"
    assert airports.resolve("Nikola Tesla").ident == "LYBE"
    many = airports.resolve("Cairo")
    assert isinstance(many, list) and {"HECA", "HECW"} <= {a.ident for a in many}
    with pytest.raises(ReferenceDataError, match="no airport matches"):
        airports.resolve("Qwertyzzz Field")


def test_tables_keep_all_types_codes_and_namibia():
    t = airports.table()
    assert len(t) == 85836 and t["ident"].is_unique
    assert set(t["type"]) == set(airports.ALL_TYPES)
    for col in (
        "ident",
        "icao",
        "iata",
        "gps_code",
        "name",
        "type",
        "lat",
        "lon",
        "elevation_ft",
        "country",
        "municipality",
    ):
        assert col in t.columns
    row = t.set_index("ident").loc["FYWH"]  # Windhoek: "NA" is not missing
    assert row["country"] == "NA"
    laohutun = t.set_index("ident").loc["CN-0003"]  # military-named, no ICAO code
    assert laohutun["name"] == "Laohutun Air Base" and pd.isna(laohutun["icao"])
    rw = airports.runways_table()
    assert len(rw) == 48144 and rw["closed"].dtype == bool
    # both thresholds known (the shared README says 15,670; a CSV parse of the source gives this)
    assert rw[["le_lat", "le_lon", "he_lat", "he_lon"]].notna().all(axis=1).sum() == 15529


# --- airports: geometry -----------------------------------------------------------------------


def _mid(ap_code: str, runway: str, right_km: float = 0.0) -> tuple[float, float]:
    rw = next(r for r in airports.get(ap_code).runways if r.name == runway)
    hdg = float(geo.bearing_deg(rw.le_lat, rw.le_lon, rw.he_lat, rw.he_lon))
    half = float(geo.haversine_km(rw.le_lat, rw.le_lon, rw.he_lat, rw.he_lon)) / 2
    lat, lon = geo.destination(rw.le_lat, rw.le_lon, hdg, half)
    lat, lon = geo.destination(lat, lon, hdg + 90.0, right_km)
    return float(lat), float(lon)


def test_lybt_and_lybe_are_13_km_apart_and_runways_separate_them():
    a, b = airports.get("LYBT"), airports.get("LYBE")
    assert 13.0 < geo.haversine_km(a.lat, a.lon, b.lat, b.lon) < 14.0
    lat, lon = _mid("LYBT", "12L/30R", right_km=0.1)
    near = airports.nearest(lat, lon, radius_km=20)
    assert near["ident"].iloc[0] == "LYBT" and "LYBE" in set(near["ident"])
    d = airports.runway_distances("LYBT", [lat], [lon]).set_index("runway")
    assert d.loc["12L/30R", "within"]
    assert d.loc["12L/30R", "cross_track_km"] == pytest.approx(0.1, abs=0.005)
    assert d.loc["12L/30R", "along_track_km"] == pytest.approx(
        d.loc["12L/30R", "length_km"] / 2, abs=0.005
    )
    assert d.loc["12R/30L", "closed"]
    far = airports.runway_distances("LYBE", [lat], [lon])
    assert (~far["within"]).all() and (far["cross_track_km"] < -8).all()  # 9 km left of LYBE
    assert (far["along_track_km"] < -9).all()  # and behind its 12 thresholds


def test_heca_and_almaza_5_km_apart_runway_decides():
    a, b = airports.get("HECA"), airports.get("HEAZ")
    assert 3.5 < geo.haversine_km(a.lat, a.lon, b.lat, b.lon) < 5.5
    lat, lon = _mid("HEAZ", "18/36")
    on_heaz = airports.runway_distances("HEAZ", lat, lon)
    assert on_heaz.set_index("runway").loc["18/36", "cross_track_km"] == pytest.approx(0, abs=1e-3)
    on_heca = airports.runway_distances("HECA", lat, lon)
    assert len(on_heca) == 3 and (on_heca["cross_track_km"].abs() > 0.5).all()
    near = airports.nearest(lat, lon, radius_km=10)
    assert {"HECA", "HEAZ"} <= set(near["ident"])


def test_nearest_is_vectorised_sorted_and_matches_brute_force():
    rng = np.random.default_rng(7)
    lat = np.concatenate([rng.uniform(30, 50, 300), [np.nan, 44.935299]])
    lon = np.concatenate([rng.uniform(0, 40, 300), [20.0, 20.2575]])
    got = airports.nearest(lat, lon, radius_km=25, k=3)
    assert list(got.columns[:3]) == ["query", "ident", "icao"] and "distance_km" in got
    assert (got.groupby("query")["distance_km"].apply(lambda s: s.is_monotonic_increasing)).all()
    assert 300 not in set(got["query"])  # NaN position: no rows
    assert got[got["query"] == 301]["ident"].iloc[0] == "LYBT"
    assert got[got["query"] == 301]["distance_km"].iloc[0] == pytest.approx(0.0, abs=1e-9)
    t = airports.table()
    t = t[t["type"].isin(airports.LANDABLE_TYPES)]
    for q in rng.choice(300, 40, replace=False):
        d = geo.haversine_km(lat[q], lon[q], t["lat"].to_numpy(), t["lon"].to_numpy())
        want = np.sort(d[d <= 25])[:3]
        np.testing.assert_allclose(got[got["query"] == q]["distance_km"].to_numpy(), want)


def test_nearest_high_latitudes_and_antimeridian_match_brute_force():
    lat = np.array([89.5, 78.2, 71.0, -16.6, 64.7, 52.0, -77.8])
    lon = np.array([0.0, 15.5, -179.99, 179.99, 177.7, -176.6, 166.6])
    got = airports.nearest(lat, lon, radius_km=400, k=10_000, types=airports.ALL_TYPES)
    t = airports.table()
    for q in range(len(lat)):
        d = geo.haversine_km(lat[q], lon[q], t["lat"].to_numpy(), t["lon"].to_numpy())
        want = set(t["ident"][d <= 400])
        assert set(got[got["query"] == q]["ident"]) == want
    assert got["query"].nunique() >= 5


def test_nearest_types_filter():
    lat, lon = _mid("LYBE", "12L/30R")
    default = airports.nearest(lat, lon, radius_km=30, k=500)
    assert set(default["type"]) <= set(airports.LANDABLE_TYPES)
    everything = airports.nearest(lat, lon, radius_km=30, k=500, types=airports.ALL_TYPES)
    assert len(everything) > len(default) and "heliport" in set(everything["type"])
    large = airports.nearest(lat, lon, radius_km=30, types=("large_airport",))
    assert list(large["ident"]) == ["LYBE"]
    with pytest.raises(ReferenceDataError, match="unknown airport type"):
        airports.nearest(lat, lon, types=("military",))


def test_nearest_across_the_antimeridian():
    rabi = airports.get("NFFR")  # lon +179.98
    near = airports.nearest(rabi.lat, rabi.lon, radius_km=40, k=10)
    matei = near[near["ident"] == "NFNM"]  # Taveuni, lon -179.88
    assert len(matei) == 1
    assert matei["distance_km"].iloc[0] == pytest.approx(
        geo.haversine_km(rabi.lat, rabi.lon, -16.690599, -179.876999)
    )
    assert matei["distance_km"].iloc[0] < 30


# --- countries --------------------------------------------------------------------------------


def test_kosovo_serbia_and_names():
    got = countries.country_of([42.573, 44.8184, 43.32], [21.036, 20.3091, 21.90])
    assert list(got) == ["XK", "RS", "RS"]  # Pristina, Belgrade, Niš
    assert countries.name_of("XK") == "Kosovo" and countries.name_of("rs") == "Serbia"
    with pytest.raises(ReferenceDataError, match="unknown country code"):
        countries.name_of("QQ")


def test_iso_a2_eh_not_iso_a2_and_no_code_polygons():
    got = countries.country_of(
        [48.85, 60.39, 25.03, 35.25, 30.11], [2.35, 5.32, 121.56, 33.6, 31.40]
    )
    assert list(got) == ["FR", "NO", "TW", "CY", "EG"]  # Paris, Bergen, Taipei, N. Cyprus


def test_points_at_sea_and_invalid_are_none():
    got = countries.country_of([30.0, 35.0, 43.5, 0.0, np.nan], [-40.0, 18.0, 34.0, -150.0, 0.0])
    assert got.dtype == object and all(v is None for v in got)


def test_country_antimeridian_and_shapes():
    got = countries.country_of(
        [71.25, 71.25, 67.0, 67.0, 71.25], [179.9, -179.9, 180.0, -180.0, 180.1]
    )
    assert list(got) == ["RU"] * 5
    assert countries.country_of(44.8184, 20.3091).shape == ()
    grid = countries.country_of(np.array([[44.8184], [42.573]]), np.array([20.3091, 21.036]))
    assert grid.shape == (2, 2) and grid[0, 0] == "RS" and grid[1, 1] == "XK"


def test_country_of_matches_per_point_shapely():
    import shapely

    rng = np.random.default_rng(3)
    lat, lon = rng.uniform(-55, 70, 400), rng.uniform(-180, 180, 400)
    got = countries.country_of(lat, lon)
    table = countries.geometries("50m")
    for i in range(0, 400, 4):
        point = shapely.Point(lon[i], lat[i])
        hits = [
            c for c, g in zip(table["iso2"], table["geometry"], strict=True) if g.intersects(point)
        ]
        assert got[i] == (hits[0] if hits else None)


def _first_outline_touching(lat: np.ndarray, lon: np.ndarray, scale: str) -> np.ndarray:
    """The exact answer, outline by outline: the first one of the layer containing or
    touching each position (no index, no grid)."""
    import shapely

    table = countries.geometries(scale)
    out = np.full(len(lat), None, dtype=object)
    for code, geom in zip(table["iso2"], table["geometry"], strict=True):
        todo = np.flatnonzero(np.array([v is None for v in out]))
        hit = shapely.intersects_xy(geom, lon[todo], lat[todo])
        out[todo[hit]] = code
    return out


def _near_border_points(scale: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions on and within metres of the outlines' vertices and edges, on the 1-degree
    grid's lines and corners, at the poles and the antimeridian."""
    import shapely

    rng = np.random.default_rng(seed)
    geoms = countries.geometries(scale)["geometry"].to_numpy(object)
    xy = shapely.get_coordinates(shapely.boundary(shapely.segmentize(geoms, 0.2)))
    pick = xy[rng.integers(0, len(xy), n)]
    scale_deg = 10.0 ** rng.uniform(-9, -1, (n, 1))
    jittered = pick + rng.normal(size=(n, 2)) * scale_deg
    exact_vertices = xy[rng.integers(0, len(xy), n // 4)]
    k = n // 4
    on_lines = np.column_stack(
        [
            np.r_[rng.integers(-180, 181, k), rng.uniform(-180, 180, k)],
            np.r_[rng.uniform(-90, 90, k), rng.integers(-90, 91, k)],
        ]
    )
    corners = np.column_stack([rng.integers(-180, 181, k), rng.integers(-90, 91, k)])
    edges = np.array(
        [[180.0, 67.0], [-180.0, 67.0], [180.0, 90.0], [0.0, -90.0], [200.0, 65.5], [-540.0, 0.5]]
    )
    lon, lat = np.concatenate([pick, jittered, exact_vertices, on_lines, corners, edges]).T
    return lat.astype(float), lon.astype(float)


@pytest.mark.parametrize("scale", ["50m", "110m"])
def test_country_of_grid_gives_the_exact_answers(scale):
    """The 1-degree cells answer most positions; every answer equals the exact
    point-in-polygon test, near borders, coasts and cell edges too."""
    rng = np.random.default_rng(11)
    lat = np.r_[rng.uniform(-90, 90, 100_000), rng.uniform(-60, 75, 100_000)]
    lon = np.r_[rng.uniform(-180, 180, 100_000), rng.uniform(-180, 180, 100_000)]
    blat, blon = _near_border_points(scale, 40_000, 12)
    lat, lon = np.r_[lat, blat], np.r_[lon, blon]
    got = countries.country_of(lat, lon, scale)
    wrapped = np.where(np.abs(lon) <= 180.0, lon, (lon + 180.0) % 360.0 - 180.0)
    assert (got == countries._exact(lat, wrapped, scale)).all()
    some = rng.choice(len(lat), 6_000, replace=False)
    some = np.r_[some, np.arange(len(lat) - len(blat), len(lat), 8)]
    assert (got[some] == _first_outline_touching(lat[some], wrapped[some], scale)).all()
    cells = countries._cells(scale).value
    # the grid did the work: most cells the positions fell in were answered whole
    assert (cells >= 0).sum() > 5_000 and (cells == countries._SEA).sum() > 10_000
    assert len({v for v in got if v is not None}) > 150


def test_geometries_both_scales():
    g50, g110 = countries.geometries("50m"), countries.geometries("110m")
    assert len(g50) == 242 and len(g110) == 177
    assert {"iso2", "name", "geometry"} <= set(g110.columns)
    assert "-99" not in set(g50["iso2"].dropna())
    with pytest.raises(ReferenceDataError):
        countries.geometries("10m")


# --- ICAO address blocks ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hexcode", "iso2", "military"),
    [
        ("4C01A3", "RS", False),  # Serbia
        ("789abc", "HK", False),  # Hong Kong inside China's block
        ("788fff", "CN", False),
        ("78a000", "CN", False),
        ("7bffff", "CN", False),
        ("010070", "EG", True),  # Egypt military range 010070-01008F
        ("01008f", "EG", True),
        ("010090", "EG", False),
        ("adf7c8", "US", True),
        ("adf7c7", "US", False),
        ("4001c0", "KY", False),  # Cayman inside the UK block
        ("400000", "GB", True),  # UK military 400000-40003F, not Bermuda's sub-block
        ("400040", "BM", False),  # Bermuda sub-block outside the military range
        ("43c000", "GB", True),
        ("506f40", "SI", False),  # Slovenian range readsb disabled: not flagged
        ("899100", "TW", False),
    ],
)
def test_hex_blocks(hexcode, iso2, military):
    info = icao.lookup(hexcode)
    assert (info.iso2, info.military, info.icao24) == (iso2, military, hexcode.lower())


def test_hex_unallocated_and_reserved():
    assert icao.lookup("000000").country is None and icao.lookup("000000").iso2 is None
    temp = icao.lookup("f00001")
    assert temp.country == "ICAO (temporary)" and temp.iso2 is None


@pytest.mark.parametrize("bad", ["xyz", "4c01a", "4c01a3f", "", "g00000", "~4c01a3", None])
def test_invalid_hex_clear_error(bad):
    with pytest.raises(ReferenceDataError, match="is not a 24-bit ICAO address") as err:
        icao.lookup(bad)
    expected = "'~' marks a non-ICAO" if bad == "~4c01a3" else "expected 6 hex digits"
    assert expected in str(err.value)


def _first_match(value: int, rows: list[dict], military: bool = False) -> str | None:
    """The first block containing ``value``; inside a military range, the first Annex 10
    allocation (a territory sub-block does not own a state's military range)."""
    for row in rows:
        if int(row["start_hex"], 16) <= value <= int(row["end_hex"], 16) and (
            not military or row["kind"] == "annex10_allocation"
        ):
            return row["country"]
    return None


def test_lookup_many_matches_first_match_in_precedence_order():
    with open(reference.DATA_DIR / "icao_address_blocks.csv", encoding="utf-8") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: int(r["precedence"]))
    edges = [int(r[k], 16) + d for r in rows for k in ("start_hex", "end_hex") for d in (-1, 0, 1)]
    values = np.unique(
        np.concatenate(
            [np.clip(edges, 0, (1 << 24) - 1), np.random.default_rng(1).integers(0, 1 << 24, 3000)]
        )
    )
    hexes = [f"{v:06x}" for v in values] + ["bad"]
    got = icao.lookup_many(hexes)
    assert len(got) == len(hexes) and not got["valid"].iloc[-1]
    assert pd.isna(got["military"].iloc[-1])
    with open(reference.DATA_DIR / "military_address_ranges.csv", encoding="utf-8") as fh:
        mil = [
            (int(r["start_hex"], 16), int(r["end_hex"], 16))
            for r in csv.DictReader(fh)
            if r["used_by_readsb"] == "yes"
        ]
    for value, country in zip(values, got["country"].iloc[:-1], strict=True):
        military = any(lo <= value <= hi for lo, hi in mil)
        want = _first_match(int(value), rows, military)
        assert (None if pd.isna(country) else country) == want


# --- provenance and a newer OurAirports dump ---------------------------------------------------


def test_versions_and_packaged_hashes():
    reference.verify()
    v = reference.versions()
    for name in (
        "ourairports_airports",
        "ourairports_runways",
        "naturalearth_admin0_50m",
        "icao_address_blocks",
        "military_address_ranges",
    ):
        assert {"version", "sha256", "source"} <= set(v[name])
    assert v["ourairports_airports"]["sha256"] == (
        "9bd09e3f3610654d93a312b21d7c3779cedcabe81ab4450145e53ebc1a35398a"
    )
    assert v["naturalearth_admin0_50m"]["sha256"] == (
        "f4caa3fa3c2a20640b29c82f1f0df8df030c0af253a08118fcf69242c38726f7"
    )


@pytest.fixture
def newer_dump(tmp_path):
    """A small 'newer' airports.csv: LYBT renamed, plus a new field; no runways.csv beside it."""
    header = (
        "id,ident,type,name,latitude_deg,longitude_deg,elevation_ft,continent,iso_country,"
        "iso_region,municipality,scheduled_service,icao_code,iata_code,gps_code,local_code,"
        "home_link,wikipedia_link,keywords\n"
    )
    rows = (
        '4611,"LYBT","medium_airport","Batajnica Air Base (renamed)",44.935299,20.2575,265,'
        '"EU","RS","RS-00","Zemun","no","LYBT","BJY","LYBT",,,,\n'
        '999999,"XX-0001","small_airport","New Strip",10.0,10.0,,"AF","NA","NA-01",,"no",'
        ",,,,,,\n"
    )
    path = tmp_path / "airports.csv"
    path.write_text(header + rows, encoding="utf-8")
    yield path
    airports.use_csv(None, None)


def test_newer_dump_via_environment(newer_dump, monkeypatch):
    monkeypatch.setenv(airports.AIRPORTS_ENV, str(newer_dump))
    ap = airports.get("LYBT")
    assert ap.name == "Batajnica Air Base (renamed)"
    assert len(ap.runways) == 3  # packaged runways still used
    assert airports.get("XX-0001").country == "NA"
    assert len(airports.table()) == 2
    v = reference.versions()["ourairports_airports"]
    assert v["sha256"] == hashlib.sha256(newer_dump.read_bytes()).hexdigest()
    assert v["source"] == str(newer_dump.resolve())
    monkeypatch.delenv(airports.AIRPORTS_ENV)
    assert airports.get("LYBT").name == "Batajnica Air Base"


def test_bad_dump_is_a_clear_error(tmp_path):
    bad = tmp_path / "airports.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    airports.use_csv(bad)
    try:
        with pytest.raises(ReferenceDataError, match="not an OurAirports airports.csv"):
            airports.get("LYBT")
    finally:
        airports.use_csv(None, None)
    with pytest.raises(ReferenceDataError, match="no such"):
        airports.use_csv(tmp_path / "missing.csv")


@pytest.mark.skipif(not SHARED.is_dir(), reason="public sources not available")
def test_build_is_reproducible(tmp_path):
    """The quick part of the build (airports take ~10 s at zstd level 19) gives the same bytes."""
    from flightcheck.reference.build_data import build_countries, build_icao

    entries = {
        e["packaged_file"]: e
        for e in [build_countries(SHARED, tmp_path, "110m"), *build_icao(SHARED, tmp_path)]
    }
    packaged = json.loads((reference.DATA_DIR / "VERSIONS.json").read_text(encoding="utf-8"))
    checked = 0
    for entry in packaged:
        if entry["packaged_file"] in entries:
            assert entries[entry["packaged_file"]]["packaged_sha256"] == entry["packaged_sha256"]
            assert entries[entry["packaged_file"]]["source_sha256"] == entry["source_sha256"]
            checked += 1
    assert checked == 3


# --- CLI --------------------------------------------------------------------------------------


def test_cli_airport_json_and_readable():
    runner = CliRunner()
    res = runner.invoke(main, ["airport", "LYBT", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["ident"] == "LYBT" and out["iata"] == "BJY" and len(out["runways"]) == 3
    assert out["reference_data"]["ourairports_airports"]["sha256"].startswith("9bd09e3f")
    res = runner.invoke(main, ["airport", "Batajnica"])
    assert res.exit_code == 0 and "LYBT" in res.stdout and "12L/30R" in res.stdout


def test_cli_airport_ambiguous_and_unknown():
    runner = CliRunner()
    res = runner.invoke(main, ["airport", "cairo", "--json"])
    assert res.exit_code == 0
    idents = [c["ident"] for c in json.loads(res.stdout)["candidates"]]
    assert idents[:2] == ["HECA", "HECW"]
    res = runner.invoke(main, ["airport", "ZZZQX"])
    assert res.exit_code == 2 and "no airport matches 'ZZZQX'" in res.stderr
    assert "Traceback" not in res.output


def test_cli_airport_with_newer_csv(newer_dump):
    res = CliRunner().invoke(main, ["airport", "LYBT", "--json", "--airports-csv", str(newer_dump)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["name"] == "Batajnica Air Base (renamed)"
    assert (
        out["reference_data"]["ourairports_airports"]["sha256"]
        == hashlib.sha256(newer_dump.read_bytes()).hexdigest()
    )


def test_cli_hex():
    runner = CliRunner()
    res = runner.invoke(main, ["hex", "789ABC", "--json"])
    assert res.exit_code == 0
    out = json.loads(res.stdout)
    assert {k: out[k] for k in ("icao24", "country", "iso2", "military")} == {
        "icao24": "789abc",
        "country": "Hong Kong",
        "iso2": "HK",
        "military": False,
    }
    res = runner.invoke(main, ["hex", "010075"])
    assert res.exit_code == 0 and "Egypt" in res.stdout and "military" in res.stdout
    res = runner.invoke(main, ["hex", "xyz"])
    assert res.exit_code == 2
    assert "'xyz' is not a 24-bit ICAO address: expected 6 hex digits" in res.stderr
