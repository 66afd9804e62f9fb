"""Ingest benchmark: how fast flightcheck.read turns big exports into a track table.

Generates realistic inputs into a temporary folder, then reads each case in its own child
process (so the peak resident memory belongs to that case alone) and prints a table of
points/s and peak memory. For the readsb cases the last column is the floor any JSON reader
pays: gunzip + ``orjson.loads`` alone, with the garbage collector paused::

    python benchmarks/ingest.py                      # defaults: 1,000,000 points per case
    python benchmarks/ingest.py --points 2000000 --repeat 3 --keep /tmp/bench
    python benchmarks/ingest.py --keep /tmp/bench --reuse   # same inputs again

Cases:

* ``readsb-trace``: gzip ``trace_full_<hex>.json`` files (14-element points, a detail
  object every 4th point, "ground" altitudes at both ends), a few large files;
* ``readsb-trace-small``: the same number of points spread over many one-day files, which
  shows the per-file overhead (hashing, sniffing, frame building);
* ``readsb-trace-day``: a day of global history as archives hold it: many small gzip
  ``trace_full_<hex>.json`` files (default 1,000 files x 1,000 points) of 9-element points
  (the older trace layout), which measures the fixed cost per file;
* ``fr24-csv``: one FlightRadar24 "Download CSV" export
  (``Timestamp,UTC,Callsign,Position,Altitude,Speed,Direction``) with the quoted
  ``"lat,lon"`` Position field. Needs the FR24 reader (``flightcheck.io.fr24``);
* ``fr24-json``: one Flightradar24 flight JSON (``result.response.data.flight.track``);
* ``json-records``: a gzip JSON array of flat records (pandas ``orient="records"``);
* ``opensky-parquet-tz``: OpenSky state vectors as pyopensky/Trino save them (Arrow
  timestamps with a time zone);
* ``opensky-rawmsg``: an OpenSky raw-message parquet table (``mintime, maxtime, msgcount,
  rawmsg, icao24``) of 50 aircraft sending DF17 positions (even/odd every 0.5 s) and velocity,
  decoded with pyModeS; "points" are the decoded positions;
* ``avr-timed``: the same messages as ``1700000000.000 *HEX;`` logger-stamped AVR lines.

``--cases a,b`` runs only those cases. The Mode S encoder is the tests' (tests/modes_encoder.py).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import orjson

DAY0 = 1_760_000_000 - 1_760_000_000 % 86400
"""UTC midnight used as the trace ``timestamp`` of generated files (2025-10-09)."""


def _flight_profile(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """A plausible flight of ``n`` points: taxi, climb, cruise, descent, taxi (vectorised)."""
    dt = rng.choice([1.0, 2.0, 4.0, 8.0, 16.0], size=n, p=[0.3, 0.3, 0.2, 0.15, 0.05])
    t = np.round(np.cumsum(dt) + rng.uniform(0, 0.99, n), 2)
    t = np.maximum.accumulate(t)
    frac = np.linspace(0.0, 1.0, n)
    # altitude: ground 2 %, climb to 37,000 ft, cruise, descend, ground 2 %
    alt = np.interp(frac, [0, 0.02, 0.15, 0.85, 0.98, 1], [0, 0, 37000, 37000, 0, 0])
    alt = (np.round(alt / 25) * 25).astype(int)
    vrate = np.gradient(alt.astype(float), t) * 60.0
    vrate = (np.round(vrate / 64) * 64).astype(int)
    gs = np.interp(frac, [0, 0.02, 0.15, 0.85, 0.98, 1], [15, 150, 460, 460, 140, 10])
    gs = np.round(gs + rng.normal(0, 3, n), 1)
    heading = np.deg2rad(rng.uniform(0, 360))
    turn = np.cumsum(rng.normal(0, 0.002, n))
    trk = np.mod(np.rad2deg(heading + turn), 360.0)
    step_nm = gs * np.diff(t, prepend=t[0]) / 3600.0
    lat0, lon0 = rng.uniform(-50, 60), rng.uniform(-120, 140)
    dlat = step_nm * np.cos(np.deg2rad(trk)) / 60.0
    lat = np.clip(lat0 + np.cumsum(dlat), -89.9, 89.9)
    dlon = step_nm * np.sin(np.deg2rad(trk)) / 60.0 / np.cos(np.deg2rad(lat))
    lon = np.mod(lon0 + np.cumsum(dlon) + 180.0, 360.0) - 180.0
    return {
        "t": t,
        "lat": np.round(lat, 6),
        "lon": np.round(lon, 6),
        "alt": alt,
        "gs": gs,
        "trk": np.round(trk, 1),
        "vrate": vrate,
    }


def make_trace(
    icao: str, n: int, rng: np.random.Generator, timestamp: float = DAY0, elements: int = 14
) -> bytes:
    """A readsb ``trace_full`` JSON document (plain bytes) with ``n`` points of ``elements``
    (14, or 9: the older layout without source and geometric altitude) elements."""
    p = _flight_profile(n, rng)
    on_ground = p["alt"] == 0
    callsign = f"TST{int(icao, 16) % 10000:04d}".ljust(8)
    flags = np.zeros(n, dtype=int)
    flags[rng.random(n) < 0.01] |= 1  # stale
    flags[0] |= 2  # new leg
    source = np.where(rng.random(n) < 0.05, "mlat", "adsb_icao")
    geom = p["alt"] + 300 + rng.integers(-50, 50, n)
    roll = np.round(rng.normal(0, 3, n), 1)
    points = []
    cols = zip(
        p["t"].tolist(),
        p["lat"].tolist(),
        p["lon"].tolist(),
        p["alt"].tolist(),
        p["gs"].tolist(),
        p["trk"].tolist(),
        flags.tolist(),
        p["vrate"].tolist(),
        source.tolist(),
        geom.tolist(),
        roll.tolist(),
        on_ground.tolist(),
        strict=True,
    )
    for i, (t, lat, lon, alt, gs, trk, fl, vr, src, ga, rl, gnd) in enumerate(cols):
        detail = None
        if i % 4 == 0:
            detail = {
                "type": src,
                "flight": callsign,
                "alt_geom": ga,
                "ias": 250,
                "tas": 300,
                "mach": 0.52,
                "track": trk,
                "baro_rate": vr,
                "squawk": "1000",
                "emergency": "none",
                "category": "A3",
                "nav_qnh": 1013.6,
                "nav_altitude_mcp": 37000,
                "nic": 8,
                "rc": 186,
                "version": 2,
                "nic_baro": 1,
                "nac_p": 9,
                "nac_v": 1,
                "sil": 3,
                "sil_type": "perhour",
                "gva": 2,
                "sda": 2,
                "alert": 0,
                "spi": 0,
            }
        points.append(
            [
                round(t - 0.0, 2),
                lat,
                lon,
                "ground" if gnd else alt,
                gs,
                trk,
                fl,
                None if gnd else vr,
                detail,
                src,
                None if gnd else ga,
                None if gnd else vr,
                250 if not gnd else None,
                rl,
            ][:elements]
        )
    doc = {
        "icao": icao,
        "r": f"N{int(icao, 16) % 100000}",
        "t": "B738",
        "dbFlags": 0,
        "desc": "BOEING 737-800",
        "timestamp": timestamp,
        "trace": points,
    }
    return orjson.dumps(doc)


def write_traces(
    folder: Path, total: int, files: int, seed: int = 1, reuse: bool = False, elements: int = 14
) -> list[Path]:
    """``files`` gzip trace files holding ``total`` points between them (globe_history layout)
    of ``elements``-element points. ``reuse``: keep files already there (generated by an
    earlier run with the same options)."""
    rng = np.random.default_rng(seed)
    out = []
    per = max(1, total // files)
    day = datetime.fromtimestamp(DAY0, UTC).strftime("%Y/%m/%d")
    for k in range(files):
        icao = f"{0x3C0000 + k * 7919:06x}"
        path = folder / "globe_history" / day / "traces" / icao[-2:] / f"trace_full_{icao}.json"
        out.append(path)
        if reuse and path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        data = make_trace(icao, per, rng, elements=elements)
        path.write_bytes(gzip.compress(data, compresslevel=5, mtime=0))
    return out


def write_fr24_csv(path: Path, total: int, seed: int = 2, reuse: bool = False) -> Path:
    """One FR24 "Download CSV" export with ``total`` rows (quoted "lat,lon" Position)."""
    if reuse and path.exists():
        return path
    rng = np.random.default_rng(seed)
    p = _flight_profile(total, rng)
    ts = (DAY0 + np.floor(p["t"])).astype(np.int64)
    utc = np.datetime_as_string(ts.astype("datetime64[s]"), unit="s")
    lat = np.char.mod("%.5f", p["lat"])
    lon = np.char.mod("%.5f", p["lon"])
    rows = ["Timestamp,UTC,Callsign,Position,Altitude,Speed,Direction"]
    cols = zip(
        ts.tolist(),
        utc.tolist(),
        lat.tolist(),
        lon.tolist(),
        p["alt"].tolist(),
        np.round(p["gs"]).astype(int).tolist(),
        np.round(p["trk"]).astype(int).tolist(),
        strict=True,
    )
    rows += [f'{t},{u}Z,JAL516,"{la},{lo}",{a},{g},{d % 360}' for t, u, la, lo, a, g, d in cols]
    path.write_text("\n".join(rows) + "\n")
    return path


def write_fr24_json(path: Path, total: int, seed: int = 5, reuse: bool = False) -> Path:
    """One FR24 flight JSON (``result.response.data.flight.track``, identification, aircraft
    and airport blocks) with ``total`` track points."""
    if reuse and path.exists():
        return path
    p = _flight_profile(total, np.random.default_rng(seed))
    track = [
        {
            "latitude": la,
            "longitude": lo,
            "altitude": {"feet": int(a), "meters": 0},
            "speed": {"kts": int(g), "kmh": 0, "mph": 0},
            "verticalSpeed": {"fpm": int(v)},
            "heading": int(d) % 360,
            "squawk": "1000",
            "timestamp": int(DAY0 + t),
            "ems": None,
        }
        for t, la, lo, a, g, d, v in zip(
            p["t"].tolist(),
            p["lat"].tolist(),
            p["lon"].tolist(),
            p["alt"].tolist(),
            p["gs"].tolist(),
            p["trk"].tolist(),
            p["vrate"].tolist(),
            strict=True,
        )
    ]
    flight = {
        "identification": {"id": "3376ab31", "callsign": "JAL516", "number": {"default": "JL516"}},
        "aircraft": {
            "model": {"code": "B738", "text": "Boeing 737-846"},
            "identification": {"modes": "86E4A0", "registration": "JA325J"},
        },
        "airport": {
            "origin": {"code": {"iata": "HND", "icao": "RJTT"}},
            "destination": {"code": {"iata": "CTS", "icao": "RJCC"}},
            "real": None,
        },
        "track": track,
    }
    doc = {"result": {"request": {"callsign": None}, "response": {"data": {"flight": flight}}}}
    path.write_bytes(orjson.dumps(doc))
    return path


def write_json_records(path: Path, total: int, seed: int = 6, reuse: bool = False) -> Path:
    """A gzip JSON array of ``total`` flat records, as pandas ``to_json(orient="records")``
    writes them (times in ms)."""
    if reuse and path.exists():
        return path
    p = _flight_profile(total, np.random.default_rng(seed))
    records = [
        {
            "timestamp": int((DAY0 + t) * 1000),
            "icao24": "4ca9c1",
            "callsign": "RYR1AB",
            "latitude": la,
            "longitude": lo,
            "altitude": a,
            "groundspeed": g,
            "track": d,
            "vertical_rate": v,
            "onground": a <= 0,
        }
        for t, la, lo, a, g, d, v in zip(
            p["t"].tolist(),
            p["lat"].tolist(),
            p["lon"].tolist(),
            p["alt"].tolist(),
            p["gs"].tolist(),
            p["trk"].tolist(),
            p["vrate"].tolist(),
            strict=True,
        )
    ]
    path.write_bytes(gzip.compress(orjson.dumps(records), compresslevel=6))
    return path


def _mode_s_messages(total: int) -> list[tuple[float, str, str]]:
    """(Unix s, hex, icao24) of ``total`` DF17 messages: 50 aircraft flying north, in time
    order (the tests' encoder: positions even/odd every 0.5 s, a velocity every second)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from modes_encoder import synthetic_flight

    per = max(3, total // 50 * 2 // 3)
    out = []
    for k in range(50):
        icao = 0x400000 + 97 * k
        flight = synthetic_flight(icao, per, float(DAY0), 30.0 + 0.3 * k, 31.0)
        out += [(t, m, f"{icao:06x}") for t, m in flight]
    out.sort()
    return out[:total]


def write_opensky_tz(path: Path, total: int, reuse: bool = False) -> Path:
    """State vectors with Arrow tz-aware ``time`` and ``lastposupdate`` (pyopensky style)."""
    if reuse and path.exists():
        return path
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(5)
    p = _flight_profile(total, rng)
    stamps = pa.array(((DAY0 + p["t"]) * 1e6).astype("int64"), type=pa.timestamp("us", "UTC"))
    frame = pd.DataFrame(
        {
            "icao24": "4ca9c1",
            "lat": p["lat"],
            "lon": p["lon"],
            "baroaltitude": p["alt"] * 0.3048,
            "velocity": p["gs"] * 0.5144,
        }
    )
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.append_column("time", stamps).append_column("lastposupdate", stamps)
    pq.write_table(table, path)
    return path


def write_opensky_rawmsg(path: Path, total: int, reuse: bool = False) -> Path:
    """An OpenSky raw-message parquet table of ``total`` messages."""
    if reuse and path.exists():
        return path
    import pandas as pd

    msgs = _mode_s_messages(total)
    pd.DataFrame(
        {
            "mintime": [t for t, _, _ in msgs],
            "maxtime": [t + 0.002 for t, _, _ in msgs],
            "msgcount": 2,
            "rawmsg": [m for _, m, _ in msgs],
            "icao24": [a for _, _, a in msgs],
        }
    ).to_parquet(path, index=False)
    return path


def write_avr_timed(path: Path, total: int, reuse: bool = False) -> Path:
    """Logger-stamped AVR lines (``1760000000.000 *HEX;``) of ``total`` messages."""
    if reuse and path.exists():
        return path
    path.write_text("".join(f"{t:.3f} *{m};\n" for t, m, _ in _mode_s_messages(total)))
    return path


def _peak_rss_mib() -> float:
    """Peak resident memory of this process, MiB (``VmHWM``; ``ru_maxrss`` elsewhere).

    On Linux ``ru_maxrss`` survives fork+exec, so a child would report its parent's peak;
    ``VmHWM`` belongs to the process image and starts afresh.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)


def _measure(mode: str, paths: list[str]) -> dict[str, float]:
    """Child process body: time ``flightcheck.read`` (mode "read") or gunzip + orjson.loads
    with the garbage collector paused (mode "parse", the floor for any JSON reader)."""
    import gc

    import flightcheck  # imported before the clock starts, like any real session

    start = time.perf_counter()
    if mode == "read":
        points = len(flightcheck.read(paths))
    else:
        gc.disable()
        points = 0
        for p in paths:
            raw = Path(p).read_bytes()
            doc = orjson.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
            points += len(doc["trace"])
            del doc
    elapsed = time.perf_counter() - start
    return {"seconds": elapsed, "points": points, "peak_mib": _peak_rss_mib()}


def _run_case(mode: str, paths: list[str]) -> dict[str, float] | str:
    """Run :func:`_measure` in a fresh interpreter; the error text when it failed."""
    proc = subprocess.run(
        [sys.executable, __file__, "--child", mode, *paths], capture_output=True, text=True
    )
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        return lines[-1] if lines else f"exit code {proc.returncode}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _best(mode: str, paths: list[str], repeat: int) -> dict[str, float] | str:
    runs = [_run_case(mode, paths) for _ in range(max(1, repeat))]
    errors = [r for r in runs if isinstance(r, str)]
    return errors[0] if errors else min(runs, key=lambda r: r["seconds"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=1_000_000, help="points per case")
    ap.add_argument("--files", type=int, default=10, help="files in the readsb-trace case")
    ap.add_argument(
        "--small-files",
        type=int,
        default=200,
        help="files in the readsb-trace-small case (0 to skip it)",
    )
    ap.add_argument(
        "--day-files",
        type=int,
        default=1000,
        help="files in the readsb-trace-day case (0 to skip it)",
    )
    ap.add_argument(
        "--day-points", type=int, default=1000, help="points per file in the readsb-trace-day case"
    )
    ap.add_argument("--repeat", type=int, default=1, help="runs per case; the best is shown")
    ap.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="with --keep: reuse files an earlier run with the same options made",
    )
    ap.add_argument(
        "--raw-points",
        type=int,
        default=200_000,
        help="messages in the opensky-rawmsg and avr-timed cases",
    )
    ap.add_argument("--cases", help="comma-separated case names to run (default: all)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)  # mode, paths...
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(_measure(args.child[0], args.child[1:])))
        return 0

    folder = args.keep or Path(tempfile.mkdtemp(prefix="flightcheck-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    reuse = bool(args.keep and args.reuse)
    print(f"generating inputs in {folder} ...", flush=True)
    cases: dict[str, list[Path]] = {
        "readsb-trace": write_traces(folder / "big", args.points, args.files, reuse=reuse)
    }
    if args.small_files:
        cases["readsb-trace-small"] = write_traces(
            folder / "small", args.points, args.small_files, seed=3, reuse=reuse
        )
    if args.day_files:
        cases["readsb-trace-day"] = write_traces(
            folder / "day",
            args.day_files * args.day_points,
            args.day_files,
            seed=4,
            reuse=reuse,
            elements=9,
        )
    cases["fr24-csv"] = [write_fr24_csv(folder / "JL516_3376ab31.csv", args.points, reuse=reuse)]
    cases["fr24-json"] = [write_fr24_json(folder / "fr24_flight.json", args.points, reuse=reuse)]
    cases["json-records"] = [
        write_json_records(folder / "records.json.gz", args.points, reuse=reuse)
    ]
    cases["opensky-parquet-tz"] = [
        write_opensky_tz(folder / "pyopensky.parquet", args.points, reuse=reuse)
    ]
    cases["opensky-rawmsg"] = [
        write_opensky_rawmsg(folder / "rawmsg.parquet", args.raw_points, reuse=reuse)
    ]
    cases["avr-timed"] = [write_avr_timed(folder / "stamped.avr", args.raw_points, reuse=reuse)]
    if args.cases:
        cases = {k: v for k, v in cases.items() if k in args.cases.split(",")}

    header = (
        f"{'case':20s} {'files':>5s} {'MB':>6s} {'points':>10s} {'seconds':>7s} "
        f"{'points/s':>9s} {'peak MiB':>8s} | {'gunzip+loads/s':>14s}"
    )
    print(
        f"best of {args.repeat}; each run in a fresh process; os.cpu_count()={os.cpu_count()}"
        f", load average {os.getloadavg()[0]:.1f}"
    )
    print(header)
    print("-" * len(header))
    for name, paths in cases.items():
        strs = [str(p) for p in paths]
        size_mb = sum(os.path.getsize(p) for p in strs) / 1e6
        best = _best("read", strs, args.repeat)
        if isinstance(best, str):
            print(f"{name:20s} {len(strs):5d} {size_mb:6.1f}  FAILED: {best}")
            continue
        rate = best["points"] / best["seconds"] if best["seconds"] else math.inf
        floor = "-"
        if name.startswith("readsb"):
            parse = _best("parse", strs, args.repeat)
            if not isinstance(parse, str):
                floor = f"{parse['points'] / parse['seconds']:,.0f}"
        print(
            f"{name:20s} {len(strs):5d} {size_mb:6.1f} {best['points']:10,d} "
            f"{best['seconds']:7.2f} {rate:9,.0f} {best['peak_mib']:8.0f} | {floor:>14s}"
        )
    if not args.keep:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
