"""Bus routes (the 科创专线 and planners' variants): stops, road path, length check, catchments, editing.

A route is an ordered list of stops stored in the registry database (tables ``routes`` and ``route_stops``)
and importable/exportable as GeoJSON. A stop has a name, a point or none, a precision and a source; a stop
that references a registry entity (``entity_id``) stands where the registry puts that entity *now*, so when
the registry learns a location (e.g. of the 具身智能机器人综合创新中心) the route measures it at once.

Measuring (:func:`analyse`, :func:`route_geojson`):

* the path is the shortest road path through the located stops in order (one ``engine`` search per stop,
  drawn with :meth:`Network.path_coords`), between the stops' snapped nodes;
* a segment is ``network`` when both its stops snap within the workspace's limit, else ``estimated``
  (straight line x the workspace's circuity factor, drawn as a straight line and labelled);
  the route's ``distance_method`` is ``network`` only when every measured segment is;
* a segment touching a stop with no location is *missing*: only what the located stops allow is measured;
* running time = drive time of the measured segments at :data:`BUS_SPEED_KPH` plus :data:`DWELL_S` at each
  intermediate stop (not at the two terminals) that a measured segment reaches;
* the length check flags a route whose measured length differs from its stated length by more than
  :data:`LENGTH_TOLERANCE_SHARE` of the stated length **or** :data:`LENGTH_TOLERANCE_M`, whichever is
  smaller (8 km stated: flagged beyond ±1.5 km). A partly measured route is flagged only when its measured
  part alone already exceeds the stated length by more than the tolerance; otherwise the check is
  ``incomplete``.

Every edit (:func:`add_stop`, :func:`move_stop`, :func:`remove_stop`, :func:`reorder_stops`, ...) reads and
rewrites the route inside one transaction.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from . import catchment, engine, measure, studyarea, taxonomy
from .catchment import Place
from .errors import InputError, optional_str, parse_float, parse_int
from .messages import _
from .registry import PRECISION_RADIUS_M, PRECISIONS, Entity
from .store import Store
from .workspace import ESTIMATED, NETWORK, Workspace

#: The shipped routes, one GeoJSON file each, loaded into an empty data dir.
ROUTES_DIR = studyarea.PROJECT_ROOT / "data" / "routes"
#: The route ``route show`` and ``/api/routes/kechuang`` answer by default.
DEFAULT_ROUTE = "kechuang"

#: Scheduled running speed of a city bus between stops (km/h): a planning default for urban custom lines.
BUS_SPEED_KPH = 25.0
#: Dwell time at each intermediate stop (s).
DWELL_S = 30.0
#: The length check: flagged beyond 20 % of the stated length or 1.5 km, whichever is smaller.
LENGTH_TOLERANCE_SHARE = 0.20
LENGTH_TOLERANCE_M = 1500.0

#: How complete a route's stop list is: all stops known, only some known (the rest not public), a design.
STOP_LISTS = ("complete", "partial", "design")
STOP_PRECISIONS = PRECISIONS + ("unknown",)
MAX_STOPS = 60
#: Features a route file may hold (stops, plus the path and catchment areas of an export with analysis).
MAX_FEATURES = 20 * MAX_STOPS

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
UNNAMED_ZH, UNNAMED_EN = "未命名站点", "Unnamed stop"
USER_SOURCE = "placed by the user"


# ----------------------------------------------------------------------------------------------------
# The model

@dataclass
class Stop:
    """One stop. ``lon``/``lat`` are WGS84 or ``None`` when the location is unknown.

    With ``entity_id`` the stop stands where the registry puts that entity (the stored point is a snapshot,
    used only when the entity has left the registry).
    """

    name_zh: str
    name_en: str = ""
    lon: float | None = None
    lat: float | None = None
    precision: str = "unknown"
    source: str = ""
    entity_id: str | None = None
    note: str = ""

    @property
    def located(self) -> bool:
        return self.lon is not None and self.lat is not None


@dataclass
class Route:
    """A route's description and its ordered stops."""

    id: str
    name_zh: str
    name_en: str = ""
    stated_length_m: float | None = None
    source: str = ""
    note: str = ""
    stop_list: str = "design"
    stops: list[Stop] = field(default_factory=list)
    #: The stop number an edit just placed (not stored).
    edited_seq: int | None = field(default=None, compare=False)

    def meta(self) -> dict:
        d = asdict(self)
        d.pop("stops"), d.pop("edited_seq")
        return d


# ----------------------------------------------------------------------------------------------------
# Storage

_EXTRA_COLUMNS = {"routes": {"stop_list": "TEXT NOT NULL DEFAULT 'design'"},
                  "route_stops": {"note": "TEXT NOT NULL DEFAULT ''"}}


def ensure_schema(store: Store) -> None:
    """Add the columns this module needs to an older database (additive; idempotent)."""
    missing = []
    for table, cols in _EXTRA_COLUMNS.items():
        have = {r[1] for r in store.query(f"PRAGMA table_info({table})")}
        missing += [(table, c, decl) for c, decl in cols.items() if c not in have]
    if missing:
        with store.transaction() as conn:
            for table, col, decl in missing:
                have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
                if col not in have:
                    conn.execute(f"ALTER TABLE {table} ADD COLUMN {col} {decl}")


def _read(conn: sqlite3.Connection | Store, route_id: str) -> Route | None:
    q = conn.query if isinstance(conn, Store) else (lambda s, p=(): conn.execute(s, p).fetchall())
    rows = q("SELECT * FROM routes WHERE id = ?", (route_id,))
    if not rows:
        return None
    r = rows[0]
    stops = [Stop(s["name_zh"], s["name_en"], s["lon"], s["lat"], s["precision"] or "unknown", s["source"],
                  s["entity_id"], s["note"])
             for s in q("SELECT * FROM route_stops WHERE route_id = ? ORDER BY seq", (route_id,))]
    return Route(r["id"], r["name_zh"], r["name_en"], r["stated_length_m"], r["source"], r["note"],
                 r["stop_list"], stops)


def _write(conn: sqlite3.Connection, route: Route) -> None:
    """Replace the route and all its stops (inside the caller's transaction)."""
    conn.execute("INSERT OR REPLACE INTO routes (id, name_zh, name_en, stated_length_m, source, note, stop_list) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?)", (route.id, route.name_zh, route.name_en, route.stated_length_m,
                                                   route.source, route.note, route.stop_list))
    conn.execute("DELETE FROM route_stops WHERE route_id = ?", (route.id,))
    conn.executemany(
        "INSERT INTO route_stops (route_id, seq, name_zh, name_en, entity_id, lon, lat, precision, source, note) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(route.id, i, s.name_zh, s.name_en, s.entity_id, s.lon, s.lat, s.precision, s.source, s.note)
         for i, s in enumerate(route.stops, start=1)])


