"""ICAO 24-bit aircraft address -> state of registry, and the known military address ranges.

Blocks come from the allocation table of ICAO Annex 10 Vol. III, Chapter 9, as kept in
tar1090's ``flags.js``; a few sub-blocks that are tar1090's own refinements (Hong Kong inside
China, Bermuda or the Isle of Man inside the United Kingdom) take precedence over the block
that contains them, except inside a military range, which belongs to the allocated state.
The military ranges are those readsb flags as military (``isMilRange``); two that readsb
disables because civil aircraft use them (Slovenia, Chile) are not flagged.

The block says where the aircraft is **registered**, not who operates it or where a flight
starts. ``military`` is True only inside a known military range: False does not mean civil
(Russia, China, Serbia and Belarus publish no military ranges).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from flightcheck.errors import ReferenceDataError

DATA_DIR = Path(__file__).with_name("data")
_HEX = re.compile(r"[0-9a-f]{6}")
_SPACE = 1 << 24


@dataclass(frozen=True)
class HexInfo:
    """What the address itself says: ``country`` and ``iso2`` of the allocated state (None when
    the address is in no allocated block), ``military`` (inside a known military range),
    ``block`` ("4C0000-4C7FFF", the allocation that matched)."""

    icao24: str
    country: str | None
    iso2: str | None
    military: bool
    block: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The CLI's JSON shape."""
        return {
            "icao24": self.icao24,
            "country": self.country,
            "iso2": self.iso2,
            "military": self.military,
            "block": self.block,
        }


@dataclass(frozen=True)
class _Tables:
    bounds: np.ndarray  # start of each elementary interval of the 24-bit space
    block_row: np.ndarray  # index into blocks (-1: unallocated) per interval
    military: np.ndarray  # bool per interval
    blocks: pd.DataFrame


def _paint(
    bounds: np.ndarray, starts: np.ndarray, ends: np.ndarray, values: np.ndarray, fill: Any
) -> np.ndarray:
    """Value per elementary interval; later ranges overwrite earlier ones."""
    out = np.full(len(bounds), fill, dtype=values.dtype)
    for start, end, value in zip(starts, ends, values, strict=True):
        out[(bounds >= start) & (bounds <= end)] = value
    return out


@functools.cache
def _tables() -> _Tables:
    blocks = pd.read_csv(
        DATA_DIR / "icao_address_blocks.csv", dtype=str, keep_default_na=False, na_values=[""]
    )
    blocks["start"] = blocks["start_hex"].map(lambda h: int(h, 16))
    blocks["end"] = blocks["end_hex"].map(lambda h: int(h, 16))
    blocks["precedence"] = blocks["precedence"].astype(int)
    mil = pd.read_csv(DATA_DIR / "military_address_ranges.csv", dtype=str, keep_default_na=False)
    mil = mil[mil["used_by_readsb"].str.strip().str.lower() == "yes"]
    mil_start = mil["start_hex"].map(lambda h: int(h, 16)).to_numpy(np.int64)
    mil_end = mil["end_hex"].map(lambda h: int(h, 16)).to_numpy(np.int64)
    edges = np.concatenate([[0], blocks["start"], blocks["end"] + 1, mil_start, mil_end + 1])
    bounds = np.unique(edges[edges < _SPACE]).astype(np.int64)
    # paint lowest precedence last, so the first-matching row wins
    order = np.argsort(-blocks["precedence"].to_numpy(), kind="stable")
    block_row = _paint(
        bounds,
        blocks["start"].to_numpy()[order],
        blocks["end"].to_numpy()[order],
        order.astype(np.int64),
        -1,
    )
    military = _paint(bounds, mil_start, mil_end, np.ones(len(mil), dtype=bool), False)
    # a military range belongs to the state of the allocation: inside one, tar1090's
    # territory sub-blocks (Bermuda at 400000 inside the UK's military 400000-40003F) give
    # way to the Annex 10 block that contains them
    allocation = (blocks["kind"] == "annex10_allocation").to_numpy()
    refined = (block_row >= 0) & ~allocation[np.maximum(block_row, 0)]
    if (military & refined).any():
        annex = np.flatnonzero(allocation)
        annex = annex[np.argsort(-blocks["precedence"].to_numpy()[annex], kind="stable")]
        annex_row = _paint(
            bounds,
            blocks["start"].to_numpy()[annex],
            blocks["end"].to_numpy()[annex],
            annex.astype(np.int64),
            -1,
        )
        block_row = np.where(military & refined & (annex_row >= 0), annex_row, block_row)
    return _Tables(bounds, block_row, military, blocks.reset_index(drop=True))


