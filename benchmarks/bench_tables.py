"""Queries near the floor: the suppliers' distance table against the road searches, and the peer engines, in one run.

    .venv/bin/python benchmarks/run_all.py tables                        # SIP and synthetic 130k (a few minutes)
    PYTHONPATH=src:. .venv/bin/python benchmarks/bench_tables.py --sizes sip,130000,500000,1000000

Per graph, in a fresh interpreter each (bounded memory, a peak RSS of its own):

- ``sip``: the real SIP road network (../shared/geo/sip-core.osm, imported as ``./run.sh`` does:
  ``drive_service``, 5,860 nodes);
- synthetic N: a SYNTHETIC road-like grid of about N nodes (benchmarks/synthetic_graph.py, built from arrays
  with no networkx graph; not real roads).

Registry: 300 SYNTHETIC suppliers (1–2 component categories) and 600 SYNTHETIC humanoid makers within 40 m of
random nodes (the bench_engine workload), held in memory. Measured on the same workspace twice, the road
searches (``table_radius_m=0``: the product before the table) and the table path, alternating per query:

- the full supplier query (300 suppliers, 10 km, from a random point 0–30 m off a node): median and p95;
  every answer compared as JSON between the two paths;
- the sourcing check (600 makers x their BOM, 10 km): median of a few runs, JSON compared;
- the table's build time, entries and bytes.

Peers on the same graph (the product's CSR arrays, parallel edges collapsed): "every node within 10 km by road
of the origin node", from the same origins — the product's bounded scipy search, networkx
``single_source_dijkstra_path_length(cutoff=…)``, igraph ``distances``, networkit ``Dijkstra``, rustworkx
``digraph_dijkstra_shortest_path_lengths`` (these three have no cut-off: they search the whole graph, then the
answer is filtered) and pandana ``nodes_in_range`` (a contraction hierarchy, built once; its float32 distances
are compared with the exact ones). A peer that is not installed is skipped with the reason printed.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from common import say  # noqa: E402

RADIUS_M = 10_000.0
N_SUPPLIERS, N_MAKERS = 300, 600
QUICK = os.environ.get("BENCH_QUICK") == "1"
#: Per size: supplier queries per path, sourcing runs per path, peer queries, pandana (its CH build is slow).
PLAN = {"sip": (300, 5, 30), 130_000: (200, 3, 6), 500_000: (100, 1, 3), 1_000_000: (60, 1, 2)}
QUICK_PLAN = {"sip": (60, 2, 10), 130_000: (60, 1, 3), 500_000: (40, 1, 2), 1_000_000: (40, 1, 2)}
#: pandana's contraction hierarchy took 89 s on 150k nodes here (PITFALLS.md): run it up to this size only.
PANDANA_MAX_NODES = int(os.environ.get("BENCH_PANDANA_MAX_NODES", 20_000))
TARGETS_MS = {"sip": 0.4, 1_000_000: 1.5}
SOURCING_TARGET_S = {1_000_000: 1.0}


# ----------------------------------------------------------------------------------------------------
# One graph (runs in its own interpreter)

def load(label: str, work: Path):
    """(network, data dir) of one graph; synthetic graphs are built in memory from arrays."""
    from supplychain import network

    if label == "sip":
        data_dir = work / "sip"
        network.import_file(data_dir, common.SIP_OSM, network_type="drive_service")
        return network.Network.load(data_dir), data_dir
    import synthetic_graph

    side = int(round(int(label) ** 0.5))
    data_dir = work / "synthetic"
    data_dir.mkdir(parents=True, exist_ok=True)
    return synthetic_graph.network(side=side), data_dir


def workspaces(net, data_dir: Path, seed: int = 3):
    from supplychain import synthetic
    from supplychain.store import Store
    from supplychain.workspace import Workspace

    entities = synthetic.makers_and_suppliers(net, N_MAKERS, N_SUPPLIERS, seed, max_categories=2,
                                              robot_types=["humanoid"], jitter_m=40.0)
    store = Store(data_dir / "bench-store")
    table = Workspace(data_dir, store, entities, net)
    search = Workspace(data_dir, store, entities, net, table_radius_m=0.0)
    for ws in (table, search):
        _ = ws.snapping, ws.estimator, ws.extent, ws.network.graph.edge_keys
    return table, search


def summary(seconds: list[float]) -> dict:
    ms = np.asarray(seconds) * 1000
    return {"median_ms": round(float(np.median(ms)), 4), "p95_ms": round(float(np.percentile(ms, 95)), 4),
            "min_ms": round(float(ms.min()), 4), "n": len(ms)}


def bench_queries(ws_table, ws_search, n: int, rng) -> dict:
    """Alternating per origin (the order too), so that load from other processes hits both paths alike."""
    from supplychain import reach

    net = ws_table.network
    nodes = rng.integers(0, net.n_nodes, n)
    ang, r = rng.uniform(0, 2 * np.pi, n), rng.uniform(0, 30, n)
    x, y = net.arrays["x"][nodes] + r * np.cos(ang), net.arrays["y"][nodes] + r * np.sin(ang)
    from supplychain import studyarea

    lon, lat = studyarea.to_lonlat(x, y)
    pts = list(zip(np.atleast_1d(lon).tolist(), np.atleast_1d(lat).tolist()))
    for ws in (ws_table, ws_search):  # warm-up: memos, imports
        reach.suppliers_within(ws, lon=pts[0][0], lat=pts[0][1], radius_km=RADIUS_M / 1000)
    times = {"table": [], "search": []}
    same = 0
    results = []
    gc.collect()
    gc.disable()
    try:
        for i, (lo, la) in enumerate(pts):
            order = (("table", ws_table), ("search", ws_search)) if i % 2 == 0 else \
                (("search", ws_search), ("table", ws_table))
            answers = {}
            for name, ws in order:
                t0 = time.perf_counter()
                answers[name] = reach.suppliers_within(ws, lon=lo, lat=la, radius_km=RADIUS_M / 1000)
                times[name].append(time.perf_counter() - t0)
            same += json.dumps(answers["table"]) == json.dumps(answers["search"])
            results.append(len(answers["table"]["results"]))
    finally:
        gc.enable()
    out = {k: summary(v) for k, v in times.items()}
    out["paired_ratio_median"] = round(statistics.median(s / t for s, t in zip(times["search"], times["table"])), 2)
    out["identical_json"] = f"{same}/{n}"
    out["mean_results"] = round(float(np.mean(results)), 1)
    return out


def bench_sourcing(ws_table, ws_search, runs: int) -> dict:
    from supplychain import sourcing

    times = {"table": [], "search": []}
    answers = {}
    for i in range(runs):
        order = (("table", ws_table), ("search", ws_search)) if i % 2 == 0 else \
            (("search", ws_search), ("table", ws_table))
        for name, ws in order:
            gc.collect()
            t0 = time.perf_counter()
            answers[name] = sourcing.sourcing_check(ws, radius_km=RADIUS_M / 1000)
            times[name].append(time.perf_counter() - t0)
    out = {k: {"median_s": round(statistics.median(v), 4), "runs_s": [round(t, 4) for t in v]}
           for k, v in times.items()}
    out["identical_json"] = json.dumps(answers["table"]) == json.dumps(answers["search"])
    out["makers"] = len(answers["table"]["makers"])
    return out


def build_table(ws_table) -> dict:
    from supplychain import reach

    rss0 = common.current_rss_mib()
    t0 = time.perf_counter()
    table = reach.supplier_table(ws_table)
    took = time.perf_counter() - t0
    info = ws_table.table_summary()
    info.update(build_wall_s=round(took, 3), rss_growth_mib=round(common.current_rss_mib() - rss0, 1),
                entries_per_source=round(table.entries / max(len(table.sources), 1)))
    return info


# -- peers ---------------------------------------------------------------------------------------------

def _edges(net):
    a = net.arrays
    u = np.repeat(np.arange(net.n_nodes), np.diff(a["indptr"]))
    return u, a["indices"].astype(np.int64), a["length_m"]


def peer_builders(net):
    """name -> (build() -> query(origin) -> {node: metres}); each reads the product's CSR arrays."""
    u, v, w = _edges(net)
    n = net.n_nodes
    builders = {}

    def networkx_():
        import networkx as nx

        G = nx.DiGraph()
        G.add_nodes_from(range(n))
        G.add_weighted_edges_from(zip(u.tolist(), v.tolist(), w.tolist()), weight="length")
        return lambda o: nx.single_source_dijkstra_path_length(G, o, cutoff=RADIUS_M, weight="length")
    builders["networkx"] = networkx_

    def igraph_():
        import igraph as ig

        g = ig.Graph(n=n, edges=np.column_stack([u, v]).tolist(), directed=True)
        g.es["length"] = w.tolist()

        def q(o):
            d = np.asarray(g.distances(source=[o], weights="length", mode="out")[0])
            hit = np.flatnonzero(d <= RADIUS_M)
            return dict(zip(hit.tolist(), d[hit].tolist()))
        return q
    builders["igraph"] = igraph_

    def networkit_():
        import networkit as nk

        nk.setNumberOfThreads(1)
        g = nk.Graph(n, weighted=True, directed=True)
        g.addEdges((w.astype(np.float64), (u.astype(np.uint64), v.astype(np.uint64))))

        def q(o):
            dj = nk.distance.Dijkstra(g, o, storePaths=False)
            dj.run()
            d = np.asarray(dj.getDistances())
            hit = np.flatnonzero(d <= RADIUS_M)
            return dict(zip(hit.tolist(), d[hit].tolist()))
        return q
    builders["networkit"] = networkit_

    def rustworkx_():
        import rustworkx as rx

        g = rx.PyDiGraph()
        g.add_nodes_from(range(n))
        g.add_edges_from(list(zip(u.tolist(), v.tolist(), w.tolist())))

        def q(o):
            d = rx.digraph_dijkstra_shortest_path_lengths(g, o, edge_cost_fn=float)
            out = {k: x for k, x in d.items() if x <= RADIUS_M}
            out[o] = 0.0  # rustworkx leaves the source out
            return out
        return q
    builders["rustworkx"] = rustworkx_

    def pandana_():
        import pandana
        import pandas as pd

        if n > PANDANA_MAX_NODES:
            raise RuntimeError(f"skipped above {PANDANA_MAX_NODES:,} nodes (BENCH_PANDANA_MAX_NODES): its "
                               "contraction hierarchy took 89 s on 150k nodes on this machine (PITFALLS.md)")
        nodes = pd.DataFrame({"x": net.arrays["x"], "y": net.arrays["y"]}, index=np.arange(n))
        edges = pd.DataFrame({"from": u, "to": v, "length": w})
        p = pandana.Network(nodes["x"], nodes["y"], edges["from"], edges["to"], edges[["length"]], twoway=False)

        def q(o):
            df = p.nodes_in_range([o], RADIUS_M)
            return dict(zip(df["destination"].tolist(), df[df.columns[-1]].tolist()))  # the impedance column
        return q
    builders["pandana"] = pandana_
    return builders


