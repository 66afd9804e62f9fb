"""What every detector needs: the cleaned fixes, the airport index, citations, speeds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flightcheck.segment.airportindex import AirportIndex
from flightcheck.segment.evidence import Cite
from flightcheck.segment.phases import Points

DEFAULT_CRUISE_KT = 250.0
"""Speed assumed for an aircraft whose ground speed is never reported, kt."""
JET_KT = 280.0
"""An aircraft seen faster than this needs a paved runway of ``JET_RUNWAY_FT`` or more."""
JET_RUNWAY_FT = 4000.0


@dataclass
class Context:
    """``cruise_kt``: per aircraft code, its fastest plausible observed airborne ground speed
    (used for time-distance reasoning); ``jet``: per aircraft code, seen faster than JET_KT."""

    pts: Points
    ix: AirportIndex
    cite: Cite
    cruise_kt: np.ndarray
    jet: np.ndarray

    def src(self, i: int) -> str:
        """Citation of cleaned fix ``i``."""
        return self.cite.one(int(self.pts.pos[i]))


def cruise_speeds(pts: Points) -> np.ndarray:
    """Per aircraft: 95th-percentile-like airborne ground speed (max of speeds <= 650 kt)."""
    n_ac = len(pts.icao24s)
    out = np.full(n_ac, np.nan)
    gs = np.where(~pts.ground & (pts.gs <= 650.0), pts.gs, -1.0)
    if len(gs):
        mx = np.maximum.reduceat(gs, pts.start) if len(pts.start) else np.empty(0)
        out[pts.code[pts.start]] = mx
    out[~(out > 60.0)] = np.nan
    return out


def build(pts: Points, ix: AirportIndex, sources: np.ndarray, rows: np.ndarray) -> Context:
    """A :class:`Context` for ``pts``."""
    cruise = cruise_speeds(pts)
    jet = cruise > JET_KT
    cruise = np.where(np.isnan(cruise), DEFAULT_CRUISE_KT, np.clip(cruise, 90.0, 600.0))
    return Context(pts, ix, Cite(sources, rows), cruise, jet)
