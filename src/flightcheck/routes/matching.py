"""Source matching: one aircraft seen by several inputs becomes one aircraft of the table.

:func:`match_sources` is the explicit step between reading and routes. Inputs without an
ICAO address (FR24 / FlightAware exports, addressed ``~pseudo``) are matched to the aircraft
whose fixes they coincide with and relabelled (:func:`.reconcile.match_unaddressed`); the
fixes of an aircraft seen by several inputs are merged, near-duplicates into one fix that
lists the other inputs' reports in ``also_seen`` (:func:`.reconcile.merge_sources`), after
their offsets and disagreements were measured on the data as reported
(:func:`.reconcile.reconcile`). Exact duplicates removed on reading come back first
(:func:`.sources.with_duplicates`): the agreement of two inputs is evidence. Flagged fixes
(refuted by the data) take no part and stay in the table, citable.

``build_routes`` calls it when the table was not matched yet, so callers that never call it
get the same routes as before.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

import pandas as pd

from flightcheck.routes.reconcile import match_unaddressed, merge_sources, reconcile
from flightcheck.routes.sources import with_duplicates
from flightcheck.settings import DEFAULT, EngineSettings
from flightcheck.track.flags import flagged
from flightcheck.track.tracks import MatchedSources, Tracks

T = TypeVar("T", bound=Tracks)


def match_sources(tracks: T, settings: EngineSettings = DEFAULT) -> T:
    """``tracks`` with its sources matched: unaddressed inputs relabelled to the aircraft they
    match, several inputs' fixes of one aircraft merged, what was done in ``.matched``.
    ``settings``: the thresholds of matching, merging and reconciling.

    Idempotent: a table already matched (``tracks.matched`` set) is returned as it is.
    When nothing needed matching the result holds the same ``df`` object (so a stop engine
    result on ``tracks`` still applies); otherwise a new table, sorted by (icao24, time,
    source, row). The type of ``tracks`` (a subclass too) is kept.
    """
    if tracks.matched is not None:
        return tracks
    matches: list[dict[str, Any]] = []
    merges: dict[str, dict[str, Any]] = {}
    # every input that saw a fix takes part, flagged fixes do not (they stay in the
    # table, citable): left out of matching when there is anything to match, and of each
    # several-source aircraft's merge and reconciliation
    full = with_duplicates(tracks.df, tracks.duplicate_reports)
    held = flagged(full)
    pseudo = any(str(h).startswith("~") for h in pd.unique(full["icao24"]))
    set_aside = pseudo and bool(held.any())
    df, matches = match_unaddressed(full[~held] if set_aside else full, s=settings)
    if set_aside:
        relabel = {m["pseudo_address"]: m["icao24"] for m in matches}
        refuted = full[held]
        df = pd.concat(
            [df, refuted.assign(icao24=refuted["icao24"].replace(relabel))], ignore_index=True
        )
    multi = df.groupby("icao24")["source"].nunique()
    multi = multi[multi > 1].index.tolist()
    if multi:
        several = df["icao24"].isin(multi)
        parts = [df[~several]]
        # grouped once: a filter of the whole table per aircraft was O(aircraft x fixes),
        # and in a several-day readsb archive every aircraft has several (daily) files
        for hex_, rows in df[several].groupby("icao24", sort=True):
            out = flagged(rows)
            if out.any():  # flagged fixes stay as they are
                parts.append(rows[out])
                rows = rows[~out]
            rows = rows.reset_index(drop=True)
            merged, report = merge_sources(rows, s=settings)
            # offsets and disagreements are measured on the data as reported
            merges[str(hex_)] = {**reconcile(rows, settings), "merge": report}
            parts.append(merged)
        df = pd.concat(parts, ignore_index=True)
    if matches or multi or set_aside:
        df = df.sort_values(["icao24", "time", "source", "row"], kind="stable")
        df = df.reset_index(drop=True)
    record = MatchedSources(matches, merges)
    if matches or multi or len(full) != len(tracks.df):
        return dataclasses.replace(tracks, df=df, matched=record)
    return dataclasses.replace(tracks, matched=record)
