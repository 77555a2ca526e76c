"""Bus routes on the real SIP network: path, segment lengths, length check, catchments and the designer,
checked against networkx on the same graph and against brute force; the 科创专线 as honestly known."""

import json

import networkx as nx
import numpy as np
import pytest
from pyproj import Transformer

from supplychain import route, routedesign
from supplychain.cli import main
from supplychain.errors import InputError
from supplychain.registry import Entity, store_entities
from supplychain.workspace import Workspace

from .conftest import SIP_LABELS

SPEED = route.BUS_SPEED_KPH / 3.6


def labels() -> dict[str, list[tuple[float, float]]]:
    """Label name -> its points, in file order (read from ../shared/geo, never copied)."""
    out: dict[str, list] = {}
    for f in json.loads(SIP_LABELS.read_text(encoding="utf-8"))["features"]:
        out.setdefault(f["properties"]["name"], []).append(tuple(f["geometry"]["coordinates"]))
    return out


LABELS = labels()
# Stops at road-name labels of the SIP core (星湖街 ... 长阳街), west to east.
ROAD_STOPS = [("星湖街", 5), ("钟园路", 14), ("琉璃街", 3), ("东沙湖路", 0), ("长阳街", 0)]


def pt(name, i=0):
    return LABELS[name][i]


class Independent:
    """Snapping and shortest paths recomputed from the osmnx graph, without the product's cache."""

    def __init__(self, G):
        self.G = G
        self.ids = np.array(list(G.nodes))
        to_m = Transformer.from_crs("EPSG:4326", "EPSG:32651", always_xy=True)
        self.x, self.y = to_m.transform(np.array([G.nodes[n]["x"] for n in self.ids]),
                                        np.array([G.nodes[n]["y"] for n in self.ids]))
        self.to_m = to_m

    def snap(self, lon, lat):
        x, y = self.to_m.transform(lon, lat)
        d = np.hypot(self.x - x, self.y - y)
        i = int(np.argmin(d))
        return int(self.ids[i]), float(d[i])

    def length(self, a, b):
        return nx.shortest_path_length(self.G, a, b, weight="length")


@pytest.fixture(scope="module")
def ind(sip_graph_nx):
    return Independent(sip_graph_nx)


SYNTHETIC = [  # SYNTHETIC entities at community labels: test data only, labelled as such in every field.
    ("syn-inst-1", "institute", ("research",), "湖畔天城社区"), ("syn-firm-1", "firm", ("reducer", "motor"), "水墨社区"),
    ("syn-apt-1", "talent_apartment", (), "海悦社区"), ("syn-apt-2", "talent_apartment", (), "时代上城北社区"),
    ("syn-firm-2", "firm", ("whole_robot",), "时代上城南社区"), ("syn-firm-3", "firm", ("sensor",), "东沙湖社工委"),
    ("syn-apt-3", "talent_apartment", (), "枫情水岸社区"), ("syn-firm-4", "firm", ("reducer",), "九华社区"),
]


def add_synthetic(ws: Workspace) -> None:
    ents = [Entity(id=i, name_zh=f"合成测试{i}", kind=k, name_en=f"SYNTHETIC test entity {i}", categories=c,
                   lon=pt(where)[0], lat=pt(where)[1], precision="exact",
                   source=f"SYNTHETIC test data (tests/test_route.py) at the {where} label", note="synthetic")
            for i, k, c, where in SYNTHETIC]
    store_entities(ws.store, ents, "synthetic-test")
    ws.reload_entities()


@pytest.fixture
def ws(sip_dir):
    return Workspace.open(sip_dir)


def build(ws, rid="t", stops=ROAD_STOPS, stated_km=8):
    route.create_route(ws, rid, "测试线路", stated_length_m=stated_km * 1000)
    for name, i in stops:
        lon, lat = pt(name, i)
        route.add_stop(ws, rid, route.make_stop(ws, lon=lon, lat=lat, name_zh=name))
    return route.get_route(ws, rid)


# ----------------------------------------------------------------------------------------------------

