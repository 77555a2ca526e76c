"""``supplychain route``: show, edit, import/export, compare and design bus routes (default: the 科创专线).

Stops are numbered from 1 in the route's order. Every edit is one transaction and prints the route as
measured after it (path length, length check, catchments), so the effect of an edit is seen at once.
"""

from __future__ import annotations

import json
from pathlib import Path

from .. import route, routedesign
from ..errors import InputError
from ..workspace import Workspace
from ..messages import N_, _
from .common import add_data_dir, add_format, print_json, table

WALK_HELP = N_("walking distances of the catchments in metres (default 500,800)")


def register(sub) -> None:
    p = sub.add_parser("route", help=_("bus routes: the 科创专线 and design variants (show, edit, compare, design)"))
    rsub = p.add_subparsers(dest="route_command", metavar="ACTION", required=True,
                           help=_("one of the actions below"))

    lst = rsub.add_parser("list", help=_("list stored routes"))
    add_format(lst)
    add_data_dir(lst)
    lst.set_defaults(func=cmd_list)

    show = rsub.add_parser("show", help=_("a route measured: path, segment lengths, time, length check, catchments"))
    show.add_argument("route_id", nargs="?", default=route.DEFAULT_ROUTE, help=_("route id (default: kechuang)"))
    _measure_args(show)
    add_format(show, ("table", "json", "geojson"))
    add_data_dir(show)
    show.set_defaults(func=cmd_show)

    create = rsub.add_parser("create", help=_("create a route (a design variant), empty or copied from another"))
    create.add_argument("route_id", help=_("new route id (letters, digits, _ - .)"))
    create.add_argument("--name", required=True, help=_("Chinese name (name_zh)"))
    create.add_argument("--name-en", default="", help=_("English name"))
    create.add_argument("--stated-km", type=float, help=_("stated length in km, for the length check"))
    create.add_argument("--from", dest="copy_from", help=_("copy the stops (and stated length) of this route"))
    create.add_argument("--note", default="", help=_("a note kept with the route"))
    _edit_common(create, cmd_create)

    delete = rsub.add_parser("delete", help=_("delete a route"))
    delete.add_argument("route_id", help=_("route id"))
    add_data_dir(delete)
    delete.set_defaults(func=cmd_delete)

    reset = rsub.add_parser("reset", help=_("restore a shipped route (e.g. kechuang): undo its edits or its deletion"))
    reset.add_argument("route_id", help=_("shipped route id: {ids}", ids=", ".join(route.shipped_route_ids())))
    add_data_dir(reset)
    reset.set_defaults(func=cmd_reset)

    add = rsub.add_parser("add-stop", help=_("add a stop at a point or a registry entity"))
    add.add_argument("route_id", help=_("route id"))
    _location_args(add)
    add.add_argument("--at", help=_("stop number to insert at (default: after the last stop; 'best': where it adds "
                                    "the least length)"))
    _edit_common(add, cmd_add_stop)

    move = rsub.add_parser("move-stop", help=_("move a stop to a new location and/or a new position; rename it"))
    move.add_argument("route_id", help=_("route id"))
    move.add_argument("seq", help=_("stop number (1 = first)"))
    _location_args(move)
    move.add_argument("--to", help=_("new stop number in the order"))
    _edit_common(move, cmd_move_stop)

    remove = rsub.add_parser("remove-stop", help=_("remove a stop"))
    remove.add_argument("route_id", help=_("route id"))
    remove.add_argument("seq", help=_("stop number (1 = first)"))
    _edit_common(remove, cmd_remove_stop)

    reorder = rsub.add_parser("reorder", help=_("put the stops in a new order, e.g. 1,3,2,4"))
    reorder.add_argument("route_id", help=_("route id"))
    reorder.add_argument("order", help=_("every stop number once, comma-separated"))
    _edit_common(reorder, cmd_reorder)

    imp = rsub.add_parser("import", help=_("import a route GeoJSON (the `route export` format)"))
    imp.add_argument("path", help=_("route GeoJSON file"))
    imp.add_argument("--id", dest="new_id", help=_("store it under this id instead of the file's"))
    imp.add_argument("--replace", action="store_true", help=_("replace a stored route with the same id"))
    _edit_common(imp, cmd_import)

    exp = rsub.add_parser("export", help=_("export a route as GeoJSON (its stops; --measured adds path and analysis)"))
    exp.add_argument("route_id", nargs="?", default=route.DEFAULT_ROUTE, help=_("route id (default: kechuang)"))
    exp.add_argument("--output", "-o", help=_("file to write (default: stdout)"))
    exp.add_argument("--measured", action="store_true", help=_("export the measured view (path, catchments)"))
    add_data_dir(exp)
    exp.set_defaults(func=cmd_export)

    cmp_ = rsub.add_parser("compare", help=_("routes side by side: length, time, entities served, categories"))
    cmp_.add_argument("route_ids", nargs="+", metavar="ROUTE_ID", help=_("route ids to compare"))
    _measure_args(cmp_)
    add_format(cmp_)
    add_data_dir(cmp_)
    cmp_.set_defaults(func=cmd_compare)

    des = rsub.add_parser("design", help=_("suggest the stop sequence serving the most weighted entities within a "
                                           "length budget"))
    des.add_argument("--route", dest="base_route", help=_("take the terminals and stated length from this route"))
    des.add_argument("--start", help=_("start stop: entity id or LON,LAT"))
    des.add_argument("--end", help=_("end stop: entity id or LON,LAT"))
    des.add_argument("--candidate", action="append", default=[], help=_("candidate stop: entity id or LON,LAT "
                                                                        "(repeatable)"))
    des.add_argument("--candidates", dest="candidates_file", help=_("GeoJSON of candidate points (name_zh, or "
                                                                    "entity_id, in properties)"))
    des.add_argument("--budget-km", help=_("largest path length (default 8, or the base route's stated length)"))
    des.add_argument("--walk-m", help=_("walking distance a stop serves (default 500)"))
    des.add_argument("--weights", help=_("JSON object or file: weight per kind or entity id"))
    des.add_argument("--count-estimated", action="store_true",
                     help=_("also count entities whose membership is only estimated (imprecise or off-network)"))
    des.add_argument("--method", choices=("auto", "exact", "heuristic"), default="auto",
                     help=_("auto (default): exact when the instance is small, else heuristic"))
    des.add_argument("--save", dest="save_as", help=_("store the suggestion as a route with this id"))
    des.add_argument("--name", help=_("name_zh of the saved route"))
    des.add_argument("--compare", action="append", default=[], help=_("stored route to show beside it (repeatable)"))
    add_format(des)
    add_data_dir(des)
    des.set_defaults(func=cmd_design)


