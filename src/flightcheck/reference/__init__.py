"""Reference data shipped with flightcheck, so results are reproducible offline.

* :mod:`~flightcheck.reference.airports` — OurAirports airports and runways (public domain)
* :mod:`~flightcheck.reference.countries` — Natural Earth admin-0 countries 1:50m/1:110m
  (public domain)
* :mod:`~flightcheck.reference.icao` — ICAO 24-bit address blocks (Annex 10, via tar1090) and
  known military ranges (via readsb)

The packaged files live in ``reference/data/`` with ``VERSIONS.json`` (dataset version, source
and packaged sha256, licence); ``build_data.py`` rebuilds them from the public sources.
:func:`versions` is what every output puts in its provenance. Data load lazily on first use.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from flightcheck.errors import ReferenceDataError

DATA_DIR = Path(__file__).with_name("data")

__all__ = ["DATA_DIR", "versions", "verify"]


@functools.cache
def _manifest() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads((DATA_DIR / "VERSIONS.json").read_text(encoding="utf-8")))


@functools.cache
def _sha256_file(path: str, mtime_ns: int, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _user_file(path: str) -> dict[str, Any]:
    stat = Path(path).stat()
    return {
        "version": "user-supplied file",
        "sha256": _sha256_file(path, stat.st_mtime_ns, stat.st_size),
        "source": str(Path(path).resolve()),
        "packaged_file": None,
        "packaged_sha256": None,
        "license": "see the file's source",
    }


def versions() -> dict[str, dict[str, Any]]:
    """Dataset name -> {version, sha256 (of the source file), source, packaged_file,
    packaged_sha256, license} for every reference dataset in use.

    When a newer OurAirports dump is in use (``--airports-csv`` or
    ``FLIGHTCHECK_AIRPORTS_CSV``), its entries give that file's path and sha256.
    """
    from flightcheck.reference.airports import sources

    out = {
        entry["dataset"]: {
            "version": entry["version"],
            "sha256": entry["source_sha256"],
            "source": entry["source"],
            "packaged_file": entry["packaged_file"],
            "packaged_sha256": entry["packaged_sha256"],
            "license": entry["license"],
        }
        for entry in _manifest()
    }
    needs = DATA_DIR / "runway_needs.csv"  # hand-written, so not in VERSIONS.json
    stat = needs.stat()
    sha = _sha256_file(str(needs), stat.st_mtime_ns, stat.st_size)
    out["runway_needs"] = {
        "version": "written for flightcheck",
        "sha256": sha,
        "source": "public sources cited per row (see LICENSES.md)",
        "packaged_file": needs.name,
        "packaged_sha256": sha,
        "license": "facts with their sources",
    }
    airports_csv, runways_csv = sources()
    if airports_csv:
        out["ourairports_airports"] = _user_file(airports_csv)
    if runways_csv:
        out["ourairports_runways"] = _user_file(runways_csv)
    return out


def verify() -> None:
    """Check every packaged file against its sha256 in VERSIONS.json; raise on mismatch."""
    for entry in _manifest():
        path = DATA_DIR / entry["packaged_file"]
        if not path.is_file():
            raise ReferenceDataError(
                f"packaged reference file {path} is missing; reinstall flightcheck"
            )
        stat = path.stat()
        actual = _sha256_file(str(path), stat.st_mtime_ns, stat.st_size)
        if actual != entry["packaged_sha256"]:
            raise ReferenceDataError(
                f"packaged reference file {path} has sha256 {actual}, expected "
                f"{entry['packaged_sha256']}; rebuild with "
                "`python -m flightcheck.reference.build_data` or reinstall flightcheck"
            )
