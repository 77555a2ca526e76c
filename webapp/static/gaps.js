/* The 补链 (chain gaps) tab of /sites: GET /api/sites/gaps, the ranked "attract a … maker near X: +N makers"
 * list, a table per component category (makers lacking it, undetermined ones apart, the top sites and whom each
 * would serve), and the top sites on the map as markers with popups (every string through SC.esc).
 * Tabs: #gaps in the URL opens this one; document.body.dataset.sitesTab says which is shown (sites.js places no
 * candidate on a map click while it is "gaps"). window.SC_GAPS exposes the last answer and counters for tests.
 * Text is bilingual literal here (SC.t is not available to page scripts yet). */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var stats = window.SC_GAPS = {runs: 0, errors: 0, last: null, markers: 0};
  var WAS = {lacking: "缺少 lacking", undetermined: "无法判定 undetermined"};

  // ------------------------------------------------------------------------------------------------
  // Tabs

  function showTab(name) {
    var gapsOn = name === "gaps";
    $("pane-plan").hidden = gapsOn;
    $("pane-gaps").hidden = !gapsOn;
    $("tab-plan").setAttribute("aria-selected", gapsOn ? "false" : "true");
    $("tab-gaps").setAttribute("aria-selected", gapsOn ? "true" : "false");
    document.body.dataset.sitesTab = gapsOn ? "gaps" : "plan";
    if (location.hash !== (gapsOn ? "#gaps" : "")) {
      history.replaceState(null, "", location.pathname + location.search + (gapsOn ? "#gaps" : ""));
    }
    if (gapsOn && !stats.last && !stats.pending) { run(); }
    if (layer) { if (gapsOn) { layer.addTo(mapRef); } else { layer.remove(); } }
  }
  $("tab-plan").addEventListener("click", function () { showTab("plan"); });
  $("tab-gaps").addEventListener("click", function () { showTab("gaps"); });

  // ------------------------------------------------------------------------------------------------
  // The answer

  function catShort(label) { return String(label || "").split("（")[0]; }

  function makerList(list, withRange) {
    if (!list.length) { return "–"; }
    return list.map(function (m) {
      var t = SC.esc(m.name_zh);
      if (withRange && m.road_m_range) { t += " <span class='sc-muted'>" + SC.esc(SC.range(m.road_m, m.road_m_range, m.distance_method)) + "</span>"; }
      if (m.was === "undetermined") { t += " <span class='sc-muted'>(原无法判定 was undetermined)</span>"; }
      return t;
    }).join("、");
  }

  function siteLine(c, s) {
    return "<div data-cat='" + SC.esc(c.category) + "' data-rank='" + s.rank + "'>" +
      "<b>#" + s.rank + "</b> " + SC.esc(s.near ? s.near.zh : s.name) +
      " · <b>+" + s.sure + "</b> 确定 sure" + (s.maybe ? " · " + s.maybe + " 可能 maybe" : "") + " " +
      SC.methodBadge(s.distance_method, null, true) +
      (s.equivalent_sites > 1 ? " <span class='sc-muted'>(" + s.equivalent_sites + " 个候选点同效 equivalent points)</span>" : "") +
      "<div class='who'>确定配套 serves: " + makerList(s.serves, true) +
      (s.might_serve.length ? "<br>可能配套 may serve: " + makerList(s.might_serve, true) : "") + "</div></div>";
  }

  function render(ans) {
    var box = $("gaps-result");
    var html = "<h2>引进建议 What to attract <span class='sc-muted'>确定配套数排序 by makers surely covered</span></h2>";
    if (ans.ranking.length) {
      html += "<ol class='gp-rank' id='gaps-ranking'>" + ans.ranking.map(function (h) {
        return "<li><button type='button' data-cat='" + SC.esc(h.category) + "' data-rank='1'>" + SC.esc(h.text) + "</button></li>";
      }).join("") + "</ol>";
    } else {
      html += "<div class='sc-muted' id='gaps-ranking'>没有站点能确定覆盖缺链企业。No site surely covers a maker lacking a category.</div>";
    }
    html += "<h2>按类别 Per category</h2><table class='sc-table gp-cats' id='gaps-table'><thead><tr>" +
      "<th>类别<span class='en'>category</span></th><th class='num'>缺少<span class='en'>lacking</span></th>" +
      "<th class='num'>无法判定<span class='en'>undet.</span></th><th>最佳地点<span class='en'>best sites</span></th></tr></thead><tbody>";
    ans.categories.forEach(function (c) {
      html += "<tr data-cat='" + SC.esc(c.category) + "'><td>" + SC.esc(catShort(c.label)) +
        "<details><summary>" + c.open + "/" + c.needed_by + " 家未确定配套 not surely covered</summary><div class='who'>" +
        "缺少 lacking: " + makerList(c.lacking) + "<br>无法判定 undetermined: " + makerList(c.undetermined) +
        "</div></details></td><td class='num'>" + c.lacking.length + "</td><td class='num'>" + c.undetermined.length +
        "</td><td class='sites'>" + (c.sites.length ? c.sites.map(function (s) { return siteLine(c, s); }).join("") :
        "<span class='sc-muted'>" + (c.open ? "无候选点可配套 no candidate reaches them" : "已全部确定配套 all surely covered") + "</span>") +
        "</td></tr>";
    });
    html += "</tbody></table>";
    html += ans.notes.map(function (n) { return "<p class='sc-muted'>" + SC.esc(n) + "</p>"; }).join("");
    box.innerHTML = html;
    box.querySelectorAll("[data-cat][data-rank]").forEach(function (el) {
      el.addEventListener("click", function () { focusSite(el.dataset.cat, +el.dataset.rank); });
    });
    var sel = $("gaps-category"), keep = sel.value;
    sel.innerHTML = "<option value=''>全部类别 all categories</option>" + ans.categories.filter(function (c) { return c.sites.length; })
      .map(function (c) { return "<option value='" + SC.esc(c.category) + "'>" + SC.esc(catShort(c.label)) + "</option>"; }).join("");
    sel.value = keep;
    drawMarkers(ans, sel.value);
  }

  // ------------------------------------------------------------------------------------------------
  // The map: one marker per distinct site, its popup listing every category it is a top site for

  var mapRef = null, layer = null, markerAt = {};
  SC.onMap(function (hook) {
    mapRef = hook.map;
    layer = L.featureGroup();
    if (hook.control) { hook.control.addOverlay(layer, "补链站点 Chain-gap sites"); }
    if (document.body.dataset.sitesTab === "gaps") { layer.addTo(mapRef); }
    if (stats.last) { drawMarkers(stats.last, $("gaps-category").value); }
  });

  function drawMarkers(ans, only) {
    if (!layer) { return; }
    layer.clearLayers();
    markerAt = {};
    var bySite = {};
    ans.categories.forEach(function (c) {
      if (only && c.category !== only) { return; }
      c.sites.forEach(function (s) {
        var key = s.lon + "," + s.lat;
        (bySite[key] = bySite[key] || {site: s, items: []}).items.push({cat: c, site: s});
      });
    });
    Object.keys(bySite).forEach(function (key) {
      var g = bySite[key], s = g.site;
      var best = Math.max.apply(null, g.items.map(function (it) { return it.site.sure; }));
      var cls = "gp-pin" + (best > 0 ? "" : " maybe") + (s.distance_method === "estimated" ? " estimated" : "");
      var icon = L.divIcon({className: "sc-pin", html: "<div class='" + cls + "'>+" + best + "</div>", iconSize: [26, 26], iconAnchor: [13, 13]});
      var popup = "<div class='sc-popup'><b>" + SC.esc(s.near ? s.near.zh : s.name) + "</b><br>" + SC.esc(s.near ? s.near.en : "") +
        "<br>" + SC.esc(s.name) + " · " + SC.esc(s.lon.toFixed(5) + ", " + s.lat.toFixed(5)) + " " + SC.methodBadge(s.distance_method, null, true) +
        g.items.map(function (it) {
          return "<div><b>" + SC.esc(catShort(it.cat.label)) + " #" + it.site.rank + "</b>: +" + it.site.sure + " 确定 sure" +
            (it.site.maybe ? ", " + it.site.maybe + " 可能 maybe" : "") + "<br><span class='sc-muted'>" + makerList(it.site.serves, true) +
            (it.site.might_serve.length ? "<br>可能 maybe: " + makerList(it.site.might_serve, false) : "") + "</span></div>";
        }).join("") + "</div>";
      var marker = L.marker([s.lat, s.lon], {icon: icon, title: s.near ? s.near.zh : s.name, zIndexOffset: 500})
        .bindPopup(popup, {maxWidth: 360}).addTo(layer);
      g.items.forEach(function (it) { markerAt[it.cat.category + "#" + it.site.rank] = marker; });
    });
    stats.markers = Object.keys(bySite).length;
    if (stats.markers && mapRef && document.body.dataset.sitesTab === "gaps") {
      SC.fitBounds(mapRef, layer.getBounds().pad(0.25), {maxZoom: 13});
    }
  }

  function focusSite(cat, rank) {
    var m = markerAt[cat + "#" + rank];
    if (!m) { $("gaps-category").value = ""; drawMarkers(stats.last, ""); m = markerAt[cat + "#" + rank]; }
    if (m && mapRef) { mapRef.setView(m.getLatLng(), Math.max(mapRef.getZoom(), 12)); m.openPopup(); }
  }

  // ------------------------------------------------------------------------------------------------
  // Running

  function params() {
    return {radius_km: $("gaps-radius").value, top: $("gaps-top").value, grid_m: $("gaps-grid").value};
  }

  function run() {
    var p = params();
    stats.pending = true;
    SC.setStatus($("gaps-status"), "计算中… computing…");
    $("gaps-csv").href = "/api/sites/gaps.csv?" + SC.query(p);
    $("report-sites-html").href = "/report/sites.html?" + SC.query({radius_km: p.radius_km});
    $("report-sites-pdf").href = "/report/sites.pdf?" + SC.query({radius_km: p.radius_km});
    SC.api("/api/sites/gaps", p).then(function (r) {
      stats.pending = false;
      SC.clearFieldErrors($("gaps-form"));
      if (!r.ok) {
        stats.errors++;
        SC.setStatus($("gaps-status"), SC.errorText(r.error), true);
        SC.fieldError($("gaps-form"), {radius_km: $("gaps-radius"), top: $("gaps-top"), grid_m: $("gaps-grid")}, r.error);
        return;
      }
      stats.runs++;
      stats.last = r.data;
      SC.setStatus($("gaps-status"), r.data.makers + " 家整机企业 makers · " + r.data.n_candidates + " 个候选点 candidates (" +
        r.data.candidates_on_network + " 在路网上 on the network) · 半径 radius " + r.data.radius_km + " km");
      render(r.data);
      document.body.dataset.gapsDone = String(stats.runs);
    });
  }
  $("gaps-run").addEventListener("click", run);
  $("gaps-category").addEventListener("change", function () { if (stats.last) { drawMarkers(stats.last, $("gaps-category").value); } });

  showTab(location.hash === "#gaps" ? "gaps" : "plan");
})();
