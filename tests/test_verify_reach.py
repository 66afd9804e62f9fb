"""Sound verdicts: ``contradicted`` only when the data rules a claim out (case/reach.py).

Tracks are built by hand (tests/segment_tracks.py): a flight into Batajnica (LYBT), an hour
on the ground there, and a flight out, sampled every 5 s. Exports are then cut the way real
ones are: started after take-off, ended on the runway, with coverage holes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from segment_tracks import T0, approach, climb_out, offset, path, table

from flightcheck.case import reach
from flightcheck.case.model import Claim
from flightcheck.case.verify import verify
from flightcheck.reference import countries
from flightcheck.routes import build_routes
from flightcheck.settings import DEFAULT
from flightcheck.track.tracks import Tracks

LYBT = (44.9342, 20.2503)  # runway 12 threshold
ELEV = 265.0
HDG = 125.0


def _stop_at_lybt() -> pd.DataFrame:
    """Cruise in from 300 km, approach and land on LYBT 12, an hour parked (a fix every 30 s),
    take off and climb out, cruise away: every 5 s in the air."""
    start = offset(*LYBT, HDG + 180, 340)
    cruise_in = path(
        [(*start, 30000.0, 430.0), (*offset(*LYBT, HDG + 180, 40), ELEV + 40 * 172, 230.0)], T0
    )
    t = float(cruise_in["time"].iloc[-1]) + 5
    land = approach(*LYBT, HDG, t, elev=ELEV)
    t = float(land["time"].iloc[-1]) + 30
    stand = offset(*LYBT, HDG, 1.6)
    parked = pd.DataFrame(
        {
            "time": t + np.arange(120) * 30.0,
            "lat": stand[0],
            "lon": stand[1],
            "alt_ft": np.nan,
            "on_ground": True,
            "gs_kt": 0.0,
            "track_deg": np.nan,
            "vrate_fpm": 0.0,
        }
    )
    t = float(parked["time"].iloc[-1]) + 30
    out = climb_out(*LYBT, HDG, t, elev=ELEV)
    t = float(out["time"].iloc[-1]) + 5
    end = offset(*LYBT, HDG, 340)
    cruise_out = path(
        [(*offset(*LYBT, HDG, 40), ELEV + 40 * 300, 260.0), (*end, 30000.0, 430.0)], t
    )
    return pd.concat([cruise_in, land, parked, out, cruise_out], ignore_index=True)


FLIGHT = _stop_at_lybt()
ON_GROUND = (
    float(FLIGHT.loc[FLIGHT["on_ground"], "time"].min()),
    float(FLIGHT.loc[FLIGHT["on_ground"], "time"].max()),
)


def _verdict(frame: pd.DataFrame, claim: Claim):
    tracks = Tracks(table([frame]))
    routes = build_routes(tracks)
    return verify([claim], routes.tracks, routes)[0]


def _ts(t: float) -> pd.Timestamp:
    return pd.Timestamp(t, unit="s", tz="UTC")


def _claim(place: str, lo: float, hi: float, kind: str = "stop") -> Claim:
    if len(place) == 2:
        return Claim("c", kind, aircraft="010070", country=place, start=_ts(lo), end=_ts(hi))
    return Claim("c", kind, aircraft="010070", airport=place, start=_ts(lo), end=_ts(hi))


def test_full_track_supports_the_stop_and_rules_out_a_far_one():
    lo, hi = float(FLIGHT["time"].iloc[0]), float(FLIGHT["time"].iloc[-1])
    assert _verdict(FLIGHT, _claim("LYBT", lo, hi)).verdict == "supported"
    far = _verdict(FLIGHT, _claim("HECA", lo, hi))
    assert far.verdict == "contradicted"
    assert far.confidence > 0.95
    text = far.reasons[0]
    assert "ruled out" in text and "closest call" in text and "kt" in text
    assert "km from HECA" in text and "needing at least" in text


def test_export_ending_on_the_runway_at_speed_is_never_contradicted():
    """The issue's FR24 CSV: no ground flag, the last two rows at altitude 0 and 122 kt on the
    runway, the claim window running past the data."""
    land = FLIGHT[FLIGHT["time"] < ON_GROUND[0]].copy()
    land = land.iloc[:-2]  # the export stops during the roll
    land["on_ground"] = pd.NA
    roll = land.iloc[-2:].copy()
    roll["lat"], roll["lon"] = (
        [LYBT[0] - 0.002, LYBT[0] - 0.003],
        [LYBT[1] + 0.004, LYBT[1] + 0.007],
    )
    roll["time"] = float(land["time"].iloc[-1]) + np.array([4.0, 8.0])
    roll["alt_ft"], roll["gs_kt"] = 0.0, 122.0
    export = pd.concat([land, roll], ignore_index=True)
    last = float(export["time"].iloc[-1])
    first = float(export["time"].iloc[0])
    for hi in (last, last + 60, last + 1200, last + 3600):
        v = _verdict(export, _claim("LYBT", first + 60, hi))
        assert v.verdict != "contradicted", v.reasons


def test_window_past_the_data_is_one_sided():
    """After the last fix the aircraft could be anywhere it can reach in the time left."""
    cut = FLIGHT[FLIGHT["time"] < ON_GROUND[0] - 1200]  # ends 20 min before landing
    last = float(cut["time"].iloc[-1])
    # HECA is ~1,600 km away: out of reach in 30 min, within reach in 6 h
    near = _verdict(cut, _claim("HECA", last - 600, last + 1800))
    assert near.verdict == "contradicted"
    assert "no data after" in near.reasons[0]
    open_ = _verdict(cut, _claim("HECA", last - 600, last + 6 * 3600))
    assert open_.verdict == "inconclusive"
    assert any("no data after" in r and "km from HECA" in r for r in open_.reasons)
    assert any("would settle it" in r for r in open_.reasons)


def test_silence_next_to_the_place_keeps_it_open():
    """Transponder off on the ground at LYBT: LYBE, 13 km away, cannot be excluded."""
    quiet = FLIGHT[(FLIGHT["time"] < ON_GROUND[0] - 60) | (FLIGHT["time"] > ON_GROUND[1] + 60)]
    v = _verdict(quiet, _claim("LYBE", ON_GROUND[0] - 600, ON_GROUND[1] + 600))
    assert v.verdict == "inconclusive"
    assert any("cannot be excluded" in r and "km from LYBE" in r for r in v.reasons)


def test_dense_ground_fixes_at_a_neighbour_rule_it_out():
    """Parked at LYBT with a fix every 30 s: no hop to LYBE (13 km) fits between two fixes."""
    v = _verdict(FLIGHT, _claim("LYBE", ON_GROUND[0] + 300, ON_GROUND[1] - 300))
    assert v.verdict == "contradicted", v.reasons


def test_presence_in_a_country_uses_its_outline():
    lo, hi = float(FLIGHT["time"].iloc[0]), float(FLIGHT["time"].iloc[-1])
    assert _verdict(FLIGHT, _claim("RS", lo, hi, "presence")).verdict == "supported"
    assert _verdict(FLIGHT, _claim("EG", lo, hi, "presence")).verdict == "contradicted"


def test_country_distance_is_a_lower_bound():
    """Against shapely's planar distance on a local projection: never above the true
    distance, and within the densification margin of it."""
    import shapely

    rng = np.random.default_rng(3)
    lat = rng.uniform(40.0, 48.0, 300)
    lon = rng.uniform(15.0, 26.0, 300)
    got = countries.distance_km("RS", lat, lon)
    serbia = shapely.union_all(countries.geometries().query("iso2 == 'RS'")["geometry"].to_numpy())
    inside = np.array([serbia.contains(shapely.Point(x, y)) for x, y in zip(lon, lat, strict=True)])
    assert (got[inside] == 0).all()
    # a dense sampling of the outline gives an upper bound of the true distance
    ring = shapely.segmentize(serbia.boundary, 0.002)
    xy = shapely.get_coordinates(ring)
    from flightcheck.geo import haversine_km

    for k in np.flatnonzero(~inside)[:60]:
        upper = haversine_km(lat[k], lon[k], xy[:, 1], xy[:, 0]).min()
        assert got[k] <= upper + 1e-6
        assert got[k] >= upper - 7.0


def test_assumed_speed_has_a_tailwind_margin_and_a_fallback():
    t = np.arange(0, 600, 10.0)
    z = np.zeros(len(t))
    speed, basis = reach.assumed_speed_kt(t, z, z, np.full(len(t), 420.0), z.astype(bool))
    assert speed == 520.0 and "420 kt" in basis
    speed, basis = reach.assumed_speed_kt(t, z, z, np.full(len(t), np.nan), z.astype(bool))
    assert speed == DEFAULT.unknown_reach_kt and basis == "no speeds in the data"


def test_the_reach_bound_has_its_own_error_speed():
    """The soundness bound does not follow the engine's cruise-speed filter: tuning that
    (``cruise_max_gs_kt``) must not slow the bound down and so contradict a true claim."""
    t = np.arange(0, 600, 10.0)
    z = np.zeros(len(t))
    gs, ground = np.full(len(t), 480.0), z.astype(bool)
    tuned = DEFAULT.replace(cruise_max_gs_kt=300.0, cruise_seen_min_kt=200.0)
    assert reach.assumed_speed_kt(t, z, z, gs, ground, tuned)[0] == 580.0
    # a decoding error above reach_error_kt is left out: the bound comes from the rest
    gs[5] = 900.0
    assert reach.assumed_speed_kt(t, z, z, gs, ground)[0] == 580.0
    # all of them errors, and no movement between fixes: the generous fallback
    strict = DEFAULT.replace(reach_error_kt=400.0)
    assert reach.assumed_speed_kt(t, z, z, gs, ground, strict) == (
        DEFAULT.unknown_reach_kt,
        "no speeds in the data",
    )


# -- properties -----------------------------------------------------------------------------

T_FIRST, T_LAST = float(FLIGHT["time"].iloc[0]), float(FLIGHT["time"].iloc[-1])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cut_start=st.floats(0.0, 1.0),
    cut_end=st.floats(0.0, 1.0),
    near_lift_off=st.booleans(),
    near_touchdown=st.booleans(),
    hole_at=st.floats(0.0, 1.0),
    hole_s=st.floats(0.0, 7200.0),
    w0=st.floats(0.0, 1.0),
    w1=st.floats(0.0, 1.0),
    tight=st.booleans(),
)
def test_a_true_stop_is_never_contradicted(
    cut_start, cut_end, near_lift_off, near_touchdown, hole_at, hole_s, w0, w1, tight
):
    """However the export is cut (after take-off, before the end of the roll, a coverage
    hole anywhere) and whatever window overlaps the real stop, "stopped at LYBT" is never
    contradicted."""
    t = FLIGHT["time"].to_numpy()
    # the export may start anywhere up to 2 min after lift-off and end anywhere from a minute
    # before touchdown (on short final, or during the roll)
    first = T_FIRST + cut_start * (ON_GROUND[1] + 120 - T_FIRST)
    last = T_LAST - cut_end * (T_LAST - (ON_GROUND[0] - 60))
    if near_lift_off:  # starts within a minute either side of the end of the ground run
        first = ON_GROUND[1] - 60 + cut_start * 120
    if near_touchdown:  # ends within a minute either side of the first ground fix
        last = ON_GROUND[0] - 60 + cut_end * 120
    hole0 = T_FIRST + hole_at * (T_LAST - T_FIRST)
    keep = (t >= first) & (t <= last) & ~((t > hole0) & (t < hole0 + hole_s))
    if keep.sum() < 3:
        return
    export = FLIGHT[keep]
    # any window that overlaps the real stop [touchdown, lift-off], running up to an hour
    # past either end of the flight
    lo = T_FIRST - 3600 + w0 * (ON_GROUND[1] - (T_FIRST - 3600))
    hi = max(lo, ON_GROUND[0]) + w1 * (T_LAST + 3600 - max(lo, ON_GROUND[0]))
    if tight:  # the window starts inside the data and ends less than 30 min after it
        lo = min(first + w0 * max(min(ON_GROUND[1], last) - first, 0.0), ON_GROUND[1])
        hi = max(last + w1 * 1800, lo, ON_GROUND[0])
    v = _verdict(export, _claim("LYBT", lo, hi))
    assert v.verdict != "contradicted", v.reasons


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    hole_at=st.floats(0.0, 1.0),
    hole_s=st.floats(0.0, 1800.0),
    a=st.floats(0.0, 1.0),
    b=st.floats(0.0, 1.0),
)
def test_an_unreachable_stop_is_contradicted(hole_at, hole_s, a, b):
    """Cairo (HECA) is 1,600+ km from anything this flight came near: no window inside the
    data, even with a coverage hole of up to 30 min, leaves room to stop there."""
    t = FLIGHT["time"].to_numpy()
    hole0 = T_FIRST + hole_at * (T_LAST - T_FIRST)
    export = FLIGHT[~((t > hole0) & (t < hole0 + hole_s))]
    lo, hi = sorted((T_FIRST + a * (T_LAST - T_FIRST), T_FIRST + b * (T_LAST - T_FIRST)))
    v = _verdict(export, _claim("HECA", lo, hi))
    assert v.verdict == "contradicted", v.reasons
    assert v.confidence > 0.5


def test_route_is_contradicted_when_one_place_is_out_of_reach():
    lo, hi = float(FLIGHT["time"].iloc[0]), float(FLIGHT["time"].iloc[-1])
    claim = Claim("r", "route", aircraft="010070", route=("RS", "EG"), start=_ts(lo), end=_ts(hi))
    v = _verdict(FLIGHT, claim)
    assert v.verdict == "contradicted"
    assert "EG" in v.reasons[0] and "RS" not in v.reasons[0].split(":")[1][:12]


@pytest.mark.parametrize("hole_s", [600.0, 1800.0])
def test_observed_stop_elsewhere_with_a_short_hole_still_rules_out(hole_s):
    """The engine's reading does not decide: only the time–distance numbers do."""
    t = FLIGHT["time"].to_numpy()
    mid = (ON_GROUND[0] + ON_GROUND[1]) / 2
    export = FLIGHT[~((t > mid) & (t < mid + hole_s))]
    v = _verdict(export, _claim("LYBE", ON_GROUND[0] + 300, ON_GROUND[1] - 300))
    assert v.verdict == "inconclusive"  # a 10 min hole at LYBT leaves room for a hop
    assert any("13 km" in r or "km from LYBE" in r for r in v.reasons)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cuts=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=3), shuffle=st.booleans())
