"""Gaps with unaccounted time: record fields, feasibility (ellipse), ranking and evidence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from segment_tracks import T0, offset, path, table

from flightcheck.geo import geodesic_km, geodesic_km_many, haversine_km
from flightcheck.segment import detect
from flightcheck.segment.airportindex import default_index
from flightcheck.settings import DEFAULT

LYBT = (44.9345, 20.2635)  # LYBT runway 30R threshold
LHBP = (47.4369, 19.2556)  # Budapest


def _cruise_hole(target, hdg_in, hdg_out, hours, alt_a=33000.0, alt_b=35000.0, km=150):
    """Cruise towards ``target`` on ``hdg_in``, silence of ``hours``, cruise away on
    ``hdg_out``; the silence starts and ends ``km`` from the target."""
    lat, lon = target
    a0 = offset(lat, lon, hdg_in + 180, km + 250)
    a1 = offset(lat, lon, hdg_in + 180, km)
    before = path([(*a0, alt_a, 440.0), (*a1, alt_a, 440.0)], T0, 20).iloc[:-1]
    b0 = offset(lat, lon, hdg_out, km)
    b1 = offset(lat, lon, hdg_out, km + 250)
    after = path(
        [(*b0, alt_b, 440.0), (*b1, alt_b, 440.0)], before["time"].iloc[-1] + hours * 3600, 20
    )
    return table([before, after])


@pytest.fixture(scope="module")
def hole_gap():
    seg = detect(_cruise_hole(LYBT, 150, 60, 3.0))
    assert len(seg.gaps) == 1
    return seg.gaps.iloc[0]


def test_gap_record_carries_ends_reach_and_rows(hole_gap):
    g = hole_gap
    assert g.lat0 == pytest.approx(offset(*LYBT, 330, 150)[0], abs=0.05)
    assert g.lat1 == pytest.approx(offset(*LYBT, 60, 150)[0], abs=0.05)
    assert np.isfinite([g.lon0, g.lon1]).all()
    # reach: path length at cruise speed within the silence, less the turnaround
    v_kms = g.distance_km / g.direct_s
    assert g.reach_km == pytest.approx(v_kms * (g.duration_s - DEFAULT.min_turn_s), rel=1e-3)
    assert [r["source"] for r in g.rows] == ["/data/trace_full_010070.json"] * 2  # full source
    assert g.rows[1]["row"] == g.rows[0]["row"] + 1
    assert f"row {g.rows[0]['row']}" in g.evidence and "unaccounted" in g.evidence


def test_every_candidate_is_inside_the_ellipse(hole_gap):
    g = hole_gap
    assert len(g.candidates) == 10
    for c in g.candidates:
        d1 = float(haversine_km(g.lat0, g.lon0, c["lat"], c["lon"]))
        d2 = float(haversine_km(c["lat"], c["lon"], g.lat1, g.lon1))
        assert d1 + d2 <= g.reach_km + 0.01
        assert c["distance_km"] == pytest.approx(d1, abs=0.1)
        assert c["max_ground_s"] >= DEFAULT.min_turn_s - 1
    scores = [c["score"] for c in g.candidates]
    assert scores == sorted(scores, reverse=True)


def test_heading_in_and_out_points_at_the_true_airport(hole_gap):
    codes = [c["airport"] for c in hole_gap.candidates]
    assert "LYBT" in codes[:5]
    lybt = next(c for c in hole_gap.candidates if c["airport"] == "LYBT")
    assert "heading for it" in lybt["why"] and "heading away from it" in lybt["why"]
    assert "runway" in lybt["why"] and lybt["runway_ft"] > 8000


def test_same_gap_other_headings_point_elsewhere():
    # same silence, but flying towards Budapest and leaving it: LYBT drops, LHBP ranks
    seg = detect(_cruise_hole(LHBP, 150, 60, 3.0))
    codes = [c["airport"] for c in seg.gaps.iloc[0].candidates]
    assert "LHBP" in codes[:5] and "LYBT" not in codes[:5]


def test_descending_last_fix_ranks_the_airport_below_it_first():
    # last fix 4,000 ft descending 25 km out on LYBT's centreline; the first fix after is
    # at cruise far away (a transponder switched off for the landing and the next climb)
    lat, lon = LYBT
    before = path(
        [
            (*offset(lat, lon, 125, 120), 20000.0, 300.0),
            (*offset(lat, lon, 125, 25), 4000.0, 200.0),
        ],
        T0,
        10,
    ).iloc[:-1]
    after = path(
        [
            (*offset(lat, lon, 20, 300), 30000.0, 430.0),
            (*offset(lat, lon, 20, 500), 33000.0, 440.0),
        ],
        before["time"].iloc[-1] + 3 * 3600,
        20,
    )
    seg = detect(table([before, after]))
    g = seg.gaps.iloc[0]
    # LYBE lies 13 km further along the same line: both Belgrade fields lead, nothing else
    assert {c["airport"] for c in g.candidates[:2]} == {"LYBT", "LYBE"}
    lybt = next(c for c in g.candidates if c["airport"] == "LYBT")
    assert "descending" in lybt["why"] and "on profile" in lybt["why"]
    assert g.candidates[2]["score"] < g.candidates[1]["score"] - 1.0


def test_too_short_a_silence_has_no_candidates():
    # 40 min over 250 km at 440 kt: 20 min unaccounted, under the 15-min-plus-15 % margin?
    lat, lon = LYBT
    before = path(
        [
            (*offset(lat, lon, 270, 300), 35000.0, 440.0),
            (*offset(lat, lon, 270, 125), 35000.0, 440.0),
        ],
        T0,
        20,
    )
    after = path(
        [
            (*offset(lat, lon, 90, 125), 35000.0, 440.0),
            (*offset(lat, lon, 90, 300), 35000.0, 440.0),
        ],
        before["time"].iloc[-1] + 18 * 60,
        20,
    )
    g = detect(table([before, after])).gaps.iloc[0]
    assert g.unaccounted_s < 900 and g.candidates == [] and pd.isna(g.reach_km)


def test_jet_candidates_have_long_runways(hole_gap):
    ix = default_index()
    for c in hole_gap.candidates:
        i = ix.index_of(c["airport"])
        assert ix.longest_ft[i] >= 4000 or (np.isnan(ix.longest_ft[i]) and ix.type_rank[i] >= 2)


def test_vectorised_geodesic_matches_geopy():
    rng = np.random.default_rng(3)
    la1, la2 = rng.uniform(-80, 80, (2, 200))
    lo1, lo2 = rng.uniform(-180, 180, (2, 200))
    many = geodesic_km_many(la1, lo1, la2, lo2)
    one = [geodesic_km(*x) for x in zip(la1, lo1, la2, lo2, strict=True)]
    assert np.allclose(many, one, atol=1e-6)
    # nearly antipodal points (Vincenty does not converge): still right
    assert geodesic_km_many(0.0, 0.0, 0.5, 179.7) == pytest.approx(
        geodesic_km(0.0, 0.0, 0.5, 179.7), abs=1e-6
    )
