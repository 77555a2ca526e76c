"""Candidate sites and what they are measured to, in batches, for the site planner (:mod:`siting`, :mod:`siteopt`).

- :class:`Site`: a candidate (or fixed) site from user input, validated and snapped (:func:`parse_sites`).
- :class:`Targets`: located places of one kind (suppliers of a category, makers, stops…), snapped, with their
  uncertainty regions (:class:`measure.Positions`).
- :func:`within_radius`: which (site, target) pairs are surely within a radius (network and estimated apart)
  and which are undetermined.
- :func:`nearest`: per site, the nearest target, how far, and the bounds.

Every distance comes from :mod:`supplychain.measure`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from . import measure
from .errors import InputError, optional_str
from .messages import _
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
        raise InputError(field_name, _("{field_name} must be a list of {{name, lon, lat}}", field_name=field_name))
    if not raw and not allow_empty:
        raise InputError(field_name, _("no {field_name} given", field_name=field_name), "empty")
    if len(raw) > max_n:
        raise InputError(field_name, _("too many {field_name}: {n} (at most {max_n})",
                                       field_name=field_name, n=format(len(raw), ','), max_n=format(max_n, ',')),
                                       "too_many")
    points = []
    for i, item in enumerate(raw):
        where = f"{field_name}[{i}]"
        if not isinstance(item, dict):
            raise InputError(where, _("{where} must be an object {{name, lon, lat}}", where=where))
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
    """Located places of one kind (suppliers of a category, makers, stops…), snapped, with their regions."""

    ids: list[str]
    names: list[str]
    precisions: list[str]
    pos: measure.Positions
    unlocated: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def lon(self) -> np.ndarray:
        return self.pos.lon

    @property
    def lat(self) -> np.ndarray:
        return self.pos.lat

    @property
    def on(self) -> np.ndarray:
        return self.pos.on

    @classmethod
    def of_entities(cls, ws: Workspace, entities: list[Entity], snapped: bool = True) -> Targets:
        """The located ones of ``entities`` (snapped as the workspace snapped them, or here when ``snapped`` is
        false: entities outside the registry); the others listed unlocated."""
        located = [e for e in entities if e.located]
        if snapped:
            pos = ws.positions(located)
        else:
            node, snap, on = snap_points(ws, np.array([e.lon for e in located], float),
                                         np.array([e.lat for e in located], float))
            pos = measure.of_entities(located, {e.id: (n, d, o) for e, n, d, o in zip(located, node, snap, on)})
        return cls([e.id for e in located], [e.name_zh for e in located], [e.precision for e in located], pos,
                   [e.id for e in entities if not e.located])


def site_positions(sites: list[Site]) -> measure.Positions:
    return measure.of_places(sites)


@dataclass
class Within:
    """Sites x targets, 0/1 sparse: surely within (network, estimated) and undetermined."""

    network: sp.csr_matrix
    estimated: sp.csr_matrix
    undetermined: sp.csr_matrix

    @property
    def within(self) -> sp.csr_matrix:
        m = (self.network + self.estimated).tocsr()
        m.data[:] = 1
        return m


def within_radius(ws: Workspace, sites: list[Site], t: Targets, radius_m: float) -> Within:
    """Which (site, target) pairs are ``within`` the radius (upper bound <= R) and which ``undetermined``."""
    c = measure.cover(ws, site_positions(sites), t.pos, radius_m)
    return Within(c.within_network, c.within_estimated, c.undetermined)


def within_radius_many(ws: Workspace, sites: list[Site], groups: list[Targets], radius_m: float) -> list[Within]:
    """:func:`within_radius` for several target sets in one pass (their targets measured together, then split)."""
    if not groups:
        return []
    joined = measure.concat([g.pos for g in groups])
    c = measure.cover(ws, site_positions(sites), joined, radius_m)
    parts = [m.tocsc() for m in (c.within_network, c.within_estimated, c.undetermined)]
    out, start = [], 0
    for g in groups:
        cols = slice(start, start + len(g))
        out.append(Within(*(m[:, cols].tocsr() for m in parts)))
        start += len(g)
    return out


def nearest(ws: Workspace, sites: list[Site], t: Targets) -> measure.Nearest:
    """Per site: the nearest target by best estimate, its index (-1 when none), bounds and method."""
    return measure.nearest(ws, site_positions(sites), t.pos)
