"""Streaming import of OSM files (.osm.pbf, .osm, .osm.bz2, .osm.gz) with pyosmium, straight to CSR arrays.

Two passes over the file, never a networkx graph:

1. **ways**: every way with a ``highway`` tag (filtered in C++) is judged by :mod:`supplychain.roadtags`
   (osmnx's drive filter, one-way, speed); a drivable way keeps its node references and a few attributes
   (one-way, class, speed, an index into a table of names);
2. **nodes**: only the nodes those ways use are kept (an id filter and a location index, in C++).

Memory is proportional to the kept ways and their nodes, not to the file.

**Clip rule**: a way *segment* (two consecutive nodes of a way) is kept when both its nodes lie inside the
clip polygon (the study area plus its buffer by default, else ``--bbox``/``--polygon``); a way crossing the
border keeps its inside segments, and a node referenced by the file but absent from it drops its segments.

Then the graph is the one osmnx would build from the same ways (``graph_from_xml`` after the drive filter):
segments in both directions unless one-way (reversed for ``-1``), each segment's length the great-circle
distance osmnx uses (radius 6,371,009 m), parallel segments collapsed to the shortest, and only the
largest strongly connected component kept. Degree-2 chains are contracted by osmnx's rules
(:mod:`supplychain.contract`, before the component, as osmnx does): on SIP that halves the nodes and makes a
10 km query 1.6x faster; ``contract=False`` keeps every node.
"""

from __future__ import annotations

import sys
from array import array
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from . import roadtags
from .errors import NetworkError
from .messages import _, pair

#: osmnx's Earth radius for great-circle lengths (``osmnx.distance.EARTH_RADIUS_M``).
EARTH_RADIUS_M = 6_371_009.0
#: File names this reader takes.
SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".xml", ".osm.bz2", ".xml.bz2", ".osm.gz", ".xml.gz")


