"""FR24 CSV and granular CSV readers: units, times, rows, ground rule, addresses, bad input."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest
from readhelpers import read_one_bytes

import flightcheck
from flightcheck.errors import InputError, UsageError
from flightcheck.io import fr24
from flightcheck.io.pseudo_address import pseudo_address
from flightcheck.track.table import validate

HEADER = "Timestamp,UTC,Callsign,Position,Altitude,Speed,Direction"
# JAL516 RJCC -> RJTT 2024-01-02 (shape of xoolive/traffic tests/fr24/JL516_3376ab31.csv):
# on the ground at New Chitose, climbing, cruise, then the landing roll at Haneda at 0 ft, 123 kt.
ROWS = [
    '1704180180,2024-01-02T07:23:00Z,JAL516,"42.78036,141.68123",0,0,73',
    '1704180220,2024-01-02T07:23:40Z,JAL516,"42.78110,141.68300",0,12,73',
    '1704181263,2024-01-02T07:41:03Z,JAL516,"41.57648,141.66208",26650,401,192',
    '1704185248,2024-01-02T08:47:28Z,JAL516,"35.54,139.80",0,123,334',
]
FR24_CSV = ("\ufeff" + HEADER + "\r\n" + "\r\n".join(ROWS) + "\r\n").encode()

GRANULAR_HEADER = (
    "network_time,receiver_time,hex,callsign,latitude,longitude,no_position,"
    "altitude,squawk,speed,track,vspeed,on_ground,flags,position_class" + "," * 15
)
# Lines modelled on xoolive/traffic tests/fr24/JL516_Flightradar24_ADS-B_data_granular.csv:
# milliseconds after the Z, 0x hex, a no-position row (0,0,N), trailing KEY:value columns of
# varying count, receiver times out of order (several receivers), speed 0 = "not reported".
GRANULAR = (
    "\n".join(
        [
            GRANULAR_HEADER,
            "2024-01-02 07:41:03Z.515,2024-01-02 07:41:02Z.997,0x8467d8,JAL516,41.57648,141.66208,P,"  # noqa: E501
            "26650,416,401,192,1728,A,4,ADS-B,P:8,S:ADS-B,C:25,ES:0,MCPA:40000,MACH:756,GPSA:26075,"
            "TCAS:01,TAS:446,IAS:306,MACH:0.756,HDG:211,ROLL:0.0,OAT:-44 (C),",
            "2024-01-02 07:41:04Z.884,2024-01-02 07:41:04Z.211,0x8467d8,,0,0,N,26675,0,401,192,1728,N,"  # noqa: E501
            "2,ADS-B,P:8,S:ADS-B,C:20,MCPA:40000,MACH:756,GPSA:26100,MACH:0.756,HDG:211,,,,,,,",
            "2024-01-02 08:47:14Z.325,2024-01-02 08:47:11Z.209,0x8467d8,JAL516,35.5388,139.80577,P,75,"  # noqa: E501
            "416,0,329,-704,A,0,ADS-B,P:8,S:ADS-B,C:25,ES:0,GPSA:275,TCAS:01" + "," * 40,
            "2024-01-02 08:47:14Z.362,2024-01-02 08:47:10Z.307,0x8467d8,JAL516,35.53835,139.80612,P,"  # noqa: E501
            "75,0,122,330,-704,A,0,MLAT,P:8,S:ADS-B,C:20,,,,,,,,,,,,",
        ]
    ).encode()
    + b"\n"
)


def _read(tmp_path, data: bytes, name: str, **options):
    return read_one_bytes(tmp_path, data, name, **options)


def test_csv_units_times_rows_and_ground_rule(tmp_path):
    table, record = _read(tmp_path, FR24_CSV, "JL516_3376ab31.csv")
    validate(table)
    assert record.format == "fr24-csv" and record.records == 4
    assert table["time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ").tolist() == [
        "2024-01-02T07:23:00Z",
        "2024-01-02T07:23:40Z",
        "2024-01-02T07:41:03Z",
        "2024-01-02T08:47:28Z",
    ]
    assert str(table["time"].dt.tz) == "UTC"
    assert table["row"].tolist() == [2, 3, 4, 5]  # header is line 1, BOM and CRLF tolerated
    assert table["lat"].tolist() == [42.78036, 42.7811, 41.57648, 35.54]
    assert table["lon"].tolist() == [141.68123, 141.683, 141.66208, 139.80]
    assert table["alt_ft"].tolist() == [0, 0, 26650, 0]
    # 0 ft is FR24's ground marker, even at 123 kt on the landing roll
    assert table["on_ground"].tolist() == [True, True, False, True]
    assert table["gs_kt"].tolist() == [0, 12, 401, 123]
    assert table["track_deg"].tolist() == [73, 73, 192, 334]
    assert set(table["callsign"]) == {"JAL516"}
    assert set(table["position_source"]) == {"unknown"}


def test_csv_pseudo_address_is_stable_and_hex_overrides(tmp_path):
    table, record = _read(tmp_path, FR24_CSV, "JL516_3376ab31.csv")
    address = pseudo_address("fr24:3376ab31")
    assert set(table["icao24"]) == {address} and address.startswith("~") and len(address) == 7
    assert any("pass --hex" in note and address in note for note in record.notes)
    (tmp_path / "gz").mkdir()
    gz_table, _ = _read(tmp_path / "gz", gzip.compress(FR24_CSV), "JL516_3376ab31.csv.gz")
    assert set(gz_table["icao24"]) == {address}  # same flight, compressed: same address
    other, _ = _read(tmp_path, FR24_CSV, "my export.csv")
    assert set(other["icao24"]) == {pseudo_address("file:my export")}
    given, record = _read(tmp_path, FR24_CSV, "JL516_3376ab31.csv", icao24="8467D8")
    assert set(given["icao24"]) == {"8467d8"} and record.notes == []
    with pytest.raises(UsageError, match="--hex"):
        _read(tmp_path, FR24_CSV, "JL516_3376ab31.csv", icao24="JAL516")


def test_sniffing_picks_fr24_readers_plain_and_gzip(tmp_path):
    (tmp_path / "JL516_3376ab31.csv").write_bytes(FR24_CSV)
    (tmp_path / "granular.csv.gz").write_bytes(gzip.compress(GRANULAR))
    tracks = flightcheck.read(tmp_path)
    formats = {i.path.rsplit("/", 1)[-1]: (i.format, i.compressed) for i in tracks.inputs}
    assert formats == {
        "JL516_3376ab31.csv": ("fr24-csv", ""),
        "granular.csv.gz": ("fr24-granular", "gzip"),
    }
    assert fr24.sniff(b"Timestamp,UTC,Callsign,Position,Altitude,Speed\n", "x.csv") is None
    assert fr24.sniff(b"time,icao24,lat,lon\n", "JL516_3376ab31.csv") is None


def test_csv_wrong_header_names_file_and_record(tmp_path):
    data = FR24_CSV.replace(b"Direction", b"Heading")
    with pytest.raises(InputError, match=r"bad\.csv: record 1: not an FR24 CSV"):
        _read(tmp_path, data, "bad.csv", format="fr24-csv")


def test_csv_ragged_line_is_a_bad_record(tmp_path):
    # an unquoted Position splits into two fields: line 4 has 8 fields
    data = FR24_CSV.replace(b'"42.78110,141.68300"', b"42.78110,141.68300")
    with pytest.raises(InputError, match=r"record 3: wrong number of fields: expected 7, found 8"):
        _read(tmp_path, data, "a.csv")
    table, record = _read(tmp_path, data, "a.csv", skip_bad=True)
    assert table["row"].tolist() == [2, 4, 5]
    assert record.dropped == {"bad record: wrong number of fields": 1}


def test_csv_unreadable_values_are_bad_records(tmp_path):
    data = FR24_CSV.replace(b'"41.57648,141.66208"', b'"41.57648;141.66208"')
    data = data.replace(b",0,123,334", b",zero,123,334")
    with pytest.raises(InputError, match=r"record 4: unreadable Position"):
        _read(tmp_path, data, "a.csv")
    table, record = _read(tmp_path, data, "a.csv", skip_bad=True)
    assert table["row"].tolist() == [2, 3]
    assert record.dropped == {
        'bad record: unreadable Position (expected "lat,lon")': 1,
        "bad record: unreadable Altitude (not a number)": 1,
    }


def test_csv_truncated_download_and_empty_position(tmp_path):
    data = FR24_CSV + b'1704185260,2024-01-02T08:47:40Z,JAL516,"35.5'
    with pytest.raises(InputError, match=r"record 6: truncated last line"):
        _read(tmp_path, data, "a.csv")
    table, record = _read(tmp_path, data, "a.csv", skip_bad=True)
    assert len(table) == 4 and record.records == 4
    no_pos = FR24_CSV + b'1704185260,2024-01-02T08:47:40Z,JAL516,"",0,80,334\r\n\r\n'
    table, record = _read(tmp_path, no_pos, "b.csv")
    assert len(table) == 4 and record.dropped == {"no position": 1} and record.records == 5


def test_csv_time_going_back_is_rejected(tmp_path):
    rows = [ROWS[0], ROWS[2], ROWS[1], ROWS[3]]
    data = (HEADER + "\n" + "\n".join(rows) + "\n").encode()
    with pytest.raises(InputError, match="record 4: time goes backwards"):
        _read(tmp_path, data, "a.csv")


def test_csv_all_zero_altitudes_are_unknown_not_ground(tmp_path):
    rows = [r.replace(",26650,", ",0,") for r in ROWS]
    data = (HEADER + "\n" + "\n".join(rows) + "\n").encode()
    table, record = _read(tmp_path, data, "free.csv")
    assert table["alt_ft"].isna().all() and table["on_ground"].isna().all()
    assert any("every altitude is 0" in note for note in record.notes)


def test_csv_timestamp_falls_back_to_utc_column(tmp_path):
    data = FR24_CSV.replace(b"1704181263,", b",")
    table, _ = _read(tmp_path, data, "a.csv")
    assert table["time"].iloc[2] == pd.Timestamp("2024-01-02T07:41:03Z")


def test_split_position_vectorised_and_fallback():
    cells = pd.Series(["35.54,139.80", " 35.5, 139.7 ", "", "abc,1", "1,2,3", None], dtype=object)
    lat, lon, bad = fr24.split_position(cells)
    assert bad.tolist() == [False, False, False, True, True, False]
    assert lat[:2].tolist() == [35.54, 35.5] and lon[:2].tolist() == [139.80, 139.7]
    assert np.isnan(lat[2:]).all()
    odd = pd.Series(['1,"2', "3,4,5,6"], dtype=object)  # defeats the re-parse: fallback
    lat, lon, bad = fr24.split_position(odd)
    assert bad.tolist() == [True, True]


def test_granular_times_hex_units_and_sources(tmp_path):
    table, record = _read(tmp_path, GRANULAR, "JL516_Flightradar24_ADS-B_data_granular.csv")
    validate(table)
    assert record.format == "fr24-granular" and record.records == 4
    assert record.dropped == {"no position": 1}  # 0,0,N row
    # receiver times step back (several receivers): kept, not rejected as "time goes backwards"
    assert table["time"].tolist() == [
        pd.Timestamp("2024-01-02T07:41:02.997Z"),
        pd.Timestamp("2024-01-02T08:47:11.209Z"),
        pd.Timestamp("2024-01-02T08:47:10.307Z"),
    ]
    assert table["row"].tolist() == [2, 4, 5]
    assert set(table["icao24"]) == {"8467d8"}
    assert table["alt_ft"].tolist() == [26650, 75, 75]
    assert table["vrate_fpm"].tolist() == [1728, -704, -704]
    assert table["track_deg"].tolist() == [192, 329, 330]
    gs = table["gs_kt"].tolist()
    assert gs[0] == 401 and np.isnan(gs[1]) and gs[2] == 122  # 0 kt airborne = not reported
    assert table["on_ground"].tolist() == [False, False, False]
    assert table["squawk"].tolist()[:2] == ["0416", "0416"] and pd.isna(table["squawk"].iloc[2])
    assert table["position_source"].tolist() == ["adsb", "adsb", "mlat"]
    assert table["mlat"].tolist() == [False, False, True]
    assert record.notes == []
    tracks = flightcheck.read(tmp_path / "JL516_Flightradar24_ADS-B_data_granular.csv")
    assert tracks.df["row"].tolist() == [2, 5, 4]  # sorted by time after reading


def test_granular_receiver_clock_fault_uses_network_time(tmp_path):
    data = GRANULAR.replace(b"2024-01-02 07:41:02Z.997", b"2024-01-01 07:41:02Z.997")
    table, record = _read(tmp_path, data, "g.csv")
    assert table["time"].iloc[0] == pd.Timestamp("2024-01-02T07:41:03.515Z")
    assert any("receiver clock fault" in note for note in record.notes)


def test_granular_bad_hex_and_bad_header(tmp_path):
    data = GRANULAR.replace(b"0x8467d8,JAL516,35.5388", b"0xZZ67d8,JAL516,35.5388")
    with pytest.raises(InputError, match="record 4: unreadable hex"):
        _read(tmp_path, data, "g.csv")
    table, record = _read(tmp_path, data, "g.csv", skip_bad=True)
    assert len(table) == 2 and sum(record.dropped.values()) == 2
    with pytest.raises(InputError, match="record 1: not an FR24 granular CSV"):
        _read(tmp_path, FR24_CSV, "g.csv", format="fr24-granular")
