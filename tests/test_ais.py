"""AIS NMEA reader: time sources, multipart reassembly, sentinels, static data, bad sentences."""

from __future__ import annotations

import numpy as np
import pytest
from pyais import encode_dict

import flightcheck
from flightcheck import io
from flightcheck.errors import InputError
from flightcheck.io import ais
from flightcheck.io.context import ReadContext, ReadOptions
from flightcheck.track.table import validate

# pyais README: type 1 from MMSI 366053209 at 37.802118 N, 122.341618 W, COG 219.3, SOG 0.
DOC_TYPE1 = "!AIVDM,1,1,,B,15M67FC000G?ufbE`FepT@3n00Sa,0*5C"
# pyais README: type 5 of MMSI 351759000 "EVER DIADEM", call sign 3FOF8, IMO 9134270, cargo.
DOC_TYPE5 = (
    "!AIVDM,2,1,1,A,55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp8,0*1C",
    "!AIVDM,2,2,1,A,88888888880,2*25",
)
T0 = 1733782034


def _tag(t: int, station: str = "2573238") -> str:
    body = f"s:{station},c:{t}"
    checksum = 0
    for ch in body:
        checksum ^= ord(ch)
    return f"\\{body}*{checksum:02X}\\"


def _position(
    mmsi: int, lat: float, lon: float, speed: float = 12.3, course: float = 90.5, msg_type: int = 1
) -> str:
    return encode_dict(
        {
            "type": msg_type,
            "mmsi": mmsi,
            "lat": lat,
            "lon": lon,
            "speed": speed,
            "course": course,
            "heading": 511,
        },
        talker_id="AI",
        sentence_type="VDM",
    )[0]


def _static(mmsi: int, seq: int) -> list[str]:
    return encode_dict(
        {
            "type": 5,
            "mmsi": mmsi,
            "shipname": "SPARTA IV",
            "callsign": "UBCI9",
            "imo": 9743954,
            "ship_type": 70,
        },
        talker_id="AI",
        sentence_type="VDM",
        seq_id=seq,
    )


def _read(text: str, **options):
    ctx = ReadContext(path="test.nmea", options=ReadOptions(**options))
    return ais.read(text.encode(), ctx, "ais-nmea"), ctx


def tagged_log() -> str:
    """Two vessels, a type 5 in two fragments where only the first carries the tag block."""
    first, second = _static(273123456, 3)
    lines = [
        "# Kystverket-style feed",
        _tag(T0) + _position(273123456, 44.50, 33.20),
        _tag(T0 + 1) + _position(257000001, 69.00, 18.00, speed=0.1, course=10.0),
        _tag(T0 + 2) + first,
        second,
        "",
        _tag(T0 + 10) + _position(273123456, 44.51, 33.21),
    ]
    return "\n".join(lines) + "\n"


def test_documented_examples_decode():
    text = f"{_tag(T0)}{DOC_TYPE1}\n{_tag(T0 + 1)}{DOC_TYPE5[0]}\n{DOC_TYPE5[1]}\n"
    out, _ = _read(text)
    assert len(out) == 1
    row = out.iloc[0]
    assert row["icao24"] == "366053209" and row["kind"] == "vessel"
    assert row["lat"] == pytest.approx(37.802118) and row["lon"] == pytest.approx(-122.341618)
    assert row["track_deg"] == pytest.approx(219.3) and row["gs_kt"] == 0.0
    assert row["time"] == T0
    static = _read(
        f"{_tag(T0)}{DOC_TYPE5[0]}\n{DOC_TYPE5[1]}\n{_tag(T0 + 5)}"
        + _position(351759000, 40.6, -74.0)
        + "\n"
    )[0].iloc[0]
    assert static["registration"] == "EVER DIADEM (IMO 9134270)"
    assert static["callsign"] == "3FOF8" and static["typecode"] == "70 Cargo"


def test_tag_block_times_multipart_static_carried_by_mmsi():
    out, ctx = _read(tagged_log())
    assert ctx.records == 5
    assert out["row"].tolist() == [2, 3, 7]
    assert out["time"].tolist() == [T0, T0 + 1, T0 + 10]
    assert out["icao24"].tolist() == ["273123456", "257000001", "273123456"]
    sparta = out[out["icao24"] == "273123456"]
    # static data (line 4-5) reaches the later position and back to the earlier one
    assert (sparta["registration"] == "SPARTA IV (IMO 9743954)").all()
    assert (sparta["callsign"] == "UBCI9").all() and (sparta["typecode"] == "70 Cargo").all()
    assert out[out["icao24"] == "257000001"]["registration"].isna().all()
    assert sparta["lat"].tolist() == pytest.approx([44.50, 44.51], abs=1e-5)
    assert sparta["gs_kt"].tolist() == pytest.approx([12.3, 12.3])
    assert ctx.dropped["AIS static/voyage data (merged into position rows)"] == 1


def test_logger_prefixes_iso_and_unix():
    iso = "2024-01-01T00:00:00Z " + _position(273123456, 44.5, 33.2)
    unix = "1704067210.5," + _position(273123456, 44.6, 33.3)
    out, _ = _read(iso + "\n" + unix + "\n")
    assert out["time"].tolist() == [1704067200.0, 1704067210.5]


def test_gatehouse_timestamp_applies_to_next_sentence():
    text = (
        "$PGHP,1,2024,1,2,3,4,5,600,219,,2190047,1,4A*63\n"
        + _position(273123456, 44.5, 33.2)
        + "\n"
    )
    out, _ = _read(text)
    assert out["time"].tolist() == [pytest.approx(1704164645.6)]