def ensure_seeded(store: Store) -> None:
    """Load the shipped routes once per data dir (also into data dirs made before routes shipped)."""
    ensure_schema(store)
    if store.get_meta("routes_seeded") is None:
        seed_routes(store)


def seed_routes(store: Store) -> list[str]:
    """Load every shipped route (``data/routes/*.geojson``) not already in the store; returns their ids.

    Called by :func:`supplychain.workspace.seed_store` when it seeds an empty data dir. A data dir seeds its
    routes once: a shipped route the user deleted does not come back.
    """
    ensure_schema(store)
    from . import registry

    by_id = {e.id: e for e in registry.load_entities(store)}
    have = {r[0] for r in store.query("SELECT id FROM routes")}
    routes = [parse_geojson(json.loads(p.read_text(encoding="utf-8")), by_id, source=p.name, strict_entities=False)
              for p in sorted(ROUTES_DIR.glob("*.geojson"))]
    with store.transaction() as conn:
        for r in routes:
            if r.id not in have:
                _write(conn, r)
        store.set_meta(conn, "routes_seeded", ",".join(r.id for r in routes) or "-")
    return [r.id for r in routes if r.id not in have]


def shipped_route_ids() -> list[str]:
    return sorted(p.stem for p in ROUTES_DIR.glob("*.geojson"))


def reset_route(store: Store, route_id: str) -> Route:
    """Put a shipped route (``data/routes/<id>.geojson``) back as shipped, replacing any edits or a deletion."""
    ensure_schema(store)
    from . import registry

    rid = check_route_id(route_id)
    path = ROUTES_DIR / f"{rid}.geojson"
    if not path.is_file():
        raise InputError("route_id", _("{rid} is not a shipped route; shipped: {items}",
                                       rid=repr(rid), items=', '.join(shipped_route_ids())),
                         "not_found", 404)
    by_id = {e.id: e for e in registry.load_entities(store)}
    r = parse_geojson(json.loads(path.read_text(encoding="utf-8")), by_id, source=path.name, strict_entities=False)
    with store.transaction() as conn:
        _write(conn, r)
    return r


def list_routes(ws: Workspace) -> list[dict]:
    """Every stored route: id, names, stated length, number of stops and of located stops."""
    ensure_seeded(ws.store)
    out = []
    for r in ws.store.query("SELECT id FROM routes ORDER BY id"):
        route = _resolve_entities(ws, _read(ws.store, r[0]))
        out.append({**route.meta(), "stops": len(route.stops), "located_stops": sum(s.located for s in route.stops)})
    return out


def get_route(ws: Workspace, route_id: str | None = None, field_name: str = "route_id") -> Route:
    """The stored route (default :data:`DEFAULT_ROUTE`), stops resolved against the registry."""
    ensure_seeded(ws.store)
    rid = optional_str(route_id, field_name) or DEFAULT_ROUTE
    route = _read(ws.store, rid)
    if route is None:
        known = ", ".join(r[0] for r in ws.store.query("SELECT id FROM routes ORDER BY id")) or "none"
        raise InputError(field_name, _("unknown route {rid}; stored routes: {known}",
                                       rid=repr(rid), known=known), "not_found", 404)
    return _resolve_entities(ws, route)


def _resolve_entities(ws: Workspace, route: Route) -> Route:
    """Stops that reference a registry entity take its current location, precision and source."""
    stops = []
    for s in route.stops:
        e = ws.by_id.get(s.entity_id) if s.entity_id else None
        if e is not None:
            s = replace(s, lon=e.lon, lat=e.lat, precision=e.precision or "unknown", source=e.source)
        stops.append(s)
    return replace(route, stops=stops)


# ----------------------------------------------------------------------------------------------------
# Building stops from user input

def check_route_id(route_id, field_name: str = "route_id") -> str:
    rid = (route_id or "").strip() if isinstance(route_id, str) else ""
    if not _ID_RE.match(rid):
        raise InputError(field_name, _("route id {route_id} must be 1–64 letters, digits, '_', '-', '.'",
                                       route_id=repr(route_id)))
    return rid


def _text(value, field_name: str, limit: int = 200) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(field_name, _("{field_name} must be text", field_name=field_name))
    if len(value) > limit:
        raise InputError(field_name, _("{field_name} is longer than {limit} characters",
                                       field_name=field_name, limit=limit))
    return value.strip()


def make_stop(ws: Workspace, *, lon=None, lat=None, entity: str | None = None, name_zh=None, name_en=None,
              precision=None, source=None, note=None, prefix: str = "") -> Stop:
    """A stop from user input: a WGS84 point, or a registry entity (located or not), or just a name.

    A point placed by a user is ``exact`` (the stop is where it is put) unless a precision is given.
    """
    name_zh = _text(name_zh, f"{prefix}name_zh")
    name_en = _text(name_en, f"{prefix}name_en")
    note = _text(note, f"{prefix}note", 1000)
    source = _text(source, f"{prefix}source", 500)
    if precision not in (None, "") and precision not in STOP_PRECISIONS:
        raise InputError(f"{prefix}precision", _("precision {precision} must be one of: {items}",
                                                 precision=repr(precision), items=', '.join(STOP_PRECISIONS)))
    has_point = lon not in (None, "") or lat not in (None, "")
    if entity not in (None, ""):
        if has_point:
            raise InputError(f"{prefix}entity", _("give either an entity or lon/lat, not both"))
        e = ws.entity(str(entity), field=f"{prefix}entity")
        return Stop(name_zh or e.name_zh, name_en or e.name_en, e.lon, e.lat, e.precision or "unknown",
                    e.source, e.id, note)
    if has_point:
        x, y = ws.check_point(lon, lat, prefix)
        return Stop(name_zh or UNNAMED_ZH, name_en or ("" if name_zh else UNNAMED_EN), round(x, 7), round(y, 7),
                    precision or "exact", source or USER_SOURCE, None, note)
    if not name_zh:
        raise InputError(f"{prefix}lon", _("a stop needs a point (lon, lat), a registry entity, or at least a name"),
                         "missing")
    return Stop(name_zh, name_en, None, None, "unknown", source, None, note)


# ----------------------------------------------------------------------------------------------------
# GeoJSON import and export (the route's definition; the measured view is route_geojson)

