"""The bundled case's evidence map in real Chromium (network cut off): airport scale around
Belgrade, markers that can each be clicked, one layer per aircraft, popups clear of the title.

Skipped only when no Chromium is installed (CI installs it: see .ci/run).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from flightcheck.case.demo import demo
from flightcheck.maps.browser import chromium_path, offline_browser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,  # the bundled case end to end
    pytest.mark.skipif(
        not Path(chromium_path()).is_file(),
        reason=f"no Chromium at {chromium_path()} (apt-get install chromium)",
    ),
]

VISIBLE_MARKERS = """() => Array.from(document.querySelectorAll('.leaflet-marker-icon.fc-marker'))
    .filter(e => e.offsetParent !== null).map(e => {
        const r = e.getBoundingClientRect();
        return {id: e.dataset.fcId, x: r.left + r.width / 2, y: r.top + r.height / 2,
                inView: r.right > 0 && r.bottom > 0 && r.left < innerWidth && r.top < innerHeight};
    })"""


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundled") / "pack"
    demo(out)
    with offline_browser() as browser:
        page = browser.open(out / "map.html", width=1280, height=800)
        page.wait_for_timeout(300)
        yield browser, page, out


def _default_view(page):
    page.evaluate("() => fcHome()")
    page.wait_for_selector(".leaflet-popup", state="detached")
    page.wait_for_timeout(100)


def test_no_errors_and_nothing_fetched(bundled):
    browser, _page, _out = bundled
    assert browser.errors == [] and browser.blocked == []


def test_no_two_marker_centres_within_10_px_at_the_default_view(bundled):
    _browser, page, _out = bundled
    _default_view(page)
    markers = [m for m in page.evaluate(VISIBLE_MARKERS) if m["inView"]]
    assert len(markers) >= 15
    close = [
        (a["id"], b["id"])
        for i, a in enumerate(markers)
        for b in markers[i + 1 :]
        if math.dist((a["x"], a["y"]), (b["x"], b["y"])) < 10
    ]
    assert close == []


def test_each_marker_click_opens_its_own_popup_clear_of_the_title(bundled):
    _browser, page, _out = bundled
    _default_view(page)
    checked = 0
    for m in page.evaluate(VISIBLE_MARKERS):
        if not m["inView"] or m["id"].startswith("note-"):
            continue
        hit = page.evaluate(
            "([x, y]) => { const e = document.elementFromPoint(x, y);"
            " const i = e && e.closest('.leaflet-marker-icon');"
            " return i ? i.dataset.fcId : (e ? e.className : null); }",
            [m["x"], m["y"]],
        )
        if hit != m["id"]:  # under the legend or title box at this view: not clickable
            assert "fc-" in str(hit) and "marker" not in str(hit), (m, hit)
            continue
        page.mouse.click(m["x"], m["y"])
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for(state="visible", timeout=5_000)
        kind, hex_ = m["id"].split("-")[:2]
        text = popup.inner_text()
        page.wait_for_timeout(400)  # the map pans the popup clear of the boxes
        assert re.search(rf"Aircraft\s+~?{hex_}\b", text), (m["id"], text)
        if kind == "stop":
            assert f"Stop at {m['id'].split('-')[2]}" in text
        overlap = page.evaluate("""() => {
            const p = document.querySelector('.leaflet-popup').getBoundingClientRect();
            const t = document.querySelector('.fc-title').getBoundingClientRect();
            return p.left < t.right && p.right > t.left && p.top < t.bottom && p.bottom > t.top;
        }""")
        assert not overlap, m["id"]
        _default_view(page)
        checked += 1
    assert checked >= 10


def test_zoom_11_over_belgrade_shows_runways_and_both_airports(bundled):
    _browser, page, _out = bundled
    page.evaluate("() => fcMap.setView([44.88, 20.28], 11, {animate: false})")
    page.wait_for_timeout(200)
    runways = page.evaluate("""() => Array.from(document.querySelectorAll('path.fc-runway'))
        .filter(p => getComputedStyle(p).display !== 'none').map(p => {
            const r = p.getBoundingClientRect();
            return r.width + r.height > 5 && r.left >= 0 && r.top >= 0
                && r.right <= innerWidth && r.bottom <= innerHeight; })
        .filter(Boolean).length""")
    assert runways >= 3  # LYBT 12L/30R and 12/30, LYBE 12L/30R and 12R/30L
    labels = page.evaluate("""() => Array.from(document.querySelectorAll('.fc-airport-label'))
        .filter(e => getComputedStyle(e).display !== 'none').map(e => {
            const r = e.getBoundingClientRect();
            return {text: e.innerText, box: [r.left, r.top, r.right, r.bottom]}; })""")
    by_code = {lab["text"].split()[0]: lab["box"] for lab in labels}
    assert {"LYBT", "LYBE"} <= set(by_code)
    assert "Belgrade Nikola Tesla Airport" in next(
        lab["text"] for lab in labels if lab["text"].startswith("LYBE")
    )
    a, b = by_code["LYBT"], by_code["LYBE"]
    assert a[3] <= b[1] or b[3] <= a[1] or a[2] <= b[0] or b[2] <= a[0]  # told apart
    designators = page.locator(".fc-runway-label:visible").all_inner_texts()
    assert {"12L", "30R"} <= set(designators)
    page.evaluate("() => fcMap.setZoom(5, {animate: false})")
    page.wait_for_timeout(200)
    assert (
        page.evaluate(
            "() => Array.from(document.querySelectorAll('path.fc-runway'))"
            ".filter(p => getComputedStyle(p).display !== 'none').length"
        )
        == 0
    )


def test_hiding_an_aircraft_hides_its_track_stops_events_and_silences(bundled):
    _browser, page, _out = bundled
    _default_view(page)
    count = """() => ({
        markers: document.querySelectorAll('.leaflet-marker-icon.fc-ac-0').length,
        legs: Array.from(document.querySelectorAll('path.fc-leg'))
            .filter(p => p.getAttribute('stroke') === '#1f77b4').length,
        silences: Array.from(document.querySelectorAll('path.fc-silent'))
            .filter(p => p.getAttribute('stroke') === '#1f77b4').length,
        gaps: document.querySelectorAll('path.fc-gap-area').length,
        others: document.querySelectorAll('.leaflet-marker-icon.fc-ac-1').length})"""
    before = page.evaluate(count)
    assert before["markers"] >= 5 and before["legs"] >= 4 and before["silences"] >= 2
    assert before["gaps"] >= 1 and before["others"] >= 1
    box = page.locator(".leaflet-control-layers-overlays label", has_text="010075 SU-BTX")

    def toggle():
        page.hover(".leaflet-control-layers")  # the control unfolds on hover, as for a user
        page.wait_for_timeout(150)  # (Leaflet ignores a click in the same instant)
        box.locator("input").click()
        page.wait_for_timeout(150)

    toggle()
    assert not box.locator("input").is_checked()
    after = page.evaluate(count)
    assert after["markers"] == after["legs"] == after["silences"] == 0
    assert after["gaps"] < before["gaps"] and after["others"] == before["others"]
    toggle()
    assert page.evaluate(count) == before


def test_every_report_link_focuses_the_map(bundled):
    browser, _page, out = bundled
    page = browser.context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto((out / "report.html").as_uri())
    frame = page.frame(name="fc-map")
    frame.wait_for_function("() => window.fcMap !== undefined")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280  # no page-wide table
    links = page.locator("a[href^='map.html#focus=']")
    n = links.count()
    assert n >= 20
    focused = 0
    for i in range(n):
        link = links.nth(i)
        fid = link.get_attribute("href").split("=", 1)[1]
        if "fc-tl-item" in (link.get_attribute("class") or ""):
            link.dispatch_event("click")  # timeline: a silence can lie under its inferred stop
        else:
            link.click()
        frame.wait_for_function("() => document.querySelector('.leaflet-popup-content')")
        outlined = page.evaluate(
            "() => Array.from(document.querySelectorAll('.fc-tl-focus'))"
            ".map(e => e.getAttribute('data-fc-id'))"
        )
        assert outlined in ([fid], []), (fid, outlined)  # [] when it is not on the timeline
        if fid.startswith("stop-"):
            assert outlined == [fid]
        text = frame.locator(".leaflet-popup-content").inner_text()
        kind = fid.split("-")[0]
        if kind == "stop":
            assert f"Stop at {fid.split('-')[2]}" in text, (fid, text)
            assert frame.evaluate("() => fcMap.getZoom()") >= 10
        elif kind == "gap":
            assert "Silent for" in text, (fid, text)
        else:
            assert fid.split("-")[2] in text.lower().replace("-", ""), (fid, text)
        frame.evaluate("() => { fcMap.closePopup(); history.replaceState(null, '', '#'); }")
        frame.wait_for_selector(".leaflet-popup", state="detached")
        focused += 1
    assert focused == n
    assert browser.errors == []
    page.close()
