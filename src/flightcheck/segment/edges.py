"""Stops at the edges of the data: exports begin after take-off and end on the runway.

A track whose first fix is airborne but low, not descending and on a runway's extended
centreline beyond its far threshold (climbing away) begins with a **departure** from that
airport: an inferred stop open at its start (``arrival`` null). A track whose last fix is low,
not climbing and on a runway's extended centreline on the approach side (short final, or the
landing roll of an export without ground flags) ends with an **arrival**: an inferred stop open
at its end (``departure`` null). (Tracks that start or end with ground fixes get observed stops
open at that end from :func:`flightcheck.segment.stops.observed`.)

"Low" is, arriving, at most ``edge_base_ft`` + ``edge_ft_per_km`` x the distance to the
threshold above the field (about a 4.7-degree path plus altimeter error; a 3-degree glide path
is 172 ft/km); departing, ``depart_base_ft`` + ``depart_ft_per_km`` x the distance past the
runway's far end; and the fix within ``edge_radius_km`` of the runway. Airports without runway
coordinates qualify within ``edge_no_runway_km`` of their reference point when the track points at
it (or away from it, departing). Without an altitude the fix must be on a centreline within
``edge_no_altitude_km`` of the threshold. And the fix must be going the right way: descending
(arrival) or climbing (departure) faster than ``edge_trend_fpm``, or within ``edge_base_ft`` of the
field (on the runway or just over it), or on a centreline with no vertical trend known: a level
fix at 1,500 ft near a field is passing by.
"""

from __future__ import annotations

import numpy as np

from flightcheck.geo import angle_diff_deg, bearing_deg
from flightcheck.segment import confidence
from flightcheck.segment.assign import score_many
from flightcheck.segment.context import Context, track_at
from flightcheck.segment.evidence import clock, feet, vertical
from flightcheck.units import KT_TO_KMS


def _trend(ctx: Context, k: np.ndarray, step: int) -> np.ndarray:
    """Vertical rate at fixes ``k``: reported, else the altitude change to (from) the
    neighbour ``k + step`` within ``neighbour_window_s``, ft/min (NaN unknown)."""
    p = ctx.pts
    vr = p.vr[k].copy()
    j = np.clip(k + step, 0, max(len(p.t) - 1, 0))
    dt = np.abs(p.t[j] - p.t[k])
    ok = (
        ~np.isfinite(vr)
        & (p.code[j] == p.code[k])
        & (dt > 0)
        & (dt <= ctx.settings.neighbour_window_s)
    )
    change = (p.alt[k] - p.alt[j]) if step < 0 else (p.alt[j] - p.alt[k])
    vr[ok] = change[ok] / dt[ok] * 60.0
    return vr


def edge_table(ctx: Context, k: np.ndarray, phase: str) -> dict:
    """The best airport (or -1) for each edge fix ``k`` (``phase``: ``arrive`` for last fixes,
    ``depart`` for first fixes), with its score rows; see the module docstring."""
    cfg = ctx.settings
    p, ix = ctx.pts, ctx.ix
    step = -1 if phase == "arrive" else 1
    trk = track_at(ctx, k, step)
    trend = _trend(ctx, k, step)
    sc = score_many(ix, p.lat[k], p.lon[k], trk, phase, cfg.edge_radius_km, cfg)
    q, ap = sc.query, sc.airport
    kk = k[q]
    elev = np.where(np.isfinite(ix.elev_ft[ap]), ix.elev_ft[ap], 0.0)
    height = p.alt[kk] - elev
    on_line = sc.runway >= 0
    dist = np.where(on_line, sc.threshold_km, sc.distance_km)
    _, starts = ix._rw_by_airport
    no_runways = (starts[ap + 1] == starts[ap]) & ~on_line  # no runway coordinates
    if phase == "arrive":
        brg = bearing_deg(p.lat[kk], p.lon[kk], ix.lat[ap], ix.lon[ap])
    else:
        brg = bearing_deg(ix.lat[ap], ix.lon[ap], p.lat[kk], p.lon[kk])
    pointing = np.isfinite(trk[q]) & (angle_diff_deg(trk[q], brg) <= cfg.edge_heading_deg)
    aligned = on_line | (
        no_runways
        & (sc.ref_km <= cfg.edge_no_runway_km)
        & (pointing | (sc.ref_km <= cfg.edge_reference_km))
    )
    known = np.isfinite(height)
    base, slope = (
        (cfg.edge_base_ft, cfg.edge_ft_per_km)
        if phase == "arrive"
        else (cfg.depart_base_ft, cfg.depart_ft_per_km)
    )
    low = np.where(
        known, height <= base + slope * dist, on_line & (dist <= cfg.edge_no_altitude_km)
    )
    t = trend[q]
    level = ~(t > cfg.edge_trend_fpm) if phase == "arrive" else ~(t < -cfg.edge_trend_fpm)
    # the right way (descending to land, climbing away), or already on or just over the runway
    moving = (t < -cfg.edge_trend_fpm) if phase == "arrive" else (t > cfg.edge_trend_fpm)
    very_low = known & (height <= cfg.edge_base_ft)
    purposeful = moving | very_low | (on_line & ~np.isfinite(t))
    slow = ~(p.gs[kk] > cfg.max_edge_kt)
    ok = aligned & low & level & purposeful & slow
    rows = np.flatnonzero(ok)
    best = np.full(len(k), -1, dtype=np.int64)
    if len(rows):  # scores are sorted by (query, cost): the first passing row is the best
        first = np.r_[True, q[rows][1:] != q[rows][:-1]]
        best[q[rows][first]] = rows[first]
    return {"scores": sc, "best": best, "height": height, "trend": trend, "trk": trk}


