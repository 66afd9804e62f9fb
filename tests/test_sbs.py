"""SBS-1 / BaseStation port-30003 logs: carry-forward per aircraft, time zones, junk, errors."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest
from readhelpers import by_row, read_bytes

import flightcheck
from flightcheck.errors import InputError, UsageError
from flightcheck.io import sbs


def msg(
    tx,
    hexid,
    date,
    time,
    callsign="",
    alt="",
    gs="",
    track="",
    lat="",
    lon="",
    vrate="",
    squawk="",
    flags=("0", "0", "0"),
    ground="0",
):
    """One MSG line the way readsb writes it (22 fields; logged = generated time)."""
    fields = [
        "MSG",
        str(tx),
        "1",
        "1",
        hexid,
        "1",
        date,
        time,
        date,
        time,
        callsign,
        alt,
        gs,
        track,
        lat,
        lon,
        vrate,
        squawk,
        *flags,
        ground,
    ]
    return ",".join(fields)


D = "2025/10/09"
LINES = [
    msg(1, "4CA9C1", D, "08:53:18.000", callsign="RYR4TX"),  # 1
    msg(4, "4CA9C1", D, "08:53:18.400", gs="450", track="134.2", vrate="-1280"),  # 2
    msg(3, "4CA9C1", D, "08:53:19.000", alt="36000", lat="45.1012", lon="19.8034"),  # 3
    msg(3, "4CA9C1", D, "08:53:19.000", alt="36000", lat="45.1012", lon="19.8034"),  # 4 dup
    msg(
        2,
        "010075",
        D,
        "08:53:19.500",
        gs="8",
        track="118",
        lat="44.9351",
        lon="20.2581",
        flags=("", "", ""),
        ground="-1",
    ),  # 5
    msg(1, "010075", D, "08:53:20.000", callsign="EGY1076"),  # 6
    msg(6, "010075", D, "08:53:20.100", squawk="1000"),  # 7
    msg(
        2,
        "010075",
        D,
        "08:53:21.000",
        gs="9",
        track="118",
        lat="44.9352",
        lon="20.2582",
        flags=("", "", ""),
        ground="",
    ),  # 8
    msg(3, "4CA9C1", D, "08:53:29.000", alt="36025H", lat="45.0801", lon="19.8301"),  # 9
    msg(4, "010075", D, "08:55:00.000", gs="150", track="118", vrate="2000"),  # 10
    msg(3, "010075", D, "08:55:01.000", alt="1200", lat="44.9411", lon="20.2722"),  # 11
    msg(3, "4CA9C1", D, "08:55:30.000", alt="36000", lat="44.9002", lon="20.1501"),  # 12
    "AIR,,1,1,4CA9C1,1,2025/10/09,08:55:30.000,2025/10/09,08:55:30.000",  # 13
    "",  # 14
    "Total messages: 12 (capture stopped)",  # 15
]
LOG = ("\r\n".join(LINES) + "\r\n").encode()


def read_log(tmp_path, data=LOG, name="capture.sbs", **kw):
    return read_bytes(tmp_path, data, name, **kw)


def test_positions_with_carried_callsign_speed_and_squawk(tmp_path):
    tracks = read_log(tmp_path)
    rec = tracks.inputs[0]
    assert (rec.format, rec.reader) == ("sbs", "flightcheck.io.sbs")
    assert rec.records == 14  # non-blank lines
    assert dict(rec.dropped) == {"duplicate line": 1, "not an SBS message": 1}
    df = by_row(tracks)
    assert df.index.tolist() == [3, 5, 8, 9, 11, 12]
    assert df.loc[3, "icao24"] == "4ca9c1" and df.loc[5, "icao24"] == "010075"
    assert df.loc[3, "time"] == pd.Timestamp("2025-10-09T08:53:19Z")
    # MSG 1 callsign and MSG 4 velocity carried onto the later MSG 3 of the same aircraft
    assert df.loc[3, "callsign"] == "RYR4TX"
    assert (df.loc[3, "gs_kt"], df.loc[3, "track_deg"], df.loc[3, "vrate_fpm"]) == (
        450.0,
        134.2,
        -1280.0,
    )
    assert df.loc[3, "alt_ft"] == 36000.0 and not df.loc[3, "on_ground"]
    # the other aircraft's messages never leak across
    assert df.loc[8, "callsign"] == "EGY1076" and df.loc[8, "squawk"] == "1000"
    assert df.loc[8, "gs_kt"] == 9.0 and np.isnan(df.loc[8, "vrate_fpm"])
    # callsign arrived after line 5: carried backward only by track.clean, within the aircraft
    assert df.loc[5, "callsign"] == "EGY1076"
    assert pd.isna(df.loc[5, "squawk"])
    assert set(df["position_source"]) == {"unknown"}


def test_surface_messages_are_on_ground_and_gnss_altitude_is_geometric(tmp_path):
    df = by_row(read_log(tmp_path))
    assert df.loc[5, "on_ground"] and df.loc[8, "on_ground"]  # MSG 2: surface, field 22 or not
    assert not df.loc[11, "on_ground"]
    assert np.isnan(df.loc[9, "alt_ft"]) and df.loc[9, "alt_geom_ft"] == 36025.0
    assert df.loc[11, "alt_ft"] == 1200.0 and np.isnan(df.loc[11, "alt_geom_ft"])


def test_velocity_is_carried_only_for_60_seconds(tmp_path):
    df = by_row(read_log(tmp_path))
    assert df.loc[9, "gs_kt"] == 450.0  # 10.6 s after the MSG 4
    assert df.loc[11, "gs_kt"] == 150.0  # 1 s after its own MSG 4
    assert np.isnan(df.loc[12, "gs_kt"])  # 132 s after the last MSG 4 of 4ca9c1
    assert df.loc[12, "callsign"] == "RYR4TX"  # the callsign still applies


def test_default_utc_adds_a_time_zone_note(tmp_path):
    notes = read_log(tmp_path).inputs[0].notes
    assert any("no time zone" in n and "--tz" in n for n in notes)
    notes = read_log(tmp_path, tz="Europe/Belgrade").inputs[0].notes
    assert not any("no time zone" in n for n in notes)


def test_tz_shifts_local_times_with_daylight_saving(tmp_path):
    summer = read_log(tmp_path, tz="Europe/Belgrade")
    assert by_row(summer).loc[3, "time"] == pd.Timestamp("2025-10-09T06:53:19Z")  # CEST +2
    winter = LOG.replace(b"2025/10/09", b"2025/11/10")
    df = by_row(read_log(tmp_path, winter, "winter.sbs", tz="Europe/Belgrade"))
    assert df.loc[3, "time"] == pd.Timestamp("2025-11-10T07:53:19Z")  # CET +1


def test_autumn_repeated_hour_is_resolved_from_log_order(tmp_path):
    day = "2025/10/26"
    lines = [
        msg(3, "4CA9C1", day, t, alt="36000", lat=f"45.{i}", lon="19.8")
        for i, t in enumerate(
            ["02:40:00.000", "02:59:59.000", "02:10:00.000", "03:05:00.000"], start=1
        )
    ]
    df = by_row(read_log(tmp_path, "\n".join(lines).encode(), tz="Europe/Belgrade"))
    assert df["time"].tolist() == [
        pd.Timestamp("2025-10-26T00:40:00Z"),
        pd.Timestamp("2025-10-26T00:59:59Z"),
        pd.Timestamp("2025-10-26T01:10:00Z"),
        pd.Timestamp("2025-10-26T02:05:00Z"),
    ]


def test_spring_gap_time_is_a_bad_record(tmp_path):
    lines = [
        msg(3, "4CA9C1", "2025/03/30", t, alt="36000", lat="45.1", lon="19.8")
        for t in ("01:59:00.000", "02:30:00.000", "03:01:00.000")
    ]
    path = tmp_path / "spring.sbs"
    path.write_text("\n".join(lines))
    with pytest.raises(InputError, match="record 2: local time does not exist"):
        flightcheck.read(path, tz="Europe/Belgrade")
    tracks = flightcheck.read(path, tz="Europe/Belgrade", skip_bad=True)
    assert len(tracks) == 2
    assert tracks.df["time"].tolist() == [
        pd.Timestamp("2025-03-30T00:59:00Z"),
        pd.Timestamp("2025-03-30T01:01:00Z"),
    ]


def test_unknown_time_zone_is_a_usage_error(tmp_path):
    path = tmp_path / "a.sbs"
    path.write_bytes(LOG)
    with pytest.raises(UsageError, match="unknown time zone 'Europe/Novi_Sad'"):
        flightcheck.read(path, tz="Europe/Novi_Sad")


def test_gzip_and_sniffing(tmp_path):
    tracks = read_log(tmp_path, gzip.compress(LOG), "capture.txt.gz")
    assert (tracks.inputs[0].format, tracks.inputs[0].compressed) == ("sbs", "gzip")
    assert len(tracks) == 6
    banner = b"Connected to 127.0.0.1 port 30003\n" + LOG
    assert sbs.sniff(banner, "x") == "sbs"
    assert sbs.sniff(b"MSG,3,1,1\nhello\nworld\nfoo\n", "x") is None
    assert sbs.sniff(b"time,icao24,lat,lon\n", "x") is None


def test_bad_lines_name_file_and_line(tmp_path):
    short = LOG.replace(
        b"08:53:29.000,,36025H,,,45.0801,19.8301,,,0,0,0,0",
        b"08:53:29.000,,36025H,,,45.0801,19.8301,,,0,0,0",
    )
    path = tmp_path / "short.sbs"
    path.write_bytes(short)
    with pytest.raises(InputError, match="short.sbs: record 9: MSG line does not have 22"):
        flightcheck.read(path)
    tracks = flightcheck.read(path, skip_bad=True)
    assert by_row(tracks).index.tolist() == [3, 5, 8, 11, 12]
    rec = tracks.inputs[0]
    assert rec.dropped["bad record: MSG line does not have 22 comma-separated fields"] == 1

    bad_date = LOG.replace(b"2025/10/09,08:55:01.000", b"2025/13/09,08:55:01.000", 1)
    path.write_bytes(bad_date)
    with pytest.raises(InputError, match="record 11: unreadable generated date/time"):
        flightcheck.read(path)
    path.write_bytes(LOG.replace(b"45.1012", b"45.1O12"))
    with pytest.raises(InputError, match="record 3: unreadable number in field 15"):
        flightcheck.read(path)


def test_only_junk_forced_as_sbs_fails(tmp_path):
    path = tmp_path / "junk.txt"
    path.write_bytes(b"hello\nworld\n")
    with pytest.raises(InputError, match="junk.txt: no SBS messages found"):
        flightcheck.read(path, format="sbs")
