"""The MCLP solver against independent exact solves: brute force over every k-subset on tiny instances, and the
plain textbook MIP (Church & ReVelle 1974) solved by HiGHS with its default options on medium ones, across the
shapes the solver's reductions and proofs depend on (clustered, uniform, many identical columns, k at or above
the number of useful candidates, zero-demand items, ties). Instances are generated here (synthetic)."""

import itertools

import highspy
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.spatial import cKDTree

from supplychain import mclp, mclp_reduce


def brute_force(cover, w, k):
    cover = sp.csc_matrix(cover)
    best = 0.0
    for subset in itertools.combinations(range(cover.shape[1]), k):
        hit = np.asarray(cover[:, list(subset)].sum(axis=1)).ravel() > 0
        best = max(best, float(w[hit].sum()))
    return best


def textbook_mip(cover, w, k):
    """max sum w_i y_i, y_i <= sum_j a_ij x_j, sum x <= k, x binary, y in [0, 1]: HiGHS defaults, no reduction."""
    cover = sp.csc_matrix(cover, dtype=float)
    m, n = cover.shape
    budget = sp.hstack([sp.csr_matrix(np.ones((1, n))), sp.csr_matrix((1, m))])
    a = sp.vstack([sp.hstack([-cover, sp.identity(m)]), budget]).tocsc()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n + m, m + 1
    lp.col_cost_ = np.concatenate([np.zeros(n), w])
    lp.col_lower_, lp.col_upper_ = np.zeros(n + m), np.ones(n + m)
    lp.row_lower_ = np.full(m + 1, -highspy.kHighsInf)
    lp.row_upper_ = np.concatenate([np.zeros(m), [float(k)]])
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = a.indptr, a.indices, a.data
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n + [highspy.HighsVarType.kContinuous] * m
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1e-9)
    h.passModel(lp)
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    x = np.asarray(h.getSolution().col_value[:n])
    return mclp.covered_weight(cover, w, np.flatnonzero(x > 0.5))


def euclidean_cover(customers, candidates, r):
    lists = cKDTree(candidates).query_ball_point(customers, r)
    rows = np.repeat(np.arange(len(lists)), [len(x) for x in lists])
    cols = np.concatenate([np.asarray(x, int) for x in lists]) if rows.size else np.zeros(0, int)
    return sp.csc_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(customers), len(candidates)))


def clustered(rng, n, r):
    centres = rng.uniform(0, 10, (4, 2))
    pts = centres[rng.integers(0, 4, n)] + rng.normal(size=(n, 2)) * 0.8
    return euclidean_cover(pts, pts, r), rng.integers(1, 101, n).astype(float)


def uniform(rng, n_cand, n_cust, r):
    cover = euclidean_cover(rng.uniform(0, 10, (n_cust, 2)), rng.uniform(0, 10, (n_cand, 2)), r)
    return cover, rng.integers(1, 101, n_cust).astype(float)


def check(cover, w, k, expected, methods=("auto", "exact", "heuristic")):
    for method in methods:
        sol = mclp.solve(cover, w, k, method)
        assert len(sol.chosen) == len(set(sol.chosen)) == k
        assert sol.objective == pytest.approx(mclp.covered_weight(cover, w, sol.chosen))
        assert sol.bound >= expected - 1e-6, (method, sol.bound, expected)  # a valid bound
        if method != "heuristic" or sol.status == "optimal":
            assert sol.status == "optimal", (method, sol.status)
            assert sol.objective == pytest.approx(expected), (method, sol.objective, expected, sol.details)
            assert sol.gap == pytest.approx(0.0, abs=1e-9)


# ----------------------------------------------------------------------------------------------------
# Tiny instances: brute force over every k-subset

