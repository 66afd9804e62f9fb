"""Expand the user's PATH arguments: files, folders (walked recursively) and globs."""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path

from flightcheck.errors import UsageError

_GLOB_CHARS = set("*?[")


@dataclass(frozen=True)
class Candidate:
    """A file to read. ``explicit`` is True when the user named it directly: such a file must
    be track data, whereas unrecognised files met while walking a folder or glob are skipped."""

    path: str
    explicit: bool


def expand(paths: list[str | Path] | str | Path) -> list[Candidate]:
    """Files named by ``paths`` in a stable order (folders sorted, hidden entries skipped)."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    found: list[Candidate] = []
    seen: set[str] = set()

    def add(p: Path, explicit: bool) -> None:
        key = str(p.resolve())
        if key not in seen:
            seen.add(key)
            found.append(Candidate(str(p), explicit))

    for raw in paths:
        p = Path(raw)
        if p.is_file():
            add(p, True)
        elif p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p).parts
                if f.is_file() and not any(part.startswith(".") for part in rel):
                    add(f, False)
        elif _GLOB_CHARS & set(str(raw)):
            matches = sorted(glob.glob(str(raw), recursive=True))
            if not matches:
                raise UsageError(f"{raw}: no file matches this pattern")
            for m in matches:
                mp = Path(m)
                if mp.is_file():
                    add(mp, False)
                elif mp.is_dir():
                    for f in sorted(mp.rglob("*")):
                        if f.is_file() and not f.name.startswith("."):
                            add(f, False)
        else:
            raise UsageError(f"{raw}: no such file or folder")
    return found
