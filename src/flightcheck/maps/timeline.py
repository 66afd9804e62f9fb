"""The timeline: where each aircraft was, when, and when it was silent, as one self-contained
SVG (no script, no remote reference) that the report, ``flightcheck timeline``, notebooks
and ``flightcheck serve`` show.

One row per aircraft, time running left to right (UTC):

* the data's coverage (first to last fix) as a thin grey band;
* legs as thin lines in the aircraft's colour (the map's colour for the same aircraft);
* stops as boxes labelled with the airport code; an inferred stop's box is dashed and its
  arrival and departure windows (when it could have landed, left) are shaded;
* silences as hatched boxes, darker where the silence holds unaccounted time (room for a
  stop that no finding explains);
* events (touch-and-go, go-around, holding...) as diamonds;
* claim windows as translucent bands over the rows of the aircraft they are about.

Every finding is a link ``LINK#focus=ID`` (ids from :func:`flightcheck.maps.layers.finding_id`,
the ones the map's markers carry) opening in ``target``: in the report the map's frame, so a
click centres the map on the stop.

>>> fig = timeline(seg.stops, seg.gaps, seg.events)        # doctest: +SKIP
>>> fig                                  # shows inline in a notebook  # doctest: +SKIP
>>> fig.save("timeline.html")                                         # doctest: +SKIP
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from flightcheck.findings import text
from flightcheck.maps.layers import aircraft_color, event_id, gap_id, stop_id

ROW_PX = 44
LABEL_PX = 150
AXIS_PX = 34
PAD_PX = 10

CSS = """
.fc-timeline { font: 11px system-ui, sans-serif; max-width: 100%; overflow-x: auto; }
.fc-timeline svg { display: block; }
.fc-timeline a:hover rect, .fc-timeline a:hover path { stroke: #000; stroke-width: 2; }
.fc-timeline .fc-tl-key span { display: inline-block; margin-right: 14px; }
.fc-timeline .fc-tl-key svg { display: inline; vertical-align: middle; margin-right: 3px; }
@media print { .fc-timeline { overflow: visible; } }
"""


def _t(value: Any) -> pd.Timestamp | None:
    if value is None or (not isinstance(value, (str, pd.Timestamp)) and pd.isna(value)):
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        return None
    if pd.isna(ts):
        return None
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _hm(ts: pd.Timestamp | None) -> str:
    return ts.strftime("%d %b %H:%M") + "Z" if ts is not None else "?"


def _records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    return [] if frame is None or not len(frame) else frame.to_dict("records")


def _window(value: Any) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        a, b = _t(value[0]), _t(value[1])
        if a is not None and b is not None:
            return (a, b) if a <= b else (b, a)
    return None


def _stop_span(
    stop: Mapping[str, Any],
    a: pd.Timestamp | None,
    b: pd.Timestamp | None,
    span: tuple[Any, Any] | None,
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """A stop's drawn extent: an open arrival (departure) is drawn from its departure minus
    the observed dwell (to its arrival plus it), else from the aircraft's first (to its
    last) fix, so a stop open at the data's edge never stretches over time with no data."""
    dwell = stop.get("dwell_s")
    dwell_td = (
        pd.Timedelta(seconds=float(dwell))
        if isinstance(dwell, (int, float)) and np.isfinite(dwell)
        else None
    )
    first, last = (_t(span[0]), _t(span[1])) if span else (None, None)
    if a is None:
        a = (b - dwell_td) if b is not None and dwell_td is not None else first
    if b is None:
        b = (a + dwell_td) if a is not None and dwell_td is not None else last
    return a, b


@dataclass
class Timeline:
    """A rendered timeline: ``svg`` (the figure), :meth:`html` (figure, key and style),
    shown inline by notebooks, written by :meth:`save`."""

    svg: str
    key: str

    def html(self) -> str:
        """A ``<figure>`` fragment with its own ``<style>``, to put in any page."""
        return (
            f'<figure class="fc-timeline"><style>{CSS}</style>{self.svg}'
            f'<figcaption class="fc-tl-key">{self.key}</figcaption></figure>'
        )

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        return f"<Timeline: {len(self.svg):,} bytes of SVG; .html(), .save(path)>"

    def save(self, path: str | Path, title: str = "flightcheck timeline") -> Path:
        """Write a standalone HTML page (atomically); returns the path."""
        from flightcheck.output.atomic import write_text

        page = (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<title>{_e(title)}</title></head><body style="margin:1rem">'
            f'<h1 style="font:600 18px system-ui">{_e(title)}</h1>{self.html()}'
            f"</body></html>\n"
        )
        return write_text(path, page)


