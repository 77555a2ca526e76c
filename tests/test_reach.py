"""Supplier queries, the sourcing check and isochrones, checked against networkx on the same graph."""

import networkx as nx
import numpy as np
import pytest
import shapely

from supplychain import isochrone, reach, registry, sourcing, synthetic
from supplychain.errors import InputError
from supplychain.network import Network
from supplychain.workspace import Workspace

CATS = ["reducer", "motor", "sensor", "battery", "joint_module"]


def node_at(net: Network, e) -> int:
    """The network node a synthetic entity stands on (same coordinates exactly), found without snapping."""
    return int(np.flatnonzero((net.arrays["lon"] == e.lon) & (net.arrays["lat"] == e.lat))[0])


@pytest.fixture
def syn_ws(sip_dir, tmp_path):
    """The SIP data dir plus 60 SYNTHETIC suppliers (CATS in turn) and 12 makers needing CATS[:4], on distinct
    nodes, imported through a registry CSV; and the node each synthetic entity stands on."""
    ws = Workspace.open(sip_dir)
    entities = synthetic.makers_and_suppliers(ws.network, n_makers=12, n_suppliers=60, seed=3, categories=CATS,
                                              needs=CATS[:4])
    registry.import_file(ws.store, synthetic.write_csv(entities, tmp_path / "syn.csv"))
    ws.reload_entities()
    return ws, {e.id: node_at(ws.network, e) for e in entities}


def nx_graph(net: Network) -> nx.DiGraph:
    """A networkx DiGraph rebuilt from the cache arrays (index-labelled), for independent Dijkstra."""
    a = net.arrays
    rows = np.repeat(np.arange(net.n_nodes), np.diff(a["indptr"]))
    G = nx.DiGraph()
    G.add_weighted_edges_from(zip(rows.tolist(), a["indices"].tolist(), a["length_m"].tolist()), weight="length")
    return G


def test_suppliers_within_matches_networkx(syn_ws, sip_graph_nx):
    ws, node_of = syn_ws
    osmid = ws.network.arrays["osmid"]
    rng = np.random.default_rng(11)
    for _ in range(5):
        lon, lat = rng.uniform(120.69, 120.77), rng.uniform(31.30, 31.34)
        radius_km = float(rng.uniform(1, 6))
        for category in (None, "reducer"):
            ans = reach.suppliers_within(ws, lon=lon, lat=lat, radius_km=radius_km, category=category)
            origin_node = ws.snap_point(lon, lat)[0]
            # networkx on the osmnx graph itself (multi-edges: it takes the minimum), keyed by OSM ids.
            ref = nx.single_source_dijkstra_path_length(sip_graph_nx, int(osmid[origin_node]),
                                                        cutoff=radius_km * 1000, weight="length")
            want = {eid: ref[int(osmid[n])] for eid, n in node_of.items()
                    if int(osmid[n]) in ref
                    and (category is None or ws.by_id[eid].categories == (category,))
                    and "whole_robot" not in ws.by_id[eid].categories}
            got = {r["id"]: r["road_m"] for r in ans["results"] if r["id"] in node_of}
            assert set(got) == set(want)
            for k in got:
                assert got[k] == pytest.approx(want[k], abs=0.051)  # answers are rounded to 0.1 m
            key = [r["road_m"] if r["road_m"] is not None else 0.5 * (r["road_m_range"][0] + r["road_m_range"][1])
                   for r in ans["results"]]
            assert key == sorted(key)
            for r in ans["results"]:
                if r["id"] in node_of:  # exact points measured on the network: no uncertainty
                    assert r["distance_method"] == "network" and r["verdict"] == "within"
                    assert r["road_m_range"] == [r["road_m"], r["road_m"]]


def test_drive_time_belongs_to_the_drawn_path(syn_ws):
    ws, _ = syn_ws
    ans = reach.suppliers_within(ws, lon=120.73, lat=31.32, radius_km=5, with_paths=True)
    r = ans["results"][-1]
    assert r["time_s"] > 0 and len(r["path"]) >= 2
    from supplychain.coords import haversine_m
    c = np.array(r["path"])
    drawn = haversine_m(c[:-1, 0], c[:-1, 1], c[1:, 0], c[1:, 1]).sum()
    assert drawn == pytest.approx(r["road_m"], rel=0.01)
    # Speeds are between 10 and 80 km/h, so time must be between road/80 and road/10.
    assert r["road_m"] / (80 / 3.6) <= r["time_s"] <= r["road_m"] / (10 / 3.6)


