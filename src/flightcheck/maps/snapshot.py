"""PNG snapshots of a saved map through headless Chromium (for reports), network off."""

from __future__ import annotations

from pathlib import Path

from flightcheck.errors import FlightcheckError
from flightcheck.maps.browser import offline_browser


def snapshot(
    html_path: str | Path, png_path: str | Path, width: int = 1400, height: int = 900
) -> Path:
    """Render the saved map ``html_path`` to ``png_path`` (``width`` × ``height`` px).

    Fails if the page raised a JavaScript error or tried to reach the network.
    """
    from flightcheck.output.atomic import write_bytes

    with offline_browser() as browser:
        page = browser.open(html_path, width=width, height=height)
        page.wait_for_timeout(250)  # let Leaflet finish its first layout
        png = page.screenshot(type="png")
    if browser.errors or browser.blocked:
        problems = browser.errors + [f"blocked request {u}" for u in browser.blocked]
        raise FlightcheckError(f"{html_path}: the map did not render cleanly: {problems[0]}")
    return write_bytes(png_path, png)
