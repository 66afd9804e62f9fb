"""The two task kinds of a scan graph (plain functions, picklable, run on any Dask worker).

Phase 1, :func:`scan_partition`: read one partition, keep the fixes inside since..until, find
candidate aircraft (:mod:`.prefilter`), and return, split into ``buckets`` by a stable hash
of the icao24: all of the partition's fixes of candidate aircraft, plus a *span* (first, last
time) for every other aircraft present in the partition. Phase 2, :func:`detect_bucket`:
join one bucket from all partitions, clean it, and run the stop engine
(``flightcheck.segment.detect``) per aircraft, with the timeline cut wherever a span shows
the aircraft had fixes that were not kept (see the package docstring for why).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa

from flightcheck.io.archives import known
from flightcheck.io.context import ReadOptions
from flightcheck.io.sources import learn, prefetched
from flightcheck.scan.dataset_read import read_day
from flightcheck.scan.files_read import read_batch
from flightcheck.scan.partitions import Partition
from flightcheck.scan.phase1 import SPAN_COLUMNS, Phase1Rows
from flightcheck.scan.phase1 import spans as span_table
from flightcheck.scan.prefilter import RADIUS_KM, Airports
from flightcheck.settings import DEFAULT, EngineSettings
from flightcheck.track import table as track


@dataclass
class PartitionResult:
    """Phase-1 output of one partition. ``fixes[b]`` / ``spans[b]``: bucket ``b``."""

    key: str
    fixes: list[pd.DataFrame]
    spans: list[pd.DataFrame]
    files: int = 0
    points: int = 0
    aircraft: int = 0
    candidates: int = 0
    bad: list[tuple[str, str]] = field(default_factory=list)
    not_track: int = 0
    unreadable: list[tuple[str, str]] = field(default_factory=list)


def bucket_of(icao24: pd.Series | np.ndarray, buckets: int) -> np.ndarray:
    """Stable bucket number of each icao24 (same on every machine and process)."""
    keys = pd.Series(np.asarray(icao24, dtype=object)).astype(str)
    return (pd.util.hash_pandas_object(keys, index=False).to_numpy() % buckets).astype(int)


def scan_partition(
    part: Partition,
    airports: Airports,
    buckets: int,
    options: ReadOptions | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    radius_km: float = RADIUS_KM,
    checkpoint: tuple[str, str] | None = None,
) -> PartitionResult:
    """Phase 1 on one partition. Bad files are skipped and listed in ``bad``, files that
    cannot be read at all in ``unreadable``. ``checkpoint``: (folder, entry key) of
    :mod:`.checkpoint`; a complete entry is used instead of reading, a new one is kept."""
    from flightcheck.scan import checkpoint as cp

    if checkpoint is not None and cp.done(*checkpoint):
        result, fixes, spans = cp.load(*checkpoint)
        return bucketed(result, fixes, spans, buckets)
    options = options or ReadOptions(skip_bad=True)
    result = PartitionResult(part.key, [], [])
    result.files = len(part.paths)
    if part.dataset:
        try:
            got = read_day(part.paths, airports, since, until, radius_km)
        except OSError as exc:  # pyarrow's missing file or permission error
            result.unreadable = [(p, f"cannot read dataset partition: {exc}") for p in part.paths]
            got = Phase1Rows(track.empty())
        except (ValueError, TypeError, pa.ArrowException) as exc:
            result.bad.append((part.key, f"unreadable dataset partition: {exc}"))
            got = Phase1Rows(track.empty())
    else:
        learn(dict(part.secrets))
        with known(part.members), prefetched(part.paths):  # members in place, URLs at once
            got = read_batch(part, options, airports, since, until, radius_km)
        result.bad = [(path, reason) for _, path, reason in got.bad]
        result.unreadable = [(path, reason) for _, path, reason in got.unreadable]
        result.not_track = got.not_track
    result.points = got.points
    spans = span_table(got.others)
    if checkpoint is not None and not result.unreadable:  # retried on the next run
        cp.save(*checkpoint, result, got.fixes, spans)
    return bucketed(result, got.fixes, spans, buckets)


def bucketed(
    result: PartitionResult, fixes: pd.DataFrame, spans: pd.DataFrame, buckets: int
) -> PartitionResult:
    """``result`` with its candidate fixes and spans split into ``buckets``."""
    n_cand = int(fixes["icao24"].nunique()) if len(fixes) else 0
    result.aircraft = n_cand + len(spans)
    result.candidates = n_cand
    fb = bucket_of(fixes["icao24"], buckets) if len(fixes) else np.zeros(0, dtype=int)
    sb = bucket_of(spans["icao24"], buckets) if len(spans) else np.zeros(0, dtype=int)
    result.fixes = [fixes[fb == b].reset_index(drop=True) for b in range(buckets)]
    result.spans = [spans[sb == b].reset_index(drop=True) for b in range(buckets)]
    return result


def pick(result: PartitionResult, bucket: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Bucket ``bucket`` of a phase-1 result (a small task, so only it travels)."""
    return result.fixes[bucket], result.spans[bucket]