def test_entity_origin_excludes_itself_and_off_network_uses_estimated(sip_ws):
    ans = reach.suppliers_within(sip_ws, entity="elite-robots", radius_km=40)
    assert ans["origin"]["entity"] == "elite-robots" and ans["distance_method"] == "network"
    assert "elite-robots" not in {r["id"] for r in ans["results"]}
    leader = next(r for r in ans["results"] if r["id"] == "leaderdrive")  # 木渎: far off the SIP network
    assert leader["distance_method"] == "estimated"
    assert leader["road_m"] == pytest.approx(leader["straight_m"] * sip_ws.estimator.factor, abs=0.2)
    assert ans["estimator"]["circuity_factor"] == sip_ws.estimator.factor
    assert {u["id"] for u in ans["unlocated"]} == {"jodell"}


def test_estimated_mode_without_a_network(tmp_path):
    ws = Workspace.open(tmp_path)
    assert ws.network is None
    ans = reach.suppliers_within(ws, entity="ecovacs", radius_km=15)
    assert ans["distance_method"] == "estimated"
    for r in ans["results"]:
        assert r["distance_method"] == "estimated"
        assert r["road_m"] == pytest.approx(r["straight_m"] * 1.3, abs=0.2)
    assert ans["estimator"]["circuity_factor"] == 1.3 and not ans["estimator"]["calibrated_on_network"]


@pytest.mark.parametrize("kwargs,field", [
    (dict(lon="abc", lat=31.3), "lon"),
    (dict(lon=120.7), "lat"),
    (dict(lon=31.3, lat=120.7), "lat"),
    (dict(lon=2.35, lat=48.85), "lon"),
    (dict(lon=113.26, lat=23.13), "lon"),  # 广州: in China, far outside the study area
    (dict(lon=120.72, lat=31.32, radius_km=0), "radius_km"),
    (dict(lon=120.72, lat=31.32, radius_km=500), "radius_km"),
    (dict(lon=120.72, lat=31.32, category="teleporter"), "category"),
    (dict(entity="no-such-firm"), "entity"),
    (dict(entity="embodied-centre"), "entity"),
    (dict(), "lon"),
])
def test_bad_query_input_names_the_field(sip_ws, kwargs, field):
    with pytest.raises(InputError) as exc:
        reach.suppliers_within(sip_ws, **kwargs)
    assert exc.value.field == field and exc.value.status in (400, 404, 422)


def test_sourcing_matches_brute_force(syn_ws):
    ws, node_of = syn_ws
    G = nx_graph(ws.network)
    ans = sourcing.sourcing_check(ws, radius_km=3)
    syn_makers = [m for m in ans["makers"] if m["id"] in node_of]
    assert len(syn_makers) == 12
    suppliers = {c: [eid for eid in node_of if ws.by_id[eid].categories == (c,)] for c in CATS}
    for m in syn_makers:
        dist = nx.single_source_dijkstra_path_length(G, node_of[m["id"]], cutoff=3000, weight="length")
        covered = {c["category"]: c for c in m["covered"]}
        undetermined = {u["category"]: u for u in m["undetermined"]}
        for c in CATS[:4]:
            best = min((dist[node_of[s]] for s in suppliers[c] if node_of[s] in dist), default=None)
            if best is None:  # no synthetic (exact) supplier within 3 km: only the seed's imprecise ones may be
                assert c in m["missing"] or c in undetermined
                for k in undetermined.get(c, {"candidates": []})["candidates"]:
                    lo, hi = k["road_m_range"]
                    assert lo <= 3000 and (hi is None or hi > 3000)
                    assert ws.by_id[k["supplier_id"]].precision != "exact"
            else:
                assert covered[c]["road_m"] == pytest.approx(best, abs=0.051)
                assert covered[c]["distance_method"] == "network" and covered[c]["verdict"] == "within"
        assert m["rate_certain"] == pytest.approx(len(m["covered"]) / 4)
        assert m["rate_possible"] == pytest.approx((len(m["covered"]) + len(m["undetermined"])) / 4)
    s = ans["summary"]
    assert s["makers"] == len(ans["makers"])
    assert s["fully_covered_certain"] == sum(1 for m in ans["makers"] if not m["missing"] and not m["undetermined"])
    assert s["fully_covered_possible"] == sum(1 for m in ans["makers"] if not m["missing"])
    for c, v in s["per_category"].items():
        assert v["lacking"] == sum(1 for m in ans["makers"] if c in m["missing"])
        assert v["covered"] + v["undetermined"] + v["lacking"] == v["needed_by"]


