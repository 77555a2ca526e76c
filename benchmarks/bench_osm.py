"""OSM import: the streaming pyosmium reader vs osmnx ``graph_from_xml`` + the array build, in the same run.

    .venv/bin/python benchmarks/bench_osm.py                 # SIP (.osm, .pbf) + synthetic 130k nodes
    .venv/bin/python benchmarks/bench_osm.py --sizes 130000,500000,1000000
    BENCH_QUICK=1 ...                                        # SIP and 130k only, one run each

Each measurement runs in a fresh interpreter and reports wall time and peak resident memory (``VmHWM``) of
that process, including the interpreter and the imports (the ``rss_after_imports`` column says how much of
the peak that is). Synthetic files are road-like grids written with pyosmium (labelled *synthetic*): blocks
of about 150 m with two shape nodes per block side, ways of five blocks, 15 % one-way (3 % ``-1``), mixed
classes, names and maxspeed forms, plus footways the drive filter must leave out. osmnx reads the same data
as XML (it takes no .pbf); its runs are skipped above ``--osmnx-max`` nodes (it needs about 160 µs and
8 KB per node here: 162 s and 8.4 GB at 1M).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

STREAMING = r"""
import json, sys, time
from common import peak_rss_mib
path = sys.argv[1]
from pathlib import Path
from supplychain import boundedread, network, osmread, water  # noqa: the imports count in the peak, not in the time
import osmium, scipy.sparse.csgraph, shapely  # noqa
base = peak_rss_mib()
t0 = time.perf_counter()
arrays = network.read_streaming(Path(path), None, boundedread.Limits(), osmread.Clip(), "drive_service")
network.add_metric(arrays)
t = time.perf_counter() - t0
print(json.dumps({"seconds": t, "peak_mib": peak_rss_mib(), "rss_after_imports": base,
                  "nodes": int(len(arrays["osmid"])), "edges": int(len(arrays["indices"]))}))
"""

OSMNX = r"""
import json, sys, time
from common import peak_rss_mib
path = sys.argv[1]
import osmnx as ox
from supplychain import network
base = peak_rss_mib()
t0 = time.perf_counter()
G = ox.graph_from_xml(path, retain_all=True)
arrays = network.build_arrays(G)
t = time.perf_counter() - t0
print(json.dumps({"seconds": t, "peak_mib": peak_rss_mib(), "rss_after_imports": base,
                  "nodes": int(len(arrays["osmid"])), "edges": int(len(arrays["indices"]))}))
"""

FULL = r"""
import json, sys, time, tempfile
from common import peak_rss_mib
path = sys.argv[1]
from supplychain import network
from supplychain.osmread import Clip
t0 = time.perf_counter()
with tempfile.TemporaryDirectory() as d:
    net = network.import_file(d, path, network_type="drive_service", clip=Clip())
