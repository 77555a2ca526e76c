"""The /sites page in Chromium: a planner places three candidate sites by clicking the map, fixes the weights,
compares the sites side by side, exports the comparison, and asks for the best five sites. Every number the page
shows is checked against the API's answer to the same request. Screenshots: tests/screenshots/sites-*.png.
Synthetic makers and suppliers (ids ``synthetic-*``, labelled synthetic) sit on SIP network nodes.
"""

from __future__ import annotations

import pytest

from supplychain import synthetic

from .browser_support import click_free_map_spot, serve_copy, shot

pytestmark = pytest.mark.browser

#: Three spots in the SIP core (lon, lat): west, centre, east.
SPOTS = [(120.700, 31.312), (120.735, 31.320), (120.765, 31.330)]


def _seed_synthetic(ws, _data_dir) -> None:
    synthetic.import_into(ws, synthetic.makers_and_suppliers(ws.network, n_makers=12, n_suppliers=30, seed=4))


@pytest.fixture(scope="module")
def sites_url(sip_cache, tmp_path_factory):
    yield from serve_copy(sip_cache, tmp_path_factory, "sites-browser", seed=_seed_synthetic)


def test_place_compare_export_and_best_five(page, sites_url, tmp_path):
    page.goto(sites_url + "/sites", wait_until="networkidle")
    page.wait_for_function("window.SC_MAP && window.SC_MAP.map && window.SC_SITES && typeof window.SC_SITES.addCandidate === 'function'")
    page.wait_for_function("document.querySelectorAll('.leaflet-overlay-pane canvas').length >= 1")
    assert page.locator("#weight-sum").inner_text().startswith("合计 Sum: 100%")

    # 1. Three candidates by clicking the map.
    for i, (lon, lat) in enumerate(SPOTS, start=1):
        click_free_map_spot(page, lon, lat)
        page.wait_for_function(f"document.querySelectorAll('#cand-list li').length === {i}")
    page.locator("#cand-list li input.name").nth(0).fill("西 West")
    page.locator("#cand-list li input.name").nth(0).dispatch_event("change")
    cands = page.evaluate("SC_SITES.state.cands.map(c => ({name: c.name, lon: c.lon, lat: c.lat}))")
    assert len(cands) == 3 and cands[0]["name"] == "西 West"
    for c, (lon, lat) in zip(cands, SPOTS):  # each click landed near where it was aimed
        assert abs(c["lon"] - lon) < 0.01 and abs(c["lat"] - lat) < 0.01
    # The candidates are kept in the URL and across a reload.
    assert "cands=" in page.url
    page.reload(wait_until="networkidle")
    page.wait_for_function("window.SC_SITES && SC_SITES.state.cands.length === 3")
    again = page.evaluate("SC_SITES.state.cands.map(c => ({name: c.name, lon: c.lon, lat: c.lat}))")
    assert again == cands

    # 2. Weights that do not sum to 100 are flagged, and the API refuses them naming the field.
    page.fill("#w-institute", "50")
    assert "须为 100%" in page.locator("#weight-sum").inner_text()
    page.click("#evaluate")
    page.wait_for_function("document.getElementById('eval-status').className === 'sc-error'")
    assert "[weights]" in page.locator("#eval-status").inner_text()
    page.recorder.forgive_http_400()
    page.fill("#w-institute", "10")
    page.fill("#w-supplier_count", "10")
    page.fill("#w-makers_served", "30")
    assert page.locator("#weight-sum").inner_text().startswith("合计 Sum: 100%")
    page.fill("#radius", "3")

    # 3. Compare: the side-by-side table holds the API's numbers.
    page.click("#evaluate")
    page.wait_for_selector("body[data-evaluated]", state="attached")
    body = page.evaluate("""() => ({candidates: SC_SITES.state.cands.map(c => ({name: c.name, lon: c.lon, lat: c.lat})),
                                    weights: SC_SITES.state.weights, radius_km: '3', bom: 'humanoid',
                                    normalization: 'fixed'})""")
    api = page.request.post(f"{sites_url}/api/sites/evaluate", data=body).json()
    assert api["weights"]["makers_served"] == 30
    heads = page.locator("#cmp-table thead th").all_inner_texts()[1:]
    ranked = sorted(api["candidates"], key=lambda c: (c["rank"], api["candidates"].index(c)))
    assert len(heads) == 3
    for head, c in zip(heads, ranked):
        assert head.startswith(f"#{c['rank']} {c['name']}")
    totals = page.locator("#cmp-table tr.total td.cell").all_inner_texts()
    assert [t.split()[0] for t in totals] == [f"{c['score']:.1f}" for c in ranked]
    row = page.locator("#cmp-table tr[data-criterion=makers_served] td.cell").all_inner_texts()
    for text, c in zip(row, ranked):
        v = c["criteria"]["makers_served"]
        assert text.startswith(f"{v['score']:.2f}") and f"{v['count']} / {v['of']}" in text
    explanation = page.locator(".st-explain").inner_text()
    assert api["explanation"]["zh"] in explanation and api["explanation"]["en"] in explanation
    # The markers now show the ranks.
    assert sorted(page.locator(".st-pin").all_inner_texts()) == sorted(str(c["rank"]) for c in api["candidates"])
    shot(page, "sites-compare")

    # 4. Export the comparison as XLSX.
    with page.expect_download() as dl:
        page.click("#export-xlsx")
    path = tmp_path / "eval.xlsx"
    dl.value.save_as(path)
    from openpyxl import load_workbook
    sheet = load_workbook(path)["evaluation"]
    assert sheet.max_row == 4 and [sheet.cell(r, 2).value for r in (2, 3, 4)] == [c["name"] for c in ranked]

    # The comparison scrolls sideways inside its own box instead of being cut off.
    wrap = page.locator("#cmp-wrap").bounding_box()
    panel = page.locator("#panel").bounding_box()
    assert wrap["x"] + wrap["width"] <= panel["x"] + panel["width"] + 1

    # 5. An invalid k is said next to its field, and no old answer stays on screen.
    page.fill("#k", "0")
    page.click("#optimize")
    page.wait_for_selector("#k + .sc-field-error")
    assert "k" in page.locator("#k + .sc-field-error").inner_text()
    assert page.locator("#opt-table").count() == 0
    page.recorder.forgive_http_400()
    # The best five sites on the district grid.
    page.fill("#k", "5")
    page.fill("#grid", "1000")
    page.click("#optimize")
    page.wait_for_selector("body[data-optimized]", state="attached", timeout=60_000)
    opt = page.request.post(f"{sites_url}/api/sites/optimize", data={"k": "5", "radius_km": "3", "grid_m": "1000"}).json()
    assert page.locator("#opt-table tbody tr").count() == 5 == len(opt["chosen"])
    names = [t.split("\n")[0] for t in page.locator("#opt-table tbody td.name").all_inner_texts()]
    assert names == [c["name"] for c in opt["chosen"]]
    assert page.locator(".st-best").count() == 5
    for cell, c in zip(page.locator("#opt-table tbody td.makers").all_inner_texts(), opt["chosen"]):
        n_estimated = sum(m["distance_method"] == "estimated" for m in c["makers"])  # reached only by estimate
        assert cell.startswith(str(c["makers_covered"])) and (f"({n_estimated} ≈)" in cell) == bool(n_estimated), cell
    stat = page.locator(".sc-stat").inner_text()
    assert f"{opt['objective']:g}" in stat and opt["status"] == "optimal" and "proven optimal" in page.locator("#opt-result").inner_text()
    assert opt["demand"]["synthetic_makers"] > 0 and "synthetic" in page.locator("#opt-result").inner_text()
    page.wait_for_timeout(400)  # fitBounds animation
    shot(page, "sites-best5")
    page.recorder.check()


