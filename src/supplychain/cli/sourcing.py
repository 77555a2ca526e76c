"""``supplychain sourcing``: the 10 km sourcing check for every whole-robot maker."""

from __future__ import annotations

import sys

from .. import display, sourcing, tabular, taxonomy
from ..messages import _, zh
from .common import add_scenario, open_workspace, add_data_dir, add_format, print_json, table


def register(sub) -> None:
    p = sub.add_parser("sourcing", help=_("check the 10 km sourcing radius maker by maker"))
    p.add_argument("--radius-km", default=10, help=_("sourcing radius by road in km (default 10)"))
    add_format(p, choices=("table", "json", "csv"))
    add_data_dir(p)
    add_scenario(p)
    p.set_defaults(func=cmd_sourcing)


def _zh(cats) -> str:
    return "、".join(taxonomy.CATEGORIES[c].zh.split("（")[0] for c in cats)


def _count(s: dict) -> str:
    a, b = s["fully_covered_certain"], s["fully_covered_possible"]
    return f"{a}" if a == b else f"{a}–{b}"


def cmd_sourcing(args) -> int:
    ws = open_workspace(args)
    ans = sourcing.sourcing_check(ws, radius_km=args.radius_km)
    if args.format == "json":
        print_json(ans)
        return 0
    if args.format == "csv":
        rows = []
        for m in ans["makers"]:
            for c in m["covered"]:
                lo, hi = c["road_m_range"]
                rows.append([m["id"], m["name_zh"], m["precision"], c["category"], "within", c["supplier_id"],
                             c["road_m"], lo, hi, c["distance_method"], int(c["in_house"])])
            for u in m["undetermined"]:
                k = u["candidates"][0] if u["candidates"] else {}
                lo, hi = k.get("road_m_range", (None, None))
                rows.append([m["id"], m["name_zh"], m["precision"], u["category"], "undetermined",
                             k.get("supplier_id", ""), k.get("road_m"), lo, hi, k.get("distance_method", ""), 0])
            for c in m["missing"]:
                rows.append([m["id"], m["name_zh"], m["precision"], c, "beyond", "", "", "", "", "", ""])
        tabular.write_csv(sys.stdout, ["maker_id", "name_zh", "precision", "category", "verdict", "supplier_id",
                                       "road_m", "road_m_lo", "road_m_hi", "distance_method", "in_house"], rows)
        return 0
    rows = [{"id": m["id"], "name_zh": m["name_zh"], "precision": m["precision"],
             "rate": display.rate(m["rate_certain"], m["rate_possible"]),
             "covered": f"{len(m['covered'])}/{len(m['bom'])}", "undetermined": _zh(u["category"] for u in m["undetermined"]),
             "missing": _zh(m["missing"]), "method": m["distance_method"]} for m in ans["makers"]]
    print(_("sourcing check within {km} km by road", km=format(ans["radius_km"], "g")))
    print(table(rows, [("id", "id"), ("name_zh", _("maker")), ("precision", _("precision")), ("rate", _("local sourcing rate")),
                       ("covered", _("covered")), ("undetermined", _("undetermined")),
                       ("missing", _("missing")), ("method", _("method"))]))
    s = ans["summary"]
    if s["makers"]:
        lo, hi = s["share_fully_covered_range"]
        mean = s["mean_rate_range"]
        print("\n" + _("{n} of {makers} makers have their whole BOM within {km} km ({share}); mean local sourcing rate "
                       "{mean}.", n=_count(s), makers=s["makers"], km=format(ans["radius_km"], "g"),
                       share=display.rate(lo, hi), mean=display.rate(*mean)))
        lacking = [f"{taxonomy.CATEGORIES[c].zh.split('（')[0]} {v['lacking']}/{v['needed_by']}"
                   + (f" (+{v['undetermined']} {zh('undetermined')})" if v["undetermined"] else "")
                   for c, v in s["per_category"].items() if v["lacking"] or v["undetermined"]]
        print(_("makers surely lacking each category") + ": " + ", ".join(lacking))
        if s["settle_by_locating"]:
            print(_("locate these more precisely to settle it") + ": " + ", ".join(s["settle_by_locating"]))
    if ans["unlocated_makers"]:
        print(_("not located (not checked)") + ": " + ", ".join(m["name_zh"] for m in ans["unlocated_makers"]))
    print(s["registry_note"])
    if s.get("caveat"):
        print(s["caveat"])
    e = ans["estimator"]
    print(_("estimated distances = straight line × {f}", f=e["circuity_factor"]))
    return 0
