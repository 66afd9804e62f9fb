"""Per-point preparation: clean the fixes and say which are on the ground.

Everything here is vectorised over all aircraft at once: the table is sorted by (icao24,
time) and aircraft boundaries are where the aircraft code changes. Cleaning never edits the
input table; it returns :class:`Points`, numpy arrays of the kept fixes plus their position in
the input table (``pos``), so every finding still cites the input's ``source`` and ``row``.

What is removed, and why (counted in ``Points.removed``):

* ``duplicate``: a second fix of the same aircraft at the same instant (two receivers, two
  overlapping files); the first one is kept.
* ``stale repeat``: a fix flagged stale, or a flying fix (> 50 kt) at exactly the position of
  the previous one: the feeder repeated an old position.
* ``position jump``: a single fix that would need more than ``MAX_SPEED_KT`` to reach and to
  leave while its neighbours are consistent with each other (MLAT/CPR outliers). MLAT fixes
  get ``MLAT_SLACK_KM`` of extra tolerance.

Altitude spikes (one fix more than ``SPIKE_FT`` away from both neighbours that agree with
each other) keep their position but lose their altitude (set to NaN).

A fix is on the ground when the source says so (``on_ground``), or, when the source does not
say, when its ground speed is below ``GROUND_SPEED_KT``. A ground flag on a fix faster than
``MAX_GROUND_KT`` is ignored (a decoding error: nothing taxis at 250 kt).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from flightcheck.segment.geometry import KT_TO_KMS, step_km

MAX_SPEED_KT = 1000.0
"""Fastest plausible ground speed between two fixes (kt)."""
JUMP_SLACK_KM = 1.5
"""Distance a fix may be off before the speed test applies (position noise), km."""
MLAT_SLACK_KM = 5.0
"""The same slack for MLAT fixes, which are noisier, km."""
SPIKE_FT = 1500.0
"""Altitude difference from both neighbours that makes a single altitude a spike, ft."""
MAX_VRATE_FPM = 8000.0
"""Fastest plausible climb or descent, ft/min (added to ``SPIKE_FT`` per minute between fixes)."""
GROUND_SPEED_KT = 35.0
"""Without a ground flag, a fix slower than this is taken as on the ground (kt)."""
MAX_GROUND_KT = 250.0
"""A ground flag on a faster fix is ignored (kt)."""


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


def _aircraft_codes(icao: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes int64, unique addresses) without materialising Python strings when possible."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.chunked_array([pa.array(icao.array)]) if not hasattr(
            icao.array, "_pa_array") else icao.array._pa_array
        enc = pc.dictionary_encode(arr).combine_chunks()
        return (np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64),
                np.asarray(enc.dictionary.to_pylist(), dtype=object))
    except Exception:  # noqa: BLE001 - non-arrow storage: pandas does it
        codes, uniques = pd.factorize(icao, sort=False)
        return codes.astype(np.int64), np.asarray(uniques, dtype=object)


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
        arr = s.array
        return arr._data & ~arr._mask, ~arr._mask
    v = s.to_numpy(dtype=object)
    known = pd.notna(v)
    return np.where(known, v, False).astype(bool), known


def prepare(df: pd.DataFrame) -> Points:
    """Clean a track table (any order) and classify its fixes; see the module docstring."""
    codes, uniques = _aircraft_codes(df["icao24"])
    t = df["time"].array.asi8.astype(np.float64) / 1e9 if len(df) else np.empty(0)
    n = len(t)
    order = None
    if n > 1:
        dc = np.diff(codes)
        if (dc < 0).any() or ((dc == 0) & (np.diff(t) < 0)).any():
            order = np.lexsort((t, codes))
    pos = order if order is not None else np.arange(n)

    def take(a: np.ndarray) -> np.ndarray:
        return a[order] if order is not None else a

    codes, t = take(codes), take(t)
    lat, lon = take(_float(df, "lat")), take(_float(df, "lon"))
    alt = take(_float(df, "alt_ft"))
    geom = take(_float(df, "alt_geom_ft"))
    alt = np.where(np.isnan(alt), geom, alt)
    gs, trk, vr = take(_float(df, "gs_kt")), take(_float(df, "track_deg")), take(
        _float(df, "vrate_fpm"))
    on_ground, ground_known = (take(a) for a in _flag(df, "on_ground"))
    mlat = take(_flag(df, "mlat")[0])
    if "position_source" in df.columns:
        mlat = mlat | take((df["position_source"] == "mlat").to_numpy(dtype=bool, na_value=False))
    stale = take(_flag(df, "stale")[0])
    new_leg = take(_flag(df, "new_leg")[0])

    removed: dict[str, int] = {}
    same = np.zeros(n, dtype=bool)
    same[1:] = codes[1:] == codes[:-1]
    keep = np.ones(n, dtype=bool)
    dup = same.copy()
    dup[1:] &= t[1:] == t[:-1]
    keep &= ~dup
    removed["duplicate"] = int(dup.sum())
    repeat = np.zeros(n, dtype=bool)
    repeat[1:] = same[1:] & (lat[1:] == lat[:-1]) & (lon[1:] == lon[:-1]) & (
        (gs[1:] > 50.0) | stale[1:])
    repeat &= keep
    keep &= ~repeat
    removed["stale repeat"] = int(repeat.sum())
    idx = np.flatnonzero(keep)
    jump = _jumps(codes[idx], t[idx], lat[idx], lon[idx], mlat[idx])
    keep[idx[jump]] = False
    removed["position jump"] = int(jump.sum())

    sel = np.flatnonzero(keep)
    codes, t, lat, lon = codes[sel], t[sel], lat[sel], lon[sel]
    alt, gs, trk, vr = alt[sel], gs[sel], trk[sel], vr[sel]
    on_ground, ground_known = on_ground[sel], ground_known[sel]
    ground = np.where(ground_known, on_ground & ~(gs > MAX_GROUND_KT), gs < GROUND_SPEED_KT)
    spikes = _altitude_spikes(codes, t, alt, ground)
    alt = np.where(spikes, np.nan, alt)
    removed["altitude spike"] = int(spikes.sum())
    bounds = np.flatnonzero(np.diff(codes)) + 1 if len(codes) else np.empty(0, dtype=np.int64)
    start = np.concatenate([[0], bounds]).astype(np.int64) if len(codes) else bounds
    end = np.concatenate([bounds, [len(codes)]]).astype(np.int64) if len(codes) else bounds
    return Points(uniques, codes, t, lat, lon, alt, gs, trk, vr, ground, mlat[sel],
                  new_leg[sel], pos[sel], start, end, removed)


def _jumps(codes, t, lat, lon, mlat) -> np.ndarray:
    """Single fixes that are unreachable from both neighbours that agree with each other."""
    n = len(t)
    out = np.zeros(n, dtype=bool)
    if n < 3:
        return out
    mid = np.arange(1, n - 1)
    ok = (codes[mid - 1] == codes[mid]) & (codes[mid + 1] == codes[mid])
    mid = mid[ok]
    if not len(mid):
        return out
    vmax = MAX_SPEED_KT * KT_TO_KMS
    slack = np.where(mlat[mid], MLAT_SLACK_KM, JUMP_SLACK_KM)
    d_in = step_km(lat[mid - 1], lon[mid - 1], lat[mid], lon[mid])
    d_out = step_km(lat[mid], lon[mid], lat[mid + 1], lon[mid + 1])
    d_by = step_km(lat[mid - 1], lon[mid - 1], lat[mid + 1], lon[mid + 1])
    dt_in, dt_out = t[mid] - t[mid - 1], t[mid + 1] - t[mid]
    bad = (d_in > slack + vmax * dt_in) & (d_out > slack + vmax * dt_out) & (
        d_by <= slack + vmax * (dt_in + dt_out))
    out[mid[bad]] = True
    return out


def _altitude_spikes(codes, t, alt, ground) -> np.ndarray:
    """Airborne fixes whose altitude jumps away from both neighbours, which agree."""
    n = len(t)
    out = np.zeros(n, dtype=bool)
    has = np.flatnonzero(~np.isnan(alt) & ~ground)
    if len(has) < 3:
        return out
    c, tt, a = codes[has], t[has], alt[has]
    m = np.arange(1, len(has) - 1)
    ok = (c[m - 1] == c[m]) & (c[m + 1] == c[m])
    m = m[ok]
    lim_in = SPIKE_FT + MAX_VRATE_FPM * (tt[m] - tt[m - 1]) / 60.0
    lim_out = SPIKE_FT + MAX_VRATE_FPM * (tt[m + 1] - tt[m]) / 60.0
    d_in, d_out = a[m] - a[m - 1], a[m + 1] - a[m]
    bad = (np.abs(d_in) > lim_in) & (np.abs(d_out) > lim_out) & (np.sign(d_in) != np.sign(
        d_out)) & (np.abs(a[m + 1] - a[m - 1]) <= np.minimum(lim_in, lim_out))
    out[has[m[bad]]] = True
    return out
