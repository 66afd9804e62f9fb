"""The synthetic flight generator: determinism, physics, truth, writers round-trip, speed."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import flightcheck
from flightcheck import synth
from flightcheck.reference import airports
from flightcheck.synth import geo
from flightcheck.synth import writers as w
from flightcheck.synth.airfields import airfield
from flightcheck.synth.physics import GLIDE_DEG, KT, P, turn_radius_m
from flightcheck.synth.samples import write_samples
from flightcheck.synth.writers.opensky import state_vectors

ROOT = Path(__file__).resolve().parents[1]
IL76 = synth.Aircraft("010075", "IL76", "SU-BTX", "EGY1076", military=True)
LEGS = [
    synth.Leg("ZWWW", "2025-10-14T22:10:00Z"),
    synth.Leg("LYBT", "2025-10-16T01:30:00Z", hold_laps=1, transponder_off_on_ground=True),
    synth.Leg("HECW", "2025-10-16T13:05:00Z", approaches=("go_around", "land")),
]
NETWORK = synth.Receiver(floors_ft={"LYBT": 800.0})


@pytest.fixture(scope="module")
def case():
    return synth.scenario(
        IL76, "HECW", LEGS, "2025-10-14T21:00:00Z", "2025-10-16T18:00:00Z", receiver=NETWORK, seed=7
    )


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    out = tmp_path_factory.mktemp("samples")
    return out, write_samples(out)


# --- determinism ---------------------------------------------------------------------------


def test_same_seed_same_points_other_seed_differs():
    a = synth.scenario(IL76, "HECW", LEGS[:1], "2025-10-14T21:00Z", receiver=NETWORK, seed=3)[0]
    b = synth.scenario(IL76, "HECW", LEGS[:1], "2025-10-14T21:00Z", receiver=NETWORK, seed=3)[0]
    c = synth.scenario(IL76, "HECW", LEGS[:1], "2025-10-14T21:00Z", receiver=NETWORK, seed=4)[0]
    pd.testing.assert_frame_equal(a, b)
    assert len(a) != len(c) or not np.allclose(a["lat"], c["lat"])


def _content(path: Path) -> bytes | pd.DataFrame:
    """File content, independent of the zlib / pyarrow version that wrote it."""
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def test_sample_tracks_are_deterministic_and_up_to_date(samples, tmp_path):
    out, truth = samples
    again = tmp_path / "again"
    write_samples(again)
    committed = ROOT / "sample_tracks"
    generated = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert len(generated) == len(truth["files"]) + 1  # + truth.json
    for rel in generated:
        assert (again / rel).read_bytes() == (out / rel).read_bytes(), rel
        old, new = _content(committed / rel), _content(out / rel)
        if isinstance(new, pd.DataFrame):
            pd.testing.assert_frame_equal(old, new)
        else:
            assert old == new, f"{rel} is stale: run python sample_tracks/generate.py"
    total = sum(p.stat().st_size for p in committed.rglob("*") if p.is_file())
    assert total < 3_000_000


def test_random_fleet_is_deterministic():
    a = synth.random_fleet(4, days=1, seed=11)
    b = synth.random_fleet(4, days=1, seed=11)
    pd.testing.assert_frame_equal(a.points, b.points)
    assert a.truth == b.truth


def test_military_transports_between_short_strips():
    pool = synth.strip_pool(12)
    assert len(pool) == 12
    for ident in pool:
        ap = airports.get(ident)
        assert ap.type == "small_airport"
        assert 3000 <= airfield(ident).ends[0].length_m / 0.3048 <= 5000
    fleet = synth.random_fleet(3, days=1, seed=5, pool=pool, types=synth.MILITARY_TRANSPORTS)
    assert set(fleet.points["typecode"]) <= set(synth.MILITARY_TRANSPORTS)
    assert {s["airport"] for s in fleet.truth["stops"]} <= set(pool)


# --- physics -------------------------------------------------------------------------------


def _runway_heading(airport: str, lat: float, lon: float) -> float:
    """OurAirports heading (le/he_heading_deg) of the runway end nearest (lat, lon)."""
    best = (np.inf, np.nan)
    for r in airports.get(airport).runways:
        for hdg, rlat, rlon, other in (
            (r.le_heading_deg, r.le_lat, r.le_lon, r.he_heading_deg),
            (r.he_heading_deg, r.he_lat, r.he_lon, r.le_heading_deg),
        ):
            d = float(geo.distance_m(lat, lon, rlat, rlon))
            if d < best[0]:
                best = (d, hdg if hdg is not None else (other + 180) % 360)
    return best[1]


def test_takeoff_roll_starts_at_threshold_along_real_runway_heading(case):
    _, _, traj = case
    roll = np.flatnonzero(traj.code == P["takeoff"])
    assert len(roll) == 3
    for k in roll:
        t = np.linspace(traj.t0[k], traj.t0[k] + traj.duration[k], 30)
        st = traj.state(t)
        airport = airports.nearest(st["lat"][0], st["lon"][0], radius_km=5, k=1)
        ident = airport["ident"].iloc[0] if hasattr(airport, "iloc") else airport[0].ident
        expected = _runway_heading(ident, st["lat"][0], st["lon"][0])
        moved = geo.bearing_deg(st["lat"][0], st["lon"][0], st["lat"][-1], st["lon"][-1])
        assert abs(float(geo.wrap180(moved - expected))) < 3.0, ident
        assert st["gs_kt"][0] < 1 and st["gs_kt"][-1] == pytest.approx(140, abs=1)


def test_speeds_altitudes_and_rates_within_type_limits():
    fleet = synth.random_fleet(12, days=1, seed=5)
    pts = fleet.points
    for code, g in pts.groupby("typecode"):
        t = synth.TYPES[code]
        assert g["gs_kt"].max() <= t.max_speed_kt
        assert g["alt_ft"].max() <= t.max_alt_ft
        air = g[~g["on_ground"]]
        assert air["vrate_fpm"].max() <= 1.1 * max(t.climb_fpm, 2000) + 64
        assert air["vrate_fpm"].min() >= -1.6 * max(t.descent_fpm, 2000) - 64
    assert (pts.loc[pts["on_ground"], "gs_kt"] <= 160).all()


def test_cruise_follows_the_great_circle(case):
    _, _, traj = case
    k = np.flatnonzero(traj.code == P["cruise"])[0]
    st = traj.state(np.linspace(traj.t0[k], traj.t0[k] + traj.duration[k], 200))
    a, b = airports.get("HECW"), airports.get("ZWWW")
    d13 = geo.distance_m(a.lat, a.lon, st["lat"], st["lon"]) / geo.EARTH_RADIUS_M
    b13 = np.radians(geo.bearing_deg(a.lat, a.lon, st["lat"], st["lon"]))
    b12 = np.radians(geo.bearing_deg(a.lat, a.lon, b.lat, b.lon))
    xtrack_km = np.abs(np.arcsin(np.sin(d13) * np.sin(b13 - b12))) * geo.EARTH_RADIUS_M / 1000
    assert xtrack_km.max() < 25.0
    assert np.all(st["alt_ft"] == 33000) and np.all(st["gs_kt"] == 430)


def test_final_approach_is_a_three_degree_glide_onto_the_runway(case):
    _, _, traj = case
    for k in np.flatnonzero(traj.code == P["final"]):
        st = traj.state(np.linspace(traj.t0[k], traj.t0[k] + traj.duration[k], 20))
        run_m = np.hypot(
            np.diff(st["lat"]) * 111_195,
            np.diff(st["lon"]) * 111_195 * np.cos(np.radians(st["lat"][1:])),
        )
        slope = np.degrees(np.arctan(-np.diff(st["alt_ft"]) * 0.3048 / run_m))
        assert np.allclose(slope, GLIDE_DEG, atol=0.15)


def test_hold_is_a_racetrack_of_one_minute_legs_and_rate_one_turns(case):
    _, truth, traj = case
    hold = [e for e in traj.events if e["kind"] == "hold"][0]
    v = synth.TYPES["IL76"].hold_kt * KT
    turn_s = np.pi * turn_radius_m(v) / v  # 60 s at standard rate; longer when bank-limited
    assert turn_s == pytest.approx(
        180 / min(3.0, np.degrees(9.80665 * np.tan(np.radians(25)) / v)), rel=1e-6
    )
    assert hold["airport"] == "LYBT"
    assert hold["end"] - hold["time"] == pytest.approx(120 + 2 * turn_s, abs=2)
    st = traj.state(np.linspace(hold["time"], hold["end"], 241))
    assert np.ptp(st["alt_ft"]) == 0
    turned = np.abs(geo.wrap180(np.diff(st["track_deg"]))).sum()
    assert turned == pytest.approx(360, abs=15)


# --- truth ---------------------------------------------------------------------------------


def test_truth_stops_match_the_data(case):
    pts, truth, _ = case
    stops = {s["airport"]: s for s in truth["stops"][1:]}
    assert stops["ZWWW"]["observed"] and not stops["LYBT"]["observed"]
    ground = pts[pts["on_ground"]]
    for s in truth["stops"]:
        ap = airports.get(s["airport"])
        lo = pd.Timestamp(s["arrival"]).timestamp() - 60 if s["arrival"] else -np.inf
        hi = pd.Timestamp(s["departure"]).timestamp() + 60 if s["departure"] else np.inf
        g = ground[(ground["true_time"] >= lo) & (ground["true_time"] <= hi)]
        assert (len(g) > 0) == s["observed"]
        ok = g["position_source"] == "adsb"
        assert (geo.distance_m(g.loc[ok, "lat"], g.loc[ok, "lon"], ap.lat, ap.lon) < 3500).all()


def test_transponder_off_stop_is_silence_between_low_fixes(case):
    pts, truth, _ = case
    lybt = airports.get("LYBT")
    gap = [g for g in truth["gaps"] if g["cause"] == "stop" and g["start"] > "2025-10-16T05"][0]
    before = pts[pts["true_time"] <= pd.Timestamp(gap["start"]).timestamp()].iloc[-1]
    after = pts[pts["true_time"] >= pd.Timestamp(gap["end"]).timestamp()].iloc[0]
    assert gap["duration_s"] > 4 * 3600
    for fix, sign in ((before, -1), (after, 1)):
        assert not fix["on_ground"] and fix["alt_ft"] - lybt.elevation_ft < 1500
        assert np.sign(fix["vrate_fpm"]) == sign
        assert geo.distance_m(fix["lat"], fix["lon"], lybt.lat, lybt.lon) < 12_000
    holes = [g for g in truth["gaps"] if g["cause"] == "coverage"]
    assert len(holes) == 2 and all(g["duration_s"] > 2 * 3600 for g in holes)


def test_sample_truth_encodes_the_motivating_case(samples):
    _, truth = samples
    il76 = truth["aircraft"]["010075"]
    assert [s["airport"] for s in il76["stops"]] == ["HECW", "ZWWW", "LYBT", "HECW"]
    assert [s["observed"] for s in il76["stops"][1:3]] == [True, False]
    days = [f for f in truth["files"] if f.startswith("globe_history/2025/10/")]
    assert len(days) == 3
    assert truth["files"]["fr24/EGY1076_3c1f0a2b.csv"]["clock_offset_s"] == 2.0
    kinds = {e["kind"] for a in truth["aircraft"].values() for e in a["events"]}
    assert {"touch_and_go", "go_around", "hold"} <= kinds
    assert truth["aircraft"]["4bb1c4"]["overflights"][0]["airport"] == "LYBE"
    assert truth["aircraft"]["4bb1c4"]["overflights"][0]["alt_ft"] > 30000


# --- writers round-trip through the readers ------------------------------------------------

FILES = {
    "readsb-trace": "globe_history/2025/10/16/traces/75/trace_full_010075.json",
    "fr24-csv": "fr24/EGY1076_3c1f0a2b.csv",
    "fr24-granular": "fr24/MSR771_Flightradar24_ADS-B_data_granular.csv",
    "fr24-kml": "fr24/TK1985-3c9a27d1.kml",
    "flightaware-kml": "flightaware/FlightAware_ASL902_HECA_LYBE_20251016.kml",
    "tar1090-kml": "tar1090/YU-APN-track-press_alt_uncorrected.kml",
    "opensky-csv": "opensky/states_2025-10-16-13.csv",
    "opensky-parquet": "opensky/states_2025-10-16-13.parquet",
    "sbs": "sbs/belgrade_30003_20251016.log",
    "csv": "csv/YU-SRB_2025-10-17.csv",
}


@pytest.mark.parametrize("fmt", sorted(FILES))
def test_every_sample_file_reads_back_as_its_format(samples, fmt):
    out, truth = samples
    rel = FILES[fmt]
    tracks = flightcheck.read(out / rel)
    assert tracks.inputs[0].format == fmt
    df = tracks.df
    assert len(df) > 100 and df["lat"].between(-90, 90).all()
    meta = truth["files"][rel]
    if meta["hex_in_file"]:
        assert sorted(df["icao24"].unique()) == sorted(meta["aircraft"])


def test_round_trip_values(case, tmp_path):
    """Times, positions, altitudes and the ground flag survive each writer and reader."""
    pts = case[0]
    pts = pts[(pts["time"] > pd.Timestamp("2025-10-16T12:00Z").timestamp())].reset_index(drop=True)
    pts_all = pts[pts["position_source"] == "adsb"].reset_index(drop=True)
    cases = {
        "trace_full_010075.json": (w.trace_json(pts_all), 0.01, 1.0),
        "EGY1076_3c1f0a2b.csv": (w.fr24_csv(pts_all), 0.5, 1.0),
        "x_granular.csv": (w.fr24_granular(pts_all), 0.001, 1.0),
        "EGY1076-3c1f0a2b.kml": (w.fr24_kml(pts_all, "MS1076"), 0.5, 1.0),
        "FlightAware_EGY1076_LYBT_HECW_20251016.kml": (
            w.flightaware_kml(pts_all, "EGY1076", "LYBT", "HECW", "16-Oct-2025"),
            0.5,
            2.0,
        ),
        "SU-BTX-track-press_alt_uncorrected.kml": (w.tar1090_kml(pts_all, "SU-BTX"), 0.001, 2.0),
        "states.csv": (w.opensky_csv(pts_all), 0.001, 0.1),
        "log.sbs": (w.sbs_log(pts_all), 0.001, 1.0),
        "plain.csv": (w.plain_csv(pts_all), 0.001, 1.0),
    }
    for name, (data, dt_tol, alt_tol) in cases.items():
        path = w.save(tmp_path / name, data)
        df = flightcheck.read(path).df
        if name == "states.csv":  # only the last fix before each 10 s state survives
            pts = pts_all[
                pts_all["time"].round(3).isin(state_vectors(pts_all)["lastposupdate"])
            ].reset_index(drop=True)
        else:
            pts = pts_all
        air = ~pts["on_ground"]
        assert len(df) == len(pts), name
        t = df["time"].astype("int64").to_numpy() / 1e9
        assert np.abs(t - pts["time"].to_numpy()).max() <= dt_tol, name
        assert np.abs(df["lat"].to_numpy() - pts["lat"].to_numpy()).max() < 2e-5, name
        a = df["alt_ft"].to_numpy()[air]
        assert np.nanmax(np.abs(a - pts.loc[air, "alt_ft"].to_numpy())) <= alt_tol, name
        if name.endswith((".json", ".sbs", "granular.csv", "plain.csv", "uncorrected.kml")):
            assert (df["on_ground"].to_numpy(dtype=bool) == pts["on_ground"].to_numpy()).all(), name


# --- speed ---------------------------------------------------------------------------------


def test_generates_a_million_points_well_under_a_minute():
    dense = synth.Receiver(cruise_dt_s=5.0)
    start = time.perf_counter()
    fleet = synth.random_fleet(20, days=2, seed=2, receiver=dense)
    elapsed = time.perf_counter() - start
    rate = len(fleet.points) / elapsed
    assert len(fleet.points) > 100_000
    assert rate > 100_000, f"{rate:,.0f} points/s"  # 1M points in < 10 s
    assert fleet.truth["stops"] and {e["kind"] for e in fleet.truth["events"]} >= {
        "hold",
        "go_around",
        "touch_and_go",
    }
