"""Where the bundled sample tracks are (``sample_tracks/`` of the repository, shipped inside
the package as ``flightcheck.sample_tracks``)."""

from __future__ import annotations

import contextlib
import importlib.util
from pathlib import Path

from flightcheck.errors import UsageError


def sample_tracks_dir() -> Path:
    """The folder holding the bundled sample tracks and their ``truth.json``."""
    candidates = []
    with contextlib.suppress(ModuleNotFoundError, TypeError, ValueError):
        # a data-only folder is a namespace package: take its location from the spec
        spec = importlib.util.find_spec("flightcheck.sample_tracks")
        if spec is not None and spec.submodule_search_locations:
            candidates += [Path(p) for p in spec.submodule_search_locations]
    candidates.append(Path(__file__).resolve().parents[2] / "sample_tracks")
    for path in candidates:
        if (path / "truth.json").is_file():
            return path
    raise UsageError(
        "the bundled sample tracks are missing from this installation; "
        "reinstall flightcheck or pass a folder of tracks"
    )
