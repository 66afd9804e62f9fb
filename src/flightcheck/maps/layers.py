"""Map layers: tracks per leg, stops, events, unaccounted-time areas and annotations.

Each function adds folium objects to a feature group. Class names on the drawn elements
(``fc-leg``, ``fc-observed``, ``fc-silent``, ``fc-stop``, ``fc-event``, ``fc-gap-area``,
``fc-candidate``, ``fc-annotation``) let tests and stylesheets find them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import folium
import pandas as pd

from flightcheck.findings import text
from flightcheck.maps.geometry import reach_ellipse
from flightcheck.maps.html import SafePopup, SafeTooltip
from flightcheck.maps.page import marker_icon
from flightcheck.maps.popups import (
    NO_NAMES,
    annotation_popup,
    event_popup,
    gap_popup,
    leg_popup,
    stop_popup,
)

AIRCRAFT_COLORS = [
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#393b79",
    "#637939",
    "#843c39",
]
"""Aircraft colours (Tableau 10 and darker extras), used in order and repeated."""

GAP_COLOR = "#e66101"
MARKER_PX = 22


def aircraft_color(n: int) -> str:
    """Colour of the ``n``-th aircraft drawn (0-based)."""
    return AIRCRAFT_COLORS[n % len(AIRCRAFT_COLORS)]


def finding_id(kind: str, icao24: Any, *parts: Any) -> str:
    """A finding's id on the map, in the report and the timeline (``#focus=ID``), made of
    what identifies it, so every renderer derives the same one: ``stop-010075-LYBT-
    20251016T082657``. Times become ``YYYYmmddTHHMMSS`` (UTC); other characters than
    letters, digits and ``-`` are dropped."""
    import re

    bits = [kind, str(icao24 or "")]
    for part in parts:
        if part is None or (not isinstance(part, str) and pd.isna(part)):
            bits.append("")
            continue
        if not isinstance(part, str) or (len(part) >= 19 and part[4:5] == "-"):
            try:
                ts = pd.Timestamp(part)
                ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
                bits.append(ts.strftime("%Y%m%dT%H%M%S"))
                continue
            except (ValueError, TypeError):
                pass
        bits.append(str(part))
    return re.sub(r"[^A-Za-z0-9-]", "", "-".join(bits))


def stop_id(stop: Mapping[str, Any]) -> str:
    """:func:`finding_id` of a stop: aircraft, airport, arrival (departure when unknown)."""
    at = stop.get("arrival")
    if at is None or (not isinstance(at, str) and pd.isna(at)):
        at = stop.get("departure")
    return finding_id("stop", stop.get("icao24"), stop.get("airport"), at)


def event_id(event: Mapping[str, Any]) -> str:
    """:func:`finding_id` of an event: aircraft, kind, time."""
    return finding_id("event", event.get("icao24"), event.get("kind"), event.get("time"))


def gap_id(gap: Mapping[str, Any]) -> str:
    """:func:`finding_id` of a silence: aircraft and start."""
    return finding_id("gap", gap.get("icao24"), gap.get("start"))


def _finite(*values: Any) -> bool:
    try:
        return all(v is not None and pd.notna(v) for v in values)
    except (TypeError, ValueError):
        return False


def _marker(
    lat: float, lon: float, kind: str, css: str, popup: str, tooltip: str, fid: str
) -> folium.Marker:
    icon = folium.DivIcon(
        html=marker_icon(kind),
        class_name=f"fc-marker {css}",
        icon_size=(MARKER_PX, MARKER_PX),
        icon_anchor=(MARKER_PX // 2, MARKER_PX // 2),
    )
    marker = folium.Marker([float(lat), float(lon)], icon=icon, fc_id=fid)
    marker.add_child(SafePopup(popup))
    marker.add_child(SafeTooltip(tooltip))
    return marker


def add_leg(
    group: folium.FeatureGroup,
    leg: Mapping[str, Any],
    color: str,
    observed: list,
    silent: list,
    names: Mapping[str, str] = NO_NAMES,
) -> None:
    """One leg in its aircraft's colour: a solid path through its observed stretches, a
    dashed one across silences; its label (tooltip) tells it from the aircraft's other legs."""
    label = (
        f"{leg.get('icao24', '')} leg {leg.get('leg', '')}: "
        f"{text(leg.get('from')) or '?'} → {text(leg.get('to')) or '?'}"
    )
    popup = leg_popup(leg, names)
    if observed:
        line = folium.PolyLine(
            observed, color=color, weight=3, opacity=0.9, class_name="fc-leg fc-observed"
        )
        line.add_child(SafePopup(popup))
        line.add_child(SafeTooltip(label))
        group.add_child(line)
    if silent:
        line = folium.PolyLine(
            silent,
            color=color,
            weight=2,
            opacity=0.8,
            dash_array="6 7",
            class_name="fc-leg fc-silent",
        )
        line.add_child(SafePopup(popup))
        line.add_child(SafeTooltip(label + " (silent)"))
        group.add_child(line)


Markers = dict[str, folium.Marker]
"""Finding id -> its marker (for :class:`~flightcheck.maps.behaviour.Behaviour`'s focus)."""


