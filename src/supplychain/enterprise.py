"""Enterprise lists: spreadsheets of firms with Chinese headers and addresses, never coordinates.

Exports from the national enterprise credit system or commercial registries carry 企业名称, 统一社会信用代码,
注册地址 / 经营地址, 经营范围, 行业, 成立日期. :func:`read_list` recognises those headers (or takes a mapping,
``--columns name=企业名称,address=注册地址``), makes one ``firm`` per row with an id from the credit code (else a
stable slug of the name), reports duplicates by credit code or name instead of doubling them, and suggests
categories from the name and 经营范围 (:func:`supplychain.taxonomy.suggest_categories`). A row's ``district``
is the list's own (所属区县) or the one its address names. Rows are unlocated until geocoded
(:mod:`supplychain.geocode`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import address as addr
from . import registry, taxonomy
from .messages import _
from .registry import Entity, RegistryError, RowError
from .store import Store

#: Our field -> the headers that hold it, in order of preference.
HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("企业名称", "名称", "公司名称", "单位名称"),
    "credit_code": ("统一社会信用代码", "信用代码", "社会信用代码"),
    "address": ("注册地址", "经营地址", "地址", "住所", "通信地址"),
    "scope": ("经营范围",),
    "industry": ("行业", "所属行业", "国标行业"),
    "founded": ("成立日期", "成立时间"),
    "district": ("所属区县", "区县"),
}
_CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


@dataclass
class ListReport:
    """What an enterprise-list import did."""

    file: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # one line each: which row repeats which
    suggested: int = 0

    def __str__(self) -> str:
        lines = [f"{self.file}: " + _("{added} added, {updated} updated, {dups} duplicates skipped, {suggested} with "
                                     "suggested categories", added=len(self.added), updated=len(self.updated),
                                     dups=len(self.duplicates), suggested=self.suggested)]
        lines += ["  " + _("duplicate") + f": {d}" for d in self.duplicates]
        return "\n".join(lines)


def is_list(header: list[str]) -> bool:
    """A file is an enterprise list when it has a name header of its own and no registry ``id`` column."""
    return "id" not in header and any(h in header for h in HEADERS["name"])


def parse_columns(text: str | None) -> dict[str, str]:
    """``name=企业名称,address=注册地址`` -> ``{"name": "企业名称", "address": "注册地址"}``."""
    out: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        key, sep, header = part.partition("=")
        key, header = key.strip(), header.strip()
        if not sep or key not in HEADERS or not header:
            raise ValueError(_("bad --columns entry {part}: expected FIELD=HEADER with FIELD one of {fields}",
                               part=repr(part), fields=", ".join(HEADERS)))
        out[key] = header
    return out


def _choose(header: list[str], columns: dict[str, str], name: str) -> RowError | None:
    for fld, given in columns.items():
        if given not in header:
            return RowError(name, 1, given, _("column {given} (for {fld}) is not in the header: {items}",
                                              given=repr(given), fld=fld, items=', '.join(header)))
    return None


def slug_id(name: str) -> str:
    """A stable id for a firm without a credit code: ``firm-`` and 10 hex digits of its name's SHA-1."""
    return "firm-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:10]


