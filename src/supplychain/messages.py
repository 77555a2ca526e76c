"""The one catalog of user-facing text: gettext message catalogs read through Babel, Chinese first.

Every sentence a person reads (page text, API error messages, analysis notes and caveats, CLI help and errors)
is written in code as its English ``msgid`` wrapped in :func:`_` and translated in
``locale/zh_Hans/LC_MESSAGES/messages.po``. The product shows both: ``_("Radius")`` is ``"半径 Radius"``.

Placeholders are ``str.format`` names, the same in both languages::

    _("{n} makers lack {category}", n=3, category="减速器 reducer")

A value that is itself a :func:`pair` is put in each half in that half's language::

    _("Send {what}", what=pair("a JSON object"))   # "请发送 JSON 对象 Send a JSON object"

- :func:`_` the bilingual sentence (Chinese, a space, English) — the form used almost everywhere;
- :func:`pair` the two halves, for markup that styles them apart (``中文 <span>English</span>``);
- :func:`zh` / :func:`en` one half;
- :func:`N_` marks a msgid for extraction without translating it yet (module-level tables).

A message with no Chinese in the catalog is shown in English and fails ``tests/test_messages.py``, which
extracts every msgid from the sources (Python, Jinja templates and ``webapp/static/*.js``) with Babel's
extractors and checks each has a Chinese translation. Pages get the catalog entries their scripts use as
JSON (``SC.t`` in ``webapp/static/sc.js``).

To add messages: wrap the English in ``_()``, then ``./run.sh messages`` (``pybabel extract`` + ``update``)
and write the Chinese ``msgstr`` in the ``.po`` file.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).with_name("locale")
CATALOG = LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "messages.po"
DOMAIN = "messages"


@lru_cache(maxsize=1)
def catalog() -> dict[str, str]:
    """msgid -> Chinese msgstr for every translated, non-fuzzy entry of the catalog."""
    from babel.messages.pofile import read_po

    with CATALOG.open("rb") as f:
        cat = read_po(f, locale="zh_Hans")
    out: dict[str, str] = {}
    for m in cat:
        if m.id and isinstance(m.id, str) and m.string and not m.fuzzy:
            out[m.id] = m.string
    return out


def _fill(text: str, params: dict, half: int) -> str:
    """``text`` with its placeholders filled; a value that is a :func:`pair` gives each half its own language."""
    if not params:
        return text
    return text.format(**{k: v[half] if isinstance(v, tuple) and len(v) == 2 else v for k, v in params.items()})


def zh(msgid: str, **params) -> str:
    """The Chinese half (the English msgid when the catalog has no Chinese yet)."""
    return _fill(catalog().get(msgid, msgid), params, 0)


def en(msgid: str, **params) -> str:
    """The English half."""
    return _fill(msgid, params, 1)


def pair(msgid: str, **params) -> tuple[str, str]:
    """``(Chinese, English)``."""
    return zh(msgid, **params), en(msgid, **params)


def _(msgid: str, **params) -> str:
    """The bilingual sentence: Chinese first, English beside it."""
    c, e = pair(msgid, **params)
    return e if c == e else f"{c} {e}"


def N_(msgid: str) -> str:
    """Mark ``msgid`` for extraction; translate later with :func:`_`."""
    return msgid


def entries(msgids) -> dict[str, str]:
    """The Chinese of each msgid that has one (what a page's script needs, as JSON)."""
    cat = catalog()
    return {m: cat[m] for m in msgids if m in cat}
