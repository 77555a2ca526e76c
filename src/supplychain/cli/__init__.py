"""``supplychain``: the command line. One module per command group, each adding its subcommands.

Every command takes ``--data-dir`` (else ``$SUPPLYCHAIN_DATA_DIR``, else a per-user default), exits non-zero
with a one-line reason on failure, and prints JSON with the same shape as the HTTP API where asked.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from ..errors import InputError
from ..network import NetworkError
from ..registry import RegistryError
from ..studyarea import StudyAreaError

#: Command-group modules, in help order. Each defines ``register(subparsers)``.
GROUPS = ("serve", "network", "entities", "query", "sourcing", "sites", "route")

EPILOG = """examples:
  supplychain network import ../shared/geo/sip-core.osm     load a road network
  supplychain entities import firms.csv                     add firms to the registry
  supplychain query suppliers --entity magiclab --category reducer
  supplychain sourcing --format table                       the 10 km sourcing check
  supplychain serve                                         the web app on http://127.0.0.1:8000
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="supplychain",
        description="吴中具身智能供应链定位器 — embodied-intelligence supply-chain locator for 吴中区, Suzhou.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", help="data dir (default: $SUPPLYCHAIN_DATA_DIR or ~/.local/share/supplychain)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in GROUPS:
        try:
            module = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.endswith(f"cli.{name}"):
                continue  # a command group not built yet
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.func(args)
    except RegistryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except InputError as exc:
        where = f" ({exc.field})" if exc.field else ""
        print(f"error{where}: {exc.message}", file=sys.stderr)
        return 2
    except (NetworkError, StudyAreaError, FileNotFoundError, PermissionError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
