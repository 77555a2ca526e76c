"""The route page in Chromium: the 科创专线 as known, then a variant edited by clicks and a drag, compared and
designed; every number the page shows is the API's. Screenshots go to tests/screenshots/route-*.png.
Synthetic entities (ids ``syn-*``, labelled synthetic) sit at SIP community labels so catchments have members.
"""

from __future__ import annotations

import pytest

from supplychain import display

from .browser_support import click_free_map_spot, login, serve_copy, shot
from .test_route import add_synthetic, pt

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def route_url(sip_cache, tmp_path_factory):
    yield from serve_copy(sip_cache, tmp_path_factory, "route-browser", seed=lambda ws, _dir: add_synthetic(ws))


@pytest.fixture(autouse=True)
def _logged_in(page, route_url):
    """The route page edits: its browser holds the session cookie, as after opening the URL `serve` prints."""
    login(page, route_url)


def renders(page) -> int:
    return page.evaluate("window.SC_ROUTE.renders")


def after(page, n: int) -> None:
    """Wait until the page has drawn a new answer (or shown an error)."""
    page.wait_for_function(f"window.SC_ROUTE.renders > {n} || window.SC_ROUTE.errors > 0")
    assert page.evaluate("window.SC_ROUTE.errors") == 0, page.locator("#status").inner_text()


def api(page, url, rid):
    return page.request.get(f"{url}/api/routes/{rid}").json()


def shown_length(page) -> str:
    return page.locator("#summary").inner_text()


def test_route_page_kechuang_then_edit_a_variant(page, route_url):
    page.goto(route_url + "/route", wait_until="networkidle")
    page.wait_for_function("window.SC_ROUTE && window.SC_ROUTE.renders > 0")
    text = shown_length(page)
    assert "无法测量 not measurable" in text and "not public" in text and "无法核对 cannot check" in text
    assert page.locator("#stops tbody tr").count() == 2
    assert "位置未知 unlocated" in page.locator("#stops tbody tr").nth(1).inner_text()
    assert page.locator("#modes button[data-mode=add]").is_disabled()  # the recorded route is locked
    # A stop known only to the district is said so on the map, and walks to it are never shown as exact.
    data = api(page, route_url, "kechuang")
    rough = [st for st in data["stops"] if st["located"] and st["precision"] in ("town", "district")]
    note = page.locator(".rt-map-note")
    assert note.is_visible() == bool(rough)
    for st in rough:
        assert st["name_zh"] in note.inner_text() and display.region(st["region"]) in note.inner_text()
    walks = data["parameters"]["walk_m"]
    served = data["coverage"][f"{walks[-1]:g}"]["served"]
    cells = page.locator("#coverage td.walk").all_inner_texts()
    assert len(cells) == len(served)
    for text, e in zip(cells, served):  # the one style of uncertainty, as the library formats it
        assert text == display.distance(e["walk_m"], e["road_m_range"], e["distance_method"]), text
    und = data["coverage"][f"{walks[-1]:g}"]["undetermined_count"]
    assert und and f"{und} 个实体可能在步行范围内" in page.locator("#coverage").inner_text()
    shot(page, "route-kechuang")

    # Copy it as a variant (two prompts: id, name), then edit the variant.
    answers = iter(["kc-web", "网页方案"])
    page.on("dialog", lambda d: d.accept(next(answers)) if d.type == "prompt" else d.accept())
    n = renders(page)
    page.click("#copy-route")
    after(page, n)
    assert page.evaluate("window.SC_ROUTE.id") == "kc-web" and "route?id=kc-web" in page.url

    # Two clicks on the map add stops (each at the position adding the least length).
    page.click("#modes button[data-mode=add]")
    page.evaluate("SC_MAP.map.setView([31.326, 120.74], 14, {animate: false})")
    for lon, lat in (pt("星湖街", 5), pt("东沙湖路", 0)):
        n = renders(page)
        click_free_map_spot(page, lon, lat)
        after(page, n)
    assert page.locator("#stops tbody tr").count() == 4
    # Remove the two recorded terminals: what is left is two clicked stops, measured on the roads.
    for seq in (4, 1):
        n = renders(page)
        page.locator(f"#stops tbody tr[data-seq='{seq}'] button[data-act=remove]").click()
        after(page, n)
    data = api(page, route_url, "kc-web")
    assert len(data["stops"]) == 2 and data["length_m"] > 0 and data["distance_method"] == "network"
    assert note.is_hidden()  # clicked stops are exact: nothing rough to warn about
    assert f"{data['length_m'] / 1000:.2f} km" in shown_length(page)
    before = data["length_m"]

    # Drag stop 2 east: the path, the length and the check follow.
    page.click("#modes button[data-mode=add]")  # leave add mode
    marker = page.locator(".leaflet-marker-icon .rt-stop-icon", has_text="2").first
    box = marker.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    n = renders(page)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 60, y + 10, steps=8)
    page.mouse.move(x + 120, y + 20, steps=8)
    page.mouse.up()
    after(page, n)
    data = api(page, route_url, "kc-web")
    assert data["length_m"] != pytest.approx(before, abs=1)
    assert f"{data['length_m'] / 1000:.2f} km" in shown_length(page)
    assert page.locator(".leaflet-overlay-pane path").count() >= 3  # path + catchment areas

    # Compare the recorded line and the variant side by side.
    page.click("#compare")
    page.wait_for_selector("#cmp-table:not([hidden])")
    head = page.locator("#cmp-table thead").inner_text()
    assert "kechuang" in head and "kc-web" in head

    # The designer: one clicked candidate between the terminals, exact method.
    page.click("#modes button[data-mode=candidate]")
    click_free_map_spot(page, *pt("钟园路", 14))
    page.fill("#budget", "12")
    page.click("#design")
    page.wait_for_function("document.getElementById('design-result').textContent.includes('exact_subset_dp')")
    assert "最优 optimal" in page.locator("#design-result").inner_text()
    shot(page, "route-edit")
    page.recorder.check()
