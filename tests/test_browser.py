"""The pages in a real browser: Debian's Chromium driven by Playwright against the app under waitress.

Checks that the maps render with their layers, a click on the /suppliers map runs a query and fills the table,
the pages log no console error, and no request leaves 127.0.0.1. Screenshots go to tests/screenshots/.
Synthetic suppliers (ids ``syn-*``, labelled synthetic) sit on real SIP network nodes so queries have results.
"""

from __future__ import annotations

import csv
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest

from supplychain import display, registry, taxonomy
from supplychain.store import ENTITY_COLUMNS
from supplychain.workspace import Workspace

from .browser_support import NARROW_VIEWPORT, click_free_map_spot, open_map_page, open_page, serve_copy, shot

pytestmark = pytest.mark.browser


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


def _seed_synthetic(ws: Workspace, data_dir: Path) -> Workspace:
    registry.import_file(ws.store, synthetic_csv(ws, data_dir / "synthetic.csv"))
    return Workspace.open(data_dir)  # served fresh, as `supplychain serve` would open it


@pytest.fixture(scope="module")
def live_url(sip_cache, tmp_path_factory):
    """The app on SIP + synthetic suppliers, served by waitress on 127.0.0.1 (a free port) in a thread."""
    yield from serve_copy(sip_cache, tmp_path_factory, "browser", seed=_seed_synthetic)


def assert_distance_cell(text: str, r: dict) -> None:
    """A shown distance is the product's one style (display.distance), with its verdict; never a bare "0 m"
    for two positions on one reference point."""
    assert text.splitlines()[0] == display.distance(r["road_m"], r["road_m_range"], r["distance_method"]), (text, r)
    assert display.verdict(r["verdict"]) in text, text
    if r["road_m"] is None:
        assert "–" in text and not text.startswith("0 m"), text


def test_map_page_renders_layers(page, live_url):
    open_map_page(page, live_url + "/")
    # The boundary arrives asynchronously and is drawn on a canvas; the basemap's tiles are canvases too (the
    # plain road lines are an overlay that starts off: the basemap draws the roads).
    page.wait_for_function("document.querySelectorAll('.leaflet-overlay-pane canvas').length >= 1")
    page.wait_for_function("document.querySelectorAll('.leaflet-tile-pane canvas').length >= 1")
    labels = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    joined = " ".join(labels)
    for name in ("道路网 Road network", "吴中区边界 Wuzhong boundary", "企业 Firm", "Location uncertainty"):
        assert name in joined, labels
    # Online tiles are base-layer options (supplychain.tilesources), off by default.
    tiles_box = page.locator(".leaflet-control-layers-base label", has_text="OpenStreetMap").locator("input")
    assert not tiles_box.is_checked()
    assert page.locator(".leaflet-control-layers-expanded").count() == 0  # folded: it never covers the map unasked
    assert page.locator(".leaflet-control-scale-line:visible").count() == 1  # metric only
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
    assert page.locator(".leaflet-control-layers-expanded").count() == 0  # the layer list starts folded
    circles = "SC_MAP.layers.uncertainty.getLayers()"
    n_circles = page.evaluate(f"{circles}.length")
    assert n_circles and page.evaluate(f"{circles}.filter(c => c.options.opacity > 0).length") == n_circles
    page.click("#cat-none")
    assert page.locator("#shown-count").inner_text().startswith("显示 shown: 0 /")
    # the hidden entities' uncertainty circles go with them
    assert page.evaluate(f"{circles}.filter(c => c.options.opacity > 0).length") == 0
    page.check("#cat-filter input[value=reducer]")
    reducers = page.request.get(f"{live_url}/api/entities?category=reducer&located=1").json()["features"]
    assert page.locator("#shown-count").inner_text().startswith(f"显示 shown: {len(reducers)} /")
    # only the circles of spots where a reducer maker stands are shown (绿的谐波 at the 木渎 town point)
    ids = {f["id"] for f in reducers}
    tags = page.evaluate(f"{circles}.filter(c => c.options.opacity > 0).map(c => c.options.tags)")
    assert tags and all(set(t) & ids for t in tags)
    page.click("#cat-all")
    # the legend lists only what is drawn: the 科创专线 has a located start but no drawable line
    legend = page.locator(".sc-legend").first.inner_text()
    assert "科创专线站点 Kechuang stops" in legend and "Kechuang bus line" not in legend
    page.recorder.check()


