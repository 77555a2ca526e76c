"""Enterprise lists (Chinese headers, no coordinates): import, duplicates, suggested categories, and the
50-firm list of issue 10 geocoded offline and through a fake AMap server.

Every firm name here is synthetic (合成, made up for the test); the roads and sub-districts in the addresses are
real names from ../shared/geo/wuzhong-osm-places.geojson and the gazetteer.
"""

from __future__ import annotations

import subprocess
import sys

import openpyxl
import pytest

from supplychain import coords, enterprise, geocode, places, registry, taxonomy
from supplychain.store import Store

from .conftest import SHARED_GEO
from .geocoder_fakes import KEY, FakeGeocoder, metres, serve

HEADERS = ["企业名称", "统一社会信用代码", "注册地址", "经营范围", "行业", "成立日期"]
# Real 吴中 roads (OSM way centres in the shared places file, inside the 吴中 polygon, ≥ 3 points each).
ROADS = ["太湖东路", "东吴南路", "石湖东路", "宝带东路", "宝带西路", "澄湖路", "东吴北路", "苏蠡路", "东进路",
         "枫津路", "长蠡路", "交通路", "龙西路", "吴中东路", "吴中西路", "南环西路", "迎春南路", "冬青路", "文曲路",
         "夏莲路"]
TOWNS = ["郭巷街道", "长桥街道", "城南街道", "木渎镇", "东山镇", "胥口镇", "光福镇"]
SCOPES = ["谐波减速器、精密传动部件的研发与生产", "伺服电机及驱动器的制造", "激光雷达与视觉传感器", "灵巧手、电动夹爪",
          "滚珠丝杠、直线导轨", "锂电池组", "机器人主控芯片设计", "人形机器人整机研发", "工业软件开发", "模具加工"]


def _code(i: int) -> str:
    return f"91320506MA{i:07d}X"[:18].ljust(18, "0")


def firm_rows() -> list[tuple[list, str]]:
    """50 firms: (row, expected offline precision or 'unlocated')."""
    rows = []
    for i in range(50):
        name = f"苏州合成样例{i:02d}科技有限公司（合成 synthetic）"
        if i < 20:
            addr, want = f"江苏省苏州市吴中区{ROADS[i]}{100 + i}号", "street"
        elif i < 34:
            t = TOWNS[(i - 20) % len(TOWNS)]
            addr, want = f"苏州市吴中区{t}合成大厦{i}楼", "town"
        elif i < 44:
            addr, want = ("苏州市吴中区越溪街道合成园区" if i % 2 else "苏州市吴中区甪直镇合成村"), "district"
        else:
            addr, want = ("江苏省苏州市合成大厦" if i % 2 else "吴江区合成工业园"), "unlocated"
        rows.append(([name, _code(i), addr, SCOPES[i % len(SCOPES)], "制造业", "2020-01-01"], want))
    return rows


def write_xlsx(path, extra=()):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for row, _ in firm_rows():
        ws.append(row)
    for row in extra:
        ws.append(row)
    wb.save(path)
    return path


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "data")
    places.import_file(s, SHARED_GEO / "wuzhong-osm-places.geojson")
    places.import_file(s, SHARED_GEO / "sip-core-labels.geojson")
    return s


def test_fifty_firms_offline(store, tmp_path):
    rows = firm_rows()
    dup_code = [f"另一个名字（合成 synthetic）", _code(3), "吴中区", "", "", ""]
    dup_name = [rows[5][0][0], "", "吴中区", "", "", ""]
    report = enterprise.import_list(store, write_xlsx(tmp_path / "list.xlsx", [dup_code, dup_name]))
    assert len(report.added) == 50 and len(report.duplicates) == 2
    assert any("credit code" in d for d in report.duplicates) and any("same name" in d for d in report.duplicates)
    ids = [f"cc-{_code(i)}" for i in range(50)]
    assert [e.id for e in registry.load_entities(store) if e.id in ids] == sorted(ids)
    geocode.geocode_entities(store, "offline")
    by = {e.id: e for e in registry.load_entities(store)}
    for i, (row, want) in enumerate(rows):
        e = by[ids[i]]
        if want == "unlocated":
            assert not e.located and e.geocode_reason, (row, e)
        else:
            assert e.precision == want, (row, e.precision, e.geocode_reason)
            assert "offline" in e.source
    # again: nothing doubled, positions kept
    again = enterprise.import_list(store, tmp_path / "list.xlsx")
    assert not again.added and len(again.updated) == 50
    assert sum(1 for e in registry.load_entities(store) if e.id in ids and e.located) == 44


