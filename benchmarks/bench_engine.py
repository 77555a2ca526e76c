"""Engine benchmark: the product vs what a user would write with osmnx/networkx, in the same run.

Two graphs:

- ``sip``: the real SIP road network (../shared/geo/sip-core.osm, 5,860 nodes), imported through the product
  into a temporary data dir;
- ``synthetic``: a SYNTHETIC road-like graph of about 130,000 nodes (benchmarks/synthetic_graph.py), pushed
  through the product's own ``network.build_arrays`` + ``network.save``. Its suppliers and makers are synthetic
  too (``supplychain.synthetic``).

Measured for each: one 10 km supplier query (snap + bounded search + filter), the 600 makers × suppliers
within 10 km matrix, a 10 km isochrone, the cold load of the cached network in a fresh process, and peak
memory. Baselines: ``ox.distance.nearest_nodes`` for snapping and
``nx.single_source_dijkstra_path_length(G, n, cutoff=10000, weight="length")`` for distances, on the osmnx
graph of the same network. Slow baselines run on a subset and are extrapolated linearly (labelled so).
The product's answers are checked against the baseline's on every compared query.

Run: ``.venv/bin/python benchmarks/run_all.py engine`` (or ``benchmarks/bench_engine.py [--quick]``).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import common  # noqa: E402
import synthetic_graph  # noqa: E402
from common import fmt_s, say, summary, timed  # noqa: E402

RADIUS_M = 10_000.0
#: The typical query names a category ("which reducer suppliers are within 10 km"); measured as well.
CATEGORY = "reducer"
N_MAKERS = 600

#: Per graph: synthetic suppliers, single queries (product / baseline), baseline makers for the matrix,
#: isochrones (product / baseline). SIP has fewer suppliers than makers (the product searches from the
#: suppliers over the reverse graph), the synthetic graph more (it searches from the makers): both paths run.
PLAN = {
    "sip": dict(suppliers=300, queries=300, baseline_queries=40, baseline_makers=N_MAKERS, iso=40, baseline_iso=10),
    "synthetic": dict(suppliers=1500, queries=300, baseline_queries=10, baseline_makers=30, iso=20, baseline_iso=4),
}
QUICK = {
    "sip": dict(suppliers=300, queries=60, baseline_queries=10, baseline_makers=60, iso=10, baseline_iso=3),
    "synthetic": dict(suppliers=1500, queries=60, baseline_queries=4, baseline_makers=10, iso=5, baseline_iso=2),
}

TARGETS = {
    "sip": {"single_speedup": 25.0, "matrix_s": 0.5, "isochrone_ms": 30.0, "cold_load_s": 1.0},
    "synthetic": {"single_ms": 5.0, "matrix_s": 3.0, "cold_load_s": 1.0},
}

PRODUCT_LOAD = r"""
import json, sys, time
t0 = time.perf_counter()
import numpy as np
from common import current_rss_mib, peak_rss_mib
from supplychain import engine
from supplychain.network import Network
t1 = time.perf_counter()
rss0 = current_rss_mib()
net = Network.load(sys.argv[1])
t2 = time.perf_counter()
tree = net.tree  # the snapping index, built once per process
t3 = time.perf_counter()
node = int(net.snap([float(sys.argv[2])], [float(sys.argv[3])])[0][0])
dist, pred = engine.distances_with_predecessors(net.graph, node, limit=10000.0)
t4 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "snap_index_s": t3 - t2, "first_query_s": t4 - t3,
                  "rss_before_load_mib": rss0, "peak_rss_mib": peak_rss_mib(),
                  "reached": int(np.isfinite(dist).sum())}))
"""

BASELINE_LOAD = r"""
import json, sys, time
t0 = time.perf_counter()
import networkx as nx
import osmnx as ox
from common import current_rss_mib, peak_rss_mib
t1 = time.perf_counter()
rss0 = current_rss_mib()
G = ox.load_graphml(sys.argv[1])
t2 = time.perf_counter()
d = nx.single_source_dijkstra_path_length(G, int(sys.argv[2]), cutoff=10000.0, weight="length")
t3 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "first_query_s": t3 - t2,
                  "rss_before_load_mib": rss0, "peak_rss_mib": peak_rss_mib(), "reached": len(d)}))
