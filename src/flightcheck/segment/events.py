"""Events that are not stops: go-arounds / low approaches and holding patterns.
(Touch-and-goes come from ground runs, see :mod:`flightcheck.segment.stops`.)

Go-around / low approach: an altitude valley (vectorised: altitude quantised to 100 ft, valleys
of the de-duplicated sequence) at most ``go_around_agl_ft`` above an airport, within
``go_around_runway_km`` of a runway or on its extended centreline, with at least
``go_around_rise_ft`` of descent before and climb after within ``go_around_window_s``,
continuous coverage (no silence over ``event_max_step_s`` next to the bottom) and no ground fix
within ``go_around_window_s``. (Thresholds: :class:`flightcheck.settings.EngineSettings`.)

Holding: at least ``hold_turn_deg`` of net turn in one direction within ``hold_window_s``
(one racetrack lap or orbit is 360 degrees in about 4-12 min) at any altitude, from the
reported track (or the bearing between fixes), with wrap-around handled by summing wrapped
differences, counting only airborne steps of at most ``event_max_step_s``; vectorised with a
cumulative sum and a time-window search per aircraft. The hold spans the turning steps of
the flagged window. A lap that starts within ``circuit_s`` after a go-around, a touch-and-go
or a take-off is the circuit back to the runway and is not reported.
"""

from __future__ import annotations

import math

import numpy as np

from flightcheck.geo import bearing_deg, step_km, wrap180
from flightcheck.segment.assign import Scores, score_many
from flightcheck.segment.context import Context
from flightcheck.segment.evidence import clock, duration, feet
from flightcheck.segment.stops import ts
from flightcheck.settings import EngineSettings


def _key(ctx: Context) -> np.ndarray:
    """A sortable integer per fix: aircraft, then time in milliseconds (``_ms`` windows are
    searched within one aircraft). Integers, so a window's edge is decided the same way
    whatever else is in the table (a float key rounded differently with the aircraft's
    number, and so with how the table was cut into pieces)."""
    cache = ctx.__dict__
    if "_event_key" not in cache:  # go-arounds and holds both search it
        p = ctx.pts
        t_ms = np.round(p.t * 1000.0).astype(np.int64)
        t_ms -= t_ms.min() if len(t_ms) else 0
        cache["_event_key"] = (p.code.astype(np.int64) << 41) + t_ms  # 2^41 ms: 69 years
    return cache["_event_key"]


def _ms(seconds: float) -> int:
    return round(seconds * 1000.0)


SEARCH_BLOCK = 1 << 16
"""Queries per block of :func:`_window_starts` (its search range then stays in cache)."""


def _window_starts(key: np.ndarray, width: int) -> np.ndarray:
    """``np.searchsorted(key, key - width)`` for a sorted ``key``, block by block: a block's
    answers lie between the first one and the block's end, so each search stays in a small,
    cache-resident range (identical results, much faster on 10-million-fix tables)."""
    n = len(key)
    out = np.empty(n, dtype=np.int64)
    for s in range(0, n, SEARCH_BLOCK):
        e = min(s + SEARCH_BLOCK, n)
        q = key[s:e] - width
        lo = int(np.searchsorted(key, q[0]))
        out[s:e] = lo + np.searchsorted(key[lo:e], q)
    return out


