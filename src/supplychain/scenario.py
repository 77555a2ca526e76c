"""What-if scenarios: a named list of edits over the registry and the routes, never touching either.

A scenario adds hypothetical entities (labelled 假设 hypothetical wherever they appear, like synthetic data),
removes or moves registry entities, and adds, removes or moves route stops. :func:`apply` builds a
:class:`~supplychain.workspace.Workspace` with the baseline's entities and those edits applied, so every
analysis (suppliers, sourcing, sites, routes and catchments) runs on it unchanged; :func:`workspace_for` caches
it per (data version, scenario revision). Storage and validation are in :mod:`supplychain.scenariostore`.

Edits (canonical form, as stored and exported)::

    {"op": "add", "id": "hyp-1", "name_zh": …, "name_en": …, "kind": "firm", "categories": [...],
     "needs": [...], "robot_types": [...], "lon": …, "lat": …, "precision": "exact", "note": …}
    {"op": "remove", "id": "leaderdrive"}
    {"op": "move", "id": "leaderdrive", "lon": …, "lat": …, "precision": "exact"}
    {"op": "add_stop", "route": "kechuang", "at": 3 | null, "stop": {route.Stop fields}}
    {"op": "remove_stop", "route": "kechuang", "seq": 2}
    {"op": "move_stop", "route": "kechuang", "seq": 2, "lon": …, "lat": …}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from . import registry, route as routes, taxonomy
from .errors import InputError, optional_str, parse_float, parse_int
from .messages import _
from .workspace import Workspace

OPS = ("add", "remove", "move", "add_stop", "remove_stop", "move_stop")
ENTITY_OPS = ("add", "remove", "move")
#: Edits one scenario may hold, scenarios one data dir may hold, and the longest name and note.
MAX_EDITS = 200
MAX_SCENARIOS = 100
MAX_NAME = 64
MAX_NOTE = 1000
#: Precisions a scenario position may have (a clicked point is ``exact``).
POSITION_PRECISIONS = registry.PRECISIONS

HYPOTHETICAL_PREFIX = "hyp-"
HYPOTHETICAL_ZH = "假设"
HYPOTHETICAL_EN = "Hypothetical"
_NAME_RE = re.compile(r"^[A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9_.\-\u4e00-\u9fff]{0,63}$")
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,59}$")


def hypothetical_source(name: str) -> str:
    return f"假设 hypothetical: added in scenario {name!r} (not a real entity)"


def is_hypothetical(e: registry.Entity) -> bool:
    return e.id.startswith(HYPOTHETICAL_PREFIX)


def check_name(name, field_name: str = "name") -> str:
    """A scenario name: 1–64 letters (Latin or Chinese), digits, ``_``, ``-``, ``.``; not starting with a mark."""
    text = optional_str(name, field_name) or ""
    if not _NAME_RE.match(text):
        raise InputError(field_name, _("A scenario name must be 1–64 letters (Latin or Chinese), digits, '_', '-' "
                                       "or '.', starting with a letter or digit; got {name}", name=repr(name)[:80]))
    return text


@dataclass
class Scenario:
    """A stored scenario: its name, note, edits and revision (bumped by every write)."""

    name: str
    note: str = ""
    edits: list[dict] = field(default_factory=list)
    revision: int = 0
    created_at: str = ""
    updated_at: str = ""

    def to_dict(self) -> dict:
        return {"name": self.name, "note": self.note, "revision": self.revision, "created_at": self.created_at,
                "updated_at": self.updated_at, "edits": [dict(e) for e in self.edits], "n_edits": len(self.edits)}


# ----------------------------------------------------------------------------------------------------
# Applying edits (also the validation: an edit is valid when it applies)

@dataclass
class State:
    """The registry and routes as the edits so far leave them."""

    ws: Workspace
    name: str
    entities: dict[str, registry.Entity]
    routes: dict[str, routes.Route] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    stop_edits: list[dict] = field(default_factory=list)
    #: Stored edits: their points were checked against the study area when saved (the check costs a buffer of
    #: the district polygon); ids and stop numbers are checked again, as the registry may have changed since.
    stored: bool = False

    @classmethod
    def of(cls, ws: Workspace, name: str, stored: bool = False) -> "State":
        return cls(ws, name, {e.id: e for e in ws.entities}, stored=stored)

    def route(self, route_id: str, field_name: str) -> routes.Route:
        if route_id not in self.routes:
            try:
                self.routes[route_id] = routes.get_route(self.ws, route_id, field_name)
            except InputError as exc:
                raise InputError(field_name, exc.message, exc.code, exc.status) from None
        return self.routes[route_id]

    def entity(self, entity_id, field_name: str) -> registry.Entity:
        e = self.entities.get(entity_id) if isinstance(entity_id, str) else None
        if e is None:
            raise InputError(field_name, _("Unknown entity id {id} (not in the registry or removed by an earlier "
                                           "edit of this scenario)", id=repr(entity_id)[:80]), "not_found", 404)
        return e


def _text(value, field_name: str, limit: int = 200) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(field_name, _("{field} must be text", field=field_name))
    if len(value) > limit:
        raise InputError(field_name, _("{field} is longer than {n} characters", field=field_name, n=limit))
    return value.strip()


def _names(value, field_name: str, check) -> list[str]:
    if value in (None, ""):
        return []
    items = re.split(r"[;；,，]", value) if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or len(items) > 40:
        raise InputError(field_name, _("{field} must be a list of names", field=field_name))
    out = []
    for x in items:
        if not isinstance(x, str):
            raise InputError(field_name, _("{field} must be a list of names", field=field_name))
        if x.strip():
            try:
                key = check(x)
            except ValueError as exc:
                raise InputError(field_name, str(exc)) from None
            if key not in out:
                out.append(key)
    return out


def _position(state: State, raw: dict, where: str) -> tuple[float, float, str]:
    if state.stored:
        x, y = parse_float(raw.get("lon"), f"{where}lon", -180, 180), parse_float(raw.get("lat"), f"{where}lat", -90, 90)
    else:
        x, y = state.ws.check_point(raw.get("lon"), raw.get("lat"), where)
    precision = raw.get("precision") or "exact"
    if precision not in POSITION_PRECISIONS:
        raise InputError(f"{where}precision", _("precision must be one of: {choices}",
                                                choices=", ".join(POSITION_PRECISIONS)))
    return round(x, 7), round(y, 7), precision


def _fields(raw: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise InputError(f"{where}{unknown[0]}", _("unknown field {name}; this edit takes: {fields}",
                                                   name=repr(unknown[0])[:60], fields=", ".join(sorted(allowed))))


def _next_id(state: State) -> str:
    n = 1
    while f"{HYPOTHETICAL_PREFIX}{n}" in state.entities or f"{HYPOTHETICAL_PREFIX}{n}" in state.removed:
        n += 1
    return f"{HYPOTHETICAL_PREFIX}{n}"


def _add(state: State, raw: dict, where: str) -> dict:
    _fields(raw, {"op", "id", "name_zh", "name_en", "kind", "categories", "needs", "robot_types", "lon", "lat",
                  "precision", "note"}, where)
    name_zh = _text(raw.get("name_zh"), f"{where}name_zh", 100)
    if not name_zh:
        raise InputError(f"{where}name_zh", _("A hypothetical entity needs a name (name_zh)"), "missing")
    ident = _text(raw.get("id"), f"{where}id", 60)
    if ident:
        ident = ident if ident.startswith(HYPOTHETICAL_PREFIX) else HYPOTHETICAL_PREFIX + ident
        if not _ID_RE.match(ident):
            raise InputError(f"{where}id", _("An id must be letters, digits, '_', '-' or '.'"))
        if ident in state.entities:
            raise InputError(f"{where}id", _("Entity id {id} is already taken", id=ident), "conflict", 409)
    else:
        ident = _next_id(state)
    try:
        kind = taxonomy.check_kind(raw.get("kind") or "firm")
    except ValueError as exc:
        raise InputError(f"{where}kind", str(exc)) from None
    cats = _names(raw.get("categories"), f"{where}categories", taxonomy.check_category)
    needs = _names(raw.get("needs"), f"{where}needs", taxonomy.check_category)
    types = _names(raw.get("robot_types"), f"{where}robot_types", taxonomy.check_robot_type)
    if (needs or types) and taxonomy.WHOLE_ROBOT not in cats:
        cats.append(taxonomy.WHOLE_ROBOT)  # a bill of materials makes it a maker
    x, y, precision = _position(state, raw, where)
    edit = {"op": "add", "id": ident, "name_zh": name_zh, "name_en": _text(raw.get("name_en"), f"{where}name_en", 100),
            "kind": kind, "categories": cats, "needs": needs, "robot_types": types, "lon": x, "lat": y,
            "precision": precision, "note": _text(raw.get("note"), f"{where}note", MAX_NOTE)}
    label_zh = name_zh if name_zh.startswith(HYPOTHETICAL_ZH) else f"{HYPOTHETICAL_ZH}·{name_zh}"
    name_en = edit["name_en"] or name_zh
    label_en = name_en if name_en.startswith(HYPOTHETICAL_EN) else f"{HYPOTHETICAL_EN}: {name_en}"
    state.entities[ident] = registry.Entity(
        id=ident, name_zh=label_zh, name_en=label_en, kind=kind, categories=tuple(cats), needs=tuple(needs),
        robot_types=tuple(types), lon=x, lat=y, lon_orig=x, lat_orig=y, precision=precision,
        source=hypothetical_source(state.name),
        note="假设 hypothetical" + (f" — {edit['note']}" if edit["note"] else ""))
    state.added.append(ident)
    return edit


def _remove(state: State, raw: dict, where: str) -> dict:
    _fields(raw, {"op", "id"}, where)
    e = state.entity(raw.get("id"), f"{where}id")
    del state.entities[e.id]
    if e.id in state.added:
        state.added.remove(e.id)
    else:
        state.removed.append(e.id)
    return {"op": "remove", "id": e.id}


def _move(state: State, raw: dict, where: str) -> dict:
    _fields(raw, {"op", "id", "lon", "lat", "precision"}, where)
    e = state.entity(raw.get("id"), f"{where}id")
    x, y, precision = _position(state, raw, where)
    state.entities[e.id] = replace(
        e, lon=x, lat=y, lon_orig=x, lat_orig=y, crs="wgs84", precision=precision, uncertainty_m=None,
        source=e.source if is_hypothetical(e) else f"moved in scenario {state.name!r} (was: {e.source})"[:500])
    if e.id not in state.added and e.id not in state.moved:
        state.moved.append(e.id)
    return {"op": "move", "id": e.id, "lon": x, "lat": y, "precision": precision}


def _seq(r: routes.Route, value, field_name: str, extra: int = 0) -> int:
    n = len(r.stops) + extra
    if n == 0:
        raise InputError(field_name, _("Route {id} has no stops", id=r.id), "out_of_range")
    return parse_int(value, field_name, 1, n)


def _route_id(raw: dict, where: str) -> str:
    return routes.check_route_id(raw.get("route") or routes.DEFAULT_ROUTE, f"{where}route")


def _add_stop(state: State, raw: dict, where: str) -> dict:
    _fields(raw, {"op", "route", "at", "lon", "lat", "entity", "name_zh", "name_en", "precision", "stop"}, where)
    rid = _route_id(raw, where)
    r = state.route(rid, f"{where}route")
    if len(r.stops) >= routes.MAX_STOPS:
        raise InputError(f"{where}route", _("A route holds at most {n} stops", n=routes.MAX_STOPS), "too_many")
    src = raw.get("stop") if isinstance(raw.get("stop"), dict) else raw
    entity = src.get("entity") if "entity" in src else src.get("entity_id")
    if entity not in (None, ""):
        e = state.entity(entity, f"{where}entity")
        stop = routes.Stop(_text(src.get("name_zh"), f"{where}name_zh") or e.name_zh,
                           _text(src.get("name_en"), f"{where}name_en") or e.name_en, e.lon, e.lat,
                           e.precision or "unknown", e.source, e.id)
    else:
        x, y, precision = _position(state, src, where)
        name_zh = _text(src.get("name_zh"), f"{where}name_zh") or f"{HYPOTHETICAL_ZH}站点"
        stop = routes.Stop(name_zh, _text(src.get("name_en"), f"{where}name_en") or "Hypothetical stop", x, y,
                           precision, f"scenario {state.name!r}")
    at = None if raw.get("at") in (None, "") else _seq(r, raw.get("at"), f"{where}at", extra=1)
    stops = list(r.stops)
    stops.insert(len(stops) if at is None else at - 1, stop)
    state.routes[rid] = replace(r, stops=stops)
    edit = {"op": "add_stop", "route": rid, "at": at, "stop": {
        "name_zh": stop.name_zh, "name_en": stop.name_en, "lon": stop.lon, "lat": stop.lat,
        "precision": stop.precision, **({"entity": stop.entity_id} if stop.entity_id else {})}}
    state.stop_edits.append(edit)
    return edit


def _remove_stop(state: State, raw: dict, where: str) -> dict:
    _fields(raw, {"op", "route", "seq"}, where)
    rid = _route_id(raw, where)
    r = state.route(rid, f"{where}route")
    seq = _seq(r, raw.get("seq"), f"{where}seq")
    state.routes[rid] = replace(r, stops=[s for k, s in enumerate(r.stops, 1) if k != seq])
    edit = {"op": "remove_stop", "route": rid, "seq": seq}
    state.stop_edits.append(edit)
    return edit


def _move_stop(state: State, raw: dict, where: str) -> dict:
    _fields(raw, {"op", "route", "seq", "lon", "lat", "precision"}, where)
    rid = _route_id(raw, where)
    r = state.route(rid, f"{where}route")
    seq = _seq(r, raw.get("seq"), f"{where}seq")
    x, y, precision = _position(state, raw, where)
    stops = list(r.stops)
    # A moved stop is a placed point: it no longer follows a registry entity.
    stops[seq - 1] = replace(stops[seq - 1], lon=x, lat=y, precision=precision, entity_id=None,
                             source=f"moved in scenario {state.name!r}")
    state.routes[rid] = replace(r, stops=stops)
    edit = {"op": "move_stop", "route": rid, "seq": seq, "lon": x, "lat": y, "precision": precision}
    state.stop_edits.append(edit)
    return edit


_APPLY = {"add": _add, "remove": _remove, "move": _move, "add_stop": _add_stop, "remove_stop": _remove_stop,
          "move_stop": _move_stop}


def apply_edit(state: State, raw, i: int) -> dict:
    """Apply one edit to ``state``; returns its canonical form. :class:`InputError` names ``edits[i].field``."""
    where = f"edits[{i}]."
    if not isinstance(raw, dict):
        raise InputError(f"edits[{i}]", _("An edit must be an object with an op"))
    op = raw.get("op")
    if not isinstance(op, str) or op not in _APPLY:
        raise InputError(f"{where}op", _("op must be one of: {choices}", choices=", ".join(OPS)))
    return _APPLY[op](state, raw, where)


def check_edits(edits, field_name: str = "edits") -> list:
    if not isinstance(edits, list):
        raise InputError(field_name, _("edits must be a list"))
    if len(edits) > MAX_EDITS:
        raise InputError(field_name, _("A scenario holds at most {n} edits, got {m}", n=MAX_EDITS, m=len(edits)),
                         "too_many")
    return edits


def validate(ws: Workspace, name: str, edits) -> list[dict]:
    """The canonical form of every edit, applied in order on the baseline; the first bad one raises."""
    state = State.of(ws, name)
    return [apply_edit(state, e, i) for i, e in enumerate(check_edits(edits))]


def apply(ws: Workspace, scenario: Scenario) -> Workspace:
    """A workspace with the baseline's entities and routes and the scenario's edits applied.

    Edits that no longer apply (the registry changed under the scenario: an entity it moves was deleted) are
    skipped and listed in ``problems``; the stored scenario is not changed.
    """
    state = State.of(ws, scenario.name, stored=True)
    problems = []
    for i, e in enumerate(scenario.edits):
        try:
            apply_edit(state, e, i)
        except InputError as exc:
            problems.append({"edit": i, "field": exc.field, "message": exc.message})
    info = ScenarioView(scenario, state.added, state.removed, state.moved, problems, state.routes)
    # Ordered by id like registry.load_entities: the same registry with the edits applied, ties broken alike.
    entities = sorted(state.entities.values(), key=lambda e: e.id)
    out = ws.with_entities(entities, scenario=info)
    _ = out.snapping, out.located  # built once here, not raced in request threads
    return out


@dataclass
class ScenarioView:
    """What a scenario workspace carries about its scenario (``Workspace.scenario``)."""

    scenario: Scenario
    added: list[str]
    removed: list[str]
    moved: list[str]
    problems: list[dict]
    routes: dict[str, routes.Route]

    def route(self, r: routes.Route) -> routes.Route:
        """The route as the scenario's stop edits leave it (``route.get_route`` calls this)."""
        return self.routes.get(r.id, r)

    def describe(self) -> dict:
        return {"name": self.scenario.name, "revision": self.scenario.revision, "added": self.added,
                "removed": self.removed, "moved": self.moved, "routes_edited": sorted(self.routes),
                "problems": self.problems, "label": "假设情景 what-if scenario"}
