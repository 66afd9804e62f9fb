"""Findings split by aircraft once give each aircraft's rows as filtering per aircraft did."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from flightcheck.routes import by_aircraft


def filtered(frame: pd.DataFrame | None, icao24: str, sort: list[str]) -> pd.DataFrame:
    """The implementation before issue 15 (the whole frame filtered for each aircraft)."""
    if frame is None or len(frame) == 0:
        return pd.DataFrame(columns=list(frame.columns) if frame is not None else [])
    sub = frame[frame["icao24"] == icao24]
    keys = [k for k in sort if k in sub.columns]
    if keys and len(sub):
        when = pd.to_datetime(sub[keys[0]], utc=True)
        for k in keys[1:]:
            when = when.fillna(pd.to_datetime(sub[k], utc=True))
        sub = sub.iloc[np.argsort(when.to_numpy(), kind="stable")]
    return sub.reset_index(drop=True)


def stops_frame(seed: int) -> pd.DataFrame:
    """Interleaved aircraft, arrivals unknown (before the data) for some stops, equal times."""
    rng = np.random.default_rng(seed)
    n = 60
    t = pd.Timestamp("2025-10-15T00:00Z") + pd.to_timedelta(rng.integers(0, 20, n) * 600, "s")
    arrival = pd.Series(t).where(rng.random(n) > 0.2)
    return pd.DataFrame(
        {
            "icao24": rng.choice(["010070", "4b1805", "a1b2c3"], n),
            "airport": rng.choice(["LYBT", "HECW", "ZWWW"], n),
            "arrival": arrival.dt.strftime("%Y-%m-%dT%H:%M:%SZ").where(arrival.notna(), None),
            "departure": (t + pd.Timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "row": np.arange(n),
        }
    )


@pytest.mark.parametrize("seed", range(5))
def test_same_rows_as_filtering_each_aircraft(seed):
    frame = stops_frame(seed)
    of = by_aircraft(frame, ["arrival", "departure"])
    for hex_ in ["010070", "4b1805", "a1b2c3", "ffffff"]:
        pd.testing.assert_frame_equal(of(hex_), filtered(frame, hex_, ["arrival", "departure"]))
    assert of("010070")["row"].tolist() != sorted(of("010070")["row"])  # time order, not rows


def test_empty_and_missing_findings():
    empty = stops_frame(0).iloc[:0]
    got = by_aircraft(empty, ["time"])("010070")
    assert list(got.columns) == list(filtered(empty, "010070", ["time"]).columns)
    # an empty findings table keeps its dtypes (the declared schema's), where filtering
    # gave object columns
    pd.testing.assert_frame_equal(got, empty.reset_index(drop=True))
    assert str(got["row"].dtype) == "int64"
    pd.testing.assert_frame_equal(
        by_aircraft(None, ["time"])("010070"), filtered(None, "010070", ["time"])
    )


def test_sample_routes_findings_as_filtered(sample_routes):
    seg = sample_routes.segmentation
    for name, sort in (
        ("stops", ["arrival", "departure"]),
        ("events", ["time"]),
        ("gaps", ["start"]),
    ):
        frame = getattr(seg, name)
        of = by_aircraft(frame, sort)
        for route in sample_routes:
            pd.testing.assert_frame_equal(of(route.icao24), filtered(frame, route.icao24, sort))
            pd.testing.assert_frame_equal(getattr(route, name), of(route.icao24))


def test_a_stop_at_no_known_airport_is_left_out_of_the_route_summary(sample_routes):
    from flightcheck.routes.countries import collapse

    route = next(r for r in sample_routes if len(r.stops) >= 2)
    stops = route.stops.copy()
    stops.loc[0, ["airport", "country"]] = np.nan  # an observed stop away from any airport
    nowhere = type(route)(**{**route.__dict__, "stops": stops})
    assert nowhere.airports == route.airports[1:]
    assert route.airports[1] in nowhere.summary
    assert collapse(["EG", np.nan, None, "", "EG", "CN"]) == ["EG", "CN"]


def test_route_json_as_pandas_records_would_give(sample_routes, monkeypatch):
    from flightcheck import routes
    from flightcheck.routes import deferred

    def fresh():
        return routes.build_routes(sample_routes.tracks, sample_routes.segmentation)

    fast = fresh().to_dict()  # records of the tables of all aircraft, frames never made
    monkeypatch.setattr(deferred, "records", lambda frame: frame.to_dict("records"))
    made = fresh()
    for r in made:  # each route's frames made, then their records as pandas gives them
        assert all(len(getattr(r, name).columns) for name in ("stops", "legs", "events"))
    slow = made.to_dict()
    assert fast == slow
    assert sum(len(a["stops"]) + len(a["legs"]) + len(a["gaps"]) for a in fast["aircraft"]) > 30


def test_map_as_with_findings_filtered_for_each_aircraft(sample_routes, monkeypatch):
    from flightcheck.maps import build
    from flightcheck.segment import Segmentation

    seg = sample_routes.segmentation
    shuffled = Segmentation(seg.stops.sample(frac=1.0, random_state=3), seg.events, seg.gaps)
    legs = sample_routes.legs.sample(frac=1.0, random_state=4)
    assert not shuffled.stops["icao24"].is_monotonic_increasing
    fast = [
        build.render_html(build.build_map(sample_routes.tracks, shuffled, legs=given))
        for given in (legs, None)
    ]
    monkeypatch.setattr(
        build, "by_aircraft", lambda frame, sort: lambda icao24: filtered(frame, icao24, sort)
    )
    slow = [
        build.render_html(build.build_map(sample_routes.tracks, shuffled, legs=given))
        for given in (legs, None)
    ]
    assert fast == slow
    routes_legs = {(r["icao24"], str(r["leg"])) for r in sample_routes.legs.to_dict("records")}
    routed = {h for h, _ in routes_legs}
    drawn = {(h, n) for h, n in re.findall(r"([0-9a-f~]{6}) leg (\d+): ", fast[0]) if h in routed}
    assert drawn <= routes_legs and len(drawn) >= 0.8 * len(routes_legs)  # each its own legs


def test_source_counts_of_the_table_as_counted_per_aircraft(sample_routes):
    """Each aircraft's count of inputs, taken once for the whole table, is what counting its
    own fixes' sources gave, flagged fixes and a missing source included."""
    from flightcheck.routes.aircraft import AircraftRows

    df = sample_routes.tracks.df
    flags = df["flag"].astype(object).where(np.arange(len(df)) % 7 != 3, "refuted")
    table = df.assign(flag=flags.astype(df["flag"].dtype))
    table.loc[table.index[::11], "source"] = None
    counts = {a.icao24: a.n_sources for a in AircraftRows.of(table)}
    assert sorted(counts) == sorted(pd.unique(df["icao24"]))
    assert max(counts.values()) > 1
    for a in AircraftRows.of(table):
        assert a.n_sources == len(pd.unique(a.sources)), a.icao24
