"""Hostile input, safe output (issue 17): one test group per category of the adversarial pass.

1. outputs never touch inputs  2. evidence packs are atomic  3. case paths are confined
4. every bound holds at its edge  5. no internal error from data  6. no injection outside
HTML  7. no silent acceptance. Bombs are built small here, against lowered bounds.
"""

from __future__ import annotations

import fcntl
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from flightcheck.case.model import load
from flightcheck.cli import main
from flightcheck.errors import InputError, UsageError
from flightcheck.io import containers
from flightcheck.io.containers import load as unwrap

TRACE = "globe_history/2025/10/16/traces/75/trace_full_010075.json"
CSV = "csv/YU-SRB_2025-10-17.csv"
HEADER = b"time,icao24,callsign,registration,lat,lon,alt_ft,gs_kt,track_deg,vrate_fpm\n"


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def refused(res, *needles: str) -> str:
    """Exit 2 with one clear line on stderr holding every needle; no internal error."""
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "internal error" not in lines[0], res.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def rows(*lines: str) -> bytes:
    """A plain CSV track with the HEADER columns: two good fixes, then ``lines``."""
    good = [
        "2025-10-17T07:00:00Z,4c01e5,SRB1,YU-SRB,44.80,20.30,3000,250,127,-500",
        "2025-10-17T07:00:10Z,4c01e5,SRB1,YU-SRB,44.79,20.32,3400,255,127,-500",
    ]
    return HEADER + "\n".join(good + list(lines)).encode() + b"\n"


@pytest.fixture
def case(tmp_path, samples):
    """A case folder with one readsb trace and one stop claim."""
    folder = tmp_path / "case"
    (folder / "tracks").mkdir(parents=True)
    shutil.copy(samples / TRACE, folder / "tracks" / "010075.json")
    assert cli("case", "init", folder).exit_code == 0
    assert cli("case", "add", folder, folder / "tracks").exit_code == 0
    assert (
        cli(
            "case",
            "claim",
            folder,
            "--id",
            "lybt",
            "--kind",
            "stop",
            "--aircraft",
            "010075",
            "--airport",
            "LYBT",
        ).exit_code
        == 0
    )
    return folder


def add_input(case: Path, path: str, sha256: str | None = None, **settings) -> None:
    """Append an [[inputs]] entry by hand, as a hostile case file would."""
    text = (case / "case.toml").read_text()
    text += f'\n[[inputs]]\npath = "{path}"\n' + (
        f'sha256 = "{sha256}"\n' if sha256 is not None else ""
    )
    if settings:
        text = text.replace(
            "[case]",
            "[settings]\n"
            + "".join(f"{k} = {json.dumps(v)}\n" for k, v in settings.items())
            + "\n[case]",
        )
    (case / "case.toml").write_text(text)


# 1. Outputs never touch inputs ----------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "kml", "geojson"])
def test_export_refuses_to_write_over_its_input(tmp_path, samples, fmt):
    src = tmp_path / "in.csv"
    shutil.copy(samples / CSV, src)
    before = src.read_bytes()
    refused(cli("export", src, "--to", fmt, "-o", src), "is the input", "in.csv")
    assert src.read_bytes() == before


def test_export_sidecar_and_links_to_inputs_are_refused(tmp_path, samples):
    src = tmp_path / "out.stops.csv"  # what `-o out.csv` writes beside its table
    shutil.copy(samples / CSV, src)
    before = src.read_bytes()
    refused(cli("export", src, "--to", "csv", "-o", tmp_path / "out.csv"), "out.stops.csv")
    (tmp_path / "sym.csv").symlink_to(src)
    refused(cli("export", src, "--to", "kml", "-o", tmp_path / "sym.csv"), "is the input")
    os.link(src, tmp_path / "hard.csv")
    refused(cli("export", src, "--to", "kml", "-o", tmp_path / "hard.csv"), "is the input")
    assert src.read_bytes() == before
    assert cli("export", src, "--to", "csv", "-o", tmp_path / "new.csv").exit_code == 0


