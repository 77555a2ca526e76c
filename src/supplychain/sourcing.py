"""The 10 km sourcing check (10公里配套半径): for every whole-robot maker, which needed categories have a
supplier within the radius by road, and the district summary.

Each BOM category of a maker lands in exactly one of ``covered`` (some supplier ``within``: its upper bound
<= R), ``undetermined`` (no supplier surely within, but one may be) or ``missing`` (every supplier ``beyond``:
lower bound > R), from :func:`measure.nearest_cover_many` (one multi-source road search per category and region
extent, straight-line bounds in blocks). A maker's rate is a range: ``rate_certain`` (covered) to
``rate_possible`` (covered + undetermined).
"""

from __future__ import annotations

import numpy as np

from . import measure, taxonomy
from .messages import _
from .reach import check_radius
from .registry import Entity
from .workspace import ESTIMATED, NETWORK, Workspace

#: Candidate suppliers listed per undetermined category (nearest by best estimate first).
MAX_CANDIDATES = 3


def _bom_source(e: Entity) -> str:
    if e.needs:
        return "needs"
    return "robot_types" if e.robot_types else "generic"


def _share(n: int, d: int) -> float | None:
    return round(n / d, 4) if d else None


class _Candidates:
    """The suppliers of every needed category as one set of positions (``columns[c]`` indexes each category's),
    and the suppliers that may be within the radius of a maker whose category is undetermined: one road search
    per such maker (against every supplier at once), sliced per category."""

    def __init__(self, ws: Workspace, mpos, needed: list[str], radius_m: float):
        self.ws, self.mpos, self.radius_m = ws, mpos, radius_m
        union = [e for e in ws.located if any(c in e.categories for c in needed)]
        self.entities = union
        self.pos = ws.positions(union, key=("sourcing-suppliers", tuple(needed)))
        self.columns = {c: np.array([j for j, e in enumerate(union) if c in e.categories], np.int64)
                        for c in needed}
        self._pairs: dict[int, tuple[int, measure.Pairs]] = {}

    def measure_makers(self, rows: list[int]) -> None:
        """Every supplier from each of these makers, in one pass (:func:`measure.matrix`); roads only up to the
        radius: a candidate farther by road keeps an open upper bound (its verdict is already undetermined)."""
        if not rows:
            return
        pairs = measure.matrix(self.ws, self.mpos.take(rows), self.pos, self.radius_m, limit_m=self.radius_m)
        t = len(self.pos)
        self._pairs = {i: (k * t, pairs) for k, i in enumerate(rows)}

    def entry(self, i: int, c: str) -> dict:
        start, pairs = self._pairs[i]
        cols = self.columns[c]
        at = start + cols
        maybe = at[pairs.verdict[at] == 0]
        key = np.where(np.isnan(pairs.best[maybe]), pairs.lo[maybe], pairs.best[maybe])
        maybe = maybe[np.argsort(key, kind="stable")]
        cands = [{"supplier_id": self.entities[k - start].id, "supplier_name_zh": self.entities[k - start].name_zh,
                  "supplier_precision": self.entities[k - start].precision, **pairs.record(k)}
                 for k in maybe[:MAX_CANDIDATES].tolist()]
        return {"category": c, "verdict": measure.UNDETERMINED, "candidates": cands,
                "candidates_total": int(len(maybe))}


