"""The fast ingest paths give exactly what the plain ones give.

* readsb traces parsed a piece of the ``trace`` array at a time (big documents) versus the
  whole document at once, including documents that must fall back to the whole read;
* ``blocks.combine_blocks`` (trace files joined as sorted blocks) versus
  ``track.clean(pd.concat(...))``;
* the process pool (constant text columns sent back as one value) versus in-process reads;
* tables as plain arrays (``read.read_block``, ``blocks.table_block``,
  ``blocks.combine_blocks``:
  no DataFrame per file) versus the reader frame and ``track.to_track_table``.
"""

from __future__ import annotations

import gzip
import random

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pytest

import flightcheck
from flightcheck.errors import InputError
from flightcheck.io import readsb
from flightcheck.io.context import ReadContext, ReadOptions
from flightcheck.track import blocks as block_tables
from flightcheck.track import table as track

DAY = 1_760_054_400.0


def _points(n: int, start: float = 0.0, callsign: str = "RCH401  ") -> list:
    """``n`` current 14-element points, a detail object every 4th point."""
    out = []
    for i in range(n):
        detail = (
            {"flight": callsign, "squawk": "4521", "alt_geom": 30000 + i} if i % 4 == 1 else None
        )
        alt = "ground" if i < 2 else 1000 + 25 * i
        out.append(
            [
                start + 2.0 * i,
                50.0 + i / 1e4,
                8.0 + i / 1e4,
                alt,
                150.0 + i % 7,
                90.0,
                8 if i % 11 == 0 else 0,
                None if i % 3 else 64 * i,
                detail,
                "mlat" if i % 5 == 0 else "adsb_icao",
                1100 + 25 * i,
                -64,
                250,
                0.5,
            ]
        )
    return out


def _doc(points: list, icao: str = "ae1234", timestamp: float = DAY) -> bytes:
    return orjson.dumps(
        {
            "icao": icao,
            "r": "05-5140",
            "t": "C17",
            "dbFlags": 0,
            "timestamp": timestamp,
            "trace": points,
        }
    )


def _read(data: bytes, pieces: int | None, skip_bad: bool = False):
    """readsb.read of ``data``: whole (``pieces`` None) or in pieces of ~``pieces`` bytes."""
    ctx = ReadContext("trace.json", ReadOptions(skip_bad=skip_bad))
    if pieces is None:
        return readsb._read_trace(readsb._load(data, ctx), ctx), ctx
    old = readsb.SPLIT_MIN_BYTES, readsb._PIECE_BYTES
    readsb.SPLIT_MIN_BYTES, readsb._PIECE_BYTES = 0, pieces
    try:
        return readsb.read(data, ctx, "readsb-trace"), ctx
    finally:
        readsb.SPLIT_MIN_BYTES, readsb._PIECE_BYTES = old


def _same_read(data: bytes, pieces: int, skip_bad: bool = False) -> None:
    try:
        whole, wctx = _read(data, None, skip_bad)
    except InputError as exc:
        with pytest.raises(InputError) as err:
            _read(data, pieces, skip_bad)
        assert (str(err.value), err.value.record) == (str(exc), exc.record)
        return
    split, sctx = _read(data, pieces, skip_bad)
    pd.testing.assert_frame_equal(split, whole, check_exact=True)
    assert (sctx.records, sctx.dropped, sctx.notes) == (wctx.records, wctx.dropped, wctx.notes)


