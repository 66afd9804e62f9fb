"""JSON-records reader: arrays and JSON lines, key aliases, units, --column, bad input."""

from __future__ import annotations

import gzip
import io as stdio
import json
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from readhelpers import read_one_bytes

from flightcheck import io
from flightcheck.cli import main
from flightcheck.errors import InputError
from flightcheck.units import FPM_PER_MS, FT_PER_M, KT_PER_MS

# Shaped like xoolive/traffic samples/ambulances/samu31.json.gz (pandas to_json, orient records):
# millisecond timestamps, numeric squawk, onground booleans, OpenSky-derived keys in ft/kt.
TRAFFIC = [
    {
        "alert": False,
        "altitude": 1125.0,
        "callsign": "SAMU31",
        "geoaltitude": 1025.0,
        "groundspeed": 87.3,
        "icao24": "39ac45",
        "last_position": 1558092194880,
        "latitude": 43.6175994873,
        "longitude": 1.403567292,
        "onground": False,
        "squawk": 7014,
        "timestamp": 1558092195000,
        "track": 150.5,
        "vertical_rate": -64.0,
    },
    {
        "alert": False,
        "altitude": 0.0,
        "callsign": "SAMU31",
        "geoaltitude": None,
        "groundspeed": 0.0,
        "icao24": "39ac45",
        "last_position": 1558092196000,
        "latitude": 43.6133,
        "longitude": 1.4001,
        "onground": True,
        "squawk": None,
        "timestamp": 1558092196000,
        "track": None,
        "vertical_rate": 0.0,
    },
]


def _array(records: list[dict]) -> bytes:
    return json.dumps(records).encode()


def test_traffic_records_units_rows_and_flags(tmp_path):
    table, record = read_one_bytes(tmp_path, gzip.compress(_array(TRAFFIC)), "samu31.json.gz")
    assert (record.format, record.compressed, record.records) == ("json-records", "gzip", 2)
    assert any("milliseconds" in n for n in record.notes)
    assert table["row"].tolist() == [1, 2]
    # timed at the position (last_position), not at the state vector's second
    assert table["time"].tolist() == [
        pd.Timestamp("2019-05-17 11:23:14.880", tz="UTC"),
        pd.Timestamp("2019-05-17 11:23:16", tz="UTC"),
    ]
    assert table["icao24"].tolist() == ["39ac45"] * 2
    assert table["callsign"].tolist() == ["SAMU31"] * 2
    assert table["alt_ft"].tolist() == [1125.0, 0.0]
    assert table["alt_geom_ft"].iloc[0] == 1025.0 and np.isnan(table["alt_geom_ft"].iloc[1])
    assert table["gs_kt"].tolist() == [87.3, 0.0] and table["vrate_fpm"].tolist() == [-64, 0]
    assert table["track_deg"].iloc[0] == 150.5
    assert table["on_ground"].tolist() == [False, True]
    assert table["squawk"].iloc[0] == "7014" and pd.isna(table["squawk"].iloc[1])


def test_stale_repeats_are_dropped_by_position_time(tmp_path):
    """OpenSky repeats the last position each second; traffic's samples keep the repeats."""
    repeats = [
        dict(TRAFFIC[0], timestamp=TRAFFIC[0]["timestamp"] + 1000 * k, groundspeed=k)
        for k in range(4)
    ]
    table, record = read_one_bytes(tmp_path, _array([*repeats, TRAFFIC[1]]), "x.json")
    assert table["row"].tolist() == [1, 5]
    assert record.dropped == {"stale repeat": 3}
    assert table["time"].iloc[0] == pd.Timestamp("2019-05-17 11:23:14.880", tz="UTC")
    assert table["gs_kt"].iloc[0] == 0  # the values of the earliest record of that fix
    native = [
        {
            "time": 1760000000 + k,
            "icao24": "010075",
            "lat": 30.1,
            "lon": 31.2,
            "lastposupdate": 1759999999.5,
        }
        for k in range(3)
    ]
    table, record = read_one_bytes(tmp_path, _array(native), "states.json")
    assert len(table) == 1 and record.dropped == {"stale repeat": 2}
    assert table["time"].iloc[0] == pd.Timestamp("2025-10-09 08:53:19.5", tz="UTC")


