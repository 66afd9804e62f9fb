"""Regenerate the sample tracks in this folder: ``python sample_tracks/generate.py``.

Thin on purpose: the scenario lives in ``flightcheck.synth.samples`` and the physics,
receivers and writers in ``flightcheck.synth``. Deterministic: re-running gives
byte-identical files.
"""

from __future__ import annotations

import sys
from pathlib import Path

from flightcheck.synth.samples import write_samples


def main(out: str | None = None) -> None:
    folder = Path(out) if out else Path(__file__).resolve().parent
    truth = write_samples(folder)
    print(f"wrote {len(truth['files'])} files and truth.json to {folder}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
