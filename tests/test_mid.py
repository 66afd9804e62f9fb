"""MMSI -> station kind, MID and flag state (ITU-R M.585 layouts, packaged MID table)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flightcheck import reference
from flightcheck.reference import mid


@pytest.mark.parametrize(
    ("mmsi", "station", "mid_", "iso2", "flag"),
    [
        ("211476060", "ship", 211, "DE", "DE"),
        (366053209, "ship", 366, "US", "US"),  # pyais README vessel
        ("351759000", "ship", 351, "PA", "PA"),  # EVER DIADEM, Panama
        ("538006443", "ship", 538, "MH", "MH"),
        ("740123456", "ship", 740, "GB", "GB"),  # pyais "UK" normalised to ISO GB
        ("002111234", "coast station", 211, "DE", None),
        (2111234, "coast station", 211, "DE", None),  # integer: leading zeros restored
        ("023112345", "group of ships", 231, "FO", None),
        ("111211123", "SAR aircraft", 211, "DE", None),
        ("992470001", "aid to navigation", 247, "IT", None),
        ("982470001", "craft associated with a parent ship", 247, "IT", None),
        ("822412345", "handheld VHF", 224, "ES", None),
        ("970123456", "emergency device", None, None, None),
        ("974200001", "emergency device", None, None, None),
        ("111123456", None, None, None, None),  # SAR with MID 123: not allocated
        ("12345", None, None, None, None),
        ("21147606X", None, None, None, None),
    ],
)
def test_station_layouts(mmsi, station, mid_, iso2, flag):
    info = mid.lookup(mmsi)
    assert (info.station, info.mid, info.iso2) == (station, mid_, iso2)
    assert mid.flag_of(mmsi) == flag


def test_unallocated_mid_has_no_state():
    info = mid.lookup("217000000")  # 217 is not allocated
    assert (info.station, info.mid, info.iso2, info.country) == ("ship", 217, None, None)


def test_table_is_recorded_with_source_and_licence():
    entry = reference.versions()["itu_mid_flags"]
    assert entry["packaged_file"] == "mid_flags.csv" and "MIT" in entry["license"]
    assert entry["version"].startswith("pyais ")
    reference.verify()  # the packaged file matches its recorded sha256


@given(st.text(max_size=12) | st.integers(-10, 10**10))
def test_any_input_gives_an_answer_never_an_error(value):
    info = mid.lookup(value)
    assert info.iso2 is None or (len(info.iso2) == 2 and info.iso2.isupper())
