"""What-if scenarios: the management API, the comparison and the ``/scenarios`` page.

Every analysis endpoint of the API takes ``?scenario=NAME`` (``webapp.api.workspace``); this blueprint stores
scenarios (writes behind the edit token, like every write), compares one with the baseline
(``supplychain.scenariocompare``) and serves the page that edits and compares them.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, jsonify, render_template

from supplychain import registry, scenario as sc, scenariocompare, scenariostore, taxonomy
from supplychain.errors import InputError
from supplychain.messages import _

from .api import arg, parse_bool, workspace
from .body import json_body
from .mapview import planning_map
from .pages import entity_choice

bp = Blueprint("scenarios", __name__)


def _detail(name: str) -> dict:
    """The stored scenario, what applying it did, and its changed entities as GeoJSON (for the page's map)."""
    base = workspace()
    s = scenariostore.get(base, name)
    sw = scenariostore.workspace_for(base, s.name)
    view = sw.scenario
    changed = [sw.by_id[i] for i in view.added + view.moved if i in sw.by_id and sw.by_id[i].located]
    gone = [base.by_id[i] for i in view.removed + view.moved if i in base.by_id and base.by_id[i].located]
    feats = registry.to_geojson(changed, include_unlocated=False)
    for f in feats["features"]:
        f["properties"]["scenario_role"] = "added" if f["id"] in view.added else "moved"
        f["properties"]["hypothetical"] = f["id"] in view.added
    was = registry.to_geojson(gone, include_unlocated=False)
    for f in was["features"]:
        f["properties"]["scenario_role"] = "removed" if f["id"] in view.removed else "moved_from"
    return {**s.to_dict(), "applied": view.describe(), "entities": feats, "baseline_entities": was}


@bp.get("/api/scenarios")
def list_scenarios():
    return jsonify({"scenarios": scenariostore.list_all(workspace()),
                    "limits": {"scenarios": sc.MAX_SCENARIOS, "edits": sc.MAX_EDITS, "name": sc.MAX_NAME},
                    "ops": list(sc.OPS)})


@bp.get("/api/scenarios/<name>")
def get_scenario(name: str):
    return jsonify(_detail(name))


@bp.put("/api/scenarios/<name>")
def put_scenario(name: str):
    d = json_body(("note", "edits"), {"edits": sc.MAX_EDITS})
    ws = workspace()
    existed = scenariostore.find(ws, sc.check_name(name)) is not None
    s = scenariostore.save(ws, name, d.get("edits", []), d.get("note"))
    return jsonify(s.to_dict()), 200 if existed else 201


@bp.delete("/api/scenarios/<name>")
def delete_scenario(name: str):
    scenariostore.delete(workspace(), name)
    return jsonify({"deleted": sc.check_name(name)})


@bp.post("/api/scenarios/<name>/edits")
def add_edits(name: str):
    """Append edits: ``{"edits": [...]}`` or one edit object ``{"op": …}``."""
    d = json_body(None, {"edits": sc.MAX_EDITS})
    edits = d["edits"] if set(d) == {"edits"} else [d]
    return jsonify(scenariostore.add_edits(workspace(), name, edits).to_dict())


@bp.delete("/api/scenarios/<name>/edits/<index>")
def remove_edit(name: str, index: str):
    return jsonify(scenariostore.remove_edit(workspace(), name, index).to_dict())


@bp.get("/api/scenarios/<name>/compare")
def compare(name: str):
    base = workspace()
    sw = scenariostore.workspace_for(base, sc.check_name(name))
    return jsonify(scenariocompare.compare(base, sw, radius_km=arg("radius_km") or 10, route_id=arg("route"),
                                           walk_m=arg("walk_m")))


@bp.get("/api/scenarios/<name>/export")
def export(name: str):
    data = scenariostore.export(workspace(), name)
    resp = Response(json.dumps(data, ensure_ascii=False, indent=1), mimetype="application/json")
    resp.headers["Content-Disposition"] = "attachment; filename=\"scenario.json\""
    return resp


@bp.post("/api/scenarios/import")
def import_scenario():
    d = json_body(("format", "version", "name", "note", "label", "edits"), {"edits": sc.MAX_EDITS})
    s = scenariostore.import_(workspace(), d, name=arg("name"), replace=parse_bool(arg("replace"), "replace"))
    return jsonify(s.to_dict()), 201


# ----------------------------------------------------------------------------------------------------
# The page

@bp.get("/scenarios")
def scenarios_page():
    ws = workspace()
    if ws.scenario is not None:
        raise InputError("scenario", _("The page shows every scenario: open /scenarios without ?scenario="))

    parts = planning_map(ws, "scenarios")
    entities = sorted((entity_choice(e) for e in ws.entities), key=lambda e: (e["kind"], e["zh"]))
    page = {
        "entities": entities,
        "categories": taxonomy.labels(taxonomy.CATEGORIES),
        "component_categories": list(taxonomy.COMPONENT_CATEGORIES),
        "kinds": taxonomy.labels(taxonomy.KINDS),
        "precisions": list(sc.POSITION_PRECISIONS),
        "limits": {"edits": sc.MAX_EDITS, "name": sc.MAX_NAME},
        "estimator": ws.estimator.describe(),
    }
    return render_template("scenarios.html", map=parts, page=page, network_loaded=ws.network is not None)
