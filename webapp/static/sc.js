/* Helpers shared by every page: API calls, escaping, number formats, and access to the Folium map.
 *
 *   SC.onMap(function (hook) { hook.map, hook.control, hook.layers })   run once the map exists
 *   SC.api(path, params) -> Promise of {ok, status, data, error}          never throws on a 4xx
 */
(function () {
  "use strict";
  var SC = window.SC = window.SC || {};

  SC.esc = function (s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
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

  SC.api = function (path, params) {
    var url = path + (params ? "?" + SC.query(params) : "");
    return fetch(url, {headers: {"Accept": "application/json"}}).then(function (r) {
      return r.json().then(function (body) {
        return {ok: r.ok, status: r.status, data: r.ok ? body : null,
                error: r.ok ? null : (body && body.error) || {message: r.statusText}};
      }, function () {
        return {ok: false, status: r.status, data: null, error: {message: r.status + " " + r.statusText}};
      });
    }, function (err) {
      return {ok: false, status: 0, data: null, error: {message: "网络错误 network error: " + err}};
    });
  };

  /** Run fn(hook) when the Folium map has published window.SC_MAP (immediately if it already has). */
  SC.onMap = function (fn) {
    if (window.SC_MAP && window.SC_MAP.map) { fn(window.SC_MAP); return; }
    window.SC_MAP = window.SC_MAP || {};
    (window.SC_MAP._queue = window.SC_MAP._queue || []).push(fn);
  };

  SC.errorText = function (err) {
    if (!err) { return ""; }
    return (err.field ? "[" + err.field + "] " : "") + (err.message || String(err));
  };
})();
