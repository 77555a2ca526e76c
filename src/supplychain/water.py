"""Water polygons from an OSM file (pyosmium), for site grids and the basemap: where land is not.

Collected: closed ways and ``type=multipolygon`` relations tagged ``natural=water``, ``waterway=riverbank``
or ``landuse=reservoir`` (太湖 is a multipolygon relation of ``natural=water``). Three streaming passes:
relations (their member way ids), ways (closed water ways and the members), then only the nodes those ways
use (the same id filter and location index as the road reader). A relation's outer member ways are joined
into rings (``shapely.polygonize``), its inner rings cut out. Polygons are clipped to the import's area.
"""

from __future__ import annotations

from array import array
from pathlib import Path

import numpy as np

WATER_TAGS = (("natural", "water"), ("waterway", "riverbank"), ("landuse", "reservoir"))


def is_water(tags) -> bool:
    """Whether an element's tags mark it as a water area."""
    return any(tags.get(k) == v for k, v in WATER_TAGS)


def read_water(path: str | Path, clip=None) -> list:
    """Water polygons (shapely, WGS84) of the file, clipped to ``clip`` (an :class:`osmread.Clip`)."""
    import osmium
    import shapely

    from .osmread import read_nodes, refs_of

    path = str(path)
    members: dict[int, list[tuple[int, str]]] = {}
    for r in osmium.FileProcessor(path, osmium.osm.RELATION).with_filter(osmium.filter.KeyFilter("natural", "waterway", "landuse")):
        if r.tags.get("type") == "multipolygon" and is_water(r.tags):
            members[r.id] = [(m.ref, m.role) for m in r.members if m.type == "w"]
    wanted = {ref for ms in members.values() for ref, _ in ms}
    way_refs: dict[int, list[int]] = {}
    closed: list[int] = []
    tagged = osmium.FileProcessor(path, osmium.osm.WAY).with_filter(
        osmium.filter.KeyFilter("natural", "waterway", "landuse"))
    for w in tagged:
        refs = refs_of(w)
        if is_water(w.tags) and len(refs) >= 4 and refs[0] == refs[-1]:
            way_refs[w.id] = refs
            closed.append(w.id)
        elif w.id in wanted:
            way_refs[w.id] = refs
    missing = wanted - set(way_refs)
    if missing:  # untagged member ways of the relations
        for w in osmium.FileProcessor(path, osmium.osm.WAY).with_filter(osmium.filter.IdFilter(missing)):
            way_refs[w.id] = refs_of(w)
    if not way_refs:
        return []
    ids = np.unique(np.frombuffer(array("q", (r for refs in way_refs.values() for r in refs)), dtype=np.int64))
    node_ids, lon, lat = read_nodes(Path(path), ids)
    pos = {int(i): (x, y) for i, x, y in zip(node_ids.tolist(), lon.tolist(), lat.tolist())}

    def coords(way_id):
        pts = [pos[r] for r in way_refs.get(way_id, ()) if r in pos]
        return pts if len(pts) >= 2 else None

    polygons = []
    for wid in closed:
        pts = coords(wid)
        if pts and len(pts) >= 4:
            polygons.append(shapely.make_valid(shapely.Polygon(pts)))
    for ms in members.values():
        rings = {}
        for role in ("outer", "inner"):
            lines = [shapely.LineString(c) for c in (coords(ref) for ref, r in ms if (r or "outer") == role) if c]
            rings[role] = shapely.union_all(shapely.get_parts(shapely.polygonize(lines))) if lines else None
        if rings["outer"] is not None and not rings["outer"].is_empty:
            poly = rings["outer"] if rings["inner"] is None else rings["outer"].difference(rings["inner"])
            polygons.append(poly)
    area = None if clip is None else _clip_geometry(clip)
    out = []
    for poly in polygons:
        if area is not None:
            poly = poly.intersection(area)
        if not poly.is_empty and poly.area > 0:
            out.append(poly)
    return out


def _clip_geometry(clip):
    import shapely

    geom = clip.polygon
    if clip.bbox is not None:
        box = shapely.box(*clip.bbox)
        geom = box if geom is None else geom.intersection(box)
    return geom


def pack(polygons: list) -> dict[str, np.ndarray]:
    """Polygons as WKB bytes and offsets for the cache (``water_wkb``, ``water_offsets``)."""
    import shapely

    from .osmread import pack_bytes

    return pack_bytes([shapely.to_wkb(p) for p in polygons], "water_wkb", "water_offsets")


def unpack(arrays: dict[str, np.ndarray]) -> list:
    """The polygons of :func:`pack` (empty for caches without water)."""
    import shapely

    if "water_wkb" not in arrays:
        return []
    raw, off = arrays["water_wkb"].tobytes(), arrays["water_offsets"]
    return [shapely.from_wkb(raw[off[i]:off[i + 1]]) for i in range(len(off) - 1)]
