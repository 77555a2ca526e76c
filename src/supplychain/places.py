"""Named places for the offline geocoder: road labels, sub-district and town reference points, stations.

Places come from two kinds of file, both stored in the data dir's ``places`` table by dataset (the file's
name), so that importing a file again replaces its rows instead of doubling them:

- the gazetteer the project ships, ``geo/gazetteer.csv`` (derived by ``geo/derive_gazetteer.py``), loaded
  into every data dir automatically (:func:`ensure_gazetteer`);
- GeoJSON point files a user imports with ``supplychain places import FILE.geojson``: our own label files
  (a ``kind`` property: ``road``, ``community``, ``park`` …) or OSM exports (``osm_type``/``osm_id`` and OSM
  tags, classified by :func:`classify_osm`).

:class:`Index` answers the geocoder's questions: where is the road of this name (all its points, its
reference point and how far its points spread), which sub-district/town/district is this.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import studyarea, uncertainty
from .messages import _
from .store import Store

GAZETTEER = studyarea.GEO_DIR / "gazetteer.csv"
GAZETTEER_DATASET = "gazetteer.csv"
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"

KINDS = ("road", "subdistrict", "town", "district", "station", "bus_stop", "community", "place", "poi")
#: Kinds that name an area a firm's address can be placed in (``town`` precision).
AREA_KINDS = ("subdistrict", "town")

#: A road whose points of the same name spread wider than this is ambiguous (two roads, or one very long
#: one): the geocoder does not place a firm on it at ``street`` precision.
MAX_ROAD_EXTENT_M = 5000.0

_FIELDS = ("dataset", "name", "aliases", "kind", "district", "lon", "lat", "radius_m", "osm_type", "osm_id",
           "source", "attribution")


@dataclass(frozen=True)
class Place:
    """One named WGS84 point; ``radius_m`` only where its source states one."""

    name: str
    kind: str
    lon: float
    lat: float
    aliases: tuple[str, ...] = ()
    district: str = ""
    radius_m: float | None = None
    osm_type: str = ""
    osm_id: str = ""
    source: str = ""
    attribution: str = ""
    dataset: str = ""

    def cite(self) -> str:
        """Where this point comes from, for an entity's ``source``."""
        if not self.osm_type:
            return ", ".join(p for p in (self.source, self.dataset) if p)
        return ", ".join(p for p in (f"OSM {self.osm_type} {self.osm_id}", self.dataset, self.attribution) if p)


class PlacesError(ValueError):
    """A places file could not be read."""


# ----------------------------------------------------------------------------------------------------
# Reading files

_LABEL_KINDS = {"road": "road", "community": "community", "park": "poi", "water": "poi", "poi": "poi",
                "shop": "poi", "station": "station", "bus_stop": "bus_stop", "subdistrict": "subdistrict",
                "town": "town", "district": "district"}


def classify_osm(props: dict) -> str | None:
    """The place kind of an OSM element from its tags, or ``None`` to leave it out.

    Route relations are left out (their centres can lie far from Suzhou); roads are named ways only.
    """
    if props.get("type") == "route" or props.get("route"):
        return None
    osm_type = props.get("osm_type", "")
    if props.get("station") == "subway" or (props.get("railway") == "station" and props.get("subway") == "yes"):
        return "station"
    if props.get("highway") == "bus_stop" or (props.get("bus") == "yes" and props.get("public_transport")):
        return "bus_stop"
    if props.get("highway") and osm_type == "way":
        return "road"
    if props.get("boundary") == "administrative":
        level = str(props.get("admin_level", ""))
        return {"6": "district", "8": "subdistrict", "9": "subdistrict"}.get(level, "community")
    if props.get("place"):
        return "place"
    return "poi"


