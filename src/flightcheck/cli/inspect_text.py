"""The ``inspect`` report as readable tables for the terminal (rich)."""

from __future__ import annotations

from typing import Any


def _text(value: Any) -> str:
    """A table cell: '-' for missing values (None, NaN)."""
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    return str(value)


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h} h {m:02d} min" if h else f"{m} min {s:02d} s"


def render_inspect(report: dict[str, Any]) -> None:
    """Print the report as readable tables (rich) on stdout."""
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, markup=False)  # cells hold text from inputs
    t = Table(title="Inputs", title_justify="left")
    for col in ("path", "format", "points", "dropped", "flagged", "sha256"):
        t.add_column(col, overflow="fold")
    for inp in report["inputs"]:
        dropped = ", ".join(f"{k}: {v}" for k, v in inp["dropped"].items()) or "-"
        flagged = ", ".join(f"{k}: {v}" for k, v in inp.get("flagged", {}).items()) or "-"
        t.add_row(
            inp["path"],
            inp["format"],
            f"{inp['points']:,}",
            dropped,
            flagged,
            inp["sha256"][:16] + "…",
        )
    console.print(t)
    for inp in report["inputs"]:
        for note in inp.get("notes", []):
            console.print(f"note: {inp['path']}: {note}")
    a = Table(title="Aircraft", title_justify="left")
    for col in (
        "icao24",
        "registration",
        "type",
        "callsigns",
        "points",
        "first",
        "last",
        "largest gaps",
    ):
        a.add_column(col, overflow="fold")
    for ac in report["aircraft"]:
        gaps = (
            "; ".join(f"{_duration(g['duration_s'])} from {g['start']}" for g in ac["largest_gaps"])
            or "-"
        )
        registered = (
            " ".join(
                x
                for x in (
                    ac["registration"],
                    ac.get("registered_country") and f"({ac['registered_country']})",
                )
                if x
            )
            or "-"
        )
        a.add_row(
            ac["icao24"],
            registered,
            _text(ac["typecode"]),
            " ".join(ac["callsigns"]) or "-",
            f"{ac['points']:,}",
            ac["first"],
            ac["last"],
            gaps,
        )
    console.print(a)
    if report.get("presence"):
        _render_presence(console, report["presence"])
    if report["duplicates_removed"]:
        console.print(f"{report['duplicates_removed']:,} exact duplicate reports removed")


def _render_presence(console: Any, presence: list[dict[str, Any]]) -> None:
    """The per-address presence table of raw Mode S inputs."""
    from rich.table import Table

    t = Table(title="Heard in raw Mode S (with or without positions)", title_justify="left")
    for col in (
        "icao24",
        "callsign",
        "first",
        "last",
        "messages",
        "positions",
        "address",
        "altitude ft",
        "selected ft",
        "source rows",
    ):
        t.add_column(col, overflow="fold")
    for p in presence:
        alts = (
            f"{p['alt_min_ft']:,.0f}–{p['alt_max_ft']:,.0f}" if p["alt_min_ft"] is not None else "-"
        )
        selected = f"{p['selected_alt_ft']:,.0f}" if p["selected_alt_ft"] is not None else "-"
        first_row, last_row = p["rows"]
        t.add_row(
            p["icao24"],
            _text(p["callsign"]),
            p["first"],
            p["last"],
            f"{p['messages']:,}",
            f"{p['positions']:,}",
            "CRC-checked" if p["address_checked"] else "from parity",
            alts,
            selected,
            f"{p['source']} rows {min(first_row, last_row)}–{max(first_row, last_row)}",
        )
    console.print(t)
