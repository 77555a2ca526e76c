"""Online tile services offered as optional base layers, and their datum (no Flask here).

Every service is an *option*: off by default (intranets block them), chosen in the map's layer control. The
catalogue (:data:`DEFAULTS`) holds what each provider serves, on which datum:

- ``osm`` OpenStreetMap (WGS84);
- ``tianditu_vec`` / ``tianditu_img`` 天地图 vector / imagery, each with its annotation layer (``cva`` / ``cia``),
  the web-mercator ``_w`` services. 天地图 is on CGCS2000, which differs from WGS84 by centimetres: it is drawn
  as WGS84. Its URLs need a key (``{tk}``), from ``SUPPLYCHAIN_TIANDITU_KEY``; without one the option is listed
  as needing a key and cannot be chosen;
- ``amap_vec`` / ``amap_img`` 高德 vector / imagery (+ its road and label layer) and ``tencent_vec`` 腾讯 vector,
  on GCJ-02. Tencent numbers tile rows from the bottom (TMS): its template uses Leaflet's ``{-y}``.

**The datum rule.** Everything the product draws or sends stays WGS84. A GCJ-02 service's tiles are drawn
displaced by the local GCJ-02 offset (``webapp/static/datum.js``, the same formulas as :mod:`supplychain.coords`),
so overlays, clicks and the API never change frame when the base layer does.

**Configuration** (for intranet tile proxies), highest first: the environment
(``SUPPLYCHAIN_TILES_<ID>_URL``, ``…_ANNOTATION_URL``, ``…_SUBDOMAINS``, ``…_ATTRIBUTION``; a URL of ``off`` hides
the option), then the data dir's ``settings.toml``::

    [tiles.amap_vec]
    url = "https://tiles.intranet.example/amap/{z}/{x}/{y}.png"
    subdomains = ""
    attribution = "© 高德地图 AutoNavi (via intranet proxy)"
    enabled = true

then :data:`DEFAULTS`. A URL template is ``http(s)``, names ``{z}``, ``{x}`` and ``{y}`` (or ``{-y}``), and may
use ``{s}`` (one of ``subdomains``) and ``{tk}`` (the 天地图 key).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from .messages import N_, _, pair

SETTINGS_FILE = "settings.toml"
ENV_PREFIX = "SUPPLYCHAIN_TILES_"
TIANDITU_KEY_ENV = "SUPPLYCHAIN_TIANDITU_KEY"
DATUMS = ("wgs84", "gcj02")

OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
_TDT_ATTRIBUTION = "&copy; 天地图 Tianditu · 国家地理信息公共服务平台"
_TDT = ("https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}"
        "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={{tk}}")


@dataclass(frozen=True)
class TileSource:
    """One online tile service as the layer control offers it.

    ``url`` and ``annotation_url`` are Leaflet URL templates; ``datum`` is the frame the tiles are drawn in
    (``gcj02`` tiles are displaced onto WGS84 in the browser); ``key_env`` names the environment variable of the
    key that ``{tk}`` stands for, and ``key`` is its value (empty: the option needs a key and is not offered).
    """

    id: str
    name_zh: str
    name_en: str
    url: str
    datum: str
    attribution: str
    subdomains: str = ""
    annotation_url: str = ""
    max_native_zoom: int = 18
    key_env: str = ""
    key: str = ""

    @property
    def needs_key(self) -> bool:
        return "{tk}" in self.url + self.annotation_url

    @property
    def usable(self) -> bool:
        """Whether the browser can load it as configured (a key where the URL needs one)."""
        return not self.needs_key or bool(self.key)

    def templates(self) -> list[str]:
        """The URL templates with the key filled in (what the browser requests)."""
        return [u.replace("{tk}", self.key) for u in (self.url, self.annotation_url) if u]

    def origins(self) -> list[str]:
        """CSP host sources of its tiles: ``https://t{s}.x`` becomes ``https://*.x``."""
        out = []
        for u in (self.url, self.annotation_url):
            if not u:
                continue
            parts = urlsplit(u)
            host = parts.netloc
            if "{" in host:  # a subdomain placeholder (t{s}.tianditu.gov.cn): every subdomain of the rest
                host = "*." + host.split("}", 1)[1].lstrip("-_0123456789").lstrip(".")
            out.append(f"{parts.scheme}://{host}")
        return out

    def label(self) -> str:
        """The layer control's label (plain text): name, datum and whether it can be chosen."""
        datum = "GCJ-02→WGS84 " + _("aligned") if self.datum == "gcj02" else \
            "CGCS2000 ≈ WGS84" if self.id.startswith("tianditu") else "WGS84"
        online = _("online")
        text = f"{self.name_zh} {self.name_en} · {datum} · {online}"
        if not self.usable:
            text += " — " + _("needs a key: set {env}", env=self.key_env)
        return text

    def page_spec(self) -> dict:
        """What ``datum.js`` needs to build the layer (no key in it when the option is unusable)."""
        attribution = self.attribution
        if self.datum == "gcj02":  # the exported PNG and the screen both say the tiles were displaced
            attribution += " · " + _("GCJ-02 tiles displaced onto WGS84")
        spec = {"id": self.id, "name": f"{self.name_zh} {self.name_en}", "label": self.label(),
                "datum": self.datum, "usable": self.usable, "attribution": attribution,
                "subdomains": self.subdomains, "maxNativeZoom": self.max_native_zoom}
        if self.usable:
            urls = self.templates()
            spec["url"] = urls[0]
            if self.annotation_url:
                spec["annotationUrl"] = urls[1]
        return spec


