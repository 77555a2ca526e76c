"""The pages in a real browser: Debian's Chromium driven by Playwright against the app under waitress.

Checks that the maps render with their layers, a click on the /suppliers map runs a query and fills the table,
the pages log no console error, and no request leaves 127.0.0.1. Screenshots go to tests/screenshots/.
Synthetic suppliers (ids ``syn-*``, labelled synthetic) sit on real SIP network nodes so queries have results.
"""

from __future__ import annotations

import csv
import shutil
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest

from supplychain import registry, taxonomy
from supplychain.store import ENTITY_COLUMNS
from supplychain.workspace import Workspace
from webapp import assets, create_app

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parent / "screenshots"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--no-first-run"]
VIEWPORT = {"width": 1400, "height": 860}


def synthetic_csv(ws: Workspace, path: Path, n: int = 24, seed: int = 5) -> Path:
    """SYNTHETIC firms at SIP network nodes (components and two makers), written as a registry CSV."""
    arrays = ws.network.arrays
    nodes = np.random.default_rng(seed).choice(len(arrays["lon"]), size=n, replace=False)
    cats = list(taxonomy.COMPONENT_CATEGORIES)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=ENTITY_COLUMNS)
        w.writeheader()
        for i, node in enumerate(nodes):
            maker = i >= n - 2
            w.writerow({"id": f"syn-{i:03d}", "name_zh": f"合成企业{i:03d}（测试用）", "name_en": f"Synthetic firm {i:03d}",
                        "kind": "firm", "categories": "whole_robot" if maker else cats[i % len(cats)],
                        "robot_types": "humanoid" if maker else "", "lon": f"{arrays['lon'][node]:.7f}",
                        "lat": f"{arrays['lat'][node]:.7f}", "crs": "wgs84", "precision": "exact",
                        "source": "SYNTHETIC test data (tests/test_browser.py)", "address": "synthetic"})
    return path


