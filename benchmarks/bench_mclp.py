"""MCLP solver benchmark on generated instances of the published families' shapes: product vs CBC vs HiGHS.

Instances (``mclp_instances``, fixed seeds, SYNTHETIC — the published SJC / BDS / BDS1000 files are CC BY-NC-SA
and are not shipped): SJC-like (300–800 clustered demand points, every point a candidate, radii 800–1,600 m) and
BDS / BDS1000-like (100 or 1,000 candidates x 10,000–100,000 uniform customers, integer demands 1–100).

Each instance is solved in the same run, from the same 0/1 coverage matrix, by

* the product: ``supplychain.mclp.solve(cover, demand, p)`` (reductions, heuristic, bound, HiGHS MIP);
* CBC through PuLP (the ``bench`` extra; PuLP ships CBC) on the textbook model (Church & ReVelle 1974):
  ``max sum w_i y_i, y_i <= sum_j a_ij x_j, sum_j x_j <= p, x binary, 0 <= y <= 1``; its time is PuLP's
  ``solve()`` (writing the model file, CBC, reading the answer), model building in Python reported apart;
* HiGHS with its default options (highspy) on the same textbook model, built from arrays (run time only).

"proven" is each solver's own claim: the product's status ``optimal`` (its proof in the table's last column),
CBC's ``Optimal``, HiGHS's ``Optimal`` model status. Objectives are recomputed from the chosen sites.

Run: ``./run.sh bench mclp`` or ``.venv/bin/python benchmarks/bench_mclp.py [--quick] [--only NAME]``.
Writes ``benchmarks/results/mclp.json``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import common  # noqa: E402
import mclp_instances  # noqa: E402
from common import say  # noqa: E402

#: Wall-clock limit given to every solver per instance.
TIME_LIMIT_S = 60.0


def objective_of(cover: sp.csc_matrix, w: np.ndarray, chosen) -> float:
    chosen = list(chosen)
    if not chosen:
        return 0.0
    return float(w[np.asarray(cover[:, chosen].sum(axis=1)).ravel() > 0].sum())


def run_product(inst) -> dict:
    from supplychain import mclp

    t0 = time.perf_counter()
    sol = mclp.solve(inst.cover, inst.weights, inst.p, time_limit_s=TIME_LIMIT_S)
    took = time.perf_counter() - t0
    return {"s": took, "objective": objective_of(inst.cover, inst.weights, sol.chosen),
            "proven": sol.status == "optimal", "status": sol.status, "bound": sol.bound,
            "proof": sol.details.get("proof"), "details": sol.details}


def run_cbc(inst) -> dict:
    try:
        import pulp
    except ImportError as exc:
        return {"error": f"pulp not installed ({exc}): pip install -e '.[bench]'"}
    cover = inst.cover.tocsr()
    n_items, n_cand = cover.shape
    t0 = time.perf_counter()
    prob = pulp.LpProblem("mclp", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x{j}", cat="Binary") for j in range(n_cand)]
    y = [pulp.LpVariable(f"y{i}", 0, 1) for i in range(n_items)]
    prob += pulp.LpAffineExpression([(y[i], float(inst.weights[i])) for i in range(n_items)])
    for i in range(n_items):
        cols = cover.indices[cover.indptr[i]:cover.indptr[i + 1]]
        prob += pulp.LpAffineExpression([(y[i], 1.0)] + [(x[j], -1.0) for j in cols]) <= 0, f"c{i}"
    prob += pulp.lpSum(x) <= inst.p, "budget"
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=TIME_LIMIT_S))
    took = time.perf_counter() - t0
    chosen = [j for j, v in enumerate(x) if (v.value() or 0) > 0.5]
    status = pulp.LpStatus[prob.status]
    # PuLP reports "Optimal" also when CBC stopped at the time limit with a solution; its solution status
    # tells a proven optimum (LpSolutionOptimal) from a feasible one (LpSolutionIntegerFeasible).
    proven = prob.sol_status == pulp.LpSolutionOptimal and took < TIME_LIMIT_S
    return {"s": took, "build_s": build, "objective": objective_of(inst.cover, inst.weights, chosen),
            "proven": proven, "status": status}


def run_highs_default(inst) -> dict:
    import highspy

    cover = inst.cover.tocsc()
    n_items, n_cand = cover.shape
    # Columns: x_0..x_{n-1} (binary), then y_0..y_{m-1}; rows: y_i - sum_j a_ij x_j <= 0, then the budget.
    a = sp.vstack([sp.hstack([-cover.astype(float), sp.identity(n_items, format="csc")]),
                   sp.hstack([sp.csr_matrix(np.ones((1, n_cand))), sp.csr_matrix((1, n_items))])]).tocsc()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_cand + n_items, n_items + 1
    lp.col_cost_ = np.concatenate([np.zeros(n_cand), inst.weights])
    lp.col_lower_, lp.col_upper_ = np.zeros(n_cand + n_items), np.ones(n_cand + n_items)
    lp.row_lower_ = np.full(n_items + 1, -highspy.kHighsInf)
    lp.row_upper_ = np.concatenate([np.zeros(n_items), [float(inst.p)]])
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = a.indptr, a.indices, a.data
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_cand + [highspy.HighsVarType.kContinuous] * n_items
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", TIME_LIMIT_S)
    h.passModel(lp)
    t0 = time.perf_counter()
    h.run()
    took = time.perf_counter() - t0
    status = h.modelStatusToString(h.getModelStatus())
    xs = np.asarray(h.getSolution().col_value[:n_cand])
    chosen = np.flatnonzero(xs > 0.5)
    return {"s": took, "objective": objective_of(inst.cover, inst.weights, chosen), "proven": status == "Optimal",
            "status": status, "mip_gap": h.getInfo().mip_gap}


def run_instance(inst, solvers: tuple[str, ...]) -> dict:
    total = float(inst.weights.sum())
    row = {"instance": inst.name, "family": inst.family, "n": inst.n_candidates, "m": inst.n_customers,
           "p": inst.p, "r": inst.radius, "seed": inst.seed, "cover_pairs": int(inst.cover.nnz),
           "total_demand": total}
    runners = {"product": run_product, "cbc": run_cbc, "highs": run_highs_default}
    for name in solvers:
        say(f"{inst.name}: {name} …")
        try:
            row[name] = runners[name](inst)
        except Exception as exc:  # report, do not fail the whole benchmark
            row[name] = {"error": f"{type(exc).__name__}: {exc}"}
        r = row[name]
        say(f"  {name}: " + (r["error"] if "error" in r else
                             f"{r['objective']:.0f} in {r['s']:.2f} s, {r['status']}"
                             + ("" if r["proven"] else " (not proven)")))
    return row


def _cell_obj(r: dict) -> str:
    if not r:
        return "–"
    if "error" in r:
        return "error"
    return f"{r['objective']:.0f}{'' if r['proven'] else ' ?'}"


def print_table(rows: list[dict]) -> str:
    out = []
    for row in rows:
        prod, cbc, hi = row.get("product", {}), row.get("cbc", {}), row.get("highs", {})
        objs = {r["objective"] for r in (prod, cbc, hi) if r and "objective" in r}
        same = "yes" if len(objs) == 1 else "NO"
        cover_share = 100 * prod.get("objective", 0) / row["total_demand"] if row["total_demand"] else 0
        def t(r):
            return "–" if not r or "s" not in r else f"{r['s']:.2f}"
        def ratio(r):
            return "–" if not r or "s" not in r or "s" not in prod else f"{r['s'] / prod['s']:.1f}x"
        proven = "/".join("y" if r.get("proven") else "n" for r in (prod, cbc, hi) if r)
        out.append([row["instance"], f"{row['n']}/{row['m']}/{row['p']}/{row['r']:g}", _cell_obj(prod),
                    _cell_obj(cbc), _cell_obj(hi), same, f"{cover_share:.0f}%", proven, t(prod), t(cbc), t(hi),
                    ratio(cbc), ratio(hi), prod.get("proof") or prod.get("status", "")])
    text = common.table(out, ["instance (synthetic)", "n/m/p/r", "product obj", "CBC obj", "HiGHS obj", "same",
                              "covered", "proven p/C/H", "product s", "CBC s", "HiGHS s", "CBC/product",
                              "HiGHS/product", "product proof"])
    print(text)
    return text


def main(argv: list[str] | None = None) -> dict | None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="two instances per family")
    p.add_argument("--only", default=None, help="only instances whose name contains this text")
    p.add_argument("--out", default="mclp", help="results file name (benchmarks/results/NAME.json)")
    p.add_argument("--solvers", default="product,cbc,highs", help="comma-separated subset of product,cbc,highs")
    args = p.parse_args(argv)
    quick = args.quick or os.environ.get("BENCH_QUICK") == "1"
    solvers = tuple(s for s in args.solvers.split(",") if s)
    specs = [(n, make) for n, make in mclp_instances.suite(quick) if not args.only or args.only in n]
    rows = [run_instance(make(), solvers) for _, make in specs]
    results = {"machine": common.machine_info(), "quick": quick, "time_limit_s": TIME_LIMIT_S,
               "synthetic_note": "instances generated by code (benchmarks/mclp_instances.py, fixed seeds) in the "
                                 "published families' shapes; no published instance file is used",
               "rows": rows}
    print()
    results["table"] = print_table(rows)
    path = common.write_json(args.out, results)
    print(f"results: {path}")
    return None


if __name__ == "__main__":
    main()