def test_road_path_lengths_and_time_match_networkx(ws, ind):
    build(ws)
    a = route.analyse(ws, "t")
    assert a["distance_method"] == "network" and a["length_complete"] and len(a["segments"]) == 4
    total = 0.0
    for seg, (s1, s2) in zip(a["segments"], zip(ROAD_STOPS[:-1], ROAD_STOPS[1:])):
        (na, _), (nb, _) = ind.snap(*pt(*s1)), ind.snap(*pt(*s2))
        expect = ind.length(na, nb)
        assert seg["distance_method"] == "network"
        assert seg["length_m"] == pytest.approx(expect, abs=0.06)
        assert seg["time_s"] == pytest.approx(expect / SPEED, abs=0.1)
        # The drawn path runs from one snapped node to the other along the edges' geometry.
        coords = seg["coordinates"]
        assert coords[0] == pytest.approx([ind.G.nodes[na]["x"], ind.G.nodes[na]["y"]], abs=1e-6)
        assert coords[-1] == pytest.approx([ind.G.nodes[nb]["x"], ind.G.nodes[nb]["y"]], abs=1e-6)
        drawn = sum(_gc(p, q) for p, q in zip(coords[:-1], coords[1:]))
        assert drawn == pytest.approx(expect, rel=2e-3)
        total += expect
    stops = a["stops"]
    for s, (name, i) in zip(stops, ROAD_STOPS):
        assert s["snap_m"] == pytest.approx(ind.snap(*pt(name, i))[1], abs=0.1)
    assert a["length_m"] == pytest.approx(total, abs=0.2)
    assert a["time_s"] == pytest.approx(total / SPEED + 3 * route.DWELL_S, abs=0.5)
    # The length check against the 8 km stated: tolerance min(20 %, 1.5 km) = 1.5 km.
    chk = a["length_check"]
    assert chk["tolerance_m"] == 1500.0
    assert chk["difference_m"] == pytest.approx(total - 8000, abs=0.2)
    assert chk["flagged"] == bool(abs(total - 8000) > 1500) and chk["status"] == ("flagged" if chk["flagged"] else "ok")
    # The GeoJSON view: ordered stops, one LineString per segment, one path, catchment areas.
    g = route.route_geojson(ws, "t")
    roles = [f["properties"]["role"] for f in g["features"]]
    assert roles[:5] == ["stop"] * 5 and roles.count("segment") == 4 and roles.count("path") == 1
    assert [f["properties"]["seq"] for f in g["features"][:5]] == [1, 2, 3, 4, 5]
    areas = [f for f in g["features"] if f["properties"]["role"] == "catchment"]
    assert len(areas) == 10 and {f["properties"]["walk_m"] for f in areas} == {500, 800}
    assert g["length_m"] == a["length_m"] and g["distance_method"] == "network"


def _gc(p, q):
    """Great-circle metres (osmnx's formula) between two lon/lat points."""
    import osmnx as ox

    return float(ox.distance.great_circle(p[1], p[0], q[1], q[0]))


def test_length_check_rule():
    assert route.length_check(8000, 9400, True)["status"] == "ok"  # 1.4 km < 1.5 km
    assert route.length_check(8000, 9600, True)["flagged"]
    assert route.length_check(8000, 6400, True)["flagged"]
    assert route.length_check(2000, 2500, True)["flagged"]  # 20 % of 2 km = 400 m
    assert route.length_check(8000, 5000, False)["status"] == "incomplete"
    assert route.length_check(8000, 9800, False)["status"] == "flagged"  # the measured part alone is too long
    assert route.length_check(8000, None, False)["status"] == "unmeasurable"
    assert route.length_check(None, 5000, True)["status"] == "no_stated_length"


