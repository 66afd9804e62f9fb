"""Readable output of the ``settings`` command: the engine thresholds by group."""

from __future__ import annotations

from typing import Any


def render_settings(rows: list[dict[str, Any]]) -> None:
    """One table of ``describe()`` rows: name, value (``*`` where not the default), unit and
    reason, grouped by the part of the engine that reads them."""
    from rich.console import Console
    from rich.table import Table

    table = Table(show_edge=False, pad_edge=False, box=None)
    for column in ("setting", "value", "unit", "why"):
        table.add_column(column, overflow="fold", no_wrap=column != "why")
    group = None
    for row in rows:
        if row["group"] != group:
            group = row["group"]
            table.add_row(f"[{group}]", "", "", "", style="bold")
        changed = row["value"] != row["default"]
        value = f"{row['value']:g}" + (f" * (default {row['default']:g})" if changed else "")
        table.add_row(row["name"], value, row["unit"], row["reason"])
    Console(highlight=False, markup=False).print(table)
