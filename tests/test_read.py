"""flightcheck.read: many inputs, folders, globs, provenance, duplicates, bad files."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest

import flightcheck
from flightcheck.errors import InputError, UsageError
from flightcheck.track.table import validate

CSV_A = (
    b"timestamp,hex,latitude,longitude,altitude\n"
    b"1760000000,010075,44.90,20.30,3000\n"
    b"1760000060,010075,44.92,20.28,2000\n"
)
CSV_B = (
    b"timestamp,hex,latitude,longitude,altitude\n"
    b"1760000060,010075,44.92,20.28,2000\n"  # exact duplicate of A's second row
    b"1760000120,010075,44.94,20.26,1000\n"
    b"1760000000,4c0001,45.00,19.00,30000\n"
)


def test_folder_walk_joins_files_and_records_provenance(tmp_path):
    (tmp_path / "day1").mkdir()
    (tmp_path / "day2").mkdir()
    (tmp_path / "day1" / "a.csv").write_bytes(CSV_A)
    (tmp_path / "day2" / "b.csv.gz").write_bytes(gzip.compress(CSV_B))
    (tmp_path / "day1" / "notes.txt").write_text("not a track\n")
    (tmp_path / ".hidden").write_bytes(CSV_A)
    tracks = flightcheck.read(tmp_path)
    validate(tracks.df)
    assert [i.path for i in tracks.inputs] == [
        str(tmp_path / "day1" / "a.csv"),
        str(tmp_path / "day2" / "b.csv.gz"),
    ]
    a, b = tracks.inputs
    assert a.sha256 == hashlib.sha256(CSV_A).hexdigest()
    assert b.compressed == "gzip" and b.format == "csv"
    assert (a.records, a.points, b.points) == (2, 2, 3)
    assert tracks.skipped == [(str(tmp_path / "day1" / "notes.txt"), "not track data")]
    assert tracks.duplicates == 1
    one = tracks.aircraft("010075").df
    assert one["time"].is_monotonic_increasing
    assert len(one) == 3
    assert one["row"].tolist() == [2, 3, 3]  # a.csv rows 2-3, then b.csv row 3
    assert tracks.icao24s == ["010075", "4c0001"]


def test_same_file_twice_is_read_once(tmp_path):
    (tmp_path / "a.csv").write_bytes(CSV_A)
    (tmp_path / "copy.csv").write_bytes(CSV_A)
    tracks = flightcheck.read([tmp_path / "a.csv", tmp_path / "copy.csv"])
    assert len(tracks.inputs) == 1
    assert "same content as" in tracks.skipped[0][1]


def test_globs_and_missing_paths(tmp_path):
    (tmp_path / "a.csv").write_bytes(CSV_A)
    assert len(flightcheck.read(str(tmp_path / "*.csv"))) == 2
    with pytest.raises(UsageError, match="no file matches"):
        flightcheck.read(str(tmp_path / "*.json"))
    with pytest.raises(UsageError, match="no such file"):
        flightcheck.read(tmp_path / "nope.csv")


def test_explicit_unknown_file_is_an_error_naming_it(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("hello\nworld\n")
    with pytest.raises(InputError, match="notes.txt: not a recognised track format"):
        flightcheck.read(p)


def test_skip_bad_skips_broken_files_and_counts_records(tmp_path):
    (tmp_path / "a.csv").write_bytes(CSV_A)
    (tmp_path / "broken.json.gz").write_bytes(gzip.compress(b'{"icao":"010075"' * 100)[:-20])
    (tmp_path / "bad.csv").write_bytes(CSV_A + b"1760000200,010075,95.0,20.0,100\n")
    with pytest.raises(InputError):
        flightcheck.read(tmp_path)
    tracks = flightcheck.read(tmp_path, skip_bad=True)
    skipped = dict(tracks.skipped)
    assert "gzip" in skipped[str(tmp_path / "broken.json.gz")]
    bad = next(i for i in tracks.inputs if i.path.endswith("bad.csv"))
    assert bad.points == 2
    assert sum(v for k, v in bad.dropped.items() if k.startswith("bad record")) == 1


def test_between_and_gaps(tmp_path):
    (tmp_path / "a.csv").write_bytes(CSV_A + b"1760003660,010075,44.0,21.0,30000\n")
    tracks = flightcheck.read(tmp_path / "a.csv")
    gaps = tracks.gaps(min_s=600)
    assert len(gaps) == 1
    assert gaps.loc[0, "duration_s"] == 3600
    assert (gaps.loc[0, "row_before"], gaps.loc[0, "row_after"]) == (3, 4)
    assert len(tracks.between("2025-10-09T08:54:00Z", None)) == 2


def test_many_large_inputs_are_read_by_forked_workers_when_auto(tmp_path, monkeypatch):
    import importlib

    from flightcheck.io.paths import expand
    from flightcheck.runtime import parallel

    read_mod = importlib.import_module("flightcheck.io.read")  # the module, not the function

    for i in range(4):
        with open(tmp_path / f"big{i}.csv", "wb") as big:
            big.truncate(16 << 20)  # sparse: the size counts, not the bytes
    cands = expand([str(tmp_path)])
    monkeypatch.setattr(parallel, "usable_cpus", lambda: 2)
    monkeypatch.setattr(parallel.sys, "platform", "linux")
    assert read_mod._processes(cands, "auto") == 2
    assert read_mod._processes(cands, 1) == 1  # the library default: this process
    assert read_mod._processes(cands[:3], "auto") == 1  # too few files to pay
    monkeypatch.setattr(parallel.sys, "platform", "darwin")
    assert read_mod._processes(cands, "auto") == 1  # spawn would re-run an unguarded script


def test_a_folder_is_walked_in_path_order_without_hidden_entries_or_linked_folders(
    tmp_path, monkeypatch
):
    """walk_files (one scandir per folder) lists what sorted(rglob("*")) with is_file and
    the hidden-part rule lists, in the same order: a folder sorts before a file of the same
    stem ("a/2" before "a.json"), links to files count, links to folders are not entered."""
    import os

    from flightcheck.io.paths import expand, walk_files

    for d in ("a/x", "a.b", "b/.h", "c", ".hid"):
        (tmp_path / d).mkdir(parents=True, exist_ok=True)
    for f in ("a.json", "a/x/1", "a/2", "a.b/3", "b/.h/4", "b/5", ".hid/6", "c/.7", "c/8"):
        (tmp_path / f).write_text("x")
    os.symlink(tmp_path / "a", tmp_path / "c/linkdir")
    os.symlink(tmp_path / "b/5", tmp_path / "c/link5")
    os.symlink(tmp_path / "nowhere", tmp_path / "c/broken")
    reference = [
        f
        for f in sorted(tmp_path.rglob("*"))
        if f.is_file() and not any(p.startswith(".") for p in f.relative_to(tmp_path).parts)
    ]
    walked = walk_files(tmp_path)
    assert [f for f, _ in walked] == [str(f) for f in reference]
    names = [os.path.relpath(f, tmp_path) for f, _ in walked]
    assert names == ["a/2", "a/x/1", "a.b/3", "a.json", "b/5", "c/8", "c/link5"]
    assert [link for _, link in walked] == [False] * 6 + [True]
    # the link and its target are one file: expand keeps the first met
    assert [c.path for c in expand(tmp_path)] == [str(f) for f in reference[:-1]]
    # spelled as pathlib spells them, from any spelling of the folder
    monkeypatch.chdir(tmp_path)
    for spelling in (".", "./", "./c", "c/", ".//c"):
        want = [str(f) for f in sorted(Path(spelling).rglob("*")) if str(f) in set(names)]
        assert [f for f, _ in walk_files(spelling)] == want, spelling
