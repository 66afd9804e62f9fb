"""OpenSky state vectors: CSV (native and traffic style), parquet, REST /states/all JSON."""

from __future__ import annotations

import gzip
import io
import tarfile

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from readhelpers import by_row, read_bytes

import flightcheck
from flightcheck.errors import InputError
from flightcheck.io import detect, opensky
from flightcheck.io.context import ReadContext, ReadOptions

HEADER = (
    b"time,icao24,lat,lon,velocity,heading,vertrate,callsign,onground,alert,spi,squawk,"
    b"baroaltitude,geoaltitude,lastposupdate,lastcontact,serials,hour\n"
)
# Line numbers in comments. 010075 taxis at LYBT (on the ground: velocity, heading and
# altitudes null), 4ca9c1 cruises at FL360. Rows repeat the last position every 10 s.
STATES = HEADER + (
    b"1760000000,010075,44.9351,20.2581,,,,EGY1076 ,True,False,False,1000,,,"
    b'1759999998.412,1760000000.0,"[1234, 5678]",1759996800\n'  # 2
    b"1760000010,010075,44.9351,20.2581,,,,EGY1076 ,True,False,False,1000,,,"
    b'1759999998.412,1760000009.8,"[1234]",1759996800\n'  # 3 stale
    b"1760000010,4ca9c1,45.1012,19.8034,231.5,134.2,-6.5,RYR4TX  ,False,False,False,2316,"
    b'10972.8,11049.0,1760000009.93,1760000010.0,"[99]",1759996800\n'  # 4
    b"1760000020,010075,44.9353,20.2583,8.2,118.0,0.0,EGY1076 ,True,False,False,1000,,,"
    b'1760000018.5,1760000020.0,"[1234]",1759996800\n'  # 5
    b"1760000020,4ca9c1,,,231.5,134.2,-6.5,RYR4TX  ,False,False,False,2316,10972.8,,,"
    b'1760000020.0,"[99]",1759996800\n'  # 6 no pos
    b"1760000030,010075,44.9353,20.2583,8.9,118.0,0.0,EGY1076 ,True,False,False,1000,,,"
    b'1760000018.5,1760000029.0,"[1234]",1759996800\n'  # 7 stale
    b"1760000030,4ca9c1,45.0801,19.8301,231.5,134.2,-6.5,RYR4TX  ,False,False,False,2316,"
    b'10972.8,11049.0,1760000029.1,1760000030.0,"[99]",1759996800\n'  # 8
)


def read_file(tmp_path, name, data, **kw):
    return read_bytes(tmp_path, data, name, **kw)


def test_csv_drops_stale_repeats_and_uses_the_fix_time(tmp_path):
    tracks = read_file(tmp_path, "states.csv", STATES)
    rec = tracks.inputs[0]
    assert (rec.format, rec.reader) == ("opensky-csv", "flightcheck.io.opensky")
    assert rec.records == 7 and rec.points == 4
    assert dict(rec.dropped) == {"stale repeat": 2, "no position": 1}
    df = by_row(tracks)
    assert df.index.tolist() == [2, 4, 5, 8]
    # time is lastposupdate (when the fix was received), not the sampling time
    assert df.loc[2, "time"] == pd.Timestamp("2025-10-09T08:53:18.412Z")
    assert df.loc[8, "time"] == pd.Timestamp("2025-10-09T08:53:49.100Z")
    assert str(df["time"].dtype) == "datetime64[ns, UTC]"


def test_csv_units_callsign_and_ground_rows(tmp_path):
    df = by_row(read_file(tmp_path, "states.csv", STATES))
    cruise = df.loc[4]
    assert cruise["icao24"] == "4ca9c1" and cruise["callsign"] == "RYR4TX"
    assert cruise["gs_kt"] == pytest.approx(450.0, abs=0.01)  # 231.5 m/s
    assert cruise["vrate_fpm"] == pytest.approx(-1279.53, abs=0.01)  # -6.5 m/s
    assert cruise["alt_ft"] == pytest.approx(36000.0, abs=0.01)  # 10972.8 m
    assert cruise["alt_geom_ft"] == pytest.approx(36250.0, abs=0.01)  # 11049 m
    assert cruise["track_deg"] == 134.2 and cruise["squawk"] == "2316"
    assert not cruise["on_ground"]
    taxi = df.loc[2]
    assert bool(taxi["on_ground"]) is True
    assert np.isnan(taxi["gs_kt"]) and np.isnan(taxi["alt_ft"]) and np.isnan(taxi["track_deg"])
    assert df.loc[5, "gs_kt"] == pytest.approx(8.2 * 3600 / 1852)
    assert set(df["position_source"]) == {"unknown"}


