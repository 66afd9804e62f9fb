"""What every detector needs: the cleaned fixes, the airport index, citations, speeds and
each aircraft's runway needs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from flightcheck.geo import bearing_deg, step_km
from flightcheck.segment.airportindex import AirportIndex
from flightcheck.segment.evidence import Cite
from flightcheck.segment.phases import Points
from flightcheck.segment.runwayfit import Needs, needs
from flightcheck.settings import DEFAULT, EngineSettings


@dataclass
class Context:
    """``cruise_kt``: per aircraft code, its fastest plausible observed airborne ground speed
    (used for time-distance reasoning); ``needs``: per aircraft code, the runway it needs
    (:mod:`.runwayfit`: by type code when known, else by speed); ``settings``: the
    thresholds every detector reads."""

    pts: Points
    ix: AirportIndex
    cite: Cite
    cruise_kt: np.ndarray
    needs: Needs
    settings: EngineSettings = DEFAULT

    def src(self, i: int) -> str:
        """Citation of cleaned fix ``i``."""
        return self.cite.one(int(self.pts.pos[i]))


def cruise_speeds(pts: Points, settings: EngineSettings = DEFAULT) -> np.ndarray:
    """Per aircraft: its fastest airborne ground speed of at most ``cruise_max_gs_kt``, kt
    (NaN when none is above ``cruise_seen_min_kt``)."""
    n_ac = len(pts.icao24s)
    out = np.full(n_ac, np.nan)
    gs = np.where(~pts.ground & (pts.gs <= settings.cruise_max_gs_kt), pts.gs, -1.0)
    if len(gs):
        mx = np.maximum.reduceat(gs, pts.start) if len(pts.start) else np.empty(0)
        out[pts.code[pts.start]] = mx
    out[~(out > settings.cruise_seen_min_kt)] = np.nan
    return out


def aircraft_types(df: pd.DataFrame, pts: Points) -> np.ndarray:
    """Per aircraft code, its ICAO type code (None unknown): the one at its first kept fix,
    else the first non-empty one among its fixes. ``pts.pos`` must still index ``df``."""
    out = np.full(len(pts.icao24s), None, dtype=object)
    if "typecode" not in df.columns or not len(pts.t):
        return out
    col = df["typecode"]
    codes = pts.code[pts.start]
    first = col.iloc[pts.pos[pts.start]].to_numpy(dtype=object, na_value=None)
    ok = np.array([isinstance(v, str) and v.strip() != "" for v in first], dtype=bool)
    out[codes[ok]] = [v.strip() for v in first[ok]]
    missing = codes[~ok]
    if len(missing) and col.notna().any():
        k = np.flatnonzero(np.isin(pts.code, missing))
        vals = col.iloc[pts.pos[k]].to_numpy(dtype=object, na_value=None)
        has = (
            np.flatnonzero([isinstance(v, str) and v.strip() != "" for v in vals])
            if len(vals)
            else np.empty(0, np.int64)
        )
        found, at = np.unique(pts.code[k[has]], return_index=True)  # k is in fix order
        out[found] = [str(v).strip() for v in vals[has[at]]]
    return out


def build(
    pts: Points,
    ix: AirportIndex,
    sources: np.ndarray,
    rows: np.ndarray,
    typecodes: np.ndarray | None = None,
    settings: EngineSettings = DEFAULT,
) -> Context:
    """A :class:`Context` for ``pts``; ``typecodes`` per aircraft code (None: unknown)."""
    seen = cruise_speeds(pts, settings)
    types = typecodes if typecodes is not None else np.full(len(pts.icao24s), None, object)
    cruise = np.where(
        np.isnan(seen),
        settings.default_cruise_kt,
        np.clip(seen, settings.cruise_min_kt, settings.cruise_max_kt),
    )
    return Context(pts, ix, Cite(sources, rows), cruise, needs(types, seen, settings), settings)


def track_at(ctx: Context, k: np.ndarray, step: int) -> np.ndarray:
    """Track at fixes ``k``: the reported one, else the bearing from (to) the neighbour
    ``k + step`` of the same aircraft within ``neighbour_window_s``."""
    p = ctx.pts
    trk = p.trk[k].copy()
    j = np.clip(k + step, 0, max(len(p.t) - 1, 0))
    ok = (
        ~np.isfinite(trk)
        & (p.code[j] == p.code[k])
        & (j != k)
        & (np.abs(p.t[j] - p.t[k]) <= ctx.settings.neighbour_window_s)
    )
    if ok.any():
        a, b = (j[ok], k[ok]) if step < 0 else (k[ok], j[ok])
        moved = step_km(p.lat[a], p.lon[a], p.lat[b], p.lon[b]) > 0.05
        brg = bearing_deg(p.lat[a], p.lon[a], p.lat[b], p.lon[b])
        trk[np.flatnonzero(ok)[moved]] = brg[moved]
    return trk
