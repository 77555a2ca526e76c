"""What-if scenario benchmark: a scenario workspace against the registry copy a user would otherwise make.

On the real SIP road network with SYNTHETIC makers and suppliers (labelled synthetic) on top of the seed
registry, a scenario of E edits (hypothetical suppliers added, makers moved, suppliers removed) is run two ways
in the same process on the same data:

- **product**: ``scenariostore.save`` (validates every edit), ``workspace_for`` (applies them; then cached) and
  the sourcing check on the scenario workspace, and ``scenariocompare.compare`` (both sourcing checks and both
  route analyses);
- **peer**: the same edits applied to an exported registry CSV, imported into a copy of the data dir, opened,
  and the sourcing check run there (what one does without scenarios).

Both sourcing answers are checked equal (display names aside). Run:
``.venv/bin/python benchmarks/bench_scenarios.py [--quick]``.
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import common  # noqa: E402
from common import say, summary, time_calls, timed  # noqa: E402


def _edits(ws, n: int, seed: int) -> list[dict]:
    from supplychain import synthetic

    rng = np.random.default_rng(seed)
    _, lon, lat = synthetic.node_points(ws.network, n, rng)
    makers = [e.id for e in ws.entities if e.is_maker and e.id.startswith("synthetic-")]
    suppliers = [e.id for e in ws.entities if not e.is_maker and e.categories and e.id.startswith("synthetic-")]
    out = []
    for i in range(n):
        k = i % 3
        if k == 0:
            out.append({"op": "add", "name_zh": f"假设供应商{i}", "categories": ["reducer"], "lon": float(lon[i]),
                        "lat": float(lat[i])})
        elif k == 1:
            out.append({"op": "move", "id": makers[i], "lon": float(lon[i]), "lat": float(lat[i])})
        else:
            out.append({"op": "remove", "id": suppliers[i]})
    return out


def _peer(ws, edits: list[dict], target: Path):
    """The registry with the edits applied, imported into a copy of the data dir, and its sourcing check."""
    from supplychain import registry, sourcing
    from supplychain.store import Store
    from supplychain.workspace import Workspace

    rows = list(csv.DictReader(io.StringIO(registry.to_csv(ws.entities))))
    by_id = {r["id"]: r for r in rows}
    for e in edits:
        if e["op"] == "remove":
            del by_id[e["id"]]
        elif e["op"] == "move":
            by_id[e["id"]].update(lon=str(e["lon"]), lat=str(e["lat"]), precision=e["precision"], crs="wgs84",
                                  uncertainty_m="")
        else:
            by_id[e["id"]] = {**{k: "" for k in rows[0]}, "id": e["id"], "name_zh": e["name_zh"], "kind": e["kind"],
                              "categories": ";".join(e["categories"]), "lon": str(e["lon"]), "lat": str(e["lat"]),
                              "precision": e["precision"], "source": "benchmark: a scenario's edit applied"}
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(ws.data_dir, target)
    for p in target.glob("registry.sqlite*"):
        p.unlink()
    path = target / "applied.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(by_id.values())
    store = Store(target)
    registry.import_file(store, path)
    with store.transaction() as conn:
        store.set_meta(conn, "seeded", "benchmark")
    other = Workspace.open(target)
    ans = sourcing.sourcing_check(other)
    store.close()
    other.store.close()
    return ans


def _strip(x):
    if isinstance(x, dict):
        return {k: _strip(v) for k, v in x.items() if k not in ("name_zh", "name_en", "supplier_name_zh")}
    if isinstance(x, list):
        return [_strip(v) for v in x]
    return x


def run_case(tmp: Path, n_makers: int, n_suppliers: int, n_edits: int, repeat: int) -> dict:
    from supplychain import network, scenariocompare, scenariostore, sourcing, synthetic
    from supplychain.workspace import Workspace

    data = tmp / f"sip-{n_makers}"
    network.import_file(data, common.SIP_OSM)
    ws = Workspace.open(data)
    synthetic.import_into(ws, synthetic.makers_and_suppliers(ws.network, n_makers=n_makers, n_suppliers=n_suppliers,
                                                             seed=7))
    ws = Workspace.open(data)
    edits = _edits(ws, n_edits, 3)
    out = {"entities": len(ws.entities), "edits": n_edits}

    out["save_validate"] = summary(time_calls(lambda: scenariostore.save(ws, "bench", edits), [()] * repeat))
    fresh = Workspace.open(data)
    t_apply, sw = timed(scenariostore.workspace_for, fresh, "bench")
    out["apply_cold_ms"] = round(t_apply * 1000, 2)
    out["cached_lookup"] = summary(time_calls(lambda: scenariostore.workspace_for(fresh, "bench"), [()] * 20))
    out["sourcing_on_scenario"] = summary(time_calls(lambda: sourcing.sourcing_check(sw), [()] * repeat))
    out["baseline_sourcing"] = summary(time_calls(lambda: sourcing.sourcing_check(fresh), [()] * repeat))
    out["compare"] = summary(time_calls(lambda: scenariocompare.compare(fresh, sw), [()] * repeat))
    canonical = scenariostore.get(ws, "bench").edits

    def product_path():
        w = Workspace.open(data)
        return sourcing.sourcing_check(scenariostore.workspace_for(w, "bench"))

    def peer_path():
        return _peer(fresh, canonical, tmp / "peer")

    mine, peer = product_path(), peer_path()
    out["same_answer"] = _strip(mine) == _strip(peer)
    out["product_open_apply_sourcing"] = summary(time_calls(product_path, [()] * repeat))
    out["peer_copy_import_sourcing"] = summary(time_calls(peer_path, [()] * repeat))
    out["ratio"] = round(out["peer_copy_import_sourcing"]["median_ms"] / out["product_open_apply_sourcing"]["median_ms"], 1)
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="the small case only, fewer repeats")
    args = p.parse_args(argv)
    results = {"machine": common.machine_info(), "cases": []}
    tmp = Path(tempfile.mkdtemp(prefix="bench-scenarios-"))
    try:
        cases = [(60, 30, 30)] if args.quick else [(60, 30, 30), (600, 300, 150)]
        for m, s, e in cases:
            say(f"{m} synthetic makers, {s} synthetic suppliers, {e} edits …")
            results["cases"].append(run_case(tmp, m, s, e, 3 if args.quick else 5))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    path = common.write_json("bench_scenarios", results)
    rows = [[c["entities"], c["edits"], c["save_validate"]["median_ms"], c["apply_cold_ms"],
             c["cached_lookup"]["median_ms"], c["baseline_sourcing"]["median_ms"], c["sourcing_on_scenario"]["median_ms"],
             c["compare"]["median_ms"], c["product_open_apply_sourcing"]["median_ms"],
             c["peer_copy_import_sourcing"]["median_ms"], f"{c['ratio']}x", c["same_answer"]]
            for c in results["cases"]]
    print(common.table(rows, ["entities", "edits", "save ms", "apply ms", "cached ms", "baseline sourcing ms",
                              "scenario sourcing ms", "compare ms", "product: open+apply+sourcing ms",
                              "peer: copy+import+sourcing ms", "ratio", "same answer"]))
    print(f"results: {path}")


if __name__ == "__main__":
    main()