def _key() -> str:
    def swatch(body: str) -> str:
        return f'<svg width="26" height="12" aria-hidden="true">{body}</svg>'

    return "".join(
        f"<span>{s}{_e(t)}</span>"
        for s, t in (
            (
                swatch('<line x1="0" y1="6" x2="26" y2="6" stroke="#555" stroke-width="2"/>'),
                "leg (flying)",
            ),
            (
                swatch(
                    '<rect x="1" y="1" width="24" height="10" fill="#555" fill-opacity=".35" '
                    'stroke="#555"/>'
                ),
                "stop (observed)",
            ),
            (
                swatch(
                    '<rect x="1" y="1" width="24" height="10" fill="#555" fill-opacity=".15" '
                    'stroke="#555" stroke-dasharray="3 2"/>'
                ),
                "stop (inferred), windows shaded",
            ),
            (
                swatch(
                    '<rect x="1" y="1" width="24" height="10" fill="url(#fc-tl-hatch)" '
                    'stroke="#999"/>'
                ),
                "silent",
            ),
            (
                swatch(
                    '<rect x="1" y="1" width="24" height="10" fill="url(#fc-tl-hatch-dark)" '
                    'stroke="#c0392b"/>'
                ),
                "unaccounted time",
            ),
            (swatch('<path d="M13 1 L19 6 L13 11 L7 6 Z" fill="#7b3294"/>'), "event"),
            (
                swatch(
                    '<rect x="1" y="0" width="24" height="12" fill="#f1c40f" fill-opacity=".25"/>'
                ),
                "claim window",
            ),
        )
    )


def _ticks(t0: pd.Timestamp, t1: pd.Timestamp) -> tuple[list[pd.Timestamp], str]:
    span_h = (t1 - t0).total_seconds() / 3600
    step_h = next((h for h in (1, 3, 6, 12, 24, 48, 168) if span_h / h <= 16), 336)
    start = t0.floor("D")
    ticks = [t for t in pd.date_range(start, t1, freq=f"{step_h}h") if t >= t0]
    return ticks, "%d %b" if step_h >= 24 else "%H:%M"


