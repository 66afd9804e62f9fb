"""``scan --checkpoint DIR``: each finished partition's phase-1 findings, kept so that a
scan that dies (killed, out of memory, a lost cluster) resumes where it stopped.

An entry is named by a digest of everything its findings depend on: the partition (its
inputs, their sizes as stored and, for local files, modification times), the airports,
since/until, the pre-filter radius and the read options. A re-run with other parameters,
or over inputs that changed, finds no entry and reads again, so a resumed scan gives
exactly the result of an uninterrupted one. Phase 2 always runs again (it is cheap: only
candidates and spans). A partition with unreadable inputs is not kept: a re-run tries them
again.

Each entry is three files written atomically (:mod:`flightcheck.output.atomic`):
``KEY.fixes.parquet`` (candidate fixes), ``KEY.spans.parquet`` (spans) and, last,
``KEY.json`` (counters, bad and unreadable inputs), whose presence marks the entry
complete. Entries are written by whichever process ran the partition, so on a cluster DIR
must be a folder every worker and the client see at the same absolute path.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import asdict
from datetime import datetime

import pandas as pd

from flightcheck.io.context import ReadOptions
from flightcheck.output.atomic import write_bytes
from flightcheck.scan.partitions import Partition
from flightcheck.scan.prefilter import Airports

VERSION = 1
"""Bumped whenever phase 1 changes what it keeps: older entries are then ignored."""


def entry_key(
    part: Partition,
    airports: Airports,
    options: ReadOptions,
    since: datetime | None,
    until: datetime | None,
    radius_km: float,
) -> str:
    """Digest (hex, 32 chars) naming the entry of ``part`` under these parameters."""
    spec = {
        "version": VERSION,
        "key": part.key,
        "paths": list(part.paths),
        "sizes": list(part.sizes),
        "modified": _modified(part),
        "dataset": part.dataset,
        "explicit": list(part.explicit),
        "airports": list(airports.codes),
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "radius_km": radius_km,
        "options": {k: repr(v) for k, v in sorted(asdict(options).items())},
    }
    if airports.max_alt_ft != Airports.max_alt_ft:  # the default keeps older entries' names
        spec["max_alt_ft"] = airports.max_alt_ft
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:32]


def _modified(part: Partition) -> list[int | None]:
    """Modification time (ns) of each local input, or of the parts of its archive; None
    for URLs (their size is compared) and for files that are gone (read, and reported,
    as unreadable)."""
    from flightcheck.io import sources

    out: list[int | None] = []
    for ref in part.paths:
        files = (
            ref.split(sources.MEMBER_SEP, 1)[0].split(" + ") if sources.is_member(ref) else [ref]
        )
        try:
            out.append(
                None
                if any(sources.is_url(f) for f in files)
                else max(os.stat(f).st_mtime_ns for f in files)
            )
        except OSError:
            out.append(None)
    return out


def prepare(folder: str) -> str:
    """The checkpoint folder, created and made absolute (workers may run elsewhere)."""
    from flightcheck.errors import UsageError

    path = os.path.abspath(folder)
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--checkpoint {folder}: cannot create ({exc.strerror or exc})") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise UsageError(f"--checkpoint {folder}: cannot write in it (permission denied)")
    return path


def done(folder: str, key: str) -> bool:
    """True when the entry ``key`` is complete."""
    return os.path.isfile(os.path.join(folder, f"{key}.json"))


def _parquet(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False, compression="zstd")
    return buf.getvalue()


def save(folder: str, key: str, result, fixes: pd.DataFrame, spans: pd.DataFrame) -> None:
    """Keep a partition's phase-1 findings (``result``: its :class:`.tasks.PartitionResult`
    counters; ``fixes``, ``spans``: before bucketing)."""
    base = os.path.join(folder, key)
    write_bytes(f"{base}.fixes.parquet", _parquet(fixes))
    write_bytes(f"{base}.spans.parquet", _parquet(spans))
    meta = {
        "version": VERSION,
        "key": result.key,
        "files": result.files,
        "points": result.points,
        "not_track": result.not_track,
        "bad": [list(b) for b in result.bad],
        "unreadable": [list(u) for u in result.unreadable],
    }
    write_bytes(f"{base}.json", json.dumps(meta, indent=1).encode())


def load(folder: str, key: str):
    """(result counters as a :class:`.tasks.PartitionResult` without frames, fixes, spans)
    of a complete entry."""
    from flightcheck.scan.tasks import PartitionResult

    base = os.path.join(folder, key)
    with open(f"{base}.json", "rb") as fh:
        meta = json.load(fh)
    result = PartitionResult(
        meta["key"],
        [],
        [],
        files=meta["files"],
        points=meta["points"],
        bad=[tuple(b) for b in meta["bad"]],
        not_track=meta["not_track"],
        unreadable=[tuple(u) for u in meta["unreadable"]],
    )
    return (
        result,
        pd.read_parquet(f"{base}.fixes.parquet"),
        pd.read_parquet(f"{base}.spans.parquet"),
    )