def sourcing_check(ws: Workspace, radius_km=10) -> dict:
    """Check the sourcing radius claim for every whole-robot maker.

    Returns
    -------
    dict
        ``radius_km``; ``makers`` (per located maker: its BOM; ``covered`` categories with the supplier that is
        surely within, its ``road_m``, ``road_m_range`` and method; ``undetermined`` categories with the candidate
        suppliers and their ranges; ``missing`` categories; ``rate_certain`` and ``rate_possible``);
        ``unlocated_makers``; ``summary`` (makers surely / possibly fully covered; per category how many makers
        need it, have it covered, undetermined and lacking; ``lacked_by_all`` only where every maker is beyond).
    """
    radius_m = check_radius(radius_km) * 1000.0
    makers = [e for e in ws.entities if e.is_maker]
    located = [m for m in makers if m.located]
    mpos = ws.positions(located, key="makers")
    boms = {m.id: m.bom for m in located}
    needed = [c for c in taxonomy.COMPONENT_CATEGORIES if any(c in b for b in boms.values())]

    candidates = _Candidates(ws, mpos, needed, radius_m)
    union = candidates.entities
    cover: dict[str, tuple] = {}
    for c, nc in measure.nearest_cover_many(ws, mpos, candidates.pos, candidates.columns, radius_m).items():
        # Plain Python values in bulk: per-item numpy indexing and rounding cost more than the road searches.
        best, lo, hi = measure.rounded_rows(nc.best, nc.lo, nc.hi)
        cover[c] = (nc.verdict.tolist(), nc.target.tolist(), best, lo, hi, nc.network.tolist())
    candidates.measure_makers([i for i, m in enumerate(located)
                               if any(cover[c][0][i] == 0 for c in boms[m.id] if c not in m.categories)])
    counts = {c: {"needed_by": 0, "covered": 0, "undetermined": 0, "lacking": 0} for c in needed}
    on = mpos.on.tolist()

    rows = []
    settle: set[str] = set()
    for i, m in enumerate(located):
        covered, undetermined, missing = [], [], []
        method = NETWORK if on[i] else ESTIMATED
        for c in boms[m.id]:
            counts[c]["needed_by"] += 1
            if c in m.categories:  # made in house
                counts[c]["covered"] += 1
                covered.append({"category": c, "supplier_id": m.id, "supplier_name_zh": m.name_zh, "road_m": 0.0,
                                "road_m_range": [0.0, 0.0], "verdict": measure.WITHIN,
                                "distance_method": method, "in_house": True})
                continue
            verdict, target, best, lo, hi, net = cover[c]
            code = verdict[i]
            if code == 1:
                counts[c]["covered"] += 1
                s = union[target[i]]
                covered.append({"category": c, "supplier_id": s.id, "supplier_name_zh": s.name_zh,
                                "road_m": best[i], "road_m_range": [lo[i], hi[i]], "verdict": measure.WITHIN,
                                "distance_method": NETWORK if net[i] else ESTIMATED, "in_house": False,
                                "supplier_precision": s.precision})
            elif code == 0:
                counts[c]["undetermined"] += 1
                entry = candidates.entry(i, c)
                undetermined.append(entry)
                if m.precision != "exact":
                    settle.add(m.id)
                settle.update(k["supplier_id"] for k in entry["candidates"] if k["supplier_precision"] != "exact")
            else:
                counts[c]["lacking"] += 1
                missing.append(c)
        bom = boms[m.id]
        rows.append({
            "id": m.id, "name_zh": m.name_zh, "name_en": m.name_en, "lon": m.lon, "lat": m.lat,
            "precision": m.precision, "region": mpos.regions[i].describe(), "robot_types": list(m.robot_types),
            "bom": list(bom), "bom_source": _bom_source(m),
            "covered": covered, "undetermined": undetermined, "missing": missing,
            "rate_certain": _share(len(covered), len(bom)),
            "rate_possible": _share(len(covered) + len(undetermined), len(bom)),
            "distance_method": method,
        })

    per_category = counts
    surely = sum(1 for r in rows if not r["missing"] and not r["undetermined"])
    possibly = sum(1 for r in rows if not r["missing"])
    rated = [r for r in rows if r["rate_certain"] is not None]
    n_und = sum(len(r["undetermined"]) for r in rows)
    return {
        "radius_km": radius_m / 1000.0,
        "makers": rows,
        "unlocated_makers": [{"id": m.id, "name_zh": m.name_zh, "name_en": m.name_en} for m in makers if not m.located],
        "summary": {
            "makers": len(rows),
            "fully_covered_certain": surely,
            "fully_covered_possible": possibly,
            "share_fully_covered_range": [_share(surely, len(rows)), _share(possibly, len(rows))],
            "mean_rate_range": ([round(float(np.mean([r["rate_certain"] for r in rated])), 4),
                                 round(float(np.mean([r["rate_possible"] for r in rated])), 4)] if rated else None),
            "per_category": per_category,
            "lacked_by_all": [c for c, v in per_category.items() if v["needed_by"] and v["lacking"] == v["needed_by"]],
            "undetermined_items": n_und,
            "settle_by_locating": sorted(settle),
            "registry_note": _("Coverage reflects the registry only: a missing category means none is registered, "
                               "not that none exists."),
            "caveat": (_("{n} (maker, category) items are undetermined: the positions are too imprecise to tell "
                         "whether a supplier is within the radius.", n=n_und) + " " + measure.SETTLE_HINT)
                      if n_und else None,
        },
        "method": {
            "verdict": "within: upper bound <= R; beyond: lower bound > R; otherwise undetermined",
            "bounds": "lower: straight-line gap between the uncertainty regions; upper: road distance + regions' "
                      "extents x p90 circuity (network) or farthest straight line x p90 circuity (estimated)",
        },
        "estimator": ws.estimator.describe(),
    }
