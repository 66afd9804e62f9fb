"""The inputs named by the user's PATH arguments, wherever they live: local files, folders
and globs (:func:`flightcheck.io.paths.expand`), URLs and URL globs (:mod:`.sources`), and
the files inside day archives (:mod:`.archives`: a split tar's parts given together or as a
glob make one archive)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from flightcheck.io import archives, sources
from flightcheck.io.paths import expand


@dataclass(frozen=True)
class Input:
    """A file to read (its ref, see :mod:`.sources`). ``explicit``: the user named it (it
    must then be track data); ``member``: where it sits in a day archive, if it does."""

    path: str
    explicit: bool
    member: archives.Member | None = None


def expand_inputs(paths: Sequence[str | Path] | str | Path, absolute: bool = False) -> list[Input]:
    """Every input named by ``paths``, in a stable order. ``absolute``: local paths made
    absolute, so a worker in another working directory (a Dask cluster) opens the same
    files."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    found: list[Input] = []
    local: list[str] = []

    def flush() -> None:
        if local:
            for c in expand(list[str | Path](local)):
                found.append(Input(os.path.abspath(c.path) if absolute else c.path, c.explicit))
            local.clear()

    for raw in paths:
        if sources.is_member(str(raw)):  # one file of an archive, named as findings cite it
            flush()
            found.append(Input(_absolute_member(str(raw)) if absolute else str(raw), True))
        elif sources.is_url(str(raw)):
            flush()
            refs = sources.expand_url(str(raw))
            found += [Input(r, len(refs) == 1) for r in refs]
        else:
            local.append(str(raw))
    flush()
    return _open_archives(found)


def _absolute_member(ref: str) -> str:
    """``ARCHIVE::MEMBER`` with the archive's local parts made absolute."""
    archive, member = ref.split(sources.MEMBER_SEP, 1)
    parts = [
        p if sources.is_url(p) else os.path.abspath(p) for p in archive.split(archives.PART_JOIN)
    ]
    return f"{archives.PART_JOIN.join(parts)}{sources.MEMBER_SEP}{member}"


def _open_archives(found: list[Input]) -> list[Input]:
    """Day archives among ``found`` replaced by their members (at the first part's place)."""
    maybe = [i.path for i in found if archives.kind_of(i.path)]
    if not maybe:
        return found
    groups, singles = archives.group_parts(maybe)
    groups += [[s] for s in singles]
    by_first: dict[str, list[Input]] = {}
    dropped: set[str] = set()
    for parts in groups:
        members = archives.index(parts)
        if not archives.is_day_archive(parts, members):
            continue
        by_first[parts[0]] = [Input(m.ref, False, m) for m in members]
        dropped.update(parts)
    out: list[Input] = []
    for i in found:
        if i.path in by_first:
            out += by_first[i.path]
        elif i.path not in dropped:
            out.append(i)
    return out
