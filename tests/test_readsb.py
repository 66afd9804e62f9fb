"""readsb / tar1090 trace files (ADS-B Exchange, adsb.lol) and aircraft.json snapshots."""

from __future__ import annotations

import gzip
import json
import math

import orjson
import pandas as pd
import pytest
from click.testing import CliRunner

import flightcheck
from flightcheck.cli import main
from flightcheck.errors import InputError
from flightcheck.io import detect, readsb
from flightcheck.io.context import ReadContext, ReadOptions
from flightcheck.track.table import validate

DAY = 1_760_054_400.0  # 2025-10-10T00:00:00Z
DAY2 = DAY + 86400

DETAIL = {
    "type": "adsb_icao",
    "flight": "RCH401  ",
    "alt_geom": 1050,
    "ias": 180,
    "squawk": "4521",
    "emergency": "none",
    "nic": 8,
    "rc": 186,
    "version": 2,
}

# one of each shape: 9 elements (pre-2022), 14 (current), 15 (ADS-B Exchange receiver id)
POINTS = [
    [
        0.0,
        50.033,
        8.570,
        "ground",
        12.3,
        250.0,
        2,
        None,
        DETAIL,
        "adsb_icao",
        None,
        None,
        None,
        None,
    ],
    [4.5, 50.034, 8.568, 1000, 150.2, 251.5, 0, 1216, None, "adsb_icao", 1025, 1280, 160, 0.5],
    [
        9.25,
        50.040,
        8.560,
        None,
        160.0,
        252.0,
        1,
        None,
        None,
        "mlat",
        None,
        None,
        None,
        None,
        "a1b2c3d4",
    ],
    [
        13.0,
        50.050,
        8.550,
        2600,
        170.0,
        253.0,
        8 | 4,
        None,
        None,
        "tisb_other",
        None,
        -640,
        None,
        None,
    ],
    [
        17.0,
        50.060,
        8.540,
        3000,
        175.0,
        254.0,
        0,
        512,
        {"flight": "RCH402", "squawk": 7700},
        "adsr_icao",
        3100,
        512,
        200,
        -1.5,
    ],
    [21.0, 50.070, 8.530, 3400, 180.0, 255.0, 0, 448, {"alt_geom": 3500}],
    [25.0, 50.080, 8.520, 3800, 181.0, 256.0, 0, 0, None, "adsc", 3850, None, None, None],
]


def trace_doc(points=POINTS, icao="ae1234", timestamp=DAY, **extra) -> bytes:
    doc = {
        "icao": icao,
        "r": "05-5140",
        "t": "C17",
        "dbFlags": 1,
        "desc": "BOEING C-17",
        "timestamp": timestamp,
        **extra,
        "trace": points,
    }
    return orjson.dumps(doc)


def read_direct(data: bytes, fmt: str = "readsb-trace", skip_bad: bool = False):
    ctx = ReadContext("trace.json", ReadOptions(skip_bad=skip_bad))
    return readsb.read(data, ctx, fmt), ctx


def write(path, data: bytes, gz: bool = True):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


# ------------------------------------------------------------------------------ sniffing


def test_sniff_traces_snapshots_and_non_track_json():
    assert readsb.sniff(trace_doc()[:300], "x.json") == "readsb-trace"
    pretty = b'{"icao":"ac671b",\n  "r":"N899DN",\n  "timestamp": 1738703622.619,\n  "trace":['
    assert readsb.sniff(b"\n " + pretty, "trace_full_ac671b.json") == "readsb-trace"
    reordered = b'{"timestamp": 1738703622.6, "icao": "~a1b2c3", "trace": [[0,1,2'
    assert readsb.sniff(reordered, "t.json") == "readsb-trace"
    snapshot = b'{ "now" : 1760000000.0,\n  "messages" : 123,\n  "aircraft" : [\n {"hex":"'
    assert readsb.sniff(snapshot, "aircraft.json") == "readsb-aircraft"
    assert readsb.sniff(b'{"ac":[{"hex":"4b1805","type":"adsb_icao"', "x") == "readsb-aircraft"
    # ADS-B Exchange's traces/YYYY/MM/DD/index.json, FR24 JSON (airline "icao" codes), CSV
    assert readsb.sniff(b'{"traces":["a1b2c3","~00c0ff"]}', "index.json") is None
    fr24 = b'{"result":{"response":{"data":{"flight":{"airline":{"code":{"icao":"JAL"'
    assert readsb.sniff(fr24 + b'},"timestamp":1', "f.json") is None
    assert readsb.sniff(b"Timestamp,UTC,Callsign,Position\n", "x.csv") is None
    assert detect(trace_doc(), "trace_full_ae1234.json")[0] == "readsb-trace"


