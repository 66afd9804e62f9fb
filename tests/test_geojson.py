"""tracks.geojson loads in GIS tools: every geometry is accepted by shapely, and no line
mixes 2-D and 3-D positions (the bundled case has fixes without altitude in mid-leg)."""

from __future__ import annotations

import json

import numpy as np
import shapely.geometry

from flightcheck.maps.export import _coords, to_geojson


def test_every_feature_loads_in_shapely_with_one_dimension(sample_tracks, sample_routes):
    data = json.loads(json.dumps(to_geojson(sample_routes.tracks, sample_routes)))
    legs = 0
    for feature in data["features"]:
        geom = shapely.geometry.shape(feature["geometry"])
        assert geom.is_valid or geom.geom_type == "LineString"
        coords = feature["geometry"]["coordinates"]
        positions = coords if feature["geometry"]["type"] == "LineString" else [coords]
        assert len({len(p) for p in positions}) == 1, feature["properties"]["kind"]
        if feature["properties"]["kind"] == "leg":
            legs += 1
            alts = feature["properties"]["alt_m"]
            assert len(alts) == len(positions) == len(feature["properties"]["times"])
            if geom.has_z:  # 3-D only when every fix had an altitude, and then the same one
                assert [p[2] for p in positions] == alts
    assert legs >= 8


def test_a_line_with_one_unknown_altitude_is_2d_and_keeps_the_others():
    import pandas as pd

    rows = pd.DataFrame(
        {
            "lat": [44.9, 44.95, 45.0],
            "lon": [20.2, 20.25, 20.3],
            "alt_ft": [1000.0, np.nan, 3000.0],
            "alt_geom_ft": [np.nan] * 3,
        }
    )
    coords, alts = _coords(rows)
    assert coords == [[20.2, 44.9], [20.25, 44.95], [20.3, 45.0]]
    assert alts == [304.8, None, 914.4]
    rows["alt_geom_ft"] = [np.nan, 2000.0, np.nan]  # geometric altitude fills the hole
    coords, alts = _coords(rows)
    assert [len(p) for p in coords] == [3, 3, 3] and alts == [304.8, 609.6, 914.4]