@dataclass
class Clip:
    """Where the network is kept: a WGS84 polygon, a bbox ``(west, south, east, north)``, or everywhere."""

    polygon: object = None
    bbox: tuple[float, float, float, float] | None = None
    label: str = "whole file"

    def inside(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        keep = np.ones(len(lon), dtype=bool)
        if self.bbox is not None:
            w, s, e, n = self.bbox
            keep &= (lon >= w) & (lon <= e) & (lat >= s) & (lat <= n)
        if self.polygon is not None:
            import shapely

            shapely.prepare(self.polygon)
            keep[keep] = shapely.contains_xy(self.polygon, lon[keep], lat[keep])
        return keep


def _bar(desc: str, unit: str):
    """A tqdm progress bar on stderr (shown only on a terminal)."""
    from tqdm import tqdm

    return tqdm(desc=desc, unit=unit, unit_scale=True, file=sys.stderr, disable=None, leave=False, mininterval=0.5)


@dataclass
class Ways:
    """Drivable ways as flat arrays: node refs of way ``i`` are ``refs[start[i]:start[i+1]]``."""

    refs: np.ndarray
    start: np.ndarray
    oneway: np.ndarray     # int8: 0 two-way, 1 forward, -1 reversed
    highway: np.ndarray    # int8 index into roadtags.HIGHWAY_CLASSES
    speed: np.ndarray      # float32 km/h
    name: np.ndarray       # int32 index into names, -1 none
    names: list[str]
    seen: int              # ways with a highway tag read


def refs_of(way) -> list[int]:
    """The node ids of a pyosmium way.

    Reads through the node list's accessor directly when this pyosmium has it (4.x: 40 % less time per
    reference than iterating ``way.nodes``), else iterates.
    """
    nodes = way.nodes
    try:
        get, data = nodes._list.get, nodes._pyosmium_data
    except AttributeError:
        return [n.ref for n in nodes]
    return [get(data, i).ref for i in range(len(nodes))]


def read_ways(path: Path, network_type: str, max_elements: int) -> Ways:
    """Pass 1: the drivable ways of the file."""
    import osmium

    refs, start = array("q"), array("q", [0])
    one, hwy, spd, nam = array("b"), array("b"), array("f"), array("i")
    names: dict[str, int] = {}
    seen = 0
    fp = osmium.FileProcessor(str(path), osmium.osm.WAY).with_filter(osmium.filter.KeyFilter("highway"))
    with _bar(_("reading ways"), "way") as bar:
        for w in fp:
            seen += 1
            if seen % 4096 == 0:
                bar.update(4096)
            tags = w.tags
            if not roadtags.drivable(tags, network_type):
                continue
            nodes = refs_of(w)
            if len(nodes) < 2:
                continue
            refs.extend(nodes)
            start.append(len(refs))
            if len(refs) > max_elements:
                from .boundedread import ENV, ImportRefused

                raise ImportRefused(*pair("{name}: drivable ways reference more than {n} nodes (--max-elements or "
                                          "{env}).", name=path.name, n=format(max_elements, ","),
                                          env=ENV["max_elements"]))
            one.append(roadtags.oneway(tags))
            hwy.append(roadtags.highway_class(roadtags.highway_value(tags)))
            spd.append(roadtags.speed_kph(tags))
            name = tags.get("name")
            nam.append(names.setdefault(name, len(names)) if name else -1)
    return Ways(np.frombuffer(refs, dtype=np.int64), np.frombuffer(start, dtype=np.int64),
                np.frombuffer(one, dtype=np.int8), np.frombuffer(hwy, dtype=np.int8),
                np.frombuffer(spd, dtype=np.float32), np.frombuffer(nam, dtype=np.int32), list(names), seen)


def _chunked(ids: np.ndarray, size: int = 1 << 20):
    """The ids as Python ints, a million at a time (a whole list would take 36 bytes per id at once)."""
    from itertools import chain

    return chain.from_iterable(ids[i:i + size].tolist() for i in range(0, len(ids), size))


def read_nodes(path: Path, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pass 2: ``(ids, lon, lat)`` of the wanted nodes present in the file, sorted by id.

    The file's nodes go through an id filter into libosmium's sparse location index (all in C++), which then
    answers for the wanted ids only: memory follows the wanted nodes, and Python never sees the others.
    """
    import osmium

    index = osmium.index.create_map("sparse_mem_array")
    wanted = osmium.filter.IdFilter(_chunked(ids))
    osmium.apply(str(path), osmium.filter.EntityFilter(osmium.osm.NODE), wanted, osmium.NodeLocationsForWays(index))
    lon, lat = np.full(len(ids), np.nan), np.full(len(ids), np.nan)
    get = index.get
    with _bar(_("reading nodes"), "node") as bar:
        for i0 in range(0, len(ids), 65536):
            part = ids[i0:i0 + 65536].tolist()
            for k, node in enumerate(part, i0):
                try:
                    loc = get(node)
                except KeyError:  # referenced by a way, absent from the file (an extract's edge)
                    continue
                lon[k], lat[k] = loc.lon, loc.lat
            bar.update(len(part))
    ok = ~np.isnan(lon)
    return ids[ok], lon[ok], lat[ok]


def great_circle_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """osmnx's great-circle distance (haversine, radius :data:`EARTH_RADIUS_M`) in metres."""
    y1, y2 = np.deg2rad(lat1), np.deg2rad(lat2)
    dy, dx = y2 - y1, np.deg2rad(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dy / 2) ** 2 + np.cos(y1) * np.cos(y2) * np.sin(dx / 2) ** 2
    return 2 * np.arcsin(np.sqrt(np.minimum(1.0, h))) * EARTH_RADIUS_M


def _segments(ways: Ways, node_ids: np.ndarray, inside: np.ndarray):
    """Directed segments ``(u, v, way)`` as indices into ``node_ids``, clipped and oriented."""
    n_ways = len(ways.start) - 1
    way_of = np.repeat(np.arange(n_ways, dtype=np.int64), np.diff(ways.start))
    pos = np.searchsorted(node_ids, ways.refs)
    pos = np.minimum(pos, max(len(node_ids) - 1, 0))
    present = (node_ids[pos] == ways.refs) if len(node_ids) else np.zeros(len(ways.refs), bool)
    ok = present & inside[pos] if len(node_ids) else present
    same_way = way_of[:-1] == way_of[1:]
    keep = same_way & ok[:-1] & ok[1:]
    a, b, w = pos[:-1][keep], pos[1:][keep], way_of[:-1][keep]
    one = ways.oneway[w]
    rev = one == -1
    a, b = np.where(rev, b, a), np.where(rev, a, b)
    two = one == 0
    u = np.concatenate([a, b[two]])
    v = np.concatenate([b, a[two]])
    return u, v, np.concatenate([w, w[two]])


def _first_of_pairs(u: np.ndarray, v: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Indices that sort by ``(u, v, key)`` and keep the first (smallest ``key``) of each ``(u, v)`` pair."""
    order = np.lexsort((key, v, u))
    su, sv = u[order], v[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (su[1:] != su[:-1]) | (sv[1:] != sv[:-1])
    return order[first]


def build_arrays(ways: Ways, node_ids, lon, lat, clip: Clip, contract: bool = True) -> dict[str, np.ndarray]:
    """The cache arrays (the same keys as :func:`supplychain.network.build_arrays`, plus edge attributes).

    With ``contract`` (the default), degree-2 chains are contracted by osmnx's rules
    (:mod:`supplychain.contract`) before the largest strongly connected component is taken, as osmnx's
    ``graph_from_xml`` does; without it, every segment stays an edge. Raises :class:`NetworkError` when no
    drivable segment lies in the clip area.
    """
    from . import contract as chains_mod

    inside = clip.inside(lon, lat)
    u, v, w = _segments(ways, node_ids, inside)
    if not (u != v).any():
        raise NetworkError(_("no drivable ways in the area"))
    n_all = len(node_ids)
    keep = chains_mod.endpoints(n_all, u, v) if contract else None
    loop = u == v
    u, v, w = u[~loop], v[~loop], w[~loop]
    length = great_circle_m(lon[u], lat[u], lon[v], lat[v])
    time = length / (ways.speed[w].astype(np.float64) / 3.6)
    # Collapse parallel segments to the shortest (scipy would add them, PITFALLS.md).
    pick = _first_of_pairs(u, v, length)
    u, v, w, length, time = u[pick], v[pick], w[pick], length[pick], time[pick]
    if contract:
        u, v, length, time, first, offsets, seq = chains_mod.chains(n_all, u, v, length, time, keep)
        w = w[first]
        pick = _first_of_pairs(u, v, length)
        pick = pick[u[pick] != v[pick]]  # a chain back to its own start: never on a shortest path
    else:
        offsets = np.arange(0, 2 * len(u) + 1, 2, dtype=np.int64)
        seq = np.column_stack([u, v]).ravel()
        pick = np.arange(len(u))
    u, v, w, length, time = u[pick], v[pick], w[pick], length[pick], time[pick]
    # Largest strongly connected component, on the nodes the edges use.
    used = np.unique(np.concatenate([u, v]))
    uu, vv = np.searchsorted(used, u), np.searchsorted(used, v)
    n = len(used)
    m = sp.csr_matrix((np.ones(len(uu), dtype=np.int8), (uu, vv)), shape=(n, n))
    _n_components, labels = connected_components(m, directed=True, connection="strong")
    keep_node = labels == np.argmax(np.bincount(labels))
    new_index = np.cumsum(keep_node) - 1
    keep_edge = keep_node[uu] & keep_node[vv]
    uu, vv = new_index[uu[keep_edge]], new_index[vv[keep_edge]]
    w, length, time, pick = w[keep_edge], length[keep_edge], time[keep_edge], pick[keep_edge]
    nodes = used[keep_node]
    n = len(nodes)
    # Sorted by (u, v) since _first_of_pairs: the CSR arrays follow directly.
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(uu, minlength=n), out=indptr[1:])
    starts, counts = offsets[pick], offsets[pick + 1] - offsets[pick]
    geom_offsets = np.zeros(len(pick) + 1, dtype=np.int64)
    np.cumsum(counts, out=geom_offsets[1:])
    at = np.repeat(starts - geom_offsets[:-1], counts) + np.arange(geom_offsets[-1])
    length = np.maximum(length, 1e-9)
    return {
        "osmid": node_ids[nodes], "lon": lon[nodes], "lat": lat[nodes],
        "indptr": indptr, "indices": vv.astype(np.int64),
        "length_m": length, "time_s": np.maximum(time, 1e-9),
        "highway": ways.highway[w].astype(np.int8),
        "oneway": (ways.oneway[w] != 0),
        "speed_kph": (length / np.maximum(time, 1e-9) * 3.6).astype(np.float32),
        "name": ways.name[w].astype(np.int32),
        **pack_names(ways.names),
        "geom_offsets": geom_offsets, "geom_lon": lon[seq[at]], "geom_lat": lat[seq[at]],
    }


def pack_bytes(blobs: list[bytes], data_key: str, offsets_key: str) -> dict[str, np.ndarray]:
    """Byte strings as one uint8 array and int64 offsets (the cache holds no pickled objects)."""
    offsets = np.zeros(len(blobs) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in blobs], out=offsets[1:])
    return {data_key: np.frombuffer(b"".join(blobs), dtype=np.uint8).copy(), offsets_key: offsets}


def pack_names(names: list[str]) -> dict[str, np.ndarray]:
    """A names table as one UTF-8 byte array and offsets (``names_utf8``, ``names_offsets``)."""
    return pack_bytes([s.encode("utf-8") for s in names], "names_utf8", "names_offsets")


def unpack_names(arrays: dict[str, np.ndarray]) -> list[str]:
    """The names table of :func:`pack_names`."""
    if "names_utf8" not in arrays:
        return []
    raw, off = arrays["names_utf8"].tobytes(), arrays["names_offsets"]
    return [raw[off[i]:off[i + 1]].decode("utf-8") for i in range(len(off) - 1)]


def read(path: str | Path, clip: Clip | None = None, network_type: str = "drive",
         max_elements: int = 20_000_000, progress=None, contract: bool = True) -> dict[str, np.ndarray]:
    """Read an OSM file into cache arrays (see the module docstring for the rules).

    Parameters
    ----------
    path
        ``.osm.pbf``, ``.osm``, ``.osm.bz2`` or ``.osm.gz``.
    clip
        Where to keep the network (default: the whole file).
    network_type
        ``"drive"`` or ``"drive_service"`` (osmnx's filters, :data:`roadtags.FILTERS`).
    max_elements
        Refuse the file when its drivable ways reference more nodes than this.
    progress
        Called with one-line messages between the steps.
    contract
        Contract degree-2 chains by osmnx's rules (default), or keep every OSM node of the kept ways.
    """
    path = Path(path)
    clip = clip or Clip()
    if network_type not in roadtags.FILTERS:
        raise NetworkError(_("unknown network type {type}: expected one of {choices}", type=repr(network_type),
                             choices=", ".join(roadtags.NETWORK_TYPES)))
    say = progress or (lambda msg: None)
    say(f"reading {path} (pyosmium, {network_type}, clip: {clip.label}) …")
    try:
        ways = read_ways(path, network_type, max_elements)
    except NetworkError:
        raise
    except RuntimeError as exc:  # libosmium's parse errors
        raise NetworkError(_("could not read {path}: {exc}", path=path, exc=exc)) from exc
    if len(ways.refs) == 0:
        raise NetworkError(_("{name} holds no road network: no drivable ways ({n} highway ways read, network type "
                             "{type})", name=path.name, n=format(ways.seen, ","), type=network_type))
    ids = np.unique(ways.refs)
    say(f"{len(ways.start) - 1:,} drivable ways of {ways.seen:,} highway ways; reading {len(ids):,} nodes …")
    try:
        node_ids, lon, lat = read_nodes(path, ids)
    except RuntimeError as exc:
        raise NetworkError(_("could not read {path}: {exc}", path=path, exc=exc)) from exc
    say(f"{len(node_ids):,} nodes located; clipping, {'contracting chains, ' if contract else ''}"
        "keeping the largest strongly connected part …")
    try:
        arrays = build_arrays(ways, node_ids, lon, lat, clip, contract)
    except NetworkError:
        raise NetworkError(_("{name} has no drivable ways inside the area ({clip}); choose another with "
                             "--bbox/--polygon, or --no-clip", name=path.name, clip=clip.label)) from None
    say(f"{len(arrays['osmid']):,} nodes, {len(arrays['indices']):,} edges in the largest strongly connected part")
    return arrays
