"""Day archives read in place: a tar (one file or split parts ``.tar.aa``, ``.tar.ab``, ...)
or a zip holding many files, e.g. an adsb.lol daily release or a ``globe_history`` day.

Nothing is extracted to disk. :func:`index` walks the archive's headers once (tar: 512-byte
headers, seeking over the data; zip: the central directory) and names each file member as
the ref ``ARCHIVE::MEMBER`` (:mod:`.sources`), where ARCHIVE is the part or parts joined by
`` + ``. :func:`read_member` slices one member's bytes out of the parts, so memory is
bounded by the largest member, never the archive. Parts may be local files or URLs.

Bounds against hostile archives: at most :data:`flightcheck.io.paths.MAX_EXPANDED` members,
a member larger than the caller's decompression bound is refused before it is read, links,
devices and folders are never followed (only regular file members count), and gzip / zip
layers of a member are unwrapped by :func:`flightcheck.io.containers.load` with its budget.
"""

from __future__ import annotations

import bisect
import io
import re
import tarfile
import zipfile
import zlib
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from flightcheck.errors import InputError, UnreadableInput
from flightcheck.io import sources
from flightcheck.io.paths import MAX_EXPANDED

PART_JOIN = " + "
SPLIT_PART = re.compile(r"^(?P<stem>.+\.tar)\.(?P<suffix>[a-z]{2,3})$")
"""A split tar part, as ``split`` names them: ``day.tar.aa``, ``day.tar.ab``, ..."""
_DAY_NAME = re.compile(r"(?<!\d)(\d{4})[.-](\d{2})[.-](\d{2})(?!\d)")


@dataclass(frozen=True)
class Member:
    """One file in an archive: ``ref`` (``ARCHIVE::MEMBER``), ``kind`` ("tar" or "zip"),
    ``offset`` of its data in the concatenated parts (tar) and ``size`` in bytes as stored."""

    ref: str
    kind: str
    offset: int
    size: int


_KNOWN: ContextVar[dict[str, Member] | None] = ContextVar("flightcheck_members", default=None)
_CACHE: dict[str, dict[str, Member]] = {}
_CACHE_KEPT = 4


def split_ref(ref: str) -> tuple[list[str], str]:
    """(parts, member name) of an ``ARCHIVE::MEMBER`` ref."""
    archive, member = ref.split(sources.MEMBER_SEP, 1)
    return archive.split(PART_JOIN), member


def day_in_name(name: str) -> str | None:
    """``YYYY-MM-DD`` from an archive name such as ``v2024.01.01-planes-readsb-prod-0.tar``."""
    from datetime import date

    for m in reversed(list(_DAY_NAME.finditer(name.rsplit("/", 1)[-1]))):
        try:
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            continue
    return None


def group_parts(refs: list[str]) -> tuple[list[list[str]], list[str]]:
    """Split tar parts of ``refs`` grouped into archives (parts in order), and the rest.
    Parts with a gap (``.aa`` and ``.ac`` without ``.ab``) are a usage error."""
    from flightcheck.errors import UsageError

    groups: dict[str, list[tuple[str, str]]] = {}
    rest = []
    for ref in refs:
        m = SPLIT_PART.match(ref)
        if m:
            groups.setdefault(m["stem"], []).append((m["suffix"], ref))
        else:
            rest.append(ref)
    out = []
    for stem, parts in groups.items():
        parts.sort()
        codes = [_suffix_number(s) for s, _ in parts]
        if codes != list(range(codes[0], codes[0] + len(codes))) or codes[0] != 0:
            have = ", ".join(s for s, _ in parts)
            raise UsageError(
                f"{sources.redact(stem)}: split tar parts {have} are not a "
                "complete sequence from .aa; give every part"
            )
        out.append([r for _, r in parts])
    return out, rest


def _suffix_number(suffix: str) -> int:
    n = 0
    for ch in suffix:
        n = n * 26 + (ord(ch) - ord("a"))
    return n


