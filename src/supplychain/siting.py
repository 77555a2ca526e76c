"""Site evaluation: score candidate sites for a new robot maker, supplier or innovation platform.

For each candidate point, by road from the loaded network (or ``estimated``: straight line x the calibrated
circuity factor, labelled per value):

============================  ============  =============================================================
criterion                     better when   raw values
============================  ============  =============================================================
``supplier_distance``         less          per BOM category, road metres to the nearest supplier
``supplier_count``            more          per BOM category, suppliers within the radius
``makers_served``             more          existing makers (``whole_robot``) within the radius
``kechuang_stop``             less          road metres to the nearest located 科创专线 stop
``institute``                 less          road metres to the nearest research institute
``talent_apartment``          less          road metres to the nearest talent apartment (人才公寓)
============================  ============  =============================================================

Normalisation to a 0–1 score is either ``fixed`` (default; a candidate's score does not depend on the other
candidates) or ``minmax`` (across the candidates): see :data:`NORMALISATIONS`. Per-category criteria score
the mean over the BOM's categories. A criterion with nothing to measure (no located stop, no talent
apartment in the registry…) is *unavailable*: it is dropped and the remaining weights are rescaled to 100 %,
with a note. The total is ``sum(effective_weight_% x score)``, 0–100; :func:`explain` says in words why the
winner beats the runner-up.

All candidates are measured in one batched pass (:mod:`supplychain.sitemeasure`): one bounded search per
distinct candidate node (or per distinct target node over the reversed graph, whichever side is smaller)
serves the counts of every target set at once, and one multi-source search per target set on the reversed
graph gives the nearest distances. Distances run from the candidate to the target; a network distance is
between the snapped nodes (snap distances reported). Pairs with an end off the network are estimated.

The site planner's other modules: :mod:`supplychain.siteopt` chooses the best k sites (maximal covering),
:mod:`supplychain.siteio` reads candidate and weight files and writes CSV/XLSX tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import measure, route, taxonomy
from .errors import InputError, parse_float
from .messages import N_, _
from .reach import check_radius
from .sitemeasure import Targets, nearest, parse_sites, within_radius_many
from .workspace import ESTIMATED, NETWORK, Workspace

LESS, MORE = "less", "more"


@dataclass(frozen=True)
class Criterion:
    key: str
    zh: str
    en: str
    direction: str  # LESS or MORE is better
    short_zh: str
    short_en: str
    per_category: bool = False

    def describe(self) -> dict:
        """What the API says about a criterion in every answer (key, names, direction, per-category)."""
        return {"key": self.key, "zh": self.zh, "en": self.en, "short_zh": self.short_zh, "short_en": self.short_en,
                "direction": self.direction, "per_category": self.per_category}


CRITERIA: dict[str, Criterion] = {c.key: c for c in (
    Criterion("supplier_distance", "到各类供应商的道路距离", "Road distance to the nearest supplier of each BOM category",
              LESS, "供应商距离", "supplier distance", True),
    Criterion("supplier_count", "半径内各类供应商数量", "Suppliers of each BOM category within the radius", MORE,
              "半径内供应商数量", "suppliers within the radius", True),
    Criterion("makers_served", "半径内可服务的整机企业", "Existing robot makers within the radius (served as a supplier)",
              MORE, "可服务的整机企业", "makers served"),
    Criterion("kechuang_stop", "到科创专线站点的距离", "Road distance to the nearest 科创专线 stop", LESS,
              "科创专线站点距离", "distance to a 科创专线 stop"),
    Criterion("institute", "到研究机构的距离", "Road distance to the nearest research institute", LESS,
              "研究机构距离", "distance to a research institute"),
    Criterion("talent_apartment", "到人才公寓的距离", "Road distance to the nearest talent apartment (人才公寓)", LESS,
              "人才公寓距离", "distance to a talent apartment"),
)}

#: Default weights in percent (sum 100): the supply chain first, then the ecosystem around it.
DEFAULT_WEIGHTS: dict[str, float] = {
    "supplier_distance": 30.0, "supplier_count": 20.0, "makers_served": 20.0,
    "kechuang_stop": 10.0, "institute": 10.0, "talent_apartment": 10.0,
}

#: ``fixed`` count scale: this many suppliers of a category within the radius give full marks (a choice).
SUPPLIER_COUNT_SATURATION = 3

NORMALISATIONS = ("fixed", "minmax")
DEFAULT_BOM_TYPE = "humanoid"
ROUTE_ID = "kechuang"

MAX_EVALUATE_CANDIDATES = 5_000
WEIGHT_TOLERANCE = 0.01  # percentage points

#: Why a criterion can have nothing to measure (it is then unavailable and its weight spread over the others).
UNAVAILABLE_REASONS = {
    "makers_served": N_("no located robot maker (whole_robot) in the registry"),
    "kechuang_stop": N_("no located 科创专线 stop"),
    "institute": N_("no located research institute in the registry"),
    "talent_apartment": N_("no talent apartment in the registry"),
}

#: Criteria measured as the distance to the nearest place of one kind (the target set of the same key).
NEAREST_PLACE_CRITERIA = ("kechuang_stop", "institute", "talent_apartment")


# ----------------------------------------------------------------------------------------------------
# Inputs

def parse_bom(bom, field_name: str = "bom") -> tuple[str | None, tuple[str, ...]]:
    """A robot type (``humanoid``…) or a list of component categories -> (robot type or None, categories)."""
    if bom is None or (isinstance(bom, str) and not bom.strip()):
        return DEFAULT_BOM_TYPE, taxonomy.DEFAULT_BOM[DEFAULT_BOM_TYPE]
    if isinstance(bom, str):
        robot = taxonomy.resolve(bom, taxonomy.ROBOT_TYPES)
        if robot is not None:
            return robot, taxonomy.DEFAULT_BOM[robot]
        parts = [p.strip() for p in bom.replace(";", ",").replace("、", ",").split(",") if p.strip()]
        parts = [taxonomy.resolve(p, taxonomy.CATEGORIES) or p for p in parts]
        if len(parts) == 1 and parts[0] not in taxonomy.COMPONENT_CATEGORIES:
            raise InputError(field_name, _("unknown BOM {bom}: give a robot type ({items}) or component categories ({items2})",
                                           bom=repr(bom), items=', '.join(taxonomy.ROBOT_TYPES), items2=', '.join(taxonomy.COMPONENT_CATEGORIES)))
    elif isinstance(bom, (list, tuple)):
        parts = [taxonomy.resolve(str(p), taxonomy.CATEGORIES) or str(p).strip() for p in bom]
    else:
        raise InputError(field_name, _("bom must be a robot type or a list of component categories"))
    bad = [p for p in parts if p not in taxonomy.COMPONENT_CATEGORIES]
    if bad:
        raise InputError(field_name, _("unknown component category {items}; expected: {choices}",
                                       items=", ".join(map(repr, bad)), choices=", ".join(taxonomy.COMPONENT_CATEGORIES)))
    if not parts:
        raise InputError(field_name, _("the BOM names no category"), "empty")
    return None, tuple(c for c in taxonomy.COMPONENT_CATEGORIES if c in parts)


def parse_weights(weights, field_name: str = "weights") -> dict[str, float]:
    """Criterion weights in percent; missing criteria weigh 0; the given ones must sum to 100."""
    if weights is None or (isinstance(weights, dict) and not weights):
        return dict(DEFAULT_WEIGHTS)
    if not isinstance(weights, dict):
        raise InputError(field_name, _("weights must be an object mapping criterion to percent"))
    unknown = [k for k in weights if k not in CRITERIA]
    if unknown:
        raise InputError(field_name, _("unknown criterion {items}; expected: {choices}",
                                       items=", ".join(map(repr, unknown)), choices=", ".join(CRITERIA)))
    out = {k: 0.0 for k in CRITERIA}
    for k, v in weights.items():
        out[k] = parse_float(v, f"{field_name}.{k}", 0, 100)
    total = sum(out.values())
    if abs(total - 100.0) > WEIGHT_TOLERANCE:
        raise InputError(field_name, _("weights must sum to 100 (%), got {total}",
                                       total=format(total, 'g')), "bad_sum")
    return out



def parse_normalisation(value, field_name: str = "normalization") -> str:
    v = (value or "fixed").strip() if isinstance(value, str) or value is None else value
    if v not in NORMALISATIONS:
        raise InputError(field_name, _("unknown normalization {value}; expected one of: {items}",
                                       value=repr(value), items=', '.join(NORMALISATIONS)))
    return v



# ----------------------------------------------------------------------------------------------------
# Targets: what the criteria measure distances to

def route_stops(ws: Workspace, route_id: str = ROUTE_ID) -> tuple[Targets, str | None]:
    """Located stops of a bus route (with their regions), and a note when the route is missing or has
    unlocated stops."""
    try:
        stops = list(enumerate(route.get_route(ws, route_id).stops, 1))
    except InputError:  # no such route in this data dir
        stops = []
    located = [(i, s) for i, s in stops if s.located]
    places = [route.stop_place(ws, s) for _, s in located]
    t = Targets([f"{route_id}:{i}" for i, _ in located], [s.name_zh for _, s in located],
                [s.precision for _, s in located], measure.of_places(places),
                [s.name_zh for _, s in stops if not s.located])
    note = None
    if not stops:
        note = _("route {route} has no stops in this data dir", route=repr(route_id))
    elif t.unlocated:
        note = _("{n} of {total} 科创专线 stops have no published location and are not measured: {stops}",
                 n=len(t.unlocated), total=len(stops), stops=", ".join(t.unlocated))
    return t, note


def _target_sets(ws: Workspace, bom: tuple[str, ...]) -> tuple[dict[str, Targets], list[str]]:
    """Every target set the criteria need, keyed ``supplier:<category>``, ``maker``, ``kechuang_stop``…"""
    sets: dict[str, Targets] = {}
    notes: list[str] = []
    for c in bom:
        sets[f"supplier:{c}"] = Targets.of_entities(ws, [e for e in ws.entities if c in e.categories])
    sets["maker"] = Targets.of_entities(ws, [e for e in ws.entities if e.is_maker])
    sets["kechuang_stop"], note = route_stops(ws)
    if note:
        notes.append(note)
    sets["institute"] = Targets.of_entities(ws, ws.entities_of(kind="institute"))
    sets["talent_apartment"] = Targets.of_entities(ws, ws.entities_of(kind="talent_apartment"))
    return sets, notes


# ----------------------------------------------------------------------------------------------------
# Scoring

def _norm_description(crit: Criterion, mode: str, radius_m: float, n_makers: int) -> str:
    if mode == "minmax":
        if crit.direction == LESS:
            return "min-max across the candidates: (max − v) / (max − min); 0.5 for all when every value is equal"
        return "min-max across the candidates: (v − min) / (max − min); 0.5 for all when every value is equal"
    r = f"{radius_m / 1000:g} km"
    if crit.key == "supplier_count":
        n = SUPPLIER_COUNT_SATURATION
        return f"fixed scale: min(n, {n}) / {n} per category ({n} suppliers within {r} give full marks), mean over the BOM"
    if crit.key == "makers_served":
        return f"fixed scale: n / N, the share of the registry's {n_makers} located makers within {r}"
    if crit.key == "supplier_distance":
        return f"fixed scale: linear decay max(0, 1 − d / {r}) per category, mean over the BOM"
    return f"fixed scale: linear decay max(0, 1 − d / {r}) (1 at the site, 0 at {r} or beyond)"


def _minmax(values: np.ndarray, direction: str) -> np.ndarray:
    lo, hi = float(np.min(values)), float(np.max(values))
    if hi - lo <= 1e-12 * max(1.0, abs(hi)):
        return np.full(len(values), 0.5)
    s = (values - lo) / (hi - lo)
    return 1.0 - s if direction == LESS else s


def _score(values: np.ndarray, crit: Criterion, mode: str, radius_m: float, n_makers: int) -> np.ndarray:
    values = np.asarray(values, float)
    if mode == "minmax":
        return _minmax(values, crit.direction)
    if crit.key == "supplier_count":
        return np.minimum(values, SUPPLIER_COUNT_SATURATION) / SUPPLIER_COUNT_SATURATION
    if crit.key == "makers_served":
        return values / n_makers if n_makers else np.zeros(len(values))
    return np.clip(1.0 - values / radius_m, 0.0, 1.0)


def _effective_weights(sets: dict[str, Targets], w_given: dict[str, float],
                       notes: list[str]) -> tuple[dict[str, bool], dict[str, float]]:
    """Which criteria can be measured here, and the weights rescaled over them to 100 % (notes appended)."""
    available = {"supplier_distance": True, "supplier_count": True, "makers_served": len(sets["maker"]) > 0,
                 **{k: len(sets[k]) > 0 for k in NEAREST_PLACE_CRITERIA}}
    avail_weight = sum(w for k, w in w_given.items() if available[k])
    if avail_weight <= 0:
        raise InputError("weights", _("all the weight is on criteria that cannot be measured here ({criteria}): "
                                      "{reasons}", criteria=", ".join(k for k in CRITERIA if w_given[k] > 0),
                                      reasons="; ".join(_(UNAVAILABLE_REASONS[k]) for k in CRITERIA
                                                        if w_given[k] > 0 and k in UNAVAILABLE_REASONS)),
                         "unavailable")
    w_eff = {k: (100.0 * w / avail_weight if available[k] else 0.0) for k, w in w_given.items()}
    for k in CRITERIA:
        if not available[k]:
            notes.append(_("{criterion} unavailable: {reason}", criterion=k, reason=_(UNAVAILABLE_REASONS[k]))
                         + ("; " + _("its {weight} % weight was spread over the other criteria",
                                     weight=format(w_given[k], "g")) if w_given[k] else ""))
    return available, w_eff


def _ranks(total: np.ndarray) -> tuple[list[int], np.ndarray]:
    """Candidate positions best first (ties in input order), and each candidate's rank (ties share one)."""
    rounded = np.round(total, 6)
    order = sorted(range(len(total)), key=lambda i: (-rounded[i], i))
    rank = np.empty(len(total), int)
    for pos, i in enumerate(order):
        rank[i] = pos + 1 if pos == 0 or rounded[i] != rounded[order[pos - 1]] else rank[order[pos - 1]]
    return order, rank


