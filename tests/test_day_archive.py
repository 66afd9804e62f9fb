"""A day-shaped readsb archive (many small gzip trace files, benchmarks/day_archive.py) reads
to the same table, and gives the same findings, however its files are read: many at a time
(flightcheck.io.readsb_batch), one by one, or as one file holding the same fixes."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from flightcheck.errors import InputError
from flightcheck.io import readsb_batch
from flightcheck.io.read import read
from flightcheck.segment import detect

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))

from day_archive import generate, trace_files  # noqa: E402

CITATIONS = {"evidence", "rows", "inputs", "source", "sources"}
"""Fields that name input files and rows: they differ between the two layouts."""


@pytest.fixture(scope="module")
def day(tmp_path_factory) -> Path:
    """600 trace files (log-normal sizes, 60,000 fixes) of realistic flights."""
    root = tmp_path_factory.mktemp("day")
    generate(root, 600, 60_000)
    return root


def _one_by_one(monkeypatch) -> None:
    monkeypatch.setattr(readsb_batch, "trace_blocks", lambda datas, ctxs: None)


def _same_tracks(a, b) -> None:
    pd.testing.assert_frame_equal(a.df, b.df, check_exact=True)
    assert [r.to_dict() for r in a.inputs] == [r.to_dict() for r in b.inputs]
    assert a.skipped == b.skipped and a.duplicates == b.duplicates


def test_files_read_together_equal_files_read_one_by_one(day, monkeypatch):
    batches = []
    real = readsb_batch.trace_blocks
    with monkeypatch.context() as m:
        m.setattr(
            readsb_batch,
            "trace_blocks",
            lambda datas, ctxs: batches.append(real(datas, ctxs)) or batches[-1],
        )
        together = read(day / "globe_history", workers=1)
    assert len(batches) == 3 and all(b is not None for b in batches)  # 256 + 256 + 88
    assert len(together.inputs) == 600 and len(together.df) > 50_000
    with monkeypatch.context() as m:
        _one_by_one(m)
        alone = read(day / "globe_history", workers=1)
    _same_tracks(together, alone)
    assert detect(together).to_dict() == detect(alone).to_dict()


def _findings(tracks) -> dict:
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in CITATIONS}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(detect(tracks).to_dict())


def test_many_files_give_the_stops_of_one_file_with_the_same_fixes(day, tmp_path):
    many = read(day / "globe_history")
    found = _findings(many)
    assert len(found["stops"]) > 100 and len(found["events"]) > 20
    # the same fixes in one CSV file (the columns the stop engine reads)
    keep = [
        "time",
        "icao24",
        "callsign",
        "registration",
        "typecode",
        "lat",
        "lon",
        "alt_ft",
        "alt_geom_ft",
        "on_ground",
        "gs_kt",
        "track_deg",
        "vrate_fpm",
        "squawk",
    ]
    many.df[keep].to_csv(tmp_path / "day.csv", index=False)
    one = read(tmp_path / "day.csv")
    assert len(one.df) == len(many.df)
    assert _findings(one) == found


def _bad_point(day: Path, value) -> Path:
    """A copy of the archive whose 300th file's 5th point has ``value`` as its latitude."""
    import shutil

    copy = day.parent / f"{day.name}-bad-{abs(hash(repr(value)))}"
    if not copy.exists():
        shutil.copytree(day, copy)
        victim = Path(trace_files(copy)[300])
        doc = json.loads(gzip.decompress(victim.read_bytes()))
        doc["trace"][4][1] = value
        victim.write_bytes(gzip.compress(json.dumps(doc).encode()))
    return copy


@pytest.mark.parametrize("value", ["45.1", None, 95.0])
def test_a_bad_point_in_a_batch_reads_as_file_by_file(day, monkeypatch, value):
    archive = _bad_point(day, value) / "globe_history"
    with pytest.raises(InputError) as together:
        read(archive, workers=1)
    with monkeypatch.context() as m:
        _one_by_one(m)
        with pytest.raises(InputError) as alone:
            read(archive, workers=1)
        skipped_alone = read(archive, workers=1, skip_bad=True)
    assert str(together.value) == str(alone.value) and "record 5" in str(together.value)
    skipped = read(archive, workers=1, skip_bad=True)
    _same_tracks(skipped, skipped_alone)
    assert sum(sum(r.dropped.values()) for r in skipped.inputs) == 1


