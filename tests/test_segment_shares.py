"""The stop engine in forked shares of the aircraft gives the same findings as one process."""

from __future__ import annotations

import os
import sys
import threading

import numpy as np
import pandas as pd
import pytest
from segment_tracks import T0, approach, climb_out, table

from flightcheck.segment import detect, shares

LYBT = (44.9350, 20.2575)  # threshold region of Batajnica, Serbia
needs_fork = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="worker processes are forked on Linux only")


def assert_same(a, b) -> None:
    for name in ("stops", "events", "gaps"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    assert list(a.removed.items()) == list(b.removed.items())
    assert a.inputs == b.inputs


@needs_fork
@pytest.mark.parametrize("workers", [2, 3, 7])
def test_shares_find_the_same_as_one_process_on_the_samples(sample_tracks, workers):
    one = detect(sample_tracks, workers=1)
    assert len(one.stops) >= 10 and len(one.gaps) >= 3  # the comparison has substance
    assert_same(one, detect(sample_tracks, workers=workers))


@needs_fork
def test_shares_of_an_unsorted_table_find_the_same(sample_tracks):
    shuffled = sample_tracks.df.sample(frac=1.0, random_state=7)
    assert_same(detect(shuffled, workers=1), detect(shuffled, workers=2))


def two_aircraft_same_file_name() -> pd.DataFrame:
    """Two aircraft landing at LYBT, each from a file named trace.json in its own folder."""
    a = table([approach(*LYBT, 300.0, T0), climb_out(*LYBT, 300.0, T0 + 3600)],
              icao24="010070", source="/archive/a/trace.json")
    b = table([approach(*LYBT, 300.0, T0 + 600), climb_out(*LYBT, 300.0, T0 + 5400)],
              icao24="4b1805", source="/archive/b/trace.json")
    return pd.concat([a, b], ignore_index=True)


@needs_fork
def test_citations_name_files_as_the_whole_table_does():
    df = two_aircraft_same_file_name()
    parts = shares.split(df["icao24"], 2)
    assert [len(df.iloc[p.rows]["icao24"].unique()) for p in parts] == [1, 1]
    one, two = detect(df, workers=1), detect(df, workers=2)
    assert_same(one, two)
    evidence = " ".join(two.stops["evidence"])
    assert "a/trace.json row" in evidence and "b/trace.json row" in evidence


def test_split_gives_whole_aircraft_balanced_by_fixes():
    icao = pd.Series(["a"] * 50 + ["b"] * 30 + ["c"] * 40 + ["d"] * 80, dtype="str")
    parts = shares.split(icao, 2)
    assert [p.rows for p in parts] == [slice(0, 80), slice(80, 200)]
    assert [p.rows for p in shares.split(icao, 1)] == [slice(0, 200)]
    assert len(shares.split(icao, 9)) == 4  # never more shares than aircraft
    mixed = icao.sample(frac=1.0, random_state=1).reset_index(drop=True)
    parts = shares.split(mixed, 2)
    rows = np.concatenate([p.rows for p in parts])
    assert sorted(rows.tolist()) == list(range(200))  # every row once
    seen = [set(mixed.iloc[p.rows]) for p in parts]
    assert not seen[0] & seen[1]  # no aircraft in two shares
    # in order of first appearance, as the engine numbers aircraft
    first = list(dict.fromkeys(mixed))
    assert seen[0] == set(first[:len(seen[0])])
    assert all(np.all(np.diff(p.rows) > 0) for p in parts)  # table order kept in a share
    assert shares.Share(parts[1].rows).global_positions(np.array([0])) == parts[1].rows[0]


@needs_fork
def test_automatic_share_count(monkeypatch):
    monkeypatch.setattr(shares, "usable_cpus", lambda: 2)
    monkeypatch.setattr(shares, "_fork_is_safe", lambda: True)
    assert shares.share_count(shares.MIN_POINTS - 1, None) == 1
    assert shares.share_count(10_000_000, None) == 2
    assert shares.share_count(1_000, 3) == 3  # asked for: given
    monkeypatch.setattr(shares, "_fork_is_safe", lambda: False)
    assert shares.share_count(10_000_000, None) == 1


def test_no_automatic_fork_while_another_thread_runs():
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:  # it might hold a lock the fork would copy, locked, into the worker
        assert not shares._fork_is_safe()
    finally:
        stop.set()
        other.join()


@needs_fork
def test_a_worker_error_is_raised_in_the_caller():
    parent = os.getpid()

    def work(share):
        if os.getpid() != parent:
            raise ValueError(f"bad share {share.rows}")
        return "parent"

    with pytest.raises(ValueError, match="bad share slice"):
        shares.run_shares([shares.Share(slice(0, 1)), shares.Share(slice(1, 2))], work)


@needs_fork
def test_a_share_whose_worker_dies_is_done_in_the_caller():
    parent = os.getpid()

    def work(share):
        if os.getpid() != parent:
            os._exit(9)  # as if killed: no result, no exception
        return share.rows.start

    parts = [shares.Share(slice(i, i + 1)) for i in range(3)]
    assert shares.run_shares(parts, work) == [0, 1, 2]