def bench_peers(net, n_queries: int, rng) -> dict:
    from supplychain import engine

    origins = rng.integers(0, net.n_nodes, n_queries).tolist()
    exact, prod_t = [], []
    engine.distances(net.graph, origins[0], limit=RADIUS_M)
    for o in origins:
        t0 = time.perf_counter()
        d = engine.distances(net.graph, o, limit=RADIUS_M)
        prod_t.append(time.perf_counter() - t0)
        exact.append(d)
    out = {"product (scipy, bounded)": {**summary(prod_t), "reached_mean": round(float(np.mean(
        [np.isfinite(d).sum() for d in exact])), 1), "agreement": "reference"}}
    for name, make in peer_builders(net).items():
        gc.collect()
        try:
            t0 = time.perf_counter()
            query = make()
            build_s = time.perf_counter() - t0
        except ImportError as exc:
            out[name] = {"skipped": f"not installed ({exc})"}
            say(f"  {name}: skipped, not installed ({exc})")
            continue
        except RuntimeError as exc:
            out[name] = {"skipped": str(exc)}
            say(f"  {name}: {exc}")
            continue
        query(origins[0])
        times, worst, flips, same = [], 0.0, 0, 0
        for o, d in zip(origins, exact):
            t0 = time.perf_counter()
            got = query(o)
            times.append(time.perf_counter() - t0)
            want = {int(k): float(d[k]) for k in np.flatnonzero(np.isfinite(d)).tolist()}
            common_nodes = set(got) & set(want)
            worst = max([worst] + [abs(got[k] - want[k]) for k in common_nodes])
            flips += len(set(got) ^ set(want))
            same += set(got) == set(want) and all(abs(got[k] - want[k]) <= 1e-6 for k in common_nodes)
        out[name] = {**summary(times), "build_s": round(build_s, 2), "max_abs_error_m": worst,
                     "nodes_in_or_out_wrongly": flips, "agreement": f"{same}/{len(origins)} exact (±1e-6 m)"}
        say(f"  {name}: {out[name]['median_ms']:.2f} ms median, build {build_s:.1f} s, max error {worst:.3g} m")
        del query
    return out


