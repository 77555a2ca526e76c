"""The distance layer: the only place that turns two sets of positions into distances.

Every pair gets a best estimate and bounds from the two positions' uncertainty regions
(:mod:`supplychain.uncertainty`), and, wherever a radius R is tested, a verdict:

- **network** pair (both ends snap within the workspace's limit): best = the road distance between the snapped
  nodes (:mod:`supplychain.engine`); for two exact points that is also both bounds; otherwise the lower bound is
  the straight-line gap between the regions (road >= straight line) and the upper bound the road distance plus
  both regions' extents x the circuity spread's p90 (a road from a reference point to anywhere in its region).
- **estimated** pair: best = straight line between the points x the calibrated circuity factor; lower bound =
  the straight-line gap between the regions; upper bound = the farthest straight-line distance between the
  regions x the circuity p90.
- verdict: ``within`` (upper <= R), ``beyond`` (lower > R), else ``undetermined``.
- Two imprecise positions on the same reference point have no best estimate (``None``): the number would only
  say where the placeholder sits.

Straight lines are measured in the metric CRS (:func:`studyarea.to_metric`). Pure functions over arrays; the
:class:`Positions` of a registry are built once per registry by the callers' memos.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
import shapely
from scipy.spatial import cKDTree

from . import engine, studyarea, uncertainty
from .messages import _

NETWORK = "network"
ESTIMATED = "estimated"
WITHIN, UNDETERMINED, BEYOND = "within", "undetermined", "beyond"
VERDICTS = (WITHIN, UNDETERMINED, BEYOND)
_VERDICT_OF_CODE = {1: WITHIN, 0: UNDETERMINED, -1: BEYOND}

#: Below this centre distance two imprecise positions count as sharing one reference point.
SAME_POINT_M = 1.0
#: Upper circuity used when no network calibrated one (planning default; SIP's measured p90 is 1.49).
DEFAULT_UPPER_CIRCUITY = 1.6

SETTLE_HINT = _("A more precise location (a street address or coordinates) for the entities named would settle it.")


# ----------------------------------------------------------------------------------------------------
# Positions with their regions

@dataclass
class Positions:
    """n positions: WGS84 and metric coordinates, snapping, and each one's uncertainty region as arrays.

    ``radius`` is a disc's radius (0 for points and polygons); ``district`` indexes
    :func:`uncertainty.districts` (-1 for none); ``extent`` is the farthest distance from the point to its region;
    ``to_poly[i, d]`` / ``far_poly[i, d]`` the nearest / farthest distance from position i to district d.
    """

    ids: list
    lon: np.ndarray
    lat: np.ndarray
    x: np.ndarray
    y: np.ndarray
    node: np.ndarray
    snap_m: np.ndarray
    on: np.ndarray
    radius: np.ndarray
    district: np.ndarray
    extent: np.ndarray
    to_poly: np.ndarray
    far_poly: np.ndarray
    regions: list = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def exact(self) -> np.ndarray:
        return self.extent <= 0.0

    def take(self, idx) -> "Positions":
        idx = np.asarray(idx, dtype=np.int64)
        return Positions([self.ids[i] for i in idx.tolist()], *(getattr(self, f)[idx] for f in _ARRAY_FIELDS),
                         [self.regions[i] for i in idx.tolist()])

    def region(self, i: int) -> dict:
        return self.regions[i].describe()


_ARRAY_FIELDS = ("lon", "lat", "x", "y", "node", "snap_m", "on", "radius", "district", "extent", "to_poly", "far_poly")


def build_positions(ids, lon, lat, node, snap_m, on, regions: list[uncertainty.Region]) -> Positions:
    lon = np.asarray(lon, float).reshape(-1)
    lat = np.asarray(lat, float).reshape(-1)
    x, y = studyarea.to_metric(lon, lat)
    x, y = np.atleast_1d(np.asarray(x, float)), np.atleast_1d(np.asarray(y, float))
    ds = uncertainty.districts()
    to_poly = np.zeros((len(x), len(ds)))
    far_poly = np.zeros((len(x), len(ds)))
    if len(x):
        pts = shapely.points(x, y)
        for k, d in enumerate(ds):
            to_poly[:, k] = shapely.distance(d.polygon_m, pts)
            far_poly[:, k] = np.hypot(x[:, None] - d.hull_xy[None, :, 0], y[:, None] - d.hull_xy[None, :, 1]).max(axis=1)
    return Positions(list(ids), lon, lat, x, y, np.asarray(node, np.int64).reshape(-1),
                     np.asarray(snap_m, float).reshape(-1), np.asarray(on, bool).reshape(-1),
                     np.array([r.radius_m if r.kind == uncertainty.DISC else 0.0 for r in regions], float),
                     np.array([r.district for r in regions], np.int64),
                     np.array([r.extent_m for r in regions], float), to_poly, far_poly, list(regions))


def points(ids, lon, lat, node, snap_m, on) -> Positions:
    """Exact positions (user points, candidate sites, route stops given by coordinates)."""
    n = len(np.atleast_1d(lon))
    return build_positions(ids, lon, lat, node, snap_m, on, [uncertainty.Region(uncertainty.POINT)] * n)


def entity_region(e) -> uncertainty.Region:
    x, y = studyarea.to_metric(e.lon, e.lat)
    return uncertainty.region_for(e.precision, float(x), float(y), e.district, getattr(e, "uncertainty_m", None))


def of_entities(entities, snapping: dict) -> Positions:
    """Positions of located entities; ``snapping`` maps id -> (node, snap_m, on_network)."""
    es = [e for e in entities if e.located]
    snaps = [snapping[e.id] for e in es]
    return build_positions([e.id for e in es], [e.lon for e in es], [e.lat for e in es],
                           [s[0] for s in snaps], [s[1] for s in snaps], [s[2] for s in snaps],
                           [entity_region(e) for e in es])


def concat(parts: list[Positions]) -> Positions:
    """Several position sets as one (in order)."""
    if len(parts) == 1:
        return parts[0]
    return Positions([i for p in parts for i in p.ids],
                     *(np.concatenate([getattr(p, f) for p in parts]) for f in _ARRAY_FIELDS),
                     [r for p in parts for r in p.regions])


def of_places(places) -> Positions:
    """Positions of snapped points (:class:`workspace.SnappedPoint`: route stops, sites), with the region
    their precision gives."""
    lon = np.array([p.lon for p in places], float)
    lat = np.array([p.lat for p in places], float)
    x, y = studyarea.to_metric(lon, lat)
    regions = [uncertainty.region_for(p.precision, float(a), float(b), p.district, p.radius_m)
               for p, a, b in zip(places, np.atleast_1d(x), np.atleast_1d(y))]
    return build_positions([p.entity_id for p in places], lon, lat, [p.node for p in places],
                           [p.snap_m for p in places], [p.on_network for p in places], regions)


@lru_cache(maxsize=4)
def _district_pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Nearest and farthest straight-line distances between every two district polygons."""
    ds = uncertainty.districts()[:n]
    gap, far = np.zeros((n, n)), np.zeros((n, n))
    for i, a in enumerate(ds):
        for j, b in enumerate(ds):
            gap[i, j] = 0.0 if i == j else shapely.distance(a.polygon_m, b.polygon_m)
            far[i, j] = np.hypot(a.hull_xy[:, None, 0] - b.hull_xy[None, :, 0],
                                 a.hull_xy[:, None, 1] - b.hull_xy[None, :, 1]).max()
    return gap, far


