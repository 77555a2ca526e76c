"""Folium maps built from the workspace and analysis results (no Flask here).

The pages embed these maps; their JavaScript reaches the Leaflet objects through ``window.SC_MAP``
(see :class:`PageHook`). Choices that matter to users:

- No tile server is needed: the base layer is the data dir's own offline basemap (:mod:`supplychain.basemapview`);
  the road network as plain lines is an overlay (off); online tile services (:mod:`supplychain.tilesources`) are
  base-layer options that are off until the user picks one.
- Entities whose location is only known to a town or district never look exact: a hollow dashed marker plus
  a translucent circle of their disc region (:mod:`supplychain.uncertainty`; a district polygon region is the
  district boundary already drawn).
- Unlocated entities are never drawn.
- Every map carries "© OpenStreetMap contributors".

Every CDN URL Folium would emit is rewritten through an ``asset_url(name, url)`` function given to
:func:`render_parts` (the web app passes ``webapp.assets.local_url``), so a page makes no outside request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

import folium
from branca.element import Figure
from folium.elements import JSCSSMixin
from folium.plugins import FeatureGroupSubGroup, MarkerCluster
from folium.template import Template

from . import basemapview, display, measure, taxonomy, tilesources
from .messages import _
from .registry import Entity

ATTRIBUTION = tilesources.OSM_ATTRIBUTION

#: Marker colour per entity kind (also used by the legend).
KIND_COLORS = {
    "firm": "#1f6fb4",
    "institute": "#7b3fa0",
    "park": "#2a9a3a",
    "talent_apartment": "#e07b00",
    "bus_stop": "#c62828",
}
#: Precisions drawn as hollow, dashed markers: the point is only a reference for a town or the district.
COARSE_PRECISIONS = ("town", "district")

#: Road style per OSM highway class (network.HIGHWAY_CLASSES): (colour, weight in px).
ROAD_STYLE = {
    "motorway": ("#8d99a6", 3.0), "trunk": ("#8d99a6", 2.6), "primary": ("#9aa5b1", 2.2),
    "secondary": ("#a7b1bb", 1.8), "tertiary": ("#b4bdc6", 1.4), "unclassified": ("#c1c8cf", 1.0),
    "residential": ("#c9cfd5", 0.9), "service": ("#d3d8dd", 0.7), "other": ("#d3d8dd", 0.7),
}

AssetUrl = Callable[[str, str], "str | None"]

DEFAULT_CENTER = (31.26448, 120.62801)  # 吴中区 district reference point


# ----------------------------------------------------------------------------------------------------
# Small Folium elements

class _Script(folium.MacroElement):
    """A piece of JavaScript that runs inside the map's script, with ``{{ map }}`` as the Leaflet map."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function(map) { {{ this.code }} })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, code: str):
        super().__init__()
        self._name = "Script"
        self.code = code