def _m(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), 1)


def _nearest_out(found: measure.Nearest, t: Targets, i: int, radius_m: float) -> dict:
    """Candidate ``i``'s nearest target from a :func:`sitemeasure.nearest` answer, as reported."""
    j = int(found.target[i])
    if j < 0:
        return {"road_m": None, "road_m_range": [None, None], "verdict": None, "distance_method": None,
                "nearest_id": None, "nearest_name_zh": None, "nearest_precision": None}
    lo, hi = found.lo[i], found.hi[i]
    return {"road_m": _m(found.best[i]), "road_m_range": measure.range_list(lo, hi),
            "verdict": measure.verdict_name(measure.verdict_codes(np.array([lo]), np.array([hi]), radius_m)[0]),
            "distance_method": NETWORK if found.network[i] else ESTIMATED,
            "nearest_id": t.ids[j], "nearest_name_zh": t.names[j], "nearest_precision": t.precisions[j]}


def _score_value(found: measure.Nearest, radius_m: float) -> np.ndarray:
    """The distance a criterion scores: the best estimate, else (two positions on one reference point) the
    middle of the range, capped at twice the radius."""
    mid = 0.5 * (found.lo + np.minimum(found.hi, 2 * radius_m))
    return np.where(np.isnan(found.best), mid, found.best)