def timeline(
    stops: pd.DataFrame | None,
    gaps: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    legs: pd.DataFrame | None = None,
    claims: Iterable[Mapping[str, Any]] = (),
    *,
    aircraft: Sequence[str] = (),
    labels: Mapping[str, str] | None = None,
    width: int = 1100,
    link: str | None = None,
    target: str | None = None,
    only_unaccounted: bool = False,
    spans: Mapping[str, tuple[Any, Any]] | None = None,
) -> Timeline:
    """Draw the timeline of the findings tables (the stop engine's or a RouteSet's
    ``stops``, ``gaps``, ``events``, ``legs``; each with ``icao24``).

    ``claims``: mappings with ``id``, ``start``/``end`` (or ``from``/``to``; None = open),
    optional ``aircraft`` (hexes) and ``verdict``, drawn as bands. ``aircraft``: row order
    (default: every hex in the tables, sorted, the map's colour order); ``labels``: row
    label per hex (default the hex). ``width`` in px. ``link``/``target``: findings link to
    ``LINK#focus=ID`` in that frame (no links when ``link`` is None). ``only_unaccounted``
    draws only silences with unaccounted time. ``spans``: per hex, the (first, last) fix
    times: drawn as the row's data coverage (a grey band), and where stops open at the
    data's edges end.
    """
    stop_rows, gap_rows = _records(stops), _records(gaps)
    event_rows, leg_rows = _records(events), _records(legs)
    claim_rows = [dict(c) for c in claims]
    hexes = list(aircraft) or sorted(
        {
            str(r.get("icao24"))
            for r in stop_rows + gap_rows + event_rows + leg_rows
            if r.get("icao24") is not None
        }
    )
    times = [_t(r.get(k)) for r in stop_rows for k in ("arrival", "departure")]
    times += [
        w
        for r in stop_rows
        for k in ("arrival_window", "departure_window")
        for w in (_window(r.get(k)) or ())
    ]
    times += [_t(r.get(k)) for r in gap_rows for k in ("start", "end")]
    times += [_t(r.get("time")) for r in event_rows]
    times += [_t(r.get(k)) for r in leg_rows for k in ("departure", "arrival")]
    times += [_t(v) for h, span in (spans or {}).items() if h in hexes for v in span]
    known = [t for t in times if t is not None]
    if not known or not hexes:
        return Timeline(
            '<svg class="fc-tl" width="300" height="24"><text x="4" y="16">'
            "no findings to draw</text></svg>",
            "",
        )
    t0, t1 = min(known), max(known)
    if t1 <= t0:
        t1 = t0 + pd.Timedelta(hours=1)
    pad = (t1 - t0) * 0.01
    t0, t1 = t0 - pad, t1 + pad
    plot_w = max(width - LABEL_PX - 2 * PAD_PX, 100)

    def x(ts: pd.Timestamp | None, default: float) -> float:
        if ts is None:
            return default
        frac = (ts - t0).total_seconds() / (t1 - t0).total_seconds()
        return round(LABEL_PX + PAD_PX + float(np.clip(frac, 0, 1)) * plot_w, 1)

    left, right = x(t0, 0), x(t1, 0)
    row_of = {h: i for i, h in enumerate(hexes)}
    height = AXIS_PX + ROW_PX * len(hexes) + PAD_PX

    def y(hex_: Any) -> float | None:
        i = row_of.get(str(hex_))
        return None if i is None else AXIS_PX + ROW_PX * i

    def row_y(hex_: str) -> float:
        return AXIS_PX + ROW_PX * row_of[hex_]

    def linked(fid: str, title: str, body: str) -> str:
        tip = f"<title>{_e(title)}</title>"
        if link is None:
            return f'<g class="fc-tl-item" data-fc-id="{_e(fid)}">{tip}{body}</g>'
        tgt = f' target="{_e(target)}"' if target else ""
        return (
            f'<a class="fc-tl-item" data-fc-id="{_e(fid)}" href="{_e(link)}#focus='
            f'{_e(fid)}"{tgt}>{tip}{body}</a>'
        )

    out: list[str] = [
        f'<svg class="fc-tl" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        'aria-label="timeline of stops, legs, silences and events per aircraft">',
        '<defs><pattern id="fc-tl-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#999" '
        'stroke-width="2"/></pattern><pattern id="fc-tl-hatch-dark" width="6" height="6" '
        'patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" '
        'x2="0" y2="6" stroke="#c0392b" stroke-width="2.5"/></pattern></defs>',
        "<style>.fc-tl text{font:11px system-ui,sans-serif;fill:#222}"
        ".fc-tl .fc-tl-axis{fill:#555;font-size:10px}</style>",
    ]
    ticks, fmt = _ticks(t0, t1)
    for tick in ticks:
        tx = x(tick, left)
        if tx > right - 30:  # no room for its label
            continue
        out.append(
            f'<line x1="{tx}" y1="{AXIS_PX - 6}" x2="{tx}" y2="{height - PAD_PX}" '
            'stroke="#e4e4e4"/>'
        )
        out.append(
            f'<text class="fc-tl-axis" x="{tx + 2}" y="{AXIS_PX - 10}">'
            f"{_e(tick.strftime(fmt))}</text>"
        )
    out.append(
        f'<text class="fc-tl-axis" x="{left}" y="11">UTC, {_e(t0.strftime("%Y-%m-%d"))}'
        f" – {_e(t1.strftime('%Y-%m-%d'))}</text>"
    )
    for n, claim in enumerate(claim_rows):
        a = _t(claim.get("start", claim.get("from")))
        b = _t(claim.get("end", claim.get("to")))
        rows = [h for h in (claim.get("aircraft") or hexes) if h in row_of] or hexes
        xa, xb = x(a, left), x(b, right)
        for k, h in enumerate(rows):
            ry = row_y(h)
            out.append(
                f'<rect class="fc-tl-claim" x="{xa}" y="{ry}" width="{max(xb - xa, 2)}"'
                f' height="{ROW_PX}" fill="#f1c40f" fill-opacity=".22">'
                f"<title>claim {_e(claim.get('id'))}: {_hm(a)} – {_hm(b)}"
                f"{' (' + _e(claim.get('verdict')) + ')' if claim.get('verdict') else ''}"
                "</title></rect>"
            )
            if k == 0:  # named once, stacked when several claims start together
                out.append(
                    f'<text x="{xa + 2}" y="{ry + ROW_PX - 3 - 9 * (n % 3)}" '
                    f'font-size="9" fill="#8a6d00">{_e(claim.get("id"))}</text>'
                )
    for h in hexes:
        ry = row_y(h)
        color = aircraft_color(row_of[h])
        out.append(
            f'<line x1="{left}" y1="{ry + ROW_PX}" x2="{right}" y2="{ry + ROW_PX}" stroke="#ddd"/>'
        )
        out.append(
            f'<rect x="{PAD_PX}" y="{ry + ROW_PX / 2 - 5}" width="10" height="10" '
            f'fill="{color}"/><text x="{PAD_PX + 14}" y="{ry + ROW_PX / 2 + 4}">'
            f"{_e((labels or {}).get(h, h))}</text>"
        )
    for h, span in (spans or {}).items():
        yy = y(h)
        a, b = _t(span[0]), _t(span[1])
        if yy is None or a is None or b is None:
            continue
        out.append(
            f'<rect class="fc-tl-coverage" x="{x(a, left)}" y="{ry + ROW_PX / 2 - 1.5}" '
            f'width="{max(x(b, right) - x(a, left), 1)}" height="3" fill="#ccc">'
            f"<title>{_e(h)}: data from {_hm(a)} to {_hm(b)}</title></rect>"
        )
    for leg in leg_rows:
        yy = y(leg.get("icao24"))
        if yy is None:
            continue
        a, b = _t(leg.get("departure")), _t(leg.get("arrival"))
        leg_span = (spans or {}).get(str(leg.get("icao24")))
        if leg_span is not None:  # an open leg runs from the first fix (to the last one)
            a = a if a is not None else _t(leg_span[0])
            b = b if b is not None else _t(leg_span[1])
        color = aircraft_color(row_of[str(leg.get("icao24"))])
        mid = yy + ROW_PX / 2
        out.append(
            f'<line class="fc-tl-leg" x1="{x(a, left)}" y1="{mid}" x2="{x(b, right)}" '
            f'y2="{mid}" stroke="{color}" stroke-width="2"><title>leg '
            f"{_e(leg.get('leg'))}: {_e(text(leg.get('from')) or '?')} → "
            f"{_e(text(leg.get('to')) or '?')}, {_hm(a)} – {_hm(b)}</title></line>"
        )
    for gap in gap_rows:
        yy = y(gap.get("icao24"))
        a, b = _t(gap.get("start")), _t(gap.get("end"))
        if yy is None or a is None or b is None:
            continue
        unaccounted = float(gap.get("unaccounted_s") or 0) > 0 and not isinstance(
            gap.get("explained_by"), str
        )
        if only_unaccounted and not unaccounted:
            continue
        fill, stroke = (
            ("url(#fc-tl-hatch-dark)", "#c0392b") if unaccounted else ("url(#fc-tl-hatch)", "#999")
        )
        xa, xb = x(a, left), x(b, right)
        hours = (b - a).total_seconds() / 3600
        title = (
            f"{gap.get('icao24')} silent {_hm(a)} – {_hm(b)} ({hours:.1f} h)"
            + (", unaccounted time" if unaccounted else "")
            + (
                f", accounted for by the {gap.get('explained_by')}"
                if isinstance(gap.get("explained_by"), str)
                else ""
            )
        )
        body = (
            f'<rect class="fc-tl-silence" x="{xa}" y="{yy + 12}" width="{max(xb - xa, 1.5)}"'
            f' height="{ROW_PX - 24}" fill="{fill}" stroke="{stroke}" stroke-width=".8"/>'
        )
        out.append(linked(gap_id(gap), title, body))
    for stop in stop_rows:
        yy = y(stop.get("icao24"))
        if yy is None:
            continue
        a, b = _t(stop.get("arrival")), _t(stop.get("departure"))
        a_open, b_open = a is None, b is None
        a, b = _stop_span(stop, a, b, (spans or {}).get(str(stop.get("icao24"))))
        color = aircraft_color(row_of[str(stop.get("icao24"))])
        inferred = stop.get("kind") == "inferred"
        xa, xb = x(a, left), x(b, right)
        parts = []
        for is_open, edge, step in ((a_open, xa, -10), (b_open, xb, 10)):
            if is_open:  # the data begins (ends) with the aircraft here: an open edge
                parts.append(
                    f'<line x1="{edge}" y1="{yy + ROW_PX / 2}" x2="{edge + step}" '
                    f'y2="{yy + ROW_PX / 2}" stroke="{color}" stroke-width="2" '
                    'stroke-dasharray="2 2"/>'
                )
        for key in ("arrival_window", "departure_window"):
            w = _window(stop.get(key))
            if w is not None:
                wa, wb = x(w[0], left), x(w[1], right)
                parts.append(
                    f'<rect class="fc-tl-window" x="{wa}" y="{yy + 4}" '
                    f'width="{max(wb - wa, 1.5)}" height="{ROW_PX - 8}" fill="{color}" '
                    'fill-opacity=".18"/>'
                )
        dash = ' stroke-dasharray="4 3"' if inferred else ""
        parts.append(
            f'<rect class="fc-tl-stop fc-tl-{"inferred" if inferred else "observed"}" '
            f'x="{xa}" y="{yy + 8}" width="{max(xb - xa, 3)}" height="{ROW_PX - 16}" '
            f'fill="{color}" fill-opacity="{".15" if inferred else ".35"}" '
            f'stroke="{color}" stroke-width="1.5"{dash}/>'
        )
        parts.append(
            f'<text x="{xa + 2}" y="{yy + 7}" font-size="10">'
            f"{_e(stop.get('airport') or '?')}</text>"
        )
        title = (
            f"{stop.get('kind') or ''} stop of {stop.get('icao24')} at "
            f"{stop.get('airport') or '?'} {stop.get('airport_name') or ''}: "
            f"{'(there when the data begins) ' if a_open else ''}{_hm(a)} – {_hm(b)}"
            f"{' (still there when the data ends)' if b_open else ''}"
        )
        for key, what in (("arrival_window", "arrived"), ("departure_window", "left")):
            w = _window(stop.get(key))
            if w is not None:
                title += f"; {what} between {_hm(w[0])} and {_hm(w[1])}"
        out.append(linked(stop_id(stop), title, "".join(parts)))
    for event in event_rows:
        yy = y(event.get("icao24"))
        when = _t(event.get("time"))
        if yy is None or when is None:
            continue
        ex, mid = x(when, left), yy + ROW_PX / 2
        body = (
            f'<path class="fc-tl-event" d="M{ex} {mid - 7} L{ex + 6} {mid} L{ex} {mid + 7} '
            f'L{ex - 6} {mid} Z" fill="#7b3294" stroke="#fff" stroke-width="1"/>'
        )
        title = f"{event.get('kind') or 'event'} at {event.get('airport') or '?'}, {_hm(when)}"
        out.append(linked(event_id(event), title, body))
    out.append("</svg>")
    return Timeline("".join(out), _key())


def route_timeline(
    routes: Any, claims: Iterable[Mapping[str, Any]] = (), **options: Any
) -> Timeline:
    """:func:`timeline` of a :class:`~flightcheck.routes.RouteSet` (its stops, gaps,
    events and legs, and each aircraft's data coverage), rows labelled ``hex registration``."""
    labels = {r.icao24: f"{r.icao24} {r.registration or ''}".strip() for r in routes}
    options.setdefault("aircraft", sorted(labels))  # the map's colour order
    df = routes.tracks.df
    if len(df):
        span = df.groupby("icao24", sort=True)["time"].agg(["min", "max"])
        options.setdefault(
            "spans",
            {
                str(h): (lo, hi)
                for h, lo, hi in zip(span.index, span["min"], span["max"], strict=True)
            },
        )
    return timeline(
        routes.stops, routes.gaps, routes.events, routes.legs, claims, labels=labels, **options
    )