class AsyncGeoJson(folium.MacroElement):
    """Fill a FeatureGroup with GeoJSON fetched from ``url`` when it is first shown (a 404 leaves it empty).

    ``style_js`` is a JavaScript function ``feature -> Leaflet path options``. Lines are drawn on a canvas
    and are not interactive, so map clicks pass through them.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function(group) {
            var style = {{ this.style_js }};
            // Fetched when the group is first shown (an overlay that starts off costs nothing until then).
            group.once("add", function() {
            fetch({{ this.url|tojson }}, {headers: {"Accept": "application/geo+json, application/json"}})
              .then(function(r) { return r.ok ? r.json() : null; })
              .then(function(data) {
                  if (!data) { group.fire("sc:empty"); return; }
                  var layer = L.geoJSON(data, {style: style, interactive: false,
                                               renderer: L.canvas({padding: 0.3})});
                  group.addLayer(layer);
                  {% if this.to_back %}if (layer.bringToBack) { layer.bringToBack(); }{% endif %}
                  group.fire("sc:loaded", {layer: layer, data: data});
              })
              .catch(function(err) { console.warn("could not load", {{ this.url|tojson }}, err); });
            });
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, url: str, style_js: str, to_back: bool = False):
        super().__init__()
        self._name = "AsyncGeoJson"
        self.url = url
        self.style_js = style_js
        self.to_back = to_back


class EntityLayer(folium.MacroElement):
    """Registry entities as clustered markers, one LayerControl overlay per kind (built in the browser).

    The data is embedded once as compact JSON and turned into Leaflet markers by a small script, which keeps
    the page small and fast with thousands of entities. The resulting JavaScript object (named by
    ``get_name()``) has ``markers``, ``byId``, ``groups`` (kind -> subgroup), ``cluster``, ``popupHtml(d)``
    and ``setFilter(fn)`` (show only entities whose data ``d`` passes ``fn``; ``null`` shows all).
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function(map) {
            var data = {{ this.data_json }};
            var catZh = {{ this.cat_zh_json }};
            var kindLabel = {{ this.kind_labels|tojson }};
            var colors = {{ this.colors|tojson }};
            var coarse = {{ this.coarse|tojson }};
            var T = {{ this.labels|tojson }};
            var groups = { {%- for kind, g in this.groups.items() %}{{ kind|tojson }}: {{ g.get_name() }},{% endfor -%} };
            var cluster = {{ this.cluster.get_name() }};
            function esc(s) {
                return String(s == null ? "" : s).replace(/[&<>"']/g, function(c) {
                    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
                });
            }
            function icon(d) {
                var c = colors[d.kind] || "#555";
                var html = coarse.indexOf(d.prec) >= 0
                    ? '<div style="width:11px;height:11px;border-radius:50%;border:2px dashed ' + c +
                      ';background:rgba(255,255,255,.55)"></div>'
                    : '<div style="width:11px;height:11px;border-radius:50%;border:2px solid #fff;background:' + c +
                      ';box-shadow:0 0 0 1px ' + c + '"></div>';
                return L.divIcon({className: "sc-pin", html: html, iconSize: [15, 15], iconAnchor: [7.5, 7.5],
                                  popupAnchor: [0, -7]});
            }
            function popupHtml(d) {
                var cats = (d.cats || []).map(function(c) { return esc(catZh[c] || c); }).join("、");
                var unc = d.unc ? " (±" + (d.unc >= 1000 ? (d.unc / 1000) + " km" : d.unc + " m") + ")"
                    : d.region ? "（" + esc(T.anywhere).split("{district}").join(esc(d.region)) + "）" : "";
                return '<div class="sc-popup" data-entity="' + esc(d.id) + '">' +
                    "<b>" + esc(d.zh) + "</b>" + (d.en ? "<br><span>" + esc(d.en) + "</span>" : "") +
                    "<table><tr><th>" + esc(T.kind) + "</th><td>" + esc(kindLabel[d.kind] || d.kind) + "</td></tr>" +
                    (cats ? "<tr><th>" + esc(T.categories) + "</th><td>" + cats + "</td></tr>" : "") +
                    (d.addr ? "<tr><th>" + esc(T.address) + "</th><td>" + esc(d.addr) + "</td></tr>" : "") +
                    "<tr><th>" + esc(T.precision) + "</th><td>" + esc(d.prec) + unc +
                    (coarse.indexOf(d.prec) >= 0 ? " — " + esc(T.reference) : "") + "</td></tr>" +
                    (d.src ? "<tr><th>" + esc(T.source) + "</th><td class=\\"sc-src\\">" + esc(d.src) + "</td></tr>" : "") +
                    "<tr><th>ID</th><td><code>" + esc(d.id) + "</code></td></tr></table></div>";
            }
            var markers = [], byId = {}, byKind = {};
            data.forEach(function(d) {
                var m = L.marker([d.lat, d.lon], {icon: icon(d), title: d.zh + (d.en ? " " + d.en : ""),
                                                  scId: d.id, scData: d});
                m.bindPopup(function() { return popupHtml(d); }, {maxWidth: 340});
                markers.push(m); byId[d.id] = m;
                (byKind[d.kind] = byKind[d.kind] || []).push(m);
            });
            // Fill each subgroup while it is off the map, so the cluster adds its markers in one batch.
            function refill(kind, list) {
                var g = groups[kind];
                if (!g) { return; }
                var on = map.hasLayer(g);
                if (on) { map.removeLayer(g); }
                g.clearLayers();
                list.forEach(function(m) { g.addLayer(m); });
                if (on) { map.addLayer(g); }
            }
            Object.keys(byKind).forEach(function(k) { refill(k, byKind[k]); });
            return {
                markers: markers, byId: byId, groups: groups, cluster: cluster, popupHtml: popupHtml,
                setFilter: function(fn) {
                    var shown = 0;
                    Object.keys(byKind).forEach(function(k) {
                        var list = fn ? byKind[k].filter(function(m) { return fn(m.options.scData); }) : byKind[k];
                        shown += list.length;
                        refill(k, list);
                    });
                    return shown;
                }
            };
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, entities: Iterable[Entity], cluster: MarkerCluster, groups: dict[str, FeatureGroupSubGroup]):
        super().__init__()
        self._name = "EntityLayer"
        self.cluster = cluster
        self.groups = groups
        self.data = [entity_marker_data(e) for e in entities if e.located]
        self.data_json = js_json(self.data)
        self.cat_zh_json = js_json({k: v.zh for k, v in taxonomy.CATEGORIES.items()})
        self.kind_labels = {k: str(v) for k, v in taxonomy.KINDS.items()}
        self.colors = KIND_COLORS
        self.coarse = list(COARSE_PRECISIONS)
        self.labels = {"kind": _("Kind"), "categories": _("Categories"), "address": _("Address"),
                       "precision": _("Precision"), "reference": _("reference point only"), "source": _("Source"),
                       "anywhere": _("anywhere in {district}", district="{district}")}


