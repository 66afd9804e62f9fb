"""Citation names (shortest unique path tails) equal the pairwise reference, and scale."""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from flightcheck.segment.evidence import Cite, SourceNames, short_names


def pairwise_short_names(names: list[str]) -> dict[str, str]:
    """The implementation before issue 15 (every path compared with every other): the
    reference the sort-based one must equal."""
    parts = {n: n.replace(os.sep, "/").split("/") for n in names}
    out = {}
    for n, p in parts.items():
        k = 1
        while k < len(p):
            tail = p[-k:]
            if not any(q[-k:] == tail for m, q in parts.items() if m != n):
                break
            k += 1
        out[n] = "/".join(p[-k:])
    return out


def archive_paths(days: int, aircraft: int, rng: np.random.Generator) -> list[str]:
    """readsb ``globe_history`` paths: the same trace file name on several days."""
    hexes = [f"{x:06x}" for x in rng.choice(0xFFFFFF, size=aircraft, replace=False)]
    return [
        f"/data/adsb/globe_history/2025/10/{15 + d:02d}/traces/{h[-2:]}/trace_full_{h}.json"
        for d in range(days)
        for h in hexes
        if rng.random() < 0.7
    ]


def test_archive_paths_named_as_before():
    rng = np.random.default_rng(1)
    names = archive_paths(3, 300, rng) + [
        "trace_full_010070.json",
        "/x/15/trace_full_0a.json",
        "a/b",
        "b",
        "",
        "/",
        "//b",
        "c/a/b",
        "a/b/",
    ]
    assert short_names(names) == pairwise_short_names(names)
    out = short_names(names)
    one_day = [n for n in names if "/2025/10/" in n and n.count("trace_full_") == 1]
    assert {out[n].count("/") for n in one_day} <= {0, 3}  # file name, or from the day on
    assert out["b"] == "b" and out["a/b"] == "a/b" and out["c/a/b"] == "c/a/b"


def test_duplicate_names_are_named_once():
    assert short_names(["x/a", "y/a", "x/a"]) == {"x/a": "x/a", "y/a": "y/a"}


segment = st.sampled_from(
    ["a", "b", "trace_full_010070.json", "15", "", "traces", "ab", "a\0", "\x01"]
)  # a NUL in a name: the other sort key
path = st.lists(segment, min_size=1, max_size=6).map("/".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(path, max_size=30))
def test_same_names_as_pairwise_comparison(names):
    assert short_names(names) == pairwise_short_names(names)


@settings(max_examples=200, deadline=None)
@given(st.lists(path, min_size=1, max_size=30, unique=True))
def test_names_are_tails_that_tell_files_apart(names):
    out = short_names(names)
    for n in names:
        assert n.split("/")[-out[n].count("/") - 1 :] == out[n].split("/")
    parts = [n.split("/") for n in names]
    for n, p in zip(names, parts, strict=True):
        k = out[n].count("/") + 1
        if k < len(p):  # not the whole path: no other path ends with this tail
            assert not any(q[-k:] == p[-k:] for q in parts if q is not p)


def test_a_day_of_trace_files_is_named_quickly():
    rng = np.random.default_rng(2)
    hexes = [f"{x:06x}" for x in rng.choice(0xFFFFFF, size=50_000, replace=False)]
    names = [
        f"/archive/globe_history/2025/10/{d}/traces/{h[-2:]}/trace_full_{h}.json"
        for d in (15, 16)
        for h in hexes
    ]
    t = time.perf_counter()
    out = short_names(names)
    assert time.perf_counter() - t < 5.0  # a guard only; benchmarks/citation_names.py measures
    assert len(out) == 100_000
    assert out[names[0]] == f"15/traces/{hexes[0][-2:]}/trace_full_{hexes[0]}.json"
    sample = names[:300] + names[50_000:50_300]
    assert {n: out[n] for n in sample} == {
        n: v for n, v in pairwise_short_names(names[:300] + names[50_000:50_300]).items()
    }


def test_citations_from_source_codes_equal_those_from_plain_sources():
    sources = ["/a/15/t.json", "/a/16/t.json", None, "/a/16/u.json", "/a/16/u.json"]
    column = pd.Series(sources, dtype="string[pyarrow]")
    rows = np.arange(1, 6)
    coded, plain = Cite(SourceNames(column), rows), Cite(np.array(sources, dtype=object), rows)
    assert (
        [coded.one(i) for i in range(5)]
        == [plain.one(i) for i in range(5)]
        == ["15/t.json row 1", "16/t.json row 2", "input row 3", "u.json row 4", "u.json row 5"]
    )
    assert [coded.ref(i) for i in range(5)] == [plain.ref(i) for i in range(5)]


def test_detect_names_the_files_once_per_table_not_once_per_piece(sample_tracks, monkeypatch):
    from flightcheck.segment import detect, evidence, pieces

    calls = []
    monkeypatch.setattr(
        evidence, "short_names", lambda names: calls.append(len(names)) or short_names(names)
    )
    whole = detect(sample_tracks, workers=1)
    assert len(calls) == 1
    monkeypatch.setattr(pieces, "PIECE_POINTS", 700)  # the samples in about 8 pieces
    calls.clear()
    cut = detect(sample_tracks, workers=1)
    assert calls == [len(set(sample_tracks.df["source"]))]
    pd.testing.assert_frame_equal(whole.stops, cut.stops)
    assert len(pieces.make_pieces(sample_tracks.df["icao24"], 1)) >= 6
