"""Scans where the archives really live (issue 20): day release tars read in place (split
parts), object storage over real HTTP, unreadable inputs never passing for an empty
archive, resumable checkpoints, and a real Dask cluster of separate processes."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import zipfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from servers import http_server, s3_server

from flightcheck import synth
from flightcheck.cli import main
from flightcheck.errors import InputError, UsageError
from flightcheck.scan import convert, scan

pytestmark = pytest.mark.leaves_threads  # fsspec's IO thread, the S3 server, a Dask client

DAY = "2025/10/01"
RELEASE = "v2025.10.01-planes-readsb-prod-0.tar"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """Two days of a 12-aircraft synthetic fleet written as readsb ``globe_history`` (gzip
    trace files, as readsb writes them), and the four airports it stops at most."""
    root = tmp_path_factory.mktemp("fleet")
    f = synth.random_fleet(12, days=2, seed=4)
    for _, pts in f.points.groupby("icao24"):
        synth.writers.globe_history(pts, root)
    common = Counter(s["airport"] for s in f.truth["stops"]).most_common(4)
    return root, [a for a, _ in common]


def _release(fleet_root: Path, out: Path, parts: int = 3) -> list[Path]:
    """An adsb.lol-style day release of ``DAY``: a tar of ``./traces/xx/trace_full_*.json``
    plus the other trees such a release holds (heatmap, a link, folders), split into
    ``parts`` parts cut at arbitrary bytes (mid-member), named ``.tar.aa``, ``.tar.ab``..."""
    day = fleet_root / "globe_history" / DAY
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
        tf.add(day / "traces", arcname="./traces")
        heat = tarfile.TarInfo("./heatmap/00.bin.ttf")
        blob = bytes(range(256)) * 40
        heat.size = len(blob)
        tf.addfile(heat, io.BytesIO(blob))
        link = tarfile.TarInfo("./traces/zz/trace_full_link.json")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tf.addfile(link)
    data = buf.getvalue()
    out.mkdir(parents=True, exist_ok=True)
    cut = [0, *[len(data) * k // parts + 123 for k in range(1, parts)], len(data)]
    paths = []
    for k in range(parts):
        p = out / f"{RELEASE}.a{'abcdefgh'[k]}"
        p.write_bytes(data[cut[k] : cut[k + 1]])
        paths.append(p)
    return paths


def _visits(result) -> pd.DataFrame:
    """Visits without their ``sources`` (a tar member and an extracted file are named
    differently, everything else must be the same)."""
    return result.visits.drop(columns=["sources"]).reset_index(drop=True)


def _files_below(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


def test_split_release_is_read_in_place_as_the_extracted_day(fleet, tmp_path):
    root, airports = fleet
    parts = _release(root, tmp_path / "release")
    extracted = scan([str(root / "globe_history" / DAY)], airports, show_progress=False)
    assert len(extracted.visits) >= 2
    before = _files_below(tmp_path)
    together = scan([str(p) for p in parts], airports, show_progress=False, batch_bytes=4096)
    globbed = scan([str(tmp_path / "release" / f"{RELEASE}.*")], airports, show_progress=False)
    assert _files_below(tmp_path) == before  # nothing extracted anywhere
    pd.testing.assert_frame_equal(_visits(together), _visits(extracted))
    pd.testing.assert_frame_equal(_visits(globbed), _visits(extracted))
    assert together.points == extracted.points
    assert len(together.partitions) > 1  # members batched like files, not one huge task
    first_parts = " + ".join(str(p) for p in parts)
    assert all(
        s.startswith(first_parts + "::./traces/")
        for v in together.visits["sources"]
        for s in v.split("; ")
    ), together.visits["sources"].tolist()
    # the heatmap is not track data and the link is not a file: neither is read as one
    assert together.to_dict()["scanned"]["not_track"] == 1
    assert not together.bad and not together.unreadable


def test_release_day_is_taken_from_its_name(fleet, tmp_path):
    root, airports = fleet
    parts = [str(p) for p in _release(root, tmp_path)]

    other_day = datetime(2025, 10, 5, tzinfo=UTC)
    with pytest.raises(UsageError, match="no input files"):
        scan(parts, airports, since=other_day, show_progress=False)


def test_convert_turns_a_split_release_into_the_dataset_of_the_day(fleet, tmp_path):
    root, airports = fleet
    parts = [str(p) for p in _release(root, tmp_path / "release")]
    done = convert(parts, tmp_path / "ds", show_progress=False)
    plain = convert([str(root / "globe_history" / DAY)], tmp_path / "plain", show_progress=False)
    assert done["points"] == plain["points"] > 1000
    assert done["days"] == plain["days"]
    from_ds = scan([str(tmp_path / "ds")], airports, show_progress=False)
    direct = scan(parts, airports, show_progress=False)
    pd.testing.assert_frame_equal(from_ds.visits, direct.visits)  # sources cite the members


def test_globe_history_day_archives_tar_and_zip(fleet, tmp_path):
    root, airports = fleet
    days = [str(root / "globe_history")]
    folder = scan(days, airports, show_progress=False)
    tar_path = tmp_path / "globe.tar"
    with tarfile.open(tar_path, "w") as tf:
        tf.add(root / "globe_history", arcname="globe_history")
    zip_path = tmp_path / "globe.zip"
    with zipfile.ZipFile(zip_path, "w") as zf:
        for f in sorted((root / "globe_history").rglob("*.json")):
            zf.write(f, f.relative_to(root).as_posix())
    for archive in (tar_path, zip_path):
        got = scan([str(archive)], airports, show_progress=False)
        pd.testing.assert_frame_equal(_visits(got), _visits(folder))
        assert got.points == folder.points
        assert {p["key"].split("#")[0] for p in got.partitions} == {
            p["key"].split("#")[0] for p in folder.partitions
        }  # days from member paths


def test_incomplete_or_hostile_releases_are_refused_in_one_line(fleet, tmp_path):
    root, airports = fleet
    parts = _release(root, tmp_path, parts=3)
    with pytest.raises(UsageError, match=r"not a complete sequence"):
        scan([str(parts[0]), str(parts[2])], airports, show_progress=False)
    with pytest.raises(InputError, match=r"truncated tar archive .*give every part"):
        scan([str(parts[0]), str(parts[1])], airports, show_progress=False)
    res = CliRunner().invoke(main, ["scan", str(parts[0]), "--airport", airports[0]])
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1, res.output
    # a member larger than the decompression bound is refused before it is read
    from flightcheck.io import archives, sources
    from flightcheck.io.inputs import expand_inputs

    members = [i for i in expand_inputs([str(p) for p in parts]) if i.member]
    big = max(members, key=lambda i: i.member.size)
    with archives.known([big.member]), pytest.raises(InputError, match="more than"):
        sources.read_bytes(big.path, big.member.size - 1)
    assert len(sources.read_bytes(big.path, big.member.size)) == big.member.size


def test_files_that_cannot_be_read_fail_the_scan_past_the_stated_share(
    fleet, tmp_path, monkeypatch
):
    """Workers that cannot see the inputs (here: files gone between planning and reading)
    must never turn into "0 visits, exit 0"."""
    from flightcheck.scan import run

    root, airports = fleet
    copy = tmp_path / "gh"
    shutil.copytree(root / "globe_history", copy)
    files = sorted(copy.rglob("*.json"))
    planned = run.discover
    doomed: list[Path] = []

    def discover_then_lose(*args, **kwargs):
        parts = planned(*args, **kwargs)
        for f in doomed:
            f.unlink(missing_ok=True)
        return parts

    monkeypatch.setattr(run, "discover", discover_then_lose)
    doomed[:] = files
    res = CliRunner().invoke(main, ["scan", str(copy), "--airport", airports[0], "--json"])
    assert res.exit_code == 2
    assert res.stdout == ""
    (line,) = res.stderr.strip().splitlines()
    assert f"all {len(files)} inputs could not be read" in line and "No such file" in line

    shutil.rmtree(copy)
    shutil.copytree(root / "globe_history", copy)
    doomed[:] = files[:1]
    res = CliRunner().invoke(main, ["scan", str(copy), "--airport", airports[0], "--json"])
    assert res.exit_code == 2  # 1 of 24 is more than the default 1 %
    assert f"1 of {len(files)} inputs could not be read" in res.stderr

    shutil.copytree(root / "globe_history", copy, dirs_exist_ok=True)
    res = CliRunner().invoke(
        main, ["scan", str(copy), "--airport", airports[0], "--json", "--max-unreadable", "0.1"]
    )
    assert res.exit_code == 0, res.output
    scanned = json.loads(res.stdout)["scanned"]
    assert (scanned["inputs"], scanned["read"], scanned["unreadable"]) == (
        len(files),
        len(files) - 1,
        1,
    )
    assert scanned["bad_files"] == 0
    assert "could not read" in res.stderr


# --- resumable scans ------------------------------------------------------------------

_KILLED_RUN = """
import os, signal, sys
from flightcheck.scan import files_read, scan, tasks
calls = 0
real = tasks.read_batch
def read_then_die(*args, **kwargs):
    global calls
    calls += 1
    if calls > int(sys.argv[2]):
        os.kill(os.getpid(), signal.SIGKILL)  # as a lost machine or the OOM killer would
    return real(*args, **kwargs)