def test_catchments_match_networkx_and_mark_estimated(ws, ind):
    add_synthetic(ws)
    build(ws)
    a = route.analyse(ws, "t", walk_m="500,800")
    stop_nodes = [ind.snap(*pt(n, i))[0] for n, i in ROAD_STOPS]
    on_net = {}
    for e in ws.located:
        node, snap = ind.snap(e.lon, e.lat)
        if snap <= ws.snap_limit_m:
            on_net[e.id] = [snap + ind.length(node, s) for s in stop_nodes]
    assert {"elite-robots", "zelos", "cs-embodied-park"} <= set(on_net) and "leaderdrive" not in on_net
    exact = {eid for eid in on_net if ws.by_id[eid].precision == "exact"}
    street = {eid for eid in on_net if ws.by_id[eid].precision == "street"}
    upper = ws.estimator.calibration["p90"]
    for eid in street:  # a 300 m disc: served only when even its far side is within the walk
        on_net[eid] = [w + upper * 300.0 for w in on_net[eid]]
    for k, stop in enumerate(a["stops"]):
        for w in ("500", "800"):
            got = {m["id"]: m for m in stop["catchment"][w]}
            within = {eid for eid, m in got.items() if m["verdict"] == "within"}
            expect = {eid for eid in exact | street if on_net[eid][k] <= float(w)}
            assert within == expect, (stop["name_zh"], w)
            for eid, m in got.items():
                lo, hi = m["road_m_range"]
                if eid in street and m["verdict"] == "within":
                    assert hi == pytest.approx(on_net[eid][k], abs=0.3)
                elif eid in exact:
                    assert m["walk_m"] == pytest.approx(on_net[eid][k], abs=0.2) and lo == hi == m["walk_m"]
                    assert m["distance_method"] == "network"
                else:  # an imprecise entity is never served on its reference point alone
                    assert m["verdict"] == "undetermined" and lo <= float(w) < (hi if hi is not None else 1e12)
                    assert "precision" in m["uncertain_because"] or "off the network" in m["uncertain_because"]
    cov = a["coverage"]["800"]
    served = {s["id"] for s in cov["served"]}
    assert served == {eid for eid in exact | street if min(on_net[eid]) <= 800}
    assert {s["id"] for s in cov["undetermined"]} & served == set()
    assert {s["id"] for s in cov["not_served"]} == {e.id for e in ws.located} - served - {
        s["id"] for s in cov["undetermined"]}
    off = {s["id"]: s for s in cov["not_served"]}["leaderdrive"]
    assert "off the network" in off["uncertain_because"]
    # Counts by kind and category follow from the served set.
    kinds = {k: sorted(v) for k, v in cov["by_kind"].items()}
    for kind, ids in kinds.items():
        assert all(ws.by_id[i].kind == kind for i in ids)
    assert cov["talent_apartments"] == kinds.get("talent_apartment", [])
    assert cov["makers"]["total"] == sum("whole_robot" in ws.by_id[i].categories for i in served)
    for c, v in cov["suppliers_by_category"].items():
        assert v["total"] == sum(c in ws.by_id[i].categories for i in served)
    assert any(s.startswith("syn-apt") for s in served)  # the instance exercises talent apartments


def test_kechuang_shows_what_is_and_is_not_known(ws):
    r = route.get_route(ws)
    assert r.id == "kechuang" and r.stated_length_m == 8000 and r.stop_list == "partial"
    assert [s.entity_id for s in r.stops] == ["hit-sri", "embodied-centre"]  # no invented intermediate stop
    a = route.analyse(ws)
    start, end = a["stops"]
    assert start["located"] and start["precision"] == "district" and "district point" in start["source"]
    assert not end["located"] and end["lon"] is None
    assert a["length_m"] is None and a["distance_method"] is None and a["time_s"] is None
    assert a["missing_segments"] == ["1→2"] and a["segments"][0]["status"] == "missing"
    assert a["length_check"]["status"] == "unmeasurable" and not a["length_check"]["flagged"]
    text = " ".join(a["unknown"])
    assert "not public" in text and "no known location" in text and "cannot be measured" in text
    assert "district precision" in text
    # Whatever the district point is near is at best undetermined (the stop itself stands at 哈工大).
    assert all(m["verdict"] == "undetermined" for m in start["catchment"]["800"] if m["id"] != "hit-sri")
    g = route.route_geojson(ws)
    stops = [f for f in g["features"] if f["properties"]["role"] == "stop"]
    assert stops[1]["geometry"] is None and not any(f["properties"]["role"] == "path" for f in g["features"])


