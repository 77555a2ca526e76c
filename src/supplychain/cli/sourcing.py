"""``supplychain sourcing``: the 10 km sourcing check for every whole-robot maker."""

from __future__ import annotations

import sys

from .. import sourcing, tabular, taxonomy
from ..workspace import Workspace
from .common import add_data_dir, add_format, print_json, table


def register(sub) -> None:
    p = sub.add_parser("sourcing", help="check the 10 km sourcing radius (10公里配套半径) maker by maker")
    p.add_argument("--radius-km", default=10, help="sourcing radius by road in km (default 10)")
    add_format(p, choices=("table", "json", "csv"))
    add_data_dir(p)
    p.set_defaults(func=cmd_sourcing)


def _zh(cats) -> str:
    return "、".join(taxonomy.CATEGORIES[c].zh.split("（")[0] for c in cats)


def cmd_sourcing(args) -> int:
    ws = Workspace.open(args.data_dir)
    ans = sourcing.sourcing_check(ws, radius_km=args.radius_km)
    if args.format == "json":
        print_json(ans)
        return 0
    if args.format == "csv":
        rows = []
        for m in ans["makers"]:
            for c in m["covered"]:
                rows.append([m["id"], m["name_zh"], m["precision"], c["category"], 1, c["supplier_id"], c["road_m"],
                             c["distance_method"], int(c["in_house"])])
            for c in m["missing"]:
                rows.append([m["id"], m["name_zh"], m["precision"], c, 0, "", "", "", ""])
        tabular.write_csv(sys.stdout, ["maker_id", "name_zh", "precision", "category", "covered", "supplier_id",
                                       "road_m", "distance_method", "in_house"], rows)
        return 0
    rows = [{"id": m["id"], "name_zh": m["name_zh"], "precision": m["precision"],
             "rate": f"{m['rate'] * 100:.0f}%", "covered": f"{len(m['covered'])}/{len(m['bom'])}",
             "missing": _zh(m["missing"]), "method": m["distance_method"]} for m in ans["makers"]]
    print(f"10公里配套核查 sourcing check within {ans['radius_km']:g} km by road")
    print(table(rows, [("id", "id"), ("name_zh", "整机企业 maker"), ("precision", "precision"), ("rate", "本地配套率"),
                       ("covered", "covered"), ("missing", "缺少 missing"), ("method", "method")]))
    s = ans["summary"]
    if s["makers"]:
        print(f"\n{s['fully_covered']} of {s['makers']} makers have their whole BOM within {ans['radius_km']:g} km "
              f"({s['share_fully_covered'] * 100:.0f}%); mean local sourcing rate {s['mean_rate'] * 100:.0f}%.")
        lacking = [f"{taxonomy.CATEGORIES[c].zh.split('（')[0]} {v['lacking']}/{v['needed_by']}"
                   for c, v in s["per_category"].items() if v["lacking"]]
        print("makers lacking each category: " + ", ".join(lacking))
    if ans["unlocated_makers"]:
        print("not located (not checked): " + ", ".join(m["name_zh"] for m in ans["unlocated_makers"]))
    print(s["registry_note"])
    if s.get("caveat"):
        print(s["caveat"])
    e = ans["estimator"]
    print(f"estimated distances = straight line × {e['circuity_factor']}")
    return 0
