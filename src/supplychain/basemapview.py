"""The offline basemap on a Folium map: a base layer "离线底图 Offline basemap" drawn by protomaps-leaflet.

The layer fetches the TileJSON (``/api/basemap``) after the page loads and draws its vector tiles on canvas
with the styles below (roads by class with their names along them, water, the hatched no-data area, the
district and study-area boundaries, place labels in Chinese). Where the basemap has no data, a quiet note in
the map's corner says so (the TileJSON's ``coverage.note``). Nothing here asks another host for anything.

``window.SC_MAP.layers.basemap`` is the Leaflet layer group; it fires ``sc:loaded`` with ``{layer, tilejson}``
once the tiles layer exists and ``sc:empty`` when the data dir has no basemap.
"""

from __future__ import annotations

import folium
from folium.elements import JSCSSMixin
from folium.template import Template

from .messages import _

#: The renderer (vendored from npm by webapp/assets.py; this URL is only Folium's name for it).
JS_URL = "https://unpkg.com/protomaps-leaflet@5.1.0/dist/protomaps-leaflet.js"

#: Road colours (fill, casing) and widths in px at zoom 15 per OSM highway class; narrower below, wider above.
ROADS = {
    "motorway": ("#f2a65a", "#c77a35", 6.0), "trunk": ("#f6bd73", "#c98a45", 5.5),
    "primary": ("#fcd79a", "#c9a25f", 5.0), "secondary": ("#fbf0ae", "#c2b46e", 4.5),
    "tertiary": ("#ffffff", "#b9b3a6", 4.0), "unclassified": ("#ffffff", "#c4beb2", 3.0),
    "residential": ("#ffffff", "#c4beb2", 3.0), "service": ("#ffffff", "#cfcac0", 2.0),
    "other": ("#ffffff", "#cfcac0", 2.0),
}

