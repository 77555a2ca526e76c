"""Road network: import of the real SIP file in every supported format, fetch through a local Overpass,
the array cache, and snapping."""

import bz2
import json
import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from supplychain import network, studyarea
from supplychain.network import Network, NetworkError

from .conftest import SIP_OSM, WUZHONG_BOUNDARY

# ../shared/geo/README.md: 5,860 nodes / 18,426 edges after osmnx simplification; all of it one strongly
# connected component. The cache collapses parallel edges to one CSR entry per (u, v) pair.
SIP_NODES = 5860


def test_import_osm_builds_the_cache(sip_cache):
    net = Network.load(sip_cache)
    assert net.n_nodes == SIP_NODES
    meta = json.loads((network.cache_folder(sip_cache) / "network.json").read_text(encoding="utf-8"))
    assert meta["nodes"] == SIP_NODES and meta["edges"] == net.n_edges
    assert meta["source"].endswith("sip-core.osm") and meta["method"] == "import"
    west, south, east, north = meta["bbox"]
    # The README's bbox of the file: lon 120.6791–120.7814, lat 31.2922–31.3441.
    assert 120.679 <= west < east <= 120.7815 and 31.292 <= south < north <= 31.3442
    assert meta["created"] and "OpenStreetMap" in meta["attribution"]


def test_cache_matches_osmnx_graph(sip_cache, sip_graph_nx):
    net = Network.load(sip_cache)
    G = sip_graph_nx
    assert set(net.arrays["osmid"].tolist()) == set(G.nodes)
    pairs = {(u, v) for u, v in G.edges() if u != v}
    assert net.n_edges == len(pairs)
    # Every CSR entry's length is the minimum over the parallel osmnx edges.
    idx = net.arrays["osmid"]
    i = 0
    for a in range(0, net.n_nodes, 97):
        for pos in range(net.arrays["indptr"][a], net.arrays["indptr"][a + 1]):
            b = net.arrays["indices"][pos]
            want = min(d["length"] for d in G.get_edge_data(idx[a], idx[b]).values())
            assert net.arrays["length_m"][pos] == pytest.approx(want, abs=1e-9)
            i += 1
    assert i > 100


def test_import_osm_bz2_and_graphml_give_the_same_network(tmp_path, sip_cache, sip_graph_nx):
    import osmnx as ox

    bz = tmp_path / "sip.osm.bz2"
    bz.write_bytes(bz2.compress(SIP_OSM.read_bytes()))
    a = network.import_file(tmp_path / "a", bz, engine_name="osmnx")
    gml = tmp_path / "sip.graphml"
    ox.save_graphml(ox.graph_from_xml(SIP_OSM, retain_all=True), gml)
    b = network.import_file(tmp_path / "b", gml)
    ref = Network.load(sip_cache)
    for net in (a, b):
        assert net.n_nodes == ref.n_nodes and net.n_edges == ref.n_edges
        np.testing.assert_allclose(np.sort(net.arrays["length_m"]), np.sort(ref.arrays["length_m"]), atol=1e-6)


@pytest.mark.parametrize("content,name,reason", [
    (b"", "empty.osm", "could not read"),
    (b"<osm version='0.6'></osm>", "nothing.osm", "could not read|no road network"),
    (b"hello", "notes.txt", "unknown network file type"),
])
def test_bad_network_files_fail_clearly_and_keep_the_old_cache(sip_dir, tmp_path, content, name, reason):
    before = (network.cache_folder(sip_dir) / "graph.npz").read_bytes()
    bad = tmp_path / name
    bad.write_bytes(content)
    with pytest.raises(NetworkError, match=reason):
        network.import_file(sip_dir, bad)
    assert (network.cache_folder(sip_dir) / "graph.npz").read_bytes() == before


def test_missing_file_and_missing_cache(tmp_path):
    with pytest.raises(NetworkError, match="no such file"):
        network.import_file(tmp_path, tmp_path / "nope.osm")
    with pytest.raises(NetworkError, match="network import"):
        Network.load(tmp_path)
    assert Network.try_load(tmp_path) is None