def parse_geojson(data, entities: dict[str, Entity], check_point=None, source: str = "",
                  route_id: str | None = None, strict_entities: bool = True) -> Route:
    """A :class:`Route` from a route GeoJSON FeatureCollection (the :func:`export_geojson` format).

    The top-level ``route`` member holds ``id``, ``name_zh`` and optionally ``name_en``, ``stated_length_m``,
    ``source``, ``note``, ``stop_list``; each Point (or null-geometry) feature is a stop, in ``seq`` order
    (file order where ``seq`` is absent); other features (a drawn path) are ignored. With
    ``strict_entities=False`` (seeding) a stop may reference an entity missing from the registry; the
    analysis then says so.
    """
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InputError("type", _("a route file must be a GeoJSON FeatureCollection"))
    meta = data.get("route") or {}
    if not isinstance(meta, dict):
        raise InputError("route", _("'route' must be an object with id and name_zh"))
    rid = check_route_id(route_id or meta.get("id"), "route.id")
    name_zh = _text(meta.get("name_zh"), "route.name_zh")
    if not name_zh:
        raise InputError("route.name_zh", _("the route needs a Chinese name (route.name_zh)"), "missing")
    stated = meta.get("stated_length_m")
    stated = None if stated in (None, "") else parse_float(stated, "route.stated_length_m", 1, 500_000)
    stop_list = meta.get("stop_list") or "design"
    if stop_list not in STOP_LISTS:
        raise InputError("route.stop_list", _("stop_list must be one of: {items}", items=', '.join(STOP_LISTS)))
    feats = data.get("features")
    if not isinstance(feats, list):
        raise InputError("features", _("'features' must be a list"))
    if len(feats) > MAX_FEATURES:  # before any is read: an export with analysis has far fewer
        raise InputError("features", _("at most {MAX_FEATURES} features in a route file, got {n}",
                                       MAX_FEATURES=MAX_FEATURES, n=len(feats)), "too_many")
    keyed = []
    for i, f in enumerate(feats):
        where = f"features[{i}]"
        if not isinstance(f, dict):
            raise InputError(where, _("a feature must be an object"))
        geom = f.get("geometry")
        props = f.get("properties")
        props = {} if props is None else props
        if geom is not None and not isinstance(geom, dict):
            raise InputError(f"{where}.geometry", _("a feature's geometry must be a GeoJSON object or null"))
        if not isinstance(props, dict):
            raise InputError(f"{where}.properties", _("a feature's properties must be an object or null"))
        if geom is not None and geom.get("type") != "Point":
            continue  # a drawn path or catchment area from an export with analysis
        if props.get("role") not in (None, "stop"):
            continue
        stop = _stop_from_feature(f, props, geom, entities, check_point, where, strict_entities)
        seq = props.get("seq")
        seq = i + 1 if seq in (None, "") else parse_float(seq, f"{where}.properties.seq", 1, 10_000)
        keyed.append((seq, i, stop))
    if len(keyed) > MAX_STOPS:
        raise InputError("features", _("at most {MAX_STOPS} stops per route, got {n}",
                                       MAX_STOPS=MAX_STOPS, n=len(keyed)))
    keyed.sort(key=lambda t: (t[0], t[1]))
    return Route(rid, name_zh, _text(meta.get("name_en"), "route.name_en"), stated,
                 _text(meta.get("source"), "route.source", 1000) or source, _text(meta.get("note"), "route.note", 2000),
                 stop_list, [s for _, _, s in keyed])


def _stop_from_feature(f, props, geom, entities, check_point, where, strict_entities=True) -> Stop:
    name_zh = _text(props.get("name_zh"), f"{where}.properties.name_zh")
    eid = optional_str(props.get("entity_id"), f"{where}.properties.entity_id")
    if eid is not None and eid not in entities and (strict_entities or not name_zh):
        raise InputError(f"{where}.properties.entity_id", _("unknown entity id {eid}", eid=repr(eid)), "not_found")
    if not name_zh:
        if eid is None:
            raise InputError(f"{where}.properties.name_zh", _("every stop needs name_zh"), "missing")
        name_zh = entities[eid].name_zh
    precision = props.get("precision") or ("exact" if geom else "unknown")
    if precision not in STOP_PRECISIONS:
        raise InputError(f"{where}.properties.precision", _("precision {precision} must be one of: {items}",
                                                            precision=repr(precision), items=', '.join(STOP_PRECISIONS)))
    lon = lat = None
    if geom is not None:
        c = geom.get("coordinates")
        if not isinstance(c, list) or len(c) < 2:
            raise InputError(f"{where}.geometry", _("a Point needs [lon, lat] coordinates"))
        if check_point is not None:
            lon, lat = check_point(c[0], c[1], f"{where}.")
        else:
            from . import coords

            lon = parse_float(c[0], f"{where}.lon", -180, 180)
            lat = parse_float(c[1], f"{where}.lat", -90, 90)
            if not coords.in_china(lon, lat):
                raise InputError(f"{where}.lon", _("point lon={lon}, lat={lat} is outside China",
                                                   lon=format(lon, 'g'), lat=format(lat, 'g')), "out_of_area")
        if precision == "unknown":
            raise InputError(f"{where}.properties.precision", _("a located stop needs a precision ({items})",
                                                                items=', '.join(PRECISIONS)))
    return Stop(name_zh, _text(props.get("name_en"), f"{where}.properties.name_en"), lon, lat, precision,
                _text(props.get("source"), f"{where}.properties.source", 1000), eid,
                _text(props.get("note"), f"{where}.properties.note", 1000))


def export_geojson(ws: Workspace, route_id: str | None = None) -> dict:
    """A route's definition as a GeoJSON FeatureCollection (stops only, in order; importable as is)."""
    route = get_route(ws, route_id)
    feats = []
    for i, s in enumerate(route.stops, start=1):
        props = {"role": "stop", "seq": i, "name_zh": s.name_zh, "name_en": s.name_en, "precision": s.precision,
                 "source": s.source, "entity_id": s.entity_id, "note": s.note}
        geom = {"type": "Point", "coordinates": [s.lon, s.lat]} if s.located else None
        feats.append({"type": "Feature", "geometry": geom, "properties": props})
    return {"type": "FeatureCollection", "route": route.meta(), "features": feats}


def import_geojson(ws: Workspace, data_or_path, route_id: str | None = None, replace_existing: bool = False) -> Route:
    """Store a route from a GeoJSON file or dict (one transaction); ``route_id`` renames it on the way in."""
    ensure_seeded(ws.store)
    source = ""
    if isinstance(data_or_path, (str, Path)):
        path = Path(data_or_path)
        if not path.is_file():
            raise InputError("path", _("no such file: {path}", path=path), "not_found", 404)
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError("path", _("{name} is not UTF-8 GeoJSON: {exc}", name=path.name, exc=exc)) from None
        source = path.name
    else:
        data = data_or_path
    route = parse_geojson(data, ws.by_id, ws.check_point, source, route_id)
    with ws.store.transaction() as conn:
        if _read(conn, route.id) is not None and not replace_existing:
            raise InputError("route.id", _("route {id} already exists; choose another id or replace it",
                                           id=repr(route.id)),
                             "exists", 409)
        _write(conn, route)
    return get_route(ws, route.id)


