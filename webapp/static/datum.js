/* Online tile services as base-layer options, on the right datum (loaded on every map page, after Leaflet).
 *
 * SC.datum.wgs84ToGcj02(lon, lat) / SC.datum.gcj02ToWgs84(lon, lat) -> [lon, lat]
 *     the formulas of supplychain.coords (eviltransform's), the inverse by the same fixed-point iteration;
 *     tests/test_tiles_browser.py holds them to the Python ones within 0.1 m.
 * SC.datum.GcjTileLayer
 *     a Leaflet TileLayer for GCJ-02 tiles that draws each tile displaced onto WGS84.
 *
 * The datum rule: everything on the map stays WGS84 — entities, roads, isochrones, routes, the basemap, and every
 * click sent back to the API. A GCJ-02 service (高德, 腾讯) is instead drawn displaced: the tiles are chosen around
 * the GCJ-02 counterpart of the view, and each tile is placed where its content really is. The GCJ-02 offset
 * varies slowly (about 0.5 km here, changing by up to ~6 m per km), so each tile is mapped as a rectangle whose
 * edges are the displaced positions of its corners (averaged per edge, so neighbouring tiles share edges and
 * no seam opens); what is left is under 0.5 px at every zoom in the study area (README, "Online tile
 * services"). Switching base layers therefore never moves an overlay, and no page script has to know the datum.
 *
 * The sources come from the map's configuration (map.scTiles, written by supplychain.tilesources): each becomes a
 * base layer of the layer control, none shown at first. A source that needs a key it does not have is listed,
 * disabled, with the reason. Labels come from the Python message catalog (Chinese first).
 */
