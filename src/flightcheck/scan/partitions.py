"""Split scan inputs into partitions: batches of files of one day, or one day of a dataset.

A partition is the unit of work of phase 1 (read, pre-filter). Files of a readsb
``globe_history/YYYY/MM/DD/`` folder share a day; other files get ``day=None``. Each day's
files are cut into batches of about ``batch_bytes`` of (compressed) input, so a task's memory
is bounded by the batch, not the archive. A parquet dataset written by ``flightcheck
convert`` (``_flightcheck_dataset.json`` marker or ``day=YYYY-MM-DD`` folders) gives one
partition per day folder.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from flightcheck.io.paths import expand

MARKER = "_flightcheck_dataset.json"
"""File ``flightcheck convert`` writes at the top of a dataset."""
BATCH_BYTES = 32 << 20
"""Default input bytes (as stored, e.g. gzip) per file batch."""

_DAY_PATH = re.compile(r"(?:^|[/\\])(\d{4})[/\\](\d{2})[/\\](\d{2})(?:[/\\]|$)")
_DAY_DIR = re.compile(r"^day=(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class Partition:
    """``key``: stable name (day and batch number); ``day``: ``YYYY-MM-DD`` or None;
    ``paths``: the files; ``dataset``: True for a day folder of a converted dataset;
    ``explicit``: per path, True when the user named the file (it must then be track data)."""

    key: str
    day: str | None
    paths: tuple[str, ...]
    dataset: bool = False
    explicit: tuple[bool, ...] = ()


def is_dataset(path: Path) -> bool:
    """A folder written by ``flightcheck convert`` (marker file or ``day=`` sub-folders)."""
    if not path.is_dir():
        return False
    if (path / MARKER).is_file():
        return True
    subdirs = [p for p in path.iterdir() if p.is_dir()]
    return bool(subdirs) and all(_DAY_DIR.match(p.name) for p in subdirs)


def day_of(path: str) -> str | None:
    """``YYYY-MM-DD`` of a ``.../YYYY/MM/DD/...`` path (readsb globe_history), else None."""
    found = list(_DAY_PATH.finditer(path))
    if not found:
        return None
    try:
        m = found[-1]
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return None


def _in_window(day: str | None, since: datetime | None, until: datetime | None) -> bool:
    if day is None:
        return True
    d = date.fromisoformat(day)
    return not ((since is not None and d < since.date())
                or (until is not None and d > until.date()))


def discover(paths: list[str], since: datetime | None = None, until: datetime | None = None,
             batch_bytes: int = BATCH_BYTES) -> list[Partition]:
    """Partitions of ``paths`` (files, folders, globs, datasets), days outside
    ``since``..``until`` (UTC) left out, in a stable order."""
    parts: list[Partition] = []
    plain: list[str] = []
    for raw in paths:
        p = Path(raw)
        if is_dataset(p):
            for sub in sorted(p.iterdir()):
                m = _DAY_DIR.match(sub.name)
                if not (sub.is_dir() and m and _in_window(m[1], since, until)):
                    continue
                files = tuple(str(f) for f in sorted(sub.rglob("*.parquet")))
                if files:
                    parts.append(Partition(f"{m[1]}#dataset:{p.name}", m[1], files, True,
                                           (True,) * len(files)))
        else:
            plain.append(str(raw))
    by_day: dict[str | None, list[tuple[str, bool]]] = {}
    for cand in expand(plain) if plain else []:
        day = day_of(cand.path)
        if _in_window(day, since, until):
            by_day.setdefault(day, []).append((cand.path, cand.explicit))
    for day in sorted(by_day, key=lambda d: (d is None, d or "")):
        batch: list[tuple[str, bool]] = []
        size = 0
        for path, explicit in by_day[day]:
            batch.append((path, explicit))
            size += os.path.getsize(path)
            if size >= batch_bytes:
                parts.append(_files(day, len(parts), batch))
                batch, size = [], 0
        if batch:
            parts.append(_files(day, len(parts), batch))
    return parts


def _files(day: str | None, n: int, batch: list[tuple[str, bool]]) -> Partition:
    return Partition(f"{day or 'undated'}#{n}", day, tuple(p for p, _ in batch), False,
                     tuple(e for _, e in batch))
