"""Which files a case takes as inputs: track data only, never the case's own files.

``case add DIR FOLDER`` walks the folder (as every command does, see
:func:`flightcheck.io.paths.expand`) and keeps the files a reader recognises by content
sniffing (:func:`flightcheck.io.read.load_detected`, the same test ``read`` applies to files met
while walking). It leaves out, each with its reason: the case file itself, everything inside
an evidence pack (a folder holding a flightcheck ``manifest.json``, whose ``stops.csv`` would
otherwise sniff as track data), and files no reader recognises or that cannot be read.

A file the user names explicitly is kept even when sniffing does not recognise it (a forced
``--format`` may read it at ``verify``), except the case's own files, which are refused.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from flightcheck.errors import InputError, UsageError
from flightcheck.io.context import ReadOptions
from flightcheck.io.paths import expand


@dataclass(frozen=True)
class Skipped:
    """A file left out of the case, and why (one line)."""

    path: str
    reason: str


def is_pack(folder: Path) -> bool:
    """Whether ``folder`` is an evidence pack: it holds a manifest.json written by flightcheck."""
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        return False
    try:
        head = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(head, dict)
        and isinstance(head.get("tool"), dict)
        and head["tool"].get("name") == "flightcheck"
    )


_is_pack = functools.cache(is_pack)


def own_file(path: str | Path, case_path: Path) -> str | None:
    """Why ``path`` belongs to the case itself (the case file, an evidence pack), or None."""
    p = Path(path).resolve()
    if p == case_path.resolve():
        return "the case file itself"
    for folder in p.parents:
        if _is_pack(folder):
            return f"part of the evidence pack {folder}"
    return None


def track_files(
    paths: list[str | Path], case_path: Path, options: ReadOptions | None = None
) -> tuple[list[str], list[Skipped]]:
    """The files of ``paths`` (files, folders, globs) a case should take, and those skipped.

    Raises :class:`UsageError` when a file named explicitly is one of the case's own."""
    from flightcheck.io.read import load_detected

    _is_pack.cache_clear()  # packs may have been written since the last call
    options = options or ReadOptions()
    keep: list[str] = []
    skipped: list[Skipped] = []
    for cand in expand([str(p) for p in paths]):
        why = own_file(cand.path, case_path)
        if why and cand.explicit:
            raise UsageError(f"{cand.path}: not added, it is {why}")
        if why:
            skipped.append(Skipped(cand.path, why))
            continue
        if cand.explicit:
            keep.append(cand.path)
            continue
        try:
            found = load_detected(cand.path, options, explicit=False)
        except InputError as exc:
            skipped.append(Skipped(cand.path, f"unreadable ({exc.message})"))
            continue
        if found is None:
            skipped.append(Skipped(cand.path, "not track data (no reader recognises it)"))
        else:
            keep.append(cand.path)
    return keep, skipped
