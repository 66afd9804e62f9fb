"""A day-shaped readsb archive for the speed benchmarks, and the parse floor of its files.

A real ``globe_history`` day (adsb.lol, ADS-B Exchange) holds 50,000-100,000 gzip trace
files: most aircraft a few hundred fixes, a few percent several thousand. This writes
``root/globe_history/2025/10/15/traces/<xx>/trace_full_<hex>.json`` files whose sizes follow
a log-normal law (sigma 1: median about 0.6 x the mean, ~2 % above 5 x the mean, capped at
8,000) scaled to the asked total. Each file is a window of a realistic flight of the
stop-engine benchmarks' fleet (``stops_gen.fleet``: take-offs, landings, holds, go-arounds,
silences) under a new address, so the engine has real work; points are readsb's 14-element
rows with a details object every 4th point, gzip level 1.

The parse floor is the time to gunzip and ``orjson.loads`` every file and nothing else: what
any reader of these files must spend.
"""

from __future__ import annotations

import gzip
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import orjson

sys.path.insert(0, str(Path(__file__).parent))

DAY0 = 1_760_486_400  # 2025-10-15T00:00Z
MAX_FIXES = 8_000
"""Largest file, fixes (a long-haul aircraft's day at readsb's trace rate)."""


def file_sizes(n_files: int, n_points: int, rng: np.random.Generator) -> np.ndarray:
    """Fixes per file: log-normal (sigma 1), at least 20 and at most ``MAX_FIXES``, summing
    to about ``n_points``."""
    raw = rng.lognormal(0.0, 1.0, n_files)
    sizes = np.clip(np.round(raw * (n_points / raw.sum())), 20, MAX_FIXES)
    return sizes.astype(np.int64)


def _base_flights():
    """Per fleet aircraft: its fix columns as arrays (times in seconds from its first fix)."""
    from stops_gen import fleet

    df, _ = fleet(60, stops_per_aircraft=10, seed=3)
    out = []
    for _, g in df.groupby("icao24", sort=True):
        t = g["time"].to_numpy("datetime64[ns]").astype(np.int64) / 1e9
        out.append(
            {
                "t": t - t[0],
                "lat": g["lat"].to_numpy(float),
                "lon": g["lon"].to_numpy(float),
                "alt": g["alt_ft"].to_numpy(float),
                "ground": g["on_ground"].to_numpy(bool),
                "gs": g["gs_kt"].to_numpy(float),
                "trk": g["track_deg"].to_numpy(float),
                "vr": g["vrate_fpm"].to_numpy(float),
            }
        )
    return out


def _trace(flight: dict, a: int, b: int, start: float, icao: str, k: int) -> bytes:
    """One ``trace_full`` document of fixes ``a:b`` of ``flight``, the first at ``start``
    seconds after midnight."""
    t = flight["t"][a:b] - flight["t"][a] + start
    ground = flight["ground"][a:b]
    alt = np.round(flight["alt"][a:b] / 25) * 25
    alt_col: list = alt.tolist()
    for i in np.flatnonzero(ground):
        alt_col[i] = "ground"
    details = {
        "type": "adsb_icao",
        "flight": f"BEN{k % 10000:04d} ",
        "squawk": "1000",
        "category": "A3",
        "nic": 8,
        "rc": 186,
        "version": 2,
    }
    rows = [
        [dt, la, lo, al, gs, tr, 0, vr, None, "adsb_icao", None, None, None, None]
        for dt, la, lo, al, gs, tr, vr in zip(
            np.round(t, 2).tolist(),
            np.round(flight["lat"][a:b], 6).tolist(),
            np.round(flight["lon"][a:b], 6).tolist(),
            alt_col,
            np.round(flight["gs"][a:b], 1).tolist(),
            np.round(flight["trk"][a:b], 1).tolist(),
            np.where(ground, np.nan, np.round(flight["vr"][a:b])).tolist(),
            strict=True,
        )
    ]
    for row in rows[::4]:
        row[8] = details
    doc = {
        "icao": icao,
        "r": f"N{k:05d}",
        "t": "A320",
        "dbFlags": 0,
        "timestamp": DAY0,
        "trace": rows,
    }
    return orjson.dumps(doc)  # NaN (no track, no vertical rate) is written as null


def generate(root: Path, n_files: int, n_points: int, seed: int = 11) -> tuple[int, int]:
    """Write the archive under ``root``; returns (files, fixes)."""
    rng = np.random.default_rng(seed)
    flights = _base_flights()
    sizes = file_sizes(n_files, n_points, rng)
    hexes = rng.choice(np.arange(0x010000, 0xF00000), size=n_files, replace=False)
    day = root / "globe_history" / time.strftime("%Y/%m/%d", time.gmtime(DAY0)) / "traces"
    total = 0
    for k in range(n_files):
        f = flights[int(rng.integers(len(flights)))]
        n = min(int(sizes[k]), len(f["t"]))
        a = int(rng.integers(0, len(f["t"]) - n + 1))
        span = f["t"][a + n - 1] - f["t"][a]
        start = float(rng.uniform(0, max(1.0, 86_000 - span)))
        icao = f"{int(hexes[k]):06x}"
        path = day / icao[-2:] / f"trace_full_{icao}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(_trace(f, a, a + n, start, icao, k), compresslevel=1))
        total += n
    return n_files, total


def trace_files(root: Path) -> list[str]:
    """The archive's trace files, sorted."""
    return sorted(str(p) for p in (root / "globe_history").rglob("trace_full_*.json"))


def _parse(paths: list[str]) -> int:
    n = 0
    for p in paths:
        with open(p, "rb") as f:
            n += len(orjson.loads(gzip.decompress(f.read()))["trace"])
    return n


def parse_floor(paths: list[str], processes: int = 1) -> tuple[float, int]:
    """(seconds, fixes) to gunzip and parse every file with orjson, in ``processes``
    forked processes (files dealt out in turn)."""
    t = time.perf_counter()
    if processes <= 1:
        n = _parse(paths)
    else:
        import multiprocessing

        with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork")) as pool:
            n = sum(pool.map(_parse, [paths[i::processes] for i in range(processes)]))
    return time.perf_counter() - t, n


def ensure(root: Path, n_files: int, n_points: int) -> tuple[int, int, float]:
    """The archive under ``root``, generated unless it is already there: (files, fixes,
    seconds spent generating)."""
    marker = root / f"day-{n_files}-{n_points}.done"
    if marker.exists():
        files, fixes = (int(x) for x in marker.read_text().split())
        return files, fixes, 0.0
    t = time.perf_counter()
    files, fixes = generate(root, n_files, n_points)
    marker.write_text(f"{files} {fixes}")
    return files, fixes, time.perf_counter() - t


if __name__ == "__main__":  # python benchmarks/day_archive.py DIR FILES POINTS
    out = Path(sys.argv[1])
    print(ensure(out, int(sys.argv[2]), int(sys.argv[3])))
    for procs in (1, os.cpu_count() or 1):
        secs, fixes = parse_floor(trace_files(out), procs)
        print(f"parse floor, {procs} process(es): {secs:.2f} s for {fixes:,} fixes")
