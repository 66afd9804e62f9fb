"""Which airport, and which runway, a fix or a group of fixes belongs to.

Assignment uses runway geometry, not only the airport reference point:

* On the ground, the airport is the one whose runway centreline segment (threshold to
  threshold) is nearest; airports without runway coordinates use their reference point.
  Ground fixes at Cairo International (HECA) are nearer HECA's runways than Almaza's (HEAZ)
  5 km away, whatever the reference points say.
* In the air near an airport, a fix on a runway's extended centreline, flying the runway's
  heading, on the approach side (arriving) or beyond the far threshold (departing), fits that
  runway: cost = cross-track distance + 5 % of the distance to the threshold. A fix that is on
  no centreline costs its distance to the nearest runway plus ``OFF_CENTRELINE_KM``. The
  cheapest airport wins; the runway is reported when the fix is on its centreline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flightcheck.segment.airportindex import AirportIndex
from flightcheck.segment.geometry import angle_diff_deg, local_xy_km

OFF_CENTRELINE_KM = 3.0
"""Extra cost of a fix that is on no runway's extended centreline, km."""
ALIGN_DEG = 30.0
"""Largest difference between track and runway heading that still counts as aligned, deg."""
CONE = 0.12
"""Half-width of the approach/departure cone as a fraction of the distance to the threshold."""
CONE_MIN_KM = 0.6
"""Half-width of the cone at the threshold, km."""


@dataclass
class Fit:
    """The best airport for a fix: ``airport`` (index), ``cost_km`` (lower is better),
    ``distance_km`` to the nearest runway (or reference point), ``runway`` end ident when on a
    centreline, ``threshold_km`` distance to that runway's threshold, ``cross_km`` cross-track
    offset, ``runner_up`` (index or None) and its ``runner_up_cost_km``."""

    airport: int
    cost_km: float
    distance_km: float
    runway: str | None
    threshold_km: float | None
    cross_km: float | None
    runner_up: int | None
    runner_up_cost_km: float | None


def _segment_geometry(ix: AirportIndex, rws: np.ndarray, lat: float, lon: float):
    """Per runway: (distance to segment, along-track from low end, signed cross, length) km."""
    x1, y1 = local_xy_km(ix.rw_lat1[rws], ix.rw_lon1[rws], lat, lon)
    x2, y2 = local_xy_km(ix.rw_lat2[rws], ix.rw_lon2[rws], lat, lon)
    dx, dy = x2 - x1, y2 - y1
    length = np.maximum(np.hypot(dx, dy), 1e-6)
    ux, uy = dx / length, dy / length
    along = -x1 * ux - y1 * uy
    cross = -x1 * uy + y1 * ux
    clamped = np.clip(along, 0.0, length)
    dist = np.hypot(-x1 - clamped * ux, -y1 - clamped * uy)
    return dist, along, cross, length


def distance_to_airport(ix: AirportIndex, i: int, lat: float, lon: float,
                        ref_km: float) -> float:
    """Distance in km to airport ``i``'s nearest runway, else to its reference point."""
    rws = ix.runways_of(i)
    if len(rws):
        return float(_segment_geometry(ix, rws, lat, lon)[0].min())
    return float(ref_km)


@dataclass
class Score:
    """How well one fix fits one airport (see :class:`Fit` for the fields)."""

    airport: int
    cost_km: float
    distance_km: float
    runway: str | None
    threshold_km: float | None
    cross_km: float | None


def score_fix(ix: AirportIndex, lat: float, lon: float, trk: float = np.nan,
              phase: str = "ground", radius_km: float = 30.0) -> list[Score]:
    """Every airport within ``radius_km`` of one fix with its cost; ``phase``: ground, arrive,
    depart. Sorted by cost, best first."""
    idx, ref = ix.near(lat, lon, radius_km)
    out: list[Score] = []
    penalty = 0.0 if phase == "ground" else OFF_CENTRELINE_KM
    for i, ref_km in zip(idx, ref, strict=True):
        rws = ix.runways_of(int(i))
        if not len(rws):
            out.append(Score(int(i), float(ref_km) + penalty, float(ref_km), None, None, None))
            continue
        dist, along, cross, length = _segment_geometry(ix, rws, lat, lon)
        d = float(dist.min())
        best = Score(int(i), d + penalty, d, None, None, None)
        if phase != "ground" and np.isfinite(trk):
            for k, r in enumerate(rws):
                for forward in (True, False):
                    hdg = ix.rw_hdg[r] if forward else (ix.rw_hdg[r] + 180.0) % 360.0
                    if angle_diff_deg(trk, hdg) > ALIGN_DEG:
                        continue
                    # km before the landing threshold (arrive) or beyond the far end (depart)
                    a = along[k] if forward else length[k] - along[k]
                    to_thr = -a if phase == "arrive" else a - length[k]
                    if to_thr < -length[k]:  # beyond the runway: not this direction
                        continue
                    off = abs(float(cross[k]))
                    if off > CONE_MIN_KM + CONE * max(to_thr, 0.0):
                        continue
                    cost = off + 0.05 * max(to_thr, 0.0)
                    if cost < best.cost_km:
                        end = ix.rw_le[r] if forward else ix.rw_he[r]
                        best = Score(int(i), cost, d, str(end), max(float(to_thr), 0.0), off)
        out.append(best)
    out.sort(key=lambda s: s.cost_km)
    return out


def fit_fix(ix: AirportIndex, lat: float, lon: float, trk: float = np.nan,
            phase: str = "ground", radius_km: float = 30.0) -> Fit | None:
    """Best airport within ``radius_km`` for one fix, with the runner-up."""
    scores = score_fix(ix, lat, lon, trk, phase, radius_km)
    if not scores:
        return None
    b = scores[0]
    r = scores[1] if len(scores) > 1 else None
    return Fit(b.airport, b.cost_km, b.distance_km, b.runway, b.threshold_km, b.cross_km,
               r.airport if r else None, r.cost_km if r else None)
