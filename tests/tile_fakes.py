"""Stand-ins for online tile services on 127.0.0.1, in each provider's URL shape, for browser tests.

Every tile is a 256 px PNG (a pale background, a thin border) with a coloured dot wherever a *target point*
falls: for a GCJ-02 service (高德 ``/amap/appmaptile?…&x=&y=&z=``, 腾讯 ``/tencent/tile?z=&x=&y=`` with the
row counted from the bottom, TMS) the dot is drawn at the pixel of the point's GCJ-02 counterpart, for a WGS84
one (OSM ``/osm/z/x/y.png``, 天地图 WMTS ``/tianditu/vec_w/wmts?TILEMATRIX=&TILEROW=&TILECOL=&tk=``) at the
point itself. The pixel is computed here with the plain web-mercator formulas and ``supplychain.coords`` (held to
eviltransform's published pairs by tests/test_coords.py), independently of Leaflet and of datum.js.
天地图 answers 403 unless ``tk`` is the expected key; its annotation layer (``cva_w``) is transparent.
"""

from __future__ import annotations

import io
import math
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator
from urllib.parse import parse_qs, urlsplit

from supplychain import coords

TILE = 256
DOT_RADIUS = 5


def world_px(lon: float, lat: float, z: int) -> tuple[float, float]:
    """Web-mercator world pixel of (lon, lat) at zoom z (256 px tiles, origin top-left)."""
    size = TILE * 2 ** z
    x = (lon + 180.0) / 360.0 * size
    s = math.sin(math.radians(lat))
    y = (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * size
    return x, y


@dataclass
class Target:
    """A WGS84 point drawn as a dot of ``color`` (RGB) on every tile it falls on."""

    lon: float
    lat: float
    color: tuple[int, int, int]

    def in_datum(self, datum: str) -> tuple[float, float]:
        return coords.from_wgs84(self.lon, self.lat, datum)


@dataclass
class TileServer:
    url: str
    targets: list[Target]
    key: str
    requests: list[str] = field(default_factory=list)


def render_tile(z: int, x: int, y: int, datum: str, targets: list[Target], blank: bool = False) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (TILE, TILE), (0, 0, 0, 0) if blank else (246, 243, 232, 255))
    draw = ImageDraw.Draw(img)
    if not blank:
        draw.rectangle([0, 0, TILE - 1, TILE - 1], outline=(222, 216, 200, 255))
        for t in targets:
            px, py = world_px(*t.in_datum(datum), z)
            cx, cy = px - x * TILE, py - y * TILE
            if -DOT_RADIUS <= cx <= TILE + DOT_RADIUS and -DOT_RADIUS <= cy <= TILE + DOT_RADIUS:
                draw.ellipse([cx - DOT_RADIUS, cy - DOT_RADIUS, cx + DOT_RADIUS, cy + DOT_RADIUS],
                             fill=(*t.color, 255))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _handler(server: TileServer):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def _tile(self) -> tuple[int, int, int, str, bool] | None:
            parts = urlsplit(self.path)
            q = {k: v[0] for k, v in parse_qs(parts.query).items()}
            segs = parts.path.strip("/").split("/")
            if segs[0] == "amap" and segs[-1] == "appmaptile":
                return int(q["z"]), int(q["x"]), int(q["y"]), "gcj02", False
            if segs[0] == "tencent" and segs[-1] == "tile":
                z = int(q["z"])
                return z, int(q["x"]), 2 ** z - 1 - int(q["y"]), "gcj02", False  # TMS: rows from the bottom
            if segs[0] == "osm" and len(segs) == 4:
                return int(segs[1]), int(segs[2]), int(segs[3].split(".")[0]), "wgs84", False
            if segs[0] == "tianditu" and segs[-1] == "wmts":
                if q.get("tk") != server.key:
                    raise PermissionError
                return (int(q["TILEMATRIX"]), int(q["TILECOL"]), int(q["TILEROW"]), "wgs84",
                        segs[1].startswith(("cva", "cia")))
            return None

        def do_GET(self):
            server.requests.append(self.path)
            try:
                tile = self._tile()
            except PermissionError:
                self.send_error(403, "bad key")
                return
            except (KeyError, ValueError):
                tile = None
            if tile is None:
                self.send_error(404)
                return
            body = render_tile(*tile[:4], server.targets, blank=tile[4])
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "max-age=600")
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def tile_server(targets: list[Target], key: str = "testkey0123456789") -> Iterator[TileServer]:
    """Serve the stand-ins on 127.0.0.1 (a free port) in a thread."""
    state = TileServer("", targets, key)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def settings_toml(base: str) -> str:
    """A data dir's settings.toml that points the OSM, 高德 and 腾讯 options at the stand-ins (天地图: by env)."""
    return f"""
[tiles.osm]
url = "{base}/osm/{{z}}/{{x}}/{{y}}.png"

[tiles.amap_vec]
url = "{base}/amap/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={{x}}&y={{y}}&z={{z}}"
subdomains = ""

[tiles.tencent_vec]
url = "{base}/tencent/tile?z={{z}}&x={{x}}&y={{-y}}&styleid=1&scene=0"
subdomains = ""

[tiles.amap_img]
enabled = false
"""


def tianditu_env(base: str) -> dict[str, str]:
    """The environment that points 天地图 vector (and its annotation) at the stand-in."""
    tdt = ("{base}/tianditu/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}&STYLE=default"
           "&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={{tk}}")
    return {"SUPPLYCHAIN_TILES_TIANDITU_VEC_URL": tdt.format(base=base, layer="vec"),
            "SUPPLYCHAIN_TILES_TIANDITU_VEC_ANNOTATION_URL": tdt.format(base=base, layer="cva"),
            "SUPPLYCHAIN_TILES_TIANDITU_IMG_URL": "off"}
