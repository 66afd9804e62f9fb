"""Routes: each aircraft's chain of legs between stops, its country chain, and how its sources
agree. ``build_routes(tracks)`` is the entry point; ``RouteSet.to_dict()`` is the ``route``
command's JSON."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from flightcheck import findings
from flightcheck.routes.aircraft import AircraftRows
from flightcheck.routes.countries import NO_DATA, chain_text, collapse, overflown
from flightcheck.routes.deferred import (
    Deferred,
    DeferredFrame,
    SharedRecords,
    field_records,
    records,
)
from flightcheck.routes.legs import leg_records
from flightcheck.routes.matching import match_sources as _match_sources
from flightcheck.routes.reconcile import reconcile
from flightcheck.runtime.parallel import Workers
from flightcheck.settings import DEFAULT, EngineSettings
from flightcheck.track.tracks import Tracks

if TYPE_CHECKING:
    from flightcheck.segment import FindingTables

__all__ = ["Route", "RouteSet", "build_routes", "match_sources"]

match_sources = _match_sources  # the explicit step (the name is also build_routes' switch)

__all__ = ["Route", "RouteSet", "build_routes"]


@dataclass
class Route:
    """One aircraft's route. ``stops``, ``legs``, ``events``, ``gaps`` are DataFrames (made
    on first use: :mod:`flightcheck.routes.deferred`)."""

    icao24: str
    registration: str | None
    typecode: str | None
    callsigns: list[str]
    registered_country: str | None
    military: bool | None
    stops: pd.DataFrame
    legs: pd.DataFrame
    events: pd.DataFrame
    gaps: pd.DataFrame
    countries: list[str]
    sources: list[str]
    reconciliation: dict[str, Any] | None = None

    @property
    def airports(self) -> list[str]:
        """Airport codes of the stops in order (consecutive repeats kept: they are stops);
        a stop at no known airport (code missing: None or NaN) is left out."""
        return [
            r["airport"]
            for r in field_records(self, "stops")
            if isinstance(r.get("airport"), str) and r["airport"]
        ]

    @property
    def summary(self) -> str:
        """One line, e.g. ``010075  IL76  EG military  HECW → ZWWW → LYBT   EG → CN → RS``."""
        state = self.registered_country or "??"
        mil = " military" if self.military else ""
        path = " → ".join(self.airports) or "(no stop)"
        return (
            f"{self.icao24}  {self.typecode or '-'}  {state}{mil}  {path}   "
            f"{' → '.join(self.countries) or '-'}"
        )

    def to_dict(self) -> dict[str, Any]:
        from flightcheck.output.jsonout import plain

        legs = [
            {k: v for k, v in r.items() if k not in ("first_index", "last_index")}
            for r in field_records(self, "legs")
        ]
        return plain(
            {
                "icao24": self.icao24,
                "registration": self.registration,
                "typecode": self.typecode,
                "callsigns": self.callsigns,
                "registered_country": self.registered_country,
                "military": self.military,
                "stops": field_records(self, "stops"),
                "legs": legs,
                "events": field_records(self, "events"),
                "gaps": field_records(self, "gaps"),
                "countries": self.countries,
                "sources": self.sources,
                "reconciliation": self.reconciliation,
                "summary": self.summary,
            }
        )


for _name in ("stops", "legs", "events", "gaps"):  # made on first use (routes/deferred.py)
    _frame = DeferredFrame()
    _frame.__set_name__(Route, _name)
    setattr(Route, _name, _frame)


@dataclass
class RouteSet:
    """Routes of every aircraft in a :class:`Tracks`, plus the cross-source matches made."""

    routes: list[Route]
    matches: list[dict] = field(default_factory=list)
    tracks: Tracks | None = None
    """The track table the routes were built from (pseudo-addressed sources relabelled)."""
    segmentation: FindingTables | None = None
    """The stop engine's result on ``tracks``."""

    @property
    def stops(self) -> pd.DataFrame:
        """Every aircraft's stops in one table (schema :data:`findings.STOPS`)."""
        return _concat([r.stops for r in self.routes], findings.STOPS)

    @property
    def events(self) -> pd.DataFrame:
        """Every aircraft's events in one table (schema :data:`findings.EVENTS`)."""
        return _concat([r.events for r in self.routes], findings.EVENTS)

    @property
    def gaps(self) -> pd.DataFrame:
        """Every aircraft's gaps in one table (schema :data:`findings.GAPS`)."""
        return _concat([r.gaps for r in self.routes], findings.GAPS)

    @property
    def legs(self) -> pd.DataFrame:
        """Every aircraft's legs in one table (schema :data:`findings.ROUTE_LEGS`), cast once
        from the routes' records (no route's own table is made)."""
        legs = [leg for r in self.routes for leg in field_records(r, "legs")]
        return findings.frame(legs, findings.ROUTE_LEGS)

    def __iter__(self):
        return iter(self.routes)

    def __len__(self) -> int:
        return len(self.routes)

    def get(self, icao24: str) -> Route:
        for r in self.routes:
            if r.icao24 == icao24.lower():
                return r
        raise KeyError(icao24)

    @property
    def settings(self) -> EngineSettings:
        """The thresholds the routes were found with."""
        return getattr(self.segmentation, "settings", DEFAULT)

    def to_dict(self) -> dict[str, Any]:
        return {
            "aircraft": [r.to_dict() for r in self.routes],
            "matched_sources": self.matches,
            "settings": self.settings.to_dict(),
        }


