"""The JSON API (CONTRACT.md "HTTP API"): thin wrappers over the library's analysis functions.

Every parameter is validated by the library (``InputError`` names the field) or here, and every error is
JSON with a 4xx status (see ``webapp.errors``). GeoJSON answers use ``application/geo+json``.
"""

from __future__ import annotations

import gzip
import json
import threading
from pathlib import PurePath

from flask import Blueprint, Response, current_app, has_request_context, jsonify, request

from supplychain import isochrone, reach, registry, scenariostore, sourcing, tabular, taxonomy
from supplychain.errors import InputError
from supplychain.messages import _
from supplychain.workspace import Workspace

from . import freshness, security

bp = Blueprint("api", __name__, url_prefix="/api")

GEOJSON = "application/geo+json"
_lock = threading.Lock()


def workspace() -> Workspace:
    """This request's workspace (the process's current one; see ``webapp.freshness``), or, for an API request
    with ``?scenario=NAME``, that what-if scenario's workspace over it (``supplychain.scenariostore``).

    Pages ignore ``scenario`` (their maps are cached for the baseline); a write that would change stored data
    cannot target a scenario (its routes and entities change through the scenario's own edits).
    """
    ws = freshness.pinned()
    name = request.args.get("scenario") if has_request_context() and request.path.startswith("/api/") else None
    if name is None or not name.strip():
        return ws
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if request.method in security.WRITE_METHODS and not getattr(view, "sc_compute_only", False):
        raise InputError("scenario", _("A write cannot target a scenario: change it through "
                                       "POST /api/scenarios/NAME/edits"), "scenario_read_only", 409)
    return scenariostore.workspace_for(ws, name)


def cache() -> dict:
    return current_app.extensions["supplychain_cache"]


def arg(name: str) -> str | None:
    """A query parameter, ``None`` when absent or blank."""
    value = request.args.get(name)
    return value if value is not None and value.strip() != "" else None


def parse_bool(value: str | None, field: str, default: bool = False) -> bool:
    if value is None:
        return default
    v = value.strip().lower()
    if v in ("1", "true", "yes", "on"):
        return True
    if v in ("0", "false", "no", "off"):
        return False
    raise InputError(field, _("{field} must be true or false (1/0), got {value!r}", field=field, value=value))


def parse_choice(value: str | None, field: str, choices, default: str | None = None) -> str | None:
    if value is None:
        return default
    if value not in choices:
        raise InputError(field, _("unknown {field} {value!r}; expected one of: {choices}", field=field, value=value,
                                  choices=", ".join(choices)))
    return value


def geojson_response(data: dict, status: int = 200, filename: str | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    resp = Response(body, status=status, mimetype=GEOJSON)
    if filename:
        resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


def csv_response(rows: list[dict], columns: list[str], filename: str) -> Response:
    # A BOM so Excel (the usual tool here) opens UTF-8 Chinese text correctly; cells through the one safe rule.
    body = "\ufeff" + tabular.csv_text(columns, tabular.dict_rows(rows, columns), lineterminator="\r\n")
    resp = Response(body, mimetype="text/csv")
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp.charset = "utf-8"
    return resp


# ----------------------------------------------------------------------------------------------------

@bp.get("")
@bp.get("/")
def index():
    """What the API offers (for people exploring it with curl)."""
    return jsonify({"endpoints": sorted(r.rule for r in current_app.url_map.iter_rules()
                                        if r.rule.startswith("/api"))})


def public_health(health: dict) -> dict:
    """The workspace's health without where things are on this machine (no data dir, no absolute file paths)."""
    out = {k: v for k, v in health.items() if k != "data_dir"}
    net = out.get("network")
    if net and str(net.get("source", "")).startswith("file:"):
        out["network"] = {**net, "source": "file:" + PurePath(net["source"][5:]).name}
    return out


@bp.get("/health")
def health():
    return jsonify(public_health(workspace().health()))


@bp.get("/taxonomy")
def taxonomy_table():
    return jsonify(taxonomy.as_dict())


@bp.get("/entities")
def entities():
    """GeoJSON of the registry, optionally one kind and/or one category (unlocated ones: null geometry)."""
    kind = parse_choice(taxonomy.resolve(arg("kind"), taxonomy.KINDS) or arg("kind"), "kind", taxonomy.KINDS)
    category = reach.check_category(arg("category"))
    located = parse_bool(arg("located"), "located", False)
    chosen = workspace().entities_of(category=category, kind=kind)
    return geojson_response(registry.to_geojson(chosen, include_unlocated=not located))


@bp.get("/entities/<entity_id>")
def entity(entity_id: str):
    e = workspace().entity(entity_id, field="id")
    return jsonify(registry.to_geojson([e])["features"][0])


def supplier_query() -> dict:
    """Run ``reach.suppliers_within`` on the request's parameters (shared by the JSON, CSV and GeoJSON forms)."""
    return reach.suppliers_within(
        workspace(), lon=arg("lon"), lat=arg("lat"), entity=arg("entity"), radius_km=arg("radius_km"),
        category=arg("category"), with_paths=parse_bool(arg("paths"), "paths", False))


@bp.get("/suppliers")
def suppliers():
    fmt = parse_choice(arg("format"), "format", ("json", "geojson", "csv"), "json")
    if fmt == "csv":
        return suppliers_csv()
    if fmt == "geojson":
        return suppliers_geojson()
    return jsonify(supplier_query())


SUPPLIER_CSV_COLUMNS = ["rank", "id", "name_zh", "name_en", "categories", "road_m", "road_m_lo", "road_m_hi", "verdict",
                        "time_s", "straight_m", "snap_m", "distance_method", "circuity_factor", "precision",
                        "uncertainty_m", "lon", "lat",
                        "origin_lon", "origin_lat", "radius_km", "category"]


@bp.get("/suppliers.csv")
def suppliers_csv():
    answer = supplier_query()
    factor = (answer.get("estimator") or {}).get("circuity_factor")
    o = answer["origin"]
    rows = []
    for i, r in enumerate(answer["results"], start=1):
        rows.append({**r, "rank": i, "categories": ";".join(r["categories"]),
                     "road_m_lo": r["road_m_range"][0], "road_m_hi": r["road_m_range"][1],
                     "circuity_factor": factor if r["distance_method"] == "estimated" else "",
                     "origin_lon": o["lon"], "origin_lat": o["lat"], "radius_km": answer["radius_km"],
                     "category": answer["category"] or ""})
    where = o.get("entity") or "{:.5f}_{:.5f}".format(o["lon"], o["lat"])
    name = f"suppliers-{where}-{answer['radius_km']:g}km.csv"
    return csv_response(rows, SUPPLIER_CSV_COLUMNS, name)


@bp.get("/suppliers.geojson")
def suppliers_geojson():
    answer = supplier_query()
    o = answer["origin"]
    feats = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [o["lon"], o["lat"]]},
              "properties": {"role": "origin", **o, "distance_method": answer["distance_method"]}}]
    for i, r in enumerate(answer["results"], start=1):
        props = {k: v for k, v in r.items() if k not in ("lon", "lat", "path")}
        feats.append({"type": "Feature", "id": r["id"],
                      "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                      "properties": {"role": "supplier", "rank": i, **props}})
        if r.get("path"):
            feats.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": r["path"]},
                          "properties": {"role": "path", "supplier_id": r["id"], "road_m": r["road_m"]}})
    data = {"type": "FeatureCollection", "radius_km": answer["radius_km"], "category": answer["category"],
            "distance_method": answer["distance_method"], "features": feats,
            "attribution": "© OpenStreetMap contributors"}
    if "estimator" in answer:
        data["estimator"] = answer["estimator"]
    return geojson_response(data, filename="suppliers.geojson")


