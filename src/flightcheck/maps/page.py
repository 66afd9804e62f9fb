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
.fc-title { top: 10px; left: 54px; max-width: 46%; }
.fc-title h1 { font-size: 15px; margin: 0 0 3px 0; }
.fc-title .fc-aircraft { margin: 2px 0; }
.fc-title .fc-sources { color: #555; margin-top: 3px; }
.fc-legend { bottom: 34px; right: 10px; max-height: 40vh; max-width: 40%; overflow-y: auto; }
.fc-legend div { white-space: nowrap; }
.fc-swatch { display: inline-block; width: 26px; height: 0; vertical-align: middle;
  margin-right: 6px; border-top: 3px solid #333; }
.fc-swatch.fc-dashed { border-top-style: dashed; }
.fc-footer { bottom: 6px; left: 130px; right: 70px; padding: 2px 8px; font-size: 10px;
  color: #444; white-space: nowrap; overflow-x: auto; }
.fc-marker { display: flex; align-items: center; justify-content: center;
  border-radius: 50%; border: 2px solid #fff; color: #fff; font-size: 11px;
  box-shadow: 0 1px 3px rgba(0,0,0,0.5); box-sizing: border-box; }
.fc-stop-observed { background: #1b1b1b; }
.fc-stop-inferred { background: #777; border: 2px dashed #fff; }
.fc-event { background: #7b3294; border-radius: 3px; }
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
    """One aircraft in the title block."""

    icao24: str
    registration: str | None = None
    typecode: str | None = None
    callsigns: Sequence[str] = ()
    countries: Sequence[str] = ()


@dataclass
class InputLine:
    """One input in the title block (name, format, points) and footer (sha256)."""

    path: str
    sha256: str = ""
    format: str = ""
    points: int = 0


@dataclass
class LegendEntry:
    """A coloured leg in the legend."""

    color: str
    label: str


@dataclass
class PageParts:
    """Everything the fixed page parts show."""

    title: str
    aircraft: list[AircraftLine] = field(default_factory=list)
    inputs: list[InputLine] = field(default_factory=list)
    legs: list[LegendEntry] = field(default_factory=list)
    version: str = ""
    simplified: str = ""


def _aircraft_html(a: AircraftLine) -> str:
    bits = [f"<b>{esc(a.icao24)}</b>"]
    bits += [esc(v) for v in (a.registration, a.typecode) if v]
    if a.callsigns:
        bits.append("callsigns " + esc(", ".join(a.callsigns)))
    chain = " → ".join(a.countries) if a.countries else "no stop found"
    return f'<div class="fc-aircraft">{" · ".join(bits)} — {esc(chain)}</div>'


def title_html(parts: PageParts) -> str:
    """Title, aircraft (registration, type, callsigns, country chain) and data sources."""
    sources = "; ".join(
        f"{esc(i.path.rsplit('/', 1)[-1])} ({esc(i.format)}, {i.points:,} points)"
        for i in parts.inputs) or "no inputs recorded"
    aircraft = "".join(_aircraft_html(a) for a in parts.aircraft)
    return (f'<div class="fc-box fc-title"><h1>{esc(parts.title)}</h1>{aircraft}'
            f'<div class="fc-sources">Data: {sources}</div></div>')


def marker_icon(kind: str) -> str:
    """Inner HTML of a marker of ``kind`` (stop, event, annotation)."""
    return f'<i class="fa-solid {MARKER_ICONS[kind]}"></i>'


def legend_html(parts: PageParts) -> str:
    """Leg colours, line styles and marker kinds."""
    legs = "".join(
        f'<div><span class="fc-swatch" style="border-top-color:{esc(e.color)}"></span>'
        f"{esc(e.label)}</div>" for e in parts.legs)
    icon = marker_icon
    fixed = (
        '<div><span class="fc-swatch"></span>observed</div>'
        '<div><span class="fc-swatch fc-dashed"></span>silent (no fixes)</div>'
        f'<div><span class="fc-marker fc-stop-observed">{icon("stop")}</span>stop (observed)</div>'
        f'<div><span class="fc-marker fc-stop-inferred">{icon("stop")}</span>stop (inferred)</div>'
        f'<div><span class="fc-marker fc-event">{icon("event")}</span>event</div>'
        '<div><span class="fc-swatch fc-dashed" style="border-top-color:#e66101"></span>'
        "unaccounted time: reachable area</div>"
        f'<div><span class="fc-marker fc-annotation">{icon("annotation")}</span>annotation</div>'
    )
    return f'<div class="fc-box fc-legend">{legs}{fixed}</div>'


def footer_html(parts: PageParts) -> str:
    """Input hashes, simplification and the tool version."""
    hashes = " · ".join(f"{esc(i.path.rsplit('/', 1)[-1])} sha256 {esc(i.sha256)}"
                        for i in parts.inputs)
    simplified = f" · {esc(parts.simplified)}" if parts.simplified else ""
    return (f'<div class="fc-box fc-footer">{hashes or "no inputs recorded"}{simplified}'
            f" · made with flightcheck {esc(parts.version)}</div>")