t = time.perf_counter() - t0
print(json.dumps({"seconds": t, "peak_mib": peak_rss_mib(), "nodes": net.n_nodes}))
"""


def synthetic_osm(path: Path, target_nodes: int, seed: int = 1) -> dict:
    """Write a synthetic road-like OSM file (format from the suffix) of about ``target_nodes`` nodes."""
    import numpy as np
    import osmium
    from osmium.osm.mutable import Node, Way

    rng = np.random.default_rng(seed)
    side = int(np.sqrt(target_nodes / 5.0)) + 1  # ~5 nodes per intersection (1 + 2 shape nodes on 2 sides)
    step = 0.0015
    lon0, lat0 = 120.0, 31.0
    ids = np.arange(side * side, dtype=np.int64).reshape(side, side) + 1
    jitter = rng.normal(0, step * 0.05, size=(side, side, 2))
    next_id = side * side + 1
    classes = ["residential"] * 6 + ["tertiary"] * 2 + ["secondary", "primary"]
    speeds = [None, None, "40", "30 mph", "CN:urban", "50;60", "signals"]
    n_nodes = n_ways = 0
    if path.exists():
        path.unlink()
    with osmium.SimpleWriter(str(path)) as w:
        for r in range(side):
            for c in range(side):
                w.add_node(Node(id=int(ids[r, c]), location=(lon0 + c * step + jitter[r, c, 0],
                                                               lat0 + r * step + jitter[r, c, 1])))
        n_nodes += side * side
        ways = []
        for horizontal in (True, False):
            for line in range(side):
                for start in range(0, side - 1, 5):
                    refs = []
                    for k in range(start, min(start + 5, side - 1)):
                        (ra, ca), (rb, cb) = ((line, k), (line, k + 1)) if horizontal else ((k, line), (k + 1, line))
                        a = (lon0 + ca * step + jitter[ra, ca, 0], lat0 + ra * step + jitter[ra, ca, 1])
                        b = (lon0 + cb * step + jitter[rb, cb, 0], lat0 + rb * step + jitter[rb, cb, 1])
                        refs.append(int(ids[ra, ca]))
                        for f in (1 / 3, 2 / 3):
                            loc = (a[0] + (b[0] - a[0]) * f + rng.normal(0, step * 0.02),
                                   a[1] + (b[1] - a[1]) * f + rng.normal(0, step * 0.02))
                            w.add_node(Node(id=next_id, location=loc))
                            refs.append(next_id)
                            next_id += 1
                            n_nodes += 1
                    refs.append(int(ids[rb, cb]))
                    ways.append(refs)
        for i, refs in enumerate(ways):
            tags = {"highway": classes[rng.integers(len(classes))], "name": f"合成路{i % 5000}"}
            u = rng.random()
            if u < 0.03:
                tags["oneway"] = "-1"
            elif u < 0.15:
                tags["oneway"] = "yes"
            sp = speeds[rng.integers(len(speeds))]
            if sp:
                tags["maxspeed"] = sp
            w.add_way(Way(id=i + 1, nodes=refs, tags=tags))
            n_ways += 1
        # footways inside every 7th block: their own 3 nodes, joined to a corner (left out by the drive filter)
        for r in range(0, side - 1, 7):
            for c in range(0, side - 1, 7):
                refs = [int(ids[r, c])]
                for f in (0.3, 0.5, 0.7):
                    w.add_node(Node(id=next_id, location=(lon0 + (c + f) * step, lat0 + (r + f) * step)))
                    refs.append(next_id)
                    next_id += 1
                    n_nodes += 1
                n_ways += 1
                w.add_way(Way(id=len(ways) + n_ways, nodes=refs, tags={"highway": "footway"}))
    return {"nodes": n_nodes, "ways": n_ways, "bytes": path.stat().st_size}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    quick = os.environ.get("BENCH_QUICK") == "1"
    ap.add_argument("--sizes", default="130000", help="synthetic sizes in nodes, comma-separated")
    ap.add_argument("--osmnx-max", type=int, default=200_000, help="skip osmnx above this many nodes")
    ap.add_argument("--repeat", type=int, default=1 if quick else 2, help="runs per measurement (the best is kept)")
    args = ap.parse_args(argv)
    t_start = time.perf_counter()
    rows, results = [], {"machine": common.machine_info(), "cases": []}
    with tempfile.TemporaryDirectory(prefix="bench-osm-") as tmp:
        tmp = Path(tmp)
        import osmium

        sip_pbf = tmp / "sip-core.osm.pbf"
        with osmium.SimpleWriter(str(sip_pbf)) as w:
            for obj in osmium.FileProcessor(str(common.SIP_OSM)):
                w.add(obj)
        cases = [("SIP .osm (real)", common.SIP_OSM, common.SIP_OSM, 11484),
                 ("SIP .pbf (real)", sip_pbf, common.SIP_OSM, 11484)]
        for n in [int(s) for s in args.sizes.split(",") if s]:
            pbf, xml = tmp / f"syn-{n}.osm.pbf", tmp / f"syn-{n}.osm"
            common.say(f"writing synthetic {n:,}-node files …")
            info = synthetic_osm(pbf, n)
            if n <= args.osmnx_max:
                synthetic_osm(xml, n)
            cases.append((f"synthetic {info['nodes'] / 1000:.0f}k .pbf", pbf, xml if n <= args.osmnx_max else None,
                          info["nodes"]))
        for label, path, xml, file_nodes in cases:
            def best(code, p):
                runs = [common.run_python(code, str(p), timeout=1200) for _ in range(args.repeat)]
                return min(runs, key=lambda r: r["seconds"])
            common.say(f"{label}: streaming …")
            s = best(STREAMING, path)
            full = best(FULL, path)
            o = None
            if xml is not None:
                common.say(f"{label}: osmnx …")
                o = best(OSMNX, xml)
            case = {"case": label, "file_nodes": file_nodes, "file_bytes": Path(path).stat().st_size,
                    "streaming": s, "streaming_full_import": full, "osmnx": o}
            results["cases"].append(case)
            rows.append([label, f"{file_nodes:,}", f"{s['nodes']:,}", common.fmt_s(s["seconds"]),
                         f"{s['peak_mib']:.0f} ({s['rss_after_imports']:.0f})", common.fmt_s(full["seconds"]),
                         common.fmt_s(o["seconds"]) if o else "skipped",
                         f"{o['peak_mib']:.0f} ({o['rss_after_imports']:.0f})" if o else "–",
                         f"{o['nodes']:,}" if o else "–",
                         f"{o['seconds'] / s['seconds']:.1f}x" if o else "–"])
    results["total_s"] = time.perf_counter() - t_start
    header = ["file", "file nodes", "nodes kept (pyosmium)", "pyosmium read+arrays", "peak MiB (imports)",
              "full import (+calibrate, save)", "osmnx graph_from_xml+arrays", "osmnx peak MiB (imports)",
              "osmnx nodes (simplified)", "speed-up"]
    report = common.table(rows, header)
    per_node = [(c["file_nodes"], c["streaming"]["seconds"] / c["file_nodes"] * 1e6) for c in results["cases"]]
    report += "\n\ngrowth (pyosmium µs per file node): " + ", ".join(f"{n:,}: {us:.2f}" for n, us in per_node)
    common.finish("bench_osm.py", "bench_osm", results, report)
    return results


if __name__ == "__main__":
    main()
