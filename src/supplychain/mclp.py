"""Maximal covering location problem (MCLP): open k sites to maximise the weight of demand they cover.

Pure combinatorics over a sparse 0/1 coverage matrix (demand items x candidate sites); the geography (which
site covers which maker within the radius by road) is built by :mod:`supplychain.siteopt` with the engine.

Two ways to solve it, combined by :func:`solve`:

* ``exact``: the textbook MILP (Church & ReVelle 1974) solved by HiGHS through ``scipy.optimize.milp``::

      max  sum_i w_i y_i
      s.t. y_i <= sum_j a_ij x_j      (item i counts only if an open site covers it)
           sum_j x_j <= k
           x_j in {0, 1},  0 <= y_i <= 1

  ``y`` may stay continuous: for integral ``x`` the best ``y`` is integral. HiGHS reports its own relative
  gap (``mip_gap``); 0 means proven optimal.
* ``heuristic``: greedy by marginal gain, then best-improvement swaps (one open site out, one closed site in)
  until none improves, started twice (from greedy and from the LP relaxation's largest ``x``). Its gap is
  measured against the LP relaxation bound of the same MILP; when the heuristic reaches that bound (rounded
  down when every weight is a whole number), the answer is proven optimal without branching.

Before either, exact reductions shrink the instance: items nobody can cover are dropped, identical items and
identical candidates merged, and candidates whose items are a strict subset of another's dropped (dominance).
On the geographic instances of this product (many grid points reach the same makers) that removes most
columns, and HiGHS's presolve is switched off because it cost more than it saved (measured 2–5x).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from .messages import _

Progress = Callable[[str], None]

#: ``auto`` solves exactly when the reduced instance has at most this many (candidate, item) cover pairs.
EXACT_MAX_NNZ = 2_000_000
#: ... and at most this many distinct candidate columns.
EXACT_MAX_CANDIDATES = 12_000
#: Dominance tests compare every pair of columns: only up to this many columns / matrix cells.
DOMINANCE_MAX_COLUMNS = 15_000
DOMINANCE_MAX_CELLS = 30_000_000
#: Relative gap at which HiGHS may stop and call the answer optimal.
DEFAULT_MIP_REL_GAP = 1e-6


@dataclass
class Solution:
    """The chosen sites and how good they provably are.

    Attributes
    ----------
    chosen
        Candidate column indices of the original matrix, in the order they were picked (greedy order for the
        heuristic; by marginal gain for the exact solver).
    objective
        Weight of the items covered by ``chosen``.
    bound
        A proven upper bound on the optimal objective (HiGHS's dual bound, or the LP relaxation).
    gap
        ``(bound - objective) / bound`` (0 when the bound is 0): how far from optimal the answer can be.
    method
        ``exact`` or ``heuristic``.
    status
        ``optimal``, ``time_limit`` (exact solver stopped early: best found so far) or ``heuristic``.
    """

    chosen: list[int]
    objective: float
    bound: float
    gap: float
    method: str
    status: str
    runtime_s: float
    mip_gap: float | None = None
    lp_bound: float | None = None
    details: dict = field(default_factory=dict)


def _say(progress: Progress | None, msg: str) -> None:
    if progress:
        progress(msg)


def _merge_identical_columns(cover: sp.csc_matrix) -> tuple[sp.csc_matrix, np.ndarray]:
    """Keep one representative of each set of candidates that cover exactly the same items.

    Returns the reduced matrix and, per reduced column, the original column index (the first of its group).
    """
    cover = cover.tocsc()
    cover.sort_indices()
    seen: dict[bytes, int] = {}
    keep = []
    for j in range(cover.shape[1]):
        key = cover.indices[cover.indptr[j]:cover.indptr[j + 1]].tobytes()
        if key not in seen:
            seen[key] = j
            keep.append(j)
    keep_arr = np.asarray(keep, dtype=np.int64)
    return cover[:, keep_arr], keep_arr


def _merge_identical_rows(cover: sp.csr_matrix, weights: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """Merge items covered by exactly the same candidates, summing their weights (an exact reduction)."""
    cover = cover.tocsr()
    cover.sort_indices()
    groups: dict[bytes, int] = {}
    first, merged = [], []
    for i in range(cover.shape[0]):
        key = cover.indices[cover.indptr[i]:cover.indptr[i + 1]].tobytes()
        g = groups.get(key)
        if g is None:
            groups[key] = len(first)
            first.append(i)
            merged.append(float(weights[i]))
        else:
            merged[g] += float(weights[i])
    return cover[np.asarray(first, dtype=np.int64)], np.asarray(merged)


def covered_weight(cover: sp.spmatrix, weights: np.ndarray, chosen) -> float:
    """Weight of the items covered by at least one of ``chosen`` (independent of any solver)."""
    chosen = list(chosen)
    if not chosen:
        return 0.0
    hit = np.asarray(cover.tocsc()[:, chosen].sum(axis=1)).ravel() > 0
    return float(np.asarray(weights, float)[hit].sum())


def _milp(cover: sp.csc_matrix, weights: np.ndarray, k: int, integral: bool, time_limit_s: float | None,
          mip_rel_gap: float):
    """Solve the MCLP MILP (or its LP relaxation) with HiGHS; returns scipy's OptimizeResult."""
    n_items, n_cand = cover.shape
    c = np.concatenate([np.zeros(n_cand), -np.asarray(weights, float)])
    link = sp.hstack([-cover.astype(float), sp.identity(n_items, format="csc")], format="csr")
    budget = sp.csr_matrix(np.concatenate([np.ones(n_cand), np.zeros(n_items)])[None, :])
    constraints = [LinearConstraint(link, -np.inf, 0.0), LinearConstraint(budget, 0.0, float(k))]
    integrality = np.concatenate([np.ones(n_cand) if integral else np.zeros(n_cand), np.zeros(n_items)])
    # Presolve off: on these covering models HiGHS's presolve costs more than it saves (measured 2-5x).
    options: dict = {"disp": False, "presolve": False}
    if time_limit_s is not None:
        options["time_limit"] = float(time_limit_s)
    if integral:
        options["mip_rel_gap"] = float(mip_rel_gap)
    return milp(c, constraints=constraints, integrality=integrality, bounds=Bounds(0.0, 1.0), options=options)


def _lp(cover: sp.csc_matrix, weights: np.ndarray, k: int, time_limit_s: float | None):
    """LP relaxation: (optimal value, x values) or (None, None) when HiGHS did not finish."""
    res = _milp(cover, weights, k, integral=False, time_limit_s=time_limit_s, mip_rel_gap=0.0)
    if res.status != 0 or res.x is None:
        return None, None
    return float(-res.fun), res.x[:cover.shape[1]]


def greedy(cover: sp.csc_matrix, weights: np.ndarray, k: int, start: list[int] | None = None) -> list[int]:
    """Pick sites one at a time by largest marginal covered weight (ties: lowest index)."""
    cover = cover.tocsc()
    cover_t = cover.T.tocsr()
    chosen = list(start or [])
    uncovered = np.ones(cover.shape[0], dtype=bool)
    if chosen:
        uncovered &= np.asarray(cover[:, chosen].sum(axis=1)).ravel() == 0
    while len(chosen) < min(k, cover.shape[1]):
        gain = cover_t @ (weights * uncovered)
        gain[chosen] = -1.0
        j = int(np.argmax(gain))
        chosen.append(j)
        uncovered[cover.indices[cover.indptr[j]:cover.indptr[j + 1]]] = False
    return chosen


def swap_search(cover: sp.csc_matrix, weights: np.ndarray, chosen: list[int], max_passes: int = 500,
                progress: Progress | None = None) -> tuple[list[int], int]:
    """Best-improvement 1-swap local search.

    For open site ``s`` and closed site ``c``, the change in covered weight is
    ``gain(c) + sum(w of items covered only by s and also by c) - loss(s)``, where ``gain(c)`` is the weight
    of uncovered items ``c`` covers and ``loss(s)`` the weight of items only ``s`` covers: one sparse
    product per open site per pass.

    Returns the improved selection and the number of swaps made.
    """
    cover = cover.tocsc()
    cover_t = cover.T.tocsr()
    chosen = list(chosen)
    swaps = 0
    tol = 1e-9 * max(1.0, float(weights.sum()))
    for _pass in range(max_passes):
        count = np.asarray(cover[:, chosen].sum(axis=1)).ravel()
        gain = cover_t @ (weights * (count == 0))
        is_open = np.zeros(cover.shape[1], dtype=bool)
        is_open[chosen] = True
        best = (tol, None, None)
        for pos, s in enumerate(chosen):
            col = cover.indices[cover.indptr[s]:cover.indptr[s + 1]]
            only = np.zeros(cover.shape[0])
            sole = col[count[col] == 1]
            only[sole] = weights[sole]
            delta = gain + cover_t @ only - float(only.sum())
            delta[is_open] = -np.inf
            c = int(np.argmax(delta))
            if delta[c] > best[0]:
                best = (float(delta[c]), pos, c)
        if best[1] is None:
            break
        chosen[best[1]] = best[2]
        swaps += 1
        _say(progress, f"swap {swaps}: +{best[0]:g} covered weight")
    return chosen, swaps


@dataclass
class Reduced:
    """An MCLP instance after exact reductions; ``col_of[j]`` is the original column of reduced column j."""

    cover: sp.csc_matrix
    weights: np.ndarray
    col_of: np.ndarray
    details: dict


def _dominated(cover: sp.csc_matrix, chunk: int = 512) -> np.ndarray:
    """Columns whose item set is a strict subset of another column's (never needed in an optimal answer).

    With the budget ``sum x <= k``, a dominated site can always be swapped for its dominator (or dropped)
    without losing coverage. Pairwise overlaps come from dense float32 products in chunks.
    """
    dense = cover.toarray().astype(np.float32)
    size = dense.sum(axis=0)
    out = np.zeros(dense.shape[1], dtype=bool)
    for s in range(0, dense.shape[1], chunk):
        overlap = dense[:, s:s + chunk].T @ dense
        own = size[s:s + chunk, None]
        out[s:s + chunk] = ((overlap >= own - 0.5) & (size[None, :] > own)).any(axis=1)
    return out


def reduce_instance(cover: sp.spmatrix, weights: np.ndarray) -> Reduced:
    """Exact reductions: drop weightless/uncoverable items, merge identical items and candidates, drop
    dominated candidates (when the instance is small enough to test every pair)."""
    cover = sp.csc_matrix(cover, dtype=bool).astype(np.int8)
    n_items, n_cand = cover.shape
    useful = (weights > 0) & (np.diff(cover.tocsr().indptr) > 0)
    rows, w = _merge_identical_rows(cover.tocsr()[useful], weights[useful])
    red, col_of = _merge_identical_columns(rows.tocsc())
    dominated = 0
    if 0 < red.shape[1] <= DOMINANCE_MAX_COLUMNS and red.shape[0] * red.shape[1] <= DOMINANCE_MAX_CELLS:
        drop = _dominated(red)
        dominated = int(drop.sum())
        if dominated:
            keep = np.flatnonzero(~drop)
            red, col_of = red[:, keep], col_of[keep]
            rows2, w = _merge_identical_rows(red.tocsr(), w)
            red = rows2.tocsc()
    details = {"items": int(n_items), "candidates": int(n_cand), "cover_pairs": int(cover.nnz),
               "coverable_items": int(useful.sum()), "distinct_items": int(red.shape[0]),
               "dominated_candidates_dropped": dominated, "reduced_candidates": int(red.shape[1]),
               "reduced_cover_pairs": int(red.nnz)}
    return Reduced(red, np.asarray(w, float), np.asarray(col_of, np.int64), details)


def solve(cover: sp.spmatrix, weights, k: int, method: str = "auto", time_limit_s: float | None = 120.0,
          mip_rel_gap: float = DEFAULT_MIP_REL_GAP, progress: Progress | None = None) -> Solution:
    """Choose ``k`` candidate columns of ``cover`` maximising the weight of the rows (items) they cover.

    Steps: exact reductions (:func:`reduce_instance`); greedy + swap; the LP relaxation (bound, and an
    LP-rounding start for a second swap search); then

    * ``auto``: done when the best heuristic answer reaches the LP bound (rounded down when all weights are
      whole numbers), which proves it optimal; otherwise the MILP when the reduced instance is at most
      :data:`EXACT_MAX_NNZ` cover pairs and :data:`EXACT_MAX_CANDIDATES` candidates, else the heuristic
      answer with its gap to the LP bound;
    * ``exact``: always the MILP (HiGHS's ``mip_gap`` reported);
    * ``heuristic``: never the MILP.

    Parameters
    ----------
    cover
        Sparse 0/1 matrix, items x candidates: ``cover[i, j]`` when candidate ``j`` covers item ``i``.
    weights
        Non-negative weight per item.
    k
        Number of sites to open (1 <= k <= number of candidates).
    time_limit_s
        Wall-clock limit for each HiGHS call (the MILP then returns its best answer and HiGHS's gap).
    """
    t0 = time.perf_counter()
    weights = np.asarray(weights, dtype=float)
    n_items, n_cand = cover.shape
    if not 1 <= k <= n_cand:
        raise ValueError(_("k must be between 1 and the number of candidates ({n_cand}), got {k}",
                           n_cand=n_cand, k=k))
    if method not in ("auto", "exact", "heuristic"):
        raise ValueError(_("unknown method {method}", method=repr(method)))
    inst = reduce_instance(cover, weights)
    red, rw, details = inst.cover, inst.weights, inst.details
    _say(progress, f"MCLP: {n_cand:,} candidates x {n_items:,} items ({details['cover_pairs']:,} cover pairs) "
                   f"reduced to {red.shape[1]:,} candidates x {red.shape[0]:,} items "
                   f"({details['dominated_candidates_dropped']:,} dominated candidates dropped)")
    kk = min(k, red.shape[1])
    mip_gap = lp = None
    proof = None
    if red.shape[0] == 0 or kk == 0:
        picked: list[int] = []
        bound, status, used = 0.0, "optimal", "exact"
        proof = "nothing to cover"
    else:
        _say(progress, f"greedy + swap search for {kk} sites …")
        picked, swaps = swap_search(red, rw, greedy(red, rw, kk), progress=progress)
        best = covered_weight(red, rw, picked)
        _say(progress, f"heuristic: {best:g}; LP relaxation (HiGHS) …")
        lp, x_lp = _lp(red.astype(float), rw, kk, time_limit_s)
        if x_lp is not None:
            start = [int(j) for j in np.argsort(-x_lp, kind="stable")[:kk]]
            alt, swaps2 = swap_search(red, rw, start, progress=progress)
            swaps += swaps2
            alt_w = covered_weight(red, rw, alt)
            if alt_w > best + 1e-9:
                picked, best = alt, alt_w
        details["swaps"] = swaps
        integral_w = bool(np.all(rw == np.round(rw)))
        bound = np.inf if lp is None else (np.floor(lp + 1e-6) if integral_w else lp)
        proven = lp is not None and best >= bound - 1e-7 * max(1.0, bound)
        small = red.nnz <= EXACT_MAX_NNZ and red.shape[1] <= EXACT_MAX_CANDIDATES
        run_milp = method == "exact" or (method == "auto" and not proven and small)
        used, status = "heuristic", "heuristic"
        if proven:
            used, status, proof = "exact", "optimal", "the heuristic answer reaches the LP relaxation bound"
        if run_milp:
            _say(progress, f"MILP (HiGHS, k={kk}) …")
            res = _milp(red, rw, kk, integral=True, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
            details["highs_message"] = str(res.message)
            details["mip_node_count"] = int(getattr(res, "mip_node_count", 0) or 0)
            if res.x is not None:
                x = res.x[:red.shape[1]]
                sel = [int(j) for j in np.flatnonzero(x > 0.5)]
                val = covered_weight(red, rw, sel)
                if val >= best - 1e-9:
                    picked, best = sel, val
                mip_gap = float(getattr(res, "mip_gap", 0.0) or 0.0)
                dual = getattr(res, "mip_dual_bound", None)
                if dual is not None and np.isfinite(dual):
                    bound = min(bound, float(-dual))
                if res.status == 0:
                    used, status, proof = "exact", "optimal", "HiGHS MILP"
                elif not proven:
                    used, status = "exact", "time_limit"

    # Report in order of marginal gain; pad to k with sites that add nothing (everything reachable is covered).
    if picked:
        picked = [picked[j] for j in greedy(red[:, picked], rw, len(picked))]
    chosen = [int(j) for j in inst.col_of[picked]] if picked else []
    taken = set(chosen)
    for j in range(n_cand):
        if len(chosen) >= k:
            break
        if j not in taken:
            chosen.append(j)
            taken.add(j)
    objective = covered_weight(cover, weights, chosen)
    if not np.isfinite(bound):
        # No LP bound in time: the greedy guarantee still bounds the optimum by obj / (1 - 1/e).
        bound = objective / (1 - 1 / np.e)
        details["bound_source"] = "greedy guarantee (LP relaxation not solved in time)"
    bound = max(float(bound), objective)
    gap = 0.0 if bound <= 0 else (bound - objective) / bound
    details["proof"] = proof
    return Solution(chosen=chosen, objective=objective, bound=bound, gap=float(max(gap, 0.0)), method=used,
                    status=status, runtime_s=time.perf_counter() - t0, mip_gap=mip_gap, lp_bound=lp, details=details)
