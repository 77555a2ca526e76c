"""The 10 km sourcing check (10公里配套半径): for every whole-robot maker, which needed categories have a
supplier within the radius by road, and the district summary.

One batched computation: per category, one multi-source Dijkstra from all its suppliers on the reverse
graph gives every maker's distance to its nearest supplier; off-network pairs use the estimated method.
"""

from __future__ import annotations

import numpy as np

from . import engine, studyarea, taxonomy
from .reach import check_radius
from .registry import PRECISION_RADIUS_M, Entity
from .workspace import ESTIMATED, NETWORK, Workspace


def _bom_source(e: Entity) -> str:
    if e.needs:
        return "needs"
    return "robot_types" if e.robot_types else "generic"


def _nearest_by_network(ws: Workspace, suppliers: list[Entity], makers: list[Entity], radius_m: float):
    """For each maker: (road_m, supplier) to the nearest on-network supplier within the radius, else (inf, None)."""
    out = [(np.inf, None)] * len(makers)
    if ws.network is None:
        return out
    on_sup = [s for s in suppliers if ws.snapping[s.id][2]]
    if not on_sup:
        return out
    by_node: dict[int, Entity] = {}
    for s in on_sup:
        by_node.setdefault(ws.snapping[s.id][0], s)
    dist, src = engine.nearest_source(ws.network.graph, np.fromiter(by_node, dtype=np.int64), limit=radius_m,
                                      reverse=True)
    for i, m in enumerate(makers):
        node, _, on = ws.snapping[m.id]
        if on and np.isfinite(dist[node]):
            out[i] = (float(dist[node]), by_node[int(src[node])])
    return out


def _nearest_estimated(ws: Workspace, suppliers: list[Entity], makers: list[Entity]):
    """For each maker: (estimated road_m, supplier) to the nearest supplier where either end is off-network."""
    out = [(np.inf, None)] * len(makers)
    if not suppliers or not makers:
        return out
    mx, my = studyarea.to_metric(np.array([m.lon for m in makers]), np.array([m.lat for m in makers]))
    sx, sy = studyarea.to_metric(np.array([s.lon for s in suppliers]), np.array([s.lat for s in suppliers]))
    m_on = np.array([ws.snapping[m.id][2] for m in makers])
    s_on = np.array([ws.snapping[s.id][2] for s in suppliers])
    for a in range(0, len(makers), 512):  # blocks of makers x all suppliers bound the memory
        b = min(a + 512, len(makers))
        d = np.hypot(mx[a:b, None] - sx[None, :], my[a:b, None] - sy[None, :]) * ws.estimator.factor
        d[m_on[a:b, None] & s_on[None, :]] = np.inf  # pairs the network measures
        best = d.argmin(axis=1)
        for i, j in enumerate(best.tolist()):
            if np.isfinite(d[i, j]):
                out[a + i] = (float(d[i, j]), suppliers[j])
    return out


def sourcing_check(ws: Workspace, radius_km=10) -> dict:
    """Check the sourcing radius claim for every whole-robot maker.

    Returns
    -------
    dict
        ``radius_km``; ``makers`` (per located maker: its BOM, covered categories with the nearest supplier,
        road distance and method, missing categories, local sourcing rate); ``unlocated_makers``; ``summary``
        (share of makers whose whole BOM is covered; per category how many makers need it and lack it).
    """
    radius_m = check_radius(radius_km) * 1000.0
    makers = [e for e in ws.entities if e.is_maker]
    located = [m for m in makers if m.located]
    boms = {m.id: m.bom for m in located}
    needed = [c for c in taxonomy.COMPONENT_CATEGORIES if any(c in b for b in boms.values())]

    # nearest[c][i] = (road_m, supplier, method) for maker i
    nearest: dict[str, list[tuple[float, Entity | None, str]]] = {}
    for c in needed:
        sup = [e for e in ws.located if c in e.categories]
        net = _nearest_by_network(ws, sup, located, radius_m)
        est = _nearest_estimated(ws, sup, located)
        nearest[c] = [(n[0], n[1], NETWORK) if n[0] <= e[0] else (e[0], e[1], ESTIMATED) for n, e in zip(net, est)]

    rows = []
    for i, m in enumerate(located):
        covered, missing = [], []
        for c in boms[m.id]:
            if c in m.categories:  # made in house
                covered.append({"category": c, "supplier_id": m.id, "supplier_name_zh": m.name_zh, "road_m": 0.0,
                                "distance_method": NETWORK if ws.snapping[m.id][2] else ESTIMATED,
                                "in_house": True})
                continue
            d, s, method = nearest[c][i]
            if s is not None and d <= radius_m:
                # Two town/district-level points can sit on the same reference point: say how uncertain it is.
                unc = PRECISION_RADIUS_M.get(m.precision, 0.0) + PRECISION_RADIUS_M.get(s.precision, 0.0)
                covered.append({"category": c, "supplier_id": s.id, "supplier_name_zh": s.name_zh,
                                "road_m": round(d, 1), "distance_method": method, "in_house": False,
                                "supplier_precision": s.precision, "uncertainty_m": unc})
            else:
                missing.append(c)
        bom = boms[m.id]
        rows.append({
            "id": m.id, "name_zh": m.name_zh, "name_en": m.name_en, "lon": m.lon, "lat": m.lat,
            "precision": m.precision, "robot_types": list(m.robot_types), "bom": list(bom),
            "bom_source": _bom_source(m), "covered": covered, "missing": missing,
            "rate": round(len(covered) / len(bom), 4) if bom else None,
            "distance_method": NETWORK if ws.snapping[m.id][2] else ESTIMATED,
        })

    per_category = {c: {"needed_by": sum(1 for b in boms.values() if c in b),
                        "lacking": sum(1 for r in rows if c in r["missing"])} for c in needed}
    fully = sum(1 for r in rows if not r["missing"])
    coarse = sum(1 for m in located if m.precision in ("town", "district"))
    return {
        "radius_km": radius_m / 1000.0,
        "makers": rows,
        "unlocated_makers": [{"id": m.id, "name_zh": m.name_zh, "name_en": m.name_en} for m in makers if not m.located],
        "summary": {
            "makers": len(rows),
            "fully_covered": fully,
            "share_fully_covered": round(fully / len(rows), 4) if rows else None,
            "mean_rate": round(float(np.mean([r["rate"] for r in rows if r["rate"] is not None])), 4) if rows else None,
            "per_category": per_category,
            "lacked_by_all": [c for c, v in per_category.items() if v["needed_by"] and v["lacking"] == v["needed_by"]],
            "makers_at_coarse_precision": coarse,
            "registry_note": ("覆盖情况只反映登记库中的企业：缺少某类别表示库中没有，不代表当地没有。 Coverage reflects "
                              "the registry only: a missing category means none is registered, not that none exists."),
            "caveat": ("位置精度仅到镇/区的企业，其距离只是粗略估计。 Firms located only to town/district precision "
                       "have rough distances: see each pair's uncertainty_m.") if coarse else None,
        },
        "estimator": ws.estimator.describe(),
    }