def edge_stops(ctx: Context) -> list[dict]:
    """Departures open at the data's start and arrivals open at its end (see the module
    docstring), for every aircraft whose first (last) fix is airborne."""
    p = ctx.pts
    if not len(p.t):
        return []
    out = []
    for phase, k in (("depart", p.start), ("arrive", p.end - 1)):
        k = k[~p.ground[k]]
        if not len(k):
            continue
        tab = edge_table(ctx, k, phase)
        for j in np.flatnonzero(tab["best"] >= 0).tolist():
            row = int(tab["best"][j])
            out.append(
                _edge_stop(
                    ctx,
                    int(k[j]),
                    tab["scores"].score(row),
                    phase,
                    float(tab["height"][row]),
                    float(tab["trend"][j]),
                )
            )
    return out


def _edge_stop(ctx: Context, k: int, fit, phase: str, height: float, trend: float) -> dict:
    cfg = ctx.settings
    from flightcheck.segment.stops import airport_fields, ts

    p, ix = ctx.pts, ctx.ix
    i = fit.airport
    fields = airport_fields(ctx, i)
    code = fields["airport"]
    dist = fit.threshold_km if fit.runway and fit.threshold_km is not None else fit.distance_km
    gs = p.gs[k] if np.isfinite(p.gs[k]) else cfg.edge_approach_kt
    fast = max(gs, cfg.edge_approach_kt) * KT_TO_KMS
    slow = min(max(gs, 1.0), cfg.edge_approach_kt) * KT_TO_KMS * 0.6
    on_line = fit.runway is not None
    conf, factors = confidence.edge(height, on_line, phase == "arrive")
    rw = f" runway {fit.runway}" if fit.runway else ""
    where = f"{dist:.1f} km from {code}{rw}{' on the centreline' if on_line else ''}"
    fix = (
        f"{feet(p.alt[k])} ({height:,.0f} ft above the field) "
        if np.isfinite(height)
        else f"{feet(p.alt[k])} "
    )
    fix += f"{vertical(p.vr[k], trend)} {where} at {clock(p.t[k])}, {ctx.src(k)}"
    if phase == "arrive":
        arrival = p.t[k] + dist / (cfg.edge_approach_kt * KT_TO_KMS)
        window = [ts(p.t[k] + dist / fast), ts(p.t[k] + dist / slow)]
        text = (
            f"arrival at {code} ({fields['airport_name']}) as the data ends: last fix {fix}"
            "; the data ends before it left (the stop is open at its end)"
        )
        times = {
            "arrival": ts(arrival),
            "departure": None,
            "arrival_window": window,
            "departure_window": None,
        }
    else:
        departure = p.t[k] - dist / (cfg.edge_approach_kt * KT_TO_KMS)
        window = [ts(p.t[k] - dist / slow), ts(p.t[k] - dist / fast)]
        text = (
            f"departure from {code} ({fields['airport_name']}) as the data begins: first "
            f"fix {fix}; the data begins after it arrived (the stop is open at its start)"
        )
        times = {
            "arrival": None,
            "departure": ts(departure),
            "arrival_window": None,
            "departure_window": window,
        }
    text += f"; confidence {conf:.2f} ({confidence.describe(factors)})"
    return {
        "icao24": str(p.icao24s[p.code[k]]),
        **fields,
        "lat": float(ix.lat[i]),
        "lon": float(ix.lon[i]),
        **times,
        "dwell_s": 0.0,
        "kind": "inferred",
        "confidence": conf,
        "runway": fit.runway,
        "evidence": text,
        "confidence_factors": factors,
        "rows": [ctx.cite.ref(int(p.pos[k]))],
        "_first": k,
        "_last": k,
        "_edge": phase,
    }


