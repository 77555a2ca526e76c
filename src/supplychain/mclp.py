"""Maximal covering location problem (MCLP): open k sites to maximise the weight of demand they cover.

Pure combinatorics over a sparse 0/1 coverage matrix (demand items x candidate sites); the geography (which
site covers which maker within the radius by road) is built by :mod:`supplychain.siteopt` with the engine.

:func:`solve` proceeds, each step chosen by measurement on the product's geographic instances and on generated
instances of the published benchmark families' shapes (``benchmarks/bench_mclp.py``):

1. exact reductions (:mod:`supplychain.mclp_reduce`): items merged by identical cover sets, identical and
   dominated candidates dropped — uniform customers around 100 candidates collapse from 10^5 rows to a few
   thousand;
2. an incumbent: greedy by marginal gain, then best-improvement 1-swaps (:mod:`supplychain.mclp_search`),
   restarted from the LP relaxation's largest ``x``;
3. a bound: the LP relaxation (HiGHS dual simplex, presolve off), whose duals give Lagrangian multipliers; the
   bound used is the Lagrangian value recomputed from them, valid whatever the LP's accuracy. When the
   incumbent reaches it (rounded down when every weight is whole) it is proven optimal;
4. otherwise reduced-cost fixing with the same multipliers (candidates that cannot be open, or closed, in any
   better answer), the exact reductions again on what is left, and the MIP by HiGHS
   (:mod:`supplychain.mclp_highs`) started from the incumbent; with whole weights HiGHS stops at an absolute
   gap below 1, which proves optimality.

``method="exact"`` always runs the MIP (on the exactly reduced instance, no fixing); ``"heuristic"`` never.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import scipy.sparse as sp

from . import mclp_highs
from .mclp_reduce import (DOMINANCE_MAX_CELLS, DOMINANCE_MAX_COLUMNS, Reduced, fixings, lagrangian,  # noqa: F401
                          reduce_instance)
from .mclp_search import covered_weight, greedy, swap_search  # noqa: F401  (public here)
from .messages import _

Progress = Callable[[str], None]

#: ``auto`` solves exactly when the reduced instance has at most this many (candidate, item) cover pairs.
EXACT_MAX_NNZ = 2_000_000
#: ... and at most this many distinct candidate columns.
EXACT_MAX_CANDIDATES = 12_000
#: Relative gap at which HiGHS may stop and call the answer optimal (0: only a proven optimum; with whole
#: weights HiGHS also stops at an absolute gap below 1, which proves the optimum).
DEFAULT_MIP_REL_GAP = 0.0
#: HiGHS's presolve on the MIP only from this many cover pairs: on an SJC-like MIP (277 x 423) presolve on took
#: 34 s against 25 s off (measured); above this size it is HiGHS's default, not yet measured either way.
MIP_PRESOLVE_MIN_NNZ = 200_000


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


def _integral(w: np.ndarray) -> bool:
    return bool(np.all(w == np.round(w)))


def _threshold(incumbent: float, integral: bool, scale: float) -> float:
    """Any answer better than ``incumbent`` is worth at least this much."""
    return incumbent + 1.0 - 1e-6 if integral else incumbent + 1e-9 * max(1.0, scale)


@dataclass
class _Search:
    """The solver's running state on the reduced instance."""

    red: sp.csc_matrix
    w: np.ndarray
    k: int
    picked: list[int]
    best: float
    swaps: int = 0

    def offer(self, sel: list[int]) -> None:
        val = covered_weight(self.red, self.w, sel)
        if val > self.best + 1e-9:
            self.picked, self.best = list(sel), val


def _incumbent(red, rw, kk, progress) -> _Search:
    _say(progress, f"greedy + swap search for {kk} sites …")
    picked, swaps = swap_search(red, rw, greedy(red, rw, kk), progress=progress)
    return _Search(red, rw, kk, picked, covered_weight(red, rw, picked), swaps)


def _restricted(st: _Search, lag, integral: bool, details: dict):
    """Fix candidates by the Lagrangian bound; the rest as a new reduced instance (or None when nothing is left
    that could beat the incumbent)."""
    closed, opened = fixings(lag, st.k, _threshold(st.best, integral, float(st.w.sum())))
    details["fixed_closed"], details["fixed_open"] = int(closed.sum()), int(opened.sum())
    if opened.sum() > st.k:
        return None  # no answer beats the incumbent
    open_idx = np.flatnonzero(opened)
    free = np.flatnonzero(~closed & ~opened)
    k_left = st.k - len(open_idx)
    taken = np.zeros(st.red.shape[0], bool)
    if len(open_idx):
        taken = np.asarray(st.red[:, open_idx].sum(axis=1)).ravel() > 0
    sub = st.red[:, free].tocsr()[~taken]
    inst = reduce_instance(sub, st.w[~taken])
    return open_idx, free, k_left, float(st.w[taken].sum()), inst


