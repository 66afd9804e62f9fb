"""The track table constructor: schema, units untouched, bad records, time order, cleaning."""

import pandas as pd
import pytest

from flightcheck.errors import InputError
from flightcheck.io.context import ReadContext, ReadOptions
from flightcheck.track.table import SCHEMA, check_time_order, clean, empty, to_track_table, validate


def frame(**cols):
    base = {
        "time": [1760000000.0, 1760000005.0, 1760000010.0],
        "icao24": ["01007A", "01007a", "01007a"],
        "lat": [44.93, 44.94, 44.95],
        "lon": [20.25, 20.26, 20.27],
        "row": [1, 2, 3],
    }
    base.update(cols)
    return pd.DataFrame(base)


def test_schema_is_complete_and_typed():
    t = to_track_table(frame(callsign=["EGY1076 ", None, ""]), ReadContext("a.json"))
    validate(t)
    assert list(t.columns) == list(SCHEMA)
    assert t["icao24"].tolist() == ["01007a"] * 3
    assert t["time"].iloc[0] == pd.Timestamp("2025-10-09T08:53:20Z")
    assert t["callsign"].iloc[0] == "EGY1076"
    assert t["callsign"].isna().tolist() == [False, True, True]
    assert t["source"].unique().tolist() == ["a.json"]
    assert t["kind"].unique().tolist() == ["aircraft"]
    assert t["on_ground"].isna().all()
    validate(empty())


def test_position_source_sets_mlat_flag():
    t = to_track_table(frame(position_source=["adsb", "mlat", "weird"]), ReadContext("a"))
    assert t["mlat"].tolist() == [False, True, False]
    assert t["position_source"].tolist() == ["adsb", "mlat", "other"]


def test_missing_positions_are_dropped_and_counted():
    ctx = ReadContext("a.csv")
    t = to_track_table(frame(lat=[44.9, float("nan"), 45.0]), ctx)
    assert len(t) == 2
    assert ctx.dropped["no position"] == 1


@pytest.mark.parametrize(
    "cols, message",
    [
        ({"lat": [44.9, 95.0, 45.0]}, "latitude out of range"),
        ({"lon": [20.0, 20.1, -181.0]}, "longitude out of range"),
        ({"icao24": ["010070", None, "010070"]}, "missing aircraft address"),
    ],
)
def test_bad_records_fail_strict_and_are_counted_with_skip_bad(cols, message):
    with pytest.raises(InputError) as err:
        to_track_table(frame(**cols), ReadContext("trace.json"))
    assert message in str(err.value)
    assert str(err.value).startswith("trace.json: record ")
    ctx = ReadContext("trace.json", ReadOptions(skip_bad=True))
    t = to_track_table(frame(**cols), ctx)
    assert len(t) == 2
    assert sum(ctx.dropped.values()) == 1


def test_time_going_backwards_is_bad_per_aircraft():
    t = to_track_table(frame(time=[1760000000.0, 1760000010.0, 1760000005.0]), ReadContext("x"))
    with pytest.raises(InputError, match="x: record 3: time goes backwards"):
        check_time_order(t, ReadContext("x"))
    ctx = ReadContext("x", ReadOptions(skip_bad=True))
    assert check_time_order(t, ctx)["row"].tolist() == [1, 2]
    # a different aircraft starting earlier is not "backwards"
    two = to_track_table(
        frame(
            icao24=["010070", "4c0001", "4c0001"], time=[1760000100.0, 1760000000.0, 1760000001.0]
        ),
        ReadContext("x"),
    )
    assert len(check_time_order(two, ReadContext("x"))) == 3


def test_clean_sorts_dedupes_and_carries_callsign():
    a = to_track_table(frame(callsign=[None, "EGY1076", None]), ReadContext("a"))
    b = to_track_table(
        frame(
            time=[1760000005.0, 1760000020.0, 1760000030.0],
            lat=[44.94, 45.0, 45.1],
            lon=[20.26, 20.3, 20.4],
        ),
        ReadContext("b"),
    )
    table, removed = clean(pd.concat([a, b], ignore_index=True))
    # b's first point repeats a's second exactly; a came first, a's kept, b's copy recorded
    assert removed[["source", "row"]].values.tolist() == [["b", 1]]
    assert removed["time"].iloc[0] == pd.Timestamp(1760000005.0, unit="s", tz="UTC")
    assert table["time"].is_monotonic_increasing
    assert len(table) == 5
    from_a = table[table["source"] == "a"]
    assert from_a["callsign"].tolist() == ["EGY1076"] * 3
