"""The OSM road network: import (.osm.pbf, .osm, .osm.bz2, .graphml) or fetch through osmnx, cache as arrays, snap.

OSM files are read by the streaming reader :mod:`supplychain.osmread` (pyosmium) by default; osmnx reads them
as the reference (``engine_name="osmnx"``), reads GraphML, and does the online work (Overpass). What this module adds is
a compact cache (numpy arrays in one ``.npz`` plus ``network.json`` metadata) that loads in milliseconds,
published as a version of ``DATA_DIR/network/`` swapped in atomically (:mod:`supplychain.versioned`), input
limits checked before parsing (:mod:`supplychain.boundedread`), and a spatial index built once per loaded
network for snapping points to it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable

import numpy as np
from scipy.spatial import cKDTree

from . import boundedread, engine, roadtags, studyarea, versioned
from .boundedread import ImportRefused  # noqa: F401  (re-exported: network.ImportRefused)
from .errors import NetworkError
from .messages import _, pair

CACHE_DIR = "network"
ARRAYS_FILE = "graph.npz"
META_FILE = "network.json"

#: Off-network threshold: an entity farther than this from the nearest node uses estimated distances.
DEFAULT_SNAP_LIMIT_M = 1000.0

# Speeds and classes live with the other tag rules (re-exported here: network.DEFAULT_SPEEDS_KPH, ...).
DEFAULT_SPEEDS_KPH = roadtags.DEFAULT_SPEEDS_KPH
FALLBACK_SPEED_KPH = roadtags.FALLBACK_SPEED_KPH
HIGHWAY_CLASSES = roadtags.HIGHWAY_CLASSES

Progress = Callable[[str], None]


def _say(progress: Progress | None, msg: str) -> None:
    if progress:
        progress(msg)


# ----------------------------------------------------------------------------------------------------
# Getting an osmnx graph

#: File names read_graph accepts (compressed ones are streamed through :mod:`supplychain.boundedread`).
SUFFIXES = (".osm", ".xml", ".graphml", ".osm.bz2", ".xml.bz2", ".osm.gz", ".xml.gz", ".graphml.gz")


def read_graph(path: str | Path, progress: Progress | None = None, limits: boundedread.Limits | None = None,
               workdir: str | Path | None = None):
    """Read an OSM road network file through osmnx (.osm, .osm.bz2, .osm.gz, .xml, .graphml).

    The file first passes :func:`boundedread.plain_copy` (expansion ratio, size and element limits; refused at
    once with :class:`ImportRefused`); a compressed file is decompressed into a temporary folder in ``workdir``.
    """
    path = Path(path)
    if not path.is_file():
        raise NetworkError(_("no such file: {path}", path=path))
    name = path.name.lower()
    if name.endswith(".pbf"):
        raise NetworkError(_("the osmnx reader takes no .osm.pbf: import it with the default engine (--engine osmium)"))
    if not name.endswith(SUFFIXES):
        raise NetworkError(_("unknown network file type {name}: expected .osm, .osm.bz2, .osm.gz or .graphml",
                             name=repr(path.name)))
    _say(progress, f"reading {path} …")
    with boundedread.plain_copy(path, limits, workdir) as plain:
        import osmnx as ox  # after the limits: a refusal does not wait for osmnx to load

        try:
            if plain.name.lower().endswith(".graphml"):
                G = ox.load_graphml(plain)
            else:
                G = ox.graph_from_xml(plain, retain_all=True)
        except Exception as exc:  # osmnx/networkx raise many kinds on bad input
            raise NetworkError(_("could not read {path}: {name}: {exc}",
                                 path=path, name=type(exc).__name__, exc=exc)) from exc
    if len(G) == 0:
        raise NetworkError(_("{path} holds no road network (0 nodes)", path=path))
    return G


def fetch_graph(area: "studyarea.StudyArea", buffer_km: float | None = None, overpass_url: str | None = None,
                progress: Progress | None = None):
    """Download the drive network of the study area plus ``buffer_km`` through osmnx's Overpass support."""
    import osmnx as ox

    polygon = area.buffered(buffer_km)
    if overpass_url:
        ox.settings.overpass_url = overpass_url.rstrip("/")
    _check_reachable(ox.settings.overpass_url)
    km2 = area.boundary_m.buffer((area.buffer_km if buffer_km is None else buffer_km) * 1000).area / 1e6
    _say(progress, f"downloading the drive network for {km2:,.0f} km² from {ox.settings.overpass_url} …")
    try:
        G = ox.graph_from_polygon(polygon, network_type=area.definition.get("network_type", "drive"),
                                  retain_all=True, truncate_by_edge=True)
    except Exception as exc:  # requests/osmnx errors: no internet, refused, empty answer
        raise NetworkError(_("could not fetch the network from Overpass ({overpass_url}): {name}: {exc}",
                             overpass_url=ox.settings.overpass_url, name=type(exc).__name__, exc=exc)) from exc
    return G


