"""Scan benchmark: points/s and peak memory of ``flightcheck scan`` over a readsb archive and
over the parquet dataset ``flightcheck convert`` makes of it, in-process and on a 2-worker
``distributed.LocalCluster``, for two archive sizes (same points per day, more days) to show
that memory follows the partition, not the archive::

    python benchmarks/scan.py                          # 4 days x 2.5M points = 10M points
    python benchmarks/scan.py --days 4 --per-day 2500000 --keep /tmp/scanbench
    python benchmarks/scan.py --quick                  # 2 days x 500k points, in-process
    python benchmarks/scan.py --day 10000:1000000 --day 50000:10000000 [--keep DIR]

The archive is ``globe_history/YYYY/MM/DD/traces/xx/trace_full_<hex>.json`` (gzip), 1,000
points per aircraft and day, 9-element points (vectorised generation: numpy columns,
``tolist`` and orjson). 2 % of the aircraft fly an approach into LYBT, so phase 2 (the stop
engine) has real work; the rest fly elsewhere and are dropped by the pre-filter. Each case
runs in its own child process; peak RSS is the child's own (``ru_maxrss``) and, for the
cluster, the largest worker process.

``--day FILES:POINTS`` (repeatable) instead scans day-shaped archives
(``benchmarks/day_archive.py``: one day of FILES trace files of log-normal sizes, POINTS
fixes in all, realistic flights between European airports) for LICC, LOWI and URMS, the
airports its flights visit most, in-process, against the parse floor of the same files
(gunzip + ``orjson.loads``, one process and one per CPU) measured in the same run, and
prints the growth of the time per fix from the first archive to the last.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import orjson

sys.path.insert(0, str(Path(__file__).parent))

DAY0 = 1_760_486_400  # 2025-10-15T00:00Z
LYBT = (44.935299, 20.2575)


def _points(n: int, rng: np.random.Generator, to_airport: bool) -> list[list]:
    t = np.cumsum(rng.uniform(2.0, 40.0, n))
    t = t * (86000.0 / t[-1]) if t[-1] > 86000 else t
    if to_airport:
        frac = np.linspace(0.0, 1.0, n)
        lat = LYBT[0] + 3.0 * (1 - frac) ** 2
        lon = LYBT[1] + 3.0 * (1 - frac) ** 2
        alt = np.round(35000 * (1 - frac) ** 2 / 25) * 25
        alt[-n // 10 :] = 0.0
    else:
        lat0, lon0 = rng.uniform(-40, 30), rng.uniform(-120, 0)
        lat = lat0 + np.cumsum(rng.normal(0, 0.01, n))
        lon = lon0 + np.cumsum(rng.normal(0.02, 0.01, n))
        alt = np.round(np.clip(30000 + np.cumsum(rng.normal(0, 50, n)), 1000, 45000))
    gs = np.where(alt > 0, 420.0 + rng.normal(0, 5, n), 5.0)
    trk = np.mod(45.0 + rng.normal(0, 2, n), 360)
    vrate = np.round(np.gradient(alt, t) * 60)
    cols = np.column_stack(
        [
            np.round(t, 2),
            np.round(lat, 5),
            np.round(lon, 5),
            alt,
            np.round(gs, 1),
            np.round(trk, 1),
            np.zeros(n),
            vrate,
        ]
    )
    rows = cols.tolist()
    for r in rows:
        r[6] = 0
        r.append(None)
    if to_airport:
        for r in rows[-n // 10 :]:
            r[3] = "ground"
            r[7] = None
    return rows


def generate(root: Path, days: int, per_day: int, per_file: int = 1000) -> int:
    """Write ``days`` x ``per_day`` points; returns the number of points."""
    rng = np.random.default_rng(7)
    files = per_day // per_file
    total = 0
    for d in range(days):
        stamp = time.strftime("%Y/%m/%d", time.gmtime(DAY0 + d * 86400))
        for k in range(files):
            icao = f"{0x400000 + k * 13:06x}"
            rows = _points(per_file, rng, to_airport=(k % 50 == 0))
            doc = {
                "icao": icao,
                "r": f"G-{k:04d}",
                "t": "A320",
                "timestamp": DAY0 + d * 86400,
                "trace": rows,
            }
            path = root / "globe_history" / stamp / "traces" / icao[-2:] / f"trace_full_{icao}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(gzip.compress(orjson.dumps(doc), compresslevel=1))
            total += per_file
    return total


def child(args: argparse.Namespace) -> None:
    """One case in this process; prints a JSON line."""
    from flightcheck.scan import scan

    paths = json.loads(args.paths)
    airports = args.airports.split(",")
    t0 = time.perf_counter()
    if args.cluster:
        from distributed import Client, LocalCluster

        with (
            LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
        ):
            t0 = time.perf_counter()
            result = scan(paths, airports, scheduler=client, show_progress=False)
            elapsed = time.perf_counter() - t0
    else:
        result = scan(paths, airports, show_progress=False, workers=2)
        elapsed = time.perf_counter() - t0
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "points": result.points,
                "files": sum(p["files"] for p in result.partitions),
                "seconds": elapsed,
                "visits": len(result.visits),
                "bad": len(result.bad),
                "rss_mb": self_mb,
                "worker_rss_mb": kids_mb,
            }
        )
    )


def child_convert(args: argparse.Namespace) -> None:
    """Convert the archive in this process; prints one line."""
    from flightcheck.scan import convert

    src, dst = json.loads(args.paths)
    t0 = time.perf_counter()
    done = convert([src], dst, show_progress=False, workers=2)
    dt = time.perf_counter() - t0
    print(
        f"convert: {done['points']:,} points in {dt:.1f} s "
        f"({done['points'] / dt / 1e6:.2f} M points/s)"
    )


def child_floor(args: argparse.Namespace) -> None:
    """The parse floor of the archive at ``args.paths`` in this process; prints JSON."""
    from day_archive import parse_floor, trace_files

    files = trace_files(Path(json.loads(args.paths)))
    one, points = parse_floor(files, 1)
    every, _ = parse_floor(files, os.cpu_count() or 1)
    print(json.dumps({"files": len(files), "points": points, "floor1": one, "floor2": every}))


def day_cases(shapes: list[str], keep: str | None) -> None:
    """The ``--day`` report (see the module docstring)."""
    from day_archive import ensure

    base = Path(keep or tempfile.mkdtemp(prefix="flightcheck-scan-day-"))
    per_fix = []
    summary = []
    try:
        print(
            f"{'archive':>17} {'seconds':>8} {'M pts/s':>8} {'files/s':>8} {'x floor1':>8} "
            f"{'x floor2':>8} {'rss MB':>7} {'worker':>7} visits"
        )
        for shape in shapes:
            n_files, n_points = (int(x) for x in shape.split(":"))
            root = base / f"day-{n_files}-{n_points}"
            ensure(root, n_files, n_points)
            out = subprocess.run(
                [sys.executable, __file__, "--child-floor", "--paths", json.dumps(str(root))],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            floor = json.loads(out.strip().splitlines()[-1])
            r = run_case([str(root / "globe_history")], False, DAY_AIRPORTS)
            secs = r["seconds"]
            per_fix.append(secs / r["points"])
            print(
                f"{floor['files']:>7,} / {r['points'] / 1e6:5.2f}M {secs:8.2f} "
                f"{r['points'] / secs / 1e6:8.2f} {floor['files'] / secs:8,.0f} "
                f"{secs / floor['floor1']:8.2f} {secs / floor['floor2']:8.2f} "
                f"{r['rss_mb']:7,.0f} {r['worker_rss_mb']:7,.0f} {r['visits']}  "
                f"(floor {floor['floor1']:.2f} s, {floor['floor2']:.2f} s)",
                flush=True,
            )
            summary.append(
                (
                    "scan",
                    r["points"],
                    floor["files"],
                    secs,
                    max(r["rss_mb"], r["worker_rss_mb"]),
                    secs / floor["floor1"],
                    secs / floor["floor2"],
                )
            )
        from stops_speed import print_summary

        print_summary(summary)
        if len(per_fix) > 1:
            print(
                f"scan: {per_fix[0] * 1e6:.2f} µs per fix at the first size, "
                f"{per_fix[-1] * 1e6:.2f} at the last: x{per_fix[-1] / per_fix[0]:.2f}"
            )
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)


DAY_AIRPORTS = "LICC,LOWI,URMS"
"""The airports the day-shaped archive's flights visit most."""


