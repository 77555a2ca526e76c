"""The suppliers' distance table: the same answers as the road searches, distances as networkx's, rebuilt when
the registry or the network changes, searches where the table does not reach."""

from __future__ import annotations

import dataclasses
import json
import sys

import networkx as nx
import numpy as np
import pytest

from supplychain import balltable, engine, network, reach, registry, sourcing, synthetic
from supplychain.store import Store
from supplychain.workspace import Workspace

from .conftest import ROOT, SIP_OSM

#: Precisions given to every 7th / 11th synthetic supplier, so that the bounds' widening is exercised.
COARSE = {7: ("street", None), 11: ("town", 1500.0)}


def _registry(net, n_suppliers: int, n_makers: int, seed: int) -> list:
    """SYNTHETIC suppliers (some street/town precision) and makers, within 60 m of random nodes (off-node)."""
    es = synthetic.makers_and_suppliers(net, n_makers, n_suppliers, seed, max_categories=2,
                                        robot_types=["humanoid"], jitter_m=60.0)
    out = []
    for i, e in enumerate(es):
        for every, (precision, radius) in COARSE.items():
            if not e.is_maker and i % every == 0:
                e = dataclasses.replace(e, precision=precision, uncertainty_m=radius)
        out.append(e)
    return out


def _pair(base: Workspace, entities: list) -> tuple[Workspace, Workspace]:
    """Two workspaces on the same network and registry: with the table (default) and without (searches)."""
    with_table = synthetic.workspace(base, entities, keep_registry=True)
    searching = synthetic.workspace(base, entities, keep_registry=True)
    searching.table_radius_m = 0.0
    return with_table, searching


def _same_queries(a: Workspace, b: Workspace, seed: int, n_points: int = 40) -> int:
    """Supplier queries from random nodes, points beside them and entities, at radii inside and beyond the
    table's 10 km: the full JSON must be equal. Returns how many answers were compared."""
    net = a.network
    rng = np.random.default_rng(seed)
    nodes = rng.integers(0, net.n_nodes, n_points)
    lonlat = net.node_lonlat(nodes)
    off = lonlat + rng.uniform(-0.0008, 0.0008, lonlat.shape)  # up to ~90 m away: snapped, off the node
    compared = 0
    for i, (lon, lat) in enumerate(np.vstack([lonlat, off]).tolist()):
        for radius_km in (10.0, float(rng.uniform(0.5, 10)), 13.5, 25.0):
            category = "reducer" if i % 3 == 0 else None
            got = reach.suppliers_within(a, lon=lon, lat=lat, radius_km=radius_km, category=category)
            want = reach.suppliers_within(b, lon=lon, lat=lat, radius_km=radius_km, category=category)
            assert json.dumps(got) == json.dumps(want), (lon, lat, radius_km, category)
            compared += 1
    located = [e for e in a.entities if e.located]
    for e in [located[k] for k in rng.choice(len(located), 25, replace=False)]:
        for radius_km in (10.0, 4.0, 18.0):
            got = reach.suppliers_within(a, entity=e.id, radius_km=radius_km)
            want = reach.suppliers_within(b, entity=e.id, radius_km=radius_km)
            assert json.dumps(got) == json.dumps(want), (e.id, radius_km)
            compared += 1
    return compared


