"""Verify a case's claims against the data: supported, contradicted or inconclusive.

Rules (per aircraft the claim names; a claim about "any Egyptian military aircraft" is
supported when one of them supports it, contradicted only when all of them contradict it):

* **supported**: a stop at the claimed airport / in the claimed country inside the window
  (``stop``), the claimed places appear in that order among the stops in the window
  (``route``), or fixes in the claimed country / within ``presence_radius_km`` of the airport
  (``presence``). *Confidence*: that of the stop the verdict rests on (the weakest stop of a
  route; 1.0 for observed fixes).
* **contradicted**: only when the data rules the claim out for the whole window
  (:mod:`flightcheck.case.reach`): the aircraft was observed away from the place, and every
  silence in the window, and every part of the window before its first fix or after its last
  fix, was too short to reach the place (stop there) and be back where it was next seen, at
  a generous speed. A route is contradicted when one of its places is. *Confidence*: how
  decisively: at the closest call (the silence that came nearest to leaving room), the time
  missing as a share of the time needed; 1.0 when no silence came near.
* **inconclusive** otherwise (*confidence* 0: no lean either way), with the cause: the
  aircraft is not in the inputs; or the silences that leave room for the claim, with their
  numbers, what the stop engine reads there, and what data would settle it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from flightcheck import findings
from flightcheck.case import reach
from flightcheck.case.model import Claim
from flightcheck.errors import ReferenceDataError
from flightcheck.findings import VerdictKind
from flightcheck.geo import haversine_km
from flightcheck.output.jsonout import iso
from flightcheck.output.textout import shown
from flightcheck.routes import Route, RouteSet
from flightcheck.routes.search import find_matches
from flightcheck.segment.evidence import duration
from flightcheck.segment.gaps import stop_fits
from flightcheck.settings import EngineSettings
from flightcheck.track.flags import unflagged
from flightcheck.track.table import time_s
from flightcheck.track.tracks import Tracks


@dataclass
class Verdict:
    """The answer to one claim, with its reasons (plain language) and evidence records."""

    id: str
    verdict: VerdictKind
    confidence: float
    reasons: list[str] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    text: str = ""
    aircraft: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "verdict": self.verdict,
            "confidence": round(self.confidence, 3),
            "aircraft": self.aircraft,
            "reasons": self.reasons,
            "evidence": self.evidence,
        }


def verdict_table(verdicts: list[Verdict]) -> pd.DataFrame:
    """The verdicts as one table, one row per claim in order (declared schema
    :data:`flightcheck.findings.VERDICTS_TABLE`; confidence 0..1 unrounded)."""
    return findings.frame(
        [
            {
                "id": v.id,
                "text": v.text,
                "verdict": v.verdict,
                "confidence": v.confidence,
                "aircraft": list(v.aircraft),
                "reasons": list(v.reasons),
                "evidence": list(v.evidence),
            }
            for v in verdicts
        ],
        findings.VERDICTS_TABLE,
    )


def _norm_reg(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def select_aircraft(claim: Claim, routes: RouteSet) -> list[Route]:
    """The routes a claim is about (by hex, registration, registered state, military flag)."""
    out = []
    for r in routes:
        if claim.aircraft:
            a = claim.aircraft.strip()
            if not (
                r.icao24 == a.lower()
                or (r.registration and _norm_reg(r.registration) == _norm_reg(a))
            ):
                continue
        if (
            claim.registered_country
            and (r.registered_country or "") != claim.registered_country.upper()
        ):
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
        a = _ts(s.get("arrival")) or (
            _ts((s.get("arrival_window") or [None])[0])
            if isinstance(s.get("arrival_window"), (list, tuple))
            else None
        )
        d = _ts(s.get("departure")) or (
            _ts((s.get("departure_window") or [None, None])[-1])
            if isinstance(s.get("departure_window"), (list, tuple))
            else None
        )
        if (end is None or a is None or a <= end) and (start is None or d is None or d >= start):
            out.append(s)
    return out


def _explained(gap: dict) -> bool:
    """Whether a stop (or a direct passage) accounts for the gap. A missing value may come
    back from a pandas string column as NaN, which is truthy: test for a real text."""
    return isinstance(gap.get("explained_by"), str) and bool(gap["explained_by"])


def _gaps_hiding(route: Route, codes: list[str], start, end, cfg: EngineSettings) -> list[dict]:
    out = []
    for g in route.gaps.to_dict("records"):
        if not stop_fits(g, cfg) or _explained(g):
            continue
        gs, ge = _ts(g.get("start")), _ts(g.get("end"))
        if (end is not None and gs is not None and gs > end) or (
            start is not None and ge is not None and ge < start
        ):
            continue
        cands = g.get("candidates") or []
        for code in codes:
            hit = [
                c
                for c in cands
                if _place_matches(code, {"airport": c.get("airport"), "country": c.get("country")})
            ]
            if hit:
                out.append({"gap": g, "code": code, "candidate": hit[0]})
                break
    return out


def _gaps_crossing(
    route: Route, tracks: Tracks, code: str, start, end, cfg: EngineSettings
) -> list[dict]:
    """Silences in the window during which the aircraft could have been over ``code`` (a
    country, or within ``presence_radius_km`` of an airport): the great circle between the fixes
    either side passes there. The aircraft was not observed, so presence is open."""
    from flightcheck.geo import haversine_km as hav
    from flightcheck.reference import countries

    rows = _usable(tracks.rows_of(route.icao24))
    t = time_s(rows)
    lat, lon = rows["lat"].to_numpy(), rows["lon"].to_numpy()
    out = []
    for g in route.gaps.to_dict("records"):
        gs, ge = _ts(g.get("start")), _ts(g.get("end"))
        if (
            gs is None
            or ge is None
            or (end is not None and gs > end)
            or (start is not None and ge < start)
        ):
            continue
        i = int(np.clip(np.searchsorted(t, gs.timestamp() - 1e-3), 0, len(t) - 1))
        j = int(np.clip(np.searchsorted(t, ge.timestamp() - 1e-3), 0, len(t) - 1))
        f = np.linspace(0.0, 1.0, 200)
        from flightcheck.geo import intermediate_points

        plat, plon = intermediate_points(lat[i], lon[i], lat[j], lon[j], f)
        if len(code) == 2:
            hit = bool((countries.country_of(plat, plon) == code).any())
        else:
            ap = _place(code)
            hit = bool((hav(plat, plon, ap.lat, ap.lon) <= cfg.presence_radius_km).any())
        if hit:
            out.append(
                {
                    "gap": g,
                    "code": code,
                    "candidate": {
                        "airport": None,
                        "country": code if len(code) == 2 else None,
                        "path": "on the direct path",
                    },
                }
            )
    return out


def _usable(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows whose fix the data does not refute (``flag`` missing): a flagged fix (a
    position jump, say) never places an aircraft anywhere."""
    return unflagged(rows)


