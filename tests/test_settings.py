"""EngineSettings: thresholds that move findings, reach every part of the engine (forked
workers, routes, verify, the case file) and are recorded with the findings."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest
import tomlkit
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from flightcheck.case import load
from flightcheck.case.pack import run as run_pack
from flightcheck.cli import main
from flightcheck.errors import InputError
from flightcheck.routes import build_routes
from flightcheck.segment import detect
from flightcheck.settings import DEFAULT, EngineSettings, SettingsError, describe, names
from flightcheck.track.provenance import sha256_file

TRACE = "globe_history/2025/10/16/traces/75/trace_full_010075.json"


def _inferred(seg) -> dict[str, float]:
    """Airport -> dwell_s of the inferred stops that have both ends (not open at an edge)."""
    s = seg.stops
    both = s[(s["kind"] == "inferred") & s["arrival"].notna() & s["departure"].notna()]
    return dict(zip(both["airport"], both["dwell_s"], strict=True))


def test_every_field_has_a_unit_a_reason_and_a_group():
    rows = describe()
    assert len(rows) == len(names()) > 100
    for row in rows:
        assert row["unit"] and row["reason"] and row["group"], row["name"]
        assert row["value"] == row["default"]


def test_names_that_meant_different_things_are_different_fields():
    d = DEFAULT
    # a silence long enough for an inferred stop is not a leg's coverage break, nor a
    # vessel's gap; the gap margin of aircraft is not that of vessels
    assert (d.min_silence_s, d.leg_covered_gap_s, d.vessel_min_gap_s) == (600.0, 300.0, 1800.0)
    assert (d.gap_margin_s, d.vessel_margin_s) == (900.0, 3600.0)
    assert (d.edge_no_runway_km, d.assign_no_runway_km) == (5.0, 1.0)
    assert (d.max_vrate_fpm, d.reach_max_vrate_fpm) == (8000.0, 12000.0)
    assert (d.derived_speed_min_dt_s, d.reach_derived_min_dt_s) == (5.0, 30.0)


def test_a_longer_minimum_dwell_drops_the_shorter_inferred_stop(sample_tracks):
    """The sample story's two inferred stops leave 4 h 43 min (LYBT) and 4 h 22 min (HELX)
    on the ground: a minimum between them keeps the first only, a longer one neither;
    observed stops do not depend on it."""
    base = detect(sample_tracks, workers=1)
    dwell = _inferred(base)
    assert set(dwell) == {"LYBT", "HELX"} and dwell["HELX"] < 16000 < dwell["LYBT"]
    between = detect(sample_tracks, workers=1, settings=DEFAULT.replace(min_dwell_s=16000))
    assert set(_inferred(between)) == {"LYBT"}
    longer = detect(sample_tracks, workers=1, settings=DEFAULT.replace(min_dwell_s=20000))
    assert _inferred(longer) == {}
    observed = [s[s["kind"] == "observed"]["airport"].tolist() for s in (base.stops, longer.stops)]
    assert observed[0] == observed[1]
    assert longer.settings.min_dwell_s == 20000.0


def test_a_shorter_silence_threshold_reports_more_gaps(sample_tracks):
    base = detect(sample_tracks, workers=1)
    finer = detect(sample_tracks, workers=1, settings=DEFAULT.replace(min_silence_s=300))
    assert len(finer.gaps) > len(base.gaps)
    assert (finer.gaps["duration_s"] >= 300).all()
    assert (finer.gaps["duration_s"] < 600).any()


def test_settings_reach_forked_workers(sample_tracks):
    chosen = DEFAULT.replace(min_dwell_s=16000, min_silence_s=300)
    one = detect(sample_tracks, workers=1, settings=chosen)
    two = detect(sample_tracks, workers=2, settings=chosen)
    for name in ("stops", "events", "gaps"):
        a, b = getattr(one, name), getattr(two, name)
        assert a.drop(columns=["confidence_factors"], errors="ignore").equals(
            b.drop(columns=["confidence_factors"], errors="ignore")
        ), name
    assert set(_inferred(two)) == {"LYBT"}


def test_routes_use_and_carry_the_settings(sample_tracks):
    chosen = DEFAULT.replace(min_dwell_s=20000)
    routes = build_routes(sample_tracks, settings=chosen)
    assert routes.settings == chosen
    assert routes.to_dict()["settings"]["min_dwell_s"] == 20000.0
    assert not (routes.stops["kind"].eq("inferred") & routes.stops["arrival"].notna()).any()
    # a segmentation found under other settings is not reused
    seg = detect(sample_tracks, workers=1)
    again = build_routes(sample_tracks, seg, settings=chosen, match_sources=False)
    assert again.segmentation is not seg and again.settings == chosen


def test_values_are_checked_with_the_field_named():
    for changes, message in (
        ({"min_dwell_s": -1}, "min_dwell_s: must be positive"),
        ({"gap_margin_share": 1.5}, "gap_margin_share: must be between 0 and 1"),
        ({"spike_window_fixes": 6.5}, "spike_window_fixes: expected a whole number"),
        ({"min_dwell_s": float("nan")}, "min_dwell_s: expected a finite number"),
        ({"min_dwell_s": True}, "min_dwell_s: expected a number, got bool"),
        ({"min_dwel_s": 900}, "min_dwel_s: unknown setting (did you mean min_dwell_s?)"),
        ({"min_alt_ft": 70000}, "min_alt_ft: must be below max_alt_ft"),
    ):
        with pytest.raises(SettingsError) as err:
            DEFAULT.replace(**changes)
        assert str(err.value).startswith(message), str(err.value)
    with pytest.raises(SettingsError):
        EngineSettings(min_silence_s=0)
    assert EngineSettings(min_dwell_s=900) == DEFAULT.replace(min_dwell_s=900.0)


def _changes():
    """Random valid changes: a few fields, each in its range."""

    def value(f: dataclasses.Field):
        check, default = f.metadata["check"], f.default
        if f.metadata["integer"]:
            return st.integers(1, 50)
        if check == "share":
            return st.floats(0.01, 0.99)
        if check == "any":
            return st.floats(-5000.0, 0.0)
        low = 0.0 if check == "non-negative" else 1e-3
        return st.floats(low, 4 * abs(default) + 1)

    fields = {f.name: f for f in dataclasses.fields(EngineSettings)}
    return st.lists(st.sampled_from(sorted(fields)), max_size=6, unique=True).flatmap(
        lambda keys: st.fixed_dictionaries({k: value(fields[k]) for k in keys})
    )


@settings(max_examples=40, deadline=None)
@given(_changes())
def test_settings_round_trip_through_json_and_the_case_file(tmp_path_factory, changes):
    chosen = DEFAULT.replace(**changes)
    assert EngineSettings.from_mapping(json.loads(json.dumps(chosen.to_dict()))) == chosen
    assert EngineSettings.from_mapping(chosen.changed()) == chosen
    doc = tomlkit.document()
    doc["case"] = {"title": "t"}
    table = tomlkit.table()
    table["tz"] = "UTC"
    for key, value in chosen.changed().items():
        table[key] = value
    doc["settings"] = table
    path = tmp_path_factory.mktemp("case") / "case.toml"
    path.write_text(tomlkit.dumps(doc))
    case = load(path)
    assert case.engine == chosen
    assert case.settings["tz"] == "UTC"


@pytest.mark.parametrize(
    "line, message",
    [
        ("min_dwell_s = -5", "case.toml: settings.min_dwell_s: must be positive, got -5"),
        (
            'min_dwell_s = "long"',
            "case.toml: settings.min_dwell_s: expected a number, got a string",
        ),
        ("min_dwell = 900", "case.toml: settings.min_dwell: unknown setting (did you mean"),
        ("gap_margin_share = 0", "case.toml: settings.gap_margin_share: must be between 0 and 1"),
    ],
)
def test_bad_case_settings_are_one_line_errors(tmp_path, line, message):
    path = tmp_path / "case.toml"
    path.write_text(f'[case]\ntitle = "t"\n\n[settings]\n{line}\n')
    with pytest.raises(InputError) as err:
        load(path)
    assert message in str(err.value) and "\n" not in str(err.value)
    res = CliRunner().invoke(main, ["verify", str(path), "-o", str(tmp_path / "out")])
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], res.stderr
    assert not (tmp_path / "out").exists()


@pytest.fixture
def lybt_case(tmp_path, samples):
    """A case: the Il-76's 16 October trace and the claim that it stopped at Batajnica."""
    folder = tmp_path / "c"
    folder.mkdir()
    shutil.copy(samples / TRACE, folder / "010075.json")
    digest = sha256_file(folder / "010075.json")
    (folder / "case.toml").write_text(
        f'[case]\ntitle = "LYBT"\n\n[[inputs]]\npath = "010075.json"\nsha256 = "{digest}"\n\n'
        '[[claims]]\nid = "lybt"\nkind = "stop"\naircraft = "010075"\nairport = "LYBT"\n'
        'from = "2025-10-16"\nto = "2025-10-16"\n'
    )
    return folder


