"""The /scenarios page in Chromium: a planner creates a scenario, makes a maker exact by moving it on the map,
adds a hypothetical reducer firm by clicking the map, removes a maker, and reads the side-by-side comparison;
every highlighted row is checked against the API's comparison of the same scenario. Also: the page says how to
get the token when a write is refused, and a hypothetical firm's name is shown as text, never as markup.
Screenshots: tests/screenshots/scenarios-*.png (1440×900 and 390×844).
"""

from __future__ import annotations

import json
import urllib.request

import pytest

from .browser_support import click_free_map_spot, login, open_page, serve_copy, shot

pytestmark = pytest.mark.browser

EAST = (120.765, 31.330)
ELITE = "elite-robots"


@pytest.fixture(scope="module")
def url(sip_cache, tmp_path_factory):
    yield from serve_copy(sip_cache, tmp_path_factory, "scenarios-browser")


def _api(url, path):
    with urllib.request.urlopen(url + path) as r:
        return json.loads(r.read().decode("utf-8"))


def _open(page, url, name=""):
    page.goto(url + "/scenarios" + (f"?name={name}" if name else ""), wait_until="networkidle")
    page.wait_for_function("window.SC_MAP && window.SC_MAP.map && window.SC_SCEN")


def _edits(page, n):
    page.wait_for_function(f"document.querySelectorAll('#edit-list li[data-op]').length === {n}")


def test_create_edit_on_the_map_and_compare(page, url):
    login(page, url)
    _open(page, url)
    page.fill("#new-name", "reducer-near-elite")
    page.click("#create-scenario")
    page.wait_for_function("document.getElementById('scenario-select').value === 'reducer-near-elite'")
    assert page.locator("#editor").is_visible()

    # Move the maker (street precision) to an exact point near where it is: click the map.
    elite = next(e for e in page.evaluate("JSON.parse(document.getElementById('page-data').textContent).entities")
                 if e["id"] == ELITE)
    page.select_option("#entity-select", ELITE)
    page.click("#move-mode")
    assert "Click the map" in page.locator("#mode-note").inner_text()
    click_free_map_spot(page, elite["lon"], elite["lat"])
    _edits(page, 1)

    # Add a hypothetical reducer maker by clicking the map.
    page.fill("#add-name", "假设减速器厂")
    page.select_option("#add-category", "reducer")
    page.click("#add-mode")
    click_free_map_spot(page, *EAST)
    _edits(page, 2)
    page.wait_for_function("SC_SCEN.compares >= 2 && document.querySelector('#cmp-makers')")

    # The comparison the page shows is the API's: changed rows highlighted, the reducer newly covered.
    cmp = _api(url, "/api/scenarios/reducer-near-elite/compare?radius_km=10")
    row = next(m for m in cmp["makers"] if m["id"] == ELITE)
    assert row["newly_covered"] == ["reducer"], row
    for m in cmp["makers"]:
        tr = page.locator(f"#cmp-makers tr[data-id='{m['id']}']")
        assert ("diff" in (tr.get_attribute("class") or "")) == m["changed"]
    assert "减速器" in page.locator(f"#cmp-makers tr[data-id='{ELITE}'] td.gain").inner_text()
    assert "迁移 moved" in page.locator(f"#cmp-makers tr[data-id='{ELITE}']").inner_text()
    assert page.locator("#cmp-summary tr.diff").count() >= 1
    # The scenario's entities are drawn apart: the hypothetical one labelled 假设, the moved one.
    assert page.locator(".sn-marker .sn-pin").count() == 2
    assert page.locator(".sn-marker .sn-pin.moved").count() == 1
    assert "假设" in page.locator("#edit-list li[data-op='add']").inner_text()
    shot(page, "scenarios-compare")

    # Remove a maker: it leaves the comparison's scenario side, marked removed, drawn as a cross.
    page.select_option("#entity-select", "zelos")
    page.click("#remove-entity")
    _edits(page, 3)
    page.wait_for_function("SC_SCEN.compares >= 3 && document.querySelector(\"#cmp-makers tr[data-id='zelos']\")"
                           " && document.querySelector(\"#cmp-makers tr[data-id='zelos']\").textContent.indexOf('移除') >= 0")
    assert page.locator(".sn-gone").count() == 1
    # Undo the removal.
    page.locator("#edit-list li[data-op='remove'] button").click()
    _edits(page, 2)
    detail = _api(url, "/api/scenarios/reducer-near-elite")
    assert [e["op"] for e in detail["edits"]] == ["move", "add"]
    # A reload keeps the chosen scenario (it is in the URL).
    page.reload(wait_until="networkidle")
    page.wait_for_function("document.getElementById('scenario-select').value === 'reducer-near-elite' && "
                           "document.querySelectorAll('#edit-list li[data-op]').length === 2")
    page.recorder.check()


def test_hostile_name_is_text_and_views(browser, url):
    with open_page(browser, {"width": 1440, "height": 900}) as page:
        login(page, url)
        _open(page, url)
        page.fill("#new-name", "inject")
        page.click("#create-scenario")
        page.wait_for_function("document.getElementById('scenario-select').value === 'inject'")
        page.fill("#add-name", "<img src=x id=pwn>")
        page.click("#add-mode")
        click_free_map_spot(page, *EAST)
        _edits(page, 1)
        assert page.locator("#pwn").count() == 0
        assert "<img src=x id=pwn>" in page.locator("#edit-list").inner_text()
        page.wait_for_function("SC_SCEN.compares >= 1 && document.querySelector('#cmp-makers')")
        _open(page, url, "reducer-near-elite")
        page.wait_for_function("SC_SCEN.compares >= 1 && document.querySelector('#cmp-makers')")
        shot(page, "scenarios-1440")
        page.locator("#cmp-result").scroll_into_view_if_needed()
        shot(page, "scenarios-1440-compare")
        page.recorder.check()
    with open_page(browser, {"width": 390, "height": 844}) as page:
        login(page, url)
        _open(page, url, "reducer-near-elite")
        page.wait_for_function("SC_SCEN.compares >= 1 && document.querySelector('#cmp-makers')")
        shot(page, "scenarios-390")
        page.locator("#cmp-makers").scroll_into_view_if_needed()
        shot(page, "scenarios-390-compare")
        page.recorder.check()


def test_write_without_token_says_how_to_get_it(page, url):
    _open(page, url)
    page.fill("#new-name", "no-token")
    page.click("#create-scenario")
    page.wait_for_function("document.getElementById('sc-token-note')")
    assert "编辑令牌" in page.locator("#sc-token-note").inner_text()
    assert all(s["name"] != "no-token" for s in _api(url, "/api/scenarios")["scenarios"])
