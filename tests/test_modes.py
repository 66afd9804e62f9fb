"""Raw Mode S / ADS-B reader: AVR, timestamped CSV and Beast through pyModeS.

Documented examples are from "The 1090 Megahertz Riddle" (Junzi Sun), the book behind
pyModeS. A small encoder (CRC + CPR) below builds a synthetic flight to check the full track.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from pyModeS.util import cprNL

import flightcheck
from flightcheck import io
from flightcheck.errors import InputError
from flightcheck.io import modes
from flightcheck.io.context import ReadContext, ReadOptions
from flightcheck.read import read_one

EVEN = "8D40621D58C382D690C8AC2863A7"  # 1090 Riddle: even frame, t = 1457996402
ODD = "8D40621D58C386435CC412692AD6"  # odd frame, t = 1457996400 -> 52.2572 N 3.91937 E 38000 ft
IDENT = "8D4840D6202CC371C32CE0576098"  # identification of 4840D6: KLM1023
VELOCITY = "8D485020994409940838175B284F"  # 485020: 159 kt, 182.88 deg, -832 ft/min
START = datetime(2016, 3, 14, 23, 0, 0, tzinfo=UTC)

# --------------------------------------------------------------------------- encoder

_GENERATOR = 0x1FFF409


def _crc(bits88: int) -> int:
    """Mode S parity of the first 88 bits (24-bit remainder, generator 0x1FFF409)."""
    value = bits88 << 24
    for shift in range(111, 23, -1):
        if value >> shift & 1:
            value ^= _GENERATOR << (shift - 24)
    return value & 0xFFFFFF


def _frame(icao: int, me: int, df: int = 17, ca: int = 5) -> str:
    head = (df << 83) | (ca << 80) | (icao << 56) | me
    return f"{(head << 24) | _crc(head):028X}"


def _cpr(lat: float, lon: float, odd: int) -> tuple[int, int]:
    dlat = 360.0 / (60 - odd)
    yz = math.floor(2**17 * (lat % dlat) / dlat + 0.5)
    rlat = dlat * (yz / 2**17 + math.floor(lat / dlat))
    dlon = 360.0 / max(cprNL(rlat) - odd, 1)
    xz = math.floor(2**17 * (lon % dlon) / dlon + 0.5)
    return yz & 0x1FFFF, xz & 0x1FFFF


def position_msg(icao: int, lat: float, lon: float, alt_ft: float, odd: int) -> str:
    """DF17 TC 11 airborne position (barometric altitude, 25 ft steps)."""
    n = int(round((alt_ft + 1000) / 25))
    alt = ((n & 0x7F0) << 1) | 0x10 | (n & 0xF)
    yz, xz = _cpr(lat, lon, odd)
    me = (11 << 51) | (alt << 36) | (odd << 34) | (yz << 17) | xz
    return _frame(icao, me)


def velocity_msg(icao: int, east_kt: int, north_kt: int, vr_fpm: int) -> str:
    """DF17 TC 19 subtype 1 ground speed (east/north components in knots)."""
    dew, vew = (1 if east_kt < 0 else 0), abs(east_kt) + 1
    dns, vns = (1 if north_kt < 0 else 0), abs(north_kt) + 1
    svr, vr = (1 if vr_fpm < 0 else 0), abs(vr_fpm) // 64 + 1
    me = ((19 << 51) | (1 << 48) | (dew << 42) | (vew << 32) | (dns << 31) | (vns << 21)
          | (1 << 20) | (svr << 19) | (vr << 10))
    return _frame(icao, me)


def synthetic_flight(icao: int = 0x010075, n: int = 120, t0: float = 1_760_000_000.0,
                     lat0: float = 30.0, lon0: float = 31.0) -> list[tuple[float, str]]:
    """(Unix s, hex) of an aircraft flying due north at 360 kt: positions every 0.5 s
    alternating even/odd, a velocity message every second."""
    out = []
    for k in range(n):
        t = t0 + 0.5 * k
        lat = lat0 + (360 / 3600 * 0.5 * k) / 60.0
        out.append((t, position_msg(icao, lat, lon0, 35000, k % 2)))
        if k % 2:
            out.append((t + 0.01, velocity_msg(icao, 0, 360, -640)))
    return out


def _read(data: bytes, fmt: str, **options) -> tuple:
    ctx = ReadContext(path="test", options=ReadOptions(**options))
    return modes.read(data, ctx, fmt), ctx


# --------------------------------------------------------------------------- tests

def test_encoder_round_trips_through_pymodes():
    import pyModeS

    d = pyModeS.decode(position_msg(0x010075, 30.0, 31.0, 35000, 0))
    assert d["crc_valid"] and d["altitude"] == 35000 and d["icao"] == "010075"
    v = pyModeS.decode(velocity_msg(0x010075, 0, 360, -640))
    assert v["groundspeed"] == 360 and v["track"] == pytest.approx(0.0)
    assert v["vertical_rate"] == -640


def test_csv_documented_pair_gives_documented_position():
    # pyModeS sample CSV style: ts,msg,icao,typecode; odd first, even 2 s later.
    lines = ["ts,msg,icao,tc", f"1457996400,{ODD},40621D,11", f"1457996402,{EVEN},40621D,11"]
    out, ctx = _read("\n".join(lines).encode(), "modes-csv")
    even = out[out["row"] == 3].iloc[0]  # the newer frame of the pair holds the documented fix
    assert even["lat"] == pytest.approx(52.25720, abs=1e-4)
    assert even["lon"] == pytest.approx(3.91937, abs=1e-4)
    assert even["alt_ft"] == 38000 and even["icao24"] == "40621d"
    # The odd frame, 2 s older, keeps its own position (not the pair's newer one).
    odd = out[out["row"] == 2].iloc[0]
    assert odd["lat"] == pytest.approx(52.2658, abs=1e-4) and ctx.records == 2


def test_synthetic_flight_from_csv_carries_velocity_and_callsign():
    flight = synthetic_flight()
    ident = _frame(0x010075, (4 << 51) | _callsign_bits("EGY1076"))
    lines = [f"{flight[0][0] - 1:.3f},{ident}"] + [f"{t:.3f},{m}" for t, m in flight]
    out, ctx = _read("\n".join(lines).encode(), "modes-csv")
    n_pos = 120
    # Bootstrap holds the first fixes back until three agree, then fills them in.
    assert len(out) >= n_pos - 2
    truth_lat = 30.0 + (360 / 3600 * 0.5 * np.arange(n_pos)) / 60.0
    k = ((out["time"].to_numpy() - 1_760_000_000.0) / 0.5).round().astype(int)
    assert np.abs(out["lat"].to_numpy() - truth_lat[k]).max() < 2e-4
    assert np.abs(out["lon"].to_numpy() - 31.0).max() < 2e-4
    assert (out["alt_ft"] == 35000).all()
    later = out[out["time"] > 1_760_000_001.5]
    assert (later["gs_kt"] == 360).all() and (later["vrate_fpm"] == -640).all()
    assert (out["callsign"] == "EGY1076").all()
    assert (out["position_source"] == "adsb").all()
    assert ctx.dropped["ADS-B identification/velocity (merged into position rows)"] == 61


def _callsign_bits(text: str) -> int:
    table = "#ABCDEFGHIJKLMNOPQRSTUVWXYZ##### ###############0123456789######"
    bits = 0
    for ch in text.ljust(8):
        bits = (bits << 6) | table.index(ch)
    return bits


def test_bad_crc_is_counted_not_fatal():
    flight = synthetic_flight(n=20)
    corrupt = flight[5][1][:-1] + ("0" if flight[5][1][-1] != "0" else "1")
    lines = [f"{t:.3f},{m}" for t, m in flight] + [f"{flight[-1][0] + 1:.3f},{corrupt}"]
    out, ctx = _read("\n".join(lines).encode(), "modes-csv")
    assert ctx.dropped["bad CRC"] == 1
    assert len(out) >= 18


def test_avr_counter_times_need_start_time():
    flight = synthetic_flight(n=20)
    lines = [f"@{int((t - flight[0][0]) * 12e6) + 5000:012X}{m};" for t, m in flight]
    data = "\n".join(lines).encode()
    assert modes.sniff(data, "x") == "avr"
    with pytest.raises(InputError, match="--start-time"):
        _read(data, "avr")
    out, _ = _read(data, "avr", start_time=START)
    assert len(out) >= 18
    elapsed = (out["time"] - START.timestamp()).to_numpy()
    k = out["row"].to_numpy() - 1
    expected = np.array([t for t, _ in flight])[k] - flight[0][0]
    np.testing.assert_allclose(elapsed, expected, atol=1e-6)


def test_bare_avr_requires_start_time_and_stamps_it():
    data = f"*{ODD};\n*{EVEN};\n*{IDENT};\n".encode()
    assert modes.sniff(data, "x") == "avr"
    with pytest.raises(InputError, match="bare AVR log has no wall-clock time"):
        _read(data, "avr")
    out, ctx = _read(data, "avr", start_time=START)
    assert len(out) >= 1
    assert (out["time"] == START.timestamp()).all()
    assert out[out["row"] == 2].iloc[0]["lat"] == pytest.approx(52.2572, abs=1e-4)
    assert any("bare AVR" in n for n in ctx.notes)


def test_avr_signal_variant_and_mode_ac_lines():
    lines = [f"<000000000000A0{ODD};", "<00000000100040 7700;".replace(" ", ""),
             f"<0000017D7840A0{EVEN};"]  # 25,000,000 ticks later = 2.08 s
    out, ctx = _read("\n".join(lines).encode(), "avr", start_time=START)
    assert ctx.dropped["Mode A/C reply (no address)"] == 1
    assert out[out["row"] == 3].iloc[0]["lat"] == pytest.approx(52.2572, abs=1e-4)


def _beast_frame(tick: int, msg: str) -> bytes:
    kind = b"3" if len(msg) == 28 else b"2"
    body = tick.to_bytes(6, "big") + b"\x80" + bytes.fromhex(msg)
    return b"\x1a" + kind + body.replace(b"\x1a", b"\x1a\x1a")


def test_beast_frames_with_escaped_1a_and_unknown_types():
    ticks = [0x1A1A00000000, 0x1A1A00000000 + 24_000_000]  # counters holding 0x1A bytes
    data = (_beast_frame(ticks[0], ODD) + b"\x1a4" + b"\x00" * 9  # status frame: skipped
            + _beast_frame(ticks[1], EVEN) + _beast_frame(ticks[1] + 100, IDENT))
    assert data.count(b"\x1a\x1a") >= 2
    assert modes.sniff(data, "x") == "beast"
    with pytest.raises(InputError, match="--start-time"):
        _read(data, "beast")
    out, ctx = _read(data, "beast", start_time=START)
    assert ctx.records == 3
    assert ctx.dropped["Beast frame of another type (status, receiver id, extensions)"] == 1
    assert out[out["row"] == 3].iloc[0]["lat"] == pytest.approx(52.2572, abs=1e-4)
    assert set(out["row"]) == {1, 3}
    assert out["time"].max() == pytest.approx(START.timestamp() + 2.0)


def test_sniffers_do_not_claim_other_text():
    assert modes.sniff(b"time,icao24,lat,lon\n1760000000,010075,30,31\n", "x") is None
    assert modes.sniff(b"*hello;\n", "x") is None
    assert modes.sniff(b"MSG,3,1,1,010075,1,,,,,,,,,,,,,,,\n", "x") is None
    assert modes.sniff(b"\x1a\x33\x00", "x") is None


def test_flightcheck_read_sniffs_avr_and_csv(tmp_path):
    flight = synthetic_flight(n=20)
    (tmp_path / "capture.txt").write_text(
        "\n".join(f"{t:.6f},{m}" for t, m in flight) + "\n")
    tracks = flightcheck.read(tmp_path / "capture.txt")
    assert tracks.inputs[0].format == "modes-csv"
    assert len(tracks.df) >= 18 and (tracks.df["icao24"] == "010075").all()
    avr = tmp_path / "raw.avr"
    avr.write_text("\n".join(f"@{int((t - flight[0][0]) * 12e6):012X}{m};" for t, m in flight))
    table, record = read_one(str(avr), ReadOptions(start_time=START))
    assert record.format == "avr" and len(table) >= 18
    assert io.detect(avr.read_bytes(), "raw.avr")[0] == "avr"
