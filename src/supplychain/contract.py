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
    pairs = np.unique(np.stack([a[a != b], b[a != b]]), axis=1)
    neighbours = np.bincount(pairs[0], minlength=n) + np.bincount(pairs[1], minlength=n)
    degree = in_deg + out_deg
    simple = (neighbours == 2) & ((degree == 2) | (degree == 4))
    return loop | (in_deg == 0) | (out_deg == 0) | ~simple


def chains(n: int, u: np.ndarray, v: np.ndarray, length: np.ndarray, time: np.ndarray, keep: np.ndarray):
    """Contract the chains between kept nodes.

    ``u, v`` are directed segments without loops or parallels, sorted by ``(u, v)``; ``keep`` is
    :func:`endpoints`. Returns ``(cu, cv, length, time, first, offsets, seq)``: one contracted edge per
    chain, ``first`` the index of its first segment, and its node sequence ``seq[offsets[i]:offsets[i+1]]``.
    """
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(u, minlength=n), out=indptr[1:])
    ind, nxt, lens, times, kept = indptr.tolist(), v.tolist(), length.tolist(), time.tolist(), keep.tolist()
    cu, cv, cl, ct, first, offsets, seq = [], [], [], [], [], [0], []
    for a in np.flatnonzero(keep).tolist():
        for p in range(ind[a], ind[a + 1]):
            path, seen = [a, nxt[p]], {a, nxt[p]}
            total_l, total_t, cur = lens[p], times[p], nxt[p]
            while not kept[cur]:
                step = -1
                for q in range(ind[cur], ind[cur + 1]):
                    if nxt[q] not in seen:
                        step = q
                        break
                if step < 0:  # the chain runs back into its start (a loop) or stops (osmnx's odd case)
                    for q in range(ind[cur], ind[cur + 1]):
                        if nxt[q] == a:
                            step = q
                    if step < 0:
                        break
                total_l += lens[step]
                total_t += times[step]
                cur = nxt[step]
                path.append(cur)
                seen.add(cur)
                if cur == a:
                    break
            cu.append(a)
            cv.append(cur)
            cl.append(total_l)
            ct.append(total_t)
            first.append(p)
            seq.extend(path)
            offsets.append(len(seq))
    # Rings without any endpoint (osmnx leaves them as they are): their segments stay edges.
    reached = np.zeros(n, dtype=bool)
    reached[np.asarray(seq, dtype=np.int64)] = True
    for p in np.flatnonzero(~reached[u]).tolist():
        cu.append(int(u[p]))
        cv.append(nxt[p])
        cl.append(lens[p])
        ct.append(times[p])
        first.append(p)
        seq.extend((int(u[p]), nxt[p]))
        offsets.append(len(seq))
    return (np.array(cu, dtype=np.int64), np.array(cv, dtype=np.int64), np.array(cl), np.array(ct),
            np.array(first, dtype=np.int64), np.array(offsets, dtype=np.int64), np.array(seq, dtype=np.int64))
