"""Site planning: score candidate sites for a new robot maker, supplier or innovation platform, and choose
the best k sites by maximal covering.

**Evaluate** (:func:`evaluate_sites`). For each candidate point, by road from the loaded network (or
``estimated``: straight line x the calibrated circuity factor, labelled per value):

============================  ============  =============================================================
criterion                     better when   raw values
============================  ============  =============================================================
``supplier_distance``         less          per BOM category, road metres to the nearest supplier
``supplier_count``            more          per BOM category, suppliers within the radius
``makers_served``             more          existing makers (``whole_robot``) within the radius
``kechuang_stop``             less          road metres to the nearest located 科创专线 stop
``institute``                 less          road metres to the nearest research institute
``talent_apartment``          less          road metres to the nearest talent apartment (人才公寓)
============================  ============  =============================================================

Normalisation to a 0–1 score is either ``fixed`` (default; a candidate's score does not depend on the other
candidates) or ``minmax`` (across the candidates): see :data:`NORMALISATIONS`. Per-category criteria score
the mean over the BOM's categories. A criterion with nothing to measure (no located stop, no talent
apartment in the registry…) is *unavailable*: it is dropped and the remaining weights are rescaled to 100 %,
with a note. The total is ``sum(effective_weight_% x score)``, 0–100.

All candidates are measured in one batched pass: one bounded search per distinct candidate node (or per
distinct target node over the reversed graph, whichever side is smaller; :func:`engine.distance_rows`) serves
the counts of every target set at once, and one multi-source search per target set on the reversed graph
(:func:`engine.nearest_source`) gives the nearest distances. Distances run from the candidate to the target; a
network distance is between the snapped nodes (snap distances reported). Pairs with an end off the network
are estimated.

**Optimise** (:func:`optimize_sites`). Demand items are (maker, missing BOM category) pairs from the 10 km
sourcing check; a site covers a maker's items when the maker lies within the radius by road. The maximal
covering model (:mod:`supplychain.mclp`) picks k sites from user candidates or a regular grid of network
points, optionally on top of fixed (existing) sites.
"""

from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

from . import engine, mclp, studyarea, taxonomy
from .errors import InputError, parse_float
from .reach import check_radius
from .registry import PRECISION_RADIUS_M, Entity
from .workspace import ESTIMATED, NETWORK, Workspace

Progress = Callable[[str], None]

LESS, MORE = "less", "more"


@dataclass(frozen=True)
class Criterion:
    key: str
    zh: str
    en: str
    direction: str  # LESS or MORE is better
    short_zh: str
    short_en: str
    per_category: bool = False


CRITERIA: dict[str, Criterion] = {c.key: c for c in (
    Criterion("supplier_distance", "到各类供应商的道路距离", "Road distance to the nearest supplier of each BOM category",
              LESS, "供应商距离", "supplier distance", True),
    Criterion("supplier_count", "半径内各类供应商数量", "Suppliers of each BOM category within the radius", MORE,
              "半径内供应商数量", "suppliers within the radius", True),
    Criterion("makers_served", "半径内可服务的整机企业", "Existing robot makers within the radius (served as a supplier)",
              MORE, "可服务的整机企业", "makers served"),
    Criterion("kechuang_stop", "到科创专线站点的距离", "Road distance to the nearest 科创专线 stop", LESS,
              "科创专线站点距离", "distance to a 科创专线 stop"),
    Criterion("institute", "到研究机构的距离", "Road distance to the nearest research institute", LESS,
              "研究机构距离", "distance to a research institute"),
    Criterion("talent_apartment", "到人才公寓的距离", "Road distance to the nearest talent apartment (人才公寓)", LESS,
              "人才公寓距离", "distance to a talent apartment"),
)}

#: Default weights in percent (sum 100): the supply chain first, then the ecosystem around it.
DEFAULT_WEIGHTS: dict[str, float] = {
    "supplier_distance": 30.0, "supplier_count": 20.0, "makers_served": 20.0,
    "kechuang_stop": 10.0, "institute": 10.0, "talent_apartment": 10.0,
}

#: ``fixed`` count scale: this many suppliers of a category within the radius give full marks (a choice).
SUPPLIER_COUNT_SATURATION = 3

NORMALISATIONS = ("fixed", "minmax")
DEFAULT_BOM_TYPE = "humanoid"
ROUTE_ID = "kechuang"

MAX_EVALUATE_CANDIDATES = 5_000
MAX_OPTIMIZE_CANDIDATES = 50_000
MAX_GRID_POINTS = 20_000
MAX_LISTED = 200  # uncovered makers listed in an optimisation answer
MIN_GRID_M = 100.0
WEIGHT_TOLERANCE = 0.01  # percentage points

SYNTHETIC_SOURCE = "synthetic: generated by code for tests and benchmarks (not a real firm)"


# ----------------------------------------------------------------------------------------------------
# Inputs

@dataclass
class Site:
    """A candidate (or fixed) site, validated and snapped."""

    name: str
    lon: float
    lat: float
    node: int
    snap_m: float
    on_network: bool
    entity_id: str | None = None
    source: str = "user"

    @property
    def method(self) -> str:
        return NETWORK if self.on_network else ESTIMATED

    def to_dict(self) -> dict:
        d = {"name": self.name, "lon": round(self.lon, 7), "lat": round(self.lat, 7),
             "snap_m": None if self.snap_m != self.snap_m else round(self.snap_m, 1),
             "on_network": self.on_network, "distance_method": self.method, "source": self.source}
        if self.entity_id:
            d["entity"] = self.entity_id
        return d


def parse_bom(bom, field_name: str = "bom") -> tuple[str | None, tuple[str, ...]]:
    """A robot type (``humanoid``…) or a list of component categories -> (robot type or None, categories)."""
    if bom is None or (isinstance(bom, str) and not bom.strip()):
        return DEFAULT_BOM_TYPE, taxonomy.DEFAULT_BOM[DEFAULT_BOM_TYPE]
    if isinstance(bom, str):
        if bom.strip() in taxonomy.ROBOT_TYPES:
            return bom.strip(), taxonomy.DEFAULT_BOM[bom.strip()]
        parts = [p.strip() for p in bom.replace(";", ",").split(",") if p.strip()]
        if len(parts) == 1 and parts[0] not in taxonomy.COMPONENT_CATEGORIES:
            raise InputError(field_name, f"unknown BOM {bom!r}: give a robot type ({', '.join(taxonomy.ROBOT_TYPES)}) "
                             f"or component categories ({', '.join(taxonomy.COMPONENT_CATEGORIES)})")
    elif isinstance(bom, (list, tuple)):
        parts = [str(p).strip() for p in bom]
    else:
        raise InputError(field_name, "bom must be a robot type or a list of component categories")
    bad = [p for p in parts if p not in taxonomy.COMPONENT_CATEGORIES]
    if bad:
        raise InputError(field_name, f"unknown component categor{'y' if len(bad) == 1 else 'ies'} "
                         f"{', '.join(map(repr, bad))}; expected: {', '.join(taxonomy.COMPONENT_CATEGORIES)}")
    if not parts:
        raise InputError(field_name, "the BOM names no category", "empty")
    return None, tuple(c for c in taxonomy.COMPONENT_CATEGORIES if c in parts)


