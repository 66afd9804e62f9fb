"""Shared pieces of phase 1: the since..until window on nanosecond times, and the *spans*
(first and last time of every aircraft that is not a candidate), built in pyarrow so a
partition's millions of non-candidate fixes never become a pandas frame."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa

from flightcheck.runtime.compat import utc_datetimes

SPAN_COLUMNS = ["icao24", "start", "end"]


@dataclass
class Phase1Rows:
    """What a partition reader hands to :func:`.tasks.scan_partition`: ``fixes`` (track
    table rows, in input order, of the candidate aircraft, inside the window), ``others``
    (pairs of icao24 arrays and int64 ns times of all other fixes inside the window),
    ``points`` (fixes inside the window), the bad files (read, but not valid track data) and
    the unreadable ones (their bytes could not be had), each as (order, path, reason)."""

    fixes: pd.DataFrame
    others: list[tuple[pa.Array, np.ndarray]] = field(default_factory=list)
    points: int = 0
    bad: list[tuple[int, str, str]] = field(default_factory=list)
    not_track: int = 0
    unreadable: list[tuple[int, str, str]] = field(default_factory=list)


def _bound_ns(when: datetime) -> int:
    ts = pd.Timestamp(when)
    return (ts.tz_localize("UTC") if ts.tz is None else ts).value


def in_window(t_ns: np.ndarray, since: datetime | None, until: datetime | None) -> np.ndarray:
    """Per time (int64 ns, NaT = int64 min): inside since..until, both ends included."""
    keep = np.ones(len(t_ns), dtype=bool)
    if since is not None:
        keep &= t_ns >= _bound_ns(since)
    if until is not None:
        keep &= (t_ns <= _bound_ns(until)) & (t_ns != np.iinfo(np.int64).min)
    return keep


def spans(others: list[tuple[pa.Array, np.ndarray]]) -> pd.DataFrame:
    """First and last time per icao24 (sorted by icao24), columns :data:`SPAN_COLUMNS`."""
    others = [(h, t) for h, t in others if len(t)]
    if not others:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SPAN_COLUMNS})
    hexes = pa.concat_arrays(
        [
            (h.combine_chunks() if isinstance(h, pa.ChunkedArray) else h).cast(pa.large_string())
            for h, _ in others
        ]
    )
    times = pa.array(np.concatenate([np.asarray(t, dtype=np.int64) for _, t in others]))
    table = pa.table({"icao24": hexes, "t": times})
    agg = table.group_by("icao24").aggregate([("t", "min"), ("t", "max")])
    agg = agg.sort_by("icao24")

    def as_time(col: str) -> pd.arrays.DatetimeArray:
        ns = agg[col].to_numpy().astype(np.int64)
        return utc_datetimes(ns)

    return pd.DataFrame(
        {
            "icao24": pd.array(agg["icao24"].combine_chunks(), dtype="str"),
            "start": as_time("t_min"),
            "end": as_time("t_max"),
        }
    )
