"""Port visits, anchorages and AIS silences of vessels (track rows with ``kind == "vessel"``).

A **stay** is a run of one vessel's fixes that starts at the first fix with SOG under
``vessel_enter_kt`` and lasts while SOG stays under ``vessel_exit_kt`` (hysteresis: a vessel
creeping at 1 kn along the quay is still moored). A burst of faster fixes shorter than
``vessel_spike_s`` that ends within ``vessel_spike_km`` of where it began is a GNSS spike and
does not end the stay; slow fixes more than ``vessel_move_km`` apart (typically either side of
a silence) are different stays.
A stay of ``vessel_min_stay_s`` or more is

* a **port visit** (a stop, ``kind`` "observed") when its median position is within the
  port radius of a World Port Index port (:func:`port_radius_km`: 3 km; 4 km for medium and
  6 km for large harbours, whose WPI point is the town or harbour centre and whose terminals
  spread over several km). Place code (``airport`` column): the port's UN/LOCODE, else
  ``WPI<number>``; ``airport_name`` the WPI name; ``country`` ISO-2. Stays at the same port less
  than ``vessel_merge_s`` apart (shifting berth) are one visit.
* otherwise an **anchorage** event (waiting off a port is not a visit); its ``airport`` is
  the nearest port within ``anchorage_context_km``, for context.

Arrival is the first slow fix, departure the last fix before SOG reaches ``vessel_exit_kt``; when
the fix before (after) the stay is more than ``vessel_window_silence_s`` away, the arrival
(departure) is estimated from the distance at the vessel's speed and an
``arrival_window``/``departure_window`` (earliest at 1.3 x that speed, the observed fix)
is given.

**Gaps**: silences of at least ``vessel_min_gap_s`` between fixes of one vessel, except those
inside a stay (moored, same place). The direct passage takes ``d / v`` at the vessel's service
speed ``v`` (90th percentile of its SOG above 3 kn; 12 kn when unknown). Unaccounted time above
``max(vessel_margin_s, vessel_margin_share x direct)`` has candidates: ports X with ``d(A, X) +
d(X, B) <= v (T - vessel_min_stay_s)``, ranked by the share of the slack the detour uses
plus a harbour-size term; otherwise the gap is explained by the direct passage.

Confidence of a port visit (documented ranking, not a probability): base 0.80, +0.10 x
min(1, slow fixes / 10), +0.05 came to rest (<= 0.2 kn), +0.03 stayed 2 h or more, -0.15 more
than 3 km from the WPI port position, -0.10 another port almost as near (within 1 km).
Detection is vectorised over all vessels; the per-stay work (text) loops over stays, which
are few.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from flightcheck import findings
from flightcheck.geo import haversine_km
from flightcheck.reference import ports
from flightcheck.segment.confidence import describe
from flightcheck.segment.evidence import Cite, duration, stamp
from flightcheck.segment.stops import ts
from flightcheck.settings import DEFAULT, EngineSettings
from flightcheck.track.table import time_s
from flightcheck.units import KT_TO_KMS

PORT_RADIUS_KM = 3.0
LARGE_RADIUS_KM = {"Large": 6.0, "Medium": 4.0}
SIZE_SCORE = {"Large": 0.0, "Medium": -0.25, "Small": -0.5}
"""Candidate score by WPI harbour size (Very Small and unknown: -0.75)."""


def port_radius_km(harbor_size: pd.Series) -> np.ndarray:
    """Radius (km) within which a stay belongs to a port of this WPI harbour size."""
    return harbor_size.map(LARGE_RADIUS_KM).fillna(PORT_RADIUS_KM).to_numpy(dtype="float64")


def place_code(table: pd.DataFrame) -> np.ndarray:
    """The stop's place code for WPI rows: UN/LOCODE, else ``WPI<number>``."""
    wpi = "WPI" + table["wpi_number"].astype("int64").astype("str")
    return table["unlocode"].fillna(wpi).astype("str").to_numpy(dtype=object)