def add_stops(
    group: folium.FeatureGroup,
    stops: pd.DataFrame,
    css: str = "",
    names: Mapping[str, str] = NO_NAMES,
) -> Markers:
    """A marker per stop with a position; observed and inferred stops look different;
    ``css``: extra classes (the aircraft's colour class). Popups give the airport's local
    time (:func:`~flightcheck.maps.surroundings.time_zone`)."""
    from flightcheck.maps.surroundings import time_zone

    out: Markers = {}
    for stop in stops.to_dict("records"):
        if not _finite(stop.get("lat"), stop.get("lon")):
            continue
        kind = "inferred" if stop.get("kind") == "inferred" else "observed"
        tip = f"{stop.get('icao24') or ''} {stop.get('airport') or 'stop'} ({kind})".strip()
        fid = stop_id(stop)
        zone = time_zone(float(stop["lat"]), float(stop["lon"]))
        marker = _marker(
            stop["lat"],
            stop["lon"],
            "stop",
            f"fc-stop fc-stop-{kind} {css}",
            stop_popup(stop, names, zone),
            tip,
            fid,
        )
        group.add_child(marker)
        out[fid] = marker
    return out


def add_events(
    group: folium.FeatureGroup,
    events: pd.DataFrame,
    css: str = "",
    names: Mapping[str, str] = NO_NAMES,
) -> Markers:
    """A marker per event (touch-and-go, go-around, low approach, holding)."""
    out: Markers = {}
    for event in events.to_dict("records"):
        if not _finite(event.get("lat"), event.get("lon")):
            continue
        tip = f"{event.get('kind') or 'event'} {event.get('airport') or ''}".strip()
        fid = event_id(event)
        marker = _marker(
            event["lat"],
            event["lon"],
            "event",
            f"fc-event {css}",
            event_popup(event, names),
            tip,
            fid,
        )
        group.add_child(marker)
        out[fid] = marker
    return out


def add_gap(
    group: folium.FeatureGroup,
    gap: Mapping[str, Any],
    reach_km: float | None,
    names: Mapping[str, str] = NO_NAMES,
) -> folium.Polygon | None:
    """An unaccounted-time gap: its reachable area (when ``reach_km`` is known) and the
    candidate airports as small circles. Returns the area (None when not drawn)."""
    popup = gap_popup(gap, names)
    ends: list[Any] = [gap.get(k) for k in ("lat0", "lon0", "lat1", "lon1")]
    outline, area = None, None
    if reach_km is not None and _finite(*ends):
        lat0, lon0, lat1, lon1 = map(float, ends)
        outline = reach_ellipse(lat0, lon0, lat1, lon1, reach_km)
    if outline:
        area = folium.Polygon(
            outline,
            color=GAP_COLOR,
            weight=1.5,
            dash_array="4 4",
            fill_color=GAP_COLOR,
            fill_opacity=0.08,
            class_name="fc-gap-area",
        )
        area.add_child(SafePopup(popup))
        area.add_child(SafeTooltip("unaccounted time"))
        area.options["fcId"] = gap_id(gap)
        group.add_child(area)
    for cand in _candidates(gap.get("candidates")):
        where = _position(cand)
        if where is None:
            continue
        dot = folium.CircleMarker(
            where,
            radius=4,
            color=GAP_COLOR,
            weight=1.5,
            fill_color="#ffffff",
            fill_opacity=1.0,
            class_name="fc-candidate",
        )
        dot.add_child(SafePopup(popup))
        name = cand.get("airport_name") or cand.get("name") or ""
        dot.add_child(SafeTooltip(f"candidate: {cand.get('airport') or ''} {name}".strip()))
        group.add_child(dot)
    return area if outline else None


def _position(cand: Mapping[str, Any]) -> list[float] | None:
    """A candidate airport's ``[lat, lon]``: its own fields, else the airport reference."""
    if _finite(cand.get("lat"), cand.get("lon")):
        return [float(cand["lat"]), float(cand["lon"])]
    if not cand.get("airport"):
        return None
    from flightcheck.errors import ReferenceDataError
    from flightcheck.reference import airports

    try:
        found = airports.get(str(cand["airport"]))
    except ReferenceDataError:
        return None
    return [found.lat, found.lon]


def _candidates(value: Any) -> list[Mapping[str, Any]]:
    if value is None or isinstance(value, (str, bytes)):
        return []
    try:
        return [c for c in value if isinstance(c, Mapping)]
    except TypeError:
        return []


def add_annotations(
    group: folium.FeatureGroup, annotations: Iterable[Mapping[str, Any]]
) -> Markers:
    """A marker per annotation with ``lat``, ``lon`` and ``text`` (optional title, time,
    author, ``id``)."""
    out: Markers = {}
    for n, note in enumerate(annotations):
        if not _finite(note.get("lat"), note.get("lon")):
            continue
        fid = finding_id("note", note.get("id") or n)
        marker = _marker(
            note["lat"],
            note["lon"],
            "annotation",
            "fc-annotation",
            annotation_popup(note),
            str(note.get("title") or "note"),
            fid,
        )
        group.add_child(marker)
        out[fid] = marker
    return out