def test_pieces_are_read_like_the_whole_document(monkeypatch):
    points = _points(300)
    points[7] = points[7][:9]  # an old 9-element point, and a 15-element one
    points[8] = points[8] + ["a1b2c3d4"]
    points[40][8] = {"flight": "RCH402", "squawk": 7700}  # numeric squawk -> text
    data = _doc(points)
    pieces_read = []
    real = readsb.extract_points
    monkeypatch.setattr(
        readsb,
        "extract_points",
        lambda pts, whole=True, **kw: pieces_read.append(whole) or real(pts, whole, **kw),
    )
    for size in (1, 100, 3000):
        pieces_read.clear()
        _same_read(data, size)
        assert pieces_read[0] and len(pieces_read) > 2  # the whole read, then the pieces
        assert not any(pieces_read[1:])
    df, ctx = _read(data, 100)
    assert ctx.records == 300 and df["row"].tolist() == list(range(1, 301))
    assert pd.isna(df["callsign"].iloc[0]) and df["callsign"].iloc[2] == "RCH401"
    assert (df["callsign"].iloc[40], df["squawk"].iloc[40]) == ("RCH402", "7700")


@pytest.mark.parametrize(
    "bad",
    [
        "not a point",
        [12.0, 50.0, 8.0, 1000, 100.0],
        [12.0, "50.1", 8.0, 1000, 100.0, 90.0, 0],
        [12.0, 50.1, 8.0, "FL100", 100.0, 90.0, 0],
        [5000.0, 95.0, 8.0, 1000, 100.0, 90.0, 0],
    ],
)
@pytest.mark.parametrize("skip_bad", [False, True])
def test_bad_points_in_a_later_piece_report_the_same_record(bad, skip_bad):
    points = _points(200)
    points[20][3] = "FL050"  # an earlier bad altitude: strict mode must name a record in order
    points[150] = bad
    _same_read(_doc(points), 200, skip_bad)


def test_documents_that_cannot_be_split_fall_back_to_the_whole_read():
    in_string = _points(60)
    in_string[30][8] = {"flight": "A],[B", "squawk": "],["}  # a cut inside a string
    mixed = _points(60)
    mixed[31][4] = "150.5"  # numeric text: read as a number only if the whole column casts
    mixed[45][4] = {"x": 1}  # ... which this object prevents, in a later piece
    mixed_detail = _points(60)
    mixed_detail[34][8] = {"alt_geom": "900"}  # used: the point has no index-10 alt_geom
    mixed_detail[34][10] = None
    mixed_detail[53][8] = {"alt_geom": [1]}
    nested = _points(60)
    nested[10][13] = [[1], [2]]  # "],[" inside a point
    reordered = orjson.dumps({"trace": _points(50), "icao": "ae1234", "timestamp": DAY})
    for data in (
        _doc(in_string),
        _doc(mixed),
        _doc(mixed_detail),
        _doc(nested),
        reordered,
        _doc(_points(80))[:-30],
    ):
        for skip_bad in (False, True):
            _same_read(data, 50, skip_bad)


def _write(path, data: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data, mtime=0))
    return path


def _blocks(paths) -> list:
    from flightcheck.io.read import read_block

    return [read_block(str(p), ReadOptions())[0] for p in paths]


def _clean_of_concat(blocks) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The general path: every input's table one after the other, then ``track.clean``."""
    tables = [block_tables.block_frame(b) for b in blocks]
    return track.clean(pd.concat(tables, ignore_index=True) if tables else track.empty())


def test_combine_blocks_equals_clean_of_concat(tmp_path):
    day1 = _write(tmp_path / "10" / "trace_full_ae1234.json", _doc(_points(40)))
    day2 = _write(
        tmp_path / "11" / "trace_full_ae1234.json", _doc(_points(40, start=80.0, callsign="RCH9"))
    )  # touches day1's last time
    other = _write(tmp_path / "10" / "trace_full_343201.json", _doc(_points(30), "343201"))
    overlap = _write(
        tmp_path / "12" / "trace_full_ae1234.json",
        _doc(_points(40)[20:] + _points(20, start=300.0)),
    )  # day1's second half
    cases = {"blocks": [day2, other, day1], "interleaved": [day1, overlap, other]}
    for name, paths in cases.items():
        blocks = _blocks(paths)
        plan = block_tables._file_order(block_tables.concat_blocks(blocks))
        assert (plan is not None) == (name == "blocks")
        got, removed = block_tables.combine_blocks(blocks)
        want, want_removed = _clean_of_concat(blocks)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        pd.testing.assert_frame_equal(removed, want_removed, check_exact=True)
    assert len(block_tables.combine_blocks(_blocks([day1, overlap]))[1]) > 0
    empty, removed = block_tables.combine_blocks([])
    assert empty.empty and removed.empty