class PageHook(folium.MacroElement):
    """Publish the map's Leaflet objects as ``window.SC_MAP`` for the page's own JavaScript.

    Runs last in the map script, after the LayerControl exists. ``SC_MAP.ready`` callbacks queued by page
    scripts before the map existed are run then too.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
            var hook = {map: {{ this._parent.get_name() }}, name: {{ this._parent.get_name()|tojson }},
                        control: {{ this.control.get_name() if this.control else "null" }},
                        layers: { {%- for key, el in this.layers.items() %}{{ key|tojson }}: {{ el.get_name() }},{% endfor -%} },
                        info: {{ this.info|tojson }}};
            var queued = (window.SC_MAP && window.SC_MAP._queue) || [];
            window.SC_MAP = hook;
            queued.forEach(function(fn) { fn(hook); });
            document.dispatchEvent(new CustomEvent("sc:map-ready", {detail: hook}));
        })();
        {% endmacro %}
    """)

    def __init__(self, control: folium.LayerControl | None, layers: dict[str, folium.MacroElement], info: dict):
        super().__init__()
        self._name = "PageHook"
        self.control = control
        self.layers = layers
        self.info = info


# ----------------------------------------------------------------------------------------------------
# Building maps

def entity_marker_data(e: Entity) -> dict:
    """The compact per-entity record the marker script and search use."""
    d = {"id": e.id, "lat": e.lat, "lon": e.lon, "zh": e.name_zh, "kind": e.kind, "prec": e.precision}
    if e.name_en:
        d["en"] = e.name_en
    if e.categories:
        d["cats"] = list(e.categories)
    if e.address:
        d["addr"] = e.address
    if e.source:
        d["src"] = e.source
    region = measure.entity_region(e)
    if region.kind == "disc":
        d["unc"] = region.radius_m
    elif region.kind == "polygon":
        d["region"] = region.describe()["district_zh"]  # anywhere in the district: its boundary is drawn
    return d


#: Characters escaped in map labels beyond HTML's: the ones that mean something inside the JavaScript string or
#: template literal Folium puts a tooltip/popup in (``${…}``, backtick, backslash, line breaks).
_LABEL_ESCAPES = {"$": "&#36;", "`": "&#96;", "\\": "&#92;", "\n": "&#10;", "\r": "&#13;",
                  "\u2028": "&#8232;", "\u2029": "&#8233;"}
_LABEL_TABLE = str.maketrans(_LABEL_ESCAPES)


