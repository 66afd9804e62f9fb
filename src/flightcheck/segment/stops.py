"""Stops: observed (ground fixes at an airport) and inferred (silence between a low,
descending fix and a low, climbing fix near the same airport).

Observed stops come from runs of ground fixes (vectorised: run bounds, per-run medians by one
lexsort, airport fits for all runs at once; Python only writes each finding's evidence). A run
that never slows below ``touch_and_go_kt`` and lasts at most ``touch_and_go_s`` between
airborne fixes is a touch-and-go, not a stop. Runs at the same airport separated only by slow
fixes (ground-flag flicker while taxiing) are one stop.

Inferred stops come from silences of at least ``min_silence_s`` between two airborne fixes when,
for one airport, the fix before is within the approach envelope (height above the airport at
most ``envelope_base_ft`` + ``envelope_ft_per_km`` x distance, i.e. about twice a 3-degree
glide path plus altimeter slack), not climbing, and heading for it; the fix after is within
the same envelope, not descending and heading away; and the silence leaves at least
``min_dwell_s`` on the ground after flying in and out at approach speeds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from flightcheck.geo import angle_diff_deg, bearing_deg, haversine_km, step_km
from flightcheck.segment import confidence, runwayfit
from flightcheck.segment.assign import best_two, score_many, score_pairs
from flightcheck.segment.context import Context, track_at
from flightcheck.segment.evidence import between, clock, duration, feet, vertical
from flightcheck.units import KT_TO_KMS

_UTC = pd.Timestamp(0, tz="UTC").tzinfo


def ts(t: float | None) -> pd.Timestamp | None:
    """Unix seconds to a UTC Timestamp in nanoseconds (None stays None)."""
    return None if t is None else pd.Timestamp(round(float(t * 1e9)), tz=_UTC)


@dataclass
class _Run:
    s: int
    e: int
    airport: int | None
    fit_km: float | None
    ambiguous: bool


def ground_jumps(ctx: Context) -> np.ndarray:
    """Ground fixes that neither neighbour could reach: both neighbours are ground fixes of the
    same aircraft that agree with each other, and reaching this fix from either would need
    more than ``ground_move_max_kt`` (plus ``ground_slack_km`` of position noise). These are
    position errors (MLAT/CPR), never a stop or a touch-and-go of their own."""
    p = ctx.pts
    n = len(p.t)
    out = np.zeros(n, dtype=bool)
    if n < 3:
        return out
    v = ctx.settings.ground_move_max_kt * KT_TO_KMS
    pair, step = _ground_steps(ctx)
    # the speed tests only where both steps are between ground fixes (no full-size temporaries)
    j = np.flatnonzero(pair[:-1] & pair[1:])  # step j into fix j + 1, step j + 1 out of it
    t = p.t
    both = (step[j] > ctx.settings.ground_slack_km + v * (t[j + 1] - t[j])) & (
        step[j + 1] > ctx.settings.ground_slack_km + v * (t[j + 2] - t[j + 1])
    )
    m = j[both] + 1
    dt_in, dt_out = p.t[m] - p.t[m - 1], p.t[m + 1] - p.t[m]
    d_by = step_km(p.lat[m - 1], p.lon[m - 1], p.lat[m + 1], p.lon[m + 1])
    bad = d_by <= ctx.settings.ground_slack_km + v * (dt_in + dt_out)
    out[m[bad]] = True
    return out


def _ground_steps(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """(pair, step): per fix k, whether fixes k and k + 1 are ground fixes of one aircraft,
    and then the km between them (0 elsewhere). Kept on ``ctx``: two tests use it."""
    if "_ground_steps" not in ctx.__dict__:
        p = ctx.pts
        pair = p.ground[1:] & p.ground[:-1] & (p.code[1:] == p.code[:-1])
        step = np.zeros(len(pair))  # only steps between two ground fixes matter
        k = np.flatnonzero(pair)
        step[k] = step_km(p.lat[k], p.lon[k], p.lat[k + 1], p.lon[k + 1])
        ctx.__dict__["_ground_steps"] = (pair, step)
    return ctx.__dict__["_ground_steps"]


def ground_run_bounds(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """(first, last) index arrays of runs of consecutive ground fixes of one aircraft (ground
    position jumps are skipped: they neither start nor break a run)."""
    p = ctx.pts
    empty = np.empty(0, dtype=np.int64)
    if not len(p.t):
        return empty, empty
    jumps = ground_jumps(ctx)
    if jumps.any():
        idx = np.flatnonzero(~jumps)
        g, code, lat, lon = p.ground[idx], p.code[idx], p.lat[idx], p.lon[idx]
    else:  # nothing skipped: the arrays themselves, no copies
        idx = None
        g, code, lat, lon = p.ground, p.code, p.lat, p.lon
    if not len(g):
        return empty, empty
    same = np.zeros(len(g), dtype=bool)
    same[1:] = code[1:] == code[:-1]
    far = np.zeros(len(g), dtype=bool)
    if idx is None:  # far matters only where both are ground fixes of one aircraft: known
        pair, step = _ground_steps(ctx)
        far[1:] = pair & (step > ctx.settings.ground_break_km)
    else:
        k = np.flatnonzero(g[1:])  # far only matters at ground fixes
        far[k + 1] = step_km(lat[k], lon[k], lat[k + 1], lon[k + 1]) > ctx.settings.ground_break_km
    change = ~same
    change[1:] |= g[1:] != g[:-1]
    change |= g & far
    starts = np.flatnonzero(change)
    ends = np.concatenate([starts[1:], [len(g)]]) - 1
    keep = g[starts]
    if idx is None:
        return starts[keep], ends[keep]
    return idx[starts[keep]], idx[ends[keep]]


def ranges(
    s: np.ndarray, e: np.ndarray, mask: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fixes of index ranges ``s[r]..e[r]`` (inclusive), as (range number, fix index, first
    position of each range in those arrays); with ``mask``, only the fixes where it is True."""
    n = e - s + 1
    run = np.repeat(np.arange(len(s)), n)
    idx = np.repeat(s - (np.cumsum(n) - n), n) + np.arange(len(run))
    if mask is not None:
        keep = mask[idx]
        run, idx = run[keep], idx[keep]
    counts = np.bincount(run, minlength=len(s))
    return run, idx, np.cumsum(counts) - counts


