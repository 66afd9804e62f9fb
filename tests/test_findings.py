"""The findings tables keep their declared schemas (flightcheck.findings), whatever the data:
stops, events, gaps, legs, visits and verdicts, on the sample tracks and the real exports."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import flightcheck
from flightcheck import findings
from flightcheck.case import load
from flightcheck.case.verify import verdict_table, verify
from flightcheck.maps.export import export
from flightcheck.routes import build_routes
from flightcheck.routes.legs import legs_of
from flightcheck.scan import scan, visits
from flightcheck.segment import detect
from flightcheck.segment.tables import join_tables, tabulate

NOT_TRACKS = {"README.md", "SHA256SUMS"}


@pytest.fixture(scope="module")
def sample_segmentation(sample_tracks):
    return detect(sample_tracks)


def test_engine_tables_conform_on_the_sample_tracks(sample_segmentation):
    seg = sample_segmentation
    assert len(seg.stops) and len(seg.events) and len(seg.gaps)
    for name, schema in findings.SCHEMAS.items():
        assert findings.conforms(getattr(seg, name), schema) == [], name
    assert set(seg.stops["kind"]) == {"observed", "inferred"}


def test_empty_and_all_missing_tables_have_the_declared_dtypes():
    empty = tabulate([], [], [])
    for table, schema in zip(empty, findings.SCHEMAS.values(), strict=True):
        assert len(table) == 0 and findings.conforms(table, schema) == []
    stop = {
        "icao24": "010070",
        "airport": "LYBT",
        "lat": 44.9,
        "lon": 20.3,
        "dwell_s": 0.0,
        "arrival": None,
        "departure": None,
        "kind": "inferred",
        "confidence": 0.5,
        "evidence": "e",
        "rows": [],
    }
    stops = tabulate([stop], [], [])[0]  # no arrival, departure, runway anywhere
    assert findings.conforms(stops, findings.STOPS) == []
    assert stops["arrival"].isna().all() and stops["runway"].isna().all()
    # the pieces join by concatenation, whatever each piece lacked
    full = dict(stop, arrival=pd.Timestamp("2025-10-16T12:00Z"), runway="12")
    joined = join_tables(
        [tabulate([stop], [], []), tabulate([dict(full, icao24="4b1805")], [], [])]
    )
    assert findings.conforms(joined[0], findings.STOPS) == []
    assert joined[0]["runway"].tolist()[1] == "12"


def test_conforms_names_what_is_wrong():
    stops = tabulate([], [], [])[0]
    bad = stops.assign(kind=pd.Series(["landed"], dtype="str").iloc[:0])
    assert findings.conforms(bad, findings.STOPS) == []  # no rows, no bad kinds
    row = {
        "icao24": "010070",
        "airport": "LYBT",
        "lat": 44.9,
        "lon": 20.3,
        "dwell_s": 0.0,
        "kind": "landed",
        "confidence": 0.5,
        "evidence": "e",
        "rows": [],
    }
    problems = findings.conforms(findings.frame([row], findings.STOPS), findings.STOPS)
    assert problems == ["kind: ['landed'] not in ('observed', 'inferred')"]
    missing = findings.frame([dict(row, kind="observed", lat=None)], findings.STOPS)
    assert findings.conforms(missing, findings.STOPS) == [
        "lat: missing values in a non-nullable column"
    ]
    assert findings.conforms(stops.drop(columns="rows"), findings.STOPS)[0].startswith("columns")


REAL = sorted(
    p
    for p in (Path(__file__).parent / "data" / "real").iterdir()
    if p.name not in NOT_TRACKS and not p.name.startswith(".")
)


def _every_legs_table(routes) -> list[pd.DataFrame]:
    return [r.legs for r in routes] + [routes.legs]


def test_legs_conform_on_the_sample_tracks(sample_routes, sample_tracks):
    tables = _every_legs_table(sample_routes)
    assert sum(len(t) for t in tables[:-1]) == len(tables[-1]) >= 9
    for legs in tables:
        assert findings.conforms(legs, findings.ROUTE_LEGS) == []
    # a route whose only leg has no stop at its start keeps the dtypes (all 'from' missing)
    open_start = [r.legs for r in sample_routes if r.legs["from"].isna().all()]
    assert open_start and all(findings.text(v) is None for v in open_start[0]["from"])
    one = sample_tracks.aircraft("010075")
    rows = one.df.sort_values("time", kind="stable").reset_index(drop=True)
    stops = detect(one).stops
    assert findings.conforms(legs_of(rows, stops), findings.LEGS) == []
    assert len(legs_of(rows, stops)) == 3
    assert findings.conforms(legs_of(rows.iloc[:0], stops.iloc[:0]), findings.LEGS) == []
    no_stops = legs_of(rows, stops.iloc[:0])  # the data neither starts nor ends at a stop
    assert len(no_stops) == 1 and findings.conforms(no_stops, findings.LEGS) == []


@pytest.mark.parametrize("path", REAL, ids=[p.name for p in REAL])
def test_every_table_conforms_on_the_real_exports(path):
    routes = build_routes(flightcheck.read(path))
    seg = routes.segmentation
    for name, schema in findings.SCHEMAS.items():
        assert findings.conforms(getattr(seg, name), schema) == [], name
    for legs in [r.legs for r in routes]:
        assert findings.conforms(legs, findings.ROUTE_LEGS) == []


def test_legs_csv_times_are_iso_like_the_json(sample_tracks, sample_routes, tmp_path):
    # a legs table concatenated from routes whose legs were all-missing or not (the declared
    # dtypes) writes departure as it writes arrival
    export(sample_routes.tracks, sample_routes, "csv", tmp_path / "out.csv")
    legs = pd.read_csv(tmp_path / "out.legs.csv", dtype=str)
    for col in ("departure", "arrival"):
        shown = legs[col].dropna()
        assert len(shown) and shown.str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z").all()


def test_visits_conform_full_and_empty(samples):
    full = scan([samples], ["LYBT", "HECW"], show_progress=False).visits
    assert len(full) >= 3 and findings.conforms(full, findings.VISITS) == []
    assert set(full["kind"]) <= set(findings.STOP_KINDS) and full["military"].any()
    none = scan([samples], ["KJFK"], show_progress=False).visits
    assert len(none) == 0 and findings.conforms(none, findings.VISITS) == []
    assert findings.conforms(visits.empty(), findings.VISITS) == []
    # read back from parquet (a checkpoint, the CLI's output) and cast again: the same table
    again = visits.normalise(full.astype({"military": object, "dwell_s": object}))
    pd.testing.assert_frame_equal(again, full)


def test_verdicts_conform(samples, sample_routes):
    case = load(samples / "case.toml")
    verdicts = verify(case.claims, sample_routes.tracks, sample_routes)
    table = verdict_table(verdicts)
    assert findings.conforms(table, findings.VERDICTS_TABLE) == []
    assert table["id"].tolist() == [c.id for c in case.claims]
    assert set(table["verdict"]) == {"supported", "inconclusive", "contradicted"}
    assert findings.conforms(verdict_table([]), findings.VERDICTS_TABLE) == []
    wrong = table.assign(verdict=table["verdict"].where(table.index > 0, "likely"))
    assert findings.conforms(wrong, findings.VERDICTS_TABLE) == [
        "verdict: ['likely'] not in ('supported', 'contradicted', 'inconclusive')"
    ]


def test_routes_without_findings_keep_the_declared_tables(sample_tracks):
    cruise = sample_tracks.aircraft("010075").between("2025-10-14T23:00Z", "2025-10-14T23:30Z")
    routes = build_routes(cruise)
    assert len(cruise) > 20 and routes.segmentation.stops.empty and routes.gaps.empty
    tables = {"stops": findings.STOPS, "events": findings.EVENTS, "gaps": findings.GAPS}
    for name, schema in tables.items():
        assert findings.conforms(getattr(routes, name), schema) == [], name
        assert findings.conforms(getattr(routes.get("010075"), name), schema) == [], name
    (leg,) = routes.legs.to_dict("records")  # in the air throughout: one leg, open both ends
    assert findings.text(leg["from"]) is None and pd.isna(leg["departure"])
    assert findings.conforms(routes.legs, findings.ROUTE_LEGS) == []
    none = build_routes(cruise.aircraft("ffffff"))
    assert len(none) == 0 and findings.conforms(none.stops, findings.STOPS) == []
    assert findings.conforms(none.legs, findings.ROUTE_LEGS) == []