def test_without_lastposupdate_every_row_is_kept_with_its_time(tmp_path):
    data = (
        b"icao24,lon,lat,time,velocity\n"
        b"4ca9c1,19.8034,45.1012,1760000010,231.5\n"
        b"4ca9c1,19.8034,45.1012,1760000020,231.5\n"
    )
    tracks = read_file(tmp_path, "subset.csv", data)
    assert tracks.inputs[0].format == "opensky-csv"
    assert by_row(tracks)["time"].tolist() == [
        pd.Timestamp("2025-10-09T08:53:30Z"),
        pd.Timestamp("2025-10-09T08:53:40Z"),
    ]
    assert by_row(tracks)["gs_kt"].iloc[0] == pytest.approx(450.0, abs=0.01)


def test_gzip_and_public_dataset_tar_are_sniffed(tmp_path):
    tracks = read_file(tmp_path, "states_2022-06-27-00.csv.gz", gzip.compress(STATES))
    assert (tracks.inputs[0].format, tracks.inputs[0].compressed) == ("opensky-csv", "gzip")
    member = gzip.compress(STATES)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        info = tarfile.TarInfo("states_2022-06-27-00.csv.gz")
        info.size = len(member)
        tf.addfile(info, io.BytesIO(member))
    tracks = read_file(tmp_path, "states_2022-06-27-00.csv.tar", buf.getvalue())
    assert tracks.inputs[0].format == "opensky-csv" and len(tracks) == 4


def test_plain_csv_with_opensky_like_names_is_not_claimed():
    assert detect(b"time,icao24,lat,lon,alt\n1760000000,010075,44.9,20.3,3000\n", "a")[0] == "csv"
    assert opensky.sniff(b"timestamp,hex,latitude,longitude,altitude\n", "a") is None


def test_bad_number_names_file_and_line_and_skip_bad_counts(tmp_path):
    data = STATES.replace(b"45.0801", b"45.08O1")
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    with pytest.raises(InputError, match=r"bad.csv: record 8: unreadable number in column 'lat'"):
        flightcheck.read(path)
    tracks = flightcheck.read(path, skip_bad=True)
    assert tracks.inputs[0].dropped["bad record: unreadable number in column 'lat'"] == 1
    assert by_row(tracks).index.tolist() == [2, 4, 5]


def test_bad_hex_and_missing_columns(tmp_path):
    path = tmp_path / "hex.csv"
    path.write_bytes(STATES.replace(b"4ca9c1,45.0801", b"4ca9c,45.0801"))
    with pytest.raises(InputError, match="record 8: icao24 is not a 6-digit hex"):
        flightcheck.read(path)
    ctx = ReadContext("x.csv")
    with pytest.raises(InputError, match="x.csv: not OpenSky state vectors: no lat, lon"):
        opensky.read(b"time,icao24,velocity\n1760000000,010075,1\n", ctx, "opensky-csv")


TRAFFIC_CSV = (
    b",timestamp,icao24,latitude,longitude,groundspeed,track,vertical_rate,callsign,onground,"
    b"alert,spi,squawk,altitude,geoaltitude,last_position,hour\n"
    b"0,2025-10-09 08:53:30+00:00,4ca9c1,45.1012,19.8034,450.0,134.2,-1280.0,RYR4TX,False,"
    b"False,False,2316,36000.0,36250.0,1760000009.93,2025-10-09 08:00:00+00:00\n"
    b"1,2025-10-09 08:53:40+00:00,4ca9c1,45.1012,19.8034,450.0,134.2,-1280.0,RYR4TX,False,"
    b"False,False,2316,36000.0,36250.0,1760000009.93,2025-10-09 08:00:00+00:00\n"
    b"2,2025-10-09 08:53:50+00:00,4ca9c1,45.0801,19.8301,451.0,134.2,-1280.0,RYR4TX,False,"
    b"False,False,2316,35975.0,36225.0,1760000029.1,2025-10-09 08:00:00+00:00\n"
)


def test_traffic_style_csv_is_already_in_feet_and_knots(tmp_path):
    tracks = read_file(tmp_path, "traffic.csv", TRAFFIC_CSV)
    rec = tracks.inputs[0]
    assert rec.format == "opensky-csv" and rec.dropped["stale repeat"] == 1
    df = by_row(tracks)
    assert df.index.tolist() == [2, 4]
    assert df["alt_ft"].tolist() == [36000.0, 35975.0]
    assert df["gs_kt"].tolist() == [450.0, 451.0]
    assert df["vrate_fpm"].tolist() == [-1280.0, -1280.0]
    assert df["alt_geom_ft"].tolist() == [36250.0, 36225.0]
    assert df.loc[4, "time"] == pd.Timestamp("2025-10-09T08:53:49.1Z")