def test_findings_and_verdicts_do_not_depend_on_how_the_input_is_split(cuts, shuffle):
    """The same fixes delivered as one file or as several (cut anywhere, in any order) give
    the same stops and the same verdicts; only the citations name other files."""
    from flightcheck.segment import detect

    whole = table([FLIGHT])
    bounds = sorted({int(c * len(whole)) for c in cuts} | {0, len(whole)})
    parts = []
    for n, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=False)):
        part = whole.iloc[a:b].copy()
        part["source"] = f"/data/part{n}.json"
        part["row"] = np.arange(1, len(part) + 1)
        parts.append(part)
    if shuffle:
        parts.reverse()
    split = pd.concat(parts, ignore_index=True)
    keys = ["airport", "kind", "arrival", "departure", "runway"]
    one, many = detect(Tracks(whole)), detect(Tracks(split))
    pd.testing.assert_frame_equal(one.stops[keys], many.stops[keys])
    lo, hi = float(FLIGHT["time"].iloc[0]), float(FLIGHT["time"].iloc[-1])
    claims = [_claim("LYBT", lo, hi), _claim("HECA", lo, hi), _claim("LYBE", lo, hi)]
    verdicts = []
    for frame in (whole, split):
        routes = build_routes(Tracks(frame))
        verdicts.append(
            [(v.verdict, round(v.confidence, 6)) for v in verify(claims, routes.tracks, routes)]
        )
    assert verdicts[0] == verdicts[1]