# ----------------------------------------------------------------------------------------------------
# Bounds and verdicts (pure functions over arrays)

def straight_bounds(a: Positions, ia, b: Positions, ib) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per pair (a[ia[k]], b[ib[k]]): straight metres between the points, the nearest and the farthest
    straight-line distance between the two regions."""
    ia = np.asarray(ia, np.int64)
    ib = np.asarray(ib, np.int64)
    if len(a) == 1 and len(ib) == len(b) and np.array_equal(ib, np.arange(len(b))):
        # one origin to every target, in order (the supplier query): broadcast instead of gathering
        centre = np.hypot(b.x - a.x[0], b.y - a.y[0])
        ra, rb = a.radius[0], b.radius
        pa, pb = np.full(len(b), a.district[0]), b.district
        ia = np.zeros(len(b), np.int64)
    else:
        centre = np.hypot(a.x[ia] - b.x[ib], a.y[ia] - b.y[ib])
        ra, rb = a.radius[ia], b.radius[ib]
        pa, pb = a.district[ia], b.district[ib]
    gap = np.maximum(centre - ra - rb, 0.0)
    far = centre + ra + rb
    if (pa >= 0).any() or (pb >= 0).any():
        ra = np.broadcast_to(ra, centre.shape)
        m = (pa >= 0) & (pb < 0)
        gap[m] = np.maximum(b.to_poly[ib[m], pa[m]] - rb[m], 0.0)
        far[m] = b.far_poly[ib[m], pa[m]] + rb[m]
        m = (pb >= 0) & (pa < 0)
        gap[m] = np.maximum(a.to_poly[ia[m], pb[m]] - ra[m], 0.0)
        far[m] = a.far_poly[ia[m], pb[m]] + ra[m]
        m = (pa >= 0) & (pb >= 0)
        if m.any():
            dgap, dfar = _district_pairs(a.to_poly.shape[1])
            gap[m], far[m] = dgap[pa[m], pb[m]], dfar[pa[m], pb[m]]
    return centre, gap, far


@dataclass
class Circuity:
    """Road/straight ratios of the loaded network: ``factor`` (median) for best estimates, ``upper`` (p90)
    for upper bounds."""

    factor: float
    upper: float

    @classmethod
    def of(cls, estimator) -> "Circuity":
        cal = estimator.calibration or {}
        p90 = cal.get("p90") if cal.get("calibrated") else None
        return cls(float(estimator.factor), float(max(p90 or DEFAULT_UPPER_CIRCUITY, estimator.factor)))


def pair_bounds(centre, gap, far, ext_sum, road, on, circuity: Circuity, reached_limit: float = np.inf):
    """Best estimate, lower and upper bound per pair (arrays).

    ``road`` is the network distance where ``on`` (both ends on the network), ``inf`` where the bounded search
    did not reach it (then the road is known to exceed ``reached_limit``).
    """
    exact = ext_sum <= 0.0
    best = centre * circuity.factor
    lo = gap.copy()
    hi = far * circuity.upper
    if on.any():
        reached = on & np.isfinite(road)
        best = np.where(reached, road, best)
        hi = np.where(reached, road + circuity.upper * ext_sum, hi)
        lo = np.where(reached & exact, road, lo)
        unreached = on & ~reached
        best = np.where(unreached, np.nan, best)
        hi = np.where(unreached, np.inf, hi)
        # not reached: the road is longer than the search limit
        lo = np.where(unreached & exact, np.maximum(lo, np.nextafter(reached_limit, np.inf)), lo)
    hi = np.maximum(hi, lo)
    best = np.where(np.isnan(best), best, np.clip(best, lo, hi))
    best = np.where((centre < SAME_POINT_M) & ~exact, np.nan, best)
    return best, lo, hi


def straight_reach(ws, road_m: float) -> dict:
    """How far in a straight line a road distance reaches where it is estimated: surely (÷ p90 circuity),
    best estimate (÷ median) and at most (÷ 1: a road is never shorter than the straight line)."""
    circ = Circuity.of(ws.estimator)
    return {"sure_m": road_m / circ.upper, "best_m": road_m / circ.factor, "possible_m": float(road_m)}


def verdict_codes(lo: np.ndarray, hi: np.ndarray, radius_m: float) -> np.ndarray:
    """1 within (hi <= R), -1 beyond (lo > R), 0 undetermined."""
    return np.where(hi <= radius_m, 1, np.where(lo > radius_m, -1, 0)).astype(np.int8)


def verdict_name(code: int) -> str:
    return _VERDICT_OF_CODE[int(code)]


def rounded(v: float) -> float | None:
    """Metres as reported: 0.1 m, ``None`` for unknown (NaN) or unbounded (inf)."""
    return None if not np.isfinite(v) else round(float(v), 1)


def rounded_rows(*columns: np.ndarray) -> list[list]:
    """Columns of metres or seconds as lists rounded to 0.1 in one numpy call, NaN/inf -> ``None``
    (:func:`rounded` in bulk: per-item rounding costs more than the road search when answers are long)."""
    v = np.vstack([np.asarray(c, dtype=float) for c in columns])
    out = np.round(v, 1).tolist()
    for r, c in zip(*np.nonzero(~np.isfinite(v))):
        out[r][c] = None
    return out


def range_list(lo: float, hi: float) -> list:
    return [rounded(lo), rounded(hi)]


# ----------------------------------------------------------------------------------------------------
# Pair sets

@dataclass
class Pairs:
    """Measured pairs (a[ia[k]], b[ib[k]]): best estimate, bounds, method and verdict per pair."""

    ia: np.ndarray
    ib: np.ndarray
    straight: np.ndarray
    best: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    network: np.ndarray
    verdict: np.ndarray
    radius_m: float

    def method(self, k: int) -> str:
        return NETWORK if self.network[k] else ESTIMATED

    def record(self, k: int) -> dict:
        """The contract's pair fields: road_m, road_m_range, verdict, distance_method."""
        return {"road_m": rounded(self.best[k]), "road_m_range": range_list(self.lo[k], self.hi[k]),
                "verdict": verdict_name(self.verdict[k]), "distance_method": self.method(k)}


