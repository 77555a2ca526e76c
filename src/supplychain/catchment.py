"""Walking catchments: which registry entities lie within a walking distance of bus stops, along the roads.

A walk is measured on the same road graph as everything else, by length: the entity's snap leg (straight,
to its nearest road node; at 500 m the walk to the road matters) plus the road path from that node to the
stop's snapped node, where the bus stops (``engine.distance_rows`` on the reverse graph, bounded by the
largest walking distance).
The loaded graph is a drive graph: where it has one-way streets, walking follows them too (the SIP test
network has none). A pair is ``network`` only when both ends snap within the workspace's limit and the
entity's location is ``exact`` or ``street``; otherwise the walk is ``estimated`` (straight line x the
workspace's circuity factor where the network cannot measure it), and the reason is given, because an
entity placed at a town or district reference point cannot honestly be said to be 500 m from a stop.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import engine
from .errors import InputError, parse_float
from .registry import PRECISION_RADIUS_M, Entity
from .workspace import ESTIMATED, NETWORK, SnappedPoint, Workspace, straight_m

#: Walking distances (m) of a stop's catchment: the common 500 m and 800 m planning radii.
DEFAULT_WALK_M = (500.0, 800.0)
MAX_WALK_M = 3000.0
MAX_WALK_BREAKS = 4

#: Precisions whose point is good enough for a walking-distance membership on the network.
WALKABLE_PRECISIONS = ("exact", "street")


def parse_walk(value, field: str = "walk_m") -> tuple[float, ...]:
    """``'500,800'`` (metres) -> ``(500.0, 800.0)``: sorted, distinct, 50–3000 m, at most 4 breaks."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_WALK_M
    parts = list(value) if isinstance(value, (list, tuple)) else [p for p in str(value).split(",") if p.strip()]
    if not parts:
        raise InputError(field, f"{field} needs at least one walking distance in metres, e.g. 500,800", "missing")
    if len(parts) > MAX_WALK_BREAKS:
        raise InputError(field, f"at most {MAX_WALK_BREAKS} walking distances, got {len(parts)}")
    return tuple(sorted({parse_float(p, field, 50, MAX_WALK_M) for p in parts}))


#: A located point that can serve entities: a route stop or a candidate stop.
Place = SnappedPoint


@dataclass
class WalkTable:
    """Walking metres from every entity to every place, with how each was obtained.

    ``walk[p, e]`` is ``inf`` beyond the bound used to build the table; ``network[p, e]`` says the
    membership is measured on the network (else ``estimated``); ``reason[e]`` says why an entity's
    memberships are estimated regardless of the place (``''`` when they need not be).
    """

    places: list[Place]
    entities: list[Entity]
    walk: np.ndarray
    network: np.ndarray
    reason: list[str] = field(default_factory=list)

    def method(self, p: int, e: int) -> str:
        return NETWORK if self.network[p, e] else ESTIMATED


def entity_reason(ws: Workspace, e: Entity) -> str:
    """Why an entity's catchment memberships are estimated, or '' when they are measured on the network."""
    if ws.network is None:
        return "no road network loaded"
    if not ws.snapping[e.id][2]:
        return f"off the network ({ws.snapping[e.id][1]:.0f} m from the nearest road node)"
    if e.precision not in WALKABLE_PRECISIONS:
        radius = PRECISION_RADIUS_M.get(e.precision)
        spread = f", ±{radius / 1000:g} km" if radius else ""
        return f"located only at {e.precision or 'unknown'} precision{spread}"
    return ""


def walk_table(ws: Workspace, places: list[Place], bound_m: float,
               entities: list[Entity] | None = None) -> WalkTable:
    """Walking distances (m) from located entities to places, ``inf`` beyond ``bound_m``.

    Parameters
    ----------
    ws
        The workspace (network, snapping, estimator).
    places
        Located stops or candidate stops.
    bound_m
        The largest walking distance of interest; longer walks are reported as ``inf``.
    entities
        Entities to consider (default: every located registry entity).
    """
    ents = [e for e in (ws.located if entities is None else entities) if e.located]
    P, E = len(places), len(ents)
    walk = np.full((P, E), np.inf)
    on_net = np.zeros((P, E), dtype=bool)
    reasons = [entity_reason(ws, e) for e in ents]
    if not P or not E:
        return WalkTable(places, ents, walk, on_net, reasons)

    snaps = [ws.snapping[e.id] for e in ents]
    e_node = np.array([s[0] for s in snaps], dtype=np.int64)
    e_snap = np.array([s[1] for s in snaps], dtype=float)
    e_on = np.array([s[2] for s in snaps], dtype=bool)
    e_precise = np.array([e.precision in WALKABLE_PRECISIONS for e in ents], dtype=bool)
    e_lon = np.array([e.lon for e in ents])
    e_lat = np.array([e.lat for e in ents])

    # Network walks: one bounded search per distinct stop node on the reverse graph (entity -> stop).
    net_places = [i for i, p in enumerate(places) if p.on_network]
    if net_places and e_on.any():
        nodes = np.array([places[i].node for i in net_places], dtype=np.int64)
        row_of: dict[int, np.ndarray] = {}
        uniq = np.unique(nodes)
        for part, rows in engine.distance_rows(ws.network.graph, uniq, limit=bound_m, reverse=True):
            for n, row in zip(part.tolist(), rows):
                row_of[int(n)] = row[e_node]
        for i in net_places:
            p = places[i]
            w = np.where(e_on, e_snap + row_of[p.node], np.inf)
            walk[i] = w
            on_net[i] = e_on & np.isfinite(row_of[p.node])
    # Estimated walks: wherever the network cannot measure the pair.
    factor = ws.estimator.factor
    for i, p in enumerate(places):
        need = ~(e_on & p.on_network)
        if need.any():
            est = straight_m(p.lon, p.lat, e_lon, e_lat) * factor
            walk[i] = np.where(need, est, walk[i])
    walk[walk > bound_m] = np.inf
    # Imprecise entities are never network members, even when their reference point snaps.
    on_net &= e_precise[None, :]
    # A stop placed at an entity serves it where it stands (a network member when the entity is precise).
    column = {e.id: j for j, e in enumerate(ents)}
    for i, p in enumerate(places):
        j = column.get(p.entity_id) if p.entity_id is not None else None
        if j is not None:
            walk[i, j] = 0.0
            on_net[i, j] |= e_precise[j]
    return WalkTable(places, ents, walk, on_net, reasons)


def place_reason(p: Place) -> str:
    return "" if p.on_network else (f"stop off the network ({p.snap_m:.0f} m from the nearest road node)"
                                    if p.snap_m == p.snap_m else "no road network loaded")


def member(table: WalkTable, p: int, e: int) -> dict:
    """One catchment membership as JSON."""
    ent = table.entities[e]
    reason = table.reason[e] or ("" if table.network[p, e] else place_reason(table.places[p]))
    return {
        "id": ent.id, "name_zh": ent.name_zh, "name_en": ent.name_en, "kind": ent.kind, "lon": ent.lon, "lat": ent.lat,
        "categories": list(ent.categories), "walk_m": round(float(table.walk[p, e]), 1),
        "distance_method": table.method(p, e), "precision": ent.precision,
        "uncertainty_m": PRECISION_RADIUS_M.get(ent.precision),
        **({"estimated_because": reason} if not table.network[p, e] else {}),
    }
