"""OpenSky raw-message tables (``mintime, rawmsg, icao24``, optionally ``maxtime, msgcount,
serials``) as parquet and CSV, decoded with pyModeS; presence of addresses without positions.

Fixtures are generated with the Mode S encoder in tests/modes_encoder.py, laid out like
OpenSky's ``rollcall_replies_data4`` / ``position_data4`` tables.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from modes_encoder import all_call, bds20, bds40, commb, ident_msg, surveillance, synthetic_flight
from readhelpers import read_bytes

import flightcheck
from flightcheck.errors import InputError
from flightcheck.io import detect

T0 = 1_760_000_000.0


def _position_table() -> pd.DataFrame:
    """010075 flying north (positions), heard by two receivers per message."""
    flight = synthetic_flight(n=40, t0=T0)
    return pd.DataFrame(
        {
            "mintime": [t for t, _ in flight],
            "maxtime": [t + 0.004 for t, _ in flight],
            "msgcount": 2,
            "rawmsg": [m.lower() for _, m in flight],
            "icao24": "010075",
            "serials": [[1234, 5678]] * len(flight),
        }
    )


def _commb_table() -> pd.DataFrame:
    """4840d6 heard only in roll-call replies: Comm-B (BDS 2,0, 4,0) and DF4 altitudes."""
    msgs = [
        commb(0x4840D6, bds20("KLM1023"), 36000),
        surveillance(0x4840D6, 35975),
        commb(0x4840D6, bds40(24000), 35000),
        all_call(0x4840D6),
        commb(0x4840D6, bds40(12000), 24500),
    ]
    times = [T0 + 60, T0 + 70, T0 + 300, T0 + 310, T0 + 900]
    return pd.DataFrame(
        {
            "mintime": times,
            "maxtime": [t + 1.5 for t in times],
            "msgcount": [3, 1, 4, 2, 5],
            "rawmsg": msgs,
            "icao24": "4840d6",
            "serials": [[99]] * 5,
        }
    )


def _parquet(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buf)
    return buf.getvalue()


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.drop(columns=["serials"]).to_csv(index=False).encode()


@pytest.mark.parametrize("container", ["parquet", "csv"])
def test_positions_and_presence_from_a_raw_table(tmp_path, container):
    frame = pd.concat([_position_table(), _commb_table()], ignore_index=True)
    frame = frame.sample(frac=1.0, random_state=7).reset_index(drop=True)  # any row order
    data = _parquet(frame) if container == "parquet" else _csv(frame)
    tracks = read_bytes(tmp_path, data, f"raw.{container}")
    rec = tracks.inputs[0]
    assert rec.format == "opensky-rawmsg" and rec.records == len(frame)
    df = tracks.df
    assert set(df["icao24"]) == {"010075"} and len(df) >= 36
    truth = 30.0 + (360 / 3600 * (df["time"].astype("int64") / 1e9 - T0)) / 60.0
    assert np.abs(df["lat"].to_numpy() - truth.to_numpy()).max() < 2e-4
    first_line = 2 if container == "csv" else 1
    source_rows = frame.index.to_numpy() + first_line
    assert set(df["row"]) <= set(source_rows)
    pres = tracks.presence.set_index("icao24")
    assert sorted(pres.index) == ["010075", "4840d6"]
    assert (pres["source"] == rec.path).all()
    ac = pres.loc["010075"]
    assert ac["messages"] == 2 * len(_position_table())  # msgcount 2 each
    assert ac["positions"] == len(df) and ac["address_checked"]
    quiet = pres.loc["4840d6"]
    assert (quiet["messages"], quiet["positions"], quiet["address_checked"]) == (15, 0, False)
    assert quiet["first"] == pd.Timestamp(T0 + 60, unit="s", tz="UTC")
    assert quiet["last"] == pd.Timestamp(T0 + 901.5, unit="s", tz="UTC")  # maxtime
    assert quiet["callsign"] == "KLM1023" and quiet["selected_alt_ft"] == 12000
    assert (quiet["alt_min_ft"], quiet["alt_max_ft"]) == (24500, 36000)
    row_of = dict(zip(frame["rawmsg"], source_rows, strict=True))
    commb_msgs = _commb_table()["rawmsg"]
    assert (quiet["first_row"], quiet["last_row"]) == (row_of[commb_msgs[0]], row_of[commb_msgs[4]])


def test_comm_b_only_capture_gives_presence_not_an_error(tmp_path):
    tracks = read_bytes(tmp_path, _parquet(_commb_table()), "rollcall.parquet")
    assert len(tracks.df) == 0 and tracks.inputs[0].format == "opensky-rawmsg"
    assert tracks.presence["icao24"].tolist() == ["4840d6"]
    assert tracks.inputs[0].dropped["Mode S reply other than DF17/18 (no position)"] == 5


def test_presence_follows_aircraft_and_between_filters(tmp_path):
    frame = pd.concat([_position_table(), _commb_table()], ignore_index=True)
    tracks = read_bytes(tmp_path, _parquet(frame), "raw.parquet")
    assert tracks.aircraft("4840D6").presence["icao24"].tolist() == ["4840d6"]
    window = tracks.between(
        pd.Timestamp(T0 + 400, unit="s", tz="UTC"), pd.Timestamp(T0 + 500, unit="s", tz="UTC")
    )
    assert window.presence["icao24"].tolist() == ["4840d6"]  # heard 60 s..901.5 s
    late = tracks.between(pd.Timestamp(T0 + 1000, unit="s", tz="UTC"))
    assert late.presence.empty


def test_timestamp_types_of_mintime(tmp_path):
    frame = _commb_table()
    frame["mintime"] = pd.to_datetime(frame["mintime"], unit="s", utc=True)
    frame["maxtime"] = (frame["maxtime"] * 1000).astype("int64")  # milliseconds
    tracks = read_bytes(tmp_path, _parquet(frame), "raw.parquet")
    quiet = tracks.presence.iloc[0]
    assert quiet["first"] == pd.Timestamp(T0 + 60, unit="s", tz="UTC")
    assert quiet["last"] == pd.Timestamp(T0 + 901.5, unit="s", tz="UTC")


def test_address_disagreement_is_noted_and_the_crc_checked_one_wins(tmp_path):
    frame = _position_table()
    frame.loc[:4, "icao24"] = "abcdef"
    tracks = read_bytes(tmp_path, _csv(frame), "raw.csv")
    assert set(tracks.df["icao24"]) == {"010075"}
    assert any(
        n.startswith("5 DF17/18 messages carry an address other than their icao24")
        for n in tracks.inputs[0].notes
    )


def test_bad_records_name_the_line(tmp_path):
    frame = _commb_table()
    frame.loc[2, "rawmsg"] = "8D4840D6"
    path = tmp_path / "bad.csv"
    path.write_bytes(_csv(frame))
    with pytest.raises(InputError, match=r"bad.csv: record 4: rawmsg is not a 14- or 28-digit"):
        flightcheck.read(path)
    tracks = flightcheck.read(path, skip_bad=True)
    assert tracks.presence.iloc[0]["messages"] == 11
    frame.loc[2, "rawmsg"] = ident_msg(0x4840D6, "KLM1023")
    frame.loc[3, "msgcount"] = 0
    path.write_bytes(_csv(frame))
    with pytest.raises(InputError, match="record 5: msgcount below 1"):
        flightcheck.read(path)


def test_sniffing_csv_and_parquet(tmp_path):
    assert detect(_csv(_commb_table()), "x")[0] == "opensky-rawmsg"
    # the parquet head does not name its columns: the OpenSky reader looks at the footer
    assert detect(_parquet(_commb_table()), "x")[0] == "opensky-parquet"
    tracks = read_bytes(tmp_path, _parquet(_commb_table()), "raw.parquet", format="opensky-rawmsg")
    assert tracks.inputs[0].format == "opensky-rawmsg"
    path = tmp_path / "nothing.parquet"
    path.write_bytes(_parquet(pd.DataFrame({"a": [1], "b": ["x"]})))
    with pytest.raises(InputError, match="not an OpenSky raw-message table: no mintime, rawmsg"):
        flightcheck.read(path, format="opensky-rawmsg")


def test_inspect_shows_the_presence_table(tmp_path):
    import json

    from click.testing import CliRunner

    from flightcheck.cli import main

    path = tmp_path / "raw.parquet"
    path.write_bytes(_parquet(pd.concat([_position_table(), _commb_table()], ignore_index=True)))
    res = CliRunner().invoke(main, ["inspect", str(path), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [a["icao24"] for a in out["aircraft"]] == ["010075"]
    quiet = [p for p in out["presence"] if p["icao24"] == "4840d6"][0]
    assert quiet == {
        "icao24": "4840d6",
        "first": "2025-10-09T08:54:20Z",
        "last": "2025-10-09T09:08:21.500Z",
        "messages": 15,
        "adsb_messages": 0,
        "reply_messages": 15,
        "positions": 0,
        "address_checked": False,
        "callsign": "KLM1023",
        "alt_min_ft": 24500.0,
        "alt_max_ft": 36000.0,
        "selected_alt_ft": 12000.0,
        "source": str(path),
        "rows": [61, 65],
    }
    res = CliRunner().invoke(main, ["inspect", str(path)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "Heard in raw Mode S" in res.stdout
    line = [ln for ln in res.stdout.splitlines() if "4840d6" in ln][0]
    assert "KLM1023" in line and "from parity" in line and "12,000" in line
