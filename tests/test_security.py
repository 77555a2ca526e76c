"""Writes need the edit token, hosts are checked, every answer has the security headers, bodies are bounded and
typed (the 19 body shapes that answered 500 in issue 11 now get a 4xx naming the field), map labels are escaped
for the JavaScript they land in. Through Flask's test client on a data dir without a road network."""

from __future__ import annotations

import json
import re
import stat

import pytest

from supplychain import edittoken, maps, route
from supplychain.workspace import Workspace
from webapp import create_app, security


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return Workspace.open(tmp_path_factory.mktemp("security") / "data")


@pytest.fixture(scope="module")
def token(ws):
    return edittoken.edit_token(ws.data_dir)


@pytest.fixture
def anon(ws):
    return create_app(workspace=ws, testing=True).test_client()


@pytest.fixture
def client(ws, token):
    c = create_app(workspace=ws, testing=True).test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return c


def error(resp, status):
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    body = resp.get_json()
    assert set(body["error"]) == {"code", "message", "field"}
    return body["error"]


# ----------------------------------------------------------------------------------------------------
# The token

def test_token_file_is_private_and_stable(ws, token):
    path = edittoken.token_path(ws.data_dir)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(token) >= 40 and edittoken.edit_token(ws.data_dir) == token
    assert edittoken.matches(token, token) and not edittoken.matches(token[:-1] + "x", token)
    assert not edittoken.matches("", token) and not edittoken.matches(None, token)


WRITES = [
    ("POST", "/api/routes", {"id": "t1", "name_zh": "测试"}),
    ("POST", "/api/routes/import", {"type": "FeatureCollection", "features": []}),
    ("PATCH", "/api/routes/kechuang", {"note": "x"}),
    ("DELETE", "/api/routes/kechuang", None),
    ("POST", "/api/routes/kechuang/stops", {"lon": 120.6, "lat": 31.26}),
    ("PATCH", "/api/routes/kechuang/stops/1", {"name_zh": "x"}),
    ("DELETE", "/api/routes/kechuang/stops/1", None),
    ("PUT", "/api/routes/kechuang/order", {"order": [2, 1]}),
    ("POST", "/api/routes/design", {"start": "120.6,31.26", "end": "120.62,31.27", "save_as": "saved"}),
]


@pytest.mark.parametrize("method,path,body", WRITES)
def test_writes_without_the_token_get_401_and_change_nothing(anon, ws, method, path, body):
    before = route.export_geojson(ws, "kechuang")
    err = error(anon.open(path, method=method, json=body), 401)
    assert err["code"] == "unauthorized"
    assert err["message"].startswith("需要编辑令牌") and "Edit token" in err["message"]
    err = error(anon.open(path, method=method, json=body, headers={"Authorization": "Bearer wrong"}), 401)
    assert route.export_geojson(ws, "kechuang") == before
    assert {r["id"] for r in route.list_routes(ws)} >= {"kechuang"}


def test_computing_posts_need_no_token(anon):
    r = anon.post("/api/sites/evaluate", json={"candidates": [{"name": "a", "lon": 120.62, "lat": 31.27}]})
    assert r.status_code == 200
    r = anon.post("/api/routes/design", json={"start": "120.6,31.26", "end": "120.62,31.27"})
    assert r.status_code == 200 and not r.get_json().get("saved_as")


def test_the_token_url_sets_a_strict_cookie_and_redirects_to_the_clean_url(anon, token):
    r = anon.get(f"/sourcing?radius_km=10&token={token}")
    assert r.status_code == 303 and r.headers["Location"] == "/sourcing?radius_km=10"
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and token not in cookie
    assert anon.post("/api/routes", json={"id": "bycookie", "name_zh": "曲奇"}).status_code == 201
    # The cookie from a page of another origin does not write (SameSite aside).
    err = error(anon.post("/api/routes", json={"id": "x2", "name_zh": "x"}, headers={"Origin": "http://evil.example"}),
                401)
    assert err["code"] == "unauthorized"
    # A wrong token in the URL sets nothing.
    r = anon.get("/?token=nope")
    assert r.status_code == 401 and "Set-Cookie" not in r.headers and "令牌无效" in r.get_data(as_text=True)