def test_suggested_categories_wait_for_confirmation(store, tmp_path):
    enterprise.import_list(store, write_xlsx(tmp_path / "list.xlsx"))
    e = {x.id: x for x in registry.load_entities(store)}[f"cc-{_code(0)}"]
    assert e.categories == () and e.suggested_categories == ("reducer",) and "谐波" in e.suggested_words
    e1 = {x.id: x for x in registry.load_entities(store)}[f"cc-{_code(1)}"]
    assert e1.suggested_categories == ("motor", "driver_controller")
    # analyses read categories only
    from supplychain.workspace import Workspace

    ws = Workspace.open(store.data_dir, with_network=False)
    assert f"cc-{_code(0)}" not in {x.id for x in ws.entities_of("reducer")}
    accepted = Store(tmp_path / "accepted")
    enterprise.import_list(accepted, tmp_path / "list.xlsx", accept_suggested=True)
    e = {x.id: x for x in registry.load_entities(accepted)}[f"cc-{_code(7)}"]
    assert e.categories == ("whole_robot",) and e.suggested_categories == ()


def test_keyword_table_lives_in_taxonomy():
    assert taxonomy.suggest_categories("苏州合成减速机有限公司", "伺服电机、力矩传感器") == (
        ("reducer", "motor", "sensor"), ("减速机", "伺服", "电机", "传感器", "力矩"))
    assert taxonomy.suggest_categories("合成餐饮", "") == ((), ())


def test_columns_mapping_and_csv(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("公司,位置,范围\n合成甲公司（合成 synthetic）,苏州市吴中区郭巷街道,激光雷达\n", encoding="utf-8")
    s = Store(tmp_path / "d")
    rep = enterprise.import_list(s, path, enterprise.parse_columns("name=公司,address=位置,scope=范围"))
    e = registry.load_entities(s)[0]
    assert rep.added == [enterprise.slug_id("合成甲公司（合成 synthetic）")] and e.address == "苏州市吴中区郭巷街道"
    assert e.suggested_categories == ("sensor",)
    with pytest.raises(ValueError):
        enterprise.parse_columns("nom=公司")
    with pytest.raises(registry.RegistryError):
        enterprise.import_list(s, path, {"name": "企业名称"})


def test_fifty_firms_through_fake_amap(tmp_path):
    rows = firm_rows()
    levels = ["门牌号", "道路", "乡镇", "区县", "兴趣点", "市"]
    answers = {}
    for i, (row, _) in enumerate(rows):
        if i % 10 == 9:
            continue  # an empty answer
        answers[row[2]] = (120.60 + i * 0.002, 31.20 + i * 0.001, levels[i % len(levels)])
    store = Store(tmp_path / "data")
    enterprise.import_list(store, write_xlsx(tmp_path / "list.xlsx"))
    fake = FakeGeocoder(answers, fail_after=20)
    with serve(fake) as url:
        first = geocode.geocode_entities(store, "amap", base_url=url, key=KEY, qps=100)
        assert first.stopped and "10003" in first.stopped  # quota error mid-batch
        placed = {e.id for e in registry.load_entities(store) if e.located}
        assert placed and len(placed) <= 20
        fake.fail_after = None
        rest = geocode.geocode_entities(store, "amap", base_url=url, key=KEY, qps=100, only_unlocated=True)
        assert not rest.stopped
        assert {e.id for e in registry.load_entities(store) if e.located} >= placed  # nothing placed was lost
        by = {e.address: e for e in registry.load_entities(store)}
        for row, _ in rows:
            e = by[row[2]]
            hit = answers.get(row[2])
            if hit is None or hit[2] == "市":
                assert not e.located and e.geocode_reason
                continue
            assert metres((e.lon, e.lat), coords.gcj02_to_wgs84(hit[0], hit[1])) < 1.0
            assert e.precision == {"门牌号": "exact", "兴趣点": "exact", "道路": "street", "乡镇": "town",
                                   "区县": "district"}[hit[2]]
        n = len(fake.seen)
        geocode.geocode_entities(store, "amap", base_url=url, key=KEY, qps=100)
        assert len(fake.seen) == n  # a rerun asks the provider nothing


def test_cli_import_list_with_geocode(tmp_path):
    path = write_xlsx(tmp_path / "list.xlsx")
    cli = [sys.executable, "-m", "supplychain.cli", "--init", "--data-dir", str(tmp_path / "data")]
    out = subprocess.run(cli + ["entities", "import", str(path), "--geocode", "offline"], capture_output=True,
                         text=True, check=True)
    assert "50 added" in out.stdout and "geocoded (offline)" in out.stdout
    val = subprocess.run(cli + ["entities", "validate", str(path)], capture_output=True, text=True, check=True)
    assert "enterprise list OK, 50 firms" in val.stdout
