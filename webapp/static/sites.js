/* The site planner page: candidates placed by map clicks (draggable) or from the registry, criterion weights that
 * must sum to 100 %, a side-by-side comparison from POST /api/sites/evaluate, the best k sites from
 * POST /api/sites/optimize, and CSV/XLSX exports of both (the same request, answered as a download).
 * window.SC_SITES exposes counters for tests: evaluations, optimizations, errors. */
(function () {
  "use strict";
  var page = JSON.parse(document.getElementById("page-data").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var crit = page.criteria;
  var state = {cands: [], seq: 0, weights: {}, lastEval: null, lastEvalBody: null, lastOpt: null, lastOptBody: null};
  var stats = window.SC_SITES = {evaluations: 0, optimizations: 0, errors: 0, state: state};

  function catZh(c) { var l = page.categories[c]; return l ? l.zh.split("（")[0] : c; }
  function badge(method) { return method ? SC.methodBadge(method, page.estimator.circuity_factor, true) : ""; }
  var setStatus = SC.setStatus;
  /** A distance to the nearest target of a criterion, in the one style (with its range and verdict). */
  function nearestDist(x) {
    if (x.road_m == null && (!x.road_m_range || x.road_m_range[0] == null)) { return "–"; }
    return SC.esc(SC.range(x.road_m, x.road_m_range, x.distance_method)) +
      (x.verdict && x.verdict !== "within" ? " " + SC.verdictBadge(x.verdict) : "");
  }

  // ------------------------------------------------------------------------------------------------
  // Weights

  function defaultWeights() { crit.forEach(function (c) { state.weights[c.key] = c.default_weight; }); }

  function weightSum() {
    return crit.reduce(function (s, c) { return s + (+state.weights[c.key] || 0); }, 0);
  }

  function renderWeights(unavailable) {
    var box = $("weights");
    box.innerHTML = "";
    crit.forEach(function (c) {
      var off = unavailable && unavailable[c.key];
      var label = document.createElement("label");
      label.htmlFor = "w-" + c.key;
      label.innerHTML = "<span class='" + (off ? "off" : "") + "'>" + SC.esc(c.short_zh) + "</span> <span class='sc-muted'>" +
        SC.esc(c.short_en) + (c.direction === "less" ? " ↓" : " ↑") + "</span>" +
        (off ? " <span class='sc-badge' title='" + SC.esc(off) + "'>不可用 n/a</span>" : "");
      label.title = c.zh + " · " + c.en + (c.direction === "less" ? "（越小越好 less is better）" : "（越多越好 more is better）");
      var range = document.createElement("input");
      range.type = "range"; range.min = 0; range.max = 100; range.step = 1; range.value = state.weights[c.key];
      range.setAttribute("aria-label", c.short_en + " weight");
      var num = document.createElement("input");
      num.type = "number"; num.min = 0; num.max = 100; num.step = "any"; num.value = state.weights[c.key];
      num.id = "w-" + c.key; num.dataset.key = c.key;
      range.addEventListener("input", function () { num.value = range.value; state.weights[c.key] = +range.value; showSum(); });
      num.addEventListener("input", function () {
        var v = parseFloat(num.value);
        state.weights[c.key] = isFinite(v) ? v : 0;
        range.value = isFinite(v) ? v : 0;
        showSum();
      });
      var unit = document.createElement("span");
      unit.className = "sc-muted"; unit.textContent = "%";
      box.appendChild(label); box.appendChild(range); box.appendChild(num); box.appendChild(unit);
    });
    showSum();
  }

  function showSum() {
    var s = weightSum(), ok = Math.abs(s - 100) <= 0.01, el = $("weight-sum");
    el.className = "st-sum " + (ok ? "ok" : "bad");
    el.textContent = "合计 Sum: " + (+s.toFixed(2)) + "%" + (ok ? " ✓" : " — 须为 100% must be 100%");
    $("evaluate").title = ok ? "" : "权重合计须为 100% weights must sum to 100%";
  }

  // ------------------------------------------------------------------------------------------------
  // Candidates

  SC.onMap(function (hook) {
    var map = hook.map;
    map.createPane("stSites").style.zIndex = 650;
    var candLayer = L.featureGroup().addTo(map);
    var optLayer = L.featureGroup().addTo(map);
    if (hook.control) {
      hook.control.addOverlay(candLayer, "候选地点 Candidate sites");
      hook.control.addOverlay(optLayer, "最优站点 Best sites");
    }

    function pinIcon(label, cls) {
      return L.divIcon({className: "sc-pin", html: "<div class='st-pin " + (cls || "") + "'>" + SC.esc(label) + "</div>",
                        iconSize: [26, 26], iconAnchor: [13, 13]});
    }

    function markStale() {
      if (state.lastEval) { setStatus($("eval-status"), "候选地点已更改：请重新比较。Candidates changed: compare again."); }
    }

    function addCandidate(c) {
      c.id = ++state.seq;
      c.name = c.name || ("候选" + c.id);
      c.marker = L.marker([c.lat, c.lon], {draggable: true, icon: pinIcon(String(state.cands.length + 1)), pane: "stSites",
                                           title: c.name})
        .addTo(candLayer);
      c.marker.on("dragend", function () {
        var ll = c.marker.getLatLng();
        c.lon = +ll.lng.toFixed(6); c.lat = +ll.lat.toFixed(6); delete c.entity;
        renderList(); markStale();
      });
      state.cands.push(c);
      renderList(); markStale();
    }

    // Candidates live in the URL (shareable) and in localStorage (a reload keeps them).
    var STORE_KEY = "sc-sites-candidates";
    function saveCandidates() {
      var list = state.cands.map(function (c) {
        return c.entity ? {entity: c.entity, name: c.name, lon: c.lon, lat: c.lat} : {name: c.name, lon: c.lon, lat: c.lat};
      });
      var text = JSON.stringify(list);
      try { localStorage.setItem(STORE_KEY, text); } catch (err) { /* private mode: the URL still holds them */ }
      var q = new URLSearchParams(location.search);
      if (list.length) { q.set("cands", text); } else { q.delete("cands"); }
      history.replaceState(null, "", location.pathname + (q.toString() ? "?" + q.toString() : "") + location.hash);
    }
    function restoreCandidates() {
      var text = new URLSearchParams(location.search).get("cands");
      if (!text) { try { text = localStorage.getItem(STORE_KEY); } catch (err) { text = null; } }
      var list = [];
      try { list = JSON.parse(text || "[]"); } catch (err) { list = []; }
      (Array.isArray(list) ? list : []).slice(0, 500).forEach(function (c) {
        var lon = +c.lon, lat = +c.lat;
        if (isFinite(lon) && isFinite(lat)) {
          addCandidate({name: String(c.name || "").slice(0, 120), lon: lon, lat: lat,
                        entity: typeof c.entity === "string" ? c.entity : undefined});
        }
      });
      if (state.cands.length) { SC.fitBounds(map, candLayer.getBounds().pad(0.3), {maxZoom: 14}); }
    }

    function removeCandidate(id) {
      state.cands = state.cands.filter(function (c) {
        if (c.id === id) { candLayer.removeLayer(c.marker); return false; }
        return true;
      });
      renderList(); markStale();
    }

    function renderList(badIndex) {
      var list = $("cand-list");
      list.innerHTML = "";
      state.cands.forEach(function (c, i) {
        var li = document.createElement("li");
        if (badIndex === i) { li.className = "bad"; }
        li.dataset.id = c.id;
        li.innerHTML = "<span class='st-tag'>" + (i + 1) + "</span>";
        var name = document.createElement("input");
        name.className = "name"; name.value = c.name; name.setAttribute("aria-label", "candidate " + (i + 1) + " name");
        name.addEventListener("change", function () {
          c.name = name.value.trim() || ("候选" + c.id); c.marker.options.title = c.name; saveCandidates();
        });
        li.appendChild(name);
        var coord = document.createElement("span");
        coord.className = "coord";
        coord.textContent = (c.entity ? "登记 " + c.entity + " · " : "") + c.lon.toFixed(5) + ", " + c.lat.toFixed(5);
        li.appendChild(coord);
        var rm = document.createElement("button");
        rm.type = "button"; rm.className = "secondary"; rm.textContent = "✕"; rm.title = "移除 Remove";
        rm.addEventListener("click", function () { removeCandidate(c.id); });
        li.appendChild(rm);
        li.addEventListener("mouseenter", function () { c.marker.setZIndexOffset(1000); });
        li.addEventListener("mouseleave", function () { c.marker.setZIndexOffset(0); });
        list.appendChild(li);
        c.marker.setIcon(pinIcon(String(i + 1)));
      });
      $("cand-count").textContent = state.cands.length;
      $("cand-empty").hidden = state.cands.length > 0;
      if (state.restored) { saveCandidates(); }
    }

    map.on("click", function (e) {
      if (document.body.dataset.sitesTab === "gaps") { return; }  // the 补链 tab (gaps.js) places nothing
      addCandidate({lon: +e.latlng.lng.toFixed(6), lat: +e.latlng.lat.toFixed(6)});
    });
    restoreCandidates();
    state.restored = true;
    saveCandidates();

    $("add-entity").addEventListener("click", function () {
      var id = $("entity-select").value;
      if (!id) { return; }
      var e = page.entities.filter(function (x) { return x.id === id; })[0];
      if (!e) { return; }
      // Measured from where the registry places it (the API resolves the entity id again).
      addCandidate({name: e.zh, lon: +e.lon, lat: +e.lat, entity: id});
      // Keep every candidate in view (no jump that leaves the clicked ones off screen).
      var view = map.getBounds();
      if (!state.cands.every(function (c) { return view.contains([c.lat, c.lon]); })) {
        SC.fitBounds(map, candLayer.getBounds().pad(0.2), {maxZoom: map.getZoom()});
      }
    });

    $("clear-cands").addEventListener("click", function () {
      state.cands.forEach(function (c) { candLayer.removeLayer(c.marker); });
      state.cands = [];
      renderList();
      $("eval-result").innerHTML = ""; setStatus($("eval-status"), "");
      state.lastEval = null;
      ["export-csv", "export-xlsx"].forEach(function (b) { $(b).disabled = true; });
    });

    // ----------------------------------------------------------------------------------------------
    // Evaluate

    function candidatesBody() {
      return state.cands.map(function (c) {
        return c.entity ? {entity: c.entity, name: c.name} : {name: c.name, lon: c.lon, lat: c.lat};
      });
    }

    function evalBody() {
      return {candidates: candidatesBody(), weights: Object.assign({}, state.weights), radius_km: $("radius").value.trim(),
              bom: $("bom").value, normalization: $("normalization").value};
    }

    function post(path, body) { return SC.send("POST", path, body); }

    function download(path, body, filename, statusEl) {
      setStatus(statusEl, "导出中… exporting…");
      fetch(path, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)})
        .then(function (r) {
          if (!r.ok) { return r.json().then(function (d) { throw new Error(SC.errorText(d.error)); }); }
          return r.blob();
        })
        .then(function (blob) {
          var a = document.createElement("a");
          a.href = URL.createObjectURL(blob); a.download = filename;
          document.body.appendChild(a); a.click();
          setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
          setStatus(statusEl, "已导出 exported " + filename);
        })
        .catch(function (err) { stats.errors++; setStatus(statusEl, "导出失败 export failed: " + err.message, true); });
    }

    function fieldIndex(field) {
      var m = /^candidates\[(\d+)\]/.exec(field || "");
      return m ? +m[1] : null;
    }

    function rawSummary(key, v) {
      if (!v.available) { return "<span class='sc-muted'>不可用 n/a</span>"; }
      if (key === "supplier_distance") {
        var cats = Object.keys(v.by_category), found = cats.filter(function (c) { return v.by_category[c].road_m != null; });
        var mean = found.length ? found.reduce(function (s, c) { return s + v.by_category[c].road_m; }, 0) / found.length : null;
        var anyEstimated = found.some(function (c) { return v.by_category[c].distance_method === "estimated"; });
        var rows = cats.map(function (c) {
          var x = v.by_category[c];
          return "<div>" + SC.esc(catZh(c)) + " " + nearestDist(x).replace("<br>", " ") +
            (x.nearest_name_zh ? " <span class='sc-muted'>" + SC.esc(x.nearest_name_zh) + "</span>" : "") + "</div>";
        }).join("");
        return "平均 mean " + (anyEstimated ? "<span class='sc-approx' title='含估算距离 includes estimated distances'>≈</span>" : "") +
          SC.km(mean, 1) + " <details><summary>各类 per category</summary><div class='cats'>" + rows + "</div></details>";
      }
      if (key === "supplier_count") {
        var cs = Object.keys(v.by_category), have = cs.filter(function (c) { return v.by_category[c].count > 0; }).length;
        var list = cs.map(function (c) {
          var x = v.by_category[c];
          return "<div>" + SC.esc(catZh(c)) + " " + x.count + (x.undetermined ? " <span class='sc-muted'>(+" + x.undetermined +
            " 无法判定 undetermined)</span>" : "") + "</div>";
        }).join("");
        return have + "/" + cs.length + " 类有供应商 categories covered <details><summary>各类 per category</summary><div class='cats'>" +
          list + "</div></details>";
      }
      if (key === "makers_served") {
        return v.count + " / " + v.of + " 家 makers" + (v.estimated ? " <span class='sc-muted'>(" + v.estimated + " ≈)</span>" : "") +
          (v.undetermined ? " <span class='sc-muted'>+" + v.undetermined + " 无法判定 undetermined</span>" : "");
      }
      return nearestDist(v) + " " + badge(v.distance_method) +
        (v.nearest_name_zh ? "<br><span class='sc-muted'>" + SC.esc(v.nearest_name_zh) + "</span>" : "");
    }

    function renderEval(ans) {
      var byRank = ans.candidates.map(function (c, i) { return {c: c, i: i}; })
        .sort(function (a, b) { return a.c.rank - b.c.rank || a.i - b.i; });
      var critMeta = {};
      ans.criteria.forEach(function (c) { critMeta[c.key] = c; });
      // The table scrolls sideways inside its own box (its header row and criterion column stay in view).
      var html = "<div class='st-cmp-wrap' id='cmp-wrap'><table class='sc-table st-cmp' id='cmp-table'><thead><tr>" +
        "<th>准则 Criterion<span class='en'>权重 weight</span></th>";
      byRank.forEach(function (x) {
        html += "<th class='" + (x.c.rank === 1 ? "best" : "") + "' data-index='" + x.i + "'>#" + x.c.rank + " " + SC.esc(x.c.name) +
          "<span class='en'>" + badge(x.c.distance_method) + (x.c.snap_m != null && !x.c.on_network ? " 离路网 " + SC.km(x.c.snap_m, 1) : "") + "</span></th>";
      });
      html += "</tr></thead><tbody><tr class='total'><td>综合得分 Score /100</td>";
      byRank.forEach(function (x) {
        html += "<td class='cell num'>" + x.c.score.toFixed(1) + "<div class='bar'><span style='width:" + Math.max(0, Math.min(100, x.c.score)) + "%'></span></div></td>";
      });
      html += "</tr>";
      ans.criteria.forEach(function (m) {
        html += "<tr data-criterion='" + m.key + "'><td><b>" + SC.esc(m.short_zh) + "</b><span class='sc-muted'> " + SC.esc(m.short_en) +
          (m.direction === "less" ? " ↓" : " ↑") + "</span><br><span class='sc-muted'>" +
          (m.available ? (+m.effective_weight.toFixed(1)) + "%" + (Math.abs(m.effective_weight - m.weight) > 0.01 ? " (设 set " + m.weight + "%)" : "")
                       : "不可用 unavailable") + "</span></td>";
        byRank.forEach(function (x) {
          var v = x.c.criteria[m.key];
          var s = v.score == null ? null : v.score;
          html += "<td class='cell'>" + (s == null ? "" : "<b>" + s.toFixed(2) + "</b> <span class='sc-muted'>+" + v.contribution.toFixed(1) + "</span>" +
            "<div class='bar'><span style='width:" + (s * 100) + "%'></span></div>") + rawSummary(m.key, v) + "</td>";
        });
        html += "</tr>";
      });
      html += "</tbody></table></div>";
      html += "<div class='st-explain sc-note'><p><b>为何第一名胜出 Why the top site wins</b></p><p>" + SC.esc(ans.explanation.zh) +
        "</p><p>" + SC.esc(ans.explanation.en) + "</p></div>";
      html += "<details><summary class='sc-muted'>评分方法 How scores are computed</summary><ul class='sc-list'>" +
        ans.criteria.map(function (m) {
          return "<li><b>" + SC.esc(m.short_zh) + "</b> " + SC.esc(m.short_en) + " — " + SC.esc(m.normalization) +
            (m.available ? "" : " <span class='sc-muted'>(" + SC.esc(m.unavailable_reason) + ")</span>") + "</li>";
        }).join("") + "<li>总分 = Σ 有效权重 × 得分 total = Σ effective weight × score (0–100)。</li></ul></details>";
      if (ans.notes.length) {
        html += "<ul class='sc-list sc-muted' id='eval-notes'>" + ans.notes.map(function (n) { return "<li>" + SC.esc(n) + "</li>"; }).join("") + "</ul>";
      }
      $("eval-result").innerHTML = html;
      // Markers show the rank; the best is green, estimated sites dashed.
      ans.candidates.forEach(function (c, i) {
        var cand = state.cands[i];
        if (!cand) { return; }
        var cls = (c.rank === 1 ? "rank1" : c.rank === 2 ? "rank2" : "") + (c.distance_method === "estimated" ? " estimated" : "");
        cand.marker.setIcon(pinIcon(String(c.rank), cls));
        cand.marker.bindTooltip("#" + c.rank + " " + SC.esc(c.name) + " · " + c.score.toFixed(1) + "/100");
      });
      var unavailable = {};
      ans.criteria.forEach(function (m) { if (!m.available) { unavailable[m.key] = m.unavailable_reason; } });
      renderWeights(unavailable);
    }

    /** POST a request; on an error say it (naming the field) and mark the candidate it names; resolves to the
     *  answer, or null after an error. */
    function submit(path, body, statusEl, busyText) {
      setStatus(statusEl, busyText);
      return post(path, body).then(function (res) {
        if (res.ok) { SC.clearFieldErrors($("panel")); return res.data; }
        stats.errors++;
        setStatus(statusEl, "错误 Error: " + SC.errorText(res.error), true);
        SC.fieldError($("panel"), {k: $("k"), radius_km: $("radius"), grid_m: $("grid")}, res.error);
        if (path.indexOf("optimize") >= 0) { optLayer.clearLayers(); $("opt-result").innerHTML = ""; }
        if (path.indexOf("evaluate") >= 0) { $("eval-result").innerHTML = ""; }
        var field = (res.error && res.error.field) || "", idx = fieldIndex(field);
        if (idx != null) { renderList(idx); }
        if (/^weights/.test(field)) { $("weight-sum").scrollIntoView({block: "nearest"}); }
        return null;
      });
    }

    /** The CSV and XLSX buttons: the same request as the last answer, answered as a download. */
    function wireExports(kind, idPrefix, filename, statusEl, lastBody) {
      ["csv", "xlsx"].forEach(function (fmt) {
        $(idPrefix + fmt).addEventListener("click", function () {
          var body = lastBody();
          if (body) { download("/api/sites/" + kind + "." + fmt, body, filename + "." + fmt, statusEl); }
        });
      });
    }

    $("evaluate").addEventListener("click", function () {
      var body = evalBody();
      renderList();
      submit("/api/sites/evaluate", body, $("eval-status"), "计算中… evaluating…").then(function (data) {
        if (!data) { return; }
        state.lastEval = data; state.lastEvalBody = body;
        renderEval(data);
        $("eval-status").scrollIntoView({block: "start"});
        setStatus($("eval-status"), state.cands.length + " 个候选地点已比较 candidates compared · 半径 radius " + data.radius_km + " km");
        ["export-csv", "export-xlsx"].forEach(function (b) { $(b).disabled = false; });
        stats.evaluations++;
        document.body.dataset.evaluated = String(stats.evaluations);
      });
    });
    wireExports("evaluate", "export-", "sites-evaluation", $("eval-status"), function () { return state.lastEvalBody; });

    // ----------------------------------------------------------------------------------------------
    // Optimise

    function optBody() {
      var body = {k: $("k").value.trim(), radius_km: $("radius").value.trim()};
      if ($("opt-source").value === "mine") { body.candidates = candidatesBody(); } else { body.grid_m = $("grid").value.trim(); }
      return body;
    }

    function renderOpt(ans) {
      optLayer.clearLayers();
      var d = ans.demand;
      var html = "<div class='sc-stat'><div><b>" + ans.objective + "</b><span>覆盖的缺口 items covered (weight)</span></div>" +
        "<div><b>" + (ans.objective_share == null ? "–" : SC.pct(ans.objective_share)) + "</b><span>确定覆盖占全部缺口 surely covered, of the demand</span></div>" +
        (ans.undetermined_coverage && ans.undetermined_coverage.makers ? "<div><b>+" + ans.undetermined_coverage.makers +
          "</b><span>家无法判定 makers undetermined</span></div>" : "") +
        "<div><b>" + (ans.gap * 100).toFixed(2) + "%</b><span>最优性差距 optimality gap</span></div></div>";
      html += "<p class='sc-muted'>" + (ans.status === "optimal" ? "<b>已证明最优 proven optimal</b>" : SC.esc(ans.status)) + " · " +
        SC.esc(ans.solver) + " · 上界 bound " + ans.bound + (ans.mip_gap != null ? " · HiGHS mip_gap " + ans.mip_gap : "") +
        " · " + ans.runtime_s.total.toFixed(2) + " s<br>" +
        "需求 demand: " + d.makers + " 家整机企业 makers, " + d.items + " 个 (企业, 类别) 缺口 items" +
        (d.undetermined_items ? "（其中 " + d.undetermined_items + " 个无法判定 of which undetermined）" : "") +
        (d.synthetic_makers ? " (" + d.synthetic_makers + " 合成 synthetic)" : "") + " · 候选 " + ans.n_candidates + " " +
        (ans.candidate_source === "grid" ? "网格点 grid points (" + ans.grid_m + " m)" : "candidates") + "</p>";
      html += "<table class='sc-table' id='opt-table'><thead><tr><th>#</th><th>站点 Site</th><th class='num'>新增覆盖<span class='en'>added</span></th>" +
        "<th class='num'>半径内企业<span class='en'>makers in reach</span></th><th>方法<span class='en'>method</span></th></tr></thead><tbody>";
      ans.chosen.forEach(function (c) {
        // Makers reached only by an estimated distance (rough location or off the network) are counted apart.
        var nEstimated = c.makers.filter(function (m) { return m.distance_method === "estimated"; }).length;
        html += "<tr data-order='" + c.order + "'><td>" + c.order + "</td><td class='name'><b>" + SC.esc(c.name) + "</b><br><span class='sc-muted'>" +
          c.lon.toFixed(5) + ", " + c.lat.toFixed(5) + "</span></td><td class='num'>" + c.marginal_weight + "</td><td class='num makers'>" +
          c.makers_covered + (nEstimated ? " <span class='sc-approx' title='其中估算距离 of which by estimated distance'>(" + nEstimated + " ≈)</span>" : "") +
          "</td><td>" + badge(c.distance_method) + "</td></tr>";
        var makers = c.makers.slice(0, 12).map(function (m) {
          return "<tr><td>" + SC.esc(m.name_zh) + (m.synthetic ? " <span class='sc-badge'>合成 synthetic</span>" : "") + "</td><td>" +
            m.missing.map(catZh).map(SC.esc).join("、") + "</td><td>" + badge(m.distance_method) + "</td></tr>";
        }).join("");
        L.marker([c.lat, c.lon], {icon: L.divIcon({className: "sc-pin", html: "<div class='st-best'><span>" + c.order + "</span></div>",
                                                   iconSize: [26, 26], iconAnchor: [13, 13]}), pane: "stSites"})
          .bindPopup("<div class='sc-popup'><b>最优站点 #" + c.order + " Best site " + SC.esc(c.name) + "</b><br>新增覆盖 added " +
                     c.marginal_weight + " · 半径内 " + c.makers_covered + " 家 makers in reach<table>" + makers + "</table>" +
                     (c.makers.length > 12 ? "<div class='sc-muted'>… +" + (c.makers.length - 12) + "</div>" : "") + "</div>")
          .bindTooltip("#" + c.order + " " + SC.esc(c.name))
          .addTo(optLayer);
      });
      html += "</tbody></table>";
      if (ans.notes.length) {
        html += "<ul class='sc-list sc-muted'>" + ans.notes.map(function (n) { return "<li>" + SC.esc(n) + "</li>"; }).join("") + "</ul>";
      }
      $("opt-result").innerHTML = html;
      document.querySelectorAll("#opt-table tbody tr").forEach(function (tr, i) {
        tr.addEventListener("click", function () {
          var layer = optLayer.getLayers()[i];
          if (layer) { map.panTo(layer.getLatLng()); layer.openPopup(); }
        });
      });
      var b = optLayer.getBounds();
      SC.fitBounds(map, b.pad(0.3), {maxZoom: 15});
    }

    $("optimize").addEventListener("click", function () {
      var body = optBody();
      $("optimize").disabled = true;
      submit("/api/sites/optimize", body, $("opt-status"), "求解中… solving…").then(function (data) {
        $("optimize").disabled = false;
        if (!data) { return; }
        state.lastOpt = data; state.lastOptBody = body;
        renderOpt(data);
        $("opt-head").scrollIntoView({block: "start"});
        setStatus($("opt-status"), "已选出 " + data.chosen.length + " 个站点 sites chosen");
        ["opt-csv", "opt-xlsx", "opt-clear"].forEach(function (b) { $(b).disabled = false; });
        stats.optimizations++;
        document.body.dataset.optimized = String(stats.optimizations);
      });
    });
    wireExports("optimize", "opt-", "sites-optimized", $("opt-status"), function () { return state.lastOptBody; });
    $("opt-clear").addEventListener("click", function () {
      optLayer.clearLayers(); $("opt-result").innerHTML = ""; setStatus($("opt-status"), "");
      ["opt-csv", "opt-xlsx", "opt-clear"].forEach(function (b) { $(b).disabled = true; });
    });

    stats.addCandidate = addCandidate;
    stats.removeCandidate = removeCandidate;
    renderList();
  });

  defaultWeights();
  renderWeights();
  $("reset-weights").addEventListener("click", function () { defaultWeights(); renderWeights(); });
  $("normalise-weights").addEventListener("click", function () {
    var s = weightSum();
    if (s <= 0) { return; }
    var keys = crit.map(function (c) { return c.key; }), total = 0;
    keys.forEach(function (k) { state.weights[k] = Math.round(state.weights[k] / s * 1000) / 10; total += state.weights[k]; });
    // Put the rounding remainder on the largest weight so the sum is exactly 100.
    var big = keys.reduce(function (a, b) { return state.weights[a] >= state.weights[b] ? a : b; });
    state.weights[big] = Math.round((state.weights[big] + 100 - total) * 10) / 10;
    renderWeights();
  });
})();
