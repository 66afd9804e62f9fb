"""Restoring other inputs' exact duplicates looks only at the rows at their times and gives
the table the whole-table way gave (issue 15)."""

from __future__ import annotations

import gzip
import json
import shutil

import numpy as np
import pandas as pd
import pytest

import flightcheck
from flightcheck.routes.sources import _KEYS, _in_key_order, with_duplicates


def whole_table(df: pd.DataFrame, duplicates: pd.DataFrame | None) -> pd.DataFrame:
    """The implementation before issue 15: every row of the aircraft with a duplicate
    copied and matched, the whole table sorted again."""
    if duplicates is None or not len(duplicates) or df.empty:
        return df
    dups = duplicates[duplicates["icao24"].isin(pd.unique(df["icao24"]))]
    if not len(dups):
        return df
    mine = df[df["icao24"].isin(pd.unique(dups["icao24"]))]
    kept = mine.reset_index(drop=True).drop_duplicates(_KEYS)
    twins = kept.merge(
        dups.rename(columns={"source": "_source", "row": "_row"}), on=_KEYS, how="inner", sort=False
    )
    twins = twins[twins["_source"].astype(str) != twins["source"].astype(str)]
    if len(twins):
        have = pd.MultiIndex.from_frame(mine[["source", "row"]].astype({"source": str}))
        want = pd.MultiIndex.from_arrays([twins["_source"].astype(str), twins["_row"]])
        twins = twins[~want.isin(have)]
    if not len(twins):
        return df
    twins = twins.assign(source=twins["_source"], row=twins["_row"])[list(df.columns)]
    out = pd.concat([df, twins.astype(df.dtypes.to_dict())], ignore_index=True)
    out = out.sort_values(["icao24", "time", "source", "row"], kind="stable")
    return out.reset_index(drop=True)


def same(df: pd.DataFrame, duplicates: pd.DataFrame) -> pd.DataFrame:
    got = with_duplicates(df, duplicates)
    pd.testing.assert_frame_equal(got, whole_table(df, duplicates), check_exact=True)
    return got


def test_sample_tracks_restored_as_before(sample_tracks):
    df, dups = sample_tracks.df, sample_tracks.duplicate_reports
    assert _in_key_order(df)  # the insertion in place is what runs
    got = same(df, dups)
    assert len(got) > len(df)  # the OpenSky hour's parquet copies came back
    assert same(got, dups) is got  # restored before: nothing added twice


@pytest.fixture(scope="module")
def two_archives(tmp_path_factory):
    """The readsb day traces as two inputs each (two archives of one day, as adsb.lol and
    ADS-B Exchange): every fix of one a duplicate of the other's."""
    from conftest import SAMPLES

    root = tmp_path_factory.mktemp("archives")
    for name in ("b_exchange", "a_lol"):
        shutil.copytree(SAMPLES / "globe_history", root / name / "globe_history")
    for path in (root / "a_lol").rglob("trace_full_*.json"):  # cut later in the day
        trace = json.loads(gzip.decompress(path.read_bytes()))
        trace["trace"] = trace["trace"][len(trace["trace"]) // 5 :]
        path.write_bytes(gzip.compress(json.dumps(trace).encode()))
    shutil.copytree(SAMPLES / "opensky", root / "opensky")
    return flightcheck.read([root / "b_exchange", root / "a_lol", root / "opensky"])


def test_two_archives_of_one_day_restored_as_before(two_archives):
    df, dups = two_archives.df, two_archives.duplicate_reports
    assert len(dups) > 1_000 and dups["source"].str.contains("a_lol").any()
    got = same(df, dups)
    # at a moment both archives saw, a_lol's report sorts before b_exchange's
    both = got[got.duplicated(["icao24", "time", "lat", "lon"], keep=False)]
    assert "/a_lol/" in both["source"].iloc[0] and "/b_exchange/" in both["source"].iloc[1]
    assert len(got) > len(df) + 1_000


@pytest.mark.parametrize("seed", range(4))
def test_tables_out_of_order_and_picked_duplicates_as_before(two_archives, seed):
    """Ties at one moment not in (source, row) order, duplicates of one input, of a row
    already restored, of several inputs at one moment: the same table."""
    rng = np.random.default_rng(seed)
    df = two_archives.df
    dups = two_archives.duplicate_reports
    picked = df.iloc[np.sort(rng.choice(len(df), 300, replace=False))]
    extra = picked[["icao24", "time", "lat", "lon", "source", "row"]].assign(
        source=rng.choice(["0_first.json", "zz_last.csv", "mm.sbs"], len(picked)),
        row=rng.integers(1, 50, len(picked)),
    )
    own = picked[["icao24", "time", "lat", "lon", "source", "row"]].iloc[:40]  # one input's
    dups = pd.concat([dups, extra, extra.iloc[:20], own], ignore_index=True)
    same(df, dups)
    restored = with_duplicates(df, dups)
    same(restored, dups)
    if seed % 2:  # a table whose ties are out of order takes the whole-table sort
        ties = restored.sort_values(
            ["icao24", "time", "source"], ascending=[True, True, False], kind="stable"
        )
        assert not _in_key_order(ties)
        more = pd.concat([dups, extra.assign(source="nn.avr")], ignore_index=True)
        assert len(same(ties, more)) == len(ties) + len(extra)


def test_nothing_to_restore_is_the_same_table(sample_tracks):
    df = sample_tracks.df
    assert with_duplicates(df, None) is df
    own = df.iloc[:50][["icao24", "time", "lat", "lon", "source", "row"]]
    assert with_duplicates(df, own) is df  # duplicates within one input
