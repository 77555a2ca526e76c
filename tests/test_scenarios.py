"""What-if scenarios: edits over the registry and routes, never touching them.

Checked against independent expectations: a scenario's sourcing equals the sourcing of a registry with the same
edits really applied (a CSV written here and imported into a separate data dir on the same network); a route's
catchments equal the stored route with the stop really removed; the hand-checkable comparison (a hypothetical
reducer maker at an exact point near a maker made exact) is verified with networkx on the SIP graph.
"""

from __future__ import annotations

import csv
import io
import json
import shutil

import networkx as nx
import pytest

from supplychain import registry, route, scenariocompare, scenariostore, sourcing
from supplychain.cli import main
from supplychain.errors import InputError
from supplychain.store import Store
from supplychain.workspace import Workspace

#: Points on the SIP network (lon, lat), used by the site-planner tests too.
EAST = (120.765, 31.330)
CENTRE = (120.735, 31.320)
WEST = (120.700, 31.312)
ELITE = "elite-robots"  # a maker on the network (street precision in the seed registry)

EDITS = [
    {"op": "add", "name_zh": "假设减速器厂", "categories": ["reducer"], "lon": EAST[0], "lat": EAST[1]},
    {"op": "remove", "id": "zelos"},
    {"op": "move", "id": "lingho", "lon": CENTRE[0], "lat": CENTRE[1], "precision": "exact"},
    {"op": "add", "name_zh": "假设整机", "needs": "reducer;motor;sensor", "lon": WEST[0], "lat": WEST[1]},
]


@pytest.fixture
def ws(sip_dir):
    return Workspace.open(sip_dir)


def _strip_names(x):
    """An answer without display names (a hypothetical entity's name carries its 假设 label)."""
    if isinstance(x, dict):
        return {k: _strip_names(v) for k, v in x.items() if k not in ("name_zh", "name_en", "supplier_name_zh")}
    if isinstance(x, list):
        return [_strip_names(v) for v in x]
    return x


def _applied_registry(ws: Workspace, tmp_path, edits: list[dict]) -> Workspace:
    """The registry with ``edits`` (canonical) really applied, in a new data dir on the same network."""
    rows = list(csv.DictReader(io.StringIO(registry.to_csv(ws.entities))))
    by_id = {r["id"]: r for r in rows}
    for e in edits:
        if e["op"] == "remove":
            del by_id[e["id"]]
        elif e["op"] == "move":
            by_id[e["id"]].update(lon=str(e["lon"]), lat=str(e["lat"]), precision=e["precision"], crs="wgs84",
                                  uncertainty_m="")
        elif e["op"] == "add":
            by_id[e["id"]] = {**{k: "" for k in rows[0]}, "id": e["id"], "name_zh": e["name_zh"], "kind": e["kind"],
                              "categories": ";".join(e["categories"]), "needs": ";".join(e["needs"]),
                              "lon": str(e["lon"]), "lat": str(e["lat"]), "crs": "wgs84",
                              "precision": e["precision"], "source": "test: the scenario's edit applied"}
    path = tmp_path / "applied.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(by_id.values())
    target = tmp_path / "applied"
    shutil.copytree(ws.data_dir, target)
    for p in target.glob("registry.sqlite*"):
        p.unlink()
    store = Store(target)
    registry.import_file(store, path)
    with store.transaction() as conn:
        store.set_meta(conn, "seeded", "test")
    return Workspace.open(target)


def test_scenario_sourcing_equals_the_registry_with_the_edits_applied(ws, tmp_path):
    before = [e.to_dict() for e in registry.load_entities(ws.store)]
    version = ws.store.version()
    s = scenariostore.save(ws, "what-if", EDITS, note="test")
    assert ws.store.version() != version  # a scenario write bumps the data version (servers notice it)
    assert [e["op"] for e in s.edits] == ["add", "remove", "move", "add"]
    sw = scenariostore.workspace_for(ws, "what-if")
    other = _applied_registry(ws, tmp_path, s.edits)
    assert sorted(e.id for e in sw.entities) == sorted(e.id for e in other.entities)
    for radius in (5, 10):
        got = _strip_names(sourcing.sourcing_check(sw, radius_km=radius))
        want = _strip_names(sourcing.sourcing_check(other, radius_km=radius))
        assert got == want
    # The registry itself is untouched.
    assert [e.to_dict() for e in registry.load_entities(ws.store)] == before


