"""Which airport, and which runway, a fix or a group of fixes belongs to.

Assignment uses runway geometry, not only the airport reference point:

* On the ground, the airport is the one whose runway centreline segment (threshold to
  threshold) is nearest; airports without runway coordinates use their reference point.
  Ground fixes at Cairo International (HECA) are nearer HECA's runways than Almaza's (HEAZ)
  5 km away, whatever the reference points say.
* In the air near an airport, a fix on a runway's extended centreline, flying the runway's
  heading, on the approach side (arriving) or beyond the far threshold (departing), fits that
  runway: cost = cross-track distance + 5 % of the distance to the threshold. A fix that is on
  no centreline costs its distance to the nearest runway plus ``off_centreline_km``. The
  cheapest airport wins; the runway is reported when the fix is on its centreline.
* An airport without runway coordinates (most small strips) is judged on its reference point
  and the track's own alignment: a fix whose track points at the reference point (arriving;
  away from it, departing), within ``align_deg`` and the cone widened by ``assign_no_runway_km``,
  costs its distance + ``assign_no_runway_km`` instead of + ``off_centreline_km``. Distance stays
  first (a reference point may lie a kilometre off the runway's line, so the cross-track
  offset alone would prefer a strip further along the line, as a benchmark showed), and a
  runway centreline the track is on still wins.

Scoring is vectorised over many fixes at once (:func:`score_many`: every fix-airport pair,
then every pair-runway-direction combination, then a per-pair minimum); :func:`score_fix` and
:func:`fit_fix` are the one-fix views of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from flightcheck.geo import angle_diff_deg, bearing_deg, local_xy_km
from flightcheck.segment.airportindex import AirportIndex
from flightcheck.settings import DEFAULT, EngineSettings


@dataclass
class Score:
    """How well one fix fits one airport: ``airport`` (index), ``cost_km`` (lower is better),
    ``distance_km`` to the nearest runway (or reference point), ``runway`` end ident when on a
    centreline, ``threshold_km`` distance to that runway's threshold, ``cross_km`` cross-track
    offset."""

    airport: int
    cost_km: float
    distance_km: float
    runway: str | None
    threshold_km: float | None
    cross_km: float | None


@dataclass
class Fit(Score):
    """The best airport for a fix (a :class:`Score`), with the ``runner_up`` (index or None)
    and its ``runner_up_cost_km``."""

    runner_up: int | None
    runner_up_cost_km: float | None


def _segment_geometry(ix: AirportIndex, rws: np.ndarray, lat, lon):
    """Per runway: (distance to segment, along-track from low end, signed cross, length) km,
    of the point(s) ``lat``/``lon`` (scalars or arrays aligned with ``rws``)."""
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


@dataclass
class Scores:
    """Scores of many (fix, airport) pairs, one row per pair, sorted by fix then cost (best
    first; ties by distance to the reference point, then airport index). ``query`` fix number,
    ``airport`` index, ``cost_km``, ``distance_km`` to the nearest runway (or reference
    point), ``ref_km`` to the reference point, ``runway`` index into the runway arrays when on
    a centreline (else -1), ``forward`` (landing towards the high end: the low end's ident),
    ``threshold_km`` and ``cross_km`` (NaN off centreline); ``start[q]:start[q + 1]`` are the
    rows of fix ``q``."""

    ix: AirportIndex
    query: np.ndarray
    airport: np.ndarray
    cost_km: np.ndarray
    distance_km: np.ndarray
    ref_km: np.ndarray
    runway: np.ndarray
    forward: np.ndarray
    threshold_km: np.ndarray
    cross_km: np.ndarray
    start: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))

    def __len__(self) -> int:
        return len(self.query)

    def runway_end(self, row: int) -> str | None:
        """Runway end ident of row ``row`` (None off centreline)."""
        r = int(self.runway[row])
        if r < 0:
            return None
        return str(self.ix.rw_le[r] if self.forward[row] else self.ix.rw_he[r])

    def score(self, row: int) -> Score:
        """Row ``row`` as a :class:`Score`."""
        on = self.runway[row] >= 0
        return Score(
            int(self.airport[row]),
            float(self.cost_km[row]),
            float(self.distance_km[row]),
            self.runway_end(row),
            float(self.threshold_km[row]) if on else None,
            float(self.cross_km[row]) if on else None,
        )


def _reference_alignment(
    ix: AirportIndex,
    ap: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    trk: np.ndarray,
    ref_km: np.ndarray,
    phase: str,
    s: EngineSettings,
) -> np.ndarray:
    """Cost (km) of fixes whose track points at (arrive) or away from (depart) the reference
    points of airports ``ap`` without runway coordinates, ``ref_km`` away; inf when it does
    not (see the module docstring)."""
    if phase == "arrive":
        brg = bearing_deg(lat, lon, ix.lat[ap], ix.lon[ap])
    else:
        brg = bearing_deg(ix.lat[ap], ix.lon[ap], lat, lon)
    diff = np.radians(angle_diff_deg(trk, brg))
    along = ref_km * np.cos(diff)
    cross = ref_km * np.abs(np.sin(diff))
    with np.errstate(invalid="ignore"):
        ok = (
            np.isfinite(trk)
            & (np.degrees(diff) <= s.align_deg)
            & (
                cross
                <= s.cone_min_km + s.assign_no_runway_km + s.cone_share * np.maximum(along, 0.0)
            )
        )
    return np.where(ok, ref_km + s.assign_no_runway_km, np.inf)


def score_pairs(
    ix: AirportIndex,
    q: np.ndarray,
    ap: np.ndarray,
    ref_km: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    trk: np.ndarray,
    phase: str,
    n_queries: int | None = None,
    s: EngineSettings = DEFAULT,
) -> Scores:
    """Scores of the given (fix ``q``, airport ``ap``) pairs, ``ref_km`` apart; ``lat``,
    ``lon``, ``trk`` are per fix; ``phase``: ground, arrive, depart. Sorted as :class:`Scores`."""
    q = np.asarray(q, dtype=np.int64)
    ap = np.asarray(ap, dtype=np.int64)
    ref_km = np.asarray(ref_km, dtype=np.float64)
    n_pairs = len(q)
    order, starts = ix._rw_by_airport
    n_rw = starts[ap + 1] - starts[ap]
    pair = np.repeat(np.arange(n_pairs), n_rw)
    first = np.repeat(starts[ap] - (np.cumsum(n_rw) - n_rw), n_rw)
    rws = order[first + np.arange(len(pair))]
    plat, plon = lat[q[pair]], lon[q[pair]]
    dist, along, cross, length = _segment_geometry(ix, rws, plat, plon)
    d = ref_km.copy()
    if len(pair):
        has = n_rw > 0
        d_min = np.full(n_pairs, np.inf)
        np.minimum.at(d_min, pair, dist)
        d[has] = d_min[has]
    penalty = 0.0 if phase == "ground" else s.off_centreline_km
    cost = d + penalty
    if phase != "ground" and n_pairs:
        bare = np.flatnonzero(n_rw == 0)
        cost[bare] = np.minimum(
            cost[bare],
            _reference_alignment(
                ix, ap[bare], lat[q[bare]], lon[q[bare]], trk[q[bare]], ref_km[bare], phase, s
            ),
        )
    runway = np.full(n_pairs, -1, dtype=np.int64)
    forward = np.zeros(n_pairs, dtype=bool)
    thr = np.full(n_pairs, np.nan)
    off_out = np.full(n_pairs, np.nan)
    if phase != "ground" and len(pair):
        ptrk = trk[q[pair]]
        cands = []
        for fwd in (True, False):
            hdg = ix.rw_hdg[rws] if fwd else (ix.rw_hdg[rws] + 180.0) % 360.0
            a = along if fwd else length - along
            to_thr = -a if phase == "arrive" else a - length
            off = np.abs(cross)
            with np.errstate(invalid="ignore"):
                ok = (
                    np.isfinite(ptrk)
                    & ~(angle_diff_deg(ptrk, hdg) > s.align_deg)
                    & ~(to_thr < -length)
                    & ~(off > s.cone_min_km + s.cone_share * np.maximum(to_thr, 0.0))
                )
            c = off + 0.05 * np.maximum(to_thr, 0.0)
            k = np.flatnonzero(ok)
            # iteration order of the one-fix rule: runway by runway, forward then backward
            cands.append(
                (
                    pair[k],
                    c[k],
                    2 * k + (0 if fwd else 1),
                    rws[k],
                    np.full(len(k), fwd),
                    np.maximum(to_thr[k], 0.0),
                    off[k],
                )
            )
        cp, cc, co, cr, cf, ct, cx = (np.concatenate(x) for x in zip(*cands, strict=True))
        better = cc < cost[cp]
        cp, cc, co, cr, cf, ct, cx = (x[better] for x in (cp, cc, co, cr, cf, ct, cx))
        if len(cp):
            o = np.lexsort((co, cc, cp))
            cp, cc, cr, cf, ct, cx = (x[o] for x in (cp, cc, cr, cf, ct, cx))
            keep = np.ones(len(cp), dtype=bool)
            keep[1:] = cp[1:] != cp[:-1]
            cp = cp[keep]
            cost[cp], runway[cp], forward[cp] = cc[keep], cr[keep], cf[keep]
            thr[cp], off_out[cp] = ct[keep], cx[keep]
    o = np.lexsort((ap, ref_km, cost, q))
    out = Scores(
        ix, q[o], ap[o], cost[o], d[o], ref_km[o], runway[o], forward[o], thr[o], off_out[o]
    )
    nq = int(n_queries if n_queries is not None else (q.max() + 1 if len(q) else 0))
    out.start = np.searchsorted(out.query, np.arange(nq + 1))
    return out


def score_many(
    ix: AirportIndex,
    lat,
    lon,
    trk=None,
    phase: str = "ground",
    radius_km: float = 30.0,
    s: EngineSettings = DEFAULT,
) -> Scores:
    """Every airport within ``radius_km`` of each fix with its cost (see the module
    docstring); ``phase``: ground, arrive, depart. Vectorised over all fixes."""
    lat = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    lon = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    trk = (
        np.full(len(lat), np.nan)
        if trk is None
        else np.atleast_1d(np.asarray(trk, dtype=np.float64))
    )
    q, ap, ref = ix.near_many(lat, lon, radius_km)
    return score_pairs(ix, q, ap, ref, lat, lon, trk, phase, len(lat), s)


def best_two(scores: Scores) -> tuple[np.ndarray, np.ndarray]:
    """Per fix: row of the best score and of the runner-up in ``scores`` (-1 when none)."""
    st = scores.start
    n = np.diff(st)
    best = np.where(n >= 1, st[:-1], -1)
    second = np.where(n >= 2, st[:-1] + 1, -1)
    return best, second


def score_fix(
    ix: AirportIndex,
    lat: float,
    lon: float,
    trk: float = np.nan,
    phase: str = "ground",
    radius_km: float = 30.0,
    s: EngineSettings = DEFAULT,
) -> list[Score]:
    """Every airport within ``radius_km`` of one fix with its cost; ``phase``: ground, arrive,
    depart. Sorted by cost, best first."""
    found = score_many(ix, [lat], [lon], [trk], phase, radius_km, s)
    return [found.score(r) for r in range(len(found))]


def fit_fix(
    ix: AirportIndex,
    lat: float,
    lon: float,
    trk: float = np.nan,
    phase: str = "ground",
    radius_km: float = 30.0,
    s: EngineSettings = DEFAULT,
) -> Fit | None:
    """Best airport within ``radius_km`` for one fix, with the runner-up."""
    scores = score_fix(ix, lat, lon, trk, phase, radius_km, s)
    if not scores:
        return None
    b = scores[0]
    r = scores[1] if len(scores) > 1 else None
    return Fit(
        b.airport,
        b.cost_km,
        b.distance_km,
        b.runway,
        b.threshold_km,
        b.cross_km,
        r.airport if r else None,
        r.cost_km if r else None,
    )
