"""Address parsing and the offline geocoder on address-only registry rows."""

from __future__ import annotations

import subprocess
import sys

import pytest

from supplychain import address, geocode, places, registry
from supplychain.store import ENTITY_COLUMNS, Store

from .conftest import SHARED_GEO, SIP_LABELS

OSM_PLACES = SHARED_GEO / "wuzhong-osm-places.geojson"


@pytest.mark.parametrize("text, parts", [
    ("苏州市吴中区木渎镇木胥西路19号", ("吴中区", "木渎镇", "木胥西路", "19")),
    ("吴中区郭巷街道吴淞江产业园淞苇路518号", ("吴中区", "郭巷街道", "淞苇路", "518")),
    ("江苏省苏州市吴中区长桥街道东吴南路8号", ("吴中区", "长桥街道", "东吴南路", "8")),
    ("苏州工业园区长阳街259号中新钟园工业坊4栋", ("苏州工业园区", "", "长阳街", "259")),
    ("木渎镇金山路", ("吴中区", "木渎镇", "金山路", "")),  # a 吴中 town implies the district
    ("吴中区城南路5号", ("吴中区", "", "城南路", "5")),
    ("吴中经济技术开发区", ("吴中区", "", "", "")),
    ("吴江区东太湖度假区", ("吴江区", "", "", "")),
    ("苏州市工业园区星湖街328号", ("苏州工业园区", "", "星湖街", "328")),
    ("江苏省苏州市吴中区经济开发区越溪街道友翔路", ("吴中区", "越溪街道", "友翔路", "")),
    ("吴中区甪直镇合成工业园区淞港路8号", ("吴中区", "甪直镇", "淞港路", "8")),  # a park inside 吴中, not the SIP
])
def test_parse(text, parts):
    a = address.parse(text)
    assert (a.district, a.town, a.road, a.number) == parts


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path)
    places.import_file(s, SIP_LABELS)
    places.import_file(s, OSM_PLACES)
    return s


def _registry(tmp_path, rows):
    path = tmp_path / "rows.csv"
    lines = [",".join(ENTITY_COLUMNS)]
    for r in rows:
        base = {c: "" for c in ENTITY_COLUMNS} | {"kind": "firm", "name_zh": r["id"] + "（合成 synthetic）"} | r
        lines.append(",".join(str(base[c]) for c in ENTITY_COLUMNS))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_address_only_rows_are_unlocated_until_geocoded(store, tmp_path):
    path = _registry(tmp_path, [
        {"id": "road", "address": "苏州市吴中区长桥街道东吴南路8号", "district": "吴中区"},
        {"id": "town", "address": "吴中区郭巷街道吴淞江产业园某某路1号", "district": "吴中区"},
        {"id": "town-radius", "address": "吴中区东山镇", "district": "吴中区"},
        {"id": "district", "address": "苏州市吴中区某某路9号", "district": "吴中区"},
        {"id": "no-ref", "address": "吴江区东太湖度假区"},
        {"id": "nothing", "address": "某某大厦"},
        {"id": "wrong-district", "address": "吴中区长阳街259号", "district": "吴中区"},
    ])
    registry.import_file(store, path)
    assert all(not e.located and e.precision == "unknown" for e in registry.load_entities(store))
    report = geocode.geocode_entities(store, "offline")
    by = {e.id: e for e in registry.load_entities(store)}
    assert by["road"].precision == "street" and by["road"].uncertainty_m >= 300
    assert "东吴南路" in by["road"].source and "offline" in by["road"].source
    assert by["town"].precision == "town" and "relation 7760655" in by["town"].source  # 郭巷街道 in OSM
    assert "某某路" in by["town"].geocode_reason
    assert by["town-radius"].precision == "town" and by["town-radius"].uncertainty_m == 6000
    assert by["district"].precision == "district" and by["district"].uncertainty_m is None
    assert not by["no-ref"].located and "吴江区" in by["no-ref"].geocode_reason
    assert not by["nothing"].located and by["nothing"].geocode_reason
    # 长阳街 is in the SIP, outside the 吴中 polygon: not used for a 吴中区 address
    assert by["wrong-district"].precision == "district" and "outside" in by["wrong-district"].geocode_reason
    assert set(report.unlocated) == {"no-ref", "nothing"} and report.asked == 0
    assert by["road"].located_by == "geocoder:offline"
    log = registry.edits(store, "road")
    assert {r["field"] for r in log} >= {"lon", "lat", "precision", "source"} and log[0]["who"] == "geocoder:offline"


def test_a_persons_position_is_never_replaced_by_a_coarser_or_equal_answer(store, tmp_path):
    path = _registry(tmp_path, [
        {"id": "exact", "address": "吴中区郭巷街道", "lon": "120.70", "lat": "31.25", "precision": "exact", "source": "survey"},
        {"id": "coarse", "address": "吴中区长桥街道东吴南路8号", "lon": "120.6279421", "lat": "31.2654926",
         "precision": "district", "source": "person", "district": "吴中区"},
    ])
    registry.import_file(store, path)
    report = geocode.geocode_entities(store, "offline")
    by = {e.id: e for e in registry.load_entities(store)}
    assert (by["exact"].lon, by["exact"].precision, by["exact"].source) == (120.70, "exact", "survey")
    assert by["coarse"].precision == "street"  # a finer answer replaces a person's coarser one
    assert "exact" not in report.placed.get("town", [])
    n_edits = len(registry.edits(store))
    geocode.geocode_entities(store, "offline")  # a rerun changes nothing
    assert len(registry.edits(store)) == n_edits


def test_cli_geocode_only_unlocated_and_import_with_geocode(tmp_path):
    data = tmp_path / "data"
    cli = [sys.executable, "-m", "supplychain.cli", "--init", "--data-dir", str(data)]
    rows = _registry(tmp_path, [{"id": "x1", "address": "吴中区郭巷街道", "district": "吴中区"},
                                {"id": "x2", "address": "某某大厦"}])
    out = subprocess.run(cli + ["entities", "import", str(rows), "--geocode", "offline"], capture_output=True,
                         text=True, check=True)
    assert "town 1" in out.stdout and "x2" in out.stdout
    again = subprocess.run(cli + ["entities", "geocode", "--only-unlocated", "--format", "json", "--quiet"],
                           capture_output=True, text=True, check=True)
    import json

    rep = json.loads(again.stdout)
    asked = {i for ids in rep["placed"].values() for i in ids} | set(rep["unlocated"]) | set(rep["kept"])
    assert "x2" in rep["unlocated"] and "x1" not in asked  # x1 was placed by the import
