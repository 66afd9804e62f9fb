"""Which inputs saw each fix, after duplicates and near-duplicates were merged.

Cleaning keeps one copy of an exact duplicate report (``Tracks.duplicate_reports`` lists the
others) and routes collapse near-duplicates of several sources into one fix
(:func:`flightcheck.routes.reconcile.merge_sources`). The agreement of two inputs is evidence,
so neither may hide a source: :func:`with_duplicates` puts the removed copies of other inputs
back before routes compare and merge sources, and a merged fix lists the other inputs'
reports it stands for in ``also_seen`` (a tuple of ``(source, row)``; None when no other
input saw it), which :func:`sources_of` reads.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ALSO_SEEN = "also_seen"
"""Column of a merged route table: the other inputs' ``(source, row)`` merged into a fix."""

_KEYS = ["icao24", "time", "lat", "lon"]


def with_duplicates(df: pd.DataFrame, duplicates: pd.DataFrame | None) -> pd.DataFrame:
    """``df`` (a track table) plus, for every removed exact duplicate that came from another
    input than the copy kept, that copy's row under the duplicate's own ``source`` and
    ``row``; sorted by (icao24, time, source, row). Duplicates within one input (a line
    repeated in a log) are not another source and stay out.

    Only the rows at the (icao24, time) of a duplicate are looked at, and a table already in
    that order gets the restored rows inserted in place rather than sorted again: copying
    every row of the aircraft with a duplicate and sorting the whole table took 7.8 s of a
    10-million-fix day archive, whose duplicates were all within one input.
    """
    if duplicates is None or not len(duplicates) or df.empty:
        return df
    dups = duplicates[duplicates["icao24"].isin(pd.unique(df["icao24"]))]
    if not len(dups):
        return df
    aircraft = pd.unique(dups["icao24"])
    at = df["time"].isin(pd.unique(dups["time"])).to_numpy(bool, copy=True)
    at[at] = df["icao24"][at].isin(aircraft).to_numpy(bool)
    mine = df[at]  # every row at the (icao24, time) of a duplicate, and a few more
    kept = mine.reset_index(drop=True).drop_duplicates(_KEYS)  # the copy kept, once
    twins = kept.merge(
        dups.rename(columns={"source": "_source", "row": "_row"}), on=_KEYS, how="inner", sort=False
    )
    twins = twins[twins["_source"].astype(str) != twins["source"].astype(str)]
    if len(twins):  # a report already in the table (restored before) is not added twice
        near = df["row"].isin(pd.unique(twins["_row"])).to_numpy(bool, copy=True)
        near[near] = df["icao24"][near].isin(aircraft).to_numpy(bool)
        have_rows = df[near]
        have = pd.MultiIndex.from_frame(have_rows[["source", "row"]].astype({"source": str}))
        want = pd.MultiIndex.from_arrays([twins["_source"].astype(str), twins["_row"]])
        twins = twins[~want.isin(have)]
    if not len(twins):
        return df
    twins = twins.assign(source=twins["_source"], row=twins["_row"])[list(df.columns)]
    twins = twins.astype(df.dtypes.to_dict())
    keys = ["icao24", "time", "source", "row"]
    if not _in_key_order(df):
        out = pd.concat([df, twins], ignore_index=True)
        return out.sort_values(keys, kind="stable").reset_index(drop=True)
    # the stable sort of df + twins, df already sorted: each twin goes after the rows of
    # its (icao24, time), one run of mine, whose (source, row) are not greater than its own;
    # mine's rows and the twins are ranked together within each run, in one sort
    twins = twins.sort_values(keys, kind="stable").reset_index(drop=True)
    moments = pd.MultiIndex.from_arrays([mine["icao24"].astype(str), _ns(mine["time"])])
    starts = np.flatnonzero(np.r_[True, moments[1:] != moments[:-1]])
    run = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(mine)]))
    twin_run = moments[starts].get_indexer(
        pd.MultiIndex.from_arrays([twins["icao24"].astype(str), _ns(twins["time"])])
    )
    source, _ = pd.factorize(
        np.r_[mine["source"].astype(str).to_numpy(object), twins["source"].astype(str)],
        sort=True,
    )
    row = np.r_[mine["row"].to_numpy(np.int64), twins["row"].to_numpy(np.int64)]
    is_twin = np.r_[np.zeros(len(mine), bool), np.ones(len(twins), bool)]
    ranked = np.lexsort((is_twin, row, source, np.r_[run, twin_run]))
    mine_before = np.cumsum(~is_twin[ranked]) - ~is_twin[ranked]  # mine's rows ranked lower
    twin_at = ranked[is_twin[ranked]]
    first = starts[twin_run[twin_at - len(mine)]]  # the run's first row of mine
    where = np.flatnonzero(at)  # mine's positions in df
    insert = np.empty(len(twins), dtype=np.int64)
    insert[twin_at - len(mine)] = where[first] + mine_before[is_twin[ranked]] - first
    order = np.insert(np.arange(len(df)), insert, len(df) + np.arange(len(twins)))
    return pd.concat([df, twins], ignore_index=True).take(order).reset_index(drop=True)


