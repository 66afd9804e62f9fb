"""Gaps: silences between fixes, the time they leave unaccounted, and where the aircraft
could have stopped in it.

For a silence of ``T`` seconds between fixes A and B of one aircraft, the direct flight takes
``d(A, B) / v`` where ``v`` is the aircraft's fastest observed airborne ground speed (its
cruise speed; 250 kt when never reported). The unaccounted time is ``T - d/v``; when it is
more than ``max(MARGIN_S, MARGIN_SHARE x d/v)``, the candidates are the airports P inside the
time-distance ellipse ``d(A, P) + d(P, B) <= v (T - MIN_TURN_S)`` (reach P, stop at least
``MIN_TURN_S``, reach B), with a runway long enough for the aircraft (jets: 4,000 ft).

Ranking (a log-score, higher is better; documented so a reader can follow it):
  * descent profile at A: a fix at height h above P and descending should be about
    h / 300 ft per NM from P (-(ln((d+5)/(D+5)))^2 / 0.5); at any trend, P nearer than half
    that profile distance is penalised the same way;
  * climb profile at B, the same way;
  * heading: when P is more than 30 km from A (B), the track at A should point to P (at B
    away from P): -(difference / 90 deg)^2;
  * airport size: large 0, medium -0.5, small -2.
"""

from __future__ import annotations

import numpy as np

from flightcheck.segment.context import JET_RUNWAY_FT, Context
from flightcheck.segment.evidence import clock, duration, feet
from flightcheck.segment.geometry import (
    KM_PER_DEG,
    KT_TO_KMS,
    angle_diff_deg,
    bearing_deg,
    geodesic_km,
    haversine_km,
)
from flightcheck.segment.stops import MIN_GAP_S, ts

MARGIN_S = 900.0
MARGIN_SHARE = 0.15
MIN_TURN_S = 600.0
MAX_CANDIDATES = 10
FT_PER_KM_PROFILE = 300.0 / 1.852
SIZE_SCORE = {3: 0.0, 2: -0.5, 1: -2.0}
PARKED_KM = 3.0

GAP_COLUMNS = ["icao24", "start", "end", "duration_s", "distance_km", "direct_s",
               "unaccounted_s", "explained_by", "candidates", "evidence", "rows"]


def silences(ctx: Context, min_s: float = MIN_GAP_S) -> np.ndarray:
    """Indices of fixes followed by a silence of at least ``min_s`` (same aircraft)."""
    p = ctx.pts
    if len(p.t) < 2:
        return np.empty(0, dtype=np.int64)
    i = np.flatnonzero((p.code[1:] == p.code[:-1]) & (p.t[1:] - p.t[:-1] >= min_s))
    return i


def gaps(ctx: Context, idx: np.ndarray, explained: dict[int, str]) -> list[dict]:
    """Gap records for silences starting at fixes ``idx``; ``explained`` maps a start index to
    the stop that accounts for it. Parked silences (ground on both sides, same place) are left
    out: the aircraft was on the ground."""
    p = ctx.pts
    out = []
    for a in idx.tolist():
        b = a + 1
        d = float(haversine_km(p.lat[a], p.lon[a], p.lat[b], p.lon[b]))
        if p.ground[a] and p.ground[b] and d <= PARKED_KM:
            continue
        out.append(_gap(ctx, a, b, d, explained.get(a)))
    return out


def _gap(ctx: Context, a: int, b: int, d: float, explained: str | None) -> dict:
    p = ctx.pts
    c = p.code[a]
    v = ctx.cruise_kt[c] * KT_TO_KMS
    silence = p.t[b] - p.t[a]
    direct = d / v
    unaccounted = max(0.0, silence - direct)
    cands: list[dict] = []
    if unaccounted > max(MARGIN_S, MARGIN_SHARE * direct):
        cands = candidates(ctx, a, b)
        if explained:  # the airport of the stop that explains the gap ranks first
            code = explained.rsplit(" ", 1)[-1]
            cands.sort(key=lambda x: x["airport"] != code)
    text = (f"silent {duration(silence)} from {clock(p.t[a])} ({feet(p.alt[a])}, {ctx.src(a)}) "
            f"to {clock(p.t[b])} ({feet(p.alt[b])}, {ctx.src(b)}); "
            f"{geodesic_km(p.lat[a], p.lon[a], p.lat[b], p.lon[b]):.0f} km apart, "
            f"{duration(direct)} direct at {ctx.cruise_kt[c]:.0f} kt, "
            f"{duration(unaccounted)} unaccounted")
    if explained:
        text += f"; accounted for by the {explained}"
    if cands:
        text += "; could have stopped at " + ", ".join(x["airport"] for x in cands[:5])
    return {"icao24": str(p.icao24s[c]), "start": ts(p.t[a]), "end": ts(p.t[b]),
            "duration_s": float(silence), "distance_km": d, "direct_s": float(direct),
            "unaccounted_s": float(unaccounted), "explained_by": explained,
            "candidates": cands, "evidence": text,
            "rows": [ctx.cite.ref(int(p.pos[a])), ctx.cite.ref(int(p.pos[b]))]}


