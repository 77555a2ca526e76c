/* The entity map page: category filter and name search (中文 / English / id) over the Folium entity layer. */
(function () {
  "use strict";
  var index = JSON.parse(document.getElementById("search-index").textContent);

  SC.onMap(function (hook) {
    var map = hook.map;
    var layer = hook.layers.entities;
    var filterBox = document.getElementById("cat-filter");
    var shown = document.getElementById("shown-count");

    function checked() {
      var on = {};
      filterBox.querySelectorAll("input[type=checkbox]").forEach(function (b) { on[b.value] = b.checked; });
      return on;
    }

    function applyFilter() {
      var on = checked();
      var all = Object.keys(on).every(function (k) { return on[k]; });
      var keep = all ? null : function (d) {
        var cats = d.cats || [];
        if (!cats.length) { return on[""]; }
        return cats.some(function (c) { return on[c]; });
      };
      var n = layer.setFilter(keep);
      shown.textContent = SC.t("shown") + ": " + n + " / " + layer.markers.length;
      // An uncertainty circle belongs to the entities standing at its point: hidden when all of them are.
      var visible = {};
      layer.markers.forEach(function (m) { if (!keep || keep(m.options.scData)) { visible[m.options.scId] = true; } });
      var circles = hook.layers.uncertainty;
      if (circles) {
        circles.eachLayer(function (c) {
          var show = (c.options.tags || []).some(function (id) { return visible[id]; });
          c.setStyle(show ? {opacity: 1, fillOpacity: 0.07} : {opacity: 0, fillOpacity: 0});
        });
      }
    }

    filterBox.addEventListener("change", applyFilter);
    document.getElementById("cat-all").addEventListener("click", function () {
      filterBox.querySelectorAll("input").forEach(function (b) { b.checked = true; });
      applyFilter();
    });
    document.getElementById("cat-none").addEventListener("click", function () {
      filterBox.querySelectorAll("input").forEach(function (b) { b.checked = false; });
      applyFilter();
    });
    shown.textContent = SC.t("shown") + ": " + layer.markers.length + " / " + layer.markers.length;

    // --- search -------------------------------------------------------------------------------
    var input = document.getElementById("search");
    var results = document.getElementById("search-results");

    function show(id) {
      var marker = layer.byId[id];
      if (!marker) {  // unlocated: point at the side-panel entry instead
        var li = document.getElementById("unlocated-" + id);
        if (li) { li.scrollIntoView({behavior: "smooth", block: "center"}); li.style.background = "#fff3b0"; }
        return;
      }
      // A popup at the entity's place rather than zooming into its cluster: many firms share one town or
      // district reference point, and the cluster would only split at the deepest zoom (with nothing around).
      var d = marker.options.scData;
      var coarse = d.prec === "town" || d.prec === "district";
      map.setView(marker.getLatLng(), Math.max(map.getZoom(), coarse ? 12 : 15));
      L.popup({maxWidth: 340}).setLatLng(marker.getLatLng()).setContent(layer.popupHtml(d)).openOn(map);
    }

    function search() {
      var q = input.value.trim().toLowerCase();
      results.innerHTML = "";
      if (!q) { return; }
      var hits = index.filter(function (e) {
        return e.zh.toLowerCase().indexOf(q) >= 0 || (e.en || "").toLowerCase().indexOf(q) >= 0 ||
               e.id.toLowerCase().indexOf(q) >= 0;
      }).slice(0, 30);
      if (!hits.length) {
        results.innerHTML = '<li class="sc-muted">' + SC.th("no match") + "</li>";
        return;
      }
      hits.forEach(function (e) {
        var li = document.createElement("li");
        li.dataset.id = e.id;
        li.innerHTML = "<b>" + SC.esc(e.zh) + "</b> <span class=\"en\">" + SC.esc(e.en || "") + "</span>" +
          (e.located ? "" : ' <span class="sc-badge">' + SC.th("Location unknown") + "</span>");
        li.addEventListener("click", function () { show(e.id); });
        results.appendChild(li);
      });
    }
    input.addEventListener("input", search);
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") {
        var first = results.querySelector("li[data-id]");
        if (first) { show(first.dataset.id); }
      }
    });
  });
})();
