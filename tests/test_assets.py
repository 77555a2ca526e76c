"""Offline pages: every JS/CSS asset is vendored and served by the app; no page names another host."""

from __future__ import annotations

import re
import shutil

import folium
import pytest
from folium.plugins import FeatureGroupSubGroup, Fullscreen, MarkerCluster

from supplychain import maps, tilesources
from supplychain.workspace import Workspace
from webapp import assets, create_app

#: The only absolute URLs a page may contain: the optional tile services' templates (off by default, see
#: supplychain.tilesources) and the attribution's link to the OSM copyright page (a hyperlink, never loaded).
ALLOWED_URLS = {u for s in tilesources.DEFAULTS for u in (s.url, s.annotation_url) if u} | {
    "https://www.openstreetmap.org/copyright"}
URL_RE = re.compile(r"(?:https?:)?//[A-Za-z0-9.\-]+(?::\d+)?/[^\s\"'<>)\\]*")
ASSET_RE = re.compile(r"<(?:script|link|img)\b[^>]*?\b(?:src|href)=\"([^\"]+)\"")


@pytest.fixture(scope="module", autouse=True)
def vendored():
    """Vendor the assets (a no-op when ``run.sh`` already did)."""
    if not assets.is_ready() and shutil.which("npm") is None:
        pytest.fail("web assets are not vendored and npm is missing: run `python -m webapp.assets ensure`")
    assets.ensure()


@pytest.fixture(scope="module")
def client(sip_ws):
    return create_app(workspace=sip_ws, testing=True).test_client()


def test_every_listed_asset_is_vendored():
    assert assets.missing_files() == []
    assert assets.is_ready()
    for a in assets.ASSETS.values():
        assert (assets.VENDOR_DIR / a.package / a.path).stat().st_size > 500  # a real file, not a stub
        for extra in a.extra:
            assert (assets.VENDOR_DIR / a.package / extra).exists()
    # The images leaflet.css points to with relative URLs are there.
    css = (assets.VENDOR_DIR / "leaflet" / "dist" / "leaflet.css").read_text()
    for rel in set(re.findall(r"url\((images/[^)]+)\)", css)):
        assert (assets.VENDOR_DIR / "leaflet" / "dist" / rel).is_file(), rel


def test_ensure_is_idempotent_and_quick_when_done():
    assert assets.ensure() is False  # nothing to do
    assert assets.main(["check"]) == 0


def test_ensure_says_clearly_when_npm_is_missing(monkeypatch):
    monkeypatch.setattr(assets, "is_ready", lambda: False)
    monkeypatch.setattr(assets, "_node_modules_complete", lambda: False)
    monkeypatch.setattr(assets.shutil, "which", lambda name: None)
    with pytest.raises(assets.AssetError, match="npm is not installed"):
        assets.ensure()
    assert assets.main(["ensure"]) == 2


def test_folium_resources_used_by_the_pages_all_have_local_copies():
    for cls in (folium.Map, MarkerCluster, FeatureGroupSubGroup):
        for name, url in list(cls.default_js) + list(cls.default_css):
            local = assets.local_url(name, url)
            assert local is None or local.startswith("/static/vendor/"), (name, local)


def test_unknown_resource_is_an_error_not_a_cdn_link():
    m = folium.Map(tiles=None)
    Fullscreen().add_to(m)  # a plugin the pages do not use: no local copy
    with pytest.raises(assets.AssetError, match="Control.Fullscreen|Control.FullScreen"):
        maps.render_parts(m, assets.local_url)


def page_urls(html: str) -> tuple[set[str], list[str]]:
    absolute = {u for u in URL_RE.findall(html)}
    return absolute, ASSET_RE.findall(html)


@pytest.mark.parametrize("path", ["/", "/suppliers", "/sourcing", "/no-such-page"])
def test_pages_reference_only_local_assets(client, path):
    html = client.get(path).data.decode("utf-8")
    absolute, referenced = page_urls(html)
    assert absolute <= ALLOWED_URLS, absolute - ALLOWED_URLS
    assert referenced
    for url in referenced:
        assert url.startswith("/") and not url.startswith("//"), url
        r = client.get(url)
        assert r.status_code == 200, url
        r.close()


def test_estimated_mode_pages_too(tmp_path):
    c = create_app(workspace=Workspace.open(tmp_path), testing=True).test_client()
    for path in ("/", "/suppliers", "/sourcing"):
        absolute, referenced = page_urls(c.get(path).data.decode("utf-8"))
        assert absolute <= ALLOWED_URLS and all(u.startswith("/") for u in referenced)


def test_tiles_are_off_by_default(client):
    html = client.get("/").data.decode("utf-8")
    # The online services are data for static/datum.js (map.scTiles), which offers them in the layer control;
    # the map script itself creates no tile layer, so nothing is requested until a user picks one.
    assert "L.tileLayer(" not in html
    config = html[html.index(".scTiles = "):]
    assert "autonavi.com" in config and "gtimg.com" in config
    assert html.lower().count("autonavi") == config.lower().count("autonavi")


def test_standalone_html_is_offline_too(sip_ws):
    m = maps.base_map(sip_ws)
    maps.add_entities(m, sip_ws.entities)
    maps.finish(m)
    html = maps.render_html(m, assets.local_url)
    absolute, referenced = page_urls(html)
    assert absolute <= ALLOWED_URLS
    assert all(u.startswith("/static/vendor/") for u in referenced)
