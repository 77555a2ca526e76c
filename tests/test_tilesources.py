"""The catalogue of online tile services: defaults, keys, the settings file and environment, and the CSP."""

from __future__ import annotations

import re

import pytest

from supplychain import tilesources
from supplychain.tilesources import TileSettingsError, configured, image_origins
from supplychain.workspace import Workspace
from webapp import create_app

KEY = "0123456789abcdef0123456789abcdef"


def by_id(sources):
    return {s.id: s for s in sources}


def test_defaults_offer_the_four_providers_on_their_datums():
    s = by_id(configured(None, environ={}))
    assert list(s) == ["osm", "tianditu_vec", "tianditu_img", "amap_vec", "amap_img", "tencent_vec"]
    assert {k for k, v in s.items() if v.datum == "gcj02"} == {"amap_vec", "amap_img", "tencent_vec"}
    # 天地图: the web-mercator (_w) WMTS services, each with its annotation layer.
    assert "/vec_w/wmts?" in s["tianditu_vec"].url and "/cva_w/wmts?" in s["tianditu_vec"].annotation_url
    assert "/img_w/wmts?" in s["tianditu_img"].url and "/cia_w/wmts?" in s["tianditu_img"].annotation_url
    assert all("TILEMATRIXSET=w" in u for u in (s["tianditu_vec"].url, s["tianditu_img"].annotation_url))
    assert "{-y}" in s["tencent_vec"].url and "{y}" not in s["tencent_vec"].url  # TMS rows
    assert s["osm"].attribution.count("OpenStreetMap") >= 1


def test_tianditu_without_key_is_listed_but_not_offered():
    s = by_id(configured(None, environ={}))["tianditu_vec"]
    assert not s.usable
    spec = s.page_spec()
    assert spec["usable"] is False and "url" not in spec and "annotationUrl" not in spec
    assert "SUPPLYCHAIN_TIANDITU_KEY" in spec["label"] and "需要密钥" in spec["label"]
    assert "tianditu" not in " ".join(image_origins(configured(None, environ={})))


def test_tianditu_with_key_fills_tk():
    s = by_id(configured(None, environ={"SUPPLYCHAIN_TIANDITU_KEY": KEY}))["tianditu_img"]
    spec = s.page_spec()
    assert s.usable and spec["url"].endswith("&tk=" + KEY) and spec["annotationUrl"].endswith("&tk=" + KEY)
    assert "{tk}" not in spec["url"]
    assert "https://*.tianditu.gov.cn" in image_origins([s])


def test_a_key_that_is_not_a_key_is_refused():
    with pytest.raises(TileSettingsError, match="SUPPLYCHAIN_TIANDITU_KEY"):
        configured(None, environ={"SUPPLYCHAIN_TIANDITU_KEY": 'abc"><script>'})


def test_gcj_layers_say_they_are_aligned():
    spec = by_id(configured(None, environ={}))["amap_vec"].page_spec()
    assert "GCJ-02→WGS84" in spec["label"] and "已校正" in spec["label"]
    assert "WGS84" in spec["attribution"] and "高德" in spec["attribution"]


def test_settings_file_then_environment(tmp_path):
    (tmp_path / "settings.toml").write_text("""
[tiles.amap_vec]
url = "https://proxy.intranet.example:8443/amap/{z}/{x}/{y}.png"
subdomains = ""
attribution = "高德 via proxy"

[tiles.tencent_vec]
enabled = false

[tiles.osm]
url = "https://osm.intranet.example/{z}/{x}/{y}.png"
""", encoding="utf-8")
    env = {"SUPPLYCHAIN_TILES_OSM_URL": "https://env.example/{z}/{x}/{-y}.png",
           "SUPPLYCHAIN_TILES_AMAP_IMG_URL": "off"}
    s = by_id(configured(tmp_path, environ=env))
    assert "tencent_vec" not in s and "amap_img" not in s
    assert s["amap_vec"].url.startswith("https://proxy.intranet.example:8443/") and s["amap_vec"].subdomains == ""
    assert s["amap_vec"].attribution == "高德 via proxy" and s["amap_vec"].datum == "gcj02"  # still GCJ-02
    assert s["osm"].url == "https://env.example/{z}/{x}/{-y}.png"  # the environment wins over the file
    origins = image_origins(list(s.values()))
    assert "https://proxy.intranet.example:8443" in origins and "https://env.example" in origins
    assert "https://tile.openstreetmap.org" not in origins


@pytest.mark.parametrize("text,match", [
    ('[tiles.amap_vec]\nurl = "ftp://x/{z}/{x}/{y}"', r"\[tiles.amap_vec\] url"),
    ('[tiles.amap_vec]\nurl = "https://x/{z}/{x}.png"', "{z}"),
    ('[tiles.amap_vec]\nurl = "https://x/{z}/{x}/{y}.png\\" onerror=\\"x"', "amap_vec"),
    ('[tiles.baidu]\nurl = "https://x/{z}/{x}/{y}"', "baidu"),
    ('[tiles.osm]\nurll = "https://x/{z}/{x}/{y}"', "urll"),
    ("[tiles\nurl=", "settings.toml"),
])
def test_bad_settings_are_one_clear_error(tmp_path, text, match):
    (tmp_path / "settings.toml").write_text(text, encoding="utf-8")
    with pytest.raises(TileSettingsError, match=match) as err:
        configured(tmp_path, environ={})
    assert re.search(r"[\u4e00-\u9fff]", str(err.value))  # Chinese first, English beside


def test_bad_environment_url_names_the_variable():
    with pytest.raises(TileSettingsError, match="SUPPLYCHAIN_TILES_OSM_URL"):
        configured(None, environ={"SUPPLYCHAIN_TILES_OSM_URL": "javascript:alert(1)//{z}{x}{y}"})


def test_csp_allows_exactly_the_configured_tile_hosts(tmp_path, monkeypatch):
    monkeypatch.delenv("SUPPLYCHAIN_TIANDITU_KEY", raising=False)
    (tmp_path / "settings.toml").write_text('[tiles.amap_vec]\nurl = "http://127.0.0.1:9/a/{z}/{x}/{y}"\n'
                                            "[tiles.amap_img]\nenabled = false\n", encoding="utf-8")
    client = create_app(workspace=Workspace.open(tmp_path), testing=True).test_client()
    r = client.get("/")
    img_src = re.search(r"img-src ([^;]+)", r.headers["Content-Security-Policy"]).group(1).split()
    assert img_src == ["'self'", "data:", "https://tile.openstreetmap.org", "http://127.0.0.1:9",
                       "https://*.map.gtimg.com"]
    html = r.get_data(as_text=True)
    assert "scTiles" in html and "http://127.0.0.1:9/a/{z}/{x}/{y}" in html
    assert "tianditu.gov.cn" not in html  # no key: its URLs stay out of the page


def test_bad_settings_stop_the_app_at_start(tmp_path):
    (tmp_path / "settings.toml").write_text('[tiles.osm]\nurl = "nope"\n', encoding="utf-8")
    with pytest.raises(TileSettingsError, match=r"\[tiles.osm\] url"):
        create_app(workspace=Workspace.open(tmp_path), testing=True)


def test_every_default_template_passes_its_own_check():
    for s in tilesources.DEFAULTS:
        for u in (s.url, s.annotation_url):
            if u:
                assert tilesources._check_template(s.id, u) == u
