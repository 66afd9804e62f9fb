"""The content lines of line-oriented logs (raw Mode-S, AIS NMEA)."""

from __future__ import annotations

from collections.abc import Iterator


def content_lines(text: str) -> Iterator[tuple[int, str]]:
    """(1-based line number, stripped line) of every line that is neither blank nor a ``#``
    comment; the line number is the record number findings cite."""
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line and not line.startswith("#"):
            yield lineno, line
