"""Expand the user's PATH arguments: files, folders (walked recursively) and globs.

Globs are matched here rather than by :func:`glob.glob`, which follows a symlink loop
(``ln -s . l/a``; ``'l/**'``) until paths reach the system's length limit: 5 minutes and
1.9 GB before this. ``**`` follows symlinked folders but enters each folder (device,
inode) once, and an expansion stops at :data:`MAX_EXPANDED` paths.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flightcheck.errors import UsageError

_GLOB_CHARS = set("*?[")

MAX_EXPANDED = 1_000_000
"""Most paths one glob may expand to (a day of global readsb history is ~50,000 files)."""


def _is_pattern(part: str) -> bool:
    return bool(_GLOB_CHARS & set(part))


def _entries(folder: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as it:
            return sorted(it, key=lambda e: e.name)
    except OSError:
        return []


def _match(folder: Path, parts: list[str], seen: set[tuple[int, int]]) -> Iterator[Path]:
    """Paths under ``folder`` matching the pattern components ``parts`` (glob rules: ``*``
    never matches a hidden name unless the pattern starts with a dot)."""
    if not parts:
        yield folder
        return
    part, rest = parts[0], parts[1:]
    if part == "**":
        try:
            st = os.stat(folder)
            seen.add((st.st_dev, st.st_ino))
        except OSError:
            return
        yield from _match(folder, rest, seen)
        for entry in _entries(folder):
            if entry.name.startswith("."):
                continue
            if not entry.is_dir():
                if not rest:  # a trailing ** matches files too
                    yield Path(entry.path)
                continue
            try:
                st = entry.stat()
            except OSError:
                continue
            if (st.st_dev, st.st_ino) in seen:  # a symlink loop, or a folder seen already
                continue
            seen.add((st.st_dev, st.st_ino))
            yield from _match(Path(entry.path), parts, seen)
        return
    if not _is_pattern(part):
        child = folder / part
        if child.exists() or child.is_symlink():
            yield from _match(child, rest, seen)
        return
    for entry in _entries(folder):
        if entry.name.startswith(".") and not part.startswith("."):
            continue
        if fnmatch.fnmatchcase(entry.name, part) and (not rest or entry.is_dir()):
            yield from _match(Path(entry.path), rest, seen)


def glob_paths(pattern: str) -> list[str]:
    """Sorted paths matching ``pattern`` (``*``, ``?``, ``[...]``, ``**`` = any depth),
    symlink loops entered once; more than :data:`MAX_EXPANDED` is a :class:`UsageError`."""
    anchor, parts = Path(pattern).anchor, list(Path(pattern).parts)
    if anchor:
        parts = parts[1:]
    root = Path(anchor) if anchor else Path(".")
    st = os.stat(root)
    seen = {(st.st_dev, st.st_ino)}
    out: list[str] = []
    for p in _match(root, parts, seen):
        out.append(str(p) if anchor else os.path.relpath(p))
        if len(out) > MAX_EXPANDED:
            raise UsageError(f"{pattern}: matches more than {MAX_EXPANDED:,} paths; narrow it")
    return sorted(out)


@dataclass(frozen=True)
class Candidate:
    """A file to read. ``explicit`` is True when the user named it directly: such a file must
    be track data, whereas unrecognised files met while walking a folder or glob are skipped."""

    path: str
    explicit: bool


def walk_files(folder: str | Path) -> list[tuple[str, bool]]:
    """The files under ``folder`` (symlinks to files included, symlinked folders not
    entered, hidden entries skipped) in ``sorted(folder.rglob("*"))`` order, each with
    whether it is a symlink. Paths are spelled as pathlib spells them (``./a/b`` is ``a/b``)
    but built as strings: one ``scandir`` per folder, no ``stat`` and no ``Path`` object per
    file (50,000 trace files: 3.9 s with rglob, is_file and relative_to; 0.59 s with a
    ``Path`` per file; see benchmarks/stops_speed.py --day)."""
    root = str(Path(folder))
    found: list[tuple[tuple[str, ...], str, bool]] = []
    pending: list[tuple[str, str, tuple[str, ...]]] = [(root, "" if root == "." else root, ())]
    while pending:
        here, spelled, rel = pending.pop()
        try:
            with os.scandir(here) as it:
                entries = list(it)
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            path = os.path.join(spelled, name) if spelled else name
            try:
                symlink = entry.is_symlink()
                if entry.is_dir(follow_symlinks=False):
                    pending.append((entry.path, path, (*rel, name)))
                elif entry.is_file():  # follows a symlink: a link to a file is a file
                    found.append(((*rel, name), path, symlink))
            except OSError:
                continue
    found.sort(key=lambda f: f[0])  # Path order: part by part
    return [(path, symlink) for _, path, symlink in found]


def expand(paths: list[str | Path] | str | Path) -> list[Candidate]:
    """Files named by ``paths`` in a stable order (folders sorted, hidden entries skipped),
    spelled as ``str(Path(...))`` spells them."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    found: list[Candidate] = []
    seen: set[str] = set()
    real_dirs: dict[str, str] = {}

    def real(p: str, symlink: bool | None = None) -> str:
        """``str(Path(p).resolve())``; a file that is not a symlink is its folder's real path
        plus its name, so a folder of 50,000 files is resolved once, not 50,000 times.
        ``symlink``: whether ``p`` is one, when the caller knows."""
        name = os.path.basename(p)
        if name in ("", ".", "..") or (os.path.islink(p) if symlink is None else symlink):
            return str(Path(p).resolve())
        parent = os.path.dirname(p)
        if parent not in real_dirs:
            real_dirs[parent] = str(Path(parent or ".").resolve())
        return os.path.join(real_dirs[parent], name)

    def add(p: str, explicit: bool, symlink: bool | None = None) -> None:
        key = real(p, symlink)
        if key not in seen:
            seen.add(key)
            found.append(Candidate(p, explicit))

    for raw in paths:
        p = Path(raw)
        if p.is_file():
            add(str(p), True)
        elif p.is_dir():
            for f, symlink in walk_files(p):
                add(f, False, symlink)
        elif _GLOB_CHARS & set(str(raw)):
            matches = glob_paths(str(raw))
            if not matches:
                raise UsageError(f"{raw}: no file matches this pattern")
            for m in matches:
                mp = Path(m)
                if mp.is_file():
                    add(str(mp), False)
                elif mp.is_dir():
                    for inside in sorted(mp.rglob("*")):
                        if inside.is_file() and not inside.name.startswith("."):
                            add(str(inside), False)
        else:
            raise UsageError(f"{raw}: no such file or folder")
    return found
