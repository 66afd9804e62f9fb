"""Evidence maps: self-contained HTML, escaping, legs, silences and simplification.

The findings are built by hand here (an Egyptian Il-76 flying HECW → LYBT with an inferred
stop, a go-around and a long silence) so these tests check the map, not the stop engine.
"""

from __future__ import annotations

import re
import types

import numpy as np
import pandas as pd
import pytest

from flightcheck.maps import build_map, remote_references, render_html, save_map
from flightcheck.maps.assets import RemoteReferenceError, check_offline
from flightcheck.maps.geometry import observed_pieces, reach_ellipse, track_lines
from flightcheck.track.provenance import InputRecord
from flightcheck.track.tracks import Tracks

XSS_CALLSIGN = "<img src=x onerror=alert(1)>"
ODD_REGISTRATION = "SU-\"'&"
T0 = pd.Timestamp("2025-10-05T06:00:00Z")


def _leg(lat0, lon0, lat1, lon1, start_s, n, step_s=30.0):
    return (np.linspace(lat0, lat1, n), np.linspace(lon0, lon1, n), start_s + step_s * np.arange(n))


def il76_tracks() -> Tracks:
    """HECW (Cairo West) → climb out → silence over the Mediterranean → LYBT (Batajnica),
    then LYBT → back towards Egypt. Callsign and registration carry HTML-hostile text."""
    a = _leg(30.116, 30.915, 34.0, 28.0, 0.0, 400)  # HECW → north, 3 h 20 min
    b = _leg(41.5, 22.0, 44.8, 20.4, 6 * 3600.0, 200)  # after a 2 h 40 silence,
    c = _leg(44.9, 20.3, 38.0, 25.0, 12 * 3600.0, 300)  # lost low near LYBT; south
    lat, lon, t = (np.concatenate(x) for x in zip(a, b, c, strict=True))
    n = len(t)
    df = pd.DataFrame(
        {
            "time": (T0 + pd.to_timedelta(t, unit="s")).as_unit("ns"),
            "icao24": "010075",
            "kind": "aircraft",
            "callsign": XSS_CALLSIGN,
            "registration": ODD_REGISTRATION,
            "typecode": "IL76",
            "lat": lat,
            "lon": lon,
            "alt_ft": 30000.0,
            "gs_kt": 420.0,
            "source": "/data/trace_full_010075.json",
            "row": np.arange(1, n + 1),
        }
    )
    rec = InputRecord(
        "/data/trace_full_010075.json", "ab" * 32, 12345, format="readsb-trace", points=n
    )
    return Tracks(df, inputs=[rec])


def il76_findings() -> types.SimpleNamespace:
    stops = pd.DataFrame(
        [
            {
                "icao24": "010075",
                "airport": "HECW",
                "airport_name": "Cairo West Air Base",
                "country": "EG",
                "lat": 30.116,
                "lon": 30.915,
                "arrival": None,
                "departure": T0,
                "arrival_window": None,
                "departure_window": None,
                "dwell_s": None,
                "kind": "observed",
                "confidence": 0.95,
                "runway": "16",
                "evidence": ["ground points at HECW rows 1-3"],
                "rows": ["trace_full_010075.json:1"],
            },
            {
                "icao24": "010075",
                "airport": "LYBT",
                "airport_name": "Batajnica <Air> \"Base\" & 'x'",
                "country": "RS",
                "lat": 44.935,
                "lon": 20.258,
                "arrival": None,
                "departure": None,
                "arrival_window": [
                    T0 + pd.Timedelta(hours=7, minutes=45),
                    T0 + pd.Timedelta(hours=7, minutes=55),
                ],
                "departure_window": [
                    T0 + pd.Timedelta(hours=11, minutes=30),
                    T0 + pd.Timedelta(hours=11, minutes=40),
                ],
                "dwell_s": 4 * 3600.0,
                "kind": "inferred",
                "confidence": 0.7,
                "runway": None,
                "evidence": ["last fix 1,200 ft descending 3 km from runway 12 (row 600)"],
                "rows": ["trace_full_010075.json:600", "trace_full_010075.json:601"],
            },
        ]
    )
    events = pd.DataFrame(
        [
            {
                "icao24": "010075",
                "kind": "go_around",
                "airport": "LYBT",
                "time": T0 + pd.Timedelta(hours=6, minutes=50),
                "lat": 43.8,
                "lon": 20.9,
                "evidence": ["climbed 900 ft after descending to 600 ft AGL (row 520)"],
            },
        ]
    )
    gaps = pd.DataFrame(
        [
            {
                "icao24": "010075",
                "start": T0 + pd.Timedelta(seconds=399 * 30),
                "end": T0 + pd.Timedelta(hours=6),
                "duration_s": 6 * 3600.0 - 399 * 30,
                "distance_km": 990.0,
                "direct_s": 4580.0,
                "unaccounted_s": 5050.0,
                "explained_by": None,
                "candidates": [
                    {
                        "airport": "LGAV",
                        "airport_name": "Athens <script>",
                        "country": "GR",
                        "distance_km": 420.0,
                    }
                ],
                "evidence": "silent 2 h 40 min",
                "rows": ["trace_full_010075.json:400"],
            },
        ]
    )
    return types.SimpleNamespace(stops=stops, events=events, gaps=gaps)


