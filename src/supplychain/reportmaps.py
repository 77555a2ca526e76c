"""Folium maps for report images: self-contained (roads and the 吴中 boundary inline, no layer control, no
animation), with numbered site markers, rendered to PNG by :mod:`supplychain.chromium`.

The page maps fetch their base layers from the API; a report is rendered with no server, so the same data is
written into the map's HTML instead (it only lives in the screenshot's page, never in the report).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import folium

from . import maps
from .messages import _


@dataclass
class Assets:
    """Where the map's JS/CSS come from: ``url(name, cdn_url)`` gives the path under ``/static/vendor/`` and
    ``vendor_dir`` is that folder on disk (the web app's vendored assets; the faces pass them in)."""

    url: maps.AssetUrl
    vendor_dir: Path


def base(ws, bounds=None) -> folium.Map:
    """A map of the study area with the road network and the boundary drawn inline."""
    m = maps.base_map(ws, network_url=None, boundary_url=None, bounds=bounds, basemap_url=None)
    m.options.update(zoomControl=False, fadeAnimation=False, zoomAnimation=False, markerZoomAnimation=False)
    if ws.network is not None:
        def road_style(f):
            colour, weight = maps.ROAD_STYLE.get(f["properties"].get("highway"), maps.ROAD_STYLE["other"])
            return {"color": colour, "weight": weight, "opacity": 0.95}
        folium.GeoJson(ws.network.road_lines(), style_function=road_style, control=False).add_to(m)
    if ws.study_area is not None:
        folium.GeoJson(ws.study_area.to_geojson(), control=False, style_function=lambda _f: {
            "color": "#d35400", "weight": 2, "dashArray": "6 4", "fill": True, "fillColor": "#f5b041",
            "fillOpacity": 0.05}).add_to(m)
    return m


def pin(m: folium.Map, lat: float, lon: float, label: str, colour: str, estimated: bool = False,
        square: bool = False) -> None:
    """A numbered marker drawn with inline styles (the image page has no stylesheet of ours)."""
    border = "2px dashed #fff" if estimated else "2px solid #fff"
    radius = "3px" if square else "50%"
    html = (f'<div style="min-width:20px;height:20px;padding:0 3px;border-radius:{radius};background:{colour};'
            f'border:{border};color:#fff;font:bold 11px/20px sans-serif;text-align:center;'
            f'box-shadow:0 0 0 1px {colour};white-space:nowrap">{maps.map_text(label)}</div>')
    folium.Marker((lat, lon), icon=folium.DivIcon(html=html, icon_size=(26, 24), icon_anchor=(13, 12))).add_to(m)


def makers_dots(m: folium.Map, makers: list[dict]) -> None:
    """Small markers for makers (hollow when only a reference point is known)."""
    for mk in makers:
        coarse = mk.get("precision") in maps.COARSE_PRECISIONS
        folium.CircleMarker((mk["lat"], mk["lon"]), radius=5, color="#37474f", weight=2,
                            fill=True, fill_color="#fff" if coarse else "#37474f", fill_opacity=1.0,
                            dash_array="3 2" if coarse else None).add_to(m)


def bounds_of_points(points: list[tuple[float, float]], pad: float = 0.02) -> list[list[float]] | None:
    if not points:
        return None
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    return [[min(lats) - pad, min(lons) - pad], [max(lats) + pad, max(lons) + pad]]


def legend_text(network: bool) -> str:
    return _("Map: roads of the loaded OSM network and the 吴中区 boundary (dashed); © OpenStreetMap contributors, "
             "ODbL 1.0.") if network else _("Map: the 吴中区 boundary (dashed); no road network is loaded. "
                                              "© OpenStreetMap contributors, ODbL 1.0.")
