"""The JSON API and pages through Flask's test client, on the real SIP network and in estimated mode.

Answers are checked against the library functions they wrap (the library itself is checked against networkx
elsewhere), plus one independent networkx check of a road distance served by the API. Synthetic suppliers
placed on SIP network nodes by code (``supplychain.synthetic``: ids ``synthetic-*``, labelled synthetic) give
the network mode real results.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil

import pytest

from supplychain import isochrone, registry, sourcing, synthetic, taxonomy
from supplychain.reach import suppliers_within
from supplychain.workspace import Workspace
from webapp import create_app


def add_synthetic_firms(ws: Workspace) -> None:
    """Import 22 SYNTHETIC suppliers (every component category in turn) and 2 humanoid makers, on distinct SIP
    network nodes, through a registry CSV."""
    entities = synthetic.makers_and_suppliers(ws.network, n_makers=2, n_suppliers=22, seed=3,
                                              categories=list(taxonomy.COMPONENT_CATEGORIES), robot_types=["humanoid"])
    registry.import_file(ws.store, synthetic.write_csv(entities, ws.data_dir / "synthetic.csv"))


#: Query origins among the synthetic suppliers, and the synthetic makers (ids from ``synthetic.entity``).
ORIGIN, OTHER = "synthetic-supplier-00001", "synthetic-supplier-00002"
MAKERS = ("synthetic-maker-00001", "synthetic-maker-00002")


@pytest.fixture(scope="module")
def syn_ws(sip_cache, tmp_path_factory) -> Workspace:
    """SIP network + seed registry + synthetic on-network suppliers."""
    target = tmp_path_factory.mktemp("webapp-syn") / "data"
    shutil.copytree(sip_cache, target)
    ws = Workspace.open(target)
    add_synthetic_firms(ws)
    return Workspace.open(target)


@pytest.fixture(scope="module")
def client(syn_ws):
    return create_app(workspace=syn_ws, testing=True).test_client()


@pytest.fixture(scope="module")
def est_ws(tmp_path_factory) -> Workspace:
    """No network at all: the seed registry, every distance estimated."""
    return Workspace.open(tmp_path_factory.mktemp("webapp-est"))


@pytest.fixture(scope="module")
def est_client(est_ws):
    return create_app(workspace=est_ws, testing=True).test_client()


def roundtrip(data):
    """What the library's answer looks like after JSON (NaN-free, tuples as lists)."""
    return json.loads(json.dumps(data))


def error_of(resp, status: int | None = None) -> dict:
    assert resp.is_json, resp.data[:200]
    if status is not None:
        assert resp.status_code == status, resp.get_json()
    else:
        assert 400 <= resp.status_code < 500, resp.get_json()
    err = resp.get_json()["error"]
    assert set(err) == {"code", "message", "field"}
    assert "Traceback" not in err["message"]
    return err


# ----------------------------------------------------------------------------------------------------
# Health, taxonomy, entities

def test_health_is_the_workspace_health(client, syn_ws):
    r = client.get("/api/health")
    assert r.status_code == 200
    body = r.get_json()
    lib = roundtrip(syn_ws.health())
    # The same answer, less where things are on this machine: no data dir, the network file by name only.
    assert "data_dir" not in body and str(syn_ws.data_dir) not in json.dumps(body, ensure_ascii=False)
    assert body["network"]["source"] == "file:sip-core.osm" and lib["network"]["source"].endswith("/sip-core.osm")
    assert {**body, "network": {**body["network"], "source": lib["network"]["source"]}} == \
        {k: v for k, v in lib.items() if k != "data_dir"}
    assert body["network"]["nodes"] == syn_ws.network.n_nodes


def test_health_without_network(est_client):
    body = est_client.get("/api/health").get_json()
    assert body["network"] is None and body["entities"] > 0


def test_taxonomy(client):
    assert client.get("/api/taxonomy").get_json() == taxonomy.as_dict()