def open_ends(ctx: Context, stops: list[dict]) -> list[dict]:
    """``open_end`` events: aircraft whose data ends in flight with no arrival at its end,
    more than ``open_end_far_km`` from any medium or large airport, with the airports they could
    reach within ``open_end_horizon_s`` (ahead of the track, likeliest first)."""
    cfg = ctx.settings
    p = ctx.pts
    if not len(p.t):
        return []
    arrived = {s["_first"] for s in stops if s.get("_edge") == "arrive"}
    k = p.end - 1
    k = k[~p.ground[k] & ~np.isin(k, list(arrived))]
    if not len(k):
        return []
    q_near, _, _ = ctx.ix.near_many_ranked(
        p.lat[k], p.lon[k], cfg.open_end_far_km, 2
    )  # medium, large
    k = np.delete(k, np.unique(q_near))
    if not len(k):
        return []
    # one airport search for every open end, at the largest reach; each keeps its own
    reach = ctx.cruise_kt[p.code[k]] * KT_TO_KMS * cfg.open_end_horizon_s
    trk = track_at(ctx, k, -1)
    trend = _trend(ctx, k, -1)
    q, ap, dist = ctx.ix.near_many_ranked(p.lat[k], p.lon[k], float(reach.max()), 2)
    keep = dist <= reach[q]
    q, ap, dist = q[keep], ap[keep], dist[keep]
    bounds = np.searchsorted(q, np.arange(len(k) + 1))
    return [
        _open_end(
            ctx,
            int(i),
            float(trk[j]),
            float(trend[j]),
            ap[bounds[j] : bounds[j + 1]],
            dist[bounds[j] : bounds[j + 1]],
        )
        for j, i in enumerate(k.tolist())
    ]


def _open_end(
    ctx: Context, k: int, trk: float, trend: float, ap: np.ndarray, dist: np.ndarray
) -> dict:
    """The event of one open end; ``ap``/``dist``: medium and large airports within reach."""
    cfg = ctx.settings
    from flightcheck.segment.stops import ts

    p, ix = ctx.pts, ctx.ix
    c = p.code[k]
    kt = float(ctx.cruise_kt[c])
    reach_km = kt * KT_TO_KMS * cfg.open_end_horizon_s
    brg = bearing_deg(p.lat[k], p.lon[k], ix.lat[ap], ix.lon[ap])
    off = angle_diff_deg(trk, brg) if np.isfinite(trk) else np.zeros(len(ap))
    ahead = ~(off > cfg.open_end_ahead_deg)
    ap, dist, off = ap[ahead], dist[ahead], off[ahead]
    height = p.alt[k] - np.where(np.isfinite(ix.elev_ft[ap]), ix.elev_ft[ap], 0.0)
    if np.isfinite(trend) and trend < -cfg.edge_trend_fpm:  # descending: about h / 172 km to go
        want = np.maximum(height, 0.0) / cfg.open_end_descent_ft_per_km
        profile = np.abs(np.log((dist + 10.0) / (want + 10.0)))
    else:
        profile = np.zeros(len(ap))
    score = off / 30.0 + profile + (3 - ix.type_rank[ap]) * 0.5
    order = np.argsort(score, kind="stable")[: cfg.open_end_max_candidates]
    names = [
        f"{ix.code[a]} ({dist[j]:,.0f} km, {off[j]:.0f} deg off the track)"
        for j, a in zip(order.tolist(), ap[order].tolist(), strict=True)
    ]
    text = (
        f"the data ends in flight: last fix {feet(p.alt[k])} "
        f"{vertical(p.vr[k], trend)} at {clock(p.t[k])}, {ctx.src(k)}, more than "
        f"{cfg.open_end_far_km:.0f} km from any medium or large airport; "
    )
    if names:
        text += (
            f"ahead within {cfg.open_end_horizon_s / 3600:.0f} h at {kt:.0f} kt "
            f"({reach_km:,.0f} km), likeliest first: " + ", ".join(names)
        )
    else:
        text += (
            f"no medium or large airport ahead within {cfg.open_end_horizon_s / 3600:.0f} h "
            f"at {kt:.0f} kt ({reach_km:,.0f} km)"
        )
    best = int(ap[order[0]]) if len(order) else None
    return {
        "icao24": str(p.icao24s[c]),
        "kind": "open_end",
        "airport": str(ix.code[best]) if best is not None else None,
        "airport_name": str(ix.name[best]) if best is not None else None,
        "time": ts(p.t[k]),
        "end": None,
        "lat": float(p.lat[k]),
        "lon": float(p.lon[k]),
        "runway": None,
        "evidence": text,
        "rows": [ctx.cite.ref(int(p.pos[k]))],
    }