def test_a_case_setting_reaches_verify_and_the_manifest(lybt_case, tmp_path):
    """Under the defaults the silence at Batajnica is an inferred stop and supports the
    claim; a case that asks for 6 h on the ground no longer reads one there (the silence
    still leaves room: inconclusive, never contradicted), and the manifest says why."""
    before = run_pack(lybt_case / "case.toml", tmp_path / "a")
    assert before["verdicts"] == {"lybt": "supported"}
    assert before["settings"] == DEFAULT.to_dict()
    path = lybt_case / "case.toml"
    path.write_text(path.read_text() + "\n[settings]\nmin_dwell_s = 21600\n")
    after = run_pack(path, tmp_path / "b")
    assert after["verdicts"] == {"lybt": "inconclusive"}
    assert after["settings"] == DEFAULT.replace(min_dwell_s=21600).to_dict()
    written = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert written["settings"]["min_dwell_s"] == 21600.0
    assert "LYBT" in (tmp_path / "a" / "stops.csv").read_text()
    assert "inferred" not in (tmp_path / "b" / "stops.csv").read_text()


def test_cli_set_changes_findings_and_json_records_it(samples):
    runner = CliRunner()
    args = ["stops", str(samples / TRACE), "--json"]
    base = json.loads(runner.invoke(main, args).stdout)
    res = runner.invoke(main, [*args, "--set", "min_dwell_s=21600"])
    assert res.exit_code == 0, res.output
    changed = json.loads(res.stdout)
    assert changed["settings"]["min_dwell_s"] == 21600.0
    assert base["settings"] == DEFAULT.to_dict()
    kinds = [[s["kind"] for s in doc["stops"]] for doc in (base, changed)]
    assert "inferred" in kinds[0] and kinds[1] == [k for k in kinds[0] if k != "inferred"]
    route = json.loads(runner.invoke(main, ["route", *args[1:], "--set", "taxi_kt=40"]).stdout)
    assert route["settings"]["taxi_kt"] == 40.0


