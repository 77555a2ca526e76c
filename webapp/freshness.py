"""Live data: the server notices registry, route and network changes made by another process and serves them
without a restart.

Each request compares a cheap fingerprint of the data dir — SQLite's ``data_version`` plus the store's own
write count (:meth:`supplychain.store.Store.version`) and the name of the live network cache version (one
small pointer file, :func:`supplychain.network.cache_folder`) — with the one the workspace was built from.
When it differs, a new workspace is built on the same store (the network is reloaded only when its version
changed), warmed up, and swapped in whole; the rendered-map cache is dropped. A request keeps the workspace it
started with (pinned on ``flask.g``), so no request sees half of an old and half of a new registry.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app, g

from supplychain import network, registry
from supplychain.errors import NetworkError
from supplychain.workspace import Workspace

log = logging.getLogger(__name__)
_lock = threading.Lock()
STATE = "supplychain_state"


def _network_version(ws: Workspace) -> str | None:
    try:
        folder = network.cache_folder(ws.data_dir)
    except NetworkError:
        return None
    return folder.name if folder.exists() else None


def fingerprint(ws: Workspace) -> tuple:
    """What the workspace was built from: (store version, network cache version)."""
    return ws.store.version(), _network_version(ws)


def _rebuild(old: Workspace, network_changed: bool) -> Workspace:
    net = network.Network.try_load(old.data_dir) if network_changed else old.network
    return Workspace(old.data_dir, old.store, registry.load_entities(old.store), net, old.snap_limit_m)


def refresh(app: Flask) -> Workspace:
    """The app's workspace, rebuilt first when the data dir changed under it."""
    from . import _warm_up

    ws = app.config["WORKSPACE"]
    seen = app.extensions[STATE]
    now = fingerprint(ws)
    if now == seen:
        return ws
    with _lock:
        ws, seen = app.config["WORKSPACE"], app.extensions[STATE]
        now = fingerprint(ws)
        if now != seen:
            new = _rebuild(ws, now[1] != seen[1])
            _warm_up(new)
            app.config["WORKSPACE"] = new
            app.extensions["supplychain_cache"] = {}
            app.extensions[STATE] = fingerprint(new)
            log.info("data dir changed (registry or routes %s -> %s, network %s -> %s): serving the new data",
                     seen[0], now[0], seen[1], now[1])
            ws = new
    return ws


def init_app(app: Flask) -> None:
    app.extensions[STATE] = fingerprint(app.config["WORKSPACE"])

    @app.before_request
    def _pin_workspace():
        g.sc_workspace = refresh(current_app._get_current_object())


def pinned() -> Workspace:
    """This request's workspace (the app's current one outside a request)."""
    return g.get("sc_workspace") or current_app.config["WORKSPACE"]
