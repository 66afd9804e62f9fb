"""``case claim|add|list|remove`` and ``verify``'s reading options, through the CLI."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from flightcheck.case import load
from flightcheck.cli import main

TRACE = "globe_history/2025/10/16/traces/75/trace_full_010075.json"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def case(tmp_path, samples):
    """A case folder holding two track files, one claim and one annotation."""
    folder = tmp_path / "c"
    (folder / "tracks").mkdir(parents=True)
    shutil.copy(samples / TRACE, folder / "tracks" / "010075.json")
    shutil.copy(samples / "sbs" / "belgrade_30003_20251016.log", folder / "tracks" / "sbs.log")
    assert run("case", "init", folder).exit_code == 0
    assert run("case", "add", folder, folder / "tracks").exit_code == 0
    assert (
        run(
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
            "--from",
            "2025-10-16",
        ).exit_code
        == 0
    )
    assert (
        run(
            "case",
            "annotate",
            folder,
            "--id",
            "n1",
            "--label",
            "delivery",
            "--airport",
            "LYBT",
            "--time",
            "2025-10-16T10:00Z",
        ).exit_code
        == 0
    )
    return folder


@pytest.mark.parametrize(
    "args, message",
    [
        (["--airport", "XXXX"], "'XXXX' is the code of TR-0303"),
        (["--airport", "Beijing"], "ZBAD"),
        (["--airport", "LYBT", "--from", "2025-10-17", "--to", "2025-10-16"], "is before from"),
        (["--airport", "LYBT", "--from", "next week"], "not a date/time"),
        # the year 1 to pandas; written as 1-10-16 it read back as 2016-01-10
        (["--airport", "LYBT", "--from", "16 Oct"], "outside 1970 .. 2100"),
        (["--kind", "route", "--route", "EG,,RS"], "route[1] is empty"),
        (["--kind", "route", "--route", "EG,Atlantis"], "route[1]"),
        (["--kind", "stop"], "a stop claim needs airport or country"),
    ],
)
def test_refused_claims_leave_the_case_untouched(case, args, message):
    before = (case / "case.toml").read_bytes()
    kind = [] if "--kind" in args else ["--kind", "stop"]
    res = run("case", "claim", case, "--id", "bad", "--aircraft", "010075", *kind, *args)
    assert res.exit_code == 2 and message in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert (case / "case.toml").read_bytes() == before


def test_add_folder_takes_track_data_only(case, samples):
    assert run("verify", case, "-o", case / "pack").exit_code == 0  # a pack inside the case
    (case / "notes.txt").write_text("call the source back\n")
    (case / "tracks" / "empty.json").write_bytes(b"")
    shutil.copy(samples / "fr24" / "EGY1076_3c1f0a2b.csv", case / "fr24.csv")
    res = run("case", "add", case, case)
    assert res.exit_code == 0, res.output
    assert len(res.stdout.splitlines()) == 1 and res.stdout.startswith("added fr24.csv  sha256")
    skipped = {
        line.split(": ", 2)[1].split("/c/", 1)[1]: line.split(": ", 2)[2]
        for line in res.stderr.splitlines()
    }
    assert skipped["case.toml"] == "the case file itself"
    assert skipped["notes.txt"].startswith("not track data")
    assert skipped["tracks/empty.json"] == "unreadable (empty file)"
    assert skipped["pack/stops.csv"].startswith("part of the evidence pack")
    assert [i.path for i in load(case).inputs] == [
        "tracks/010075.json",
        "tracks/sbs.log",
        "fr24.csv",
    ]


def test_many_skipped_files_are_counted_by_reason(case):
    for n in range(12):
        (case / "tracks" / f"readme{n}.txt").write_text("not a track\n")
    res = run("case", "add", case, case / "tracks")
    assert res.exit_code == 0
    assert res.stderr.strip() == (
        "flightcheck: skipped 12 files: not track data (no reader recognises it)"
    )


def test_the_case_file_named_explicitly_is_refused(case):
    before = (case / "case.toml").read_bytes()
    res = run("case", "add", case, case / "case.toml")
    assert res.exit_code == 2 and "the case file itself" in res.stderr
    assert (case / "case.toml").read_bytes() == before


def test_changed_input_needs_update_and_is_recorded(case, tmp_path):
    trace = case / "tracks" / "010075.json"
    old = json.loads(run("case", "list", case, "--json").stdout)["inputs"][0]["sha256"]
    trace.write_bytes(trace.read_bytes() + b"\n")
    before = (case / "case.toml").read_bytes()
    res = run("case", "add", case, trace)
    assert res.exit_code == 2 and "--update" in res.stderr
    assert (case / "case.toml").read_bytes() == before
    listed = json.loads(run("case", "list", case, "--json").stdout)
    assert [i["status"] for i in listed["inputs"]] == ["changed", "ok"]
    assert run("verify", case, "-o", tmp_path / "out").exit_code == 2  # refuses changed input
    res = run("case", "add", case, trace, "--update")
    assert res.exit_code == 0 and res.stdout.startswith("updated tracks/010075.json")
    listed = json.loads(run("case", "list", case, "--json").stdout)
    assert [i["status"] for i in listed["inputs"]] == ["ok", "ok"]
    change = listed["input_changes"][0]
    assert (change["path"], change["old_sha256"]) == ("tracks/010075.json", old)
    assert change["new_sha256"] == listed["inputs"][0]["sha256"] != old
    res = run("verify", case, "-o", tmp_path / "out", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["input_changes"] == [change]


def test_list_shows_inputs_claims_and_annotations(case):
    (case / "tracks" / "sbs.log").unlink()
    res = run("case", "list", case)
    assert res.exit_code == 0
    assert "ok        tracks/010075.json" in res.stdout
    assert "missing   tracks/sbs.log" in res.stdout
    assert "lybt: stop LYBT, 010075, 2025-10-16T00:00:00Z" in res.stdout
    assert "n1: delivery" in res.stdout
    listed = json.loads(run("case", "list", case, "--json").stdout)
    assert listed["claims"][0]["resolved"][0]["name"] == "Batajnica Air Base"
    assert listed["annotations"][0]["airport"] == "LYBT"


def test_remove_by_id_or_path(case):
    assert (
        run(
            "case",
            "annotate",
            case,
            "--id",
            "lybt",
            "--label",
            "same id as the claim",
            "--time",
            "2025-10-16T10:00Z",
        ).exit_code
        == 0
    )
    res = run("case", "remove", case, "lybt")
    assert res.exit_code == 2 and "claim:lybt or annotation:lybt" in res.stderr
    assert run("case", "remove", case, "claim:lybt").stdout == "removed claim lybt\n"
    assert run("case", "remove", case, "n1").stdout == "removed annotation n1\n"
    res = run("case", "remove", case, case / "tracks" / "sbs.log")
    assert res.stdout == "removed input tracks/sbs.log\n"
    assert run("case", "remove", case, "nothing-here").exit_code == 2
    loaded = load(case)
    assert [c.id for c in loaded.claims] == [] and [a.id for a in loaded.annotations] == ["lybt"]
    assert [i.path for i in loaded.inputs] == ["tracks/010075.json"]
    assert '# kind = "route"' in (case / "case.toml").read_text()  # comments survive


def test_verify_reading_options_are_used_and_recorded(case, tmp_path):
    bad = case / "tracks" / "broken.json"
    bad.write_text('{"icao": "010075", "trace": [[0, 44.9, 20.2, ')
    assert run("case", "add", case, bad).exit_code == 0
    res = run("verify", case, "-o", tmp_path / "a")
    assert res.exit_code == 2 and "broken.json" in res.stderr
    res = run(
        "verify", case, "-o", tmp_path / "a", "--skip-bad", "--tz", "Europe/Belgrade", "--json"
    )
    assert res.exit_code == 0, res.output
    manifest = json.loads(res.stdout)
    assert manifest["parameters"] == {
        "tz": "Europe/Belgrade",
        "skip_bad": True,
        "format": None,
        "allow_future": False,
    }
    assert load(case).settings == {"skip_bad": True, "tz": "Europe/Belgrade"}
    broken = next(i for i in manifest["inputs"] if i["path"].endswith("broken.json"))
    assert broken["points"] == 0
    res = run("verify", case, "-o", tmp_path / "b", "--json")  # the settings stay
    assert json.loads(res.stdout)["parameters"]["skip_bad"] is True
    utc = run("verify", case, "-o", tmp_path / "d", "--tz", "UTC", "--json")
    sbs = [
        next(i for i in json.loads(r.stdout)["inputs"] if i["path"].endswith("sbs.log"))
        for r in (res, utc)
    ]
    assert sbs[0]["points"] == sbs[1]["points"] > 0
    assert (tmp_path / "b" / "tracks.geojson").read_bytes() != (
        tmp_path / "d" / "tracks.geojson"
    ).read_bytes()  # SBS local times moved by the zone


def test_verify_refuses_bad_reading_options(case, tmp_path):
    before = (case / "case.toml").read_bytes()
    for args, message in (
        (["--tz", "Mars/Olympus"], "settings.tz"),
        (["--format", "teletext"], "settings.format"),
    ):
        res = run("verify", case, "-o", tmp_path / "out", *args)
        assert res.exit_code == 2 and message in res.stderr, res.output
    assert (case / "case.toml").read_bytes() == before


def test_an_input_listed_by_hand_gets_its_hash(case):
    path = case / "case.toml"
    path.write_text(path.read_text() + '[[inputs]]\npath = "extra.json"\n')
    shutil.copy(case / "tracks" / "010075.json", case / "extra.json")
    statuses = [
        i["status"] for i in json.loads(run("case", "list", case, "--json").stdout)["inputs"]
    ]
    assert statuses == ["ok", "ok", "unhashed"]
    res = run("case", "add", case, case / "extra.json")
    assert res.exit_code == 0 and res.stdout.startswith("hashed extra.json  sha256 ")
    listed = json.loads(run("case", "list", case, "--json").stdout)
    assert [i["status"] for i in listed["inputs"]] == ["ok", "ok", "ok"]
    assert listed["input_changes"] == []


def test_annotations_store_the_airport_code(case):
    res = run(
        "case",
        "annotate",
        case,
        "--id",
        "n2",
        "--label",
        "x",
        "--airport",
        "Batajnica",
        "--time",
        "2025-10-16T10:00Z",
    )
    assert res.exit_code == 0, res.output
    assert 'airport = "LYBT"\nplace = "Batajnica"' in (case / "case.toml").read_text()
    before = (case / "case.toml").read_bytes()
    res = run(
        "case",
        "annotate",
        case,
        "--id",
        "n3",
        "--label",
        "x",
        "--airport",
        "XXXX",
        "--time",
        "2025-10-16T10:00Z",
    )
    assert res.exit_code == 2 and "annotation 'n3': airport: 'XXXX'" in res.stderr
    assert (case / "case.toml").read_bytes() == before