tasks.read_batch = read_then_die
scan(sys.argv[4:], sys.argv[3].split(","), workers=1, batch_bytes=1, checkpoint=sys.argv[1],
     show_progress=False)
"""


def test_a_killed_scan_resumes_from_its_checkpoint_with_the_same_result(
    fleet, tmp_path, monkeypatch
):
    from flightcheck.scan import tasks

    root, airports = fleet
    paths = [str(root / "globe_history")]
    whole = scan(paths, airports, batch_bytes=1, show_progress=False)
    n = len(whole.partitions)
    ckpt = tmp_path / "ckpt"
    proc = subprocess.run(
        [sys.executable, "-c", _KILLED_RUN, str(ckpt), str(n // 2), ",".join(airports), *paths],
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    kept = sorted(ckpt.glob("*.json"))
    assert len(kept) == n // 2

    reads = []
    real = tasks.read_batch
    monkeypatch.setattr(tasks, "read_batch", lambda *a, **k: reads.append(1) or real(*a, **k))
    resumed = scan(paths, airports, batch_bytes=1, checkpoint=str(ckpt), show_progress=False)
    assert len(reads) == n - n // 2  # only the partitions the killed run had not finished
    pd.testing.assert_frame_equal(resumed.visits, whole.visits)
    pd.testing.assert_frame_equal(resumed.summary, whole.summary)
    assert resumed.points == whole.points
    assert [p["key"] for p in resumed.partitions] == [p["key"] for p in whole.partitions]

    reads.clear()  # a third run reads nothing; other parameters read everything again
    again = scan(paths, airports, batch_bytes=1, checkpoint=str(ckpt), show_progress=False)
    assert not reads
    pd.testing.assert_frame_equal(again.visits, whole.visits)
    scan(paths, airports[:1], batch_bytes=1, checkpoint=str(ckpt), show_progress=False)
    assert len(reads) == n
    reads.clear()  # an input changed in place (same size): its partition is read again
    touched = sorted((root / "globe_history").rglob("*.json"))[0]
    st = touched.stat()
    os.utime(touched, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    scan(paths, airports, batch_bytes=1, checkpoint=str(ckpt), show_progress=False)
    assert len(reads) == 1


# --- object storage and URLs ----------------------------------------------------------


@pytest.fixture(scope="module")
def s3(fleet, tmp_path_factory):
    """A real S3 server on 127.0.0.1 holding the fleet's globe_history and a split day
    release; the usual AWS environment variables point clients at it."""
    pytest.importorskip("s3fs")
    pytest.importorskip("moto")
    root, _ = fleet
    parts = _release(root, tmp_path_factory.mktemp("rel"))
    with s3_server() as env, pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        import fsspec

        fs = fsspec.filesystem("s3", skip_instance_cache=True)
        fs.mkdir("archive")
        for f in sorted((root / "globe_history").rglob("*.json")):
            fs.pipe(f"archive/{f.relative_to(root).as_posix()}", f.read_bytes())
        for p in parts:
            fs.pipe(f"archive/release/{p.name}", p.read_bytes())
        yield env, parts


def test_s3_globs_folders_and_split_releases_give_the_local_visits(fleet, s3):
    root, airports = fleet
    _, parts = s3
    local = scan([str(root / "globe_history")], airports, show_progress=False)
    remote = scan(["s3://archive/globe_history/"], airports, show_progress=False)
    pd.testing.assert_frame_equal(_visits(remote), _visits(local))
    assert all(
        s.startswith("s3://archive/globe_history/2025/")
        for v in remote.visits["sources"]
        for s in v.split("; ")
    )
    release = scan(["s3://archive/release/*.tar.a?"], airports, show_progress=False)
    in_place = scan([str(p) for p in parts], airports, show_progress=False)
    pd.testing.assert_frame_equal(_visits(release), _visits(in_place))
    with pytest.raises(UsageError, match="no file matches"):
        scan(["s3://archive/nothing/*.json"], airports, show_progress=False)


def test_s3_inputs_for_inspect_stops_route_and_convert(fleet, s3, tmp_path):
    root, _ = fleet
    local = sorted((root / "globe_history" / DAY).rglob("*.json"))[0]
    url = f"s3://archive/{local.relative_to(root).as_posix()}"
    res = CliRunner().invoke(main, ["inspect", url, "--json"])
    assert res.exit_code == 0, res.output
    (record,) = json.loads(res.stdout)["inputs"]
    assert record["path"] == url
    assert record["sha256"] == hashlib.sha256(local.read_bytes()).hexdigest()
    assert record["size"] == local.stat().st_size
    for cmd in ("stops", "route"):
        here = CliRunner().invoke(main, [cmd, str(local), "--json"])
        there = CliRunner().invoke(main, [cmd, url, "--json"])
        assert there.exit_code == 0, there.output
        assert there.stdout.replace(url, str(local)) == here.stdout
    done = convert(["s3://archive/globe_history/"], tmp_path / "ds", show_progress=False)
    plain = convert([str(root / "globe_history")], tmp_path / "plain", show_progress=False)
    assert done["points"] == plain["points"] and done["days"] == plain["days"]
    assert not done["unreadable"] and not done["bad"]


def test_a_batch_of_urls_is_fetched_at_once_and_read_from_memory(fleet, s3, monkeypatch):
    import fsspec

    from flightcheck.io import sources

    root, _ = fleet
    files = sorted((root / "globe_history" / DAY).rglob("*.json"))
    urls = [f"s3://archive/{f.relative_to(root).as_posix()}" for f in files]
    urls.append("s3://archive/globe_history/gone.json")
    with sources.prefetched(urls):

        def no_more_requests(*args, **kwargs):
            raise AssertionError("read one by one after the batch fetch")

        monkeypatch.setattr(fsspec.spec.AbstractFileSystem, "open", no_more_requests)
        for f, url in zip(files, urls, strict=False):
            assert sources.read_bytes(url, 1 << 30) == f.read_bytes()
            assert sources.fingerprint(url) == (
                hashlib.sha256(f.read_bytes()).hexdigest(),
                f.stat().st_size,
            )
        with pytest.raises(InputError, match="cannot read"):
            sources.read_bytes(urls[-1], 1 << 30)


def test_missing_s3_objects_and_buckets_are_unreadable_not_bad(s3):
    from flightcheck.errors import UnreadableInput
    from flightcheck.io import sources

    for url in ("s3://archive/globe_history/2025/10/01/nope.json", "s3://no-bucket/x.json"):
        with pytest.raises(UnreadableInput, match="cannot read"):
            sources.read_bytes(url, 1 << 20)


def test_urls_with_credentials_are_recorded_without_them(fleet, tmp_path):
    pytest.importorskip("aiohttp")
    root, airports = fleet
    local = sorted((root / "globe_history" / DAY).rglob("*.json"))[0]
    secrets = ("hunter2", "deadbeef", "s3cr3t", "jsmith")
    with http_server(root) as base:
        host = base.split("://", 1)[1]
        path = local.relative_to(root).as_posix()
        url = f"http://jsmith:hunter2@{host}/{path}?X-Amz-Signature=deadbeef&token=s3cr3t&v=2"
        shown = f"http://{host}/{path}?v=2"
        res = CliRunner().invoke(main, ["inspect", url, "--json"])
        assert res.exit_code == 0, res.output
        (record,) = json.loads(res.stdout)["inputs"]
        assert record["path"] == shown
        assert record["sha256"] == hashlib.sha256(local.read_bytes()).hexdigest()
        outputs = [res.output]
        for cmd in ("stops", "route"):
            res = CliRunner().invoke(main, [cmd, url, "--json"])
            assert res.exit_code == 0, res.output
            assert shown in res.stdout
            outputs.append(res.output)
        visits = tmp_path / "visits.csv"
        res = CliRunner().invoke(
            main,
            [
                "scan",
                url,
                *[x for a in airports for x in ("--airport", a)],
                "--json",
                "-o",
                str(visits),
            ],
        )
        assert res.exit_code == 0, res.output
        outputs += [res.output, visits.read_text()]
        done = convert([url], tmp_path / "ds", show_progress=False)
        assert done["points"] > 0
        outputs += [
            p.read_bytes().decode("latin-1") for p in (tmp_path / "ds").rglob("*") if p.is_file()
        ]
    for text in outputs:
        for secret in secrets:
            assert secret not in text


# --- a real cluster ---------------------------------------------------------------------


@contextlib.contextmanager
def _cluster(workdir: Path, env: dict[str, str], workers: int = 2):
    """``dask scheduler`` and ``dask worker`` processes on 127.0.0.1, started in
    ``workdir`` (not the test's working directory), stopped afterwards; yields the
    scheduler's address."""
    dask_cli = str(Path(sys.executable).with_name("dask"))
    info = workdir / "scheduler.json"
    logs = [open(workdir / f"log{i}.txt", "wb") for i in range(workers + 1)]  # noqa: SIM115
    procs = [
        subprocess.Popen(
            [
                dask_cli,
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--dashboard-address",
                "127.0.0.1:0",
                "--scheduler-file",
                str(info),
            ],
            cwd=workdir,
            env=env,
            stdout=logs[0],
            stderr=subprocess.STDOUT,
        )
    ]
    try:
        for _ in range(600):
            if info.exists() and info.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(info.read_text())["address"]
        for i in range(workers):
            procs.append(
                subprocess.Popen(
                    [
                        dask_cli,
                        "worker",
                        address,
                        "--nthreads",
                        "1",
                        "--nworkers",
                        "1",
                        "--host",
                        "127.0.0.1",
                        "--no-dashboard",
                        "--local-directory",
                        str(workdir / f"w{i}"),
                    ],
                    cwd=workdir,
                    env=env,
                    stdout=logs[i + 1],
                    stderr=subprocess.STDOUT,
                )
            )
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=60)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(10)
        for log in logs:
            log.close()


