/* /registry: pick a row that needs a person, drag its marker (or click the map), confirm its categories, save.
   Saves POST /api/registry/entities/<id> with the edit token's cookie (401 -> SC.tokenNeeded()). */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("page-data").textContent);
  var byId = {};
  data.rows.forEach(function (r) { byId[r.id] = r; });
  var form = document.getElementById("edit-form");
  var lon = document.getElementById("edit-lon"), lat = document.getElementById("edit-lat");
  var status = document.getElementById("edit-status");
  var current = null, marker = null, map = null;

  function categoryBoxes(r) {
    var box = document.getElementById("edit-categories");
    box.querySelectorAll("label").forEach(function (l) { l.remove(); });
    Object.keys(data.categories).forEach(function (key) {
      var label = document.createElement("label");
      label.className = "check";
      var input = document.createElement("input");
      input.type = "checkbox"; input.value = key; input.name = "category";
      input.checked = r.categories.indexOf(key) >= 0 || r.suggested_categories.indexOf(key) >= 0;
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + data.categories[key].zh + " " + data.categories[key].en +
        (r.suggested_categories.indexOf(key) >= 0 ? " (" + SC.t("suggested") + ")" : "")));
      box.appendChild(label);
    });
  }

  function setPoint(la, lo) {
    lat.value = la.toFixed(7); lon.value = lo.toFixed(7);
    if (!map) { return; }
    if (!marker) {
      marker = L.marker([la, lo], {draggable: true, zIndexOffset: 2000, title: current ? current.name_zh : ""}).addTo(map);
      marker.on("dragend", function () { var p = marker.getLatLng(); setPoint(p.lat, p.lng); });
    } else { marker.setLatLng([la, lo]); }
  }

  function showLog(edits) {
    var body = document.querySelector("#edit-log tbody");
    body.textContent = "";
    (edits || []).forEach(function (e) {
      var tr = document.createElement("tr");
      [e.at, e.who, e.field, e.old, e.new].forEach(function (v) {
        var td = document.createElement("td"); td.textContent = v == null ? "" : v; tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  function pick(id) {
    current = byId[id];
    if (!current) { return; }
    form.hidden = false;
    document.getElementById("edit-name").textContent = current.name_zh + (current.address ? " · " + current.address : "");
    document.querySelectorAll(".review-row").forEach(function (tr) { tr.classList.toggle("active", tr.dataset.id === id); });
    categoryBoxes(current);
    SC.setStatus(status, "");
    showLog([]);
    if (current.lat != null) { setPoint(current.lat, current.lon); if (map) { map.setView([current.lat, current.lon], 14); } }
    else { lon.value = ""; lat.value = ""; if (marker && map) { map.removeLayer(marker); marker = null; } }
  }

  function chosen() {
    return Array.prototype.map.call(document.querySelectorAll("#edit-categories input:checked"), function (i) { return i.value; });
  }

  function save(withPosition) {
    if (!current) { return; }
    var body = {categories: chosen()};
    if (withPosition) {
      body.lon = lon.value; body.lat = lat.value;
      body.precision = document.getElementById("edit-precision").value;
      var src = document.getElementById("edit-source").value.trim();
      if (src) { body.source = src; }
    }
    SC.setStatus(status, SC.t("saving…"));
    SC.send("POST", "/api/registry/entities/" + encodeURIComponent(current.id), body).then(function (res) {
      if (!res.ok) { SC.setStatus(status, SC.errorText(res.error), true); return; }
      var e = res.data.entity;
      byId[e.id] = Object.assign(e, {reasons: res.data.reasons});
      current = byId[e.id];
      SC.setStatus(status, SC.t("saved") + ": " + SC.precisionLabel(e.precision) + (e.lat != null ? " " + e.lat + ", " + e.lon : "") +
        "; " + (e.categories.join(", ") || "—"));
      status.dataset.saved = e.id;
      showLog(res.data.edits);
    });
  }

  document.querySelectorAll(".review-row").forEach(function (tr) {
    tr.addEventListener("click", function () { pick(tr.dataset.id); });
    tr.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { pick(tr.dataset.id); } });
  });
  form.addEventListener("submit", function (ev) { ev.preventDefault(); save(true); });
  document.getElementById("save-categories").addEventListener("click", function () { save(false); });
  [lon, lat].forEach(function (el) {
    el.addEventListener("change", function () {
      var lo = parseFloat(lon.value), la = parseFloat(lat.value);
      if (isFinite(lo) && isFinite(la)) { setPoint(la, lo); }
    });
  });
  SC.onMap(function (hook) {
    map = hook.map;
    map.on("click", function (ev) { if (current) { setPoint(ev.latlng.lat, ev.latlng.lng); } });
    if (current && current.lat != null) { setPoint(current.lat, current.lon); }
  });
  window.SC_REVIEW = {pick: pick, marker: function () { return marker; }};
}());
