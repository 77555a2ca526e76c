"""What the offline basemap draws, gathered from the data the product already has (WGS84, no tiling here).

Layers (the ``vector_layers`` of the basemap's TileJSON):

- ``roads``: the loaded network's edges, each two-way road once, merged per (class, name) into longer lines so
  that a name can run along them; ``class`` is the OSM highway class, ``name`` the way name where the import
  kept one (``Network.edge_name``).
- ``water``: the water polygons of the import (``Network.water``).
- ``coverage``: ``kind=covered`` where the network has data (within :data:`COVER_M` of a road node) and
  ``kind=nodata`` for the rest of the basemap's extent, which the map hatches: there the basemap knows nothing.
- ``boundaries``: the 吴中 district polygon (``geo/districts.geojson``'s source, the study area's OSM boundary)
  as a line, ``kind=district``, and the study area (district + buffer) as ``kind=studyarea``.
- ``labels``: named points from the places table (gazetteer, imported label files): ``kind`` is the place kind
  (``district``, ``subdistrict``, ``town``, ``station``, ``bus_stop``, ``community``, ``road``, ``poi``,
  ``place``). Road-name points are kept only inside the covered area, where their road is drawn: outside it a
  name without its road says nothing (and an OSM way's bounding-box centre need not lie on the way).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import shapely

from . import roadtags, studyarea

#: A place within this distance of a road node counts as covered by the network's data (metres).
COVER_M = 400.0

#: The smallest zoom each road class is drawn at (Leaflet display zoom = data zoom + 1).
ROAD_MINZOOM = {"motorway": 6, "trunk": 6, "primary": 8, "secondary": 9, "tertiary": 10, "unclassified": 11,
                "residential": 11, "service": 12, "other": 12}

#: The smallest zoom each label kind is kept at (data zoom), and its rank (lower wins a collision).
LABEL_MINZOOM = {"district": 6, "subdistrict": 9, "town": 9, "station": 11, "place": 11, "community": 12,
                 "road": 12, "poi": 13, "bus_stop": 14}
LABEL_RANK = {"district": 0, "subdistrict": 1, "town": 1, "station": 2, "place": 3, "road": 4, "community": 5,
              "poi": 6, "bus_stop": 7}

#: Two labels of the same name and kind closer than this are one label (the same place from two files); an
#: area (district, sub-district, town) is labelled once whatever two files say of its reference point.
SAME_LABEL_M = 300.0
SAME_AREA_LABEL_M = 30000.0

#: Names that say nothing on a map: bare numbers or codes, building blocks ("1栋", "5号楼", "A座").
_NOISE = re.compile(r"^[0-9A-Za-z#\-\s]*(栋|幢|号楼|座|号)?$")


@dataclass
class Feature:
    """One WGS84 geometry of a layer with its properties and the smallest zoom it is drawn at."""

    geom: shapely.Geometry
    props: dict
    minzoom: int = 0


@dataclass
class Layers:
    """The basemap's content by layer, plus the extent and what each layer was made from."""

    layers: dict[str, list[Feature]]
    extent: tuple[float, float, float, float]  # west, south, east, north
    covered: shapely.Geometry
    nodata: shapely.Geometry
    sources: dict[str, str] = field(default_factory=dict)
    coverage: dict = field(default_factory=dict)


def _road_features(network) -> list[Feature]:
    """Network edges merged per (class, name), each two-way road once."""
    a = network.arrays
    rows = np.repeat(np.arange(network.n_nodes), np.diff(a["indptr"]))
    cols = a["indices"]
    pairs = set(zip(rows.tolist(), cols.tolist()))
    names = a.get("name")
    table = network.names if names is not None else []
    groups: dict[tuple[int, int], list] = {}
    off, glon, glat = a["geom_offsets"], a["geom_lon"], a["geom_lat"]
    for e in range(len(cols)):
        r, c = int(rows[e]), int(cols[e])
        if r > c and (c, r) in pairs:
            continue
        key = (int(a["highway"][e]), int(names[e]) if names is not None else -1)
        coords = np.column_stack([glon[off[e]:off[e + 1]], glat[off[e]:off[e + 1]]])
        if len(coords) >= 2:
            groups.setdefault(key, []).append(coords)
    out = []
    for (cls_i, name_i), lines in groups.items():
        merged = shapely.line_merge(shapely.MultiLineString([shapely.LineString(c) for c in lines]))
        cls = roadtags.HIGHWAY_CLASSES[cls_i] if 0 <= cls_i < len(roadtags.HIGHWAY_CLASSES) else "other"
        props = {"class": cls}
        if name_i >= 0:
            props["name"] = table[name_i]
        for part in shapely.get_parts(merged):
            out.append(Feature(part, dict(props), ROAD_MINZOOM.get(cls, 12)))
    return out


