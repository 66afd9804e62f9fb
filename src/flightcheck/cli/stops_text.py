"""Readable tables of a :class:`~flightcheck.segment.Segmentation` for the terminal (rich)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from flightcheck.output.jsonout import iso
from flightcheck.output.textout import shown
from flightcheck.segment.evidence import duration


def _text(value: Any) -> str:
    """A cell: '' for missing values (None or NaN from pandas string columns)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def _dwell(stop: Any) -> str:
    """Hours on the ground; '≥' when the data starts or ends during the stop."""
    hours = f"{stop.dwell_s / 3600:.1f} h"
    open_end = not _text(iso(stop.arrival)) or not _text(iso(stop.departure))
    return f"≥ {hours}" if open_end else hours


def render_segmentation(seg, console: Console | None = None) -> None:
    """Print stops, events and gaps as three tables, then each stop's evidence."""
    console = console or Console()
    t = Table(title=f"Stops ({len(seg.stops)})")
    for col in (
        "icao24",
        "airport",
        "country",
        "kind",
        "arrival",
        "departure",
        "dwell",
        "runway",
        "conf",
    ):
        t.add_column(col)
    for s in seg.stops.itertuples():
        t.add_row(
            escape(s.icao24),
            escape(f"{_text(s.airport) or '-'} {_text(s.airport_name)}"),
            _text(s.country) or "-",
            s.kind,
            iso(s.arrival) or "-",
            iso(s.departure) or "-",
            _dwell(s),
            _text(s.runway) or "-",
            f"{s.confidence:.2f}",
        )
    console.print(t)
    e = Table(title=f"Events ({len(seg.events)})")
    for col in ("icao24", "kind", "airport", "time", "runway"):
        e.add_column(col)
    for ev in seg.events.itertuples():
        e.add_row(
            escape(ev.icao24),
            ev.kind,
            _text(ev.airport) or "-",
            iso(ev.time) or "-",
            _text(ev.runway) or "-",
        )
    console.print(e)
    g = Table(title=f"Gaps ({len(seg.gaps)})")
    for col in ("icao24", "start", "end", "silent", "unaccounted", "explained / candidates"):
        g.add_column(col)
    for gp in seg.gaps.itertuples():
        cands = ", ".join(shown(c.get("airport")) for c in gp.candidates[:5])
        g.add_row(
            escape(gp.icao24),
            iso(gp.start),
            iso(gp.end),
            duration(gp.duration_s),
            duration(gp.unaccounted_s),  # as every output
            escape(_text(gp.explained_by) or cands or "-"),
        )
    console.print(g)
    for s in seg.stops.itertuples():
        # evidence quotes file names and input text: never let rich read it as markup
        console.print(
            f"[bold]{escape(s.icao24)} {escape(_text(s.airport) or '-')}[/bold]: "
            f"{escape(_text(s.evidence))}",
            highlight=False,
            markup=True,
        )
