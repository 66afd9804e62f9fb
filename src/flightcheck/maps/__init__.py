"""Evidence maps: one self-contained HTML file (Leaflet inlined, Natural Earth basemap, no
network) showing legs, silences, stops, events, unaccounted time and annotations.

``build_map(tracks)`` returns a folium Map (it displays in notebooks); ``save_map(m, path)``
writes it; ``snapshot(path, png)`` renders a PNG through headless Chromium.
"""

from flightcheck.maps.assets import RemoteReferenceError, check_offline, remote_references
from flightcheck.maps.build import build_map, map_routes, render_html, save_map

__all__ = [
    "RemoteReferenceError",
    "build_map",
    "check_offline",
    "map_routes",
    "remote_references",
    "render_html",
    "save_map",
]