def test_files_read_together_in_worker_processes(day, monkeypatch):
    together = read(day / "globe_history", workers=2)
    with monkeypatch.context() as m:
        _one_by_one(m)
        alone = read(day / "globe_history", workers=1)
    _same_tracks(together, alone)


def test_the_first_failing_file_in_order_is_the_one_reported(day, tmp_path, monkeypatch):
    """A batch loads all its files before reading any: a reader's crash on a later file
    must not hide an earlier file's input error (nor the other way round)."""
    import shutil

    from flightcheck.io import readsb

    files = [Path(p) for p in trace_files(day)[:20]]
    folder = tmp_path / "traces"
    folder.mkdir()
    for f in files:
        shutil.copy(f, folder / f.name)
    names = sorted(p.name for p in folder.iterdir())
    real = readsb.read_columns

    def crash_on(name):
        def read_columns(data, ctx, fmt):
            if ctx.path.endswith(name):
                raise ValueError("reader bug")
            return real(data, ctx, fmt)

        return read_columns

    (folder / names[3]).write_bytes(b"\x1f\x8b\x08\x00broken")  # an input error
    _one_by_one(monkeypatch)
    monkeypatch.setattr(readsb, "read_columns", crash_on(names[10]))
    with pytest.raises(InputError, match="gzip"):
        read(folder, workers=1)
    monkeypatch.setattr(readsb, "read_columns", crash_on(names[1]))
    with pytest.raises(ValueError, match="reader bug"):
        read(folder, workers=1)


def test_a_batch_with_a_repeated_file_and_a_second_day_reads_as_file_by_file(day, tmp_path):
    """A batch's files are parts of one block: a file left out as a repeat of another input
    takes only its own rows out, and an aircraft's next-day file (another batch, read in
    folder order before it) is put after its first day, as file by file."""
    import shutil

    copy = tmp_path / "globe_history"
    shutil.copytree(day / "globe_history", copy)
    files = [Path(p) for p in trace_files(tmp_path)]
    repeat = copy / "2025" / "10" / "15" / "traces" / "00" / f"again_{files[7].name}"
    shutil.copy(files[7], repeat)  # the same bytes twice, inside a batch
    doc = json.loads(gzip.decompress(files[400].read_bytes()))
    doc["timestamp"] += 86_400  # the same aircraft the next day, in an earlier folder
    earlier = copy / "2025" / "10" / "14" / "traces" / "00" / files[400].name
    earlier.parent.mkdir(parents=True)
    earlier.write_bytes(gzip.compress(json.dumps(doc).encode()))
    together = read(copy, workers=1)
    with pytest.MonkeyPatch.context() as m:
        _one_by_one(m)
        alone = read(copy, workers=1)
    _same_tracks(together, alone)
    assert any("same content as" in why for _, why in together.skipped)
    rows = together.df[together.df["icao24"] == doc["icao"]]
    assert rows["source"].iloc[0].endswith(files[400].name) and "/14/" in rows["source"].iloc[-1]
    assert rows["time"].is_monotonic_increasing


def test_the_sorted_join_of_a_day_equals_sorting_every_fix(day, monkeypatch):
    """combine_blocks' join of trace files in sorted file order (rows gathered per file,
    repeated fixes dropped, callsigns carried within each file) is track.clean of all the
    files' rows one after the other."""
    from flightcheck.track import blocks as block_tables
    from flightcheck.track.table import clean

    files = trace_files(day)
    parts = [block_tables.block_frame(read_block(f)) for f in files]
    want, want_removed = clean(pd.concat(parts, ignore_index=True))
    joins = []
    real = block_tables._clean_sorted_files
    monkeypatch.setattr(block_tables, "_clean_sorted_files", lambda *a: joins.append(1) or real(*a))
    batched = read(day / "globe_history", workers=1)
    assert joins == [1]  # the sorted join, not the general sort
    got = batched.df.drop(columns="flag")
    pd.testing.assert_frame_equal(got, want.drop(columns="flag"), check_exact=True)
    pd.testing.assert_frame_equal(batched.duplicate_reports, want_removed, check_exact=True)
    assert len(want_removed) > 0  # the join dropped repeated fixes, as the sort does
    assert want["callsign"].notna().mean() > 0.9  # carried across the rows without details


def read_block(path: str):
    from flightcheck.io.context import ReadOptions
    from flightcheck.io.read import read_block as one

    got = one(path, ReadOptions())
    assert got is not None
    return got[0]
