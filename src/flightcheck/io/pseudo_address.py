"""Aircraft addresses for exports that carry none (FR24 CSV/KML, FlightAware and tar1090 KML).

The track table needs an ``icao24`` on every row. When the user names the real address
(``--hex`` / ``icao24=``), that is used. Otherwise the reader gets a *pseudo-address*: ``~``
followed by the first 6 hex digits of the SHA-256 of a stable key, so it can never be taken for
a real ICAO address and the same input always gets the same one. The key is, in order of
preference:

1. the registration, when the file names one: it identifies the airframe, so several exports
   of the same aircraft join up as one aircraft;
2. FR24's 8-hex flight id from a file name ``<FLIGHT>_<fr24id>.csv`` / ``<FLIGHT>-<fr24id>.kml``:
   the CSV and the KML of one flight join up;
3. the file name without its extensions: one file, one aircraft. Flights that merely share a
   callsign are never merged (a callsign is flown by different airframes on different days).

Every pseudo-address comes with a note in the input's provenance telling the user how to set the
real address.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePath

from flightcheck.errors import UsageError
from flightcheck.io.context import ReadContext

_HEX = re.compile(r"~?[0-9a-f]{6}")
_FR24_NAME = re.compile(r"[A-Za-z0-9]+[_-](?P<id>[0-9a-f]{8})(?:-\d+)?")
_EXTENSIONS = {".gz", ".zip", ".kmz", ".kml", ".csv", ".json", ".tar", ".tgz", ".txt", ".xml"}


def pseudo_address(key: str) -> str:
    """``~`` + 6 hex digits derived from ``key`` (deterministic, never a real ICAO address)."""
    return "~" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:6]


def file_stem(path: str) -> str:
    """The file name without known extensions: ``JL516_3376ab31.csv.gz`` -> ``JL516_3376ab31``."""
    name = PurePath(path).name
    while True:
        suffix = PurePath(name).suffix
        if suffix.lower() not in _EXTENSIONS:
            return name
        name = name[: -len(suffix)]


def fr24_flight_id(path: str) -> str | None:
    """FR24's 8-hex flight id from a file name like ``JL516_3376ab31.csv``, else None."""
    match = _FR24_NAME.fullmatch(file_stem(path))
    return match.group("id") if match else None


def user_address(ctx: ReadContext) -> str | None:
    """The address the user gave with ``--hex`` (lowercase), None when not given."""
    given = ctx.options.icao24
    if not given:
        return None
    value = given.strip().lower()
    if not _HEX.fullmatch(value):
        raise UsageError(f"--hex {given!r} is not a 6-digit hex ICAO address (e.g. 8467d8)")
    return value


def aircraft_address(
    ctx: ReadContext, what: str, registration: str | None = None, use_hex: bool = True
) -> str:
    """The ``icao24`` to use for an export without one, noting a pseudo-address in ``ctx``.

    ``what`` names the format in the note, e.g. ``"FR24 CSV"``. ``use_hex=False`` ignores
    ``--hex`` (a file holding several aircraft cannot take one address for all).
    """
    given = user_address(ctx) if use_hex else None
    if given:
        return given
    if registration:
        key, basis = "reg:" + registration.strip().upper(), f"registration {registration}"
    elif flight_id := fr24_flight_id(ctx.path):
        key, basis = "fr24:" + flight_id, f"FR24 flight id {flight_id} in the file name"
    else:
        stem = file_stem(ctx.path)
        key, basis = "file:" + stem, f"file name {stem!r}"
    address = pseudo_address(key)
    ctx.notes.append(
        f"no ICAO address in {what}: using pseudo-address {address} (from the {basis}); "
        "pass --hex to set the real one"
    )
    return address