def _parquet(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buf)
    return buf.getvalue()


def test_parquet_native_columns(tmp_path):
    frame = pd.read_csv(io.BytesIO(STATES), dtype={"icao24": "str", "squawk": "str"})
    frame["serials"] = [[1234, 5678], [1234], [99], [1234], [99], [1234], [99]]
    frame["time"] = pd.to_datetime(frame["time"], unit="s", utc=True)  # as pyopensky returns
    frame["hour"] = pd.to_datetime(frame["hour"], unit="s", utc=True)
    data = _parquet(frame)
    assert data[:4] == b"PAR1"
    tracks = read_file(tmp_path, "history.parquet", gzip.compress(data))
    rec = tracks.inputs[0]
    assert (rec.format, rec.compressed, rec.records, rec.points) == (
        "opensky-parquet",
        "gzip",
        7,
        4,
    )
    df = by_row(tracks)
    assert df.index.tolist() == [1, 3, 4, 7]  # 1-based data rows
    assert df.loc[3, "alt_ft"] == pytest.approx(36000.0, abs=0.01)
    assert df.loc[1, "time"] == pd.Timestamp("2025-10-09T08:53:18.412Z")
    assert df.loc[1, "callsign"] == "EGY1076" and bool(df.loc[1, "on_ground"])


def test_parquet_traffic_columns_with_datetime_timestamps(tmp_path):
    frame = pd.read_csv(io.BytesIO(TRAFFIC_CSV), index_col=0, dtype={"squawk": "str"})
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    frame["hour"] = pd.to_datetime(frame["hour"], utc=True)
    tracks = read_file(tmp_path, "traffic.parquet", _parquet(frame))
    assert tracks.inputs[0].format == "opensky-parquet"
    df = by_row(tracks)
    assert df.index.tolist() == [1, 3]
    assert df["gs_kt"].tolist() == [450.0, 451.0]


def test_parquet_without_state_vector_columns_fails_clearly(tmp_path):
    data = _parquet(pd.DataFrame({"hour": [1.0], "icao24": ["4ca9c1"]}))
    path = tmp_path / "raw.parquet"
    path.write_bytes(data)
    with pytest.raises(InputError, match="raw.parquet: not OpenSky state vectors: no time"):
        flightcheck.read(path)
    path.write_bytes(data[:-30])
    with pytest.raises(InputError, match="unreadable parquet file"):
        flightcheck.read(path)


REST = {
    "time": 1760000030,
    "states": [
        [
            "4ca9c1",
            "RYR4TX  ",
            "Ireland",
            1760000029,
            1760000030,
            19.8301,
            45.0801,
            10972.8,
            False,
            231.5,
            134.2,
            -6.5,
            None,
            11049.0,
            "2316",
            False,
            0,
        ],
        [
            "010075",
            "EGY1076 ",
            "Egypt",
            None,
            1760000025,
            None,
            None,
            None,
            True,
            None,
            None,
            None,
            None,
            None,
            "1000",
            False,
            0,
            0,
        ],
        [
            "4b1816",
            "SWR1TK  ",
            "Switzerland",
            1760000028,
            1760000030,
            20.1102,
            44.7705,
            4572.0,
            False,
            180.1,
            300.0,
            10.2,
            [1234],
            4600.0,
            None,
            False,
            2,
            4,
        ],
    ],
}


def test_rest_states_longitude_comes_first(tmp_path):
    tracks = read_file(tmp_path, "states_all.json", orjson.dumps(REST))
    rec = tracks.inputs[0]
    assert (rec.format, rec.records, rec.points) == ("opensky-json", 3, 2)
    assert rec.dropped["no position"] == 1
    df = by_row(tracks)
    assert df.index.tolist() == [1, 3]
    assert (df.loc[1, "lat"], df.loc[1, "lon"]) == (45.0801, 19.8301)
    assert df.loc[1, "time"] == pd.Timestamp("2025-10-09T08:53:49Z")
    assert df.loc[1, "alt_ft"] == pytest.approx(36000.0, abs=0.01)
    assert df.loc[3, "vrate_fpm"] == pytest.approx(10.2 * 60 / 0.3048)
    assert df["position_source"].tolist() == ["adsb", "mlat"]
    assert df["mlat"].tolist() == [False, True]
    assert df.loc[3, "callsign"] == "SWR1TK"