def test_entities_all_and_filtered(client, syn_ws):
    r = client.get("/api/entities")
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    fc = r.get_json()
    assert fc["type"] == "FeatureCollection"
    assert [f["id"] for f in fc["features"]] == [e.id for e in syn_ws.entities]
    # Unlocated entities are listed with a null geometry, never with invented coordinates.
    unlocated = {e.id for e in syn_ws.entities if not e.located}
    assert unlocated and all(f["geometry"] is None for f in fc["features"] if f["id"] in unlocated)

    for kind in ("firm", "institute", "park"):
        ids = [f["id"] for f in client.get(f"/api/entities?kind={kind}").get_json()["features"]]
        assert ids == [e.id for e in syn_ws.entities_of(kind=kind)]
    ids = [f["id"] for f in client.get("/api/entities?category=reducer").get_json()["features"]]
    assert ids == [e.id for e in syn_ws.entities_of(category="reducer")] and ids
    both = client.get("/api/entities?kind=firm&category=whole_robot").get_json()["features"]
    assert {f["id"] for f in both} == {e.id for e in syn_ws.entities_of(category="whole_robot", kind="firm")}
    located = client.get("/api/entities?located=1").get_json()["features"]
    assert len(located) == len(syn_ws.located) and all(f["geometry"] for f in located)


def test_entity_by_id(client):
    f = client.get("/api/entities/leaderdrive").get_json()
    assert f["id"] == "leaderdrive" and f["properties"]["precision"] == "town"
    assert error_of(client.get("/api/entities/nope"), 404)["field"] == "id"


@pytest.mark.parametrize("query, field", [
    ("kind=robot", "kind"), ("category=widgets", "category"), ("located=maybe", "located"),
])
def test_entities_bad_input(client, query, field):
    assert error_of(client.get(f"/api/entities?{query}"), 400)["field"] == field


# ----------------------------------------------------------------------------------------------------
# Supplier queries

def test_suppliers_match_the_library_on_the_network(client, syn_ws):
    for query, kwargs in [
        (f"entity={ORIGIN}&radius_km=10", {"entity": ORIGIN, "radius_km": "10"}),
        ("lon=120.73&lat=31.32&radius_km=5&category=motor", {"lon": "120.73", "lat": "31.32", "radius_km": "5",
                                                              "category": "motor"}),
    ]:
        body = client.get(f"/api/suppliers?{query}").get_json()
        assert body == roundtrip(suppliers_within(syn_ws, **kwargs))
        assert body["distance_method"] == "network"
        within = [r for r in body["results"] if r["verdict"] == "within"]
        assert within and all(r["road_m_range"][1] <= body["radius_km"] * 1000 for r in within)
        key = [r["road_m"] if r["road_m"] is not None else 0.5 * (r["road_m_range"][0] + r["road_m_range"][1])
               for r in body["results"]]
        assert key == sorted(key)
    body = client.get(f"/api/suppliers?entity={ORIGIN}&radius_km=10").get_json()
    assert any(r["distance_method"] == "network" for r in body["results"])
    assert all(r["id"] != ORIGIN for r in body["results"])  # the origin is not its own supplier


def test_suppliers_road_distance_matches_networkx(client, syn_ws, sip_graph_nx):
    import networkx as nx

    body = client.get(f"/api/suppliers?entity={OTHER}&radius_km=8&paths=1").get_json()
    net = [r for r in body["results"] if r["distance_method"] == "network"]
    assert net
    osmid = syn_ws.network.arrays["osmid"]
    src = int(osmid[syn_ws.snapping[OTHER][0]])
    for r in net[:5]:
        dst = int(osmid[syn_ws.snapping[r["id"]][0]])
        expected = nx.shortest_path_length(sip_graph_nx, src, dst, weight="length")
        assert r["road_m"] == pytest.approx(expected, abs=0.11)
        # The drawn path runs from the origin's node to the supplier's node.
        a, b = syn_ws.network.node_lonlat([syn_ws.snapping[OTHER][0], syn_ws.snapping[r["id"]][0]])
        assert r["path"][0] == pytest.approx(list(a), abs=1e-5)
        assert r["path"][-1] == pytest.approx(list(b), abs=1e-5)


def test_suppliers_csv_export(client):
    body = client.get(f"/api/suppliers?entity={ORIGIN}&radius_km=10").get_json()
    r = client.get(f"/api/suppliers.csv?entity={ORIGIN}&radius_km=10")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    text = r.data.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads the BOM as UTF-8
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert [row["id"] for row in rows] == [x["id"] for x in body["results"]]
    assert [float(row["road_m"]) for row in rows] == [x["road_m"] for x in body["results"]]
    assert {row["distance_method"] for row in rows} <= {"network", "estimated"}
    assert client.get(f"/api/suppliers?entity={ORIGIN}&radius_km=10&format=csv").data == r.data