def test_add_remove_move_semantics(ws):
    s = scenariostore.save(ws, "sem", EDITS)
    sw = scenariostore.workspace_for(ws, "sem")
    view = sw.scenario
    assert view.added == ["hyp-1", "hyp-2"] and view.removed == ["zelos"] and view.moved == ["lingho"]
    assert "zelos" in ws.by_id and "zelos" not in sw.by_id
    hyp = sw.by_id["hyp-1"]
    assert hyp.name_zh == "假设减速器厂"  # already labelled: no second label
    assert hyp.name_en.startswith("Hypothetical") and "假设 hypothetical" in hyp.source
    assert (hyp.lon, hyp.lat, hyp.precision) == (EAST[0], EAST[1], "exact")
    maker = sw.by_id["hyp-2"]
    assert maker.is_maker and maker.bom == ("reducer", "motor", "sensor")
    moved = sw.by_id["lingho"]
    assert (moved.lon, moved.lat, moved.precision) == (CENTRE[0], CENTRE[1], "exact")
    assert ws.by_id["lingho"].precision == "district"  # the baseline is unchanged
    # Edits apply in order: a later edit sees an earlier one (move the added firm, then remove it).
    s = scenariostore.add_edits(ws, "sem", [{"op": "move", "id": "hyp-1", "lon": WEST[0], "lat": WEST[1]},
                                            {"op": "remove", "id": "hyp-1"}])
    sw = scenariostore.workspace_for(ws, "sem")
    assert "hyp-1" not in sw.by_id and sw.scenario.added == ["hyp-2"] and s.revision == 2
    # A removed entity cannot be moved afterwards.
    with pytest.raises(InputError) as exc:
        scenariostore.add_edits(ws, "sem", [{"op": "move", "id": "zelos", "lon": WEST[0], "lat": WEST[1]}])
    assert exc.value.field == "edits[6].id" and exc.value.status == 404
    # The cache gives the same workspace until the scenario (or the data) changes.
    assert scenariostore.workspace_for(ws, "sem") is sw


def test_route_stop_edits_equal_the_route_really_edited(ws, sip_dir):
    base = route.analyse(ws, "kechuang", with_coordinates=False)
    assert len(base["stops"]) >= 2
    scenariostore.save(ws, "stops", [{"op": "remove_stop", "route": "kechuang", "seq": 1},
                                     {"op": "add_stop", "route": "kechuang", "lon": EAST[0], "lat": EAST[1],
                                      "name_zh": "新站"}])
    sw = scenariostore.workspace_for(ws, "stops")
    got = route.analyse(sw, "kechuang", with_coordinates=False)
    # Independently: the same edits on the stored route of a copy of the data dir.
    copy = sip_dir.parent / "route-copy"
    shutil.copytree(sip_dir, copy)
    other = Workspace.open(copy)
    route.remove_stop(other, "kechuang", 1)
    route.add_stop(other, "kechuang", route.make_stop(other, lon=EAST[0], lat=EAST[1], name_zh="新站"))
    want = route.analyse(other, "kechuang", with_coordinates=False)
    for key in ("length_m", "length_m_range", "distance_method"):
        assert got[key] == want[key]
    for w in want["coverage"]:
        assert ({s["id"] for s in got["coverage"][w]["served"]} == {s["id"] for s in want["coverage"][w]["served"]})
    assert [s["name_zh"] for s in got["stops"]] == [s["name_zh"] for s in want["stops"]]
    # The stored route is unchanged, and a scenario workspace refuses route writes.
    assert len(route.get_route(ws, "kechuang").stops) == len(base["stops"])
    with pytest.raises(InputError) as exc:
        route.remove_stop(sw, "kechuang", 1)
    assert exc.value.code == "scenario_read_only"


