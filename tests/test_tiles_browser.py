"""Online tile options on the right datum, and the PNG export, in Debian's Chromium.

The tile services are local stand-ins (tests/tile_fakes.py) in each provider's URL shape, configured the way a
user points the app at an intranet proxy (the data dir's settings.toml; 天地图 by environment, with its key).
Each stand-in tile draws a dot where a known WGS84 point lies *in that service's datum*: at its GCJ-02 counterpart
on 高德/腾讯 tiles, at the point itself on OSM/天地图 tiles. With a service chosen in the layer control, the WGS84
entity marker must sit on the dot (within 2 px at zoom 15–17), and a click on a dot must send the WGS84 point
to the API. The dot is found in a screenshot, the marker by its element's box: neither goes through Leaflet's
own projection.
"""

from __future__ import annotations

import io
import math
import os
import random
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest

from supplychain import coords

from .browser_support import SHOTS, open_map_page, open_page, serve_copy
from .tile_fakes import Target, settings_toml, tianditu_env, tile_server

pytestmark = pytest.mark.browser

ENTITY = "elite-robots"  # 艾利特, street precision, drawn as a solid marker in the SIP core
RED, BLUE = (255, 0, 0), (0, 0, 255)
KEY = "testkey0123456789"


@contextmanager
def environ(values: dict[str, str | None]):
    saved = {k: os.environ.get(k) for k in values}
    for k, v in values.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="module")
def entity(sip_ws):
    return next(e for e in sip_ws.entities if e.id == ENTITY)


@pytest.fixture(scope="module")
def tiles(entity):
    # Red: the entity itself. Blue: a free spot ~300 m south-east of it (no marker there), for the click test.
    targets = [Target(entity.lon, entity.lat, RED), Target(entity.lon + 0.003, entity.lat - 0.002, BLUE)]
    with tile_server(targets, key=KEY) as server:
        yield server


@pytest.fixture(scope="module")
def live(sip_cache, tmp_path_factory, tiles):
    def seed(ws, data_dir):
        (data_dir / "settings.toml").write_text(settings_toml(tiles.url), encoding="utf-8")

    with environ({**tianditu_env(tiles.url), "SUPPLYCHAIN_TIANDITU_KEY": KEY}):
        yield from serve_copy(sip_cache, tmp_path_factory, "tiles", seed=seed)


def shot_to(page, name: str, **kwargs):
    """A screenshot in tests/screenshots (and in $SC_SHOTS_DIR when set, for the report)."""
    SHOTS.mkdir(exist_ok=True)
    data = page.screenshot(path=str(SHOTS / f"{name}.png"), **kwargs)
    extra = os.environ.get("SC_SHOTS_DIR")
    if extra:
        os.makedirs(extra, exist_ok=True)
        with open(os.path.join(extra, f"{name}.png"), "wb") as f:
            f.write(data)
    return data


def choose_base(page, source_id: str) -> None:
    """Pick a base layer in the layer control, as a user does (open it, click the option)."""
    option = page.locator(f'.leaflet-control-layers-base label:has([data-source="{source_id}"])')
    page.evaluate("SC_MAP.control.expand()")
    # Leaflet ignores a click in the same instant the pointer enters the collapsed control (its touch guard,
    # _expandSafely): point at the option first, as a mouse does, then click.
    option.hover()
    page.wait_for_timeout(100)
    option.click()
    page.wait_for_function("(id) => SC_MAP.map.scBase && SC_MAP.map.scBase.scSource.id === id", source_id)
    page.evaluate("SC_MAP.control.collapse()")


def show_at(page, lon: float, lat: float, zoom: int) -> None:
    page.evaluate("([lat, lon, z]) => SC_MAP.map.setView([lat, lon], z, {animate: false})", [lat, lon, zoom])
    page.wait_for_function("""() => {
        const imgs = [...document.querySelectorAll('.sc-online-tiles img.leaflet-tile')];
        return imgs.length > 0 && imgs.every(i => i.classList.contains('leaflet-tile-loaded') && i.naturalWidth);
    }""")
    page.wait_for_timeout(150)  # the tiles' fade-in


