"""The offline basemap in Debian's Chromium: the default base layer of every map page, drawn from the app's own
tiles (no request to another host), with road colours, Chinese labels, water, the hatched no-data area and
the coverage note, checked on the pixels of the map.
"""

from __future__ import annotations

import io

import numpy as np
import pytest

from supplychain import places

from .browser_support import open_map_page, open_page, serve, serve_copy, shot
from .conftest import SIP_LABELS
from .test_basemap import crafted_dir  # noqa: F401  (the crafted lake data dir, a module fixture)

pytestmark = pytest.mark.browser

#: Colours of basemapview's style (RGB): a fill a road class is drawn with, the label ink, the hatch, water.
PRIMARY_FILL = (0xfc, 0xd7, 0x9a)
SECONDARY_FILL = (0xfb, 0xf0, 0xae)
ROAD_LABEL_INK = (0x4d, 0x4a, 0x44)
SUBDISTRICT_INK = (0x5e, 0x4b, 0x6b)
HATCH_LINE = (0xd6, 0xd1, 0xc6)
WATER = (0xa9, 0xd3, 0xe6)


def _seed_labels(ws, data_dir):
    places.import_file(ws.store, SIP_LABELS)


@pytest.fixture(scope="module")
def live_url(sip_cache, tmp_path_factory):
    yield from serve_copy(sip_cache, tmp_path_factory, "basemap-browser", seed=_seed_labels)


def map_pixels(page) -> np.ndarray:
    """The map area's pixels (RGB) as rendered."""
    from PIL import Image

    png = page.locator(".folium-map").screenshot()
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def count_near(px: np.ndarray, rgb: tuple[int, int, int], tol: int = 6) -> int:
    return int((np.abs(px - np.array(rgb)).max(axis=2) <= tol).sum())


def pixels_until(page, ok, timeout_s: float = 20.0) -> np.ndarray:
    """The map's pixels once ``ok(pixels)`` holds (labels are placed in passes after the tiles), else the last."""
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        px = map_pixels(page)
        if ok(px) or time.monotonic() > deadline:
            return px
        page.wait_for_timeout(400)


def wait_for_basemap(page) -> None:
    """Until the basemap layer exists and every tile it asked for has been drawn."""
    page.wait_for_function("window.SC_MAP && SC_MAP.layers.basemap && SC_MAP.layers.basemap.getLayers().length")
    page.wait_for_load_state("networkidle")
    page.wait_for_function("document.querySelectorAll('.leaflet-tile-pane canvas.leaflet-tile-loaded').length > 0")


def test_home_page_draws_the_basemap_with_labels_and_no_outside_request(browser, live_url):
    with open_page(browser) as page:
        open_map_page(page, live_url + "/")
        wait_for_basemap(page)
        base = page.locator(".leaflet-control-layers-base label", has_text="离线底图 Offline basemap").locator("input")
        assert base.is_checked()  # the default base layer
        note = page.locator(".sc-basemap-note")
        assert note.is_visible() and note.inner_text().startswith("底图只覆盖已导入的道路网")
        tiles = [u for u in page.recorder.requests if "/basemap/tiles/" in u]
        assert tiles and all(u.startswith(live_url) for u in tiles)
        # The translucent uncertainty discs would tint the basemap's colours: off for the pixel checks.
        page.evaluate("SC_MAP.layers.uncertainty && SC_MAP.map.removeLayer(SC_MAP.layers.uncertainty)")
        # 吴中 at district zoom: sub-district labels over the hatched no-data area.
        page.evaluate("SC_MAP.map.setView([31.24, 120.64], 11, {animate: false})")
        wait_for_basemap(page)
        px = pixels_until(page, lambda px: count_near(px, SUBDISTRICT_INK, tol=10) > 200)
        assert count_near(px, HATCH_LINE) > 2000
        assert count_near(px, SUBDISTRICT_INK, tol=10) > 200
        shot(page, "basemap-wuzhong-z11")
        # The SIP core at street zoom: roads by class and their names.
        page.evaluate("SC_MAP.map.setView([31.3155, 120.7320], 16, {animate: false})")
        wait_for_basemap(page)
        px = pixels_until(page, lambda px: count_near(px, ROAD_LABEL_INK, tol=10) > 300)
        assert count_near(px, PRIMARY_FILL) + count_near(px, SECONDARY_FILL) > 5000
        assert count_near(px, ROAD_LABEL_INK, tol=10) > 300
        shot(page, "basemap-sip-z16")
        # Switching to no base layer (the road overlay only) takes the tiles and the note away.
        page.evaluate("SC_MAP.map.removeLayer(SC_MAP.layers.basemap); SC_MAP.map.fire('baselayerchange')")
        assert page.locator(".sc-basemap-note").count() == 0
        page.recorder.check()


@pytest.mark.parametrize("path", ["/suppliers", "/sourcing", "/sites", "/route"])
def test_every_map_page_has_the_basemap(browser, live_url, path):
    with open_page(browser) as page:
        open_map_page(page, live_url + path)
        wait_for_basemap(page)
        assert page.locator(".leaflet-control-layers-base label", has_text="离线底图").count() == 1
        assert page.locator(".sc-basemap-note").is_visible()
        page.recorder.check()


def test_water_of_the_import_is_drawn(browser, crafted_dir):  # noqa: F811
    from webapp import create_app

    with serve(create_app(data_dir=crafted_dir)) as url, open_page(browser) as page:
        open_map_page(page, url + "/")
        page.evaluate("SC_MAP.layers.uncertainty && SC_MAP.map.removeLayer(SC_MAP.layers.uncertainty)")
        page.evaluate("SC_MAP.map.setView([31.306, 120.706], 16, {animate: false})")
        wait_for_basemap(page)
        px = pixels_until(page, lambda px: count_near(px, WATER) > 10000)
        assert count_near(px, WATER) > 10000  # the lake: about 280 x 330 m, some 1,000 px² per 100 m at z16
        assert count_near(px, PRIMARY_FILL) > 1000  # 测试湖滨大道
        shot(page, "basemap-crafted-lake")
        page.recorder.check()
