"""The workbench end to end in Debian's Chromium (Playwright), with every request other than
to the workbench itself aborted and recorded: open a copy of the bundled case, pick the LYBT
stop, annotate it as a suspected delivery with a source URL, add a claim through the form,
re-verify, and check case.toml, the history, a reload and the verdict table.

Skipped only when no Chromium is installed (CI installs it: see .ci/run).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from serve_helpers import TOKEN, copy_case, serve_case

from flightcheck.case.model import load
from flightcheck.maps.browser import CHROMIUM_FLAGS, chromium_path

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(chromium_path()).is_file(),
        reason=f"no Chromium at {chromium_path()} (apt-get install chromium)",
    ),
]

SOURCE = "https://example.org/reports/batajnica-2025-10-16"


@pytest.fixture
def browser_page(tmp_path):
    from playwright.sync_api import sync_playwright

    case = copy_case(tmp_path)
    profile = tempfile.mkdtemp(prefix="flightcheck-chromium-")
    try:
        with serve_case(case) as served, sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile,
                executable_path=chromium_path(),
                headless=True,
                args=CHROMIUM_FLAGS,
                service_workers="block",
            )
            blocked: list[str] = []
            errors: list[str] = []

            def route(r):
                if r.request.url.startswith((served.origin + "/", "data:", "about:")):
                    r.continue_()
                else:
                    blocked.append(r.request.url)
                    r.abort()

            context.route("**/*", route)

            def open_page():
                page = context.new_page()
                page.set_viewport_size({"width": 1400, "height": 1000})
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.goto(f"{served.origin}/?token={TOKEN}", wait_until="load")
                page.wait_for_selector("body[data-map-ready='true']", timeout=30_000)
                return page

            page = open_page()
            page.open_another = open_page
            try:
                yield served, page, blocked, errors
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def _stop_row(page, aircraft: str, airport: str):
    return page.locator(
        f"#findings tr[data-type='stop'][data-aircraft='{aircraft}'][data-place='{airport}']"
    )


def test_annotate_claim_reverify_in_the_browser(browser_page):
    served, page, blocked, errors = browser_page
    case_path = served.case_path

    # a click on the map at the LYBT stop selects its row; another aircraft stopped there
    # too, so the table shows the stops at LYBT to pick from
    row = _stop_row(page, "010075", "LYBT")
    lat, lon = row.get_attribute("data-lat"), row.get_attribute("data-lon")
    # zoom to Batajnica and bring the inferred stop's marker to the front (three stops and
    # an annotation share that spot), then click it as a user would
    page.evaluate(f"""() => {{
        const win = document.getElementById('map').contentWindow;
        const map = Object.keys(win).filter(k => k.startsWith('map_'))
            .map(k => win[k]).find(v => v instanceof win.L.Map);
        map.setView([{lat}, {lon}], 16, {{animate: false}});
        map.eachLayer(l => {{
            if (l instanceof win.L.Marker && l._icon
                && l._icon.classList.contains('fc-stop-inferred')
                && Math.abs(l.getLatLng().lat - {lat}) < 1e-6
                && Math.abs(l.getLatLng().lng - {lon}) < 1e-6) {{
                l.setZIndexOffset(100000);
                l._icon.id = 'lybt-stop-marker';
            }}
        }});
    }}""")
    frame = page.frame_locator("#map")
    frame.locator("#lybt-stop-marker").click()
    page.wait_for_selector("#findings tr.selected")
    selected = page.locator("#findings tr.selected")
    assert (selected.get_attribute("data-aircraft"), selected.get_attribute("data-place")) == (
        "010075",
        "LYBT",
    )
    shown = page.locator("#findings tbody tr:not([hidden])")
    assert {shown.nth(i).get_attribute("data-place") for i in range(shown.count())} == {"LYBT"}
    assert "stops at LYBT" in page.locator("#message").inner_text()

    # annotate from the table's button
    row.locator(".annotate-button").click()
    form = page.locator("#annotate-form")
    form.wait_for(state="visible")
    assert "010075 at LYBT" in page.locator("#annotate-target").inner_text()
    form.locator("input[name=label]").fill("suspected delivery")
    form.locator("input[name=id]").fill("lybt-delivery")
    form.locator("textarea[name=note]").fill("Five hours on the ground, transponder off")
    form.locator("textarea[name=sources]").fill(SOURCE)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    page.wait_for_selector("body[data-map-ready='true']", timeout=30_000)

    # a claim through the form: first with a place that does not exist (shown, not written)
    claim = page.locator("#claim-form")
    claim.locator("input[name=id]").fill("landed-urumqi")
    claim.locator("select[name=kind]").select_option("stop")
    claim.locator("input[name=aircraft]").fill("010075")
    claim.locator("input[name=airport]").fill("Nowhereville")
    claim.locator("input[name=from]").fill("2025-10-15")
    claim.locator("input[name=to]").fill("2025-10-15")
    before = case_path.read_bytes()
    claim.locator("button[type=submit]").click()
    error = claim.locator(".error")
    expect(error).to_contain_text("no airport matches 'Nowhereville'")
    assert case_path.read_bytes() == before
    claim.locator("input[name=airport]").fill("ZWWW")
    with page.expect_navigation():
        claim.locator("button[type=submit]").click()

    # case.toml holds both, bound as `case annotate` binds
    case = load(case_path)
    note = next(a for a in case.annotations if a.id == "lybt-delivery")
    assert (note.label, note.airport, note.aircraft, note.sources, note.author) == (
        "suspected delivery",
        "LYBT",
        "010075",
        (SOURCE,),
        "tester",
    )
    added = next(c for c in case.claims if c.id == "landed-urumqi")
    assert (added.kind, added.airport, added.aircraft) == ("stop", "ZWWW", "010075")
    # the history records both
    whats = [e.what for e in served.bench.editor.history.entries()]
    assert whats == ["annotate lybt-delivery: suspected delivery", "claim landed-urumqi: stop"]

    # re-verify in the background; the page reloads when done
    verdict = page.locator("#verdicts tr[data-claim='landed-urumqi'] td.verdict")
    assert "not verified yet" in verdict.inner_text()
    with page.expect_navigation(timeout=120_000):
        page.locator("#verify-button").click()
    page.wait_for_selector("body[data-job-running='false']")
    verdict = page.locator("#verdicts tr[data-claim='landed-urumqi'] td.verdict")
    assert verdict.inner_text().startswith("supported") and "was new" in verdict.inner_text()

    # a reload shows the annotation (bound to the LYBT stop), the claim and the history
    page.reload()
    page.wait_for_selector("body[data-map-ready='true']", timeout=30_000)
    ann = page.locator("#annotations tr[data-annotation='lybt-delivery']").inner_text()
    assert "inferred stop of 010075 at LYBT" in ann and SOURCE in ann
    history = page.locator("#history tbody").inner_text()
    assert "annotate lybt-delivery" in history and "claim landed-urumqi" in history
    # the new annotation is on the map too
    assert frame.locator(".leaflet-marker-icon.fc-annotation").count() == 2

    # undo from the page takes the claim back out
    with page.expect_navigation():
        page.locator("#undo-button").click()
    assert [c.id for c in load(case_path).claims if c.id == "landed-urumqi"] == []

    # table, timeline and map are linked: a timeline bar selects its row, a row centres the
    # map on its stop
    page.wait_for_selector("body[data-map-ready='true']", timeout=30_000)
    zwww = _stop_row(page, "010075", "ZWWW")
    page.locator(f"#timeline [data-row='{zwww.get_attribute('id')}']").click()
    assert "selected" in zwww.get_attribute("class")
    assert page.locator("#findings tr.selected").count() == 1
    in_view = page.evaluate(f"""() => {{
        const win = document.getElementById('map').contentWindow;
        const map = Object.keys(win).filter(k => k.startsWith('map_'))
            .map(k => win[k]).find(v => v instanceof win.L.Map);
        return map.getBounds().contains([{zwww.get_attribute("data-lat")},
                                         {zwww.get_attribute("data-lon")}]);
    }}""")
    assert in_view
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    assert "ZWWW" in popup.inner_text()

    # the aircraft filter narrows the table and the map
    page.locator("#f-aircraft").select_option("010082")
    page.wait_for_selector("body[data-map-ready='true']", timeout=30_000)
    shown = page.locator("#findings tbody tr:not([hidden])")
    assert {shown.nth(i).get_attribute("data-aircraft") for i in range(shown.count())} == {"010082"}
    labels = frame.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert any(x.strip().startswith("010082") for x in labels)
    assert not any(x.strip().startswith("010075") for x in labels)

    # the refused claim's 400 is logged by Chromium as a failed load; nothing else may fail
    assert blocked == []
    assert [e for e in errors if "status of 400" not in e] == []


def test_two_tabs_conflict_is_asked_and_neither_edit_is_lost(browser_page):
    served, tab_a, blocked, errors = browser_page
    tab_b = tab_a.open_another()

    def annotate(page, aid: str, label: str) -> None:
        _stop_row(page, "010075", "ZWWW").locator(".annotate-button").click()
        form = page.locator("#annotate-form")
        form.locator("input[name=label]").fill(label)
        form.locator("input[name=id]").fill(aid)
        form.locator("button[type=submit]").click()

    with tab_a.expect_navigation():
        annotate(tab_a, "from-tab-a", "suspected delivery")
    asked: list[str] = []

    def on_dialog(dialog):
        asked.append(dialog.message)
        dialog.accept()  # apply on top of the current file

    tab_b.on("dialog", on_dialog)
    with tab_b.expect_navigation():
        annotate(tab_b, "from-tab-b", "cleared")
    assert len(asked) == 1 and "changed elsewhere" in asked[0]
    ids = [a.id for a in load(served.case_path).annotations]
    assert "from-tab-a" in ids and "from-tab-b" in ids
    assert [e.what for e in served.bench.editor.history.entries()] == [
        "annotate from-tab-a: suspected delivery",
        "annotate from-tab-b: cleared",
    ]
    assert blocked == []
    assert [e for e in errors if "status of 409" not in e] == []  # the conflict's own 409

    # removing an annotation from the page asks first, and undo brings it back
    tab_b.remove_listener("dialog", on_dialog)
    tab_b.once("dialog", lambda d: d.accept())
    with tab_b.expect_navigation():
        tab_b.locator("#annotations tr[data-annotation='from-tab-a'] .remove-button").click()
    assert "from-tab-a" not in [a.id for a in load(served.case_path).annotations]
    with tab_b.expect_navigation():
        tab_b.locator("#undo-button").click()
    assert "from-tab-a" in [a.id for a in load(served.case_path).annotations]
