"""Stops at the edges of real exports, in every format that shows them (issue 14).

Each flight is built by hand (tests/segment_tracks.py), written with the format's own writer
(flightcheck.synth.writers, byte layouts from FORMATS.md), cut the way real exports are cut,
and read back through content sniffing, so the whole path from bytes to findings is tested:

* ends on the runway at speed (the last fixes at 122 kt on the ground, nothing after);
* starts at 700 ft, climbing away along the runway;
* no ground flag at all, barometric altitudes of -75 to -175 ft on the roll;
* a day trace that ends after a short landing roll (ground fixes slowing from 71 to 58 kt);
* ends at cruise, in a hold or climbing out of a go-around: no stop.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from segment_tracks import T0, offset, path

import flightcheck
from flightcheck.segment import detect
from flightcheck.synth import writers

LYBE_12L = (44.826519, 20.29097)  # runway 12L threshold, heading 122, 11,155 ft
LYBE_ELEV = 335.0
LYBT_12L = (44.9474983, 20.2376995)  # runway 12L threshold, heading 125, 8,181 ft
LYBT_ELEV = 265.0


def _points(frame: pd.DataFrame, icao24: str = "010075") -> pd.DataFrame:
    """The observed-fixes frame the writers take."""
    out = frame.copy()
    out["icao24"] = icao24
    out["callsign"] = "MSX123"
    out["registration"] = "SU-BTX"
    out["typecode"] = "IL76"
    out["alt_ft"] = out["alt_ft"].fillna(LYBE_ELEV)
    out["alt_geom_ft"] = out["alt_ft"] + 150.0
    out["track_deg"] = out["track_deg"].ffill().bfill()
    out["squawk"] = 7000
    out["position_source"] = "adsb"
    return out


def _landing(roll_kt: tuple[float, ...] = (122.0, 118.0)) -> pd.DataFrame:
    """A straight-in approach to LYBE 12L from 30 km, every 5 s, then ground fixes on the
    runway at the given speeds; the data ends there."""
    start = offset(*LYBE_12L, 122 + 180, 30)
    air = path([(*start, LYBE_ELEV + 30 * 172, 200.0), (*LYBE_12L, LYBE_ELEV + 40, 135.0)], T0)
    t = float(air["time"].iloc[-1])
    rows = []
    for i, kt in enumerate(roll_kt, start=1):
        lat, lon = offset(*LYBE_12L, 122, 0.3 * i)
        rows.append(
            {
                "time": t + 4.0 * i,
                "lat": lat,
                "lon": lon,
                "alt_ft": np.nan,
                "on_ground": True,
                "gs_kt": kt,
                "track_deg": 122.0,
                "vrate_fpm": 0.0,
            }
        )
    return pd.concat([air, pd.DataFrame(rows)], ignore_index=True)


def _take_off_from_700ft() -> pd.DataFrame:
    """First fix at 700 ft, 2.5 km past LYBT 12L's far end, climbing on the runway heading."""
    far_end = offset(*LYBT_12L, 125, 2.5)
    out = offset(*LYBT_12L, 125, 2.5 + 2.0)
    return path(
        [
            (*far_end, 700.0, 160.0),
            (*out, 1900.0, 190.0),
            (*offset(*LYBT_12L, 125, 40), 9000.0, 260.0),
        ],
        T0,
    )


def _read(tmp_path, name: str, data: bytes, **kw):
    f = tmp_path / name
    f.write_bytes(data)
    return flightcheck.read(f, **kw)


def _only_stop(tracks) -> pd.Series:
    seg = detect(tracks)
    assert len(seg.stops) == 1, seg.stops[["airport", "kind", "evidence"]].to_string()
    return seg.stops.iloc[0]