def test_snap_matches_brute_force(sip_cache):
    net = Network.load(sip_cache)
    rng = np.random.default_rng(7)
    lon = rng.uniform(120.68, 120.78, 200)
    lat = rng.uniform(31.293, 31.344, 200)
    nodes, dist = net.snap(lon, lat)
    x, y = studyarea.to_metric(lon, lat)
    d_all = np.hypot(net.arrays["x"][None, :] - x[:, None], net.arrays["y"][None, :] - y[:, None])
    np.testing.assert_allclose(dist, d_all.min(axis=1), atol=1e-6)
    # And the metric distance agrees with the great-circle distance to 0.1 %.
    from supplychain.coords import haversine_m
    gc = haversine_m(lon, lat, net.arrays["lon"][nodes], net.arrays["lat"][nodes])
    np.testing.assert_allclose(dist, gc, rtol=2e-3, atol=0.5)


def test_path_coords_follow_edge_geometry(sip_cache):
    net = Network.load(sip_cache)
    from supplychain import engine
    d, path = engine.shortest_path(net.graph, 0, 1234)
    coords = net.path_coords(path)
    assert coords[0] == pytest.approx(net.node_lonlat([0])[0].tolist(), abs=1e-6)
    assert coords[-1] == pytest.approx(net.node_lonlat([1234])[0].tolist(), abs=1e-6)
    from supplychain.coords import haversine_m
    c = np.array(coords)
    drawn = haversine_m(c[:-1, 0], c[:-1, 1], c[1:, 0], c[1:, 1]).sum()
    assert drawn == pytest.approx(d, rel=0.01)


def test_road_lines_draw_each_two_way_road_once(sip_cache):
    net = Network.load(sip_cache)
    fc = net.road_lines()
    n_lines = sum(len(f["geometry"]["coordinates"]) for f in fc["features"])
    assert n_lines == pytest.approx(net.n_edges / 2, rel=0.02)
    assert {f["properties"]["highway"] for f in fc["features"]} >= {"primary", "secondary", "residential"}


# --- fetch through a local server that answers like Overpass --------------------------------------------------

