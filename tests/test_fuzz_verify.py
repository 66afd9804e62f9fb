"""Hostile values through the whole ``verify`` pipeline, strict and ``--skip-bad``.

Hypothesis takes a seed input of every format (FR24 granular, OpenSky CSV/JSON/parquet,
readsb trace and aircraft.json, AIS, AVR, Beast, KML, and the same inside zip/tar/KMZ/gzip),
swaps typed out-of-range values into it (times of year 0001/1900/2262/9999, -1, 1e18;
speeds, altitudes and angles of inf/nan/1e300) or flips bytes, and runs a case over it:
the outcome is a one-line input error (exit 2) or an evidence pack that checks intact.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import json
import re
import tarfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flightcheck.case.pack import run
from flightcheck.case.packcheck import check_pack
from flightcheck.errors import FlightcheckError

SAMPLES = Path(__file__).resolve().parents[1] / "sample_tracks"
T0 = 1760619010


def _head(rel: str, lines: int) -> bytes:
    return b"".join((SAMPLES / rel).read_bytes().splitlines(keepends=True)[:lines])


def _opensky_parquet() -> bytes:
    import pandas as pd

    frame = pd.read_csv(SAMPLES / "opensky" / "states_2025-10-16-13.csv", nrows=30)
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


def _beast(tick: int, msg: str) -> bytes:
    body = tick.to_bytes(6, "big") + b"\x80" + bytes.fromhex(msg)
    return b"\x1a3" + body.replace(b"\x1a", b"\x1a\x1a")


def _ais() -> bytes:
    from pyais.encode import encode_dict

    lines = []
    for k in range(6):
        t = T0 + 60 * k
        body = f"s:2573238,c:{t}"
        checksum = 0
        for ch in body:
            checksum ^= ord(ch)
        msg = encode_dict(
            {
                "type": 1,
                "mmsi": 257385000,
                "lat": 59.9 + k * 0.01,
                "lon": 10.7,
                "speed": 12.3,
                "course": 90.5,
                "heading": 511,
            },
            talker_id="AI",
            sentence_type="VDM",
        )[0]
        lines.append(f"\\{body}*{checksum:02X}\\{msg}")
    return ("\n".join(lines) + "\n").encode()


def _zip(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, data)
    return buf.getvalue()


def _tar(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@functools.cache
def seeds() -> dict[str, tuple[str, bytes]]:
    """Format -> (file name, bytes): small realistic inputs, most cut from the samples."""
    trace = gzip.decompress(
        (SAMPLES / "globe_history/2025/10/16/traces/75/trace_full_010075.json").read_bytes()
    )
    head = json.loads(trace)
    head["trace"] = head["trace"][:40]
    readsb = json.dumps(head).encode()
    kml = (SAMPLES / "flightaware" / "FlightAware_ASL902_HECA_LYBE_20251016.kml").read_bytes()
    states = {
        "time": T0 + 20,
        "states": [
            [
                "4ca9c1",
                "RYR4TX  ",
                "Ireland",
                T0 + 19,
                T0 + 20,
                19.83,
                45.08,
                10972.8,
                False,
                231.5,
                134.2,
                -6.5,
                None,
                11049.0,
                "2316",
                False,
                0,
            ],
            [
                "4ca9c1",
                "RYR4TX  ",
                "Ireland",
                T0 + 29,
                T0 + 30,
                19.86,
                45.06,
                10972.8,
                False,
                231.5,
                134.2,
                -6.5,
                None,
                11049.0,
                "2316",
                False,
                0,
            ],
        ],
    }
    snapshot = {
        "now": T0,
        "messages": 9,
        "aircraft": [
            {
                "hex": "4b1805",
                "type": "adsb_icao",
                "flight": "SWR12   ",
                "r": "HB-JNA",
                "t": "B77W",
                "alt_baro": 36000,
                "alt_geom": 36500,
                "gs": 480.2,
                "track": 270.1,
                "baro_rate": -64,
                "squawk": "1000",
                "lat": 47.1,
                "lon": 8.2,
                "seen_pos": 1.5,
            }
        ],
    }
    granular = _head("fr24/MSR771_Flightradar24_ADS-B_data_granular.csv", 40)
    return {
        "fr24-granular": ("granular.csv", granular),
        "opensky-csv": ("states.csv", _head("opensky/states_2025-10-16-13.csv", 30)),
        "opensky-json": ("states.json", json.dumps(states).encode()),
        "opensky-parquet": ("states.parquet", _opensky_parquet()),
        "readsb-trace": ("trace_full_010075.json", readsb),
        "readsb-aircraft": ("aircraft.json", json.dumps(snapshot).encode()),
        "ais": ("ais.nmea", _ais()),
        "avr": ("capture.avr", b"*8D40621D58C382D690C8AC2863A7;\n*8D40621D58C386435CC412692AD6;\n"),
        "beast": (
            "capture.bin",
            _beast(0, "8D40621D58C382D690C8AC2863A7")
            + _beast(24_000_000, "8D40621D58C386435CC412692AD6"),
        ),
        "csv": ("plain.csv", _head("csv/YU-SRB_2025-10-17.csv", 30)),
        "kmz": ("track.kmz", _zip("doc.kml", kml)),
        "zip": ("trace.zip", _zip("trace.json", readsb)),
        "tar": ("states.tar", _tar("states.csv", _head("opensky/states_2025-10-16-13.csv", 30))),
        "gzip": ("granular.csv.gz", gzip.compress(granular)),
    }


YEARS = [b"0001", b"1900", b"1969", b"2262", b"2263", b"2999", b"9999"]
UNIX = [b"-1", b"0", b"99999999999", b"1e18", b"inf", b"-inf", b"nan", b"4102444800"]
NUMBERS = [
    b"inf",
    b"-inf",
    b"nan",
    b"NaN",
    b"1e300",
    b"-1e300",
    b"-1",
    b"1e18",
    b"",
    b"null",
    b'"x"',
]
_YEAR = re.compile(rb"(?<!\d)20\d\d(?=-\d\d-\d\d)")
_UNIX = re.compile(rb"(?<![\d.])1[67]\d{8}(?:\.\d+)?(?![\d])")
_NUMBER = re.compile(rb"(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.])")
KINDS = ((_YEAR, YEARS), (_UNIX, UNIX), (_NUMBER, NUMBERS))


def _typed(data: bytes, picks: list[tuple[int, int, int]]) -> bytes:
    """Swap typed hostile values into a text input: a date's year, a Unix time, or any
    number (speed, altitude, angle, position) of the record chosen."""
    out = data
    for kind, at, value in picks:
        pattern, values = KINDS[kind % len(KINDS)]
        fields = list(pattern.finditer(out))
        if not fields:
            continue
        m = fields[at % len(fields)]
        out = out[: m.start()] + values[value % len(values)] + out[m.end() :]
    return out


def _wrapped(name: str, data: bytes, picks, flips) -> bytes:
    """Mutate the content under its wrapper, so the reader (not the unwrapper) meets it."""
    if name == "kmz":
        inner = zipfile.ZipFile(io.BytesIO(data)).read("doc.kml")
        return _zip("doc.kml", _typed(inner, picks))
    if name == "zip":
        return _zip(
            "trace.json", _typed(zipfile.ZipFile(io.BytesIO(data)).read("trace.json"), picks)
        )
    if name == "tar":
        with tarfile.open(fileobj=io.BytesIO(data)) as tf:
            member = tf.extractfile("states.csv").read()
        return _tar("states.csv", _typed(member, picks))
    if name == "gzip":
        return gzip.compress(_typed(gzip.decompress(data), picks))
    if name == "opensky-parquet":
        return _hostile_parquet(data, picks)
    if name == "beast":
        out = bytearray(data)
        for pos, byte in flips:
            out[pos % len(out)] = byte
        return bytes(out)
    return _typed(data, picks)


def _hostile_parquet(data: bytes, picks) -> bytes:
    import numpy as np
    import pandas as pd

    frame = pd.read_parquet(io.BytesIO(data))
    numeric = [
        c
        for c in frame.columns
        if pd.api.types.is_float_dtype(frame[c]) or pd.api.types.is_integer_dtype(frame[c])
    ]
    values = [np.inf, -np.inf, np.nan, 1e300, -1.0, 1e18, 253402300799.0, -62135596800.0]
    for _, i, v in picks:
        col = numeric[i % len(numeric)]
        frame[col] = frame[col].astype("float64")
        frame.loc[i % len(frame), col] = values[v % len(values)]
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


CASE = """[case]
title = "fuzz"
{settings}
[[inputs]]
path = "{name}"
sha256 = "{sha}"

