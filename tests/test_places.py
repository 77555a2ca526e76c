"""The shipped gazetteer (geo/gazetteer.csv) and the places store used by the offline geocoder."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

from supplychain import places
from supplychain.store import Store

from .conftest import ROOT, SHARED_GEO, SIP_LABELS

OSM_PLACES = SHARED_GEO / "wuzhong-osm-places.geojson"


def _osm_by_id():
    data = json.loads(OSM_PLACES.read_text(encoding="utf-8"))
    return {(f["properties"]["osm_type"], str(f["properties"]["osm_id"])): f for f in data["features"]}


def test_gazetteer_is_what_the_script_derives():
    sys.path.insert(0, str(ROOT / "geo"))
    try:
        import derive_gazetteer
    finally:
        sys.path.pop(0)
    assert (ROOT / "geo" / "gazetteer.csv").read_text(encoding="utf-8") == derive_gazetteer.to_csv(derive_gazetteer.derive())


def test_gazetteer_rows_carry_provenance_and_osm_coordinates_unchanged():
    rows = list(csv.DictReader((ROOT / "geo" / "gazetteer.csv").open(encoding="utf-8")))
    by_name = {r["name"]: r for r in rows}
    osm = _osm_by_id()
    for r in rows:
        assert r["source"], r
        if r["osm_type"]:
            f = osm[(r["osm_type"], r["osm_id"])]
            assert f["properties"]["name"] == r["name"]
            assert [round(v, 7) for v in f["geometry"]["coordinates"]] == [float(r["lon"]), float(r["lat"])]
            assert r["attribution"] == "© OpenStreetMap contributors, ODbL 1.0"
    # the facts' sub-district table: 长桥/城南/郭巷 relations and the 开发区 (admin_level 9)
    assert by_name["郭巷街道"]["osm_type"] == "relation" and by_name["郭巷街道"]["kind"] == "subdistrict"
    assert (round(float(by_name["郭巷街道"]["lon"]), 4), round(float(by_name["郭巷街道"]["lat"]), 4)) == (120.6933, 31.2405)
    assert {"长桥街道", "城南街道", "开发区"} <= set(by_name)
    # towns from the facts, radius only where published
    assert by_name["胥口镇"]["radius_m"] == "5000" and by_name["东山镇"]["radius_m"] == "6000"
    assert by_name["木渎镇"]["radius_m"] == "" and "zh.wikipedia" in by_name["木渎镇"]["source"]
    stations = [r for r in rows if r["kind"] == "station"]
    assert len(stations) >= 17 and by_name["尹中路"]["osm_type"] == "node"
    # no reference point was made up for the places the facts say have none
    for missing in ("越溪街道", "横泾街道", "香山街道", "太湖街道", "甪直镇", "临湖镇", "金庭镇"):
        assert missing not in by_name


def test_import_replaces_its_own_rows_and_index_finds_roads_and_areas(tmp_path):
    store = Store(tmp_path)
    first = places.import_file(store, SIP_LABELS)
    again = places.import_file(store, SIP_LABELS)
    assert first["stored"] == again["stored"] == 577
    places.import_file(store, OSM_PLACES)
    ix = places.Index.of_store(store)
    assert sum(1 for p in ix.places if p.dataset == SIP_LABELS.name) == 577
    road = ix.road("长阳街")
    assert road and road.points >= 1 and road.radius_m >= 300
    assert ix.road("吴淞江产业园东吴南路").name == "东吴南路"  # the known road at the end of the text
    assert ix.road("不存在路") is None
    assert ix.area("郭巷").name == "郭巷街道" and ix.area("郭巷街道").dataset == "gazetteer.csv"
    assert ix.area_in("苏州市吴中区木渎镇木胥西路19号").name == "木渎镇"
    assert ix.district("吴中区").osm_id == "3506478907"  # the label node, not the relation's bbox centre


def test_osm_classification_leaves_out_routes():
    assert places.classify_osm({"type": "route", "route": "bus", "osm_type": "relation"}) is None
    assert places.classify_osm({"highway": "primary", "osm_type": "way"}) == "road"
    assert places.classify_osm({"highway": "bus_stop", "osm_type": "node"}) == "bus_stop"
    assert places.classify_osm({"station": "subway", "railway": "station", "osm_type": "node"}) == "station"


def test_cli_places_import_and_list(tmp_path):
    env_py = [sys.executable, "-m", "supplychain.cli", "--data-dir", str(tmp_path)]
    out = subprocess.run(env_py + ["places", "import", str(SIP_LABELS)], capture_output=True, text=True, check=True)
    assert "577" in out.stdout and "road 495" in out.stdout
    bad = tmp_path / "bad.geojson"
    bad.write_text("{", encoding="utf-8")
    res = subprocess.run(env_py + ["places", "import", str(bad)], capture_output=True, text=True)
    assert res.returncode == 1 and len(res.stderr.strip().splitlines()) == 1 and "GeoJSON" in res.stderr
    ls = subprocess.run(env_py + ["places", "list", "--format", "json"], capture_output=True, text=True, check=True)
    assert {(r["dataset"], r["kind"]) for r in json.loads(ls.stdout)} >= {("gazetteer.csv", "subdistrict"),
                                                                         (SIP_LABELS.name, "road")}
