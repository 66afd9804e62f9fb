"""Figures for publication: a saved map rendered by headless Chromium (network off) as PNG
or PDF, with no interactive controls, a caption, credits, the legend and the scale bar,
framed on an area.

>>> figure("map.html", "lybt.png", size=(1600, 1000), bounds=airport_bounds("LYBT"),
...        caption="The Il-76's inferred stop at Batajnica", credits=credits(tracks))
...                                                                  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from flightcheck.errors import FlightcheckError, UsageError

Bounds = list[list[float]]
"""``[[south, west], [north, east]]`` in degrees."""

AIRPORT_PAD_DEG = 0.12
"""Half-size (degrees of latitude) of the area framed around one airport (~13 km)."""

BASEMAP_CREDIT = (
    "Basemap: Natural Earth (public domain); airports and runways: OurAirports "
    "(public domain); cities: GeoNames (CC BY 4.0)"
)


def parse_size(text: str) -> tuple[int, int]:
    """``1600x1000`` -> (1600, 1000) px; one clear error otherwise."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise UsageError(
            f"--size {text}: expected WIDTHxHEIGHT in pixels, e.g. 1600x1000"
        ) from None
    if not (200 <= w <= 8000 and 200 <= h <= 8000):
        raise UsageError(f"--size {text}: width and height must be 200-8000 px")
    return w, h


def parse_bbox(text: str) -> Bounds:
    """``WEST,SOUTH,EAST,NORTH`` (degrees, the GeoJSON bbox order) -> bounds."""
    try:
        west, south, east, north = (float(v) for v in text.split(","))
    except ValueError:
        raise UsageError(f"--bbox {text}: expected WEST,SOUTH,EAST,NORTH in degrees") from None
    if not (-90 <= south < north <= 90 and -180 <= west < east <= 180):
        raise UsageError(
            f"--bbox {text}: need south < north within ±90 and west < east within ±180"
        )
    return [[south, west], [north, east]]


def _around(lat: Iterable[float], lon: Iterable[float], pad_deg: float) -> Bounds | None:
    la, lo = np.asarray(list(lat), dtype=float), np.asarray(list(lon), dtype=float)
    ok = np.isfinite(la) & np.isfinite(lo)
    if not ok.any():
        return None
    return [
        [float(la[ok].min()) - pad_deg, float(lo[ok].min()) - pad_deg],
        [float(la[ok].max()) + pad_deg, float(lo[ok].max()) + pad_deg],
    ]


def airport_bounds(code: str) -> Bounds:
    """The area around an airport (its runways in view)."""
    from flightcheck.reference import airports

    a = airports.get(code)
    return [
        [a.lat - AIRPORT_PAD_DEG, a.lon - AIRPORT_PAD_DEG * 1.5],
        [a.lat + AIRPORT_PAD_DEG, a.lon + AIRPORT_PAD_DEG * 1.5],
    ]


def aircraft_bounds(routes: Any, icao24: str) -> Bounds:
    """The area of one aircraft's positions."""
    df = routes.tracks.df
    rows = df[df["icao24"] == icao24.lower()]
    found = _around(rows["lat"], rows["lon"], 0.2)
    if found is None:
        raise UsageError(f"--fit aircraft:{icao24}: no positions of that aircraft")
    return found


def evidence_bounds(
    evidence: Iterable[Mapping[str, Any]], place: str | None = None
) -> Bounds | None:
    """The area of a verdict's evidence (stops, fixes) and of the claimed airport."""
    lat, lon = [], []
    for e in evidence:
        if e.get("lat") is not None and e.get("lon") is not None:
            lat.append(e["lat"])
            lon.append(e["lon"])
        elif e.get("type") == "stop" and e.get("airport"):
            try:
                b = airport_bounds(str(e["airport"]))
            except FlightcheckError:
                continue
            lat += [b[0][0], b[1][0]]
            lon += [b[0][1], b[1][1]]
    if place:
        try:
            b = airport_bounds(place)
            lat += [b[0][0], b[1][0]]
            lon += [b[0][1], b[1][1]]
        except FlightcheckError:
            pass
    return _around(lat, lon, 0.05)


def credits(inputs: Iterable[Any], version: str | None = None) -> str:
    """Data sources (citation names with the first 12 hex digits of their sha256), the
    basemap's sources and the flightcheck version, as one line of text."""
    from flightcheck import __version__
    from flightcheck.segment.evidence import short_names

    recs = list(inputs)
    names = short_names(sorted({r.path for r in recs}))
    data = "; ".join(f"{names.get(r.path, r.path)} (sha256 {r.sha256[:12]})" for r in recs)
    return (
        f"Data: {data or 'none'}. {BASEMAP_CREDIT}. Made with flightcheck {version or __version__}."
    )


def figure(
    html_path: str | Path,
    out_path: str | Path,
    *,
    size: tuple[int, int] = (1600, 1000),
    bounds: Bounds | None = None,
    caption: str = "",
    credits: str = "",
    fmt: str | None = None,
    browser: Any = None,
) -> Path:
    """Render the saved map ``html_path`` as a publication figure at ``out_path`` (PNG or
    PDF by ``fmt`` or the file's suffix): no zoom buttons, layer control, title box or
    popups; the caption and credits as text (never HTML), the legend and scale bar; framed
    on ``bounds`` (the map's own first view when None). ``size`` in px (a PDF page of that
    size at 96 px/inch). Fails if the page raised a JavaScript error or reached for the
    network. ``browser``: an open :func:`~flightcheck.maps.browser.offline_browser` to
    reuse (one is started otherwise)."""
    from contextlib import nullcontext

    from flightcheck.maps.browser import offline_browser
    from flightcheck.output.atomic import write_bytes

    kind = (fmt or Path(out_path).suffix.lstrip(".")).lower()
    if kind not in ("png", "pdf"):
        raise UsageError(f"{out_path}: figures are PNG or PDF (got {kind or 'no suffix'})")
    width, height = size
    errors_before = len(browser.errors) + len(browser.blocked) if browser is not None else 0
    with nullcontext(browser) if browser is not None else offline_browser() as browser:
        page = browser.open(html_path, width=width, height=height)
        page.evaluate(
            "(o) => fcPublish(o)", {"caption": caption, "credits": credits, "bounds": bounds}
        )
        page.wait_for_timeout(300)  # labels and spread markers settle
        if kind == "png":
            data = page.screenshot(type="png")
        else:
            page.emulate_media(media="screen")
            data = page.pdf(
                width=f"{width}px",
                height=f"{height}px",
                print_background=True,
                margin={"top": "0", "right": "0", "bottom": "0", "left": "0"},
            )
        page.close()
    if len(browser.errors) + len(browser.blocked) > errors_before:
        problems = browser.errors + [f"blocked request {u}" for u in browser.blocked]
        raise FlightcheckError(f"{html_path}: the map did not render cleanly: {problems[0]}")
    return write_bytes(out_path, data)
