"""Gaps: silences between fixes, the time they leave unaccounted, and where the aircraft
could have stopped in it.

For a silence of ``T`` seconds between fix A (last before) and fix B (first after) of one
aircraft, the direct flight takes ``d(A, B) / v`` where ``v`` is the aircraft's fastest
observed airborne ground speed (its cruise speed; 250 kt when never reported). The
unaccounted time is ``T - d/v``; when it is more than
``max(gap_margin_s, gap_margin_share x d/v)`` (thresholds: :mod:`flightcheck.settings`), the
candidates are the airports X inside the time-distance ellipse
``d(A, X) + d(X, B) <= reach = v (T - min_turn_s)`` (reach X, stop at least ``min_turn_s``,
reach B). Every landable airport is a candidate: runway suitability (:mod:`.runwayfit`, by
the aircraft's type when known, else by its speed) lowers the ranking and says why, but never
removes the strip a low, aligned track points at.

Ranking: a score (a sum of log-likelihood-like terms, 0 best, each term kept as a reason):

* profile at A: height h above X descending: X should be about h / ``descent_ft_per_nm``
  away (penalty ``2 ln((d+5)/(want+5))^2``, i.e. a factor e^0.5 off costs 0.5); not
  descending and high, X nearer than a steep descent (h / ``steep_ft_per_nm``) is penalised
  the same way; the same at B with the climb (``climb_ft_per_nm``).
* track at A should point to X (at B, away from X), when X is more than ``heading_min_km``
  away: ``0.5 (diff / sigma)^2`` capped at ``heading_cap``, sigma = 10 deg + the angle that
  ``heading_slack_km`` subtends (aircraft follow airways, not great circles).
* detour: the share of the ellipse's slack the detour via X uses (X near the direct path is
  likelier), ``detour_weight`` x share.
* airport: large 0, medium -0.5, small -2; a jet judged by its speed at a runway under
  6,000 ft -1; runway suitability for the aircraft (:func:`.runwayfit.gap_score`): length
  unknown at a small airport -1, surface unknown -0.5, unpaved -1.5, too short -0.5 to -3
  with the shortfall.
* on the ground at A or B: the stop is where the aircraft stands, -1 per km.

A long silence may hide more than one stop: X may also be the *first* of several stops (only
the terms at A count) or the *last* (only those at B), at a cost of ``multi_stop_cost`` and
only when the time budget leaves ``multi_stop_s`` on the ground (two turnarounds and a hop);
the other end then counts as well as the best airport for it alone. The best of the three
readings is X's score, and its ``why`` says which reading it is.

A silence whose ends are both on the ground at the same place (parked) is no gap.
The search is vectorised over all gaps at once: a latitude band per gap (``np.searchsorted``
on the latitude-sorted airports), a longitude window, a test on straight chords (which never
exceed the arcs: arithmetic only), then the exact ellipse test on the great-circle distances.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from flightcheck.geo import (
    EARTH_RADIUS_KM,
    KM_PER_DEG,
    angle_diff_deg,
    geodesic_km_many,
    haversine_km,
    wrap360,
)
from flightcheck.segment import runwayfit
from flightcheck.segment.airportindex import AirportIndex
from flightcheck.segment.context import Context
from flightcheck.segment.evidence import clock, duration, feet
from flightcheck.segment.stops import ts
from flightcheck.settings import DEFAULT, EngineSettings
from flightcheck.units import KT_TO_KMS

FT_PER_NM_TO_FT_PER_KM = 1 / 1.852
SIZE_SCORE = np.array([-2.0, -2.0, -0.5, 0.0])
"""Score by type rank (index 1 small, 2 medium, 3 large)."""
ROLES = (
    "",
    "as the first of several stops (the first fix after fits a later stop)",
    "as the last of several stops (the last fix before fits an earlier stop)",
)
POOL_FITS = (runwayfit.FITS, runwayfit.SURFACE_UNKNOWN, runwayfit.UNPAVED)
"""Fit classes searched over the whole ellipse: runways long enough, whatever the surface."""
CHUNK_PAIRS = 1 << 16
"""Gap-airport pairs examined per vectorised step (bounds memory)."""


def stop_fits(gap: Mapping[str, Any], s: EngineSettings = DEFAULT) -> bool:
    """Whether the engine found room for an unobserved stop in a gap record: unaccounted time
    beyond its margin and a path left after a turnaround, which it records as ``reach_km``
    (None otherwise, for aircraft and vessels alike). The one test every output applies
    before it says a stop is possible; the figure itself is ``unaccounted_s``. A record
    without ``reach_km`` (from an older output) gets the aircraft margin test on its own
    ``unaccounted_s`` and ``direct_s``."""
    if "reach_km" not in gap:
        extra, direct = gap.get("unaccounted_s"), gap.get("direct_s") or 0.0
        return isinstance(extra, (int, float)) and bool(beyond_margin(extra, direct, s))
    reach = gap.get("reach_km")
    return isinstance(reach, (int, float)) and math.isfinite(reach)


def beyond_margin(unaccounted_s, direct_s, s: EngineSettings):
    """Whether unaccounted time (s) exceeds the margin
    ``max(gap_margin_s, gap_margin_share x direct_s)`` of ``s``; scalars or arrays."""
    return unaccounted_s > np.maximum(s.gap_margin_s, s.gap_margin_share * direct_s)


def silences(ctx: Context, min_s: float | None = None) -> np.ndarray:
    """Indices of fixes followed by a silence of at least ``min_s`` (same aircraft; None:
    ``min_silence_s`` of the settings)."""
    if min_s is None:
        min_s = ctx.settings.min_silence_s
    p = ctx.pts
    if len(p.t) < 2:
        return np.empty(0, dtype=np.int64)
    return np.flatnonzero((p.code[1:] == p.code[:-1]) & (p.t[1:] - p.t[:-1] >= min_s))


def _trend_fpm(ctx: Context, k: np.ndarray, step: int) -> np.ndarray:
    """Vertical rate at fixes ``k`` (ft/min): reported, else from the neighbour ``k+step``
    within ``trend_window_s``, else NaN."""
    p = ctx.pts
    j = np.clip(k + step, 0, max(len(p.t) - 1, 0))
    dt = np.abs(p.t[j] - p.t[k])
    ok = (p.code[j] == p.code[k]) & (dt > 0) & (dt <= ctx.settings.trend_window_s)
    with np.errstate(invalid="ignore", divide="ignore"):
        est = (p.alt[k] - p.alt[j]) * (-step) / np.where(ok, dt, 1.0) * 60.0
    est = np.where(ok, est, np.nan)
    return np.where(np.isfinite(p.vr[k]), p.vr[k], est)


def measure(ctx: Context, idx: np.ndarray) -> dict | None:
    """The numeric part of :func:`gaps` (no stop needed: it can run while stops are found):
    the silences starting at fixes ``idx`` that are not parked, their durations, direct
    times, unaccounted times, reach and ranked candidates. None when there is no gap."""
    cfg = ctx.settings
    p = ctx.pts
    a = np.asarray(idx, dtype=np.int64)
    b = a + 1
    d = haversine_km(p.lat[a], p.lon[a], p.lat[b], p.lon[b])
    keep = ~(p.ground[a] & p.ground[b] & (d <= cfg.parked_km))
    a, b, d = a[keep], b[keep], d[keep]
    if not len(a):
        return None
    c = p.code[a]
    v = ctx.cruise_kt[c] * KT_TO_KMS
    silence = p.t[b] - p.t[a]
    direct = d / v
    unaccounted = np.maximum(0.0, silence - direct)
    reach = v * (silence - cfg.min_turn_s)
    want = beyond_margin(unaccounted, direct, cfg) & (reach > 0)
    return {
        "a": a,
        "b": b,
        "d": d,
        "c": c,
        "silence": silence,
        "direct": direct,
        "unaccounted": unaccounted,
        "reach": reach,
        "want": want,
        "cands": candidates(ctx, a, b, want),
        "shown": geodesic_km_many(p.lat[a], p.lon[a], p.lat[b], p.lon[b]),
    }


def gaps(
    ctx: Context, idx: np.ndarray, explained: dict[int, str], measured: dict | None = None
) -> list[dict]:
    """Gap records for silences starting at fixes ``idx``; ``explained`` maps a start index to
    the stop that accounts for it; ``measured``: :func:`measure` of the same silences when
    already done. Parked silences are left out."""
    p = ctx.pts
    m = measured if measured is not None else measure(ctx, idx)
    if m is None:
        return []
    a, b, d, c, silence = m["a"], m["b"], m["d"], m["c"], m["silence"]
    direct, unaccounted, reach, want = m["direct"], m["unaccounted"], m["reach"], m["want"]
    cands, shown = m["cands"], m["shown"]
    out = []
    for g in range(len(a)):
        ai, bi = int(a[g]), int(b[g])
        why = explained.get(ai)
        cl = cands[g]
        if why and cl:  # the airport of the stop that explains the gap ranks first
            code = why.rsplit(" ", 1)[-1]
            cl.sort(key=lambda x: x["airport"] != code)
        ci = int(c[g])
        text = (
            f"silent {duration(silence[g])} from {clock(p.t[ai])} ({feet(p.alt[ai])}, "
            f"{ctx.src(ai)}) to {clock(p.t[bi])} ({feet(p.alt[bi])}, {ctx.src(bi)}); "
            f"{shown[g]:.0f} km apart, {duration(direct[g])} direct at "
            f"{ctx.cruise_kt[ci]:.0f} kt, {duration(unaccounted[g])} unaccounted"
        )
        if why:
            text += f"; accounted for by the {why}"
        if cl:
            text += (
                f"; {len(cl)} best of the airports within reach ({reach[g]:,.0f} km path "
                f"at {ctx.cruise_kt[ci]:.0f} kt): "
                + ", ".join(x["airport"] for x in cl[:5])
                + f"; first {cl[0]['airport']}: {cl[0]['why']}"
            )
        elif want[g]:
            text += f"; no suitable airport within reach ({reach[g]:,.0f} km path)"
        out.append(
            {
                "icao24": str(p.icao24s[ci]),
                "start": ts(p.t[ai]),
                "end": ts(p.t[bi]),
                "duration_s": float(silence[g]),
                "distance_km": float(d[g]),
                "direct_s": float(direct[g]),
                "unaccounted_s": float(unaccounted[g]),
                "reach_km": round(float(reach[g]), 1) if want[g] else None,
                "lat0": float(p.lat[ai]),
                "lon0": float(p.lon[ai]),
                "lat1": float(p.lat[bi]),
                "lon1": float(p.lon[bi]),
                "explained_by": why,
                "candidates": cl,
                "evidence": text,
                "rows": [ctx.cite.ref(int(p.pos[ai])), ctx.cite.ref(int(p.pos[bi]))],
            }
        )
    return out


def _boxes(
    ctx: Context,
    pool: np.ndarray,
    lat_lo: np.ndarray,
    lat_hi: np.ndarray,
    lon_a: np.ndarray,
    lon_b: np.ndarray,
    dlon: np.ndarray,
):
    """Bounding boxes of the gaps' search areas on a 1-degree latitude-row grid of ``pool``.

    Returns (gap, lo, hi, key, order): per box (one latitude row, one longitude interval, at
    most two per row where the interval crosses the antimeridian), the positions
    ``order[lo:hi]`` into ``pool`` of its airports; boxes are grouped by gap. Every airport
    within ``dlon`` of either end and inside the latitude band is in a box (a superset)."""
    ix = ctx.ix

    def grid() -> tuple[np.ndarray, np.ndarray]:
        row = np.floor(ix.lat[pool]).clip(-90, 89) + 90
        key = row * 1000.0 + (ix.lon[pool] + 180.0)
        order = np.argsort(key, kind="stable")
        return key[order], order

    key, order = _on_index(ix, ("grid", id(pool)), grid)  # pools live on the index too
    r0 = (np.floor(lat_lo).clip(-90, 89) + 90).astype(np.int64)
    r1 = (np.floor(lat_hi).clip(-90, 89) + 90).astype(np.int64)
    nrow = r1 - r0 + 1
    gap = np.repeat(np.arange(len(lat_lo)), nrow)
    row = np.repeat(r0 - (np.cumsum(nrow) - nrow), nrow) + np.arange(len(gap))
    lon_b2 = lon_a + ((lon_b - lon_a + 180.0) % 360.0 - 180.0)  # unwrapped next to lon_a
    lo_lon = np.minimum(lon_a, lon_b2)
    width = np.maximum(lon_a, lon_b2) - lo_lon + 2 * dlon + 2e-9
    whole = width >= 360.0
    west = np.where(whole, -180.0, (lo_lon - dlon - 1e-9 + 180.0) % 360.0 - 180.0)
    east = np.where(whole, 180.0, west + width)  # beyond 180: continues west of -180
    w, e = west[gap], east[gap]
    base = row * 1000.0 + 180.0
    # the part up to the antimeridian, then the wrapped part (empty when none)
    lo1 = np.searchsorted(key, base + w, side="left")
    hi1 = np.searchsorted(key, base + np.minimum(e, 180.0), side="right")
    lo2 = np.searchsorted(key, base - 180.0, side="left")
    hi2 = np.searchsorted(key, base + np.where(e > 180.0, e - 360.0, -181.0), side="right")
    hi2 = np.maximum(hi2, lo2)
    hi1 = np.maximum(hi1, lo1)
    gaps_ = np.concatenate([gap, gap])
    lo = np.concatenate([lo1, lo2])
    hi = np.concatenate([hi1, hi2])
    o = np.argsort(gaps_, kind="stable")
    return gaps_[o], lo[o], hi[o], key, order


def _pool(ctx: Context, min_ft: float, paved: bool) -> np.ndarray:
    """Airport indices (latitude order) searched for an aircraft needing ``min_ft`` (ft,
    ``paved``) over the whole time-distance ellipse: those whose runways are long enough
    (:data:`POOL_FITS`; all of them when there is no need). The others are searched near the
    gap's ends only (:func:`_near_pairs`): searching them everywhere made the gap stage 4.5
    times slower on a million fixes, and far from the ends they never ranked."""
    ix = ctx.ix

    def pool() -> np.ndarray:
        if min_ft <= 0:
            return np.arange(len(ix))
        every = np.arange(len(ix))
        fit = runwayfit.fit(ix, every, np.full(len(ix), min_ft), np.full(len(ix), paved))
        return np.flatnonzero(np.isin(fit, POOL_FITS))

    return _on_index(ix, ("pool", min_ft, paved), pool)


def _on_index(ix: AirportIndex, key: tuple, make: Callable[[], Any]) -> Any:
    """``make()``, kept on the airport index under ``key``: airport-only arrays are made once
    per index, not once per piece of the table."""
    cache = ix.__dict__.setdefault("_gap_cache", {})
    if key not in cache:
        cache[key] = make()
    return cache[key]


def _profile(
    d: np.ndarray,
    h: np.ndarray,
    trend: np.ndarray,
    towards_sign: float,
    ft_per_nm: float,
    cfg: EngineSettings,
) -> np.ndarray:
    """Penalty of X at ``d`` km from a fix ``h`` ft above X with vertical rate ``trend``;
    ``towards_sign`` -1 when the stop follows the fix (descent expected), +1 when it precedes."""
    h = np.maximum(h, 0.0)
    want = h / ft_per_nm * 1.852
    steep = h / cfg.steep_ft_per_nm * 1.852
    towards = trend * towards_sign > cfg.gap_trend_fpm
    out = np.zeros(len(d))  # each penalty computed only where it is the one used
    on = np.flatnonzero(np.isfinite(h) & towards)
    out[on] = 2.0 * np.log((d[on] + 5.0) / (want[on] + 5.0)) ** 2
    near = np.flatnonzero(np.isfinite(h) & ~towards & (d < steep))
    out[near] = 2.0 * np.log((steep[near] + 5.0) / (d[near] + 5.0)) ** 2
    return out


def _heading(trk: np.ndarray, brg: np.ndarray, d: np.ndarray, cfg: EngineSettings) -> np.ndarray:
    sigma = 10.0 + np.degrees(np.arctan2(cfg.heading_slack_km, np.maximum(d, 1e-3)))
    pen = np.minimum(0.5 * (angle_diff_deg(trk, brg) / sigma) ** 2, cfg.heading_cap)
    return np.where(np.isfinite(trk) & (d > cfg.heading_min_km), pen, 0.0)


def candidates(
    ctx: Context, a: np.ndarray, b: np.ndarray, want: np.ndarray, k: int | None = None
) -> list[list[dict]]:
    """Per gap (fixes ``a[g]`` -> ``b[g]``), the ``k`` best-ranked airports the aircraft could
    have reached, stopped at and left, as dicts (empty where ``want`` is False); ``k`` None:
    ``gap_max_candidates`` of the settings."""
    if k is None:
        k = ctx.settings.gap_max_candidates
    out: list[list[dict]] = [[] for _ in range(len(a))]
    sel = np.flatnonzero(want)
    if not len(sel):
        return out
    c = ctx.pts.code[a[sel]]
    n = ctx.needs
    need = np.stack([n.min_ft[c], n.paved[c], n.jet_by_speed[c]], axis=1)
    kinds, which = np.unique(need, axis=0, return_inverse=True)
    for kind, (min_ft, paved, jet) in enumerate(kinds.tolist()):
        gs = sel[which.ravel() == kind]
        _rank(
            ctx,
            a,
            b,
            gs,
            _pool(ctx, min_ft, bool(paved)),
            k,
            out,
            _near_pairs(ctx, a[gs], b[gs], min_ft, bool(paved)),
            _airport_term(ctx, min_ft, bool(paved), bool(jet)),
        )
    return out


def _airport_term(ctx: Context, min_ft: float, paved: bool, jet_by_speed: bool) -> np.ndarray:
    """Per airport, the ``airport`` score term for aircraft of one need (see the module
    docstring): its size, the jet's 6,000 ft preference and runway suitability. Made once
    per need and index (a gather per pair instead of the fit arithmetic per pair)."""
    cfg = ctx.settings
    ix = ctx.ix

    def term() -> np.ndarray:
        every = np.arange(len(ix))
        rank = np.clip(ix.type_rank.astype(np.int64), 0, 3)
        short = jet_by_speed & ~(ix.longest_ft >= cfg.short_runway_ft)
        need = np.full(len(ix), min_ft)
        fit = runwayfit.fit(ix, every, need, np.full(len(ix), paved))
        return (
            SIZE_SCORE[rank] - np.where(short, 1.0, 0.0) + runwayfit.gap_score(ix, every, fit, need)
        )

    return _on_index(ix, ("airport term", min_ft, paved, jet_by_speed, cfg.short_runway_ft), term)


def _near_pairs(
    ctx: Context, a: np.ndarray, b: np.ndarray, min_ft: float, paved: bool
) -> tuple[np.ndarray, np.ndarray]:
    """(gap number in ``a``/``b``, airport) of the airports :func:`_pool` leaves out (runway
    too short, or of unknown length at a small airport) within ``near_km`` of a gap end that
    is on the ground or inside the approach envelope of the inferred-stop rule: the strips a
    low track may point at, searched near the ends only. Sorted by gap, then airport."""
    cfg = ctx.settings
    p, ix = ctx.pts, ctx.ix
    empty = np.empty(0, np.int64)
    if min_ft <= 0 or not len(a):
        return empty, empty
    gs, aps = [], []
    for end in (a, b):
        q, ap, d = ix.near_many(p.lat[end], p.lon[end], cfg.near_km)
        height = p.alt[end][q] - np.nan_to_num(ix.elev_ft[ap])
        low = p.ground[end][q] | ~(height > cfg.envelope_base_ft + cfg.envelope_ft_per_km * d)
        fit = runwayfit.fit(ix, ap, np.full(len(ap), min_ft), np.full(len(ap), paved))
        keep = low & ~np.isin(fit, POOL_FITS)
        gs.append(q[keep])
        aps.append(ap[keep])
    key = np.unique(np.concatenate(gs) * len(ix) + np.concatenate(aps))
    return key // len(ix), key % len(ix)


def _rank(
    ctx: Context,
    a_all: np.ndarray,
    b_all: np.ndarray,
    gs: np.ndarray,
    pool: np.ndarray,
    k: int,
    out: list[list[dict]],
    near: tuple[np.ndarray, np.ndarray],
    airport_term: np.ndarray,
) -> None:
    """Fill ``out[g]`` for gaps ``gs`` (aircraft of one need) from airports ``pool`` and the
    ``near`` (gap number in ``gs``, airport) pairs (sorted by gap), in chunks of bounded
    size; ``airport_term``: :func:`_airport_term` of that need."""
    cfg = ctx.settings
    p, ix = ctx.pts, ctx.ix
    a, b = a_all[gs], b_all[gs]
    v = ctx.cruise_kt[p.code[a]] * KT_TO_KMS
    silence = p.t[b] - p.t[a]
    reach = v * (silence - cfg.min_turn_s)
    half = reach / 2
    lat_a, lon_a, lat_b, lon_b = p.lat[a], p.lon[a], p.lat[b], p.lon[b]
    dlat = half / KM_PER_DEG
    lat_lo = np.minimum(lat_a, lat_b) - dlat
    lat_hi = np.maximum(lat_a, lat_b) + dlat
    coslat = np.cos(np.radians(np.minimum(np.maximum(np.abs(lat_lo), np.abs(lat_hi)), 89.9)))
    dlon = np.where(coslat > 0, half / (KM_PER_DEG * coslat), 360.0)
    box_gap, box_lo, box_hi, key, pool_sorted = _boxes(
        ctx, pool, lat_lo, lat_hi, lon_a, lon_b, dlon
    )
    n_box = np.bincount(box_gap, weights=box_hi - box_lo, minlength=len(gs)).astype(np.int64)
    bounds = np.searchsorted(
        np.cumsum(n_box), np.arange(0, n_box.sum() + CHUNK_PAIRS, CHUNK_PAIRS), side="right"
    )
    bounds = np.unique(np.concatenate([[0], bounds, [len(gs)]]).clip(0, len(gs)))
    box_at = np.searchsorted(box_gap, bounds)
    ctx_arrays = _end_arrays(ctx, a, b)
    trig_x = _on_index(ix, ("trig",), lambda: _lat_trig(ix.lat))
    trig_a, trig_b = _lat_trig(lat_a), _lat_trig(lat_b)
    unit_x = _on_index(ix, ("unit",), lambda: _unit_vectors(ix.lat, ix.lon))
    unit_a, unit_b = _unit_vectors(lat_a, lon_a), _unit_vectors(lat_b, lon_b)
    ends = ctx_arrays
    near_at = np.searchsorted(near[0], bounds)
    for lo, hi, blo, bhi, nlo, nhi in zip(
        bounds[:-1], bounds[1:], box_at[:-1], box_at[1:], near_at[:-1], near_at[1:], strict=True
    ):
        if hi <= lo:
            continue
        cnt = box_hi[blo:bhi] - box_lo[blo:bhi]
        g = np.repeat(box_gap[blo:bhi], cnt)
        ap = pool[
            pool_sorted[
                np.repeat(box_lo[blo:bhi] - (np.cumsum(cnt) - cnt), cnt) + np.arange(len(g))
            ]
        ]
        if nhi > nlo:  # the near pairs join their gaps' pairs (all of a gap in one chunk)
            g = np.concatenate([g, near[0][nlo:nhi]])
            ap = np.concatenate([ap, near[1][nlo:nhi]])
            o = np.argsort(g, kind="stable")
            g, ap = g[o], ap[o]
        m = _maybe_within(_Spread(g), ap, unit_x, unit_a, unit_b, reach)
        g, ap = g[m], ap[m]
        per = _Spread(g)
        alon = ix.lon[ap]
        lam1 = np.radians(alon - per(lon_a))
        lam2 = np.radians(per(lon_b) - alon)
        rad_x, cos_x = trig_x[0][ap], trig_x[1][ap]
        d1 = _haversine(per(trig_a[0]), per(trig_a[1]), rad_x, cos_x, lam1)
        d2 = _haversine(rad_x, cos_x, per(trig_b[0]), per(trig_b[1]), lam2)
        m = d1 + d2 <= per(reach)
        g, ap, d1, d2 = g[m], ap[m], d1[m], d2[m]
        if not len(g):
            continue
        per = _Spread(g)
        trig = {
            "a": trig_a,
            "b": trig_b,
            "cos_x": cos_x[m],
            "sin_x": trig_x[2][ap],
            "lam1": lam1[m],
            "lam2": lam2[m],
        }
        terms = _score_terms(ctx, ctx_arrays, per, ap, d1, d2, reach, trig, airport_term)
        ground_s = per(silence) - (d1 + d2) / per(v)
        score, role = _best_reading(terms, ground_s, g, cfg)
        keep = _top_superset(score, g, k)
        # ties by airport index: latitude order, as the pool is (pools are ascending)
        order = keep[np.lexsort((ap[keep], -score[keep], g[keep]))]
        g_o = g[order]
        first = np.searchsorted(g_o, g_o, side="left")
        top = order[np.arange(len(order)) - first < k]
        _emit(
            ctx,
            top,
            g[top],
            ap[top],
            d1[top],
            d2[top],
            ground_s[top],
            score[top],
            role[top],
            {n: t[top] for n, t in terms.items()},
            ends,
            gs,
            out,
        )


CHORD_SLACK = 1e-9
"""Relative slack of :func:`_maybe_within`, far above rounding errors."""
CHORD_SLACK_KM = 0.001
"""Absolute slack of :func:`_maybe_within` (the chord of two nearby points, from their unit
vectors' dot product, is only good to ~0.2 m on the Earth's scale)."""


def _unit_vectors(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, z) of points on the unit sphere."""
    phi, lam = np.radians(lat), np.radians(lon)
    return np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)


