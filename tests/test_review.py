"""The review queue, a person's edits (recorded) and the /registry API behind the edit token."""

from __future__ import annotations


import pytest

from supplychain import edittoken, enterprise, registry, review
from supplychain.errors import InputError
from supplychain.workspace import Workspace
from webapp import create_app


@pytest.fixture
def ws(tmp_path):
    w = Workspace.open(tmp_path / "data", with_network=False)
    path = tmp_path / "list.csv"
    path.write_text("企业名称,注册地址,经营范围\n合成乙公司（合成 synthetic）,苏州市吴中区郭巷街道,谐波减速器\n",
                    encoding="utf-8")
    enterprise.import_list(w.store, path)
    w.reload_entities()
    return w


def test_queue_lists_unlocated_coarse_and_suggested(ws):
    rows = {r["id"]: r for r in review.queue(ws.entities)}
    syn = next(r for r in rows.values() if r["name_zh"].startswith("合成乙"))
    assert any("suggested" in x for x in syn["reasons"]) and any("unlocated" in x for x in syn["reasons"])
    assert "magiclab" in rows and any("coarse" in x for x in rows["magiclab"]["reasons"])
    assert "elite-robots" not in rows  # street precision, confirmed categories: nothing to do


def test_edit_records_who_and_what(ws):
    e = review.edit(ws.store, "magiclab", "token:test", lon=120.61, lat=31.25, categories=["whole_robot", "motor"])
    assert (e.lon, e.lat, e.precision, e.located_by) == (120.61, 31.25, "exact", "")
    assert e.categories == ("motor", "whole_robot") and "review page" in e.source
    log = registry.edits(ws.store, "magiclab")
    assert {r["field"] for r in log} >= {"lon", "lat", "precision", "categories", "source"}
    assert all(r["who"] == "token:test" and r["at"] for r in log)
    assert next(r for r in log if r["field"] == "lon")["old"] == "120.62801"
    with pytest.raises(InputError):
        review.edit(ws.store, "magiclab", "t", categories=["nope"])
    with pytest.raises(InputError):
        review.edit(ws.store, "magiclab", "t", lon=10, lat=50)
    with pytest.raises(InputError):
        review.edit(ws.store, "nobody", "t", lon=120.6, lat=31.2)


def test_api_needs_the_token_and_records_the_holder(ws):
    app = create_app(workspace=ws, testing=True)
    anon = app.test_client()
    r = anon.post("/api/registry/entities/magiclab", json={"lon": 120.61, "lat": 31.25})
    assert r.status_code == 401
    assert registry.edits(ws.store) == []
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {edittoken.edit_token(ws.data_dir)}"
    r = c.post("/api/registry/entities/magiclab", json={"lon": 120.61, "lat": 31.25, "precision": "street"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["entity"]["precision"] == "street" and body["edits"][0]["who"].startswith("token:")
    assert edittoken.edit_token(ws.data_dir) not in str(body)
    assert c.post("/api/registry/entities/magiclab", json={"bogus": 1}).status_code == 400
    assert c.post("/api/registry/entities/magiclab", json={"categories": ["nope"]}).get_json()["error"]["field"] == "categories"
    assert anon.get("/api/registry/review").status_code == 200
    assert len(anon.get("/api/registry/edits").get_json()["edits"]) >= 3
    page = anon.get("/registry")
    assert page.status_code == 200 and "登记审核" in page.get_data(as_text=True)


def test_edits_are_exported_with_the_registry(ws, tmp_path):
    import subprocess
    import sys

    import openpyxl

    review.edit(ws.store, "magiclab", "token:test", categories=["whole_robot", "motor"])
    out = tmp_path / "reg.xlsx"
    subprocess.run([sys.executable, "-m", "supplychain.cli", "--data-dir", str(ws.data_dir), "entities", "export",
                    "--format", "xlsx", "-o", str(out), "--with-edits"], check=True, capture_output=True)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["entities", "edits"]
    rows = list(wb["edits"].iter_rows(values_only=True))
    assert rows[0] == registry.EDIT_COLUMNS and any(r[3] == "magiclab" and r[4] == "categories" for r in rows[1:])
