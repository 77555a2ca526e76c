"""``supplychain entities validate|import|export|list``."""

from __future__ import annotations

import sys

from .. import enterprise, geocode, registry, taxonomy
from ..messages import _
from ..workspace import Workspace
from .common import Progress, add_data_dir, add_format, print_json, table, taxonomy_arg


def add_geocoder_options(parser, with_provider: bool = True) -> None:
    """``--provider``/``--geocode``, ``--geocoder-url`` and ``--qps`` (shared by geocode and import)."""
    if with_provider:
        parser.add_argument("--provider", choices=geocode.PROVIDERS, default="offline",
                            help=_("offline (default, no internet), amap (SUPPLYCHAIN_AMAP_KEY) or tianditu "
                                   "(SUPPLYCHAIN_TIANDITU_KEY)"))
    parser.add_argument("--geocoder-url",
                        help=_("base URL of the online geocoder (an intranet proxy; default: the provider's own)"))
    parser.add_argument("--qps", type=float, help=_("queries per second sent to an online geocoder (default: 3)"))


def register(sub) -> None:
    p = sub.add_parser("entities", help=_("validate, import, export or list registry entities"))
    esub = p.add_subparsers(dest="entities_command", metavar="ACTION", required=True,
                           help=_("one of the actions below"))

    val = esub.add_parser("validate", help=_("check a registry file (CSV, XLSX, GeoJSON) without storing it"))
    val.add_argument("path", help=_("registry file: CSV, XLSX or GeoJSON, or an enterprise list"))
    val.add_argument("--encoding", help=_("text encoding of a CSV that is not UTF-8 (e.g. gbk)"))
    val.add_argument("--columns", help=_("enterprise list: which header holds what (see import)"))
    val.set_defaults(func=cmd_validate)

    imp = esub.add_parser("import", help=_("add or update entities from a registry file (all or nothing)"))
    imp.add_argument("path", help=_("registry file: CSV, XLSX or GeoJSON, or an enterprise list"))
    imp.add_argument("--encoding", help=_("text encoding of a CSV that is not UTF-8 (e.g. gbk)"))
    imp.add_argument("--columns", help=_("enterprise list: which header holds what, e.g. name=企业名称,address=经营地址 "
                                         "(fields: {fields}); common Chinese headers are recognised",
                                         fields=", ".join(enterprise.HEADERS)))
    imp.add_argument("--accept-suggested", action="store_true",
                     help=_("enterprise list: use the categories suggested from 经营范围 and the name at once"))
    imp.add_argument("--geocode", choices=geocode.PROVIDERS, metavar="PROVIDER",
                     help=_("geocode the imported rows that have an address: offline, amap or tianditu"))
    add_geocoder_options(imp, with_provider=False)
    add_data_dir(imp)
    imp.set_defaults(func=cmd_import)

    geo = esub.add_parser("geocode", help=_("place the rows that have an address (offline by default)"))
    add_geocoder_options(geo)
    geo.add_argument("--only-unlocated", action="store_true", help=_("only rows without a position"))
    geo.add_argument("--quiet", action="store_true", help=_("no progress lines"))
    add_format(geo, default="table")
    add_data_dir(geo)
    geo.set_defaults(func=cmd_geocode)

    exp = esub.add_parser("export", help=_("write the registry as CSV, GeoJSON or XLSX"))
    exp.add_argument("--format", choices=("csv", "geojson", "xlsx"), default="csv",
                     help=_("output format (default: {default})", default="csv"))
    exp.add_argument("--output", "-o", help=_("output file (default: stdout; required for xlsx)"))
    exp.add_argument("--with-edits", action="store_true",
                     help=_("xlsx: add the recorded changes (who changed what, when) as a second sheet 'edits'"))
    add_data_dir(exp)
    exp.set_defaults(func=cmd_export)

    ed = esub.add_parser("edits",
                         help=_("every recorded change after import (geocoders, review page): when, who, what"))
    ed.add_argument("--format", choices=("csv", "json"), default="csv",
                    help=_("output format (default: {default})", default="csv"))
    ed.add_argument("--entity", help=_("only this entity id"))
    add_data_dir(ed)
    ed.set_defaults(func=cmd_edits)

    ls = esub.add_parser("list", help=_("list entities with their location precision and network snap"))
    ls.add_argument("--kind", type=taxonomy_arg(taxonomy.KINDS, "kind"),
                    help=_("only this kind, id or Chinese name ({choices})", choices=", ".join(taxonomy.KINDS)))
    ls.add_argument("--category", type=taxonomy_arg(taxonomy.CATEGORIES, "category"),
                    help=_("only this category, id or Chinese name ({choices})",
                           choices=", ".join(taxonomy.CATEGORIES)))
    add_format(ls)
    add_data_dir(ls)
    ls.set_defaults(func=cmd_list)


