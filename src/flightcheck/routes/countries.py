"""Country chains: the countries of a route's stops, and the countries seen under each leg.

Only what positions show is reported: a stretch with no fixes for longer than
``covered_gap_s`` is an explicit "no data" entry, never a guess of what lies between.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from flightcheck.settings import DEFAULT

SEA = "sea"
"""Marker for positions over no country (open sea)."""

NO_DATA = "?"
"""Marker for a silent stretch: the aircraft was not observed, so the country is unknown."""


def collapse(chain: Iterable[str | None]) -> list[str]:
    """Drop consecutive duplicates and missing entries (None, NaN, ""): EG, EG, CN, RS, RS
    -> EG, CN, RS."""
    out: list[str] = []
    for c in chain:
        if isinstance(c, str) and c and (not out or out[-1] != c):
            out.append(c)
    return out


def overflown(
    lat: np.ndarray,
    lon: np.ndarray,
    t: np.ndarray,
    iso2: Iterable[str | None],
    covered_gap_s: float = DEFAULT.leg_covered_gap_s,
) -> list[dict]:
    """Runs of countries under consecutive fixes (``iso2`` from ``countries.country_of``).

    Returns ``[{"country", "start", "end", "points"}]`` where country is an ISO-2 code,
    :data:`SEA` or :data:`NO_DATA` (a silence longer than ``covered_gap_s`` between fixes);
    start/end are UTC timestamps of the first and last fix of the run.
    """
    n = len(t)
    if n == 0:
        return []
    codes = np.array([c if c else SEA for c in iso2], dtype=object)
    silent_after = np.diff(t) > covered_gap_s
    change = np.concatenate([[True], (codes[1:] != codes[:-1]) | silent_after])
    starts = np.flatnonzero(change)
    ends = np.concatenate([starts[1:] - 1, [n - 1]])
    runs: list[dict] = []
    for s, e in zip(starts, ends, strict=True):
        if runs and s > 0 and t[s] - t[s - 1] > covered_gap_s:
            runs.append(
                {
                    "country": NO_DATA,
                    "start": pd.Timestamp(t[s - 1], unit="s", tz="UTC"),
                    "end": pd.Timestamp(t[s], unit="s", tz="UTC"),
                    "points": 0,
                }
            )
        runs.append(
            {
                "country": str(codes[s]),
                "start": pd.Timestamp(t[s], unit="s", tz="UTC"),
                "end": pd.Timestamp(t[e], unit="s", tz="UTC"),
                "points": int(e - s + 1),
            }
        )
    return runs


def chain_text(runs: list[dict]) -> str:
    """Readable chain of runs, e.g. ``EG → sea → SA → ? → CN`` (consecutive repeats merged)."""
    return " → ".join(collapse(r["country"] for r in runs))
