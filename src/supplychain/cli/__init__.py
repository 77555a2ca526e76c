"""``supplychain``: the command line. One module per command group, each adding its subcommands.

Every command takes ``--data-dir`` (else ``$SUPPLYCHAIN_DATA_DIR``, else a per-user default), exits non-zero
with a one-line reason on failure, and prints JSON with the same shape as the HTTP API where asked.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sqlite3
import sys

from .. import store
from ..boundedread import ImportRefused
from ..errors import InputError, NetworkError
from ..registry import RegistryError
from ..studyarea import StudyAreaError

#: Command-group modules, in help order. Each defines ``register(subparsers)``.
GROUPS = ("serve", "network", "entities", "places", "query", "sourcing", "sites", "route", "report")

EPILOG = """examples:
  supplychain network import ../shared/geo/sip-core.osm     load a road network
  supplychain entities import firms.csv                     add firms to the registry
  supplychain query suppliers --entity magiclab --category reducer
  supplychain sourcing --format table                       the 10 km sourcing check
  supplychain serve                                         the web app on http://127.0.0.1:8000
"""


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Help that says which options are required (必填) and what the defaults are."""

    def _get_help_string(self, action):
        text = action.help or ""
        if action.required and action.option_strings:
            text = "（必填 required）" + text
        return text


class Parser(argparse.ArgumentParser):
    """Every parser of the command line: whole option names only (``--radius 10`` is an error, not
    ``--radius-km``), required options marked in the help, and the same class for every subcommand."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="supplychain",
        description="吴中具身智能供应链定位器 — embodied-intelligence supply-chain locator for 吴中区, Suzhou.",
        epilog=EPILOG)
    parser.add_argument("--data-dir", help="数据目录 data dir (default: $SUPPLYCHAIN_DATA_DIR or "
                                           "~/.local/share/supplychain); must exist unless --init is given")
    parser.add_argument("--init", action="store_true",
                        help="创建并初始化一个新的数据目录 create and seed the data dir if it does not exist")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=Parser)
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
    """Run a command; expected failures print one line (Chinese first, English beside) and exit non-zero.

    Exit codes: 0 ok, 1 failed (bad file, no network, I/O), 2 bad input or refused import, 3 the registry
    database is busy (another process kept writing longer than the wait), 130 interrupted, 70 a bug.
    ``SUPPLYCHAIN_DEBUG=1`` shows the traceback of a bug instead of the one line.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    missing = _missing_data_dir(args)
    if missing:
        return fail(f"数据目录不存在 data dir does not exist: {missing} — 检查路径，或加 --init 新建 check the path, "
                    "or add --init to create a new one", 2)
    try:
        result = args.func(args)
    except RegistryError as exc:  # one line per bad row: file, line, column, reason
        if len(exc.errors) == 1:
            return fail(f"登记文件有误 registry file rejected: {exc.errors[0]}", 2)
        return fail(f"登记文件有误 registry file rejected, nothing stored: {exc}", 2)
    except InputError as exc:
        where = f" ({exc.field})" if exc.field else ""
        return fail(f"输入有误 error{where}: {exc.message}", 2)
    except ImportRefused as exc:
        return fail(str(exc), 2)
    except sqlite3.OperationalError as exc:
        if store.is_busy_error(exc):
            return fail(store.busy_message(), 3)
        return fail(f"数据库错误 database error: {exc}", 1)
    except (NetworkError, StudyAreaError, FileNotFoundError, PermissionError, ValueError) as exc:
        return fail(f"错误 error: {exc}", 1)
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        sys.stdout = open(os.devnull, "w")
        return 0
    except OSError as exc:
        return fail(f"读写失败 I/O error: {exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""), 1)
    except KeyboardInterrupt:
        return fail("已中断 interrupted", 130)
    except Exception as exc:
        if os.environ.get("SUPPLYCHAIN_DEBUG"):
            raise
        return fail(f"内部错误 internal error (a bug, please report it; SUPPLYCHAIN_DEBUG=1 shows the traceback): "
                    f"{type(exc).__name__}: {exc}", 70)
    return int(result or 0)


def _missing_data_dir(args) -> str | None:
    """An explicitly chosen data dir (``--data-dir`` or ``$SUPPLYCHAIN_DATA_DIR``) that does not exist, unless
    ``--init`` asks for it; the per-user default is created on first use."""
    chosen = getattr(args, "data_dir", None) or os.environ.get("SUPPLYCHAIN_DATA_DIR")
    if not chosen or args.init:
        return None
    return None if os.path.isdir(os.path.expanduser(chosen)) else chosen


def fail(line: str, code: int) -> int:
    print(line, file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