def _stop_evidence(s: dict) -> dict[str, Any]:
    keys = (
        "icao24",
        "airport",
        "airport_name",
        "country",
        "kind",
        "arrival",
        "departure",
        "dwell_s",
        "confidence",
        "runway",
        "evidence",
    )
    return {"type": "stop", **{k: s.get(k) for k in keys}}


def _gap_evidence(item: dict) -> dict[str, Any]:
    g = item["gap"]
    return {
        "type": "gap",
        "icao24": g.get("icao24"),
        "start": g.get("start"),
        "end": g.get("end"),
        "duration_s": g.get("duration_s"),
        "unaccounted_s": g.get("unaccounted_s"),
        "candidate": item["candidate"],
        "evidence": g.get("evidence"),
    }


def _window_text(claim: Claim) -> str:
    a = iso(claim.start) if claim.start is not None else "the start of the data"
    b = iso(claim.end) if claim.end is not None else "the end of the data"
    return f"{a} to {b}"


@dataclass
class Fixes:
    """One aircraft's cleaned fixes (time-sorted numpy arrays; ``t`` Unix s) and where each
    came from (``source`` file name, ``row``), for reachability and citations."""

    t: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    alt: np.ndarray
    gs: np.ndarray
    ground: np.ndarray
    source: np.ndarray
    row: np.ndarray

    def cite(self, k: int) -> str:
        return f"{Path(str(self.source[k])).name} row {int(self.row[k])}"