def test_callsigns_carry_within_each_block_only(tmp_path):
    quiet = _points(12)
    for p in quiet:
        p[8] = None  # no detail object: no callsign in this file
    a = _write(tmp_path / "a" / "trace_full_ae1234.json", _doc(quiet))
    b = _write(tmp_path / "b" / "trace_full_ae1234.json", _doc(_points(12, start=30.0)))
    blocks = _blocks([b, a])
    got, _ = block_tables.combine_blocks(blocks)
    want, _ = _clean_of_concat(blocks)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got["callsign"].iloc[:12].isna().all()  # never borrowed from the other file
    assert got["callsign"].iloc[12:].tolist() == ["RCH401"] * 12  # filled back, then forward


def test_process_pool_gives_the_in_process_result(tmp_path):
    for k in range(5):
        points = _points(50, start=100.0 * k)
        if k == 2:
            for p in points:
                p[8] = None  # no callsign or squawk at all: all-missing text columns
        _write(tmp_path / f"d{k}" / f"trace_full_ae12{k:02d}.json", _doc(points, f"ae12{k:02d}"))
    one = flightcheck.read(tmp_path, workers=1)
    two = flightcheck.read(tmp_path, workers=2)
    pd.testing.assert_frame_equal(two.df, one.df, check_exact=True)
    assert [i.to_dict() for i in two.inputs] == [i.to_dict() for i in one.inputs]
    track.validate(two.df)


def _frame_path(path, skip_bad: bool = False):
    """The table of one trace the old way: reader frame, to_track_table, time order."""
    from flightcheck.io.read import read_frame

    frame, ctx, fmt, module, _ = read_frame(str(path), ReadOptions(skip_bad=skip_bad))
    table = track.check_time_order(track.to_track_table(frame, ctx), ctx)
    return table, ctx


@pytest.mark.parametrize("skip_bad", [False, True])
def test_trace_blocks_give_the_frame_path_table(tmp_path, skip_bad):
    from flightcheck.io.read import read_block

    nine = [p[:9] for p in _points(40)]
    messy = _points(60)
    messy[3] = "not a point"
    messy[9][1] = 95.0  # latitude out of range: a bad record of to_track_table
    messy[12][2] = None  # no position
    messy[20][0] = messy[19][0] - 5  # time goes backwards
    messy[30][9] = "adsb_other"
    messy[31][9] = 7  # not a source type: missing
    docs = {
        "nine": _doc(nine, icao=" AE12CD "),
        "messy": _doc(messy),
        "empty": _doc([]),
        "ground": _doc([[0.0, 50.0, 8.0, "ground", 3.0, 90.0, 0, None, None]]),
    }
    dropped = {}
    for name, data in docs.items():
        path = _write(tmp_path / name / "trace_full_ae1234.json", data)
        try:
            want, wctx = _frame_path(path, skip_bad)
        except InputError as exc:
            with pytest.raises(InputError) as err:
                read_block(str(path), ReadOptions(skip_bad=skip_bad))
            assert (str(err.value), err.value.record) == (str(exc), exc.record)
            continue
        block, record = read_block(str(path), ReadOptions(skip_bad=skip_bad))
        pd.testing.assert_frame_equal(block_tables.block_frame(block), want, check_exact=True)
        assert (record.records, record.points) == (wctx.records, len(want))
        assert (record.dropped, record.notes) == (wctx.dropped, wctx.notes)
        dropped[name] = sum(record.dropped.values())
    assert dropped == (
        {"nine": 0, "messy": 4, "empty": 0, "ground": 0}
        if skip_bad
        else {"nine": 0, "empty": 0, "ground": 0}
    )  # strict: messy raised