# ----------------------------------------------------------------------------------------------------
# Editing: each function is one transaction and returns the edited route

def _edit(ws: Workspace, route_id: str, change) -> Route:
    ensure_seeded(ws.store)
    rid = (route_id or DEFAULT_ROUTE).strip()
    with ws.store.transaction() as conn:
        route = _read(conn, rid)
        if route is None:
            raise InputError("route_id", _("unknown route {rid}", rid=repr(rid)), "not_found", 404)
        edited = change(route)
        if len(route.stops) > MAX_STOPS:
            raise InputError("stops", _("at most {MAX_STOPS} stops per route", MAX_STOPS=MAX_STOPS))
        _write(conn, route)
    return replace(get_route(ws, rid), edited_seq=edited)


def _index(route: Route, seq, field_name: str = "seq", extra: int = 0) -> int:
    """0-based index of 1-based stop number ``seq`` (``extra=1`` also allows one past the end)."""
    n = len(route.stops) + extra
    try:
        k = int(seq)
        if str(seq).strip() != str(k):
            raise ValueError
    except (TypeError, ValueError):
        raise InputError(field_name, _("{field_name} must be a whole stop number, got {seq}",
                                       field_name=field_name, seq=repr(seq))) from None
    if not 1 <= k <= n:
        raise InputError(field_name, _("route {route} has {n} stop(s): {field} must be between 1 and {n}, got {k}",
                                       route=repr(route.id), n=n, field=field_name, k=k)
                         if n else _("route {route} has no stops", route=repr(route.id)), "out_of_range")
    return k - 1


def create_route(ws: Workspace, route_id: str, name_zh: str, name_en: str = "", stated_length_m=None,
                 source: str = "", note: str = "", copy_from: str | None = None,
                 stop_list: str | None = None, stops: list[Stop] | None = None) -> Route:
    """A new route, empty, with ``stops``, or with the stops of ``copy_from`` (how a planner starts a variant)."""
    ensure_seeded(ws.store)
    rid = check_route_id(route_id)
    name_zh = _text(name_zh, "name_zh")
    if not name_zh:
        raise InputError("name_zh", _("a route needs a Chinese name (name_zh)"), "missing")
    stated = None if stated_length_m in (None, "") else parse_float(stated_length_m, "stated_length_m", 1, 500_000)
    stops = list(stops or [])
    if len(stops) > MAX_STOPS:
        raise InputError("stops", _("at most {MAX_STOPS} stops per route", MAX_STOPS=MAX_STOPS))
    copy_from = optional_str(copy_from, "copy_from")
    if copy_from is not None:
        base = get_route(ws, copy_from, "copy_from")
        stops = list(base.stops)
        stated = base.stated_length_m if stated is None else stated
    stop_list = stop_list or "design"
    if stop_list not in STOP_LISTS:
        raise InputError("stop_list", _("stop_list must be one of: {items}", items=', '.join(STOP_LISTS)))
    route = Route(rid, name_zh, _text(name_en, "name_en"), stated, _text(source, "source", 1000),
                  _text(note, "note", 2000) or (f"Variant of {copy_from}." if copy_from else ""), stop_list, stops)
    with ws.store.transaction() as conn:
        if _read(conn, rid) is not None:
            raise InputError("route_id", _("route {rid} already exists", rid=repr(rid)), "exists", 409)
        _write(conn, route)
    return get_route(ws, rid)


def update_route(ws: Workspace, route_id: str, **fields) -> Route:
    """Change a route's names, stated length, source, note or stop_list."""
    allowed = {"name_zh", "name_en", "stated_length_m", "source", "note", "stop_list"}
    unknown = set(fields) - allowed
    if unknown:
        raise InputError(sorted(unknown)[0], _("cannot change {value}; allowed: {items}",
                                               value=repr(sorted(unknown)[0]), items=', '.join(sorted(allowed))))

    def change(r: Route) -> None:
        for k, v in fields.items():
            if k == "stated_length_m":
                r.stated_length_m = None if v in (None, "") else parse_float(v, k, 1, 500_000)
            elif k == "stop_list":
                if v not in STOP_LISTS:
                    raise InputError(k, _("stop_list must be one of: {items}", items=', '.join(STOP_LISTS)))
                r.stop_list = v
            else:
                text = _text(v, k, 2000)
                if k == "name_zh" and not text:
                    raise InputError(k, _("a route needs a Chinese name (name_zh)"), "missing")
                setattr(r, k, text)

    return _edit(ws, route_id, change)


def delete_route(ws: Workspace, route_id: str) -> None:
    rid = get_route(ws, route_id).id  # the id as checked (stripped), so the delete hits what was found
    with ws.store.transaction() as conn:
        conn.execute("DELETE FROM route_stops WHERE route_id = ?", (rid,))
        conn.execute("DELETE FROM routes WHERE id = ?", (rid,))


def add_stop(ws: Workspace, route_id: str, stop: Stop, at=None) -> Route:
    """Insert ``stop`` as stop number ``at`` (1-based; default: at the end; ``'best'``: where it adds the least
    length between the first and the last stop, measured like the route)."""
    def change(r: Route) -> int:
        if at in (None, ""):
            i = len(r.stops)
        elif at == "best":
            i = _best_position(ws, r, stop)
        else:
            i = _index(r, at, "at", extra=1)
        r.stops.insert(i, stop)
        return i + 1

    return _edit(ws, route_id, change)


def move_stop(ws: Workspace, route_id: str, seq, stop: Stop | None = None, to=None, name_zh=None,
              name_en=None, note=None) -> Route:
    """Move stop ``seq``: to a new location (``stop`` from :func:`make_stop`, keeping its names unless the new
    stop names itself), and/or to position ``to`` in the order; optionally rename it."""
    if stop is None and to in (None, "") and name_zh is None and name_en is None and note is None:
        raise InputError("lon", _("give a new location (lon/lat or entity), a new position (to) or a new name"), "missing")

    def change(r: Route) -> int:
        i = _index(r, seq)
        s = r.stops[i]
        if stop is not None:
            # The stop keeps its name (a moved stop is the same stop) unless it had none yet.
            keep = s.name_zh != UNNAMED_ZH
            s = replace(stop, name_zh=s.name_zh if keep else stop.name_zh,
                        name_en=s.name_en if keep else stop.name_en, note=s.note or stop.note)
        if name_zh is not None:
            text = _text(name_zh, "name_zh")
            if not text:
                raise InputError("name_zh", _("a stop name cannot be empty"), "missing")
            s = replace(s, name_zh=text)
        if name_en is not None:
            s = replace(s, name_en=_text(name_en, "name_en"))
        if note is not None:
            s = replace(s, note=_text(note, "note", 1000))
        r.stops[i] = s
        if to not in (None, ""):
            j = _index(r, to, "to")
            r.stops.insert(j, r.stops.pop(i))
            return j + 1
        return i + 1

    return _edit(ws, route_id, change)


