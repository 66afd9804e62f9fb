"""report.html of the bundled case, read as HTML: what a reader sees and where links lead."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from flightcheck.case.demo import demo

pytestmark = pytest.mark.slow  # the bundled case end to end


class _Page(HTMLParser):
    """Visible text, element ids and links of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.ids: set[str] = set()
        self.links: list[dict[str, str]] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.links.append(a)
        if tag in ("style", "script", "title"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script", "title"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "pack"
    demo(out)
    page = _Page()
    page.feed((out / "report.html").read_text())
    return out, page, " ".join(page.text)


def test_no_absolute_path_and_times_to_the_minute(pack):
    out, page, text = pack
    html = (out / "report.html").read_text()
    assert "/work/" not in html and "site-packages" not in html and str(out) not in html
    assert "sample_tracks/globe_history" not in text  # relative to the case folder
    assert "globe_history/2025/10/16/traces/75/trace_full_010075.json" in text
    # no millisecond ISO stamps for a reader (fix times cited in evidence texts keep seconds)
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:|\d\d:\d\d:\d\d\.\d", text), re.findall(
        r".{30}\d{4}-\d\d-\d\dT\d\d:.{10}", text
    )
    # the exact times stay in the markup for machines
    assert '<time datetime="2025-10-16T08:26:57.073Z">2025-10-16 08:26Z</time>' in html


def test_each_verdict_shows_window_aircraft_and_what_its_confidence_means(pack):
    _out, _page, text = pack
    assert "window: 2025-10-16 13:00Z – 2025-10-16 16:00Z" in text  # refuel-athens
    assert "aircraft: registered in EG, military addresses" in text  # landed-lybt
    assert "aircraft: 010075" in text
    assert "the time missing at the closest call" in text  # contradicted
    assert "0.00 by design" in text  # inconclusive
    assert "the confidence of the finding it rests on" in text  # supported


def test_inferred_stop_shows_its_arrival_and_departure_windows(pack):
    out, _page, _text = pack
    html = (out / "report.html").read_text()
    row = re.search(r'<tr id="stop-010075-LYBT-[^"]+">.*?</tr>', html, re.S).group(0)
    assert row.count("between") == 2 and "inferred" in row


def test_evidence_links_lead_to_rows_and_to_markers_on_the_map(pack):
    out, page, _text = pack
    map_html = (out / "map.html").read_text()
    registered = set(re.findall(r'registry\["([^"]+)"\]', map_html))
    inside = [a["href"][1:] for a in page.links if a["href"].startswith("#")]
    to_map = [a for a in page.links if a["href"].startswith("map.html#focus=")]
    assert len(inside) >= 6 and set(inside) <= page.ids
    assert "stop-010075-LYBT-20251016T082657" in inside
    assert to_map and all(a.get("target") == "fc-map" for a in to_map)
    focus = {a["href"].split("=", 1)[1] for a in to_map}
    stops = {f for f in focus if f.startswith(("stop-", "event-"))}
    assert stops and stops <= registered  # every stop/event link has its marker
    timeline = {a["href"].split("=", 1)[1] for a in to_map if "fc-tl-item" in a.get("class", "")}
    assert {f for f in timeline if f.startswith("stop-")} <= registered


def test_annotation_keeps_its_own_time_in_report_and_map(pack):
    out, _page, text = pack
    assert "suspected delivery 2025-10-16 10:00Z" in " ".join(text.split())
    map_html = (out / "map.html").read_text()
    assert "2025-10-16 10:00:00Z" in map_html  # the note's popup: 10:00, not 08:26
