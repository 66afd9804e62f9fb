"""Provenance of one input file: what was read, how, and what was kept or dropped."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


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
    position reports kept in the track table, ``dropped`` why the rest were left out.
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
    notes: list[str] = field(default_factory=list)

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
            "notes": list(self.notes),
        }