def test_compare_a_hypothetical_reducer_next_to_an_exact_maker(ws, sip_graph_nx):
    e = ws.by_id[ELITE]
    scenariostore.save(ws, "reducer", [
        {"op": "move", "id": ELITE, "lon": e.lon, "lat": e.lat, "precision": "exact"},
        {"op": "add", "name_zh": "减速器", "categories": ["reducer"], "lon": EAST[0], "lat": EAST[1]}])
    sw = scenariostore.workspace_for(ws, "reducer")
    ans = scenariocompare.compare(ws, sw, radius_km=10)
    json.dumps(ans)  # plain data
    row = next(m for m in ans["makers"] if m["id"] == ELITE)
    assert "reducer" in row["before"]["missing"] and "reducer" in row["after"]["covered"]
    assert row["newly_covered"] == ["reducer"] and row["lost"] == [] and row["no_longer_missing"] == ["reducer"]
    assert row["status"] == "moved" and row["changed"] and row["after"]["suppliers"]["reducer"] == "hyp-1"
    assert row["after"]["rate_certain"] == pytest.approx(row["before"]["rate_certain"] + 1 / 6, abs=1e-4)
    assert ans["changed_makers"] == [ELITE] and ans["changed"]
    assert ans["summary"]["mean_rate_range"]["changed"] and not ans["summary"]["lacked_by_all"]["changed"]
    # The distance, by networkx on the osmnx graph of the same file: maker's snapped node -> supplier's.
    osmid = ws.network.arrays["osmid"]
    a, _, on_a = ws.snap_point(e.lon, e.lat)
    b, _, on_b = ws.snap_point(*EAST)
    assert on_a and on_b
    want = nx.shortest_path_length(sip_graph_nx, int(osmid[a]), int(osmid[b]), weight="length")
    assert want <= 10_000
    got = next(c for c in sourcing.sourcing_check(sw)["makers"] if c["id"] == ELITE)
    cov = next(c for c in got["covered"] if c["category"] == "reducer")
    assert cov["road_m"] == pytest.approx(want, abs=0.051) and cov["road_m_range"] == [cov["road_m"], cov["road_m"]]
    assert cov["distance_method"] == "network" and cov["verdict"] == "within"
    # At a radius shorter than that road, the same edit covers nothing: the comparison shows no gain.
    short = scenariocompare.compare(ws, sw, radius_km=max(0.1, (want - 50) / 1000))
    assert next(m for m in short["makers"] if m["id"] == ELITE)["newly_covered"] == []


@pytest.mark.parametrize("name,edits,field,code", [
    ("x" * 65, [], "name", "invalid"),
    ("a/b", [], "name", "invalid"),
    (".hidden", [], "name", "invalid"),
    ("ok", [{"op": "remove", "id": "zelos"}] * 201, "edits", "too_many"),
    ("ok", [{"op": "add", "name_zh": "x", "lon": 100.0, "lat": 31.0}], "edits[0].lon", "out_of_area"),
    ("ok", [{"op": "add", "name_zh": "x", "lon": 31.3, "lat": 120.7}], "edits[0].lat", "swapped"),
    ("ok", [{"op": "add", "lon": EAST[0], "lat": EAST[1]}], "edits[0].name_zh", "missing"),
    ("ok", [{"op": "add", "name_zh": "x", "categories": ["nope"], "lon": EAST[0], "lat": EAST[1]}],
     "edits[0].categories", "invalid"),
    ("ok", [{"op": "remove", "id": "no-such-firm"}], "edits[0].id", "not_found"),
    ("ok", [{"op": "move", "id": "zelos", "lon": EAST[0], "lat": EAST[1], "precision": "approx"}],
     "edits[0].precision", "invalid"),
    ("ok", [{"op": "remove_stop", "route": "kechuang", "seq": 99}], "edits[0].seq", "out_of_range"),
    ("ok", [{"op": "remove_stop", "route": "no-route", "seq": 1}], "edits[0].route", "not_found"),
    ("ok", [{"op": "explode"}], "edits[0].op", "invalid"),
    ("ok", [{"op": "remove", "id": "zelos", "extra": 1}], "edits[0].extra", "invalid"),
])
def test_bounds(ws, name, edits, field, code):
    with pytest.raises(InputError) as exc:
        scenariostore.save(ws, name, edits)
    assert (exc.value.field, exc.value.code) == (field, code)
    assert scenariostore.list_all(ws) == []


