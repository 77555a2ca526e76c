"""The AMap and Tianditu providers against fake servers on 127.0.0.1 (documented JSON shapes)."""

from __future__ import annotations

import pytest

from supplychain import coords, geocode, registry
from supplychain.store import ENTITY_COLUMNS, Store

from .geocoder_fakes import KEY, FakeGeocoder, metres, serve

# GCJ-02 points as AMap would serve them (the WGS84 ones are their conversion)
ANSWERS = {
    "吴中区郭巷街道淞苇路518号": (120.70312, 31.26101, "门牌号"),
    "吴中区东吴南路8号": (120.63012, 31.24401, "道路"),
    "吴中区木渎镇": (120.51712, 31.25601, "乡镇"),
    "吴中区": (120.63211, 31.26212, "区县"),
    "苏州市": (120.58532, 31.29888, "市"),  # coarser than a district: rejected
}


def _rows(tmp_path, addresses):
    path = tmp_path / "rows.csv"
    lines = [",".join(ENTITY_COLUMNS)]
    for i, a in enumerate(addresses):
        row = {c: "" for c in ENTITY_COLUMNS} | {"id": f"f{i:02d}", "name_zh": f"合成企业{i}（synthetic）",
                                                 "kind": "firm", "address": a, "district": "吴中区"}
        lines.append(",".join(row[c] for c in ENTITY_COLUMNS))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "data")
    registry.import_file(s, _rows(tmp_path, [*ANSWERS, "不存在的地址1号"]))
    return s


def test_amap_positions_precisions_cache_and_rerun(store):
    fake = FakeGeocoder(ANSWERS, flaky={"吴中区木渎镇"})
    with serve(fake) as url:
        report = geocode.geocode_entities(store, "amap", base_url=url, key=KEY, qps=50, backoff_s=0.01)
        by = {e.address: e for e in registry.load_entities(store)}
        for address, (glon, glat, level) in ANSWERS.items():
            e = by[address]
            if level == "市":
                assert not e.located and "市" in e.geocode_reason
                continue
            want = coords.gcj02_to_wgs84(glon, glat)
            assert metres((e.lon, e.lat), want) < 1.0
            assert e.precision == {"门牌号": "exact", "道路": "street", "乡镇": "town", "区县": "district"}[level]
            assert "AMap" in e.source and e.crs == "gcj02" and (e.lon_orig, e.lat_orig) == (glon, glat)
        assert not by["不存在的地址1号"].located and "nothing" in by["不存在的地址1号"].geocode_reason
        assert report.asked == len(ANSWERS) + 2  # one per address, plus the retry after the 503
        n = len(fake.seen)
        again = geocode.geocode_entities(store, "amap", base_url=url, key=KEY, qps=50)
        assert len(fake.seen) == n and again.asked == 0  # a rerun asks nothing
        cached = store.query("SELECT provider, query, answer, asked_at FROM geocode_cache")
        assert len(cached) == len(ANSWERS) + 1 and all(r["asked_at"] for r in cached)
        assert all(KEY not in r["query"] for r in cached)


def test_amap_quota_error_mid_batch_keeps_what_was_placed_and_resumes(store):
    fake = FakeGeocoder(ANSWERS, fail_after=2)
    with serve(fake) as url:
        report = geocode.geocode_entities(store, "amap", base_url=url, key=KEY, qps=50)
        assert "10003" in report.stopped and "quota" in report.stopped
        placed = [e for e in registry.load_entities(store) if e.located]
        assert len(placed) >= 1 and sum(len(v) for v in report.placed.values()) == len(placed)
        fake.fail_after = None
        rest = geocode.geocode_entities(store, "amap", base_url=url, key=KEY, qps=50)
        assert not rest.stopped and rest.asked == len(ANSWERS) + 1 - 2  # only what was not answered before
        assert sum(1 for e in registry.load_entities(store) if e.located) == len(ANSWERS) - 1


def test_bad_key_is_one_clear_line(store):
    with serve(FakeGeocoder(ANSWERS)) as url:
        report = geocode.geocode_entities(store, "amap", base_url=url, key="wrong", qps=50)
    assert "INVALID_USER_KEY" in report.stopped and "\n" not in report.stopped
    assert not any(e.located for e in registry.load_entities(store))
    assert store.query("SELECT count(*) FROM geocode_cache")[0][0] == 0  # a refusal is not an answer