def _table_matches_networkx(ws: Workspace, G: nx.MultiDiGraph, n_sources: int = 12) -> None:
    """Each ball equals networkx's single-source Dijkstra on the reversed graph (distances *to* the source):
    the same nodes (away from the cut-off by more than 1e-6 m) and distances within 1e-6 m; and each stored
    time is the time along the forward search's shortest-distance tree (what the searching path reports)."""
    table = reach.supplier_table(ws)
    assert table is not None and table.entries > 0
    osmid = ws.network.arrays["osmid"]
    index_of = {int(o): i for i, o in enumerate(osmid.tolist())}
    rev = G.reverse(copy=False)
    rng = np.random.default_rng(5)
    for k in rng.choice(len(table.sources), min(n_sources, len(table.sources)), replace=False).tolist():
        s, radius = int(table.sources[k]), float(table.radius[k])
        ref = nx.single_source_dijkstra_path_length(rev, int(osmid[s]), cutoff=radius, weight="length")
        ref = {index_of[o]: d for o, d in ref.items() if o in index_of}
        mine = {}
        for v in range(ws.network.n_nodes):
            a, b = table.indptr[v], table.indptr[v + 1]
            hit = np.flatnonzero(table.source[a:b] == k)
            if len(hit):
                mine[v] = float(table.length[a + hit[0]])
        clear = lambda d: {v for v, x in d.items() if abs(x - radius) > 1e-6}  # noqa: E731
        assert clear(mine) == clear(ref)
        assert max(abs(mine[v] - ref[v]) for v in mine) <= 1e-6
        for v in rng.choice(list(mine), 15).tolist():
            dist, pred = engine.distances_with_predecessors(ws.network.graph, v, limit=radius)
            forward = engine.cost_along_tree(ws.network.graph, pred, np.array([s]), metric="time")[0]
            a, b = table.indptr[v], table.indptr[v + 1]
            stored = table.time[a + np.flatnonzero(table.source[a:b] == k)[0]]
            assert abs(stored - forward) <= 1e-6 and abs(dist[s] - mine[v]) <= 1e-6


# ----------------------------------------------------------------------------------------------------
# The real SIP network

@pytest.fixture(scope="module")
def sip_pair(sip_ws):
    return _pair(sip_ws, _registry(sip_ws.network, 300, 80, seed=4))


def test_sip_supplier_queries_answer_the_same_with_the_table(sip_pair):
    a, b = sip_pair
    assert _same_queries(a, b, seed=1) > 300
    assert a.table_summary()["built"] and b.table_summary() == {"built": False, "reason": "off"}


def test_sip_sourcing_answers_the_same_with_the_table(sip_pair):
    a, b = sip_pair
    for radius_km in (10, 6.5, 15):  # 15 km: beyond the table's balls, searched
        assert json.dumps(sourcing.sourcing_check(a, radius_km)) == json.dumps(sourcing.sourcing_check(b, radius_km))


def test_sip_table_distances_equal_networkx(sip_pair, sip_graph_nx):
    _table_matches_networkx(sip_pair[0], sip_graph_nx)


def test_table_memory_is_stated(sip_pair):
    a, _ = sip_pair
    t = reach.supplier_table(a)
    info = a.health()["distance_table"]
    assert info["entries"] == len(t.source) == t.indptr[-1]
    assert info["bytes"] == t.nbytes >= t.entries * balltable.ENTRY_BYTES
    # the balls widen by the p90 circuity x the largest supplier region (a 1.5 km town disc here)
    upper = a.estimator.describe()["upper_circuity"]
    assert info["radius_m"] == [pytest.approx(10000 + upper * 1500, abs=0.1)] * 2
    assert info["sources"] == len(np.unique([a.snapping[e.id][0] for e in a.located if a.snapping[e.id][2]
                                             and reach.is_supplier(e, None)]))


def test_queries_beyond_the_table_search(sip_ws, monkeypatch):
    """With 3 km balls (the SIP network is about 12 km across, so 10 km balls hold nearly all of it), a 2 km
    query is looked up and an 8 km one searched; both answer as the searches do."""
    a, b = _pair(sip_ws, _registry(sip_ws.network, 150, 40, seed=6))
    a.table_radius_m = 3000.0
    searches = []
    for name in ("distances_with_predecessors", "nearest_source", "distance_rows"):
        real = getattr(engine, name)
        monkeypatch.setattr(engine, name, lambda *x, _f=real, **k: searches.append(1) or _f(*x, **k))
    lon, lat = map(float, sip_ws.network.node_lonlat([10])[0])
    reach.supplier_table(a)
    searches.clear()
    for radius_km, searched in ((2, False), (8, True)):
        got = reach.suppliers_within(a, lon=lon, lat=lat, radius_km=radius_km)
        assert bool(searches) == searched
        assert json.dumps(got) == json.dumps(reach.suppliers_within(b, lon=lon, lat=lat, radius_km=radius_km))
        searches.clear()
        got = sourcing.sourcing_check(a, radius_km)
        assert bool(searches) == searched
        assert json.dumps(got) == json.dumps(sourcing.sourcing_check(b, radius_km))
        searches.clear()


