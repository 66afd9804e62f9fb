"""The fluent surface (flightcheck.read(...).match_sources().detect().routes().map/verify)
gives exactly what the function calls give on the sample tracks, and source matching is an
explicit, idempotent step."""

from __future__ import annotations

import inspect

import pandas as pd
import pytest

import flightcheck
from flightcheck import findings
from flightcheck.case import load, verify
from flightcheck.io.read import read as io_read
from flightcheck.maps import build_map, map_routes, render_html
from flightcheck.routes import build_routes, match_sources
from flightcheck.segment import detect


@pytest.fixture(scope="module")
def fluent_tracks(samples):
    return flightcheck.read(samples)


@pytest.fixture(scope="module")
def matched(fluent_tracks):
    return fluent_tracks.match_sources()


@pytest.fixture(scope="module")
def chain_routes(matched):
    return matched.detect().routes()


def _same_findings(a, b) -> None:
    for name in findings.SCHEMAS:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


def test_read_is_the_readers_read_returning_fluent_tracks(fluent_tracks, samples):
    assert inspect.signature(flightcheck.read) == inspect.signature(io_read)
    assert type(fluent_tracks) is flightcheck.Tracks
    plain = io_read(samples)
    assert not hasattr(plain, "detect")  # the track layer's Tracks knows no engine
    pd.testing.assert_frame_equal(fluent_tracks.df, plain.df)
    assert fluent_tracks.inputs == plain.inputs
    one = fluent_tracks.aircraft("010075").between("2025-10-16", "2025-10-17")
    assert isinstance(one, flightcheck.Tracks) and one.icao24s == ["010075"]


def test_detect_is_the_engine(fluent_tracks, sample_tracks):
    found = fluent_tracks.detect()
    assert isinstance(found, flightcheck.Findings) and found.tracks is fluent_tracks
    _same_findings(found, detect(sample_tracks))
    assert found.to_dict() == detect(sample_tracks).to_dict()
    # keyword options reach detect unchanged
    only = fluent_tracks.detect(airports=["LYBT"], since="2025-10-16")
    _same_findings(only, detect(sample_tracks, airports=["LYBT"], since="2025-10-16"))
    assert set(only.stops["airport"]) == {"LYBT"}


def test_the_chain_gives_the_routes_of_build_routes(chain_routes, matched, sample_routes):
    assert isinstance(chain_routes, flightcheck.Routes)
    assert chain_routes.to_dict() == sample_routes.to_dict()
    _same_findings(chain_routes.segmentation, sample_routes.segmentation)
    assert chain_routes.tracks is matched  # matched once, stops found once, on that table
    assert matched.routes().to_dict() == sample_routes.to_dict()
    egypt = chain_routes.get("010075")
    assert egypt.countries == ["EG", "CN", "RS", "EG"]
    assert "sample_tracks/fr24/EGY1076_3c1f0a2b.csv" in " ".join(egypt.sources)


def test_findings_of_unmatched_tracks_still_route_as_build_routes(fluent_tracks, sample_routes):
    # matching changes this table (an FR24 export is relabelled), so the routes come from
    # the stop engine run again on the matched table, as build_routes always did
    routes = fluent_tracks.detect().routes()
    assert routes.to_dict() == sample_routes.to_dict()
    assert routes.tracks.matched is not None and fluent_tracks.matched is None


def test_match_sources_is_idempotent(fluent_tracks, matched, sample_routes):
    assert matched.matched is not None and fluent_tracks.matched is None
    assert {m["pseudo_address"]: m["icao24"] for m in matched.matched.matches} == {
        "~e4fd8e": "010075",
        "~9b7e7e": "~25ded5",  # FlightAware ASL902 and the tar1090 KML of YU-APN
    }
    again = matched.match_sources()
    assert again is matched
    assert match_sources(matched) is matched
    # the routes' own table is matched: building routes from it changes nothing
    assert build_routes(sample_routes.tracks).to_dict() == sample_routes.to_dict()
    assert build_routes(matched, match_sources=False).to_dict() == sample_routes.to_dict()
    # a part of a matched table keeps the record (it is not matched a second time)
    part = matched.aircraft("010075")
    assert part.matched is matched.matched
    assert build_routes(part).to_dict() == build_routes(fluent_tracks, icao24="010075").to_dict()


def test_matching_a_table_with_nothing_to_match_keeps_its_rows(fluent_tracks):
    single = fluent_tracks.aircraft("010082")  # one readsb trace, one input
    done = single.match_sources()
    assert done.df is single.df and done.matched.matches == [] and done.matched.merges == {}


def test_verify_gives_the_verdicts_of_verify(chain_routes, matched, samples):
    case = load(samples / "case.toml")
    expected = verify(case.claims, chain_routes.tracks, chain_routes)
    for got in (
        chain_routes.verify(samples / "case.toml"),
        chain_routes.verify(case),
        chain_routes.verify(case.claims),
        matched.detect().verify(str(samples / "case.toml")),
    ):
        assert isinstance(got, flightcheck.Verdicts)
        assert [v.to_dict() for v in got] == [v.to_dict() for v in expected]
    got = chain_routes.verify(case)
    assert got.by_claim["refuel-athens"] == "contradicted"
    assert got.by_claim["landed-lybt"] == "supported"
    table = got.table()
    assert findings.conforms(table, findings.VERDICTS_TABLE) == []
    assert table["verdict"].tolist() == [v.verdict for v in expected]


def test_map_is_the_map_of_the_routes(chain_routes, sample_routes, tmp_path):
    out = tmp_path / "map.html"
    chain_routes.map(out, title="Il-76")
    # the same bytes as the function calls' map (a map renders once: ids are numbered then)
    assert out.read_text(encoding="utf-8") == render_html(map_routes(sample_routes, title="Il-76"))
    assert render_html(chain_routes.map(title="Il-76")) == out.read_text(encoding="utf-8")


def test_findings_map_is_build_map(matched, tmp_path):
    found = matched.detect()
    found.map(tmp_path / "stops.html", title="stops")
    expected = render_html(build_map(matched, detect(matched), title="stops"))
    assert (tmp_path / "stops.html").read_text(encoding="utf-8") == expected
