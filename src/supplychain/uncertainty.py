"""Uncertainty regions: where an entity may really be, from its precision.

- ``exact``: the point itself.
- ``street``: a disc of :data:`STREET_RADIUS_M` (a registry row may give its own ``uncertainty_m``).
- ``town``: a disc whose radius comes with the reference point (the row's ``uncertainty_m``, e.g. 东山镇's
  published extent ±6 km), else :data:`TOWN_RADIUS_M`.
- ``district``: the district's polygon where ``geo/districts.geojson`` has it (吴中区, derived from OSM so that
  it contains the OSM boundary), else a disc of :data:`DISTRICT_RADIUS_M`.

Regions are held in the metric CRS. :mod:`supplychain.measure` turns them into distance bounds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape

from . import studyarea

POINT, DISC, POLYGON = "point", "disc", "polygon"

STREET_RADIUS_M = 300.0
#: A 镇/街道 of 吴中 spans about 10 km (胥口 ±5 km and 东山 ±6 km in the published extents).
TOWN_RADIUS_M = 5000.0
#: Used only for a district without a polygon in ``geo/districts.geojson``.
DISTRICT_RADIUS_M = 10000.0

DEFAULT_RADIUS_M = {"exact": 0.0, "street": STREET_RADIUS_M, "town": TOWN_RADIUS_M, "district": DISTRICT_RADIUS_M}
DISTRICTS_FILE = studyarea.GEO_DIR / "districts.geojson"


@dataclass(frozen=True)
class District:
    """A district polygon in metres, with the vertices of its convex hull (the farthest point of a polygon
    from anywhere is one of them)."""

    name_zh: str
    name_en: str
    polygon_m: shapely.Geometry
    hull_xy: np.ndarray
    source: str


@lru_cache(maxsize=4)
def districts(path: str | None = None) -> tuple[District, ...]:
    """The district polygons the project ships (empty when the file is missing)."""
    p = Path(path) if path else DISTRICTS_FILE
    if not p.is_file():
        return ()
    data = json.loads(p.read_text(encoding="utf-8"))
    out = []
    for f in data.get("features", []):
        geom = studyarea.geom_to_metric(shape(f["geometry"]))
        shapely.prepare(geom)
        props = f.get("properties", {})
        hull = np.asarray(shapely.get_coordinates(geom.convex_hull), float)
        src = f"OSM {props.get('osm_type', '')} {props.get('osm_id', '')}, {p.name} (© OpenStreetMap contributors)"
        out.append(District(props.get("name_zh", ""), props.get("name_en", ""), geom, hull, src.strip()))
    return tuple(out)


def district_index(name: str, x: float, y: float) -> int:
    """Index into :func:`districts` of the polygon for an entity of district ``name`` at metric (x, y), or -1.

    The name must match and the point must lie inside (a reference point outside its polygon would make the
    region a lie about where the point is)."""
    name = (name or "").strip()
    if not name:
        return -1
    for i, d in enumerate(districts()):
        if name in (d.name_zh, d.name_en) and shapely.contains_xy(d.polygon_m, x, y):
            return i
    return -1


@dataclass(frozen=True)
class Region:
    """One entity's uncertainty region: a point, a disc (``radius_m``) or a district polygon (``district``)."""

    kind: str
    radius_m: float = 0.0
    district: int = -1
    extent_m: float = 0.0  # farthest distance from the entity's point to its region
    source: str = ""

    def describe(self) -> dict:
        d = {"kind": self.kind, "extent_m": round(self.extent_m, 1)}
        if self.kind == DISC:
            d["radius_m"] = self.radius_m
        if self.kind == POLYGON:
            dist = districts()[self.district]
            d.update(district_zh=dist.name_zh, district_en=dist.name_en)
        if self.source:
            d["source"] = self.source
        return d


def region_for(precision: str, x: float, y: float, district: str = "", radius_m: float | None = None) -> Region:
    """The region of a point at metric (x, y) with this precision (``radius_m`` overrides a disc's default)."""
    precision = (precision or "").strip()
    if precision == "exact" and not radius_m:
        return Region(POINT)
    if precision == "district" and radius_m is None:
        i = district_index(district, x, y)
        if i >= 0:
            d = districts()[i]
            extent = float(np.hypot(d.hull_xy[:, 0] - x, d.hull_xy[:, 1] - y).max())
            return Region(POLYGON, district=i, extent_m=extent, source=d.source)
    r = float(radius_m) if radius_m is not None else DEFAULT_RADIUS_M.get(precision, DISTRICT_RADIUS_M)
    why = ("registry uncertainty_m" if radius_m is not None
           else f"default for {precision or 'unknown'} precision" + (" (no polygon for this district)"
                                                                   if precision == "district" else ""))
    return Region(DISC if r > 0 else POINT, radius_m=r, extent_m=r, source=why)