def test_read_only_refuses_every_write(ws, token):
    c = create_app(workspace=ws, testing=True, read_only=True).test_client()
    for method, path, body in WRITES:
        err = error(c.open(path, method=method, json=body, headers={"Authorization": f"Bearer {token}"}), 403)
        assert err["code"] == "read_only" and err["message"].startswith("只读模式")
    assert c.post("/api/sites/evaluate", json={"candidates": [{"lon": 120.62, "lat": 31.27}]}).status_code == 200


@pytest.mark.parametrize("host,ok", [("localhost", True), ("127.0.0.1:8000", True), ("[::1]:1234", True),
                                     ("LOCALHOST:80", True), ("evil.example", False), ("127.0.0.1.evil.example", False),
                                     ("10.0.0.5:8000", False), ("lab.local:8000", True)])
def test_host_allow_list(ws, host, ok):
    c = create_app(workspace=ws, testing=True, allowed_hosts=["lab.local"]).test_client()
    r = c.get("/api/health", headers={"Host": host})
    if ok:
        assert r.status_code == 200
    else:
        assert error(r, 400)["code"] == "bad_host"
        assert c.get("/", headers={"Host": host}).status_code == 400


def test_loopback_binds():
    assert all(security.is_loopback(h) for h in ("127.0.0.1", "127.0.0.2", "::1", "localhost"))
    assert not any(security.is_loopback(h) for h in ("0.0.0.0", "::", "192.168.1.4", "example.org"))


# ----------------------------------------------------------------------------------------------------
# Headers

@pytest.mark.parametrize("path", ["/", "/suppliers", "/sourcing", "/sites", "/route", "/registry", "/api/health", "/nope"])
def test_security_headers_and_a_fresh_nonce_on_every_inline_script(anon, path):
    r1, r2 = anon.get(path), anon.get(path)
    csp = r1.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    script_src = re.search(r"script-src ([^;]+)", csp).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "'unsafe-inline'" not in re.search(r"style-src ([^;]+)", csp).group(1)  # attributes only (style-src-attr)
    assert r1.headers["X-Content-Type-Options"] == "nosniff" and r1.headers["Referrer-Policy"] == "same-origin"
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert nonce != re.search(r"'nonce-([^']+)'", r2.headers["Content-Security-Policy"]).group(1)
    html = r1.get_data(as_text=True)
    if r1.mimetype == "text/html":
        inline = [t for t in re.findall(r"<script\b[^>]*>", html) if "src=" not in t and "application/json" not in t]
        inline += re.findall(r"<style\b[^>]*>", html)
        assert inline and all(f'nonce="{nonce}"' in t for t in inline), inline
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), "inline event handlers are blocked by the CSP"


# ----------------------------------------------------------------------------------------------------
# Bounded, typed bodies

def test_body_over_the_limit_is_413_json(ws, token):
    c = create_app(workspace=ws, testing=True, max_content_length=1000).test_client()
    big = json.dumps({"candidates": [{"lon": 120.6, "lat": 31.2}] * 100})
    err = error(c.post("/api/sites/evaluate", data=big, content_type="application/json"), 413)
    assert err["code"] == "too_large" and err["field"] == "body" and "请求体过大" in err["message"]
    assert create_app(workspace=ws, testing=True).config["MAX_CONTENT_LENGTH"] == 10 * 1024 * 1024


def _feature(geometry=..., properties=...):
    f = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [120.62, 31.27]},
         "properties": {"role": "stop", "seq": 1, "name_zh": "甲"}}
    if geometry is not ...:
        f["geometry"] = geometry
    if properties is not ...:
        f["properties"] = properties
    return {"type": "FeatureCollection", "route": {"id": "imp", "name_zh": "导入"}, "features": [f]}


