"""Readable tables of a :class:`~flightcheck.segment.Segmentation` for the terminal (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from flightcheck.jsonout import iso


def render_segmentation(seg, console: Console | None = None) -> None:
    """Print stops, events and gaps as three tables, then each stop's evidence."""
    console = console or Console()
    t = Table(title=f"Stops ({len(seg.stops)})")
    for col in ("icao24", "airport", "country", "kind", "arrival", "departure", "dwell",
                "runway", "conf"):
        t.add_column(col)
    for s in seg.stops.itertuples():
        t.add_row(s.icao24, f"{s.airport or '-'} {s.airport_name or ''}", s.country or "-",
                  s.kind, iso(s.arrival) or "-", iso(s.departure) or "-",
                  f"{s.dwell_s / 3600:.1f} h", s.runway or "-", f"{s.confidence:.2f}")
    console.print(t)
    e = Table(title=f"Events ({len(seg.events)})")
    for col in ("icao24", "kind", "airport", "time", "runway"):
        e.add_column(col)
    for ev in seg.events.itertuples():
        e.add_row(ev.icao24, ev.kind, ev.airport or "-", iso(ev.time) or "-", ev.runway or "-")
    console.print(e)
    g = Table(title=f"Gaps ({len(seg.gaps)})")
    for col in ("icao24", "start", "end", "silent", "unaccounted", "explained / candidates"):
        g.add_column(col)
    for gp in seg.gaps.itertuples():
        cands = ", ".join(c["airport"] for c in gp.candidates[:5])
        g.add_row(gp.icao24, iso(gp.start), iso(gp.end), f"{gp.duration_s / 60:.0f} min",
                  f"{gp.unaccounted_s / 60:.0f} min", gp.explained_by or cands or "-")
    console.print(g)
    for s in seg.stops.itertuples():
        console.print(f"[bold]{s.icao24} {s.airport or '-'}[/bold]: {s.evidence}",
                      highlight=False, markup=True)
