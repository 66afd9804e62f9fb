"""The CLI contract: exit codes, one-line errors, JSON on stdout."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys

from click.testing import CliRunner

from flightcheck.cli import main

CSV = (
    b"timestamp,hex,latitude,longitude,altitude,callsign\n"
    b"1760000000,010075,44.90,20.30,3000,EGY1076\n"
    b"1760000060,010075,44.92,20.28,2000,EGY1076\n"
    b"1760003660,010075,44.0,21.0,30000,EGY1076\n"
)


def run(*args):
    return CliRunner().invoke(main, list(map(str, args)))


def test_inspect_json_shape(tmp_path):
    p = tmp_path / "track.csv"
    p.write_bytes(CSV)
    res = run("inspect", p, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert set(out) >= {"inputs", "aircraft"}
    (inp,) = out["inputs"]
    assert {"path", "sha256", "format", "points", "dropped"} <= set(inp)
    assert inp["points"] == 3 and inp["format"] == "csv"
    (ac,) = out["aircraft"]
    assert {
        "icao24",
        "registration",
        "typecode",
        "callsigns",
        "points",
        "first",
        "last",
        "sources",
    } <= set(ac)
    assert ac["callsigns"] == ["EGY1076"]
    assert ac["first"] == "2025-10-09T08:53:20Z"
    assert ac["largest_gaps"][0]["duration_s"] == 3600.0


def test_inspect_readable(tmp_path):
    p = tmp_path / "track.csv"
    p.write_bytes(CSV)
    res = run("inspect", p)
    assert res.exit_code == 0
    assert "010075" in res.stdout and "EGY1076" in res.stdout


def test_bad_input_is_one_line_exit_2_no_traceback(tmp_path):
    trunc = tmp_path / "trace_full_010075.json"
    trunc.write_bytes(gzip.compress(b'{"icao":"010075","timestamp":1,"trace":[[0,1,2' * 50)[:-9])
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    for path in (trunc, empty, tmp_path / "missing.json"):
        proc = subprocess.run(
            [sys.executable, "-m", "flightcheck.cli", "inspect", str(path)],
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1, proc.stderr
        assert lines[0].startswith("flightcheck: error: ") and path.name in lines[0]
        assert "Traceback" not in proc.stderr


def test_unknown_format_is_usage_error(tmp_path):
    p = tmp_path / "track.csv"
    p.write_bytes(CSV)
    res = run("inspect", p, "--format", "nope")
    assert res.exit_code == 2
    assert "unknown format 'nope'" in res.stderr


def test_readable_output_shows_input_text_literally(tmp_path):
    """Callsigns and file names are printed as they are, never read as rich markup."""
    p = tmp_path / "[bold]track.csv"
    p.write_bytes(CSV.replace(b"EGY1076", b"[red]X[/red]"))
    wide = {"COLUMNS": "400"}
    res = CliRunner().invoke(main, ["inspect", str(p)], env=wide)
    assert res.exit_code == 0, res.output
    assert "[red]X[/red]" in res.stdout and "[bold]track.csv" in res.stdout
    res = CliRunner().invoke(main, ["stops", str(p)], env=wide)
    assert res.exit_code == 0, res.output
