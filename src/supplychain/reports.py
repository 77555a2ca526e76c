"""The report kinds: ``sourcing`` (the 10 km check) and ``sites`` (best k sites and the 补链 chain gaps).

A kind is one function ``(ws, params, render) -> (title, subtitle, sections)`` in :data:`KINDS`; :func:`make`
runs it, adds the shared sections (:func:`report.assemble`) and renders HTML and, when asked, the PDF. A new
kind (e.g. a scenario comparison) is one more such function: sections of paragraphs, :class:`report.Table` and
map images from ``render.image(folium_map, caption)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from . import chromium, display, gaps, maps, reportmaps, siteopt, sourcing
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

    @classmethod
    def parse(cls, radius_km=None, k=None, top=None) -> "Params":
        return cls(check_radius(radius_km), 5 if k in (None, "") else parse_int(k, "k", 1, MAX_K),
                   gaps.parse_top(top))


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


KindFn = Callable[[Workspace, Params, Renderer], tuple[str, str, list[Section]]]
KINDS: dict[str, KindFn] = {"sourcing": sourcing_kind, "sites": sites_kind}


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InputError("kind", f"unknown report kind {kind!r}; expected {', '.join(KINDS)}", "not_found", 404)
    return kind


def build(ws: Workspace, kind: str, params: Params, render: Renderer) -> Report:
    title, subtitle, sections = KINDS[check_kind(kind)](ws, params, render)
    note = render.note()
    if note:
        sections[0].text.insert(0, note)
    shown = {"radius_km": params.radius_km, **({"k": params.k} if kind == "sites" else {}),
             **({"top": params.top} if kind == "sites" else {})}
    return assemble(ws, kind, title, subtitle, sections, params.radius_km, shown)


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
