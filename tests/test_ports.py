"""Packaged NGA World Port Index and the vectorised nearest-port look-up."""

from __future__ import annotations

import numpy as np
import pytest

from flightcheck.reference import ports


def test_table_is_the_deduplicated_world_port_index():
    t = ports.table()
    assert len(t) == 3803 and t["wpi_number"].is_unique
    bar = t[t["wpi_number"] == 41640].iloc[0]
    assert (bar["name"], bar["country"], bar["unlocode"], bar["harbor_size"]) == (
        "Bar",
        "ME",
        "MEBAR",
        "Small",
    )
    assert (bar["lat"], bar["lon"]) == pytest.approx((42.083333, 19.083333))
    assert (t["country"] == "NA").any()  # Namibia is not read as a missing value


def test_nearest_is_per_point_sorted_and_bounded_by_radius():
    out = ports.nearest([31.2, 0.0, 42.09], [29.9, 0.0, 19.09], radius_km=30, k=2)
    assert out["point"].tolist() == [0, 0, 2]  # Bar: the next port is 45 km away
    assert 1 not in set(out["point"])  # Gulf of Guinea at 0/0: no port within 30 km
    first = out[out["point"] == 0].iloc[0]
    assert first["unlocode"] == "EGALY" and first["distance_km"] < 10
    assert (out["distance_km"] <= 30).all()
    assert np.all(np.diff(out[out["point"] == 0]["distance_km"]) >= 0)
    single = ports.nearest(42.09, 19.09, radius_km=5)
    assert single["name"].tolist() == ["Bar"]
