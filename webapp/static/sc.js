/* Helpers shared by every page: API calls, escaping, number formats, badges, and access to the Folium map.
 *
 *   SC.onMap(function (hook) { hook.map, hook.control, hook.layers })   run once the map exists
 *   SC.api(path, params) -> Promise of {ok, status, data, error}          never throws on a 4xx
 *   SC.send(method, path, body, params) -> the same, for POST/PATCH/DELETE with a JSON body
 *   SC.methodBadge / SC.range / SC.dist                                  how sure a distance is, said every time
 *   SC.fitBounds(map, bounds, options)                                    a fit that is not lost to a running zoom
 *   SC.t("English {n}", {n: 3}) -> "中文 English" (text); SC.th the same as HTML (text and values escaped,
 *   SC.raw(html) values kept); SC.bi(msgid, cls, params) the halves styled apart; SC.tPair -> [中文, English]
 */
(function () {
  "use strict";
  var SC = window.SC = window.SC || {};

  SC.esc = function (s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  };

  // --- the message catalog (webapp/i18n.py puts the Chinese of every msgid these calls hold in #sc-messages) ---
  var catalog = null;
  function chinese(msgid) {
    if (catalog === null) {
      var el = document.getElementById("sc-messages");
      try { catalog = el ? JSON.parse(el.textContent) : {}; } catch (err) { catalog = {}; }
    }
    return Object.prototype.hasOwnProperty.call(catalog, msgid) ? catalog[msgid] : msgid;
  }

  /** A value SC.th / SC.bi insert as HTML as it is (already escaped markup, e.g. a badge). */
  function Raw(html) { this.html = String(html); }
  SC.raw = function (html) { return new Raw(html); };

  /** text with its {name} placeholders filled; as HTML, the text and every value not SC.raw are escaped.
   *  lang: 0 for the Chinese half, 1 for the English (a value that is an SC.tPair gives the half of its own). */
  function fill(text, params, html, lang) {
    var out = "", re = /\{(\w+)\}/g, last = 0, m;
    function lit(s) { return html ? SC.esc(s) : s; }
    while ((m = re.exec(text)) !== null) {
      var has = params && Object.prototype.hasOwnProperty.call(params, m[1]), v = has ? params[m[1]] : m[0];
      if (Array.isArray(v)) { v = v[lang]; }  // an SC.tPair: its Chinese in the Chinese half, its English in the English
      out += lit(text.slice(last, m.index)) + (v instanceof Raw ? v.html : lit(String(v == null ? "" : v)));
      last = re.lastIndex;
    }
    return out + lit(text.slice(last));
  }

  /** [中文, English] of a message (the English twice when the catalog has no Chinese for it). */
  SC.tPair = function (msgid, params) { return [fill(chinese(msgid), params, false, 0), fill(msgid, params, false, 1)]; };

  /** The bilingual sentence as text, Chinese first: SC.t("Radius") -> "半径 Radius". */
  SC.t = function (msgid, params) {
    var p = SC.tPair(msgid, params);
    return p[0] === p[1] ? p[1] : p[0] + " " + p[1];
  };

  /** SC.t as HTML: the sentence and its values escaped (SC.raw(...) values inserted as they are). */
  SC.th = function (msgid, params) {
    var c = fill(chinese(msgid), params, true, 0), e = fill(msgid, params, true, 1);
    return c === e ? e : c + " " + e;
  };

  /** The halves styled apart, as HTML: SC.bi("Name", "en") -> '名称 <span class="en">Name</span>'. */
  SC.bi = function (msgid, cls, params) {
    var c = fill(chinese(msgid), params, true, 0), e = fill(msgid, params, true, 1);
    if (c === e) { return e; }
    return c + " <span" + (cls ? ' class="' + SC.esc(cls) + '"' : "") + ">" + e + "</span>";
  };

  /** metres -> "1.23 km" (or "850 m" below 1 km); blank for null */
  SC.km = function (m, digits) {
    if (m == null || !isFinite(m)) { return "–"; }
    if (m < 1000 && digits == null) { return Math.round(m) + " m"; }
    return (m / 1000).toFixed(digits == null ? 2 : digits) + " km";
  };
  SC.minutes = function (s) {
    if (s == null || !isFinite(s)) { return "–"; }
    return (s / 60).toFixed(1) + " min";
  };
  SC.pct = function (r) { return r == null ? "–" : Math.round(r * 100) + "%"; };

  SC.query = function (params) {
    var q = new URLSearchParams();
    Object.keys(params).forEach(function (k) {
      var v = params[k];
      if (v !== null && v !== undefined && v !== "" && v !== false) { q.set(k, v === true ? "1" : v); }
    });
    return q.toString();
  };

  /** fetch JSON with any method; never throws on a 4xx: resolves to {ok, status, data, error}. */
  SC.send = function (method, path, body, params) {
    var url = path + (params ? "?" + SC.query(params) : "");
    var opts = {method: method, headers: {"Accept": "application/json"}};
    if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return fetch(url, opts).then(function (r) {
      if (r.status === 401) { SC.tokenNeeded(); }
      return r.json().then(function (b) {
        return {ok: r.ok, status: r.status, data: r.ok ? b : null,
                error: r.ok ? null : (b && b.error) || {message: r.statusText}};
      }, function () {
        return {ok: false, status: r.status, data: null, error: {message: r.status + " " + r.statusText}};
      });
    }, function (err) {
      return {ok: false, status: 0, data: null, error: {message: SC.t("Network error: {error}", {error: err})}};
    });
  };

  /** A write was refused for want of the edit token: say once, at the top of the page, how to get it. */
  SC.tokenNeeded = function () {
    if (document.getElementById("sc-token-note")) { return; }
    var note = document.createElement("div");
    note.id = "sc-token-note";
    note.className = "sc-error sc-token-note";
    note.setAttribute("role", "alert");
    note.textContent = SC.t("Edit token required: open the URL `supplychain serve` printed at start (it carries " +
      "?token=…), or run `supplychain token` and visit /?token=TOKEN once.");
    document.body.insertBefore(note, document.body.firstChild);
  };

  SC.api = function (path, params) { return SC.send("GET", path, undefined, params); };

  /** Run fn(hook) when the Folium map has published window.SC_MAP (immediately if it already has). */
  SC.onMap = function (fn) {
    if (window.SC_MAP && window.SC_MAP.map) { fn(window.SC_MAP); return; }
    window.SC_MAP = window.SC_MAP || {};
    (window.SC_MAP._queue = window.SC_MAP._queue || []).push(fn);
  };

  /** Show a status line: muted, or as an error box. */
  SC.setStatus = function (el, text, isError) {
    el.className = isError ? "sc-error" : "sc-muted";
    el.textContent = text || "";
  };

  // --- how sure a distance is ------------------------------------------------------------------------
  // Every distance says its method; a place known only to a town or the district carries its uncertainty, so
  // "0 m" between two firms at one district reference point never reads as "next door".

  /** Location uncertainty in metres per precision (the registry's table; base.html fills it from the server). */
  SC.precisionRadius = SC.precisionRadius || {};
  SC.COARSE = ["town", "district"];
  SC.isCoarse = function (precision) { return SC.COARSE.indexOf(precision) >= 0; };

  /** "300 m", "3 km", "20 km": an uncertainty radius (no false decimals). */
  SC.span = function (m) { return m >= 1000 ? +(m / 1000).toFixed(1) + " km" : Math.round(m) + " m"; };

  /** The badge of a distance method; the circuity factor in the text (or only in the title when compact). */
  SC.methodBadge = function (method, factor, compact) {
    if (method === "network") {
      return '<span class="sc-badge network" title="' + SC.th("shortest path on the OSM road network") + '">' +
        SC.th("network") + "</span>";
    }
    if (method === "estimated") {
      var f = factor ? " ×" + (+factor).toFixed(2) : "";
      return '<span class="sc-badge estimated" title="' + SC.th("straight line × circuity factor{f}, not a road path", {f: f}) +
        '">' + SC.th("estimated") + (compact ? "" : f) + "</span>";
    }
    return '<span class="sc-badge" title="' + SC.th("not measured") + '">—</span>';
  };

  /** A distance as HTML: "≈" when estimated, and "±…" below it when either end is only roughly located.
   *  fmt formats the number (default SC.km); uncertainty is the summed radius of both ends in metres. */
  SC.dist = function (m, method, uncertainty, fmt) {
    var text = (fmt || SC.km)(m);
    if (m == null || !isFinite(m)) { return text; }
    var html = (method === "estimated" ? "<span title='" + SC.th("estimated") + "'>≈</span>" : "") + text;
    if (uncertainty) {
      html += "<br><span class='sc-unc' title='" + SC.th("uncertain position: one end is located only to a town or the district") + "'>±" +
        SC.span(uncertainty) + "</span>";
    }
    return html;
  };

  /** A pair distance in the product's one style (supplychain/display.py): "3.21 km", "≈3.2 km (2.9–5.4 km)",
   *  "0–24 km" (no best estimate: two positions on one reference point), "≥5.0 km" (open upper bound). */
  SC.range = function (best, range, method) {
    var lo = range ? range[0] : best, hi = range ? range[1] : best;
    function km(m, d) { return m < 1000 ? Math.round(m) + " m" : (m / 1000).toFixed(d) + " km"; }
    if (lo == null && best == null) { return "–"; }
    if (hi != null && lo != null && Math.abs(hi - lo) < 0.05) {
      return (method === "estimated" ? "≈" : "") + km(best != null ? best : lo, 2);
    }
    if (hi == null) { return best == null ? "≥" + km(lo, 1) : "≈" + km(best, 1) + " (≥" + km(lo, 1) + ")"; }
    var span = (lo / 1000).toFixed(1) + "–" + (hi / 1000).toFixed(1) + " km";
    return best == null ? span : "≈" + km(best, 1) + " (" + span + ")";
  };

  /** A sourcing rate: "40%" when certain, "≈33–67%" when a range. */
  SC.rate = function (certain, possible) {
    if (certain == null) { return "–"; }
    var a = Math.round(certain * 100), b = Math.round((possible == null ? certain : possible) * 100);
    return a === b ? a + "%" : "≈" + a + "–" + b + "%";
  };

  /** An uncertainty region as text (display.region): "±300 m", "±5 km", "吴中区内任意位置 anywhere in 吴中区". */
  SC.regionText = function (r) {
    if (!r || r.kind === "point") { return ""; }
    if (r.kind === "polygon") { return SC.t("anywhere in {district}", {district: r.district_zh}); }
    var m = r.radius_m || r.extent_m || 0;
    return m >= 1000 ? "±" + +(m / 1000).toFixed(3) + " km" : "±" + Math.round(m) + " m";
  };

  /** A location's precision code in words, Chinese first: "street" -> "道路 street". */
  SC.precisionLabel = function (p) {
    return {exact: SC.t("exact"), street: SC.t("street"), town: SC.t("town"), district: SC.t("district"),
            unknown: SC.t("unknown")}[p] || (p || "");
  };
  /** Where a place is, as text: its precision in words and its uncertainty region ("镇/街道 town ±3 km"). */
  SC.placeText = function (precision, region) {
    var r = SC.regionText(region);
    return SC.precisionLabel(precision) + (r ? " " + r : "");
  };

  /** The verdict of a radius test in words (measure.VERDICTS). */
  SC.verdictText = function (v) {
    return {within: SC.t("within"), undetermined: SC.t("undetermined"), beyond: SC.t("beyond")}[v] || v;
  };
  /** The verdict of a radius test as a badge of its own style. */
  SC.verdictBadge = function (v) {
    if (!v) { return ""; }
    return "<span class='sc-verdict " + SC.esc(v) + "'>" + SC.esc(SC.verdictText(v)) + "</span>";
  };

  /** map.fitBounds that is not swallowed by a zoom animation still running (Leaflet drops it silently). */
  SC.fitBounds = function (map, bounds, options) {
    if (!bounds || !bounds.isValid()) { return; }
    if (map._animatingZoom) {
      map.once("zoomend", function () { map.fitBounds(bounds, options); });
    } else {
      map.fitBounds(bounds, options);
    }
  };

  // Forms without an action are handled by the page scripts: never submitted (no inline onsubmit under the CSP).
  document.addEventListener("submit", function (ev) {
    if (!ev.target.hasAttribute("action")) { ev.preventDefault(); }
  });

  /** Say an API error next to the field it names (inputs: {field: element}); clears earlier ones in ``scope``.
   *  Returns the element marked, or null when the field has no input on the page. */
  SC.fieldError = function (scope, inputs, err) {
    SC.clearFieldErrors(scope);
    var field = (err && err.field) || "";
    var el = inputs[field] || inputs[field.split(/[.\[]/)[0]];
    if (!el) { return null; }
    el.classList.add("sc-invalid");
    el.setAttribute("aria-invalid", "true");
    var note = document.createElement("div");
    note.className = "sc-field-error";
    note.setAttribute("role", "alert");
    note.textContent = err.message || "";
    el.insertAdjacentElement("afterend", note);
    el.focus();
    return el;
  };

  SC.clearFieldErrors = function (scope) {
    (scope || document).querySelectorAll(".sc-field-error").forEach(function (n) { n.remove(); });
    (scope || document).querySelectorAll(".sc-invalid").forEach(function (n) {
      n.classList.remove("sc-invalid"); n.removeAttribute("aria-invalid");
    });
  };

  SC.errorText = function (err) {
    if (!err) { return ""; }
    return (err.field ? "[" + err.field + "] " : "") + (err.message || String(err));
  };
})();

/* The layer control: pages that show it expanded collapse it when the map is narrow (it would cover a third of
 * the map; collapsed it opens on hover or tap), and expand it again when the window grows. */
(function () {
  "use strict";
  var NARROW_MAP_PX = 1000;

  function fitControl(hook) {
    var control = hook.control, map = hook.map;
    if (!control || !map) { return; }
    if (control.scExpandable === undefined) { control.scExpandable = !control.options.collapsed; }
    var collapse = !control.scExpandable || map.getSize().x < NARROW_MAP_PX;
    if (!!control.options.collapsed === collapse) { return; }
    control.options.collapsed = collapse;
    control.remove();  // Leaflet sets the control's behaviour up when it is added: add it again
    control.addTo(map);
  }

  window.SC.onMap(function (hook) {
    fitControl(hook);
    hook.map.on("resize", function () { fitControl(hook); });
  });
})();

/* The phone menu: the nav bar's pages fold behind one button below 600 px (sc.css). */
(function () {
  "use strict";
  function init() {
    var button = document.getElementById("sc-menu");
    if (!button) { return; }
    var bar = button.closest(".sc-nav");
    button.addEventListener("click", function () {
      var open = bar.classList.toggle("open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
