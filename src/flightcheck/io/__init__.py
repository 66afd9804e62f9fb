"""Readers, one module per source family, and the registry that sniffs which one applies.

Each reader module exposes:

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
from types import ModuleType

READER_MODULES = ("readsb", "kml", "fr24", "fr24json", "opensky_rawmsg", "opensky", "sbs",
                  "modes", "ais", "jsonrecords", "plaincsv")
"""Reader modules in sniffing order (most specific signature first)."""

SNIFF_BYTES = 65536


def readers() -> list[ModuleType]:
    """The reader modules, imported, in sniffing order."""
    return list(_imported())


@cache
def _imported() -> tuple[ModuleType, ...]:
    """Imported once: sniffing runs per file, and archives hold tens of thousands."""
    return tuple(importlib.import_module(f"flightcheck.io.{name}") for name in READER_MODULES)


def formats() -> dict[str, ModuleType]:
    """Every known format name -> the reader module that handles it."""
    table: dict[str, ModuleType] = {}
    for module in readers():
        for fmt in module.FORMATS:
            table[fmt] = module
    return table


def detect(data: bytes, name: str) -> tuple[str, ModuleType] | None:
    """The (format, reader) that recognises ``data``, or None."""
    head = data[:SNIFF_BYTES]
    for module in readers():
        fmt = module.sniff(head, name)
        if fmt:
            return fmt, module
    return None
