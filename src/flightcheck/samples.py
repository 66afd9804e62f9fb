"""Where the bundled sample tracks are (``sample_tracks/`` of the repository, shipped inside
the package as ``flightcheck.sample_tracks``)."""

from __future__ import annotations

import contextlib
from importlib import resources
from pathlib import Path

from flightcheck.errors import UsageError


def sample_tracks_dir() -> Path:
    """The folder holding the bundled sample tracks and their ``truth.json``."""
    candidates = []
    with contextlib.suppress(ModuleNotFoundError, TypeError):
        candidates.append(Path(str(resources.files("flightcheck.sample_tracks"))))
    candidates.append(Path(__file__).resolve().parents[2] / "sample_tracks")
    for path in candidates:
        if (path / "truth.json").is_file():
            return path
    raise UsageError("the bundled sample tracks are missing from this installation; "
                     "reinstall flightcheck or pass a folder of tracks")