@bp.get("/isochrone")
def isochrone_areas():
    """Service areas: ``km=5,10`` (road distance) or ``minutes=10,20`` (drive time), not both."""
    km, minutes = arg("km"), arg("minutes")
    if km is not None and minutes is not None:
        raise InputError("minutes", _("give km or minutes, not both"))
    if minutes is not None:
        breaks, metric = isochrone.parse_breaks(minutes, "minutes", 120.0), "time"
    else:
        breaks, metric = isochrone.parse_breaks(km or "5,10", "km", reach.MAX_RADIUS_KM), "length"
    data = isochrone.isochrones(workspace(), lon=arg("lon"), lat=arg("lat"), entity=arg("entity"),
                                breaks=breaks, metric=metric)
    return geojson_response(data)


@bp.get("/sourcing")
def sourcing_report():
    if arg("format") == "csv":
        return sourcing_csv()
    parse_choice(arg("format"), "format", ("json", "csv"))
    return jsonify(sourcing.sourcing_check(workspace(), radius_km=arg("radius_km")))


SOURCING_CSV_COLUMNS = ["id", "name_zh", "name_en", "rate_certain", "rate_possible", "covered", "undetermined",
                        "missing", "bom", "precision", "distance_method", "lon", "lat", "radius_km"]


@bp.get("/sourcing.csv")
def sourcing_csv():
    result = sourcing.sourcing_check(workspace(), radius_km=arg("radius_km"))
    rows = [{**m, "covered": ";".join(c["category"] for c in m["covered"]), "missing": ";".join(m["missing"]),
             "undetermined": ";".join(u["category"] for u in m["undetermined"]),
             "bom": ";".join(m["bom"]), "radius_km": result["radius_km"]} for m in result["makers"]]
    return csv_response(rows, SOURCING_CSV_COLUMNS, f"sourcing-{result['radius_km']:g}km.csv")


def _gzip_cached(key: str, build) -> tuple[bytes, bytes] | None:
    """(json bytes, gzip bytes) built once per process under a lock; ``None`` when ``build`` gives None."""
    store = cache()
    if key not in store:
        with _lock:
            if key not in store:
                data = build()
                if data is None:
                    store[key] = None
                else:
                    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
                    store[key] = (raw, gzip.compress(raw, compresslevel=6))
    return store[key]


def _send_cached(pair: tuple[bytes, bytes]) -> Response:
    raw, packed = pair
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        resp = Response(packed, mimetype=GEOJSON)
        resp.headers["Content-Encoding"] = "gzip"
    else:
        resp = Response(raw, mimetype=GEOJSON)
    resp.headers["Vary"] = "Accept-Encoding"
    resp.headers["Cache-Control"] = "public, max-age=3600"
    return resp


@bp.get("/network.geojson")
def network_geojson():
    """The road network as lines per highway class (the maps' base layer), built once per process."""
    ws = workspace()
    pair = _gzip_cached("network", lambda: ws.network.road_lines() if ws.network is not None else None)
    if pair is None:
        raise InputError(None, _("no road network is loaded: run `supplychain network import PATH`"),
                         "no_network", 404)
    return _send_cached(pair)


@bp.get("/boundary.geojson")
def boundary_geojson():
    """The 吴中区 boundary (OpenStreetMap relation 4591880)."""
    ws = workspace()
    pair = _gzip_cached("boundary", lambda: ws.study_area.to_geojson() if ws.study_area is not None else None)
    if pair is None:
        raise InputError(None, _("no study-area boundary file is available"), "no_boundary", 404)
    return _send_cached(pair)
