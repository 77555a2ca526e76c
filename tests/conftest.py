"""Shared fixtures: the real OSM data in ../shared/geo, imported once per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_GEO = ROOT.parent / "shared" / "geo"
SIP_OSM = SHARED_GEO / "sip-core.osm"
SIP_LABELS = SHARED_GEO / "sip-core-labels.geojson"
WUZHONG_BOUNDARY = SHARED_GEO / "wuzhong-boundary.geojson"


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives Debian's Chromium through Playwright")


@pytest.fixture(scope="session")
def sip_cache(tmp_path_factory) -> Path:
    """A data dir with the real SIP network imported (once) and the seed registry."""
    if not SIP_OSM.is_file():
        pytest.fail(f"missing {SIP_OSM}: the tests need ../shared/geo beside the project")
    from supplychain import network

    data_dir = tmp_path_factory.mktemp("sip-cache")
    # The osmnx reader (graph_from_xml, simplified, no tag filter): the reference the figures of the other
    # tests were written against. The streaming reader is tested against it in test_osmread.py.
    network.import_file(data_dir, SIP_OSM, engine_name="osmnx")
    # The offline basemap, as `network import` builds it: every copy of this dir serves it without a rebuild.
    from supplychain import basemap, studyarea
    from supplychain.store import Store

    basemap.ensure(data_dir, Store(data_dir), network.Network.load(data_dir), studyarea.try_load())
    return data_dir


@pytest.fixture
def sip_dir(sip_cache, tmp_path) -> Path:
    """A private copy of the SIP data dir, free to modify."""
    target = tmp_path / "data"
    shutil.copytree(sip_cache, target)
    return target


@pytest.fixture(scope="session")
def sip_ws(sip_cache):
    """A read-only workspace on the SIP network with the seed registry."""
    from supplychain.workspace import Workspace

    return Workspace.open(sip_cache)


@pytest.fixture(scope="session")
def sip_graph_nx():
    """The same graph as the product's cache, built independently through osmnx/networkx for checks."""
    import osmnx as ox

    G = ox.graph_from_xml(SIP_OSM, retain_all=True)
    return ox.truncate.largest_component(G, strongly=True)


# ----------------------------------------------------------------------------------------------------
# Browser tests (tests/test_*browser.py): Chromium per module, a fresh page per test. Each module serves the
# app with its own data through browser_support.serve_copy in a module-scoped fixture.

@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright (skips when it is not installed)."""
    from .browser_support import chromium

    with chromium() as b:
        yield b


@pytest.fixture
def page(browser):
    """A 1400×860 zh-CN page in a fresh context; ``page.recorder`` holds its requests and console errors."""
    from .browser_support import open_page

    with open_page(browser) as pg:
        yield pg