def remove_stop(ws: Workspace, route_id: str, seq) -> Route:
    def change(r: Route) -> None:
        r.stops.pop(_index(r, seq))

    return _edit(ws, route_id, change)


def reorder_stops(ws: Workspace, route_id: str, order) -> Route:
    """Put the stops in a new order: ``order`` lists every current stop number once (e.g. ``[1, 3, 2, 4]``)."""
    def change(r: Route) -> None:
        if not isinstance(order, (str, list, tuple)) or len(order) > 10 * MAX_STOPS:
            raise InputError("order", _("order must list the stop numbers, e.g. [1, 3, 2], got {name}",
                                        name=type(order).__name__))
        nums = [parse_int(x, "order") for x in (order.split(",") if isinstance(order, str) else order)]
        if sorted(nums) != list(range(1, len(r.stops) + 1)):
            raise InputError("order", _("order must list each of the {n} stop numbers exactly once, got {nums}",
                                        n=len(r.stops), nums=nums), "out_of_range")
        r.stops[:] = [r.stops[k - 1] for k in nums]

    return _edit(ws, route_id, change)


def _best_position(ws: Workspace, route: Route, stop: Stop) -> int:
    """Index where inserting ``stop`` adds the least measured length (between the first and the last stop)."""
    route = _resolve_entities(ws, route)
    if not stop.located or len(route.stops) < 2:
        return len(route.stops)
    located = [i for i, s in enumerate(route.stops) if s.located]
    if len(located) < 2:
        return len(route.stops) - 1 if route.stops else 0
    places = [stop_place(ws, route.stops[i]) for i in located] + [stop_place(ws, stop)]
    D, _methods = leg_matrix(ws, places)
    new = len(places) - 1
    best, best_cost = len(route.stops) - 1, np.inf
    for a in range(len(located) - 1):
        cost = D[a, new] + D[new, a + 1] - D[a, a + 1]
        if cost < best_cost:
            best, best_cost = located[a] + 1, cost
    return best


# ----------------------------------------------------------------------------------------------------
# Measuring

def stop_place(ws: Workspace, stop: Stop) -> Place:
    """A located stop snapped to the network, with its uncertainty region's inputs (the registry entity's, while
    the entity is in the registry; else the stop's own precision)."""
    node, snap, on = ws.snap_point(stop.lon, stop.lat)
    ent = ws.by_id.get(stop.entity_id) if stop.entity_id else None
    if ent is not None and ent.located and (ent.lon, ent.lat) == (stop.lon, stop.lat):
        return Place(stop.lon, stop.lat, node, snap, on, ent.id, ent.precision, ent.district, ent.uncertainty_m)
    return Place(stop.lon, stop.lat, node, snap, on, stop.entity_id if ent is not None else None,
                 stop.precision or "exact")


