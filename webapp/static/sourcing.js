/* The sourcing page: sortable maker table (click a header), and a row click shows the maker on the map. */
(function () {
  "use strict";
  var table = document.getElementById("makers");
  if (!table) { return; }
  var tbody = table.querySelector("tbody");
  table.querySelectorAll("th.sortable").forEach(function (th) {
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    th.addEventListener("click", function () {
      var asc = !th.classList.contains("sorted-asc");
      table.querySelectorAll("th").forEach(function (h) { h.classList.remove("sorted-asc", "sorted-desc"); });
      th.classList.add(asc ? "sorted-asc" : "sorted-desc");
      var numeric = th.dataset.type === "num";
      var rows = Array.prototype.slice.call(tbody.rows);
      rows.sort(function (a, b) {
        var x = a.cells[index].dataset.sort, y = b.cells[index].dataset.sort;
        var d = numeric ? parseFloat(x) - parseFloat(y) : String(x).localeCompare(String(y), "zh-CN");
        return asc ? d : -d;
      });
      rows.forEach(function (r) { tbody.appendChild(r); });
    });
  });

  SC.onMap(function (hook) {
    var cluster = hook.layers.makers;
    if (!cluster) { return; }
    var byId = {};
    cluster.eachLayer(function (m) { if (m.options.scId) { byId[m.options.scId] = m; } });
    tbody.addEventListener("click", function (e) {
      var tr = e.target.closest("tr");
      if (!tr) { return; }
      var marker = byId[tr.dataset.id];
      tbody.querySelectorAll("tr.selected").forEach(function (x) { x.classList.remove("selected"); });
      tr.classList.add("selected");
      if (!marker) { return; }
      // Several makers share one reference point: show the popup there instead of zooming the cluster apart.
      hook.map.setView(marker.getLatLng(), Math.max(hook.map.getZoom(), 12));
      L.popup({maxWidth: 380, offset: [0, -8]}).setLatLng(marker.getLatLng())
        .setContent(marker.getPopup().getContent()).openOn(hook.map);
    });
  });
})();
