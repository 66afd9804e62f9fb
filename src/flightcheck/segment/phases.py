"""Per-point preparation: clean the fixes and say which are on the ground.

Everything here is vectorised over all aircraft at once: the table is sorted by (icao24,
time) and aircraft boundaries are where the aircraft code changes. Cleaning never edits the
input table; it returns :class:`Points`, numpy arrays of the kept fixes plus their position in
the input table (``pos``), so every finding still cites the input's ``source`` and ``row``.

What is removed, and why (counted in ``Points.removed``):

* ``flagged``: a fix the track table's ``flag`` column refutes (:mod:`flightcheck.track.flags`:
  altitude out of range or spiking, a position jump, a duplicate time elsewhere).

* ``duplicate``: a second fix of the same aircraft at the same instant (two receivers, two
  overlapping files); the first one is kept.
* ``stale repeat``: a fix flagged stale, or a flying fix (faster than ``stale_repeat_kt``) at
  exactly the position of the previous one: the feeder repeated an old position.
* ``position jump``: a single fix that would need more than ``max_speed_kt`` to reach and to
  leave while its neighbours are consistent with each other (MLAT/CPR outliers). MLAT fixes
  get ``mlat_jump_slack_km`` of extra tolerance.

Altitude spikes (one fix more than ``spike_ft`` away from both neighbours that agree with
each other) keep their position but lose their altitude (set to NaN).

A fix is on the ground when the source says so (``on_ground``), or, when the source does not
say, when its ground speed is below ``ground_speed_kt``, or when it is rolling on an airport:
at most ``roll_kt``, within ``roll_radius_km`` of one and no more than ``field_tolerance_ft``
above its elevation (the landing roll of an export that never sets on-ground, FR24's granular
CSV with barometric altitudes of -75 to -175 ft at touchdown). A ground flag on a fix faster than
``ground_flag_max_kt`` is ignored (a decoding error: nothing taxis at 250 kt). When the source gives
neither (FlightAware KML: time, position and altitude only), the speed is derived from the
positions: a fix is on the ground when it moved slower than ``ground_speed_kt`` from the
nearest fix at least ``derived_speed_min_dt_s`` before it and to the one at least that long after
it (so position noise between fixes a second apart does not decide), *and* it is low:
altitude unknown, at most ``ground_alt_ft`` (exports that write 0 on the ground), or within
``ground_alt_ft`` of the elevation of an airport within ``field_radius_km`` (when an airport
index is given).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from flightcheck.geo import KM_PER_DEG, step_km
from flightcheck.runtime.compat import boolean_parts
from flightcheck.segment.airportindex import AirportIndex
from flightcheck.segment.runcodes import run_codes
from flightcheck.settings import DEFAULT, EngineSettings
from flightcheck.track.flags import flagged
from flightcheck.units import KT_TO_KMS


@dataclass
class Points:
    """Cleaned fixes of all aircraft, sorted by aircraft then time.

    ``code`` aircraft number (index into ``icao24s``), ``t`` Unix seconds, ``lat``/``lon``
    degrees, ``alt`` ft (barometric, else geometric; NaN unknown), ``gs`` kt, ``trk`` deg true,
    ``vr`` ft/min, ``ground`` bool, ``mlat`` bool, ``new_leg`` bool, ``pos`` row position in the
    input table, ``start``/``end`` slice bounds of each aircraft in these arrays.
    """

    icao24s: np.ndarray
    code: np.ndarray
    t: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    alt: np.ndarray
    gs: np.ndarray
    trk: np.ndarray
    vr: np.ndarray
    ground: np.ndarray
    mlat: np.ndarray
    new_leg: np.ndarray
    pos: np.ndarray
    start: np.ndarray
    end: np.ndarray
    removed: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.t)

    @property
    def same_prev(self) -> np.ndarray:
        """True where the fix has a predecessor of the same aircraft."""
        out = np.zeros(len(self.t), dtype=bool)
        out[1:] = self.code[1:] == self.code[:-1]
        return out


def aircraft_codes(icao: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes int64, unique addresses in order of first appearance)."""
    codes, uniques = run_codes(icao)
    return codes, np.asarray(uniques, dtype=object)


def _float(df: pd.DataFrame, col: str) -> np.ndarray:
    if col not in df.columns:
        return np.full(len(df), np.nan)
    return df[col].to_numpy(dtype=np.float64, na_value=np.nan)