def _run_mip(red, rw, kk, start, integral, time_limit_s, mip_rel_gap):
    model = mclp_highs.build(red, rw, kk)
    presolve = red.nnz >= MIP_PRESOLVE_MIN_NNZ
    return mclp_highs.solve_mip(model, start, integral, presolve, time_limit_s, mip_rel_gap), presolve


def solve(cover: sp.spmatrix, weights, k: int, method: str = "auto", time_limit_s: float | None = 120.0,
          mip_rel_gap: float = DEFAULT_MIP_REL_GAP, progress: Progress | None = None) -> Solution:
    """Choose ``k`` candidate columns of ``cover`` maximising the weight of the rows (items) they cover.

    Parameters
    ----------
    cover
        Sparse 0/1 matrix, items x candidates: ``cover[i, j]`` when candidate ``j`` covers item ``i``.
    weights
        Non-negative weight per item.
    k
        Number of sites to open (1 <= k <= number of candidates).
    method
        ``auto`` (proof by bound, else fixing + MIP when the instance is at most :data:`EXACT_MAX_NNZ` cover
        pairs and :data:`EXACT_MAX_CANDIDATES` candidates), ``exact`` (always the MIP) or ``heuristic``.
    time_limit_s
        Wall-clock limit for each HiGHS call (the MIP then returns its best answer and HiGHS's gap).
    """
    t0 = time.perf_counter()
    weights = np.asarray(weights, dtype=float)
    n_items, n_cand = cover.shape
    if not 1 <= k <= n_cand:
        raise ValueError(_("k must be between 1 and the number of candidates ({n_cand}), got {k}", n_cand=n_cand, k=k))
    if method not in ("auto", "exact", "heuristic"):
        raise ValueError(_("unknown method {method}", method=repr(method)))
    inst = reduce_instance(cover, weights)
    red, rw, details = inst.cover, inst.weights, inst.details
    details["reduce_s"] = round(time.perf_counter() - t0, 4)
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
    elif kk >= red.shape[1]:
        picked = list(range(red.shape[1]))
        bound, status, used = float(rw.sum()), "optimal", "exact"
        proof = "k opens every useful candidate"
    else:
        picked, bound, status, used, proof, lp, mip_gap = _solve_reduced(red, rw, kk, method, time_limit_s,
                                                                         mip_rel_gap, details, progress)
    return _answer(cover, weights, k, inst, picked, bound, status, used, proof, lp, mip_gap, details, t0)


