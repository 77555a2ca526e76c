"""Degree-2 chain contraction by osmnx's rules (``osmnx.simplification``), on directed segment arrays.

A node is an *endpoint* (kept) when (osmnx's rules 1-3) it has a self-loop, or no incoming or no outgoing
segment, or not exactly two distinct neighbours with a degree (in + out, parallels counted) of 2 or 4. Every
other node lies inside a chain and is removed: each chain from an endpoint through such nodes to the next
endpoint becomes one edge whose length and time are the sums of its segments (so every shortest distance
between kept nodes is unchanged) and whose drawn geometry is the chain's nodes. A ring with no endpoint at
all keeps its segments, as in osmnx.
"""

from __future__ import annotations

import numpy as np


def endpoints(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Boolean per node: kept by osmnx's rules 1-3, from all directed segments (parallels and loops included)."""
    out_deg = np.bincount(u, minlength=n)
    in_deg = np.bincount(v, minlength=n)
    loop = np.zeros(n, dtype=bool)
    loop[u[u == v]] = True
    a, b = np.minimum(u, v), np.maximum(u, v)
    pairs = np.unique(a[a != b] * np.int64(n) + b[a != b])  # each undirected neighbour pair once
    neighbours = np.bincount(pairs // n, minlength=n) + np.bincount(pairs % n, minlength=n)
    degree = in_deg + out_deg
    simple = (neighbours == 2) & ((degree == 2) | (degree == 4))
    return loop | (in_deg == 0) | (out_deg == 0) | ~simple


def chains(n: int, u: np.ndarray, v: np.ndarray, length: np.ndarray, time: np.ndarray, keep: np.ndarray):
    """Contract the chains between kept nodes (vectorised: list ranking by pointer jumping).

    ``u, v`` are directed segments without loops or parallels, sorted by ``(u, v)``; ``keep`` is
    :func:`endpoints`. Returns ``(cu, cv, length, time, first, offsets, seq)``: one contracted edge per
    chain, ``first`` the index of its first segment, and its node sequence ``seq[offsets[i]:offsets[i+1]]``.

    A chain starts with a segment leaving a kept node and continues, at each removed node ``b`` reached from
    ``a``, with the segment leaving ``b`` towards its other neighbour (osmnx's walk), until it reaches a kept
    node (or, in osmnx's odd case, a removed node with no way on).
    """
    m = len(u)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(u, minlength=n), out=indptr[1:])
    out_deg = np.diff(indptr)
    # next[s]: the segment after s, or -1 where s ends at a kept node.
    nxt = np.full(m, -1, dtype=np.int64)
    go = ~keep[v]
    b = v[go]
    first_out = indptr[b]
    second_out = np.where(out_deg[b] > 1, first_out + 1, -1)
    pick = np.where(v[first_out] != u[go], first_out, second_out)
    if len(pick):
        bad = (pick >= 0) & (v[np.maximum(pick, 0)] == u[go])
        pick[bad] = -1
    nxt[go] = pick
    start = keep[u]
    # prev pointers (each segment has at most one predecessor); a start points at itself.
    prev = np.arange(m, dtype=np.int64)
    has = nxt >= 0
    prev[nxt[has]] = np.flatnonzero(has)
    prev[start] = np.flatnonzero(start)
    rank = (prev != np.arange(m)).astype(np.int64)
    for _ in range(int(np.ceil(np.log2(max(m, 2)))) + 1):
        rank = rank + rank[prev]
        prev = prev[prev]
    # Segments that never reach a start lie on rings without an endpoint: each stays an edge (osmnx).
    ring = ~start[prev]
    root = np.where(ring, np.arange(m), prev)
    rank[ring] = 0
    order = np.lexsort((rank, root))
    r_sorted = root[order]
    head = np.ones(m, dtype=bool)
    head[1:] = r_sorted[1:] != r_sorted[:-1]
    bounds = np.flatnonzero(head)
    last = np.append(bounds[1:], m) - 1
    first = r_sorted[bounds]
    cl = np.add.reduceat(length[order], bounds) if m else length[:0]
    ct = np.add.reduceat(time[order], bounds) if m else time[:0]
    counts = last - bounds + 1
    offsets = np.zeros(len(bounds) + 1, dtype=np.int64)
    np.cumsum(counts + 1, out=offsets[1:])
    seq = np.empty(offsets[-1], dtype=np.int64)
    seq[offsets[:-1]] = u[first]
    body = np.ones(offsets[-1], dtype=bool)
    body[offsets[:-1]] = False
    seq[body] = v[order]
    return u[first], v[order[last]], cl, ct, first, offsets, seq
