"""What every browser test shares: Debian's Chromium through Playwright, the app under waitress, a request and
console recorder, a click on a free spot of the map, screenshots.

The fixtures built on these (``browser``, ``page``) live in ``tests/conftest.py``; a test module adds only its
own server fixture, e.g.::

    @pytest.fixture(scope="module")
    def live_url(sip_cache, tmp_path_factory):
        yield from serve_copy(sip_cache, tmp_path_factory, "browser", seed=add_my_synthetic_firms)

Heavy imports (playwright, waitress, the web app) stay inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import shutil
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlparse

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parent / "screenshots"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--no-first-run"]
VIEWPORT = {"width": 1400, "height": 860}
#: A narrow desktop window (a laptop with the browser beside another window).
NARROW_VIEWPORT = {"width": 900, "height": 800}


def require_chromium() -> None:
    """Skip the calling test when Debian's Chromium is not installed."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium): run ./run.sh setup or apt-get install chromium")


# ----------------------------------------------------------------------------------------------------
# The app under waitress

@contextmanager
def serve(app) -> Iterator[str]:
    """Serve a WSGI app with waitress on 127.0.0.1 (a free port) in a thread; yields its base URL."""
    import waitress

    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4, ident="test")
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        def close_all() -> None:  # from inside waitress's loop thread: closing from outside races its select()
            for channel in list(server._map.values()):
                channel.close()

        server.trigger.pull_trigger(close_all)
        thread.join(timeout=10)
        server.task_dispatcher.shutdown()


Seed = Callable[["object", Path], "object | None"]


class LiveURL(str):
    """A served app's base URL that also knows its data dir's edit token (``url.token``)."""

    token: str = ""
    data_dir: Path | None = None


def login(page, url: LiveURL, path: str = "/favicon.ico") -> None:
    """Open ``path?token=…`` as a user opens the URL ``supplychain serve`` prints: the page gets the cookie."""
    resp = page.goto(f"{url}{path}?token={url.token}")
    assert resp.ok and "token=" not in page.url, page.url


def serve_copy(sip_cache: Path, tmp_path_factory, name: str, seed: Seed | None = None) -> Iterator[str]:
    """Serve the app on a private copy of the SIP data dir; a generator for module-scoped fixtures.

    Parameters
    ----------
    sip_cache
        The session's SIP data dir (the ``sip_cache`` fixture); it is copied, never changed.
    tmp_path_factory
        pytest's factory, for the copy's directory (named after ``name``).
    seed
        ``seed(workspace, data_dir)`` adds the module's (synthetic) data; it may return the workspace to serve
        (e.g. reopened), else the one it was given is served.
    """
    require_chromium()
    from supplychain.workspace import Workspace
    from webapp import assets, create_app

    assets.ensure()
    target = tmp_path_factory.mktemp(name) / "data"
    shutil.copytree(sip_cache, target)
    ws = Workspace.open(target)
    if seed is not None:
        ws = seed(ws, target) or ws
    from supplychain import edittoken

    with serve(create_app(workspace=ws)) as url:
        live = LiveURL(url)
        live.token = edittoken.edit_token(ws.data_dir)
        live.data_dir = ws.data_dir
        yield live


# ----------------------------------------------------------------------------------------------------
# Chromium and pages

@contextmanager
def chromium() -> Iterator[object]:
    """Debian's Chromium launched through Playwright (no sandbox, no GPU, no background traffic)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Recorder:
    """Every request and every console error/page error of a page."""

    def __init__(self, page):
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def forgive_http_400(self) -> None:
        """Forget console errors of 4xx answers a test provoked on purpose (the browser logs each one)."""
        self.errors = [e for e in self.errors if "400" not in e]

    def check(self) -> None:
        """No console error, and no request left 127.0.0.1 (``data:`` URLs stay in the page)."""
        assert self.errors == []
        outside = [u for u in self.requests if urlparse(u).hostname != "127.0.0.1" and not u.startswith("data:")]
        assert outside == [], outside


def wait_for_function(page, expression: str, arg=None, timeout: float = 30_000, polling=None):
    """``page.wait_for_function`` that works under the app's strict CSP.

    Playwright's own evaluates its predicate with ``eval`` inside the page, which ``script-src`` without
    'unsafe-eval' forbids (an EvalError); this polls ``page.evaluate`` (run by the DevTools protocol, outside the
    page's CSP) instead. The interval only paces the polling; nothing is asserted about time.
    """
    import time

    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    text = expression.strip()
    is_function = text.startswith(("function", "async")) or "=>" in text.split("\n", 1)[0][:40]
    source = text if is_function else f"() => ({text})"
    deadline = time.monotonic() + timeout / 1000
    while True:
        value = page.evaluate(source, arg) if arg is not None else page.evaluate(source)
        if value:
            return value
        if time.monotonic() > deadline:
            raise PlaywrightTimeout(f"wait_for_function timed out after {timeout:g} ms: {text[:120]}")
        page.wait_for_timeout(polling if isinstance(polling, (int, float)) else 50)


@contextmanager
def open_page(browser, viewport: dict | None = None) -> Iterator[object]:
    """A page in a fresh context (zh-CN, downloads accepted) with a :class:`Recorder` as ``page.recorder``;
    its ``wait_for_function`` is :func:`wait_for_function` (the pages run under a strict CSP)."""
    context = browser.new_context(viewport=viewport or VIEWPORT, locale="zh-CN", accept_downloads=True)
    try:
        page = context.new_page()
        page.recorder = Recorder(page)
        page.wait_for_function = lambda expression, arg=None, timeout=30_000, polling=None: wait_for_function(
            page, expression, arg, timeout, polling)
        yield page
    finally:
        context.close()


def open_map_page(page, url: str) -> None:
    """Load a page and wait until its Folium map has published ``window.SC_MAP``."""
    page.goto(url, wait_until="networkidle")
    page.wait_for_function("window.SC_MAP && window.SC_MAP.map")


def shot(page, name: str) -> Path:
    """Save a screenshot as tests/screenshots/<name>.png."""
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def click_free_map_spot(page, lon: float, lat: float) -> None:
    """Click the map near (lon, lat) where no marker is in the way (markers swallow map clicks)."""
    box = page.locator(".folium-map").bounding_box()
    spot = page.evaluate("""([lat, lon]) => {
        const map = SC_MAP.map, el = map.getContainer(), r = el.getBoundingClientRect();
        const p = map.latLngToContainerPoint([lat, lon]);
        for (let d = 0; d < 200; d += 6) {
            for (const [dx, dy] of [[d, 0], [0, d], [-d, 0], [0, -d], [d, d], [-d, -d]]) {
                const x = p.x + dx, y = p.y + dy;
                const hit = document.elementFromPoint(r.left + x, r.top + y);
                if (hit && (hit === el || hit.tagName === 'CANVAS' || hit.classList.contains('leaflet-pane')
                            || hit.closest('.leaflet-tile-pane'))) { return [x, y]; }
            }
        }
        return null;
    }""", [lat, lon])
    assert spot, "no free spot to click"
    page.mouse.click(box["x"] + spot[0], box["y"] + spot[1])