# ------------------------------------------------------------------------------- traces


def test_trace_fields_units_and_point_shapes(tmp_path):
    p = write(tmp_path / "traces" / "34" / "trace_full_ae1234.json", trace_doc())
    tracks = flightcheck.read(p)
    df = tracks.df
    validate(df)
    assert len(df) == 7
    assert df["row"].tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert (df["icao24"] == "ae1234").all()
    assert (df["registration"] == "05-5140").all() and (df["typecode"] == "C17").all()
    assert df["time"].iloc[0] == pd.Timestamp("2025-10-10T00:00:00Z")
    assert df["time"].iloc[2] == pd.Timestamp("2025-10-10T00:00:09.250Z")
    assert df["lat"].tolist()[:2] == [50.033, 50.034]
    assert df["gs_kt"].iloc[1] == 150.2 and df["track_deg"].iloc[1] == 251.5
    assert df["vrate_fpm"].iloc[1] == 1216  # baro rate (index 7) wins over geometric (11)
    assert df["vrate_fpm"].iloc[3] == -640  # index 7 null -> geometric rate, index 11
    assert df["alt_geom_ft"].iloc[1] == 1025
    sources = df["position_source"].fillna("-").tolist()
    assert sources == ["adsb", "adsb", "mlat", "tisb", "adsr", "-", "adsc"]  # 9 elements: -
    assert df["mlat"].tolist()[:3] == [False, False, True]
    assert df["tisb"].iloc[3]
    (inp,) = tracks.inputs
    assert inp.format == "readsb-trace" and inp.compressed == "gzip"
    assert (inp.records, inp.points) == (7, 7)
    assert any("military" in note for note in inp.notes)


def test_altitude_ground_null_number_and_geometric_flag():
    df, _ = read_direct(trace_doc())
    alt = df["alt_ft"].tolist()
    assert math.isnan(alt[0]) and df["on_ground"].iloc[0]  # "ground"
    assert alt[1] == 1000 and not df["on_ground"].iloc[1]  # number -> airborne
    assert math.isnan(alt[2]) and pd.isna(df["on_ground"].iloc[2])  # null -> unknown
    # flag bit 8: index 3 holds the geometric altitude -> alt_geom_ft, not alt_ft
    assert math.isnan(alt[3]) and df["alt_geom_ft"].iloc[3] == 2600
    assert not df["on_ground"].iloc[3]


def test_detail_object_carries_callsign_and_squawk_forward():
    df, _ = read_direct(trace_doc())
    assert df["callsign"].tolist() == ["RCH401"] * 4 + ["RCH402"] * 3  # padding stripped
    assert df["squawk"].tolist() == ["4521"] * 4 + ["7700"] * 3  # numeric squawk -> text
    # old 9-element point: alt_geom only from its own detail object, never carried
    assert df["alt_geom_ft"].iloc[5] == 3500 and df["alt_geom_ft"].iloc[0] == 1050
    assert math.isnan(df["alt_geom_ft"].iloc[2])
    # before the first detail object nothing is known (a window may start mid-block)
    df2, _ = read_direct(trace_doc([POINTS[1], POINTS[2], POINTS[0]]))
    assert df2["callsign"].isna().tolist() == [True, True, False]


def test_flags_stale_and_new_leg():
    df, _ = read_direct(trace_doc())
    assert df["new_leg"].tolist() == [True, False, False, False, False, False, False]
    assert df["stale"].tolist() == [False, False, True, False, False, False, False]


