"""The MCLP model for HiGHS (highspy): LP relaxation with duals, and the MIP with a starting incumbent.

Model (Church & ReVelle 1974), with the items a single candidate covers folded into that candidate's
objective coefficient (``y_i <= x_j`` alone makes ``y_i = x_j`` at an optimum, so the row and ``y_i`` go)::

    max  sum_j f_j x_j + sum_{i multi} w_i y_i
    s.t. y_i - sum_j a_ij x_j <= 0      (i covered by two or more candidates)
         sum_j x_j <= k
         x_j in {0, 1},  0 <= y_i <= 1

``y`` stays continuous: for integral ``x`` the best ``y`` is integral.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp


@dataclass
class Model:
    """The arrays of the folded model: ``multi`` are the item rows kept, ``fold`` the weight moved to each x."""

    cover: sp.csc_matrix
    weights: np.ndarray
    k: int
    multi: np.ndarray
    fold: np.ndarray


@dataclass
class LPResult:
    objective: float
    x: np.ndarray
    duals: np.ndarray  # per item of the instance (0 for the folded single-candidate items)
    status: str


@dataclass
class MIPResult:
    x: np.ndarray | None
    objective: float | None
    dual_bound: float | None
    mip_gap: float | None
    status: str
    optimal: bool
    nodes: int


def build(cover: sp.csc_matrix, weights: np.ndarray, k: int) -> Model:
    deg = np.diff(cover.tocsr().indptr)
    single = np.flatnonzero(deg == 1)
    cov_r = cover.tocsr()
    fold = np.bincount(cov_r.indices[cov_r.indptr[single]], weights=weights[single], minlength=cover.shape[1])
    return Model(cover, weights, int(k), np.flatnonzero(deg >= 2), fold)


def _highs(model: Model, integral: bool, presolve: bool, time_limit_s: float | None) -> highspy.Highs:
    n = model.cover.shape[1]
    m = len(model.multi)
    sub = model.cover.tocsr()[model.multi].tocsc().astype(float)
    # Columns x (n), then y (m); rows: the m link rows, then the budget.
    a = sp.vstack([sp.hstack([-sub, sp.identity(m, format="csc")]),
                   sp.hstack([sp.csr_matrix(np.ones((1, n))), sp.csr_matrix((1, m))])], format="csc")
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n + m, m + 1
    lp.col_cost_ = np.concatenate([model.fold, model.weights[model.multi]])
    lp.col_lower_, lp.col_upper_ = np.zeros(n + m), np.ones(n + m)
    lp.row_lower_ = np.full(m + 1, -highspy.kHighsInf)
    lp.row_upper_ = np.concatenate([np.zeros(m), [float(model.k)]])
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = a.indptr, a.indices, a.data
    if integral:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n + [highspy.HighsVarType.kContinuous] * m
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", "on" if presolve else "off")
    if time_limit_s is not None:
        h.setOptionValue("time_limit", float(time_limit_s))
    h.passModel(lp)
    return h


def solve_lp(model: Model, presolve: bool = False, time_limit_s: float | None = None) -> LPResult | None:
    """The LP relaxation; ``None`` when HiGHS did not reach an optimum."""
    h = _highs(model, integral=False, presolve=presolve, time_limit_s=time_limit_s)
    # Primal simplex: on the BDS1000-like LP (5,800 rows x 980 columns) 0.8 s against 13 s for HiGHS's default
    # dual simplex (measured; presolve on did not help either).
    h.setOptionValue("simplex_strategy", 4)
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    sol = h.getSolution()
    n = model.cover.shape[1]
    duals = np.zeros(model.cover.shape[0])
    duals[model.multi] = np.abs(np.asarray(sol.row_dual)[:len(model.multi)])
    return LPResult(float(h.getInfo().objective_function_value), np.asarray(sol.col_value)[:n], duals, status)


def solve_mip(model: Model, start: list[int] | None, integral_weights: bool, presolve: bool,
              time_limit_s: float | None, mip_rel_gap: float = 0.0) -> MIPResult:
    """The MIP, given ``start`` (open candidates) as the first incumbent.

    With whole-number weights every objective value is whole, so a gap below 1 proves the incumbent optimal:
    HiGHS stops at an absolute gap of 0.999 (and a relative gap of ``mip_rel_gap``, default 0).
    """
    h = _highs(model, integral=True, presolve=presolve, time_limit_s=time_limit_s)
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.setOptionValue("mip_abs_gap", 0.999 if integral_weights else 1e-9)
    n = model.cover.shape[1]
    if start:
        x = np.zeros(n)
        x[start] = 1.0
        sub = model.cover.tocsr()[model.multi]
        y = np.minimum(1.0, sub @ x)
        sol = highspy.HighsSolution()
        sol.col_value = list(np.concatenate([x, y]))
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    info = h.getInfo()
    status = h.modelStatusToString(h.getModelStatus())
    optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    x = None
    obj = None
    if info.primal_solution_status == 2:  # kSolutionStatusFeasible
        x = np.asarray(h.getSolution().col_value)[:n]
        obj = float(info.objective_function_value)
    dual = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else None
    return MIPResult(x, obj, dual, float(info.mip_gap), status, optimal, int(info.mip_node_count))
