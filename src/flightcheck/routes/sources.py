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
    repeated in a log) are not another source and stay out."""
    if duplicates is None or not len(duplicates) or df.empty:
        return df
    dups = duplicates[duplicates["icao24"].isin(pd.unique(df["icao24"]))]
    if not len(dups):
        return df
    mine = df[df["icao24"].isin(pd.unique(dups["icao24"]))]
    kept = mine.reset_index(drop=True).drop_duplicates(_KEYS)  # the copy kept, once
    twins = kept.merge(
        dups.rename(columns={"source": "_source", "row": "_row"}), on=_KEYS, how="inner", sort=False
    )
    twins = twins[twins["_source"].astype(str) != twins["source"].astype(str)]
    if len(twins):  # a report already in the table (restored before) is not added twice
        have = pd.MultiIndex.from_frame(mine[["source", "row"]].astype({"source": str}))
        want = pd.MultiIndex.from_arrays([twins["_source"].astype(str), twins["_row"]])
        twins = twins[~want.isin(have)]
    if not len(twins):
        return df
    twins = twins.assign(source=twins["_source"], row=twins["_row"])[list(df.columns)]
    out = pd.concat([df, twins.astype(df.dtypes.to_dict())], ignore_index=True)
    out = out.sort_values(["icao24", "time", "source", "row"], kind="stable")
    return out.reset_index(drop=True)


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
