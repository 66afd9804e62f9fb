"""The findings tables' declared schemas: stops, events and gaps (one place, one cast).

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

SCHEMAS: dict[str, tuple[Column, ...]] = {"stops": STOPS, "events": EVENTS, "gaps": GAPS}


def names(schema: tuple[Column, ...]) -> list[str]:
    """The column names of ``schema``, in order."""
    return [c.name for c in schema]


def frame(records: list[dict[str, Any]], schema: tuple[Column, ...]) -> pd.DataFrame:
    """The table of ``records`` (dicts; a missing key is missing) cast to ``schema``: the one
    place a findings table gets its dtypes."""
    return pd.DataFrame(
        {c.name: _column([r.get(c.name) for r in records], c) for c in schema},
        columns=names(schema),
    )


def _column(values: list[Any], col: Column) -> pd.Series:
    if col.dtype == OBJECT:
        return pd.Series(values, dtype=object)
    if col.dtype == TIME:
        return pd.Series(pd.to_datetime(values, utc=True) if values else [], dtype=TIME)
    return pd.Series(values, dtype=col.dtype)


def conforms(table: pd.DataFrame, schema: tuple[Column, ...]) -> list[str]:
    """What is wrong with ``table`` against ``schema`` (empty when it conforms): columns,
    dtypes, missing values where not nullable, kinds outside their set."""
    problems = []
    if list(table.columns) != names(schema):
        problems.append(f"columns {list(table.columns)} != {names(schema)}")
        return problems
    for c in schema:
        if str(table[c.name].dtype) != c.dtype:
            problems.append(f"{c.name}: dtype {table[c.name].dtype} != {c.dtype}")
        if not c.nullable and c.dtype != OBJECT and table[c.name].isna().any():
            problems.append(f"{c.name}: missing values in a non-nullable column")
    kinds = {"stops": STOP_KINDS, "events": EVENT_KINDS}
    for key, allowed in kinds.items():
        if schema is SCHEMAS[key] and len(table):
            bad = set(table["kind"]) - set(allowed)
            if bad:
                problems.append(f"kind: {sorted(bad)} not in {allowed}")
    return problems
