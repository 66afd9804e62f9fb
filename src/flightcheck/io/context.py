"""What a reader needs to know about the read it is doing, and how it reports bad records.

Readers never decide on their own whether a bad record is fatal: they call :meth:`ReadContext.bad`
(one record) or :meth:`ReadContext.drop_bad` (a boolean mask over many records). In strict mode
(the default) that raises :class:`~flightcheck.errors.InputError` naming the file and record; with
``skip_bad`` the record is dropped and counted in the provenance under the same message.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from flightcheck.errors import InputError


@dataclass
class ReadOptions:
    """User-facing options that change how inputs are read.

    ``tz``: time zone of formats without one (SBS logs of dump1090 forks log local time);
    None means UTC, with a note in the provenance that the zone was assumed.
    ``columns``: mapping track-table column -> input column for the plain CSV reader.
    ``start_time``: wall-clock time of the first message for logs without one (bare AVR).
    ``receiver``: (lat, lon) of the Mode S receiver, reference for surface positions.
    ``max_decompressed``: bound, in bytes, on what one input may expand to in all (every
    nested archive and member together).
    ``allow_future``: accept fix times later than now plus one day.
    """

    format: str | None = None
    skip_bad: bool = False
    tz: str | None = None
    columns: dict[str, str] | None = None
    icao24: str | None = None
    start_time: datetime | None = None
    receiver: tuple[float, float] | None = None
    max_decompressed: int = 2 << 30
    allow_future: bool = False


@dataclass
class ReadContext:
    """Per-input state handed to a reader: its path, the options and the drop counters."""

    path: str
    options: ReadOptions = field(default_factory=ReadOptions)
    dropped: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    records: int = 0
    """How many records (lines, points, placemarks) the reader found; set by the reader."""
    presence: pd.DataFrame | None = None
    """Raw Mode S readers: addresses heard, with or without positions
    (:mod:`flightcheck.io.presence`); None for formats without raw messages."""
    format: str | None = None
    """The format the reader found when it refines the sniffed one (a parquet file that
    turns out to be an OpenSky raw-message table); None to keep the sniffed format."""

    @property
    def skip_bad(self) -> bool:
        return self.options.skip_bad

    def fail(self, message: str, record: int | None = None) -> InputError:
        """An :class:`InputError` for this file (raise it: the whole input is unusable)."""
        return InputError(self.path, message, record)

    def bad(self, message: str, record: int | None = None) -> None:
        """Report one bad record: raise in strict mode, count it with ``skip_bad``."""
        if not self.options.skip_bad:
            raise InputError(self.path, message, record)
        self.dropped[f"bad record: {message.split(':')[0]}"] += 1

    def drop_bad(self, mask: np.ndarray, rows: np.ndarray, message: str) -> np.ndarray:
        """Vectorised :meth:`bad`: ``mask`` marks bad records, ``rows`` their record numbers.

        Returns the mask of records to keep. Raises on the first bad record in strict mode.
        """
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            if not self.options.skip_bad:
                first = int(np.asarray(rows)[np.argmax(mask)])
                raise InputError(self.path, message, first)
            self.dropped[f"bad record: {message}"] += int(mask.sum())
        return ~mask

    def drop(self, reason: str, count: int = 1) -> None:
        """Count records left out for a normal reason (no position, stale repeat...)."""
        if count:
            self.dropped[reason] += int(count)