def build_routes(
    tracks: Tracks,
    segmentation: FindingTables | None = None,
    icao24: str | list[str] | None = None,
    match_sources: bool = True,
    settings: EngineSettings | None = None,
    workers: Workers = 1,
) -> RouteSet:
    """Assemble every aircraft's route from its stops (running the stop engine if needed).

    ``match_sources``: when the table's sources were not matched yet (``tracks.matched`` is
    None), match them first (:func:`~flightcheck.routes.matching.match_sources`: inputs
    without an ICAO address relabelled to the aircraft they coincide with, several inputs of
    one aircraft merged), so one aircraft seen by several sources becomes one route whose
    legs list the sources that support them; a ``segmentation`` of the table before
    matching is then not used when matching changed the table (the stop engine runs on the
    matched one). Call ``match_sources`` yourself to detect once, on the matched table.
    ``RouteSet.tracks`` is the table the routes were built from. ``settings``: the
    thresholds (:class:`~flightcheck.settings.EngineSettings`); None: those of
    ``segmentation`` when given, else the defaults. ``workers``: processes for the stop
    engine when it runs (:func:`~flightcheck.segment.detect`).
    """
    found_under = getattr(segmentation, "settings", None)  # hand-made findings have none
    if settings is None:
        settings = found_under if isinstance(found_under, EngineSettings) else DEFAULT
    elif found_under is not None and found_under != settings:
        segmentation = None  # found under other thresholds: found again under these
    from flightcheck.segment import detect

    if match_sources and tracks.matched is None:
        matched = _match_sources(tracks, settings)
        if matched.df is not tracks.df:
            segmentation = None
        tracks = matched
    record = tracks.matched
    matches = list(record.matches) if record is not None else []
    merges = record.merges if record is not None else {}
    if icao24:
        tracks = tracks.aircraft(icao24)
    if segmentation is None:
        segmentation = detect(tracks, settings=settings, workers=workers)
    df = tracks.df
    stops_of = deferred_by_aircraft(segmentation.stops, ["arrival", "departure"])
    events_of = deferred_by_aircraft(segmentation.events, ["time"])
    gaps_of = deferred_by_aircraft(segmentation.gaps, ["start"])
    routes = []
    for a in AircraftRows.of(df):
        hex_ = a.icao24
        stops, events, gaps = stops_of(hex_), events_of(hex_), gaps_of(hex_)
        stop_rows = stops.rows() if stops.rows is not None else records(stops.make())
        # moored or slow vessels report every few minutes: a longer gap counts as covered
        covered = settings.vessel_leg_covered_gap_s if a.vessel else settings.leg_covered_gap_s
        legs = leg_records(hex_, a.t, a.sources, stop_rows, covered_gap_s=covered, also=a.also)
        if any(r["first_index"] < 0 for r in legs):
            # legs without a fix: their times as the legs frame's column holds them
            dep = pd.Series([r["departure"] for r in legs]).tolist()
            arr = pd.Series([r["arrival"] for r in legs]).tolist()
        for j, r in enumerate(legs):
            if r["first_index"] < 0:
                over = [{"country": NO_DATA, "start": dep[j], "end": arr[j], "points": 0}]
            else:
                sl = slice(r["first_index"], r["last_index"] + 1)
                over = overflown(a.lat[sl], a.lon[sl], a.t[sl], a.iso[sl], covered_gap_s=covered)
                # leg indices count the aircraft's rows in the table, flagged ones too
                r["first_index"] = int(a.kept[r["first_index"]])
                r["last_index"] = int(a.kept[r["last_index"]])
            r["overflown"] = over
            r["overflown_chain"] = chain_text(over)
        chain = collapse([r["country"] for r in stop_rows]) if stop_rows else []
        routes.append(
            Route(
                icao24=hex_,
                registration=a.registration,
                typecode=a.typecode,
                callsigns=a.callsigns,
                registered_country=a.state,
                military=a.military,
                stops=stops,
                legs=Deferred(functools.partial(_legs_frame, legs), legs.copy),
                events=events,
                gaps=gaps,
                countries=chain,
                sources=a.source_list,
                reconciliation=(
                    merges.get(hex_) or (reconcile(a.rows(), settings) if a.n_sources > 1 else None)
                ),
            )
        )
    return RouteSet(routes, matches, tracks, segmentation)