def group_median(values: np.ndarray, run: np.ndarray, n_runs: int) -> np.ndarray:
    """Per range number, the median of ``values`` (as ``np.median``; NaN for an empty range):
    values sorted by (range, value), then the middle element(s) of each range. The sort is
    two fast unstable argsorts (the value ranks, then range x len + rank, a unique integer
    key) instead of a lexsort: equal values are interchangeable, so the result is the same."""
    n = len(values)
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(values)] = np.arange(n)
    v = values[np.argsort(np.asarray(run, dtype=np.int64) * max(n, 1) + rank)]
    counts = np.bincount(run, minlength=n_runs)
    first = np.cumsum(counts) - counts
    half = counts // 2
    hi = np.minimum(first + half, max(len(v) - 1, 0))
    lo = np.maximum(hi - 1, 0)
    out = np.full(n_runs, np.nan)
    if len(v):
        odd = counts % 2 == 1
        even = (counts > 0) & ~odd
        out[odd] = v[hi[odd]]
        out[even] = (v[lo[even]] + v[hi[even]]) / 2
    return out


def group_nanmin(values: np.ndarray, first: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Per group of consecutive ``values`` (starting at ``first``, ``counts`` long, all > 0),
    the minimum ignoring NaN (NaN when all are NaN)."""
    if not len(first):
        return np.empty(0)
    return np.fmin.reduceat(values, first)


def airport_fields(ctx: Context, i: int | None) -> dict:
    ix = ctx.ix
    if i is None:
        return {"airport": None, "airport_name": None, "country": None}
    return {"airport": str(ix.code[i]), "airport_name": str(ix.name[i]), "country": ix.country[i]}


def runways_at(ctx: Context, k: np.ndarray, airport: np.ndarray, phase: str) -> list[str | None]:
    """Per airborne fix ``k[j]``: the runway end of ``airport[j]`` whose centreline it is on
    (within ``runway_search_km`` of the airport), else None. Vectorised over all fixes."""
    p, ix = ctx.pts, ctx.ix
    k = np.asarray(k, dtype=np.int64)
    airport = np.asarray(airport, dtype=np.int64)
    out: list[str | None] = [None] * len(k)
    if not len(k):
        return out
    ref = haversine_km(p.lat[k], p.lon[k], ix.lat[airport], ix.lon[airport])
    near = np.flatnonzero(ref <= ctx.settings.runway_search_km)
    # exports without a track (KML) get the bearing between fixes
    trk = track_at(ctx, k, -1 if phase == "arrive" else 1)
    sc = score_pairs(
        ix, near, airport[near], ref[near], p.lat[k], p.lon[k], trk, phase, len(k), ctx.settings
    )
    for row in np.flatnonzero(sc.runway >= 0).tolist():
        out[int(sc.query[row])] = sc.runway_end(row)
    return out


def _pick(values: np.ndarray, rows: np.ndarray, missing: float) -> np.ndarray:
    """``values[rows]`` where ``rows >= 0``, ``missing`` elsewhere; ground runs with no
    airport near any of them leave ``values`` empty (it crashed ``stops`` on them)."""
    if not len(values):
        return np.full(len(rows), missing)
    return np.where(rows >= 0, values[np.maximum(rows, 0)], missing)


def observed(ctx: Context) -> tuple[list[dict], list[dict]]:
    """Observed stops and touch-and-go events from the ground runs (vectorised over runs;
    Python only builds the findings)."""
    p = ctx.pts
    s_all, e_all = ground_run_bounds(ctx)
    n_runs = len(s_all)
    if not n_runs:
        return [], []
    run, idx, first = ranges(s_all, e_all)
    lat_m = group_median(p.lat[idx], run, n_runs)
    lon_m = group_median(p.lon[idx], run, n_runs)
    sc = score_many(
        ctx.ix, lat_m, lon_m, None, "ground", ctx.settings.ground_radius_km, ctx.settings
    )
    best, second = best_two(sc)
    has_fit = best >= 0
    fit_ap = _pick(sc.airport, best, -1)
    fit_km = _pick(sc.distance_km, best, np.nan)
    ambiguous = (
        has_fit
        & (second >= 0)
        & (
            _pick(sc.cost_km, second, np.nan) - _pick(sc.cost_km, best, np.nan)
            < ctx.settings.ground_ambiguous_km
        )
    )
    min_gs = group_nanmin(p.gs[idx], first, e_all - s_all + 1)
    dur = p.t[e_all] - p.t[s_all]
    c = p.code[s_all]
    has_before = s_all > p.start[c]
    has_after = e_all + 1 < p.end[c]
    bi = np.maximum(s_all - 1, 0)
    ai = np.minimum(e_all + 1, len(p.t) - 1)
    fast = (min_gs >= ctx.settings.touch_and_go_kt) | (np.isnan(min_gs) & (s_all == e_all))
    # a fast, brief run at the very start or end of the data is a take-off or landing roll the
    # export cut short: a stop open at that end, when it is at an airport
    near = fit_km <= ctx.settings.touch_and_go_airport_km
    cut = (~has_before | ~has_after) & has_fit & near
    brief = fast & (dur <= ctx.settings.touch_and_go_s) & ~cut
    tng = (
        brief
        & has_before
        & has_after
        & ~p.ground[bi]
        & ~p.ground[ai]
        & (p.t[s_all] - p.t[bi] <= ctx.settings.touch_and_go_gap_s)
        & (p.t[ai] - p.t[e_all] <= ctx.settings.touch_and_go_gap_s)
        & has_fit
        & near
    )
    t_idx = np.flatnonzero(tng)
    t_rwy = runways_at(ctx, s_all[t_idx] - 1, fit_ap[t_idx], "arrive")
    events = [
        _touch_and_go(ctx, int(s_all[r]), int(e_all[r]), int(fit_ap[r]), float(min_gs[r]), rw)
        for r, rw in zip(t_idx.tolist(), t_rwy, strict=True)
    ]
    # runs at the same airport separated only by slow fixes (taxi flicker) are one stop
    k = np.flatnonzero(~brief)
    if not len(k):
        return [], events
    fast_count = np.concatenate([[0], np.cumsum(p.gs >= ctx.settings.taxi_kt)])
    merge = np.zeros(len(k), dtype=bool)
    prev, cur = k[:-1], k[1:]
    merge[1:] = (
        (c[prev] == c[cur])
        & (fit_ap[prev] == fit_ap[cur])
        & (fit_ap[cur] >= 0)
        & (fast_count[s_all[cur]] - fast_count[e_all[prev] + 1] == 0)
    )
    group_first = k[~merge]
    group_last = k[np.concatenate([np.flatnonzero(~merge)[1:] - 1, [len(k) - 1]])]
    runs = [
        _Run(s, e, a if a >= 0 else None, f if a >= 0 else None, m)
        for s, e, a, f, m in zip(
            s_all[group_first].tolist(),
            e_all[group_last].tolist(),
            fit_ap[group_first].tolist(),
            fit_km[group_first].tolist(),
            ambiguous[group_first].tolist(),
            strict=True,
        )
    ]
    # a stop of one run (all its fixes are ground fixes) has that run's medians already
    single = group_first == group_last
    return _observed_stops(ctx, runs, (single, lat_m[group_first], lon_m[group_first])), events


def _observed_stops(
    ctx: Context, runs: list[_Run], known: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
) -> list[dict]:
    """The stop records of merged ground runs (per-run statistics vectorised); ``known``:
    (per run, whether its median position below is already right; median lat; median lon)."""
    p = ctx.pts
    s = np.array([r.s for r in runs], dtype=np.int64)
    e = np.array([r.e for r in runs], dtype=np.int64)
    ap = np.array([-1 if r.airport is None else r.airport for r in runs], dtype=np.int64)
    n = len(runs)
    run, idx, first = ranges(s, e, p.ground)
    if known is None:
        lat_m = group_median(p.lat[idx], run, n)
        lon_m = group_median(p.lon[idx], run, n)
    else:  # medians only of the runs not known (a median depends on its own run alone)
        done, lat_m, lon_m = known[0], known[1].copy(), known[2].copy()
        todo = np.flatnonzero(~done)
        redo = ~done[run]
        number = np.cumsum(~done) - 1
        lat_m[todo] = group_median(p.lat[idx[redo]], number[run[redo]], len(todo))
        lon_m[todo] = group_median(p.lon[idx[redo]], number[run[redo]], len(todo))
    n_ground = np.bincount(run, minlength=n)
    min_gs = group_nanmin(p.gs[idx], first, n_ground)
    mlat_share = np.bincount(run, weights=p.mlat[idx], minlength=n) / n_ground
    c = p.code[s]
    before = np.where(s > p.start[c], s - 1, -1)
    after = np.where(e + 1 < p.end[c], e + 1, -1)
    want_in = np.flatnonzero(
        (before >= 0) & (ap >= 0) & (p.t[s] - p.t[before] <= ctx.settings.runway_window_s)
    )
    want_out = np.flatnonzero(
        (after >= 0) & (ap >= 0) & (p.t[after] - p.t[e] <= ctx.settings.runway_window_s)
    )
    rwy_in: list[str | None] = [None] * n
    rwy_out: list[str | None] = [None] * n
    for j, rw in zip(
        want_in.tolist(), runways_at(ctx, before[want_in], ap[want_in], "arrive"), strict=True
    ):
        rwy_in[j] = rw
    for j, rw in zip(
        want_out.tolist(), runways_at(ctx, after[want_out], ap[want_out], "depart"), strict=True
    ):
        rwy_out[j] = rw
    # distances from the fix before (after) to the median ground position, where the silence
    # is long enough for an arrival (departure) window: all at once, not one call per stop
    d_in, d_out = np.full(n, np.nan), np.full(n, np.nan)
    w_in = np.flatnonzero((before >= 0) & (p.t[s] - p.t[before] > ctx.settings.window_silence_s))
    w_out = np.flatnonzero((after >= 0) & (p.t[after] - p.t[e] > ctx.settings.window_silence_s))
    d_in[w_in] = step_km(p.lat[before[w_in]], p.lon[before[w_in]], lat_m[w_in], lon_m[w_in])
    d_out[w_out] = step_km(p.lat[after[w_out]], p.lon[after[w_out]], lat_m[w_out], lon_m[w_out])
    stats = zip(
        lat_m.tolist(),
        lon_m.tolist(),
        n_ground.tolist(),
        min_gs.tolist(),
        mlat_share.tolist(),
        rwy_in,
        rwy_out,
        d_in.tolist(),
        d_out.tolist(),
        strict=True,
    )
    return [_observed_stop(ctx, r, *st) for r, st in zip(runs, stats, strict=True)]


def _touch_and_go(
    ctx: Context, s: int, e: int, airport: int, min_gs: float, rwy: str | None
) -> dict:
    p = ctx.pts
    fields = airport_fields(ctx, airport)
    text = (
        f"touch-and-go at {fields['airport']} ({fields['airport_name']})"
        f"{' runway ' + rwy if rwy else ''}: {e - s + 1} ground fix(es) {clock(p.t[s])}"
        f"-{clock(p.t[e])} never slower than {min_gs:.0f} kt, airborne again "
        f"{p.t[e + 1] - p.t[e]:.0f} s later at {feet(p.alt[e + 1])}; "
        f"{ctx.cite.span(int(p.pos[s - 1]), int(p.pos[e + 1]), p.pos[s - 1 : e + 2])}"
    )
    return {
        "icao24": str(p.icao24s[p.code[s]]),
        "kind": "touch_and_go",
        "airport": fields["airport"],
        "airport_name": fields["airport_name"],
        "time": ts(p.t[s]),
        "end": ts(p.t[e]),
        "lat": float(p.lat[s]),
        "lon": float(p.lon[s]),
        "runway": rwy,
        "evidence": text,
        "rows": [ctx.cite.ref(int(p.pos[k])) for k in (s - 1, s, e, e + 1)],
    }


def _speed_kms(gs: float, floor_kt: float) -> float:
    v = (gs + floor_kt) / 2 if math.isfinite(gs) else floor_kt + 30
    return max(v, floor_kt) * KT_TO_KMS


def _observed_stop(
    ctx: Context,
    run: _Run,
    lat_m: float,
    lon_m: float,
    n_ground: int,
    min_gs: float,
    mlat_share: float,
    rwy_in: str | None,
    rwy_out: str | None,
    d_in: float,
    d_out: float,
) -> dict:
    """The stop record of a merged ground run; ``d_in``/``d_out``: km from the fix before
    (after) the run to its median position, where the silence calls for a window."""
    p, ix = ctx.pts, ctx.ix
    s, e = run.s, run.e
    c = p.code[s]
    before = s - 1 if s > p.start[c] else None
    after = e + 1 if e + 1 < p.end[c] else None
    notes: list[str] = []
    arrival = departure = None
    arr_win = dep_win = None
    if before is not None:
        arrival = p.t[s]
        silence = p.t[s] - p.t[before]
        if silence > ctx.settings.window_silence_s:
            d = d_in
            fast = _fastest_kms(p.gs[before], ctx.settings.window_fast_kt)
            early = min(p.t[before] + d / fast, p.t[s])
            arrival = min(
                p.t[before] + d / _speed_kms(p.gs[before], ctx.settings.approach_kt), p.t[s]
            )
            arr_win = [ts(early), ts(p.t[s])]
            notes.append(
                f"silent {duration(silence)} before the first ground fix (last "
                f"airborne fix {feet(p.alt[before])} {d:.1f} km away at "
                f"{clock(p.t[before])}, {ctx.src(before)})"
            )
    else:
        notes.append("the data starts with the aircraft on the ground")
    if after is not None:
        departure = p.t[e]
        silence = p.t[after] - p.t[e]
        if silence > ctx.settings.window_silence_s:
            d = d_out
            fast = _fastest_kms(p.gs[after], ctx.settings.window_fast_kt)
            late = max(p.t[after] - d / fast, p.t[e])
            departure = max(
                p.t[after] - d / _speed_kms(p.gs[after], ctx.settings.approach_kt), p.t[e]
            )
            dep_win = [ts(p.t[e]), ts(late)]
            notes.append(
                f"silent {duration(silence)} after the last ground fix (first "
                f"airborne fix {feet(p.alt[after])} {d:.1f} km away at "
                f"{clock(p.t[after])}, {ctx.src(after)})"
            )
    else:
        notes.append("the data ends with the aircraft on the ground")
    dwell = (departure if departure is not None else p.t[e]) - (
        arrival if arrival is not None else p.t[s]
    )
    conf, factors = confidence.observed(
        n_ground, min_gs, dwell, run.fit_km, run.ambiguous, mlat_share
    )
    fields = airport_fields(ctx, run.airport)
    where = (
        f"{fields['airport']} ({fields['airport_name']})"
        if run.airport is not None
        else f"no airport within {ctx.settings.ground_radius_km:.0f} km of {lat_m:.4f}, {lon_m:.4f}"
    )
    text = (
        f"{n_ground} ground fixes at {where} {between(p.t[s], p.t[e])}"
        + (f", {run.fit_km:.1f} km from the nearest runway" if run.fit_km is not None else "")
        + (f", slowest {min_gs:.0f} kt" if math.isfinite(min_gs) else "")
        + f"; {ctx.cite.span(int(p.pos[s]), int(p.pos[e]), p.pos[s : e + 1])}"
    )
    if rwy_in and before is not None:  # a runway is only read from the fix before
        text += (
            f"; landed runway {rwy_in} (last airborne fix {feet(p.alt[before])} on the "
            f"centreline at {clock(p.t[before])}, {ctx.src(before)})"
        )
    if rwy_out and after is not None:
        text += (
            f"; departed runway {rwy_out} (first airborne fix {feet(p.alt[after])} at "
            f"{clock(p.t[after])}, {ctx.src(after)})"
        )
    if notes:
        text += "; " + "; ".join(notes)
    text += f"; confidence {conf:.2f} ({confidence.describe(factors)})"
    if run.airport is not None:
        lat_m, lon_m = float(ix.lat[run.airport]), float(ix.lon[run.airport])
    rows = [ctx.cite.ref(int(p.pos[k])) for k in (s, e)]
    return {
        "icao24": str(p.icao24s[c]),
        **fields,
        "lat": lat_m,
        "lon": lon_m,
        "arrival": ts(arrival),
        "departure": ts(departure),
        "arrival_window": arr_win,
        "departure_window": dep_win,
        "dwell_s": float(dwell),
        "kind": "observed",
        "confidence": conf,
        "runway": rwy_in or rwy_out,
        "evidence": text,
        "confidence_factors": factors,
        "rows": rows,
        "_first": s,
        "_last": e,
    }


def inferred(ctx: Context, gap_idx: np.ndarray) -> list[dict]:
    """Inferred stops across the silences starting at fixes ``gap_idx`` (both sides airborne);
    the rules are applied to every (silence, airport) pair at once (:func:`infer_table`)."""
    b = np.asarray(gap_idx, dtype=np.int64)
    if not len(b):
        return []
    tab = infer_table(ctx, b, b + 1)
    ok = tab["reason"] == 0
    g, cost, ap = tab["gap"][ok], tab["cost"][ok], tab["airport"][ok]
    rb, ra = tab["row_b"][ok], tab["row_a"][ok]
    order = np.lexsort((ap, cost, g))
    g, cost, rb, ra = g[order], cost[order], rb[order], ra[order]
    first = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if len(g) else np.empty(0, np.int64)
    nxt = first + 1
    has2 = (nxt < len(g)) & (g[np.minimum(nxt, max(len(g) - 1, 0))] == g[first])
    second_cost = np.where(has2, cost[np.minimum(nxt, max(len(g) - 1, 0))], np.inf)
    ambiguous = has2 & (second_cost - cost[first] < ctx.settings.inferred_ambiguous_km)
    alt_ap = np.where(has2, tab["sb"].airport[rb[np.minimum(nxt, max(len(g) - 1, 0))]], -1)
    out = []
    for f, amb, alt in zip(first.tolist(), ambiguous.tolist(), alt_ap.tolist(), strict=True):
        gi = int(g[f])
        out.append(
            _infer_one(
                ctx,
                int(b[gi]),
                int(b[gi]) + 1,
                tab["sb"].score(int(rb[f])),
                tab["sa"].score(int(ra[f])),
                bool(amb),
                alt,
                float(tab["trend_b"][gi]),
                float(tab["trend_a"][gi]),
            )
        )
    return out


def _trends(ctx: Context, k: np.ndarray, step: int) -> np.ndarray:
    """Altitude change (ft) from fixes ``k`` to their neighbours ``k+step`` within
    ``trend_window_s``, else NaN."""
    p = ctx.pts
    j = k + step
    inside = (j >= 0) & (j < len(p.t))
    jc = np.clip(j, 0, max(len(p.t) - 1, 0))
    ok = (
        inside
        & (p.code[jc] == p.code[k])
        & ~(np.abs(p.t[jc] - p.t[k]) > ctx.settings.trend_window_s)
    )
    change = (p.alt[k] - p.alt[jc]) if step < 0 else (p.alt[jc] - p.alt[k])
    return np.where(ok, change, np.nan)


REASONS = (
    "accepted",
    "altitude unknown",
    "climbing before or descending after the silence",
    "fixes too far apart",
    "last fix above the approach envelope",
    "first fix above the departure envelope",
    "not heading to / away from the airport",
    "silence leaves less than min_dwell_s on the ground",
)
"""Rule numbers of :func:`infer_table` (0: the airport fits)."""


def why_not_inferred(ctx: Context, b: int, a: int) -> str:
    """The rule that rejects an inferred stop across the silence from fix b to fix a (for
    diagnostics and benchmarks); ``"accepted"`` when there is one."""
    tab = infer_table(ctx, np.array([b]), np.array([a]))
    if tab["gap_reason"][0]:
        return REASONS[int(tab["gap_reason"][0])]
    if (tab["reason"] == 0).any():
        return "accepted"
    reasons = [REASONS[int(r)] for r in tab["reason"]]
    return "; ".join(dict.fromkeys(reasons)) or "no airport near both fixes"


def infer_table(ctx: Context, b: np.ndarray, a: np.ndarray) -> dict:
    """The inferred-stop rules for silences from airborne fix ``b[g]`` to ``a[g]``, vectorised.

    Per silence: ``gap_reason`` (0, or the rule number in ``REASONS`` that rejects it
    whatever the airport), ``trend_b``/``trend_a`` (reported vertical rate, else the altitude
    change to the neighbour). Per (silence, airport near both fixes) pair: ``gap``,
    ``airport``, ``row_b``/``row_a`` (rows of the scores ``sb``/``sa`` at either fix),
    ``cost`` km and ``reason`` (0 when the airport fits, else the first rule it breaks)."""
    p, ix = ctx.pts, ctx.ix
    n = len(b)
    trend_b = np.where(np.isfinite(p.vr[b]), p.vr[b], _trends(ctx, b, -1))
    trend_a = np.where(np.isfinite(p.vr[a]), p.vr[a], _trends(ctx, a, +1))
    gap_reason = np.zeros(n, dtype=np.int8)
    far = step_km(p.lat[b], p.lon[b], p.lat[a], p.lon[a]) > 2 * ctx.settings.infer_radius_km
    gap_reason[far] = 3
    steep = ctx.settings.infer_trend_fpm
    gap_reason[(trend_b > steep) | (trend_a < -steep)] = 2
    gap_reason[~(np.isfinite(p.alt[b]) & np.isfinite(p.alt[a]))] = 1
    live = np.flatnonzero(gap_reason == 0)
    sb = score_many(
        ix,
        p.lat[b[live]],
        p.lon[b[live]],
        p.trk[b[live]],
        "arrive",
        ctx.settings.infer_radius_km,
        ctx.settings,
    )
    sa = score_many(
        ix,
        p.lat[a[live]],
        p.lon[a[live]],
        p.trk[a[live]],
        "depart",
        ctx.settings.infer_radius_km,
        ctx.settings,
    )
    n_ap = len(ix)
    _, row_b, row_a = np.intersect1d(
        sb.query * n_ap + sb.airport,
        sa.query * n_ap + sa.airport,
        assume_unique=True,
        return_indices=True,
    )
    gl = sb.query[row_b]
    g = live[gl]
    ap = sb.airport[row_b]
    kb, ka = b[g], a[g]
    db, da = sb.distance_km[row_b], sa.distance_km[row_a]
    elev = np.where(np.isfinite(ix.elev_ft[ap]), ix.elev_ft[ap], 0.0)
    hb, ha = p.alt[kb] - elev, p.alt[ka] - elev
    ac = p.code[kb]
    fit = runwayfit.fit(ix, ap, ctx.needs.min_ft[ac], ctx.needs.paved[ac])
    t_in = db / _speeds_kms(p.gs[kb], ctx.settings.approach_kt)
    t_out = da / _speeds_kms(p.gs[ka], ctx.settings.approach_kt)
    silence = p.t[ka] - p.t[kb]
    reason = np.zeros(len(g), dtype=np.int8)
    rules = [
        (4, hb > ctx.settings.envelope_base_ft + ctx.settings.envelope_ft_per_km * db),
        (5, ha > ctx.settings.envelope_base_ft + ctx.settings.envelope_ft_per_km * da),
        (6, ~_headings_ok(ctx, kb, ap, towards=True) | ~_headings_ok(ctx, ka, ap, towards=False)),
        (7, silence - t_in - t_out < ctx.settings.min_dwell_s),
    ]
    for code, broken in reversed(rules):  # the first broken rule wins
        reason[broken] = code
    return {
        "gap_reason": gap_reason,
        "trend_b": trend_b,
        "trend_a": trend_a,
        "gap": g,
        "airport": ap,
        "row_b": row_b,
        "row_a": row_a,
        # runway suitability ranks (never rejects): the strip the track points at stays
        "cost": sb.cost_km[row_b]
        + sa.cost_km[row_a]
        + runwayfit.cost_km(ix, ap, fit, ctx.needs.min_ft[ac]),
        "reason": reason,
        "hb": hb,
        "ha": ha,
        "t_in": t_in,
        "t_out": t_out,
        "sb": sb,
        "sa": sa,
    }


def _fastest_kms(gs: float, floor_kt: float) -> float:
    """The faster of ground speed ``gs`` (kt; unknown: 0) and ``floor_kt``, in km/s: the
    soonest an aircraft can have reached the runway from a silent fix."""
    return max(gs if math.isfinite(gs) else 0, floor_kt) * KT_TO_KMS


def _speeds_kms(gs: np.ndarray, floor_kt: float) -> np.ndarray:
    """:func:`_speed_kms` for arrays."""
    v = np.where(np.isfinite(gs), (gs + floor_kt) / 2, floor_kt + 30)
    return np.maximum(v, floor_kt) * KT_TO_KMS


def _infer_one(
    ctx: Context,
    b: int,
    a: int,
    fb,
    fa,
    ambiguous: bool,
    alt_airport: int,
    trend_b: float,
    trend_a: float,
) -> dict:
    p, ix = ctx.pts, ctx.ix
    silence = p.t[a] - p.t[b]
    i = fb.airport
    elev = ix.elev_ft[i] if math.isfinite(ix.elev_ft[i]) else 0.0
    hb, ha = p.alt[b] - elev, p.alt[a] - elev
    t_in = fb.distance_km / _speed_kms(p.gs[b], ctx.settings.approach_kt)
    t_out = fa.distance_km / _speed_kms(p.gs[a], ctx.settings.approach_kt)
    fast_b = _fastest_kms(p.gs[b], ctx.settings.window_fast_kt)
    fast_a = _fastest_kms(p.gs[a], ctx.settings.window_fast_kt)
    arr_early = p.t[b] + fb.distance_km / fast_b
    dep_late = p.t[a] - fa.distance_km / fast_a
    arrival, departure = p.t[b] + t_in, p.t[a] - t_out
    conf, factors = confidence.inferred(
        (hb, ha),
        (fb.runway is not None, fa.runway is not None),
        bool(p.new_leg[a]),
        silence,
        ambiguous,
    )
    fields = airport_fields(ctx, i)
    code = fields["airport"]

    def side(k: int, f, h: float, what: str, trend: float) -> str:
        rw = f" runway {f.runway}" if f.runway else ""
        dist = f.threshold_km if f.runway and f.threshold_km is not None else f.distance_km
        return (
            f"{what} {feet(p.alt[k])} ({h:,.0f} ft above the field) "
            f"{vertical(p.vr[k], trend)} {dist:.1f} km from {code}{rw}"
            f"{' on the centreline' if f.runway else ''} at {clock(p.t[k])}, {ctx.src(k)}"
        )

    text = (
        f"inferred stop at {code} ({fields['airport_name']}): "
        + side(b, fb, hb, "last fix", trend_b)
        + f"; silent {duration(silence)}; "
        + side(a, fa, ha, "first fix", trend_a)
    )
    if p.new_leg[a]:
        text += "; readsb marked a new leg at the first fix"
    if ambiguous:
        alt_code = ix.code[alt_airport]
        text += f"; {alt_code} fits almost as well"
    text += runwayfit.stop_note(ix, i, ctx.needs, int(p.code[b]))
    text += f"; confidence {conf:.2f} ({confidence.describe(factors)})"
    return {
        "icao24": str(p.icao24s[p.code[b]]),
        **fields,
        "lat": float(ix.lat[i]),
        "lon": float(ix.lon[i]),
        "arrival": ts(arrival),
        "departure": ts(departure),
        "arrival_window": [ts(arr_early), ts(dep_late)],
        "departure_window": [ts(arr_early), ts(dep_late)],
        "dwell_s": float(departure - arrival),
        "kind": "inferred",
        "confidence": conf,
        "runway": fb.runway or fa.runway,
        "evidence": text,
        "confidence_factors": factors,
        "rows": [ctx.cite.ref(int(p.pos[b])), ctx.cite.ref(int(p.pos[a]))],
        "_first": b,
        "_last": a,
    }


def _headings_ok(ctx: Context, k: np.ndarray, airport: np.ndarray, towards: bool) -> np.ndarray:
    """Further than ``heading_check_km`` from the airport, the track must point to it (or away,
    after the stop) within ``heading_max_deg``."""
    p, ix = ctx.pts, ctx.ix
    if towards:
        brg = bearing_deg(p.lat[k], p.lon[k], ix.lat[airport], ix.lon[airport])
    else:
        brg = bearing_deg(ix.lat[airport], ix.lon[airport], p.lat[k], p.lon[k])
    cfg = ctx.settings
    near = step_km(p.lat[k], p.lon[k], ix.lat[airport], ix.lon[airport]) <= cfg.heading_check_km
    return ~np.isfinite(p.trk[k]) | near | (angle_diff_deg(p.trk[k], brg) <= cfg.heading_max_deg)