def test_map_convert_and_scan_refuse_their_inputs(tmp_path, samples):
    kml = tmp_path / "fa.kml"
    shutil.copy(next((samples / "flightaware").glob("*.kml")), kml)
    before = kml.read_bytes()
    refused(cli("map", kml, "-o", kml), "is the input")
    trace = tmp_path / "t.json"
    shutil.copy(samples / TRACE, trace)
    link = tmp_path / "visits.csv"
    link.symlink_to(trace)
    refused(cli("scan", trace, "--airport", "LYBT", "-o", link, "--quiet"), "is the input")
    refused(cli("convert", tmp_path, "-o", tmp_path / "t.json", "--quiet"), "is a file")
    assert kml.read_bytes() == before


def test_verify_refuses_the_case_folder_and_folders_holding_inputs(case):
    before = {p: p.read_bytes() for p in case.rglob("*") if p.is_file()}
    refused(cli("verify", case, "-o", case), "is the case folder")
    refused(cli("verify", case, "-o", case / "tracks"), "holds the input")
    refused(cli("verify", case, "-o", case.parent), "holds the input")
    assert {p: p.read_bytes() for p in case.rglob("*") if p.is_file()} == before


def test_output_paths_that_cannot_be_written_are_one_line_errors(tmp_path, samples, monkeypatch):
    src = tmp_path / "in.csv"
    shutil.copy(samples / CSV, src)
    refused(cli("export", src, "--to", "kml", "-o", tmp_path), "is a folder")
    refused(cli("export", src, "--to", "kml", "-o", src / "x.kml"), "is a file, not a folder")
    refused(cli("map", src, "-o", src / "sub" / "m.html"), "is a file, not a folder")
    ro = tmp_path / "ro"
    ro.mkdir()
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, m: False if Path(p) == ro else real_access(p, m)
    )  # root ignores chmod: say what a user would meet
    refused(cli("export", src, "--to", "kml", "-o", ro / "x.kml"), "permission denied")


# 2. Evidence packs are atomic as a whole --------------------------------------------------


def test_rerun_replaces_the_pack_whole_and_check_finds_it_intact(case, tmp_path):
    out = tmp_path / "pack"
    assert cli("verify", case, "-o", out).exit_code == 0
    first = json.loads((out / "manifest.json").read_text())
    (out / "stale.txt").write_text("from an older tool")  # not part of the new pack
    assert cli("verify", case, "-o", out).exit_code == 0
    names = sorted(p.name for p in out.iterdir())
    assert "stale.txt" not in names
    second = json.loads((out / "manifest.json").read_text())
    assert [o["path"] for o in second["outputs"]] == [o["path"] for o in first["outputs"]]
    assert not list(tmp_path.glob(".pack.*.build"))
    res = cli("verify", "--check", out)
    assert res.exit_code == 0 and "intact" in res.stdout and "NOT" not in res.stdout


def test_check_finds_a_changed_missing_or_extra_file(case, tmp_path):
    out = tmp_path / "pack"
    assert cli("verify", case, "-o", out).exit_code == 0
    report = out / "report.html"
    report.write_bytes(report.read_bytes().replace(b"supported", b"SUPPORTED", 1) + b" ")
    (out / "extra.csv").write_text("a,b\n")
    (out / "map.html").unlink()
    res = cli("verify", "--check", out, "--json")
    assert res.exit_code == 1
    problems = json.loads(res.stdout)["problems"]
    assert any(p.startswith("report.html: size") for p in problems)
    assert "map.html: missing" in problems and "extra.csv: not listed in the manifest" in problems
    refused(cli("verify", "--check", tmp_path), "not an evidence pack")