def evaluate_sites(ws: Workspace, candidates, weights=None, radius_km=10, bom=None, normalization="fixed") -> dict:
    """Score candidate sites on the criteria of this module.

    Parameters
    ----------
    ws
        The loaded workspace.
    candidates
        ``[{name, lon, lat}]`` (WGS84) or ``[{entity: ID}]``; at most :data:`MAX_EVALUATE_CANDIDATES`.
    weights
        ``{criterion: percent}`` summing to 100 (missing criteria weigh 0); default :data:`DEFAULT_WEIGHTS`.
    radius_km
        The sourcing radius (default 10 km by road).
    bom
        A robot type (default ``humanoid``) or a list of component categories.
    normalization
        ``fixed`` (default) or ``minmax``; see :func:`_norm_description`.

    Returns
    -------
    dict
        ``candidates`` (input order, each with every raw value, per-criterion score and contribution, total
        ``score`` 0–100 and ``rank``), ``ranking`` (names best first), ``criteria`` (direction, normalisation,
        weight, effective weight, availability), ``explanation`` {zh, en}, ``notes``, ``estimator``.
    """
    radius_m = check_radius(radius_km) * 1000.0
    robot_type, bom_cats = parse_bom(bom)
    w_given = parse_weights(weights)
    mode = parse_normalisation(normalization)
    sites = parse_sites(ws, candidates, max_n=MAX_EVALUATE_CANDIDATES)
    sets, notes = _target_sets(ws, bom_cats)
    n = len(sites)
    n_makers = len(sets["maker"])

    # -- raw values, one batched pass per target set
    raw: dict[str, dict] = {}
    # One bounded search per distinct candidate node serves the counts of every target set at once.
    count_keys = [f"supplier:{c}" for c in bom_cats] + ["maker"]
    within = within_radius_many(ws, sites, [sets[key] for key in count_keys], radius_m)
    for c, w in zip(bom_cats, within):
        t = sets[f"supplier:{c}"]
        count_est = np.asarray(w.estimated.sum(axis=1)).ravel()
        raw[c] = {"nearest": nearest(ws, sites, t), "count_undetermined": np.asarray(w.undetermined.sum(axis=1)).ravel(),
                  "count": np.asarray(w.network.sum(axis=1)).ravel() + count_est, "count_est": count_est}
    m_est = within[-1].estimated
    m_all = within[-1].within
    m_und = within[-1].undetermined
    m_all.sort_indices()
    makers_in = [[sets["maker"].ids[j] for j in m_all.indices[m_all.indptr[i]:m_all.indptr[i + 1]]] for i in range(n)]
    maker_count = np.diff(m_all.indptr).astype(float)
    maker_est = np.asarray(m_est.sum(axis=1)).ravel()
    maker_und = np.asarray(m_und.sum(axis=1)).ravel()
    near = {k: nearest(ws, sites, sets[k]) for k in NEAREST_PLACE_CRITERIA}

    available, w_eff = _effective_weights(sets, w_given, notes)

    # -- scores (0..1) per criterion
    scores: dict[str, np.ndarray] = {}
    sub_scores: dict[str, dict[str, np.ndarray]] = {"supplier_distance": {}, "supplier_count": {}}
    no_supplier = [c for c in bom_cats if not len(sets[f"supplier:{c}"])]
    for c in bom_cats:
        r = raw[c]
        if c in no_supplier:
            sub_scores["supplier_distance"][c] = np.zeros(n)
            sub_scores["supplier_count"][c] = np.zeros(n)
            continue
        sub_scores["supplier_distance"][c] = _score(_score_value(r["nearest"], radius_m), CRITERIA["supplier_distance"], mode, radius_m,
                                                    n_makers)
        sub_scores["supplier_count"][c] = _score(r["count"], CRITERIA["supplier_count"], mode, radius_m, n_makers)
    for k in ("supplier_distance", "supplier_count"):
        scores[k] = np.mean([sub_scores[k][c] for c in bom_cats], axis=0)
    scores["makers_served"] = (_score(maker_count, CRITERIA["makers_served"], mode, radius_m, n_makers)
                               if available["makers_served"] else np.zeros(n))
    for k in NEAREST_PLACE_CRITERIA:
        scores[k] = _score(_score_value(near[k], radius_m), CRITERIA[k], mode, radius_m, n_makers) if available[k] else np.zeros(n)
    if no_supplier:
        notes.append("no located supplier of " + ", ".join(no_supplier) + " in the registry: these categories score 0 "
                     "for every candidate / 登记表中没有这些类别的已定位供应商")

    contributions = {k: w_eff[k] * scores[k] for k in CRITERIA}
    total = np.sum([contributions[k] for k in CRITERIA], axis=0)
    order, rank = _ranks(total)

    # -- per-candidate output
    out_cands = []
    for i, s in enumerate(sites):
        crit_out: dict[str, dict] = {
            "supplier_distance": {"by_category": {
                c: {**_nearest_out(raw[c]["nearest"], sets[f"supplier:{c}"], i, radius_m),
                    "score": round(float(sub_scores["supplier_distance"][c][i]), 4)} for c in bom_cats}},
            "supplier_count": {"by_category": {
                c: {"count": int(raw[c]["count"][i]), "estimated": int(raw[c]["count_est"][i]),
                    "undetermined": int(raw[c]["count_undetermined"][i]),
                    "score": round(float(sub_scores["supplier_count"][c][i]), 4)} for c in bom_cats}},
            "makers_served": {"count": int(maker_count[i]), "estimated": int(maker_est[i]), "of": n_makers,
                              "undetermined": int(maker_und[i]), "makers": makers_in[i]},
            **{k: _nearest_out(near[k], sets[k], i, radius_m) for k in NEAREST_PLACE_CRITERIA},
        }
        for k in CRITERIA:
            crit_out[k].update(available=available[k],
                               score=round(float(scores[k][i]), 4) if available[k] else None,
                               contribution=round(float(contributions[k][i]), 3))
        out_cands.append({**s.to_dict(), "rank": int(rank[i]), "score": round(float(total[i]), 3),
                          "criteria": crit_out})

    coarse = sorted({p for t in sets.values() for p in t.precisions if p in ("town", "district")})
    if coarse:
        widest = max((float(t.pos.extent.max()) for t in sets.values() if len(t)), default=0.0)
        notes.append(_("Some targets are located only to {precision} precision (regions up to {km} km across from "
                       "their point): counts take only those surely within the radius; undetermined ones are counted "
                       "apart, and each nearest distance carries its range.", precision="/".join(coarse),
                       km=f"{widest / 1000:.0f}") + " " + measure.SETTLE_HINT)
    if ws.network is None:
        notes.append(_("No road network loaded: every distance is estimated (straight line × {factor}).",
                       factor=format(ws.estimator.factor, "g")))
    elif any(c["distance_method"] == ESTIMATED for c in out_cands):
        notes.append(_("Candidates farther than {m} m from the road network use estimated distances.",
                       m=format(ws.snap_limit_m, "g")))
    criteria_out = [{**c.describe(), "normalization": _norm_description(c, mode, radius_m, n_makers),
                     "weight": round(w_given[c.key], 4), "effective_weight": round(w_eff[c.key], 4),
                     "available": available[c.key],
                     "unavailable_reason": None if available[c.key] else _(UNAVAILABLE_REASONS[c.key])}
                    for c in CRITERIA.values()]
    result = {
        "radius_km": radius_m / 1000.0,
        "bom": {"robot_type": robot_type, "categories": list(bom_cats),
                "labels": {c: {"zh": taxonomy.CATEGORIES[c].zh, "en": taxonomy.CATEGORIES[c].en} for c in bom_cats}},
        "normalization": mode,
        "weights": {k: round(v, 4) for k, v in w_given.items()},
        "effective_weights": {k: round(v, 4) for k, v in w_eff.items()},
        "criteria": criteria_out,
        "candidates": out_cands,
        "ranking": [out_cands[i]["name"] for i in order],
        "notes": notes,
        "estimator": ws.estimator.describe(),
        "network": ws.network.summary() if ws.network else None,
    }
    result["explanation"] = explain(result)
    return result


