"""MCLP heuristics: greedy by marginal gain and best-improvement 1-swap local search.

Both work on a sparse 0/1 coverage matrix (items x candidates) with one weight per item, and cost a few sparse
products over the whole matrix per step (no loop over open sites), so they stay fast with 10^5 items and
hundreds of open sites.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import scipy.sparse as sp

Progress = Callable[[str], None]


def covered_weight(cover: sp.spmatrix, weights: np.ndarray, chosen) -> float:
    """Weight of the items covered by at least one of ``chosen`` (independent of any solver)."""
    chosen = list(chosen)
    if not chosen:
        return 0.0
    hit = np.asarray(sp.csc_matrix(cover)[:, chosen].sum(axis=1)).ravel() > 0
    return float(np.asarray(weights, float)[hit].sum())


def greedy(cover: sp.spmatrix, weights: np.ndarray, k: int, start: list[int] | None = None) -> list[int]:
    """Pick sites one at a time by largest marginal covered weight (ties: lowest index).

    The marginal gains are updated incrementally: when a site opens, the weight of the items it newly covers
    is taken off the gain of every candidate covering them (one pass over the matrix in all).
    """
    cover_c = sp.csc_matrix(cover)
    cover_r = cover_c.tocsr()
    w = np.asarray(weights, float)
    chosen = list(start or [])
    uncovered = np.ones(cover_c.shape[0], dtype=bool)
    for j in chosen:
        uncovered[cover_c.indices[cover_c.indptr[j]:cover_c.indptr[j + 1]]] = False
    gain = cover_r.T @ (w * uncovered)
    gain[chosen] = -np.inf
    while len(chosen) < min(k, cover_c.shape[1]):
        j = int(np.argmax(gain))
        chosen.append(j)
        col = cover_c.indices[cover_c.indptr[j]:cover_c.indptr[j + 1]]
        new = col[uncovered[col]]
        uncovered[new] = False
        if len(new):
            gain -= cover_r[new].T @ w[new]
        gain[j] = -np.inf
    return chosen


def _swap_deltas(cover_c: sp.csc_matrix, cover_r: sp.csr_matrix, w: np.ndarray, chosen: list[int]) -> np.ndarray:
    """``delta[pos, c]``: change in covered weight when open site ``chosen[pos]`` is replaced by candidate ``c``.

    ``delta = gain(c) - loss(s) + sum(w of the items only s covers that c also covers)``; the last term for every
    (s, c) pair is one sparse product: (open sites x their sole items) @ (items x candidates).
    """
    n_items = cover_c.shape[0]
    sub = cover_c[:, chosen].tocsr()
    count = np.diff(sub.indptr)
    gain = cover_r.T @ (w * (count == 0))
    sole_items = np.flatnonzero(count == 1)
    sole_pos = sub.indices[sub.indptr[sole_items]]
    loss = np.bincount(sole_pos, weights=w[sole_items], minlength=len(chosen))
    only = sp.csr_matrix((w[sole_items], (sole_pos, sole_items)), shape=(len(chosen), n_items))
    delta = (only @ cover_r).toarray()
    delta += gain[None, :] - loss[:, None]
    delta[:, chosen] = -np.inf
    return delta


def swap_search(cover: sp.spmatrix, weights: np.ndarray, chosen: list[int], max_passes: int = 500,
                progress: Progress | None = None) -> tuple[list[int], int]:
    """Best-improvement 1-swap local search: replace one open site by one closed site while that gains weight.

    Returns the improved selection and the number of swaps made.
    """
    cover_c = sp.csc_matrix(cover)
    cover_r = cover_c.tocsr()
    w = np.asarray(weights, float)
    chosen = list(chosen)
    if not chosen or len(chosen) >= cover_c.shape[1]:
        return chosen, 0
    tol = 1e-9 * max(1.0, float(w.sum()))
    swaps = 0
    for _ in range(max_passes):
        delta = _swap_deltas(cover_c, cover_r, w, chosen)
        pos, c = np.unravel_index(int(np.argmax(delta)), delta.shape)
        if delta[pos, c] <= tol:
            break
        chosen[int(pos)] = int(c)
        swaps += 1
        if progress:
            progress(f"swap {swaps}: +{delta[pos, c]:g} covered weight")
    return chosen, swaps