def coverage_polygon(network) -> shapely.Geometry:
    """Where the network has data: within :data:`COVER_M` of a road node (WGS84)."""
    x, y = network.arrays["x"], network.arrays["y"]
    discs = shapely.buffer(shapely.points(np.column_stack([x, y])), COVER_M, quad_segs=4)
    grown = shapely.union_all(discs).simplify(50.0)
    return studyarea.geom_to_lonlat_in(network.crs, grown)


def _dedupe(labels: list[Feature]) -> list[Feature]:
    """One label per (kind, name) within :data:`SAME_LABEL_M` (the first one kept)."""
    if not labels:
        return []
    xs, ys = studyarea.to_metric(np.array([f.geom.x for f in labels]), np.array([f.geom.y for f in labels]))
    kept: list[Feature] = []
    seen: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for f, x, y in zip(labels, np.asarray(xs), np.asarray(ys)):
        near = seen.setdefault((f.props["kind"], f.props["name"]), [])
        limit = SAME_AREA_LABEL_M if f.props["kind"] in ("district", "subdistrict", "town") else SAME_LABEL_M
        if any((x - px) ** 2 + (y - py) ** 2 < limit ** 2 for px, py in near):
            continue
        near.append((x, y))
        kept.append(f)
    return kept


def _label_features(places, covered: shapely.Geometry, extent_box: shapely.Geometry) -> list[Feature]:
    shapely.prepare(covered)
    shapely.prepare(extent_box)
    out = []
    for p in sorted(places, key=lambda p: LABEL_RANK.get(p.kind, 9)):
        if p.kind not in LABEL_MINZOOM or _NOISE.match(p.name):
            continue
        pt = shapely.Point(p.lon, p.lat)
        if not extent_box.contains(pt) or (p.kind == "road" and not covered.contains(pt)):
            continue
        out.append(Feature(pt, {"name": p.name, "kind": p.kind, "rank": LABEL_RANK[p.kind]},
                           LABEL_MINZOOM[p.kind]))
    return _dedupe(out)


def extent_of(network, area) -> tuple[float, float, float, float]:
    """The basemap's extent: the network's bounding box, with the study area (district + buffer) when the two
    overlap. A network elsewhere (a test extract of Oakland) gets its own extent, not one spanning an ocean."""
    boxes = []
    if network is not None:
        boxes.append(tuple(network.meta["bbox"]))
    if area is not None:
        studied = area.buffered().bounds
        if not boxes or shapely.box(*boxes[0]).intersects(shapely.box(*studied)):
            boxes.append(studied)
    if not boxes:
        raise ValueError("a basemap needs a network or a study area")
    b = np.array(boxes)
    return float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())


def _area_km2(geom: shapely.Geometry) -> float:
    return float(studyarea.geom_to_metric(geom).area / 1e6) if not geom.is_empty else 0.0


def collect(network, places, area) -> Layers:
    """Every layer of the basemap from the loaded ``network`` (or ``None``), ``places`` and the study ``area``."""
    extent = extent_of(network, area)
    box = shapely.box(*extent)
    covered = coverage_polygon(network) if network is not None else shapely.Polygon()
    nodata = box.difference(covered)
    layers: dict[str, list[Feature]] = {"roads": [], "water": [], "coverage": [], "boundaries": [], "labels": []}
    sources = {"labels": "places table: geo/gazetteer.csv and imported place files (supplychain places import)"}
    if network is not None:
        layers["roads"] = _road_features(network)
        layers["water"] = [Feature(w, {"kind": "water"}, 0) for w in network.water if not w.is_empty]
        src = network.meta.get("source", "")
        src = src.rsplit("/", 1)[-1] if src.startswith("file:") else src  # the file by name, no local paths
        sources.update(roads=f"road network {src}", water=f"water polygons of {src} (network import)")
        layers["coverage"].append(Feature(covered, {"kind": "covered"}, 0))
    if not nodata.is_empty:
        layers["coverage"].append(Feature(nodata, {"kind": "nodata"}, 0))
    if area is not None and box.intersects(area.boundary):
        layers["boundaries"] = [Feature(area.boundary.boundary, {"kind": "district", "name": "吴中区"}, 0),
                                Feature(area.buffered().boundary, {"kind": "studyarea"}, 0)]
        sources["boundaries"] = f"{area.boundary_source.rsplit('/', 1)[-1]} (OSM relation 4591880) and its " \
                                f"{area.buffer_km:g} km buffer"
    layers["labels"] = _label_features(places, covered, box)
    district = area.boundary if area is not None else shapely.Polygon()
    district_km2 = _area_km2(district)
    covered_in_district = _area_km2(district.intersection(covered)) if area is not None else 0.0
    coverage = {
        "covered_km2": round(_area_km2(covered), 1),
        "extent_km2": round(_area_km2(box), 1),
        "district_km2": round(district_km2, 1),
        "district_covered_km2": round(covered_in_district, 1),
        "district_covered_share": round(covered_in_district / district_km2, 4) if district_km2 else None,
        "rule": f"covered = within {COVER_M:g} m of a node of the loaded road network",
    }
    return Layers(layers, extent, covered, nodata, sources, coverage)