def test_registry_candidate_and_off_area_point_is_refused_naming_it(page, sites_url):
    page.goto(sites_url + "/sites", wait_until="networkidle")
    page.wait_for_function("window.SC_SITES && typeof window.SC_SITES.addCandidate === 'function'")
    # A registry entity as a candidate: measured where the registry puts it.
    page.select_option("#entity-select", "elite-robots")
    page.click("#add-entity")
    page.wait_for_function("document.querySelectorAll('#cand-list li').length === 1")
    assert "elite-robots" in page.locator("#cand-list li").first.inner_text()
    # a click far from it, then another registry firm: the view keeps every candidate on screen
    page.evaluate("SC_SITES.addCandidate({name: 'click', lon: 120.62, lat: 31.26})")
    page.select_option("#entity-select", "zelos")
    page.click("#add-entity")
    page.wait_for_timeout(500)
    assert page.evaluate("SC_SITES.state.cands.every(c => SC_MAP.map.getBounds().contains([c.lat, c.lon]))")
    page.evaluate("SC_SITES.state.cands.slice(1).map(c => c.id).forEach(id => SC_SITES.removeCandidate(id))")
    page.evaluate("SC_SITES.addCandidate({name: 'Beijing', lon: 116.4, lat: 39.9})")
    page.click("#evaluate")
    page.wait_for_function("document.getElementById('eval-status').className === 'sc-error'")
    assert "[candidates[1].lon]" in page.locator("#eval-status").inner_text()
    assert page.locator("#cand-list li.bad").count() == 1
    assert page.locator("#cand-list li").nth(1).get_attribute("class") == "bad"
