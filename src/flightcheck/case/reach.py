"""Could the aircraft have been there? Time–distance reachability of a claimed place.

A claim is only *contradicted* when the data rules it out for the whole window: at every
moment of the window the aircraft was either observed away from the place, or silent for too
short a time to get there (and, for a stop, land, stand, take off) and be back where it was
next seen. This module answers that question for one aircraft, one place and one window.

The model is the time–distance ellipse of the gap candidates (:mod:`flightcheck.segment.gaps`),
one-sided at the data edges, with deliberately generous assumptions, because here a wrong
"impossible" is the worst error the tool can make:

* speed: the fastest ground speed the aircraft was seen flying, plus ``wind_allowance_kt`` of
  tailwind, at most ``max_reach_kt``; ``unknown_reach_kt`` when the data has no speeds at all;
* height: from a fix ``h`` ft above the field, reaching the ground takes at least
  ``h / reach_max_vrate_fpm`` minutes (flown at the same time as the distance, so the longer
  of the two counts);
* a stop needs at least ``reach_min_stop_s`` on the ground (a landing roll to a standstill
  and a take-off roll); presence needs no time at all; leaving a fix on the ground elsewhere (or
  coming back to one) adds ``ground_roll_s``;
* the place: an airport is reached within ``airport_extent_km`` of its reference point (its
  runways reach that far), ``presence_radius_km`` for presence; a country is reached at its
  outline (a lower bound of the distance, :func:`flightcheck.reference.countries.distance_km`).

(The thresholds are fields of :class:`flightcheck.settings.EngineSettings`.)

For each silence in reach of the window (between two fixes, before the first fix, after the
last) the earliest arrival at the place is ``A = t_before + leg_before`` (no bound before the
first fix) and the latest departure ``D = t_after - leg_after`` (none after the last fix). A
stop or presence fits when ``D - A >= dwell``, ``A <= window end`` and ``D >= window start``.
Fixes at the place itself (within the extent, on the ground or low) join the silences either
side: the aircraft may have been standing there all along.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flightcheck.geo import haversine_km
from flightcheck.settings import DEFAULT, EngineSettings
from flightcheck.units import KT_TO_KMS


@dataclass(frozen=True)
class Place:
    """A claimed place: an airport (``code``, position and elevation) or a country (ISO-2).
    ``elev_ft``: the field elevation (for a country, its highest airport's; None: unknown, and
    no descent time is counted)."""

    code: str
    lat: float | None = None
    lon: float | None = None
    elev_ft: float | None = None
    name: str | None = None
    extent_km: float | None = None
    """How far from ``lat``/``lon`` the place reaches (None: ``airport_extent_km``), km."""

    @property
    def is_country(self) -> bool:
        return self.lat is None


@dataclass(frozen=True)
class Opening:
    """A silence in which the aircraft could have been at the place within the window.
    Times are Unix seconds (None: the data's edge); distances km; ``slack_s`` spare time."""

    before: int | None
    after: int | None
    t_before: float | None
    t_after: float | None
    km_before: float | None
    km_after: float | None
    need_s: float
    slack_s: float


@dataclass(frozen=True)
class Reach:
    """The answer for one aircraft, place and window.

    ``openings``: silences that leave room for the claim (empty: ruled out). ``closest``: when
    ruled out, the silence that came nearest to leaving room (with its shortfall as negative
    ``slack_s``). ``speed_kt`` the speed assumed and ``speed_basis`` why; ``fixes`` the fixes
    inside the window; ``vrate_fpm`` the climb or descent rate assumed."""

    openings: list[Opening]
    closest: Opening | None
    speed_kt: float
    speed_basis: str
    dwell_s: float
    fixes: int
    vrate_fpm: float = DEFAULT.reach_max_vrate_fpm

    @property
    def ruled_out(self) -> bool:
        return not self.openings

    @property
    def margin(self) -> float:
        """How decisively the place is ruled out, 0..1: the closest call's shortfall as a
        share of the time it would have needed (1.0: no silence came near; 0 if not ruled
        out)."""
        if self.openings:
            return 0.0
        if self.closest is None:
            return 1.0
        return float(np.clip(-self.closest.slack_s / max(self.closest.need_s, 1e-9), 0, 1))


def assumed_speed_kt(
    t: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    gs: np.ndarray,
    ground: np.ndarray,
    s: EngineSettings = DEFAULT,
) -> tuple[float, str]:
    """(speed in kt, how it was chosen) for the rule-out bound; see the module docstring."""
    air = gs[~ground & np.isfinite(gs) & (gs <= s.reach_error_kt)]
    if len(air):
        top = float(air.max())
        basis = f"fastest observed ground speed {top:.0f} kt"
    else:
        derived, basis = _derived_top_kt(t, lat, lon, s)
        if derived is None:
            return s.unknown_reach_kt, "no speeds in the data"
        top = derived
    speed = min(top + s.wind_allowance_kt, s.max_reach_kt)
    return speed, f"{basis} + {s.wind_allowance_kt:.0f} kt of tailwind"


def _derived_top_kt(
    t: np.ndarray, lat: np.ndarray, lon: np.ndarray, s: EngineSettings
) -> tuple[float | None, str]:
    """The fastest speed between fixes at least ``reach_derived_min_dt_s`` apart (kt), or None."""
    if len(t) < 2:
        return None, ""
    j = np.searchsorted(t, t + s.reach_derived_min_dt_s, side="left")
    ok = j < len(t)
    i, j = np.flatnonzero(ok), j[ok]
    if not len(i):
        return None, ""
    kt = haversine_km(lat[i], lon[i], lat[j], lon[j]) / (t[j] - t[i]) / KT_TO_KMS
    kt = kt[np.isfinite(kt) & (kt <= s.reach_error_kt)]
    if not len(kt) or kt.max() < s.reach_derived_min_kt:
        return None, ""
    return float(kt.max()), f"fastest speed between fixes {float(kt.max()):.0f} kt"


def place_km(
    place: Place, lat: np.ndarray, lon: np.ndarray, presence: bool, s: EngineSettings = DEFAULT
) -> np.ndarray:
    """Lower bound of the km from each fix to the place (0: at it)."""
    if place.is_country:
        return _country_km(place.code, lat, lon)
    extent = s.airport_extent_km if place.extent_km is None else place.extent_km
    radius = max(s.presence_radius_km, extent) if presence else extent
    return np.maximum(haversine_km(lat, lon, place.lat, place.lon) - radius, 0.0)


def _country_km(code: str, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Country distances, exact (as a lower bound) only where they could matter: computed at
    anchor fixes and bounded in between by the triangle inequality (the distance to a place
    changes by at most the distance flown), then computed exactly where the bound is small."""
    from flightcheck.reference.countries import distance_km

    n = len(lat)
    if n <= 2000:
        return distance_km(code, lat, lon)
    anchors = np.unique(np.r_[np.arange(0, n, 200), n - 1])
    d_anchor = distance_km(code, lat[anchors], lon[anchors])
    nearest = anchors[np.clip(np.searchsorted(anchors, np.arange(n)), 0, len(anchors) - 1)]
    which = np.searchsorted(anchors, nearest)
    bound = np.maximum(d_anchor[which] - haversine_km(lat, lon, lat[nearest], lon[nearest]), 0)
    out = bound
    refine = np.flatnonzero(bound < 3000.0)
    refine = refine[~np.isin(refine, anchors)]
    if len(refine):
        out[refine] = distance_km(code, lat[refine], lon[refine])
    out[anchors] = d_anchor
    return out


def assess(
    t: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    alt_ft: np.ndarray,
    gs: np.ndarray,
    ground: np.ndarray,
    place: Place,
    start: float | None,
    end: float | None,
    stop: bool,
    s: EngineSettings = DEFAULT,
) -> Reach:
    """Reachability of ``place`` for one aircraft's cleaned fixes (time-sorted; ``t`` Unix s,
    ``alt_ft`` NaN unknown, ``gs`` kt, ``ground`` bool) within [``start``, ``end``] (Unix s;
    None: unbounded). ``stop``: a full stop is claimed (else presence); ``s``: the thresholds."""
    lo = -np.inf if start is None else float(start)
    hi = np.inf if end is None else float(end)
    speed, basis = assumed_speed_kt(t, lat, lon, gs, ground, s)
    v = speed * KT_TO_KMS
    dwell = s.reach_min_stop_s if stop else 0.0
    km = place_km(place, lat, lon, not stop, s)
    leg = km / v
    if stop:  # the descent to the field (or climb away from it) takes time as well
        elev = float(place.elev_ft) if place.elev_ft is not None else np.inf
        height = np.where(ground | ~np.isfinite(alt_ft), 0.0, np.maximum(alt_ft - elev, 0.0))
        leg = np.maximum(leg, height / s.reach_max_vrate_fpm * 60.0)
        leg = np.where(ground & (km > 0), leg + s.ground_roll_s, leg)  # a roll at either end
    inside = int(((t >= lo) & (t <= hi)).sum())
    away = np.flatnonzero(leg > s.at_place_s)  # fixes at the place join the silences either side
    b = np.r_[-1, away]
    a = np.r_[away, -1]
    t_b = np.where(b >= 0, t[np.maximum(b, 0)], -np.inf)
    t_a = np.where(a >= 0, t[np.maximum(a, 0)], np.inf)
    relevant = (t_a >= lo) & (t_b <= hi)
    b, a, t_b, t_a = b[relevant], a[relevant], t_b[relevant], t_a[relevant]
    leg_b = np.where(b >= 0, leg[np.maximum(b, 0)], 0.0)
    leg_a = np.where(a >= 0, leg[np.maximum(a, 0)], 0.0)
    earliest = t_b + leg_b
    latest = t_a - leg_a
    with np.errstate(invalid="ignore"):
        slack = np.minimum.reduce([latest - earliest - dwell, hi - earliest, latest - lo])
    slack = np.where(np.isnan(slack), np.inf, slack)
    need = leg_b + dwell + leg_a

    def opening(k: int) -> Opening:
        bb, aa = int(b[k]), int(a[k])
        return Opening(
            bb if bb >= 0 else None,
            aa if aa >= 0 else None,
            float(t_b[k]) if bb >= 0 else None,
            float(t_a[k]) if aa >= 0 else None,
            float(km[bb]) if bb >= 0 else None,
            float(km[aa]) if aa >= 0 else None,
            float(need[k]),
            float(slack[k]),
        )

    fits = np.flatnonzero(slack >= 0)
    if len(fits):
        order = fits[np.argsort(-slack[fits], kind="stable")]
        return Reach(
            [opening(int(k)) for k in order],
            None,
            speed,
            basis,
            dwell,
            inside,
            s.reach_max_vrate_fpm,
        )
    closest = opening(int(np.argmax(slack))) if len(slack) else None
    return Reach([], closest, speed, basis, dwell, inside, s.reach_max_vrate_fpm)
