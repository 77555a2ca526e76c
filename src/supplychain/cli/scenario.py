"""``supplychain scenario``: what-if scenarios (create, edit, show, compare, export/import); the registry and
routes are never changed. Analyses run on one with ``--scenario NAME`` (query suppliers, sourcing, sites, route
show)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .. import display, scenariocompare, scenariostore, tabular, taxonomy
from ..errors import InputError
from ..messages import _
from ..workspace import Workspace
from .common import add_data_dir, add_format, print_json, table


def register(sub) -> None:
    p = sub.add_parser("scenario", help="假设情景 what-if scenarios: add, remove or move entities and route stops, "
                                        "and compare with the baseline (the registry is never changed)")
    s = p.add_subparsers(dest="scenario_command", metavar="SUBCOMMAND", required=True)

    def cmd(name, func, help_text, name_arg=True):
        c = s.add_parser(name, help=help_text)
        if name_arg:
            c.add_argument("name", help="scenario name 情景名称")
        add_data_dir(c)
        c.set_defaults(func=func)
        return c

    c = cmd("create", cmd_create, "create an empty scenario")
    c.add_argument("--note", help="what the scenario is about")
    add_format(cmd("list", cmd_list, "list the stored scenarios", name_arg=False))
    add_format(cmd("show", cmd_show, "a scenario's edits"))
    c = cmd("add", cmd_add, "add a hypothetical entity (labelled 假设)")
    c.add_argument("--entity-name", required=True, dest="entity_name", help="its name (Chinese)")
    c.add_argument("--name-en", help="its name (English)")
    c.add_argument("--id", help="its id (prefixed hyp-; default hyp-N)")
    c.add_argument("--kind", default="firm", help="entity kind (default firm)")
    c.add_argument("--categories", default="", help="';'-separated categories, e.g. reducer;motor")
    c.add_argument("--needs", default="", help="a maker's bill of materials, ';'-separated")
    c.add_argument("--robot-types", default="", help="a maker's robot types, ';'-separated")
    _point(c, required=True)
    c.add_argument("--note", help="a note")
    c = cmd("remove", cmd_remove, "remove a registry entity in the scenario")
    c.add_argument("entity", help="entity id")
    c = cmd("move", cmd_move, "move an entity in the scenario")
    c.add_argument("entity", help="entity id")
    _point(c, required=True)
    c = cmd("add-stop", cmd_add_stop, "add a stop to a route in the scenario")
    c.add_argument("--route", default="kechuang", help="route id (default kechuang)")
    c.add_argument("--entity", help="a registry (or hypothetical) entity as the stop")
    c.add_argument("--stop-name", help="the stop's name")
    c.add_argument("--at", help="stop number to insert as (default: at the end)")
    _point(c, required=False)
    c = cmd("remove-stop", cmd_remove_stop, "remove a route stop in the scenario")
    c.add_argument("--route", default="kechuang", help="route id (default kechuang)")
    c.add_argument("--seq", required=True, help="stop number")
    c = cmd("move-stop", cmd_move_stop, "move a route stop in the scenario")
    c.add_argument("--route", default="kechuang", help="route id (default kechuang)")
    c.add_argument("--seq", required=True, help="stop number")
    _point(c, required=True)
    c = cmd("undo", cmd_undo, "drop one edit (its number in `scenario show`)")
    c.add_argument("index", help="edit number (1-based, as `show` lists them)")
    cmd("delete", cmd_delete, "delete a scenario")
    c = cmd("export", cmd_export, "write a scenario as JSON")
    c.add_argument("-o", "--output", help="file to write (default: stdout)")
    c = cmd("import", cmd_import, "read a scenario JSON file (from export)", name_arg=False)
    c.add_argument("file", help="scenario JSON file")
    c.add_argument("--name", help="store it under this name (default: the file's)")
    c.add_argument("--replace", action="store_true", help="replace a scenario of the same name")
    c = cmd("compare", cmd_compare, "the scenario against the baseline: rates, categories, catchments")
    c.add_argument("--radius-km", default=10, help="sourcing radius by road in km (default 10)")
    c.add_argument("--route", help="route whose catchments to compare (default kechuang)")
    c.add_argument("--walk-m", help="walking distances of the catchments, e.g. 500,800")
    add_format(c, choices=("table", "json", "csv"))


def _point(c, required: bool) -> None:
    c.add_argument("--lon", required=required, help="WGS84 longitude")
    c.add_argument("--lat", required=required, help="WGS84 latitude")
    c.add_argument("--precision", default="exact", help="exact (default), street, town or district")


def _ws(args) -> Workspace:
    return Workspace.open(getattr(args, "data_dir", None))


def _saved(s) -> int:
    print(_("Scenario {name} saved: {n} edit(s), revision {rev}", name=s.name, n=len(s.edits), rev=s.revision))
    return 0


def _append(args, edit: dict) -> int:
    return _saved(scenariostore.add_edits(_ws(args), args.name, [edit]))


def cmd_create(args) -> int:
    return _saved(scenariostore.save(_ws(args), args.name, [], args.note or "", create=True))


def cmd_list(args) -> int:
    rows = scenariostore.list_all(_ws(args))
    if args.format == "json":
        print_json({"scenarios": rows})
        return 0
    for r in rows:
        r["ops_text"] = ", ".join(f"{k} {v}" for k, v in sorted(r["ops"].items()))
    print(table(rows, [("name", "情景 scenario"), ("n_edits", "修改 edits"), ("ops_text", "ops"),
                       ("updated_at", "updated"), ("note", "note")]))
    return 0


def _edit_text(e: dict) -> str:
    at = f"({e.get('lon')}, {e.get('lat')}, {e.get('precision')})"
    if e["op"] == "add":
        return f"假设 add {e['id']} {e['name_zh']} [{';'.join(e['categories'])}] {at}"
    if e["op"] in ("remove", "move"):
        return f"{e['op']} {e['id']}" + (f" → {at}" if e["op"] == "move" else "")
    if e["op"] == "add_stop":
        st = e["stop"]
        return f"add_stop {e['route']} at {e['at'] or 'end'}: {st['name_zh']} ({st['lon']}, {st['lat']})"
    return f"{e['op']} {e['route']} #{e['seq']}" + (f" → {at}" if e["op"] == "move_stop" else "")


def cmd_show(args) -> int:
    ws = _ws(args)
    s = scenariostore.get(ws, args.name)
    view = scenariostore.workspace_for(ws, s.name).scenario
    if args.format == "json":
        print_json({**s.to_dict(), "applied": view.describe()})
        return 0
    print(f"假设情景 scenario {s.name} (revision {s.revision}, updated {s.updated_at}) {s.note}".rstrip())
    for i, e in enumerate(s.edits, 1):
        print(f"{i:>3}. {_edit_text(e)}")
    for p in view.problems:
        print(_("Edit {n} no longer applies: {reason}", n=p["edit"] + 1, reason=p["message"]))
    return 0


def cmd_add(args) -> int:
    return _append(args, {"op": "add", "id": args.id, "name_zh": args.entity_name, "name_en": args.name_en,
                          "kind": args.kind, "categories": args.categories, "needs": args.needs,
                          "robot_types": args.robot_types, "lon": args.lon, "lat": args.lat,
                          "precision": args.precision, "note": args.note})


def cmd_remove(args) -> int:
    return _append(args, {"op": "remove", "id": args.entity})


def cmd_move(args) -> int:
    return _append(args, {"op": "move", "id": args.entity, "lon": args.lon, "lat": args.lat,
                          "precision": args.precision})


def cmd_add_stop(args) -> int:
    edit = {"op": "add_stop", "route": args.route, "at": args.at, "name_zh": args.stop_name}
    if args.entity:
        edit["entity"] = args.entity
    else:
        edit.update(lon=args.lon, lat=args.lat, precision=args.precision)
    return _append(args, edit)


def cmd_remove_stop(args) -> int:
    return _append(args, {"op": "remove_stop", "route": args.route, "seq": args.seq})


def cmd_move_stop(args) -> int:
    return _append(args, {"op": "move_stop", "route": args.route, "seq": args.seq, "lon": args.lon,
                          "lat": args.lat, "precision": args.precision})


def cmd_undo(args) -> int:
    try:
        index = int(args.index) - 1
    except ValueError:
        raise InputError("index", _("index must be a whole number")) from None
    return _saved(scenariostore.remove_edit(_ws(args), args.name, index))


def cmd_delete(args) -> int:
    ws = _ws(args)
    name = scenariostore.get(ws, args.name).name
    scenariostore.delete(ws, name)
    print(_("Scenario {name} deleted", name=name))
    return 0


def cmd_export(args) -> int:
    text = json.dumps(scenariostore.export(_ws(args), args.name), ensure_ascii=False, indent=1) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_import(args) -> int:
    try:
        data = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError("file", _("Not a JSON file: {reason}", reason=str(exc))) from None
    return _saved(scenariostore.import_(_ws(args), data, name=args.name, replace=args.replace))


CSV_COLUMNS = ["maker_id", "name_zh", "status", "hypothetical", "rate_certain_before", "rate_possible_before",
               "rate_certain_after", "rate_possible_after", "newly_covered", "lost", "newly_missing",
               "no_longer_missing", "changed"]


def _cats(cs) -> str:
    return "、".join(taxonomy.CATEGORIES[c].zh.split("（")[0] for c in cs)


def cmd_compare(args) -> int:
    base = _ws(args)
    ans = scenariocompare.compare(base, scenariostore.workspace_for(base, args.name), radius_km=args.radius_km,
                                  route_id=args.route, walk_m=args.walk_m)
    if args.format == "json":
        print_json(ans)
        return 0
    if args.format == "csv":
        rows = []
        for m in ans["makers"]:
            b, a = m["before"] or {}, m["after"] or {}
            rows.append([m["id"], m["name_zh"], m["status"], int(m["hypothetical"]), b.get("rate_certain"),
                         b.get("rate_possible"), a.get("rate_certain"), a.get("rate_possible"),
                         ";".join(m["newly_covered"]), ";".join(m["lost"]), ";".join(m["newly_missing"]),
                         ";".join(m["no_longer_missing"]), int(m["changed"])])
        tabular.write_csv(sys.stdout, CSV_COLUMNS, rows)
        return 0
    _print_compare(ans)
    return 0


def _rate(side) -> str:
    return "–" if side is None else display.rate(side["rate_certain"], side["rate_possible"])


def _print_compare(ans: dict) -> None:
    sc = ans["scenario"]
    print(f"假设情景 scenario {sc['name']} vs 现状 baseline, {ans['radius_km']:g} km by road "
          f"(* = changed 有变化)")
    rows = [{"mark": "*" if m["changed"] else "", "id": m["id"],
             "name": m["name_zh"] + (" [假设]" if m["hypothetical"] else ""), "status": m["status"],
             "before": _rate(m["before"]), "after": _rate(m["after"]), "newly": _cats(m["newly_covered"]),
             "lost": _cats(m["lost"])} for m in ans["makers"]]
    print(table(rows, [("mark", ""), ("id", "id"), ("name", "整机企业 maker"), ("status", "status"),
                       ("before", "现状 before"), ("after", "情景 after"), ("newly", "新覆盖 newly covered"),
                       ("lost", "失去 lost")]))
    s = ans["summary"]
    print()
    for key, label in (("fully_covered_certain", "确定全配套 fully covered (certain)"),
                       ("fully_covered_possible", "可能全配套 fully covered (possible)"),
                       ("mean_rate_range", "平均配套率 mean rate"), ("undetermined_items", "无法判定项 undetermined")):
        p = s[key]
        fmt = (lambda v: display.rate(*v)) if key == "mean_rate_range" and p["before"] else str
        print(f"{'*' if p['changed'] else ' '} {label}: {fmt(p['before'])} → {fmt(p['after'])}")
    la = s["lacked_by_all"]
    print(f"{'*' if la['changed'] else ' '} 全部缺少 lacked by all: {_cats(la['before']) or '–'} → "
          f"{_cats(la['after']) or '–'}")
    rt = ans["route"]
    if rt.get("error"):
        print(rt["error"])
    else:
        print(f"\n{'*' if rt['changed'] else ' '} 线路 route {rt['route']} {rt['name_zh']}: stops "
              f"{rt['stops']['before']} → {rt['stops']['after']}")
        for k, w in rt["walks"].items():
            print(f"{'*' if w['changed'] else ' '}   {k} m: served {w['served']['before']} → {w['served']['after']}"
                  + (f"; gained {', '.join(w['gained'])}" if w["gained"] else "")
                  + (f"; lost {', '.join(w['lost'])}" if w["lost"] else ""))
    for p in sc["problems"]:
        print(_("Edit {n} no longer applies: {reason}", n=p["edit"] + 1, reason=p["message"]))
    print(ans["label"])