def test_combine_blocks_equals_clean_of_concat_with_duplicates_and_empty_files(tmp_path):
    from flightcheck.io.read import read_block

    day1 = _write(tmp_path / "10" / "trace_full_ae1234.json", _doc(_points(40)))
    day2 = _write(
        tmp_path / "11" / "trace_full_ae1234.json", _doc(_points(40, start=80.0, callsign="RCH9"))
    )
    quiet = [p[:8] + [None] + p[9:] for p in _points(12, start=500.0)]
    other = _write(tmp_path / "10" / "trace_full_343201.json", _doc(quiet, "343201"))
    overlap = _write(
        tmp_path / "12" / "trace_full_ae1234.json",
        _doc(_points(40)[20:] + _points(20, start=300.0)),
    )
    dups = _write(tmp_path / "13" / "trace_full_ae1234.json", _doc(_points(40)[35:]))
    empty = _write(tmp_path / "14" / "trace_full_ae1234.json", _doc([]))
    cases = [
        [day2, other, day1],
        [day1, overlap, other],
        [day1, dups, empty, day2],
        [empty],
        [day1, empty, overlap],
    ]
    for paths in cases:
        blocks = [read_block(str(p), ReadOptions())[0] for p in paths]
        got, removed = block_tables.combine_blocks(blocks)
        want, want_removed = _clean_of_concat(blocks)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        pd.testing.assert_frame_equal(removed, want_removed, check_exact=True)
    _, removed = block_tables.combine_blocks(
        [read_block(str(p), ReadOptions())[0] for p in (day1, dups)]
    )
    assert len(removed) == 5 and set(removed["source"]) == {str(dups)}
    got, removed = block_tables.combine_blocks([])
    pd.testing.assert_frame_equal(got, track.empty())


def test_text_columns_of_runs_equal_an_arrow_take():
    rng = random.Random(7)
    values = [None, "", "a", "RCH401", "héllo", " x "]
    for _ in range(300):
        parts, lengths = [], []
        for _ in range(rng.randint(1, 5)):
            pool = tuple(rng.choice(values) for _ in range(rng.randint(1, 3)))
            n = rng.randint(0, 12)
            codes = (
                None
                if rng.random() < 0.5
                else np.array([rng.randint(-1, len(pool) - 1) for _ in range(n)], dtype=np.int64)
            )
            parts.append(block_tables.Text(pool, codes))
            lengths.append(n)
        want = pa.concat_arrays(
            [
                pa.array(
                    [
                        p.pool[c] if c >= 0 else None
                        for c in (p.codes if p.codes is not None else [0] * n)
                    ],
                    pa.large_string(),
                )
                for p, n in zip(parts, lengths, strict=True)
            ]
        )
        column = block_tables._concat_text(parts, lengths)
        got = block_tables.text_arrow(column, sum(lengths))
        got.validate(full=True)
        assert got.equals(want)
        keep = np.array([rng.random() < 0.7 for _ in range(len(want))], dtype=bool)
        n_kept = int(keep.sum())
        kept = block_tables._take(column, keep)
        assert block_tables.text_arrow(kept, n_kept).equals(want.filter(keep))


def test_cleaning_a_pool_equals_arrow_cleaning():
    rng = random.Random(3)
    chars = ["a", "Z", " ", "\t", "\x1c", "\x7f", "!", "~", "é", "\u00a0", "\u3000", "x y"]
    for _ in range(2000):
        pool = tuple(
            None
            if rng.random() < 0.1
            else "".join(rng.choice(chars) for _ in range(rng.randint(0, 4)))
            for _ in range(rng.randint(1, 4))
        )
        for lower in (False, True):
            want = block_tables._clean_pool_arrow(pool, lower)
            assert block_tables._clean_pool(pool, lower) == want
            assert all(v is None or (v and v == v.strip()) for v in want)
