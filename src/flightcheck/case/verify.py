"""Verify a case's claims against the data: supported, contradicted or inconclusive.

Rules (per aircraft the claim names; a claim about "any Egyptian military aircraft" is
supported when one of them supports it, contradicted only when all of them contradict it):

* **supported**: a stop at the claimed airport / in the claimed country inside the window
  (``stop``), the claimed places appear in that order among the stops in the window
  (``route``), or fixes in the claimed country / within ``PRESENCE_RADIUS_KM`` of the airport
  (``presence``). Confidence: that of the weakest stop the verdict rests on (1.0 for fixes).
* **inconclusive**, with the cause named: the aircraft is not in the inputs; no data in the
  window; the data does not cover the whole window; an unaccounted gap whose candidate
  airports include the claimed place.
* **contradicted**: the window is covered — every silence in it is explained (no
  unaccounted gap could hide the claimed place) — and the claimed thing is not there.
  Confidence: the fraction of the window accounted for by observation and known stops.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from flightcheck.case.model import Claim
from flightcheck.geo import haversine_km
from flightcheck.jsonout import iso
from flightcheck.routes import Route, RouteSet
from flightcheck.routes.search import find_matches
from flightcheck.track import time_s
from flightcheck.tracks import Tracks

PRESENCE_RADIUS_KM = 10.0
COVERED_GAP_S = 1800.0
"""Silences up to this long are taken as covered when judging a window (cruise sampling of
some sources is this sparse); longer ones count only when the stop engine explains them."""

VERDICTS = ("supported", "contradicted", "inconclusive")


@dataclass
class Verdict:
    """The answer to one claim, with its reasons (plain language) and evidence records."""

    id: str
    verdict: str
    confidence: float
    reasons: list[str] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    text: str = ""
    aircraft: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "verdict": self.verdict,
                "confidence": round(self.confidence, 3), "aircraft": self.aircraft,
                "reasons": self.reasons, "evidence": self.evidence}


def _norm_reg(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def select_aircraft(claim: Claim, routes: RouteSet) -> list[Route]:
    """The routes a claim is about (by hex, registration, registered state, military flag)."""
    out = []
    for r in routes:
        if claim.aircraft:
            a = claim.aircraft.strip()
            if not (r.icao24 == a.lower() or (r.registration and
                                              _norm_reg(r.registration) == _norm_reg(a))):
                continue
        if claim.registered_country and (r.registered_country or "") != \
                claim.registered_country.upper():
            continue
        if claim.military is not None and bool(r.military) != claim.military:
            continue
        out.append(r)
    return out


def _ts(v: Any) -> pd.Timestamp | None:
    if v is None or (not isinstance(v, (str, list, tuple)) and pd.isna(v)):
        return None
    return pd.Timestamp(v)


def _place_matches(code: str, stop: dict) -> bool:
    code = code.upper()
    if len(code) == 2:
        return (stop.get("country") or "").upper() == code
    return code == (stop.get("airport") or "").upper()


def _stops_in(route: Route, start, end) -> list[dict]:
    out = []
    for s in route.stops.to_dict("records"):
        a = _ts(s.get("arrival")) or (_ts((s.get("arrival_window") or [None])[0])
                                      if isinstance(s.get("arrival_window"), (list, tuple))
                                      else None)
        d = _ts(s.get("departure")) or (_ts((s.get("departure_window") or [None, None])[-1])
                                        if isinstance(s.get("departure_window"), (list, tuple))
                                        else None)
        if (end is None or a is None or a <= end) and (start is None or d is None or d >= start):
            out.append(s)
    return out


def _explained(gap: dict) -> bool:
    """Whether a stop (or a direct passage) accounts for the gap. A missing value may come
    back from a pandas string column as NaN, which is truthy: test for a real text."""
    return isinstance(gap.get("explained_by"), str) and bool(gap["explained_by"])


def _gaps_hiding(route: Route, codes: list[str], start, end) -> list[dict]:
    out = []
    for g in route.gaps.to_dict("records"):
        if not g.get("unaccounted_s") or g["unaccounted_s"] <= 0 or _explained(g):
            continue
        gs, ge = _ts(g.get("start")), _ts(g.get("end"))
        if (end is not None and gs is not None and gs > end) or (
                start is not None and ge is not None and ge < start):
            continue
        cands = g.get("candidates") or []
        for code in codes:
            hit = [c for c in cands if _place_matches(code, {"airport": c.get("airport"),
                                                              "country": c.get("country")})]
            if hit:
                out.append({"gap": g, "code": code, "candidate": hit[0]})
                break
    return out


def _gaps_crossing(route: Route, tracks: Tracks, code: str, start, end) -> list[dict]:
    """Silences in the window during which the aircraft could have been over ``code`` (a
    country, or within PRESENCE_RADIUS_KM of an airport): the great circle between the fixes
    either side passes there. The aircraft was not observed, so presence is open."""
    from flightcheck.geo import haversine_km as hav
    from flightcheck.reference import airports, countries

    rows = tracks.df[tracks.df["icao24"] == route.icao24]
    t = time_s(rows)
    lat, lon = rows["lat"].to_numpy(), rows["lon"].to_numpy()
    out = []
    for g in route.gaps.to_dict("records"):
        gs, ge = _ts(g.get("start")), _ts(g.get("end"))
        if gs is None or ge is None or (end is not None and gs > end) or (
                start is not None and ge < start):
            continue
        i = int(np.clip(np.searchsorted(t, gs.timestamp() - 1e-3), 0, len(t) - 1))
        j = int(np.clip(np.searchsorted(t, ge.timestamp() - 1e-3), 0, len(t) - 1))
        f = np.linspace(0.0, 1.0, 200)
        from flightcheck.geo import intermediate_points

        plat, plon = intermediate_points(lat[i], lon[i], lat[j], lon[j], f)
        if len(code) == 2:
            hit = bool((countries.country_of(plat, plon) == code).any())
        else:
            ap = airports.get(code)
            hit = bool((hav(plat, plon, ap.lat, ap.lon) <= PRESENCE_RADIUS_KM).any())
        if hit:
            out.append({"gap": g, "code": code,
                        "candidate": {"airport": None, "country": code if len(code) == 2
                                      else None, "path": "on the direct path"}})
    return out


def _window_coverage(route: Route, tracks: Tracks, start, end) -> dict[str, Any]:
    """How much of [start, end] is accounted for: fixes close together, or a known stop."""
    rows = tracks.df[tracks.df["icao24"] == route.icao24]
    t = time_s(rows)
    if len(t) == 0:
        return {"points": 0, "fraction": 0.0, "first": None, "last": None}
    lo = start.timestamp() if start is not None else t[0]
    hi = end.timestamp() if end is not None else t[-1]
    inside = t[(t >= lo) & (t <= hi)]
    if hi <= lo:
        return {"points": len(inside), "fraction": 1.0 if len(inside) else 0.0,
                "first": None, "last": None}
    pts = np.concatenate([[lo], inside, [hi]])
    steps = np.diff(pts)
    covered = steps <= COVERED_GAP_S
    # a silence that is a known stop (the aircraft sat at an airport) is accounted for
    for s in route.stops.to_dict("records"):
        a, d = _ts(s.get("arrival")), _ts(s.get("departure"))
        a = a.timestamp() if a is not None else -np.inf
        d = d.timestamp() if d is not None else np.inf
        covered |= (pts[:-1] >= a - COVERED_GAP_S) & (pts[1:] <= d + COVERED_GAP_S)
    # an explained gap (no unaccounted time, or a stop explains it) is accounted for too
    for g in route.gaps.to_dict("records"):
        if (g.get("unaccounted_s") or 0) <= 0 or _explained(g):
            gs, ge = _ts(g["start"]).timestamp(), _ts(g["end"]).timestamp()
            covered |= (pts[:-1] >= gs - 1) & (pts[1:] <= ge + 1)
    frac = float(steps[covered].sum() / (hi - lo))
    return {"points": int(len(inside)), "fraction": round(frac, 3),
            "first": iso(pd.Timestamp(inside[0], unit="s", tz="UTC")) if len(inside) else None,
            "last": iso(pd.Timestamp(inside[-1], unit="s", tz="UTC")) if len(inside) else None,
            "uncovered_edges": bool(not covered[0] or not covered[-1])}


def _stop_evidence(s: dict) -> dict[str, Any]:
    keys = ("icao24", "airport", "airport_name", "country", "kind", "arrival", "departure",
            "dwell_s", "confidence", "runway", "evidence")
    return {"type": "stop", **{k: s.get(k) for k in keys}}


def _gap_evidence(item: dict) -> dict[str, Any]:
    g = item["gap"]
    return {"type": "gap", "icao24": g.get("icao24"), "start": g.get("start"),
            "end": g.get("end"), "duration_s": g.get("duration_s"),
            "unaccounted_s": g.get("unaccounted_s"), "candidate": item["candidate"],
            "evidence": g.get("evidence")}


def _window_text(claim: Claim) -> str:
    a = iso(claim.start) if claim.start is not None else "the start of the data"
    b = iso(claim.end) if claim.end is not None else "the end of the data"
    return f"{a} to {b}"


def _judge_one(claim: Claim, route: Route, tracks: Tracks) -> Verdict:
    start, end = claim.start, claim.end
    cov = _window_coverage(route, tracks, start, end)
    v = Verdict(claim.id, "inconclusive", 0.0, text=claim.text, aircraft=[route.icao24])
    label = f"{route.icao24}" + (f" ({route.registration})" if route.registration else "")
    if cov["points"] == 0:
        v.reasons.append(f"{label}: no data in the window {_window_text(claim)}")
        return v
    stops = _stops_in(route, start, end)
    targets: list[str]
    if claim.kind == "route":
        targets = list(claim.route)
        matches = find_matches(pd.DataFrame(stops), targets) if stops else []
        if matches:
            m = matches[0]
            used = [s for s in stops if s.get("airport") in m["stops"]]
            v.verdict = "supported"
            v.confidence = float(min((s.get("confidence") or 0) for s in used)) if used else 0.0
            v.reasons.append(f"{label}: stops {' → '.join(m['stops'])} "
                             f"({' → '.join(c or '?' for c in m['countries'])}) match "
                             f"{' → '.join(targets)} in order, {iso(m['start'])} to "
                             f"{iso(m['end'])}")
            v.evidence += [_stop_evidence(s) for s in used]
            return v
        seen = " → ".join(f"{s.get('airport')} ({s.get('country') or '?'})" for s in stops)
        missing = targets
    else:
        code = (claim.airport or claim.country or "").upper()
        targets = [code]
        if claim.kind == "stop":
            hits = [s for s in stops if _place_matches(code, s)]
            if hits:
                v.verdict = "supported"
                v.confidence = float(max((s.get("confidence") or 0) for s in hits))
                for s in hits:
                    v.reasons.append(f"{label}: {s.get('kind')} stop at {s.get('airport')} "
                                     f"({s.get('airport_name')}), {iso(s.get('arrival')) or '?'}"
                                     f" to {iso(s.get('departure')) or '?'}, confidence "
                                     f"{(s.get('confidence') or 0):.2f}")
                v.evidence += [_stop_evidence(s) for s in hits]
                return v
        else:
            fixes = _presence_fixes(route, tracks, claim)
            if fixes:
                v.verdict = "supported"
                v.confidence = 1.0
                first, last = fixes[0], fixes[-1]
                v.reasons.append(f"{label}: {len(fixes)} fixes in/near {code} from "
                                 f"{first['time']} ({first['source']} row {first['row']}) "
                                 f"to {last['time']} ({last['source']} row {last['row']})")
                v.evidence += [{"type": "fix", **first}, {"type": "fix", **last}]
                return v
        seen = " → ".join(f"{s.get('airport')} ({s.get('country') or '?'})" for s in stops)
        missing = targets
    hiding = _gaps_hiding(route, missing, start, end)
    if claim.kind == "presence" and not hiding:
        hiding = _gaps_crossing(route, tracks, targets[0], start, end)
    if hiding:
        v.verdict = "inconclusive"
        for h in hiding:
            g = h["gap"]
            if h["candidate"].get("path"):
                v.reasons.append(
                    f"{label}: not observed from {iso(g.get('start'))} to {iso(g.get('end'))}"
                    f" ({(g.get('duration_s') or 0) / 3600:.1f} h); the direct path between "
                    f"the fixes either side crosses {h['code']}, so presence there can be "
                    "neither shown nor excluded")
                continue
            v.reasons.append(
                f"{label}: silent from {iso(g.get('start'))} to {iso(g.get('end'))} with "
                f"{(g.get('unaccounted_s') or 0) / 3600:.1f} h unaccounted; candidate airports "
                f"for an unobserved stop include {h['candidate'].get('airport')} "
                f"({h['candidate'].get('country')}), which would satisfy {h['code']}")
        v.evidence += [_gap_evidence(h) for h in hiding]
        return v
    if cov["fraction"] < 0.9 or cov.get("uncovered_edges"):
        v.reasons.append(f"{label}: only {cov['fraction']:.0%} of the window "
                         f"{_window_text(claim)} is covered by data (first fix "
                         f"{cov['first']}, last {cov['last']})")
        v.confidence = 0.0
        return v
    v.verdict = "contradicted"
    # silences accounted for by inferred stops are only as sure as those stops
    inferred = [float(s.get("confidence") or 0) for s in stops if s.get("kind") == "inferred"]
    v.confidence = cov["fraction"] * (min(inferred) if inferred else 1.0)
    what = {"route": "the stops do not include " + " → ".join(targets) + " in that order",
            "stop": f"no stop at {targets[0]}",
            "presence": f"no fix in or near {targets[0]}"}[claim.kind]
    v.reasons.append(f"{label}: {cov['fraction']:.0%} of the window {_window_text(claim)} is "
                     f"accounted for and {what}; stops in the window: {seen or 'none'}")
    v.evidence += [_stop_evidence(s) for s in stops]
    return v


def _presence_fixes(route: Route, tracks: Tracks, claim: Claim) -> list[dict]:
    from flightcheck.reference import airports, countries

    rows = tracks.df[tracks.df["icao24"] == route.icao24]
    if claim.start is not None:
        rows = rows[rows["time"] >= claim.start]
    if claim.end is not None:
        rows = rows[rows["time"] <= claim.end]
    if rows.empty:
        return []
    lat, lon = rows["lat"].to_numpy(), rows["lon"].to_numpy()
    if claim.airport:
        ap = airports.get(claim.airport)
        mask = haversine_km(lat, lon, ap.lat, ap.lon) <= PRESENCE_RADIUS_KM
    else:
        mask = countries.country_of(lat, lon) == (claim.country or "").upper()
    hit = rows[np.asarray(mask, dtype=bool)]
    return [{"time": iso(r["time"]), "lat": r["lat"], "lon": r["lon"], "source": r["source"],
             "row": int(r["row"])} for r in hit.to_dict("records")]


def verify(claims: list[Claim], tracks: Tracks, routes: RouteSet) -> list[Verdict]:
    """One :class:`Verdict` per claim, in the case file's order."""
    out = []
    for claim in claims:
        chosen = select_aircraft(claim, routes)
        if not chosen:
            who = claim.aircraft or " ".join(
                x for x in (claim.registered_country,
                            None if claim.military is None else
                            ("military" if claim.military else "civil")) if x)
            out.append(Verdict(claim.id, "inconclusive", 0.0,
                               [f"no aircraft matching {who!r} in the inputs"], [],
                               claim.text, []))
            continue
        each = [_judge_one(claim, r, tracks) for r in chosen]
        sup = [e for e in each if e.verdict == "supported"]
        if sup:
            best = max(sup, key=lambda e: e.confidence)
            merged = Verdict(claim.id, "supported", best.confidence, text=claim.text)
            pool = sup
        elif all(e.verdict == "contradicted" for e in each):
            merged = Verdict(claim.id, "contradicted", min(e.confidence for e in each),
                             text=claim.text)
            pool = each
        else:
            merged = Verdict(claim.id, "inconclusive", 0.0, text=claim.text)
            pool = each
        for e in pool:
            merged.reasons += e.reasons
            merged.evidence += e.evidence
            merged.aircraft += e.aircraft
        out.append(merged)
    return out
