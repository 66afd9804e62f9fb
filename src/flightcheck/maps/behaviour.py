"""The page's own behaviour, one inline script added last to the map:

* the first view: the findings' bounds, set without animation;
* zoom classes: the map container carries ``fc-zge-N`` for every N up to the current zoom
  (the reference layer's labels and runways show and hide by CSS);
* spreading: finding markers (stops, events, annotations: Leaflet markers with an ``fcId``
  option) whose centres fall within ``SPREAD_PX`` of each other are fanned out on a small
  circle round their shared point, so each can be clicked; recomputed on every zoom and
  whenever a layer is shown or hidden;
* popups keep clear of the boxes: opening one folds the title box and legend, and pans the
  map if the popup still overlaps them;
* focus: ``fcFocus(id)`` (also ``#focus=ID`` in the address, and ``postMessage({fcFocus:
  ID})`` from a parent page such as the report) shows the finding's layer, centres it at
  zoom 10 or more and opens its popup; ``fcFocus({bounds: [[s, w], [n, e]]})`` fits an area;
* ``window.fcMap`` is the Leaflet map, ``fcHome()`` returns to the first view; finding
  markers carry ``data-fc-id``;
* publication: ``fcPublish({caption, credits, bounds})`` hides every control and box except
  the scale bar and legend, writes the caption and credits as text, and fits the bounds.
"""

from __future__ import annotations

from typing import Any

from branca.element import MacroElement
from folium.template import Template

SPREAD_PX = 24
"""Marker centres closer than this (px) are fanned out; a marker is 22 px wide."""

CSS = """
.fc-publish .leaflet-control-zoom, .fc-publish .leaflet-control-layers,
.fc-publish .fc-title, .fc-publish .leaflet-popup, .fc-publish .leaflet-tooltip,
.fc-publish .fc-footer, .fc-publish .fc-toggle { display: none !important; }
.fc-caption { display: none; }
.fc-publish .fc-caption { display: block; left: 10px; top: 10px; max-width: 60%;
  font-size: 13px; }
.fc-caption .fc-credits { font-size: 10px; color: #555; margin-top: 3px; }
"""


