"""Helpers shared by the command groups: data-dir flags, output formats, progress."""

from __future__ import annotations

import argparse
import json
import sys
import time


def add_data_dir(parser: argparse.ArgumentParser) -> None:
    """Accept ``--data-dir`` after the subcommand too (``supplychain network info --data-dir X``)."""
    parser.add_argument("--data-dir", default=argparse.SUPPRESS,
                        help="data dir (default: $SUPPLYCHAIN_DATA_DIR or ~/.local/share/supplychain)")


def add_scenario(parser: argparse.ArgumentParser) -> None:
    """``--scenario NAME``: run the analysis on a stored what-if scenario (``supplychain scenario``)."""
    parser.add_argument("--scenario", help="假设情景 run on this what-if scenario (supplychain scenario list)")


def open_workspace(args, **kwargs):
    """The data dir's workspace, or the ``--scenario`` one over it when the command was given one."""
    from ..scenariostore import workspace_for
    from ..workspace import Workspace

    ws = Workspace.open(getattr(args, "data_dir", None), **kwargs)
    name = getattr(args, "scenario", None)
    return workspace_for(ws, name) if name else ws


def add_format(parser: argparse.ArgumentParser, choices=("table", "json"), default="table") -> None:
    parser.add_argument("--format", choices=choices, default=default, help=f"output format (default: {default})")


def print_json(data) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


class Progress:
    """Prints timestamped progress lines to stderr, so stdout stays clean for JSON."""

    def __init__(self, quiet: bool = False):
        self.start = time.perf_counter()
        self.quiet = quiet

    def __call__(self, msg: str) -> None:
        if not self.quiet:
            print(f"[{time.perf_counter() - self.start:6.1f}s] {msg}", file=sys.stderr, flush=True)


def table(rows: list[dict], columns: list[tuple[str, str]]) -> str:
    """A plain text table; columns are (key, header). East Asian wide characters count double."""
    import unicodedata

    def width(s: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)

    cells = [[("" if r.get(k) is None else str(r.get(k))) for k, _ in columns] for r in rows]
    widths = [max([width(h)] + [width(c[i]) for c in cells]) for i, (_, h) in enumerate(columns)]

    def line(values):
        return "  ".join(v + " " * (w - width(v)) for v, w in zip(values, widths)).rstrip()

    out = [line([h for _, h in columns]), line(["-" * w for w in widths])]
    out.extend(line(c) for c in cells)
    return "\n".join(out)
