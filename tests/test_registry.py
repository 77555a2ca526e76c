"""Registry: validation with precise messages, all-or-nothing imports, exports that round-trip."""

import csv
import json
from pathlib import Path

import pytest

from supplychain import coords, registry
from supplychain.store import ENTITY_COLUMNS, Store

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "entities.csv"
HEADER = ",".join(ENTITY_COLUMNS)


def write(tmp_path, text, name="in.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def row(**kw):
    base = dict(id="t1", name_zh="测试企业", name_en="Test", kind="firm", categories="reducer", needs="",
                robot_types="", address="", district="吴中区", lon="120.6", lat="31.3", crs="wgs84",
                precision="exact", uncertainty_m="", source="unit test", note="")
    base.update(kw)
    return ",".join(base[c] for c in ENTITY_COLUMNS)


def errors_of(path, **kw):
    with pytest.raises(registry.RegistryError) as exc:
        registry.validate_file(path, **kw)
    return exc.value.errors


# --- the seed registry --------------------------------------------------------------------------------

def test_seed_registry_is_valid_and_honest():
    entities = registry.validate_file(SEED)
    assert len(entities) >= 15
    for e in entities:
        assert e.source, e.id
        if e.located:
            assert e.precision in registry.PRECISIONS
        else:
            assert e.precision == "unknown"
    # No firm is claimed to be exactly located: the public facts have no street coordinates.
    assert not [e.id for e in entities if e.precision == "exact"]
    # The one street-level entity sits on the 长阳街 road label of the shared OSM labels file.
    street = [e for e in entities if e.precision == "street"]
    assert [e.id for e in street] == ["elite-robots"]
    labels = json.loads((ROOT.parent / "shared/geo/sip-core-labels.geojson").read_text(encoding="utf-8"))
    cy = [f["geometry"]["coordinates"] for f in labels["features"] if f["properties"]["name"] == "长阳街"]
    assert [street[0].lon, street[0].lat] in cy
    # The innovation centre at the end of the 科创专线 has no published location.
    assert not {e.id: e for e in entities}["embodied-centre"].located


# --- validation ---------------------------------------------------------------------------------------

def test_valid_file_converts_gcj02_and_bd09_to_wgs84(tmp_path):
    glon, glat = coords.wgs84_to_gcj02(120.6, 31.3)
    blon, blat = coords.wgs84_to_bd09(120.6, 31.3)
    p = write(tmp_path, "\n".join([HEADER, row(id="a", lon=f"{glon:.8f}", lat=f"{glat:.8f}", crs="gcj02"),
                                   row(id="b", lon=f"{blon:.8f}", lat=f"{blat:.8f}", crs="bd09")]))
    a, b = registry.validate_file(p)
    for e in (a, b):
        assert coords.haversine_m(e.lon, e.lat, 120.6, 31.3) < 1.0
    assert a.crs == "gcj02" and a.lon_orig == pytest.approx(glon, abs=1e-8)


def test_every_bad_row_is_reported_with_line_and_column(tmp_path):
    lines = [HEADER,
             row(id="ok"),
             row(id="bad-cat", categories="reducer;teleporter"),
             row(id="swapped", lon="31.3", lat="120.6"),
             row(id="paris", lon="2.35", lat="48.85"),
             row(id="nan", lon="abc"),
             row(id="kind", kind="factory"),
             row(id="ok"),
             row(id="half", lat=""),
             row(id="needs", categories="whole_robot", needs="wheels")]
    errs = errors_of(write(tmp_path, "\n".join(lines)))
    got = {(e.line, e.column) for e in errs}
    assert (3, "categories") in got
    assert (4, "lon") in got and "swapped" in next(e.reason for e in errs if e.line == 4)
    assert (5, "lon") in got and "outside China" in next(e.reason for e in errs if e.line == 5)
    assert (6, "lon") in got
    assert (7, "kind") in got
    assert (8, "id") in got and "duplicate" in next(e.reason for e in errs if e.line == 8)
    assert (9, "lat") in got
    assert (10, "needs") in got
    assert all(e.file.endswith("in.csv") for e in errs)
    assert "teleporter" in str(next(e for e in errs if e.line == 3))


def test_swapped_lon_lat_beyond_90_is_named(tmp_path):
    errs = errors_of(write(tmp_path, "\n".join([HEADER, row(lon="31.26", lat="120.63")])))
    assert errs[0].column == "lon" and "swapped" in errs[0].reason and "lon=120.63" in errs[0].reason


def test_wrong_columns_are_rejected(tmp_path):
    errs = errors_of(write(tmp_path, "id,name,kind\nx,y,firm\n"))
    assert errs[0].line == 1
    assert "missing required column" in errs[0].reason
    errs = errors_of(write(tmp_path, HEADER + ",colour\n" + row() + ",red\n"))
    assert "unknown column" in errs[0].reason and "colour" in errs[0].reason


def test_ragged_rows_are_rejected(tmp_path):
    errs = errors_of(write(tmp_path, HEADER + "\n" + row() + ",extra\n"))
    assert errs[0].line == 2 and "fields" in errs[0].reason


def test_gbk_file_is_rejected_with_advice_and_accepted_when_declared(tmp_path):
    p = write(tmp_path, HEADER + "\n" + row() + "\n", encoding="gbk")
    errs = errors_of(p)
    assert "not UTF-8" in errs[0].reason and "GBK" in errs[0].reason and errs[0].line == 2
    (e,) = registry.validate_file(p, encoding="gbk")
    assert e.name_zh == "测试企业"


def test_utf8_bom_from_excel_is_accepted(tmp_path):
    p = write(tmp_path, HEADER + "\n" + row() + "\n", encoding="utf-8-sig")
    assert registry.validate_file(p)[0].id == "t1"


def test_unlocated_entity_is_allowed_but_needs_both_or_neither(tmp_path):
    (e,) = registry.validate_file(write(tmp_path, HEADER + "\n" + row(lon="", lat="", precision="") + "\n"))
    assert not e.located and e.precision == "unknown"


def test_located_entity_needs_precision_and_source(tmp_path):
    errs = errors_of(write(tmp_path, "\n".join([HEADER, row(precision="roughly"), row(id="t2", source="")])))
    assert {(e.line, e.column) for e in errs} == {(2, "precision"), (3, "source")}


# --- storage: imports accumulate, a bad file changes nothing -----------------------------------------------

def test_import_is_all_or_nothing(tmp_path):
    store = Store(tmp_path / "d")
    registry.import_file(store, SEED)
    before = [e.to_dict() for e in registry.load_entities(store)]
    bad = write(tmp_path, "\n".join([HEADER, row(id="new1"), row(id="leaderdrive", name_zh="改名"),
                                     row(id="broken", lon="999")]))
    with pytest.raises(registry.RegistryError):
        registry.import_file(store, bad)
    assert [e.to_dict() for e in registry.load_entities(store)] == before


def test_imports_accumulate_and_update_by_id(tmp_path):
    store = Store(tmp_path / "d")
    registry.import_file(store, SEED)
    n = len(registry.load_entities(store))
    rep = registry.import_file(store, write(tmp_path, "\n".join([HEADER, row(id="new1"),
                                                                 row(id="leaderdrive", name_zh="绿的谐波（更新）")])))
    assert rep.added == ["new1"] and rep.updated == ["leaderdrive"]
    by_id = {e.id: e for e in registry.load_entities(store)}
    assert len(by_id) == n + 1 and by_id["leaderdrive"].name_zh == "绿的谐波（更新）"


def test_failure_inside_the_transaction_rolls_back(tmp_path, monkeypatch):
    store = Store(tmp_path / "d")
    registry.import_file(store, SEED)
    before = len(registry.load_entities(store))
    entities = registry.validate_file(write(tmp_path, "\n".join([HEADER, row(id="x1"), row(id="x2")])))
    real = registry._to_db
    calls = []

    def failing(e):
        calls.append(e.id)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(e)

    monkeypatch.setattr(registry, "_to_db", failing)
    with pytest.raises(OSError):
        registry.store_entities(store, entities, "x.csv")
    assert len(registry.load_entities(store)) == before


# --- export round trips ----------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt,name", [("csv", "out.csv"), ("geojson", "out.geojson"), ("xlsx", "out.xlsx")])
def test_export_round_trips(tmp_path, fmt, name):
    entities = registry.validate_file(SEED)
    out = tmp_path / name
    registry.export(entities, fmt, out)
    again = registry.validate_file(out)
    strip = lambda es: [(e.id, e.name_zh, e.kind, e.categories, e.robot_types, e.lon, e.lat, e.precision, e.source)  # noqa: E731
                        for e in es]
    assert strip(again) == strip(entities)


def test_geojson_export_keeps_unlocated_entities_without_geometry():
    fc = registry.to_geojson(registry.validate_file(SEED))
    centre = next(f for f in fc["features"] if f["id"] == "embodied-centre")
    assert centre["geometry"] is None
    leader = next(f for f in fc["features"] if f["id"] == "leaderdrive")
    assert leader["properties"]["precision"] == "town" and leader["properties"]["region_radius_m"] == 5000
    assert leader["properties"]["uncertainty_m"] is None  # not stated by the source: the default applies
    dongshan = next(f for f in fc["features"] if f["id"] == "dongshan-park")
    assert dongshan["properties"]["uncertainty_m"] == dongshan["properties"]["region_radius_m"] == 6000


def test_csv_export_is_readable_by_csv_module():
    text = registry.to_csv(registry.validate_file(SEED))
    rows = list(csv.DictReader(text.splitlines()))
    assert rows[0].keys() == set(ENTITY_COLUMNS) or list(rows[0].keys()) == list(ENTITY_COLUMNS)


def test_schema_doc_lists_every_kind_category_and_robot_type():
    from supplychain import taxonomy

    doc = (ROOT / "data" / "SCHEMA.md").read_text(encoding="utf-8")
    for name in [*taxonomy.KINDS, *taxonomy.CATEGORIES, *taxonomy.ROBOT_TYPES, *ENTITY_COLUMNS]:
        assert f"`{name}`" in doc, name


def test_uncertainty_radius_is_validated_and_kept_through_a_geojson_round_trip(tmp_path):
    header = ",".join(ENTITY_COLUMNS)
    bad = write(tmp_path, header + "\n" + row(uncertainty_m="-5") + "\n" + row(id="t2", uncertainty_m="abc") + "\n")
    errs = errors_of(bad)
    assert [(e.line, e.column) for e in errs] == [(2, "uncertainty_m"), (3, "uncertainty_m")]
    good = registry.validate_file(write(tmp_path, header + "\n" + row(precision="town", uncertainty_m="4500") + "\n",
                                        name="ok.csv"))
    out = tmp_path / "round.geojson"
    registry.export(good, "geojson", out)
    again = registry.validate_file(out)
    assert again[0].uncertainty_m == 4500 and again[0].radius_m == 4500


def test_kinds_categories_and_robot_types_are_accepted_in_chinese(tmp_path):
    header = ",".join(ENTITY_COLUMNS)
    text = header + "\n" + row(kind="企业", categories="减速器；电机", robot_types="") + "\n" + \
        row(id="t2", kind="firm", categories="整机、Reducer", robot_types="人形机器人") + "\n"
    es = registry.validate_file(write(tmp_path, text))
    assert es[0].kind == "firm" and es[0].categories == ("reducer", "motor")
    assert es[1].categories == ("whole_robot", "reducer") and es[1].robot_types == ("humanoid",)
    errs = errors_of(write(tmp_path, header + "\n" + row(categories="反重力") + "\n", name="bad.csv"))
    assert errs[0].column == "categories" and "反重力" in errs[0].reason
