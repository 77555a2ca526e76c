"""Run every benchmark: each ``benchmarks/bench_*.py`` module's ``main()`` in its own fresh process.

    .venv/bin/python benchmarks/run_all.py            # all of them (what ``./run.sh bench`` calls)
    .venv/bin/python benchmarks/run_all.py engine     # only bench_engine.py (names match bench_<name>.py)
    .venv/bin/python benchmarks/run_all.py --quick    # fewer repetitions (sets BENCH_QUICK=1)

A module's ``main()`` prints its own tables and writes its JSON; if it writes none but returns a dict, that
is written to ``benchmarks/results/<module>.json``. A summary of every module's
status and duration, with the machine it ran on, goes to ``benchmarks/results/summary.json``.
Exit status: 1 if any module failed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

RUNNER = r"""
import importlib, sys, time
name, bench_dir, src_dir = sys.argv[1:4]
sys.path[:0] = [bench_dir, src_dir]
sys.argv = [name]  # a main() that parses sys.argv sees no stray arguments
started = time.time()
module = importlib.import_module(name)
result = module.main()
if isinstance(result, dict):
    from common import RESULTS_DIR, write_json
    if not any(p.stat().st_mtime >= started for p in RESULTS_DIR.glob("*.json")):  # it wrote none itself
        write_json(name, result)
"""


def discover(names: list[str]) -> list[str]:
    found = sorted(p.stem for p in common.BENCH_DIR.glob("bench_*.py"))
    if not names:
        return found
    wanted = [n if n.startswith("bench_") else f"bench_{n}" for n in names]
    missing = [w for w in wanted if w not in found]
    if missing:
        raise SystemExit(f"no such benchmark: {', '.join(missing)} (have: {', '.join(found)})")
    return wanted


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Run the benchmarks (each in a fresh process)")
    p.add_argument("names", nargs="*", help="benchmarks to run (default: all), e.g. engine sites webapp")
    p.add_argument("--quick", action="store_true", help="fewer repetitions: BENCH_QUICK=1 for every module")
    args = p.parse_args(argv)
    modules = discover(args.names)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(common.ROOT / "src"), str(common.ROOT), env.get("PYTHONPATH", "")])
    if args.quick:
        env["BENCH_QUICK"] = "1"
    common.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    summary = {"machine": common.machine_info(), "quick": args.quick, "modules": {}}
    failed = []
    t_all = time.perf_counter()
    for name in modules:
        print(f"\n=== {name} ===", flush=True)
        started = time.time()
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", RUNNER, name, str(common.BENCH_DIR), str(common.ROOT / "src")],
                              env=env, cwd=common.ROOT)
        took = time.perf_counter() - t0
        ok = proc.returncode == 0
        if not ok:
            failed.append(name)
        # The JSON files this module wrote (each module names its own; stale ones from earlier runs are not counted).
        written = sorted(str(f.relative_to(common.ROOT)) for f in common.RESULTS_DIR.glob("*.json")
                         if f.stat().st_mtime >= started)
        summary["modules"][name] = {"ok": ok, "exit_code": proc.returncode, "seconds": round(took, 1),
                                    "results": written}
        print(f"--- {name}: {'ok' if ok else 'FAILED (exit %d)' % proc.returncode} in {took:.0f} s", flush=True)
    summary["total_seconds"] = round(time.perf_counter() - t_all, 1)
    path = common.write_json("summary", summary)
    print("\n" + common.table([[n, "ok" if m["ok"] else "FAILED", f"{m['seconds']:.0f} s",
                                ", ".join(m["results"]) or "–"]
                               for n, m in summary["modules"].items()],
                              ["benchmark", "status", "time", "results"]))
    print(f"\nall benchmarks: {summary['total_seconds']:.0f} s; summary in {path.relative_to(common.ROOT)}")
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
