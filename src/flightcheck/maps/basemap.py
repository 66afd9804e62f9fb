"""The offline basemap: Natural Earth country outlines drawn as one GeoJSON layer.

No tiles are fetched: the page's background is the sea, countries are light polygons with
grey borders. Coordinates are rounded to 0.01° (~1 km), enough at the scales where 1:110m
outlines are meaningful, to keep the page small.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import shapely
from branca.element import MacroElement
from folium.template import Template

LAND = "#f6f5ee"
BORDER = "#9a9a9a"
DECIMALS = 2


def outline_features(
    names: list[str | None], geometries: np.ndarray, codes: list[str | None]
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of country outlines, coordinates rounded to 0.01°.

    ``geometries``: shapely (Multi)Polygons; ``names``/``codes``: country names and ISO-2
    codes for the tooltip (None where unknown).
    """
    geoms = np.asarray(geometries, dtype=object)
    coords = shapely.get_coordinates(geoms)
    geoms = shapely.set_coordinates(geoms.copy(), np.round(coords, DECIMALS))
    geoms = shapely.make_valid(geoms)
    features = []
    for name, code, text in zip(names, codes, shapely.to_geojson(geoms).tolist(), strict=True):
        features.append(
            {
                "type": "Feature",
                "properties": {"name": name, "iso2": code},
                "geometry": json.loads(text),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def country_outlines() -> dict[str, Any]:
    """Natural Earth 1:110m admin-0 outlines from the packaged reference data."""
    from flightcheck.reference import countries

    table = countries.geometries("110m")
    return outline_features(
        table["name"].tolist(), table["geometry"].to_numpy(), table["iso2"].tolist()
    )


class CountryOutlines(MacroElement):
    """A non-interactive ``L.geoJSON`` layer of country outlines added to its parent layer.

    Every outline is an SVG path with class ``fc-basemap``.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.geoJSON({{ this.data|tojson }}, {
            style: {{ this.style|tojson }},
            interactive: false
        }).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__()
        self._name = "CountryOutlines"
        self.data = data
        self.style = {
            "color": BORDER,
            "weight": 0.7,
            "fillColor": LAND,
            "fillOpacity": 1.0,
            "className": "fc-basemap",
        }