def test_a_too_large_table_is_not_built(sip_ws, monkeypatch):
    monkeypatch.setenv(balltable.MAX_MIB_ENV, "0.5")
    a, b = _pair(sip_ws, _registry(sip_ws.network, 120, 10, seed=9))
    assert reach.supplier_table(a) is None
    assert a.table_summary() == {"built": False, "reason": "over_budget"}
    lon, lat = map(float, sip_ws.network.node_lonlat([200])[0])
    assert reach.suppliers_within(a, lon=lon, lat=lat) == reach.suppliers_within(b, lon=lon, lat=lat)


# ----------------------------------------------------------------------------------------------------
# A SYNTHETIC road-like graph (benchmarks/synthetic_graph.py: jittered grid, arterials, one-ways)

@pytest.fixture(scope="module")
def synthetic_setup(tmp_path_factory):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synthetic_graph

    data_dir = tmp_path_factory.mktemp("synthetic-graph")
    G = synthetic_graph.generate(side=100, seed=3)  # 10,000 nodes, 12 km across: 10 km balls stop inside
    synthetic_graph.build_data_dir(data_dir, G)
    import osmnx as ox

    base = Workspace.open(data_dir)
    base.entities = []  # the seed registry is in 吴中, far from this graph; only synthetic entities
    base.__post_init__()
    return _pair(base, _registry(base.network, 200, 60, seed=2)), ox.truncate.largest_component(G, strongly=True)


def test_synthetic_queries_and_sourcing_answer_the_same(synthetic_setup):
    (a, b), _ = synthetic_setup
    assert _same_queries(a, b, seed=8, n_points=30) > 200
    for radius_km in (10, 3):
        assert json.dumps(sourcing.sourcing_check(a, radius_km)) == json.dumps(sourcing.sourcing_check(b, radius_km))


def test_synthetic_table_distances_equal_networkx(synthetic_setup):
    (a, _), G = synthetic_setup
    _table_matches_networkx(a, G)


# ----------------------------------------------------------------------------------------------------
# Rebuilt when the data changes (the web app's live data, webapp/freshness.py)

def test_the_table_is_rebuilt_when_the_registry_or_the_network_changes(sip_dir, tmp_path):
    from webapp import create_app

    net = Workspace.open(sip_dir).network
    registry.import_file(Store(sip_dir), synthetic.write_csv(
        synthetic.makers_and_suppliers(net, 5, 40, seed=1), tmp_path / "first.csv"))
    app = create_app(data_dir=sip_dir, testing=True)
    client = app.test_client()
    net = app.config["WORKSPACE"].network
    lon, lat = map(float, net.node_lonlat([123])[0])
    url = f"/api/suppliers?lon={lon}&lat={lat}&radius_km=10"
    client.get(url)
    first = client.get("/api/health").get_json()["distance_table"]
    assert first["built"]

    # Another process adds a supplier standing on the origin's node.
    e = synthetic.entity(900, lon, lat, categories=["reducer"])
    registry.import_file(Store(sip_dir), synthetic.write_csv([e], tmp_path / "one.csv"))
    ans = client.get(url).get_json()
    assert ans["results"][0]["id"] == e.id and ans["results"][0]["road_m"] == 0.0
    second = client.get("/api/health").get_json()["distance_table"]
    assert second["built"] and second["sources"] == first["sources"] + 1
    assert ans == _searched(app.config["WORKSPACE"], lon, lat)

    # A new network (the SIP file's drive network, read by pyosmium): a new graph, so a new table.
    network.import_file(sip_dir, SIP_OSM)
    ans = client.get(url).get_json()
    ws = app.config["WORKSPACE"]
    assert ws.network is not net and ws.network.n_nodes != net.n_nodes
    third = client.get("/api/health").get_json()["distance_table"]
    assert third["built"] and third["entries"] != second["entries"]
    assert reach.supplier_table(ws).indptr.shape == (ws.network.n_nodes + 1,)
    assert ans == _searched(ws, lon, lat)


def _searched(ws: Workspace, lon: float, lat: float) -> dict:
    """The 10 km answer of the same registry and network with no table, as the API's JSON."""
    off = synthetic.workspace(ws, [], keep_registry=True)
    off.table_radius_m = 0.0
    return json.loads(json.dumps(reach.suppliers_within(off, lon=lon, lat=lat, radius_km=10)))
