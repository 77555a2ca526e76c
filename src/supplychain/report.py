"""Reports to hand on: a list of sections (title, paragraphs, tables, map images) rendered to one standalone
HTML page (Chinese first, English beside it) and printed to an A4 PDF by headless Chromium.

A report kind is a function ``build(ws, params, maps) -> Report`` (see :mod:`supplychain.reports`): it makes the
sections of its analysis; :func:`assemble` adds the sections every report carries (method, data provenance and
coverage) and the date and data version. The HTML has no script, no link and no image URL: map images are PNGs
inlined as ``data:`` URIs, so the file opens anywhere and requests nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field

import jinja2

from . import chromium, display, measure, places, uncertainty
from .messages import N_, _, en, zh
from .synthetic import is_synthetic
from .workspace import Workspace


@dataclass
class Table:
    """A table: header cells (bilingual) and rows of plain values."""

    columns: list[str]
    rows: list[list]
    caption: str = ""


@dataclass
class Image:
    """A PNG (a map rendered by Chromium) shown with a caption."""

    png: bytes
    caption: str = ""

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


@dataclass
class Section:
    """One section: a title, paragraphs, then tables and images in the order given."""

    title: str
    text: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)


@dataclass
class Report:
    kind: str
    title: str
    subtitle: str
    sections: list[Section]
    meta: dict = field(default_factory=dict)


# ----------------------------------------------------------------------------------------------------
# What every report says about the data

def data_version(ws: Workspace) -> dict:
    """The data a report was made from: a digest of the registry rows and the live network cache version."""
    h = hashlib.sha1()
    for e in sorted(ws.entities, key=lambda e: e.id):
        h.update(repr((e.id, e.name_zh, e.kind, e.categories, e.needs, e.robot_types, e.lon, e.lat, e.precision,
                       e.source)).encode("utf-8"))
    net = None
    if ws.network is not None:
        try:
            from .network import cache_folder

            net = cache_folder(ws.data_dir).name
        except Exception:  # an old unversioned cache: its creation date says enough
            net = ws.network.meta.get("created")
    registry = h.hexdigest()[:12]
    text = (_("registry {digest} ({n})", digest=registry, n=len(ws.entities)) + " · "
            + (_("network {version}", version=net) if net else _("no network")))
    return {"registry": registry, "entities": len(ws.entities), "network": net, "text": text}


def method_section(ws: Workspace, radius_km: float) -> Section:
    est = ws.estimator.describe()
    circ = measure.Circuity.of(ws.estimator)
    text = [
        _("Distances are by road. A pair whose two ends lie within {snap:g} m of the loaded road network is "
          "measured on it (network: shortest path between the snapped nodes); any other pair is estimated: "
          "straight line × {factor:.2f} (the circuity calibrated on the loaded network).",
          snap=ws.snap_limit_m, factor=est["circuity_factor"]),
        _("Every entity has an uncertainty region from its precision: exact a point, street a 300 m disc, town a "
          "disc of its stated radius or 5 km, district the district polygon. Each pair has a best estimate and "
          "bounds: lower = the straight-line gap between the two regions; upper = the road distance plus both "
          "regions' extents × {p90:.2f} (network) or the farthest straight line × {p90:.2f} (estimated).",
          p90=circ.upper),
        _("Verdict at the radius R = {r:g} km: within when the upper bound ≤ R, beyond when the lower bound > R, "
          "otherwise undetermined. Counts and rates use within only; undetermined ones are listed apart, and a "
          "better location for the entities named would settle them.", r=radius_km),
    ]
    if ws.network is None:
        text.append(_("No road network is loaded: every distance is estimated."))
    return Section(_("Method"), text)


def provenance_section(ws: Workspace) -> Section:
    located = ws.located
    by_precision = Counter(e.precision for e in ws.entities)
    synthetic = sum(1 for e in ws.entities if is_synthetic(e))
    on_net = sum(1 for v in ws.snapping.values() if v[2])
    text = [_("Registry: {n} entities, {located} with a position ({on} on the road network); only firms, "
              "institutes and parks from public sources, each row naming its source.",
              n=len(ws.entities), located=len(located), on=on_net)]
    if synthetic:
        text.append(_("{n} entities are synthetic (generated by code for tests and demonstrations, not real).",
                      n=synthetic))
    if ws.network is not None:
        s = ws.network.summary()
        text.append(_("Road network: {source}, {nodes} nodes, {edges} edges (OpenStreetMap, © OpenStreetMap "
                      "contributors, ODbL 1.0).", source=s["source"], nodes=f"{s['nodes']:,}",
                      edges=f"{s['edges']:,}"))
    else:
        text.append(_("No road network is loaded: every distance is estimated."))
    if ws.study_area is not None:
        text.append(_("District boundary: {source}.", source=ws.study_area.boundary_source))
    datasets = sorted({p["dataset"] for p in places.summary(ws.store)})
    if datasets:
        text.append(_("Named places (site labels): {names}.", names=", ".join(datasets)))
    rows = [[p, f"{zh(_PRECISION_TEXT[p])} {en(_PRECISION_TEXT[p])}", by_precision.get(p, 0)]
            for p in ("exact", "street", "town", "district", "unknown")]
    table = Table([_("Precision"), _("Uncertainty region"), _("Entities")], rows)
    return Section(_("Data provenance and coverage"), text, [table])


_PRECISION_TEXT = {
    "exact": N_("a point (coordinates)"), "street": N_("a 300 m disc (a street)"),
    "town": N_("a disc of the stated radius or 5 km (a town or sub-district)"),
    "district": N_("the district polygon"), "unknown": N_("no position: listed, never measured"),
}


def assemble(ws: Workspace, kind: str, title: str, subtitle: str, sections: list[Section], radius_km: float,
             params: dict | None = None) -> Report:
    """A report of ``sections`` plus the method and provenance sections, dated, with the data version."""
    now = dt.datetime.now(dt.timezone.utc).astimezone()
    meta = {"date": now.strftime("%Y-%m-%d %H:%M %Z").strip(), "data_version": data_version(ws),
            "radius_km": radius_km, "params": params or {}, "estimator": ws.estimator.describe(),
            "regions": [d.name_zh for d in uncertainty.districts()]}
    return Report(kind, title, subtitle, sections + [method_section(ws, radius_km), provenance_section(ws)], meta)


# ----------------------------------------------------------------------------------------------------
# Rendering

_TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{{ report.title }}</title>
<style>
  @page { size: A4; }
  body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif;
         color: #1d2733; font-size: 10.5pt; line-height: 1.45; margin: 0 auto; max-width: 180mm; padding: 8mm 0; }
  h1 { font-size: 17pt; margin: 0 0 2mm; }
  .subtitle { color: #667381; margin: 0 0 4mm; }
  .meta { font-size: 9pt; color: #33414f; border: 1px solid #dde3e9; background: #f6f8fa; padding: 2mm 3mm; margin-bottom: 5mm; }
  h2 { font-size: 13pt; border-bottom: 2px solid #0b6e99; padding-bottom: 1mm; margin: 7mm 0 3mm; break-after: avoid; }
  p { margin: 1.5mm 0; }
  table { border-collapse: collapse; width: 100%; font-size: 8.5pt; margin: 2mm 0 4mm; }
  th, td { border: 1px solid #c9d1d9; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }
  th { background: #eef2f6; }
  tr { break-inside: avoid; }
  caption { caption-side: top; text-align: left; font-weight: 600; padding-bottom: 1mm; }
  figure { margin: 3mm 0; break-inside: avoid; }
  figure img { width: 100%; border: 1px solid #c9d1d9; }
  figcaption { font-size: 8.5pt; color: #667381; }
</style>
</head>
<body>
<h1>{{ report.title }}</h1>
<p class="subtitle">{{ report.subtitle }}</p>
<div class="meta">
  <div>{{ labels.date }}: {{ report.meta.date }}</div>
  <div>{{ labels.version }}: {{ report.meta.data_version.text }}</div>
  {%- if report.meta.params %}
  <div>{{ labels.params }}: {% for k, v in report.meta.params.items() %}{{ k }} = {{ v }}{% if not loop.last %}; {% endif %}{% endfor %}</div>
  {%- endif %}
</div>
{%- for s in report.sections %}
<section>
<h2>{{ s.title }}</h2>
{%- for t in s.text %}
<p>{{ t }}</p>
{%- endfor %}
{%- for img in s.images %}
<figure><img src="{{ img.data_uri }}" alt="{{ img.caption }}"><figcaption>{{ img.caption }}</figcaption></figure>
{%- endfor %}
{%- for t in s.tables %}
<table>
{%- if t.caption %}<caption>{{ t.caption }}</caption>{% endif %}
<thead><tr>{% for c in t.columns %}<th>{{ c }}</th>{% endfor %}</tr></thead>
<tbody>
{%- for r in t.rows %}
<tr>{% for v in r %}<td>{{ "" if v is none else v }}</td>{% endfor %}</tr>
{%- endfor %}
</tbody>
</table>
{%- endfor %}
</section>
{%- endfor %}
</body>
</html>
"""

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


