"""Bounded shortest paths over a road graph held as CSR arrays. The only module that knows CSR.

Everything here is a pure function over numpy/scipy arrays, built on ``scipy.sparse.csgraph.dijkstra``
(C code; within 1.2–1.5x of a hand-written C Dijkstra on this machine, see PITFALLS.md). No networkx.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Iterator

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from .messages import _

#: Sources per dijkstra call: each source returns a dense row of N floats, so chunk to bound memory.
CHUNK = 100


@dataclass
class RoadGraph:
    """A directed road graph: one CSR matrix per metric, the same sparsity pattern for both.

    ``length`` holds metres and ``time`` seconds; ``*_rev`` are the transposes, for "distance *to*" queries.
    """

    length: sp.csr_matrix
    time: sp.csr_matrix
    length_rev: sp.csr_matrix
    time_rev: sp.csr_matrix

    @property
    def n(self) -> int:
        return self.length.shape[0]

    @cached_property
    def edge_keys(self) -> np.ndarray:
        """Sorted ``row * n + col`` key of every CSR entry, to find edges by endpoints."""
        m = self.length
        m.sort_indices()
        self.time.sort_indices()
        rows = np.repeat(np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr))
        return rows * m.shape[0] + m.indices.astype(np.int64)

    def matrix(self, metric: str = "length", reverse: bool = False) -> sp.csr_matrix:
        if metric == "length":
            return self.length_rev if reverse else self.length
        if metric == "time":
            return self.time_rev if reverse else self.time
        raise ValueError(_("unknown metric {metric}; expected 'length' or 'time'", metric=repr(metric)))


def collapse_parallel(u: np.ndarray, v: np.ndarray, *weights: np.ndarray) -> tuple[np.ndarray, ...]:
    """Drop self-loops and keep, per (u, v) pair, the minimum of each weight.

    ``scipy.sparse`` *adds* duplicate entries, so parallel edges must be collapsed first (PITFALLS.md).
    """
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    keep = u != v
    u, v = u[keep], v[keep]
    weights = tuple(np.asarray(w, dtype=np.float64)[keep] for w in weights)
    order = np.lexsort((v, u))
    u, v = u[order], v[order]
    weights = tuple(w[order] for w in weights)
    new_pair = np.ones(len(u), dtype=bool)
    new_pair[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    starts = np.flatnonzero(new_pair)
    out = [u[starts], v[starts]]
    for w in weights:
        out.append(np.minimum.reduceat(w, starts) if len(starts) else w[:0])
    return tuple(out)


def build_graph(n: int, u: np.ndarray, v: np.ndarray, length_m: np.ndarray, time_s: np.ndarray) -> RoadGraph:
    """Build a :class:`RoadGraph` from edge arrays (parallel edges and self-loops are handled here)."""
    u, v, length_m, time_s = collapse_parallel(u, v, length_m, time_s)
    # Zero-length edges would vanish from a sparse matrix; keep them as a tiny positive length.
    length_m = np.maximum(length_m, 1e-9)
    time_s = np.maximum(time_s, 1e-9)
    length = sp.csr_matrix((length_m, (u, v)), shape=(n, n))
    time = sp.csr_matrix((time_s, (u, v)), shape=(n, n))
    return RoadGraph(length, time, length.T.tocsr(), time.T.tocsr())


def from_csr_arrays(n: int, indptr, indices, length_m, time_s) -> RoadGraph:
    """Rebuild a :class:`RoadGraph` from cached CSR arrays (already collapsed)."""
    length = sp.csr_matrix((length_m, indices, indptr), shape=(n, n))
    time = sp.csr_matrix((time_s, indices, indptr), shape=(n, n))
    return RoadGraph(length, time, length.T.tocsr(), time.T.tocsr())


def distances(graph: RoadGraph, source: int, limit: float = np.inf, metric: str = "length",
              reverse: bool = False) -> np.ndarray:
    """Shortest distances from one node to all nodes; ``inf`` beyond ``limit``."""
    return dijkstra(graph.matrix(metric, reverse), directed=True, indices=int(source), limit=limit)


def distances_with_predecessors(graph: RoadGraph, source: int, limit: float = np.inf,
                                metric: str = "length") -> tuple[np.ndarray, np.ndarray]:
    """Distances and the shortest-path tree (predecessor per node, -9999 where none)."""
    return dijkstra(graph.matrix(metric), directed=True, indices=int(source), limit=limit,
                    return_predecessors=True)


def distance_rows(graph: RoadGraph, sources: np.ndarray, limit: float = np.inf, metric: str = "length",
                  reverse: bool = False, chunk: int = CHUNK) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(sources_chunk, rows)`` with one dense distance row per source, in chunks."""
    sources = np.asarray(sources, dtype=np.int64)
    m = graph.matrix(metric, reverse)
    for i in range(0, len(sources), chunk):
        part = sources[i:i + chunk]
        yield part, np.atleast_2d(dijkstra(m, directed=True, indices=part, limit=limit))