class _LocalService(BaseHTTPRequestHandler):
    """Base of the fake OSM services below: quiet, answers with ``reply``."""

    def log_message(self, *a):
        pass

    def reply(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _serve(handler) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _overpass_json_from_osm(path) -> dict:
    """The SIP file in the Overpass JSON shape (what the real API returns for `out body; >; out skel`)."""
    root = ET.parse(path).getroot()
    elements = []
    for el in root:
        tags = {t.get("k"): t.get("v") for t in el.findall("tag")}
        if el.tag == "node":
            elements.append({"type": "node", "id": int(el.get("id")), "lat": float(el.get("lat")),
                             "lon": float(el.get("lon")), **({"tags": tags} if tags else {})})
        elif el.tag == "way":
            elements.append({"type": "way", "id": int(el.get("id")),
                             "nodes": [int(n.get("ref")) for n in el.findall("nd")], "tags": tags})
    return {"version": 0.6, "generator": "test Overpass on 127.0.0.1", "elements": elements}


@pytest.fixture
def fake_overpass():
    body = json.dumps(_overpass_json_from_osm(SIP_OSM)).encode()
    seen = []

    class Overpass(_LocalService):
        def do_GET(self):  # osmnx asks /status before each query
            seen.append(("GET", self.path))
            self.reply(("Connected as: 1\nCurrent time: 2026-01-01T00:00:00Z\nAnnounced endpoint: none\n"
                        "Rate limit: 2\n2 slots available now.\nCurrently running queries:\n").encode(), "text/plain")

        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            seen.append(("POST", self.path, self.rfile.read(length).decode()))
            self.reply(body, "application/json")

    server = _serve(Overpass)
    yield f"http://127.0.0.1:{server.server_port}/api", seen
    server.shutdown()


def test_fetch_through_local_overpass(tmp_path, fake_overpass, sip_cache):
    url, seen = fake_overpass
    area = studyarea.load(boundary_file=WUZHONG_BOUNDARY)
    net = network.fetch(tmp_path, area, buffer_km=10, overpass_url=url)
    posts = [s for s in seen if s[0] == "POST"]
    assert posts and all(p[1] == "/api/interpreter" for p in posts)
    assert "highway" in posts[0][2] and "poly" in posts[0][2]
    assert net.meta["method"] == "fetch" and net.meta["source"].startswith("overpass:wuzhong+10km")
    # The SIP core lies within 10 km of 吴中区, so most of it is kept after osmnx truncates to the polygon.
    ref = Network.load(sip_cache)
    assert 0.5 * ref.n_nodes < net.n_nodes <= ref.n_nodes * 1.1
    poly = area.buffered(10)
    import shapely
    assert shapely.contains_xy(poly, net.arrays["lon"], net.arrays["lat"]).mean() > 0.95


def test_fetch_without_a_server_fails_clearly(tmp_path):
    area = studyarea.load(boundary_file=WUZHONG_BOUNDARY)
    with pytest.raises(NetworkError, match="could not fetch"):
        network.fetch(tmp_path, area, buffer_km=1, overpass_url="http://127.0.0.1:9/api")


def test_study_area_buffer_grows_the_boundary():
    area = studyarea.load(boundary_file=WUZHONG_BOUNDARY)
    assert 2000 < area.boundary_m.area / 1e6 < 2500  # README: about 2,211 km²
    grown = area.buffered(10)
    import shapely
    grown_m = studyarea.geom_to_metric(grown)
    # Every point within 9.9 km of the district is inside; nothing farther than 10.1 km is.
    assert area.boundary_m.buffer(9900).difference(grown_m).area < 1e4
    assert grown_m.difference(area.boundary_m.buffer(10100)).area < 1e4
    assert shapely.contains_xy(grown, 120.62801, 31.26448)  # the district point


def test_boundary_from_a_local_nominatim_when_no_file_exists(tmp_path, monkeypatch):
    """No boundary file: the study area is geocoded through osmnx, here from a Nominatim-like server."""
    import osmnx as ox
    import shapely

    boundary = json.loads(WUZHONG_BOUNDARY.read_text(encoding="utf-8"))["features"][0]["geometry"]
    west, south, east, north = shapely.geometry.shape(boundary).bounds
    answer = json.dumps([{
        "osm_type": "relation", "osm_id": 4591880, "lat": "31.13", "lon": "120.26", "class": "boundary",
        "type": "administrative", "importance": 0.6, "display_name": "吴中区, 苏州市, 江苏省, 中国",
        "boundingbox": [str(south), str(north), str(west), str(east)], "geojson": boundary,
    }]).encode()
    queries = []

    class Nominatim(_LocalService):
        def do_GET(self):
            queries.append(self.path)
            self.reply(answer, "application/json")

    server = _serve(Nominatim)
    monkeypatch.setattr(ox.settings, "cache_folder", str(tmp_path / "osmnx-cache"))
    monkeypatch.setattr(ox.settings, "nominatim_url", ox.settings.nominatim_url)
    try:
        definition = {**studyarea.load_definition(), "boundary_files": ["no/such/file.geojson"]}
        with pytest.raises(studyarea.StudyAreaError, match="geocoding is off"):
            studyarea.load(definition)
        area = studyarea.load(definition, allow_geocode=True,
                              nominatim_url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
    assert queries and queries[0].startswith("/search") and "polygon_geojson=1" in queries[0]
    assert area.boundary_source.startswith("osm-geocoder:")
    assert area.boundary_m.area / 1e6 == pytest.approx(2211, rel=0.01)  # README: about 2,211 km²


def test_cli_fetch_through_local_overpass(tmp_path, fake_overpass, capsys):
    from supplychain.cli import main

    url, _ = fake_overpass
    code = main(["--data-dir", str(tmp_path), "network", "fetch", "--boundary", str(WUZHONG_BOUNDARY),
                 "--buffer-km", "10", "--overpass-url", url])
    out, err = capsys.readouterr()
    assert code == 0 and "nodes" in out and "overpass:wuzhong+10km" in out
    assert "study area boundary: file:" in err and "downloading the drive network" in err
