"""The study area: 吴中区 plus a buffer, defined in ``geo/studyarea.json``.

The definition says where the boundary comes from (a local GeoJSON, else OSM's geocoder through osmnx),
the buffer and the metric CRS. Everything else asks this module for polygons and projections.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import shape

from .messages import _

#: The project root (holds ``geo/`` and ``data/``); overridable for installed copies.
PROJECT_ROOT = Path(os.environ.get("SUPPLYCHAIN_PROJECT_ROOT", Path(__file__).resolve().parents[2]))
GEO_DIR = PROJECT_ROOT / "geo"
METRIC_CRS = "EPSG:32651"  # UTM zone 51N: metres across Suzhou


class StudyAreaError(RuntimeError):
    """The study area boundary could not be obtained."""


@lru_cache(maxsize=4)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def to_metric(lon, lat):
    """WGS84 lon/lat -> UTM 51N x/y in metres (scalars or arrays)."""
    return _transformer("EPSG:4326", METRIC_CRS).transform(lon, lat)


def to_lonlat(x, y):
    """UTM 51N x/y -> WGS84 lon/lat."""
    return _transformer(METRIC_CRS, "EPSG:4326").transform(x, y)


def utm_crs(lon: float, lat: float) -> str:
    """The UTM zone of a WGS84 point, as osmnx's ``project_graph`` picks it for a graph centred there."""
    zone = int(np.floor((float(lon) + 180.0) / 6.0) % 60) + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def metric_crs_for(lon, lat, definition: dict | None = None) -> str:
    """The metric CRS for data at these WGS84 positions (a network's nodes).

    The UTM zone of the data's centre (median lon/lat), unless ``geo/studyarea.json`` pins a ``metric_crs``
    that suits it: a pinned UTM CRS applies when the centre lies within 4.5° of longitude of that zone's
    central meridian, in its hemisphere (its own zone plus half of each neighbour: a Wuzhong network reaching
    west of 120° E stays in zone 51). So Suzhou data keeps EPSG:32651 and an extract elsewhere gets its own zone.
    """
    lon_c, lat_c = float(np.median(lon)), float(np.median(lat))
    auto = utm_crs(lon_c, lat_c)
    try:
        pinned = (definition if definition is not None else load_definition()).get("metric_crs")
    except (OSError, ValueError):
        pinned = None
    code = int(pinned.split(":")[1]) if pinned and pinned.upper().startswith("EPSG:32") else None
    if code and 32601 <= code <= 32760 and code % 100 <= 60:
        zone, north = code % 100, code < 32700
        meridian = -183.0 + 6.0 * zone
        off = (lon_c - meridian + 180.0) % 360.0 - 180.0
        if abs(off) <= 4.5 and (lat_c >= 0) == north:
            return pinned
    return auto


def to_metric_in(crs: str, lon, lat):
    """WGS84 lon/lat -> x/y in metres of ``crs``."""
    return _transformer("EPSG:4326", crs).transform(lon, lat)


def geom_to_lonlat_in(crs: str, geom: shapely.Geometry) -> shapely.Geometry:
    """A geometry in metres of ``crs`` back in WGS84."""
    t = _transformer(crs, "EPSG:4326")
    return shapely.transform(geom, lambda x, y: t.transform(x, y), interleaved=False)


def geom_to_metric(geom: shapely.Geometry) -> shapely.Geometry:
    """A WGS84 geometry in UTM 51N metres."""
    return shapely.transform(geom, lambda x, y: to_metric(x, y), interleaved=False)


def geom_to_lonlat(geom: shapely.Geometry) -> shapely.Geometry:
    """A UTM 51N geometry back in WGS84."""
    return shapely.transform(geom, lambda x, y: to_lonlat(x, y), interleaved=False)


@dataclass
class StudyArea:
    """A district boundary with its buffer. Geometries are WGS84 unless named ``*_m`` (metric)."""

    definition: dict
    boundary: shapely.Geometry
    boundary_source: str

    @property
    def buffer_km(self) -> float:
        return float(self.definition.get("buffer_km", 10))

    @cached_property
    def boundary_m(self) -> shapely.Geometry:
        return geom_to_metric(self.boundary)

    def buffered(self, buffer_km: float | None = None) -> shapely.Geometry:
        """The boundary grown by ``buffer_km`` (default: the definition's), in WGS84."""
        km = self.buffer_km if buffer_km is None else buffer_km
        grown = self.boundary_m.buffer(km * 1000.0)
        return geom_to_lonlat(grown)

    def to_geojson(self) -> dict:
        return {
            "type": "Feature",
            "geometry": shapely.geometry.mapping(self.boundary),
            "properties": {"name_zh": self.definition.get("name_zh"), "name_en": self.definition.get("name_en"),
                           "source": self.boundary_source},
        }


def load_definition(path: str | Path | None = None) -> dict:
    path = Path(path) if path else GEO_DIR / "studyarea.json"
    return json.loads(path.read_text(encoding="utf-8"))


def read_boundary_file(path: Path) -> shapely.Geometry:
    data = json.loads(path.read_text(encoding="utf-8"))
    feats = data["features"] if data.get("type") == "FeatureCollection" else [data]
    geoms = [shape(f["geometry"] if "geometry" in f else f) for f in feats]
    return shapely.union_all(geoms)


def load(definition: dict | None = None, boundary_file: str | Path | None = None,
         allow_geocode: bool = False, nominatim_url: str | None = None) -> StudyArea:
    """Load the study area.

    Parameters
    ----------
    definition
        The parsed ``studyarea.json`` (default: the project's).
    boundary_file
        A GeoJSON boundary to use instead of the definition's list.
    allow_geocode
        Ask OSM's geocoder (through osmnx) when no local boundary file exists. Needs internet.
    nominatim_url
        The geocoder's endpoint (default: osmnx's, i.e. OSM's public Nominatim).
    """
    definition = definition or load_definition()
    candidates = [Path(boundary_file)] if boundary_file else [PROJECT_ROOT / p for p in definition["boundary_files"]]
    for path in candidates:
        if path.is_file():
            return StudyArea(definition, read_boundary_file(path), f"file:{path.resolve()}")
    if boundary_file:
        raise StudyAreaError(_("boundary file not found: {boundary_file}", boundary_file=boundary_file))
    if not allow_geocode:
        raise StudyAreaError(_("no local boundary file found ({files}); geocoding is off",
                               files=", ".join(str(p) for p in candidates)))
    import osmnx as ox

    if nominatim_url:
        ox.settings.nominatim_url = nominatim_url.rstrip("/")
    try:
        gdf = ox.geocode_to_gdf(definition["geocode_query"])
    except Exception as exc:  # osmnx raises several kinds for network and lookup failures
        raise StudyAreaError(_("could not geocode {geocode_query} through OSM: {exc}",
                               geocode_query=repr(definition['geocode_query']), exc=exc)) from exc
    return StudyArea(definition, gdf.geometry.iloc[0], f"osm-geocoder:{definition['geocode_query']}")


def try_load() -> StudyArea | None:
    """The study area from local files, or ``None`` when no boundary file is available."""
    try:
        return load()
    except (StudyAreaError, OSError, ValueError, KeyError):
        return None
