"""Replace a whole output folder atomically: readers see the old folder or the new one.

The new folder is built in a hidden temporary folder beside the target
(``.NAME.XXXX.build``), every file fsynced, and then exchanged with the target in one
``renameat2(RENAME_EXCHANGE)`` call (Linux >= 3.15; ext4, xfs, btrfs, tmpfs). Where the
kernel or file system lacks it, the old folder is first renamed to ``.NAME.old`` and the
next run puts it back if a crash came between the two renames. A lock file beside the
target (``.NAME.lock``, ``flock``) refuses a second concurrent writer. Leftover build
folders of crashed runs are removed by the next run.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from flightcheck.errors import UsageError

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one system call; False when the system cannot."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FolderBuild:
    """The files of a folder being built; :meth:`write` records what each file holds."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.written: list[dict] = []

    def write(self, name: str, data: bytes) -> dict:
        """Write ``data`` as ``name``; returns ``{"path", "sha256", "size"}`` of those bytes."""
        path = self.root / name
        with open(path, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        entry = {"path": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        self.written.append(entry)
        return entry


@contextlib.contextmanager
def _locked(parent: Path, name: str, option: str) -> Iterator[None]:
    lock = parent / f".{name}.lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(
                f"{option} {parent / name}: another run is writing this folder "
                "now; wait for it to finish"
            ) from None
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _recover(parent: Path, name: str) -> None:
    """Undo what a crashed run left: restore a renamed-away old folder, drop build folders."""
    target, old = parent / name, parent / f".{name}.old"
    if old.is_dir():
        if target.exists():
            shutil.rmtree(old)
        else:
            os.rename(old, target)
    for stale in parent.glob(f".{name}.*.build"):
        shutil.rmtree(stale, ignore_errors=True)


@contextlib.contextmanager
def replace_folder(
    target: str | Path, may_replace: Callable[[Path], bool], option: str = "-o"
) -> Iterator[FolderBuild]:
    """Build a new ``target`` folder and swap it in whole when the block ends without error.

    An existing ``target`` must be empty or pass ``may_replace`` (e.g. be a previous
    evidence pack); anything else is refused with :class:`UsageError`, never overwritten.
    On an error the build is removed and ``target`` is left as it was."""
    target = Path(os.path.realpath(target))
    parent, name = target.parent, target.name
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{option} {target}: cannot create folder ({exc.strerror})") from None
    with _locked(parent, name, option):
        _recover(parent, name)
        if target.exists():
            if not target.is_dir():
                raise UsageError(f"{option} {target}: is a file; give a folder")
            if any(target.iterdir()) and not may_replace(target):
                raise UsageError(
                    f"{option} {target}: folder is not empty and is not a previous "
                    "evidence pack; refusing to replace it (choose a new folder)"
                )
        build = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".build", dir=parent))
        try:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(build, 0o777 & ~umask)
            yield FolderBuild(build)
            for f in build.iterdir():
                os.chmod(f, 0o666 & ~umask)
            _fsync_dir(build)
            if not target.exists():
                os.rename(build, target)
            elif _exchange(build, target):
                shutil.rmtree(build)  # now the old folder
            else:
                old = parent / f".{name}.old"
                os.rename(target, old)
                os.rename(build, target)
                shutil.rmtree(old)
            _fsync_dir(parent)
        finally:
            if build.exists():
                shutil.rmtree(build, ignore_errors=True)
