"""Supplier queries: which suppliers (of a category) lie within R km by road of a point or an entity.

Each answer says how every distance was obtained: ``network`` (both ends snapped within the limit, shortest
road path, snap distances reported) or ``estimated`` (straight line x the calibrated circuity factor).
``road_m`` is the network path between the snapped nodes; the radius applies to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import engine, taxonomy
from .errors import InputError, parse_float
from .registry import PRECISION_RADIUS_M, Entity
from .workspace import ESTIMATED, NETWORK, Workspace, straight_m

MAX_RADIUS_KM = 50.0


@dataclass
class Origin:
    lon: float
    lat: float
    node: int
    snap_m: float
    on_network: bool
    entity: Entity | None = None

    @property
    def method(self) -> str:
        return NETWORK if self.on_network else ESTIMATED

    def to_dict(self) -> dict:
        d = {"lon": round(self.lon, 7), "lat": round(self.lat, 7),
             "snap_m": None if self.snap_m != self.snap_m else round(self.snap_m, 1),
             "on_network": self.on_network}
        if self.entity is not None:
            d.update(entity=self.entity.id, name_zh=self.entity.name_zh, precision=self.entity.precision)
        return d


def resolve_origin(ws: Workspace, lon=None, lat=None, entity: str | None = None) -> Origin:
    """An origin from an entity id or a WGS84 point, validated and snapped."""
    if entity not in (None, ""):
        if lon not in (None, "") or lat not in (None, ""):
            raise InputError("entity", "give either entity or lon/lat, not both")
        e = ws.entity(entity, located=True)
        node, snap, on = ws.snapping[e.id]
        return Origin(e.lon, e.lat, node, snap, on, e)
    if lon in (None, "") and lat in (None, ""):
        raise InputError("lon", "give lon and lat, or an entity id", "missing")
    x, y = ws.check_point(lon, lat)
    node, snap, on = ws.snap_point(x, y)
    return Origin(x, y, node, snap, on)


def check_radius(radius_km, field: str = "radius_km") -> float:
    return parse_float(10 if radius_km in (None, "") else radius_km, field, 0.1, MAX_RADIUS_KM)


def check_category(category: str | None, field: str = "category") -> str | None:
    if category in (None, ""):
        return None
    if category not in taxonomy.CATEGORIES:
        raise InputError(field, f"unknown category {category!r}; expected one of: {', '.join(taxonomy.CATEGORIES)}")
    return category


def is_supplier(e: Entity, category: str | None) -> bool:
    """Suppliers of ``category``; with no category, every entity with a component category."""
    if category is not None:
        return category in e.categories
    return any(c in taxonomy.COMPONENT_CATEGORIES for c in e.categories)


def _network_distances(ws: Workspace, origin: Origin, nodes: np.ndarray, limit_m: float):
    """Road metres and drive seconds (along the shortest-distance path) from the origin to ``nodes``."""
    graph = ws.network.graph
    dist, pred = engine.distances_with_predecessors(graph, origin.node, limit=limit_m)
    road = dist[nodes]
    time = np.full(len(nodes), np.inf)
    ok = np.isfinite(road)
    if ok.any():
        time[ok] = engine.cost_along_tree(graph, pred, nodes[ok], metric="time")
    return road, time, pred


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
    candidates = [e for e in ws.entities if is_supplier(e, category)
                  and (origin.entity is None or e.id != origin.entity.id)]
    located = [e for e in candidates if e.located]
    unlocated = [e for e in candidates if not e.located]

    results = []
    if located:
        snaps = [ws.snapping[e.id] for e in located]
        nodes = np.array([s[0] for s in snaps], dtype=np.int64)
        on = np.array([s[2] for s in snaps], dtype=bool) & origin.on_network
        straight = straight_m(origin.lon, origin.lat, [e.lon for e in located], [e.lat for e in located])
        est = ws.estimator
        road = straight * est.factor
        time = road / (est.speed_kph / 3.6)
        pred = None
        if on.any():
            r, t, pred = _network_distances(ws, origin, nodes[on], radius_m)
            road[on], time[on] = r, t
        for i in np.flatnonzero(road <= radius_m)[np.argsort(road[road <= radius_m], kind="stable")]:
            e = located[i]
            item = {
                "id": e.id, "name_zh": e.name_zh, "name_en": e.name_en, "categories": list(e.categories),
                "lon": e.lon, "lat": e.lat,
                "road_m": round(float(road[i]), 1), "time_s": round(float(time[i]), 1),
                "straight_m": round(float(straight[i]), 1),
                "snap_m": None if snaps[i][1] != snaps[i][1] else round(snaps[i][1], 1),
                "distance_method": NETWORK if on[i] else ESTIMATED,
                "precision": e.precision, "uncertainty_m": PRECISION_RADIUS_M.get(e.precision),
            }
            if with_paths and on[i] and pred is not None:
                path = engine.path_from_tree(pred, origin.node, int(nodes[i]))
                item["path"] = ws.network.path_coords(path)
            results.append(item)
    answer = {
        "origin": origin.to_dict(),
        "radius_km": radius_m / 1000.0,
        "category": category,
        "distance_method": origin.method,
        "results": results,
        "unlocated": [{"id": e.id, "name_zh": e.name_zh} for e in unlocated],
    }
    if any(r["distance_method"] == ESTIMATED for r in results) or origin.method == ESTIMATED:
        answer["estimator"] = ws.estimator.describe()
    return answer
