"""Where an input's bytes come from: a local file, a URL, or a member of a day archive.

An input is named by one string (its *ref*), the same string that lands in the track
table's ``source`` column and in every finding's provenance:

- a local path (absolute once a scan has resolved it);
- a URL that fsspec opens (``s3://``, ``gs://``, ``az://``, ``https://``, ...), recorded
  without credentials (:func:`redact`); credentials come the usual way (environment, config
  files, instance roles) and are never written anywhere;
- ``ARCHIVE::MEMBER``, a file inside a tar or zip day archive (:mod:`.archives`), read in
  place: its bytes are sliced out of the archive, never extracted to disk.

:func:`read_bytes` returns an input's stored bytes and computes their sha256 while they
stream in; :func:`fingerprint` hands that digest to the provenance, so a remote input is
fetched once. :func:`prefetched` fetches a batch of URLs concurrently.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import urlsplit, urlunsplit

from flightcheck.errors import InputError, UnreadableInput, UsageError

MEMBER_SEP = "::"
"""Separates an archive and a member in a ref: ``day.tar.aa::traces/ab/trace_full_x.json``."""

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_CHUNK = 1 << 20
_SECRET_KEYS = re.compile(
    r"(sig|signature|token|key|secret|credential|password|auth|sas|"
    r"x-amz-|x-goog-|se$|sp$|sv$|st$)",
    re.I,
)
_REAL: dict[str, str] = {}
"""Redacted URL -> the URL as the user gave it (with its secrets), in this process only."""
_DIGESTS: OrderedDict[str, tuple[str, int]] = OrderedDict()
_DIGESTS_KEPT = 4096
_SIZES: dict[str, int] = {}
"""Stored size of URLs, from the listing that found them."""


def is_url(ref: str) -> bool:
    """True for ``scheme://...`` (any fsspec protocol), False for a local path."""
    return bool(_URL.match(str(ref)))


_ARCHIVE_NAME = re.compile(r"\.(?:tar(?:\.[a-z]{2,3})?|zip)(?:\?[^/]*)?$", re.I)


def is_member(ref: str) -> bool:
    """True for an ``ARCHIVE::MEMBER`` ref (see :mod:`.archives`): every part before the
    ``::`` names a tar or zip (a local file that merely has ``::`` in its name is not one)."""
    if MEMBER_SEP not in str(ref):
        return False
    archive = str(ref).split(MEMBER_SEP, 1)[0]
    return all(_ARCHIVE_NAME.search(p) for p in archive.split(" + "))


def redact(url: str) -> str:
    """``url`` safe to record: no ``user:password@``, and query parameters that carry
    secrets (signatures, tokens, keys, SAS fields) dropped. Plain paths are returned as is."""
    if not is_url(url):
        return url
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = "&".join(
        q for q in parts.query.split("&") if q and not _SECRET_KEYS.search(q.split("=", 1)[0])
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def remember(url: str) -> str:
    """Record ``url``'s redacted form (returned) so this process can still open it."""
    shown = redact(url)
    if shown != url:
        _REAL[shown] = url
    return shown


def secrets_for(refs: list[str]) -> dict[str, str]:
    """The real URLs behind redacted refs, to travel with a task to another process (kept
    in memory there, never written)."""
    out = {}
    for ref in refs:
        base = ref.split(MEMBER_SEP, 1)[0] if is_member(ref) else ref
        for one in base.split(" + "):
            if one in _REAL:
                out[one] = _REAL[one]
    return out


def learn(secrets: dict[str, str]) -> None:
    """Take real URLs from :func:`secrets_for` (in a worker)."""
    _REAL.update(secrets)


def real(ref: str) -> str:
    """The URL to open for a recorded (redacted) one."""
    return _REAL.get(ref, ref)


def _keep_digest(ref: str, sha: str, size: int) -> None:
    _DIGESTS[ref] = (sha, size)
    while len(_DIGESTS) > _DIGESTS_KEPT:
        _DIGESTS.popitem(last=False)


def fingerprint(ref: str) -> tuple[str, int]:
    """(sha256 hex, size in bytes) of an input as stored: the digest taken while
    :func:`read_bytes` streamed it when there is one, else computed now."""
    got = _DIGESTS.pop(ref, None)
    if got is not None:
        return got
    if is_url(ref) or is_member(ref):
        data = read_bytes(ref, 1 << 62)
        return hashlib.sha256(data).hexdigest(), len(data)
    from flightcheck.track import provenance

    return provenance.sha256_file(ref), os.path.getsize(ref)


def size_of(ref: str) -> int:
    """Stored size in bytes (0 when unknown: it then counts nothing towards a batch)."""
    if is_member(ref):
        from flightcheck.io.archives import member_size

        return member_size(ref)
    if is_url(ref):
        if ref in _SIZES:
            return _SIZES[ref]
        try:
            fs, path = _fs(real(ref))
            return int(fs.size(path) or 0)
        except Exception:  # noqa: BLE001 - reported when read
            return 0
    try:
        return os.path.getsize(ref)
    except OSError:
        return 0


def read_bytes(ref: str, max_bytes: int) -> bytes:
    """The stored (possibly compressed) bytes of an input, at most ``max_bytes``.
    Raises :class:`UnreadableInput` when they cannot be had, :class:`InputError` when they
    are not a regular file or too large."""
    if is_member(ref):
        from flightcheck.io.archives import read_member

        data = read_member(ref, max_bytes)
        _keep_digest(ref, hashlib.sha256(data).hexdigest(), len(data))
        return data
    if is_url(ref):
        return _read_url(ref, max_bytes)
    try:
        if not stat.S_ISREG(os.stat(ref).st_mode):
            raise InputError(ref, "not a regular file (device, FIFO or socket); refusing")
        return _read_local(ref)
    except OSError as exc:
        raise UnreadableInput(ref, f"cannot read file ({exc.strerror or exc})") from None


def _read_local(path: str) -> bytes:
    """The bytes of a local file as stored on disk (read once: decoded and hashed)."""
    with open(path, "rb") as fh:
        return fh.read()


def _fs(url: str):
    """(fsspec filesystem, path) of a URL; a missing protocol package is a usage error."""
    import fsspec

    try:
        return fsspec.core.url_to_fs(url)
    except ImportError as exc:
        raise UsageError(f"{redact(url)}: reading this needs an extra package ({exc})") from None
    except ValueError as exc:
        raise UsageError(f"{redact(url)}: {exc}") from None


def _streaming(fs) -> dict:
    """Open arguments to read a whole file front to back: HTTP as one plain GET (no range
    requests, which many web servers do not answer), object stores without a read cache."""
    protocols = fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,)
    if {"http", "https"} & set(protocols):
        return {"block_size": 0}
    return {"cache_type": "none"}


