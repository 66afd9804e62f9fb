"""The findings tables' declared schemas: stops, events, gaps, legs, visits and verdicts (one
place, one cast).

Each column has a name, a pandas dtype, a unit and whether it may be missing. The engine
builds its records as dicts and :func:`frame` casts them once, where the table is made; every
consumer (routes, maps, cases, scans, exports) can then trust the dtypes instead of guessing.
A table without rows has the same dtypes as one with rows, and the tables of two pieces of
the input always concatenate without repair.

Kinds are closed sets (``Literal``), listed here once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

import pandas as pd

StopKind = Literal["observed", "inferred"]
"""``observed``: ground fixes at the airport; ``inferred``: a silence that fits a stop there."""
EventKind = Literal["touch_and_go", "go_around", "holding", "open_end", "anchorage"]
"""Movements near an airport that are not stops (``open_end``: the data ends mid-approach or
starts mid-departure, see :mod:`flightcheck.segment.edges`; ``anchorage``: a vessel at anchor
or drifting, not in a port)."""
VerdictKind = Literal["supported", "contradicted", "inconclusive"]
"""A claim's verdict (see :mod:`flightcheck.case.verify`)."""

STOP_KINDS: tuple[str, ...] = get_args(StopKind)
EVENT_KINDS: tuple[str, ...] = get_args(EventKind)
VERDICTS: tuple[str, ...] = get_args(VerdictKind)

TIME = "datetime64[ns, UTC]"
TEXT = "str"
NUMBER = "float64"
COUNT = "int64"
FLAG = "boolean"
"""pandas' nullable boolean (True, False or missing)."""
OBJECT = "object"


@dataclass(frozen=True)
class Column:
    """One declared column: ``dtype`` is a pandas dtype name; ``unit`` "" when none."""

    name: str
    dtype: str
    unit: str
    nullable: bool
    doc: str


def _c(name: str, dtype: str, unit: str, nullable: bool, doc: str) -> Column:
    return Column(name, dtype, unit, nullable, doc)


STOPS: tuple[Column, ...] = (
    _c("icao24", TEXT, "", False, "aircraft address (or the vessel's MMSI, pseudo address)"),
    _c(
        "airport",
        TEXT,
        "",
        True,
        "ICAO code of the airport (port code for vessels); missing "
        "for ground fixes with no known airport near",
    ),
    _c("airport_name", TEXT, "", True, "the airport's name"),
    _c("country", TEXT, "ISO 3166-1 alpha-2", True, "the airport's country"),
    _c("lat", NUMBER, "degrees", False, "stop position: median ground fix, else the airport"),
    _c("lon", NUMBER, "degrees", False, "stop position: median ground fix, else the airport"),
    _c(
        "arrival",
        TIME,
        "UTC",
        True,
        "best arrival estimate (missing when the data starts with the aircraft on the ground)",
    ),
    _c(
        "departure",
        TIME,
        "UTC",
        True,
        "best departure estimate (missing when the data ends with the aircraft on the ground)",
    ),
    _c(
        "arrival_window",
        OBJECT,
        "UTC",
        True,
        "[earliest, latest] arrival where a silence leaves it open",
    ),
    _c(
        "departure_window",
        OBJECT,
        "UTC",
        True,
        "[earliest, latest] departure where a silence leaves it open",
    ),
    _c("dwell_s", NUMBER, "s", False, "time on the ground between arrival and departure"),
    _c("kind", TEXT, "", False, "one of " + ", ".join(STOP_KINDS)),
    _c("confidence", NUMBER, "0..1", False, "how sure the engine is (segment.confidence)"),
    _c("runway", TEXT, "", True, "runway designators used, e.g. '12/30'"),
    _c("evidence", TEXT, "", False, "the reading in words, with the input rows cited"),
    _c("confidence_factors", OBJECT, "", True, "the factors behind the confidence"),
    _c("rows", OBJECT, "", False, "citations: [{source, row}, ...] of the supporting fixes"),
)

EVENTS: tuple[Column, ...] = (
    _c("icao24", TEXT, "", False, "aircraft address"),
    _c("kind", TEXT, "", False, "one of " + ", ".join(EVENT_KINDS)),
    _c("airport", TEXT, "", True, "ICAO code of the airport"),
    _c("airport_name", TEXT, "", True, "the airport's name"),
    _c("time", TIME, "UTC", False, "when it happened (start of a hold)"),
    _c("end", TIME, "UTC", True, "end of a hold"),
    _c("lat", NUMBER, "degrees", False, "where"),
    _c("lon", NUMBER, "degrees", False, "where"),
    _c("runway", TEXT, "", True, "runway designator"),
    _c("evidence", TEXT, "", False, "the reading in words, with the input rows cited"),
    _c("rows", OBJECT, "", False, "citations: [{source, row}, ...]"),
)

