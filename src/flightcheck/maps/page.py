"""The fixed parts of a map page: title block, legend, footer and their stylesheet.

Every text that comes from inputs (registrations, callsigns, file names) is escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flightcheck.maps.html import esc

CSS = """
.folium-map { background: #dce8f0; }
.fc-box { position: absolute; z-index: 1001; background: rgba(255,255,255,0.93);
  border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,0.35); padding: 6px 9px;
  font: 12px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; }
.fc-title { top: 10px; left: 54px; max-width: min(46%, 560px); }
.fc-title h1 { font-size: 15px; margin: 0; display: inline; }
.fc-box summary { cursor: pointer; }
.fc-title .fc-sources { color: #555; margin-top: 3px; }
.fc-title .fc-sources li { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.fc-title ul { margin: 2px 0 0 0; padding-left: 14px; }
.fc-legend { bottom: 34px; right: 10px; max-height: 45vh; max-width: min(40%, 460px);
  overflow-y: auto; }
.fc-legend summary { font-weight: 600; }
.fc-legend div { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.fc-legend .fc-aircraft small { color: #555; }
.fc-swatch { display: inline-block; width: 26px; height: 0; vertical-align: middle;
  margin-right: 6px; border-top: 3px solid #333; }
.fc-swatch.fc-dashed { border-top-style: dashed; }
.fc-footer { bottom: 6px; left: 130px; right: 70px; padding: 2px 8px; font-size: 10px;
  color: #444; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.fc-footer:hover { white-space: normal; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.fc-marker { display: flex; align-items: center; justify-content: center;
  border-radius: 50%; border: 2px solid #fff; color: #fff; font-size: 11px;
  box-shadow: 0 1px 3px rgba(0,0,0,0.5); box-sizing: border-box; }
.fc-stop-observed { background: var(--fc-color, #1b1b1b); }
.fc-stop-inferred { background: var(--fc-color, #777); border: 2px dashed #fff; opacity: .85; }
.fc-event { background: #7b3294; }
.fc-event { border-radius: 3px; border-color: var(--fc-color, #fff); border-width: 3px; }
.fc-annotation { background: #1a7f37; border-radius: 3px; }
.fc-legend .fc-marker { display: inline-flex; width: 16px; height: 16px; font-size: 8px;
  margin-right: 6px; vertical-align: middle; }
.fc-popup { font: 12px/1.35 system-ui, sans-serif; }
.fc-popup-title { font-weight: 600; font-size: 13px; margin-bottom: 4px; }
.fc-popup-sub { font-weight: 600; margin-top: 4px; }
.fc-popup table { border-collapse: collapse; }
.fc-popup th { text-align: left; padding: 1px 8px 1px 0; font-weight: 500; color: #555;
  vertical-align: top; white-space: nowrap; }
.fc-popup td { padding: 1px 0; }
.fc-popup ul { margin: 4px 0 0 0; padding-left: 16px; }
.fc-popup .fc-rows { color: #555; font-size: 11px; }
.fc-note { margin-top: 4px; white-space: pre-wrap; }
"""

MARKER_ICONS = {
    "stop": "fa-plane-arrival",
    "event": "fa-rotate-right",
    "annotation": "fa-note-sticky",
}


@dataclass
class AircraftLine:
    """One aircraft in the legend: its colour, identity and country chain."""

    icao24: str
    registration: str | None = None
    typecode: str | None = None
    callsigns: Sequence[str] = ()
    countries: Sequence[str] = ()
    color: str = "#333"


@dataclass
class InputLine:
    """One input in the title block (citation name, format, points, UTC dates covered) and
    footer (sha256)."""

    path: str
    sha256: str = ""
    format: str = ""
    points: int = 0
    name: str = ""
    first: str = ""
    last: str = ""


@dataclass
class PageParts:
    """Everything the fixed page parts show."""

    title: str
    aircraft: list[AircraftLine] = field(default_factory=list)
    inputs: list[InputLine] = field(default_factory=list)
    version: str = ""
    simplified: str = ""


def _span(first: str, last: str) -> str:
    if not first:
        return ""
    if first == last or not last:
        return first
    if first[:8] == last[:8]:  # same month: 2025-10-14 – 16
        return f"{first} – {last[8:]}"
    return f"{first} – {last}"


def _input_html(i: InputLine) -> str:
    bits = [esc(i.format), esc(_span(i.first, i.last)), f"{i.points:,} points"]
    return (
        f'<li title="{esc(i.path.rsplit("/", 1)[-1])}">{esc(i.name or i.path)} '
        f"({', '.join(b for b in bits if b)})</li>"
    )


def title_html(parts: PageParts) -> str:
    """Title, then the data sources folded away: how many files and the dates they cover,
    each file by its citation name, format, dates and points. Folds (``<details>``)."""
    firsts = [i.first for i in parts.inputs if i.first]
    lasts = [i.last for i in parts.inputs if i.last]
    span = _span(min(firsts), max(lasts)) if firsts else ""
    n = len(parts.inputs)
    head = (
        f"Data: {n} input file{'s' if n != 1 else ''}" + (f", {esc(span)}" if span else "")
        if n
        else "no inputs recorded"
    )
    files = "".join(_input_html(i) for i in parts.inputs)
    sources = (
        f'<details class="fc-sources"><summary>{head}</summary><ul>{files}</ul></details>'
        if files
        else f'<div class="fc-sources">{head}</div>'
    )
    return (
        f'<details class="fc-box fc-title" open><summary><h1>{esc(parts.title)}</h1>'
        f"</summary>{sources}</details>"
    )


def marker_icon(kind: str) -> str:
    """Inner HTML of a marker of ``kind`` (stop, event, annotation)."""
    return f'<i class="fa-solid {MARKER_ICONS[kind]}"></i>'


def _aircraft_html(a: AircraftLine) -> str:
    bits = [f"<b>{esc(a.icao24)}</b>"]
    bits += [esc(v) for v in (a.registration, a.typecode) if v]
    if a.callsigns:
        bits.append("<small>" + esc(", ".join(a.callsigns)) + "</small>")
    chain = " → ".join(a.countries) if a.countries else "no stop found"
    return (
        f'<div class="fc-aircraft"><span class="fc-swatch" '
        f'style="border-top-color:{esc(a.color)}"></span>{" ".join(bits)} '
        f"<small>{esc(chain)}</small></div>"
    )


def legend_html(parts: PageParts) -> str:
    """One colour per aircraft (with its identity and country chain), line styles and
    marker kinds. Folds (``<details>``)."""
    aircraft = "".join(_aircraft_html(a) for a in parts.aircraft)
    icon = marker_icon
    fixed = (
        '<div><span class="fc-swatch"></span>observed · '
        '<span class="fc-swatch fc-dashed"></span>silent (no fixes)</div>'
        f'<div><span class="fc-marker fc-stop-observed">{icon("stop")}</span>stop (observed) '
        f'<span class="fc-marker fc-stop-inferred">{icon("stop")}</span>stop (inferred)</div>'
        f'<div><span class="fc-marker fc-event">{icon("event")}</span>event '
        f'<span class="fc-marker fc-annotation">{icon("annotation")}</span>annotation</div>'
        '<div><span class="fc-swatch fc-dashed" style="border-top-color:#e66101"></span>'
        "unaccounted time: reachable area</div>"
        '<div><span class="fc-apt-dot"></span>airport (runways from zoom 9)</div>'
    )
    return (
        f'<details class="fc-box fc-legend" open><summary>Legend</summary>{aircraft}'
        f"{fixed}</details>"
    )


def caption_html() -> str:
    """The caption box shown only in publication mode (filled by ``fcPublish``)."""
    return (
        '<div class="fc-box fc-caption"><div class="fc-caption-text"></div>'
        '<div class="fc-credits"></div></div>'
    )


def footer_html(parts: PageParts) -> str:
    """Input hashes, simplification and the tool version."""
    hashes = " · ".join(
        f"{esc(i.name or i.path.rsplit('/', 1)[-1])} sha256 {esc(i.sha256)}" for i in parts.inputs
    )
    simplified = f" · {esc(parts.simplified)}" if parts.simplified else ""
    return (
        f'<div class="fc-box fc-footer">{hashes or "no inputs recorded"}{simplified}'
        f" · made with flightcheck {esc(parts.version)}</div>"
    )


def palette_css(colors: Sequence[str]) -> str:
    """``.fc-ac-N { --fc-color: ... }`` for each aircraft colour (markers take it)."""
    return "".join(f".fc-ac-{n} {{ --fc-color: {c}; }}\n" for n, c in enumerate(colors))