def test_a_failing_run_leaves_the_old_pack(case, tmp_path, monkeypatch):
    out = tmp_path / "pack"
    assert cli("verify", case, "-o", out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    import flightcheck.case.pack as pack

    monkeypatch.setattr(pack, "render_report", lambda *a, **k: 1 / 0)
    assert cli("verify", case, "-o", out).exit_code == 1
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not list(tmp_path.glob(".pack.*.build"))


def test_without_rename_exchange_the_pack_is_still_replaced_whole(case, tmp_path, monkeypatch):
    import flightcheck.output.atomic_folder as af

    monkeypatch.setattr(af, "_exchange", lambda a, b: False)
    out = tmp_path / "pack"
    for _ in range(2):
        assert cli("verify", case, "-o", out).exit_code == 0
    assert cli("verify", "--check", out).exit_code == 0
    # a crash between the two renames: the old pack is put back by the next run
    os.rename(out, tmp_path / ".pack.old")
    af._recover(tmp_path, "pack")
    assert (out / "manifest.json").is_file() and not (tmp_path / ".pack.old").exists()


def test_non_pack_outdir_and_concurrent_runs_are_refused(case, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    refused(cli("verify", case, "-o", mine), "not a previous evidence pack")
    assert (mine / "notes.txt").read_text() == "keep me"
    out = tmp_path / "pack"
    fd = os.open(tmp_path / ".pack.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        refused(cli("verify", case, "-o", out), "another run is writing")
    finally:
        os.close(fd)
    assert not out.exists()


def test_manifest_hashes_are_of_the_bytes_written(case, tmp_path, monkeypatch):
    """The manifest does not re-read outputs from disk, so a file changed under the build
    (here: by a racing writer) shows up as a mismatch instead of checking as consistent."""
    import flightcheck.output.atomic_folder as af

    real_write = af.FolderBuild.write

    def racing(self, name, data):
        entry = real_write(self, name, data)
        if name == "verdicts.json":
            (self.root / name).write_bytes(b"{}\n")  # another process's content
        return entry

    monkeypatch.setattr(af.FolderBuild, "write", racing)
    assert cli("verify", case, "-o", tmp_path / "pack").exit_code == 0
    res = cli("verify", "--check", tmp_path / "pack")
    assert res.exit_code == 1 and "verdicts.json" in res.stdout


# 3. Case paths are confined ---------------------------------------------------------------


def test_a_case_cannot_read_outside_its_folder(case, tmp_path):
    add_input(case, "/proc/self/environ", "0" * 64, skip_bad=True)
    line = refused(
        cli("verify", case, "-o", tmp_path / "pack"), "outside the case folder", "--allow-outside"
    )
    assert "SHELL" not in line and not (tmp_path / "pack").exists()
    refused(cli("verify", case, "-o", tmp_path / "pack", "--allow-outside", "/"), "a system file")


def test_dotdot_and_symlinks_out_need_allow_outside(case, tmp_path, samples):
    shutil.copy(samples / CSV, tmp_path / "elsewhere.csv")
    (case / "tracks" / "link.csv").symlink_to(tmp_path / "elsewhere.csv")
    res = cli("case", "add", case, case / "tracks" / "link.csv")
    assert res.exit_code == 0 and "--allow-outside" in res.stderr
    refused(
        cli("verify", case, "-o", tmp_path / "p"), "../elsewhere.csv", "outside the case folder"
    )
    res = cli("verify", case, "-o", tmp_path / "p", "--allow-outside", tmp_path)
    assert res.exit_code == 0, res.output


def test_only_regular_files_are_read(case, tmp_path):
    os.mkfifo(case / "tracks" / "pipe.csv")
    add_input(case, "tracks/pipe.csv", "0" * 64)
    refused(cli("verify", case, "-o", tmp_path / "p"), "not a regular file")


@pytest.mark.parametrize("sha", [None, ""])
def test_a_missing_or_empty_sha256_is_an_error(case, tmp_path, samples, sha):
    shutil.copy(samples / CSV, case / "tracks" / "new.csv")
    add_input(case, "tracks/new.csv", sha)
    refused(cli("verify", case, "-o", tmp_path / "p"), "sha256", "missing or empty", "case add")


def test_errors_quote_only_a_short_prefix_of_non_track_files(case, tmp_path):
    secret = "time,lat,lon,db_host,db_user,db_password,hunter2-very-secret-value"
    (case / "secrets.csv").write_text(secret + "\n")
    assert cli("case", "add", case, case / "secrets.csv").exit_code == 0
    assert cli("case", "add", case, case / "secrets.csv").exit_code == 0
    (case / "conf.env").write_text("IS_SANDBOX=yes\x00SHELL=/bin/bash\x00TOKEN=abcdef\n")
    assert cli("case", "add", case, case / "conf.env").exit_code == 0
    text = (
        (case / "case.toml")
        .read_text()
        .replace("[case]", '[settings]\nformat = "csv"\nskip_bad = true\n\n[case]')
    )
    (case / "case.toml").write_text(text)
    res = cli("verify", case, "-o", tmp_path / "p")
    assert res.exit_code == 0, res.output
    pack = "".join(p.read_text(errors="replace") for p in (tmp_path / "p").iterdir())
    assert "hunter2" not in pack + res.output and "TOKEN" not in pack + res.output


# 4. Every bound holds at its edge -----------------------------------------------------------


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_gzip_bound_is_exact(tmp_path):
    path = _write(tmp_path, "z.gz", gzip.compress(b"\0" * 100_000))
    assert len(unwrap(path, 100_000)[0]) == 100_000
    with pytest.raises(InputError, match="more than 99,999 bytes in all"):
        unwrap(path, 99_999)


def test_bound_is_total_across_layers_and_members(tmp_path):
    noise = os.urandom(600_000)  # incompressible: each layer expands to ~600 kB
    nested = _write(tmp_path, "gz2", gzip.compress(gzip.compress(noise)))
    assert unwrap(nested, 1_300_000)[1] == "gzip+gzip"
    with pytest.raises(InputError, match="in all"):
        unwrap(nested, 1_100_000)  # each layer fits, both together do not
    members = _write(tmp_path, "cat.gz", b"".join(gzip.compress(b"\0" * 400_000) for _ in range(3)))
    assert len(unwrap(members, 1_200_000)[0]) == 1_200_000
    with pytest.raises(InputError, match="in all"):
        unwrap(members, 1_199_999)


def _zip(name: str, data: bytes, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        zf.writestr(name, data)
    return buf.getvalue()


def test_zip_bombs_and_nested_zips_are_bounded(tmp_path):
    kmz = _write(tmp_path, "bomb.kmz", _zip("doc.kml", b"\0" * 3_000_000))
    assert kmz.stat().st_size < 20_000
    with pytest.raises(InputError, match="zip member 'doc.kml' decompresses to more than"):
        unwrap(kmz, 1_000_000)
    inner = _zip("doc.kml", b"\0" * 900_000)
    nested = _write(tmp_path, "n.kmz", _zip("a.zip", _zip("b.zip", inner)))
    assert len(unwrap(nested, 1_000_000)[0]) == 900_000
    with pytest.raises(InputError, match="in all"):
        unwrap(nested, 900_500)  # the last layer alone fits


def test_nesting_depth_and_member_count_edges(tmp_path, monkeypatch):
    data = b"time,lat,lon\n"
    for _ in range(3):
        data = gzip.compress(data)
    assert unwrap(_write(tmp_path, "g3", data))[1] == "gzip+gzip+gzip"
    with pytest.raises(InputError, match="nested more than 3 deep"):
        unwrap(_write(tmp_path, "g4", gzip.compress(data)))
    monkeypatch.setattr(containers, "MAX_MEMBERS", 5)
    five = b"".join(gzip.compress(b"x") for _ in range(5))
    assert unwrap(_write(tmp_path, "m5", five))[0] == b"xxxxx"
    with pytest.raises(InputError, match="more than 5 members"):
        unwrap(_write(tmp_path, "m6", five + gzip.compress(b"x")))


def test_many_tiny_gzip_members_fail_fast(tmp_path):
    member = gzip.compress(b"x")
    path = _write(tmp_path, "many.gz", member * (containers.MAX_MEMBERS + 1))
    start = time.perf_counter()
    with pytest.raises(InputError, match="members"):
        unwrap(path)
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize("value", ["0", "-1"])
def test_max_decompressed_must_be_positive(tmp_path, samples, value):
    res = cli("inspect", samples / CSV, "--max-decompressed", value)
    assert res.exit_code == 2 and "--max-decompressed" in res.stderr
    with pytest.raises(InputError, match="must be positive"):
        unwrap(samples / CSV, int(value))


def test_header_length_and_column_count_edges(tmp_path):
    import flightcheck
    from flightcheck.io.plaincsv import MAX_COLUMNS

    def table(n_columns: int) -> bytes:
        names = ["time", "hex", "lat", "lon"] + [f"c{i}" for i in range(n_columns - 4)]
        return (
            ",".join(names)
            + "\n2025-10-17T07:00:00Z,4c01e5,44.8,20.3"
            + "," * (n_columns - 4)
            + "\n"
        ).encode()

    ok = _write(tmp_path, "ok.csv", table(MAX_COLUMNS))
    assert len(flightcheck.read(ok).df) == 1
    wide = _write(tmp_path, "wide.csv", table(MAX_COLUMNS + 1))
    with pytest.raises(InputError, match="no delimited header line"):
        flightcheck.read(wide, format="csv")
    huge = _write(tmp_path, "huge.csv", b"time,lat,lon" + b"," * (1 << 20) + b"\n1,2,3\n")
    start = time.perf_counter()
    with pytest.raises(InputError, match="at most 1,000 columns"):
        flightcheck.read(huge, format="csv")
    assert time.perf_counter() - start < 5


def test_glob_over_a_symlink_loop_ends(tmp_path, samples, monkeypatch):
    loop = tmp_path / "l"
    loop.mkdir()
    shutil.copy(samples / CSV, loop / "t.csv")
    (loop / "a").symlink_to(".")
    (loop / "b").symlink_to(".")
    monkeypatch.chdir(tmp_path)
    start = time.perf_counter()
    res = cli("inspect", "l/**", "--json")
    assert res.exit_code == 0, res.output
    assert time.perf_counter() - start < 20
    assert [i["path"] for i in json.loads(res.stdout)["inputs"]] == ["l/t.csv"]


def test_peak_memory_stays_under_the_bound_plus_overhead(tmp_path):
    """A 64 MiB gzip bomb against a 16 MiB bound, in a fresh process: peak RSS grows by at
    most the bound plus 32 MiB (the compressed file and the inflater's buffers)."""
    bomb = tmp_path / "bomb.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as fh:
        for _ in range(64):
            fh.write(b"\0" * (1 << 20))
    code = (
        "import resource, sys\nfrom flightcheck.io.containers import load\n"
        "from flightcheck.errors import InputError\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n    load(sys.argv[1], 16 << 20)\nexcept InputError:\n    pass\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    grew_kib = int(
        subprocess.run(
            [sys.executable, "-c", code, str(bomb)], check=True, capture_output=True, text=True
        ).stdout
    )
    assert grew_kib * 1024 < (16 << 20) + (32 << 20)


# 5. No internal error from data -----------------------------------------------------------

BAD_TIMES = [
    "9999-01-01T00:00:00Z",
    "0001-01-01T00:00:00Z",
    "2262-05-01T00:00:00Z",
    "1900-01-01T00:00:00Z",
    "-1",
    "inf",
    "1e18",
    "2099-01-01T00:00:00Z",
]


@pytest.mark.parametrize("when", BAD_TIMES)
def test_out_of_range_times_are_bad_records(tmp_path, when):
    path = _write(
        tmp_path, "t.csv", rows(f"{when},4c01e5,SRB1,YU-SRB,44.78,20.34,3800,260,127,-500")
    )
    line = refused(cli("inspect", path), "record 4")
    assert "time" in line
    res = cli("inspect", path, "--skip-bad", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["inputs"][0]["points"] == 2
    if when.startswith("2099"):
        assert cli("inspect", path, "--allow-future").exit_code == 0


@pytest.mark.parametrize(
    "column, value",
    [("time", "99999999999"), ("time", "-1"), ("lastposupdate", "inf"), ("time", "1e18")],
)
def test_opensky_times_out_of_range(tmp_path, samples, column, value):
    import pandas as pd

    src = pd.read_csv(samples / "opensky" / "states_2025-10-16-13.csv", nrows=20)
    src[column] = src[column].astype("float64")
    src.loc[5, column] = float(value)
    src.to_csv(tmp_path / "s.csv", index=False)
    src.to_parquet(tmp_path / "s.parquet")
    for name in ("s.csv", "s.parquet"):
        res = cli("inspect", tmp_path / name, "--skip-bad", "--json")
        assert res.exit_code == 0, res.output
        res = cli("inspect", tmp_path / name)
        assert res.exit_code in (0, 2) and "internal error" not in res.stderr, res.output


def _patch_zip(data: bytes, flag: int | None = None, method: int | None = None) -> bytes:
    """Set a zip's member flag bits / compression method in both headers."""
    raw = bytearray(data)
    central = raw.index(b"PK\x01\x02")
    if flag is not None:
        raw[6:8] = flag.to_bytes(2, "little")
        raw[central + 8 : central + 10] = flag.to_bytes(2, "little")
    if method is not None:
        raw[8:10] = method.to_bytes(2, "little")
        raw[central + 10 : central + 12] = method.to_bytes(2, "little")
    return bytes(raw)


@pytest.mark.parametrize(
    "flag, method, message",
    [
        (1, None, "is encrypted"),
        (None, 9, "method 9"),
        (None, 93, "method 93"),
        (1, 99, "is encrypted"),
    ],
)
def test_encrypted_and_unsupported_zips(tmp_path, samples, flag, method, message):
    kml = next((samples / "flightaware").glob("*.kml")).read_bytes()
    path = _write(tmp_path, "x.kmz", _patch_zip(_zip("doc.kml", kml), flag, method))
    refused(cli("inspect", path), "x.kmz", message)


def test_a_tar_claiming_a_huge_size_is_refused(tmp_path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        info = tarfile.TarInfo("t.csv")
        body = b"time,lat,lon\n"
        info.size = len(body)
        info.pax_headers = {"size": str(10**20)}
        tf.addfile(info, io.BytesIO(body))
    refused(cli("inspect", _write(tmp_path, "x.tar", buf.getvalue())), "x.tar")


def test_an_unreadable_input_is_one_line(tmp_path, samples, monkeypatch, case):
    import flightcheck.case.edit as edit
    import flightcheck.io.sources as sources

    def denied(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(sources, "_read_local", denied)  # the file is read (and hashed) once
    refused(cli("inspect", samples / CSV), "cannot read file", "Permission denied")
    monkeypatch.setattr(edit, "sha256_file", denied)
    refused(cli("verify", case, "-o", tmp_path / "p"), "cannot read file")


@pytest.mark.parametrize(
    "body, message",
    [
        (
            "claims = 5",
            "claims: expected an array of tables (write each as [[claims]]), got an integer",
        ),
        ('[claims]\nid = "x"', "claims: expected an array of tables"),
        ("annotations = [5]", "annotations[0]: expected a table, got an integer"),
        ('settings = "x"', "settings: expected a table ([settings]), got a string"),
        ("case = 5", "case: expected a table, got an integer"),
        ('inputs = "a.csv"', "inputs: expected an array of tables"),
        ("[[inputs]]\npath = 5", "inputs[0].path: expected a string in quotes, got an integer"),
        ('[[inputs]]\npath = "a.csv"\nsha256 = 5', "inputs[0].sha256: expected a string"),
        (
            '[[claims]]\nid = "x"\nkind = "stop"\naircraft = "010075"\nairport = "LYBT"\nfrom = nan',  # noqa: E501
            "claims[0].from: expected a date/time",
        ),
        (
            '[[claims]]\nid = "x"\nkind = "stop"\naircraft = "010075"\nairport = "LYBT"\nfrom = 5',
            "claims[0].from: expected a date/time",
        ),
        (
            '[[annotations]]\nlabel = "l"\ntime = 9999-01-01T00:00:00Z',
            "annotations[0].time: '9999-01-01 00:00:00+00:00' is outside 1970 .. 2100",
        ),
        ('[[annotations]]\nlabel = "l"\ntime = "9999-01-01"', "outside 1970 .. 2100"),
        ("[settings]\nformat = 5", "settings.format: expected a string"),
    ],
)
def test_case_file_type_errors_name_the_key_and_type(tmp_path, body, message):
    path = tmp_path / "case.toml"
    path.write_text(body + "\n")
    with pytest.raises(
        InputError,
        match=message.replace("[", r"\[")
        .replace("]", r"\]")
        .replace("(", r"\(")
        .replace(")", r"\)")
        .replace("+", r"\+"),
    ):
        load(path)
    refused(cli("verify", tmp_path, "-o", tmp_path / "out"), "case.toml")


def _bad_files(folder: Path) -> None:
    """Files a folder read meets: bad times, a broken gzip, an encrypted KMZ, a PAX lie."""
    _write(folder, "times.csv", HEADER + b"9999-01-01T00:00:00Z,4c01e5,A,B,44,20,1,1,1,1\n")
    _write(folder, "broken.json.gz", gzip.compress(b'{"icao":"4c01e5"}')[:-9])
    _write(folder, "locked.kmz", _patch_zip(_zip("doc.kml", b"<kml/>"), flag=1))
    _write(folder, "zstd.kmz", _patch_zip(_zip("doc.kml", b"<kml/>"), method=93))


def test_skip_bad_folder_reads_scan_and_convert_skip_bad_files(tmp_path, samples):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(samples / TRACE, folder / "trace_full_010075.json")
    _bad_files(folder)
    res = cli("inspect", folder, "--skip-bad", "--json")
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert len(report["skipped"]) == 3  # the whole file is bad
    times = next(i for i in report["inputs"] if i["path"].endswith("times.csv"))
    assert times["points"] == 0  # one bad record: dropped and counted, not the file
    res = cli("scan", folder, "--airport", "LYBT", "--json", "--quiet", "--workers", "1")
    assert res.exit_code == 0, res.output
    res = cli("convert", folder, "-o", tmp_path / "ds", "--quiet", "--workers", "1")
    assert res.exit_code == 0, res.output
    assert res.stderr.count("skipped") >= 3


# 6. No injection outside HTML -------------------------------------------------------------


def test_terminal_control_characters_are_shown_not_run(tmp_path):
    path = _write(
        tmp_path,
        "esc\x1b[2J.csv",
        rows(
            "2025-10-17T07:00:20Z,4c01e5,\x1b[2J,\x1b]52;c;SGVsbG8=\x07,44.78,20.34,3800,260,127,"
            "-500"
        ),
    )
    for args in (["inspect", path], ["route", path], ["stops", path]):
        res = cli(*args)
        assert res.exit_code == 0, res.output
        assert "\x1b" not in res.stdout and "\x07" not in res.stdout
    res = cli("inspect", path)
    assert "\\x1b" in res.stdout
    bad = _write(tmp_path, "bad\x1b]0;title\x07.csv", b"\x00garbage")
    res = cli("inspect", bad)
    assert res.exit_code == 2 and "\x1b" not in res.stderr and "\\x1b]0;title\\x07" in res.stderr


def test_neutralise_keeps_only_plain_colour():
    from flightcheck.output.term import neutralise

    assert neutralise("a\x1b[2Jb\tc\n") == "a\\x1b[2Jb\tc\n"
    assert (
        neutralise("\x1b[1;31mred\x1b[0m \x1b[2J \u202e", keep_colour=True)
        == "\x1b[1;31mred\x1b[0m \\x1b[2J \\u202e"
    )
    assert neutralise("\x9b2J \x1b]52;c;x\x07") == "\\x9b2J \\x1b]52;c;x\\x07"


def test_csv_export_defuses_formulas_but_keeps_numbers(tmp_path):
    import pandas as pd

    path = _write(
        tmp_path,
        "f.csv",
        rows(
            '2025-10-17T07:00:20Z,4c01e5,=HYPERLINK("http://x"),@SUM(A1),44.78,20.34,3800,260,'
            "127,-500",
            "2025-10-17T07:00:30Z,4c01e5,+1,-2+3,44.77,20.36,4200,265,127,-500",
        ),
    )
    assert cli("export", path, "--to", "csv", "-o", tmp_path / "out.csv").exit_code == 0
    out = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    cells = set(out["callsign"]) | set(out["registration"])
    assert {'\'=HYPERLINK("http://x")', "'@SUM(A1)", "'+1", "'-2+3"} <= cells
    assert not any(c[:1] in "=+-@" for c in cells)
    assert set(out["vrate_fpm"]) == {"-500.0"}  # numbers stay numbers
    assert (
        cli("export", path, "--to", "csv", "-o", tmp_path / "raw.csv", "--raw-csv").exit_code == 0
    )
    raw = pd.read_csv(tmp_path / "raw.csv", dtype=str, keep_default_na=False)
    assert '=HYPERLINK("http://x")' in set(raw["callsign"])


# 7. No silent acceptance ------------------------------------------------------------------


def test_case_add_never_records_the_case_file(case):
    res = cli("case", "add", case, case)
    assert res.exit_code == 0
    assert all(i.path != "case.toml" for i in load(case).inputs)


def test_fr24_time_of_1900_mid_file_is_refused_in_strict_mode(tmp_path, samples):
    lines = (
        (samples / "fr24" / "MSR771_Flightradar24_ADS-B_data_granular.csv")
        .read_bytes()
        .splitlines(keepends=True)
    )
    lines[5] = lines[5].replace(b"2025-10-16", b"1900-10-16")
    path = _write(tmp_path, "g.csv", b"".join(lines))
    refused(cli("inspect", path), "record", "1970")
    res = cli("inspect", path, "--skip-bad", "--json")
    assert res.exit_code == 0
    assert json.loads(res.stdout)["inputs"][0]["points"] == len(lines) - 2


@pytest.mark.parametrize("when", ["9999-01-01T00:00:00Z", "yesterday", "1900-01-01T00:00:00Z"])
def test_one_bad_kml_when_drops_one_record(tmp_path, samples, when):
    src = next((samples / "fr24").glob("*.kml")).read_text()
    first = src.index("<when>") + len("<when>")
    bad = src[:first] + when + src[src.index("</when>", first) :]
    path = _write(tmp_path, "t.kml", bad.encode())
    refused(cli("inspect", path), "record 1")
    res = cli("inspect", path, "--skip-bad", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["inputs"][0]["points"] == src.count("<when>") - 1


@pytest.mark.parametrize("value", ["inf", "-inf", "1e300"])
def test_infinite_or_huge_measurements_are_bad_records(tmp_path, value):
    path = _write(
        tmp_path,
        "t.csv",
        rows(f"2025-10-17T07:00:20Z,4c01e5,A,B,44.78,20.34,3800,260,{value},-500"),
    )
    refused(cli("inspect", path), "record 4", "track_deg outside")
    res = cli("inspect", path, "--skip-bad", "--json")
    assert res.exit_code == 0 and "RuntimeWarning" not in res.stderr
    assert json.loads(res.stdout)["inputs"][0]["points"] == 2


def test_usage_errors_are_not_internal_errors(tmp_path):
    refused(cli("verify", tmp_path), "needs CASE and -o")
    with pytest.raises(UsageError):
        from flightcheck.output.outpaths import check_folder

        check_folder("-o", tmp_path, [tmp_path / "x.csv"], tmp_path)