GAPS: tuple[Column, ...] = (
    _c("icao24", TEXT, "", False, "aircraft address"),
    _c("start", TIME, "UTC", False, "last fix before the silence"),
    _c("end", TIME, "UTC", False, "first fix after the silence"),
    _c("duration_s", NUMBER, "s", False, "length of the silence"),
    _c("distance_km", NUMBER, "km", False, "great-circle distance between the two fixes"),
    _c("direct_s", NUMBER, "s", False, "time the direct path needs at cruise speed"),
    _c("unaccounted_s", NUMBER, "s", False, "duration beyond the direct path"),
    _c(
        "reach_km",
        NUMBER,
        "km",
        True,
        "path left after a turnaround (missing: no room for a stop, see segment.gaps.stop_fits)",
    ),
    _c("lat0", NUMBER, "degrees", False, "fix before"),
    _c("lon0", NUMBER, "degrees", False, "fix before"),
    _c("lat1", NUMBER, "degrees", False, "fix after"),
    _c("lon1", NUMBER, "degrees", False, "fix after"),
    _c("explained_by", TEXT, "", True, "the stop that accounts for the silence"),
    _c("candidates", OBJECT, "", False, "airports that could hide a stop, ranked"),
    _c("evidence", TEXT, "", False, "the reading in words, with the input rows cited"),
    _c("rows", OBJECT, "", False, "citations of the two fixes"),
)

LEGS: tuple[Column, ...] = (
    _c("icao24", TEXT, "", False, "aircraft address"),
    _c("leg", COUNT, "", False, "the leg's number in the aircraft's route, from 1"),
    _c(
        "from",
        TEXT,
        "",
        True,
        "airport code of the stop it leaves (missing: data starts in the air)",
    ),
    _c("to", TEXT, "", True, "airport code of the stop it reaches (missing: data ends in the air)"),
    _c("from_country", TEXT, "ISO 3166-1 alpha-2", True, "country of the stop it leaves"),
    _c("to_country", TEXT, "ISO 3166-1 alpha-2", True, "country of the stop it reaches"),
    _c("departure", TIME, "UTC", True, "departure from ``from`` (a window's middle if open)"),
    _c("arrival", TIME, "UTC", True, "arrival at ``to`` (a window's middle if open)"),
    _c("duration_s", NUMBER, "s", False, "departure to arrival (first/last fix when open)"),
    _c("points", COUNT, "", False, "fixes inside the leg"),
    _c("coverage", NUMBER, "0..1", False, "share of the leg's time with fixes close together"),
    _c("sources", OBJECT, "", False, "the inputs that saw a fix of the leg, sorted"),
    _c(
        "first_index",
        COUNT,
        "",
        False,
        "position of the leg's first fix among the aircraft's rows (-1: no fix)",
    ),
    _c("last_index", COUNT, "", False, "position of the leg's last fix (-1: no fix)"),
)
"""A leg as :func:`flightcheck.routes.legs.legs_of` makes it."""

ROUTE_LEGS: tuple[Column, ...] = (
    *LEGS,
    _c("overflown", OBJECT, "", False, "countries under the leg: [{country, start, end, points}]"),
    _c("overflown_chain", TEXT, "", False, "those countries as one line, e.g. 'EG → SA'"),
)
"""A leg of a :class:`flightcheck.routes.Route`: :data:`LEGS` and the countries it crossed."""

VISITS: tuple[Column, ...] = (
    _c("icao24", TEXT, "", False, "aircraft address"),
    _c("registration", TEXT, "", True, "latest registration seen in the fixes"),
    _c("typecode", TEXT, "", True, "latest ICAO type code seen in the fixes"),
    _c("registered_country", TEXT, "ISO 3166-1 alpha-2", True, "state of the address block"),
    _c("military", FLAG, "", True, "address in a military block (missing: not known)"),
    _c("airport", TEXT, "", False, "the requested airport it stopped at"),
    _c("arrival", TIME, "UTC", True, "the stop's arrival (missing: before the data)"),
    _c("departure", TIME, "UTC", True, "the stop's departure (missing: after the data)"),
    _c("dwell_s", NUMBER, "s", False, "time on the ground"),
    _c("kind", TEXT, "", False, "one of " + ", ".join(STOP_KINDS)),
    _c("confidence", NUMBER, "0..1", False, "the stop's confidence"),
    _c("evidence", TEXT, "", False, "the stop's evidence text"),
    _c("sources", TEXT, "", False, "input files of the stop's fixes and the fix either side (; )"),
)
"""A visit of a scan (:mod:`flightcheck.scan.visits`): a stop at a requested airport."""