def cmd_validate(args) -> int:
    header, _rows = registry.read_rows(args.path, args.encoding)
    if args.columns or enterprise.is_list(header):
        firms, dups = enterprise.read_list(args.path, enterprise.parse_columns(args.columns), args.encoding)
        suggested = sum(1 for e in firms if e.suggested_categories)
        print(f"{args.path}: " + _("enterprise list OK, {n} firms (unlocated until geocoded), {dups} duplicates, "
                                   "{suggested} with suggested categories", n=len(firms), dups=len(dups),
                                   suggested=suggested))
        for d in dups:
            print("  " + _("duplicate") + f": {d}")
        return 0
    entities = registry.validate_file(args.path, args.encoding)
    located = sum(1 for e in entities if e.located)
    print(f"{args.path}: " + _("OK, {n} entities ({located} located)", n=len(entities), located=located))
    return 0


def cmd_import(args) -> int:
    ws = Workspace.open(args.data_dir, with_network=False)
    header, _rows = registry.read_rows(args.path, args.encoding)
    if args.columns or enterprise.is_list(header):
        report = enterprise.import_list(ws.store, args.path, enterprise.parse_columns(args.columns), args.encoding,
                                        args.accept_suggested)
        print(_("imported enterprise list") + f" {report}")
    else:
        report = registry.import_file(ws.store, args.path, args.encoding)
        print(_("imported") + f" {report}")
    print(_("the registry now holds {n} entities", n=len(registry.load_entities(ws.store))))
    if args.geocode:
        return _geocode(args, ws, args.geocode, ids=report.added + report.updated)
    return 0


def cmd_geocode(args) -> int:
    return _geocode(args, Workspace.open(args.data_dir, with_network=False), args.provider,
                    only_unlocated=args.only_unlocated)


def _geocode(args, ws, provider: str, ids=None, only_unlocated: bool = False) -> int:
    progress = Progress(quiet=getattr(args, "quiet", False))
    report = geocode.geocode_entities(ws.store, provider, only_unlocated=only_unlocated, ids=ids, progress=progress,
                                      base_url=args.geocoder_url, qps=args.qps)
    if getattr(args, "format", "table") == "json":
        print_json(report.to_dict())
    else:
        print(report)
        for eid, why in report.unlocated.items():
            print("  " + _("unlocated") + f" {eid}: {why}")
    if report.stopped:
        print(_("geocoding stopped, rows placed so far are kept") + f": {report.stopped}", file=sys.stderr)
        return 1
    return 0


def cmd_export(args) -> int:
    ws = Workspace.open(args.data_dir, with_network=False)
    if args.with_edits and args.format != "xlsx":
        raise ValueError(_("--with-edits applies to --format xlsx; the log alone: supplychain entities edits"))
    text = registry.export(ws.entities, args.format, args.output,
                           registry.edits(ws.store) if args.with_edits else None)
    if text is not None:
        sys.stdout.write(text)
    else:
        print(_("wrote {n} entities to {path}", n=len(ws.entities), path=args.output), file=sys.stderr)
    return 0


def cmd_edits(args) -> int:
    from .. import tabular

    ws = Workspace.open(args.data_dir, with_network=False)
    rows = registry.edits(ws.store, args.entity)
    if args.format == "json":
        print_json(rows)
    else:
        cols = registry.EDIT_COLUMNS
        sys.stdout.write(tabular.csv_text(cols, tabular.dict_rows(rows, cols)))
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
