"""`flightcheck timeline` and the figure options of `flightcheck map`: outputs and one-line
errors (exit 2) for bad options."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from flightcheck.cli import main
from flightcheck.maps.browser import chromium_path

SAMPLE = Path(__file__).resolve().parents[1] / "sample_tracks"
INPUTS = [str(SAMPLE / "globe_history"), str(SAMPLE / "fr24")]


def test_timeline_command_writes_a_self_contained_page_linked_to_the_map(tmp_path):
    out = tmp_path / "tl.html"
    res = CliRunner().invoke(
        main,
        ["timeline", *INPUTS, "-o", str(out), "--map", "map.html", "--title", "Il-76 <October>"],
    )
    assert res.exit_code == 0, res.output
    page = out.read_text()
    assert "<svg" in page and "<script" not in page and "http://www.w3.org/2000/svg" in page
    assert "Il-76 &lt;October&gt;" in page
    assert not re.findall(r'(?:src|href)="https?:', page)
    links = set(re.findall(r'href="map.html#focus=([^"]+)"', page))
    assert "stop-010075-LYBT-20251016T082657" in links
    assert page.count('class="fc-tl-stop fc-tl-inferred"') == 1  # LYBT, dashed
    assert 'class="fc-tl-silence"' in page and 'class="fc-tl-coverage"' in page


@pytest.mark.parametrize(
    "args, message",
    [
        (["--size", "big"], "--size big: expected WIDTHxHEIGHT"),
        (["--bbox", "20,45,19,44"], "--bbox 20,45,19,44: need south < north"),
        (["--fit", "planet:earth"], "--fit planet:earth: expected aircraft:HEX"),
        (["--fit", "claim:x"], "--fit claim:x: claims need --case CASE"),
    ],
)
def test_bad_figure_options_give_one_line_and_exit_2(tmp_path, args, message):
    res = CliRunner().invoke(
        main,
        ["map", *INPUTS, "-o", str(tmp_path / "m.html"), "--png", str(tmp_path / "m.png"), *args],
    )
    assert res.exit_code == 2 and message in res.output, res.output
    assert "Traceback" not in res.output and not (tmp_path / "m.html").exists()


@pytest.mark.browser
@pytest.mark.skipif(not Path(chromium_path()).is_file(), reason="no Chromium")
def test_map_png_framed_on_an_airport(tmp_path):
    from PIL import Image

    png = tmp_path / "lybt.png"
    res = CliRunner().invoke(
        main,
        [
            "map",
            *INPUTS,
            "-o",
            str(tmp_path / "m.html"),
            "--png",
            str(png),
            "--fit",
            "airport:LYBT",
            "--size",
            "900x600",
            "--caption",
            "Batajnica",
        ],
    )
    assert res.exit_code == 0, res.output
    assert Image.open(png).size == (900, 600)
