"""Reductions of an MCLP instance: exact ones (merges, dominance) and by bound (Lagrangian reduced-cost fixing).

Exact reductions keep every optimum's value: items nobody can cover or weighing nothing are dropped, items
covered by exactly the same candidates merged (weights summed: uniform customers around 100 candidates
collapse from 10^5 rows to a few thousand), identical candidates merged, and candidates whose items are a strict
subset of another's dropped (with ``sum x <= k`` a dominated site can always be swapped for its dominator).

Fixing by bound uses the Lagrangian relaxation of the link rows ``y_i <= sum_j a_ij x_j`` with multipliers
``0 <= u_i <= w_i``::

    L(u) = sum_i (w_i - u_i) + (sum of the k largest c_j),   c_j = sum_i a_ij u_i

which bounds the optimum for *any* such ``u`` (the LP duals give the LP bound). Forcing ``x_j = 1`` (or ``0``)
changes only the top-k sum, so each candidate's bound under either forcing is exact arithmetic; a candidate
whose forced bound is below the incumbent + 1 (whole-number weights) cannot be opened (closed) in any better
answer, and is fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

#: Dominance by the sparse overlap product (candidates x candidates) when it costs at most this many
#: multiply-adds (sum over items of their candidate count squared) ...
DOMINANCE_MAX_WORK = 60_000_000
#: ... else by dense products in chunks, up to this many columns / matrix cells.
DOMINANCE_MAX_COLUMNS = 15_000
DOMINANCE_MAX_CELLS = 30_000_000

_HASH = np.random.default_rng(20240601).integers(0, 2**63 - 1, size=(2, 1 << 20), dtype=np.int64).astype(np.uint64)


def _groups(m: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``m`` with the same column set: (first row of each group, in row order; group of each row).

    Rows are hashed (two random 64-bit sums of their column indices, and their length), then every row is
    checked against its group's first row, so the grouping is exact; a hash collision falls back to bytes keys.
    """
    m = m.tocsr()
    m.sort_indices()
    n_rows = m.shape[0]
    if n_rows == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    idx = m.indices.astype(np.int64) % _HASH.shape[1]
    keys = [np.diff(m.indptr).astype(np.uint64)]
    for h in _HASH:
        cs = np.concatenate([np.zeros(1, np.uint64), np.cumsum(h[idx], dtype=np.uint64)])
        keys.append(cs[m.indptr[1:]] - cs[m.indptr[:-1]])
    _, first, group = np.unique(np.stack(keys, axis=1), axis=0, return_index=True, return_inverse=True)
    group = group.ravel()
    order = np.argsort(first, kind="stable")  # groups numbered by first occurrence
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    first, group = first[order], rank[group]
    rep = m[first[group]]
    if rep.nnz == m.nnz and np.array_equal(rep.indices, m.indices):
        return first.astype(np.int64), group.astype(np.int64)
    seen: dict[bytes, int] = {}  # a collision (never seen in practice): exact keys
    firsts, group = [], np.empty(n_rows, np.int64)
    for i in range(n_rows):
        key = m.indices[m.indptr[i]:m.indptr[i + 1]].tobytes()
        g = seen.setdefault(key, len(firsts))
        if g == len(firsts):
            firsts.append(i)
        group[i] = g
    return np.asarray(firsts, np.int64), group


