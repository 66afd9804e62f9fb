"""Split scan inputs into partitions: batches of files of one day, or one day of a dataset.

A partition is the unit of work of phase 1 (read, pre-filter). Files of a readsb
``globe_history/YYYY/MM/DD/`` folder share a day, as do the members of a day archive named
for its day (``v2025.10.01-planes-readsb-prod-0.tar.aa``); other files get ``day=None``. Each day's
files are cut into batches of about ``batch_bytes`` of (compressed) input, so a task's memory
is bounded by the batch, not the archive. A parquet dataset written by ``flightcheck
convert`` (``_flightcheck_dataset.json`` marker or ``day=YYYY-MM-DD`` folders) gives one
partition per day folder.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from flightcheck.io import sources
from flightcheck.io.archives import PART_JOIN, Member, day_in_name
from flightcheck.io.inputs import Input, expand_inputs

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
    ``explicit``: per path, True when the user named the file (it must then be track data);
    ``members``: where the day-archive members among ``paths`` sit (read in place);
    ``sizes``: bytes of each path as stored; ``secrets``: (recorded URL, URL to open) pairs
    for inputs whose URL carries credentials (kept in memory, never written)."""

    key: str
    day: str | None
    paths: tuple[str, ...]
    dataset: bool = False
    explicit: tuple[bool, ...] = ()
    members: tuple[Member, ...] = ()
    sizes: tuple[int, ...] = ()
    secrets: tuple[tuple[str, str], ...] = field(default=(), repr=False)


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
    return not (
        (since is not None and d < since.date()) or (until is not None and d > until.date())
    )


def discover(
    paths: list[str],
    since: datetime | None = None,
    until: datetime | None = None,
    batch_bytes: int = BATCH_BYTES,
) -> list[Partition]:
    """Partitions of ``paths`` (files, folders, globs, URLs, day archives, datasets), days
    outside ``since``..``until`` (UTC) left out, in a stable order. Local paths are made
    absolute here, before any task is built, so a worker started in another folder (a Dask
    cluster) reads the same files the user named."""
    parts: list[Partition] = []
    plain: list[str] = []
    for raw in paths:
        p = Path(raw)
        if not sources.is_url(str(raw)) and is_dataset(p):
            p = p.absolute()
            for sub in sorted(p.iterdir()):
                m = _DAY_DIR.match(sub.name)
                if not (sub.is_dir() and m and _in_window(m[1], since, until)):
                    continue
                files = tuple(str(f) for f in sorted(sub.rglob("*.parquet")))
                if files:
                    parts.append(
                        Partition(
                            f"{m[1]}#dataset:{p.name}",
                            m[1],
                            files,
                            True,
                            (True,) * len(files),
                            sizes=tuple(os.path.getsize(f) for f in files),
                        )
                    )
        else:
            plain.append(str(raw))
    by_day: dict[str | None, list[Input]] = {}
    for cand in expand_inputs(plain, absolute=True) if plain else []:
        day = _day(cand)
        if _in_window(day, since, until):
            by_day.setdefault(day, []).append(cand)
    for day in sorted(by_day, key=lambda d: (d is None, d or "")):
        batch: list[tuple[Input, int]] = []
        size = 0
        for cand in by_day[day]:
            n = cand.member.size if cand.member else sources.size_of(cand.path)
            batch.append((cand, n))
            size += n
            if size >= batch_bytes:
                parts.append(_files(day, len(parts), batch))
                batch, size = [], 0
        if batch:
            parts.append(_files(day, len(parts), batch))
    return parts


def _day(cand: Input) -> str | None:
    """Day of an input: from its ``Y/M/D`` folders, else (archive member) from the
    archive's name (``v2024.01.01-planes-readsb-prod-0.tar``)."""
    if cand.member is None:
        return day_of(cand.path)
    archive, member = cand.path.split(sources.MEMBER_SEP, 1)
    return day_of(member) or day_in_name(archive.split(PART_JOIN)[0])


def _files(day: str | None, n: int, batch: list[tuple[Input, int]]) -> Partition:
    refs = [c.path for c, _ in batch]
    return Partition(
        f"{day or 'undated'}#{n}",
        day,
        tuple(refs),
        False,
        tuple(c.explicit for c, _ in batch),
        members=tuple(c.member for c, _ in batch if c.member),
        sizes=tuple(n for _, n in batch),
        secrets=tuple(sorted(sources.secrets_for(refs).items())),
    )
