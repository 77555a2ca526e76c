"""``supplychain query suppliers``."""

from __future__ import annotations

from .. import display, reach, taxonomy
from ..messages import _
from .common import add_scenario, open_workspace, add_data_dir, add_format, print_json, table


def register(sub) -> None:
    p = sub.add_parser("query", help=_("ask which suppliers are within reach"))
    qsub = p.add_subparsers(dest="query_command", metavar="QUERY", required=True,
                           help=_("one of the queries below"))
    s = qsub.add_parser("suppliers", help=_("suppliers within a road radius of a point or entity"))
    s.add_argument("--lon", help=_("origin longitude (WGS84)"))
    s.add_argument("--lat", help=_("origin latitude (WGS84)"))
    s.add_argument("--entity", help=_("origin entity id (instead of --lon/--lat)"))
    s.add_argument("--radius-km", default=10, help=_("road radius in km (default 10)"))
    s.add_argument("--category",
                   help=_("only this category, id or Chinese name ({choices})", choices=", ".join(taxonomy.CATEGORIES)))
    s.add_argument("--paths", action="store_true", help=_("include road paths (json only)"))
    add_format(s)
    add_data_dir(s)
    add_scenario(s)
    s.set_defaults(func=cmd_suppliers)


def cmd_suppliers(args) -> int:
    ws = open_workspace(args)
    ans = reach.suppliers_within(ws, lon=args.lon, lat=args.lat, entity=args.entity, radius_km=args.radius_km,
                                 category=args.category, with_paths=args.paths)
    if args.format == "json":
        print_json(ans)
        return 0
    o = ans["origin"]
    snap = f"{o['snap_m']} m" if o["snap_m"] is not None else _("no network")
    print(_("origin {name} ({lon}, {lat}), snapped {snap}; method {method}", name=o.get("name_zh", ""), lon=o["lon"],
            lat=o["lat"], snap=snap, method=ans["distance_method"]))
    rows = [{**r, "road": display.distance(r["road_m"], r["road_m_range"], r["distance_method"]),
             "min": "–" if r["time_s"] is None else f"{r['time_s'] / 60:.1f}",
             "straight_km": f"{r['straight_m'] / 1000:.2f}", "categories": ";".join(r["categories"]),
             "verdict": display.verdict(r["verdict"])}
            for r in ans["results"]]
    print(table(rows, [("id", "id"), ("name_zh", _("Name")), ("categories", _("categories")), ("road", _("road")),
                       ("verdict", _("verdict")), ("min", _("drive min")), ("straight_km", _("straight km")),
                       ("distance_method", _("method")), ("precision", _("precision"))]))
    c = ans["counts"]
    print(_("{within} supplier(s) surely within {km} km, {undetermined} undetermined", within=c["within"],
            km=format(ans["radius_km"], "g"), undetermined=c["undetermined"])
          + ("; " + _("{n} more without a known location", n=len(ans["unlocated"])) if ans["unlocated"] else ""))
    if ans.get("settle"):
        print(ans["settle"])
    if "estimator" in ans:
        e = ans["estimator"]
        print(_("estimated = straight line × {f} (circuity), at {v} km/h", f=e["circuity_factor"], v=e["speed_kph"]))
    return 0