_FETCHED: ContextVar[dict[str, bytes | BaseException] | None] = ContextVar(
    "flightcheck_fetched", default=None
)


@contextmanager
def prefetched(refs: Sequence[str]) -> Iterator[None]:
    """Fetch the URLs among ``refs`` concurrently (fsspec's ``cat`` of many paths: one
    round trip's latency for the lot on S3, GCS, Azure and HTTP, not one per file), for
    :func:`read_bytes` to take inside this context. A scan task holds its batch's stored
    bytes (about ``BATCH_BYTES``) at once; local files and archive members are untouched."""
    urls = [r for r in refs if is_url(r) and not is_member(r)]
    if not urls:
        yield
        return
    got: dict[str, bytes | BaseException] = {}
    by_fs: dict[int, tuple[object, dict[str, str]]] = {}
    for ref in urls:
        try:
            fs, path = _fs(real(ref))
        except UsageError:
            continue  # read_bytes reports it
        by_fs.setdefault(id(fs), (fs, {}))[1][path] = ref
    for fs, paths in by_fs.values():
        try:
            out = fs.cat(list(paths), on_error="return")  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - each file is then read (and reported) alone
            continue
        for path, value in out.items():
            if path in paths:
                got[paths[path]] = value
    token = _FETCHED.set(got)
    try:
        yield
    finally:
        _FETCHED.reset(token)


def _read_url(ref: str, max_bytes: int) -> bytes:
    fetched = _FETCHED.get()
    if fetched is not None and ref in fetched:
        value = fetched.pop(ref)
        if isinstance(value, BaseException):
            raise UnreadableInput(ref, f"cannot read ({_why(value)})")
        if len(value) > max_bytes:
            raise InputError(ref, f"larger than {max_bytes:,} bytes; refusing")
        _keep_digest(ref, hashlib.sha256(value).hexdigest(), len(value))
        return value
    digest = hashlib.sha256()
    out = bytearray()
    try:
        fs, path = _fs(real(ref))
        with fs.open(path, "rb", **_streaming(fs)) as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
                out += chunk
                if len(out) > max_bytes:
                    raise InputError(ref, f"larger than {max_bytes:,} bytes; refusing")
    except (InputError, UsageError):
        raise
    except Exception as exc:  # noqa: BLE001 - any storage or network failure is "unreadable"
        raise UnreadableInput(ref, f"cannot read ({_why(exc)})") from None
    _keep_digest(ref, digest.hexdigest(), len(out))
    return bytes(out)


def _why(exc: BaseException) -> str:
    """One line for a storage error, without any URL it quotes (it may carry a secret)."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    text = re.sub(r"[A-Za-z][A-Za-z0-9+.-]*://\S+", lambda m: redact(m[0]), text)
    return f"{type(exc).__name__}: {text[:160]}" if text else type(exc).__name__


def expand_url(url: str) -> list[str]:
    """The file URLs (redacted, sorted) named by a URL: a file, a "folder" prefix (all
    files below it) or a glob (``*``, ``?``, ``[...]``, ``**``). Sizes come with the
    listing and are kept for :func:`size_of` (no request per file)."""
    fs, path = _fs(url)
    try:
        if set("*?[") & set(urlsplit(url).path):
            found = {
                p: i for p, i in fs.glob(path, detail=True).items() if i.get("type") != "directory"
            }
        elif fs.isdir(path):
            found = fs.find(path, detail=True)
        elif fs.exists(path):
            found = {path: fs.info(path)}
        else:
            found = {}
    except (UsageError, InputError):
        raise
    except Exception as exc:  # noqa: BLE001
        raise UnreadableInput(redact(url), f"cannot list ({_why(exc)})") from None
    if not found:
        raise UsageError(f"{redact(url)}: no file matches this URL")
    if list(found) == [path]:
        shown = remember(url)
        _keep_size(shown, found[path])
        return [shown]
    secret_query = urlsplit(url).query
    out = []
    for p in sorted(found):
        full = fs.unstrip_protocol(p)
        if secret_query and redact(url) != url:  # the same signature opens every file
            full = f"{full}?{secret_query}"
        shown = remember(full)
        _keep_size(shown, found[p])
        out.append(shown)
    return out


def _keep_size(ref: str, info: dict) -> None:
    size = info.get("size") if isinstance(info, dict) else None
    if isinstance(size, int):
        _SIZES[ref] = size
