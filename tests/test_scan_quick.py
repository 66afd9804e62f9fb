"""The scan's clean-trace shortcut answers exactly what the full read would, or not at all."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pytest

from flightcheck.errors import InputError
from flightcheck.io.containers import load
from flightcheck.io.context import ReadOptions
from flightcheck.scan import files_read
from flightcheck.scan.files_read import full_table, read_batch
from flightcheck.scan.partitions import discover
from flightcheck.scan.phase1 import spans
from flightcheck.scan.prefilter import RADIUS_KM, resolve
from flightcheck.scan.trace_quick import quick_trace

SAMPLES = Path(__file__).resolve().parents[1] / "sample_tracks"
AIRPORTS = resolve(["LYBT", "ZWWW"])
LYBT = (44.935299, 20.2575)
T0 = 1_760_486_400


def _full(path: Path, skip_bad: bool):
    """(icao24 list, int64 ns times, raw near) of the full path, or the InputError."""
    from flightcheck.io.read import read_frame

    try:
        frame, ctx, _, _, _ = read_frame(str(path), ReadOptions(skip_bad=skip_bad))
        table = full_table(frame, ctx, time_ordered=True)
    except InputError as exc:
        return exc
    near = files_read._raw_near(frame, AIRPORTS, RADIUS_KM).any()
    return table["icao24"].tolist(), table["time"].array.asi8, bool(near)


def _quick(path: Path):
    data, _ = load(path)  # plain or gzip, as the scan reads it
    return quick_trace(data, AIRPORTS, RADIUS_KM)


def _assert_same(path: Path) -> None:
    got = _quick(path)
    assert got is not None, path
    for skip_bad in (False, True):
        want = _full(path, skip_bad)
        assert not isinstance(want, InputError), (path, want)
        hexes, t, near = want
        assert set(hexes) <= {got.icao24}
        assert np.array_equal(got.t_ns, t)
        assert got.near is near


def _trace(**changes) -> dict:
    """A clean 14-element trace approaching LYBT (the last points on the ground)."""
    n = 40
    frac = np.linspace(0, 1, n).tolist()
    points = []
    for i in range(n):
        alt = "ground" if i >= n - 3 else int(20000 * (1 - frac[i]))
        detail = {"flight": "MSX101  ", "squawk": "7001"} if i % 4 == 0 else None
        points.append(
            [
                round(i * 15.0, 2),
                LYBT[0] + 1.5 * (1 - frac[i]),
                LYBT[1] + 1.5 * (1 - frac[i]),
                alt,
                250.0,
                225.0,
                0,
                -1200,
                detail,
                "adsb_icao",
                None,
                None,
                None,
                None,
            ]
        )
    doc = {"icao": "010075", "r": "SU-BTX", "t": "IL76", "timestamp": T0, "trace": points}
    doc.update(changes)
    return doc


def _write(tmp_path: Path, doc: dict, name: str = "trace_full_010075.json") -> Path:
    path = tmp_path / name
    path.write_bytes(gzip.compress(orjson.dumps(doc)))
    return path


def test_sample_traces_take_the_shortcut_with_the_full_reads_answer():
    paths = sorted(SAMPLES.rglob("trace_full_*.json"))
    assert len(paths) >= 4
    for path in paths:
        _assert_same(path)


def _far(doc: dict) -> dict:
    """The same flight 2,000 km east of the airports."""
    for p in doc["trace"]:
        p[2] += 25.0
    return doc


@pytest.mark.parametrize(
    "edit",
    [
        "clean",
        "far",
        "nine_elements",
        "geometric_alt_high",
        "detail_not_object",
        "flags_null",
        "fifteen_elements",
        "tilde_address",
        "flags_text",
    ],
)
def test_clean_variants_match_the_full_read(tmp_path, edit):
    doc = _trace()
    if edit == "far":
        doc = _far(doc)
    elif edit == "nine_elements":
        doc["trace"] = [p[:9] for p in doc["trace"]]
    elif edit == "geometric_alt_high":  # flag bit 8: altitude is geometric, barometric unknown
        doc = _far(doc)
        for p in doc["trace"]:
            p[2] -= 25.0
            p[3], p[6] = 39000, 8
    elif edit == "detail_not_object":
        doc["trace"][4][8] = "oops"
    elif edit == "flags_null":
        doc["trace"][5][6] = None
    elif edit == "fifteen_elements":
        doc["trace"] = [p + ["rx1"] for p in doc["trace"]]
    elif edit == "tilde_address":
        doc["icao"] = "~2a01f0"
    elif edit == "flags_text":  # the reader reads the flags as unknown and keeps the point
        doc["trace"][5][6] = "x"
    path = _write(tmp_path, doc)
    _assert_same(path)
    got = _quick(path)
    assert got.near is (edit not in ("far",))


@pytest.mark.parametrize(
    "edit",
    [
        "lat_text",
        "lat_bool",
        "lat_null",
        "lat_out_of_range",
        "alt_text",
        "alt_bool",
        "short",
        "not_list",
        "backwards",
        "timestamp_text",
        "address_not_hex",
        "truncated",
        "future",
        "gs_out_of_range",
        "alt_out_of_range",
        "vrate_out_of_range",
        "detail_alt_geom_out_of_range",
    ],
)
def test_anything_unclean_is_left_to_the_full_read(tmp_path, edit):
    doc = _far(_trace())
    points = doc["trace"]
    if edit == "lat_text":
        points[3][1] = "44.9"
    elif edit == "lat_bool":
        points[3][1] = True
    elif edit == "lat_null":
        points[3][1] = None
    elif edit == "lat_out_of_range":
        points[3][1] = 95.0
    elif edit == "alt_text":
        points[3][3] = "high"
    elif edit == "alt_bool":
        points[3][3] = False
    elif edit == "short":
        points[3] = points[3][:6]
    elif edit == "not_list":
        points[3] = {"dt": 1}
    elif edit == "backwards":
        points[3][0] = 1.0
    elif edit == "timestamp_text":
        doc["timestamp"] = str(T0)
    elif edit == "address_not_hex":
        doc["icao"] = "Z10075"
    elif edit == "future":  # the track table's time bounds: now + 1 day
        doc["timestamp"] = int(time.time()) + 3 * 86_400
    elif edit == "gs_out_of_range":  # the track table's VALUE_RANGES
        points[3][4] = 1e6
    elif edit == "alt_out_of_range":
        points[3][3] = 9e9
    elif edit == "vrate_out_of_range":
        points[3][7] = -1e9
    elif edit == "detail_alt_geom_out_of_range":  # alt_geom_ft from the detail object
        points[4][8] = {"alt_geom": 1e7}
    data = orjson.dumps(doc)
    if edit == "truncated":
        data = data[:-40]
    assert quick_trace(data, AIRPORTS, RADIUS_KM) is None
    if edit not in ("truncated", "address_not_hex"):  # a bad record: the full read reports it
        assert isinstance(_full(_write(tmp_path, doc), skip_bad=False), InputError)


def test_a_future_trace_is_clean_when_the_scan_allows_future_times(tmp_path):
    doc = _far(_trace(timestamp=int(time.time()) + 3 * 86_400))
    path = _write(tmp_path, doc)
    assert _quick(path) is None
    data, _ = load(path)
    got = quick_trace(data, AIRPORTS, RADIUS_KM, ReadOptions(allow_future=True))
    assert got is not None and got.near is False
    from flightcheck.io.read import read_frame

    frame, ctx, _, _, _ = read_frame(str(path), ReadOptions(allow_future=True))
    table = full_table(frame, ctx, time_ordered=True)
    assert np.array_equal(got.t_ns, table["time"].array.asi8)


def test_read_batch_is_the_same_with_and_without_the_shortcut(tmp_path, monkeypatch):
    root = tmp_path / "globe_history/2025/10/15/traces"
    docs = {
        "0100aa": _trace(icao="0100aa"),
        "0100bb": _far(_trace(icao="0100bb")),
        "0100cc": _far(_trace(icao="0100cc")),
    }
    docs["0100cc"]["trace"][7][1] = "bad"  # a bad point: the full path drops and counts it
    for hexid, doc in docs.items():
        (root / hexid[-2:]).mkdir(parents=True)
        _write(root / hexid[-2:], doc, f"trace_full_{hexid}.json")
    (root / "dd").mkdir()
    (root / "dd/trace_full_0100dd.json").write_bytes(gzip.compress(b'{"icao":"0100dd","tr'))
    paths = [str(tmp_path), str(SAMPLES / "globe_history"), str(SAMPLES / "readsb")]
    since = pd.Timestamp("2025-10-14T12:00Z").to_pydatetime()

    def phase1(shortcut: bool):
        if not shortcut:
            monkeypatch.setattr(files_read, "_shortcut", lambda *a: None)
        out = [
            read_batch(part, ReadOptions(skip_bad=True), AIRPORTS, since, None, RADIUS_KM)
            for part in discover(paths)
        ]
        monkeypatch.undo()
        return out

    quick, full = phase1(True), phase1(False)
    assert len(quick) == len(full) >= 3
    for q, f in zip(quick, full, strict=True):
        pd.testing.assert_frame_equal(q.fixes, f.fixes)
        pd.testing.assert_frame_equal(spans(q.others), spans(f.others))
        assert (q.points, q.bad, q.not_track) == (f.points, f.bad, f.not_track)
    assert sum(len(q.bad) for q in quick) == 1
    assert any(len(q.fixes) and (q.fixes["icao24"] == "0100aa").any() for q in quick)