def _measure_args(p) -> None:
    p.add_argument("--walk", help=_(WALK_HELP))
    p.add_argument("--bus-speed", type=float, help=_("bus running speed km/h (default {v})",
                                                     v=format(route.BUS_SPEED_KPH, "g")))
    p.add_argument("--dwell", type=float, help=_("dwell per intermediate stop, s (default {v})",
                                                 v=format(route.DWELL_S, "g")))


def _location_args(p) -> None:
    p.add_argument("--lon", help=_("WGS84 longitude"))
    p.add_argument("--lat", help=_("WGS84 latitude"))
    p.add_argument("--entity", help=_("registry entity id: the stop stands where the registry puts it"))
    p.add_argument("--name", help=_("stop name (Chinese)"))
    p.add_argument("--name-en", help=_("stop name (English)"))
    p.add_argument("--precision", help=_("precision of a given point (default exact)"))
    p.add_argument("--source", help=_("where the point comes from"))


def _edit_common(p, func) -> None:
    _measure_args(p)
    add_format(p, ("table", "json", "geojson"))
    add_data_dir(p)
    p.set_defaults(func=func)


def _ws(args) -> Workspace:
    return Workspace.open(getattr(args, "data_dir", None))


def _has_location(args) -> bool:
    return any(getattr(args, k, None) not in (None, "") for k in ("lon", "lat", "entity"))