def aircraft_fixes(tracks: Tracks, icao24: str, cfg: EngineSettings) -> Fixes:
    """The fixes the stop engine would use for ``icao24`` (duplicates, stale repeats and
    position jumps removed: an outlier must not place the aircraft "elsewhere")."""
    from flightcheck.segment.airportindex import default_index
    from flightcheck.segment.phases import prepare

    rows = tracks.rows_of(icao24)
    pts = prepare(rows, default_index(), cfg)
    src = (
        rows["source"].to_numpy(object)[pts.pos]
        if "source" in rows
        else np.full(len(pts.pos), "?", dtype=object)
    )
    row = rows["row"].to_numpy()[pts.pos] if "row" in rows else pts.pos + 1
    return Fixes(pts.t, pts.lat, pts.lon, pts.alt, pts.gs, pts.ground, src, row)


@functools.lru_cache(maxsize=1024)
def _place(code: str) -> reach.Place:
    """The claimed place of a code (looked up once: verify asks per claim, aircraft and gap)."""
    from flightcheck.reference import airports, countries

    if len(code) == 2:
        table = airports.table()
        elev = table.loc[table["country"] == code, "elevation_ft"].max()
        return reach.Place(
            code, elev_ft=None if pd.isna(elev) else float(elev), name=countries.name_of(code)
        )
    from flightcheck.segment.airportindex import default_index

    ix = default_index()  # the stop engine's own airport for the code stops carry
    i = ix.index_of(code)
    if i is not None:
        elev = float(ix.elev_ft[i])
        return reach.Place(
            code,
            float(ix.lat[i]),
            float(ix.lon[i]),
            elev if np.isfinite(elev) else None,
            str(ix.name[i]),
        )
    try:
        ap = airports.get(code)
    except ReferenceDataError:
        port = _port(code)
        if port is None:
            raise
        return port
    return reach.Place(code, ap.lat, ap.lon, ap.elevation_ft, ap.name)


def _port(code: str) -> reach.Place | None:
    """A seaport by UN/LOCODE (vessel claims), reached within its harbour radius."""
    from flightcheck.reference import ports
    from flightcheck.segment.vessels import LARGE_RADIUS_KM, PORT_RADIUS_KM

    table = ports.table()
    hit = table[table["unlocode"].fillna("").str.upper() == code.upper()]
    if hit.empty:
        return None
    row = hit.iloc[0]
    size = row.get("harbor_size") if "harbor_size" in row else None
    extent = LARGE_RADIUS_KM.get(str(size), PORT_RADIUS_KM)
    return reach.Place(
        code, float(row["lat"]), float(row["lon"]), None, str(row["name"]), extent_km=extent
    )


def _assess(fx: Fixes, code: str, claim: Claim, cfg: EngineSettings) -> reach.Reach:
    lo = claim.start.timestamp() if claim.start is not None else None
    hi = claim.end.timestamp() if claim.end is not None else None
    return reach.assess(
        fx.t,
        fx.lat,
        fx.lon,
        fx.alt,
        fx.gs,
        fx.ground,
        _place(code),
        lo,
        hi,
        claim.kind != "presence",
        cfg,
    )


def _stamp(t: float | None) -> str:
    return (iso(pd.Timestamp(t, unit="s", tz="UTC")) or "?") if t is not None else "?"