def test_suppliers_geojson_export(client):
    body = client.get(f"/api/suppliers?entity={ORIGIN}&radius_km=10&paths=1").get_json()
    r = client.get(f"/api/suppliers.geojson?entity={ORIGIN}&radius_km=10&paths=1")
    assert r.mimetype == "application/geo+json"
    fc = r.get_json()
    roles = [f["properties"]["role"] for f in fc["features"]]
    assert roles.count("origin") == 1
    assert [f["id"] for f in fc["features"] if f["properties"]["role"] == "supplier"] == \
           [x["id"] for x in body["results"]]
    assert roles.count("path") == sum(1 for x in body["results"] if x.get("path"))
    assert fc["distance_method"] == body["distance_method"]
    assert client.get(f"/api/suppliers?entity={ORIGIN}&radius_km=10&paths=1&format=geojson").get_json() == fc


def test_suppliers_estimated_mode(est_client, est_ws):
    body = est_client.get("/api/suppliers?entity=magiclab&radius_km=30").get_json()
    assert body == roundtrip(suppliers_within(est_ws, entity="magiclab", radius_km=30))
    assert body["distance_method"] == "estimated" and body["results"]
    factor = body["estimator"]["circuity_factor"]
    for r in body["results"]:
        assert r["distance_method"] == "estimated"
        if r["road_m"] is None:  # magiclab shares the 吴中 district point with this supplier: no number, a range
            assert r["straight_m"] == 0 and r["verdict"] == "undetermined" and r["road_m_range"][0] == 0
        else:
            assert r["road_m"] == pytest.approx(r["straight_m"] * factor, abs=0.2)
    rows = list(csv.DictReader(io.StringIO(
        est_client.get("/api/suppliers.csv?entity=magiclab&radius_km=30").data.decode("utf-8")[1:])))
    assert rows and all(float(row["circuity_factor"]) == factor for row in rows)


SUPPLIER_BAD_INPUT = [
    ("", 400, "lon", "missing"),
    ("lon=abc&lat=31.3", 400, "lon", None),
    ("lon=120.7", 400, "lat", "missing"),
    ("lon=120.7&lat=abc", 400, "lat", None),
    ("lon=120.7&lat=nan", 400, "lat", None),
    ("lon=inf&lat=31.3", 400, "lon", None),
    ("lon=31.3&lat=120.7", 400, "lat", "swapped"),
    ("lon=0&lat=0", 400, "lon", "out_of_area"),
    ("lon=100&lat=40", 400, "lon", "out_of_area"),
    ("lon=120.73&lat=31.32&radius_km=0", 400, "radius_km", "out_of_range"),
    ("lon=120.73&lat=31.32&radius_km=51", 400, "radius_km", "out_of_range"),
    ("lon=120.73&lat=31.32&radius_km=ten", 400, "radius_km", None),
    ("lon=120.73&lat=31.32&category=widgets", 400, "category", None),
    ("entity=nope", 404, "entity", "not_found"),
    ("entity=embodied-centre", 422, "entity", "unlocated"),
    (f"entity={ORIGIN}&lon=120.7&lat=31.3", 400, "entity", None),
    (f"entity={ORIGIN}&paths=maybe", 400, "paths", None),
    (f"entity={ORIGIN}&format=xml", 400, "format", None),
]


@pytest.mark.parametrize("query, status, field, code", SUPPLIER_BAD_INPUT)
def test_suppliers_bad_input(client, query, status, field, code):
    err = error_of(client.get(f"/api/suppliers?{query}"), status)
    assert err["field"] == field
    if code:
        assert err["code"] == code


@pytest.mark.parametrize("path", ["/api/suppliers.csv", "/api/suppliers.geojson"])
def test_exports_bad_input(client, path):
    assert error_of(client.get(f"{path}?lon=1&lat=2"), 400)["field"] == "lon"


# ----------------------------------------------------------------------------------------------------
# Isochrones

