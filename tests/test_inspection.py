"""The inspect report on the bundled sample story: per input its aircraft and time span, per
aircraft its registry, names and largest gaps, computed in one pass over the table (a filter
per input or per aircraft grew with inputs x rows: 70 s for a 10,000-file day, now 6 s)."""

from __future__ import annotations

import pytest

from flightcheck.errors import ReferenceDataError
from flightcheck.output.inspection import inspect_report, registered_countries
from flightcheck.output.jsonout import iso
from flightcheck.reference import icao


def test_each_input_lists_its_own_aircraft_and_time_span(sample_tracks):
    report = inspect_report(sample_tracks)
    df = sample_tracks.df
    assert len(report["inputs"]) == len(sample_tracks.inputs) >= 10
    for entry in report["inputs"]:
        rows = df[df["source"] == entry["path"]]  # the direct reading, input by input
        assert entry["aircraft"] == sorted(rows["icao24"].unique().tolist())
        assert entry["first"] == (iso(rows["time"].min()) if len(rows) else None)
        assert entry["last"] == (iso(rows["time"].max()) if len(rows) else None)
    il76 = [e for e in report["inputs"] if e["path"].endswith("trace_full_010075.json")]
    assert il76 and il76[0]["aircraft"] == ["010075"]


def test_each_aircraft_has_its_names_sources_and_largest_gaps(sample_tracks):
    report = inspect_report(sample_tracks, n_gaps=2)
    df = sample_tracks.df
    gaps = sample_tracks.gaps(min_s=300.0)
    by_hex = {a["icao24"]: a for a in report["aircraft"]}
    assert sorted(by_hex) == sorted(df["icao24"].unique().tolist())
    for hex_, entry in by_hex.items():
        rows = df[df["icao24"] == hex_]
        assert entry["callsigns"] == sorted(rows["callsign"].dropna().unique().tolist())
        assert entry["sources"] == sorted(rows["source"].unique().tolist())
        registration = rows["registration"].dropna()
        assert entry["registration"] == (registration.iloc[0] if len(registration) else None)
        mine = gaps[gaps["icao24"] == hex_].head(2)
        assert [g["duration_s"] for g in entry["largest_gaps"]] == [
            round(float(d), 1) for d in mine["duration_s"]
        ]
    # the Egyptian Il-76 of the story: registered in Egypt, silent for hours over Serbia
    il76 = by_hex["010075"]
    assert il76["registered_country"] == "EG"
    assert il76["largest_gaps"][0]["duration_s"] > 3 * 3600


def test_registered_countries_agree_with_one_lookup_per_address():
    addresses = ["010075", "4C01E5", "~25ded5", "zzzzzz", "3c6444", "000001", "273456789"]
    one_by_one = []
    for a in addresses[:-1]:
        try:
            one_by_one.append(icao.lookup(a).iso2)
        except ReferenceDataError:
            one_by_one.append(None)
    got = registered_countries(addresses)
    assert got[:-1] == one_by_one
    assert got[:3] == ["EG", "RS", None] and got[4] == "DE"
    assert got[-1] == "RU"  # an MMSI: the flag state of its MID (273: Russia)
    assert registered_countries([]) == []


@pytest.mark.parametrize("column", ["registration", "typecode"])
def test_summary_takes_the_first_value_that_is_not_missing(sample_tracks, column):
    summary = sample_tracks.summary().set_index("icao24")
    for hex_, rows in sample_tracks.df.groupby("icao24"):
        values = rows[column].dropna()
        want = values.iloc[0] if len(values) else None
        got = summary.loc[hex_, column]
        assert (got if isinstance(got, str) else None) == want, hex_
