"""What the workbench page shows, as plain rows built from an analysis and the case file:
findings (stops, events, silences), verdicts and annotations. The page's template escapes
every text (jinja2 autoescape); nothing here builds HTML.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from flightcheck.case.bind import bind
from flightcheck.case.model import Case
from flightcheck.case.pack import Analysis, gap_figure
from flightcheck.output.jsonout import iso


def _ts(value: Any) -> pd.Timestamp | None:
    if value is None or (not isinstance(value, (str, list, tuple)) and pd.isna(value)):
        return None
    return pd.Timestamp(value)


def _window_end(value: Any, i: int) -> pd.Timestamp | None:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return _ts(value[i])
    return None


def bind_time(stop: dict[str, Any]) -> str | None:
    """A time (whole UTC seconds) inside the stop, so that ``case annotate --airport A
    --time T`` binds to exactly this stop: the middle of arrival and departure, or the
    whole second after an arrival / before a departure when the other end is open."""
    a = _ts(stop.get("arrival")) or _window_end(stop.get("arrival_window"), 0)
    d = _ts(stop.get("departure")) or _window_end(stop.get("departure_window"), 1)
    if a is not None and d is not None:
        when = (a + (d - a) / 2).floor("s")
        when = max(when, a.ceil("s")) if a.ceil("s") <= d else when
    elif a is not None:
        when = a.ceil("s")
    elif d is not None:
        when = d.floor("s")
    else:
        return None
    return iso(when)


def _num(value: Any) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _evidence(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _day(value: str | None) -> str:
    return value[:10] if value else ""


MAP_AIRCRAFT = 20
"""Most aircraft drawn on the map and timeline at once. The shared map renderer costs about
0.1 s and 0.12 MB per aircraft (a generated 1M-fix case of 568 aircraft: 248 s and 55 MB;
58 aircraft: 6 s and 7 MB), so a larger case shows the aircraft its claims and annotations
name, and the aircraft filter maps any other one."""


def focus_aircraft(
    found: Analysis | None, case: Case | None, limit: int = MAP_AIRCRAFT
) -> list[str] | None:
    """The aircraft to draw: None (all) when there are at most ``limit``; otherwise those the
    claims and annotations name, in the case's order (the first aircraft when they name
    none), at most ``limit``."""
    if found is None or len(found.routes) <= limit:
        return None
    from flightcheck.case.verify import select_aircraft

    named: list[str] = []
    if case is not None:
        for claim in case.claims:
            named += [r.icao24 for r in select_aircraft(claim, found.routes)]
        named += [b["icao24"] for b in annotation_rows(found, case) if b.get("icao24")]
    chosen = list(dict.fromkeys(named))[:limit]
    return chosen or [next(iter(found.routes)).icao24]


def _records(frame: pd.DataFrame) -> list[tuple[int, dict[str, Any]]]:
    """Records of a findings table of all aircraft, each with its place among its aircraft's
    (one ``to_dict`` for the table: one per aircraft took 2.1 of 3.2 s for 568 aircraft)."""
    seen: dict[str, int] = {}
    out = []
    for rec in frame.to_dict("records") if len(frame) else []:
        hex_ = str(rec.get("icao24"))
        seen[hex_] = seen.get(hex_, -1) + 1
        out.append((seen[hex_], rec))
    return out


def finding_rows(found: Analysis | None) -> list[dict[str, Any]]:
    """One row per stop, event and silence, in aircraft then time order. Stops carry what an
    annotation needs to bind to them (``icao24``, ``airport``, ``bind_time``) and their
    position (``lat``, ``lon``) for the map."""
    if found is None:
        return []
    labels = {
        r.icao24: r.icao24 + (f" {r.registration}" if r.registration else "") for r in found.routes
    }
    by_aircraft: dict[str, list[dict[str, Any]]] = {hex_: [] for hex_ in labels}

    def add(hex_: str, row: dict[str, Any]) -> None:
        by_aircraft.setdefault(hex_, []).append(
            {"aircraft": hex_, "aircraft_label": labels.get(hex_, hex_), **row}
        )

    for n, s in _records(found.routes.stops):
        hex_ = str(s["icao24"])
        start, end = iso(s.get("arrival")), iso(s.get("departure"))
        add(
            hex_,
            {
                "id": f"stop-{hex_}-{n}",
                "type": "stop",
                "kind": s.get("kind") or "",
                "place": s.get("airport") or "",
                "place_name": s.get("airport_name") or "",
                "country": s.get("country") or "",
                "start": start or "",
                "end": end or "",
                "day": _day(start or end),
                "duration": gap_figure(s.get("dwell_s")),
                "duration_s": _num(s.get("dwell_s")),
                "confidence": _num(s.get("confidence")),
                "lat": _num(s.get("lat")),
                "lon": _num(s.get("lon")),
                "bind_time": bind_time(s),
                "evidence": _evidence(s.get("evidence")),
            },
        )
    for n, e in _records(found.routes.events):
        hex_ = str(e["icao24"])
        start, end = iso(e.get("time")), iso(e.get("end"))
        add(
            hex_,
            {
                "id": f"event-{hex_}-{n}",
                "type": "event",
                "kind": e.get("kind") or "",
                "place": e.get("airport") or "",
                "place_name": e.get("airport_name") or "",
                "country": "",
                "start": start or "",
                "end": end or "",
                "day": _day(start),
                "duration": "",
                "duration_s": None,
                "confidence": None,
                "lat": _num(e.get("lat")),
                "lon": _num(e.get("lon")),
                "bind_time": None,
                "evidence": _evidence(e.get("evidence")),
            },
        )
    for n, g in _records(found.routes.gaps):
        hex_ = str(g["icao24"])
        start, end = iso(g.get("start")), iso(g.get("end"))
        explained = g.get("explained_by") if isinstance(g.get("explained_by"), str) else ""
        add(
            hex_,
            {
                "id": f"silence-{hex_}-{n}",
                "type": "silence",
                "kind": "unaccounted " + gap_figure(g.get("unaccounted_s"))
                if _num(g.get("unaccounted_s")) and not explained
                else explained or "silence",
                "place": ", ".join(
                    str(c.get("airport"))
                    for c in (g.get("candidates") or [])
                    if isinstance(c, dict)
                )[:200],
                "place_name": "",
                "country": "",
                "start": start or "",
                "end": end or "",
                "day": _day(start),
                "duration": gap_figure(g.get("duration_s")),
                "duration_s": _num(g.get("duration_s")),
                "confidence": None,
                "lat": _num(g.get("lat0")),
                "lon": _num(g.get("lon0")),
                "bind_time": None,
                "evidence": _evidence(g.get("evidence")),
            },
        )
    return [row for rows in by_aircraft.values() for row in rows]


def verdict_rows(
    found: Analysis | None, case: Case, changes: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Every claim of the case with its verdict from the last run (``None`` for a claim
    added since), and what it was before when it changed."""
    by_id = {v.id: v for v in found.verdicts} if found is not None else {}
    changed = {c["id"]: c for c in changes}
    out = []
    for claim in case.claims:
        v = by_id.get(claim.id)
        where = claim.airport or claim.country or " → ".join(claim.route)
        out.append(
            {
                "id": claim.id,
                "kind": claim.kind,
                "text": claim.text,
                "where": where,
                "place": claim.place,
                "window": f"{iso(claim.start) or '…'} – {iso(claim.end) or '…'}",
                "verdict": v.verdict if v else None,
                "confidence": v.confidence if v else None,
                "reasons": v.reasons if v else [],
                "was": changed[claim.id]["before"] if claim.id in changed else None,
                "changed": claim.id in changed,
            }
        )
    return out


def annotation_rows(found: Analysis | None, case: Case) -> list[dict[str, Any]]:
    """The case's annotations as they are now, bound to the last analysis's findings."""
    if found is None:
        return [
            {
                "id": a.id,
                "label": a.label,
                "note": a.note,
                "sources": list(a.sources),
                "author": a.author,
                "bound": "(not bound yet: verify the case)",
                "lat": None,
                "lon": None,
            }
            for a in case.annotations
        ]
    return [bind(a, found.routes) for a in case.annotations]
