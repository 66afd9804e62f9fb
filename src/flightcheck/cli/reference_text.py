"""Readable (rich) output of the ``airport`` and ``hex`` commands."""

from __future__ import annotations

from typing import Any


def _fmt(value: Any, spec: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return format(value, spec)


def render_airport(info: dict[str, Any]) -> None:
    """One airport (the ``airport --json`` dict) and its runways."""
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, markup=False)
    codes = ", ".join(f"{k} {info[k]}" for k in ("icao", "iata", "gps_code") if info.get(k))
    console.print(f"{info['ident']}  {info['name']}", style="bold")
    console.print(
        f"  {info['type']}, {info.get('municipality') or '-'}, {info['country']}"
        f"  ({codes or 'no ICAO/IATA code'})"
    )
    console.print(
        f"  {info['lat']:.6f}, {info['lon']:.6f}  elevation {_fmt(info['elevation_ft'], '.0f')} ft"
    )
    table = Table(title="Runways", title_justify="left")
    for col in ("runway", "length ft", "width ft", "surface", "hdg", "closed"):
        table.add_column(col)
    table.add_column("thresholds le -> he", overflow="fold")
    for rw in info["runways"]:
        ends = [
            f"{rw[f'{e}_lat']:.4f},{rw[f'{e}_lon']:.4f}"
            if rw[f"{e}_lat"] is not None and rw[f"{e}_lon"] is not None
            else "-"
            for e in ("le", "he")
        ]
        table.add_row(
            rw["name"],
            _fmt(rw["length_ft"], ".0f"),
            _fmt(rw["width_ft"], ".0f"),
            rw["surface"] or "-",
            _fmt(rw["le_heading_deg"], ".0f"),
            _fmt(rw["closed"]),
            " -> ".join(ends),
        )
    if info["runways"]:
        console.print(table)
    else:
        console.print("  no runways listed")


def render_candidates(query: str, candidates: list[dict[str, Any]]) -> None:
    """The airports a name fragment matches, when it matches more than one."""
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, markup=False)
    table = Table(
        title=f"{len(candidates)} airports match {query!r}; give one of the codes",
        title_justify="left",
    )
    for col in ("ident", "icao", "iata", "name", "type", "municipality", "country"):
        table.add_column(col, overflow="fold")
    for c in candidates:
        table.add_row(
            c["ident"],
            c["icao"] or "-",
            c["iata"] or "-",
            c["name"],
            c["type"],
            c.get("municipality") or "-",
            c["country"] or "-",
        )
    console.print(table)


def render_hex(info: dict[str, Any]) -> None:
    """One ICAO address look-up."""
    from rich.console import Console

    console = Console(highlight=False, markup=False)
    state = info["country"] or "no allocated state"
    iso = f" ({info['iso2']})" if info["iso2"] else ""
    console.print(f"{info['icao24']}  {state}{iso}  block {info['block'] or '-'}", style="bold")
    if info["military"]:
        console.print("  inside a known military address range")
    else:
        console.print("  not in a known military range (not proof of civil use)")