def map_text(text) -> str:
    """Text for a map label (tooltip, popup, layer name): the ONE escaping path for data in Folium's HTML.

    HTML-escaped (``< > & " '``), then every character that is live inside the JavaScript template literal or
    string Folium writes labels into is turned into an HTML character reference too, so ``${…}``, backticks,
    ``</script>`` and quotes all reach the page as plain text, and the label reads exactly as given.
    """
    import html

    return html.escape("" if text is None else str(text), quote=True).translate(_LABEL_TABLE)


def js_json(obj) -> str:
    """JSON for inside a <script>: UTF-8 kept (Chinese stays 3 bytes, not 6), HTML-significant characters escaped."""
    import json

    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("'", "\\u0027").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _road_style_js() -> str:
    import json

    table = json.dumps({k: {"color": c, "weight": w} for k, (c, w) in ROAD_STYLE.items()})
    return ("(function(t) { return function(f) { var s = t[(f.properties || {}).highway] || t.other;"
            " return {color: s.color, weight: s.weight, opacity: 0.95}; }; })(" + table + ")")


def bounds_of(ws, include_boundary: bool = True) -> list[list[float]] | None:
    """[[south, west], [north, east]] covering the located entities, the network and the study area."""
    xs, ys = [], []
    for e in ws.located:
        xs.append(e.lon)
        ys.append(e.lat)
    if ws.network is not None:
        w, s, e_, n = ws.network.meta["bbox"]
        xs += [w, e_]
        ys += [s, n]
    if include_boundary and ws.study_area is not None:
        w, s, e_, n = ws.study_area.boundary.bounds
        xs += [w, e_]
        ys += [s, n]
    if not xs:
        return None
    return [[min(ys), min(xs)], [max(ys), max(xs)]]


def base_map(ws, *, network_url: str | None = "/api/network.geojson",
             boundary_url: str | None = "/api/boundary.geojson", bounds=None,
             basemap_url: str | None = "/api/basemap") -> folium.Map:
    """An empty map of the study area: road network and 吴中 boundary (both fetched), OSM tiles off.

    Parameters
    ----------
    ws
        The workspace (for the extent and whether a network exists).
    network_url, boundary_url
        Where the page fetches the road network and boundary GeoJSON; ``None`` leaves the layer out.
    basemap_url
        The offline basemap's TileJSON (:mod:`supplychain.basemapview`); ``None`` leaves it out (no server).
    bounds
        [[south, west], [north, east]] to show first (default: everything in the workspace).
    """
    # maxZoom must be set on the map itself: with no tile layer shown, Leaflet (and the cluster) have none.
    m = folium.Map(location=DEFAULT_CENTER, zoom_start=11, tiles=None, control_scale=True)
    m.options.update(maxZoom=19, minZoom=5)
    m._sc_layers = {}  # key -> folium element, published through PageHook
    if basemap_url:
        basemapview.add_basemap(m, basemap_url)  # the default base layer: the data dir's own vector tiles
    # Online tile services: options in the layer control, off by default, built by static/datum.js.
    m.add_child(_Script(f"map.scTiles = {js_json(tilesources.page_config(tilesources.configured(ws.data_dir)))};"))
    if network_url and ws.network is not None:
        roads = folium.FeatureGroup(name=_("Road network (OSM)"), show=False)  # the basemap draws them
        roads.add_child(AsyncGeoJson(network_url, _road_style_js(), to_back=True))
        roads.add_to(m)
        m._sc_layers["roads"] = roads
    if boundary_url and ws.study_area is not None:
        boundary = folium.FeatureGroup(name=_("Wuzhong boundary"), show=True)
        boundary.add_child(AsyncGeoJson(
            boundary_url, '(function(){ return {color: "#d35400", weight: 2, dashArray: "6 4", fill: true, '
                          'fillColor: "#f5b041", fillOpacity: 0.04}; })'))
        boundary.add_to(m)
        m._sc_layers["boundary"] = boundary
    # The road network is OSM data: credit it even when no tile layer is shown.
    m.add_child(_Script(f"map.attributionControl.addAttribution({_js_str(ATTRIBUTION)});"))
    bounds = bounds if bounds is not None else bounds_of(ws)
    if bounds:
        m.fit_bounds(bounds, padding=(10, 10))
    return m


