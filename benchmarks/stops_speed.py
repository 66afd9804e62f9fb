"""Speed and peak memory of the stop engine on an in-memory track table.

Builds a generated fleet (benchmarks/stops_gen.py), tiles it with new addresses up to N
points, then times ``flightcheck.segment.detect`` and reports points/s and the process's
peak RSS (each run in its own subprocess, so peaks do not mix) and, when ``detect`` used
forked workers (``flightcheck.segment.pieces``), the largest worker's peak RSS (it shares the
table's pages with the parent, so the sum over-counts). A second run of each size measures
the memory the process and its workers use together (summed PSS, sampled); its time is not
reported, as reading PSS slows the run down. ``--workers N`` fixes the number of processes
(default "auto", as the command line chooses); ``--repeat R`` times each size R times (this VM's
timings vary by about 25 % from run to run).
Usage: python benchmarks/stops_speed.py [--workers N] [--repeat R] [N ...]
       (default sizes 1000000 10000000)
       python benchmarks/stops_speed.py --phases N   (seconds per engine stage, one process)
       python benchmarks/stops_speed.py --day [--repeat R] [--keep DIR] [FILES:POINTS ...]

``--day``: the ``stops`` and ``route`` commands' work (``read`` of the files, then ``detect``
and its JSON, or ``build_routes`` and its JSON) on day-shaped readsb archives
(``benchmarks/day_archive.py``; default 10,000 files of 1M fixes in all and 50,000 files of
10M), against the parse floor of the same files (gunzip + ``orjson.loads``, one process and
one per CPU) measured in the same run: points/s, files/s, peak RSS (the process and its
largest worker), the ratio to the floor and the growth of the time per fix from the first
size to the last. ``--keep DIR`` keeps (and reuses) the archives there.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))


def table(n_points: int) -> pd.DataFrame:
    from stops_gen import fleet

    from flightcheck.io.context import ReadContext
    from flightcheck.track.table import to_track_table

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


START = "#detect-starts"
"""Printed by a measured run when ``detect`` starts; memory is sampled from then on."""


def _pss_mb(pid: int) -> float:
    """Proportional set size of ``pid`` and its descendants, MB: pages shared between them
    (the forked workers share the table) are split between the sharers, so the sum is the
    memory they use together."""
    total = 0.0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            total += next(int(line.split()[1]) for line in f if line.startswith("Pss:")) / 1024
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                total += sum(_pss_mb(int(c)) for c in f.read().split())
    except (OSError, StopIteration, ValueError):  # the process ended meanwhile
        pass
    return total


def measured(cmd: list[str], memory: bool) -> None:
    """Run one size in a subprocess and echo its report; with ``memory``, report instead the
    peak memory the process and its workers used together while ``detect`` ran (their summed
    PSS, sampled every 200 ms)."""
    if not memory:
        subprocess.run(cmd, check=True)
        return
    proc = subprocess.Popen([*cmd, "--mark"], stdout=subprocess.PIPE, text=True)
    peak = [0.0]
    started = threading.Event()
    done = threading.Event()

    def sample() -> None:
        started.wait()
        while not done.is_set():
            peak[0] = max(peak[0], _pss_mb(proc.pid))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    for line in proc.stdout:
        if line.strip() == START:
            started.set()
            continue
        done.set()
        points = line.split("points")[0].strip()
        print(
            f"{points:>11} points  memory of the process and its workers together: at "
            f"most {peak[0]:,.0f} MB (sampled PSS)",
            flush=True,
        )
    started.set()
    done.set()
    if proc.wait():
        raise SystemExit(proc.returncode)


def run_one(n: int, workers: int | str, mark: bool = False) -> None:
    from flightcheck.segment import detect
    from flightcheck.segment.airportindex import default_index

    df = table(n)
    default_index()
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if mark:
        print(START, flush=True)
    t = time.perf_counter()
    seg = detect(df, workers=workers)
    dt = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"{len(df):>11,} points  {dt:7.2f} s  {len(df) / dt / 1e6:6.2f} M points/s  "
        f"peak RSS {peak:,.0f} MB (table + reference {base_rss:,.0f} MB)"
        + (f" + worker {worker:,.0f} MB" if worker else "")
        + "  "
        f"{len(seg.stops)} stops {len(seg.events)} events {len(seg.gaps)} gaps",
        flush=True,
    )


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
    print(
        f"  {'total':<12} {clock() - start:6.2f} s  ({n / (clock() - start) / 1e6:.2f} M points/s)",
        flush=True,
    )


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


def day_child(root: str, case: str) -> None:
    """One ``--day`` case in this process; prints one JSON line of seconds per stage."""
    import json

    from day_archive import parse_floor, trace_files

    stages: dict[str, float] = {}
    clock = time.perf_counter
    if case.startswith("floor"):
        files = trace_files(Path(root))
        stages["parse"], points = parse_floor(files, 1 if case == "floor1" else os.cpu_count())
        n_files = len(files)
    else:
        from flightcheck.io.read import read

        t = clock()
        tracks = read(str(Path(root) / "globe_history"), workers="auto")  # as the CLI
        stages["read"] = clock() - t
        t = clock()
        if case == "stops":
            from flightcheck.segment import detect

            seg = detect(tracks, workers="auto")
            stages["detect"] = clock() - t
            t = clock()
            seg.to_dict()
        else:
            from flightcheck.routes import build_routes

            routes = build_routes(tracks, workers="auto")
            stages["routes"] = clock() - t
            t = clock()
            routes.to_dict()
        stages["json"] = clock() - t
        points, n_files = len(tracks.df), len(tracks.inputs)
    print(
        json.dumps(
            {
                "case": case,
                "points": points,
                "files": n_files,
                "stages": stages,
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            }
        )
    )


def print_summary(rows: list[tuple]) -> None:
    """The closing table of issue 15, in Markdown: per command and archive, the fixes, files,
    seconds, points/s, files/s, peak RSS (the process or its largest worker) and the ratio
    to the parse floor (one process; one per CPU)."""
    print(
        "\n| command | fixes | files | seconds | points/s | files/s | peak MB "
        "| ÷ floor (1 proc) | ÷ floor (1 per CPU) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for case, points, files, secs, peak, ratio1, ratio2 in rows:
        print(
            f"| {case} | {points / 1e6:.2f}M | {files:,} | {secs:.2f} | "
            f"{points / secs / 1e3:,.0f}k | {files / secs:,.0f} | {peak:,.0f} | "
            f"{ratio1:.2f} | {ratio2:.2f} |"
        )


def day_main(shapes: list[tuple[int, int]], repeat: int, keep: str | None) -> None:
    """The ``--day`` report (see the module docstring)."""
    import json
    import shutil
    import tempfile

    from day_archive import ensure

    base = Path(keep or tempfile.mkdtemp(prefix="flightcheck-day-"))
    per_fix: dict[str, list[float]] = {}
    summary: list[tuple] = []
    try:
        print(
            f"{'archive':>17} {'case':<7} {'seconds':>8} {'M pts/s':>8} {'files/s':>8} "
            f"{'x floor1':>8} {'x floor2':>8} {'rss MB':>7} {'worker':>7}  stages"
        )
        for n_files, n_points in shapes:
            root = base / f"day-{n_files}-{n_points}"
            files, fixes, gen = ensure(root, n_files, n_points)
            if gen:
                print(f"generated {files:,} files, {fixes:,} fixes in {gen:.0f} s", flush=True)
            floor: dict[str, float] = {}
            for _ in range(repeat):
                for case in ("floor1", "floor2", "stops", "route"):
                    out = subprocess.run(
                        [sys.executable, __file__, "--day-child", str(root), case],
                        check=True,
                        capture_output=True,
                        text=True,
                    )
                    r = json.loads(out.stdout.strip().splitlines()[-1])
                    secs = sum(r["stages"].values())
                    if case.startswith("floor"):
                        floor[case] = secs
                    else:
                        per_fix.setdefault(case, []).append(secs / r["points"])
                    stages = " ".join(f"{k} {v:.2f}" for k, v in r["stages"].items())
                    if not case.startswith("floor"):
                        summary.append(
                            (
                                case,
                                r["points"],
                                r["files"],
                                secs,
                                max(r["rss_mb"], r["worker_mb"]),
                                secs / floor["floor1"],
                                secs / floor["floor2"],
                            )
                        )
                    print(
                        f"{r['files']:>7,} / {r['points'] / 1e6:5.2f}M {case:<7} {secs:8.2f} "
                        f"{r['points'] / secs / 1e6:8.2f} {r['files'] / secs:8,.0f} "
                        f"{secs / floor.get('floor1', np.nan):8.2f} "
                        f"{secs / floor.get('floor2', np.nan):8.2f} "
                        f"{r['rss_mb']:7,.0f} {r['worker_mb']:7,.0f}  {stages}",
                        flush=True,
                    )
        print_summary(summary)
        if len(shapes) > 1:
            for case, values in per_fix.items():
                k = len(values) // len(shapes)
                first, last = min(values[:k]), min(values[-k:])
                print(
                    f"{case}: {first * 1e6:.2f} µs per fix at the first size, "
                    f"{last * 1e6:.2f} at the last (best of {k}): x{last / first:.2f}"
                )
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--day-child":
        day_child(args[1], args[2])
        raise SystemExit
    if "--day" in args:
        args.remove("--day")
        day_repeat, day_keep = 1, None
        while len(args) > 1 and args[0] in ("--repeat", "--keep"):
            if args[0] == "--repeat":
                day_repeat = int(args[1])
            else:
                day_keep = args[1]
            args = args[2:]
        day_shapes = [tuple(int(x) for x in a.split(":")) for a in args] or [
            (10_000, 1_000_000),
            (50_000, 10_000_000),
        ]
        day_main(day_shapes, day_repeat, day_keep)  # type: ignore[arg-type]
        raise SystemExit
    workers: int | str = "auto"
    repeat = 1
    while len(args) > 1 and args[0] in ("--workers", "--repeat"):
        if args[0] == "--workers":
            workers = args[1] if args[1] == "auto" else int(args[1])
        else:
            repeat = int(args[1])
        args = args[2:]
    if len(args) > 1 and args[0] == "--one":
        run_one(int(args[1]), workers, mark="--mark" in args)
    elif len(args) > 1 and args[0] == "--phases":
        run_phases(int(args[1]))
    else:
        extra = ["--workers", str(workers)]
        for n in [int(a) for a in args] or [1_000_000, 10_000_000]:
            for _ in range(repeat):
                measured([sys.executable, __file__, *extra, "--one", str(n)], memory=False)
            measured([sys.executable, __file__, *extra, "--one", str(n)], memory=True)
