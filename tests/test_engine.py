"""The engine against networkx on the same real graph (SIP), and on hand-built graphs with known answers.

Every expectation here is computed independently: networkx's Dijkstra on the osmnx graph built from the
same OSM file (fixture ``sip_graph_nx``), or arithmetic on a graph small enough to check by hand. Product
node indices map to osmnx node ids through the cache's ``osmid`` array.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra

from supplychain import engine, reach, synthetic
from supplychain.network import Network
from supplychain.store import Store
from supplychain.workspace import Workspace

TOL_M = 1e-6

# Few examples: each runs networkx Dijkstra on the 5,860-node SIP graph (tens of ms). Enough to cover
# radii from a few hundred metres to beyond the network's extent; the suite stays fast.
PROPERTY = settings(max_examples=15, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

radii_m = st.floats(min_value=50.0, max_value=14_000.0, allow_nan=False)
node_draw = st.integers(min_value=0, max_value=2**31 - 1)  # taken modulo the node count


@pytest.fixture(scope="module")
def net(sip_cache) -> Network:
    return Network.load(sip_cache)


@pytest.fixture(scope="module")
def osmid(net) -> np.ndarray:
    return net.arrays["osmid"]


@pytest.fixture(scope="module")
def index_of(osmid) -> dict[int, int]:
    return {int(o): i for i, o in enumerate(osmid.tolist())}


def nx_dist(G, osmid, index_of, source: int, cutoff: float | None = None, reverse: bool = False) -> dict[int, float]:
    """networkx distances from product node ``source`` (to it, with reverse), keyed by product index."""
    H = G.reverse(copy=False) if reverse else G
    got = nx.single_source_dijkstra_path_length(H, int(osmid[source]), cutoff=cutoff, weight="length")
    return {index_of[k]: v for k, v in got.items()}


def assert_row_matches(row: np.ndarray, expected: dict[int, float]) -> None:
    reached = set(np.flatnonzero(np.isfinite(row)).tolist())
    assert reached == set(expected), (
        f"reachable sets differ: {len(reached - set(expected))} extra, {len(set(expected) - reached)} missing")
    nodes = np.fromiter(expected, dtype=np.int64)
    want = np.fromiter(expected.values(), dtype=float)
    np.testing.assert_allclose(row[nodes], want, rtol=0, atol=TOL_M)


# ----------------------------------------------------------------------------------------------------
# Single source, many sources, nearest source: against networkx on the real graph

@PROPERTY
@given(draw=node_draw, radius=radii_m)
def test_bounded_distances_equal_networkx(net, sip_graph_nx, osmid, index_of, draw, radius):
    source = draw % net.n_nodes
    row = engine.distances(net.graph, source, limit=radius)
    assert_row_matches(row, nx_dist(sip_graph_nx, osmid, index_of, source, cutoff=radius))


@PROPERTY
@given(draws=st.lists(node_draw, min_size=1, max_size=4), radius=radii_m, reverse=st.booleans())
def test_distance_rows_equal_networkx(net, sip_graph_nx, osmid, index_of, draws, radius, reverse):
    sources = np.array([d % net.n_nodes for d in draws])
    seen = []
    for part, rows in engine.distance_rows(net.graph, sources, limit=radius, reverse=reverse, chunk=3):
        for s, row in zip(part, rows):
            seen.append(int(s))
            assert_row_matches(row, nx_dist(sip_graph_nx, osmid, index_of, int(s), cutoff=radius, reverse=reverse))
    assert seen == sources.tolist()


@PROPERTY
@given(draws=st.lists(node_draw, min_size=1, max_size=4), radius=radii_m, reverse=st.booleans())
def test_nearest_source_equals_min_over_networkx(net, sip_graph_nx, osmid, index_of, draws, radius, reverse):
    sources = np.unique([d % net.n_nodes for d in draws])
    dist, nearest = engine.nearest_source(net.graph, sources, limit=radius, reverse=reverse)
    # reverse=True: distance from each node *to* its nearest source = networkx on the reversed graph.
    per_source = {int(s): nx_dist(sip_graph_nx, osmid, index_of, int(s), cutoff=radius, reverse=reverse)
                  for s in sources}
    best: dict[int, float] = {}
    for d in per_source.values():
        for node, v in d.items():
            best[node] = min(v, best.get(node, np.inf))
    assert_row_matches(dist, best)
    reached = np.flatnonzero(np.isfinite(dist))
    assert set(nearest[reached].tolist()) <= set(sources.tolist())
    assert (nearest[~np.isfinite(dist)] < 0).all()
    # The source named is one at that distance (ties may name either).
    for node in reached[:: max(1, len(reached) // 200)]:
        assert per_source[int(nearest[node])][int(node)] == pytest.approx(dist[node], abs=TOL_M)


def test_nearest_source_with_no_sources(net):
    dist, nearest = engine.nearest_source(net.graph, np.array([], dtype=np.int64))
    assert np.isinf(dist).all() and (nearest < 0).all()


@PROPERTY
@given(makers=st.lists(node_draw, min_size=1, max_size=7), suppliers=st.lists(node_draw, min_size=1, max_size=7),
       radius=radii_m)
def test_pairs_within_equals_networkx(net, sip_graph_nx, osmid, index_of, makers, suppliers, radius):
    # Few distinct nodes with repeats: both search directions (fewer targets -> reverse graph) get drawn.
    m = np.array([d % net.n_nodes for d in makers])
    s = np.array([d % net.n_nodes for d in suppliers])
    s[len(s) // 2:] = s[0]  # several suppliers on one node
    mi, si, d = engine.pairs_within(net.graph, m, s, radius)
    got = {(int(a), int(b)): float(x) for a, b, x in zip(mi, si, d)}
    want = {}
    for a, node in enumerate(m):
        row = nx_dist(sip_graph_nx, osmid, index_of, int(node), cutoff=radius)
        for b, target in enumerate(s):
            if int(target) in row:
                want[(a, b)] = row[int(target)]
    assert set(got) == set(want)
    for key, v in want.items():
        assert got[key] == pytest.approx(v, abs=TOL_M)
    assert list(zip(mi.tolist(), si.tolist())) == sorted(got)


def test_pairs_within_empty_sides(net):
    for a, b in ((np.array([], np.int64), np.array([1, 2])), (np.array([1, 2]), np.array([], np.int64))):
        mi, si, d = engine.pairs_within(net.graph, a, b, 1000.0)
        assert len(mi) == len(si) == len(d) == 0
        within = engine.node_pairs_within(net.graph, a, b, 1000.0)
        assert within.shape == (len(a), len(b)) and within.nnz == 0


# ----------------------------------------------------------------------------------------------------
# The supplier query (reach.suppliers_within) on synthetic suppliers placed at SIP nodes

N_SYNTHETIC_SUPPLIERS = 120


@pytest.fixture(scope="module")
def synthetic_supplier_ws(net, tmp_path_factory) -> Workspace:
    """A workspace on the real SIP network whose registry holds SYNTHETIC suppliers at distinct random SIP nodes
    (reducer+sensor and motor in turn), in memory."""
    entities = synthetic.makers_and_suppliers(net, n_makers=0, n_suppliers=N_SYNTHETIC_SUPPLIERS, seed=11,
                                              categories=[("reducer", "sensor"), "motor"])
    data_dir = tmp_path_factory.mktemp("synthetic-suppliers")
    return Workspace(data_dir, Store(data_dir), entities, net)


@PROPERTY
@given(draw=node_draw, radius_km=st.floats(min_value=0.1, max_value=14.0, allow_nan=False),
       category=st.sampled_from([None, "motor", "sensor"]))
def test_suppliers_within_equals_networkx(synthetic_supplier_ws, net, sip_graph_nx, osmid, index_of, draw,
                                          radius_km, category):
    ws = synthetic_supplier_ws
    origin = draw % net.n_nodes
    lon, lat = net.node_lonlat([origin])[0]
    answer = reach.suppliers_within(ws, lon=float(lon), lat=float(lat), radius_km=radius_km, category=category)
    origin_node = index_of[int(osmid[ws.snap_point(float(lon), float(lat))[0]])]
    row = nx_dist(sip_graph_nx, osmid, index_of, origin_node, cutoff=radius_km * 1000.0)
    want = {}
    for e in ws.entities:
        node, _, on = ws.snapping[e.id]
        assert on
        if (category is None or category in e.categories) and node in row:
            want[e.id] = row[node]
    got = {r["id"]: r for r in answer["results"]}
    assert set(got) == set(want)
    for eid, d in want.items():
        assert got[eid]["distance_method"] == "network"
        assert got[eid]["road_m"] == pytest.approx(d, abs=0.05 + TOL_M)  # the answer rounds to 0.1 m
    road = [r["road_m"] for r in answer["results"]]
    assert road == sorted(road)


# ----------------------------------------------------------------------------------------------------
# Paths and costs along the shortest-distance tree

def nx_path_length(G, osmid, path: list[int], weight: str = "length") -> float:
    """Sum of the cheapest parallel edge between consecutive nodes, read from the osmnx graph."""
    return sum(min(d[weight] for d in G.get_edge_data(int(osmid[a]), int(osmid[b])).values())
               for a, b in zip(path[:-1], path[1:]))


@PROPERTY
@given(a=node_draw, b=node_draw)
def test_path_reconstruction_sums_to_the_distance(net, sip_graph_nx, osmid, a, b):
    source, target = a % net.n_nodes, b % net.n_nodes
    dist, path = engine.shortest_path(net.graph, source, target)
    want = nx.dijkstra_path_length(sip_graph_nx, int(osmid[source]), int(osmid[target]), weight="length")
    assert dist == pytest.approx(want, abs=TOL_M)
    assert path[0] == source and path[-1] == target
    assert len(set(path)) == len(path)
    assert nx_path_length(sip_graph_nx, osmid, path) == pytest.approx(dist, abs=TOL_M)
    assert engine.path_cost(net.graph, path, "length") == pytest.approx(dist, abs=TOL_M)


def time_along(net: Network, path: list[int]) -> float:
    """Drive seconds along a node path, read edge by edge from the cache arrays (independent of the tree code)."""
    return sum(float(net.arrays["time_s"][net.edge_index(a, b)]) for a, b in zip(path[:-1], path[1:]))


@PROPERTY
@given(draw=node_draw, radius=radii_m, picks=st.lists(node_draw, min_size=1, max_size=30))
def test_cost_along_tree_equals_time_summed_along_the_path(net, draw, radius, picks):
    source = draw % net.n_nodes
    dist, pred = engine.distances_with_predecessors(net.graph, source, limit=radius)
    reached = np.flatnonzero(np.isfinite(dist))
    nodes = reached[np.array(picks) % len(reached)]
    nodes = np.concatenate([nodes, nodes[:2], [source]])  # repeats and the root itself
    got = engine.cost_along_tree(net.graph, pred, nodes, metric="time")
    for node, t in zip(nodes.tolist(), got.tolist()):
        path = engine.path_from_tree(pred, source, node)
        assert path and path[0] == source and path[-1] == node
        assert t == pytest.approx(time_along(net, path), abs=1e-6)
    # With metric="length" it gives the tree distance back.
    np.testing.assert_allclose(engine.cost_along_tree(net.graph, pred, nodes, metric="length"), dist[nodes],
                               rtol=0, atol=TOL_M)


def test_cost_along_tree_of_nothing(net):
    _, pred = engine.distances_with_predecessors(net.graph, 0, limit=500)
    assert engine.cost_along_tree(net.graph, pred, np.array([], dtype=np.int64)).shape == (0,)


# ----------------------------------------------------------------------------------------------------
# Hand-built graphs: parallel edges, self-loops, zero lengths, one-way edges

def test_parallel_edges_collapse_to_their_minimum():
    # 0->1 twice (5 m and 3 m), 1->2 (4 m), 0->2 (10 m), a self-loop on 2, and 2->0 twice (one-way back).
    u = np.array([0, 0, 1, 0, 2, 2, 2])
    v = np.array([1, 1, 2, 2, 2, 0, 0])
    length = np.array([5.0, 3.0, 4.0, 10.0, 1.0, 9.0, 6.0])
    time = np.array([1.0, 2.0, 1.0, 1.0, 1.0, 4.0, 5.0])
    graph = engine.build_graph(3, u, v, length, time)
    # scipy alone would *add* the parallel entries (5 + 3 = 8 m for 0->1): the case the collapse exists for.
    naive = sp.csr_matrix((length, (u, v)), shape=(3, 3))
    assert naive[0, 1] == 8.0
    assert graph.length[0, 1] == 3.0 and graph.time[0, 1] == 1.0  # each weight's own minimum
    assert graph.length[2, 0] == 6.0 and graph.time[2, 0] == 4.0
    assert graph.length[2, 2] == 0.0  # self-loop dropped
    np.testing.assert_allclose(engine.distances(graph, 0), [0.0, 3.0, 7.0])
    np.testing.assert_allclose(engine.distances(graph, 2), [6.0, 9.0, 0.0])
    np.testing.assert_allclose(engine.distances(graph, 0, reverse=True), [0.0, 10.0, 6.0])  # to node 0
    # networkx on the same multigraph agrees.
    G = nx.MultiDiGraph()
    G.add_weighted_edges_from(zip(u.tolist(), v.tolist(), length.tolist()), weight="length")
    for s in range(3):
        want = nx.single_source_dijkstra_path_length(G, s, weight="length")
        np.testing.assert_allclose(engine.distances(graph, s), [want[k] for k in range(3)])
    assert not np.allclose(dijkstra(naive, indices=0), engine.distances(graph, 0))


def test_zero_length_edges_stay_in_the_graph():
    graph = engine.build_graph(3, np.array([0, 1]), np.array([1, 2]), np.array([0.0, 2.0]), np.array([0.0, 1.0]))
    d = engine.distances(graph, 0)
    assert np.isfinite(d).all() and d[2] == pytest.approx(2.0, abs=1e-6)


def test_limit_is_inclusive_like_networkx_cutoff():
    graph = engine.build_graph(3, np.array([0, 1]), np.array([1, 2]), np.array([5.0, 2.5]), np.array([1.0, 1.0]))
    assert np.isfinite(engine.distances(graph, 0, limit=7.5)).all()
    assert np.isinf(engine.distances(graph, 0, limit=7.4999)[2])
    mi, si, d = engine.pairs_within(graph, np.array([0]), np.array([2]), 7.5)
    assert d.tolist() == [7.5]


def test_pairs_within_expands_shared_nodes_on_a_line():
    # A one-way line 0 -> 1 -> 2 -> 3 of 100 m edges; brute force by hand.
    graph = engine.build_graph(4, np.array([0, 1, 2]), np.array([1, 2, 3]), np.full(3, 100.0), np.ones(3))
    sources = np.array([0, 0, 2, 3])
    targets = np.array([3, 1, 1])  # fewer distinct targets than sources: reverse search
    mi, si, d = engine.pairs_within(graph, sources, targets, 250.0)
    assert list(zip(mi.tolist(), si.tolist(), d.tolist())) == [
        (0, 1, 100.0), (0, 2, 100.0), (1, 1, 100.0), (1, 2, 100.0), (2, 0, 100.0), (3, 0, 0.0)]
    # Same answer searching forward (more distinct targets than sources).
    mi2, si2, d2 = engine.pairs_within(graph, np.array([0, 2]), np.array([3, 1, 1, 2]), 250.0)
    assert list(zip(mi2.tolist(), si2.tolist(), d2.tolist())) == [
        (0, 1, 100.0), (0, 2, 100.0), (0, 3, 200.0), (1, 0, 100.0), (1, 3, 0.0)]


# ----------------------------------------------------------------------------------------------------
# Random directed multigraphs: the SIP file has no one-way streets (every way is two-way, so "to" and
# "from" distances coincide there); direction, parallel edges and self-loops are checked here.

@st.composite
def directed_multigraphs(draw):
    n = draw(st.integers(min_value=2, max_value=25))
    node = st.integers(min_value=0, max_value=n - 1)
    edges = draw(st.lists(st.tuples(node, node, st.floats(min_value=0.5, max_value=500.0),
                                    st.floats(min_value=0.1, max_value=60.0)), min_size=1, max_size=80))
    return n, edges


@settings(max_examples=60, deadline=None, derandomize=True)
@given(g=directed_multigraphs(), limit=st.floats(min_value=1.0, max_value=2000.0),
       picks=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=5),
       others=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=5))
def test_directed_multigraph_queries_equal_networkx(g, limit, picks, others):
    n, edges = g
    u, v, length, time = (np.array(c) for c in zip(*edges))
    graph = engine.build_graph(n, u, v, length, time)
    G = nx.MultiDiGraph()
    G.add_nodes_from(range(n))
    for a, b, w, t in edges:
        G.add_edge(int(a), int(b), length=float(w), time=float(t))
    R = G.reverse(copy=False)

    def expect(H, s):
        return nx.single_source_dijkstra_path_length(H, s, cutoff=limit, weight="length")

    sources = np.array([p % n for p in picks])
    for reverse, H in ((False, G), (True, R)):
        for part, rows in engine.distance_rows(graph, sources, limit=limit, reverse=reverse, chunk=2):
            for s, row in zip(part, rows):
                assert_row_matches(row, expect(H, int(s)))
        dist, nearest = engine.nearest_source(graph, sources, limit=limit, reverse=reverse)
        best: dict[int, float] = {}
        for s in np.unique(sources):
            for node, d in expect(H, int(s)).items():
                best[node] = min(d, best.get(node, np.inf))
        assert_row_matches(dist, best)
        for node in np.flatnonzero(np.isfinite(dist)):
            assert expect(H, int(nearest[node]))[int(node)] == pytest.approx(dist[node], abs=TOL_M)
    # Batch pairs (either search direction, by the sizes drawn) against per-source networkx.
    targets = np.array([o % n for o in others])
    mi, si, d = engine.pairs_within(graph, sources, targets, limit)
    want = {(a, b): expect(G, int(s))[int(t)] for a, s in enumerate(sources) for b, t in enumerate(targets)
            if int(t) in expect(G, int(s))}
    got = {(int(a), int(b)): float(x) for a, b, x in zip(mi, si, d)}
    assert set(got) == set(want)
    for key, x in want.items():
        assert got[key] == pytest.approx(x, abs=TOL_M)
    # The same pairs as a 0/1 matrix over the distinct nodes.
    s_nodes, t_nodes = np.unique(sources), np.unique(targets)
    within = engine.node_pairs_within(graph, s_nodes, t_nodes, limit)
    assert within.shape == (len(s_nodes), len(t_nodes))
    assert {(int(s_nodes[a]), int(t_nodes[b])) for a, b in zip(*within.nonzero())} == \
        {(int(s), int(t)) for s in s_nodes for t in t_nodes if int(t) in expect(G, int(s))}
    # Drive time along the length tree = time summed over the path's (collapsed) edges.
    s0 = int(sources[0])
    dist, pred = engine.distances_with_predecessors(graph, s0, limit=limit)
    reached = np.flatnonzero(np.isfinite(dist))
    costs = engine.cost_along_tree(graph, pred, reached, metric="time")
    for node, c in zip(reached.tolist(), costs.tolist()):
        path = engine.path_from_tree(pred, s0, node)
        want_t = sum(min(e["time"] for e in G.get_edge_data(a, b).values()) for a, b in zip(path[:-1], path[1:]))
        want_l = sum(min(e["length"] for e in G.get_edge_data(a, b).values()) for a, b in zip(path[:-1], path[1:]))
        assert c == pytest.approx(want_t, abs=1e-6)
        assert want_l == pytest.approx(dist[node], abs=TOL_M)


# ----------------------------------------------------------------------------------------------------
# Circuity calibration

def test_circuity_calibration_on_the_real_network(net):
    cal = engine.calibrate_circuity(net.graph, net.arrays["x"], net.arrays["y"])
    assert cal["calibrated"] and cal["pairs"] >= 20
    assert 1.0 < cal["p10"] <= cal["factor"] <= cal["p90"]
    assert 10 < cal["speed_kph"] < 90


def test_circuity_falls_back_without_enough_pairs():
    # Two nodes 100 m apart: no pair reaches the 500 m minimum straight-line distance.
    graph = engine.build_graph(2, np.array([0, 1]), np.array([1, 0]), np.full(2, 120.0), np.full(2, 10.0))
    cal = engine.calibrate_circuity(graph, np.array([0.0, 100.0]), np.array([0.0, 0.0]))
    assert not cal["calibrated"] and cal["factor"] == engine.DEFAULT_CIRCUITY
