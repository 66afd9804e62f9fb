"""Phase-1 read of one day folder of a dataset from :func:`flightcheck.scan.convert`.

Two passes over the parquet files, never the whole day as a pandas frame: first only the
columns the pre-filter needs (icao24, time, lat, lon, alt_ft), which decide the candidate
aircraft and give every other aircraft's span; then all columns, but only of the row groups
holding candidate fixes, of which exactly those rows (by position, so in input order) become
track-table rows.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from flightcheck.scan.phase1 import Phase1Rows, in_window
from flightcheck.scan.prefilter import Airports, near_points
from flightcheck.track import table as track

PREFILTER_COLUMNS = ["icao24", "time", "lat", "lon", "alt_ft"]
_TEXT = [c for c, d in track.SCHEMA.items() if d == "str" and c != "icao24"]
"""Text columns read dictionary-encoded (a day has few distinct sources, types...): decoding
them per row is most of the cost of reading a row group."""


def _floats(table: pa.Table, col: str) -> np.ndarray:
    if col not in table.column_names:
        return np.full(table.num_rows, np.nan)
    return table[col].to_numpy().astype(np.float64)  # nulls become NaN


def _times_ns(column: pa.ChunkedArray) -> np.ndarray:
    if not pa.types.is_timestamp(column.type):
        return pd.to_datetime(column.to_pandas(), utc=True).astype(track.TIME_DTYPE).array.asi8
    ns = column.cast(pa.timestamp("ns", tz="UTC")).cast(pa.int64())
    return ns.fill_null(np.iinfo(np.int64).min).to_numpy()


def to_track_rows(table: pa.Table) -> pd.DataFrame:
    """Parquet rows as a track table (dtypes of :data:`track.SCHEMA`; ``source``/``row``
    kept)."""
    if "day" in table.column_names:
        table = table.drop_columns(["day"])
    df = table.to_pandas()
    for c in df.columns:
        if isinstance(df[c].dtype, pd.CategoricalDtype):
            df[c] = df[c].astype(object)
    cols = [c for c in track.SCHEMA if c in df.columns]
    df = df[cols].astype({c: track.SCHEMA[c] for c in cols})
    if df["time"].dtype != track.TIME_DTYPE:
        df["time"] = pd.to_datetime(df["time"], utc=True).astype(track.TIME_DTYPE)
    return df


def _candidate_rows(path: str, positions: np.ndarray) -> pa.Table:
    """Rows at ``positions`` (sorted, 0-based within the file), reading only their row
    groups, one at a time (memory: one row group, not the file)."""
    names = pq.read_schema(path).names
    f = pq.ParquetFile(path, read_dictionary=[c for c in _TEXT if c in names])
    sizes = [f.metadata.row_group(i).num_rows for i in range(f.metadata.num_row_groups)]
    starts = np.r_[0, np.cumsum(sizes)]
    group_of = np.searchsorted(starts, positions, side="right") - 1
    pieces = []
    for g in np.unique(group_of):
        local = positions[group_of == g] - starts[g]
        pieces.append(f.read_row_group(int(g)).take(pa.array(local, pa.int64())))
    return pa.concat_tables(pieces)


def _codes(column: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """A dictionary-read icao24 column as (int64 code per row, the distinct addresses)."""
    if column.null_count:
        raise ValueError("rows without an aircraft address (not written by convert?)")
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column)
    chunks = pa.table({"c": column}).unify_dictionaries()["c"].chunks
    if not chunks:
        return np.zeros(0, dtype=np.int64), pa.array([], pa.large_string())
    codes = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in chunks])
    return codes.astype(np.int64), chunks[0].dictionary.cast(pa.large_string())


def _span_piece(codes: np.ndarray, t: np.ndarray, values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Each address's first and last time only (all that a span needs), as two rows."""
    if not len(t):
        return pa.array([], pa.large_string()), t
    agg = pd.Series(t).groupby(codes, sort=True).agg(["min", "max"])
    which = pa.array(np.r_[agg.index.to_numpy(), agg.index.to_numpy()], pa.int64())
    return values.take(which), np.r_[agg["min"].to_numpy(), agg["max"].to_numpy()]


def read_day(
    paths: tuple[str, ...],
    airports: Airports,
    since: datetime | None,
    until: datetime | None,
    radius_km: float,
) -> Phase1Rows:
    """Phase-1 rows of one dataset day (files in the given order)."""

    out = Phase1Rows(track.empty())
    per_file = []
    cand_set: set[str] = set()
    for path in paths:
        schema = pq.read_schema(path)
        cols = [c for c in PREFILTER_COLUMNS if c in schema.names]
        table = pq.read_table(path, columns=cols, read_dictionary=["icao24"])
        t = _times_ns(table["time"])
        keep = in_window(t, since, until)
        near = keep & near_points(
            _floats(table, "lat"),
            _floats(table, "lon"),
            _floats(table, "alt_ft"),
            airports,
            radius_km,
            airports.max_alt_ft,
        )
        codes, values = _codes(table["icao24"])
        del table
        if near.any():
            cand_set.update(values.take(pa.array(np.unique(codes[near]))).to_pylist())
        per_file.append((path, codes, values, t, keep))
        out.points += int(keep.sum())
    cands = pa.array(sorted(cand_set), pa.large_string())
    pieces = []
    for path, codes, values, t, keep in per_file:
        is_cand_value = pc.is_in(values, value_set=cands).to_numpy(zero_copy_only=False)
        is_cand = is_cand_value[codes] if len(codes) else np.zeros(0, dtype=bool)
        other = keep & ~is_cand
        out.others.append(_span_piece(codes[other], t[other], values))
        chosen = np.flatnonzero(keep & is_cand)
        if len(chosen):
            pieces.append(_candidate_rows(path, chosen))
    if pieces:
        out.fixes = to_track_rows(pa.concat_tables(pieces, promote_options="default"))
    return out
