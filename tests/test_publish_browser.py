"""Figures for publication and printing, in real Chromium (network cut off): no controls,
caption and credits as text, marker fills kept in print, report.pdf with the map early.

Skipped only when no Chromium is installed (CI installs it: see .ci/run).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from test_maps import il76_findings, il76_tracks

from flightcheck.maps import build_map, save_map
from flightcheck.maps.browser import chromium_path, offline_browser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,  # the bundled case end to end
    pytest.mark.skipif(
        not Path(chromium_path()).is_file(),
        reason=f"no Chromium at {chromium_path()} (apt-get install chromium)",
    ),
]

HOSTILE_CAPTION = 'Il-76 at <b>LYBT</b> & "friends" <script>alert(3)</script>'
EVENT_FILL = rb"\.4824 \.1961 \.5804 rg"  # #7b3294, the event markers' background


def _white_share(png: bytes, box: tuple[int, int, int, int]) -> float:
    import numpy as np
    from PIL import Image

    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB").crop(box))
    return float((img.min(axis=2) >= 250).mean())


def _fills(pdf: bytes) -> bytes:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return b"".join(page.get_contents().get_data() for page in reader.pages)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("publish")
    return save_map(build_map(il76_tracks(), il76_findings()), folder / "m.html")


def test_png_figure_has_no_controls_and_shows_the_caption(saved, tmp_path):
    from flightcheck.maps.publish import airport_bounds, figure

    with offline_browser() as browser:
        # the DOM in publication mode, as the figure is rendered
        page = browser.open(saved, width=1200, height=800)
        plain = page.screenshot(type="png")
        page.evaluate(
            "(o) => fcPublish(o)",
            {"caption": HOSTILE_CAPTION, "credits": "Data: x", "bounds": airport_bounds("LYBT")},
        )
        visible = page.evaluate("""() => ['.leaflet-control-zoom', '.leaflet-control-layers',
            '.fc-title', '.leaflet-popup', '.fc-caption', '.leaflet-control-scale',
            '.fc-legend'].map(s => { const e = document.querySelector(s);
                                     return e !== null && e.offsetParent !== null; })""")
        assert visible == [False, False, False, False, True, True, True]
        assert page.locator(".fc-caption-text").inner_text() == HOSTILE_CAPTION
        assert page.locator(".fc-caption b, .fc-caption script").count() == 0
        assert page.evaluate("() => fcMap.getZoom()") >= 10
        out = figure(
            saved,
            tmp_path / "fig.png",
            size=(1200, 800),
            bounds=airport_bounds("LYBT"),
            caption="Batajnica",
            credits="Data: x",
            browser=browser,
        )
        assert browser.errors == [] and browser.dialogs == []
    png = out.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    assert Image.open(io.BytesIO(png)).size == (1200, 800)
    layers_box = (1200 - 50, 10, 1200 - 12, 48)  # the layer control's white button
    assert _white_share(plain, layers_box) > 0.5  # there in the interactive page
    assert _white_share(png, layers_box) < 0.2  # gone from the figure


def test_printing_the_map_keeps_marker_fills(saved):
    with offline_browser() as browser:
        page = browser.open(saved, width=1200, height=800)
        page.wait_for_timeout(200)
        kept = page.pdf(print_background=False)  # Chromium's default "no backgrounds"
        page.add_style_tag(
            content="* { print-color-adjust: economy !important;"
            " -webkit-print-color-adjust: economy !important; }"
        )
        economy = page.pdf(print_background=False)
    assert re.search(EVENT_FILL, _fills(kept))
    assert not re.search(EVENT_FILL, _fills(economy))  # what the page's print rule prevents


def test_verify_pdf_has_the_map_on_page_1_or_2_and_a_figure_per_claim(tmp_path):
    import pypdf

    from flightcheck.case.pack import figure_name, run
    from flightcheck.samples import sample_tracks_dir

    manifest = run(sample_tracks_dir() / "case.toml", tmp_path / "pack", figures=True, pdf=True)
    pack = tmp_path / "pack"
    for claim in manifest["verdicts"]:
        assert (pack / figure_name(claim)).read_bytes()[:4] == b"\x89PNG"
    written = {o["path"] for o in manifest["outputs"]}
    assert {"report.pdf", "map.png", "claim-landed-lybt.png"} <= written
    reader = pypdf.PdfReader(pack / "report.pdf")
    pages_with_map = []
    for n, page in enumerate(reader.pages, 1):
        xobjects = page["/Resources"].get("/XObject") or {}
        sizes = [
            (x.get_object().get("/Width"), x.get_object().get("/Height"))
            for x in xobjects.values()
            if x.get_object().get("/Subtype") == "/Image"
        ]
        if (1600, 1000) in sizes:
            pages_with_map.append(n)
    assert pages_with_map and pages_with_map[0] <= 2
    text = reader.pages[0].extract_text()
    assert "Verdicts" in text and "/work/" not in text
