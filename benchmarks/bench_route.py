"""Route benchmark: measuring a bus route (path, length check, catchments, walk areas) and the route designer.

Two graphs, as in bench_engine:

- ``sip``: the real SIP road network (../shared/geo/sip-core.osm, 5,860 nodes); stops at real road-name label
  points; SYNTHETIC entities (labelled synthetic) on random network nodes so catchments have members;
- ``synthetic``: the SYNTHETIC ~130,000-node road-like graph of benchmarks/synthetic_graph.py (the expected
  size of the full Wuzhong network + buffer), with synthetic stops and entities.

Measured: ``route.analyse`` (path + segments + catchments at 500/800 m), ``route.route_geojson`` with the walk
areas, one edit + re-measure, the designer's exact method (10 candidates) and its heuristic (40 candidates).

Run: ``.venv/bin/python benchmarks/bench_route.py [--quick]`` (``--quick``: SIP only).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import common  # noqa: E402
import synthetic_graph  # noqa: E402
from common import say, summary, time_calls, timed  # noqa: E402


def _synthetic_entities(ws, n: int, seed: int):
    """SYNTHETIC entities on distinct random network nodes, stored: reducer and motor suppliers, talent
    apartments and institutes in turn (what catchments count)."""
    from supplychain import synthetic

    roles = [("firm", ("reducer",)), ("firm", ("motor",)), ("talent_apartment", ()), ("institute", ())]
    _, lon, lat = synthetic.node_points(ws.network, n, np.random.default_rng(seed))
    entities = [synthetic.entity(i + 1, lon[i], lat[i], kind=roles[i % 4][0], categories=roles[i % 4][1])
                for i in range(n)]
    synthetic.import_into(ws, entities, "synthetic-benchmark")


def _stops_along(ws, n: int, length_m: float, seed: int) -> list[tuple[float, float]]:
    """n points spread over a straight line of about length_m through the middle of the network."""
    a = ws.network.arrays
    cx, cy = float(np.median(a["x"])), float(np.median(a["y"]))
    from supplychain import studyarea

    xs = np.linspace(cx - length_m / 2.6, cx + length_m / 2.6, n)
    ys = np.linspace(cy - length_m / 5, cy + length_m / 5, n) + np.random.default_rng(seed).normal(0, 150, n)
    lon, lat = studyarea.to_lonlat(xs, ys)
    return list(zip(np.asarray(lon).tolist(), np.asarray(lat).tolist()))


def run_case(name: str, data_dir: Path, stops: list[tuple[float, float]] | None, n_entities: int) -> dict:
    from supplychain import route, routedesign
    from supplychain.workspace import Workspace

    ws = Workspace.open(data_dir)
    _synthetic_entities(ws, n_entities, 3)
    stops = stops or _stops_along(ws, 6, 8000, 1)
    route.create_route(ws, "bench", "基准线路", stated_length_m=8000,
                       stops=[route.make_stop(ws, lon=x, lat=y, name_zh=f"站{i + 1}") for i, (x, y) in enumerate(stops)])
    out = {"graph": name, "nodes": ws.network.n_nodes, "stops": len(stops), "entities": len(ws.entities)}
    a = route.analyse(ws, "bench")
    out["route_length_m"] = a["length_m"]
    out["served_800"] = a["coverage"]["800"]["served_count"]["total"]
    out["analyse"] = summary(time_calls(lambda: route.analyse(ws, "bench"), [()] * 10))
    out["geojson_with_areas"] = summary(time_calls(lambda: route.route_geojson(ws, "bench"), [()] * 5))
    mid = stops[len(stops) // 2]

    def edit():
        route.move_stop(ws, "bench", 2, route.make_stop(ws, lon=mid[0] + 0.001, lat=mid[1]))
        route.route_geojson(ws, "bench")

    out["edit_and_remeasure"] = summary(time_calls(edit, [()] * 5))
    rng = np.random.default_rng(2)
    pool = _stops_along(ws, 60, 8000, 5)
    cands = [pool[i] for i in rng.choice(len(pool), 40, replace=False)]
    jitter = lambda p: "%f,%f" % (p[0] + rng.normal(0, 0.003), p[1] + rng.normal(0, 0.003))  # noqa: E731
    cand_text = [jitter(p) for p in cands]
    kw = dict(start="%f,%f" % stops[0], end="%f,%f" % stops[-1], budget_km=10, walk_m=500)
    t, ex = timed(routedesign.design, ws, candidates=cand_text[:10], **kw)
    out["design_exact_10"] = {"s": round(t, 3), "method": ex["method"], "objective": ex["objective"],
                              "length_m": ex["length_m"]}
    t, he = timed(routedesign.design, ws, candidates=cand_text[:10], method="heuristic", **kw)
    out["design_heuristic_10"] = {"s": round(t, 3), "method": he["method"], "objective": he["objective"],
                                  "gap_vs_exact": round(ex["objective"] - he["objective"], 6)}
    t, h40 = timed(routedesign.design, ws, candidates=cand_text, **kw)
    out["design_heuristic_40"] = {"s": round(t, 3), "method": h40["method"], "objective": h40["objective"]}
    ws.store.close()
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="SIP only")
    args = p.parse_args(argv)
    from supplychain import network

    results = {"machine": common.machine_info(), "cases": []}
    tmp = Path(tempfile.mkdtemp(prefix="bench-route-"))
    try:
        say("importing the SIP network …")
        network.import_file(tmp / "sip", common.SIP_OSM)
        labels = {}
        for f in json.loads((common.SHARED_GEO / "sip-core-labels.geojson").read_text(encoding="utf-8"))["features"]:
            labels.setdefault(f["properties"]["name"], []).append(tuple(f["geometry"]["coordinates"]))
        sip_stops = [labels[n][i] for n, i in (("星湖街", 5), ("钟园路", 14), ("琉璃街", 3), ("东沙湖路", 0),
                                                ("长阳街", 0))]
        results["cases"].append(run_case("sip", tmp / "sip", sip_stops, 300))
        if not args.quick:
            say("building the SYNTHETIC ~130k-node graph …")
            results["synthetic_build"] = synthetic_graph.build_data_dir(tmp / "syn")
            results["cases"].append(run_case("synthetic", tmp / "syn", None, 3000))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    path = common.write_json("bench_route", results)
    rows = [[c["graph"], c["nodes"], c["stops"], c["entities"], c["analyse"]["median_ms"],
             c["geojson_with_areas"]["median_ms"], c["edit_and_remeasure"]["median_ms"], c["design_exact_10"]["s"],
             c["design_heuristic_10"]["gap_vs_exact"], c["design_heuristic_40"]["s"]] for c in results["cases"]]
    print(common.table(rows, ["graph", "nodes", "stops", "entities", "analyse ms", "geojson+areas ms",
                              "edit+remeasure ms", "exact(10) s", "heur(10) gap", "heur(40) s"]))
    print(f"results: {path}")


if __name__ == "__main__":
    main()