def test_non_icao_address_and_timestamp_precision():
    pts = [
        [0.01, 10.0, 20.0, 500, None, None, 0, None, None],
        [0.02, 10.0, 20.0, 600, None, None, 0, None, None],
    ]
    df, ctx = read_direct(trace_doc(pts, icao="~A1B2C3", timestamp=1738703622.619))
    assert df["icao24"].tolist() == ["~a1b2c3"] * 2
    # exact milliseconds, no float noise: overlapping files dedupe on equal times
    assert df["time"].iloc[0] == pd.Timestamp("2025-02-04T21:13:42.629Z")
    assert df["time"].iloc[1] == pd.Timestamp("2025-02-04T21:13:42.639Z")
    assert ctx.records == 2


def test_plain_json_and_gzip_give_the_same_table(tmp_path):
    a = write(tmp_path / "a" / "trace_full_ae1234.json", trace_doc(), gz=False)
    b = write(tmp_path / "b" / "trace_full_ae1234.json", trace_doc() + b"\n", gz=True)
    ta, tb = flightcheck.read(a).df, flightcheck.read(b).df
    pd.testing.assert_frame_equal(ta.drop(columns="source"), tb.drop(columns="source"))


def test_globe_history_folder_joins_days_into_one_sorted_track(tmp_path):
    root = tmp_path / "globe_history" / "2025" / "10"
    day1 = [
        [
            86390.0 - 10 * i,
            50.0,
            8.0 + i / 100,
            30000,
            450.0,
            90.0,
            0,
            0,
            None,
            "adsb_icao",
            30500,
            0,
            280,
            0.0,
        ]
        for i in (2, 1, 0)
    ]
    day2 = [
        [
            5.0 * i,
            50.0,
            8.1 + i / 100,
            30000,
            450.0,
            90.0,
            0,
            0,
            None,
            "adsb_icao",
            30500,
            0,
            280,
            0.0,
        ]
        for i in range(4)
    ]
    other = [[1.0, 40.0, -3.0, "ground", 3.0, 10.0, 0, None, None, "adsb_icao"]]
    write(root / "11" / "traces" / "34" / "trace_full_ae1234.json", trace_doc(day2, "ae1234", DAY2))
    write(root / "10" / "traces" / "34" / "trace_full_ae1234.json", trace_doc(day1, "ae1234"))
    write(root / "10" / "traces" / "01" / "trace_full_343201.json", trace_doc(other, "343201"))
    write(root / "10" / "index.json", b'{"traces":["ae1234","343201"]}', gz=False)
    tracks = flightcheck.read(tmp_path / "globe_history")
    assert [p for p, _ in tracks.skipped] == [str(root / "10" / "index.json")]
    one = tracks.aircraft("ae1234").df
    assert len(one) == 7 and one["time"].is_monotonic_increasing
    assert one["time"].iloc[0] == pd.Timestamp("2025-10-10T23:59:30Z")
    assert one["time"].iloc[-1] == pd.Timestamp("2025-10-11T00:00:15Z")
    assert one["source"].str.contains("/10/traces/").tolist() == [True] * 3 + [False] * 4
    assert one["row"].tolist() == [1, 2, 3, 1, 2, 3, 4]
    assert tracks.icao24s == ["343201", "ae1234"]


# ---------------------------------------------------------------------------- bad input


def test_truncated_and_non_object_json_fail_naming_the_file(tmp_path):
    p = write(tmp_path / "trace_full_ae1234.json", trace_doc()[:-40])
    with pytest.raises(InputError, match=r"trace_full_ae1234.json: truncated or invalid JSON"):
        flightcheck.read(p)
    with pytest.raises(InputError, match="top level is a list"):
        read_direct(b"[1, 2]")


@pytest.mark.parametrize("drop, message", [("trace", '"trace"'), ("timestamp", '"timestamp"')])
def test_missing_keys_fail(drop, message):
    doc = orjson.loads(trace_doc())
    del doc[drop]
    with pytest.raises(InputError, match=message) as err:
        read_direct(orjson.dumps(doc))
    assert err.value.record is None


