"""Cases: editing the case file, verdicts on the sample story, the evidence pack, demo."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from flightcheck.case import add, annotate, check_inputs, claim, init, load
from flightcheck.case.pack import run
from flightcheck.cli import main
from flightcheck.errors import InputError, UsageError


@pytest.fixture(scope="module")
def pack(tmp_path_factory, samples):
    out = tmp_path_factory.mktemp("pack")
    manifest = run(samples / "case.toml", out)
    return out, manifest


def test_bundled_case_verdicts(pack):
    out, manifest = pack
    verdicts = {c["id"]: c for c in json.loads((out / "verdicts.json").read_text())["claims"]}
    assert {k: v["verdict"] for k, v in verdicts.items()} == {
        "route-eg-cn-rs": "supported",
        "landed-lybt": "supported",
        "landed-lybe": "inconclusive",
        "refuel-athens": "contradicted",
        "over-iran": "inconclusive",
    }
    route = verdicts["route-eg-cn-rs"]
    assert "HECW → ZWWW → LYBT" in route["reasons"][0]
    assert {e["airport"] for e in route["evidence"]} == {"HECW", "ZWWW", "LYBT"}
    lybt = verdicts["landed-lybt"]
    assert lybt["evidence"][0]["kind"] == "inferred"
    assert "trace_full_010075.json" in str(lybt["evidence"][0]["evidence"])
    # LYBE is 13 km from LYBT, where the Il-76 sat silent for 4 h 43 min: the data cannot
    # exclude a hop there, so the claim is open, with the engine's reading and the numbers
    lybe = verdicts["landed-lybe"]
    assert lybe["confidence"] == 0.0
    silence = next(r for r in lybe["reasons"] if "silent 4 h 43 min" in r)
    assert "inferred stop at LYBT" in silence and "needs at least 2 min" in silence
    assert any("would settle it" in r for r in lybe["reasons"])
    # observed all the way home: a stop at Athens is ruled out, with the closest call's numbers
    athens = verdicts["refuel-athens"]
    assert athens["confidence"] > 0.9
    assert "ruled out" in athens["reasons"][0] and "closest call" in athens["reasons"][0]
    assert "150 km after, needing at least 19 min" in athens["reasons"][0]
    reach = next(e for e in athens["evidence"] if e["type"] == "reach")
    assert reach["ruled_out"] and reach["closest_call"]["needed_s"] > 1000
    assert any("IR" in r for r in verdicts["over-iran"]["reasons"])
    assert set(manifest["verdicts"].values()) == {"supported", "contradicted", "inconclusive"}


def test_pack_contents_and_manifest(pack, samples):
    out, manifest = pack
    names = {p.name for p in out.iterdir()}
    assert {
        "verdicts.json",
        "report.html",
        "map.html",
        "stops.csv",
        "tracks.geojson",
        "manifest.json",
    } <= names
    from flightcheck.track.provenance import sha256_file

    listed = {o["path"]: o["sha256"] for o in manifest["outputs"]}
    assert set(listed) == names - {"manifest.json"}
    for name, digest in listed.items():
        assert sha256_file(out / name) == digest
    case = load(samples / "case.toml")
    assert [i["sha256"] for i in manifest["inputs"]] == [i.sha256 for i in case.inputs]
    assert manifest["reference_data"]
    report = (out / "report.html").read_text()
    assert "suspected delivery" in report and "CONTRADICTED" not in report  # css uppercases
    assert "What the confidence means" in report and "closest call" in report
    assert "Transponder off on the ground" in report


def test_same_inputs_same_bytes(pack, tmp_path, samples):
    out, _ = pack
    run(samples / "case.toml", tmp_path)
    for name in ("verdicts.json", "stops.csv", "tracks.geojson", "map.html"):  # report: time
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


def test_case_editing_roundtrip(tmp_path, samples):
    folder = tmp_path / "case"
    path = init(folder, title="Test <case>")
    with pytest.raises(UsageError):
        init(folder)
    src = tmp_path / "trace_full_010075.json"
    shutil.copy(next(samples.glob("globe_history/2025/10/16/traces/75/*.json")), src)
    added = add(path, [src])
    assert added[0]["path"] == "../trace_full_010075.json"
    assert add(path, [src]) == []  # same file, same hash: nothing new
    claim(
        path,
        "c1",
        "stop",
        aircraft="010075",
        airport="LYBT",
        start="2025-10-16T00:00Z",
        end="2025-10-16T23:59Z",
        text="landed at Batajnica",
    )
    annotate(
        path,
        "n1",
        "suspected delivery",
        aircraft="010075",
        airport="LYBT",
        time="2025-10-16T10:00Z",
        note="comment kept",
    )
    text = path.read_text()
    assert '# kind = "route"' in text  # the template's comments survive edits
    case = load(path)
    assert case.title == "Test <case>"
    assert [c.id for c in case.claims] == ["c1"] and case.annotations[0].label
    assert check_inputs(case, [tmp_path])[0]["sha256"] == added[0]["sha256"]
    with pytest.raises(UsageError, match="already exists"):
        claim(path, "c1", "stop", aircraft="010075", airport="LYBT")
    src.write_bytes(src.read_bytes() + b" ")
    with pytest.raises(InputError, match="changed since it was added"):
        check_inputs(load(path), [tmp_path])


@pytest.mark.parametrize(
    "body, message",
    [
        ('[[claims]]\nid = "x"\nkind = "teleport"\naircraft = "010075"\n', "claims[0].kind"),
        (
            '[[claims]]\nid = "x"\nkind = "route"\naircraft = "010075"\nroute = ["EG"]\n',
            "at least two places",
        ),
        ('[[claims]]\nid = "x"\nkind = "stop"\nairport = "LYBT"\n', "say which aircraft"),
        (
            '[[claims]]\nid = "x"\nkind = "stop"\naircraft = "1"\nairport = "LYBT"\nfrom = "soon"\n',  # noqa: E501
            "claims[0].from",
        ),
        ("[case\ntitle = 1", "not valid TOML"),
    ],
)
def test_bad_case_files_are_one_line_errors(tmp_path, body, message):
    path = tmp_path / "case.toml"
    path.write_text(body)
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load(path)


def test_cli_case_workflow_and_verify(tmp_path, samples):
    runner = CliRunner()
    folder = tmp_path / "c"
    assert runner.invoke(main, ["case", "init", str(folder)]).exit_code == 0
    res = runner.invoke(main, ["case", "add", str(folder), str(samples / "globe_history")])
    assert res.exit_code == 0 and res.stdout.count("added") == 3
    res = runner.invoke(
        main,
        [
            "case",
            "claim",
            str(folder),
            "--id",
            "r",
            "--kind",
            "route",
            "--aircraft",
            "010075",
            "--route",
            "EG,CN,RS",
        ],
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        main,
        [
            "case",
            "claim",
            str(folder),
            "--id",
            "z",
            "--kind",
            "stop",
            "--aircraft",
            "4c0000",
            "--airport",
            "LYBT",
        ],
    )
    assert res.exit_code == 0
    res = runner.invoke(
        main,
        [
            "verify",
            str(folder),
            "-o",
            str(tmp_path / "out"),
            "--json",
            "--allow-outside",
            str(samples),
        ],
    )
    assert res.exit_code == 0, res.output
    manifest = json.loads(res.stdout)
    assert manifest["verdicts"] == {"r": "supported", "z": "inconclusive"}
    verdicts = json.loads((tmp_path / "out" / "verdicts.json").read_text())
    z = next(c for c in verdicts["claims"] if c["id"] == "z")
    assert "no aircraft matching '4c0000'" in z["reasons"][0]


def test_demo_command(tmp_path):
    res = CliRunner().invoke(main, ["demo", "-o", str(tmp_path / "demo")])
    assert res.exit_code == 0, res.output
    assert "supported" in res.stdout and "contradicted" in res.stdout
    assert (tmp_path / "demo" / "report.html").is_file()


def test_map_with_case_shows_annotations(tmp_path, samples):
    out = tmp_path / "map.html"
    res = CliRunner().invoke(
        main, ["map", "--case", str(samples), "--icao24", "010075", "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    html = out.read_text()
    assert "suspected delivery" in html and "Transponder off on the ground" in html
    assert "Egyptian Il-76 flights to Batajnica" in html
    from flightcheck.maps import remote_references

    assert remote_references(html) == []


def test_report_escapes_case_text(tmp_path, samples):
    import shutil

    folder = tmp_path / "c"
    path = init(folder, title="<script>alert(1)</script>")
    src = tmp_path / "t.json"
    shutil.copy(next(samples.glob("globe_history/2025/10/16/traces/75/*.json")), src)
    add(path, [src])
    claim(path, "x", "stop", aircraft="010075", airport="LYBT", text="<img src=x onerror=alert(2)>")
    run(path, tmp_path / "out", map_html=False, allow_outside=[tmp_path])
    report = (tmp_path / "out" / "report.html").read_text()
    assert "<script>alert(1)</script>" not in report and "&lt;script&gt;" in report
    assert "<img src=x" not in report and "&lt;img src=x" in report
