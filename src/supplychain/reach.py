"""Supplier queries: which suppliers (of a category) lie within R km by road of a point or an entity.

Each answer says how every distance was obtained: ``network`` (both ends snapped within the limit, shortest
road path, snap distances reported) or ``estimated`` (straight line x the calibrated circuity factor).
``road_m`` is the network path between the snapped nodes; the radius applies to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import engine, studyarea, taxonomy
from .errors import InputError, parse_float
from .registry import PRECISION_RADIUS_M, Entity
from .workspace import ESTIMATED, NETWORK, SnappedPoint, Workspace

MAX_RADIUS_KM = 50.0


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
            raise InputError("entity", "give either entity or lon/lat, not both")
        e = ws.entity(entity, located=True)
        node, snap, on = ws.snapping[e.id]
        return Origin(e.lon, e.lat, node, snap, on, e.id, entity=e)
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


def _round1(values: np.ndarray) -> list[float]:
    """Values rounded to 0.1 (metres or seconds) as plain floats, in one numpy call."""
    return np.round(np.asarray(values, dtype=float), 1).tolist()


@dataclass
class _SupplierTable:
    """Located suppliers of one category as arrays: snapping and metric coordinates, built once per registry."""

    located: list[Entity]
    unlocated: list[Entity]
    position: dict[str, int]
    nodes: np.ndarray
    snap_m: np.ndarray
    on: np.ndarray
    x: np.ndarray
    y: np.ndarray


def _supplier_table(ws: Workspace, category: str | None) -> _SupplierTable:
    candidates = [e for e in ws.entities if is_supplier(e, category)]
    located = [e for e in candidates if e.located]
    snaps = [ws.snapping[e.id] for e in located]
    x, y = studyarea.to_metric(np.array([e.lon for e in located], dtype=float),
                               np.array([e.lat for e in located], dtype=float))
    return _SupplierTable(
        located, [e for e in candidates if not e.located], {e.id: i for i, e in enumerate(located)},
        np.array([s[0] for s in snaps], dtype=np.int64), np.array([s[1] for s in snaps], dtype=float),
        np.array([s[2] for s in snaps], dtype=bool), np.asarray(x, dtype=float), np.asarray(y, dtype=float))


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
    # Per-query work is only what depends on the origin: the supplier table is built once per registry.
    table = ws.memo(("suppliers", category), lambda: _supplier_table(ws, category))
    keep = np.ones(len(table.located), dtype=bool)
    if origin.entity is not None and origin.entity.id in table.position:
        keep[table.position[origin.entity.id]] = False
    located = [e for e, k in zip(table.located, keep) if k] if not keep.all() else table.located
    unlocated = [e for e in table.unlocated if origin.entity is None or e.id != origin.entity.id]

    results = []
    on = within = np.zeros(0, dtype=bool)
    if located:
        nodes, snap_m = table.nodes[keep], table.snap_m[keep]
        on = table.on[keep] & origin.on_network
        ox_, oy_ = studyarea.to_metric(origin.lon, origin.lat)
        straight = np.hypot(table.x[keep] - ox_, table.y[keep] - oy_)  # as workspace.straight_m, ends cached
        est = ws.estimator
        road = straight * est.factor
        time = road / (est.speed_kph / 3.6)
        pred = None
        if on.any():
            r, t, pred = _network_distances(ws, origin, nodes[on], radius_m)
            road[on], time[on] = r, t
        within = np.flatnonzero(road <= radius_m)
        within = within[np.argsort(road[within], kind="stable")]
        # Plain Python values, rounded in bulk: item-by-item numpy indexing and round() cost as much as the
        # road search itself when hundreds of suppliers are in range.
        for i, r_m, t_s, s_m, snap, on_i in zip(within.tolist(), _round1(road[within]), _round1(time[within]),
                                                _round1(straight[within]), _round1(snap_m[within]),
                                                on[within].tolist()):
            e = located[i]
            item = {
                "id": e.id, "name_zh": e.name_zh, "name_en": e.name_en, "categories": list(e.categories),
                "lon": e.lon, "lat": e.lat,
                "road_m": r_m, "time_s": t_s, "straight_m": s_m,
                "snap_m": None if snap != snap else snap,
                "distance_method": NETWORK if on_i else ESTIMATED,
                "precision": e.precision, "uncertainty_m": PRECISION_RADIUS_M.get(e.precision),
            }
            if with_paths and on_i and pred is not None:
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
    if origin.method == ESTIMATED or (located and not on[within].all()):
        answer["estimator"] = ws.estimator.describe()
    return answer