def dot_centre(page, color) -> tuple[float, float] | None:
    """Centre (map-container px) of the dot of ``color`` in a screenshot of the map with overlays hidden."""
    import numpy as np
    from PIL import Image

    box = page.locator(".folium-map").bounding_box()
    page.evaluate("""() => ['.leaflet-marker-pane', '.leaflet-overlay-pane', '.leaflet-shadow-pane']
        .forEach(s => document.querySelectorAll(s).forEach(p => p.style.visibility = 'hidden'))""")
    try:
        png = page.screenshot(clip=box)
    finally:
        page.evaluate("""() => ['.leaflet-marker-pane', '.leaflet-overlay-pane', '.leaflet-shadow-pane']
            .forEach(s => document.querySelectorAll(s).forEach(p => p.style.visibility = ''))""")
    a = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    want = np.array(color)
    # The dot's pure colour, and its edges blended with the tile's pale background.
    mask = (np.abs(a - want).max(axis=2) < 90) & (np.abs(a[..., :] - a.mean(axis=2, keepdims=True)).max(axis=2) > 60)
    ys, xs = np.nonzero(mask)
    if len(xs) < 10:
        return None
    return float(xs.mean()) + 0.5, float(ys.mean()) + 0.5


def marker_centre(page, entity_id: str) -> tuple[float, float]:
    """Centre (map-container px) of the entity's marker element (its icon box)."""
    return tuple(page.evaluate("""(id) => {
        const m = SC_MAP.layers.entities.byId[id], el = m && m._icon;
        if (!el) { return null; }
        const r = el.getBoundingClientRect(), c = SC_MAP.map.getContainer().getBoundingClientRect();
        return [r.left + r.width / 2 - c.left, r.top + r.height / 2 - c.top];
    }""", entity_id))


def gcj_shift_px(page, lon: float, lat: float, zoom: int) -> float:
    """How far (px) the GCJ-02 counterpart lies from the point at this zoom: what an uncorrected layer is off by."""
    g = coords.wgs84_to_gcj02(lon, lat)
    from .tile_fakes import world_px

    (x0, y0), (x1, y1) = world_px(lon, lat, zoom), world_px(*g, zoom)
    return math.hypot(x1 - x0, y1 - y0)


# ----------------------------------------------------------------------------------------------------

def test_js_datum_matches_python(page, live):
    """datum.js's GCJ-02 conversions agree with supplychain.coords within 0.1 m, both ways, all over China."""
    open_map_page(page, live + "/")
    rng = random.Random(13)
    pts = [(rng.uniform(73.7, 134.8), rng.uniform(18.2, 53.4)) for _ in range(500)]
    pts += [(rng.uniform(120.3, 121.0), rng.uniform(31.0, 31.5)) for _ in range(200)]  # 吴中 / SIP
    js = page.evaluate("""(pts) => pts.map(p => [SC.datum.wgs84ToGcj02(p[0], p[1]),
                                               SC.datum.gcj02ToWgs84(p[0], p[1])])""", pts)
    worst = 0.0
    for (lon, lat), (fwd, back) in zip(pts, js):
        worst = max(worst, float(coords.haversine_m(*coords.wgs84_to_gcj02(lon, lat), *fwd)),
                    float(coords.haversine_m(*coords.gcj02_to_wgs84(lon, lat), *back)))
    assert worst < 0.1, worst
    # And the shift is real: hundreds of metres here, so a wrong sign or a missing term could not pass.
    lon, lat = pts[-1]
    assert 300 < float(coords.haversine_m(lon, lat, *js[-1][0])) < 800


def test_options_are_listed_and_off_by_default(page, live, tiles):
    open_map_page(page, live + "/")
    seen = len(tiles.requests)
    page.evaluate("SC_MAP.control.expand()")
    labels = page.locator(".leaflet-control-layers-base label").all_inner_texts()
    text = " ".join(labels)
    for name in ("开放街道地图 OpenStreetMap", "天地图 矢量 Tianditu vector", "高德地图 AMap", "腾讯地图 Tencent Maps"):
        assert name in text, text
    assert "高德 影像" not in text  # enabled = false in settings.toml
    assert "天地图 影像" not in text  # SUPPLYCHAIN_TILES_TIANDITU_IMG_URL=off
    chosen = page.evaluate("""() => SC_MAP.control._layerControlInputs.filter(i => i.checked)
        .filter(i => i.parentNode.querySelector('.sc-tile-option')).length""")
    assert chosen == 0  # nothing online until a user picks it
    assert page.locator(".sc-online-tiles").count() == 0
    assert len(tiles.requests) == seen
    shot_to(page, "tiles-layer-control")
    page.recorder.check()


def test_option_without_key_says_so_and_cannot_be_chosen(browser, sip_cache, tmp_path_factory, tiles):
    with environ({"SUPPLYCHAIN_TIANDITU_KEY": None, **tianditu_env(tiles.url)}):
        gen = serve_copy(sip_cache, tmp_path_factory, "tiles-nokey")
        url = next(gen)
        try:
            with open_page(browser) as page:
                open_map_page(page, url + "/")
                page.evaluate("SC_MAP.control.expand()")
                label = page.locator('.leaflet-control-layers-base label:has([data-source="tianditu_vec"])')
                assert "SUPPLYCHAIN_TIANDITU_KEY" in label.inner_text()
                assert label.locator("input").is_disabled()
                assert "tk=" not in page.content()  # no URL of an unusable option reaches the page
                shot_to(page, "tiles-layer-control-no-key")
        finally:
            gen.close()