def _invalid(text: Any) -> ReferenceDataError:
    if isinstance(text, str) and text.strip().startswith("~"):
        return ReferenceDataError(
            f"{text!r} is not a 24-bit ICAO address: '~' marks a non-ICAO (TIS-B or "
            "anonymous) address, which belongs to no state"
        )
    return ReferenceDataError(f"{text!r} is not a 24-bit ICAO address: expected 6 hex digits")


def _normalise(text: str) -> str:
    key = text.strip().lower()
    if key.startswith("0x"):
        key = key[2:]
    return key


def _hex_values(keys: np.ndarray) -> np.ndarray:
    """Integers of an array of 6-character lowercase hex strings (vectorised)."""
    chars = np.array(keys, dtype="S6").view(np.uint8).reshape(-1, 6).astype(np.int64)
    digits = np.where(chars >= ord("a"), chars - ord("a") + 10, chars - ord("0"))
    return digits @ (16 ** np.arange(5, -1, -1, dtype=np.int64))


def lookup(hex: str) -> HexInfo:  # noqa: A002 - the documented parameter name
    """State of registry and military flag of one ICAO address (``"4c01a3"``, any case).

    Raises :class:`ReferenceDataError` when ``hex`` is not 6 hex digits.
    """
    if not isinstance(hex, str) or not _HEX.fullmatch(_normalise(hex)):
        raise _invalid(hex)
    row = {k: (None if pd.isna(v) else v) for k, v in lookup_many([hex]).iloc[0].items()}
    return HexInfo(
        str(row["icao24"]), row["country"], row["iso2"], bool(row["military"]), row["block"]
    )


def lookup_many(hexes) -> pd.DataFrame:
    """:func:`lookup` for many addresses at once (vectorised; invalid ones do not raise).

    Columns: ``icao24`` (normalised to lowercase when valid, else as given), ``valid``,
    ``country``, ``iso2``, ``block`` (None when unallocated or invalid) and ``military``
    (nullable boolean, missing when invalid). One row per input, in input order.
    """
    raw = pd.Series(
        list(hexes) if not isinstance(hexes, pd.Series) else hexes.to_list(), dtype=object
    )
    keys = np.array([_normalise(h) if isinstance(h, str) else "" for h in raw], dtype=object)
    valid = np.array([bool(_HEX.fullmatch(k)) for k in keys], dtype=bool)
    t = _tables()
    n = len(keys)
    row = np.full(n, -1, dtype=np.int64)
    military = pd.array([pd.NA] * n, dtype="boolean")
    if valid.any():
        values = _hex_values(keys[valid])
        interval = np.searchsorted(t.bounds, values, side="right") - 1
        row[valid] = t.block_row[interval]
        military[valid] = t.military[interval]
    hit = row >= 0
    blocks = t.blocks
    country = np.full(n, None, dtype=object)
    iso2 = np.full(n, None, dtype=object)
    block = np.full(n, None, dtype=object)
    country[hit] = blocks["country"].to_numpy(object)[row[hit]]
    iso2[hit] = blocks["iso2"].to_numpy(object)[row[hit]]
    block[hit] = (blocks["start_hex"] + "-" + blocks["end_hex"]).to_numpy(object)[row[hit]]
    iso2[pd.isna(iso2)] = None
    icao24 = np.where(valid, keys, raw.to_numpy(object))
    return pd.DataFrame(
        {
            "icao24": icao24,
            "valid": valid,
            "country": country,
            "iso2": iso2,
            "block": block,
            "military": military,
        }
    )