def test_kechuang_follows_the_registry_when_it_learns_a_location(ws, ind):
    """A stop that references an entity stands where the registry puts it (test-only location, labelled)."""
    lon, lat = pt("长阳街")
    e = ws.by_id["embodied-centre"]
    store_entities(ws.store, [Entity(**{**e.__dict__, "lon": lon, "lat": lat, "precision": "street",
                                        "source": "SYNTHETIC test location, not the centre's real location"})], "t")
    ws.reload_entities()
    a = route.analyse(ws)
    assert a["stops"][1]["located"] and a["length_m"] is not None and a["distance_method"] == "estimated"
    assert a["segments"][0]["estimated_because"].startswith("站点 1 不在路网上")
    assert "stop 1 off the network" in a["segments"][0]["estimated_because"]
    # the start is known only to district precision: whether 8 km is right cannot be decided
    assert a["length_check"]["status"] == "undetermined" and not a["length_check"]["flagged"]
    lo, hi = a["length_m_range"]
    assert lo <= a["length_m"] <= hi


def test_editing_changes_the_answer_and_each_edit_is_atomic(ws, ind):
    route.create_route(ws, "v", "方案", copy_from="kechuang")
    v = route.get_route(ws, "v")
    assert [s.entity_id for s in v.stops] == ["hit-sri", "embodied-centre"] and v.stated_length_m == 8000
    s, e = pt("星湖街", 5), pt("长阳街")
    route.move_stop(ws, "v", 1, route.make_stop(ws, lon=s[0], lat=s[1]), name_zh="星湖街站")
    assert route.analyse(ws, "v")["length_m"] is None
    route.move_stop(ws, "v", 2, route.make_stop(ws, lon=e[0], lat=e[1]))
    a2 = route.analyse(ws, "v")
    direct = ind.length(ind.snap(*s)[0], ind.snap(*e)[0])
    assert a2["length_m"] == pytest.approx(direct, abs=0.1) and a2["stops"][0]["name_zh"] == "星湖街站"
    assert a2["stops"][0]["entity_id"] is None  # moved to a point: no longer the registry's HIT point
    m = pt("现代大道", 9)
    r = route.add_stop(ws, "v", route.make_stop(ws, lon=m[0], lat=m[1], name_zh="现代大道站"), at="best")
    assert r.edited_seq == 2
    a3 = route.analyse(ws, "v")
    nm = ind.snap(*m)[0]
    assert a3["length_m"] == pytest.approx(ind.length(ind.snap(*s)[0], nm) + ind.length(nm, ind.snap(*e)[0]), abs=0.2)
    z = route.add_stop(ws, "v", route.make_stop(ws, entity="zelos"), at=2)
    assert [x.name_zh for x in z.stops] == ["星湖街站", "九识智能", "现代大道站", "具身智能机器人综合创新中心"]
    a4 = route.analyse(ws, "v")
    route.reorder_stops(ws, "v", [1, 3, 2, 4])
    a5 = route.analyse(ws, "v")
    assert a5["length_m"] != pytest.approx(a4["length_m"], abs=1)
    route.move_stop(ws, "v", 3, to=2)
    assert route.analyse(ws, "v")["length_m"] == pytest.approx(a4["length_m"], abs=0.01)
    route.remove_stop(ws, "v", 2)
    assert route.analyse(ws, "v")["length_m"] == pytest.approx(a3["length_m"], abs=0.01)
    # A failing edit changes nothing: the new location is valid but the new position is not.
    before = route.get_route(ws, "v")
    with pytest.raises(InputError) as exc:
        route.move_stop(ws, "v", 1, route.make_stop(ws, lon=m[0], lat=m[1]), to=9)
    assert exc.value.field == "to"
    assert route.get_route(ws, "v") == before


def test_geojson_export_import_round_trip(ws):
    build(ws)
    data = route.export_geojson(ws, "t")
    assert data["route"]["id"] == "t" and [f["properties"]["seq"] for f in data["features"]] == [1, 2, 3, 4, 5]
    copy = route.import_geojson(ws, json.loads(json.dumps(data)), route_id="t2")
    assert [(s.name_zh, s.lon, s.lat) for s in copy.stops] == [(s.name_zh, s.lon, s.lat) for s in route.get_route(ws, "t").stops]
    assert route.analyse(ws, "t2")["length_m"] == route.analyse(ws, "t")["length_m"]
    with pytest.raises(InputError) as exc:
        route.import_geojson(ws, data)
    assert exc.value.code == "exists"
    # The measured view imports too (paths and areas are ignored).
    again = route.import_geojson(ws, route.route_geojson(ws, "t"), route_id="t3")
    assert len(again.stops) == 5