def _search_limit(radius_m: float, ext_a: np.ndarray, ext_b: np.ndarray, upper: float) -> float:
    """How far road searches go: far enough to give every pair that is not surely beyond a finite upper bound."""
    return float(radius_m + upper * ((ext_a.max() if len(ext_a) else 0.0) + (ext_b.max() if len(ext_b) else 0.0)))


def _network_rows(graph: engine.RoadGraph, source_nodes: np.ndarray, target_nodes: np.ndarray, limit: float):
    """Road metres from each distinct source node to ``target_nodes``: (distinct sources, inverse, rows)."""
    uniq, inv = np.unique(source_nodes, return_inverse=True)
    rows = [r[:, target_nodes] for _, r in engine.distance_rows(graph, uniq, limit=limit)]
    return uniq, inv, (np.vstack(rows) if rows else np.zeros((0, len(target_nodes))))


def matrix(ws, a: Positions, b: Positions, radius_m: float = np.inf, limit_m: float | None = None,
           snap_legs: bool = False) -> Pairs:
    """Every pair of ``a`` x ``b`` (row-major), measured: for small sets (route legs, catchments, tests).

    ``snap_legs`` adds ``b``'s straight leg to its snapped node to network distances (walking, where the walk
    to the road matters at 500 m)."""
    circ = Circuity.of(ws.estimator)
    ia = np.repeat(np.arange(len(a)), len(b))
    ib = np.tile(np.arange(len(b)), len(a))
    centre, gap, far = straight_bounds(a, ia, b, ib)
    on = a.on[ia] & b.on[ib]
    road = np.full(len(ia), np.inf)
    limit = limit_m if limit_m is not None else (
        _search_limit(radius_m, a.extent[a.on], b.extent[b.on], circ.upper) if np.isfinite(radius_m) else np.inf)
    if on.any() and ws.network is not None:
        srcs = np.flatnonzero(a.on)
        tgts = np.flatnonzero(b.on)
        _, inv, rows = _network_rows(ws.network.graph, a.node[srcs], b.node[tgts], limit)
        full = np.full((len(a), len(b)), np.inf)
        full[np.ix_(srcs, tgts)] = rows[inv]
        if snap_legs:
            full += np.where(np.isfinite(b.snap_m), b.snap_m, 0.0)[None, :]
        road = full.reshape(-1)
    ext = a.extent[ia] + b.extent[ib]
    best, lo, hi = pair_bounds(centre, gap, far, ext, road, on, circ, limit)
    return Pairs(ia, ib, centre, best, lo, hi, on & np.isfinite(road) | (on & a.exact[ia] & b.exact[ib]),
                 verdict_codes(lo, hi, radius_m), radius_m)


