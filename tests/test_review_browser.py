"""The /registry review page in Chromium: drag a row's marker to a new spot and confirm its categories; the
stored position, categories and the edit log are the ones the page showed. Synthetic firm (合成, labelled)."""

from __future__ import annotations

import pytest

from supplychain import enterprise, registry

from .browser_support import login, open_map_page, serve_copy, shot

pytestmark = pytest.mark.browser


def _seed(ws, data_dir):
    path = data_dir.parent / "list.csv"
    path.write_text("企业名称,注册地址,经营范围\n合成丙公司（合成 synthetic）,苏州市吴中区郭巷街道,伺服电机\n",
                    encoding="utf-8")
    enterprise.import_list(ws.store, path)
    ws.reload_entities()


@pytest.fixture(scope="module")
def review_url(sip_cache, tmp_path_factory):
    yield from serve_copy(sip_cache, tmp_path_factory, "review-browser", seed=_seed)


def test_drag_a_marker_and_confirm_categories(page, review_url):
    login(page, review_url)
    open_map_page(page, review_url + "/registry")
    row = page.locator(".review-row[data-id=magiclab]")
    assert "coarse" in row.inner_text()
    row.click()
    page.wait_for_function("window.SC_REVIEW.marker() !== null")
    # drag the marker 120 px right and 60 px down
    icon = page.locator(".leaflet-marker-icon.leaflet-marker-draggable")
    box = _settled_box(page, icon)
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] - 4
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 60, y + 30, steps=5)
    page.mouse.move(x + 120, y + 60, steps=5)
    page.mouse.up()
    lon, lat = float(page.input_value("#edit-lon")), float(page.input_value("#edit-lat"))
    assert lon > 120.62801 and lat < 31.26448  # moved east and south of the district point
    page.check("#edit-categories input[value=motor]")
    page.select_option("#edit-precision", "street")
    page.click("#save-position")
    page.wait_for_function("document.getElementById('edit-status').dataset.saved === 'magiclab'")
    assert page.locator("#edit-log tbody tr").count() >= 4
    shot(page, "review-edit")
    stored = {e.id: e for e in registry.load_entities(_store(review_url))}["magiclab"]
    assert (round(stored.lon, 6), round(stored.lat, 6)) == (round(lon, 6), round(lat, 6))
    assert stored.precision == "street" and "motor" in stored.categories and "whole_robot" in stored.categories
    edits = page.request.get(review_url + "/api/registry/edits").json()["edits"]
    assert {e["field"] for e in edits if e["entity_id"] == "magiclab"} >= {"lon", "lat", "categories", "precision"}
    # the synthetic firm: confirm its suggested category without a position
    page.locator(".review-row", has_text="合成丙").click()
    assert page.is_checked("#edit-categories input[value=motor]")  # suggested, ticked
    page.click("#save-categories")
    page.wait_for_function("(document.getElementById('edit-status').dataset.saved || '').startsWith('firm-')")
    syn = next(e for e in registry.load_entities(_store(review_url)) if e.name_zh.startswith("合成丙"))
    assert syn.categories == ("motor",) and syn.suggested_categories == () and not syn.located
    page.recorder.check()


def _store(url):
    from supplychain.store import Store

    return Store(url.data_dir)


def _settled_box(page, locator, tries: int = 40):
    """The element's box once the map has stopped moving (the row click pans and zooms the map; a drag that starts
    while the basemap is still animating lands on the wrong pixel)."""
    page.wait_for_function("!SC_MAP.map._animatingZoom && !SC_MAP.map._panAnim?._inProgress")
    prev = locator.bounding_box()
    for _ in range(tries):
        page.wait_for_timeout(150)
        box = locator.bounding_box()
        if box == prev:
            return box
        prev = box
    return prev
