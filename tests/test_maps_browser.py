"""Evidence maps in a real browser: Debian's Chromium driven by Playwright, network cut off.

Skipped only when no Chromium is installed (CI installs it: see .ci/run).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_maps import ODD_REGISTRATION, XSS_CALLSIGN, il76_findings, il76_tracks

from flightcheck.maps import build_map, save_map
from flightcheck.maps.browser import chromium_path, offline_browser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(chromium_path()).is_file(),
        reason=f"no Chromium at {chromium_path()} (apt-get install chromium)",
    ),
]


def test_png_snapshot(tmp_path):
    # first in the file: Playwright's sync API cannot start while the module fixture's
    # browser below is open
    from flightcheck.maps.snapshot import snapshot

    m = build_map(il76_tracks(), il76_findings())
    html = save_map(m, tmp_path / "m.html")
    png = snapshot(html, tmp_path / "m.png", width=800, height=600)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


@pytest.fixture(scope="module")
def opened(tmp_path_factory):
    m = build_map(
        il76_tracks(),
        il76_findings(),
        annotations=[
            {"lat": 40.0, "lon": 25.0, "title": "Note", "text": "<script>alert(2)</script>"}
        ],
    )
    path = save_map(m, tmp_path_factory.mktemp("browser") / "il76.html")
    with offline_browser() as browser:
        page = browser.open(path)
        page.wait_for_timeout(200)
        yield browser, page


def test_page_loads_offline_without_errors(opened):
    browser, page = opened
    assert browser.blocked == []  # nothing was even attempted over the network
    assert browser.errors == []
    assert page.evaluate("typeof L !== 'undefined' && typeof jQuery !== 'undefined'")
    # Font Awesome's font is inlined and loaded, not fetched
    assert page.evaluate("document.fonts.check('12px \"Font Awesome 6 Free\"')")


def test_expected_paths_and_markers_are_drawn(opened):
    _browser, page = opened
    assert page.locator("path.fc-basemap").count() >= 170  # Natural Earth countries
    assert page.locator("path.fc-observed").count() == 2  # two legs
    assert page.locator("path.fc-silent").count() == 2
    assert page.locator("path.fc-gap-area").count() == 1
    assert page.locator("path.fc-candidate").count() == 1
    assert page.locator(".leaflet-marker-icon.fc-stop").count() == 2
    assert page.locator(".leaflet-marker-icon.fc-stop-inferred").count() == 1
    assert page.locator(".leaflet-marker-icon.fc-event").count() == 1
    assert page.locator(".leaflet-marker-icon.fc-annotation").count() == 1
    labels = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert [s.strip() for s in labels] == [
        "Countries (Natural Earth 1:110m)",
        "Airports, runways, cities",
        f"010075 {ODD_REGISTRATION} IL76",
        "Annotations",
    ]


def test_stop_popup_shows_its_text_literally(opened):
    browser, page = opened
    page.locator(".leaflet-marker-icon.fc-stop-inferred").click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible", timeout=5_000)
    text = popup.inner_text()
    assert "Stop at LYBT" in text
    assert "Batajnica <Air> \"Base\" & 'x'" in text
    assert "last fix 1,200 ft descending" in text and "trace_full_010075.json:600" in text
    assert "inferred" in text and "0.70" in text
    page.locator(".leaflet-popup-close-button").click()
    popup.wait_for(state="detached", timeout=5_000)


def test_hostile_text_renders_as_text_and_never_runs(opened):
    browser, page = opened
    page.locator(".leaflet-marker-icon.fc-annotation").click()
    page.locator(".leaflet-popup-content").wait_for(state="visible", timeout=5_000)
    assert "<script>alert(2)</script>" in page.locator(".leaflet-popup-content").inner_text()
    page.wait_for_timeout(200)
    legend = page.locator(".fc-legend").text_content()  # folded while a popup is open
    assert XSS_CALLSIGN in legend and ODD_REGISTRATION in legend
    assert page.locator("img[src='x']").count() == 0
    assert browser.dialogs == []