def _legs_frame(legs: list[dict[str, Any]]) -> pd.DataFrame:
    """The legs table of one route from its records (schema :data:`findings.ROUTE_LEGS`)."""
    return findings.frame(legs, findings.ROUTE_LEGS)


def _concat(frames: list[pd.DataFrame], schema: tuple[findings.Column, ...]) -> pd.DataFrame:
    """The routes' tables as one; without rows, the schema's empty table (not a table
    without columns, which every reader had to test for)."""
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else findings.frame([], schema)


def by_aircraft(frame: pd.DataFrame | None, sort: list[str]) -> Callable[[str], pd.DataFrame]:
    """A function giving the rows of ``frame`` for one aircraft, in time order: by the first
    of ``sort`` that is known (a stop whose arrival is before the data sorts by its
    departure; unknown times last, ties in frame order). The frame is put in (aircraft,
    time) order once and each aircraft's rows are a slice of it: filtering and sorting the
    whole frame for each aircraft took O(aircraft x findings) plus ~1 ms of pandas work per
    aircraft (2,000 aircraft: 5.3 s of ``build_routes``' 9.3 s)."""
    deferred = deferred_by_aircraft(frame, sort)
    return lambda icao24: deferred(icao24).make()


def deferred_by_aircraft(frame: pd.DataFrame | None, sort: list[str]) -> Callable[[str], Deferred]:
    """:func:`by_aircraft` giving :class:`~flightcheck.routes.deferred.Deferred` frames:
    each made on first use, its records known without making it."""
    if frame is None:
        return lambda icao24: Deferred(lambda: pd.DataFrame(columns=[]), list)
    if len(frame) == 0:  # the table's own dtypes (a declared schema's), not object columns
        empty = frame.iloc[:0].reset_index(drop=True)
        return lambda icao24: Deferred(empty.copy, list)
    codes, hexes = pd.factorize(frame["icao24"])
    order = np.arange(len(frame))
    keys = [k for k in sort if k in frame.columns]
    if keys:
        when = pd.to_datetime(frame[keys[0]], utc=True)
        for k in keys[1:]:
            when = when.fillna(pd.to_datetime(frame[k], utc=True))
        order = np.argsort(when.to_numpy(), kind="stable")  # NaT last
    order = order[np.argsort(codes[order], kind="stable")]  # then by aircraft, time kept
    ordered = frame.iloc[order].reset_index(drop=True)
    bounds = np.searchsorted(codes[order], np.arange(len(hexes) + 1))
    where = {h: (int(bounds[i]), int(bounds[i + 1])) for i, h in enumerate(hexes)}
    none = frame.iloc[:0].reset_index(drop=True)
    shared = SharedRecords(ordered)

    def of(icao24: str) -> Deferred:
        at = where.get(icao24)
        if at is None:
            return Deferred(none.copy, list)
        a, b = at
        return Deferred(
            lambda: ordered.iloc[a:b].reset_index(drop=True), lambda: shared.slice(a, b)
        )

    return of
