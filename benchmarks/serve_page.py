"""The workbench's page load: time and bytes for the bundled case and a generated N-fix case.

For each case: the background verification (s), then over HTTP on 127.0.0.1 the page
(``/``), the map (``/map``, first request renders it, the second is cached) and the static
script and stylesheet: seconds and bytes each, and in all; then, when Chromium is installed,
the time from navigation until the map is hooked up in the browser (``data-map-ready``).
The N-fix case is a generated fleet (benchmarks/stops_gen.py, tiled with new addresses as in
stops_speed.py) written as one CSV input.

Usage: python benchmarks/serve_page.py [N_FIXES]   (default 1000000)
"""

from __future__ import annotations

import http.client
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from flightcheck.samples import sample_tracks_dir  # noqa: E402
from flightcheck.serve import Settings, create_app, running  # noqa: E402

TOKEN = "bench"


def _get(port: int, path: str) -> tuple[float, int]:
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("GET", f"{path}{'&' if '?' in path else '?'}token={TOKEN}")
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    assert resp.status == 200, (path, resp.status)
    return time.perf_counter() - start, len(body)


def _browser(port: int) -> float | None:
    from flightcheck.maps.browser import CHROMIUM_FLAGS, chromium_path

    if not Path(chromium_path()).is_file():
        return None
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp()
    try:
        with sync_playwright() as pw:
            ctx = pw.chromium.launch_persistent_context(
                profile, executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS
            )
            page = ctx.new_page()
            start = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/?token={TOKEN}", wait_until="load")
            page.wait_for_selector("body[data-map-ready='true']", timeout=600_000)
            took = time.perf_counter() - start
            ctx.close()
            return took
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def measure(label: str, case: Path) -> None:
    start = time.perf_counter()
    app = create_app(Settings(case_path=case, token=TOKEN, author="bench"))
    bench = app.app.state.bench
    with running(app) as sock:
        port = sock.getsockname()[1]
        bench.jobs.wait()
        verified = time.perf_counter() - start
        assert bench.jobs.snapshot()["error"] is None, bench.jobs.snapshot()
        n = len(bench.jobs.analysis.tracks)
        page_s, page_b = _get(port, "/")
        map_s, map_b = _get(port, "/map")
        map2_s, _ = _get(port, "/map")
        js_s, js_b = _get(port, "/static/app.js")
        css_s, css_b = _get(port, "/static/app.css")
        total_b = page_b + map_b + js_b + css_b
        total_s = page_s + map_s + js_s + css_s
        browser = _browser(port)
    print(
        f"{label}: {n:,} fixes, {len(bench.jobs.analysis.routes)} aircraft; verify "
        f"{verified:.2f} s; page {page_s:.2f} s {page_b / 1e3:,.0f} kB, map {map_s:.2f} s "
        f"(cached {map2_s:.3f} s) {map_b / 1e6:.2f} MB, script+style {js_b + css_b:,} B; "
        f"first load {total_s:.2f} s, {total_b / 1e6:.2f} MB sent"
        + (f"; Chromium to map ready {browser:.2f} s" if browser is not None else "")
    )


def generated_case(n: int, folder: Path) -> Path:
    import pandas as pd
    from stops_speed import table

    from flightcheck.case import add, init

    df = table(n)
    codes, _ = pd.factorize(df["icao24"])  # the tiled copies' addresses, as valid 6-hex ones
    df["icao24"] = [f"{0x100000 + c:06x}" for c in codes]
    df["time"] = df["time"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    keep = [
        c
        for c in (
            "time",
            "icao24",
            "callsign",
            "registration",
            "typecode",
            "lat",
            "lon",
            "alt_ft",
            "on_ground",
            "gs_kt",
            "track_deg",
            "vrate_fpm",
        )
        if c in df
    ]
    df[keep].to_csv(folder / "fleet.csv", index=False)
    path = init(folder, title=f"Generated fleet, {n:,} fixes")
    add(path, [folder / "fleet.csv"])
    return path


def main(n: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="fc-serve-bench-"))
    try:
        shutil.copytree(sample_tracks_dir(), tmp / "sample")
        measure("bundled case", tmp / "sample" / "case.toml")
        (tmp / "big").mkdir()
        measure(f"generated {n:,}-fix case", generated_case(n, tmp / "big"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
