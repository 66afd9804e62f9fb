"""Small formatting helpers shared by the writers."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd


def utc(t: float, fmt: str = "%Y-%m-%dT%H:%M:%SZ") -> str:
    """Format Unix seconds in UTC with ``fmt`` (``%f`` gives microseconds)."""
    return datetime.fromtimestamp(t, tz=UTC).strftime(fmt)


def ms(t: float) -> str:
    """Milliseconds part of Unix seconds, 3 digits."""
    return f"{int(round((t % 1) * 1000)) % 1000:03d}"


def sorted_points(points: pd.DataFrame) -> pd.DataFrame:
    """Fixes ordered by aircraft then time (stable), index reset."""
    return points.sort_values(["icao24", "time"], kind="stable").reset_index(drop=True)


def intish(x: float) -> str:
    """A number as an integer string, empty for NaN."""
    return "" if x is None or not np.isfinite(x) else str(int(round(x)))


def thousands(x: float) -> str:
    """Integer with thousands separators (3,300)."""
    return f"{int(round(x)):,}"