def test_isochrone_matches_the_library(client, syn_ws):
    r = client.get(f"/api/isochrone?entity={ORIGIN}&km=2,4")
    assert r.mimetype == "application/geo+json"
    fc = r.get_json()
    assert fc == roundtrip(isochrone.isochrones(syn_ws, entity=ORIGIN, breaks=[2, 4]))
    assert [f["properties"]["break"] for f in fc["features"]] == [4, 2]  # largest first
    assert all(f["properties"]["distance_method"] == "network" for f in fc["features"])
    assert fc["features"][0]["properties"]["area_km2"] > fc["features"][1]["properties"]["area_km2"]
    default = client.get("/api/isochrone?lon=120.73&lat=31.32").get_json()
    assert [f["properties"]["break"] for f in default["features"]] == [10, 5]


def test_isochrone_by_time(client, syn_ws):
    fc = client.get("/api/isochrone?lon=120.73&lat=31.32&minutes=3,6").get_json()
    assert fc["metric"] == "time"
    assert [f["properties"]["unit"] for f in fc["features"]] == ["min", "min"]
    assert fc == roundtrip(isochrone.isochrones(syn_ws, lon="120.73", lat="31.32", breaks=[3, 6], metric="time"))


def test_isochrone_estimated_mode(est_client):
    fc = est_client.get("/api/isochrone?entity=leaderdrive&km=5").get_json()
    assert fc["distance_method"] == "estimated"
    assert fc["features"][0]["properties"]["circuity_factor"] > 1


@pytest.mark.parametrize("query, field", [
    ("lon=120.73&lat=31.32&km=abc", "km"),
    ("lon=120.73&lat=31.32&km=0", "km"),
    ("lon=120.73&lat=31.32&km=1,2,3,4,5,6,7", "km"),
    ("lon=120.73&lat=31.32&km=51", "km"),
    ("lon=120.73&lat=31.32&minutes=-5", "minutes"),
    ("lon=120.73&lat=31.32&km=5&minutes=5", "minutes"),
    ("lon=120.73", "lat"),
    ("lon=0&lat=0", "lon"),
    ("entity=nope", "entity"),
])
def test_isochrone_bad_input(client, query, field):
    assert error_of(client.get(f"/api/isochrone?{query}"))["field"] == field


# ----------------------------------------------------------------------------------------------------
# Sourcing

def test_sourcing_matches_the_library(client, syn_ws):
    body = client.get("/api/sourcing?radius_km=10").get_json()
    assert body == roundtrip(sourcing.sourcing_check(syn_ws, radius_km=10))
    ids = {m["id"] for m in body["makers"]}
    assert set(MAKERS) <= ids  # the synthetic makers on the network
    syn = next(m for m in body["makers"] if m["id"] == MAKERS[0])
    assert syn["distance_method"] == "network"
    assert {"bom", "covered", "undetermined", "missing", "rate_certain", "rate_possible"} <= set(syn)
    assert body["unlocated_makers"] and body["summary"]["makers"] == len(body["makers"])


def test_sourcing_csv(client):
    body = client.get("/api/sourcing?radius_km=7").get_json()
    rows = list(csv.DictReader(io.StringIO(client.get("/api/sourcing.csv?radius_km=7").data.decode("utf-8")[1:])))
    assert [r["id"] for r in rows] == [m["id"] for m in body["makers"]]
    assert [float(r["rate_certain"]) for r in rows] == [m["rate_certain"] for m in body["makers"]]
    assert [float(r["rate_possible"]) for r in rows] == [m["rate_possible"] for m in body["makers"]]
    assert [r["undetermined"] for r in rows] == [";".join(u["category"] for u in m["undetermined"])
                                                for m in body["makers"]]


def test_sourcing_estimated_mode(est_client, est_ws):
    body = est_client.get("/api/sourcing").get_json()
    assert body["radius_km"] == 10
    assert body == roundtrip(sourcing.sourcing_check(est_ws, radius_km=10))
    assert all(m["distance_method"] == "estimated" for m in body["makers"])


@pytest.mark.parametrize("query", ["radius_km=0", "radius_km=100", "radius_km=x"])
def test_sourcing_bad_input(client, query):
    assert error_of(client.get(f"/api/sourcing?{query}"), 400)["field"] == "radius_km"


# ----------------------------------------------------------------------------------------------------
# Network and boundary layers

