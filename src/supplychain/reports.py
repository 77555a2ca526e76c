"""The report kinds: ``sourcing`` (the 10 km check), ``sites`` (best k sites and the 补链 chain gaps) and
``scenario`` (a what-if scenario against the baseline).

A kind is one function ``(ws, params, render) -> (title, subtitle, sections)`` in :data:`KINDS`; :func:`make`
runs it, adds the shared sections (:func:`report.assemble`) and renders HTML and, when asked, the PDF. A new
kind (e.g. a scenario comparison) is one more such function: sections of paragraphs, :class:`report.Table` and
map images from ``render.image(folium_map, caption)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from . import chromium, display, gaps, maps, reportmaps, scenariocompare, scenariostore, siteopt, sourcing
from .scenario import check_name, edit_text
from .errors import InputError, parse_int
from .messages import _
from .reach import check_radius
from .report import Image, Report, Section, Table, assemble, to_html, to_pdf
from .workspace import Workspace

MAX_K = 20


@dataclass
class Params:
    radius_km: float = 10.0
    k: int = 5
    top: int = 3
    #: The what-if scenario of a ``scenario`` report.
    scenario: str | None = None

    @classmethod
    def parse(cls, radius_km=None, k=None, top=None, scenario=None) -> "Params":
        return cls(check_radius(radius_km), 5 if k in (None, "") else parse_int(k, "k", 1, MAX_K),
                   gaps.parse_top(top), None if scenario in (None, "") else check_name(scenario, "scenario"))


@dataclass
class Renderer:
    """Map images through one Chromium session; without one, no images and a note saying why."""

    session: chromium.Session | None
    assets: reportmaps.Assets | None
    missing: list[str] = field(default_factory=list)

    def image(self, m, caption: str) -> list[Image]:
        if self.session is None or self.assets is None:
            self.missing.append(caption)
            return []
        html = maps.render_html(m, self.assets.url)
        return [Image(self.session.png(html), caption)]

    def note(self) -> str | None:
        if not self.missing:
            return None
        return _("Map images are left out: {why}", why=chromium.missing_message() if self.session is None
                 else _("no vendored map assets were given."))


def _cat(c: str) -> str:
    zh_c, en_c = gaps.short_label(c)
    return f"{zh_c} {en_c}"


# ----------------------------------------------------------------------------------------------------
# sourcing

def sourcing_kind(ws: Workspace, p: Params, render: Renderer) -> tuple[str, str, list[Section]]:
    res = sourcing.sourcing_check(ws, p.radius_km)
    s = res["summary"]
    share = s["share_fully_covered_range"]
    mean = s["mean_rate_range"]
    text = [_("{certain}–{possible} of {n} located makers have their whole BOM within {r:g} km by road "
              "(surely–possibly); mean local sourcing rate {rate}.", certain=s["fully_covered_certain"],
              possible=s["fully_covered_possible"], n=s["makers"], r=p.radius_km,
              rate=display.rate(*mean) if mean else "–")]
    if share[0] is None:
        text = [_("No located maker in the registry: nothing to check.")]
    if s["lacked_by_all"]:
        text.append(_("Lacked by every maker (all beyond): {cats}.", cats="、".join(_cat(c) for c in s["lacked_by_all"])))
    text += [t for t in (s["caveat"], s["registry_note"]) if t]
    m = reportmaps.base(ws, bounds=reportmaps.bounds_of_points([(mk["lat"], mk["lon"]) for mk in res["makers"]]))
    maps.add_sourcing_makers(m, res)
    summary = Section(_("Summary"), text, images=render.image(
        m, _("Makers coloured by their local sourcing rate (a range where undetermined); hollow dashed markers are "
             "reference points of a town or the district.") + " " + reportmaps.legend_text(ws.network is not None)))
    rows = [[mk["name_zh"], mk["precision"], display.rate(mk["rate_certain"], mk["rate_possible"]),
             "、".join(gaps.short_label(c["category"])[0] for c in mk["covered"]) or "–",
             "、".join(gaps.short_label(u["category"])[0] for u in mk["undetermined"]) or "–",
             "、".join(gaps.short_label(c)[0] for c in mk["missing"]) or "–", mk["distance_method"]]
            for mk in res["makers"]]
    makers = Section(_("Makers"), tables=[Table(
        [_("Maker"), _("Precision"), _("Local rate"), _("Covered"), _("Undetermined"), _("Missing"), _("Method")],
        rows)])
    if res["unlocated_makers"]:
        makers.text.append(_("Not located (not checked): {names}.",
                             names="、".join(u["name_zh"] for u in res["unlocated_makers"])))
    cats = Section(_("Per category"), tables=[Table(
        [_("Category"), _("Needed by"), _("Covered"), _("Undetermined"), _("Lacking")],
        [[_cat(c), v["needed_by"], v["covered"], v["undetermined"], v["lacking"]]
         for c, v in s["per_category"].items()])])
    return (_("Report: 10 km sourcing check"),
            _("Which makers find each BOM category within {r:g} km by road", r=p.radius_km), [summary, makers, cats])


# ----------------------------------------------------------------------------------------------------
# sites

def _optimisation(ws: Workspace, p: Params, render: Renderer, namer: gaps.PlaceNamer) -> Section:
    try:
        opt = siteopt.optimize_sites(ws, p.k, radius_km=p.radius_km)
    except InputError as exc:
        return Section(_("Best sites"), [_("No optimisation: {why}", why=exc.message)])
    share = opt["objective_share"]
    text = [_("Best {k} sites from {n} grid candidates every {g:g} m over 吴中区 (maximal covering of the makers' "
              "unmet (maker, category) items within {r:g} km): {obj:g} of {total:g} items surely covered{share}; "
              "{status}, {solver}.", k=opt["k"], n=f"{opt['n_candidates']:,}", g=opt["grid_m"] or 0,
              r=p.radius_km, obj=opt["objective"], total=opt["demand"]["total_weight"],
              share=f" ({share * 100:.0f} %)" if share is not None else "", status=opt["status"],
              solver=opt["solver"])]
    if opt["undetermined_coverage"]["makers"]:
        text.append(_("{n} more makers may lie within a chosen site's radius (undetermined, not counted).",
                      n=opt["undetermined_coverage"]["makers"]))
    text += opt["notes"]
    near = namer.near([c["lon"] for c in opt["chosen"]], [c["lat"] for c in opt["chosen"]]) if opt["chosen"] else []
    rows = [[c["order"], c["name"], w["text"] if w else "–", f"{c['lon']:.5f}, {c['lat']:.5f}",
             f"{c['marginal_weight']:g}", c["makers_covered"], c["distance_method"]] for c, w in zip(opt["chosen"], near)]
    m = reportmaps.base(ws, bounds=reportmaps.bounds_of_points(
        [(c["lat"], c["lon"]) for c in opt["chosen"]] + [(mk["lat"], mk["lon"]) for mk in _maker_points(ws)]))
    reportmaps.makers_dots(m, _maker_points(ws))
    for c in opt["chosen"]:
        reportmaps.pin(m, c["lat"], c["lon"], str(c["order"]), "#6a1b9a", c["distance_method"] == "estimated", True)
    return Section(_("Best sites"), text, [Table(
        [_("Order"), _("Site"), _("Where"), _("lon, lat"), _("Added weight"), _("Makers in reach"), _("Method")],
        rows)], render.image(m, _("Chosen sites (numbered, in order of gain) and the makers (grey dots).") + " "
                             + reportmaps.legend_text(ws.network is not None)))


def _maker_points(ws: Workspace) -> list[dict]:
    return [{"lat": e.lat, "lon": e.lon, "precision": e.precision} for e in ws.located if e.is_maker]


def _chain_gaps(ws: Workspace, p: Params, render: Renderer) -> list[Section]:
    ans = gaps.chain_gaps(ws, radius_km=p.radius_km, top=p.top)
    text = [h["text"] for h in ans["ranking"]] or [_("No candidate site surely covers a maker that lacks a category.")]
    text += ans["notes"]
    cols, rows = gaps.gaps_table(ans)
    keep = ["category_zh", "lacking", "undetermined", "rank", "near", "sure", "maybe", "distance_method", "serves"]
    heads = [_("Category"), _("Lacking"), _("Undetermined"), "#", _("Where"), _("Surely covered"),
             _("Possibly (undetermined)"), _("Method"), _("Would serve")]
    idx = [cols.index(k) for k in keep]
    names = {r["id"]: r["name_zh"] for c in ans["categories"] for r in c["lacking"] + c["undetermined"]}
    table_rows = []
    for r in rows:
        row = [r[i] for i in idx]
        row[-1] = "、".join(names.get(x, x) for x in (row[-1] or "").split(";") if x) or None
        table_rows.append(row)
    best = [(c, s) for c in ans["categories"] for s in c["sites"][:1]]
    m = reportmaps.base(ws, bounds=reportmaps.bounds_of_points(
        [(s["lat"], s["lon"]) for _c, s in best] + [(mk["lat"], mk["lon"]) for mk in _maker_points(ws)]))
    reportmaps.makers_dots(m, _maker_points(ws))
    for _c, s in best:
        reportmaps.pin(m, s["lat"], s["lon"], f"+{s['sure']}", "#1d6b30" if s["sure"] else "#b26a00",
                       s["distance_method"] == "estimated")
    lacking = Section(_("Chain gaps (补链): what to attract, and where"), text, [Table(heads, table_rows)],
                      render.image(m, _("The best site per category (+N: makers surely covered by one new supplier "
                                        "there; amber: only undetermined ones) and the makers (grey dots).") + " "
                                   + reportmaps.legend_text(ws.network is not None)))
    return [lacking]


def sites_kind(ws: Workspace, p: Params, render: Renderer) -> tuple[str, str, list[Section]]:
    namer = gaps.PlaceNamer.of(ws)
    sections = [_optimisation(ws, p, render, namer)] + _chain_gaps(ws, p, render)
    return (_("Report: sites and chain gaps"),
            _("Best {k} sites and the suppliers to attract, radius {r:g} km by road", k=p.k, r=p.radius_km),
            sections)


# ----------------------------------------------------------------------------------------------------
# scenario

def _arrow(change: dict, fmt=str) -> str:
    mark = "● " if change["changed"] else ""
    return f"{mark}{fmt(change['before'])} → {fmt(change['after'])}"


def _rate_of(side: dict | None) -> str:
    return "–" if side is None else display.rate(side["rate_certain"], side["rate_possible"])


def _cats_text(cs) -> str:
    return "、".join(gaps.short_label(c)[0] for c in cs) or "–"


def _scenario_summary(cmp: dict, scen_ws: Workspace, render: Renderer) -> Section:
    s = cmp["summary"]
    sc = cmp["scenario"]
    text = [cmp["label"] + ".",
            _("{n} edits: {added} added (hypothetical), {removed} removed, {moved} moved; {changed} of {makers} "
              "makers change.", n=len(sc["edits"]), added=len(sc["added"]), removed=len(sc["removed"]),
              moved=len(sc["moved"]), changed=len(cmp["changed_makers"]), makers=len(cmp["makers"]))]
    if sc["note"]:
        text.append(sc["note"])
    text += [_("Edit {n} no longer applies: {reason}", n=p["edit"] + 1, reason=p["message"]) for p in sc["problems"]]
    rate = (lambda v: display.rate(*v) if v else "–")
    rows = [[_("fully covered (certain)"), _arrow(s["fully_covered_certain"])],
            [_("fully covered (possible)"), _arrow(s["fully_covered_possible"])],
            [_("mean rate"), _arrow(s["mean_rate_range"], rate)],
            [_("undetermined items"), _arrow(s["undetermined_items"])],
            [_("lacked by all"), ("● " if s["lacked_by_all"]["changed"] else "")
             + f"{_cats_text(s['lacked_by_all']['before'])} → {_cats_text(s['lacked_by_all']['after'])}"]]
    res = sourcing.sourcing_check(scen_ws, cmp["radius_km"])
    m = reportmaps.base(scen_ws, bounds=reportmaps.bounds_of_points([(mk["lat"], mk["lon"]) for mk in res["makers"]]))
    maps.add_sourcing_makers(m, res)
    by_id = {e.id: e for e in scen_ws.located}
    for i in sc["added"] + sc["moved"]:
        e = by_id.get(i)
        if e is not None:
            reportmaps.pin(m, e.lat, e.lon, "假" if i in sc["added"] else "迁", "#6a1b9a", False, True)
    return Section(_("Summary"), text, [Table([_("District figure"), _("baseline → scenario (● changed)")], rows)],
                   render.image(m, _("The scenario's makers coloured by their local sourcing rate; purple squares: "
                                     "hypothetical (假) and moved (迁) entities.") + " "
                                + reportmaps.legend_text(scen_ws.network is not None)))


def _scenario_makers(cmp: dict) -> Section:
    rows = [["●" if m["changed"] else "", m["name_zh"] + (" [" + _("hypothetical") + "]" if m["hypothetical"] else ""),
             m["status"], _rate_of(m["before"]), _rate_of(m["after"]), _cats_text(m["newly_covered"]),
             _cats_text(m["lost"]), _cats_text(m["no_longer_missing"])] for m in cmp["makers"]]
    return Section(_("Makers"), tables=[Table(
        ["", _("Maker"), _("status"), _("baseline (before)"), _("scenario (after)"), _("newly covered"), _("lost"),
         _("no longer missing")], rows)])


def _scenario_route(cmp: dict) -> Section:
    rt = cmp["route"]
    if rt.get("error"):
        return Section(_("Route catchments"), [rt["error"]])
    rows = [["●" if w["changed"] else "", f"{w['walk_m']:g} m", _arrow(w["served"]), _arrow(w["undetermined"]),
             ", ".join(w["gained"]) or "–", ", ".join(w["lost"]) or "–"] for w in rt["walks"].values()]
    return Section(_("Route catchments"), [_("route {route} {name}: stops {before} → {after}", route=rt["route"],
                                               name=rt["name_zh"], before=rt["stops"]["before"],
                                               after=rt["stops"]["after"])],
                   [Table(["", _("walk"), _("served"), _("Undetermined"), _("gained"), _("lost")], rows)])


def scenario_kind(ws: Workspace, p: Params, render: Renderer) -> tuple[str, str, list[Section]]:
    if p.scenario is None:
        raise InputError("scenario", _("A scenario report needs the scenario's name"), "missing")
    scen_ws = scenariostore.workspace_for(ws, p.scenario)
    cmp = scenariocompare.compare(ws, scen_ws, radius_km=p.radius_km)
    edits = Section(_("Edits"), [f"{i}. {edit_text(e)}" for i, e in enumerate(cmp["scenario"]["edits"], 1)]
                    or [_("No edits: the scenario equals the baseline.")])
    return (_("Report: what-if scenario {name}", name=p.scenario),
            _("The scenario against the baseline, radius {r:g} km by road", r=p.radius_km),
            [_scenario_summary(cmp, scen_ws, render), _scenario_makers(cmp), _scenario_route(cmp), edits])


KindFn = Callable[[Workspace, Params, Renderer], tuple[str, str, list[Section]]]
KINDS: dict[str, KindFn] = {"sourcing": sourcing_kind, "sites": sites_kind, "scenario": scenario_kind}


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InputError("kind", _("unknown report kind {kind}; expected {kinds}", kind=repr(kind), kinds=", ".join(KINDS)),
                         "not_found", 404)
    return kind


def build(ws: Workspace, kind: str, params: Params, render: Renderer) -> Report:
    """The report of ``kind`` on ``ws`` (the baseline); a sourcing or sites report with ``params.scenario`` is
    made on that what-if scenario instead, and says so first."""
    on = ws
    if params.scenario is not None and kind != "scenario":
        on = scenariostore.workspace_for(ws, params.scenario)
    title, subtitle, sections = KINDS[check_kind(kind)](on, params, render)
    note = render.note()
    if note:
        sections[0].text.insert(0, note)
    if on is not ws:  # said first of all
        title = _("{title} (what-if scenario {name})", title=title, name=params.scenario)
        sections[0].text.insert(0, _("Made on the what-if scenario {name}: hypothetical entities and edits, not "
                                     "registry data.", name=params.scenario))
    shown = {"radius_km": params.radius_km, **({"k": params.k} if kind == "sites" else {}),
             **({"top": params.top} if kind == "sites" else {}),
             **({"scenario": params.scenario} if params.scenario else {})}
    return assemble(on, kind, title, subtitle, sections, params.radius_km, shown)


def make(ws: Workspace, kind: str, params: Params, assets: reportmaps.Assets | None = None,
         pdf: bool = False) -> tuple[str, bytes | None]:
    """The report's HTML, and its PDF when ``pdf`` (:class:`chromium.ChromiumMissing` when Chromium is absent;
    without Chromium the HTML is made all the same, without map images)."""
    check_kind(kind)
    if not chromium.available():
        if pdf:
            raise chromium.ChromiumMissing(chromium.missing_message())
        report = build(ws, kind, params, Renderer(None, assets))
        return to_html(report), None
    with chromium.session(assets.vendor_dir if assets else None) as s:
        report = build(ws, kind, params, Renderer(s, assets))
        html = to_html(report)
        return html, (to_pdf(report, s, html) if pdf else None)


__all__ = ["KINDS", "Params", "Renderer", "build", "make"]