class _Fixes:
    """One vessel table, cleaned and ordered, as numpy arrays."""

    def __init__(self, df: pd.DataFrame, settings: EngineSettings):
        self.settings = settings
        df = df[np.isfinite(df["lat"].to_numpy(float)) & np.isfinite(df["lon"].to_numpy(float))]
        df = df.sort_values(["icao24", "time", "row"], kind="stable").reset_index(drop=True)
        self.df = df
        self.t = time_s(df)
        self.lat, self.lon = df["lat"].to_numpy(float), df["lon"].to_numpy(float)
        self.code, self.names = pd.factorize(df["icao24"])
        n = len(df)
        self.same_prev = np.zeros(n, dtype=bool)
        self.same_prev[1:] = self.code[1:] == self.code[:-1]
        self.step_km = np.zeros(n)
        self.step_km[1:] = haversine_km(self.lat[:-1], self.lon[:-1], self.lat[1:], self.lon[1:])
        dt = np.diff(self.t, prepend=np.nan)
        sog = df["gs_kt"].to_numpy(float) if "gs_kt" in df else np.full(n, np.nan)
        implied = np.where(
            self.same_prev & (dt > 0), self.step_km / np.where(dt > 0, dt, 1) / KT_TO_KMS, np.nan
        )
        self.sog = np.where(np.isnan(sog), implied, sog)
        sources = df["source"].to_numpy(dtype=object) if "source" in df else np.full(n, None)
        rows = df["row"].to_numpy() if "row" in df else np.arange(1, n + 1)
        self.cite = Cite(sources, rows)
        self.service_kt = self._service_speeds()

    def _service_speeds(self) -> np.ndarray:
        under_way = pd.Series(np.where(self.sog > 3.0, self.sog, np.nan))
        q = under_way.groupby(self.code).quantile(0.9).reindex(range(len(self.names)))
        out = q.to_numpy(float)
        cfg = self.settings
        return np.where(
            np.isfinite(out), np.maximum(out, cfg.vessel_min_service_kt), cfg.vessel_service_kt
        )


def _stays(f: _Fixes) -> tuple[np.ndarray, np.ndarray]:
    """(first, last) fix indices of every stay of at least ``vessel_min_stay_s``."""
    cfg = f.settings
    n = len(f.t)
    idx = np.arange(n)
    calm = f.sog < cfg.vessel_exit_kt
    prev_calm = np.maximum.accumulate(np.where(calm, idx, -1))
    next_calm = np.minimum.accumulate(np.where(calm, idx, n)[::-1])[::-1]
    p, q = np.clip(prev_calm, 0, n - 1), np.clip(next_calm, 0, n - 1)
    spike = (
        ~calm
        & (prev_calm >= 0)
        & (next_calm < n)
        & (f.code[p] == f.code)
        & (f.code[q] == f.code)
        & (f.t[q] - f.t[p] <= cfg.vessel_spike_s)
        & (haversine_km(f.lat[p], f.lon[p], f.lat[q], f.lon[q]) <= cfg.vessel_spike_km)
    )
    calm = calm | spike
    start = calm & ~(np.roll(calm, 1) & f.same_prev & (f.step_km <= cfg.vessel_move_km))
    start[0] = calm[0] if n else False
    label = np.cumsum(start) - 1
    label = np.where(calm, label, -1)
    slow = (f.sog < cfg.vessel_enter_kt) & calm
    first = pd.Series(np.where(slow, idx, n)).groupby(label).min()
    last = pd.Series(idx).groupby(label).max()
    first, last = first.drop(-1, errors="ignore"), last.drop(-1, errors="ignore")
    ok = (first < n).to_numpy()
    a, b = first.to_numpy()[ok], last.to_numpy()[ok]
    long_enough = f.t[b] - f.t[a] >= cfg.vessel_min_stay_s
    return a[long_enough], b[long_enough]