def run_graph(label: str, quick: bool) -> dict:
    n_q, n_src, n_peer = (QUICK_PLAN if quick else PLAN)[label if label == "sip" else int(label)]
    rng = np.random.default_rng(11)
    with tempfile.TemporaryDirectory(prefix="bench-tables-") as tmp:
        t0 = time.perf_counter()
        net, data_dir = load(label, Path(tmp))
        out = {"graph": label, "synthetic": label != "sip", "nodes": net.n_nodes, "edges": net.n_edges,
               "load_s": round(time.perf_counter() - t0, 2)}
        ws_table, ws_search = workspaces(net, data_dir)
        say(f"[{label}] {net.n_nodes:,} nodes: building the table")
        out["table"] = build_table(ws_table)
        say(f"[{label}] supplier queries")
        out["query"] = bench_queries(ws_table, ws_search, n_q, rng)
        say(f"[{label}] sourcing checks")
        out["sourcing"] = bench_sourcing(ws_table, ws_search, n_src)
        say(f"[{label}] peers")
        out["peers"] = bench_peers(net, n_peer, rng)
        out["peak_rss_mib"] = round(common.peak_rss_mib(), 1)
    return out


# ----------------------------------------------------------------------------------------------------
# The run: each graph in a fresh interpreter, then the report