DESIGN = {"start": "120.6,31.26", "end": "120.62,31.27"}
#: The 19 body shapes issue 11 found answering 500, each with the field the 4xx must name.
ISSUE_BODIES = [
    ("POST", "/api/routes", {"id": "c1", "name_zh": "x", "copy_from": 1}, "copy_from"),
    ("POST", "/api/routes", {"id": "c2", "name_zh": "x", "copy_from": True}, "copy_from"),
    ("POST", "/api/routes", {"id": "c3", "name_zh": "x", "copy_from": []}, "copy_from"),
    ("POST", "/api/routes", {"id": "c4", "name_zh": "x", "copy_from": {}}, "copy_from"),
    ("POST", "/api/routes/import", _feature(geometry=1), "features[0].geometry"),
    ("POST", "/api/routes/import", _feature(geometry="x"), "features[0].geometry"),
    ("POST", "/api/routes/import", _feature(geometry=[]), "features[0].geometry"),
    ("POST", "/api/routes/import", _feature(properties=1), "features[0].properties"),
    ("POST", "/api/routes/import", _feature(properties="x"), "features[0].properties"),
    ("POST", "/api/routes/import", _feature(properties=[]), "features[0].properties"),
    ("POST", "/api/routes/import", _feature(properties={"name_zh": "a", "entity_id": []}),
     "features[0].properties.entity_id"),
    ("POST", "/api/routes/import", _feature(properties={"name_zh": "a", "entity_id": {}}),
     "features[0].properties.entity_id"),
    ("POST", "/api/routes/design", {**DESIGN, "compare_with": 1}, "compare_with"),
    ("POST", "/api/routes/design", {**DESIGN, "compare_with": [1]}, "compare_with"),
    ("POST", "/api/routes/design", {**DESIGN, "base_route": 1}, "base_route"),
    ("POST", "/api/routes/design", {**DESIGN, "base_route": []}, "base_route"),
    ("PATCH", "/api/routes/kechuang", {"route_id": "x"}, "route_id"),
    ("PATCH", "/api/routes/kechuang", {"ws": 1}, "ws"),
    ("POST", "/api/sites/optimize", {"k": 10 ** 400}, "k"),
]
MORE_BODIES = [
    ("POST", "/api/sites/optimize", {"k": True}, "k"),
    ("POST", "/api/sites/evaluate", {"candidates": [{"name": "a", "lon": True, "lat": 31.2}]}, "candidates[0].lon"),
    ("POST", "/api/sites/evaluate", {"candidates": [{"name": "a", "lon": 10 ** 400, "lat": 31.2}]},
     "candidates[0].lon"),
    ("POST", "/api/sites/evaluate", {"candidates": [{"name": [], "lon": 120.6, "lat": 31.26}]}, "candidates[0].name"),
    ("POST", "/api/routes", {"id": "q1", "name_zh": "x", "stated_length_m": 10 ** 400}, "stated_length_m"),
    ("POST", "/api/routes", {"id": "q2", "name_zh": "x", "stated_length_m": True}, "stated_length_m"),
    ("POST", "/api/routes/design", {**DESIGN, "budget_km": 10 ** 400}, "budget_km"),
    ("POST", "/api/routes/design", {**DESIGN, "name_zh": 1}, "name_zh"),
    ("PUT", "/api/routes/kechuang/order", {"order": [True, 2]}, "order"),
    ("POST", "/api/routes/kechuang/stops", {"lon": 120.62, "lat": 31.27, "bogus": 1}, "bogus"),
    ("PATCH", "/api/routes/kechuang/stops/1", {"name_zh": "a", "seq": 2}, "seq"),
    ("POST", "/api/routes/kechuang/stops", [1, 2], "body"),
    ("POST", "/api/routes/design", {**DESIGN, "candidates": ["120.6,31.26"] * 201}, "candidates"),
    ("PUT", "/api/routes/kechuang/order", {"order": list(range(1, 1000))}, "order"),
]