@pytest.fixture(scope="module")
def il76_html(tmp_path_factory):
    m = build_map(
        il76_tracks(),
        il76_findings(),
        annotations=[
            {
                "lat": 40.0,
                "lon": 25.0,
                "title": "Note ${alert(3)}",
                "text": "</script><script>alert(2)</script> `x`",
            }
        ],
        title="Il-76 010075 <October>",
    )
    path = save_map(m, tmp_path_factory.mktemp("map") / "il76.html")
    return m, path, path.read_text("utf-8")


def test_saved_map_references_nothing_outside_itself(il76_html):
    _m, path, html = il76_html
    assert remote_references(html) == []
    assert "cdn.jsdelivr" not in html and "<script src=" not in html
    assert path.stat().st_size < 3_000_000
    assert 't.version="1.9.3"' in html  # Leaflet is inlined, not fetched


def test_offline_check_catches_every_kind_of_remote_reference():
    page = "<html><head>{}</head><body></body></html>"
    for bad in [
        '<script src="https://cdn.example/x.js"></script>',
        '<link rel="stylesheet" href="//cdn.example/x.css">',
        "<style>.a { background: url('https://tile.example/1.png') }</style>",
        "<style>@import 'x.css';</style>",
        '<div style="background-image:url(http://x/y.png)"></div>',
        '<img src="images/marker.png">',
    ]:
        assert remote_references(page.format(bad)), bad
        with pytest.raises(RemoteReferenceError):
            check_offline(page.format(bad))
    fine = (
        "<style>.a { background: url(data:image/png;base64,AAAA) }</style>"
        '<a href="https://leafletjs.com">Leaflet</a><script>var u = "https://x";</script>'
    )
    assert remote_references(page.format(fine)) == []


def test_text_from_inputs_and_annotations_is_escaped(il76_html):
    _m, _path, html = il76_html
    body = html.split("</head>", 1)[1]
    assert XSS_CALLSIGN not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in body  # title block, as text
    assert "SU-&#34;&#39;&amp;" in body or "SU-&quot;&#x27;&amp;" in body
    assert "<script>alert(2)" not in html and "</script><script>" not in html
    assert "Il-76 010075 &lt;October&gt;" in html
    # popups reach Leaflet as JSON strings, never JavaScript template literals
    assert "$(`" not in html
    popups = re.findall(r'bindPopup\("((?:[^"\\]|\\.)*)"', html)
    assert len(popups) >= 6 and all("<" not in p for p in popups)


def test_legs_silences_and_markers(il76_html):
    m, _path, html = il76_html
    lines = m.flightcheck_lines
    # legs: HECW → LYBT (with its 40 min silence) and LYBT → (data ends in the air)
    assert sorted(lines.observed) == [0, 1]
    assert len(lines.observed[0]) == 3  # before the silence, split at the go-around, after
    silent = lines.silent[0]
    assert [[34.0, 28.0], [41.5, 22.0]] in silent  # the silence itself
    assert silent[-1][1] == [44.935, 20.258]  # last fix → inferred stop at LYBT
    assert lines.silent[1][0][0] == [44.935, 20.258]  # inferred stop → first fix
    assert html.count('"className": "fc-leg fc-observed"') == 2
    assert html.count('"className": "fc-leg fc-silent"') == 2
    assert html.count("fc-marker fc-stop fc-stop-observed") == 1
    assert html.count("fc-marker fc-stop fc-stop-inferred") == 1
    assert html.count('"className": "fc-marker fc-event fc-ac-0"') == 1  # aircraft colour
    assert html.count('"className": "fc-gap-area"') == 1
    assert html.count('"className": "fc-candidate"') == 1  # LGAV, placed from OurAirports
    assert "EG → RS" in html and "sha256 " + "ab" * 32 in html


def test_observed_pieces_split_at_silences_legs_and_kept_points():
    t = np.array([0, 10, 20, 1000, 1010, 1020, 1030, 5000, 5010], dtype=float)
    group = np.array([0, 0, 0, 0, 0, 0, 0, 1, 1])
    keep = np.zeros(9, dtype=bool)
    keep[5] = True
    index, piece = observed_pieces(t, group, keep, silent_s=300)
    assert index.tolist() == [0, 1, 2, 3, 4, 5, 5, 6, 7, 8]
    assert piece.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 3, 3]