class Concat(io.RawIOBase):
    """The parts of a split archive as one seekable, read-only stream (local or URLs)."""

    def __init__(self, parts: list[str]) -> None:
        super().__init__()
        self.parts = parts
        self.sizes = [_size(p) for p in parts]
        self.starts = [0]
        for s in self.sizes:
            self.starts.append(self.starts[-1] + s)
        self.pos = 0
        self._open: dict[int, object] = {}

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.pos, 2: self.starts[-1]}[whence]
        self.pos = max(0, base + offset)
        return self.pos

    def readinto(self, buf) -> int:
        if self.pos >= self.starts[-1]:
            return 0
        i = bisect.bisect_right(self.starts, self.pos) - 1
        fh = self._handle(i)
        fh.seek(self.pos - self.starts[i])
        want = min(len(buf), self.starts[i + 1] - self.pos)
        data = fh.read(want)
        n = len(data)
        buf[:n] = data
        self.pos += n
        return n

    def _handle(self, i: int):
        if i not in self._open:
            part = self.parts[i]
            if sources.is_url(part):
                fs, path = sources._fs(sources.real(part))
                self._open[i] = fs.open(path, "rb")
            else:
                self._open[i] = open(part, "rb")  # noqa: SIM115 - closed in close()
        return self._open[i]

    def read_at(self, offset: int, size: int) -> bytes:
        """``size`` bytes from ``offset``."""
        self.seek(offset)
        out = bytearray()
        while len(out) < size:
            chunk = self.read(size - len(out))
            if not chunk:
                break
            out += chunk
        return bytes(out)

    def close(self) -> None:
        for fh in self._open.values():
            fh.close()  # type: ignore[attr-defined]
        self._open.clear()
        super().close()


def _size(part: str) -> int:
    try:
        if sources.is_url(part):
            fs, path = sources._fs(sources.real(part))
            return int(fs.size(path))
        import os

        return os.path.getsize(part)
    except Exception as exc:  # noqa: BLE001 - any storage failure
        raise UnreadableInput(part, f"cannot read archive part ({sources._why(exc)})") from None


def kind_of(ref: str) -> str | None:
    """ "tar" or "zip" for a name that may be a day archive, else None."""
    low = ref.lower().rsplit("?", 1)[0]
    if low.endswith(".tar") or SPLIT_PART.match(low):
        return "tar"
    if low.endswith(".zip"):
        return "zip"
    return None


def index(parts: list[str]) -> list[Member]:
    """Every regular file member of the archive made of ``parts`` (in archive order).
    Raises :class:`InputError` for a corrupt or truncated archive."""
    name = PART_JOIN.join(parts)
    kind = kind_of(parts[0])
    members: list[Member] = []
    with Concat(parts) as stream:
        buffered = io.BufferedReader(stream, 1 << 16)
        try:
            if kind == "zip":
                with zipfile.ZipFile(buffered) as zf:
                    for info in zf.infolist():
                        if not info.is_dir():
                            members.append(
                                Member(
                                    f"{name}{sources.MEMBER_SEP}{info.filename}",
                                    "zip",
                                    info.header_offset,
                                    info.file_size,
                                )
                            )
                            _check_count(name, members)
            else:
                with tarfile.open(fileobj=buffered, mode="r:") as tf:
                    for entry in tf:
                        if entry.isfile():
                            members.append(
                                Member(
                                    f"{name}{sources.MEMBER_SEP}{entry.name}",
                                    "tar",
                                    entry.offset_data,
                                    entry.size,
                                )
                            )
                            _check_count(name, members)
                        tf.members = []  # type: ignore[attr-defined]  # flat memory
            if (
                members
                and members[-1].kind == "tar"
                and members[-1].offset + members[-1].size > stream.starts[-1]
            ):
                raise EOFError("the last member ends after the data")
        except (tarfile.TarError, zipfile.BadZipFile, EOFError, ValueError, OSError) as exc:
            if isinstance(exc, UnreadableInput):
                raise
            raise InputError(
                name,
                f"corrupt or truncated {kind} archive ({exc}); for a split tar give every part",
            ) from None
    return members


