"""The offline basemap: vector tiles (Mapbox Vector Tile in one PMTiles file) built from the data dir's own data.

Built when a network or places are imported (:func:`ensure`, called by ``network import`` and ``places import``,
and by the web app when it finds the basemap missing or stale), from :mod:`supplychain.basemapdata`'s layers.
Stored like the network cache, as versions of ``DATA_DIR/basemap/`` swapped in atomically
(:mod:`supplychain.versioned`)::

    basemap/current                       the live version's name
    basemap/v-…/basemap.pmtiles           the tiles (PMTiles v3, gzip-compressed MVT, z 0–MAXZOOM)
    basemap/v-…/basemap.json              TileJSON-like metadata: bounds, layers, sources, coverage, inputs

``inputs`` is the fingerprint the basemap was built from (network cache version, places, district polygon,
this module's :data:`BUILD_VERSION`): when it differs from the data dir's, the basemap is stale and rebuilt.

Tiles are clipped in Web Mercator with a buffer and quantised to :data:`EXTENT` units by ``mapbox-vector-tile``;
a tile that holds nothing but the no-data area is one shared, deduplicated tile.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import shapely

from . import basemapdata, studyarea, versioned

ROOT = "basemap"
TILES_FILE = "basemap.pmtiles"
META_FILE = "basemap.json"
#: Bump when the tiles' content or layout changes: every data dir's basemap is rebuilt on next use.
BUILD_VERSION = 3
MINZOOM = 0
#: The largest data zoom; the browser draws up to zoom 19 from it (vector tiles scale without blur).
MAXZOOM = 14
EXTENT = 4096
#: Geometry kept beyond a tile's edge (tile units) so strokes and labels do not break at the seams.
BUFFER = 64
ATTRIBUTION = "© OpenStreetMap contributors (ODbL 1.0)"
LAYER_FIELDS = {
    "roads": {"class": "String", "name": "String"},
    "water": {"kind": "String"},
    "coverage": {"kind": "String"},
    "boundaries": {"kind": "String", "name": "String"},
    "labels": {"name": "String", "kind": "String", "rank": "Number"},
}
LAYER_DESCRIPTIONS = {
    "roads": "OSM roads of the loaded network by highway class, with way names where the import kept them",
    "water": "water polygons of the network import (natural=water, waterway=riverbank, landuse=reservoir)",
    "coverage": "covered: within 400 m of a road node of the loaded network; nodata: the rest of the extent",
    "boundaries": "the 吴中 district boundary (OSM relation 4591880) and the study area (district + buffer)",
    "labels": "named places: districts, sub-districts and towns, metro stations, bus stops, communities, road names",
}
_R = 6378137.0
_HALF = math.pi * _R


# ----------------------------------------------------------------------------------------------------
# Web Mercator and tile ranges

def to_mercator(geom: shapely.Geometry) -> shapely.Geometry:
    """WGS84 -> EPSG:3857 metres (the spherical formulas, as every web map uses)."""
    def f(c: np.ndarray) -> np.ndarray:
        lat = np.clip(c[:, 1], -85.05112878, 85.05112878)
        return np.column_stack([np.radians(c[:, 0]) * _R, np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) * _R])
    return shapely.transform(geom, f)


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """A tile's (minx, miny, maxx, maxy) in EPSG:3857 (XYZ scheme: y = 0 at the north)."""
    size = 2 * _HALF / (1 << z)
    return -_HALF + x * size, _HALF - (y + 1) * size, -_HALF + (x + 1) * size, _HALF - y * size


def tile_range(bounds: tuple[float, float, float, float], z: int) -> tuple[int, int, int, int]:
    """(xmin, ymin, xmax, ymax) of the tiles at zoom ``z`` covering WGS84 ``bounds`` (west, south, east, north)."""
    w, s, e, n = bounds
    def tx(lon: float) -> int:
        return min((1 << z) - 1, max(0, int((lon + 180.0) / 360.0 * (1 << z))))
    def ty(lat: float) -> int:
        r = math.radians(max(-85.05112878, min(85.05112878, lat)))
        return min((1 << z) - 1, max(0, int((1 - math.asinh(math.tan(r)) / math.pi) / 2 * (1 << z))))
    return tx(w), ty(n), tx(e), ty(s)


