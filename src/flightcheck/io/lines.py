"""The content lines of line-oriented logs (raw Mode-S, AIS NMEA)."""

from __future__ import annotations

from collections.abc import Iterator

from flightcheck.io.context import ReadContext

MAX_HEADER_FIELDS = 1000
"""A CSV header with more comma-separated fields than this is not a track export (a JSON
array on one line has hundreds of thousands): rejected before pandas spends minutes on it."""


def content_lines(text: str) -> Iterator[tuple[int, str]]:
    """(1-based line number, stripped line) of every line that is neither blank nor a ``#``
    comment; the line number is the record number findings cite."""
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line and not line.startswith("#"):
            yield lineno, line


def check_csv_header(data: bytes, ctx: ReadContext, what: str, sep: str = ",") -> None:
    """Fail fast, with a short message, when the first line cannot be a CSV header."""
    first = data[: 1 << 20].split(b"\n", 1)[0]
    fields = first.count(sep.encode()) + 1
    if fields > MAX_HEADER_FIELDS:
        raise ctx.fail(
            f"not {what}: the first line has {fields:,} {sep!r}-separated fields "
            f"(starts with {first[:40].decode('utf-8', 'replace')!r})"
        )