def nearest_source(graph: RoadGraph, sources: np.ndarray, limit: float = np.inf, metric: str = "length",
                   reverse: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Multi-source Dijkstra: for every node, the distance to its nearest source and which source.

    With ``reverse=True`` the distance is measured *from the node to* the source (use it to ask "how far is
    the nearest supplier from each maker" in one pass over the graph).

    Returns
    -------
    dist : ndarray of float, shape (n,)
    source : ndarray of int, shape (n,); the node index of the nearest source, -9999 where unreachable.
    """
    sources = np.unique(np.asarray(sources, dtype=np.int64))
    if len(sources) == 0:
        return np.full(graph.n, np.inf), np.full(graph.n, -9999, dtype=np.int64)
    dist, _, src = dijkstra(graph.matrix(metric, reverse), directed=True, indices=sources, limit=limit,
                            min_only=True, return_predecessors=True)
    return dist, src


def path_from_tree(predecessors: np.ndarray, source: int, target: int) -> list[int]:
    """Node sequence source..target read off a predecessor array; empty when unreachable."""
    if source == target:
        return [int(source)]
    if predecessors[target] < 0:
        return []
    path = [int(target)]
    node = int(target)
    while node != source:
        node = int(predecessors[node])
        if node < 0:
            return []
        path.append(node)
    return path[::-1]


def shortest_path(graph: RoadGraph, source: int, target: int, metric: str = "length") -> tuple[float, list[int]]:
    """Length and node sequence of the shortest path; ``(inf, [])`` when unreachable."""
    dist, pred = distances_with_predecessors(graph, source, metric=metric)
    return float(dist[target]), path_from_tree(pred, int(source), int(target))


def path_cost(graph: RoadGraph, path: list[int], metric: str = "length") -> float:
    """Sum of edge weights along a node path (for the time of a length-shortest path)."""
    if len(path) < 2:
        return 0.0
    m = graph.matrix(metric)
    a = np.asarray(path[:-1])
    b = np.asarray(path[1:])
    return float(np.asarray(m[a, b]).sum())


def edge_positions(graph: RoadGraph, tails: np.ndarray, heads: np.ndarray) -> np.ndarray:
    """CSR positions of edges tails[i] -> heads[i] (vectorised; every edge must exist)."""
    keys = graph.edge_keys
    return np.searchsorted(keys, np.asarray(tails, np.int64) * graph.n + np.asarray(heads, np.int64))


def row_scan_positions(m: sp.csr_matrix, tails: np.ndarray, heads: np.ndarray) -> np.ndarray:
    """CSR positions of edges tails[i] -> heads[i], found by scanning each tail's row.

    Every edge must exist (tree edges of a search always do): the scan does not stop at a row's end.

    Faster than :func:`edge_positions` for a few thousand edges: road nodes have a handful of out-edges,
    so a few vectorised passes replace a binary search over all edges (cache misses on large graphs).
    """
    heads = np.asarray(heads, dtype=np.int64)
    pos = m.indptr[np.asarray(tails, dtype=np.int64)].astype(np.int64)
    todo = np.flatnonzero(m.indices[pos] != heads)
    while len(todo):  # at most (out-degree - 1) passes; the edge exists, so the scan stops inside the row
        pos[todo] += 1
        todo = todo[m.indices[pos[todo]] != heads[todo]]
    return pos


#: Tree levels climbed per round in :func:`tree_ancestors`: fewer rounds, so fewer numpy calls per level.
ANCESTOR_JUMP = 8


def tree_ancestors(predecessors: np.ndarray, nodes: np.ndarray, jump: int = ANCESTOR_JUMP) -> np.ndarray:
    """``nodes`` and every node on their tree paths to the root, each once.

    All paths are climbed together, ``jump`` levels per round; a round continues only from the top nodes
    not seen before it (a node seen earlier already has its path to the root covered). Work is about the
    size of the answer plus a few numpy calls per level, with no O(n) pass: a 10 km tree on 130k nodes is
    over 100 levels deep, so per-level call overhead is what counts.
    """
    pred = np.asarray(predecessors)
    seen = np.zeros(len(pred), dtype=bool)
    slot = np.empty(len(pred), dtype=np.int64)  # scratch: de-duplicates without sorting

    def distinct(a: np.ndarray) -> np.ndarray:
        if len(a) > 1:
            order = np.arange(len(a))
            slot[a] = order
            a = a[slot[a] == order]  # the last write into a slot wins: one copy per node
        return a

    frontier = distinct(np.asarray(nodes, dtype=np.int64))
    seen[frontier] = True
    parts = [frontier]
    while len(frontier):
        steps = []
        top = frontier
        for _step in range(jump):
            top = pred[top]
            top = top[top >= 0]  # a path that reached the root ends here
            if not len(top):
                break
            steps.append(top)
        if not steps:
            break
        top = distinct(top[~seen[top]])  # before marking this round's nodes seen
        found = np.concatenate(steps)
        found = distinct(found[~seen[found]])
        seen[found] = True
        parts.append(found)
        frontier = top
    return np.concatenate(parts)


def cost_along_tree(graph: RoadGraph, predecessors: np.ndarray, nodes: np.ndarray, metric: str = "time") -> np.ndarray:
    """Cost in ``metric`` of the tree path from the root to each of ``nodes``.

    Used to report the drive time of the *shortest-distance* route found by a length search, so that the
    time shown belongs to the path drawn. Only the tree paths to ``nodes`` are visited, not the whole reached
    tree (which is most of the graph's work on a large network): collect their nodes
    (:func:`tree_ancestors`), then pointer jumping over them, O(m log depth) for m path nodes. The root and
    unreached nodes cost 0; pass reached nodes.
    """
    nodes = np.asarray(nodes, dtype=np.int64)
    if len(nodes) == 0:
        return np.zeros(0)
    pred = np.asarray(predecessors)
    members = tree_ancestors(pred, nodes)
    local = np.empty(len(pred), dtype=np.int64)  # read only at members, which are all written
    local[members] = np.arange(len(members))
    up = pred[members]
    has_parent = up >= 0
    own = np.arange(len(members))
    parent = own.copy()
    parent[has_parent] = local[up[has_parent]]
    cost = np.zeros(len(members))
    if has_parent.any():
        m = graph.matrix(metric)
        cost[has_parent] = m.data[row_scan_positions(m, up[has_parent], members[has_parent])]
    # After each round a node's cost covers twice as many tree edges above it, up to its current parent.
    while True:
        cost = cost + np.where(parent != own, cost[parent], 0.0)
        grand = parent[parent]
        if np.array_equal(grand, parent):
            break
        parent = grand
    return cost[local[nodes]]


def pairs_within(graph: RoadGraph, sources: np.ndarray, targets: np.ndarray, limit: float,
                 metric: str = "length", max_cells: int = 4_000_000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (source, target) pair within ``limit`` along the road, source -> target.

    The batch form of "which suppliers are within 10 km of each maker": one bounded Dijkstra per distinct
    node of the *smaller* side. When there are fewer distinct targets than sources, it searches from the
    targets over the reversed graph (distance *to* a target), which gives the same source -> target
    distances. Rows are computed in chunks of at most ``max_cells`` floats to bound memory. When only
    whether a pair is within reach matters, :func:`node_pairs_within` is cheaper for many pairs.

    Parameters
    ----------
    sources, targets
        Node indices (repeats allowed: several entities snapped to one node).
    limit
        Inclusive bound on the distance, in the metric's unit.

    Returns
    -------
    source_pos, target_pos : ndarray of int
        Positions into ``sources`` and ``targets`` of each pair found, sorted by source then target.
    dist : ndarray of float
        The pair's shortest distance (<= ``limit``).
    """
    sources = np.asarray(sources, dtype=np.int64)
    targets = np.asarray(targets, dtype=np.int64)
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    if len(sources) == 0 or len(targets) == 0:
        return empty
    src_nodes, src_of = np.unique(sources, return_inverse=True)
    tgt_nodes, tgt_of = np.unique(targets, return_inverse=True)
    reverse = len(tgt_nodes) < len(src_nodes)
    search, other = (tgt_nodes, src_nodes) if reverse else (src_nodes, tgt_nodes)
    chunk = int(max(1, min(len(search), max_cells // max(graph.n, 1))))
    rows_i, cols_i, dists = [], [], []
    m = graph.matrix(metric, reverse)
    for start in range(0, len(search), chunk):
        part = search[start:start + chunk]
        sub = np.atleast_2d(dijkstra(m, directed=True, indices=part, limit=limit))[:, other]
        r, c = np.nonzero(sub <= limit)
        rows_i.append(r + start)
        cols_i.append(c)
        dists.append(sub[r, c])
    r, c, d = np.concatenate(rows_i), np.concatenate(cols_i), np.concatenate(dists)
    s_node, t_node = (c, r) if reverse else (r, c)  # positions into src_nodes / tgt_nodes
    # Expand distinct nodes back to the positions that share them (several entities on one node).
    s_order, s_start, s_count = _groups(src_of, len(src_nodes))
    t_order, t_start, t_count = _groups(tgt_of, len(tgt_nodes))
    block = s_count[s_node] * t_count[t_node]
    pair = np.repeat(np.arange(len(d)), block)
    k = np.arange(len(pair)) - np.repeat(np.cumsum(block) - block, block)
    width = t_count[t_node][pair]
    s_pos = s_order[s_start[s_node][pair] + k // width]
    t_pos = t_order[t_start[t_node][pair] + k % width]
    dist = d[pair]
    order = np.lexsort((t_pos, s_pos))
    return s_pos[order], t_pos[order], dist[order]


def node_pairs_within(graph: RoadGraph, sources: np.ndarray, targets: np.ndarray, limit: float,
                      metric: str = "length") -> sp.csr_matrix:
    """0/1 sparse matrix, ``sources`` x ``targets``: which pairs lie within ``limit`` along the road, source -> target.

    The same bounded searches as :func:`pairs_within` (from the smaller side, over the reversed graph when
    there are fewer targets), but each row is thresholded straight into a sparse matrix: no distances kept,
    no per-pair arrays to expand and sort.

    Which to use: :func:`pairs_within` when the distances are wanted or several entities share a node (it
    expands nodes back to entities); this one when only *whether* a pair is within reach matters and the
    pairs are many, e.g. site coverage (10,000 candidates x 1,000 makers), where expanding and sorting the
    pairs cost more than the searches. Callers map their entities onto the distinct nodes themselves.

    Parameters
    ----------
    sources, targets
        *Distinct* node indices (``np.unique`` them first).
    limit
        Inclusive bound on the distance, in the metric's unit.
    """
    sources = np.asarray(sources, dtype=np.int64)
    targets = np.asarray(targets, dtype=np.int64)
    if len(sources) == 0 or len(targets) == 0:
        return sp.csr_matrix((len(sources), len(targets)), dtype=np.int8)
    reverse = len(targets) < len(sources)
    search, other = (targets, sources) if reverse else (sources, targets)
    blocks = [sp.csr_matrix(rows[:, other] <= limit, dtype=np.int8)
              for _, rows in distance_rows(graph, search, limit=limit, metric=metric, reverse=reverse)]
    m = sp.vstack(blocks, format="csr")
    return m.T.tocsr() if reverse else m


def _groups(labels: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions sorted by label, and each label's start and count in that order."""
    order = np.argsort(labels, kind="stable")
    count = np.bincount(labels, minlength=n_groups)
    start = np.cumsum(count) - count
    return order, start, count


#: Circuity used when no network is loaded (a common planning default for urban road networks).
DEFAULT_CIRCUITY = 1.3


def calibrate_circuity(graph: RoadGraph, x: np.ndarray, y: np.ndarray, n_sources: int = 40,
                       targets_per_source: int = 25, min_straight_m: float = 500.0,
                       max_straight_m: float = 15000.0, seed: int = 0) -> dict:
    """Ratio of road distance to straight-line distance over random node pairs of this network.

    Returns the median ratio as ``factor`` (used for estimated distances), its 10th/90th percentiles as the
    spread, the drive speed implied by the same pairs, and the number of pairs.
    """
    rng = np.random.default_rng(seed)
    sources = rng.choice(graph.n, size=min(n_sources, graph.n), replace=False)
    ratios, speeds = [], []
    for part, rows in distance_rows(graph, sources):
        trows = np.atleast_2d(dijkstra(graph.time, directed=True, indices=part))
        for s, row, trow in zip(part, rows, trows):
            targets = rng.choice(graph.n, size=min(targets_per_source, graph.n), replace=False)
            straight = np.hypot(x[targets] - x[s], y[targets] - y[s])
            ok = (straight >= min_straight_m) & (straight <= max_straight_m) & np.isfinite(row[targets])
            ratios.extend((row[targets][ok] / straight[ok]).tolist())
            speeds.extend((row[targets][ok] / trow[targets][ok]).tolist())
    if len(ratios) < 20:
        return {"factor": DEFAULT_CIRCUITY, "p10": None, "p90": None, "pairs": len(ratios),
                "speed_kph": None, "calibrated": False}
    r = np.asarray(ratios)
    return {"factor": round(float(np.median(r)), 4), "p10": round(float(np.percentile(r, 10)), 4),
            "p90": round(float(np.percentile(r, 90)), 4), "pairs": int(len(r)),
            "speed_kph": round(float(np.median(speeds)) * 3.6, 2), "calibrated": True}