def test_suppliers_click_runs_a_query(page, live_url):
    open_map_page(page, live_url + "/suppliers")
    page.wait_for_function("document.querySelectorAll('.leaflet-overlay-pane canvas').length >= 1")
    page.select_option("#category", "")
    page.fill("#radius", "6.3")  # any value in range is accepted by the form
    page.click("#run")  # no origin yet: the API names the missing field
    page.wait_for_function("document.getElementById('status').className === 'sc-error'")
    assert "[lon]" in page.locator("#status").inner_text()
    page.recorder.forgive_http_400()
    page.fill("#radius", "6")
    click_free_map_spot(page, 120.735, 31.318)
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
    for row, r in zip(rows.all(), api["results"]):  # a point origin is exact: only the supplier's place is rough
        assert_distance_cell(row.locator("td.road").inner_text(), r)
        if r["id"].startswith("syn-"):  # exact on the network: one figure, surely within
            assert r["verdict"] == "within" and "(" not in row.locator("td.road").inner_text()
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
    api = page.request.get(f"{live_url}/api/suppliers?entity=magiclab&radius_km=20").json()
    # the origin's own region: anywhere in the 吴中 polygon
    assert f"{api['origin']['precision']} {display.region(api['origin']['region'])}" in summary
    assert api["counts"]["undetermined"] and "无法判定 undetermined" in summary
    rows = page.locator("#results tbody tr")
    assert api["results"] and rows.count() == len(api["results"])
    for row, r in zip(rows.all(), api["results"]):  # "0 m" between two district points must not read as exact
        assert_distance_cell(row.locator("td.road").inner_text(), r)
    # The view moves to the answer, far from the network the page opened on (once lost to a running zoom).
    page.wait_for_function("([lat, lon]) => SC_MAP.map.getBounds().contains([lat, lon])",
                           arg=[api["origin"]["lat"], api["origin"]["lon"]])
    assert "吴中区内任意位置" in page.locator("#origin-entity option[value=magiclab]").inner_text()
    page.wait_for_timeout(400)  # fitBounds animation
    shot(page, "suppliers-estimated")

    page.goto(live_url + "/suppliers?lon=abc&lat=31.3", wait_until="networkidle")
    page.wait_for_function("document.getElementById('status').className === 'sc-error'")
    assert "[lon]" in page.locator("#status").inner_text()
    page.recorder.forgive_http_400()  # the API's 4xx answer is expected
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
    # not clustered: one coloured rate pin per located maker, even where several share a reference point
    assert page.locator(".sc-rate-pin").count() == len(api["makers"])
    assert page.locator(".leaflet-marker-pane .marker-cluster").count() == 0
    for m in api["makers"]:  # a rate is a range wherever some category is undetermined, in the one style
        rate = page.locator(f"#makers tbody tr[data-id='{m['id']}'] .sc-rate").inner_text()
        assert rate == display.rate(m["rate_certain"], m["rate_possible"]), (m["id"], rate)
        assert rate.startswith("≈") == bool(m["undetermined"])
    n_und = api["summary"]["undetermined_items"]
    assert page.locator("#undetermined-note").count() == (1 if n_und else 0)
    # three colours per category bar: covered, undetermined, lacking
    for row, (c, v) in zip(page.locator("#category-chart .sc-bar-row").all(),
                           sorted(api["summary"]["per_category"].items(),
                                  key=lambda kv: (-kv[1]["lacking"], -kv[1]["undetermined"], kv[0]))):
        assert row.locator(".undetermined").count() == 1
        assert row.locator(".val").inner_text().startswith(str(v["lacking"]))
    labels = page.locator("#category-chart .sc-bar-row .label").all_inner_texts()
    english = {taxonomy.CATEGORIES[c].en.split(" (")[0] for c in api["summary"]["per_category"]}
    assert len(labels) == len(english) and all(any(e in label for e in english) for label in labels), labels
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


@pytest.mark.parametrize("path", ["/", "/sites", "/scenarios"])
def test_phone_width_folds_the_pages_into_a_menu(browser, live_url, path):
    """At 390×844 (a phone) every page is one tap away in the menu, and the map sits below the panel."""
    with open_page(browser, {"width": 390, "height": 844}) as page:
        open_map_page(page, live_url + path)
        links = page.locator(".sc-nav nav a")
        assert not links.first.is_visible()
        page.click("#sc-menu")
        assert links.count() == 7  # 地图, 供应商查询, 10公里配套, 选址, 科创专线, 假设情景, 登记审核
        for link in links.all():
            box = link.bounding_box()
            assert link.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= 390, link.inner_text()
        shot(page, "phone-menu-" + (path.strip("/") or "index"))
        page.click("#sc-menu")
        assert not links.first.is_visible()
        panel, mapbox = page.locator("#panel").bounding_box(), page.locator(".sc-map").bounding_box()
        assert mapbox["y"] >= panel["y"] + panel["height"] - 1 and mapbox["width"] >= 380
        assert mapbox["height"] >= 0.45 * 844
        shot(page, "phone-" + (path.strip("/") or "index"))
        page.recorder.check()


@pytest.mark.parametrize("path", ["/", "/suppliers", "/route"])
def test_narrow_window_keeps_the_map_usable(browser, live_url, path):
    """At 900×800 every page stays reachable, the layer list folds away, and the map keeps real room."""
    with open_page(browser, NARROW_VIEWPORT) as page:
        open_map_page(page, live_url + path)
        width = NARROW_VIEWPORT["width"]
        for link in page.locator(".sc-nav nav a").all():  # no page hidden off the right edge of the bar
            box = link.bounding_box()
            assert box["x"] + box["width"] <= width, link.inner_text()
            assert any(c.isascii() and c.isalpha() for c in link.get_attribute("title"))  # the English stays
        assert page.locator(".leaflet-control-layers-expanded").count() == 0
        assert page.locator(".leaflet-control-layers-toggle").is_visible()
        assert page.locator(".sc-map").bounding_box()["width"] >= 0.45 * width
        assert page.locator(".leaflet-control-scale-line:visible").count() == 1  # metric only
        shot(page, "narrow-" + (path.strip("/") or "index"))
        page.hover(".leaflet-control-layers")  # ... and the layer list opens on hover
        assert page.locator(".leaflet-control-layers-expanded").count() == 1
        page.recorder.check()
