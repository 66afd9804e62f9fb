"""Open an input file's bytes, undoing gzip, zip (KMZ) and tar wrappers, with bounds.

Compression is sniffed from magic bytes, never guessed from the name: readsb writes gzip
files named ``.json``, and people re-save them decompressed. Decompression is bounded by
``max_bytes`` so a gzip bomb fails with a clear error instead of exhausting memory.

The bound is one budget for the whole input: every layer (a gzip of a gzip, zips nested in
a KMZ) and every member counts against it. Peak memory is the file itself plus at most
``max_bytes`` of output plus about 1 MiB (measured on a shared machine: a 512 MiB gzip bomb
against a 256 MiB bound grew peak RSS by 257 MiB; tests/test_hostile.py holds a 64 MiB bomb
to 16 MiB + 32 MiB).
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile
import zlib
from pathlib import Path

from isal import isal_zlib

from flightcheck.errors import InputError
from flightcheck.io.sources import read_bytes

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"


MAX_DEPTH = 3
"""Container layers unwrapped at most (``tar+gzip`` is 2); deeper nesting is refused."""

MAX_MEMBERS = 10_000
"""gzip members of one stream at most (``cat a.gz b.gz`` makes two): each costs a fresh
inflater, and a million one-byte members took 11 minutes before this bound."""

_CHUNK = 1 << 20


class Budget:
    """Bytes one input may still decompress to, shared by every layer and member, so a
    gzip of a gzip or a zip of zips is bounded in total, not per layer."""

    def __init__(self, path: str, max_bytes: int) -> None:
        self.path, self.max_bytes, self.left = path, max_bytes, max_bytes

    def take(self, n: int, what: str) -> None:
        """Count ``n`` more decompressed bytes; raise when past the bound."""
        self.left -= n
        if self.left < 0:
            raise InputError(
                self.path,
                f"{what} decompresses to more than {self.max_bytes:,} bytes in all; refusing "
                f"(possible {what.split()[0]} bomb; raise the limit with --max-decompressed if the "
                "file is genuine)",
            )


def _gunzip(data: bytes, budget: Budget) -> bytes:
    """Decompress one or more concatenated gzip members, within ``budget``.

    Each member is inflated in one call bounded by ``max_length``, so a bomb stops at the
    bound instead of filling memory, and an ordinary file costs one allocation. ISA-L's
    inflate (python-isal, zlib-compatible API) is ~3.5x faster than zlib's here.
    """
    path = budget.path
    parts: list[bytes] = []
    rest = data
    while rest[:2] == GZIP_MAGIC:
        if len(parts) >= MAX_MEMBERS:
            raise InputError(path, f"gzip stream holds more than {MAX_MEMBERS:,} members; refusing")
        d = isal_zlib.decompressobj(wbits=16 + isal_zlib.MAX_WBITS)
        try:
            piece = d.decompress(rest, max(budget.left, 0) + 1)
        # isal's stub declares IsalError an instance (``IsalError: Exception``); it is a class
        except isal_zlib.IsalError as exc:  # type: ignore[misc]
            raise InputError(path, f"corrupt gzip stream ({exc})") from None
        budget.take(len(piece), "gzip stream")
        if not d.eof:
            raise InputError(path, "truncated gzip stream (file ends before the data does)")
        parts.append(piece)
        rest = d.unused_data
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _unzip(data: bytes, budget: Budget) -> bytes:
    path = budget.path
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = [i for i in zf.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise InputError(path, f"corrupt zip archive ({exc})") from None
    if not names:
        raise InputError(path, "zip archive holds no file")
    kml = [i for i in names if i.filename.lower().endswith(".kml")]
    member = (kml or names)[0]
    if len(kml) != 1 and len(names) != 1:
        raise InputError(path, f"zip archive holds {len(names)} files; unpack it and pass them")
    label = f"zip member {member.filename[:60]!r}"
    if member.flag_bits & 0x1:
        raise InputError(path, f"{label} is encrypted; decrypt it and pass the file")
    if member.compress_type not in (
        zipfile.ZIP_STORED,
        zipfile.ZIP_DEFLATED,
        zipfile.ZIP_BZIP2,
        zipfile.ZIP_LZMA,
    ):
        raise InputError(
            path,
            f"{label} uses compression method {member.compress_type}, "
            "which is not supported; re-pack it with deflate",
        )
    if member.file_size > budget.left:
        budget.take(member.file_size, label)
    out = bytearray()
    try:
        with zf.open(member) as fh:
            while chunk := fh.read(min(_CHUNK, max(budget.left, 0) + 1)):
                budget.take(len(chunk), label)  # the header's size may lie
                out += chunk
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        NotImplementedError,
        RuntimeError,
        ValueError,
    ) as exc:
        raise InputError(path, f"corrupt {label} ({exc})") from None
    return bytes(out)


def _untar(data: bytes, budget: Budget) -> bytes:
    path = budget.path
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tf:
            members = [m for m in tf.getmembers() if m.isfile()]
            if len(members) != 1:
                raise InputError(
                    path, f"tar archive holds {len(members)} files; unpack it and pass them"
                )
            budget.take(members[0].size, "tar member")
            fh = tf.extractfile(members[0])
            if fh is None:
                raise InputError(path, "tar member cannot be read")
            return fh.read()
    except (tarfile.TarError, OSError, EOFError, ValueError, OverflowError) as exc:
        raise InputError(path, f"corrupt tar archive ({exc})") from None


def is_tar(data: bytes) -> bool:
    """POSIX/GNU tar: ``ustar`` magic at offset 257."""
    return len(data) > 262 and data[257:262] == b"ustar"


def load(path: str | Path, max_bytes: int = 2 << 30) -> tuple[bytes, str]:
    """Read a file and unwrap gzip / zip / tar layers (at most :data:`MAX_DEPTH` deep).

    Returns the content bytes and the wrappers found, e.g. ``"gzip"`` or ``"tar+gzip"``
    (empty for a plain file). Raises :class:`InputError` for empty, truncated, too deeply
    nested or oversized inputs: ``max_bytes`` bounds everything decompressed, in all.
    Only regular files are read (a FIFO or device would block or never end); a file that
    cannot be read at all raises :class:`~flightcheck.errors.UnreadableInput`. ``path`` may
    also be a URL or an archive member (:mod:`flightcheck.io.sources`).
    """
    data, layers, _, _ = _load(path, max_bytes, digest=False)
    return data, layers


def load_hashed(path: str | Path, max_bytes: int = 2 << 30) -> tuple[bytes, str, str, int]:
    """:func:`load`, plus the hex SHA-256 and the size of the bytes read from disk (the
    file as stored, before any decompression): the file is read once for both."""
    return _load(path, max_bytes, digest=True)


def _load(path: str | Path, max_bytes: int, digest: bool) -> tuple[bytes, str, str, int]:
    name = str(path)
    if max_bytes < 1:
        raise InputError(name, f"decompression bound must be positive (got {max_bytes})")
    data = read_bytes(name, max_bytes)  # local file, URL or archive member (io.sources)
    if not data:
        raise InputError(name, "empty file")
    sha256, size = hashlib.sha256(data).hexdigest() if digest else "", len(data)
    budget = Budget(name, max_bytes)
    layers: list[str] = []
    while True:
        if data[:2] == GZIP_MAGIC:
            kind, unwrap = "gzip", _gunzip
        elif data[:4] == ZIP_MAGIC:
            kind, unwrap = "zip", _unzip
        elif is_tar(data):
            kind, unwrap = "tar", _untar
        else:
            break
        if len(layers) == MAX_DEPTH:
            raise InputError(
                name,
                f"containers nested more than {MAX_DEPTH} deep "
                f"({'+'.join(layers)}+{kind}); refusing",
            )
        data = unwrap(data, budget)
        layers.append(kind)
        if not data:
            raise InputError(name, f"empty after {'+'.join(layers)} decompression")
    return data, "+".join(layers), sha256, size
