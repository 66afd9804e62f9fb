"""Small helpers the reader tests share: write bytes to a file, read it back."""

from __future__ import annotations

from pathlib import Path

import flightcheck
from flightcheck.io.context import ReadOptions
from flightcheck.io.read import read_one
from flightcheck.track.table import validate
from flightcheck.track.tracks import Tracks


def read_bytes(tmp_path: Path, data: bytes, name: str, **kw) -> Tracks:
    """Write ``data`` to ``tmp_path/name`` and read it with :func:`flightcheck.read`."""
    path = tmp_path / name
    path.write_bytes(data)
    tracks = flightcheck.read(path, **kw)
    validate(tracks.df)
    return tracks


def read_one_bytes(tmp_path: Path, data: bytes, name: str, **options):
    """Write ``data`` and read it with :func:`read_one`: (table, InputRecord)."""
    path = tmp_path / name
    path.write_bytes(data)
    return read_one(str(path), ReadOptions(**options))


def by_row(tracks: Tracks):
    """The table indexed by record number."""
    return tracks.df.sort_values("row").set_index("row")