def test_a_real_cluster_in_another_folder_gives_the_in_process_visits(
    fleet, s3, tmp_path, monkeypatch
):
    pytest.importorskip("distributed")
    root, airports = fleet
    env, parts = s3
    here = tmp_path / "user"
    (here / "release").mkdir(parents=True)
    for p in parts:
        shutil.copy(p, here / "release" / p.name)
    elsewhere = tmp_path / "cluster"
    elsewhere.mkdir()
    monkeypatch.chdir(here)
    # day 1 from a split release given as a relative glob, day 2 from object storage
    inputs = ["release/" + RELEASE + ".a*", "s3://archive/globe_history/2025/10/02/"]
    args = [
        "scan",
        *inputs,
        *[a for code in airports for a in ("--airport", code)],
        "--json",
        "--quiet",
    ]
    local = CliRunner().invoke(main, args)
    assert local.exit_code == 0, local.output
    with _cluster(elsewhere, {**os.environ, **env}) as address:
        remote = CliRunner().invoke(main, [*args, "--scheduler", address])
    assert remote.exit_code == 0, remote.output
    a, b = json.loads(local.stdout), json.loads(remote.stdout)
    assert len(a["visits"]) >= 2
    assert b["visits"] == a["visits"]
    assert b["scanned"] == a["scanned"]
    assert b["scanned"]["unreadable"] == 0 and b["scanned"]["read"] == b["scanned"]["inputs"]
    sources = {s for v in b["visits"] for s in v["sources"].split("; ")}
    assert any("s3://" in s for s in sources) and any("::./traces/" in s for s in sources)
    assert all(s.startswith(("/", "s3://")) for s in sources)  # absolute, as workers read


