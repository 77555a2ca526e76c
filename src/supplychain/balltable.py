"""Bounded per-source distance tables: every node's road distance and drive time *to* each source within a radius.

For a fixed set of source nodes (the snapped suppliers), a query from any node ("which suppliers are within
10 km of here", "is some reducer supplier within 10 km of this maker") becomes a lookup instead of a road
search. The table holds, for each source ``s``, its *reverse ball*: every node ``v`` with
``dist(v -> s) <= radius[s]`` (the graph is directed: one-ways), with the road metres and the drive time along
the reverse shortest-distance tree of ``s`` — the same shortest path a forward search from ``v`` finds, so the
time is the time of the same route (exactly, unless two different routes tie to the last bit).

Stored as CSR by node: the entries of node ``v`` are ``indptr[v]:indptr[v+1]`` of ``source`` (index into
``sources``), ``length`` and ``time``. The searches are :mod:`supplychain.engine`'s (scipy's Dijkstra over the
reversed graph); this module only keeps their answers. Tables are cached on the graph they were built on
(:class:`engine.RoadGraph`), keyed by the sources and radii: a new network is a new graph, a registry change
that moves, adds or removes a supplier is a new key; a change that leaves the suppliers alone reuses the table.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from dataclasses import dataclass

import numpy as np

from . import engine
from .errors import parse_float

#: The balls' base radius: the sourcing radius (the bounds' widening is added by :mod:`supplychain.measure`).
DEFAULT_RADIUS_KM = 10.0
#: Memory budget of one table (entries x 20 bytes); above it the table is smaller or not built.
DEFAULT_MAX_MIB = 512.0
RADIUS_ENV = "SUPPLYCHAIN_TABLE_RADIUS_KM"  # 0 turns the tables off (every query searches)
MAX_MIB_ENV = "SUPPLYCHAIN_TABLE_MAX_MIB"
#: Bytes per table entry: source index (int32), metres and seconds (float64 each).
ENTRY_BYTES = 4 + 8 + 8
#: Tables kept per graph (the current registry's, and one more while a new one is built).
KEEP = 2

_lock = threading.Lock()


class TooLarge(Exception):
    """The table would exceed its memory budget."""


@dataclass
class BallTable:
    """Reverse balls of ``sources`` indexed by node (see the module docstring)."""

    sources: np.ndarray   # distinct source nodes (int64)
    radius: np.ndarray    # per source: the ball's radius in metres (every node within it is stored)
    indptr: np.ndarray    # n + 1 offsets into the entry arrays (int64)
    source: np.ndarray    # per entry: index into ``sources`` (int32)
    length: np.ndarray    # per entry: metres from the node to the source (float64)
    time: np.ndarray      # per entry: seconds along the source's reverse shortest-distance tree (float64)
    slot: np.ndarray      # per graph node: its index in ``sources``, -1 when it is not a source (int32)
    build_s: float = 0.0

    @property
    def entries(self) -> int:
        return int(len(self.source))

    @property
    def nbytes(self) -> int:
        return int(sum(a.nbytes for a in (self.sources, self.radius, self.indptr, self.source, self.length,
                                          self.time, self.slot)))

    def describe(self) -> dict:
        """Size and cost of the table, for ``network info`` and ``/api/health``."""
        return {"sources": int(len(self.sources)), "entries": self.entries, "bytes": self.nbytes,
                "mib": round(self.nbytes / 2**20, 2),
                "radius_m": [round(float(self.radius.min()), 1), round(float(self.radius.max()), 1)]
                if len(self.radius) else None,
                "build_s": round(self.build_s, 3)}

    def slots(self, nodes: np.ndarray) -> np.ndarray:
        """Index into ``sources`` of each node (-1 where a node is not a source)."""
        return self.slot[np.asarray(nodes, np.int64)]

    def row(self, node: int) -> tuple[np.ndarray, np.ndarray]:
        """Metres and seconds from ``node`` to every source, dense over ``sources`` (``inf``/``nan`` where the
        node lies outside the source's ball)."""
        a, b = int(self.indptr[node]), int(self.indptr[node + 1])
        length = np.full(len(self.sources), np.inf)
        secs = np.full(len(self.sources), np.nan)
        src = self.source[a:b]
        length[src] = self.length[a:b]
        secs[src] = self.time[a:b]
        return length, secs

    def rows(self, nodes: np.ndarray) -> np.ndarray:
        """Metres from each of ``nodes`` to every source: (len(nodes), len(sources)), ``inf`` outside a ball."""
        nodes = np.asarray(nodes, np.int64)
        out = np.full((len(nodes), len(self.sources)), np.inf)
        if not len(nodes):
            return out
        start, stop = self.indptr[nodes], self.indptr[nodes + 1]
        count = stop - start
        row = np.repeat(np.arange(len(nodes)), count)
        pos = np.arange(int(count.sum())) + np.repeat(start - (np.cumsum(count) - count), count)
        out[row, self.source[pos]] = self.length[pos]
        return out


    def roads_from(self, node: int, targets: np.ndarray, limit: float):
        """Per target node: metres and seconds from ``node`` (``inf``/``nan`` beyond ``limit`` or outside the
        target's ball) and the ball's radius; ``None`` when a target is not a source of this table."""
        slots = self.slots(targets)
        if (slots < 0).any():
            return None
        length, secs = self.row(node)
        d, t = length[slots], secs[slots]
        beyond = d > limit  # a search's limit is inclusive: it reports roads <= limit
        d[beyond], t[beyond] = np.inf, np.nan
        return d, t, self.radius[slots]

    def rows_to(self, sources: np.ndarray, targets: np.ndarray, limit: float) -> np.ndarray | None:
        """Metres from each of ``sources`` to each of ``targets`` (``inf`` beyond ``limit``), as a search up to
        ``limit`` gives them; ``None`` unless every target is a source whose ball reaches ``limit``."""
        slots = self.slots(targets)
        if not len(slots) or (slots < 0).any() or self.radius[slots].min() < limit:
            return None
        rows = self.rows(sources)[:, slots]
        rows[rows > limit] = np.inf
        return rows


class NearestLookup:
    """The nearest source of a group for many nodes at once (the sourcing check's multi-source search), from a
    table: the nodes' rows to every source are gathered once, on first use, then reduced per group."""

    def __init__(self, table: BallTable | None, nodes: np.ndarray):
        self.table, self.nodes, self._rows = table, np.asarray(nodes, np.int64), None

    def nearest(self, sources: np.ndarray, limit: float):
        """Per node: metres to the nearest of ``sources`` within ``limit`` and that source's node (``inf``/-1
        where none); ``None`` when the table does not hold every source or its balls stop short of ``limit``."""
        if self.table is None:
            return None
        slots = self.table.slots(sources)
        if not len(slots) or (slots < 0).any() or self.table.radius[slots].min() < limit:
            return None
        if self._rows is None:
            self._rows = self.table.rows(self.nodes)
        sub = self._rows[:, slots]
        j = sub.argmin(axis=1)
        road = sub[np.arange(len(sub)), j]
        found = road <= limit
        return np.where(found, road, np.inf), np.where(found, np.asarray(sources, np.int64)[j], -1)


def build(graph: engine.RoadGraph, sources: np.ndarray, radius: np.ndarray,
          max_bytes: float = np.inf) -> BallTable:
    """One bounded reverse search per source (distances and the tree), then the entries sorted by node.

    Raises :class:`TooLarge` as soon as the entries exceed ``max_bytes``. Memory while building: one dense
    row of n floats and one predecessor row per source at a time, plus the entries.
    """
    t0 = time.perf_counter()
    sources = np.asarray(sources, np.int64)
    radius = np.broadcast_to(np.asarray(radius, float), sources.shape).copy()
    nodes, lengths, secs, owners = [], [], [], []
    total = 0
    for k, (s, r) in enumerate(zip(sources.tolist(), radius.tolist())):
        dist, pred = engine.distances_with_predecessors(graph, s, limit=r, reverse=True)
        reached = np.flatnonzero(np.isfinite(dist))
        total += len(reached)
        if total * ENTRY_BYTES > max_bytes:
            raise TooLarge(f"{total:,} entries after {k + 1} of {len(sources)} sources")
        nodes.append(reached.astype(np.int32))
        lengths.append(dist[reached])
        secs.append(engine.cost_along_tree(graph, pred, reached, metric="time", reverse=True, closed=True))
        owners.append(np.full(len(reached), k, np.int32))
    node = np.concatenate(nodes) if nodes else np.zeros(0, np.int32)
    order = np.argsort(node, kind="stable")  # by node; within a node by source, as appended
    indptr = np.zeros(graph.n + 1, np.int64)
    np.cumsum(np.bincount(node, minlength=graph.n), out=indptr[1:])
    slot = np.full(graph.n, -1, np.int32)
    slot[sources] = np.arange(len(sources), dtype=np.int32)
    cat = (lambda parts, dt: np.concatenate(parts)[order] if parts else np.zeros(0, dt))  # noqa: E731
    return BallTable(sources, radius, indptr, cat(owners, np.int32), cat(lengths, float), cat(secs, float),
                     slot, time.perf_counter() - t0)


def settings() -> tuple[float, float]:
    """(base radius in metres, memory budget in bytes), from the environment or the defaults."""
    raw_r = os.environ.get(RADIUS_ENV, "")
    raw_m = os.environ.get(MAX_MIB_ENV, "")
    radius_km = parse_float(raw_r, RADIUS_ENV, 0.0, 200.0) if raw_r.strip() else DEFAULT_RADIUS_KM
    max_mib = parse_float(raw_m, MAX_MIB_ENV, 0.0, 1e6) if raw_m.strip() else DEFAULT_MAX_MIB
    return radius_km * 1000.0, max_mib * 2**20


def _key(sources: np.ndarray, radius: np.ndarray, max_bytes: float) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(np.asarray(sources, np.int64).tobytes())
    h.update(np.asarray(radius, float).tobytes())
    h.update(repr(max_bytes).encode())
    return h.hexdigest()


def cached(graph: engine.RoadGraph, sources: np.ndarray, radius: np.ndarray, max_bytes: float = np.inf):
    """The table of these sources and radii on this graph, built on first use and kept on the graph.

    Returns the table, or the :class:`TooLarge` refusal (also cached, so a too-large table is not retried on
    every query). One build at a time per process: a concurrent first query waits for it.
    """
    key = _key(sources, radius, max_bytes)
    store = graph.tables
    hit = store.get(key)
    if hit is not None:
        return hit
    with _lock:
        hit = store.get(key)
        if hit is None:
            try:
                hit = build(graph, sources, radius, max_bytes)
            except TooLarge as exc:
                hit = exc
            while len(store) >= KEEP:
                store.pop(next(iter(store)))
            store[key] = hit
    return hit


def for_nodes(graph: engine.RoadGraph, nodes: np.ndarray, extents: np.ndarray, upper: float,
              base_m: float | None = None) -> BallTable | None:
    """The table of these target nodes with region ``extents`` (metres): each ball reaches ``base_m`` (default
    :func:`settings`) + ``upper`` x the largest extent, so that every bound the distance layer widens by the
    regions is covered. When that table exceeds the memory budget, each ball reaches ``base_m`` + ``upper`` x
    the largest extent at its own node instead (queries that need more search); ``None`` when that is too large
    too, when tables are off (base 0) or there are no targets."""
    default_base, max_bytes = settings()
    base = default_base if base_m is None else float(base_m)
    if base <= 0 or not len(nodes):
        return None
    uniq, at = np.unique(np.asarray(nodes, np.int64), return_inverse=True)
    own = np.zeros(len(uniq))
    np.maximum.at(own, at, np.asarray(extents, float))
    for radius in (np.full(len(uniq), base + upper * own.max()), base + upper * own):
        table = cached(graph, uniq, radius, max_bytes)
        if isinstance(table, BallTable):
            return table
    return None
