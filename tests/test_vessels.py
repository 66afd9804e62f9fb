"""Vessel port visits, anchorages and AIS silences on a generated voyage with known truth.

The voyage (flightcheck.synth.vessels) is encoded as real tag-blocked !AIVDM sentences and
read back through the AIS reader: Alexandria (EG) 8 h -> a 15 min slow-down at sea -> a 4 h
silence sailing straight on -> 4 h at anchor 7.4 km off Piraeus -> Piraeus (GR) 10 h with a
one-fix speed spike -> a 17 h silence that hides a 6 h call at Corfu (GRCFU) -> Bar (ME) 8 h,
where the data ends.
"""

from __future__ import annotations

import pandas as pd
import pytest

import flightcheck
from flightcheck.case.model import Claim
from flightcheck.case.verify import verify
from flightcheck.routes import build_routes
from flightcheck.segment import detect
from flightcheck.segment.vessels import detect_port_visits
from flightcheck.synth.vessels import Sail, Stay, nmea, voyage

T0 = 1760000000.0  # 2025-10-09T08:53:20Z
H = 3600.0
MMSI = "622123456"
STEPS = [
    Sail((31.20, 29.84), 12),
    Sail((31.175, 29.85), 5),
    Stay(8 * H, port="EGALY"),
    Sail((31.25, 29.80), 5),
    Sail((34.0, 27.6), 14),
    Stay(900),  # slow-down at sea: too short for anything
    Sail((34.8, 27.0), 14, silent=True),  # silence explained by sailing straight on
    Sail((35.45, 26.55), 14),
    Sail((37.6, 23.9), 14),
    Sail((37.88, 23.60), 8),
    Stay(4 * H),  # at anchor off Piraeus, 7.4 km from the WPI point: not a visit
    Sail((37.94, 23.63), 5),
    Stay(10 * H, port="GRPIR"),
    Sail((37.6, 23.45), 6),
    Sail((36.35, 23.25), 14),
    Sail((36.6, 21.4), 14),
    Sail((38.3, 20.1), 14),
    Sail((39.5, 19.95), 14, silent=True),
    Sail((39.625, 19.915), 5, silent=True),
    Stay(6 * H, port="GRCFU", silent=True),
    Sail((40.4, 19.2), 14, silent=True),
    Sail((41.9, 19.0), 14),
    Sail((42.09, 19.09), 5),
    Stay(8 * H, port="MEBAR"),
]


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    v = voyage((31.40, 29.75), T0, STEPS, seed=3)
    points = v.points.copy()
    piraeus = next(t for t in v.truth if t["port"] == "GRPIR")
    spike = points.index[points["time"] > piraeus["arrival"] + 3 * H][0]
    points.loc[spike, "sog"] = 2.1  # one GNSS speed spike while moored
    path = tmp_path_factory.mktemp("ais") / "voyage.nmea"
    path.write_text(nmea(points, mmsi=int(MMSI), name="NILE STAR", imo=9123456, callsign="SUAB2"))
    tracks = flightcheck.read([str(path)])
    routes = build_routes(tracks)
    return {
        "truth": {t["port"]: t for t in v.truth},
        "tracks": tracks,
        "routes": routes,
        "seg": routes.segmentation,
        "spike_time": points.loc[spike, "time"],
    }


def _t(value) -> float:
    return pd.Timestamp(value).timestamp()


def test_port_visits_have_the_right_ports_and_times(case):
    stops = case["seg"].stops
    assert stops["airport"].tolist() == ["EGALY", "GRPIR", "MEBAR"]
    assert stops["country"].tolist() == ["EG", "GR", "ME"]
    assert set(stops["kind"]) == {"observed"} and (stops["icao24"] == MMSI).all()
    for s in stops.to_dict("records"):
        truth = case["truth"][s["airport"]]
        assert abs(_t(s["arrival"]) - truth["arrival"]) <= 180  # first fix at the berth
        if s["airport"] == "MEBAR":  # the data ends in port: no departure
            assert pd.isna(s["departure"]) and "data ends" in s["evidence"]
        else:  # last slow fix; moored fixes are 6 min apart
            assert 0 <= truth["departure"] - _t(s["departure"]) <= 400
        assert s["confidence"] >= 0.9 and pd.isna(s["runway"])
        assert "voyage.nmea rows" in s["evidence"]
        assert s["rows"][0]["source"].endswith("/voyage.nmea")  # the full source path
    # the speed spike in Piraeus did not split the visit
    piraeus = stops[stops["airport"] == "GRPIR"].iloc[0]
    assert _t(piraeus["arrival"]) < case["spike_time"] < _t(piraeus["departure"])


