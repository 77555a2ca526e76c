"""The web app: HTML pages (Folium maps) and the JSON API of CONTRACT.md, over one workspace per process.

``create_app`` opens ONE :class:`supplychain.workspace.Workspace` (registry, network, snapping) and keeps it in
``app.config["WORKSPACE"]``; requests never reload it. Blueprints: ``api`` (JSON under ``/api``) and ``pages``
(HTML), ``sites`` (site planner) and ``route`` (科创专线 and route designer).

Imports stay inside the factory so ``python -m webapp.assets`` works before the heavy libraries are needed.
"""

from __future__ import annotations

import logging

log = logging.getLogger("webapp")


def create_app(data_dir=None, workspace=None, testing: bool = False):
    """Build the Flask app.

    Parameters
    ----------
    data_dir
        The data dir to open (default: ``$SUPPLYCHAIN_DATA_DIR``, else the per-user default).
    workspace
        An already opened workspace to serve instead (tests, benchmarks).
    testing
        Flask's testing mode.
    """
    from flask import Flask

    from supplychain.workspace import Workspace

    from . import assets, errors
    from .api import bp as api_bp
    from .pages import bp as pages_bp
    from .route import bp as route_bp
    from .sites import bp as sites_bp

    app = Flask(__name__)
    app.config["TESTING"] = testing
    app.config["JSON_AS_ASCII"] = False
    app.json.ensure_ascii = False  # 中文 stays readable in JSON answers
    app.json.sort_keys = False
    ws = workspace if workspace is not None else Workspace.open(data_dir)
    _warm_up(ws)
    app.config["WORKSPACE"] = ws
    app.extensions["supplychain_cache"] = {}

    for bp in (api_bp, pages_bp, sites_bp, route_bp):
        app.register_blueprint(bp)
    errors.register(app)

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