def merge_identical_rows(cover: sp.spmatrix, weights: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """Merge items covered by exactly the same candidates, summing their weights."""
    cover = sp.csr_matrix(cover)
    first, group = _groups(cover)
    return cover[first], np.bincount(group, weights=weights, minlength=len(first)).astype(float)


def merge_identical_columns(cover: sp.spmatrix) -> tuple[sp.csc_matrix, np.ndarray]:
    """One representative (the first) of each set of candidates covering exactly the same items."""
    cover = sp.csc_matrix(cover)
    first, _ = _groups(cover.T.tocsr())
    return cover[:, first], first


def dominated(cover: sp.csc_matrix, chunk: int = 512) -> np.ndarray | None:
    """Columns whose item set is a strict subset of another column's (``None``: too large to test).

    Expects identical columns merged already, so a column contained in another is strictly contained.
    """
    cover = sp.csc_matrix(cover, dtype=np.int32)
    n_items, n_cand = cover.shape
    size = np.diff(cover.indptr)
    deg = np.diff(cover.tocsr().indptr).astype(np.int64)
    out = np.zeros(n_cand, dtype=bool)
    if int((deg * deg).sum()) <= DOMINANCE_MAX_WORK:
        overlap = (cover.T @ cover).tocoo()
        hit = (overlap.row != overlap.col) & (overlap.data == size[overlap.row])
        out[overlap.row[hit]] = True
        return out
    if n_cand > DOMINANCE_MAX_COLUMNS or n_items * n_cand > DOMINANCE_MAX_CELLS:
        return None
    dense = cover.toarray().astype(np.float32)
    for s in range(0, n_cand, chunk):
        ov = dense[:, s:s + chunk].T @ dense
        own = size[s:s + chunk, None]
        ov[np.arange(ov.shape[0]), np.arange(s, s + ov.shape[0])] = 0
        out[s:s + chunk] = (ov >= own - 0.5).any(axis=1)
    return out


@dataclass
class Reduced:
    """An MCLP instance after exact reductions; ``col_of[j]`` is the original column of reduced column j."""

    cover: sp.csc_matrix
    weights: np.ndarray
    col_of: np.ndarray
    details: dict


def reduce_instance(cover: sp.spmatrix, weights: np.ndarray) -> Reduced:
    """Exact reductions: drop weightless/uncoverable items, merge identical items and candidates, drop
    dominated candidates (when the instance is small enough to test every pair)."""
    cover = sp.csc_matrix(cover, dtype=bool).astype(np.int8)
    weights = np.asarray(weights, float)
    n_items, n_cand = cover.shape
    useful = (weights > 0) & (np.diff(cover.tocsr().indptr) > 0)
    rows, w = merge_identical_rows(cover.tocsr()[useful], weights[useful])
    red, col_of = merge_identical_columns(rows.tocsc())
    n_dominated = 0
    drop = dominated(red) if red.shape[1] else None
    if drop is not None and drop.any():
        n_dominated = int(drop.sum())
        keep = np.flatnonzero(~drop)
        red, col_of = red[:, keep], col_of[keep]
        rows2, w = merge_identical_rows(red.tocsr(), w)
        red = rows2.tocsc()
    details = {"items": int(n_items), "candidates": int(n_cand), "cover_pairs": int(cover.nnz),
               "coverable_items": int(useful.sum()), "distinct_items": int(red.shape[0]),
               "dominated_candidates_dropped": n_dominated, "dominance_tested": drop is not None,
               "reduced_candidates": int(red.shape[1]), "reduced_cover_pairs": int(red.nnz)}
    return Reduced(red.tocsc(), np.asarray(w, float), np.asarray(col_of, np.int64), details)


# ----------------------------------------------------------------------------------------------------
# Lagrangian bound and reduced-cost fixing

@dataclass
class Lagrangian:
    value: float       # L(u): a valid upper bound on the optimum
    base: float        # sum_i (w_i - u_i)
    c: np.ndarray      # c_j = sum_i a_ij u_i
    top: np.ndarray    # the k candidates with the largest c (descending)


def lagrangian(cover: sp.csc_matrix, weights: np.ndarray, k: int, u: np.ndarray) -> Lagrangian:
    """``L(u)`` for multipliers ``u`` clipped to ``[0, w]``; valid whatever ``u`` came from."""
    u = np.clip(np.asarray(u, float), 0.0, weights)
    c = np.asarray(cover.T @ u).ravel()
    k = min(k, len(c))
    top = np.argsort(-c, kind="stable")[:k]
    base = float((weights - u).sum())
    return Lagrangian(base + float(c[top].sum()), base, c, top)


def fixings(lag: Lagrangian, k: int, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Candidates that must stay closed / must open in any answer worth at least ``threshold``.

    Forcing ``x_j = 1`` replaces the k-th largest ``c`` by ``c_j`` (when ``j`` is outside the top k); forcing
    ``x_j = 0`` replaces ``c_j`` by the (k+1)-th largest (when ``j`` is inside).
    """
    c = lag.c
    n = len(c)
    in_top = np.zeros(n, bool)
    in_top[lag.top] = True
    top_sum = lag.value - lag.base
    kth = float(c[lag.top[-1]]) if len(lag.top) else 0.0
    rest = c[~in_top]
    next_ = float(rest.max()) if len(rest) else 0.0
    bound_open = np.where(in_top, lag.value, lag.base + top_sum - kth + c)
    if len(rest):
        bound_closed = np.where(in_top, lag.base + top_sum - c + next_, lag.value)
    else:  # k >= n: closing a site leaves the others, all open
        bound_closed = lag.base + top_sum - c
    return bound_open < threshold, bound_closed < threshold
