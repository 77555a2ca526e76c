"""Route designer: the stop sequence that serves the most weighted entities within a length budget.

An orienteering problem with a coverage objective: from a start stop to an end stop, choose and order
candidate stops (registry entities or points) so that the total weight of the entities within walking
distance of at least one stop is largest while the bus path stays within the budget (8 km by default).

* Legs between stops come from :func:`route.leg_matrix` (shortest road paths between snapped nodes from the
  engine, else straight line x circuity, labelled), the same measure :func:`route.analyse` reports.
* Up to :data:`EXACT_LIMIT` candidates the answer is exact: a Held-Karp dynamic programme over subsets gives
  the shortest ordering of every subset, then the best-valued subset within the budget wins (ties: shorter,
  then fewer stops). Beyond that: greedy insertion (best gain per added metre, and best gain, at the cheapest
  position) alternated with 2-opt on the order, then a swap/drop local search; a heuristic, and it says so.
* An entity counts towards the objective only where its membership is measured on the network, unless
  ``count_estimated`` is set: an entity placed at a district reference point is not "500 m from a stop".
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np

from . import catchment, route, taxonomy
from .errors import InputError, optional_str, parse_float
from .messages import _
from .route import Route, Stop
from .workspace import Workspace

DEFAULT_BUDGET_KM = 8.0
DEFAULT_WALK_M = 500.0
EXACT_LIMIT = 10
MAX_CANDIDATES = 200

#: Default weight of an entity by kind: the line links talent apartments, institutes and robot firms.
DEFAULT_KIND_WEIGHTS = {"talent_apartment": 3.0, "institute": 2.0, "firm": 2.0, "park": 1.0, "bus_stop": 0.0}

EXACT = "exact_subset_dp"
HEURISTIC = "greedy_insertion_2opt_swap"


# ----------------------------------------------------------------------------------------------------
# The solvers: pure functions over a leg matrix and coverage

def _value(cover: np.ndarray, weights: np.ndarray, nodes) -> float:
    nodes = list(nodes)
    if not nodes:
        return 0.0
    return float(weights[cover[nodes].any(axis=0)].sum())


def sequence_length(D: np.ndarray, seq) -> float:
    return float(sum(D[a, b] for a, b in zip(seq[:-1], seq[1:])))


def solve_exact(D: np.ndarray, cover: np.ndarray, weights: np.ndarray, budget: float) -> dict:
    """Best stop sequence by exhaustive subset DP.

    Parameters
    ----------
    D
        Leg lengths, shape (k + 2, k + 2): node 0 is the start, nodes 1..k the candidates, k + 1 the end.
    cover
        Bool, shape (k + 2, R): which entities each node serves.
    weights
        Shape (R,): entity weights.
    budget
        Largest allowed length (same unit as ``D``).

    Returns
    -------
    dict
        ``sequence`` (node indices, start and end included), ``value``, ``length``, ``feasible``.
    """
    k = D.shape[0] - 2
    end = k + 1
    full = 1 << k
    dp = np.full((full, max(k, 1)), np.inf)
    parent = np.full((full, max(k, 1)), -1, dtype=np.int64)
    for j in range(k):
        dp[1 << j, j] = D[0, j + 1]
    cand = np.arange(1, k + 1)
    for S in range(1, full):
        row = dp[S]
        for j in np.flatnonzero(row <= budget):
            ext = row[j] + D[j + 1, cand]
            for l in np.flatnonzero(ext <= budget):
                if S >> l & 1:
                    continue
                T = S | (1 << l)
                if ext[l] < dp[T, l]:
                    dp[T, l] = ext[l]
                    parent[T, l] = j
    closing = dp[:, :k] + D[cand, end][None, :] if k else np.zeros((1, 0))
    best_len = np.full(full, np.inf)
    best_last = np.full(full, -1, dtype=np.int64)
    best_len[0] = D[0, end]
    if k:
        best_last[1:] = np.argmin(closing[1:], axis=1)
        best_len[1:] = closing[np.arange(1, full), best_last[1:]]
    # Value of every subset: start and end always serve; add each candidate's coverage.
    members = (np.arange(full)[:, None] >> np.arange(k)[None, :]) & 1 if k else np.zeros((1, 0), dtype=int)
    base = cover[0] | cover[end]
    covered = (members @ cover[1:end].astype(np.int64) > 0) | base[None, :] if k else base[None, :]
    values = covered.astype(float) @ weights
    feasible = best_len <= budget + 1e-9
    if not feasible.any():
        return {"sequence": [0, end], "value": _value(cover, weights, [0, end]), "length": float(D[0, end]),
                "feasible": False}
    sizes = members.sum(axis=1)
    order = np.lexsort((np.arange(full), sizes, np.round(best_len, 6), -np.round(values, 9)))
    S = int(next(i for i in order if feasible[i]))
    seq = []
    j = int(best_last[S])
    T = S
    while T:
        seq.append(j + 1)
        pj = int(parent[T, j])
        T &= ~(1 << j)
        j = pj
    seq = [0] + seq[::-1] + [end]
    return {"sequence": seq, "value": float(values[S]), "length": float(best_len[S]), "feasible": True}


def solve_brute_force(D: np.ndarray, cover: np.ndarray, weights: np.ndarray, budget: float) -> dict:
    """Every ordering of every subset (for checking :func:`solve_exact` on small instances)."""
    k = D.shape[0] - 2
    end = k + 1
    best = None
    for r in range(k + 1):
        for perm in itertools.permutations(range(1, k + 1), r):
            seq = [0, *perm, end]
            length = sequence_length(D, seq)
            if length > budget + 1e-9:
                continue
            key = (-_value(cover, weights, seq), round(length, 6), r)
            if best is None or key < best[0]:
                best = (key, seq, length)
    if best is None:
        return {"sequence": [0, end], "value": _value(cover, weights, [0, end]), "length": float(D[0, end]),
                "feasible": False}
    return {"sequence": best[1], "value": -best[0][0], "length": best[2], "feasible": True}


def _two_opt(D: np.ndarray, seq: list[int]) -> list[int]:
    """Reverse inner stretches while that shortens the sequence (ends fixed; works for asymmetric D)."""
    best = list(seq)
    best_len = sequence_length(D, best)
    improved = True
    while improved:
        improved = False
        for i in range(1, len(best) - 2):
            for j in range(i + 1, len(best) - 1):
                cand = best[:i] + best[i:j + 1][::-1] + best[j + 1:]
                length = sequence_length(D, cand)
                if length < best_len - 1e-6:
                    best, best_len, improved = cand, length, True
    return best


def _cheapest(D: np.ndarray, seq: list[int], c: int) -> tuple[float, int]:
    """Added length and position of inserting ``c`` where it adds the least."""
    deltas = [D[seq[p - 1], c] + D[c, seq[p]] - D[seq[p - 1], seq[p]] for p in range(1, len(seq))]
    p = int(np.argmin(deltas))
    return float(deltas[p]), p + 1


def _greedy(D, cover, weights, budget, seq: list[int], by_ratio: bool) -> list[int]:
    """Insert candidates while any fits: best weight gained per added metre (or best gain), then 2-opt."""
    k = D.shape[0] - 2
    length = sequence_length(D, seq)
    served = cover[seq].any(axis=0)
    unused = set(range(1, k + 1)) - set(seq)
    while True:
        pick = None
        for c in sorted(unused):
            gain = float(weights[cover[c] & ~served].sum())
            if gain <= 0:
                continue
            delta, pos = _cheapest(D, seq, c)
            if length + delta > budget + 1e-9:
                continue
            score = (gain / max(delta, 1.0), gain) if by_ratio else (gain, -delta)
            if pick is None or score > pick[0]:
                pick = (score, c, pos)
        if pick is None:
            return seq
        _, c, pos = pick
        seq = _two_opt(D, seq[:pos] + [c] + seq[pos:])
        length = sequence_length(D, seq)
        unused.discard(c)
        served |= cover[c]


def _key(D, cover, weights, seq) -> tuple[float, float]:
    return (round(_value(cover, weights, seq), 9), -round(sequence_length(D, seq), 6))


def _swap_search(D, cover, weights, budget, seq: list[int], max_rounds: int = 50) -> list[int]:
    """Local search: replace one chosen stop by an unused candidate (or drop it) while that serves more
    weight, or the same weight on a shorter path; refill greedily after each accepted move."""
    k = D.shape[0] - 2
    best = _key(D, cover, weights, seq)
    for _round in range(max_rounds):
        improved = False
        inner = seq[1:-1]
        unused = [c for c in range(1, k + 1) if c not in seq]
        for c in inner:
            base = [x for x in seq if x != c]
            options = [base] + [None] * len(unused)
            for i, u in enumerate(unused):
                _, pos = _cheapest(D, base, u)
                options[i + 1] = base[:pos] + [u] + base[pos:]
            for cand in options:
                if sequence_length(D, cand) > budget + 1e-9:
                    cand = _two_opt(D, cand)
                    if sequence_length(D, cand) > budget + 1e-9:
                        continue
                key = _key(D, cover, weights, cand)
                if key > best:
                    seq, best, improved = cand, key, True
                    break
            if improved:
                break
        if not improved:
            return seq
        seq = _greedy(D, cover, weights, budget, seq, by_ratio=True)
        best = _key(D, cover, weights, seq)
    return seq


def solve_heuristic(D: np.ndarray, cover: np.ndarray, weights: np.ndarray, budget: float) -> dict:
    """Greedy insertion (by gain per added metre, and by gain) with 2-opt, each improved by a swap/drop local
    search; the better of the two. Not proven optimal."""
    end = D.shape[0] - 1
    seq = [0, end]
    length = float(D[0, end])
    if length > budget + 1e-9:
        return {"sequence": seq, "value": _value(cover, weights, seq), "length": length, "feasible": False}
    found = [_swap_search(D, cover, weights, budget, _greedy(D, cover, weights, budget, [0, end], by_ratio))
             for by_ratio in (True, False)]
    seq = max(found, key=lambda q: _key(D, cover, weights, q))
    return {"sequence": seq, "value": _value(cover, weights, seq), "length": sequence_length(D, seq),
            "feasible": True}


# ----------------------------------------------------------------------------------------------------
# The designer on a workspace

def _stop_input(ws: Workspace, value, field: str, default_name: tuple[str, str]) -> Stop:
    """A stop from an entity id, ``'lon,lat'``, a dict (entity or lon/lat, name_zh…) or a :class:`Stop`;
    an unnamed point gets ``default_name`` (e.g. 候选站点 3)."""
    stop = _parse_stop_input(ws, value, field)
    if stop.name_zh == route.UNNAMED_ZH:
        stop = replace(stop, name_zh=default_name[0], name_en=default_name[1])
    return stop


def _parse_stop_input(ws: Workspace, value, field: str) -> Stop:
    if isinstance(value, Stop):
        return value
    if isinstance(value, str):
        parts = value.split(",")
        if len(parts) == 2:
            return route.make_stop(ws, lon=parts[0], lat=parts[1], prefix=f"{field}.")
        return route.make_stop(ws, entity=value, prefix=f"{field}.")
    if isinstance(value, dict):
        known = {"entity", "entity_id", "lon", "lat", "name_zh", "name_en", "precision", "source", "note"}
        bad = set(value) - known
        if bad:
            raise InputError(f"{field}.{sorted(bad)[0]}", _("unknown field {value} in {field}",
                                                            value=repr(sorted(bad)[0]), field=field))
        v = dict(value)
        if "entity_id" in v:
            v["entity"] = v.pop("entity_id")
        return route.make_stop(ws, prefix=f"{field}.", **v)
    raise InputError(field, _("{field} must be an entity id, 'lon,lat' or an object with entity or lon/lat",
                              field=field))


def parse_weights(weights, field: str = "weights") -> dict[str, float]:
    """Kind weights over :data:`DEFAULT_KIND_WEIGHTS`; keys may also be entity ids (they win over kinds)."""
    out = dict(DEFAULT_KIND_WEIGHTS)
    if weights in (None, ""):
        return out
    if not isinstance(weights, dict):
        raise InputError(field, _("weights must be an object of kind or entity id -> weight"))
    for k, v in weights.items():
        out[str(k)] = parse_float(v, f"{field}.{k}", 0, 1000)
    return out


def design(ws: Workspace, start=None, end=None, candidates=(), budget_km=None, walk_m=None, weights=None,
           count_estimated: bool = False, base_route: str | None = None, method: str = "auto",
           save_as: str | None = None, name_zh: str | None = None, compare_with=()) -> dict:
    """Suggest the stop sequence serving the most weighted entities within ``budget_km``.

    Parameters
    ----------
    start, end
        Terminal stops: an entity id, ``'lon,lat'``, or ``{entity | lon, lat, name_zh}``. Default: the first and
        last stop of ``base_route``. Both must be located.
    candidates
        Candidate stops, in the same forms (registry entities or clicked points); each must be located.
    budget_km
        Largest bus path length (default 8 km, or the base route's stated length).
    walk_m
        Walking distance within which a stop serves an entity (default 500 m).
    weights
        Weight per kind or per entity id (default :data:`DEFAULT_KIND_WEIGHTS`).
    count_estimated
        Also count entities whose membership is only estimated (imprecise or off-network).
    base_route
        A stored route supplying the terminals, stated length and comparison.
    method
        ``auto`` (exact up to :data:`EXACT_LIMIT` candidates), ``exact`` or ``heuristic``.
    save_as
        Store the suggestion as a new route with this id (a design variant).
    compare_with
        Stored route ids shown side by side with the suggestion.
    """
    name_zh = optional_str(name_zh, "name_zh")
    if compare_with is None:
        compare_with = ()
    if not isinstance(compare_with, (str, list, tuple)) or any(not isinstance(i, str) for i in compare_with):
        raise InputError("compare_with", _('compare_with must list stored route ids, e.g. ["kechuang"]'))
    base = route.get_route(ws, base_route, "base_route") if base_route not in (None, "") else None
    if start in (None, "") and base is not None and base.stops:
        start = base.stops[0]
    if end in (None, "") and base is not None and len(base.stops) > 1:
        end = base.stops[-1]
    if start in (None, "") or end in (None, ""):
        raise InputError("start" if start in (None, "") else "end", _("give start and end stops (or a base route)"),
                         "missing")
    s_stop = _stop_input(ws, start, "start", ("起点", "Start"))
    e_stop = _stop_input(ws, end, "end", ("终点", "End"))
    if isinstance(candidates, (str, dict)):
        candidates = [candidates]
    if not isinstance(candidates, (list, tuple, type(None))):
        raise InputError("candidates", _("candidates must be a list of stops"))
    if len(candidates or ()) > MAX_CANDIDATES:  # before any of them is looked at
        raise InputError("candidates", _("at most {MAX_CANDIDATES} candidates, got {n}",
                                         MAX_CANDIDATES=MAX_CANDIDATES, n=len(candidates)), "too_many")
    cands = [_stop_input(ws, c, f"candidates[{i}]", (f"候选站点 {i + 1}", f"Candidate {i + 1}"))
             for i, c in enumerate(candidates or ())]
    for fld, s in [("start", s_stop), ("end", e_stop)] + [(f"candidates[{i}]", c) for i, c in enumerate(cands)]:
        if not s.located:
            raise InputError(fld, _("{fld} {name_zh} has no known location: a designed stop must be located",
                                    fld=fld, name_zh=s.name_zh),
                             "unlocated", 422)
    stated = base.stated_length_m if base is not None else None
    default_budget = (stated / 1000) if stated else DEFAULT_BUDGET_KM
    budget_m = parse_float(default_budget if budget_km in (None, "") else budget_km, "budget_km", 0.1, 200) * 1000
    walk = parse_float(DEFAULT_WALK_M if walk_m in (None, "") else walk_m, "walk_m", 50, catchment.MAX_WALK_M)
    wmap = parse_weights(weights)
    if method not in ("auto", "exact", "heuristic"):
        raise InputError("method", _("method must be auto, exact or heuristic"))
    if method == "exact" and len(cands) > EXACT_LIMIT + 4:
        raise InputError("method", _("the exact method handles at most {value} candidates, got {n}",
                                     value=EXACT_LIMIT + 4, n=len(cands)))

    nodes = [s_stop, *cands, e_stop]
    places = [route.stop_place(ws, s) for s in nodes]
    D, on = route.leg_matrix(ws, places, limit_m=budget_m)  # a leg longer than the budget is never used
    if not np.isfinite(D[0, -1]):  # even the direct leg is over budget: measure it fully, to say by how much
        D[0, -1] = route.leg_matrix(ws, [places[0], places[-1]])[0][0, 1]
    table = catchment.walk_table(ws, places, walk)
    cover = table.verdict(walk) == 1  # surely within the walk: undetermined entities never count as served
    if not count_estimated:
        cover &= table.network
    ent_w = np.array([wmap.get(e.id, wmap.get(e.kind, 0.0)) for e in table.entities])
    keep = cover.any(axis=0) & (ent_w > 0)
    cover, ent_w = cover[:, keep], ent_w[keep]
    ents = [e for e, k in zip(table.entities, keep) if k]

    use_exact = method == "exact" or (method == "auto" and len(cands) <= EXACT_LIMIT)
    sol = (solve_exact if use_exact else solve_heuristic)(D, cover, ent_w, budget_m)
    seq = sol["sequence"]
    chosen = [nodes[i] for i in seq]
    variant = Route(save_as or "design", name_zh or "设计方案", "Designed variant", stated, "route designer",
                    f"Designed: {EXACT if use_exact else HEURISTIC}, budget {budget_m / 1000:g} km, walk {walk:g} m.",
                    "design", chosen)
    analysis = route.analyse(ws, variant, walk_m=(walk,))

    def served_ids(idx) -> list[str]:
        mask = cover[list(idx)].any(axis=0) if len(idx) else np.zeros(len(ents), bool)
        return [e.id for e, m in zip(ents, mask) if m]

    direct = [0, len(nodes) - 1]
    answer = {
        "method": EXACT if use_exact else HEURISTIC,
        "optimal": bool(use_exact),
        "method_note": (_("exact: every subset of candidates, each in its shortest order (Held-Karp DP)") if use_exact
                        else _("heuristic: greedy insertion with 2-opt, then swap/drop local search; not proven "
                               "optimal")),
        "feasible": sol["feasible"],
        "budget_m": budget_m, "walk_m": walk, "weights": wmap, "count_estimated": count_estimated,
        "objective": round(sol["value"], 6),
        "length_m": round(sol["length"], 1),
        "sequence": [{"node": i, "role": "start" if i == 0 else "end" if i == len(nodes) - 1 else "candidate",
                      "candidate": i - 1 if 0 < i < len(nodes) - 1 else None, "name_zh": nodes[i].name_zh,
                      "lon": nodes[i].lon, "lat": nodes[i].lat, "entity_id": nodes[i].entity_id} for i in seq],
        "served": served_ids(seq),
        "candidates": [{"index": i, "name_zh": c.name_zh, "entity_id": c.entity_id, "lon": c.lon, "lat": c.lat,
                        "on_network": places[i + 1].on_network, "chosen": (i + 1) in seq,
                        "serves": served_ids([i + 1]), "weight_alone": round(float(ent_w[cover[i + 1]].sum()), 6)}
                       for i, c in enumerate(cands)],
        "legs_network": all(bool(on[a, b]) for a, b in zip(seq[:-1], seq[1:])),
        "route": analysis,
        "variants": [_variant_row("direct", _("direct"), D, cover, ent_w, direct, ents, nodes, analysis),
                     _variant_row("design", variant.name_zh, D, cover, ent_w, seq, ents, nodes, analysis)],
    }
    if not sol["feasible"]:
        answer["message"] = _("even the direct path from start to end ({km} km) exceeds the budget of {budget} km",
                              km=f"{D[0, -1] / 1000:.2f}", budget=f"{budget_m / 1000:g}")
    if compare_with:
        answer["compared"] = route.compare(ws, compare_with, walk_m=(walk,))["routes"]
    if save_as:
        saved = route.create_route(ws, save_as, variant.name_zh, variant.name_en, stated, variant.source,
                                   variant.note, stops=chosen)
        answer["saved_as"] = saved.id
    return answer


def _variant_row(vid, name, D, cover, w, seq, ents, nodes, analysis) -> dict:
    mask = cover[list(seq)].any(axis=0)
    served = [e for e, m in zip(ents, mask) if m]
    length = sequence_length(D, seq)
    speed = analysis["parameters"]["bus_speed_kph"]
    dwell = analysis["parameters"]["dwell_s"]
    return {"id": vid, "name_zh": name, "stops": [nodes[i].name_zh for i in seq], "length_m": round(length, 1),
            "time_s": round(length / (speed / 3.6) + dwell * max(len(seq) - 2, 0), 1),
            "objective": round(float(w[mask].sum()), 6), "served": [e.id for e in served],
            "kinds": {k: sum(e.kind == k for e in served) for k in taxonomy.KINDS if any(e.kind == k for e in served)},
            "categories_covered": sorted({c for e in served for c in e.categories})}