def _ns(times: pd.Series) -> np.ndarray:
    """A ``time`` column as int64 (its unit's ticks since the epoch), as ``time_ns`` reads
    it."""
    return np.asarray(times.array.asi8)


def _in_key_order(df: pd.DataFrame) -> bool:
    """Whether ``df`` is sorted by (icao24, time, source, row) as ``sort_values`` sorts
    (checked for a table without missing addresses, times or sources; False otherwise)."""
    if df["icao24"].isna().any() or df["time"].isna().any() or df["source"].isna().any():
        return False
    codes, _ = pd.factorize(df["icao24"], sort=True)
    same = codes[1:] == codes[:-1]
    if (codes[1:] < codes[:-1]).any():
        return False
    t = _ns(df["time"])
    if (same & (t[1:] < t[:-1])).any():
        return False
    tie = np.flatnonzero(same & (t[1:] == t[:-1]))
    if not len(tie):
        return True
    pairs = df[["source", "row"]].iloc[np.unique(np.r_[tie, tie + 1])]
    src = dict(zip(pairs.index.tolist(), pairs["source"].astype(str).tolist(), strict=True))
    row = dict(zip(pairs.index.tolist(), pairs["row"].astype(np.int64).tolist(), strict=True))
    labels = df.index
    return all(
        (src[labels[i]], row[labels[i]]) <= (src[labels[i + 1]], row[labels[i + 1]])
        for i in tie.tolist()
    )


def also_seen_column(n: int, kept: np.ndarray, sources: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """An ``also_seen`` column of ``n`` fixes: for each position in ``kept`` (one per merged
    report, repeats allowed), the ``(source, row)`` of the report merged into it."""
    out = np.full(n, None, dtype=object)
    if not len(kept):
        return out
    order = np.argsort(kept, kind="stable")
    k = kept[order]
    pairs = list(zip(sources[order].tolist(), rows[order].astype(np.int64).tolist(), strict=True))
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    ends = np.r_[starts[1:], len(k)]
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        out[k[s]] = tuple(pairs[s:e])
    return out


def sources_of(rows: pd.DataFrame) -> list[str]:
    """Every input that saw any of ``rows`` (their own ``source`` and those in
    ``also_seen``), sorted."""
    seen = {str(s) for s in pd.unique(rows["source"])} if len(rows) else set()
    if ALSO_SEEN in rows.columns:
        seen |= merged_sources(rows[ALSO_SEEN].to_numpy(object))
    return sorted(seen)


def merged_sources(also_seen: np.ndarray) -> set[str]:
    """The inputs named in values of the ``also_seen`` column (tuples of (source, row) of
    the reports merged into a fix; missing elsewhere)."""
    seen: set[str] = set()
    for merged in also_seen.tolist():
        if isinstance(merged, tuple):
            seen.update(str(s) for s, _ in merged)
    return seen
