"""Script injection in Chromium: payloads of every class, through every way data reaches a page, never run.

Entry points: a registry name (an imported CSV: suppliers and makers), a route stop name (POST with the token),
a candidate name on /sites, and URL parameters. Classes: template literal (``${…}``, backtick), closing script
tag, attribute breaking (``" onmouseover=…``) and event handler (``<img onerror=…>``). Each payload would set
``window.__pwned``; the checks: it stays undefined, no dialog opens, no element carries an injected handler or
script, no CSP violation is reported, and every map still renders. Tooltips and popups (built lazily by
Leaflet) are all rendered into the page the way Leaflet opens them, so none is left untried.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import replace
from urllib.parse import quote

import pytest

from supplychain import registry, synthetic

from .browser_support import open_map_page, serve_copy

pytestmark = pytest.mark.browser

PAYLOADS = {
    "template_literal": "${window.__pwned=1}",
    "backtick": "`+(window.__pwned=1)+`",
    "closing_script": "</script><script>window.__pwned=1</script>",
    "attribute_double": "\" onmouseover=\"window.__pwned=1\" x=\"",
    "attribute_single": "' onmouseover='window.__pwned=1' x='",
    "event_handler": "<img src=x onerror=window.__pwned=1>",
    "svg_onload": "<svg onload=window.__pwned=1>",
}
PAGES = ["/", "/suppliers", "/sourcing", "/sites", "/route", "/registry", "/scenarios?name=inj"]
TRIED: dict[str, set[str]] = {}  # entry point -> payload classes tried (reported at the end)


def _seed(ws, data_dir):
    """Suppliers and makers named with the payloads, imported through a registry CSV like a user's file."""
    base = synthetic.makers_and_suppliers(ws.network, n_makers=len(PAYLOADS), n_suppliers=len(PAYLOADS), seed=11,
                                          categories=["reducer", "motor", "sensor"], robot_types=["humanoid"])
    named = []
    for i, e in enumerate(base):
        cls, p = list(PAYLOADS.items())[i % len(PAYLOADS)]
        named.append(replace(e, name_zh=f"注入{i}{p}", name_en=f"inj {cls} {p}", address=p))
    report = registry.import_file(ws.store, synthetic.write_csv(named, data_dir / "payload-registry.csv"))
    assert report is not None
    TRIED["registry_csv"] = set(PAYLOADS)
    from supplychain.workspace import Workspace

    return Workspace.open(data_dir)


