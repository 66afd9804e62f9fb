"""Raw Mode S benchmark: messages/s through the ``modes`` reader (pyModeS PipeDecoder).

Builds a synthetic capture of ``--aircraft`` aircraft flying straight lines, each sending an
airborne position (alternating even/odd CPR) every 0.5 s, a velocity every second and an
identification every 5 s, interleaved in time order (the encoder is the one the tests use,
``tests/test_modes.py``). Writes it as a timestamped CSV and as Beast binary and times
``flightcheck.read`` on each::

    python benchmarks/modes.py                    # 200,000 messages
    python benchmarks/modes.py --messages 1000000 --aircraft 200
"""

from __future__ import annotations

import argparse
import importlib.util
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import flightcheck

_spec = importlib.util.spec_from_file_location(
    "modes_encoder", Path(__file__).resolve().parents[1] / "tests" / "test_modes.py"
)
enc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(enc)

T0 = 1_760_000_000.0


def capture(n_messages: int, n_aircraft: int) -> list[tuple[float, str]]:
    """(Unix s, hex) messages of ``n_aircraft`` aircraft, time ordered."""
    per_aircraft = n_messages // n_aircraft
    out: list[tuple[float, str]] = []
    for a in range(n_aircraft):
        icao = 0x300000 + a
        lat0, lon0 = 40.0 + (a % 20) * 0.3, 10.0 + (a // 20) * 0.3
        t_off = (a * 0.0137) % 0.5
        ident = enc._frame(icao, (4 << 51) | enc._callsign_bits(f"TST{a:04d}"))
        k = 0
        msgs: list[tuple[float, str]] = []
        while len(msgs) < per_aircraft:
            t = T0 + t_off + 0.5 * k
            lat = lat0 + (450 / 3600 * 0.5 * k) / 60.0
            msgs.append((t, enc.position_msg(icao, lat, lon0, 30000 + a, k % 2)))
            if k % 2:
                msgs.append((t + 0.1, enc.velocity_msg(icao, 0, 450, 0)))
            if k % 10 == 0:
                msgs.append((t + 0.2, ident))
            k += 1
        out.extend(msgs[:per_aircraft])
    out.sort()
    return out


def beast(msgs: list[tuple[float, str]]) -> bytes:
    frames = []
    for t, m in msgs:
        body = int((t - T0) * 12e6).to_bytes(6, "big") + b"\x80" + bytes.fromhex(m)
        frames.append(b"\x1a3" + body.replace(b"\x1a", b"\x1a\x1a"))
    return b"".join(frames)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--aircraft", type=int, default=50)
    args = parser.parse_args()
    msgs = capture(args.messages, args.aircraft)
    start = datetime.fromtimestamp(T0, UTC)
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "capture.csv"
        csv.write_text("".join(f"{t:.6f},{m}\n" for t, m in msgs))
        bin_ = Path(tmp) / "capture.bin"
        bin_.write_bytes(beast(msgs))
        for name, path in (("modes-csv", csv), ("beast", bin_)):
            t = time.perf_counter()
            tracks = flightcheck.read(path, start_time=start)
            dt = time.perf_counter() - t
            print(
                f"{name:10s} {len(msgs):>9,d} messages  {dt:6.2f} s  "
                f"{len(msgs) / dt:>9,.0f} messages/s  {len(tracks.df):>8,d} positions "
                f"({tracks.inputs[0].format})"
            )


if __name__ == "__main__":
    main()
