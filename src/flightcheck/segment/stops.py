"""Stops: observed (ground fixes at an airport) and inferred (silence between a low,
descending fix and a low, climbing fix near the same airport).

Observed stops come from runs of ground fixes (vectorised run finding; the per-run work is a
loop over runs, which are few). A run that never slows below ``TOUCH_AND_GO_KT`` and lasts at
most ``TOUCH_AND_GO_S`` between airborne fixes is a touch-and-go, not a stop. Runs at the same
airport separated only by slow fixes (ground-flag flicker while taxiing) are one stop.

Inferred stops come from silences of at least ``MIN_GAP_S`` between two airborne fixes when,
for one airport, the fix before is within the approach envelope (height above the airport at
most ``ENVELOPE_BASE_FT`` + ``ENVELOPE_FT_PER_KM`` x distance, i.e. about twice a 3-degree
glide path plus altimeter slack), not climbing, and heading for it; the fix after is within
the same envelope, not descending and heading away; and the silence leaves at least
``MIN_DWELL_S`` on the ground after flying in and out at approach speeds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from flightcheck.segment import confidence
from flightcheck.segment.assign import fit_fix, score_fix
from flightcheck.segment.context import JET_RUNWAY_FT, Context
from flightcheck.segment.evidence import clock, duration, feet, vertical
from flightcheck.segment.geometry import KT_TO_KMS, angle_diff_deg, bearing_deg, step_km

MIN_GAP_S = 600.0
"""Shortest silence examined for an inferred stop (and reported as a gap), s."""
MIN_DWELL_S = 600.0
"""Least time on the ground an inferred stop must leave room for, s."""
TOUCH_AND_GO_KT = 50.0
TOUCH_AND_GO_S = 120.0
TAXI_KT = 60.0
"""Airborne-flagged fixes slower than this between two ground runs are taxi flicker."""
GROUND_BREAK_KM = 3.0
"""Consecutive ground fixes further apart than this belong to different stops."""
GROUND_RADIUS_KM = 10.0
MAX_GROUND_KT = 250.0
"""Fastest movement on the ground (a take-off roll ends well below this), kt."""
GROUND_SLACK_KM = 0.3
"""Position noise allowed before the ground speed limit applies, km."""
ENVELOPE_BASE_FT = 2000.0
ENVELOPE_FT_PER_KM = 350.0
INFER_RADIUS_KM = 80.0
APPROACH_KT = 150.0
"""Typical speed flown between the last fix and touchdown (and wheels-off and first fix), kt."""
WINDOW_SILENCE_S = 300.0
"""An observed stop whose first (last) ground fix follows (precedes) a silence longer than
this gets an arrival (departure) window instead of the ground fix's time."""

STOP_COLUMNS = ["icao24", "airport", "airport_name", "country", "lat", "lon", "arrival",
                "departure", "arrival_window", "departure_window", "dwell_s", "kind",
                "confidence", "runway", "evidence", "confidence_factors", "rows"]
EVENT_COLUMNS = ["icao24", "kind", "airport", "airport_name", "time", "end", "lat", "lon",
                 "runway", "evidence", "rows"]


