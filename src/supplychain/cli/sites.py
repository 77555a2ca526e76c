"""``supplychain sites evaluate|optimize``: score candidate sites, and choose the best k by maximal covering."""

from __future__ import annotations

import sys
from pathlib import Path

from .. import gaps, siteio, siteopt, siting
from ..errors import InputError
from ..messages import N_, _
from .common import add_scenario, open_workspace, Progress, add_data_dir, add_format, print_json, table

WEIGHTS_HELP = N_("JSON {{criterion: percent}} or CSV criterion,weight; must sum to 100. Criteria: {criteria}")


def register(sub) -> None:
    p = sub.add_parser("sites", help=_("evaluate candidate sites, or choose the best k sites"))
    ssub = p.add_subparsers(dest="sites_command", metavar="ACTION", required=True,
                           help=_("one of the actions below"))

    ev = ssub.add_parser("evaluate", help=_("score and rank candidate sites on supply-chain criteria"))
    ev.add_argument("--candidates", required=True, help=_("CSV (name,lon,lat or entity) or GeoJSON points, WGS84"))
    ev.add_argument("--weights",
                    help=_(WEIGHTS_HELP, criteria=", ".join(f"{k} ({v:g})" for k, v in siting.DEFAULT_WEIGHTS.items())))
    ev.add_argument("--radius-km", default=10, help=_("sourcing radius by road in km (default 10)"))
    ev.add_argument("--bom", default="humanoid",
                    help=_("robot type (humanoid, quadruped, service, industrial) or comma-separated component "
                           "categories"))
    ev.add_argument("--normalization", choices=siting.NORMALISATIONS, default="fixed",
                    help=_("fixed scales (default) or min-max across the candidates"))
    add_format(ev, choices=("table", "json", "csv"))
    ev.add_argument("--output", help=_("also write the table to this .xlsx or .csv file"))
    add_data_dir(ev)
    add_scenario(ev)
    ev.set_defaults(func=cmd_evaluate)

    op = ssub.add_parser("optimize", help=_("choose the best k sites to cover the makers' unmet BOM categories"))
    op.add_argument("--k", required=True, help=_("number of sites to choose"))
    op.add_argument("--candidates", help=_("CSV or GeoJSON of candidate points (default: a grid on the network)"))
    op.add_argument("--grid-m", default=1000,
                    help=_("grid spacing in metres when no candidates are given (default 1000)"))
    op.add_argument("--radius-km", default=10, help=_("a site covers makers within this road distance (default 10)"))
    op.add_argument("--weights",
                    help=_("JSON object of category: weight, or CSV category,weight (default 1 per category)"))
    op.add_argument("--fixed", help=_("CSV or GeoJSON of existing sites: what they cover counts as covered"))
    op.add_argument("--method", choices=siteopt.METHODS, default="auto",
                    help=_("auto (default): exact unless the instance is very large"))
    op.add_argument("--time-limit", type=float, default=120.0, help=_("solver time limit in seconds (default 120)"))
    op.add_argument("--quiet", action="store_true", help=_("no progress lines on stderr"))
    add_format(op, choices=("table", "json", "csv"))
    op.add_argument("--output", help=_("also write the chosen sites to this .xlsx or .csv file"))
    add_data_dir(op)
    add_scenario(op)
    op.set_defaults(func=cmd_optimize)

    gp = ssub.add_parser("gaps", help=_("Chain gaps: per component category, the makers lacking it and the best "
                                        "sites for one new supplier of it"))
    gp.add_argument("--radius-km", default=10, help=_("sourcing radius by road in km (default 10)"))
    gp.add_argument("--top", default=3, help=_("distinct sites listed per category (1–{n}, default 3)", n=gaps.MAX_TOP))
    gp.add_argument("--candidates", help=_("CSV or GeoJSON of candidate points (default: the district grid)"))
    gp.add_argument("--grid-m", default=1000, help=_("grid spacing in metres when no candidates are given (default 1000)"))
    add_format(gp, choices=("table", "json", "csv"))
    add_data_dir(gp)
    add_scenario(gp)
    gp.set_defaults(func=cmd_gaps)


def _write_output(path: str, result: dict, table_fn) -> None:
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise InputError("output", _("--output must end in .xlsx or .csv, got {name}", name=repr(out.name)))
    if not out.parent.exists():
        raise InputError("output", _("no such directory: {parent}", parent=out.parent), "not_found")
    if suffix == ".xlsx":
        out.write_bytes(siteio.to_xlsx(result))
    else:
        out.write_text(siteio.to_csv(*table_fn(result)), encoding="utf-8-sig")
    print(_("wrote {path}", path=out), file=sys.stderr)


def _emit(args, result: dict, table_fn) -> bool:
    """Write ``--output``, then print JSON or CSV when asked; ``False`` leaves the text table to the caller."""
    if args.output:
        _write_output(args.output, result, table_fn)
    if args.format == "json":
        print_json(result)
        return True
    if args.format == "csv":
        sys.stdout.write(siteio.to_csv(*table_fn(result)))
        return True
    return False


