"""Candidate sites and what they are measured to, in batches, for the site planner (:mod:`siting`, :mod:`siteopt`).

- :class:`Site`: a candidate (or fixed) site from user input, validated and snapped (:func:`parse_sites`).
- :class:`Targets`: located places of one kind (suppliers of a category, makers, stops…), snapped.
- :func:`within_radius`: which (site, target) pairs lie within a radius, network and estimated pairs apart.
- :func:`nearest`: per site, the nearest target and how far.

A pair is measured on the road network when both ends are on it (the snapped nodes; road distances come from
:mod:`supplychain.engine`), else *estimated*: straight line x the workspace's circuity factor, as
``workspace.straight_m`` does for single pairs (here with a k-d tree, for many pairs at once). Every value
says which.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

from . import engine, studyarea
from .errors import InputError, optional_str
from .registry import Entity
from .workspace import SnappedPoint, Workspace


@dataclass
class Site(SnappedPoint):
    """A candidate (or fixed) site, validated and snapped."""

    name: str = ""
    source: str = "user"

    def to_dict(self) -> dict:
        d = {"name": self.name, **self.point_dict(), "distance_method": self.method, "source": self.source}
        if self.entity_id:
            d["entity"] = self.entity_id
        return d


def parse_sites(ws: Workspace, raw, *, max_n: int, field_name: str = "candidates", allow_empty: bool = False,
                default_prefix: str = "C") -> list[Site]:
    """Candidates ``[{name, lon, lat}]`` or ``[{entity}]`` -> validated, snapped :class:`Site` list."""
    if raw is None:
        raw = []
    if not isinstance(raw, (list, tuple)):
        raise InputError(field_name, f"{field_name} must be a list of {{name, lon, lat}}")
    if not raw and not allow_empty:
        raise InputError(field_name, f"no {field_name} given", "empty")
    if len(raw) > max_n:
        raise InputError(field_name, f"too many {field_name}: {len(raw):,} (at most {max_n:,})", "too_many")
    points = []
    for i, item in enumerate(raw):
        where = f"{field_name}[{i}]"
        if not isinstance(item, dict):
            raise InputError(where, f"{where} must be an object {{name, lon, lat}}")
        name = optional_str(item.get("name"), f"{where}.name") or optional_str(item.get("name_zh"),
                                                                            f"{where}.name_zh") or ""
        ent = optional_str(item.get("entity"), f"{where}.entity") or optional_str(item.get("entity_id"),
                                                                                f"{where}.entity_id")
        if ent not in (None, ""):
            e = ws.entity(str(ent), field=f"{where}.entity", located=True)
            x, y = e.lon, e.lat
            name = name or e.name_zh
        else:
            x, y = ws.check_point(item.get("lon"), item.get("lat"), prefix=f"{where}.")
            ent = None
        points.append((name[:120] or f"{default_prefix}{i + 1}", x, y, ent))
    return snap_sites(ws, points, "user")


def snap_points(ws: Workspace, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(node, snap_m, on_network) per WGS84 point; node -1, NaN and ``False`` without a network."""
    if ws.network is None or len(lon) == 0:
        return np.full(len(lon), -1, np.int64), np.full(len(lon), np.nan), np.zeros(len(lon), bool)
    nodes, snap = ws.network.snap(lon, lat)
    return np.asarray(nodes, np.int64), snap, snap <= ws.snap_limit_m


def snap_sites(ws: Workspace, points: list[tuple], source: str) -> list[Site]:
    """``(name, lon, lat, entity_id)`` tuples -> snapped :class:`Site` list, each labelled with ``source``."""
    if not points:
        return []
    lon = np.array([p[1] for p in points], float)
    lat = np.array([p[2] for p in points], float)
    nodes, snap, on = snap_points(ws, lon, lat)
    return [Site(float(x), float(y), int(n), float(d), bool(o), p[3], name=p[0], source=source)
            for p, x, y, n, d, o in zip(points, lon, lat, nodes, snap, on)]


@dataclass
class Targets:
    """Located places of one kind (suppliers of a category, makers, stops…), snapped."""

    ids: list[str]
    names: list[str]
    precisions: list[str]
    lon: np.ndarray
    lat: np.ndarray
    node: np.ndarray
    on: np.ndarray
    unlocated: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def of_entities(cls, ws: Workspace, entities: list[Entity]) -> Targets:
        """The located ones of ``entities``, snapped as the workspace snapped them; the others listed unlocated."""
        located = [e for e in entities if e.located]
        snaps = [ws.snapping[e.id] for e in located]
        return cls([e.id for e in located], [e.name_zh for e in located], [e.precision for e in located],
                   np.array([e.lon for e in located], float), np.array([e.lat for e in located], float),
                   np.array([s[0] for s in snaps], np.int64), np.array([s[2] for s in snaps], bool),
                   [e.id for e in entities if not e.located])


def _metric_xy(lon, lat) -> np.ndarray:
    x, y = studyarea.to_metric(np.asarray(lon, float), np.asarray(lat, float))
    return np.column_stack([np.atleast_1d(x), np.atleast_1d(y)])


