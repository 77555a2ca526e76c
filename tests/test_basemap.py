"""The offline basemap: TileJSON 3.0.0 shape, tiles that decode to the data they were built from, bounded tile
coordinates, the atomic rebuild after an import, and the map in a real browser with no request to another host.

Tiles are decoded with ``mapbox-vector-tile`` and their content compared with the source files read here
independently (the SIP label file; a small crafted OSM file with a named road and a lake).
"""

from __future__ import annotations

import gzip
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import mapbox_vector_tile
import pytest

from supplychain import basemap, network, places, studyarea
from supplychain.store import Store

from .conftest import ROOT, SIP_LABELS

#: TileJSON 3.0.0 (https://github.com/mapbox/tilejson-spec/tree/master/3.0.0): required keys and the types of
#: the optional ones this basemap answers.
TILEJSON_REQUIRED = ("tilejson", "tiles", "vector_layers")


def lonlat_to_tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The slippy-map tile of a point (OSM wiki formula)."""
    n = 2 ** z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


def tile_point_to_lonlat(z: int, x: int, y: int, px: float, py: float, extent: int = 4096) -> tuple[float, float]:
    """A decoded MVT point (y up, as mapbox-vector-tile returns it) back to WGS84."""
    n = 2 ** z
    fx, fy = x + px / extent, y + (1 - py / extent)
    lon = fx / n * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * fy / n))))
    return lon, lat


def get_tile(client, tj: dict, z: int, x: int, y: int):
    path = tj["tiles"][0].split("://", 1)[1].split("/", 1)[1]
    return client.get("/" + path.format(z=z, x=x, y=y), headers={"Accept-Encoding": "gzip"})


def decode(resp) -> dict:
    assert resp.status_code == 200, resp.status_code
    assert resp.headers["Content-Type"] == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(gzip.decompress(resp.data))


@pytest.fixture(scope="module")
def labelled_dir(sip_cache, tmp_path_factory) -> Path:
    """The SIP data dir with the SIP label file imported and the basemap built (as run.sh leaves it)."""
    target = tmp_path_factory.mktemp("basemap") / "data"
    shutil.copytree(sip_cache, target)
    store = Store(target)
    places.ensure_gazetteer(store)
    places.import_file(store, SIP_LABELS)
    basemap.ensure(target, store, network.Network.load(target), studyarea.try_load())
    return target


@pytest.fixture(scope="module")
def client(labelled_dir):
    from webapp import create_app

    return create_app(data_dir=labelled_dir, testing=True).test_client()


@pytest.fixture(scope="module")
def tj(client) -> dict:
    r = client.get("/api/basemap")
    assert r.status_code == 200
    return r.get_json()


def test_tilejson_has_the_required_fields_of_3_0_0(tj):
    for key in TILEJSON_REQUIRED:
        assert key in tj, key
    assert tj["tilejson"] == "3.0.0"
    assert isinstance(tj["tiles"], list) and tj["tiles"] and all(isinstance(t, str) for t in tj["tiles"])
    assert all("{z}" in t and "{x}" in t and "{y}" in t for t in tj["tiles"])
    w, s, e, n = tj["bounds"]
    assert -180 <= w < e <= 180 and -85.06 <= s < n <= 85.06
    assert isinstance(tj["minzoom"], int) and isinstance(tj["maxzoom"], int) and 0 <= tj["minzoom"] <= tj["maxzoom"] <= 30
    assert tj["scheme"] in ("xyz", "tms") and isinstance(tj["attribution"], str)
    assert len(tj["center"]) == 3 and w <= tj["center"][0] <= e and s <= tj["center"][1] <= n
    for layer in tj["vector_layers"]:
        assert isinstance(layer["id"], str) and isinstance(layer["fields"], dict)
        assert all(v in ("String", "Number", "Boolean") for v in layer["fields"].values())
    assert {l["id"] for l in tj["vector_layers"]} == {"roads", "water", "coverage", "boundaries", "labels"}
    # Beside TileJSON: what each layer is made of, and what the basemap does not cover.
    assert "sip-core.osm" in tj["sources"]["roads"]
    assert "/" not in tj["sources"]["roads"].split()[-1]  # the file by name, no path of this machine
    cov = tj["coverage"]
    assert cov["complete"] is False and cov["district_covered_share"] < 0.01  # SIP lies outside 吴中
    assert cov["note"].startswith("底图只覆盖已导入的道路网")
    # The study area (吴中 + 10 km) and the network both lie inside the bounds.
    area = studyarea.try_load()
    aw, as_, ae, an = area.buffered().bounds
    assert w <= aw + 1e-5 and s <= as_ + 1e-5 and e >= ae - 1e-5 and n >= an - 1e-5


def test_a_tile_holds_a_known_sip_road_name_at_its_place(client, tj):
    """星湖街 from the SIP label file (read here) is in the tile that contains it, at its position."""
    feats = json.loads(SIP_LABELS.read_text(encoding="utf-8"))["features"]
    ref = next(f for f in feats if f["properties"].get("name") == "星湖街" and f["properties"].get("kind") == "road")
    lon, lat = ref["geometry"]["coordinates"]
    z = 14
    x, y = lonlat_to_tile(lon, lat, z)
    layers = decode(get_tile(client, tj, z, x, y))
    hits = [f for f in layers["labels"]["features"] if f["properties"]["name"] == "星湖街"]
    assert hits, [f["properties"]["name"] for f in layers["labels"]["features"]]
    best = min(math.dist(tile_point_to_lonlat(z, x, y, *f["geometry"]["coordinates"]), (lon, lat)) for f in hits)
    assert best < 1e-4  # about 10 m: the label sits where the file puts it
    assert hits[0]["properties"]["kind"] == "road"
    # The roads of the network are in the same tile, with their OSM class.
    classes = {f["properties"]["class"] for f in layers["roads"]["features"]}
    assert classes & {"primary", "secondary", "tertiary"}


def test_sub_district_labels_of_wuzhong_are_in_the_tiles(client, tj):
    """The gazetteer's 吴中 sub-districts (郭巷街道) are labelled although the network does not reach them."""
    lon, lat = next((p.lon, p.lat) for p in places.read_gazetteer() if p.name == "郭巷街道")
    z = 11
    x, y = lonlat_to_tile(lon, lat, z)
    layers = decode(get_tile(client, tj, z, x, y))
    names = {f["properties"]["name"]: f["properties"]["kind"] for f in layers["labels"]["features"]}
    assert names.get("郭巷街道") == "subdistrict"
    kinds = {f["properties"]["kind"] for f in layers["coverage"]["features"]}
    assert "nodata" in kinds  # hatched: 郭巷 has no roads in the data


