/* The what-if scenario page: choose or create a scenario, add a hypothetical firm by clicking the map, remove or
 * move registry entities (GET/PUT/DELETE /api/scenarios/NAME, POST …/edits, DELETE …/edits/I), and compare with
 * the baseline (GET …/compare), differences highlighted. The scenario's own entities are drawn apart and labelled
 * 假设 (hypothetical). Every text from the data goes through SC.esc or textContent.
 * Every word comes from the message catalog (SC.t / SC.th / SC.bi). window.SC_SCEN exposes counters for tests. */
(function () {
  "use strict";
  var page = JSON.parse(document.getElementById("page-data").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var state = {name: null, detail: null, mode: null, compare: null};
  var stats = window.SC_SCEN = {writes: 0, compares: 0, errors: 0, state: state};
  var esc = SC.esc;
  var byId = {};
  page.entities.forEach(function (e) { byId[e.id] = e; });

  function catZh(c) { var l = page.categories[c]; return l ? l.zh.split("（")[0] : c; }
  function cats(list) { return (list || []).map(catZh).join("、"); }
  function status(el, text, isError) { SC.setStatus($(el), text, isError); if (isError) { stats.errors++; } }
  function enc(name) { return encodeURIComponent(name); }

  // ------------------------------------------------------------------------------------------------
  // The scenario list

  function loadList(select) {
    return SC.api("/api/scenarios").then(function (r) {
      if (!r.ok) { status("scenario-status", SC.errorText(r.error), true); return; }
      var sel = $("scenario-select");
      sel.innerHTML = "<option value=''>— " + SC.th("none") + " —</option>";
      r.data.scenarios.forEach(function (s) {
        var o = document.createElement("option");
        o.value = s.name;
        o.textContent = s.name + " (" + SC.t("{n} edits", {n: s.n_edits}) + ")";
        sel.appendChild(o);
      });
      var want = select !== undefined ? select : state.name;
      if (want) { sel.value = want; }
      return openScenario(sel.value || null);
    });
  }

  function openScenario(name) {
    state.name = name;
    state.compare = null;
    $("cmp-result").innerHTML = "";
    $("delete-scenario").disabled = !name;
    $("editor").classList.toggle("sn-hidden", !name);
    reportLinks();
    setMode(null);
    var url = new URL(window.location.href);
    if (name) { url.searchParams.set("name", name); } else { url.searchParams.delete("name"); }
    window.history.replaceState(null, "", url.toString());
    if (!name) { state.detail = null; draw(); return Promise.resolve(); }
    return SC.api("/api/scenarios/" + enc(name)).then(function (r) {
      if (!r.ok) { status("scenario-status", SC.errorText(r.error), true); return; }
      state.detail = r.data;
      renderEdits();
      draw();
      return runCompare();
    });
  }

  /** An entity's name: the scenario's own (hypothetical, moved) first, else the registry's. */
  function who(id) {
    var a = state.detail && state.detail.entities.features.filter(function (f) { return f.id === id; })[0];
    if (a) { return a.properties.name_zh; }
    return byId[id] ? byId[id].zh : id;
  }

  function describe(e) {
    var at = function (x) { return " (" + (+x.lon).toFixed(5) + ", " + (+x.lat).toFixed(5) + ", " + x.precision + ")"; };
    switch (e.op) {
      case "add": return "<span class='sn-hyp'>" + esc(SC.tPair("hypothetical")[0]) + "</span> " + SC.th("add") + " " + esc(who(e.id)) + " · " + esc(cats(e.categories)) + esc(at(e));
      case "remove": return SC.th("remove") + " " + esc(who(e.id));
      case "move": return SC.th("move") + " " + esc(who(e.id)) + " →" + esc(at(e));
      case "add_stop": return SC.th("add stop on {route}", {route: e.route}) + ": " + esc(e.stop.name_zh);
      case "remove_stop": return SC.th("remove stop {seq} of {route}", {seq: e.seq, route: e.route});
      case "move_stop": return SC.th("move stop {seq} of {route}", {seq: e.seq, route: e.route}) + esc(at(e));
    }
    return esc(e.op);
  }

  function renderEdits() {
    var d = state.detail, list = $("edit-list");
    list.innerHTML = "";
    $("edit-count").textContent = d.edits.length + " / " + page.limits.edits;
    d.edits.forEach(function (e, i) {
      var li = document.createElement("li");
      li.dataset.op = e.op;
      li.innerHTML = "<span class='what'>" + describe(e) + "</span>";
      var b = document.createElement("button");
      b.type = "button"; b.className = "secondary"; b.textContent = SC.t("Undo");
      b.title = SC.t("drop this edit");
      b.addEventListener("click", function () { write("DELETE", "/edits/" + i); });
      li.appendChild(b);
      list.appendChild(li);
    });
    if (!d.edits.length) { list.innerHTML = "<li class='sc-muted'>" + SC.th("No edits yet.") + "</li>"; }
    (d.applied.problems || []).forEach(function (p) {
      var li = document.createElement("li");
      li.className = "sc-error";
      li.textContent = SC.t("edit {n} no longer applies", {n: p.edit + 1}) + ": " + p.message;
      list.appendChild(li);
    });
  }

  // ------------------------------------------------------------------------------------------------
  // Writes

  function write(method, suffix, body) {
    if (!state.name) { return Promise.resolve(); }
    status("scenario-status", SC.t("Saving…"));
    return SC.send(method, "/api/scenarios/" + enc(state.name) + suffix, body).then(function (r) {
      if (!r.ok) { status("scenario-status", SC.errorText(r.error), true); return; }
      stats.writes++;
      status("scenario-status", SC.t("Saved") + ": " + SC.t("{n} edits", {n: r.data.n_edits}));
      return loadList(state.name);
    });
  }

  function addEdit(edit) { return write("POST", "/edits", edit); }

  $("create-scenario").addEventListener("click", function () {
    var name = $("new-name").value.trim();
    if (!name) { status("scenario-status", SC.t("Enter a name"), true); return; }
    SC.send("PUT", "/api/scenarios/" + enc(name), {edits: []}).then(function (r) {
      if (!r.ok) { status("scenario-status", SC.errorText(r.error), true); return; }
      stats.writes++;
      $("new-name").value = "";
      status("scenario-status", SC.t("Created") + ": " + r.data.name);
      loadList(r.data.name);
    });
  });

  $("delete-scenario").addEventListener("click", function () {
    if (!state.name) { return; }
    SC.send("DELETE", "/api/scenarios/" + enc(state.name)).then(function (r) {
      if (!r.ok) { status("scenario-status", SC.errorText(r.error), true); return; }
      stats.writes++;
      status("scenario-status", SC.t("Deleted") + ": " + r.data.deleted);
      loadList("");
    });
  });

  $("scenario-select").addEventListener("change", function () { openScenario(this.value || null); });

  function setMode(mode) {
    state.mode = mode;
    var note = $("mode-note");
    if (mode === "add") {
      note.textContent = SC.t("Click the map to place the hypothetical firm (an exact point).");
    } else if (mode === "move") {
      note.textContent = SC.t("Click the map at the new position of") + " " + (byId[$("entity-select").value] || {}).zh;
    } else {
      note.textContent = "";
    }
    var c = document.querySelector(".sc-map .folium-map");
    if (c) { c.style.cursor = mode ? "crosshair" : ""; }
  }

  $("add-mode").addEventListener("click", function () {
    if (!$("add-name").value.trim()) { status("scenario-status", SC.t("Enter the hypothetical firm's name"), true); return; }
    setMode("add");
  });
  $("move-mode").addEventListener("click", function () {
    if (!$("entity-select").value) { status("scenario-status", SC.t("Choose an entity first"), true); return; }
    setMode("move");
  });
  $("remove-entity").addEventListener("click", function () {
    var id = $("entity-select").value;
    if (!id) { status("scenario-status", SC.t("Choose an entity first"), true); return; }
    addEdit({op: "remove", id: id});
  });

  function placed(latlng) {
    var lon = +latlng.lng.toFixed(7), lat = +latlng.lat.toFixed(7);
    if (state.mode === "add") {
      var cat = $("add-category").value;
      addEdit({op: "add", name_zh: $("add-name").value.trim(), categories: [cat], lon: lon, lat: lat, precision: "exact"});
    } else if (state.mode === "move") {
      addEdit({op: "move", id: $("entity-select").value, lon: lon, lat: lat, precision: "exact"});
    }
    setMode(null);
  }

  // ------------------------------------------------------------------------------------------------
  // The map: the scenario's entities, apart from the registry's

  var layer = null;
  SC.onMap(function (hook) {
    hook.map.createPane("snScenario").style.zIndex = 660;
    layer = L.featureGroup().addTo(hook.map);
    if (hook.control) { hook.control.addOverlay(layer, SC.th("Scenario edits")); }
    hook.map.on("click", function (ev) { if (state.mode) { placed(ev.latlng); } });
    draw();
  });

  function draw() {
    if (!layer) { return; }
    layer.clearLayers();
    var d = state.detail;
    if (!d) { return; }
    var from = {};
    d.baseline_entities.features.forEach(function (f) {
      var ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
      from[f.id] = ll;
      if (f.properties.scenario_role === "removed") {
        L.marker(ll, {pane: "snScenario", icon: L.divIcon({className: "", html: "<div class='sn-gone'>✕</div>", iconSize: [18, 18]})})
          .bindTooltip(SC.th("removed") + ": " + esc(f.properties.name_zh)).addTo(layer);
      }
    });
    d.entities.features.forEach(function (f) {
      var p = f.properties, ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
      var moved = p.scenario_role === "moved";
      if (moved && from[f.id]) {
        L.polyline([from[f.id], ll], {color: "#ef6c00", weight: 2, dashArray: "4 4", pane: "snScenario"}).addTo(layer);
      }
      var html = "<div class='sn-pin" + (moved ? " moved" : "") + "'>" + esc(moved ? SC.tPair("moved (map pin)")[0] : SC.tPair("hypothetical (map pin)")[0]) + "</div>";
      L.marker(ll, {pane: "snScenario", icon: L.divIcon({className: "sn-marker", html: html, iconSize: [18, 18]})})
        .bindTooltip((p.hypothetical ? "<span class='sn-hyp'>" + SC.th("hypothetical") + "</span> " : SC.th("moved") + ": ") +
                     esc(p.name_zh) + " · " + esc(cats(p.categories)) + " · " + esc(p.precision)).addTo(layer);
    });
  }

  // ------------------------------------------------------------------------------------------------
  // The comparison

  function rate(side) { return side ? SC.rate(side.rate_certain, side.rate_possible) : "–"; }
  function val(v) {
    if (v == null) { return "–"; }
    if (Array.isArray(v)) { return v.map(function (x) { return typeof x === "number" ? SC.pct(x) : x; }).join("–"); }
    return String(v);
  }
  function pairRow(label, p, fmt) {
    fmt = fmt || val;
    return "<tr class='" + (p.changed ? "diff" : "") + "'><td>" + label + "</td><td>" + esc(fmt(p.before)) +
      "</td><td>" + esc(fmt(p.after)) + "</td></tr>";
  }

  function runCompare() {
    if (!state.name) { return Promise.resolve(); }
    status("cmp-status", SC.t("Comparing…"));
    return SC.api("/api/scenarios/" + enc(state.name) + "/compare", {radius_km: $("radius").value}).then(function (r) {
      if (!r.ok) { status("cmp-status", SC.errorText(r.error), true); return; }
      stats.compares++;
      state.compare = r.data;
      render(r.data);
      status("cmp-status", r.data.changed ? SC.t("Differences highlighted in yellow") : SC.t("Same as the baseline"));
    });
  }
  $("compare").addEventListener("click", runCompare);

  /** The report links follow the chosen scenario and radius; hidden while none is chosen. */
  function reportLinks() {
    $("report-actions").classList.toggle("sn-hidden", !state.name);
    if (!state.name) { return; }
    var q = SC.query({scenario: state.name, radius_km: $("radius").value});
    $("report-scenario-html").href = "/report/scenario.html?" + q;
    $("report-scenario-pdf").href = "/report/scenario.pdf?" + q;
  }
  $("radius").addEventListener("input", reportLinks);

  function render(c) {
    var s = c.summary, h = [];
    h.push("<div class='sc-muted'>" + esc(c.label) + "</div>");
    var base = "<th>" + SC.bi("baseline", "en") + "</th><th>" + SC.bi("scenario", "en") + "</th>";
    h.push("<h2>" + SC.th("District") + "</h2><table class='sc-table sn-cmp' id='cmp-summary'><thead><tr><th></th>" + base +
           "</tr></thead><tbody>");
    h.push(pairRow(SC.th("Makers"), s.makers));
    h.push(pairRow(SC.th("fully covered (certain)"), s.fully_covered_certain));
    h.push(pairRow(SC.th("fully covered (possible)"), s.fully_covered_possible));
    h.push(pairRow(SC.th("mean rate"), s.mean_rate_range, function (v) { return v ? SC.rate(v[0], v[1]) : "–"; }));
    h.push(pairRow(SC.th("undetermined items"), s.undetermined_items));
    h.push(pairRow(SC.th("lacked by all"), s.lacked_by_all, function (v) { return cats(v) || "–"; }));
    h.push("</tbody></table>");

    h.push("<h2>" + SC.th("Makers") + "</h2><div class='sn-cmp-wrap'><table class='sc-table sn-cmp' id='cmp-makers'><thead><tr>" +
           "<th>" + SC.bi("maker", "en") + "</th>" + base +
           "<th>" + SC.bi("newly covered", "en") + "</th><th>" + SC.bi("lost", "en") + "</th></tr></thead><tbody>");
    c.makers.forEach(function (m) {
      var tag = m.hypothetical ? " <span class='sn-hyp'>" + esc(SC.tPair("hypothetical")[0]) + "</span>" :
        m.status === "moved" ? " <span class='sc-badge'>" + SC.th("moved") + "</span>" :
        m.status === "removed" ? " <span class='sc-badge'>" + SC.th("removed") + "</span>" : "";
      h.push("<tr class='" + (m.changed ? "diff" : "") + "' data-id='" + esc(m.id) + "'><td>" + esc(m.name_zh) + tag + "</td><td>" +
             esc(rate(m.before)) + "</td><td>" + esc(rate(m.after)) + "</td><td class='gain'>" + esc(cats(m.newly_covered)) +
             "</td><td class='loss'>" + esc(cats(m.lost)) + "</td></tr>");
    });
    h.push("</tbody></table></div>");

    var rt = c.route;
    if (rt && !rt.error) {
      h.push("<h2>" + SC.th("Route catchments") + ": " + esc(rt.name_zh) + "</h2><table class='sc-table sn-cmp' id='cmp-route'><thead><tr>" +
             "<th>" + SC.th("walk") + "</th>" + base + "<th>" + SC.th("gained") + "</th><th>" + SC.th("lost") + "</th></tr></thead><tbody>");
      h.push(pairRow(SC.th("stops"), rt.stops).replace("</tr>", "<td></td><td></td></tr>"));
      Object.keys(rt.walks).forEach(function (k) {
        var w = rt.walks[k];
        h.push("<tr class='" + (w.changed ? "diff" : "") + "'><td>" + esc(k) + " m</td><td>" + esc(w.served.before) + "</td><td>" +
               esc(w.served.after) + "</td><td class='gain'>" + esc(w.gained.map(who).join("、")) + "</td><td class='loss'>" +
               esc(w.lost.map(who).join("、")) + "</td></tr>");
      });
      h.push("</tbody></table>");
    } else if (rt && rt.error) {
      h.push("<div class='sc-muted'>" + esc(rt.error) + "</div>");
    }
    h.push("<div class='sc-muted'>" + esc(c.registry_note) + "</div>");
    $("cmp-result").innerHTML = h.join("");
  }

  var wanted = new URL(window.location.href).searchParams.get("name");
  loadList(wanted || undefined);
})();