def read_list(path: str | Path, columns: dict[str, str] | None = None, encoding: str | None = None,
              accept_suggested: bool = False) -> tuple[list[Entity], list[str]]:
    """The firms of an enterprise list and the duplicate lines found inside the file.

    Parameters
    ----------
    path
        CSV (UTF-8, or ``encoding``) or XLSX (first sheet).
    columns
        Our field -> the file's header, overriding the recognised headers.
    accept_suggested
        Put the suggested categories straight into ``categories`` (else they wait for a person).
    """
    name = str(path)
    header, rows = registry.read_rows(path, encoding)
    columns = dict(columns or {})
    bad = _choose(header, columns, name)
    if bad:
        raise RegistryError([bad])
    for fld, options in HEADERS.items():
        if fld not in columns:
            found = next((h for h in options if h in header), None)
            if found:
                columns[fld] = found
    if "name" not in columns:
        raise RegistryError([RowError(name, 1, "", _("no firm-name column (企业名称/名称) and no --columns name=…"))])
    entities, dups, errors = [], [], []
    by_code: dict[str, int] = {}
    by_name: dict[str, int] = {}
    for line, row in rows:
        get = lambda f: (row.get(columns[f]) or "").strip() if f in columns else ""  # noqa: E731
        firm = get("name")
        if not firm:
            errors.append(RowError(name, line, columns["name"], _("empty firm name")))
            continue
        code = get("credit_code").upper()
        if code and not _CREDIT_CODE.match(code):
            errors.append(RowError(name, line, columns["credit_code"], _("not an 18-character credit code: {code}",
                                                                         code=repr(code))))
            continue
        if code and code in by_code:
            dups.append(f"{name}:{line} {firm}: same credit code {code} as line {by_code[code]}")
            continue
        if firm in by_name:
            dups.append(f"{name}:{line} {firm}: same name as line {by_name[firm]}")
            continue
        if code:
            by_code[code] = line
        by_name[firm] = line
        cats, words = taxonomy.suggest_categories(firm, get("scope"))
        note = "; ".join(f"{label}: {get(f)}" for f, label in (("industry", "行业"), ("founded", "成立日期"))
                         if get(f))
        entities.append(Entity(
            id=f"cc-{code}" if code else slug_id(firm), name_zh=firm, kind="firm", address=get("address"),
            district=get("district") or (addr.parse(addr.strip_notes(get("address"))).district if get("address") else ""), precision="unknown", credit_code=code,
            categories=cats if accept_suggested else (), suggested_categories=() if accept_suggested else cats,
            suggested_words=";".join(words), source=f"enterprise list {Path(path).name}, line {line}",
            note=note))
    if errors:
        raise RegistryError(errors)
    if not entities:
        raise RegistryError([RowError(name, 0, "", _("no firm rows"))])
    return entities, dups


#: What a list import refreshes on an entity already stored; its position, categories and note stay.
_REFRESHED = ("name_zh", "address", "credit_code", "suggested_categories", "suggested_words")


def import_list(store: Store, path: str | Path, columns: dict[str, str] | None = None, encoding: str | None = None,
                accept_suggested: bool = False) -> ListReport:
    """Add an enterprise list to the store: new firms added, firms already stored under the same id refreshed
    (their position and confirmed categories kept), firms stored under another id with the same credit code
    or name reported as duplicates and left alone."""
    entities, dups = read_list(path, columns, encoding, accept_suggested)
    report = ListReport(Path(path).name, duplicates=dups)
    stored = {e.id: e for e in registry.load_entities(store)}
    by_code = {e.credit_code: e for e in stored.values() if e.credit_code}
    by_name = {e.name_zh: e for e in stored.values()}
    new = []
    with store.transaction() as conn:
        for e in entities:
            old = stored.get(e.id)
            twin = by_code.get(e.credit_code) if e.credit_code else None
            twin = twin or by_name.get(e.name_zh)
            if old is None and twin is not None:
                report.duplicates.append(f"{e.name_zh}: already stored as {twin.id!r} (same "
                                         f"{'credit code' if e.credit_code and twin.credit_code == e.credit_code else 'name'})")
                continue
            if e.suggested_categories or (accept_suggested and e.categories):
                report.suggested += 1
            if old is None:
                new.append(e)
                report.added.append(e.id)
                continue
            changes = {k: getattr(e, k) for k in _REFRESHED}
            if accept_suggested:
                changes["categories"] = tuple(dict.fromkeys(old.categories + e.categories))
            registry.update_entity(conn, old, changes, f"import:{Path(path).name}")
            report.updated.append(e.id)
    if new:
        registry.store_entities(store, new, Path(path).name)
    return report