def leg_matrix(ws: Workspace, places: list[Place], limit_m: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
    """Bus metres (best estimate) between every ordered pair of places and whether each is ``network``.

    From the distance layer: network legs are shortest road paths between the snapped nodes, bounded by
    ``limit_m`` (a pair of on-network places farther apart by road is ``inf``); the others are estimated.
    Pairs on one reference point (no best estimate) count by their straight-line centre distance, 0.
    """
    k = len(places)
    if not k:
        return np.zeros((0, 0)), np.zeros((0, 0), dtype=bool)
    pos = measure.of_places(places)
    pairs = measure.matrix(ws, pos, pos, limit_m=limit_m)
    unreached = pos.on[pairs.ia] & pos.on[pairs.ib] & ~np.isfinite(pairs.hi)
    D = np.where(unreached, np.inf, np.where(np.isnan(pairs.best), pairs.straight, pairs.best)).reshape(k, k)
    on = pairs.network.reshape(k, k)
    np.fill_diagonal(D, 0.0)
    return D, on


@dataclass
class _Resolved:
    seq: int
    stop: Stop
    place: Place | None
    entity_status: str | None  # 'registry', 'missing' (referenced entity left the registry) or None


def _resolve(ws: Workspace, route: Route) -> list[_Resolved]:
    out = []
    for i, s in enumerate(route.stops, start=1):
        status = None if s.entity_id is None else ("registry" if s.entity_id in ws.by_id else "missing")
        out.append(_Resolved(i, s, stop_place(ws, s) if s.located else None, status))
    return out


def _stop_json(r: _Resolved) -> dict:
    s, p = r.stop, r.place
    d = {"seq": r.seq, "name_zh": s.name_zh, "name_en": s.name_en, "located": s.located,
         "lon": s.lon, "lat": s.lat, "precision": s.precision, "uncertainty_m": PRECISION_RADIUS_M.get(s.precision),
         "source": s.source, "entity_id": s.entity_id, "note": s.note}
    if r.entity_status == "missing":
        d["entity_missing"] = True
    if p is not None:
        point = p.point_dict()
        d.update(snap_m=point["snap_m"], on_network=p.on_network, distance_method=p.method,
                 region=measure.of_places([p]).regions[0].describe())
    return d


def _segments(ws: Workspace, res: list[_Resolved], speed_kph: float) -> list[dict]:
    """One entry per consecutive stop pair: measured (network or estimated, with drawn coordinates) or missing."""
    out = []
    for a, b in zip(res[:-1], res[1:]):
        seg = {"from_seq": a.seq, "to_seq": b.seq, "from": a.stop.name_zh, "to": b.stop.name_zh}
        if a.place is None or b.place is None:
            gone = [r for r in (a, b) if r.place is None]
            seg.update(status="missing", length_m=None, time_s=None, distance_method=None,
                       reason=_("no known location for stop {stops}",
                                stops=" & ".join(f"{r.seq} {r.stop.name_zh}" for r in gone)))
            out.append(seg)
            continue
        pa, pb = a.place, b.place
        m = _measure_leg(ws, pa, pb)
        method = NETWORK if m.network[0] else ESTIMATED
        coords, reason = [[pa.lon, pa.lat], [pb.lon, pb.lat]], ""
        if method == NETWORK and m.predecessors is not None and np.isfinite(m.best[0]):
            path = engine.path_from_tree(m.predecessors, pa.node, pb.node)
            coords = ws.network.path_coords(path)
            seg["nodes"] = len(path)
        elif pa.on_network and pb.on_network:
            reason = _("no road path between the snapped nodes")
        else:
            off = [str(r.seq) for r in (a, b) if not r.place.on_network]
            reason = (_("no road network loaded") if ws.network is None
                      else _("stop {stops} off the network (beyond {m} m)", stops=" & ".join(off),
                             m=format(ws.snap_limit_m, "g")))
        best = float(m.best[0]) if np.isfinite(m.best[0]) else float(m.straight[0])
        length = best
        seg.update(status="measured", length_m=round(length, 1), time_s=round(length / (speed_kph / 3.6), 1),
                   length_m_range=measure.range_list(m.lo[0], m.hi[0]),
                   straight_m=round(float(m.straight[0]), 1), distance_method=method, coordinates=coords)
        seg["road_m"], seg["road_m_range"] = measure.rounded(m.best[0]), seg["length_m_range"]
        if method == ESTIMATED:
            seg.update(estimated_because=reason, circuity_factor=ws.estimator.factor)
        imprecise = [f"stop {r.seq} ({r.stop.precision})" for r in (a, b) if r.stop.precision not in ("exact", "street")]
        if imprecise:
            seg["uncertain_ends"] = imprecise
        out.append(seg)
    return out


def _measure_leg(ws: Workspace, pa: Place, pb: Place) -> "measure.FromOrigin":
    """One leg through the distance layer, with the search tree for drawing it: first bounded (a bus leg is
    rarely more than a few times its straight line), then unbounded if the target lies beyond the bound."""
    a, b = measure.of_places([pa]), measure.of_places([pb])
    straight = float(measure.straight_bounds(a, [0], b, [0])[0][0])
    m = measure.from_origin(ws, a, b, 4.0 * straight + 5000.0, with_time=False)
    if pa.on_network and pb.on_network and not m.network[0]:
        m = measure.from_origin(ws, a, b, np.inf, with_time=False)
    return m


def length_check(stated_m: float | None, measured_m: float | None, complete: bool,
                 measured_range: tuple[float, float] | None = None) -> dict:
    """Compare a measured length with the stated one (rule in the module docstring).

    With ``measured_range`` (bounds from imprecise stops), a complete route is ``ok`` only when the whole range
    lies inside the tolerance band, ``flagged`` only when it lies wholly outside, else ``undetermined``.
    """
    rule = _("flagged when the measured length differs from the stated length by more than {share} of it or {km} km, "
             "whichever is smaller", share=f"{LENGTH_TOLERANCE_SHARE:.0%}", km=f"{LENGTH_TOLERANCE_M / 1000:g}")
    out = {"stated_m": stated_m, "measured_m": None if measured_m is None else round(measured_m, 1), "rule": rule}
    if measured_range is not None:
        out["measured_m_range"] = [measure.rounded(measured_range[0]), measure.rounded(measured_range[1])]
    if stated_m is None:
        return {**out, "status": "no_stated_length", "flagged": False}
    tol = min(LENGTH_TOLERANCE_SHARE * stated_m, LENGTH_TOLERANCE_M)
    out["tolerance_m"] = round(tol, 1)
    if measured_m is None:
        return {**out, "status": "unmeasurable", "flagged": False, "difference_m": None}
    diff = measured_m - stated_m
    out.update(difference_m=round(diff, 1), difference_share=round(diff / stated_m, 4))
    lo, hi = measured_range if measured_range is not None else (measured_m, measured_m)
    if complete and (lo < stated_m - tol <= hi or lo <= stated_m + tol < hi):
        return {**out, "status": "undetermined", "flagged": False,
                "message": "the stops' positions are too imprecise to tell whether the length matches: "
                           + measure.SETTLE_HINT}
    if complete:
        return {**out, "status": "flagged" if abs(diff) > tol else "ok", "flagged": bool(abs(diff) > tol)}
    if lo - stated_m > tol:
        return {**out, "status": "flagged", "flagged": True,
                "message": "the measured part alone is already longer than the stated length allows"}
    return {**out, "status": "incomplete", "flagged": False,
            "message": "only part of the route is measured: its length is a lower bound"}


def _coverage(table: catchment.WalkTable, walk: tuple[float, ...], seqs: list[int]) -> dict:
    """Per walking distance: entities served (by kind), makers and suppliers by category, and those left out.

    ``table`` has one place per located stop, whose stop numbers are ``seqs``. An entity served by several
    stops is listed once, with its nearest stop; it is a ``network`` member when any stop serves it on the
    network.
    """
    out = {}
    ents = table.entities
    for w in walk:
        code = table.verdict(w)
        within = code == 1
        served_any = within.any(axis=0)
        maybe_any = (code == 0).any(axis=0) & ~served_any
        served, maybe, left = [], [], []
        for j, e in enumerate(ents):
            if served_any[j] or maybe_any[j]:
                rows = np.flatnonzero(within[:, j] if served_any[j] else code[:, j] == 0)
                key = np.where(np.isnan(table.walk[rows, j]), table.lo[rows, j], table.walk[rows, j])
                best = int(rows[np.argmin(key)])
                net = bool((table.network[rows, j]).any())
                item = catchment.member(table, best, j, w)
                item.update(distance_method=NETWORK if net else ESTIMATED, nearest_stop=seqs[best])
                (served if served_any[j] else maybe).append(item)
            else:
                left.append({"id": e.id, "name_zh": e.name_zh, "kind": e.kind, "precision": e.precision,
                             **({"uncertain_because": table.reason[j]} if table.reason[j] else {})})
        by_kind = {k: [s["id"] for s in served if s["kind"] == k] for k in taxonomy.KINDS}
        makers = [s for s in served if taxonomy.WHOLE_ROBOT in s["categories"]]
        suppliers = {c: {"total": sum(c in s["categories"] for s in served),
                         "estimated": sum(c in s["categories"] and s["distance_method"] == ESTIMATED for s in served)}
                     for c in taxonomy.COMPONENT_CATEGORIES}
        out[f"{w:g}"] = {
            "walk_m": w, "served": served,
            "served_count": {"total": len(served), "network": sum(s["distance_method"] == NETWORK for s in served),
                             "estimated": sum(s["distance_method"] == ESTIMATED for s in served)},
            "by_kind": {k: v for k, v in by_kind.items() if v},
            "talent_apartments": by_kind["talent_apartment"], "institutes": by_kind["institute"],
            "firms": by_kind["firm"],
            "makers": {"total": len(makers), "estimated": sum(m["distance_method"] == ESTIMATED for m in makers),
                       "ids": [m["id"] for m in makers]},
            "suppliers_by_category": {c: v for c, v in suppliers.items() if v["total"]},
            "categories_covered": sorted({c for s in served for c in s["categories"]}),
            "undetermined": maybe,
            "undetermined_count": len(maybe),
            "not_served": left,
        }
    return out


def analyse(ws: Workspace, route: Route | str | None = None, walk_m=None, bus_speed_kph=None, dwell_s=None,
            with_coordinates: bool = True) -> dict:
    """Measure a route: stops, segments, length, running time, length check, catchments and coverage.

    Parameters
    ----------
    ws
        The workspace.
    route
        A :class:`Route` or a stored route id (default :data:`DEFAULT_ROUTE`).
    walk_m
        Walking distances of the catchments in metres (default 500 and 800).
    bus_speed_kph, dwell_s
        Running speed and dwell per intermediate stop (defaults :data:`BUS_SPEED_KPH`, :data:`DWELL_S`).
    with_coordinates
        Keep each segment's drawn coordinates (dropped for compact text output).
    """
    if not isinstance(route, Route):
        route = get_route(ws, route)
    walk = catchment.parse_walk(walk_m)
    speed = parse_float(BUS_SPEED_KPH if bus_speed_kph in (None, "") else bus_speed_kph, "bus_speed_kph", 5, 80)
    dwell = parse_float(DWELL_S if dwell_s in (None, "") else dwell_s, "dwell_s", 0, 600)
    res = _resolve(ws, route)
    segs = _segments(ws, res, speed)
    measured = [s for s in segs if s["status"] == "measured"]
    missing = [s for s in segs if s["status"] == "missing"]
    complete = len(route.stops) >= 2 and not missing
    length = sum(s["length_m"] for s in measured) if measured else None
    length_range = None if not measured else tuple(
        sum(np.inf if s["length_m_range"][k] is None else s["length_m_range"][k] for s in measured) for k in (0, 1))
    methods = {s["distance_method"] for s in measured}
    method = None if not measured else (NETWORK if methods == {NETWORK} else ESTIMATED)
    reached = {s["from_seq"] for s in measured} | {s["to_seq"] for s in measured}
    interior = [q for q in reached if 1 < q < len(route.stops)]
    time_s = None if not measured else sum(s["time_s"] for s in measured) + dwell * len(interior)

    stops = [_stop_json(r) for r in res]
    located = [r for r in res if r.place is not None]
    table = catchment.walk_table(ws, [r.place for r in located], max(walk))
    for k, r in enumerate(located):
        d = stops[r.seq - 1]
        order = np.argsort(np.where(np.isnan(table.walk[k]), table.lo[k], table.walk[k]), kind="stable")
        d["catchment"] = {f"{w:g}": [catchment.member(table, k, j, w) for j in order
                                     if table.verdict(w)[k, j] >= 0] for w in walk}
    coverage = _coverage(table, walk, [r.seq for r in located])
    if not with_coordinates:
        for s in segs:
            s.pop("coordinates", None)

    answer = {
        "route": route.meta(),
        "stops": stops,
        "segments": segs,
        "length_m": None if length is None else round(length, 1),
        "length_complete": complete,
        "distance_method": method,
        "segments_by_method": {NETWORK: sum(s["distance_method"] == NETWORK for s in measured),
                               ESTIMATED: sum(s["distance_method"] == ESTIMATED for s in measured),
                               "missing": len(missing)},
        "missing_segments": [f"{s['from_seq']}→{s['to_seq']}" for s in missing],
        "time_s": None if time_s is None else round(time_s, 1),
        "length_m_range": None if length_range is None else [measure.rounded(v) for v in length_range],
        "length_check": length_check(route.stated_length_m, length, complete, length_range),
        "coverage": coverage,
        "unlocated_entities": [{"id": e.id, "name_zh": e.name_zh, "kind": e.kind}
                               for e in ws.entities if not e.located],
        "parameters": {"bus_speed_kph": speed, "dwell_s": dwell, "dwell_rule": "at each intermediate stop reached "
                       "by a measured segment, not at the terminals", "walk_m": list(walk),
                       "snap_limit_m": ws.snap_limit_m,
                       "walk_rule": "road path from the stop's snapped node (where the bus stops) + the entity's snap "
                                    "leg; served = within (upper bound <= walk), undetermined listed apart"},
        "estimator": ws.estimator.describe(),
        "network": ws.network.summary() if ws.network else None,
    }
    answer.update(_statements(route, res, answer))
    return answer


def _km(m: float) -> str:
    return f"{m / 1000:.2f} km"


def _statements(route: Route, res: list[_Resolved], a: dict) -> dict:
    """Plain sentences on what is and is not known about the route (Chinese first, from the message catalog)."""
    known, unknown = [], []
    n = len(route.stops)
    if route.stated_length_m:
        source = route.source or _("none recorded")
        known.append(_("Stated length: {km} — source: {source}.", km=_km(route.stated_length_m),
                       source=source.rstrip(". ")))
    known.append(_("{n} stop(s) recorded: {stops}.", n=n, stops=", ".join(f"{r.seq} {r.stop.name_zh}" for r in res))
                 if n else _("No stops recorded yet."))
    if route.stop_list == "partial":
        unknown.append(_("Only the stops recorded here are known; the rest of the stop list is not public and "
                         "none is invented.") + (f" {route.note}" if route.note else ""))
    elif route.stop_list == "design":
        known.append(_("This is a design variant, not an operated line."))
    for r in res:
        s = r.stop
        if r.entity_status == "missing":
            unknown.append(_("Stop {seq} {name} refers to registry entity {entity}, which is no longer in the "
                             "registry: its last known point is used.", seq=r.seq, name=s.name_zh,
                             entity=repr(s.entity_id)))
        if not s.located:
            unknown.append(_("Stop {seq} {name} has no known location, so it is not drawn or measured.",
                             seq=r.seq, name=s.name_zh))
        elif s.precision not in ("exact", "street"):
            region = measure.of_places([r.place]).regions[0].describe()
            where = (f" ({region['district_zh']} {region['district_en']})" if region["kind"] == "polygon"
                     else f" (±{region['extent_m'] / 1000:g} km)" if region["extent_m"] else "")
            unknown.append(_("Stop {seq} {name} is located only at {precision} precision{where}; distances from it "
                             "are indicative.", seq=r.seq, name=s.name_zh, precision=s.precision, where=where)
                           + (" " + _("Source: {source}.", source=s.source.rstrip(". ")) if s.source else ""))
        elif r.place is not None and not r.place.on_network:
            unknown.append(_("Stop {seq} {name} is off the loaded road network: its segments are estimated.",
                             seq=r.seq, name=s.name_zh))
    if a["length_m"] is None:
        unknown.append(_("The route's length cannot be measured yet: it needs at least two located stops.") if n < 2
                       else _("The route's length cannot be measured yet: segment(s) {segments} lack a located stop.",
                              segments=", ".join(a["missing_segments"])))
    elif not a["length_complete"]:
        known.append(_("Measured part: {km} ({method}); missing segment(s): {segments}.", km=_km(a["length_m"]),
                       method=a["distance_method"], segments=", ".join(a["missing_segments"])))
    else:
        known.append(_("Measured length: {km} ({method}), running time {min} min.", km=_km(a["length_m"]),
                       method=a["distance_method"], min=f"{a['time_s'] / 60:.1f}"))
    walk = f"{a['parameters']['walk_m'][-1]:g}"
    wide = a["coverage"][walk]
    widest = wide["served_count"]
    if wide["undetermined_count"]:
        unknown.append(_("{n} entities may or may not lie within {walk} m of a stop: their positions (or the stops') "
                         "are too imprecise to tell, so they are not counted as served.",
                         n=wide["undetermined_count"], walk=walk) + " " + measure.SETTLE_HINT)
    if widest["estimated"]:
        unknown.append(_("{n} of the {total} entities within {walk} m of a stop are estimated members (placed only at "
                         "town/district precision, or off the road network): their walk is not measured.",
                         n=widest["estimated"], total=widest["total"], walk=walk))
    chk = a["length_check"]
    if chk["flagged"]:
        unknown.append(_("Length check flagged: measured {measured} vs stated {stated} (difference {diff} km; {rule}).",
                         measured=_km(chk["measured_m"]), stated=_km(chk["stated_m"]),
                         diff=f"{chk['difference_m'] / 1000:+.2f}", rule=chk["rule"]))
    elif chk["status"] == "ok":
        known.append(_("Length check passed: measured within {km} of the stated length.", km=_km(chk["tolerance_m"])))
    return {"known": known, "unknown": unknown}


# ----------------------------------------------------------------------------------------------------
# Views

def route_geojson(ws: Workspace, route_id: str | None = None, walk_m=None, with_areas: bool = True,
                  bus_speed_kph=None, dwell_s=None) -> dict:
    """The measured route as GeoJSON, for the API (``/api/routes/<id>``), the route page and the main map.

    A FeatureCollection whose features are the stops (``role: stop``, in order; ``geometry: null`` when not
    located), each segment (``role: segment``, LineString, with ``length_m`` and ``distance_method``), the whole
    path (``role: path``, MultiLineString of the measured segments) and, with ``with_areas``, each located
    stop's walking catchment areas (``role: catchment``: road-following service areas on the network, else
    circles labelled ``estimated``). The analysis of :func:`analyse` (length, time, length check, coverage,
    known/unknown statements) sits beside ``features`` as top-level members.
    """
    a = analyse(ws, route_id, walk_m, bus_speed_kph, dwell_s)
    feats = []
    for s in a["stops"]:
        geom = {"type": "Point", "coordinates": [s["lon"], s["lat"]]} if s["located"] else None
        feats.append({"type": "Feature", "geometry": geom, "properties": {"role": "stop", **s}})
    lines = []
    for seg in a["segments"]:
        coords = seg.pop("coordinates", None)
        if coords is None:
            continue
        lines.append(coords)
        feats.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
                      "properties": {"role": "segment", **{k: v for k, v in seg.items() if k != "status"}}})
    if lines:
        feats.append({"type": "Feature", "geometry": {"type": "MultiLineString", "coordinates": lines},
                      "properties": {"role": "path", "route_id": a["route"]["id"], "length_m": a["length_m"],
                                     "distance_method": a["distance_method"], "complete": a["length_complete"]}})
    if with_areas:
        feats.extend(_catchment_areas(ws, a))
    return {"type": "FeatureCollection", "features": feats, **a,
            "attribution": "© OpenStreetMap contributors (ODbL 1.0)" if ws.network else ""}