@dataclass
class FromOrigin(Pairs):
    """One origin to many targets, with the drive time along each network path and the search tree."""

    time_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    predecessors: np.ndarray | None = None


def from_origin(ws, origin: Positions, targets: Positions, radius_m: float, with_time: bool = True,
                limit_m: float | None = None) -> FromOrigin:
    """The origin (one position) to every target: one bounded road search when the origin is on the network.

    The search goes as far as every pair that may be within ``radius_m`` needs for a finite upper bound, or
    ``limit_m`` when given (then a pair beyond it keeps an open upper bound: ``hi`` is ``inf``)."""
    circ = Circuity.of(ws.estimator)
    n = len(targets)
    ia = np.zeros(n, np.int64)
    ib = np.arange(n)
    centre, gap, far = straight_bounds(origin, ia, targets, ib)
    on = targets.on & bool(origin.on[0])
    road = np.full(n, np.inf)
    time = np.full(n, np.nan)
    pred = None
    limit = limit_m if limit_m is not None else _search_limit(radius_m, origin.extent,
                                                              targets.extent[on & (gap <= radius_m)], circ.upper)
    if on.any() and ws.network is not None:
        graph = ws.network.graph
        dist, pred = engine.distances_with_predecessors(graph, int(origin.node[0]), limit=limit)
        road[on] = dist[targets.node[on]]
        if with_time:
            ok = on & np.isfinite(road)
            if ok.any():
                time[ok] = engine.cost_along_tree(graph, pred, targets.node[ok], metric="time")
    ext = origin.extent[0] + targets.extent
    best, lo, hi = pair_bounds(centre, gap, far, ext, road, on, circ, limit)
    network = on & (np.isfinite(road) | targets.exact & bool(origin.exact[0]))
    speed = ws.estimator.speed_kph / 3.6
    time = np.where(network, time, best / speed)
    return FromOrigin(ia, ib, centre, best, lo, hi, network, verdict_codes(lo, hi, radius_m), radius_m,
                      time_s=time, predecessors=pred)


