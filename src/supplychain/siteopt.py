"""Site optimisation: choose the best k sites for the makers' unmet BOM categories by maximal covering.

Demand items are (maker, missing BOM category) pairs from the 10 km sourcing check
(:func:`demand_from_sourcing`; tests and benchmarks pass their own, :func:`demand_of`); a site covers a maker's
items when the maker lies within the radius by road (:func:`coverage`, measured by
:mod:`supplychain.sitemeasure`). The maximal covering model (solved by :mod:`supplychain.mclp`) picks k sites
from user candidates or a regular grid of network points (:func:`grid_candidates`), optionally on top of fixed
(existing) sites whose coverage counts as already covered.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import shapely

from . import mclp, measure, studyarea, taxonomy
from .errors import InputError, parse_float, parse_int
from .messages import _
from .reach import check_radius
from .registry import Entity
from .sitemeasure import Site, Targets, parse_sites, snap_sites, within_radius
from .sourcing import sourcing_check
from .synthetic import is_synthetic
from .workspace import ESTIMATED, NETWORK, Workspace

Progress = Callable[[str], None]

MAX_OPTIMIZE_CANDIDATES = 50_000
MAX_FIXED_SITES = 5_000
MAX_GRID_POINTS = 20_000
MAX_LISTED = 200  # uncovered makers listed in an optimisation answer
MIN_GRID_M = 100.0
METHODS = ("auto", "exact", "heuristic")


# ----------------------------------------------------------------------------------------------------
# Inputs

def parse_category_weights(weights, field_name: str = "weights") -> dict[str, float]:
    """Optimisation weights: one non-negative weight per component category (default 1 each)."""
    out = {c: 1.0 for c in taxonomy.COMPONENT_CATEGORIES}
    if weights is None or (isinstance(weights, dict) and not weights):
        return out
    if not isinstance(weights, dict):
        raise InputError(field_name, _("weights must be an object mapping component category to weight"))
    weights = {taxonomy.resolve(k, taxonomy.CATEGORIES) or k: v for k, v in weights.items()}  # 中文 names too
    unknown = [k for k in weights if k not in taxonomy.COMPONENT_CATEGORIES]
    if unknown:
        raise InputError(field_name, _("unknown category {items}: optimisation weights are per component category ({choices})",
                                       items=", ".join(map(repr, unknown)),
                                       choices=", ".join(taxonomy.COMPONENT_CATEGORIES)))
    for k, v in weights.items():
        out[k] = parse_float(v, f"{field_name}.{k}", 0, 1e6)
    if not any(out.values()):
        raise InputError(field_name, _("every category weight is 0: nothing to cover"))
    return out


def parse_k(k, n_candidates: int, field_name: str = "k") -> int:
    if k is None or (isinstance(k, str) and not k.strip()):
        raise InputError(field_name, _("k (number of sites to choose) is required"), "missing")
    value = parse_int(k, field_name)
    if value < 1:
        raise InputError(field_name, _("k must be at least 1, got {value}", value=value), "out_of_range")
    if value > n_candidates:
        raise InputError(field_name, _("k = {value} is larger than the number of candidates ({n_candidates})",
                                       value=value, n_candidates=n_candidates),
                         "out_of_range")
    return value



# ----------------------------------------------------------------------------------------------------
# Demand, candidates, coverage

@dataclass
class Demand(Targets):
    """Makers with BOM categories not surely covered: the demand items of the covering model, per maker.

    ``missing[m]`` lists maker m's items: categories whose every supplier is beyond the radius, and (marked in
    ``undetermined[m]``) those whose coverage the positions cannot decide. A site covers a maker when the maker
    is ``within`` its radius (upper bound), measured by :func:`sitemeasure.within_radius`.
    """

    missing: list[list[str]] = field(default_factory=list)
    weight: np.ndarray = field(default_factory=lambda: np.zeros(0))  # sum of each maker's items' weights
    synthetic: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    undetermined: list[list[str]] = field(default_factory=list)


def demand_of(ws: Workspace, makers: list[Entity], missing: list[list[str]],
              category_weights: dict[str, float] | None = None,
              undetermined: list[list[str]] | None = None) -> Demand:
    """The demand of located ``makers``, each lacking the categories ``missing[i]``, snapped on ``ws``'s network.

    A maker's weight is the sum of its items' weights (default 1 each). Snapped here, not from
    ``ws.snapping``: tests and benchmarks pass makers outside the registry.
    """
    weights = category_weights or {}
    t = Targets.of_entities(ws, makers, snapped=False)
    return Demand(t.ids, t.names, t.precisions, t.pos, missing=[list(m) for m in missing],
                  weight=np.array([sum(weights.get(c, 1.0) for c in m) for m in missing], float),
                  synthetic=np.array([is_synthetic(e) for e in makers], bool),
                  undetermined=[list(u) for u in (undetermined or [[] for _ in makers])])


def demand_from_sourcing(ws: Workspace, radius_km, category_weights: dict[str, float]) -> Demand:
    """Demand items from the sourcing check: each located maker's categories not surely covered within the
    radius (``missing``, and ``undetermined`` ones marked as such)."""
    rows = [r for r in sourcing_check(ws, radius_km)["makers"] if r["missing"] or r["undetermined"]]
    und = [[u["category"] for u in r["undetermined"]] for r in rows]
    return demand_of(ws, [ws.by_id[r["id"]] for r in rows], [r["missing"] + u for r, u in zip(rows, und)],
                     category_weights, und)


def _district_area(ws: Workspace):
    """The district polygon (metric) the default grid covers: the study area's boundary itself."""
    if ws.study_area is not None:
        return ws.study_area.boundary_m
    return None


