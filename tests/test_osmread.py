"""The streaming OSM reader (pyosmium) against osmnx/networkx on the same data.

The reference never uses the product's tag rules: the drive filter is osmnx's own Overpass filter string,
applied here to the XML before ``osmnx.graph_from_xml``; distances are networkx's on that graph.
"""

import bz2
import re
import xml.etree.ElementTree as ET

import networkx as nx
import numpy as np
import pytest

from supplychain import engine, network, osmread, roadtags
from supplychain.network import NetworkError
from supplychain.osmread import Clip

from .conftest import SHARED_GEO, SIP_OSM

OAKLAND = SHARED_GEO / "peers" / "West-Oakland.osm.bz2"
AGUASCALIENTES = SHARED_GEO / "peers" / "aguascalientes.osm.pbf"


# --- the reference: osmnx's filter string, graph_from_xml, networkx -------------------------------------------

def _osmnx_rules(network_type: str) -> list[tuple[str, str]]:
    import osmnx as ox

    text = ox._overpass._get_network_filter(network_type)
    return re.findall(r'\["([^"]+)"!~"([^"]+)"\]', text)


def _drivable_xml(tags: dict, rules) -> bool:
    """Overpass semantics: a [k!~"re"] clause passes when k is absent or its value does not match re."""
    return "highway" in tags and not any(k in tags and re.search(r, tags[k]) for k, r in rules)


def _read_xml(path):
    data = bz2.decompress(path.read_bytes()) if str(path).endswith(".bz2") else path.read_bytes()
    return ET.fromstring(data)


def filtered_copy(src, dst, network_type="drive"):
    """``src`` with only the ways osmnx's filter keeps (nodes all kept): what Overpass would answer."""
    root = _read_xml(src)
    rules = _osmnx_rules(network_type)
    for way in list(root.findall("way")):
        tags = {t.get("k"): t.get("v") for t in way.findall("tag")}
        if not _drivable_xml(tags, rules):
            root.remove(way)
    for rel in list(root.findall("relation")):
        root.remove(rel)
    ET.ElementTree(root).write(dst, encoding="utf-8", xml_declaration=True)
    return dst


def osmnx_reference(path, tmp_path, network_type="drive"):
    import osmnx as ox

    G = ox.graph_from_xml(filtered_copy(path, tmp_path / f"ref-{network_type}.osm", network_type), retain_all=True)
    return ox.truncate.largest_component(G, strongly=True)


def convert(src, dst):
    """Rewrite an OSM file in another format with pyosmium (the format follows ``dst``'s suffix)."""
    import osmium

    with osmium.SimpleWriter(str(dst)) as w:
        for obj in osmium.FileProcessor(str(src)):
            w.add(obj)
    return dst