_SCRIPT = """
(function(map, group) {
    var roads = %(roads)s;
    var P = protomapsL;
    var FONT = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif';
    function hatch() {  // the no-data area: light diagonal hatching
        var c = document.createElement("canvas"); c.width = 10; c.height = 10;
        var g = c.getContext("2d");
        g.fillStyle = "#ebe8e1"; g.fillRect(0, 0, 10, 10);
        g.strokeStyle = "#d6d1c6"; g.lineWidth = 1.2;
        g.beginPath(); g.moveTo(0, 10); g.lineTo(10, 0); g.moveTo(-5, 5); g.lineTo(5, -5);
        g.moveTo(5, 15); g.lineTo(15, 5); g.stroke();
        return c;
    }
    function w(base) { return function(z) { return Math.max(0.5, base * Math.pow(1.5, z - 15)); }; }
    function cls(names) { return function(z, f) { return names.indexOf(f.props["class"]) >= 0; }; }
    function kind(k) { return function(z, f) { return f.props.kind === k; }; }
    var order = ["service", "other", "residential", "unclassified", "tertiary", "secondary", "primary", "trunk",
                 "motorway"];
    var paint = [
        {dataLayer: "coverage", filter: kind("nodata"), symbolizer: new P.PolygonSymbolizer({pattern: hatch()})},
        {dataLayer: "coverage", filter: kind("covered"), symbolizer: new P.PolygonSymbolizer({fill: "#f8f6f1"})},
        {dataLayer: "water", symbolizer: new P.PolygonSymbolizer({fill: "#a9d3e6"})},
        {dataLayer: "boundaries", filter: kind("studyarea"),
         symbolizer: new P.LineSymbolizer({color: "#a39e93", width: 1, dash: [4, 4]})},
        {dataLayer: "boundaries", filter: kind("district"),
         symbolizer: new P.LineSymbolizer({color: "#9b59b6", width: w(3.5), opacity: 0.55, dash: [8, 5]})}
    ];
    order.forEach(function(c) {  // casings first, then fills, so crossings read as crossings
        paint.push({dataLayer: "roads", filter: cls([c]),
                    symbolizer: new P.LineSymbolizer({color: roads[c][1], width: w(roads[c][2] + 1.5), lineCap: "round"})});
    });
    order.forEach(function(c) {
        paint.push({dataLayer: "roads", filter: cls([c]),
                    symbolizer: new P.LineSymbolizer({color: roads[c][0], width: w(roads[c][2]), lineCap: "round"})});
    });
    function text(size, color, weight, halo) {
        return {font: (weight || 400) + " " + size + "px " + FONT, fill: color, stroke: "#ffffff",
                width: halo || 3, labelProps: ["name"]};
    }
    var labels = [
        {dataLayer: "labels", filter: kind("district"), symbolizer: new P.CenteredTextSymbolizer(text(17, "#4a3b55", 700, 4))},
        {dataLayer: "labels", filter: function(z, f) { return f.props.kind === "subdistrict" || f.props.kind === "town"; },
         symbolizer: new P.CenteredTextSymbolizer(text(15, "#5e4b6b", 700, 4))},
        {dataLayer: "labels", filter: kind("station"), symbolizer: new P.CenteredTextSymbolizer(text(12, "#1d5fa6", 600))},
        {dataLayer: "roads", filter: function(z, f) { return !!f.props.name; },
         symbolizer: new P.LineLabelSymbolizer(text(12, "#4d4a44", 500))},
        {dataLayer: "labels", filter: kind("road"), symbolizer: new P.CenteredTextSymbolizer(text(12, "#4d4a44", 500))},
        {dataLayer: "labels", filter: kind("place"), symbolizer: new P.CenteredTextSymbolizer(text(12, "#6b6256", 500))},
        {dataLayer: "labels", filter: kind("community"), symbolizer: new P.CenteredTextSymbolizer(text(11, "#857b70"))},
        {dataLayer: "labels", filter: kind("poi"), symbolizer: new P.CenteredTextSymbolizer(text(11, "#5d7a5f"))},
        {dataLayer: "labels", filter: kind("bus_stop"), symbolizer: new P.CenteredTextSymbolizer(text(10, "#8a6d3b"))}
    ];
    function note(tj) {
        var cov = tj.coverage || {};
        if (cov.complete || !cov.note) { return; }
        var ctl = L.control({position: "bottomleft"});
        ctl.onAdd = function() {
            var div = L.DomUtil.create("div", "sc-basemap-note");
            div.textContent = cov.note;  // text, never HTML
            div.title = cov.note;
            // On phones the note is cut to two lines; a tap shows it whole (and hides it again).
            div.addEventListener("click", function() { div.classList.toggle("open"); });
            L.DomEvent.disableClickPropagation(div);
            return div;
        };
        function sync() { if (map.hasLayer(group)) { ctl.addTo(map); } else { ctl.remove(); } }
        map.on("baselayerchange", sync);
        sync();
    }
    fetch(%(url)s, {headers: {"Accept": "application/json"}})
      .then(function(r) { return r.ok ? r.json() : null; })
      .then(function(tj) {
          if (!tj || !tj.tiles || !tj.tiles.length) { group.fire("sc:empty"); return; }
          var b = tj.bounds;
          var layer = P.leafletLayer({url: tj.tiles[0], maxDataZoom: tj.maxzoom, paintRules: paint,
                                      labelRules: labels, backgroundColor: "#f1eee6", attribution: "",  // the map credits OSM once
                                      bounds: [[b[1], b[0]], [b[3], b[2]]], maxZoom: 19});
          group.addLayer(layer);
          note(tj);
          group.fire("sc:loaded", {layer: layer, tilejson: tj});
      })
      .catch(function(err) { console.warn("could not load the basemap", err); });
})(%(map)s, %(group)s);
"""


class OfflineBasemap(JSCSSMixin, folium.map.Layer):
    """A base layer whose tiles come from the app's own basemap (``url``: its TileJSON)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.layerGroup();
        {{ this.code }}
        {% endmacro %}
    """)
    default_js = [("protomaps_leaflet", JS_URL)]

    def __init__(self, url: str = "/api/basemap", name: str | None = None, show: bool = True):
        super().__init__(name=name or _("Offline basemap"), overlay=False, control=True, show=show)
        self._name = "OfflineBasemap"
        self.url = url

    def render(self, **kwargs):
        import json

        self.code = _SCRIPT % {"roads": json.dumps(ROADS), "url": json.dumps(self.url),
                               "map": self._parent.get_name(), "group": self.get_name()}
        super().render(**kwargs)


def add_basemap(m: folium.Map, url: str = "/api/basemap") -> OfflineBasemap:
    """Add the offline basemap as the map's default base layer (published as ``SC_MAP.layers.basemap``)."""
    layer = OfflineBasemap(url)
    layer.add_to(m)
    getattr(m, "_sc_layers", {})["basemap"] = layer
    return layer
