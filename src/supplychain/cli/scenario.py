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
from ..scenario import edit_text
from ..workspace import Workspace
from .common import add_data_dir, add_format, print_json, table


def register(sub) -> None:
    p = sub.add_parser("scenario", help=_("what-if scenarios: add, remove or move entities and route stops, "
                                          "and compare with the baseline (the registry is never changed)"))
    s = p.add_subparsers(dest="scenario_command", metavar="SUBCOMMAND", required=True,
                         help=_("one of the subcommands below"))

    def cmd(name, func, help_text, name_arg=True):
        c = s.add_parser(name, help=help_text)
        if name_arg:
            c.add_argument("name", help=_("scenario name"))
        add_data_dir(c)
        c.set_defaults(func=func)
        return c

    c = cmd("create", cmd_create, _("create an empty scenario"))
    c.add_argument("--note", help=_("what the scenario is about"))
    add_format(cmd("list", cmd_list, _("list the stored scenarios"), name_arg=False))
    add_format(cmd("show", cmd_show, _("a scenario's edits")))
    c = cmd("add", cmd_add, _("add a hypothetical entity (labelled hypothetical)"))
    c.add_argument("--entity-name", required=True, dest="entity_name", help=_("its name (Chinese)"))
    c.add_argument("--name-en", help=_("its name (English)"))
    c.add_argument("--id", help=_("its id (prefixed hyp-; default hyp-N)"))
    c.add_argument("--kind", default="firm", help=_("entity kind (default firm)"))
    c.add_argument("--categories", default="", help=_("';'-separated categories, e.g. reducer;motor"))
    c.add_argument("--needs", default="", help=_("a maker's bill of materials, ';'-separated"))
    c.add_argument("--robot-types", default="", help=_("a maker's robot types, ';'-separated"))
    _point(c, required=True)
    c.add_argument("--note", help=_("a note"))
    c = cmd("remove", cmd_remove, _("remove a registry entity in the scenario"))
    c.add_argument("entity", help=_("entity id"))
    c = cmd("move", cmd_move, _("move an entity in the scenario"))
    c.add_argument("entity", help=_("entity id"))
    _point(c, required=True)
    c = cmd("add-stop", cmd_add_stop, _("add a stop to a route in the scenario"))
    c.add_argument("--route", default="kechuang", help=_("route id (default kechuang)"))
    c.add_argument("--entity", help=_("a registry (or hypothetical) entity as the stop"))
    c.add_argument("--stop-name", help=_("the stop's name"))
    c.add_argument("--at", help=_("stop number to insert as (default: at the end)"))
    _point(c, required=False)
    c = cmd("remove-stop", cmd_remove_stop, _("remove a route stop in the scenario"))
    c.add_argument("--route", default="kechuang", help=_("route id (default kechuang)"))
    c.add_argument("--seq", required=True, help=_("stop number"))
    c = cmd("move-stop", cmd_move_stop, _("move a route stop in the scenario"))
    c.add_argument("--route", default="kechuang", help=_("route id (default kechuang)"))
    c.add_argument("--seq", required=True, help=_("stop number"))
    _point(c, required=True)
    c = cmd("undo", cmd_undo, _("drop one edit (its number in `scenario show`)"))
    c.add_argument("index", help=_("edit number (1-based, as `show` lists them)"))
    cmd("delete", cmd_delete, _("delete a scenario"))
    c = cmd("export", cmd_export, _("write a scenario as JSON"))
    c.add_argument("-o", "--output", help=_("file to write (default: stdout)"))
    c = cmd("import", cmd_import, _("read a scenario JSON file (from export)"), name_arg=False)
    c.add_argument("file", help=_("scenario JSON file"))
    c.add_argument("--name", help=_("store it under this name (default: the file's)"))
    c.add_argument("--replace", action="store_true", help=_("replace a scenario of the same name"))
    c = cmd("compare", cmd_compare, _("the scenario against the baseline: rates, categories, catchments"))
    c.add_argument("--radius-km", default=10, help=_("sourcing radius by road in km (default 10)"))
    c.add_argument("--route", help=_("route whose catchments to compare (default kechuang)"))
    c.add_argument("--walk-m", help=_("walking distances of the catchments, e.g. 500,800"))
    add_format(c, choices=("table", "json", "csv"))