def _window_max(ext: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """max(ext[lo[k]:hi[k]]) for each k (hi > lo), with one reduceat call; ``ext`` ends with
    an extra ``-inf`` (``hi`` may be the length of the values)."""
    idx = np.empty(2 * len(lo), dtype=np.int64)
    idx[0::2], idx[1::2] = lo, hi
    return np.maximum.reduceat(ext, idx)[0::2]


def go_arounds(ctx: Context) -> list[dict]:
    """Go-around / low-approach events."""
    cfg = ctx.settings
    p = ctx.pts
    air = np.flatnonzero(~p.ground & np.isfinite(p.alt))
    if len(air) < 3:
        return []
    q = np.round(p.alt[air] / 100.0)
    c, t = p.code[air], p.t[air]
    brk = np.ones(len(air), dtype=bool)
    brk[1:] = (c[1:] != c[:-1]) | (t[1:] - t[:-1] > cfg.event_max_step_s)
    change = brk.copy()
    change[1:] |= q[1:] != q[:-1]
    kept = np.flatnonzero(change)
    seg = np.cumsum(brk)[kept]
    qk = q[kept]
    # middle elements 1..len-2 against their neighbours (slices: no index temporaries)
    mid_seg, mid_q = seg[1:-1], qk[1:-1]
    valley = (
        (seg[:-2] == mid_seg)
        & (seg[2:] == mid_seg)
        & (qk[:-2] > mid_q)
        & (qk[2:] > mid_q)
        & (mid_q * 100 < cfg.go_around_max_ft)
    )
    cand = air[kept[1:-1][valley]]
    if not len(cand):
        return []
    key = _key(ctx)
    alt = np.empty(len(p.alt) + 1)  # airborne altitudes, -inf elsewhere and past the end
    np.copyto(alt[:-1], p.alt)
    np.copyto(alt[:-1], -np.inf, where=~(np.isfinite(p.alt) & ~p.ground))
    alt[-1] = -np.inf
    lo = np.searchsorted(key, key[cand] - _ms(cfg.go_around_window_s))
    hi = np.searchsorted(key, key[cand] + _ms(cfg.go_around_window_s), side="right")
    before = _window_max(alt, lo, cand + 1) - p.alt[cand]
    after = _window_max(alt, cand, hi) - p.alt[cand]
    gcount = np.zeros(len(p.ground) + 1, dtype=np.int32)  # ground fixes before each fix
    np.cumsum(p.ground, dtype=np.int32, out=gcount[1:])
    no_ground = gcount[hi] - gcount[lo] == 0
    prev_ok = (
        (cand > 0)
        & (p.code[cand - 1] == p.code[cand])
        & (p.t[cand] - p.t[np.maximum(cand - 1, 0)] <= cfg.event_max_step_s)
    )
    nxt = np.minimum(cand + 1, len(p.t) - 1)
    next_ok = (
        (p.code[nxt] == p.code[cand])
        & (p.t[nxt] - p.t[cand] <= cfg.event_max_step_s)
        & (nxt > cand)
    )
    ok = (
        (before >= cfg.go_around_rise_ft)
        & (after >= cfg.go_around_rise_ft)
        & no_ground
        & prev_ok
        & next_ok
    )
    out: list[dict] = []
    last: dict[int, float] = {}
    ks = cand[ok]
    sc = score_many(ctx.ix, p.lat[ks], p.lon[ks], p.trk[ks], "arrive", cfg.go_around_search_km, cfg)
    for n, k in enumerate(ks.tolist()):
        c_k = int(p.code[k])
        if p.t[k] - last.get(c_k, -np.inf) < cfg.go_around_window_s:
            continue
        ev = _go_around(ctx, k, sc, n)
        if ev is not None:
            out.append(ev)
            last[c_k] = p.t[k]
    return out


def _go_around(ctx: Context, k: int, scores: Scores, q: int) -> dict | None:
    """The go-around at fix ``k`` (``q``: its number in ``scores``), or None."""
    cfg = ctx.settings
    p, ix = ctx.pts, ctx.ix
    for row in range(int(scores.start[q]), int(scores.start[q + 1])):
        s = scores.score(row)
        elev = ix.elev_ft[s.airport] if math.isfinite(ix.elev_ft[s.airport]) else 0.0
        h = p.alt[k] - elev
        if h > cfg.go_around_agl_ft or not (
            s.runway is not None or s.distance_km <= cfg.go_around_runway_km
        ):
            continue
        code = str(ix.code[s.airport])
        rw = f" runway {s.runway}" if s.runway else ""
        text = (
            f"go-around or low approach at {code} ({ix.name[s.airport]}){rw}: descended "
            f"to {feet(p.alt[k])} ({h:,.0f} ft above the field) {s.distance_km:.1f} km "
            f"from the runway at {clock(p.t[k])} and climbed away with no ground fix; "
            f"{ctx.src(k)}"
        )
        return {
            "icao24": str(p.icao24s[p.code[k]]),
            "kind": "go_around",
            "airport": code,
            "airport_name": str(ix.name[s.airport]),
            "time": ts(p.t[k]),
            "end": None,
            "lat": float(p.lat[k]),
            "lon": float(p.lon[k]),
            "runway": s.runway,
            "evidence": text,
            "rows": [ctx.cite.ref(int(p.pos[k]))],
        }
    return None


def headings(ctx: Context) -> np.ndarray:
    """Per fix: reported track, else for airborne fixes the bearing to the next fix when it
    moved more than ``heading_move_km`` (else from the previous fix), degrees true; NaN when
    unknown. Ground fixes keep the reported track only: turns are counted between airborne
    fixes alone."""
    p = ctx.pts
    n = len(p.t)
    heading = p.trk.copy()
    miss = np.flatnonzero(~np.isfinite(heading) & ~p.ground)
    if len(miss) and n > 1:
        nxt = np.minimum(miss + 1, n - 1)
        prv = np.maximum(miss - 1, 0)
        lat, lon = p.lat[miss], p.lon[miss]
        far = ctx.settings.heading_move_km
        moved_n = (p.code[nxt] == p.code[miss]) & (step_km(lat, lon, p.lat[nxt], p.lon[nxt]) > far)
        moved_p = (p.code[prv] == p.code[miss]) & (step_km(p.lat[prv], p.lon[prv], lat, lon) > far)
        fill = np.full(len(miss), np.nan)
        f = np.flatnonzero(moved_n)
        fill[f] = bearing_deg(lat[f], lon[f], p.lat[nxt[f]], p.lon[nxt[f]])
        r = np.flatnonzero(~moved_n & moved_p)
        fill[r] = bearing_deg(p.lat[prv[r]], p.lon[prv[r]], lat[r], lon[r])
        heading[miss] = fill
    return heading


def holds(ctx: Context, others: list[dict] | None = None) -> list[dict]:
    """Holding-pattern (or orbit) events; ``others`` are the go-around / touch-and-go events
    already found (a circuit flown after one of them is not a hold)."""
    cfg = ctx.settings
    p = ctx.pts
    n = len(p.t)
    if n < 3:
        return []
    heading = headings(ctx)
    d = wrap180(heading[1:] - heading[:-1])
    valid = (
        (p.code[1:] == p.code[:-1])
        & (p.t[1:] - p.t[:-1] <= cfg.event_max_step_s)
        & ~p.ground[1:]
        & (~p.ground[:-1])
        & np.isfinite(d)
    )
    turn = np.zeros(n)
    turn[1:] = np.where(valid, d, 0.0)
    # running turn in integer micro-degrees: sums over a window are exact, so they do not
    # depend on the turns of the aircraft before this one in the table (float sums did)
    cum = np.cumsum(np.round(turn * 1e6).astype(np.int64))
    key = _key(ctx)
    j = _window_starts(key, _ms(cfg.hold_window_s))
    flagged = np.flatnonzero(np.abs(cum - cum[j]) >= round(cfg.hold_turn_deg * 1e6))
    if not len(flagged):
        return []
    new = np.ones(len(flagged), dtype=bool)
    new[1:] = (p.code[flagged[1:]] != p.code[flagged[:-1]]) | (
        p.t[flagged[1:]] - p.t[flagged[:-1]] > cfg.hold_window_s
    )
    starts = np.flatnonzero(new)
    ends = np.concatenate([starts[1:], [len(flagged)]]) - 1
    circuits = _circuit_times(ctx, others or [])
    out = []
    firsts, lasts = _turning_pieces(p.t, turn, j[flagged[starts]], flagged[ends], cfg)
    nets = ((cum[lasts] - cum[firsts]) / 1e6).tolist()
    for first, last, net in zip(firsts.tolist(), lasts.tolist(), nets, strict=True):
        if abs(net) < cfg.hold_turn_deg:
            continue
        icao = str(p.icao24s[p.code[first]])
        if any(
            p.t[first] - cfg.circuit_s <= t_c <= p.t[last] + 60.0 for t_c in circuits.get(icao, ())
        ):
            continue
        out.append((first, last, net))
    return _holds(ctx, out)


def _turning_pieces(
    t: np.ndarray, turn: np.ndarray, lo: np.ndarray, hi: np.ndarray, cfg: EngineSettings
) -> tuple[np.ndarray, np.ndarray]:
    """(first, last) fix indices of the one-direction turning stretches in each of the
    disjoint, ascending ranges of fixes ``lo[r]..hi[r]``, in order (all ranges at once; each
    is treated on its own).

    Turning steps turn faster than ``turning_deg_s``; runs of them in one direction that add
    up to less than ``wiggle_deg`` are noise and ignored; stretches end where the direction
    changes or the aircraft flies straight for more than ``straight_s``."""
    empty = np.empty(0, dtype=np.int64)
    n = np.maximum(hi - lo, 0)  # candidate steps lo + 1 .. hi
    rng = np.repeat(np.arange(len(lo)), n)
    idx = np.repeat(lo + 1 - (np.cumsum(n) - n), n) + np.arange(len(rng))
    dt = np.maximum(t[idx] - t[idx - 1], 1.0)
    fast = np.abs(turn[idx]) / dt >= cfg.turning_deg_s
    steps, reg = idx[fast], rng[fast]
    if not len(steps):
        return empty, empty
    going = np.ones(len(lo), dtype=bool)
    for _ in range(2):  # drop small opposite wiggles, then merge what they separated
        sgn = np.sign(turn[steps])
        head = np.r_[True, (sgn[1:] != sgn[:-1]) | (reg[1:] != reg[:-1])]
        starts = np.flatnonzero(head)
        total = np.add.reduceat(turn[steps], starts)
        small = np.abs(total) < cfg.wiggle_deg
        run_reg = reg[starts]
        n_small = np.bincount(run_reg, weights=small, minlength=len(lo))
        n_runs = np.bincount(run_reg, minlength=len(lo))
        going &= (n_small > 0) & (n_small < n_runs)  # a range stops once none or all are small
        drop = small & going[run_reg]
        if not drop.any():
            break
        lens = np.diff(np.r_[starts, len(steps)])
        keep = ~np.repeat(drop, lens)
        steps, reg = steps[keep], reg[keep]
    sgn = np.sign(turn[steps])
    brk = (
        np.flatnonzero(
            (np.diff(t[steps]) > cfg.straight_s) | (sgn[1:] != sgn[:-1]) | (reg[1:] != reg[:-1])
        )
        + 1
    )
    bounds = np.concatenate([[0], brk, [len(steps)]])
    return steps[bounds[:-1]] - 1, steps[bounds[1:] - 1]


def _circuit_times(ctx: Context, others: list[dict]) -> dict[str, list[float]]:
    """Per aircraft: Unix times after which a circuit may be flown (go-arounds, touch-and-goes
    and the last ground fix before each take-off)."""
    p = ctx.pts
    out: dict[str, list[float]] = {}
    for e in others:
        if e["kind"] in ("go_around", "touch_and_go") and e["time"] is not None:
            out.setdefault(e["icao24"], []).append(e["time"].timestamp())
    if len(p.t) > 1:
        lift = np.flatnonzero(p.ground[:-1] & ~p.ground[1:] & (p.code[1:] == p.code[:-1]))
        for k in lift.tolist():
            out.setdefault(str(p.icao24s[p.code[k]]), []).append(float(p.t[k]))
    return out


def _holds(ctx: Context, pieces: list[tuple[int, int, float]]) -> list[dict]:
    """Hold events of the turning stretches ``(first, last, net turn)`` that stay within
    ``hold_max_radius_km`` of their centre, each near the best airport within
    ``hold_airport_km`` (largest type first, then nearest); the centres' radii and airports
    are found in one batch."""
    cfg = ctx.settings
    if not pieces:
        return []
    p, ix = ctx.pts, ctx.ix
    first = np.array([f for f, _, _ in pieces], dtype=np.int64)
    last = np.array([x for _, x, _ in pieces], dtype=np.int64)
    lat_c = np.array([np.mean(p.lat[f : x + 1]) for f, x, _ in pieces])
    lon_c = np.array([np.mean(p.lon[f : x + 1]) for f, x, _ in pieces])
    n = last - first + 1
    grp = np.repeat(np.arange(len(pieces)), n)
    fix = np.repeat(first - (np.cumsum(n) - n), n) + np.arange(len(grp))
    dist = step_km(lat_c[grp], lon_c[grp], p.lat[fix], p.lon[fix])
    radius = np.maximum.reduceat(dist, np.cumsum(n) - n)
    ok = np.flatnonzero(~(radius > cfg.hold_max_radius_km))
    q, ap, d = ix.near_many(lat_c[ok], lon_c[ok], cfg.hold_airport_km)
    best = np.full(len(ok), -1, dtype=np.int64)
    if len(q):
        order = np.lexsort((ap, d, -(ix.type_rank[ap] * 100 - d), q))  # as near() + argmax
        head = np.ones(len(order), dtype=bool)
        head[1:] = q[order][1:] != q[order][:-1]
        best[q[order][head]] = ap[order][head]
    out = []
    for j, h in enumerate(ok.tolist()):
        b = int(best[j])
        code, name = (str(ix.code[b]), str(ix.name[b])) if b >= 0 else (None, None)
        out.append(
            _hold(ctx, pieces[h], float(lat_c[h]), float(lon_c[h]), float(radius[h]), code, name)
        )
    return out


def _hold(
    ctx: Context,
    piece: tuple[int, int, float],
    lat_c: float,
    lon_c: float,
    radius: float,
    code: str | None,
    name: str | None,
) -> dict:
    p = ctx.pts
    first, last, net = piece
    sl = slice(first, last + 1)
    alts = p.alt[sl][np.isfinite(p.alt[sl])]
    band = f"{feet(alts.min())}-{feet(alts.max())}" if len(alts) else "unknown altitude"
    near = f" near {code} ({name})" if code else ""
    laps = max(round(abs(net)) // 360, 1)  # of the whole degrees the text gives
    text = (
        f"holding pattern{near}: {laps} lap(s), turned {abs(net):.0f} degrees "
        f"{'right' if net > 0 else 'left'} from {clock(p.t[first])} to {clock(p.t[last])} "
        f"({duration(p.t[last] - p.t[first])}) within {radius:.1f} km, {band}; "
        f"{ctx.cite.span(int(p.pos[first]), int(p.pos[last]), p.pos[first : last + 1])}"
    )
    return {
        "icao24": str(p.icao24s[p.code[first]]),
        "kind": "holding",
        "airport": code,
        "airport_name": name,
        "time": ts(p.t[first]),
        "end": ts(p.t[last]),
        "lat": lat_c,
        "lon": lon_c,
        "runway": None,
        "evidence": text,
        "rows": [ctx.cite.ref(int(p.pos[first])), ctx.cite.ref(int(p.pos[last]))],
    }