def assert_distances_equal(net, G, pairs=200, seed=3, both_ways=False, contracted=True):
    """Shortest distances of random pairs of osmnx's nodes equal networkx's on osmnx's graph within 0.1 m."""
    index = {int(o): i for i, o in enumerate(net.arrays["osmid"].tolist())}
    common = [n for n in G.nodes if n in index]
    assert len(common) == len(G), "every node of osmnx's graph is a node of the imported network"
    if contracted:  # osmnx's simplification rules: the very same nodes
        assert len(index) == len(G)
    rng = np.random.default_rng(seed)
    sources = rng.choice(common, size=min(20, len(common)), replace=False)
    checked = 0
    for s in sources:
        want = nx.single_source_dijkstra_path_length(G, s, weight="length")
        got = engine.distances(net.graph, index[int(s)])
        targets = common if both_ways else rng.choice(common, size=min(pairs // len(sources), len(common)), replace=False)
        for t in targets:
            w = want.get(t, np.inf)
            g = got[index[int(t)]]
            assert (np.isinf(w) and np.isinf(g)) or abs(w - g) <= 0.1, (s, t, w, g)
            checked += 1
    assert checked >= min(pairs, len(common) * len(sources))


# --- SIP: .osm and .osm.pbf -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sip_pbf(tmp_path_factory):
    return convert(SIP_OSM, tmp_path_factory.mktemp("pbf") / "sip-core.osm.pbf")


@pytest.mark.parametrize("network_type", ["drive", "drive_service"])
def test_sip_osm_and_pbf_import_alike_and_route_like_networkx(tmp_path, sip_pbf, network_type):
    a = network.import_file(tmp_path / "osm", SIP_OSM, network_type=network_type)
    b = network.import_file(tmp_path / "pbf", sip_pbf, network_type=network_type)
    assert (a.n_nodes, a.n_edges) == (b.n_nodes, b.n_edges)
    assert (a.arrays["osmid"] == b.arrays["osmid"]).all()
    np.testing.assert_allclose(a.arrays["length_m"], b.arrays["length_m"], atol=1e-6)
    assert a.meta["reader"] == "osmium" and a.meta["crs"] == "EPSG:32651"
    G = osmnx_reference(SIP_OSM, tmp_path, network_type)
    assert_distances_equal(b, G)
    # SIP has 2,186 highway=service ways: osmnx's drive filter leaves them out, drive_service keeps them.
    hw = set(np.unique(a.arrays["highway"]).tolist())
    assert (roadtags.HIGHWAY_CLASSES.index("service") in hw) == (network_type == "drive_service")


# --- a crafted file: one-ways, a -1 one-way, a roundabout, things a drive network leaves out ----------------

def _crafted(path):
    """A 4x4 grid (about 100 m spacing) plus a roundabout, with every kind of way the rules distinguish."""
    nodes, ways = [], []
    nid = lambda r, c: 1 + r * 4 + c  # noqa: E731
    for r in range(4):
        for c in range(4):
            nodes.append((nid(r, c), 120.70 + c * 0.001, 31.30 + r * 0.0009))
    # the roundabout east of the grid: 4 nodes
    ring = [101, 102, 103, 104]
    for k, (dx, dy) in zip(ring, [(0.0045, 0.0012), (0.0050, 0.0017), (0.0055, 0.0012), (0.0050, 0.0007)]):
        nodes.append((k, 120.70 + dx, 31.30 + dy))
    ways += [
        (1, [nid(0, 0), nid(0, 1), nid(0, 2), nid(0, 3)], {"highway": "primary", "name": "长阳街", "maxspeed": "60"}),
        (2, [nid(1, 0), nid(1, 1), nid(1, 2), nid(1, 3)], {"highway": "secondary", "oneway": "yes"}),
        (3, [nid(2, 0), nid(2, 1), nid(2, 2), nid(2, 3)], {"highway": "tertiary", "oneway": "-1", "maxspeed": "30 mph"}),
        (4, [nid(3, 0), nid(3, 1), nid(3, 2), nid(3, 3)], {"highway": "residential", "name": "星湖街"}),
        (5, [nid(0, 0), nid(1, 0), nid(2, 0), nid(3, 0)], {"highway": "residential"}),
        (6, [nid(0, 3), nid(1, 3)], {"highway": "residential", "oneway": "reversible"}),
        (7, [nid(1, 3), nid(2, 3), nid(3, 3)], {"highway": "residential", "maxspeed": "CN:urban"}),
        (8, [nid(0, 1), nid(1, 1), nid(2, 1), nid(3, 1)], {"highway": "footway"}),
        (9, [nid(0, 2), nid(1, 2)], {"highway": "service", "service": "parking_aisle"}),
        (10, [nid(2, 2), nid(3, 2)], {"highway": "residential", "access": "private"}),
        (11, [nid(1, 2), nid(2, 2)], {"highway": "steps"}),
        (12, ring + [ring[0]], {"highway": "primary", "junction": "roundabout"}),
        (13, [nid(0, 3), 101], {"highway": "primary"}),
        (14, [103, nid(2, 3)], {"highway": "primary_link", "oneway": "yes"}),
        (15, [nid(3, 3), 104], {"highway": "pedestrian"}),
        (16, [nid(3, 2), nid(2, 2)], {"highway": "unclassified", "motor_vehicle": "no"}),
    ]
    out = ["<?xml version='1.0' encoding='UTF-8'?>", "<osm version='0.6' generator='test'>"]
    out += [f"<node id='{i}' version='1' lat='{lat:.7f}' lon='{lon:.7f}'/>" for i, lon, lat in nodes]
    for wid, refs, tags in ways:
        out.append(f"<way id='{wid}' version='1'>")
        out += [f"<nd ref='{r}'/>" for r in refs]
        out += [f"<tag k='{k}' v='{v}'/>" for k, v in tags.items()]
        out.append("</way>")
    out.append("</osm>")
    path.write_text("\n".join(out), encoding="utf-8")
    return path


def test_crafted_one_ways_and_roundabout_reach_like_networkx(tmp_path):
    src = _crafted(tmp_path / "crafted.osm")
    net = network.import_file(tmp_path / "d", src, limits=network.boundedread.Limits(min_nodes=2))
    G = osmnx_reference(src, tmp_path)
    # The same strongly connected part, and the same nodes after osmnx's simplification.
    ids = set(net.arrays["osmid"].tolist())
    assert set(G.nodes) == ids
    assert_distances_equal(net, G, both_ways=True)
    # Reachability over all pairs of osmnx's nodes, both directions.
    index = {o: i for i, o in enumerate(net.arrays["osmid"].tolist())}
    for s in G.nodes:
        reach_nx = set(nx.descendants(G, s)) | {s}
        got = engine.distances(net.graph, index[s])
        assert {t for t in G.nodes if np.isfinite(got[index[t]])} == reach_nx
    # The roundabout is in the strongly connected part through its one-way entry and exit; its other two
    # nodes are contracted. Keeping every node, the distances are the same.
    assert {101, 103} <= ids and not {102, 104} & ids
    full = network.import_file(tmp_path / "all", src, limits=network.boundedread.Limits(min_nodes=2), contract=False)
    assert {101, 102, 103, 104} <= set(full.arrays["osmid"].tolist())
    assert_distances_equal(full, G, both_ways=True, contracted=False)


def test_crafted_edge_attributes(tmp_path):
    src = _crafted(tmp_path / "crafted.osm")
    net = network.import_file(tmp_path / "d", src, limits=network.boundedread.Limits(min_nodes=2), contract=False)
    index = {o: i for i, o in enumerate(net.arrays["osmid"].tolist())}
    a = net.arrays

    def edge(u, v):
        return net.edge_index(index[u], index[v])

    e = edge(1, 2)  # way 1: primary, 长阳街, maxspeed 60, two-way
    assert net.edge_name(e) == "长阳街" and a["speed_kph"][e] == 60 and not a["oneway"][e]
    assert a["highway"][e] == roadtags.HIGHWAY_CLASSES.index("primary")
    assert net.edge_name(edge(2, 1)) == "长阳街"
    # way 2 one-way along its nodes; way 3 (-1) against them, at 30 mph
    assert a["oneway"][edge(5, 6)]
    with pytest.raises(KeyError):
        edge(6, 5)
    e = edge(10, 9)
    assert a["oneway"][e] and a["speed_kph"][e] == pytest.approx(48.28, abs=0.01)
    with pytest.raises(KeyError):
        edge(9, 10)
    # reversible is two-way (as in osmnx); CN:urban is 50 km/h; residential without maxspeed its class default
    edge(4, 8), edge(8, 4)
    assert a["speed_kph"][edge(8, 12)] == 50
    assert a["speed_kph"][edge(13, 14)] == roadtags.DEFAULT_SPEEDS_KPH["residential"]
    # the roundabout is one-way in its node order
    edge(101, 102)
    with pytest.raises(KeyError):
        edge(102, 101)
    # travel time = length / speed
    e = edge(1, 2)
    assert a["time_s"][e] == pytest.approx(a["length_m"][e] / (60 / 3.6))


@pytest.mark.parametrize("value,kph", [
    ("50", 50), ("50 km/h", 50), ("50kmh", 50), ("60 kph", 60), ("30 mph", 48.28), ("20mph", 32.187),
    ("10 knots", 18.52), ("CN:urban", 50), ("CN:rural", 70), ("CN:motorway", 120), ("DE:urban", 50),
    ("RU:rural", 90), ("XX:urban", 50), ("GB:nsl_single", 96.56), ("50;70", 60), ("50|70", 60),
    ("none", None), ("signals", None), ("variable", None), ("DE:motorway", None), ("fast", None), ("", None),
    ("0", None), (None, None),
])
def test_maxspeed_forms(value, kph):
    got = roadtags.parse_maxspeed(value)
    assert got == (None if kph is None else pytest.approx(kph, abs=0.01))


def test_speed_falls_back_to_the_class_default():
    assert roadtags.speed_kph({"highway": "primary", "maxspeed": "signals"}) == roadtags.DEFAULT_SPEEDS_KPH["primary"]
    assert roadtags.speed_kph({"highway": "busway"}) == roadtags.FALLBACK_SPEED_KPH
    assert roadtags.speed_kph({"highway": "trunk", "maxspeed": "80"}) == 80


# --- clipping -------------------------------------------------------------------------------------------------

def test_clip_by_polygon_keeps_exactly_the_segments_inside(tmp_path):
    import shapely

    poly = shapely.Polygon([(120.70, 31.30), (120.74, 31.295), (120.75, 31.33), (120.71, 31.335)])
    arrays = osmread.read(SIP_OSM, Clip(polygon=poly), "drive", contract=False)
    # Independent expectation: drivable ways by osmnx's filter, segments with both nodes inside, the largest
    # connected part (every SIP way is two-way, so strong = weak connectivity).
    root = ET.parse(SIP_OSM).getroot()
    pos = {int(n.get("id")): (float(n.get("lon")), float(n.get("lat"))) for n in root.findall("node")}
    rules = _osmnx_rules("drive")
    H = nx.Graph()
    for way in root.findall("way"):
        tags = {t.get("k"): t.get("v") for t in way.findall("tag")}
        if not _drivable_xml(tags, rules):
            continue
        refs = [int(n.get("ref")) for n in way.findall("nd")]
        for a, b in zip(refs[:-1], refs[1:]):
            if a != b and all(shapely.contains_xy(poly, *pos[x]) for x in (a, b)):
                H.add_edge(a, b)
    part = max(nx.connected_components(H), key=len)
    assert set(arrays["osmid"].tolist()) == part
    assert len(arrays["indices"]) == 2 * H.subgraph(part).number_of_edges()
    assert shapely.contains_xy(poly, arrays["lon"], arrays["lat"]).all()
    # Contracted, the nodes are a subset and every drawn point is still inside.
    c = osmread.read(SIP_OSM, Clip(polygon=poly), "drive")
    assert set(c["osmid"].tolist()) < part
    assert shapely.contains_xy(poly, c["geom_lon"], c["geom_lat"]).all()


def test_bbox_clip_and_no_ways_in_the_area(tmp_path):
    arrays = osmread.read(SIP_OSM, Clip(bbox=(120.70, 31.30, 120.73, 31.32)), "drive")
    assert ((arrays["lon"] >= 120.70) & (arrays["lon"] <= 120.73)).all()
    with pytest.raises(NetworkError, match="no drivable ways inside the area"):
        network.import_file(tmp_path / "d", SIP_OSM, clip=Clip(bbox=(10.0, 10.0, 10.1, 10.1), label="bbox far away"))


def test_cli_import_pbf_clipped_to_the_study_area(tmp_path, sip_pbf, capsys):
    from supplychain.cli import main

    code = main(["--data-dir", str(tmp_path), "network", "import", str(sip_pbf)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "study area" in err and "EPSG:32651" in out
    code = main(["--data-dir", str(tmp_path), "network", "import", str(AGUASCALIENTES)])
    out, err = capsys.readouterr()
    last = err.strip().splitlines()[-1]  # progress lines come before the one-line error
    assert code == 1 and last.startswith("错误 error:")
    assert "no drivable ways inside the area" in last and "--no-clip" in last


# --- the peers: real extracts from osmnx's test suite ---------------------------------------------------------

@pytest.mark.parametrize("src,crs", [(OAKLAND, "EPSG:32610"), (AGUASCALIENTES, "EPSG:32613")])
def test_peers_import_as_drive_networks_like_osmnx(tmp_path, src, crs):
    net = network.import_file(tmp_path / "d", src)  # the .pbf directly, the whole file (no clip)
    assert net.meta["crs"] == crs
    cal = net.meta["circuity"]
    assert cal["calibrated"] and cal["factor"] >= 1 and cal["p10"] >= 0.999
    xml = src if src.suffix == ".bz2" else convert(src, tmp_path / "peer.osm")
    G = osmnx_reference(xml, tmp_path)
    assert_distances_equal(net, G, both_ways=True)
    # Drive ways only: no node used only by ways osmnx's drive filter leaves out.
    root = _read_xml(xml)
    rules = _osmnx_rules("drive")
    drive_nodes, other_nodes = set(), set()
    for way in root.findall("way"):
        tags = {t.get("k"): t.get("v") for t in way.findall("tag")}
        refs = {int(n.get("ref")) for n in way.findall("nd")}
        (drive_nodes if _drivable_xml(tags, rules) else other_nodes).update(refs)
    ids = set(net.arrays["osmid"].tolist())
    assert ids <= drive_nodes
    assert other_nodes - drive_nodes, "the file has non-drive ways to leave out"
    # Snapping is measured in the network's own zone: a node snaps to itself at 0 m.
    node, d = net.snap(net.arrays["lon"][:5], net.arrays["lat"][:5])
    assert (node == np.arange(5)).all() and (d < 1e-6).all()


def test_a_wrong_crs_gives_an_error_not_a_circuity(tmp_path, monkeypatch):
    """Measured in a far-away zone, straight lines come out longer than the roads: refused, not reported."""
    from supplychain import studyarea

    monkeypatch.setattr(studyarea, "metric_crs_for", lambda lon, lat, definition=None: "EPSG:32651")
    with pytest.raises(NetworkError, match="circuity calibrates to 0"):
        network.import_file(tmp_path / "d", OAKLAND)
    assert network.Network.try_load(tmp_path / "d") is None


def test_a_node_missing_from_the_file_drops_its_segments(tmp_path):
    """An extract cut by a box keeps ways whose nodes lie outside it: those segments are left out."""
    src = tmp_path / "cut.osm"
    src.write_text("""<?xml version='1.0' encoding='UTF-8'?>
<osm version='0.6'>
<node id='1' version='1' lat='31.300' lon='120.700'/><node id='2' version='1' lat='31.301' lon='120.700'/>
<node id='3' version='1' lat='31.301' lon='120.701'/>
<way id='1' version='1'><nd ref='1'/><nd ref='2'/><nd ref='3'/><nd ref='1'/><tag k='highway' v='residential'/></way>
<way id='2' version='1'><nd ref='3'/><nd ref='99'/><tag k='highway' v='primary'/></way>
</osm>""", encoding="utf-8")
    arrays = osmread.read(src)
    assert sorted(arrays["osmid"].tolist()) == [1, 2, 3] and len(arrays["indices"]) == 6
    assert (arrays["highway"] == roadtags.HIGHWAY_CLASSES.index("residential")).all()


def test_sip_drive_service_is_the_osmnx_cache_and_geometry_sums_to_length(tmp_path, sip_cache):
    """SIP has only highway tags, so drive_service keeps every way: the same network as the osmnx reader."""
    ref = network.Network.load(sip_cache)
    net = network.import_file(tmp_path / "d", SIP_OSM, network_type="drive_service")
    assert (net.n_nodes, net.n_edges) == (ref.n_nodes, ref.n_edges)

    def by_pair(n):
        a = n.arrays
        rows = np.repeat(a["osmid"], np.diff(a["indptr"]))
        return dict(zip(zip(rows.tolist(), a["osmid"][a["indices"]].tolist()), a["length_m"].tolist()))

    mine, theirs = by_pair(net), by_pair(ref)
    assert mine.keys() == theirs.keys()
    assert max(abs(mine[k] - theirs[k]) for k in mine) < 1e-6
    # Each edge's drawn geometry runs from its tail to its head and its great-circle length is the edge's.
    a = net.arrays
    off = a["geom_offsets"]
    seg = osmread.great_circle_m(a["geom_lon"][:-1], a["geom_lat"][:-1], a["geom_lon"][1:], a["geom_lat"][1:])
    inner = np.ones(len(seg), dtype=bool)
    inner[off[1:-1] - 1] = False  # the step from one edge's last point to the next edge's first
    per_edge = np.add.reduceat(np.where(inner, seg, 0.0), off[:-1])
    np.testing.assert_allclose(per_edge, a["length_m"], atol=1e-6)
    rows = np.repeat(np.arange(net.n_nodes), np.diff(a["indptr"]))
    np.testing.assert_array_equal(a["geom_lon"][off[:-1]], a["lon"][rows])
    np.testing.assert_array_equal(a["geom_lon"][off[1:] - 1], a["lon"][a["indices"]])


# --- water ----------------------------------------------------------------------------------------------------

def _with_water(path):
    """The crafted roads plus a closed lake way, a multipolygon lake with an island (untagged member ways)
    and a tagged pond outside the clip box."""
    text = _crafted(path).read_text(encoding="utf-8").replace("</osm>", "")
    nodes = {
        201: (120.7000, 31.3040), 202: (120.7020, 31.3040), 203: (120.7020, 31.3055), 204: (120.7000, 31.3055),
        301: (120.7100, 31.3000), 302: (120.7200, 31.3000), 303: (120.7200, 31.3100), 304: (120.7100, 31.3100),
        311: (120.7140, 31.3040), 312: (120.7160, 31.3040), 313: (120.7160, 31.3060), 314: (120.7140, 31.3060),
        401: (121.0000, 31.5000), 402: (121.0010, 31.5000), 403: (121.0010, 31.5010),
    }
    text += "".join(f"<node id='{i}' version='1' lat='{la}' lon='{lo}'/>\n" for i, (lo, la) in nodes.items())
    ways = {
        201: ([201, 202, 203, 204, 201], {"natural": "water", "name": "小湖"}),
        301: ([301, 302, 303], {}), 302: ([303, 304, 301], {}),          # the outer ring in two untagged pieces
        311: ([311, 312, 313, 314, 311], {}),                             # the island
        401: ([401, 402, 403, 401], {"waterway": "riverbank"}),
    }
    for wid, (refs, tags) in ways.items():
        text += f"<way id='{wid}' version='1'>" + "".join(f"<nd ref='{r}'/>" for r in refs)
        text += "".join(f"<tag k='{k}' v='{v}'/>" for k, v in tags.items()) + "</way>\n"
    text += ("<relation id='1' version='1'><member type='way' ref='301' role='outer'/>"
             "<member type='way' ref='302' role='outer'/><member type='way' ref='311' role='inner'/>"
             "<tag k='type' v='multipolygon'/><tag k='natural' v='water'/><tag k='name' v='太湖'/></relation>\n</osm>")
    path.write_text(text, encoding="utf-8")
    return path


def test_water_polygons_are_collected_and_clipped(tmp_path):
    from supplychain import studyarea
    from supplychain.water import read_water

    src = _with_water(tmp_path / "water.osm")
    polys = read_water(src)
    assert len(polys) == 3
    box = Clip(bbox=(120.69, 31.29, 120.75, 31.35))
    inside = read_water(src, box)
    areas = sorted(studyarea.geom_to_metric(p).area for p in inside)
    # the closed way: 0.002° x 0.0015°; the relation: 0.01° square minus a 0.002° island
    small = studyarea.geom_to_metric(shapely_box(120.7000, 31.3040, 120.7020, 31.3055)).area
    big = (studyarea.geom_to_metric(shapely_box(120.71, 31.30, 120.72, 31.31)).area
           - studyarea.geom_to_metric(shapely_box(120.714, 31.304, 120.716, 31.306)).area)
    assert areas == [pytest.approx(small, rel=1e-6), pytest.approx(big, rel=1e-6)]
    # Through the import: kept in the cache, loaded back as polygons.
    net = network.import_file(tmp_path / "d", src, limits=network.boundedread.Limits(min_nodes=2), clip=box)
    assert sorted(p.area for p in net.water) == pytest.approx(sorted(p.area for p in inside))
    assert not any(p.contains(shapely_point(120.715, 31.305)) for p in net.water)  # the island is land


def shapely_box(*bounds):
    import shapely

    return shapely.box(*bounds)


def shapely_point(x, y):
    import shapely

    return shapely.Point(x, y)


def test_import_metadata_says_how_the_file_was_read(tmp_path, capsys):
    from supplychain.cli import main

    src = _with_water(tmp_path / "water.osm")
    code = main(["--init", "--data-dir", str(tmp_path / "d"), "network", "import", str(src), "--bbox", "120.69,31.29,120.75,31.35",
                 "--min-nodes", "2"])
    out, err = capsys.readouterr()
    assert code == 0, err
    meta = network.Network.load(tmp_path / "d").meta
    assert meta["reader"] == "osmium" and meta["network_type"] == "drive" and meta["contracted"] is True
    assert meta["clip"] == "bbox 120.69,31.29,120.75,31.35" and meta["water_polygons"] == 2
    assert meta["way_names"] == 2  # 长阳街, 星湖街 (water names are not way names)
    assert "2 water polygons kept" in out and "2 way names" in out


def test_pbf_limits(tmp_path, sip_pbf):
    from supplychain.boundedread import ImportRefused, Limits

    with pytest.raises(ImportRefused, match="more than 1,000 nodes"):
        network.import_file(tmp_path / "d", sip_pbf, limits=Limits(max_elements=1000))
    with pytest.raises(ImportRefused, match="larger than 1,000 bytes"):
        network.import_file(tmp_path / "d", sip_pbf, limits=Limits(max_bytes=1000))
    assert network.Network.try_load(tmp_path / "d") is None