def ts(t: float | None) -> pd.Timestamp | None:
    """Unix seconds to a UTC Timestamp (None stays None)."""
    return None if t is None else pd.Timestamp(round(t * 1e9), unit="ns", tz="UTC")


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
    more than ``MAX_GROUND_KT`` (plus ``GROUND_SLACK_KM`` of position noise). These are
    position errors (MLAT/CPR), never a stop or a touch-and-go of their own."""
    p = ctx.pts
    n = len(p.t)
    out = np.zeros(n, dtype=bool)
    if n < 3:
        return out
    m = np.arange(1, n - 1)
    ok = p.ground[m] & p.ground[m - 1] & p.ground[m + 1] & (p.code[m - 1] == p.code[m]) & (
        p.code[m + 1] == p.code[m])
    m = m[ok]
    v = MAX_GROUND_KT * KT_TO_KMS
    dt_in, dt_out = p.t[m] - p.t[m - 1], p.t[m + 1] - p.t[m]
    d_in = step_km(p.lat[m - 1], p.lon[m - 1], p.lat[m], p.lon[m])
    d_out = step_km(p.lat[m], p.lon[m], p.lat[m + 1], p.lon[m + 1])
    d_by = step_km(p.lat[m - 1], p.lon[m - 1], p.lat[m + 1], p.lon[m + 1])
    bad = (d_in > GROUND_SLACK_KM + v * dt_in) & (d_out > GROUND_SLACK_KM + v * dt_out) & (
        d_by <= GROUND_SLACK_KM + v * (dt_in + dt_out))
    out[m[bad]] = True
    return out


def ground_runs(ctx: Context) -> list[tuple[int, int]]:
    """(first, last) indices of runs of consecutive ground fixes of one aircraft (ground
    position jumps are skipped: they neither start nor break a run)."""
    p = ctx.pts
    if not len(p.t):
        return []
    idx = np.flatnonzero(~ground_jumps(ctx))
    g, code, lat, lon = p.ground[idx], p.code[idx], p.lat[idx], p.lon[idx]
    if not len(g):
        return []
    same = np.zeros(len(g), dtype=bool)
    same[1:] = code[1:] == code[:-1]
    far = np.zeros(len(g), dtype=bool)
    far[1:] = step_km(lat[:-1], lon[:-1], lat[1:], lon[1:]) > GROUND_BREAK_KM
    change = ~same
    change[1:] |= g[1:] != g[:-1]
    change |= g & far
    starts = np.flatnonzero(change)
    ends = np.concatenate([starts[1:], [len(g)]]) - 1
    keep = g[starts]
    return list(zip(idx[starts[keep]].tolist(), idx[ends[keep]].tolist(), strict=True))


def _airport_fields(ctx: Context, i: int | None) -> dict:
    ix = ctx.ix
    if i is None:
        return {"airport": None, "airport_name": None, "country": None}
    return {"airport": str(ix.code[i]), "airport_name": str(ix.name[i]),
            "country": ix.country[i]}


def _runway_at(ctx: Context, k: int, airport: int, phase: str) -> tuple[str | None, float | None]:
    """Runway end and threshold km when airborne fix ``k`` is on a centreline of ``airport``."""
    p = ctx.pts
    for s in score_fix(ctx.ix, p.lat[k], p.lon[k], p.trk[k], phase, 25.0):
        if s.airport == airport:
            return s.runway, s.threshold_km
    return None, None


def observed(ctx: Context) -> tuple[list[dict], list[dict]]:
    """Observed stops and touch-and-go events from the ground runs."""
    p = ctx.pts
    stops: list[dict] = []
    events: list[dict] = []
    runs: list[_Run] = []
    for s, e in ground_runs(ctx):
        lat_m, lon_m = float(np.median(p.lat[s:e + 1])), float(np.median(p.lon[s:e + 1]))
        fit = fit_fix(ctx.ix, lat_m, lon_m, phase="ground", radius_km=GROUND_RADIUS_KM)
        gs = p.gs[s:e + 1]
        min_gs = float(np.nanmin(gs)) if np.isfinite(gs).any() else np.nan
        dur = p.t[e] - p.t[s]
        c = p.code[s]
        before = s - 1 if s > p.start[c] else None
        after = e + 1 if e + 1 < p.end[c] else None
        fast = min_gs >= TOUCH_AND_GO_KT or (np.isnan(min_gs) and s == e)
        if fast and dur <= TOUCH_AND_GO_S:
            if (before is not None and after is not None and not p.ground[before]
                    and not p.ground[after] and p.t[s] - p.t[before] <= 180
                    and p.t[after] - p.t[e] <= 180 and fit is not None
                    and fit.distance_km <= 3.0):
                events.append(_touch_and_go(ctx, s, e, fit.airport, min_gs))
            continue
        run = _Run(s, e, fit.airport if fit else None, fit.distance_km if fit else None,
                   bool(fit and fit.runner_up is not None
                        and fit.runner_up_cost_km - fit.cost_km < 1.0))
        last = runs[-1] if runs else None
        if (last is not None and p.code[last.s] == c and last.airport == run.airport
                and run.airport is not None and _taxi_between(ctx, last.e, s)):
            last.e = e
            continue
        runs.append(run)
    for run in runs:
        stops.append(_observed_stop(ctx, run))
    return stops, events


def _taxi_between(ctx: Context, e: int, s: int) -> bool:
    gs = ctx.pts.gs[e + 1:s]
    return bool(len(gs) == 0 or np.all(~(gs >= TAXI_KT)))


def _touch_and_go(ctx: Context, s: int, e: int, airport: int, min_gs: float) -> dict:
    p = ctx.pts
    rwy, _ = _runway_at(ctx, s - 1, airport, "arrive")
    fields = _airport_fields(ctx, airport)
    text = (f"touch-and-go at {fields['airport']} ({fields['airport_name']})"
            f"{' runway ' + rwy if rwy else ''}: {e - s + 1} ground fix(es) {clock(p.t[s])}"
            f"-{clock(p.t[e])} never slower than {min_gs:.0f} kt, airborne again "
            f"{p.t[e + 1] - p.t[e]:.0f} s later at {feet(p.alt[e + 1])}; "
            f"{ctx.cite.span(int(p.pos[s - 1]), int(p.pos[e + 1]))}")
    return {"icao24": str(p.icao24s[p.code[s]]), "kind": "touch_and_go",
            "airport": fields["airport"], "airport_name": fields["airport_name"],
            "time": ts(p.t[s]), "end": ts(p.t[e]), "lat": float(p.lat[s]),
            "lon": float(p.lon[s]), "runway": rwy, "evidence": text,
            "rows": [ctx.cite.ref(int(p.pos[k])) for k in (s - 1, s, e, e + 1)]}


def _speed_kms(gs: float, floor_kt: float) -> float:
    v = (gs + floor_kt) / 2 if np.isfinite(gs) else floor_kt + 30
    return max(v, floor_kt) * KT_TO_KMS


def _observed_stop(ctx: Context, run: _Run) -> dict:
    p, ix = ctx.pts, ctx.ix
    s, e = run.s, run.e
    c = p.code[s]
    sl = slice(s, e + 1)
    ground = p.ground[sl]
    lat_m = float(np.median(p.lat[sl][ground]))
    lon_m = float(np.median(p.lon[sl][ground]))
    before = s - 1 if s > p.start[c] else None
    after = e + 1 if e + 1 < p.end[c] else None
    notes: list[str] = []
    arrival = departure = None
    arr_win = dep_win = None
    rwy_in = rwy_out = None
    if before is not None:
        arrival = p.t[s]
        silence = p.t[s] - p.t[before]
        if run.airport is not None and silence <= 600:
            rwy_in, _ = _runway_at(ctx, before, run.airport, "arrive")
        if silence > WINDOW_SILENCE_S:
            d = step_km(p.lat[before], p.lon[before], lat_m, lon_m)
            fast = max(p.gs[before] if np.isfinite(p.gs[before]) else 0, 250) * KT_TO_KMS
            early = min(p.t[before] + d / fast, p.t[s])
            arrival = min(p.t[before] + d / _speed_kms(p.gs[before], APPROACH_KT), p.t[s])
            arr_win = [ts(early), ts(p.t[s])]
            notes.append(f"silent {duration(silence)} before the first ground fix (last "
                         f"airborne fix {feet(p.alt[before])} {d:.1f} km away at "
                         f"{clock(p.t[before])}, {ctx.src(before)})")
    else:
        notes.append("the data starts with the aircraft on the ground")
    if after is not None:
        departure = p.t[e]
        silence = p.t[after] - p.t[e]
        if run.airport is not None and silence <= 600:
            rwy_out, _ = _runway_at(ctx, after, run.airport, "depart")
        if silence > WINDOW_SILENCE_S:
            d = step_km(p.lat[after], p.lon[after], lat_m, lon_m)
            fast = max(p.gs[after] if np.isfinite(p.gs[after]) else 0, 250) * KT_TO_KMS
            late = max(p.t[after] - d / fast, p.t[e])
            departure = max(p.t[after] - d / _speed_kms(p.gs[after], APPROACH_KT), p.t[e])
            dep_win = [ts(p.t[e]), ts(late)]
            notes.append(f"silent {duration(silence)} after the last ground fix (first "
                         f"airborne fix {feet(p.alt[after])} {d:.1f} km away at "
                         f"{clock(p.t[after])}, {ctx.src(after)})")
    else:
        notes.append("the data ends with the aircraft on the ground")
    n_ground = int(ground.sum())
    gs = p.gs[sl][ground]
    min_gs = float(np.nanmin(gs)) if np.isfinite(gs).any() else np.nan
    dwell = (departure if departure is not None else p.t[e]) - (
        arrival if arrival is not None else p.t[s])
    conf, factors = confidence.observed(
        n_ground, min_gs, dwell, run.fit_km, run.ambiguous, float(p.mlat[sl][ground].mean()))
    fields = _airport_fields(ctx, run.airport)
    where = (f"{fields['airport']} ({fields['airport_name']})" if run.airport is not None
             else f"no airport within {GROUND_RADIUS_KM:.0f} km of {lat_m:.4f}, {lon_m:.4f}")
    text = (f"{n_ground} ground fixes at {where} from {clock(p.t[s])} to {clock(p.t[e])}"
            + (f", {run.fit_km:.1f} km from the nearest runway" if run.fit_km is not None
               else "")
            + (f", slowest {min_gs:.0f} kt" if np.isfinite(min_gs) else "")
            + f"; {ctx.cite.span(int(p.pos[s]), int(p.pos[e]))}")
    if rwy_in:
        text += (f"; landed runway {rwy_in} (last airborne fix {feet(p.alt[before])} on the "
                 f"centreline at {clock(p.t[before])}, {ctx.src(before)})")
    if rwy_out:
        text += (f"; departed runway {rwy_out} (first airborne fix {feet(p.alt[after])} at "
                 f"{clock(p.t[after])}, {ctx.src(after)})")
    if notes:
        text += "; " + "; ".join(notes)
    text += f"; confidence {conf:.2f} ({confidence.describe(factors)})"
    if run.airport is not None:
        lat_m, lon_m = float(ix.lat[run.airport]), float(ix.lon[run.airport])
    rows = [ctx.cite.ref(int(p.pos[k])) for k in (s, e)]
    return {"icao24": str(p.icao24s[c]), **fields, "lat": lat_m, "lon": lon_m,
            "arrival": ts(arrival), "departure": ts(departure), "arrival_window": arr_win,
            "departure_window": dep_win, "dwell_s": float(dwell), "kind": "observed",
            "confidence": conf, "runway": rwy_in or rwy_out, "evidence": text,
            "confidence_factors": factors, "rows": rows,
            "_first": s, "_last": e}


def inferred(ctx: Context, gap_idx: np.ndarray) -> list[dict]:
    """Inferred stops across the silences starting at fixes ``gap_idx`` (both sides airborne)."""
    out = []
    for b in gap_idx.tolist():
        stop = _infer_one(ctx, b, b + 1)
        if stop is not None:
            out.append(stop)
    return out


def _trend(ctx: Context, k: int, step: int) -> float:
    """Altitude change (ft) from fix k to its neighbour ``k+step`` within 5 min, else NaN."""
    p = ctx.pts
    j = k + step
    if j < 0 or j >= len(p.t) or p.code[j] != p.code[k] or abs(p.t[j] - p.t[k]) > 300:
        return np.nan
    return float((p.alt[k] - p.alt[j]) if step < 0 else (p.alt[j] - p.alt[k]))


def why_not_inferred(ctx: Context, b: int, a: int) -> str:
    """The rule that rejects an inferred stop across the silence from fix b to fix a (for
    diagnostics and benchmarks); ``"accepted"`` when there is one."""
    reasons: list[str] = []
    options = _infer_options(ctx, b, a, reasons)
    if options:
        return "accepted"
    return "; ".join(dict.fromkeys(reasons)) or "no airport near both fixes"


def _infer_options(ctx: Context, b: int, a: int, reasons: list[str] | None = None) -> list:
    """Airports where the aircraft could have stopped between airborne fixes b and a, as
    (cost, airport, fit before, fit after, height before, height after, t in, t out)."""
    p, ix = ctx.pts, ctx.ix
    why = reasons.append if reasons is not None else (lambda _r: None)
    if not (np.isfinite(p.alt[b]) and np.isfinite(p.alt[a])):
        why("altitude unknown")
        return []
    trend_b = p.vr[b] if np.isfinite(p.vr[b]) else _trend(ctx, b, -1)
    trend_a = p.vr[a] if np.isfinite(p.vr[a]) else _trend(ctx, a, +1)
    if trend_b > 500 or trend_a < -500:
        why("climbing before or descending after the silence")
        return []
    if step_km(p.lat[b], p.lon[b], p.lat[a], p.lon[a]) > 2 * INFER_RADIUS_KM:
        why("fixes too far apart")
        return []
    sb = {s.airport: s for s in score_fix(ix, p.lat[b], p.lon[b], p.trk[b], "arrive",
                                          INFER_RADIUS_KM)}
    sa = {s.airport: s for s in score_fix(ix, p.lat[a], p.lon[a], p.trk[a], "depart",
                                          INFER_RADIUS_KM)}
    silence = p.t[a] - p.t[b]
    jet = bool(ctx.jet[p.code[b]])
    options = []
    for i in sb.keys() & sa.keys():
        fb, fa = sb[i], sa[i]
        elev = ix.elev_ft[i] if np.isfinite(ix.elev_ft[i]) else 0.0
        hb, ha = p.alt[b] - elev, p.alt[a] - elev
        if hb > ENVELOPE_BASE_FT + ENVELOPE_FT_PER_KM * fb.distance_km:
            why("last fix above the approach envelope")
            continue
        if ha > ENVELOPE_BASE_FT + ENVELOPE_FT_PER_KM * fa.distance_km:
            why("first fix above the departure envelope")
            continue
        if jet and not (ix.longest_ft[i] >= JET_RUNWAY_FT or (
                np.isnan(ix.longest_ft[i]) and ix.type_rank[i] >= 2)):
            why("runway too short for a jet")
            continue
        if not _heading_ok(ctx, b, i, towards=True) or not _heading_ok(ctx, a, i, towards=False):
            why("not heading to / away from the airport")
            continue
        t_in = fb.distance_km / _speed_kms(p.gs[b], APPROACH_KT)
        t_out = fa.distance_km / _speed_kms(p.gs[a], APPROACH_KT)
        if silence - t_in - t_out < MIN_DWELL_S:
            why("silence leaves less than MIN_DWELL_S on the ground")
            continue
        options.append((fb.cost_km + fa.cost_km, i, fb, fa, hb, ha, t_in, t_out))
    if not sb.keys() & sa.keys():
        why("no airport near both fixes")
    return options


def _infer_one(ctx: Context, b: int, a: int) -> dict | None:
    p, ix = ctx.pts, ctx.ix
    trend_b = p.vr[b] if np.isfinite(p.vr[b]) else _trend(ctx, b, -1)
    trend_a = p.vr[a] if np.isfinite(p.vr[a]) else _trend(ctx, a, +1)
    silence = p.t[a] - p.t[b]
    options = _infer_options(ctx, b, a)
    if not options:
        return None
    options.sort(key=lambda o: o[0])
    cost, i, fb, fa, hb, ha, t_in, t_out = options[0]
    ambiguous = len(options) > 1 and options[1][0] - cost < 1.5
    fast_b = max(p.gs[b] if np.isfinite(p.gs[b]) else 0, 250) * KT_TO_KMS
    fast_a = max(p.gs[a] if np.isfinite(p.gs[a]) else 0, 250) * KT_TO_KMS
    arr_early = p.t[b] + fb.distance_km / fast_b
    dep_late = p.t[a] - fa.distance_km / fast_a
    arrival, departure = p.t[b] + t_in, p.t[a] - t_out
    conf, factors = confidence.inferred(
        (hb, ha), (fb.runway is not None, fa.runway is not None), bool(p.new_leg[a]),
        silence, ambiguous)
    fields = _airport_fields(ctx, i)
    code = fields["airport"]

    def side(k: int, f, h: float, what: str, trend: float) -> str:
        rw = f" runway {f.runway}" if f.runway else ""
        dist = f.threshold_km if f.runway and f.threshold_km is not None else f.distance_km
        return (f"{what} {feet(p.alt[k])} ({h:,.0f} ft above the field) "
                f"{vertical(p.vr[k], trend)} {dist:.1f} km from {code}{rw}"
                f"{' on the centreline' if f.runway else ''} at {clock(p.t[k])}, {ctx.src(k)}")

    text = (f"inferred stop at {code} ({fields['airport_name']}): "
            + side(b, fb, hb, "last fix", trend_b) + f"; silent {duration(silence)}; "
            + side(a, fa, ha, "first fix", trend_a))
    if p.new_leg[a]:
        text += "; readsb marked a new leg at the first fix"
    if ambiguous:
        alt_code = ix.code[options[1][1]]
        text += f"; {alt_code} fits almost as well"
    text += f"; confidence {conf:.2f} ({confidence.describe(factors)})"
    return {"icao24": str(p.icao24s[p.code[b]]), **fields, "lat": float(ix.lat[i]),
            "lon": float(ix.lon[i]), "arrival": ts(arrival), "departure": ts(departure),
            "arrival_window": [ts(arr_early), ts(dep_late)],
            "departure_window": [ts(arr_early), ts(dep_late)],
            "dwell_s": float(departure - arrival), "kind": "inferred", "confidence": conf,
            "runway": fb.runway or fa.runway, "evidence": text, "confidence_factors": factors,
            "rows": [ctx.cite.ref(int(p.pos[b])), ctx.cite.ref(int(p.pos[a]))],
            "_first": b, "_last": a}


def _heading_ok(ctx: Context, k: int, airport: int, towards: bool) -> bool:
    """Far from the airport (> 15 km), the track must point to it (or away, after the stop)."""
    p, ix = ctx.pts, ctx.ix
    if not np.isfinite(p.trk[k]):
        return True
    if step_km(p.lat[k], p.lon[k], ix.lat[airport], ix.lon[airport]) <= 15.0:
        return True
    if towards:
        brg = bearing_deg(p.lat[k], p.lon[k], ix.lat[airport], ix.lon[airport])
    else:
        brg = bearing_deg(ix.lat[airport], ix.lon[airport], p.lat[k], p.lon[k])
    return bool(angle_diff_deg(p.trk[k], brg) <= 100.0)
