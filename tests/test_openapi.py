"""The OpenAPI document against Flask's URL map, and a bounded schemathesis run against a live server.

The live server (waitress on 127.0.0.1) serves a temporary data dir with no road network (estimated distances,
so every operation is fast); writes carry the edit token. Checks: no 5xx, and every 4xx is JSON in the
contract's error shape ``{"error": {"code", "message", "field"}}``.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.generation import GenerationMode

from supplychain import edittoken
from supplychain.workspace import Workspace
from webapp import create_app
from webapp.openapi import DOCUMENT

from .browser_support import serve

#: Examples per operation: enough to hit every field with wrong types, small enough for well under 2 minutes.
MAX_EXAMPLES = 30
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app(workspace=Workspace.open(tmp_path_factory.mktemp("openapi") / "data"), testing=True)


def flask_operations(app) -> set[tuple[str, str]]:
    """(path in OpenAPI form, method) of every /api rule."""
    ops = set()
    for rule in app.url_map.iter_rules():
        if rule.rule == "/api" or rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
            ops |= {(path, m.lower()) for m in rule.methods if m.lower() in METHODS}
    return ops


def test_document_matches_the_url_map(app):
    documented = {(p, m) for p, item in DOCUMENT["paths"].items() for m in item if m in METHODS}
    served = flask_operations(app)
    assert served - documented == set(), "API operations missing from the OpenAPI document"
    assert documented - served == set(), "documented operations the app does not have"
    assert ("/api/openapi.json", "get") in served and len(served) > 25


def test_openapi_is_served_and_names_every_path_parameter(app):
    doc = app.test_client().get("/api/openapi.json").get_json()
    assert doc == DOCUMENT and doc["openapi"].startswith("3.")
    for path, item in doc["paths"].items():
        for op in item.values():
            names = {p["name"] for p in op["parameters"] if p["in"] == "path"}
            assert names == set(re.findall(r"{(\w+)}", path)), path
            assert op["responses"]["4XX"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"}


def test_write_operations_say_they_need_the_token(app):
    """Every documented write (what the app guards) says so; compute-only POSTs do not."""
    from webapp import security

    for path, item in DOCUMENT["paths"].items():
        for method, op in item.items():
            rule = path.replace("{", "<").replace("}", ">")
            endpoint = next(r.endpoint for r in app.url_map.iter_rules()
                            if r.rule == rule and method.upper() in r.methods)
            guarded = method != "get" and not getattr(app.view_functions[endpoint], "sc_compute_only", False)
            assert ("security" in op) == guarded, (method, path)
    assert security.compute_only  # the marker the check above reads


# ----------------------------------------------------------------------------------------------------
# schemathesis

@pytest.fixture(scope="module")
def live(app):
    with serve(app) as url:
        yield url


schema = schemathesis.openapi.from_dict(DOCUMENT)  # the document itself; the live server is the fixture
# Bodies that fit the document and bodies that do not (wrong types, missing fields): both must get a 2xx/4xx.
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=MAX_EXAMPLES)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_fuzzed_api_never_fails_and_errors_keep_their_shape(case, live, app):
    token = edittoken.edit_token(app.config["WORKSPACE"].data_dir)
    response = case.call(base_url=live, headers={"Authorization": f"Bearer {token}"}, timeout=60)
    assert response.status_code < 500, (case.method, case.formatted_path, case.body, response.text[:300])
    if 400 <= response.status_code < 500:
        content_type = (response.headers.get("content-type") or [""])[0]
        assert content_type.startswith("application/json"), response.text[:200]
        err = response.json()["error"]
        assert set(err) == {"code", "message", "field"} and isinstance(err["message"], str) and err["message"]