# ----------------------------------------------------------------------------------------------------
# Explanation

def _km(m) -> str:
    return "—" if m is None else f"{m / 1000:.1f} km"


def _criterion_detail(result: dict, key: str, a: dict, b: dict) -> tuple[str, str]:
    """(zh, en) phrase comparing the raw values of two candidates on one criterion."""
    ca, cb = a["criteria"][key], b["criteria"][key]
    labels = result["bom"]["labels"]
    if key == "supplier_distance":
        diffs = [(ca["by_category"][c]["score"] - cb["by_category"][c]["score"], c) for c in ca["by_category"]]
        _, c = max(diffs, key=lambda t: abs(t[0]))
        x, y = ca["by_category"][c]["road_m"], cb["by_category"][c]["road_m"]
        return (f"最大差别在{labels[c]['zh'].split('（')[0]}：{_km(x)} 对 {_km(y)}",
                f"largest gap for {labels[c]['en'].split(' (')[0]}: {_km(x)} vs {_km(y)}")
    if key == "supplier_count":
        na = sum(v["count"] > 0 for v in ca["by_category"].values())
        nb = sum(v["count"] > 0 for v in cb["by_category"].values())
        tot = len(ca["by_category"])
        r = result["radius_km"]
        return (f"{r:g} 公里内有供应商的类别 {na}/{tot} 对 {nb}/{tot}",
                f"categories with a supplier within {r:g} km: {na}/{tot} vs {nb}/{tot}")
    if key == "makers_served":
        return (f"半径内整机企业 {ca['count']} 家对 {cb['count']} 家", f"makers within the radius: {ca['count']} vs {cb['count']}")
    return (f"{_km(ca['road_m'])} 对 {_km(cb['road_m'])}", f"{_km(ca['road_m'])} vs {_km(cb['road_m'])}")


