"""Stop engine on hand-built realistic tracks: stops, events, gaps, assignment, evidence."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from segment_tracks import T0, approach, climb_out, offset, path, table

from flightcheck.cli import main
from flightcheck.segment import detect
from flightcheck.segment.airportindex import default_index
from flightcheck.segment.assign import fit_fix
from flightcheck.settings import EngineSettings

LYBT_30R = (44.9345, 20.2635)  # threshold of LYBT runway 30R (heading 305)
LYBE_12L = (44.826519, 20.29097)  # threshold of LYBE runway 12L (heading 122)


def ground_stop(lat, lon, hdg, t0, minutes=90.0, elev=265.0):
    """Approach, landing roll, parked ``minutes``, take-off and climb-out."""
    arr = approach(lat, lon, hdg, t0, elev=elev)
    park = path(
        [(*offset(lat, lon, hdg, 1.5), None, 0.0), (*offset(lat, lon, hdg, 1.6), None, 0.0)],
        arr["time"].iloc[-1] + 30,
        step_s=minutes * 60 / 40,
    )
    park = park[park["time"] < arr["time"].iloc[-1] + minutes * 60]
    dep = climb_out(lat, lon, hdg, arr["time"].iloc[-1] + minutes * 60 + 60, elev=elev)
    return [arr, park, dep]


@pytest.fixture(scope="module")
def inferred_lybt():
    arr = approach(*LYBT_30R, 305, T0, elev=265, to_ground=False)
    dep = climb_out(*LYBT_30R, 305, T0 + 3 * 3600 + 600, elev=265, from_ground=False)
    return table([arr.iloc[:-25], dep.iloc[12:]])


def test_observed_stop_at_lybt_with_runway_and_times():
    df = table(ground_stop(*LYBT_30R, 305, T0))
    seg = detect(df)
    assert len(seg.stops) == 1
    s = seg.stops.iloc[0]
    assert (s.airport, s.kind, s.country, s.runway) == ("LYBT", "observed", "RS", "30R")
    assert s.confidence > 0.9
    assert 80 * 60 < s.dwell_s < 100 * 60
    assert s.arrival < s.departure
    assert "trace_full_010070.json rows" in s.evidence
    assert seg.events.empty


def test_inferred_stop_across_silence(inferred_lybt):
    seg = detect(inferred_lybt)
    assert len(seg.stops) == 1
    s = seg.stops.iloc[0]
    assert (s.airport, s.kind, s.runway) == ("LYBT", "inferred", "30R")
    early, late = s.arrival_window
    assert early <= s.arrival <= late and s.departure <= late
    assert s.departure - s.arrival > pd.Timedelta(hours=2.5)
    # the evidence cites the file and both rows either side of the silence
    rows = [r["row"] for r in s.rows]
    assert f"trace_full_010070.json row {rows[0]}" in s.evidence
    assert f"row {rows[1]}" in s.evidence and "silent 3 h" in s.evidence
    assert len(seg.gaps) == 1
    gap = seg.gaps.iloc[0]
    assert gap.explained_by == "inferred stop at LYBT"
    assert gap.candidates[0]["airport"] == "LYBT"
    assert gap.unaccounted_s > 2.5 * 3600


def test_confidence_observed_many_ground_points_beats_inferred(inferred_lybt):
    obs = detect(table(ground_stop(*LYBT_30R, 305, T0))).stops.iloc[0].confidence
    inf = detect(inferred_lybt).stops.iloc[0].confidence
    assert obs > inf


def test_lybe_not_confused_with_lybt():
    df = table(ground_stop(*LYBE_12L, 122, T0, elev=335))
    s = detect(df).stops.iloc[0]
    assert s.airport == "LYBE" and s.runway == "12L"
    arr = approach(*LYBE_12L, 122, T0, elev=335, to_ground=False)
    dep = climb_out(*LYBE_12L, 122, T0 + 7200, elev=335, from_ground=False)
    s = detect(table([arr.iloc[:-20], dep.iloc[12:]])).stops.iloc[0]
    assert (s.airport, s.kind) == ("LYBE", "inferred")


def test_heca_vs_heaz_on_the_ground():
    ix = default_index()
    # on HECA runway 05C/23C, 5 km from Almaza (HEAZ)
    fit = fit_fix(ix, 30.1115, 31.4140, phase="ground", radius_km=10)
    assert ix.code[fit.airport] == "HECA"
    # on HEAZ runway 18/36
    fit = fit_fix(ix, 30.0930, 31.3601, phase="ground", radius_km=10)
    assert ix.code[fit.airport] == "HEAZ"


def test_overflight_at_cruise_is_nothing():
    lat, lon = 44.8184, 20.3091  # over LYBE at FL350
    wps = [
        (*offset(lat, lon, 270, 200), 35000.0, 450.0),
        (*offset(lat, lon, 90, 200), 35000.0, 450.0),
    ]
    seg = detect(table([path(wps, T0, step_s=10)]))
    assert seg.stops.empty and seg.gaps.empty
    # the data ends at cruise 200 km on: at most an open end, never a stop
    assert set(seg.events["kind"]) <= {"open_end"}


def test_touch_and_go_is_an_event_not_a_stop():
    lat, lon = LYBT_30R
    arr = approach(lat, lon, 305, T0, elev=265, to_ground=False)
    roll = path(
        [(*offset(lat, lon, 305, 0.3), None, 120.0), (*offset(lat, lon, 305, 1.2), None, 110.0)],
        arr["time"].iloc[-1] + 5,
        5,
    )
    dep = climb_out(
        *offset(lat, lon, 305, 1.2), 305, roll["time"].iloc[-1] + 5, elev=265, from_ground=False
    )
    seg = detect(table([arr, roll, dep]))
    assert seg.stops.empty
    assert seg.events["kind"].tolist() == ["touch_and_go"]
    assert seg.events.iloc[0].airport == "LYBT"


def test_go_around_is_an_event_not_a_stop():
    lat, lon = LYBT_30R
    arr = approach(lat, lon, 305, T0, elev=265, to_ground=False).iloc[:-1]
    up = path(
        [(lat, lon, 465.0, 140.0), (*offset(lat, lon, 305, 12), 3500.0, 200.0)],
        arr["time"].iloc[-1] + 5,
    )
    seg = detect(table([arr, up]))
    assert seg.stops.empty
    assert seg.events["kind"].tolist() == ["go_around"]
    assert seg.events.iloc[0].airport == "LYBT"


def test_holding_pattern_is_an_event_not_a_stop():
    lat, lon = offset(*LYBT_30R, 125, 25)
    wps = [(lat, lon, 7000.0, 220.0)]
    for _ in range(4):  # racetrack: 1-min legs at 220 kt (6.8 km) and 180-degree turns
        for hdg in (305, 0, 125, 180):
            la, lo, *_ = wps[-1]
            step = 6.8 if hdg in (305, 125) else 2.5
            wps.append((*offset(la, lo, hdg, step), 7000.0, 220.0))
    seg = detect(table([path(wps, T0, step_s=5)]))
    assert seg.stops.empty
    assert "holding" in seg.events["kind"].tolist()


def test_gap_candidates_include_true_airport_for_unseen_stop():
    # cruise towards LYBT, silence while it lands/stops/leaves, resumes at cruise further on
    lat, lon = LYBT_30R
    before = path(
        [
            (*offset(lat, lon, 225, 400), 33000.0, 430.0),
            (*offset(lat, lon, 225, 150), 20000.0, 380.0),
        ],
        T0,
        20,
    )
    t1 = before["time"].iloc[-1] + 2.5 * 3600
    after = path(
        [
            (*offset(lat, lon, 45, 160), 22000.0, 400.0),
            (*offset(lat, lon, 45, 400), 35000.0, 440.0),
        ],
        t1,
        20,
    )
    seg = detect(table([before, after]))
    assert seg.stops.empty
    gap = seg.gaps.iloc[0]
    assert gap.unaccounted_s > 3600
    assert "LYBT" in [c["airport"] for c in gap.candidates[:5]]


def test_robust_to_jump_duplicate_and_altitude_spike(inferred_lybt):
    df = inferred_lybt.copy()
    df.loc[10, "lat"] += 1.0  # one position 111 km off
    df.loc[20, "alt_ft"] += 9000  # one altitude spike
    df = pd.concat([df, df.iloc[[30, 31]]]).sort_values(["time", "row"]).reset_index(drop=True)
    seg = detect(df)
    assert seg.removed["position jump"] == 1 and seg.removed["duplicate"] == 2
    assert seg.removed["altitude spike"] == 1
    assert seg.stops["airport"].tolist() == ["LYBT"]


def test_cli_stops_json_shape(tmp_path, inferred_lybt):
    out = inferred_lybt[
        ["time", "icao24", "lat", "lon", "alt_ft", "gs_kt", "track_deg", "vrate_fpm"]
    ].copy()
    out["time"] = out["time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    csv = tmp_path / "track.csv"
    out.to_csv(csv, index=False)
    res = CliRunner().invoke(main, ["stops", str(csv), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert list(doc) == ["inputs", "stops", "events", "gaps", "settings"]
    assert doc["settings"] == EngineSettings().to_dict()  # the thresholds behind the findings
    stop = doc["stops"][0]
    for key in (
        "icao24",
        "airport",
        "airport_name",
        "country",
        "lat",
        "lon",
        "arrival",
        "departure",
        "arrival_window",
        "departure_window",
        "dwell_s",
        "kind",
        "confidence",
        "runway",
        "evidence",
    ):
        assert key in stop
    assert stop["airport"] == "LYBT" and stop["arrival"].endswith("Z")
    assert "track.csv row" in stop["evidence"]
    gap = doc["gaps"][0]
    assert {"icao24", "start", "end", "duration_s", "unaccounted_s", "candidates"} <= set(gap)
    assert {"airport", "country", "distance_km"} <= set(gap["candidates"][0])
    res = CliRunner().invoke(main, ["stops", str(csv), "--json", "--airport", "LYBE"])
    assert json.loads(res.stdout)["stops"] == []
    assert np.isfinite(stop["confidence"])


def _racetrack(lat, lon, laps, t0, alt=7000.0, hdg=305.0, step_s=5.0):
    """Right-hand racetrack: 1-min legs at 220 kt (6.8 km) joined by 180-degree turns."""
    wps = [(lat, lon, alt, 220.0)]
    for _ in range(laps):
        for h in (hdg, hdg + 55, hdg + 180, hdg + 235):
            la, lo, *_ = wps[-1]
            wps.append(
                (*offset(la, lo, h % 360, 6.8 if h in (hdg, hdg + 180) else 2.5), alt, 220.0)
            )
    return path(wps, t0, step_s=step_s)


def test_single_lap_hold_is_found_with_and_without_reported_track():
    lat, lon = offset(*LYBT_30R, 125, 25)
    inbound = path([(*offset(lat, lon, 125, 60), 9000.0, 250.0), (lat, lon, 7000.0, 220.0)], T0, 5)
    hold = _racetrack(lat, lon, 1, inbound["time"].iloc[-1] + 5)
    out = path(
        [(*offset(lat, lon, 305, 6.8), 7000.0, 220.0), (*offset(lat, lon, 305, 60), 5000.0, 220.0)],
        hold["time"].iloc[-1] + 5,
        5,
    )
    df = table([inbound, hold, out])
    for frame in (df, df.assign(track_deg=np.nan)):
        ev = detect(frame).events
        assert ev["kind"].tolist() == ["holding"]
        h = ev.iloc[0]
        # the hold spans the lap, not the straight inbound leg before it
        assert h.time >= pd.Timestamp(inbound["time"].iloc[-1] - 60, unit="s", tz="UTC")
        assert "1 lap(s)" in h.evidence and "right" in h.evidence


def test_circuit_after_go_around_is_not_a_hold():
    lat, lon = LYBT_30R
    arr = approach(lat, lon, 305, T0, elev=265, to_ground=False).iloc[:-1]
    # go-around, then a left-hand circuit (crosswind, downwind, base) back to the runway
    up = offset(lat, lon, 305, 6)
    cross = offset(*up, 215, 4)
    down = offset(*cross, 125, 14)
    base = offset(*down, 35, 4)
    circuit = path(
        [
            (lat, lon, 465.0, 140.0),
            (*up, 2200.0, 170.0),
            (*cross, 2300.0, 170.0),
            (*down, 2300.0, 170.0),
            (*base, 1500.0, 160.0),
        ],
        arr["time"].iloc[-1] + 5,
    )
    final = ground_stop(lat, lon, 305, circuit["time"].iloc[-1] + 5, minutes=60)
    final[0] = final[0][final[0]["time"] > circuit["time"].iloc[-1] + 5]
    seg = detect(table([arr, circuit, *final]))
    assert seg.events["kind"].tolist() == ["go_around"]
    assert seg.stops["airport"].tolist() == ["LYBT"]


def test_mlat_jump_on_take_off_roll_is_not_a_touch_and_go():
    frames = ground_stop(*LYBT_30R, 305, T0, minutes=30)
    dep = frames[2].copy()
    k = 2  # a take-off roll fix thrown 3.5 km off by MLAT
    dep.loc[k, "lat"] += 0.032
    df = table(frames[:2] + [dep])
    seg = detect(df)
    assert seg.events.empty
    assert len(seg.stops) == 1 and seg.stops.iloc[0].airport == "LYBT"


def test_position_jump_while_parked_is_not_a_second_stop():
    lat, lon = offset(*LYBT_30R, 305, 1.5)
    arr = approach(*LYBT_30R, 305, T0, elev=265)
    t = arr["time"].iloc[-1] + 60 * np.arange(1, 121)  # parked 2 h, a fix a minute
    park = pd.DataFrame(
        {
            "time": t,
            "lat": lat,
            "lon": lon,
            "alt_ft": np.nan,
            "on_ground": True,
            "gs_kt": 0.0,
            "track_deg": np.nan,
            "vrate_fpm": 0.0,
        }
    )
    park.loc[60, "lat"] -= 0.2  # 22 km south, one fix (reachable in 60 s at 1000 kt)
    dep = climb_out(*LYBT_30R, 305, t[-1] + 60, elev=265)
    seg = detect(table([arr, park, dep]))
    assert seg.stops["airport"].tolist() == ["LYBT"]
    assert seg.stops.iloc[0].dwell_s > 110 * 60


def test_flightaware_kml_without_speed_gives_ground_stops_at_both_ends():
    # FlightAware KML: time, position and altitude only (no ground flag, no ground speed)
    from pathlib import Path

    import flightcheck

    kml = sorted((Path(__file__).parents[1] / "sample_tracks" / "flightaware").glob("*.kml"))
    assert kml
    seg = detect(flightcheck.read(kml))
    got = [(s.airport, s.kind) for s in seg.stops.itertuples()]
    assert got == [("HECA", "observed"), ("LYBE", "observed")]
    heca, lybe = seg.stops.iloc[0], seg.stops.iloc[1]
    assert heca.departure < lybe.arrival
    assert "the data starts with the aircraft on the ground" in heca.evidence
    assert "the data ends with the aircraft on the ground" in lybe.evidence


def _no_speed(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out["gs_kt"] = np.nan
    out["on_ground"] = pd.array([pd.NA] * len(out), dtype="boolean")
    return out


def test_derived_speed_ground_needs_low_altitude():
    from flightcheck.segment.airportindex import default_index
    from flightcheck.segment.phases import prepare

    lat, lon = offset(*LYBT_30R, 305, 1.5)
    t = T0 + 2.0 * np.arange(60)  # a fix every 2 s, position noise of ~10 m
    rng = np.random.default_rng(1)
    noisy = {"lat": lat + rng.normal(0, 1e-4, 60), "lon": lon + rng.normal(0, 1e-4, 60)}
    # slow-looking fixes high over the field (a repeated position, a hovering helicopter):
    # not on the ground; the same fixes at the field's elevation (265 ft): on the ground
    for alt, want in ((3000.0, False), (1500.0, False), (265.0, True), (np.nan, True)):
        part = pd.DataFrame(
            {
                "time": t,
                **noisy,
                "alt_ft": alt,
                "on_ground": False,
                "gs_kt": 0.0,
                "track_deg": np.nan,
                "vrate_fpm": 0.0,
            }
        )
        pts = prepare(_no_speed(table([part])), default_index())
        assert bool(pts.ground.all()) is want and bool(pts.ground.any()) is want, alt
    # noise over 2 s steps looks like 30+ kt in cruise-speed units: fast fixes stay airborne
    cruise = path(
        [
            (*offset(*LYBT_30R, 305, 60), 30000.0, 450.0),
            (*offset(*LYBT_30R, 305, 10), 30000.0, 450.0),
        ],
        T0,
    )
    assert not prepare(_no_speed(table([cruise])), default_index()).ground.any()


def test_ground_fixes_with_no_airport_anywhere_near_are_a_stop_at_no_airport():
    """Every ground run of the table far from any airport (a strip missing from OurAirports,
    mid-Atlantic here) left the engine's airport scores empty, and ``stops`` crashed on
    indexing them; it is an observed stop at no known airport."""
    n = 20
    parked = pd.DataFrame(
        {
            "time": T0 + np.arange(n) * 10.0,
            "lat": 21.0 + np.arange(n) * 1e-4,
            "lon": -30.0,
            "alt_ft": np.nan,
            "on_ground": True,
            "gs_kt": 5.0,
            "track_deg": 0.0,
            "vrate_fpm": 0.0,
        }
    )
    (stop,) = detect(table([parked])).stops.to_dict("records")
    assert pd.isna(stop["airport"]) and stop["kind"] == "observed"
    assert "no airport within" in stop["evidence"] and "rows 1-20" in stop["evidence"]