@pytest.mark.parametrize("seed", range(4))
def test_tiny_instances_match_brute_force(seed):
    rng = np.random.default_rng(100 + seed)
    for shape in ("clustered", "uniform", "identical_columns", "zero_demand"):
        if shape == "clustered":
            cover, w = clustered(rng, int(rng.integers(8, 13)), 1.2)
        elif shape == "uniform":
            cover, w = uniform(rng, int(rng.integers(6, 12)), 60, 2.5)
        elif shape == "identical_columns":  # every candidate repeated: duplicates must merge, not be counted twice
            base, w = uniform(rng, 5, 40, 3.0)
            cover = sp.hstack([base, base, base[:, :2]]).tocsc()
        else:  # a third of the items weigh nothing, some candidates cover only those
            cover, w = uniform(rng, 9, 50, 2.5)
            w[rng.random(len(w)) < 0.35] = 0.0
        n = cover.shape[1]
        for k in sorted({1, 3, max(1, n // 2), n}):
            check(cover, w, k, brute_force(cover, w, k))


def test_k_at_or_above_the_useful_candidates():
    # 3 useful candidates (the others cover nothing or only zero-demand items); k = 3..6 covers everything.
    cover = sp.csc_matrix(np.array([[1, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0], [0, 0, 1, 0, 0, 1], [0, 0, 0, 1, 0, 0]]))
    w = np.array([5.0, 3.0, 2.0, 0.0])
    for k in range(3, 7):
        check(cover, w, k, 10.0)
    check(cover, w, 2, 8.0)


def test_ties_every_answer_is_worth_the_same():
    # 6 candidates each covering 2 of 12 disjoint unit items: every 3-subset is optimal (6).
    cover = sp.csc_matrix(np.kron(np.eye(6), np.ones((2, 1))))
    w = np.ones(12)
    check(cover, w, 3, 6.0)
    # A ring: candidate j covers items j and j+1 (mod 8); the LP is fractional (x = k/8) but the bound is not
    # reached by half-integral tricks: optimum for k = 3 covers 6 items.
    ring = np.zeros((8, 8))
    for j in range(8):
        ring[j, j] = ring[(j + 1) % 8, j] = 1
    check(sp.csc_matrix(ring), np.ones(8), 3, brute_force(ring, np.ones(8), 3))


# ----------------------------------------------------------------------------------------------------
# Medium instances: the textbook MIP, HiGHS defaults, on the unreduced model

@pytest.mark.parametrize("seed", range(3))
def test_medium_clustered_all_points_candidates(seed):
    rng = np.random.default_rng(200 + seed)
    cover, w = clustered(rng, 80, 1.0)
    for k in (3, 10):
        check(cover, w, k, textbook_mip(cover, w, k), methods=("auto", "exact"))


@pytest.mark.parametrize("seed", range(3))
def test_medium_uniform_many_identical_rows(seed):
    # 25 candidates, 1,500 customers: they collapse to a few hundred distinct cover sets.
    rng = np.random.default_rng(300 + seed)
    cover, w = uniform(rng, 25, 1500, 1.8)
    inst = mclp_reduce.reduce_instance(cover, w)
    assert inst.cover.shape[0] < 600
    assert inst.weights.sum() == pytest.approx(w[np.asarray(cover.sum(axis=1)).ravel() > 0].sum())
    for k in (3, 8):
        check(cover, w, k, textbook_mip(cover, w, k), methods=("auto", "exact"))


def test_fractional_weights_and_a_hard_lp_gap():
    # Non-integral weights (no rounding of the bound allowed) on an instance whose LP is fractional.
    rng = np.random.default_rng(7)
    cover, _ = uniform(rng, 30, 250, 1.6)
    w = rng.random(250) * 3
    for k in (4, 12):
        check(cover, w, k, textbook_mip(cover, w, k), methods=("auto", "exact"))


# ----------------------------------------------------------------------------------------------------
# The pieces

def test_row_and_column_merges_are_exact():
    rng = np.random.default_rng(11)
    cover, w = uniform(rng, 30, 2000, 2.0)
    cover = sp.hstack([cover, cover[:, :5]]).tocsc()  # 5 duplicate candidates
    rows, rw = mclp_reduce.merge_identical_rows(cover.tocsr(), w)
    # Independent check: group the rows by their index tuples in plain Python.
    groups = {}
    csr = cover.tocsr()
    for i in range(csr.shape[0]):
        key = tuple(sorted(csr.indices[csr.indptr[i]:csr.indptr[i + 1]]))
        groups[key] = groups.get(key, 0.0) + w[i]
    assert rows.shape[0] == len(groups)
    got = {tuple(sorted(rows.indices[rows.indptr[i]:rows.indptr[i + 1]])): rw[i] for i in range(rows.shape[0])}
    assert got.keys() == groups.keys() and all(got[g] == pytest.approx(groups[g]) for g in groups)
    cols, first = mclp_reduce.merge_identical_columns(cover)
    assert cols.shape[1] == 30 and list(first) == list(range(30))


def test_dominated_candidates_by_both_methods():
    rng = np.random.default_rng(5)
    cover = sp.csc_matrix(rng.random((60, 40)) < 0.15)
    cover, _ = mclp_reduce.merge_identical_columns(cover)
    dense = cover.toarray().astype(bool)
    expected = np.array([any((dense[:, j] <= dense[:, o]).all() and o != j for o in range(dense.shape[1]))
                         for j in range(dense.shape[1])])
    assert (mclp_reduce.dominated(cover) == expected).all()
    old = mclp_reduce.DOMINANCE_MAX_WORK
    try:
        mclp_reduce.DOMINANCE_MAX_WORK = 0  # the dense chunked path
        assert (mclp_reduce.dominated(cover) == expected).all()
    finally:
        mclp_reduce.DOMINANCE_MAX_WORK = old


def test_lagrangian_bound_and_fixings_are_valid():
    rng = np.random.default_rng(9)
    cover, w = uniform(rng, 10, 120, 2.5)
    k = 3
    best = brute_force(cover, w, k)
    for _ in range(20):  # any multipliers in [0, w] bound the optimum
        lag = mclp_reduce.lagrangian(cover, w, k, rng.random(len(w)) * w)
        assert lag.value >= best - 1e-9
    lag = mclp_reduce.lagrangian(cover, w, k, w * 0.5)
    closed, opened = mclp_reduce.fixings(lag, k, best - 1e-6)
    # No optimal answer opens a site fixed closed, or leaves one fixed open closed.
    for subset in itertools.combinations(range(cover.shape[1]), k):
        if mclp.covered_weight(cover, w, subset) >= best - 1e-9:
            assert not closed[list(subset)].any()
            assert set(np.flatnonzero(opened)) <= set(subset)