[[claims]]
id = "c"
kind = "stop"
aircraft = "010075"
airport = "LYBT"
from = "2025-10-01"
to = "2025-10-31"
"""


def _verify(tmp: Path, name: str, data: bytes, skip_bad: bool) -> None:
    folder = tmp / "case"
    folder.mkdir()
    (folder / name).write_bytes(data)
    setting = "[settings]\nskip_bad = true\n" if skip_bad else ""
    (folder / "case.toml").write_text(
        CASE.format(settings=setting, name=name, sha=hashlib.sha256(data).hexdigest())
    )
    try:
        manifest = run(folder / "case.toml", tmp / "out", map_html=False)
    except FlightcheckError as exc:
        text = str(exc)
        assert exc.exit_code == 2 and "\n" not in text and "case" in text, text
        assert not (tmp / "out").exists()  # nothing half-written
        return
    assert set(manifest["verdicts"].values()) <= {"supported", "contradicted", "inconclusive"}
    assert check_pack(tmp / "out")["intact"]


FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
MUTATION = dict(
    name=st.sampled_from(sorted(seeds())),
    picks=st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 10_000), st.integers(0, 100)),
        min_size=1,
        max_size=3,
    ),
    flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=3),
)


@FUZZ
@given(**MUTATION)
def test_verify_strict_never_crashes(tmp_path_factory, name, picks, flips):
    file, data = seeds()[name]
    _verify(tmp_path_factory.mktemp("v"), file, _wrapped(name, data, picks, flips), False)


@FUZZ
@given(**MUTATION)
def test_verify_skip_bad_never_crashes(tmp_path_factory, name, picks, flips):
    file, data = seeds()[name]
    _verify(tmp_path_factory.mktemp("v"), file, _wrapped(name, data, picks, flips), True)


@pytest.mark.parametrize("name", sorted(seeds()))
def test_every_seed_verifies(tmp_path, name):
    """The unmutated seeds go through the pipeline (so the fuzz reaches past the readers)."""
    file, data = seeds()[name]
    _verify(tmp_path, file, data, True)
    assert (tmp_path / "out" / "manifest.json").is_file() or name in ("avr", "beast")
