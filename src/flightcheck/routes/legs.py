"""Legs: the flight between two consecutive stops of one aircraft.

A leg starts at a stop's departure and ends at the next stop's arrival. Before the first stop
and after the last one, a leg with an unknown end is kept when the aircraft is seen flying
there (the data starts or ends in the air). Coverage is the fraction of the leg's duration
in which consecutive fixes are at most ``covered_gap_s`` apart.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from flightcheck import findings
from flightcheck.routes.sources import ALSO_SEEN, merged_sources
from flightcheck.settings import DEFAULT
from flightcheck.track.table import time_s

LEG_COLUMNS = findings.names(findings.LEGS)
"""The legs table's columns (with dtypes and units in :data:`flightcheck.findings.LEGS`)."""


def coverage_fraction(
    t: np.ndarray, start: float, end: float, covered_gap_s: float = DEFAULT.leg_covered_gap_s
) -> float:
    """Fraction of [start, end] (Unix s) covered by fixes ``t`` at most ``covered_gap_s`` apart.

    The edges count as covered only as far as the first/last fix allows: a leg whose first
    fix comes 20 min after the departure estimate has those 20 min uncovered.
    """
    if end <= start:
        return 1.0 if len(t) else 0.0
    if len(t) == 0:
        return 0.0
    pts = np.concatenate([[start], np.clip(t, start, end), [end]])
    steps = np.diff(pts)
    return float(steps[steps <= covered_gap_s].sum() / (end - start))


def _stop_time(value: object) -> float | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return pd.Timestamp(value).timestamp()


def _window_mid(stop: pd.Series | dict, field: str) -> float | None:
    """A stop's arrival/departure, or the middle of its window when only that is known."""
    t = _stop_time(stop.get(field))
    if t is not None:
        return t
    window = stop.get(f"{field}_window")
    if isinstance(window, (list, tuple)) and len(window) == 2:
        a, b = _stop_time(window[0]), _stop_time(window[1])
        if a is not None and b is not None:
            return (a + b) / 2
    return None


def legs_of(
    df: pd.DataFrame, stops: pd.DataFrame, covered_gap_s: float = DEFAULT.leg_covered_gap_s
) -> pd.DataFrame:
    """Legs of ONE aircraft from its track table rows ``df`` and its ``stops`` (time-sorted).

    Returns a table of the declared schema :data:`flightcheck.findings.LEGS`; ``from``/``to``
    are airport codes (missing when the data starts or ends in the air),
    ``departure``/``arrival`` UTC times (missing when outside the data),
    ``first_index``/``last_index`` positional indices into ``df`` of the leg's first and
    last fix (-1 when the leg has no fix; ``build_routes`` turns them into
    positions among all the aircraft's rows of the track table, flagged ones included).
    """
    if df.empty:
        return findings.frame([], findings.LEGS)
    also = df[ALSO_SEEN].to_numpy(object) if ALSO_SEEN in df.columns else None
    return legs_from(
        df["icao24"].iloc[0], time_s(df), df["source"].to_numpy(), stops, covered_gap_s, also
    )


def legs_from(
    icao24: str,
    t: np.ndarray,
    sources: np.ndarray,
    stops: pd.DataFrame,
    covered_gap_s: float = DEFAULT.leg_covered_gap_s,
    also: np.ndarray | None = None,
) -> pd.DataFrame:
    """:func:`legs_of` from one aircraft's fix times ``t`` (Unix s, sorted, at least one),
    ``sources`` and ``also`` (the ``also_seen`` column, if any) per fix: for callers that
    hold the columns of every aircraft."""
    cols = list(stops.columns)
    rows_of_stops = [
        dict(zip(cols, row, strict=True)) for row in stops.to_numpy(dtype=object).tolist()
    ]
    return findings.frame(
        leg_records(icao24, t, sources, rows_of_stops, covered_gap_s, also), findings.LEGS
    )


def leg_records(
    icao24: str,
    t: np.ndarray,
    sources: np.ndarray,
    rows_of_stops: list[dict[str, Any]],
    covered_gap_s: float = DEFAULT.leg_covered_gap_s,
    also: np.ndarray | None = None,
) -> list[dict[str, Any]]:
    """The rows of :func:`legs_from` as dicts (keys :data:`LEG_COLUMNS`) from the stops'
    records (their frame as one object array: a row Series per stop cost ~0.2 ms each);
    a leg's sources include the reports merged into its fixes (``also``)."""
    bounds: list[tuple[dict | None, dict | None]] = []
    if not rows_of_stops:
        bounds.append((None, None))
    else:
        first_arr = _window_mid(rows_of_stops[0], "arrival")
        if first_arr is not None and (t < first_arr - 60).any():
            bounds.append((None, rows_of_stops[0]))
        bounds.extend(itertools.pairwise(rows_of_stops))
        last_dep = _window_mid(rows_of_stops[-1], "departure")
        if last_dep is not None and (t > last_dep + 60).any():
            bounds.append((rows_of_stops[-1], None))
    rows = []
    for n, (a, b) in enumerate(bounds, start=1):
        dep = _window_mid(a, "departure") if a is not None else None
        arr = _window_mid(b, "arrival") if b is not None else None
        lo = dep if dep is not None else t[0]
        hi = arr if arr is not None else t[-1]
        i0 = int(np.searchsorted(t, lo, side="left"))
        i1 = int(np.searchsorted(t, hi, side="right")) - 1
        seg = t[i0 : i1 + 1]
        rows.append(
            {
                "icao24": icao24,
                "leg": n,
                "from": a["airport"] if a is not None else None,
                "to": b["airport"] if b is not None else None,
                "from_country": a["country"] if a is not None else None,
                "to_country": b["country"] if b is not None else None,
                "departure": pd.Timestamp(dep, unit="s", tz="UTC") if dep is not None else None,
                "arrival": pd.Timestamp(arr, unit="s", tz="UTC") if arr is not None else None,
                "duration_s": (hi - lo),
                "points": int(len(seg)),
                "coverage": round(coverage_fraction(seg, lo, hi, covered_gap_s), 3),
                "sources": _leg_sources(sources, also, i0, i1) if len(seg) else [],
                "first_index": i0 if len(seg) else -1,
                "last_index": i1 if len(seg) else -1,
            }
        )
    return rows


def _leg_sources(sources: np.ndarray, also: np.ndarray | None, i0: int, i1: int) -> list[str]:
    """Every input that saw a fix of positions ``i0..i1``: their sources and the reports
    merged into them (``also_seen``)."""
    seen = {str(s) for s in sources[i0 : i1 + 1].tolist()}
    if also is not None:
        seen |= merged_sources(also[i0 : i1 + 1])
    return sorted(seen)