class Behaviour(MacroElement):
    """The page script described in the module docstring, bound to the parent map."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var SPREAD = {{ this.spread_px }};
            map.fitBounds({{ this.bounds|tojson }}, {paddingTopLeft: [30, 60],
                          paddingBottomRight: [60, 40], animate: false});
            function zoomClasses() {
                var z = map.getZoom(), c = map.getContainer();
                for (var i = 0; i <= 20; i++) { c.classList.toggle('fc-zge-' + i, z >= i); }
            }
            function findingMarkers() {
                var out = [];
                map.eachLayer(function (l) {
                    if (l instanceof L.Marker && l.options.fcId && l._icon) { out.push(l); }
                });
                out.sort(function (a, b) {
                    return a.options.fcId < b.options.fcId ? -1 : 1; });
                return out;
            }
            function spread() {
                var ms = findingMarkers();
                var pts = ms.map(function (m) { return map.latLngToLayerPoint(m.getLatLng()); });
                var done = ms.map(function () { return false; });
                for (var i = 0; i < ms.length; i++) {
                    if (done[i]) { continue; }
                    var group = [i];
                    done[i] = true;
                    for (var j = i + 1; j < ms.length; j++) {
                        if (!done[j] && pts[i].distanceTo(pts[j]) < SPREAD) {
                            group.push(j); done[j] = true;
                        }
                    }
                    var n = group.length;
                    var r = n > 1 ? (SPREAD / 2 + 3) / Math.sin(Math.PI / n) : 0;
                    group.forEach(function (k, at) {
                        var a = 2 * Math.PI * at / n - Math.PI / 2;
                        var icon = ms[k]._icon, anchor = ms[k].options.icon.options.iconAnchor;
                        var ax = anchor ? anchor[0] : 11, ay = anchor ? anchor[1] : 11;
                        var dx = n > 1 ? Math.round(r * Math.cos(a)) : 0;
                        var dy = n > 1 ? Math.round(r * Math.sin(a)) : 0;
                        icon.style.marginLeft = (dx - ax) + 'px';
                        icon.style.marginTop = (dy - ay) + 'px';
                        icon.classList.toggle('fc-spread', n > 1);
                        icon.setAttribute('data-fc-id', ms[k].options.fcId);
                    });
                }
            }
            var pending = null;
            function later() {
                if (pending) { return; }
                pending = setTimeout(function () { pending = null; spread(); }, 0);
            }
            function boxes() {
                return Array.prototype.slice.call(
                    document.querySelectorAll('.fc-title, .fc-legend'));
            }
            function fold() {
                boxes().forEach(function (b) { if (b.open !== undefined) { b.open = false; } });
            }
            function clearOfBoxes(popup) {
                var el = popup.getElement();
                if (!el) { return; }
                var p = el.getBoundingClientRect(), dx = 0, dy = 0;
                boxes().forEach(function (b) {
                    var q = b.getBoundingClientRect();
                    if (p.left < q.right && p.right > q.left && p.top < q.bottom
                        && p.bottom > q.top) {
                        if (q.top < window.innerHeight / 2) {
                            dy = Math.min(dy, p.top - q.bottom - 8);
                        }
                        else { dy = Math.max(dy, p.bottom - q.top + 8); }
                    }
                });
                if (dy) { map.panBy([dx, dy], {animate: false}); }
            }
            function layerOf(marker) {
                var found = null;
                map.eachLayer(function (l) {
                    if (!found && l instanceof L.FeatureGroup && l.hasLayer(marker)) { found = l; }
                });
                return found;
            }
            var registry = {};
            {{ this.registry_js }}
            function focus(what) {
                if (what && what.bounds) {
                    map.fitBounds(what.bounds, {padding: [30, 30]});
                    return true;
                }
                var entry = registry[what];
                if (!entry) { return false; }
                if (!map.hasLayer(entry.group)) { map.addLayer(entry.group); }
                if (entry.bounds) {  // a silence drawn as a dashed line only
                    map.fitBounds(entry.bounds, {padding: [60, 60], animate: false});
                    L.popup({maxWidth: 420, className: 'fc-leaflet-popup'})
                        .setLatLng(L.latLngBounds(entry.bounds).getCenter())
                        .setContent(entry.popup).openOn(map);
                    return true;
                }
                if (entry.marker.getLatLng) {
                    map.setView(entry.marker.getLatLng(), Math.max(map.getZoom(), 10),
                                {animate: false});
                } else {  // an area (unaccounted time)
                    map.fitBounds(entry.marker.getBounds(), {padding: [30, 30], animate: false});
                }
                spread();
                entry.marker.openPopup();
                return true;
            }
            function fromHash() {
                var m = /(?:^#|&)focus=([^&]+)/.exec(window.location.hash);
                if (m) { focus(decodeURIComponent(m[1])); }
            }
            function publish(opts) {
                opts = opts || {};
                map.closePopup();
                document.body.classList.add('fc-publish');
                boxes().forEach(function (b) { if (b.open !== undefined) { b.open = true; } });
                var box = document.querySelector('.fc-caption');
                box.querySelector('.fc-caption-text').textContent = opts.caption || '';
                box.querySelector('.fc-credits').textContent = opts.credits || '';
                if (opts.bounds) {
                    map.fitBounds(opts.bounds, {padding: [20, 20], animate: false});
                }
                zoomClasses();
                spread();
            }
            map.on('zoomend', function () { zoomClasses(); spread(); });
            map.on('layeradd layerremove overlayadd overlayremove', later);
            map.on('popupopen', function (e) {
                fold();  // then, once Leaflet's own pan (0.25 s) is over, any overlap left
                setTimeout(function () { clearOfBoxes(e.popup); }, 300);
            });
            window.addEventListener('hashchange', fromHash);
            window.addEventListener('message', function (e) {
                if (e.data && e.data.fcFocus) { focus(e.data.fcFocus); }
            });
            var home = null;  // the first view, once the page has its size
            function setHome() { home = {center: map.getCenter(), zoom: map.getZoom()}; }
            window.fcHome = function () {
                map.closePopup();
                if (!home) { setHome(); }
                map.setView(home.center, home.zoom, {animate: false});
                boxes().forEach(function (b) { if (b.open !== undefined) { b.open = true; } });
            };
            window.fcMap = map;
            window.fcFocus = focus;
            window.fcPublish = publish;
            window.fcSpread = spread;
            zoomClasses();
            spread();
            window.addEventListener('load', function () {
                setHome(); zoomClasses(); spread(); fromHash();
            });
        })();
        {% endmacro %}
    """)

    def __init__(self, registry: dict[str, tuple[Any, Any]], bounds: list[list[float]]) -> None:
        """``registry``: finding id -> (its folium marker, the feature group holding it);
        ``bounds``: ``[[south, west], [north, east]]`` of the first view."""
        super().__init__()
        self.bounds = bounds
        self._name = "Behaviour"
        self.spread_px = SPREAD_PX
        self._registry = registry

    @property
    def registry_js(self) -> str:
        """The registry as JS: a marker or area by its JS name, or a silence drawn only as a
        dashed line as ``{bounds, popup}``."""
        import json

        out = []
        for k, (m, g) in sorted(self._registry.items()):
            what = (
                f"bounds: {json.dumps(m['bounds'])}, popup: {json.dumps(m['popup'])}"
                if isinstance(m, dict)
                else f"marker: {m.get_name()}"
            )
            out.append(f"registry[{json.dumps(k)}] = {{{what}, group: {g.get_name()}}};\n")
        return "".join(out)
