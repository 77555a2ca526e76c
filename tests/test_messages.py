"""The one message catalog: every msgid in the sources has Chinese, with the same placeholders.

The msgids are found by Babel's own extractors (Python, Jinja2 templates, the pages' JavaScript) using the
project's babel.cfg — the same extraction `./run.sh messages` runs — not by a list kept in this test.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from supplychain import messages

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "N_": None, "zh": None, "en": None, "pair": None, "t": None}
CJK = re.compile(r"[\u3400-\u9fff]")


def extracted() -> dict[str, str]:
    """msgid -> where it was first found."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: dict[str, str] = {}
    for filename, lineno, msgid, _comments, _ctx in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True):
        ids = msgid if isinstance(msgid, tuple) else (msgid,)
        for m in ids:
            if m:
                found.setdefault(m, f"{filename}:{lineno}")
    return found


def fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def test_extraction_sees_the_sources():
    found = extracted()
    # msgids known to be used in each kind of source: guards against an extraction that silently finds nothing
    assert "{field} is required" in found


def test_every_message_has_chinese():
    cat = messages.catalog()
    missing = [f"{where}: {m!r}" for m, where in sorted(extracted().items(), key=lambda kv: kv[1])
               if not CJK.search(cat.get(m, ""))]
    assert not missing, f"{len(missing)} message(s) without Chinese in {messages.CATALOG.name}:\n" + "\n".join(missing)


def test_placeholders_agree():
    bad = [m for m, zh in messages.catalog().items() if fields(m) != fields(zh)]
    assert not bad, bad


def test_bilingual_form_is_chinese_first():
    assert messages._("{field} is required", field="lon") == "缺少必填项 lon lon is required"
    assert messages.pair("{field} is required", field="k") == ("缺少必填项 k", "k is required")

