"""Raw Mode S / ADS-B reader: AVR, timestamped CSV and Beast through pyModeS.

Documented examples are from "The 1090 Megahertz Riddle" (Junzi Sun), the book behind
pyModeS. A small encoder (CRC + CPR, tests/modes_encoder.py) builds a synthetic flight to
check the full track.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from modes_encoder import (
    all_call,
    bds20,
    bds40,
    commb,
    position_msg,
    surveillance,
    synthetic_flight,
    velocity_msg,
)
from modes_encoder import callsign_bits as _callsign_bits
from modes_encoder import frame as _frame

import flightcheck
from flightcheck import io
from flightcheck.errors import InputError
from flightcheck.io import modes
from flightcheck.io.context import ReadContext, ReadOptions
from flightcheck.io.read import read_one

EVEN = "8D40621D58C382D690C8AC2863A7"  # 1090 Riddle: even frame, t = 1457996402
ODD = "8D40621D58C386435CC412692AD6"  # odd frame, t = 1457996400 -> 52.2572 N 3.91937 E 38000 ft
IDENT = "8D4840D6202CC371C32CE0576098"  # identification of 4840D6: KLM1023
VELOCITY = "8D485020994409940838175B284F"  # 485020: 159 kt, 182.88 deg, -832 ft/min
START = datetime(2016, 3, 14, 23, 0, 0, tzinfo=UTC)


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
    lines = [
        f"<000000000000A0{ODD};",
        "<00000000100040 7700;".replace(" ", ""),
        f"<0000017D7840A0{EVEN};",
    ]  # 25,000,000 ticks later = 2.08 s
    out, ctx = _read("\n".join(lines).encode(), "avr", start_time=START)
    assert ctx.dropped["Mode A/C reply (no address)"] == 1
    assert out[out["row"] == 3].iloc[0]["lat"] == pytest.approx(52.2572, abs=1e-4)


def _beast_frame(tick: int, msg: str) -> bytes:
    kind = b"3" if len(msg) == 28 else b"2"
    body = tick.to_bytes(6, "big") + b"\x80" + bytes.fromhex(msg)
    return b"\x1a" + kind + body.replace(b"\x1a", b"\x1a\x1a")


def test_beast_frames_with_escaped_1a_and_unknown_types():
    ticks = [0x1A1A00000000, 0x1A1A00000000 + 24_000_000]  # counters holding 0x1A bytes
    data = (
        _beast_frame(ticks[0], ODD)
        + b"\x1a4"
        + b"\x00" * 9  # status frame: skipped
        + _beast_frame(ticks[1], EVEN)
        + _beast_frame(ticks[1] + 100, IDENT)
    )
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
    (tmp_path / "capture.txt").write_text("\n".join(f"{t:.6f},{m}" for t, m in flight) + "\n")
    tracks = flightcheck.read(tmp_path / "capture.txt")
    assert tracks.inputs[0].format == "modes-csv"
    assert len(tracks.df) >= 18 and (tracks.df["icao24"] == "010075").all()
    avr = tmp_path / "raw.avr"
    avr.write_text("\n".join(f"@{int((t - flight[0][0]) * 12e6):012X}{m};" for t, m in flight))
    table, record = read_one(str(avr), ReadOptions(start_time=START))
    assert record.format == "avr" and len(table) >= 18
    assert io.detect(avr.read_bytes(), "raw.avr")[0] == "avr"


# --------------------------------------------------------------------------- logger-stamped AVR


@pytest.mark.parametrize("sep", [" ", ",", ", ", "\t"])
def test_avr_with_a_leading_unix_time_is_read_with_that_time(sep):
    flight = synthetic_flight(n=20)
    data = "\n".join(f"{t:.3f}{sep}*{m};" for t, m in flight).encode()
    assert modes.sniff(data, "x") == "avr"
    out, ctx = _read(data, "avr")  # no --start-time needed
    assert len(out) >= 18 and not any("bare AVR" in n for n in ctx.notes)
    sent = {row: t for row, (t, _) in enumerate(flight, 1)}
    assert out["time"].tolist() == pytest.approx([sent[r] for r in out["row"]], abs=1e-6)


def test_avr_millisecond_stamps_and_an_unstamped_line():
    flight = synthetic_flight(n=20)
    lines = [f"{round(t * 1000)} *{m};" for t, m in flight]
    out, _ = _read("\n".join(lines).encode(), "avr")
    assert out["time"].min() == pytest.approx(flight[0][0], abs=1e-3)
    lines[4] = lines[4].split(" ", 1)[1]
    with pytest.raises(InputError, match="record 5: AVR line without the Unix time"):
        _read("\n".join(lines).encode(), "avr")
    out, ctx = _read("\n".join(lines).encode(), "avr", skip_bad=True)
    assert ctx.dropped[
        "bad record: AVR line without the Unix time the other lines of this log carry"
    ] == 1 and 5 not in set(out["row"])


# --------------------------------------------------------------------------- counter time notes


def _beast(flight: list[tuple[float, str]], ticks: list[int]) -> bytes:
    return b"".join(_beast_frame(k, m) for k, (_, m) in zip(ticks, flight, strict=True))


def test_frames_slightly_out_of_order_are_reordered_not_called_a_restart():
    flight = synthetic_flight(n=40)
    ticks = [int((t - flight[0][0]) * 12e6) for t, _ in flight]
    late = list(range(5, len(ticks), 7))
    for i in late:  # each of these frames reaches the output 0.5 s after its successor
        ticks[i], ticks[i + 1] = ticks[i + 1], ticks[i]
        flight[i], flight[i + 1] = flight[i + 1], flight[i]
    steps = np.diff(ticks)
    assert steps.min() < 0 and -steps.min() / 12e6 <= 0.5
    out, ctx = _read(_beast(flight, ticks), "beast", start_time=START)
    assert not any("restart" in n for n in ctx.notes)
    assert any(n.startswith(f"{len(late)} frames arrived out of counter order") for n in ctx.notes)
    assert len(out) >= 38
    # each frame keeps its own counter time and frame number
    expected = {i + 1: START.timestamp() + k / 12e6 for i, k in enumerate(ticks)}
    assert out["time"].tolist() == pytest.approx([expected[r] for r in out["row"]], abs=1e-6)


def test_a_real_counter_reset_is_reported_once():
    flight = synthetic_flight(n=40)
    ticks = [int((t - flight[0][0]) * 12e6) + 600 * 12_000_000 for t, _ in flight]
    half = len(ticks) // 2
    ticks[half:] = [k - ticks[half] + 1000 for k in ticks[half:]]  # restart: counter near 0
    _, ctx = _read(_beast(flight, ticks), "beast", start_time=START)
    resets = [n for n in ctx.notes if "restart" in n]
    assert len(resets) == 1 and "more than 5 s 1 times" in resets[0]
    assert not any("out of counter order" in n for n in ctx.notes)


def test_a_counter_wrap_is_unwrapped():
    flight = synthetic_flight(n=40)
    base = (1 << 48) - 6_000_000  # half a second before the wrap
    ticks = [(base + int((t - flight[0][0]) * 12e6)) % (1 << 48) for t, _ in flight]
    out, ctx = _read(_beast(flight, ticks), "beast", start_time=START)
    assert any("wrapped 1 times" in n for n in ctx.notes)
    assert not any("restart" in n for n in ctx.notes)
    elapsed = out["time"].to_numpy() - START.timestamp()
    k = out["row"].to_numpy() - 1
    np.testing.assert_allclose(
        elapsed, np.array([t for t, _ in flight])[k] - flight[0][0], atol=1e-6
    )


# --------------------------------------------------------------------------- Comm-B, presence


def test_comm_b_callsign_and_presence_of_addresses_without_positions():
    flight = synthetic_flight(n=20)
    t0 = flight[0][0]
    extra = [
        (t0 - 1.0, commb(0x010075, bds20("MSR123"))),  # callsign by Comm-B only
        (t0 + 0.2, commb(0x4840D6, bds40(24000), 30000)),  # 4840d6: never a position
        (t0 + 3.0, surveillance(0x4840D6, 30500)),
        (t0 + 4.5, commb(0x4840D6, bds20("KLM1023"), 31000, df=20)),
        (t0 + 5.0, all_call(0x4840D6)),
    ]
    lines = sorted(flight + extra)
    out, ctx = _read("\n".join(f"{t:.3f} *{m};" for t, m in lines).encode(), "avr")
    assert (out["callsign"] == "MSR123").all() and len(out) >= 18
    pres = ctx.presence.set_index("icao24")
    assert sorted(pres.index) == ["010075", "4840d6"]
    ac = pres.loc["010075"]
    assert ac["positions"] == len(out) and ac["address_checked"]
    assert ac["adsb_messages"] == len(flight) and ac["reply_messages"] == 1
    assert ac["callsign"] == "MSR123" and ac["alt_min_ft"] == ac["alt_max_ft"] == 35000
    quiet = pres.loc["4840d6"]
    assert (quiet["positions"], quiet["messages"], quiet["reply_messages"]) == (0, 4, 4)
    assert not quiet["address_checked"]
    assert quiet["callsign"] == "KLM1023" and quiet["selected_alt_ft"] == 24000
    assert (quiet["alt_min_ft"], quiet["alt_max_ft"]) == (30000, 31000)
    assert quiet["first"] == pd.Timestamp(round((t0 + 0.2) * 1e6), unit="us", tz="UTC")
    assert quiet["last"] == pd.Timestamp(round((t0 + 5.0) * 1e6), unit="us", tz="UTC")
    rows = {m: i for i, (_, m) in enumerate(lines, 1)}
    assert quiet["first_row"] == rows[extra[1][1]] and quiet["last_row"] == rows[extra[4][1]]


def test_an_address_heard_without_positions_is_carried_into_claims(tmp_path):
    """4840d6 sends only Comm-B and surveillance replies: no position, so no route, but a
    presence claim on it says when and where in the inputs it was heard, and stays
    inconclusive (being in a receiver's range places it nowhere in particular)."""
    from flightcheck.case.model import Claim
    from flightcheck.case.verify import verify
    from flightcheck.routes import build_routes

    flight = synthetic_flight(n=20)
    t0 = flight[0][0]
    extra = [
        (t0 + 0.2, commb(0x4840D6, bds40(24000), 30000)),
        (t0 + 3.0, surveillance(0x4840D6, 30500)),
        (t0 + 5.0, all_call(0x4840D6)),
    ]
    lines = sorted(flight + extra)
    log = tmp_path / "stamped.avr"
    log.write_text("".join(f"{t:.3f} *{m};\n" for t, m in lines))
    tracks = flightcheck.read(log)
    routes = build_routes(tracks)
    assert [r.icao24 for r in routes] == ["010075"]

    def claim(start: float, end: float) -> Claim:
        return Claim(
            id="p",
            kind="presence",
            aircraft="4840D6",
            country="RS",
            start=pd.Timestamp(start, unit="s", tz="UTC"),
            end=pd.Timestamp(end, unit="s", tz="UTC"),
        )

    (v,) = verify([claim(t0 - 60, t0 + 60)], routes.tracks, routes)
    assert v.verdict == "inconclusive"
    (heard,) = [e for e in v.evidence if e["type"] == "heard"]
    rows = {m: i for i, (_, m) in enumerate(lines, 1)}
    assert heard["rows"] == [rows[extra[0][1]], rows[extra[2][1]]]
    assert (heard["messages"], heard["positions"]) == (3, 0)
    assert any("heard in raw Mode S" in r and "stamped.avr rows" in r for r in v.reasons)
    (later,) = verify([claim(t0 + 3600, t0 + 7200)], routes.tracks, routes)
    assert not any(e["type"] == "heard" for e in later.evidence)  # not heard in that window
