"""Plain CSV/TSV fallback: aliases, --column mapping, units, times, addresses, errors."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest
from readhelpers import by_row, read_bytes

import flightcheck
from flightcheck.errors import InputError, UsageError
from flightcheck.io import detect, plaincsv
from flightcheck.io.pseudo_address import pseudo_address


def read_csv(tmp_path, data, name="track.csv", **kw):
    return read_bytes(tmp_path, data, name, **kw)


ALIASED = (
    b"Timestamp,ICAO,Flight,Latitude,Longitude,Altitude,Speed,Course,Vertical_Rate,"
    b"OnGround,Reg,Type,Squawk\n"
    b"2025-10-09T08:53:20Z,010075,EGY1076 ,44.9351,20.2581,0,8,118,0,true,SU-BTX,IL76,1000\n"
    b"2025-10-09T08:55:01Z,010075,EGY1076,44.9411,20.2722,1200,150,118,2000,false,SU-BTX,"
    b"IL76,1000\n"
    b"\n"
    b"2025-10-09T08:56:00+02:00,4CA9C1,RYR4TX,45.1012,19.8034,36000,450,134.2,-1280,,,B738,\n"
)


def test_aliases_are_recognised_case_insensitively(tmp_path):
    tracks = read_csv(tmp_path, ALIASED)
    rec = tracks.inputs[0]
    assert (rec.format, rec.reader, rec.records, rec.points) == (
        "csv",
        "flightcheck.io.plaincsv",
        3,
        3,
    )
    df = by_row(tracks)
    assert df.index.tolist() == [2, 3, 5]  # line numbers; the blank line 4 is skipped
    taxi, climb, other = df.loc[2], df.loc[3], df.loc[5]
    assert taxi["time"] == pd.Timestamp("2025-10-09T08:53:20Z")
    assert other["time"] == pd.Timestamp("2025-10-09T06:56:00Z")  # +02:00 offset honoured
    assert (taxi["callsign"], taxi["registration"], taxi["typecode"], taxi["squawk"]) == (
        "EGY1076",
        "SU-BTX",
        "IL76",
        "1000",
    )
    assert bool(taxi["on_ground"]) and not climb["on_ground"] and pd.isna(other["on_ground"])
    assert (climb["alt_ft"], climb["gs_kt"], climb["track_deg"], climb["vrate_fpm"]) == (
        1200.0,
        150.0,
        118.0,
        2000.0,
    )
    assert other["icao24"] == "4ca9c1"
    assert not any("no time zone" in n for n in tracks.inputs[0].notes)  # all had Z/offsets


def test_semicolon_decimal_comma_metres_and_kmh(tmp_path):
    data = (
        b"hex;lat;lon;time;altitude (m);speed_kmh;vrate_ms\n"
        b"010075;44,9411;20,2722;1760000101;365,76;277,8;5,08\n"
    )
    df = by_row(read_csv(tmp_path, data, "eu.csv"))
    row = df.loc[2]
    assert (row["lat"], row["lon"]) == (44.9411, 20.2722)
    assert row["alt_ft"] == pytest.approx(1200.0)
    assert row["gs_kt"] == pytest.approx(150.0, abs=0.01)
    assert row["vrate_fpm"] == pytest.approx(1000.0, abs=0.01)


def test_ambiguous_thousands_separator_is_a_bad_record(tmp_path):
    data = b"hex;lat;lon;time;alt\n010075;44,9;20,2;1760000101;35,000\n"
    path = tmp_path / "amb.csv"
    path.write_bytes(data)
    with pytest.raises(InputError, match="amb.csv: record 2: ambiguous number in the alt_ft"):
        flightcheck.read(path)


def test_column_mapping_overrides_aliases_and_needs_format(tmp_path):
    data = b"when,aircraft,y,x,height_m,alt\n2025-10-09 10:53:20,4ca9c1,45.1012,19.8034,10972.8,1\n"
    path = tmp_path / "odd.csv"
    path.write_bytes(data)
    with pytest.raises(InputError, match="not a recognised track format"):
        flightcheck.read(path)
    columns = {"time": "when", "icao24": "AIRCRAFT", "lat": "y", "lon": "x", "alt": "height_m"}
    tracks = flightcheck.read(path, format="csv", columns=columns, tz="Europe/Belgrade")
    row = tracks.df.iloc[0]
    assert row["icao24"] == "4ca9c1"
    assert row["time"] == pd.Timestamp("2025-10-09T08:53:20Z")  # naive local, CEST
    assert row["alt_ft"] == pytest.approx(36000.0, abs=0.01)  # metres by name, not "alt"
    utc = flightcheck.read(path, format="csv", columns=columns)
    assert utc.df["time"].iloc[0] == pd.Timestamp("2025-10-09T10:53:20Z")
    assert "1 times carry no time zone" in utc.inputs[0].notes[0]
    with pytest.raises(UsageError, match="'colour' is not a track column"):
        flightcheck.read(path, format="csv", columns={**columns, "colour": "x"})
    with pytest.raises(InputError, match="--column maps to 'nope', which is not in the header"):
        flightcheck.read(path, format="csv", columns={**columns, "lat": "nope"})


def test_missing_time_column_explains_the_fix(tmp_path):
    path = tmp_path / "notime.csv"
    path.write_bytes(b"hex,lat,lon\n010075,44.9,20.3\n")
    with pytest.raises(
        InputError,
        match=r"no time column found; map one with --column "
        r"time=NAME \(columns: 'hex, lat, lon'\)",
    ):
        flightcheck.read(path, format="csv")


def test_millisecond_timestamps_and_tsv_gzip(tmp_path):
    data = (
        b"ts\tlatitude\tlng\ticao24\n"
        b"1760000000123\t44.9351\t20.2581\t010075\n"
        b"1760000010500\t44.9352\t20.2582\t010075\n"
    )
    tracks = read_csv(tmp_path, gzip.compress(data), "track.tsv.gz")
    assert (tracks.inputs[0].format, tracks.inputs[0].compressed) == ("csv", "gzip")
    assert tracks.df["time"].tolist() == [
        pd.Timestamp("2025-10-09T08:53:20.123Z"),
        pd.Timestamp("2025-10-09T08:53:30.500Z"),
    ]
    assert any("milliseconds" in n for n in tracks.inputs[0].notes)


def test_unix_seconds_are_utc_whatever_the_tz(tmp_path):
    data = b"time|lat|lon|hex\n1760000000.25|44.9|20.3|010075\n"
    tracks = read_csv(tmp_path, data, "pipe.csv", tz="America/New_York")
    assert tracks.df["time"].iloc[0] == pd.Timestamp("2025-10-09T08:53:20.25Z")


def test_address_from_hex_option_registration_or_file_name(tmp_path):
    data = (
        b"time,lat,lon,registration\n"
        b"1760000000,44.9,20.3,SU-BTX\n1760000060,44.92,20.28,su-btx\n"
        b"1760000000,45.1,19.8,EI-DCL\n"
    )
    tracks = read_csv(tmp_path, data, "regs.csv")
    df = by_row(tracks)
    assert df.loc[2, "icao24"] == df.loc[3, "icao24"] == pseudo_address("reg:SU-BTX")
    assert df.loc[4, "icao24"] == pseudo_address("reg:EI-DCL")
    assert any("pseudo-addresses from the registration" in n for n in tracks.inputs[0].notes)
    anonymous = b"time,lat,lon\n1760000000,44.9,20.3\n"
    tracks = read_csv(tmp_path, anonymous, "EGY1076_leg1.csv")
    assert tracks.df["icao24"].tolist() == [pseudo_address("file:EGY1076_leg1")]
    assert "pseudo-address" in tracks.inputs[0].notes[0]
    tracks = read_csv(tmp_path, anonymous, "other.csv", icao24="010075")
    assert tracks.df["icao24"].tolist() == ["010075"]


def test_bad_values_name_the_record_and_skip_bad_counts(tmp_path):
    data = (
        b"time,hex,lat,lon,alt\n"
        b"2025-10-09T08:53:20Z,010075,44.9,20.3,100\n"
        b"yesterday,010075,44.9,20.3,100\n"
        b"2025-10-09T08:53:40Z,10075,44.9,20.3,100\n"
        b"2025-10-09T08:53:50Z,010075,44.9,20.3,n/a ft\n"
    )
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    with pytest.raises(InputError, match="bad.csv: record 3: unreadable time"):
        flightcheck.read(path)
    tracks = flightcheck.read(path, skip_bad=True)
    assert tracks.df["row"].tolist() == [2]
    dropped = tracks.inputs[0].dropped
    assert (
        dropped[
            "bad record: unreadable time (expected Unix seconds or ISO 8601 such as "
            "2025-10-09T08:53:20Z)"
        ]
        == 1
    )
    assert (
        dropped[
            "bad record: icao24 is not a 6-digit hex address (leading zeros lost in a spreadsheet?)"
        ]
        == 1
    )
    assert dropped["bad record: unreadable number in the alt_ft column"] == 1


def test_sniff_leaves_other_formats_and_non_tracks_alone():
    opensky_header = (
        b"time,icao24,lat,lon,velocity,heading,vertrate,callsign,onground,"
        b"alert,spi,squawk,baroaltitude,geoaltitude,lastposupdate,lastcontact\n"
    )
    assert plaincsv.sniff(opensky_header, "s.csv") is None
    assert detect(opensky_header, "s.csv")[0] == "opensky-csv"
    assert plaincsv.sniff(b"MSG,3,1,1,4CA9C1,1,2025/10/09,08:53:19.000\n", "x") is None
    assert plaincsv.sniff(b"a,b,c\n1,2,3\n", "x") is None
    assert plaincsv.sniff(b"not a track\n", "x") is None
    fr24 = b"Timestamp,UTC,Callsign,Position,Altitude,Speed,Direction\n"
    assert plaincsv.sniff(fr24, "x") is None


def test_base_name_and_units():
    assert plaincsv.base_name("Altitude (m)") == "altitude"
    assert plaincsv.base_name("speed_kmh") == "speed"
    assert plaincsv.base_name(" Ground Speed ") == "ground_speed"
    assert plaincsv.match_columns(["UTC", "Lat", "Long", "alt_m"]) == {
        "time": "UTC",
        "lat": "Lat",
        "lon": "Long",
        "alt_ft": "alt_m",
    }
    assert np.isclose(plaincsv._unit_factor("alt_ft", "alt_m"), 1 / 0.3048)
    assert plaincsv._unit_factor("alt_ft", "alt_mean") == 1.0
    assert plaincsv._unit_factor("gs_kt", "velocity") == 1.0