def test_cli_bad_set_is_one_line_and_exit_2(samples):
    res = CliRunner().invoke(main, ["stops", str(samples / TRACE), "--set", "min_dwell_s=-1"])
    assert res.exit_code == 2
    assert res.stderr.strip() == "flightcheck: error: --set min_dwell_s: must be positive, got -1.0"


def test_settings_command_lists_every_field():
    res = CliRunner().invoke(main, ["settings", "--json", "--set", "min_dwell_s=900"])
    assert res.exit_code == 0
    assert json.loads(res.stdout) == DEFAULT.replace(min_dwell_s=900).to_dict()
    text = CliRunner().invoke(main, ["settings"]).stdout
    assert all(name in text for name in names())


def test_scan_finds_what_detect_finds_under_the_same_settings(samples):
    from flightcheck import read
    from flightcheck.scan import scan
    from flightcheck.scan.prefilter import resolve

    chosen = DEFAULT.replace(min_dwell_s=21600)
    result = scan([str(samples)], ["LYBT"], show_progress=False, settings=chosen)
    whole = detect(read(str(samples), skip_bad=True), airports=["LYBT"], settings=chosen).stops
    default = scan([str(samples)], ["LYBT"], show_progress=False)
    assert sorted(result.visits["icao24"]) == sorted(whole["icao24"])
    assert len(result.visits) == len(default.visits) - 1  # the Il-76's silent 4 h 43 min
    assert result.to_dict()["settings"]["min_dwell_s"] == 21600.0
    assert default.to_dict()["settings"] == DEFAULT.to_dict()
    # the pre-filter widens with the approach envelope the engine is given
    wider = DEFAULT.replace(envelope_ft_per_km=500.0, infer_radius_km=120.0)
    assert resolve(["LYBT"], wider).max_alt_ft > resolve(["LYBT"]).max_alt_ft