def test_seeded_once_per_data_dir(tmp_path):
    ws = Workspace.open(tmp_path, with_network=False)
    assert [r["id"] for r in route.list_routes(ws)] == ["kechuang"]
    route.delete_route(ws, " kechuang ")  # the id is checked stripped, so the delete must use it stripped too
    assert route.list_routes(Workspace.open(tmp_path, with_network=False)) == []
    a = route.analyse(Workspace.open(tmp_path / "other", with_network=False))
    assert a["network"] is None and a["length_m"] is None


# ----------------------------------------------------------------------------------------------------
# The designer

DESIGN_START, DESIGN_END = ("星湖街", 5), ("长阳街", 0)
DESIGN_CANDIDATES = [("钟园路", 7), ("钟园路", 14), ("钟园路", 9), ("琉璃街", 3), ("东沙湖路", 0), ("现代大道", 4),
                     ("东沙湖路", 6)]


def _independent_instance(ws, ind, points, walk):
    """Leg matrix and coverage from networkx alone (entities: every precise on-network one)."""
    nodes = [ind.snap(*p)[0] for p in points]
    tree = {a: nx.single_source_dijkstra_path_length(ind.G, a, weight="length") for a in set(nodes)}
    D = np.array([[tree[a][b] for b in nodes] for a in nodes])
    ents = []
    upper = ws.estimator.calibration["p90"]  # the upper circuity of the imported network
    for e in ws.located:
        node, snap = ind.snap(e.lon, e.lat)
        if snap <= ws.snap_limit_m and e.precision in ("exact", "street"):
            from_entity = nx.single_source_dijkstra_path_length(ind.G, node, weight="length")
            extent = 300.0 if e.precision == "street" else 0.0  # a street-level position: a 300 m disc
            ents.append((e, [snap + from_entity[n] + upper * extent for n in nodes]))
    cover = np.array([[w[k] <= walk for _, w in ents] for k in range(len(nodes))]).reshape(len(nodes), len(ents))
    weights = np.array([routedesign.DEFAULT_KIND_WEIGHTS[e.kind] for e, _ in ents])
    return D, cover, weights


@pytest.mark.parametrize("budget_km", [8.5, 9.0, 10.0])
def test_designer_exact_matches_brute_force_on_the_network(ws, ind, budget_km):
    add_synthetic(ws)
    points = [pt(*DESIGN_START)] + [pt(*c) for c in DESIGN_CANDIDATES] + [pt(*DESIGN_END)]
    ans = routedesign.design(ws, start="%f,%f" % points[0], end="%f,%f" % points[-1],
                             candidates=["%f,%f" % p for p in points[1:-1]], budget_km=budget_km, walk_m=500)
    assert ans["method"] == routedesign.EXACT and ans["optimal"] and ans["feasible"]
    D, cover, w = _independent_instance(ws, ind, points, 500)
    brute = routedesign.solve_brute_force(D, cover, w, budget_km * 1000)
    assert ans["objective"] == pytest.approx(brute["value"])
    assert ans["length_m"] == pytest.approx(brute["length"], abs=0.5)
    assert ans["length_m"] <= budget_km * 1000
    # The suggestion, measured as a route, has the length the designer promised.
    assert ans["route"]["length_m"] == pytest.approx(ans["length_m"], abs=0.5)
    rows = {v["id"]: v for v in ans["variants"]}
    assert rows["design"]["objective"] >= rows["direct"]["objective"]


def test_designer_budget_changes_the_answer_and_saves_a_variant(ws):
    add_synthetic(ws)
    kw = dict(start="%f,%f" % pt(*DESIGN_START), end="%f,%f" % pt(*DESIGN_END),
              candidates=["%f,%f" % pt(*c) for c in DESIGN_CANDIDATES], walk_m=500)
    small, large = routedesign.design(ws, budget_km=8, **kw), routedesign.design(ws, budget_km=11, save_as="d1", **kw)
    assert small["objective"] < large["objective"] and len(small["sequence"]) < len(large["sequence"])
    saved = route.analyse(ws, "d1", walk_m=500)
    assert saved["length_m"] == pytest.approx(large["length_m"], abs=0.5)
    assert {s["id"] for s in saved["coverage"]["500"]["served"] if s["distance_method"] == "network"} == set(large["served"])
    side = route.compare(ws, ["kechuang", "d1"])
    assert [r["id"] for r in side["routes"]] == ["kechuang", "d1"] and side["routes"][1]["length_m"] is not None


