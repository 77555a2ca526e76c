"""Rendering Folium maps for pages: every asset local, rendered maps cached per process.

Feature blueprints (sites, route) use the same helpers::

    from webapp.mapview import render_map
    parts = render_map(m)                   # m: a folium.Map, finished with supplychain.maps.finish(m)
    return render_template("x.html", map=parts)   # base.html puts parts.header/script in place
"""

from __future__ import annotations

import threading
from typing import Callable

import folium
from flask import current_app

from supplychain import maps

from . import assets

_lock = threading.Lock()
_MAX_CACHED = 32


def render_map(m: folium.Map) -> maps.MapParts:
    """Render a finished map for embedding (asset URLs rewritten to ``/static/vendor``)."""
    return maps.render_parts(m, assets.local_url)


def cached_map(key, build: Callable[[], folium.Map]) -> maps.MapParts:
    """The rendered map for ``key``, built once per process (the workspace never changes under it)."""
    store = current_app.extensions["supplychain_cache"].setdefault("maps", {})
    parts = store.get(key)
    if parts is None:
        with _lock:
            parts = store.get(key)
            if parts is None:
                parts = render_map(build())
                if len(store) >= _MAX_CACHED:
                    store.pop(next(iter(store)))
                store[key] = parts
    return parts


def planning_map(ws, page: str) -> maps.MapParts:
    """The planners' map (/sites, /scenarios): opened on the road network, where road distances are exact,
    with the entities (no uncertainty circles) and the route; cached per page."""

    def build() -> folium.Map:
        bounds = None
        if ws.network is not None:
            w, s, e, n = ws.network.meta["bbox"]
            bounds = [[s, w], [n, e]]
        m = maps.base_map(ws, bounds=bounds)
        maps.add_entities(m, ws.entities, uncertainty=False)
        maps.add_route(m, ws)
        return maps.finish(m, info={"page": page}, collapsed=True)

    return cached_map(f"{page}-page", build)
