"""Readers, one module per source family, and the registry that sniffs which one applies.

Each reader module is a :class:`Reader` (checked by ``tests/test_readers_protocol.py``):

* ``FORMATS``: the format names it reads (the values of ``--format``);
* ``TIME_ORDERED``: the subset whose records must not go back in time per aircraft;
* ``sniff(head: bytes, name: str) -> str | None``: the format if ``head`` (the first 64 KiB
  of decompressed content) is recognisably one of its formats, else None;
* ``read(data: bytes, ctx: ReadContext, fmt: str) -> pandas.DataFrame``: a frame with
  track-table column names in track-table units (any subset, plus ``time``, ``icao24``,
  ``lat``, ``lon`` and the 1-based record number ``row``), setting ``ctx.records``.

Content decides, never the file extension. Order matters: specific signatures come first,
the plain-CSV fallback last.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING, Protocol, cast, runtime_checkable

if TYPE_CHECKING:
    import pandas as pd

    from flightcheck.io.context import ReadContext

READER_MODULES = (
    "readsb",
    "kml",
    "fr24",
    "fr24json",
    "opensky_rawmsg",
    "opensky",
    "sbs",
    "modes",
    "ais",
    "jsonrecords",
    "plaincsv",
)
"""Reader modules in sniffing order (most specific signature first)."""

SNIFF_BYTES = 65536


@runtime_checkable
class Reader(Protocol):
    """What a reader module provides (see the module docstring). Readers of big inputs may
    also offer ``read_columns(data, ctx, fmt)``, plain arrays instead of a frame."""

    __name__: str
    FORMATS: tuple[str, ...]
    TIME_ORDERED: frozenset[str]

    def sniff(self, head: bytes, name: str) -> str | None: ...

    def read(self, data: bytes, ctx: ReadContext, fmt: str) -> pd.DataFrame: ...


def readers() -> list[Reader]:
    """The reader modules, imported, in sniffing order."""
    return list(_imported())


@cache
def _imported() -> tuple[Reader, ...]:
    """Imported once: sniffing runs per file, and archives hold tens of thousands."""
    return tuple(
        cast(Reader, importlib.import_module(f"flightcheck.io.{name}")) for name in READER_MODULES
    )


def formats() -> dict[str, Reader]:
    """Every known format name -> the reader module that handles it."""
    table: dict[str, Reader] = {}
    for module in readers():
        for fmt in module.FORMATS:
            table[fmt] = module
    return table


def detect(data: bytes, name: str) -> tuple[str, Reader] | None:
    """The (format, reader) that recognises ``data``, or None."""
    head = data[:SNIFF_BYTES]
    for module in readers():
        fmt = module.sniff(head, name)
        if fmt:
            return fmt, module
    return None
