"""``supplychain entities validate|import|export|list``."""

from __future__ import annotations

import sys

from .. import registry, taxonomy
from ..workspace import Workspace
from .common import add_data_dir, add_format, print_json, table


def register(sub) -> None:
    p = sub.add_parser("entities", help="validate, import, export or list registry entities")
    esub = p.add_subparsers(dest="entities_command", metavar="ACTION", required=True)

    val = esub.add_parser("validate", help="check a registry file (CSV, XLSX, GeoJSON) without storing it")
    val.add_argument("path")
    val.add_argument("--encoding", help="text encoding of a CSV that is not UTF-8 (e.g. gbk)")
    val.set_defaults(func=cmd_validate)

    imp = esub.add_parser("import", help="add or update entities from a registry file (all or nothing)")
    imp.add_argument("path")
    imp.add_argument("--encoding", help="text encoding of a CSV that is not UTF-8 (e.g. gbk)")
    add_data_dir(imp)
    imp.set_defaults(func=cmd_import)

    exp = esub.add_parser("export", help="write the registry as CSV, GeoJSON or XLSX")
    exp.add_argument("--format", choices=("csv", "geojson", "xlsx"), default="csv")
    exp.add_argument("--output", "-o", help="output file (default: stdout; required for xlsx)")
    add_data_dir(exp)
    exp.set_defaults(func=cmd_export)

    ls = esub.add_parser("list", help="list entities with their location precision and network snap")
    ls.add_argument("--kind", choices=list(taxonomy.KINDS))
    ls.add_argument("--category", choices=list(taxonomy.CATEGORIES))
    add_format(ls)
    add_data_dir(ls)
    ls.set_defaults(func=cmd_list)


def cmd_validate(args) -> int:
    entities = registry.validate_file(args.path, args.encoding)
    located = sum(1 for e in entities if e.located)
    print(f"{args.path}: OK, {len(entities)} entities ({located} located)")
    return 0


def cmd_import(args) -> int:
    ws = Workspace.open(args.data_dir, with_network=False)
    report = registry.import_file(ws.store, args.path, args.encoding)
    print(f"imported {report}; the registry now holds {len(registry.load_entities(ws.store))} entities")
    return 0


def cmd_export(args) -> int:
    ws = Workspace.open(args.data_dir, with_network=False)
    text = registry.export(ws.entities, args.format, args.output)
    if text is not None:
        sys.stdout.write(text)
    else:
        print(f"wrote {len(ws.entities)} entities to {args.output}", file=sys.stderr)
    return 0


def cmd_list(args) -> int:
    ws = Workspace.open(args.data_dir)
    rows = []
    for e in ws.entities_of(args.category, args.kind):
        snap = ws.snapping.get(e.id)
        d = e.to_dict()
        d["categories"] = ";".join(e.categories)
        d["snap_m"] = round(snap[1]) if snap and snap[1] == snap[1] else None
        d["distance_method"] = ("network" if snap and snap[2] else "estimated") if e.located else "unlocated"
        rows.append(d)
    if args.format == "json":
        print_json(rows)
    else:
        print(table(rows, [("id", "id"), ("name_zh", "名称"), ("kind", "kind"), ("categories", "categories"),
                           ("precision", "precision"), ("snap_m", "snap m"), ("distance_method", "method")]))
    return 0
