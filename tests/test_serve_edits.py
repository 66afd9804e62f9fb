"""Workbench edits without HTTP: any sequence of edits (valid or refused) undone one by one
walks case.toml back through exactly the bytes it had, and a refused edit writes nothing."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from serve_helpers import SAMPLES

from flightcheck.errors import FlightcheckError
from flightcheck.serve.edits import CaseEditor, Conflict
from flightcheck.serve.history import History

TIMES = ["2025-10-16T10:00:00Z", "2025-10-15T06:00:00Z", "not a time", "2025-10-16"]
AIRPORTS = ["LYBT", "Batajnica", "ZWWW", "Atlantis", ""]
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)

annotation = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["a1", "a2", "delivery-1", ""]),
        "label": text,
        "airport": st.sampled_from(AIRPORTS),
        "time": st.sampled_from(TIMES),
        "aircraft": st.sampled_from(["010075", "", "SU-BTX"]),
        "note": text,
        "sources": st.lists(text, max_size=3),
    }
)
claim = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["c1", "c2", "route-eg-cn-rs", ""]),
        "kind": st.sampled_from(["stop", "presence", "route", "landing"]),
        "aircraft": st.sampled_from(["010075", ""]),
        "airport": st.sampled_from(AIRPORTS),
        "route": st.sampled_from(["EG,CN,RS", "EG,,RS", ""]),
        "from": st.sampled_from(TIMES),
        "text": text,
    }
)
edits = st.lists(
    st.one_of(st.tuples(st.just("annotate"), annotation), st.tuples(st.just("claim"), claim)),
    min_size=1,
    max_size=6,
)


def _case() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="fc-serve-edits-"))
    shutil.copy(SAMPLES / "case.toml", folder / "case.toml")
    return folder / "case.toml"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits, text)
@example(  # a note with U+0085 (NEL): history lines were cut at it, and undo found nothing
    [
        (
            "annotate",
            {
                "id": "a1",
                "label": "0",
                "airport": "LYBT",
                "time": "2025-10-16T10:00:00Z",
                "aircraft": "010075",
                "note": "0\x850",
                "sources": [],
            },
        )
    ],
    "",
)
def test_undo_walks_back_through_every_state(sequence, who):
    path = _case()
    try:
        editor = CaseEditor(path)
        states = [path.read_bytes()]
        for action, fields in sequence:
            before = path.read_bytes()
            try:
                done = getattr(editor, action)(editor.current(), who, fields)
            except FlightcheckError:
                assert path.read_bytes() == before  # refused: nothing written
                continue
            if done.entry is not None:
                states.append(path.read_bytes())
                assert done.entry.who == who and done.entry.before == before.decode()
        event(f"edits applied: {len(states) - 1}")
        for expected in reversed(states[:-1]):
            editor.undo(editor.current(), "undoer")
            assert path.read_bytes() == expected
        assert History(path).undoable() is None
    finally:
        shutil.rmtree(path.parent)


def test_stale_base_is_refused_before_validation():
    path = _case()
    try:
        editor = CaseEditor(path)
        before = path.read_bytes()
        try:
            editor.claim("0" * 64, "x", {"id": "c", "kind": "stop"})
        except Conflict as exc:
            assert exc.current == editor.current()
        else:
            raise AssertionError("a stale hash must be a conflict")
        assert path.read_bytes() == before
    finally:
        shutil.rmtree(path.parent)


@given(st.integers(0, 10**15), st.one_of(st.none(), st.integers(0, 10**14)), st.booleans())
def test_bind_time_lies_inside_the_stop(start_us, dwell_us, open_start):
    """The time sent with 'Annotate' is a whole UTC second inside [arrival, departure]
    whenever one exists; for an open end, just after the arrival or before the departure."""
    import pandas as pd

    from flightcheck.serve.view import bind_time

    a = pd.Timestamp("2020-01-01", tz="UTC") + pd.Timedelta(microseconds=start_us)
    d = None if dwell_us is None else a + pd.Timedelta(microseconds=dwell_us)
    stop = {"arrival": None if open_start else a, "departure": d}
    if open_start and d is None:
        assert bind_time(stop) is None
        return
    when = pd.Timestamp(bind_time(stop))
    assert when == when.floor("s")
    lo = None if open_start else a
    if lo is not None and d is not None:
        if lo.ceil("s") <= d:
            assert lo <= when <= d
    elif lo is not None:
        assert lo <= when < lo + pd.Timedelta(seconds=1)
    else:
        assert d - pd.Timedelta(seconds=1) < when <= d
