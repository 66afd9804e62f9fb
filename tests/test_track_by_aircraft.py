"""Each aircraft's rows found in one pass are the rows the per-aircraft filter gave."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from flightcheck.track.by_aircraft import rows_by_aircraft, rows_of


def filtered(table: pd.DataFrame, icao24: str) -> pd.DataFrame:
    """The per-aircraft filter the helper replaces."""
    return table[table["icao24"] == icao24]


def check(table: pd.DataFrame) -> dict:
    where = rows_by_aircraft(table)
    present = set(pd.unique(table["icao24"].dropna()).tolist()) if "icao24" in table else set()
    assert set(where) == present
    for hex_ in [*present, "ffffff"]:
        got = rows_of(table, where, hex_)
        pd.testing.assert_frame_equal(got, filtered(table, hex_), check_exact=True)
        # and as the callers use them: positions renumbered
        pd.testing.assert_frame_equal(
            got.reset_index(drop=True), filtered(table, hex_).reset_index(drop=True)
        )
    return where


def test_sorted_track_table_gives_slices(sample_tracks):
    where = check(sample_tracks.df)
    assert len(where) > 3 and all(isinstance(w, slice) for w in where.values())


@pytest.mark.parametrize("seed", range(3))
def test_shuffled_tables_with_missing_addresses(sample_tracks, seed):
    rng = np.random.default_rng(seed)
    df = sample_tracks.df
    shuffled = df.iloc[rng.permutation(len(df))]  # index labels kept, rows interleaved
    shuffled = shuffled.assign(icao24=shuffled["icao24"].where(rng.random(len(df)) > 0.05))
    where = check(shuffled)
    assert any(isinstance(w, np.ndarray) for w in where.values())


def test_findings_tables_empty_and_without_the_column(sample_routes):
    gaps = sample_routes.segmentation.gaps
    check(gaps)
    check(gaps.iloc[:0])
    assert rows_by_aircraft(pd.DataFrame({"x": [1, 2]})) == {}
    assert rows_of(gaps.iloc[:0], {}, "010075").columns.tolist() == gaps.columns.tolist()


def test_tracks_rows_of_follows_its_table(sample_tracks):
    import dataclasses
    import pickle

    tracks = dataclasses.replace(sample_tracks)
    for hex_ in [*tracks.icao24s, "ffffff"]:
        pd.testing.assert_frame_equal(tracks.rows_of(hex_), filtered(tracks.df, hex_))
    tracks.df = tracks.df.iloc[::2]  # a new table: its own rows, not the old table's
    pd.testing.assert_frame_equal(tracks.rows_of("010075"), filtered(tracks.df, "010075"))
    again = pickle.loads(pickle.dumps(tracks))
    assert "_by_aircraft" not in again.__dict__
    pd.testing.assert_frame_equal(again.rows_of("010075"), filtered(tracks.df, "010075"))