def _maybe_within(
    per: _Spread, ap: np.ndarray, unit_x: tuple, unit_a: tuple, unit_b: tuple, reach: np.ndarray
) -> np.ndarray:
    """Per gap-airport pair, False where the airport is certainly outside the gap's ellipse:
    even the straight chords A-X and X-B (never longer than the great-circle arcs, which
    :func:`_haversine` measures) add up to more than the reach. Arithmetic only, so the
    sines and arcsines of the exact distances are spent on the pairs that may be inside."""
    x = [unit_x[axis][ap] for axis in range(3)]
    total = np.zeros(len(ap))
    for end in (unit_a, unit_b):  # |A - X| = sqrt(2 - 2 A.X) for unit vectors
        dot = per(end[0]) * x[0]
        dot += per(end[1]) * x[1]
        dot += per(end[2]) * x[2]
        total += np.sqrt(np.maximum(2.0 - 2.0 * dot, 0.0))
    return ~(total * (EARTH_RADIUS_KM * (1 - CHORD_SLACK)) - CHORD_SLACK_KM > per(reach))


class _Spread:
    """Per-gap values spread over gap-airport pairs sorted by gap ``g``: ``per(values)`` is
    ``values[g]``, by one ``np.repeat`` of the gaps' values (several times faster than
    indexing with ``g`` on hundreds of thousands of pairs; the same values)."""

    def __init__(self, g: np.ndarray):
        first = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if len(g) else np.empty(0, int)
        self.gaps = g[first]
        self.counts = np.diff(np.r_[first, len(g)])

    def __call__(self, values: np.ndarray) -> np.ndarray:
        return np.repeat(values[self.gaps], self.counts)