# ----------------------------------------------------------------------------------------------------
# Encoding

@dataclass
class _Layer:
    """One layer at one zoom: its Mercator geometries, properties and a spatial index."""

    name: str
    geoms: np.ndarray
    props: list[dict]

    @cached_property
    def tree(self) -> shapely.STRtree:
        shapely.prepare(self.geoms)  # polygons are tested for containing whole tiles (most of the no-data area)
        return shapely.STRtree(self.geoms)


def _layers_at(layers: basemapdata.Layers, merc: dict[str, list], z: int) -> list[_Layer]:
    """The layers as drawn at zoom ``z``: features from their minzoom on, simplified to a tenth of a pixel."""
    tol = 2 * _HALF / (1 << z) / EXTENT * 2
    out = []
    for name, feats in layers.layers.items():
        keep = [i for i, f in enumerate(feats) if f.minzoom <= z]
        geoms = np.array([merc[name][i] for i in keep], dtype=object)
        if name != "labels" and len(geoms):
            geoms = shapely.simplify(geoms, tol, preserve_topology=True)
        out.append(_Layer(name, geoms, [feats[i].props for i in keep]))
    return out


def _encode(features: dict[str, list[tuple[shapely.Geometry, dict]]], bounds) -> bytes:
    """One MVT tile: the features (Mercator) scaled to tile units here, in one vectorised step per layer
    (``mapbox-vector-tile``'s own ``quantize_bounds`` goes through a Python function per coordinate)."""
    import mapbox_vector_tile

    minx, miny, maxx, maxy = bounds
    sx, sy = EXTENT / (maxx - minx), EXTENT / (maxy - miny)

    def scale(c: np.ndarray) -> np.ndarray:
        return np.column_stack([(c[:, 0] - minx) * sx, (c[:, 1] - miny) * sy])  # y up: the encoder flips it

    layers = []
    for name, feats in features.items():
        if not feats:
            continue
        geoms = shapely.transform(np.array([g for g, _ in feats], dtype=object), scale)
        layers.append({"name": name, "features": [{"geometry": g, "properties": p}
                                                  for g, (_, p) in zip(geoms, feats)]})
    return mapbox_vector_tile.encode(layers, default_options={"extents": EXTENT,
                                                              "on_invalid_geometry": _drop_invalid})


def _drop_invalid(shape):
    """``mapbox-vector-tile`` calls this for a geometry invalid after quantising: mend it or drop it."""
    return _same_dim(shapely.make_valid(shape), shape)


def _same_dim(geom: shapely.Geometry, like: shapely.Geometry) -> shapely.Geometry | None:
    """The parts of ``geom`` of ``like``'s dimension (a clip can add stray points or lines), or ``None``."""
    dim = shapely.get_dimensions(like)
    parts = [p for p in shapely.get_parts(geom) if not p.is_empty and shapely.get_dimensions(p) == dim]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return shapely.multipolygons(parts) if dim == 2 else shapely.multilinestrings(parts) if dim == 1 \
        else shapely.multipoints(parts)


def _tile_content(z: int, x: int, y: int, layers: list[_Layer]) -> tuple[dict, bool]:
    """The clipped features of one tile by layer, and whether the tile is nothing but the no-data area."""
    minx, miny, maxx, maxy = tile_bounds(z, x, y)
    pad = (maxx - minx) * BUFFER / EXTENT
    box = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    out: dict[str, list] = {}
    only_nodata = True
    for layer in layers:
        if not len(layer.geoms):
            continue
        hits = layer.tree.query(box, predicate="intersects")
        if not len(hits):
            continue
        if layer.name == "labels":  # a point belongs to the one tile it lies in
            pts = [(layer.geoms[i], layer.props[i]) for i in hits
                   if minx <= layer.geoms[i].x < maxx and miny < layer.geoms[i].y <= maxy]
            if pts:
                out["labels"] = pts
                only_nodata = False
            continue
        whole = shapely.contains(layer.geoms[hits], box)
        clipped = np.array([box] * len(hits), dtype=object)
        if not whole.all():
            clipped[~whole] = shapely.intersection(layer.geoms[hits[~whole]], box)
        # A clip can leave a collection (a line touching the edge adds a point): mend only those, vectorised test.
        mixed = (shapely.get_type_id(clipped) == 7) | shapely.is_empty(clipped)
        feats = [(_same_dim(c, layer.geoms[i]) if m else c, layer.props[i]) for c, i, m in zip(clipped, hits, mixed)]
        feats = [(g, p) for g, p in feats if g is not None]
        if not feats:
            continue
        out[layer.name] = feats
        if layer.name != "coverage" or any(p["kind"] != "nodata" or (g is not box and not g.equals(box)) for g, p in feats):
            only_nodata = False
    return out, only_nodata


