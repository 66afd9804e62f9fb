"""Each aircraft's fixes and identity as slices of columns computed once for the whole table.

``build_routes`` used to take a DataFrame per aircraft and ask it for its times, countries,
first registration, callsigns, sources and registry state: ~3 ms of pandas and reference
look-ups per aircraft, minutes on a day archive of 50,000 aircraft. Here each of those is one
vectorised pass over the table (countries in chunks of fixes), and an aircraft is a set of
slices and values (:class:`AircraftRows`), with the same values as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from flightcheck.routes.sources import ALSO_SEEN, merged_sources
from flightcheck.track.flags import flagged
from flightcheck.track.table import time_s

COUNTRY_CHUNK = 1_000_000
"""Fixes placed in countries at a time (bounds the memory of the point geometries)."""


@dataclass
class AircraftRows:
    """One aircraft of a track table: its rows' columns (time-ordered as in the table) and
    what the route reports about it. ``t`` Unix s, ``lat``/``lon`` degrees, ``iso`` the
    country under each fix (None at sea)."""

    icao24: str
    table: pd.DataFrame
    positions: np.ndarray
    kept: np.ndarray
    """Where the unflagged fixes (``positions``) sit among all the aircraft's rows of the
    table, flagged ones included: legs cite those positions."""
    also: np.ndarray | None
    t: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    iso: np.ndarray
    sources: np.ndarray
    vessel: bool
    registration: str | None
    typecode: str | None
    callsigns: list[str]
    source_list: list[str]
    n_sources: int
    """Distinct ``source`` values of its unflagged fixes (not counting ``also_seen``)."""
    state: str | None
    military: bool | None

    def rows(self) -> pd.DataFrame:
        """The aircraft's unflagged rows of the table, index reset."""
        return self.table.iloc[self.positions].reset_index(drop=True)

    @staticmethod
    def of(df: pd.DataFrame) -> Iterator[AircraftRows]:
        """Every aircraft of ``df`` with an unflagged fix, in address order (as
        ``df.groupby("icao24")``). Flagged fixes (``flag`` set, :mod:`flightcheck.track.flags`)
        take no part: not in the slices, the identity or the sources."""
        if not len(df):
            return
        all_codes, hexes = pd.factorize(df["icao24"], sort=True)
        held = flagged(df)
        every = np.argsort(all_codes, kind="stable")
        every = every[all_codes[every] >= 0]
        every_bounds = np.searchsorted(all_codes[every], np.arange(len(hexes) + 1))
        codes = np.where(held, -1, all_codes)
        order = np.argsort(codes, kind="stable")
        order = order[codes[order] >= 0]
        bounds = np.searchsorted(codes[order], np.arange(len(hexes) + 1))
        starts = bounds[:-1]
        lat, lon = df["lat"].to_numpy(float), df["lon"].to_numpy(float)
        t = time_s(df)
        iso = _countries(lat, lon)
        sources = _values(df["source"])
        is_vessel = (df["kind"] == "vessel").to_numpy(bool)[order]
        vessel = np.array(
            [
                bool(is_vessel[a:b].all()) if b > a else False
                for a, b in zip(starts.tolist(), bounds[1:].tolist(), strict=True)
            ]
        )
        registration = _first_known(df["registration"], codes, order, len(hexes))
        typecode = _first_known(df["typecode"], codes, order, len(hexes))
        callsigns = _distinct(df["callsign"], codes, len(hexes), dropna=True)
        source_lists = _distinct(df["source"], codes, len(hexes), dropna=False)
        also = df[ALSO_SEEN].to_numpy(object) if ALSO_SEEN in df.columns else None
        states = _registered(list(hexes))
        for i, hex_ in enumerate(hexes.tolist()):
            pos = order[bounds[i] : bounds[i + 1]]
            if not len(pos):  # every fix of it flagged: nothing to route
                continue
            mine = also[pos] if also is not None else None
            seen = {str(s) for s in source_lists[i]}
            if mine is not None:
                seen |= merged_sources(mine)
            everyone = every[every_bounds[i] : every_bounds[i + 1]]
            yield AircraftRows(
                icao24=str(hex_),
                table=df,
                positions=pos,
                kept=np.flatnonzero(~held[everyone]),
                also=mine,
                t=t[pos],
                lat=lat[pos],
                lon=lon[pos],
                iso=iso[pos],
                sources=sources[pos],
                vessel=bool(vessel[i]),
                registration=registration[i],
                typecode=typecode[i],
                callsigns=sorted(callsigns[i]),
                source_list=sorted(seen),
                n_sources=len(source_lists[i]),
                state=states[i][0],
                military=states[i][1],
            )


