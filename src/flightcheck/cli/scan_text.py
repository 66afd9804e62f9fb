"""Output of ``flightcheck scan``: the visits file (parquet/CSV, atomic) and readable tables."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from flightcheck.output.atomic import write_bytes
from flightcheck.output.textout import shown


def write_visits(visits: pd.DataFrame, path: str | Path) -> Path:
    """Write the visits table as parquet or CSV (by extension), atomically."""
    buf = io.BytesIO()
    if str(path).endswith(".parquet"):
        visits.to_parquet(buf, index=False, compression="zstd")
    else:
        buf.write(visits.to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%SZ").encode())
    return write_bytes(path, buf.getvalue())


def render_scan(result) -> None:
    """Visits and summary as rich tables on stdout, counts on stderr."""
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, markup=False)  # cells hold text from inputs
    table = Table(title=f"{len(result.visits)} visits")
    cols = [
        "icao24",
        "registration",
        "typecode",
        "registered_country",
        "military",
        "airport",
        "arrival",
        "departure",
        "kind",
        "confidence",
    ]
    for c in cols:
        table.add_column(c)
    for row in result.visits[cols].itertuples(index=False):
        table.add_row(*[shown(v, "") for v in row])
    console.print(table)
    summary = Table(title="by registered country, type and month")
    for c in result.summary.columns:
        summary.add_column(c)
    for row in result.summary.itertuples(index=False):
        summary.add_row(*[shown(v, "-") for v in row])
    console.print(summary)
    Console(stderr=True, highlight=False).print(
        f"scanned {result.inputs:,} inputs ({result.inputs - len(result.unreadable):,} read, "
        f"{len(result.unreadable):,} could not be read), {result.points:,} points; "
        f"{len(result.bad)} bad files skipped"
    )