# ----------------------------------------------------------------------------------------------------
# Nearest supplier per maker (the sourcing check)

@dataclass
class NearestCover:
    """Per origin position: the verdict of "some target within R" and the target that makes it ``within``."""

    verdict: np.ndarray     # per origin: 1 some target within, 0 undetermined, -1 every target beyond
    target: np.ndarray      # per origin: index of the within target with the smallest upper bound (-1 none)
    best: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    network: np.ndarray


def nearest_cover(ws, makers: Positions, targets: Positions, radius_m: float, block: int = 512) -> NearestCover:
    """For every maker, whether some target lies within ``radius_m`` (see :func:`nearest_cover_many`)."""
    return nearest_cover_many(ws, makers, targets, {0: np.arange(len(targets))}, radius_m, block)[0]


def nearest_cover_many(ws, makers: Positions, targets: Positions, groups: dict, radius_m: float,
                       block: int = 512) -> dict:
    """For every maker and every group of targets (index arrays into ``targets``, e.g. the suppliers of each
    category): whether some target of the group lies within ``radius_m`` — the sourcing check's inner loop.

    Network pairs: one multi-source search from the group's targets of each distinct region extent on the
    reverse graph (upper bound = road + p90 x extents, so within one extent the nearest by road has the smallest
    upper bound). Estimated pairs and every lower bound: straight-line bounds of makers x all targets computed
    once, in blocks of makers, then reduced per group. An exact maker on the network needs them only for the
    targets that are not.
    """
    circ = Circuity.of(ws.estimator)
    m, t = len(makers), len(targets)
    out = {key: _CoverState(m) for key in groups}
    if not m or not t:
        return {key: st.finish(radius_m) for key, st in out.items()}
    for key, cols in groups.items():
        _network_cover(ws, makers, targets, np.asarray(cols, np.int64), radius_m, circ, out[key])
    sure_m = makers.on & makers.exact
    sure_t = targets.on & targets.exact
    for rows_all, cols in ((np.flatnonzero(sure_m), np.flatnonzero(~sure_t)),
                           (np.flatnonzero(~sure_m), np.arange(t))):
        if not len(rows_all) or not len(cols):
            continue
        where = np.full(t, -1, np.int64)
        where[cols] = np.arange(len(cols))
        parts = {key: where[np.asarray(g, np.int64)] for key, g in groups.items()}
        parts = {key: p[p >= 0] for key, p in parts.items()}
        for a in range(0, len(rows_all), block):
            rows = rows_all[a:a + block]
            h, centre, g = _block_bounds(makers, rows, targets, cols, circ)
            for key, p in parts.items():
                if len(p):
                    out[key].merge(rows, h[:, p], centre[:, p], g[:, p], cols[p], circ)
    return {key: st.finish(radius_m) for key, st in out.items()}