def _solve_reduced(red, rw, kk, method, time_limit_s, mip_rel_gap, details, progress):
    t = time.perf_counter()
    st = _incumbent(red, rw, kk, progress)
    details["heuristic_s"] = round(time.perf_counter() - t, 4)
    integral = _integral(rw)
    _say(progress, f"heuristic: {st.best:g}; LP relaxation (HiGHS) …")
    t = time.perf_counter()
    model = mclp_highs.build(red, rw, kk)
    lp_res = mclp_highs.solve_lp(model, presolve=False, time_limit_s=time_limit_s)
    details["lp_s"] = round(time.perf_counter() - t, 4)
    lp = bound = None
    lag = None
    if lp_res is not None:
        lp = lp_res.objective
        u = lp_res.duals.copy()
        single = np.setdiff1d(np.arange(red.shape[0]), model.multi)
        u[single] = rw[single]  # a single-candidate item's weight moves whole to its candidate
        lag = lagrangian(red, rw, kk, u)
        bound = lag.value
        t = time.perf_counter()
        before = st.best
        st.offer(swap_search(red, rw, [int(j) for j in np.argsort(-lp_res.x, kind="stable")[:kk]])[0])
        st.offer(swap_search(red, rw, [int(j) for j in lag.top])[0])
        details["lp_restart_gain"] = round(st.best - before, 6)
        details["heuristic_s"] += round(time.perf_counter() - t, 4)
    proven = bound is not None and bound < _threshold(st.best, integral, float(rw.sum()))
    if proven:
        bound = st.best
    if bound is None:
        bound = np.inf
    used, status, proof, mip_gap = "heuristic", "heuristic", None, None
    if proven:
        used, status, proof = "exact", "optimal", "the heuristic answer reaches the Lagrangian (LP) bound"
    if method == "heuristic" or (proven and method == "auto"):
        return st.picked, bound, status, used, proof, lp, mip_gap
    if method == "exact" or lag is None:
        small = red.nnz <= EXACT_MAX_NNZ and red.shape[1] <= EXACT_MAX_CANDIDATES
        if method == "auto" and not small:
            return st.picked, bound, status, used, proof, lp, mip_gap
        _say(progress, f"MILP (HiGHS, k={kk}) …")
        t = time.perf_counter()
        res, pre = _run_mip(red, rw, kk, st.picked, integral, time_limit_s, mip_rel_gap)
        details.update(mip_s=round(time.perf_counter() - t, 4), mip_presolve=pre, highs_status=res.status,
                       mip_node_count=res.nodes, mip_model=[int(red.shape[1]), int(red.shape[0]), int(red.nnz)])
        if res.x is not None:
            st.offer([int(j) for j in np.flatnonzero(res.x > 0.5)])
        mip_gap = res.mip_gap
        if res.dual_bound is not None:
            bound = min(bound, res.dual_bound)
        if res.optimal:
            return st.picked, st.best, "optimal", "exact", "HiGHS MILP", lp, 0.0
        return st.picked, max(bound, st.best), "time_limit", "exact", None, lp, mip_gap
    # auto, not proven by the bound: fix by the Lagrangian bound, reduce again, MIP on what is left.
    t = time.perf_counter()
    rest = _restricted(st, lag, integral, details)
    if rest is None:
        return st.picked, st.best, "optimal", "exact", "reduced-cost fixing leaves no better answer", lp, 0.0
    open_idx, free, k_left, gained, sub = rest
    details["restricted_model"] = [int(sub.cover.shape[1]), int(sub.cover.shape[0]), int(sub.cover.nnz)]
    details["fixing_s"] = round(time.perf_counter() - t, 4)
    if k_left == 0 or sub.cover.shape[0] == 0 or k_left >= sub.cover.shape[1]:
        sel = list(open_idx) + [int(free[j]) for j in sub.col_of[:max(k_left, 0)]]
        st.offer(sel)
        return st.picked, st.best, "optimal", "exact", "reduced-cost fixing decides every site", lp, 0.0
    if sub.cover.nnz > EXACT_MAX_NNZ or sub.cover.shape[1] > EXACT_MAX_CANDIDATES:
        return st.picked, bound, status, used, proof, lp, mip_gap
    # The incumbent as the MIP's start, when it agrees with the fixings.
    pos = {int(free[c]): j for j, c in enumerate(sub.col_of)}
    start = None
    inc = set(st.picked)
    if set(open_idx.tolist()) <= inc:
        others = [j for j in st.picked if j not in set(open_idx.tolist())]
        if all(j in pos for j in others):
            start = [pos[j] for j in others]
    _say(progress, f"MILP (HiGHS) on {sub.cover.shape[1]:,} candidates x {sub.cover.shape[0]:,} items, "
                   f"k={k_left} …")
    t = time.perf_counter()
    res, pre = _run_mip(sub.cover, sub.weights, k_left, start, integral, time_limit_s, mip_rel_gap)
    details.update(mip_s=round(time.perf_counter() - t, 4), mip_presolve=pre, highs_status=res.status,
                   mip_node_count=res.nodes)
    if res.x is not None:
        sel = [int(free[sub.col_of[j]]) for j in np.flatnonzero(res.x > 0.5)]
        st.offer(list(open_idx) + sel)
    if res.optimal:
        return st.picked, st.best, "optimal", "exact", "HiGHS MILP after reduced-cost fixing", lp, 0.0
    mip_gap = res.mip_gap
    if res.dual_bound is not None:
        bound = min(bound, max(_threshold(st.best, integral, float(rw.sum())), gained + res.dual_bound))
    return st.picked, max(bound, st.best), "time_limit", "exact", None, lp, mip_gap


def _answer(cover, weights, k, inst, picked, bound, status, used, proof, lp, mip_gap, details, t0) -> Solution:
    red, rw = inst.cover, inst.weights
    n_cand = cover.shape[1]
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
