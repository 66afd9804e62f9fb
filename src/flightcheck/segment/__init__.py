"""Stops, events and gaps of every aircraft in a track table: the stop engine.

``detect(tracks)`` cleans the fixes (:mod:`.phases`), finds observed stops and touch-and-goes
from ground runs and inferred stops across silences (:mod:`.stops`), go-arounds and holds
(:mod:`.events`), stops open at the data's edges (:mod:`.edges`) and gaps with unaccounted
time and candidate airports (:mod:`.gaps`), each
with a confidence (:mod:`.confidence`) and plain-language evidence citing the input rows
(:mod:`.evidence`). Airports and runways are assigned by :mod:`.assign`. Legs run from one
stop to the next (``flightcheck.routes``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import numpy as np
import pandas as pd

from flightcheck.runtime import parallel
from flightcheck.runtime.compat import no_hugepage_advice
from flightcheck.runtime.gcpause import gc_paused
from flightcheck.runtime.pool import run_parts
from flightcheck.segment import edges as edges_mod
from flightcheck.segment import events as events_mod
from flightcheck.segment import gaps as gaps_mod
from flightcheck.segment import stops as stops_mod
from flightcheck.segment import vessels as vessels_mod
from flightcheck.segment.airportindex import AirportIndex, default_index
from flightcheck.segment.context import Context, aircraft_types, build
from flightcheck.segment.evidence import SourceNames
from flightcheck.segment.phases import prepare
from flightcheck.segment.pieces import Piece, make_pieces
from flightcheck.segment.tables import Tables, join_tables, tabulate
from flightcheck.settings import DEFAULT, EngineSettings
from flightcheck.track.tracks import Tracks

__all__ = ["FindingTables", "Segmentation", "detect"]


@dataclass
class Segmentation:
    """The findings: ``stops``, ``events`` and ``gaps`` DataFrames (one row per finding),
    ``removed`` (fixes left out by cleaning, by reason), ``inputs`` (provenance dicts) and
    ``settings`` (the thresholds that produced them)."""

    stops: pd.DataFrame
    events: pd.DataFrame
    gaps: pd.DataFrame
    removed: dict[str, int] = field(default_factory=dict)
    inputs: list[dict] = field(default_factory=list)
    settings: EngineSettings = DEFAULT

    def to_dict(self) -> dict[str, Any]:
        """The ``stops`` command's JSON: {"inputs", "stops", "events", "gaps", "settings"}."""
        from flightcheck.output.jsonout import plain

        def records(frame: pd.DataFrame, drop: tuple[str, ...] = ()) -> list[dict]:
            cols = [c for c in frame.columns if c not in drop]
            return [
                dict(zip(cols, row, strict=True))
                for row in frame[cols].itertuples(index=False, name=None)
            ]

        return plain(
            {
                "inputs": self.inputs,
                "stops": records(self.stops, ("confidence_factors",)),
                "events": records(self.events),
                "gaps": records(self.gaps),
                "settings": self.settings.to_dict(),
            }
        )


class FindingTables(Protocol):
    """What routes and maps read of the stop engine's result: its ``stops``, ``events`` and
    ``gaps`` tables. A :class:`Segmentation` is one; so is any object with those three
    DataFrames (a filtered or hand-made set of findings)."""

    @property
    def stops(self) -> pd.DataFrame: ...

    @property
    def events(self) -> pd.DataFrame: ...

    @property
    def gaps(self) -> pd.DataFrame: ...


def _utc(value: str | datetime | pd.Timestamp | None) -> pd.Timestamp | None:
    if value is None:
        return None
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


@contextlib.contextmanager
def engine_settings() -> Iterator[None]:
    """The process settings :func:`detect` runs under (speed only; restored after): cyclic
    garbage collection paused, numpy's huge-page advice off."""
    with gc_paused(), no_hugepage_advice():
        yield


def detect(
    tracks_or_df: Tracks | pd.DataFrame,
    airports: AirportIndex | list[str] | None = None,
    since: str | datetime | None = None,
    until: str | datetime | None = None,
    index: AirportIndex | None = None,
    workers: parallel.Workers = 1,
    settings: EngineSettings = DEFAULT,
) -> Segmentation:
    """Find stops, events and gaps in a ``Tracks`` or a track-table DataFrame.

    ``airports``: keep only findings at these airport codes (stops, events; gaps whose
    candidates or explaining stop include one). ``since``/``until`` (UTC; naive = UTC) limit
    the fixes used. ``index`` overrides the packaged airport/runway reference. ``workers``:
    processes to share the aircraft between, 1, n or "auto"
    (:mod:`flightcheck.runtime.parallel`); the findings are the same for any number.
    ``settings``: the thresholds (:class:`~flightcheck.settings.EngineSettings`; they reach
    forked workers with the closure).
    """
    with engine_settings():
        return _detect(tracks_or_df, airports, since, until, index, workers, settings)


