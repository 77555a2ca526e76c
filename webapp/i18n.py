"""The message catalog in the pages: Jinja's i18n extension over ``supplychain.messages``, and the entries the
page scripts use, handed to them as JSON.

Templates::

    {{ _("Supplier query") }}                      供应商查询 Supplier query   (autoescaped text)
    {{ _("{n} entities", n=3) }}                    placeholders are str.format names, as in Python
    {{ bi("Supplier query") }}                      供应商查询 <span>Supplier query</span>
    {{ bi("Name", "en") }}                          名称 <span class="en">Name</span>  (styled apart)
    {{ zh("Map") }} / {{ en("Map") }}               one half

Scripts (``static/sc.js``): ``SC.t("English {n}", {n: 3})`` -> "中文 English", ``SC.th`` the same as escaped HTML,
``SC.bi`` the two halves styled apart, ``SC.tPair`` the halves. The Chinese of every msgid those calls hold in
``static/*.js`` is found with Babel's JavaScript extractor (the one ``./run.sh messages`` and
``tests/test_messages.py`` use), read once per process, and put in each page as
``<script id="sc-messages" type="application/json">`` (base.html).

Jinja's own *newstyle* gettext is not used: it %-formats every message (a literal "100%" would break it), while
the catalog's placeholders are ``{name}``; the callables installed here format with ``str.format`` and escape
the values, so a message and its parameters reach the page escaped either way.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from markupsafe import Markup, escape

from supplychain import messages
from supplychain.messages import N_

STATIC = Path(__file__).with_name("static")
#: The page scripts' catalog calls (SC.t, SC.th, SC.bi, SC.tPair); babel.cfg's [javascript] section.
JS_KEYWORDS = {"t": None, "th": None, "bi": None, "tPair": None}


def bi(msgid: str, cls: str | None = None, **params) -> Markup:
    """``中文 <span class="cls">English</span>``: the two halves of a message styled apart, both escaped."""
    c, e = messages.pair(msgid, **params)
    attr = Markup(' class="{}"').format(cls) if cls else ""
    if c == e:  # no Chinese yet: shown once (tests/test_messages.py fails on it)
        return escape(e)
    return Markup("{} <span{}>{}</span>").format(c, attr, e)


#: A location's precision as shown (the registry's codes, in the catalog): "street" -> "道路 street".
PRECISION_LABELS = {"exact": N_("exact"), "street": N_("street"), "town": N_("town"), "district": N_("district"),
                    "unknown": N_("unknown")}


def precision_label(precision: str | None) -> str:
    """A precision code in words, Chinese first (the code itself when it is not one of the registry's)."""
    label = PRECISION_LABELS.get(precision or "")
    return messages._(label) if label else (precision or "")


def _ngettext(singular: str, plural: str, n: int, **params) -> str:
    return messages._(singular if n == 1 else plural, n=n, **params)


@lru_cache(maxsize=1)
def script_msgids() -> tuple[str, ...]:
    """Every msgid the page scripts (``static/*.js``, not vendor/) pass to SC.t / SC.th / SC.bi / SC.tPair."""
    from babel.messages.extract import extract

    found: dict[str, None] = {}
    for path in sorted(STATIC.glob("*.js")):
        with path.open("rb") as f:
            for _lineno, msgid, _comments, _ctx in extract("javascript", f, keywords=JS_KEYWORDS):
                for m in (msgid if isinstance(msgid, tuple) else (msgid,)):
                    if m:
                        found[m] = None
    return tuple(found)


@lru_cache(maxsize=1)
def script_messages() -> dict[str, str]:
    """msgid -> Chinese for the page scripts (what ``SC.t`` reads)."""
    return messages.entries(script_msgids())


def init_app(app) -> None:
    """Install the catalog in the app's templates."""
    env = app.jinja_env
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(gettext=messages._, ngettext=_ngettext, newstyle=False)
    env.globals.update(bi=bi, zh=messages.zh, en=messages.en, sc_messages=script_messages,
                       precision_label=precision_label)