def test_verify_set_is_recorded_in_the_case_and_kept(lybt_case, tmp_path):
    runner = CliRunner()
    path = lybt_case / "case.toml"
    before = path.read_bytes()
    bad = runner.invoke(
        main, ["verify", str(lybt_case), "-o", str(tmp_path / "x"), "--set", "min_dwell_s=0"]
    )
    assert bad.exit_code == 2 and "min_dwell_s: must be positive" in bad.stderr
    assert path.read_bytes() == before and not (tmp_path / "x").exists()
    args = ["verify", str(lybt_case), "--json", "-o"]
    res = runner.invoke(main, [*args, str(tmp_path / "a"), "--set", "min_dwell_s=21600"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["verdicts"] == {"lybt": "inconclusive"}
    assert load(lybt_case).engine.min_dwell_s == 21600.0
    again = json.loads(runner.invoke(main, [*args, str(tmp_path / "b")]).stdout)
    assert again["settings"]["min_dwell_s"] == 21600.0 and again["verdicts"] == {
        "lybt": "inconclusive"
    }


def test_cleaning_thresholds_reach_the_flags_and_inspect_records_them(samples):
    """The Il-76 cruises near FL330: a 20,000 ft ceiling flags its cruise as out of range
    (kept, counted, left out of inference), and the inspect JSON says which ceiling."""
    args = ["inspect", str(samples / TRACE), "--json"]
    base = json.loads(CliRunner().invoke(main, args).stdout)
    low = json.loads(CliRunner().invoke(main, [*args, "--set", "max_alt_ft=20000"]).stdout)
    assert "altitude out of range" not in base["inputs"][0]["flagged"]
    assert low["inputs"][0]["flagged"]["altitude out of range"] > 100
    assert low["inputs"][0]["points"] == base["inputs"][0]["points"]  # flagged, not dropped
    assert (base["settings"]["max_alt_ft"], low["settings"]["max_alt_ft"]) == (65000.0, 20000.0)


def _runways(seg) -> dict[tuple[str, str, str], str]:
    s = seg.stops
    keys = zip(s["icao24"], s["airport"].fillna("?"), s["arrival"].astype(str), strict=True)
    return dict(zip(keys, s["runway"].fillna("-"), strict=True))


def test_inferred_stops_need_tracks_heading_to_the_airport(sample_tracks):
    """heading_check_km / heading_max_deg: once every fix must point at the airport within
    1 degree, the sample story's two inferred stops (LYBT, HELX) are gone; the observed stay."""
    strict = DEFAULT.replace(heading_check_km=0.01, heading_max_deg=1.0)
    seg = detect(sample_tracks, workers=1, settings=strict)
    assert _inferred(seg) == {}
    base = detect(sample_tracks, workers=1)
    assert len(seg.stops) == len(base.stops) - 2


def test_runways_are_named_from_fixes_within_the_runway_window(sample_tracks):
    base = _runways(detect(sample_tracks, workers=1))
    short = _runways(detect(sample_tracks, workers=1, settings=DEFAULT.replace(runway_window_s=1)))
    assert base.keys() == short.keys()
    named = [k for k, v in base.items() if v != "-"]
    assert len(named) >= 19
    # the observed stops' runways came from fixes 5 s or more away from their ground runs
    observed = [k for k in named if short[k] == "-"]
    assert len(observed) >= 15


def test_a_faster_window_speed_widens_the_inferred_stop_window(sample_tracks):
    def first_window(settings):
        s = detect(sample_tracks, workers=1, settings=settings).stops
        lybt = s[(s["kind"] == "inferred") & (s["airport"] == "LYBT")].iloc[0]
        return lybt["arrival_window"]

    base = first_window(DEFAULT)
    fast = first_window(DEFAULT.replace(window_fast_kt=2000))
    # an inferred stop's window runs from the soonest touchdown to the latest lift-off
    assert fast[0] < base[0] and fast[1] >= base[1]
    assert (base[0] - fast[0]).total_seconds() > 10


@pytest.mark.parametrize("change", [{"go_around_max_ft": 100.0}, {"go_around_search_km": 0.1}])
def test_go_around_thresholds_reach_the_events(sample_tracks, change):
    base = detect(sample_tracks, workers=1).events
    seg = detect(sample_tracks, workers=1, settings=DEFAULT.replace(**change))
    assert (base["kind"] == "go_around").sum() == 1
    assert (seg.events["kind"] == "go_around").sum() == 0
