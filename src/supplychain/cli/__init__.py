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
from ..messages import _
from ..studyarea import StudyAreaError
from .common import ARGPARSE_MESSAGES  # noqa: F401  (installs argparse's words from the catalog)

#: Command-group modules, in help order. Each defines ``register(subparsers)``.
GROUPS = ("serve", "network", "entities", "places", "query", "sourcing", "sites", "route", "report")

def epilog() -> str:
    return "\n".join([
        _("examples:"),
        "  supplychain network import ../shared/geo/sip-core.osm     " + _("load a road network"),
        "  supplychain entities import firms.csv                     " + _("add firms to the registry"),
        "  supplychain query suppliers --entity magiclab --category 减速器",
        "  supplychain sourcing --format table                       " + _("the 10 km sourcing check"),
        "  supplychain serve                                         " + _("the web app on http://127.0.0.1:8000"),
        ""])


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Help that says which options are required (必填) and what the defaults are."""

    def _get_help_string(self, action):
        text = action.help or ""
        if action.required and action.option_strings:
            text = "（" + _("required") + "）" + text
        return text


class Parser(argparse.ArgumentParser):
    """Every parser of the command line: whole option names only (``--radius 10`` is an error, not
    ``--radius-km``), required options marked in the help, and the same class for every subcommand."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        """One line, Chinese first (argparse's own words come from the catalog too), and exit 2."""
        self.exit(2, _("input error") + f": {message} · " + _("for help") + f": {self.prog} --help\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="supplychain",
        description=_("Embodied-intelligence supply-chain locator for 吴中区, Suzhou."),
        epilog=epilog())
    parser.add_argument("--data-dir", help=_("data dir (default: $SUPPLYCHAIN_DATA_DIR or ~/.local/share/supplychain); "
                                             "must exist unless --init is given"))
    parser.add_argument("--init", action="store_true",
                        help=_("create and seed the data dir if it does not exist"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=Parser,
                                help=_("one of the commands below"))
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
        return fail(_("data dir does not exist: {path} — check the path, or add --init to create a new one",
                      path=missing), 2)
    try:
        result = args.func(args)
    except RegistryError as exc:  # one line per bad row: file, line, column, reason
        if len(exc.errors) == 1:
            return fail(_("registry file rejected") + f": {exc.errors[0]}", 2)
        return fail(_("registry file rejected, nothing stored") + f": {exc}", 2)
    except InputError as exc:
        where = f" ({exc.field})" if exc.field else ""
        return fail(_("input error") + f"{where}: {exc.message}", 2)
    except ImportRefused as exc:
        return fail(str(exc), 2)
    except sqlite3.OperationalError as exc:
        if store.is_busy_error(exc):
            return fail(store.busy_message(), 3)
        return fail(_("database error") + f": {exc}", 1)
    except (NetworkError, StudyAreaError, FileNotFoundError, PermissionError, ValueError) as exc:
        return fail(_("error") + f": {exc}", 1)
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        sys.stdout = open(os.devnull, "w")
        return 0
    except OSError as exc:
        return fail(_("I/O error") + f": {exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""), 1)
    except KeyboardInterrupt:
        return fail(_("interrupted"), 130)
    except Exception as exc:
        if os.environ.get("SUPPLYCHAIN_DEBUG"):
            raise
        return fail(_("internal error (a bug, please report it; SUPPLYCHAIN_DEBUG=1 shows the traceback)")
                    + f": {type(exc).__name__}: {exc}", 70)
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