def test_progress_counts_partitions_points_and_lost_inputs():
    from flightcheck.scan.progress import Meter

    meter = Meter(partitions=10, total=40)
    meter.take({"points": 1_500_000, "bad": [("a", "x"), ("b", "y")], "unreadable": []})
    meter.take({"points": 500_000, "bad": [], "unreadable": [("c", "gone")]})
    text = meter.text("scanning")
    assert text.startswith("scanning: 2/10 partitions, ")
    assert text.endswith(" points/s, 2 bad, 1 unreadable")
    assert meter.points == 2_000_000


def test_convert_keeps_each_batch_in_input_order(fleet, tmp_path):
    """A scan of a dataset depends on its rows being in input order (pyarrow's writer
    threads interleave batches unless told not to)."""
    import pyarrow.parquet as pq

    root, _ = fleet
    files = sorted((root / "globe_history").rglob("*.json"))
    many = tmp_path / "many"
    for k in range(20):  # enough rows for the writer to cut several batches
        for f in files:
            dest = many / f"copy{k:02d}" / f.relative_to(root)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(f.read_bytes())
    convert([str(many)], tmp_path / "ds", show_progress=False, batch_bytes=1 << 30)
    for part in sorted((tmp_path / "ds").rglob("*.parquet")):
        t = pq.read_table(part, columns=["source", "row"]).to_pandas()
        src = t["source"].to_numpy()
        runs = int((src[1:] != src[:-1]).sum()) + 1
        assert runs == len(set(src)) and list(src) == sorted(src)  # one run per file
        assert (
            t.groupby("source", sort=False)["row"].apply(lambda r: r.is_monotonic_increasing).all()
        )