VERDICTS_TABLE: tuple[Column, ...] = (
    _c("id", TEXT, "", False, "the claim's id in the case file"),
    _c("text", TEXT, "", False, "the claim in words ('' when the case gives none)"),
    _c("verdict", TEXT, "", False, "one of " + ", ".join(VERDICTS)),
    _c("confidence", NUMBER, "0..1", False, "how decisive the verdict is (0: inconclusive)"),
    _c("aircraft", OBJECT, "", False, "addresses the verdict rests on"),
    _c("reasons", OBJECT, "", False, "plain-language reasons, with their numbers"),
    _c("evidence", OBJECT, "", False, "evidence records (stops, silences, fixes) cited"),
)
"""One row per claim (:func:`flightcheck.case.verify.verdict_table`)."""

SCHEMAS: dict[str, tuple[Column, ...]] = {"stops": STOPS, "events": EVENTS, "gaps": GAPS}
"""The stop engine's tables (a :class:`flightcheck.segment.Segmentation`'s attributes)."""

ALL_SCHEMAS: dict[str, tuple[Column, ...]] = {
    **SCHEMAS,
    "legs": LEGS,
    "route_legs": ROUTE_LEGS,
    "visits": VISITS,
    "verdicts": VERDICTS_TABLE,
}
"""Every declared findings table by name."""

_CLOSED: dict[tuple[Column, ...], tuple[str, tuple[str, ...]]] = {
    STOPS: ("kind", STOP_KINDS),
    EVENTS: ("kind", EVENT_KINDS),
    VISITS: ("kind", STOP_KINDS),
    VERDICTS_TABLE: ("verdict", VERDICTS),
}
"""Schema -> its column of a closed set and that set."""


def text(value: Any) -> str | None:
    """A value of a declared text column as Python text, None when missing or empty: a
    missing value in a ``str`` column is NaN, which is truthy (``value or "?"`` shows
    ``nan``)."""
    return value if isinstance(value, str) and value else None


def names(schema: tuple[Column, ...]) -> list[str]:
    """The column names of ``schema``, in order."""
    return [c.name for c in schema]


def frame(records: list[dict[str, Any]], schema: tuple[Column, ...]) -> pd.DataFrame:
    """The table of ``records`` (dicts; a missing key is missing) cast to ``schema``: the one
    place a findings table gets its dtypes."""
    return _table({c.name: _column([r.get(c.name) for r in records], c) for c in schema})


def cast(table: pd.DataFrame, schema: tuple[Column, ...]) -> pd.DataFrame:
    """``table``'s columns of ``schema`` (in its order) cast to their declared dtypes: for a
    table made column-wise, or read back from a file (parquet keeps most dtypes, not all)."""
    out = _table({c.name: _column(table[c.name].reset_index(drop=True), c) for c in schema})
    out.index = table.index
    return out


def _table(columns: dict[str, pd.Series]) -> pd.DataFrame:
    """The columns (of equal length, in order) as one table, their arrays not copied: a
    table of a few rows took 0.5 ms from Series (aligned on their index), 0.1 ms so (a
    route's legs are made one table per aircraft)."""
    return pd.DataFrame({name: col.array for name, col in columns.items()}, copy=False)


def _column(values: Any, col: Column) -> pd.Series:
    if isinstance(values, pd.Series):
        if str(values.dtype) == col.dtype:
            return values
        values = values.tolist()
    if col.dtype == OBJECT:
        return pd.Series(values, dtype=object)
    if col.dtype == TIME:
        return pd.Series(pd.to_datetime(values, utc=True) if len(values) else [], dtype=TIME)
    return pd.Series(values, dtype=col.dtype)


def conforms(table: pd.DataFrame, schema: tuple[Column, ...]) -> list[str]:
    """What is wrong with ``table`` against ``schema`` (empty when it conforms): columns,
    dtypes, missing values where not nullable, kinds and verdicts outside their set."""
    problems = []
    if list(table.columns) != names(schema):
        problems.append(f"columns {list(table.columns)} != {names(schema)}")
        return problems
    for c in schema:
        if str(table[c.name].dtype) != c.dtype:
            problems.append(f"{c.name}: dtype {table[c.name].dtype} != {c.dtype}")
        if not c.nullable and c.dtype != OBJECT and table[c.name].isna().any():
            problems.append(f"{c.name}: missing values in a non-nullable column")
    closed = _CLOSED.get(schema)
    if closed is not None and len(table):
        column, allowed = closed
        bad = set(table[column]) - set(allowed)
        if bad:
            problems.append(f"{column}: {sorted(bad)} not in {allowed}")
    return problems
