"""The 补链 tab of /sites in Chromium: the ranked list and the per-category table hold the API's answer, the top
sites are on the map with popups naming the makers they would serve, every name is shown as text (a maker named
like markup stays text), a map click in this tab places no candidate, and nothing is requested from another host.
Synthetic makers and suppliers (labelled synthetic) on SIP network nodes. Screenshots: tests/screenshots/gaps-*.png
and, when the folder exists, /work/shots-gaps/."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from supplychain import synthetic

from .browser_support import click_free_map_spot, open_page, serve_copy, shot

pytestmark = pytest.mark.browser

EVIL = "合成<img src=x id=pwn>${1}`"
SHOTS = Path("/work/shots-gaps")


def _seed(ws, _data_dir) -> None:
    ents = synthetic.makers_and_suppliers(ws.network, n_makers=12, n_suppliers=6, seed=4, categories=["reducer"],
                                          needs=("reducer", "battery", "motor"))
    ents[-1] = dataclasses.replace(ents[-1], name_zh=EVIL)
    synthetic.import_into(ws, ents)


@pytest.fixture(scope="module")
def gaps_url(sip_cache, tmp_path_factory):
    yield from serve_copy(sip_cache, tmp_path_factory, "gaps-browser", seed=_seed)


def open_gaps(page, url: str) -> None:
    page.goto(url + "/sites#gaps", wait_until="networkidle")
    page.wait_for_function("window.SC_MAP && window.SC_MAP.map && document.body.dataset.gapsDone", timeout=60_000)


def test_gaps_tab_shows_the_api_answer_on_the_list_table_and_map(page, gaps_url):
    open_gaps(page, gaps_url)
    assert page.locator("#pane-gaps").is_visible() and not page.locator("#pane-plan").is_visible()
    api = page.request.get(f"{gaps_url}/api/sites/gaps?radius_km=10&top=3&grid_m=1000").json()
    assert api["ranking"], "the case should have a site that surely serves someone"
    assert page.locator("#gaps-ranking li").all_inner_texts() == [h["text"] for h in api["ranking"]]
    rows = page.locator("#gaps-table tbody tr")
    assert rows.count() == len(api["categories"])
    for i, c in enumerate(api["categories"]):
        row = rows.nth(i)
        assert row.locator("td").nth(1).inner_text() == str(len(c["lacking"]))
        assert row.locator("td").nth(2).inner_text() == str(len(c["undetermined"]))
        assert row.locator(".sites > div").count() == len(c["sites"])
    # One marker per distinct top site.
    distinct = {(s["lon"], s["lat"]) for c in api["categories"] for s in c["sites"]}
    assert page.evaluate("SC_GAPS.markers") == len(distinct)
    assert page.locator(".gp-pin").count() == len(distinct)
    # The markup-like name is text: no supplier makes batteries, so every maker (the evil one too) lacks them.
    battery = page.locator("#gaps-table tbody tr[data-cat=battery]")
    battery.locator("details").evaluate("d => d.open = true")
    assert EVIL in battery.inner_text()
    # A ranking line opens its site's popup, which names the makers served.
    first = api["ranking"][0]
    cat = next(c for c in api["categories"] if c["category"] == first["category"])
    page.locator("#gaps-ranking li button").first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert cat["label"].split("（")[0] in text and f"+{cat['sites'][0]['sure']} 确定 sure" in text
    for m in cat["sites"][0]["serves"]:
        assert m["name_zh"] in text
    assert page.locator("#pwn").count() == 0
    # A map click in this tab places no candidate (the planner tab's clicks do).
    page.keyboard.press("Escape")
    click_free_map_spot(page, 120.735, 31.320)
    page.wait_for_timeout(300)
    assert page.evaluate("SC_SITES.state.cands.length") == 0
    page.click("#tab-plan")
    assert page.locator("#pane-plan").is_visible() and not page.locator("#pane-gaps").is_visible()
    assert page.evaluate("document.body.dataset.sitesTab") == "plan"
    page.click("#tab-gaps")
    assert page.locator("#pane-gaps").is_visible()
    page.recorder.check()


def test_gaps_tab_field_errors_and_screenshots(browser, gaps_url):
    for name, viewport in (("gaps-1440x900", {"width": 1440, "height": 900}),
                           ("gaps-390x844", {"width": 390, "height": 844})):
        with open_page(browser, viewport) as pg:
            open_gaps(pg, gaps_url)
            pg.wait_for_timeout(600)
            path = shot(pg, name)
            if SHOTS.is_dir():
                pg.screenshot(path=str(SHOTS / f"{name}.png"))
            assert path.stat().st_size > 10_000
            pg.recorder.check()
    with open_page(browser) as pg:
        open_gaps(pg, gaps_url)
        pg.fill("#gaps-top", "0")
        pg.click("#gaps-run")
        pg.wait_for_function("document.getElementById('gaps-status').className === 'sc-error'")
        assert "[top]" in pg.locator("#gaps-status").inner_text()
        assert pg.locator("#gaps-top").get_attribute("aria-invalid") == "true"
        pg.recorder.forgive_http_400()
        pg.recorder.check()
