"""Bus routes on the web: the route API (``/api/routes/…``) and the ``/route`` page (科创专线 and variants).

Every editing endpoint is one library edit (one transaction) and answers with the route measured afresh
(:func:`supplychain.route.route_geojson`: stops, path, length check, catchments), so the page redraws from one
answer. Route requests are serialised by one lock: they share the workspace's SQLite connection. Every edit
needs the edit token (``webapp.security``); a design preview does not, a design saved with ``save_as`` does.
"""

from __future__ import annotations

import threading

from flask import Blueprint, current_app, jsonify, render_template, request

from supplychain import catchment, maps, route, routedesign, taxonomy
from supplychain.errors import InputError
from supplychain.messages import N_, _

from . import security
from .api import arg, geojson_response, parse_bool, workspace
from .body import json_body
from .mapview import cached_map
from .pages import entity_choice

bp = Blueprint("route", __name__)

# One route request at a time: an edit reads the route, checks it and writes it back, and must not interleave
# with another edit (the store's own lock covers single statements and transactions, not that sequence).
_lock = threading.RLock()

#: The fields each editing body may hold (``walk_m``: the walking distances of the answer).
STOP_FIELDS = {"lon", "lat", "entity", "name_zh", "name_en", "precision", "source", "note", "walk_m"}
ROUTE_FIELDS = {"name_zh", "name_en", "stated_length_m", "source", "note", "stop_list", "walk_m"}
DESIGN_FIELDS = {"start", "end", "candidates", "budget_km", "walk_m", "weights", "count_estimated", "base_route",
                 "method", "save_as", "name_zh", "compare_with"}


def _measured(route_id: str, status: int = 200, walk=None):
    """The measured route as GeoJSON, with the request's walking distances and speeds."""
    data = route.route_geojson(workspace(), route_id, walk_m=walk if walk is not None else arg("walk_m"),
                               with_areas=parse_bool(arg("areas"), "areas", True),
                               bus_speed_kph=arg("bus_speed_kph"), dwell_s=arg("dwell_s"))
    return geojson_response(data, status)


def _drop_route_maps() -> None:
    """Forget rendered maps that draw routes (the main map draws the 科创专线): a stored route changed."""
    cached = current_app.extensions.get("supplychain_cache", {}).get("maps")
    if cached:
        cached.pop("index", None)


def _edited(route_id: str, status: int = 200):
    """After an edit: drop rendered maps that draw routes, then answer the measured route."""
    _drop_route_maps()
    return _measured(route_id, status, walk=_body_walk())


def _body_walk():
    data = request.get_json(silent=True)
    walk = data.get("walk_m") if isinstance(data, dict) else None
    return walk if walk not in (None, "") else arg("walk_m")


def _stop_from(data: dict, required: bool = True) -> route.Stop | None:
    """A stop from the JSON fields ``lon``/``lat`` or ``entity`` (+ names), ``None`` when none is given."""
    has = any(data.get(k) not in (None, "") for k in ("lon", "lat", "entity"))
    if not has and not required:
        return None
    return route.make_stop(workspace(), lon=data.get("lon"), lat=data.get("lat"), entity=data.get("entity"),
                           name_zh=data.get("name_zh"), name_en=data.get("name_en"),
                           precision=data.get("precision"), source=data.get("source"), note=data.get("note"))


# ----------------------------------------------------------------------------------------------------
# API

@bp.get("/api/routes")
def list_routes():
    with _lock:
        return jsonify({"routes": route.list_routes(workspace()), "default": route.DEFAULT_ROUTE})


@bp.post("/api/routes")
def create_route():
    d = json_body(ROUTE_FIELDS | {"id", "copy_from"})
    with _lock:
        r = route.create_route(workspace(), d.get("id"), d.get("name_zh"), d.get("name_en") or "",
                               d.get("stated_length_m"), d.get("source") or "", d.get("note") or "",
                               d.get("copy_from"), d.get("stop_list"))
        return _edited(r.id, 201)


@bp.post("/api/routes/import")
def import_route():
    data = json_body(limits={"features": route.MAX_FEATURES}, what=N_("the route GeoJSON"))
    with _lock:
        r = route.import_geojson(workspace(), data, arg("id"), parse_bool(arg("replace"), "replace", False))
        _drop_route_maps()  # an import may replace the route the main map draws
        return _measured(r.id, 201)


@bp.get("/api/routes/compare")
def compare_routes():
    ids = arg("ids")
    if ids is None:
        raise InputError("ids", _("name the routes to compare, e.g. {example}", example="?ids=kechuang,variant1"), "missing")
    with _lock:
        return jsonify(route.compare(workspace(), ids, arg("walk_m"), arg("bus_speed_kph"), arg("dwell_s")))


