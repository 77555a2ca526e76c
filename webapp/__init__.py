"""The web app: HTML pages (Folium maps) and the JSON API of CONTRACT.md, over one workspace per process.

``create_app`` opens ONE :class:`supplychain.workspace.Workspace` (registry, network, snapping) and keeps it in
``app.config["WORKSPACE"]``; ``freshness`` swaps in a new one when another process (the CLI) changed the data
dir, so imports show without a restart. Blueprints: ``api`` (JSON under ``/api``) and ``pages``
(HTML), ``sites`` (site planner), ``route`` (科创专线 and route designer), ``scenarios`` (what-if scenarios),
``basemap`` (the offline basemap's TileJSON and tiles) and ``openapi`` (``/api/openapi.json``); ``security`` guards
writes and sets the headers of every answer.

Imports stay inside the factory so ``python -m webapp.assets`` works before the heavy libraries are needed.
"""

from __future__ import annotations

import logging

log = logging.getLogger("webapp")


#: The largest request body accepted (413 beyond): the biggest real upload, a registry or route file, is far below.
MAX_CONTENT_LENGTH = 10 * 1024 * 1024


def create_app(data_dir=None, workspace=None, testing: bool = False, read_only: bool = False,
               allowed_hosts=(), max_content_length: int = MAX_CONTENT_LENGTH):
    """Build the Flask app.

    Parameters
    ----------
    data_dir
        The data dir to open (default: ``$SUPPLYCHAIN_DATA_DIR``, else the per-user default).
    workspace
        An already opened workspace to serve instead (tests, benchmarks).
    testing
        Flask's testing mode.
    read_only
        Refuse every write (403), whoever asks.
    allowed_hosts
        Host names served besides the loopback ones (``webapp.security``).
    max_content_length
        The largest request body in bytes (413 beyond).
    """
    from flask import Flask

    from supplychain import edittoken, tilesources
    from supplychain.workspace import Workspace

    from . import assets, errors, freshness, i18n, security
    from .api import bp as api_bp
    from .basemap import bp as basemap_bp
    from .openapi import bp as openapi_bp
    from .pages import bp as pages_bp
    from .reportpages import bp as reports_bp
    from .review import bp as review_bp
    from .route import bp as route_bp
    from .scenarios import bp as scenarios_bp
    from .sites import bp as sites_bp

    app = Flask(__name__)
    app.config["TESTING"] = testing
    app.config["JSON_AS_ASCII"] = False
    app.json.ensure_ascii = False  # 中文 stays readable in JSON answers
    app.json.sort_keys = False
    app.config["MAX_CONTENT_LENGTH"] = int(max_content_length)
    ws = workspace if workspace is not None else Workspace.open(data_dir)
    _warm_up(ws)
    app.config["WORKSPACE"] = ws
    app.extensions["supplychain_cache"] = {}
    freshness.init_app(app)

    for bp in (api_bp, openapi_bp, pages_bp, sites_bp, route_bp, review_bp, reports_bp, scenarios_bp, basemap_bp):
        app.register_blueprint(bp)
    errors.register(app)
    i18n.init_app(app)
    # The online tile options' hosts may serve images to the pages (a bad tile setting stops the start here).
    tiles = tilesources.image_origins(tilesources.configured(ws.data_dir))
    security.init_app(app, edittoken.edit_token(ws.data_dir), read_only=read_only, allowed_hosts=allowed_hosts,
                      tile_sources=tiles)

    missing = assets.missing_files()
    if missing:
        log.warning("web assets missing (%s): run `python -m webapp.assets ensure`; maps will not load",
                    ", ".join(missing))

    @app.context_processor
    def _layout():
        from supplychain import display
        from supplychain.registry import PRECISION_RADIUS_M

        from .pages import navigation

        return {"nav_items": navigation(app), "precision_radius": PRECISION_RADIUS_M,
                "fmt_distance": display.distance, "fmt_rate": display.rate, "fmt_verdict": display.verdict,
                "fmt_region": display.region}

    return app


def _warm_up(ws) -> None:
    """Compute the workspace's lazy parts now, once, instead of racing on them in request threads."""
    from supplychain import route

    route.ensure_seeded(ws.store)  # the shipped routes, written once per data dir
    _ = ws.snapping, ws.estimator, ws.extent, ws.study_area, ws.located
    if ws.network is not None:
        _ = ws.network.tree
