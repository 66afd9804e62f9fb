"""FR24 flight JSON reader: track and trail forms, metadata, declared airports, bad input."""

from __future__ import annotations

import copy
import gzip
import json
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from readhelpers import read_bytes, read_one_bytes

from flightcheck import io
from flightcheck.errors import InputError
from flightcheck.segment import detect


def _point(
    t: int, lat: float, lon: float, feet: int, kts: int, fpm: int, heading: int, squawk: str = "416"
) -> dict:
    """One ``track`` entry as FR24 writes it (xoolive/traffic samples/fr24/3376ab31.json)."""
    return {
        "latitude": lat,
        "longitude": lon,
        "altitude": {"feet": feet, "meters": round(feet * 0.3048)},
        "speed": {"kmh": round(kts * 1.852, 1), "kts": kts, "mph": round(kts * 1.15078, 1)},
        "verticalSpeed": {"fpm": fpm, "ms": round(fpm * 0.00508, 1)},
        "heading": heading,
        "squawk": squawk,
        "timestamp": t,
        "ems": None,
    }


# JAL516 RJCC -> RJTT on 2024-01-02, points modelled on the real export: on the ground at New
# Chitose, the climb off runway 19R, then cruise far from any airport (the track is cut there).
TRACK = [
    _point(1704180175, 42.787994, 141.685074, 0, 0, 0, 73, squawk="0"),
    _point(1704180458, 42.770142, 141.691422, 550, 144, 2944, 172),
    _point(1704180470, 42.761078, 141.693039, 1100, 140, 2688, 171),
    _point(1704181263, 41.57648, 141.66208, 26650, 401, 1728, 192),
    _point(1704181500, 41.20000, 141.60000, 33000, 420, 0, 192),
]
FLIGHT = {
    "identification": {"id": "3376ab31", "number": {"default": "JL516"}, "callsign": "JAL516"},
    "aircraft": {
        "model": {"code": "A359", "text": "Airbus A350-941"},
        "identification": {"modes": "8467D8", "registration": "JA13XJ"},
    },
    "airport": {
        "origin": {"name": "Sapporo New Chitose Airport", "code": {"iata": "CTS", "icao": "RJCC"}},
        "destination": {
            "name": "Tokyo Haneda International Airport",
            "code": {"iata": "HND", "icao": "RJTT"},
        },
        "real": None,
    },
    "track": TRACK,
}


def _doc(flight: dict = FLIGHT) -> bytes:
    return json.dumps(
        {
            "result": {
                "request": {},
                "response": {"timestamp": 1704722891, "data": {"flight": flight}},
            },
            "_api": {"version": "1.0.0"},
        },
        indent=2,
    ).encode()


def test_track_units_rows_metadata_and_ground_rule(tmp_path):
    table, record = read_one_bytes(tmp_path, _doc(), "3376ab31.json")
    assert record.format == "fr24-json" and record.records == 5
    table = table.sort_values("row").reset_index(drop=True)
    assert table["row"].tolist() == [1, 2, 3, 4, 5]
    assert table["time"].iloc[0] == pd.Timestamp("2024-01-02 07:22:55", tz="UTC")
    assert set(table["icao24"]) == {"8467d8"}  # FR24 writes it in upper case
    assert set(table["registration"]) == {"JA13XJ"} and set(table["typecode"]) == {"A359"}
    assert set(table["callsign"]) == {"JAL516"}
    assert table["alt_ft"].tolist() == [0, 550, 1100, 26650, 33000]
    assert table["gs_kt"].tolist() == [0, 144, 140, 401, 420]
    assert table["vrate_fpm"].tolist() == [0, 2944, 2688, 1728, 0]
    assert table["track_deg"].tolist() == [73, 172, 171, 192, 192]
    assert table["on_ground"].tolist() == [True, False, False, False, False]
    assert pd.isna(table["squawk"].iloc[0]) and table["squawk"].iloc[1] == "0416"


def test_declared_airports_are_notes_not_stops(tmp_path):
    tracks = read_bytes(tmp_path, _doc(), "3376ab31.json")
    (record,) = tracks.inputs
    (note,) = [n for n in record.notes if n.startswith("FR24 declares")]
    assert "origin RJCC (Sapporo New Chitose Airport)" in note
    assert "destination RJTT (Tokyo Haneda International Airport)" in note
    assert "claim" in note
    # the track ends in cruise: the declared destination is not a finding
    airports = detect(tracks).stops["airport"].tolist()
    assert airports == ["RJCC"]


def test_hex_option_overrides_and_missing_modes_uses_registration(tmp_path):
    table, _ = read_one_bytes(tmp_path, _doc(), "a.json", icao24="010075")
    assert set(table["icao24"]) == {"010075"}
    flight = copy.deepcopy(FLIGHT)
    flight["aircraft"]["identification"]["modes"] = None
    table, record = read_one_bytes(tmp_path, _doc(flight), "b.json")
    (address,) = set(table["icao24"])
    assert address.startswith("~")
    assert any("registration JA13XJ" in n and "--hex" in n for n in record.notes)