def test_simplification_keeps_silence_ends_and_events_within_budget():
    rng = np.random.default_rng(7)
    n = 200_000
    t = np.arange(n, dtype=float)
    t[120_000:] += 3600.0  # one silence
    lat = 30 + np.cumsum(rng.normal(0, 2e-4, n))
    lon = 30 + np.cumsum(rng.normal(3e-4, 2e-4, n))
    group = (np.arange(n) >= 150_000).astype(np.int64)  # two legs
    keep = np.zeros(n, dtype=bool)
    keep[77_777] = True
    out = track_lines(t, lat, lon, group, keep, silent_s=300, budget=5_000)
    assert out.tolerance_deg > 0 and out.vertices <= 5_000 + 2
    verts = {tuple(p) for lines in out.observed.values() for line in lines for p in line}
    for i in (0, 77_777, 119_999, 120_000, 149_999, 150_000, n - 1):
        assert (round(lat[i], 5), round(lon[i], 5)) in verts, i
    assert out.silent[0] == [
        [
            [round(lat[119_999], 5), round(lon[119_999], 5)],
            [round(lat[120_000], 5), round(lon[120_000], 5)],
        ]
    ]


def test_reach_ellipse_contains_the_straight_path_and_respects_the_reach():
    ring = np.array(reach_ellipse(30.0, 31.0, 45.0, 20.0, 3000.0))
    assert ring.shape == (72, 2)
    from flightcheck.geo import haversine_km as _haversine_km

    total = _haversine_km(30.0, 31.0, ring[:, 0], ring[:, 1]) + _haversine_km(
        ring[:, 0], ring[:, 1], 45.0, 20.0
    )
    assert np.allclose(total, 3000.0, atol=2.0)
    assert reach_ellipse(30.0, 31.0, 45.0, 20.0, 1000.0) is None  # less than the distance


def test_map_without_findings_and_api_returns_folium_map():
    import folium

    tracks = il76_tracks()
    empty = types.SimpleNamespace(stops=pd.DataFrame(), events=pd.DataFrame(), gaps=pd.DataFrame())
    m = build_map(tracks.df, empty)
    assert isinstance(m, folium.Map)
    html = render_html(m)
    assert html.count('"className": "fc-leg fc-observed"') == 1
    assert remote_references(html) == []


def test_stop_popup_cites_rows_by_file_name_and_gives_local_time():
    from flightcheck.maps.popups import stop_popup
    from flightcheck.maps.surroundings import time_zone

    stop = {
        "icao24": "010075",
        "airport": "LYBT",
        "kind": "inferred",
        "lat": 44.935,
        "lon": 20.258,
        "arrival": "2025-10-16T08:26:57.073Z",
        "arrival_window": ["2025-10-16T08:26:02Z", "2025-10-16T13:09:51Z"],
        "rows": [{"source": "/venv/site-packages/x/16/traces/trace_full_010075.json", "row": 671}],
    }
    zone = time_zone(44.935, 20.258)
    assert zone == "Europe/Belgrade"
    html = stop_popup(
        stop,
        {
            "/venv/site-packages/x/16/traces/trace_full_010075.json": "16/traces/trace_full_010075.json"  # noqa: E501
        },
        zone,
    )
    assert "16/traces/trace_full_010075.json row 671" in html
    assert "site-packages" not in html and "{" not in html and "&#x27;row" not in html
    assert "2025-10-16 08:26:57Z (10:26 local, Europe/Belgrade)" in html  # CEST, UTC+2
    assert "Arrival window" in html and "15:09 local" in html
    assert time_zone(35.0, -40.0) is None  # mid-Atlantic


def test_annotation_popup_shows_its_own_time_not_the_stops():
    from flightcheck.case.pack import markers

    bound = [
        {
            "id": "n1",
            "label": "delivery",
            "note": "off on the ground",
            "lat": 44.9,
            "lon": 20.2,
            "bound": "inferred stop",
            "arrival": "2025-10-16T08:26:57Z",
            "time": "2025-10-16T10:00:00Z",
            "icao24": "010075",
        }
    ]
    (note,) = markers(bound)
    assert note["time"] == "2025-10-16T10:00:00Z"


def test_map_silences_follow_the_findings_settings(sample_tracks):
    """Fixes further apart than the findings' ``leg_covered_gap_s`` are drawn dashed: a
    shorter coverage gap gives more silent stretches, and an explicit ``silent_s`` wins."""
    from flightcheck.segment import detect
    from flightcheck.settings import DEFAULT

    one = sample_tracks.aircraft("010075")

    def silent(seg, **options) -> int:
        m = build_map(one, seg, reference=False, **options)
        return sum(len(v) for v in m.flightcheck_lines.silent.values())

    base = detect(one, workers=1)
    fine = detect(one, workers=1, settings=DEFAULT.replace(leg_covered_gap_s=30))
    assert silent(fine) > silent(base) >= 1
    assert silent(fine, silent_s=DEFAULT.leg_covered_gap_s) == silent(base)