def parse_weights(weights, field_name: str = "weights") -> dict[str, float]:
    """Criterion weights in percent; missing criteria weigh 0; the given ones must sum to 100."""
    if weights is None or (isinstance(weights, dict) and not weights):
        return dict(DEFAULT_WEIGHTS)
    if not isinstance(weights, dict):
        raise InputError(field_name, "weights must be an object {criterion: percent}")
    unknown = [k for k in weights if k not in CRITERIA]
    if unknown:
        raise InputError(field_name, f"unknown criteri{'on' if len(unknown) == 1 else 'a'} "
                         f"{', '.join(map(repr, unknown))}; expected: {', '.join(CRITERIA)}")
    out = {k: 0.0 for k in CRITERIA}
    for k, v in weights.items():
        out[k] = parse_float(v, f"{field_name}.{k}", 0, 100)
    total = sum(out.values())
    if abs(total - 100.0) > WEIGHT_TOLERANCE:
        raise InputError(field_name, f"weights must sum to 100 (%), got {total:g}", "bad_sum")
    return out


def parse_category_weights(weights, field_name: str = "weights") -> dict[str, float]:
    """Optimisation weights: one non-negative weight per component category (default 1 each)."""
    out = {c: 1.0 for c in taxonomy.COMPONENT_CATEGORIES}
    if weights is None or (isinstance(weights, dict) and not weights):
        return out
    if not isinstance(weights, dict):
        raise InputError(field_name, "weights must be an object {component category: weight}")
    unknown = [k for k in weights if k not in taxonomy.COMPONENT_CATEGORIES]
    if unknown:
        raise InputError(field_name, f"unknown categor{'y' if len(unknown) == 1 else 'ies'} "
                         f"{', '.join(map(repr, unknown))}: optimisation weights are per component category "
                         f"({', '.join(taxonomy.COMPONENT_CATEGORIES)})")
    for k, v in weights.items():
        out[k] = parse_float(v, f"{field_name}.{k}", 0, 1e6)
    if not any(out.values()):
        raise InputError(field_name, "every category weight is 0: nothing to cover")
    return out


def parse_normalisation(value, field_name: str = "normalization") -> str:
    v = (value or "fixed").strip() if isinstance(value, str) or value is None else value
    if v not in NORMALISATIONS:
        raise InputError(field_name, f"unknown normalization {value!r}; expected one of: {', '.join(NORMALISATIONS)}")
    return v


def parse_k(k, n_candidates: int, field_name: str = "k") -> int:
    if k is None or (isinstance(k, str) and not k.strip()):
        raise InputError(field_name, "k (number of sites to choose) is required", "missing")
    try:
        value = float(k)
    except (TypeError, ValueError):
        raise InputError(field_name, f"k must be a whole number, got {k!r}") from None
    if not value.is_integer():
        raise InputError(field_name, f"k must be a whole number, got {k!r}")
    value = int(value)
    if value < 1:
        raise InputError(field_name, f"k must be at least 1, got {value}", "out_of_range")
    if value > n_candidates:
        raise InputError(field_name, f"k = {value} is larger than the number of candidates ({n_candidates})",
                         "out_of_range")
    return value


def parse_sites(ws: Workspace, raw, field_name: str = "candidates", max_n: int = MAX_EVALUATE_CANDIDATES,
                allow_empty: bool = False, default_prefix: str = "C") -> list[Site]:
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
        name = str(item.get("name") or item.get("name_zh") or "").strip()
        ent = item.get("entity") or item.get("entity_id")
        if ent not in (None, ""):
            e = ws.entity(str(ent), field=f"{where}.entity", located=True)
            x, y = e.lon, e.lat
            name = name or e.name_zh
        else:
            x, y = ws.check_point(item.get("lon"), item.get("lat"), prefix=f"{where}.")
            ent = None
        points.append((name[:120] or f"{default_prefix}{i + 1}", x, y, ent))
    return _snap_sites(ws, points, "user")


def _snap_sites(ws: Workspace, points: list[tuple], source: str) -> list[Site]:
    if not points:
        return []
    lon = np.array([p[1] for p in points], float)
    lat = np.array([p[2] for p in points], float)
    if ws.network is None:
        nodes, snap = np.full(len(points), -1), np.full(len(points), np.nan)
        on = np.zeros(len(points), bool)
    else:
        nodes, snap = ws.network.snap(lon, lat)
        on = snap <= ws.snap_limit_m
    return [Site(p[0], float(x), float(y), int(n), float(d), bool(o), p[3], source)
            for p, x, y, n, d, o in zip(points, lon, lat, nodes, snap, on)]


# ----------------------------------------------------------------------------------------------------
# Targets: what the criteria measure distances to

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


def _entity_targets(ws: Workspace, entities: list[Entity]) -> Targets:
    located = [e for e in entities if e.located]
    snaps = [ws.snapping[e.id] for e in located]
    return Targets([e.id for e in located], [e.name_zh for e in located], [e.precision for e in located],
                   np.array([e.lon for e in located], float), np.array([e.lat for e in located], float),
                   np.array([s[0] for s in snaps], np.int64), np.array([s[2] for s in snaps], bool),
                   [e.id for e in entities if not e.located])


def route_stops(ws: Workspace, route_id: str = ROUTE_ID) -> tuple[Targets, str | None]:
    """Located stops of a bus route, and a note when the route is missing or has unlocated stops."""
    stops: list[tuple] = []
    try:
        from . import route as route_mod
        r = route_mod.get_route(ws, route_id)
        stops = [(f"{route_id}:{i}", s.name_zh, s.precision, s.lon, s.lat) for i, s in enumerate(r.stops, 1)]
    except ImportError:  # the route module is optional: read the table directly
        rows = ws.store.query("SELECT seq, name_zh, precision, lon, lat FROM route_stops WHERE route_id = ? "
                              "ORDER BY seq", (route_id,))
        stops = [(f"{route_id}:{r['seq']}", r["name_zh"], r["precision"], r["lon"], r["lat"]) for r in rows]
    except InputError:
        stops = []
    located = [s for s in stops if s[3] is not None and s[4] is not None]
    lon = np.array([s[3] for s in located], float)
    lat = np.array([s[4] for s in located], float)
    if located and ws.network is not None:
        node, snap = ws.network.snap(lon, lat)
        on = snap <= ws.snap_limit_m
    else:
        node, on = np.full(len(located), -1, np.int64), np.zeros(len(located), bool)
    t = Targets([s[0] for s in located], [s[1] for s in located], [s[2] for s in located], lon, lat,
                np.asarray(node, np.int64), np.asarray(on, bool), [s[1] for s in stops if s not in located])
    note = None
    if not stops:
        note = f"route {route_id!r} has no stops in this data dir"
    elif t.unlocated:
        note = (f"{len(t.unlocated)} of {len(stops)} 科创专线 stops have no published location and are not measured: "
                + ", ".join(t.unlocated))
    return t, note


def _target_sets(ws: Workspace, bom: tuple[str, ...]) -> tuple[dict[str, Targets], list[str]]:
    """Every target set the criteria need, keyed ``supplier:<category>``, ``maker``, ``kechuang_stop``…"""
    sets: dict[str, Targets] = {}
    notes: list[str] = []
    for c in bom:
        sets[f"supplier:{c}"] = _entity_targets(ws, [e for e in ws.entities if c in e.categories])
    sets["maker"] = _entity_targets(ws, [e for e in ws.entities if e.is_maker])
    sets["kechuang_stop"], note = route_stops(ws)
    if note:
        notes.append(note)
    sets["institute"] = _entity_targets(ws, ws.entities_of(kind="institute"))
    sets["talent_apartment"] = _entity_targets(ws, ws.entities_of(kind="talent_apartment"))
    return sets, notes


