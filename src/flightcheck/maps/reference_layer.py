"""The airport-scale basemap: airports, runways (with designators), cities and country
labels, drawn from :mod:`flightcheck.maps.surroundings` data in a pane over the land and
tracks, under the markers.

Nothing here is interactive and nothing is fetched. What shows depends on the zoom, through
CSS classes ``fc-zge-N`` that :mod:`flightcheck.maps.behaviour` sets on the map container
(N = every level up to the current one):

* country names from zoom 3 to 6;
* large airports (and airports with stops) labelled ``ICAO / IATA`` from zoom 6, medium
  ones from 8, small fields (gap candidates) from 10; airport names from zoom 9;
* runways as grey bars from zoom 9, their designators from zoom 11;
* cities of over 1 M people from zoom 5, over 200,000 from 7, the rest from 9.
"""

from __future__ import annotations

from typing import Any

from branca.element import MacroElement
from folium.template import Template

CSS = """
.fc-label { white-space: nowrap; font: 11px/1.2 system-ui, sans-serif; color: #333;
  pointer-events: none; display: none; text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; }
.fc-label small { display: none; font-size: 10px; color: #555; }
.fc-airport-label { color: #1d3f73; font-weight: 600; }
.fc-apt-dot { display: inline-block; width: 7px; height: 7px; margin-right: 3px;
  border-radius: 50%; background: #1d3f73; border: 1px solid #fff; vertical-align: -1px; }
.fc-zge-6 .fc-airport-label.fc-min-6, .fc-zge-8 .fc-airport-label.fc-min-8,
.fc-zge-10 .fc-airport-label.fc-min-10 { display: block; }
.fc-zge-9 .fc-airport-label small { display: block; margin-left: 11px; }
path.fc-runway { display: none; }
.fc-zge-9 path.fc-runway { display: inline; }
.fc-runway-label { color: #222; font-size: 10px; font-weight: 600; }
.fc-zge-11 .fc-runway-label { display: block; }
.fc-city-label { color: #444; font-style: italic; }
.fc-zge-5 .fc-city-label.fc-min-5, .fc-zge-7 .fc-city-label.fc-min-7,
.fc-zge-9 .fc-city-label.fc-min-9 { display: block; }
.fc-country-label { color: #777; font-size: 12px; letter-spacing: .06em;
  text-transform: uppercase; }
.fc-zge-3 .fc-country-label { display: block; }
.fc-zge-7 .fc-country-label { display: none; }
"""


class ReferenceLayer(MacroElement):
    """Airports, runways, cities and country labels added to the parent layer (a
    FeatureGroup, so the layer control can hide them). ``data``: ``{"airports": [...],
    "cities": [...], "countries": [...]}`` as :mod:`~flightcheck.maps.surroundings` gives."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent._parent.get_name() }};
            var group = {{ this._parent.get_name() }};
            var data = {{ this.data|tojson }};
            if (!map.getPane('fcReference')) {
                map.createPane('fcReference').style.zIndex = 450;  // over the land (400)
                map.getPane('fcReference').style.pointerEvents = 'none';
            }
            function esc(s) {
                return String(s).replace(/[&<>"']/g, function (c) {
                    return '&#' + c.charCodeAt(0) + ';'; });
            }
            function label(where, css, html, anchor) {
                L.marker(where, {pane: 'fcReference', interactive: false, keyboard: false,
                    icon: L.divIcon({className: 'fc-label ' + css, html: html,
                                     iconSize: null, iconAnchor: anchor || [4, 5]})
                }).addTo(group);
            }
            data.countries.forEach(function (c) {
                label([c.lat, c.lon], 'fc-country-label', esc(c.name), [20, 6]);
            });
            data.cities.forEach(function (c) {
                label([c.lat, c.lon], 'fc-city-label fc-min-' + c.minzoom, esc(c.name), [-4, 6]);
            });
            data.airports.forEach(function (a) {
                a.runways.forEach(function (r) {
                    L.polyline(r.ends, {pane: 'fcReference', color: '#6b6b6b', weight: 5,
                        opacity: 0.9, interactive: false, className: 'fc-runway'}).addTo(group);
                    r.ends.forEach(function (end, i) {
                        if (r.idents[i]) {
                            label(end, 'fc-runway-label', esc(r.idents[i]), [6, 14]);
                        }
                    });
                });
                var code = esc(a.code) + (a.iata ? ' / ' + esc(a.iata) : '');
                label([a.lat, a.lon], 'fc-airport-label fc-min-' + a.minzoom,
                      '<span class="fc-apt-dot"></span>' + code + '<small>' + esc(a.name)
                      + '</small>', [5, 6]);
            });
        })();
        {% endmacro %}
    """)

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__()
        self._name = "ReferenceLayer"
        self.data = data