def _stop(ws: Workspace, args) -> route.Stop:
    return route.make_stop(ws, lon=args.lon, lat=args.lat, entity=args.entity, name_zh=args.name,
                           name_en=args.name_en, precision=args.precision, source=args.source)


# ----------------------------------------------------------------------------------------------------
# Commands

def cmd_list(args) -> int:
    rows = route.list_routes(_ws(args))
    if args.format == "json":
        print_json(rows)
        return 0
    for r in rows:
        r["stated"] = "" if r["stated_length_m"] is None else f"{r['stated_length_m'] / 1000:g} km"
    print(table(rows, [("id", "id"), ("name_zh", "名称"), ("stops", "stops"), ("located_stops", "located"),
                       ("stated", "stated"), ("stop_list", "stop list")]))
    return 0


def cmd_show(args) -> int:
    return _output(_ws(args), args, args.route_id)


def _output(ws: Workspace, args, route_id: str) -> int:
    fmt = getattr(args, "format", "table")
    if fmt == "geojson":
        print_json(route.route_geojson(ws, route_id, args.walk, True, args.bus_speed, args.dwell))
        return 0
    a = route.analyse(ws, route_id, args.walk, args.bus_speed, args.dwell, with_coordinates=fmt == "json")
    if fmt == "json":
        print_json(a)
    else:
        print_route(a)
    return 0


def cmd_create(args) -> int:
    ws = _ws(args)
    stated = None if args.stated_km is None else args.stated_km * 1000
    r = route.create_route(ws, args.route_id, args.name, args.name_en, stated, note=args.note, copy_from=args.copy_from)
    return _after_edit(ws, args, r.id, f"created route {r.id} with {len(r.stops)} stop(s)")


def cmd_delete(args) -> int:
    ws = _ws(args)
    route.delete_route(ws, args.route_id)
    print(_("deleted route {id}", id=args.route_id))
    return 0


def cmd_reset(args) -> int:
    ws = _ws(args)
    r = route.reset_route(ws.store, args.route_id)
    print(_("restored route {id} as shipped ({n} stop(s))", id=r.id, n=len(r.stops)))
    return 0


def cmd_add_stop(args) -> int:
    ws = _ws(args)
    stop = _stop(ws, args)
    r = route.add_stop(ws, args.route_id, stop, args.at)
    return _after_edit(ws, args, r.id, f"added stop {r.edited_seq} {stop.name_zh}")


def cmd_move_stop(args) -> int:
    ws = _ws(args)
    stop = _stop(ws, args) if _has_location(args) else None
    r = route.move_stop(ws, args.route_id, args.seq, stop, args.to, name_zh=args.name, name_en=args.name_en)
    return _after_edit(ws, args, r.id, f"moved stop {args.seq}" + (f" to position {args.to}" if args.to else ""))


def cmd_remove_stop(args) -> int:
    ws = _ws(args)
    r = route.remove_stop(ws, args.route_id, args.seq)
    return _after_edit(ws, args, r.id, f"removed stop {args.seq}")


def cmd_reorder(args) -> int:
    ws = _ws(args)
    r = route.reorder_stops(ws, args.route_id, args.order)
    return _after_edit(ws, args, r.id, f"reordered: {args.order}")


def cmd_import(args) -> int:
    ws = _ws(args)
    r = route.import_geojson(ws, args.path, args.new_id, args.replace)
    return _after_edit(ws, args, r.id, f"imported route {r.id} ({len(r.stops)} stops) from {args.path}")


def _after_edit(ws: Workspace, args, route_id: str, message: str) -> int:
    if args.format == "table":
        print(message)
        print()
    return _output(ws, args, route_id)


def cmd_export(args) -> int:
    ws = _ws(args)
    data = route.route_geojson(ws, args.route_id) if args.measured else route.export_geojson(ws, args.route_id)
    text = json.dumps(data, ensure_ascii=False, indent=1)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        print(text)
    return 0