@pytest.mark.parametrize(
    "bad, message",
    [
        ("not a point", "not a list"),
        ([12.0, 50.0, 8.0, 1000, 100.0], "fewer than 7 elements"),
        ([12.0, "50.1", 8.0, 1000, 100.0, 90.0, 0], "non-numeric time, lat or lon"),
        ([None, 50.1, 8.0, 1000, 100.0, 90.0, 0], "non-numeric time, lat or lon"),
        ([12.0, 50.1, 8.0, "FL100", 100.0, 90.0, 0], 'altitude is not a number, "ground"'),
    ],
)
def test_bad_point_names_record_and_skip_bad_counts_it(tmp_path, bad, message):
    points = [POINTS[1], POINTS[2], bad, POINTS[4]]
    p = write(tmp_path / "trace_full_ae1234.json", trace_doc(points))
    with pytest.raises(InputError, match=message) as err:
        flightcheck.read(p)
    assert err.value.record == 3 and err.value.path == str(p)
    tracks = flightcheck.read(p, skip_bad=True)
    assert tracks.df["row"].tolist() == [1, 2, 4]
    (inp,) = tracks.inputs
    assert inp.records == 4 and inp.points == 3
    assert sum(n for k, n in inp.dropped.items() if k.startswith("bad record")) == 1


def test_time_going_back_is_a_bad_record(tmp_path):
    points = [POINTS[0], POINTS[2], POINTS[1]]  # 0 s, 9.25 s, 4.5 s
    p = write(tmp_path / "trace_full_ae1234.json", trace_doc(points))
    with pytest.raises(InputError, match="time goes backwards") as err:
        flightcheck.read(p)
    assert err.value.record == 3


def test_latitude_out_of_range_is_a_bad_record(tmp_path):
    points = [POINTS[0], [5.0, 95.0, 8.0, 1000, 100.0, 90.0, 0, None, None]]
    p = write(tmp_path / "trace_full_ae1234.json", trace_doc(points))
    with pytest.raises(InputError, match="latitude out of range") as err:
        flightcheck.read(p)
    assert err.value.record == 2


def test_empty_trace_reads_as_no_points(tmp_path):
    p = write(tmp_path / "trace_full_ae1234.json", trace_doc([]))
    tracks = flightcheck.read(p)
    assert len(tracks) == 0 and tracks.inputs[0].records == 0


# ---------------------------------------------------------------------------- snapshots

SNAPSHOT = {
    "now": 1760000010.0,
    "messages": 99,
    "aircraft": [
        {
            "hex": "4b1805",
            "type": "adsb_icao",
            "flight": "SWR12   ",
            "r": "HB-JNA",
            "t": "B77W",
            "alt_baro": 36000,
            "alt_geom": 36500,
            "gs": 480.2,
            "track": 270.1,
            "baro_rate": -64,
            "squawk": "1000",
            "lat": 47.1,
            "lon": 8.2,
            "seen_pos": 1.5,
            "rr_lat": 47.0,
            "rr_lon": 8.0,
        },
        {
            "hex": "~2c0fee",
            "type": "tisb_other",
            "alt_baro": "ground",
            "gs": 8.0,
            "lat": 47.45,
            "lon": 8.56,
            "seen_pos": 0.2,
        },
        {"hex": "3c6444", "type": "mlat", "rr_lat": 46.9, "rr_lon": 7.5, "seen": 3.0},
        {
            "hex": "3c4b26",
            "type": "adsb_icao",
            "alt_baro": 12000,
            "geom_rate": 1500,
            "lastPosition": {"lat": 48.0, "lon": 9.0, "nic": 8, "rc": 186, "seen_pos": 70.0},
        },
    ],
}

OLD_SNAPSHOT = {  # dump1090-mutability, before 2017: altitude / speed / vert_rate, mlat list
    "now": 1500000000.0,
    "aircraft": [
        {
            "hex": "40621d",
            "squawk": "7622",
            "flight": "BAW123  ",
            "lat": 51.5,
            "lon": -0.4,
            "altitude": 4000,
            "vert_rate": -768,
            "track": 90,
            "speed": 210,
            "mlat": ["lat", "lon", "track", "speed"],
            "seen_pos": 0.4,
        }
    ],
}