def _off_network_groups(s_on: np.ndarray, t_on: np.ndarray):
    """The (site positions, target positions) blocks the network cannot measure: either end off it."""
    for group, t_mask in ((np.flatnonzero(s_on), ~t_on), (np.flatnonzero(~s_on), np.ones(len(t_on), bool))):
        cols = np.flatnonzero(t_mask)
        if len(group) and len(cols):
            yield group, cols


def within_radius(ws: Workspace, sites: list[Site], t: Targets,
                  radius_m: float) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Which (site, target) pairs lie within the radius: two 0/1 sparse matrices, sites x targets.

    The first holds the pairs measured on the network (both ends on it: one batched bounded search over the
    *distinct* nodes, :func:`engine.node_pairs_within`, expanded to sites and targets by sparse indexing); the
    second the pairs with an end off the network, by straight line x circuity (found with a k-d tree).
    """
    shape = (len(sites), len(t))
    s_on = np.array([s.on_network for s in sites], bool)
    net = sp.csr_matrix(shape, dtype=np.int8)
    if ws.network is not None and s_on.any() and t.on.any():
        si, tj = np.flatnonzero(s_on), np.flatnonzero(t.on)
        s_nodes, s_inv = np.unique(np.array([sites[i].node for i in si], np.int64), return_inverse=True)
        t_nodes, t_inv = np.unique(t.node[tj], return_inverse=True)
        nodes = engine.node_pairs_within(ws.network.graph, s_nodes, t_nodes, radius_m)
        sub = nodes[s_inv][:, t_inv].tocoo()  # distinct nodes -> the sites and targets standing on them
        net = sp.csr_matrix((sub.data, (si[sub.row], tj[sub.col])), shape=shape)
    rows, cols = [], []
    if len(t) and len(sites):
        factor = ws.estimator.factor
        s_xy = _metric_xy([s.lon for s in sites], [s.lat for s in sites])
        t_xy = _metric_xy(t.lon, t.lat)
        for group, cand in _off_network_groups(s_on, t.on):
            hits = cKDTree(t_xy[cand]).query_ball_point(s_xy[group], r=radius_m / factor)
            ii = np.repeat(group, [len(h) for h in hits])
            jj = cand[np.fromiter((j for h in hits for j in h), np.int64, count=len(ii))]
            ok = np.hypot(*(s_xy[ii] - t_xy[jj]).T) * factor <= radius_m
            rows.append(ii[ok]), cols.append(jj[ok])
    r = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    est = sp.csr_matrix((np.ones(len(r), np.int8), (r, c)), shape=shape)
    return net, est


def within_radius_many(ws: Workspace, sites: list[Site], groups: list[Targets],
                       radius_m: float) -> list[tuple[sp.csr_matrix, sp.csr_matrix]]:
    """:func:`within_radius` for several target sets in one pass (their targets measured together, then split)."""
    def column(attr: str, dtype) -> np.ndarray:
        return np.concatenate([np.asarray(getattr(g, attr)) for g in groups]).astype(dtype)

    joined = Targets([i for g in groups for i in g.ids], [], [], column("lon", float), column("lat", float),
                     column("node", np.int64), column("on", bool))
    net, est = within_radius(ws, sites, joined, radius_m)
    net, est = net.tocsc(), est.tocsc()
    out, start = [], 0
    for g in groups:
        cols = slice(start, start + len(g))
        out.append((net[:, cols].tocsr(), est[:, cols].tocsr()))
        start += len(g)
    return out


def nearest(ws: Workspace, sites: list[Site], t: Targets) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per site: metres to the nearest target, its index (-1 when none), and whether by network.

    Network part: one multi-source search from the targets on the reversed graph (no limit). Pairs with an
    end off the network: straight line x circuity. The smaller of the two wins, labelled.
    """
    n = len(sites)
    best = np.full(n, np.inf)
    idx = np.full(n, -1, np.int64)
    by_net = np.zeros(n, bool)
    if not len(t):
        return best, idx, by_net
    s_on = np.array([s.on_network for s in sites], bool)
    if ws.network is not None and s_on.any() and t.on.any():
        on_t = np.flatnonzero(t.on)
        dist, src = engine.nearest_source(ws.network.graph, t.node[on_t], reverse=True)
        first_at = {}
        for j in on_t[::-1]:
            first_at[int(t.node[j])] = int(j)
        s_nodes = np.array([s.node for s in sites], np.int64)
        d = np.where(s_on, dist[np.where(s_on, s_nodes, 0)], np.inf)
        ok = np.isfinite(d)
        best[ok] = d[ok]
        idx[ok] = [first_at[int(src[s_nodes[i]])] for i in np.flatnonzero(ok)]
        by_net[ok] = True
    s_xy = _metric_xy([s.lon for s in sites], [s.lat for s in sites])
    t_xy = _metric_xy(t.lon, t.lat)
    factor = ws.estimator.factor
    for group, cols in _off_network_groups(s_on, t.on):
        d, j = cKDTree(t_xy[cols]).query(s_xy[group])
        d = d * factor
        better = d < best[group]
        g = group[better]
        best[g], idx[g], by_net[g] = d[better], cols[j[better]], False
    return best, idx, by_net