def test_trail_form_newest_first(tmp_path):
    """The older clickhandler shape: metadata at the top, ``trail`` newest first."""
    trail = [
        {"lat": 48.092926, "lng": 19.286018, "alt": 40000, "spd": 425, "ts": 1627646637, "hd": 306},
        {"lat": 47.9, "lng": 19.6, "alt": 38000, "spd": 430, "ts": 1627646577, "hd": 305},
    ]
    doc = {
        "identification": {"callsign": "BEL7AV"},
        "aircraft": {
            "model": {"code": "A320"},
            "identification": {"modes": "44CE72", "registration": "OO-SNF"},
        },
        "airport": {"origin": None, "destination": {"code": {"icao": "EBBR"}}},
        "trail": trail,
    }
    table, record = read_one_bytes(tmp_path, json.dumps(doc).encode(), "trail.json")
    assert record.format == "fr24-json"
    table = table.sort_values("time").reset_index(drop=True)
    assert table["row"].tolist() == [2, 1]
    assert table["alt_ft"].tolist() == [38000, 40000] and table["gs_kt"].tolist() == [430, 425]
    assert table["lon"].tolist() == [19.6, 19.286018]
    assert set(table["icao24"]) == {"44ce72"} and set(table["registration"]) == {"OO-SNF"}
    assert any("destination EBBR" in n for n in record.notes)


def test_sniffing_keeps_other_json_formats_apart():
    assert io.detect(_doc(), "x.json")[0] == "fr24-json"
    assert io.detect(gzip.decompress(gzip.compress(_doc())), "x")[0] == "fr24-json"
    states = b'{"time": 1760000000, "states": [["010075", "EGY1076 ", "Egypt"]]}'
    assert io.detect(states, "x.json")[0] == "opensky-json"
    trace = b'{"icao":"010075","timestamp":1760000000.0,"trace":[[0.0,30.1,31.2,1200]]}'
    assert io.detect(trace, "x.json")[0] == "readsb-trace"
    assert io.detect(b'{"identification": {"id": "x"}, "status": {}}', "x.json") is None


def test_bad_point_names_its_index_and_skip_bad_counts_it(tmp_path):
    flight = copy.deepcopy(FLIGHT)
    flight["track"][2]["latitude"] = "north"
    flight["track"].insert(4, "garbage")
    with pytest.raises(InputError) as err:
        read_one_bytes(tmp_path, _doc(flight), "bad.json")
    assert "record 3" in str(err.value) and "unreadable lat" in str(err.value)
    table, record = read_one_bytes(tmp_path, _doc(flight), "bad.json", skip_bad=True)
    assert sorted(table["row"]) == [1, 2, 4, 6]
    assert sum(record.dropped.values()) == 2


def test_point_without_time_is_bad(tmp_path):
    flight = copy.deepcopy(FLIGHT)
    del flight["track"][1]["timestamp"]
    with pytest.raises(InputError, match="record 2.*without timestamp"):
        read_one_bytes(tmp_path, _doc(flight), "bad.json")


def test_truncated_file_is_one_line_exit_2_fast(tmp_path):
    path = tmp_path / "3376ab31.json"
    path.write_bytes(_doc()[:-40])
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "flightcheck.cli", "inspect", str(path)],
        capture_output=True,
        text=True,
    )
    assert time.perf_counter() - start < 30
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("flightcheck: error: ") and "3376ab31.json" in line
    assert "invalid JSON" in line and "Traceback" not in proc.stderr


def test_forced_format_on_other_json_says_what_is_missing(tmp_path):
    with pytest.raises(InputError, match="not an FR24 flight JSON"):
        read_one_bytes(tmp_path, b'{"result": {"response": {}}}', "x.json", format="fr24-json")


def test_all_zero_altitudes_at_speed_are_unknown(tmp_path):
    """FR24's free-tier rule is shared with the CSV reader: zeros at 400 kt are no altitude."""
    flight = copy.deepcopy(FLIGHT)
    for p in flight["track"]:
        p["altitude"] = {"feet": 0, "meters": 0}
    table, record = read_one_bytes(tmp_path, _doc(flight), "zeros.json")
    assert np.isnan(table["alt_ft"]).all() and table["on_ground"].isna().all()
    assert any("every altitude is 0" in n for n in record.notes)


POINTS = st.lists(
    st.tuples(
        st.integers(1_500_000_000, 1_780_000_000),
        st.floats(-89.9, 89.9),
        st.floats(-179.9, 179.9),
        st.sampled_from([0, 0, 25, 550, 12000, 41000]),
        st.integers(0, 140),
        st.integers(-4000, 4000),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(points=POINTS, trail=st.booleans())
def test_every_row_is_its_point(tmp_path_factory, points, trail):
    """Property: row r holds point r of the file, in track-table units, whatever the order;
    below 150 kt an altitude of 0 is FR24's ground flag."""
    if trail:
        doc = {
            "identification": {},
            "aircraft": {},
            "airport": {},
            "trail": [
                {"lat": la, "lng": lo, "alt": ft, "spd": kt, "ts": t, "hd": 90}
                for t, la, lo, ft, kt, _ in points
            ],
        }
        data = json.dumps(doc).encode()
    else:
        flight = dict(
            FLIGHT, track=[_point(t, la, lo, ft, kt, fpm, 90) for t, la, lo, ft, kt, fpm in points]
        )
        data = _doc(flight)
    table, record = read_one_bytes(tmp_path_factory.mktemp("fj"), data, "f.json")
    assert record.format == "fr24-json" and len(table) == len(points)
    for _, fix in table.iterrows():
        t, lat, lon, feet, kts, fpm = points[fix["row"] - 1]
        assert fix["time"] == pd.Timestamp(t, unit="s", tz="UTC")
        assert (fix["lat"], fix["lon"], fix["alt_ft"], fix["gs_kt"]) == (lat, lon, feet, kts)
        assert bool(fix["on_ground"]) == (feet == 0)
        if not trail:
            assert fix["vrate_fpm"] == fpm