def _silence_text(fx: Fixes, o: reach.Opening, code: str, claim: Claim) -> str:
    """One silence in plain words with its numbers: when, how far the place was, how long
    getting there (and back) needs at the assumed speed."""
    if (
        o.before is not None
        and o.after is not None
        and o.t_before is not None
        and o.t_after is not None
    ):
        return (
            f"silent {duration(o.t_after - o.t_before)} from {_stamp(o.t_before)} "
            f"({fx.cite(o.before)}) to {_stamp(o.t_after)} ({fx.cite(o.after)}), "
            f"{o.km_before:,.0f} km from {code} before and {o.km_after:,.0f} km after"
        )
    if o.before is not None:
        end = _stamp(claim.end.timestamp()) if claim.end is not None else "the window's end"
        return (
            f"no data after {_stamp(o.t_before)} ({fx.cite(o.before)}, "
            f"{o.km_before:,.0f} km from {code}) up to {end}"
        )
    if o.after is not None:
        begin = _stamp(claim.start.timestamp()) if claim.start is not None else "the window's start"
        return (
            f"no data from {begin} until {_stamp(o.t_after)} ({fx.cite(o.after)}, "
            f"{o.km_after:,.0f} km from {code})"
        )
    return f"every fix of the aircraft is at {code}"


def _assumptions(r: reach.Reach) -> str:
    text = f"at {r.speed_kt:.0f} kt ({r.speed_basis})"
    if r.dwell_s:
        text += (
            f", descending or climbing at up to {r.vrate_fpm:,.0f} ft/min and "
            f"{duration(r.dwell_s)} on the ground"
        )
    return text


def _open_reasons(
    label: str, fx: Fixes, code: str, r: reach.Reach, claim: Claim, stops: list[dict]
) -> list[str]:
    """Why the data cannot rule the claim out, and what data would settle it."""
    what = "a stop at" if claim.kind != "presence" else "presence in/near"
    shown = sorted(r.openings[:3], key=lambda o: -np.inf if o.t_before is None else o.t_before)
    out = []
    for o in shown:
        need = f"{_journey(r, o)} needs at least {duration(o.need_s)} {_assumptions(r)}"
        spare = f"{duration(o.slack_s)} to spare" if np.isfinite(o.slack_s) else "no time limit"
        context = _explaining_stop(stops, o)
        out.append(
            f"{label}: {what} {code} cannot be excluded: {_silence_text(fx, o, code, claim)}"
            f"; {need} ({spare}){context}"
        )
    if len(r.openings) > len(shown):
        out.append(
            f"{label}: {len(r.openings) - len(shown)} more silence(s) in the window "
            f"leave room for {what} {code}"
        )
    out.append(
        f"{label}: data covering "
        + ("that silence" if len(r.openings) == 1 else "those silences")
        + " (another receiver, an ADS-B archive, a flight plan or a photograph) would "
        "settle it"
    )
    return out


def _journey(r: reach.Reach, o: reach.Opening) -> str:
    """``getting there, stopping and coming back`` (the parts the silence must hold)."""
    parts = ["getting there"] if o.before is not None or o.after is None else []
    if r.dwell_s:
        parts.append("stopping")
    if o.after is not None:
        parts.append("coming back" if o.before is not None else "flying on to the next fix")
    if not parts:
        parts = ["being there"]
    return (", ".join(parts[:-1]) + " and " + parts[-1]) if len(parts) > 1 else parts[0]


def _explaining_stop(stops: list[dict], o: reach.Opening) -> str:
    """``; the stop engine reads it as ...`` when a stop found by the engine lies in the
    silence (the claim is then unlikely, but the data alone does not exclude it)."""
    lo = o.t_before if o.t_before is not None else -np.inf
    hi = o.t_after if o.t_after is not None else np.inf
    for s in stops:
        a, d = _ts(s.get("arrival")), _ts(s.get("departure"))
        a_s = a.timestamp() if a is not None else -np.inf
        d_s = d.timestamp() if d is not None else np.inf
        if a_s <= hi and d_s >= lo:
            return (
                f"; the stop engine reads this time as an {s.get('kind')} stop at "
                f"{s.get('airport')} ({s.get('airport_name')}), confidence "
                f"{float(s.get('confidence') or 0):.2f}"
            )
    return ""


