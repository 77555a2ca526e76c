"""The OpenAPI 3 description of the JSON API, served at ``/api/openapi.json``.

Kept by hand as a Python dict rather than generated (spectree, apiflask): the views take their input through
the library's own validators (``supplychain.errors``), which name the field at fault in the contract's error
shape, and a generator would mean re-declaring every view in its models or replacing Flask's blueprints. A test
(tests/test_openapi.py) holds this document to Flask's URL map: every ``/api`` rule and method is described
and nothing else is; a bounded schemathesis run fuzzes it against a live server.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from supplychain.messages import _

bp = Blueprint("openapi", __name__)

ERROR = {"$ref": "#/components/schemas/Error"}
ANY_JSON = {"type": "object", "additionalProperties": True}
GEOJSON = "application/geo+json"


def _q(name: str, description: str, schema: dict | None = None, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": schema or {"type": "string"}}


def _path(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}


def _op(summary: str, ok: str = "200", media: str = "application/json", params=(), body: dict | None = None,
        write: bool = False, ok_schema: dict | None = None) -> dict:
    op: dict = {"summary": summary, "parameters": list(params),
                "responses": {ok: {"description": "OK", "content": {media: {"schema": ok_schema or ANY_JSON}}},
                              "4XX": {"description": _("bad input, not found, or refused; the field at fault named"),
                                      "content": {"application/json": {"schema": ERROR}}}}}
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if write:
        op["security"] = [{"editToken": []}, {"sessionCookie": []}]
        op["description"] = _("Changes stored data: needs the edit token (401 without it, 403 in read-only mode).")
    return op


def _obj(props: dict, required=()) -> dict:
    return {"type": "object", "properties": props, "required": list(required), "additionalProperties": False}


NUM = {"type": "number"}
STR = {"type": "string"}
NUM_OR_STR = {"oneOf": [NUM, STR]}
POINT = {"type": "object", "properties": {"name": STR, "lon": NUM, "lat": NUM, "entity": STR}}
STOP_INPUT = {"oneOf": [STR, {"type": "object", "properties": {"entity": STR, "lon": NUM, "lat": NUM, "name_zh": STR}}]}
AT = {"oneOf": [{"type": "integer"}, {"type": "string", "enum": ["best"]}]}
WALK = _q("walk_m", "walking distances in metres, e.g. 500,800")
STOP = {"lon": NUM, "lat": NUM, "entity": STR, "name_zh": STR, "name_en": STR, "precision": STR, "source": STR,
        "note": STR, "walk_m": NUM_OR_STR}
ROUTE_META = {"name_zh": STR, "name_en": STR, "stated_length_m": {"type": "number", "nullable": True}, "source": STR,
              "note": STR, "stop_list": {"type": "string", "enum": ["complete", "partial", "design"]},
              "walk_m": NUM_OR_STR}
WEIGHTS = {"type": "object", "additionalProperties": NUM}
SITES_EVALUATE = _obj({"candidates": {"type": "array", "items": POINT}, "weights": WEIGHTS, "radius_km": NUM,
                       "bom": {"oneOf": [STR, {"type": "array", "items": STR}]}, "normalization": STR})
SITES_OPTIMIZE = _obj({"k": {"type": "integer", "minimum": 1}, "candidates": {"type": "array", "items": POINT},
                       "weights": WEIGHTS, "radius_km": NUM, "fixed": {"type": "array", "items": POINT},
                       "grid_m": NUM, "method": STR, "time_limit_s": NUM}, ["k"])
ROUTE_FILE = {"type": "object", "required": ["type", "features"],
              "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]}, "route": ANY_JSON,
                             "features": {"type": "array", "items": ANY_JSON}}}
DESIGN = _obj({"start": STOP_INPUT, "end": STOP_INPUT, "candidates": {"type": "array", "items": STOP_INPUT},
               "budget_km": NUM, "walk_m": NUM, "weights": WEIGHTS, "count_estimated": {"type": "boolean"},
               "base_route": STR, "method": {"type": "string", "enum": ["auto", "exact", "heuristic"]},
               "save_as": STR, "name_zh": STR, "compare_with": {"type": "array", "items": STR}})
WHERE = [_q("lon", "WGS84 longitude", NUM), _q("lat", "WGS84 latitude", NUM), _q("entity", "a registry entity id")]
FMT = lambda *choices: _q("format", "answer format", {"type": "string", "enum": list(choices)})  # noqa: E731
ROUTE_ID = _path("route_id", "a stored route id (kechuang is shipped)")
SEQ = _path("seq", "a stop number, 1-based")
SUPPLIER_PARAMS = WHERE + [_q("radius_km", "search radius in km", NUM), _q("category", "a category key"),
                           _q("paths", "include road paths (true/false)")]
GAPS_PARAMS = [_q("radius_km", "sourcing radius in km", NUM),
               _q("top", "distinct sites per category, 1-10", {"type": "integer", "minimum": 1, "maximum": 10}),
               _q("grid_m", "grid spacing in metres, 500-50000", NUM)]
MEASURE = [WALK, _q("bus_speed_kph", "bus speed", NUM), _q("dwell_s", "dwell time per stop", NUM)]
#: Every analysis answers on a stored what-if scenario instead of the registry with ?scenario=NAME.
SCENARIO = _q("scenario", "run on this stored what-if scenario (GET /api/scenarios) instead of the registry")
SUPPLIER_PARAMS = SUPPLIER_PARAMS + [SCENARIO]
SCENARIO_NAME = _path("name", "a scenario name (1–64 letters, Chinese or Latin, digits, _ - .)")
EDIT = {"type": "object", "required": ["op"], "additionalProperties": True, "properties": {
    "op": {"type": "string", "enum": ["add", "remove", "move", "add_stop", "remove_stop", "move_stop"]},
    "id": STR, "name_zh": STR, "name_en": STR, "kind": STR,
    "categories": {"oneOf": [STR, {"type": "array", "items": STR}]},
    "needs": {"oneOf": [STR, {"type": "array", "items": STR}]}, "robot_types": {"oneOf": [STR, {"type": "array", "items": STR}]},
    "lon": NUM, "lat": NUM, "precision": {"type": "string", "enum": ["exact", "street", "town", "district"]},
    "note": STR, "route": STR, "seq": {"type": "integer"}, "at": {"type": "integer", "nullable": True}, "entity": STR}}
EDITS = {"type": "array", "items": EDIT, "maxItems": 200}
SCENARIO_FILE = _obj({"format": {"type": "string", "enum": ["supplychain-scenario"]}, "version": {"type": "integer"},
                      "name": STR, "note": STR, "label": STR, "edits": EDITS}, ["format", "version", "edits"])

PATHS = {
    "/api": {"get": _op("what the API offers: every endpoint")},
    "/api/": {"get": _op("the same, with a trailing slash")},
    "/api/openapi.json": {"get": _op("this document")},
    "/api/health": {"get": _op("status, network summary and entity counts (no paths of this machine)")},
    "/api/taxonomy": {"get": _op("categories, kinds, robot types and default BOMs")},
    "/api/entities": {"get": _op("the registry as GeoJSON", media=GEOJSON, params=[
        _q("kind", "an entity kind"), _q("category", "a category key"), _q("located", "only located ones"),
        SCENARIO])},
    "/api/entities/{entity_id}": {"get": _op("one entity as a GeoJSON feature",
                                             params=[_path("entity_id", "a registry id")])},
    "/api/suppliers": {"get": _op("suppliers within a road radius of a point or entity, nearest first",
                                  params=SUPPLIER_PARAMS + [FMT("json", "geojson", "csv")])},
    "/api/suppliers.csv": {"get": _op("the supplier query as CSV", media="text/csv", params=SUPPLIER_PARAMS,
                                      ok_schema=STR)},
    "/api/suppliers.geojson": {"get": _op("the supplier query as GeoJSON", media=GEOJSON, params=SUPPLIER_PARAMS)},
    "/api/isochrone": {"get": _op("service areas by road distance or drive time", media=GEOJSON, params=WHERE + [
        _q("km", "distance breaks, e.g. 5,10"), _q("minutes", "time breaks, e.g. 10,20"), SCENARIO])},
    "/api/sourcing": {"get": _op("the 10 km sourcing check per whole-robot maker",
                                 params=[_q("radius_km", "radius in km", NUM), FMT("json", "csv"), SCENARIO])},
    "/api/sourcing.csv": {"get": _op("the sourcing check as CSV", media="text/csv", ok_schema=STR,
                                     params=[_q("radius_km", "radius in km", NUM), SCENARIO])},
    "/api/network.geojson": {"get": _op("the road network as lines (404 when none is loaded)", media=GEOJSON)},
    "/api/boundary.geojson": {"get": _op("the 吴中区 boundary", media=GEOJSON)},
    "/api/basemap": {"get": _op(
        "TileJSON 3.0.0 of the offline basemap (vector tiles under /basemap/tiles/{z}/{x}/{y}.mvt: 200 gzip MVT, "
        "204 empty, 404 outside its zooms or bounds), with the layers' sources and coverage beside it; 404 when "
        "the data dir has no network and no boundary", ok_schema={
            "type": "object", "required": ["tilejson", "tiles", "bounds", "minzoom", "maxzoom", "attribution",
                                           "vector_layers", "sources", "coverage"],
            "properties": {"tilejson": {"type": "string", "enum": ["3.0.0"]},
                           "tiles": {"type": "array", "items": STR, "minItems": 1},
                           "bounds": {"type": "array", "items": NUM, "minItems": 4, "maxItems": 4},
                           "minzoom": {"type": "integer"}, "maxzoom": {"type": "integer"}, "attribution": STR,
                           "vector_layers": {"type": "array", "items": ANY_JSON}, "sources": ANY_JSON,
                           "coverage": ANY_JSON}})},
    "/api/sites/criteria": {"get": _op("site criteria, default weights, BOM choices and limits")},
    "/api/sites/gaps": {"get": _op("补链 chain gaps: per component category, the makers lacking it within the radius "
                                   "and the best sites for one new supplier of it", params=GAPS_PARAMS + [SCENARIO])},
    "/api/sites/gaps.csv": {"get": _op("the chain gaps as CSV (one row per category and site)", media="text/csv",
                                       ok_schema=STR, params=GAPS_PARAMS + [SCENARIO])},
    "/api/sites/evaluate": {"post": _op("score candidate sites (computes only: no token)", body=SITES_EVALUATE,
                                        params=[SCENARIO])},
    "/api/sites/evaluate.{fmt}": {"post": _op(
        "the evaluation as a download", media="application/octet-stream", ok_schema=STR, body=SITES_EVALUATE,
        params=[{**_path("fmt", "csv or xlsx"), "schema": {"type": "string", "enum": ["csv", "xlsx"]}}])},
    "/api/sites/optimize": {"post": _op("choose the best k sites (computes only: no token)", body=SITES_OPTIMIZE,
                                        params=[SCENARIO])},
    "/api/sites/optimize.{fmt}": {"post": _op(
        "the optimisation as a download", media="application/octet-stream", ok_schema=STR, body=SITES_OPTIMIZE,
        params=[{**_path("fmt", "csv or xlsx"), "schema": {"type": "string", "enum": ["csv", "xlsx"]}}])},
    "/api/routes": {
        "get": _op("every stored route"),
        "post": _op("create a route (empty or copied from another)", ok="201", media=GEOJSON, write=True,
                    params=MEASURE, body=_obj({**ROUTE_META, "id": STR, "copy_from": STR}, ["id", "name_zh"])),
    },
    "/api/routes/import": {"post": _op("import a route GeoJSON (the export format)", ok="201", media=GEOJSON,
                                       write=True, body=ROUTE_FILE, params=[
                                           _q("id", "store under this id"), _q("replace", "replace an existing one")])},
    "/api/routes/compare": {"get": _op("routes side by side", params=[
        _q("ids", "route ids, e.g. kechuang,variant1", required=True)] + MEASURE)},
    "/api/routes/design": {"post": _op("suggest a stop sequence (a preview needs no token; save_as stores it and "
                                       "needs the token)", body=DESIGN)},
    "/api/routes/{route_id}": {
        "get": _op("a route measured: stops, path, length check, catchments", media=GEOJSON,
                   params=[ROUTE_ID, _q("areas", "include catchment areas"), SCENARIO] + MEASURE),
        "patch": _op("change a route's names, stated length, source, note or stop list", media=GEOJSON,
                     write=True, params=[ROUTE_ID], body=_obj(ROUTE_META)),
        "delete": _op("delete a route (`supplychain route reset kechuang` restores the shipped one)", write=True,
                      params=[ROUTE_ID]),
    },
    "/api/routes/{route_id}/export": {"get": _op("a route's definition as GeoJSON", media=GEOJSON, params=[ROUTE_ID])},
    "/api/routes/{route_id}/order": {"put": _op("put the stops in a new order", media=GEOJSON, write=True,
                                                params=[ROUTE_ID], body=_obj({"order": {"type": "array", "items": {
                                                    "type": "integer"}}, "walk_m": NUM_OR_STR}, ["order"]))},
    "/api/routes/{route_id}/stops": {"post": _op("add a stop (a point or a registry entity)", ok="201",
                                                 media=GEOJSON, write=True, params=[ROUTE_ID],
                                                 body=_obj({**STOP, "at": AT}))},
    "/api/routes/{route_id}/stops/{seq}": {
        "patch": _op("move, reorder or rename a stop", media=GEOJSON, write=True, params=[ROUTE_ID, SEQ],
                     body=_obj({**STOP, "to": {"type": "integer"}})),
        "delete": _op("remove a stop", media=GEOJSON, write=True, params=[ROUTE_ID, SEQ]),
    },
    "/api/scenarios": {"get": _op("every stored what-if scenario: name, note, revision, edits by op, limits")},
    "/api/scenarios/import": {"post": _op("store an exported scenario file", ok="201", write=True, body=SCENARIO_FILE,
                                          params=[_q("name", "store under this name"),
                                                  _q("replace", "replace a scenario of that name")])},
    "/api/scenarios/{name}": {
        "get": _op("a scenario: its edits, what applying them did (added/removed/moved, problems) and its changed "
                   "entities as GeoJSON (hypothetical ones labelled)", params=[SCENARIO_NAME]),
        "put": _op("create (201) or replace (200) a scenario's edits, validated in order", write=True,
                   params=[SCENARIO_NAME], body=_obj({"note": STR, "edits": EDITS})),
        "delete": _op("delete a scenario", write=True, params=[SCENARIO_NAME]),
    },
    "/api/scenarios/{name}/edits": {"post": _op("append edits ({\"edits\": [...]} or one edit object)", write=True,
                                                params=[SCENARIO_NAME],
                                                body={"oneOf": [_obj({"edits": EDITS}, ["edits"]), EDIT]})},
    "/api/scenarios/{name}/edits/{index}": {"delete": _op("drop one edit (0-based index); later edits must still apply",
                                                          write=True, params=[SCENARIO_NAME,
                                                                              _path("index", "edit index, 0-based")])},
    "/api/scenarios/{name}/compare": {"get": _op(
        "the scenario against the baseline: per maker rates before/after, categories newly covered and lost, "
        "lacked-by-all, the route's catchments; differences flagged (changed: true)",
        params=[SCENARIO_NAME, _q("radius_km", "radius in km", NUM), _q("route", "route id (default kechuang)"),
                WALK])},
    "/api/scenarios/{name}/export": {"get": _op("the scenario as a JSON file (import reads it back)",
                                                params=[SCENARIO_NAME])},
    "/api/registry/review": {"get": _op("the registry rows that need a person, each with its reasons")},
    "/api/registry/edits": {"get": _op("every recorded registry change: when, who, field, old and new value")},
    "/api/registry/entities/{entity_id}": {"post": _op(
        "a person's edit of one row: a position (marked as set by a person) and/or its confirmed categories",
        write=True, params=[_path("entity_id", "a registry id")],
        body=_obj({"lon": NUM, "lat": NUM, "precision": {"type": "string", "enum": ["exact", "street", "town", "district"]},
                   "categories": {"type": "array", "items": STR}, "source": STR}))},
}

DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": _("Wuzhong robotics supply chain") + " API", "version": "1",
             "description": _("Every error is JSON {shape} with a 4xx status; its message is Chinese first. Writes need "
                              "the edit token (`supplychain token`).",
                              shape='{"error": {"code", "message", "field"}}')},
    "paths": PATHS,
    "components": {
        "schemas": {"Error": {"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["code", "message", "field"],
            "properties": {"code": STR, "message": STR, "field": {"type": "string", "nullable": True}}}}}},
        "securitySchemes": {"editToken": {"type": "http", "scheme": "bearer"},
                            "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "sc_edit"}},
    },
}


@bp.get("/api/openapi.json")
def openapi_json():
    return jsonify(DOCUMENT)