LANDING_WRITERS = {
    "fr24-csv": ("EGY1076.csv", lambda p: writers.fr24_csv(p)),
    "readsb-trace": ("trace_full_010075.json", lambda p: writers.trace_json(p)),
    "opensky-csv": ("states.csv", lambda p: writers.opensky_csv(p)),
    "opensky-parquet": ("states.parquet", lambda p: writers.opensky_parquet(p)),
    "fr24-kml": ("MSX123_3c1f0a2b.kml", lambda p: writers.fr24_kml(p, "MSX123", "HECA", "LYBE")),
    "csv": ("mine.csv", lambda p: writers.plain_csv(p)),
    "sbs": ("belgrade.log", lambda p: writers.sbs_log(p)),
    "tar1090-kml": (
        "SU-BTX-track-press_alt_uncorrected.kml",
        lambda p: writers.tar1090_kml(p, "SU-BTX"),
    ),
    "flightaware-kml": (
        "FlightAware_MSX123_HECA_LYBE_20241005.kml",
        lambda p: writers.flightaware_kml(p, "MSX123", "HECA", "LYBE", "05-Oct-2024"),
    ),
}


@pytest.mark.parametrize("fmt", sorted(LANDING_WRITERS))
def test_export_ending_on_the_runway_at_speed_is_an_arrival(tmp_path, fmt):
    name, write = LANDING_WRITERS[fmt]
    tracks = _read(tmp_path, name, write(_points(_landing())))
    stop = _only_stop(tracks)
    assert stop["airport"] == "LYBE"
    assert stop["arrival"] is not None and pd.notna(stop["arrival"])
    assert stop["departure"] is None or pd.isna(stop["departure"])  # open at its end
    assert "ends" in stop["evidence"]


def test_granular_without_ground_flag_and_negative_altitudes(tmp_path):
    """FR24 granular, on_ground never set (``N``), baro -75 to -175 ft on the roll."""
    pts = _points(_landing(roll_kt=(128.0, 110.0, 90.0, 70.0)))
    data = writers.fr24_granular(pts).decode()
    lines = data.splitlines()
    out = [lines[0]]
    n_roll = 4
    for i, line in enumerate(lines[1:]):
        cells = line.split(",")
        cells[12] = "N"  # on_ground: unknown
        if i >= len(lines) - 1 - n_roll:
            cells[7] = str(-75 - 25 * (i - (len(lines) - 1 - n_roll)))
        out.append(",".join(cells))
    tracks = _read(tmp_path, "granular.csv", ("\n".join(out) + "\n").encode())
    assert tracks.df["on_ground"].isna().all()
    assert tracks.df["alt_ft"].min() <= -150
    stop = _only_stop(tracks)
    assert stop["airport"] == "LYBE" and stop["kind"] == "observed"
    assert "ends with the aircraft on the ground" in stop["evidence"]


def test_day_trace_ending_after_a_short_landing_roll(tmp_path):
    """readsb: 8 ground fixes slowing from 71 to 58 kt at the destination, then the file ends
    (the engine used to call this run "brief" and drop it)."""
    roll = tuple(np.linspace(71, 58, 8))
    tracks = _read(
        tmp_path, "trace_full_010075.json", writers.trace_json(_points(_landing(roll_kt=roll)))
    )
    stop = _only_stop(tracks)
    assert stop["airport"] == "LYBE" and stop["kind"] == "observed"
    assert stop["runway"] == "12L"


TAKE_OFF_WRITERS = {
    "tar1090-kml": (
        "SU-BTX-track-press_alt_uncorrected.kml",
        lambda p: writers.tar1090_kml(p, "SU-BTX"),
    ),
    "flightaware-kml": (
        "FlightAware_MSX123_LYBT_HECA_20241005.kml",
        lambda p: writers.flightaware_kml(p, "MSX123", "LYBT", "HECA", "05-Oct-2024"),
    ),
    "fr24-csv": ("EGY1076.csv", lambda p: writers.fr24_csv(p)),
    "readsb-trace": ("trace_full_010075.json", lambda p: writers.trace_json(p)),
}


