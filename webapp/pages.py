"""HTML pages: the entity map, the supplier query and the sourcing check (each with a Folium map).

Pages call the same library functions as the JSON API; interactive parts (map clicks, queries) are small
scripts in ``static/`` that call the API.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, render_template, request

from supplychain import display, maps, measure, messages, reach, sourcing, taxonomy
from supplychain.messages import N_

from .api import arg, workspace
from .mapview import cached_map

bp = Blueprint("pages", __name__)

#: The navigation bar: (path, msgid of the catalog).
NAV = (
    ("/", N_("Map")),
    ("/suppliers", N_("Supplier query")),
    ("/sourcing", N_("10 km sourcing")),
    ("/sites", N_("Sites")),
    ("/route", N_("Kechuang line")),
    ("/scenarios", N_("What-if")),
    ("/registry", N_("Review")),
)


def navigation(app: Flask) -> list[dict]:
    items = []
    for href, label in NAV:
        zh, en = messages.pair(label)
        items.append({"href": href, "zh": zh, "en": en, "active": request.path == href})
    return items


def entity_choice(e) -> dict:
    """An entity as the pages' pickers show it (``_macros.html`` entity_options): names, kind, precision."""
    return {"id": e.id, "zh": e.name_zh, "en": e.name_en, "kind": e.kind, "precision": e.precision,
            "located": e.located, "lon": e.lon, "lat": e.lat,
            "region_text": display.region(measure.entity_region(e).describe()) if e.located else ""}


def _network_info(ws) -> dict:
    est = ws.estimator.describe()
    if ws.network is None:
        return {"loaded": False, "estimator": est}
    return {"loaded": True, "nodes": ws.network.n_nodes, "source": ws.network.meta.get("source", ""),
            "estimator": est}


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for it whatever the page says; answer with the SVG icon instead of a 404."""
    return current_app.send_static_file("favicon.svg")


@bp.get("/")
def index():
    ws = workspace()

    def build():
        m = maps.base_map(ws)
        maps.add_entities(m, ws.entities)
        maps.add_route(m, ws)
        return maps.finish(m, info={"page": "index"})

    parts = cached_map("index", build)
    located = ws.located
    kinds = [{"key": k, "label": v, "color": maps.KIND_COLORS.get(k, "#555"),
              "count": sum(1 for e in located if e.kind == k)} for k, v in taxonomy.KINDS.items()]
    categories = [{"key": k, "label": v, "count": sum(1 for e in ws.entities if k in e.categories)}
                  for k, v in taxonomy.CATEGORIES.items()]
    no_category = sum(1 for e in ws.entities if not e.categories)
    search_index = [{"id": e.id, "zh": e.name_zh, "en": e.name_en, "kind": e.kind, "located": e.located}
                    for e in ws.entities]
    return render_template(
        "index.html", map=parts, kinds=kinds, categories=categories, no_category=no_category,
        unlocated=[{"id": e.id, "name_zh": e.name_zh, "name_en": e.name_en, "address": e.address,
                    "cats_zh": "、".join(taxonomy.CATEGORIES[c].zh for c in e.categories)}
                   for e in ws.entities if not e.located],
        search_index=search_index,
        cat_labels=taxonomy.labels(taxonomy.CATEGORIES),
        network=_network_info(ws), n_entities=len(ws.entities), n_located=len(located),
        route_line="route_line" in parts.drawn, route_stops="route_stops" in parts.drawn,
        has_uncertainty="uncertainty" in parts.layers)


@bp.get("/suppliers")
def suppliers():
    ws = workspace()

    def build():
        bounds = None
        if ws.network is not None:  # queries are exact there: open on it
            w, s, e, n = ws.network.meta["bbox"]
            bounds = [[s, w], [n, e]]
        m = maps.base_map(ws, bounds=bounds)
        maps.add_entities(m, ws.entities, uncertainty=False)
        return maps.finish(m, info={"page": "suppliers"}, collapsed=True)

    parts = cached_map("suppliers", build)
    origins = [entity_choice(e) for e in sorted(ws.located, key=lambda e: (e.kind != "firm", e.name_zh))]
    categories = taxonomy.labels(taxonomy.CATEGORIES)
    network = _network_info(ws)
    return render_template(
        "suppliers.html", map=parts, origins=origins, kinds=taxonomy.labels(taxonomy.KINDS), categories=categories,
        component_categories=list(taxonomy.COMPONENT_CATEGORIES), max_radius=reach.MAX_RADIUS_KM, network=network,
        page_data={"categories": categories, "max_radius": reach.MAX_RADIUS_KM, "estimator": network["estimator"]})


@bp.get("/sourcing")
def sourcing_page():
    ws = workspace()
    radius_km = reach.check_radius(arg("radius_km"))
    result = sourcing.sourcing_check(ws, radius_km=radius_km)

    def build():
        m = maps.base_map(ws)
        maps.add_sourcing_makers(m, result)
        return maps.finish(m, info={"page": "sourcing"}, collapsed=True)

    parts = cached_map(("sourcing", radius_km), build)
    per_cat = result["summary"]["per_category"]
    chart = [{"key": c, "label": taxonomy.CATEGORIES[c], "needed_by": v["needed_by"], "lacking": v["lacking"],
              "covered": v["covered"], "undetermined": v["undetermined"]} for c, v in per_cat.items()]
    chart.sort(key=lambda r: (-r["lacking"], -r["undetermined"], r["key"]))
    return render_template(
        "sourcing.html", map=parts, result=result, chart=chart, categories=taxonomy.labels(taxonomy.CATEGORIES),
        radius_km=radius_km, rate_color=maps.rate_color, network=_network_info(ws))