"""


# ----------------------------------------------------------------------------------------------------
# Synthetic registry on a network

def open_workspace(data_dir: Path, n_suppliers: int, store_dir: Path, seed: int):
    """A workspace on the cached network whose registry is SYNTHETIC suppliers (1–2 random component
    categories) and humanoid makers, each within 40 m of a distinct random node (so every one snaps on the
    network but not exactly onto a node); held in memory, not stored."""
    from supplychain import synthetic
    from supplychain.network import Network
    from supplychain.store import Store
    from supplychain.workspace import Workspace

    net = Network.load(data_dir)
    entities = synthetic.makers_and_suppliers(net, N_MAKERS, n_suppliers, seed, max_categories=2,
                                              robot_types=["humanoid"], jitter_m=40.0)
    store_dir.mkdir(parents=True, exist_ok=True)
    ws = Workspace(data_dir, Store(store_dir), entities, net)
    # Everything a long-running process computes once: snapping of the registry, the KD-tree, edge keys.
    _ = ws.snapping, ws.estimator, ws.extent, ws.network.graph.edge_keys
    return ws, entities


# ----------------------------------------------------------------------------------------------------
# One graph

def bench_graph(label: str, data_dir: Path, G, work: Path, plan: dict, seed: int = 3) -> dict:
    """All measurements on one graph. ``G`` is the user's osmnx graph (largest strongly connected component)."""
    import networkx as nx
    import osmnx as ox
    import shapely

    from supplychain import engine, isochrone, reach, studyarea
    from supplychain.network import cache_folder as network_cache_folder

    out: dict = {"graph": label, "synthetic": label == "synthetic", "plan": plan}
    rng = np.random.default_rng(seed)

    ws, entities = open_workspace(data_dir, plan["suppliers"], work / f"{label}-store", seed)
    net = ws.network
    osmid = net.arrays["osmid"]
    out["nodes"], out["edges"] = net.n_nodes, net.n_edges
    suppliers = [e for e in entities if not e.is_maker]
    makers = [e for e in entities if e.is_maker]
    out["registry"] = {"suppliers": len(suppliers), "makers": len(makers), "note": "synthetic entities"}

    # The baseline user's setup: a projected copy for nearest_nodes (osmnx needs scikit-learn, not installed
    # here, for unprojected graphs), and the suppliers snapped once up front.
    t_proj, Gp = timed(ox.project_graph, G, to_crs=studyarea.METRIC_CRS)
    sx, sy = studyarea.to_metric([e.lon for e in suppliers], [e.lat for e in suppliers])
    t_snap_all, s_nodes_nx = timed(ox.distance.nearest_nodes, Gp, np.asarray(sx), np.asarray(sy))
    supplier_node_nx = dict(zip((e.id for e in suppliers), s_nodes_nx.tolist()))
    out["baseline_setup"] = {"project_graph_s": t_proj, "snap_suppliers_s": t_snap_all}

    # -- 1. single 10 km supplier query ------------------------------------------------------------------
    say(f"[{label}] single 10 km supplier queries")
    pts_nodes = rng.integers(0, net.n_nodes, plan["queries"])
    jitter = rng.uniform(-30, 30, (plan["queries"], 2))
    qx, qy = net.arrays["x"][pts_nodes] + jitter[:, 0], net.arrays["y"][pts_nodes] + jitter[:, 1]
    qlon, qlat = studyarea.to_lonlat(qx, qy)
    answers = []

    def product_query(lon, lat):
        answers.append(reach.suppliers_within(ws, lon=float(lon), lat=float(lat), radius_km=RADIUS_M / 1000))

    def product_query_category(lon, lat):
        reach.suppliers_within(ws, lon=float(lon), lat=float(lat), radius_km=RADIUS_M / 1000, category=CATEGORY)

    reach.suppliers_within(ws, lon=float(qlon[0]), lat=float(qlat[0]))  # warm-up (imports, caches)
    reach.suppliers_within(ws, lon=float(qlon[0]), lat=float(qlat[0]), category=CATEGORY)
    gc.collect()
    prod = common.time_calls(product_query, zip(qlon, qlat))
    prod_cat = common.time_calls(product_query_category, zip(qlon, qlat))
    engine_only = common.time_calls(lambda s: engine.distances_with_predecessors(net.graph, s, limit=RADIUS_M),
                                    ((int(n),) for n in pts_nodes[:100]))

    snap_t, dij_t, filt_t, filt_cat_t, total_t, paired, agree = [], [], [], [], [], [], 0
    of_category = {e.id for e in suppliers if CATEGORY in e.categories}
    for i in range(plan["baseline_queries"]):
        t0 = time.perf_counter()
        nn = ox.distance.nearest_nodes(Gp, float(qx[i]), float(qy[i]))
        t1 = time.perf_counter()
        dist = nx.single_source_dijkstra_path_length(G, nn, cutoff=RADIUS_M, weight="length")
        t2 = time.perf_counter()
        found = sorted((dist[n], sid) for sid, n in supplier_node_nx.items() if n in dist)
        t3 = time.perf_counter()
        sorted((dist[n], sid) for sid, n in supplier_node_nx.items() if n in dist and sid in of_category)
        filt_cat_t.append(time.perf_counter() - t3)
        snap_t.append(t1 - t0), dij_t.append(t2 - t1), filt_t.append(t3 - t2), total_t.append(t3 - t0)
        # The product on the same origin right after: a paired ratio, robust to load from other processes.
        paired.append((t3 - t0) / statistics.median(common.time_calls(product_query, [(qlon[i], qlat[i])] * 3)))
        del answers[-3:]
        mine = {r["id"]: r["road_m"] for r in answers[i]["results"]}
        theirs = {sid: d for d, sid in found}
        agree += int(set(mine) == set(theirs) and all(abs(mine[k] - theirs[k]) <= 0.05 for k in mine))
    p_med = statistics.median(prod)
    out["single_query"] = {
        "product": summary(prod),
        "product_engine_search_only": summary(engine_only),
        "mean_results": round(float(np.mean([len(a["results"]) for a in answers])), 1),
        "baseline": summary(total_t),
        "baseline_parts_median_ms": {"nearest_nodes": summary(snap_t)["median_ms"],
                                     "dijkstra": summary(dij_t)["median_ms"], "filter": summary(filt_t)["median_ms"]},
        "ratio": statistics.median(total_t) / p_med,
        "ratio_paired_median": statistics.median(paired),
        "with_category": {
            "category": CATEGORY, "suppliers_of_category": len(of_category), "product": summary(prod_cat),
            "baseline_median_ms": round(1000 * statistics.median(
                [a + b + c for a, b, c in zip(snap_t, dij_t, filt_cat_t)]), 3),
        },
        "ratio_search_only": statistics.median(dij_t) / p_med,
        "agreement": f"{agree}/{plan['baseline_queries']} queries gave the same suppliers and road_m (±0.05 m)",
    }

    # -- 2. 600 makers x suppliers within 10 km --------------------------------------------------------------
    say(f"[{label}] {len(makers)} makers x {len(suppliers)} suppliers within 10 km")
    m_lon = [e.lon for e in makers]
    m_lat = [e.lat for e in makers]
    s_lon = [e.lon for e in suppliers]
    s_lat = [e.lat for e in suppliers]

    def product_matrix():
        m_nodes, _ = net.snap(m_lon, m_lat)
        s_nodes, _ = net.snap(s_lon, s_lat)
        return engine.pairs_within(net.graph, m_nodes, s_nodes, RADIUS_M)

    runs = []
    for _ in range(3):
        gc.collect()
        t, pairs = timed(product_matrix)
        runs.append(t)
    tracemalloc.start()
    product_matrix()
    prod_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    mi, si, md = pairs
    s_nodes_distinct = len(np.unique(net.snap(s_lon, s_lat)[0]))
    m_nodes_distinct = len(np.unique(net.snap(m_lon, m_lat)[0]))

    mx, my = studyarea.to_metric(m_lon, m_lat)
    m_nodes_nx = ox.distance.nearest_nodes(Gp, np.asarray(mx), np.asarray(my))
    s_list = list(supplier_node_nx.values())
    k = min(plan["baseline_makers"], len(makers))
    gc.collect()
    t0 = time.perf_counter()
    base_pairs = []
    for a in range(k):
        dist = nx.single_source_dijkstra_path_length(G, int(m_nodes_nx[a]), cutoff=RADIUS_M, weight="length")
        base_pairs.extend((a, b, dist[n]) for b, n in enumerate(s_list) if n in dist)
    t_base = time.perf_counter() - t0
    tracemalloc.start()
    for a in range(min(5, k)):
        dist = nx.single_source_dijkstra_path_length(G, int(m_nodes_nx[a]), cutoff=RADIUS_M, weight="length")
        _ = [(a, b, dist[n]) for b, n in enumerate(s_list) if n in dist]
    base_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    mine = {(int(a), int(b)): float(d) for a, b, d in zip(mi, si, md) if a < k}
    theirs = {(a, b): d for a, b, d in base_pairs}
    same = set(mine) == set(theirs) and all(abs(mine[p] - theirs[p]) <= 1e-6 for p in mine)
    base_full = t_base * len(makers) / k
    out["matrix"] = {
        "makers": len(makers), "suppliers": len(suppliers),
        "distinct_nodes": {"makers": m_nodes_distinct, "suppliers": s_nodes_distinct},
        "product_search_side": "suppliers (reverse graph)" if s_nodes_distinct < m_nodes_distinct else "makers",
        "pairs_within_10km": int(len(md)),
        "product_s": {"min": min(runs), "median": statistics.median(runs), "runs": runs},
        "product_peak_traced_mib": prod_peak / 2**20,
        "baseline_makers_timed": k,
        "baseline_s_timed": t_base,
        "baseline_s_for_all": base_full,
        "baseline_extrapolated": k < len(makers),
        "baseline_peak_traced_mib_per_maker": base_peak / 2**20,
        "ratio": base_full / statistics.median(runs),
        "agreement": f"pairs of the {k} makers timed on networkx: {'identical' if same else 'DIFFERENT'}",
    }

    # -- 3. isochrone 10 km ---------------------------------------------------------------------------------
    say(f"[{label}] 10 km isochrones")
    iso_pts = list(zip(qlon[: plan["iso"]], qlat[: plan["iso"]]))
    isochrone.isochrones(ws, lon=float(iso_pts[0][0]), lat=float(iso_pts[0][1]), breaks=[10])  # warm-up
    iso_t = common.time_calls(lambda lo, la: isochrone.isochrones(ws, lon=float(lo), lat=float(la), breaks=[10]),
                              iso_pts)
    ego_t, convex_t, concave_t = [], [], []
    xy = {n: (d["x"], d["y"]) for n, d in Gp.nodes(data=True)}
    for i in range(plan["baseline_iso"]):
        nn = ox.distance.nearest_nodes(Gp, float(qx[i]), float(qy[i]))
        t0 = time.perf_counter()
        sub = nx.ego_graph(G, nn, radius=RADIUS_M, distance="length")
        pts = shapely.multipoints(np.array([xy[n] for n in sub.nodes]))
        t1 = time.perf_counter()
        shapely.convex_hull(pts)
        t2 = time.perf_counter()
        shapely.concave_hull(pts, ratio=isochrone.HULL_RATIO)
        t3 = time.perf_counter()
        ego_t.append(t1 - t0), convex_t.append(t2 - t0), concave_t.append(t1 - t0 + t3 - t2)
    out["isochrone"] = {
        "product": summary(iso_t),
        "baseline_ego_graph_only": summary(ego_t),
        "baseline_ego_convex_hull": summary(convex_t),
        "baseline_ego_concave_hull": summary(concave_t),
        "ratio_vs_concave": statistics.median(concave_t) / statistics.median(iso_t),
        "ratio_vs_convex": statistics.median(convex_t) / statistics.median(iso_t),
        "note": "baseline excludes snapping; product includes it, plus edge frontier points and a road corridor",
    }

    # -- 4. cold load and peak memory in fresh processes ------------------------------------------------------
    say(f"[{label}] cold loads in fresh processes")
    gml = work / f"{label}.graphml"
    t_save, _ = timed(ox.save_graphml, G, gml)
    q_lon, q_lat = str(float(qlon[0])), str(float(qlat[0]))
    prod_runs = [common.run_python(PRODUCT_LOAD, str(data_dir), q_lon, q_lat) for _ in range(3)]
    base_run = common.run_python(BASELINE_LOAD, str(gml), str(int(osmid[int(pts_nodes[0])])))
    best = min(prod_runs, key=lambda r: r["load_s"])
    cache_bytes = sum(f.stat().st_size for f in network_cache_folder(data_dir).iterdir())
    out["cold_load"] = {
        "product": best, "product_load_s_runs": [r["load_s"] for r in prod_runs],
        "baseline": base_run, "ratio": base_run["load_s"] / best["load_s"],
        "cache_mib": cache_bytes / 2**20, "graphml_mib": gml.stat().st_size / 2**20, "save_graphml_s": t_save,
        "note": "fresh interpreter each time; the OS file cache is warm (files just written)",
    }
    out["memory"] = {
        "product_peak_rss_mib": best["peak_rss_mib"],
        "product_load_and_query_mib": best["peak_rss_mib"] - best["rss_before_load_mib"],
        "baseline_peak_rss_mib": base_run["peak_rss_mib"],
        "baseline_load_and_query_mib": base_run["peak_rss_mib"] - base_run["rss_before_load_mib"],
        "note": "peak RSS of a fresh process that loads the network and runs one 10 km query; "
                "'load_and_query' subtracts the RSS after imports",
    }
    gml.unlink()
    return out