def cmd_compare(args) -> int:
    ans = route.compare(_ws(args), args.route_ids, args.walk, args.bus_speed, args.dwell)
    if args.format == "json":
        print_json(ans)
        return 0
    print_comparison(ans)
    return 0


def _json_arg(value, field: str):
    if value in (None, ""):
        return None
    path = Path(value)
    text = path.read_text(encoding="utf-8") if path.is_file() else value
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(field, _("{field} must be a JSON object or a JSON file: {exc}",
                                  field=field, exc=exc)) from None


def _candidates_file(path: str | None) -> list:
    if not path:
        return []
    data = _json_arg(path, "candidates")
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise InputError("candidates", _("the candidates file must be a GeoJSON FeatureCollection of points"))
    out = []
    for i, f in enumerate(data["features"]):
        props = (f or {}).get("properties") or {}
        geom = (f or {}).get("geometry")
        item = {k: props[k] for k in ("name_zh", "name_en") if props.get(k)}
        if props.get("entity_id"):
            item["entity"] = props["entity_id"]
        elif geom and geom.get("type") == "Point":
            item["lon"], item["lat"] = geom["coordinates"][:2]
        else:
            raise InputError(f"candidates.features[{i}]", _("each candidate needs a Point geometry or an entity_id"))
        out.append(item)
    return out


def cmd_design(args) -> int:
    ws = _ws(args)
    ans = routedesign.design(
        ws, start=args.start, end=args.end, candidates=list(args.candidate) + _candidates_file(args.candidates_file),
        budget_km=args.budget_km, walk_m=args.walk_m, weights=_json_arg(args.weights, "weights"),
        count_estimated=args.count_estimated, base_route=args.base_route, method=args.method,
        save_as=args.save_as, name_zh=args.name, compare_with=args.compare)
    if args.format == "json":
        print_json(ans)
        return 0
    print(f"method: {ans['method']} — {ans['method_note']}")
    print(f"budget {ans['budget_m'] / 1000:g} km, walk {ans['walk_m']:g} m, "
          f"{'estimated memberships counted' if ans['count_estimated'] else 'network memberships only'}")
    if not ans["feasible"]:
        print(f"infeasible: {ans['message']}")
    print("sequence: " + " → ".join(s["name_zh"] for s in ans["sequence"]))
    print(f"length {ans['length_m'] / 1000:.2f} km ({'network' if ans['legs_network'] else 'estimated legs included'}),"
          f" objective {ans['objective']:g}, serves {len(ans['served'])}: {', '.join(ans['served']) or '—'}")
    rows = [{**v, "km": f"{v['length_m'] / 1000:.2f}", "min": f"{v['time_s'] / 60:.1f}",
             "n": len(v["served"]), "cats": ";".join(v["categories_covered"])} for v in ans["variants"]]
    print()
    print(table(rows, [("id", "variant"), ("name_zh", "名称"), ("km", "km"), ("min", "min"), ("objective", "objective"),
                       ("n", "served"), ("cats", "categories")]))
    if ans.get("compared"):
        print()
        print_comparison({"walk_m": [ans["walk_m"]], "routes": ans["compared"]})
    if ans.get("saved_as"):
        print(f"\nsaved as route {ans['saved_as']}: `supplychain route show {ans['saved_as']}`")
    return 0


# ----------------------------------------------------------------------------------------------------
# Text output

def _km(m) -> str:
    return "—" if m is None else f"{m / 1000:.2f}"


