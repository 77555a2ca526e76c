"""What one process works on: the data dir's registry and network, loaded once, with entities snapped.

The CLI builds one per command and the web app one per process; analysis functions take it as their first
argument. Seeding an empty data dir from ``data/entities.csv`` happens here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import shapely

from . import coords, engine, measure, registry, studyarea, taxonomy
from .errors import InputError, parse_float
from .messages import _
from .network import DEFAULT_SNAP_LIMIT_M, Network
from .store import Store, resolve_data_dir

SEED_REGISTRY = studyarea.PROJECT_ROOT / "data" / "entities.csv"

NETWORK = measure.NETWORK
ESTIMATED = measure.ESTIMATED


@dataclass
class SnappedPoint:
    """A WGS84 point and its nearest network node; ``on_network`` (snap within the limit) decides whether
    distances from it are ``network`` or ``estimated``. Origins, route stops and candidate sites are these."""

    lon: float
    lat: float
    node: int
    snap_m: float
    on_network: bool
    entity_id: str | None = None
    precision: str = "exact"  # with district and radius_m: the point's uncertainty region (measure.of_places)
    district: str = ""
    radius_m: float | None = None

    @property
    def method(self) -> str:
        return NETWORK if self.on_network else ESTIMATED

    def point_dict(self) -> dict:
        """lon, lat, snap_m (``None`` without a network) and on_network, rounded for answers."""
        return {"lon": round(self.lon, 7), "lat": round(self.lat, 7),
                "snap_m": None if self.snap_m != self.snap_m else round(self.snap_m, 1),
                "on_network": self.on_network}


@dataclass
class Estimator:
    """Straight line x circuity factor: the ``estimated`` distance method."""

    factor: float = engine.DEFAULT_CIRCUITY
    speed_kph: float = 30.0
    calibration: dict | None = None

    def describe(self) -> dict:
        d = {"circuity_factor": self.factor, "speed_kph": self.speed_kph,
             "calibrated_on_network": bool(self.calibration and self.calibration.get("calibrated"))}
        if self.calibration:
            d["spread_p10_p90"] = [self.calibration.get("p10"), self.calibration.get("p90")]
            d["pairs"] = self.calibration.get("pairs")
        d["upper_circuity"] = measure.Circuity.of(self).upper
        return d


@dataclass
class Workspace:
    """Registry entities, the road network (or ``None``) and their snapping, for one data dir."""

    data_dir: Path
    store: Store
    entities: list[registry.Entity]
    network: Network | None
    snap_limit_m: float = DEFAULT_SNAP_LIMIT_M
    by_id: dict[str, registry.Entity] = field(init=False)
    _memo: dict = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {e.id: e for e in self.entities}

    def memo(self, key, build):
        """A value derived from the registry (e.g. a category's supplier arrays), built once per registry.

        Queries call this so that per-request work is only what depends on the request; concurrent first
        calls may both build, which is harmless.
        """
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = build()
            return value

    @classmethod
    def open(cls, data_dir=None, seed: bool = True, with_network: bool = True,
             snap_limit_m: float = DEFAULT_SNAP_LIMIT_M) -> "Workspace":
        """Open a data dir, seeding the registry on first use."""
        path = resolve_data_dir(data_dir)
        store = Store(path)
        if seed and store.is_empty() and store.get_meta("seeded") is None:
            seed_store(store)
        net = Network.try_load(path) if with_network else None
        return cls(path, store, registry.load_entities(store), net, snap_limit_m)

    def reload_entities(self) -> None:
        """Re-read the registry after an import (drops derived caches)."""
        self.entities = registry.load_entities(self.store)
        self.__post_init__()
        self._memo = {}
        for name in ("located", "snapping"):
            self.__dict__.pop(name, None)

    # -- derived, computed once ---------------------------------------------------------------------

    @cached_property
    def located(self) -> list[registry.Entity]:
        return [e for e in self.entities if e.located]

    @cached_property
    def snapping(self) -> dict[str, tuple[int, float, bool]]:
        """entity id -> (node, snap_m, on_network) for every located entity (node -1 without a network)."""
        es = self.located
        if not es:
            return {}
        if self.network is None:
            return {e.id: (-1, float("nan"), False) for e in es}
        nodes, dist = self.network.snap([e.lon for e in es], [e.lat for e in es])
        return {e.id: (int(n), float(d), bool(d <= self.snap_limit_m)) for e, n, d in zip(es, nodes, dist)}

    @cached_property
    def estimator(self) -> Estimator:
        if self.network is None:
            return Estimator()
        cal = self.network.meta.get("circuity") or {}
        return Estimator(cal.get("factor", engine.DEFAULT_CIRCUITY), cal.get("speed_kph") or 30.0, cal)

    @cached_property
    def study_area(self) -> studyarea.StudyArea | None:
        return studyarea.try_load()

    @cached_property
    def extent(self):
        """Where queries make sense: the study area grown by twice its buffer, plus the network's bbox.

        ``None`` when neither is known (then only the China check applies).
        """
        from shapely.geometry import box

        parts = []
        if self.study_area is not None:
            parts.append(self.study_area.buffered(2 * self.study_area.buffer_km))
        if self.network is not None:
            parts.append(box(*self.network.meta["bbox"]).buffer(0.1))
        if not parts:
            return None
        geom = shapely.union_all(parts)
        shapely.prepare(geom)
        return geom

    def check_point(self, lon, lat, prefix: str = "") -> tuple[float, float]:
        """Validate a WGS84 point given by a user; :class:`InputError` names the field at fault."""
        x = parse_float(lon, f"{prefix}lon", -180, 180)
        y = parse_float(lat, f"{prefix}lat")
        if abs(y) > 90:
            if coords.in_china(y, x):
                raise InputError(f"{prefix}lat", _("lon/lat look swapped: lon={x}, lat={y}",
                                                   x=format(x, 'g'), y=format(y, 'g')), "swapped")
            raise InputError(f"{prefix}lat", _("lat must be between -90 and 90, got {y}",
                                               y=format(y, 'g')), "out_of_range")
        if not coords.in_china(x, y):
            if coords.in_china(y, x):
                raise InputError(f"{prefix}lon", _("lon/lat look swapped: lon={x}, lat={y}",
                                                   x=format(x, 'g'), y=format(y, 'g')), "swapped")
            raise InputError(f"{prefix}lon", _("point lon={x}, lat={y} is outside China",
                                               x=format(x, 'g'), y=format(y, 'g')), "out_of_area")
        if self.extent is not None and not shapely.contains_xy(self.extent, x, y):
            raise InputError(f"{prefix}lon", _("point lon={x}, lat={y} is far outside the study area (吴中区 and the "
                                               "loaded road network)", x=format(x, "g"), y=format(y, "g")),
                             "out_of_area")
        return x, y

    def entity(self, entity_id: str, field: str = "entity", located: bool = False) -> registry.Entity:
        """The entity with this id; :class:`InputError` when unknown (or unlocated, when asked)."""
        e = self.by_id.get((entity_id or "").strip())
        if e is None:
            raise InputError(field, _("unknown entity id {entity_id}", entity_id=repr(entity_id)), "not_found", 404)
        if located and not e.located:
            raise InputError(field, _("entity {id} ({name_zh}) has no known location",
                                      id=repr(e.id), name_zh=e.name_zh), "unlocated", 422)
        return e

    def snap_point(self, lon: float, lat: float) -> tuple[int, float, bool]:
        """(node, snap_m, on_network) for an arbitrary WGS84 point."""
        if self.network is None:
            return -1, float("nan"), False
        n, d = self.network.snap([lon], [lat])
        return int(n[0]), float(d[0]), bool(d[0] <= self.snap_limit_m)

    def health(self) -> dict:
        return {
            "status": "ok",
            "network": self.network.summary() if self.network else None,
            "entities": len(self.entities),
            "located": len(self.located),
            "on_network": sum(1 for v in self.snapping.values() if v[2]),
            "estimator": self.estimator.describe(),
            "data_dir": str(self.data_dir),
        }

    def positions(self, entities: list[registry.Entity], key=None) -> measure.Positions:
        """The located ones of ``entities`` as :class:`measure.Positions` (regions, snapping); memoised under
        ``key`` when given (per registry)."""
        build = lambda: measure.of_entities(entities, self.snapping)  # noqa: E731
        return build() if key is None else self.memo(("positions", key), build)

    def entities_of(self, category: str | None = None, kind: str | None = None) -> list[registry.Entity]:
        """The entities of one category and/or kind, each given as id, 中文 or English name."""
        category = taxonomy.resolve(category, taxonomy.CATEGORIES) or category if category else None
        kind = taxonomy.resolve(kind, taxonomy.KINDS) or kind if kind else None
        return [e for e in self.entities
                if (category is None or category in e.categories) and (kind is None or e.kind == kind)]


def seed_store(store: Store) -> None:
    """Load the seed registry into an empty store. (Shipped routes are seeded by ``route`` on first use.)"""
    entities = registry.validate_file(SEED_REGISTRY)
    registry.store_entities(store, entities, SEED_REGISTRY.name)
    with store.transaction() as conn:
        store.set_meta(conn, "seeded", SEED_REGISTRY.name)