def _check_count(name: str, members: list[Member]) -> None:
    if len(members) > MAX_EXPANDED:
        raise InputError(name, f"archive holds more than {MAX_EXPANDED:,} files; refusing")


def is_day_archive(parts: list[str], members: list[Member]) -> bool:
    """A split tar always; a single tar or zip when it holds several files (a tar or zip
    of one file, or a KMZ, stays one input read by :mod:`.containers`)."""
    if len(parts) > 1 or SPLIT_PART.match(parts[0]):
        return True
    if any(m.ref.lower().endswith(".kml") for m in members):
        return False
    return len(members) > 1


class known:
    """Context in which :func:`read_member` finds ``members`` without indexing (a scan
    task carries the locations of its members), with one open stream per archive."""

    def __init__(self, members: tuple[Member, ...] | list[Member]) -> None:
        self.table = {m.ref: m for m in members}
        self.streams: dict[str, _Open] = {}
        self.token: Any = None

    def __enter__(self) -> known:
        self.token = _KNOWN.set(self.table)
        _STREAMS.set(self.streams)
        return self

    def __exit__(self, *exc) -> None:
        _KNOWN.reset(self.token)
        _STREAMS.set(None)
        for s in self.streams.values():
            s.close()


_STREAMS: ContextVar[dict[str, _Open] | None] = ContextVar("flightcheck_streams", default=None)


def _locate(ref: str) -> Member:
    table = _KNOWN.get()
    if table and ref in table:
        return table[ref]
    parts, _ = split_ref(ref)
    key = PART_JOIN.join(parts)
    if key not in _CACHE:
        while len(_CACHE) >= _CACHE_KEPT:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = {m.ref: m for m in index(parts)}
    try:
        return _CACHE[key][ref]
    except KeyError:
        raise UnreadableInput(ref, "no such member in the archive") from None


def member_size(ref: str) -> int:
    """Stored size of a member in bytes."""
    return _locate(ref).size


class _Open:
    """An archive opened for reading members: its parts as one stream, and for a zip the
    parsed central directory (read once, not per member)."""

    def __init__(self, parts: list[str], kind: str) -> None:
        self.stream = Concat(parts)
        self.buffered = io.BufferedReader(self.stream, 1 << 16)
        self.zip = zipfile.ZipFile(self.buffered) if kind == "zip" else None

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()
        self.buffered.close()  # closes the parts too


def read_member(ref: str, max_bytes: int) -> bytes:
    """A member's stored bytes (a gzip member stays gzip: :mod:`.containers` unwraps it)."""
    member = _locate(ref)
    if member.size > max_bytes:
        raise InputError(
            ref,
            f"archive member is {member.size:,} bytes, more than the "
            f"{max_bytes:,} allowed; refusing",
        )
    parts, name = split_ref(ref)
    key = PART_JOIN.join(parts)
    session = _STREAMS.get()
    opened = session.get(key) if session is not None else None
    own = opened is None and session is None
    try:
        if opened is None:
            opened = _Open(parts, member.kind)
            if session is not None:
                session[key] = opened
        if member.kind == "tar":
            data = opened.stream.read_at(member.offset, member.size)
            if len(data) != member.size:
                raise InputError(ref, "archive ends inside this member (is a part missing?)")
            return data
        assert opened.zip is not None
        with opened.zip.open(opened.zip.getinfo(name)) as fh:
            data = fh.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise InputError(
                ref, f"zip member decompresses to more than {max_bytes:,} bytes; refusing"
            )
        return data
    except (InputError, UnreadableInput):
        raise
    except (
        zipfile.BadZipFile,
        KeyError,
        EOFError,
        ValueError,
        NotImplementedError,
        RuntimeError,
        zlib.error,
    ) as exc:
        raise InputError(ref, f"corrupt archive member ({exc})") from None
    except Exception as exc:  # noqa: BLE001 - storage and network failures
        raise UnreadableInput(ref, f"cannot read ({sources._why(exc)})") from None
    finally:
        if own and opened is not None:
            opened.close()