def test_sourcing_on_the_seed_registry_is_honest_about_precision(sip_ws):
    ans = sourcing.sourcing_check(sip_ws)
    ids = {m["id"] for m in ans["makers"]}
    assert {"ecovacs", "magiclab", "dreame", "elite-robots"} <= ids
    assert {m["id"] for m in ans["unlocated_makers"]} == {"leju"}
    magic = next(m for m in ans["makers"] if m["id"] == "magiclab")
    in_house = {c["category"] for c in magic["covered"] if c["in_house"]}
    assert in_house == {"joint_module", "dexterous_hand"}  # MagicLab makes its own joints and hands
    assert ans["summary"]["caveat"] and ans["summary"]["registry_note"]
    assert set(ans["summary"]["settle_by_locating"]) >= {"magiclab", "inovance-suzhou"}
    for m in ans["makers"]:
        for c in m["covered"]:
            lo, hi = c["road_m_range"]
            assert c["verdict"] == "within" and hi <= 10_000


def test_isochrone_follows_the_roads(sip_ws):
    fc = isochrone.isochrones(sip_ws, lon=120.72, lat=31.32, breaks="2,4")
    assert [f["properties"]["break"] for f in fc["features"]] == [4.0, 2.0]
    net = sip_ws.network
    origin = sip_ws.snap_point(120.72, 31.32)[0]
    from supplychain import engine
    dist = engine.distances(net.graph, origin)
    for f in fc["features"]:
        poly = shapely.geometry.shape(f["geometry"])
        b = f["properties"]["break"] * 1000
        inside = dist <= b
        assert f["properties"]["nodes_reached"] == int(inside.sum())
        # Every reached node is inside its polygon...
        assert shapely.contains_xy(poly, net.arrays["lon"][inside], net.arrays["lat"][inside]).all()
        # ... and the polygon is a service area, not a convex hull of them.
        hull = shapely.multipoints(np.column_stack([net.arrays["lon"][inside], net.arrays["lat"][inside]])).convex_hull
        assert poly.area < 0.9 * hull.buffer(0.0007).area
        assert f["properties"]["distance_method"] == "network"


def test_isochrone_by_time_and_estimated_circle(sip_ws, tmp_path):
    fc = isochrone.isochrones(sip_ws, lon=120.72, lat=31.32, breaks=[5], metric="time")
    assert fc["features"][0]["properties"]["unit"] == "min"
    ws = Workspace.open(tmp_path)
    fc = isochrone.isochrones(ws, entity="ecovacs", breaks=[10])
    f = fc["features"][0]
    assert f["properties"]["distance_method"] == "estimated"
    # A circle of radius 10 km / 1.3 has area pi * (7692 m)^2.
    assert f["properties"]["area_km2"] == pytest.approx(np.pi * (10 / 1.3) ** 2, rel=0.01)
    # surely within 10 km / 1.6 (the default upper circuity), at most 10 km (a road is never shorter)
    assert f["properties"]["radius_m_range"] == [pytest.approx(10_000 / 1.6, abs=0.1), 10_000.0]
    with pytest.raises(InputError):
        isochrone.isochrones(ws, entity="ecovacs", breaks="0")
    with pytest.raises(InputError):
        isochrone.isochrones(ws, entity="ecovacs", breaks="1,2,3,4,5,6,7")