def stats(result: PartitionResult) -> dict:
    """The counters of a phase-1 result (no frames)."""
    return {
        "key": result.key,
        "files": result.files,
        "points": result.points,
        "aircraft": result.aircraft,
        "candidates": result.candidates,
        "bad": list(result.bad),
        "not_track": result.not_track,
        "unreadable": list(result.unreadable),
    }


def runs(fixes: pd.DataFrame, spans: pd.DataFrame) -> np.ndarray:
    """Run number of each (cleaned, icao24/time-sorted) fix: it grows wherever a span of
    not-kept fixes of the same aircraft falls between two kept fixes, so the stop engine never
    joins the two sides of data it did not see."""
    run = np.zeros(len(fixes), dtype=np.int64)
    if not len(fixes) or not len(spans):
        return run
    spans = spans[spans["icao24"].isin(fixes["icao24"].unique())]
    if not len(spans):
        return run
    cut = np.zeros(len(fixes), dtype=bool)
    hexes = fixes["icao24"].to_numpy(dtype=object)
    t = fixes["time"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    bounds = np.flatnonzero(np.r_[True, hexes[1:] != hexes[:-1], True])
    first = {hexes[s]: (s, e) for s, e in zip(bounds[:-1], bounds[1:], strict=True)}
    s_start = spans["start"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    s_end = spans["end"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    for hexid, lo, hi in zip(spans["icao24"], s_start, s_end, strict=True):
        s, e = first[hexid]
        j = s + int(np.searchsorted(t[s:e], lo, side="left"))
        if s < j < e and t[j - 1] <= hi:
            cut[j] = True  # the span overlaps the interval between fixes j-1 and j
        k = s + int(np.searchsorted(t[s:e], hi, side="right"))
        if s < k < e:
            cut[k] = True
    new_aircraft = np.r_[True, hexes[1:] != hexes[:-1]]
    return np.cumsum(cut | new_aircraft) - 1


def detect_bucket(
    parts: list[tuple[pd.DataFrame, pd.DataFrame]],
    airports: Airports,
    settings: EngineSettings = DEFAULT,
) -> pd.DataFrame:
    """Phase 2: the stops at ``airports`` of the aircraft of one bucket, with the
    aircraft's registration and typecode (latest seen) and the input files of the stop,
    found under ``settings``."""
    from flightcheck.scan.visits import from_stops
    from flightcheck.segment import detect
    from flightcheck.track.flags import flag_fixes

    frames = [f for f, _ in parts if len(f)]
    if not frames:
        return from_stops(pd.DataFrame(), track.empty())
    fixes, _ = track.clean(pd.concat(frames, ignore_index=True))
    fixes["flag"] = flag_fixes(fixes, settings)  # as flightcheck.read: refuted fixes take no part
    spans = pd.concat(
        [s for _, s in parts if len(s)] or [pd.DataFrame(columns=SPAN_COLUMNS)], ignore_index=True
    )
    run = runs(fixes, spans)
    hexes = fixes["icao24"].to_numpy(dtype=object)
    aircraft_first = np.r_[True, hexes[1:] != hexes[:-1]]
    split = np.unique(hexes[(np.r_[False, np.diff(run) > 0]) & ~aircraft_first])
    codes = list(airports.codes)
    whole = ~np.isin(hexes, split)
    # buckets run in parallel: one process each
    stops = [detect(fixes[whole], airports=codes, workers=1, settings=settings).stops]
    for r in np.unique(run[~whole]):
        stops.append(detect(fixes[run == r], airports=codes, workers=1, settings=settings).stops)
    stops = [s for s in stops if len(s)]
    return from_stops(pd.concat(stops, ignore_index=True) if stops else pd.DataFrame(), fixes)
