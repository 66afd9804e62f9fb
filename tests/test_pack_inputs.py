"""The manifest finds how each case input was read with one look-up per input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from flightcheck.case.pack import read_records
from flightcheck.track.provenance import InputRecord
from flightcheck.track.tracks import Tracks


def looped(tracks: Tracks, path: Path) -> dict:
    """The implementation before issue 15: every read input compared with the path."""
    for rec in tracks.inputs:
        if Path(rec.path).resolve() == path.resolve():
            return {
                "format": rec.format,
                "points": rec.points,
                "dropped": dict(rec.dropped),
                "flagged": dict(rec.flagged),
            }
    why = next((w for p, w in tracks.skipped if Path(p).resolve() == path.resolve()), None)
    return {"format": None, "points": 0, "skipped": why}


def test_records_found_as_by_comparing_every_input(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    inputs = []
    for i in range(300):
        rec = InputRecord(
            path=f"day/{i % 7}/trace_{i}.json"
            if i % 2
            else str(tmp_path / "day" / str(i % 7) / f"trace_{i}.json"),
            sha256="0" * 64,
            size=10,
        )
        rec.format, rec.points, rec.dropped = "readsb-trace", i, {"duplicate": i % 3}
        inputs.append(rec)
    inputs.append(InputRecord(path="day/1/trace_1.json", sha256="1" * 64, size=1))  # again
    skipped = [("day/x.txt", "not track data"), (str(tmp_path / "day/x.txt"), "later")]
    tracks = Tracks(pd.DataFrame(), inputs, skipped)
    record = read_records(tracks)
    asked = [tmp_path / "day" / str(i % 7) / f"trace_{i}.json" for i in range(0, 310, 3)]
    asked += [tmp_path / "day" / "x.txt", tmp_path / "day" / ".." / "day" / "1" / "trace_1.json"]
    assert [record(p) for p in asked] == [looped(tracks, p) for p in asked]
    assert record(tmp_path / "day" / "1" / "trace_1.json")["points"] == 1
    assert record(tmp_path / "day/x.txt") == {
        "format": None,
        "points": 0,
        "skipped": "not track data",
    }