def _js_str(s: str) -> str:
    import json

    return json.dumps(s)


def add_entities(m: folium.Map, entities: Iterable[Entity], *, uncertainty: bool = True) -> EntityLayer:
    """Clustered entity markers with one overlay per kind, plus the uncertainty circles of imprecise ones."""
    entities = [e for e in entities if e.located]
    cluster = MarkerCluster(control=False, options={"maxClusterRadius": 40, "spiderfyOnMaxZoom": True,
                                                    "showCoverageOnHover": False, "chunkedLoading": True})
    cluster.add_to(m)
    groups: dict[str, FeatureGroupSubGroup] = {}
    for kind, label in taxonomy.KINDS.items():
        n = sum(1 for e in entities if e.kind == kind)
        if n:
            g = FeatureGroupSubGroup(cluster, name=f"{label.zh} {label.en} ({n})", show=True)
            g.add_to(m)
            groups[kind] = g
    if uncertainty:
        circles = uncertainty_layer(entities)
        if circles is not None:
            circles.add_to(m)
            m._sc_layers["uncertainty"] = circles
    layer = EntityLayer(entities, cluster, groups)
    m.add_child(layer)
    m._sc_layers["entities"] = layer
    return layer


def uncertainty_layer(entities: Iterable[Entity]) -> folium.FeatureGroup | None:
    """One translucent circle per distinct disc region (many firms share a town reference point). Entities whose
    region is a district polygon get no circle: the district boundary drawn on every map is their region."""
    spots: dict[tuple[float, float, float], tuple[str, list[str]]] = {}
    for e in entities:
        if not e.located:
            continue
        region = measure.entity_region(e)
        if region.kind == "disc":
            spots.setdefault((e.lon, e.lat, region.radius_m), (e.precision, []))[1].append(e.id)
    if not spots:
        return None
    fg = folium.FeatureGroup(name=_("Location uncertainty"), show=True)
    for (lon, lat, radius), (prec, ids) in spots.items():
        coarse = prec in COARSE_PRECISIONS
        folium.Circle(  # ``tags``: the entities standing there, so a filter can hide the circle with them
            location=(lat, lon), radius=radius, color="#6b7785", weight=1,
            dash_array="4 4" if coarse else None, fill=True, fill_color="#8395a7", fill_opacity=0.07,
            interactive=False, tags=ids,
        ).add_to(fg)
    return fg


def add_route(m: folium.Map, ws, route_id: str = "kechuang") -> bool:
    """The 科创专线 bus route (its path and located stops), when ``supplychain.route`` provides it.

    Returns False (and draws nothing) when the route module, the route or any located part is missing.
    """
    try:
        from . import route
        data = route.route_geojson(ws, route_id, with_areas=False)
    except (ImportError, AttributeError, LookupError, ValueError):
        return False
    feats = [f for f in (data or {}).get("features", []) if f.get("geometry")]
    stops = [f for f in feats if (f.get("properties") or {}).get("role") == "stop"]
    lines = [f for f in feats if (f.get("properties") or {}).get("role") == "path"]
    if not stops and not lines:
        return False
    info = data.get("route") or {}
    name = map_text(f"{info.get('name_zh') or '科创专线'} {info.get('name_en') or 'Kechuang line'}")
    fg = folium.FeatureGroup(name=_("Kechuang bus line"), show=True)
    if lines:
        folium.GeoJson({"type": "FeatureCollection", "features": lines}, name=name,
                       style_function=lambda f: {"color": "#0a7d6e", "weight": 4, "opacity": 0.85}).add_to(fg)
    for f in stops:
        p = f["properties"]
        lon, lat = f["geometry"]["coordinates"][:2]
        coarse = p.get("precision") in COARSE_PRECISIONS
        text = f"{p.get('seq', '')}. {p.get('name_zh', '')} {p.get('name_en') or ''}".strip()
        if coarse:
            text += f" ({p.get('precision')}: {_('reference point only')})"
        folium.CircleMarker((lat, lon), radius=6, color="#0a7d6e", weight=3, fill=True, fill_color="#ffffff",
                            fill_opacity=1, dash_array="3 3" if coarse else None,
                            tooltip=map_text(_("Kechuang stop") + f" {text}")).add_to(fg)
    fg.add_to(m)
    m._sc_layers["route"] = fg
    m._sc_drawn = {**getattr(m, "_sc_drawn", {}), "route_line": bool(lines), "route_stops": bool(stops)}
    return True