def _medians(f: _Fixes, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median lat/lon of the fixes a[i]..b[i] of each stay."""
    n = b - a + 1
    pos = np.repeat(a, n) + np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    grp = np.repeat(np.arange(len(a)), n)
    frame = pd.DataFrame({"g": grp, "lat": f.lat[pos], "lon": f.lon[pos]})
    med = frame.groupby("g")[["lat", "lon"]].median()
    return med["lat"].to_numpy(), med["lon"].to_numpy()


def _assign_ports(lat: np.ndarray, lon: np.ndarray, cfg: EngineSettings) -> pd.DataFrame:
    """Per stay: the nearest port within its radius (``port`` row or NaN), whether another
    port is almost as near, and the nearest port within ``anchorage_context_km``."""
    near = ports.nearest(lat, lon, radius_km=cfg.anchorage_context_km, k=3)
    near["code"] = place_code(near)
    near["inside"] = near["distance_km"] <= port_radius_km(near["harbor_size"])
    out = pd.DataFrame(index=range(len(lat)))
    ctx = near.drop_duplicates("point").set_index("point")
    inside = near[near["inside"]]
    best = inside.drop_duplicates("point").set_index("point")
    second = inside[inside.duplicated("point")].drop_duplicates("point").set_index("point")
    out["code"] = best["code"]
    out["name"] = best["name"]
    out["country"] = best["country"]
    out["plat"], out["plon"] = best["lat"], best["lon"]
    out["distance_km"] = best["distance_km"]
    out["ambiguous"] = (second["distance_km"] - best["distance_km"]).reindex(out.index) < 1.0
    out["near_code"], out["near_name"] = ctx["code"], ctx["name"]
    out["near_km"] = ctx["distance_km"]
    return out


def _merge_same_port(
    f: _Fixes, a: np.ndarray, b: np.ndarray, code: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Join consecutive port stays of one vessel at the same port less than
    ``vessel_merge_s`` apart."""
    cfg = f.settings
    keep = np.ones(len(a), dtype=bool)
    a, b = a.copy(), b.copy()
    last = -1
    for i in range(len(a)):
        if (
            last >= 0
            and isinstance(code[i], str)
            and code[i] == code[last]
            and f.code[a[i]] == f.code[a[last]]
            and f.t[a[i]] - f.t[b[last]] < cfg.vessel_merge_s
        ):
            b[last] = b[i]
            keep[i] = False
            continue
        last = i
    return a[keep], b[keep], keep


def _edge(
    f: _Fixes, k: int, other: int | None, lat: float, lon: float, arriving: bool
) -> tuple[float | None, list | None, str | None]:
    """(time, window, note) for the arrival (departure) of a stay whose first (last) fix is
    ``k`` and whose previous (next) fix of the same vessel is ``other``."""
    cfg = f.settings
    if other is None:
        return (
            None,
            None,
            (
                "the data starts with the vessel there"
                if arriving
                else "the data ends with the vessel there"
            ),
        )
    silence = abs(f.t[k] - f.t[other])
    if silence <= cfg.vessel_window_silence_s:
        return float(f.t[k]), None, None
    d = float(haversine_km(f.lat[other], f.lon[other], lat, lon))
    sog = f.sog[other]
    v = (sog if np.isfinite(sog) and sog > 3.0 else f.service_kt[f.code[k]]) * KT_TO_KMS
    if arriving:
        est = min(f.t[other] + d / v, f.t[k])
        window = [ts(min(f.t[other] + d / (1.3 * v), f.t[k])), ts(f.t[k])]
    else:
        est = max(f.t[other] - d / v, f.t[k])
        window = [ts(f.t[k]), ts(max(f.t[other] - d / (1.3 * v), f.t[k]))]
    side = "before the first slow fix" if arriving else "after the last slow fix"
    note = (
        f"silent {duration(silence)} {side} (the {'last' if arriving else 'next'} fix "
        f"{d:.1f} km away at {stamp(f.t[other])}, {f.cite.one(other)})"
    )
    return float(est), window, note


def _confidence(
    n: int, min_sog: float, dwell: float, dist: float, ambiguous: bool
) -> tuple[float, list[tuple[str, float]]]:
    fac = [("stationary at a port", 0.80), (f"{n} slow fixes", round(0.10 * min(1.0, n / 10.0), 3))]
    if min_sog <= 0.2:
        fac.append(("came to rest (<= 0.2 kn)", 0.05))
    if dwell >= 7200:
        fac.append(("stayed 2 h or more", 0.03))
    if dist > 3.0:
        fac.append((f"{dist:.1f} km from the WPI port position", -0.15))
    if ambiguous:
        fac.append(("another port almost as near", -0.10))
    return round(min(max(sum(v for _, v in fac), 0.05), 0.99), 3), fac


def _records(
    f: _Fixes, a: np.ndarray, b: np.ndarray, lat: np.ndarray, lon: np.ndarray, where: pd.DataFrame
) -> tuple[list[dict], list[dict]]:
    cfg = f.settings
    stops: list[dict] = []
    events: list[dict] = []
    for i, (s, e) in enumerate(zip(a.tolist(), b.tolist(), strict=True)):
        c = f.code[s]
        before = s - 1 if s > 0 and f.code[s - 1] == c else None
        after = e + 1 if e + 1 < len(f.t) and f.code[e + 1] == c else None
        n = e - s + 1
        sog = f.sog[s : e + 1]
        min_sog = float(np.nanmin(sog)) if np.isfinite(sog).any() else np.nan
        w = where.iloc[i]
        span = f.cite.span(s, e, np.arange(s, e + 1))
        rows = [f.cite.ref(s), f.cite.ref(e)]
        if not isinstance(w["code"], str):
            ctx = (
                f", {w['near_km']:.1f} km from {w['near_name']} ({w['near_code']})"
                if isinstance(w["near_code"], str)
                else f", no port within {cfg.anchorage_context_km:.0f} km"
            )
            text = (
                f"at anchor or drifting (not a port visit): {n} fixes under "
                f"{cfg.vessel_exit_kt} kn at {lat[i]:.4f}, {lon[i]:.4f}{ctx} "
                f"from {stamp(f.t[s])} to "
                f"{stamp(f.t[e])} ({duration(f.t[e] - f.t[s])}); {span}"
            )
            events.append(
                {
                    "icao24": str(f.names[c]),
                    "kind": "anchorage",
                    "airport": w["near_code"] if isinstance(w["near_code"], str) else None,
                    "airport_name": w["near_name"] if isinstance(w["near_name"], str) else None,
                    "time": ts(f.t[s]),
                    "end": ts(f.t[e]),
                    "lat": float(lat[i]),
                    "lon": float(lon[i]),
                    "runway": None,
                    "evidence": text,
                    "rows": rows,
                }
            )
            continue
        arr, arr_win, note_a = _edge(f, s, before, lat[i], lon[i], True)
        dep, dep_win, note_d = _edge(f, e, after, lat[i], lon[i], False)
        dwell = (dep if dep is not None else f.t[e]) - (arr if arr is not None else f.t[s])
        conf, fac = _confidence(n, min_sog, dwell, float(w["distance_km"]), bool(w["ambiguous"]))
        text = (
            f"{n} fixes under {cfg.vessel_exit_kt} kn at {w['name']} "
            f"({w['code']}, {w['country']}), "
            f"{w['distance_km']:.1f} km from the WPI port position, from {stamp(f.t[s])} "
            f"to {stamp(f.t[e])}"
            + (f", slowest {min_sog:.1f} kn" if np.isfinite(min_sog) else "")
            + f"; {span}"
        )
        notes = [x for x in (note_a, note_d) if x]
        if notes:
            text += "; " + "; ".join(notes)
        text += f"; confidence {conf:.2f} ({describe(fac)})"
        stops.append(
            {
                "icao24": str(f.names[c]),
                "airport": w["code"],
                "airport_name": w["name"],
                "country": w["country"],
                "lat": float(w["plat"]),
                "lon": float(w["plon"]),
                "arrival": ts(arr),
                "departure": ts(dep),
                "arrival_window": arr_win,
                "departure_window": dep_win,
                "dwell_s": float(dwell),
                "kind": "observed",
                "confidence": conf,
                "runway": None,
                "evidence": text,
                "confidence_factors": fac,
                "rows": rows,
            }
        )
    return stops, events


def _gaps(f: _Fixes, a: np.ndarray, b: np.ndarray) -> list[dict]:
    """Silences of at least ``vessel_min_gap_s`` outside the stays, with candidate ports."""
    cfg = f.settings
    n = len(f.t)
    in_stay = np.zeros(n + 1, dtype=int)
    np.add.at(in_stay, a, 1)
    np.add.at(in_stay, b, -1)
    inside = np.cumsum(in_stay)[:n] > 0  # fix i and i+1 belong to the same stay
    j = np.flatnonzero(f.same_prev & (np.diff(f.t, prepend=-np.inf) >= cfg.vessel_min_gap_s))
    i = j - 1
    j = j[~inside[i]]
    i = j - 1
    if not len(j):
        return []
    silence = f.t[j] - f.t[i]
    d = haversine_km(f.lat[i], f.lon[i], f.lat[j], f.lon[j])
    v = f.service_kt[f.code[i]] * KT_TO_KMS
    direct = d / v
    unaccounted = silence - direct
    want = unaccounted > np.maximum(cfg.vessel_margin_s, cfg.vessel_margin_share * direct)
    reach = v * (silence - cfg.vessel_min_stay_s)
    cands = _candidates(f, i, j, want, reach, d)
    out = []
    for g in range(len(j)):
        ai, bi = int(i[g]), int(j[g])
        kt = f.service_kt[f.code[ai]]
        why = None if want[g] else f"direct passage at {kt:.0f} kn"
        text = (
            f"silent {duration(silence[g])} from {stamp(f.t[ai])} ({f.cite.one(ai)}) to "
            f"{stamp(f.t[bi])} ({f.cite.one(bi)}); {d[g]:.0f} km apart, "
            f"{duration(direct[g])} direct at {kt:.0f} kn, "
            f"{duration(max(unaccounted[g], 0.0))} unaccounted"
        )
        if why:
            text += f"; accounted for by the {why}"
        elif cands[g]:
            text += (
                f"; {len(cands[g])} best of the ports within reach ({reach[g]:,.0f} km "
                f"path): " + ", ".join(c["airport"] for c in cands[g][:5])
            )
        else:
            text += f"; no port within reach ({reach[g]:,.0f} km path)"
        out.append(
            {
                "icao24": str(f.names[f.code[ai]]),
                "start": ts(f.t[ai]),
                "end": ts(f.t[bi]),
                "duration_s": float(silence[g]),
                "distance_km": float(d[g]),
                "direct_s": float(direct[g]),
                "unaccounted_s": float(unaccounted[g]),
                "reach_km": round(float(reach[g]), 1) if want[g] else None,
                "lat0": float(f.lat[ai]),
                "lon0": float(f.lon[ai]),
                "lat1": float(f.lat[bi]),
                "lon1": float(f.lon[bi]),
                "explained_by": why,
                "candidates": cands[g],
                "evidence": text,
                "rows": [f.cite.ref(ai), f.cite.ref(bi)],
            }
        )
    return out


def _candidates(
    f: _Fixes, i: np.ndarray, j: np.ndarray, want: np.ndarray, reach: np.ndarray, dab: np.ndarray
) -> list[list[dict]]:
    """Per gap, up to ``vessel_max_candidates`` ports inside its time-distance ellipse, best
    first."""
    cfg = f.settings
    out: list[list[dict]] = [[] for _ in range(len(i))]
    sel = np.flatnonzero(want)
    if not len(sel):
        return out
    table = ports.table()
    codes = place_code(table)
    plat, plon = table["lat"].to_numpy(), table["lon"].to_numpy()
    size = table["harbor_size"].map(SIZE_SCORE).fillna(-0.75).to_numpy()
    d1 = haversine_km(f.lat[i[sel], None], f.lon[i[sel], None], plat[None], plon[None])
    d2 = haversine_km(plat[None], plon[None], f.lat[j[sel], None], f.lon[j[sel], None])
    slack = np.maximum(reach[sel] - dab[sel], 1.0)[:, None]
    score = np.where(
        d1 + d2 <= reach[sel, None],
        -np.clip((d1 + d2 - dab[sel, None]) / slack, 0, 1) + size[None],
        -np.inf,
    )
    v = (f.service_kt[f.code[i[sel]]] * KT_TO_KMS)[:, None]
    in_port = (f.t[j[sel]] - f.t[i[sel]])[:, None] - (d1 + d2) / v
    for r, g in enumerate(sel.tolist()):
        best = np.argsort(-score[r], kind="stable")[: cfg.vessel_max_candidates]
        best = best[np.isfinite(score[r, best])]
        out[g] = [
            {
                "airport": str(codes[p]),
                "airport_name": str(table["name"].iat[p]),
                "country": table["country"].iat[p],
                "lat": float(plat[p]),
                "lon": float(plon[p]),
                "distance_km": round(float(d1[r, p]), 1),
                "distance_after_km": round(float(d2[r, p]), 1),
                "max_ground_s": round(float(in_port[r, p])),
                "runway_ft": None,
                "score": round(float(score[r, p]), 3),
                "why": f"detour {d1[r, p] + d2[r, p] - dab[g]:.0f} km, up to "
                f"{duration(float(in_port[r, p]))} in port, "
                f"{table['harbor_size'].iat[p] or 'unknown size'} harbour",
            }
            for p in best.tolist()
        ]
    return out


def vessel_mask(df: pd.DataFrame) -> np.ndarray:
    """True for the rows of track table ``df`` that are vessels (``kind == "vessel"``)."""
    if "kind" not in df:
        return np.zeros(len(df), dtype=bool)
    return df["kind"].eq("vessel").fillna(False).to_numpy(dtype=bool)


def port_visit_records(
    df: pd.DataFrame, settings: EngineSettings = DEFAULT
) -> tuple[list[dict], list[dict], list[dict]]:
    """Stops (port visits), events (anchorages) and gaps of the vessel rows of ``df``, as
    record dicts with the aircraft engine's keys."""
    f = _Fixes(df[vessel_mask(df)], settings)
    if not len(f.t):
        return [], [], []
    a, b = _stays(f)
    lat, lon = _medians(f, a, b)
    where = _assign_ports(lat, lon, f.settings)
    a, b, keep = _merge_same_port(f, a, b, where["code"].to_numpy(dtype=object))
    if not keep.all():
        lat, lon = _medians(f, a, b)
        where = where[keep].reset_index(drop=True)
    stops, events = _records(f, a, b, lat, lon, where)
    return stops, events, _gaps(f, a, b)


def detect_port_visits(
    df: pd.DataFrame, settings: EngineSettings = DEFAULT
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(stops, events, gaps) DataFrames of the vessel rows of track table ``df`` (see the
    module doc). Stops have the aircraft stop columns (``airport`` = port code), events are
    anchorages, gaps have the aircraft gap columns (candidates are ports)."""
    stops, events, gaps = port_visit_records(df, settings)
    return (
        findings.frame(stops, findings.STOPS),
        findings.frame(events, findings.EVENTS),
        findings.frame(gaps, findings.GAPS),
    )