@pytest.fixture(scope="module")
def live(sip_cache, tmp_path_factory):
    for url in serve_copy(sip_cache, tmp_path_factory, "injection", seed=_seed):
        # Route stops named with the payloads, added as a user would: POST with the edit token.
        for i, p in enumerate(PAYLOADS.values()):
            body = json.dumps({"lon": 120.70 + 0.005 * i, "lat": 31.31, "name_zh": p, "name_en": p}).encode()
            req = urllib.request.Request(f"{url}/api/routes/kechuang/stops", data=body, method="POST", headers={
                "Content-Type": "application/json", "Authorization": f"Bearer {url.token}"})
            with urllib.request.urlopen(req) as resp:
                assert resp.status == 201
        TRIED["route_stop"] = set(PAYLOADS)
        # A what-if scenario whose hypothetical firms are named with the payloads, and which moves a payload maker.
        edits = [{"op": "add", "name_zh": p, "name_en": p, "categories": ["reducer"], "lon": 120.70 + 0.005 * i,
                  "lat": 31.32} for i, p in enumerate(PAYLOADS.values())]
        edits.append({"op": "move", "id": "synthetic-maker-00001", "lon": 120.74, "lat": 31.33})
        req = urllib.request.Request(f"{url}/api/scenarios/inj", data=json.dumps({"note": PAYLOADS["event_handler"],
                                     "edits": edits}).encode(), method="PUT", headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {url.token}"})
        with urllib.request.urlopen(req) as resp:
            assert resp.status == 201
        TRIED["scenario_edit"] = set(PAYLOADS)
        yield url


def _watch(page) -> list[str]:
    """Record dialogs (alert/confirm/prompt) and CSP violations on the page."""
    events: list[str] = []
    page.on("dialog", lambda d: (events.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("console", lambda m: events.append(f"console: {m.text}")
            if "Content Security Policy" in m.text or "Content-Security-Policy" in m.text else None)
    return events


RENDER_LABELS = """() => {
    // Every tooltip and popup of every layer (clusters and groups included), rendered the way Leaflet opens
    // them (innerHTML of the content), then hovered, so attribute-breaking payloads get their chance.
    const box = document.createElement("div"); box.id = "label-probe"; document.body.appendChild(box);
    const seen = new Set(); let n = 0;
    function visit(layer) {
        if (!layer || seen.has(layer)) { return; }
        seen.add(layer);
        for (const get of ["getTooltip", "getPopup"]) {
            const t = layer[get] && layer[get]();
            if (t) {
                let c = t.getContent ? t.getContent() : t._content;
                if (typeof c === "function") { c = c(layer); }
                const d = document.createElement("div");
                if (typeof c === "string") { d.innerHTML = c; }
                else if (c && c.nodeType) { d.appendChild(c.cloneNode(true)); }
                box.appendChild(d); n++;
            }
        }
        if (layer.getLayers) { layer.getLayers().forEach(visit); }
        if (layer._layers) { Object.values(layer._layers).forEach(visit); }
    }
    const hook = window.SC_MAP;
    hook.map.eachLayer(visit);
    Object.values(hook.layers || {}).forEach(l => { visit(l); if (l && l.markers) { l.markers.forEach(visit); } });
    box.querySelectorAll("*").forEach(el => el.dispatchEvent(new MouseEvent("mouseover", {bubbles: true})));
    document.querySelectorAll(".leaflet-control-layers label, .leaflet-marker-icon").forEach(
        el => el.dispatchEvent(new MouseEvent("mouseover", {bubbles: true})));
    return n;
}"""

INJECTED = """() => {
    const bad = [];
    document.querySelectorAll("*").forEach(el => {
        for (const a of el.getAttributeNames()) {
            if (/^on/i.test(a)) { bad.push(el.tagName + "[" + a + "]"); }
        }
    });
    document.querySelectorAll("script").forEach(s => {
        if (s.textContent.includes("__pwned=1</")) { bad.push("script"); }
    });
    document.querySelectorAll("img[src='x'], svg[onload]").forEach(el => bad.push("injected " + el.tagName));
    return bad;
}"""


def check_page(page, events) -> None:
    n = page.evaluate(RENDER_LABELS) if page.evaluate("!!(window.SC_MAP && window.SC_MAP.map)") else 0
    page.wait_for_timeout(300)  # let any injected image's onerror fire before looking (not a timing assertion)
    assert page.evaluate("typeof window.__pwned") == "undefined", page.url
    assert page.evaluate(INJECTED) == [], page.url
    assert events == [], (page.url, events)
    return n


@pytest.mark.parametrize("path", PAGES)
def test_stored_payloads_never_run(page, live, path):
    events = _watch(page)
    open_map_page(page, live + path)
    if path == "/suppliers":  # the origin tooltip and result table of a payload-named supplier
        page.goto(live + "/suppliers?entity=synthetic-supplier-00001&radius_km=10", wait_until="networkidle")
        page.wait_for_function("document.querySelectorAll('#results tbody tr, table tbody tr').length > 0")
    if path.startswith("/scenarios"):  # the edit list, the drawn scenario entities and the comparison
        page.wait_for_function("window.SC_SCEN && SC_SCEN.compares > 0 && document.querySelector('#cmp-makers')")
        assert PAYLOADS["closing_script"] in page.locator("#edit-list").inner_text()
        assert page.locator(".sn-marker").count() == len(PAYLOADS) + 1
    if path == "/route":
        page.wait_for_function("window.SC_ROUTE && window.SC_ROUTE.renders > 0")
        assert page.locator("#stops tbody tr").count() >= len(PAYLOADS)
        assert PAYLOADS["closing_script"] in page.locator("#stops").inner_text()  # shown as text, intact
    labels = check_page(page, events)
    assert labels > 0
    page.recorder.check()


def test_candidate_names_never_run(page, live):
    events = _watch(page)
    open_map_page(page, live + "/sites")
    page.wait_for_function("window.SC_SITES && typeof window.SC_SITES.addCandidate === 'function'")
    for i, p in enumerate(PAYLOADS.values()):
        page.evaluate("([name, lon, lat]) => SC_SITES.addCandidate({name, lon, lat})",
                      [p, 120.70 + 0.01 * i, 31.31 + 0.003 * i])
    page.click("#evaluate")
    page.wait_for_function("() => document.querySelector('#cmp-table') !== null")
    assert PAYLOADS["event_handler"] in page.locator("#cmp-table").inner_text()
    page.select_option("#opt-source", "mine")
    page.fill("#k", "2")
    page.click("#optimize")
    page.wait_for_function("document.querySelector('#opt-table') !== null")
    TRIED["candidate_name"] = set(PAYLOADS)
    check_page(page, events)
    page.recorder.check()


def test_a_write_without_the_token_says_how_then_the_token_url_lets_the_page_write(page, live):
    """The page's own fetch: 401 and a bilingual note without the cookie; after /?token=… the same call writes."""
    from .browser_support import login

    open_map_page(page, live + "/route")
    call = """() => SC.send("POST", "/api/routes", {id: "from-page", name_zh: "页面方案"}).then(r => r.status)"""
    assert page.evaluate(call) == 401
    note = page.locator("#sc-token-note")
    assert note.is_visible()
    text = note.inner_text()
    assert text.startswith("需要编辑令牌") and "Edit token required" in text and "supplychain token" in text
    page.recorder.errors = [e for e in page.recorder.errors if "401" not in e]
    login(page, live, "/route")
    assert page.url == live + "/route"
    assert page.evaluate(call) == 201
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["sc_edit"]["httpOnly"] and cookies["sc_edit"]["sameSite"] == "Strict"
    assert live.token not in cookies["sc_edit"]["value"]
    page.recorder.check()


URL_CASES = [
    "/?q={p}", "/suppliers?entity={p}", "/suppliers?lon={p}&lat=31.3", "/suppliers?category={p}",
    "/sourcing?radius_km={p}", "/route?id={p}", "/sites?k={p}", "/{p}",
]


@pytest.mark.parametrize("cls", list(PAYLOADS))
def test_url_parameters_never_run(page, live, cls):
    events = _watch(page)
    for case in URL_CASES:
        page.goto(live + case.format(p=quote(PAYLOADS[cls], safe="")), wait_until="load")
        check_page(page, events)
    TRIED.setdefault("url_parameter", set()).add(cls)
    page.recorder.forgive_http_400()
    page.recorder.errors = [e for e in page.recorder.errors if "404" not in e]


def test_report_the_combinations_tried():
    """Runs last in this module: every entry point got every payload class (the count is in the report)."""
    assert set(TRIED) == {"registry_csv", "route_stop", "candidate_name", "url_parameter", "scenario_edit"}, TRIED
    assert all(v == set(PAYLOADS) for v in TRIED.values()), TRIED
    print(f"\ninjection: {len(PAYLOADS)} payloads x {len(TRIED)} entry points = "
          f"{sum(len(v) for v in TRIED.values())} combinations; pages {len(PAGES)}, URL forms {len(URL_CASES)}")