def build_tiles(layers: basemapdata.Layers, maxzoom: int = MAXZOOM, progress=None) -> dict[int, bytes]:
    """Every non-empty tile from zoom :data:`MINZOOM` to ``maxzoom``: PMTiles tile id -> gzip-compressed MVT."""
    from pmtiles.tile import zxy_to_tileid

    merc = {name: [to_mercator(f.geom) for f in feats] for name, feats in layers.layers.items()}
    nodata_only = gzip.compress(_encode({"coverage": [(shapely.box(-0.01, -0.01, 1.01, 1.01),
                                                       {"kind": "nodata"})]}, (0, 0, 1, 1)), mtime=0)
    tiles: dict[int, bytes] = {}
    for z in range(MINZOOM, maxzoom + 1):
        zl = _layers_at(layers, merc, z)
        x0, y0, x1, y1 = tile_range(layers.extent, z)
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                content, only_nodata = _tile_content(z, x, y, zl)
                if not content:
                    continue
                data = nodata_only if only_nodata else gzip.compress(_encode(content, tile_bounds(z, x, y)), mtime=0)
                tiles[zxy_to_tileid(z, x, y)] = data
        if progress:
            progress(f"basemap zoom {z}: {len(tiles):,} tiles so far")
    return tiles


def write_pmtiles(path: Path, tiles: dict[int, bytes], bounds, metadata: dict, maxzoom: int) -> None:
    """Write ``tiles`` (id -> gzip MVT) as a PMTiles v3 file (identical tiles stored once)."""
    from pmtiles.tile import Compression, TileType
    from pmtiles.writer import Writer

    w, s, e, n = bounds
    with open(path, "wb") as f:
        writer = Writer(f)
        for tid in sorted(tiles):
            writer.write_tile(tid, tiles[tid])
        writer.finalize({
            "tile_type": TileType.MVT, "tile_compression": Compression.GZIP,
            "min_zoom": MINZOOM, "max_zoom": maxzoom,
            "min_lon_e7": int(w * 1e7), "min_lat_e7": int(s * 1e7),
            "max_lon_e7": int(e * 1e7), "max_lat_e7": int(n * 1e7),
            "center_zoom": 11, "center_lon_e7": int((w + e) / 2 * 1e7), "center_lat_e7": int((s + n) / 2 * 1e7),
        }, metadata)


# ----------------------------------------------------------------------------------------------------
# Inputs, building, the stored basemap

def _places_digest(places) -> str:
    h = hashlib.sha256()
    for p in sorted(places, key=lambda p: (p.kind, p.name, p.lon, p.lat)):
        h.update(f"{p.kind}|{p.name}|{p.lon:.7f}|{p.lat:.7f}\n".encode())
    return h.hexdigest()[:16]


def inputs(data_dir: Path, places) -> dict:
    """What a basemap is built from; a stored basemap with other inputs is stale."""
    from . import network

    try:
        folder = network.cache_folder(data_dir)
        net = folder.name if (folder / network.META_FILE).is_file() else None
    except Exception:  # an unreadable pointer: the network loader reports it; here it means no network
        net = None
    boundary = [studyarea.PROJECT_ROOT / p for p in studyarea.load_definition()["boundary_files"]]
    bsum = next((hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in boundary if p.is_file()), None)
    return {"build": BUILD_VERSION, "network": net, "places": _places_digest(places), "boundary": bsum}