(function () {
  "use strict";
  var SC = window.SC = window.SC || {};

  // --- GCJ-02 (same constants and terms as supplychain/coords.py) ----------------------------------------------
  var A = 6378245.0, EE = 0.00669342162296594323, PI = Math.PI;
  var CHINA = [72.004, 0.8293, 137.8347, 55.8271];

  function inChina(lon, lat) {
    return lon >= CHINA[0] && lon <= CHINA[2] && lat >= CHINA[1] && lat <= CHINA[3];
  }

  function delta(lon, lat) {
    var x = lon - 105.0, y = lat - 35.0, sq = Math.sqrt(Math.abs(x));
    var dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sq;
    var dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sq;
    var common = (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    dlat += common + (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    dlat += (160.0 * Math.sin(y / 12.0 * PI) + 320.0 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    dlon += common + (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    dlon += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    var radLat = lat / 180.0 * PI, magic = 1.0 - EE * Math.sin(radLat) * Math.sin(radLat), sm = Math.sqrt(magic);
    dlat = (dlat * 180.0) / ((A * (1.0 - EE)) / (magic * sm) * PI);
    dlon = (dlon * 180.0) / (A / sm * Math.cos(radLat) * PI);
    return [dlon, dlat];
  }

  function wgs84ToGcj02(lon, lat) {
    if (!inChina(lon, lat)) { return [lon, lat]; }
    var d = delta(lon, lat);
    return [lon + d[0], lat + d[1]];
  }

  function gcj02ToWgs84(lon, lat) {
    var wLon = lon, wLat = lat;
    for (var i = 0; i < 30; i++) {
      var f = wgs84ToGcj02(wLon, wLat), eLon = f[0] - lon, eLat = f[1] - lat;
      wLon -= eLon; wLat -= eLat;
      if (Math.abs(eLon) < 1e-10 && Math.abs(eLat) < 1e-10) { break; }
    }
    return [wLon, wLat];
  }

  SC.datum = {inChina: inChina, wgs84ToGcj02: wgs84ToGcj02, gcj02ToWgs84: gcj02ToWgs84};
  if (!window.L) { return; }  // a page without a map

  // --- GCJ-02 tiles drawn displaced onto WGS84 -----------------------------------------------------------------
  var GcjTileLayer = L.TileLayer.extend({
    // The tiles to load: those around the GCJ-02 counterpart of the (WGS84) view centre.
    _getTiledPixelBounds: function (center) {
      var g = wgs84ToGcj02(center.lng, center.lat);
      return L.TileLayer.prototype._getTiledPixelBounds.call(this, L.latLng(g[1], g[0]));
    },
    // Where the GCJ-02 pixel (x, y) of zoom z really is, in the map's (WGS84) pixels of the same zoom.
    _scTrue: function (x, y, z) {
      var map = this._map, g = map.unproject(L.point(x, y), z), w = gcj02ToWgs84(g.lng, g.lat);
      return map.project(L.latLng(w[1], w[0]), z);
    },
    // The displaced rectangle of a tile: each edge at the mean displaced position of its two corners.
    _scRect: function (coords) {
      var key = this._tileCoordsToKey(coords), cache = this._scRects || (this._scRects = {});
      if (cache[key]) { return cache[key]; }
      var s = this.getTileSize(), x0 = coords.x * s.x, y0 = coords.y * s.y, z = coords.z;
      var tl = this._scTrue(x0, y0, z), tr = this._scTrue(x0 + s.x, y0, z);
      var bl = this._scTrue(x0, y0 + s.y, z), br = this._scTrue(x0 + s.x, y0 + s.y, z);
      var left = (tl.x + bl.x) / 2, right = (tr.x + br.x) / 2, top = (tl.y + tr.y) / 2, bottom = (bl.y + br.y) / 2;
      return (cache[key] = {x: left, y: top, w: right - left, h: bottom - top});
    },
    _getTilePos: function (coords) {
      var r = this._scRect(coords);
      return L.point(r.x, r.y).subtract(this._level.origin);
    },
    _addTile: function (coords, container) {
      L.TileLayer.prototype._addTile.call(this, coords, container);
      var tile = this._tiles[this._tileCoordsToKey(coords)];
      if (tile) {
        var r = this._scRect(coords);
        tile.el.style.width = r.w + "px";
        tile.el.style.height = r.h + "px";
      }
    }
  });
  SC.datum.GcjTileLayer = GcjTileLayer;

  // --- the layer control's options -----------------------------------------------------------------------------
  function firstHost(url, subdomains) {
    var s = (subdomains || "a").charAt(0);
    return url.replace("{s}", s).replace(/\{[^}]*\}/g, "0");
  }

  function tileLayer(spec, url, zIndex) {
    var options = {attribution: zIndex ? "" : spec.attribution, maxNativeZoom: spec.maxNativeZoom, maxZoom: 19,
                   className: "sc-online-tiles", zIndex: zIndex};
    if (spec.subdomains) { options.subdomains = spec.subdomains; }
    return spec.datum === "gcj02" ? new GcjTileLayer(url, options) : L.tileLayer(url, options);
  }

  /** The Leaflet layer of one source: its tiles and, above them, its annotation tiles. */
  function buildLayer(spec) {
    var parts = [tileLayer(spec, spec.url, 0)];
    if (spec.annotationUrl) { parts.push(tileLayer(spec, spec.annotationUrl, 1)); }
    var group = L.layerGroup(parts);
    var origin = new URL(firstHost(spec.url, spec.subdomains), window.location.href).origin;
    group.scSource = spec;
    group.scCrossOrigin = origin !== window.location.origin;  // its images cannot go into an exported PNG
    return group;
  }

  function install(hook) {
    var map = hook.map, cfg = map.scTiles, control = hook.control;
    if (!cfg || !control || control.scTilesInstalled) { return; }
    control.scTilesInstalled = true;
    var hasBase = control._layers.some(function (l) { return !l.overlay; });
    if (!hasBase) {  // no offline base layer on this map: an explicit "none", so an online choice can be undone
      var none = L.layerGroup().addTo(map);
      none.scSource = null;
      control.addBaseLayer(none, SC.esc(cfg.text.none));
    }
    var disabled = {};
    cfg.sources.forEach(function (spec) {
      // An option without its key: a placeholder no zoom can show, which Leaflet's control itself disables.
      var layer = spec.usable ? buildLayer(spec) : L.layerGroup([], {minZoom: Infinity});
      if (!spec.usable) { disabled[L.stamp(layer)] = true; layer.scSource = spec; }
      control.addBaseLayer(layer, '<span class="sc-tile-option" data-source="' + SC.esc(spec.id) + '">' +
                                  SC.esc(spec.label) + "</span>");
    });
    // Leaflet rebuilds the control's list on every change: mark the options that need a key each time.
    var update = control._update;
    control._update = function () {
      var out = update.apply(this, arguments);
      (this._layerControlInputs || []).forEach(function (input) {
        if (disabled[input.layerId]) {
          input.disabled = true;
          input.parentNode.title = input.parentNode.textContent.trim();
          input.parentNode.style.opacity = "0.55";
        }
      });
      return out;
    };
    control._update();
    map.on("baselayerchange", function (e) { map.scBase = e.layer; });
  }

  SC.onMap(install);
})();
