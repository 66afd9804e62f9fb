"""Vessel MMSI -> flag state, from the Maritime Identification Digits (ITU-R M.585).

The MID is three digits (2-7 first) that the ITU allocates to a state. Where it sits in the
nine-digit MMSI depends on the station (ITU-R M.585 Annex 1):

* ``MIDxxxxxx`` ship station (first digit 2-7): the MID is the **flag state**;
* ``0MIDxxxxx`` group of ships, ``00MIDxxxx`` coast station, ``111MIDxxx`` SAR aircraft,
  ``8MIDxxxxx`` handheld VHF, ``98MIDxxxx`` craft associated with a parent ship,
  ``99MIDxxxx`` aid to navigation: the MID is the allocating state;
* ``970``, ``972``, ``974`` (AIS-SART, MOB, EPIRB-AIS) carry no MID.

The table (``data/mid_flags.csv``) comes from pyais (MIT; see ``VERSIONS.json``). A MID says
which state's register the MMSI was issued under, not who owns or operates the vessel; a
vessel that changes flag changes MMSI (its IMO number stays).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

DATA_DIR = Path(__file__).with_name("data")

_STATIONS = (
    (re.compile(r"^(97[024])\d{6}$"), None, "emergency device"),
    (re.compile(r"^111([2-7]\d\d)\d{3}$"), 1, "SAR aircraft"),
    (re.compile(r"^00([2-7]\d\d)\d{4}$"), 1, "coast station"),
    (re.compile(r"^0([2-7]\d\d)\d{5}$"), 1, "group of ships"),
    (re.compile(r"^98([2-7]\d\d)\d{4}$"), 1, "craft associated with a parent ship"),
    (re.compile(r"^99([2-7]\d\d)\d{4}$"), 1, "aid to navigation"),
    (re.compile(r"^8([2-7]\d\d)\d{5}$"), 1, "handheld VHF"),
    (re.compile(r"^([2-7]\d\d)\d{6}$"), 1, "ship"),
)
"""(pattern, group holding the MID or None, station kind), most specific first."""


@dataclass(frozen=True)
class MmsiInfo:
    """What an MMSI says: its ``station`` kind, ``mid`` (None for emergency devices and
    unallocated formats), and the allocated state's ``iso2`` and ``country`` (None when
    the MID is not in the table). For ships ``iso2`` is the flag state."""

    mmsi: str
    station: str | None
    mid: int | None
    iso2: str | None
    country: str | None


@functools.cache
def _table() -> dict[int, tuple[str, str]]:
    frame = pd.read_csv(
        DATA_DIR / "mid_flags.csv", dtype={"iso2": "str", "country": "str"}, keep_default_na=False
    )
    return {int(m): (i, c) for m, i, c in frame[["mid", "iso2", "country"]].itertuples(index=False)}


def lookup(mmsi: str | int) -> MmsiInfo:
    """Station kind, MID and allocated state of a nine-digit MMSI (leading zeros count).

    An integer is zero-padded to nine digits; anything that is not nine digits gives a
    result with every field None.
    """
    text = f"{mmsi:09d}" if isinstance(mmsi, int) else str(mmsi).strip()
    for pattern, group, station in _STATIONS:
        m = pattern.match(text)
        if m:
            if group is None:
                return MmsiInfo(text, station, None, None, None)
            mid = int(m.group(group))
            iso2, country = _table().get(mid, (None, None))
            return MmsiInfo(text, station, mid, iso2, country)
    return MmsiInfo(text, None, None, None, None)


def flag_of(mmsi: str | int) -> str | None:
    """ISO-2 flag state of a ship station's MMSI (first digit 2-7); None otherwise."""
    info = lookup(mmsi)
    return info.iso2 if info.station == "ship" else None