def _check_reachable(url: str, timeout_s: float = 10.0) -> None:
    """Fail at once when the Overpass server cannot be reached (osmnx would wait 60 s before failing)."""
    import requests

    try:
        requests.get(url.rstrip("/") + "/status", timeout=timeout_s)
    except requests.RequestException as exc:
        raise NetworkError(_("could not fetch: Overpass at {url} is unreachable ({name}). Without internet, import a "
                             "file instead: supplychain network import PATH",
                             url=url, name=type(exc).__name__)) from None


# ----------------------------------------------------------------------------------------------------
# Building and saving the array cache

def _highway_class(value) -> int:
    hw = value[0] if isinstance(value, list) else value
    return roadtags.highway_class(str(hw or ""))


def build_arrays(G, progress: Progress | None = None) -> dict[str, np.ndarray]:
    """Turn an unprojected osmnx graph into the cache arrays.

    Keeps the largest strongly connected component, adds travel times from :data:`DEFAULT_SPEEDS_KPH`,
    keeps osmnx's metre lengths, collapses parallel edges to their minimum, and keeps each edge's drawn geometry.
    """
    import osmnx as ox

    _say(progress, f"{len(G):,} nodes, {G.number_of_edges():,} edges read; keeping the largest strongly connected component …")
    G = ox.truncate.largest_component(G, strongly=True)
    if len(G) < 2:
        raise NetworkError(_("the network has fewer than 2 connected nodes"))
    G = ox.routing.add_edge_speeds(G, hwy_speeds=DEFAULT_SPEEDS_KPH, fallback=FALLBACK_SPEED_KPH)
    G = ox.routing.add_edge_travel_times(G)
    osmids = np.fromiter(G.nodes, dtype=np.int64, count=len(G))
    index = {n: i for i, n in enumerate(osmids.tolist())}
    lon = np.array([G.nodes[n]["x"] for n in osmids.tolist()])
    lat = np.array([G.nodes[n]["y"] for n in osmids.tolist()])
    rows = []
    for a, b, d in G.edges(data=True):
        geom = d.get("geometry")
        coords = np.asarray(geom.coords) if geom is not None else np.array([[lon[index[a]], lat[index[a]]],
                                                                           [lon[index[b]], lat[index[b]]]])
        rows.append((index[a], index[b], coords, d.get("travel_time", 0.0), _highway_class(d.get("highway"))))
    u = np.array([r[0] for r in rows], dtype=np.int64)
    v = np.array([r[1] for r in rows], dtype=np.int64)
    # osmnx's great-circle edge length in metres: the same weight a networkx user would route on.
    length = np.array([d["length"] for _, _, d in G.edges(data=True)], dtype=float)
    travel = np.array([r[3] for r in rows], dtype=float)
    graph = engine.build_graph(len(osmids), u, v, length, travel)

    # Geometry and class for each CSR entry: the shortest of the parallel edges.
    best: dict[tuple[int, int], int] = {}
    for i in np.argsort(length, kind="stable")[::-1]:
        best[(int(u[i]), int(v[i]))] = int(i)
    csr = graph.length
    rows_of = np.repeat(np.arange(csr.shape[0]), np.diff(csr.indptr))
    picks = [best[(int(a), int(b))] for a, b in zip(rows_of, csr.indices)]
    geoms = [rows[i][2] for i in picks]
    offsets = np.zeros(len(geoms) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(g) for g in geoms])
    flat = np.concatenate(geoms) if geoms else np.zeros((0, 2))
    arrays = {
        "osmid": osmids, "lon": lon, "lat": lat,
        "indptr": csr.indptr.astype(np.int64), "indices": csr.indices.astype(np.int64),
        "length_m": csr.data.astype(np.float64), "time_s": graph.time.data.astype(np.float64),
        "highway": np.array([rows[i][4] for i in picks], dtype=np.int8),
        "geom_offsets": offsets, "geom_lon": flat[:, 0].copy(), "geom_lat": flat[:, 1].copy(),
    }
    add_metric(arrays)
    return arrays