def test_network_geojson(client, syn_ws):
    r = client.get("/api/network.geojson")
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    fc = r.get_json()
    assert fc == roundtrip(syn_ws.network.road_lines())
    assert {f["properties"]["highway"] for f in fc["features"]} <= set(
        ["motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential", "service", "other"])
    packed = client.get("/api/network.geojson", headers={"Accept-Encoding": "gzip, deflate"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(packed.data)) == fc
    assert len(packed.data) < len(r.data) / 3


def test_network_geojson_404_without_network(est_client):
    err = error_of(est_client.get("/api/network.geojson"), 404)
    assert err["code"] == "no_network"


def test_boundary(client):
    f = client.get("/api/boundary.geojson").get_json()
    assert f["type"] == "Feature" and f["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert f["properties"]["name_zh"] == "苏州市吴中区"


def test_boundary_404_when_missing(tmp_path):
    ws = Workspace.open(tmp_path)
    ws.__dict__["study_area"] = None  # as if no boundary file were available
    app = create_app(workspace=ws, testing=True)
    err = error_of(app.test_client().get("/api/boundary.geojson"), 404)
    assert err["code"] == "no_boundary"


# ----------------------------------------------------------------------------------------------------
# Errors never leak

def test_unknown_api_path_and_method(client):
    assert error_of(client.get("/api/nothing-here"), 404)["code"] == "not_found"
    assert error_of(client.post("/api/health"), 405)["code"] == "method_not_allowed"


def test_unexpected_errors_are_logged_not_shown(syn_ws, caplog):
    app = create_app(workspace=syn_ws, testing=True)

    @app.get("/api/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    @app.get("/boom")
    def boom_page():
        raise RuntimeError("secret internal detail")

    c = app.test_client()
    r = c.get("/api/boom")
    assert r.status_code == 500 and r.get_json()["error"]["code"] == "internal"
    assert b"secret" not in r.data and b"Traceback" not in r.data
    page = c.get("/boom")
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert b"secret" not in page.data and b"Traceback" not in page.data
    assert "secret internal detail" in caplog.text  # the server log has it


# ----------------------------------------------------------------------------------------------------
# Pages

def test_pages_render(client, syn_ws):
    for path in ("/", "/suppliers", "/sourcing"):
        r = client.get(path)
        assert r.status_code == 200 and r.mimetype == "text/html", path
        html = r.data.decode("utf-8")
        assert "window.SC_MAP" in html and 'class="folium-map"' in html
        assert "OpenStreetMap" in html
        for href in ("/", "/suppliers", "/sourcing"):
            assert f'href="{href}"' in html  # the navigation bar


def test_index_page_lists_unlocated_and_never_draws_them(client, syn_ws):
    html = client.get("/").data.decode("utf-8")
    unlocated = [e for e in syn_ws.entities if not e.located]
    assert "位置未知 Location unknown" in html
    for e in unlocated:
        assert f'id="unlocated-{e.id}"' in html
        assert f'"id":"{e.id}","lat"' not in html  # not among the marker records
    for e in syn_ws.located[:5]:
        assert f'"id":"{e.id}","lat":{e.lat}' in html
    # Coarse precision is said in the marker data (drawn hollow) and has uncertainty circles.
    assert '"prec":"district"' in html and "Location uncertainty" in html


def test_sourcing_page_shows_every_maker(client, syn_ws):
    result = sourcing.sourcing_check(syn_ws, radius_km=10)
    html = client.get("/sourcing?radius_km=10").data.decode("utf-8")
    for m in result["makers"]:
        assert f'data-id="{m["id"]}"' in html and m["name_zh"] in html
    for c in result["summary"]["per_category"]:
        assert taxonomy.CATEGORIES[c].zh in html
    bad = client.get("/sourcing?radius_km=abc")
    assert bad.status_code == 400 and "radius_km" in bad.data.decode("utf-8")


def test_unknown_page_is_a_page(client):
    r = client.get("/no-such-page")
    assert r.status_code == 404 and r.mimetype == "text/html"


def test_pages_in_estimated_mode(est_client):
    for path in ("/", "/suppliers", "/sourcing"):
        html = est_client.get(path).data.decode("utf-8")
        assert "/api/network.geojson" not in html  # no road layer to fetch
    assert "无道路网" in est_client.get("/suppliers").data.decode("utf-8")


def test_every_page_in_the_nav_answers(client):
    html = client.get("/").data.decode("utf-8")
    for path in ("/", "/suppliers", "/sourcing", "/sites", "/route", "/registry"):
        assert f'href="{path}"' in html
        assert client.get(path).status_code == 200