@pytest.mark.parametrize("source,datum", [("amap_vec", "gcj02"), ("tencent_vec", "gcj02"), ("osm", "wgs84"),
                                          ("tianditu_vec", "wgs84")])
def test_marker_sits_on_the_dot_of_each_service(page, live, tiles, entity, source, datum):
    open_map_page(page, live + "/")
    choose_base(page, source)
    for zoom in (15, 16, 17):
        show_at(page, entity.lon, entity.lat, zoom)
        marker = marker_centre(page, ENTITY)
        dot = dot_centre(page, RED)
        assert dot is not None, f"no dot on the {source} tiles at zoom {zoom}"
        off = math.hypot(dot[0] - marker[0], dot[1] - marker[1])
        assert off <= 2.0, f"{source} z{zoom}: marker {marker} vs dot {dot}: {off:.2f} px"
        if datum == "gcj02":  # the test can fail: without the correction the dot would be this far off
            assert gcj_shift_px(page, entity.lon, entity.lat, zoom) > 100
        if zoom == 16:  # markers half see-through, so the dot under the marker shows in the picture
            page.evaluate("document.querySelector('.leaflet-marker-pane').style.opacity = '0.45'")
            shot_to(page, f"tiles-aligned-{source}-z{zoom}")
            page.evaluate("document.querySelector('.leaflet-marker-pane').style.opacity = ''")
    assert any(r.startswith("/" + source.split("_")[0]) for r in tiles.requests)
    if source == "tencent_vec":  # rows counted from the bottom: the requested y is the flipped one
        asked = [parse_qs(urlsplit(r).query) for r in tiles.requests if r.startswith("/tencent")]
        # Suzhou (31.3°N) lies in the upper half of the XYZ rows (counted from the top), so TMS rows are > 2^(z-1).
        assert all(int(q["y"][0]) > 2 ** (int(q["z"][0]) - 1) for q in asked)
    page.recorder.check()


def test_click_on_the_dot_sends_wgs84(page, live, tiles, entity):
    """On a GCJ-02 base, a click at the spot drawn there sends that spot's WGS84 coordinates to the API."""
    open_map_page(page, live + "/suppliers")
    choose_base(page, "amap_vec")
    q_lon, q_lat = entity.lon + 0.003, entity.lat - 0.002
    show_at(page, q_lon, q_lat, 17)
    dot = dot_centre(page, BLUE)
    assert dot is not None
    box = page.locator(".folium-map").bounding_box()
    with page.expect_request(lambda r: "/api/suppliers?" in r.url) as req:
        page.mouse.click(box["x"] + dot[0], box["y"] + dot[1])
    q = parse_qs(urlsplit(req.value.url).query)
    lon, lat = float(q["lon"][0]), float(q["lat"][0])
    assert float(coords.haversine_m(lon, lat, q_lon, q_lat)) < 3.0  # 1 px ≈ 1 m at zoom 17
    g_lon, g_lat = coords.wgs84_to_gcj02(q_lon, q_lat)
    assert float(coords.haversine_m(lon, lat, g_lon, g_lat)) > 400  # not the GCJ-02 position
    page.recorder.forgive_http_400()
    page.recorder.check()


def _export(page):
    """Click the export button; returns (PNG image, what the legend box said, its box, the map size)."""
    from PIL import Image

    page.evaluate("""() => {
        window.__legend = null;
        new MutationObserver((muts) => muts.forEach(m => m.addedNodes.forEach(n => {
            if (n.classList && n.classList.contains('sc-export-legend')) {
                const r = n.getBoundingClientRect(), c = SC_MAP.map.getContainer().getBoundingClientRect();
                window.__legend = {text: n.textContent, x: r.left - c.left, y: r.top - c.top,
                                   w: r.width, h: r.height};
            }
        }))).observe(SC_MAP.map.getContainer(), {childList: true});
    }""")
    with page.expect_download() as dl:
        page.locator(".sc-export-button").click()
    path = dl.value.path()
    assert dl.value.suggested_filename.endswith(".png")
    img = Image.open(path)
    assert img.format == "PNG"
    legend = page.evaluate("window.__legend")
    size = page.evaluate("[SC_MAP.map.getSize().x, SC_MAP.map.getSize().y, window.devicePixelRatio]")
    assert page.locator(".sc-export-legend").count() == 0  # removed again
    return img.convert("RGB"), legend, size, path


