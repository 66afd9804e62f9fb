"""flightcheck scan / convert: partitioned stop detection over archives, local and Dask."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from flightcheck import read
from flightcheck.cli import main
from flightcheck.scan import convert, scan
from flightcheck.scan.partitions import discover
from flightcheck.scan.prefilter import candidates, resolve
from flightcheck.scan.tasks import runs
from flightcheck.segment import detect

SAMPLES = Path(__file__).resolve().parents[1] / "sample_tracks"
GLOBE = SAMPLES / "globe_history"


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """The bundled globe_history plus a truncated trace file and a stray note."""
    root = tmp_path_factory.mktemp("archive")
    shutil.copytree(GLOBE, root / "globe_history")
    bad = root / "globe_history/2025/10/15/traces/aa/trace_full_0100aa.json"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(gzip.compress(b'{"icao":"0100aa","timestamp":1760486400,"trace":[[0,1,'))
    return root


def test_stop_across_midnight_is_one_visit_as_stops_finds_it():
    result = scan([str(GLOBE)], ["ZWWW"], show_progress=False)
    assert len(discover([str(GLOBE)])) == 3  # one partition per daily file here
    v = result.visits
    assert len(v) == 1
    row = v.iloc[0]
    assert (row.icao24, row.airport, row.kind) == ("010075", "ZWWW", "observed")
    assert row.arrival.date().isoformat() == "2025-10-15"
    assert row.departure.date().isoformat() == "2025-10-16"
    assert (row.registration, row.typecode, row.registered_country) == ("SU-BTX", "IL76", "EG")
    assert bool(row.military)
    assert "2025/10/15" in row.sources and "2025/10/16" in row.sources
    whole = detect(read(str(GLOBE)), airports=["ZWWW"]).stops
    assert len(whole) == 1
    assert whole.iloc[0]["arrival"] == row.arrival
    assert whole.iloc[0]["departure"] == row.departure
    assert result.summary.to_dict("records") == [
        {
            "registered_country": "EG",
            "typecode": "IL76",
            "month": "2025-10",
            "visits": 1,
            "aircraft": 1,
        }
    ]


def test_matches_stops_on_all_sample_formats():
    result = scan([str(SAMPLES)], ["LYBT"], show_progress=False)
    whole = detect(read(str(SAMPLES), skip_bad=True), airports=["LYBT"]).stops

    def text(col: pd.Series) -> list[str]:
        return pd.to_datetime(col, utc=True).dt.strftime("%Y-%m-%dT%H:%M:%S.%f").fillna("").tolist()

    got = sorted(
        zip(
            result.visits["icao24"],
            text(result.visits["arrival"]),
            text(result.visits["departure"]),
            strict=True,
        )
    )
    want = sorted(
        zip(whole["icao24"], text(whole["arrival"]), text(whole["departure"]), strict=True)
    )
    assert got == want and len(got) >= 2


def test_bad_file_is_skipped_and_counted(archive):
    result = scan([str(archive)], ["ZWWW"], show_progress=False)
    assert len(result.visits) == 1
    assert len(result.bad) == 1 and result.bad[0][0].endswith("trace_full_0100aa.json")
    assert result.to_dict()["scanned"]["bad_files"] == 1


def test_since_until_prune_days_and_fixes():
    parts = discover([str(GLOBE)], since=pd.Timestamp("2025-10-16T00:00Z").to_pydatetime())
    assert [p.day for p in parts] == ["2025-10-16"]
    result = scan(
        [str(GLOBE)], ["ZWWW"], since=pd.Timestamp("2025-10-16T00:00Z"), show_progress=False
    )
    assert len(result.visits) == 1 and pd.isna(result.visits.iloc[0]["arrival"])


def test_prefilter_keeps_only_aircraft_near_the_airports():
    df = read(str(SAMPLES), skip_bad=True).df
    near = set(candidates(df, resolve(["ZWWW"])))
    assert "010075" in near
    assert "4c2b26" not in near  # seen only around Belgrade


def test_runs_cut_where_unseen_fixes_of_the_aircraft_fall_between():
    t = pd.to_datetime(
        ["2025-10-01T23:00Z", "2025-10-03T01:00Z", "2025-10-03T02:00Z", "2025-10-01T10:00Z"],
        utc=True,
    )
    fixes = pd.DataFrame({"icao24": ["aaaaaa", "aaaaaa", "aaaaaa", "bbbbbb"], "time": t})
    spans = pd.DataFrame(
        {
            "icao24": ["aaaaaa", "bbbbbb"],
            "start": pd.to_datetime(["2025-10-02T05:00Z", "2025-10-05T00:00Z"], utc=True),
            "end": pd.to_datetime(["2025-10-02T20:00Z", "2025-10-05T01:00Z"], utc=True),
        }
    )
    assert runs(fixes, spans).tolist() == [0, 1, 1, 2]


def test_dataset_from_convert_gives_the_same_visits(archive, tmp_path):
    done = convert([str(archive)], tmp_path / "ds", show_progress=False)
    assert done["days"] == ["2025-10-14", "2025-10-15", "2025-10-16"]
    assert len(done["bad"]) == 1
    assert (tmp_path / "ds" / "_flightcheck_dataset.json").is_file()
    from_json = scan([str(archive)], ["ZWWW"], show_progress=False).visits
    from_ds = scan([str(tmp_path / "ds")], ["ZWWW"], show_progress=False).visits
    pd.testing.assert_frame_equal(from_json, from_ds)


@pytest.mark.slow
@pytest.mark.leaves_threads  # distributed's offload thread
def test_local_cluster_gives_exactly_the_in_process_visits(archive):
    distributed = pytest.importorskip("distributed", reason="distributed is not installed")
    local = scan([str(SAMPLES), str(archive)], ["ZWWW", "LYBT"], show_progress=False)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = scan(
            [str(SAMPLES), str(archive)],
            ["ZWWW", "LYBT"],
            scheduler=client,
            show_progress=False,
            batch_bytes=1,
        )
    assert len(local.visits) >= 3
    pd.testing.assert_frame_equal(local.visits, remote.visits)
    assert local.bad == remote.bad


def test_local_processes_give_exactly_the_threaded_visits(archive, monkeypatch, forkable):
    from flightcheck.runtime import parallel
    from flightcheck.scan import run

    paths = [str(SAMPLES), str(archive)]
    here = scan(paths, ["ZWWW", "LYBT"], show_progress=False)  # the default: this thread
    threaded = scan(paths, ["ZWWW", "LYBT"], show_progress=False, workers=2)
    parts = discover(paths)
    assert run.local_scheduler(parts, 1) == "sync"
    assert run.local_scheduler(parts, "auto") == "threads"  # small input: no process start-up
    monkeypatch.setattr(parallel, "SCAN_PROCESSES_MIN_BYTES", 1)
    assert run.local_scheduler(parts, "auto") == "processes"
    assert run.local_scheduler(parts, 1) == "sync"
    with monkeypatch.context() as m:  # macOS: fork is offered but not safe; stay on threads
        m.setattr(parallel.sys, "platform", "darwin")
        assert run.local_scheduler(parts, "auto") == "threads"
    forked = scan(paths, ["ZWWW", "LYBT"], show_progress=False, workers="auto")
    assert len(threaded.visits) >= 3
    pd.testing.assert_frame_equal(here.visits, threaded.visits)
    pd.testing.assert_frame_equal(threaded.visits, forked.visits)
    assert threaded.bad == forked.bad and threaded.points == forked.points


def test_cli_scan_json_and_output(archive, tmp_path):
    out = tmp_path / "visits.parquet"
    res = CliRunner().invoke(
        main, ["scan", str(archive), "--airport", "ZWWW", "-o", str(out), "--json", "--quiet"]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert [v["icao24"] for v in doc["visits"]] == ["010075"]
    assert doc["scanned"]["bad_files"] == 1
    assert pd.read_parquet(out)["airport"].tolist() == ["ZWWW"]
    res = CliRunner().invoke(main, ["scan", str(archive), "--airport", "NOSUCHXX"])
    assert res.exit_code == 2


def test_convert_in_worker_processes_writes_the_same_dataset(
    archive, tmp_path, monkeypatch, forkable
):
    import pyarrow.dataset as ds

    from flightcheck.runtime import parallel

    threaded = convert([str(archive)], tmp_path / "threads", show_progress=False, workers=2)
    monkeypatch.setattr(parallel, "SCAN_PROCESSES_MIN_BYTES", 1)
    forked = convert([str(archive)], tmp_path / "forked", show_progress=False, workers="auto")
    assert forked == threaded and forked["points"] > 1000

    def rows(folder):
        table = ds.dataset(folder, format="parquet", partitioning="hive").to_table()
        return table.to_pandas().sort_values(["source", "row"]).reset_index(drop=True)

    pd.testing.assert_frame_equal(rows(tmp_path / "forked"), rows(tmp_path / "threads"))


def test_cli_scan_takes_the_time_zone_of_local_time_logs():
    def departures(*extra: str) -> list[str]:
        res = CliRunner().invoke(main, ["scan", *extra, "--airport", "LYBT", "--json", "--quiet"])
        assert res.exit_code == 0, res.output
        return [v["departure"] for v in json.loads(res.stdout)["visits"]]

    sbs = str(SAMPLES / "sbs")
    utc, local = departures(sbs), departures(sbs, "--tz", "Europe/Belgrade")
    assert len(utc) == len(local) == 2 and utc[0] and local[0]
    shift = pd.Timestamp(utc[0]) - pd.Timestamp(local[0])
    assert shift == pd.Timedelta(hours=2)  # CEST in October: the log's 10:00 is 08:00Z
    res = CliRunner().invoke(main, ["scan", sbs, "--airport", "LYBT", "--column", "oops"])
    assert res.exit_code == 2 and "FIELD=NAME" in res.output


def _frames(options):
    """(path, reader frame, ctx, time_ordered) of every sample file."""
    from flightcheck.io.paths import expand
    from flightcheck.io.read import read_frame

    for cand in expand([str(SAMPLES)]):
        try:
            got = read_frame(cand.path, options, cand.explicit)
        except Exception:  # noqa: BLE001 - files the reader rejects are not this test's topic
            continue
        if got is not None:
            frame, ctx, fmt, module, _ = got
            yield cand.path, frame, ctx, fmt in getattr(module, "TIME_ORDERED", ())


@pytest.mark.parametrize("skip_bad", [True, False])
def test_kept_fixes_are_the_rows_the_full_track_table_keeps(skip_bad):
    from flightcheck.errors import InputError
    from flightcheck.io.context import ReadOptions
    from flightcheck.scan.files_read import full_table, kept_fixes

    options = ReadOptions(skip_bad=skip_bad)
    seen = 0
    for path, frame, ctx, ordered in _frames(options):
        try:
            want = full_table(frame, ctx, ordered)
        except InputError as exc:
            with pytest.raises(InputError) as got:
                kept_fixes(frame, ctx, ordered)
            assert (got.value.message, got.value.record) == (exc.message, exc.record), path
            continue
        hexes, t = kept_fixes(frame, ctx, ordered)
        assert hexes.to_pylist() == want["icao24"].tolist(), path
        assert t.tolist() == want["time"].array.asi8.tolist(), path
        seen += 1
    assert seen >= 8


def test_kept_fixes_drop_backward_and_bad_points_like_the_track_table():
    from flightcheck.io.context import ReadContext, ReadOptions
    from flightcheck.scan.files_read import full_table, kept_fixes

    frame = pd.DataFrame(
        {
            "time": [1760486400.0, 1760486460.0, 1760486430.0, 1760486500.0, 1760486520.0],
            "icao24": [" ABC123", "abc123", "abc123", "abc123", "abc123"],
            "lat": [10.0, 10.1, 10.2, 95.0, float("nan")],
            "lon": [20.0] * 5,
            "row": [1, 2, 3, 4, 5],
        }
    )
    ctx = ReadContext("x.json", ReadOptions(skip_bad=True))
    hexes, t = kept_fixes(frame, ctx, time_ordered=True)
    want = full_table(frame, ReadContext("x.json", ReadOptions(skip_bad=True)), True)
    assert want["row"].tolist() == [1, 2]  # 3 goes back in time, 4 is out of range, 5 no fix
    assert hexes.to_pylist() == ["abc123", "abc123"]
    assert t.tolist() == want["time"].array.asi8.tolist()
    from flightcheck.errors import InputError

    strict = ReadOptions(skip_bad=False)
    with pytest.raises(InputError) as full_err:
        full_table(frame, ReadContext("x.json", strict), True)
    with pytest.raises(InputError) as kept_err:
        kept_fixes(frame, ReadContext("x.json", strict), True)
    assert (
        (kept_err.value.message, kept_err.value.record)
        == (full_err.value.message, full_err.value.record)
        == ("latitude out of range [-90, 90]", 4)
    )


def test_kept_fixes_apply_the_track_tables_time_bounds_and_value_ranges():
    """Rules added to the track table reach the scan's quick path too (one place:
    ``track.blocks.check_fixes``): a fix in the future and one with a corrupt speed."""
    import time

    from flightcheck.errors import InputError
    from flightcheck.io.context import ReadContext, ReadOptions
    from flightcheck.scan.files_read import full_table, kept_fixes

    now = time.time()
    frame = pd.DataFrame(
        {
            "time": [now - 300.0, now - 240.0, now + 5 * 86_400.0, now - 120.0],
            "icao24": ["abc123"] * 4,
            "lat": [10.0, 10.1, 10.2, 10.3],
            "lon": [20.0] * 4,
            "gs_kt": [420.0, 1e6, 420.0, 420.0],
            "row": [1, 2, 3, 4],
        }
    )
    ctx = ReadContext("x.json", ReadOptions(skip_bad=True))
    hexes, t = kept_fixes(frame, ctx, time_ordered=True)
    want = full_table(frame, ReadContext("x.json", ReadOptions(skip_bad=True)), True)
    assert want["row"].tolist() == [1, 4]
    assert t.tolist() == want["time"].array.asi8.tolist()
    assert hexes.to_pylist() == ["abc123", "abc123"]
    strict = ReadOptions(skip_bad=False)
    with pytest.raises(InputError) as full_err:
        full_table(frame, ReadContext("x.json", strict), True)
    with pytest.raises(InputError) as kept_err:
        kept_fixes(frame, ReadContext("x.json", strict), True)
    assert (kept_err.value.message, kept_err.value.record) == (
        full_err.value.message,
        full_err.value.record,
    )
    assert full_err.value.record == 3  # the time check comes before the value ranges


def test_only_files_of_aircraft_near_the_airports_get_a_track_table(monkeypatch):
    from flightcheck.track import table as track

    built = []
    real = track.to_track_table

    def counting(frame, ctx):
        built.append(ctx.path)
        return real(frame, ctx)

    monkeypatch.setattr(track, "to_track_table", counting)
    result = scan([str(SAMPLES)], ["ZWWW"], show_progress=False)
    assert len(result.visits) == 1
    assert built and all("010075" in p for p in built)  # the Il-76 stopping at Urumqi
    assert result.points > 5000  # the other files still count (as spans)


def test_candidate_rows_are_read_by_position_from_their_row_groups(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from flightcheck.scan.dataset_read import _candidate_rows

    table = pa.table({"icao24": [f"{i % 7:06x}" for i in range(50)], "row": range(50)})
    pq.write_table(table, tmp_path / "t.parquet", row_group_size=8)
    positions = [3, 9, 10, 31, 49]
    got = _candidate_rows(str(tmp_path / "t.parquet"), pd.Series(positions).to_numpy())
    assert got.column("row").to_pylist() == positions


def test_dataset_phase1_keeps_the_same_fixes_and_spans_as_a_full_read(archive, tmp_path):
    import numpy as np

    from flightcheck.scan.dataset_read import read_day, to_track_rows
    from flightcheck.scan.partitions import discover as parts_of
    from flightcheck.scan.phase1 import spans

    convert([str(archive), str(SAMPLES / "readsb")], tmp_path / "ds", show_progress=False)
    airports = resolve(["ZWWW", "LYBT"])
    for part in parts_of([str(tmp_path / "ds")]):
        import pyarrow.parquet as pq

        full = to_track_rows(pq.read_table(part.paths[0]))
        for p in part.paths[1:]:
            full = pd.concat([full, to_track_rows(pq.read_table(p))], ignore_index=True)
        is_cand = full["icao24"].isin(candidates(full, airports))
        got = read_day(part.paths, airports, None, None, 100.0)
        pd.testing.assert_frame_equal(got.fixes, full[is_cand].reset_index(drop=True))
        rest = full[~is_cand]
        want = rest.groupby("icao24")["time"].agg(["min", "max"])
        have = spans(got.others).set_index("icao24")
        assert have.index.tolist() == want.index.tolist()
        assert np.array_equal(have["start"].to_numpy(), want["min"].to_numpy())
        assert got.points == len(full)
