"""Bind annotations to findings: the stop at an airport nearest a time, or a time range."""

from __future__ import annotations

from typing import Any

import pandas as pd

from flightcheck.case.model import Annotation
from flightcheck.output.jsonout import iso
from flightcheck.output.textout import shown
from flightcheck.routes import RouteSet


def bind(annotation: Annotation, routes: RouteSet) -> dict[str, Any]:
    """What ``annotation`` refers to: ``{"kind": "stop"|"range"|"unbound", "text", ...}``.

    With ``airport`` and ``time`` it binds to that aircraft's stop at the airport whose
    [arrival, departure] is nearest ``time``; otherwise to the time range it gives.
    """
    out: dict[str, Any] = {
        "id": annotation.id,
        "label": annotation.label,
        "note": annotation.note,
        "sources": list(annotation.sources),
        "aircraft": annotation.aircraft,
        "airport": annotation.airport,
        "author": annotation.author,
        "time": iso(annotation.time),
    }
    cands = []
    for route in routes:
        if annotation.aircraft and annotation.aircraft.lower() not in (
            route.icao24,
            (route.registration or "").lower(),
        ):
            continue
        for s in route.stops.to_dict("records"):
            if (
                annotation.airport
                and (s.get("airport") or "").upper() != annotation.airport.upper()
            ):
                continue
            when = annotation.time or annotation.start
            if when is None:
                continue
            a = (
                pd.Timestamp(s["arrival"])
                if s.get("arrival") is not None and not pd.isna(s.get("arrival"))
                else None
            )
            d = (
                pd.Timestamp(s["departure"])
                if s.get("departure") is not None and not pd.isna(s.get("departure"))
                else None
            )
            if (a is None or a <= when) and (d is None or when <= d):
                dist = 0.0
            else:
                edges = [x for x in (a, d) if x is not None]
                dist = min(abs((when - x).total_seconds()) for x in edges) if edges else 1e18
            cands.append((dist, route.icao24, s))
    if annotation.airport and cands:
        dist, hex_, s = min(cands, key=lambda c: c[0])
        out.update(
            {
                "kind": "stop",
                "icao24": hex_,
                "lat": s.get("lat"),
                "lon": s.get("lon"),
                "stop_airport": s.get("airport"),
                "arrival": iso(s.get("arrival")),
                "departure": iso(s.get("departure")),
                "offset_s": dist,
                "bound": f"{s.get('kind')} stop of {hex_} at {shown(s.get('airport'))} "
                f"{iso(s.get('arrival')) or '?'} – {iso(s.get('departure')) or '?'}"
                + (f" ({dist / 3600:.1f} h from the annotated time)" if dist else ""),
            }
        )
        return out
    if annotation.start is not None or annotation.time is not None:
        a = annotation.start or annotation.time
        b = annotation.end or annotation.time
        out.update(
            {
                "kind": "range",
                "start": iso(a),
                "end": iso(b),
                "bound": f"{annotation.aircraft or 'any aircraft'} {iso(a)} – {iso(b)}"
                + (f" (no stop at {annotation.airport} found)" if annotation.airport else ""),
            }
        )
        return out
    out.update({"kind": "unbound", "bound": "not bound to any finding"})
    return out