def _catchment_areas(ws: Workspace, a: dict) -> list[dict]:
    """Walking service areas around each located stop (largest first, so smaller ones draw on top)."""
    from . import isochrone

    feats = []
    km = [w / 1000 for w in a["parameters"]["walk_m"]]
    for s in a["stops"]:
        if not s["located"]:
            continue
        iso = isochrone.isochrones(ws, lon=s["lon"], lat=s["lat"], breaks=km)
        for f in iso["features"]:
            p = f["properties"]
            label = ("walk along the roads" if p["distance_method"] == NETWORK
                     else f"straight-line circle: {p['break'] * 1000:g} m ÷ circuity {ws.estimator.factor}")
            f["properties"] = {"role": "catchment", "seq": s["seq"], "walk_m": round(p["break"] * 1000),
                               "distance_method": p["distance_method"], "area_km2": p["area_km2"], "label": label}
            feats.append(f)
    return feats


def compare(ws: Workspace, route_ids, walk_m=None, bus_speed_kph=None, dwell_s=None) -> dict:
    """Routes side by side: length, time, length check, entities served and categories covered.

    ``served`` counts use the largest walking distance; ``only_here`` lists entities served by that route
    and by none of the others compared.
    """
    if not isinstance(route_ids, (str, list, tuple)):
        raise InputError("ids", _("name the routes to compare as a list of ids, got {name}",
                                  name=type(route_ids).__name__))
    ids = [i for i in (optional_str(x, "ids") for x in (route_ids.split(",") if isinstance(route_ids, str)
                                                       else route_ids[:13])) if i]
    if not ids:
        raise InputError("ids", _("name at least one route to compare"), "missing")
    if len(ids) > 12:
        raise InputError("ids", _("compare at most 12 routes at once, got {n}", n=len(ids)))
    analyses = [analyse(ws, i, walk_m, bus_speed_kph, dwell_s, with_coordinates=False) for i in ids]
    walk = analyses[0]["parameters"]["walk_m"]
    key = f"{walk[-1]:g}"
    served = [{s["id"] for s in a["coverage"][key]["served"]} for a in analyses]
    rows = []
    for k, a in enumerate(analyses):
        cov = a["coverage"]
        others = set().union(*(served[m] for m in range(len(analyses)) if m != k)) if len(analyses) > 1 else set()
        rows.append({
            "id": a["route"]["id"], "name_zh": a["route"]["name_zh"], "name_en": a["route"]["name_en"],
            "stops": len(a["stops"]), "located_stops": sum(s["located"] for s in a["stops"]),
            "length_m": a["length_m"], "length_complete": a["length_complete"],
            "distance_method": a["distance_method"], "time_s": a["time_s"],
            "missing_segments": a["missing_segments"], "length_check": a["length_check"]["status"],
            "stated_length_m": a["route"]["stated_length_m"],
            "served": {f"{w:g}": cov[f"{w:g}"]["served_count"] for w in walk},
            "talent_apartments": cov[key]["talent_apartments"], "institutes": cov[key]["institutes"],
            "firms": cov[key]["firms"], "makers": cov[key]["makers"]["total"],
            "categories_covered": cov[key]["categories_covered"],
            "only_here": sorted(served[k] - others),
        })
    return {"walk_m": walk, "routes": rows}