def grid_candidates(ws: Workspace, grid_m=1000, field_name: str = "grid_m") -> tuple[list[Site], list[str]]:
    """A regular grid over the district polygon (吴中区 itself, not its buffer nor the network's extent).

    Where the road network covers the district (inside the hull of its nodes), only points within half a cell
    of a road are kept, moved onto it (land); elsewhere the data cannot tell land from water (太湖), so the
    points stay where they are and a note says so. Without a study area, the network's extent is used.
    """
    grid = parse_float(grid_m, field_name, MIN_GRID_M, 50_000)
    area = _district_area(ws)
    notes: list[str] = []
    if area is None and ws.network is None:
        raise InputError("candidates", _("no network and no study area loaded: give candidates explicitly"), "missing")
    if area is not None:
        xmin, ymin, xmax, ymax = area.bounds
    else:
        a = ws.network.arrays
        xmin, xmax, ymin, ymax = a["x"].min(), a["x"].max(), a["y"].min(), a["y"].max()
        notes.append(_("No study-area boundary: the grid covers the road network's extent."))
    nx_, ny_ = int((xmax - xmin) // grid) + 1, int((ymax - ymin) // grid) + 1
    if nx_ * ny_ > MAX_GRID_POINTS * 4:
        raise InputError(field_name, _("a {grid} m grid over this area has {value} cells; use a coarser grid",
                                       grid=format(grid, 'g'), value=format(nx_ * ny_, ',')),
                         "too_many")
    gx, gy = np.meshgrid(xmin + grid / 2 + np.arange(nx_) * grid, ymin + grid / 2 + np.arange(ny_) * grid)
    gx, gy = gx.ravel(), gy.ravel()
    if area is not None:
        inside = shapely.contains_xy(area, gx, gy)
        gx, gy = gx[inside], gy[inside]
    lon_parts, lat_parts = [], []
    blind = np.ones(len(gx), bool)
    if ws.network is not None and len(gx):
        covered = shapely.contains_xy(_network_hull(ws), gx, gy)
        dist, node = ws.network.tree.query(np.column_stack([gx[covered], gy[covered]]))
        keep = dist <= min(grid / 2, ws.snap_limit_m)
        node = np.unique(node[keep])  # one candidate per road node
        lon_parts.append(ws.network.arrays["lon"][node]), lat_parts.append(ws.network.arrays["lat"][node])
        blind = ~covered
        if covered.any():
            notes.append(_("Inside the road network's coverage only grid points near a road are kept "
                           "({n} far from any road dropped).", n=format(int(covered.sum() - keep.sum()), ",")))
    if blind.any():
        lon, lat = studyarea.to_lonlat(gx[blind], gy[blind])
        lon_parts.append(np.atleast_1d(lon)), lat_parts.append(np.atleast_1d(lat))
        notes.append(_("{n} grid points lie outside the road network's coverage: the data cannot tell land from "
                       "water there (太湖 covers about half of 吴中区), so candidates may fall on water, and their "
                       "distances are estimated.", n=format(int(blind.sum()), ",")))
    lon = np.concatenate(lon_parts) if lon_parts else np.zeros(0)
    lat = np.concatenate(lat_parts) if lat_parts else np.zeros(0)
    if len(lon) > MAX_GRID_POINTS:
        raise InputError(field_name, _("a {grid} m grid gives {n} candidates (at most {MAX_GRID_POINTS}); use a coarser grid",
                                       grid=format(grid, 'g'), n=format(len(lon), ','), MAX_GRID_POINTS=format(MAX_GRID_POINTS, ',')), "too_many")
    if not len(lon):
        raise InputError(field_name, _("a {grid} m grid leaves no candidate in the district",
                                       grid=format(grid, 'g')), "empty")
    points = [(f"G{i + 1}", float(x), float(y), None) for i, (x, y) in enumerate(zip(lon, lat))]
    return snap_sites(ws, points, "grid"), notes


def _network_hull(ws: Workspace):
    """Where the loaded network has data: the convex hull of its nodes (metric), once per network."""
    def build():
        a = ws.network.arrays
        hull = shapely.convex_hull(shapely.multipoints(np.column_stack([a["x"], a["y"]])))
        shapely.prepare(hull)
        return hull
    return ws.memo("network_hull", build)


def coverage(ws: Workspace, sites: list[Site], demand: Demand, radius_m: float):
    """Which site surely covers which maker within the radius, makers x sites: (network pairs, estimated
    pairs, undetermined pairs)."""
    w = within_radius(ws, sites, demand, radius_m)
    return w.network.T.tocsc(), w.estimated.T.tocsc(), w.undetermined.T.tocsc()


# ----------------------------------------------------------------------------------------------------
# Optimise

def _solver_text(sol: mclp.Solution) -> str:
    proof = sol.details.get("proof")
    if sol.status == "optimal" and proof and proof.startswith("HiGHS MILP"):
        return f"{proof} (highspy): proven optimal"
    if sol.status == "optimal":
        return f"greedy + swap search; proven optimal: {proof}"
    if sol.status == "time_limit":
        return "HiGHS MILP stopped at the time limit: best answer found, gap from HiGHS's bound"
    return "greedy + swap search (heuristic); gap to the LP relaxation bound (HiGHS)"


def _chosen_out(sites: list[Site], picked: list[int], group_of: np.ndarray, cover: sp.csc_matrix,
                a_est: sp.csc_matrix, demand: Demand, residual_w: np.ndarray,
                already: np.ndarray) -> tuple[list[dict], np.ndarray]:
    """The chosen sites in order, each with the makers it covers and what it adds; and which makers end covered."""
    chosen_out = []
    covered = already.copy()
    for order, i_site in enumerate(picked, start=1):
        s, j = sites[i_site], int(group_of[i_site])
        col = cover.indices[cover.indptr[j]:cover.indptr[j + 1]]
        new = col[~covered[col]]
        covered[col] = True
        est_rows = set(a_est.indices[a_est.indptr[j]:a_est.indptr[j + 1]].tolist())
        new_rows = set(new.tolist())
        makers = [{"id": demand.ids[m], "name_zh": demand.names[m], "missing": demand.missing[m],
                   "weight": round(float(demand.weight[m]), 4), "newly_covered": m in new_rows,
                   "distance_method": ESTIMATED if m in est_rows else NETWORK,
                   "synthetic": bool(demand.synthetic[m])} for m in col.tolist()]
        chosen_out.append({**s.to_dict(), "order": order, "index": i_site,
                           "marginal_weight": round(float(residual_w[new].sum()), 4),
                           "makers_covered": len(col),
                           "items_newly_covered": int(sum(len(demand.missing[m]) for m in new)),
                           "makers": makers})
    return chosen_out, covered


def _share(objective: float, total: float, uncertain: bool) -> float | None:
    """Share of the demand surely covered; never 100 % while any demand is undetermined."""
    if total <= 0:
        return None
    share = round(objective / total, 4)
    return min(share, 0.99) if uncertain else share  # 99 % at most: shown rounded, never "100 %"


def _notes(ws: Workspace, source: str, cover: sp.csc_matrix, a_est: sp.csc_matrix, demand: Demand,
           chosen_out: list[dict], maybe: int = 0) -> list[str]:
    notes = []
    if maybe:
        notes.append(_("{n} maker(s) may lie within a chosen site's radius, but the positions cannot tell: not "
                       "counted in the objective.", n=maybe) + " " + measure.SETTLE_HINT)
    if len(demand) and not cover.nnz:
        notes.append(_("No candidate surely covers any demand: the makers' positions are too coarse for any site "
                       "to be surely within the radius.") + " " + measure.SETTLE_HINT)
    if ws.network is None:
        notes.append(_("No road network loaded: coverage is estimated (straight line × {factor}).",
                       factor=format(ws.estimator.factor, "g"))
                     + (" " + _("The grid covers the whole study-area polygon, water included.") if source == "grid" else ""))
    elif a_est.nnz:
        notes.append(_("{n} of {total} (maker, site) pairs are estimated (straight line × {factor}): one end lies "
                       "off the road network.", n=format(a_est.nnz, ","), total=format(cover.nnz, ","),
                       factor=format(ws.estimator.factor, "g")))
    idle = [c["order"] for c in chosen_out if c["marginal_weight"] <= 0]
    if idle and len(demand):
        notes.append(_("Site(s) {sites} add nothing: every item the candidates can reach is already covered "
                       "(fewer sites would do).", sites="#" + ", #".join(map(str, idle))))
    if demand.synthetic.any():
        notes.append(_("{n} of {total} makers are synthetic (generated by code).", n=int(demand.synthetic.sum()),
                       total=len(demand)))
    if len(demand) == 0:
        notes.append(_("No maker lacks, or may lack, a category within the radius: nothing to cover."))
    return notes


def optimize_sites(ws: Workspace, k, candidates=None, radius_km=10, weights=None, fixed=None, grid_m=1000,
                   method: str = "auto", time_limit_s: float = 120.0, demand: Demand | None = None,
                   progress: Progress | None = None) -> dict:
    """Choose the best ``k`` sites to cover the makers' unmet BOM categories (maximal covering).

    Parameters
    ----------
    k
        Number of new sites (1 <= k <= number of candidates).
    candidates
        ``[{name, lon, lat}]``; ``None`` for a regular grid of network points every ``grid_m`` metres.
    radius_km
        A site covers the makers within this road distance (default 10 km).
    weights
        Weight per component category of a missing (maker, category) item; default 1 each.
    fixed
        Existing or decided sites ``[{name, lon, lat}]``: what they cover is already covered, and the k new
        sites come on top of them.
    method
        ``auto``, ``exact`` (HiGHS MILP) or ``heuristic`` (greedy + swap, gap to the LP bound).
    demand
        Override the demand (tests and benchmarks); default: from the sourcing check.

    Returns
    -------
    dict
        ``chosen`` (sites in order of marginal gain, with the makers and items each covers and how the
        distance was measured), ``objective`` (weight covered by the new sites), ``bound``, ``gap``,
        ``mip_gap``, ``status``, ``runtime_s``, ``demand`` summary, ``notes``.
    """
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    radius_m = check_radius(radius_km) * 1000.0
    cat_w = parse_category_weights(weights)
    if method not in METHODS:
        raise InputError("method", _("unknown method {method}; expected auto, exact or heuristic",
                                     method=repr(method)))
    grid_notes: list[str] = []
    if candidates is None:
        sites, grid_notes = grid_candidates(ws, grid_m)
        source = "grid"
        say(f"{len(sites):,} grid candidates every {float(grid_m):g} m over the district")
    else:
        sites = parse_sites(ws, candidates, max_n=MAX_OPTIMIZE_CANDIDATES)
        source = "user"
    kk = parse_k(k, len(sites))
    fixed_sites = (parse_sites(ws, fixed, max_n=MAX_FIXED_SITES, field_name="fixed", allow_empty=True,
                               default_prefix="F") if fixed else [])

    if demand is None:
        say("sourcing check: which makers lack which categories within the radius …")
        demand = demand_from_sourcing(ws, radius_m / 1000.0, cat_w)
    say(f"coverage: {len(sites):,} candidates x {len(demand):,} makers with unmet categories, "
        f"radius {radius_m / 1000:g} km …")
    t_cov = time.perf_counter()
    # Sites on the same road node cover the same makers: measure one representative per node.
    group_key = np.array([s.node if s.on_network else -1 - i for i, s in enumerate(sites)], np.int64)
    _unique, rep, group_of = np.unique(group_key, return_index=True, return_inverse=True)
    a_net, a_est, a_und = coverage(ws, [sites[i] for i in rep], demand, radius_m)
    cover = (a_net + a_est).tocsc()
    cover.data[:] = 1
    already = np.zeros(len(demand), bool)
    if fixed_sites:
        f_net, f_est, _fixed_methods = coverage(ws, fixed_sites, demand, radius_m)
        already = np.asarray((f_net + f_est).sum(axis=1)).ravel() > 0
    build_s = time.perf_counter() - t_cov
    say(f"coverage built in {build_s:.2f} s: {cover.nnz:,} (maker, site) pairs within reach "
        f"({a_est.nnz:,} estimated)")

    residual_w = np.where(already, 0.0, demand.weight)
    sol = mclp.solve(cover, residual_w, min(kk, len(rep)), method=method, time_limit_s=time_limit_s, progress=say)
    picked = [int(rep[g]) for g in sol.chosen]
    # k larger than the number of distinct nodes: the extra sites stand on nodes already chosen (add nothing).
    taken = set(picked)
    picked += [i for i in range(len(sites)) if i not in taken][:kk - len(picked)]

    # -- describe the answer
    chosen_out, covered = _chosen_out(sites, picked, group_of, cover, a_est, demand, residual_w, already)
    # Makers a chosen site may serve, but the positions cannot tell: reported beside the objective.
    chosen_groups = np.unique(group_of[picked]) if picked else np.zeros(0, np.int64)
    maybe = (np.asarray(a_und[:, chosen_groups].sum(axis=1)).ravel() > 0) & ~covered if len(chosen_groups) else \
        np.zeros(len(demand), bool)
    maybe_any = (np.asarray(a_und.sum(axis=1)).ravel() > 0) & ~already
    total_w = float(demand.weight.sum())
    fixed_w = float(demand.weight[already].sum())
    coverable = np.asarray(cover.sum(axis=1)).ravel() > 0
    uncovered = [{"id": demand.ids[m], "name_zh": demand.names[m], "missing": demand.missing[m],
                  "verdict": measure.UNDETERMINED if maybe[m] else measure.BEYOND,
                  "reason": ("a chosen site may be within the radius, but the positions cannot tell" if maybe[m]
                             else "no candidate surely within the radius" if not coverable[m]
                             else "not covered by the chosen sites")}
                 for m in np.flatnonzero(~covered)]
    und_items = int(sum(len(u) for u in demand.undetermined))
    result = {
        "k": kk, "radius_km": radius_m / 1000.0, "candidate_source": source,
        "grid_m": float(grid_m) if source == "grid" else None, "n_candidates": len(sites),
        "category_weights": {c: w for c, w in cat_w.items() if w != 1.0} or "1 per category",
        "demand": {"makers": len(demand), "items": int(sum(len(m) for m in demand.missing)),
                   "total_weight": round(total_w, 4),
                   "covered_by_fixed": round(fixed_w, 4),
                   "coverable_weight": round(float(demand.weight[coverable & ~already].sum()), 4),
                   "undetermined_items": und_items,
                   "undetermined_rule": "items whose coverage by existing suppliers the positions cannot decide",
                   "possibly_coverable_weight": round(float(demand.weight[maybe_any & ~coverable].sum()), 4),
                   "synthetic_makers": int(demand.synthetic.sum())},
        "undetermined_coverage": {
            "makers": int(maybe.sum()), "weight": round(float(demand.weight[maybe].sum()), 4),
            "rule": "makers a chosen site may cover (lower bound <= R < upper bound): not counted in the objective",
        },
        "fixed": [s.to_dict() for s in fixed_sites],
        "chosen": chosen_out,
        "objective": round(sol.objective, 6),
        "objective_share": _share(sol.objective, total_w - fixed_w, maybe.any() or und_items > 0),
        "objective_rule": "weight of the items surely covered (upper bound <= R): proven optimal for that objective",
        "bound": round(sol.bound, 6), "gap": round(sol.gap, 6), "mip_gap": sol.mip_gap,
        "lp_bound": sol.lp_bound, "method": sol.method, "status": sol.status,
        "solver": _solver_text(sol),
        "runtime_s": {"coverage": round(build_s, 4), "solve": round(sol.runtime_s, 4),
                      "total": round(time.perf_counter() - t0, 4)},
        "solver_details": sol.details,
        "uncovered": uncovered[:MAX_LISTED],
        "uncovered_count": len(uncovered),
        "notes": grid_notes + _notes(ws, source, cover, a_est, demand, chosen_out, int(maybe.sum())),
        "estimator": ws.estimator.describe(),
    }
    say(f"done: objective {sol.objective:g} (bound {sol.bound:g}, gap {100 * sol.gap:.3f} %), {sol.status}")
    return result
