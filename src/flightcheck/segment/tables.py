"""Finding records to the output tables: filtered, sorted, then DataFrames.

Each piece of the table (:mod:`.pieces`) turns its own records into its own tables, in the
process that found them, so the calling process only joins tables. Stops are ordered by
(aircraft, arrival, else departure) and events by (aircraft, time), stably; records of one
aircraft are all in one piece, so joining the pieces' sorted tables and sorting again
(skipped when the join is already in order, as it is for a table sorted by address) gives
the same order as sorting all records at once.

Every table is cast to its declared schema (:mod:`flightcheck.findings`) where it is made,
so the pieces' tables always have the same dtypes and join by concatenation.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from flightcheck import findings

_EARLIEST = pd.Timestamp.min.tz_localize("UTC")


def _stop_key(icao24: str, arrival, departure) -> tuple:
    return (icao24, arrival or departure or _EARLIEST)


def _event_key(icao24: str, time) -> tuple:
    return (icao24, time)


Tables = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]
"""(stops, events, gaps)."""


def tabulate(
    stops: list[dict],
    events: list[dict],
    gap_records: list[dict],
    airports: list[str] | None = None,
) -> Tables:
    """The records' tables: only those at ``airports`` when given (stops, events; gaps
    whose candidates or explaining stop include one), stops and events sorted."""
    if airports:
        wanted = {a.upper() for a in airports}
        stops = [s for s in stops if s["airport"] in wanted]
        events = [e for e in events if e["airport"] in wanted]
        gap_records = [
            g
            for g in gap_records
            if any(c["airport"] in wanted for c in g["candidates"])
            or any(w in (g["explained_by"] or "") for w in wanted)
        ]
    stops = sorted(stops, key=lambda s: _stop_key(s["icao24"], s["arrival"], s["departure"]))
    events = sorted(events, key=lambda e: _event_key(e["icao24"], e["time"]))
    return (
        findings.frame(stops, findings.STOPS),
        findings.frame(events, findings.EVENTS),
        findings.frame(gap_records, findings.GAPS),
    )


def _join(
    frames: list[pd.DataFrame],
    schema: tuple[findings.Column, ...],
    key: tuple[Callable, tuple[str, ...]] | None,
) -> pd.DataFrame:
    full = [f for f in frames if len(f)]
    if not full:
        return frames[0] if frames else findings.frame([], schema)
    joined = full[0] if len(full) == 1 else pd.concat(full, ignore_index=True)
    if key is not None and len(full) > 1 and not _in_order(full, key):
        columns = [[_value(v) for v in joined[c].tolist()] for c in key[1]]
        keys = list(map(key[0], *columns))
        order = sorted(range(len(keys)), key=keys.__getitem__)
        joined = joined.take(order).reset_index(drop=True)
    return joined


def _value(v):
    """One value as it was built from: None for a missing text or time (NaN, NaT)."""
    return None if v is pd.NaT or (isinstance(v, float) and v != v) else v


def _in_order(frames: list[pd.DataFrame], key: tuple[Callable, tuple[str, ...]]) -> bool:
    """Whether tables, each in order, are in order one after another (each one's last row
    does not sort after the next one's first)."""

    def row_key(frame: pd.DataFrame, i: int) -> tuple:
        return key[0](*(_value(frame[c].array[i]) for c in key[1]))

    return all(not row_key(a, -1) > row_key(b, 0) for a, b in zip(frames, frames[1:], strict=False))


def join_tables(parts: list[Tables]) -> Tables:
    """The pieces' tables as one set of tables, in output order."""
    return (
        _join(
            [p[0] for p in parts], findings.STOPS, (_stop_key, ("icao24", "arrival", "departure"))
        ),
        _join([p[1] for p in parts], findings.EVENTS, (_event_key, ("icao24", "time"))),
        _join([p[2] for p in parts], findings.GAPS, None),
    )
