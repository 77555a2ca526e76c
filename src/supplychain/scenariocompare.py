"""A what-if scenario against the baseline: the sourcing check and a route's catchments, side by side.

:func:`compare` returns plain JSON-able data (the API, the CLI, the page and reports show it): per maker the
rates before and after, the categories newly covered or lost, the district's ``lacked_by_all`` before and
after, and per walking distance who a route's stops serve before and after; every difference is flagged
(``changed: true``) so a face can highlight it without recomputing anything.
"""

from __future__ import annotations

from . import route as routes, sourcing
from .errors import InputError
from .messages import _
from .workspace import Workspace

#: The verdict sets a maker's BOM category may land in (sourcing: exactly one of these).
SETS = ("covered", "undetermined", "missing")


def _sets(row: dict | None) -> dict[str, list[str]]:
    if row is None:
        return {k: [] for k in SETS}
    return {"covered": [c["category"] for c in row["covered"]],
            "undetermined": [u["category"] for u in row["undetermined"]], "missing": list(row["missing"])}


def _side(row: dict | None) -> dict | None:
    if row is None:
        return None
    return {"rate_certain": row["rate_certain"], "rate_possible": row["rate_possible"], **_sets(row),
            "lon": row["lon"], "lat": row["lat"], "precision": row["precision"],
            "distance_method": row["distance_method"],
            "suppliers": {c["category"]: c["supplier_id"] for c in row["covered"]}}


def _maker(mid: str, a: dict | None, b: dict | None, view) -> dict:
    sa, sb = _sets(a), _sets(b)
    newly = [c for c in sb["covered"] if c not in sa["covered"]]
    lost = [c for c in sa["covered"] if c not in sb["covered"]]
    before, after = _side(a), _side(b)
    status = ("added" if a is None else "removed" if b is None else "moved" if mid in view.moved else "kept")
    changed = (status != "kept" or sa != sb or (before["rate_certain"], before["rate_possible"])
               != (after["rate_certain"], after["rate_possible"]) or before["suppliers"] != after["suppliers"])
    row = a or b
    return {"id": mid, "name_zh": row["name_zh"], "name_en": row["name_en"], "status": status,
            "hypothetical": mid in view.added, "before": before, "after": after,
            "newly_covered": newly, "lost": lost,
            "newly_missing": [c for c in sb["missing"] if c not in sa["missing"]],
            "no_longer_missing": [c for c in sa["missing"] if c not in sb["missing"]],
            "newly_undetermined": [c for c in sb["undetermined"] if c not in sa["undetermined"]],
            "suppliers_changed": sorted(c for c in set(before["suppliers"] if before else {})
                                        | set(after["suppliers"] if after else {})
                                        if (before or {}).get("suppliers", {}).get(c)
                                        != (after or {}).get("suppliers", {}).get(c)),
            "changed": bool(changed)}


def _pair(before, after) -> dict:
    return {"before": before, "after": after, "changed": before != after}


def _summary(a: dict, b: dict) -> dict:
    sa, sb = a["summary"], b["summary"]
    keys = ("makers", "fully_covered_certain", "fully_covered_possible", "share_fully_covered_range",
            "mean_rate_range", "undetermined_items")
    out = {k: _pair(sa[k], sb[k]) for k in keys}
    la, lb = sa["lacked_by_all"], sb["lacked_by_all"]
    out["lacked_by_all"] = {"before": la, "after": lb, "changed": la != lb,
                            "no_longer": [c for c in la if c not in lb], "newly": [c for c in lb if c not in la]}
    cats = sorted(set(sa["per_category"]) | set(sb["per_category"]))
    empty = {"needed_by": 0, "covered": 0, "undetermined": 0, "lacking": 0}
    out["per_category"] = {c: _pair(sa["per_category"].get(c, empty), sb["per_category"].get(c, empty))
                           for c in cats}
    return out


def _route_side(ws: Workspace, route_id: str | None, walk_m) -> dict | None:
    try:
        return routes.analyse(ws, route_id, walk_m=walk_m, with_coordinates=False)
    except InputError as exc:  # e.g. no such route: reported beside the sourcing comparison, not fatal
        return {"error": exc.message}