# ----------------------------------------------------------------------------------------------------
# Batched measuring

def _metric_xy(lon, lat) -> np.ndarray:
    x, y = studyarea.to_metric(np.asarray(lon, float), np.asarray(lat, float))
    return np.column_stack([np.atleast_1d(x), np.atleast_1d(y)])


def _node_pairs_within(graph: engine.RoadGraph, sources: np.ndarray, targets: np.ndarray,
                       radius_m: float) -> sp.csr_matrix:
    """0/1 matrix of distinct source nodes x distinct target nodes within ``radius_m`` (source -> target).

    Bounded searches from the smaller side (from the targets over the reversed graph when they are fewer),
    thresholded straight into a sparse matrix: no per-pair arrays to sort.
    """
    reverse = len(targets) < len(sources)
    search, other = (targets, sources) if reverse else (sources, targets)
    blocks = [sp.csr_matrix(rows[:, other] <= radius_m, dtype=np.int8)
              for _, rows in engine.distance_rows(graph, search, limit=radius_m, reverse=reverse)]
    m = sp.vstack(blocks, format="csr")
    return m.T.tocsr() if reverse else m


def _within(ws: Workspace, sites: list[Site], t: Targets, radius_m: float) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Which (site, target) pairs lie within the radius: two 0/1 sparse matrices, sites x targets.

    The first holds the pairs measured on the network (both ends on it: one batched bounded search over the
    *distinct* nodes, :func:`engine.pairs_within`, expanded to sites and targets by sparse indexing); the
    second the pairs with an end off the network, by straight line x circuity (found with a k-d tree).
    """
    shape = (len(sites), len(t))
    s_on = np.array([s.on_network for s in sites], bool)
    net = sp.csr_matrix(shape, dtype=np.int8)
    if ws.network is not None and s_on.any() and t.on.any():
        si, tj = np.flatnonzero(s_on), np.flatnonzero(t.on)
        s_nodes, s_inv = np.unique(np.array([sites[i].node for i in si], np.int64), return_inverse=True)
        t_nodes, t_inv = np.unique(t.node[tj], return_inverse=True)
        nodes = _node_pairs_within(ws.network.graph, s_nodes, t_nodes, radius_m)
        sub = nodes[s_inv][:, t_inv].tocoo()  # distinct nodes -> the sites and targets standing on them
        net = sp.csr_matrix((sub.data, (si[sub.row], tj[sub.col])), shape=shape)
    rows, cols = [], []
    if len(t) and len(sites):
        factor = ws.estimator.factor
        s_xy = _metric_xy([s.lon for s in sites], [s.lat for s in sites])
        t_xy = _metric_xy(t.lon, t.lat)
        # Pairs the network cannot measure: either end off the network.
        for group, t_mask in ((np.flatnonzero(s_on), ~t.on), (np.flatnonzero(~s_on), np.ones(len(t), bool))):
            cand = np.flatnonzero(t_mask)
            if not len(group) or not len(cand):
                continue
            hits = cKDTree(t_xy[cand]).query_ball_point(s_xy[group], r=radius_m / factor)
            ii = np.repeat(group, [len(h) for h in hits])
            jj = cand[np.fromiter((j for h in hits for j in h), np.int64, count=len(ii))]
            ok = np.hypot(*(s_xy[ii] - t_xy[jj]).T) * factor <= radius_m
            rows.append(ii[ok]), cols.append(jj[ok])
    r = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    est = sp.csr_matrix((np.ones(len(r), np.int8), (r, c)), shape=shape)
    return net, est


def _within_many(ws: Workspace, sites: list[Site], groups: list[Targets],
                 radius_m: float) -> list[tuple[sp.csr_matrix, sp.csr_matrix]]:
    """:func:`_within` for several target sets in one pass (their targets measured together, then split)."""
    cat = lambda attr: np.concatenate([np.asarray(getattr(g, attr)) for g in groups])  # noqa: E731
    joined = Targets([i for g in groups for i in g.ids], [], [], cat("lon").astype(float), cat("lat").astype(float),
                     cat("node").astype(np.int64), cat("on").astype(bool))
    net, est = _within(ws, sites, joined, radius_m)
    net, est = net.tocsc(), est.tocsc()
    out, start = [], 0
    for g in groups:
        cols = slice(start, start + len(g))
        out.append((net[:, cols].tocsr(), est[:, cols].tocsr()))
        start += len(g)
    return out


def _nearest(ws: Workspace, sites: list[Site], t: Targets) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
    for group, t_mask in ((np.flatnonzero(s_on), ~t.on), (np.flatnonzero(~s_on), np.ones(len(t), bool))):
        cols = np.flatnonzero(t_mask)
        if not len(group) or not len(cols):
            continue
        d, j = cKDTree(t_xy[cols]).query(s_xy[group])
        d = d * factor
        better = d < best[group]
        g = group[better]
        best[g], idx[g], by_net[g] = d[better], cols[j[better]], False
    return best, idx, by_net


# ----------------------------------------------------------------------------------------------------
# Scoring

def _norm_description(crit: Criterion, mode: str, radius_m: float, n_makers: int) -> str:
    if mode == "minmax":
        if crit.direction == LESS:
            return "min-max across the candidates: (max − v) / (max − min); 0.5 for all when every value is equal"
        return "min-max across the candidates: (v − min) / (max − min); 0.5 for all when every value is equal"
    r = f"{radius_m / 1000:g} km"
    if crit.key == "supplier_count":
        n = SUPPLIER_COUNT_SATURATION
        return f"fixed scale: min(n, {n}) / {n} per category ({n} suppliers within {r} give full marks), mean over the BOM"
    if crit.key == "makers_served":
        return f"fixed scale: n / N, the share of the registry's {n_makers} located makers within {r}"
    if crit.key == "supplier_distance":
        return f"fixed scale: linear decay max(0, 1 − d / {r}) per category, mean over the BOM"
    return f"fixed scale: linear decay max(0, 1 − d / {r}) (1 at the site, 0 at {r} or beyond)"


def _minmax(values: np.ndarray, direction: str) -> np.ndarray:
    lo, hi = float(np.min(values)), float(np.max(values))
    if hi - lo <= 1e-12 * max(1.0, abs(hi)):
        return np.full(len(values), 0.5)
    s = (values - lo) / (hi - lo)
    return 1.0 - s if direction == LESS else s


def _score(values: np.ndarray, crit: Criterion, mode: str, radius_m: float, n_makers: int) -> np.ndarray:
    values = np.asarray(values, float)
    if mode == "minmax":
        return _minmax(values, crit.direction)
    if crit.key == "supplier_count":
        return np.minimum(values, SUPPLIER_COUNT_SATURATION) / SUPPLIER_COUNT_SATURATION
    if crit.key == "makers_served":
        return values / n_makers if n_makers else np.zeros(len(values))
    return np.clip(1.0 - values / radius_m, 0.0, 1.0)


def _m(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), 1)


def evaluate_sites(ws: Workspace, candidates, weights=None, radius_km=10, bom=None, normalization="fixed") -> dict:
    """Score candidate sites on the criteria of this module.

    Parameters
    ----------
    ws
        The loaded workspace.
    candidates
        ``[{name, lon, lat}]`` (WGS84) or ``[{entity: ID}]``; at most :data:`MAX_EVALUATE_CANDIDATES`.
    weights
        ``{criterion: percent}`` summing to 100 (missing criteria weigh 0); default :data:`DEFAULT_WEIGHTS`.
    radius_km
        The sourcing radius (default 10 km by road).
    bom
        A robot type (default ``humanoid``) or a list of component categories.
    normalization
        ``fixed`` (default) or ``minmax``; see :func:`_norm_description`.

    Returns
    -------
    dict
        ``candidates`` (input order, each with every raw value, per-criterion score and contribution, total
        ``score`` 0–100 and ``rank``), ``ranking`` (names best first), ``criteria`` (direction, normalisation,
        weight, effective weight, availability), ``explanation`` {zh, en}, ``notes``, ``estimator``.
    """
    radius_m = check_radius(radius_km) * 1000.0
    robot_type, bom_cats = parse_bom(bom)
    w_given = parse_weights(weights)
    mode = parse_normalisation(normalization)
    sites = parse_sites(ws, candidates)
    sets, notes = _target_sets(ws, bom_cats)
    n = len(sites)
    n_makers = len(sets["maker"])

    # -- raw values, one batched pass per target set
    raw: dict[str, dict] = {}
    # One bounded search per distinct candidate node serves the counts of every target set at once.
    count_keys = [f"supplier:{c}" for c in bom_cats] + ["maker"]
    within = _within_many(ws, sites, [sets[key] for key in count_keys], radius_m)
    for c, (w_net, w_est) in zip(bom_cats, within):
        t = sets[f"supplier:{c}"]
        d, j, net = _nearest(ws, sites, t)
        count_est = np.asarray(w_est.sum(axis=1)).ravel()
        raw[c] = {"dist": d, "idx": j, "net": net, "targets": t,
                  "count": np.asarray(w_net.sum(axis=1)).ravel() + count_est, "count_est": count_est}
    m_net, m_est = within[-1]
    m_all = (m_net + m_est).tocsr()
    m_all.sort_indices()
    makers_in = [[sets["maker"].ids[j] for j in m_all.indices[m_all.indptr[i]:m_all.indptr[i + 1]]] for i in range(n)]
    maker_count = np.diff(m_all.indptr).astype(float)
    maker_est = np.asarray(m_est.sum(axis=1)).ravel()
    near = {k: _nearest(ws, sites, sets[k]) for k in ("kechuang_stop", "institute", "talent_apartment")}

    # -- availability and effective weights
    available = {"supplier_distance": True, "supplier_count": True, "makers_served": n_makers > 0,
                 "kechuang_stop": len(sets["kechuang_stop"]) > 0, "institute": len(sets["institute"]) > 0,
                 "talent_apartment": len(sets["talent_apartment"]) > 0}
    why_not = {
        "makers_served": "no located robot maker (whole_robot) in the registry / 登记表中没有已定位的整机企业",
        "kechuang_stop": "no located 科创专线 stop / 科创专线没有已定位的站点",
        "institute": "no located research institute in the registry / 登记表中没有已定位的研究机构",
        "talent_apartment": "no talent apartment (人才公寓) in the registry / 登记表中没有人才公寓",
    }
    avail_weight = sum(w for k, w in w_given.items() if available[k])
    if avail_weight <= 0:
        raise InputError("weights", "all the weight is on criteria that cannot be measured here ("
                         + ", ".join(k for k in CRITERIA if w_given[k] > 0) + "): "
                         + "; ".join(why_not[k] for k in CRITERIA if w_given[k] > 0 and k in why_not), "unavailable")
    w_eff = {k: (100.0 * w / avail_weight if available[k] else 0.0) for k, w in w_given.items()}
    for k in CRITERIA:
        if not available[k]:
            notes.append(f"{k} unavailable: {why_not[k]}"
                         + (f"; its {w_given[k]:g} % weight was spread over the other criteria" if w_given[k] else ""))

    # -- scores (0..1) per criterion
    scores: dict[str, np.ndarray] = {}
    sub_scores: dict[str, dict[str, np.ndarray]] = {"supplier_distance": {}, "supplier_count": {}}
    no_supplier = [c for c in bom_cats if not len(raw[c]["targets"])]
    for c in bom_cats:
        r = raw[c]
        if c in no_supplier:
            sub_scores["supplier_distance"][c] = np.zeros(n)
            sub_scores["supplier_count"][c] = np.zeros(n)
            continue
        sub_scores["supplier_distance"][c] = _score(r["dist"], CRITERIA["supplier_distance"], mode, radius_m, n_makers)
        sub_scores["supplier_count"][c] = _score(r["count"], CRITERIA["supplier_count"], mode, radius_m, n_makers)
    for k in ("supplier_distance", "supplier_count"):
        scores[k] = np.mean([sub_scores[k][c] for c in bom_cats], axis=0)
    scores["makers_served"] = (_score(maker_count, CRITERIA["makers_served"], mode, radius_m, n_makers)
                               if available["makers_served"] else np.zeros(n))
    for k in ("kechuang_stop", "institute", "talent_apartment"):
        scores[k] = _score(near[k][0], CRITERIA[k], mode, radius_m, n_makers) if available[k] else np.zeros(n)
    if no_supplier:
        notes.append("no located supplier of " + ", ".join(no_supplier) + " in the registry: these categories score 0 "
                     "for every candidate / 登记表中没有这些类别的已定位供应商")

    contributions = {k: w_eff[k] * scores[k] for k in CRITERIA}
    total = np.sum([contributions[k] for k in CRITERIA], axis=0)
    rounded = np.round(total, 6)
    order = sorted(range(n), key=lambda i: (-rounded[i], i))
    rank = np.empty(n, int)
    for pos, i in enumerate(order):
        rank[i] = pos + 1 if pos == 0 or rounded[i] != rounded[order[pos - 1]] else rank[order[pos - 1]]

    # -- per-candidate output
    out_cands = []
    for i, s in enumerate(sites):
        crit_out: dict[str, dict] = {}
        by_cat_d, by_cat_n = {}, {}
        for c in bom_cats:
            r = raw[c]
            j = int(r["idx"][i])
            by_cat_d[c] = {"road_m": _m(r["dist"][i]), "distance_method": (NETWORK if r["net"][i] else ESTIMATED) if j >= 0 else None,
                           "nearest_id": r["targets"].ids[j] if j >= 0 else None,
                           "nearest_name_zh": r["targets"].names[j] if j >= 0 else None,
                           "nearest_precision": r["targets"].precisions[j] if j >= 0 else None,
                           "score": round(float(sub_scores["supplier_distance"][c][i]), 4)}
            by_cat_n[c] = {"count": int(r["count"][i]), "estimated": int(r["count_est"][i]),
                           "score": round(float(sub_scores["supplier_count"][c][i]), 4)}
        crit_out["supplier_distance"] = {"by_category": by_cat_d}
        crit_out["supplier_count"] = {"by_category": by_cat_n}
        crit_out["makers_served"] = {"count": int(maker_count[i]), "estimated": int(maker_est[i]), "of": n_makers,
                                     "makers": makers_in[i]}
        for k in ("kechuang_stop", "institute", "talent_apartment"):
            d, j, net = near[k]
            jj = int(j[i])
            t = sets[k]
            crit_out[k] = {"road_m": _m(d[i]), "distance_method": (NETWORK if net[i] else ESTIMATED) if jj >= 0 else None,
                           "nearest_id": t.ids[jj] if jj >= 0 else None, "nearest_name_zh": t.names[jj] if jj >= 0 else None,
                           "nearest_precision": t.precisions[jj] if jj >= 0 else None}
        for k in CRITERIA:
            crit_out[k].update(available=available[k],
                               score=round(float(scores[k][i]), 4) if available[k] else None,
                               contribution=round(float(contributions[k][i]), 3))
        out_cands.append({**s.to_dict(), "rank": int(rank[i]), "score": round(float(total[i]), 3),
                          "criteria": crit_out})

    coarse = sorted({p for t in sets.values() for p in t.precisions if p in ("town", "district")})
    if coarse:
        notes.append("some targets are located only to " + "/".join(coarse) + " precision (uncertainty up to "
                     f"{max(PRECISION_RADIUS_M[p] for p in coarse) / 1000:g} km): their distances are rough "
                     "/ 部分目标仅定位到镇或区，距离只是粗略估计")
    if ws.network is None:
        notes.append(f"no road network loaded: every distance is estimated (straight line x {ws.estimator.factor:g}) "
                     "/ 未加载道路网：所有距离均为估算")
    elif any(c["distance_method"] == ESTIMATED for c in out_cands):
        notes.append("candidates farther than "
                     f"{ws.snap_limit_m:g} m from the road network use estimated distances")
    criteria_out = [{"key": c.key, "zh": c.zh, "en": c.en, "short_zh": c.short_zh, "short_en": c.short_en,
                     "direction": c.direction,
                     "per_category": c.per_category, "normalization": _norm_description(c, mode, radius_m, n_makers),
                     "weight": round(w_given[c.key], 4), "effective_weight": round(w_eff[c.key], 4),
                     "available": available[c.key], "unavailable_reason": None if available[c.key] else why_not[c.key]}
                    for c in CRITERIA.values()]
    result = {
        "radius_km": radius_m / 1000.0,
        "bom": {"robot_type": robot_type, "categories": list(bom_cats),
                "labels": {c: {"zh": taxonomy.CATEGORIES[c].zh, "en": taxonomy.CATEGORIES[c].en} for c in bom_cats}},
        "normalization": mode,
        "weights": {k: round(v, 4) for k, v in w_given.items()},
        "effective_weights": {k: round(v, 4) for k, v in w_eff.items()},
        "criteria": criteria_out,
        "candidates": out_cands,
        "ranking": [out_cands[i]["name"] for i in order],
        "notes": notes,
        "estimator": ws.estimator.describe(),
        "network": ws.network.summary() if ws.network else None,
    }
    result["explanation"] = explain(result)
    return result


# ----------------------------------------------------------------------------------------------------
# Explanation

def _km(m) -> str:
    return "—" if m is None else f"{m / 1000:.1f} km"


def _criterion_detail(result: dict, key: str, a: dict, b: dict) -> tuple[str, str]:
    """(zh, en) phrase comparing the raw values of two candidates on one criterion."""
    ca, cb = a["criteria"][key], b["criteria"][key]
    labels = result["bom"]["labels"]
    if key == "supplier_distance":
        diffs = [(ca["by_category"][c]["score"] - cb["by_category"][c]["score"], c) for c in ca["by_category"]]
        d, c = max(diffs, key=lambda t: abs(t[0]))
        x, y = ca["by_category"][c]["road_m"], cb["by_category"][c]["road_m"]
        return (f"最大差别在{labels[c]['zh'].split('（')[0]}：{_km(x)} 对 {_km(y)}",
                f"largest gap for {labels[c]['en'].split(' (')[0]}: {_km(x)} vs {_km(y)}")
    if key == "supplier_count":
        na = sum(v["count"] > 0 for v in ca["by_category"].values())
        nb = sum(v["count"] > 0 for v in cb["by_category"].values())
        tot = len(ca["by_category"])
        r = result["radius_km"]
        return (f"{r:g} 公里内有供应商的类别 {na}/{tot} 对 {nb}/{tot}",
                f"categories with a supplier within {r:g} km: {na}/{tot} vs {nb}/{tot}")
    if key == "makers_served":
        return (f"半径内整机企业 {ca['count']} 家对 {cb['count']} 家", f"makers within the radius: {ca['count']} vs {cb['count']}")
    return (f"{_km(ca['road_m'])} 对 {_km(cb['road_m'])}", f"{_km(ca['road_m'])} vs {_km(cb['road_m'])}")


def explain(result: dict) -> dict:
    """Plain-language reasons (zh, en) why the top-ranked candidate beats the next one."""
    cands = result["candidates"]
    if len(cands) < 2:
        return {"zh": "只有一个候选地点，没有可比较的对象。", "en": "Only one candidate: nothing to compare it with."}
    ranked = sorted(cands, key=lambda c: (c["rank"], cands.index(c)))
    a, b = ranked[0], ranked[1]
    diff = a["score"] - b["score"]
    crit = {c["key"]: c for c in result["criteria"]}
    if abs(diff) < 1e-3:
        return {"zh": f"{a['name']} 与 {b['name']} 得分相同（{a['score']:.1f}），无法区分。",
                "en": f"{a['name']} and {b['name']} tie at {a['score']:.1f}: the criteria do not separate them."}
    deltas = sorted(((a["criteria"][k]["contribution"] - b["criteria"][k]["contribution"], k)
                     for k in crit if crit[k]["available"]), reverse=True)
    pros = [(d, k) for d, k in deltas if d > 1e-6][:3]
    cons = [(d, k) for d, k in deltas if d < -1e-6]
    zh_parts, en_parts = [], []
    for d, k in pros:
        zh, en = _criterion_detail(result, k, a, b)
        zh_parts.append(f"{crit[k]['short_zh']}（+{d:.1f} 分；{zh}）")
        en_parts.append(f"{crit[k]['short_en']} (+{d:.1f} points; {en})")
    zh = (f"{a['name']} 综合得分 {a['score']:.1f}，比第二名 {b['name']}（{b['score']:.1f}）高 {diff:.1f} 分。"
          f"主要原因：{'；'.join(zh_parts)}。")
    en = (f"{a['name']} scores {a['score']:.1f}, {diff:.1f} points ahead of the runner-up {b['name']} "
          f"({b['score']:.1f}). Main reasons: {'; '.join(en_parts)}.")
    if cons:
        d, k = min(cons)
        zh_c, en_c = _criterion_detail(result, k, a, b)
        zh += f"{b['name']} 在{crit[k]['short_zh']}上更好（{d:.1f} 分；{zh_c}）。"
        en += f" {b['name']} does better on {crit[k]['short_en']} ({d:.1f} points; {en_c})."
    return {"zh": zh, "en": en, "top": a["name"], "runner_up": b["name"], "score_difference": round(diff, 3),
            "contribution_differences": {k: round(d, 3) for d, k in deltas}}


# ----------------------------------------------------------------------------------------------------
# Optimisation: demand, candidates, coverage

@dataclass
class Demand:
    """Makers with unmet BOM categories: the demand items of the covering model, aggregated per maker."""

    ids: list[str]
    names: list[str]
    lon: np.ndarray
    lat: np.ndarray
    node: np.ndarray
    on: np.ndarray
    missing: list[list[str]]
    weight: np.ndarray  # sum of the category weights of each maker's missing categories
    synthetic: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


def demand_from_sourcing(ws: Workspace, radius_km, category_weights: dict[str, float]) -> Demand:
    """Demand items from the sourcing check: each located maker's categories without a supplier in reach."""
    from .sourcing import sourcing_check

    rows = sourcing_check(ws, radius_km)["makers"]
    rows = [r for r in rows if r["missing"]]
    snaps = [ws.snapping[r["id"]] for r in rows]
    return Demand([r["id"] for r in rows], [r["name_zh"] for r in rows],
                  np.array([r["lon"] for r in rows], float), np.array([r["lat"] for r in rows], float),
                  np.array([s[0] for s in snaps], np.int64), np.array([s[2] for s in snaps], bool),
                  [list(r["missing"]) for r in rows],
                  np.array([sum(category_weights.get(c, 1.0) for c in r["missing"]) for r in rows], float),
                  np.array([SYNTHETIC_SOURCE in ws.by_id[r["id"]].source for r in rows], bool))