def test_api_token_required_and_scenario_parameter(ws):
    from supplychain import edittoken
    from webapp import create_app

    app = create_app(workspace=ws, testing=True)
    c = app.test_client()
    auth = {"Authorization": "Bearer " + edittoken.edit_token(ws.data_dir)}
    body = {"edits": EDITS[:2]}
    assert c.put("/api/scenarios/w", json=body).status_code == 401
    assert c.get("/api/scenarios").get_json()["scenarios"] == []
    r = c.put("/api/scenarios/w", json=body, headers=auth)
    assert r.status_code == 201
    assert c.put("/api/scenarios/w", json=body, headers=auth).status_code == 200
    assert c.post("/api/scenarios/w/edits", json=EDITS[2]).status_code == 401
    assert c.delete("/api/scenarios/w").status_code == 401
    assert c.delete("/api/scenarios/w/edits/0").status_code == 401
    assert c.post("/api/scenarios/import", json=scenariostore.export(ws, "w")).status_code == 401
    r = c.post("/api/scenarios/w/edits", json=EDITS[2], headers=auth)
    assert r.status_code == 200 and r.get_json()["n_edits"] == 3
    # Every analysis takes ?scenario=; the answers are the scenario workspace's.
    sw = scenariostore.workspace_for(app.config["WORKSPACE"], "w")
    assert c.get("/api/sourcing?scenario=w").get_json()["makers"] == json.loads(json.dumps(
        sourcing.sourcing_check(sw)["makers"]))
    ids = {f["id"] for f in c.get("/api/entities?scenario=w").get_json()["features"]}
    assert "hyp-1" in ids and "zelos" not in ids
    r = c.get("/api/suppliers?entity=hyp-1&scenario=w")
    assert r.status_code == 200 and r.get_json()["origin"]["name_zh"].startswith("假设")
    assert c.get("/api/suppliers?entity=hyp-1").status_code == 404
    assert c.post("/api/sites/evaluate?scenario=w", json={"candidates": [{"lon": CENTRE[0], "lat": CENTRE[1]}]}
                  ).status_code == 200
    assert c.get("/api/routes/kechuang?scenario=w").status_code == 200
    assert c.get("/api/sourcing?scenario=nope").status_code == 404
    # A stored-data write cannot target a scenario.
    r = c.post("/api/routes/kechuang/stops?scenario=w", json={"lon": CENTRE[0], "lat": CENTRE[1]}, headers=auth)
    assert r.status_code == 409 and r.get_json()["error"]["field"] == "scenario"
    cmp = c.get("/api/scenarios/w/compare").get_json()
    assert cmp["scenario"]["removed"] == ["zelos"] and cmp["changed"]
    detail = c.get("/api/scenarios/w").get_json()
    roles = {f["id"]: f["properties"]["scenario_role"] for f in detail["entities"]["features"]}
    assert roles == {"hyp-1": "added", "lingho": "moved"}
    assert c.delete("/api/scenarios/w", headers=auth).status_code == 200
    assert c.get("/api/scenarios/w").status_code == 404
    assert c.get("/scenarios").status_code == 200


def test_cli_round_trip(sip_dir, tmp_path, capsys):
    d = ["--data-dir", str(sip_dir)]

    def run(*args) -> str:
        capsys.readouterr()
        assert main([*d, *args]) == 0
        return capsys.readouterr().out

    run("scenario", "create", "c1", "--note", "试")
    run("scenario", "add", "c1", "--entity-name", "减速器厂", "--categories", "减速器", "--lon", str(EAST[0]),
        "--lat", str(EAST[1]))
    run("scenario", "remove", "c1", "zelos")
    run("scenario", "move", "c1", "lingho", "--lon", str(CENTRE[0]), "--lat", str(CENTRE[1]))
    run("scenario", "remove-stop", "c1", "--seq", "1")
    shown = json.loads(run("scenario", "show", "c1", "--format", "json"))
    assert [e["op"] for e in shown["edits"]] == ["add", "remove", "move", "remove_stop"]
    out = tmp_path / "c1.json"
    run("scenario", "export", "c1", "-o", str(out))
    run("scenario", "import", str(out), "--name", "c2")
    again = json.loads(run("scenario", "show", "c2", "--format", "json"))
    assert again["edits"] == shown["edits"] and again["note"] == "试"
    capsys.readouterr()
    assert main([*d, "scenario", "import", str(out)]) == 2  # the name exists
    assert "已存在" in capsys.readouterr().err
    listed = json.loads(run("scenario", "list", "--format", "json"))["scenarios"]
    assert [s["name"] for s in listed] == ["c1", "c2"]
    got = json.loads(run("sourcing", "--scenario", "c1", "--format", "json"))
    sw = scenariostore.workspace_for(Workspace.open(sip_dir), "c1")
    assert got["makers"] == json.loads(json.dumps(sourcing.sourcing_check(sw)["makers"]))
    cmp = json.loads(run("scenario", "compare", "c1", "--format", "json"))
    rows = list(csv.DictReader(io.StringIO(run("scenario", "compare", "c1", "--format", "csv"))))
    assert [r["maker_id"] for r in rows] == [m["id"] for m in cmp["makers"]]
    assert {r["maker_id"] for r in rows if r["changed"] == "1"} == set(cmp["changed_makers"])
    table = run("scenario", "compare", "c1")
    assert "假设情景" in table and "lingho" in table
    assert "origin 假设·减速器厂" in run("query", "suppliers", "--entity", "hyp-1", "--scenario", "c1")
    run("route", "show", "--scenario", "c1")
    run("scenario", "undo", "c2", "1")
    assert len(json.loads(run("scenario", "show", "c2", "--format", "json"))["edits"]) == 3
    run("scenario", "delete", "c2")
    assert [s["name"] for s in json.loads(run("scenario", "list", "--format", "json"))["scenarios"]] == ["c1"]
