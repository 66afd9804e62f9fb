"""Writers for every export format flightcheck reads, byte-for-byte deterministic.

Each writer takes observed fixes (the frame of :meth:`Receiver.observe`: ``time`` Unix s,
``icao24``, ``callsign``, ``registration``, ``typecode``, ``lat``, ``lon``, ``alt_ft``,
``alt_geom_ft``, ``on_ground``, ``gs_kt``, ``track_deg``, ``vrate_fpm``, ``squawk``,
``position_source``) and returns the file content as bytes, following docs FORMATS.md.
No wall-clock time goes into any output (gzip headers have mtime 0).
"""

from __future__ import annotations

import gzip
from pathlib import Path

from flightcheck.synth.writers.fr24 import fr24_csv, fr24_granular, fr24_kml
from flightcheck.synth.writers.kml import flightaware_kml, tar1090_kml
from flightcheck.synth.writers.opensky import opensky_csv, opensky_parquet
from flightcheck.synth.writers.plaincsv import plain_csv
from flightcheck.synth.writers.readsb import globe_history, trace_json
from flightcheck.synth.writers.sbs import sbs_log


def gzip_bytes(data: bytes) -> bytes:
    """Deterministic gzip (no file name, mtime 0)."""
    return gzip.compress(data, compresslevel=9, mtime=0)


def save(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path``, creating folders."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


__all__ = [
    "fr24_csv",
    "fr24_granular",
    "fr24_kml",
    "flightaware_kml",
    "tar1090_kml",
    "opensky_csv",
    "opensky_parquet",
    "plain_csv",
    "globe_history",
    "trace_json",
    "sbs_log",
    "gzip_bytes",
    "save",
]
