"""Speed and peak memory of the stop engine on an in-memory track table.

Builds a generated fleet (benchmarks/stops_gen.py), tiles it with new addresses up to N
points, then times ``flightcheck.segment.detect`` and reports points/s and the process's
peak RSS (each size runs in its own subprocess so peaks do not mix).
Usage: python benchmarks/stops_speed.py [N ...]   (default 1000000 10000000)
       python benchmarks/stops_speed.py --phases N   (seconds per engine stage, one process)
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))


def table(n_points: int) -> pd.DataFrame:
    from stops_gen import fleet

    from flightcheck.io.context import ReadContext
    from flightcheck.track import to_track_table

    base, _ = fleet(40, seed=3)
    base = to_track_table(base, ReadContext("synthetic_fleet.csv"))
    reps = int(np.ceil(n_points / len(base)))
    parts = []
    for r in range(reps):
        part = base.copy()
        part["icao24"] = f"{r:04x}" + part["icao24"]  # a distinct address per copy
        parts.append(part)
    df = pd.concat(parts, ignore_index=True).iloc[:n_points]
    return df.sort_values(["icao24", "time"], kind="stable").reset_index(drop=True)


def run_one(n: int) -> None:
    from flightcheck.segment import detect
    from flightcheck.segment.airportindex import default_index

    df = table(n)
    default_index()
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    seg = detect(df)
    dt = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(df):>11,} points  {dt:7.2f} s  {len(df) / dt / 1e6:6.2f} M points/s  "
          f"peak RSS {peak:,.0f} MB (table + reference {base_rss:,.0f} MB)  "
          f"{len(seg.stops)} stops {len(seg.events)} events {len(seg.gaps)} gaps", flush=True)


def run_phases(n: int) -> None:
    """Time each stage of ``detect`` separately (where the time goes); the stages are those
    of ``detect`` in its order, ``render`` the finding tables (filter, sort, DataFrames)."""
    from flightcheck.segment import engine_settings
    from flightcheck.segment.airportindex import default_index

    df = table(n)
    ix = default_index()
    clock = time.perf_counter
    t = start = clock()

    def lap(name: str) -> None:
        nonlocal t
        now = clock()
        print(f"  {name:<12} {now - t:6.2f} s", flush=True)
        t = now

    with engine_settings():  # as detect() runs
        _stages(df, ix, lap)
    print(f"  {'total':<12} {clock() - start:6.2f} s  ({n / (clock() - start) / 1e6:.2f} M "
          "points/s)", flush=True)


def _stages(df: pd.DataFrame, ix, lap) -> None:
    """The stages of ``detect`` in its order, calling ``lap(name)`` after each."""
    from flightcheck.segment import events, explained_gaps, findings, gaps, stops
    from flightcheck.segment.context import build
    from flightcheck.segment.evidence import SourceNames
    from flightcheck.segment.phases import prepare

    pts = prepare(df, ix)
    lap("prepare")
    ctx = build(pts, ix, SourceNames(df["source"]), df["row"].to_numpy())
    lap("build")
    found, events_found = stops.observed(ctx)
    lap("observed")
    silent = gaps.silences(ctx)
    found += stops.inferred(ctx, silent[~pts.ground[silent] & ~pts.ground[silent + 1]])
    lap("inferred")
    events_found += events.go_arounds(ctx)
    lap("go_arounds")
    events_found += events.holds(ctx, events_found)
    lap("holds")
    gap_records = gaps.gaps(ctx, silent, explained_gaps(ctx, found))
    lap("gaps")
    findings(found, events_found, gap_records, None, pts.removed, [])
    lap("render")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        run_one(int(sys.argv[2]))
    elif len(sys.argv) > 2 and sys.argv[1] == "--phases":
        run_phases(int(sys.argv[2]))
    else:
        for n in [int(a) for a in sys.argv[1:]] or [1_000_000, 10_000_000]:
            subprocess.run([sys.executable, __file__, "--one", str(n)], check=True)