def explain(result: dict) -> dict:
    """Plain-language reasons (zh, en) why the top-ranked candidate beats the next one."""
    cands = result["candidates"]
    if len(cands) < 2:
        return {"zh": "只有一个候选地点，没有可比较的对象。", "en": "Only one candidate: nothing to compare it with."}
    ranked = sorted(cands, key=lambda c: (c["rank"], cands.index(c)))
    a, b = ranked[0], ranked[1]
    diff = a["score"] - b["score"]
    crit = {c["key"]: c for c in result["criteria"]}
    if abs(diff) < 1e-3:
        return {"zh": f"{a['name']} 与 {b['name']} 得分相同（{a['score']:.1f}），无法区分。",
                "en": f"{a['name']} and {b['name']} tie at {a['score']:.1f}: the criteria do not separate them."}
    deltas = sorted(((a["criteria"][k]["contribution"] - b["criteria"][k]["contribution"], k)
                     for k in crit if crit[k]["available"]), reverse=True)
    pros = [(d, k) for d, k in deltas if d > 1e-6][:3]
    cons = [(d, k) for d, k in deltas if d < -1e-6]
    zh_parts, en_parts = [], []
    for d, k in pros:
        zh, en = _criterion_detail(result, k, a, b)
        zh_parts.append(f"{crit[k]['short_zh']}（+{d:.1f} 分；{zh}）")
        en_parts.append(f"{crit[k]['short_en']} (+{d:.1f} points; {en})")
    zh = (f"{a['name']} 综合得分 {a['score']:.1f}，比第二名 {b['name']}（{b['score']:.1f}）高 {diff:.1f} 分。"
          f"主要原因：{'；'.join(zh_parts)}。")
    en = (f"{a['name']} scores {a['score']:.1f}, {diff:.1f} points ahead of the runner-up {b['name']} "
          f"({b['score']:.1f}). Main reasons: {'; '.join(en_parts)}.")
    if cons:
        d, k = min(cons)
        zh_c, en_c = _criterion_detail(result, k, a, b)
        zh += f"{b['name']} 在{crit[k]['short_zh']}上更好（{d:.1f} 分；{zh_c}）。"
        en += f" {b['name']} does better on {crit[k]['short_en']} ({d:.1f} points; {en_c})."
    return {"zh": zh, "en": en, "top": a["name"], "runner_up": b["name"], "score_difference": round(diff, 3),
            "contribution_differences": {k: round(d, 3) for d, k in deltas}}
