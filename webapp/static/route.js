/* The route page: show a route measured (path, stops, catchment areas, served entities), edit it (click to
 * add a stop, drag to move, reorder, remove), compare variants side by side, and run the route designer.
 * Every edit is one API call that answers with the route measured afresh; the page redraws from that answer.
 * The route in view lives in the URL (?id=…). */
(function () {
  "use strict";
  var page = JSON.parse(document.getElementById("page-data").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var routeSel = $("route-select"), walkIn = $("walk"), statusBox = $("status"), summary = $("summary"),
      stopsBody = $("stops").querySelector("tbody"), segBody = $("segments").querySelector("tbody"),
      coverageBox = $("coverage"), lockedNote = $("locked-note"), unlockBox = $("unlock"),
      entitySel = $("entity-select"), candList = $("candidates"), designBox = $("design-result"),
      saveDesignBtn = $("save-design");
  var COLORS = {network: "#0a7d6e", estimated: "#c77700"};
  var AREA_COLORS = ["#0a7d6e", "#48a999", "#8fd1c5", "#c8ebe5"];
  var state = {id: page.route_id, data: null, mode: null, candidates: [], design: null, seq: 0, renders: 0, errors: 0};
  window.SC_ROUTE = state;  // the page's state, for scripts and browser tests

  function catLabel(c) { var l = page.categories[c]; return l ? l.zh : c; }
  function kindLabel(k) { var l = page.kinds[k]; return l ? l.zh + " " + l.en : k; }
  var entityName = {};
  page.entities.forEach(function (e) { entityName[e.id] = e.zh; });
  /** The length check's verdict in words (the API answers a code). */
  function checkLabel(status) {
    return {ok: SC.t("ok"), flagged: SC.t("flagged"), incomplete: SC.t("incomplete"), unmeasurable: SC.t("cannot check"),
            no_stated_length: SC.t("no stated length"), undetermined: SC.t("undetermined")}[status] || status;
  }

  function setStatus(text, isError) {
    if (isError) { state.errors += 1; }
    SC.setStatus(statusBox, text, isError);
  }

  var send = SC.send;
  function methodBadge(m) { return SC.methodBadge(m); }

  /** A walk or a leg in the one style: best estimate with its range (SC.range). */
  function walkText(s) { return SC.esc(SC.range(s.walk_m, s.road_m_range, s.distance_method)); }

  function editable() {
    var d = state.data;
    return !!d && (d.route.stop_list === "design" || unlockBox.checked);
  }

  SC.onMap(function (hook) {
    var map = hook.map;
    var group = L.featureGroup().addTo(map);
    var areaLayer = L.featureGroup().addTo(group), pathLayer = L.featureGroup().addTo(group),
        servedLayer = L.featureGroup().addTo(group), stopLayer = L.featureGroup().addTo(group),
        designLayer = L.featureGroup().addTo(map), candLayer = L.featureGroup().addTo(map);
    if (hook.control) {
      hook.control.addOverlay(areaLayer, SC.th("Walk catchments"));
      hook.control.addOverlay(pathLayer, SC.th("Route path"));
      hook.control.addOverlay(servedLayer, SC.th("Served entities"));
      hook.control.addOverlay(stopLayer, SC.th("Stops"));
      hook.control.addOverlay(designLayer, SC.th("Designed variant"));
    }
    var firstFit = true;

    // On the map itself: which drawn stops are only town/district reference points (their catchments and
    // walks are indicative), so a zoomed-in view never passes for an exact stop.
    var roughNote = L.control({position: "bottomleft"});
    roughNote.onAdd = function () {
      var div = L.DomUtil.create("div", "sc-note rt-map-note");
      L.DomEvent.disableClickPropagation(div);
      return div;
    };
    roughNote.addTo(map);
    function showRoughStops(d) {
      var rough = d.stops.filter(function (s) { return s.located && SC.isCoarse(s.precision); });
      var box = roughNote.getContainer();
      box.hidden = !rough.length;
      box.innerHTML = rough.length ? "⚠ " + rough.map(function (s) {
        return SC.th("stop {n}", {n: s.seq}) + " " + SC.esc(s.name_zh) + " <span class='sc-badge coarse'>" +
          SC.esc(SC.placeText(s.precision, s.region)) + "</span>";
      }).join("；") + "<br>" + SC.th("Only a town/district reference point: its catchment and walks are indicative.") : "";
    }

    function walkParam() { return walkIn.value.trim(); }

    function load(fit) {
      var token = ++state.seq;
      setStatus(SC.t("computing…"));
      return SC.api("/api/routes/" + encodeURIComponent(state.id), {walk_m: walkParam()}).then(function (res) {
        if (token !== state.seq) { return; }
        if (!res.ok) { setStatus(SC.errorText(res.error), true); return; }
        render(res.data, fit);
        setStatus("");
      });
    }

    function edit(method, path, body) {
      var token = ++state.seq;
      setStatus(SC.t("saving…"));
      body = body || {};
      body.walk_m = walkParam();
      return send(method, path, body).then(function (res) {
        if (token !== state.seq) { return res; }
        if (!res.ok) { setStatus(SC.errorText(res.error), true); load(false); return res; }
        render(res.data, false);
        setStatus(SC.t("saved"));
        return res;
      });
    }

    function stopsPath() { return "/api/routes/" + encodeURIComponent(state.id) + "/stops"; }

    // --- drawing ----------------------------------------------------------------------------------
    function render(d, fit) {
      state.data = d;
      state.renders += 1;
      areaLayer.clearLayers(); pathLayer.clearLayers(); servedLayer.clearLayers(); stopLayer.clearLayers();
      var walks = d.parameters.walk_m;
      var feats = d.features || [];
      feats.filter(function (f) { return f.properties.role === "catchment"; }).forEach(function (f) {
        var p = f.properties, i = walks.length - 1 - walks.indexOf(p.walk_m);
        var color = AREA_COLORS[Math.min(Math.max(i, 0), AREA_COLORS.length - 1)];
        L.geoJSON(f, {interactive: false, style: {color: color, weight: 1, fillColor: color, fillOpacity: 0.10,
                                                   dashArray: p.distance_method === "estimated" ? "5 5" : null}})
          .addTo(areaLayer);
      });
      feats.filter(function (f) { return f.properties.role === "segment"; }).forEach(function (f) {
        var p = f.properties, est = p.distance_method === "estimated";
        var line = L.geoJSON(f, {style: {color: COLORS[p.distance_method], weight: est ? 3 : 5, opacity: 0.9,
                                         dashArray: est ? "8 6" : null}}).addTo(pathLayer);
        line.bindTooltip(p.from_seq + "→" + p.to_seq + " · " + SC.esc(SC.range(p.length_m, p.length_m_range, p.distance_method)) + " · " +
                         (est ? SC.th("estimated") + " (" + SC.th("straight line × {f}", {f: p.circuity_factor || ""}) + ")" : SC.th("network")));
      });
      var widest = d.coverage[String(walks[walks.length - 1])];
      (widest ? widest.served : []).forEach(function (s) {
        if (s.lat == null) { return; }
        var est = s.distance_method === "estimated";
        L.circleMarker([s.lat, s.lon], {radius: 11, color: est ? COLORS.estimated : "#1565c0", weight: 2, fill: false,
                                        dashArray: est ? "3 3" : null, interactive: true})
          .bindTooltip(SC.th("served") + ": " + SC.esc(s.name_zh) + " · " + SC.th("walk") + " " +
                       walkText(s) + " → " + SC.th("stop {n}", {n: s.nearest_stop}) + " · " +
                       (est ? SC.th("estimated") : SC.th("network")))
          .addTo(servedLayer);
      });
      d.stops.forEach(function (s) {
        if (!s.located) { return; }
        var coarse = SC.isCoarse(s.precision);
        var cls = "rt-stop-icon" + (coarse ? " coarse" : "") + (s.distance_method === "estimated" ? " estimated" : "");
        var mk = L.marker([s.lat, s.lon], {
          icon: L.divIcon({className: "", html: '<div class="' + cls + '">' + s.seq + "</div>", iconSize: [22, 22], iconAnchor: [12, 12]}),
          draggable: editable(), title: s.seq + ". " + s.name_zh, keyboard: true, zIndexOffset: 1000});
        mk.bindTooltip(s.seq + ". " + SC.esc(s.name_zh) + (coarse ? " (" + SC.esc(SC.precisionLabel(s.precision)) + ": " + SC.th("reference point only") + ")" : ""));
        mk.on("dragend", function () {
          var ll = mk.getLatLng();
          edit("PATCH", stopsPath() + "/" + s.seq, {lon: +ll.lng.toFixed(6), lat: +ll.lat.toFixed(6)});
        });
        mk.addTo(stopLayer);
        mk.getElement && mk.getElement() && mk.getElement().setAttribute("data-seq", s.seq);
      });
      fillPanel(d);
      showRoughStops(d);
      if (fit || firstFit) {
        var b = L.featureGroup([pathLayer, stopLayer]).getBounds();
        if (b.isValid()) { SC.fitBounds(map, b.pad(0.25), {maxZoom: 15}); firstFit = false; }
      }
    }

    // --- the side panel ---------------------------------------------------------------------------
    function fillPanel(d) {
      var r = d.route, chk = d.length_check;
      var lengthText = d.length_m == null ? SC.th("not measurable yet") :
        SC.esc(SC.range(d.length_m, d.length_m_range, d.distance_method)) +
        (d.length_complete ? "" : " (" + SC.th("partial: missing {list}", {list: d.missing_segments.join(", ")}) + ")");
      var chkCls = chk.status === "ok" ? "rt-check-ok" : chk.status === "flagged" ? "rt-check-flagged" : "rt-check-other";
      var chkText = checkLabel(chk.status);
      var html = "<div><span class='big'>" + SC.esc(r.name_zh) + "</span> <span class='sc-muted'>" + SC.esc(r.name_en || "") +
        " · " + SC.esc(r.id) + " · " + ({partial: SC.th("stop list partial"), complete: SC.th("stop list complete"),
                                         design: SC.th("design variant")}[r.stop_list] || SC.esc(r.stop_list)) + "</span></div>" +
        "<div>" + SC.th("Length") + ": <b>" + lengthText + "</b> " + methodBadge(d.distance_method) +
        (d.time_s != null ? " · " + SC.th("running time") + " <b>" + SC.minutes(d.time_s) + "</b>" : "") +
        (r.stated_length_m ? " · " + SC.th("stated") + " " + SC.km(r.stated_length_m) : "") + "</div>" +
        "<div>" + SC.th("Length check") + ": <span class='" + chkCls + "'>" + SC.esc(chkText) + "</span>" +
        (chk.difference_m != null ? " (" + SC.th("difference") + " " + (chk.difference_m >= 0 ? "+" : "") + SC.km(chk.difference_m) + ")" : "") +
        " <span class='sc-muted'>" + SC.esc(chk.rule) + "</span></div>";
      html += "<div><b>" + SC.th("Known") + "</b><ul class='rt-lines'>" + d.known.map(function (t) { return "<li>" + SC.esc(t) + "</li>"; }).join("") + "</ul></div>";
      if (d.unknown.length) {
        html += "<div><b>" + SC.th("Not known / caveats") + "</b><ul class='rt-lines rt-unknown'>" +
          d.unknown.map(function (t) { return "<li>" + SC.esc(t) + "</li>"; }).join("") + "</ul></div>";
      }
      summary.innerHTML = html;
      var canEdit = editable();
      lockedNote.classList.toggle("rt-hidden", r.stop_list === "design");
      document.querySelectorAll("#modes button[data-mode=add], #add-entity-stop").forEach(function (b) { b.disabled = !canEdit; });
      if (!canEdit && state.mode === "add") { setMode(null); }
      $("export-route").href = "/api/routes/" + encodeURIComponent(r.id) + "/export";

      var walks = d.parameters.walk_m;
      $("walk-head").innerHTML = SC.bi("Served ≤{walks} m", "en", {walks: walks.join("/")});
      stopsBody.innerHTML = "";
      d.stops.forEach(function (s, i) {
        var tr = document.createElement("tr");
        tr.dataset.seq = s.seq;
        var where = s.located ? s.lon.toFixed(5) + ", " + s.lat.toFixed(5) + "<br><span class='sc-badge" +
          (SC.isCoarse(s.precision) ? " coarse" : "") + "'>" + SC.esc(s.precision + " " + SC.regionText(s.region)) + "</span>" :
          "<span class='sc-badge estimated'>" + SC.th("unlocated") + "</span>";
        var served = s.catchment ? walks.map(function (w) {
          var m = s.catchment[String(w)], sure = m.filter(function (x) { return x.verdict === "within"; }).length;
          return sure + (m.length > sure ? "<span class='sc-muted' title='" + SC.th("undetermined") + "'>+" + (m.length - sure) + "?</span>" : "");
        }).join(" / ") : "–";
        tr.innerHTML = "<td>" + s.seq + "</td><td><b>" + SC.esc(s.name_zh) + "</b><br><span class='sc-muted'>" +
          SC.esc(s.name_en || "") + (s.entity_id ? " · " + SC.th("entity") + " " + SC.esc(s.entity_id) : "") + "</span></td>" +
          "<td class='rt-small'>" + where + "</td><td class='num'>" + (s.snap_m == null ? "–" : Math.round(s.snap_m) + " m") +
          "</td><td class='num'>" + served + "</td><td class='rt-actions'>" +
          (canEdit ? "<button type='button' class='secondary' data-act='up' title='" + SC.th("Move up") + "'" + (i === 0 ? " disabled" : "") + ">↑</button>" +
                     "<button type='button' class='secondary' data-act='down' title='" + SC.th("Move down") + "'" + (i === d.stops.length - 1 ? " disabled" : "") + ">↓</button>" +
                     "<button type='button' class='secondary' data-act='rename' title='" + SC.th("Rename") + "'>✎</button>" +
                     "<button type='button' class='secondary' data-act='remove' title='" + SC.th("Remove") + "'>✕</button>" : "") + "</td>";
        stopsBody.appendChild(tr);
      });
      segBody.innerHTML = "";
      d.segments.forEach(function (g) {
        var tr = document.createElement("tr");
        var note = g.status === "missing" ? g.reason : (g.estimated_because || (g.uncertain_ends || []).join("; ") || "");
        tr.innerHTML = "<td>" + g.from_seq + "→" + g.to_seq + " <span class='sc-muted'>" + SC.esc(g.from) + " → " + SC.esc(g.to) +
          "</span></td><td class='num'>" + (g.status === "missing" ? "–" : SC.esc(SC.range(g.length_m, g.length_m_range, g.distance_method))) +
          "</td><td class='num'>" + SC.minutes(g.time_s) + "</td><td>" +
          (g.status === "missing" ? "<span class='sc-badge coarse'>" + SC.th("missing") + "</span>" : methodBadge(g.distance_method)) +
          "</td><td class='rt-small'>" + SC.esc(note) + "</td>";
        segBody.appendChild(tr);
      });
      if (!d.segments.length) { segBody.innerHTML = "<tr><td colspan='5' class='sc-muted'>" + SC.th("fewer than two stops") + "</td></tr>"; }

      var cov = "";
      walks.forEach(function (w) {
        var c = d.coverage[String(w)], n = c.served_count;
        var kinds = Object.keys(c.by_kind).map(function (k) { return SC.esc(kindLabel(k)) + " " + c.by_kind[k].length; }).join("，") || "—";
        var sup = Object.keys(c.suppliers_by_category).map(function (k) {
          var v = c.suppliers_by_category[k];
          return SC.esc(catLabel(k)) + " " + v.total + (v.estimated ? " (" + SC.th("estimated") + " " + v.estimated + ")" : "");
        }).join("，") || "—";
        cov += "<p><b>≤" + w + " m:</b> " + SC.th("{n} entities ({net} network, {est} estimated)", {n: n.total, net: n.network, est: n.estimated}) +
          " · " + kinds + "<br>" + SC.th("Makers") + ": " + c.makers.total +
          (c.makers.estimated ? " (" + SC.th("estimated") + " " + c.makers.estimated + ")" : "") +
          " · " + SC.th("suppliers") + ": " + sup +
          (c.undetermined_count ? "<br>" + SC.verdictBadge("undetermined") + " " +
            SC.th("{n} entities may be within the walk; too imprecise to tell, not counted", {n: c.undetermined_count}) : "") +
          "<br><span class='sc-muted'>" + SC.th("farther than {w} m", {w: w}) + ": " + c.not_served.length + "</span></p>";
      });
      var widest = d.coverage[String(walks[walks.length - 1])];
      if (widest && widest.served.length) {
        cov += "<div class='rt-served'><table class='sc-table'><thead><tr><th>" + SC.bi("Entity", "en") + "</th><th class='num'>" + SC.bi("Walk", "en") + "</th>" +
          "<th>" + SC.bi("Stop", "en") + "</th><th>" + SC.bi("Method", "en") + "</th></tr></thead><tbody>" +
          widest.served.map(function (s) {
            return "<tr><td>" + SC.esc(s.name_zh) + "<br><span class='sc-muted'>" + SC.esc(kindLabel(s.kind)) +
              (s.uncertain_because ? " · " + SC.esc(s.uncertain_because) : "") + "</span></td><td class='num walk'>" + walkText(s) +
              "</td><td>" + s.nearest_stop + "</td><td>" + methodBadge(s.distance_method) + "</td></tr>";
          }).join("") + "</tbody></table></div>";
      }
      if (d.unlocated_entities.length) {
        cov += "<p class='sc-muted'>" + SC.th("unlocated, cannot tell:") + " " +
          d.unlocated_entities.map(function (e) { return SC.esc(e.name_zh); }).join("、") + "</p>";
      }
      coverageBox.innerHTML = cov;
    }

    stopsBody.addEventListener("click", function (ev) {
      var btn = ev.target.closest("button[data-act]");
      if (!btn || !state.data) { return; }
      var seq = +btn.closest("tr").dataset.seq, act = btn.dataset.act, base = stopsPath() + "/" + seq;
      if (act === "remove") { edit("DELETE", base); }
      if (act === "up") { edit("PATCH", base, {to: seq - 1}); }
      if (act === "down") { edit("PATCH", base, {to: seq + 1}); }
      if (act === "rename") {
        var cur = state.data.stops[seq - 1];
        var name = window.prompt(SC.t("Stop name (Chinese)"), cur.name_zh);
        if (name) { edit("PATCH", base, {name_zh: name}); }
      }
    });

    // --- modes: click the map to add a stop or a candidate -----------------------------------------
    function setMode(mode) {
      state.mode = state.mode === mode ? null : mode;
      document.querySelectorAll("#modes button").forEach(function (b) { b.classList.toggle("on", b.dataset.mode === state.mode); });
      map.getContainer().style.cursor = state.mode ? "crosshair" : "";
    }
    document.querySelectorAll("#modes button").forEach(function (b) {
      b.addEventListener("click", function () { setMode(b.dataset.mode); });
    });
    map.on("click", function (ev) {
      var lon = +ev.latlng.lng.toFixed(6), lat = +ev.latlng.lat.toFixed(6);
      if (state.mode === "add" && editable()) {
        edit("POST", stopsPath(), {lon: lon, lat: lat, at: "best"});
      } else if (state.mode === "candidate") {
        addCandidate({lon: lon, lat: lat, label: lon.toFixed(5) + ", " + lat.toFixed(5)});
      }
    });
    unlockBox.addEventListener("change", function () { if (state.data) { render(state.data, false); } });
    $("add-entity-stop").addEventListener("click", function () {
      edit("POST", stopsPath(), {entity: entitySel.value, at: "best"});
    });
    $("add-entity-cand").addEventListener("click", function () {
      var opt = entitySel.options[entitySel.selectedIndex];
      addCandidate({entity: entitySel.value, label: opt ? opt.textContent : entitySel.value});
    });

    // --- routes: choose, copy, create, delete, import ---------------------------------------------
    function refreshRoutes(select) {
      return SC.api("/api/routes").then(function (res) {
        if (!res.ok) { return; }
        routeSel.innerHTML = "";
        res.data.routes.forEach(function (r) { routeSel.add(new Option(r.name_zh + " (" + r.id + ")", r.id)); });
        var cmp = $("cmp-choices");
        cmp.innerHTML = res.data.routes.map(function (r) {
          return "<label><input type='checkbox' value='" + SC.esc(r.id) + "' checked> " + SC.esc(r.name_zh) +
            " <span class='sc-muted'>" + SC.esc(r.id) + "</span><span class='count'>" + r.located_stops + "/" + r.stops + "</span></label>";
        }).join("");
        if (select) { choose(select); } else { routeSel.value = state.id; }
      });
    }

    function choose(id) {
      state.id = id;
      routeSel.value = id;
      history.replaceState(null, "", "/route?id=" + encodeURIComponent(id));
      clearDesign();
      return load(true);
    }

    routeSel.addEventListener("change", function () { choose(routeSel.value); });
    walkIn.addEventListener("change", function () { load(false); });

    $("copy-route").addEventListener("click", function () {
      var id = window.prompt(SC.t("New variant id (letters, digits, - _)"), state.id + "-v" + (routeSel.options.length));
      if (!id) { return; }
      var name = window.prompt(SC.t("Variant name (Chinese)"), (state.data ? state.data.route.name_zh : "") + " 方案");
      if (!name) { return; }
      send("POST", "/api/routes", {id: id, name_zh: name, copy_from: state.id}).then(function (res) {
        if (!res.ok) { setStatus(SC.errorText(res.error), true); return; }
        refreshRoutes(id);
      });
    });
    $("new-route").addEventListener("click", function () {
      var id = window.prompt(SC.t("New route id"));
      if (!id) { return; }
      var name = window.prompt(SC.t("Route name (Chinese)"), "新线路");
      if (!name) { return; }
      send("POST", "/api/routes", {id: id, name_zh: name}).then(function (res) {
        if (!res.ok) { setStatus(SC.errorText(res.error), true); return; }
        refreshRoutes(id);
      });
    });
    $("delete-route").addEventListener("click", function () {
      if (!window.confirm(SC.t("Delete route {id}?", {id: state.id}))) { return; }
      send("DELETE", "/api/routes/" + encodeURIComponent(state.id)).then(function (res) {
        if (!res.ok) { setStatus(SC.errorText(res.error), true); return; }
        refreshRoutes(null).then(function () {
          var first = routeSel.options.length ? routeSel.options[0].value : null;
          if (first) { choose(first); } else { state.data = null; summary.innerHTML = ""; }
        });
      });
    });
    $("import-file").addEventListener("change", function (ev) {
      var file = ev.target.files[0];
      if (!file) { return; }
      file.text().then(function (text) {
        var data;
        try { data = JSON.parse(text); } catch (e) { setStatus(SC.t("not JSON") + ": " + e, true); return; }
        send("POST", "/api/routes/import", data).then(function (res) {
          if (!res.ok) { setStatus(SC.errorText(res.error), true); return; }
          refreshRoutes(res.data.route.id);
        });
      });
      ev.target.value = "";
    });

    // --- comparison -------------------------------------------------------------------------------
    $("compare").addEventListener("click", function () {
      var ids = Array.prototype.map.call(document.querySelectorAll("#cmp-choices input:checked"), function (b) { return b.value; });
      if (!ids.length) { setStatus(SC.t("choose routes to compare"), true); return; }
      SC.api("/api/routes/compare", {ids: ids.join(","), walk_m: walkParam()}).then(function (res) {
        if (!res.ok) { setStatus(SC.errorText(res.error), true); return; }
        var t = $("cmp-table"), rows = res.data.routes, walks = res.data.walk_m;
        var fields = [
          [SC.th("Name"), function (r) { return "<b>" + SC.esc(r.name_zh) + "</b><br><span class='sc-muted'>" + SC.esc(r.id) + "</span>"; }],
          [SC.th("Stops (located/all)"), function (r) { return r.located_stops + " / " + r.stops; }],
          [SC.th("Length"), function (r) { return SC.km(r.length_m) + (r.length_m != null && !r.length_complete ? " (" + SC.th("partial") + ")" : ""); }],
          [SC.th("Method"), function (r) { return methodBadge(r.distance_method); }],
          [SC.th("Time"), function (r) { return SC.minutes(r.time_s); }],
          [SC.th("Length check"), function (r) { return SC.esc(checkLabel(r.length_check)); }]
        ];
        walks.forEach(function (w) {
          fields.push([SC.th("Served ≤{walks} m", {walks: w}), function (r) {
            var s = r.served[String(w)];
            return s.total + " (" + SC.th("{net} network, {est} estimated", {net: s.network, est: s.estimated}) + ")";
          }]);
        });
        fields.push([SC.th("Talent apartments"), function (r) { return r.talent_apartments.length; }]);
        fields.push([SC.th("Institutes"), function (r) { return r.institutes.length; }]);
        fields.push([SC.th("Firms"), function (r) { return r.firms.length; }]);
        fields.push([SC.th("Makers"), function (r) { return r.makers; }]);
        fields.push([SC.th("Categories covered"), function (r) { return r.categories_covered.map(catLabel).map(SC.esc).join("、") || "—"; }]);
        fields.push([SC.th("Only this route"), function (r) {
          return r.only_here.map(function (id) { return SC.esc(entityName[id] || id); }).join("、") || "—";
        }]);
        t.querySelector("thead").innerHTML = "<tr><th></th>" + rows.map(function (r) { return "<th>" + SC.esc(r.id) + "</th>"; }).join("") + "</tr>";
        t.querySelector("tbody").innerHTML = fields.map(function (f) {
          return "<tr><th>" + f[0] + "</th>" + rows.map(function (r) { return "<td>" + f[1](r) + "</td>"; }).join("") + "</tr>";
        }).join("");
        t.hidden = false;
      });
    });

    // --- the designer -----------------------------------------------------------------------------
    function addCandidate(c) {
      state.candidates.push(c);
      drawCandidates();
    }
    function drawCandidates() {
      candLayer.clearLayers();
      candList.innerHTML = "";
      state.candidates.forEach(function (c, i) {
        var li = document.createElement("li");
        li.innerHTML = "◇ " + (i + 1) + ". " + SC.esc(c.label) + " <button type='button' class='secondary' data-i='" + i + "'>✕</button>";
        candList.appendChild(li);
        if (c.lat != null) {
          L.marker([c.lat, c.lon], {icon: L.divIcon({className: "", html: "<div class='rt-cand-icon'>" + (i + 1) + "</div>",
                                                       iconSize: [18, 18], iconAnchor: [9, 9]})})
            .bindTooltip(SC.th("candidate {n}", {n: i + 1})).addTo(candLayer);
        }
      });
      if (!state.candidates.length) { candList.innerHTML = "<li class='sc-muted'>" + SC.th("No candidates: click the map (◇ mode) or add registry entities.") + "</li>"; }
    }
    candList.addEventListener("click", function (ev) {
      var b = ev.target.closest("button[data-i]");
      if (!b) { return; }
      state.candidates.splice(+b.dataset.i, 1);
      drawCandidates();
    });
    function clearDesign() {
      designLayer.clearLayers();
      designBox.innerHTML = "";
      state.design = null;
      saveDesignBtn.disabled = true;
    }
    $("clear-cands").addEventListener("click", function () { state.candidates = []; drawCandidates(); clearDesign(); });

    function designBody(saveAs, name) {
      return {
        base_route: state.id, budget_km: $("budget").value, walk_m: $("design-walk").value,
        count_estimated: $("count-estimated").checked, save_as: saveAs || undefined, name_zh: name || undefined,
        candidates: state.candidates.map(function (c) {
          return c.entity ? {entity: c.entity} : {lon: c.lon, lat: c.lat};
        })
      };
    }

    $("design").addEventListener("click", function () {
      setStatus(SC.t("designing…"));
      send("POST", "/api/routes/design", designBody()).then(function (res) {
        if (!res.ok) { setStatus(SC.errorText(res.error), true); return; }
        setStatus("");
        showDesign(res.data);
      });
    });
    saveDesignBtn.addEventListener("click", function () {
      var id = window.prompt(SC.t("Save as route id"), state.id + "-design");
      if (!id) { return; }
      send("POST", "/api/routes/design", designBody(id, "设计方案 " + id)).then(function (res) {
        if (!res.ok) { setStatus(SC.errorText(res.error), true); return; }
        refreshRoutes(res.data.saved_as);
      });
    });

    function showDesign(a) {
      designLayer.clearLayers();
      state.design = a;
      (a.route.segments || []).forEach(function (g) {
        if (!g.coordinates) { return; }
        L.polyline(g.coordinates.map(function (c) { return [c[1], c[0]]; }),
                   {color: "#7b1fa2", weight: 4, opacity: 0.85, dashArray: "10 6"}).addTo(designLayer);
      });
      var html = "<p><b>" + SC.th("Method") + ":</b> " + SC.esc(a.method) + " (" + (a.optimal ? SC.th("optimal") : SC.th("heuristic")) + ")" +
        "<br><span class='sc-muted'>" + SC.esc(a.method_note) + "</span></p>";
      if (!a.feasible) { html += "<p class='sc-error'>" + SC.esc(a.message) + "</p>"; }
      html += "<p><b>" + SC.th("Sequence") + ":</b> " + a.sequence.map(function (s) { return SC.esc(s.name_zh); }).join(" → ") + "<br>" +
        "<b>" + SC.th("Length") + ":</b> " + SC.km(a.length_m) + " " + methodBadge(a.legs_network ? "network" : "estimated") +
        " / " + SC.th("budget") + " " + SC.km(a.budget_m) + " · <b>" + SC.th("objective") + "</b> " + a.objective +
        " · " + SC.th("serves") + " " + a.served.length + "</p>";
      html += "<table class='sc-table'><thead><tr><th>" + SC.bi("Variant", "en") + "</th><th class='num'>" + SC.bi("Length", "en") + "</th>" +
        "<th class='num'>" + SC.bi("Time", "en") + "</th><th class='num'>" + SC.bi("Objective", "en") + "</th>" +
        "<th>" + SC.bi("Served", "en") + "</th><th>" + SC.bi("Categories", "en") + "</th></tr></thead><tbody>" +
        a.variants.map(function (v) {
          return "<tr><td>" + SC.esc(v.name_zh) + "</td><td class='num'>" + SC.km(v.length_m) + "</td><td class='num'>" +
            SC.minutes(v.time_s) + "</td><td class='num'>" + v.objective + "</td><td>" + v.served.length + "</td><td>" +
            (v.categories_covered.map(catLabel).map(SC.esc).join("、") || "—") + "</td></tr>";
        }).join("") + "</tbody></table>";
      designBox.innerHTML = html;
      saveDesignBtn.disabled = !a.feasible;
      var b = designLayer.getBounds();
      SC.fitBounds(map, b.pad(0.2), {maxZoom: 15});
    }

    drawCandidates();
    refreshRoutes(null);
    load(true);
  });
})();
