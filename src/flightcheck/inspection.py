"""The ``inspect`` report: per input and per aircraft, what the data holds."""

from __future__ import annotations

from typing import Any

from flightcheck.output.jsonout import iso
from flightcheck.track.by_aircraft import rows_by_aircraft, rows_of
from flightcheck.track.tracks import Tracks


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


def inspect_report(tracks: Tracks, n_gaps: int = 3, min_gap_s: float = 300.0) -> dict[str, Any]:
    """JSON-ready ``{"inputs": [...], "aircraft": [...], "skipped": [...]}`` for ``inspect``."""
    gaps = tracks.gaps(min_s=min_gap_s)
    aircraft = []
    gaps_of = rows_by_aircraft(gaps)  # one pass, not a filter of every gap per aircraft
    for row in tracks.summary().to_dict("records"):
        g = rows_of(gaps, gaps_of, row["icao24"]).head(n_gaps)
        aircraft.append(
            {
                "icao24": row["icao24"],
                "registered_country": registered_country(row["icao24"]),
                "registration": None if _text(row["registration"]) == "-" else row["registration"],
                "typecode": None if _text(row["typecode"]) == "-" else row["typecode"],
                "callsigns": row["callsigns"],
                "points": int(row["points"]),
                "first": iso(row["first"]),
                "last": iso(row["last"]),
                "sources": row["sources"],
                "largest_gaps": [
                    {
                        "start": iso(r["start"]),
                        "end": iso(r["end"]),
                        "duration_s": round(float(r["duration_s"]), 1),
                        "before": {"source": r["source_before"], "row": int(r["row_before"])},
                        "after": {"source": r["source_after"], "row": int(r["row_after"])},
                    }
                    for r in g.to_dict("records")
                ],
            }
        )
    inputs = []
    for rec in tracks.inputs:
        d = rec.to_dict()
        sub = tracks.df[tracks.df["source"] == rec.path]
        d["aircraft"] = sorted(sub["icao24"].unique().tolist())
        d["first"] = iso(sub["time"].min()) if len(sub) else None
        d["last"] = iso(sub["time"].max()) if len(sub) else None
        inputs.append(d)
    return {
        "inputs": inputs,
        "aircraft": aircraft,
        "presence": presence_records(tracks),
        "skipped": [{"path": p, "reason": r} for p, r in tracks.skipped],
        "duplicates_removed": tracks.duplicates,
    }


def registered_country(address: str) -> str | None:
    """ISO-2 state of registry: the ICAO address block of an aircraft, the flag state (MID)
    of a vessel's nine-digit MMSI; None when the address says nothing (``~`` addresses,
    unallocated blocks, MMSIs of stations other than ships)."""
    from flightcheck.errors import ReferenceDataError
    from flightcheck.reference import icao, mid

    if len(address) == 9 and address.isdigit():
        return mid.flag_of(address)
    try:
        return icao.lookup(address).iso2
    except ReferenceDataError:
        return None


def presence_records(tracks: Tracks) -> list[dict[str, Any]]:
    """``Tracks.presence`` as JSON-ready dicts, by address then source: every address heard
    in a raw Mode S input, with or without positions (see :mod:`flightcheck.io.presence`)."""
    out = []
    table = tracks.presence.sort_values(["icao24", "source", "first"], kind="stable")
    for r in table.to_dict("records"):
        out.append(
            {
                "icao24": r["icao24"],
                "first": iso(r["first"]),
                "last": iso(r["last"]),
                "messages": int(r["messages"]),
                "adsb_messages": int(r["adsb_messages"]),
                "reply_messages": int(r["reply_messages"]),
                "positions": int(r["positions"]),
                "address_checked": bool(r["address_checked"]),
                "callsign": None if _text(r["callsign"]) == "-" else r["callsign"],
                "alt_min_ft": _number(r["alt_min_ft"]),
                "alt_max_ft": _number(r["alt_max_ft"]),
                "selected_alt_ft": _number(r["selected_alt_ft"]),
                "source": r["source"],
                "rows": [int(r["first_row"]), int(r["last_row"])],
            }
        )
    return out


def _number(value: Any) -> float | None:
    return None if value is None or value != value else float(value)


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