def grid_candidates(ws: Workspace, grid_m=1000, field_name: str = "grid_m") -> list[Site]:
    """A regular grid over the network's extent (points kept within half a cell of a road, moved onto it),
    or over the study area when no network is loaded (estimated distances)."""
    grid = parse_float(grid_m, field_name, MIN_GRID_M, 50_000)
    if ws.network is not None:
        a = ws.network.arrays
        xmin, xmax, ymin, ymax = a["x"].min(), a["x"].max(), a["y"].min(), a["y"].max()
    elif ws.study_area is not None:
        xmin, ymin, xmax, ymax = ws.study_area.boundary_m.bounds
    else:
        raise InputError("candidates", "no network and no study area loaded: give candidates explicitly", "missing")
    nx_, ny_ = int((xmax - xmin) // grid) + 1, int((ymax - ymin) // grid) + 1
    if nx_ * ny_ > MAX_GRID_POINTS * 4:
        raise InputError(field_name, f"a {grid:g} m grid over this area has {nx_ * ny_:,} cells; use a coarser grid",
                         "too_many")
    gx, gy = np.meshgrid(xmin + grid / 2 + np.arange(nx_) * grid, ymin + grid / 2 + np.arange(ny_) * grid)
    gx, gy = gx.ravel(), gy.ravel()
    if ws.network is not None:
        dist, node = ws.network.tree.query(np.column_stack([gx, gy]))
        keep = dist <= min(grid / 2, ws.snap_limit_m)
        node = np.unique(node[keep])  # one candidate per road node
        lon, lat = ws.network.arrays["lon"][node], ws.network.arrays["lat"][node]
    else:
        import shapely
        inside = shapely.contains_xy(ws.study_area.boundary_m, gx, gy)
        lon, lat = studyarea.to_lonlat(gx[inside], gy[inside])
        lon, lat = np.atleast_1d(lon), np.atleast_1d(lat)
    if len(lon) > MAX_GRID_POINTS:
        raise InputError(field_name, f"a {grid:g} m grid gives {len(lon):,} candidates (at most {MAX_GRID_POINTS:,}); "
                         "use a coarser grid", "too_many")
    if not len(lon):
        raise InputError(field_name, f"a {grid:g} m grid leaves no candidate on the network", "empty")
    points = [(f"G{i + 1}", float(x), float(y), None) for i, (x, y) in enumerate(zip(lon, lat))]
    return _snap_sites(ws, points, "grid")


def coverage(ws: Workspace, sites: list[Site], demand: Demand, radius_m: float) -> tuple[sp.csc_matrix, sp.csc_matrix]:
    """Which site covers which maker within the radius: (network pairs, estimated pairs), makers x sites."""
    t = Targets(demand.ids, demand.names, [""] * len(demand), demand.lon, demand.lat, demand.node, demand.on)
    net, est = _within(ws, sites, t, radius_m)
    return net.T.tocsc(), est.T.tocsc()


def _solver_text(sol: mclp.Solution) -> str:
    proof = sol.details.get("proof")
    if sol.status == "optimal" and proof == "HiGHS MILP":
        return "HiGHS MILP (scipy.optimize.milp): proven optimal"
    if sol.status == "optimal":
        return f"greedy + swap search; proven optimal: {proof}"
    if sol.status == "time_limit":
        return "HiGHS MILP stopped at the time limit: best answer found, gap from HiGHS's bound"
    return "greedy + swap search (heuristic); gap to the LP relaxation bound (HiGHS)"


def optimize_sites(ws: Workspace, k, candidates=None, radius_km=10, weights=None, fixed=None, grid_m=1000,
                   method: str = "auto", time_limit_s: float = 120.0, demand: Demand | None = None,
                   progress: Progress | None = None) -> dict:
    """Choose the best ``k`` sites to cover the makers' unmet BOM categories (maximal covering).

    Parameters
    ----------
    k
        Number of new sites (1 <= k <= number of candidates).
    candidates
        ``[{name, lon, lat}]``; ``None`` for a regular grid of network points every ``grid_m`` metres.
    radius_km
        A site covers the makers within this road distance (default 10 km).
    weights
        Weight per component category of a missing (maker, category) item; default 1 each.
    fixed
        Existing or decided sites ``[{name, lon, lat}]``: what they cover is already covered, and the k new
        sites come on top of them.
    method
        ``auto``, ``exact`` (HiGHS MILP) or ``heuristic`` (greedy + swap, gap to the LP bound).
    demand
        Override the demand (tests and benchmarks); default: from the sourcing check.

    Returns
    -------
    dict
        ``chosen`` (sites in order of marginal gain, with the makers and items each covers and how the
        distance was measured), ``objective`` (weight covered by the new sites), ``bound``, ``gap``,
        ``mip_gap``, ``status``, ``runtime_s``, ``demand`` summary, ``notes``.
    """
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    radius_m = check_radius(radius_km) * 1000.0
    cat_w = parse_category_weights(weights)
    if method not in ("auto", "exact", "heuristic"):
        raise InputError("method", f"unknown method {method!r}; expected auto, exact or heuristic")
    if candidates is None:
        sites = grid_candidates(ws, grid_m)
        source = "grid"
        say(f"{len(sites):,} grid candidates every {float(grid_m):g} m on the network")
    else:
        sites = parse_sites(ws, candidates, max_n=MAX_OPTIMIZE_CANDIDATES)
        source = "user"
    kk = parse_k(k, len(sites))
    fixed_sites = parse_sites(ws, fixed, "fixed", allow_empty=True, default_prefix="F") if fixed else []

    if demand is None:
        say("sourcing check: which makers lack which categories within the radius …")
        demand = demand_from_sourcing(ws, radius_m / 1000.0, cat_w)
    say(f"coverage: {len(sites):,} candidates x {len(demand):,} makers with unmet categories, "
        f"radius {radius_m / 1000:g} km …")
    t_cov = time.perf_counter()
    # Sites on the same road node cover the same makers: measure one representative per node.
    group_key = np.array([s.node if s.on_network else -1 - i for i, s in enumerate(sites)], np.int64)
    _, rep, group_of = np.unique(group_key, return_index=True, return_inverse=True)
    a_net, a_est = coverage(ws, [sites[i] for i in rep], demand, radius_m)
    cover = (a_net + a_est).tocsc()
    cover.data[:] = 1
    already = np.zeros(len(demand), bool)
    if fixed_sites:
        f_net, f_est = coverage(ws, fixed_sites, demand, radius_m)
        already = np.asarray((f_net + f_est).sum(axis=1)).ravel() > 0
    build_s = time.perf_counter() - t_cov
    say(f"coverage built in {build_s:.2f} s: {cover.nnz:,} (maker, site) pairs within reach "
        f"({a_est.nnz:,} estimated)")

    residual_w = np.where(already, 0.0, demand.weight)
    sol = mclp.solve(cover, residual_w, min(kk, len(rep)), method=method, time_limit_s=time_limit_s, progress=say)
    picked = [int(rep[g]) for g in sol.chosen]
    # k larger than the number of distinct nodes: the extra sites stand on nodes already chosen (add nothing).
    taken = set(picked)
    picked += [i for i in range(len(sites)) if i not in taken][:kk - len(picked)]

    # -- describe the answer
    chosen_out = []
    covered = already.copy()
    for order, i_site in enumerate(picked, start=1):
        s, j = sites[i_site], int(group_of[i_site])
        col = cover.indices[cover.indptr[j]:cover.indptr[j + 1]]
        new = col[~covered[col]]
        covered[col] = True
        est_rows = set(a_est.indices[a_est.indptr[j]:a_est.indptr[j + 1]].tolist())
        makers = [{"id": demand.ids[m], "name_zh": demand.names[m], "missing": demand.missing[m],
                   "weight": round(float(demand.weight[m]), 4), "newly_covered": bool(m in set(new.tolist())),
                   "distance_method": ESTIMATED if m in est_rows else NETWORK,
                   "synthetic": bool(demand.synthetic[m])} for m in col.tolist()]
        chosen_out.append({**s.to_dict(), "order": order, "index": i_site,
                           "marginal_weight": round(float(residual_w[new].sum()), 4),
                           "makers_covered": len(col), "items_newly_covered": int(sum(len(demand.missing[m]) for m in new)),
                           "makers": makers})
    total_w = float(demand.weight.sum())
    coverable = np.asarray(cover.sum(axis=1)).ravel() > 0
    uncovered = [{"id": demand.ids[m], "name_zh": demand.names[m], "missing": demand.missing[m],
                  "reason": "no candidate within the radius" if not coverable[m] else "not covered by the chosen sites"}
                 for m in np.flatnonzero(~covered)]
    notes = []
    if ws.network is None:
        notes.append(f"no road network loaded: coverage is estimated (straight line x {ws.estimator.factor:g})"
                     + ("; the grid covers the whole study-area polygon, water included" if source == "grid" else "")
                     + " / 未加载道路网：覆盖按估算距离")
    elif a_est.nnz:
        notes.append(f"{a_est.nnz:,} of {cover.nnz:,} (maker, site) pairs are estimated (straight line x "
                     f"{ws.estimator.factor:g}): one end lies off the road network / 部分距离为估算")
    idle = [c["order"] for c in chosen_out if c["marginal_weight"] <= 0]
    if idle and len(demand):
        notes.append(f"site(s) #{', #'.join(map(str, idle))} add nothing: every item the candidates can reach is "
                     "already covered (fewer sites would do) / 其余站点不再增加覆盖")
    if demand.synthetic.any():
        notes.append(f"{int(demand.synthetic.sum())} of {len(demand)} makers are synthetic (generated by code)")
    if len(demand) == 0:
        notes.append("no maker lacks a category within the radius: nothing to cover / 没有缺口需要覆盖")
    result = {
        "k": kk, "radius_km": radius_m / 1000.0, "candidate_source": source,
        "grid_m": float(grid_m) if source == "grid" else None, "n_candidates": len(sites),
        "category_weights": {c: w for c, w in cat_w.items() if w != 1.0} or "1 per category",
        "demand": {"makers": len(demand), "items": int(sum(len(m) for m in demand.missing)),
                   "total_weight": round(total_w, 4),
                   "covered_by_fixed": round(float(demand.weight[already].sum()), 4),
                   "coverable_weight": round(float(demand.weight[coverable & ~already].sum()), 4),
                   "synthetic_makers": int(demand.synthetic.sum())},
        "fixed": [s.to_dict() for s in fixed_sites],
        "chosen": chosen_out,
        "objective": round(sol.objective, 6),
        "objective_share": round(sol.objective / (total_w - float(demand.weight[already].sum())), 4)
        if total_w - float(demand.weight[already].sum()) > 0 else None,
        "bound": round(sol.bound, 6), "gap": round(sol.gap, 6), "mip_gap": sol.mip_gap,
        "lp_bound": sol.lp_bound, "method": sol.method, "status": sol.status,
        "solver": _solver_text(sol),
        "runtime_s": {"coverage": round(build_s, 4), "solve": round(sol.runtime_s, 4),
                      "total": round(time.perf_counter() - t0, 4)},
        "solver_details": sol.details,
        "uncovered": uncovered[:MAX_LISTED],
        "uncovered_count": len(uncovered),
        "notes": notes,
        "estimator": ws.estimator.describe(),
    }
    say(f"done: objective {sol.objective:g} (bound {sol.bound:g}, gap {100 * sol.gap:.3f} %), {sol.status}")
    return result


# ----------------------------------------------------------------------------------------------------
# Synthetic data for tests and benchmarks (labelled everywhere it appears)

def synthetic_workspace(ws: Workspace, n_makers: int, n_suppliers: int = 0, seed: int = 0,
                        keep_registry: bool = False) -> Workspace:
    """A copy of ``ws`` whose registry holds synthetic makers (and suppliers) placed on network nodes.

    Every synthetic entity has ``source`` = :data:`SYNTHETIC_SOURCE` and an id starting ``synthetic-``.
    """
    if ws.network is None:
        raise ValueError("synthetic entities are placed on the network: load one first")
    rng = np.random.default_rng(seed)
    a = ws.network.arrays
    types = list(taxonomy.ROBOT_TYPES)
    comps = list(taxonomy.COMPONENT_CATEGORIES)
    ents: list[Entity] = list(ws.entities) if keep_registry else []
    for i, node in enumerate(rng.integers(0, ws.network.n_nodes, n_makers)):
        ents.append(Entity(f"synthetic-maker-{i + 1:05d}", f"合成整机{i + 1}", "firm", f"Synthetic maker {i + 1}",
                           categories=("whole_robot",), robot_types=(types[int(rng.integers(len(types)))],),
                           lon=float(a["lon"][node]), lat=float(a["lat"][node]), precision="exact",
                           source=SYNTHETIC_SOURCE))
    for i, node in enumerate(rng.integers(0, ws.network.n_nodes, n_suppliers)):
        ents.append(Entity(f"synthetic-supplier-{i + 1:05d}", f"合成供应商{i + 1}", "firm", f"Synthetic supplier {i + 1}",
                           categories=(comps[int(rng.integers(len(comps)))],),
                           lon=float(a["lon"][node]), lat=float(a["lat"][node]), precision="exact",
                           source=SYNTHETIC_SOURCE))
    return Workspace(ws.data_dir, ws.store, ents, ws.network, ws.snap_limit_m)


def synthetic_demand(ws: Workspace, n_makers: int, seed: int = 0, max_missing: int = 4) -> Demand:
    """Synthetic makers on random network nodes, each missing 1..``max_missing`` categories of its BOM."""
    rng = np.random.default_rng(seed)
    a = ws.network.arrays
    nodes = rng.integers(0, ws.network.n_nodes, n_makers)
    types = list(taxonomy.ROBOT_TYPES)
    missing = []
    for _ in range(n_makers):
        bom = taxonomy.DEFAULT_BOM[types[int(rng.integers(len(types)))]]
        m = int(rng.integers(1, min(max_missing, len(bom)) + 1))
        missing.append(sorted(rng.choice(bom, size=m, replace=False).tolist()))
    return Demand([f"synthetic-maker-{i + 1:05d}" for i in range(n_makers)],
                  [f"合成整机{i + 1}" for i in range(n_makers)], a["lon"][nodes].astype(float),
                  a["lat"][nodes].astype(float), nodes.astype(np.int64), np.ones(n_makers, bool), missing,
                  np.array([len(m) for m in missing], float), np.ones(n_makers, bool))


def synthetic_candidates(ws: Workspace, n: int, seed: int = 0) -> list[dict]:
    """``n`` synthetic candidate points: random network nodes, named ``S1…``."""
    rng = np.random.default_rng(seed)
    a = ws.network.arrays
    nodes = rng.integers(0, ws.network.n_nodes, n)
    return [{"name": f"S{i + 1}", "lon": float(a["lon"][v]), "lat": float(a["lat"][v])} for i, v in enumerate(nodes)]


# ----------------------------------------------------------------------------------------------------
# Tables for CSV / XLSX export

def evaluation_table(result: dict) -> tuple[list[str], list[list]]:
    """One row per candidate (best first): rank, total, every criterion score and raw value."""
    cats = result["bom"]["categories"]
    cols = ["rank", "name", "lon", "lat", "score", "distance_method", "snap_m"]
    for k in CRITERIA:
        cols.append(f"{k}.score")
        if k == "supplier_distance":
            for c in cats:
                cols += [f"supplier_distance.{c}.road_m", f"supplier_distance.{c}.method",
                         f"supplier_distance.{c}.nearest_id"]
        elif k == "supplier_count":
            cols += [f"supplier_count.{c}" for c in cats]
        elif k == "makers_served":
            cols += ["makers_served.count", "makers_served.estimated"]
        else:
            cols += [f"{k}.road_m", f"{k}.method", f"{k}.nearest_id"]
    rows = []
    for cand in sorted(result["candidates"], key=lambda c: c["rank"]):
        cr = cand["criteria"]
        row = [cand["rank"], cand["name"], cand["lon"], cand["lat"], cand["score"], cand["distance_method"],
               cand["snap_m"]]
        for k in CRITERIA:
            row.append(cr[k]["score"])
            if k == "supplier_distance":
                for c in cats:
                    v = cr[k]["by_category"][c]
                    row += [v["road_m"], v["distance_method"], v["nearest_id"]]
            elif k == "supplier_count":
                row += [cr[k]["by_category"][c]["count"] for c in cats]
            elif k == "makers_served":
                row += [cr[k]["count"], cr[k]["estimated"]]
            else:
                row += [cr[k]["road_m"], cr[k]["distance_method"], cr[k]["nearest_id"]]
        rows.append(row)
    return cols, rows


def optimization_table(result: dict) -> tuple[list[str], list[list]]:
    """One row per chosen site, in order of marginal gain."""
    cols = ["order", "name", "lon", "lat", "marginal_weight", "makers_covered", "items_newly_covered",
            "distance_method", "snap_m", "makers"]
    rows = [[c["order"], c["name"], c["lon"], c["lat"], c["marginal_weight"], c["makers_covered"],
             c["items_newly_covered"], c["distance_method"], c["snap_m"], ";".join(m["id"] for m in c["makers"])]
            for c in result["chosen"]]
    return cols, rows


def to_csv(cols: list[str], rows: list[list]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    w.writerows([["" if v is None else v for v in r] for r in rows])
    return buf.getvalue()


def _meta_rows(result: dict) -> list[list]:
    out = [["radius_km", result.get("radius_km")]]
    if "criteria" in result:
        out.append(["normalization", result["normalization"]])
        out.append(["bom", ",".join(result["bom"]["categories"])])
        out.append([])
        out.append(["criterion", "中文", "direction (better when)", "weight %", "effective weight %", "available",
                    "normalization"])
        for c in result["criteria"]:
            out.append([c["key"], c["zh"], c["direction"], c["weight"], c["effective_weight"], c["available"],
                        c["normalization"]])
        out.append([])
        out.append(["explanation (zh)", result["explanation"]["zh"]])
        out.append(["explanation (en)", result["explanation"]["en"]])
    else:
        for key in ("k", "candidate_source", "n_candidates", "objective", "objective_share", "bound", "gap",
                    "mip_gap", "method", "status", "solver"):
            out.append([key, result.get(key)])
        for key, v in result["demand"].items():
            out.append([f"demand.{key}", v])
        for key, v in result["runtime_s"].items():
            out.append([f"runtime_s.{key}", v])
    out.append([])
    for n in result.get("notes", []):
        out.append(["note", n])
    out.append(["attribution", "Road network © OpenStreetMap contributors (ODbL 1.0)"])
    return out


def to_xlsx(result: dict) -> bytes:
    """An XLSX workbook: the result table and a sheet describing criteria, weights and notes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    is_eval = "criteria" in result
    cols, rows = evaluation_table(result) if is_eval else optimization_table(result)
    wb = Workbook()
    ws_ = wb.active
    ws_.title = "evaluation" if is_eval else "chosen_sites"
    ws_.append(cols)
    for cell in ws_[1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws_.append(r)
    ws_.freeze_panes = "C2"
    meta = wb.create_sheet("about")
    for r in _meta_rows(result):
        meta.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def read_candidates_file(path, field_name: str = "candidates") -> list[dict]:
    """Candidates from a CSV (columns ``name, lon, lat`` or ``entity``) or a GeoJSON of points."""
    import json
    from pathlib import Path

    p = Path(path)
    if not p.is_file():
        raise InputError(field_name, f"no such file: {p}", "not_found")
    text = p.read_bytes().decode("utf-8-sig", errors="strict")
    if p.suffix.lower() in (".geojson", ".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(field_name, f"{p.name}: not valid JSON ({exc})") from None
        feats = data.get("features") if isinstance(data, dict) else None
        if feats is None:
            raise InputError(field_name, f"{p.name}: expected a GeoJSON FeatureCollection of points")
        out = []
        for i, f in enumerate(feats):
            geom = (f or {}).get("geometry") or {}
            props = (f or {}).get("properties") or {}
            if geom.get("type") != "Point":
                raise InputError(field_name, f"{p.name}: feature {i} is not a Point")
            lon, lat = (geom.get("coordinates") or [None, None])[:2]
            out.append({"name": props.get("name") or props.get("name_zh"), "lon": lon, "lat": lat})
        return out
    rows = list(csv.DictReader(io.StringIO(text)))
    if rows and not ({"lon", "lat"} <= set(rows[0]) or "entity" in rows[0]):
        raise InputError(field_name, f"{p.name}: needs columns name, lon, lat (or entity)")
    return [{k: (v.strip() if isinstance(v, str) else v) for k, v in r.items() if k} for r in rows]


def read_weights_file(path, field_name: str = "weights") -> dict:
    """Weights from JSON ``{key: value}`` or a two-column CSV ``criterion,weight``."""
    import json
    from pathlib import Path

    p = Path(path)
    if not p.is_file():
        raise InputError(field_name, f"no such file: {p}", "not_found")
    text = p.read_bytes().decode("utf-8-sig")
    if p.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(field_name, f"{p.name}: not valid JSON ({exc})") from None
        if not isinstance(data, dict):
            raise InputError(field_name, f"{p.name}: expected an object {{criterion: percent}}")
        return data
    out = {}
    for row in csv.reader(io.StringIO(text)):
        if not row or not row[0].strip() or row[0].strip().lower() in ("criterion", "category", "key"):
            continue
        if len(row) < 2:
            raise InputError(field_name, f"{p.name}: each line needs a name and a weight")
        out[row[0].strip()] = row[1].strip()
    return out


__all__ = ["CRITERIA", "DEFAULT_WEIGHTS", "evaluate_sites", "optimize_sites", "grid_candidates", "explain",
           "to_xlsx", "to_csv", "evaluation_table", "optimization_table", "synthetic_workspace", "synthetic_demand"]
