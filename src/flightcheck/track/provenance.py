"""Provenance of one input file: what was read, how, and what was kept or dropped."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

PRESENCE_COLUMNS: dict[str, str] = {
    "icao24": "str",
    "first": "datetime64[ns, UTC]",
    "last": "datetime64[ns, UTC]",
    "messages": "int64",
    "adsb_messages": "int64",
    "reply_messages": "int64",
    "positions": "int64",
    "address_checked": "bool",
    "callsign": "str",
    "alt_min_ft": "float64",
    "alt_max_ft": "float64",
    "selected_alt_ft": "float64",
    "first_row": "int64",
    "last_row": "int64",
}
"""Presence table column -> dtype, in order (meaning: :mod:`flightcheck.io.presence`)."""


def empty_presence() -> pd.DataFrame:
    """A presence table with no rows."""
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in PRESENCE_COLUMNS.items()})


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes as stored on disk (before any decompression)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class InputRecord:
    """One input file as flightcheck saw it.

    ``records`` counts what the reader found (lines, points, placemarks), ``points`` the
    position reports kept in the track table, ``dropped`` why the rest were left out,
    ``flagged`` the kept fixes the data refutes, by reason (:mod:`flightcheck.track.flags`; they
    stay in the table with a ``flag`` and take no part in stops, routes or verdicts).
    ``presence``: for raw Mode S inputs, the addresses heard with or without positions
    (:mod:`flightcheck.io.presence`; not part of :meth:`to_dict`, see ``Tracks.presence``).
    """

    path: str
    sha256: str
    size: int
    format: str = ""
    reader: str = ""
    compressed: str = ""
    records: int = 0
    points: int = 0
    dropped: Counter = field(default_factory=Counter)
    flagged: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    presence: pd.DataFrame | None = None

    def to_dict(self) -> dict:
        """JSON-ready dict (the ``inputs`` entries of every command's output)."""
        return {
            "path": self.path,
            "sha256": self.sha256,
            "size": self.size,
            "format": self.format,
            "reader": self.reader,
            "compressed": self.compressed or None,
            "records": self.records,
            "points": self.points,
            "dropped": dict(sorted(self.dropped.items())),
            "flagged": dict(sorted(self.flagged.items())),
            "notes": list(self.notes),
        }