def test_stop_columns_match_the_aircraft_engine(case):
    from flightcheck.findings import STOPS, names

    assert list(case["seg"].stops.columns) == names(STOPS)


def test_anchorage_off_port_is_an_event_not_a_visit(case):
    events = case["seg"].events
    assert events["kind"].tolist() == ["anchorage"]  # the sea slow-down is not one
    anchor = events.iloc[0]
    assert anchor["airport"] == "GRPIR" and "7.4 km from Piraievs" in anchor["evidence"]
    assert 3.5 * H <= _t(anchor["end"]) - _t(anchor["time"]) <= 4 * H
    assert _t(anchor["end"]) < case["truth"]["GRPIR"]["arrival"]


def test_short_slowdown_at_sea_is_not_a_visit(case):
    v = voyage((34.0, 27.0), T0, [Sail((34.0, 27.3), 14), Stay(1500), Sail((34.0, 27.6), 14)])
    df = pd.DataFrame(
        {
            "time": pd.to_datetime(v.points["time"], unit="s", utc=True),
            "icao24": MMSI,
            "kind": "vessel",
            "lat": v.points["lat"],
            "lon": v.points["lon"],
            "gs_kt": v.points["sog"],
            "source": "x.nmea",
            "row": range(1, len(v.points) + 1),
        }
    )
    stops, events, gaps = detect_port_visits(df)
    assert stops.empty and events.empty and gaps.empty
    v = voyage((34.0, 27.0), T0, [Sail((34.0, 27.3), 14), Stay(2 * H), Sail((34.0, 27.6), 14)])
    df = df.iloc[:0].reindex(range(len(v.points)))
    df = df.assign(
        time=pd.to_datetime(v.points["time"], unit="s", utc=True),
        icao24=MMSI,
        kind="vessel",
        lat=v.points["lat"],
        lon=v.points["lon"],
        gs_kt=v.points["sog"],
        source="x.nmea",
        row=range(1, len(v.points) + 1),
    )
    stops, events, _ = detect_port_visits(df)  # 2 h stopped at sea: anchorage, no port
    assert stops.empty and events["kind"].tolist() == ["anchorage"]
    assert events["airport"].isna().all() and "no port within 50 km" in events["evidence"][0]


def test_silences_direct_passage_and_hidden_port_call(case):
    gaps = case["seg"].gaps
    assert len(gaps) == 2
    straight, hidden = gaps.iloc[0], gaps.iloc[1]
    assert straight["explained_by"] == "direct passage at 14 kn"
    assert straight["unaccounted_s"] < 0.5 * H and straight["candidates"] == []
    corfu = case["truth"]["GRCFU"]
    assert _t(hidden["start"]) < corfu["arrival"] < corfu["departure"] < _t(hidden["end"])
    assert pd.isna(hidden["explained_by"])
    assert 6 * H <= hidden["unaccounted_s"] <= 8.5 * H  # 6 h in port + the detour
    best = hidden["candidates"][0]
    assert (best["airport"], best["country"]) == ("GRCFU", "GR")
    assert best["max_ground_s"] >= 6 * H
    assert all(
        c["distance_km"] + c["distance_after_km"] <= hidden["reach_km"] + 0.2
        for c in hidden["candidates"]
    )
    assert "voyage.nmea row" in hidden["evidence"] and "GRCFU" in hidden["evidence"]


def test_voyage_country_chain(case):
    route = case["routes"].get(MMSI)
    assert route.airports == ["EGALY", "GRPIR", "MEBAR"]
    assert route.countries == ["EG", "GR", "ME"]
    assert route.registration == "NILE STAR (IMO 9123456)"
    legs = route.legs
    assert legs["from"].tolist()[1:] == ["EGALY", "GRPIR"]
    assert legs["to_country"].tolist()[1:] == ["GR", "ME"]


