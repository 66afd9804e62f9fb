"""``flightcheck demo``: the whole job on the bundled sample tracks.

Runs the bundled case (``sample_tracks/case.toml``: the Egyptian Il-76 that flew Egypt →
China → Serbia, with one true claim, one false claim and one the data cannot settle)
through verification and writes the evidence pack.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flightcheck.case.pack import run
from flightcheck.samples import sample_tracks_dir


def demo(outdir: str | Path = "flightcheck-demo") -> dict[str, Any]:
    """Verify the bundled case into ``outdir``; returns the manifest."""
    case = sample_tracks_dir() / "case.toml"
    return run(case, outdir)
