"""Finding records to the output tables: filtered, sorted, as columns, then DataFrames.

Each piece of the table (:mod:`.pieces`) turns its own records into columns, in the process
that found them, so the calling process only joins columns. Stops are ordered by (aircraft,
arrival, else departure) and events by (aircraft, time), stably; records of one aircraft are
all in one piece, so joining the pieces' sorted columns and sorting again (skipped when the
join is already in order, as it is for a table sorted by address) gives the same order as
sorting all records at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from flightcheck.segment.gaps import GAP_COLUMNS
from flightcheck.segment.stops import EVENT_COLUMNS, STOP_COLUMNS

_EARLIEST = pd.Timestamp.min.tz_localize("UTC")


def _stop_key(icao24: str, arrival, departure) -> tuple:
    return (icao24, arrival or departure or _EARLIEST)


def _event_key(icao24: str, time) -> tuple:
    return (icao24, time)


@dataclass
class FindingColumns:
    """Stops, events and gaps of some aircraft as {column: values}, each in output order."""

    stops: dict[str, list]
    events: dict[str, list]
    gaps: dict[str, list]


def _columns(records: list[dict], columns: list[str]) -> dict[str, list]:
    return {c: [r.get(c) for r in records] for c in columns}


def tabulate(stops: list[dict], events: list[dict], gap_records: list[dict],
             airports: list[str] | None = None) -> FindingColumns:
    """The records as columns: only those at ``airports`` when given (stops, events; gaps
    whose candidates or explaining stop include one), stops and events sorted."""
    if airports:
        wanted = {a.upper() for a in airports}
        stops = [s for s in stops if s["airport"] in wanted]
        events = [e for e in events if e["airport"] in wanted]
        gap_records = [g for g in gap_records
                       if any(c["airport"] in wanted for c in g["candidates"])
                       or any(w in (g["explained_by"] or "") for w in wanted)]
    stops = sorted(stops, key=lambda s: _stop_key(s["icao24"], s["arrival"], s["departure"]))
    events = sorted(events, key=lambda e: _event_key(e["icao24"], e["time"]))
    return FindingColumns(_columns(stops, STOP_COLUMNS), _columns(events, EVENT_COLUMNS),
                          _columns(gap_records, GAP_COLUMNS))


def _frame(columns: dict[str, list], names: list[str]) -> pd.DataFrame:
    if not columns[names[0]]:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in names})
    return pd.DataFrame(columns, columns=names)


def _join(parts: list[dict[str, list]], columns: list[str],
          key: tuple[Callable, tuple[str, ...]] | None,
          frames: list[pd.DataFrame] | None = None) -> pd.DataFrame:
    """One table of the parts' columns. With ``frames`` (each part's own table), they are
    concatenated when that gives the same table: parts already in order, and every column
    of one dtype in all non-empty parts (else one column could be, say, datetimes in one part
    and all-None objects in another, where the whole column would be datetimes)."""
    if key is not None and len(parts) > 1:
        keys = list(map(key[0], *([v for part in parts for v in part[c]] for c in key[1])))
        if any(a > b for a, b in zip(keys, keys[1:], strict=False)):
            order = sorted(range(len(keys)), key=keys.__getitem__)
            joined = {c: [v for part in parts for v in part[c]] for c in columns}
            return _frame({c: [v[i] for i in order] for c, v in joined.items()}, columns)
    if frames is not None:
        full = [f for f in frames if len(f)]
        if len(full) == 1:
            return full[0]
        if full and all(list(f.dtypes) == list(full[0].dtypes) for f in full[1:]):
            return pd.concat(full, ignore_index=True)
    return _frame({c: [v for part in parts for v in part[c]] for c in columns}, columns)


def part_tables(part: FindingColumns) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(stops, events, gaps) DataFrames of one part's columns (for :func:`join_tables`)."""
    return (_frame(part.stops, STOP_COLUMNS), _frame(part.events, EVENT_COLUMNS),
            _frame(part.gaps, GAP_COLUMNS))


def join_tables(parts: list[FindingColumns],
                tables: list[tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]] | None = None
                ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(stops, events, gaps) DataFrames of the pieces' columns, in output order; ``tables``:
    the parts' own tables (:func:`part_tables`), made as the parts came in, are joined when
    that gives the same result."""
    def own(k: int) -> list[pd.DataFrame] | None:
        return None if tables is None else [t[k] for t in tables]

    return (_join([p.stops for p in parts], STOP_COLUMNS,
                  (_stop_key, ("icao24", "arrival", "departure")), own(0)),
            _join([p.events for p in parts], EVENT_COLUMNS, (_event_key, ("icao24", "time")),
                  own(1)),
            _join([p.gaps for p in parts], GAP_COLUMNS, None, own(2)))