# ----------------------------------------------------------------------------------------------------
# Report

def rows_for(r: dict) -> list[list]:
    label = r["graph"]
    t = TARGETS[label]
    sq, mx, iso, cl, mem = r["single_query"], r["matrix"], r["isochrone"], r["cold_load"], r["memory"]
    p_med = sq["product"]["median_ms"] / 1000
    b_med = sq["baseline"]["median_ms"] / 1000
    single_target = (f"≥{t['single_speedup']:g}x: "
                     f"{'met' if sq['ratio_paired_median'] >= t['single_speedup'] else 'MISSED'} (paired)"
                     if "single_speedup" in t else
                     f"<{t['single_ms']:g} ms: {'met' if sq['product']['median_ms'] < t['single_ms'] else 'MISSED'}")
    m_med = mx["product_s"]["median"]
    extra = f" (extrapolated from {mx['baseline_makers_timed']} makers)" if mx["baseline_extrapolated"] else ""
    rows = [
        ["single 10 km supplier query (median)", fmt_s(p_med),
         f"{fmt_s(b_med)} (snap {sq['baseline_parts_median_ms']['nearest_nodes']:.0f} ms"
         f" + dijkstra {sq['baseline_parts_median_ms']['dijkstra']:.1f} ms)",
         f"{sq['ratio_paired_median']:.0f}x paired ({sq['ratio']:.0f}x of medians; "
         f"{sq['ratio_search_only']:.0f}x vs its Dijkstra alone)", single_target],
        [f"same, one category ({sq['with_category']['category']}, "
         f"{sq['with_category']['suppliers_of_category']} suppliers)",
         fmt_s(sq["with_category"]["product"]["median_ms"] / 1000),
         fmt_s(sq["with_category"]["baseline_median_ms"] / 1000),
         f"{sq['with_category']['baseline_median_ms'] / sq['with_category']['product']['median_ms']:.0f}x", ""],
        [f"{mx['makers']} makers × {mx['suppliers']} suppliers within 10 km", fmt_s(m_med),
         fmt_s(mx["baseline_s_for_all"]) + extra, f"{mx['ratio']:.0f}x",
         f"<{t['matrix_s']:g} s: {'met' if m_med < t['matrix_s'] else 'MISSED'}"],
        ["10 km isochrone (median)", fmt_s(iso["product"]["median_ms"] / 1000),
         f"{fmt_s(iso['baseline_ego_concave_hull']['median_ms'] / 1000)} concave / "
         f"{fmt_s(iso['baseline_ego_convex_hull']['median_ms'] / 1000)} convex",
         f"{iso['ratio_vs_concave']:.0f}x / {iso['ratio_vs_convex']:.0f}x",
         (f"<{t['isochrone_ms']:g} ms: {'met' if iso['product']['median_ms'] < t['isochrone_ms'] else 'MISSED'}"
          if "isochrone_ms" in t else "")],
        ["cold load, fresh process (Network.load vs ox.load_graphml)", fmt_s(cl["product"]["load_s"]),
         fmt_s(cl["baseline"]["load_s"]), f"{cl['ratio']:.0f}x",
         f"<{t['cold_load_s']:g} s: {'met' if cl['product']['load_s'] < t['cold_load_s'] else 'MISSED'}"],
        ["peak RSS, load + one 10 km query", f"{mem['product_peak_rss_mib']:.0f} MiB "
         f"(+{mem['product_load_and_query_mib']:.0f})",
         f"{mem['baseline_peak_rss_mib']:.0f} MiB (+{mem['baseline_load_and_query_mib']:.0f})",
         f"{mem['baseline_load_and_query_mib'] / max(mem['product_load_and_query_mib'], 1e-9):.0f}x", ""],
    ]
    return rows


