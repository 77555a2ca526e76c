"""Saving, listing, exporting and importing what-if scenarios (tables ``scenarios`` and ``scenario_edits``).

Every write validates the whole edit list against the current registry and routes first
(:func:`supplychain.scenario.validate`), then replaces the scenario in one transaction and bumps its revision
(and so the store's data version). Scenario workspaces are cached per (data version, revision) by
:func:`workspace_for`.
"""

from __future__ import annotations

import json

from . import scenario as sc
from .errors import InputError, optional_str
from .messages import _
from .workspace import Workspace

EXPORT_FORMAT = "supplychain-scenario"
EXPORT_VERSION = 1


def _note(value) -> str:
    text = optional_str(value, "note") or ""
    if len(text) > sc.MAX_NOTE:
        raise InputError("note", _("{field} is longer than {n} characters", field="note", n=sc.MAX_NOTE))
    return text


def _not_found(name: str) -> InputError:
    return InputError("name", _("No scenario named {name}", name=repr(name)[:80]), "not_found", 404)


def find(ws: Workspace, name: str) -> sc.Scenario | None:
    rows = ws.store.query("SELECT * FROM scenarios WHERE name = ?", (name,))
    if not rows:
        return None
    r = rows[0]
    edits = [json.loads(e[0]) for e in ws.store.query(
        "SELECT edit FROM scenario_edits WHERE scenario = ? ORDER BY seq", (name,))]
    return sc.Scenario(r["name"], r["note"], edits, r["revision"], r["created_at"], r["updated_at"])


def get(ws: Workspace, name) -> sc.Scenario:
    """The stored scenario; :class:`InputError` 404 when there is none of that name."""
    name = sc.check_name(name)
    found = find(ws, name)
    if found is None:
        raise _not_found(name)
    return found


def list_all(ws: Workspace) -> list[dict]:
    """Every scenario: name, note, revision, times and the number of edits of each op."""
    rows = ws.store.query("SELECT s.name, s.note, s.revision, s.created_at, s.updated_at, e.op, count(e.op) AS n "
                          "FROM scenarios s LEFT JOIN scenario_edits e ON e.scenario = s.name "
                          "GROUP BY s.name, e.op ORDER BY s.name")
    out: dict[str, dict] = {}
    for r in rows:
        d = out.setdefault(r["name"], {"name": r["name"], "note": r["note"], "revision": r["revision"],
                                       "created_at": r["created_at"], "updated_at": r["updated_at"],
                                       "n_edits": 0, "ops": {}})
        if r["op"]:
            d["ops"][r["op"]] = r["n"]
            d["n_edits"] += r["n"]
    return list(out.values())


def save(ws: Workspace, name, edits, note=None, create: bool | None = None) -> sc.Scenario:
    """Store ``edits`` (validated, canonical) as scenario ``name``, replacing its edits.

    ``create=True`` refuses an existing name (409), ``False`` a missing one (404), ``None`` either way.
    A ``note`` of ``None`` keeps the stored note.
    """
    name = sc.check_name(name)
    old = find(ws, name)
    if create is True and old is not None:
        raise InputError("name", _("A scenario named {name} already exists", name=name), "conflict", 409)
    if create is False and old is None:
        raise _not_found(name)
    if old is None and len(list_all(ws)) >= sc.MAX_SCENARIOS:
        raise InputError("name", _("A data dir holds at most {n} scenarios", n=sc.MAX_SCENARIOS), "too_many")
    canonical = sc.validate(ws, name, edits)
    text = _note(note) if note is not None else (old.note if old else "")
    with ws.store.transaction() as conn:
        if old is None:
            conn.execute("INSERT INTO scenarios (name, note) VALUES (?, ?)", (name, text))
        else:
            conn.execute("UPDATE scenarios SET note = ?, revision = revision + 1, "
                         "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE name = ?", (text, name))
        conn.execute("DELETE FROM scenario_edits WHERE scenario = ?", (name,))
        conn.executemany("INSERT INTO scenario_edits (scenario, seq, op, edit) VALUES (?, ?, ?, ?)",
                         [(name, i, e["op"], json.dumps(e, ensure_ascii=False)) for i, e in enumerate(canonical)])
    return get(ws, name)


def add_edits(ws: Workspace, name, edits) -> sc.Scenario:
    """Append edits to a stored scenario (all validated after the existing ones, or none stored)."""
    old = get(ws, name)
    new = sc.check_edits(edits)
    return save(ws, old.name, old.edits + new, create=False)


def remove_edit(ws: Workspace, name, index) -> sc.Scenario:
    """Drop edit number ``index`` (0-based); the later edits must still apply."""
    from .errors import parse_int

    old = get(ws, name)
    i = parse_int(index, "index", 0, max(len(old.edits) - 1, 0))
    if not old.edits:
        raise InputError("index", _("The scenario has no edits"), "out_of_range")
    return save(ws, old.name, old.edits[:i] + old.edits[i + 1:], create=False)


def delete(ws: Workspace, name) -> None:
    s = get(ws, name)
    with ws.store.transaction() as conn:
        conn.execute("DELETE FROM scenario_edits WHERE scenario = ?", (s.name,))
        conn.execute("DELETE FROM scenarios WHERE name = ?", (s.name,))


def export(ws: Workspace, name) -> dict:
    """A scenario as a JSON document that :func:`import_` reads back."""
    s = get(ws, name)
    return {"format": EXPORT_FORMAT, "version": EXPORT_VERSION, "name": s.name, "note": s.note,
            "label": "假设情景 what-if scenario: hypothetical edits, not registry data", "edits": s.edits}


def import_(ws: Workspace, data, name=None, replace: bool = False) -> sc.Scenario:
    """Store an exported scenario (under ``name`` when given); an existing name needs ``replace``."""
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise InputError("format", _("Not a scenario file: expected format {fmt}", fmt=EXPORT_FORMAT))
    if data.get("version") != EXPORT_VERSION:
        raise InputError("version", _("Unsupported scenario file version {v}", v=repr(data.get("version"))[:20]))
    unknown = sorted(set(data) - {"format", "version", "name", "note", "label", "edits"})
    if unknown:
        raise InputError(unknown[0], _("unknown field {name}; a scenario file has: {fields}",
                                       name=repr(unknown[0])[:60], fields="format, version, name, note, label, edits"))
    return save(ws, name or data.get("name"), data.get("edits"), data.get("note") or "",
                create=None if replace else True)


def workspace_for(ws: Workspace, name) -> Workspace:
    """The scenario's workspace over ``ws`` (the baseline), cached per (data version, scenario revision): the
    baseline workspace is rebuilt when the data version changes, and its memo is keyed by the revision."""
    if ws.scenario is not None:
        raise InputError("scenario", _("A scenario cannot be applied on top of another scenario"))
    name = sc.check_name(name, "scenario")
    rows = ws.store.query("SELECT revision FROM scenarios WHERE name = ?", (name,))
    if not rows:
        raise InputError("scenario", _("No scenario named {name}", name=repr(name)[:80]), "not_found", 404)
    rev = rows[0][0]

    def build() -> Workspace:
        s = find(ws, name)
        if s is None:
            raise InputError("scenario", _("No scenario named {name}", name=repr(name)[:80]), "not_found", 404)
        return sc.apply(ws, s)

    return ws.memo(("scenario", name, rev, ws.store.version()), build)