def test_designer_heuristic_beyond_the_exact_limit(ws):
    add_synthetic(ws)
    cands = [pt(*c) for c in DESIGN_CANDIDATES] + [pt("钟园路", i) for i in (8, 10, 12)] + [pt("现代大道", i) for i in (3, 9)]
    assert len(cands) > routedesign.EXACT_LIMIT
    kw = dict(start="%f,%f" % pt(*DESIGN_START), end="%f,%f" % pt(*DESIGN_END),
              candidates=["%f,%f" % p for p in cands], budget_km=9, walk_m=500)
    h = routedesign.design(ws, **kw)
    assert h["method"] == routedesign.HEURISTIC and not h["optimal"] and "not proven optimal" in h["method_note"]
    assert h["length_m"] <= 9000
    exact = routedesign.design(ws, method="exact", **kw)
    assert h["objective"] <= exact["objective"] + 1e-9


def test_exact_solver_matches_brute_force_on_random_instances():
    rng = np.random.default_rng(7)
    for _ in range(40):
        k, R = int(rng.integers(0, 7)), int(rng.integers(1, 9))
        xy = rng.uniform(0, 3000, (k + 2, 2))
        D = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) * rng.uniform(1, 1.4, (k + 2, k + 2))
        np.fill_diagonal(D, 0)
        cover, w = rng.random((k + 2, R)) < 0.3, rng.integers(1, 4, R).astype(float)
        budget = float(rng.uniform(1000, 9000))
        a = routedesign.solve_exact(D, cover, w, budget)
        b = routedesign.solve_brute_force(D, cover, w, budget)
        assert a["feasible"] == b["feasible"] and a["value"] == pytest.approx(b["value"])
        assert a["length"] == pytest.approx(b["length"])
        assert routedesign.sequence_length(D, a["sequence"]) == pytest.approx(a["length"])
        h = routedesign.solve_heuristic(D, cover, w, budget)
        assert h["feasible"] == a["feasible"] and h["value"] <= a["value"] + 1e-9
        assert not h["feasible"] or routedesign.sequence_length(D, h["sequence"]) <= budget + 1e-6


# ----------------------------------------------------------------------------------------------------
# Bad input

def test_bad_input_names_the_field(ws):
    build(ws)
    cases = [
        (lambda: route.analyse(ws, "nope"), "route_id", "not_found"),
        (lambda: route.remove_stop(ws, "t", 9), "seq", "out_of_range"),
        (lambda: route.remove_stop(ws, "t", 0), "seq", "out_of_range"),
        (lambda: route.move_stop(ws, "t", "x", to=1), "seq", "invalid"),
        (lambda: route.add_stop(ws, "t", route.make_stop(ws, lon=121.6, lat=31.2)), "lon", "out_of_area"),
        (lambda: route.make_stop(ws, lon=2.35, lat=48.85), "lon", "out_of_area"),
        (lambda: route.make_stop(ws, lon=31.32, lat=120.72), "lat", "swapped"),
        (lambda: route.make_stop(ws, entity="no-such-firm"), "entity", "not_found"),
        (lambda: route.create_route(ws, "t", "重复"), "route_id", "exists"),
        (lambda: route.create_route(ws, "bad id!", "x"), "route_id", "invalid"),
        (lambda: route.analyse(ws, "t", walk_m="0"), "walk_m", "out_of_range"),
        (lambda: route.reorder_stops(ws, "t", [1, 1, 2, 3, 4]), "order", "out_of_range"),
        (lambda: routedesign.design(ws, base_route="kechuang"), "end", "unlocated"),
        (lambda: routedesign.design(ws, start="elite-robots", end="embodied-centre"), "end", "unlocated"),
        (lambda: routedesign.design(ws, start="elite-robots", end="zelos", budget_km=-1), "budget_km", "out_of_range"),
        (lambda: route.import_geojson(ws, {"type": "FeatureCollection", "route": {"id": "x", "name_zh": "x"},
                                           "features": [{"type": "Feature", "geometry": None,
                                                         "properties": {}}]}),
         "features[0].properties.name_zh", "missing"),
    ]
    for call, field, code in cases:
        with pytest.raises(InputError) as exc:
            call()
        assert (exc.value.field, exc.value.code) == (field, code), exc.value.message