def test_rest_states_bad_entry_and_truncation(tmp_path):
    doc = {"time": 1760000030, "states": [REST["states"][0], ["4ca9c1", None]]}
    path = tmp_path / "short.json"
    path.write_bytes(orjson.dumps(doc))
    with pytest.raises(InputError, match="short.json: record 2: state vector is not a list"):
        flightcheck.read(path)
    assert len(flightcheck.read(path, skip_bad=True)) == 1
    path.write_bytes(orjson.dumps(REST)[:-40])
    with pytest.raises(InputError, match="invalid JSON"):
        flightcheck.read(path, format="opensky-json")
    empty = read_file(tmp_path, "none.json", b'{"time": 1760000030, "states": null}')
    assert len(empty) == 0 and empty.inputs[0].format == "opensky-json"


def test_position_source_column_in_csv():
    data = (
        b"time,icao24,lat,lon,baroaltitude,position_source\n"
        b"1760000000,010075,44.9,20.3,100,2\n1760000001,010075,44.9,20.3,100,3\n"
    )
    ctx = ReadContext("p.csv", ReadOptions())
    frame = opensky.read(data, ctx, "opensky-csv")
    assert frame["position_source"].tolist() == ["mlat", "other"]
    assert frame["row"].tolist() == [2, 3]


def _as_arrow(values: pd.Series, tz: str | None) -> pd.Series:
    """Arrow-backed timestamps, as pandas holds what pyopensky/Trino or polars return."""
    stamps = pd.to_datetime((values * 1e6).round(), unit="us", utc=True)
    arr = pa.array(stamps if tz else stamps.dt.tz_localize(None), type=pa.timestamp("us", tz=tz))
    out = pd.Series(arr, dtype=pd.ArrowDtype(arr.type))
    return out.dt.tz_convert(tz) if tz and tz != "UTC" else out


TIME_TYPES = {
    "int seconds": lambda s: s.round().astype("int64") if s.name == "time" else s,
    "float seconds": lambda s: s.astype("float64"),
    "int milliseconds": lambda s: (s * 1000).round().astype("Int64"),
    "naive datetime": lambda s: pd.to_datetime(s, unit="s"),
    "utc datetime": lambda s: pd.to_datetime(s, unit="s", utc=True),
    "berlin datetime": lambda s: pd.to_datetime(s, unit="s", utc=True).dt.tz_convert(
        "Europe/Berlin"
    ),
    "arrow utc": lambda s: _as_arrow(s, "UTC"),
    "arrow +00:00": lambda s: _as_arrow(s, "+00:00"),
    "arrow naive": lambda s: _as_arrow(s, None),
}


@pytest.mark.parametrize("container", ["parquet", "csv"])
@pytest.mark.parametrize("kind", sorted(TIME_TYPES))
def test_every_timestamp_type_gives_the_same_utc_times(tmp_path, kind, container):
    frame = pd.read_csv(io.BytesIO(STATES), dtype={"icao24": "str", "squawk": "str"})
    frame = frame.drop(columns=["serials", "hour"])
    for col in ("time", "lastposupdate"):
        frame[col] = TIME_TYPES[kind](frame[col].rename(col))
    data = _parquet(frame) if container == "parquet" else frame.to_csv(index=False).encode()
    tracks = read_file(tmp_path, f"states.{container}", data)
    assert tracks.inputs[0].format == f"opensky-{container}"
    df = tracks.df.sort_values("time")
    expected = pd.to_datetime(
        [1759999998.412, 1760000009.93, 1760000018.5, 1760000029.1], unit="s", utc=True
    )
    # whole-second and millisecond types carry the fix times at their own precision
    got = df["time"].dt.round("1s" if kind == "int seconds" else "1ms").tolist()
    assert got == expected.round("1s" if kind == "int seconds" else "1ms").tolist()
    assert tracks.inputs[0].dropped["stale repeat"] == 2
    assert any("milliseconds" in n for n in tracks.inputs[0].notes) == (kind == "int milliseconds")


def test_tz_aware_parquet_with_a_bad_row_survives_skip_bad(tmp_path):
    frame = pd.read_csv(io.BytesIO(STATES), dtype={"icao24": "str", "squawk": "str"})
    frame["time"] = _as_arrow(frame["time"], "UTC")
    frame.loc[3, "icao24"] = "zzzzzz"
    path = tmp_path / "pyopensky.parquet"
    path.write_bytes(_parquet(frame.drop(columns=["serials"])))
    with pytest.raises(InputError, match="record 4: icao24 is not a 6-digit hex"):
        flightcheck.read(path)
    tracks = flightcheck.read(path, skip_bad=True)
    assert tracks.inputs[0].dropped["bad record: icao24 is not a 6-digit hex address"] == 1
    # the dropped row held 010075's fix of 08:53:38.5; its stale repeat (row 6) now carries it
    assert by_row(tracks).index.tolist() == [1, 3, 6, 7]