def _ruled_out_reason(label: str, fx: Fixes, code: str, r: reach.Reach, claim: Claim) -> str:
    what = {
        "stop": f"a stop at {code}",
        "route": f"a stop at {code}",
        "presence": f"presence in/near {code}",
    }[claim.kind]
    text = (
        f"{label}: {what} is ruled out in the window {_window_text(claim)}: "
        f"{r.fixes} fixes in it, and no silence is long enough to reach {code}"
        f"{', stop' if r.dwell_s else ''} and be back where the aircraft was next seen "
        f"({_assumptions(r)})"
    )
    if r.closest is not None:
        o = r.closest
        text += (
            f"; closest call: {_silence_text(fx, o, code, claim)}, needing at least "
            f"{duration(o.need_s)}, {duration(-o.slack_s)} more than there was"
        )
    return text


def _judge_one(
    claim: Claim, route: Route, tracks: Tracks, fx: Fixes, cfg: EngineSettings
) -> Verdict:
    start, end = claim.start, claim.end
    v = Verdict(claim.id, "inconclusive", 0.0, text=claim.text, aircraft=[route.icao24])
    label = f"{route.icao24}" + (f" ({route.registration})" if route.registration else "")
    lo = start.timestamp() if start is not None else -np.inf
    hi = end.timestamp() if end is not None else np.inf
    in_window = int(((fx.t >= lo) & (fx.t <= hi)).sum())
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
            v.reasons.append(
                f"{label}: stops {' → '.join(m['stops'])} "
                f"({' → '.join(shown(c) for c in m['countries'])}) match "
                f"{' → '.join(targets)} in order, {iso(m['start'])} to "
                f"{iso(m['end'])}"
            )
            v.evidence += [_stop_evidence(s) for s in used]
            return v
    else:
        code = (claim.airport or claim.country or "").upper()
        targets = [code]
        if claim.kind == "stop":
            hits = [s for s in stops if _place_matches(code, s)]
            if hits:
                v.verdict = "supported"
                v.confidence = float(max((s.get("confidence") or 0) for s in hits))
                for s in hits:
                    v.reasons.append(
                        f"{label}: {s.get('kind')} stop at {shown(s.get('airport'))} "
                        f"({shown(s.get('airport_name'))}), "
                        f"{iso(s.get('arrival')) or '?'}"
                        f" to {iso(s.get('departure')) or '?'}, confidence "
                        f"{(s.get('confidence') or 0):.2f}"
                    )
                v.evidence += [_stop_evidence(s) for s in hits]
                return v
        else:
            fixes = _presence_fixes(route, tracks, claim, cfg)
            if fixes:
                v.verdict = "supported"
                v.confidence = 1.0
                first, last = fixes[0], fixes[-1]
                v.reasons.append(
                    f"{label}: {len(fixes)} fixes in/near {code} from "
                    f"{first['time']} ({first['source']} row {first['row']}) "
                    f"to {last['time']} ({last['source']} row {last['row']})"
                )
                v.evidence += [{"type": "fix", **first}, {"type": "fix", **last}]
                return v
    seen = " → ".join(f"{shown(s.get('airport'))} ({shown(s.get('country'))})" for s in stops)
    if not in_window:
        v.reasons.append(f"{label}: no fixes in the window {_window_text(claim)}")
    # a route needs a stop at every place: one place ruled out rules the route out; places
    # with a stop in the window are there (the order is then what failed)
    missing = [c for c in dict.fromkeys(targets) if not any(_place_matches(c, s) for s in stops)]
    if claim.kind == "route" and not missing:
        v.reasons.append(
            f"{label}: there are stops at every place of {' → '.join(targets)} in "
            f"the window, but not in that order ({seen}); unobserved stops in "
            "the silences below could complete it"
        )
    checked = [(code, _assess(fx, code, claim, cfg)) for code in (missing or targets)]
    ruled = [(code, r) for code, r in checked if r.ruled_out]
    if ruled and (claim.kind == "route" or len(ruled) == len(checked)):
        code, r = max(ruled, key=lambda cr: cr[1].margin)
        v.verdict = "contradicted"
        v.confidence = r.margin
        v.reasons.append(_ruled_out_reason(label, fx, code, r, claim))
        if claim.kind == "route":
            v.reasons.append(
                f"{label}: so the stops cannot include {' → '.join(targets)} in "
                f"that order; stops in the window: {seen or 'none'}"
            )
        else:
            v.reasons.append(f"{label}: stops in the window: {seen or 'none'}")
        v.evidence += [_stop_evidence(s) for s in stops]
        v.evidence.append(
            {"type": "reach", "icao24": route.icao24, "place": code, **_reach_record(r)}
        )
        return v
    for code, r in checked:
        if r.ruled_out:
            v.reasons.append(_ruled_out_reason(label, fx, code, r, claim))
        else:
            v.reasons += _open_reasons(label, fx, code, r, claim, stops)
            v.evidence.append(
                {"type": "reach", "icao24": route.icao24, "place": code, **_reach_record(r)}
            )
    if claim.kind == "route" and stops:
        v.reasons.append(f"{label}: stops found in the window: {seen}")
    hiding = _gaps_hiding(route, targets, start, end, cfg)
    if claim.kind == "presence" and not hiding:
        hiding = _gaps_crossing(route, tracks, targets[0], start, end, cfg)
    for h in hiding:
        g = h["gap"]
        if h["candidate"].get("path"):
            v.reasons.append(
                f"{label}: not observed from {iso(g.get('start'))} to {iso(g.get('end'))}"
                f" ({(g.get('duration_s') or 0) / 3600:.1f} h); the direct path between "
                f"the fixes either side crosses {h['code']}"
            )
        else:
            v.reasons.append(
                f"{label}: silent from {iso(g.get('start'))} to {iso(g.get('end'))} with "
                f"{duration(g.get('unaccounted_s') or 0)} unaccounted; candidate airports "
                f"for an unobserved stop include {h['candidate'].get('airport')} "
                f"({h['candidate'].get('country')}), which would satisfy {h['code']}"
            )
    v.evidence += [_gap_evidence(h) for h in hiding]
    return v


