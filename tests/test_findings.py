"""The findings tables keep their declared schemas (flightcheck.findings), whatever the data."""

from __future__ import annotations

import pandas as pd
import pytest

from flightcheck import findings
from flightcheck.segment import detect
from flightcheck.segment.tables import join_tables, tabulate


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
