/* The supplier query page: pick an origin (map click, firm list or a marker's popup), query /api/suppliers and
 * /api/isochrone, draw the service area, the road paths and the suppliers, fill the table.
 * The query lives in the URL (?entity=… or ?lon=…&lat=…, &radius_km, &category, &area, &paths): shareable. */
(function () {
  "use strict";
  var page = JSON.parse(document.getElementById("page-data").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var form = $("query-form"), entitySel = $("origin-entity"), lonIn = $("lon"), latIn = $("lat"),
      radiusIn = $("radius"), catSel = $("category"), areaBox = $("show-area"), pathsBox = $("show-paths"),
      statusBox = $("status"), summary = $("summary"), table = $("results"), tbody = table.querySelector("tbody"),
      unlocatedNote = $("unlocated-note"), csvLink = $("export-csv"), geoLink = $("export-geojson");
  var METHOD_COLOR = {network: "#1b7f3b", estimated: "#c77700"};
  var ISO_COLORS = ["#7fb3d5", "#1f77b4", "#0b4f80", "#08306b", "#041c40", "#020d20"];

  function catLabel(c) { var l = page.categories[c]; return l ? l.zh : c; }

  function readUrl() {
    var q = new URLSearchParams(location.search);
    if (q.get("entity")) {
      entitySel.value = q.get("entity");
      if (entitySel.value !== q.get("entity")) {  // not in the list: keep it, the API will say what is wrong
        entitySel.add(new Option(q.get("entity"), q.get("entity"), true, true));
      }
    }
    lonIn.value = q.get("lon") || "";
    latIn.value = q.get("lat") || "";
    if (q.get("radius_km")) { radiusIn.value = q.get("radius_km"); }
    if (q.get("category")) { catSel.value = q.get("category"); }
    if (q.get("area")) { areaBox.checked = q.get("area") !== "0"; }
    if (q.get("paths")) { pathsBox.checked = q.get("paths") !== "0"; }
    return !!(q.get("entity") || (q.get("lon") && q.get("lat")));
  }

  function params() {
    var p = {radius_km: radiusIn.value.trim(), category: catSel.value};
    if (entitySel.value) { p.entity = entitySel.value; } else { p.lon = lonIn.value.trim(); p.lat = latIn.value.trim(); }
    return p;
  }

  SC.onMap(function (hook) {
    var map = hook.map;
    // Results draw above the registry's clustered markers (markerPane is 600, popups 700).
    map.createPane("scResults").style.zIndex = 650;
    var result = L.featureGroup().addTo(map);
    var areaLayer = L.featureGroup().addTo(result);
    var pathLayer = L.featureGroup().addTo(result);
    var pointLayer = L.featureGroup().addTo(result);
    if (hook.control) { hook.control.addOverlay(result, SC.th("Query result")); }
    var rowLayers = {};
    var seq = 0;

    function setStatus(text, isError) { SC.setStatus(statusBox, text, isError); }

    function clearResult() {
      areaLayer.clearLayers(); pathLayer.clearLayers(); pointLayer.clearLayers();
      tbody.innerHTML = ""; table.hidden = true; summary.innerHTML = ""; unlocatedNote.innerHTML = "";
      rowLayers = {};
      [csvLink, geoLink].forEach(function (a) { a.href = "#"; a.setAttribute("aria-disabled", "true"); });
    }

    function methodBadge(method, est) { return SC.methodBadge(method, est && est.circuity_factor); }

    function drawArea(fc) {
      var feats = fc.features || [];
      feats.forEach(function (f, i) {
        var color = ISO_COLORS[Math.min(feats.length - 1 - i, ISO_COLORS.length - 1)];
        var p = f.properties;
        L.geoJSON(f, {interactive: false, style: {color: color, weight: 1.5, fillColor: color, fillOpacity: 0.12,
                                                   dashArray: p.distance_method === "estimated" ? "6 4" : null}})
          .addTo(areaLayer);
      });
    }

    function render(ans, area) {
      var o = ans.origin, est = ans.estimator;
      clearResult();
      if (area) { drawArea(area); }
      var originMarker = L.circleMarker([o.lat, o.lon], {radius: 8, color: "#111", weight: 3, fillColor: "#fff",
                                                         fillOpacity: 1, pane: "scResults"}).addTo(pointLayer);
      originMarker.bindTooltip(SC.th("Origin") + (o.name_zh ? ": " + SC.esc(o.name_zh) : ""), {permanent: false});
      ans.results.forEach(function (r, i) {
        var color = METHOD_COLOR[r.distance_method] || "#555";
        var layers = [];
        if (r.path && r.path.length > 1) {
          layers.push(L.polyline(r.path.map(function (c) { return [c[1], c[0]]; }),
                                 {color: "#1565c0", weight: 3, opacity: 0.75}).addTo(pathLayer));
        } else if (r.distance_method === "estimated") {
          layers.push(L.polyline([[o.lat, o.lon], [r.lat, r.lon]],
                                 {color: color, weight: 2, opacity: 0.7, dashArray: "2 6"}).addTo(pathLayer));
        }
        var coarse = SC.isCoarse(r.precision);
        var mk = L.circleMarker([r.lat, r.lon], {radius: 7, color: color, weight: 2, dashArray: coarse ? "3 3" : null,
                                                 fillColor: coarse ? "#fff" : color, fillOpacity: coarse ? 0.6 : 0.9,
                                                 pane: "scResults"})
          .addTo(pointLayer);
        var undetermined = r.verdict === "undetermined";
        if (undetermined) { mk.setStyle({dashArray: "2 3", fillColor: "#fff4d6", color: "#b26a00"}); }
        var road = SC.esc(SC.range(r.road_m, r.road_m_range, r.distance_method));
        mk.bindPopup("<div class='sc-popup'><b>" + (i + 1) + ". " + SC.esc(r.name_zh) + "</b><br>" + SC.esc(r.name_en || "") +
          "<table><tr><th>" + SC.th("Road") + "</th><td>" + road + "</td></tr>" +
          "<tr><th>" + SC.th("Verdict") + "</th><td>" + SC.verdictBadge(r.verdict) + "</td></tr>" +
          "<tr><th>" + SC.th("Drive") + "</th><td>" + SC.dist(r.time_s, r.distance_method, 0, SC.minutes) + "</td></tr>" +
          "<tr><th>" + SC.th("Straight") + "</th><td>" + SC.km(r.straight_m) + "</td></tr>" +
          "<tr><th>" + SC.th("Method") + "</th><td>" + methodBadge(r.distance_method, est) + "</td></tr>" +
          "<tr><th>" + SC.th("Precision") + "</th><td>" + SC.esc(SC.placeText(r.precision, r.region)) + "</td></tr>" +
          "<tr><th>" + SC.th("Categories") + "</th><td>" + r.categories.map(catLabel).map(SC.esc).join("、") + "</td></tr></table></div>");
        layers.push(mk);
        rowLayers[r.id] = {marker: mk, layers: layers};
        var tr = document.createElement("tr");
        tr.dataset.id = r.id;
        tr.innerHTML = "<td>" + (i + 1) + "</td><td class='name'><b>" + SC.esc(r.name_zh) + "</b><br><span class='sc-muted'>" +
          SC.esc(r.name_en || "") + " · " + r.categories.map(catLabel).map(SC.esc).join("、") + "</span></td>" +
          "<td class='num road'>" + road + "<br>" + SC.verdictBadge(r.verdict) + "</td>" +
          "<td class='num'>" + SC.dist(r.time_s, r.distance_method, 0, SC.minutes) + "</td>" +
          "<td class='num sc-wide-only'>" + SC.km(r.straight_m) + "</td><td>" + methodBadge(r.distance_method, est) + "<br>" +
          "<span class='sc-badge" + (SC.isCoarse(r.precision) ? " coarse" : "") + "'>" +
          SC.esc(SC.placeText(r.precision, r.region)) + "</span></td>";
        tr.addEventListener("click", function () {
          tbody.querySelectorAll("tr.selected").forEach(function (x) { x.classList.remove("selected"); });
          tr.classList.add("selected");
          map.panTo(mk.getLatLng());
          mk.openPopup();
        });
        tbody.appendChild(tr);
      });
      table.hidden = ans.results.length === 0;

      var where = (o.name_zh ? SC.esc(o.name_zh) : o.lon.toFixed(5) + ", " + o.lat.toFixed(5)) +
        (o.precision && o.precision !== "exact" ? " <span class='sc-badge coarse'>" + SC.esc(SC.placeText(o.precision, o.region)) +
          "</span>" : "");
      var snap = o.snap_m == null ? "" : o.on_network ? " · " + SC.th("snapped {d}", {d: Math.round(o.snap_m) + " m"})
        : " · " + SC.th("{d} off the loaded network", {d: SC.km(o.snap_m, 1)});
      var counts = ans.counts || {within: ans.results.length, undetermined: 0};
      var html = "<p><b>" + SC.th("Origin") + ":</b> " + where + snap + "<br><b>" + SC.th("Method") + ":</b> " +
        methodBadge(ans.distance_method, est) + " · " +
        SC.th("{n} suppliers surely within {r} km by road", {n: SC.raw("<b>" + counts.within + "</b>"), r: ans.radius_km}) +
        (counts.undetermined ? " · " + SC.th("{n} undetermined", {n: SC.raw("<b>" + counts.undetermined + "</b>")}) : "") +
        (ans.category ? " · " + SC.esc(catLabel(ans.category)) : "") + "</p>";
      if (est) {
        // (a catalog call inside another's arguments is not seen by Babel's extractor: the pair is made first)
        var how = est.calibrated_on_network ? SC.tPair("calibrated on the loaded network") : SC.tPair("default");
        html += "<div class='sc-note'>" + SC.th("Estimated distance = straight line × circuity factor {f} ({how}); " +
          "drive time at {speed} km/h; it is not a road path. Town/district-level positions: the range is given beside " +
          "each distance.", {f: (+est.circuity_factor).toFixed(2), speed: est.speed_kph, how: how}) + "</div>";
      }
      if (counts.undetermined) {
        html += "<div class='sc-note' id='undetermined-note'>" + SC.verdictBadge("undetermined") + " " +
          SC.th("Undetermined suppliers may or may not lie within the radius: their positions are only " +
                "town/district-level; the range is given beside the distance.") + " " + SC.esc(ans.settle || "") + "</div>";
      }
      if (!ans.results.length) { html += "<p class='sc-muted'>" + SC.th("No supplier within the radius.") + "</p>"; }
      summary.innerHTML = html;
      if (ans.unlocated && ans.unlocated.length) {
        unlocatedNote.innerHTML = "<p class='sc-muted'>" + SC.th("not located, not counted:") + " " +
          ans.unlocated.map(function (u) { return SC.esc(u.name_zh); }).join("、") + "</p>";
      }
      var bounds = result.getBounds();
      if (bounds.isValid()) { SC.fitBounds(map, bounds.pad(0.05), {maxZoom: 15}); }
    }

    function run() {
      var p = params();
      var token = ++seq;
      var shareable = Object.assign({}, p, {area: areaBox.checked ? null : "0", paths: pathsBox.checked ? null : "0"});
      history.replaceState(null, "", location.pathname + "?" + SC.query(shareable));
      setStatus(SC.t("querying…"));
      var calls = [SC.api("/api/suppliers", Object.assign({paths: pathsBox.checked ? "1" : null}, p))];
      if (areaBox.checked) {
        var r = parseFloat(p.radius_km || "10");
        var km = isFinite(r) && r > 0.2 ? [+(r / 2).toFixed(2), r].join(",") : String(p.radius_km || "10");
        var ip = {km: km};
        if (p.entity) { ip.entity = p.entity; } else { ip.lon = p.lon; ip.lat = p.lat; }
        calls.push(SC.api("/api/isochrone", ip));
      }
      Promise.all(calls).then(function (res) {
        if (token !== seq) { return; }  // a newer query was started
        var ans = res[0];
        if (!ans.ok) {  // the old answer must not stay on screen as if it answered this query
          clearResult();
          [csvLink, geoLink].forEach(function (a) { a.setAttribute("aria-disabled", "true"); a.href = "#"; });
          setStatus(SC.t("Error") + ": " + SC.errorText(ans.error), true);
          SC.fieldError(form, {lon: lonIn, lat: latIn, radius_km: radiusIn, category: catSel, entity: entitySel},
                        ans.error);
          return;
        }
        SC.clearFieldErrors(form);
        var area = res[1] && res[1].ok ? res[1].data : null;
        render(ans.data, area);
        setStatus(res[1] && !res[1].ok ? SC.t("service area unavailable") + ": " + SC.errorText(res[1].error) : "");
        var q = SC.query(Object.assign({paths: "1"}, p));
        csvLink.href = "/api/suppliers.csv?" + SC.query(p);
        geoLink.href = "/api/suppliers.geojson?" + q;
        [csvLink, geoLink].forEach(function (a) { a.removeAttribute("aria-disabled"); });
        document.body.dataset.queryDone = String(token);
      });
    }

    function setPoint(latlng) {
      entitySel.value = "";
      lonIn.value = latlng.lng.toFixed(6);
      latIn.value = latlng.lat.toFixed(6);
      run();
    }

    map.on("click", function (e) { setPoint(e.latlng); });
    entitySel.addEventListener("change", function () {
      if (entitySel.value) { lonIn.value = ""; latIn.value = ""; run(); }
    });
    [lonIn, latIn].forEach(function (el) {
      el.addEventListener("input", function () { if (el.value) { entitySel.value = ""; } });
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); run(); });
    catSel.addEventListener("change", function () { if (entitySel.value || lonIn.value) { run(); } });
    $("clear").addEventListener("click", function () {
      clearResult(); setStatus("");
      entitySel.value = ""; lonIn.value = ""; latIn.value = "";
      history.replaceState(null, "", location.pathname);
    });
    [csvLink, geoLink].forEach(function (a) {
      a.addEventListener("click", function (e) { if (a.getAttribute("aria-disabled")) { e.preventDefault(); } });
    });

    // A registry marker's popup offers "use as origin".
    map.on("popupopen", function (e) {
      var src = e.popup._source;
      var id = src && src.options && src.options.scId;
      var box = e.popup.getElement() && e.popup.getElement().querySelector(".sc-popup");
      if (!id || !box || box.querySelector(".sc-use")) { return; }
      var btn = document.createElement("button");
      btn.type = "button"; btn.className = "sc-use"; btn.textContent = SC.t("Use as origin");
      btn.addEventListener("click", function () {
        map.closePopup();
        entitySel.value = id; lonIn.value = ""; latIn.value = "";
        run();
      });
      box.appendChild(btn);
    });

    if (readUrl()) { run(); }
  });
})();