def print_route(a: dict) -> None:
    r = a["route"]
    print(f"{r['name_zh']} ({r['id']}) {r['name_en']}".rstrip())
    stated = f"stated {_km(r['stated_length_m'])} km" if r["stated_length_m"] else "no stated length"
    if a["length_m"] is None:
        measured = "length not measurable yet"
    else:
        measured = (f"measured {_km(a['length_m'])} km ({a['distance_method']}"
                    + ("" if a["length_complete"] else f"; partial, missing {', '.join(a['missing_segments'])}")
                    + f"), {a['time_s'] / 60:.1f} min at {a['parameters']['bus_speed_kph']:g} km/h "
                    f"+ {a['parameters']['dwell_s']:g} s per intermediate stop")
    print(f"{stated}; {measured}")
    walk = [f"{w:g}" for w in a["parameters"]["walk_m"]]
    rows = []
    for s in a["stops"]:
        row = {"seq": s["seq"], "name": s["name_zh"], "entity": s["entity_id"] or "",
               "where": f"{s['lon']:.5f},{s['lat']:.5f}" if s["located"] else "unlocated",
               "precision": s["precision"], "snap": "" if s.get("snap_m") is None else f"{s['snap_m']:.0f}",
               "method": s.get("distance_method", "")}
        for w in walk:
            row[w] = len(s["catchment"][w]) if "catchment" in s else ""
        rows.append(row)
    print()
    print(table(rows, [("seq", "#"), ("name", "站名 stop"), ("entity", "entity"), ("where", "lon,lat"),
                       ("precision", "precision"), ("snap", "snap m"), ("method", "method")]
                + [(w, f"≤{w} m") for w in walk]))
    if a["segments"]:
        print()
        segs = [{"seg": f"{s['from_seq']}→{s['to_seq']}", "km": _km(s["length_m"]),
                 "min": "" if s["time_s"] is None else f"{s['time_s'] / 60:.1f}",
                 "method": s["distance_method"] or "missing",
                 "note": s.get("reason") or s.get("estimated_because") or "; ".join(s.get("uncertain_ends", []))}
                for s in a["segments"]]
        print(table(segs, [("seg", "segment"), ("km", "km"), ("min", "drive min"), ("method", "method"),
                           ("note", "note")]))
    chk = a["length_check"]
    print(f"\nlength check: {chk['status']}" + (f" (difference {chk['difference_m'] / 1000:+.2f} km)"
                                                  if chk.get("difference_m") is not None else "")
          + f"; {chk['rule']}")
    for w, cov in a["coverage"].items():
        n = cov["served_count"]
        kinds = ", ".join(f"{k} {len(v)}" for k, v in cov["by_kind"].items()) or "none"
        sup = ", ".join(f"{c} {v['total']}" for c, v in cov["suppliers_by_category"].items()) or "none"
        print(f"within {w} m of a stop: {n['total']} entities ({n['network']} network, {n['estimated']} estimated): "
              f"{kinds}; makers {cov['makers']['total']}; suppliers {sup}; {len(cov['not_served'])} located "
              "entities farther away")
    if a["unlocated_entities"]:
        print(f"{len(a['unlocated_entities'])} registry entities have no location and cannot be placed in a catchment")
    print("\n" + _("known:"))
    for line in a["known"]:
        print(f"  - {line}")
    print(_("not known / caveats:"))
    for line in a["unknown"] or [_("(none)")]:
        print(f"  - {line}")


def print_comparison(ans: dict) -> None:
    walk = [f"{w:g}" for w in ans["walk_m"]]
    rows = []
    for r in ans["routes"]:
        row = {**r, "km": _km(r["length_m"]) + ("" if r["length_complete"] or r["length_m"] is None else " (partial)"),
               "min": "—" if r["time_s"] is None else f"{r['time_s'] / 60:.1f}",
               "stops_s": f"{r['located_stops']}/{r['stops']}", "cats": ";".join(r["categories_covered"]) or "—",
               "only": ";".join(r["only_here"]) or "—"}
        for w in walk:
            s = r["served"][w]
            row[w] = f"{s['total']} ({s['estimated']} est.)"
        rows.append(row)
    print(table(rows, [("id", "route"), ("name_zh", "名称"), ("stops_s", "located/stops"), ("km", "km"),
                       ("distance_method", "method"), ("min", "min"), ("length_check", "length check")]
                + [(w, f"served ≤{w} m") for w in walk] + [("makers", "makers"), ("cats", "categories"),
                                                           ("only", "only this route")]))
