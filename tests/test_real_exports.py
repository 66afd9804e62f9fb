"""Real public exports (tests/data/real/, see its README): what an analyst reads in each.

Each test states the analyst's reading of the fixes (checked against the runways), not the
engine's current output. Where the engine does not yet find a stop at the edge of the data
(an export that starts in the take-off climb or ends on the runway), the test asserts the
truth and is marked ``xfail(strict=True)``, so it flags the day the engine gets it right.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import flightcheck
from flightcheck.cli import main
from flightcheck.geo import haversine_km
from flightcheck.routes import build_routes
from flightcheck.segment import Segmentation, detect
from flightcheck.track.tracks import Tracks

REAL = Path(__file__).parent / "data" / "real"

TRACE = "trace_full_ac671b.json.gz"
JL516_CSV = "JL516_3376ab31.csv"
JL516_JSON = "3376ab31.json"
SPAR19 = "2ce4f83f.json.gz"
ELAL = "elal747.json.gz"
SAMU = "samu31.json.gz"
ITY621 = "FlightAware_ITY621_KLAX_LIRF_20221014.kml"
N67WV = "N67WV-track-EGM96.kml"
VB7083 = "VB7083-32eca57a-1.kml.gz"
KC10 = "86-0033-track-press_alt_uncorrected.kml.gz"


@cache
def tracks(name: str) -> Tracks:
    return flightcheck.read(REAL / name)


@cache
def findings(name: str) -> Segmentation:
    return detect(tracks(name))


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def between(value, lo: str, hi: str) -> bool:
    """``value`` (a timestamp, not missing) lies in [lo, hi] (UTC)."""
    return not pd.isna(value) and utc(lo) <= pd.Timestamp(value) <= utc(hi)


def stop_at(name: str, airport: str) -> dict:
    """The one stop at ``airport`` in ``name`` (fails if there is none or several)."""
    stops = findings(name).stops
    found = stops[stops["airport"] == airport]
    assert len(found) == 1, f"{airport} stops: {stops[['airport', 'arrival', 'departure']]}"
    return found.iloc[0].to_dict()


def ends(name: str) -> tuple[pd.Series, pd.Series]:
    df = tracks(name).df.sort_values("time")
    return df.iloc[0], df.iloc[-1]


def km(fix: pd.Series, lat: float, lon: float) -> float:
    return float(haversine_km(fix["lat"], fix["lon"], lat, lon))


# --- the files are what the README says they are ------------------------------------------------

UPSTREAM_BLOBS = {
    # file here: (git blob id upstream, stored here gzip-compressed by us)
    TRACE: ("9c610eef4b979d67d5f10ac0971a172869a3a72c", True),
    JL516_CSV: ("c68491966ed74a78ef78bef44ad687c93f1c2c5d", False),
    JL516_JSON: ("e2d59a73917e4a692cff9d47da9dd996e0c1c9b5", False),
    SPAR19: ("a010245406694f46509dadc57918d8b53ed40433", True),
    ELAL: ("931b6ce00271dea1572411acc41e87d61832939e", False),
    SAMU: ("189b44e5ab4e3d617e10e0b40a2931d046cb6c6c", False),
    ITY621: ("28554b94f400dc2359aa06858b21b5a3af119493", False),
    N67WV: ("0785da6c8832c99d5535418fa31999bc55c910c1", False),
    VB7083: ("852226177a245b555b96c7e26007796686615123", True),
    KC10: ("e03081ac3a7fea25dfaaf57372ecf1099e978a81", True),
}


def test_files_match_their_checksums_and_the_upstream_blobs():
    sums = dict(line.split()[::-1] for line in (REAL / "SHA256SUMS").read_text().splitlines())
    assert set(sums) == set(UPSTREAM_BLOBS)
    for name, (blob, compressed_here) in UPSTREAM_BLOBS.items():
        data = (REAL / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sums[name], name
        original = gzip.decompress(data) if compressed_here else data
        git_id = hashlib.sha1(b"blob %d\0" % len(original) + original).hexdigest()
        assert git_id == blob, f"{name} differs from the upstream file"


# --- readsb trace_full: Delta N899DN, 2025-02-04/05 ---------------------------------------------


def test_trace_reads_as_one_delta_b739_with_four_callsigns():
    t = tracks(TRACE)
    (record,) = t.inputs
    assert (record.format, record.compressed, record.records, record.points) == (
        "readsb-trace",
        "gzip",
        2500,
        2500,
    )
    df = t.df
    assert set(df["icao24"]) == {"ac671b"}
    assert set(df["registration"]) == {"N899DN"} and set(df["typecode"]) == {"B739"}
    assert list(dict.fromkeys(df["callsign"].dropna())) == [
        "DAL1812",
        "DAL2418",
        "DAL1615",
        "DAL2927",
    ]
    first, last = ends(TRACE)
    assert first["time"] == utc("2025-02-04 21:13:42.619")
    assert last["time"] == utc("2025-02-05 19:54:38.089")
    # starts in cruise over Belize, ends rolling west on the ground at Denver
    assert (first["lat"], first["lon"], first["alt_ft"]) == (16.777359, -88.036868, 32000)
    assert not first["on_ground"]
    assert (last["lat"], last["lon"]) == (39.877403, -104.63974)
    assert last["on_ground"] and last["gs_kt"] == 58.5


def test_trace_stops_msp_night_stop_geg_msp():
    stops = findings(TRACE).stops.sort_values("arrival", na_position="first")
    # the data starts in cruise: the first stop is the landing at Minneapolis
    first, geg, second = (stops.iloc[i] for i in range(3))
    assert (first["airport"], first["kind"]) == ("KMSP", "observed")
    assert between(first["arrival"], "2025-02-05 01:12:22", "2025-02-05 01:12:30")
    assert between(first["departure"], "2025-02-05 03:43:40", "2025-02-05 03:43:55")
    # 8 h 23 min of silence between a descent at 8,450 ft and a climb at 11,275 ft near GEG
    assert (geg["airport"], geg["kind"]) == ("KGEG", "inferred")
    assert between(geg["arrival"], "2025-02-05 06:23:59", "2025-02-05 14:47:04")
    assert between(geg["departure"], "2025-02-05 06:23:59", "2025-02-05 14:47:04")
    assert geg["arrival"] < geg["departure"]
    assert (second["airport"], second["kind"]) == ("KMSP", "observed")
    assert between(second["arrival"], "2025-02-05 17:00:17", "2025-02-05 17:00:20")
    assert between(second["departure"], "2025-02-05 18:14:35", "2025-02-05 18:14:37")


def test_trace_silences_in_cruise_and_the_night_at_geg():
    gaps = findings(TRACE).gaps
    minutes = sorted(round(s / 60) for s in gaps["duration_s"])
    assert minutes == [15, 21, 36, 46, 48, 503]
    night = gaps.loc[gaps["duration_s"].idxmax()]
    assert between(night["start"], "2025-02-05 06:23:59.398", "2025-02-05 06:23:59.400")
    assert "KGEG" in str(night["explained_by"])


def test_trace_ends_landing_at_denver():
    den = stop_at(TRACE, "KDEN")
    assert between(den["arrival"], "2025-02-05 19:54:26", "2025-02-05 19:54:31")
    assert pd.isna(den["departure"])


# --- JL516 RJCC -> RJTT, 2024-01-02: FR24 CSV and FR24 JSON of the same flight ------------------


def test_fr24_csv_of_jl516():
    t = tracks(JL516_CSV)
    (record,) = t.inputs
    assert (record.format, record.points) == ("fr24-csv", 305)
    df = t.df
    assert df["icao24"].iloc[0].startswith("~")  # the CSV has no address
    assert set(df["callsign"]) == {"JAL516"}
    first, last = ends(JL516_CSV)
    assert first["time"] == utc("2024-01-02 07:22:55") and first["on_ground"]
    assert first["alt_ft"] == 0 and first["gs_kt"] == 0
    assert last["time"] == utc("2024-01-02 08:47:23")
    assert last["alt_ft"] == 0 and last["gs_kt"] == 123  # on the runway, still rolling fast
    assert km(last, 35.544891, 139.801483) < 0.01


def test_fr24_json_of_jl516_names_the_aircraft_and_agrees_with_the_csv():
    t = tracks(JL516_JSON)
    (record,) = t.inputs
    assert (record.format, record.records, record.points) == ("fr24-json", 305, 305)
    df = t.df.sort_values("time").reset_index(drop=True)
    assert set(df["icao24"]) == {"8467d8"} and set(df["registration"]) == {"JA13XJ"}
    assert set(df["typecode"]) == {"A359"} and set(df["callsign"]) == {"JAL516"}
    declared = " ".join(record.notes)
    assert "RJCC" in declared and "RJTT" in declared and "claim" in declared
    csv = tracks(JL516_CSV).df.sort_values("time").reset_index(drop=True)
    assert (df["time"] == csv["time"]).all()
    assert np.allclose(df["lat"], csv["lat"], atol=1e-5)
    assert np.allclose(df["lon"], csv["lon"], atol=1e-5)
    assert (df["alt_ft"] == csv["alt_ft"]).all() and (df["gs_kt"] == csv["gs_kt"]).all()


@pytest.mark.parametrize("name", [JL516_CSV, JL516_JSON])
def test_jl516_departs_new_chitose(name):
    rjcc = stop_at(name, "RJCC")
    assert pd.isna(rjcc["arrival"])  # the data starts on the ground there
    assert between(rjcc["departure"], "2024-01-02 07:22:55", "2024-01-02 07:27:38")
    assert rjcc["runway"] == "19R"


@pytest.mark.parametrize("name", [JL516_CSV, JL516_JSON])
def test_jl516_lands_at_haneda_runway_34r(name):
    rjtt = stop_at(name, "RJTT")
    assert between(rjtt["arrival"], "2024-01-02 08:47:06", "2024-01-02 08:47:16")
    assert pd.isna(rjtt["departure"]) and rjtt["runway"] == "34R"


def test_jl516_csv_and_json_make_one_aircraft_route():
    routes = build_routes(flightcheck.read([REAL / JL516_CSV, REAL / JL516_JSON])).to_dict()
    (aircraft,) = routes["aircraft"]
    assert aircraft["icao24"] == "8467d8" and aircraft["registered_country"] == "JP"
    assert aircraft["stops"][0]["airport"] == "RJCC"


# --- SPAR19 WMSA -> RCSS, 2022-08-02 (FR24 JSON) ------------------------------------------------


def test_spar19_reads_as_the_usaf_c40():
    t = tracks(SPAR19)
    (record,) = t.inputs
    assert (record.format, record.compressed, record.points) == ("fr24-json", "gzip", 871)
    df = t.df
    assert set(df["icao24"]) == {"ae503d"} and set(df["registration"]) == {"09-0540"}
    assert set(df["typecode"]) == {"B737"} and set(df["callsign"]) == {"SPAR19"}
    first, last = ends(SPAR19)
    assert first["time"] == utc("2022-08-02 07:36:06") and first["on_ground"]
    assert last["time"] == utc("2022-08-02 14:48:55") and last["on_ground"]
    assert last["gs_kt"] == 7


def test_spar19_subang_to_songshan():
    stops = findings(SPAR19).stops.sort_values("departure", na_position="last")
    assert stops["airport"].tolist() == ["WMSA", "RCSS"]
    wmsa, rcss = stop_at(SPAR19, "WMSA"), stop_at(SPAR19, "RCSS")
    assert pd.isna(wmsa["arrival"]) and wmsa["runway"] == "15"
    assert between(wmsa["departure"], "2022-08-02 07:41:42", "2022-08-02 07:42:48")
    assert between(rcss["arrival"], "2022-08-02 14:43:32", "2022-08-02 14:43:49")
    assert pd.isna(rcss["departure"]) and rcss["runway"] == "10"
    assert len(findings(SPAR19).gaps) == 0


def test_spar19_route_cli_country_chain_and_military_flag():
    res = CliRunner().invoke(main, ["route", str(REAL / SPAR19), "--json"])
    assert res.exit_code == 0, res.output
    (aircraft,) = json.loads(res.stdout)["aircraft"]
    assert aircraft["icao24"] == "ae503d" and aircraft["registered_country"] == "US"
    assert aircraft["military"] is True
    assert aircraft["countries"] == ["MY", "TW"]


# --- El Al 747 LIRF -> LLBG, 2019-11-03 (JSON records, no ground flag) ---------------------------


def test_elal747_json_records():
    t = tracks(ELAL)
    (record,) = t.inputs
    assert (record.format, record.compressed, record.records) == ("json-records", "gzip", 2110)
    df = t.df
    assert set(df["icao24"]) == {"738043"} and set(df["callsign"]) == {"ELY1747"}
    assert df["on_ground"].isna().all()  # no ground flag in these records
    first, last = ends(ELAL)
    assert first["time"] == utc("2019-11-03 09:28:10") and first["alt_ft"] == 0
    assert last["time"] == utc("2019-11-03 15:19:40") and last["alt_ft"] == 0
    assert km(first, 41.7949, 12.2419) < 0.01 and km(last, 32.0042, 34.8762) < 0.01


def test_elal747_departs_fiumicino_from_altitude_zero():
    lirf = stop_at(ELAL, "LIRF")
    assert pd.isna(lirf["arrival"])
    # from the start of the take-off roll (19 kt) to the first airborne fix
    assert between(lirf["departure"], "2019-11-03 10:10:20", "2019-11-03 10:10:50")


def test_elal747_touches_down_at_ben_gurion_runway_30():
    llbg = stop_at(ELAL, "LLBG")
    assert between(llbg["arrival"], "2019-11-03 15:07:50", "2019-11-03 15:08:00")
    assert pd.isna(llbg["departure"]) and llbg["runway"] == "30"


# --- SAMU 31 helicopter, Toulouse, 2019-05-17 (JSON records) ------------------------------------


def test_samu31_helicopter_has_no_airport_stop():
    t = tracks(SAMU)
    (record,) = t.inputs
    df = t.df
    assert (record.format, record.records, record.points) == ("json-records", 378, 278)
    # the last 31 records (and 69 others) repeat a position already reported
    assert record.dropped == {"stale repeat": 100}
    assert set(df["icao24"]) == {"39ac45"} and set(df["callsign"]) == {"SAMU31"}
    assert not df["on_ground"].any()
    first, last = ends(SAMU)
    assert (first["time"], last["time"]) == (
        utc("2019-05-17 11:23:14.880"),
        utc("2019-05-17 11:29:00.437"),
    )
    assert last["alt_ft"] == 950 and km(last, 43.61328, 1.40008) < 0.3  # Purpan heliport
    # Toulouse-Blagnac is 3.5 km away: no stop there, nor anywhere
    assert findings(SAMU).stops.empty


# --- ITY621 KLAX -> LIRF, 2022-10-14/15 (FlightAware KML) ---------------------------------------


def test_ity621_flightaware_kml():
    t = tracks(ITY621)
    (record,) = t.inputs
    assert (record.format, record.points) == ("flightaware-kml", 1050)
    assert any("KLAX -> LIRF" in note for note in record.notes)
    df = t.df
    assert set(df["callsign"]) == {"ITY621"}
    first, last = ends(ITY621)
    assert first["time"] == utc("2022-10-14 22:30:25")
    assert round(first["alt_ft"]) == 551
    assert last["time"] == utc("2022-10-15 09:45:31")
    assert round(last["alt_ft"]) == -125  # FlightAware's ground value at FCO


def test_ity621_oceanic_silence_is_accounted_for():
    (gap,) = findings(ITY621).gaps.to_dict("records")
    assert gap["start"] == utc("2022-10-15 04:57:41") and gap["end"] == utc("2022-10-15 07:25:38")
    assert gap["unaccounted_s"] < 600


def test_ity621_starts_in_the_take_off_from_lax_25r():
    klax = stop_at(ITY621, "KLAX")
    assert pd.isna(klax["arrival"])
    assert pd.Timestamp(klax["departure"]) <= utc("2022-10-14 22:30:25")
    assert klax["runway"] == "25R"


def test_ity621_ends_landing_at_fiumicino_16r():
    lirf = stop_at(ITY621, "LIRF")
    assert between(lirf["arrival"], "2022-10-15 09:44:59", "2022-10-15 09:45:31")
    assert pd.isna(lirf["departure"]) and lirf["runway"] == "16R"


# --- N67WV KOPF -> PHOG, 2022-08-18 (tar1090 KML, EGM96 heights) ---------------------------------


def test_n67wv_tar1090_kml():
    t = tracks(N67WV)
    (record,) = t.inputs
    assert (record.format, record.records, record.points) == ("tar1090-kml", 1530, 1527)
    df = t.df
    assert set(df["registration"]) == {"N67WV"}
    first, last = ends(N67WV)
    assert first["time"] == utc("2022-08-18 02:57:06.18") and not first["on_ground"]
    assert round(first["alt_geom_ft"]) == 738
    assert km(first, 25.9137, -80.2940) < 0.01
    assert last["time"] == utc("2022-08-18 12:21:59.27") and last["on_ground"]


def test_n67wv_lands_at_kahului():
    phog = stop_at(N67WV, "PHOG")
    assert phog["kind"] == "observed"
    assert between(phog["arrival"], "2022-08-18 12:13:44", "2022-08-18 12:13:51")
    assert pd.isna(phog["departure"])


def test_n67wv_starts_in_the_take_off_from_opa_locka_30():
    kopf = stop_at(N67WV, "KOPF")
    assert pd.isna(kopf["arrival"])
    assert pd.Timestamp(kopf["departure"]) <= utc("2022-08-18 02:57:06.18")
    assert kopf["runway"] == "30"


def test_n67wv_kahului_landing_runway_02():
    assert stop_at(N67WV, "PHOG")["runway"] == "02"


# --- VB7083 MMMY -> MMHO, 2023-11-22 (FR24 KML) --------------------------------------------------


def test_vb7083_fr24_kml():
    t = tracks(VB7083)
    (record,) = t.inputs
    assert (record.format, record.compressed, record.points) == ("fr24-kml", "gzip", 393)
    df = t.df
    assert set(df["callsign"]) == {"VIV7083"} and set(df["registration"]) == {"XA-VXB"}
    assert set(df["typecode"]) == {"A21N"}
    first, last = ends(VB7083)
    assert first["time"] == utc("2023-11-22 02:13:45") and first["on_ground"]
    assert last["time"] == utc("2023-11-22 04:11:28") and last["on_ground"]
    assert last["gs_kt"] == 0


def test_vb7083_monterrey_to_hermosillo():
    stops = findings(VB7083).stops.sort_values("departure", na_position="last")
    assert stops["airport"].tolist() == ["MMMY", "MMHO"]
    mmmy, mmho = stop_at(VB7083, "MMMY"), stop_at(VB7083, "MMHO")
    assert pd.isna(mmmy["arrival"]) and mmmy["runway"] == "30"
    assert between(mmmy["departure"], "2023-11-22 02:22:49", "2023-11-22 02:23:01")
    assert between(mmho["arrival"], "2023-11-22 04:02:39", "2023-11-22 04:02:47")
    assert pd.isna(mmho["departure"]) and mmho["runway"] == "05"


# --- KC-10 86-0033, 2023-12-10 (tar1090 KML, pressure altitude) -----------------------------------


def test_kc10_first_fix_is_flagged_and_the_data_begins_climbing_out_of_travis():
    t = tracks(KC10)
    (record,) = t.inputs
    assert (record.format, record.records, record.points) == ("tar1090-kml", 2721, 2719)
    df = t.df.sort_values("time").reset_index(drop=True)
    assert set(df["registration"]) == {"86-0033"}
    assert not df["on_ground"].any()
    first, second, last = df.iloc[0], df.iloc[1], df.iloc[-1]
    assert first["time"] == utc("2023-12-10 13:16:52.96") and round(first["alt_ft"]) == 1175
    jump_km = km(first, second["lat"], second["lon"])
    seconds = (second["time"] - first["time"]).total_seconds()
    assert 32 < jump_km < 34 and seconds == pytest.approx(16.52)
    assert jump_km / seconds * 3600 / 1.852 > 3500  # kt: no aircraft flies that
    assert last["time"] == utc("2023-12-10 19:13:07.23") and round(last["alt_ft"]) == 26024
    # the stray fix near Sacramento keeps its row, flagged, and takes no part in the stops
    assert first["flag"] == "position jump" and df["flag"].notna().sum() == 1
    assert record.flagged == {"position jump": 1}
    # without it the export begins at 1,801 ft climbing 3.9 km out on Travis AFB's runway 03R
    # centreline (the KC-10's home base): a departure open at the data's start, cited to the
    # first unflagged fix; the export ends in cruise, so nothing lands
    (stop,) = findings(KC10).stops.to_dict("records")
    assert (stop["airport"], stop["runway"], stop["kind"]) == ("KSUU", "03R", "inferred")
    assert pd.isna(stop["arrival"]) and stop["departure"] < second["time"]
    assert [r["row"] for r in stop["rows"]] == [int(second["row"])] == [3]
    assert findings(KC10).removed["flagged"] == 1


# --- the CLI on all of them -----------------------------------------------------------------------


def test_stops_cli_sniffs_every_real_export():
    res = CliRunner().invoke(main, ["stops", str(REAL), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    formats = {Path(i["path"]).name: i["format"] for i in out["inputs"]}
    assert formats == {
        TRACE: "readsb-trace",
        JL516_CSV: "fr24-csv",
        JL516_JSON: "fr24-json",
        SPAR19: "fr24-json",
        ELAL: "json-records",
        SAMU: "json-records",
        ITY621: "flightaware-kml",
        N67WV: "tar1090-kml",
        VB7083: "fr24-kml",
        KC10: "tar1090-kml",
    }
    airports = {s["airport"] for s in out["stops"]}
    assert {"KMSP", "KGEG", "RJCC", "WMSA", "RCSS", "LIRF", "PHOG", "MMMY", "MMHO"} <= airports
    assert not airports & {"LFBO", "KSAC"}


REAL_FILES = [TRACE, JL516_CSV, JL516_JSON, SPAR19, ELAL, ITY621, N67WV, VB7083, KC10]


@pytest.mark.parametrize("name", REAL_FILES)
def test_every_stop_the_engine_finds_is_a_supported_claim_in_a_window_past_the_data(name):
    """Claims as investigators write them: a whole day either side of the export. Every
    airport the export shows a stop at (ends cut by the export included) is supported;
    none is ever contradicted."""
    from flightcheck.case.model import Claim
    from flightcheck.case.verify import verify

    routes = build_routes(tracks(name))
    t = routes.tracks.df["time"]
    lo, hi = t.min() - pd.Timedelta(days=1), t.max() + pd.Timedelta(days=1)
    claims = [
        Claim(f"c{i}", "stop", aircraft=hex_, airport=airport, start=lo, end=hi)
        for i, (hex_, airport) in enumerate(
            findings(name)
            .stops[["icao24", "airport"]]
            .dropna()
            .drop_duplicates()
            .itertuples(index=False)
        )
    ]
    assert claims, "every one of these exports shows at least one stop"
    verdicts = verify(claims, routes.tracks, routes)
    assert [(v.id, v.verdict) for v in verdicts] == [(c.id, "supported") for c in claims]


def test_a_stop_after_the_export_ends_is_inconclusive_not_contradicted():
    """ITY621 ends on the runway at LIRF; a claimed stop at Naples the day after is possible
    (the data is silent from the end of the export) and must come out inconclusive."""
    from flightcheck.case.model import Claim
    from flightcheck.case.verify import verify

    routes = build_routes(tracks(ITY621))
    last = routes.tracks.df["time"].max()
    (hex_,) = routes.tracks.df["icao24"].unique()
    claim = Claim(
        "naples",
        "stop",
        aircraft=hex_,
        airport="LIRN",
        start=last - pd.Timedelta(hours=12),
        end=last + pd.Timedelta(days=1),
    )
    (v,) = verify([claim], routes.tracks, routes)
    assert v.verdict == "inconclusive", v.reasons