def test_aircraft_json_snapshot(tmp_path):
    p = write(tmp_path / "aircraft.json", json.dumps(SNAPSHOT).encode(), gz=False)
    tracks = flightcheck.read(p)
    validate(tracks.df)
    (inp,) = tracks.inputs
    assert inp.format == "readsb-aircraft"
    assert (inp.records, inp.points, inp.dropped["no position"]) == (4, 3, 1)
    df = tracks.df.set_index("icao24")
    swr = df.loc["4b1805"]
    assert swr["time"] == pd.Timestamp("2025-10-09T08:53:28.5Z")  # now - seen_pos
    assert (swr["lat"], swr["lon"]) == (47.1, 8.2)  # not rr_lat / rr_lon
    assert (swr["callsign"], swr["registration"], swr["typecode"]) == ("SWR12", "HB-JNA", "B77W")
    assert (swr["alt_ft"], swr["alt_geom_ft"], swr["gs_kt"], swr["vrate_fpm"]) == (
        36000,
        36500,
        480.2,
        -64,
    )
    assert swr["position_source"] == "adsb" and not swr["on_ground"] and swr["row"] == 1
    gnd = df.loc["~2c0fee"]
    assert gnd["on_ground"] and math.isnan(gnd["alt_ft"]) and gnd["position_source"] == "tisb"
    old = df.loc["3c4b26"]  # lastPosition, 70 s old
    assert (old["lat"], old["row"], old["vrate_fpm"]) == (48.0, 4, 1500)
    assert old["time"] == pd.Timestamp("2025-10-09T08:52:20Z")
    assert "3c6444" not in df.index  # rough receiver-based position only: never a fix


def test_v2_api_shape_with_milliseconds_and_old_keys():
    api = {
        "ac": SNAPSHOT["aircraft"][:1],
        "msg": "No error",
        "now": 1760000010123,
        "total": 1,
        "ctime": 1760000010123,
        "ptime": 3,
    }
    df, ctx = read_direct(orjson.dumps(api), "readsb-aircraft")
    assert df["time"].iloc[0] == pd.Timestamp("2025-10-09T08:53:28.623Z")
    df, _ = read_direct(orjson.dumps(OLD_SNAPSHOT), "readsb-aircraft")
    row = df.iloc[0]
    assert (row["alt_ft"], row["gs_kt"], row["vrate_fpm"]) == (4000, 210, -768)
    assert row["position_source"] == "mlat" and row["squawk"] == "7622"


def test_snapshot_without_now_or_list_fails():
    with pytest.raises(InputError, match='"now"'):
        read_direct(b'{"aircraft": []}', "readsb-aircraft")
    with pytest.raises(InputError, match='"aircraft"'):
        read_direct(b'{"now": 1760000000}', "readsb-aircraft")
    with pytest.raises(InputError, match="not an object") as err:
        read_direct(b'{"now": 1760000000, "aircraft": [{"hex": "abcdef"}, 5]}', "readsb-aircraft")
    assert err.value.record == 2


# ---------------------------------------------------------------------------------- CLI


def test_cli_inspect_json_and_truncated_file(tmp_path):
    p = write(tmp_path / "trace_full_ae1234.json", trace_doc())
    res = CliRunner().invoke(main, ["inspect", str(p), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    (ac,) = out["aircraft"]
    assert (ac["icao24"], ac["points"], ac["typecode"]) == ("ae1234", 7, "C17")
    assert ac["callsigns"] == ["RCH401", "RCH402"]
    assert out["inputs"][0]["format"] == "readsb-trace"
    bad = write(tmp_path / "trace_full_ae9999.json", trace_doc()[:-40])
    res = CliRunner().invoke(main, ["inspect", str(bad), "--json"])
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "truncated or invalid JSON" in lines[0]
    assert "Traceback" not in res.output


def test_implausible_timestamp_and_flags():
    with pytest.raises(InputError, match="not a plausible Unix time"):
        read_direct(trace_doc(timestamp=1.7e12))  # milliseconds by mistake
    pts = [
        [0.0, 10.0, 20.0, 500, None, None, -1, None, None],
        [1.0, 10.0, 20.0, 600, None, None, None, None, None],
    ]
    df, _ = read_direct(trace_doc(pts))
    assert df["stale"].isna().all() and df["new_leg"].isna().all()