@pytest.mark.parametrize("method,path,body,field", ISSUE_BODIES + MORE_BODIES)
def test_wrong_types_are_4xx_naming_the_field(client, method, path, body, field):
    r = client.open(path, method=method, data=json.dumps(body), content_type="application/json")
    assert 400 <= r.status_code < 500, r.get_data(as_text=True)[:300]
    assert r.get_json()["error"]["field"] == field


def test_issue_list_has_its_19_shapes():
    assert len(ISSUE_BODIES) == 19


def test_route_reset_restores_the_shipped_route(tmp_path):
    ws = Workspace.open(tmp_path / "d")
    shipped = route.export_geojson(ws, "kechuang")
    route.delete_route(ws, "kechuang")
    assert "kechuang" not in {r["id"] for r in route.list_routes(ws)}
    route.reset_route(ws.store, "kechuang")
    assert route.export_geojson(ws, "kechuang") == shipped
    with pytest.raises(Exception, match="not a shipped route"):
        route.reset_route(ws.store, "nope")


def test_cli_token_and_route_reset(tmp_path, capsys):
    from supplychain.cli import main

    d = str(tmp_path / "cli")
    assert main(["--init", "--data-dir", d, "token"]) == 0
    tok = capsys.readouterr().out.strip()
    assert tok == edittoken.edit_token(d)
    assert main(["--data-dir", d, "route", "delete", "kechuang"]) == 0
    assert main(["--data-dir", d, "route", "reset", "kechuang"]) == 0
    assert "restored route kechuang" in capsys.readouterr().out


# ----------------------------------------------------------------------------------------------------
# Map labels

@pytest.mark.parametrize("text", ["${alert(1)}", "`;alert(1);`", "</script><script>alert(1)</script>",
                                  "\" onmouseover=\"alert(1)", "<img src=x onerror=alert(1)>", "a\\`b\\u0041",
                                  "line\nbreak", "ok & <b>"])
def test_map_text_is_inert_in_html_and_in_js_literals(text):
    out = maps.map_text(text)
    assert not set(out) & set("<>\"'`$\\\n\r")
    import html

    assert html.unescape(out) == text  # reads exactly as given



@pytest.mark.parametrize("host,warned", [("127.0.0.1", False), ("0.0.0.0", True)])
def test_serve_prints_the_token_url_warns_off_loopback_and_bounds_waitress(tmp_path, capsys, monkeypatch, host,
                                                                           warned):
    import waitress

    from supplychain.cli import main

    seen = {}
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: seen.update(kw, app=app))
    d = str(tmp_path / "serve")
    assert main(["--init", "--data-dir", d, "serve", "--host", host, "--port", "8123", "--allowed-host", "lab.local"]) == 0
    out, err = capsys.readouterr()
    tok = edittoken.edit_token(d)
    assert f"http://127.0.0.1:8123/?token={tok}" in out
    assert ("WARNING" in err and "警告" in err) == warned
    assert seen["host"] == host and seen["connection_limit"] > 0 and seen["channel_timeout"] > 0
    assert seen["max_request_body_size"] == seen["app"].config["MAX_CONTENT_LENGTH"] == 10 * 1024 * 1024
    assert seen["app"].extensions["sc_security"].allowed_hosts == ("lab.local",)


def test_serve_read_only_prints_no_token(tmp_path, capsys, monkeypatch):
    import waitress

    from supplychain.cli import main

    monkeypatch.setattr(waitress, "serve", lambda app, **kw: None)
    d = str(tmp_path / "ro")
    assert main(["--init", "--data-dir", d, "serve", "--read-only"]) == 0
    out = capsys.readouterr().out
    assert "read-only" in out and edittoken.edit_token(d) not in out