# ----------------------------------------------------------------------------------------------------
# The command line end to end

def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_route_end_to_end(capsys, sip_dir, tmp_path):
    d = ("--data-dir", str(sip_dir))
    code, out, _ = run(capsys, *d, "route", "show")
    assert code == 0 and "吴中科创专线" in out and "unlocated" in out and "not public" in out
    code, out, _ = run(capsys, *d, "route", "show", "--format", "json")
    assert json.loads(out)["length_m"] is None
    assert run(capsys, *d, "route", "create", "v", "--name", "方案一", "--from", "kechuang")[0] == 0
    s, e = pt("星湖街", 5), pt("长阳街")
    assert run(capsys, *d, "route", "move-stop", "v", "1", "--lon", str(s[0]), "--lat", str(s[1]))[0] == 0
    code, out, _ = run(capsys, *d, "route", "move-stop", "v", "2", "--lon", str(e[0]), "--lat", str(e[1]),
                       "--format", "json")
    first = json.loads(out)
    assert code == 0 and first["length_m"] > 0 and first["distance_method"] == "network"
    m = pt("现代大道", 9)
    code, out, _ = run(capsys, *d, "route", "add-stop", "v", "--lon", str(m[0]), "--lat", str(m[1]),
                       "--name", "现代大道站", "--at", "2")
    assert code == 0 and "added stop 2 现代大道站" in out and "length check" in out
    code, out, _ = run(capsys, *d, "route", "show", "v", "--format", "json")
    assert json.loads(out)["length_m"] > first["length_m"]
    code, out, _ = run(capsys, *d, "route", "compare", "kechuang", "v")
    assert code == 0 and "kechuang" in out and "方案一" in out
    f = tmp_path / "v.geojson"
    assert run(capsys, *d, "route", "export", "v", "-o", str(f))[0] == 0
    code, out, _ = run(capsys, *d, "route", "import", str(f), "--id", "w", "--format", "json")
    assert code == 0 and json.loads(out)["length_m"] == json.loads(
        run(capsys, *d, "route", "show", "v", "--format", "json")[1])["length_m"]
    code, out, _ = run(capsys, *d, "route", "list", "--format", "json")
    assert {r["id"] for r in json.loads(out)} == {"kechuang", "v", "w"}
    code, out, _ = run(capsys, *d, "route", "design", "--route", "v", "--candidate", "zelos",
                       "--candidate", "%f,%f" % pt("钟园路", 10), "--count-estimated", "--format", "json")
    ans = json.loads(out)
    assert code == 0 and ans["method"] == routedesign.EXACT and ans["budget_m"] == 8000
    code, _, err = run(capsys, *d, "route", "remove-stop", "v", "7")
    assert code == 2 and err.strip().startswith("输入有误 input error (seq):") and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, *d, "route", "show", "nope")
    assert code == 2 and "unknown route 'nope'" in err
    code, _, err = run(capsys, *d, "route", "add-stop", "v", "--lon", "121.9", "--lat", "31.2")
    assert code == 2 and "(lon)" in err


# ----------------------------------------------------------------------------------------------------
# The HTTP API and the page

@pytest.fixture
def client(ws):
    """A test client that carries the edit token (writes need it; tests/test_security.py checks that)."""
    from supplychain import edittoken
    from webapp import create_app

    c = create_app(workspace=ws, testing=True).test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = "Bearer " + edittoken.edit_token(ws.data_dir)
    return c