CHILD = r"""
import json, sys
import bench_tables
print(json.dumps(bench_tables.run_graph(sys.argv[1], sys.argv[2] == "1"), default=str))
"""


def child(label: str, quick: bool) -> dict:
    """One graph in a fresh interpreter; its progress lines pass through to stderr."""
    import subprocess

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(common.ROOT / "src"), str(common.ROOT), str(common.BENCH_DIR),
                                         env.get("PYTHONPATH", "")])
    proc = subprocess.run([sys.executable, "-c", CHILD, label, "1" if quick else "0"], stdout=subprocess.PIPE,
                          text=True, env=env, timeout=5400)
    if proc.returncode != 0:
        raise RuntimeError(f"{label}: the benchmark process failed ({proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def name_of(label: str, r: dict | None = None) -> str:
    if label == "sip":
        return "SIP (real OSM)"
    return f"synthetic {r['nodes'] / 1000:.0f}k" if r else f"synthetic {int(label) // 1000}k"


def report(graphs: dict) -> str:
    lines = []
    rows = []
    for label, r in graphs.items():
        q, s, t = r["query"], r["sourcing"], r["table"]
        target = TARGETS_MS.get(label if label == "sip" else int(label))
        verdict = "" if target is None else (f"≤{target:g} ms: " + ("met" if q["table"]["median_ms"] <= target
                                                                    else "MISSED"))
        rows.append([name_of(label, r), f"{r['nodes']:,}", f"{q['search']['median_ms']:.3f} / {q['search']['p95_ms']:.3f}",
                     f"{q['table']['median_ms']:.3f} / {q['table']['p95_ms']:.3f}",
                     f"{q['paired_ratio_median']:.1f}x", q["identical_json"], verdict])
    lines.append("Full supplier query (300 SYNTHETIC suppliers, 10 km), ms median / p95; search = the road searches "
                 "(before), table = the table path (after), same run")
    lines.append(common.table(rows, ["graph", "nodes", "search", "table", "paired ratio", "identical JSON",
                                     "target"]))
    rows = []
    for label, r in graphs.items():
        s, t = r["sourcing"], r["table"]
        target = SOURCING_TARGET_S.get(label if label == "sip" else int(label))
        verdict = "" if target is None else (f"≤{target:g} s: " + ("met" if s["table"]["median_s"] <= target
                                                                   else "MISSED"))
        rows.append([name_of(label, r), f"{s['search']['median_s']:.3f} s", f"{s['table']['median_s']:.3f} s",
                     f"{s['search']['median_s'] / s['table']['median_s']:.1f}x", s["identical_json"], verdict,
                     f"{t['build_s']:.2f} s", f"{t['entries']:,}", f"{t['mib']:.1f} MiB",
                     f"{t['radius_m'][1] / 1000:.2f} km", f"{r['peak_rss_mib']:.0f} MiB"])
    lines.append("\nSourcing check (600 SYNTHETIC makers, 10 km) and the table")
    lines.append(common.table(rows, ["graph", "search", "table", "ratio", "identical JSON", "target", "table build",
                                     "entries", "table memory", "ball radius", "peak RSS (process)"]))
    peers = sorted({p for r in graphs.values() for p in r["peers"]}, key=lambda p: (p != "product (scipy, bounded)", p))
    rows = []
    for p in peers:
        row = [p]
        for label, r in graphs.items():
            x = r["peers"].get(p, {"skipped": "–"})
            if "skipped" in x:
                row.append("skipped")
                continue
            ratio = x["median_ms"] / r["peers"]["product (scipy, bounded)"]["median_ms"]
            err = "" if x.get("max_abs_error_m", 0) <= 1e-6 else f", err ≤{x['max_abs_error_m']:.3g} m"
            row.append(f"{x['median_ms']:.2f} ms ({ratio:.1f}x{err})")
        rows.append(row)
    lines.append("\nPeers: every node within 10 km by road of a node (same graph, same origins), median; ratio to "
                 "the product's bounded search")
    lines.append(common.table(rows, ["engine"] + [name_of(lb, r) for lb, r in graphs.items()]))
    skipped = {p: r["peers"][p]["skipped"] for r in graphs.values() for p in r["peers"] if "skipped" in r["peers"][p]}
    for p, why in skipped.items():
        lines.append(f"  {p}: {why}")
    sizes = [lb for lb in graphs if lb != "sip"]
    if len(sizes) >= 2:
        a, b = graphs[sizes[0]], graphs[sizes[-1]]
        grow = b["nodes"] / a["nodes"]
        lines.append(f"\nGrowth {name_of(sizes[0], a)} -> {name_of(sizes[-1], b)} ({grow:.1f}x nodes): "
                     f"query search {b['query']['search']['median_ms'] / a['query']['search']['median_ms']:.1f}x, "
                     f"table {b['query']['table']['median_ms'] / a['query']['table']['median_ms']:.1f}x; "
                     f"sourcing search {b['sourcing']['search']['median_s'] / a['sourcing']['search']['median_s']:.1f}x, "
                     f"table {b['sourcing']['table']['median_s'] / a['sourcing']['table']['median_s']:.1f}x; "
                     f"table build {b['table']['build_s'] / a['table']['build_s']:.1f}x, "
                     f"entries {b['table']['entries'] / a['table']['entries']:.1f}x")
    checks = [f"{name_of(lb, r)}: query JSON {r['query']['identical_json']}, sourcing "
              f"{'identical' if r['sourcing']['identical_json'] else 'DIFFERENT'}" for lb, r in graphs.items()]
    lines.append("checks: " + "; ".join(checks))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="sip,130000",
                   help="comma-separated: sip and synthetic node counts, e.g. sip,130000,500000,1000000")
    p.add_argument("--quick", action="store_true")
    args = p.parse_args(argv if argv is not None else [])
    quick = args.quick or QUICK
    labels = [s.strip() for s in args.sizes.split(",") if s.strip()]
    results = {"benchmark": "tables", "machine": common.machine_info(), "quick": quick, "radius_m": RADIUS_M,
               "graphs": {}}
    t_all = time.perf_counter()
    for label in labels:
        say(f"=== {label} ===")
        results["graphs"][label] = child(label, quick)
        common.write_json("bench_tables", results)  # a partial run keeps what it measured
    results["total_s"] = time.perf_counter() - t_all
    common.finish("bench_tables", "bench_tables", results, report(results["graphs"]))
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