def _catchments(a: dict | None, b: dict | None) -> dict:
    """Per walking distance: served entities before/after, gained and lost, makers and categories."""
    if a is None or b is None or "error" in a or "error" in b:
        return {"error": (a or {}).get("error") or (b or {}).get("error")}
    out = {"route": b["route"]["id"], "name_zh": b["route"]["name_zh"],
           "stops": _pair(len(a["stops"]), len(b["stops"])),
           "length_m": _pair(a["length_m"], b["length_m"]),
           "distance_method": _pair(a["distance_method"], b["distance_method"]), "walks": {}}
    for key in b["coverage"]:
        ca, cb = a["coverage"].get(key), b["coverage"][key]
        served_a = {s["id"] for s in ca["served"]} if ca else set()
        served_b = {s["id"] for s in cb["served"]}
        und_a = {s["id"] for s in ca["undetermined"]} if ca else set()
        und_b = {s["id"] for s in cb["undetermined"]}
        cats_a = set(ca["categories_covered"]) if ca else set()
        cats_b = set(cb["categories_covered"])
        out["walks"][key] = {
            "walk_m": cb["walk_m"],
            "served": _pair(len(served_a), len(served_b)),
            "gained": sorted(served_b - served_a), "lost": sorted(served_a - served_b),
            "undetermined": _pair(len(und_a), len(und_b)),
            "makers": _pair(ca["makers"]["total"] if ca else 0, cb["makers"]["total"]),
            "categories_gained": sorted(cats_b - cats_a), "categories_lost": sorted(cats_a - cats_b),
            "changed": served_a != served_b or und_a != und_b,
        }
    out["changed"] = (any(w["changed"] for w in out["walks"].values()) or out["stops"]["changed"]
                      or out["length_m"]["changed"])
    return out


def compare(base: Workspace, scen: Workspace, radius_km=10, route_id: str | None = None, walk_m=None) -> dict:
    """The scenario workspace ``scen`` (from :func:`supplychain.scenariostore.workspace_for`) against ``base``.

    Returns
    -------
    dict
        ``scenario`` (name, revision, edits, added/removed/moved ids, problems); ``radius_km``; ``makers`` (one
        row per maker of either side: ``status`` kept/added/removed/moved, ``before``/``after`` rates and
        category sets, ``newly_covered``, ``lost``, ``newly_missing``, ``no_longer_missing``, ``changed``);
        ``summary`` (each district figure before/after with ``changed``, ``lacked_by_all`` with
        ``no_longer``/``newly``, ``per_category``); ``route`` (the catchments per walking distance: served
        before/after, ``gained``, ``lost``, categories gained/lost); ``changed`` (anything differs).
    """
    view = scen.scenario
    if view is None:
        raise ValueError("compare needs a scenario workspace (scenariostore.workspace_for)")
    a = sourcing.sourcing_check(base, radius_km=radius_km)
    b = sourcing.sourcing_check(scen, radius_km=radius_km)
    rows_a = {m["id"]: m for m in a["makers"]}
    rows_b = {m["id"]: m for m in b["makers"]}
    ids = list(rows_a) + [i for i in rows_b if i not in rows_a]
    makers = [_maker(i, rows_a.get(i), rows_b.get(i), view) for i in ids]
    route = _catchments(_route_side(base, route_id, walk_m), _route_side(scen, route_id, walk_m))
    summary = _summary(a, b)
    changed_makers = [m["id"] for m in makers if m["changed"]]
    names = {e.id: e.name_zh for e in base.entities} | {e.id: e.name_zh for e in scen.entities}
    return {
        "scenario": {**view.describe(), "note": view.scenario.note, "edits": view.scenario.edits,
                     "names": {i: names[i] for i in view.added + view.removed + view.moved if i in names}},
        "radius_km": b["radius_km"],
        "makers": makers,
        "summary": summary,
        "route": route,
        "changed_makers": changed_makers,
        "changed": bool(changed_makers) or any(v["changed"] for k, v in summary.items() if k != "per_category")
        or any(v["changed"] for v in summary["per_category"].values()) or bool(route.get("changed")),
        "label": _("What-if scenario: hypothetical entities and edits, not registry data"),
        "registry_note": b["summary"]["registry_note"],
        "method": b["method"],
    }
