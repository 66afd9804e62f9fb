"""Runway needs of aircraft types that may use short or unpaved strips (military transports).

The packaged table ``data/runway_needs.csv`` gives, per type family (ICAO type designators),
the shortest runway the family is documented to use in feet and whether it may be unpaved,
with a one-line public source. The figures rank airports; they never exclude one: a C-130
that lands on a 2,500 ft strip is still found there, with the shortfall said in the evidence.
Types not in the table (airliners, business jets, light aircraft) have no entry: the stop
engine then judges by the speed the aircraft was seen at.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

from flightcheck.errors import ReferenceDataError

TABLE = Path(__file__).with_name("data") / "runway_needs.csv"


@dataclass(frozen=True)
class RunwayNeed:
    """What one type needs: ``min_runway_ft`` (ft), ``unpaved_ok``, its ``family`` name and the
    ``source`` of the figure."""

    typecode: str
    min_runway_ft: float
    unpaved_ok: bool
    family: str
    source: str


@functools.lru_cache(maxsize=1)
def table() -> dict[str, RunwayNeed]:
    """Type designator (upper case) -> :class:`RunwayNeed`, from the packaged CSV."""
    out: dict[str, RunwayNeed] = {}
    with TABLE.open(encoding="utf-8", newline="") as f:
        for n, row in enumerate(csv.DictReader(f), start=2):
            try:
                length = float(row["min_runway_ft"])
                unpaved = {"yes": True, "no": False}[row["unpaved_ok"].strip()]
            except (KeyError, ValueError) as exc:
                raise ReferenceDataError(f"{TABLE.name} line {n}: {exc}") from None
            for code in row["typecodes"].split():
                out[code.upper()] = RunwayNeed(
                    code.upper(), length, unpaved, row["family"], row["source"]
                )
    return out


def need_of(typecode: object) -> RunwayNeed | None:
    """The :class:`RunwayNeed` of an ICAO type designator (any case; None when unknown)."""
    if not isinstance(typecode, str):
        return None
    return table().get(typecode.strip().upper())