def to_html(report: Report) -> str:
    """The report as one standalone HTML document (autoescaped; images inline)."""
    labels = {"date": _("Date"), "version": _("Data version"), "params": _("Parameters")}
    return _ENV.from_string(_TEMPLATE).render(report=report, labels=labels)


def _header_footer(report: Report) -> tuple[str, str]:
    style = "font-size:7.5pt;width:100%;margin:0 12mm;color:#667381;display:flex;justify-content:space-between;"
    esc = jinja2.utils.markupsafe.escape
    header = (f'<div style="{style}"><span>{esc(report.title)}</span>'
              f'<span>{esc(report.meta["date"])}</span></div>')
    msg = N_("Page {n} of {total}")
    number, total = '<span class="pageNumber"></span>', '<span class="totalPages"></span>'

    def page_text(text: str) -> str:
        return str(esc(text)).replace("\x00", number).replace("\x01", total)

    marks = {"n": "\x00", "total": "\x01"}
    pages = page_text(zh(msg, **marks)) + " · " + page_text(en(msg, **marks))
    footer = (f'<div style="{style}"><span>{esc(_("Data version"))}: {esc(report.meta["data_version"]["text"])}'
              f'</span><span>{pages}</span></div>')
    return header, footer


def to_pdf(report: Report, session: chromium.Session | None = None, html: str | None = None) -> bytes:
    """The report printed to A4 by headless Chromium (:class:`chromium.ChromiumMissing` when absent)."""
    html = html if html is not None else to_html(report)
    header, footer = _header_footer(report)
    if session is not None:
        return session.pdf(html, header, footer)
    with chromium.session() as s:
        return s.pdf(html, header, footer)


def distance_text(record: dict) -> str:
    """A pair's distance in the one style, for table cells."""
    return display.distance(record.get("road_m"), record.get("road_m_range"), record.get("distance_method"))
