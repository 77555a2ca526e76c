"""``supplychain places import|list``: named points for the offline geocoder."""

from __future__ import annotations

from .. import places
from ..store import Store, resolve_data_dir
from ..messages import _
from .common import add_data_dir, add_format, print_json, table


def register(sub) -> None:
    p = sub.add_parser("places",
                       help=_("named points (road labels, sub-district centres, stations) for the offline geocoder"))
    psub = p.add_subparsers(dest="places_command", metavar="ACTION", required=True,
                           help=_("one of the actions below"))
    imp = psub.add_parser("import", help=_("add the named points of a GeoJSON file (importing it again replaces them)"))
    imp.add_argument("path", help=_("GeoJSON file of named points"))
    add_data_dir(imp)
    imp.set_defaults(func=cmd_import)
    ls = psub.add_parser("list", help=_("how many places each imported file holds, by kind"))
    add_format(ls)
    add_data_dir(ls)
    ls.set_defaults(func=cmd_list)


def _store(args) -> Store:
    store = Store(resolve_data_dir(args.data_dir))
    places.ensure_gazetteer(store)
    return store


def cmd_import(args) -> int:
    store = _store(args)
    try:
        report = places.import_file(store, args.path)
    except places.PlacesError as exc:
        raise ValueError(str(exc)) from None
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(report["kinds"].items()))
    print(_("imported {n} places from {dataset} ({kinds})", n=report["stored"], dataset=report["dataset"], kinds=kinds))
    from ..workspace import Workspace
    from .network import build_basemap

    build_basemap(Workspace.open(store.data_dir))  # its labels come from the places
    return 0


def cmd_list(args) -> int:
    rows = places.summary(_store(args))
    if args.format == "json":
        print_json(rows)
    else:
        print(table(rows, [("dataset", "数据集 dataset"), ("kind", "类型 kind"), ("n", "数量 n")]))
    return 0