def _detect(
    tracks_or_df: Tracks | pd.DataFrame,
    airports: AirportIndex | list[str] | None,
    since: str | datetime | None,
    until: str | datetime | None,
    index: AirportIndex | None,
    workers: parallel.Workers,
    settings: EngineSettings,
) -> Segmentation:
    if isinstance(tracks_or_df, pd.DataFrame):
        df, inputs = tracks_or_df, []
    else:
        df, inputs = tracks_or_df.df, [r.to_dict() for r in tracks_or_df.inputs]
    if isinstance(airports, AirportIndex):
        index, airports = airports, None
    lo, hi = _utc(since), _utc(until)
    if lo is not None or hi is not None:
        mask = np.ones(len(df), dtype=bool)
        if lo is not None:
            mask &= (df["time"] >= lo).to_numpy()
        if hi is not None:
            mask &= (df["time"] <= hi).to_numpy()
        df = df[mask]
    ships = vessels_mod.vessel_mask(df)  # vessels: port visits, not the aircraft engine
    v_stops, v_events, v_gaps = (
        vessels_mod.port_visit_records(df, settings) if ships.any() else ([], [], [])
    )
    df = df[~ships] if ships.any() else df
    ix = index if index is not None else default_index()
    n = parallel.processes(workers, lambda: parallel.detect_processes(len(df)))

    def setup() -> tuple[list[Piece], Callable[[Piece], tuple[Tables, dict[str, int]]]]:
        sources = SourceNames(df["source"]) if "source" in df else np.full(len(df), None)
        rows = df["row"].to_numpy() if "row" in df else np.arange(1, len(df) + 1)

        def work(piece: Piece) -> tuple[Tables, dict[str, int]]:
            stops, events, gaps, removed = aircraft_findings(
                piece.frame(df), ix, sources, rows, piece.global_positions, settings
            )
            return tabulate(stops, events, gaps, airports), removed  # the piece's own tables

        return make_pieces(df["icao24"], n), work

    parts = run_parts(setup, n)
    removed: dict[str, int] = {}
    for _, counts in parts:
        for reason, count in counts.items():
            removed[reason] = removed.get(reason, 0) + count
    tables = [own for own, _ in parts]
    if v_stops or v_events or v_gaps:
        tables.append(tabulate(v_stops, v_events, v_gaps, airports))
    return Segmentation(*join_tables(tables), removed, inputs, settings)


def aircraft_findings(
    df: pd.DataFrame,
    ix: AirportIndex,
    sources: Any,
    rows: np.ndarray,
    positions: Callable[[np.ndarray], np.ndarray] | None = None,
    settings: EngineSettings = DEFAULT,
) -> tuple[list[dict], list[dict], list[dict], dict[str, int]]:
    """(stops, events, gaps, removed counts) of the aircraft in ``df``, unsorted. ``sources``
    and ``rows`` cite the whole table; ``positions`` maps row positions in ``df`` to the
    whole table's (None: ``df`` is the whole table); ``settings``: the thresholds."""
    pts = prepare(df, ix, settings)
    types = aircraft_types(df, pts)  # while pts.pos still indexes df
    if positions is not None:
        pts.pos = positions(pts.pos)
    ctx = build(pts, ix, sources, rows, types, settings)
    stops, events = stops_mod.observed(ctx)
    silent = gaps_mod.silences(ctx)
    both_air = silent[~pts.ground[silent] & ~pts.ground[silent + 1]] if len(silent) else silent
    stops += stops_mod.inferred(ctx, both_air)
    stops += edges_mod.edge_stops(ctx)
    events += events_mod.go_arounds(ctx)
    events += events_mod.holds(ctx, events)
    events += edges_mod.open_ends(ctx, stops)
    return stops, events, gaps_mod.gaps(ctx, silent, explained_gaps(ctx, stops)), pts.removed


def explained_gaps(ctx: Context, stops: list[dict]) -> dict[int, str]:
    """Start fix of each silence that a stop accounts for -> ``"observed stop at X"``."""
    code = ctx.pts.code
    explained: dict[int, str] = {}
    for s in stops:
        if s.get("_edge"):  # open at a data edge: no silence of its own
            continue
        if s["kind"] == "inferred":
            explained[s["_first"]] = f"inferred stop at {s['airport']}"
        else:
            first, last = s["_first"], s["_last"]
            if first > 0 and code[first - 1] == code[first]:
                explained[first - 1] = f"observed stop at {s['airport']}"
            explained[last] = f"observed stop at {s['airport']}"
    return explained


def findings(
    stops: list[dict],
    events: list[dict],
    gap_records: list[dict],
    airports: list[str] | None,
    removed: dict[str, int],
    inputs: list[dict],
    settings: EngineSettings = DEFAULT,
) -> Segmentation:
    """The :class:`Segmentation` of finding records (filtered to ``airports``, sorted)."""
    return Segmentation(*tabulate(stops, events, gap_records, airports), removed, inputs, settings)
