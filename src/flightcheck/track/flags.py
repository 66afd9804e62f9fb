"""Fixes the data itself refutes: flagged, kept, counted, and left out of inference.

Cleaning never deletes a report an investigator may need to see. A fix that cannot be right
keeps its row in the track table and gets a reason in the ``flag`` column (missing for good
fixes); every input counts its flagged fixes by reason (``InputRecord.flagged``), and the stop
engine and routes leave flagged fixes out. The reasons, per aircraft in time order:

* ``altitude out of range``: above ``max_alt_ft`` or below ``min_alt_ft`` (no aircraft
  flies at 107,700 ft; the lowest field, by the Dead Sea, is at -1,266 ft).
* ``altitude spike``: more than ``spike_ft`` plus a ``max_vrate_fpm`` climb (over the time
  to the farthest fix of the window) away from the median altitude of the ``spike_window_fixes``
  nearest airborne fixes of the same aircraft (both sides): a burst of up to three bad
  altitudes in a refuelling orbit stands out, a real climb or dive does not.
* ``position jump``: reaching the fix from the one before it and leaving it to the one after
  (or, at a track's first or last fix, the one step it has) would need more than
  ``max_speed_kt``, while the fixes either side of it agree with each other (a 34 km jump in
  16 s at a track's first fix). ``jump_slack_km`` absorbs position noise.
* ``duplicate time``: another fix of the same aircraft at the same instant more than
  ``same_place_km`` away; of such a group the fix nearest the previous fix is kept.

All tests are vectorised; the median is taken only around candidate fixes (rare), so the cost
is a few passes over the table.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.arrays import ArrowStringArray

from flightcheck.geo import haversine_km
from flightcheck.settings import DEFAULT, EngineSettings
from flightcheck.track.table import _STR
from flightcheck.units import KT_TO_KMS

REASONS = ("altitude out of range", "altitude spike", "position jump", "duplicate time")


def flagged(df: pd.DataFrame) -> np.ndarray:
    """Which rows hold a fix the data refutes (``flag`` set); all False without the column.
    The one test every consumer applies: flagged fixes take no part in inference."""
    if "flag" not in df.columns:
        return np.zeros(len(df), dtype=bool)
    return df["flag"].notna().to_numpy(dtype=bool)


def unflagged(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` without the fixes the data refutes (the table itself when none are)."""
    held = flagged(rows)
    return rows[~held] if held.any() else rows


def flag_fixes(df: pd.DataFrame, s: EngineSettings = DEFAULT) -> pd.Series:
    """The ``flag`` column of a track table (any row order): a reason from ``REASONS`` where
    the data refutes the fix, missing elsewhere, by the thresholds ``s``. The table is not
    modified."""
    n = len(df)
    if n == 0:
        return pd.Series(_reason_text(np.zeros(0, np.int8)), index=df.index, name="flag")
    codes = pd.factorize(df["icao24"], sort=False)[0]
    time = df["time"]
    if getattr(time.dtype, "unit", "ns") != "ns":  # a table built by hand: s, ms or us
        time = pd.to_datetime(time, utc=True).dt.as_unit("ns")
    ns = time.array.asi8
    t = ns.astype(np.float64) / 1e9
    # a cleaned track table is already in (aircraft, time) order: no sort, no gathers
    step = np.diff(codes)
    ordered = bool(((step > 0) | ((step == 0) & (ns[1:] >= ns[:-1]))).all())
    order = np.arange(n) if ordered else np.lexsort((t, codes))

    def sorted_(a: np.ndarray) -> np.ndarray:
        return a if ordered else a[order]

    c, tt = sorted_(codes), sorted_(t)
    lat = sorted_(df["lat"].to_numpy(np.float64, na_value=np.nan))
    lon = sorted_(df["lon"].to_numpy(np.float64, na_value=np.nan))
    alt = sorted_(_altitude(df))
    ground = (
        sorted_(df["on_ground"].to_numpy(dtype=bool, na_value=False))
        if "on_ground" in df
        else np.zeros(n, dtype=bool)
    )
    # reason: 0 = none, else 1 + its index in REASONS (a later test overrides an earlier)
    reason = np.zeros(n, dtype=np.int8)
    reason[_duplicate_time(c, tt, lat, lon, s)] = _CODE["duplicate time"]
    reason[_jumps(c, tt, lat, lon, reason == 0, s)] = _CODE["position jump"]
    reason[_altitude_spikes(c, tt, alt, ground, reason == 0, s)] = _CODE["altitude spike"]
    reason[(alt > s.max_alt_ft) | (alt < s.min_alt_ft)] = _CODE["altitude out of range"]
    if not ordered:
        reason[order] = reason.copy()
    return pd.Series(_reason_text(reason), index=df.index, name="flag")


_CODE = {why: k + 1 for k, why in enumerate(REASONS)}


def _reason_text(reason: np.ndarray) -> ArrowStringArray:
    """The reason codes as the ``flag`` text column: decoded by arrow from a dictionary of
    the four reasons (a Python string per row cost 1.4 s on 10M fixes)."""
    codes = pa.array(reason.astype(np.int8) - 1, mask=reason == 0, type=pa.int8())
    words = pa.DictionaryArray.from_arrays(codes, pa.array(REASONS, pa.large_string()))
    return ArrowStringArray(words.cast(pa.large_string()), dtype=_STR)