def save(data_dir: str | Path, arrays: dict[str, np.ndarray], meta: dict) -> Path:
    """Publish a new cache version and swap it in atomically (see :mod:`supplychain.versioned`).

    A process killed at any instant leaves the previous network or the new one, never none. Returns the new
    version's folder.
    """
    def fill(folder: Path) -> None:
        np.savez(folder / ARRAYS_FILE, **arrays)
        (folder / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")

    return versioned.publish(Path(data_dir) / CACHE_DIR, fill, adopt=_adopt_legacy)


def _adopt_legacy(root: Path, folder: Path) -> None:
    """Keep a cache of the old unversioned layout (files directly in ``network/``) as the previous version."""
    files = [root / ARRAYS_FILE, root / META_FILE]
    if all(f.is_file() for f in files):
        folder.mkdir()
        for f in files:
            os.replace(f, folder / f.name)
    else:  # what a kill in the middle of an earlier adoption left: half a cache, never read again
        for f in files:
            f.unlink(missing_ok=True)


def cache_folder(data_dir: str | Path) -> Path:
    """The folder holding the live cache files: the current version, else an old unversioned cache."""
    root = Path(data_dir) / CACHE_DIR
    try:
        live = versioned.current(root)
    except ValueError as exc:
        raise NetworkError(str(exc)) from None
    return live if live is not None else root


def add_metric(arrays: dict[str, np.ndarray]) -> str:
    """Add node positions in metres (``x``, ``y``) in the network's own CRS and return that CRS.

    The CRS follows the data (:func:`studyarea.metric_crs_for`: the UTM zone of the network's centre, or the
    study area's pinned one when it suits), so an extract outside Suzhou is measured in its own zone.
    """
    crs = studyarea.metric_crs_for(arrays["lon"], arrays["lat"])
    x, y = studyarea.to_metric_in(crs, arrays["lon"], arrays["lat"])
    arrays["x"], arrays["y"] = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return crs


def calibrate(arrays: dict[str, np.ndarray]) -> dict:
    """The circuity calibration of a network; a median below 1 (roads shorter than straight lines) is an error."""
    graph = engine.from_csr_arrays(len(arrays["osmid"]), arrays["indptr"], arrays["indices"],
                                   arrays["length_m"], arrays["time_s"])
    cal = engine.calibrate_circuity(graph, arrays["x"], arrays["y"])
    if cal.get("calibrated") and cal["factor"] < 1:
        raise NetworkError(_("the circuity calibrates to {factor} < 1 (roads shorter than straight lines): the metric "
                             "CRS or the edge lengths are wrong; the stored network is kept", factor=cal["factor"]))
    return cal


def _meta(arrays: dict[str, np.ndarray], source: str, method: str, crs: str | None = None,
          reader: str = "osmnx") -> dict:
    """The ``network.json`` of a cache; ``crs`` is the one :func:`add_metric` used (default: chosen again)."""
    crs = crs or studyarea.metric_crs_for(arrays["lon"], arrays["lat"])
    meta = {
        "circuity": calibrate(arrays),
        "source": source,
        "method": method,
        "reader": reader,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "nodes": int(len(arrays["osmid"])),
        "edges": int(len(arrays["indices"])),
        "bbox": [float(arrays["lon"].min()), float(arrays["lat"].min()),
                 float(arrays["lon"].max()), float(arrays["lat"].max())],
        "crs": crs,
        "speeds_kph": DEFAULT_SPEEDS_KPH,
        "fallback_speed_kph": FALLBACK_SPEED_KPH,
        "attribution": "© OpenStreetMap contributors (ODbL 1.0)",
    }
    if reader == "osmnx":
        import osmnx as ox

        meta["osmnx"] = ox.__version__
    else:
        import osmium

        meta["pyosmium"] = getattr(osmium, "__version__", None) or _dist_version("osmium")
    return meta


def _dist_version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def check_size(arrays: dict[str, np.ndarray], limits: boundedread.Limits, source: str) -> None:
    """Refuse a network too small to replace the stored one (e.g. what a decompression bomb parses to)."""
    n, m = len(arrays["osmid"]), len(arrays["indices"])
    if n < limits.min_nodes or m == 0:
        raise ImportRefused(*pair(
            "{source} gives a network of {n} nodes and {m} edges (at least {min} nodes needed, --min-nodes or "
            "{env}); the stored network is kept.", source=source, n=n, m=m, min=limits.min_nodes,
            env=boundedread.ENV["min_nodes"]))


#: Readers of ``network import``: ``osmium`` (streaming, the default for OSM files) and ``osmnx`` (the reference).
ENGINES = ("osmium", "osmnx")


def import_file(data_dir: str | Path, path: str | Path, progress: Progress | None = None,
                limits: boundedread.Limits | None = None, engine_name: str = "osmium",
                clip: "osmread.Clip | None" = None, network_type: str | None = None,
                contract: bool = True) -> "Network":
    """Import a network file into the data dir's cache and return the loaded network.

    Parameters
    ----------
    engine_name
        ``"osmium"`` (default): the streaming reader (:mod:`supplychain.osmread`) for ``.osm.pbf``, ``.osm``,
        ``.osm.bz2``, ``.osm.gz``; ``"osmnx"``: ``osmnx.graph_from_xml`` and the simplified graph (the reference;
        no clipping, no tag filter). GraphML files always go through osmnx.
    clip
        Where the streaming reader keeps the network (default: the whole file; the CLI passes the study area).
    network_type
        ``drive`` or ``drive_service`` for the streaming reader (default: ``geo/studyarea.json``'s, ``drive``).
    contract
        The streaming reader contracts degree-2 chains as osmnx does (default); ``False`` keeps every node.

    Anything refused or failing on the way leaves the stored network untouched.
    """
    limits = limits or boundedread.Limits.from_env()
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    path = Path(path)
    if engine_name not in ENGINES:
        raise NetworkError(_("unknown import engine {engine}: expected one of {choices}", engine=repr(engine_name),
                             choices=", ".join(ENGINES)))
    if engine_name == "osmnx" or path.name.lower().endswith((".graphml", ".graphml.gz")):
        G = read_graph(path, progress, limits, workdir=data_dir)
        arrays = build_arrays(G, progress)
        reader = "osmnx"
    else:
        network_type = network_type or default_network_type()
        boundedread.remove_stale(Path(data_dir))  # copies left by killed imports of the osmnx reader
        arrays = read_streaming(path, progress, limits, clip, network_type, contract)
        add_metric(arrays)
        reader = "osmium"
    check_size(arrays, limits, path.name)
    crs = studyarea.metric_crs_for(arrays["lon"], arrays["lat"])
    _say(progress, f"calibrating circuity in {crs} …")
    meta = _meta(arrays, f"file:{path.resolve()}", "import", crs, reader)
    if reader == "osmium":
        meta.update(network_type=network_type, clip=(clip.label if clip else "whole file"),
                    contracted=contract, way_names=int(len(arrays["names_offsets"]) - 1),
                    water_polygons=int(len(arrays["water_offsets"]) - 1))
    save(data_dir, arrays, meta)
    return Network.load(data_dir)


def default_network_type() -> str:
    """The study area's ``network_type`` (``geo/studyarea.json``), ``drive`` when it names none."""
    return studyarea.load_definition().get("network_type", "drive")


def read_streaming(path: Path, progress: Progress | None, limits: boundedread.Limits,
                   clip: "osmread.Clip | None", network_type: str | None,
                   contract: bool = True) -> dict[str, np.ndarray]:
    """Check an OSM file against the limits, then read its roads (:func:`osmread.read`) and water areas."""
    from . import osmread, water

    if not path.is_file():
        raise NetworkError(_("no such file: {path}", path=path))
    name = path.name.lower()
    if not name.endswith(osmread.SUFFIXES):
        raise NetworkError(_("unknown network file type {name}: expected .osm.pbf, .osm, .osm.bz2, .osm.gz or "
                             ".graphml", name=repr(path.name)))
    if name.endswith(".pbf"):
        # PBF blocks are compressed one by one (at most 32 MiB each, libosmium's limit); the file size and
        # the node references of the drivable ways are what bound the work.
        if path.stat().st_size > limits.max_bytes:
            raise boundedread.ImportRefused(*pair("{name} is larger than {n} bytes (--max-bytes or {env}).",
                                                  name=path.name, n=format(limits.max_bytes, ","),
                                                  env=boundedread.ENV["max_bytes"]))
    else:
        _say(progress, f"checking {path.name} against the input limits …")
        boundedread.scan(path, None, limits)  # streams once: ratio, size, elements, no XML entities
    network_type = network_type or default_network_type()
    arrays = osmread.read(path, clip, network_type, limits.max_elements, progress, contract)
    try:
        polygons = water.read_water(path, clip)
    except RuntimeError as exc:  # libosmium's parse errors
        raise NetworkError(_("could not read the water areas of {path}: {exc}", path=path, exc=exc)) from exc
    arrays.update(water.pack(polygons))
    _say(progress, f"{len(polygons):,} water polygons in the area")
    return arrays


def fetch(data_dir: str | Path, area: "studyarea.StudyArea", buffer_km: float | None = None,
          overpass_url: str | None = None, progress: Progress | None = None) -> "Network":
    """Fetch the study area's network through Overpass into the cache and return it."""
    import osmnx as ox

    ox.settings.cache_folder = str(Path(data_dir) / "osmnx-http-cache")  # not the current directory
    G = fetch_graph(area, buffer_km, overpass_url, progress)
    arrays = build_arrays(G, progress)
    check_size(arrays, boundedread.Limits.from_env(), "the Overpass answer")
    km = area.buffer_km if buffer_km is None else buffer_km
    meta = _meta(arrays, f"overpass:{area.definition.get('id', 'studyarea')}+{km:g}km", "fetch")
    meta["boundary_source"] = area.boundary_source
    save(data_dir, arrays, meta)
    return Network.load(data_dir)


# ----------------------------------------------------------------------------------------------------
# The loaded network

@dataclass
class Network:
    """A loaded road network: arrays, the engine graph, and a spatial index for snapping."""

    arrays: dict[str, np.ndarray]
    meta: dict
    graph: engine.RoadGraph = field(repr=False)

    @classmethod
    def load(cls, data_dir: str | Path) -> "Network":
        for attempt in range(3):  # a version can be cleaned away between reading the pointer and its files
            folder = cache_folder(data_dir)
            try:
                meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
                with np.load(folder / ARRAYS_FILE) as npz:
                    arrays = {k: npz[k] for k in npz.files}
                break
            except FileNotFoundError:
                if folder == cache_folder(data_dir):
                    raise NetworkError(_("no network in {data_dir}: run `supplychain network import PATH` or `network "
                                         "fetch`",
                                         data_dir=data_dir)) from None
            except (OSError, ValueError, KeyError) as exc:
                raise NetworkError(_("the network cache in {folder} is unreadable ({exc}); import it again",
                                     folder=folder, exc=exc)) from exc
        else:
            raise NetworkError(_("the network cache in {data_dir} kept changing while being read; try again",
                                 data_dir=data_dir))
        n = len(arrays["osmid"])
        graph = engine.from_csr_arrays(n, arrays["indptr"], arrays["indices"], arrays["length_m"], arrays["time_s"])
        return cls(arrays, meta, graph)

    @classmethod
    def try_load(cls, data_dir: str | Path) -> "Network | None":
        try:
            return cls.load(data_dir)
        except NetworkError:
            return None

    @property
    def n_nodes(self) -> int:
        return len(self.arrays["osmid"])

    @property
    def n_edges(self) -> int:
        return len(self.arrays["indices"])

    @cached_property
    def tree(self) -> cKDTree:
        """Spatial index over node positions (metres), built once per loaded network."""
        return cKDTree(np.column_stack([self.arrays["x"], self.arrays["y"]]))

    def snap(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        """Nearest node index and straight-line snap distance (m) for WGS84 points (arrays)."""
        x, y = self.to_metric(np.atleast_1d(np.asarray(lon, float)), np.atleast_1d(np.asarray(lat, float)))
        dist, idx = self.tree.query(np.column_stack([x, y]))
        return idx.astype(np.int64), dist

    @property
    def crs(self) -> str:
        """The metric CRS of this network's ``x``/``y`` (its own UTM zone; EPSG:32651 for Suzhou)."""
        return self.meta.get("crs") or studyarea.METRIC_CRS

    def to_metric(self, lon, lat):
        """WGS84 lon/lat -> x/y metres in this network's CRS (where its geometry is measured)."""
        return studyarea.to_metric_in(self.crs, lon, lat)

    @cached_property
    def names(self) -> list[str]:
        """The way-names table; an edge's name is ``names[arrays["name"][e]]`` (``-1``: unnamed)."""
        from .osmread import unpack_names

        return unpack_names(self.arrays)

    @cached_property
    def water(self) -> list:
        """Water polygons (shapely, WGS84) in the network's area, from the import (empty when none or osmnx)."""
        from .water import unpack

        return unpack(self.arrays)

    def edge_name(self, e: int) -> str | None:
        """The way name of CSR edge ``e``, or ``None`` (caches without names give ``None``)."""
        if "name" not in self.arrays:
            return None
        i = int(self.arrays["name"][e])
        return self.names[i] if i >= 0 else None

    def node_lonlat(self, nodes) -> np.ndarray:
        nodes = np.asarray(nodes, dtype=np.int64)
        return np.column_stack([self.arrays["lon"][nodes], self.arrays["lat"][nodes]])

    def summary(self) -> dict:
        """The ``network`` object of ``/api/health``."""
        m = self.meta
        return {"source": m["source"], "nodes": m["nodes"], "edges": m["edges"], "bbox": m["bbox"],
                "created": m.get("created"), "method": m.get("method")}

    def edge_index(self, a: int, b: int) -> int:
        """CSR position of edge a->b (raises KeyError when absent)."""
        start, end = self.arrays["indptr"][a], self.arrays["indptr"][a + 1]
        hit = np.flatnonzero(self.arrays["indices"][start:end] == b)
        if not len(hit):
            raise KeyError((a, b))
        return int(start + hit[0])

    def path_coords(self, path: list[int]) -> list[list[float]]:
        """Drawn [lon, lat] coordinates of a node path, following each edge's geometry."""
        if not path:
            return []
        if len(path) == 1:
            return [self.node_lonlat([path[0]])[0].tolist()]
        off, glon, glat = self.arrays["geom_offsets"], self.arrays["geom_lon"], self.arrays["geom_lat"]
        out: list[list[float]] = []
        for a, b in zip(path[:-1], path[1:]):
            e = self.edge_index(a, b)
            seg = np.column_stack([glon[off[e]:off[e + 1]], glat[off[e]:off[e + 1]]])
            out.extend(seg[1:].tolist() if out else seg.tolist())
        return [[round(c[0], 6), round(c[1], 6)] for c in out]

    def road_lines(self, decimals: int = 5) -> dict:
        """The network as a GeoJSON MultiLineString per highway class, each two-way road drawn once."""
        a = self.arrays
        rows = np.repeat(np.arange(self.n_nodes), np.diff(a["indptr"]))
        cols = a["indices"]
        # Draw a->b, and b->a only when a->b does not exist (one-way roads).
        pairs = set(zip(rows.tolist(), cols.tolist()))
        feats = []
        for cls_i, cls_name in enumerate(HIGHWAY_CLASSES):
            lines = []
            for e in np.flatnonzero(a["highway"] == cls_i):
                r, c = int(rows[e]), int(cols[e])
                if r > c and (c, r) in pairs:
                    continue
                s, t = a["geom_offsets"][e], a["geom_offsets"][e + 1]
                lines.append(np.round(np.column_stack([a["geom_lon"][s:t], a["geom_lat"][s:t]]), decimals).tolist())
            if lines:
                feats.append({"type": "Feature", "properties": {"highway": cls_name},
                              "geometry": {"type": "MultiLineString", "coordinates": lines}})
        return {"type": "FeatureCollection", "features": feats}