def cmd_evaluate(args) -> int:
    ws = open_workspace(args)
    candidates = siteio.read_candidates_file(args.candidates)
    weights = siteio.read_weights_file(args.weights) if args.weights else None
    ans = siting.evaluate_sites(ws, candidates, weights=weights, radius_km=args.radius_km, bom=args.bom,
                                normalization=args.normalization)
    if _emit(args, ans, siteio.evaluation_table):
        return 0
    crit = [c for c in ans["criteria"] if c["available"]]
    rows = []
    for cand in sorted(ans["candidates"], key=lambda c: c["rank"]):
        row = {"rank": cand["rank"], "name": cand["name"], "score": f"{cand['score']:.1f}",
               "method": cand["distance_method"]}
        for c in crit:
            row[c["key"]] = f"{cand['criteria'][c['key']]['score']:.2f}"
        rows.append(row)
    print(_("site evaluation: {n} candidates, radius {km} km by road, BOM {bom}, {norm} normalisation", n=len(rows),
            km=format(ans["radius_km"], "g"), bom=ans["bom"]["robot_type"] or ",".join(ans["bom"]["categories"]),
            norm=ans["normalization"]))
    print(table(rows, [("rank", _("rank")), ("name", _("candidate")), ("score", _("score/100")), ("method", _("method"))]
                + [(c["key"], f"{c['key']} ({c['effective_weight']:.0f}%)") for c in crit]))
    print()
    print(ans["explanation"]["zh"])
    print(ans["explanation"]["en"])
    for n in ans["notes"]:
        print(_("note") + f": {n}")
    print(_("scores 0–1 per criterion (weights in brackets, rescaled over available criteria); --format json for "
            "every raw value"))
    return 0


def cmd_optimize(args) -> int:
    ws = open_workspace(args)
    candidates = siteio.read_candidates_file(args.candidates) if args.candidates else None
    fixed = siteio.read_candidates_file(args.fixed, "fixed") if args.fixed else None
    weights = siteio.read_weights_file(args.weights) if args.weights else None
    ans = siteopt.optimize_sites(ws, args.k, candidates=candidates, radius_km=args.radius_km, weights=weights,
                                 fixed=fixed, grid_m=args.grid_m, method=args.method, time_limit_s=args.time_limit,
                                 progress=Progress(quiet=args.quiet))
    if _emit(args, ans, siteio.optimization_table):
        return 0
    d = ans["demand"]
    print(_("best {k} sites from {n} {source} candidates, radius {km} km by road", k=ans["k"],
            n=format(ans["n_candidates"], ","), source=ans["candidate_source"], km=format(ans["radius_km"], "g")))
    print(_("demand: {makers} makers with {items} unmet (maker, category) items, weight {w}", makers=d["makers"],
            items=d["items"], w=format(d["total_weight"], "g"))
          + ("; " + _("{w} already covered by fixed sites", w=format(d["covered_by_fixed"], "g")) if ans["fixed"] else "")
          + ("; " + _("{n} synthetic makers", n=d["synthetic_makers"]) if d["synthetic_makers"] else ""))
    rows = [{"order": c["order"], "name": c["name"], "lon": f"{c['lon']:.5f}", "lat": f"{c['lat']:.5f}",
             "gain": f"{c['marginal_weight']:g}", "makers": c["makers_covered"], "method": c["distance_method"]}
            for c in ans["chosen"]]
    print(table(rows, [("order", "#"), ("name", _("site")), ("lon", _("lon")), ("lat", _("lat")), ("gain", _("added weight")),
                       ("makers", _("makers in reach")), ("method", _("method"))]))
    share = ans["objective_share"]
    print("\n" + _("objective {obj}", obj=format(ans["objective"], "g"))
          + (" (" + _("{p}% of the demand", p=f"{share * 100:.1f}") + ")" if share is not None else "")
          + "; " + _("bound {b}; gap {g}%", b=format(ans["bound"], "g"), g=f"{ans['gap'] * 100:.3f}")
          + f"; {ans['status']}; {ans['solver']}; {ans['runtime_s']['total']:.2f} s")
    for n in ans["notes"]:
        print(_("note") + f": {n}")
    return 0


def cmd_gaps(args) -> int:
    ws = open_workspace(args)
    candidates = siteio.read_candidates_file(args.candidates) if args.candidates else None
    ans = gaps.chain_gaps(ws, radius_km=args.radius_km, top=args.top, candidates=candidates, grid_m=args.grid_m)
    if args.format == "json":
        print_json(ans)
        return 0
    cols, rows = gaps.gaps_table(ans)
    if args.format == "csv":
        sys.stdout.write(siteio.to_csv(cols, rows))
        return 0
    print(_("chain gaps: {n} makers, radius {km} km by road, {c} {source} candidates ({on} on the network)",
            n=ans["makers"], km=format(ans["radius_km"], "g"), c=format(ans["n_candidates"], ","),
            source=ans["candidate_source"], on=format(ans["candidates_on_network"], ",")))
    shown = [dict(zip(cols, r)) for r in rows]
    print(table(shown, [("category_zh", _("category")), ("open", _("open")), ("lacking", _("lacking")),
                        ("undetermined", _("undet.")), ("rank", "#"), ("site", _("site")),
                        ("sure", _("sure")), ("maybe", _("maybe")), ("distance_method", _("method")),
                        ("near", _("near")), ("serves", _("serves"))]))
    print()
    for h in ans["ranking"]:
        print(h["text"])
    if not ans["ranking"]:
        print(_("no site surely covers a maker lacking a category"))
    for n in ans["notes"]:
        print(_("note") + f": {n}")
    print(_("sure: makers now lacking (or undetermined for) the category that the site is surely within the radius "
            "of; maybe: undetermined, not counted. --format json for every maker and range"))
    return 0