def test_sentinels_are_removed():
    lines = [
        _tag(T0) + _position(273123456, 91.0, 181.0),  # no position
        _tag(T0 + 1) + _position(273123456, 44.5, 33.2, speed=102.3, course=360.0),
        _tag(T0 + 2) + _position(273123457, 44.6, 33.3, speed=5.0, course=0.0, msg_type=18),
    ]
    out, _ = _read("\n".join(lines))
    assert np.isnan(out.loc[0, "lat"]) and np.isnan(out.loc[0, "lon"])
    assert np.isnan(out.loc[1, "gs_kt"]) and np.isnan(out.loc[1, "track_deg"])
    assert out.loc[2, "gs_kt"] == 5.0 and out.loc[2, "track_deg"] == 0.0


def test_bad_sentences_are_counted_never_fatal():
    good = _tag(T0) + _position(273123456, 44.5, 33.2)
    bad_checksum = _tag(T0 + 1) + _position(273123456, 44.6, 33.3)[:-2] + "00"
    first, _second = _static(273123456, 7)
    lines = [
        good,
        bad_checksum,
        _tag(T0 + 2) + first,  # second fragment missing
        _tag(T0 + 3) + "!AIVDM,1,1,,A,,0*26",  # empty payload
        _tag(T0 + 4) + "!AIVDM,2,2,9,A,00000000000,2*2D",  # orphan fragment
        _tag(T0 + 5) + "!AIVDM,x,1,,A,15M67FC000G?ufbE,0*00",
    ]  # malformed
    out, ctx = _read("\n".join(lines), skip_bad=False)  # strict mode: still not fatal
    assert len(out) == 1
    assert ctx.dropped["AIS sentence with a bad checksum"] == 1
    assert ctx.dropped["AIS multipart message with a missing fragment"] == 1
    assert ctx.dropped["AIS fragment without its earlier fragments"] == 1
    assert (
        ctx.dropped["malformed AIS sentence"]
        + ctx.dropped["AIS sentence with a bad checksum"]
        + ctx.dropped["undecodable AIS payload (empty, unknown or truncated)"]
        >= 3
    )


def test_no_time_source_and_no_sentence_are_errors():
    with pytest.raises(InputError, match="no timestamps"):
        _read(DOC_TYPE1 + "\n" + DOC_TYPE1 + "\n")
    with pytest.raises(InputError, match="no AIS sentence"):
        _read("$PGHP,1,2024,1,2,3,4,5,600,219,,2190047,1,4A*63\n")


def test_untimed_lines_take_the_previous_time_or_are_dropped():
    lines = [
        DOC_TYPE1,
        _tag(T0) + _position(273123456, 44.5, 33.2),
        _position(273123456, 44.6, 33.3),
    ]
    out, ctx = _read("\n".join(lines))
    assert ctx.dropped["AIS message before the first timestamp in the log"] == 1
    assert out["time"].tolist() == [T0, T0]
    assert any("time of an earlier line" in n for n in ctx.notes)


def test_sniff_and_flightcheck_read(tmp_path):
    path = tmp_path / "feed.txt"
    path.write_text(tagged_log())
    assert io.detect(path.read_bytes(), "feed.txt")[0] == "ais-nmea"
    tracks = flightcheck.read(path)
    validate(tracks.df)
    assert tracks.inputs[0].format == "ais-nmea"
    assert (tracks.df["kind"] == "vessel").all() and len(tracks.df) == 3
    assert ais.sniff(b"time,icao24,lat,lon\n1,2,3,4\n", "x") is None
    assert (
        ais.sniff(b"$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\n", "x")
        is None
    )


def _talker(sentence: str, talker: str) -> str:
    """``sentence`` as sent by another talker, with its NMEA checksum recomputed."""
    body = talker + sentence[3 : sentence.index("*")]
    checksum = 0
    for ch in body:
        checksum ^= ord(ch)
    return f"!{body}*{checksum:02X}"


@pytest.mark.parametrize("talker", ["B1", "B2", "AB", "BS", "7A"])
def test_any_two_character_talker_is_read(talker):
    first, second = _static(273123456, 4)
    lines = [
        _tag(T0) + _talker(_position(273123456, 44.50, 33.20), talker),
        _tag(T0 + 1) + _talker(first, talker),
        _talker(second, talker),
        _tag(T0 + 5) + _talker(_position(257000001, 69.0, 18.0), talker),
    ]
    text = "\n".join(lines) + "\n"
    assert ais.sniff(text.encode(), "x") == "ais-nmea"
    out, ctx = _read(text)
    assert out["icao24"].tolist() == ["273123456", "257000001"]
    assert out.loc[0, "registration"] == "SPARTA IV (IMO 9743954)"
    assert "not an NMEA line" not in ctx.dropped


def test_multipart_fragments_of_two_talkers_do_not_mix():
    first, second = _static(273123456, 4)
    lines = [
        _tag(T0) + _talker(first, "B1"),
        _tag(T0) + _talker(first, "B2"),
        _talker(second, "B1"),
        _talker(second, "B2"),
        _tag(T0 + 5) + _talker(_position(273123456, 44.5, 33.2), "B1"),
    ]
    out, ctx = _read("\n".join(lines))
    assert out.loc[0, "registration"] == "SPARTA IV (IMO 9743954)"
    assert ctx.dropped["AIS static/voyage data (merged into position rows)"] == 2


def test_inspect_gives_the_flag_state_from_the_mid(tmp_path):
    from flightcheck.output.inspection import inspect_report

    path = tmp_path / "feed.txt"
    path.write_text(tagged_log())
    report = inspect_report(flightcheck.read(path))
    flags = {a["icao24"]: a["registered_country"] for a in report["aircraft"]}
    assert flags == {"257000001": "NO", "273123456": "RU"}
