"""Helpers shared by the command groups: data-dir flags, output formats, progress, and argparse's own words
through the message catalog."""

from __future__ import annotations

import argparse
import json
import sys
import time

from .. import messages, taxonomy
from ..messages import N_, _

#: argparse's own words that a user sees (help headings, usage, parse errors), as msgids of our catalog, so
#: extraction keeps them and they are translated like every other message. argparse looks them up through
#: its module-level ``_``/``ngettext`` (``from gettext import gettext as _``), see :func:`_argparse_gettext`.
ARGPARSE_MESSAGES = (
    N_("usage: "), N_("positional arguments"), N_("options"), N_("show this help message and exit"),
    N_("the following arguments are required: %s"), N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"), N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"), N_("expected at most one argument"), N_("expected at least one argument"),
    N_("expected %s argument"), N_("expected %s arguments"), N_("not allowed with argument %s"),
    N_("one of the arguments %s is required"), N_("ignored explicit argument %r"),
    N_("ambiguous option: %(option)s could match %(matches)s"), N_("unexpected option string: %s"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"), N_("can't open '%(filename)s': %(error)s"),
    N_("argument %(argument_name)s: %(message)s"),
)

#: Wrappers around a message that is already bilingual: only their Chinese is used, or the inner message
#: would be shown twice ("参数 --k：<中文 English>", not "参数 --k：<…> argument --k: <…>").
_WRAPPERS = frozenset({"argument %(argument_name)s: %(message)s"})


class _Bilingual(str):
    """A translated argparse format string: ``"中文 English"``, and ``%`` fills both halves."""

    def __new__(cls, zh: str, en: str):
        obj = super().__new__(cls, en if zh == en else f"{zh} {en}")
        obj.zh, obj.en = zh, en
        return obj

    def __mod__(self, args):
        zh, en = self.zh % args, self.en % args
        return en if zh == en else f"{zh} {en}"


def _argparse_gettext(message):
    """argparse's ``gettext``: the catalog's Chinese beside argparse's English (``None`` passes through)."""
    if not isinstance(message, str) or not message:
        return message
    zh = messages.catalog().get(message)
    if zh is None:
        return message
    if message in _WRAPPERS:
        return zh
    return _Bilingual(zh, message)


def _argparse_ngettext(singular: str, plural: str, n: int):
    return _argparse_gettext(singular if n == 1 else plural)


# argparse calls its module-level names at run time; pointing them at the catalog translates every parser
# of the process (only the command line builds parsers).
argparse._ = _argparse_gettext
argparse.ngettext = _argparse_ngettext


def taxonomy_arg(table: dict, what: str):
    """An argparse ``type`` accepting an id, 中文 or English name of ``table`` (:func:`taxonomy.resolve`)."""
    def parse(text: str) -> str:
        key = taxonomy.resolve(text, table)
        if key is None:
            raise argparse.ArgumentTypeError(taxonomy.unknown_message(text, table, what))
        return key
    parse.__name__ = what
    return parse


def add_data_dir(parser: argparse.ArgumentParser) -> None:
    """Accept ``--data-dir`` after the subcommand too (``supplychain network info --data-dir X``)."""
    parser.add_argument("--data-dir", default=argparse.SUPPRESS,
                        help=_("data dir (default: $SUPPLYCHAIN_DATA_DIR or ~/.local/share/supplychain); "
                                "must exist unless --init is given"))


def add_format(parser: argparse.ArgumentParser, choices=("table", "json"), default="table") -> None:
    parser.add_argument("--format", choices=choices, default=default,
                        help=_("output format (default: {default})", default=default))


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