def _reach_record(r: reach.Reach) -> dict[str, Any]:
    """The reachability numbers behind a verdict, for verdicts.json."""

    def one(o: reach.Opening) -> dict[str, Any]:
        return {
            "before": _stamp(o.t_before) if o.t_before is not None else None,
            "after": _stamp(o.t_after) if o.t_after is not None else None,
            "km_before": None if o.km_before is None else round(o.km_before, 1),
            "km_after": None if o.km_after is None else round(o.km_after, 1),
            "needed_s": round(o.need_s, 1),
            "spare_s": round(o.slack_s, 1) if np.isfinite(o.slack_s) else None,
        }

    return {
        "speed_kt": round(r.speed_kt, 1),
        "speed_basis": r.speed_basis,
        "min_ground_s": r.dwell_s,
        "fixes_in_window": r.fixes,
        "ruled_out": r.ruled_out,
        "margin": round(r.margin, 3),
        "openings": [one(o) for o in r.openings[:10]],
        "closest_call": one(r.closest) if r.closest is not None else None,
    }


def _presence_fixes(route: Route, tracks: Tracks, claim: Claim, cfg: EngineSettings) -> list[dict]:
    from flightcheck.reference import countries

    rows = _usable(tracks.rows_of(route.icao24))
    if claim.start is not None:
        rows = rows[rows["time"] >= claim.start]
    if claim.end is not None:
        rows = rows[rows["time"] <= claim.end]
    if rows.empty:
        return []
    lat, lon = rows["lat"].to_numpy(), rows["lon"].to_numpy()
    if claim.airport:
        ap = _place(claim.airport)
        mask = haversine_km(lat, lon, ap.lat, ap.lon) <= cfg.presence_radius_km
    else:
        mask = countries.country_of(lat, lon) == (claim.country or "").upper()
    hit = rows[np.asarray(mask, dtype=bool)]
    return [
        {
            "time": iso(r["time"]),
            "lat": r["lat"],
            "lon": r["lon"],
            "source": r["source"],
            "row": int(r["row"]),
        }
        for r in hit.to_dict("records")
    ]


