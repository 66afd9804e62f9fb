"""Open an input file's bytes, undoing gzip, zip (KMZ) and tar wrappers, with bounds.

Compression is sniffed from magic bytes, never guessed from the name: readsb writes gzip
files named ``.json``, and people re-save them decompressed. Decompression is bounded by
``max_bytes`` so a gzip bomb fails with a clear error instead of exhausting memory.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
import zlib
from pathlib import Path

from isal import isal_zlib

from flightcheck.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"


def _gunzip(data: bytes, path: str, max_bytes: int) -> bytes:
    """Decompress one or more concatenated gzip members, at most ``max_bytes`` of output.

    Each member is inflated in one call bounded by ``max_length``, so a bomb stops at the
    bound instead of filling memory, and an ordinary file costs one allocation. ISA-L's
    inflate (python-isal, zlib-compatible API) is ~3.5x faster than zlib's here.
    """
    parts: list[bytes] = []
    total = 0
    rest = data
    while rest[:2] == GZIP_MAGIC:
        d = isal_zlib.decompressobj(wbits=16 + isal_zlib.MAX_WBITS)
        try:
            piece = d.decompress(rest, max_bytes - total + 1)
        except isal_zlib.error as exc:
            raise InputError(path, f"corrupt gzip stream ({exc})") from None
        total += len(piece)
        if total > max_bytes:
            raise InputError(
                path,
                f"decompresses to more than {max_bytes:,} bytes; refusing (possible gzip "
                "bomb; raise the limit with --max-decompressed if the file is genuine)",
            )
        if not d.eof:
            raise InputError(path, "truncated gzip stream (file ends before the data does)")
        parts.append(piece)
        rest = d.unused_data
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _unzip(data: bytes, path: str, max_bytes: int) -> bytes:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = [i for i in zf.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise InputError(path, f"corrupt zip archive ({exc})") from None
    if not names:
        raise InputError(path, "zip archive holds no file")
    kml = [i for i in names if i.filename.lower().endswith(".kml")]
    member = (kml or names)[0]
    if len(kml) != 1 and len(names) != 1:
        raise InputError(path, f"zip archive holds {len(names)} files; unpack it and pass them")
    try:
        with zf.open(member) as fh:
            content = fh.read(max_bytes + 1)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        raise InputError(path, f"corrupt zip member {member.filename!r} ({exc})") from None
    if len(content) > max_bytes:
        raise InputError(path, f"zip member expands to more than {max_bytes:,} bytes; refusing")
    return content


def _untar(data: bytes, path: str, max_bytes: int) -> bytes:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tf:
            members = [m for m in tf.getmembers() if m.isfile()]
            if len(members) != 1:
                raise InputError(
                    path, f"tar archive holds {len(members)} files; unpack it and pass them"
                )
            if members[0].size > max_bytes:
                raise InputError(path, f"tar member is larger than {max_bytes:,} bytes; refusing")
            fh = tf.extractfile(members[0])
            if fh is None:
                raise InputError(path, "tar member cannot be read")
            return fh.read()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise InputError(path, f"corrupt tar archive ({exc})") from None


def is_tar(data: bytes) -> bool:
    """POSIX/GNU tar: ``ustar`` magic at offset 257."""
    return len(data) > 262 and data[257:262] == b"ustar"


def load(path: str | Path, max_bytes: int = 2 << 30) -> tuple[bytes, str]:
    """Read a file and unwrap gzip / zip / tar layers (at most 3 deep).

    Returns the content bytes and the wrappers found, e.g. ``"gzip"`` or ``"tar+gzip"``
    (empty for a plain file). Raises :class:`InputError` for empty, truncated or
    oversized inputs.
    """
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(name, f"cannot read file ({exc.strerror or exc})") from None
    if not data:
        raise InputError(name, "empty file")
    layers: list[str] = []
    for _ in range(3):
        if data[:2] == GZIP_MAGIC:
            data, kind = _gunzip(data, name, max_bytes), "gzip"
        elif data[:4] == ZIP_MAGIC:
            data, kind = _unzip(data, name, max_bytes), "zip"
        elif is_tar(data):
            data, kind = _untar(data, name, max_bytes), "tar"
        else:
            break
        layers.append(kind)
        if not data:
            raise InputError(name, f"empty after {'+'.join(layers)} decompression")
    return data, "+".join(layers)