def test_api_kechuang_has_the_contract_shape(client):
    r = client.get("/api/routes/kechuang")
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    g = r.get_json()
    assert g["type"] == "FeatureCollection" and g["length_m"] is None and g["distance_method"] is None
    stops = [f for f in g["features"] if f["properties"]["role"] == "stop"]
    assert [f["properties"]["seq"] for f in stops] == [1, 2] and stops[1]["geometry"] is None
    assert "catchment" in stops[0]["properties"] and set(stops[0]["properties"]["catchment"]) == {"500", "800"}
    assert g["missing_segments"] == ["1→2"] and g["unknown"]


def test_api_edits_update_path_check_and_catchments(client, ind):
    s, e, m = pt("星湖街", 5), pt("长阳街"), pt("现代大道", 9)
    r = client.post("/api/routes", json={"id": "web", "name_zh": "网页方案", "copy_from": "kechuang"})
    assert r.status_code == 201 and r.get_json()["route"]["stop_list"] == "design"
    client.patch("/api/routes/web/stops/1", json={"lon": s[0], "lat": s[1]})
    g = client.patch("/api/routes/web/stops/2", json={"lon": e[0], "lat": e[1]}).get_json()
    direct = ind.length(ind.snap(*s)[0], ind.snap(*e)[0])
    assert g["length_m"] == pytest.approx(direct, abs=0.1) and g["distance_method"] == "network"
    assert any(f["properties"]["role"] == "path" for f in g["features"])
    r = client.post("/api/routes/web/stops", json={"lon": m[0], "lat": m[1], "name_zh": "现代大道站", "at": "best"})
    g2 = r.get_json()
    assert r.status_code == 201 and [s_["name_zh"] for s_ in g2["stops"]][1] == "现代大道站"
    assert g2["length_m"] > g["length_m"] and g2["length_check"]["measured_m"] == g2["length_m"]
    assert "catchment" in g2["stops"][1]
    g3 = client.put("/api/routes/web/order", json={"order": [2, 1, 3]}).get_json()
    assert g3["length_m"] != pytest.approx(g2["length_m"], abs=1)
    g4 = client.delete("/api/routes/web/stops/1").get_json()
    assert g4["length_m"] == pytest.approx(direct, abs=0.1)
    cmp_ = client.get("/api/routes/compare?ids=kechuang,web").get_json()
    assert [x["id"] for x in cmp_["routes"]] == ["kechuang", "web"]
    d = client.post("/api/routes/design", json={"base_route": "web", "candidates": [{"lon": m[0], "lat": m[1]}],
                                                "budget_km": 12}).get_json()
    assert d["method"] == routedesign.EXACT and d["length_m"] <= 12000


def test_api_errors_are_json_naming_the_field(client):
    cases = [
        (client.get("/api/routes/nope"), 404, "route_id"),
        (client.delete("/api/routes/kechuang/stops/5"), 400, "seq"),
        (client.post("/api/routes/kechuang/stops", json={"lon": 121.9, "lat": 31.2}), 400, "lon"),
        (client.post("/api/routes/kechuang/stops", data="x"), 400, "body"),
        (client.get("/api/routes/kechuang?walk_m=9999"), 400, "walk_m"),
        (client.post("/api/routes/design", json={"base_route": "kechuang"}), 422, "end"),
        (client.post("/api/routes/design", json={"bogus": 1}), 400, "bogus"),
    ]
    for r, status, field in cases:
        assert r.status_code == status and r.get_json()["error"]["field"] == field, r.get_json()


def test_route_page_renders_without_other_hosts(client):
    r = client.get("/route")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "route.js" in html and "科创专线" in html
    import re

    assert not re.findall(r'(?:src|href)="(?:https?:)?//', html)


def test_designer_says_when_even_the_direct_path_is_over_budget(ws, ind):
    s, e = pt(*DESIGN_START), pt(*DESIGN_END)
    ans = routedesign.design(ws, start="%f,%f" % s, end="%f,%f" % e, candidates=["%f,%f" % pt("钟园路", 14)],
                             budget_km=3)
    direct = ind.length(ind.snap(*s)[0], ind.snap(*e)[0])
    assert not ans["feasible"] and "exceeds the budget" in ans["message"]
    assert ans["length_m"] == pytest.approx(direct, abs=0.5) and [v["length_m"] for v in ans["variants"]][0] > 3000
    json.dumps(ans, allow_nan=False)  # no Infinity in the answer