def test_json_lines_with_iso_times_and_blank_lines(tmp_path):
    lines = [
        json.dumps(
            {
                "time": "2025-10-09T08:53:20Z",
                "hex": "010075",
                "lat": 44.9,
                "lon": 20.3,
                "alt": 3000,
                "flight": "EGY1076",
                "squawk": "416",
            }
        ),
        "",
        json.dumps(
            {
                "time": "2025-10-09T08:54:20Z",
                "hex": "010075",
                "lat": 44.92,
                "lon": 20.28,
                "alt": 2000,
                "flight": "EGY1076",
                "squawk": "416",
            }
        ),
    ]
    table, record = read_one_bytes(tmp_path, ("\n".join(lines) + "\n").encode(), "log.jsonl")
    assert record.format == "json-records" and record.records == 2
    assert table["row"].tolist() == [1, 3]  # line numbers
    assert table["time"].iloc[1] == pd.Timestamp("2025-10-09 08:54:20", tz="UTC")
    assert table["alt_ft"].tolist() == [3000, 2000] and set(table["squawk"]) == {"0416"}
    assert set(table["callsign"]) == {"EGY1076"}


def test_opensky_state_vector_names_are_metric(tmp_path):
    records = [
        {
            "time": 1760000000,
            "icao24": "010075",
            "lat": 30.1,
            "lon": 31.2,
            "velocity": 100.0,
            "heading": 90.0,
            "vertrate": 5.0,
            "onground": False,
            "baroaltitude": 1000.0,
            "geoaltitude": 1050.0,
            "lastposupdate": 1759999999.5,
        }
    ]
    table, _ = read_one_bytes(tmp_path, _array(records), "states.json")
    assert table["alt_ft"].iloc[0] == pytest.approx(1000.0 * FT_PER_M)
    assert table["alt_geom_ft"].iloc[0] == pytest.approx(1050.0 * FT_PER_M)
    assert table["gs_kt"].iloc[0] == pytest.approx(100.0 * KT_PER_MS)
    assert table["vrate_fpm"].iloc[0] == pytest.approx(5.0 * FPM_PER_MS)


def test_column_mapping_for_unusual_keys(tmp_path):
    records = [{"t": 1760000000, "y": 30.1, "x": 31.2, "height_m": 100.0, "who": "010075"}]
    data = _array(records)
    assert io.detect(data, "odd.json") is None  # no recognisable time/lat/lon keys
    columns = {"time": "t", "lat": "y", "lon": "x", "alt": "height_m", "icao24": "who"}
    table, record = read_one_bytes(
        tmp_path, data, "odd.json", format="json-records", columns=columns
    )
    assert record.format == "json-records"
    assert table["lat"].iloc[0] == 30.1 and table["lon"].iloc[0] == 31.2
    assert table["alt_ft"].iloc[0] == pytest.approx(100.0 * FT_PER_M)
    assert table["icao24"].iloc[0] == "010075"
    with pytest.raises(InputError, match="'nope', which no record has"):
        read_one_bytes(tmp_path, data, "odd.json", format="json-records", columns={"time": "nope"})


def test_cli_column_mapping_picks_the_json_reader(tmp_path):
    path = tmp_path / "odd.json"
    path.write_bytes(
        _array(
            [
                {"t": 1760000000, "y": 30.1, "x": 31.2, "who": "010075"},
                {"t": 1760000060, "y": 30.2, "x": 31.3, "who": "010075"},
            ]
        )
    )
    args = [
        "inspect",
        str(path),
        "--json",
        "--column",
        "time=t",
        "--column",
        "lat=y",
        "--column",
        "lon=x",
        "--column",
        "icao24=who",
    ]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["inputs"][0]["format"] == "json-records" and out["inputs"][0]["points"] == 2
    assert out["aircraft"][0]["icao24"] == "010075"