def test_stops_and_inspect_read_a_release_and_one_of_its_members(fleet, tmp_path, monkeypatch):
    from flightcheck import read
    from flightcheck.segment import detect

    root, airports = fleet
    parts = [str(p) for p in _release(root, tmp_path)]
    day = root / "globe_history" / DAY
    in_place = read(parts)
    extracted = read(str(day))
    assert len(in_place.inputs) == len(extracted.inputs) > 5
    assert [i.sha256 for i in in_place.inputs] == [i.sha256 for i in extracted.inputs]
    a = detect(in_place, airports=airports).stops
    b = detect(extracted, airports=airports).stops
    assert len(a) >= 2
    cited = [[(c["source"].rsplit("/", 1)[-1], c["row"]) for c in rows] for rows in a["rows"]]
    assert cited == [
        [(c["source"].rsplit("/", 1)[-1], c["row"]) for c in rows] for rows in b["rows"]
    ]  # the same rows of the same files
    pd.testing.assert_frame_equal(
        a.drop(columns=["rows", "evidence"]), b.drop(columns=["rows", "evidence"])
    )
    member = in_place.inputs[0].path
    assert member.startswith(" + ".join(parts) + "::./traces/")
    res = CliRunner().invoke(main, ["inspect", member, "--json"])  # a member named alone
    assert res.exit_code == 0, res.output
    (record,) = json.loads(res.stdout)["inputs"]
    assert (record["path"], record["sha256"]) == (member, in_place.inputs[0].sha256)
    from flightcheck.scan.partitions import discover

    monkeypatch.chdir(tmp_path)  # typed relative to here: the scan plans it absolute
    relative = " + ".join(Path(p).name for p in parts) + "::" + member.split("::", 1)[1]
    (part,) = discover([relative])
    assert part.paths == (member,)
