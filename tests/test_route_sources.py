"""Sources stay visible after merging (issue 16): a Beast capture with its SBS decode, and
with a logger's stamped AVR of the same frames, are two inputs that saw the same fixes;
``route`` lists both, per leg too, and reconciles them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from modes_encoder import synthetic_flight

import flightcheck
from flightcheck.cli import main
from flightcheck.routes import build_routes
from flightcheck.synth.writers.sbs import sbs_log

FLIGHT = synthetic_flight(n=240)  # 010075 due north at 360 kt, a fix every 0.5 s
T0 = FLIGHT[0][0]
START = datetime.fromtimestamp(T0, UTC)


def _beast_frame(tick: int, msg: str) -> bytes:
    """A Beast binary frame (0x1a, type, 6-byte 12 MHz counter, signal, message; 0x1a
    escaped), as readsb / dump1090 --net-bo-port write them."""
    kind = b"3" if len(msg) == 28 else b"2"
    body = tick.to_bytes(6, "big") + b"\x80" + bytes.fromhex(msg)
    return b"\x1a" + kind + body.replace(b"\x1a", b"\x1a\x1a")


def _beast(path: Path) -> Path:
    path.write_bytes(b"".join(_beast_frame(round((t - T0) * 12e6), m) for t, m in FLIGHT))
    return path


def _sbs_decode(beast: Path, path: Path) -> Path:
    """What a decoder's port 30003 logs for the capture: MSG,3 / MSG,4 lines with the
    decoded fixes, positions to 5 decimals, times to the millisecond."""
    df = flightcheck.read(beast, start_time=START).df
    pts = df.assign(
        time=df["time"].astype("int64") / 1e9,
        on_ground=False,
        callsign="MSR123",
        gs_kt=df["gs_kt"].fillna(360.0),
        track_deg=df["track_deg"].fillna(0.0),
        vrate_fpm=df["vrate_fpm"].fillna(-640.0),
    )
    path.write_bytes(sbs_log(pts))
    return path


def _route(*paths: Path) -> dict:
    res = CliRunner().invoke(
        main, ["route", *map(str, paths), "--start-time", START.isoformat(), "--json"]
    )
    assert res.exit_code == 0, res.output
    (aircraft,) = json.loads(res.stdout)["aircraft"]
    return aircraft


def test_route_lists_a_beast_capture_and_its_sbs_decode_and_reconciles_them(tmp_path):
    beast = _beast(tmp_path / "capture.bin")
    sbs = _sbs_decode(beast, tmp_path / "decoded.sbs")
    route = _route(beast, sbs)
    assert route["sources"] == sorted([str(beast), str(sbs)])
    assert all(set(leg["sources"]) == {str(beast), str(sbs)} for leg in route["legs"])
    (pair,) = route["reconciliation"]["pairs"]
    assert {pair["source_a"], pair["source_b"]} == {str(beast), str(sbs)}
    assert pair["overlap_points"] >= 200
    assert pair["offset_s"] == 0.0
    assert pair["median_distance_m"] < 2.0  # 5 decimals of a degree: about a metre
    # the merged track keeps one fix per moment, naming the report merged into it
    tracks = flightcheck.read([beast, sbs], start_time=START)
    merged = build_routes(tracks).tracks.df
    assert merged["time"].is_unique
    seen = merged["also_seen"].dropna()
    assert len(seen) >= 200 and {s for pairs in seen for s, _ in pairs} == {str(sbs)}


def test_exact_duplicates_of_another_input_still_count_as_its_fixes(tmp_path):
    """A logger's stamped AVR of the same frames decodes to exactly the same fixes:
    cleaning keeps one copy and records the other, and the route still names both."""
    beast = _beast(tmp_path / "capture.bin")
    avr = tmp_path / "capture.avr"
    avr.write_text("".join(f"{t:.3f} *{m};\n" for t, m in FLIGHT))
    tracks = flightcheck.read([beast, avr], start_time=START)
    assert tracks.duplicates == len(tracks.duplicate_reports) >= 200
    assert set(tracks.df["source"]) == {str(beast)}  # the table holds one copy of each
    dup = tracks.duplicate_reports.iloc[0]
    assert dup["source"] == str(avr) and dup["row"] >= 1  # still citable
    route = _route(beast, avr)
    assert route["sources"] == sorted([str(beast), str(avr)])
    (pair,) = route["reconciliation"]["pairs"]
    assert pair["median_distance_m"] == pytest.approx(0.0, abs=1e-6)
    assert pair["offset_s"] == 0.0


def test_route_text_names_both_inputs_and_their_agreement(tmp_path):
    beast = _beast(tmp_path / "capture.bin")
    sbs = _sbs_decode(beast, tmp_path / "decoded.sbs")
    res = CliRunner(env={"COLUMNS": "200"}).invoke(
        main, ["route", str(beast), str(sbs), "--start-time", START.isoformat()]
    )
    assert res.exit_code == 0, res.output
    assert "capture.bin" in res.stdout and "decoded.sbs" in res.stdout
    assert "sources: capture.bin and decoded.sbs: median 0 m apart over" in res.stdout
    assert "clock offset +0.0 s" in res.stdout and "nan" not in res.stdout