@pytest.mark.parametrize("fmt", sorted(TAKE_OFF_WRITERS))
def test_export_starting_at_700ft_climbing_is_a_departure(tmp_path, fmt):
    name, write = TAKE_OFF_WRITERS[fmt]
    tracks = _read(tmp_path, name, write(_points(_take_off_from_700ft())))
    stop = _only_stop(tracks)
    assert stop["airport"] == "LYBT" and stop["kind"] == "inferred"
    assert stop["arrival"] is None or pd.isna(stop["arrival"])  # open at its start
    assert pd.notna(stop["departure"])
    assert stop["runway"] == "12L"
    assert "as the data begins" in stop["evidence"]
    assert 0.4 <= stop["confidence"] <= 0.85


def _ends(frame: pd.DataFrame) -> pd.DataFrame:
    return _points(frame)


@pytest.mark.parametrize("case", ["cruise", "hold", "go-around", "low pass far out"])
def test_no_stop_where_the_data_ends_in_flight(tmp_path, case):
    """Overflights, holds and go-arounds at the end of the data stay flights."""
    if case == "cruise":  # over Belgrade at FL330
        f = path(
            [
                (*offset(*LYBE_12L, 300, 60), 33000.0, 450.0),
                (*offset(*LYBE_12L, 120, 5), 33000.0, 450.0),
            ],
            T0,
        )
    elif case == "hold":  # 5,000 ft racetrack 20 km out, data ends mid-turn
        a = offset(*LYBE_12L, 302, 20)
        b = offset(*LYBE_12L, 302, 28)
        f = path(
            [
                (*a, 5000.0, 210.0),
                (*b, 5000.0, 210.0),
                (*offset(*b, 32, 3), 5000.0, 210.0),
                (*offset(*a, 32, 3), 5000.0, 210.0),
            ],
            T0,
        )
    elif case == "go-around":  # down to 200 ft over the threshold, climbing out again
        start = offset(*LYBE_12L, 302, 15)
        f = path(
            [
                (*start, LYBE_ELEV + 2600, 180.0),
                (*LYBE_12L, LYBE_ELEV + 200, 140.0),
                (*offset(*LYBE_12L, 122, 4), LYBE_ELEV + 1800, 170.0),
            ],
            T0,
        )
    else:  # 1,500 ft, 25 km from the nearest runway end, flying away from it
        f = path(
            [
                (*offset(*LYBE_12L, 30, 10), 1500.0, 160.0),
                (*offset(*LYBE_12L, 30, 25), 1500.0, 160.0),
            ],
            T0,
        )
    tracks = _read(tmp_path, "trace_full_010075.json", writers.trace_json(_ends(f)))
    seg = detect(tracks)
    assert seg.stops.empty, seg.stops[["airport", "kind", "evidence"]].to_string()


def test_data_ending_far_from_any_airport_is_an_open_end_with_reachable_airports(tmp_path):
    """Descending through FL150 towards Belgrade, 150 km out, when the data ends: an
    ``open_end`` event naming the airports ahead, LYBE among the likeliest; no stop."""
    start = offset(*LYBE_12L, 90, 260)  # from the east, over the Carpathians
    last = offset(*LYBE_12L, 90, 150)
    f = path([(*start, 24000.0, 420.0), (*last, 15000.0, 380.0)], T0).iloc[:-1]
    tracks = _read(tmp_path, "trace_full_010075.json", writers.trace_json(_ends(f)))
    seg = detect(tracks)
    assert seg.stops.empty
    (end,) = seg.events.to_dict("records")
    assert end["kind"] == "open_end"
    text = end["evidence"]
    assert "the data ends in flight" in text and "descending" in text
    listed = text.split("likeliest first: ")[1]
    assert "LYBE" in listed.split(",")[0] + listed.split(",")[1] + listed.split(",")[2]
    assert "row " in text
