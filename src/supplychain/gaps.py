"""补链 chain-gap targeting: which component category to attract, and where one new supplier of it would serve
the most makers that now lack it within the radius.

For every component category some maker's BOM needs, the 10 km sourcing check (:func:`sourcing.sourcing_check`)
says per maker whether it is ``covered`` (some supplier surely within), ``undetermined`` or ``missing`` (every
supplier surely beyond). The makers not surely covered are the *open* demand of that category. A new supplier
placed at a candidate site (the default grid over 吴中, on roads where the network reaches, estimated elsewhere:
:func:`siteopt.grid_candidates`; or the user's candidates) would

- **surely cover** the open makers ``within`` the radius of the site (upper bound <= R): ``sure``;
- **maybe cover** the open makers whose verdict to the site is ``undetermined``: ``maybe`` (not counted).

The coverage of every site to every maker comes from one :func:`sitemeasure.within_radius` pass (the distance
layer). Per category the sites are ranked by ``sure``, then ``maybe``; sites that would serve exactly the same
makers are one answer (the first in grid order stands for them, ``equivalent_sites`` counts them), so the top-k
are k different choices. Each top site is named by the nearest named place (gazetteer and imported places).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import measure, places, taxonomy
from .errors import parse_int
from .messages import N_, _, en, zh
from .reach import check_radius
from .sitemeasure import Site, Targets, parse_sites, site_positions, within_radius
from .siteopt import MAX_OPTIMIZE_CANDIDATES, grid_candidates
from .sourcing import sourcing_check
from .synthetic import is_synthetic
from .workspace import Workspace

MAX_TOP = 10
#: Within this straight-line distance of a named place a site is "near" it; farther, the label gives the
#: distance and direction.
NEAR_M = 1500.0
#: Place kinds that name a site; district label points only when nothing else is known. Not ``poi``: OSM
#: ways such as metro lines are stored at their bounding-box centre, which names no place.
_NAMING_KINDS = ("town", "subdistrict", "station", "road", "community", "place", "bus_stop")
_DIRECTIONS = (N_("north"), N_("north-east"), N_("east"), N_("south-east"), N_("south"), N_("south-west"),
               N_("west"), N_("north-west"))


def short_label(category: str) -> tuple[str, str]:
    """A category's short names for a sentence: (减速器, reducer)."""
    lab = taxonomy.CATEGORIES[category]
    short = lab.en.split(" (")[0]
    return lab.zh.split("（")[0], short[0].lower() + short[1:]


# ----------------------------------------------------------------------------------------------------
# Naming sites

@dataclass
class PlaceNamer:
    """Names points by the nearest named place of the data dir (gazetteer and imported place files)."""

    names: list[places.Place]

    @classmethod
    def of(cls, ws: Workspace) -> "PlaceNamer":
        places.ensure_gazetteer(ws.store)
        every = places.load(ws.store)
        named = [p for p in every if p.kind in _NAMING_KINDS] or [p for p in every if p.kind == "district"]
        return cls(named)

    def near(self, lon: np.ndarray, lat: np.ndarray) -> list[dict | None]:
        if not self.names or not len(lon):
            return [None] * len(lon)
        idx, dist, bearing = measure.nearest_point(lon, lat, [p.lon for p in self.names],
                                                   [p.lat for p in self.names])
        out = []
        for j, d, b in zip(idx.tolist(), dist.tolist(), bearing.tolist()):
            p = self.names[j]
            zh_text, en_text = _near_pair(p.name, d, b)
            out.append({"name": p.name, "kind": p.kind, "straight_m": round(d, 1), "bearing_deg": round(b, 1),
                        "source": p.cite(), "zh": zh_text, "en": en_text, "text": f"{zh_text} {en_text}"})
        return out