def test_sniffing():
    assert io.detect(_array(TRAFFIC), "x")[0] == "json-records"
    assert io.detect(b"\n  " + _array(TRAFFIC), "x")[0] == "json-records"
    assert io.detect(json.dumps(TRAFFIC[0]).encode() + b"\n", "x")[0] == "json-records"
    assert io.detect(b'[{"name": "a", "value": 1}]', "x") is None
    assert io.detect(b"[1, 2, 3]", "x") is None
    # a CSV whose header mentions JSON-like text is still a CSV
    assert io.detect(b"timestamp,latitude,longitude\n1760000000,30.1,31.2\n", "x")[0] == "csv"


def test_non_object_record_and_bad_line_are_reported_by_number(tmp_path):
    data = _array([TRAFFIC[0], [1, 2], TRAFFIC[1]])
    with pytest.raises(InputError, match="record 2.*not a JSON object"):
        read_one_bytes(tmp_path, data, "x.json")
    table, record = read_one_bytes(tmp_path, data, "x.json", skip_bad=True)
    assert table["row"].tolist() == [1, 3] and sum(record.dropped.values()) == 1
    lines = json.dumps(TRAFFIC[0]) + "\n{broken\n"
    with pytest.raises(InputError, match="record 2.*invalid JSON line"):
        read_one_bytes(tmp_path, lines.encode(), "x.jsonl")


def test_unreadable_time_is_a_bad_record(tmp_path):
    records = [dict(TRAFFIC[0]), dict(TRAFFIC[1], timestamp="yesterday"), dict(TRAFFIC[1])]
    with pytest.raises(InputError, match="record 2.*unreadable time"):
        read_one_bytes(tmp_path, _array(records), "x.json")


def test_truncated_array_is_one_line_exit_2_fast(tmp_path):
    path = tmp_path / "elal747.json"
    path.write_bytes(_array(TRAFFIC * 50)[:-30])
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "flightcheck.cli", "inspect", str(path)],
        capture_output=True,
        text=True,
    )
    assert time.perf_counter() - start < 30
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("flightcheck: error: ") and "elal747.json" in line
    assert "invalid JSON" in line and "Traceback" not in proc.stderr


FIXES = st.lists(
    st.tuples(
        st.integers(1_500_000_000_000, 1_780_000_000_000),  # ms (accepted: up to now + 1 day)
        st.floats(-89.9, 89.9),
        st.floats(-179.9, 179.9),
        st.one_of(st.none(), st.floats(-1000, 60000)),
        st.booleans(),
    ),
    min_size=1,
    max_size=30,
)


@pytest.mark.filterwarnings("ignore:'epoch' date format is deprecated")
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    fixes=FIXES,
    lines=st.booleans(),
    compress=st.booleans(),
    date_format=st.sampled_from(["epoch", "iso"]),
)
def test_what_pandas_writes_reads_back_unchanged(
    tmp_path_factory, fixes, lines, compress, date_format
):
    """Property: ``to_json(orient="records")`` (array or lines, gzip or not, epoch
    milliseconds or ISO times) reads back as the same fixes."""
    frame = pd.DataFrame(
        fixes, columns=["timestamp", "latitude", "longitude", "altitude", "onground"]
    )
    frame.insert(1, "icao24", "4b1901")
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], unit="ms")
    buffer = stdio.StringIO()
    frame.to_json(
        buffer, orient="records", lines=lines, double_precision=15, date_format=date_format
    )
    data = buffer.getvalue().encode()
    if compress:
        data = gzip.compress(data)
    table, record = read_one_bytes(tmp_path_factory.mktemp("jr"), data, "flight.json")
    assert record.format == "json-records" and len(table) == len(frame)
    table = table.sort_values("row")
    assert (table["time"].dt.tz_localize(None).to_numpy() == frame["timestamp"].to_numpy()).all()
    assert np.allclose(table["lat"], frame["latitude"], rtol=0, atol=1e-9)
    assert np.allclose(table["lon"], frame["longitude"], rtol=0, atol=1e-9)
    assert np.allclose(table["alt_ft"], frame["altitude"].astype(float), equal_nan=True)
    assert table["on_ground"].tolist() == frame["onground"].tolist()