def drawn(m: folium.Map) -> dict:
    """What a map actually draws (for legends that list only what is on the map)."""
    return dict(getattr(m, "_sc_drawn", {}))


def finish(m: folium.Map, info: dict | None = None, collapsed: bool = True) -> folium.Map:
    """Add the LayerControl (collapsed by default: it never covers the map unasked) and the page hook
    (call after every layer is added)."""
    control = folium.LayerControl(collapsed=collapsed, position="topright")
    control.add_to(m)
    m.add_child(PageHook(control, getattr(m, "_sc_layers", {}), info or {}))
    return m


def _fan_offset(ids: list[str], eid: str, radius_px: int = 36) -> tuple[int, int]:
    """Screen offset (px) of one of several markers sharing a point: a ring around it, none when alone."""
    if len(ids) < 2:
        return 0, 0
    import math

    a = 2 * math.pi * ids.index(eid) / len(ids) - math.pi / 2
    return round(radius_px * math.cos(a)), round(radius_px * math.sin(a))


def rate_color(rate: float | None) -> str:
    """Colour for a local sourcing rate: red (0) through amber to green (1); grey when unknown."""
    if rate is None:
        return "#888888"
    stops = [(0.0, (198, 40, 40)), (0.5, (239, 160, 0)), (1.0, (46, 139, 60))]
    r = min(max(float(rate), 0.0), 1.0)
    for (a, ca), (b, cb) in zip(stops[:-1], stops[1:]):
        if r <= b:
            t = (r - a) / (b - a)
            return "#%02x%02x%02x" % tuple(round(x + (y - x) * t) for x, y in zip(ca, cb))
    return "#2e8b3c"


