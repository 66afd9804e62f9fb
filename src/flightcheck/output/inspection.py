"""The ``inspect`` report: per input and per aircraft, what the data holds (JSON-ready; the
terminal tables are :mod:`flightcheck.cli.inspect_text`)."""

from __future__ import annotations

from typing import Any

from flightcheck.output.jsonout import iso
from flightcheck.track.tracks import Tracks


def _text(value: Any) -> str:
    """A table cell: '-' for missing values (None, NaN)."""
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    return str(value)


def inspect_report(tracks: Tracks, n_gaps: int = 3, min_gap_s: float = 300.0) -> dict[str, Any]:
    """JSON-ready ``{"inputs": [...], "aircraft": [...], "skipped": [...]}`` for ``inspect``."""
    gaps = tracks.gaps(min_s=min_gap_s)
    largest: dict[str, list[dict[str, Any]]] = {}
    for r in gaps.groupby("icao24", sort=False).head(n_gaps).to_dict("records"):
        largest.setdefault(r["icao24"], []).append(r)  # one pass, not one filter per aircraft
    summary = tracks.summary()
    countries = registered_countries(summary["icao24"].tolist())
    aircraft = []
    for row, country in zip(summary.to_dict("records"), countries, strict=True):
        aircraft.append(
            {
                "icao24": row["icao24"],
                "registered_country": country,
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
                    for r in largest.get(row["icao24"], [])
                ],
            }
        )
    per_source = _per_source(tracks)
    inputs = []
    for rec in tracks.inputs:
        d = rec.to_dict()
        held, first, last = per_source.get(rec.path, ([], None, None))
        d["aircraft"] = held
        d["first"], d["last"] = iso(first), iso(last)
        inputs.append(d)
    return {
        "inputs": inputs,
        "aircraft": aircraft,
        "presence": presence_records(tracks),
        "skipped": [{"path": p, "reason": r} for p, r in tracks.skipped],
        "duplicates_removed": tracks.duplicates,
    }


def registered_countries(addresses: list[str]) -> list[str | None]:
    """Per address, the ISO-2 state of registry: the ICAO address block of an aircraft (all
    looked up at once), the flag state (MID) of a vessel's nine-digit MMSI; None when the
    address says nothing (``~`` addresses, unallocated blocks, MMSIs of stations other than
    ships)."""
    from flightcheck.reference import icao, mid

    vessel = [len(a) == 9 and a.isdigit() for a in addresses]
    blocks = icao.lookup_many([a for a, v in zip(addresses, vessel, strict=True) if not v])
    states = iter([v if isinstance(v, str) else None for v in blocks["iso2"].tolist()])
    return [mid.flag_of(a) if v else next(states) for a, v in zip(addresses, vessel, strict=True)]


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


def _per_source(tracks: Tracks) -> dict[str, tuple[list[str], Any, Any]]:
    """Per input path: (its aircraft, sorted; first fix time; last fix time), from one
    grouping of the table (a filter per input would grow with inputs x rows)."""
    df = tracks.df
    if not len(df):
        return {}
    by = df.groupby("source", sort=False)
    first, last = by["time"].min(), by["time"].max()
    held = by["icao24"].unique()
    return {
        str(path): (sorted(held[path].tolist()), first[path], last[path]) for path in first.index
    }


def _number(value: Any) -> float | None:
    return None if value is None or value != value else float(value)
