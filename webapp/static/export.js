/* Export the current map view as PNG, with a legend and the attribution (loaded on every map page).
 *
 * A button under the zoom control draws the map's DOM into a canvas with html-to-image (vendored from npm,
 * /static/vendor/html-to-image; no eval, so it runs under the page's CSP) and saves the PNG. The image has the
 * map's size in CSS pixels times the screen's pixel ratio. Put into it, for the duration of the export, is a
 * legend box: the page's title and date, the page's own legend (.sc-legend) where it has one, the layers shown,
 * and a note when online tiles were left out. Left out: the layer control, the zoom and export buttons, and
 * tiles from another host — the browser forbids copying another host's images into a canvas (it would be
 * "tainted" and refuse to give up its pixels), so online tiles are never in the PNG; the note says so. Tiles the
 * app serves itself (the offline basemap, a same-host proxy) are kept. Texts come from map.scTiles.text
 * (the Python message catalog), with SC.t of the same msgids as the fallback.
 */
(function () {
  "use strict";
  var SC = window.SC = window.SC || {};
  /** The same catalog msgids as supplychain.tilesources.page_config, for a map without map.scTiles. */
  function fallback(key) {
    switch (key) {
      case "export": return SC.t("Export PNG");
      case "exporting": return SC.t("Exporting…");
      case "exportFailed": return SC.t("Export failed: {error}");
      case "exportTitle": return SC.t("Save the current map view with its legend and attribution as PNG. Online tiles from another host cannot be copied into the image and are left out.");
      case "tilesLeftOut": return SC.t("Online tiles ({name}) left out of the export: another host's images cannot be copied");
      case "layers": return SC.t("Layers");
      case "exported": return SC.t("Exported");
    }
    return key;
  }
  var LEFT_OUT = ["leaflet-control-layers", "leaflet-control-zoom", "sc-export-control"];

  function text(map, key) { return ((map.scTiles || {}).text || {})[key] || fallback(key); }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, k) { return values[k] != null ? values[k] : m; });
  }

  /** The layers the control shows as chosen: its checked entries' names. */
  function shownLayers(hook) {
    var control = hook.control;
    if (!control || !control._layerControlInputs) { return []; }
    return control._layerControlInputs.filter(function (i) { return i.checked; }).map(function (i) {
      return i.parentNode.textContent.trim();
    });
  }

  function crossOriginBase(map) {
    var base = map.scBase;
    return base && base.scCrossOrigin && map.hasLayer(base) ? base : null;
  }

  function row(parent, textContent, style) {
    var div = document.createElement("div");
    div.textContent = textContent;
    if (style) { Object.keys(style).forEach(function (k) { div.style[k] = style[k]; }); }
    parent.appendChild(div);
    return div;
  }

  /** The legend box drawn into the export: title, date, the page's legend, the layers, what was left out. */
  function legendBox(hook) {
    var map = hook.map, box = document.createElement("div");
    box.className = "sc-export-legend";
    var s = box.style;
    s.position = "absolute"; s.left = "10px"; s.bottom = "34px"; s.zIndex = "1000"; s.maxWidth = "42%";
    s.maxHeight = "70%"; s.overflow = "hidden"; s.background = "rgba(255,255,255,0.93)"; s.padding = "8px 10px";
    s.border = "1px solid #9aa5b1"; s.borderRadius = "4px"; s.font = "11px sans-serif"; s.color = "#222";
    row(box, document.title.split(" · ")[0], {fontWeight: "bold", fontSize: "13px"});
    row(box, text(map, "exported") + ": " + new Date().toLocaleString("zh-CN"), {color: "#555"});
    var legend = document.querySelector(".sc-legend");
    if (legend) {
      var copy = legend.cloneNode(true);
      copy.removeAttribute("id");
      copy.style.margin = "6px 0";
      box.appendChild(copy);
    }
    var layers = shownLayers(hook);
    if (layers.length) { row(box, text(map, "layers") + ": " + layers.join("；"), {marginTop: "4px"}); }
    var online = crossOriginBase(map);
    if (online) {
      row(box, fill(text(map, "tilesLeftOut"), {name: online.scSource.name}),
          {color: "#9a3412", marginTop: "4px"});
    }
    return box;
  }

  function leaveOut(map) {
    var online = crossOriginBase(map);
    return function (node) {
      if (!node.classList) { return true; }
      if (LEFT_OUT.some(function (c) { return node.classList.contains(c); })) { return false; }
      return !(online && node.classList.contains("sc-online-tiles"));
    };
  }

  function fileName() {
    var page = (window.location.pathname.replace(/\//g, "") || "map");
    var d = new Date(), pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return "supplychain-" + page + "-" + d.getFullYear() + pad(d.getMonth() + 1) + pad(d.getDate()) + "-" +
      pad(d.getHours()) + pad(d.getMinutes()) + ".png";
  }

  function save(blob) {
    var url = URL.createObjectURL(blob), a = document.createElement("a");
    a.href = url;
    a.download = fileName();
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  /** Draw the map view (and its legend) into a PNG; resolves to the Blob, which is also saved as a download. */
  SC.exportMap = function (hook, button) {
    var map = hook.map, el = map.getContainer(), size = map.getSize();
    var box = legendBox(hook);
    el.appendChild(box);
    if (button) { button.textContent = text(map, "exporting"); }
    return window.htmlToImage.toBlob(el, {
      width: size.x, height: size.y, pixelRatio: Math.max(1, window.devicePixelRatio || 1),
      backgroundColor: "#ffffff", filter: leaveOut(map), cacheBust: false
    }).then(function (blob) {
      save(blob);
      return blob;
    }).catch(function (err) {
      window.alert(fill(text(map, "exportFailed"), {error: String(err && err.message || err)}));
      throw err;
    }).finally(function () {
      box.remove();
      if (button) { button.textContent = "⤓ PNG"; }
    });
  };

  var ExportControl = L.Control.extend({
    options: {position: "topleft"},
    initialize: function (hook) { this._hook = hook; },
    onAdd: function (map) {
      var div = L.DomUtil.create("div", "leaflet-bar sc-export-control");
      var a = L.DomUtil.create("a", "sc-export-button", div);
      a.href = "#";
      a.setAttribute("role", "button");
      a.title = text(map, "exportTitle");
      a.setAttribute("aria-label", text(map, "export"));
      a.textContent = "⤓ PNG";
      a.style.width = "auto"; a.style.padding = "0 6px"; a.style.font = "bold 12px sans-serif";
      var hook = this._hook, busy = false;
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.on(a, "click", function (e) {
        L.DomEvent.preventDefault(e);
        if (busy || !window.htmlToImage) { return; }
        busy = true;
        SC.exportMap(hook, a).catch(function () { /* said in the alert */ }).finally(function () { busy = false; });
      });
      return div;
    }
  });

  if (window.L) {
    SC.onMap(function (hook) { new ExportControl(hook).addTo(hook.map); });
  }
})();