def _point(c, required: bool) -> None:
    c.add_argument("--lon", required=required, help=_("WGS84 longitude"))
    c.add_argument("--lat", required=required, help=_("WGS84 latitude"))
    c.add_argument("--precision", default="exact", help=_("exact (default), street, town or district"))


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
    print(table(rows, [("name", _("scenario")), ("n_edits", _("edits")), ("ops_text", _("operations")),
                       ("updated_at", _("updated")), ("note", _("note"))]))
    return 0


def cmd_show(args) -> int:
    ws = _ws(args)
    s = scenariostore.get(ws, args.name)
    view = scenariostore.workspace_for(ws, s.name).scenario
    if args.format == "json":
        print_json({**s.to_dict(), "applied": view.describe()})
        return 0
    print((_("What-if scenario {name} (revision {rev}, updated {updated})", name=s.name, rev=s.revision,
             updated=s.updated_at) + " " + s.note).rstrip())
    for i, e in enumerate(s.edits, 1):
        print(f"{i:>3}. {edit_text(e)}")
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
    print(_("What-if scenario {name} against the baseline, {km} km by road (* = changed)", name=sc["name"],
            km=format(ans["radius_km"], "g")))
    rows = [{"mark": "*" if m["changed"] else "", "id": m["id"],
             "name": m["name_zh"] + (" [" + _("hypothetical") + "]" if m["hypothetical"] else ""),
             "status": m["status"],
             "before": _rate(m["before"]), "after": _rate(m["after"]), "newly": _cats(m["newly_covered"]),
             "lost": _cats(m["lost"])} for m in ans["makers"]]
    print(table(rows, [("mark", ""), ("id", "id"), ("name", _("maker")), ("status", _("status")),
                       ("before", _("baseline (before)")), ("after", _("scenario (after)")),
                       ("newly", _("newly covered")), ("lost", _("lost"))]))
    s = ans["summary"]
    print()
    for key, label in (("fully_covered_certain", _("fully covered (certain)")),
                       ("fully_covered_possible", _("fully covered (possible)")),
                       ("mean_rate_range", _("mean rate")), ("undetermined_items", _("undetermined items"))):
        p = s[key]
        fmt = (lambda v: display.rate(*v)) if key == "mean_rate_range" and p["before"] else str
        print(f"{'*' if p['changed'] else ' '} {label}: {fmt(p['before'])} → {fmt(p['after'])}")
    la = s["lacked_by_all"]
    print(f"{'*' if la['changed'] else ' '} " + _("lacked by all") + f": {_cats(la['before']) or '–'} → "
          f"{_cats(la['after']) or '–'}")
    rt = ans["route"]
    if rt.get("error"):
        print(rt["error"])
    else:
        print(f"\n{'*' if rt['changed'] else ' '} "
              + _("route {route} {name}: stops {before} → {after}", route=rt["route"], name=rt["name_zh"],
                  before=rt["stops"]["before"], after=rt["stops"]["after"]))
        for k, w in rt["walks"].items():
            print(f"{'*' if w['changed'] else ' '}   "
                  + _("{m} m: served {before} → {after}", m=k, before=w["served"]["before"],
                      after=w["served"]["after"])
                  + ("; " + _("gained {ids}", ids=", ".join(w["gained"])) if w["gained"] else "")
                  + ("; " + _("lost {ids}", ids=", ".join(w["lost"])) if w["lost"] else ""))
    for p in sc["problems"]:
        print(_("Edit {n} no longer applies: {reason}", n=p["edit"] + 1, reason=p["message"]))
    print(ans["label"])