def verify(
    claims: list[Claim],
    tracks: Tracks,
    routes: RouteSet,
    settings: EngineSettings | None = None,
) -> list[Verdict]:
    """One :class:`Verdict` per claim, in the case file's order. ``settings``: the thresholds
    (None: those the routes were found with)."""
    cfg = routes.settings if settings is None else settings
    cache: dict[str, Fixes] = {}

    def fixes(icao24: str) -> Fixes:
        if icao24 not in cache:
            cache[icao24] = aircraft_fixes(tracks, icao24, cfg)
        return cache[icao24]

    out = []
    for claim in claims:
        chosen = select_aircraft(claim, routes)
        if not chosen:
            who = claim.aircraft or " ".join(
                x
                for x in (
                    claim.registered_country,
                    None if claim.military is None else ("military" if claim.military else "civil"),
                )
                if x
            )
            out.append(
                Verdict(
                    claim.id,
                    "inconclusive",
                    0.0,
                    [f"no aircraft matching {who!r} in the inputs"],
                    [],
                    claim.text,
                    [],
                )
            )
            continue
        each = [_judge_one(claim, r, tracks, fixes(r.icao24), cfg) for r in chosen]
        sup = [e for e in each if e.verdict == "supported"]
        if sup:
            best = max(sup, key=lambda e: e.confidence)
            merged = Verdict(claim.id, "supported", best.confidence, text=claim.text)
            pool = sup
        elif all(e.verdict == "contradicted" for e in each):
            merged = Verdict(
                claim.id, "contradicted", min(e.confidence for e in each), text=claim.text
            )
            pool = each
        else:
            merged = Verdict(claim.id, "inconclusive", 0.0, text=claim.text)
            pool = each
        for e in pool:
            merged.reasons += e.reasons
            merged.evidence += e.evidence
            merged.aircraft += e.aircraft
        out.append(merged)
    for v, claim in zip(out, claims, strict=True):
        if v.verdict != "supported":
            reasons, evidence = heard_without_place(claim, tracks)
            v.reasons += reasons
            v.evidence += evidence
    return out


def heard_without_place(claim: Claim, tracks: Tracks) -> tuple[list[str], list[dict]]:
    """What raw Mode S inputs heard of the claim's aircraft (by hex) in its window, positions
    or not (``Tracks.presence``): it was in range of that receiver then, which places it
    nowhere more precisely; a reason and an evidence record per input. Nothing for claims
    that do not name an address."""
    heard = tracks.presence
    hex_ = (claim.aircraft or "").strip().lower()
    if heard is None or not len(heard) or not re.fullmatch(r"[0-9a-f]{6}", hex_):
        return [], []
    rows = heard[heard["icao24"] == hex_]
    if claim.start is not None:
        rows = rows[rows["last"] >= claim.start]
    if claim.end is not None:
        rows = rows[rows["first"] <= claim.end]
    reasons, evidence = [], []
    for r in rows.sort_values(["first", "source"], kind="stable").to_dict("records"):
        lo, hi = sorted((int(r["first_row"]), int(r["last_row"])))
        where = f"{Path(str(r['source'])).name} rows {lo}–{hi}"
        reasons.append(
            f"{hex_}: heard in raw Mode S from {iso(r['first'])} to {iso(r['last'])} "
            f"({int(r['messages']):,} messages, {int(r['positions']):,} with a position; "
            f"{where}): within range of that receiver then, which alone does not place it "
            "in or near the claimed place"
        )
        evidence.append(
            {
                "type": "heard",
                "icao24": hex_,
                "first": iso(r["first"]),
                "last": iso(r["last"]),
                "messages": int(r["messages"]),
                "positions": int(r["positions"]),
                "source": str(r["source"]),
                "rows": [lo, hi],
            }
        )
    return reasons, evidence