#: The services' names (name_zh, name_en) come from the message catalog.
DEFAULTS: tuple[TileSource, ...] = (
    TileSource("osm", *pair("OpenStreetMap"), "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "wgs84",
               OSM_ATTRIBUTION, max_native_zoom=19),
    TileSource("tianditu_vec", *pair("Tianditu vector"), _TDT.format(layer="vec"), "wgs84", _TDT_ATTRIBUTION,
               "01234567", _TDT.format(layer="cva"), key_env=TIANDITU_KEY_ENV),
    TileSource("tianditu_img", *pair("Tianditu imagery"), _TDT.format(layer="img"), "wgs84",
               _TDT_ATTRIBUTION, "01234567", _TDT.format(layer="cia"), key_env=TIANDITU_KEY_ENV),
    TileSource("amap_vec", *pair("AMap"), "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1"
               "&scale=1&style=8&x={x}&y={y}&z={z}", "gcj02", "&copy; 高德地图 AutoNavi", "1234"),
    TileSource("amap_img", *pair("AMap imagery"), "https://webst0{s}.is.autonavi.com/appmaptile?style=6"
               "&x={x}&y={y}&z={z}", "gcj02", "&copy; 高德地图 AutoNavi", "1234",
               "https://webst0{s}.is.autonavi.com/appmaptile?style=8&x={x}&y={y}&z={z}"),
    TileSource("tencent_vec", *pair("Tencent Maps"), "https://rt{s}.map.gtimg.com/tile?z={z}&x={x}&y={-y}"
               "&styleid=1&scene=0", "gcj02", "&copy; 腾讯地图 Tencent", "0123"),
)

#: Keys of a ``[tiles.<id>]`` table in ``settings.toml`` (and ``SUPPLYCHAIN_TILES_<ID>_<KEY>`` in the environment).
SETTING_KEYS = ("url", "annotation_url", "subdomains", "attribution", "enabled")

_BAD_TEMPLATE = N_("Tile URL template {name} must be http(s) and contain {{z}}, {{x}} and {{y}} (or {{-y}}): {url}")


class TileSettingsError(ValueError):
    """A tile setting (settings file or environment) that cannot be used; the message names it."""


def _check_template(name: str, url: str) -> str:
    parts = urlsplit(url)
    has_y = "{y}" in url or "{-y}" in url
    if parts.scheme not in ("http", "https") or not parts.netloc or "{z}" not in url or "{x}" not in url \
            or not has_y or re.search(r"[\s\"'<>\\`]", url):
        raise TileSettingsError(_(_BAD_TEMPLATE, name=name, url=url[:200]))
    return url