def _countries(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """ISO-2 country under every fix (:func:`~flightcheck.reference.countries.country_of`,
    a point at a time: the same answer per fix in chunks as in one go)."""
    from flightcheck.reference.countries import country_of

    out = np.empty(len(lat), dtype=object)
    for a in range(0, len(lat), COUNTRY_CHUNK):
        out[a : a + COUNTRY_CHUNK] = country_of(
            lat[a : a + COUNTRY_CHUNK], lon[a : a + COUNTRY_CHUNK]
        )
    return out


def _values(column: pd.Series) -> np.ndarray:
    """``column.to_numpy(object)`` (missing: NaN) holding each distinct string once: the
    table's text columns are arrow strings, and a Python string per row of 10 million
    rows is a gigabyte."""
    codes, uniques = pd.factorize(column)
    return np.append(np.asarray(uniques, dtype=object), np.nan)[codes]


def _first_known(
    column: pd.Series, codes: np.ndarray, order: np.ndarray, n: int
) -> list[str | None]:
    """Per aircraft, its first known value of ``column`` in table order as text (None:
    none known)."""
    value_codes, uniques = pd.factorize(column)  # missing: -1
    known = value_codes[order] >= 0
    values = value_codes[order][known]
    which = codes[order][known]
    out: list[str | None] = [None] * n
    first = np.flatnonzero(np.r_[True, which[1:] != which[:-1]]) if len(which) else which
    pool = np.asarray(uniques, dtype=object)
    for i, v in zip(which[first].tolist(), values[first].tolist(), strict=True):
        out[i] = str(pool[v])
    return out


def _distinct(column: pd.Series, codes: np.ndarray, n: int, dropna: bool) -> list[list[Any]]:
    """Per aircraft, the distinct values of ``column`` (missing ones, as one NaN, left out
    when ``dropna``), in no particular order."""
    value_codes, uniques = pd.factorize(column)  # missing: -1
    keep = codes >= 0
    if dropna:
        keep &= value_codes >= 0
    width = len(uniques) + 1
    pairs = np.unique(codes[keep].astype(np.int64) * width + (value_codes[keep] + 1))
    pool = [np.nan, *np.asarray(uniques, dtype=object).tolist()]
    out: list[list[Any]] = [[] for _ in range(n)]
    for code, value in zip((pairs // width).tolist(), (pairs % width).tolist(), strict=True):
        out[code].append(pool[value])
    return out


def _registered(hexes: list[str]) -> list[tuple[str | None, bool | None]]:
    """State of registry (ISO-2) and military flag per address, as
    :func:`flightcheck.reference.icao.lookup` gives them; (None, None) for a non-ICAO
    (``~``) or invalid address or when the reference data is unavailable."""
    from flightcheck.errors import ReferenceDataError
    from flightcheck.reference import icao

    try:
        found = icao.lookup_many(hexes)
    except ReferenceDataError:
        return [(None, None)] * len(hexes)
    out: list[tuple[str | None, bool | None]] = []
    for hex_, valid, iso2, military in zip(
        hexes,
        found["valid"].tolist(),
        found["iso2"].tolist(),
        found["military"].tolist(),
        strict=True,
    ):
        if hex_.startswith("~") or not valid:
            out.append((None, None))
        else:
            out.append((None if pd.isna(iso2) else iso2, bool(military)))
    return out