class _CoverState:
    """Per maker, the best (smallest upper bound) target found so far and the smallest lower bound."""

    def __init__(self, m: int):
        self.target = np.full(m, -1, np.int64)
        self.best, self.lo, self.hi = np.full(m, np.nan), np.full(m, np.inf), np.full(m, np.inf)
        self.network = np.zeros(m, bool)

    def merge(self, rows, h, centre, g, cols, circ: Circuity) -> None:
        jbest = h.argmin(axis=1)
        hb = h[np.arange(len(rows)), jbest]
        better = hb < self.hi[rows]
        r = rows[better]
        self.hi[r], self.target[r], self.network[r] = hb[better], cols[jbest[better]], False
        self.best[r] = centre[better, jbest[better]] * circ.factor
        self.lo[rows] = np.minimum(self.lo[rows], g.min(axis=1))

    def finish(self, radius_m: float) -> NearestCover:
        verdict = np.full(len(self.hi), -1, np.int8)
        within = self.hi <= radius_m
        verdict[within] = 1
        verdict[~within & (self.lo <= radius_m)] = 0
        target = np.where(within, self.target, -1)
        return NearestCover(verdict, target, self.best, np.minimum(self.lo, self.hi), self.hi, self.network)


def _network_cover(ws, makers: Positions, targets: Positions, cols: np.ndarray, radius_m: float, circ: Circuity,
                   st: _CoverState) -> None:
    """The network part of :func:`nearest_cover_many` for one group of targets (updates ``st``)."""
    if ws.network is None or not makers.on.any():
        return
    on_cols = cols[targets.on[cols]]
    if not len(on_cols):
        return
    on_m = np.flatnonzero(makers.on)
    for ext in np.unique(targets.extent[on_cols]):
        members = on_cols[targets.extent[on_cols] == ext]
        limit = radius_m - circ.upper * ext
        if limit < 0:
            continue
        by_node: dict[int, int] = {}
        for j in members.tolist():
            by_node.setdefault(int(targets.node[j]), j)
        dist, src = engine.nearest_source(ws.network.graph, np.fromiter(by_node, np.int64), limit=limit,
                                          reverse=True)
        road = dist[makers.node[on_m]]
        h = road + circ.upper * (ext + makers.extent[on_m])
        better = np.isfinite(road) & (h < st.hi[on_m])
        k = on_m[better]
        st.hi[k], st.best[k], st.network[k] = h[better], road[better], True
        st.target[k] = [by_node[int(s)] for s in src[makers.node[k]].tolist()]
        exact_pair = makers.exact[k] & (ext <= 0)
        st.lo[k] = np.where(exact_pair, road[better], st.lo[k])


def _block_bounds(makers: Positions, rows: np.ndarray, targets: Positions, cols: np.ndarray, circ: Circuity):
    """Straight-line bounds of one block of makers x targets: (estimated upper bound, inf for pairs on the
    network; centre distance; lower bound, inf for exact pairs on the network), each rows x cols."""
    k = len(cols)
    ia = np.repeat(rows, k)
    ib = np.tile(cols, len(rows))
    centre, gap, far = straight_bounds(makers, ia, targets, ib)
    on = makers.on[ia] & targets.on[ib]
    h = np.where(on, np.inf, far * circ.upper).reshape(len(rows), k)
    exact_net = on & makers.exact[ia] & targets.exact[ib]
    g = np.where(exact_net, np.inf, gap).reshape(len(rows), k)
    return h, centre.reshape(len(rows), k), g