def test_export_png_has_the_map_legend_and_attribution(page, live):
    import numpy as np

    open_map_page(page, live + "/")
    page.wait_for_timeout(500)  # the road network's canvas
    img, legend, (w, h, dpr), path = _export(page)
    assert img.size == (round(w * dpr), round(h * dpr))
    a = np.asarray(img).astype(int)
    assert len(np.unique(a.reshape(-1, 3), axis=0)) > 50  # a drawn map, not a blank canvas
    # The legend box: the page's legend copied in, on its pale background, with dark text.
    assert legend and "企业" in legend["text"] and "道路网" in legend["text"]
    x0, y0 = int(legend["x"] * dpr), int(legend["y"] * dpr)
    region = a[y0 + 2:y0 + int(legend["h"] * dpr) - 2, x0 + 2:x0 + int(legend["w"] * dpr) - 2]
    assert region.size and (region.min(axis=2) > 235).mean() > 0.5  # mostly the box's near-white
    assert (region.max(axis=2) < 110).mean() > 0.01  # and text on it
    # The attribution, bottom right, is in the image too.
    att = page.evaluate("""() => { const r = document.querySelector('.leaflet-control-attribution')
        .getBoundingClientRect(), c = SC_MAP.map.getContainer().getBoundingClientRect();
        return [r.left - c.left, r.top - c.top, r.width, r.height]; }""")
    ax, ay, aw, ah = (int(v * dpr) for v in att)
    assert (a[ay:ay + ah, ax:ax + aw].max(axis=2) < 140).mean() > 0.02
    # Left out: the layer control and the buttons (top right / top left corners hold no control box).
    SHOTS.mkdir(exist_ok=True)
    img.save(SHOTS / "tiles-export.png")
    if os.environ.get("SC_SHOTS_DIR"):
        img.save(os.path.join(os.environ["SC_SHOTS_DIR"], "tiles-export.png"))
    page.recorder.check()


def test_export_with_an_online_layer_leaves_its_tiles_out_and_says_so(page, live, entity):
    import numpy as np

    open_map_page(page, live + "/")
    choose_base(page, "amap_vec")
    show_at(page, entity.lon, entity.lat, 16)
    img, legend, (w, h, dpr), _ = _export(page)
    assert img.size == (round(w * dpr), round(h * dpr))
    assert "高德地图" in legend["text"] and ("left out" in legend["text"] or "未导出" in legend["text"])
    a = np.asarray(img).astype(int)
    tile_bg = (np.abs(a - np.array([246, 243, 232])).max(axis=2) < 3).mean()
    assert tile_bg < 0.01  # the stand-in tiles' background is not in the image
    if os.environ.get("SC_SHOTS_DIR"):
        img.save(os.path.join(os.environ["SC_SHOTS_DIR"], "tiles-export-online-left-out.png"))
    page.recorder.check()


def test_displaced_tiles_stay_within_half_a_pixel(page, live):
    """datum.js's tile rectangles against the exact per-pixel GCJ-02 inverse, over the study area, zoom 10–19.

    This is the figure the README gives: a tile is placed as a rectangle (edges at its corners' displaced
    positions), the offset varies inside it, and what is left is measured here in the page's own code.
    """
    open_map_page(page, live + "/")
    worst = page.evaluate("""() => {
        const layer = new SC.datum.GcjTileLayer('', {}), map = SC_MAP.map, out = {};
        layer._map = map;  // _scRect/_scTrue only project and unproject through the map's CRS
        let seed = 13;
        const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
        for (let z = 10; z <= 19; z++) {
            const a = map.project([31.5, 120.2], z).divideBy(256), b = map.project([30.9, 121.0], z).divideBy(256);
            let w = 0;
            for (let k = 0; k < 80; k++) {
                const x = Math.floor(a.x + rnd() * (b.x - a.x)), y = Math.floor(a.y + rnd() * (b.y - a.y));
                const r = layer._scRect({x: x, y: y, z: z});
                for (let u = 0; u <= 1; u += 0.125) {
                    for (let v = 0; v <= 1; v += 0.125) {
                        const e = layer._scTrue((x + u) * 256, (y + v) * 256, z);
                        w = Math.max(w, Math.hypot(r.x + u * r.w - e.x, r.y + v * r.h - e.y));
                    }
                }
            }
            out[z] = w;
        }
        return out;
    }""")
    print("largest displacement error per zoom (px):", {z: round(v, 3) for z, v in worst.items()})
    assert max(worst.values()) < 0.5, worst
    assert worst["17"] > 0.05  # the offset does vary inside a tile: a pure shift would not be exact either
