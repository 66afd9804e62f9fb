"""Popup contents for stops, events, gaps, legs and annotations (escaped HTML strings)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from flightcheck.maps.html import bullet_list, duration, esc, table, when
from flightcheck.segment.evidence import duration as engine_duration

SOURCE_ROW_COLUMNS = ("source_rows", "rows", "sources")
"""Columns of a finding that list the input rows behind it (shown when present)."""


def _get(record: Mapping[str, Any], key: str) -> Any:
    value = record.get(key)
    if isinstance(value, (list, tuple, dict)):
        return value
    return None if value is None or pd.isna(value) else value


def local(value: Any, zone: str | None) -> str:
    """A UTC time with the local time beside it: ``2025-10-16 08:26:57Z (10:26 local,
    Europe/Belgrade)``; the UTC time alone when the zone is unknown."""
    utc = when(value)
    if not utc or not zone:
        return utc
    try:
        ts = pd.Timestamp(value)
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts
        here = ts.tz_convert(zone)
    except (ValueError, KeyError, TypeError):
        return utc
    day = "" if here.date() == ts.tz_convert("UTC").date() else here.strftime("%d %b ")
    return f"{utc} ({day}{here.strftime('%H:%M')} local, {zone})"


def _window(value: Any, zone: str | None = None) -> str:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        a, b = local(value[0], zone), local(value[1], zone)
        return f"{esc(a)} –<br>{esc(b)}" if a or b else ""
    return ""


def _listing(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    if hasattr(value, "tolist"):
        return list(value.tolist())
    return [value]


def cite(item: Any, names: Mapping[str, str]) -> str:
    """One source row as a reader cites it: ``16/traces/75/trace_full_010075.json row 671``
    (the file's citation name, never an absolute path), from ``{"source", "row"}`` or text."""
    if isinstance(item, Mapping):
        source = str(item.get("source") or "")
        name = names.get(source) or source.replace("\\", "/").rsplit("/", 1)[-1] or "?"
        row = item.get("row")
        return f"{name} row {row}" if row is not None else name
    return str(item)


def _source_rows(record: Mapping[str, Any], names: Mapping[str, str]) -> str:
    items: list[Any] = []
    for col in SOURCE_ROW_COLUMNS:
        items += [cite(i, names) for i in _listing(_get(record, col))]
    if not items:
        return ""
    return '<div class="fc-popup-sub">Input rows</div>' + bullet_list(items, "fc-rows")


NO_NAMES: Mapping[str, str] = {}


def stop_popup(
    stop: Mapping[str, Any], names: Mapping[str, str] = NO_NAMES, zone: str | None = None
) -> str:
    """Airport, times (UTC, with the airport's local time when ``zone`` is known), windows
    of an inferred stop, dwell, kind, confidence, runway, evidence and source rows (cited by
    ``names``: full path -> citation name)."""
    code, name = _get(stop, "airport"), _get(stop, "airport_name")
    conf = _get(stop, "confidence")
    rows = [
        ("Airport", f"{esc(code)} {esc(name)}".strip()),
        ("Country", esc(_get(stop, "country"))),
        ("Kind", esc(_get(stop, "kind"))),
        ("Confidence", esc(f"{float(conf):.2f}") if conf is not None else ""),
        ("Arrival", esc(local(_get(stop, "arrival"), zone))),
        ("Arrival window", _window(_get(stop, "arrival_window"), zone)),
        ("Departure", esc(local(_get(stop, "departure"), zone))),
        ("Departure window", _window(_get(stop, "departure_window"), zone)),
        ("Dwell", esc(duration(_get(stop, "dwell_s")))),
        ("Runway", esc(_get(stop, "runway"))),
        ("Aircraft", esc(_get(stop, "icao24"))),
    ]
    extra = bullet_list(_listing(_get(stop, "evidence"))) + _source_rows(stop, names)
    return table(f"Stop at {code or 'unknown airport'}", rows, extra)


def event_popup(event: Mapping[str, Any], names: Mapping[str, str] = NO_NAMES) -> str:
    """Kind, airport, time, evidence and source rows of an event (touch-and-go, go-around…)."""
    kind = _get(event, "kind") or "event"
    rows = [
        ("Kind", esc(kind)),
        ("Airport", esc(_get(event, "airport"))),
        ("Time", esc(when(_get(event, "time")))),
        ("Aircraft", esc(_get(event, "icao24"))),
    ]
    extra = bullet_list(_listing(_get(event, "evidence"))) + _source_rows(event, names)
    return table(str(kind).replace("_", " ").capitalize(), rows, extra)


def _gap_figure(seconds: Any) -> str:
    """A silence's figure in the stop engine's wording, as the report and the evidence texts
    show it (``4 h 43 min``; empty when unknown)."""
    return "" if seconds is None else engine_duration(float(seconds))


def gap_popup(gap: Mapping[str, Any], names: Mapping[str, str] = NO_NAMES) -> str:
    """Times, duration, unaccounted time (the gap record's ``unaccounted_s``, as every output
    shows it), what accounts for it and candidate airports of a silence."""
    rows = [
        ("From", esc(when(_get(gap, "start")))),
        ("To", esc(when(_get(gap, "end")))),
        ("Silent for", esc(_gap_figure(_get(gap, "duration_s")))),
        ("Unaccounted", esc(_gap_figure(_get(gap, "unaccounted_s")))),
        ("Accounted for by", esc(_get(gap, "explained_by"))),
        ("Aircraft", esc(_get(gap, "icao24"))),
    ]
    cands = []
    for c in _listing(_get(gap, "candidates")):
        if not isinstance(c, Mapping):
            cands.append(str(c))
            continue
        dist = c.get("distance_km")
        where = f" ({float(dist):.0f} km)" if dist is not None and not pd.isna(dist) else ""
        name = c.get("airport_name") or c.get("name") or ""
        cands.append(
            " ".join(str(v or "") for v in (c.get("airport"), name, c.get("country"))).strip()
            + where
        )
    extra = ""
    if cands:
        extra = '<div class="fc-popup-sub">Candidate airports</div>' + bullet_list(
            cands, "fc-candidates"
        )
    extra += bullet_list(_listing(_get(gap, "evidence"))) + _source_rows(gap, names)
    left = _get(gap, "unaccounted_s")
    title = "Unaccounted time" if left is not None and float(left) >= 1.0 else "Silence"
    return table(title, rows, extra)


def leg_popup(leg: Mapping[str, Any], names: Mapping[str, str] = NO_NAMES) -> str:
    """From, to, times, points, coverage and sources of a leg."""
    a, b = _get(leg, "from") or "?", _get(leg, "to") or "?"
    cov = _get(leg, "coverage")
    rows = [
        ("Aircraft", esc(_get(leg, "icao24"))),
        ("Departure", esc(when(_get(leg, "departure")))),
        ("Arrival", esc(when(_get(leg, "arrival")))),
        ("Duration", esc(duration(_get(leg, "duration_s")))),
        ("Points", esc(_get(leg, "points"))),
        ("Coverage", esc(f"{100 * float(cov):.0f} %") if cov is not None else ""),
        (
            "Sources",
            esc(", ".join(cite({"source": s}, names) for s in _listing(_get(leg, "sources")))),
        ),
    ]
    return table(f"Leg {_get(leg, 'leg') or ''}: {a} → {b}", rows)


def annotation_popup(note: Mapping[str, Any]) -> str:
    """Title, time (the annotation's own), author and text of a case annotation."""
    rows = [
        ("Time", esc(when(_get(note, "time")))),
        ("By", esc(_get(note, "author"))),
    ]
    text = _get(note, "text") or _get(note, "note") or ""
    return table(
        str(_get(note, "title") or "Note"), rows, f'<div class="fc-note">{esc(text)}</div>'
    )
