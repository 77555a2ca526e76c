"""Registry review on the web: the ``/registry`` page and its API (``/api/registry/…``).

The page lists the rows that need a person (:func:`supplychain.review.queue`) on a map whose markers can be
dragged, with the row's categories to confirm or change. Each save is one library edit, recorded with the
editor: ``token:`` and a short fingerprint of the edit token's session (never the token itself). Saves go
through the same write protection as every other write (``webapp.security``: 401 without the token).
"""

from __future__ import annotations

import threading

from flask import Blueprint, current_app, jsonify, render_template

from supplychain import maps, registry, review, taxonomy

from . import security
from .api import workspace
from .body import json_body
from .mapview import render_map

bp = Blueprint("review", __name__)
_lock = threading.RLock()

EDIT_FIELDS = {"lon", "lat", "precision", "categories", "source"}


def editor() -> str:
    """Who edits, as recorded: the session fingerprint of the edit token (the same for every holder)."""
    return f"token:{security.policy().session[:8]}"


def _queue(ws) -> list[dict]:
    return review.queue(ws.entities)


@bp.get("/registry")
def registry_page():
    ws = workspace()
    m = maps.base_map(ws)
    maps.add_entities(m, ws.entities, uncertainty=False)  # context: where everything else is
    parts = render_map(maps.finish(m, info={"page": "registry"}, collapsed=True))
    rows = _queue(ws)
    return render_template("registry.html", map=parts, rows=rows, categories=taxonomy.labels(taxonomy.CATEGORIES),
                           page_data={"rows": rows, "categories": taxonomy.labels(taxonomy.CATEGORIES),
                                      "precisions": list(registry.PRECISIONS)})


@bp.get("/api/registry/review")
def review_queue():
    return jsonify({"rows": _queue(workspace())})


@bp.get("/api/registry/edits")
def edit_log():
    return jsonify({"edits": registry.edits(workspace().store)})


@bp.post("/api/registry/entities/<entity_id>")
def edit_entity(entity_id: str):
    data = json_body(EDIT_FIELDS, {"categories": len(taxonomy.CATEGORIES)})
    ws = workspace()
    with _lock:
        e = review.edit(ws.store, entity_id, editor(), lon=data.get("lon"), lat=data.get("lat"),
                        precision=data.get("precision"), categories=data.get("categories"), source=data.get("source"))
        ws.reload_entities()
    current_app.extensions.get("supplychain_cache", {}).pop("maps", None)  # pages draw the old positions
    return jsonify({"entity": e.to_dict(), "reasons": review.reasons(e), "edits": registry.edits(ws.store, e.id)})
