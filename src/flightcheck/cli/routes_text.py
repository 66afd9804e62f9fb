"""Readable output of the ``route`` command (rich tables on stdout)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flightcheck.output.jsonout import iso
from flightcheck.routes import RouteSet
from flightcheck.routes.reconcile import match_target


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _code(value: Any) -> str:
    """An airport code, or ``?`` when unknown (None, NaN, empty): never ``nan``."""
    return value if isinstance(value, str) and value else "?"


def render_routes(routes: RouteSet) -> None:
    """One summary line per aircraft, then its legs."""
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, markup=False)
    for m in routes.matches:
        console.print(
            f"matched {', '.join(m['sources'])} (no ICAO address) to {match_target(m)}: "
            f"median {m['median_distance_m']:.0f} m apart over "
            f"{m['overlap_points']} fixes"
        )
    for r in routes:
        console.print(r.summary, style="bold")
        t = Table(show_header=True, header_style="bold")
        for col in (
            "leg",
            "from → to",
            "departure",
            "arrival",
            "coverage",
            "under the track",
            "sources",
        ):
            t.add_column(col, overflow="fold")
        for leg in r.legs.to_dict("records"):
            t.add_row(
                str(leg["leg"]),
                f"{_code(leg['from'])} → {_code(leg['to'])}",
                iso(leg["departure"]) or "-",
                iso(leg["arrival"]) or "-",
                _pct(leg["coverage"]),
                leg.get("overflown_chain") or "-",
                "\n".join(Path(s).name for s in leg["sources"]),
            )
        console.print(t)
        rec = r.reconciliation or {}
        for p in rec.get("pairs", []):
            if p.get("median_distance_m") is not None:
                console.print(
                    f"  sources: {Path(p['source_a']).name} and "
                    f"{Path(p['source_b']).name}: median "
                    f"{p['median_distance_m']:.0f} m apart over "
                    f"{p['overlap_points']:,} fixes, clock offset "
                    f"{p['offset_s']:+.1f} s"
                )
            for note in p.get("notes", []):
                if not note.startswith(("too little", "sources overlap in time")):
                    console.print(f"  sources: {note}")


def render_matches(via: dict[str, Any]) -> None:
    """The aircraft and time windows matching ``--via``."""
    from rich.console import Console

    console = Console(highlight=False, markup=False)
    route = " → ".join(via["route"])
    if not via["matches"]:
        console.print(
            f"no aircraft went through {route}"
            + (f" within {via['within']}" if via.get("within") else "")
        )
    for m in via["matches"]:
        console.print(
            f"{m['icao24']}  {' → '.join(_code(c) for c in m['stops'])}  "
            f"({' → '.join(_code(c) for c in m['countries'])})  "
            f"{iso(m['start']) or '?'} – {iso(m['end']) or '?'}"
        )