@pytest.fixture(scope="module")
def live_url(sip_cache, tmp_path_factory):
    """The app on SIP + synthetic suppliers, served by waitress on 127.0.0.1 (a free port) in a thread."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium): run ./run.sh setup or apt-get install chromium")
    import waitress

    assets.ensure()
    target = tmp_path_factory.mktemp("browser") / "data"
    shutil.copytree(sip_cache, target)
    ws = Workspace.open(target)
    registry.import_file(ws.store, synthetic_csv(ws, target / "synthetic.csv"))
    app = create_app(workspace=Workspace.open(target))
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4, ident="test")
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"

    def close_all() -> None:  # from inside waitress's loop thread: closing from outside races its select()
        for channel in list(server._map.values()):
            channel.close()

    server.trigger.pull_trigger(close_all)
    thread.join(timeout=10)
    server.task_dispatcher.shutdown()


@pytest.fixture(scope="module")
def browser(live_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield b
        b.close()


class Recorder:
    """Every request and every console error/page error of a page."""

    def __init__(self, page):
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def check(self):
        assert self.errors == []
        outside = [u for u in self.requests if urlparse(u).hostname != "127.0.0.1" and not u.startswith("data:")]
        assert outside == [], outside


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    pg = context.new_page()
    pg.recorder = Recorder(pg)
    yield pg
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def open_map_page(page, url: str) -> None:
    page.goto(url, wait_until="networkidle")
    page.wait_for_function("window.SC_MAP && window.SC_MAP.map")


def test_map_page_renders_layers(page, live_url):
    open_map_page(page, live_url + "/")
    # The road network and boundary arrive asynchronously and are drawn on canvases.
    page.wait_for_function("document.querySelectorAll('.leaflet-overlay-pane canvas').length >= 2")
    labels = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    joined = " ".join(labels)
    for name in ("道路网 Road network", "吴中区边界 Wuzhong boundary", "企业 Firm", "在线底图 OSM tiles",
                 "Location uncertainty"):
        assert name in joined, labels
    tiles_box = page.locator(".leaflet-control-layers-overlays label", has_text="OSM tiles").locator("input")
    assert not tiles_box.is_checked()  # online tiles are off by default
    n_markers = page.evaluate("SC_MAP.layers.entities.markers.length")
    assert n_markers == page.evaluate("JSON.parse(document.getElementById('search-index').textContent)"
                                      ".filter(e => e.located).length")
    assert page.locator(".marker-cluster, .sc-pin").count() > 0
    assert "OpenStreetMap" in page.locator(".leaflet-control-attribution").inner_text()
    assert page.locator("#unlocated li").count() >= 1  # listed, not drawn
    shot(page, "index")
    page.recorder.check()


def test_map_search_and_category_filter(page, live_url):
    open_map_page(page, live_url + "/")
    page.fill("#search", "Leaderdrive")
    page.locator("#search-results li").first.click()
    page.wait_for_selector(".leaflet-popup-content .sc-popup")
    popup = page.locator(".leaflet-popup-content").inner_text()
    assert "苏州绿的谐波传动科技股份有限公司" in popup and "town" in popup and "参考点" in popup
    shot(page, "index-search")
    page.fill("#search", "具身智能机器人综合创新中心")
    assert "位置未知" in page.locator("#search-results li").first.inner_text()
    page.click("#cat-none")
    assert page.locator("#shown-count").inner_text().startswith("显示 shown: 0 /")
    page.check("#cat-filter input[value=reducer]")
    reducers = page.request.get(f"{live_url}/api/entities?category=reducer&located=1").json()["features"]
    assert page.locator("#shown-count").inner_text().startswith(f"显示 shown: {len(reducers)} /")
    page.click("#cat-all")
    page.recorder.check()


def _click_free_map_spot(page, lon: float, lat: float) -> None:
    """Click the map near (lon, lat) where no marker is in the way (markers swallow map clicks)."""
    box = page.locator(".folium-map").bounding_box()
    spot = page.evaluate("""([lat, lon]) => {
        const map = SC_MAP.map, el = map.getContainer(), r = el.getBoundingClientRect();
        const p = map.latLngToContainerPoint([lat, lon]);
        for (let d = 0; d < 200; d += 6) {
            for (const [dx, dy] of [[d, 0], [0, d], [-d, 0], [0, -d], [d, d], [-d, -d]]) {
                const x = p.x + dx, y = p.y + dy;
                const hit = document.elementFromPoint(r.left + x, r.top + y);
                if (hit && (hit === el || hit.tagName === 'CANVAS' || hit.classList.contains('leaflet-pane')
                            || hit.closest('.leaflet-tile-pane'))) { return [x, y]; }
            }
        }
        return null;
    }""", [lat, lon])
    assert spot, "no free spot to click"
    page.mouse.click(box["x"] + spot[0], box["y"] + spot[1])


def test_suppliers_click_runs_a_query(page, live_url):
    open_map_page(page, live_url + "/suppliers")
    page.wait_for_function("document.querySelectorAll('.leaflet-overlay-pane canvas').length >= 1")
    page.select_option("#category", "")
    page.fill("#radius", "6.3")  # any value in range is accepted by the form
    page.click("#run")  # no origin yet: the API names the missing field
    page.wait_for_function("document.getElementById('status').className === 'sc-error'")
    assert "[lon]" in page.locator("#status").inner_text()
    page.recorder.errors = [e for e in page.recorder.errors if "400" not in e]
    page.fill("#radius", "6")
    _click_free_map_spot(page, 120.735, 31.318)
    page.wait_for_selector("body[data-query-done]", state="attached")
    page.wait_for_timeout(300)  # fitBounds animation
    query = parse_qs(urlparse(page.url).query)
    assert query["radius_km"] == ["6"] and "lon" in query and "lat" in query  # shareable state
    api = page.request.get(f"{live_url}/api/suppliers?lon={query['lon'][0]}&lat={query['lat'][0]}&radius_km=6").json()
    rows = page.locator("#results tbody tr")
    assert api["results"], "the synthetic suppliers should be within reach"
    assert rows.count() == len(api["results"])
    first = rows.first.inner_text()
    assert api["results"][0]["name_zh"] in first and "路网 network" in first
    assert "路网 network" in page.locator("#summary").inner_text()
    # Service area polygons, road paths and supplier markers are drawn (SVG paths).
    assert page.locator(".leaflet-overlay-pane svg path").count() >= len(api["results"]) + 2
    assert page.get_attribute("#export-csv", "href").startswith("/api/suppliers.csv?")
    shot(page, "suppliers")
    rows.first.click()
    page.wait_for_selector(".leaflet-popup-content .sc-popup")
    page.recorder.check()


def test_suppliers_state_from_url_and_errors(page, live_url):
    open_map_page(page, live_url + "/suppliers?entity=syn-000&radius_km=10&category=&area=0")
    page.wait_for_selector("body[data-query-done]", state="attached")
    api = page.request.get(f"{live_url}/api/suppliers?entity=syn-000&radius_km=10").json()
    assert page.locator("#results tbody tr").count() == len(api["results"])
    assert page.input_value("#origin-entity") == "syn-000"
    assert not page.is_checked("#show-area")

    # An origin far from the network: estimated distances, said with the circuity factor.
    page.goto(live_url + "/suppliers?entity=magiclab&radius_km=20", wait_until="networkidle")
    page.wait_for_selector("body[data-query-done]", state="attached")
    summary = page.locator("#summary").inner_text()
    assert "估算 estimated" in summary and "绕行系数" in summary
    page.wait_for_timeout(400)  # fitBounds animation
    shot(page, "suppliers-estimated")

    page.goto(live_url + "/suppliers?lon=abc&lat=31.3", wait_until="networkidle")
    page.wait_for_function("document.getElementById('status').className === 'sc-error'")
    assert "[lon]" in page.locator("#status").inner_text()
    page.recorder.errors = [e for e in page.recorder.errors if "400" not in e]  # the API's 4xx answer is expected
    page.recorder.check()


def test_sourcing_page(page, live_url):
    open_map_page(page, live_url + "/sourcing")
    api = page.request.get(f"{live_url}/api/sourcing?radius_km=10").json()
    rows = page.locator("#makers tbody tr")
    assert rows.count() == len(api["makers"])
    assert page.locator("#category-chart .sc-bar-row").count() == len(api["summary"]["per_category"])
    page.click("#makers th:nth-child(2)")  # sort by rate, ascending
    rates = [float(x) for x in page.eval_on_selector_all(
        "#makers tbody tr td:nth-child(2)", "tds => tds.map(td => td.dataset.sort)")]
    assert rates == sorted(rates)
    page.click("#makers th:nth-child(2)")
    rates = [float(x) for x in page.eval_on_selector_all(
        "#makers tbody tr td:nth-child(2)", "tds => tds.map(td => td.dataset.sort)")]
    assert rates == sorted(rates, reverse=True)
    assert page.locator(".sc-rate-pin, .marker-cluster").count() > 0
    page.locator("#makers tbody tr", has_text="魔法原子").click()  # a row shows its maker on the map
    page.wait_for_selector(".leaflet-popup-content .sc-popup")
    assert "魔法原子" in page.locator(".leaflet-popup-content").inner_text()
    page.wait_for_timeout(400)  # zoom animation
    shot(page, "sourcing")
    # Any radius in range is accepted by the form (no step restriction), and the page recomputes.
    page.fill("#radius", "20")
    page.click("text=重新计算 Recompute")
    page.wait_for_url("**/sourcing?radius_km=20")
    assert page.locator("h1").inner_text().startswith("20 公里配套半径")
    page.recorder.check()
