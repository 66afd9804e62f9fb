"""The stop engine in pieces of whole aircraft, in forked workers, finds what one pass does."""

from __future__ import annotations

import multiprocessing
import os
import sys
import time

import numpy as np
import pandas as pd
import pytest
from segment_tracks import T0, approach, climb_out, table

from flightcheck.runtime import pool
from flightcheck.segment import detect, pieces

LYBT = (44.9350, 20.2575)  # threshold region of Batajnica, Serbia
needs_fork = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="worker processes are forked on Linux only"
)


def assert_same(a, b) -> None:
    for name in ("stops", "events", "gaps"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    assert list(a.removed.items()) == list(b.removed.items())
    assert a.inputs == b.inputs


@needs_fork
@pytest.mark.parametrize("workers", [2, 3, 7])
def test_workers_find_the_same_as_one_process_on_the_samples(sample_tracks, workers, forkable):
    one = detect(sample_tracks, workers=1)
    assert len(one.stops) >= 10 and len(one.gaps) >= 3  # the comparison has substance
    assert_same(one, detect(sample_tracks, workers=workers))


@needs_fork
def test_workers_on_an_unsorted_table_find_the_same(sample_tracks, forkable):
    shuffled = sample_tracks.df.sample(frac=1.0, random_state=7)
    assert_same(detect(shuffled, workers=1), detect(shuffled, workers=2))


def two_aircraft_same_file_name() -> pd.DataFrame:
    """Two aircraft landing at LYBT, each from a file named trace.json in its own folder."""
    a = table(
        [approach(*LYBT, 300.0, T0), climb_out(*LYBT, 300.0, T0 + 3600)],
        icao24="010070",
        source="/archive/a/trace.json",
    )
    b = table(
        [approach(*LYBT, 300.0, T0 + 600), climb_out(*LYBT, 300.0, T0 + 5400)],
        icao24="4b1805",
        source="/archive/b/trace.json",
    )
    return pd.concat([a, b], ignore_index=True)


@needs_fork
def test_citations_name_files_as_the_whole_table_does():
    df = two_aircraft_same_file_name()
    parts = pieces.split(df["icao24"], 2)
    assert [len(df.iloc[p.rows]["icao24"].unique()) for p in parts] == [1, 1]  # one each
    one, two = detect(df, workers=1), detect(df, workers=2)
    assert_same(one, two)
    evidence = " ".join(two.stops["evidence"])
    assert "a/trace.json row" in evidence and "b/trace.json row" in evidence


def test_split_gives_whole_aircraft_balanced_by_fixes():
    icao = pd.Series(["a"] * 50 + ["b"] * 30 + ["c"] * 40 + ["d"] * 80, dtype="str")
    parts = pieces.split(icao, 2)
    assert [p.rows for p in parts] == [slice(0, 80), slice(80, 200)]
    assert [p.rows for p in pieces.split(icao, 1)] == [slice(0, 200)]
    assert len(pieces.split(icao, 9)) == 4  # never more pieces than aircraft
    mixed = icao.sample(frac=1.0, random_state=1).reset_index(drop=True)
    parts = pieces.split(mixed, 2)
    rows = np.concatenate([p.rows for p in parts])
    assert sorted(rows.tolist()) == list(range(200))  # every row once
    seen = [set(mixed.iloc[p.rows]) for p in parts]
    assert not seen[0] & seen[1]  # no aircraft in two pieces
    # in order of first appearance, as the engine numbers aircraft
    first = list(dict.fromkeys(mixed))
    assert seen[0] == set(first[: len(seen[0])])
    assert all(np.all(np.diff(p.rows) > 0) for p in parts)  # table order kept in a piece
    assert pieces.Piece(parts[1].rows).global_positions(np.array([0])) == parts[1].rows[0]


@needs_fork
@pytest.mark.parametrize("workers", [1, 2, 3])
def test_pieces_find_the_same_as_the_whole_table(sample_tracks, monkeypatch, workers):
    whole = detect(sample_tracks, workers=1)
    assert len(pieces.make_pieces(sample_tracks.df["icao24"], 1)) == 1
    monkeypatch.setattr(pieces, "PIECE_POINTS", 700)  # the samples in about 8 pieces
    used = []
    monkeypatch.setattr(
        "flightcheck.segment.make_pieces",
        lambda *a: used.append(pieces.make_pieces(*a)) or used[-1],
    )
    assert_same(whole, detect(sample_tracks, workers=workers))
    assert len(used[0]) >= 6


@needs_fork
def test_a_worker_error_is_raised_in_the_caller():
    parent = os.getpid()

    def work(piece):
        if os.getpid() != parent:
            raise ValueError(f"bad piece {piece.rows}")
        time.sleep(0.2)  # let the worker take a piece
        return "parent"

    parts = [pieces.Piece(slice(i, i + 1)) for i in range(4)]
    with pytest.raises(ValueError, match="bad piece slice"):
        pool.run_parts(lambda: (parts, work), 2)


@needs_fork
def test_the_pieces_of_a_worker_that_dies_are_done_in_the_caller():
    parent = os.getpid()

    def work(piece):
        if os.getpid() != parent:
            os._exit(9)  # as if killed: no result, no exception
        time.sleep(0.1)
        return piece.rows.start

    parts = [pieces.Piece(slice(i, i + 1)) for i in range(5)]
    assert pool.run_parts(lambda: (parts, work), 3) == [0, 1, 2, 3, 4]


@needs_fork
def test_processes_take_turns_and_results_keep_piece_order():
    def work(piece):
        time.sleep(0.05 if piece.rows.start % 3 else 0.2)  # uneven pieces
        return (piece.rows.start, os.getpid())

    parts = [pieces.Piece(slice(i, i + 1)) for i in range(9)]
    out = pool.run_parts(lambda: (parts, work), 2)
    assert [i for i, _ in out] == list(range(9))
    assert len({pid for _, pid in out}) == 2  # both processes worked


@needs_fork
def test_every_process_sets_up_its_own_pieces():
    parent = os.getpid()
    setups = multiprocessing.get_context("fork").Value("i", 0)

    def setup():
        with setups.get_lock():
            setups.value += 1
        parts = [pieces.Piece(slice(i, i + 1)) for i in range(6)]
        return parts, lambda p: (p.rows.start, os.getpid() == parent)

    out = pool.run_parts(setup, 2)
    assert [i for i, _ in out] == list(range(6)) and setups.value == 2


@needs_fork
def test_an_error_in_the_caller_stops_the_workers():
    parent = os.getpid()
    seen = []

    def work(piece):
        if os.getpid() == parent:
            raise KeyError("caller failed")
        time.sleep(30)  # a worker still busy
        return None

    parts = [pieces.Piece(slice(i, i + 1)) for i in range(4)]
    start = time.monotonic()
    with pytest.raises(KeyError):
        pool.run_parts(lambda: (parts, work), 2)
    assert time.monotonic() - start < 10
    assert not seen and not [
        c for c in multiprocessing.active_children() if c.name.startswith("Process")
    ]


def test_pieces_tables_join_as_one_table_would_be_built():
    from flightcheck.segment.stops import ts
    from flightcheck.segment.tables import join_tables, tabulate

    t = [ts(1760616000.0 + 60 * m) for m in range(3)]  # as the engine makes them

    def stop(icao, arrival, runway):
        return {
            "icao24": icao,
            "airport": "LYBT",
            "arrival": arrival,
            "departure": t[2],
            "runway": runway,
            "dwell_s": 60.0,
        }

    def tables(*stops):
        return tabulate(list(stops), [], [])

    a = tables(stop("010070", None, None))  # all-None arrivals and runways: still declared
    b = tables(stop("4b1805", t[0], "30"), stop("4b1805", t[1], None))
    whole = tables(
        stop("010070", None, None), stop("4b1805", t[0], "30"), stop("4b1805", t[1], None)
    )[0]
    assert str(whole["arrival"].dtype) == "datetime64[ns, UTC]"
    assert str(a[0]["arrival"].dtype) == "datetime64[ns, UTC]"
    assert str(a[0]["runway"].dtype) == "str"
    pd.testing.assert_frame_equal(join_tables([a, b])[0], whole, check_exact=True)
    # pieces out of address order are sorted as the whole would be
    pd.testing.assert_frame_equal(join_tables([b, a])[0], whole, check_exact=True)
    # pieces of the same dtypes are concatenated: the same table
    c = tables(stop("4c0001", t[2], "12"))
    one = tables(
        stop("4b1805", t[0], "30"), stop("4b1805", t[1], None), stop("4c0001", t[2], "12")
    )[0]
    pd.testing.assert_frame_equal(join_tables([b, c])[0], one, check_exact=True)
    pd.testing.assert_frame_equal(join_tables([c, b])[0], one, check_exact=True)
    empty = tables()
    pd.testing.assert_frame_equal(join_tables([empty, b, empty])[0], b[0], check_exact=True)


@pytest.fixture(scope="module")
def synth_fleet() -> pd.DataFrame:
    from flightcheck import synth
    from flightcheck.io.context import ReadContext
    from flightcheck.track.table import to_track_table

    points = synth.random_fleet(40, days=2.0, seed=2).points
    points = points.drop(columns=["phase", "true_time"], errors="ignore").copy()
    points["row"] = np.arange(1, len(points) + 1)
    return to_track_table(points, ReadContext("synth_fleet.csv"))


def test_findings_do_not_depend_on_where_the_table_is_cut(synth_fleet, monkeypatch):
    """Window edges and turn sums are exact: an aircraft's findings do not change with the
    aircraft before it in its piece (a 720-degree hold was once 1 lap in one cut, 2 in
    another, from float sums over the whole piece)."""
    whole = detect(synth_fleet, workers=1)
    assert (whole.events["kind"] == "holding").sum() >= 10
    for size in (20_000, 7_000):
        monkeypatch.setattr(pieces, "PIECE_POINTS", size)
        assert len(pieces.make_pieces(synth_fleet["icao24"], 1)) >= 5
        assert_same(whole, detect(synth_fleet, workers=1))
    held = whole.events[whole.events["evidence"].str.contains("turned 720 degrees")]
    assert held["evidence"].str.contains("2 lap").all()