def _flag(df: pd.DataFrame, col: str) -> tuple[np.ndarray, np.ndarray]:
    """(value, known) of a nullable boolean column."""
    if col not in df.columns:
        z = np.zeros(len(df), dtype=bool)
        return z, z
    s = df[col]
    if isinstance(s.dtype, pd.BooleanDtype):
        data, missing = boolean_parts(s.array)
        return data & ~missing, ~missing
    v = s.to_numpy(dtype=object)
    known = pd.notna(v)
    return np.where(known, v, False).astype(bool), known


def prepare(
    df: pd.DataFrame, index: AirportIndex | None = None, s: EngineSettings = DEFAULT
) -> Points:
    """Clean a track table (any order) and classify its fixes; see the module docstring.
    ``index`` gives field elevations for the derived-speed ground test; ``s`` the thresholds."""
    codes, uniques = aircraft_codes(df["icao24"])
    t = df["time"].array.asi8.astype(np.float64) if len(df) else np.empty(0)
    t /= 1e9  # in place: one 8-byte-per-fix array fewer on big tables (same values)
    n = len(t)
    order = None
    if n > 1 and _unsorted(codes, t):
        order = np.lexsort((t, codes))
    pos = order if order is not None else np.arange(n)

    def take(a: np.ndarray) -> np.ndarray:
        return a[order] if order is not None else a

    codes, t = take(codes), take(t)
    lat, lon = take(_float(df, "lat")), take(_float(df, "lon"))
    alt = take(_float(df, "alt_ft"))
    geom = take(_float(df, "alt_geom_ft"))
    geometric = np.isnan(alt) & ~np.isnan(geom)  # GNSS heights: off by the geoid as well
    alt = np.where(np.isnan(alt), geom, alt)
    gs, trk, vr = (
        take(_float(df, "gs_kt")),
        take(_float(df, "track_deg")),
        take(_float(df, "vrate_fpm")),
    )
    on_ground, ground_known = (take(a) for a in _flag(df, "on_ground"))
    mlat = take(_flag(df, "mlat")[0])
    if "position_source" in df.columns:
        mlat = mlat | take((df["position_source"] == "mlat").to_numpy(dtype=bool, na_value=False))
    stale = take(_flag(df, "stale")[0])
    new_leg = take(_flag(df, "new_leg")[0])

    removed: dict[str, int] = {}
    same = np.zeros(n, dtype=bool)
    same[1:] = codes[1:] == codes[:-1]
    # fixes the track table flags (flightcheck.track.flags) take no part in inference
    held = take(flagged(df))
    keep = ~held
    removed["flagged"] = int(held.sum())
    dup = same.copy()
    dup[1:] &= (t[1:] == t[:-1]) & ~held[:-1] & ~held[1:]
    keep &= ~dup
    removed["duplicate"] = int(dup.sum())
    repeat = np.zeros(n, dtype=bool)
    repeat[1:] = (
        same[1:]
        & (lat[1:] == lat[:-1])
        & (lon[1:] == lon[:-1])
        & ((gs[1:] > s.stale_repeat_kt) | stale[1:])
    )
    repeat &= keep
    keep &= ~repeat
    removed["stale repeat"] = int(repeat.sum())
    kept = np.flatnonzero(keep) if not keep.all() else None

    def sub(a: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
        return a if rows is None else a[rows]  # boolean mask; no copy while nothing is removed

    jump = _jumps(codes, t, lat, lon, mlat, s, kept)
    keep[jump if kept is None else kept[jump]] = False
    removed["position jump"] = int(jump.sum())

    sel = keep if not keep.all() else None
    codes, t, lat, lon = (sub(a, sel) for a in (codes, t, lat, lon))
    alt, gs, trk, vr = (sub(a, sel) for a in (alt, gs, trk, vr))
    on_ground, ground_known = sub(on_ground, sel), sub(ground_known, sel)
    ground = np.where(
        ground_known, on_ground & ~(gs > s.ground_flag_max_kt), gs < s.ground_speed_kt
    )
    ground |= _derived_ground(codes, t, lat, lon, alt, ~ground_known & np.isnan(gs), index, s)
    ground |= _rolling_on_field(
        lat, lon, alt, gs, ~ground_known & ~ground, sub(geometric, sel), index, s
    )
    spikes = _altitude_spikes(codes, t, alt, ground, s)
    alt[spikes] = np.nan  # alt is a fresh array here (np.where above): in place
    removed["altitude spike"] = int(spikes.sum())
    bounds = (
        np.flatnonzero(codes[1:] != codes[:-1]) + 1 if len(codes) else np.empty(0, dtype=np.int64)
    )
    start = np.concatenate([[0], bounds]).astype(np.int64) if len(codes) else bounds
    end = np.concatenate([bounds, [len(codes)]]).astype(np.int64) if len(codes) else bounds
    return Points(
        uniques,
        codes,
        t,
        lat,
        lon,
        alt,
        gs,
        trk,
        vr,
        ground,
        sub(mlat, sel),
        sub(new_leg, sel),
        sub(pos, sel),
        start,
        end,
        removed,
    )


def _derived_ground(codes, t, lat, lon, alt, unknown, index, s: EngineSettings) -> np.ndarray:
    """Fixes (among ``unknown``: no ground flag, no ground speed) slow and low enough to be on
    the ground, from the speed derived from positions (see the module docstring)."""
    out = np.zeros(len(t), dtype=bool)
    k = np.flatnonzero(unknown)
    if not len(k):
        return out
    key = codes.astype(np.float64) * 2.0**33 + (t - t[0])  # sorted: aircraft, then time
    slow = np.ones(len(k), dtype=bool)
    seen = np.zeros(len(k), dtype=bool)
    prev = np.searchsorted(key, key[k] - s.derived_speed_min_dt_s, side="right") - 1
    nxt = np.searchsorted(key, key[k] + s.derived_speed_min_dt_s, side="left")
    for j in (prev, nxt):
        inside = (j >= 0) & (j < len(t))
        j = np.clip(j, 0, len(t) - 1)
        dt = np.abs(t[k] - t[j])
        ok = inside & (codes[j] == codes[k]) & (dt > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            kt = step_km(lat[j], lon[j], lat[k], lon[k]) / np.where(ok, dt, 1.0) / KT_TO_KMS
        slow &= ~ok | (kt < s.ground_speed_kt)
        seen |= ok
    k = k[slow & seen]
    a = alt[k]
    low = np.isnan(a) | (a <= s.ground_alt_ft)
    if index is not None and (~low).any():
        m = np.flatnonzero(~low)
        q, ap, _ = index.near_many(lat[k[m]], lon[k[m]], s.field_radius_km)
        elev = index.elev_ft[ap]
        near = np.zeros(len(m), dtype=bool)
        np.logical_or.at(near, q, np.abs(a[m][q] - elev) <= s.ground_alt_ft)
        low[m] = near
    out[k[low]] = True
    return out


def _rolling_on_field(
    lat, lon, alt, gs, unknown, geometric, index, s: EngineSettings
) -> np.ndarray:
    """Fixes (among ``unknown``: no ground flag, not already slow) rolling on an airport: at
    most ``roll_kt``, within ``roll_radius_km`` of an airport, and no more than
    ``field_tolerance_ft`` above its elevation (any amount below: baro altitudes on a low-
    pressure day, and exports that write 0 on the ground at a high field, read low), or
    ``geometric_tolerance_ft`` where the altitude is geometric (``geometric``: GNSS heights
    above the ellipsoid differ from elevations above the geoid by up to ~100 m)."""
    out = np.zeros(len(lat), dtype=bool)
    k = np.flatnonzero(unknown & (gs <= s.roll_kt) & np.isfinite(alt))
    if index is None or not len(k):
        return out
    q, ap, _ = index.near_many(lat[k], lon[k], s.roll_radius_km)
    elev = index.elev_ft[ap]
    tolerance = np.where(geometric[k][q], s.geometric_tolerance_ft, s.field_tolerance_ft)
    on = np.isfinite(elev) & (alt[k][q] - elev <= tolerance)
    out[k[q[on]]] = True
    return out


BLOCK = 1 << 18
"""Fixes per block of the neighbour tests below: their temporaries (2 MB) stay cache-sized and
are reused instead of page-faulting fresh memory on a large table (identical results)."""


def _unsorted(codes: np.ndarray, t: np.ndarray) -> bool:
    """Whether fixes are out of (aircraft, time) order (no full-size difference arrays)."""
    if (codes[1:] < codes[:-1]).any():
        return True
    return bool(((codes[1:] == codes[:-1]) & (t[1:] < t[:-1])).any())


def _middle_flags(
    test, arrays: tuple[np.ndarray, ...], rows: np.ndarray | None = None
) -> np.ndarray:
    """Per element: ``test(*slices)`` of its block (a bool per middle element of the slices,
    which reach one element past either end of the block); first and last are False. With
    ``rows``, the elements are ``a[rows]``, gathered block by block (no full-size copies)."""
    n = len(arrays[0]) if rows is None else len(rows)
    out = np.zeros(n, dtype=bool)
    for b in range(1, n - 1, BLOCK):
        e = min(b + BLOCK, n - 1)
        if rows is None:
            out[b:e] = test(*(a[b - 1 : e + 1] for a in arrays))
        else:
            r = rows[b - 1 : e + 1]
            out[b:e] = test(*(a[r] for a in arrays))
    return out


def _jumps(
    codes, t, lat, lon, mlat, s: EngineSettings, rows: np.ndarray | None = None
) -> np.ndarray:
    """Single fixes (of ``a[rows]``, or all) that are unreachable from both neighbours that
    agree with each other."""
    return _middle_flags(functools.partial(_jump_test, s=s), (codes, t, lat, lon, mlat), rows)


def _jump_test(codes, t, lat, lon, mlat, s: EngineSettings) -> np.ndarray:
    n = len(t)
    out = np.zeros(max(n - 2, 0), dtype=bool)
    if n < 3:
        return out
    vmax = s.max_speed_kt * KT_TO_KMS
    dt = t[1:] - t[:-1]
    # fix k to fix k + 1, exactly only where an upper bound (|dlat| + |dlon| in degrees, the
    # longitude not wrapped, with rounding slack) exceeds the smallest threshold; 0 elsewhere
    # (never above a threshold)
    bound = (np.abs(lat[1:] - lat[:-1]) + np.abs(lon[1:] - lon[:-1])) * (KM_PER_DEG * 1.000001)
    k = np.flatnonzero(~(bound <= min(s.jump_slack_km, s.mlat_jump_slack_km) + vmax * dt))
    step = np.zeros(n - 1)
    step[k] = step_km(lat[k], lon[k], lat[k + 1], lon[k + 1])
    same = codes[1:] == codes[:-1]
    slack = np.where(
        mlat[1:-1], s.mlat_jump_slack_km, s.jump_slack_km
    )  # of the middle fixes 1..n-2
    both = (
        same[:-1]
        & same[1:]
        & (step[:-1] > slack + vmax * dt[:-1])
        & (step[1:] > slack + vmax * dt[1:])
    )
    mid = np.flatnonzero(both) + 1
    slack = slack[mid - 1]
    dt_in, dt_out = t[mid] - t[mid - 1], t[mid + 1] - t[mid]
    d_by = step_km(lat[mid - 1], lon[mid - 1], lat[mid + 1], lon[mid + 1])
    bad = d_by <= slack + vmax * (dt_in + dt_out)
    out[mid[bad] - 1] = True
    return out


def _altitude_spikes(codes, t, alt, ground, s: EngineSettings) -> np.ndarray:
    """Airborne fixes whose altitude jumps away from both neighbours, which agree."""
    n = len(t)
    out = np.zeros(n, dtype=bool)
    has = np.flatnonzero(~np.isnan(alt) & ~ground)
    if len(has) < 3:
        return out
    out[has[_middle_flags(lambda h: _spike_test(codes[h], t[h], alt[h], s), (has,))]] = True
    return out


def _spike_test(c, tt, a, s: EngineSettings) -> np.ndarray:
    same = c[1:] == c[:-1]
    dt = tt[1:] - tt[:-1]
    lim = s.spike_ft + s.max_vrate_fpm * dt / 60.0  # per step k -> k + 1
    step = a[1:] - a[:-1]
    d_in, d_out = step[:-1], step[1:]
    lim_in, lim_out = lim[:-1], lim[1:]
    return (
        same[:-1]
        & same[1:]
        & (np.abs(d_in) > lim_in)
        & (np.abs(d_out) > lim_out)
        & (np.sign(d_in) != np.sign(d_out))
        & (np.abs(a[2:] - a[:-2]) <= np.minimum(lim_in, lim_out))
    )