def _profile_penalty(d: np.ndarray, h: np.ndarray, descending: bool) -> np.ndarray:
    want = np.maximum(h, 0.0) / FT_PER_KM_PROFILE
    r = np.log((d + 5.0) / (want + 5.0))
    pen = r ** 2 / 0.5
    if descending:
        return pen
    return np.where(d < want / 2, (np.log((d + 5.0) / (want / 2 + 5.0))) ** 2 / 0.5, 0.0)


def candidates(ctx: Context, a: int, b: int, k: int = MAX_CANDIDATES) -> list[dict]:
    """Airports the aircraft could have reached, stopped at and left between fixes a and b."""
    p, ix = ctx.pts, ctx.ix
    c = p.code[a]
    v = ctx.cruise_kt[c] * KT_TO_KMS
    reach = v * (p.t[b] - p.t[a] - MIN_TURN_S)
    if reach <= 0:
        return []
    half = reach / 2
    lat_mid = (p.lat[a] + p.lat[b]) / 2
    dlat = half / KM_PER_DEG
    lo = np.searchsorted(ix.lat, min(p.lat[a], p.lat[b]) - dlat)
    hi = np.searchsorted(ix.lat, max(p.lat[a], p.lat[b]) + dlat, side="right")
    idx = np.arange(lo, hi)
    if not len(idx):
        return []
    d1 = haversine_km(p.lat[a], p.lon[a], ix.lat[idx], ix.lon[idx])
    d2 = haversine_km(ix.lat[idx], ix.lon[idx], p.lat[b], p.lon[b])
    ok = d1 + d2 <= reach
    if ctx.jet[c]:
        ok &= (ix.longest_ft[idx] >= JET_RUNWAY_FT) | (
            np.isnan(ix.longest_ft[idx]) & (ix.type_rank[idx] >= 2))
    idx, d1, d2 = idx[ok], d1[ok], d2[ok]
    if not len(idx):
        return []
    elev = np.nan_to_num(ix.elev_ft[idx])
    score = np.vectorize(SIZE_SCORE.get)(ix.type_rank[idx]).astype(float)
    for k_fix, dist, sign in ((a, d1, -1), (b, d2, +1)):
        if p.ground[k_fix]:
            score -= dist  # on the ground: the stop is where the aircraft is
            continue
        if np.isfinite(p.alt[k_fix]):
            vr = p.vr[k_fix]
            # towards the stop: descending before it (sign -1), climbing after it (+1)
            towards = bool(np.isfinite(vr) and vr * sign > 300)
            score -= _profile_penalty(dist, p.alt[k_fix] - elev, towards)
        if np.isfinite(p.trk[k_fix]):
            if sign < 0:
                brg = bearing_deg(p.lat[a], p.lon[a], ix.lat[idx], ix.lon[idx])
            else:
                brg = bearing_deg(ix.lat[idx], ix.lon[idx], p.lat[b], p.lon[b])
            diff = angle_diff_deg(p.trk[k_fix], brg)
            score -= np.where(dist > 30.0, (diff / 90.0) ** 2, 0.0)
    order = np.argsort(-score, kind="stable")[:k]
    silence = p.t[b] - p.t[a]
    del lat_mid
    return [{"airport": str(ix.code[i]), "airport_name": str(ix.name[i]),
             "country": ix.country[i], "distance_km": round(float(d1[j]), 1),
             "distance_after_km": round(float(d2[j]), 1),
             "max_ground_s": round(float(silence - (d1[j] + d2[j]) / v), 0),
             "runway_ft": None if np.isnan(ix.longest_ft[i]) else float(ix.longest_ft[i]),
             "score": round(float(score[j]), 3)}
            for j, i in ((j, int(idx[j])) for j in order)]
