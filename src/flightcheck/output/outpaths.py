"""Output paths that can never touch an input: checked before anything is read or written.

Every command that writes (``verify -o``, ``export -o`` and its sidecars, ``map -o``,
``convert -o``, ``scan -o``) calls :func:`check_file` or :func:`check_folder` with the
inputs it will read. Paths are compared after resolving symlinks (``os.path.realpath``)
and, where both exist, by device and inode, so a symlink or hard link to an input is caught
too. The nearest existing ancestor of the output must be a writable folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from flightcheck.errors import UsageError


def _real(path: str | Path) -> Path:
    return Path(os.path.realpath(path))


def _same(a: Path, b: Path) -> bool:
    """Whether two resolved paths are the same file (same path, or same device and inode)."""
    if a == b:
        return True
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def _writable_parent(option: str, path: Path) -> None:
    """The nearest existing ancestor of ``path`` must be a folder we may write into."""
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(f"{option} {path}: {parent} is a file, not a folder")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise UsageError(f"{option} {path}: cannot write in {parent} (permission denied)")
            return


def input_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files a command will read for ``paths`` (files, folders, globs), resolved; paths
    that do not expand are left to the reader to report."""
    from flightcheck.io.paths import expand

    out: list[Path] = []
    for raw in paths:
        try:
            out += [_real(c.path) for c in expand([raw])]
        except UsageError:
            continue
    return out


def check_file(option: str, output: str | Path, inputs: Iterable[str | Path]) -> Path:
    """Refuse an output file that is an input, a folder, or not writable. Returns it."""
    out = Path(output)
    real = _real(out)
    if out.is_dir():
        raise UsageError(f"{option} {output}: is a folder; give a file name")
    for inp in inputs:
        r = _real(inp)
        if _same(real, r):
            raise UsageError(
                f"{option} {output}: is the input {inp}; refusing to overwrite "
                "an input (choose another output name)"
            )
    _writable_parent(option, real)
    if out.exists() and not os.access(out, os.W_OK):
        raise UsageError(f"{option} {output}: cannot write (permission denied)")
    return out


def check_folder(
    option: str,
    output: str | Path,
    inputs: Iterable[str | Path],
    case_root: str | Path | None = None,
) -> Path:
    """Refuse an output folder that is a file, the case folder, or holds (or is inside...)
    an input: the folder's content is replaced as a whole. Returns it."""
    out = Path(output)
    real = _real(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{option} {output}: is a file; give a folder")
    if case_root is not None:
        root = _real(case_root)
        if _same(real, root):
            raise UsageError(
                f"{option} {output}: is the case folder; write the evidence pack "
                "to a folder of its own, e.g. "
                f"{Path(case_root) / 'evidence'}"
            )
    for inp in inputs:
        r = _real(inp)
        if _same(real, r) or real in r.parents:
            raise UsageError(
                f"{option} {output}: holds the input {inp}; refusing to write "
                "over inputs (choose another folder)"
            )
    _writable_parent(option, real)
    return out