def test_missing_key_and_unreachable_server(store, monkeypatch):
    monkeypatch.delenv("SUPPLYCHAIN_AMAP_KEY", raising=False)
    assert "SUPPLYCHAIN_AMAP_KEY" in geocode.geocode_entities(store, "amap", base_url="http://127.0.0.1:9").stopped
    r = geocode.geocode_entities(store, "amap", base_url="http://127.0.0.1:9", key=KEY, retries=0)
    assert "unreachable" in r.stopped


def test_tianditu_shapes(store, tmp_path):
    answers = {a: (lon, lat, {"门牌号": "门址", "道路": "道路", "乡镇": "乡镇", "区县": "区县", "市": "城市"}[lv])
               for a, (lon, lat, lv) in ANSWERS.items()}
    with serve(FakeGeocoder(answers)) as url:
        report = geocode.geocode_entities(store, "tianditu", base_url=url, key=KEY, qps=50)
        by = {e.address: e for e in registry.load_entities(store)}
        e = by["吴中区郭巷街道淞苇路518号"]
        assert (e.lon, e.lat, e.precision) == (120.70312, 31.26101, "exact")  # CGCS2000 taken as WGS84
        assert "CGCS2000 treated as WGS84" in e.source
        assert not by["苏州市"].located and not by["不存在的地址1号"].located
        cached = geocode.geocode_entities(store, "tianditu", base_url=url, key="wrong", qps=50, only_unlocated=True)
        assert cached.asked == 0 and not cached.stopped  # every answer came from the cache: no key needed
        fresh = Store(tmp_path / "fresh")
        registry.import_file(fresh, _rows(tmp_path, ["吴中区木渎镇"]))
        bad = geocode.geocode_entities(fresh, "tianditu", base_url=url, key="wrong", qps=50)
    assert "非法key" in bad.stopped and report.stopped == ""


def test_timeout_is_retried_and_the_rate_limit_holds(store):
    import time

    fake = FakeGeocoder(ANSWERS, slow={"吴中区"}, slow_s=1.0)
    with serve(fake) as url:
        t0 = time.monotonic()
        report = geocode.geocode_entities(store, "amap", base_url=url, key=KEY, qps=4, timeout_s=0.3,
                                          backoff_s=0.01)
        took = time.monotonic() - t0
    assert not report.stopped and report.asked == len(ANSWERS) + 2  # the late answer was asked again
    assert took >= (report.asked - 1) / 4  # never more than 4 requests a second


def test_cli_stops_with_one_line_and_keeps_what_was_placed(tmp_path, monkeypatch):
    import subprocess
    import sys

    data = tmp_path / "data"
    s = Store(data)
    registry.import_file(s, _rows(tmp_path, list(ANSWERS)))
    with serve(FakeGeocoder(ANSWERS, fail_after=1)) as url:
        monkeypatch.setenv("SUPPLYCHAIN_AMAP_KEY", KEY)
        res = subprocess.run([sys.executable, "-m", "supplychain.cli", "--data-dir", str(data), "entities", "geocode",
                              "--provider", "amap", "--geocoder-url", url, "--qps", "50", "--quiet"],
                             capture_output=True, text=True)
    assert res.returncode == 1
    assert len(res.stderr.strip().splitlines()) == 1 and res.stderr.startswith("地理编码已停止")
    assert "10003" in res.stderr and "Traceback" not in res.stderr
    assert sum(1 for e in registry.load_entities(Store(data)) if e.located and e.located_by == "geocoder:amap") >= 1


def test_an_answer_outside_the_stated_district_is_placed_and_flagged_for_review(tmp_path):
    from supplychain import review

    s = Store(tmp_path / "far")
    registry.import_file(s, _rows(tmp_path, ["吴中区长阳街259号"]))
    with serve(FakeGeocoder({"吴中区长阳街259号": (120.7853, 31.3398, "门牌号")})) as url:  # in the SIP
        geocode.geocode_entities(s, "amap", base_url=url, key=KEY, qps=50)
    e = registry.load_entities(s)[0]
    assert e.precision == "exact" and "far from the stated district" in e.geocode_reason
    assert any("far from" in r for r in review.reasons(e))
