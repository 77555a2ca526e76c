"""Offline basemap benchmark: the home page's weight and time to first render / interactive in headless Chromium,
with the vector basemap (this tree) against the page before it (the road network drawn as GeoJSON lines, the
base commit's tree), on the same data in the same run; plus the weight the same view would have as raster tiles.

Data: the real SIP road network (../shared/geo/sip-core.osm, ``drive_service`` as ``./run.sh`` imports it) and the
named places ``./run.sh`` imports (sip-core-labels.geojson, wuzhong-osm-places.geojson) in a temporary data dir,
the seed registry, the basemap built by the import. Both apps run under waitress in their own process on
127.0.0.1; every load is cold (a new browser context, so no HTTP cache).

Measured per load (median of ``--repeat`` loads):

- bytes over the wire (CDP ``encodedDataLength``): HTML + JS/CSS, and the data fetched afterwards (GeoJSON,
  TileJSON, tiles);
- first render: navigation start until the first basemap tile is drawn (vector) or the road lines are drawn
  (before);
- interactive: navigation start until the map hook exists and the base is fully drawn (every visible tile
  loaded, or the road GeoJSON drawn).

Raster estimate: the tiles of the same view, as drawn by the vector renderer, saved as 256 px PNGs from their
canvases (what raster tiles "rendered once" in this style would weigh; their drawing time is not measured).

Run: ``.venv/bin/python benchmarks/bench_basemap.py [--repeat 5] [--base main]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

ROOT = common.ROOT
SHARED_GEO = ROOT.parent / "shared" / "geo"
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--no-first-run"]
VIEWPORT = {"width": 1440, "height": 900}

#: Recorded in the page from the first frame on (performance.now() counts from navigation start).
PROBE = """
window.__bm = {};
(function loop() {
    var now = performance.now(), s = window.SC_MAP, b = window.__bm;
    if (s && s.map && !b.ready) { b.ready = now; }
    var tile = document.querySelector('.leaflet-tile-pane canvas.leaflet-tile-loaded');
    if (tile && !b.firstTile) { b.firstTile = now; }
    if (s && s.layers && s.layers.roads && s.map.hasLayer(s.layers.roads) && s.layers.roads.getLayers().length
        && !b.roads) { b.roads = now; }
    if (s && s.layers && s.layers.basemap && tile && !b.allTiles) {
        var l = s.layers.basemap.getLayers()[0];
        if (l && l._noTilesToLoad()) { b.allTiles = now; }
    }
    requestAnimationFrame(loop);
})();
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(tmp: Path) -> Path:
    """A data dir as ./run.sh leaves it: SIP drive_service network, the shared place files, the basemap."""
    data = tmp / "data"
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}"}
    cli = [sys.executable, "-m", "supplychain.cli", "--data-dir", str(data)]
    subprocess.run(cli[:3] + ["--init"] + cli[3:] + ["network", "import", str(SHARED_GEO / "sip-core.osm"),
                                                     "--network-type", "drive_service"],
                   check=True, env=env, capture_output=True)
    for f in ("sip-core-labels.geojson", "wuzhong-osm-places.geojson"):
        if (SHARED_GEO / f).is_file():
            subprocess.run(cli + ["places", "import", str(SHARED_GEO / f)], check=True, env=env, capture_output=True)
    return data


def base_tree(tmp: Path, ref: str) -> Path:
    """A checkout of ``ref`` (the page before the basemap) with this tree's vendored assets."""
    dest = tmp / "base"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(dest), ref], check=True,
                   capture_output=True)
    shutil.copytree(ROOT / "webapp" / "static" / "vendor", dest / "webapp" / "static" / "vendor")
    return dest