@bp.post("/api/routes/design")
@security.compute_only
def design_route():
    """A suggested stop sequence (a preview: no token needed); with ``save_as`` it is stored (token needed)."""
    d = json_body(DESIGN_FIELDS, limits={"candidates": routedesign.MAX_CANDIDATES})
    if d.get("save_as") not in (None, ""):
        security.require_edit()
    candidates = d.get("candidates") or []
    if not isinstance(candidates, list):
        raise InputError("candidates", _("{field} must be a list", field="candidates"))
    count_estimated = d.get("count_estimated", False)
    if not isinstance(count_estimated, bool):
        raise InputError("count_estimated", _("{field} must be true or false", field="count_estimated"))
    with _lock:
        ans = routedesign.design(
            workspace(), start=d.get("start"), end=d.get("end"), candidates=candidates, budget_km=d.get("budget_km"),
            walk_m=d.get("walk_m"), weights=d.get("weights"), count_estimated=count_estimated,
            base_route=d.get("base_route"), method=d.get("method") or "auto", save_as=d.get("save_as"),
            name_zh=d.get("name_zh"), compare_with=d.get("compare_with"))
        if ans.get("saved_as"):
            _drop_route_maps()
    return jsonify(ans), 201 if ans.get("saved_as") else 200


@bp.get("/api/routes/<route_id>")
def get_route(route_id: str):
    with _lock:
        return _measured(route_id)


@bp.patch("/api/routes/<route_id>")
def update_route(route_id: str):
    d = {k: v for k, v in json_body(ROUTE_FIELDS).items() if k != "walk_m"}
    with _lock:
        route.update_route(workspace(), route_id, **d)
        return _edited(route_id)


@bp.delete("/api/routes/<route_id>")
def delete_route(route_id: str):
    with _lock:
        route.delete_route(workspace(), route_id)
        _drop_route_maps()
    return jsonify({"deleted": route_id})


@bp.get("/api/routes/<route_id>/export")
def export_route(route_id: str):
    with _lock:
        data = route.export_geojson(workspace(), route_id)
    return geojson_response(data, filename=f"{data['route']['id']}.geojson")


@bp.post("/api/routes/<route_id>/stops")
def add_stop(route_id: str):
    d = json_body(STOP_FIELDS | {"at"})
    with _lock:
        route.add_stop(workspace(), route_id, _stop_from(d), d.get("at"))
        return _edited(route_id, 201)


@bp.patch("/api/routes/<route_id>/stops/<seq>")
def move_stop(route_id: str, seq: str):
    d = json_body(STOP_FIELDS | {"to"})
    with _lock:
        route.move_stop(workspace(), route_id, seq, _stop_from(d, required=False), d.get("to"),
                        name_zh=d.get("name_zh") if "name_zh" in d else None,
                        name_en=d.get("name_en") if "name_en" in d else None,
                        note=d.get("note") if "note" in d else None)
        return _edited(route_id)


@bp.delete("/api/routes/<route_id>/stops/<seq>")
def remove_stop(route_id: str, seq: str):
    with _lock:
        route.remove_stop(workspace(), route_id, seq)
        return _edited(route_id)


@bp.put("/api/routes/<route_id>/order")
def reorder(route_id: str):
    d = json_body({"order", "walk_m"}, limits={"order": 10 * route.MAX_STOPS})
    with _lock:
        route.reorder_stops(workspace(), route_id, d.get("order"))
        return _edited(route_id)


# ----------------------------------------------------------------------------------------------------
# The page

@bp.get("/route")
def route_page():
    ws = workspace()

    def build():
        m = maps.base_map(ws)
        maps.add_entities(m, ws.entities, uncertainty=False)
        return maps.finish(m, info={"page": "route"})

    parts = cached_map("route-page", build)
    with _lock:
        routes = route.list_routes(ws)
    chosen = arg("id") or route.DEFAULT_ROUTE
    entities = sorted((entity_choice(e) for e in ws.entities), key=lambda e: (e["kind"], e["zh"]))
    page = {
        "route_id": chosen, "routes": routes, "entities": entities,
        "kinds": {k: {"zh": v.zh, "en": v.en} for k, v in taxonomy.KINDS.items()},
        "categories": {k: {"zh": v.zh, "en": v.en} for k, v in taxonomy.CATEGORIES.items()},
        "walk_m": list(catchment.DEFAULT_WALK_M), "bus_speed_kph": route.BUS_SPEED_KPH, "dwell_s": route.DWELL_S,
        "budget_km": routedesign.DEFAULT_BUDGET_KM, "design_walk_m": routedesign.DEFAULT_WALK_M,
        "exact_limit": routedesign.EXACT_LIMIT, "kind_weights": routedesign.DEFAULT_KIND_WEIGHTS,
        "network": ws.network is not None,
    }
    return render_template("route.html", map=parts, page=page, routes=routes, chosen=chosen,
                           network_loaded=ws.network is not None, estimator=ws.estimator.describe())
