"""Fixes the data refutes are flagged, kept and counted (flightcheck/flags.py, issue 16)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from segment_tracks import T0, offset, path, table

import flightcheck
from flightcheck.track.flags import REASONS, count_by_source, flag_fixes

REAL = Path(__file__).parent / "data" / "real"


def _orbit(step_s: float = 60.0) -> pd.DataFrame:
    """A racetrack at 25,000 ft (a refuelling orbit), one fix a minute."""
    a = (35.0, 30.0)
    b = offset(*a, 90, 150)
    lap = [
        (*a, 25000.0, 420.0),
        (*b, 25000.0, 420.0),
        (*offset(*b, 0, 15), 25000.0, 420.0),
        (*offset(*a, 0, 15), 25000.0, 420.0),
    ]
    legs = lap * 3 + [lap[0]]  # three laps, about 80 fixes
    return _writable(table([path(legs, T0, step_s=step_s)]))


def _writable(df: pd.DataFrame) -> pd.DataFrame:
    """A copy with its own writable numpy columns (the track table's arrays are read-only)."""
    return pd.DataFrame(
        {
            c: df[c].to_numpy(copy=True) if df[c].dtype.kind in "fiub" else df[c].copy()
            for c in df.columns
        }
    ).reset_index(drop=True)


def test_altitudes_from_a_refuelling_orbit():
    df = _orbit()
    df.loc[10, "alt_ft"] = 107_700.0
    df.loc[20, "alt_ft"] = 92_000.0
    df.loc[[30, 31], "alt_ft"] = 53_900.0  # a two-fix burst
    flag = flag_fixes(df)
    assert flag[10] == flag[20] == "altitude out of range"
    assert flag[30] == flag[31] == "altitude spike"
    assert flag.notna().sum() == 4
    assert len(df) == len(_orbit())  # rows kept, table untouched
    assert df.loc[10, "alt_ft"] == 107_700.0


def test_a_real_climb_and_descent_are_not_spikes():
    climb = path(
        [
            (35.0, 30.0, 1000.0, 160.0),
            (*offset(35.0, 30.0, 90, 40), 13000.0, 250.0),
            (*offset(35.0, 30.0, 90, 120), 5000.0, 300.0),
        ],
        T0,
        step_s=5.0,
    )
    assert flag_fixes(table([climb])).isna().all()


def test_position_jumps_at_the_first_fix_and_in_the_middle():
    df = _orbit(step_s=16.0)
    lat, lon = offset(df.loc[0, "lat"], df.loc[0, "lon"], 0, 34)  # 34 km off in 16 s
    df.loc[0, ["lat", "lon"]] = [lat, lon]
    lat, lon = offset(df.loc[50, "lat"], df.loc[50, "lon"], 180, 60)
    df.loc[50, ["lat", "lon"]] = [lat, lon]
    flag = flag_fixes(df)
    assert flag[0] == "position jump" and flag[50] == "position jump"
    assert flag.notna().sum() == 2


def test_duplicate_times_elsewhere_flag_the_odd_one():
    df = _orbit()
    twin = df.loc[[40]].copy()
    twin["lat"] += 0.5  # 55 km away at the same instant
    same = df.loc[[41]].copy()  # an exact repeat from a second receiver: not a conflict
    both = pd.concat([df, twin, same], ignore_index=True)
    flag = flag_fixes(both)
    assert flag.iloc[len(df)] == "duplicate time"
    assert flag.notna().sum() == 1


def test_the_kc10s_stray_first_fix_is_flagged_and_counted():
    """tests/data/real: the tar1090 KML of KC-10 86-0033 starts with a fix 33 km off."""
    tracks = flightcheck.read(REAL / "86-0033-track-press_alt_uncorrected.kml.gz")
    df = tracks.df.sort_values("time").reset_index(drop=True)
    flag = flag_fixes(df)
    assert flag[0] == "position jump"
    counts = count_by_source(df, flag)
    (only,) = counts.values()
    assert only["position jump"] >= 1


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_flags_do_not_depend_on_row_order(seed):
    df = _orbit()
    df.loc[10, "alt_ft"] = 107_700.0
    df.loc[[30, 31], "alt_ft"] = 53_900.0
    lat, lon = offset(df.loc[50, "lat"], df.loc[50, "lon"], 180, 60)
    df.loc[50, ["lat", "lon"]] = [lat, lon]
    shuffled = df.sample(frac=1.0, random_state=np.random.RandomState(seed % 2**32))
    a = flag_fixes(df)
    b = flag_fixes(shuffled).reindex(df.index)
    pd.testing.assert_series_equal(a, b)


def test_the_stop_engine_leaves_flagged_fixes_out():
    from flightcheck.segment import detect

    df = _orbit()
    df.loc[[30, 31], "alt_ft"] = 53_900.0
    df["flag"] = flag_fixes(df)
    seg = detect(df)
    assert seg.removed["flagged"] == 2
    assert seg.removed["altitude spike"] == 0  # the engine's own test never saw them


def test_a_flagged_fix_never_places_the_aircraft_anywhere():
    """A position jump to Podgorica in the middle of a flight over Belgrade supports a
    presence claim in Montenegro only while it is unflagged; flagged, it places nothing."""
    import importlib

    from flightcheck.case.model import Claim
    from flightcheck.case.verify import verify
    from flightcheck.routes import build_routes
    from flightcheck.track.tracks import Tracks

    reach_tests = importlib.import_module("test_verify_reach")
    df = _writable(table([reach_tests.FLIGHT]))
    k = 20  # in the cruise in, a fix every 5 s
    df.loc[k, ["lat", "lon"]] = [42.4304, 19.2594]
    claim = Claim(
        id="me",
        kind="presence",
        aircraft=str(df["icao24"].iloc[0]),
        country="ME",
        start=df["time"].iloc[0],
        end=df["time"].iloc[-1],
    )

    def verdict(frame: pd.DataFrame):
        routes = build_routes(Tracks(frame))
        return verify([claim], routes.tracks, routes)[0]

    assert verdict(df).verdict == "supported"  # the outlier, taken at its word
    df["flag"] = flag_fixes(df)
    assert df.loc[k, "flag"] == "position jump" and df["flag"].notna().sum() == 1
    v = verdict(df)
    assert v.verdict != "supported", v.reasons
    assert not any(e.get("row") == int(df.loc[k, "row"]) for e in v.evidence)


def test_legs_index_the_whole_table_and_exports_leave_flagged_fixes_out(tmp_path):
    """Legs are worked out without the flagged fix, but their indices point into all the
    aircraft's rows (the exports and the CSV leg numbers read them that way)."""
    import importlib
    import json

    from flightcheck.maps.export import export
    from flightcheck.routes import build_routes
    from flightcheck.track.tracks import Tracks

    reach_tests = importlib.import_module("test_verify_reach")
    df = _writable(table([reach_tests.FLIGHT]))
    k = 20
    df.loc[k, ["lat", "lon"]] = [42.4304, 19.2594]
    df["flag"] = flag_fixes(df)
    routes = build_routes(Tracks(df))
    rows = routes.tracks.df
    assert len(rows) == len(df) and rows.loc[k, "flag"] == "position jump"  # kept, citable
    legs = routes.get(str(df["icao24"].iloc[0])).legs
    assert legs["first_index"].min() <= k <= legs["last_index"].max()
    for leg in legs.to_dict("records"):
        for end in ("first_index", "last_index"):
            assert pd.isna(rows.loc[leg[end], "flag"])  # a leg ends at a usable fix
        span = rows.iloc[leg["first_index"] : leg["last_index"] + 1]
        assert int(span["flag"].isna().sum()) == leg["points"]
    assert int(legs["points"].sum()) <= len(df) - 1  # the flagged fix is no leg's point
    (path,) = export(routes.tracks, routes, "geojson", tmp_path / "t.geojson")
    coords = [
        c
        for f in json.loads(path.read_text())["features"]
        if f["properties"]["kind"] == "leg"
        for c in f["geometry"]["coordinates"]
    ]
    assert coords and not any(abs(c[1] - 42.4304) < 0.01 for c in coords)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 60), seed=st.integers(0, 2**31 - 1))