def run_case(paths: list[str], cluster: bool, airports: str = "LYBT") -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        "--paths",
        json.dumps(paths),
        "--airports",
        airports,
    ]
    if cluster:
        cmd.append("--cluster")
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=4)
    ap.add_argument("--per-day", type=int, default=2_500_000)
    ap.add_argument("--keep", default=None, help="Keep the generated archive here.")
    ap.add_argument(
        "--inputs",
        default="parquet,traces",
        help="Which inputs to scan, in this order (comma-separated).",
    )
    ap.add_argument(
        "--runs",
        default="in-process,cluster-2",
        help="Which runs, in this order (comma-separated).",
    )
    ap.add_argument(
        "--quick",
        action="store_true",
        help="Iteration mode: 2 days x 500,000 points, in-process runs only.",
    )
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--cluster", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument(
        "--day",
        action="append",
        default=None,
        metavar="FILES:POINTS",
        help="Scan a day-shaped archive of this many files and fixes (repeat).",
    )
    ap.add_argument("--child-convert", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--child-floor", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--airports", default="LYBT", help=argparse.SUPPRESS)
    ap.add_argument("--paths", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return
    if args.child_convert:
        child_convert(args)
        return
    if args.child_floor:
        child_floor(args)
        return
    if args.day:
        day_cases(args.day, args.keep)
        return
    if args.quick:
        args.days, args.per_day, args.runs = 2, 500_000, "in-process"
    root = Path(args.keep or tempfile.mkdtemp(prefix="flightcheck-scan-"))
    try:
        t0 = time.perf_counter()
        if not (root / "globe_history").exists():
            generate(root, args.days, args.per_day)
        print(
            f"archive: {args.days} days x {args.per_day:,} points "
            f"({time.perf_counter() - t0:.0f} s to generate)",
            flush=True,
        )
        day_dirs = sorted((root / "globe_history").glob("*/*/*"))
        dataset = root / "dataset"
        if not dataset.exists():  # in a child: this process's peak RSS would be inherited
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child-convert",
                    "--paths",
                    json.dumps([str(root / "globe_history"), str(dataset)]),
                ],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            print(out.strip().splitlines()[-1], flush=True)
        ds_days = sorted(dataset.glob("day=*"))
        half = max(1, len(day_dirs) // 2)
        print(
            f"{'input':8s} {'run':10s} {'points':>12s} {'M pts/s':>8s} {'rss MB':>8s} "
            f"{'worker MB':>9s} visits"
        )
        cases = {"traces": [day_dirs[:half], day_dirs], "parquet": [ds_days[:half], ds_days]}
        for label in args.inputs.split(","):
            sizes = cases[label]
            for cluster in [r == "cluster-2" for r in args.runs.split(",")]:
                for sel in sizes:
                    paths = [str(p) for p in sel]
                    if label == "parquet":  # a dataset folder holding only these days
                        view = root / f"view{len(sel)}"
                        if not view.exists():
                            view.mkdir()
                            for p in sel:
                                os.symlink(p, view / p.name)
                        paths = [str(view)]
                    r = run_case(paths, cluster)
                    print(
                        f"{label:8s} {'cluster-2' if cluster else 'in-process':10s} "
                        f"{r['points']:12,d} {r['points'] / r['seconds'] / 1e6:8.2f} "
                        f"{r['rss_mb']:8.0f} {r['worker_rss_mb']:9.0f} {r['visits']}",
                        flush=True,
                    )
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