def read_geojson(path: str | Path) -> list[Place]:
    """Named points of a GeoJSON file (WGS84): our label files or OSM exports."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PlacesError(_("{path}: not valid UTF-8 GeoJSON: {exc}", path=path, exc=exc)) from None
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise PlacesError(_("{path}: not a GeoJSON FeatureCollection", path=path))
    attribution = str(data.get("license") or data.get("attribution") or "")
    out = []
    for feat in data["features"]:
        geom = (feat or {}).get("geometry") or {}
        props = (feat or {}).get("properties") or {}
        name = str(props.get("name") or "").strip()
        if geom.get("type") != "Point" or not name:
            continue
        lon, lat = (float(v) for v in geom["coordinates"][:2])
        if "kind" in props:
            kind = _LABEL_KINDS.get(str(props["kind"]), "poi")
        else:
            kind = classify_osm(props)
            if kind is None:
                continue
        is_osm = bool(props.get("osm_type"))
        out.append(Place(name=name, kind=kind, lon=lon, lat=lat, osm_type=str(props.get("osm_type", "")),
                         osm_id=str(props.get("osm_id", "")), source=path.name,
                         attribution=attribution or (OSM_ATTRIBUTION if is_osm else ""), dataset=path.name))
    if not out:
        raise PlacesError(_("{path}: no named Point features", path=path))
    return out


def read_gazetteer(path: str | Path = GAZETTEER) -> list[Place]:
    """The rows of a gazetteer CSV (the columns ``geo/derive_gazetteer.py`` writes)."""
    path = Path(path)
    out = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for r in csv.DictReader(fh):
            out.append(Place(name=r["name"], kind=r["kind"], lon=float(r["lon"]), lat=float(r["lat"]),
                             aliases=tuple(a for a in r.get("aliases", "").split(";") if a),
                             district=r.get("district", ""),
                             radius_m=float(r["radius_m"]) if r.get("radius_m") else None,
                             osm_type=r.get("osm_type", ""), osm_id=r.get("osm_id", ""), source=r.get("source", ""),
                             attribution=r.get("attribution", ""), dataset=path.name))
    return out


def read_file(path: str | Path) -> list[Place]:
    """A places file by extension: ``.geojson``/``.json`` or a gazetteer ``.csv``."""
    path = Path(path)
    if not path.is_file():
        raise PlacesError(_("{path}: no such file", path=path))
    if path.suffix.lower() == ".csv":
        return read_gazetteer(path)
    return read_geojson(path)


# ----------------------------------------------------------------------------------------------------
# The store

def store_places(store: Store, places: list[Place], dataset: str) -> int:
    """Replace the rows of ``dataset`` with ``places`` (one transaction); returns how many were stored."""
    marks = ", ".join("?" * len(_FIELDS))
    with store.transaction() as conn:
        conn.execute("DELETE FROM places WHERE dataset = ?", (dataset,))
        conn.executemany(
            f"INSERT INTO places ({', '.join(_FIELDS)}) VALUES ({marks})",
            [(dataset, p.name, ";".join(p.aliases), p.kind, p.district, p.lon, p.lat, p.radius_m, p.osm_type,
              p.osm_id, p.source, p.attribution) for p in places])
    return len(places)


def import_file(store: Store, path: str | Path) -> dict:
    """Import a places file into the store; returns ``{dataset, stored, kinds}``."""
    places = read_file(path)
    dataset = Path(path).name
    n = store_places(store, places, dataset)
    kinds: dict[str, int] = {}
    for p in places:
        kinds[p.kind] = kinds.get(p.kind, 0) + 1
    return {"dataset": dataset, "stored": n, "kinds": kinds}


def ensure_gazetteer(store: Store, path: Path = GAZETTEER) -> None:
    """Load the shipped gazetteer into the store, again whenever the file changed."""
    if not path.is_file():
        return
    digest = hashlib.sha1(path.read_bytes()).hexdigest()
    if store.get_meta("gazetteer_sha1") == digest:
        return
    store_places(store, read_gazetteer(path), GAZETTEER_DATASET)
    with store.transaction() as conn:
        store.set_meta(conn, "gazetteer_sha1", digest)


def load(store: Store) -> list[Place]:
    """Every stored place (the gazetteer first, then imported files in import order)."""
    rows = store.query("SELECT * FROM places ORDER BY dataset != ?, rowid", (GAZETTEER_DATASET,))
    return [Place(name=r["name"], kind=r["kind"], lon=r["lon"], lat=r["lat"],
                  aliases=tuple(a for a in r["aliases"].split(";") if a), district=r["district"],
                  radius_m=r["radius_m"], osm_type=r["osm_type"], osm_id=r["osm_id"], source=r["source"],
                  attribution=r["attribution"], dataset=r["dataset"]) for r in rows]


def summary(store: Store) -> list[dict]:
    """Per dataset and kind: how many places are stored."""
    return [dict(r) for r in store.query(
        "SELECT dataset, kind, count(*) AS n FROM places GROUP BY dataset, kind ORDER BY dataset, kind")]


# ----------------------------------------------------------------------------------------------------
# Looking places up

@dataclass(frozen=True)
class RoadRef:
    """Where a road of this name is, from all its points: the medoid and how far the others spread."""

    name: str
    lon: float
    lat: float
    extent_m: float
    points: int
    place: Place  # the medoid's own row, for the citation

    @property
    def radius_m(self) -> float:
        """The disc that holds every point of the road we know (at least the ``street`` default)."""
        return max(uncertainty.STREET_RADIUS_M, round(self.extent_m))

    @property
    def ambiguous(self) -> bool:
        return self.extent_m > MAX_ROAD_EXTENT_M


def _road_ref(name: str, group: list[Place]) -> RoadRef:
    x, y = studyarea.to_metric(np.array([p.lon for p in group]), np.array([p.lat for p in group]))
    d = np.hypot(np.subtract.outer(x, x), np.subtract.outer(y, y))
    i = int(d.max(axis=1).argmin())
    return RoadRef(name, group[i].lon, group[i].lat, float(d[i].max()), len(group), group[i])


_TOWN_SUFFIX = re.compile(r"(街道|镇)$")


class Index:
    """Name lookups over a list of places."""

    def __init__(self, places: list[Place]):
        self.places = places
        groups: dict[str, list[Place]] = {}
        self.areas: dict[str, Place] = {}
        self.districts: dict[str, Place] = {}
        for p in places:
            if p.kind == "road":
                groups.setdefault(p.name, []).append(p)
            elif p.kind in AREA_KINDS:
                for n in (p.name, *p.aliases):
                    self.areas.setdefault(n, p)
            elif p.kind == "district":
                for n in (p.name, *p.aliases):
                    self.districts.setdefault(n, p)
        self._groups = groups
        self._roads: dict[str, RoadRef] = {}
        # Longest names first: 东吴南路 before 吴南路 when matching the end of a road text.
        self.road_names = sorted(groups, key=len, reverse=True)

    @classmethod
    def of_store(cls, store: Store) -> "Index":
        ensure_gazetteer(store)
        return cls(load(store))

    def road(self, text: str) -> RoadRef | None:
        """The road named ``text``, or the longest known road name ``text`` ends with (淞苇路 in
        吴淞江产业园淞苇路); ``None`` when none is known."""
        if not text:
            return None
        name = text if text in self._groups else next(
            (n for n in self.road_names if len(n) >= 3 and text.endswith(n)), None)
        if name is None:
            return None
        if name not in self._roads:
            self._roads[name] = _road_ref(name, self._groups[name])
        return self._roads[name]

    def area(self, name: str) -> Place | None:
        """A sub-district or town by its name (郭巷街道) or short name (郭巷)."""
        if not name:
            return None
        return self.areas.get(name) or self.areas.get(_TOWN_SUFFIX.sub("", name))

    def area_in(self, text: str) -> Place | None:
        """The first sub-district or town named in ``text``: by its full name (吴中区木渎镇… -> 木渎镇), or by
        its short name where no road word follows (吴中区木渎 -> 木渎镇; not 城南路 -> 城南街道)."""
        hits = []
        for n, p in self.areas.items():
            if not _TOWN_SUFFIX.search(p.name):
                continue  # e.g. OSM's 开发区: matched only by that exact name (area()), never inside a text
            if _TOWN_SUFFIX.search(n):
                i = text.find(n)
            else:
                m = re.search(re.escape(n) + r"(?![\u4e00-\u9fff]{0,3}(?:大道|路|街|巷|弄|桥|站))", text)
                i = m.start() if m else -1
            if i >= 0:
                hits.append((i, p))
        return min(hits, key=lambda h: h[0])[1] if hits else None

    def district(self, name: str) -> Place | None:
        return self.districts.get(name) if name else None
