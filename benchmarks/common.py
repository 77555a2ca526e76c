"""Helpers shared by the benchmark modules: machine info, timing, peak memory, JSON results, tables."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterable

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
SHARED_GEO = ROOT.parent / "shared" / "geo"
SIP_OSM = SHARED_GEO / "sip-core.osm"


def machine_info() -> dict:
    """What the figures were measured on."""
    import networkx
    import numpy
    import scipy

    info = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "networkx": networkx.__version__,
        "blas_threads_env": {k: v for k, v in os.environ.items() if "OPENBLAS" in k or k == "OMP_NUM_THREADS"},
    }
    try:
        import osmnx

        info["osmnx"] = osmnx.__version__
    except ImportError:  # pragma: no cover
        pass
    try:
        info["cpu"] = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                           if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        mem_kb = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
        info["memory_gib"] = round(mem_kb / 2**20, 1)
    except (OSError, StopIteration):
        pass
    return info


def timed(fn: Callable, *args, **kwargs) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t0, out


def time_calls(fn: Callable, calls: Iterable[tuple]) -> list[float]:
    """Seconds for each ``fn(*args)`` in ``calls``."""
    out = []
    for args in calls:
        t0 = time.perf_counter()
        fn(*args)
        out.append(time.perf_counter() - t0)
    return out


def summary(seconds: list[float]) -> dict:
    """Median, p10/p90, min and count of a list of durations, in milliseconds."""
    ms = sorted(s * 1000 for s in seconds)
    pick = lambda q: ms[min(len(ms) - 1, int(q * (len(ms) - 1) + 0.5))]  # noqa: E731
    return {"median_ms": round(statistics.median(ms), 3), "p10_ms": round(pick(0.1), 3),
            "p90_ms": round(pick(0.9), 3), "min_ms": round(ms[0], 3), "n": len(ms)}


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (MiB).

    Reads ``VmHWM`` (this address space only): ``getrusage``'s ``ru_maxrss`` survives ``exec`` on Linux, so in
    a subprocess it can report the *parent's* peak.
    """
    try:
        return next(int(line.split()[1]) for line in open("/proc/self/status")
                    if line.startswith("VmHWM")) / 1024
    except (OSError, StopIteration):  # pragma: no cover
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mib() -> float:
    try:
        return next(int(line.split()[1]) for line in open("/proc/self/status")
                    if line.startswith("VmRSS")) / 1024
    except (OSError, StopIteration):  # pragma: no cover
        return float("nan")


def run_python(code: str, *args: str, timeout: float = 600) -> dict:
    """Run ``code`` in a fresh interpreter (the project venv's); it must print one JSON object last."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT), str(BENCH_DIR), env.get("PYTHONPATH", "")])
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env,
                          timeout=timeout)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"subprocess failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_wall_s"] = round(wall, 3)
    return out


def write_json(name: str, data: dict) -> Path:
    """Write ``results/<name>.json`` (git-ignored) and return its path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=_jsonable), encoding="utf-8")
    return path


def finish(script: str, name: str, results: dict, report: str) -> Path:
    """End a benchmark run: write ``results/<name>.json``, print the report and the run's time and JSON path."""
    path = write_json(name, results)
    print(report)
    print(f"\n({script}: {results['total_s']:.0f} s; JSON in {path.relative_to(ROOT)})")
    return path


def _jsonable(o):
    try:
        import numpy as np

        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, np.ndarray):
            return o.tolist()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def table(rows: list[list], header: list[str]) -> str:
    """A plain-text table (also valid Markdown)."""
    cells = [[str(c) for c in header]] + [[("" if c is None else str(c)) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    fmt = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    lines = [fmt(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += [fmt(r) for r in cells[1:]]
    return "\n".join(lines)


def fmt_s(seconds: float | None) -> str:
    """Human duration: ms below 1 s."""
    if seconds is None:
        return "–"
    return f"{seconds * 1000:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)
