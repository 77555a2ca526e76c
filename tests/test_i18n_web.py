"""Chinese first in the web app's answers: every API error message, and the catalog in templates and scripts.

The API is asked a set of bad questions (a bad radius, an unknown category, a missing longitude, an unknown
entity, a body that is not JSON, a write without the token, a wrong method, an unknown path, …); each answer's
``error.message`` must start with Chinese (a CJK character before any Latin letter) and carry the English
beside it. The pages themselves are checked in a real browser in ``test_i18n_browser.py``.
"""

from __future__ import annotations

import json
import re

import pytest

from supplychain import messages
from supplychain.workspace import Workspace
from webapp import create_app, i18n

CJK = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")


def chinese_first(text: str) -> bool:
    """A CJK character comes before any Latin letter, and some English follows (Chinese first, English beside)."""
    c, latin = CJK.search(text), LATIN.search(text)
    return bool(c) and bool(latin) and c.start() < latin.start()


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Workspace:
    """The seed registry, no road network (nothing here needs one)."""
    return Workspace.open(tmp_path_factory.mktemp("i18n-web"))


@pytest.fixture(scope="module")
def client(ws):
    return create_app(workspace=ws, testing=True).test_client()


BAD_CALLS = [
    # (what, method, path, request keywords)
    ("bad radius", "GET", "/api/suppliers?lon=120.6&lat=31.3&radius_km=-5", {}),
    ("radius not a number", "GET", "/api/sourcing?radius_km=abc", {}),
    ("unknown category", "GET", "/api/suppliers?lon=120.6&lat=31.3&category=nope", {}),
    ("missing lon", "GET", "/api/suppliers?lat=31.3", {}),
    ("unknown entity", "GET", "/api/entities/nope", {}),
    ("unknown origin entity", "GET", "/api/suppliers?entity=nope", {}),
    ("bad JSON body", "POST", "/api/sites/evaluate", {"data": "{bad", "content_type": "application/json"}),
    ("unknown body field", "POST", "/api/sites/evaluate", {"json": {"bogus": 1}}),
    ("no token on a write", "POST", "/api/routes", {"json": {"id": "x", "name_zh": "x"}}),
    ("no token on a registry edit", "POST", "/api/registry/entities/magiclab", {"json": {"categories": []}}),
    ("wrong method", "DELETE", "/api/suppliers", {}),
    ("unknown path", "GET", "/api/nope", {}),
    ("km and minutes", "GET", "/api/isochrone?lon=120.6&lat=31.3&km=1&minutes=3", {}),
    ("bad boolean", "GET", "/api/suppliers?lon=120.6&lat=31.3&paths=maybe", {}),
    ("compare without ids", "GET", "/api/routes/compare", {}),
    ("unknown route", "GET", "/api/routes/nope", {}),
    ("unknown export format", "POST", "/api/sites/evaluate.pdf", {"json": {}}),
]


@pytest.mark.parametrize("what,method,path,kw", BAD_CALLS, ids=[c[0] for c in BAD_CALLS])
def test_api_errors_are_chinese_first(client, what, method, path, kw):
    resp = client.open(path, method=method, **kw)
    assert 400 <= resp.status_code < 500, (what, resp.status_code)
    err = resp.get_json()["error"]
    assert chinese_first(err["message"]), f"{what}: {err['message']!r}"


def test_refusals_of_a_read_only_server_and_a_large_body_are_chinese_first(ws):
    ro = create_app(workspace=ws, testing=True, read_only=True).test_client()
    small = create_app(workspace=ws, testing=True, max_content_length=1000).test_client()
    for resp, status in ((ro.post("/api/routes", json={"id": "x"}), 403),
                         (small.post("/api/sites/evaluate", data="x" * 5000, content_type="application/json"), 413)):
        assert resp.status_code == status
        assert chinese_first(resp.get_json()["error"]["message"]), resp.get_json()


def test_error_page_is_chinese_first(client):
    resp = client.get("/no-such-page")
    assert resp.status_code == 404
    html = resp.get_data(as_text=True)
    title = re.search(r"<h1>(.*?)</h1>", html).group(1)
    message = re.search(r'<p class="sc-error">(.*?)</p>', html, re.S).group(1)
    assert title == messages._("Page not found") and chinese_first(message), (title, message)


def test_templates_render_the_catalog_escaped(client):
    """bi() styles the halves apart; a value put into a message reaches the page escaped."""
    from flask import render_template_string

    app = client.application
    with app.test_request_context("/"):
        out = render_template_string('{{ bi("Supplier query") }}|{{ bi("Name", "en") }}|{{ _("e.g. {example}", example=x) }}',
                                     x="<script>alert(1)</script>")
    assert out.startswith("供应商查询 <span>Supplier query</span>|名称 <span class=\"en\">Name</span>|")
    assert "<script>" not in out and "&lt;script&gt;" in out


def test_pages_hand_their_scripts_the_catalog(client):
    """Every msgid the page scripts use is in #sc-messages with its Chinese (the same JSON on every page)."""
    html = client.get("/").get_data(as_text=True)
    found = re.search(r'<script id="sc-messages" type="application/json" nonce="[^"]+">(.*?)</script>', html, re.S)
    data = json.loads(found.group(1))
    ids = i18n.script_msgids()
    assert len(ids) > 100 and "Error" in ids and "{n} sites chosen" in ids  # the extraction found the scripts' calls
    assert set(data) == set(ids) and all(CJK.search(v) for v in data.values())


def test_every_catalog_call_in_the_scripts_is_extracted():
    """Babel's JavaScript extractor skips a catalog call inside another's arguments (``SC.th("…{x}", {x: SC.t("…")})``):
    such a message would reach the page in English only. Every literal passed to SC.t/th/bi/tPair must be extracted."""
    from babel.messages.extract import extract

    call = re.compile(r'SC\.(?:t|th|bi|tPair)\(\s*"((?:[^"\\]|\\.)*)"')
    comments = re.compile(r"/\*[\s\S]*?\*/|^\s*//.*$|\s//\s.*$", re.M)
    missed = []
    for path in sorted(i18n.STATIC.glob("*.js")):
        source = path.read_text(encoding="utf-8")
        with path.open("rb") as f:
            got = [m[1] for m in extract("javascript", f, keywords=i18n.JS_KEYWORDS)]
        for literal in call.findall(comments.sub("", source)):
            if not any(g.startswith(literal) for g in got):  # a literal may start a concatenated msgid
                missed.append(f"{path.name}: {literal!r}")
    assert missed == []


def test_the_catalog_test_sees_templates_and_scripts():
    """tests/test_messages.py's extraction (babel.cfg) reaches the templates' _()/bi() and the scripts' SC.* calls."""
    from .test_messages import extracted

    where = extracted()
    assert where["Bill of materials"].startswith("webapp/templates/sites.html")     # {{ _("…") }}
    assert where["Registry review"].startswith("webapp/templates/registry.html")   # {{ bi("…") }}
    assert where["{n} sites chosen"].startswith("webapp/static/sites.js")          # SC.t("…")
    assert where["Kechuang line"].startswith("webapp/pages.py")                     # N_("…") in the nav