@pytest.mark.parametrize("path", [
    "/basemap/tiles/15/27372/13380.mvt",      # beyond maxzoom
    "/basemap/tiles/25/0/0.mvt",               # far beyond
    "/basemap/tiles/-1/0/0.mvt",               # negative zoom
    "/basemap/tiles/10/1024/0.mvt",            # x beyond 2^z
    "/basemap/tiles/10/856/9999.mvt",          # y beyond 2^z
    "/basemap/tiles/10/0/0.mvt",               # a real tile, far outside the bounds
    "/basemap/tiles/a/b/c.mvt",                # not numbers
    "/basemap/tiles/10/856/418.png",           # not a tile format served
])
def test_tiles_outside_the_basemap_are_404(client, path):
    assert client.get(path).status_code == 404


def test_tile_answers_cache_and_compression(client, tj):
    x, y = lonlat_to_tile(120.73, 31.315, 12)
    r = get_tile(client, tj, 12, x, y)
    assert r.headers["Content-Encoding"] == "gzip" and "immutable" in r.headers["Cache-Control"]
    again = client.get(f"/basemap/tiles/12/{x}/{y}.mvt", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304 and again.headers["Cache-Control"] == "no-cache"  # no version: revalidate
    plain = client.get(f"/basemap/tiles/12/{x}/{y}.mvt")  # no gzip accepted: the plain protobuf
    assert "Content-Encoding" not in plain.headers
    assert mapbox_vector_tile.decode(plain.data)["roads"]["features"]


CRAFTED_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="tests/test_basemap.py">
{nodes}
{ways}
</osm>
"""


def crafted_osm(path: Path) -> Path:
    """A small real-shaped OSM file in the SIP area: a 4x4 road grid, one named primary road, one lake."""
    nodes, ways = [], []
    lon0, lat0, step = 120.700, 31.300, 0.004
    nid = lambda i, j: 1 + i * 4 + j  # noqa: E731
    for i in range(4):
        for j in range(4):
            nodes.append(f'<node id="{nid(i, j)}" lat="{lat0 + i * step:.6f}" lon="{lon0 + j * step:.6f}" version="1"/>')
    wid = 100
    for i in range(4):
        tags = '<tag k="highway" v="primary"/><tag k="name" v="测试湖滨大道"/>' if i == 0 else \
            '<tag k="highway" v="residential"/>'
        ways.append(f'<way id="{wid}" version="1">' + "".join(f'<nd ref="{nid(i, j)}"/>' for j in range(4)) + tags + "</way>")
        wid += 1
    for j in range(4):
        ways.append(f'<way id="{wid}" version="1">' + "".join(f'<nd ref="{nid(i, j)}"/>' for i in range(4))
                    + '<tag k="highway" v="residential"/></way>')
        wid += 1
    lake = [(120.7045, 31.3045), (120.7075, 31.3045), (120.7075, 31.3075), (120.7045, 31.3075)]
    for k, (lo, la) in enumerate(lake):
        nodes.append(f'<node id="{500 + k}" lat="{la}" lon="{lo}" version="1"/>')
    ways.append('<way id="900" version="1">' + "".join(f'<nd ref="{500 + k}"/>' for k in (0, 1, 2, 3, 0))
                + '<tag k="natural" v="water"/><tag k="name" v="测试湖"/></way>')
    path.write_text(CRAFTED_OSM.format(nodes="\n".join(nodes), ways="\n".join(ways)), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def crafted_dir(tmp_path_factory) -> Path:
    from supplychain.osmread import Clip

    d = tmp_path_factory.mktemp("crafted")
    network.import_file(d / "data", crafted_osm(d / "lake.osm"), clip=Clip())
    store = Store(d / "data")
    basemap.ensure(d / "data", store, network.Network.load(d / "data"), studyarea.try_load())
    return d / "data"


def test_way_names_and_water_of_an_import_are_in_the_tiles(crafted_dir):
    from webapp import create_app

    client = create_app(data_dir=crafted_dir, testing=True).test_client()
    tj = client.get("/api/basemap").get_json()
    z = 14
    x, y = lonlat_to_tile(120.706, 31.306, z)
    layers = decode(get_tile(client, tj, z, x, y))
    named = [f for f in layers["roads"]["features"] if f["properties"].get("name") == "测试湖滨大道"]
    assert named and named[0]["properties"]["class"] == "primary"
    assert layers["water"]["features"], "the lake polygon"
    ring = layers["water"]["features"][0]["geometry"]["coordinates"][0]
    lons = [tile_point_to_lonlat(z, x, y, *p)[0] for p in ring]
    assert min(lons) == pytest.approx(120.7045, abs=1e-4) and max(lons) == pytest.approx(120.7075, abs=1e-4)
    assert tj["counts"]["water"] == 1


def _supplychain(*args, data_dir: Path) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": f"{ROOT / 'src'}:{ROOT}", "PATH": "/usr/bin:/bin", "HOME": str(data_dir.parent)}
    return subprocess.run([sys.executable, "-m", "supplychain.cli", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, env=env, timeout=300)


def test_places_import_rebuilds_the_basemap_atomically(sip_dir, tmp_path):
    """A places import publishes a new version with the new labels; the old one stays until the swap and is kept
    as the previous version; a build that fails leaves the live one untouched."""
    before = basemap.current(sip_dir)
    assert before is not None  # built with the fixture's network
    extra = tmp_path / "extra.geojson"
    extra.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [120.7301, 31.3152]},
        "properties": {"name": "测试社区甲", "kind": "community"}}]}, ensure_ascii=False), encoding="utf-8")
    r = _supplychain("places", "import", str(extra), data_dir=sip_dir)
    assert r.returncode == 0, r.stderr
    assert "离线底图" in r.stdout
    after = basemap.current(sip_dir)
    assert after.version != before.version and before.folder.is_dir()  # the previous version is kept
    assert after.meta["inputs"]["places"] != before.meta["inputs"]["places"]
    x, y = lonlat_to_tile(120.7301, 31.3152, 13)
    names = [f["properties"]["name"] for f in
             mapbox_vector_tile.decode(gzip.decompress(after.tile(13, x, y)))["labels"]["features"]]
    assert "测试社区甲" in names

    # A build that dies half way leaves the live version and no half-written one.
    store = Store(sip_dir)
    places.import_file(store, SIP_LABELS)
    orig = basemap.write_pmtiles

    def dying(path, *a, **k):
        path.write_bytes(b"PMTiles half")
        raise KeyboardInterrupt

    basemap.write_pmtiles = dying
    try:
        with pytest.raises(KeyboardInterrupt):
            basemap.ensure(sip_dir, store, network.Network.load(sip_dir), studyarea.try_load())
    finally:
        basemap.write_pmtiles = orig
    assert basemap.current(sip_dir).version == after.version
    assert not [p for p in (sip_dir / basemap.ROOT).iterdir() if p.name.startswith(".tmp-v-")]
    # The next use sees the stale inputs and builds.
    rebuilt = basemap.ensure(sip_dir, store, network.Network.load(sip_dir), studyarea.try_load())
    assert rebuilt.version != after.version


def test_network_import_rebuilds_the_basemap(sip_dir):
    """A new network version makes the basemap stale; `network import` builds the new one."""
    osm = crafted_osm(sip_dir.parent / "lake.osm")
    before = basemap.current(sip_dir)
    r = _supplychain("network", "import", str(osm), "--no-clip", data_dir=sip_dir)
    assert r.returncode == 0, r.stderr + r.stdout
    after = basemap.current(sip_dir)
    assert after.version != before.version
    assert after.meta["inputs"]["network"] == network.cache_folder(sip_dir).name
    assert after.meta["counts"]["water"] == 1 and after.meta["counts"]["roads"] < before.meta["counts"]["roads"]
