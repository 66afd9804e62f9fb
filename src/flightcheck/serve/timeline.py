"""A minimal timeline for the workbench: one lane per aircraft, stops as bars, silences as
hatched bars, events as ticks, each linked to its row in the findings table by ``data-row``.

Self-contained SVG built from the rows of :func:`flightcheck.serve.view.finding_rows`; kept
in its own module so that a shared timeline renderer can replace it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from flightcheck.maps.html import esc

WIDTH = 1000
LANE_PX = 26
LABEL_PX = 130
TOP_PX = 18


def _t(value: str) -> float | None:
    if not value:
        return None
    return pd.Timestamp(value).timestamp()


def timeline_svg(rows: list[dict[str, Any]]) -> str:
    """The timeline as an ``<svg>`` element (text escaped); empty string without findings."""
    spans: list[tuple[dict[str, Any], float, float]] = []
    for r in rows:
        a, b = _t(r["start"]), _t(r["end"])
        if a is not None or b is not None:
            start = a if a is not None else b
            end = b if b is not None else a
            assert start is not None and end is not None
            spans.append((r, start, end))
    if not spans:
        return ""
    lo = min(s[1] for s in spans)
    hi = max(s[2] for s in spans)
    hi = hi if hi > lo else lo + 3600.0
    lanes = sorted({r["aircraft"] for r, _, _ in spans})
    labels = {r["aircraft"]: r["aircraft_label"] for r, _, _ in spans}
    plot = WIDTH - LABEL_PX - 10

    def x(t: float) -> float:
        return LABEL_PX + (t - lo) / (hi - lo) * plot

    height = TOP_PX + LANE_PX * len(lanes) + 6
    out = [
        f'<svg class="fc-timeline" viewBox="0 0 {WIDTH} {height}" '
        f'preserveAspectRatio="none" role="img" aria-label="timeline">'
    ]
    for day in pd.date_range(
        pd.Timestamp(lo, unit="s", tz="UTC").ceil("D"),
        pd.Timestamp(hi, unit="s", tz="UTC"),
        freq="D",
    )[:60]:
        px = x(day.timestamp())
        out.append(
            f'<line class="tl-day" x1="{px:.1f}" x2="{px:.1f}" y1="12" '
            f'y2="{height}"/><text class="tl-axis" x="{px + 2:.1f}" y="11">'
            f"{day:%d %b}</text>"
        )
    for i, hex_ in enumerate(lanes):
        y = TOP_PX + i * LANE_PX
        out.append(f'<text class="tl-label" x="4" y="{y + 16}">{esc(labels[hex_])}</text>')
    order = {"silence": 0, "stop": 1, "event": 2}
    for r, a, b in sorted(spans, key=lambda s: order.get(s[0]["type"], 3)):
        y = TOP_PX + lanes.index(r["aircraft"]) * LANE_PX
        title = f"{r['type']} {r['kind']} {r['place']} {r['start']} – {r['end']}"
        if r["type"] == "event":
            px = x(a)
            shape = (
                f'<rect class="tl-event" x="{px - 1.5:.1f}" y="{y + 2}" width="3" '
                f'height="{LANE_PX - 6}"'
            )
        else:
            w = max(x(b) - x(a), 3.0)
            cls = "tl-stop" if r["type"] == "stop" else "tl-silence"
            shape = (
                f'<rect class="{cls}" x="{x(a):.1f}" y="{y + 4}" width="{w:.1f}" '
                f'height="{LANE_PX - 10}"'
            )
        out.append(f'{shape} data-row="{esc(r["id"])}"><title>{esc(title)}</title></rect>')
    out.append("</svg>")
    return "".join(out)