def read_settings(data_dir: str | os.PathLike | None) -> dict[str, dict]:
    """The ``[tiles.<id>]`` tables of the data dir's ``settings.toml`` (empty when there is no file)."""
    if data_dir is None:
        return {}
    path = Path(data_dir) / SETTINGS_FILE
    if not path.is_file():
        return {}
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TileSettingsError(_("Cannot read {path}: {error}", path=str(path), error=str(exc))) from None
    tiles = doc.get("tiles", {})
    if not isinstance(tiles, dict):
        raise TileSettingsError(_("{path}: [tiles] must be a table", path=str(path)))
    known = {s.id for s in DEFAULTS}
    for sid, table in tiles.items():
        if sid not in known or not isinstance(table, dict):
            raise TileSettingsError(_("{path}: unknown tile service [tiles.{id}] (known: {known})", path=str(path),
                                      id=sid, known=", ".join(sorted(known))))
        for k in table:
            if k not in SETTING_KEYS:
                raise TileSettingsError(_("{path}: [tiles.{id}] has an unknown key {key} (known: {known})",
                                          path=str(path), id=sid, key=k, known=", ".join(SETTING_KEYS)))
    return tiles


def _overrides(source: TileSource, table: dict, environ) -> dict:
    """The settings for one source: its settings-file table, then the environment on top."""
    out = dict(table)
    for key in SETTING_KEYS[:-1]:
        env = f"{ENV_PREFIX}{source.id.upper()}_{key.upper()}"
        if environ.get(env, "").strip():
            out[key] = environ[env].strip()
            out["_from_" + key] = env
    return out


def configured(data_dir: str | os.PathLike | None = None, environ=None) -> list[TileSource]:
    """The tile services as configured for ``data_dir`` (defaults, settings file, environment), in menu order.

    Raises
    ------
    TileSettingsError
        For a setting that cannot be used (bad template, unknown service or key, unreadable file).
    """
    environ = os.environ if environ is None else environ
    settings = read_settings(data_dir)
    out = []
    for source in DEFAULTS:
        o = _overrides(source, settings.get(source.id, {}), environ)
        url = str(o.get("url", source.url))
        if url.lower() == "off" or o.get("enabled", True) is False:
            continue
        where = o.get("_from_url", f"[tiles.{source.id}] url")
        changes = {"url": _check_template(where, url)}
        if "annotation_url" in o:
            ann = str(o["annotation_url"])
            changes["annotation_url"] = "" if ann.lower() in ("", "off") else \
                _check_template(o.get("_from_annotation_url", f"[tiles.{source.id}] annotation_url"), ann)
        for key in ("subdomains", "attribution"):
            if key in o:
                changes[key] = str(o[key])
        if source.key_env:
            key = environ.get(source.key_env, "").strip()
            if key and not re.fullmatch(r"[A-Za-z0-9_-]{8,128}", key):
                raise TileSettingsError(_("{env} is not a key (letters and digits expected)", env=source.key_env))
            changes["key"] = key
        out.append(replace(source, **changes))
    return out


def image_origins(sources: list[TileSource]) -> list[str]:
    """The CSP ``img-src`` sources the configured services need (their tile hosts), without duplicates."""
    seen: list[str] = []
    for s in sources:
        if s.usable:
            for o in s.origins():
                if o not in seen:
                    seen.append(o)
    return seen


def page_config(sources: list[TileSource]) -> dict:
    """The JSON ``datum.js`` and ``export.js`` read: the sources and the user-facing text they show."""
    return {
        "sources": [s.page_spec() for s in sources],
        "text": {
            "none": _("Offline base (no online tiles)"),
            "export": _("Export PNG"),
            "exportTitle": _("Save the current map view with its legend and attribution as PNG. Online tiles "
                             "from another host cannot be copied into the image and are left out."),
            "exporting": _("Exporting…"),
            "exportFailed": _("Export failed: {error}"),
            "tilesLeftOut": _("Online tiles ({name}) left out of the export: another host's images cannot be copied"),
            "layers": _("Layers"),
            "exported": _("Exported"),
        },
    }


__all__ = ["DEFAULTS", "ENV_PREFIX", "OSM_ATTRIBUTION", "SETTINGS_FILE", "TIANDITU_KEY_ENV", "TileSettingsError",
           "TileSource", "configured", "image_origins", "page_config", "read_settings"]
