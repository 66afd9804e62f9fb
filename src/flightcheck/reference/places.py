"""Places as people write them in claims: airports by code or name, countries by code or name.

A claim names a place the way a newspaper does ("Urumqi", "LXR", "Serbia"); verification
compares codes. This module turns the one into the other through the packaged gazetteer and
refuses, in one line that lists the candidates, whatever it cannot pin down.

Airports (:func:`airport`):

* A code: OurAirports ident, ICAO, GPS or IATA code ("LYBT", "URC", "lxr").
* A name: words of the airport's name, its municipality or its OurAirports keywords, matched
  as whole words, case- and accent-insensitively ("Urumqi" finds Ürümqi, "Luxor" does not
  find Luxora). One match is the answer. Several matches with exactly one ``large_airport``
  among them, and none of the others within ``SAME_CITY_KM`` of it, give that one with a
  ``note`` naming the others ("Belgrade": LYBE, the others in the US); otherwise the name is
  ambiguous and the error lists the candidates (code, name, country): "Cairo" could be Cairo
  International or Cairo West Air Base, and a stop at one would contradict a claim about the
  other.
* Text typed in lower or mixed case that is both a code and a name ("Lima": LIMA is Turin
  Aeritalia, SPJC is Lima) is ambiguous; capitals ("LIMA") mean the code.
* Only open fields where the stop engine looks for stops count (large, medium and small
  airports): a code of a heliport or a closed field is refused, naming it. OurAirports files
  a Turkish helipad under the ICAO code XXXX; a claim about "XXXX" is not about it.
* A country name ("Egypt") is refused as an airport: there is a small US field called Egypt.

Countries (:func:`country`): an ISO 3166-1 alpha-2 code, or an English name from OurAirports'
country list or Natural Earth ("Serbia", "Republic of Serbia", "Czechia").

Route elements (:func:`place`): two letters or a country name are a country, anything else an
airport.

The code of an airport is the one the stop engine gives its stops (the ICAO code when it has
four characters, else the OurAirports ident), so claims and findings compare equal.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from flightcheck.errors import ReferenceDataError
from flightcheck.reference import airports, countries

LANDABLE_TYPES = airports.LANDABLE_TYPES
CODE_COLUMNS = ("ident", "icao", "gps_code", "iata")
LISTED = 8
"""Candidates named in an ambiguity error (the count of the rest follows)."""


class PlaceError(ReferenceDataError):
    """A place in a claim is unknown, ambiguous or not somewhere aircraft stop."""


@dataclass(frozen=True)
class Place:
    """A resolved place. ``code``: the airport's stop code (ICAO, else OurAirports ident) or
    the country's ISO-2; ``written``: the text it was resolved from; ``note``: how a name that
    matched several airports was settled (empty otherwise)."""

    kind: Literal["airport", "country"]
    code: str
    name: str
    country: str | None
    written: str
    note: str = ""

    def describe(self) -> str:
        """``"ZWWW Ürümqi Tianshan International Airport (CN)"`` / ``"RS Serbia"``."""
        if self.kind == "country":
            return f"{self.code} {self.name}"
        return f"{self.code} {self.name} ({self.country or '?'})"


def _fold(text: str) -> str:
    return airports._fold_one(text).strip()


def _stop_code(icao: object, ident: str) -> str:
    """The code the stop engine gives an airport (segment.airportindex.build_index)."""
    return icao if isinstance(icao, str) and len(icao) == 4 else ident


# ---------------------------------------------------------------------------------------------
# Countries


@functools.cache
def _country_names() -> dict[str, str]:
    """Folded English name -> ISO-2 (OurAirports names, Natural Earth NAME and ADMIN)."""
    out: dict[str, str] = {}
    layer = countries.geometries("50m")
    pairs = list(countries._names().items())
    pairs += [(c, n) for c, n in zip(layer["iso2"], layer["name"], strict=True) if c]
    pairs += [(c, n) for c, n in zip(layer["iso2"], layer["admin"], strict=True) if c]
    for code, name in pairs:
        out.setdefault(_fold(str(name)), str(code))
    return out


def _country_by_name(text: str) -> str | None:
    return _country_names().get(_fold(text))


def country(text: str) -> Place:
    """The country ``text`` names: an ISO-2 code ("RS", "rs") or an English name ("Serbia").
    Raises :class:`PlaceError` when unknown, suggesting close names."""
    written = str(text).strip()
    if not written:
        raise PlaceError("empty country: give an ISO-2 code such as RS or a name such as Serbia")
    names = countries._names()
    if re.fullmatch(r"[A-Za-z]{2}", written):
        code = written.upper()
        if code not in names:
            raise PlaceError(
                f"unknown country code {written!r}: expected an ISO 3166-1 "
                "alpha-2 code such as RS (Serbia) or EG (Egypt)"
            )
        return Place("country", code, names[code], code, written)
    by_name = _country_by_name(written)
    if by_name is None:
        close = difflib.get_close_matches(_fold(written), list(_country_names()), n=3, cutoff=0.75)
        hint = (
            "; did you mean "
            + ", ".join(
                f"{names.get(_country_names()[c], c)} ({_country_names()[c]})" for c in close
            )
            + "?"
            if close
            else ""
        )
        raise PlaceError(
            f"unknown country {written!r}: give an ISO-2 code such as RS or an "
            f"English name such as Serbia{hint}"
        )
    return Place("country", by_name, names.get(by_name, written), by_name, written)


# ---------------------------------------------------------------------------------------------
# Airports


@dataclass(frozen=True)
class _Gazetteer:
    """Landable airports (``table``: stop code, folded name, municipality and keywords, type
    rank) with look-ups by stop code and by OurAirports ident, and the full table's types and
    idents (row-aligned with :func:`flightcheck.reference.airports.table`)."""

    table: pd.DataFrame
    by_code: dict[str, int]
    by_ident: dict[str, int]
    all_types: np.ndarray
    all_idents: np.ndarray


@functools.cache
def _gazetteer(key: tuple[str | None, str | None]) -> _Gazetteer:
    data = airports._load(*key)
    t = data.table
    types = t["type"].to_numpy(object)
    keep = np.isin(types, LANDABLE_TYPES)
    out = t.loc[keep, ["ident", "icao", "iata", "gps_code", "name", "type", "country"]].copy()
    out["rank"] = data.rank[keep]
    for col in ("name", "municipality", "keywords"):
        out[f"folded_{col}"] = data.folded[col][keep].to_numpy()
    out["code"] = [_stop_code(i, d) for i, d in zip(out["icao"], out["ident"], strict=True)]
    out = out.reset_index(drop=True)
    by_code: dict[str, int] = {}
    for pos in np.lexsort((np.arange(len(out)), out["rank"].to_numpy())):
        by_code.setdefault(out["code"].iat[pos], int(pos))
    by_ident = {ident: n for n, ident in enumerate(out["ident"])}
    return _Gazetteer(out, by_code, by_ident, types, t["ident"].to_numpy(object))


def _gaz() -> _Gazetteer:
    return _gazetteer(airports.sources())


def _code_rows(text: str) -> tuple[pd.DataFrame, list[int]]:
    """Airports whose code equals ``text``: (landable ones as gazetteer rows, the others as
    rows of the full airports table). A stop code (what the stop engine reports) comes first,
    so codes read off findings resolve to themselves; then ident, ICAO, GPS and IATA codes,
    larger airports first within each."""
    gaz = _gaz()
    data = airports.loaded()
    key = text.upper()
    rows = list(dict.fromkeys(r for col in CODE_COLUMNS for r in data.rows_of(col, key)))
    landable = [gaz.by_ident[gaz.all_idents[r]] for r in rows if gaz.all_types[r] in LANDABLE_TYPES]
    if key in gaz.by_code:
        landable.insert(0, gaz.by_code[key])
    others = [r for r in rows if gaz.all_types[r] not in LANDABLE_TYPES]
    return gaz.table.iloc[list(dict.fromkeys(landable))], others


def _name_rows(text: str) -> pd.DataFrame:
    """Landable airports whose name, municipality or keywords contain ``text`` as whole words;
    larger airports first, then those whose own name holds the words, then by ident."""
    gaz = _gaz().table
    folded = _fold(text)
    if not folded:
        return gaz.iloc[:0]
    word = re.compile(r"(?<!\w)" + re.escape(folded) + r"(?!\w)")
    hit = np.zeros(len(gaz), dtype=bool)
    in_name = np.zeros(len(gaz), dtype=bool)
    for col in ("folded_name", "folded_municipality", "folded_keywords"):
        values = gaz[col]
        rough = np.flatnonzero(values.str.contains(folded, regex=False).to_numpy(bool))
        exact = [r for r in rough if word.search(values.iat[r])]
        hit[exact] = True
        if col == "folded_name":
            in_name[exact] = True
    rows = np.flatnonzero(hit)
    order = np.lexsort(
        (gaz["ident"].to_numpy(object)[rows], ~in_name[rows], gaz["rank"].to_numpy()[rows])
    )
    return gaz.iloc[rows[order]]


SAME_CITY_KM = 60.0
"""Another airport of the same name this near the large one (Cairo West, 40 km from Cairo
International; Ürümqi South Air Base) makes the name ambiguous: a true claim about the one
must not be checked against the other, km."""


def _same_city(ident: str, idents: pd.Series) -> bool:
    """Whether any airport of ``idents`` but ``ident`` lies within ``SAME_CITY_KM`` of it."""
    from flightcheck.geo import haversine_km

    table = airports.table().set_index("ident")
    others = [i for i in idents if i != ident and i in table.index]
    if not others or ident not in table.index:
        return False
    here = table.loc[ident]
    there = table.loc[others]
    return bool(
        (
            haversine_km(
                here["lat"], here["lon"], there["lat"].to_numpy(float), there["lon"].to_numpy(float)
            )
            <= SAME_CITY_KM
        ).any()
    )


def _from_row(row: pd.Series, written: str, note: str = "") -> Place:
    return Place(
        "airport",
        str(row["code"]),
        str(row["name"]),
        None if pd.isna(row["country"]) else str(row["country"]),
        written,
        note,
    )


def _listing(rows: pd.DataFrame) -> str:
    shown = [
        f"{r.code} {r.name} ({r.country if isinstance(r.country, str) else '?'})"
        for r in rows.head(LISTED).itertuples()
    ]
    more = len(rows) - LISTED
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def airport(text: str) -> Place:
    """The airport ``text`` names (a code or a name, see the module docstring).

    Raises :class:`PlaceError` when nothing matches, when the only match is not an open
    airport, when ``text`` is a country's name, or when a name is ambiguous (the message
    lists the candidates with code, name and country)."""
    written = str(text).strip()
    if not written:
        raise PlaceError("empty airport: give an ICAO/IATA code such as LYBT or a name")
    landable, others = _code_rows(written)
    capitals = written == written.upper()
    if len(landable) and capitals:
        return _from_row(landable.iloc[0], written)
    iso2 = _country_by_name(written)
    names = _name_rows(written)
    if iso2 is not None:
        also = f"; airports it names: {_listing(names)}" if len(names) else ""
        raise PlaceError(
            f"{written!r} is a country ({iso2}), not an airport: claim a stop "
            f'in it with country = "{iso2}" (--country {iso2}), or give the '
            f"airport's code{also}"
        )
    if len(landable):
        by_code = landable.iloc[:1]
        rest = names[~names["ident"].isin(by_code["ident"])]
        if not len(rest):
            return _from_row(by_code.iloc[0], written)
        raise PlaceError(
            f"{written!r} is ambiguous: the code of {_listing(by_code)} and a name "
            f"in {_listing(rest)}; give the code in capitals or the airport's "
            "ICAO code"
        )
    if len(names) == 1:
        return _from_row(names.iloc[0], written)
    if len(names) > 1:
        large = names[names["type"] == "large_airport"]
        if len(large) == 1 and not _same_city(large["ident"].iat[0], names["ident"]):
            others_ = names[names["ident"] != large["ident"].iat[0]]
            note = (
                f"{written!r} names {len(names)} airports; taken as the only large one, "
                f"{large['code'].iat[0]}; the others: {_listing(others_)}"
            )
            return _from_row(large.iloc[0], written, note)
        raise PlaceError(
            f"{written!r} names {len(names)} airports: {_listing(names)}; "
            "give the code of the one you mean"
        )
    if others:
        t = airports.loaded().table
        what = ", ".join(
            f"{t['ident'].iat[r]} {t['name'].iat[r]} ({t['type'].iat[r]}, {t['country'].iat[r]})"
            for r in others[:3]
        )
        raise PlaceError(
            f"{written!r} is the code of {what}, not an open airport: flightcheck "
            "finds stops only at large, medium and small airports; give another "
            "code or name"
        )
    raise PlaceError(
        airports.unknown_message(airports.loaded(), written).replace(
            "unknown airport code", "no airport matches"
        )
    )


def place(text: str) -> Place:
    """A route element: a country (two letters, or a country's name) or an airport."""
    written = str(text).strip()
    if re.fullmatch(r"[A-Za-z]{2}", written) or _country_by_name(written) is not None:
        return country(written)
    return airport(written)