def _lat_trig(lat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(radians, cos, sin) of latitudes in degrees, computed once per point instead of once
    per gap-airport pair (the same values, bit for bit)."""
    rad = np.radians(lat)
    return rad, np.cos(rad), np.sin(rad)


def _haversine(
    p1: np.ndarray, cos1: np.ndarray, p2: np.ndarray, cos2: np.ndarray, dlam: np.ndarray
) -> np.ndarray:
    """``flightcheck.geo.haversine_km`` from precomputed latitude radians and cosines and the
    longitude difference in radians (the same operations in the same order: identical)."""
    a = np.sin((p2 - p1) / 2) ** 2 + cos1 * cos2 * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _bearing(
    cos1: np.ndarray, sin1: np.ndarray, cos2: np.ndarray, sin2: np.ndarray, dlam: np.ndarray
) -> np.ndarray:
    """``geometry.bearing_deg`` from precomputed latitude sines and cosines (identical)."""
    y = np.sin(dlam) * cos2
    x = cos1 * sin2 - sin1 * cos2 * np.cos(dlam)
    return wrap360(np.degrees(np.arctan2(y, x)))


TOP_STEPS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
"""Score margins below each gap's best tried by :func:`_top_superset`."""


def _top_superset(score: np.ndarray, g: np.ndarray, k: int) -> np.ndarray:
    """Indices of pairs that include every gap's ``k`` best (ties included): per gap, those
    within the smallest margin of ``TOP_STEPS`` of its best score that holds ``k`` or more
    pairs (all of its pairs when none does), so only these need the exact sort."""
    n_g = int(g.max()) + 1
    best = np.full(n_g, -np.inf)
    _scatter_max(best, g, score)
    total = np.bincount(g, minlength=n_g)
    floor = np.full(n_g, -np.inf)
    open_ = total > k
    gap_best = best[g]
    # per pair, how many margins (smallest first) miss it: it is within margin i exactly when
    # that number is <= i (the margins are ascending), so one bincount gives every count
    n_steps = len(TOP_STEPS)
    misses = np.zeros(len(score), dtype=np.int64)
    for step in TOP_STEPS:
        misses += ~(score >= gap_best - step)
    within = (
        np.bincount(g * (n_steps + 1) + misses, minlength=n_g * (n_steps + 1))
        .reshape(n_g, n_steps + 1)[:, :n_steps]
        .cumsum(axis=1)
    )
    for i, step in enumerate(TOP_STEPS):
        if not open_.any():
            break
        done = open_ & (within[:, i] >= k)
        floor[done] = best[done] - step
        open_ &= ~done
    return np.flatnonzero(~(score < floor[g]))  # NaN kept, as the full sort would


def _emit(
    ctx: Context,
    top: np.ndarray,
    g: np.ndarray,
    ap: np.ndarray,
    d1: np.ndarray,
    d2: np.ndarray,
    ground_s: np.ndarray,
    score: np.ndarray,
    role: np.ndarray,
    terms: dict[str, np.ndarray],
    ends: dict[str, np.ndarray],
    gs: np.ndarray,
    out: list[list[dict]],
) -> None:
    """Append the candidate dicts of the selected pairs (best first within each gap)."""
    ix = ctx.ix
    runway = ix.longest_ft[ap]
    k1, k2 = np.round(d1, 1), np.round(d2, 1)
    gr = np.round(ground_s, 0)
    rw = np.where(np.isnan(runway), -1.0, runway)
    elev = np.nan_to_num(ix.elev_ft[ap])
    side_a = _sides(
        "last fix",
        ends["alt_a"][g] - elev,
        ends["vr_a"][g],
        ends["trk_a"][g],
        k1,
        ends["ground_a"][g],
        -terms["profile_a"],
        -terms["heading_a"],
        "for it",
        ctx.settings,
    )
    side_b = _sides(
        "first fix",
        ends["alt_b"][g] - elev,
        ends["vr_b"][g],
        ends["trk_b"][g],
        k2,
        ends["ground_b"][g],
        -terms["profile_b"],
        -terms["heading_b"],
        "away from it",
        ctx.settings,
    )
    gr_l, rw_l = gr.tolist(), rw.tolist()
    uniq, inv = np.unique(ap, return_inverse=True)  # airports recur: describe each once
    rw_u = np.where(np.isnan(ix.longest_ft[uniq]), -1.0, ix.longest_ft[uniq]).tolist()
    sizes = [
        SIZES.get(rank, "airport")
        + (f", runway {w:,.0f} ft" if w >= 0 else ", runway length unknown")
        for rank, w in zip(ix.type_rank[uniq].tolist(), rw_u, strict=True)
    ]
    size = [sizes[i] for i in inv.tolist()]
    need = ends["need_ft"][g]
    fit = runwayfit.fit(ix, ap, need, ends["need_paved"][g])
    lower = -runwayfit.gap_score(ix, ap, fit, need)
    for j in np.flatnonzero(fit != runwayfit.FITS).tolist():
        size[j] += (
            f" ({runwayfit.describe(int(fit[j]), ix, int(ap[j]), float(need[j]))}; "
            f"ranked {lower[j]:.1f} lower)"
        )
    fields = zip(
        gs[g].tolist(),
        ix.code[ap].tolist(),
        ix.name[ap].tolist(),
        ix.country[ap].tolist(),
        ix.lat[ap].tolist(),
        ix.lon[ap].tolist(),
        k1.tolist(),
        k2.tolist(),
        gr_l,
        rw_l,
        np.round(score, 3).tolist(),
        role.tolist(),
        side_a,
        side_b,
        size,
        strict=True,
    )
    for gi, code, name, country, lat, lon, a1, a2, gsec, w, sc, rl, sa, sb, sz in fields:
        why = (ROLES[rl] + "; " if rl else "") + (
            f"{sa}; {sb}; up to {duration(max(gsec, 0.0))} on the ground; {sz}"
        )
        out[gi].append(
            {
                "airport": str(code),
                "airport_name": str(name),
                "country": country,
                "lat": lat,
                "lon": lon,
                "distance_km": a1,
                "distance_after_km": a2,
                "max_ground_s": gsec,
                "runway_ft": w if w >= 0 else None,
                "score": sc,
                "why": why,
            }
        )


def _group_max(values: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Per element, the maximum of ``values`` over the elements with the same ``g``."""
    best = np.full(int(g.max()) + 1, -np.inf)
    _scatter_max(best, g, values)
    return best[g]


def _scatter_max(best: np.ndarray, g: np.ndarray, values: np.ndarray) -> None:
    """``np.maximum.at(best, g, values)``; by one ``reduceat`` when ``g`` is sorted (as the
    pairs of :func:`_rank` are, gap by gap): the same maxima (NaN propagates in both)."""
    if not len(g):
        return
    if (g[1:] < g[:-1]).any():
        np.maximum.at(best, g, values)
        return
    first = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    at = g[first]
    best[at] = np.maximum(best[at], np.maximum.reduceat(values, first))


def _best_reading(
    terms: dict[str, np.ndarray], ground_s: np.ndarray, g: np.ndarray, cfg: EngineSettings
) -> tuple[np.ndarray, np.ndarray]:
    """(score, reading) per pair: 0 the only stop, 1 the first of several, 2 the last."""
    end = {e: terms[f"profile_{e}"] + terms[f"heading_{e}"] + terms[f"ground_{e}"] for e in "ab"}
    multi = np.where(ground_s >= cfg.multi_stop_s, -cfg.multi_stop_cost, -np.inf)
    best = {e: _group_max(end[e] + terms["airport"], g) for e in "ab"}
    score = functools.reduce(np.add, terms.values())
    role = np.zeros(len(score), dtype=np.int64)
    for r, reading in (
        (1, end["a"] + terms["airport"] + best["b"] + multi),
        (2, end["b"] + terms["airport"] + best["a"] + multi),
    ):
        better = reading > score  # the first of equal readings wins, as np.argmax
        role[better] = r
        score = np.where(better, reading, score)
    return score, role


def _end_arrays(ctx: Context, a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    p = ctx.pts
    return {
        "alt_a": p.alt[a],
        "alt_b": p.alt[b],
        "trk_a": p.trk[a],
        "trk_b": p.trk[b],
        "vr_a": _trend_fpm(ctx, a, -1),
        "vr_b": _trend_fpm(ctx, b, +1),
        "ground_a": p.ground[a],
        "ground_b": p.ground[b],
        "lat_a": p.lat[a],
        "lon_a": p.lon[a],
        "lat_b": p.lat[b],
        "lon_b": p.lon[b],
        "dab": haversine_km(p.lat[a], p.lon[a], p.lat[b], p.lon[b]),
        "need_ft": ctx.needs.min_ft[p.code[a]],
        "need_paved": ctx.needs.paved[p.code[a]],
    }


def _score_terms(
    ctx: Context,
    e: dict[str, np.ndarray],
    per: _Spread,
    ap: np.ndarray,
    d1: np.ndarray,
    d2: np.ndarray,
    reach: np.ndarray,
    trig: dict,
    airport_term: np.ndarray,
) -> dict[str, np.ndarray]:
    """Named score terms (<= 0) per gap-airport pair; see the module docstring. ``per``
    spreads per-gap values over the pairs; ``trig``: the gap ends' latitude trigonometry and
    the pairs' airport cosines and sines and longitude differences; ``airport_term``: per
    airport, the size and runway term of the gaps' need."""
    cfg = ctx.settings
    ix = ctx.ix
    elev = np.nan_to_num(ix.elev_ft[ap])
    terms: dict[str, np.ndarray] = {}
    for end, dist, sign, grad in (
        ("a", d1, -1.0, cfg.descent_ft_per_nm),
        ("b", d2, +1.0, cfg.climb_ft_per_nm),
    ):
        ground = per(e[f"ground_{end}"])
        prof = _profile(dist, per(e[f"alt_{end}"]) - elev, per(e[f"vr_{end}"]), sign, grad, cfg)
        _, cos_e, sin_e = trig[end]
        cos_x, sin_x = trig["cos_x"], trig["sin_x"]
        if end == "a":
            brg = _bearing(per(cos_e), per(sin_e), cos_x, sin_x, trig["lam1"])
        else:
            brg = _bearing(cos_x, sin_x, per(cos_e), per(sin_e), trig["lam2"])
        head = _heading(per(e[f"trk_{end}"]), brg, dist, cfg)
        terms[f"profile_{end}"] = -np.where(ground, 0.0, prof)
        terms[f"heading_{end}"] = -np.where(ground, 0.0, head)
        terms[f"ground_{end}"] = -np.where(ground, dist, 0.0)
    dab = per(e["dab"])
    slack = np.maximum(per(reach) - dab, 1.0)
    terms["detour"] = -cfg.detour_weight * np.clip((d1 + d2 - dab) / slack, 0.0, 1.0)
    # one term with size and runway: the multi-stop readings count it with the end terms
    terms["airport"] = airport_term[ap]
    return terms


SIZES = {3: "large airport", 2: "medium airport", 1: "small airport"}


def _sides(
    what: str,
    height: np.ndarray,
    vr: np.ndarray,
    trk: np.ndarray,
    dist: np.ndarray,
    ground: np.ndarray,
    pen_p: np.ndarray,
    pen_h: np.ndarray,
    towards: str,
    cfg: EngineSettings,
) -> list[str]:
    """Per pair, ``last fix 3,000 ft above the field descending 14 km away (on profile,
    heading for it)``: one end of the gap as seen from a candidate."""
    trends = ("descending", "climbing", "level", "vertical trend unknown")
    trend = np.where(
        vr < -cfg.gap_trend_fpm,
        0,
        np.where(vr > cfg.gap_trend_fpm, 1, np.where(np.isfinite(vr), 2, 3)),
    ).tolist()
    has_h = np.isfinite(height)
    has_t = np.isfinite(trk) & (dist > cfg.heading_min_km)
    # the note in brackets, by (profile: none/on/off) x 3 + (heading: none/for/not for)
    prof = np.where(has_h, np.where(pen_p < 0.5, 1, 2), 0)
    head = np.where(has_t, np.where(pen_h < 0.5, 1, 2), 0)
    notes = [
        ", ".join(x for x in (p, h) if x)
        for p in ("", "on profile", "off profile")
        for h in ("", f"heading {towards}", f"not heading {towards}")
    ]
    notes = [f" ({n})" if n else "" for n in notes]
    note = (prof * 3 + head).tolist()
    out = []
    for h, fin, tr, dd, gnd, nt in zip(
        height.tolist(), has_h.tolist(), trend, dist.tolist(), ground.tolist(), note, strict=True
    ):
        if gnd:
            out.append(f"{what} on the ground {dd:.0f} km away")
        else:
            high = f"{h:,.0f} ft above the field" if fin else "unknown altitude"
            out.append(f"{what} {high} {trends[tr]} {dd:.0f} km away{notes[nt]}")
    return out