# ----------------------------------------------------------------------------------------------------
# Site coverage (the site planner)

@dataclass
class Cover:
    """Sites x targets, 0/1 sparse: pairs ``within`` (network and estimated apart) and ``undetermined``."""

    within_network: sp.csr_matrix
    within_estimated: sp.csr_matrix
    undetermined: sp.csr_matrix


def _ball_pairs(s_xy: np.ndarray, t_xy: np.ndarray, s_rows: np.ndarray, t_cols: np.ndarray, r: float):
    """(site, target) index pairs with straight distance <= r among the given rows/cols (k-d tree)."""
    if not len(s_rows) or not len(t_cols) or r < 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    hits = cKDTree(t_xy[t_cols]).query_ball_point(s_xy[s_rows], r=r)
    ii = np.repeat(s_rows, [len(h) for h in hits])
    jj = t_cols[np.fromiter((j for h in hits for j in h), np.int64, count=len(ii))]
    return ii, jj


def cover(ws, sites: Positions, targets: Positions, radius_m: float) -> Cover:
    """Which (site, target) pairs are ``within`` R (upper bound) and which ``undetermined``.

    Sites are points (candidates). Network pairs: bounded searches over the distinct nodes, one per group of
    targets sharing a region extent, with limit R - p90 x extent. Other pairs: k-d tree candidates by the
    straight-line bounds, then the exact bounds of :func:`straight_bounds`.
    """
    circ = Circuity.of(ws.estimator)
    shape = (len(sites), len(targets))
    rows_w, cols_w, rows_u, cols_u = [], [], [], []
    net = sp.csr_matrix(shape, dtype=np.int8)
    if ws.network is not None and sites.on.any() and targets.on.any():
        si = np.flatnonzero(sites.on)
        s_nodes, s_inv = np.unique(sites.node[si], return_inverse=True)
        blocks = []
        for ext in np.unique(targets.extent[targets.on]):
            tj = np.flatnonzero(targets.on & (targets.extent == ext))
            limit = radius_m - circ.upper * ext
            if limit < 0:
                continue
            t_nodes, t_inv = np.unique(targets.node[tj], return_inverse=True)
            sub = engine.node_pairs_within(ws.network.graph, s_nodes, t_nodes, limit)[s_inv][:, t_inv].tocoo()
            blocks.append(sp.csr_matrix((sub.data, (si[sub.row], tj[sub.col])), shape=shape))
        if blocks:
            net = blocks[0]
            for b in blocks[1:]:
                net = net + b
        net.data[:] = 1
    if len(sites) and len(targets):
        s_xy = np.column_stack([sites.x, sites.y])
        t_xy = np.column_stack([targets.x, targets.y])
        # candidates by the largest possible reach of a target's region: gap <= R needs centre <= R + extent
        for ext in np.unique(targets.extent):
            cols = np.flatnonzero(targets.extent == ext)
            ii, jj = _ball_pairs(s_xy, t_xy, np.arange(len(sites)), cols, radius_m + ext)
            if not len(ii):
                continue
            centre, gap, far = straight_bounds(sites, ii, targets, jj)
            on = sites.on[ii] & targets.on[jj]
            w_est = ~on & (far * circ.upper <= radius_m)
            rows_w.append(ii[w_est]), cols_w.append(jj[w_est])
            # undetermined: could be within (gap <= R) but not surely; exact network pairs are never undetermined
            exact_net = on & sites.exact[ii] & targets.exact[jj]
            maybe = (gap <= radius_m) & ~w_est & ~exact_net
            rows_u.append(ii[maybe]), cols_u.append(jj[maybe])
    est = _to_sparse(rows_w, cols_w, shape)
    und = _to_sparse(rows_u, cols_u, shape)
    und = und - und.multiply(net)  # a network-within pair is not undetermined
    und.eliminate_zeros()
    return Cover(net.tocsr(), est, und.tocsr())