def report(results: dict) -> str:
    lines = []
    for label, r in results["graphs"].items():
        name = ("SIP core, real OSM" if label == "sip" else "SYNTHETIC road-like graph, NOT real roads")
        lines.append(f"\n{label}: {name}: {r['nodes']:,} nodes, {r['edges']:,} edges; "
                     f"{r['registry']['suppliers']} synthetic suppliers, {r['registry']['makers']} synthetic makers")
        lines.append(common.table(rows_for(r), ["measure", "product", "osmnx/networkx baseline",
                                                "ratio (baseline/product)", "target"]))
        lines.append(f"  checks: {r['single_query']['agreement']}; {r['matrix']['agreement']}; "
                     f"matrix searched from {r['matrix']['product_search_side']}")
    return "\n".join(lines)


def prepare_sip(work: Path):
    import osmnx as ox

    from supplychain import network

    data_dir = work / "sip"
    t_import, _ = timed(network.import_file, data_dir, common.SIP_OSM)
    t_read, G = timed(ox.graph_from_xml, common.SIP_OSM, retain_all=True)
    G = ox.truncate.largest_component(G, strongly=True)
    return data_dir, G, {"product_import_s": t_import, "baseline_graph_from_xml_s": t_read}


def prepare_synthetic(work: Path, side: int):
    import osmnx as ox

    data_dir = work / "synthetic"
    t_gen, G = timed(synthetic_graph.generate, side=side)
    info = synthetic_graph.build_data_dir(data_dir, G)
    info["generate_s"] = t_gen
    t_scc, G = timed(ox.truncate.largest_component, G, strongly=True)
    info["baseline_largest_component_s"] = t_scc
    return data_dir, G, info


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run, a few minutes)")
    p.add_argument("--graphs", default="sip,synthetic", help="comma-separated: sip, synthetic")
    p.add_argument("--side", type=int, default=360, help="synthetic grid side (360 -> 129,600 nodes)")
    args = p.parse_args(argv if argv is not None else [])
    import os

    quick = args.quick or os.environ.get("BENCH_QUICK") == "1"
    plans = QUICK if quick else PLAN
    results = {"benchmark": "engine", "machine": common.machine_info(), "quick": quick, "radius_m": RADIUS_M,
               "graphs": {}, "prepare": {}}
    t_all = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
        work = Path(tmp)
        for label in args.graphs.split(","):
            say(f"[{label}] preparing")
            if label == "sip":
                data_dir, G, info = prepare_sip(work)
            elif label == "synthetic":
                data_dir, G, info = prepare_synthetic(work, args.side)
            else:
                raise SystemExit(f"unknown graph {label!r}")
            results["prepare"][label] = info
            results["graphs"][label] = bench_graph(label, data_dir, G, work, plans[label])
            del G
            gc.collect()
    results["total_s"] = time.perf_counter() - t_all
    common.finish("bench_engine", "bench_engine", results, report(results))
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
