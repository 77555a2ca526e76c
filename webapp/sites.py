"""Site planning on the web: the sites API (``/api/sites/…``) and the ``/sites`` page (选址).

``POST /api/sites/evaluate`` and ``POST /api/sites/optimize`` wrap :func:`supplychain.siting.evaluate_sites`
and :func:`supplychain.siteopt.optimize_sites` (CONTRACT.md); ``….csv`` / ``….xlsx`` answer the same request as
a download (:mod:`supplychain.siteio`). The page places candidates by map clicks (or from the registry), weighs
the criteria, compares the candidates side by side and asks for the best k sites, all through this API.
"""

from __future__ import annotations


from flask import Blueprint, Response, jsonify, render_template

from supplychain import gaps, siteio, siteopt, siting, taxonomy
from supplychain.errors import InputError, parse_float
from supplychain.messages import _

from . import security
from .api import arg, workspace
from .body import json_body
from .mapview import planning_map
from .pages import entity_choice

bp = Blueprint("sites", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EVALUATE_FIELDS = {"candidates", "weights", "radius_km", "bom", "normalization"}
OPTIMIZE_FIELDS = {"k", "candidates", "weights", "radius_km", "fixed", "grid_m", "method", "time_limit_s"}
#: The web caps the solver's time so one request cannot hold a worker for long.
MAX_TIME_LIMIT_S = 120.0
#: The finest grid the gaps endpoint computes (a GET anyone may send: bounded work).
MIN_GAPS_GRID_M = 500.0



def _evaluate() -> dict:
    d = json_body(EVALUATE_FIELDS, limits={"candidates": siting.MAX_EVALUATE_CANDIDATES})
    return siting.evaluate_sites(workspace(), d.get("candidates"), weights=d.get("weights"),
                                 radius_km=d.get("radius_km"), bom=d.get("bom"), normalization=d.get("normalization"))


def _optimize() -> dict:
    d = json_body(OPTIMIZE_FIELDS, limits={"candidates": siteopt.MAX_OPTIMIZE_CANDIDATES,
                                           "fixed": siteopt.MAX_OPTIMIZE_CANDIDATES})
    limit = d.get("time_limit_s")
    limit = MAX_TIME_LIMIT_S if limit in (None, "") else parse_float(limit, "time_limit_s", 1, MAX_TIME_LIMIT_S)
    return siteopt.optimize_sites(workspace(), d.get("k"), candidates=d.get("candidates"),
                                  radius_km=d.get("radius_km"), weights=d.get("weights"), fixed=d.get("fixed"),
                                  grid_m=d.get("grid_m") if d.get("grid_m") not in (None, "") else 1000,
                                  method=d.get("method") or "auto", time_limit_s=limit)


def gaps_answer() -> dict:
    """``GET /api/sites/gaps`` and the report: the chain gaps for the query's radius, top and grid."""
    grid = arg("grid_m")
    grid_m = 1000.0 if grid is None else parse_float(grid, "grid_m", MIN_GAPS_GRID_M, 50_000)
    return gaps.chain_gaps(workspace(), radius_km=arg("radius_km"), top=arg("top"), grid_m=grid_m)


def _download(kind: str, fmt: str) -> Response:
    """The answer to an evaluate or optimize request as a CSV or XLSX attachment."""
    if fmt not in ("csv", "xlsx"):
        raise InputError("format", _("unknown export format {fmt!r}; expected csv or xlsx", fmt=fmt), "not_found", 404)
    if kind == "evaluate":
        result, table, name = _evaluate(), siteio.evaluation_table, "sites-evaluation"
    else:
        result, table, name = _optimize(), siteio.optimization_table, "sites-optimized"
    if fmt == "xlsx":
        resp = Response(siteio.to_xlsx(result), mimetype=XLSX)
    else:
        # A BOM so Excel opens the UTF-8 Chinese names correctly.
        resp = Response("\ufeff" + siteio.to_csv(*table(result)), mimetype="text/csv")
        resp.charset = "utf-8"
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return resp


def _criteria() -> list[dict]:
    """The criteria with their default weights, as the API and the page describe them."""
    return [{**c.describe(), "default_weight": siting.DEFAULT_WEIGHTS[c.key]} for c in siting.CRITERIA.values()]


# ----------------------------------------------------------------------------------------------------
# API

@bp.get("/api/sites/criteria")
def criteria():
    """The criteria, default weights, BOM choices and limits (what the page and API clients need)."""
    return jsonify({
        "criteria": _criteria(),
        "normalizations": list(siting.NORMALISATIONS),
        "bom_default": siting.DEFAULT_BOM_TYPE,
        "robot_types": {k: {"zh": v.zh, "en": v.en, "bom": list(taxonomy.DEFAULT_BOM[k])}
                        for k, v in taxonomy.ROBOT_TYPES.items()},
        "component_categories": {k: {"zh": v.zh, "en": v.en} for k, v in taxonomy.COMPONENT_CATEGORIES.items()},
        "limits": {"evaluate_candidates": siting.MAX_EVALUATE_CANDIDATES,
                   "optimize_candidates": siteopt.MAX_OPTIMIZE_CANDIDATES, "grid_points": siteopt.MAX_GRID_POINTS},
    })


@bp.get("/api/sites/gaps")
def chain_gaps():
    """补链: per component category, the makers lacking it and the best sites for one new supplier of it."""
    return jsonify(gaps_answer())


@bp.get("/api/sites/gaps.csv")
def chain_gaps_csv():
    resp = Response("\ufeff" + siteio.to_csv(*gaps.gaps_table(gaps_answer())), mimetype="text/csv")
    resp.charset = "utf-8"
    resp.headers["Content-Disposition"] = 'attachment; filename="chain-gaps.csv"'
    return resp


@bp.post("/api/sites/evaluate")
@security.compute_only
def evaluate():
    return jsonify(_evaluate())


@bp.post("/api/sites/evaluate.<fmt>")
@security.compute_only
def evaluate_download(fmt: str):
    return _download("evaluate", fmt)


@bp.post("/api/sites/optimize")
@security.compute_only
def optimize():
    return jsonify(_optimize())


@bp.post("/api/sites/optimize.<fmt>")
@security.compute_only
def optimize_download(fmt: str):
    return _download("optimize", fmt)


# ----------------------------------------------------------------------------------------------------
# The page

@bp.get("/sites")
def sites_page():
    ws = workspace()

    parts = planning_map(ws, "sites")
    entities = sorted((entity_choice(e) for e in ws.located), key=lambda e: (e["kind"] != "park", e["kind"], e["zh"]))
    page = {
        "criteria": _criteria(),
        "robot_types": {k: {"zh": v.zh, "en": v.en} for k, v in taxonomy.ROBOT_TYPES.items()},
        "categories": {k: {"zh": v.zh, "en": v.en} for k, v in taxonomy.CATEGORIES.items()},
        "kinds": {k: {"zh": v.zh, "en": v.en} for k, v in taxonomy.KINDS.items()},
        "entities": entities, "bom_default": siting.DEFAULT_BOM_TYPE,
        "network": ws.network is not None, "estimator": ws.estimator.describe(),
        "saturation": siting.SUPPLIER_COUNT_SATURATION,
    }
    return render_template("sites.html", map=parts, page=page, network_loaded=ws.network is not None,
                           estimator=ws.estimator.describe())