def _to_sparse(rows: list, cols: list, shape) -> sp.csr_matrix:
    r = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    m = sp.csr_matrix((np.ones(len(r), np.int8), (r, c)), shape=shape)
    m.data[:] = 1
    return m


# ----------------------------------------------------------------------------------------------------
# Nearest target per site (the site planner's distance criteria)

@dataclass
class Nearest:
    """Per site: the target with the smallest best estimate, and that pair's bounds and method."""

    best: np.ndarray
    target: np.ndarray  # -1 when there is no target
    lo: np.ndarray
    hi: np.ndarray
    network: np.ndarray


def nearest(ws, sites: Positions, targets: Positions) -> Nearest:
    """Per site, the nearest target by best estimate.

    Network part: one multi-source search from the targets on the reversed graph (no limit). Pairs with an
    end off the network: straight line x circuity (k-d tree). The smaller wins; its bounds follow."""
    circ = Circuity.of(ws.estimator)
    n = len(sites)
    best = np.full(n, np.inf)
    idx = np.full(n, -1, np.int64)
    by_net = np.zeros(n, bool)
    if not len(targets) or not n:
        return Nearest(best, idx, np.full(n, np.inf), np.full(n, np.inf), by_net)
    if ws.network is not None and sites.on.any() and targets.on.any():
        on_t = np.flatnonzero(targets.on)
        dist, src = engine.nearest_source(ws.network.graph, targets.node[on_t], reverse=True)
        first_at = {}
        for j in on_t[::-1].tolist():
            first_at[int(targets.node[j])] = j
        d = np.where(sites.on, dist[np.where(sites.on, sites.node, 0)], np.inf)
        ok = np.isfinite(d)
        best[ok] = d[ok]
        idx[ok] = [first_at[int(src[sites.node[i]])] for i in np.flatnonzero(ok).tolist()]
        by_net[ok] = True
    s_xy = np.column_stack([sites.x, sites.y])
    t_xy = np.column_stack([targets.x, targets.y])
    for group, mask in ((np.flatnonzero(sites.on), ~targets.on), (np.flatnonzero(~sites.on), np.ones(len(targets), bool))):
        cols = np.flatnonzero(mask)
        if not len(group) or not len(cols):
            continue
        d, j = cKDTree(t_xy[cols]).query(s_xy[group])
        d = d * circ.factor
        better = d < best[group]
        g = group[better]
        best[g], idx[g], by_net[g] = d[better], cols[j[better]], False
    lo, hi = np.full(n, np.inf), np.full(n, np.inf)
    has = np.flatnonzero(idx >= 0)
    if len(has):
        ia, ib = has, idx[has]
        centre, gap, far = straight_bounds(sites, ia, targets, ib)
        road = np.where(by_net[has], best[has], np.inf)
        b, lo[has], hi[has] = pair_bounds(centre, gap, far, sites.extent[ia] + targets.extent[ib], road,
                                          by_net[has], circ)
        best[has] = b
    return Nearest(best, idx, lo, hi, by_net)


# ----------------------------------------------------------------------------------------------------
# Naming a point by the nearest named place (a label, never a distance the analysis uses)

def nearest_point(lon, lat, to_lon, to_lat) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per point: the index of the nearest of the ``to`` points, the straight-line metres to it and the bearing
    (degrees clockwise from north) from it to the point. For labels such as "2 km south-west of 木渎镇": it
    says where a point lies, not how far anything is by road."""
    x, y = studyarea.to_metric(np.asarray(lon, float), np.asarray(lat, float))
    tx, ty = studyarea.to_metric(np.asarray(to_lon, float), np.asarray(to_lat, float))
    x, y, tx, ty = (np.atleast_1d(np.asarray(v, float)) for v in (x, y, tx, ty))
    if not len(tx) or not len(x):
        return np.full(len(x), -1, np.int64), np.full(len(x), np.inf), np.zeros(len(x))
    d, j = cKDTree(np.column_stack([tx, ty])).query(np.column_stack([x, y]))
    bearing = np.degrees(np.arctan2(x - tx[j], y - ty[j])) % 360.0
    return np.asarray(j, np.int64), np.asarray(d, float), bearing