def build(data_dir: str | Path, network, places, area, progress=None) -> Path:
    """Build the basemap of the data dir and publish it atomically; returns the new version's folder."""
    data_dir = Path(data_dir)
    layers = basemapdata.collect(network, places, area)
    tiles = build_tiles(layers, progress=progress)
    meta = {
        "name": "supplychain offline basemap",
        "format": "pbf",
        "bounds": [round(v, 6) for v in layers.extent],
        "minzoom": MINZOOM, "maxzoom": MAXZOOM,
        "attribution": ATTRIBUTION,
        "vector_layers": [{"id": k, "fields": LAYER_FIELDS[k], "description": LAYER_DESCRIPTIONS[k],
                           "minzoom": MINZOOM, "maxzoom": MAXZOOM} for k in LAYER_FIELDS],
        "sources": layers.sources,
        "counts": {k: len(v) for k, v in layers.layers.items()},
        "coverage": layers.coverage,
        "tiles_stored": len(tiles),
        "inputs": inputs(data_dir, places),
    }

    def fill(folder: Path) -> None:
        write_pmtiles(folder / TILES_FILE, tiles, layers.extent, {"vector_layers": meta["vector_layers"],
                                                                  "attribution": ATTRIBUTION}, MAXZOOM)
        (folder / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")

    return versioned.publish(data_dir / ROOT, fill)


class Basemap:
    """A stored basemap version: its metadata and its tiles, read through the PMTiles directory once."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.version = folder.name
        self.meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        self._data = (folder / TILES_FILE).read_bytes()
        self._index = _directory(self._data)

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The gzip-compressed MVT of tile z/x/y, or ``None`` when the basemap stores none there."""
        from pmtiles.tile import zxy_to_tileid

        hit = self._index.get(zxy_to_tileid(z, x, y))
        return None if hit is None else self._data[hit[0]:hit[0] + hit[1]]

    def in_range(self, z: int, x: int, y: int) -> bool:
        """Whether z/x/y is a tile of this basemap's zooms and bounds."""
        if not (self.meta["minzoom"] <= z <= self.meta["maxzoom"]):
            return False
        x0, y0, x1, y1 = tile_range(tuple(self.meta["bounds"]), z)
        return x0 <= x <= x1 and y0 <= y <= y1


def _directory(data: bytes) -> dict[int, tuple[int, int]]:
    """PMTiles tile id -> (absolute offset, length) for every tile (run lengths expanded)."""
    from pmtiles.tile import deserialize_directory, deserialize_header

    header = deserialize_header(data[:127])
    out: dict[int, tuple[int, int]] = {}

    def walk(offset: int, length: int) -> None:
        for entry in deserialize_directory(data[offset:offset + length]):  # gzip, as the writer compresses
            if entry.run_length == 0:
                walk(header["leaf_directory_offset"] + entry.offset, entry.length)
            else:
                for k in range(entry.run_length):
                    out[entry.tile_id + k] = (header["tile_data_offset"] + entry.offset, entry.length)

    walk(header["root_offset"], header["root_length"])
    return out


def current(data_dir: str | Path) -> Basemap | None:
    """The live basemap of the data dir, or ``None`` when none was built."""
    folder = versioned.current(Path(data_dir) / ROOT)
    if folder is None or not (folder / META_FILE).is_file():
        return None
    return Basemap(folder)


def ensure(data_dir: str | Path, store, network, area=None, progress=None) -> Basemap | None:
    """The live basemap, rebuilt first when missing or built from other inputs (``None`` without any data)."""
    from . import places as places_mod

    data_dir = Path(data_dir)
    area = area if area is not None else studyarea.try_load()
    if network is None and area is None:
        return None
    places_mod.ensure_gazetteer(store)  # the shipped sub-district, town and station points label every basemap
    places = places_mod.load(store)
    live = current(data_dir)
    if live is not None and live.meta.get("inputs") == inputs(data_dir, places):
        return live
    build(data_dir, network, places, area, progress)
    return current(data_dir)
