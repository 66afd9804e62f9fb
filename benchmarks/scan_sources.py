"""Scan where the archives live: points/s and peak memory of ``flightcheck scan`` over the
same readsb day read four ways, and the time to resume a scan killed half way::

    python benchmarks/scan_sources.py                 # 5,000 files, 1M fixes
    python benchmarks/scan_sources.py --day 20000:4000000 --keep /tmp/srcbench

The day is ``benchmarks/day_archive.py``'s (log-normal file sizes, realistic flights, gzip
trace files). Cases, each in its own child process (peak RSS is the child's ``ru_maxrss``;
for the cluster the largest worker's, asked of the workers):

- ``folder``: the extracted day, in-process (2 workers);
- ``cluster-2``: the same folder on a real cluster: ``dask scheduler`` and two ``dask
  worker`` processes (1 thread each) started in another folder on 127.0.0.1;
- ``s3``: the day's files in a local S3 server (moto, real HTTP on 127.0.0.1);
- ``split-tar``: the day as an adsb.lol-style release, ``.tar.aa``/``.tar.ab``/``.tar.ac``,
  read in place (nothing extracted).

Then ``resume``: a checkpointed scan is SIGKILLed once half of its partitions are kept,
and the re-run's time is printed next to an uninterrupted run's (4 MiB partitions).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))

AIRPORTS = "LICC,LOWI,URMS"
RELEASE = "v2025.10.15-planes-readsb-prod-0.tar"
RESUME_BATCH = 4 << 20
"""Input bytes per partition in the resume case (small, so there are many partitions)."""


def child(args: argparse.Namespace) -> None:
    """One case in this process; prints a JSON line."""
    from flightcheck.scan import scan

    paths = json.loads(args.paths)
    kwargs = {"workers": 2}
    if args.scheduler:
        kwargs = {"scheduler": args.scheduler}
    if args.checkpoint:
        kwargs["checkpoint"] = args.checkpoint
    if args.batch_bytes:
        kwargs["batch_bytes"] = int(args.batch_bytes)
    t0 = time.perf_counter()
    result = scan(paths, AIRPORTS.split(","), show_progress=False, **kwargs)
    elapsed = time.perf_counter() - t0
    worker_mb = 0.0
    if args.scheduler:
        from distributed import Client

        with Client(args.scheduler) as client:
            rss = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
            worker_mb = max(rss.values()) / 1024
    print(
        json.dumps(
            {
                "points": result.points,
                "inputs": result.inputs,
                "seconds": elapsed,
                "visits": len(result.visits),
                "unreadable": len(result.unreadable),
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "kids_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                "worker_mb": worker_mb,
            }
        )
    )


def run(paths: list[str], env: dict | None = None, **extra: str) -> dict:
    cmd = [sys.executable, __file__, "--child", "--paths", json.dumps(paths)]
    for k, v in extra.items():
        cmd += [f"--{k.replace('_', '-')}", v]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def release(day: Path, out: Path, parts: int = 3) -> list[str]:
    """The day's ``traces/`` as one tar split into ``parts`` (written part by part)."""
    tar = out / RELEASE
    with tarfile.open(tar, "w", format=tarfile.GNU_FORMAT) as tf:
        tf.add(day / "traces", arcname="./traces")
    size = tar.stat().st_size
    paths = []
    with open(tar, "rb") as fh:
        for k in range(parts):
            p = out / f"{RELEASE}.a{'abcdefgh'[k]}"
            p.write_bytes(fh.read(size // parts + (size if k == parts - 1 else 0)))
            paths.append(str(p))
    tar.unlink()
    return paths


def line(name: str, r: dict) -> None:
    mem = f"{r['rss_mb']:7,.0f}"
    worker = r["worker_mb"] or r["kids_mb"]
    print(
        f"{name:>10} {r['inputs']:>7,} {r['points'] / 1e6:6.2f}M {r['seconds']:8.2f} "
        f"{r['points'] / r['seconds'] / 1e6:8.2f} {mem} {worker:7,.0f} {r['visits']:>6} "
        f"{r['unreadable']:>4}",
        flush=True,
    )


def resume_case(folder: str, work: Path) -> None:
    """Kill a checkpointed scan once half its partitions are kept; time the re-run."""
    from flightcheck.scan.partitions import discover

    batch = str(RESUME_BATCH)
    n = len(discover([folder], batch_bytes=RESUME_BATCH))
    ckpt = work / "ckpt"
    cmd = [
        sys.executable,
        __file__,
        "--child",
        "--paths",
        json.dumps([folder]),
        "--checkpoint",
        str(ckpt),
        "--batch-bytes",
        batch,
    ]
    whole = run([folder], batch_bytes=batch)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while proc.poll() is None and time.monotonic() < deadline:
        if len(list(ckpt.glob("*.json"))) >= n // 2:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.05)
    proc.wait()
    kept = len(list(ckpt.glob("*.json")))
    again = run([folder], checkpoint=str(ckpt), batch_bytes=batch)
    same = again["visits"] == whole["visits"] and again["points"] == whole["points"]
    print(
        f"resume: killed with {kept}/{n} partitions kept; uninterrupted run "
        f"{whole['seconds']:.2f} s, resumed run {again['seconds']:.2f} s "
        f"({again['seconds'] / whole['seconds']:.0%}); same result: {same}"
    )


def s3_case(day: Path) -> None:
    """The day's files in a local S3 server (moto, in this process), scanned by prefix."""
    import fsspec
    from servers import s3_server

    with s3_server() as env:
        os.environ.update(env)
        fs = fsspec.filesystem("s3", skip_instance_cache=True)
        fs.mkdir("bench")
        fs.pipe(
            {
                f"bench/day/{f.relative_to(day).as_posix()}": f.read_bytes()
                for f in sorted(day.rglob("*.json"))
            }
        )
        line("s3", run(["s3://bench/day/"], env=dict(os.environ)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--day", default="5000:1000000", metavar="FILES:POINTS")
    ap.add_argument("--keep", default=None, help="Keep the generated day here.")
    ap.add_argument(
        "--cases",
        default="folder,cluster-2,split-tar,s3,resume",
        help="Comma-separated cases to run (default: all).",
    )
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--paths", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--scheduler", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--checkpoint", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--batch-bytes", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return
    from day_archive import ensure
    from test_scan_scale import _cluster

    base = Path(args.keep or tempfile.mkdtemp(prefix="flightcheck-sources-"))
    n_files, n_points = (int(x) for x in args.day.split(":"))
    root = base / f"day-{n_files}-{n_points}"
    ensure(root, n_files, n_points)
    day = root / "globe_history" / "2025" / "10" / "15"
    work = Path(tempfile.mkdtemp(prefix="flightcheck-sources-run-"))
    try:
        print(
            f"{'case':>10} {'inputs':>7} {'points':>7} {'seconds':>8} {'M pts/s':>8} "
            f"{'rss MB':>7} {'worker':>7} {'visits':>6} {'lost':>4}"
        )
        cases = set(args.cases.split(","))
        if "folder" in cases:
            line("folder", run([str(day)]))
        if "cluster-2" in cases:
            cluster_dir = work / "cluster"
            cluster_dir.mkdir()
            with _cluster(cluster_dir, dict(os.environ)) as address:
                line("cluster-2", run([str(day)], scheduler=address))
        if "split-tar" in cases:
            line("split-tar", run(release(day, work)))
        if "s3" in cases:
            s3_case(day)
        if "resume" in cases:
            resume_case(str(day), work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