class Server:
    """``create_app`` of a source tree under waitress in its own process (stopped by its pid)."""

    def __init__(self, tree: Path, data_dir: Path):
        self.port = _free_port()
        code = ("import logging, waitress; logging.getLogger('waitress').setLevel(logging.ERROR);"
                "from webapp import create_app;"
                f"waitress.serve(create_app(data_dir={str(data_dir)!r}), host='127.0.0.1', port={self.port}, threads=8)")
        env = {**os.environ, "PYTHONPATH": f"{tree / 'src'}:{tree}"}
        self.log = open(data_dir.parent / f"server-{self.port}.log", "w+")
        self.proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=self.log, stderr=self.log,
                                     cwd=tree)
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(600):
            try:
                urllib.request.urlopen(self.url + "/api/health", timeout=2)
                break
            except OSError:
                if self.proc.poll() is not None:
                    self.log.seek(0)
                    raise RuntimeError(f"the app of {tree} did not start:\n{self.log.read()[-2000:]}")
                time.sleep(0.2)
        # Warm the server (the basemap's first open, the rendered map) so loads measure the page, not start-up.
        for path in ("/", "/api/basemap"):
            try:
                urllib.request.urlopen(self.url + path, timeout=120).read()
            except OSError:
                pass

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=20)


def load_once(browser, url: str, vector: bool, raster: bool = False) -> dict:
    """One cold load of ``url``: bytes by kind, first render and interactive in ms."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = context.new_page()
    page.add_init_script(PROBE)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    urls: dict[str, str] = {}
    sizes: dict[str, int] = {}
    cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    page.goto(url + "/", wait_until="load")
    key = "allTiles" if vector else "roads"
    deadline = time.monotonic() + 60
    while not page.evaluate(f"!!(window.__bm && window.__bm.{key} && window.__bm.ready)"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the base never finished drawing at {url}")
        page.wait_for_timeout(50)
    page.wait_for_load_state("networkidle")
    marks = page.evaluate("window.__bm")
    kinds = {"page": 0, "data": 0, "tiles": 0, "renderer": 0}
    for rid, n in sizes.items():
        u = urls.get(rid, "")
        if "/basemap/tiles/" in u:
            kinds["tiles"] += n
        elif "protomaps-leaflet" in u:
            kinds["renderer"] += n
        elif "/api/" in u:
            kinds["data"] += n
        else:
            kinds["page"] += n
    out = {"bytes": kinds, "total_bytes": sum(kinds.values()),
           "first_render_ms": round(marks["firstTile" if vector else "roads"], 1),
           "interactive_ms": round(max(marks["ready"], marks[key]), 1), "requests": len(sizes)}
    if raster:
        out["raster_png_bytes"], out["raster_tiles"] = page.evaluate("""() => {
            var n = 0, c = 0;
            document.querySelectorAll('.leaflet-tile-pane canvas.leaflet-tile-loaded').forEach(function(cv) {
                var t = document.createElement('canvas'); t.width = 256; t.height = 256;
                t.getContext('2d').drawImage(cv, 0, 0, 256, 256);
                var d = t.toDataURL('image/png'); n += Math.round((d.length - 22) * 3 / 4); c += 1;
            });
            return [n, c];
        }""")
    context.close()
    return out


def _median(rows: list[dict], key) -> float:
    return statistics.median(key(r) for r in rows)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeat", type=int, default=5, help="cold loads per variant (median reported)")
    p.add_argument("--base", default=None, help="the git ref of the page before the basemap (default: the "
                                                "merge base of HEAD and main)")
    p.add_argument("--quick", action="store_true", help="2 loads per variant")
    args = p.parse_args(argv if argv is not None else [])
    repeat = 2 if args.quick or os.environ.get("BENCH_QUICK") == "1" else args.repeat
    if not CHROMIUM.exists():
        common.say("no /usr/bin/chromium: skipped")
        return {"skipped": "no chromium"}
    from playwright.sync_api import sync_playwright

    if args.base is None:
        args.base = subprocess.run(["git", "-C", str(ROOT), "merge-base", "HEAD", "main"], check=True,
                                   capture_output=True, text=True).stdout.strip()
    t_all = time.perf_counter()
    results: dict = {"benchmark": "basemap", "machine": common.machine_info(), "repeat": repeat,
                     "base_ref": args.base}
    with tempfile.TemporaryDirectory(prefix="bench-basemap-") as tmp_s:
        tmp = Path(tmp_s)
        common.say("importing the SIP network and the places (builds the basemap) …")
        t0 = time.perf_counter()
        data = prepare(tmp)
        results["import_with_basemap_s"] = round(time.perf_counter() - t0, 1)
        meta = json.loads((data / "basemap" / open(data / "basemap" / "current").read().strip()
                           / "basemap.json").read_text(encoding="utf-8"))
        results["basemap"] = {"tiles": meta["tiles_stored"], "counts": meta["counts"],
                              "file_bytes": sum(f.stat().st_size for f in (data / "basemap").rglob("*.pmtiles"))
                              // max(1, len(list((data / "basemap").glob("v-*"))))}
        base = base_tree(tmp, args.base)
        data_base = tmp / "data-base"
        shutil.copytree(data, data_base)
        servers = {"before (road GeoJSON lines)": Server(base, data_base), "vector basemap": Server(ROOT, data)}
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
                try:
                    runs: dict[str, list] = {k: [] for k in servers}
                    for i in range(repeat):  # interleaved, so machine load hits both alike
                        for label, srv in servers.items():
                            common.say(f"[{label}] load {i + 1}/{repeat}")
                            runs[label].append(load_once(browser, srv.url, vector=label == "vector basemap",
                                                         raster=label == "vector basemap" and i == 0))
                finally:
                    browser.close()
        finally:
            for srv in servers.values():
                srv.stop()
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], capture_output=True)
    results["runs"] = runs
    summary = {}
    for label, rows in runs.items():
        summary[label] = {
            "total_kb": round(_median(rows, lambda r: r["total_bytes"]) / 1024, 1),
            "page_kb": round(_median(rows, lambda r: r["bytes"]["page"] + r["bytes"]["renderer"]) / 1024, 1),
            "data_kb": round(_median(rows, lambda r: r["bytes"]["data"] + r["bytes"]["tiles"]) / 1024, 1),
            "first_render_ms": _median(rows, lambda r: r["first_render_ms"]),
            "interactive_ms": _median(rows, lambda r: r["interactive_ms"]),
            "requests": _median(rows, lambda r: r["requests"]),
        }
    vec = runs["vector basemap"][0]
    raster_total = vec["total_bytes"] - vec["bytes"]["tiles"] - vec["bytes"]["renderer"] + vec["raster_png_bytes"]
    summary["raster estimate (same view as PNG)"] = {
        "total_kb": round(raster_total / 1024, 1), "tiles_kb": round(vec["raster_png_bytes"] / 1024, 1),
        "vector_tiles_kb": round(vec["bytes"]["tiles"] / 1024, 1), "tiles": vec["raster_tiles"]}
    results["summary"] = summary
    results["total_s"] = round(time.perf_counter() - t_all, 1)
    b, v = summary["before (road GeoJSON lines)"], summary["vector basemap"]
    rows = [[k, s["total_kb"], s["page_kb"], s["data_kb"], s["first_render_ms"], s["interactive_ms"], s["requests"]]
            for k, s in summary.items() if "first_render_ms" in s]
    report = common.table(rows, ["home page", "total KiB", "HTML+JS/CSS KiB", "data+tiles KiB", "first render ms",
                                 "interactive ms", "requests"])
    r = summary["raster estimate (same view as PNG)"]
    report += (f"\n\nratios vector/before: weight {v['total_kb'] / b['total_kb']:.2f}x, first render "
               f"{v['first_render_ms'] / b['first_render_ms']:.2f}x, interactive {v['interactive_ms'] / b['interactive_ms']:.2f}x"
               f"\nraster estimate: the {r['tiles']} tiles of this view weigh {r['tiles_kb']} KiB as PNG against "
               f"{r['vector_tiles_kb']} KiB as vector tiles; the page would weigh {r['total_kb']} KiB "
               f"(without the {round(vec['bytes']['renderer'] / 1024, 1)} KiB renderer)"
               f"\nbasemap: {results['basemap']['tiles']:,} tiles, {results['basemap']['file_bytes'] / 1024:.0f} KiB "
               f"PMTiles; import of network + places with basemap builds: {results['import_with_basemap_s']} s")
    common.finish("bench_basemap", "basemap", results, report)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