def count_by_source(df: pd.DataFrame, flag: pd.Series) -> dict[str, Counter]:
    """Per ``source``: flagged fixes by reason."""
    hit = flag.notna().to_numpy()
    out: dict[str, Counter] = {}
    if not hit.any():
        return out
    rows = np.flatnonzero(hit)  # flagged rows are few: no Python string per row of the table
    pairs = pd.DataFrame(
        {
            "source": df["source"].take(rows).to_numpy(object),
            "reason": flag.take(rows).to_numpy(object),
        }
    )
    for (src, why), k in pairs.value_counts().items():
        out.setdefault(str(src), Counter())[str(why)] += int(k)
    return out


def _altitude(df: pd.DataFrame) -> np.ndarray:
    """Barometric altitude, else geometric, ft (NaN unknown)."""
    alt = (
        df["alt_ft"].to_numpy(np.float64, na_value=np.nan)
        if "alt_ft" in df
        else np.full(len(df), np.nan)
    )
    if "alt_geom_ft" in df:
        geom = df["alt_geom_ft"].to_numpy(np.float64, na_value=np.nan)
        alt = np.where(np.isnan(alt), geom, alt)
    return alt


def _duplicate_time(c, t, lat, lon, s: EngineSettings) -> np.ndarray:
    """Fixes at the instant of another fix of the aircraft more than ``same_place_km`` away:
    all of such a group but the one nearest the fix before it."""
    n = len(t)
    new = np.r_[True, (c[1:] != c[:-1]) | (t[1:] != t[:-1])]
    group = np.cumsum(new) - 1
    size = np.bincount(group)
    members = np.flatnonzero(size[group] > 1)
    out = np.zeros(n, dtype=bool)
    if not len(members):
        return out
    g = group[members]
    first = np.flatnonzero(new)[g]  # the first fix of each member's group
    before = np.where((first > 0) & (c[np.maximum(first - 1, 0)] == c[first]), first - 1, first)
    to_first = haversine_km(lat[members], lon[members], lat[first], lon[first])
    spread = np.zeros(len(size))
    np.maximum.at(spread, g, np.nan_to_num(to_first, nan=np.inf))
    near = haversine_km(lat[members], lon[members], lat[before], lon[before])
    near = np.where(np.isnan(near), np.inf, near)
    order = np.lexsort((near, g))
    kept = order[np.r_[True, g[order][1:] != g[order][:-1]]]
    flag = spread[g] > s.same_place_km
    flag[kept] = False
    out[members[flag]] = True
    return out


def _jumps(c, t, lat, lon, usable, s: EngineSettings) -> np.ndarray:
    """Fixes (among ``usable``) that no neighbour could reach while the neighbours agree;
    at a track's ends, the one step it has is impossible and the next one is not."""
    idx = np.flatnonzero(usable & np.isfinite(lat) & np.isfinite(lon))
    out = np.zeros(len(t), dtype=bool)
    if len(idx) < 3:
        return out
    cc, tt, la, lo = c[idx], t[idx], lat[idx], lon[idx]
    vmax = s.max_speed_kt * KT_TO_KMS
    step = haversine_km(la[:-1], lo[:-1], la[1:], lo[1:])
    same = cc[1:] == cc[:-1]
    bad = same & (step > s.jump_slack_km + vmax * (tt[1:] - tt[:-1]))  # step k -> k + 1
    m = len(idx)
    flag = np.zeros(m, dtype=bool)
    # middle fixes: both steps impossible, the step over the fix possible
    mid = np.flatnonzero(bad[:-1] & bad[1:]) + 1
    over = haversine_km(la[mid - 1], lo[mid - 1], la[mid + 1], lo[mid + 1])
    flag[mid[over <= s.jump_slack_km + vmax * (tt[mid + 1] - tt[mid - 1])]] = True
    # a track's first fix: its one step impossible, the next step possible
    first = np.r_[True, ~same]
    k = np.flatnonzero(first[:-2] & bad[:-1] & ~bad[1:] & same[1:])
    flag[k] = True
    # a track's last fix: likewise backwards
    last = np.r_[~same, True]
    k = np.flatnonzero(last[2:] & bad[1:] & ~bad[:-1] & same[:-1]) + 2
    flag[k] = True
    out[idx[flag]] = True
    return out


def _altitude_spikes(c, t, alt, ground, usable, s: EngineSettings) -> np.ndarray:
    """Airborne fixes far from the median altitude of their ``spike_window_fixes`` nearest airborne
    fixes: more than ``spike_ft`` plus a ``max_vrate_fpm`` climb over the time to the
    farthest fix of the window. Only candidates (an altitude step beyond ``spike_ft`` next to
    them) get a median."""
    idx = np.flatnonzero(usable & ~ground & np.isfinite(alt))
    out = np.zeros(len(t), dtype=bool)
    if len(idx) < 3:
        return out
    cc, tt, a = c[idx], t[idx], alt[idx]
    same = cc[1:] == cc[:-1]
    big = (np.abs(np.diff(a)) > s.spike_ft) & same
    jump = np.r_[big, False] | np.r_[False, big]
    cand = np.flatnonzero(jump)
    if not len(cand):
        return out
    half = s.spike_window_fixes // 2
    win = np.clip(cand[:, None] + np.arange(-half, half + 1)[None, :], 0, len(idx) - 1)
    mine = cc[win] == cc[cand][:, None]
    med = np.nanmedian(np.where(mine, a[win], np.nan), axis=1)
    # the median may come from any fix of the window: allow the climb over the farthest
    # (a dive and zoom climb sampled every minute is not a spike)
    span = np.max(np.where(mine, np.abs(tt[win] - tt[cand][:, None]), 0.0), axis=1)
    limit = s.spike_ft + s.max_vrate_fpm * span / 60.0
    spike = np.abs(a[cand] - med) > limit
    out[idx[cand[spike]]] = True
    return out
