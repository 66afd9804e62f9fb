"""``Tracks``: the track table of one or more inputs, with their provenance.

A small object over a pandas DataFrame (like MovingPandas' ``Trajectory``): the table is
``tracks.df`` and every method returns plain pandas objects or a new ``Tracks``.
"""

from __future__ import annotations

import dataclasses
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from flightcheck.track.by_aircraft import rows_by_aircraft, rows_of
from flightcheck.track.provenance import PRESENCE_COLUMNS, InputRecord, empty_presence
from flightcheck.track.table import no_duplicates, time_s


def _utc(value: str | datetime | pd.Timestamp) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


@dataclass(frozen=True)
class MatchedSources:
    """What :func:`flightcheck.routes.match_sources` did to a table: ``matches``, one dict per
    input without an ICAO address matched to an aircraft (``pseudo_address``, ``icao24`` and
    the numbers behind the match); ``merges``, per aircraft seen by several inputs, their
    reconciliation (offsets, disagreements) and how their fixes were merged."""

    matches: list[dict[str, Any]]
    merges: dict[str, dict[str, Any]]


@dataclass
class Tracks:
    """Position reports of any number of aircraft, from any number of inputs.

    ``df``: the track table (schema in :mod:`flightcheck.track.table`), sorted by icao24 then time.
    ``inputs``: one :class:`InputRecord` per input read. ``skipped``: files met while walking
    folders that were not track data, with the reason. ``duplicates``: exact duplicate
    reports removed across inputs; ``duplicate_reports``: those reports, one row each
    (``track.DUPLICATE_COLUMNS``: their own ``source`` and ``row``, and the ``icao24``,
    ``time``, ``lat``, ``lon`` of the kept copy), so every input that saw a fix stays known.
    ``presence``: addresses heard in raw Mode S inputs, with
    or without positions (columns of :mod:`flightcheck.io.presence` plus ``source``, the
    input's path); built from the inputs' provenance when not given, and narrowed by
    :meth:`aircraft` and :meth:`between` (an address stays while its heard span
    ``first``..``last`` overlaps the window; its counts are for the whole input).
    ``matched``: None until the sources were matched (:func:`flightcheck.routes.match_sources`),
    then what the matching did; kept by :meth:`aircraft` and :meth:`between` (a part of a
    matched table is matched, and its record stays the whole table's).
    """

    df: pd.DataFrame
    inputs: list[InputRecord] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    duplicates: int = 0
    # None (the default) is filled in by __post_init__: after construction both are frames,
    # which is the type their readers see
    presence: pd.DataFrame = None
    duplicate_reports: pd.DataFrame = None
    matched: MatchedSources | None = None

    def __post_init__(self) -> None:
        if self.presence is None:
            self.presence = _presence_of(self.inputs)
        if self.duplicate_reports is None:
            self.duplicate_reports = no_duplicates()

    def __len__(self) -> int:
        return len(self.df)

    def __repr__(self) -> str:
        n = self.df["icao24"].nunique() if len(self.df) else 0
        return f"<Tracks: {len(self.df):,} points, {n} aircraft, {len(self.inputs)} inputs>"

    def _with(self, df: pd.DataFrame, presence: pd.DataFrame | None = None) -> Tracks:
        kept = self.presence if presence is None else presence.reset_index(drop=True)
        # replace: a subclass (the fluent flightcheck.Tracks) and every field are kept
        return dataclasses.replace(self, df=df.reset_index(drop=True), presence=kept)

    @property
    def icao24s(self) -> list[str]:
        """The aircraft addresses present, sorted."""
        return sorted(self.df["icao24"].unique().tolist())

    def rows_of(self, icao24: str) -> pd.DataFrame:
        """The table's rows of one aircraft (exact address), as
        ``df[df["icao24"] == icao24]`` gives them, flagged ones included. The rows of every
        aircraft are found in one pass (:func:`~flightcheck.track.by_aircraft.rows_by_aircraft`)
        the first time, and again only when ``df`` is replaced."""
        known = self.__dict__.get("_by_aircraft")
        if known is None or known[0]() is not self.df:  # (a weak reference: no old table kept)
            known = (weakref.ref(self.df), rows_by_aircraft(self.df))
            self.__dict__["_by_aircraft"] = known
        return rows_of(self.df, known[1], icao24)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (forked workers, Dask, copies) without the rows found per aircraft."""
        return {k: v for k, v in self.__dict__.items() if k != "_by_aircraft"}

    def aircraft(self, icao24: str | list[str]) -> Tracks:
        """Only the given aircraft (hex address, case-insensitive; one or a list)."""
        wanted = [icao24] if isinstance(icao24, str) else list(icao24)
        wanted = [w.lower() for w in wanted]
        return self._with(
            self.df[self.df["icao24"].isin(wanted)],
            self.presence[self.presence["icao24"].isin(wanted)],
        )

    def between(
        self, since: str | datetime | None = None, until: str | datetime | None = None
    ) -> Tracks:
        """Only reports with ``since <= time <= until`` (UTC; naive values are taken as UTC)."""
        mask = np.ones(len(self.df), dtype=bool)
        heard = np.ones(len(self.presence), dtype=bool)
        if since is not None:
            mask &= (self.df["time"] >= _utc(since)).to_numpy()
            heard &= (self.presence["last"] >= _utc(since)).to_numpy()
        if until is not None:
            mask &= (self.df["time"] <= _utc(until)).to_numpy()
            heard &= (self.presence["first"] <= _utc(until)).to_numpy()
        return self._with(self.df[mask], self.presence[heard])

    def gaps(self, min_s: float = 600.0) -> pd.DataFrame:
        """Silences of at least ``min_s`` seconds between consecutive reports of an aircraft.

        Columns: icao24, start, end, duration_s, and the (source, row) of the fixes either
        side. Sorted by duration, longest first.
        """
        df = self.df
        if len(df) < 2:
            return pd.DataFrame(
                columns=[
                    "icao24",
                    "start",
                    "end",
                    "duration_s",
                    "source_before",
                    "row_before",
                    "source_after",
                    "row_after",
                ]
            )
        t = time_s(df)
        hexes = df["icao24"].to_numpy()
        dt = np.diff(t)
        mask = (hexes[1:] == hexes[:-1]) & (dt >= min_s)
        i = np.flatnonzero(mask)
        out = pd.DataFrame(
            {
                "icao24": hexes[i],
                "start": df["time"].to_numpy()[i],
                "end": df["time"].to_numpy()[i + 1],
                "duration_s": dt[i],
                "source_before": df["source"].to_numpy()[i],
                "row_before": df["row"].to_numpy()[i],
                "source_after": df["source"].to_numpy()[i + 1],
                "row_after": df["row"].to_numpy()[i + 1],
            }
        )
        return out.sort_values("duration_s", ascending=False, kind="stable").reset_index(drop=True)

    def summary(self) -> pd.DataFrame:
        """One row per aircraft: registration, typecode, callsigns, points, first, last, sources."""
        df = self.df
        cols = [
            "icao24",
            "registration",
            "typecode",
            "callsigns",
            "points",
            "first",
            "last",
            "sources",
        ]
        if df.empty:
            return pd.DataFrame(columns=cols)

        g = df.groupby("icao24", sort=True)
        points = g.size()
        out = pd.DataFrame(
            {
                "registration": g["registration"].first(),  # the first non-missing value
                "typecode": g["typecode"].first(),
                "callsigns": _sorted_distinct(df, "callsign", points.index),
                "points": points,
                "first": g["time"].min(),
                "last": g["time"].max(),
                "sources": _sorted_distinct(df, "source", points.index),
            }
        ).reset_index()
        return out[cols]


def _sorted_distinct(df: pd.DataFrame, col: str, aircraft: pd.Index) -> pd.Series:
    """Per aircraft of ``aircraft``, the sorted distinct non-missing values of ``col``: from
    the distinct (aircraft, value) pairs, so the Python work grows with those, not rows."""
    pairs = df[["icao24", col]].dropna().drop_duplicates().sort_values(["icao24", col])
    lists = pairs.groupby("icao24", sort=True)[col].agg(list)
    return pd.Series([lists.get(a, []) for a in aircraft], index=aircraft, dtype=object)


def _presence_of(inputs: list[InputRecord]) -> pd.DataFrame:
    """The inputs' presence tables, one frame with a ``source`` column (the input's path)."""
    parts = [
        rec.presence.assign(source=rec.path)
        for rec in inputs
        if rec.presence is not None and len(rec.presence)
    ]
    if not parts:
        return empty_presence().assign(source=pd.Series(dtype="str"))
    out = pd.concat(parts, ignore_index=True)
    return out[[*PRESENCE_COLUMNS, "source"]]