def test_any_table_gets_a_reason_or_nothing_and_never_an_error(n, seed):
    """Hostile values (NaN positions and altitudes, repeated times, several aircraft,
    wild jumps) give a flag column of known reasons, never an exception."""
    rng = np.random.default_rng(seed)
    df = _writable(_orbit()).head(n).copy()
    df["icao24"] = rng.choice(["4ca9c1", "010075"], n)
    df["time"] = df["time"].iloc[0] + pd.to_timedelta(rng.integers(0, 30, n) * 16, unit="s")
    df["lat"] = np.where(rng.random(n) < 0.2, np.nan, rng.uniform(-90, 90, n))
    df["lon"] = rng.uniform(-180, 180, n)
    df["alt_ft"] = np.where(rng.random(n) < 0.3, np.nan, rng.uniform(-5000, 200_000, n))
    flag = flag_fixes(df)
    assert len(flag) == n and set(flag.dropna()) <= set(REASONS)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_a_possible_flight_is_never_flagged(seed):
    """Random flights within what aircraft do (up to 600 kt, 6,000 ft/min, turns, fixes
    1-120 s apart) keep every fix: flags are for what no aircraft can do."""
    rng = np.random.default_rng(seed)
    n = 200
    dt = rng.choice([1.0, 5.0, 16.0, 60.0, 120.0], n)
    t = np.cumsum(dt)
    speed_kt = np.clip(250 + np.cumsum(rng.normal(0, 10, n)), 120, 600)
    heading = np.cumsum(rng.normal(0, 5, n))
    step_km = speed_kt * 1.852 / 3600 * dt
    lat = 40 + np.cumsum(step_km * np.cos(np.radians(heading))) / 111.2
    lon = 20 + np.cumsum(step_km * np.sin(np.radians(heading))) / (111.2 * np.cos(np.radians(40)))
    vrate = rng.uniform(-6000, 6000, n)
    alt = np.clip(20000 + np.cumsum(vrate * dt / 60), 500, 45000)
    df = pd.DataFrame(
        {
            "time": pd.to_datetime(1.7e9 + t, unit="s", utc=True),
            "icao24": "4ca9c1",
            "lat": lat,
            "lon": lon,
            "alt_ft": alt,
            "on_ground": False,
        }
    )
    assert flag_fixes(df).isna().all()
