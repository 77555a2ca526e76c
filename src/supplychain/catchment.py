"""Walking catchments: which registry entities lie within a walking distance of bus stops, along the roads.

Walks come from the distance layer (:func:`measure.matrix`): on the network, the road path from the stop's
snapped node (where the bus stops) to the entity's node plus the entity's straight snap leg; otherwise
straight line x circuity. Each membership has a best estimate, bounds from both positions' uncertainty regions
and a verdict per walking distance: an entity is *served* only when it is ``within`` (upper bound <= the walk);
``undetermined`` ones are listed apart ("may be served"), because an entity placed at a town or district
reference point cannot honestly be said to be 500 m from a stop.
The loaded graph is a drive graph: where it has one-way streets, walking follows them too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import measure
from .errors import InputError, parse_float
from .messages import _
from .registry import Entity
from .workspace import ESTIMATED, NETWORK, SnappedPoint, Workspace

#: Walking distances (m) of a stop's catchment: the common 500 m and 800 m planning radii.
DEFAULT_WALK_M = (500.0, 800.0)
MAX_WALK_M = 3000.0
MAX_WALK_BREAKS = 4


def parse_walk(value, field: str = "walk_m") -> tuple[float, ...]:
    """``'500,800'`` (metres) -> ``(500.0, 800.0)``: sorted, distinct, 50–3000 m, at most 4 breaks."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_WALK_M
    parts = list(value) if isinstance(value, (list, tuple)) else [p for p in str(value).split(",") if p.strip()]
    if not parts:
        raise InputError(field, _("{field} needs at least one walking distance in metres, e.g. 500,800",
                                  field=field), "missing")
    if len(parts) > MAX_WALK_BREAKS:
        raise InputError(field, _("at most {MAX_WALK_BREAKS} walking distances, got {n}",
                                  MAX_WALK_BREAKS=MAX_WALK_BREAKS, n=len(parts)))
    return tuple(sorted({parse_float(p, field, 50, MAX_WALK_M) for p in parts}))


#: A located point that can serve entities: a route stop or a candidate stop.
Place = SnappedPoint


@dataclass
class WalkTable:
    """Walking metres from every place to every entity: best estimate, bounds and method per pair.

    ``walk[p, e]`` is the best estimate (NaN where two imprecise positions share a reference point), ``lo`` /
    ``hi`` the bounds, ``network[p, e]`` whether the pair is measured on the network; ``reason[e]`` says why an
    entity's memberships are uncertain or estimated regardless of the place (``''`` when they need not be).
    """

    places: list[Place]
    entities: list[Entity]
    walk: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    network: np.ndarray
    reason: list[str] = field(default_factory=list)

    def method(self, p: int, e: int) -> str:
        return NETWORK if self.network[p, e] else ESTIMATED

    def verdict(self, w: float) -> np.ndarray:
        """Per pair: 1 within ``w`` metres, 0 undetermined, -1 beyond."""
        return measure.verdict_codes(self.lo, self.hi, w)


def entity_reason(ws: Workspace, e: Entity) -> str:
    """Why an entity's memberships are uncertain or estimated, or '' when they are measured on the network."""
    if ws.network is None:
        return _("no road network loaded")
    if not ws.snapping[e.id][2]:
        return _("off the network ({m} m from the nearest road node)", m=f"{ws.snapping[e.id][1]:.0f}")
    if e.precision != "exact":
        radius = e.radius_m
        spread = f", ±{radius / 1000:g} km" if radius else ""
        return _("located only at {precision} precision{spread}", precision=e.precision or "unknown", spread=spread)
    return ""


def walk_table(ws: Workspace, places: list[Place], bound_m: float,
               entities: list[Entity] | None = None) -> WalkTable:
    """Walking distances (m) from places to located entities, with bounds (see :class:`WalkTable`).

    Parameters
    ----------
    ws
        The workspace (network, snapping, estimator).
    places
        Located stops or candidate stops, with their precision.
    bound_m
        The largest walking distance of interest (the road searches stop there).
    entities
        Entities to consider (default: every located registry entity).
    """
    ents = [e for e in (ws.located if entities is None else entities) if e.located]
    P, E = len(places), len(ents)
    reasons = [entity_reason(ws, e) for e in ents]
    if not P or not E:
        z = np.zeros((P, E))
        return WalkTable(places, ents, z + np.inf, z.copy(), z + np.inf, z.astype(bool), reasons)
    epos = ws.positions(ents) if entities is not None else ws.positions(ents, key="located")
    pairs = measure.matrix(ws, measure.of_places(places), epos, bound_m, snap_legs=True)
    shape = (P, E)
    walk, lo, hi = (getattr(pairs, k).reshape(shape).copy() for k in ("best", "lo", "hi"))
    on_net = pairs.network.reshape(shape).copy()
    # A stop placed at an entity serves it where it stands.
    column = {e.id: j for j, e in enumerate(ents)}
    for i, p in enumerate(places):
        j = column.get(p.entity_id) if p.entity_id is not None else None
        if j is not None:
            walk[i, j] = lo[i, j] = hi[i, j] = 0.0
    return WalkTable(places, ents, walk, lo, hi, on_net, reasons)


def place_reason(p: Place) -> str:
    return "" if p.on_network else (_("stop off the network ({m} m from the nearest road node)", m=f"{p.snap_m:.0f}")
                                    if p.snap_m == p.snap_m else _("no road network loaded"))


def member(table: WalkTable, p: int, e: int, w: float) -> dict:
    """One catchment membership as JSON, with its verdict against the walk ``w`` (m)."""
    ent = table.entities[e]
    reason = table.reason[e] or ("" if table.network[p, e] else place_reason(table.places[p]))
    lo, hi = float(table.lo[p, e]), float(table.hi[p, e])
    return {
        "id": ent.id, "name_zh": ent.name_zh, "name_en": ent.name_en, "kind": ent.kind, "lon": ent.lon, "lat": ent.lat,
        "categories": list(ent.categories), "walk_m": measure.rounded(table.walk[p, e]),
        "road_m": measure.rounded(table.walk[p, e]), "road_m_range": measure.range_list(lo, hi),
        "verdict": measure.verdict_name(measure.verdict_codes(np.array([lo]), np.array([hi]), w)[0]),
        "distance_method": table.method(p, e), "precision": ent.precision, "uncertainty_m": ent.radius_m,
        **({"uncertain_because": reason} if reason else {}),
    }
