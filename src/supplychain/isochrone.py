"""Service areas (isochrones) that follow the roads, as GeoJSON polygons, one per break.

On the network: one bounded Dijkstra from the origin, then per break the reached nodes plus the points where
each partly reached edge runs out, wrapped by a concave hull (not a convex hull: the shape follows the road
network) grown by a thin road corridor. Without a
network (or with the origin off it): a circle of radius break / circuity, labelled ``estimated``.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import mapping

from . import engine, measure, studyarea
from .errors import InputError, parse_float
from .messages import _
from .reach import resolve_origin
from .workspace import ESTIMATED, NETWORK, Workspace

#: Concave hull tightness (shapely ``ratio``): smaller follows the roads more closely.
HULL_RATIO = 0.08
#: Half-width (m) of the road corridor added around the hull.
CORRIDOR_M = 60.0
MAX_BREAKS = 6
#: Grid cell (m) for thinning reached points before the hull; well under CORRIDOR_M.
THIN_CELL_M = 25.0


def parse_breaks(text, field: str = "km", hi: float = 50.0) -> list[float]:
    """'5,10' -> [5.0, 10.0], validated (positive, at most :data:`MAX_BREAKS`, at most ``hi``)."""
    if isinstance(text, (list, tuple)):
        parts = list(text)
    else:
        parts = [p for p in str(text or "").split(",") if p.strip()]
    if not parts:
        raise InputError(field, _("{field} needs at least one break, e.g. 5,10", field=field), "missing")
    if len(parts) > MAX_BREAKS:
        raise InputError(field, _("at most {MAX_BREAKS} breaks, got {n}", MAX_BREAKS=MAX_BREAKS, n=len(parts)))
    return sorted({parse_float(p, field, 0.1, hi) for p in parts})


def _frontier_points(graph: engine.RoadGraph, dist: np.ndarray, budget: float, x: np.ndarray, y: np.ndarray,
                     metric: str) -> np.ndarray:
    """Points where edges leaving reached nodes run out of budget (straight interpolation along the edge)."""
    m = graph.matrix(metric)
    reached = np.flatnonzero(dist <= budget)
    counts = np.diff(m.indptr)[reached]
    tails = np.repeat(reached, counts)
    # CSR positions of every edge leaving a reached node, without a Python loop.
    first = np.cumsum(counts) - counts
    pos = np.repeat(m.indptr[reached] - first, counts) + np.arange(counts.sum())
    heads = m.indices[pos]
    w = m.data[pos]
    left = budget - dist[tails]
    partial = (dist[heads] > budget) & (left < w)
    frac = (left[partial] / w[partial])[:, None]
    a = np.column_stack([x[tails[partial]], y[tails[partial]]])
    b = np.column_stack([x[heads[partial]], y[heads[partial]]])
    return a + (b - a) * frac


def _thin(points: np.ndarray, cell_m: float = THIN_CELL_M) -> np.ndarray:
    """One point per ``cell_m`` grid cell: the hull's cost grows with the points, its shape barely changes."""
    cells = np.floor(points / cell_m).astype(np.int64)
    _, first = np.unique(cells, axis=0, return_index=True)
    return points[np.sort(first)]


def _polygon(points: np.ndarray) -> shapely.Geometry:
    # The concave hull contains every point; a thin buffer gives the roads at its edge some width
    # (and covers the at most THIN_CELL_M * sqrt(2) by which thinning may move the edge).
    hull = shapely.concave_hull(shapely.multipoints(_thin(points)), ratio=HULL_RATIO)
    return shapely.buffer(hull, CORRIDOR_M, quad_segs=2)


_to_lonlat = studyarea.geom_to_lonlat


def isochrones(ws: Workspace, *, lon=None, lat=None, entity: str | None = None, breaks=(5, 10),
               metric: str = "length") -> dict:
    """Service areas around a point or entity.

    Parameters
    ----------
    breaks
        Distances in km (``metric="length"``) or drive times in minutes (``metric="time"``).
    metric
        ``length`` or ``time``.

    Returns
    -------
    dict
        GeoJSON FeatureCollection, largest break first (so smaller areas draw on top); each feature has
        ``break``, ``unit``, ``distance_method``, ``area_km2`` and, on the network, ``nodes_reached``.
    """
    if metric not in ("length", "time"):
        raise InputError("metric", _("metric must be 'length' or 'time', got {metric}", metric=repr(metric)))
    unit = "km" if metric == "length" else "min"
    values = parse_breaks(breaks, unit, 50.0 if metric == "length" else 120.0)
    origin = resolve_origin(ws, lon, lat, entity)
    scale = 1000.0 if metric == "length" else 60.0
    budgets = [v * scale for v in values]
    feats = []
    if origin.on_network:
        net = ws.network
        x, y = net.arrays["x"], net.arrays["y"]
        dist = engine.distances(net.graph, origin.node, limit=budgets[-1], metric=metric)
        for v, b in zip(values, budgets):
            inside = dist <= b
            pts = np.vstack([np.column_stack([x[inside], y[inside]]),
                             _frontier_points(net.graph, dist, b, x, y, metric)])
            poly = _polygon(pts)
            # The reached nodes are in the network's own metric CRS (its UTM zone).
            feats.append(_feature(studyarea.geom_to_lonlat_in(net.crs, poly), v, unit, metric, NETWORK, poly.area,
                                  {"nodes_reached": int(inside.sum())}))
    else:
        est = ws.estimator
        ox, oy = studyarea.to_metric(origin.lon, origin.lat)
        for v, b in zip(values, budgets):
            road_m = b if metric == "length" else b * est.speed_kph / 3.6
            reach_m = measure.straight_reach(ws, road_m)
            circle = shapely.Point(ox, oy).buffer(reach_m["best_m"], quad_segs=16)
            feats.append(_feature(_to_lonlat(circle), v, unit, metric, ESTIMATED, circle.area,
                                  {"circuity_factor": est.factor, "speed_kph": est.speed_kph,
                                   "radius_m_range": [round(reach_m["sure_m"], 1), round(reach_m["possible_m"], 1)],
                                   "radius_rule": "drawn at the best estimate (÷ median circuity); surely reached "
                                                  "within ÷ p90, at most the straight line"}))
    feats.reverse()
    return {"type": "FeatureCollection", "origin": origin.to_dict(), "metric": metric,
            "distance_method": origin.method, "features": feats}


def _feature(geom, value, unit, metric, method, area_m2, extra) -> dict:
    props = {"break": value, "unit": unit, "metric": metric, "distance_method": method,
             "area_km2": round(area_m2 / 1e6, 3), **extra}
    return {"type": "Feature", "geometry": mapping(geom), "properties": props}