def test_claims_about_the_vessel(case):
    claims = [
        Claim("bar", "stop", aircraft=MMSI, airport="MEBAR"),
        Claim("greece", "stop", aircraft="NILE STAR (IMO 9123456)", country="GR"),
    ]
    bar, greece = verify(claims, case["routes"].tracks, case["routes"])
    assert bar.verdict == "supported" and bar.confidence >= 0.9
    assert bar.evidence[0]["airport"] == "MEBAR" and MMSI in bar.reasons[0]
    assert greece.verdict == "supported" and greece.evidence[0]["airport"] == "GRPIR"


def test_claim_of_a_hidden_port_call_is_inconclusive(case):
    claim = Claim("corfu", "stop", aircraft=MMSI, airport="GRCFU")
    (corfu,) = verify([claim], case["routes"].tracks, case["routes"])
    assert corfu.verdict == "inconclusive"
    assert any("GRCFU" in r for r in corfu.reasons)


def test_detect_filters_vessel_findings_by_port(case):
    seg = detect(case["tracks"], airports=["GRPIR"])
    assert seg.stops["airport"].tolist() == ["GRPIR"]
    assert seg.events["kind"].tolist() == ["anchorage"]


def test_map_builds_with_the_vessel(case):
    from flightcheck.maps import map_routes, render_html

    html = render_html(map_routes(case["routes"]))
    for text in ("EGALY", "Piraievs", "MEBAR", "GRCFU", MMSI):
        assert text in html


def test_several_vessels_are_detected_at_once(case):
    one = case["tracks"].df
    other = one.assign(icao24="273000001", time=one["time"] + pd.Timedelta(hours=5))
    both = pd.concat([other, one], ignore_index=True).sample(frac=1.0, random_state=1)
    stops, events, gaps = detect_port_visits(both)
    per = stops.groupby("icao24")["airport"].agg(list).to_dict()
    assert per == {"273000001": ["EGALY", "GRPIR", "MEBAR"], MMSI: ["EGALY", "GRPIR", "MEBAR"]}
    shift = stops.groupby("icao24")["arrival"].first()
    assert shift["273000001"] - shift[MMSI] == pd.Timedelta(hours=5)
    assert len(events) == 2 and len(gaps) == 4


def test_a_shorter_minimum_stay_makes_a_slowdown_at_sea_an_anchorage():
    """25 min stopped at sea is no stay under the default 30 min, and an anchorage under a
    20 min minimum (the setting reaches the vessel engine)."""
    from flightcheck.settings import DEFAULT

    v = voyage((34.0, 27.0), T0, [Sail((34.0, 27.3), 14), Stay(1500), Sail((34.0, 27.6), 14)])
    df = pd.DataFrame(
        {
            "time": pd.to_datetime(v.points["time"], unit="s", utc=True),
            "icao24": MMSI,
            "kind": "vessel",
            "lat": v.points["lat"],
            "lon": v.points["lon"],
            "gs_kt": v.points["sog"],
            "source": "x.nmea",
            "row": range(1, len(v.points) + 1),
        }
    )
    assert detect_port_visits(df)[1].empty
    stops, events, _ = detect_port_visits(df, DEFAULT.replace(vessel_min_stay_s=1200))
    assert stops.empty and events["kind"].tolist() == ["anchorage"]


def test_map_draws_a_vessel_dashed_only_beyond_its_own_coverage_gap(case):
    """AIS positions come minutes apart at sea: the map joins a vessel's fixes with a dashed
    (silent) line only beyond ``vessel_leg_covered_gap_s`` (900 s), not the aircraft's 300 s,
    so a ship under way is not drawn as one long silence."""
    from flightcheck.maps import map_routes
    from flightcheck.settings import DEFAULT

    def silent(**options) -> int:
        m = map_routes(case["routes"], reference=False, **options)
        return sum(len(v) for v in m.flightcheck_lines.silent.values())

    steps = case["tracks"].df["time"].diff().dt.total_seconds()
    assert ((steps > 300) & (steps <= 900)).sum() > 10  # steps only the aircraft rule breaks
    assert silent() == silent(silent_s=DEFAULT.vessel_leg_covered_gap_s)
    assert silent() < silent(silent_s=DEFAULT.leg_covered_gap_s)
