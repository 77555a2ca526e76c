"""The offline basemap over HTTP: ``GET /api/basemap`` (TileJSON 3.0.0) and the tiles under ``/basemap/…``.

The tiles are the data dir's basemap (:mod:`supplychain.basemap`): built at import by the CLI, and built here
first when it is missing or stale (e.g. a data dir imported before the basemap existed), once per workspace.

Tile URLs carry the basemap version (``?v=``): with it a tile is cached for a year (a rebuild makes new URLs);
without it, or with an old one, the answer says ``no-cache`` and is revalidated by its ETag.
"""

from __future__ import annotations

import gzip
import logging
import threading

from flask import Blueprint, Response, jsonify, request

from supplychain import basemap
from supplychain.messages import _

from . import api, freshness

log = logging.getLogger(__name__)
bp = Blueprint("basemap", __name__)
_lock = threading.Lock()
MVT = "application/vnd.mapbox-vector-tile"
#: Tile coordinates beyond this zoom are not even parsed further (the basemap stops far below it).
MAX_Z = 24


def current() -> basemap.Basemap | None:
    """This workspace's basemap, built first when missing or stale (``None`` without network and boundary)."""
    store = api.cache()
    if "basemap" not in store:
        with _lock:
            if "basemap" not in store:
                ws = freshness.pinned()
                try:
                    store["basemap"] = basemap.ensure(ws.data_dir, ws.store, ws.network, ws.study_area)
                except OSError as exc:  # a read-only data dir: serve what is there, stale or not
                    log.warning("could not build the basemap in %s: %s", ws.data_dir, exc)
                    store["basemap"] = basemap.current(ws.data_dir)
    return store["basemap"]


def _not_found(message: str) -> Response:
    r = jsonify({"error": {"code": "not_found", "message": message, "field": None}})
    r.status_code = 404
    r.headers["Cache-Control"] = "no-cache"
    return r


def tilejson(bm: basemap.Basemap, root: str) -> dict:
    """The TileJSON 3.0.0 document of ``bm`` with tile URLs under ``root``, plus its sources and coverage."""
    m = bm.meta
    w, s, e, n = m["bounds"]
    cov = dict(m["coverage"])
    share = cov.get("district_covered_share")
    cov["complete"] = bool(share is not None and share >= 0.99)
    cov["note"] = _("The basemap covers only the imported road network ({km} km²): {pct} of 吴中 has no roads "
                    "in the data (hatched).", km=f"{cov['covered_km2']:,.0f}",
                    pct=f"{(1 - (share or 0)) * 100:.0f}%")
    return {
        "tilejson": "3.0.0",
        "name": m["name"],
        "version": "1.0.0",
        "scheme": "xyz",
        "tiles": [f"{root}basemap/tiles/{{z}}/{{x}}/{{y}}.mvt?v={bm.version}"],
        "bounds": m["bounds"],
        "center": [round((w + e) / 2, 6), round((s + n) / 2, 6), 11],
        "minzoom": m["minzoom"],
        "maxzoom": m["maxzoom"],
        "attribution": m["attribution"],
        "vector_layers": m["vector_layers"],
        "format": "pbf",
        "sources": m["sources"],
        "counts": m["counts"],
        "coverage": cov,
        "basemap_version": bm.version,
    }


@bp.get("/api/basemap")
def basemap_tilejson():
    """TileJSON 3.0.0 of the offline basemap (404 when the data dir has neither network nor boundary)."""
    bm = current()
    if bm is None:
        return _not_found("no basemap: import a road network (supplychain network import PATH)")
    r = jsonify(tilejson(bm, request.host_url))
    r.headers["Cache-Control"] = "no-cache"
    return r


@bp.get("/basemap/tiles/<int:z>/<int:x>/<int:y>.mvt")
def tile(z: int, x: int, y: int):
    """One vector tile: 200 (gzip MVT), 204 (inside the basemap but empty) or 404 (outside its zooms or bounds)."""
    bm = current()
    if bm is None:
        return _not_found("no basemap: import a road network (supplychain network import PATH)")
    if z > MAX_Z or x >= (1 << z) or y >= (1 << z) or not bm.in_range(z, x, y):
        return _not_found(f"tile {z}/{x}/{y} is outside the basemap (zoom {bm.meta['minzoom']}–"
                          f"{bm.meta['maxzoom']}, bounds {bm.meta['bounds']})")
    etag = f'"{bm.version}-{z}-{x}-{y}"'
    fresh = request.args.get("v") == bm.version
    headers = {"ETag": etag, "Vary": "Accept-Encoding",
               "Cache-Control": "public, max-age=31536000, immutable" if fresh else "no-cache"}
    if etag in request.headers.get("If-None-Match", ""):
        return Response(status=304, headers=headers)
    data = bm.tile(z, x, y)
    if data is None:
        return Response(status=204, headers=headers)
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        headers["Content-Encoding"] = "gzip"
    else:
        data = gzip.decompress(data)
    return Response(data, mimetype=MVT, headers=headers)