def add_sourcing_makers(m: folium.Map, result: dict) -> folium.FeatureGroup:
    """Makers of a :func:`sourcing.sourcing_check` result, coloured by their local sourcing rate."""
    cat = taxonomy.CATEGORIES
    # Not clustered: every maker's coloured rate stays visible. Makers on one reference point (the 吴中 district
    # point holds several) are fanned out around it in screen space; the marker's position is still the point.
    cluster = folium.FeatureGroup(name=_("Makers by sourcing rate"), show=True)
    at_spot: dict[tuple, list[str]] = {}
    for mk in result["makers"]:
        at_spot.setdefault((mk["lat"], mk["lon"]), []).append(mk["id"])
    for mk in result["makers"]:
        rate = mk["rate_certain"]
        color = rate_color(rate)
        coarse = mk["precision"] in COARSE_PRECISIONS
        pct = display.rate(mk["rate_certain"], mk["rate_possible"])
        ranged = mk["rate_certain"] != mk["rate_possible"]
        border = f"2px dashed {color}" if coarse else "2px solid #fff"
        bg = "#fff" if coarse else color
        fg = color if coarse else "#fff"
        stripes = ";background-image:repeating-linear-gradient(135deg,rgba(240,180,41,.45) 0 3px,transparent 3px 6px)" \
            if ranged else ""
        width = 58 if ranged else 38
        dx, dy = _fan_offset(at_spot[(mk["lat"], mk["lon"])], mk["id"])
        icon = folium.DivIcon(
            html=(f'<div style="min-width:38px;padding:0 3px;height:22px;line-height:18px;border-radius:11px;'
                  f'border:{border};background:{bg}{stripes};color:{fg};font:bold 11px sans-serif;text-align:center;'
                  f'white-space:nowrap;box-shadow:0 0 0 1px {color}">{map_text(pct)}</div>'),
            icon_size=(width, 22), icon_anchor=(width // 2 - dx, 11 - dy), class_name="sc-rate-pin")
        rows = "".join(
            f"<tr><td>✔ {map_text(cat[c['category']].zh)}</td><td>"
            + (map_text(_("in-house")) if c["in_house"] else
               f"{map_text(c['supplier_name_zh'])} · "
               f"{map_text(display.distance(c['road_m'], c['road_m_range'], c['distance_method']))}"
               f" ({c['distance_method']})")
            + "</td></tr>" for c in mk["covered"])
        rows += "".join(
            f"<tr class='sc-undetermined-row'><td>? {map_text(cat[u['category']].zh)}</td><td>{map_text(display.verdict('undetermined'))}"
            + "".join(f"<br>{map_text(k['supplier_name_zh'])} · "
                      f"{map_text(display.distance(k['road_m'], k['road_m_range'], k['distance_method']))}"
                      for k in u["candidates"])
            + "</td></tr>" for u in mk["undetermined"])
        beyond = map_text(_("beyond {km} km", km=f"{result['radius_km']:g}"))
        rows += "".join(f"<tr class='sc-missing'><td>✘ {map_text(cat[c].zh)}</td><td>{beyond}</td></tr>"
                        for c in mk["missing"])
        popup = (f"<div class='sc-popup'><b>{map_text(mk['name_zh'])}</b><br>{map_text(mk['name_en'] or '')}"
                 + "<br>" + map_text(_("Local rate")) + f": <b>{map_text(pct)}</b> ({len(mk['covered'])}"
                 + (f"–{len(mk['covered']) + len(mk['undetermined'])}" if mk["undetermined"] else "")
                 + f"/{len(mk['bom'])})"
                 f"<br>{map_text(_('Precision'))}: {map_text(mk['precision'])}"
                 + (" — " + map_text(_("reference point only")) if coarse else "")
                 + f"<table>{rows}</table></div>")
        folium.Marker((mk["lat"], mk["lon"]), icon=icon, tooltip=map_text(f"{mk['name_zh']} {pct}"),
                      popup=folium.Popup(popup, max_width=380), sc_id=mk["id"]).add_to(cluster)
    cluster.add_to(m)
    m._sc_layers["makers"] = cluster
    return cluster


# ----------------------------------------------------------------------------------------------------
# Rendering

@dataclass
class MapParts:
    """A rendered map split for embedding in a page: ``header`` goes in <head>, ``html`` where the map
    should appear, ``script`` after it (in a <script> tag); ``name`` is the Leaflet map's JS variable."""

    header: str
    html: str
    script: str
    name: str
    layers: tuple[str, ...] = ()
    drawn: tuple[str, ...] = ()  # what the map draws, for legends (see :func:`drawn`)


def localize(m: folium.Map, asset_url: AssetUrl) -> None:
    """Point every JS/CSS resource of the map and its elements at ``asset_url(name, url)`` (``None`` drops it)."""
    def visit(el) -> None:
        if isinstance(el, JSCSSMixin):
            for attr in ("default_js", "default_css"):
                links = []
                for name, url in getattr(el, attr):
                    local = asset_url(name, url)
                    if local is not None:
                        links.append((name, local))
                setattr(el, attr, links)  # an instance attribute: the class lists stay untouched
        for child in list(el._children.values()):
            visit(child)

    visit(m)


def render_parts(m: folium.Map, asset_url: AssetUrl) -> MapParts:
    """Render a finished map into :class:`MapParts` with every asset URL made local."""
    localize(m, asset_url)
    root: Figure = m.get_root()
    root.render()
    return MapParts(root.header.render(), root.html.render(), root.script.render(), m.get_name(),
                    tuple(getattr(m, "_sc_layers", {})), tuple(k for k, v in drawn(m).items() if v))


def render_html(m: folium.Map, asset_url: AssetUrl) -> str:
    """A whole standalone HTML document (e.g. to save a map to a file)."""
    localize(m, asset_url)
    return m.get_root().render()


__all__ = [
    "ATTRIBUTION", "AsyncGeoJson", "EntityLayer", "KIND_COLORS", "MapParts", "PageHook", "add_entities",
    "add_route", "add_sourcing_makers", "base_map", "bounds_of", "finish", "localize", "map_text", "rate_color",
    "render_html", "render_parts", "uncertainty_layer",
]