def _near_pair(name: str, d: float, bearing: float) -> tuple[str, str]:
    """Where a point lies, (中文, English): "near 木渎镇", or "2.3 km south-west of 木渎镇"."""
    if d <= NEAR_M:
        msg = N_("near {place}")
        return zh(msg, place=name), en(msg, place=name)
    direction = _DIRECTIONS[int(((bearing + 22.5) % 360) // 45)]
    km = f"{d / 1000:.0f}" if d >= 10_000 else f"{d / 1000:.1f}"
    msg = N_("{km} km {direction} of {place}")
    return zh(msg, km=km, direction=zh(direction), place=name), en(msg, km=km, direction=direction, place=name)


# ----------------------------------------------------------------------------------------------------
# The analysis

def parse_top(top, field_name: str = "top") -> int:
    return 3 if top in (None, "") else parse_int(top, field_name, 1, MAX_TOP)


def _open_demand(rows: list[dict], category: str) -> tuple[list[int], list[int]]:
    """Indexes of the makers lacking ``category`` (beyond) and of those undetermined for it."""
    lacking = [i for i, r in enumerate(rows) if category in r["missing"]]
    undetermined = [i for i, r in enumerate(rows) if any(u["category"] == category for u in r["undetermined"])]
    return lacking, undetermined


def _ranked_choices(sure: "np.ndarray", maybe: "np.ndarray", within_sets: list[frozenset],
                    maybe_sets: list[frozenset], top: int) -> list[tuple[int, int]]:
    """The top distinct choices: (site index, sites serving the same makers), best first."""
    order = np.lexsort((np.arange(len(sure)), -maybe, -sure))
    seen: dict[tuple, int] = {}
    picked: list[int] = []
    for i in order.tolist():
        if sure[i] == 0 and maybe[i] == 0:
            break
        key = (within_sets[i], maybe_sets[i] if sure[i] == 0 else frozenset())
        if key in seen:
            seen[key] += 1
            continue
        seen[key] = 1
        picked.append(i)
    return [(i, seen[(within_sets[i], maybe_sets[i] if sure[i] == 0 else frozenset())]) for i in picked[:top]]


def _maker_ref(r: dict, was: str, pair: dict) -> dict:
    return {"id": r["id"], "name_zh": r["name_zh"], "name_en": r["name_en"], "precision": r["precision"],
            "was": was, **pair}


def chain_gaps(ws: Workspace, radius_km=10, top=3, candidates=None, grid_m=1000) -> dict:
    """Per component category: the makers lacking it within the radius, and the best sites for one new supplier.

    Parameters
    ----------
    radius_km
        Sourcing radius by road (default 10 km).
    top
        Distinct sites listed per category (1 to :data:`MAX_TOP`).
    candidates
        ``[{name, lon, lat}]``; ``None`` for the default grid over the district every ``grid_m`` metres.

    Returns
    -------
    dict
        ``categories`` (per category: ``lacking`` and ``undetermined`` makers, ``open`` = their number,
        ``best`` = the surely covered count at the best site and ``best_maybe``, ``sites`` = the top sites,
        each with ``sure``/``maybe`` counts, the makers it would serve with their pair ranges, ``near``, its
        distance method and ``equivalent_sites``); ``ranking`` (one line per category with a site that surely
        covers someone, most makers first: the 补链 headline); ``notes``; ``method``.
    """
    radius_m = check_radius(radius_km) * 1000.0
    k = parse_top(top)
    if candidates is None:
        sites, notes = grid_candidates(ws, grid_m)
        source = "grid"
    else:
        sites, notes, source = parse_sites(ws, candidates, max_n=MAX_OPTIMIZE_CANDIDATES), [], "user"
    check = sourcing_check(ws, radius_m / 1000.0)
    rows = check["makers"]
    makers = [ws.by_id[r["id"]] for r in rows]
    targets = Targets.of_entities(ws, makers)
    cov = within_radius(ws, sites, targets, radius_m)
    within = cov.within.tocsr()
    und = cov.undetermined.tocsr()
    namer = PlaceNamer.of(ws)

    needed = [c for c in taxonomy.COMPONENT_CATEGORIES if any(c in r["bom"] for r in rows)]
    categories = []
    for c in needed:
        categories.append(_category(ws, c, rows, targets, sites, within, und, radius_m, k, namer))
    ranking = sorted((_headline(c) for c in categories if c["best"] > 0),
                     key=lambda h: (-h["sure"], -h["maybe"], h["category"]))
    if not ranking and any(c["open"] for c in categories):
        notes.append(_("No candidate site surely covers any maker that lacks a category: the makers' positions "
                       "are too coarse (a district or town reference point) for any site to be surely within "
                       "the radius.") + " " + measure.SETTLE_HINT)
    n_syn = sum(1 for m in makers if is_synthetic(m))
    if n_syn:
        notes.append(_("{n} of {total} makers are synthetic (generated by code).", n=n_syn, total=len(makers)))
    return {
        "radius_km": radius_m / 1000.0, "top": k, "candidate_source": source,
        "grid_m": float(grid_m) if source == "grid" else None, "n_candidates": len(sites),
        "candidates_on_network": int(sum(s.on_network for s in sites)),
        "makers": len(rows), "unlocated_makers": check["unlocated_makers"],
        "categories": categories, "ranking": ranking, "notes": notes,
        "method": {
            "open_demand": "makers whose BOM category is missing (every supplier beyond) or undetermined",
            "sure": "open makers within the radius of the site (upper bound <= R): counted",
            "maybe": "open makers whose verdict to the site is undetermined: listed apart, not counted",
            "distinct": "sites serving exactly the same makers are one choice (equivalent_sites counts them)",
            "near": "the nearest named place by straight line (gazetteer and imported places), a label only",
        },
        "estimator": ws.estimator.describe(),
    }


def _category(ws, c: str, rows, targets: Targets, sites: list[Site], within, und, radius_m: float, k: int,
              namer: PlaceNamer) -> dict:
    lacking, undetermined = _open_demand(rows, c)
    open_idx = np.array(lacking + undetermined, np.int64)
    was = {i: "lacking" for i in lacking} | {i: "undetermined" for i in undetermined}
    needed_by = sum(1 for r in rows if c in r["bom"])
    out = {"category": c, "label": taxonomy.CATEGORIES[c].zh + " " + taxonomy.CATEGORIES[c].en,
           "needed_by": needed_by, "covered": needed_by - len(open_idx),
           "lacking": [_maker_ref(rows[i], "lacking", {}) for i in lacking],
           "undetermined": [_maker_ref(rows[i], "undetermined", {}) for i in undetermined],
           "open": int(len(open_idx)), "best": 0, "best_maybe": 0, "sites": []}
    if not len(open_idx) or not len(sites):
        return out
    w_sub = within[:, open_idx].tocsr()
    u_sub = und[:, open_idx].tocsr()
    sure = np.diff(w_sub.indptr)
    maybe = np.diff(u_sub.indptr)
    w_sets = [frozenset(w_sub.indices[w_sub.indptr[i]:w_sub.indptr[i + 1]].tolist()) for i in range(len(sites))]
    u_sets = [frozenset(u_sub.indices[u_sub.indptr[i]:u_sub.indptr[i + 1]].tolist()) for i in range(len(sites))]
    choices = _ranked_choices(sure, maybe, w_sets, u_sets, k)
    if not choices:
        return out
    chosen = [sites[i] for i, _n in choices]
    pairs = measure.matrix(ws, site_positions(chosen), targets.pos.take(open_idx), radius_m)
    near = namer.near(np.array([s.lon for s in chosen]), np.array([s.lat for s in chosen]))
    n_open = len(open_idx)
    for rank, ((i, equivalent), s, where) in enumerate(zip(choices, chosen, near), start=1):
        serve = [_maker_ref(rows[open_idx[j]], was[int(open_idx[j])], pairs.record((rank - 1) * n_open + j))
                 for j in sorted(w_sets[i])]
        might = [_maker_ref(rows[open_idx[j]], was[int(open_idx[j])], pairs.record((rank - 1) * n_open + j))
                 for j in sorted(u_sets[i])]
        for m in serve:  # the pass over the chosen sites must agree with the coverage it was ranked by
            m["verdict"] = measure.WITHIN
        out["sites"].append({**s.to_dict(), "rank": rank, "index": i, "sure": int(sure[i]), "maybe": int(maybe[i]),
                             "sure_lacking": sum(1 for m in serve if m["was"] == "lacking"),
                             "sure_undetermined": sum(1 for m in serve if m["was"] == "undetermined"),
                             "serves": serve, "might_serve": might, "near": where,
                             "equivalent_sites": equivalent})
    out["best"], out["best_maybe"] = out["sites"][0]["sure"], out["sites"][0]["maybe"]
    return out


def _headline(cat: dict) -> dict:
    best = cat["sites"][0]
    zh_c, en_c = short_label(cat["category"])
    place = best["near"]
    where_zh, where_en = (place["zh"], place["en"]) if place else (f"{best['lon']:.4f}, {best['lat']:.4f}",) * 2
    msg = (N_("Attract a {category} maker {where}: +{n} makers surely covered, {m} more possibly (undetermined)")
           if best["maybe"] else N_("Attract a {category} maker {where}: +{n} makers surely covered"))
    args = {"n": best["sure"], "m": best["maybe"]}
    text = f"{zh(msg, category=zh_c, where=where_zh, **args)} {en(msg, category=en_c, where=where_en, **args)}"
    return {"category": cat["category"], "label": cat["label"], "sure": best["sure"], "maybe": best["maybe"],
            "open": cat["open"], "site": {k: best[k] for k in ("name", "lon", "lat", "distance_method")},
            "near": place, "text": text}



GAPS_COLUMNS = ["category", "category_zh", "open", "lacking", "undetermined", "rank", "site", "lon", "lat",
                "distance_method", "sure", "sure_lacking", "sure_undetermined", "maybe", "equivalent_sites",
                "near", "serves", "might_serve"]


def gaps_table(result: dict) -> tuple[list[str], list[list]]:
    """One row per (category, top site), and one per category without a site: for CSV, the CLI and reports."""
    rows = []
    for c in result["categories"]:
        zh_c, _en = short_label(c["category"])
        head = [c["category"], zh_c, c["open"], len(c["lacking"]), len(c["undetermined"])]
        if not c["sites"]:
            rows.append(head + [None] * (len(GAPS_COLUMNS) - len(head)))
            continue
        for s in c["sites"]:
            rows.append(head + [s["rank"], s["name"], s["lon"], s["lat"], s["distance_method"], s["sure"],
                                s["sure_lacking"], s["sure_undetermined"], s["maybe"], s["equivalent_sites"],
                                s["near"]["text"] if s["near"] else None,
                                ";".join(m["id"] for m in s["serves"]), ";".join(m["id"] for m in s["might_serve"])])
    return GAPS_COLUMNS, rows
