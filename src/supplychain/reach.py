"""Supplier queries: which suppliers (of a category) lie within R km by road of a point or an entity.

Distances come from :mod:`supplychain.measure`: each result has a best estimate ``road_m`` (``None`` when the
two positions share a reference point), bounds ``road_m_range`` from both uncertainty regions, its
``distance_method`` and the ``verdict`` against the radius. Results are the ``within`` and ``undetermined``
suppliers, sorted by best estimate (the middle of the range where there is none).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import engine, measure, taxonomy
from .errors import InputError, parse_float
from .messages import _
from .registry import Entity
from .workspace import ESTIMATED, NETWORK, SnappedPoint, Workspace

MAX_RADIUS_KM = 50.0
#: Verdict names by code (measure.verdict_codes), indexable by a plain int.
VERDICT_BY_CODE = {1: measure.WITHIN, 0: measure.UNDETERMINED, -1: measure.BEYOND}


@dataclass
class Origin(SnappedPoint):
    """Where a query starts: a snapped point, or a registry entity's point."""

    entity: Entity | None = None

    def to_dict(self) -> dict:
        d = self.point_dict()
        if self.entity is not None:
            d.update(entity=self.entity.id, name_zh=self.entity.name_zh, precision=self.entity.precision)
        return d


def resolve_origin(ws: Workspace, lon=None, lat=None, entity: str | None = None) -> Origin:
    """An origin from an entity id or a WGS84 point, validated and snapped."""
    if entity not in (None, ""):
        if lon not in (None, "") or lat not in (None, ""):
            raise InputError("entity", _("give either entity or lon/lat, not both"))
        e = ws.entity(entity, located=True)
        node, snap, on = ws.snapping[e.id]
        return Origin(e.lon, e.lat, node, snap, on, e.id, entity=e)
    if lon in (None, "") and lat in (None, ""):
        raise InputError("lon", _("give lon and lat, or an entity id"), "missing")
    x, y = ws.check_point(lon, lat)
    node, snap, on = ws.snap_point(x, y)
    return Origin(x, y, node, snap, on)


def check_radius(radius_km, field: str = "radius_km") -> float:
    return parse_float(10 if radius_km in (None, "") else radius_km, field, 0.1, MAX_RADIUS_KM)


def check_category(category: str | None, field: str = "category") -> str | None:
    """A category given as id, in Chinese (减速器) or in English -> its id; :class:`InputError` when unknown."""
    if category in (None, ""):
        return None
    try:
        return taxonomy.check_category(category)
    except taxonomy.TaxonomyError as exc:
        raise InputError(field, str(exc)) from None


def is_supplier(e: Entity, category: str | None) -> bool:
    """Suppliers of ``category``; with no category, every entity with a component category."""
    if category is not None:
        return category in e.categories
    return any(c in taxonomy.COMPONENT_CATEGORIES for c in e.categories)


def _supplier_positions(ws: Workspace, category: str | None):
    """Located suppliers of one category as :class:`measure.Positions`, and the unlocated ones (per registry)."""
    candidates = [e for e in ws.entities if is_supplier(e, category)]
    located = [e for e in candidates if e.located]
    pos = ws.positions(located)
    return (located, pos, [e for e in candidates if not e.located], [r.describe() for r in pos.regions],
            [e.radius_m for e in located])


def suppliers_within(ws: Workspace, *, lon=None, lat=None, entity: str | None = None, radius_km=10,
                     category: str | None = None, with_paths: bool = False) -> dict:
    """Suppliers within ``radius_km`` of a point or entity, sorted by road distance (CONTRACT.md shape).

    Parameters
    ----------
    ws
        The loaded workspace.
    lon, lat / entity
        The origin: a WGS84 point, or a located registry entity.
    radius_km
        Search radius on the road network (0.1–50 km).
    category
        Only suppliers of this category; ``None`` for every entity with a component category.
    with_paths
        Add each network result's road path as [lon, lat] coordinates.
    """
    origin = resolve_origin(ws, lon, lat, entity)
    radius_m = check_radius(radius_km) * 1000.0
    category = check_category(category)
    # Per-query work is only what depends on the origin: the supplier positions are built once per registry.
    located, pos, unlocated, regions, radii = ws.memo(("suppliers", category),
                                                      lambda: _supplier_positions(ws, category))
    if origin.entity is not None:
        keep = [i for i, e in enumerate(located) if e.id != origin.entity.id]
        if len(keep) < len(located):
            located, pos = [located[i] for i in keep], pos.take(keep)
            regions, radii = [regions[i] for i in keep], [radii[i] for i in keep]
        unlocated = [e for e in unlocated if e.id != origin.entity.id]
    here = origin_positions(ws, origin)

    results = []
    pairs = None
    if located:
        pairs = measure.from_origin(ws, here, pos, radius_m)
        shown = np.flatnonzero(pairs.verdict >= 0)  # within and undetermined; beyond is left out
        key = np.where(np.isnan(pairs.best[shown]), 0.5 * (pairs.lo[shown] + np.minimum(pairs.hi[shown], 1e12)),
                       pairs.best[shown])
        shown = shown[np.argsort(key, kind="stable")]
        # Plain Python values, rounded in bulk: item-by-item numpy indexing and round() cost as much as the
        # road search itself when hundreds of suppliers are in range.
        for i, r_m, lo, hi, t_s, s_m, snap, net, code in zip(
                shown.tolist(), *measure.rounded_rows(pairs.best[shown], pairs.lo[shown], pairs.hi[shown], pairs.time_s[shown],
                                         pairs.straight[shown], pos.snap_m[shown]),
                pairs.network[shown].tolist(), pairs.verdict[shown].tolist()):
            e = located[i]
            item = {
                "id": e.id, "name_zh": e.name_zh, "name_en": e.name_en, "categories": list(e.categories),
                "lon": e.lon, "lat": e.lat,
                "road_m": r_m, "road_m_range": [lo, hi], "verdict": VERDICT_BY_CODE[code],
                "time_s": t_s, "straight_m": s_m, "snap_m": snap,
                "distance_method": NETWORK if net else ESTIMATED,
                "precision": e.precision, "uncertainty_m": radii[i], "region": regions[i],
            }
            if with_paths and net and pairs.predecessors is not None and r_m is not None:
                path = engine.path_from_tree(pairs.predecessors, origin.node, int(pos.node[i]))
                item["path"] = ws.network.path_coords(path)
            results.append(item)
    n_und = int((pairs.verdict[shown] == 0).sum()) if pairs is not None else 0
    answer = {
        "origin": {**origin.to_dict(), "region": here.regions[0].describe()},
        "radius_km": radius_m / 1000.0,
        "category": category,
        "distance_method": origin.method,
        "results": results,
        "counts": {"within": len(results) - n_und, "undetermined": n_und},
        "unlocated": [{"id": e.id, "name_zh": e.name_zh} for e in unlocated],
    }
    if n_und:
        answer["settle"] = measure.SETTLE_HINT
    if origin.method == ESTIMATED or any(r["distance_method"] == ESTIMATED for r in results):
        answer["estimator"] = ws.estimator.describe()
    return answer


def origin_positions(ws: Workspace, origin: Origin) -> measure.Positions:
    """The origin as a one-row :class:`measure.Positions`: an entity with its region, or an exact point."""
    if origin.entity is not None:
        return measure.of_entities([origin.entity], ws.snapping)
    return measure.points([None], [origin.lon], [origin.lat], [origin.node], [origin.snap_m], [origin.on_network])
